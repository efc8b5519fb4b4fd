/*
 * scan.c - the pipeline: one input through every stage.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "checks/certs.h"
#include "checks/engine.h"
#include "compliance/declaration.h"
#include "compliance/evaluate.h"
#include "core/result.h"
#include "core/suppress.h"
#include "inventory/inventory.h"
#include "unpack/engine.h"
#include "unpack/spill.h"
#include "vulns/match.h"

const char *fg_version(void)
{
	return FG_VERSION_STRING;
}

static const char *const severity_names[] = { "info", "low", "medium", "high", "critical" };

const char *fg_severity_name(fg_severity sev)
{
	return (unsigned)sev < 5 ? severity_names[sev] : "?";
}

int fg_severity_parse(const char *name, fg_severity *out)
{
	for (int i = 0; i < 5; i++) {
		if (strcasecmp(name, severity_names[i]) == 0) {
			*out = (fg_severity)i;
			return 0;
		}
	}
	return -1;
}

void fg_options_default(fg_options *o)
{
	memset(o, 0, sizeof(*o));
	fg_limits_default(&o->limits);
	o->jobs = 0;
	o->vulndb_max_age = 7;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool count_node(fg_node *n, void *ud)
{
	fg_fsinfo *fs = ud;
	if (n == fs->root)
		return true;
	switch (n->type) {
	case FG_NODE_FILE: fs->files++; fs->bytes += n->data_len; break;
	case FG_NODE_DIR: fs->dirs++; break;
	case FG_NODE_SYMLINK: fs->symlinks++; break;
	case FG_NODE_HARDLINK: fs->hardlinks++; break;
	case FG_NODE_CHR:
	case FG_NODE_BLK: fs->devices++; break;
	default: fs->others++; break;
	}
	return true;
}

/* A walk that stops at extraction roots: they are file trees of their own. */
static bool collect_filesystems(fg_node *n, void *ud)
{
	fg_result *res = ud;
	if ((n->flags & FG_NODE_FSROOT) && (n->flags & FG_NODE_FILESYSTEM)) {
		fg_fsinfo fs = { .root = n };
		fs.chain = fg_node_chain(&res->tree, n);
		/* count without descending into nested containers */
		FG_VEC(fg_node *) stack = {0};
		FG_VEC_PUSH(&stack, n);
		while (stack.n) {
			fg_node *c = stack.v[--stack.n];
			count_node(c, &fs);
			for (size_t i = 0; i < c->nchildren; i++)
				FG_VEC_PUSH(&stack, c->children[i]);
		}
		FG_VEC_FREE(&stack);
		FG_VEC_PUSH(&res->filesystems, fs);
	}
	return true;
}

static unsigned cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/* The manufacturer's declaration (--declaration) and a security.txt to
 * validate (--security-txt) are checked before anything is unpacked: a
 * declaration with errors is a usage error, its warnings (an unknown
 * key, an ended support period) become diagnostics. */
static fg_status load_declaration(fg_result *res, char *errbuf, size_t errlen)
{
	const char *stxt = res->opts.security_txt_file;
	if (stxt && access(stxt, R_OK) != 0) {
		snprintf(errbuf, errlen, "%s: cannot open: %s", stxt, strerror(errno));
		return FG_ERR_USAGE;
	}
	const char *path = res->opts.declaration_file;
	if (!path)
		return FG_OK;
	const fg_declaration *d = fg_declaration_load(path, &res->arena, fg_scan_now());
	if (!d) {
		snprintf(errbuf, errlen, "%s: out of memory", path);
		return FG_ERR_INTERNAL;
	}
	for (size_t i = 0; !d->errors && i < d->nmessages; i++)
		if (d->messages[i].warning)
			fg_diag_add(&res->diags, FG_DIAG_WARNING, "declaration", d->messages[i].where,
				    "%s", d->messages[i].what);
	if (d->errors) {
		const char *first = path;
		for (size_t i = 0; i < d->nmessages; i++)
			if (!d->messages[i].warning) {
				first = d->messages[i].text;
				break;
			}
		snprintf(errbuf, errlen, "%s%s", first,
			 d->errors > 1 ? " (and more errors: see fg_declaration_validate)" : "");
		return FG_ERR_USAGE;
	}
	res->declaration = d;
	return FG_OK;
}

