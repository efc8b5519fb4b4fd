/*
 * lz4.c - LZ4 streams: the frame format (lz4 >= r118) and the legacy
 * format Linux kernels and initramfs images still use (`lz4 -l`),
 * concatenated in any mix, with skippable frames stepped over.
 *
 * A frame's header carries a checksum and its blocks carry their sizes,
 * so the probe validates the header and walks the blocks to the end
 * mark: the chunk's length is exact. The legacy format is a bare magic
 * and a list of blocks with no end: every block but the last holds
 * exactly 8 MiB, so a shorter block (or anything that is not a sane
 * block) ends the stream.
 */
#include <lz4.h>
#include <lz4frame.h>
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "unpack/stream.h"

#define LZ4_FRAME_MAGIC 0x184D2204u
#define LZ4_LEGACY_MAGIC 0x184C2102u
#define LZ4_SKIP_MAGIC 0x184D2A50u
#define LZ4_SKIP_MASK 0xFFFFFFF0u
#define LZ4_LEGACY_BLOCK (8u << 20)
#define LZ4_LEGACY_BOUND ((size_t)LZ4_COMPRESSBOUND(LZ4_LEGACY_BLOCK))
#define LZ4_MAX_SKIPS 64
#define LZ4_MAX_STREAMS 65536		/* concatenated streams in one chunk */
#define LZ4_PROBE_OUT (64 * 1024)

/* frame descriptor bits */
#define FLG_VERSION_MASK 0xc0
#define FLG_VERSION_01 0x40
#define FLG_BLOCK_CSUM 0x10
#define FLG_CONTENT_SIZE 0x08
#define FLG_CONTENT_CSUM 0x04
#define FLG_RESERVED 0x02
#define FLG_DICT_ID 0x01

static uint32_t magic_at(const uint8_t *d, size_t len, size_t pos)
{
	return len - pos >= 4 ? fg_load_u32le(d + pos) : 0;
}

static size_t skippable_len(const uint8_t *d, size_t len, size_t pos)
{
	if ((magic_at(d, len, pos) & LZ4_SKIP_MASK) != LZ4_SKIP_MAGIC || len - pos < 8)
		return 0;
	uint64_t n = 8 + (uint64_t)fg_load_u32le(d + pos + 4);
	return n <= len - pos ? (size_t)n : 0;
}

/* Checks the frame header at D (its checksum through liblz4); returns
 * its length, or 0. *BLOCK_MAX and *FLG get the block size limit and
 * the flags. */
static size_t frame_header(const uint8_t *d, size_t len, size_t *block_max, uint8_t *flg)
{
	if (len < 7 || fg_load_u32le(d) != LZ4_FRAME_MAGIC)
		return 0;
	*flg = d[4];
	uint8_t bd = d[5];
	if ((*flg & FLG_VERSION_MASK) != FLG_VERSION_01 || (*flg & FLG_RESERVED) || (bd & 0x8f))
		return 0;
	unsigned bsid = (bd >> 4) & 7;
	if (bsid < 4)
		return 0;
	*block_max = (size_t)1 << (8 + 2 * bsid); /* 64 KiB, 256 KiB, 1 MiB, 4 MiB */
	size_t hlen = 7 + (*flg & FLG_CONTENT_SIZE ? 8 : 0) + (*flg & FLG_DICT_ID ? 4 : 0);
	if (len < hlen)
		return 0;
	LZ4F_dctx *dc = NULL;
	if (LZ4F_isError(LZ4F_createDecompressionContext(&dc, LZ4F_VERSION)))
		return 0;
	LZ4F_frameInfo_t info;
	size_t src = hlen;
	size_t r = LZ4F_getFrameInfo(dc, &info, d, &src);
	LZ4F_freeDecompressionContext(dc);
	return LZ4F_isError(r) || src != hlen ? 0 : hlen;
}

/* Length of the whole frame at D found by walking its blocks; 0 when it
 * is cut short, -1 (as SIZE_MAX) when a block size is impossible. */
