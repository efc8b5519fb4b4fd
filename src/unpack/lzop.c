/*
 * lzop.c - lzop files: a header (version, method, flags, mode, mtime,
 * name) guarded by a checksum, then blocks of (uncompressed size,
 * compressed size, checksums the flags ask for, data), ended by a zero
 * size. The LZO1X methods all decode with lzo1x_decompress_safe.
 *
 * Every block states its size, so the probe walks them and knows the
 * member's exact length. One member is one chunk; a second member after
 * it is found by the carver as its own chunk.
 */
#include <lzo/lzo1x.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "core/crc32.h"
#include "core/cursor.h"
#include "unpack/stream.h"

static const uint8_t lzop_magic[9] = { 0x89, 'L', 'Z', 'O', 0x00, 0x0d, 0x0a, 0x1a, 0x0a };

/* methods */
#define M_LZO1X_1 1
#define M_LZO1X_1_15 2
#define M_LZO1X_999 3

/* flags */
#define F_ADLER32_D 0x00000001u
#define F_ADLER32_C 0x00000002u
#define F_H_EXTRA_FIELD 0x00000040u
#define F_CRC32_D 0x00000100u
#define F_CRC32_C 0x00000200u
#define F_H_FILTER 0x00000800u
#define F_H_CRC32 0x00001000u
#define F_MASK 0x00003fffu
#define F_OS_MASK 0xff000000u
#define F_CS_MASK 0x00f00000u
#define F_RESERVED (~(F_MASK | F_OS_MASK | F_CS_MASK))

#define LZOP_MAX_BLOCK (64u << 20)	/* lzop's own limit */
#define LZOP_MAX_EXTRA (1u << 20)

typedef struct lzop_hdr {
	size_t len;		/* header bytes, extra field included */
	uint16_t version;
	uint8_t method;
	uint32_t flags;
	uint32_t mode;
	int64_t mtime;
	const char *name;
	size_t name_len;
} lzop_hdr;

static uint32_t checksum(bool crc, uint32_t init, const uint8_t *p, size_t n)
{
	/* zlib's adler32 takes uInt lengths; callers pass at most 64 MiB */
	return crc ? fg_crc32(init, p, n) : (uint32_t)adler32(init, p, (uInt)n);
}

#define CSUM_INIT(crc) ((crc) ? 0u : 1u)

/* Parses and verifies the header; false when it is not an lzop header we
 * can decode. */
static bool parse_header(const uint8_t *data, size_t len, lzop_hdr *h)
{
	fg_cursor c = fg_cur_make(data, len);
	const uint8_t *m = fg_cur_take(&c, sizeof(lzop_magic));
	if (!m || memcmp(m, lzop_magic, sizeof(lzop_magic)) != 0)
		return false;
	memset(h, 0, sizeof(*h));
	h->version = fg_cur_u16be(&c);
	uint16_t lib_version = fg_cur_u16be(&c);
	if (h->version >= 0x0940)
		fg_cur_u16be(&c); /* version needed to extract */
	h->method = fg_cur_u8(&c);
	if (h->version >= 0x0940)
		fg_cur_u8(&c); /* level */
	h->flags = fg_cur_u32be(&c);
	if (h->flags & F_H_FILTER)
		fg_cur_u32be(&c);
	h->mode = fg_cur_u32be(&c);
	uint64_t mtime = fg_cur_u32be(&c);
	if (h->version >= 0x0940)
		mtime |= (uint64_t)fg_cur_u32be(&c) << 32;
	h->mtime = (int64_t)mtime;
	h->name_len = fg_cur_u8(&c);
	h->name = (const char *)fg_cur_take(&c, h->name_len);
	size_t covered = c.pos;
	uint32_t want = fg_cur_u32be(&c);
	if (!fg_cur_ok(&c) || h->version < 0x0900 || lib_version < 0x0900 || (h->flags & F_RESERVED))
		return false;
	if (h->method != M_LZO1X_1 && h->method != M_LZO1X_1_15 && h->method != M_LZO1X_999)
		return false;
	bool crc = h->flags & F_H_CRC32;
	const uint8_t *body = data + sizeof(lzop_magic);
	if (checksum(crc, CSUM_INIT(crc), body, covered - sizeof(lzop_magic)) != want)
		return false;
	if (h->flags & F_H_EXTRA_FIELD) {
		uint32_t n = fg_cur_u32be(&c);
		if (n > LZOP_MAX_EXTRA)
			return false;
		fg_cur_skip(&c, n);
		fg_cur_u32be(&c); /* its checksum */
		if (!fg_cur_ok(&c))
			return false;
	}
	h->len = c.pos;
	return true;
}

