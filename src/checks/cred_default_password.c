/*
 * cred_default_password.c - account hashes that crack with a known password.
 *
 * Rule: for every account with a hash libxcrypt can compute, try the
 * candidates (the empty password, every account name, the bundled list
 * data/credentials/defaults.txt, then the lines of --credentials). A hash
 * shipped in the image is the same in every unit, so a crackable one is a
 * universal default password (UK PSTI, ETSI EN 303 645 provision 5.1-1).
 *
 * Work: identical hashes are tried once; each distinct hash is split into
 * candidate ranges that fg_ctx_jobs() threads take from a shared counter;
 * a hash stops being tried once cracked. Slow schemes and hostile cost
 * parameters ("$6$rounds=999999999$") are bounded by an estimated CPU
 * budget per hash and per tree, decided from the hash alone so the result
 * does not depend on machine load.
 */
#include <crypt.h>
#include <errno.h>
#include <math.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/accounts.h"
#include "checks/check.h"
#include "checks/credhash.h"
#include "checks/credstore.h"
#include "core/arena.h"
#include "core/data.h"
#include "core/vec.h"

/* Estimated CPU microseconds one hash may take, and all hashes of a tree. */
#define HASH_BUDGET_US (20.0 * 1e6)
#define TREE_BUDGET_US (120.0 * 1e6)
/* Limits on the user's list: lines, bytes of the file, bytes of a line. */
#define USER_MAX_LINES 5000000
#define USER_MAX_BYTES (256u << 20)
#define MAX_CANDIDATE_LEN 256
#define MAX_COST_WARNINGS 8          /* diagnostics per kind and tree */

typedef enum cand_origin { FROM_EMPTY, FROM_NAME, FROM_BUNDLED, FROM_USER } cand_origin;

typedef struct cand {
	const char *s;  /* NUL-terminated */
	size_t len;
	cand_origin origin;
} cand;

typedef struct cand_list {
	fg_arena arena;
	FG_VEC(cand) v;
	uint32_t *slots;     /* open-addressing set of indices + 1, for dedup */
	size_t nslots;
} cand_list;

/* ---- candidates --------------------------------------------------------- */

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static bool cand_rehash(cand_list *cl)
{
	size_t n = cl->nslots ? cl->nslots * 2 : 1024;
	uint32_t *slots = calloc(n, sizeof(*slots));
	if (!slots)
		return false;
	for (size_t i = 0; i < cl->v.n; i++) {
		size_t j = hash_bytes(cl->v.v[i].s, cl->v.v[i].len) & (n - 1);
		while (slots[j])
			j = (j + 1) & (n - 1);
		slots[j] = (uint32_t)(i + 1);
	}
	free(cl->slots);
	cl->slots = slots;
	cl->nslots = n;
	return true;
}

/* Adds S unless present; false only when out of memory. */
static bool cand_add(cand_list *cl, const char *s, size_t len, cand_origin origin)
{
	if (len > MAX_CANDIDATE_LEN || memchr(s, '\0', len))
		return true;
	if ((cl->v.n + 1) * 2 > cl->nslots && !cand_rehash(cl))
		return false;
	size_t j = hash_bytes(s, len) & (cl->nslots - 1);
	for (; cl->slots[j]; j = (j + 1) & (cl->nslots - 1)) {
		const cand *c = &cl->v.v[cl->slots[j] - 1];
		if (c->len == len && memcmp(c->s, s, len) == 0)
			return true;
	}
	cand c = { fg_arena_strndup(&cl->arena, s, len), len, origin };
	if (!c.s || !FG_VEC_PUSH(&cl->v, c))
		return false;
	cl->slots[j] = (uint32_t)cl->v.n;
	return true;
}

static void cand_free(cand_list *cl)
{
	FG_VEC_FREE(&cl->v);
	free(cl->slots);
	fg_arena_free(&cl->arena);
}