static size_t frame_len(const uint8_t *d, size_t len)
{
	size_t block_max;
	uint8_t flg;
	size_t pos = frame_header(d, len, &block_max, &flg);
	if (!pos)
		return SIZE_MAX;
	size_t csum = flg & FLG_BLOCK_CSUM ? 4 : 0;
	/* every block takes at least 4 bytes: bounded by LEN */
	for (;;) {
		if (len - pos < 4)
			return 0;
		uint32_t b = fg_load_u32le(d + pos);
		pos += 4;
		if (b == 0)
			break; /* end mark */
		size_t n = b & 0x7fffffffu;
		if (n > block_max)
			return SIZE_MAX;
		if (len - pos < n + csum)
			return 0;
		pos += n + csum;
	}
	if (flg & FLG_CONTENT_CSUM) {
		if (len - pos < 4)
			return 0;
		pos += 4;
	}
	return pos;
}

/* Size of the legacy block at D+4 when it looks like one, else 0. */
static size_t legacy_block_size(const uint8_t *d, size_t len, size_t pos)
{
	if (len - pos < 4)
		return 0;
	uint32_t n = fg_load_u32le(d + pos);
	return n > 0 && n <= LZ4_LEGACY_BOUND ? n : 0;
}

static int lz4_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	size_t pos = 0;
	for (unsigned i = 0; i < LZ4_MAX_SKIPS; i++) {
		size_t s = skippable_len(data, len, pos);
		if (!s)
			break;
		pos += s;
	}
	uint32_t magic = magic_at(data, len, pos);
	if (magic == LZ4_LEGACY_MAGIC) {
		size_t n = legacy_block_size(data, len, pos + 4);
		if (!n)
			return 0;
		/* decode the start of the first block: random data fails fast */
		size_t avail = len - pos - 8 < n ? len - pos - 8 : n;
		uint8_t scratch[LZ4_PROBE_OUT];
		int r = LZ4_decompress_safe_partial((const char *)data + pos + 8, (char *)scratch,
						    (int)avail, LZ4_PROBE_OUT, LZ4_PROBE_OUT);
		if (r <= 0)
			return 0;
		return avail == n ? 80 : 40;
	}
	if (magic != LZ4_FRAME_MAGIC)
		return 0;
	size_t fl = frame_len(data + pos, len - pos);
	if (fl == SIZE_MAX) {
		size_t bm;
		uint8_t flg;
		/* a valid header over broken blocks: only worth it at a file's start */
		return frame_header(data + pos, len - pos, &bm, &flg) ? 30 : 0;
	}
	if (fl == 0)
		return 60;
	/* frames and skippable frames that follow belong to the stream */
	pos += fl;
	for (unsigned i = 0; i < LZ4_MAX_STREAMS && pos < len; i++) {
		size_t s = skippable_len(data, len, pos);
		if (!s && magic_at(data, len, pos) == LZ4_FRAME_MAGIC) {
			s = frame_len(data + pos, len - pos);
			if (s == SIZE_MAX)
				break;
		}
		if (magic_at(data, len, pos) == LZ4_LEGACY_MAGIC)
			return 85; /* only decoding finds a legacy stream's end */
		if (!s)
			break;
		pos += s;
	}
	*chunk_len = pos;
	return 85;
}

/* Decodes the frame at D into O; returns the bytes used, *DONE when the
 * frame ended (its checksums verified by liblz4). */
static size_t decode_frame(fg_unpack_ctx *ctx, LZ4F_dctx *dc, const uint8_t *d, size_t len,
			   fg_outbuf *o, bool *done, const char **err)
{
	LZ4F_resetDecompressionContext(dc);
	size_t pos = 0;
	*done = false;
	for (;;) {
		if (!fg_outbuf_grow(o, ctx, 256 * 1024)) {
			*err = "output limit reached";
			break;
		}
		size_t dst = o->reserved - o->len, src = len - pos;
		size_t r = LZ4F_decompress(dc, o->data + o->len, &dst, d + pos, &src, NULL);
		pos += src;
		o->len += dst;
		if (LZ4F_isError(r)) {
			*err = LZ4F_getErrorName(r);
			break;
		}
		if (r == 0) {
			*done = true;
			break;
		}
		if (src == 0 && dst == 0) {
			*err = "stream is truncated";
			break;
		}
	}
	return pos;
}

/* Decodes the legacy stream at D (magic included) into O; returns the
 * bytes used. *DONE: ended cleanly. */
