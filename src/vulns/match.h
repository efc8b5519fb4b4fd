/*
 * match.h - the vulnerabilities stage.
 */
#ifndef FG_VULNS_MATCH_H
#define FG_VULNS_MATCH_H

#include "core/result.h"
#include "report/jsonw.h"

/* Matches the inventoried components against the vulnerability database
 * (RES->opts.vulndb, else the default path), applies RES->opts.vex_file.
 * Without a usable database the stage records why in the diagnostics. */
void fg_vulns_match(fg_result *res);

/* Writes one match as a JSON object (the report's vulnerabilities[] item). */
void fg_vulns_write_match(fg_jsonw *w, const fg_vuln_match *v, const char *component);

/* Writes the report's "vulnerabilities" and
 * "vulnerabilities_no_applicability_data" members. */
void fg_vulns_write_json(fg_jsonw *w, const fg_result *r);

/* For the CycloneDX SBOM writer: writes the array value of a CycloneDX 1.5
 * "vulnerabilities" member (the caller writes the key). BOM_REF returns the
 * bom-ref the SBOM gave component I (NULL skips the affects entry). */
typedef const char *(*fg_vulns_bom_ref_fn)(const fg_result *r, size_t component, void *ud);
void fg_vulns_write_cyclonedx(fg_jsonw *w, const fg_result *r, fg_vulns_bom_ref_fn bom_ref, void *ud);

#endif
