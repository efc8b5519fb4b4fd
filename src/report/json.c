/*
 * json.c - the JSON report (schema "firmgate-report/1", docs/REPORT-JSON.md).
 *
 * Deterministic: everything is written in the result's sorted order and
 * nothing time-dependent is included.
 */
#include <string.h>

#include "core/result.h"
#include "core/suppress.h"
#include "elf/hardening.h"
#include "report/jsonw.h"
#include "compliance/declaration.h"
#include "compliance/evaluate.h"
#include "report/report_internal.h"
#include "vulns/match.h"

bool fg_input_coverage(const fg_node *root, fg_coverage *out)
{
	memset(out, 0, sizeof(*out));
	if (root->type != FG_NODE_FILE)
		return false;
	if (root->coverage) {
		*out = *root->coverage;
		return true;
	}
	out->unknown = root->data_len; /* nothing recognised at all */
	return true;
}

static void write_input(fg_jsonw *w, const fg_result *r)
{
	fg_jw_key(w, "input");
	fg_jw_obj(w);
	fg_jw_kstr(w, "name", r->input_name);
	fg_jw_kstr(w, "type", r->input_is_dir ? "directory" : "file");
	fg_jw_kuint(w, "size", r->input_size);
	fg_coverage c;
	if (fg_input_coverage(r->tree.root, &c)) {
		fg_jw_key(w, "coverage");
		fg_write_coverage(w, &c, true);
	}
	fg_jw_obj_end(w);
}

/* Every container that was unpacked, in tree order, with its provenance. */
static bool write_container(fg_node *n, void *ud)
{
	fg_jsonw *w = ud;
	const fg_node *r = n->unpacked;
	if (!r || (r->flags & FG_NODE_CARVE))
		return true;
	char chain[4096];
	fg_node_chain_buf(r, chain, sizeof(chain));
	fg_jw_obj(w);
	fg_jw_kstr(w, "chain", chain);
	fg_jw_kstr(w, "format", r->format);
	fg_jw_kstr(w, "format_info", r->format_info);
	fg_jw_kuint(w, "offset", r->src_offset);
	fg_jw_kuint(w, "length", r->src_length);
	fg_jw_kbool(w, "truncated", (r->flags & FG_NODE_TRUNCATED) != 0);
	fg_jw_kstr(w, "note", r->note);
	fg_jw_obj_end(w);
	return true;
}

static void write_containers(fg_jsonw *w, const fg_result *r)
{
	fg_jw_key(w, "containers");
	fg_jw_arr(w);
	fg_tree_walk(r->tree.root, write_container, w);
	fg_jw_arr_end(w);
}

static void write_summary(fg_jsonw *w, const fg_result *r)
{
	size_t by[5] = {0};
	for (size_t i = 0; i < r->findings.n; i++)
		by[r->findings.v[i].severity]++;
	fg_jw_key(w, "summary");
	fg_jw_obj(w);
	fg_jw_kuint(w, "findings", r->findings.n);
	fg_jw_key(w, "by_severity");
	fg_jw_obj(w);
	for (int s = FG_SEV_CRITICAL; s >= FG_SEV_INFO; s--)
		fg_jw_kuint(w, fg_severity_name((fg_severity)s), by[s]);
	fg_jw_obj_end(w);
	int max = fg_result_max_severity(r);
	fg_jw_kstr(w, "max_severity", max < 0 ? NULL : fg_severity_name((fg_severity)max));
	fg_jw_kuint(w, "suppressed", fg_result_suppressed_count(r));
	fg_jw_kuint(w, "kev", fg_result_kev_count(r));
	fg_jw_kuint(w, "filesystems", r->filesystems.n);
	fg_jw_kuint(w, "components", r->components.n);
	fg_jw_obj_end(w);
}

