/*
 * unpack.c - `firmgate unpack --list`: show what the image holds.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void unpack_usage(FILE *out)
{
	fprintf(out,
		"usage: firmgate unpack --list INPUT [OPTIONS]\n"
		"\n"
		"Unpacks INPUT in memory and prints the tree: mode, uid, gid, size and\n"
		"name of every node, each container with its format, offset and length.\n"
		"Nothing is written to disk.\n"
		"\n"
		"Options:\n"
		"  -l, --list             print the tree (required)\n"
		FG_CLI_COMMON_HELP
		"  -h, --help             this help\n");
}

int fg_cmd_unpack(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		FG_CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	fg_options opts;
	fg_options_default(&opts);
	bool list = false, bad = false;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "lhj:", longopts, NULL)) != -1) {
		if (fg_cli_common_option(opt, optarg, &opts, &bad))
			continue;
		switch (opt) {
		case 'l': list = true; break;
		case 'h': unpack_usage(stdout); return FG_EXIT_OK;
		default: unpack_usage(stderr); return FG_EXIT_USAGE;
		}
	}
	if (bad)
		return FG_EXIT_USAGE;
	if (optind != argc - 1 || !list) {
		fprintf(stderr, "firmgate unpack: expected --list and exactly one INPUT "
				"(writing to a directory is not available yet)\n");
		return FG_EXIT_USAGE;
	}
	fg_result *res = NULL;
	char err[1024];
	fg_status st = fg_scan(argv[optind], &opts, &res, err, sizeof(err));
	if (st != FG_OK) {
		fprintf(stderr, "firmgate: %s\n", err);
		return st == FG_ERR_INPUT ? FG_EXIT_INPUT : FG_EXIT_INTERNAL;
	}
	fg_report_tree(res, stdout);
	fg_result_free(res);
	return FG_EXIT_OK;
}
