/*
 * gzip.c - gzip streams (RFC 1952), including concatenated members.
 */
#include <stdio.h>
#include <string.h>

#include <libdeflate.h>
#include <zlib.h>

#include "core/crc32.h"
#include "core/cursor.h"
#include "unpack/stream.h"

#define GZ_FTEXT 0x01
#define GZ_FHCRC 0x02
#define GZ_FEXTRA 0x04
#define GZ_FNAME 0x08
#define GZ_FCOMMENT 0x10
#define GZ_FRESERVED 0xe0
#define GZ_MAX_RATIO 1032u /* deflate expands at most 1032:1 */

/* Parses the member header; returns its length or 0 when not gzip.
 * *NAME gets the stored original file name (not NUL-terminated if the
 * header is cut: then 0 is returned). */
static size_t gzip_header(const uint8_t *data, size_t len, const char **name, size_t *name_len)
{
	fg_cursor c = fg_cur_make(data, len);
	if (fg_cur_u8(&c) != 0x1f || fg_cur_u8(&c) != 0x8b || fg_cur_u8(&c) != 8)
		return 0;
	uint8_t flags = fg_cur_u8(&c);
	if (flags & GZ_FRESERVED)
		return 0;
	fg_cur_skip(&c, 6); /* mtime, xfl, os */
	if (flags & GZ_FEXTRA)
		fg_cur_skip(&c, fg_cur_u16le(&c));
	*name = NULL;
	*name_len = 0;
	if (flags & GZ_FNAME)
		*name = fg_cur_cstr(&c, 1024, name_len);
	if (flags & GZ_FCOMMENT) {
		size_t cl;
		fg_cur_cstr(&c, 65536, &cl);
	}
	if (flags & GZ_FHCRC)
		fg_cur_skip(&c, 2);
	return fg_cur_ok(&c) ? c.pos : 0;
}

static int gzip_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	(void)chunk_len; /* the stream's end is found by inflating it */
	const char *name;
	size_t nl;
	if (len < 18 || gzip_header(data, len, &name, &nl) == 0)
		return 0;
	return 80;
}

/* Inflates one raw deflate stream starting at IN; returns consumed bytes
 * including the 8-byte trailer, or 0 on error. */
static size_t inflate_member(fg_unpack_ctx *ctx, const uint8_t *in, size_t in_len,
			     fg_outbuf *o, const char **err)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
		*err = "zlib init failed";
		return 0;
	}
	zs.next_in = (Bytef *)in;
	size_t left = in_len;
	int rc = Z_OK;
	uint32_t crc = 0;
	size_t start = o->len;
	while (rc != Z_STREAM_END) {
		if (!fg_outbuf_grow(o, ctx, 64 * 1024)) {
			*err = "output limit reached";
			break;
		}
		size_t room = o->reserved - o->len;
		uInt chunk_in = left > (1u << 30) ? (1u << 30) : (uInt)left;
		uInt chunk_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
		zs.avail_in = chunk_in;
		zs.next_out = o->data + o->len;
		zs.avail_out = chunk_out;
		rc = inflate(&zs, Z_NO_FLUSH);
		left -= chunk_in - zs.avail_in;
		o->len += chunk_out - zs.avail_out;
		if (rc == Z_STREAM_END)
			break;
		if (rc == Z_BUF_ERROR && left == 0) {
			*err = "stream is truncated";
			break;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			*err = zs.msg ? zs.msg : "corrupt deflate data";
			break;
		}
	}
	inflateEnd(&zs);
	if (rc != Z_STREAM_END)
		return 0;
	crc = fg_crc32(crc, o->data + start, o->len - start);
	size_t used = in_len - left;
	if (in_len - used < 8) {
		*err = "gzip trailer missing";
		return 0;
	}
	const uint8_t *tr = in + used;
	uint32_t want_crc = fg_load_u32le(tr);
	uint32_t want_size = fg_load_u32le(tr + 4);
	if (want_crc != crc || want_size != (uint32_t)(o->len - start)) {
		*err = "CRC or size mismatch";
		return 0;
	}
	return used + 8;
}

