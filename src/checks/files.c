/*
 * files.c - the regular files of a file tree, and small helpers for
 * content checks (see files.h).
 */
#include "checks/files.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/boot.h"

/* ---- the file list -------------------------------------------------------- */

fg_files *fg_files_build(fg_node *root)
{
	fg_files *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	fg_arena_init(&f->arena);
	FG_VEC(fg_node *) stack = { 0 };
	if (!root || !FG_VEC_PUSH(&stack, root))
		return f;
	while (stack.n) {
		fg_node *n = stack.v[--stack.n];
		if (n->type == FG_NODE_FILE && n != root) {
			if (f->v.n >= FG_FILES_MAX) {
				f->truncated = true;
				break;
			}
			char path[4096];
			if (!fg_node_path(n, path, sizeof(path)))
				continue;
			fg_file e = { .node = n };
			e.path = fg_arena_strdup(&f->arena, path);
			if (!e.path)
				break;
			e.name = fg_base_name(e.path);
			size_t probe = n->data_len < FG_TEXT_PROBE ? n->data_len : FG_TEXT_PROBE;
			e.text = n->data && n->data_len && !memchr(n->data, 0, probe);
			e.elf = n->data && n->data_len >= 4 && memcmp(n->data, "\x7f" "ELF", 4) == 0;
			if (!FG_VEC_PUSH(&f->v, e))
				break;
			continue;
		}
		if (n->type != FG_NODE_DIR)
			continue;
		/* children in reverse so they come out in name order; never
		 * n->unpacked: a nested file tree is checked on its own */
		for (size_t i = n->nchildren; i-- > 0;)
			if (!FG_VEC_PUSH(&stack, n->children[i]))
				goto out;
	}
out:
	FG_VEC_FREE(&stack);
	return f;
}

void fg_files_free(fg_files *f)
{
	if (!f)
		return;
	FG_VEC_FREE(&f->v);
	fg_arena_free(&f->arena);
	free(f);
}

static const char files_key;

static void *make_files(fg_check_ctx *ctx)
{
	fg_files *f = fg_files_build(fg_ctx_root(ctx));
	if (f && f->truncated)
		fg_ctx_warn(ctx, NULL, "more than %u files; content checks looked at the first ones only",
			    FG_FILES_MAX);
	return f;
}

static void free_files(void *p)
{
	fg_files_free(p);
}

const fg_files *fg_files_of(fg_check_ctx *ctx)
{
	return fg_ctx_cache(ctx, &files_key, make_files, free_files);
}

/* ---- redaction -------------------------------------------------------------- */

void fg_redact(const char *secret, size_t len, char *out, size_t cap)
{
	size_t keep = len >= 8 ? 2 : 0;
	char shown[8] = "";
	for (size_t i = 0; i < keep; i++)
		shown[i] = isprint((unsigned char)secret[i]) ? secret[i] : '?';
	shown[keep] = '\0';
	snprintf(out, cap, "%s\xe2\x80\xa6(%zu chars, redacted)", shown, len);
}

void fg_redact_in_line(const char *s, size_t l, size_t vs, size_t vl, char *out, size_t cap)
{
	char red[64];
	size_t lead = 0;
	if (vs > l)
		vs = l;
	if (vl > l - vs)
		vl = l - vs;
	while (lead < vs && (s[lead] == ' ' || s[lead] == '\t'))
		lead++;
	fg_redact(s + vs, vl, red, sizeof(red));
	size_t before = vs - lead, after = l - vs - vl;
	if (before > 120)
		before = 120;
	if (after > 60)
		after = 60;
	snprintf(out, cap, "%.*s%s%.*s", (int)before, s + lead, red, (int)after, s + vs + vl);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			*p = '?';
}

/* ---- reporting ---------------------------------------------------------------- */

void fg_report_at(fg_check_ctx *ctx, const fg_node *node, unsigned line, int64_t offset, int sev,
		  const char *subject, const char *excerpt, const char *fmt, ...)
{
	char msg[4096], ex[512] = "";
	int64_t off = offset;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (excerpt) {
		snprintf(ex, sizeof(ex), "%s", excerpt);
	} else if (line) {
		int64_t lo;
		fg_text_excerpt(node, line, ex, sizeof(ex), &lo);
		if (off < 0)
			off = lo;
	}
	if (off < 0 && line) {
		const char *t;
		size_t len, st, ll;
		if (fg_text_of(node, &t, &len) && fg_text_find_line(t, len, line, &st, &ll))
			off = (int64_t)st;
	}
	fg_report_item item = {
		.node = node,
		.line = line,
		.offset = off,
		.message = msg,
		.excerpt = ex[0] ? ex : NULL,
		.subject = subject,
		.severity = sev,
	};
	fg_ctx_report(ctx, &item);
}