static void write_filesystems(fg_jsonw *w, const fg_result *r)
{
	fg_jw_key(w, "filesystems");
	fg_jw_arr(w);
	for (size_t i = 0; i < r->filesystems.n; i++) {
		const fg_fsinfo *fs = &r->filesystems.v[i];
		fg_jw_obj(w);
		fg_jw_kstr(w, "container", fs->chain);
		fg_jw_kstr(w, "format", fs->root->format);
		fg_jw_kstr(w, "format_info", fs->root->format_info);
		fg_jw_kuint(w, "offset", fs->root->src_offset);
		fg_jw_kuint(w, "length", fs->root->src_length);
		fg_jw_kuint(w, "regular_files", fs->files);
		fg_jw_kuint(w, "directories", fs->dirs);
		fg_jw_kuint(w, "symlinks", fs->symlinks);
		fg_jw_kuint(w, "hardlinks", fs->hardlinks);
		fg_jw_kuint(w, "device_nodes", fs->devices);
		fg_jw_kuint(w, "other_nodes", fs->others);
		fg_jw_kuint(w, "bytes", fs->bytes);
		fg_jw_kbool(w, "truncated", (fs->root->flags & FG_NODE_TRUNCATED) != 0);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
}

/* Every piece of evidence, the files and the properties of a component. */
static void write_component_detail(fg_jsonw *w, const fg_component *c)
{
	fg_jw_key(w, "evidences");
	fg_jw_arr(w);
	for (size_t i = 0; i < c->nevidences; i++) {
		const fg_comp_evidence *e = &c->evidences[i];
		fg_jw_obj(w);
		fg_jw_kstr(w, "method", e->method);
		fg_jw_kstr(w, "where", e->where);
		fg_jw_kstr(w, "confidence", fg_confidence_name(e->confidence));
		fg_jw_kstr(w, "text", e->text);
		if (e->offset >= 0)
			fg_jw_kint(w, "offset", e->offset);
		else
			fg_jw_kstr(w, "offset", NULL);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
	fg_jw_key(w, "files");
	fg_jw_arr(w);
	for (size_t i = 0; i < c->nfiles; i++) {
		fg_jw_obj(w);
		fg_jw_kstr(w, "path", c->files[i].path);
		fg_jw_kstr(w, "sha256", c->files[i].sha256);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
	fg_jw_key(w, "properties");
	fg_jw_arr(w);
	for (size_t i = 0; i < c->nprops; i++) {
		fg_jw_obj(w);
		fg_jw_kstr(w, "name", c->props[i].name);
		fg_jw_kstr(w, "value", c->props[i].value);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
}

static void write_components(fg_jsonw *w, const fg_result *r)
{
	fg_jw_key(w, "components");
	fg_jw_arr(w);
	for (size_t i = 0; i < r->components.n; i++) {
		const fg_component *c = &r->components.v[i];
		fg_jw_obj(w);
		fg_jw_kstr(w, "name", c->name);
		fg_jw_kstr(w, "version", c->version);
		fg_jw_kstr(w, "type", c->type);
		fg_jw_kstr(w, "cpe", c->cpe);
		fg_jw_kstr(w, "purl", c->purl);
		fg_jw_kstr(w, "supplier", c->supplier);
		fg_jw_kstr(w, "confidence", fg_confidence_name(c->confidence));
		fg_jw_key(w, "evidence");
		fg_jw_obj(w);
		fg_jw_kstr(w, "method", c->method);
		fg_jw_kstr(w, "container", c->container);
		fg_jw_kstr(w, "path", c->path);
		fg_jw_kstr(w, "text", c->evidence);
		fg_jw_obj_end(w);
		write_component_detail(w, c);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
}

/* vulnerabilities[] and vulnerabilities_no_applicability_data[]: src/vulns/report.c */
static void write_vulns(fg_jsonw *w, const fg_result *r)
{
	fg_vulns_write_json(w, r);
}

static void write_suppression(fg_jsonw *w, const fg_finding_suppression *sup)
{
	fg_jw_key(w, "suppression");
	if (!sup) {
		fg_jw_null(w);
		return;
	}
	fg_jw_obj(w);
	fg_jw_kstr(w, "justification", sup->justification);
	fg_jw_kstr(w, "owner", sup->owner);
	fg_jw_kstr(w, "expires", sup->expires);
	fg_jw_kstr(w, "source", sup->source);
	fg_jw_kstr(w, "matched_by", sup->matched_by);
	fg_jw_obj_end(w);
}

static void write_findings(fg_jsonw *w, const fg_result *r)
{
	fg_jw_key(w, "findings");
	fg_jw_arr(w);
	for (size_t i = 0; i < r->findings.n; i++) {
		const fg_finding *f = &r->findings.v[i];
		fg_jw_obj(w);
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
		if (f->offset >= 0)
			fg_jw_kint(w, "offset", f->offset);
		else
			fg_jw_kstr(w, "offset", NULL);
		fg_jw_kstr(w, "excerpt", f->excerpt);
		fg_jw_kstr(w, "fingerprint", f->fingerprint);
		fg_jw_kstr(w, "remediation", f->remediation);
		fg_jw_kstr(w, "severity_overridden_from",
			   f->severity_overridden ? fg_severity_name(f->original_severity) : NULL);
		write_suppression(w, f->suppression);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
}

/* The suppressions file and severity rules as read, with what each
 * entry suppressed in this scan (an entry that matches nothing is stale). */
static void write_policy(fg_jsonw *w, const fg_result *r)
{
	const fg_policy *p = r->policy;
	fg_jw_key(w, "suppressions");
	if (!p) {
		fg_jw_null(w);
		return;
	}
	fg_jw_obj(w);
	fg_jw_kstr(w, "file", p->file);
	fg_jw_key(w, "entries");
	fg_jw_arr(w);
	for (size_t i = 0; i < p->nentries; i++) {
		const fg_suppression *e = &p->entries[i];
		size_t matched = 0;
		for (size_t k = 0; k < r->findings.n; k++)
			matched += r->findings.v[k].suppression == &e->note;
		fg_jw_obj(w);
		fg_jw_kstr(w, "source", e->note.source);
		fg_jw_kstr(w, "fingerprint", e->fingerprint);
		fg_jw_kstr(w, "check", e->check);
		fg_jw_kstr(w, "path", e->path);
		fg_jw_kstr(w, "subject", e->subject);
		fg_jw_kstr(w, "justification", e->justification);
		fg_jw_kstr(w, "owner", e->owner);
		fg_jw_kstr(w, "expires", e->expires);
		fg_jw_kbool(w, "expired", e->expired);
		fg_jw_kuint(w, "suppressed", matched);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
	fg_jw_key(w, "severity");
	fg_jw_arr(w);
	for (size_t i = 0; i < p->nrules; i++) {
		fg_jw_obj(w);
		fg_jw_kstr(w, "pattern", p->rules[i].pattern);
		fg_jw_kstr(w, "level", p->rules[i].level == FG_SEVERITY_OFF
				       ? "off" : fg_severity_name((fg_severity)p->rules[i].level));
		fg_jw_kstr(w, "source", p->rules[i].where);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
	fg_jw_obj_end(w);
}

/* The manufacturer's declaration as read: every field with its line. */
static void write_declaration(fg_jsonw *w, const fg_declaration *d)
{
	fg_jw_key(w, "declaration");
	if (!d) {
		fg_jw_null(w);
		return;
	}
	fg_jw_obj(w);
	fg_jw_kstr(w, "file", d->file);
	fg_jw_kbool(w, "support_ended", d->support_ended);
	fg_jw_key(w, "fields");
	fg_jw_arr(w);
	for (size_t i = 0; i < d->nfields; i++) {
		fg_jw_obj(w);
		fg_jw_kstr(w, "path", d->fields[i].path);
		fg_jw_kstr(w, "value", d->fields[i].value);
		fg_jw_kuint(w, "line", d->fields[i].line);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
	fg_jw_key(w, "warnings");
	fg_jw_arr(w);
	for (size_t i = 0; i < d->nmessages; i++)
		fg_jw_str(w, d->messages[i].text);
	fg_jw_arr_end(w);
	fg_jw_obj_end(w);
}

static void write_compliance(fg_jsonw *w, const fg_result *r)
{
	fg_jw_key(w, "standards");
	fg_jw_arr(w);
	for (size_t s = 0; s < fg_standard_count(); s++) {
		const fg_standard *st = fg_standard_at(s);
		/* mandatory and recommended apart; voluntary ones only in "all" */
		static const struct { const char *key; fg_level_filter which; } groups[] = {
			{ "mandatory", FG_LEVEL_MANDATORY },
			{ "recommended", FG_LEVEL_RECOMMENDED },
			{ "all", FG_LEVEL_ALL },
		};
		size_t counts[3][FG_VERDICT_KINDS], total = 0;
		for (int g = 0; g < 3; g++)
			fg_compliance_summary(r, st->id, groups[g].which, counts[g]);
		for (int k = 0; k < FG_VERDICT_KINDS; k++)
			total += counts[2][k];
		if (!total)
			continue;
		fg_jw_obj(w);
		fg_jw_kstr(w, "id", st->id);
		fg_jw_kstr(w, "name", st->name);
		fg_jw_kstr(w, "edition", st->edition);
		fg_jw_kuint(w, "requirements", total);
		for (int g = 0; g < 3; g++) {
			fg_jw_key(w, groups[g].key);
			fg_jw_obj(w);
			for (int k = 0; k < FG_VERDICT_KINDS; k++)
				fg_jw_kuint(w, fg_verdict_status_name((fg_verdict_status)k), counts[g][k]);
			fg_jw_obj_end(w);
		}
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);

	fg_jw_key(w, "compliance");
	fg_jw_arr(w);
	for (size_t i = 0; i < r->verdicts.n; i++) {
		const fg_verdict *v = &r->verdicts.v[i];
		fg_jw_obj(w);
		fg_jw_kstr(w, "standard", v->standard);
		fg_jw_kstr(w, "requirement", v->requirement);
		fg_jw_kstr(w, "title", v->title);
		fg_jw_kstr(w, "level", v->level);
		fg_jw_kstr(w, "class", v->cls);
		fg_jw_kstr(w, "verdict", fg_verdict_status_name(v->status));
		fg_jw_kuint(w, "findings", v->findings);
		fg_jw_kstr(w, "evidence", v->evidence);
		fg_jw_kstr(w, "declaration", v->declared);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
	write_declaration(w, r->declaration);
}

static void write_diagnostics(fg_jsonw *w, const fg_result *r)
{
	fg_jw_key(w, "checks_run");
	fg_jw_arr(w);
	for (size_t i = 0; i < r->checks_run.n; i++)
		fg_jw_str(w, r->checks_run.v[i]);
	fg_jw_arr_end(w);
	fg_jw_key(w, "diagnostics");
	fg_jw_arr(w);
	for (size_t i = 0; i < r->diags.items.n; i++) {
		const fg_diag *d = &r->diags.items.v[i];
		fg_jw_obj(w);
		fg_jw_kstr(w, "level", fg_diag_level_name(d->level));
		fg_jw_kstr(w, "stage", d->stage);
		fg_jw_kstr(w, "where", d->where);
		fg_jw_kstr(w, "message", d->message);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
}

int fg_report_json(const fg_result *r, FILE *out)
{
	return fg_report_json_ex(r, out, 0);
}

int fg_report_json_ex(const fg_result *r, FILE *out, unsigned flags)
{
	fg_jsonw w;
	fg_jw_init(&w, out);
	fg_jw_obj(&w);
	fg_jw_kstr(&w, "schema", FG_REPORT_SCHEMA);
	fg_jw_key(&w, "tool");
	fg_jw_obj(&w);
	fg_jw_kstr(&w, "name", "firmgate");
	fg_jw_kstr(&w, "version", fg_version());
	fg_jw_obj_end(&w);
	write_input(&w, r);
	write_summary(&w, r);
	write_containers(&w, r);
	write_filesystems(&w, r);
	write_components(&w, r);
	write_vulns(&w, r);
	write_findings(&w, r);
	write_policy(&w, r);
	write_compliance(&w, r);
	fg_hardening_summary(&w, r);
	write_diagnostics(&w, r);
	if (flags & FG_JSON_FILES)
		fg_write_files(&w, r);
	fg_jw_obj_end(&w);
	return ferror(out) ? -1 : 0;
}
