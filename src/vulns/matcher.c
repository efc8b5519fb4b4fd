/*
 * matcher.c - CPE applicability, version ranges, false-positive controls.
 *
 * For each component: its CPE products (its own CPE, confidence high; the
 * alias table, confidence medium), every cpe_match row of those products,
 * grouped by (CVE, configuration). A configuration applies when its nodes
 * hold (AND/OR, negate) and a vulnerable entry of the component's product
 * holds; an entry of another product holds when another component of the
 * same scan satisfies it; a node of only non-vulnerable platform entries
 * (the "running on" half of an AND) is assumed and said so.
 */
#include "vulns/matcher.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vulns/cpe.h"
#include "vulns/tables.h"

#define MAX_KEYS 8

typedef struct key {
	const char *vendor, *product;
	fg_vuln_confidence base;
} key;

typedef struct subj {
	const fg_vsubject *s;
	key keys[MAX_KEYS];
	size_t nkeys;
	char version[256];       /* upstream version used for ranges, "" unknown */
	char pkgver[256];        /* full distribution package version */
	bool distro;
} subj;

typedef struct mrow {
	const char *cve;
	int cfg, cfg_and, cfg_nodes, node, node_and, negate, vulnerable;
	const char *vendor, *product, *version, *upd, *criteria;
	const char *vs_incl, *vs_excl, *ve_incl, *ve_excl;
} mrow;

typedef FG_VEC(mrow) mrow_vec;

enum { Q_BY_PRODUCT, Q_BY_CFG, Q_INFO, Q_NOCFG, Q_OSV, NQ };

static const char *const q_sql[NQ] = {
	[Q_BY_PRODUCT] = "SELECT cve, cfg, cfg_and, cfg_nodes, node, node_and, node_negate, vulnerable,"
			 " vendor, product, version, upd, criteria, vs_incl, vs_excl, ve_incl, ve_excl"
			 " FROM cpe_match WHERE vendor = ?1 AND product = ?2",
	[Q_BY_CFG] = "SELECT cve, cfg, cfg_and, cfg_nodes, node, node_and, node_negate, vulnerable,"
		     " vendor, product, version, upd, criteria, vs_incl, vs_excl, ve_incl, ve_excl"
		     " FROM cpe_match WHERE cve = ?1 AND cfg = ?2",
	[Q_INFO] = "SELECT c.status, c.published, c.modified, c.cvss3_score, c.cvss3_vector, c.cvss3_severity,"
		   " c.cvss3_version, c.cvss4_score, c.cvss4_vector, c.cvss4_severity, c.cvss2_score,"
		   " c.cvss2_vector, c.cvss2_severity, c.cwe, c.cisa_added, c.cisa_due,"
		   " k.date_added, k.due_date, k.ransomware, e.score, e.percentile"
		   " FROM cve c LEFT JOIN kev k ON k.cve = c.id LEFT JOIN epss e ON e.cve = c.id"
		   " WHERE c.id = ?1",
	[Q_NOCFG] = "SELECT c.id, c.status, k.cve IS NOT NULL OR c.cisa_added IS NOT NULL"
		    " FROM nocfg JOIN cve c ON c.rid = nocfg.rowid LEFT JOIN kev k ON k.cve = c.id"
		    " WHERE nocfg MATCH ?1 AND c.has_config = 0",
	[Q_OSV] = "SELECT o.id, a.ecosystem, a.range_type, a.introduced, a.fixed, a.last_affected, a.lim,"
		  " a.versions, o.aliases, o.severity, o.withdrawn"
		  " FROM osv_affected a JOIN osv o ON o.id = a.id WHERE a.package = ?1",
};

struct fg_vmatcher {
	fg_vdb *db;
	sqlite3_stmt *q[NQ];
	fg_arena scratch;        /* per component */
};

