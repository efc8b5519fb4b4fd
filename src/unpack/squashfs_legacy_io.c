/*
 * squashfs_legacy_io.c - the byte-level half of the squashfs_legacy
 * handler: bitfields in either byte order, block decompression (with the
 * vendor LZMA flavours of v2/v3 found by trying), metadata blocks, the
 * fragment table and file content.
 *
 * Metadata blocks are decoded on demand and cached by position; the
 * cache is charged to the budget and dropped whole when it grows past
 * SQL_CACHE_MAX, so a hostile image costs time, not memory.
 */
#include <lz4.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "core/cursor.h"
#include "unpack/squashfs_legacy.h"

#define SQL_CACHE_MAX (64u << 20)   /* decoded metadata kept at once */
#define SQL_XZ_MEMLIMIT (64u << 20)
#define SQL_BLK_UNCOMPRESSED (1u << 24)
#define SQL_META_UNCOMPRESSED 0x8000u

/* ---- bitfields ------------------------------------------------------- */

uint64_t sql_bits(const uint8_t *p, unsigned pos, unsigned n, bool be)
{
	uint64_t v = 0;
	if (pos % 8 == 0 && n % 8 == 0) {
		for (unsigned i = 0; i < n / 8; i++)
			v = be ? (v << 8) | p[pos / 8 + i] : v | (uint64_t)p[pos / 8 + i] << (8 * i);
		return v;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned b = pos + i;
		if (be)
			v = (v << 1) | ((p[b / 8] >> (7 - b % 8)) & 1u);
		else
			v |= (uint64_t)((p[b / 8] >> (b % 8)) & 1u) << i;
	}
	return v;
}

static uint32_t ld32(const sql_image *im, const uint8_t *p)
{
	return im->sb.be ? fg_load_u32be(p) : fg_load_u32le(p);
}

static uint64_t ld64(const sql_image *im, const uint8_t *p)
{
	uint64_t a = ld32(im, p), b = ld32(im, p + 4);
	return im->sb.be ? (a << 32) | b : (b << 32) | a;
}

/* ---- decompressors ---------------------------------------------------- */

static long do_zlib(sql_image *im, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap)
{
	z_stream *zs = im->zs;
	if (!zs) {
		zs = calloc(1, sizeof(*zs));
		if (!zs || inflateInit(zs) != Z_OK) {
			free(zs);
			return -1;
		}
		im->zs = zs;
	} else if (inflateReset(zs) != Z_OK) {
		return -1;
	}
	zs->next_in = (Bytef *)in;
	zs->avail_in = (uInt)in_len;
	zs->next_out = out;
	zs->avail_out = (uInt)cap;
	int rc = inflate(zs, Z_FINISH);
	return rc == Z_STREAM_END ? (long)(cap - zs->avail_out) : -1;
}

static lzma_stream *lz_stream(sql_image *im)
{
	if (!im->lz) {
		lzma_stream init = LZMA_STREAM_INIT;
		lzma_stream *s = malloc(sizeof(*s));
		if (!s)
			return NULL;
		*s = init;
		im->lz = s;
	}
	return im->lz;
}

/* Runs S over IN into OUT; the bytes produced, or -1. A raw LZMA1
 * stream may end without a marker, so running out of input after some
 * output is an ending too. */
static long lz_run(lzma_stream *s, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
		   bool need_end)
{
	s->next_in = in;
	s->avail_in = in_len;
	s->next_out = out;
	s->avail_out = cap;
	lzma_ret rc = lzma_code(s, LZMA_FINISH);
	size_t got = cap - s->avail_out;
	if (rc == LZMA_STREAM_END)
		return (long)got;
	if (need_end || (rc != LZMA_OK && rc != LZMA_BUF_ERROR) || !got)
		return -1;
	return (long)got;
}

/* Plausible LZMA dictionary sizes: 2^n or 3 * 2^n, 4 KiB .. 1 GiB. */
static bool dict_plausible(uint32_t d)
{
	if (d < 4096 || d > (1u << 30))
		return false;
	while (!(d & 1))
		d >>= 1;
	return d == 1 || d == 3;
}

/* LZMA1 without a container; PROPS is the lc/lp/pb byte. The dictionary
 * never needs to exceed a block, so a header's claim is not used. */
