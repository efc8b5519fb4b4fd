/*
 * trx.c - Broadcom TRX firmware containers.
 *
 * A little-endian header: "HDR0", the length of the whole image, a CRC32
 * of everything from byte 12 to that length (initial value 0xffffffff,
 * no final inversion), 16 bits of flags and a 16-bit version, then the
 * offsets of up to three (version 1) or four (version 2) partitions,
 * counted from the start of the header; 0 marks an unused slot.
 *
 * Each partition runs from its offset to the next larger offset (or the
 * end of the image) and is handed on as it is stored: the engine finds
 * the kernel, the LZMA loader and the root filesystem in it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/crc32.h"
#include "core/cursor.h"
#include "unpack/format.h"

#define TRX_MAX_PARTS 4
#define TRX_V1_HEADER 28
#define TRX_V2_HEADER 32

typedef struct trx_header {
	uint32_t len, crc;
	uint16_t flags, version;
	uint32_t offsets[TRX_MAX_PARTS];
	unsigned nparts;        /* offset slots in this version's header */
	size_t header_size;
} trx_header;

static bool parse_header(const uint8_t *data, size_t len, trx_header *h)
{
	fg_cursor c = fg_cur_make(data, len);
	const uint8_t *magic = fg_cur_take(&c, 4);
	h->len = fg_cur_u32le(&c);
	h->crc = fg_cur_u32le(&c);
	h->flags = fg_cur_u16le(&c);
	h->version = fg_cur_u16le(&c);
	if (!fg_cur_ok(&c) || memcmp(magic, "HDR0", 4) != 0)
		return false;
	if (h->version == 1) {
		h->nparts = 3;
		h->header_size = TRX_V1_HEADER;
	} else if (h->version == 2) {
		h->nparts = 4;
		h->header_size = TRX_V2_HEADER;
	} else {
		return false;
	}
	memset(h->offsets, 0, sizeof(h->offsets));
	for (unsigned i = 0; i < h->nparts; i++)
		h->offsets[i] = fg_cur_u32le(&c);
	return fg_cur_ok(&c) && h->len >= h->header_size;
}

/* Used offsets lie inside the image, after the header, in order. */
static bool offsets_sane(const trx_header *h)
{
	uint32_t prev = 0;
	unsigned used = 0;
	for (unsigned i = 0; i < h->nparts; i++) {
		uint32_t o = h->offsets[i];
		if (!o)
			continue;
		if (o < h->header_size || o >= h->len || o <= prev)
			return false;
		prev = o;
		used++;
	}
	return used > 0;
}

static uint32_t trx_crc(const uint8_t *data, size_t len)
{
	/* zlib's crc32() inverts before and after; TRX inverts only before */
	return len > 12 ? ~fg_crc32(0, data + 12, len - 12) : ~0u;
}

/* The image's CRC, checked beside the unpacking of its partitions. */
typedef struct image_crc {
	const uint8_t *data;
	size_t len;
	uint32_t stored;
} image_crc;

static bool check_image_crc(void *arg, char *note, size_t cap)
{
	const image_crc *c = arg;
	uint32_t crc = trx_crc(c->data, c->len);
	if (crc == c->stored)
		return true;
	snprintf(note, cap, "CRC mismatch (stored 0x%08x, computed 0x%08x)", c->stored, crc);
	return false;
}

static int trx_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	trx_header h;
	if (!parse_header(data, len, &h) || !offsets_sane(&h))
		return 0;
	if (h.len > len) {
		*chunk_len = len; /* truncated: unpack what is there */
		return 45;
	}
	*chunk_len = h.len;
	return trx_crc(data, h.len) == h.crc ? 90 : 40;
}

static const fg_magic trx_magics[] = {
	{ "HDR0", 4, 0 },
	FG_MAGIC_END,
};

static int trx_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	trx_header h;
	if (!parse_header(data, len, &h)) {
		fg_unpack_fail(ctx, "bad TRX header");
		return -1;
	}
	size_t end = h.len <= len ? h.len : len;
	root->src_length = end;
	root->format_info = h.version == 1 ? "v1" : "v2";
	if (h.len > len)
		fg_unpack_truncated(ctx, root, "image truncated: %zu of %u bytes present", len, h.len);
	int emitted = 0;
	for (unsigned i = 0; i < h.nparts; i++) {
		uint32_t start = h.offsets[i];
		if (!start)
			continue;
		if (start < h.header_size || start >= end) {
			fg_unpack_truncated(ctx, root, "partition %u at 0x%x lies outside the image", i, start);
			continue;
		}
		/* up to the nearest partition after it, else the end */
		size_t stop = end;
		for (unsigned j = 0; j < h.nparts; j++)
			if (h.offsets[j] > start && h.offsets[j] < stop)
				stop = h.offsets[j];
		char name[32];
		snprintf(name, sizeof(name), "partition-%u", i);
		fg_node *n = fg_unpack_add(ctx, root, name, FG_NODE_FILE);
		if (!n)
			continue;
		n->data = data + start;
		n->data_len = stop - start;
		n->size = stop - start;
		n->mode = 0644;
		emitted++;
	}
	if (h.len <= len) {
		image_crc *c = malloc(sizeof(*c));
		if (c) {
			*c = (image_crc){ data, end, h.crc };
			fg_unpack_defer_check(ctx, root, check_image_crc, c);
		} else {
			fg_unpack_truncated(ctx, root, "out of memory: CRC not checked");
		}
	}
	if (!emitted) {
		fg_unpack_fail(ctx, "no partition inside the image");
		return -1;
	}
	return 0;
}

const fg_format fg_format_trx = {
	.name = "trx",
	.kind = FG_FMT_WRAPPER,
	.magics = trx_magics,
	.probe = trx_probe,
	.unpack = trx_unpack,
};