/* The bundled list: '#' starts a comment line, blanks around are trimmed. */
static bool add_bundled(cand_list *cl)
{
	const fg_data_file *f = fg_data_get("credentials/defaults.txt");
	if (!f)
		return true;
	const char *p = (const char *)f->data, *end = p + f->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *s = p;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > s && *s != '#' && !cand_add(cl, s, (size_t)(e - s), FROM_BUNDLED))
			return false;
		p = nl ? nl + 1 : end;
	}
	return true;
}

/* The user's list: every line literally (passwords may start with '#' or
 * contain blanks); only the line ending is removed, empty lines skipped. */
static bool add_user_file(fg_check_ctx *ctx, cand_list *cl, const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fg_ctx_warn(ctx, NULL, "cannot read credentials file %s: %s", path, strerror(errno));
		return true;
	}
	char *buf = malloc(MAX_CANDIDATE_LEN + 2);
	bool ok = buf != NULL;
	size_t lines = 0, bytes = 0;
	while (ok && fgets(buf, MAX_CANDIDATE_LEN + 2, fp)) {
		size_t len = strlen(buf);
		bytes += len;
		bool whole = len && buf[len - 1] == '\n';
		if (!whole && !feof(fp)) { /* overlong: drop the rest of the line */
			int c;
			while ((c = fgetc(fp)) != EOF && c != '\n')
				bytes++;
			continue;
		}
		while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			len--;
		if (++lines > USER_MAX_LINES || bytes > USER_MAX_BYTES) {
			fg_ctx_warn(ctx, NULL, "credentials file %s: only the first %zu lines were used",
				    path, lines - 1);
			break;
		}
		if (len)
			ok = cand_add(cl, buf, len, FROM_USER);
	}
	free(buf);
	fclose(fp);
	return ok;
}

static bool add_names(cand_list *cl, const fg_accounts *a)
{
	for (size_t i = 0; a && i < a->v.n; i++)
		if (a->v.v[i].state == FG_PW_HASH &&
		    !cand_add(cl, a->v.v[i].name, strlen(a->v.v[i].name), FROM_NAME))
			return false;
	return true;
}

/* Candidates: empty, every name in A (users reuse names across stores),
 * the bundled list, the user's list. */
static bool build_candidates(fg_check_ctx *ctx, const fg_accounts *a, cand_list *cl)
{
	if (!cand_add(cl, "", 0, FROM_EMPTY) || !add_names(cl, a))
		return false;
	if (!add_bundled(cl))
		return false;
	const char *user = fg_ctx_credentials_file(ctx);
	return !user || add_user_file(ctx, cl, user);
}

/* ---- cost estimate ------------------------------------------------------ */

static int itoa64_val(char c)
{
	if (c == '.')
		return 0;
	if (c == '/')
		return 1;
	if (c >= '0' && c <= '9')
		return c - '0' + 2;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 12;
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 38;
	return -1;
}

/* Decimal after KEY in H (e.g. "rounds="), or DEF. */
static double param_after(const char *h, const char *key, double def)
{
	const char *p = strstr(h, key);
	if (!p)
		return def;
	p += strlen(key);
	double v = 0;
	int digits = 0;
	while (*p >= '0' && *p <= '9' && digits < 12) {
		v = v * 10 + (*p++ - '0');
		digits++;
	}
	return digits ? v : def;
}

/* yescrypt "$y$" + flavor + (log2 N - 1) + (r - 1) ...: cost grows with N * r.
 * 16 ms is the libxcrypt default "j9T" (N = 4096, r = 32). */
static double yescrypt_us(const char *params)
{
	int n = params[0] ? itoa64_val(params[1]) : -1;
	int r = n >= 0 ? itoa64_val(params[2]) : -1;
	if (n < 0 || r < 0)
		return 64000;
	return 16000 * ldexp(1.0, n + 1 - 12) * (r + 1) / 32.0;
}