static long do_lzma_raw(sql_image *im, uint8_t props, const uint8_t *in, size_t in_len,
			uint8_t *out, size_t cap)
{
	lzma_options_lzma opt;
	memset(&opt, 0, sizeof(opt));
	if (props >= 9 * 5 * 5 || in_len == 0 || in[0] != 0)
		return -1;
	opt.lc = props % 9;
	opt.lp = (props / 9) % 5;
	opt.pb = props / 45;
	if (opt.lc + opt.lp > LZMA_LCLP_MAX)
		return -1;
	/* one size for every block, so liblzma keeps reusing its buffer */
	size_t dict = cap > im->sb.block_size ? cap : im->sb.block_size;
	opt.dict_size = dict < LZMA_DICT_SIZE_MIN ? LZMA_DICT_SIZE_MIN : (uint32_t)dict;
	lzma_filter filters[2] = {
		{ LZMA_FILTER_LZMA1, &opt },
		{ LZMA_VLI_UNKNOWN, NULL },
	};
	lzma_stream *s = lz_stream(im);
	if (!s || lzma_raw_decoder(s, filters) != LZMA_OK)
		return -1;
	return lz_run(s, in, in_len, out, cap, false);
}

static long do_lzma_alone(sql_image *im, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap)
{
	if (in_len < 14 || !dict_plausible(fg_load_u32le(in + 1)))
		return -1;
	uint64_t size = fg_load_u32le(in + 5) | ((uint64_t)fg_load_u32le(in + 9) << 32);
	bool known = size != UINT64_MAX;
	if (known && size > cap)
		return -1;
	long got = do_lzma_raw(im, in[0], in + 13, in_len - 13, out, known ? (size_t)size : cap);
	return known && got != (long)size ? -1 : got;
}

static long do_lzma_props(sql_image *im, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap)
{
	if (in_len < 6 || !dict_plausible(fg_load_u32le(in + 1)))
		return -1;
	return do_lzma_raw(im, in[0], in + 5, in_len - 5, out, cap);
}

static long do_xz(sql_image *im, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap)
{
	lzma_stream *s = lz_stream(im);
	if (!s || lzma_stream_decoder(s, SQL_XZ_MEMLIMIT, 0) != LZMA_OK)
		return -1;
	return lz_run(s, in, in_len, out, cap, true);
}

static pthread_once_t lzo_once = PTHREAD_ONCE_INIT;
static bool lzo_ready;

static void lzo_setup(void)
{
	lzo_ready = lzo_init() == LZO_E_OK;
}

static long do_lzo(const uint8_t *in, size_t in_len, uint8_t *out, size_t cap)
{
	pthread_once(&lzo_once, lzo_setup);
	lzo_uint n = cap;
	if (!lzo_ready || lzo1x_decompress_safe(in, in_len, out, &n, NULL) != LZO_E_OK)
		return -1;
	return (long)n;
}

static long do_lz4(const uint8_t *in, size_t in_len, uint8_t *out, size_t cap)
{
	if (in_len > INT32_MAX || cap > INT32_MAX)
		return -1;
	int n = LZ4_decompress_safe((const char *)in, (char *)out, (int)in_len, (int)cap);
	return n < 0 ? -1 : n;
}

static long do_zstd(sql_image *im, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap)
{
	if (!im->zstd && !(im->zstd = ZSTD_createDCtx()))
		return -1;
	size_t n = ZSTD_decompressDCtx(im->zstd, out, cap, in, in_len);
	return ZSTD_isError(n) ? -1 : (long)n;
}

static long run_method(sql_image *im, sql_method m, const uint8_t *in, size_t in_len,
		       uint8_t *out, size_t cap)
{
	switch (m) {
	case SQL_M_ZLIB: return do_zlib(im, in, in_len, out, cap);
	case SQL_M_LZMA_ALONE: return do_lzma_alone(im, in, in_len, out, cap);
	case SQL_M_LZMA_PROPS: return do_lzma_props(im, in, in_len, out, cap);
	case SQL_M_LZMA_RAW: return do_lzma_raw(im, 0x5d, in, in_len, out, cap);
	case SQL_M_LZO: return do_lzo(in, in_len, out, cap);
	case SQL_M_XZ: return do_xz(im, in, in_len, out, cap);
	case SQL_M_LZ4: return do_lz4(in, in_len, out, cap);
	case SQL_M_ZSTD: return do_zstd(im, in, in_len, out, cap);
	case SQL_M_UNKNOWN: break;
	}
	return -1;
}

/* What v2/v3 images may hold, most self-checking first: zlib has a
 * checksum, the LZMA headers must look right before their data is tried. */
