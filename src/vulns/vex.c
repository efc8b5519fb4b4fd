/*
 * vex.c - CycloneDX VEX and OpenVEX in, OpenVEX out.
 */
#include "vulns/vex.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "firmgate.h"
#include "report/jsonw.h"
#include "util/json.h"
#include "vulns/cpe.h"

#define VEX_MAX_BYTES (64u << 20)

static bool parse_status(const char *s, bool cyclonedx, fg_vuln_status *out, const char **implied_just)
{
	*implied_just = NULL;
	if (!s)
		return false;
	static const struct { const char *name; fg_vuln_status st; } openvex[] = {
		{ "not_affected", FG_VULN_NOT_AFFECTED }, { "affected", FG_VULN_AFFECTED },
		{ "fixed", FG_VULN_FIXED }, { "under_investigation", FG_VULN_UNDER_INVESTIGATION },
	};
	static const struct { const char *name; fg_vuln_status st; } cdx[] = {
		{ "not_affected", FG_VULN_NOT_AFFECTED }, { "false_positive", FG_VULN_NOT_AFFECTED },
		{ "exploitable", FG_VULN_AFFECTED }, { "resolved", FG_VULN_FIXED },
		{ "resolved_with_pedigree", FG_VULN_FIXED }, { "in_triage", FG_VULN_UNDER_INVESTIGATION },
	};
	if (cyclonedx) {
		for (size_t i = 0; i < sizeof(cdx) / sizeof(cdx[0]); i++)
			if (!strcmp(s, cdx[i].name)) {
				*out = cdx[i].st;
				if (!strcmp(s, "false_positive"))
					*implied_just = "false_positive";
				return true;
			}
		return false;
	}
	for (size_t i = 0; i < sizeof(openvex) / sizeof(openvex[0]); i++)
		if (!strcmp(s, openvex[i].name)) {
			*out = openvex[i].st;
			return true;
		}
	return false;
}

static const char **str_list(fg_arena *a, const char **items, size_t n)
{
	const char **out = fg_arena_alloc(a, (n ? n : 1) * sizeof(*out));
	if (out && n)
		memcpy(out, items, n * sizeof(*out));
	return out;
}

/* OpenVEX product: "@id" plus identifiers.purl / cpe23 / cpe22, and the
 * subcomponents (a VEX about a component inside a product). */
static size_t openvex_products(const fg_json *arr, const char **ids, size_t max)
{
	size_t n = 0;
	for (const fg_json *p = fg_json_is(arr, FG_JSON_ARRAY) ? arr->child : NULL; p && n < max; p = p->next) {
		const char *id = fg_json_str(p) ? fg_json_str(p) : fg_json_gets(p, "@id");
		if (id && n < max)
			ids[n++] = id;
		const fg_json *idf = fg_json_get(p, "identifiers");
		static const char *const keys[] = { "purl", "cpe23", "cpe22" };
		for (size_t k = 0; k < 3; k++) {
			const char *v = fg_json_gets(idf, keys[k]);
			if (v && n < max)
				ids[n++] = v;
		}
		const fg_json *subs = fg_json_get(p, "subcomponents");
		n += openvex_products(subs, ids + n, max - n);
	}
	return n;
}

