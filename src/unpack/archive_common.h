/*
 * archive_common.h - the libarchive reader shared by the tar and cpio
 * handlers.
 *
 * Each handler supplies what differs between the formats (which libarchive
 * format reader to enable, how the format pads its end); the entry loop,
 * path handling, hard links and budget accounting live in one place so the
 * two formats cannot drift apart.
 */
#ifndef FG_ARCHIVE_COMMON_H
#define FG_ARCHIVE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "unpack/format.h"

struct archive;

typedef struct fg_arc_kind {
	/* Enables exactly one libarchive format reader (no filters). */
	int (*enable)(struct archive *a);
	/* Short variant name for root->format_info ("ustar", "newc"), from
	 * archive_format() of the last header read; a static string. */
	const char *(*variant)(int archive_format);
	/* The format's alignment at the end of the archive, in bytes. */
	unsigned (*align)(int archive_format);
} fg_arc_kind;

/* Unpacks the archive in DATA into ROOT. Returns 0 when at least the first
 * header was read (partial results are noted), -1 when nothing was. */
int fg_archive_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len,
		      const fg_arc_kind *kind);

#endif
