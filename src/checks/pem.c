/*
 * pem.c - PEM blocks of a file tree (see pem.h).
 */
#include "checks/pem.h"

#include <stdlib.h>
#include <string.h>

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

bool fg_base64_decode(const char *s, size_t l, unsigned char *out, size_t *outlen)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0, pad = 0;
	for (size_t i = 0; i < l; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		int v = b64val(c);
		if (v < 0 || pad)   /* data after padding */
			return false;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	if (pad > 2 || bits >= 6)
		return false;
	*outlen = n;
	return n > 0;
}

static bool label_ok(const char *s, size_t l)
{
	if (l == 0 || l > 64)
		return false;
	for (size_t i = 0; i < l; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == ' ' ||
		      s[i] == '-' || s[i] == '_' || s[i] == '#' || s[i] == '.'))
			return false;
	return true;
}

static bool b64_or_blank(unsigned char c)
{
	return b64val(c) >= 0 || c == '=' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Header lines "Name: value" at the start of the body (at most 8 lines of
 * at most 256 bytes): skipped; returns the start of the base64 part. */
static const char *skip_headers(const char *p, const char *end, bool *encrypted)
{
	for (int n = 0; n < 8; n++) {
		const char *q = p;
		while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
			q++;
		size_t room = (size_t)(end - q) < 256 ? (size_t)(end - q) : 256;
		const char *nl = memchr(q, '\n', room);
		const char *colon = nl ? memchr(q, ':', (size_t)(nl - q)) : NULL;
		if (!colon || colon == q)
			return q;
		for (const char *k = q; k < colon; k++)
			if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || *k == '-'))
				return q;
		for (const char *k = colon; k < nl; k++)
			if ((unsigned char)*k < 0x20 && *k != '\t' && *k != '\r')
				return q;
		if ((size_t)(nl - q) >= 9 && strncmp(q, "Proc-Type", 9) == 0 &&
		    memmem(q, (size_t)(nl - q), "ENCRYPTED", 9))
			*encrypted = true;
		p = nl + 1;
	}
	return p;
}

/* Linear in LEN: each BEGIN scans forward only over base64 characters,
 * which never contain the '-' of another marker. */
static void scan_into(fg_pem_set *set, const char *d, size_t len, const fg_file *file)
{
	static const char begin[] = "-----BEGIN ";
	size_t pos = 0, line_pos = 0, nblocks = 0;
	unsigned line = 1;
	unsigned char *tmp = NULL;
	const char *end = d + len;
	while (pos < len && nblocks < FG_PEM_MAX_PER_FILE) {
		const char *b = memmem(d + pos, len - pos, begin, sizeof(begin) - 1);
		if (!b)
			break;
		size_t boff = (size_t)(b - d);
		pos = boff + 1;
		const char *lab = b + sizeof(begin) - 1;
		size_t room = (size_t)(end - lab) < 80 ? (size_t)(end - lab) : 80;
		const char *dash = memmem(lab, room, "-----", 5);
		if (!dash || !label_ok(lab, (size_t)(dash - lab)))
			continue;
		size_t lablen = (size_t)(dash - lab);
		bool enc = false;
		const char *b64 = skip_headers(dash + 5, end, &enc);
		const char *q = b64;
		while (q < end && (size_t)(q - b64) <= FG_PEM_MAX_BODY && b64_or_blank((unsigned char)*q))
			q++;
		char endmark[96];
		int em = snprintf(endmark, sizeof(endmark), "-----END %.*s-----", (int)lablen, lab);
		if ((size_t)(end - q) < (size_t)em || memcmp(q, endmark, (size_t)em) != 0)
			continue;
		size_t blen = (size_t)(q - b64), dl = 0;
		free(tmp);
		tmp = malloc(blen * 3 / 4 + 4);
		if (!tmp || !fg_base64_decode(b64, blen, tmp, &dl))
			continue;
		/* line of the BEGIN marker, counted incrementally */
		while (line_pos < boff) {
			const char *nl = memchr(d + line_pos, '\n', boff - line_pos);
			if (!nl) {
				line_pos = boff;
				break;
			}
			line++;
			line_pos = (size_t)(nl - d) + 1;
		}
		if (set->v.n >= FG_PEM_MAX_BLOCKS) {
			set->truncated = true;
			break;
		}
		unsigned char *der = fg_arena_alloc(&set->arena, dl);
		if (!der)
			break;
		memcpy(der, tmp, dl);
		fg_pem_block blk = {
			.file = file,
			.label = fg_arena_strndup(&set->arena, lab, lablen),
			.offset = boff,
			.line = line,
			.der = der,
			.der_len = dl,
			.proc_encrypted = enc,
			.index = (unsigned)nblocks,
		};
		if (!blk.label || !FG_VEC_PUSH(&set->v, blk))
			break;
		nblocks++;
		pos = (size_t)(q - d) + (size_t)em;
	}
	free(tmp);
	/* how many blocks of each label the file holds (bundles) */
	size_t first = set->v.n - nblocks;
	for (size_t i = first; i < set->v.n; i++) {
		unsigned same = 0;
		if (nblocks > 64) { /* large bundles: avoid quadratic work */
			set->v.v[i].in_file = (unsigned)nblocks;
			continue;
		}
		for (size_t k = first; k < set->v.n; k++)
			same += strcmp(set->v.v[i].label, set->v.v[k].label) == 0;
		set->v.v[i].in_file = same;
	}
}

fg_pem_set *fg_pem_scan_buffer(const char *data, size_t len, const fg_file *file)
{
	fg_pem_set *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	fg_arena_init(&s->arena);
	if (data && len)
		scan_into(s, data, len, file);
	return s;
}

void fg_pem_set_free(fg_pem_set *s)
{
	if (!s)
		return;
	FG_VEC_FREE(&s->v);
	fg_arena_free(&s->arena);
	free(s);
}

static const char pem_key;

static void *make_pem(fg_check_ctx *ctx)
{
	const fg_files *files = fg_files_of(ctx);
	fg_pem_set *s = fg_pem_scan_buffer(NULL, 0, NULL);
	if (!s || !files)
		return s;
	for (size_t i = 0; i < files->v.n && !s->truncated; i++) {
		const fg_file *f = &files->v.v[i];
		scan_into(s, (const char *)f->node->data, f->node->data_len, f);
	}
	if (s->truncated)
		fg_ctx_warn(ctx, NULL, "more than %u PEM blocks; the rest were not examined",
			    FG_PEM_MAX_BLOCKS);
	return s;
}

static void free_pem(void *p)
{
	fg_pem_set_free(p);
}

const fg_pem_set *fg_pem_of(fg_check_ctx *ctx)
{
	return fg_ctx_cache(ctx, &pem_key, make_pem, free_pem);
}
