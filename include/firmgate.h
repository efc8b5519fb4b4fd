/*
 * firmgate.h - public API of libfirmgate.
 *
 * One call runs the whole pipeline on a firmware image or a root
 * filesystem directory:
 *
 *     input -> unpack -> inventory -> vulnerabilities -> checks
 *           -> compliance -> report
 *
 * and returns a result object that callers inspect through the accessors
 * below or hand to a renderer (text, JSON). The result owns all memory it
 * points to; everything is released by fg_result_free().
 *
 * Thread safety: distinct fg_result objects are independent. One result
 * may be read from several threads once fg_scan() has returned.
 */
#ifndef FIRMGATE_H
#define FIRMGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FG_VERSION_MAJOR 0
#define FG_VERSION_MINOR 1
#define FG_VERSION_PATCH 0
#define FG_VERSION_STRING "0.1.0"

/* Version of the JSON report schema (docs/REPORT-JSON.md). */
#define FG_REPORT_SCHEMA "firmgate-report/1"

const char *fg_version(void);

/* ---- severities ------------------------------------------------------ */

typedef enum fg_severity {
	FG_SEV_INFO = 0,
	FG_SEV_LOW,
	FG_SEV_MEDIUM,
	FG_SEV_HIGH,
	FG_SEV_CRITICAL,
} fg_severity;

const char *fg_severity_name(fg_severity sev);
/* Parses "info", "low", "medium", "high", "critical" (case-insensitive).
 * Returns 0 on success, -1 if the name is unknown. */
int fg_severity_parse(const char *name, fg_severity *out);

/* ---- limits ---------------------------------------------------------- */

/* Budgets that bound what one scan may expand. A node that would exceed a
 * budget is marked truncated, the reason is recorded, and the scan goes
 * on with the rest of the image. */
typedef struct fg_limits {
	unsigned max_depth;      /* nesting of containers, input is depth 0 */
	uint64_t max_total_bytes; /* all decompressed/extracted bytes together */
	uint64_t max_files;      /* nodes created by unpacking */
	uint64_t max_ratio;      /* expanded bytes per input byte, per container */
	uint64_t max_file_size;  /* one extracted file */
	double max_seconds;      /* wall-clock time for unpacking; 0 = no limit */
} fg_limits;

void fg_limits_default(fg_limits *limits);

/* ---- progress -------------------------------------------------------- */

/* The stages of fg_scan(), in the order they run. */
typedef enum fg_stage {
	FG_STAGE_UNPACK = 0,
	FG_STAGE_INVENTORY,
	FG_STAGE_VULNS,
	FG_STAGE_CHECKS,
	FG_STAGE_COMPLIANCE,
	FG_STAGE_DONE,           /* the scan is over (also after unpack_only) */
} fg_stage;

/* "unpack", "inventory", "vulns", "checks", "compliance", "done". */
const char *fg_stage_name(fg_stage stage);

typedef struct fg_progress {
	fg_stage stage;
	double elapsed;          /* seconds since fg_scan() started */
	uint64_t bytes;          /* bytes unpacking has produced so far */
	uint64_t files;          /* files unpacking has created so far */
} fg_progress;

/* Called once as each stage starts, about five times a second while the
 * scan runs (from a helper thread; calls never overlap), and last with
 * FG_STAGE_DONE, also when the scan fails after it started. It must
 * return quickly and must not touch the scan. */
typedef void (*fg_progress_fn)(const fg_progress *progress, void *arg);

/* ---- options --------------------------------------------------------- */

