/*
 * diff_load.c - the two sides of `firmgate diff`: from a scan result, or
 * from a saved JSON report (firmgate-report/1).
 *
 * A report is user input and is treated as hostile: the JSON reader is
 * strict and bounded (util/json.h), the top level is streamed and each
 * array element is read as one small DOM value, so memory grows with what
 * the diff keeps, not with the document; required members are checked and
 * an error names the file, the member and the element.
 */
#include "report/diff.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/result.h"
#include "report/report_internal.h"
#include "util/json.h"

/* Bounds for one report: every element is a small object; the whole file
 * may be large (a file list of a big image). */
#define MAX_ELEMENT_BYTES (16u << 20)
#define MAX_ELEMENTS      (16u << 20)  /* per array */
#define MAX_REPORT_BYTES  (8ull << 30)

static fg_diff_side *side_new(const char *label)
{
	fg_diff_side *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	fg_arena_init(&s->arena);
	s->label = fg_arena_strdup(&s->arena, label ? label : "");
	return s;
}

void fg_diff_side_free(fg_diff_side *s)
{
	if (!s)
		return;
	FG_VEC_FREE(&s->comps);
	FG_VEC_FREE(&s->vulns);
	FG_VEC_FREE(&s->findings);
	FG_VEC_FREE(&s->verdicts);
	FG_VEC_FREE(&s->files);
	fg_arena_free(&s->arena);
	free(s);
}

static const char *dup(fg_diff_side *s, const char *str)
{
	return str ? fg_arena_strdup(&s->arena, str) : NULL;
}

/* ---- from a scan result -------------------------------------------------- */

static void add_file(const fg_fsinfo *fs, const fg_node *n, const char *path, const fg_node *content, void *ud)
{
	fg_diff_side *s = ud;
	fg_dfile f = { .path = dup(s, path) };
	if (n->type == FG_NODE_SYMLINK) {
		f.target = dup(s, n->link_target ? n->link_target : "");
		f.mode = n->mode;
	} else if (content) {
		char hex[65];
		fg_sha256_hex(content->data, content->data_len, hex);
		f.sha256 = dup(s, hex);
		f.size = content->data_len;
		f.mode = content->mode;
	}
	(void)fs;
	FG_VEC_PUSH(&s->files, f);
}

fg_diff_side *fg_diff_side_from_result(const fg_result *r, const char *label)
{
	fg_diff_side *s = side_new(label);
	if (!s)
		return NULL;
	s->input = dup(s, r->input_name);
	s->source = "image";
	for (size_t i = 0; i < r->components.n; i++) {
		const fg_component *c = &r->components.v[i];
		fg_dcomp d = { dup(s, c->name), dup(s, c->version ? c->version : ""), dup(s, c->type), dup(s, c->cpe),
			       dup(s, c->purl) };
		FG_VEC_PUSH(&s->comps, d);
	}
	for (size_t i = 0; i < r->vulns.n; i++) {
		const fg_vuln_match *v = &r->vulns.v[i];
		if (v->status != FG_VULN_AFFECTED || v->component >= r->components.n)
			continue;
		const fg_component *c = &r->components.v[v->component];
		fg_dvuln d = { dup(s, v->id), dup(s, c->name), dup(s, c->version), dup(s, v->severity), v->cvss,
			       v->epss, v->kev };
		FG_VEC_PUSH(&s->vulns, d);
	}
	for (size_t i = 0; i < r->findings.n; i++) {
		const fg_finding *f = &r->findings.v[i];
		fg_dfinding d = { dup(s, f->fingerprint), dup(s, f->check_id), dup(s, f->title), dup(s, f->message),
				  dup(s, f->path), dup(s, f->container), dup(s, f->excerpt), dup(s, f->remediation),
				  f->severity, f->line, NULL };
		if (f->suppression)
			d.suppressed = dup(s, f->suppression->justification ? f->suppression->justification : "");
		FG_VEC_PUSH(&s->findings, d);
	}
	for (size_t i = 0; i < r->verdicts.n; i++) {
		const fg_verdict *v = &r->verdicts.v[i];
		fg_dverdict d = { dup(s, v->standard), dup(s, v->requirement), dup(s, v->title), dup(s, v->level),
				  fg_verdict_status_name(v->status) };
		FG_VEC_PUSH(&s->verdicts, d);
	}
	s->has_files = true;
	fg_report_walk_files(r, add_file, s);
	return s;
}

