/*
 * hexrec.h - what the Intel HEX and Motorola S-record handlers share.
 *
 * Both are text: one record per line, bytes as hex pairs, a checksum per
 * record. A parser collects its data records (load address and where
 * the record's hex digits are in the text) and hands them here: they are
 * sorted by address, joined into contiguous regions, decoded straight
 * into budget-charged buffers and emitted as one file per region named
 * by its load address ("0x08000000.bin").
 */
#ifndef FG_HEXREC_H
#define FG_HEXREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/vec.h"
#include "unpack/format.h"

/* Gaps between records up to this many bytes are filled with 0xFF (the
 * erased-flash value) so alignment holes do not split a region; larger
 * gaps start a new region, so a file never becomes a huge sparse image. */
#define FG_HEXREC_GAP_FILL 32
#define FG_HEXREC_MAX_RECORDS (1u << 21)  /* 2 Mi records: about 90 MB of text */
#define FG_HEXREC_MAX_REGIONS 4096

typedef struct fg_hexrec {
	uint64_t addr;        /* load address of the first data byte */
	size_t text;          /* offset of its first hex digit */
	uint32_t order;       /* position in the file: of two records at one address, the later wins */
	uint16_t len;         /* data bytes */
} fg_hexrec;

typedef FG_VEC(fg_hexrec) fg_hexrec_vec;

/* Value of the hex digit C, or -1. */
static inline int fg_hex_nibble(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes N bytes from 2*N hex digits at P; false on a non-hex digit. */
bool fg_hex_decode(const uint8_t *p, size_t n, uint8_t *out);

/* Length of the line end at P (CR LF, LF or CR), 0 when none. */
size_t fg_hex_eol(const uint8_t *p, size_t n);

typedef struct fg_hexrec_result {
	unsigned regions;     /* emitted */
	uint64_t bytes;       /* in them */
	bool overlaps;        /* some records wrote the same address */
	bool filled;          /* small gaps were filled with 0xFF */
} fg_hexrec_result;

/* Emits the regions of RECS (sorted here) under ROOT, decoding from
 * TEXT. Records already passed their checksum. */
void fg_hexrec_emit(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *text, fg_hexrec_vec *recs,
		    fg_hexrec_result *res);

#endif