/* Little-endian 30-bit itoa64 number of 5 characters; stops at a NUL. */
static bool decode30(const char *s, double *out)
{
	*out = 0;
	for (int i = 0; i < 5; i++) {
		int v = itoa64_val(s[i]);
		if (v < 0)
			return false;
		*out += ldexp(v, 6 * i);
	}
	return true;
}

/* scrypt "$7$" + log2 N + r (5 chars) + p (5 chars). Default N=2^14 r=32 ~ 175 ms. */
static double scrypt_us(const char *params)
{
	int n = itoa64_val(params[0]);
	double r, p;
	if (n < 0 || !decode30(params + 1, &r) || !decode30(params + 6, &p))
		return 700000;
	return 175000 * ldexp(1.0, n - 14) * (r ? r : 1) / 32.0 * (p ? p : 1);
}

/* Rough microseconds for one crypt_rn call on a ~3 GHz core, from the
 * hash's own cost parameters. Only the order of magnitude matters. */
static double cost_us(const char *h, fg_hash_scheme s)
{
	switch (s) {
	case FG_HASH_DES:
	case FG_HASH_NT:
		return 5;
	case FG_HASH_BSDI: {
		double rounds = 0;
		for (int i = 0; i < 4; i++)
			rounds += ldexp(itoa64_val(h[1 + i]), 6 * i);
		return 1 + rounds / 8;
	}
	case FG_HASH_MD5:
		return 100;
	case FG_HASH_SHA256:
	case FG_HASH_SHA512: /* default 5000 rounds ~ 1 ms */
		return param_after(h, "rounds=", 5000) / 5;
	case FG_HASH_BCRYPT: { /* "$2b$10$": cost 10 ~ 44 ms, doubling per step */
		int c = 31;
		if (h[4] >= '0' && h[4] <= '9' && h[5] >= '0' && h[5] <= '9')
			c = (h[4] - '0') * 10 + (h[5] - '0');
		return 43.0 * ldexp(1.0, c < 4 ? 4 : c > 31 ? 31 : c);
	}
	case FG_HASH_SUN_MD5:
		return 4500 * (4096 + param_after(h, "rounds=", 0)) / 4096;
	case FG_HASH_SHA1: /* "$sha1$<iterations>$" */
		return 0.5 * param_after(h, "$sha1$", 40000);
	case FG_HASH_YESCRYPT:
		return yescrypt_us(h + 3);
	case FG_HASH_GOST_YESCRYPT:
		return yescrypt_us(h + 4);
	case FG_HASH_SCRYPT:
		return scrypt_us(h + 3);
	case FG_HASH_NONE:
		break;
	default:
		if (fg_credhash_own(s))
			return fg_credhash_cost_us(s, h);
		break;
	}
	return 1e12;
}

/* ---- work --------------------------------------------------------------- */

typedef struct target {
	const char *hash;
	fg_hash_scheme scheme;
	size_t limit;              /* candidates [0, limit) are tried */
	size_t chunk;
	size_t first_job;          /* index of its first job */
	_Atomic size_t found;      /* lowest matching candidate, SIZE_MAX if none */
	atomic_bool failed;        /* libxcrypt refused the hash */
} target;

typedef struct work {
	const cand_list *cands;
	target *t;
	size_t nt;
	size_t njobs;
	_Atomic size_t next;
} work;

static target *target_of_job(work *w, size_t job)
{
	size_t lo = 0, hi = w->nt; /* last target whose first_job <= job */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (w->t[mid].first_job <= job)
			lo = mid;
		else
			hi = mid;
	}
	return &w->t[lo];
}

static bool hash_matches(const char *out, const char *hash)
{
	size_t n = strlen(hash);
	return strlen(out) == n && CRYPTO_memcmp(out, hash, n) == 0;
}

/* Records I as a match unless a lower index already matched: the lowest
 * wins so the reported password does not depend on thread timing (DES
 * truncates at 8 characters, so several candidates can match). */