static const sql_method legacy_methods[] = {
	SQL_M_ZLIB, SQL_M_LZMA_ALONE, SQL_M_LZMA_PROPS, SQL_M_LZMA_RAW,
};

/*
 * v2/v3: the first method that decodes a block is kept. Some LZMA
 * patches (sqlzma) keep whichever of zlib and LZMA came out smaller per
 * block, so a block the kept method refuses gets the others too.
 */
long sql_decompress(sql_image *im, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap)
{
	if (im->method != SQL_M_UNKNOWN) {
		long got = run_method(im, im->method, in, in_len, out, cap);
		if (got >= 0 || im->sb.major == 4)
			return got;
	}
	for (size_t i = 0; i < sizeof(legacy_methods) / sizeof(legacy_methods[0]); i++) {
		if (legacy_methods[i] == im->method)
			continue;
		long got = run_method(im, legacy_methods[i], in, in_len, out, cap);
		if (got > 0) {
			if (im->method == SQL_M_UNKNOWN)
				im->method = legacy_methods[i];
			return got;
		}
	}
	return -1;
}

const char *sql_method_name(sql_method m)
{
	switch (m) {
	case SQL_M_ZLIB: return "gzip";
	case SQL_M_LZMA_ALONE: return "lzma";
	case SQL_M_LZMA_PROPS: return "lzma-nosize";
	case SQL_M_LZMA_RAW: return "lzma-raw";
	case SQL_M_LZO: return "lzo";
	case SQL_M_XZ: return "xz";
	case SQL_M_LZ4: return "lz4";
	case SQL_M_ZSTD: return "zstd";
	case SQL_M_UNKNOWN: break;
	}
	return "unknown compression";
}

/* ---- metadata blocks --------------------------------------------------- */

static const char bad_block; /* map value of a block that did not decode */

static void drop_cache(sql_image *im)
{
	for (size_t i = 0; i < im->mblocks.n; i++)
		free(im->mblocks.v[i]);
	im->mblocks.n = 0;
	fg_u64map_free(&im->meta);
	memset(&im->meta, 0, sizeof(im->meta));
	fg_budget_give_back_bytes(im->budget, im->cache_bytes);
	im->cache_bytes = 0;
}

/*
 * The header of the metadata block at AT: its size, and whether it is
 * stored. Big-endian v4 images from AVM (shared/samples' avm_be.sqfs4)
 * keep these 16 bits little-endian while every other field is swapped,
 * so in a big-endian v4 image the order is learnt from the first block
 * that decodes: a compressed block is never bigger than 8 KiB (mksquashfs
 * stores it instead), which rules one reading out almost always.
 */
static uint32_t block_word(const uint8_t *p, bool be)
{
	return be ? (uint32_t)(p[0] << 8 | p[1]) : (uint32_t)(p[1] << 8 | p[0]);
}

static bool word_fits(const sql_image *im, uint64_t at, uint32_t word)
{
	size_t size = word & 0x7fffu;
	return size && size <= SQL_META_SIZE && size <= im->len - at - im->sb.meta_hdr;
}

static sql_mblock *decode_block(sql_image *im, uint64_t at, uint32_t word);

/* Decodes the metadata block whose header is at AT. */
static sql_mblock *load_block(sql_image *im, uint64_t at, uint64_t end)
{
	size_t hdr = im->sb.meta_hdr;
	if (at >= end || at > im->len || im->len - at < hdr)
		return NULL;
	const uint8_t *p = im->data + at;
	if (im->hdr_order >= 0)
		return decode_block(im, at, block_word(p, im->hdr_order == 1));
	/* v4 big-endian, order not known yet: the image's order first */
	for (int i = 0; i < 2; i++) {
		bool be = i == 0;
		uint32_t word = block_word(p, be);
		if (!word_fits(im, at, word))
			continue;
		sql_mblock *b = decode_block(im, at, word);
		if (b) {
			im->hdr_order = be ? 1 : 0;
			return b;
		}
	}
	return NULL;
}

