/*
 * vulns.h - known vulnerabilities of inventoried components.
 */
#ifndef FG_VULNS_H
#define FG_VULNS_H

#include "core/vec.h"

typedef struct fg_vuln_match {
	size_t component;        /* index into the result's components */
	const char *id;          /* e.g. "CVE-2017-14491" */
	double cvss;             /* base score, -1 when unknown */
	const char *severity;
	const char *rule;        /* why it matched, e.g. "version < 2.78" */
} fg_vuln_match;

typedef FG_VEC(fg_vuln_match) fg_vuln_vec;

/* Compares two version strings the way embedded projects number them:
 * numeric runs compare as numbers, letters as text, pre-release markers
 * (-rc, -pre, -devel, -alpha, -beta) sort before the release. */
int fg_version_cmp(const char *a, const char *b);

#endif