static void record_match(target *t, size_t i)
{
	size_t cur = atomic_load(&t->found);
	while (i < cur && !atomic_compare_exchange_weak(&t->found, &cur, i))
		;
}

static void run_job(work *w, size_t job, struct crypt_data *cd)
{
	target *t = target_of_job(w, job);
	size_t from = (job - t->first_job) * t->chunk;
	size_t to = from + t->chunk < t->limit ? from + t->chunk : t->limit;
	for (size_t i = from; i < to; i++) {
		if (i >= atomic_load(&t->found) || atomic_load(&t->failed))
			return;
		if (fg_credhash_own(t->scheme)) {
			const cand *c = &w->cands->v.v[i];
			int r = fg_credhash_verify(t->scheme, t->hash, c->s, c->len);
			if (r < 0) {
				atomic_store(&t->failed, true);
				return;
			}
			if (r > 0) {
				record_match(t, i);
				return;
			}
			continue;
		}
		const char *out = crypt_rn(w->cands->v.v[i].s, t->hash, cd, sizeof(*cd));
		if (!out) {
			atomic_store(&t->failed, true);
			return;
		}
		if (hash_matches(out, t->hash)) {
			record_match(t, i);
			return;
		}
	}
}

static void *worker(void *arg)
{
	work *w = arg;
	/* 32 KiB: too big for small thread stacks, and must start zeroed. */
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	if (!cd)
		return NULL;
	for (;;) {
		size_t job = atomic_fetch_add(&w->next, 1);
		if (job >= w->njobs)
			break;
		run_job(w, job, cd);
	}
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return NULL;
}

/* Runs every job on up to JOBS threads, the calling thread included. */
static void run_work(work *w, unsigned jobs)
{
	if (jobs > 256)
		jobs = 256;
	if (jobs > w->njobs)
		jobs = (unsigned)w->njobs;
	pthread_t tid[256];
	unsigned started = 0;
	for (unsigned i = 1; i < jobs; i++)
		if (pthread_create(&tid[started], NULL, worker, w) == 0)
			started++;
	worker(w);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
}

/* ---- targets ------------------------------------------------------------ */

static int target_cmp(const void *a, const void *b)
{
	return strcmp(((const target *)a)->hash, ((const target *)b)->hash);
}

static target *find_target(target *t, size_t nt, const char *hash)
{
	target key = { .hash = hash };
	return nt ? bsearch(&key, t, nt, sizeof(*t), target_cmp) : NULL;
}

static bool crackable(const fg_account *acc)
{
	return acc->state == FG_PW_HASH && (acc->crypt_ok || fg_credhash_own(acc->scheme));
}

/* One target per distinct crackable hash, sorted by hash. */
static target *collect_targets(const fg_accounts *a, size_t *nt)
{
	target *t = calloc(a->v.n ? a->v.n : 1, sizeof(*t));
	if (!t)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < a->v.n; i++) {
		if (!crackable(&a->v.v[i]))
			continue;
		t[n].hash = a->v.v[i].hash;
		t[n].scheme = a->v.v[i].scheme;
		n++;
	}
	if (n > 1)
		qsort(t, n, sizeof(*t), target_cmp);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (k == 0 || strcmp(t[k - 1].hash, t[i].hash) != 0)
			t[k++] = t[i];
	*nt = k;
	return t;
}

/* Decides how many candidates each target gets within the budgets,
 * in account order so the first accounts (root, usually) come first,
 * and lays out the job numbering. */
