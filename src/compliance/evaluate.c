/*
 * evaluate.c - requirement verdicts.
 *
 * For every requirement of every catalogued baseline:
 *   - fail: a check that bears on it reported a finding of low severity
 *     or above (whatever the requirement's class: a finding in the image
 *     refutes a declaration too); informational findings do not fail;
 *   - pass: it is firmware-checkable, checks bear on it, and all of them
 *     ran on at least one file tree of the image and found nothing;
 *   - not-determined: it is firmware-checkable but no check covers its
 *     evidence yet, or no file tree was found to run them on;
 *   - declaration-missing: only the manufacturer can show it;
 *   - needs-device: a running device or a hardware test is needed.
 */
#include "compliance/evaluate.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *fg_verdict_status_name(fg_verdict_status s)
{
	switch (s) {
	case FG_VERDICT_PASS: return "pass";
	case FG_VERDICT_FAIL: return "fail";
	case FG_VERDICT_NOT_DETERMINED: return "not-determined";
	case FG_VERDICT_DECLARATION_MISSING: return "declaration-missing";
	case FG_VERDICT_NEEDS_DEVICE: return "needs-device-test";
	}
	return "?";
}

static bool check_ran(const fg_result *res, const char *id)
{
	if (res->filesystems.n == 0)
		return false;
	for (size_t i = 0; i < res->checks_run.n; i++)
		if (strcmp(res->checks_run.v[i], id) == 0)
			return true;
	return false;
}

/* Findings of check ID that bear on a verdict: informational ones (an
 * inventory of setuid files, daemons running as root) describe, they do
 * not show a requirement broken. */
static size_t findings_of(const fg_result *res, const char *id)
{
	size_t n = 0;
	for (size_t i = 0; i < res->findings.n; i++)
		if (res->findings.v[i].severity > FG_SEV_INFO &&
		    strcmp(res->findings.v[i].check_id, id) == 0)
			n++;
	return n;
}

typedef struct buf {
	char s[1024];
	size_t len;
} buf;

static void add(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(b->s + b->len, sizeof(b->s) - b->len, fmt, ap);
	va_end(ap);
	if (w > 0 && (size_t)w < sizeof(b->s) - b->len)
		b->len += (size_t)w;
}

static void evaluate_one(fg_result *res, const fg_requirement *r)
{
	size_t findings = 0, ran = 0;
	buf ev = { "", 0 };
	for (size_t i = 0; i < r->nchecks; i++) {
		const char *c = r->checks[i];
		size_t hits = findings_of(res, c);
		bool did = check_ran(res, c);
		findings += hits;
		ran += did;
		add(&ev, "%s%s: %s", ev.len ? "; " : "", c,
		    !did ? "not run" : hits ? "finding(s)" : "ran, nothing found");
	}

	fg_verdict_status st;
	if (findings) {
		st = FG_VERDICT_FAIL;
	} else if (r->cls == FG_REQ_FW) {
		st = r->nchecks && ran == r->nchecks ? FG_VERDICT_PASS : FG_VERDICT_NOT_DETERMINED;
		if (!r->nchecks)
			add(&ev, "no check covers this evidence yet (%s)",
			    *r->families ? r->families : "no firmware evidence family");
		else if (!res->filesystems.n)
			add(&ev, "%sno file tree found to check", ev.len ? "; " : "");
	} else if (r->cls == FG_REQ_DECL) {
		st = FG_VERDICT_DECLARATION_MISSING;
		add(&ev, "%sneeds the manufacturer's declaration: %s", ev.len ? "; " : "", r->evidence);
	} else {
		st = FG_VERDICT_NEEDS_DEVICE;
		add(&ev, "%sneeds a device test: %s", ev.len ? "; " : "", r->evidence);
	}
	fg_verdict v = {
		.standard = r->standard,
		.requirement = r->id,
		.title = r->title,
		.level = r->level,
		.cls = fg_req_class_name(r->cls),
		.status = st,
		.evidence = fg_arena_strdup(&res->arena, ev.s),
		.findings = findings,
	};
	FG_VEC_PUSH(&res->verdicts, v);
}

static bool selected(const fg_result *res, const char *standard)
{
	const char *list = res->opts.standards;
	if (!list || !*list || !strcmp(list, "all"))
		return true;
	size_t sl = strlen(standard);
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		if (len == sl && !strncmp(p, standard, len))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

void fg_compliance_evaluate(fg_result *res)
{
	for (size_t i = 0; i < fg_requirement_count(); i++) {
		const fg_requirement *r = fg_requirement_at(i);
		if (selected(res, r->standard))
			evaluate_one(res, r);
	}
}

void fg_compliance_summary(const fg_result *res, const char *standard, int mandatory_only,
			   size_t counts[FG_VERDICT_KINDS])
{
	memset(counts, 0, FG_VERDICT_KINDS * sizeof(counts[0]));
	for (size_t i = 0; i < res->verdicts.n; i++) {
		const fg_verdict *v = &res->verdicts.v[i];
		if (strcmp(v->standard, standard) != 0)
			continue;
		if (mandatory_only && strncmp(v->level, "mandatory", 9) != 0)
			continue;
		counts[v->status]++;
	}
}