static sql_mblock *decode_block(sql_image *im, uint64_t at, uint32_t word)
{
	size_t hdr = im->sb.meta_hdr;
	const uint8_t *p = im->data + at;
	size_t size = word & 0x7fffu;
	if (size == 0 || size > im->len - at - hdr)
		return NULL;
	if (im->cache_bytes >= SQL_CACHE_MAX)
		drop_cache(im);
	if (!fg_budget_take_bytes(im->budget, sizeof(sql_mblock)))
		return NULL;
	sql_mblock *b = malloc(sizeof(*b));
	if (!b || !FG_VEC_PUSH(&im->mblocks, b)) {
		free(b);
		fg_budget_give_back_bytes(im->budget, sizeof(sql_mblock));
		return NULL;
	}
	im->cache_bytes += sizeof(sql_mblock);
	const uint8_t *in = p + hdr;
	long got;
	if (word & SQL_META_UNCOMPRESSED) {
		got = size <= SQL_META_SIZE ? (long)size : -1;
		if (got > 0)
			memcpy(b->data, in, size);
	} else {
		got = sql_decompress(im, in, size, b->data, SQL_META_SIZE);
	}
	if (got <= 0) {
		/* remembered as bad, so a thousand references cost one attempt */
		im->mblocks.n--;
		free(b);
		fg_budget_give_back_bytes(im->budget, sizeof(sql_mblock));
		im->cache_bytes -= sizeof(sql_mblock);
		fg_u64map_put(&im->meta, at, (void *)&bad_block);
		return NULL;
	}
	b->len = (size_t)got;
	b->next = at + hdr + size;
	if (!fg_u64map_put(&im->meta, at, b))
		return NULL;
	return b;
}

static sql_mblock *get_block(sql_image *im, uint64_t at, uint64_t end)
{
	sql_mblock *b = fg_u64map_get(&im->meta, at);
	if (b == (void *)&bad_block)
		return NULL;
	return b ? b : load_block(im, at, end);
}

bool sql_meta_read(sql_image *im, sql_mpos *pos, void *out, size_t n)
{
	uint8_t *o = out;
	while (n) {
		sql_mblock *b = get_block(im, pos->block, pos->end);
		if (!b)
			return false;
		if (pos->off >= b->len) {
			/* continues in the next block; each step moves forward */
			pos->off -= (uint32_t)b->len;
			pos->block = b->next;
			continue;
		}
		size_t k = b->len - pos->off < n ? b->len - pos->off : n;
		if (o) {
			memcpy(o, b->data + pos->off, k);
			o += k;
		}
		pos->off += (uint32_t)k;
		n -= k;
	}
	return true;
}

/* ---- fragments ---------------------------------------------------------- */

/* Where fragment block INDEX is stored: *START, *WORD (size and flag). */
static bool frag_entry(sql_image *im, uint32_t index, uint64_t *start, uint32_t *word)
{
	const sql_super *sb = &im->sb;
	if (index >= sb->fragments)
		return false;
	bool v2 = sb->major == 2;
	size_t esize = v2 ? 8 : 16, isize = v2 ? 4 : 8;
	uint64_t byte = (uint64_t)index * esize;
	uint64_t slot = sb->frag_table + (byte / SQL_META_SIZE) * isize;
	if (slot > im->len || im->len - slot < isize)
		return false;
	sql_mpos pos;
	pos.block = v2 ? ld32(im, im->data + slot) : ld64(im, im->data + slot);
	pos.off = (uint32_t)(byte % SQL_META_SIZE);
	pos.end = im->len;
	uint8_t e[16];
	if (!sql_meta_read(im, &pos, e, esize))
		return false;
	*start = v2 ? ld32(im, e) : ld64(im, e);
	*word = ld32(im, e + (v2 ? 4 : 8));
	return true;
}

/* Decodes block WORD at START (a data or fragment block) into OUT,
 * which holds CAP bytes; the bytes produced, or -1 (*WHY says why). */
static long read_block(sql_image *im, uint64_t start, uint32_t word, uint8_t *out, size_t cap,
		       const char **why)
{
	size_t size = word & ~SQL_BLK_UNCOMPRESSED;
	if (size > im->sb.block_size) {
		*why = "block size field out of range";
		return -1;
	}
	if (start > im->len || size > im->len - start) {
		*why = "block lies beyond the end of the image";
		return -1;
	}
	if (word & SQL_BLK_UNCOMPRESSED) {
		size_t k = size < cap ? size : cap;
		memcpy(out, im->data + start, k);
		return (long)k;
	}
	long got = sql_decompress(im, im->data + start, size, out, cap);
	if (got < 0)
		*why = "block does not decompress";
	return got;
}

