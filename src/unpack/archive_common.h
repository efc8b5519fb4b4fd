/*
 * archive_common.h - the libarchive reader shared by the archive handlers
 * (tar, cpio, zip, 7z, ar).
 *
 * Each handler supplies what differs between the formats (which libarchive
 * format reader to enable, how the format pads its end, whether entries
 * are compressed); the entry loop, path handling, hard links and budget
 * accounting live in one place so the formats cannot drift apart.
 */
#ifndef FG_ARCHIVE_COMMON_H
#define FG_ARCHIVE_COMMON_H

#include <stdbool.h>
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

	/* Optional parts; zero/NULL keeps the tar/cpio behaviour. */

	/* Entries may be compressed (zip, 7z): an entry's content is bounded
	 * by the expansion budget rather than by the input left, and an
	 * entry whose size the headers do not give is read to its end. */
	bool compressed;
	/* Skipping content costs decompressing it (7z solid blocks): content
	 * left unread is counted, and the archive is abandoned when that
	 * exceeds the expansion budget, so a bomb cannot burn CPU unseen. */
	bool costly_skip;
	/* Entries are stored verbatim and contiguous (ar): nodes point into
	 * the input instead of holding copies, when the reader hands out
	 * slices of it. */
	bool in_place;
	/* Entries the format keeps for itself (ar symbol tables), by their
	 * raw name: left out of the tree without a note. */
	bool (*skip)(const char *raw_path);
	/* Checks the header the reader is about to read at P (LEFT bytes to
	 * the end of the input) before libarchive sees it: libarchive sizes
	 * its read-ahead from header fields, so a header claiming a 3 GiB name
	 * would make it allocate that much. False stops the archive there. */
	bool (*header_sane)(const uint8_t *p, size_t left);
} fg_arc_kind;

/* Unpacks the archive in DATA into ROOT. Returns 0 when at least the first
 * header was read (partial results are noted), -1 when nothing was.
 * root->src_length is what the reader consumed, rounded to the alignment;
 * a handler that knows the chunk's exact extent from the format's own
 * headers (zip, 7z, ar) sets it afterwards. Encrypted entries become
 * nodes without content, noted "encrypted entry". */
int fg_archive_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len,
		      const fg_arc_kind *kind);

#endif
