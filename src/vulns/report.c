/*
 * report.c - vulnerability matches in the JSON report, as a CycloneDX
 * vulnerabilities array (for the SBOM writer), and as OpenVEX.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vulns/match.h"
#include "vulns/vex.h"

static void knum(fg_jsonw *w, const char *key, double v)
{
	fg_jw_key(w, key);
	if (v < 0)
		fg_jw_null(w);
	else
		fg_jw_double(w, v);
}

void fg_vulns_write_match(fg_jsonw *w, const fg_vuln_match *v, const char *component)
{
	fg_jw_obj(w);
	fg_jw_kstr(w, "id", v->id);
	fg_jw_kstr(w, "component", component);
	fg_jw_kuint(w, "component_index", v->component);
	fg_jw_kstr(w, "source", v->source);
	fg_jw_kstr(w, "severity", v->severity);
	knum(w, "cvss", v->cvss);
	fg_jw_kstr(w, "cvss_vector", v->cvss_vector);
	fg_jw_kstr(w, "cvss_version", v->cvss_version);
	fg_jw_kstr(w, "cwe", v->cwe);
	fg_jw_kstr(w, "published", v->published);
	fg_jw_kstr(w, "modified", v->modified);
	fg_jw_kbool(w, "kev", v->kev);
	fg_jw_kstr(w, "kev_date_added", v->kev_date_added);
	fg_jw_kstr(w, "kev_due_date", v->kev_due_date);
	fg_jw_kbool(w, "kev_ransomware", v->kev_ransomware);
	knum(w, "epss", v->epss);
	knum(w, "epss_percentile", v->epss_percentile);
	fg_jw_kstr(w, "rule", v->rule);
	fg_jw_kstr(w, "criteria", v->criteria);
	fg_jw_kstr(w, "confidence", fg_vuln_confidence_name(v->confidence));
	fg_jw_kstr(w, "status", fg_vuln_status_name(v->status));
	fg_jw_kstr(w, "justification", v->justification);
	fg_jw_kstr(w, "status_detail", v->status_detail);
	fg_jw_kstr(w, "evidence", v->evidence);
	fg_jw_obj_end(w);
}

static const char *comp_name(const fg_result *r, size_t i)
{
	return i < r->components.n ? r->components.v[i].name : NULL;
}

void fg_vulns_write_json(fg_jsonw *w, const fg_result *r)
{
	fg_jw_key(w, "vulnerabilities");
	fg_jw_arr(w);
	for (size_t i = 0; i < r->vulns.n; i++)
		fg_vulns_write_match(w, &r->vulns.v[i], comp_name(r, r->vulns.v[i].component));
	fg_jw_arr_end(w);
	/* per component: records that could not be assessed */
	fg_jw_key(w, "vulnerabilities_no_applicability_data");
	fg_jw_arr(w);
	size_t i = 0;
	while (i < r->vulns.n_nodata) {
		size_t c = r->vulns.nodata[i].component;
		fg_jw_obj(w);
		fg_jw_kstr(w, "component", comp_name(r, c));
		fg_jw_kuint(w, "component_index", c);
		fg_jw_key(w, "records");
		fg_jw_arr(w);
		for (; i < r->vulns.n_nodata && r->vulns.nodata[i].component == c; i++) {
			const fg_vuln_nodata *d = &r->vulns.nodata[i];
			fg_jw_obj(w);
			fg_jw_kstr(w, "id", d->id);
			fg_jw_kstr(w, "nvd_status", d->status);
			fg_jw_kbool(w, "kev", d->kev);
			fg_jw_obj_end(w);
		}
		fg_jw_arr_end(w);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
}

/* CycloneDX 1.5 analysis.state / justification for a match. */
static const char *cdx_state(fg_vuln_status s)
{
	switch (s) {
	case FG_VULN_AFFECTED: return "exploitable";
	case FG_VULN_NOT_AFFECTED: return "not_affected";
	case FG_VULN_FIXED: return "resolved";
	case FG_VULN_UNDER_INVESTIGATION: return "in_triage";
	}
	return "in_triage";
}

static const char *cdx_justification(const char *j)
{
	static const struct { const char *ovx, *cdx; } map[] = {
		{ "vulnerable_code_not_present", "code_not_present" },
		{ "component_not_present", "requires_dependency" },
		{ "vulnerable_code_not_in_execute_path", "code_not_reachable" },
		{ "vulnerable_code_cannot_be_controlled_by_adversary", "requires_environment" },
		{ "inline_mitigations_already_exist", "protected_by_mitigating_control" },
	};
	static const char *const cdx_names[] = {
		"code_not_present", "code_not_reachable", "requires_configuration", "requires_dependency",
		"requires_environment", "protected_by_compiler", "protected_at_runtime",
		"protected_at_perimeter", "protected_by_mitigating_control",
	};
	if (!j)
		return NULL;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(j, map[i].ovx))
			return map[i].cdx;
	for (size_t i = 0; i < sizeof(cdx_names) / sizeof(cdx_names[0]); i++)
		if (!strcmp(j, cdx_names[i]))
			return j;
	return NULL;
}

