/*
 * sbom.c - `firmgate sbom`: the inventory of an image as a software bill
 * of materials, CycloneDX 1.6 or SPDX 2.3 JSON, without the checks.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "inventory/sigdb.h"

static void sbom_usage(FILE *out)
{
	fprintf(out,
		"usage: firmgate sbom INPUT [--format cyclonedx|spdx] [-o FILE] [OPTIONS]\n"
		"\n"
		"Unpacks INPUT, inventories it (package databases, distribution files,\n"
		"binary signatures) and writes a software bill of materials.\n"
		"\n"
		"Options:\n"
		"  -f, --format FMT       cyclonedx (CycloneDX 1.6 JSON, default) or spdx (SPDX 2.3 JSON)\n"
		"  -o, --output FILE      write to FILE instead of stdout\n"
		"      --signatures FILE  extra component signatures (docs/SIGNATURES.md)\n"
		FG_CLI_COMMON_HELP
		"  -h, --help             this help\n"
		"\n"
		"The output is deterministic: only the creation time changes between\n"
		"runs, and SOURCE_DATE_EPOCH fixes it.\n"
		"\n"
		"Exit codes: 0 written, 2 usage error, 3 unreadable or unsupported input,\n"
		"4 internal error (the output cannot be written).\n");
}

/* Writes through a temporary file so a failed run leaves no half SBOM. */
static int write_to(const char *path, const fg_result *res, int (*render)(const fg_result *, FILE *))
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "firmgate sbom: %s: %s\n", tmp, strerror(errno));
		return FG_EXIT_INTERNAL;
	}
	int rc = render(res, f);
	if (fclose(f) != 0 || rc != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "firmgate sbom: %s: write failed\n", path);
		unlink(tmp);
		return FG_EXIT_INTERNAL;
	}
	return FG_EXIT_OK;
}

int fg_cmd_sbom(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "signatures", required_argument, NULL, OPT_SIGNATURES },
		{ "help", no_argument, NULL, 'h' },
		FG_CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	fg_options opts;
	fg_options_default(&opts);
	const char *output = NULL;
	int (*render)(const fg_result *, FILE *) = fg_report_cyclonedx;
	bool bad = false;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:o:hj:", longopts, NULL)) != -1) {
		if (fg_cli_common_option(opt, optarg, &opts, &bad))
			continue;
		switch (opt) {
		case 'f':
			if (!strcmp(optarg, "cyclonedx")) {
				render = fg_report_cyclonedx;
			} else if (!strcmp(optarg, "spdx")) {
				render = fg_report_spdx;
			} else {
				fprintf(stderr, "firmgate sbom: unknown format '%s' (known: cyclonedx, spdx)\n", optarg);
				return FG_EXIT_USAGE;
			}
			break;
		case 'o': output = optarg; break;
		case OPT_SIGNATURES: opts.signatures_file = optarg; break;
		case 'h': sbom_usage(stdout); return FG_EXIT_OK;
		default: sbom_usage(stderr); return FG_EXIT_USAGE;
		}
	}
	if (bad)
		return FG_EXIT_USAGE;
	if (optind != argc - 1) {
		fprintf(stderr, "firmgate sbom: expected exactly one INPUT (try 'firmgate sbom --help')\n");
		return FG_EXIT_USAGE;
	}
	char err[1024];
	if (opts.signatures_file) {
		/* an SBOM has no diagnostics section: refuse a broken file here */
		fg_sigdb *db = fg_sigdb_with_file(opts.signatures_file, err, sizeof(err));
		if (!db) {
			fprintf(stderr, "firmgate sbom: %s\n", err);
			return FG_EXIT_USAGE;
		}
		fg_sigdb_destroy(db);
	}
	fg_result *res = NULL;
	fg_status st = fg_scan(argv[optind], &opts, &res, err, sizeof(err));
	if (st != FG_OK) {
		fprintf(stderr, "firmgate: %s\n", err);
		return st == FG_ERR_INPUT ? FG_EXIT_INPUT : FG_EXIT_INTERNAL;
	}
	int rc = FG_EXIT_OK;
	if (output)
		rc = write_to(output, res, render);
	else if (render(res, stdout) != 0 || fflush(stdout) != 0)
		rc = FG_EXIT_INTERNAL;
	fg_result_free(res);
	return rc;
}
