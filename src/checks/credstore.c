/*
 * credstore.c - finding and parsing the credential stores of a tree.
 *
 * Each parser reads one line at a time, keeps at most a bounded copy of
 * it, and never trusts a length from the file. Stores are found by name
 * and by reference from their server's configuration (lighttpd, boa,
 * mosquitto), each file parsed once per kind.
 */
#include "checks/credstore.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/boot.h"
#include "checks/files.h"

#define MAX_TEXT (1u << 20)     /* bytes of a store read */
#define MAX_LINE 1024
#define MAX_USER 128

fg_creds *fg_creds_new(void)
{
	fg_creds *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	fg_arena_init(&c->arena);
	c->hashed = calloc(1, sizeof(*c->hashed));
	if (!c->hashed) {
		free(c);
		return NULL;
	}
	fg_arena_init(&c->hashed->arena);
	return c;
}

void fg_creds_free(fg_creds *c)
{
	if (!c)
		return;
	fg_accounts_free(c->hashed);
	FG_VEC_FREE(&c->v);
	fg_arena_free(&c->arena);
	free(c);
}

/* ---- adding entries ----------------------------------------------------- */

typedef struct src {
	fg_creds *c;
	const char *store;
	const fg_node *node;
	const char *path;
	unsigned line;
	int64_t offset;
	const char *s;           /* the line */
	size_t l;
} src;

static bool crypt_accepts(const char *hash)
{
	int cs = crypt_checksalt(hash);
	return cs == CRYPT_SALT_OK || cs == CRYPT_SALT_METHOD_LEGACY;
}

static void add_hashed_account(fg_creds *c, const fg_cred *e, const char *hash)
{
	fg_accounts *a = c->hashed;
	fg_account acc = {
		.name = e->user,
		.uid = FG_UID_UNKNOWN,
		.gid = FG_UID_UNKNOWN,
		.gecos = "", .home = "", .shell = "",
		.hash = hash,
		.state = FG_PW_HASH,
		.scheme = e->scheme,
		.crypt_ok = e->scheme < FG_HASH_APR1 && crypt_accepts(hash),
		.hash_node = e->node,
		.hash_line = e->line,
		.hash_offset = e->offset,
		.hash_raw = e->line_text,
		.passwd_raw = e->line_text,
	};
	FG_VEC_PUSH(&a->v, acc);
}

/* USER and the secret are slices of the current line. */
static void add(src *s, const char *user, size_t ul, size_t soff, size_t sl, bool plain,
		fg_hash_scheme scheme)
{
	fg_creds *c = s->c;
	if (c->v.n >= FG_CREDS_MAX) {
		c->truncated = true;
		return;
	}
	if (s->l > MAX_LINE || ul == 0 || ul > MAX_USER || sl == 0 || soff + sl > s->l)
		return;
	if (plain && fg_value_is_placeholder(s->s + soff, sl))
		return;
	fg_cred e = {
		.store = s->store,
		.node = s->node,
		.path = s->path,
		.line = s->line,
		.offset = s->offset,
		.user = fg_arena_strndup(&c->arena, user, ul),
		.line_text = fg_arena_strndup(&c->arena, s->s, s->l),
		.secret_off = soff,
		.secret_len = sl,
		.plain = plain,
		.scheme = plain ? FG_HASH_NONE : scheme,
	};
	if (!e.user || !e.line_text || !FG_VEC_PUSH(&c->v, e))
		return;
	if (!plain) {
		const char *hash = fg_arena_strndup(&c->arena, s->s + soff, sl);
		if (hash)
			add_hashed_account(c, &e, hash);
	}
}

/* ---- line helpers ------------------------------------------------------- */

static bool skip_line(const char *s, size_t l)
{
	while (l && (*s == ' ' || *s == '\t'))
		s++, l--;
	return l == 0 || *s == '#' || *s == ';' || memchr(s, '\0', l);
}

static const char *cmemchr(const char *s, size_t l, char ch)
{
	return l ? memchr(s, ch, l) : NULL;
}

/* Scheme of a hash in an htpasswd-style file; FG_HASH_NONE if not one. */
static fg_hash_scheme web_scheme(const char *h, size_t l)
{
	char buf[MAX_LINE + 1];
	if (l > MAX_LINE)
		return FG_HASH_NONE;
	memcpy(buf, h, l);
	buf[l] = '\0';
	if (l == 33 && strncmp(buf, "{SHA}", 5) == 0)
		return FG_HASH_SHA1_B64;
	fg_hash_scheme sch;
	return fg_hash_classify(buf, &sch) == FG_PW_HASH ? sch : FG_HASH_NONE;
}