/* The gate's policy: the suppressions file (--suppress) and the severity
 * rules (--severity). Read before anything is unpacked, like the
 * declaration: errors are a usage error, warnings (an expired entry, an
 * unknown key, a pattern that names no check) become diagnostics. */
static fg_status load_policy(fg_result *res, char *errbuf, size_t errlen)
{
	const char *path = res->opts.suppress_file;
	const char *const *rules = res->opts.severity;
	if (!path && !(rules && *rules))
		return FG_OK;
	fg_policy *p = fg_policy_new(&res->arena);
	if (p && path)
		fg_policy_load(p, &res->arena, path, fg_scan_now());
	for (size_t i = 0; p && rules && rules[i]; i++)
		if (!fg_policy_add_severity(p, &res->arena, rules[i], errbuf, errlen))
			return FG_ERR_USAGE;
	if (!p || p->oom) {
		snprintf(errbuf, errlen, "%s: out of memory", path ? path : "--severity");
		return FG_ERR_INTERNAL;
	}
	if (p->errors) {
		const char *first = path;
		for (size_t i = 0; i < p->nmessages; i++)
			if (!p->messages[i].warning) {
				first = p->messages[i].text;
				break;
			}
		snprintf(errbuf, errlen, "%s%s", first,
			 p->errors > 1 ? " (and more errors: see fg_suppressions_validate)" : "");
		return FG_ERR_USAGE;
	}
	for (size_t i = 0; i < p->nmessages; i++)
		fg_diag_add(&res->diags, FG_DIAG_WARNING, "suppressions", p->messages[i].where,
			    "%s", p->messages[i].what);
	res->policy = p;
	return FG_OK;
}

/* ---- progress ------------------------------------------------------------------ */

const char *fg_stage_name(fg_stage stage)
{
	static const char *const names[] = { "unpack", "inventory", "vulns", "checks",
					     "compliance", "done" };
	return (unsigned)stage <= FG_STAGE_DONE ? names[stage] : "?";
}

/* The caller's progress callback, called at each stage and by a ticker
 * thread in between; one lock keeps the calls from overlapping. */
typedef struct progress {
	fg_result *res;
	double t0;
	fg_stage stage;
	bool ticking, stop;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t ticker;
} progress;

#define PROGRESS_TICK_NS 200000000L

static void progress_call(progress *pg)
{
	fg_budget *b = &pg->res->budget;
	fg_progress p = {
		.stage = pg->stage,
		.elapsed = now() - pg->t0,
		.bytes = atomic_load(&b->bytes),
		.files = atomic_load(&b->files),
	};
	pg->res->opts.progress(&p, pg->res->opts.progress_arg);
}

static void *progress_ticker(void *arg)
{
	progress *pg = arg;
	pthread_mutex_lock(&pg->lock);
	while (!pg->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += PROGRESS_TICK_NS;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&pg->wake, &pg->lock, &ts);
		if (!pg->stop)
			progress_call(pg);
	}
	pthread_mutex_unlock(&pg->lock);
	return NULL;
}

static void progress_start(progress *pg, fg_result *res)
{
	*pg = (progress){ .res = res, .t0 = now(), .stage = FG_STAGE_UNPACK };
	if (!res->opts.progress)
		return;
	pthread_mutex_init(&pg->lock, NULL);
	pthread_cond_init(&pg->wake, NULL);
	/* without the thread the stages are still reported */
	pg->ticking = pthread_create(&pg->ticker, NULL, progress_ticker, pg) == 0;
}

static void progress_stage(progress *pg, fg_stage stage)
{
	if (!pg->res->opts.progress)
		return;
	pthread_mutex_lock(&pg->lock);
	pg->stage = stage;
	progress_call(pg);
	pthread_mutex_unlock(&pg->lock);
}

/* Stops the ticker and reports FG_STAGE_DONE, whatever the outcome. */
static void progress_finish(progress *pg)
{
	if (!pg->res->opts.progress)
		return;
	pthread_mutex_lock(&pg->lock);
	pg->stop = true;
	pthread_cond_signal(&pg->wake);
	pthread_mutex_unlock(&pg->lock);
	if (pg->ticking)
		pthread_join(pg->ticker, NULL);
	progress_stage(pg, FG_STAGE_DONE);
	pthread_cond_destroy(&pg->wake);
	pthread_mutex_destroy(&pg->lock);
}

/* ---- the pipeline ---------------------------------------------------------------- */

