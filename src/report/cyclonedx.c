/*
 * cyclonedx.c - the inventory as a CycloneDX 1.6 JSON bill of materials.
 *
 * The firmware image is the BOM's subject (metadata.component); every
 * component depends from it. Each component carries its CPE and package
 * URL, the digest of its file (or its files as nested "file"
 * components), and the evidence that named it: identity methods with a
 * technique and confidence, and occurrences (where it was seen).
 * Deterministic: the serial number derives from the content and only
 * the timestamp changes between runs (SOURCE_DATE_EPOCH fixes it).
 */
#include <stdio.h>
#include <string.h>

#include "vulns/match.h"
#include "core/result.h"
#include "report/jsonw.h"
#include "report/sbom.h"

static const char *technique(const char *method)
{
	if (!strcmp(method, "package-db") || !strcmp(method, "os-release"))
		return "manifest-analysis";
	if (!strcmp(method, "filename"))
		return "filename";
	if (!strcmp(method, "signature") || !strcmp(method, "kernel-header"))
		return "binary-analysis";
	return "other";
}

static double confidence(fg_confidence c)
{
	return c == FG_CONF_HIGH ? 0.9 : c == FG_CONF_MEDIUM ? 0.6 : 0.3;
}

static void hashes(fg_jsonw *w, const char *sha256)
{
	fg_jw_key(w, "hashes");
	fg_jw_arr(w);
	fg_jw_obj(w);
	fg_jw_kstr(w, "alg", "SHA-256");
	fg_jw_kstr(w, "content", sha256);
	fg_jw_obj_end(w);
	fg_jw_arr_end(w);
}

static void property(fg_jsonw *w, const char *name, const char *value)
{
	char key[160];
	snprintf(key, sizeof(key), "firmgate:%s", name);
	fg_jw_obj(w);
	fg_jw_kstr(w, "name", key);
	fg_jw_kstr(w, "value", value);
	fg_jw_obj_end(w);
}