bool fg_seen_first(fg_seen *seen, const void *node, unsigned line)
{
	for (size_t i = 0; i < seen->n; i++)
		if (seen->v[i].node == node && (seen->v[i].line == line || !line || !seen->v[i].line))
			return false;
	fg_seen_item it = { node, line };
	FG_VEC_PUSH(seen, it);
	return true;
}

/* ---- config lines ---------------------------------------------------------------- */

const char *fg_memcasemem(const char *s, size_t l, const char *needle)
{
	size_t n = strlen(needle);
	if (!n || n > l)
		return NULL;
	/* memchr for the first character in either case, then compare */
	int lo = tolower((unsigned char)needle[0]), up = toupper((unsigned char)needle[0]);
	const char *end = s + l - n + 1;
	for (const char *p = s; p < end;) {
		const char *a = memchr(p, lo, (size_t)(end - p));
		const char *b = lo != up ? memchr(p, up, (size_t)(a ? a - p : end - p)) : NULL;
		const char *c = b ? b : a;
		if (!c)
			return NULL;
		if (strncasecmp(c + 1, needle + 1, n - 1) == 0)
			return c;
		p = c + 1;
	}
	return NULL;
}

void fg_unquote(const char **s, size_t *l)
{
	while (*l && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*l)--;
	}
	while (*l && ((*s)[*l - 1] == ' ' || (*s)[*l - 1] == '\t' || (*s)[*l - 1] == '\r'))
		(*l)--;
	if (*l >= 2 && ((**s == '"' && (*s)[*l - 1] == '"') || (**s == '\'' && (*s)[*l - 1] == '\''))) {
		(*s)++;
		*l -= 2;
	}
}

bool fg_value_is_placeholder(const char *v, size_t len)
{
	static const char *const words[] = {
		"none", "null", "nil", "undefined", "changeme-placeholder", "your_password",
		"yourpassword", "password_here", "secret_here", "<password>", "(null)", NULL,
	};
	if (len == 0)
		return true;
	if (v[0] == '$' || v[0] == '%' || v[0] == '<' || v[0] == '@' || v[0] == '`')
		return true;
	if (len >= 2 && v[0] == '{' && v[1] == '{')
		return true;
	if (memchr(v, '$', len) && (memmem(v, len, "${", 2) || memmem(v, len, "$(", 2)))
		return true;
	size_t same = 1;
	for (size_t i = 1; i < len; i++)
		same += v[i] == v[0];
	if (same == len && (v[0] == '*' || v[0] == 'x' || v[0] == 'X' || v[0] == '.' || v[0] == '-'))
		return true;
	for (const char *const *w = words; *w; w++)
		if (strlen(*w) == len && strncasecmp(v, *w, len) == 0)
			return true;
	return false;
}

static bool key_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

/* Drops a " # comment" or " ; comment" tail from an unquoted value. */
static void drop_comment(const char *v, size_t *l)
{
	if (*l && (v[0] == '"' || v[0] == '\''))
		return;
	for (size_t i = 1; i < *l; i++)
		if ((v[i] == '#' || v[i] == ';') && (v[i - 1] == ' ' || v[i - 1] == '\t')) {
			*l = i;
			return;
		}
}

