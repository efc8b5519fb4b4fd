/*
 * html.c - the HTML report: one self-contained page (inline CSS, JS and
 * SVG; a Content-Security-Policy forbids every fetch) for a browser and for
 * print.
 *
 * It reads the same model as the other renderers (struct fg_result, the
 * catalog, the hardening scan the JSON report also uses) and only lays it
 * out: summary, requirement verdicts, findings grouped by check, the SBOM
 * with its vulnerabilities, the unpacked tree and its coverage map, ELF
 * hardening, diagnostics. Sorting and filtering happen in the page
 * (data/report/report.js). Output is deterministic.
 */
#include <string.h>

#include "compliance/evaluate.h"
#include "core/result.h"
#include "elf/hardening.h"
#include "report/html_common.h"
#include "report/report_internal.h"

typedef FG_VEC(const char *) str_vec;

/* ---- helpers ------------------------------------------------------------- */

static bool str_in(const str_vec *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return true;
	return false;
}

/* Check IDs in the order their first finding appears (severity first). */
static void finding_groups(const fg_result *r, str_vec *out)
{
	for (size_t i = 0; i < r->findings.n; i++)
		if (!str_in(out, r->findings.v[i].check_id))
			FG_VEC_PUSH(out, r->findings.v[i].check_id);
}

/* The catalog entry of a verdict. Verdicts come in catalog order, so the
 * search starts where the last one was found. */
static const fg_requirement *requirement_of(const fg_verdict *v, size_t *hint)
{
	size_t n = fg_requirement_count();
	for (size_t k = 0; k < n; k++) {
		size_t i = (*hint + k) % n;
		const fg_requirement *q = fg_requirement_at(i);
		if (!strcmp(q->standard, v->standard) && !strcmp(q->id, v->requirement)) {
			*hint = i + 1;
			return q;
		}
	}
	return NULL;
}

static void verdict_badge(FILE *out, fg_verdict_status s)
{
	const char *name = fg_verdict_status_name(s);
	fputs("<span class=\"verdict v-", out);
	fg_html_token(out, name);
	fg_hprintf(out, "\">%s</span>", name);
}

/* Maps a CVSS severity name onto the finding severities for colour and
 * for the severity toggles; "none" and unknown stay neutral. */
static const char *cvss_sev_class(const char *s, int *rank)
{
	fg_severity sev;
	if (s && fg_severity_parse(s, &sev) == 0) {
		*rank = (int)sev;
		return fg_severity_name(sev);
	}
	*rank = -1;
	return NULL;
}

static double percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* ---- header and summary -------------------------------------------------- */

static void write_header(FILE *out, const fg_result *r)
{
	fputs("<header class=\"page\">\n<h1>firmgate report: ", out);
	fg_html_esc(out, r->input_name);
	fputs("</h1>\n<div class=\"meta\">", out);
	fg_hprintf(out, "<span>%s</span>", r->input_is_dir ? "directory" : "file");
	fputs("<span>", out);
	fg_html_bytes(out, r->input_size);
	fg_hprintf(out, "</span><span>%zu file tree(s)</span><span>%zu component(s)</span>"
		   "<span>%zu finding(s)</span><span>firmgate %s</span></div>\n</header>\n",
		   r->filesystems.n, r->components.n, r->findings.n, fg_version());
}

static const char nav[] =
	"<a href=\"#summary\">Summary</a><a href=\"#compliance\">Compliance</a>"
	"<a href=\"#findings\">Findings</a><a href=\"#sbom\">SBOM &amp; CVEs</a>"
	"<a href=\"#unpack\">Unpacking</a><a href=\"#hardening\">Hardening</a>"
	"<a href=\"#diagnostics\">Diagnostics</a>";

static void write_severity_cards(FILE *out, const fg_result *r)
{
	size_t by[5] = { 0 };
	for (size_t i = 0; i < r->findings.n; i++)
		by[r->findings.v[i].severity]++;
	fputs("<div class=\"cards\">\n", out);
	for (int s = FG_SEV_CRITICAL; s >= FG_SEV_INFO; s--) {
		const char *name = fg_severity_name((fg_severity)s);
		fg_hprintf(out, "<div class=\"card sev-%s\"><div class=\"n\">%zu</div><div class=\"l\">%s</div></div>\n",
			   name, by[s], name);
	}
	size_t affected = 0, kev = 0;
	for (size_t i = 0; i < r->vulns.n; i++) {
		affected += r->vulns.v[i].status == FG_VULN_AFFECTED;
		kev += r->vulns.v[i].status == FG_VULN_AFFECTED && r->vulns.v[i].kev;
	}
	fg_hprintf(out, "<div class=\"card\"><div class=\"n\">%zu</div><div class=\"l\">components</div></div>\n",
		   r->components.n);
	if (r->vulns.matched)
		fg_hprintf(out, "<div class=\"card\"><div class=\"n\">%zu</div><div class=\"l\">CVEs affecting them "
			   "(%zu in KEV)</div></div>\n", affected, kev);
	else
		fputs("<div class=\"card\"><div class=\"n\">n/a</div><div class=\"l\">CVEs: no database</div></div>\n",
		      out);
	fputs("</div>\n", out);
}

