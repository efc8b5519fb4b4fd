/*
 * main.c - firmgate's entry point: dispatches to one command.
 */
#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli/cli.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: firmgate COMMAND [OPTIONS] ...\n"
		"\n"
		"Checks a firmware image (or an unpacked root filesystem) against IoT\n"
		"security baselines.\n"
		"\n"
		"Commands:\n"
		"  scan INPUT      unpack, inventory, check and report\n"
		"  unpack INPUT    unpack: list the tree (--list) or write it (-o DIR)\n"
		"  formats         list the formats this build unpacks\n"
		"  sbom INPUT      a CycloneDX or SPDX bill of materials of INPUT\n"
		"  standards       list the baselines; `standards show ID` lists requirements\n"
		"  db COMMAND      the vulnerability database: import, update, status, match\n"
		"  diff OLD NEW    what changed between two releases (images or JSON reports)\n"
		"  statement INPUT a draft UK PSTI statement of compliance (--standard uk-psti)\n"
		"\n"
		"Options:\n"
		"  -h, --help      this help; `firmgate COMMAND --help` for a command\n"
		"  -V, --version   print the version\n"
		"\n"
		"Exit codes: 0 ok, 1 findings at or above --fail-on, 2 usage error,\n"
		"3 unreadable or unsupported input, 4 internal error.\n");
}

/* Decompressed files and streams are buffers of a few KiB to tens of
 * MiB, allocated and, when the output streams to disk, freed in turn.
 * glibc's moving mmap threshold would put the big ones on the heap after
 * the first is freed: growing one then copies it, and freeing one keeps
 * its pages. A fixed threshold keeps every large buffer a mapping of its
 * own: grown in place (mremap), returned whole when freed. */
static void tune_malloc(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
}

int main(int argc, char **argv)
{
	tune_malloc();
	if (argc < 2) {
		usage(stderr);
		return FG_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return FG_EXIT_OK;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("firmgate %s\n", fg_version());
		return FG_EXIT_OK;
	}
	if (!strcmp(cmd, "scan"))
		return fg_cmd_scan(argc - 1, argv + 1);
	if (!strcmp(cmd, "unpack"))
		return fg_cmd_unpack(argc - 1, argv + 1);
	if (!strcmp(cmd, "formats"))
		return fg_cmd_formats(argc - 1, argv + 1);
	if (!strcmp(cmd, "sbom"))
		return fg_cmd_sbom(argc - 1, argv + 1);
	if (!strcmp(cmd, "standards"))
		return fg_cmd_standards(argc - 1, argv + 1);
	if (!strcmp(cmd, "db"))
		return fg_cmd_db(argc - 1, argv + 1);
	if (!strcmp(cmd, "diff"))
		return fg_cmd_diff(argc - 1, argv + 1);
	if (!strcmp(cmd, "statement"))
		return fg_cmd_statement(argc - 1, argv + 1);
	fprintf(stderr, "firmgate: unknown command '%s' (try 'firmgate --help')\n", cmd);
	return FG_EXIT_USAGE;
}
