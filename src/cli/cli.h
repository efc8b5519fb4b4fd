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
