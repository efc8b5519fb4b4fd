/*
 * bzip2.c - bzip2 streams through libbz2, including concatenated streams
 * (pbzip2 and `cat a.bz2 b.bz2` write those).
 *
 * A stream starts "BZh" and a block-size digit, then either the first
 * block's magic (the BCD digits of pi) or, for empty input, the
 * end-of-stream magic (those of sqrt(pi)): ten bytes, a strong magic.
 */
#include <bzlib.h>
#include <stdio.h>
#include <string.h>

#include "unpack/stream.h"

#define BZ_HDR_LEN 10

static const uint8_t bz_block_magic[6] = { 0x31, 0x41, 0x59, 0x26, 0x53, 0x59 };
static const uint8_t bz_eos_magic[6] = { 0x17, 0x72, 0x45, 0x38, 0x50, 0x90 };

static bool bz_header_ok(const uint8_t *d, size_t len)
{
	if (len < BZ_HDR_LEN || memcmp(d, "BZh", 3) != 0 || d[3] < '1' || d[3] > '9')
		return false;
	return memcmp(d + 4, bz_block_magic, 6) == 0 || memcmp(d + 4, bz_eos_magic, 6) == 0;
}

static int bz_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	(void)chunk_len; /* the stream's end is found by decoding it */
	return bz_header_ok(data, len) ? 80 : 0;
}

static const char *bz_error(int rc)
{
	switch (rc) {
	case BZ_DATA_ERROR: return "corrupt bzip2 data";
	case BZ_DATA_ERROR_MAGIC: return "bad bzip2 magic";
	case BZ_MEM_ERROR: return "out of memory";
	default: return "bzip2 decoding failed";
	}
}

/* Decodes one stream at IN into O; returns the bytes it used (the stream
 * ends on a byte boundary, so this is exact) and sets *DONE when the
 * stream ended, else *ERR says why not. */
static size_t decode_stream(fg_unpack_ctx *ctx, const uint8_t *in, size_t in_len,
			    fg_outbuf *o, bool *done, const char **err)
{
	bz_stream bs;
	memset(&bs, 0, sizeof(bs));
	*done = false;
	int rc = BZ2_bzDecompressInit(&bs, 0, 0);
	if (rc != BZ_OK) {
		*err = bz_error(rc);
		return 0;
	}
	size_t left = in_len;
	const uint8_t *p = in;
	for (;;) {
		if (!fg_outbuf_grow(o, ctx, 256 * 1024)) {
			*err = "output limit reached";
			break;
		}
		size_t room = o->reserved - o->len;
		unsigned chunk_in = left > (1u << 30) ? (1u << 30) : (unsigned)left;
		unsigned chunk_out = room > (1u << 30) ? (1u << 30) : (unsigned)room;
		bs.next_in = (char *)p;
		bs.avail_in = chunk_in;
		bs.next_out = (char *)(o->data + o->len);
		bs.avail_out = chunk_out;
		rc = BZ2_bzDecompress(&bs);
		p += chunk_in - bs.avail_in;
		left -= chunk_in - bs.avail_in;
		o->len += chunk_out - bs.avail_out;
		if (rc == BZ_STREAM_END) {
			*done = true;
			break;
		}
		if (rc != BZ_OK) {
			*err = bz_error(rc);
			break;
		}
		/* libbz2 says BZ_OK when it simply starves */
		if (chunk_in == bs.avail_in && chunk_out == bs.avail_out) {
			*err = "stream is truncated";
			break;
		}
	}
	BZ2_bzDecompressEnd(&bs);
	return in_len - left;
}

static int bz_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	if (!bz_header_ok(data, len)) {
		fg_unpack_fail(ctx, "bad bzip2 header");
		return -1;
	}
	fg_outbuf o;
	fg_outbuf_init(&o, ctx, len);
	const char *err = NULL;
	size_t pos = 0;
	/* every stream is at least a header: the loop is bounded by LEN */
	while (pos < len && bz_header_ok(data + pos, len - pos)) {
		bool done;
		size_t used = decode_stream(ctx, data + pos, len - pos, &o, &done, &err);
		pos += used;
		if (!done || used == 0)
			break;
	}
	root->src_length = pos ? pos : len;
	if (o.len == 0 && err) {
		fg_outbuf_discard(&o, ctx);
		fg_unpack_fail(ctx, "%s", err);
		return -1;
	}
	static const fg_suffix suffixes[] = {
		{ ".tbz2", ".tar" }, { ".tbz", ".tar" }, { ".bz2", "" }, { ".bz", "" }, { NULL, NULL },
	};
	char nbuf[1100];
	const char *out_name = fg_stream_name(ctx, NULL, suffixes, nbuf, sizeof(nbuf));
	fg_node *n = fg_stream_emit(ctx, root, out_name, &o);
	if (err && n)
		fg_unpack_truncated(ctx, n, "%s", err);
	return n ? 0 : -1;
}

static const fg_magic bz_magics[] = {
	{ "BZh1\x31\x41\x59\x26\x53\x59", 10, 0 }, { "BZh2\x31\x41\x59\x26\x53\x59", 10, 0 },
	{ "BZh3\x31\x41\x59\x26\x53\x59", 10, 0 }, { "BZh4\x31\x41\x59\x26\x53\x59", 10, 0 },
	{ "BZh5\x31\x41\x59\x26\x53\x59", 10, 0 }, { "BZh6\x31\x41\x59\x26\x53\x59", 10, 0 },
	{ "BZh7\x31\x41\x59\x26\x53\x59", 10, 0 }, { "BZh8\x31\x41\x59\x26\x53\x59", 10, 0 },
	{ "BZh9\x31\x41\x59\x26\x53\x59", 10, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_bzip2 = {
	.name = "bzip2",
	.kind = FG_FMT_COMPRESSION,
	.magics = bz_magics,
	.probe = bz_probe,
	.unpack = bz_unpack,
};