void fg_vulns_write_cyclonedx(fg_jsonw *w, const fg_result *r, fg_vulns_bom_ref_fn bom_ref, void *ud)
{
	fg_jw_arr(w);
	for (size_t i = 0; i < r->vulns.n; i++) {
		const fg_vuln_match *v = &r->vulns.v[i];
		fg_jw_obj(w);
		fg_jw_kstr(w, "id", v->id);
		fg_jw_key(w, "source");
		fg_jw_obj(w);
		if (!strncmp(v->id, "CVE-", 4)) {
			fg_jw_kstr(w, "name", "NVD");
			char url[128];
			snprintf(url, sizeof(url), "https://nvd.nist.gov/vuln/detail/%s", v->id);
			fg_jw_kstr(w, "url", url);
		} else {
			fg_jw_kstr(w, "name", "OSV");
		}
		fg_jw_obj_end(w);
		if (v->cvss >= 0) {
			fg_jw_key(w, "ratings");
			fg_jw_arr(w);
			fg_jw_obj(w);
			fg_jw_key(w, "score");
			fg_jw_double(w, v->cvss);
			if (v->severity)
				fg_jw_kstr(w, "severity", v->severity);
			const char *method = !v->cvss_version ? "other" :
					     !strcmp(v->cvss_version, "3.1") ? "CVSSv31" :
					     !strcmp(v->cvss_version, "3.0") ? "CVSSv3" :
					     !strcmp(v->cvss_version, "4.0") ? "CVSSv4" :
					     !strcmp(v->cvss_version, "2.0") ? "CVSSv2" : "other";
			fg_jw_kstr(w, "method", method);
			if (v->cvss_vector)
				fg_jw_kstr(w, "vector", v->cvss_vector);
			fg_jw_obj_end(w);
			fg_jw_arr_end(w);
		}
		if (v->cwe) {
			fg_jw_key(w, "cwes");
			fg_jw_arr(w);
			const char *p = v->cwe;
			while (*p) {
				size_t l = strcspn(p, ",");
				if (!strncmp(p, "CWE-", 4))
					fg_jw_int(w, strtoll(p + 4, NULL, 10));
				p += l + (p[l] == ',');
			}
			fg_jw_arr_end(w);
		}
		if (v->published)
			fg_jw_kstr(w, "published", v->published);
		if (v->modified)
			fg_jw_kstr(w, "updated", v->modified);
		fg_jw_key(w, "analysis");
		fg_jw_obj(w);
		fg_jw_kstr(w, "state", cdx_state(v->status));
		const char *j = cdx_justification(v->justification);
		if (v->status == FG_VULN_NOT_AFFECTED && j)
			fg_jw_kstr(w, "justification", j);
		char detail[1024];
		snprintf(detail, sizeof(detail), "%s (confidence %s)%s%s", v->rule ? v->rule : "",
			 fg_vuln_confidence_name(v->confidence), v->status_detail ? "; " : "",
			 v->status_detail ? v->status_detail : "");
		fg_jw_kstr(w, "detail", detail);
		fg_jw_obj_end(w);
		const char *ref = bom_ref ? bom_ref(r, v->component, ud) : NULL;
		if (ref) {
			fg_jw_key(w, "affects");
			fg_jw_arr(w);
			fg_jw_obj(w);
			fg_jw_kstr(w, "ref", ref);
			fg_jw_obj_end(w);
			fg_jw_arr_end(w);
		}
		fg_jw_key(w, "properties");
		fg_jw_arr(w);
		if (v->kev) {
			fg_jw_obj(w);
			fg_jw_kstr(w, "name", "firmgate:kev");
			fg_jw_kstr(w, "value", v->kev_date_added ? v->kev_date_added : "true");
			fg_jw_obj_end(w);
		}
		if (v->epss >= 0) {
			char buf[32];
			snprintf(buf, sizeof(buf), "%.6g", v->epss);
			fg_jw_obj(w);
			fg_jw_kstr(w, "name", "firmgate:epss");
			fg_jw_kstr(w, "value", buf);
			fg_jw_obj_end(w);
		}
		fg_jw_obj(w);
		fg_jw_kstr(w, "name", "firmgate:confidence");
		fg_jw_kstr(w, "value", fg_vuln_confidence_name(v->confidence));
		fg_jw_obj_end(w);
		fg_jw_arr_end(w);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
}

int fg_report_openvex(const fg_result *r, FILE *out)
{
	size_t n = r->components.n;
	fg_vex_component *vc = calloc(n ? n : 1, sizeof(*vc));
	if (!vc)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const fg_component *c = &r->components.v[i];
		vc[i] = (fg_vex_component){ c->name, c->version, c->purl, c->cpe };
	}
	/* SOURCE_DATE_EPOCH makes the document reproducible */
	time_t t = time(NULL);
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde)
		t = (time_t)strtoll(sde, NULL, 10);
	struct tm tm;
	char ts[40];
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	int rc = fg_vex_write_openvex(out, &r->vulns, vc, n, ts);
	free(vc);
	return rc;
}
