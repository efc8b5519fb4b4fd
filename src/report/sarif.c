/*
 * sarif.c - SARIF 2.1.0 for code-scanning tools.
 *
 * One run; every check that ran is a rule (with its remediation as help
 * and the requirements it bears on as properties); every finding is a
 * result located at its path inside the image's file tree, with the
 * provenance chain as the artifact's description and the finding's
 * fingerprint as a partial fingerprint, so a code-scanning service tracks
 * the same finding across scans and releases.
 */
#include <string.h>

#include "checks/check.h"
#include "compliance/evaluate.h"
#include "core/result.h"
#include "core/suppress.h"
#include "report/jsonw.h"

static const char *level_of(fg_severity s)
{
	switch (s) {
	case FG_SEV_CRITICAL:
	case FG_SEV_HIGH: return "error";
	case FG_SEV_MEDIUM: return "warning";
	default: return "note";
	}
}

/* GitHub code scanning ranks results by this 0.0-10.0 score. */
static const char *security_severity(fg_severity s)
{
	switch (s) {
	case FG_SEV_CRITICAL: return "9.5";
	case FG_SEV_HIGH: return "8.0";
	case FG_SEV_MEDIUM: return "5.5";
	case FG_SEV_LOW: return "3.0";
	default: return "0.0";
	}
}

static void write_requirements(fg_jsonw *w, const char *check_id)
{
	fg_jw_key(w, "requirements");
	fg_jw_arr(w);
	for (size_t i = 0; i < fg_requirement_count(); i++) {
		const fg_requirement *r = fg_requirement_at(i);
		for (size_t k = 0; k < r->nchecks; k++) {
			if (strcmp(r->checks[k], check_id) == 0) {
				char buf[160];
				snprintf(buf, sizeof(buf), "%s %s", r->standard, r->id);
				fg_jw_str(w, buf);
				break;
			}
		}
	}
	fg_jw_arr_end(w);
}

/* The check's severity after the severity rules (--severity). */
static fg_severity rule_severity(const fg_result *r, const fg_check *c)
{
	int level = fg_policy_severity(r->policy, c->id, (int)c->severity);
	return level == FG_SEVERITY_OFF ? c->severity : (fg_severity)level;
}

static void write_rule(fg_jsonw *w, const fg_result *r, const fg_check *c)
{
	fg_severity sev = rule_severity(r, c);
	fg_jw_obj(w);
	fg_jw_kstr(w, "id", c->id);
	fg_jw_kstr(w, "name", c->id);
	fg_jw_key(w, "shortDescription");
	fg_jw_obj(w);
	fg_jw_kstr(w, "text", c->title);
	fg_jw_obj_end(w);
	fg_jw_key(w, "help");
	fg_jw_obj(w);
	fg_jw_kstr(w, "text", c->remediation);
	fg_jw_obj_end(w);
	fg_jw_key(w, "defaultConfiguration");
	fg_jw_obj(w);
	fg_jw_kstr(w, "level", level_of(sev));
	fg_jw_obj_end(w);
	fg_jw_key(w, "properties");
	fg_jw_obj(w);
	fg_jw_kstr(w, "security-severity", security_severity(sev));
	fg_jw_kstr(w, "firmgate-severity", fg_severity_name(sev));
	fg_jw_key(w, "tags");
	fg_jw_arr(w);
	fg_jw_str(w, "security");
	fg_jw_str(w, "firmware");
	fg_jw_arr_end(w);
	write_requirements(w, c->id);
	fg_jw_obj_end(w);
	fg_jw_obj_end(w);
}

static int rule_index(const fg_result *r, const char *id)
{
	for (size_t i = 0; i < r->checks_run.n; i++)
		if (strcmp(r->checks_run.v[i], id) == 0)
			return (int)i;
	return -1;
}

/* A suppression from the suppressions file is "external" (not a comment
 * in the scanned source) and accepted: the reviewer wrote it. */
static void write_suppressions(fg_jsonw *w, const fg_finding_suppression *sup)
{
	fg_jw_key(w, "suppressions");
	fg_jw_arr(w);
	fg_jw_obj(w);
	fg_jw_kstr(w, "kind", "external");
	fg_jw_kstr(w, "status", "accepted");
	fg_jw_kstr(w, "justification", sup->justification);
	fg_jw_key(w, "properties");
	fg_jw_obj(w);
	fg_jw_kstr(w, "source", sup->source);
	if (sup->owner)
		fg_jw_kstr(w, "owner", sup->owner);
	if (sup->expires)
		fg_jw_kstr(w, "expires", sup->expires);
	fg_jw_obj_end(w);
	fg_jw_obj_end(w);
	fg_jw_arr_end(w);
}

