#include "core/result.h"

#include <stdlib.h>
#include <string.h>

#include "core/suppress.h"
#include "unpack/spill.h"

fg_result *fg_result_new(const fg_options *opts)
{
	fg_result *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	if (opts)
		r->opts = *opts;
	else
		fg_options_default(&r->opts);
	fg_arena_init(&r->arena);
	fg_tree_init(&r->tree);
	fg_budget_init(&r->budget, &r->opts.limits);
	fg_diag_init(&r->diags);
	return r;
}

void fg_result_free(fg_result *r)
{
	if (!r)
		return;
	FG_VEC_FREE(&r->filesystems);
	FG_VEC_FREE(&r->components);
	FG_VEC_FREE(&r->vulns);
	FG_VEC_FREE(&r->findings);
	FG_VEC_FREE(&r->verdicts);
	FG_VEC_FREE(&r->checks_run);
	fg_diag_free(&r->diags);
	fg_spill_abort(r->tree.spill); /* an unpack -o that never got written */
	fg_tree_free(&r->tree);
	fg_arena_free(&r->arena);
	free(r);
}

size_t fg_result_finding_count(const fg_result *r)
{
	return r->findings.n;
}

const fg_finding *fg_result_finding(const fg_result *r, size_t i)
{
	return i < r->findings.n ? &r->findings.v[i] : NULL;
}

int fg_result_max_severity(const fg_result *r)
{
	int max = -1;
	for (size_t i = 0; i < r->findings.n; i++)
		if ((int)r->findings.v[i].severity > max)
			max = (int)r->findings.v[i].severity;
	return max;
}

size_t fg_result_count_at_least(const fg_result *r, fg_severity sev)
{
	size_t n = 0;
	for (size_t i = 0; i < r->findings.n; i++)
		if (r->findings.v[i].severity >= sev && !r->findings.v[i].suppression)
			n++;
	return n;
}

size_t fg_result_suppressed_count(const fg_result *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->findings.n; i++)
		n += r->findings.v[i].suppression != NULL;
	return n;
}

/* A CVE counts once however many components it matched; matches a VEX
 * statement or a false-positive control cleared do not count. */
size_t fg_result_kev_count(const fg_result *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->vulns.n; i++) {
		const fg_vuln_match *v = &r->vulns.v[i];
		if (!v->kev || (v->status != FG_VULN_AFFECTED && v->status != FG_VULN_UNDER_INVESTIGATION))
			continue;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++) {
			const fg_vuln_match *w = &r->vulns.v[k];
			seen = w->kev && !strcmp(w->id, v->id) &&
			       (w->status == FG_VULN_AFFECTED || w->status == FG_VULN_UNDER_INVESTIGATION);
		}
		n += !seen;
	}
	return n;
}

bool fg_result_add_finding(fg_result *r, fg_finding f)
{
	int level = fg_policy_severity(r->policy, f.check_id, (int)f.severity);
	if (level == FG_SEVERITY_OFF)
		return true; /* the check should not have run */
	if (level != (int)f.severity) {
		f.severity_overridden = true;
		f.original_severity = f.severity;
		f.severity = (fg_severity)level;
	}
	return FG_VEC_PUSH(&r->findings, f);
}