static size_t decode_legacy(fg_unpack_ctx *ctx, const uint8_t *d, size_t len,
			    fg_outbuf *o, bool *done, const char **err)
{
	size_t pos = 4;
	*done = false;
	for (size_t blocks = 0;; blocks++) {
		/* another legacy magic continues the stream (cat a.lz4 b.lz4) */
		if (magic_at(d, len, pos) == LZ4_LEGACY_MAGIC && blocks > 0) {
			pos += 4;
			continue;
		}
		size_t n = legacy_block_size(d, len, pos);
		if (!n) {
			/* no sane block here: the stream ended after a full block */
			if (blocks > 0)
				*done = true;
			else
				*err = "no lz4 block";
			break;
		}
		if (!fg_outbuf_grow(o, ctx, LZ4_LEGACY_BLOCK)) {
			*err = "output limit reached";
			break;
		}
		size_t room = o->reserved - o->len;
		if (room > LZ4_LEGACY_BLOCK)
			room = LZ4_LEGACY_BLOCK;
		const char *src = (const char *)d + pos + 4;
		size_t avail = len - pos - 4;
		if (avail < n) {
			/* cut short: keep what the block's start decodes to */
			int r = LZ4_decompress_safe_partial(src, (char *)o->data + o->len, (int)avail,
							    (int)room, (int)room);
			if (r > 0)
				o->len += (size_t)r;
			pos = len;
			*err = "stream is truncated";
			break;
		}
		int r;
		if (room < LZ4_LEGACY_BLOCK) {
			/* near the output cap: decode only what fits */
			r = LZ4_decompress_safe_partial(src, (char *)o->data + o->len, (int)n,
							(int)room, (int)room);
			if (r >= 0) {
				o->len += (size_t)r;
				pos += 4 + n;
			}
			if (r == (int)room) {
				*err = "output limit reached";
				break;
			}
		} else {
			r = LZ4_decompress_safe(src, (char *)o->data + o->len, (int)n, (int)room);
			if (r >= 0) {
				o->len += (size_t)r;
				pos += 4 + n;
			}
		}
		if (r < 0) {
			*err = "corrupt lz4 block";
			break;
		}
		if ((size_t)r < LZ4_LEGACY_BLOCK) {
			*done = true; /* a short block is the last */
			break;
		}
	}
	return pos;
}

static int lz4_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	LZ4F_dctx *dc = NULL;
	if (LZ4F_isError(LZ4F_createDecompressionContext(&dc, LZ4F_VERSION))) {
		fg_unpack_fail(ctx, "lz4 init failed");
		return -1;
	}
	fg_outbuf o;
	fg_outbuf_init(&o, ctx, len);
	const char *err = NULL;
	size_t pos = 0;
	unsigned skips = 0;
	for (unsigned streams = 0; pos < len && streams < LZ4_MAX_STREAMS;) {
		size_t s = skippable_len(data, len, pos);
		if (s) {
			if (++skips > LZ4_MAX_SKIPS)
				break;
			pos += s;
			continue;
		}
		skips = 0;
		uint32_t magic = magic_at(data, len, pos);
		bool done;
		size_t used;
		if (magic == LZ4_FRAME_MAGIC)
			used = decode_frame(ctx, dc, data + pos, len - pos, &o, &done, &err);
		else if (magic == LZ4_LEGACY_MAGIC)
			used = decode_legacy(ctx, data + pos, len - pos, &o, &done, &err);
		else
			break;
		if (!root->format_info)
			root->format_info = magic == LZ4_FRAME_MAGIC ? "frame" : "legacy";
		streams++;
		pos += used;
		if (!done || used == 0)
			break;
	}
	LZ4F_freeDecompressionContext(dc);
	root->src_length = pos ? pos : len;
	if (!root->format_info && !err)
		err = "no lz4 frame";
	if (o.len == 0 && err) {
		fg_outbuf_discard(&o, ctx);
		fg_unpack_fail(ctx, "%s", err);
		return -1;
	}
	static const fg_suffix suffixes[] = {
		{ ".tlz4", ".tar" }, { ".lz4", "" }, { NULL, NULL },
	};
	char nbuf[1100];
	const char *out_name = fg_stream_name(ctx, NULL, suffixes, nbuf, sizeof(nbuf));
	fg_node *n = fg_stream_emit(ctx, root, out_name, &o);
	if (err && n)
		fg_unpack_truncated(ctx, n, "%s", err);
	return n ? 0 : -1;
}

static const fg_magic lz4_magics[] = {
	{ "\x04\x22\x4d\x18", 4, 0 },
	{ "\x02\x21\x4c\x18", 4, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_lz4 = {
	.name = "lz4",
	.kind = FG_FMT_COMPRESSION,
	.magics = lz4_magics,
	.probe = lz4_probe,
	.unpack = lz4_unpack,
};