fg_vmatcher *fg_vmatcher_new(fg_vdb *db, char *err, size_t errlen)
{
	fg_vmatcher *m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->db = db;
	fg_arena_init(&m->scratch);
	/* a page cache that holds the indexes a scan walks (64 MiB) */
	sqlite3_exec(db->db, "PRAGMA cache_size = -65536", NULL, NULL, NULL);
	for (int i = 0; i < NQ; i++) {
		if (sqlite3_prepare_v2(db->db, q_sql[i], -1, &m->q[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: %s", db->path, sqlite3_errmsg(db->db));
			fg_vmatcher_free(m);
			return NULL;
		}
	}
	return m;
}

void fg_vmatcher_free(fg_vmatcher *m)
{
	if (!m)
		return;
	for (int i = 0; i < NQ; i++)
		if (m->q[i])
			sqlite3_finalize(m->q[i]);
	fg_arena_free(&m->scratch);
	free(m);
}

/* ---- subjects --------------------------------------------------------- */

static void add_key(subj *s, fg_arena *a, const char *vendor, const char *product, fg_vuln_confidence base)
{
	for (size_t i = 0; i < s->nkeys; i++)
		if (!strcmp(s->keys[i].vendor, vendor) && !strcmp(s->keys[i].product, product))
			return;
	if (s->nkeys == MAX_KEYS)
		return;
	s->keys[s->nkeys++] = (key){ fg_arena_strdup(a, vendor), fg_arena_strdup(a, product), base };
}

static void prepare_subject(subj *s, const fg_vsubject *in, fg_arena *a)
{
	memset(s, 0, sizeof(*s));
	s->s = in;
	const char *ver = in->version;
	fg_vcpe c;
	char cpever[256] = "";
	if (in->cpe && fg_vcpe_parse(in->cpe, &c)) {
		add_key(s, a, c.f[FG_VCPE_VENDOR], c.f[FG_VCPE_PRODUCT], FG_VCONF_HIGH);
		if (strcmp(c.f[FG_VCPE_VERSION], "*") && strcmp(c.f[FG_VCPE_VERSION], "-")) {
			fg_vcpe_unescape(c.f[FG_VCPE_VERSION], cpever, sizeof(cpever));
			if (!ver || !*ver)
				ver = cpever;
		}
	}
	const fg_alias *al[MAX_KEYS];
	size_t na = fg_alias_lookup(in->name, al, MAX_KEYS);
	for (size_t i = 0; i < na; i++)
		add_key(s, a, al[i]->vendor, al[i]->product, FG_VCONF_MEDIUM);
	/* the full package version: given, else the purl's, else the version */
	char pv[256] = "";
	fg_vuln_purl_version(in->purl, pv, sizeof(pv));
	snprintf(s->pkgver, sizeof(s->pkgver), "%s",
		 in->package_version && *in->package_version ? in->package_version : *pv ? pv : ver ? ver : "");
	fg_vuln_upstream_version(ver && *ver ? ver : s->pkgver, in->purl, s->version, sizeof(s->version), &s->distro);
}

/* ---- rows ------------------------------------------------------------- */

static const char *col(sqlite3_stmt *st, int i, fg_arena *a)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? fg_arena_strdup(a, (const char *)t) : NULL;
}

static int fetch_rows(fg_vmatcher *m, sqlite3_stmt *st, mrow_vec *out)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		mrow r = {
			.cve = col(st, 0, &m->scratch),
			.cfg = sqlite3_column_int(st, 1),
			.cfg_and = sqlite3_column_int(st, 2),
			.cfg_nodes = sqlite3_column_int(st, 3),
			.node = sqlite3_column_int(st, 4),
			.node_and = sqlite3_column_int(st, 5),
			.negate = sqlite3_column_int(st, 6),
			.vulnerable = sqlite3_column_int(st, 7),
			.vendor = col(st, 8, &m->scratch),
			.product = col(st, 9, &m->scratch),
			.version = col(st, 10, &m->scratch),
			.upd = col(st, 11, &m->scratch),
			.criteria = col(st, 12, &m->scratch),
			.vs_incl = col(st, 13, &m->scratch),
			.vs_excl = col(st, 14, &m->scratch),
			.ve_incl = col(st, 15, &m->scratch),
			.ve_excl = col(st, 16, &m->scratch),
		};
		if (!r.cve || !r.vendor || !r.product || !r.criteria || !FG_VEC_PUSH(out, r)) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int row_cmp(const void *a, const void *b)
{
	const mrow *x = a, *y = b;
	int c = strcmp(x->cve, y->cve);
	if (c)
		return c;
	if (x->cfg != y->cfg)
		return x->cfg < y->cfg ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

static fg_vrange_result check_row(const mrow *r, const char *version, char *rule, size_t rulesz)
{
	fg_vcpe_range rg = { r->version, r->upd, r->vs_incl, r->vs_excl, r->ve_incl, r->ve_excl };
	return fg_vcpe_range_check(&rg, version, rule, rulesz);
}

/* Whether some subject other than SELF satisfies entry R. */
static bool other_satisfies(const subj *all, size_t n, size_t self, const mrow *r)
{
	char rule[64];
	for (size_t i = 0; i < n; i++) {
		if (i == self)
			continue;
		for (size_t k = 0; k < all[i].nkeys; k++) {
			if (strcmp(all[i].keys[k].vendor, r->vendor) || strcmp(all[i].keys[k].product, r->product))
				continue;
			fg_vrange_result res = check_row(r, all[i].version, rule, sizeof(rule));
			if (res == FG_VRANGE_IN || res == FG_VRANGE_ANY)
				return true;
		}
	}
	return false;
}

/* Quality of a range result for picking the best explanation. */
static int res_rank(fg_vrange_result r)
{
	return r == FG_VRANGE_IN ? 3 : r == FG_VRANGE_ANY ? 2 : r == FG_VRANGE_UNKNOWN ? 1 : 0;
}

typedef struct verdict {
	bool matched;
	fg_vrange_result res;
	const mrow *row;         /* the subject's vulnerable entry that held */
	char rule[320];
	const char *platform;    /* criteria of an assumed platform node */
	bool other;              /* an AND half was satisfied by another component */
	fg_vuln_confidence base;
} verdict;

/* Evaluates one configuration (ROWS[0..N), all of one cve+cfg) for the
 * subject's key K. */
static void eval_cfg(const subj *all, size_t nsubj, size_t self, const key *k,
		     const mrow *rows, size_t n, verdict *v)
{
	memset(v, 0, sizeof(*v));
	const subj *s = &all[self];
	int cfg_and = rows[0].cfg_and;
	bool cfg_true = cfg_and ? true : false;
	const char *platform = NULL;
	bool other = false;
	verdict best = {0};
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && rows[j].node == rows[i].node)
			j++;
		bool node_and = rows[i].node_and, negate = rows[i].negate;
		bool node_true = node_and;
		bool has_subject = false, all_platform = true, other_hit = false;
		verdict node_best = {0};
		for (size_t e = i; e < j; e++) {
			const mrow *r = &rows[e];
			bool hit;
			if (r->vulnerable)
				all_platform = false;
			if (!strcmp(r->vendor, k->vendor) && !strcmp(r->product, k->product)) {
				has_subject = true;
				char rule[256];
				fg_vrange_result res = check_row(r, s->version, rule, sizeof(rule));
				hit = res != FG_VRANGE_OUT;
				if (hit && r->vulnerable && res_rank(res) > res_rank(node_best.res)) {
					node_best.res = res;
					node_best.row = r;
					snprintf(node_best.rule, sizeof(node_best.rule), "%s:%s %s", r->vendor,
						 r->product, rule);
				}
			} else {
				hit = other_satisfies(all, nsubj, self, r);
				other_hit |= hit;
			}
			if (node_and)
				node_true = node_true && hit;
			else
				node_true = node_true || hit;
		}
		if (negate)
			node_true = !node_true;
		if (cfg_and && !has_subject && all_platform && !other_hit) {
			/* a platform nothing in the image speaks for or against:
			 * assumed, and said so */
			node_true = true;
			if (!platform)
				platform = rows[i].criteria;
		} else if (node_true && !has_subject) {
			other |= other_hit;
		}
		if (node_true && node_best.row && !negate && res_rank(node_best.res) > res_rank(best.res))
			best = node_best;
		if (cfg_and)
			cfg_true = cfg_true && node_true;
		else
			cfg_true = cfg_true || node_true;
		i = j;
	}
	if (!cfg_true || !best.row)
		return;
	*v = best;
	v->matched = true;
	v->platform = cfg_and ? platform : NULL;
	v->other = cfg_and && other;
	v->base = k->base;
}