static int load_openvex(const fg_json *doc, fg_arena *a, fg_vex *out, char *err, size_t errlen)
{
	const fg_json *stmts = fg_json_get(doc, "statements");
	if (!fg_json_is(stmts, FG_JSON_ARRAY)) {
		snprintf(err, errlen, "%s: OpenVEX document without statements", out->path);
		return -1;
	}
	out->stmts = fg_arena_alloc(a, (stmts->len ? stmts->len : 1) * sizeof(*out->stmts));
	if (!out->stmts)
		return -1;
	for (const fg_json *s = stmts->child; s; s = s->next) {
		fg_vex_stmt st = {0};
		const fg_json *vul = fg_json_get(s, "vulnerability");
		const char *aliases[64];
		size_t na = 0;
		if (fg_json_str(vul)) {
			st.vuln = fg_json_str(vul);
		} else {
			st.vuln = fg_json_gets(vul, "name") ? fg_json_gets(vul, "name") : fg_json_gets(vul, "@id");
			const fg_json *al = fg_json_get(vul, "aliases");
			for (const fg_json *x = fg_json_is(al, FG_JSON_ARRAY) ? al->child : NULL; x && na < 64; x = x->next)
				if (fg_json_str(x))
					aliases[na++] = fg_json_str(x);
		}
		const char *implied;
		if (!st.vuln || !parse_status(fg_json_gets(s, "status"), false, &st.status, &implied)) {
			snprintf(err, errlen, "%s: OpenVEX statement without a vulnerability name or a known status",
				 out->path);
			return -1;
		}
		const char *ids[256];
		size_t np = openvex_products(fg_json_get(s, "products"), ids, 256);
		st.products = str_list(a, ids, np);
		st.nproducts = np;
		st.aliases = str_list(a, aliases, na);
		st.naliases = na;
		st.justification = fg_json_gets(s, "justification");
		st.detail = fg_json_gets(s, "impact_statement");
		if (!st.detail)
			st.detail = fg_json_gets(s, "action_statement");
		if (!st.detail)
			st.detail = fg_json_gets(s, "status_notes");
		out->stmts[out->n++] = st;
	}
	out->format = "openvex";
	return 0;
}

/* A CycloneDX bom-ref -> the component's purl / cpe / name@version. */
static size_t cdx_resolve(const fg_json *doc, const char *ref, const char **ids, size_t max, fg_arena *a)
{
	size_t n = 0;
	if (n < max)
		ids[n++] = ref;
	const fg_json *comps = fg_json_get(doc, "components");
	const fg_json *meta = fg_json_get(fg_json_get(doc, "metadata"), "component");
	const fg_json *lists[2] = { comps, NULL };
	for (int l = 0; l < 2; l++) {
		for (const fg_json *c = fg_json_is(lists[l], FG_JSON_ARRAY) ? lists[l]->child : NULL; c; c = c->next) {
			const char *br = fg_json_gets(c, "bom-ref");
			if (!br || strcmp(br, ref))
				continue;
			const char *purl = fg_json_gets(c, "purl"), *cpe = fg_json_gets(c, "cpe");
			const char *name = fg_json_gets(c, "name"), *ver = fg_json_gets(c, "version");
			if (purl && n < max)
				ids[n++] = purl;
			if (cpe && n < max)
				ids[n++] = cpe;
			if (name && n < max)
				ids[n++] = ver ? fg_arena_printf(a, "%s@%s", name, ver) : name;
		}
	}
	(void)meta;
	return n;
}

