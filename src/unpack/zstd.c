/*
 * zstd.c - Zstandard streams: one or more frames, with skippable frames
 * (metadata some tools interleave) stepped over.
 *
 * Each frame's compressed size is found by walking its block headers
 * (ZSTD_findFrameCompressedSize), so probe and unpack both know exactly
 * where the stream ends when it is whole. Frames are decoded one at a
 * time, so bytes after the last frame are never claimed.
 */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader */
#include <stdio.h>
#include <string.h>
#include <zstd.h>

#include "core/cursor.h"
#include "unpack/stream.h"

#define ZSTD_FRAME_MAGIC 0xFD2FB528u
#define ZSTD_SKIP_MAGIC 0x184D2A50u
#define ZSTD_SKIP_MASK 0xFFFFFFF0u
#define ZSTD_WINDOW_LOG_LIMIT 27	/* 128 MiB: zstd's own default ceiling */
#define ZSTD_MAX_SKIPS 64		/* skippable frames in a row we step over */
#define ZSTD_PROBE_IN (64 * 1024)
#define ZSTD_PROBE_OUT (256 * 1024)

static uint32_t magic_at(const uint8_t *d, size_t len, size_t pos)
{
	return len - pos >= 4 ? fg_load_u32le(d + pos) : 0;
}

/* Length of the complete skippable frame at POS, or 0. */
static size_t skippable_len(const uint8_t *d, size_t len, size_t pos)
{
	if ((magic_at(d, len, pos) & ZSTD_SKIP_MASK) != ZSTD_SKIP_MAGIC || len - pos < 8)
		return 0;
	uint64_t n = 8 + (uint64_t)fg_load_u32le(d + pos + 4);
	return n <= len - pos ? (size_t)n : 0;
}

static ZSTD_DCtx *new_dctx(void)
{
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	if (dc && ZSTD_isError(ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_LIMIT))) {
		ZSTD_freeDCtx(dc);
		return NULL;
	}
	return dc;
}

/* Decodes a bounded prefix of the frame at D; false on corrupt data. */
static bool trial_decode(const uint8_t *d, size_t len)
{
	ZSTD_DCtx *dc = new_dctx();
	if (!dc)
		return false;
	uint8_t scratch[16384];
	ZSTD_inBuffer in = { d, len < ZSTD_PROBE_IN ? len : ZSTD_PROBE_IN, 0 };
	size_t out_total = 0;
	bool ok = true;
	/* each round consumes input or fills output, both bounded */
	while (out_total < ZSTD_PROBE_OUT) {
		ZSTD_outBuffer out = { scratch, sizeof(scratch), 0 };
		size_t in_before = in.pos;
		size_t r = ZSTD_decompressStream(dc, &out, &in);
		if (ZSTD_isError(r)) {
			ok = false;
			break;
		}
		out_total += out.pos;
		if (r == 0 || (out.pos == 0 && in.pos == in_before))
			break;
	}
	ZSTD_freeDCtx(dc);
	return ok;
}

/* Walks whole frames from POS; returns the end of the last complete one,
 * or 0 when a frame is cut short or broken (only decoding can tell). */
static size_t walk_frames(const uint8_t *d, size_t len, size_t pos)
{
	unsigned skips = 0;
	while (pos < len) {
		size_t s = skippable_len(d, len, pos);
		if (s) {
			if (++skips > ZSTD_MAX_SKIPS)
				break;
			pos += s;
			continue;
		}
		if (magic_at(d, len, pos) != ZSTD_FRAME_MAGIC)
			break;
		skips = 0;
		size_t n = ZSTD_findFrameCompressedSize(d + pos, len - pos);
		if (ZSTD_isError(n) || n == 0)
			return 0;
		pos += n;
	}
	return pos;
}