static void write_result(fg_jsonw *w, const fg_result *r, const fg_finding *f)
{
	fg_jw_obj(w);
	fg_jw_kstr(w, "ruleId", f->check_id);
	int idx = rule_index(r, f->check_id);
	if (idx >= 0)
		fg_jw_kint(w, "ruleIndex", idx);
	fg_jw_kstr(w, "level", level_of(f->severity));
	fg_jw_key(w, "message");
	fg_jw_obj(w);
	fg_jw_kstr(w, "text", f->message);
	fg_jw_obj_end(w);

	fg_jw_key(w, "locations");
	fg_jw_arr(w);
	fg_jw_obj(w);
	fg_jw_key(w, "physicalLocation");
	fg_jw_obj(w);
	fg_jw_key(w, "artifactLocation");
	fg_jw_obj(w);
	/* relative to the file tree's root, which SARIF names as a base */
	fg_jw_kstr(w, "uri", f->path[0] == '/' ? f->path + 1 : f->path);
	fg_jw_kstr(w, "uriBaseId", "FIRMWARE_ROOT");
	fg_jw_key(w, "description");
	fg_jw_obj(w);
	fg_jw_kstr(w, "text", f->container);
	fg_jw_obj_end(w);
	fg_jw_obj_end(w);
	if (f->line) {
		fg_jw_key(w, "region");
		fg_jw_obj(w);
		fg_jw_kuint(w, "startLine", f->line);
		if (f->excerpt) {
			fg_jw_key(w, "snippet");
			fg_jw_obj(w);
			fg_jw_kstr(w, "text", f->excerpt);
			fg_jw_obj_end(w);
		}
		fg_jw_obj_end(w);
	} else if (f->offset >= 0) {
		fg_jw_key(w, "region");
		fg_jw_obj(w);
		fg_jw_kint(w, "byteOffset", f->offset);
		fg_jw_obj_end(w);
	}
	fg_jw_obj_end(w);
	fg_jw_key(w, "logicalLocations");
	fg_jw_arr(w);
	fg_jw_obj(w);
	fg_jw_kstr(w, "fullyQualifiedName", f->container);
	fg_jw_kstr(w, "kind", "module");
	fg_jw_obj_end(w);
	fg_jw_arr_end(w);
	fg_jw_obj_end(w);
	fg_jw_arr_end(w);

	fg_jw_key(w, "partialFingerprints");
	fg_jw_obj(w);
	fg_jw_kstr(w, "firmgateFinding/v1", f->fingerprint);
	fg_jw_obj_end(w);
	if (f->suppression)
		write_suppressions(w, f->suppression);
	fg_jw_key(w, "properties");
	fg_jw_obj(w);
	fg_jw_kstr(w, "severity", fg_severity_name(f->severity));
	if (f->severity_overridden)
		fg_jw_kstr(w, "severityOverriddenFrom", fg_severity_name(f->original_severity));
	fg_jw_kstr(w, "container", f->container);
	fg_jw_kstr(w, "remediation", f->remediation);
	fg_jw_obj_end(w);
	fg_jw_obj_end(w);
}

int fg_report_sarif(const fg_result *r, FILE *out)
{
	fg_jsonw w;
	fg_jw_init(&w, out);
	fg_jw_obj(&w);
	fg_jw_kstr(&w, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
	fg_jw_kstr(&w, "version", "2.1.0");
	fg_jw_key(&w, "runs");
	fg_jw_arr(&w);
	fg_jw_obj(&w);

	fg_jw_key(&w, "tool");
	fg_jw_obj(&w);
	fg_jw_key(&w, "driver");
	fg_jw_obj(&w);
	fg_jw_kstr(&w, "name", "firmgate");
	fg_jw_kstr(&w, "version", fg_version());
	fg_jw_kstr(&w, "semanticVersion", fg_version());
	fg_jw_key(&w, "rules");
	fg_jw_arr(&w);
	for (size_t i = 0; i < r->checks_run.n; i++) {
		const fg_check *c = fg_check_find(r->checks_run.v[i]);
		if (c)
			write_rule(&w, r, c);
	}
	fg_jw_arr_end(&w);
	fg_jw_obj_end(&w);
	fg_jw_obj_end(&w);

	fg_jw_key(&w, "originalUriBaseIds");
	fg_jw_obj(&w);
	fg_jw_key(&w, "FIRMWARE_ROOT");
	fg_jw_obj(&w);
	fg_jw_key(&w, "description");
	fg_jw_obj(&w);
	fg_jw_kstr(&w, "text", "Root of a file tree unpacked from the scanned image; each result's "
				"artifact description names the tree's provenance chain.");
	fg_jw_obj_end(&w);
	fg_jw_obj_end(&w);
	fg_jw_obj_end(&w);

	fg_jw_key(&w, "results");
	fg_jw_arr(&w);
	for (size_t i = 0; i < r->findings.n; i++)
		write_result(&w, r, &r->findings.v[i]);
	fg_jw_arr_end(&w);

	fg_jw_key(&w, "properties");
	fg_jw_obj(&w);
	fg_jw_kstr(&w, "input", r->input_name);
	fg_jw_obj_end(&w);

	fg_jw_obj_end(&w);
	fg_jw_arr_end(&w);
	fg_jw_obj_end(&w);
	return ferror(out) ? -1 : 0;
}