/* A stacked bar of verdict counts; widths are shares of TOTAL. */
static void verdict_bar(FILE *out, const size_t counts[FG_VERDICT_KINDS], size_t total)
{
	fputs("<div class=\"bar\" role=\"img\" aria-label=\"", out);
	for (int k = 0; k < FG_VERDICT_KINDS; k++)
		fg_hprintf(out, "%s%s %zu", k ? ", " : "", fg_verdict_status_name((fg_verdict_status)k), counts[k]);
	fputs("\">", out);
	for (int k = 0; k < FG_VERDICT_KINDS; k++) {
		if (!counts[k])
			continue;
		const char *name = fg_verdict_status_name((fg_verdict_status)k);
		fputs("<span class=\"v-", out);
		fg_html_token(out, name);
		fg_hprintf(out, "\" style=\"width:%.3f%%\" title=\"%s: %zu\"></span>", percent(counts[k], total),
			   name, counts[k]);
	}
	fputs("</div>", out);
}

static void verdict_legend(FILE *out)
{
	fputs("<div class=\"legend\">", out);
	for (int k = 0; k < FG_VERDICT_KINDS; k++) {
		const char *name = fg_verdict_status_name((fg_verdict_status)k);
		fputs("<span><i class=\"v-", out);
		fg_html_token(out, name);
		fg_hprintf(out, "\"></i>%s</span>", name);
	}
	fputs("</div>\n", out);
}

/* "2 pass, 23 fail, ..." under a bar. */
static void verdict_counts(FILE *out, const size_t counts[FG_VERDICT_KINDS])
{
	fputs("<div class=\"muted small\">", out);
	bool first = true;
	for (int k = 0; k < FG_VERDICT_KINDS; k++) {
		if (!counts[k])
			continue;
		fg_hprintf(out, "%s%zu %s", first ? "" : ", ", counts[k], fg_verdict_status_name((fg_verdict_status)k));
		first = false;
	}
	fputs("</div>", out);
}