static fg_status run_stages(fg_result *res, const char *input, progress *pg,
			    char *errbuf, size_t errlen)
{
	double t0 = now();
	progress_stage(pg, FG_STAGE_UNPACK);
	if (fg_unpack_load(&res->tree, input, errbuf, errlen) != 0)
		return FG_ERR_INPUT;
	res->input_name = res->tree.root->name;
	res->input_is_dir = res->tree.root->type == FG_NODE_DIR;
	res->input_size = res->tree.root->data_len;
	fg_unpack_stats st;
	fg_unpack_all(&res->tree, &res->budget, &res->diags, res->opts.jobs, &st);
	fg_tree_walk(res->tree.root, collect_filesystems, res);
	double t1 = now();
	res->seconds.unpack = t1 - t0;

	/* a leaf (an ELF kernel, say) is a recognised input too */
	if (res->filesystems.n == 0 && st.containers == 0 && !res->tree.root->format) {
		const fg_diag *first_error = NULL;
		for (size_t i = 0; i < res->diags.items.n && !first_error; i++)
			if (res->diags.items.v[i].level == FG_DIAG_ERROR)
				first_error = &res->diags.items.v[i];
		if (first_error)
			snprintf(errbuf, errlen, "%s: cannot unpack: %s", input, first_error->message);
		else
			snprintf(errbuf, errlen,
				 "%s: unrecognised input: no supported firmware format found", input);
		return FG_ERR_INPUT;
	}

	if (res->opts.unpack_only)
		return FG_OK;

	progress_stage(pg, FG_STAGE_INVENTORY);
	fg_inventory_run(res);
	double t2 = now();
	res->seconds.inventory = t2 - t1;

	progress_stage(pg, FG_STAGE_VULNS);
	fg_vulns_match(res);
	double t3 = now();
	res->seconds.vulns = t3 - t2;

	progress_stage(pg, FG_STAGE_CHECKS);
	fg_checks_run(res);
	/* suppressions: after every finding exists, before anything counts them */
	fg_policy_apply(res->policy, res);
	double t4 = now();
	res->seconds.checks = t4 - t3;

	progress_stage(pg, FG_STAGE_COMPLIANCE);
	fg_compliance_evaluate(res);
	res->seconds.compliance = now() - t4;
	return FG_OK;
}

/* unpack -o: the output directory is checked before any work, and the
 * content streams into it (unpack/spill.h). */
static fg_status open_extract_dir(fg_result *res, char *errbuf, size_t errlen)
{
	if (!res->opts.unpack_only || !res->opts.extract_dir)
		return FG_OK;
	bool created = false;
	int dfd = fg_extract_open(res->opts.extract_dir, res->opts.extract_force, &created,
				  errbuf, errlen);
	if (dfd < 0)
		return FG_ERR_USAGE;
	char why[256];
	res->tree.spill = fg_spill_open(dfd, created ? res->opts.extract_dir : NULL,
					res->opts.extract_hashes != 0, why, sizeof(why));
	close(dfd);
	if (!res->tree.spill) {
		if (created)
			rmdir(res->opts.extract_dir);
		snprintf(errbuf, errlen, "%s: %s", res->opts.extract_dir, why);
		return FG_ERR_INTERNAL;
	}
	return FG_OK;
}

fg_status fg_scan(const char *input, const fg_options *opts, fg_result **out,
		  char *errbuf, size_t errlen)
{
	*out = NULL;
	fg_result *res = fg_result_new(opts);
	if (!res) {
		snprintf(errbuf, errlen, "%s: out of memory", input);
		return FG_ERR_INTERNAL;
	}
	if (res->opts.jobs == 0)
		res->opts.jobs = cpu_count();
	res->input = fg_arena_strdup(&res->arena, input);
	fg_status st = load_declaration(res, errbuf, errlen);
	if (st == FG_OK)
		st = load_policy(res, errbuf, errlen);
	if (st != FG_OK) {
		fg_result_free(res);
		return st;
	}
	st = open_extract_dir(res, errbuf, errlen);
	if (st != FG_OK) {
		fg_result_free(res);
		return st;
	}
	progress pg;
	progress_start(&pg, res);
	st = run_stages(res, input, &pg, errbuf, errlen);
	progress_finish(&pg);
	if (st != FG_OK) {
		fg_result_free(res);
		return st;
	}
	*out = res;
	return FG_OK;
}
