/*
 * diff_render.c - `firmgate diff` as text, as JSON (schema
 * "firmgate-diff/1", docs/REPORT-JSON.md) and as HTML (the report's
 * styles and scripts, html_common.h). They lay out an fg_diff; none
 * compares anything itself.
 */
#include <string.h>

#include "report/diff.h"
#include "report/html_common.h"
#include "report/jsonw.h"

static const char *change_name(fg_dchange c)
{
	switch (c) {
	case FG_DC_UPGRADED: return "upgraded";
	case FG_DC_DOWNGRADED: return "downgraded";
	case FG_DC_CHANGED: return "changed";
	}
	return "changed";
}

static size_t count_change(const fg_diff *d, fg_dchange how)
{
	size_t n = 0;
	for (size_t i = 0; i < d->comps_changed.n; i++)
		n += d->comps_changed.v[i].how == how;
	return n;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static const char *version_or_unknown(const char *v)
{
	return v && *v ? v : "?";
}

/* ---- text ---------------------------------------------------------------- */

/* Lists longer than this are cut in text (the JSON has everything). */
#define TEXT_FILE_LINES 200

static void text_side(FILE *out, const char *what, const fg_diff_side *s)
{
	fprintf(out, "  %s %s (%s %s)\n", what, s->label, s->source, s->input);
}

static void text_finding(FILE *out, const char *tag, const fg_dfinding *f)
{
	fprintf(out, "  %-5s %-8s %s  %s", tag, fg_severity_name(f->severity), f->check_id, f->path);
	if (f->line)
		fprintf(out, ":%u", f->line);
	if (f->suppressed)
		fprintf(out, "  [suppressed%s%s]", *f->suppressed ? ": " : "", f->suppressed);
	fprintf(out, "\n        %s\n", or_empty(f->message));
}

static void text_findings(FILE *out, const fg_diff *d)
{
	fprintf(out, "\nFindings: %zu new, %zu fixed, %zu unchanged", d->findings_new.n, d->findings_fixed.n,
		d->findings_unchanged.n);
	if (d->new_suppressed)
		fprintf(out, " (%zu of the new suppressed)", d->new_suppressed);
	fputc('\n', out);
	for (size_t i = 0; i < d->findings_new.n; i++)
		text_finding(out, "new", d->findings_new.v[i]);
	for (size_t i = 0; i < d->findings_fixed.n; i++)
		text_finding(out, "fixed", d->findings_fixed.v[i]);
}

static void text_components(FILE *out, const fg_diff *d)
{
	fprintf(out, "\nComponents: %zu added, %zu removed, %zu upgraded, %zu downgraded, %zu changed\n",
		d->comps_added.n, d->comps_removed.n, count_change(d, FG_DC_UPGRADED),
		count_change(d, FG_DC_DOWNGRADED), count_change(d, FG_DC_CHANGED));
	for (size_t i = 0; i < d->comps_added.n; i++)
		fprintf(out, "  added      %s %s\n", d->comps_added.v[i]->name, version_or_unknown(d->comps_added.v[i]->version));
	for (size_t i = 0; i < d->comps_removed.n; i++)
		fprintf(out, "  removed    %s %s\n", d->comps_removed.v[i]->name,
			version_or_unknown(d->comps_removed.v[i]->version));
	for (size_t i = 0; i < d->comps_changed.n; i++) {
		const fg_dcomp_change *c = &d->comps_changed.v[i];
		fprintf(out, "  %-10s %s %s -> %s\n", change_name(c->how), c->new_->name, version_or_unknown(c->old->version),
			version_or_unknown(c->new_->version));
	}
}

static void text_vuln(FILE *out, const char *tag, const fg_dvuln *v)
{
	fprintf(out, "  %-10s %s  %s %s", tag, v->id, v->component, version_or_unknown(v->version));
	if (v->severity)
		fprintf(out, "  %s", v->severity);
	if (v->cvss >= 0)
		fprintf(out, " %.1f", v->cvss);
	if (v->kev)
		fputs("  KEV", out);
	fputc('\n', out);
}

static void text_vulns(FILE *out, const fg_diff *d)
{
	fprintf(out, "\nVulnerabilities: %zu introduced, %zu fixed\n", d->vulns_introduced.n, d->vulns_fixed.n);
	for (size_t i = 0; i < d->vulns_introduced.n; i++)
		text_vuln(out, "introduced", d->vulns_introduced.v[i]);
	for (size_t i = 0; i < d->vulns_fixed.n; i++)
		text_vuln(out, "fixed", d->vulns_fixed.v[i]);
}

static void text_verdicts(FILE *out, const fg_diff *d)
{
	fprintf(out, "\nRequirement verdicts: %zu changed\n", d->verdicts.n);
	for (size_t i = 0; i < d->verdicts.n; i++) {
		const fg_dverdict_change *c = &d->verdicts.v[i];
		const fg_dverdict *any = c->new_ ? c->new_ : c->old;
		fprintf(out, "  %s %s: %s -> %s\n", any->standard, any->requirement,
			c->old ? c->old->verdict : "(not evaluated)", c->new_ ? c->new_->verdict : "(not evaluated)");
	}
}

static void text_files(FILE *out, const fg_diff *d, bool verbose)
{
	if (!d->files_compared) {
		fprintf(out, "\nFiles: not compared: %s is a JSON report written without --files\n",
			!d->old->has_files ? d->old->label : d->new_->label);
		return;
	}
	fprintf(out, "\nFiles: %zu added, %zu removed, %zu changed, %zu unchanged\n", d->files_added.n,
		d->files_removed.n, d->files_changed.n, d->files_unchanged);
	size_t shown = 0, total = d->files_added.n + d->files_removed.n + d->files_changed.n;
	for (size_t i = 0; i < d->files_added.n && (verbose || shown < TEXT_FILE_LINES); i++, shown++)
		fprintf(out, "  added    %s\n", d->files_added.v[i]->path);
	for (size_t i = 0; i < d->files_removed.n && (verbose || shown < TEXT_FILE_LINES); i++, shown++)
		fprintf(out, "  removed  %s\n", d->files_removed.v[i]->path);
	for (size_t i = 0; i < d->files_changed.n && (verbose || shown < TEXT_FILE_LINES); i++, shown++) {
		const fg_dfile_change *c = &d->files_changed.v[i];
		fprintf(out, "  changed  %s (", c->new_->path);
		if (c->content)
			fputs("content", out);
		if (c->mode)
			fprintf(out, "%smode %04o -> %04o", c->content ? ", " : "", c->old->mode & 07777,
				c->new_->mode & 07777);
		fputs(")\n", out);
	}
	if (shown < total)
		fprintf(out, "  ... %zu more (-v, or --format json)\n", total - shown);
}

int fg_diff_text(const fg_diff *d, FILE *out, bool verbose)
{
	fputs("firmgate diff\n", out);
	text_side(out, "old:", d->old);
	text_side(out, "new:", d->new_);
	text_findings(out, d);
	text_components(out, d);
	text_vulns(out, d);
	text_verdicts(out, d);
	text_files(out, d, verbose);
	return ferror(out) ? -1 : 0;
}

/* ---- JSON ---------------------------------------------------------------- */

static void json_side(fg_jsonw *w, const char *key, const fg_diff_side *s)
{
	fg_jw_key(w, key);
	fg_jw_obj(w);
	fg_jw_kstr(w, "label", s->label);
	fg_jw_kstr(w, "input", s->input);
	fg_jw_kstr(w, "source", s->source);
	fg_jw_kbool(w, "files_listed", s->has_files);
	fg_jw_kuint(w, "findings", s->findings.n);
	fg_jw_kuint(w, "components", s->comps.n);
	fg_jw_obj_end(w);
}

static void knum(fg_jsonw *w, const char *key, double v)
{
	fg_jw_key(w, key);
	if (v < 0)
		fg_jw_null(w);
	else
		fg_jw_double(w, v);
}

static void json_finding(fg_jsonw *w, const fg_dfinding *f)
{
	fg_jw_obj(w);
	fg_jw_kstr(w, "fingerprint", f->fingerprint);
	fg_jw_kstr(w, "check_id", f->check_id);
	fg_jw_kstr(w, "title", f->title);
	fg_jw_kstr(w, "severity", fg_severity_name(f->severity));
	fg_jw_kstr(w, "message", f->message);
	fg_jw_kstr(w, "container", f->container);
	fg_jw_kstr(w, "path", f->path);
	if (f->line)
		fg_jw_kuint(w, "line", f->line);
	else
		fg_jw_kstr(w, "line", NULL);
	fg_jw_kstr(w, "excerpt", f->excerpt);
	fg_jw_kstr(w, "remediation", f->remediation);
	fg_jw_key(w, "suppression");
	if (f->suppressed) {
		fg_jw_obj(w);
		fg_jw_kstr(w, "justification", *f->suppressed ? f->suppressed : NULL);
		fg_jw_obj_end(w);
	} else {
		fg_jw_null(w);
	}
	fg_jw_obj_end(w);
}

static void json_findings(fg_jsonw *w, const char *key, const fg_dfinding *const *v, size_t n)
{
	fg_jw_key(w, key);
	fg_jw_arr(w);
	for (size_t i = 0; i < n; i++)
		json_finding(w, v[i]);
	fg_jw_arr_end(w);
}

static void json_comp(fg_jsonw *w, const fg_dcomp *c)
{
	fg_jw_obj(w);
	fg_jw_kstr(w, "name", c->name);
	fg_jw_kstr(w, "version", c->version);
	fg_jw_kstr(w, "type", c->type);
	fg_jw_kstr(w, "cpe", c->cpe);
	fg_jw_kstr(w, "purl", c->purl);
	fg_jw_obj_end(w);
}

static void json_comps(fg_jsonw *w, const char *key, const fg_dcomp *const *v, size_t n)
{
	fg_jw_key(w, key);
	fg_jw_arr(w);
	for (size_t i = 0; i < n; i++)
		json_comp(w, v[i]);
	fg_jw_arr_end(w);
}

static void json_vulns(fg_jsonw *w, const char *key, const fg_dvuln *const *v, size_t n)
{
	fg_jw_key(w, key);
	fg_jw_arr(w);
	for (size_t i = 0; i < n; i++) {
		fg_jw_obj(w);
		fg_jw_kstr(w, "id", v[i]->id);
		fg_jw_kstr(w, "component", v[i]->component);
		fg_jw_kstr(w, "version", v[i]->version);
		fg_jw_kstr(w, "severity", v[i]->severity);
		knum(w, "cvss", v[i]->cvss);
		fg_jw_kbool(w, "kev", v[i]->kev);
		knum(w, "epss", v[i]->epss);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
}

static void json_file(fg_jsonw *w, const fg_dfile *f)
{
	fg_jw_obj(w);
	fg_jw_kstr(w, "path", f->path);
	if (f->target) {
		fg_jw_kstr(w, "target", f->target);
	} else {
		fg_jw_kstr(w, "sha256", f->sha256);
		fg_jw_kuint(w, "size", f->size);
	}
	fg_jw_kuint(w, "mode", f->mode);
	fg_jw_obj_end(w);
}

static void json_files(fg_jsonw *w, const fg_diff *d)
{
	fg_jw_key(w, "files");
	if (!d->files_compared) {
		fg_jw_null(w);
		return;
	}
	fg_jw_obj(w);
	fg_jw_key(w, "added");
	fg_jw_arr(w);
	for (size_t i = 0; i < d->files_added.n; i++)
		json_file(w, d->files_added.v[i]);
	fg_jw_arr_end(w);
	fg_jw_key(w, "removed");
	fg_jw_arr(w);
	for (size_t i = 0; i < d->files_removed.n; i++)
		json_file(w, d->files_removed.v[i]);
	fg_jw_arr_end(w);
	fg_jw_key(w, "changed");
	fg_jw_arr(w);
	for (size_t i = 0; i < d->files_changed.n; i++) {
		const fg_dfile_change *c = &d->files_changed.v[i];
		fg_jw_obj(w);
		fg_jw_kstr(w, "path", c->new_->path);
		fg_jw_kbool(w, "content", c->content);
		fg_jw_kbool(w, "mode", c->mode);
		fg_jw_key(w, "old");
		json_file(w, c->old);
		fg_jw_key(w, "new");
		json_file(w, c->new_);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
	fg_jw_kuint(w, "unchanged", d->files_unchanged);
	fg_jw_obj_end(w);
}

static void json_summary(fg_jsonw *w, const fg_diff *d)
{
	fg_jw_key(w, "summary");
	fg_jw_obj(w);
	fg_jw_key(w, "findings");
	fg_jw_obj(w);
	fg_jw_kuint(w, "new", d->findings_new.n);
	fg_jw_kuint(w, "new_suppressed", d->new_suppressed);
	fg_jw_kuint(w, "fixed", d->findings_fixed.n);
	fg_jw_kuint(w, "unchanged", d->findings_unchanged.n);
	fg_jw_obj_end(w);
	/* as the gate counts them: suppressed ones left out */
	fg_jw_key(w, "new_by_severity");
	fg_jw_obj(w);
	for (int s = FG_SEV_CRITICAL; s >= FG_SEV_INFO; s--) {
		size_t n = 0;
		for (size_t i = 0; i < d->findings_new.n; i++)
			n += d->findings_new.v[i]->severity == (fg_severity)s && !d->findings_new.v[i]->suppressed;
		fg_jw_kuint(w, fg_severity_name((fg_severity)s), n);
	}
	fg_jw_obj_end(w);
	fg_jw_key(w, "components");
	fg_jw_obj(w);
	fg_jw_kuint(w, "added", d->comps_added.n);
	fg_jw_kuint(w, "removed", d->comps_removed.n);
	fg_jw_kuint(w, "upgraded", count_change(d, FG_DC_UPGRADED));
	fg_jw_kuint(w, "downgraded", count_change(d, FG_DC_DOWNGRADED));
	fg_jw_kuint(w, "changed", count_change(d, FG_DC_CHANGED));
	fg_jw_obj_end(w);
	fg_jw_key(w, "vulnerabilities");
	fg_jw_obj(w);
	fg_jw_kuint(w, "introduced", d->vulns_introduced.n);
	fg_jw_kuint(w, "fixed", d->vulns_fixed.n);
	fg_jw_obj_end(w);
	fg_jw_kuint(w, "verdicts_changed", d->verdicts.n);
	fg_jw_key(w, "files");
	if (d->files_compared) {
		fg_jw_obj(w);
		fg_jw_kuint(w, "added", d->files_added.n);
		fg_jw_kuint(w, "removed", d->files_removed.n);
		fg_jw_kuint(w, "changed", d->files_changed.n);
		fg_jw_kuint(w, "unchanged", d->files_unchanged);
		fg_jw_obj_end(w);
	} else {
		fg_jw_null(w);
	}
	fg_jw_obj_end(w);
}

static void json_gate(fg_jsonw *w, const fg_diff *d, int fail_on)
{
	fg_jw_key(w, "gate");
	fg_jw_obj(w);
	fg_jw_kstr(w, "fail_on", fail_on >= 0 ? fg_severity_name((fg_severity)fail_on) : NULL);
	size_t n = fail_on >= 0 ? fg_diff_new_at_least(d, (fg_severity)fail_on) : 0;
	fg_jw_kuint(w, "new_at_or_above", n);
	fg_jw_kbool(w, "failed", n > 0);
	fg_jw_obj_end(w);
}

int fg_diff_json(const fg_diff *d, FILE *out, int fail_on)
{
	fg_jsonw w;
	fg_jw_init(&w, out);
	fg_jw_obj(&w);
	fg_jw_kstr(&w, "schema", FG_DIFF_SCHEMA);
	fg_jw_key(&w, "tool");
	fg_jw_obj(&w);
	fg_jw_kstr(&w, "name", "firmgate");
	fg_jw_kstr(&w, "version", fg_version());
	fg_jw_obj_end(&w);
	json_side(&w, "old", d->old);
	json_side(&w, "new", d->new_);
	json_summary(&w, d);
	fg_jw_key(&w, "findings");
	fg_jw_obj(&w);
	json_findings(&w, "new", d->findings_new.v, d->findings_new.n);
	json_findings(&w, "fixed", d->findings_fixed.v, d->findings_fixed.n);
	json_findings(&w, "unchanged", d->findings_unchanged.v, d->findings_unchanged.n);
	fg_jw_obj_end(&w);
	fg_jw_key(&w, "components");
	fg_jw_obj(&w);
	json_comps(&w, "added", d->comps_added.v, d->comps_added.n);
	json_comps(&w, "removed", d->comps_removed.v, d->comps_removed.n);
	fg_jw_key(&w, "changed");
	fg_jw_arr(&w);
	for (size_t i = 0; i < d->comps_changed.n; i++) {
		const fg_dcomp_change *c = &d->comps_changed.v[i];
		fg_jw_obj(&w);
		fg_jw_kstr(&w, "name", c->new_->name);
		fg_jw_kstr(&w, "change", change_name(c->how));
		fg_jw_kstr(&w, "old_version", c->old->version);
		fg_jw_kstr(&w, "new_version", c->new_->version);
		fg_jw_kstr(&w, "type", c->new_->type);
		fg_jw_kstr(&w, "cpe", c->new_->cpe);
		fg_jw_obj_end(&w);
	}
	fg_jw_arr_end(&w);
	fg_jw_obj_end(&w);
	fg_jw_key(&w, "vulnerabilities");
	fg_jw_obj(&w);
	json_vulns(&w, "introduced", d->vulns_introduced.v, d->vulns_introduced.n);
	json_vulns(&w, "fixed", d->vulns_fixed.v, d->vulns_fixed.n);
	fg_jw_obj_end(&w);
	fg_jw_key(&w, "verdicts");
	fg_jw_arr(&w);
	for (size_t i = 0; i < d->verdicts.n; i++) {
		const fg_dverdict_change *c = &d->verdicts.v[i];
		const fg_dverdict *any = c->new_ ? c->new_ : c->old;
		fg_jw_obj(&w);
		fg_jw_kstr(&w, "standard", any->standard);
		fg_jw_kstr(&w, "requirement", any->requirement);
		fg_jw_kstr(&w, "title", any->title);
		fg_jw_kstr(&w, "level", any->level);
		fg_jw_kstr(&w, "old", c->old ? c->old->verdict : NULL);
		fg_jw_kstr(&w, "new", c->new_ ? c->new_->verdict : NULL);
		fg_jw_obj_end(&w);
	}
	fg_jw_arr_end(&w);
	json_files(&w, d);
	json_gate(&w, d, fail_on);
	fg_jw_obj_end(&w);
	return ferror(out) ? -1 : 0;
}

/* ---- HTML ---------------------------------------------------------------- */

static const char nav[] =
	"<a href=\"#summary\">Summary</a><a href=\"#findings\">Findings</a>"
	"<a href=\"#components\">Components</a><a href=\"#vulnerabilities\">CVEs</a>"
	"<a href=\"#verdicts\">Verdicts</a><a href=\"#files\">Files</a>";

static void html_card(FILE *out, size_t n, const char *label, const char *cls)
{
	fg_hprintf(out, "<div class=\"card %s\"><div class=\"n\">%zu</div><div class=\"l\">%s</div></div>\n", cls, n,
		   label);
}

static void html_summary(FILE *out, const fg_diff *d, int fail_on)
{
	fg_hprintf(out, "<section id=\"summary\">\n<h2>Summary</h2>\n<p>Old: <strong>%s</strong> "
		   "<span class=\"muted\">(%s %s)</span><br>New: <strong>%s</strong> <span class=\"muted\">(%s %s)</span></p>\n",
		   d->old->label, d->old->source, d->old->input, d->new_->label, d->new_->source, d->new_->input);
	fputs("<div class=\"cards\">\n", out);
	html_card(out, d->findings_new.n, "new findings", "sev-high");
	html_card(out, d->findings_fixed.n, "fixed findings", "");
	html_card(out, d->findings_unchanged.n, "unchanged findings", "");
	html_card(out, d->comps_added.n + d->comps_removed.n + d->comps_changed.n, "component changes", "");
	html_card(out, d->vulns_introduced.n, "CVEs introduced", "");
	html_card(out, d->vulns_fixed.n, "CVEs fixed", "");
	html_card(out, d->verdicts.n, "verdict changes", "");
	if (d->files_compared)
		html_card(out, d->files_added.n + d->files_removed.n + d->files_changed.n, "files changed", "");
	fputs("</div>\n", out);
	if (fail_on >= 0) {
		size_t n = fg_diff_new_at_least(d, (fg_severity)fail_on);
		fg_hprintf(out, "<p id=\"gate\" class=\"%s\">Gate --fail-on %s: %s (%zu new finding(s) at or above it)</p>\n",
			   n ? "bad" : "good", fg_severity_name((fg_severity)fail_on), n ? "FAIL" : "PASS", n);
	}
	fputs("</section>\n", out);
}

static void html_finding(FILE *out, const char *state, const fg_dfinding *f)
{
	const char *sev = fg_severity_name(f->severity);
	fg_hprintf(out, "<article class=\"finding sev-%s\" data-filter data-sev=\"%s\" data-state=\"%s\" "
		   "data-fingerprint=\"%s\">\n<span class=\"tag %s\">%s</span> ",
		   sev, sev, state, f->fingerprint, !strcmp(state, "new") ? "diff-del" : "diff-add", state);
	fg_html_sev(out, f->severity);
	if (f->suppressed)
		fg_hprintf(out, "<span class=\"tag\">suppressed</span> ");
	fg_hprintf(out, " <span class=\"mono\">%s</span> %s\n<div class=\"where mono\">%s", f->check_id,
		   or_empty(f->message), f->path);
	if (f->line)
		fg_hprintf(out, ":%u", f->line);
	fputs("</div>\n", out);
	if (f->excerpt)
		fg_hprintf(out, "<pre class=\"excerpt\">%s</pre>\n", f->excerpt);
	fg_hprintf(out, "<div class=\"chain mono\">provenance: %s</div><div class=\"fp mono\">fingerprint %s</div>\n",
		   or_empty(f->container), f->fingerprint);
	if (f->suppressed && *f->suppressed)
		fg_hprintf(out, "<div class=\"suppression\"><strong>Suppressed:</strong> %s</div>\n", f->suppressed);
	if (!strcmp(state, "new") && f->remediation)
		fg_hprintf(out, "<div class=\"remediation\"><strong>Remediation:</strong> %s</div>\n", f->remediation);
	fputs("</article>\n", out);
}

static void html_findings(FILE *out, const fg_diff *d)
{
	fg_hprintf(out, "<section id=\"findings\">\n<h2>Findings</h2>\n<h3>New in %s (%zu)</h3>\n", d->new_->label,
		   d->findings_new.n);
	for (size_t i = 0; i < d->findings_new.n; i++)
		html_finding(out, "new", d->findings_new.v[i]);
	fg_hprintf(out, "<h3>Fixed: in %s, gone from %s (%zu)</h3>\n", d->old->label, d->new_->label,
		   d->findings_fixed.n);
	for (size_t i = 0; i < d->findings_fixed.n; i++)
		html_finding(out, "fixed", d->findings_fixed.v[i]);
	fg_hprintf(out, "<details><summary>Unchanged (%zu)</summary>\n", d->findings_unchanged.n);
	for (size_t i = 0; i < d->findings_unchanged.n; i++)
		html_finding(out, "unchanged", d->findings_unchanged.v[i]);
	fputs("</details>\n</section>\n", out);
}

static void html_comp_row(FILE *out, const char *what, const char *name, const char *from, const char *to,
			  const char *type)
{
	fg_hprintf(out, "<tr data-filter><td>%s</td><td>%s</td><td class=\"mono\">%s</td><td class=\"mono\">%s</td>"
		   "<td>%s</td></tr>\n", what, name, from, to, or_empty(type));
}

static void html_components(FILE *out, const fg_diff *d)
{
	fg_hprintf(out, "<section id=\"components\">\n<h2>Components</h2>\n<p>%zu added, %zu removed, %zu upgraded, "
		   "%zu downgraded, %zu changed.</p>\n", d->comps_added.n, d->comps_removed.n,
		   count_change(d, FG_DC_UPGRADED), count_change(d, FG_DC_DOWNGRADED), count_change(d, FG_DC_CHANGED));
	if (!d->comps_added.n && !d->comps_removed.n && !d->comps_changed.n) {
		fputs("</section>\n", out);
		return;
	}
	fputs("<table class=\"sortable\">\n<thead><tr><th>change</th><th>component</th><th>old version</th>"
	      "<th>new version</th><th>type</th></tr></thead>\n<tbody>\n", out);
	for (size_t i = 0; i < d->comps_added.n; i++)
		html_comp_row(out, "added", d->comps_added.v[i]->name, "", version_or_unknown(d->comps_added.v[i]->version),
			      d->comps_added.v[i]->type);
	for (size_t i = 0; i < d->comps_removed.n; i++)
		html_comp_row(out, "removed", d->comps_removed.v[i]->name,
			      version_or_unknown(d->comps_removed.v[i]->version), "", d->comps_removed.v[i]->type);
	for (size_t i = 0; i < d->comps_changed.n; i++) {
		const fg_dcomp_change *c = &d->comps_changed.v[i];
		html_comp_row(out, change_name(c->how), c->new_->name, version_or_unknown(c->old->version),
			      version_or_unknown(c->new_->version), c->new_->type);
	}
	fputs("</tbody></table>\n</section>\n", out);
}

static void html_vuln_rows(FILE *out, const char *what, const fg_dvuln *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fg_hprintf(out, "<tr data-filter data-cve=\"%s\"><td>%s</td><td class=\"mono\">%s</td><td>%s %s</td>"
			   "<td>%s</td>", v[i]->id, what, v[i]->id, v[i]->component, v[i]->version,
			   or_empty(v[i]->severity));
		if (v[i]->cvss >= 0)
			fg_hprintf(out, "<td class=\"num\">%.1f</td>", v[i]->cvss);
		else
			fputs("<td class=\"num\">?</td>", out);
		fputs(v[i]->kev ? "<td><span class=\"tag kev\">KEV</span></td>" : "<td></td>", out);
		if (v[i]->epss >= 0)
			fg_hprintf(out, "<td class=\"num\">%.2f%%</td></tr>\n", 100.0 * v[i]->epss);
		else
			fputs("<td class=\"num\">?</td></tr>\n", out);
	}
}

static void html_vulns(FILE *out, const fg_diff *d)
{
	fg_hprintf(out, "<section id=\"vulnerabilities\">\n<h2>Known vulnerabilities</h2>\n<p>%zu introduced, %zu fixed "
		   "(affected matches only).</p>\n", d->vulns_introduced.n, d->vulns_fixed.n);
	if (!d->vulns_introduced.n && !d->vulns_fixed.n) {
		fputs("</section>\n", out);
		return;
	}
	fputs("<table class=\"sortable\">\n<thead><tr><th>change</th><th>ID</th><th>component</th><th>severity</th>"
	      "<th class=\"num\">CVSS</th><th>KEV</th><th class=\"num\">EPSS</th></tr></thead>\n<tbody>\n", out);
	html_vuln_rows(out, "introduced", d->vulns_introduced.v, d->vulns_introduced.n);
	html_vuln_rows(out, "fixed", d->vulns_fixed.v, d->vulns_fixed.n);
	fputs("</tbody></table>\n</section>\n", out);
}

static void html_verdict_cell(FILE *out, const fg_dverdict *v)
{
	if (!v) {
		fputs("<td class=\"muted\">not evaluated</td>", out);
		return;
	}
	fputs("<td><span class=\"verdict v-", out);
	fg_html_token(out, v->verdict);
	fg_hprintf(out, "\">%s</span></td>", v->verdict);
}

static void html_verdicts(FILE *out, const fg_diff *d)
{
	fg_hprintf(out, "<section id=\"verdicts\">\n<h2>Requirement verdicts</h2>\n<p>%zu changed.</p>\n", d->verdicts.n);
	if (!d->verdicts.n) {
		fputs("</section>\n", out);
		return;
	}
	fputs("<table class=\"sortable\">\n<thead><tr><th>standard</th><th>requirement</th><th>level</th><th>title</th>"
	      "<th>old</th><th>new</th></tr></thead>\n<tbody>\n", out);
	for (size_t i = 0; i < d->verdicts.n; i++) {
		const fg_dverdict_change *c = &d->verdicts.v[i];
		const fg_dverdict *any = c->new_ ? c->new_ : c->old;
		fg_hprintf(out, "<tr data-filter><td>%s</td><td class=\"mono\">%s</td><td>%s</td><td>%s</td>",
			   any->standard, any->requirement, or_empty(any->level), or_empty(any->title));
		html_verdict_cell(out, c->old);
		html_verdict_cell(out, c->new_);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n</section>\n", out);
}

static void html_file_row(FILE *out, const char *what, const fg_dfile *f, const char *detail)
{
	fg_hprintf(out, "<tr data-filter><td>%s</td><td class=\"mono path\">%s</td><td class=\"mono ids\">%s</td></tr>\n",
		   what, f->path, detail);
}

static void html_files(FILE *out, const fg_diff *d)
{
	fputs("<section id=\"files\">\n<h2>Files</h2>\n", out);
	if (!d->files_compared) {
		fg_hprintf(out, "<p class=\"muted\">Not compared: %s is a JSON report written without "
			   "<code>--files</code>.</p>\n</section>\n", !d->old->has_files ? d->old->label : d->new_->label);
		return;
	}
	fg_hprintf(out, "<p>%zu added, %zu removed, %zu changed, %zu unchanged.</p>\n<details%s><summary>The %zu "
		   "differences</summary>\n<table class=\"sortable dense\">\n<thead><tr><th>change</th><th>path</th>"
		   "<th>detail</th></tr></thead>\n<tbody>\n", d->files_added.n, d->files_removed.n, d->files_changed.n,
		   d->files_unchanged, d->files_added.n + d->files_removed.n + d->files_changed.n <= 200 ? " open" : "",
		   d->files_added.n + d->files_removed.n + d->files_changed.n);
	for (size_t i = 0; i < d->files_added.n; i++)
		html_file_row(out, "added", d->files_added.v[i], or_empty(d->files_added.v[i]->sha256));
	for (size_t i = 0; i < d->files_removed.n; i++)
		html_file_row(out, "removed", d->files_removed.v[i], or_empty(d->files_removed.v[i]->sha256));
	for (size_t i = 0; i < d->files_changed.n; i++) {
		const fg_dfile_change *c = &d->files_changed.v[i];
		char detail[160];
		snprintf(detail, sizeof(detail), "%s%s%s", c->content ? "content" : "", c->content && c->mode ? ", " : "",
			 c->mode ? "mode" : "");
		if (c->mode) {
			size_t l = strlen(detail);
			snprintf(detail + l, sizeof(detail) - l, " %04o -> %04o", c->old->mode & 07777, c->new_->mode & 07777);
		}
		html_file_row(out, "changed", c->new_, detail);
	}
	fputs("</tbody></table>\n</details>\n</section>\n", out);
}

int fg_diff_html(const fg_diff *d, FILE *out, int fail_on)
{
	char title[512];
	snprintf(title, sizeof(title), "firmgate diff: %s -> %s", d->old->input, d->new_->input);
	fg_html_begin(out, title);
	fputs("<header class=\"page\">\n<h1>", out);
	fg_html_esc(out, title);
	fg_hprintf(out, "</h1>\n<div class=\"meta\"><span>%zu new finding(s)</span><span>%zu fixed</span>"
		   "<span>firmgate %s</span></div>\n</header>\n", d->findings_new.n, d->findings_fixed.n, fg_version());
	fg_html_controls(out, nav, 1);
	fputs("<main>\n", out);
	html_summary(out, d, fail_on);
	html_findings(out, d);
	html_components(out, d);
	html_vulns(out, d);
	html_verdicts(out, d);
	html_files(out, d);
	fputs("</main>\n", out);
	fg_html_end(out);
	return ferror(out) ? -1 : 0;
}