static void write_standards_summary(FILE *out, const fg_result *r)
{
	fputs("<h3>Baselines</h3>\n", out);
	if (!r->verdicts.n) {
		fputs("<p class=\"muted\">No baseline was evaluated.</p>\n", out);
		return;
	}
	verdict_legend(out);
	fputs("<table class=\"sortable\" id=\"standards-table\">\n<thead><tr><th>standard</th>"
	      "<th class=\"num\">requirements</th><th class=\"num\">mandatory failed</th>"
	      "<th class=\"num\">failed</th><th>mandatory</th><th>recommended</th><th>all requirements</th></tr></thead>\n"
	      "<tbody>\n", out);
	for (size_t s = 0; s < fg_standard_count(); s++) {
		const fg_standard *st = fg_standard_at(s);
		size_t all[FG_VERDICT_KINDS], man[FG_VERDICT_KINDS], rec[FG_VERDICT_KINDS];
		size_t total = 0, mtotal = 0, rtotal = 0;
		fg_compliance_summary(r, st->id, FG_LEVEL_ALL, all);
		fg_compliance_summary(r, st->id, FG_LEVEL_MANDATORY, man);
		fg_compliance_summary(r, st->id, FG_LEVEL_RECOMMENDED, rec);
		for (int k = 0; k < FG_VERDICT_KINDS; k++)
			total += all[k], mtotal += man[k], rtotal += rec[k];
		if (!total)
			continue;
		fputs("<tr data-filter data-standard=\"", out);
		fg_html_esc(out, st->id);
		fputs("\"><td><a href=\"#std-", out);
		fg_html_token(out, st->id);
		fg_hprintf(out, "\">%s</a><div class=\"muted small\">%s %s</div></td><td class=\"num\">%zu</td>"
			   "<td class=\"num\">%zu</td><td class=\"num\">%zu</td><td>",
			   st->id, st->name, st->edition, total, man[FG_VERDICT_FAIL], all[FG_VERDICT_FAIL]);
		if (mtotal) {
			verdict_bar(out, man, mtotal);
			verdict_counts(out, man);
		} else {
			fputs("<span class=\"muted\">none</span>", out);
		}
		fputs("</td><td>", out);
		if (rtotal) {
			verdict_bar(out, rec, rtotal);
			verdict_counts(out, rec);
		} else {
			fputs("<span class=\"muted\">none</span>", out);
		}
		fputs("</td><td>", out);
		verdict_bar(out, all, total);
		verdict_counts(out, all);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
}

static void coverage_legend(FILE *out, const fg_coverage *c)
{
	uint64_t total = c->identified + c->padding + c->unknown + c->high_entropy;
	static const char *const cls[] = { "identified", "padding", "unknown", "high-entropy" };
	const uint64_t bytes[] = { c->identified, c->padding, c->unknown, c->high_entropy };
	fputs("<div class=\"legend\">", out);
	for (int i = 0; i < 4; i++) {
		fg_hprintf(out, "<span><i class=\"cov-%s\"></i>%s ", cls[i], cls[i]);
		fg_html_bytes(out, bytes[i]);
		fg_hprintf(out, " (%.1f%%)</span>", percent(bytes[i], total));
	}
	fputs("</div>\n", out);
}

static void write_coverage_summary(FILE *out, const fg_result *r)
{
	fg_coverage c;
	if (!fg_input_coverage(r->tree.root, &c)) {
		fputs("<p>Coverage: the input is a directory; every file in it is part of the file tree.</p>\n", out);
		return;
	}
	uint64_t total = c.identified + c.padding + c.unknown + c.high_entropy;
	fg_hprintf(out, "<p id=\"coverage-share\"><strong>%.1f%%</strong> of the image identified "
		   "(%.1f%% by formats, %.1f%% padding); %.1f%% unknown, %.1f%% high-entropy%s. "
		   "<a href=\"#coverage\">Coverage map</a></p>\n",
		   percent(c.identified + c.padding, total), percent(c.identified, total),
		   percent(c.padding, total), percent(c.unknown, total), percent(c.high_entropy, total),
		   c.high_entropy ? " (possibly encrypted or an unknown compression)" : "");
}

static void write_summary(FILE *out, const fg_result *r)
{
	fputs("<section id=\"summary\">\n<h2>Summary</h2>\n", out);
	int max = fg_result_max_severity(r);
	if (max < 0)
		fputs("<p>No findings.</p>\n", out);
	else
		fg_hprintf(out, "<p>%zu finding(s); the most severe is <span class=\"sev sev-%s\">%s</span>.</p>\n",
			   r->findings.n, fg_severity_name((fg_severity)max), fg_severity_name((fg_severity)max));
	size_t suppressed = fg_result_suppressed_count(r);
	if (suppressed)
		fg_hprintf(out, "<p>%zu of them suppressed with a justification: they stay listed, marked, "
			   "but count neither for the gate nor for the verdicts.</p>\n", suppressed);
	write_severity_cards(out, r);
	write_coverage_summary(out, r);
	write_standards_summary(out, r);
	fputs("</section>\n", out);
}

/* ---- compliance ---------------------------------------------------------- */

static void requirement_links(FILE *out, const fg_verdict *v, const fg_requirement *q, const str_vec *groups)
{
	if (!q || !v->findings)
		return;
	for (size_t i = 0; i < q->nchecks; i++) {
		if (!str_in(groups, q->checks[i]))
			continue;
		fputs("<a class=\"tag\" href=\"#check-", out);
		fg_html_token(out, q->checks[i]);
		fg_hprintf(out, "\">%s</a>", q->checks[i]);
	}
}

static void write_standard_table(FILE *out, const fg_result *r, const fg_standard *st, const str_vec *groups,
				 size_t *hint)
{
	size_t all[FG_VERDICT_KINDS], total = 0;
	fg_compliance_summary(r, st->id, FG_LEVEL_ALL, all);
	for (int k = 0; k < FG_VERDICT_KINDS; k++)
		total += all[k];
	if (!total)
		return;
	fputs("<details class=\"standard\" id=\"std-", out);
	fg_html_token(out, st->id);
	fg_hprintf(out, "\"%s><summary>%s: %s <span class=\"muted\">%s</span> (%zu requirements",
		   all[FG_VERDICT_FAIL] ? " open" : "", st->id, st->name, st->edition, total);
	for (int k = 0; k < FG_VERDICT_KINDS; k++)
		if (all[k])
			fg_hprintf(out, ", %zu %s", all[k], fg_verdict_status_name((fg_verdict_status)k));
	fputs(")</summary>\n<table class=\"sortable\">\n<thead><tr><th>requirement</th><th>level</th><th>class</th>"
	      "<th>verdict</th><th>title</th><th>evidence</th><th class=\"num\">findings</th></tr></thead>\n<tbody>\n",
	      out);
	for (size_t i = 0; i < r->verdicts.n; i++) {
		const fg_verdict *v = &r->verdicts.v[i];
		if (strcmp(v->standard, st->id) != 0)
			continue;
		const fg_requirement *q = requirement_of(v, hint);
		fg_hprintf(out, "<tr data-filter data-verdict=\"%s\"><td class=\"mono\">%s</td><td>%s</td><td>%s</td><td>",
			   fg_verdict_status_name(v->status), v->requirement, v->level, v->cls);
		verdict_badge(out, v->status);
		fg_hprintf(out, "</td><td>%s</td><td class=\"wrap\">%s ", v->title, v->evidence);
		if (v->declared)
			fg_hprintf(out, "<div class=\"muted small\">declared: %s</div>", v->declared);
		requirement_links(out, v, q, groups);
		fg_hprintf(out, "</td><td class=\"num\">%zu</td></tr>\n", v->findings);
	}
	fputs("</tbody></table>\n</details>\n", out);
}

static void write_compliance(FILE *out, const fg_result *r, const str_vec *groups)
{
	fputs("<section id=\"compliance\">\n<h2>Compliance, requirement by requirement</h2>\n", out);
	if (!r->verdicts.n) {
		fputs("<p class=\"muted\">No baseline was evaluated.</p>\n</section>\n", out);
		return;
	}
	fputs("<p>Each baseline's requirements with their verdict and the evidence behind it; a failed "
	      "requirement links to the checks whose findings decide it. Baselines with a failed "
	      "requirement are open.</p>\n", out);
	size_t hint = 0;
	for (size_t s = 0; s < fg_standard_count(); s++)
		write_standard_table(out, r, fg_standard_at(s), groups, &hint);
	fputs("</section>\n", out);
}

/* ---- findings ------------------------------------------------------------ */

static void write_finding(FILE *out, const fg_finding *f, size_t index)
{
	const char *sev = fg_severity_name(f->severity);
	fg_hprintf(out, "<article class=\"finding sev-%s%s\" id=\"finding-%zu\" data-filter data-sev=\"%s\" "
		   "data-fingerprint=\"%s\" data-check=\"%s\">\n",
		   sev, f->suppression ? " suppressed" : "", index + 1, sev, f->fingerprint, f->check_id);
	fg_html_sev(out, f->severity);
	if (f->suppression)
		fputs(" <span class=\"tag\">suppressed</span>", out);
	fg_hprintf(out, " %s\n<div class=\"where mono\">%s", f->message, f->path);
	if (f->line)
		fg_hprintf(out, ":%u", f->line);
	if (f->offset >= 0)
		fg_hprintf(out, " <span class=\"muted\">(offset 0x%llx)</span>", (unsigned long long)f->offset);
	fputs("</div>\n", out);
	if (f->excerpt)
		fg_hprintf(out, "<pre class=\"excerpt\">%s</pre>\n", f->excerpt);
	if (f->severity_overridden)
		fg_hprintf(out, "<div class=\"muted\">severity %s by a severity rule (the check says %s)</div>\n",
			   sev, fg_severity_name(f->original_severity));
	if (f->suppression) {
		const fg_finding_suppression *su = f->suppression;
		fg_hprintf(out, "<div class=\"suppression\"><strong>Suppressed</strong> by "
			   "<span class=\"mono\">%s</span>: %s", su->source, su->justification);
		if (su->owner)
			fg_hprintf(out, " (owner %s)", su->owner);
		if (su->expires)
			fg_hprintf(out, " (until %s)", su->expires);
		fputs("; not counted by the gate or the verdicts</div>\n", out);
	}
	fg_hprintf(out, "<div class=\"chain mono\">provenance: %s</div>\n"
		   "<div class=\"fp mono\">fingerprint %s</div>\n</article>\n",
		   f->container, f->fingerprint);
}

static void write_group(FILE *out, const fg_result *r, const char *check)
{
	const fg_finding *first = NULL;
	size_t count = 0;
	for (size_t i = 0; i < r->findings.n; i++) {
		if (strcmp(r->findings.v[i].check_id, check) != 0)
			continue;
		if (!first)
			first = &r->findings.v[i];
		count++;
	}
	if (!first)
		return;
	fg_hprintf(out, "<div class=\"check sev-%s\" data-group id=\"check-", fg_severity_name(first->severity));
	fg_html_token(out, check);
	fg_hprintf(out, "\">\n<h3>%s <span class=\"muted mono\">%s</span> (%zu)</h3>\n", first->title, check, count);
	if (first->remediation)
		fg_hprintf(out, "<div class=\"remediation\"><strong>Remediation:</strong> %s</div>\n", first->remediation);
	for (size_t i = 0; i < r->findings.n; i++)
		if (!strcmp(r->findings.v[i].check_id, check))
			write_finding(out, &r->findings.v[i], i);
	fputs("</div>\n", out);
}

static void write_findings(FILE *out, const fg_result *r, const str_vec *groups)
{
	fg_hprintf(out, "<section id=\"findings\">\n<h2>Findings (%zu)</h2>\n", r->findings.n);
	if (!r->findings.n)
		fputs("<p>No check found anything.</p>\n", out);
	for (size_t g = 0; g < groups->n; g++)
		write_group(out, r, groups->v[g]);
	fg_hprintf(out, "<details><summary>Checks that ran (%zu)</summary>\n<p class=\"mono\">", r->checks_run.n);
	for (size_t i = 0; i < r->checks_run.n; i++)
		fg_hprintf(out, "<span class=\"tag\">%s</span>", r->checks_run.v[i]);
	fputs("</p>\n</details>\n</section>\n", out);
}

/* ---- SBOM and vulnerabilities ------------------------------------------- */

static void write_components(FILE *out, const fg_result *r)
{
	fg_hprintf(out, "<h3>Components (%zu)</h3>\n", r->components.n);
	if (!r->components.n) {
		fputs("<p class=\"muted\">No component identified.</p>\n", out);
		return;
	}
	fputs("<div class=\"scroll\"><table class=\"sortable dense\" id=\"components-table\">\n<thead><tr><th>name</th>"
	      "<th>version</th><th>confidence</th><th>evidence</th><th>path</th><th>CPE / PURL</th>"
	      "<th class=\"num\">files</th><th class=\"num\">CVEs</th></tr></thead>\n<tbody>\n", out);
	for (size_t i = 0; i < r->components.n; i++) {
		const fg_component *c = &r->components.v[i];
		size_t cves = 0;
		for (size_t k = 0; k < r->vulns.n; k++)
			cves += r->vulns.v[k].component == i && r->vulns.v[k].status == FG_VULN_AFFECTED;
		fg_hprintf(out, "<tr data-filter id=\"component-%zu\"><td>%s<div class=\"muted small\">%s</div></td>"
			   "<td class=\"mono\">%s</td><td>%s</td><td class=\"evidence\">%s <span class=\"muted\">%s</span></td>"
			   "<td class=\"mono path\" title=\"%s\">%s</td>"
			   "<td class=\"mono ids small\">%s<br>%s</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td></tr>\n",
			   i + 1, c->name, c->type, *c->version ? c->version : "?", fg_confidence_name(c->confidence),
			   c->method, c->evidence, c->container, c->path, c->cpe ? c->cpe : "",
			   c->purl ? c->purl : "", c->nfiles, cves);
	}
	fputs("</tbody></table></div>\n", out);
}

static void write_vuln_row(FILE *out, const fg_result *r, const fg_vuln_match *v)
{
	const fg_component *c = v->component < r->components.n ? &r->components.v[v->component] : NULL;
	int rank;
	const char *sc = cvss_sev_class(v->severity, &rank);
	fputs("<tr data-filter", out);
	if (sc)
		fg_hprintf(out, " data-sev=\"%s\" class=\"sev-%s\"", sc, sc);
	fg_hprintf(out, " data-cve=\"%s\"><td class=\"mono\">%s</td><td>", v->id, v->id);
	if (c)
		fg_hprintf(out, "<a href=\"#component-%zu\">%s %s</a>", v->component + 1, c->name, c->version);
	fg_hprintf(out, "</td><td data-sort=\"%d\"><span class=\"sev\">%s</span></td>", rank,
		   v->severity ? v->severity : "?");
	if (v->cvss >= 0)
		fg_hprintf(out, "<td class=\"num\" data-sort=\"%.1f\">%.1f <span class=\"muted\">%s</span></td>", v->cvss,
			   v->cvss, v->cvss_version ? v->cvss_version : "");
	else
		fputs("<td class=\"num\" data-sort=\"-1\">?</td>", out);
	if (v->kev)
		fg_hprintf(out, "<td data-sort=\"1\"><span class=\"tag kev\">KEV</span>%s %s%s%s%s</td>",
			   v->kev_ransomware ? " (known ransomware use)" : "",
			   v->kev_date_added ? "added " : "", v->kev_date_added,
			   v->kev_due_date ? ", due " : "", v->kev_due_date);
	else
		fputs("<td data-sort=\"0\"></td>", out);
	if (v->epss >= 0)
		fg_hprintf(out, "<td class=\"num\" data-sort=\"%.5f\">%.2f%%<br><span class=\"muted\">pct %.0f</span></td>",
			   v->epss, 100.0 * v->epss, v->epss_percentile >= 0 ? 100.0 * v->epss_percentile : 0.0);
	else
		fputs("<td class=\"num\" data-sort=\"-1\">?</td>", out);
	fg_hprintf(out, "<td>%s</td><td>%s%s%s</td><td class=\"mono wrap\">%s", fg_vuln_confidence_name(v->confidence),
		   fg_vuln_status_name(v->status), v->justification ? ": " : "", v->justification, v->rule);
	if (v->evidence)
		fg_hprintf(out, "<br><span class=\"muted\">%s</span>", v->evidence);
	if (v->status_detail)
		fg_hprintf(out, "<br><span class=\"muted\">%s</span>", v->status_detail);
	fputs("</td></tr>\n", out);
}

static void write_vulns(FILE *out, const fg_result *r)
{
	fg_hprintf(out, "<h3>Known vulnerabilities (%zu)</h3>\n", r->vulns.n);
	if (!r->vulns.matched) {
		fputs("<p class=\"muted\">Not matched: no vulnerability database was available (see the diagnostics; "
		      "<code>firmgate db update</code>).</p>\n", out);
		return;
	}
	fg_hprintf(out, "<p class=\"muted\">Database: <span class=\"mono\">%s</span>. KEV: in CISA's Known Exploited "
		   "Vulnerabilities catalog. EPSS: probability of exploitation in the next 30 days.</p>\n",
		   r->vulns.database);
	if (r->vulns.n) {
		fputs("<table class=\"sortable\" id=\"vulns-table\">\n<thead><tr><th>ID</th><th>component</th>"
		      "<th>severity</th><th class=\"num\">CVSS</th><th>KEV</th><th class=\"num\">EPSS</th>"
		      "<th>confidence</th><th>status</th><th>why it matched</th></tr></thead>\n<tbody>\n", out);
		for (size_t i = 0; i < r->vulns.n; i++)
			write_vuln_row(out, r, &r->vulns.v[i]);
		fputs("</tbody></table>\n", out);
	}
	if (r->vulns.n_nodata) {
		fg_hprintf(out, "<details><summary>Records without applicability data (%zu): named for a component's "
			   "product, not assessed</summary>\n<table class=\"sortable\">\n<thead><tr><th>ID</th>"
			   "<th>component</th><th>NVD status</th><th>KEV</th></tr></thead>\n<tbody>\n", r->vulns.n_nodata);
		for (size_t i = 0; i < r->vulns.n_nodata; i++) {
			const fg_vuln_nodata *d = &r->vulns.nodata[i];
			const fg_component *c = d->component < r->components.n ? &r->components.v[d->component] : NULL;
			fg_hprintf(out, "<tr data-filter data-cve=\"%s\"><td class=\"mono\">%s</td><td>%s %s</td><td>%s</td>"
				   "<td>%s</td></tr>\n", d->id, d->id, c ? c->name : "?", c ? c->version : "",
				   d->status, d->kev ? "KEV" : "");
		}
		fputs("</tbody></table>\n</details>\n", out);
	}
}

static void write_sbom(FILE *out, const fg_result *r)
{
	fputs("<section id=\"sbom\">\n<h2>Software bill of materials and known vulnerabilities</h2>\n", out);
	write_components(out, r);
	write_vulns(out, r);
	fputs("</section>\n", out);
}

/* ---- unpacking: containers, file trees, coverage ------------------------ */

static bool write_container(fg_node *n, void *ud)
{
	FILE *out = ud;
	const fg_node *c = n->unpacked;
	if (!c || (c->flags & FG_NODE_CARVE))
		return true;
	char chain[4096];
	fg_node_chain_buf(c, chain, sizeof(chain));
	unsigned depth = c->depth ? c->depth - 1 : 0;
	fg_hprintf(out, "<li data-filter style=\"padding-left:%.1fem\"><span class=\"fmt\">%s</span>", 1.5 * depth,
		   c->format);
	if (c->format_info && *c->format_info)
		fg_hprintf(out, " <span class=\"muted\">(%s)</span>", c->format_info);
	fg_hprintf(out, " at 0x%llx, ", (unsigned long long)c->src_offset);
	fg_html_bytes(out, c->src_length);
	if (c->flags & FG_NODE_FILESYSTEM)
		fputs(" <span class=\"tag\">file tree</span>", out);
	if (c->flags & FG_NODE_TRUNCATED)
		fg_hprintf(out, " <span class=\"bad\">incomplete</span> <span class=\"muted\">%s</span>", c->note);
	else if (c->note)
		fg_hprintf(out, " <span class=\"muted\">%s</span>", c->note);
	fg_hprintf(out, "<br><span class=\"mono muted\">%s</span></li>\n", chain);
	return true;
}

static void write_filesystems(FILE *out, const fg_result *r)
{
	fg_hprintf(out, "<h3>File trees (%zu)</h3>\n", r->filesystems.n);
	if (!r->filesystems.n) {
		fputs("<p class=\"muted\">No file tree was found: checks that read files did not run.</p>\n", out);
		return;
	}
	fputs("<table class=\"sortable\">\n<thead><tr><th>provenance</th><th>format</th><th class=\"num\">files</th>"
	      "<th class=\"num\">directories</th><th class=\"num\">symlinks</th><th class=\"num\">devices</th>"
	      "<th class=\"num\">bytes</th><th>complete</th></tr></thead>\n<tbody>\n", out);
	for (size_t i = 0; i < r->filesystems.n; i++) {
		const fg_fsinfo *fs = &r->filesystems.v[i];
		bool trunc = fs->root->flags & FG_NODE_TRUNCATED;
		fg_hprintf(out, "<tr data-filter><td class=\"mono wrap\">%s</td><td>%s <span class=\"muted\">%s</span></td>"
			   "<td class=\"num\">%llu</td><td class=\"num\">%llu</td><td class=\"num\">%llu</td>"
			   "<td class=\"num\">%llu</td><td class=\"num\" data-sort=\"%llu\">",
			   fs->chain, fs->root->format, fs->root->format_info, (unsigned long long)fs->files,
			   (unsigned long long)fs->dirs, (unsigned long long)fs->symlinks,
			   (unsigned long long)fs->devices, (unsigned long long)fs->bytes);
		fg_html_bytes(out, fs->bytes);
		fputs(trunc ? "</td><td class=\"bad\">no</td></tr>\n" : "</td><td>yes</td></tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
}

#define MAX_RANGES_DRAWN 20000

static const char *range_class(fg_range_kind k)
{
	switch (k) {
	case FG_RANGE_CHUNK: return "identified";
	case FG_RANGE_PADDING: return "padding";
	case FG_RANGE_UNKNOWN: return "unknown";
	case FG_RANGE_HIGH_ENTROPY: return "high-entropy";
	}
	return "unknown";
}

/* The ranges of C drawn along the blob's length: x in per-mille of it. */
static void coverage_map(FILE *out, const fg_coverage *c, bool small, const char *label)
{
	uint64_t total = c->identified + c->padding + c->unknown + c->high_entropy;
	fputs("<svg class=\"covmap", out);
	fg_hprintf(out, "%s\" viewBox=\"0 0 1000 10\" preserveAspectRatio=\"none\" role=\"img\" "
		   "aria-label=\"coverage map of %s\">", small ? " small" : "", label);
	for (size_t i = 0; total && i < c->n && i < MAX_RANGES_DRAWN; i++) {
		const fg_range *g = &c->ranges[i];
		double x = 1000.0 * (double)g->offset / (double)total;
		double w = 1000.0 * (double)g->length / (double)total;
		if (w < 0.3)
			w = 0.3; /* a tiny range stays visible */
		fg_hprintf(out, "<rect class=\"cov-%s\" x=\"%.3f\" y=\"0\" width=\"%.3f\" height=\"10\"><title>%s%s%s "
			   "at 0x%llx, %llu bytes, entropy %.2f</title></rect>",
			   range_class(g->kind), x, w, range_class(g->kind), g->format ? ": " : "", g->format,
			   (unsigned long long)g->offset, (unsigned long long)g->length, g->entropy);
	}
	fputs("</svg>\n", out);
	if (c->n > MAX_RANGES_DRAWN)
		fg_hprintf(out, "<p class=\"muted\">%zu ranges; the first %d are drawn.</p>\n", c->n, MAX_RANGES_DRAWN);
}

typedef struct blob_walk {
	FILE *out;
	const fg_node *input;
	size_t shown;
} blob_walk;

/* Blobs inside the image that were carved too (a decompressed kernel, a
 * flash partition): one small map each. */
static bool write_inner_coverage(fg_node *n, void *ud)
{
	blob_walk *b = ud;
	if (n == b->input || !n->coverage)
		return true;
	if (!b->shown++)
		fputs("<h4>Blobs inside the image</h4>\n", b->out);
	char chain[4096], path[2048];
	fg_node_chain_buf(n, chain, sizeof(chain));
	fg_node_path(n, path, sizeof(path));
	fg_hprintf(b->out, "<div data-filter><div class=\"mono\">%s:%s (", chain, path);
	fg_html_bytes(b->out, n->data_len);
	fputs(")</div>\n", b->out);
	coverage_map(b->out, n->coverage, true, path);
	coverage_legend(b->out, n->coverage);
	fputs("</div>\n", b->out);
	return true;
}

static void write_unpack(FILE *out, const fg_result *r)
{
	fputs("<section id=\"unpack\">\n<h2>Unpacking</h2>\n<h3>Containers and their format chain</h3>\n", out);
	fg_hprintf(out, "<ul class=\"tree\">\n<li><span class=\"fmt\">%s</span> <span class=\"muted\">(input, ",
		   r->input_name);
	fg_html_bytes(out, r->input_size);
	fputs(")</span></li>\n", out);
	fg_tree_walk(r->tree.root, write_container, out);
	fputs("</ul>\n", out);
	write_filesystems(out, r);

	fputs("<h3 id=\"coverage\">Coverage map</h3>\n", out);
	fg_coverage c;
	if (fg_input_coverage(r->tree.root, &c)) {
		fputs("<p>The image from its first byte (left) to its last (right): what a format handler claimed "
		      "(identified), padding, unclaimed bytes of low entropy (unknown) and near-random unclaimed "
		      "bytes (high entropy: encrypted, or a compression firmgate does not know).</p>\n", out);
		coverage_map(out, &c, false, r->input_name);
		coverage_legend(out, &c);
	} else {
		fputs("<p class=\"muted\">The input is a directory: there is no byte range to map.</p>\n", out);
	}
	blob_walk b = { out, r->tree.root, 0 };
	fg_tree_walk(r->tree.root, write_inner_coverage, &b);
	fputs("</section>\n", out);
}

/* ---- ELF hardening ------------------------------------------------------- */

/* Good, bad or neutral for a verdict value name. */
static const char *rating_class(const char *v)
{
	static const char *const good[] = { "yes", "full" };
	static const char *const bad[] = { "no", "none" };
	for (size_t i = 0; i < 2; i++) {
		if (!strcmp(v, good[i]))
			return "good";
		if (!strcmp(v, bad[i]))
			return "bad";
	}
	return !strcmp(v, "partial") ? "warn" : "muted";
}

static void rated_cell(FILE *out, const char *value, const char *why)
{
	fg_hprintf(out, "<td class=\"%s\" title=\"%s\">%s</td>", rating_class(value), why ? why : "", value);
}

static void write_binary(FILE *out, const char *chain, const fg_hardening *h)
{
	fg_hprintf(out, "<tr data-filter><td class=\"mono path\" title=\"%s\">%s", chain, h->path);
	if (h->network_facing)
		fg_hprintf(out, "<div class=\"muted small\">started by %s</div>", h->started_by ? h->started_by : "?");
	fg_hprintf(out, "</td><td>%s</td><td>%s</td>", h->arch, fg_hkind_name(h->kind));
	rated_cell(out, fg_nx_name(h->nx), h->nx_why);
	rated_cell(out, fg_pie_name(h->pie), h->pie_why);
	rated_cell(out, fg_relro_name(h->relro), h->relro_why);
	rated_cell(out, fg_canary_name(h->canary), h->canary_why);
	fg_hprintf(out, "<td class=\"%s\" title=\"%s\">%s", rating_class(fg_fortify_name(h->fortify)),
		   h->fortify_why ? h->fortify_why : "", fg_fortify_name(h->fortify));
	if (h->fortifiable)
		fg_hprintf(out, " <span class=\"muted\">%u/%u</span>", h->fortified, h->fortifiable);
	fputs("</td><td class=\"mono wrap\">", out);
	if (h->rpath)
		fg_hprintf(out, "RPATH %s ", h->rpath);
	if (h->runpath)
		fg_hprintf(out, "RUNPATH %s", h->runpath);
	if (h->rpath_writable)
		fg_hprintf(out, " <span class=\"bad\" title=\"%s\">writable</span>", h->rpath_why ? h->rpath_why : "");
	fg_hprintf(out, "</td><td>%s%s%s</td><td class=\"wrap\">", h->stripped ? "stripped" : "",
		   h->stripped && h->is_static ? ", " : "", h->is_static ? "static" : "");
	for (int i = 0; i < FG_DANGER_COUNT; i++)
		if (h->dangerous & (1u << i))
			fg_hprintf(out, "%s ", fg_danger_names[i]);
	fputs("</td></tr>\n", out);
}

static void write_hardening(FILE *out, const fg_result *r)
{
	fputs("<section id=\"hardening\">\n<h2>ELF hardening</h2>\n", out);
	if (!r->checks_run.n || !r->filesystems.n) {
		fputs("<p class=\"muted\">No file tree was checked.</p>\n</section>\n", out);
		return;
	}
	fputs("<p>Every ELF file of every file tree with its exploit mitigations; hover a verdict for the "
	      "evidence, a path for its file tree. Programs started at boot are marked.</p>\n"
	      "<div class=\"scroll\"><table class=\"sortable dense\" id=\"hardening-table\">\n<thead><tr><th>path</th>"
	      "<th>arch</th><th>kind</th><th>NX</th><th>PIE</th><th>RELRO</th><th>canary</th><th>FORTIFY</th>"
	      "<th>RPATH / RUNPATH</th><th>build</th><th>dangerous functions</th></tr></thead>\n<tbody>\n", out);
	size_t rows = 0;
	for (size_t i = 0; i < r->filesystems.n; i++) {
		const fg_fsinfo *fs = &r->filesystems.v[i];
		fg_hardening_set *set = fg_hardening_scan(fs->root);
		if (!set)
			continue;
		for (size_t k = 0; k < set->v.n; k++, rows++)
			write_binary(out, fs->chain, &set->v.v[k]);
		fg_hardening_set_free(set);
	}
	fputs("</tbody></table></div>\n", out);
	if (!rows)
		fputs("<p class=\"muted\">No ELF file in the file trees.</p>\n", out);
	fputs("</section>\n", out);
}

/* ---- diagnostics --------------------------------------------------------- */

static void write_diagnostics(FILE *out, const fg_result *r)
{
	fg_hprintf(out, "<section id=\"diagnostics\">\n<h2>Diagnostics (%zu)</h2>\n", r->diags.items.n);
	if (!r->diags.items.n) {
		fputs("<p>None: every stage ran without a problem.</p>\n</section>\n", out);
		return;
	}
	fputs("<table class=\"sortable\">\n<thead><tr><th>level</th><th>stage</th><th>where</th><th>message</th></tr>"
	      "</thead>\n<tbody>\n", out);
	for (size_t i = 0; i < r->diags.items.n; i++) {
		const fg_diag *d = &r->diags.items.v[i];
		fg_hprintf(out, "<tr data-filter><td>%s</td><td>%s</td><td class=\"mono wrap\">%s</td><td class=\"wrap\">%s</td></tr>\n",
			   fg_diag_level_name(d->level), d->stage, d->where, d->message);
	}
	fputs("</tbody></table>\n</section>\n", out);
}

int fg_report_html(const fg_result *r, FILE *out)
{
	str_vec groups = { 0 };
	finding_groups(r, &groups);
	char title[512];
	snprintf(title, sizeof(title), "firmgate report: %s", r->input_name);
	fg_html_begin(out, title);
	write_header(out, r);
	fg_html_controls(out, nav, 1);
	fputs("<main>\n", out);
	write_summary(out, r);
	write_compliance(out, r, &groups);
	write_findings(out, r, &groups);
	write_sbom(out, r);
	write_unpack(out, r);
	write_hardening(out, r);
	write_diagnostics(out, r);
	fputs("</main>\n", out);
	fg_html_end(out);
	FG_VEC_FREE(&groups);
	return ferror(out) ? -1 : 0;
}
