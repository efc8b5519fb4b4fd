/*
 * kernel_payload.c - the compressed kernel inside a self-decompressing
 * image (see kernel.h).
 *
 * A zImage or bzImage is a small decompressor followed by the compressed
 * kernel in whatever format the build chose: gzip, xz (with a BCJ filter),
 * lzma "alone", lzo (the lzop file format), lz4 (the legacy format), zstd
 * or bzip2. Every method is driven through one step function so a trial
 * (a bounded prefix into scratch memory, budget-free) and a full decode
 * (into a budget-charged fg_outbuf) share the same code.
 *
 * The decompressor's own code holds some of these magics as constants
 * (unlzo.c keeps the whole lzop magic), so candidates are tried in order of
 * offset and a stream only counts when it decodes to a kernel-sized output
 * or to one holding the version banner.
 */
#define ZSTD_STATIC_LINKING_ONLY
#include <bzlib.h>
#include <lz4.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "core/crc32.h"
#include "core/cursor.h"
#include "unpack/kernel.h"
#include "unpack/stream.h"

#define KZ_TRIAL_IN (256u * 1024)      /* input a trial may read */
#define KZ_TRIAL_OUT (256u * 1024)     /* output a trial may produce */
#define KZ_SCRATCH (64u * 1024)
#define KZ_STEP_OUT (1u << 20)          /* output room asked for per step */
#define KZ_MIN_KERNEL (64u * 1024)      /* smaller outputs are not a kernel... */
#define KZ_MAX_CANDIDATES 256           /* magic hits considered */
#define KZ_MAX_FULL 4                   /* full decodes attempted */
#define KZ_XZ_MEMLIMIT (256u << 20)
#define KZ_ZSTD_WINDOW_LOG 27
#define KZ_LZ4_BLOCK (8u << 20)         /* every legacy block but the last */
#define KZ_LZO_MAX_BLOCK (64u << 20)
#define KZ_LZMA_HDR 13

static const struct {
	const char *magic;
	unsigned len;
	const char *name;
} kz_info[FG_KZ_COUNT] = {
	[FG_KZ_GZIP] = { "\x1f\x8b\x08", 3, "gzip" },
	[FG_KZ_XZ] = { "\xfd" "7zXZ\x00", 6, "xz" },
	[FG_KZ_LZMA] = { "\x5d\x00\x00", 3, "lzma" },
	[FG_KZ_LZO] = { "\x89LZO\x00\x0d\x0a\x1a\x0a", 9, "lzo" },
	[FG_KZ_LZ4] = { "\x02\x21\x4c\x18", 4, "lz4" },
	[FG_KZ_ZSTD] = { "\x28\xb5\x2f\xfd", 4, "zstd" },
	[FG_KZ_BZIP2] = { "BZh", 3, "bzip2" },
};

const char *fg_kz_name(fg_kz_method m)
{
	return (unsigned)m < FG_KZ_COUNT ? kz_info[m].name : "?";
}

int fg_kz_sniff(const uint8_t *p, size_t n)
{
	for (int m = 0; m < FG_KZ_COUNT; m++)
		if (n >= kz_info[m].len && memcmp(p, kz_info[m].magic, kz_info[m].len) == 0)
			return m;
	return -1;
}

/* ---- one decoder, stepped --------------------------------------------------- */

typedef enum { KZ_MORE, KZ_END, KZ_ERR } kz_status;

typedef struct kz_state {
	fg_kz_method m;
	const char *err;
	bool started;
	size_t need;            /* block formats: output room the next block needs */
	union {
		z_stream z;
		lzma_stream x;
		ZSTD_DCtx *zs;
		bz_stream bz;
	} u;
	/* lzo */
	uint32_t lzo_flags;
	size_t lzo_hdr;
	/* lz4 */
	unsigned lz4_blocks;
} kz_state;

/* ---- lzma: header shape and a dictionary no larger than the output ---- */

static bool lzma_dict_ok(uint32_t d)
{
	if (d < 4096 || d > (3u << 29))
		return false;
	uint32_t odd = d >> __builtin_ctz(d);
	return odd == 1 || odd == 3 || (d >= (4u << 20) && (d & ((1u << 20) - 1)) == 0);
}

