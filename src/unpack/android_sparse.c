/*
 * android_sparse.c - Android sparse images (libsparse, fastboot, img2simg).
 *
 * Layout (little-endian): a file header (magic 0xED26FF3A, version 1.x,
 * header sizes, block size, total blocks, chunk count, image CRC) and
 * then chunks, each a 12-byte header (type, output blocks, bytes of the
 * chunk including its header) followed by its payload:
 *   raw        the blocks themselves;
 *   fill       a 4-byte pattern repeated over the blocks;
 *   don't care blocks whose content does not matter (zeros here);
 *   crc32      a CRC of the output so far.
 *
 * The output is the raw image, one child "image.raw" that the engine then
 * identifies (usually ext4 or erofs). It is charged to the budget and
 * capped by it (per-file size, total bytes, expansion ratio): a header
 * claiming a terabyte of "don't care" gets the cap, a truncation note,
 * and never an allocation of its claim. The buffer comes from calloc, so
 * the don't-care and zero-fill regions are never touched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crc32.h"
#include "core/cursor.h"
#include "unpack/format.h"

#define SP_MAGIC 0xED26FF3Au
#define SP_FILE_HDR 28
#define SP_CHUNK_HDR 12

#define SP_RAW 0xCAC1
#define SP_FILL 0xCAC2
#define SP_DONT_CARE 0xCAC3
#define SP_CRC32 0xCAC4

typedef struct sp_header {
	uint16_t major, minor, file_hdr, chunk_hdr;
	uint32_t blk_sz, total_blks, total_chunks, crc;
} sp_header;

typedef struct sp_chunk {
	uint16_t type;
	uint32_t blocks, total;
	size_t at;                 /* header offset in the chunk */
} sp_chunk;

static bool read_header(const uint8_t *d, size_t len, sp_header *h)
{
	fg_cursor c = fg_cur_make(d, len);
	if (fg_cur_u32le(&c) != SP_MAGIC)
		return false;
	h->major = fg_cur_u16le(&c);
	h->minor = fg_cur_u16le(&c);
	h->file_hdr = fg_cur_u16le(&c);
	h->chunk_hdr = fg_cur_u16le(&c);
	h->blk_sz = fg_cur_u32le(&c);
	h->total_blks = fg_cur_u32le(&c);
	h->total_chunks = fg_cur_u32le(&c);
	h->crc = fg_cur_u32le(&c);
	return fg_cur_ok(&c) && h->major == 1 && h->file_hdr >= SP_FILE_HDR &&
	       h->chunk_hdr >= SP_CHUNK_HDR && h->blk_sz >= 4 && (h->blk_sz & 3) == 0;
}

/* Reads the chunk header at AT; NULL, or why it is not a chunk. */
static const char *read_chunk(const uint8_t *d, size_t len, const sp_header *h, size_t at,
			      sp_chunk *ch)
{
	if (at > len || len - at < h->chunk_hdr)
		return "chunk header cut";
	ch->at = at;
	ch->type = (uint16_t)(d[at] | (d[at + 1] << 8));
	ch->blocks = fg_load_u32le(d + at + 4);
	ch->total = fg_load_u32le(d + at + 8);
	uint64_t want;
	switch (ch->type) {
	case SP_RAW:
		want = (uint64_t)h->chunk_hdr + (uint64_t)ch->blocks * h->blk_sz;
		break;
	case SP_FILL:
	case SP_CRC32:
		want = (uint64_t)h->chunk_hdr + 4;
		break;
	case SP_DONT_CARE:
		want = h->chunk_hdr;
		break;
	default:
		return "unknown chunk type";
	}
	if (ch->total != want)
		return "chunk size does not match its type";
	return NULL;
}

/*
 * Walks the chunk headers. Returns the chunk's length when every chunk
 * is present and the block counts add up, else 0 with *CUT set when the
 * data simply stops early (truncated) rather than being inconsistent.
 */
static uint64_t measure(const uint8_t *d, size_t len, const sp_header *h, bool *cut)
{
	size_t at = h->file_hdr;
	uint64_t blocks = 0;
	*cut = false;
	for (uint32_t i = 0; i < h->total_chunks; i++) {
		sp_chunk ch;
		if (at > len || len - at < h->chunk_hdr) {
			*cut = true;
			return 0;
		}
		if (read_chunk(d, len, h, at, &ch))
			return 0;
		blocks += ch.type == SP_CRC32 ? 0 : ch.blocks;
		if (blocks > h->total_blks)
			return 0;
		if (ch.total > len - at) {
			*cut = true;
			return 0;
		}
		at += ch.total;
	}
	if (blocks != h->total_blks)
		return 0;
	return at;
}

static int sp_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	sp_header h;
	if (!read_header(data, len, &h) || len < h.file_hdr)
		return 0;
	bool cut;
	uint64_t n = measure(data, len, &h, &cut);
	if (n) {
		*chunk_len = n;
		return 95;
	}
	if (cut) {
		*chunk_len = len;
		return 60;
	}
	return 0;
}

static const fg_magic sp_magics[] = {
	{ "\x3a\xff\x26\xed", 4, 0 },
	FG_MAGIC_END,
};

/* ---- expansion ------------------------------------------------------------ */

typedef struct sp_out {
	uint8_t *buf;
	uint64_t size;      /* what the header claims */
	size_t have;        /* bytes allocated: a prefix of SIZE */
	uint64_t pos;       /* output offset of the next chunk */
	uint32_t crc;       /* of the output up to POS, while HAVE covers it */
	bool crc_valid;
} sp_out;

/* Copies or fills N output bytes at O->pos from SRC (NULL: zeros; FILL:
 * a 4-byte pattern), as far as the allocation reaches. */