static void plan(fg_check_ctx *ctx, const fg_accounts *a, work *w, unsigned jobs)
{
	size_t nc = w->cands->v.n, limited = 0;
	double left = TREE_BUDGET_US;
	bool *planned = calloc(w->nt ? w->nt : 1, sizeof(*planned));
	for (size_t i = 0; planned && i < a->v.n; i++) {
		const fg_account *acc = &a->v.v[i];
		target *t = crackable(acc) ? find_target(w->t, w->nt, acc->hash) : NULL;
		if (!t || planned[t - w->t])
			continue;
		planned[t - w->t] = true;
		double per = fmax(cost_us(t->hash, t->scheme), 1.0);
		double afford = fmin(HASH_BUDGET_US, left) / per;
		t->limit = afford >= (double)nc ? nc : (size_t)afford;
		left -= per * (double)t->limit;
		/* A hostile image with thousands of hashes must not flood the
		 * diagnostics: name a few, count the rest. */
		if (t->limit < nc && ++limited > MAX_COST_WARNINGS)
			continue;
		if (t->limit == 0)
			fg_ctx_warn(ctx, acc->hash_node,
				    "%s hash of account '%s' not tried: its cost parameters make one "
				    "attempt too slow", fg_hash_scheme_name(t->scheme), acc->name);
		else if (t->limit < nc)
			fg_ctx_warn(ctx, acc->hash_node,
				    "%s hash of account '%s' is costly: tried %zu of %zu candidate passwords",
				    fg_hash_scheme_name(t->scheme), acc->name, t->limit, nc);
	}
	free(planned);
	if (limited > MAX_COST_WARNINGS)
		fg_ctx_warn(ctx, NULL, "%zu more hashes were not fully tried (CPU budget)",
			    limited - MAX_COST_WARNINGS);
	size_t job = 0;
	for (size_t i = 0; i < w->nt; i++) {
		target *t = &w->t[i];
		size_t c = t->limit / (4 * (size_t)jobs);
		t->chunk = c < 1 ? 1 : c > 1024 ? 1024 : c;
		t->first_job = job;
		job += (t->limit + t->chunk - 1) / t->chunk;
		atomic_init(&t->found, SIZE_MAX);
		atomic_init(&t->failed, false);
	}
	w->njobs = job;
}

/* ---- reporting ---------------------------------------------------------- */

/* Scheme prefix and the first characters of the salt, the rest elided. */
static void redact_hash(const char *hash, char *out, size_t cap)
{
	size_t keep = 2;
	if (hash[0] == '$') {
		const char *d = strchr(hash + 1, '$');
		keep = d ? (size_t)(d - hash) + 1 + 4 : 4;
	} else if (hash[0] == '_') {
		keep = 5;
	}
	if (keep > strlen(hash))
		keep = strlen(hash) / 2;
	snprintf(out, cap, "%.*s\xe2\x80\xa6(redacted)", (int)keep, hash);
}

/* First character then stars; shorter than 4 is all stars. */
static void mask_password(const cand *c, char *out, size_t cap)
{
	if (c->len == 0) {
		snprintf(out, cap, "(empty)");
		return;
	}
	size_t n = c->len > 32 ? 32 : c->len, k = 0;
	if (c->len >= 4 && k + 1 < cap)
		out[k++] = c->s[0];
	while (k < n && k + 1 < cap)
		out[k++] = '*';
	out[k] = '\0';
}

static void report_cracked(fg_check_ctx *ctx, const fg_account *acc, const cand *c)
{
	char path[1024] = "?", uid[32] = "", masked[40], red[128], excerpt[256], msg[2048];
	if (acc->hash_node)
		fg_node_path(acc->hash_node, path, sizeof(path));
	if (acc->uid != FG_UID_UNKNOWN)
		snprintf(uid, sizeof(uid), " (uid %u)", acc->uid);
	mask_password(c, masked, sizeof(masked));
	redact_hash(acc->hash, red, sizeof(red));
	snprintf(excerpt, sizeof(excerpt), "%s:%s:", acc->name, red);

	const char *what = c->origin == FROM_EMPTY ? "a hash of the empty password" :
			   "a well-known default password";
	const char *note = c->origin == FROM_NAME ?
			   (strcmp(c->s, acc->name) == 0 ? ", the account name" :
			    ", an account name in this image") :
			   c->origin == FROM_USER ? ", from the supplied credential list" : "";
	bool system = strcmp(path, "/etc/shadow") == 0 || strcmp(path, "/etc/passwd") == 0;
	snprintf(msg, sizeof(msg),
		 "%s '%s'%s in %s has %s ('%s'%s, %s). The same hash is in every unit "
		 "of this firmware, so this is a universal default password, which UK PSTI "
		 "and ETSI EN 303 645 provision 5.1-1 prohibit.",
		 system ? "Account" : "User", acc->name, uid, path, what, masked, note,
		 fg_hash_scheme_name(acc->scheme));
	fg_report_item item = {
		.node = acc->hash_node,
		.line = acc->hash_line,
		.offset = acc->hash_offset,
		.message = msg,
		.excerpt = excerpt,
		.subject = acc->name,
		.severity = -1,
	};
	fg_ctx_report(ctx, &item);
}

