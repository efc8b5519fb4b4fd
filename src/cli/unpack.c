/*
 * unpack.c - `firmgate unpack`: show or write what the image holds.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static void unpack_usage(FILE *out)
{
	fprintf(out,
		"usage: firmgate unpack INPUT (--list [--json] | -o DIR [--force] [--hash]) [OPTIONS]\n"
		"\n"
		"Unpacks INPUT in memory, recursively, then either lists the tree or\n"
		"writes it to DIR.\n"
		"\n"
		"Options:\n"
		"  -l, --list             print the tree: mode, uid, gid, size, name of every\n"
		"                         node; each container with its format, offset, length\n"
		"      --json             with --list: the manifest as JSON (metadata, SHA-256\n"
		"                         of every file, containers, coverage ranges)\n"
		"  -o, --output DIR       write the tree into DIR (created; must be empty):\n"
		"                         a file that held something gets NAME.unpacked/ beside\n"
		"                         it; DIR/firmgate-manifest.json records everything,\n"
		"                         including device nodes, which are not created\n"
		"      --force            write into a non-empty DIR\n"
		"      --hash             with -o: the manifest also gets every file's SHA-256\n"
		"                         (computed while writing; --list --json always has it)\n"
		FG_CLI_COMMON_HELP
		"  -h, --help             this help\n"
		"\n"
		"Nothing is ever written outside DIR and no link is followed; setuid/setgid\n"
		"bits and ownership are not applied.\n");
}

enum { OPT_JSON = 2000, OPT_FORCE, OPT_HASH };

int fg_cmd_unpack(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "list", no_argument, NULL, 'l' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "hash", no_argument, NULL, OPT_HASH },
		{ "help", no_argument, NULL, 'h' },
		FG_CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	fg_options opts;
	fg_options_default(&opts);
	opts.unpack_only = 1;
	bool list = false, json = false, force = false, hash = false, bad = false;
	const char *outdir = NULL;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "lo:hj:", longopts, NULL)) != -1) {
		if (fg_cli_common_option(opt, optarg, &opts, &bad))
			continue;
		switch (opt) {
		case 'l': list = true; break;
		case OPT_JSON: json = true; break;
		case 'o': outdir = optarg; break;
		case OPT_FORCE: force = true; break;
		case OPT_HASH: hash = true; break;
		case 'h': unpack_usage(stdout); return FG_EXIT_OK;
		default: unpack_usage(stderr); return FG_EXIT_USAGE;
		}
	}
	if (bad)
		return FG_EXIT_USAGE;
	if (optind != argc - 1 || list == (outdir != NULL) || (json && !list) || (hash && !outdir)) {
		fprintf(stderr, "firmgate unpack: give exactly one INPUT and either --list or -o DIR "
				"(--json goes with --list, --hash with -o; try 'firmgate unpack --help')\n");
		return FG_EXIT_USAGE;
	}
	opts.extract_hashes = hash;
	/* -o: files are written as they come out, not held to the end.
	 * FG_UNPACK_IN_MEMORY=1 holds the whole tree first, as a scan
	 * does: tests and benchmarks compare the two (docs/TESTING.md). */
	const char *hold = getenv("FG_UNPACK_IN_MEMORY");
	if (!hold || strcmp(hold, "1") != 0) {
		opts.extract_dir = outdir;
		opts.extract_force = force;
	}
	fg_result *res = NULL;
	char err[1024];
	fg_status st = fg_scan(argv[optind], &opts, &res, err, sizeof(err));
	if (st != FG_OK) {
		if (st == FG_ERR_USAGE && outdir) {
			fprintf(stderr, "firmgate unpack: %s\n", err);
			return FG_EXIT_USAGE;
		}
		fprintf(stderr, "firmgate: %s\n", err);
		return st == FG_ERR_INPUT ? FG_EXIT_INPUT : FG_EXIT_INTERNAL;
	}
	int rc = FG_EXIT_OK;
	if (list) {
		if (json)
			fg_report_manifest(res, stdout);
		else
			fg_report_tree(res, stdout);
	} else {
		int w = fg_extract_to_dir(res, outdir, force, err, sizeof(err));
		if (w != 0) {
			fprintf(stderr, "firmgate unpack: %s\n", err);
			rc = w < 0 ? FG_EXIT_USAGE : FG_EXIT_INTERNAL;
		} else if (err[0]) {
			/* entries written under another name: worth a line, not a failure */
			fprintf(stderr, "firmgate unpack: %s\n", err);
		}
	}
	fg_result_free(res);
	return rc;
}