/*
 * The first member in one call with libdeflate, several times faster than
 * zlib's streaming inflate, but it needs the output buffer up front. A
 * gzip file ends with its last member's size mod 2^32 (ISIZE), for the
 * usual single-member file the exact size. That guess only sizes the
 * buffer, within the cap the zlib path has: the member's own trailer is
 * checked as inflate_member checks it. Only for a chunk at the start of
 * its file: one carved out of a blob ends wherever the blob does, and
 * its last bytes would reserve memory for nothing. A guess too small,
 * corruption: 0, and O is released for the zlib path. Otherwise the
 * bytes consumed, trailer included.
 */
static size_t first_member_whole(fg_unpack_ctx *ctx, const fg_node *root, const uint8_t *data,
				 size_t len, size_t pos, fg_outbuf *o)
{
	const uint8_t *in = data + pos;
	size_t in_len = len - pos;
	uint32_t guess = in_len >= 8 ? fg_load_u32le(data + len - 4) : 0;
	if (root->src_offset != 0 || guess == 0 || o->len != 0 || guess > o->cap ||
	    guess / GZ_MAX_RATIO > in_len)
		return 0;
	struct libdeflate_decompressor *d = NULL;
	size_t used = 0, got = 0;
	bool ok = fg_outbuf_grow(o, ctx, guess) && o->reserved >= guess &&
		  (d = libdeflate_alloc_decompressor()) != NULL &&
		  libdeflate_deflate_decompress_ex(d, in, in_len, o->data, o->reserved, &used,
						   &got) == LIBDEFLATE_SUCCESS &&
		  in_len - used >= 8 &&
		  fg_load_u32le(in + used) == fg_crc32(0, o->data, got) &&
		  fg_load_u32le(in + used + 4) == (uint32_t)got;
	libdeflate_free_decompressor(d);
	if (!ok) {
		/* also hands back a reservation a wrong guess made */
		fg_outbuf_discard(o, ctx);
		fg_outbuf_init(o, ctx, len);
		return 0;
	}
	o->len = got;
	return used + 8;
}

static int gzip_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	const char *name = NULL;
	size_t name_len = 0;
	size_t pos = gzip_header(data, len, &name, &name_len);
	if (!pos) {
		fg_unpack_fail(ctx, "bad gzip header");
		return -1;
	}
	char hint[1025] = "";
	if (name)
		snprintf(hint, sizeof(hint), "%.*s", (int)name_len, name);

	fg_outbuf o;
	fg_outbuf_init(&o, ctx, len);
	const char *err = NULL;
	size_t members = 0;
	for (;;) {
		size_t used = members ? 0 : first_member_whole(ctx, root, data, len, pos, &o);
		if (!used)
			used = inflate_member(ctx, data + pos, len - pos, &o, &err);
		if (!used)
			break;
		pos += used;
		members++;
		const char *n2;
		size_t l2;
		size_t h = pos < len ? gzip_header(data + pos, len - pos, &n2, &l2) : 0;
		if (!h)
			break; /* trailing bytes are not ours: the chunk ends here */
		pos += h;
	}
	root->src_length = pos;
	static const fg_suffix suffixes[] = {
		{ ".tgz", ".tar" }, { ".gz", "" }, { ".gzip", "" }, { ".z", "" }, { NULL, NULL },
	};
	char nbuf[1100];
	const char *out_name = fg_stream_name(ctx, name ? hint : NULL, suffixes, nbuf, sizeof(nbuf));
	if (members == 0 && o.len == 0) {
		fg_outbuf_discard(&o, ctx);
		fg_unpack_fail(ctx, "%s", err ? err : "no data");
		return -1;
	}
	fg_node *n = fg_stream_emit(ctx, root, out_name, &o);
	if (err && n)
		fg_unpack_truncated(ctx, n, "%s", err);
	return n ? 0 : -1;
}

static const fg_magic gzip_magics[] = {
	{ "\x1f\x8b\x08", 3, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_gzip = {
	.name = "gzip",
	.kind = FG_FMT_COMPRESSION,
	.magics = gzip_magics,
	.probe = gzip_probe,
	.unpack = gzip_unpack,
};
