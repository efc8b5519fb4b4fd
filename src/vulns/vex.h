/*
 * vex.h - VEX statements: read CycloneDX VEX and OpenVEX, apply them to
 * matches (shown, never dropped), write the scan's matches as OpenVEX.
 */
#ifndef FG_VULNS_VEX_H
#define FG_VULNS_VEX_H

#include <stdio.h>

#include "core/arena.h"
#include "vulns/vulns.h"

typedef struct fg_vex_stmt {
	const char *vuln;        /* "CVE-2017-14491" */
	const char **aliases;    /* other IDs of the same vulnerability */
	size_t naliases;
	const char **products;   /* purl, CPE, "name" or "name@version"; none = every component */
	size_t nproducts;
	fg_vuln_status status;
	const char *justification; /* as written in the document */
	const char *detail;      /* impact / action statement, analysis detail */
} fg_vex_stmt;

typedef struct fg_vex {
	const char *path;
	const char *format;      /* "openvex" or "cyclonedx" */
	fg_vex_stmt *stmts;
	size_t n;
} fg_vex;

/* Loads PATH (at most 64 MiB) into OUT; strings from ARENA. -1 with ERR. */
int fg_vex_load(const char *path, fg_arena *arena, fg_vex *out, char *err, size_t errlen);

/* What a statement's product identifiers are compared with. */
typedef struct fg_vex_component {
	const char *name, *version, *purl, *cpe;
} fg_vex_component;

/* Applies VEX to V: matching statements set status, justification and
 * detail (the last matching statement wins). COMPS is indexed by
 * fg_vuln_match.component. Returns how many matches changed. */
size_t fg_vex_apply(const fg_vex *vex, const fg_vex_component *comps, size_t ncomps,
		    fg_vuln_vec *v, fg_arena *arena);

/* Whether product identifier ID names component C. */
bool fg_vex_product_matches(const char *id, const fg_vex_component *c);

/* OpenVEX justification for a CycloneDX one (identity for OpenVEX ones). */
const char *fg_vex_openvex_justification(const char *j);

/* Writes V as an OpenVEX 0.2.0 document. TIMESTAMP: ISO 8601 (the CLI
 * uses SOURCE_DATE_EPOCH when set, else now). */
int fg_vex_write_openvex(FILE *out, const fg_vuln_vec *v, const fg_vex_component *comps, size_t ncomps,
			 const char *timestamp);

#endif