static int load_cyclonedx(const fg_json *doc, fg_arena *a, fg_vex *out, char *err, size_t errlen)
{
	const fg_json *vulns = fg_json_get(doc, "vulnerabilities");
	if (!fg_json_is(vulns, FG_JSON_ARRAY)) {
		snprintf(err, errlen, "%s: CycloneDX document without vulnerabilities", out->path);
		return -1;
	}
	out->stmts = fg_arena_alloc(a, (vulns->len ? vulns->len : 1) * sizeof(*out->stmts));
	if (!out->stmts)
		return -1;
	for (const fg_json *v = vulns->child; v; v = v->next) {
		fg_vex_stmt st = {0};
		st.vuln = fg_json_gets(v, "id");
		const fg_json *an = fg_json_get(v, "analysis");
		const char *implied;
		if (!st.vuln || !an)
			continue; /* a plain vulnerability listing, no VEX analysis */
		if (!parse_status(fg_json_gets(an, "state"), true, &st.status, &implied)) {
			snprintf(err, errlen, "%s: CycloneDX analysis of %s without a known state", out->path, st.vuln);
			return -1;
		}
		st.justification = fg_json_gets(an, "justification");
		if (!st.justification)
			st.justification = implied;
		st.detail = fg_json_gets(an, "detail");
		const char *aliases[64];
		size_t na = 0;
		const fg_json *refs = fg_json_get(v, "references");
		for (const fg_json *r = fg_json_is(refs, FG_JSON_ARRAY) ? refs->child : NULL; r && na < 64; r = r->next)
			if (fg_json_gets(r, "id"))
				aliases[na++] = fg_json_gets(r, "id");
		st.aliases = str_list(a, aliases, na);
		st.naliases = na;
		const char *ids[256];
		size_t np = 0;
		const fg_json *aff = fg_json_get(v, "affects");
		for (const fg_json *x = fg_json_is(aff, FG_JSON_ARRAY) ? aff->child : NULL; x && np < 250; x = x->next) {
			const char *ref = fg_json_gets(x, "ref");
			if (ref)
				np += cdx_resolve(doc, ref, ids + np, 256 - np, a);
		}
		st.products = str_list(a, ids, np);
		st.nproducts = np;
		out->stmts[out->n++] = st;
	}
	out->format = "cyclonedx";
	return 0;
}