typedef struct fg_options {
	fg_limits limits;
	unsigned jobs;           /* worker threads; 0 = number of CPUs */
	const char *credentials_file; /* extra password list, one per line; may be NULL */
	const char *signatures_file;  /* extra component signatures (docs/SIGNATURES.md); may be NULL */
	int unpack_only;         /* stop after unpacking (no inventory, checks, compliance) */
	const char *standards;   /* comma-separated standard IDs to evaluate; NULL or "all" */
	const char *vulndb;      /* vulnerability database; NULL = the default path
	                            ($XDG_CACHE_HOME/firmgate/vulndb.sqlite) */
	unsigned vulndb_max_age; /* warn when the data is older (days); 0 = never (default 7) */
	const char *vex_file;    /* CycloneDX VEX or OpenVEX statements to apply; may be NULL */
	const char *declaration_file; /* the manufacturer's product declaration (YAML,
	                                 docs/COMPLIANCE.md); may be NULL. fg_scan() refuses
	                                 one with errors (FG_ERR_USAGE) */
	const char *security_txt_file; /* a security.txt (RFC 9116) to validate besides those
	                                  in the image, e.g. the web site's; may be NULL */
	const char *suppress_file; /* suppressions and severity rules (YAML, docs/CLI.md
	                              "Suppressions"); may be NULL. fg_scan() refuses one
	                              with errors (FG_ERR_USAGE) */
	const char *const *severity; /* "PATTERN=LEVEL" rules (LEVEL a severity or "off"),
	                                NULL-terminated; may be NULL. They apply after the
	                                file's `severity:` map; the last match wins */
	const char *extract_dir; /* with unpack_only: the directory fg_extract_to_dir() will
	                            write. It is prepared (created; refused when not empty
	                            unless extract_force) before unpacking starts, and each
	                            file's content is written there as soon as it is final
	                            instead of being held in memory to the end; NULL = no */
	int extract_force;       /* write into a non-empty extract_dir */
	int extract_hashes;      /* fg_extract_to_dir(): record each file's SHA-256 in
	                            the manifest (hashed while written: about a fifth of
	                            the unpacking time when the decompressor is fast) */
	fg_progress_fn progress; /* may be NULL */
	void *progress_arg;
} fg_options;

void fg_options_default(fg_options *opts);

/* ---- result ---------------------------------------------------------- */

typedef struct fg_result fg_result;

/* Why a finding is suppressed: the entry of the suppressions file. */
typedef struct fg_finding_suppression {
	const char *justification;
	const char *owner;       /* NULL when not given */
	const char *expires;     /* YYYY-MM-DD, NULL when not given */
	const char *source;      /* "FILE:LINE" of the entry */
	const char *matched_by;  /* "fingerprint" or "check" */
} fg_finding_suppression;

/* A finding is one piece of evidence that a check found. Strings are
 * owned by the result. */
typedef struct fg_finding {
	const char *check_id;    /* stable rule ID, e.g. "credentials.default-password" */
	const char *title;       /* the rule's one-line title */
	fg_severity severity;
	const char *message;     /* what was found, with the subject named */
	const char *path;        /* absolute path inside the file tree */
	const char *container;   /* provenance chain of the file tree, e.g.
	                            "image.bin > squashfs@0x40000" */
	unsigned line;           /* 1-based line, 0 when not line-oriented */
	int64_t offset;          /* byte offset in the file, -1 when not known */
	const char *excerpt;     /* the evidence line, secrets redacted */
	const char *fingerprint; /* stable across scans and releases */
	const char *remediation;
	const fg_finding_suppression *suppression; /* NULL unless suppressed: then it stays
	                                              in every report but does not count
	                                              for the gate or compliance */
	bool severity_overridden; /* a severity rule changed it from original_severity */
	fg_severity original_severity;
} fg_finding;

typedef enum fg_status {
	FG_OK = 0,
	FG_ERR_USAGE = 2,        /* bad arguments */
	FG_ERR_INPUT = 3,        /* input unreadable, empty or unrecognised */
	FG_ERR_INTERNAL = 4,     /* out of memory and the like */
} fg_status;

/* Runs the pipeline on INPUT (a file or a directory). On FG_OK *out holds
 * the result. On failure *out is NULL and errbuf holds one line naming the
 * input and the reason. Problems inside the image (a corrupt container, a
 * budget hit) do not fail the scan: they are listed as diagnostics. */
fg_status fg_scan(const char *input, const fg_options *opts, fg_result **out,
		  char *errbuf, size_t errlen);

void fg_result_free(fg_result *res);

/* Validates the product declaration PATH (docs/COMPLIANCE.md): writes
 * every error and warning to MSGS (may be NULL), one per line,
 * "FILE:LINE:COL: FIELD: what is wrong" ("... warning: ..." for
 * warnings), and returns the number of errors; 0 means fg_scan() accepts
 * it. Dates are compared with the current time ($FG_NOW when set). */
