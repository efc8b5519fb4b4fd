/*
 * lzma.c - LZMA "alone" streams (.lzma), as embedded kernels, boot
 * loaders and old squashfs variants carry them.
 *
 * The 13-byte header is a properties byte, a 32-bit dictionary size and
 * a 64-bit uncompressed size (all ones: unknown, the stream then ends
 * with an end marker). Nothing in it is a real magic, so the probe
 * checks every field's shape and then trial-decodes a bounded prefix:
 * random bytes after a plausible header fail within a few dozen bytes.
 *
 * The dictionary the header asks for is only ever as large as the
 * output we allow: a match can never reach back further than what was
 * decoded, so a smaller dictionary decodes the same bytes, and a hostile
 * header cannot make us reserve 1.5 GiB for a tiny stream.
 */
#include <lzma.h>
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "unpack/stream.h"

#define LZMA_HDR_LEN 13
#define LZMA_DICT_MIN 4096u
#define LZMA_DICT_MAX (3u << 29)		/* 1.5 GiB */
#define LZMA_SIZE_MAX (1ull << 38)		/* what liblzma itself calls sane */
#define LZMA_SIZE_UNKNOWN UINT64_MAX
#define LZMA_PROBE_IN (64 * 1024)		/* input a probe may decode */
#define LZMA_PROBE_OUT (1024 * 1024)		/* output a probe may produce */
#define LZMA_PROBE_SURE (2 * 1024)		/* clean input that convinces */

typedef struct lzma_hdr {
	uint8_t props;
	uint32_t dict;
	uint64_t usize;
} lzma_hdr;

/* Encoders write 2^n or 2^n + 2^(n-1); the LZMA SDK rounds large
 * dictionaries up to whole MiB instead. */
static bool dict_shape_ok(uint32_t d)
{
	if (d < LZMA_DICT_MIN || d > LZMA_DICT_MAX)
		return false;
	uint32_t odd = d >> __builtin_ctz(d);
	if (odd == 1 || odd == 3)
		return true;
	return d >= (4u << 20) && (d & ((1u << 20) - 1)) == 0;
}

static bool parse_header(const uint8_t *data, size_t len, lzma_hdr *h)
{
	fg_cursor c = fg_cur_make(data, len);
	h->props = fg_cur_u8(&c);
	h->dict = fg_cur_u32le(&c);
	h->usize = fg_cur_u64le(&c);
	if (!fg_cur_ok(&c) || h->props >= 9 * 5 * 5)
		return false;
	unsigned lc = h->props % 9, lp = (h->props / 9) % 5;
	if (lc + lp > 4)
		return false; /* liblzma's limit, and no encoder goes past it */
	if (!dict_shape_ok(h->dict))
		return false;
	/* an empty stream is all header: nothing to find, easily faked */
	return h->usize == LZMA_SIZE_UNKNOWN || (h->usize > 0 && h->usize <= LZMA_SIZE_MAX);
}

/* Starts an alone decoder on a copy of the header whose dictionary is at
 * most DICT_CAP (see the top of the file). */
static bool start_decoder(lzma_stream *zs, const lzma_hdr *h, uint64_t dict_cap)
{
	uint64_t dict = h->dict;
	if (h->usize != LZMA_SIZE_UNKNOWN && h->usize < dict)
		dict = h->usize;
	if (dict_cap < dict)
		dict = dict_cap;
	if (dict < LZMA_DICT_MIN)
		dict = LZMA_DICT_MIN;
	uint8_t hdr[LZMA_HDR_LEN];
	hdr[0] = h->props;
	for (int i = 0; i < 4; i++)
		hdr[1 + i] = (uint8_t)(dict >> (8 * i));
	for (int i = 0; i < 8; i++)
		hdr[5 + i] = (uint8_t)(h->usize >> (8 * i));
	if (lzma_alone_decoder(zs, UINT64_MAX) != LZMA_OK)
		return false;
	/* the header yields no output: the range coder needs 5 more bytes */
	uint8_t sink[1];
	zs->next_in = hdr;
	zs->avail_in = sizeof(hdr);
	zs->next_out = sink;
	zs->avail_out = sizeof(sink);
	lzma_ret rc = lzma_code(zs, LZMA_RUN);
	if (rc != LZMA_OK || zs->avail_in != 0 || zs->avail_out != sizeof(sink)) {
		lzma_end(zs);
		return false;
	}
	return true;
}

static int lzma_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	lzma_hdr h;
	/* header plus the range coder's five init bytes, the first zero */
	if (len < LZMA_HDR_LEN + 5 || !parse_header(data, len, &h) || data[LZMA_HDR_LEN] != 0)
		return 0;
	lzma_stream zs = LZMA_STREAM_INIT;
	if (!start_decoder(&zs, &h, LZMA_PROBE_OUT))
		return 0;
	uint8_t scratch[16384];
	size_t in_max = len - LZMA_HDR_LEN < LZMA_PROBE_IN ? len - LZMA_HDR_LEN : LZMA_PROBE_IN;
	zs.next_in = data + LZMA_HDR_LEN;
	zs.avail_in = in_max;
	size_t out = 0;
	bool zeros = true;
	lzma_ret rc = LZMA_OK;
	while (out < LZMA_PROBE_OUT) {
		size_t room = LZMA_PROBE_OUT - out < sizeof(scratch) ? LZMA_PROBE_OUT - out : sizeof(scratch);
		zs.next_out = scratch;
		zs.avail_out = room;
		rc = lzma_code(&zs, LZMA_RUN);
		size_t got = room - zs.avail_out;
		for (size_t i = 0; i < got && zeros; i++)
			zeros = scratch[i] == 0;
		out += got;
		if (rc != LZMA_OK || got == 0)
			break;
	}
	size_t used = in_max - zs.avail_in;
	lzma_end(&zs);
	if (rc == LZMA_STREAM_END) {
		/* a header, zeros for the range coder and a small size
		 * "decode" to that many zero bytes: seen in real file data */
		if (zeros)
			return 0;
		*chunk_len = LZMA_HDR_LEN + used;
		return 90;
	}
	if (rc != LZMA_OK)
		return 0;
	/* zeros after a plausible header decode to zeros, some forty bytes
	 * for each: a header followed by padding. A real stream of zeros
	 * takes a few bytes per MiB instead. */
	if (zeros && used >= LZMA_PROBE_SURE)
		return 20;
	if (used >= LZMA_PROBE_SURE || out >= LZMA_PROBE_OUT)
		return 70;
	return 30; /* the whole buffer is a short stream cut off early */
}

