/*
 * cli.h - the firmgate command-line program: one file per command.
 */
#ifndef FG_CLI_H
#define FG_CLI_H

#include <stdbool.h>

#include "firmgate.h"

/* Exit codes (docs/CLI.md). */
enum {
	FG_EXIT_OK = 0,
	FG_EXIT_FINDINGS = 1,
	FG_EXIT_USAGE = 2,
	FG_EXIT_INPUT = 3,
	FG_EXIT_INTERNAL = 4,
};

int fg_cmd_scan(int argc, char **argv);
int fg_cmd_unpack(int argc, char **argv);
int fg_cmd_formats(int argc, char **argv);
int fg_cmd_sbom(int argc, char **argv);
int fg_cmd_standards(int argc, char **argv);
int fg_cmd_db(int argc, char **argv);
int fg_cmd_diff(int argc, char **argv);
int fg_cmd_statement(int argc, char **argv);

/* Shared option handling: returns true when OPT (a getopt_long value) was
 * a limit or jobs option and has been applied to O. On a bad value prints
 * a message and sets *bad. */
bool fg_cli_common_option(int opt, const char *arg, fg_options *o, bool *bad);

/* Every ID in the comma-separated LIST ("all" and NULL pass) names a
 * catalogued standard; otherwise says which does not, as "firmgate CMD". */
bool fg_cli_standards_known(const char *cmd, const char *list);

/* getopt_long values of the shared options (above any short option). */
enum {
	OPT_JOBS = 'j',
	OPT_MAX_DEPTH = 1000,
	OPT_MAX_BYTES,
	OPT_MAX_FILES,
	OPT_MAX_RATIO,
	OPT_MAX_FILE_SIZE,
	OPT_MAX_SECONDS,
	OPT_CREDENTIALS,
	OPT_FAIL_ON,
	OPT_FORMAT,
	OPT_NO_COLOR,
	OPT_LIST,
	OPT_STANDARD,
	OPT_FAIL_ON_STANDARD,
	OPT_SIGNATURES,
};

/* The release gate's policy (src/core/suppress.h): the suppressions file
 * and severity rules, taken alike by every command that scans and
 * judges findings (scan, diff, statement). */
enum { OPT_SUPPRESS = 1100, OPT_NO_SUPPRESS, OPT_SEVERITY };

#define FG_CLI_POLICY_LONGOPTS \
	{ "suppress", required_argument, NULL, OPT_SUPPRESS }, \
	{ "no-suppress", no_argument, NULL, OPT_NO_SUPPRESS }, \
	{ "severity", required_argument, NULL, OPT_SEVERITY }

#define FG_CLI_MAX_SEVERITY_RULES 256

typedef struct fg_cli_policy {
	const char *suppress;    /* --suppress FILE */
	bool no_suppress;
	const char *severity[FG_CLI_MAX_SEVERITY_RULES + 1]; /* NULL-terminated */
	size_t nseverity;
} fg_cli_policy;

/* True when OPT was --suppress, --no-suppress or --severity (recorded in
 * P); a malformed rule is reported as "firmgate CMD: ..." and sets *BAD. */
bool fg_cli_policy_option(const char *cmd, int opt, const char *arg, fg_cli_policy *p, bool *bad);

/* Once the options are read: the file to use (--suppress FILE, else
 * ./.firmgate-ignore.yaml when there is one, never with --no-suppress)
 * and the rules go into O. Says on stderr where default suppressions
 * come from unless QUIET. False, with the problems printed, when the
 * options contradict each other or the file has errors (a usage error). */
bool fg_cli_policy_finish(const char *cmd, const fg_cli_policy *p, fg_options *o, bool quiet);

#define FG_CLI_POLICY_HELP \
	"      --suppress FILE    suppressions and severity rules (YAML, docs/CLI.md; default:\n" \
	"                         .firmgate-ignore.yaml in the current directory when there is one)\n" \
	"      --no-suppress      read no suppressions file\n" \
	"      --severity PATTERN=LEVEL  the severity of the findings of the checks PATTERN\n" \
	"                         (a glob of check IDs) matches: info, low, medium, high,\n" \
	"                         critical, or off (the check does not run); repeatable\n"

#define FG_CLI_COMMON_LONGOPTS \
	{ "jobs", required_argument, NULL, OPT_JOBS }, \
	{ "max-depth", required_argument, NULL, OPT_MAX_DEPTH }, \
	{ "max-bytes", required_argument, NULL, OPT_MAX_BYTES }, \
	{ "max-files", required_argument, NULL, OPT_MAX_FILES }, \
	{ "max-ratio", required_argument, NULL, OPT_MAX_RATIO }, \
	{ "max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE }, \
	{ "max-seconds", required_argument, NULL, OPT_MAX_SECONDS }

#define FG_CLI_COMMON_HELP \
	"  -j, --jobs N           worker threads (default: number of CPUs)\n" \
	"      --max-depth N      deepest container nesting unpacked (default 16)\n" \
	"      --max-bytes SIZE   total bytes unpacking may produce (default 8G)\n" \
	"      --max-files N      most files unpacking may create (default 2000000)\n" \
	"      --max-ratio N      most output bytes per input byte of a stream (default 1000)\n" \
	"      --max-file-size SIZE  largest single extracted file (default 2G)\n" \
	"      --max-seconds N    wall-clock time unpacking may take (default 600; 0 = none)\n"

/* Parses "123", "64K", "10M", "8G". */
bool fg_cli_parse_size(const char *s, unsigned long long *out);

#endif
