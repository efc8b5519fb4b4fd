/*
 * scan.c - the pipeline: one input through every stage.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "checks/engine.h"
#include "compliance/evaluate.h"
#include "core/result.h"
#include "inventory/inventory.h"
#include "unpack/engine.h"
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

	double t0 = now();
	if (fg_unpack_load(&res->tree, input, errbuf, errlen) != 0) {
		fg_result_free(res);
		return FG_ERR_INPUT;
	}
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
		fg_result_free(res);
		return FG_ERR_INPUT;
	}

	if (res->opts.unpack_only) {
		*out = res;
		return FG_OK;
	}

	fg_inventory_run(res);
	double t2 = now();
	res->seconds.inventory = t2 - t1;

	fg_vulns_match(res);
	double t3 = now();
	res->seconds.vulns = t3 - t2;

	fg_checks_run(res);
	double t4 = now();
	res->seconds.checks = t4 - t3;

	fg_compliance_evaluate(res);
	res->seconds.compliance = now() - t4;

	*out = res;
	return FG_OK;
}