static sql_frag_slot *get_frag(sql_image *im, uint32_t index, const char **why)
{
	for (unsigned i = 0; i < SQL_FRAG_SLOTS; i++)
		if (im->frags[i].used && im->frags[i].data && im->frags[i].index == index)
			return &im->frags[i];
	sql_frag_slot *s = &im->frags[im->frag_next];
	if (!s->data) {
		if (!fg_budget_take_bytes(im->budget, im->sb.block_size)) {
			*why = "byte budget spent";
			return NULL;
		}
		s->data = malloc(im->sb.block_size);
		if (!s->data) {
			fg_budget_give_back_bytes(im->budget, im->sb.block_size);
			*why = "out of memory";
			return NULL;
		}
	}
	uint64_t start;
	uint32_t word;
	s->used = false;
	if (!frag_entry(im, index, &start, &word)) {
		*why = "fragment table entry unreadable";
		return NULL;
	}
	long got = read_block(im, start, word, s->data, im->sb.block_size, why);
	if (got < 0)
		return NULL;
	s->used = true;
	s->index = index;
	s->len = (size_t)got;
	im->frag_next = (im->frag_next + 1) % SQL_FRAG_SLOTS;
	return s;
}

/* ---- file content ------------------------------------------------------- */

static uint64_t full_blocks(const sql_image *im, const sql_file *f)
{
	uint64_t n = f->size >> im->sb.block_log;
	if (f->frag == SQL_INVALID_FRAG && (f->size & (im->sb.block_size - 1)))
		n++;
	return n;
}

static bool next_word(sql_image *im, sql_mpos *list, uint32_t *word)
{
	uint8_t raw[4];
	if (!sql_meta_read(im, list, raw, 4))
		return false;
	*word = ld32(im, raw);
	return true;
}

bool sql_file_in_place(sql_image *im, const sql_file *f, uint64_t *at)
{
	/* content in place lies inside the image: that bounds the walk */
	if (f->frag != SQL_INVALID_FRAG || f->size == 0 || f->start > im->len ||
	    f->size > im->len - f->start)
		return false;
	uint64_t n = full_blocks(im, f), stored = 0;
	sql_mpos list = f->blocks;
	for (uint64_t i = 0; i < n; i++) {
		uint32_t word;
		if (!next_word(im, &list, &word) || !(word & SQL_BLK_UNCOMPRESSED))
			return false;
		uint64_t want = f->size - stored < im->sb.block_size ? f->size - stored
								      : im->sb.block_size;
		if ((word & ~SQL_BLK_UNCOMPRESSED) != want)
			return false;
		stored += want;
	}
	*at = f->start;
	return true;
}

uint64_t sql_read_file(sql_image *im, const sql_file *f, uint8_t *buf, const char **why)
{
	uint64_t n = full_blocks(im, f), got = 0, pos = f->start;
	sql_mpos list = f->blocks;
	for (uint64_t i = 0; i < n && got < f->size; i++) {
		uint32_t word;
		if (fg_budget_expired(im->budget)) {
			*why = "time limit reached";
			return got;
		}
		if (!next_word(im, &list, &word)) {
			*why = "block list unreadable";
			return got;
		}
		size_t want = f->size - got < im->sb.block_size ? (size_t)(f->size - got)
							       : im->sb.block_size;
		if ((word & ~SQL_BLK_UNCOMPRESSED) == 0) {
			memset(buf + got, 0, want);     /* a sparse block */
			got += want;
			continue;
		}
		long k = read_block(im, pos, word, buf + got, want, why);
		if (k < 0)
			return got;
		if ((size_t)k != want) {
			*why = "data block shorter than the file says";
			return got;
		}
		pos += word & ~SQL_BLK_UNCOMPRESSED;
		got += want;
	}
	if (got >= f->size || f->frag == SQL_INVALID_FRAG) {
		if (got < f->size)
			*why = "block list ends before the file does";
		return got;
	}
	sql_frag_slot *s = get_frag(im, f->frag, why);
	if (!s)
		return got;
	uint64_t tail = f->size - got;
	if (f->frag_off > s->len || tail > s->len - f->frag_off) {
		*why = "tail lies outside its fragment block";
		return got;
	}
	memcpy(buf + got, s->data + f->frag_off, (size_t)tail);
	return f->size;
}

void sql_io_free(sql_image *im)
{
	drop_cache(im);
	FG_VEC_FREE(&im->mblocks);
	for (unsigned i = 0; i < SQL_FRAG_SLOTS; i++) {
		if (im->frags[i].data) {
			free(im->frags[i].data);
			fg_budget_give_back_bytes(im->budget, im->sb.block_size);
		}
	}
	if (im->zs) {
		inflateEnd(im->zs);
		free(im->zs);
	}
	if (im->lz) {
		lzma_end(im->lz);
		free(im->lz);
	}
	ZSTD_freeDCtx(im->zstd);
}