bool fg_kv_parse(const char *s, size_t l, fg_kv *kv)
{
	memset(kv, 0, sizeof(*kv));
	const char *line = s;
	while (l && (*s == ' ' || *s == '\t')) {
		s++;
		l--;
	}
	while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r'))
		l--;
	if (!l || s[0] == '#' || s[0] == ';' || (l >= 2 && s[0] == '/' && s[1] == '/'))
		return false;
	const char *e = s + l;
	if ((l > 7 && strncmp(s, "option", 6) == 0 && (s[6] == ' ' || s[6] == '\t')) ||
	    (l > 5 && strncmp(s, "list", 4) == 0 && (s[4] == ' ' || s[4] == '\t'))) {
		const char *k = s + (s[0] == 'o' ? 6 : 4);
		while (k < e && (*k == ' ' || *k == '\t'))
			k++;
		const char *ke = k;
		while (ke < e && *ke != ' ' && *ke != '\t')
			ke++;
		const char *v = ke;
		size_t vl = (size_t)(e - v);
		drop_comment(v, &vl);
		fg_unquote(&v, &vl);
		kv->key = k;
		kv->klen = (size_t)(ke - k);
		fg_unquote(&kv->key, &kv->klen);
		kv->val = v;
		kv->vlen = vl;
		kv->uci = true;
		kv->voff = (size_t)(v - line);
		return kv->klen > 0;
	}
	if (s[0] == '"') {
		const char *q = memchr(s + 1, '"', l - 1);
		if (!q)
			return false;
		const char *c = q + 1;
		while (c < e && (*c == ' ' || *c == '\t'))
			c++;
		if (c >= e || *c != ':')
			return false;
		const char *v = c + 1;
		size_t vl = (size_t)(e - v);
		while (vl && (v[vl - 1] == ',' || v[vl - 1] == ' '))
			vl--;
		fg_unquote(&v, &vl);
		kv->key = s + 1;
		kv->klen = (size_t)(q - s - 1);
		kv->val = v;
		kv->vlen = vl;
		kv->json = true;
		kv->voff = (size_t)(v - line);
		return true;
	}
	if (l > 7 && strncmp(s, "export ", 7) == 0) {
		s += 7;
		while (s < e && *s == ' ')
			s++;
	}
	const char *ke = s;
	while (ke < e && key_char(*ke))
		ke++;
	if (ke == s)
		return false;
	const char *c = ke;
	while (c < e && (*c == ' ' || *c == '\t'))
		c++;
	const char *v;
	if (c < e && (*c == '=' || *c == ':')) {
		v = c + 1;
	} else if (c > ke && c < e) {
		v = c;
		kv->spaced = true;
	} else {
		return false;
	}
	size_t vl = (size_t)(e - v);
	drop_comment(v, &vl);
	fg_unquote(&v, &vl);
	kv->key = s;
	kv->klen = (size_t)(ke - s);
	kv->val = v;
	kv->vlen = vl;
	kv->voff = (size_t)(v - line);
	return true;
}

void fg_key_norm(const char *k, size_t l, char *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < l && n + 1 < cap; i++)
		if (isalnum((unsigned char)k[i]))
			out[n++] = (char)tolower((unsigned char)k[i]);
	out[n] = '\0';
}

static bool value_in(const char *v, size_t l, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == l && strncasecmp(v, *words, l) == 0)
			return true;
	return false;
}

bool fg_value_is_off(const char *v, size_t l)
{
	static const char *const off[] = {
		"0", "false", "no", "off", "n", "disable", "disabled", "none", NULL,
	};
	return value_in(v, l, off);
}

bool fg_value_is_on(const char *v, size_t l)
{
	static const char *const on[] = {
		"1", "true", "yes", "on", "y", "enable", "enabled", NULL,
	};
	return value_in(v, l, on);
}

bool fg_is_wifi_file(const fg_file *f)
{
	return strstr(f->path, "/config/wireless") || strstr(f->name, "hostapd") ||
	       strstr(f->name, "wpa_supplicant") || strstr(f->name, "wpa_wpa");
}

bool fg_is_config_file(const fg_file *f, const char *t, size_t len)
{
	static const char *const exts[] = {
		"conf", "cfg", "cnf", "ini", "json", "env", "yaml", "yml", "toml", "properties",
		"txt", "config", NULL,
	};
	static const char *const bad[] = {
		"sh", "lua", "js", "html", "htm", "py", "pl", "c", "h", "php", "md", "rst", "awk",
		"in", "am", "m4", "pem", "crt", "key", "csv", NULL,
	};
	if (len >= 2 && t[0] == '#' && t[1] == '!')
		return false;
	/* openssl.cnf: prompts ("A challenge password") and the CMP demo
	 * CA's published secret; nsswitch.conf: "passwd: files" */
	if (strcmp(f->name, "nsswitch.conf") == 0 || strcmp(f->name, "openssl.cnf") == 0)
		return false;
	const char *dot = strrchr(f->name, '.');
	if (dot) {
		for (const char *const *e = bad; *e; e++)
			if (strcasecmp(dot + 1, *e) == 0)
				return false;
		for (const char *const *e = exts; *e; e++)
			if (strcasecmp(dot + 1, *e) == 0)
				return true;
	}
	return strncmp(f->path, "/etc/", 5) == 0 || strncmp(f->path, "/config/", 8) == 0 ||
	       strncmp(f->path, "/data/", 6) == 0 || strncmp(f->path, "/var/", 5) == 0;
}

bool fg_all_hex(const char *s, size_t l)
{
	for (size_t i = 0; i < l; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}
