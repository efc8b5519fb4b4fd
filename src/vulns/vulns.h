/*
 * vulns.h - known vulnerabilities of inventoried components.
 *
 * The model the vulnerabilities stage fills (docs/VULNERABILITIES.md) and
 * the renderers read: one fg_vuln_match per (component, vulnerability),
 * and per component the records that could not be assessed because the
 * database has no applicability (CPE) data for them.
 */
#ifndef FG_VULNS_H
#define FG_VULNS_H

#include <stdbool.h>

#include "core/vec.h"

typedef enum fg_vuln_status {
	FG_VULN_AFFECTED = 0,
	FG_VULN_NOT_AFFECTED,      /* a VEX statement or a false-positive control says so */
	FG_VULN_FIXED,             /* a VEX statement says so */
	FG_VULN_UNDER_INVESTIGATION,
} fg_vuln_status;

typedef enum fg_vuln_confidence {
	FG_VCONF_LOW = 0,           /* version unknown, "-" criteria, distribution backport possible */
	FG_VCONF_MEDIUM,            /* the product came from the alias table, not the component's CPE */
	FG_VCONF_HIGH,              /* the component's own CPE, version inside the range */
} fg_vuln_confidence;

typedef struct fg_vuln_match {
	size_t component;        /* index into the result's components */
	const char *id;          /* e.g. "CVE-2017-14491" */
	const char *source;      /* "nvd" or "osv" */
	double cvss;             /* base score, -1 when unknown */
	const char *cvss_vector; /* e.g. "CVSS:3.1/AV:N/...", NULL when unknown */
	const char *cvss_version;/* "3.1", "3.0", "4.0", "2.0", or NULL */
	const char *severity;    /* "critical", "high", "medium", "low", "none", or NULL */
	const char *cwe;         /* comma-separated, or NULL */
	const char *published;   /* NVD dates, or NULL */
	const char *modified;
	bool kev;                /* in the CISA KEV catalog (or NVD's cisaExploitAdd) */
	const char *kev_date_added;
	const char *kev_due_date;
	bool kev_ransomware;     /* knownRansomwareCampaignUse == "Known" */
	double epss;             /* probability 0..1, -1 when unknown */
	double epss_percentile;  /* 0..1, -1 when unknown */
	const char *criteria;    /* the CPE match criteria that applied */
	const char *rule;        /* why it matched, e.g. "thekelleys:dnsmasq 2.73 <= 2.77" */
	fg_vuln_confidence confidence;
	fg_vuln_status status;
	const char *justification; /* for not_affected: VEX justification, e.g.
	                              "vulnerable_code_not_present" */
	const char *status_detail; /* who said so and why (VEX file, applet list, kernel config) */
	const char *evidence;    /* false-positive controls applied, "; "-separated, or NULL */
} fg_vuln_match;

/* A record the database holds for a component's product but cannot apply:
 * it has no CPE configuration (e.g. NVD "Awaiting Analysis"). Found by the
 * product's name in the description; reported, never matched. */
typedef struct fg_vuln_nodata {
	size_t component;
	const char *id;
	const char *status;      /* NVD vulnStatus */
	bool kev;
} fg_vuln_nodata;

/* Layout-compatible with FG_VEC(fg_vuln_match) (v, n, cap first); the
 * extra lists live in the result's arena. */
typedef struct fg_vuln_vec {
	fg_vuln_match *v;
	size_t n, cap;
	fg_vuln_nodata *nodata;  /* sorted by component, id */
	size_t n_nodata;
	const char *database;    /* path of the database used, or NULL */
	bool matched;            /* the stage ran against a database */
} fg_vuln_vec;

/* Compares two version strings the way embedded projects number them:
 * numeric runs compare as numbers, letters as text, pre-release markers
 * (-rc, -pre, -devel, -alpha, -beta, test) sort before the release, patch
 * letters after it (1.0.2k > 1.0.2), an epoch "N:" first, a "v" prefix
 * ignored. */
int fg_version_cmp(const char *a, const char *b);

const char *fg_vuln_status_name(fg_vuln_status s);       /* "affected", "not_affected", ... */
const char *fg_vuln_confidence_name(fg_vuln_confidence c); /* "high", "medium", "low" */

#endif