/* ---- results ---------------------------------------------------------- */

typedef struct found {
	const char *cve;
	verdict v;
} found;

typedef FG_VEC(found) found_vec;

static void consider(found_vec *fv, const char *cve, const verdict *v)
{
	found f = { cve, *v };
	FG_VEC_PUSH(fv, f);
}

static int verdict_rank(const verdict *v)
{
	return res_rank(v->res) * 4 + (int)v->base * 2 + !v->platform;
}

static int found_cmp(const void *x, const void *y)
{
	const found *a = x, *b = y;
	int c = strcmp(a->cve, b->cve);
	if (c)
		return c;
	/* best explanation first */
	return verdict_rank(&b->v) - verdict_rank(&a->v);
}

/* One entry per CVE (several configurations or keys may match it): the
 * best explanation wins. */
static void merge_found(found_vec *fv)
{
	if (fv->n < 2)
		return;
	qsort(fv->v, fv->n, sizeof(*fv->v), found_cmp);
	size_t o = 0;
	for (size_t i = 0; i < fv->n; i++)
		if (!o || strcmp(fv->v[o - 1].cve, fv->v[i].cve))
			fv->v[o++] = fv->v[i];
	fv->n = o;
}

static int match_key(fg_vmatcher *m, const subj *all, size_t nsubj, size_t self, const key *k, found_vec *fv)
{
	mrow_vec rows = {0};
	size_t fv_first = fv->n;
	sqlite3_stmt *st = m->q[Q_BY_PRODUCT];
	sqlite3_bind_text(st, 1, k->vendor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, k->product, -1, SQLITE_STATIC);
	int rc = fetch_rows(m, st, &rows);
	sqlite3_clear_bindings(st);
	if (rc != 0) {
		FG_VEC_FREE(&rows);
		return -1;
	}
	if (rows.n)
		qsort(rows.v, rows.n, sizeof(*rows.v), row_cmp);
	size_t i = 0;
	while (i < rows.n && rc == 0) {
		size_t j = i;
		while (j < rows.n && !strcmp(rows.v[j].cve, rows.v[i].cve) && rows.v[j].cfg == rows.v[i].cfg)
			j++;
		const mrow *g = &rows.v[i];
		bool any_vuln = false;
		for (size_t e = i; e < j; e++)
			any_vuln |= rows.v[e].vulnerable != 0;
		if (any_vuln) {
			bool simple = g->cfg_nodes == 1 && !g->negate && !g->node_and;
			verdict v;
			if (simple) {
				eval_cfg(all, nsubj, self, k, g, j - i, &v);
			} else {
				/* the whole configuration: other products, other nodes */
				mrow_vec full = {0};
				sqlite3_stmt *q = m->q[Q_BY_CFG];
				sqlite3_bind_text(q, 1, g->cve, -1, SQLITE_STATIC);
				sqlite3_bind_int(q, 2, g->cfg);
				rc = fetch_rows(m, q, &full);
				sqlite3_clear_bindings(q);
				if (rc == 0 && full.n) {
					qsort(full.v, full.n, sizeof(*full.v), row_cmp);
					eval_cfg(all, nsubj, self, k, full.v, full.n, &v);
				} else {
					v.matched = false;
				}
				if (v.matched) {
					/* the row pointer dies with FULL: find the same
					 * entry among this product's rows */
					const mrow *hit = v.row;
					v.row = NULL;
					for (size_t e = i; e < j && !v.row; e++)
						if (rows.v[e].vulnerable && rows.v[e].node == hit->node &&
						    !strcmp(rows.v[e].criteria, hit->criteria))
							v.row = &rows.v[e];
					if (!v.row)
						v.matched = false;
				}
				FG_VEC_FREE(&full);
			}
			if (v.matched)
				consider(fv, g->cve, &v);
		}
		i = j;
	}
	/* verdicts point into ROWS (strings live in the scratch arena) */
	for (size_t f = fv_first; f < fv->n; f++) {
		const mrow *r = fv->v[f].v.row;
		if (r >= rows.v && r < rows.v + rows.n) {
			mrow *copy = fg_arena_alloc(&m->scratch, sizeof(*copy));
			if (copy)
				*copy = *r;
			fv->v[f].v.row = copy;
		}
	}
	FG_VEC_FREE(&rows);
	return rc;
}