/* One block's header at C: false at the end mark or when broken. */
typedef struct lzop_block {
	uint32_t dst_len, src_len;
	uint32_t d_adler, d_crc, c_adler, c_crc;
} lzop_block;

typedef enum { BLK_OK, BLK_END, BLK_CUT, BLK_BAD } blk_state;

static blk_state read_block(fg_cursor *c, uint32_t flags, lzop_block *b)
{
	memset(b, 0, sizeof(*b));
	b->dst_len = fg_cur_u32be(c);
	if (!fg_cur_ok(c))
		return BLK_CUT;
	if (b->dst_len == 0)
		return BLK_END;
	b->src_len = fg_cur_u32be(c);
	if (flags & F_ADLER32_D)
		b->d_adler = fg_cur_u32be(c);
	if (flags & F_CRC32_D)
		b->d_crc = fg_cur_u32be(c);
	if (b->src_len < b->dst_len) {
		if (flags & F_ADLER32_C)
			b->c_adler = fg_cur_u32be(c);
		if (flags & F_CRC32_C)
			b->c_crc = fg_cur_u32be(c);
	}
	if (!fg_cur_ok(c))
		return BLK_CUT;
	if (b->dst_len > LZOP_MAX_BLOCK || b->src_len == 0 || b->src_len > b->dst_len)
		return BLK_BAD;
	return fg_cur_left(c) < b->src_len ? BLK_CUT : BLK_OK;
}

static int lzop_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	lzop_hdr h;
	if (!parse_header(data, len, &h))
		return 0;
	fg_cursor c = fg_cur_make(data, len);
	fg_cur_seek(&c, h.len);
	/* every block takes at least 9 bytes: bounded by LEN */
	for (;;) {
		lzop_block b;
		blk_state s = read_block(&c, h.flags, &b);
		if (s == BLK_END) {
			*chunk_len = c.pos;
			return 90;
		}
		if (s == BLK_CUT)
			return 60;
		if (s == BLK_BAD)
			return 40;
		fg_cur_skip(&c, b.src_len);
	}
}

static pthread_once_t lzo_once = PTHREAD_ONCE_INIT;
static bool lzo_ready;

static void lzo_setup(void)
{
	lzo_ready = lzo_init() == LZO_E_OK;
}

/* Checks a block's checksums over P..P+N; NULL or what failed. */
static const char *check_block(uint32_t flags, const lzop_block *b, bool compressed,
			       const uint8_t *p, size_t n)
{
	uint32_t fa = compressed ? F_ADLER32_C : F_ADLER32_D;
	uint32_t fc = compressed ? F_CRC32_C : F_CRC32_D;
	uint32_t wa = compressed ? b->c_adler : b->d_adler;
	uint32_t wc = compressed ? b->c_crc : b->d_crc;
	if ((flags & fa) && checksum(false, 1, p, n) != wa)
		return "Adler-32 mismatch";
	if ((flags & fc) && checksum(true, 0, p, n) != wc)
		return "CRC-32 mismatch";
	return NULL;
}

