/*
 * import.c - one transaction, any number of files; each file is walked as
 * a stream and every record parsed into its own arena, so memory stays
 * proportional to one record however big the feed.
 */
#include "vulns/import.h"

#include <ctype.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "core/vec.h"
#include "util/json.h"
#include "vulns/cpe.h"

enum { SRC_NVD, SRC_KEV, SRC_EPSS, SRC_OSV, NSRC };
static const char *const src_names[NSRC] = { "nvd", "kev", "epss", "osv" };

enum {
	S_SEL_CVE, S_INS_CVE, S_UPD_CVE, S_DEL_CPE, S_INS_CPE, S_DEL_NOCFG, S_INS_NOCFG,
	S_INS_KEV, S_INS_EPSS, S_SEL_OSV, S_INS_OSV, S_DEL_OSVA, S_INS_OSVA, S_PUT_TEXT, NSTMT
};

static const char *const stmt_sql[NSTMT] = {
	[S_SEL_CVE] = "SELECT rid, modified FROM cve WHERE id = ?1",
	[S_INS_CVE] = "INSERT INTO cve(id, published, modified, status, source,"
		      " cvss3_score, cvss3_vector, cvss3_severity, cvss3_version,"
		      " cvss2_score, cvss2_vector, cvss2_severity, cvss4_score, cvss4_vector, cvss4_severity,"
		      " cwe, has_config, cisa_added, cisa_due, cisa_action, cisa_name)"
		      " VALUES(?1,?2,?3,?4,?5,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22)",
	[S_UPD_CVE] = "UPDATE cve SET published=?2, modified=?3, status=?4, source=?5,"
		      " cvss3_score=?7, cvss3_vector=?8, cvss3_severity=?9, cvss3_version=?10,"
		      " cvss2_score=?11, cvss2_vector=?12, cvss2_severity=?13, cvss4_score=?14,"
		      " cvss4_vector=?15, cvss4_severity=?16, cwe=?17, has_config=?18, cisa_added=?19,"
		      " cisa_due=?20, cisa_action=?21, cisa_name=?22 WHERE id=?1",
	[S_DEL_CPE] = "DELETE FROM cpe_match WHERE cve = ?1",
	[S_INS_CPE] = "INSERT INTO cpe_match VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19)",
	[S_DEL_NOCFG] = "DELETE FROM nocfg WHERE rowid = ?1",
	[S_INS_NOCFG] = "INSERT INTO nocfg(rowid, description) VALUES(?1, ?2)",
	[S_INS_KEV] = "INSERT INTO kev VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10) ON CONFLICT(cve) DO UPDATE SET"
		      " vendor=excluded.vendor, product=excluded.product, name=excluded.name,"
		      " date_added=excluded.date_added, due_date=excluded.due_date,"
		      " ransomware=excluded.ransomware, action=excluded.action, notes=excluded.notes,"
		      " cwes=excluded.cwes",
	[S_INS_EPSS] = "INSERT INTO epss VALUES(?1,?2,?3,?4) ON CONFLICT(cve) DO UPDATE SET"
		       " score=excluded.score, percentile=excluded.percentile, date=excluded.date"
		       " WHERE excluded.date >= epss.date",
	[S_SEL_OSV] = "SELECT modified FROM osv WHERE id = ?1",
	[S_INS_OSV] = "INSERT OR REPLACE INTO osv VALUES(?1,?2,?3,?4,?5,?6,?7)",
	[S_DEL_OSVA] = "DELETE FROM osv_affected WHERE id = ?1",
	[S_INS_OSVA] = "INSERT INTO osv_affected VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
	[S_PUT_TEXT] = "INSERT OR REPLACE INTO cve_text VALUES(?1, ?2)",
};

struct fg_vimport {
	fg_vdb *db;
	sqlite3_stmt *st[NSTMT];
	fg_vimport_stats stats;
	bool touched[NSRC];
	char feed_date[NSRC][40];
	char detail[NSRC][200];
	uint64_t records;        /* for the abort hook */
	uint64_t abort_after;
	fg_arena arena;          /* one record */
	char *err;
	size_t errlen;
	const char *path;
	unsigned kinds;          /* bit per source, this file */
};

/* ---- helpers ---------------------------------------------------------- */

__attribute__((format(printf, 2, 3)))
static int im_fail(fg_vimport *im, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(im->err, im->errlen, "%s: %s", im->path, msg);
	return -1;
}