size_t fg_declaration_validate(const char *path, FILE *msgs);

/* Validates the suppressions file PATH (docs/CLI.md "Suppressions") the
 * same way: every problem on MSGS, "FILE:LINE:COL: FIELD: ..." (an
 * expired entry, an unknown key are warnings); returns the number of
 * errors. Expiry is judged against the current time ($FG_NOW when set). */
size_t fg_suppressions_validate(const char *path, FILE *msgs);

/* Checks one severity rule "PATTERN=LEVEL"; returns 0, or -1 with the
 * reason in ERR. */
int fg_severity_rule_check(const char *rule, char *err, size_t errlen);

size_t fg_result_finding_count(const fg_result *res);
const fg_finding *fg_result_finding(const fg_result *res, size_t i);

/* Highest severity among findings; returns -1 when there are none. */
int fg_result_max_severity(const fg_result *res);

/* Number of findings at or above SEV that are not suppressed: what
 * `--fail-on SEV` gates on. */
size_t fg_result_count_at_least(const fg_result *res, fg_severity sev);

/* Number of suppressed findings. */
size_t fg_result_suppressed_count(const fg_result *res);

/* Number of distinct vulnerabilities (CVE IDs) matched to a component
 * with a status of affected or under investigation that are in the CISA
 * KEV catalog: what `--fail-on-kev` gates on. */
size_t fg_result_kev_count(const fg_result *res);

/* ---- renderers ------------------------------------------------------- */

typedef enum fg_text_flags {
	FG_TEXT_COLOR = 1u << 0,
	FG_TEXT_VERBOSE = 1u << 1,
} fg_text_flags;

int fg_report_text(const fg_result *res, FILE *out, unsigned flags);
int fg_report_json(const fg_result *res, FILE *out);

/* Flags of fg_report_json_ex(). */
typedef enum fg_json_flags {
	FG_JSON_FILES = 1u << 0, /* add "files": every regular file of every file
	                            tree with its size and SHA-256 (docs/REPORT-JSON.md) */
} fg_json_flags;

int fg_report_json_ex(const fg_result *res, FILE *out, unsigned flags);

/* The HTML report: one self-contained page (inline CSS, JS and SVG; it
 * fetches nothing), sortable and filterable, printable. Deterministic. */
int fg_report_html(const fg_result *res, FILE *out);

/* Software bills of materials of the inventory: CycloneDX 1.6 JSON and
 * SPDX 2.3 JSON. Deterministic: the same input gives the same bytes but
 * for the creation time, which SOURCE_DATE_EPOCH fixes; serial number
 * and document namespace derive from the input and its components. */
int fg_report_cyclonedx(const fg_result *res, FILE *out);
int fg_report_spdx(const fg_result *res, FILE *out);

/* Writes the scan's vulnerability matches as an OpenVEX document
 * (docs/VULNERABILITIES.md). */
int fg_report_openvex(const fg_result *res, FILE *out);

/* SARIF 2.1.0: every check a rule, every finding a result located at its
 * path in the image, with a stable partial fingerprint. */
int fg_report_sarif(const fg_result *res, FILE *out);

/* Writes the unpacked tree as an indented listing (format chain, offsets,
 * sizes, modes). */
int fg_report_tree(const fg_result *res, FILE *out);

/* Writes the unpacked tree as JSON: every container with its provenance
 * and coverage, every node with its metadata and SHA-256. */
int fg_report_manifest(const fg_result *res, FILE *out);

/* Writes the unpacked tree below DIR (created if missing; must be empty
 * unless FORCE) and DIR/firmgate-manifest.json, with SHA-256 digests if
 * the scan's options asked for them (extract_hashes). Nothing is created outside
 * DIR, no link is followed, devices and special bits are not created.
 * Returns 0, 1 when some entries could not be written, -1 on failure;
 * ERR names the problem. */
int fg_extract_to_dir(const fg_result *res, const char *dir, int force, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* FIRMGATE_H */