static void evidence(fg_jsonw *w, const fg_component *c)
{
	fg_jw_key(w, "evidence");
	fg_jw_obj(w);
	fg_jw_key(w, "identity");
	fg_jw_arr(w);
	fg_jw_obj(w);
	fg_jw_kstr(w, "field", *c->version ? "version" : "name");
	fg_jw_key(w, "confidence");
	fg_jw_double(w, confidence(c->confidence));
	fg_jw_key(w, "methods");
	fg_jw_arr(w);
	for (size_t i = 0; i < c->nevidences; i++) {
		fg_jw_obj(w);
		fg_jw_kstr(w, "technique", technique(c->evidences[i].method));
		fg_jw_key(w, "confidence");
		fg_jw_double(w, confidence(c->evidences[i].confidence));
		char value[512];
		snprintf(value, sizeof(value), "%s: %s", c->evidences[i].method, c->evidences[i].text);
		fg_jw_kstr(w, "value", value);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
	fg_jw_obj_end(w);
	fg_jw_arr_end(w);
	fg_jw_key(w, "occurrences");
	fg_jw_arr(w);
	for (size_t i = 0; i < c->nevidences; i++) {
		fg_jw_obj(w);
		fg_jw_kstr(w, "location", c->evidences[i].where);
		if (c->evidences[i].offset >= 0)
			fg_jw_kint(w, "offset", c->evidences[i].offset);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
	fg_jw_obj_end(w);
}

/* Several files: each a nested component of type "file" with its digest. */
static void files(fg_jsonw *w, const fg_component *c, const char *ref)
{
	fg_jw_key(w, "components");
	fg_jw_arr(w);
	for (size_t i = 0; i < c->nfiles; i++) {
		char fref[160];
		char h[17];
		fg_sbom_hash2(ref, c->files[i].path, h);
		snprintf(fref, sizeof(fref), "%s-file-%s", ref, h);
		fg_jw_obj(w);
		fg_jw_kstr(w, "type", "file");
		fg_jw_kstr(w, "bom-ref", fref);
		fg_jw_kstr(w, "name", c->files[i].path);
		if (c->files[i].sha256)
			hashes(w, c->files[i].sha256);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
}

static void component(fg_jsonw *w, const fg_component *c)
{
	char ref[64];
	fg_sbom_ref(c, "component-", ref, sizeof(ref));
	fg_jw_obj(w);
	fg_jw_kstr(w, "type", c->type);
	fg_jw_kstr(w, "bom-ref", ref);
	if (c->supplier) {
		fg_jw_key(w, "supplier");
		fg_jw_obj(w);
		fg_jw_kstr(w, "name", c->supplier);
		fg_jw_obj_end(w);
	}
	fg_jw_kstr(w, "name", c->name);
	if (*c->version)
		fg_jw_kstr(w, "version", c->version);
	if (c->cpe)
		fg_jw_kstr(w, "cpe", c->cpe);
	if (c->purl)
		fg_jw_kstr(w, "purl", c->purl);
	if (c->nfiles == 1 && c->files[0].sha256)
		hashes(w, c->files[0].sha256);
	fg_jw_key(w, "properties");
	fg_jw_arr(w);
	property(w, "container", c->container);
	property(w, "path", c->path);
	property(w, "confidence", fg_confidence_name(c->confidence));
	for (size_t i = 0; i < c->nprops; i++)
		property(w, c->props[i].name, c->props[i].value);
	fg_jw_arr_end(w);
	evidence(w, c);
	if (c->nfiles > 1)
		files(w, c, ref);
	fg_jw_obj_end(w);
}

static void metadata(fg_jsonw *w, const fg_result *r)
{
	char ts[32], digest[65];
	fg_sbom_timestamp(ts);
	fg_sbom_input_sha256(r, digest);
	fg_jw_key(w, "metadata");
	fg_jw_obj(w);
	fg_jw_kstr(w, "timestamp", ts);
	fg_jw_key(w, "tools");
	fg_jw_obj(w);
	fg_jw_key(w, "components");
	fg_jw_arr(w);
	fg_jw_obj(w);
	fg_jw_kstr(w, "type", "application");
	fg_jw_kstr(w, "name", "firmgate");
	fg_jw_kstr(w, "version", fg_version());
	fg_jw_obj_end(w);
	fg_jw_arr_end(w);
	fg_jw_obj_end(w);
	fg_jw_key(w, "component");
	fg_jw_obj(w);
	fg_jw_kstr(w, "type", "firmware");
	fg_jw_kstr(w, "bom-ref", "firmware");
	fg_jw_kstr(w, "name", r->input_name ? r->input_name : "input");
	if (*digest)
		hashes(w, digest);
	fg_jw_obj_end(w);
	fg_jw_obj_end(w);
}

/* bom-ref of component I, for the vulnerabilities' "affects" entries. */
static const char *component_ref(const fg_result *r, size_t i, void *ud)
{
	char *buf = ud;
	if (i >= r->components.n)
		return NULL;
	fg_sbom_ref(&r->components.v[i], "component-", buf, 64);
	return buf;
}

int fg_report_cyclonedx(const fg_result *r, FILE *out)
{
	char uuid[37], serial[64];
	fg_sbom_uuid(r, uuid);
	snprintf(serial, sizeof(serial), "urn:uuid:%s", uuid);
	fg_jsonw w;
	fg_jw_init(&w, out);
	fg_jw_obj(&w);
	fg_jw_kstr(&w, "bomFormat", "CycloneDX");
	fg_jw_kstr(&w, "specVersion", "1.6");
	fg_jw_kstr(&w, "serialNumber", serial);
	fg_jw_kuint(&w, "version", 1);
	metadata(&w, r);
	fg_jw_key(&w, "components");
	fg_jw_arr(&w);
	for (size_t i = 0; i < r->components.n; i++)
		component(&w, &r->components.v[i]);
	fg_jw_arr_end(&w);
	fg_jw_key(&w, "dependencies");
	fg_jw_arr(&w);
	fg_jw_obj(&w);
	fg_jw_kstr(&w, "ref", "firmware");
	fg_jw_key(&w, "dependsOn");
	fg_jw_arr(&w);
	for (size_t i = 0; i < r->components.n; i++) {
		char ref[64];
		fg_sbom_ref(&r->components.v[i], "component-", ref, sizeof(ref));
		fg_jw_str(&w, ref);
	}
	fg_jw_arr_end(&w);
	fg_jw_obj_end(&w);
	fg_jw_arr_end(&w);
	if (r->vulns.n) {
		char ref[64];
		fg_jw_key(&w, "vulnerabilities");
		fg_vulns_write_cyclonedx(&w, r, component_ref, ref);
	}
	fg_jw_obj_end(&w);
	return ferror(out) ? -1 : 0;
}