/* ---- parsers, one line each --------------------------------------------- */

/* user:hash -- a line whose second field is no known hash is skipped:
 * servers that read htpasswd files do not take plain text. */
static void line_htpasswd(src *s)
{
	const char *colon = cmemchr(s->s, s->l, ':');
	if (!colon)
		return;
	size_t ul = (size_t)(colon - s->s), soff = ul + 1;
	size_t sl = s->l - soff;
	const char *end = cmemchr(s->s + soff, sl, ':'); /* trailing fields */
	if (end)
		sl = (size_t)(end - (s->s + soff));
	fg_hash_scheme sch = web_scheme(s->s + soff, sl);
	if (sch != FG_HASH_NONE)
		add(s, s->s, ul, soff, sl, false, sch);
}

/* user:realm:md5hex; the "hash" is the whole line so the realm goes along. */
static void line_htdigest(src *s)
{
	const char *c1 = cmemchr(s->s, s->l, ':');
	const char *c2 = c1 ? cmemchr(c1 + 1, s->l - (size_t)(c1 + 1 - s->s), ':') : NULL;
	if (!c2 || s->l - (size_t)(c2 + 1 - s->s) != 32 || !fg_all_hex(c2 + 1, 32))
		return;
	add(s, s->s, (size_t)(c1 - s->s), 0, s->l, false, FG_HASH_HTDIGEST);
}

/* user:password in the clear (lighttpd's plain backend). */
static void line_plain(src *s)
{
	const char *colon = cmemchr(s->s, s->l, ':');
	if (colon)
		add(s, s->s, (size_t)(colon - s->s), (size_t)(colon - s->s) + 1,
		    s->l - (size_t)(colon - s->s) - 1, true, FG_HASH_NONE);
}

/* busybox httpd / uhttpd: "/path:user:secret"; "$p$name" defers to the
 * system account, "$1$..." is md5crypt, anything else is the password. */
static void line_httpd(src *s)
{
	if (s->l < 4 || s->s[0] != '/')
		return;
	const char *c1 = cmemchr(s->s, s->l, ':');
	const char *c2 = c1 ? cmemchr(c1 + 1, s->l - (size_t)(c1 + 1 - s->s), ':') : NULL;
	if (!c2)
		return;
	const char *user = c1 + 1;
	size_t ul = (size_t)(c2 - user), soff = (size_t)(c2 + 1 - s->s), sl = s->l - soff;
	if (sl >= 3 && strncmp(s->s + soff, "$p$", 3) == 0)
		return;
	fg_hash_scheme sch = sl > 3 && s->s[soff] == '$' ? web_scheme(s->s + soff, sl) : FG_HASH_NONE;
	add(s, user, ul, soff, sl, sch == FG_HASH_NONE, sch);
}

/* Finds " KEY=" in the line; returns the value's slice. */
static bool word_value(const src *s, const char *key, size_t *voff, size_t *vl)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i + kl <= s->l; i++) {
		if ((i == 0 || s->s[i - 1] == ' ' || s->s[i - 1] == '\t') &&
		    strncmp(s->s + i, key, kl) == 0) {
			size_t j = i + kl, e = j;
			while (e < s->l && s->s[e] != ' ' && s->s[e] != '\t')
				e++;
			*voff = j;
			*vl = e - j;
			return true;
		}
	}
	return false;
}

/* GoAhead: "user name=admin password=... roles=..."; 32 hex digits are
 * an MD5 digest, anything else the password. */
static void line_goahead(src *s)
{
	size_t noff, nl, poff, pl;
	if (s->l < 5 || strncmp(s->s, "user ", 5) != 0 || !word_value(s, "name=", &noff, &nl) ||
	    !word_value(s, "password=", &poff, &pl))
		return;
	bool md5 = pl == 32 && fg_all_hex(s->s + poff, 32);
	add(s, s->s + noff, nl, poff, pl, !md5, md5 ? FG_HASH_MD5_HEX : FG_HASH_NONE);
}

/* mosquitto: user:$6$salt$hash, user:$7$iter$salt$hash or user:password
 * (a file never run through mosquitto_passwd -U). */
