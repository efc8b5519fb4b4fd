/*
 * cpe.h - CPE 2.3 names and NVD match criteria.
 */
#ifndef FG_VULNS_CPE_H
#define FG_VULNS_CPE_H

#include <stdbool.h>
#include <stddef.h>

enum {
	FG_VCPE_PART = 0, FG_VCPE_VENDOR, FG_VCPE_PRODUCT, FG_VCPE_VERSION, FG_VCPE_UPDATE,
	FG_VCPE_EDITION, FG_VCPE_LANGUAGE, FG_VCPE_SW_EDITION, FG_VCPE_TARGET_SW,
	FG_VCPE_TARGET_HW, FG_VCPE_OTHER, FG_VCPE_NFIELDS
};

/* A parsed name. Fields keep CPE escaping ("\:" stays "\:"), vendor and
 * product are lower-cased; a missing trailing field is "*". */
typedef struct fg_vcpe {
	char buf[1024];
	const char *f[FG_VCPE_NFIELDS];
} fg_vcpe;

/* Parses a CPE 2.3 formatted string ("cpe:2.3:a:vendor:product:...") or a
 * CPE 2.2 URI ("cpe:/a:vendor:product:version"). False when malformed. */
bool fg_vcpe_parse(const char *s, fg_vcpe *out);

/* Copies VALUE without CPE escapes into OUT. */
void fg_vcpe_unescape(const char *value, char *out, size_t outsz);

/* A vulnerable range from an NVD cpeMatch: the criteria's version and
 * update fields and the four optional bounds (NULL when absent). */
typedef struct fg_vcpe_range {
	const char *version;     /* escaped CPE value: "*", "-", or a version */
	const char *update;
	const char *start_incl, *start_excl, *end_incl, *end_excl;
} fg_vcpe_range;

typedef enum fg_vrange_result {
	FG_VRANGE_OUT = 0,        /* VERSION is outside */
	FG_VRANGE_IN,             /* inside, by comparison */
	FG_VRANGE_ANY,            /* the criteria apply to every version ("*" without bounds, or "-") */
	FG_VRANGE_UNKNOWN,        /* VERSION is empty: cannot tell */
} fg_vrange_result;

/* Whether VERSION (upstream, unescaped) lies in R. RULE gets a short
 * human-readable reason, e.g. "2.73 <= 2.77" or "= 1.33.1". */
fg_vrange_result fg_vcpe_range_check(const fg_vcpe_range *r, const char *version, char *rule, size_t rulesz);

/* Upstream version of a packaged component: drops a Debian epoch and
 * revision when the component is a distribution package (purl pkg:deb,
 * or a version carrying "+debNuM"/"ubuntu"). *DISTRO is set then. Copies
 * VERSION unchanged otherwise. */
/* The version of a package URL, percent-decoded ("" when none). */
void fg_vuln_purl_version(const char *purl, char *out, size_t outsz);

void fg_vuln_upstream_version(const char *version, const char *purl, char *out, size_t outsz, bool *distro);

#endif