static bool lzma_header_ok(const uint8_t *p, size_t n)
{
	if (n < KZ_LZMA_HDR + 5 || p[0] >= 9 * 5 * 5 || p[KZ_LZMA_HDR] != 0)
		return false;
	unsigned lc = p[0] % 9, lp = (p[0] / 9) % 5;
	uint64_t usize = (uint64_t)fg_load_u32le(p + 5) | (uint64_t)fg_load_u32le(p + 9) << 32;
	return lc + lp <= 4 && lzma_dict_ok(fg_load_u32le(p + 1)) &&
	       (usize == UINT64_MAX || (usize > 0 && usize <= (1ull << 36)));
}

/* A match never reaches back further than what was decoded, so a
 * dictionary capped at the output we allow decodes the same bytes: a
 * kernel built with `lzma -9` asks for 64 MiB. */
static bool lzma_start(kz_state *s, const uint8_t *hdr, uint64_t out_cap)
{
	uint8_t h[KZ_LZMA_HDR];
	memcpy(h, hdr, sizeof(h));
	uint64_t dict = fg_load_u32le(h + 1);
	uint64_t usize = (uint64_t)fg_load_u32le(h + 5) | (uint64_t)fg_load_u32le(h + 9) << 32;
	if (usize != UINT64_MAX && usize < dict)
		dict = usize;
	if (out_cap < dict)
		dict = out_cap;
	if (dict < 4096)
		dict = 4096;
	for (int i = 0; i < 4; i++)
		h[1 + i] = (uint8_t)(dict >> (8 * i));
	if (lzma_alone_decoder(&s->u.x, UINT64_MAX) != LZMA_OK)
		return false;
	uint8_t sink[1];
	s->u.x.next_in = h;
	s->u.x.avail_in = sizeof(h);
	s->u.x.next_out = sink;
	s->u.x.avail_out = sizeof(sink);
	return lzma_code(&s->u.x, LZMA_RUN) == LZMA_OK && s->u.x.avail_in == 0;
}

/* ---- lzo: the lzop file format ----------------------------------------- */

#define LZO_F_ADLER32_D 0x001u
#define LZO_F_ADLER32_C 0x002u
#define LZO_F_H_EXTRA_FIELD 0x040u
#define LZO_F_CRC32_D 0x100u
#define LZO_F_CRC32_C 0x200u
#define LZO_F_H_FILTER 0x800u
#define LZO_F_H_CRC32 0x1000u

static pthread_once_t lzo_once = PTHREAD_ONCE_INIT;
static bool lzo_ready;

static void lzo_setup(void)
{
	lzo_ready = lzo_init() == LZO_E_OK;
}

/* Length of a valid lzop header at P (its checksum verified), or 0. */
static size_t lzo_header(const uint8_t *p, size_t n, uint32_t *flags)
{
	fg_cursor c = fg_cur_make(p, n);
	const uint8_t *m = fg_cur_take(&c, 9);
	if (!m || memcmp(m, kz_info[FG_KZ_LZO].magic, 9) != 0)
		return 0;
	uint16_t version = fg_cur_u16be(&c);
	uint16_t lib = fg_cur_u16be(&c);
	if (version >= 0x0940)
		fg_cur_u16be(&c);
	uint8_t method = fg_cur_u8(&c);
	if (version >= 0x0940)
		fg_cur_u8(&c);
	*flags = fg_cur_u32be(&c);
	if (*flags & LZO_F_H_FILTER)
		fg_cur_u32be(&c);
	fg_cur_skip(&c, 8); /* mode, mtime */
	if (version >= 0x0940)
		fg_cur_u32be(&c);
	fg_cur_skip(&c, fg_cur_u8(&c)); /* name */
	size_t covered = c.pos;
	uint32_t want = fg_cur_u32be(&c);
	if (!fg_cur_ok(&c) || version < 0x0900 || lib < 0x0900 || method < 1 || method > 3)
		return 0;
	uInt k = (uInt)(covered - 9);
	uint32_t got = *flags & LZO_F_H_CRC32 ? (uint32_t)fg_crc32(0, p + 9, k) : (uint32_t)adler32(1, p + 9, k);
	if (got != want)
		return 0;
	if (*flags & LZO_F_H_EXTRA_FIELD) {
		uint32_t x = fg_cur_u32be(&c);
		if (x > (1u << 20))
			return 0;
		fg_cur_skip(&c, x + 4);
	}
	return fg_cur_ok(&c) ? c.pos : 0;
}