int fg_vex_load(const char *path, fg_arena *a, fg_vex *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->path = fg_arena_strdup(a, path);
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > (off_t)VEX_MAX_BYTES) {
		snprintf(err, errlen, "%s: not a regular file of at most 64 MiB", path);
		fclose(f);
		return -1;
	}
	size_t len = (size_t)sb.st_size;
	char *buf = malloc(len ? len : 1);
	if (!buf || fread(buf, 1, len, f) != len) {
		snprintf(err, errlen, "%s: read error", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	char jerr[300];
	fg_json *doc = fg_json_parse(buf, len, a, jerr, sizeof(jerr));
	free(buf);
	if (!doc) {
		snprintf(err, errlen, "%s: invalid JSON: %s", path, jerr);
		return -1;
	}
	const char *ctx = fg_json_gets(doc, "@context");
	const char *bf = fg_json_gets(doc, "bomFormat");
	if (ctx && strstr(ctx, "openvex"))
		return load_openvex(doc, a, out, err, errlen);
	if (bf && !strcmp(bf, "CycloneDX"))
		return load_cyclonedx(doc, a, out, err, errlen);
	snprintf(err, errlen, "%s: neither OpenVEX (@context) nor CycloneDX (bomFormat)", path);
	return -1;
}

/* "pkg:deb/debian/curl@7.88.1?arch=amd64" -> length of "pkg:deb/debian/curl" */
static size_t purl_base_len(const char *p)
{
	return strcspn(p, "@?#");
}

bool fg_vex_product_matches(const char *id, const fg_vex_component *c)
{
	if (!id || !*id)
		return false;
	if (!strncmp(id, "pkg:", 4)) {
		if (!c->purl)
			return false;
		if (!strcmp(id, c->purl))
			return true;
		/* the same package: versionless statement, or same version
		 * with other qualifiers */
		size_t bi = purl_base_len(id), bc = purl_base_len(c->purl);
		if (bi != bc || strncmp(id, c->purl, bi))
			return false;
		if (id[bi] != '@')
			return true;
		size_t vi = strcspn(id + bi, "?#"), vc = strcspn(c->purl + bc, "?#");
		return vi == vc && !strncmp(id + bi, c->purl + bc, vi);
	}
	if (!strncmp(id, "cpe:", 4)) {
		fg_vcpe a, b;
		if (!c->cpe || !fg_vcpe_parse(id, &a) || !fg_vcpe_parse(c->cpe, &b))
			return false;
		if (strcmp(a.f[FG_VCPE_VENDOR], b.f[FG_VCPE_VENDOR]) || strcmp(a.f[FG_VCPE_PRODUCT], b.f[FG_VCPE_PRODUCT]))
			return false;
		const char *va = a.f[FG_VCPE_VERSION], *vb = b.f[FG_VCPE_VERSION];
		return !strcmp(va, "*") || !strcmp(va, vb);
	}
	if (!c->name)
		return false;
	const char *at = strrchr(id, '@');
	if (at && at > id) {
		size_t nl = (size_t)(at - id);
		return strlen(c->name) == nl && !strncasecmp(id, c->name, nl) && c->version &&
		       !strcmp(at + 1, c->version);
	}
	return !strcasecmp(id, c->name);
}

static bool stmt_names(const fg_vex_stmt *s, const char *id)
{
	if (!strcasecmp(s->vuln, id))
		return true;
	for (size_t i = 0; i < s->naliases; i++)
		if (!strcasecmp(s->aliases[i], id))
			return true;
	return false;
}

size_t fg_vex_apply(const fg_vex *vex, const fg_vex_component *comps, size_t ncomps,
		    fg_vuln_vec *v, fg_arena *a)
{
	size_t changed = 0;
	for (size_t i = 0; i < v->n; i++) {
		fg_vuln_match *m = &v->v[i];
		if (m->component >= ncomps)
			continue;
		const fg_vex_stmt *hit = NULL;
		for (size_t s = 0; s < vex->n; s++) {
			const fg_vex_stmt *st = &vex->stmts[s];
			if (!stmt_names(st, m->id))
				continue;
			bool prod = st->nproducts == 0;
			for (size_t p = 0; p < st->nproducts && !prod; p++)
				prod = fg_vex_product_matches(st->products[p], &comps[m->component]);
			if (prod)
				hit = st;
		}
		if (!hit)
			continue;
		m->status = hit->status;
		m->justification = hit->status == FG_VULN_NOT_AFFECTED ? hit->justification : NULL;
		m->status_detail = fg_arena_printf(a, "VEX %s (%s)%s%s", vex->path, vex->format,
						   hit->detail ? ": " : "", hit->detail ? hit->detail : "");
		changed++;
	}
	return changed;
}

const char *fg_vex_openvex_justification(const char *j)
{
	static const struct { const char *cdx, *ovx; } map[] = {
		{ "code_not_present", "vulnerable_code_not_present" },
		{ "code_not_reachable", "vulnerable_code_not_in_execute_path" },
		{ "requires_configuration", "vulnerable_code_cannot_be_controlled_by_adversary" },
		{ "requires_dependency", "component_not_present" },
		{ "requires_environment", "vulnerable_code_cannot_be_controlled_by_adversary" },
		{ "protected_by_compiler", "inline_mitigations_already_exist" },
		{ "protected_at_runtime", "inline_mitigations_already_exist" },
		{ "protected_at_perimeter", "inline_mitigations_already_exist" },
		{ "protected_by_mitigating_control", "inline_mitigations_already_exist" },
		{ "false_positive", "vulnerable_code_not_present" },
	};
	if (!j)
		return "vulnerable_code_not_present";
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(j, map[i].cdx))
			return map[i].ovx;
	return j;
}

/* The product's identifier: its purl, else its CPE, else a generic purl. */
static const char *product_id(const fg_vex_component *c, char *buf, size_t bufsz)
{
	if (c->purl)
		return c->purl;
	if (c->cpe)
		return c->cpe;
	size_t o = (size_t)snprintf(buf, bufsz, "pkg:generic/");
	const char *parts[2] = { c->name ? c->name : "unknown", c->version };
	for (int k = 0; k < 2 && o + 4 < bufsz; k++) {
		if (k == 1) {
			if (!parts[1] || !*parts[1])
				break;
			buf[o++] = '@';
		}
		for (const char *p = parts[k]; *p && o + 4 < bufsz; p++) {
			unsigned char ch = (unsigned char)*p;
			if (isalnum(ch) || strchr(".-_~", ch))
				buf[o++] = (char)ch;
			else
				o += (size_t)snprintf(buf + o, bufsz - o, "%%%02X", ch);
		}
	}
	buf[o] = '\0';
	return buf;
}

