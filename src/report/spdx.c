/*
 * spdx.c - the inventory as an SPDX 2.3 JSON document.
 *
 * The document describes one package, the firmware image, which
 * CONTAINS a package per component; each component package CONTAINS
 * the files it was found in (SHA-256 and the SHA-1 SPDX requires).
 * Identifiers go in externalRefs (cpe23Type, purl); the evidence goes in
 * sourceInfo and annotations. Licences are NOASSERTION: firmgate does
 * not conclude them. The namespace derives from the content, so only
 * the creation time changes between runs (SOURCE_DATE_EPOCH fixes it).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/result.h"
#include "report/jsonw.h"
#include "report/sbom.h"

static const char *purpose(const char *type)
{
	if (!strcmp(type, "library"))
		return "LIBRARY";
	if (!strcmp(type, "operating-system"))
		return "OPERATING-SYSTEM";
	if (!strcmp(type, "firmware"))
		return "FIRMWARE";
	if (!strcmp(type, "framework"))
		return "FRAMEWORK";
	if (!strcmp(type, "device"))
		return "DEVICE";
	return "APPLICATION";
}

static void package_id(const fg_component *c, char *out, size_t cap)
{
	fg_sbom_ref(c, "SPDXRef-Package-", out, cap);
}

static void file_id(const fg_component *c, const fg_comp_file *f, char *out, size_t cap)
{
	char h[17];
	fg_sbom_hash2(c->container, f->path, h);
	snprintf(out, cap, "SPDXRef-File-%s", h);
}

static void ext_ref(fg_jsonw *w, const char *cat, const char *type, const char *loc)
{
	fg_jw_obj(w);
	fg_jw_kstr(w, "referenceCategory", cat);
	fg_jw_kstr(w, "referenceType", type);
	fg_jw_kstr(w, "referenceLocator", loc);
	fg_jw_obj_end(w);
}

static void noassert(fg_jsonw *w)
{
	fg_jw_kstr(w, "downloadLocation", "NOASSERTION");
	fg_jw_kbool(w, "filesAnalyzed", false);
	fg_jw_kstr(w, "licenseConcluded", "NOASSERTION");
	fg_jw_kstr(w, "licenseDeclared", "NOASSERTION");
	fg_jw_kstr(w, "copyrightText", "NOASSERTION");
}

static void annotations(fg_jsonw *w, const fg_component *c, const char *ts)
{
	fg_jw_key(w, "annotations");
	fg_jw_arr(w);
	for (size_t i = 0; i < c->nevidences; i++) {
		const fg_comp_evidence *e = &c->evidences[i];
		char text[800];
		snprintf(text, sizeof(text), "evidence: method=%s where=%s confidence=%s text=%s",
			 e->method, e->where, fg_confidence_name(e->confidence), e->text);
		fg_jw_obj(w);
		fg_jw_kstr(w, "annotationDate", ts);
		fg_jw_kstr(w, "annotationType", "OTHER");
		char tool[64];
		snprintf(tool, sizeof(tool), "Tool: firmgate-%s", fg_version());
		fg_jw_kstr(w, "annotator", tool);
		fg_jw_kstr(w, "comment", text);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
}

static void package(fg_jsonw *w, const fg_component *c, const char *ts)
{
	char id[80];
	package_id(c, id, sizeof(id));
	fg_jw_obj(w);
	fg_jw_kstr(w, "SPDXID", id);
	fg_jw_kstr(w, "name", c->name);
	if (*c->version)
		fg_jw_kstr(w, "versionInfo", c->version);
	if (c->supplier) {
		char sup[300];
		snprintf(sup, sizeof(sup), "Organization: %s", c->supplier);
		fg_jw_kstr(w, "supplier", sup);
	} else {
		fg_jw_kstr(w, "supplier", "NOASSERTION");
	}
	noassert(w);
	fg_jw_kstr(w, "primaryPackagePurpose", purpose(c->type));
	char src[600];
	snprintf(src, sizeof(src), "found by %s in %s (%s), confidence %s", c->method, c->path,
		 c->container, fg_confidence_name(c->confidence));
	fg_jw_kstr(w, "sourceInfo", src);
	fg_jw_key(w, "externalRefs");
	fg_jw_arr(w);
	if (c->cpe)
		ext_ref(w, "SECURITY", "cpe23Type", c->cpe);
	if (c->purl)
		ext_ref(w, "PACKAGE-MANAGER", "purl", c->purl);
	fg_jw_arr_end(w);
	annotations(w, c, ts);
	fg_jw_obj_end(w);
}

static void firmware_package(fg_jsonw *w, const fg_result *r)
{
	char digest[65];
	fg_sbom_input_sha256(r, digest);
	fg_jw_obj(w);
	fg_jw_kstr(w, "SPDXID", "SPDXRef-Package-firmware");
	fg_jw_kstr(w, "name", r->input_name ? r->input_name : "input");
	noassert(w);
	fg_jw_kstr(w, "primaryPackagePurpose", "FIRMWARE");
	if (*digest) {
		fg_jw_key(w, "checksums");
		fg_jw_arr(w);
		fg_jw_obj(w);
		fg_jw_kstr(w, "algorithm", "SHA256");
		fg_jw_kstr(w, "checksumValue", digest);
		fg_jw_obj_end(w);
		fg_jw_arr_end(w);
	}
	fg_jw_obj_end(w);
}

/* A file once per container and path, though several components name it. */
typedef struct file_ref {
	char id[64];
	const fg_component *c;
	const fg_comp_file *f;
} file_ref;

static int file_ref_cmp(const void *a, const void *b)
{
	return strcmp(((const file_ref *)a)->id, ((const file_ref *)b)->id);
}