/* One lzop block at IN; IN_LEN bytes remain. */
static kz_status lzo_step(kz_state *s, const uint8_t *in, size_t in_len, size_t *used,
			  uint8_t *out, size_t out_len, size_t *made)
{
	if (!s->started) {
		pthread_once(&lzo_once, lzo_setup);
		size_t h = lzo_ready ? lzo_header(in, in_len, &s->lzo_flags) : 0;
		if (!h) {
			s->err = "bad lzop header";
			return KZ_ERR;
		}
		s->started = true;
		*used = h;
		return KZ_MORE;
	}
	fg_cursor c = fg_cur_make(in, in_len);
	uint32_t dst_len = fg_cur_u32be(&c);
	if (fg_cur_ok(&c) && dst_len == 0) {
		*used = 4;
		return KZ_END;
	}
	uint32_t src_len = fg_cur_u32be(&c);
	if (s->lzo_flags & LZO_F_ADLER32_D)
		fg_cur_skip(&c, 4);
	if (s->lzo_flags & LZO_F_CRC32_D)
		fg_cur_skip(&c, 4);
	if (src_len < dst_len && (s->lzo_flags & LZO_F_ADLER32_C))
		fg_cur_skip(&c, 4);
	if (src_len < dst_len && (s->lzo_flags & LZO_F_CRC32_C))
		fg_cur_skip(&c, 4);
	if (!fg_cur_ok(&c)) {
		s->err = "stream is truncated";
		return KZ_ERR;
	}
	if (dst_len > KZ_LZO_MAX_BLOCK || src_len == 0 || src_len > dst_len) {
		s->err = "bad lzo block header";
		return KZ_ERR;
	}
	const uint8_t *src = fg_cur_take(&c, src_len);
	if (!src) {
		s->err = "stream is truncated";
		return KZ_ERR;
	}
	if (out_len < dst_len) {
		s->need = dst_len;
		return KZ_MORE;
	}
	s->need = 0;
	if (src_len == dst_len) {
		memcpy(out, src, dst_len);
	} else {
		lzo_uint n = dst_len;
		if (lzo1x_decompress_safe(src, src_len, out, &n, NULL) != LZO_E_OK || n != dst_len) {
			s->err = "corrupt lzo block";
			return KZ_ERR;
		}
	}
	*used = c.pos;
	*made = dst_len;
	return KZ_MORE;
}

/* ---- lz4: the legacy format --------------------------------------------- */

/* Blocks of at most 8 MiB output, each after its 32-bit size; the stream
 * has no end mark: a short block ends it, and so does anything after a
 * full block that is not a block (the kernel build appends the
 * uncompressed size there). */
static kz_status lz4_step(kz_state *s, const uint8_t *in, size_t in_len, size_t *used,
			  uint8_t *out, size_t out_len, size_t *made)
{
	if (!s->started) {
		if (in_len < 4 || memcmp(in, kz_info[FG_KZ_LZ4].magic, 4) != 0) {
			s->err = "bad lz4 magic";
			return KZ_ERR;
		}
		s->started = true;
		*used = 4;
		return KZ_MORE;
	}
	if (in_len >= 4 && memcmp(in, kz_info[FG_KZ_LZ4].magic, 4) == 0) {
		*used = 4; /* concatenated streams */
		return KZ_MORE;
	}
	uint32_t n = in_len >= 4 ? fg_load_u32le(in) : 0;
	bool sane = n > 0 && n <= (uint32_t)LZ4_COMPRESSBOUND(KZ_LZ4_BLOCK);
	if (!sane || in_len - 4 < n) {
		if (s->lz4_blocks > 0)
			return KZ_END;
		s->err = sane ? "stream is truncated" : "bad lz4 block";
		return KZ_ERR;
	}
	if (out_len < KZ_LZ4_BLOCK) {
		s->need = KZ_LZ4_BLOCK;
		return KZ_MORE;
	}
	s->need = 0;
	int r = LZ4_decompress_safe((const char *)in + 4, (char *)out, (int)n, KZ_LZ4_BLOCK);
	if (r < 0) {
		if (s->lz4_blocks > 0)
			return KZ_END; /* not a block: the stream ended before it */
		s->err = "corrupt lz4 block";
		return KZ_ERR;
	}
	s->lz4_blocks++;
	*used = 4 + n;
	*made = (size_t)r;
	return (size_t)r < KZ_LZ4_BLOCK ? KZ_END : KZ_MORE;
}

/* ---- the streaming libraries -------------------------------------------- */

static unsigned clamp_u(size_t n)
{
	return n > (1u << 30) ? (1u << 30) : (unsigned)n;
}

