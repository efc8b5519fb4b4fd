/*
 * accounts.c - /etc/passwd and /etc/shadow, parsed once per file tree.
 *
 * Semantics follow what login (busybox, shadow-utils, pam_unix) does:
 * the passwd field "x" defers to shadow; any other passwd field, empty
 * included, is the password itself. The first entry of a name wins, as
 * getpwnam() returns it. An entry only in shadow is kept too: firmware
 * often generates /etc/passwd at boot but ships the shadow file, and
 * the hash in it is still the same in every unit.
 */
#include "checks/accounts.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

/* ---- hash classification ---------------------------------------------- */

static const struct {
	const char *prefix;
	fg_hash_scheme scheme;
} scheme_prefixes[] = {
	{ "$1$", FG_HASH_MD5 },
	{ "$apr1$", FG_HASH_APR1 },
	{ "$2a$", FG_HASH_BCRYPT },
	{ "$2b$", FG_HASH_BCRYPT },
	{ "$2x$", FG_HASH_BCRYPT },
	{ "$2y$", FG_HASH_BCRYPT },
	{ "$3$", FG_HASH_NT },
	{ "$5$", FG_HASH_SHA256 },
	{ "$6$", FG_HASH_SHA512 },
	{ "$7$", FG_HASH_SCRYPT },
	{ "$y$", FG_HASH_YESCRYPT },
	{ "$gy$", FG_HASH_GOST_YESCRYPT },
	{ "$sha1$", FG_HASH_SHA1 },
	{ "$md5$", FG_HASH_SUN_MD5 },
	{ "$md5,", FG_HASH_SUN_MD5 },
};