static void emit(sp_out *o, const uint8_t *src, const uint8_t *fill, uint64_t n)
{
	if (o->pos < o->have) {
		size_t room = o->have - (size_t)o->pos;
		size_t k = n < room ? (size_t)n : room;
		uint8_t *dst = o->buf + o->pos;
		if (src) {
			memcpy(dst, src, k);
		} else if (fill && (fill[0] | fill[1] | fill[2] | fill[3])) {
			/* output offsets of a fill are block aligned, blocks are
			 * multiples of 4: the pattern starts at dst */
			for (size_t i = 0; i < k; i++)
				dst[i] = fill[i & 3];
		}
		if (o->crc_valid && k == n) {
			o->crc = fg_crc32(o->crc, dst, k);
		} else {
			o->crc_valid = false;
		}
	} else {
		o->crc_valid = false;
	}
	o->pos += n;
}

static bool open_output(fg_unpack_ctx *ctx, fg_node *root, sp_out *o, const sp_header *h,
			size_t in_len)
{
	fg_budget *b = fg_unpack_budget(ctx);
	o->size = (uint64_t)h->total_blks * h->blk_sz;
	uint64_t cap = fg_budget_output_cap(b, in_len);
	uint64_t want = o->size < cap ? o->size : cap;
	if (want > SIZE_MAX / 2)
		want = SIZE_MAX / 2;
	if (!fg_budget_take_bytes(b, want)) {
		fg_unpack_fail(ctx, "raw image of %llu bytes: byte budget spent",
			       (unsigned long long)o->size);
		return false;
	}
	o->buf = calloc(1, want ? (size_t)want : 1);
	if (!o->buf || !fg_unpack_keep(ctx, o->buf, (size_t)want, (size_t)want)) {
		if (!o->buf)
			fg_budget_give_back_bytes(b, want);
		o->buf = NULL;
		fg_unpack_fail(ctx, "out of memory for a raw image of %llu bytes",
			       (unsigned long long)want);
		return false;
	}
	o->have = (size_t)want;
	o->crc = 0;
	o->crc_valid = true;
	if (want < o->size)
		fg_unpack_truncated(ctx, root,
				    "raw image of %llu bytes cut to %llu: expansion limit (size, ratio or budget)",
				    (unsigned long long)o->size, (unsigned long long)want);
	return true;
}

/* Expands every chunk; returns the input bytes used. */
static size_t expand(fg_unpack_ctx *ctx, fg_node *img, const uint8_t *d, size_t len,
		     const sp_header *h, sp_out *o)
{
	size_t at = h->file_hdr;
	for (uint32_t i = 0; i < h->total_chunks; i++) {
		if ((i & 1023) == 0 && fg_budget_expired(fg_unpack_budget(ctx))) {
			fg_unpack_truncated(ctx, img, "time limit reached at chunk %u", i);
			return at;
		}
		sp_chunk ch;
		const char *why = read_chunk(d, len, h, at, &ch);
		if (!why && ch.total > len - at)
			why = "chunk data cut";
		uint64_t out_bytes = (uint64_t)ch.blocks * h->blk_sz;
		if (!why && ch.type != SP_CRC32 && out_bytes > o->size - o->pos)
			why = "chunks cover more blocks than the header claims";
		if (why) {
			fg_unpack_truncated(ctx, img, "chunk %u of %u at 0x%zx: %s", i, h->total_chunks,
					    at, why);
			return at;
		}
		const uint8_t *payload = d + at + h->chunk_hdr;
		switch (ch.type) {
		case SP_RAW:
			emit(o, payload, NULL, out_bytes);
			break;
		case SP_FILL:
			emit(o, NULL, payload, out_bytes);
			break;
		case SP_DONT_CARE:
			emit(o, NULL, NULL, out_bytes);
			break;
		case SP_CRC32:
			if (o->crc_valid && fg_load_u32le(payload) != o->crc)
				fg_unpack_truncated(ctx, img,
						    "CRC chunk %u: stored 0x%08x, computed 0x%08x: image corrupt",
						    i, fg_load_u32le(payload), (uint32_t)o->crc);
			break;
		}
		at += ch.total;
	}
	if (o->pos != o->size)
		fg_unpack_truncated(ctx, img, "chunks cover %llu of %llu bytes",
				    (unsigned long long)o->pos, (unsigned long long)o->size);
	else if (h->crc && o->crc_valid && h->crc != (uint32_t)o->crc)
		fg_unpack_truncated(ctx, img, "image CRC: stored 0x%08x, computed 0x%08x",
				    h->crc, (uint32_t)o->crc);
	return at;
}

static int sp_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	sp_header h;
	if (!read_header(data, len, &h) || len < h.file_hdr) {
		fg_unpack_fail(ctx, "no Android sparse header");
		return -1;
	}
	char info[96];
	snprintf(info, sizeof(info), "v%u.%u, %u-byte blocks, %u chunks", h.major, h.minor,
		 h.blk_sz, h.total_chunks);
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);

	sp_out o = { 0 };
	if (!open_output(ctx, root, &o, &h, len))
		return -1;
	fg_node *img = fg_unpack_add(ctx, root, "image.raw", FG_NODE_FILE);
	if (!img)
		return -1;
	img->mode = 0644;
	img->size = o.size;
	img->data = o.buf;
	img->data_len = o.have;
	if (o.have < o.size)
		fg_unpack_truncated(ctx, img, "content cut to %zu of %llu bytes", o.have,
				    (unsigned long long)o.size);
	root->src_length = expand(ctx, img, data, len, &h, &o);
	return 0;
}

const fg_format fg_format_android_sparse = {
	.name = "android_sparse",
	.kind = FG_FMT_WRAPPER,
	.magics = sp_magics,
	.probe = sp_probe,
	.unpack = sp_unpack,
};
