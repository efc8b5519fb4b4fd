/*
 * matcher.h - components against the vulnerability database.
 *
 * Used by the scan's vulnerabilities stage (match.c) and by
 * `firmgate db match`. The rules are in docs/VULNERABILITIES.md.
 */
#ifndef FG_VULNS_MATCHER_H
#define FG_VULNS_MATCHER_H

#include "core/arena.h"
#include "vulns/db.h"
#include "vulns/vulns.h"

/* What the matcher knows about one component. */
typedef struct fg_vsubject {
	const char *name, *version, *cpe, *purl;
	/* The full distribution package version (e.g. "7.88.1-10+deb12u15")
	 * when VERSION is the upstream one; NULL: taken from the purl. */
	const char *package_version;
	/* Applets compiled into BusyBox (space/comma separated), or NULL when
	 * not known: BusyBox CVEs are then not filtered, and the match says so. */
	const char *applets;
	const char *applets_source;
	/* The list is the binary's own applet table (complete). A list made
	 * from the links to busybox may miss applets run as "busybox NAME":
	 * it lowers confidence but never marks a match not_affected. */
	bool applets_complete;
	/* The image's kernel configuration text, or NULL. */
	const char *kconfig;
	size_t kconfig_len;
	const char *kconfig_source;
} fg_vsubject;

typedef struct fg_vmatcher fg_vmatcher;

typedef struct fg_vmatch_stats {
	size_t subjects;
	size_t unmapped;         /* no CPE and no alias: not matchable */
	size_t matches;
	size_t kev;
	size_t nodata;           /* records without applicability data, over all components */
} fg_vmatch_stats;

/* DB stays owned by the caller and must outlive the matcher. */
fg_vmatcher *fg_vmatcher_new(fg_vdb *db, char *err, size_t errlen);
void fg_vmatcher_free(fg_vmatcher *m);

/* Matches SUBJECTS[0..N) (one scan's components; AND configurations may
 * be satisfied by another of them). Appends matches (component = subject
 * index + BASE) to OUT and sets OUT's no-data list; strings come from
 * ARENA. UNMAPPED (may be NULL) gets a ", "-separated list of the names
 * that could not be mapped to a CPE product. Returns 0, -1 on a database
 * error with ERR filled. */
int fg_vmatcher_run(fg_vmatcher *m, const fg_vsubject *subjects, size_t n, size_t base,
		    fg_arena *arena, fg_vuln_vec *out, fg_vmatch_stats *stats,
		    const char **unmapped, char *err, size_t errlen);

/* Sorts matches: by component, affected before the rest, score, ID. */
void fg_vulns_sort(fg_vuln_vec *v);

#endif