int fg_vex_write_openvex(FILE *out, const fg_vuln_vec *v, const fg_vex_component *comps, size_t ncomps,
			 const char *timestamp)
{
	/* a stable document ID: SHA-256 over the statements */
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char dig[32];
	unsigned dlen = 0;
	char idbuf[300];
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return -1;
	}
	for (size_t i = 0; i < v->n; i++) {
		const fg_vuln_match *m = &v->v[i];
		const char *pid = m->component < ncomps ? product_id(&comps[m->component], idbuf, sizeof(idbuf)) : "";
		const char *st = fg_vuln_status_name(m->status);
		EVP_DigestUpdate(md, m->id, strlen(m->id) + 1);
		EVP_DigestUpdate(md, pid, strlen(pid) + 1);
		EVP_DigestUpdate(md, st, strlen(st) + 1);
	}
	EVP_DigestFinal_ex(md, dig, &dlen);
	EVP_MD_CTX_free(md);
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", dig[i]);

	fg_jsonw w;
	fg_jw_init(&w, out);
	fg_jw_obj(&w);
	fg_jw_kstr(&w, "@context", "https://openvex.dev/ns/v0.2.0");
	char docid[100];
	snprintf(docid, sizeof(docid), "urn:firmgate:vex:%s", hex);
	fg_jw_kstr(&w, "@id", docid);
	fg_jw_kstr(&w, "author", "firmgate");
	fg_jw_kstr(&w, "timestamp", timestamp);
	fg_jw_kint(&w, "version", 1);
	fg_jw_kstr(&w, "tooling", "firmgate " FG_VERSION_STRING);
	fg_jw_key(&w, "statements");
	fg_jw_arr(&w);
	for (size_t i = 0; i < v->n; i++) {
		const fg_vuln_match *m = &v->v[i];
		if (m->component >= ncomps)
			continue;
		const fg_vex_component *c = &comps[m->component];
		fg_jw_obj(&w);
		fg_jw_key(&w, "vulnerability");
		fg_jw_obj(&w);
		fg_jw_kstr(&w, "name", m->id);
		fg_jw_obj_end(&w);
		fg_jw_key(&w, "products");
		fg_jw_arr(&w);
		fg_jw_obj(&w);
		fg_jw_kstr(&w, "@id", product_id(c, idbuf, sizeof(idbuf)));
		if (c->purl || c->cpe) {
			fg_jw_key(&w, "identifiers");
			fg_jw_obj(&w);
			if (c->purl)
				fg_jw_kstr(&w, "purl", c->purl);
			if (c->cpe)
				fg_jw_kstr(&w, "cpe23", c->cpe);
			fg_jw_obj_end(&w);
		}
		fg_jw_obj_end(&w);
		fg_jw_arr_end(&w);
		fg_jw_kstr(&w, "status", fg_vuln_status_name(m->status));
		switch (m->status) {
		case FG_VULN_NOT_AFFECTED:
			fg_jw_kstr(&w, "justification", fg_vex_openvex_justification(m->justification));
			fg_jw_kstr(&w, "impact_statement", m->status_detail ? m->status_detail : m->rule);
			break;
		case FG_VULN_AFFECTED:
			fg_jw_kstr(&w, "action_statement",
				   "Update the component to a version outside the vulnerable range, "
				   "or document why it is not affected.");
			fg_jw_kstr(&w, "status_notes", m->rule);
			break;
		default:
			if (m->status_detail)
				fg_jw_kstr(&w, "status_notes", m->status_detail);
			break;
		}
		fg_jw_obj_end(&w);
	}
	fg_jw_arr_end(&w);
	fg_jw_obj_end(&w);
	return ferror(out) ? -1 : 0;
}
