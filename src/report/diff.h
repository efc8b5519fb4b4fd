/*
 * diff.h - what changed between two firmware releases (`firmgate diff`).
 *
 * Each side is one scan, read either from a fg_result (an image scanned
 * now) or from a saved JSON report (schema firmgate-report/1): both become
 * the same flat model, fg_diff_side. fg_diff_compare() sets two sides
 * against each other and the renderers (text, JSON "firmgate-diff/1",
 * HTML) only lay the outcome out. docs/REPORT-JSON.md documents the JSON.
 *
 * Identities across releases:
 *   components    by name; versions ordered with fg_version_cmp
 *   vulnerabilities  by (ID, component name), affected ones only
 *   findings      by fingerprint (check, path, subject; no line numbers),
 *                 matched one to one, so a finding present twice counts twice
 *   verdicts      by (standard, requirement)
 *   files         by path inside the file tree (the container chain names
 *                 the release's file, so it cannot be part of the key)
 */
#ifndef FG_REPORT_DIFF_H
#define FG_REPORT_DIFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "firmgate.h"
#include "core/arena.h"
#include "core/vec.h"

#define FG_DIFF_SCHEMA "firmgate-diff/1"

typedef struct fg_dcomp {
	const char *name, *version, *type, *cpe, *purl;
} fg_dcomp;

typedef struct fg_dvuln {
	const char *id, *component, *version, *severity;
	double cvss, epss;          /* -1 when unknown */
	bool kev;
} fg_dvuln;

typedef struct fg_dfinding {
	const char *fingerprint, *check_id, *title, *message, *path, *container, *excerpt, *remediation;
	fg_severity severity;
	unsigned line;              /* 0 when none */
	const char *suppressed;     /* suppressed by the scan's policy: the entry's justification
	                               ("" without one); NULL when not suppressed */
} fg_dfinding;

typedef struct fg_dverdict {
	const char *standard, *requirement, *title, *level, *verdict;
} fg_dverdict;

typedef struct fg_dfile {
	const char *path;
	const char *sha256;         /* files; NULL for a symlink or unknown content */
	const char *target;         /* symlinks */
	uint64_t size;
	uint32_t mode;
} fg_dfile;

/* One release as the diff sees it. Strings live in ARENA. */
typedef struct fg_diff_side {
	fg_arena arena;
	const char *label;          /* the path given on the command line */
	const char *input;          /* the scanned input's name */
	const char *source;         /* "image" or "report" */
	bool has_files;             /* false: a report written without --files */
	FG_VEC(fg_dcomp) comps;
	FG_VEC(fg_dvuln) vulns;
	FG_VEC(fg_dfinding) findings;
	FG_VEC(fg_dverdict) verdicts;
	FG_VEC(fg_dfile) files;
} fg_diff_side;

/* Copies what the diff needs out of RES (files hashed now). */
fg_diff_side *fg_diff_side_from_result(const fg_result *res, const char *label);

/* Reads a JSON report from PATH. NULL with ERR naming the file, the byte
 * offset or member and the reason when it is not a readable
 * firmgate-report/1 document. */
fg_diff_side *fg_diff_side_from_report(const char *path, char *err, size_t errlen);
/* The same from memory (the fuzz target). */
fg_diff_side *fg_diff_side_from_buffer(const void *buf, size_t len, const char *label, char *err,
				       size_t errlen);

void fg_diff_side_free(fg_diff_side *s);

/* True when PATH looks like a JSON document (first non-blank byte '{'):
 * then it is read as a report, else scanned as an image. */
bool fg_diff_is_report(const char *path);

typedef enum fg_dchange {
	FG_DC_UPGRADED, FG_DC_DOWNGRADED, FG_DC_CHANGED, /* versions not comparable */
} fg_dchange;

typedef struct fg_dcomp_change {
	const fg_dcomp *old, *new_;
	fg_dchange how;
} fg_dcomp_change;

typedef struct fg_dverdict_change {
	const fg_dverdict *old, *new_; /* one may be NULL: only evaluated on one side */
} fg_dverdict_change;

typedef struct fg_dfile_change {
	const fg_dfile *old, *new_;
	bool content, mode;         /* what differs */
} fg_dfile_change;

typedef struct fg_diff {
	const fg_diff_side *old, *new_;
	FG_VEC(const fg_dcomp *) comps_added, comps_removed;
	FG_VEC(fg_dcomp_change) comps_changed;
	FG_VEC(const fg_dvuln *) vulns_introduced, vulns_fixed;
	FG_VEC(const fg_dfinding *) findings_new, findings_fixed, findings_unchanged; /* unchanged: NEW's */
	FG_VEC(fg_dverdict_change) verdicts;
	size_t new_suppressed;      /* of findings_new */
	bool files_compared;        /* both sides have files */
	FG_VEC(const fg_dfile *) files_added, files_removed;
	FG_VEC(fg_dfile_change) files_changed;
	size_t files_unchanged;
} fg_diff;

/* Compares OLD with NEW into D (which points into both: keep them alive). */
void fg_diff_compare(const fg_diff_side *old, const fg_diff_side *new_, fg_diff *d);
void fg_diff_free(fg_diff *d);

/* New findings at or above SEV, leaving out suppressed ones (the gate). */
size_t fg_diff_new_at_least(const fg_diff *d, fg_severity sev);

/* Renderers. FAIL_ON is the gate's severity, -1 when off (the JSON and
 * HTML show the gate; the CLI prints it after the text). VERBOSE lists
 * every file in the text (else the first 200). Return 0, or -1 when the
 * output could not be written. */
int fg_diff_text(const fg_diff *d, FILE *out, bool verbose);
int fg_diff_json(const fg_diff *d, FILE *out, int fail_on);
int fg_diff_html(const fg_diff *d, FILE *out, int fail_on);

#endif