static kz_status zlib_step(kz_state *s, const uint8_t *in, size_t in_len, size_t *used,
			   uint8_t *out, size_t out_len, size_t *made)
{
	z_stream *z = &s->u.z;
	if (!s->started) {
		memset(z, 0, sizeof(*z));
		if (inflateInit2(z, 16 + MAX_WBITS) != Z_OK) {
			s->err = "zlib init failed";
			return KZ_ERR;
		}
		s->started = true;
	}
	z->next_in = (Bytef *)in;
	z->avail_in = clamp_u(in_len);
	z->next_out = out;
	z->avail_out = clamp_u(out_len);
	unsigned ai = z->avail_in, ao = z->avail_out;
	int rc = inflate(z, Z_NO_FLUSH);
	*used = ai - z->avail_in;
	*made = ao - z->avail_out;
	if (rc == Z_STREAM_END)
		return KZ_END;
	if (rc == Z_OK || (rc == Z_BUF_ERROR && in_len > 0))
		return KZ_MORE;
	s->err = rc == Z_BUF_ERROR ? "stream is truncated" : z->msg ? z->msg : "corrupt deflate data";
	return KZ_ERR;
}

static const char *lzma_msg(lzma_ret rc)
{
	switch (rc) {
	case LZMA_DATA_ERROR: return "corrupt data";
	case LZMA_BUF_ERROR: return "stream is truncated";
	case LZMA_MEMLIMIT_ERROR: return "decoder memory limit exceeded";
	case LZMA_FORMAT_ERROR: return "bad stream header";
	case LZMA_OPTIONS_ERROR: return "unsupported options";
	default: return "decoding failed";
	}
}

static kz_status lzma_step(kz_state *s, const uint8_t *in, size_t in_len, size_t *used,
			   uint8_t *out, size_t out_len, size_t *made, uint64_t out_cap)
{
	lzma_stream *x = &s->u.x;
	if (!s->started) {
		lzma_stream init = LZMA_STREAM_INIT;
		*x = init;
		s->started = true;
		bool ok;
		if (s->m == FG_KZ_XZ) {
			ok = lzma_stream_decoder(x, KZ_XZ_MEMLIMIT, 0) == LZMA_OK;
		} else {
			ok = lzma_header_ok(in, in_len) && lzma_start(s, in, out_cap);
			*used = ok ? KZ_LZMA_HDR : 0;
		}
		if (!ok) {
			s->err = "bad stream header";
			return KZ_ERR;
		}
		if (s->m == FG_KZ_LZMA)
			return KZ_MORE;
	}
	x->next_in = in;
	x->avail_in = in_len;
	x->next_out = out;
	x->avail_out = out_len;
	lzma_ret rc = lzma_code(x, in_len ? LZMA_RUN : LZMA_FINISH);
	*used = in_len - x->avail_in;
	*made = out_len - x->avail_out;
	if (rc == LZMA_STREAM_END)
		return KZ_END;
	if (rc == LZMA_OK)
		return KZ_MORE;
	s->err = lzma_msg(rc);
	return KZ_ERR;
}

static kz_status zstd_step(kz_state *s, const uint8_t *in, size_t in_len, size_t *used,
			   uint8_t *out, size_t out_len, size_t *made)
{
	if (!s->started) {
		s->started = true;
		s->u.zs = ZSTD_createDCtx();
		if (!s->u.zs ||
		    ZSTD_isError(ZSTD_DCtx_setParameter(s->u.zs, ZSTD_d_windowLogMax, KZ_ZSTD_WINDOW_LOG))) {
			s->err = "zstd init failed";
			return KZ_ERR;
		}
	}
	ZSTD_inBuffer ib = { in, in_len, 0 };
	ZSTD_outBuffer ob = { out, out_len, 0 };
	size_t r = ZSTD_decompressStream(s->u.zs, &ob, &ib);
	*used = ib.pos;
	*made = ob.pos;
	if (ZSTD_isError(r)) {
		s->err = ZSTD_getErrorName(r);
		return KZ_ERR;
	}
	return r == 0 ? KZ_END : KZ_MORE;
}

