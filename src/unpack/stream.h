/*
 * stream.h - output side shared by the compression handlers.
 *
 * A decompressor writes into an fg_outbuf, which grows on demand and
 * charges every byte to the scan budget before allocating it; when the
 * cap (budget, ratio, file size) is hit it refuses to grow and the
 * handler stops with a truncated result. fg_stream_emit() then hangs the
 * output under the extraction root as one file.
 */
#ifndef FG_STREAM_H
#define FG_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "unpack/format.h"

typedef struct fg_outbuf {
	uint8_t *data;
	size_t len;        /* bytes written */
	size_t reserved;   /* bytes allocated and charged */
	uint64_t cap;      /* most bytes allowed */
	bool capped;       /* a grow was refused because of CAP or the budget */
} fg_outbuf;

void fg_outbuf_init(fg_outbuf *o, fg_unpack_ctx *ctx, size_t in_len);

/* Makes room for MIN more bytes, or for as many as the cap still allows;
 * false when not one more byte fits. */
bool fg_outbuf_grow(fg_outbuf *o, fg_unpack_ctx *ctx, size_t min);

/* Releases the buffer and its reservation (nothing was kept). */
void fg_outbuf_discard(fg_outbuf *o, fg_unpack_ctx *ctx);

/* A decoder has consumed IN..IN+USED of its input: once a stretch of at
 * least a MiB past *RELEASED is behind it, that stretch's pages leave
 * memory when the input is the mapped image (fg_unpack_release_input),
 * so a long stream does not keep all its compressed bytes resident
 * while it is decoded. */
void fg_stream_consumed(fg_unpack_ctx *ctx, const uint8_t *in, size_t *released, size_t used);

/* A file-name suffix and what replaces it (".tgz" -> ".tar"). */
typedef struct fg_suffix {
	const char *suffix;
	const char *replacement;
} fg_suffix;

/* Name for a stream's output: NAME_HINT when usable, else the container
 * name with a suffix of SUFFIXES (ending with a NULL suffix) replaced
 * ("fw.bin.gz" -> "fw.bin"), else with ".out" appended. Returns a pointer
 * into BUF. */
const char *fg_stream_name(fg_unpack_ctx *ctx, const char *name_hint,
			   const fg_suffix *suffixes, char *buf, size_t cap);

/* Hangs O's content under ROOT as file NAME and hands the buffer to the
 * tree. Returns the node or NULL. */
fg_node *fg_stream_emit(fg_unpack_ctx *ctx, fg_node *root, const char *name, fg_outbuf *o);

#endif