static void report_all(fg_check_ctx *ctx, const fg_accounts *a, work *w)
{
	size_t failed = 0;
	for (size_t i = 0; i < a->v.n; i++) {
		const fg_account *acc = &a->v.v[i];
		target *t = crackable(acc) ? find_target(w->t, w->nt, acc->hash) : NULL;
		if (!t)
			continue;
		size_t f = atomic_load(&t->found);
		if (f != SIZE_MAX)
			report_cracked(ctx, acc, &w->cands->v.v[f]);
		else if (atomic_load(&t->failed) && ++failed <= MAX_COST_WARNINGS)
			fg_ctx_warn(ctx, acc->hash_node, "libxcrypt cannot compute the %s hash of account '%s'",
				    fg_hash_scheme_name(acc->scheme), acc->name);
	}
	if (failed > MAX_COST_WARNINGS)
		fg_ctx_warn(ctx, NULL, "libxcrypt cannot compute %zu more hashes",
			    failed - MAX_COST_WARNINGS);
}

static void crack(fg_check_ctx *ctx, const fg_accounts *a)
{
	cand_list cl = { 0 };
	fg_arena_init(&cl.arena);
	work w = { .cands = &cl };
	w.t = collect_targets(a, &w.nt);
	if (w.t && w.nt && build_candidates(ctx, a, &cl)) {
		unsigned jobs = fg_ctx_jobs(ctx);
		plan(ctx, a, &w, jobs);
		atomic_init(&w.next, 0);
		run_work(&w, jobs);
		report_all(ctx, a, &w);
	} else if (!w.t) {
		fg_ctx_warn(ctx, NULL, "out of memory");
	}
	free(w.t);
	cand_free(&cl);
}

/* The system accounts and every other store of the tree (account-file
 * copies, web, broker and NVRAM users: checks/credstore.h) in one pass:
 * a hash found in several files is tried once, and all of them share the
 * tree's CPU budget. */
static void run(fg_check_ctx *ctx)
{
	const fg_accounts *a = fg_accounts_of(ctx);
	const fg_creds *c = fg_creds_of(ctx);
	fg_accounts all = { 0 };
	bool ok = true;
	for (size_t i = 0; ok && a && i < a->v.n; i++)
		ok = FG_VEC_PUSH(&all.v, a->v.v[i]);
	for (size_t i = 0; ok && c && i < c->hashed->v.n; i++)
		ok = FG_VEC_PUSH(&all.v, c->hashed->v.v[i]);
	if (!ok)
		fg_ctx_warn(ctx, NULL, "out of memory");
	else if (all.v.n)
		crack(ctx, &all);
	FG_VEC_FREE(&all.v);
}

const fg_check fg_check_default_password = {
	.id = "credentials.default-password",
	.title = "Account with a well-known default password",
	.severity = FG_SEV_CRITICAL,
	.remediation = "Do not ship password hashes in the image: require a unique password to be "
		       "set on first use, or derive a unique per-device password at manufacturing "
		       "(ETSI EN 303 645 5.1-1/5.1-2, UK PSTI Regulations Schedule 1 para. 1).",
	.run = run,
};