/* Decodes the blocks after the header into O; returns the bytes used. */
static size_t decode_blocks(fg_unpack_ctx *ctx, const uint8_t *data, size_t len,
			    const lzop_hdr *h, fg_outbuf *o, const char **err)
{
	fg_cursor c = fg_cur_make(data, len);
	fg_cur_seek(&c, h->len);
	/* every block takes at least 9 bytes: bounded by LEN */
	for (;;) {
		size_t start = c.pos;
		lzop_block b;
		blk_state s = read_block(&c, h->flags, &b);
		if (s == BLK_END)
			return c.pos;
		if (s == BLK_BAD) {
			*err = "bad block header";
			return start;
		}
		/* a block whose header is whole but whose data is cut short
		 * still gives what its start decodes to */
		bool cut = s == BLK_CUT;
		if (cut && !fg_cur_ok(&c)) {
			*err = "stream is truncated";
			return len;
		}
		size_t avail = cut ? fg_cur_left(&c) : b.src_len;
		const uint8_t *src = fg_cur_take(&c, avail);
		bool compressed = b.src_len < b.dst_len;
		if (compressed && !cut && (*err = check_block(h->flags, &b, true, src, avail)))
			return start;
		if (!fg_outbuf_grow(o, ctx, b.dst_len)) {
			*err = "output limit reached";
			return start;
		}
		size_t room = o->reserved - o->len;
		uint8_t *dst = o->data + o->len;
		bool capped = room < b.dst_len;
		size_t want = capped ? room : b.dst_len;
		if (!compressed) {
			size_t n = avail < want ? avail : want;
			memcpy(dst, src, n);
			o->len += n;
		} else {
			lzo_uint out = want;
			int rc = lzo1x_decompress_safe(src, avail, dst, &out, NULL);
			o->len += out;
			if (!cut && !(rc == LZO_E_OUTPUT_OVERRUN && capped) &&
			    (rc != LZO_E_OK || out != b.dst_len)) {
				*err = "corrupt lzo block";
				return start;
			}
		}
		if (cut) {
			*err = "stream is truncated";
			return len;
		}
		if (capped) {
			*err = "output limit reached";
			return c.pos;
		}
		if ((*err = check_block(h->flags, &b, false, dst, b.dst_len)))
			return c.pos;
	}
}

static int lzop_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	lzop_hdr h;
	if (!parse_header(data, len, &h)) {
		fg_unpack_fail(ctx, "bad lzop header");
		return -1;
	}
	pthread_once(&lzo_once, lzo_setup);
	if (!lzo_ready) {
		fg_unpack_fail(ctx, "lzo init failed");
		return -1;
	}
	root->format_info = "lzo1x";
	fg_outbuf o;
	fg_outbuf_init(&o, ctx, len);
	const char *err = NULL;
	root->src_length = decode_blocks(ctx, data, len, &h, &o, &err);
	if (o.len == 0 && err) {
		fg_outbuf_discard(&o, ctx);
		fg_unpack_fail(ctx, "%s", err);
		return -1;
	}
	char hint[256] = "";
	if (h.name_len)
		snprintf(hint, sizeof(hint), "%.*s", (int)h.name_len, h.name);
	static const fg_suffix suffixes[] = {
		{ ".tzo", ".tar" }, { ".lzo", "" }, { ".lzop", "" }, { NULL, NULL },
	};
	char nbuf[1100];
	const char *out_name = fg_stream_name(ctx, h.name_len ? hint : NULL, suffixes, nbuf, sizeof(nbuf));
	fg_node *n = fg_stream_emit(ctx, root, out_name, &o);
	if (n) {
		if (h.mode & 07777)
			n->mode = h.mode & 07777;
		n->mtime = h.mtime;
	}
	if (err && n)
		fg_unpack_truncated(ctx, n, "%s", err);
	return n ? 0 : -1;
}

static const fg_magic lzop_magics[] = {
	{ "\x89LZO\x00\x0d\x0a\x1a\x0a", 9, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_lzop = {
	.name = "lzop",
	.kind = FG_FMT_COMPRESSION,
	.magics = lzop_magics,
	.probe = lzop_probe,
	.unpack = lzop_unpack,
};