static void file(fg_jsonw *w, const fg_component *c, const fg_comp_file *f)
{
	char id[64], name[4200], sha1[41];
	file_id(c, f, id, sizeof(id));
	snprintf(name, sizeof(name), ".%s", f->path[0] == '/' ? f->path : "/");
	const fg_node *n = f->node;
	fg_sbom_sha1(n ? n->data : NULL, n ? n->data_len : 0, sha1);
	fg_jw_obj(w);
	fg_jw_kstr(w, "SPDXID", id);
	fg_jw_kstr(w, "fileName", name);
	fg_jw_key(w, "checksums");
	fg_jw_arr(w);
	fg_jw_obj(w);
	fg_jw_kstr(w, "algorithm", "SHA1");
	fg_jw_kstr(w, "checksumValue", sha1);
	fg_jw_obj_end(w);
	fg_jw_obj(w);
	fg_jw_kstr(w, "algorithm", "SHA256");
	fg_jw_kstr(w, "checksumValue", f->sha256);
	fg_jw_obj_end(w);
	fg_jw_arr_end(w);
	fg_jw_kstr(w, "licenseConcluded", "NOASSERTION");
	fg_jw_kstr(w, "copyrightText", "NOASSERTION");
	fg_jw_kstr(w, "comment", c->container);
	fg_jw_obj_end(w);
}

static void files(fg_jsonw *w, const fg_result *r)
{
	FG_VEC(file_ref) refs = {0};
	for (size_t i = 0; i < r->components.n; i++) {
		const fg_component *c = &r->components.v[i];
		for (size_t j = 0; j < c->nfiles; j++) {
			if (!c->files[j].sha256)
				continue;
			file_ref fr = { .c = c, .f = &c->files[j] };
			file_id(c, &c->files[j], fr.id, sizeof(fr.id));
			if (!FG_VEC_PUSH(&refs, fr))
				break;
		}
	}
	if (refs.n > 1)
		qsort(refs.v, refs.n, sizeof(*refs.v), file_ref_cmp);
	fg_jw_key(w, "files");
	fg_jw_arr(w);
	for (size_t i = 0; i < refs.n; i++)
		if (i == 0 || strcmp(refs.v[i].id, refs.v[i - 1].id))
			file(w, refs.v[i].c, refs.v[i].f);
	fg_jw_arr_end(w);
	FG_VEC_FREE(&refs);
}

static void relationship(fg_jsonw *w, const char *a, const char *type, const char *b)
{
	fg_jw_obj(w);
	fg_jw_kstr(w, "spdxElementId", a);
	fg_jw_kstr(w, "relationshipType", type);
	fg_jw_kstr(w, "relatedSpdxElement", b);
	fg_jw_obj_end(w);
}

static void relationships(fg_jsonw *w, const fg_result *r)
{
	fg_jw_key(w, "relationships");
	fg_jw_arr(w);
	relationship(w, "SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Package-firmware");
	for (size_t i = 0; i < r->components.n; i++) {
		const fg_component *c = &r->components.v[i];
		char pid[80], fid[64];
		package_id(c, pid, sizeof(pid));
		relationship(w, "SPDXRef-Package-firmware", "CONTAINS", pid);
		for (size_t j = 0; j < c->nfiles; j++) {
			if (!c->files[j].sha256)
				continue;
			file_id(c, &c->files[j], fid, sizeof(fid));
			relationship(w, pid, "CONTAINS", fid);
		}
	}
	fg_jw_arr_end(w);
}

/* SPDX names: printable, no path separators, for the document name. */
static void doc_name(const char *in, char *out, size_t cap)
{
	size_t k = 0;
	for (const unsigned char *p = (const unsigned char *)(in ? in : "input"); *p && k + 1 < cap; p++)
		out[k++] = isalnum(*p) || *p == '.' || *p == '-' || *p == '_' ? (char)*p : '-';
	out[k] = '\0';
}

int fg_report_spdx(const fg_result *r, FILE *out)
{
	char ts[32], uuid[37], name[200], buf[512];
	fg_sbom_timestamp(ts);
	fg_sbom_uuid(r, uuid);
	doc_name(r->input_name, name, sizeof(name));
	fg_jsonw w;
	fg_jw_init(&w, out);
	fg_jw_obj(&w);
	fg_jw_kstr(&w, "spdxVersion", "SPDX-2.3");
	fg_jw_kstr(&w, "dataLicense", "CC0-1.0");
	fg_jw_kstr(&w, "SPDXID", "SPDXRef-DOCUMENT");
	snprintf(buf, sizeof(buf), "firmgate-sbom-%s", name);
	fg_jw_kstr(&w, "name", buf);
	snprintf(buf, sizeof(buf), "https://spdx.org/spdxdocs/firmgate-%s-%s", name, uuid);
	fg_jw_kstr(&w, "documentNamespace", buf);
	fg_jw_key(&w, "creationInfo");
	fg_jw_obj(&w);
	fg_jw_kstr(&w, "created", ts);
	fg_jw_key(&w, "creators");
	fg_jw_arr(&w);
	snprintf(buf, sizeof(buf), "Tool: firmgate-%s", fg_version());
	fg_jw_str(&w, buf);
	fg_jw_arr_end(&w);
	fg_jw_obj_end(&w);
	fg_jw_key(&w, "packages");
	fg_jw_arr(&w);
	firmware_package(&w, r);
	for (size_t i = 0; i < r->components.n; i++)
		package(&w, &r->components.v[i], ts);
	fg_jw_arr_end(&w);
	files(&w, r);
	relationships(&w, r);
	fg_jw_obj_end(&w);
	return ferror(out) ? -1 : 0;
}
