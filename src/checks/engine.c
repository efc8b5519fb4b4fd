#include "checks/engine.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/security_txt.h"
#include "core/hex.h"
#include "core/suppress.h"

typedef struct cache_entry {
	const void *key;
	void *value;
	void (*free_fn)(void *);
} cache_entry;

struct fg_check_ctx {
	fg_result *res;
	fg_node *root;
	const fg_check *check;
	const char *chain;
	FG_VEC(cache_entry) cache;
};

fg_node *fg_ctx_root(fg_check_ctx *ctx) { return ctx->root; }

fg_node *fg_ctx_lookup(fg_check_ctx *ctx, const char *path)
{
	return fg_tree_lookup(ctx->root, path, true);
}

const fg_node *fg_ctx_file(fg_check_ctx *ctx, const char *path, const uint8_t **data, size_t *len)
{
	const fg_node *n = fg_node_content(fg_ctx_lookup(ctx, path));
	if (!n)
		return NULL;
	*data = n->data;
	*len = n->data_len;
	return n;
}

unsigned fg_ctx_jobs(const fg_check_ctx *ctx) { return ctx->res->opts.jobs ? ctx->res->opts.jobs : 1; }

const char *fg_ctx_credentials_file(const fg_check_ctx *ctx) { return ctx->res->opts.credentials_file; }

void *fg_ctx_cache(fg_check_ctx *ctx, const void *key, void *(*make)(fg_check_ctx *ctx),
		   void (*free_fn)(void *value))
{
	for (size_t i = 0; i < ctx->cache.n; i++)
		if (ctx->cache.v[i].key == key)
			return ctx->cache.v[i].value;
	cache_entry e = { key, make(ctx), free_fn };
	if (!FG_VEC_PUSH(&ctx->cache, e)) {
		if (e.value && free_fn)
			free_fn(e.value);
		return NULL;
	}
	return e.value;
}

static void where_of(fg_check_ctx *ctx, const fg_node *node, char *buf, size_t cap)
{
	char path[2048] = "/";
	if (node)
		fg_node_path(node, path, sizeof(path));
	snprintf(buf, cap, "%s:%s", ctx->chain, path);
}

void fg_ctx_warn(fg_check_ctx *ctx, const fg_node *node, const char *fmt, ...)
{
	char msg[512], where[2600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	where_of(ctx, node, where, sizeof(where));
	fg_diag_add(&ctx->res->diags, FG_DIAG_WARNING, "checks", where, "%s: %s", ctx->check->id, msg);
}

void fg_fingerprint(const char *check_id, const char *path, const char *subject, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	const char *parts[3] = { check_id, path ? path : "", subject ? subject : "" };
	bool ok = m && EVP_DigestInit_ex(m, EVP_sha256(), NULL);
	for (int i = 0; ok && i < 3; i++)
		ok = EVP_DigestUpdate(m, parts[i], strlen(parts[i]) + 1); /* NUL separates */
	ok = ok && EVP_DigestFinal_ex(m, md, &mdlen);
	EVP_MD_CTX_free(m);
	if (!ok)
		memset(md, 0, 16);
	fg_hex(md, 16, out);
}

static const char *dup_or_null(fg_arena *a, const char *s)
{
	return s ? fg_arena_strdup(a, s) : NULL;
}

void fg_ctx_report(fg_check_ctx *ctx, const fg_report_item *item)
{
	char path[2048] = "/";
	if (item->node)
		fg_node_path(item->node, path, sizeof(path));
	char fp[33];
	fg_fingerprint(ctx->check->id, path, item->subject, fp);

	/* A fingerprint is unique per scan only within one file tree; the
	 * same finding in two trees of one image is two findings. */
	fg_arena *a = &ctx->res->arena;
	fg_finding f = {
		.check_id = ctx->check->id,
		.title = ctx->check->title,
		.severity = item->severity >= 0 ? (fg_severity)item->severity : ctx->check->severity,
		.message = dup_or_null(a, item->message ? item->message : ctx->check->title),
		.path = fg_arena_strdup(a, path),
		.container = ctx->chain,
		.line = item->line,
		.offset = item->offset,
		.excerpt = dup_or_null(a, item->excerpt),
		.fingerprint = fg_arena_strdup(a, fp),
		.remediation = ctx->check->remediation,
	};
	fg_result_add_finding(ctx->res, f);
}

/* A severity rule of level "off" (--severity ID=off) keeps a check from
 * running at all: it is then not among the checks that ran either. */
static bool check_enabled(const fg_result *res, const fg_check *c)
{
	return fg_policy_severity(res->policy, c->id, (int)c->severity) != FG_SEVERITY_OFF;
}

static void run_on_tree(fg_result *res, fg_node *root, const fg_check *only)
{
	fg_check_ctx ctx = { .res = res, .root = root };
	ctx.chain = fg_node_chain(&res->tree, root);
	if (!ctx.chain)
		ctx.chain = "";
	ctx.chain = fg_arena_strdup(&res->arena, ctx.chain);
	for (size_t i = 0; i < fg_check_count(); i++) {
		const fg_check *c = fg_check_at(i);
		if ((only && c != only) || !check_enabled(res, c))
			continue;
		ctx.check = c;
		c->run(&ctx);
	}
	for (size_t i = 0; i < ctx.cache.n; i++)
		if (ctx.cache.v[i].value && ctx.cache.v[i].free_fn)
			ctx.cache.v[i].free_fn(ctx.cache.v[i].value);
	FG_VEC_FREE(&ctx.cache);
}

void fg_checks_run_tree(fg_result *res, fg_node *root, const fg_check *only)
{
	run_on_tree(res, root, only);
}

static int finding_cmp(const void *a, const void *b)
{
	const fg_finding *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	int c = strcmp(x->check_id, y->check_id);
	if (c)
		return c;
	if ((c = strcmp(x->container, y->container)))
		return c;
	if ((c = strcmp(x->path, y->path)))
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->fingerprint, y->fingerprint);
}

void fg_checks_run(fg_result *res)
{
	for (size_t i = 0; i < res->filesystems.n; i++)
		run_on_tree(res, res->filesystems.v[i].root, NULL);
	fg_security_txt_external(res); /* --security-txt: a file outside the image */
	for (size_t i = 0; i < fg_check_count(); i++)
		if (check_enabled(res, fg_check_at(i)))
			FG_VEC_PUSH(&res->checks_run, fg_check_at(i)->id);
	if (res->findings.n > 1)
		qsort(res->findings.v, res->findings.n, sizeof(fg_finding), finding_cmp);
}
