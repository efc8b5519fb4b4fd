/*
 * zlib.c - bare zlib streams (RFC 1950): a two-byte header, deflate data
 * and an Adler-32 trailer, as boot loaders and vendor tools embed them.
 *
 * Two header bytes are a weak magic (0x78 0x9c turns up in any code), so
 * the probe inflates a bounded prefix: random bytes fail within a few
 * hundred bytes, and a stream that ends inside the prefix has had its
 * Adler-32 checked by zlib.
 */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "unpack/stream.h"

#define ZLIB_PROBE_IN (64 * 1024)	/* input a probe may inflate */
#define ZLIB_PROBE_OUT (1024 * 1024)	/* output a probe may produce */
#define ZLIB_PROBE_SURE (4 * 1024)	/* clean input that convinces */
#define ZLIB_MIN_STREAM 8		/* header, empty block, trailer */

/* CM 8 (deflate), window at most 32 KiB, no preset dictionary (we could
 * not supply it), and the header check. */
static bool zlib_header_ok(const uint8_t *d)
{
	uint8_t cmf = d[0], flg = d[1];
	if ((cmf & 0x0f) != 8 || (cmf >> 4) > 7 || (flg & 0x20))
		return false;
	return ((unsigned)cmf * 256 + flg) % 31 == 0;
}

static int zlib_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	if (len < ZLIB_MIN_STREAM || !zlib_header_ok(data))
		return 0;
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return 0;
	uint8_t scratch[16384];
	size_t in_max = len < ZLIB_PROBE_IN ? len : ZLIB_PROBE_IN;
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)in_max;
	size_t out = 0;
	int rc = Z_OK;
	/* zlib keeps its own window, so the scratch output is reused; each
	 * Z_OK round made progress, and output is bounded */
	while (out < ZLIB_PROBE_OUT) {
		zs.next_out = scratch;
		zs.avail_out = sizeof(scratch);
		rc = inflate(&zs, Z_NO_FLUSH);
		out += sizeof(scratch) - zs.avail_out;
		if (rc != Z_OK)
			break;
	}
	size_t used = in_max - zs.avail_in;
	inflateEnd(&zs);
	if (rc == Z_STREAM_END) {
		*chunk_len = used;
		return 90;
	}
	if (rc != Z_OK && rc != Z_BUF_ERROR)
		return 0; /* corrupt deflate data or a bad Adler-32 */
	if (used >= ZLIB_PROBE_SURE || out >= ZLIB_PROBE_OUT)
		return 70;
	/* the whole buffer is a short stream cut off early */
	return 30;
}

static int zlib_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK) {
		fg_unpack_fail(ctx, "zlib init failed");
		return -1;
	}
	fg_outbuf o;
	fg_outbuf_init(&o, ctx, len);
	const char *err = NULL;
	const uint8_t *in = data;
	size_t left = len;
	int rc = Z_OK;
	for (;;) {
		if (!fg_outbuf_grow(&o, ctx, 64 * 1024)) {
			err = "output limit reached";
			break;
		}
		size_t room = o.reserved - o.len;
		uInt chunk_in = left > (1u << 30) ? (1u << 30) : (uInt)left;
		uInt chunk_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
		zs.next_in = (Bytef *)in;
		zs.avail_in = chunk_in;
		zs.next_out = o.data + o.len;
		zs.avail_out = chunk_out;
		rc = inflate(&zs, Z_NO_FLUSH);
		in += chunk_in - zs.avail_in;
		left -= chunk_in - zs.avail_in;
		o.len += chunk_out - zs.avail_out;
		if (rc == Z_STREAM_END)
			break;
		if (rc == Z_BUF_ERROR && left == 0) {
			err = "stream is truncated";
			break;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			err = zs.msg ? zs.msg : "corrupt deflate data";
			break;
		}
		if (rc == Z_BUF_ERROR && chunk_in == zs.avail_in && chunk_out == zs.avail_out) {
			err = "inflate made no progress";
			break;
		}
	}
	inflateEnd(&zs);
	/* the stream's end when it has one; else what was read before the
	 * trouble, so carving goes on after it */
	root->src_length = len - left ? len - left : len;
	if (o.len == 0 && err) {
		fg_outbuf_discard(&o, ctx);
		fg_unpack_fail(ctx, "%s", err);
		return -1;
	}
	static const fg_suffix suffixes[] = {
		{ ".zlib", "" }, { ".zz", "" }, { ".z", "" }, { NULL, NULL },
	};
	char nbuf[1100];
	const char *out_name = fg_stream_name(ctx, NULL, suffixes, nbuf, sizeof(nbuf));
	fg_node *n = fg_stream_emit(ctx, root, out_name, &o);
	if (err && n)
		fg_unpack_truncated(ctx, n, "%s", err);
	return n ? 0 : -1;
}

/* The common headers: window 32 KiB, every compression level class. */
static const fg_magic zlib_magics[] = {
	{ "\x78\x01", 2, 0 },
	{ "\x78\x5e", 2, 0 },
	{ "\x78\x9c", 2, 0 },
	{ "\x78\xda", 2, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_zlib = {
	.name = "zlib",
	.kind = FG_FMT_COMPRESSION,
	.magics = zlib_magics,
	.probe = zlib_probe,
	.unpack = zlib_unpack,
};
