/*
 * evaluate.c - requirement verdicts.
 *
 * For every requirement of every catalogued baseline:
 *   - fail: a check that bears on it reported a finding of low severity
 *     or above (whatever the requirement's class: a finding in the image
 *     refutes a declaration too); informational and suppressed findings
 *     do not fail;
 *   - pass: it is firmware-checkable, checks bear on it, and all of them
 *     ran on at least one file tree of the image and found nothing;
 *   - not-determined: it is firmware-checkable but no check covers its
 *     evidence yet, or no file tree was found to run them on;
 *   - declaration-missing: only the manufacturer can show it;
 *   - needs-device: a running device or a hardware test is needed;
 *   - declared: the manufacturer's declaration states it (a statement
 *     under `requirements:`, or a rule of declaration-map.tsv whose fields
 *     are declared); a firmware pass stays a pass;
 *   - not-applicable: declared not applicable with a justification, or
 *     the feature it is conditional on declared absent.
 * A declaration never overrides firmware evidence: a finding of a covering
 * check, or of a check refuting the declaration rule, is a fail; so is a
 * requirement the manufacturer declares not met.
 */
#include "compliance/evaluate.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compliance/declaration.h"

const char *fg_verdict_status_name(fg_verdict_status s)
{
	switch (s) {
	case FG_VERDICT_PASS: return "pass";
	case FG_VERDICT_FAIL: return "fail";
	case FG_VERDICT_NOT_DETERMINED: return "not-determined";
	case FG_VERDICT_DECLARATION_MISSING: return "declaration-missing";
	case FG_VERDICT_NEEDS_DEVICE: return "needs-device-test";
	case FG_VERDICT_DECLARED: return "declared";
	case FG_VERDICT_NOT_APPLICABLE: return "not-applicable";
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
 * not show a requirement broken; suppressed ones were accepted, with a
 * justification, in the suppressions file. */
static size_t findings_of(const fg_result *res, const char *id)
{
	size_t n = 0;
	for (size_t i = 0; i < res->findings.n; i++)
		if (res->findings.v[i].severity > FG_SEV_INFO && !res->findings.v[i].suppression &&
		    strcmp(res->findings.v[i].check_id, id) == 0)
			n++;
	return n;
}

static size_t suppressed_of(const fg_result *res, const char *id)
{
	size_t n = 0;
	for (size_t i = 0; i < res->findings.n; i++)
		if (res->findings.v[i].suppression && strcmp(res->findings.v[i].check_id, id) == 0)
			n++;
	return n;
}

typedef struct buf {
	char s[2048];
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

/* ---- the declaration's part -------------------------------------------------------- */

/* Does declaration D satisfy one term of a rule: "a.b" (present) or
 * "a.b=v1|v2" (present with one of the values)? */
static bool term_holds(const fg_declaration *d, const char *term, size_t len)
{
	char path[256];
	const char *eq = memchr(term, '=', len);
	size_t pl = eq ? (size_t)(eq - term) : len;
	if (pl >= sizeof(path))
		return false;
	memcpy(path, term, pl);
	path[pl] = '\0';
	if (!eq)
		return fg_decl_has(d, path);
	const fg_decl_field *f = fg_decl_field_get(d, path);
	if (!f)
		return false;
	size_t vl = strlen(f->value);
	for (const char *p = eq + 1; p < term + len;) {
		size_t l = strcspn(p, "|+");
		if (l == vl && !strncmp(p, f->value, l))
			return true;
		p += l + 1;
	}
	return false;
}

static bool rule_holds(const fg_declaration *d, const fg_decl_rule *rule)
{
	for (const char *p = rule->fields; *p;) {
		size_t len = strcspn(p, "+");
		if (!term_holds(d, p, len))
			return false;
		p += len + (p[len] == '+');
	}
	return true;
}

static bool rule_names(const fg_decl_rule *rule, const fg_requirement *r)
{
	for (size_t i = 0; i < rule->nreqs; i++)
		if (rule->reqs[i] == r)
			return true;
	return false;
}

/* Appends "path = value (line N)" for every field a rule term names. */
static void add_fields(buf *b, const fg_declaration *d, const char *term, size_t len)
{
	size_t pl = strcspn(term, "=");
	if (pl > len)
		pl = len;
	for (size_t i = 0; i < d->nfields; i++) {
		const fg_decl_field *f = &d->fields[i];
		if (strncmp(f->path, term, pl) != 0 || (f->path[pl] && f->path[pl] != '.'))
			continue;
		add(b, "%s%s = %.100s (line %u)", b->len ? "; " : "", f->path, f->value, f->line);
	}
}

typedef struct decl_view {
	const fg_decl_statement *stmt;
	bool declared, not_applicable;   /* by a rule of declaration-map.tsv */
	size_t refuting;                 /* findings of the rules' refuting checks */
	buf text;                        /* what was declared */
	buf refuted_by;
} decl_view;

static bool among(const char *const *list, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == id)
			return true;
	return false;
}

static void view_declaration(const fg_result *res, const fg_requirement *r, decl_view *dv)
{
	const fg_declaration *d = res->declaration;
	if (!d)
		return;
	dv->stmt = fg_decl_statement_of(d, r);
	if (dv->stmt) {
		const fg_decl_statement *s = dv->stmt;
		add(&dv->text, "%s:%u: requirements: %s/%s is %s%s%.300s", d->file, s->line,
		    r->standard, r->id, fg_decl_status_name(s->status),
		    s->justification ? ": " : "", s->justification ? s->justification : "");
	}
	for (size_t i = 0; i < fg_decl_rule_count(); i++) {
		const fg_decl_rule *rule = fg_decl_rule_at(i);
		if (!rule_names(rule, r) || !rule_holds(d, rule))
			continue;
		if (rule->not_applicable)
			dv->not_applicable = true;
		else
			dv->declared = true;
		add(&dv->text, "%s%s: %s: ", dv->text.len ? "; " : "", d->file, rule->states);
		buf fields = { "", 0 };
		for (const char *p = rule->fields; *p;) {
			size_t len = strcspn(p, "+");
			add_fields(&fields, d, p, len);
			p += len + (p[len] == '+');
		}
		add(&dv->text, "%s", fields.s);
		for (size_t k = 0; k < rule->nchecks; k++) {
			const char *c = rule->checks[k];
			size_t hits;
			if (among(r->checks, r->nchecks, c) || !(hits = findings_of(res, c)))
				continue;
			dv->refuting += hits;
			add(&dv->refuted_by, "%s%s: finding(s)", dv->refuted_by.len ? "; " : "", c);
		}
	}
}

/* ---- one verdict ------------------------------------------------------------------- */

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
		    !did ? "not run" : hits ? "finding(s)"
		    : suppressed_of(res, c) ? "ran, only suppressed finding(s)" : "ran, nothing found");
	}
	decl_view dv = { 0 };
	view_declaration(res, r, &dv);
	bool said = dv.stmt || dv.declared || dv.not_applicable;
	bool fw_pass = r->cls == FG_REQ_FW && r->nchecks && ran == r->nchecks;

	fg_verdict_status st;
	if (findings || dv.refuting) {
		/* firmware evidence wins over anything declared */
		st = FG_VERDICT_FAIL;
		if (dv.refuting)
			add(&ev, "%s%s", ev.len ? "; " : "", dv.refuted_by.s);
		if (said)
			add(&ev, "; the declaration says otherwise, but a declaration cannot refute "
			    "what the image shows");
	} else if (dv.stmt && dv.stmt->status == FG_DECL_NOT_MET) {
		st = FG_VERDICT_FAIL;
		add(&ev, "%sthe manufacturer declares it not met", ev.len ? "; " : "");
	} else if ((dv.stmt && dv.stmt->status == FG_DECL_NOT_APPLICABLE) ||
		   (!dv.stmt && dv.not_applicable)) {
		st = FG_VERDICT_NOT_APPLICABLE;
		add(&ev, "%sdeclared not applicable by the manufacturer", ev.len ? "; " : "");
	} else if (fw_pass) {
		st = FG_VERDICT_PASS;
	} else if (said) {
		st = FG_VERDICT_DECLARED;
		add(&ev, "%sdeclared by the manufacturer (not verified by firmgate)", ev.len ? "; " : "");
	} else if (r->cls == FG_REQ_FW) {
		st = FG_VERDICT_NOT_DETERMINED;
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
		.declared = said ? fg_arena_strdup(&res->arena, dv.text.s) : NULL,
		.findings = findings + dv.refuting,
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

bool fg_level_is(const char *level, fg_level_filter which)
{
	switch (which) {
	case FG_LEVEL_MANDATORY: return strncmp(level, "mandatory", 9) == 0;
	case FG_LEVEL_RECOMMENDED: return strncmp(level, "recommended", 11) == 0;
	default: return true;
	}
}

void fg_compliance_summary(const fg_result *res, const char *standard, fg_level_filter which,
			   size_t counts[FG_VERDICT_KINDS])
{
	memset(counts, 0, FG_VERDICT_KINDS * sizeof(counts[0]));
	for (size_t i = 0; i < res->verdicts.n; i++) {
		const fg_verdict *v = &res->verdicts.v[i];
		if (strcmp(v->standard, standard) != 0 || !fg_level_is(v->level, which))
			continue;
		counts[v->status]++;
	}
}