static const char *lzma_error(lzma_ret rc)
{
	switch (rc) {
	case LZMA_DATA_ERROR: return "corrupt lzma data";
	case LZMA_BUF_ERROR: return "stream is truncated";
	case LZMA_MEM_ERROR: return "out of memory";
	case LZMA_MEMLIMIT_ERROR: return "decoder memory limit exceeded";
	case LZMA_FORMAT_ERROR: return "not an lzma stream";
	case LZMA_OPTIONS_ERROR: return "unsupported lzma options";
	default: return "lzma decoding failed";
	}
}

static int lzma_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	lzma_hdr h;
	if (len < LZMA_HDR_LEN || !parse_header(data, len, &h)) {
		fg_unpack_fail(ctx, "bad lzma header");
		return -1;
	}
	fg_outbuf o;
	fg_outbuf_init(&o, ctx, len);
	lzma_stream zs = LZMA_STREAM_INIT;
	if (!start_decoder(&zs, &h, o.cap)) {
		fg_unpack_fail(ctx, "liblzma init failed");
		return -1;
	}
	zs.next_in = data + LZMA_HDR_LEN;
	zs.avail_in = len - LZMA_HDR_LEN;
	const char *err = NULL;
	lzma_ret rc = LZMA_OK;
	size_t released = 0;
	for (;;) {
		fg_stream_consumed(ctx, data, &released, len - zs.avail_in);
		if (!fg_outbuf_grow(&o, ctx, 256 * 1024)) {
			err = "output limit reached";
			break;
		}
		zs.next_out = o.data + o.len;
		zs.avail_out = o.reserved - o.len;
		size_t before_out = zs.avail_out, before_in = zs.avail_in;
		/* LZMA_FINISH once the input is all in: a stream cut short
		 * then reports LZMA_BUF_ERROR instead of waiting for more */
		rc = lzma_code(&zs, zs.avail_in ? LZMA_RUN : LZMA_FINISH);
		o.len += before_out - zs.avail_out;
		if (rc == LZMA_STREAM_END)
			break;
		if (rc != LZMA_OK) {
			err = lzma_error(rc);
			break;
		}
		if (before_out == zs.avail_out && before_in == zs.avail_in) {
			err = "stream is truncated";
			break;
		}
	}
	size_t used = LZMA_HDR_LEN + (len - LZMA_HDR_LEN - zs.avail_in);
	lzma_end(&zs);
	root->src_length = used;
	if (rc == LZMA_STREAM_END && h.usize != LZMA_SIZE_UNKNOWN && o.len != h.usize)
		err = "size does not match the header";
	if (o.len == 0 && err) {
		fg_outbuf_discard(&o, ctx);
		fg_unpack_fail(ctx, "%s", err);
		return -1;
	}
	static const fg_suffix suffixes[] = {
		{ ".tlz", ".tar" }, { ".lzma", "" }, { NULL, NULL },
	};
	char nbuf[1100];
	const char *out_name = fg_stream_name(ctx, NULL, suffixes, nbuf, sizeof(nbuf));
	fg_node *n = fg_stream_emit(ctx, root, out_name, &o);
	if (err && n)
		fg_unpack_truncated(ctx, n, "%s", err);
	return n ? 0 : -1;
}

/*
 * Properties 0x5d (lc3 lp0 pb2: every default encoder) and 0x6d (lc1 lp2
 * pb2, tuned for 32-bit code) with the dictionaries encoders use, 64 KiB
 * to 64 MiB. Other headers are still found at the start of a file,
 * where every probe runs.
 */
#define LZMA_MAGICS(p) \
	{ p "\x00\x00\x01\x00", 5, 0 }, { p "\x00\x00\x02\x00", 5, 0 }, \
	{ p "\x00\x00\x04\x00", 5, 0 }, { p "\x00\x00\x08\x00", 5, 0 }, \
	{ p "\x00\x00\x10\x00", 5, 0 }, { p "\x00\x00\x20\x00", 5, 0 }, \
	{ p "\x00\x00\x40\x00", 5, 0 }, { p "\x00\x00\x80\x00", 5, 0 }, \
	{ p "\x00\x00\x00\x01", 5, 0 }, { p "\x00\x00\x00\x02", 5, 0 }, \
	{ p "\x00\x00\x00\x04", 5, 0 }

static const fg_magic lzma_magics[] = {
	LZMA_MAGICS("\x5d"),
	LZMA_MAGICS("\x6d"),
	FG_MAGIC_END,
};

const fg_format fg_format_lzma = {
	.name = "lzma",
	.kind = FG_FMT_COMPRESSION,
	.magics = lzma_magics,
	.probe = lzma_probe,
	.unpack = lzma_unpack,
};