static void line_mosquitto(src *s)
{
	const char *colon = cmemchr(s->s, s->l, ':');
	if (!colon)
		return;
	size_t ul = (size_t)(colon - s->s), soff = ul + 1, sl = s->l - soff;
	const char *v = s->s + soff;
	fg_hash_scheme sch = FG_HASH_NONE;
	if (sl > 3 && strncmp(v, "$6$", 3) == 0)
		sch = FG_HASH_MOSQ_SHA512;
	else if (sl > 3 && strncmp(v, "$7$", 3) == 0)
		sch = FG_HASH_MOSQ_PBKDF2;
	add(s, s->s, ul, soff, sl, sch == FG_HASH_NONE, sch);
}

/* Next whitespace-separated word, double quotes grouping. */
static bool next_word(const char *s, size_t l, size_t *pos, size_t *woff, size_t *wl)
{
	size_t i = *pos;
	while (i < l && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i >= l || s[i] == '#')
		return false;
	if (s[i] == '"') {
		const char *q = cmemchr(s + i + 1, l - i - 1, '"');
		if (!q)
			return false;
		*woff = i + 1;
		*wl = (size_t)(q - (s + i + 1));
		*pos = (size_t)(q - s) + 1;
		return true;
	}
	size_t e = i;
	while (e < l && s[e] != ' ' && s[e] != '\t')
		e++;
	*woff = i;
	*wl = e - i;
	*pos = e;
	return true;
}

/* pppd chap-secrets / pap-secrets: client server secret [addresses]. A
 * secret "@file" is read from elsewhere; "-" or "*" are not secrets. */
static void line_ppp(src *s)
{
	size_t pos = 0, co, cl, so, sl, xo, xl;
	if (!next_word(s->s, s->l, &pos, &co, &cl) || !next_word(s->s, s->l, &pos, &so, &sl) ||
	    !next_word(s->s, s->l, &pos, &xo, &xl))
		return;
	if (xl == 0 || s->s[xo] == '@' || (xl == 1 && (s->s[xo] == '-' || s->s[xo] == '*')))
		return;
	add(s, s->s + co, cl, xo, xl, true, FG_HASH_NONE);
}

/* NVRAM defaults: KEY=VALUE where the key names an administrative or
 * service password. Wi-Fi keys belong to credentials.wifi-passphrase. */
static void line_nvram(src *s)
{
	const char *eq = cmemchr(s->s, s->l, '=');
	if (!eq || eq == s->s)
		return;
	char key[64];
	fg_key_norm(s->s, (size_t)(eq - s->s), key, sizeof(key));
	size_t kl = strlen(key);
	bool pw = (kl > 6 && strcmp(key + kl - 6, "passwd") == 0) ||
		  (kl > 8 && strcmp(key + kl - 8, "password") == 0);
	if (!pw || strstr(key, "wpa") || strstr(key, "psk") || strstr(key, "wep"))
		return;
	size_t voff = (size_t)(eq + 1 - s->s), vl = s->l - voff;
	if (vl >= 2 && (s->s[voff] == '"' || s->s[voff] == '\'') && s->s[s->l - 1] == s->s[voff])
		voff++, vl -= 2;
	add(s, s->s, (size_t)(eq - s->s), voff, vl, true, FG_HASH_NONE);
}

/* passwd/shadow copies go through the accounts parser itself. */
static void parse_accounts_copy(fg_creds *c, bool shadow, const fg_node *node, const char *path,
				const char *text, size_t len)
{
	fg_accounts *a = shadow ?
		fg_accounts_parse(NULL, 0, NULL, (const uint8_t *)text, len, node) :
		fg_accounts_parse((const uint8_t *)text, len, node, NULL, 0, NULL);
	if (!a)
		return;
	for (size_t i = 0; i < a->v.n; i++) {
		const fg_account *acc = &a->v.v[i];
		const char *raw = acc->hash_raw;
		const char *h = raw ? strstr(raw, acc->hash) : NULL;
		if (acc->state != FG_PW_HASH || !h || !acc->hash[0])
			continue;
		src s = { c, shadow ? "shadow copy" : "passwd copy", node, path, acc->hash_line,
			  acc->hash_offset, raw, strlen(raw) };
		add(&s, acc->name, strlen(acc->name), (size_t)(h - raw), strlen(acc->hash), false,
		    acc->scheme);
	}
	fg_accounts_free(a);
}

