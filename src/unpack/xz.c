/*
 * xz.c - xz streams (and concatenated streams) through liblzma.
 */
#include <lzma.h>
#include <stdio.h>
#include <string.h>

#include "unpack/stream.h"

static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };

static int xz_probe(const uint8_t *data, size_t len)
{
	if (len < 32 || memcmp(data, xz_magic, sizeof(xz_magic)) != 0)
		return 0;
	/* stream flags: first byte zero, check type in the low nibble */
	if (data[6] != 0 || (data[7] & 0xf0))
		return 0;
	return 80;
}

static int xz_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	lzma_stream zs = LZMA_STREAM_INIT;
	/* 256 MiB of decoder memory covers every preset (-9e needs 65 MiB). */
	if (lzma_stream_decoder(&zs, 256u << 20, LZMA_CONCATENATED) != LZMA_OK) {
		fg_unpack_fail(ctx, "liblzma init failed");
		return -1;
	}
	fg_outbuf o;
	fg_outbuf_init(&o, ctx, len);
	zs.next_in = data;
	zs.avail_in = len;
	const char *err = NULL;
	lzma_ret rc = LZMA_OK;
	lzma_action action = LZMA_RUN;
	for (;;) {
		if (!fg_outbuf_grow(&o, ctx, 64 * 1024)) {
			err = "output limit reached";
			break;
		}
		zs.next_out = o.data + o.len;
		zs.avail_out = o.reserved - o.len;
		size_t before = zs.avail_out;
		if (zs.avail_in == 0)
			action = LZMA_FINISH;
		rc = lzma_code(&zs, action);
		o.len += before - zs.avail_out;
		if (rc == LZMA_STREAM_END)
			break;
		if (rc != LZMA_OK) {
			switch (rc) {
			case LZMA_DATA_ERROR: err = "corrupt xz data"; break;
			case LZMA_BUF_ERROR: err = "stream is truncated"; break;
			case LZMA_MEMLIMIT_ERROR: err = "decoder memory limit exceeded"; break;
			case LZMA_FORMAT_ERROR: err = "not an xz stream"; break;
			case LZMA_OPTIONS_ERROR: err = "unsupported xz options"; break;
			default: err = "xz decoding failed"; break;
			}
			break;
		}
	}
	root->src_length = len - zs.avail_in;
	lzma_end(&zs);
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

const fg_format fg_format_xz = {
	.name = "xz",
	.kind = FG_FMT_COMPRESSION,
	.probe = xz_probe,
	.unpack = xz_unpack,
};