static kz_status bz_step(kz_state *s, const uint8_t *in, size_t in_len, size_t *used,
			 uint8_t *out, size_t out_len, size_t *made)
{
	bz_stream *b = &s->u.bz;
	if (!s->started) {
		memset(b, 0, sizeof(*b));
		if (BZ2_bzDecompressInit(b, 0, 0) != BZ_OK) {
			s->err = "bzip2 init failed";
			return KZ_ERR;
		}
		s->started = true;
	}
	b->next_in = (char *)in;
	b->avail_in = clamp_u(in_len);
	b->next_out = (char *)out;
	b->avail_out = clamp_u(out_len);
	unsigned ai = b->avail_in, ao = b->avail_out;
	int rc = BZ2_bzDecompress(b);
	*used = ai - b->avail_in;
	*made = ao - b->avail_out;
	if (rc == BZ_STREAM_END)
		return KZ_END;
	if (rc == BZ_OK)
		return KZ_MORE;
	s->err = "corrupt bzip2 data";
	return KZ_ERR;
}

static kz_status kz_step(kz_state *s, const uint8_t *in, size_t in_len, size_t *used,
			 uint8_t *out, size_t out_len, size_t *made, uint64_t out_cap)
{
	*used = 0;
	*made = 0;
	switch (s->m) {
	case FG_KZ_GZIP: return zlib_step(s, in, in_len, used, out, out_len, made);
	case FG_KZ_XZ:
	case FG_KZ_LZMA: return lzma_step(s, in, in_len, used, out, out_len, made, out_cap);
	case FG_KZ_LZO: return lzo_step(s, in, in_len, used, out, out_len, made);
	case FG_KZ_LZ4: return lz4_step(s, in, in_len, used, out, out_len, made);
	case FG_KZ_ZSTD: return zstd_step(s, in, in_len, used, out, out_len, made);
	case FG_KZ_BZIP2: return bz_step(s, in, in_len, used, out, out_len, made);
	default: s->err = "unknown method"; return KZ_ERR;
	}
}

static void kz_end(kz_state *s)
{
	if (!s->started)
		return;
	switch (s->m) {
	case FG_KZ_GZIP: inflateEnd(&s->u.z); break;
	case FG_KZ_XZ:
	case FG_KZ_LZMA: lzma_end(&s->u.x); break;
	case FG_KZ_ZSTD: ZSTD_freeDCtx(s->u.zs); break;
	case FG_KZ_BZIP2: BZ2_bzDecompressEnd(&s->u.bz); break;
	default: break;
	}
	s->started = false;
}

/* ---- trial and full decode ------------------------------------------------ */

/* Header-level checks for the block formats (their blocks are too large
 * for a cheap trial) and the lz4 first block's start. */
static bool block_trial(fg_kz_method m, const uint8_t *in, size_t len)
{
	if (m == FG_KZ_LZO) {
		uint32_t flags;
		pthread_once(&lzo_once, lzo_setup);
		size_t h = lzo_ready ? lzo_header(in, len, &flags) : 0;
		if (!h || len - h < 4)
			return false;
		uint32_t dst = fg_load_u32be(in + h);
		uint32_t src = len - h >= 8 ? fg_load_u32be(in + h + 4) : 0;
		return dst > 0 && dst <= KZ_LZO_MAX_BLOCK && src > 0 && src <= dst;
	}
	/* lz4 legacy: decode the start of the first block */
	if (len < 8 || memcmp(in, kz_info[FG_KZ_LZ4].magic, 4) != 0)
		return false;
	uint32_t n = fg_load_u32le(in + 4);
	if (n == 0 || n > (uint32_t)LZ4_COMPRESSBOUND(KZ_LZ4_BLOCK))
		return false;
	size_t avail = len - 8 < n ? len - 8 : n;
	char *scratch = malloc(KZ_SCRATCH);
	if (!scratch)
		return false;
	int r = LZ4_decompress_safe_partial((const char *)in + 8, scratch, (int)avail, KZ_SCRATCH,
					    KZ_SCRATCH);
	free(scratch);
	return r > 0;
}

bool fg_kz_trial(fg_kz_method m, const uint8_t *in, size_t len)
{
	if ((unsigned)m >= FG_KZ_COUNT || len < kz_info[m].len ||
	    memcmp(in, kz_info[m].magic, kz_info[m].len) != 0)
		return false;
	if (m == FG_KZ_LZO || m == FG_KZ_LZ4)
		return block_trial(m, in, len);
	if (m == FG_KZ_BZIP2 && (len < 4 || in[3] < '1' || in[3] > '9'))
		return false;
	uint8_t *scratch = malloc(KZ_SCRATCH);
	if (!scratch)
		return false;
	kz_state s = { .m = m };
	size_t in_max = len < KZ_TRIAL_IN ? len : KZ_TRIAL_IN, pos = 0, out = 0;
	bool ok = true;
	/* each round consumes input or produces output, both bounded */
	while (out < KZ_TRIAL_OUT) {
		size_t used, made;
		kz_status st = kz_step(&s, in + pos, in_max - pos, &used, scratch, KZ_SCRATCH, &made,
				       KZ_TRIAL_OUT);
		pos += used;
		out += made;
		if (st == KZ_ERR) {
			/* a stream cut short by the trial's input window is fine */
			ok = s.err && strcmp(s.err, "stream is truncated") == 0 && in_max < len;
			break;
		}
		if (st == KZ_END || (used == 0 && made == 0))
			break;
	}
	kz_end(&s);
	free(scratch);
	return ok && (out > 0 || m == FG_KZ_LZMA);
}