/* ---- from a JSON report -------------------------------------------------- */

typedef struct loader {
	fg_diff_side *side;
	fg_json_reader *r;
	fg_arena scratch;          /* one element at a time */
	char *err;
	size_t errlen;
	bool failed;
	FG_VEC(size_t) vuln_comp;  /* component_index of each vulnerability kept */
} loader;

static bool fail(loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(loader *l, const char *fmt, ...)
{
	if (l->failed)
		return false;
	l->failed = true;
	int w = snprintf(l->err, l->errlen, "%s: ", l->side->label);
	va_list ap;
	va_start(ap, fmt);
	if (w >= 0 && (size_t)w < l->errlen)
		vsnprintf(l->err + w, l->errlen - (size_t)w, fmt, ap);
	va_end(ap);
	return false;
}

static bool json_failed(loader *l)
{
	return fail(l, "not a readable JSON report: %s", fg_json_errmsg(l->r));
}

/* String member KEY of element V, copied; NULL when absent or null. A
 * member of another type is an error when REQUIRED or not null. */
static bool get_str(loader *l, const fg_json *v, const char *arr, size_t idx, const char *key, bool required,
		    const char **out)
{
	const fg_json *m = fg_json_get(v, key);
	*out = NULL;
	if (m && m->type == FG_JSON_STRING) {
		*out = dup(l->side, m->s);
		return true;
	}
	if (!required && (!m || m->type == FG_JSON_NULL))
		return true;
	return fail(l, "%s[%zu]: member '%s' %s", arr, idx, key, m ? "is not a string" : "is missing");
}

static double get_num(const fg_json *v, const char *key)
{
	double d;
	return fg_json_getnum(v, key, &d) ? d : -1;
}

typedef bool (*element_fn)(loader *l, const fg_json *v, const char *arr, size_t idx);

static bool read_array(loader *l, const char *arr, element_fn fn)
{
	if (fg_json_peek(l->r) == 'n')
		return fg_json_skip_value(l->r) || json_failed(l);
	if (fg_json_peek(l->r) != '[')
		return fail(l, "member '%s' is not an array", arr);
	if (!fg_json_arr_begin(l->r))
		return json_failed(l);
	int more;
	size_t idx = 0;
	while ((more = fg_json_arr_next(l->r)) == 1) {
		if (idx >= MAX_ELEMENTS)
			return fail(l, "%s: more than %u elements", arr, MAX_ELEMENTS);
		fg_arena_free(&l->scratch);
		fg_arena_init(&l->scratch);
		fg_json *v = fg_json_read_value(l->r, &l->scratch);
		if (!v)
			return json_failed(l);
		if (v->type != FG_JSON_OBJECT)
			return fail(l, "%s[%zu] is not an object", arr, idx);
		if (!fn(l, v, arr, idx))
			return false;
		idx++;
	}
	return more == 0 || json_failed(l);
}

static bool read_component(loader *l, const fg_json *v, const char *arr, size_t idx)
{
	fg_dcomp c = { 0 };
	if (!get_str(l, v, arr, idx, "name", true, &c.name) || !get_str(l, v, arr, idx, "version", false, &c.version) ||
	    !get_str(l, v, arr, idx, "type", false, &c.type) || !get_str(l, v, arr, idx, "cpe", false, &c.cpe) ||
	    !get_str(l, v, arr, idx, "purl", false, &c.purl))
		return false;
	if (!c.version)
		c.version = "";
	return FG_VEC_PUSH(&l->side->comps, c) || fail(l, "out of memory");
}

static bool read_vuln(loader *l, const fg_json *v, const char *arr, size_t idx)
{
	fg_dvuln d = { 0 };
	const char *status;
	if (!get_str(l, v, arr, idx, "id", true, &d.id) || !get_str(l, v, arr, idx, "component", true, &d.component) ||
	    !get_str(l, v, arr, idx, "severity", false, &d.severity) ||
	    !get_str(l, v, arr, idx, "status", false, &status))
		return false;
	if (status && strcmp(status, "affected") != 0)
		return true;
	d.cvss = get_num(v, "cvss");
	d.epss = get_num(v, "epss");
	d.kev = fg_json_getbool(v, "kev") == 1;
	double ci = get_num(v, "component_index");
	size_t index = ci >= 0 && ci < (double)SIZE_MAX ? (size_t)ci : SIZE_MAX;
	return (FG_VEC_PUSH(&l->side->vulns, d) && FG_VEC_PUSH(&l->vuln_comp, index)) || fail(l, "out of memory");
}

static bool read_finding(loader *l, const fg_json *v, const char *arr, size_t idx)
{
	fg_dfinding f = { 0 };
	const char *sev;
	if (!get_str(l, v, arr, idx, "fingerprint", true, &f.fingerprint) ||
	    !get_str(l, v, arr, idx, "check_id", true, &f.check_id) ||
	    !get_str(l, v, arr, idx, "severity", true, &sev) || !get_str(l, v, arr, idx, "path", true, &f.path) ||
	    !get_str(l, v, arr, idx, "title", false, &f.title) || !get_str(l, v, arr, idx, "message", false, &f.message) ||
	    !get_str(l, v, arr, idx, "container", false, &f.container) ||
	    !get_str(l, v, arr, idx, "excerpt", false, &f.excerpt) ||
	    !get_str(l, v, arr, idx, "remediation", false, &f.remediation))
		return false;
	if (fg_severity_parse(sev, &f.severity) != 0)
		return fail(l, "%s[%zu]: unknown severity '%.40s'", arr, idx, sev);
	double line = get_num(v, "line");
	f.line = line >= 1 && line <= 4294967295.0 ? (unsigned)line : 0;
	/* "suppression": null, or the entry that suppressed it in that scan */
	const fg_json *sup = fg_json_get(v, "suppression");
	if (sup && sup->type == FG_JSON_OBJECT) {
		if (!get_str(l, sup, arr, idx, "justification", false, &f.suppressed))
			return false;
		if (!f.suppressed)
			f.suppressed = "";
	} else if (sup && sup->type != FG_JSON_NULL) {
		return fail(l, "%s[%zu]: member 'suppression' is neither an object nor null", arr, idx);
	}
	return FG_VEC_PUSH(&l->side->findings, f) || fail(l, "out of memory");
}

static bool read_verdict(loader *l, const fg_json *v, const char *arr, size_t idx)
{
	fg_dverdict d = { 0 };
	if (!get_str(l, v, arr, idx, "standard", true, &d.standard) ||
	    !get_str(l, v, arr, idx, "requirement", true, &d.requirement) ||
	    !get_str(l, v, arr, idx, "verdict", true, &d.verdict) || !get_str(l, v, arr, idx, "title", false, &d.title) ||
	    !get_str(l, v, arr, idx, "level", false, &d.level))
		return false;
	return FG_VEC_PUSH(&l->side->verdicts, d) || fail(l, "out of memory");
}

static bool read_file(loader *l, const fg_json *v, const char *arr, size_t idx)
{
	fg_dfile f = { 0 };
	const char *type;
	if (!get_str(l, v, arr, idx, "path", true, &f.path) || !get_str(l, v, arr, idx, "type", false, &type) ||
	    !get_str(l, v, arr, idx, "sha256", false, &f.sha256) || !get_str(l, v, arr, idx, "target", false, &f.target))
		return false;
	if (type && !strcmp(type, "symlink") && !f.target)
		f.target = "";
	double size = get_num(v, "size"), mode = get_num(v, "mode");
	f.size = size >= 0 && size < 1.8e19 ? (uint64_t)size : 0;
	f.mode = mode >= 0 && mode <= 0xffff ? (uint32_t)mode : 0;
	return FG_VEC_PUSH(&l->side->files, f) || fail(l, "out of memory");
}

static bool read_input(loader *l)
{
	fg_json *v = fg_json_read_value(l->r, &l->scratch);
	if (!v)
		return json_failed(l);
	const char *name = fg_json_gets(v, "name");
	l->side->input = dup(l->side, name ? name : "");
	return true;
}

static bool read_schema(loader *l)
{
	fg_json *v = fg_json_read_value(l->r, &l->scratch);
	if (!v)
		return json_failed(l);
	const char *schema = fg_json_str(v);
	if (!schema || strcmp(schema, FG_REPORT_SCHEMA) != 0)
		return fail(l, "not a firmgate report: schema is %s%.60s%s (expected %s)", schema ? "'" : "",
			    schema ? schema : "not a string", schema ? "'" : "", FG_REPORT_SCHEMA);
	return true;
}

/* Top-level members the diff reads; each at most once. */
enum { M_SCHEMA, M_INPUT, M_COMPONENTS, M_VULNS, M_FINDINGS, M_COMPLIANCE, M_FILES, M_COUNT };
static const char *const member_names[M_COUNT] = {
	"schema", "input", "components", "vulnerabilities", "findings", "compliance", "files",
};

static bool read_member(loader *l, int m)
{
	switch (m) {
	case M_SCHEMA: return read_schema(l);
	case M_INPUT: return read_input(l);
	case M_COMPONENTS: return read_array(l, "components", read_component);
	case M_VULNS: return read_array(l, "vulnerabilities", read_vuln);
	case M_FINDINGS: return read_array(l, "findings", read_finding);
	case M_COMPLIANCE: return read_array(l, "compliance", read_verdict);
	case M_FILES: l->side->has_files = true; return read_array(l, "files", read_file);
	}
	return false;
}

/* Vulnerabilities name their component; its version comes from the
 * components array by index (which may come later in the document). */
static bool resolve_versions(loader *l)
{
	for (size_t i = 0; i < l->side->vulns.n; i++) {
		size_t k = l->vuln_comp.v[i];
		fg_dvuln *v = &l->side->vulns.v[i];
		if (k < l->side->comps.n && !strcmp(l->side->comps.v[k].name, v->component))
			v->version = l->side->comps.v[k].version;
		else
			v->version = "";
	}
	return true;
}

static bool load(loader *l)
{
	bool seen[M_COUNT] = { false };
	if (!fg_json_obj_begin(l->r))
		return json_failed(l);
	char key[256];
	int more;
	while ((more = fg_json_obj_next(l->r, key, sizeof(key))) == 1) {
		int m = 0;
		while (m < M_COUNT && strcmp(key, member_names[m]) != 0)
			m++;
		if (m == M_COUNT) {
			if (!fg_json_skip_value(l->r))
				return json_failed(l);
			continue;
		}
		if (seen[m])
			return fail(l, "member '%s' appears twice", key);
		seen[m] = true;
		if (!read_member(l, m))
			return false;
	}
	if (more < 0 || !fg_json_finish(l->r))
		return json_failed(l);
	if (!seen[M_SCHEMA])
		return fail(l, "not a firmgate report: no \"schema\" member (expected %s)", FG_REPORT_SCHEMA);
	if (!seen[M_FINDINGS])
		return fail(l, "member 'findings' is missing");
	return resolve_versions(l);
}

static fg_diff_side *load_from(fg_json_reader *r, const char *label, char *err, size_t errlen)
{
	fg_diff_side *s = side_new(label);
	if (!s) {
		fg_json_close(r);
		snprintf(err, errlen, "%s: out of memory", label);
		return NULL;
	}
	s->source = "report";
	loader l = { .side = s, .r = r, .err = err, .errlen = errlen };
	fg_arena_init(&l.scratch);
	bool ok = load(&l);
	fg_arena_free(&l.scratch);
	FG_VEC_FREE(&l.vuln_comp);
	fg_json_close(r);
	if (!ok) {
		fg_diff_side_free(s);
		return NULL;
	}
	if (!s->input)
		s->input = s->label;
	return s;
}

static void report_limits(fg_json_limits *lim)
{
	fg_json_limits_default(lim);
	lim->max_value_bytes = MAX_ELEMENT_BYTES;
	lim->max_total_bytes = MAX_REPORT_BYTES;
}

fg_diff_side *fg_diff_side_from_report(const char *path, char *err, size_t errlen)
{
	fg_json_limits lim;
	report_limits(&lim);
	char oerr[512];
	fg_json_reader *r = fg_json_open_file(path, &lim, oerr, sizeof(oerr));
	if (!r) {
		snprintf(err, errlen, "%s", oerr);
		return NULL;
	}
	return load_from(r, path, err, errlen);
}

fg_diff_side *fg_diff_side_from_buffer(const void *buf, size_t len, const char *label, char *err, size_t errlen)
{
	fg_json_limits lim;
	report_limits(&lim);
	fg_json_reader *r = fg_json_open_mem(buf, len, &lim);
	if (!r) {
		snprintf(err, errlen, "%s: out of memory", label);
		return NULL;
	}
	return load_from(r, label, err, errlen);
}

bool fg_diff_is_report(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	int c;
	size_t n = 0;
	while ((c = fgetc(f)) != EOF && n++ < 4096)
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
	fclose(f);
	return c == '{';
}