static int db_fail(fg_vimport *im, const char *what)
{
	return im_fail(im, "%s: %s", what, sqlite3_errmsg(im->db->db));
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_score(sqlite3_stmt *st, int i, double v)
{
	if (v >= 0)
		sqlite3_bind_double(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static int step_done(fg_vimport *im, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(im, what);
	return 0;
}

static void counted(fg_vimport *im)
{
	im->records++;
	if (im->abort_after && im->records >= im->abort_after) {
		/* the test hook: die the hardest way, mid-transaction */
		fflush(NULL);
		kill(getpid(), SIGKILL);
	}
}

static bool valid_cve_id(const char *id)
{
	if (!id || strncmp(id, "CVE-", 4) != 0)
		return false;
	const char *p = id + 4;
	for (int i = 0; i < 4; i++)
		if (!isdigit((unsigned char)*p++))
			return false;
	if (*p++ != '-')
		return false;
	size_t n = 0;
	while (isdigit((unsigned char)*p)) {
		p++;
		n++;
	}
	return *p == '\0' && n >= 4 && n <= 19;
}

static bool valid_id(const char *id)
{
	if (!id || !*id || strlen(id) > 128)
		return false;
	for (const char *p = id; *p; p++)
		if (*p <= ' ' || *p > '~')
			return false;
	return true;
}

/* "2024-02-22T19:07:27.197", "2019-10-09T23:30Z", "2023-08-06" ->
 * "YYYY-MM-DDTHH:MM:SS.fff"; anything else is copied (bounded). */
static const char *norm_date(const char *in, char *out, size_t outsz)
{
	if (!in)
		return NULL;
	int y, mo, d, h = 0, mi = 0, s = 0, ms = 0;
	int n = 0;
	if (sscanf(in, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10) {
		const char *p = in + 10;
		if (*p == 'T' || *p == ' ') {
			int k = 0;
			if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &k) == 2) {
				p += 1 + k;
				if (*p == ':') {
					k = 0;
					if (sscanf(p + 1, "%2d%n", &s, &k) == 1)
						p += 1 + k;
					if (*p == '.') {
						int digits = 0;
						p++;
						while (isdigit((unsigned char)*p)) {
							if (digits < 3)
								ms = ms * 10 + (*p - '0');
							digits++;
							p++;
						}
						for (; digits < 3; digits++)
							ms *= 10;
					}
				}
			}
		}
		if (y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24 &&
		    mi < 60 && s < 61 && h >= 0 && mi >= 0 && s >= 0) {
			snprintf(out, outsz, "%04u-%02u-%02uT%02u:%02u:%02u.%03u", (unsigned)y % 10000u,
				 (unsigned)mo % 100u, (unsigned)d % 100u, (unsigned)h % 100u, (unsigned)mi % 100u,
				 (unsigned)s % 100u, (unsigned)ms % 1000u);
			return out;
		}
	}
	snprintf(out, outsz, "%.39s", in);
	return out;
}

/* ---- NVD -------------------------------------------------------------- */

typedef struct cvss {
	double score;
	const char *vector, *severity, *version;
} cvss;

typedef struct cpe_row {
	int cfg, cfg_and, node, node_and, node_negate, vulnerable;
	const char *criteria, *vs_incl, *vs_excl, *ve_incl, *ve_excl;
} cpe_row;

typedef struct nvd_rec {
	const char *id, *published, *modified, *status, *source, *description, *cwe;
	cvss v3, v2, v4;
	const char *cisa_added, *cisa_due, *cisa_action, *cisa_name;
	FG_VEC(cpe_row) rows;
	int ncfg;
	FG_VEC(int) cfg_nodes;   /* nodes per configuration */
} nvd_rec;

static const char *en_text(const fg_json *arr, const char *field)
{
	const char *first = NULL;
	for (const fg_json *d = arr ? arr->child : NULL; d; d = d->next) {
		const char *v = fg_json_gets(d, field);
		if (!v)
			continue;
		const char *lang = fg_json_gets(d, "lang");
		if (lang && !strcmp(lang, "en"))
			return v;
		if (!first)
			first = v;
	}
	return first;
}

/* The primary (NVD) metric of a cvssMetricV* array, else the first. */
static void pick_cvss(const fg_json *arr, cvss *out, bool v2)
{
	const fg_json *best = NULL;
	for (const fg_json *m = fg_json_is(arr, FG_JSON_ARRAY) ? arr->child : NULL; m; m = m->next) {
		if (!fg_json_get(m, "cvssData"))
			continue;
		const char *type = fg_json_gets(m, "type");
		if (!best || (type && !strcmp(type, "Primary") &&
			      !(fg_json_gets(best, "type") && !strcmp(fg_json_gets(best, "type"), "Primary"))))
			best = m;
	}
	if (!best)
		return;
	const fg_json *d = fg_json_get(best, "cvssData");
	double s;
	if (fg_json_getnum(d, "baseScore", &s) && s >= 0 && s <= 10)
		out->score = s;
	out->vector = fg_json_gets(d, "vectorString");
	out->version = fg_json_gets(d, "version");
	out->severity = fg_json_gets(d, "baseSeverity");
	if (v2 || !out->severity)
		out->severity = fg_json_gets(best, "baseSeverity") ? fg_json_gets(best, "baseSeverity") : out->severity;
}

static char *join_cwes(fg_arena *a, const fg_json *weak, bool v11)
{
	char buf[512];
	size_t o = 0;
	buf[0] = '\0';
	for (const fg_json *w = weak ? weak->child : NULL; w; w = w->next) {
		const fg_json *descs = fg_json_get(w, "description");
		for (const fg_json *d = descs ? descs->child : NULL; d; d = d->next) {
			const char *v = fg_json_gets(d, "value");
			(void)v11;
			if (!v || strlen(v) > 40)
				continue;
			/* dedupe */
			bool seen = false;
			size_t vl = strlen(v);
			for (const char *p = buf; (p = strstr(p, v)); p += vl)
				if ((p == buf || p[-1] == ',') && (p[vl] == ',' || !p[vl]))
					seen = true;
			if (seen || o + vl + 2 >= sizeof(buf))
				continue;
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", o ? "," : "", v);
		}
	}
	return o ? fg_arena_strdup(a, buf) : NULL;
}

static void add_rows(nvd_rec *r, const fg_json *matches, const char *uri_key, int cfg, int cfg_and,
		     int node, int node_and, int negate)
{
	for (const fg_json *m = matches ? matches->child : NULL; m; m = m->next) {
		const char *crit = fg_json_gets(m, uri_key);
		if (!crit)
			continue;
		cpe_row row = {
			.cfg = cfg, .cfg_and = cfg_and, .node = node, .node_and = node_and,
			.node_negate = negate, .vulnerable = fg_json_getbool(m, "vulnerable") == 1,
			.criteria = crit,
			.vs_incl = fg_json_gets(m, "versionStartIncluding"),
			.vs_excl = fg_json_gets(m, "versionStartExcluding"),
			.ve_incl = fg_json_gets(m, "versionEndIncluding"),
			.ve_excl = fg_json_gets(m, "versionEndExcluding"),
		};
		FG_VEC_PUSH(&r->rows, row);
	}
}

static bool op_is_and(const fg_json *o)
{
	const char *op = fg_json_gets(o, "operator");
	return op && !strcmp(op, "AND");
}

/* NVD CVE JSON 2.0: the "cve" object. */
static void parse_nvd20(const fg_json *c, nvd_rec *r, fg_arena *a)
{
	r->id = fg_json_gets(c, "id");
	r->published = fg_json_gets(c, "published");
	r->modified = fg_json_gets(c, "lastModified");
	r->status = fg_json_gets(c, "vulnStatus");
	r->source = fg_json_gets(c, "sourceIdentifier");
	r->description = en_text(fg_json_get(c, "descriptions"), "value");
	const fg_json *m = fg_json_get(c, "metrics");
	pick_cvss(fg_json_get(m, "cvssMetricV31"), &r->v3, false);
	if (r->v3.score < 0)
		pick_cvss(fg_json_get(m, "cvssMetricV30"), &r->v3, false);
	pick_cvss(fg_json_get(m, "cvssMetricV2"), &r->v2, true);
	pick_cvss(fg_json_get(m, "cvssMetricV40"), &r->v4, false);
	r->cwe = join_cwes(a, fg_json_get(c, "weaknesses"), false);
	r->cisa_added = fg_json_gets(c, "cisaExploitAdd");
	r->cisa_due = fg_json_gets(c, "cisaActionDue");
	r->cisa_action = fg_json_gets(c, "cisaRequiredAction");
	r->cisa_name = fg_json_gets(c, "cisaVulnerabilityName");
	const fg_json *cfgs = fg_json_get(c, "configurations");
	int cfg = 0;
	for (const fg_json *g = fg_json_is(cfgs, FG_JSON_ARRAY) ? cfgs->child : NULL; g; g = g->next) {
		const fg_json *nodes = fg_json_get(g, "nodes");
		int g_and = op_is_and(g);
		size_t before = r->rows.n;
		int node = 0;
		for (const fg_json *n = fg_json_is(nodes, FG_JSON_ARRAY) ? nodes->child : NULL; n; n = n->next) {
			size_t b2 = r->rows.n;
			add_rows(r, fg_json_get(n, "cpeMatch"), "criteria", cfg, g_and, node, op_is_and(n),
				 fg_json_getbool(n, "negate") == 1);
			if (r->rows.n > b2)
				node++;
		}
		if (r->rows.n > before) {
			FG_VEC_PUSH(&r->cfg_nodes, node);
			cfg++;
		}
	}
	r->ncfg = cfg;
}

/* NVD JSON 1.1 feed item. Each top-level node is a configuration: its
 * children are the configuration's nodes (one level; deeper nesting is
 * flattened), or the node alone when it has none. */
static void parse_nvd11(const fg_json *item, nvd_rec *r, fg_arena *a)
{
	const fg_json *cve = fg_json_get(item, "cve");
	r->id = fg_json_gets(fg_json_get(cve, "CVE_data_meta"), "ID");
	r->published = fg_json_gets(item, "publishedDate");
	r->modified = fg_json_gets(item, "lastModifiedDate");
	r->status = "Legacy feed";
	r->source = fg_json_gets(fg_json_get(cve, "CVE_data_meta"), "ASSIGNER");
	r->description = en_text(fg_json_get(fg_json_get(cve, "description"), "description_data"), "value");
	if (r->description && !strncmp(r->description, "** REJECT **", 12))
		r->status = "Rejected";
	const fg_json *impact = fg_json_get(item, "impact");
	const fg_json *b3 = fg_json_get(impact, "baseMetricV3");
	const fg_json *c3 = fg_json_get(b3, "cvssV3");
	double s;
	if (fg_json_getnum(c3, "baseScore", &s) && s >= 0 && s <= 10) {
		r->v3.score = s;
		r->v3.vector = fg_json_gets(c3, "vectorString");
		r->v3.severity = fg_json_gets(c3, "baseSeverity");
		r->v3.version = fg_json_gets(c3, "version");
	}
	const fg_json *b2 = fg_json_get(impact, "baseMetricV2");
	const fg_json *c2 = fg_json_get(b2, "cvssV2");
	if (fg_json_getnum(c2, "baseScore", &s) && s >= 0 && s <= 10) {
		r->v2.score = s;
		r->v2.vector = fg_json_gets(c2, "vectorString");
		r->v2.severity = fg_json_gets(b2, "severity");
		r->v2.version = "2.0";
	}
	r->cwe = join_cwes(a, fg_json_get(fg_json_get(cve, "problemtype"), "problemtype_data"), true);
	const fg_json *nodes = fg_json_get(fg_json_get(item, "configurations"), "nodes");
	int cfg = 0;
	for (const fg_json *top = fg_json_is(nodes, FG_JSON_ARRAY) ? nodes->child : NULL; top; top = top->next) {
		size_t before = r->rows.n;
		const fg_json *kids = fg_json_get(top, "children");
		int node = 0;
		if (fg_json_is(kids, FG_JSON_ARRAY) && kids->child) {
			int g_and = op_is_and(top);
			/* breadth: children, and their children appended as nodes */
			const fg_json *queue[64];
			size_t qn = 0;
			for (const fg_json *k = kids->child; k && qn < 64; k = k->next)
				queue[qn++] = k;
			for (size_t i = 0; i < qn; i++) {
				size_t b = r->rows.n;
				add_rows(r, fg_json_get(queue[i], "cpe_match"), "cpe23Uri", cfg, g_and, node,
					 op_is_and(queue[i]), fg_json_getbool(queue[i], "negate") == 1);
				if (r->rows.n > b)
					node++;
				const fg_json *gk = fg_json_get(queue[i], "children");
				for (const fg_json *k = fg_json_is(gk, FG_JSON_ARRAY) ? gk->child : NULL; k && qn < 64; k = k->next)
					queue[qn++] = k;
			}
		} else {
			add_rows(r, fg_json_get(top, "cpe_match"), "cpe23Uri", cfg, 0, 0, op_is_and(top),
				 fg_json_getbool(top, "negate") == 1);
			node = r->rows.n > before ? 1 : 0;
		}
		if (r->rows.n > before) {
			FG_VEC_PUSH(&r->cfg_nodes, node);
			cfg++;
		}
	}
	r->ncfg = cfg;
}

static const char *lower_sev(fg_arena *a, const char *s)
{
	if (!s)
		return NULL;
	char buf[16];
	size_t i = 0;
	for (; s[i] && i + 1 < sizeof(buf); i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[i] = '\0';
	static const char *const ok[] = { "critical", "high", "medium", "low", "none" };
	for (size_t k = 0; k < 5; k++)
		if (!strcmp(buf, ok[k]))
			return ok[k];
	(void)a;
	return NULL;
}

static int store_nvd(fg_vimport *im, nvd_rec *r)
{
	if (!valid_cve_id(r->id))
		return im_fail(im, "record with an invalid CVE ID");
	char pub[40], mod[40];
	const char *published = norm_date(r->published, pub, sizeof(pub));
	const char *modified = norm_date(r->modified, mod, sizeof(mod));
	if (!modified)
		modified = published ? published : "";
	im->kinds |= 1u << SRC_NVD;
	im->touched[SRC_NVD] = true;
	counted(im);

	/* upsert by ID and modification date */
	sqlite3_stmt *st = im->st[S_SEL_CVE];
	bind_text(st, 1, r->id);
	int64_t rid = -1;
	bool newer = true;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rid = sqlite3_column_int64(st, 0);
		const unsigned char *old = sqlite3_column_text(st, 1);
		if (old && strcmp((const char *)old, modified) >= 0)
			newer = false;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(im, "cve lookup");
	if (!newer) {
		im->stats.nvd_unchanged++;
		return 0;
	}
	bool rejected = r->status && !strcmp(r->status, "Rejected");
	if (rejected)
		r->rows.n = 0;
	bool has_config = r->rows.n > 0;

	st = im->st[rid >= 0 ? S_UPD_CVE : S_INS_CVE];
	bind_text(st, 1, r->id);
	bind_text(st, 2, published);
	bind_text(st, 3, modified);
	bind_text(st, 4, r->status);
	bind_text(st, 5, r->source);
	bind_score(st, 7, r->v3.score);
	bind_text(st, 8, r->v3.score >= 0 ? r->v3.vector : NULL);
	bind_text(st, 9, r->v3.score >= 0 ? lower_sev(&im->arena, r->v3.severity) : NULL);
	bind_text(st, 10, r->v3.score >= 0 ? r->v3.version : NULL);
	bind_score(st, 11, r->v2.score);
	bind_text(st, 12, r->v2.score >= 0 ? r->v2.vector : NULL);
	bind_text(st, 13, r->v2.score >= 0 ? lower_sev(&im->arena, r->v2.severity) : NULL);
	bind_score(st, 14, r->v4.score);
	bind_text(st, 15, r->v4.score >= 0 ? r->v4.vector : NULL);
	bind_text(st, 16, r->v4.score >= 0 ? lower_sev(&im->arena, r->v4.severity) : NULL);
	bind_text(st, 17, r->cwe);
	sqlite3_bind_int(st, 18, has_config);
	bind_text(st, 19, r->cisa_added);
	bind_text(st, 20, r->cisa_due);
	bind_text(st, 21, r->cisa_action);
	bind_text(st, 22, r->cisa_name);
	if (step_done(im, st, "cve insert") != 0)
		return -1;
	if (rid < 0) {
		rid = sqlite3_last_insert_rowid(im->db->db);
		im->stats.nvd_new++;
	} else {
		im->stats.nvd_updated++;
		st = im->st[S_DEL_CPE];
		bind_text(st, 1, r->id);
		if (step_done(im, st, "cpe_match delete") != 0)
			return -1;
		st = im->st[S_DEL_NOCFG];
		sqlite3_bind_int64(st, 1, rid);
		if (step_done(im, st, "nocfg delete") != 0)
			return -1;
	}
	st = im->st[S_PUT_TEXT];
	sqlite3_bind_int64(st, 1, rid);
	bind_text(st, 2, r->description);
	if (step_done(im, st, "cve_text insert") != 0)
		return -1;
	if (!has_config && !rejected && r->description) {
		st = im->st[S_INS_NOCFG];
		sqlite3_bind_int64(st, 1, rid);
		bind_text(st, 2, r->description);
		if (step_done(im, st, "nocfg insert") != 0)
			return -1;
	}
	st = im->st[S_INS_CPE];
	for (size_t i = 0; i < r->rows.n; i++) {
		const cpe_row *row = &r->rows.v[i];
		fg_vcpe c;
		if (!fg_vcpe_parse(row->criteria, &c))
			continue;
		bind_text(st, 1, r->id);
		sqlite3_bind_int(st, 2, row->cfg);
		sqlite3_bind_int(st, 3, row->cfg_and);
		sqlite3_bind_int(st, 4, r->cfg_nodes.v[row->cfg]);
		sqlite3_bind_int(st, 5, row->node);
		sqlite3_bind_int(st, 6, row->node_and);
		sqlite3_bind_int(st, 7, row->node_negate);
		sqlite3_bind_int(st, 8, row->vulnerable);
		bind_text(st, 9, c.f[FG_VCPE_PART]);
		bind_text(st, 10, c.f[FG_VCPE_VENDOR]);
		bind_text(st, 11, c.f[FG_VCPE_PRODUCT]);
		bind_text(st, 12, c.f[FG_VCPE_VERSION]);
		bind_text(st, 13, c.f[FG_VCPE_UPDATE]);
		bind_text(st, 14, row->criteria);
		bind_text(st, 15, row->vs_incl);
		bind_text(st, 16, row->vs_excl);
		bind_text(st, 17, row->ve_incl);
		bind_text(st, 18, row->ve_excl);
		sqlite3_bind_int64(st, 19, (sqlite3_int64)i);
		if (step_done(im, st, "cpe_match insert") != 0)
			return -1;
		im->stats.cpe_rows++;
	}
	return 0;
}

static int import_nvd(fg_vimport *im, const fg_json *obj, bool v11)
{
	nvd_rec r;
	memset(&r, 0, sizeof(r));
	r.v2.score = r.v3.score = r.v4.score = -1;
	if (v11)
		parse_nvd11(obj, &r, &im->arena);
	else
		parse_nvd20(obj, &r, &im->arena);
	int rc = store_nvd(im, &r);
	FG_VEC_FREE(&r.rows);
	FG_VEC_FREE(&r.cfg_nodes);
	return rc;
}

/* ---- KEV -------------------------------------------------------------- */

static int import_kev(fg_vimport *im, const fg_json *v)
{
	const char *id = fg_json_gets(v, "cveID");
	if (!valid_cve_id(id))
		return im_fail(im, "KEV entry with an invalid cveID");
	im->kinds |= 1u << SRC_KEV;
	im->touched[SRC_KEV] = true;
	counted(im);
	char cwes[256] = "";
	size_t o = 0;
	const fg_json *cw = fg_json_get(v, "cwes");
	for (const fg_json *c = fg_json_is(cw, FG_JSON_ARRAY) ? cw->child : NULL; c; c = c->next) {
		const char *s = fg_json_str(c);
		if (s && strlen(s) < 40 && o + strlen(s) + 2 < sizeof(cwes))
			o += (size_t)snprintf(cwes + o, sizeof(cwes) - o, "%s%s", o ? "," : "", s);
	}
	char added[40], due[40];
	sqlite3_stmt *st = im->st[S_INS_KEV];
	bind_text(st, 1, id);
	bind_text(st, 2, fg_json_gets(v, "vendorProject"));
	bind_text(st, 3, fg_json_gets(v, "product"));
	bind_text(st, 4, fg_json_gets(v, "vulnerabilityName"));
	bind_text(st, 5, norm_date(fg_json_gets(v, "dateAdded"), added, sizeof(added)) ? added : NULL);
	bind_text(st, 6, norm_date(fg_json_gets(v, "dueDate"), due, sizeof(due)) ? due : NULL);
	bind_text(st, 7, fg_json_gets(v, "knownRansomwareCampaignUse"));
	bind_text(st, 8, fg_json_gets(v, "requiredAction"));
	bind_text(st, 9, fg_json_gets(v, "notes"));
	bind_text(st, 10, o ? cwes : NULL);
	if (step_done(im, st, "kev insert") != 0)
		return -1;
	im->stats.kev++;
	return 0;
}

/* ---- OSV -------------------------------------------------------------- */

static char *join_strings(fg_arena *a, const fg_json *arr, size_t cap)
{
	size_t len = 0;
	for (const fg_json *c = fg_json_is(arr, FG_JSON_ARRAY) ? arr->child : NULL; c; c = c->next)
		if (c->type == FG_JSON_STRING)
			len += c->len + 1;
	if (!len)
		return NULL;
	if (len > cap)
		len = cap;
	char *out = fg_arena_alloc(a, len + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (const fg_json *c = arr->child; c; c = c->next) {
		if (c->type != FG_JSON_STRING || strchr(c->s, ' '))
			continue;
		if (o + c->len + 1 > len)
			break;
		if (o)
			out[o++] = ' ';
		memcpy(out + o, c->s, c->len);
		o += c->len;
	}
	out[o] = '\0';
	return out;
}

static int osv_row(fg_vimport *im, const char *id, const char *eco, const char *pkg, const char *purl,
		   const char *type, const char *intro, const char *fixed, const char *last,
		   const char *lim, const char *versions)
{
	sqlite3_stmt *st = im->st[S_INS_OSVA];
	bind_text(st, 1, id);
	bind_text(st, 2, eco);
	bind_text(st, 3, pkg);
	bind_text(st, 4, purl);
	bind_text(st, 5, type);
	bind_text(st, 6, intro);
	bind_text(st, 7, fixed);
	bind_text(st, 8, last);
	bind_text(st, 9, lim);
	bind_text(st, 10, versions);
	return step_done(im, st, "osv_affected insert");
}

static int import_osv(fg_vimport *im, const fg_json *v)
{
	const char *id = fg_json_gets(v, "id");
	if (!valid_id(id))
		return im_fail(im, "OSV record with an invalid id");
	im->kinds |= 1u << SRC_OSV;
	im->touched[SRC_OSV] = true;
	counted(im);
	char mod[40], pub[40], wd[40];
	const char *modified = norm_date(fg_json_gets(v, "modified"), mod, sizeof(mod));
	if (!modified)
		modified = "";
	sqlite3_stmt *st = im->st[S_SEL_OSV];
	bind_text(st, 1, id);
	bool exists = false, newer = true;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		exists = true;
		const unsigned char *old = sqlite3_column_text(st, 0);
		if (old && strcmp((const char *)old, modified) >= 0)
			newer = false;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(im, "osv lookup");
	if (!newer) {
		im->stats.osv_unchanged++;
		return 0;
	}
	if (exists) {
		st = im->st[S_DEL_OSVA];
		bind_text(st, 1, id);
		if (step_done(im, st, "osv_affected delete") != 0)
			return -1;
		im->stats.osv_updated++;
	} else {
		im->stats.osv_new++;
	}
	/* severity: the first CVSS vector */
	const char *sev = NULL;
	const fg_json *sv = fg_json_get(v, "severity");
	for (const fg_json *s = fg_json_is(sv, FG_JSON_ARRAY) ? sv->child : NULL; s && !sev; s = s->next)
		sev = fg_json_gets(s, "score");
	st = im->st[S_INS_OSV];
	bind_text(st, 1, id);
	bind_text(st, 2, modified);
	bind_text(st, 3, norm_date(fg_json_gets(v, "published"), pub, sizeof(pub)));
	bind_text(st, 4, norm_date(fg_json_gets(v, "withdrawn"), wd, sizeof(wd)));
	bind_text(st, 5, fg_json_gets(v, "summary") ? fg_json_gets(v, "summary") : fg_json_gets(v, "details"));
	bind_text(st, 6, join_strings(&im->arena, fg_json_get(v, "aliases"), 4096));
	bind_text(st, 7, sev);
	if (step_done(im, st, "osv insert") != 0)
		return -1;

	const fg_json *aff = fg_json_get(v, "affected");
	for (const fg_json *a = fg_json_is(aff, FG_JSON_ARRAY) ? aff->child : NULL; a; a = a->next) {
		const fg_json *pkg = fg_json_get(a, "package");
		const char *eco = fg_json_gets(pkg, "ecosystem");
		const char *name = fg_json_gets(pkg, "name");
		const char *purl = fg_json_gets(pkg, "purl");
		if (!name)
			continue;
		const fg_json *ranges = fg_json_get(a, "ranges");
		for (const fg_json *r = fg_json_is(ranges, FG_JSON_ARRAY) ? ranges->child : NULL; r; r = r->next) {
			const char *type = fg_json_gets(r, "type");
			const fg_json *ev = fg_json_get(r, "events");
			const char *intro = NULL;
			bool open = false;
			for (const fg_json *e = fg_json_is(ev, FG_JSON_ARRAY) ? ev->child : NULL; e; e = e->next) {
				const char *i = fg_json_gets(e, "introduced");
				const char *f = fg_json_gets(e, "fixed");
				const char *l = fg_json_gets(e, "last_affected");
				const char *lm = fg_json_gets(e, "limit");
				if (i) {
					if (open && osv_row(im, id, eco, name, purl, type, intro, NULL, NULL, NULL, NULL))
						return -1;
					intro = i;
					open = true;
				} else if ((f || l || lm) && open) {
					if (osv_row(im, id, eco, name, purl, type, intro, f, l, lm, NULL))
						return -1;
					open = false;
				}
			}
			if (open && osv_row(im, id, eco, name, purl, type, intro, NULL, NULL, NULL, NULL))
				return -1;
		}
		char *versions = join_strings(&im->arena, fg_json_get(a, "versions"), 1u << 20);
		if (versions && osv_row(im, id, eco, name, purl, "VERSIONS", NULL, NULL, NULL, NULL, versions))
			return -1;
	}
	return 0;
}

/* ---- dispatch --------------------------------------------------------- */

/* One record of any supported shape: 1 stored, 0 not recognised, -1 error. */
static int dispatch(fg_vimport *im, const fg_json *v)
{
	if (!fg_json_is(v, FG_JSON_OBJECT))
		return 0;
	const fg_json *cve = fg_json_get(v, "cve");
	if (fg_json_is(cve, FG_JSON_OBJECT)) {
		if (fg_json_get(cve, "CVE_data_meta"))
			return import_nvd(im, v, true) == 0 ? 1 : -1;
		return import_nvd(im, cve, false) == 0 ? 1 : -1;
	}
	if (fg_json_gets(v, "cveID"))
		return import_kev(im, v) == 0 ? 1 : -1;
	const char *id = fg_json_gets(v, "id");
	if (id && !strncmp(id, "CVE-", 4) &&
	    (fg_json_get(v, "descriptions") || fg_json_get(v, "vulnStatus") || fg_json_get(v, "lastModified")))
		return import_nvd(im, v, false) == 0 ? 1 : -1;
	if (id && (fg_json_get(v, "affected") || fg_json_get(v, "schema_version") || fg_json_get(v, "modified")))
		return import_osv(im, v) == 0 ? 1 : -1;
	return 0;
}

static void reset_arena(fg_vimport *im)
{
	fg_arena_free(&im->arena);
	fg_arena_init(&im->arena);
}

static int stream_array(fg_vimport *im, fg_json_reader *r, uint64_t *recognised)
{
	if (!fg_json_arr_begin(r))
		return -1;
	int more;
	while ((more = fg_json_arr_next(r)) == 1) {
		reset_arena(im);
		fg_json *v = fg_json_read_value(r, &im->arena);
		if (!v)
			return -1;
		int rc = dispatch(im, v);
		if (rc < 0)
			return -2;
		if (rc == 0)
			im->stats.skipped++;
		else
			(*recognised)++;
	}
	return more < 0 ? -1 : 0;
}

static int import_json(fg_vimport *im, fg_json_reader *r)
{
	uint64_t recognised = 0;
	int c = fg_json_peek(r);
	int rc = 0;
	if (c == '[') {
		rc = stream_array(im, r, &recognised);
	} else if (c == '{') {
		/* members are kept in TOP (its own arena) except the big arrays,
		 * which are streamed record by record */
		fg_arena top_arena;
		fg_arena_init(&top_arena);
		fg_json *top = fg_arena_alloc(&top_arena, sizeof(*top));
		fg_json *last = NULL;
		bool streamed = false;
		uint64_t kept = 0;
		char key[256];
		if (!top || !fg_json_obj_begin(r)) {
			rc = -1;
		} else {
			top->type = FG_JSON_OBJECT;
			int more;
			while ((more = fg_json_obj_next(r, key, sizeof(key))) == 1) {
				if ((!strcmp(key, "vulnerabilities") || !strcmp(key, "CVE_Items")) &&
				    fg_json_peek(r) == '[') {
					streamed = true;
					rc = stream_array(im, r, &recognised);
					if (rc)
						break;
					continue;
				}
				uint64_t at = fg_json_offset(r);
				fg_json *v = fg_json_read_value(r, &top_arena);
				if (!v) {
					rc = -1;
					break;
				}
				kept += fg_json_offset(r) - at;
				if (kept > (64u << 20)) {
					rc = im_fail(im, "too much data outside the record arrays");
					break;
				}
				v->key = fg_arena_strdup(&top_arena, key);
				if (last)
					last->next = v;
				else
					top->child = v;
				last = v;
				top->len++;
			}
			if (!rc && more < 0)
				rc = -1;
		}
		if (!rc) {
			if (!streamed) {
				reset_arena(im);
				int d = dispatch(im, top);
				if (d < 0)
					rc = -2;
				else if (d == 1)
					recognised++;
			} else {
				/* feed metadata */
				const char *cv = fg_json_gets(top, "catalogVersion");
				const char *dr = fg_json_gets(top, "dateReleased");
				char nd[40];
				if (im->kinds & (1u << SRC_KEV)) {
					if (cv)
						snprintf(im->detail[SRC_KEV], sizeof(im->detail[0]), "catalogVersion %.60s", cv);
					if (dr && norm_date(dr, nd, sizeof(nd)))
						snprintf(im->feed_date[SRC_KEV], sizeof(im->feed_date[0]), "%s", nd);
				}
				const char *ts = fg_json_gets(top, "timestamp");
				if ((im->kinds & (1u << SRC_NVD)) && ts && norm_date(ts, nd, sizeof(nd)) &&
				    strcmp(nd, im->feed_date[SRC_NVD]) > 0)
					snprintf(im->feed_date[SRC_NVD], sizeof(im->feed_date[0]), "%s", nd);
			}
		}
		fg_arena_free(&top_arena);
	} else {
		rc = -1;
	}
	if (rc == -1) {
		if (fg_json_failed(r))
			return im_fail(im, "invalid JSON: %s", fg_json_errmsg(r));
		if (!*im->err)
			return im_fail(im, "not JSON");
		return -1;
	}
	if (rc < 0)
		return -1;
	if (!fg_json_finish(r))
		return im_fail(im, "invalid JSON: %s", fg_json_errmsg(r));
	if (!recognised)
		return im_fail(im, "no NVD, OSV or KEV record found (unrecognised JSON)");
	return 0;
}

/* ---- EPSS ------------------------------------------------------------- */

static bool parse_prob(const char *s, double *out)
{
	char *end;
	double d = strtod(s, &end);
	if (end == s || *end || !(d >= 0.0 && d <= 1.0))
		return false;
	*out = d;
	return true;
}

static int import_epss(fg_vimport *im, gzFile gz)
{
	char line[1024];
	char date[40] = "";
	char model[64] = "";
	uint64_t lineno = 0;
	bool header = false;
	while (gzgets(gz, line, sizeof(line))) {
		lineno++;
		size_t len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n')
			return im_fail(im, "line %llu: too long", (unsigned long long)lineno);
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		if (line[0] == '#') {
			/* #model_version:v2023.03.01,score_date:2023-08-06T00:00:00+0000 */
			char *mv = strstr(line, "model_version:");
			char *sd = strstr(line, "score_date:");
			if (mv)
				sscanf(mv + 14, "%63[^,]", model);
			if (sd)
				norm_date(sd + 11, date, sizeof(date));
			continue;
		}
		if (!header) {
			if (strncmp(line, "cve,epss,percentile", 19) != 0)
				return im_fail(im, "line %llu: expected the header cve,epss,percentile",
					       (unsigned long long)lineno);
			header = true;
			continue;
		}
		char *f[3];
		int n = 0;
		char *save = NULL;
		for (char *t = strtok_r(line, ",", &save); t && n < 3; t = strtok_r(NULL, ",", &save))
			f[n++] = t;
		double score, pct;
		if (n != 3 || strtok_r(NULL, ",", &save) || !valid_cve_id(f[0]) || !parse_prob(f[1], &score) ||
		    !parse_prob(f[2], &pct))
			return im_fail(im, "line %llu: malformed EPSS row", (unsigned long long)lineno);
		im->kinds |= 1u << SRC_EPSS;
		im->touched[SRC_EPSS] = true;
		counted(im);
		sqlite3_stmt *st = im->st[S_INS_EPSS];
		bind_text(st, 1, f[0]);
		sqlite3_bind_double(st, 2, score);
		sqlite3_bind_double(st, 3, pct);
		bind_text(st, 4, date);
		if (step_done(im, st, "epss insert") != 0)
			return -1;
		im->stats.epss++;
	}
	int code;
	const char *m = gzerror(gz, &code);
	if (code != Z_OK && code != Z_STREAM_END)
		return im_fail(im, "read error: %s", m);
	if (!header)
		return im_fail(im, "no EPSS header line");
	if (*date && strcmp(date, im->feed_date[SRC_EPSS]) > 0)
		snprintf(im->feed_date[SRC_EPSS], sizeof(im->feed_date[0]), "%s", date);
	if (*model)
		snprintf(im->detail[SRC_EPSS], sizeof(im->detail[0]), "model %s", model);
	return 0;
}

/* ---- the transaction -------------------------------------------------- */

fg_vimport *fg_vimport_begin(fg_vdb *db, char *err, size_t errlen)
{
	fg_vimport *im = calloc(1, sizeof(*im));
	if (!im) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	im->db = db;
	im->err = err;
	im->errlen = errlen;
	fg_arena_init(&im->arena);
	const char *ab = getenv("FG_VULNDB_ABORT_AFTER");
	if (ab && *ab)
		im->abort_after = strtoull(ab, NULL, 10);
	/* WAL: an interrupted transaction is simply never committed */
	if (fg_vdb_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
			    "PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY", err, errlen) != 0 ||
	    fg_vdb_exec(db, "BEGIN IMMEDIATE", err, errlen) != 0) {
		free(im);
		return NULL;
	}
	for (int i = 0; i < NSTMT; i++) {
		if (sqlite3_prepare_v3(db->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &im->st[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: %s", db->path, sqlite3_errmsg(db->db));
			fg_vimport_rollback(im);
			return NULL;
		}
	}
	return im;
}

int fg_vimport_file(fg_vimport *im, const char *path, const char **kind, char *err, size_t errlen)
{
	im->err = err;
	im->errlen = errlen;
	im->path = path;
	im->kinds = 0;
	err[0] = '\0';
	if (kind)
		*kind = "?";
	/* sniff the first significant byte */
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return im_fail(im, "cannot open");
	char head[512];
	int n = gzread(gz, head, sizeof(head));
	if (n < 0) {
		gzclose(gz);
		return im_fail(im, "read error");
	}
	int i = 0;
	while (i < n && strchr(" \t\r\n", head[i]))
		i++;
	int rc;
	if (i < n && (head[i] == '{' || head[i] == '[')) {
		gzclose(gz);
		char oerr[512];
		fg_json_reader *r = fg_json_open_file(path, NULL, oerr, sizeof(oerr));
		if (!r)
			return im_fail(im, "%s", oerr);
		rc = import_json(im, r);
		fg_json_close(r);
	} else if (i < n && (head[i] == '#' || !strncmp(head + i, "cve,", 4))) {
		gzrewind(gz);
		rc = import_epss(im, gz);
		gzclose(gz);
	} else {
		gzclose(gz);
		rc = im_fail(im, n == 0 ? "empty file" : "unrecognised content (expected NVD, OSV or KEV JSON, or EPSS CSV)");
	}
	reset_arena(im);
	if (rc == 0) {
		im->stats.files++;
		if (kind) {
			int k = -1, cnt = 0;
			for (int s = 0; s < NSRC; s++)
				if (im->kinds & (1u << s)) {
					k = s;
					cnt++;
				}
			*kind = cnt > 1 ? "mixed" : k >= 0 ? src_names[k] : "?";
		}
	}
	return rc;
}

void fg_vimport_note_feed_date(fg_vimport *im, const char *source, const char *date)
{
	for (int s = 0; s < NSRC; s++) {
		char nd[40];
		if (!strcmp(source, src_names[s]) && norm_date(date, nd, sizeof(nd)) &&
		    strcmp(nd, im->feed_date[s]) > 0)
			snprintf(im->feed_date[s], sizeof(im->feed_date[0]), "%s", nd);
	}
}

static void free_stmts(fg_vimport *im)
{
	for (int i = 0; i < NSTMT; i++)
		if (im->st[i])
			sqlite3_finalize(im->st[i]);
	memset(im->st, 0, sizeof(im->st));
}

static int update_source(fg_vimport *im, int s)
{
	static const char *const count_sql[NSRC] = {
		"SELECT count(*), max(modified) FROM cve",
		"SELECT count(*), max(date_added) FROM kev",
		"SELECT count(*), max(date) FROM epss",
		"SELECT count(*), max(modified) FROM osv",
	};
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(im->db->db, count_sql[s], -1, &st, NULL) != SQLITE_OK)
		return db_fail(im, "source");
	int64_t n = 0;
	char newest[40] = "";
	if (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 0);
		const unsigned char *t = sqlite3_column_text(st, 1);
		if (t)
			snprintf(newest, sizeof(newest), "%s", (const char *)t);
	}
	sqlite3_finalize(st);
	/* the data date: a feed's own date when newer than its newest record */
	const char *date = strcmp(im->feed_date[s], newest) > 0 ? im->feed_date[s] : newest;
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (sqlite3_prepare_v2(im->db->db,
			       "INSERT INTO source VALUES(?1,?2,?3,?4,?5) ON CONFLICT(name) DO UPDATE SET"
			       " imported_at=excluded.imported_at, data_date=excluded.data_date,"
			       " records=excluded.records,"
			       " detail=CASE WHEN excluded.detail = '' THEN source.detail ELSE excluded.detail END",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(im, "source");
	bind_text(st, 1, src_names[s]);
	bind_text(st, 2, now);
	bind_text(st, 3, date);
	sqlite3_bind_int64(st, 4, n);
	bind_text(st, 5, im->detail[s]);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(im, "source");
}

int fg_vimport_commit(fg_vimport *im, fg_vimport_stats *stats, char *err, size_t errlen)
{
	im->err = err;
	im->errlen = errlen;
	im->path = im->db->path;
	free_stmts(im);
	int rc = 0;
	for (int s = 0; s < NSRC && rc == 0; s++)
		if (im->touched[s])
			rc = update_source(im, s);
	if (rc == 0)
		rc = fg_vdb_exec(im->db, "COMMIT", err, errlen);
	if (rc != 0) {
		char e2[64];
		fg_vdb_exec(im->db, "ROLLBACK", e2, sizeof(e2));
	} else {
		/* back to a single file, so read-only scans need no WAL files;
		 * fails harmlessly while another process reads */
		char e2[256];
		fg_vdb_exec(im->db, "PRAGMA journal_mode = DELETE", e2, sizeof(e2));
	}
	if (stats)
		*stats = im->stats;
	fg_arena_free(&im->arena);
	free(im);
	return rc;
}

void fg_vimport_rollback(fg_vimport *im)
{
	if (!im)
		return;
	free_stmts(im);
	char e2[256];
	fg_vdb_exec(im->db, "ROLLBACK", e2, sizeof(e2));
	fg_arena_free(&im->arena);
	free(im);
}