static const struct {
	const char *kind, *store;
	void (*line)(src *s);
} parsers[] = {
	{ "htpasswd", "htpasswd", line_htpasswd },
	{ "htdigest", "htdigest", line_htdigest },
	{ "plain", "lighttpd plain user file", line_plain },
	{ "httpd", "httpd.conf", line_httpd },
	{ "goahead", "GoAhead auth", line_goahead },
	{ "mosquitto", "mosquitto password file", line_mosquitto },
	{ "ppp", "ppp secrets", line_ppp },
	{ "nvram", "NVRAM defaults", line_nvram },
};

void fg_creds_parse(fg_creds *c, const char *kind, const fg_node *node, const char *path,
		    const char *text, size_t len)
{
	if (len > MAX_TEXT)
		len = MAX_TEXT;
	path = fg_arena_strdup(&c->arena, path ? path : "?");
	if (!path)
		return;
	if (strcmp(kind, "passwd") == 0 || strcmp(kind, "shadow") == 0) {
		parse_accounts_copy(c, kind[0] == 's', node, path, text, len);
		return;
	}
	for (size_t i = 0; i < sizeof(parsers) / sizeof(parsers[0]); i++) {
		if (strcmp(parsers[i].kind, kind) != 0)
			continue;
		fg_line_iter it;
		const char *s;
		size_t l;
		fg_line_iter_init(&it, text, len);
		while (fg_line_next(&it, &s, &l)) {
			while (l && (s[l - 1] == '\r' || s[l - 1] == ' ' || s[l - 1] == '\t'))
				l--;
			while (l && (*s == ' ' || *s == '\t'))
				s++, l--;
			if (skip_line(s, l) || l > MAX_LINE)
				continue;
			src sr = { c, parsers[i].store, node, path, it.no,
				   (int64_t)it.start, s, l };
			parsers[i].line(&sr);
		}
		return;
	}
}

/* ---- finding the stores in a tree --------------------------------------- */

static bool is_account_copy(const fg_file *f, bool *shadow)
{
	static const char *const suffixes[] = { "", "-", "~", ".bak", ".old", ".orig", ".save",
						".sav", ".dpkg-old", ".backup", ".og" };
	if (strcmp(f->path, "/etc/passwd") == 0 || strcmp(f->path, "/etc/shadow") == 0)
		return false;
	const char *rest;
	if (strncmp(f->name, "shadow", 6) == 0)
		*shadow = true, rest = f->name + 6;
	else if (strncmp(f->name, "passwd", 6) == 0)
		*shadow = false, rest = f->name + 6;
	else
		return false;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (strcmp(rest, suffixes[i]) == 0)
			return true;
	return false;
}

/* The store kind a file's own name gives it, or NULL. */
static const char *kind_by_name(const fg_file *f, const char *text, size_t len)
{
	const char *n = f->name;
	if (strcmp(n, ".htpasswd") == 0 || strcmp(n, "htpasswd") == 0 ||
	    fg_ends_with(n, ".htpasswd") || strcmp(n, "lighttpd.user") == 0)
		return "htpasswd";
	if (strcmp(n, ".htdigest") == 0 || strcmp(n, "htdigest") == 0 || fg_ends_with(n, ".htdigest"))
		return "htdigest";
	if (strcmp(n, "httpd.conf") == 0 && !memmem(text, len, "<Directory", 10))
		return "httpd";
	if (strcmp(n, "auth.txt") == 0 && memmem(text, len, "user name=", 10))
		return "goahead";
	if (strcmp(n, "chap-secrets") == 0 || strcmp(n, "pap-secrets") == 0)
		return "ppp";
	if (strcasestr(n, "nvram") && !fg_ends_with(n, ".so") && !fg_ends_with(n, ".sh"))
		return "nvram";
	return NULL;
}

typedef struct parsed {
	const fg_node *node;
	const char *kind;
} parsed;
typedef FG_VEC(parsed) parsed_vec;

static void parse_once(fg_check_ctx *ctx, fg_creds *c, parsed_vec *done, const char *kind,
		       const fg_node *node, const char *path)
{
	node = fg_node_content(node);
	if (!node || !node->data || !node->data_len)
		return;
	for (size_t i = 0; i < done->n; i++)
		if (done->v[i].node == node && strcmp(done->v[i].kind, kind) == 0)
			return;
	parsed p = { node, kind };
	if (!FG_VEC_PUSH(done, p))
		return;
	(void)ctx;
	fg_creds_parse(c, kind, node, path, (const char *)node->data, node->data_len);
}

