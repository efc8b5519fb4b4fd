/*
 * formats.c - `firmgate formats`: the format handlers this build has.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "unpack/format.h"

static const char *kind_name(fg_format_kind k)
{
	switch (k) {
	case FG_FMT_COMPRESSION: return "compression";
	case FG_FMT_FILESYSTEM: return "filesystem";
	case FG_FMT_ARCHIVE: return "archive";
	case FG_FMT_WRAPPER: return "wrapper";
	case FG_FMT_LEAF: return "leaf";
	}
	return "?";
}

int fg_cmd_formats(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: firmgate formats\n\nLists every format handler: name, kind and magics.\n");
		return FG_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "firmgate formats: takes no arguments\n");
		return FG_EXIT_USAGE;
	}
	for (size_t i = 0; i < fg_format_count(); i++) {
		const fg_format *f = fg_format_at(i);
		size_t nm = 0;
		for (const fg_magic *m = f->magics; m && m->bytes; m++)
			nm++;
		printf("%-10s %-12s %zu magic%s\n", f->name, kind_name(f->kind), nm, nm == 1 ? "" : "s");
	}
	return FG_EXIT_OK;
}
