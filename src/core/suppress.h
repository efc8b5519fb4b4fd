/*
 * suppress.h - the release gate's policy: suppressions and severity
 * overrides.
 *
 * A policy comes from a YAML file (`.firmgate-ignore.yaml`, or the one
 * named by --suppress) and from --severity arguments:
 *
 *     suppressions:
 *       - fingerprint: 0c5d0e8e3b9f6a41d2f1c9b07a4e6d55
 *         justification: factory account, removed by provisioning (PRJ-12)
 *         owner: alice@example.com
 *         expires: 2026-06-30
 *       - check: hardening.*
 *         path: /opt/vendor/lib*
 *         justification: vendor blobs, rebuilt in PRJ-40
 *     severity:
 *       hardening.*: low
 *       credentials.weak-hash: high
 *
 * An entry suppresses the findings every selector it gives matches:
 * fingerprint (exact), check (an fnmatch glob on check IDs), path (an
 * fnmatch glob on the path inside the file tree, '*' crossing '/'), and
 * subject (the account, service, ... the fingerprint of the finding was
 * made from). Suppressed findings stay in every report, marked; they do
 * not count for the gate nor for compliance verdicts. An entry whose
 * `expires` day is over no longer suppresses and is warned about.
 *
 * Severity rules (the file's `severity:` map first, then every
 * --severity PATTERN=LEVEL in order; the last match wins) set the
 * severity of a check's findings where they are created; `off` keeps the
 * check from running.
 *
 * Every problem is one message "FILE:LINE:COL: FIELD: what is wrong";
 * warnings read "FILE:LINE:COL: warning: FIELD: ...". Errors make the
 * file unusable (the scan refuses it); warnings (an unknown key, an
 * expired entry, a pattern that names no check) do not.
 */
#ifndef FG_SUPPRESS_H
#define FG_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "firmgate.h"
#include "core/arena.h"

/* Read from the current directory unless --suppress or --no-suppress. */
#define FG_SUPPRESS_DEFAULT_FILE ".firmgate-ignore.yaml"

/* The level of a severity rule that keeps the check from running. */
#define FG_SEVERITY_OFF (-1)

typedef struct fg_suppression {
	/* selectors; NULL when not given */
	const char *fingerprint;     /* 32 lowercase hex digits */
	const char *check;           /* glob on check IDs */
	const char *path;            /* glob on the finding's path */
	const char *subject;
	const char *justification;
	const char *owner;
	const char *expires;         /* YYYY-MM-DD */
	bool expired;                /* the expiry day is over: suppresses nothing */
	unsigned line, col;          /* of the entry */
	size_t index;                /* in `suppressions:`, 0-based */
	fg_finding_suppression note; /* what a suppressed finding points to */
} fg_suppression;

typedef struct fg_severity_rule {
	const char *pattern;         /* glob on check IDs */
	int level;                   /* an fg_severity, or FG_SEVERITY_OFF */
	const char *where;           /* "FILE:LINE", or "--severity" */
} fg_severity_rule;

typedef struct fg_policy_message {
	const char *text;            /* "FILE:LINE:COL: [warning: ]FIELD: what is wrong" */
	const char *where;           /* "FILE:LINE:COL" ("--severity"); NULL for a YAML syntax error */
	const char *what;            /* "FIELD: what is wrong" */
	bool warning;
} fg_policy_message;

typedef struct fg_policy {
	const char *file;            /* as given; NULL when rules came only from arguments */
	fg_suppression *entries;
	size_t nentries;
	fg_severity_rule *rules;     /* in the order they apply */
	size_t nrules;
	fg_policy_message *messages; /* in document order, at most 100 kept */
	size_t nmessages;
	size_t errors, warnings;
	bool oom;
} fg_policy;

/* An empty policy in ARENA; NULL when out of memory. */
fg_policy *fg_policy_new(fg_arena *arena);

/* Reads the suppressions file PATH (or LEN bytes at BUF, NAME used in
 * messages) into P, validating every field. NOW decides which entries
 * have expired. A file that cannot be read is one error. */
void fg_policy_load(fg_policy *p, fg_arena *arena, const char *path, time_t now);
void fg_policy_parse(fg_policy *p, fg_arena *arena, const char *name, const void *buf,
		     size_t len, time_t now);

/* Appends the rule "PATTERN=LEVEL" of a --severity argument. Returns
 * false, with the reason in ERR, when it is malformed (a pattern that
 * names no check is only a warning message). */
bool fg_policy_add_severity(fg_policy *p, fg_arena *arena, const char *arg, char *err,
			    size_t errlen);

/* The severity of CHECK_ID's findings: DEFLT unless a rule matches; may
 * be FG_SEVERITY_OFF. P may be NULL. */
int fg_policy_severity(const fg_policy *p, const char *check_id, int deflt);

/* The first live (not expired) entry that suppresses F, or NULL. */
const fg_suppression *fg_policy_match(const fg_policy *p, const fg_finding *f);

struct fg_result;

/* Marks every finding of RES a live entry matches as suppressed. Runs
 * once, after the checks and before compliance. */
void fg_policy_apply(const fg_policy *p, struct fg_result *res);

#endif