/* A path a configuration names, unquoted, looked up in the tree. */
static void parse_referenced(fg_check_ctx *ctx, fg_creds *c, parsed_vec *done, const char *kind,
			     const char *v, size_t vl)
{
	while (vl && (*v == '"' || *v == '\'' || *v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl && (v[vl - 1] == '"' || v[vl - 1] == '\'' || v[vl - 1] == ' ' ||
		      v[vl - 1] == ',' || v[vl - 1] == ';'))
		vl--;
	if (!vl || vl > 512 || v[0] != '/')
		return;
	char path[520];
	memcpy(path, v, vl);
	path[vl] = '\0';
	const uint8_t *d;
	size_t dl;
	const fg_node *n = fg_ctx_file(ctx, path, &d, &dl);
	if (n)
		parse_once(ctx, c, done, kind, n, path);
}

/* lighttpd auth backends, boa Auth lines and mosquitto password_file. */
static void follow_references(fg_check_ctx *ctx, fg_creds *c, parsed_vec *done, const fg_file *f,
			      const char *text, size_t len)
{
	bool lighttpd = strstr(f->path, "lighttpd") != NULL;
	bool boa = strstr(f->path, "boa") != NULL;
	bool mosq = strstr(f->path, "mosquitto") != NULL;
	if (!(lighttpd || boa || mosq) || !fg_ends_with(f->name, ".conf"))
		return;
	fg_line_iter it;
	const char *s;
	size_t l;
	fg_line_iter_init(&it, text, len);
	while (fg_line_next(&it, &s, &l)) {
		while (l && (*s == ' ' || *s == '\t'))
			s++, l--;
		if (skip_line(s, l) || l > MAX_LINE)
			continue;
		static const struct { const char *key, *kind; } refs[] = {
			{ "auth.backend.htpasswd.userfile", "htpasswd" },
			{ "auth.backend.htdigest.userfile", "htdigest" },
			{ "auth.backend.plain.userfile", "plain" },
		};
		for (size_t i = 0; lighttpd && i < 3; i++) {
			size_t kl = strlen(refs[i].key);
			const char *eq = l > kl && strncmp(s, refs[i].key, kl) == 0 ?
					 cmemchr(s + kl, l - kl, '=') : NULL;
			if (eq)
				parse_referenced(ctx, c, done, refs[i].kind, eq + 1,
						 l - (size_t)(eq + 1 - s));
		}
		size_t pos = 0, wo, wl;
		if (boa && l > 5 && strncmp(s, "Auth ", 5) == 0) {
			pos = 5;
			if (next_word(s, l, &pos, &wo, &wl) && next_word(s, l, &pos, &wo, &wl))
				parse_referenced(ctx, c, done, "htpasswd", s + wo, wl);
		}
		if (mosq && l > 14 && strncmp(s, "password_file", 13) == 0 &&
		    (s[13] == ' ' || s[13] == '\t'))
			parse_referenced(ctx, c, done, "mosquitto", s + 14, l - 14);
	}
}

static void *make_creds(fg_check_ctx *ctx)
{
	fg_creds *c = fg_creds_new();
	const fg_files *files = fg_files_of(ctx);
	if (!c || !files)
		return c;
	parsed_vec done = { 0 };
	for (size_t i = 0; i < files->v.n; i++) {
		const fg_file *f = &files->v.v[i];
		if (!f->text || !f->node->data)
			continue;
		const char *text = (const char *)f->node->data;
		size_t len = f->node->data_len < MAX_TEXT ? f->node->data_len : MAX_TEXT;
		bool shadow;
		const char *kind = is_account_copy(f, &shadow) ? (shadow ? "shadow" : "passwd") :
				   kind_by_name(f, text, len);
		if (kind)
			parse_once(ctx, c, &done, kind, f->node, f->path);
		follow_references(ctx, c, &done, f, text, len);
	}
	FG_VEC_FREE(&done);
	if (c->truncated)
		fg_ctx_warn(ctx, NULL, "more than %d stored credentials; the rest were ignored",
			    FG_CREDS_MAX);
	return c;
}

static void free_creds(void *p)
{
	fg_creds_free(p);
}

static const char cache_key;

const fg_creds *fg_creds_of(fg_check_ctx *ctx)
{
	return fg_ctx_cache(ctx, &cache_key, make_creds, free_creds);
}