static void conf_down(fg_vuln_confidence *c)
{
	if (*c > FG_VCONF_LOW)
		(*c)--;
}

/* Appends "; TEXT" to *EVIDENCE. */
static void note(fg_arena *a, const char **evidence, const char *text)
{
	if (!*evidence)
		*evidence = fg_arena_strdup(a, text);
	else
		*evidence = fg_arena_printf(a, "%s; %s", *evidence, text);
}

static double colnum(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_double(st, i);
}

/* Fills the record's scores and KEV/EPSS data. False when the record is
 * rejected (or gone). */
static int enrich(fg_vmatcher *m, fg_vuln_match *v, fg_arena *a)
{
	sqlite3_stmt *st = m->q[Q_INFO];
	sqlite3_bind_text(st, 1, v->id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int ret = 1;
	if (rc == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(st, 0);
		if (status && !strcmp(status, "Rejected"))
			ret = 0;
		v->published = col(st, 1, a);
		v->modified = col(st, 2, a);
		if (colnum(st, 3) >= 0) {
			v->cvss = colnum(st, 3);
			v->cvss_vector = col(st, 4, a);
			v->severity = col(st, 5, a);
			v->cvss_version = col(st, 6, a);
		} else if (colnum(st, 7) >= 0) {
			v->cvss = colnum(st, 7);
			v->cvss_vector = col(st, 8, a);
			v->severity = col(st, 9, a);
			v->cvss_version = "4.0";
		} else if (colnum(st, 10) >= 0) {
			v->cvss = colnum(st, 10);
			v->cvss_vector = col(st, 11, a);
			v->severity = col(st, 12, a);
			v->cvss_version = "2.0";
		}
		v->cwe = col(st, 13, a);
		const char *cisa_added = col(st, 14, a);
		const char *cisa_due = col(st, 15, a);
		const char *kev_added = col(st, 16, a);
		if (kev_added || cisa_added) {
			v->kev = true;
			v->kev_date_added = kev_added ? kev_added : cisa_added;
			const char *due = col(st, 17, a);
			v->kev_due_date = due ? due : cisa_due;
			const char *rw = (const char *)sqlite3_column_text(st, 18);
			v->kev_ransomware = rw && !strcmp(rw, "Known");
		}
		v->epss = colnum(st, 19);
		v->epss_percentile = colnum(st, 20);
	} else if (rc != SQLITE_DONE) {
		ret = -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

/* The false-positive controls with curated tables. */
static void fp_controls(const subj *s, const key *k, fg_vuln_match *v, fg_arena *a)
{
	if (!strcmp(k->vendor, "busybox") && !strcmp(k->product, "busybox")) {
		const char *applets = fg_busybox_cve_applets(v->id);
		if (applets) {
			if (!s->s->applets) {
				note(a, &v->evidence, fg_arena_printf(a, "concerns BusyBox applet(s) %s; "
					"the applet list is not known, so not filtered", applets));
			} else {
				const char *hit = NULL;
				char buf[256];
				snprintf(buf, sizeof(buf), "%s", applets);
				char *save = NULL;
				for (char *t = strtok_r(buf, " ", &save); t && !hit; t = strtok_r(NULL, " ", &save))
					if (fg_word_in_list(s->s->applets, t))
						hit = fg_arena_strdup(a, t);
				if (hit) {
					note(a, &v->evidence, fg_arena_printf(a, "BusyBox applet %s is compiled in (%s)",
						hit, s->s->applets_source ? s->s->applets_source : "applet list"));
				} else if (!s->s->applets_complete) {
					if (v->confidence > FG_VCONF_LOW)
						v->confidence--;
					note(a, &v->evidence, fg_arena_printf(a, "BusyBox applet(s) %s not among the "
						"links to busybox (%s); the binary's applet table was not found, so not "
						"filtered", applets, s->s->applets_source ? s->s->applets_source : "links"));
				} else {
					v->status = FG_VULN_NOT_AFFECTED;
					v->justification = "vulnerable_code_not_present";
					v->status_detail = fg_arena_printf(a, "BusyBox applet(s) %s not compiled in (%s)",
						applets, s->s->applets_source ? s->s->applets_source : "applet list");
				}
			}
		}
	}
	if (!strcmp(k->vendor, "linux") && !strcmp(k->product, "linux_kernel")) {
		const char *opts = fg_kernel_cve_configs(v->id);
		if (opts) {
			if (!s->s->kconfig) {
				note(a, &v->evidence, fg_arena_printf(a, "needs %s; no kernel config in the image, "
					"so not filtered", opts));
			} else {
				char buf[256], set[64] = "";
				snprintf(buf, sizeof(buf), "%s", opts);
				char *save = NULL;
				for (char *t = strtok_r(buf, " ", &save); t && !*set; t = strtok_r(NULL, " ", &save)) {
					char val = fg_vuln_kconfig_value(s->s->kconfig, s->s->kconfig_len, t);
					if (val == 'y' || val == 'm')
						snprintf(set, sizeof(set), "%s=%c", t, val);
				}
				const char *src = s->s->kconfig_source ? s->s->kconfig_source : "kernel config";
				if (*set) {
					note(a, &v->evidence, fg_arena_printf(a, "%s in %s", set, src));
				} else {
					v->status = FG_VULN_NOT_AFFECTED;
					v->justification = "vulnerable_code_not_present";
					v->status_detail = fg_arena_printf(a, "%s not set in %s", opts, src);
				}
			}
		}
	}
}

static int add_match(fg_vmatcher *m, const subj *s, size_t comp, const found *f, fg_arena *a,
		     fg_vuln_vec *out, fg_vmatch_stats *st)
{
	const verdict *vd = &f->v;
	fg_vuln_match v = {
		.component = comp,
		.id = fg_arena_strdup(a, f->cve),
		.source = "nvd",
		.cvss = -1,
		.epss = -1,
		.epss_percentile = -1,
		.criteria = vd->row ? fg_arena_strdup(a, vd->row->criteria) : NULL,
		.confidence = vd->base,
		.status = FG_VULN_AFFECTED,
	};
	const char *rule = vd->rule;
	if (vd->platform)
		v.rule = fg_arena_printf(a, "%s; with %s (platform, not verified)", rule, vd->platform);
	else if (vd->other)
		v.rule = fg_arena_printf(a, "%s; together with another component of the image", rule);
	else
		v.rule = fg_arena_strdup(a, rule);
	if (vd->res == FG_VRANGE_UNKNOWN) {
		v.confidence = FG_VCONF_LOW;
		note(a, &v.evidence, "component version unknown");
	} else if (vd->res == FG_VRANGE_ANY && vd->row && vd->row->version && !strcmp(vd->row->version, "-")) {
		v.confidence = FG_VCONF_LOW;
	}
	if (vd->platform) {
		conf_down(&v.confidence);
		note(a, &v.evidence, "applies only on a platform firmgate did not verify");
	}
	if (s->distro) {
		conf_down(&v.confidence);
		note(a, &v.evidence, fg_arena_printf(a, "possibly fixed by distribution backport "
			"(package version %s; NVD ranges are upstream versions)", s->pkgver));
	}
	int e = enrich(m, &v, a);
	if (e < 0)
		return -1;
	if (e == 0)
		return 0;
	/* the key whose product matched */
	const key *k = NULL;
	for (size_t i = 0; i < s->nkeys && !k; i++)
		if (vd->row && !strcmp(s->keys[i].vendor, vd->row->vendor) && !strcmp(s->keys[i].product, vd->row->product))
			k = &s->keys[i];
	if (k)
		fp_controls(s, k, &v, a);
	if (!FG_VEC_PUSH(out, v))
		return -1;
	st->matches++;
	if (v.kev)
		st->kev++;
	return 0;
}

/* ---- OSV -------------------------------------------------------------- */

/* Ecosystem and package name of a purl ("pkg:deb/debian/curl@..." ->
 * "Debian", "curl"). False for types OSV does not cover. */
static bool purl_eco(const char *purl, char *eco, size_t ecosz, char *name, size_t namesz)
{
	static const struct { const char *type, *eco; } map[] = {
		{ "deb", "Debian" }, { "apk", "Alpine" }, { "pypi", "PyPI" }, { "npm", "npm" },
		{ "cargo", "crates.io" }, { "gem", "RubyGems" }, { "golang", "Go" }, { "nuget", "NuGet" },
	};
	if (!purl || strncmp(purl, "pkg:", 4))
		return false;
	const char *t = purl + 4;
	size_t tl = strcspn(t, "/");
	if (!t[tl])
		return false;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strlen(map[i].type) != tl || strncmp(t, map[i].type, tl))
			continue;
		const char *rest = t + tl + 1;
		size_t rl = strcspn(rest, "@?#");
		const char *nm = rest;
		if (strcmp(map[i].type, "golang")) {
			const char *slash = memrchr(rest, '/', rl);
			if (slash) {
				nm = slash + 1;
				rl -= (size_t)(nm - rest);
			}
		}
		snprintf(eco, ecosz, "%s", map[i].eco);
		snprintf(name, namesz, "%.*s", (int)rl, nm);
		return *name != '\0';
	}
	return false;
}

static bool osv_in_range(const char *ver, const char *intro, const char *fixed, const char *last, const char *lim)
{
	if (intro && strcmp(intro, "0") && fg_version_cmp(ver, intro) < 0)
		return false;
	if (fixed && fg_version_cmp(ver, fixed) >= 0)
		return false;
	if (last && fg_version_cmp(ver, last) > 0)
		return false;
	if (lim && strcmp(lim, "*") && fg_version_cmp(ver, lim) >= 0)
		return false;
	return true;
}

static int match_osv(fg_vmatcher *m, const subj *s, size_t comp, fg_arena *a, fg_vuln_vec *out,
		     size_t first, fg_vmatch_stats *stats)
{
	char eco[32], name[256];
	if (!purl_eco(s->s->purl, eco, sizeof(eco), name, sizeof(name)) || !*s->pkgver)
		return 0;
	sqlite3_stmt *st = m->q[Q_OSV];
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc;
	size_t el = strlen(eco);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *e = (const char *)sqlite3_column_text(st, 1);
		const char *type = (const char *)sqlite3_column_text(st, 2);
		if (!id || !e || !type || sqlite3_column_type(st, 10) != SQLITE_NULL)
			continue;
		if (strncmp(e, eco, el) || (e[el] && e[el] != ':'))
			continue;
		bool hit;
		char rule[400];
		if (!strcmp(type, "VERSIONS")) {
			const char *vs = (const char *)sqlite3_column_text(st, 7);
			hit = fg_word_in_list(vs, s->pkgver);
			snprintf(rule, sizeof(rule), "osv %s: %s %s listed as affected", id, e, s->pkgver);
		} else if (!strcmp(type, "ECOSYSTEM") || !strcmp(type, "SEMVER")) {
			const char *in = (const char *)sqlite3_column_text(st, 3);
			const char *fx = (const char *)sqlite3_column_text(st, 4);
			const char *la = (const char *)sqlite3_column_text(st, 5);
			const char *li = (const char *)sqlite3_column_text(st, 6);
			hit = osv_in_range(s->pkgver, in, fx, la, li);
			snprintf(rule, sizeof(rule), "osv %s: %s %s in [%s, %s%s)", id, e, s->pkgver,
				 in ? in : "0", fx ? fx : la ? la : li ? li : "*", fx ? "" : la ? "]" : "");
		} else {
			continue; /* GIT ranges need commit history */
		}
		if (!hit)
			continue;
		/* report under the CVE alias when there is one */
		const char *aliases = (const char *)sqlite3_column_text(st, 8);
		char cve[64] = "";
		if (aliases) {
			const char *c = strstr(aliases, "CVE-");
			if (c)
				snprintf(cve, sizeof(cve), "%.*s", (int)strcspn(c, " "), c);
		}
		if (!strncmp(id, "CVE-", 4))
			snprintf(cve, sizeof(cve), "%s", id);
		const char *report_id = *cve ? cve : id;
		bool dup = false;
		for (size_t i = first; i < out->n && !dup; i++) {
			if (out->v[i].component == comp && !strcmp(out->v[i].id, report_id)) {
				dup = true;
				if (strcmp(out->v[i].source, "osv"))
					note(a, &out->v[i].evidence, fg_arena_printf(a, "also %s", rule));
			}
		}
		if (dup)
			continue;
		fg_vuln_match v = {
			.component = comp, .id = fg_arena_strdup(a, report_id), .source = "osv",
			.cvss = -1, .epss = -1, .epss_percentile = -1,
			.rule = fg_arena_strdup(a, rule),
			.cvss_vector = col(st, 9, a),
			.confidence = FG_VCONF_HIGH, .status = FG_VULN_AFFECTED,
		};
		if (enrich(m, &v, a) < 0) {
			sqlite3_reset(st);
			return -1;
		}
		if (FG_VEC_PUSH(out, v)) {
			stats->matches++;
			if (v.kev)
				stats->kev++;
		}
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- records without applicability data --------------------------------- */

typedef FG_VEC(fg_vuln_nodata) nodata_vec;

/* An FTS5 phrase query from free text: '"word word"'. */
static bool phrase_query(const char *text, char *out, size_t outsz)
{
	size_t o = 0, letters = 0;
	if (outsz < 4)
		return false;
	out[o++] = '"';
	bool space = false;
	for (const char *p = text; *p && o + 3 < outsz; p++) {
		if (isalnum((unsigned char)*p)) {
			if (space && o > 1)
				out[o++] = ' ';
			space = false;
			out[o++] = (char)tolower((unsigned char)*p);
			letters++;
		} else {
			space = true;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	return letters >= 3;
}

static int nodata_cmp(const void *x, const void *y);

static int match_nodata(fg_vmatcher *m, const subj *s, size_t comp, fg_arena *a, const fg_vuln_vec *out,
			size_t first, nodata_vec *nd)
{
	size_t nd_first = nd->n;
	for (size_t k = 0; k < s->nkeys; k++) {
		const char *phrase = fg_alias_phrase(s->keys[k].vendor, s->keys[k].product);
		char q[256], prod[128];
		if (!phrase) {
			snprintf(prod, sizeof(prod), "%s", s->keys[k].product);
			phrase = prod;
		}
		if (!phrase_query(phrase, q, sizeof(q)))
			continue;
		sqlite3_stmt *st = m->q[Q_NOCFG];
		sqlite3_bind_text(st, 1, q, -1, SQLITE_TRANSIENT);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(st, 0);
			if (!id)
				continue;
			/* records without configurations are never NVD matches;
			 * an OSV match may carry the same CVE */
			bool dup = false;
			for (size_t i = first; i < out->n && !dup; i++)
				dup = !strcmp(out->v[i].source, "osv") && !strcmp(out->v[i].id, id);
			if (dup)
				continue;
			fg_vuln_nodata d = {
				.component = comp,
				.id = fg_arena_strdup(a, id),
				.status = col(st, 1, a),
				.kev = sqlite3_column_int(st, 2) != 0,
			};
			FG_VEC_PUSH(nd, d);
		}
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (rc != SQLITE_DONE)
			return -1;
	}
	/* several keys may find the same record */
	size_t n = nd->n - nd_first;
	if (n > 1) {
		fg_vuln_nodata *v = nd->v + nd_first;
		qsort(v, n, sizeof(*v), nodata_cmp);
		size_t o = 1;
		for (size_t i = 1; i < n; i++)
			if (strcmp(v[o - 1].id, v[i].id))
				v[o++] = v[i];
		nd->n = nd_first + o;
	}
	return 0;
}

static int nodata_cmp(const void *x, const void *y)
{
	const fg_vuln_nodata *a = x, *b = y;
	if (a->component != b->component)
		return a->component < b->component ? -1 : 1;
	return strcmp(a->id, b->id);
}

/* ---- the run ------------------------------------------------------------ */

int fg_vmatcher_run(fg_vmatcher *m, const fg_vsubject *subjects, size_t n, size_t base,
		    fg_arena *arena, fg_vuln_vec *out, fg_vmatch_stats *stats,
		    const char **unmapped, char *err, size_t errlen)
{
	fg_vmatch_stats local = {0};
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	stats->subjects = n;
	subj *all = calloc(n ? n : 1, sizeof(*all));
	fg_arena keys;
	fg_arena_init(&keys);
	nodata_vec nd = {0};
	char *unm = NULL;
	size_t unm_len = 0;
	int rc = 0;
	if (!all) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		prepare_subject(&all[i], &subjects[i], &keys);
	/* one read transaction: one lock, one consistent snapshot */
	bool txn = sqlite3_exec(m->db->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const subj *s = &all[i];
		if (!s->nkeys) {
			bool osv_only = s->s->purl != NULL;
			if (!osv_only) {
				stats->unmapped++;
				const char *nm = s->s->name ? s->s->name : "?";
				char *nu = realloc(unm, unm_len + strlen(nm) + 3);
				if (nu) {
					unm = nu;
					unm_len += (size_t)sprintf(unm + unm_len, "%s%s", unm_len ? ", " : "", nm);
				}
			}
		}
		found_vec fv = {0};
		for (size_t k = 0; k < s->nkeys && rc == 0; k++)
			rc = match_key(m, all, n, i, &s->keys[k], &fv);
		merge_found(&fv);
		size_t first = out->n;
		for (size_t f = 0; f < fv.n && rc == 0; f++)
			rc = add_match(m, s, base + i, &fv.v[f], arena, out, stats);
		FG_VEC_FREE(&fv);
		if (rc == 0)
			rc = match_osv(m, s, base + i, arena, out, first, stats);
		if (rc == 0)
			rc = match_nodata(m, s, base + i, arena, out, first, &nd);
		fg_arena_free(&m->scratch);
		fg_arena_init(&m->scratch);
	}
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", m->db->path, sqlite3_errmsg(m->db->db));
	if (txn)
		sqlite3_exec(m->db->db, "COMMIT", NULL, NULL, NULL);
	if (nd.n) {
		qsort(nd.v, nd.n, sizeof(*nd.v), nodata_cmp);
		fg_vuln_nodata *copy = fg_arena_alloc(arena, nd.n * sizeof(*copy));
		if (copy) {
			memcpy(copy, nd.v, nd.n * sizeof(*copy));
			out->nodata = copy;
			out->n_nodata = nd.n;
		}
	}
	stats->nodata = out->n_nodata;
	if (unmapped)
		*unmapped = unm ? fg_arena_strdup(arena, unm) : NULL;
	free(unm);
	FG_VEC_FREE(&nd);
	fg_arena_free(&keys);
	free(all);
	fg_vulns_sort(out);
	return rc;
}

static int status_rank(fg_vuln_status s)
{
	return s == FG_VULN_AFFECTED ? 0 : s == FG_VULN_UNDER_INVESTIGATION ? 1 : s == FG_VULN_FIXED ? 2 : 3;
}

static int match_cmp(const void *x, const void *y)
{
	const fg_vuln_match *a = x, *b = y;
	if (a->component != b->component)
		return a->component < b->component ? -1 : 1;
	if (status_rank(a->status) != status_rank(b->status))
		return status_rank(a->status) < status_rank(b->status) ? -1 : 1;
	if (a->cvss != b->cvss)
		return a->cvss > b->cvss ? -1 : 1;
	return strcmp(a->id, b->id);
}

void fg_vulns_sort(fg_vuln_vec *v)
{
	if (v->n > 1)
		qsort(v->v, v->n, sizeof(*v->v), match_cmp);
}

const char *fg_vuln_status_name(fg_vuln_status s)
{
	switch (s) {
	case FG_VULN_AFFECTED: return "affected";
	case FG_VULN_NOT_AFFECTED: return "not_affected";
	case FG_VULN_FIXED: return "fixed";
	case FG_VULN_UNDER_INVESTIGATION: return "under_investigation";
	}
	return "?";
}

const char *fg_vuln_confidence_name(fg_vuln_confidence c)
{
	switch (c) {
	case FG_VCONF_LOW: return "low";
	case FG_VCONF_MEDIUM: return "medium";
	case FG_VCONF_HIGH: return "high";
	}
	return "?";
}