static bool is_itoa64(char c)
{
	return c == '.' || c == '/' || (c >= '0' && c <= '9') ||
	       (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool all_itoa64(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_itoa64(s[i]))
			return false;
	return true;
}

static fg_hash_scheme scheme_of(const char *h)
{
	for (size_t i = 0; i < sizeof(scheme_prefixes) / sizeof(scheme_prefixes[0]); i++)
		if (strncmp(h, scheme_prefixes[i].prefix, strlen(scheme_prefixes[i].prefix)) == 0)
			return scheme_prefixes[i].scheme;
	size_t len = strlen(h);
	/* Traditional DES: 2 salt + 11 hash characters. */
	if (len == 13 && all_itoa64(h, 13))
		return FG_HASH_DES;
	/* BSDi: '_' + 4 rounds + 4 salt + 11 hash characters. */
	if (len == 20 && h[0] == '_' && all_itoa64(h + 1, 19))
		return FG_HASH_BSDI;
	return FG_HASH_NONE;
}

fg_pw_state fg_hash_classify(const char *field, fg_hash_scheme *scheme)
{
	*scheme = FG_HASH_NONE;
	if (!field[0])
		return FG_PW_EMPTY;
	/* usermod -L prefixes '!'; "!!", "*", "*LK*" and "*NP*" mean no
	 * password was ever set or login is disabled. */
	if (field[0] == '!' || field[0] == '*')
		return FG_PW_LOCKED;
	fg_hash_scheme s = scheme_of(field);
	if (s == FG_HASH_NONE)
		return FG_PW_UNKNOWN;
	*scheme = s;
	return FG_PW_HASH;
}

const char *fg_hash_scheme_name(fg_hash_scheme scheme)
{
	switch (scheme) {
	case FG_HASH_DES: return "descrypt";
	case FG_HASH_BSDI: return "bsdicrypt";
	case FG_HASH_MD5: return "md5crypt";
	case FG_HASH_SUN_MD5: return "sunmd5";
	case FG_HASH_BCRYPT: return "bcrypt";
	case FG_HASH_NT: return "nt";
	case FG_HASH_SHA256: return "sha256crypt";
	case FG_HASH_SHA512: return "sha512crypt";
	case FG_HASH_SCRYPT: return "scrypt";
	case FG_HASH_SHA1: return "sha1crypt";
	case FG_HASH_YESCRYPT: return "yescrypt";
	case FG_HASH_GOST_YESCRYPT: return "gost-yescrypt";
	case FG_HASH_APR1: return "apr1 (Apache md5crypt)";
	case FG_HASH_SHA1_B64: return "unsalted SHA-1 ({SHA})";
	case FG_HASH_MOSQ_SHA512: return "mosquitto salted SHA-512";
	case FG_HASH_MOSQ_PBKDF2: return "mosquitto PBKDF2-SHA512";
	case FG_HASH_HTDIGEST: return "htdigest MD5";
	case FG_HASH_MD5_HEX: return "unsalted MD5";
	case FG_HASH_NONE: break;
	}
	return "none";
}

/* ---- line splitting ----------------------------------------------------- */

typedef struct line_iter {
	const uint8_t *base, *p, *end;
	unsigned lineno;
} line_iter;

typedef struct line {
	const char *s;
	size_t len;
	unsigned no;     /* 1-based */
	int64_t offset;
} line;

static bool next_line(line_iter *it, line *out)
{
	if (it->p >= it->end)
		return false;
	const uint8_t *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	const uint8_t *stop = nl ? nl : it->end;
	out->s = (const char *)it->p;
	out->len = (size_t)(stop - it->p);
	out->no = ++it->lineno;
	out->offset = (int64_t)(it->p - it->base);
	if (out->len && out->s[out->len - 1] == '\r')
		out->len--;
	it->p = nl ? nl + 1 : it->end;
	return true;
}

/* Text lines only: binary garbage must not turn into accounts. */
static bool line_is_text(const line *l)
{
	for (size_t i = 0; i < l->len; i++) {
		unsigned char c = (unsigned char)l->s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static bool line_is_blank_or_comment(const line *l)
{
	size_t i = 0;
	while (i < l->len && (l->s[i] == ' ' || l->s[i] == '\t'))
		i++;
	return i == l->len || l->s[i] == '#';
}

#define MAX_FIELDS 9

typedef struct fields {
	const char *s[MAX_FIELDS];
	size_t len[MAX_FIELDS];
	size_t n;
} fields;

/* Splits on ':' into at most MAX_FIELDS fields; the rest is dropped. */
static void split_fields(const line *l, fields *f)
{
	size_t start = 0;
	f->n = 0;
	for (size_t i = 0; i <= l->len && f->n < MAX_FIELDS; i++) {
		if (i == l->len || l->s[i] == ':') {
			f->s[f->n] = l->s + start;
			f->len[f->n] = i - start;
			f->n++;
			start = i + 1;
		}
	}
}

/* Login names: printable ASCII without ':' or blanks. NIS compat lines
 * ("+", "+user", "-user") are not local accounts: they have an empty
 * password field that means "ask NIS", not "no password". */
static bool valid_name(const char *s, size_t len)
{
	if (len == 0 || len > 64 || s[0] == '+' || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

static uint32_t parse_id(const char *s, size_t len)
{
	if (len == 0 || len > 10)
		return FG_UID_UNKNOWN;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return FG_UID_UNKNOWN;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	return v >= FG_UID_UNKNOWN ? FG_UID_UNKNOWN : (uint32_t)v;
}

/* ---- shadow ------------------------------------------------------------- */

typedef struct shadow_entry {
	const char *name;
	const char *hash;
	const char *raw;
	unsigned line;
	int64_t offset;
	bool used;         /* matched by a passwd entry */
} shadow_entry;

typedef FG_VEC(shadow_entry) shadow_vec;

static int shadow_cmp(const void *a, const void *b)
{
	const shadow_entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static char *field_dup(fg_accounts *a, const fields *f, size_t i)
{
	return i < f->n ? fg_arena_strndup(&a->arena, f->s[i], f->len[i])
			: fg_arena_strdup(&a->arena, "");
}

/* Iterates over candidate entry lines, counting the ones skipped. */
static bool next_entry_line(fg_accounts *a, line_iter *it, line *l)
{
	while (next_line(it, l)) {
		if (line_is_blank_or_comment(l))
			continue;
		if (l->len > FG_ACCOUNTS_MAX_LINE || !line_is_text(l)) {
			a->skipped_lines++;
			continue;
		}
		return true;
	}
	return false;
}

static bool parse_shadow(fg_accounts *a, const uint8_t *buf, size_t len, shadow_vec *out)
{
	line_iter it = { buf, buf, buf + len, 0 };
	line l;
	while (next_entry_line(a, &it, &l)) {
		fields f;
		split_fields(&l, &f);
		if (f.n < 2 || !valid_name(f.s[0], f.len[0]))
			continue;
		if (out->n >= FG_ACCOUNTS_MAX_ENTRIES) {
			a->truncated = true;
			break;
		}
		shadow_entry e = {
			.name = field_dup(a, &f, 0),
			.hash = field_dup(a, &f, 1),
			.raw = fg_arena_strndup(&a->arena, l.s, l.len),
			.line = l.no,
			.offset = l.offset,
		};
		if (!e.name || !e.hash || !e.raw || !FG_VEC_PUSH(out, e))
			return false;
	}
	/* Sorted by name, then line: bsearch finds a name and the first
	 * entry of a name is the one that counts. */
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(out->v[0]), shadow_cmp);
	return true;
}

static shadow_entry *shadow_find(shadow_vec *sv, const char *name)
{
	size_t lo = 0, hi = sv->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(sv->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sv->n && strcmp(sv->v[lo].name, name) == 0 ? &sv->v[lo] : NULL;
}

/* ---- accounts ----------------------------------------------------------- */

static void classify_account(fg_account *acc)
{
	acc->state = fg_hash_classify(acc->hash, &acc->scheme);
	if (acc->state == FG_PW_HASH) {
		int cs = crypt_checksalt(acc->hash);
		acc->crypt_ok = cs == CRYPT_SALT_OK || cs == CRYPT_SALT_METHOD_LEGACY;
	}
}

/* Points the hash of ACC at the shadow entry S. */
static void take_shadow(fg_account *acc, shadow_entry *s, const fg_node *shadow_node)
{
	s->used = true;
	acc->hash = s->hash;
	acc->hash_node = shadow_node;
	acc->hash_line = s->line;
	acc->hash_offset = s->offset;
	acc->hash_raw = s->raw;
}

static int account_name_cmp(const void *a, const void *b)
{
	const fg_account *const *x = a, *const *y = b;
	int c = strcmp((*x)->name, (*y)->name);
	if (c)
		return c;
	return (*x)->passwd_line < (*y)->passwd_line ? -1 : (*x)->passwd_line > (*y)->passwd_line;
}

/* Keeps the first passwd line of each name, as getpwnam() would. A
 * sorted index keeps a hostile file with many entries O(n log n). */
static bool drop_duplicates(fg_accounts *a)
{
	if (a->v.n < 2)
		return true;
	fg_account **idx = malloc(a->v.n * sizeof(*idx));
	bool *dup = calloc(a->v.n, sizeof(*dup));
	if (!idx || !dup) {
		free(idx);
		free(dup);
		return false;
	}
	for (size_t i = 0; i < a->v.n; i++)
		idx[i] = &a->v.v[i];
	qsort(idx, a->v.n, sizeof(*idx), account_name_cmp);
	size_t first = 0;
	for (size_t i = 1; i < a->v.n; i++) {
		if (strcmp(idx[i]->name, idx[i - 1]->name) != 0) {
			first = i;
			continue;
		}
		dup[idx[i] - a->v.v] = true;
		fg_account_dup d = {
			.name = idx[i]->name,
			.node = idx[i]->passwd_node,
			.line = idx[i]->passwd_line,
			.first_line = idx[first]->passwd_line,
			.offset = idx[i]->hash_offset,
			.same = strcmp(idx[i]->passwd_raw, idx[first]->passwd_raw) == 0,
		};
		FG_VEC_PUSH(&a->dups, d);
	}
	size_t k = 0;
	for (size_t i = 0; i < a->v.n; i++)
		if (!dup[i])
			a->v.v[k++] = a->v.v[i];
	a->v.n = k;
	free(idx);
	free(dup);
	return true;
}

static bool parse_passwd(fg_accounts *a, const uint8_t *buf, size_t len, const fg_node *node)
{
	line_iter it = { buf, buf, buf + len, 0 };
	line l;
	while (next_entry_line(a, &it, &l)) {
		fields f;
		split_fields(&l, &f);
		if (f.n < 2 || !valid_name(f.s[0], f.len[0]))
			continue;
		if (a->v.n >= FG_ACCOUNTS_MAX_ENTRIES) {
			a->truncated = true;
			break;
		}
		fg_account acc = {
			.name = field_dup(a, &f, 0),
			.hash = field_dup(a, &f, 1),
			.uid = f.n > 2 ? parse_id(f.s[2], f.len[2]) : FG_UID_UNKNOWN,
			.gid = f.n > 3 ? parse_id(f.s[3], f.len[3]) : FG_UID_UNKNOWN,
			.gecos = field_dup(a, &f, 4),
			.home = field_dup(a, &f, 5),
			.shell = field_dup(a, &f, 6),
			.hash_node = node,
			.hash_line = l.no,
			.hash_offset = l.offset,
			.passwd_node = node,
			.passwd_line = l.no,
			.passwd_raw = fg_arena_strndup(&a->arena, l.s, l.len),
		};
		acc.hash_raw = acc.passwd_raw;
		if (!acc.name || !acc.hash || !acc.gecos || !acc.home || !acc.shell ||
		    !acc.passwd_raw || !FG_VEC_PUSH(&a->v, acc))
			return false;
	}
	return drop_duplicates(a);
}

/* Resolves each passwd entry's effective hash against shadow. */
static void join_shadow(fg_accounts *a, shadow_vec *sv, const fg_node *shadow_node)
{
	for (size_t i = 0; i < a->v.n; i++) {
		fg_account *acc = &a->v.v[i];
		bool defer = strcmp(acc->hash, "x") == 0;
		shadow_entry *s = shadow_find(sv, acc->name);
		if (s)
			s->used = true; /* known to passwd even when not deferred to */
		if (defer && s)
			take_shadow(acc, s, shadow_node);
		classify_account(acc);
		if (defer && !s)
			acc->state = FG_PW_NOT_SET;
	}
}

/* Shadow entries without a passwd entry, first entry of a name only. */
static bool add_shadow_only(fg_accounts *a, shadow_vec *sv, const fg_node *shadow_node)
{
	for (size_t i = 0; i < sv->n; i++) {
		shadow_entry *s = &sv->v[i];
		if (s->used || (i > 0 && strcmp(sv->v[i - 1].name, s->name) == 0))
			continue;
		if (a->v.n >= FG_ACCOUNTS_MAX_ENTRIES) {
			a->truncated = true;
			break;
		}
		fg_account acc = {
			.name = s->name,
			.uid = FG_UID_UNKNOWN,
			.gid = FG_UID_UNKNOWN,
			.gecos = "", .home = "", .shell = "",
		};
		take_shadow(&acc, s, shadow_node);
		classify_account(&acc);
		if (!FG_VEC_PUSH(&a->v, acc))
			return false;
	}
	return true;
}

void fg_accounts_free(fg_accounts *a)
{
	if (!a)
		return;
	FG_VEC_FREE(&a->v);
	FG_VEC_FREE(&a->dups);
	fg_arena_free(&a->arena);
	free(a);
}

fg_accounts *fg_accounts_parse(const uint8_t *passwd, size_t passwd_len, const fg_node *passwd_node,
			       const uint8_t *shadow, size_t shadow_len, const fg_node *shadow_node)
{
	fg_accounts *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	fg_arena_init(&a->arena);
	shadow_vec sv = { 0 };
	bool ok = true;
	if (shadow)
		ok = parse_shadow(a, shadow, shadow_len, &sv);
	if (ok && passwd)
		ok = parse_passwd(a, passwd, passwd_len, passwd_node);
	/* sv is sorted by name, then line: later lines of a name are duplicates */
	for (size_t i = 1, first = 0; ok && i < sv.n; i++) {
		if (strcmp(sv.v[i].name, sv.v[i - 1].name) != 0) {
			first = i;
			continue;
		}
		fg_account_dup d = {
			.name = sv.v[i].name,
			.node = shadow_node,
			.line = sv.v[i].line,
			.first_line = sv.v[first].line,
			.offset = sv.v[i].offset,
			.same = strcmp(sv.v[i].raw, sv.v[first].raw) == 0,
		};
		FG_VEC_PUSH(&a->dups, d);
	}
	if (ok) {
		join_shadow(a, &sv, shadow_node);
		ok = add_shadow_only(a, &sv, shadow_node);
	}
	FG_VEC_FREE(&sv);
	if (!ok) {
		fg_accounts_free(a);
		return NULL;
	}
	return a;
}

/* ---- per-tree cache ----------------------------------------------------- */

static const char cache_key; /* its address is the key */

static void *make_accounts(fg_check_ctx *ctx)
{
	const uint8_t *pd = NULL, *sd = NULL;
	size_t pl = 0, sl = 0;
	const fg_node *pn = fg_ctx_file(ctx, "/etc/passwd", &pd, &pl);
	const fg_node *sn = fg_ctx_file(ctx, "/etc/shadow", &sd, &sl);
	fg_accounts *a = fg_accounts_parse(pn ? pd : NULL, pl, pn, sn ? sd : NULL, sl, sn);
	if (a && a->truncated)
		fg_ctx_warn(ctx, pn ? pn : sn, "more than %u account entries; the rest were ignored",
			    FG_ACCOUNTS_MAX_ENTRIES);
	return a;
}

static void free_accounts(void *p)
{
	fg_accounts_free(p);
}

const fg_accounts *fg_accounts_of(fg_check_ctx *ctx)
{
	return fg_ctx_cache(ctx, &cache_key, make_accounts, free_accounts);
}
