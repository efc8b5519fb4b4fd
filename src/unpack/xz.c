/*
 * xz.c - xz streams (and concatenated streams) through liblzma.
 */
#include <lzma.h>
#include <stdio.h>
#include <string.h>

#include "unpack/stream.h"

static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };

static int xz_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	(void)chunk_len; /* the stream's end is found by decoding it */
	if (len < 32 || memcmp(data, xz_magic, sizeof(xz_magic)) != 0)
		return 0;
	/* stream flags: first byte zero, check type in the low nibble */
	if (data[6] != 0 || (data[7] & 0xf0))
		return 0;
	return 80;
}

/* Decodes one xz stream at IN into O; returns the bytes it used, or 0
 * with *ERR set. Streams are decoded one at a time (not with
 * LZMA_CONCATENATED) so data after the last stream is never claimed. */
static size_t decode_stream(fg_unpack_ctx *ctx, const uint8_t *in, size_t in_len,
			    fg_outbuf *o, const char **err)
{
	lzma_stream zs = LZMA_STREAM_INIT;
	/* 256 MiB of decoder memory covers every preset (-9e needs 65 MiB). */
	if (lzma_stream_decoder(&zs, 256u << 20, 0) != LZMA_OK) {
		*err = "liblzma init failed";
		return 0;
	}
	zs.next_in = in;
	zs.avail_in = in_len;
	lzma_ret rc = LZMA_OK;
	size_t released = 0;
	for (;;) {
		fg_stream_consumed(ctx, in, &released, in_len - zs.avail_in);
		if (!fg_outbuf_grow(o, ctx, 64 * 1024)) {
			*err = "output limit reached";
			break;
		}
		zs.next_out = o->data + o->len;
		zs.avail_out = o->reserved - o->len;
		size_t before = zs.avail_out;
		rc = lzma_code(&zs, zs.avail_in ? LZMA_RUN : LZMA_FINISH);
		o->len += before - zs.avail_out;
		if (rc == LZMA_STREAM_END)
			break;
		if (rc != LZMA_OK) {
			switch (rc) {
			case LZMA_DATA_ERROR: *err = "corrupt xz data"; break;
			case LZMA_BUF_ERROR: *err = "stream is truncated"; break;
			case LZMA_MEMLIMIT_ERROR: *err = "decoder memory limit exceeded"; break;
			case LZMA_FORMAT_ERROR: *err = "not an xz stream"; break;
			case LZMA_OPTIONS_ERROR: *err = "unsupported xz options"; break;
			default: *err = "xz decoding failed"; break;
			}
			break;
		}
	}
	size_t used = in_len - zs.avail_in;
	lzma_end(&zs);
	return rc == LZMA_STREAM_END ? used : 0;
}

static int xz_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	fg_outbuf o;
	fg_outbuf_init(&o, ctx, len);
	const char *err = NULL;
	size_t pos = 0;
	for (;;) {
		size_t used = decode_stream(ctx, data + pos, len - pos, &o, &err);
		if (!used)
			break;
		pos += used;
		/* stream padding: zero bytes in multiples of four, then maybe another stream */
		size_t pad = pos;
		while (pad + 4 <= len && !memcmp(data + pad, "\0\0\0\0", 4))
			pad += 4;
		if (pad + 6 > len || memcmp(data + pad, xz_magic, sizeof(xz_magic)) != 0)
			break;
		pos = pad;
	}
	root->src_length = pos ? pos : len;
	if (o.len == 0) {
		fg_outbuf_discard(&o, ctx);
		fg_unpack_fail(ctx, "%s", err ? err : "no data");
		return -1;
	}
	static const fg_suffix suffixes[] = {
		{ ".txz", ".tar" }, { ".xz", "" }, { NULL, NULL },
	};
	char nbuf[1100];
	const char *out_name = fg_stream_name(ctx, NULL, suffixes, nbuf, sizeof(nbuf));
	fg_node *n = fg_stream_emit(ctx, root, out_name, &o);
	if (err && n)
		fg_unpack_truncated(ctx, n, "%s", err);
	return n ? 0 : -1;
}

static const fg_magic xz_magics[] = {
	{ "\xfd" "7zXZ\x00", 6, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_xz = {
	.name = "xz",
	.kind = FG_FMT_COMPRESSION,
	.magics = xz_magics,
	.probe = xz_probe,
	.unpack = xz_unpack,
};
