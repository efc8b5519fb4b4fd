/*
 * evaluate.c - requirement verdicts.
 *
 * A requirement fails when a check mapped to it reported a finding; it
 * passes when every mapped check ran on at least one file tree and found
 * nothing; otherwise it cannot be determined from this image. The table
 * below holds the requirements the current checks bear on; the full
 * catalogs of every baseline are data to come (see docs/COMPLIANCE.md).
 */
#include "compliance/evaluate.h"

#include <stdio.h>
#include <string.h>

static const char *const passwords[] = {
	"credentials.default-password", "credentials.empty-password", NULL,
};
static const char *const services[] = { "services.telnet", NULL };

/* Titles are our own paraphrases. */
static const fg_requirement requirements[] = {
	{ "etsi-en-303-645", "5.1-1",
	  "Passwords are unique per device or set by the user; no universal default password",
	  "mandatory", passwords },
	{ "etsi-en-303-645", "5.6-1",
	  "Unused network and logical interfaces are disabled", "mandatory", services },
	{ "uk-psti", "Sch1 para 1(2)",
	  "Passwords are unique per product or defined by the user", "mandatory", passwords },
	{ "uk-psti", "Sch1 para 1(3)(d)",
	  "Unique passwords are not guessable", "mandatory", passwords },
};

size_t fg_requirement_count(void)
{
	return sizeof(requirements) / sizeof(requirements[0]);
}

const fg_requirement *fg_requirement_at(size_t i)
{
	return i < fg_requirement_count() ? &requirements[i] : NULL;
}

const char *fg_verdict_status_name(fg_verdict_status s)
{
	switch (s) {
	case FG_VERDICT_PASS: return "pass";
	case FG_VERDICT_FAIL: return "fail";
	case FG_VERDICT_NOT_DETERMINED: return "not-determined";
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

static void evaluate_one(fg_result *res, const fg_requirement *r)
{
	size_t findings = 0;
	bool all_ran = true;
	char evidence[512] = "";
	size_t elen = 0;
	for (const char *const *c = r->checks; *c; c++) {
		size_t hits = 0;
		for (size_t i = 0; i < res->findings.n; i++)
			if (strcmp(res->findings.v[i].check_id, *c) == 0)
				hits++;
		findings += hits;
		bool ran = check_ran(res, *c);
		all_ran = all_ran && ran;
		int w = snprintf(evidence + elen, sizeof(evidence) - elen, "%s%s: %s", elen ? "; " : "",
				 *c, !ran ? "not run" : hits ? "finding(s)" : "ran, nothing found");
		if (w > 0 && (size_t)w < sizeof(evidence) - elen)
			elen += (size_t)w;
	}
	fg_verdict v = {
		.standard = r->standard,
		.requirement = r->id,
		.title = r->title,
		.level = r->level,
		.status = findings ? FG_VERDICT_FAIL : all_ran ? FG_VERDICT_PASS : FG_VERDICT_NOT_DETERMINED,
		.evidence = fg_arena_strdup(&res->arena, evidence),
		.findings = findings,
	};
	FG_VEC_PUSH(&res->verdicts, v);
}

void fg_compliance_evaluate(fg_result *res)
{
	for (size_t i = 0; i < fg_requirement_count(); i++)
		evaluate_one(res, &requirements[i]);
}