size_t fg_kz_decode(fg_unpack_ctx *ctx, fg_kz_method m, const uint8_t *in, size_t len,
		    fg_outbuf *o, bool *done, const char **err)
{
	kz_state s = { .m = m };
	size_t pos = 0, released = 0;
	bool retried = false;
	*done = false;
	*err = NULL;
	for (;;) {
		size_t want = s.need ? s.need : KZ_STEP_OUT;
		if (!fg_outbuf_grow(o, ctx, want)) {
			*err = "output limit reached";
			break;
		}
		size_t room = o->reserved - o->len;
		size_t used, made;
		kz_status st = kz_step(&s, in + pos, len - pos, &used, o->data + o->len, room, &made,
				       o->cap);
		pos += used;
		o->len += made;
		fg_stream_consumed(ctx, in, &released, pos);
		if (st == KZ_END) {
			*done = true;
			break;
		}
		if (st == KZ_ERR) {
			*err = s.err ? s.err : "decoding failed";
			break;
		}
		if (used == 0 && made == 0) {
			/* a block format asked for more room: grow once more */
			if (s.need > room && !retried) {
				retried = true;
				continue;
			}
			/* no progress: a block larger than the cap allows, or
			 * the input ran out */
			*err = s.need > room ? "output limit reached" : "stream is truncated";
			break;
		}
		retried = false;
	}
	kz_end(&s);
	return pos;
}

/* ---- finding the payload -------------------------------------------------- */

typedef struct kz_cand {
	size_t off;
	fg_kz_method m;
} kz_cand;

static int cand_cmp(const void *a, const void *b)
{
	const kz_cand *x = a, *y = b;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return (int)x->m - (int)y->m;
}

static size_t collect(const uint8_t *d, size_t len, size_t from, kz_cand *c, size_t max)
{
	size_t n = 0;
	for (int m = 0; m < FG_KZ_COUNT; m++) {
		size_t per = 0;
		for (size_t p = from; p < len && n < max && per < max / 4;) {
			const uint8_t *hit = memmem(d + p, len - p, kz_info[m].magic, kz_info[m].len);
			if (!hit)
				break;
			size_t off = (size_t)(hit - d);
			c[n++] = (kz_cand){ off, (fg_kz_method)m };
			per++;
			p = off + 1;
		}
	}
	qsort(c, n, sizeof(*c), cand_cmp);
	return n;
}

static bool has_banner(const uint8_t *d, size_t len)
{
	fg_kbanner b;
	return fg_kernel_banner(d, len, &b);
}

bool fg_kz_find(fg_unpack_ctx *ctx, const uint8_t *d, size_t len, size_t from, fg_outbuf *o,
		fg_kz_found *f)
{
	kz_cand *c = malloc(KZ_MAX_CANDIDATES * sizeof(*c));
	if (!c)
		return false;
	size_t n = collect(d, len, from, c, KZ_MAX_CANDIDATES);
	unsigned full = 0;
	bool found = false;
	for (size_t i = 0; i < n && full < KZ_MAX_FULL && !found; i++) {
		const uint8_t *p = d + c[i].off;
		size_t left = len - c[i].off;
		if (!fg_kz_trial(c[i].m, p, left))
			continue;
		full++;
		bool done;
		const char *err;
		size_t used = fg_kz_decode(ctx, c[i].m, p, left, o, &done, &err);
		if (o->len >= KZ_MIN_KERNEL || has_banner(o->data, o->len)) {
			*f = (fg_kz_found){ c[i].m, c[i].off, used, done, err };
			found = true;
		} else {
			fg_outbuf_discard(o, ctx);
			fg_outbuf_init(o, ctx, len);
		}
	}
	free(c);
	return found;
}