static int zstd_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	/* skippable frames may lead (only seen at the start of a file) */
	size_t pos = 0;
	for (unsigned i = 0; i < ZSTD_MAX_SKIPS; i++) {
		size_t s = skippable_len(data, len, pos);
		if (!s)
			break;
		pos += s;
	}
	if (magic_at(data, len, pos) != ZSTD_FRAME_MAGIC)
		return 0;
	ZSTD_frameHeader fh;
	if (ZSTD_getFrameHeader(&fh, data + pos, len - pos) != 0)
		return 0; /* broken header, or not even a whole header */
	/* a frame needing a dictionary cannot be decoded without it */
	if (fh.frameType != ZSTD_frame || fh.dictID != 0 || fh.windowSize > (1ull << 31))
		return 0;
	if (!trial_decode(data + pos, len - pos))
		return 0;
	size_t end = walk_frames(data, len, pos);
	if (!end)
		return 60; /* cut short: unpack keeps what decodes */
	*chunk_len = end;
	return 90;
}

/* Decodes one frame (IN..IN+IN_LEN holds it, or the rest of the blob
 * when its size is unknown) into O; returns the bytes it used and sets
 * *DONE when the frame ended cleanly. */
static size_t decode_frame(fg_unpack_ctx *ctx, ZSTD_DCtx *dc, const uint8_t *data, size_t len,
			   fg_outbuf *o, bool *done, const char **err)
{
	ZSTD_DCtx_reset(dc, ZSTD_reset_session_only);
	ZSTD_inBuffer in = { data, len, 0 };
	*done = false;
	for (;;) {
		if (!fg_outbuf_grow(o, ctx, 256 * 1024)) {
			*err = "output limit reached";
			break;
		}
		ZSTD_outBuffer out = { o->data + o->len, o->reserved - o->len, 0 };
		size_t in_before = in.pos;
		size_t r = ZSTD_decompressStream(dc, &out, &in);
		o->len += out.pos;
		if (ZSTD_isError(r)) {
			*err = ZSTD_getErrorName(r);
			break;
		}
		if (r == 0) {
			*done = true;
			break;
		}
		if (out.pos == 0 && in.pos == in_before) {
			*err = "stream is truncated";
			break;
		}
	}
	return in.pos;
}

static int zstd_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	ZSTD_DCtx *dc = new_dctx();
	if (!dc) {
		fg_unpack_fail(ctx, "zstd init failed");
		return -1;
	}
	fg_outbuf o;
	fg_outbuf_init(&o, ctx, len);
	const char *err = NULL;
	size_t pos = 0, frames = 0;
	unsigned skips = 0;
	while (pos < len) {
		size_t s = skippable_len(data, len, pos);
		if (s) {
			if (++skips > ZSTD_MAX_SKIPS)
				break;
			pos += s;
			continue;
		}
		if (magic_at(data, len, pos) != ZSTD_FRAME_MAGIC)
			break;
		skips = 0;
		size_t n = ZSTD_findFrameCompressedSize(data + pos, len - pos);
		size_t in_len = ZSTD_isError(n) || n == 0 ? len - pos : n;
		bool done;
		size_t used = decode_frame(ctx, dc, data + pos, in_len, &o, &done, &err);
		frames++;
		pos += used;
		if (!done || used == 0)
			break;
	}
	ZSTD_freeDCtx(dc);
	root->src_length = pos ? pos : len;
	if (!frames && !err)
		err = "no zstd frame";
	if (o.len == 0 && err) {
		fg_outbuf_discard(&o, ctx);
		fg_unpack_fail(ctx, "%s", err);
		return -1;
	}
	static const fg_suffix suffixes[] = {
		{ ".tzst", ".tar" }, { ".zst", "" }, { ".zstd", "" }, { NULL, NULL },
	};
	char nbuf[1100];
	const char *out_name = fg_stream_name(ctx, NULL, suffixes, nbuf, sizeof(nbuf));
	fg_node *n = fg_stream_emit(ctx, root, out_name, &o);
	if (err && n)
		fg_unpack_truncated(ctx, n, "%s", err);
	return n ? 0 : -1;
}

static const fg_magic zstd_magics[] = {
	{ "\x28\xb5\x2f\xfd", 4, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_zstd = {
	.name = "zstd",
	.kind = FG_FMT_COMPRESSION,
	.magics = zstd_magics,
	.probe = zstd_probe,
	.unpack = zstd_unpack,
};
