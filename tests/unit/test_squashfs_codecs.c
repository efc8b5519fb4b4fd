/*
 * test_squashfs_codecs.c - our squashfs block decoders (squashfs_codec.h).
 *
 * gzip (libdeflate) against zlib streams compress2 makes: the same bytes
 * back, the exact size of a result shorter than the buffer, and errors
 * for truncated, corrupted and oversized blocks. xz and zstd, which keep
 * their decoder between blocks: streams and frames the libraries make
 * decode byte for byte block after block (two dictionary sizes, a BCJ
 * filter, two zstd levels, a short tail), bad blocks are errors as
 * libsquashfs's own readers report them, and the reader (and a copy of
 * it) works again afterwards. The lzo decoder is covered by the squashfs
 * and corpus tests (no LZO encoder here).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lzma.h>
#include <sqfs/compressor.h>
#include <sqfs/error.h>
#include <sqfs/predef.h>
#include <zlib.h>
#include <zstd.h>

#include "unpack/squashfs_codec.h"
#include "test.h"

#define BLOCK 131072u
#define META 8192u

/* Compressible but position-dependent, so a misplaced run shows. */
static void fill_text(uint8_t *buf, size_t n, unsigned seed)
{
	size_t at = 0;
	for (unsigned line = 0; at < n; line++) {
		char tmp[64];
		int k = snprintf(tmp, sizeof(tmp), "row %u of block %u\n", line, seed);
		for (int i = 0; i < k && at < n; i++)
			buf[at++] = (uint8_t)tmp[i];
	}
}

static void fill_random(uint8_t *buf, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (uint8_t)(seed >> 16);
	}
}

/* A zlib stream of src at the given level; its length in *clen. */
static uint8_t *zcompress(const uint8_t *src, size_t n, int level, size_t *clen)
{
	uLongf cap = compressBound((uLong)n);
	uint8_t *c = malloc(cap);
	if (!c || compress2(c, &cap, src, (uLong)n, level) != Z_OK) {
		free(c);
		return NULL;
	}
	*clen = cap;
	return c;
}

static sqfs_s32 run_block(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len)
{
	sqfs_compressor_t *cmp = fg_sq_reader_new(&fg_sq_deflate_codec, BLOCK);
	if (!cmp)
		return SQFS_ERROR_ALLOC;
	sqfs_s32 r = cmp->do_block(cmp, in, (sqfs_u32)in_len, out, (sqfs_u32)out_len);
	sqfs_destroy(cmp);
	return r;
}

TEST(full_blocks_round_trip)
{
	uint8_t *src = malloc(BLOCK), *out = malloc(BLOCK);
	REQUIRE(src && out);
	const int levels[] = { 1, 6, 9, 0 };
	for (size_t li = 0; li < sizeof(levels) / sizeof(levels[0]); li++) {
		if (li % 2)
			fill_random(src, BLOCK, (uint32_t)li);
		else
			fill_text(src, BLOCK, (unsigned)li);
		size_t clen = 0;
		uint8_t *c = zcompress(src, BLOCK, levels[li], &clen);
		REQUIRE(c);
		memset(out, 0xaa, BLOCK);
		CHECK_INT_EQ(run_block(c, clen, out, BLOCK), BLOCK);
		CHECK(memcmp(out, src, BLOCK) == 0);
		free(c);
	}
	free(src);
	free(out);
}

/* Metadata, fragment and tail blocks are shorter than the buffer given. */
TEST(short_results_report_their_size)
{
	uint8_t src[5000], out[META];
	fill_text(src, sizeof(src), 7);
	const size_t sizes[] = { 1, 37, 4096, 5000 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t clen = 0;
		uint8_t *c = zcompress(src, sizes[i], 9, &clen);
		REQUIRE(c);
		memset(out, 0, sizeof(out));
		CHECK_INT_EQ(run_block(c, clen, out, sizeof(out)), sizes[i]);
		CHECK(memcmp(out, src, sizes[i]) == 0);
		CHECK(out[sizes[i]] == 0); /* nothing written past the result */
		free(c);
	}
}

/* A copy serves another thread: it must decode on its own. */
TEST(copies_decode_independently)
{
	uint8_t src[3000], out[META];
	fill_text(src, sizeof(src), 3);
	size_t clen = 0;
	uint8_t *c = zcompress(src, sizeof(src), 6, &clen);
	REQUIRE(c);
	sqfs_compressor_t *a = fg_sq_reader_new(&fg_sq_deflate_codec, BLOCK);
	REQUIRE(a);
	sqfs_compressor_t *b = (sqfs_compressor_t *)sqfs_copy(a);
	REQUIRE(b);
	sqfs_destroy(a);
	CHECK_INT_EQ(b->do_block(b, c, (sqfs_u32)clen, out, sizeof(out)), sizeof(src));
	CHECK(memcmp(out, src, sizeof(src)) == 0);
	sqfs_compressor_config_t cfg;
	b->get_configuration(b, &cfg);
	CHECK_INT_EQ(cfg.id, SQFS_COMP_GZIP);
	CHECK_INT_EQ(cfg.block_size, BLOCK);
	CHECK_INT_EQ(b->read_options(b, NULL), 0);
	sqfs_destroy(b);
	free(c);
}

TEST(larger_than_the_buffer_overflows)
{
	uint8_t src[META + 1], out[META];
	fill_text(src, sizeof(src), 11);
	size_t clen = 0;
	uint8_t *c = zcompress(src, sizeof(src), 9, &clen);
	REQUIRE(c);
	CHECK_INT_EQ(run_block(c, clen, out, sizeof(out)), SQFS_ERROR_OVERFLOW);
	free(c);
}

TEST(truncated_blocks_fail)
{
	uint8_t src[6000], out[META];
	fill_random(src, sizeof(src), 5);
	size_t clen = 0;
	uint8_t *c = zcompress(src, sizeof(src), 9, &clen);
	REQUIRE(c);
	/* every cut: inside the header, the deflate data and the Adler-32 */
	for (size_t cut = 0; cut < clen; cut += (cut < 8 || cut > clen - 8) ? 1 : 97)
		CHECK(run_block(c, cut, out, sizeof(out)) < 0);
	free(c);
}

TEST(corrupted_blocks_fail)
{
	uint8_t src[4000], out[META];
	fill_text(src, sizeof(src), 9);
	size_t clen = 0;
	uint8_t *c = zcompress(src, sizeof(src), 9, &clen);
	REQUIRE(c);

	/* the Adler-32 catches a flipped check byte or a changed literal */
	c[clen - 1] ^= 0x01;
	CHECK_INT_EQ(run_block(c, clen, out, sizeof(out)), SQFS_ERROR_COMPRESSOR);
	c[clen - 1] ^= 0x01;
	CHECK_INT_EQ(run_block(c, clen, out, sizeof(out)), sizeof(src));

	/* a bad header: not deflate, and a header check that fails */
	uint8_t saved = c[0];
	c[0] = (uint8_t)((c[0] & 0xf0) | 0x07);
	CHECK_INT_EQ(run_block(c, clen, out, sizeof(out)), SQFS_ERROR_COMPRESSOR);
	c[0] = saved;
	c[1] ^= 0x01;
	CHECK_INT_EQ(run_block(c, clen, out, sizeof(out)), SQFS_ERROR_COMPRESSOR);
	c[1] ^= 0x01;

	/* flipping bytes in the deflate data never yields a success with
	 * other content */
	int wrong = 0;
	for (size_t i = 2; i + 4 < clen; i++) {
		c[i] ^= 0x5a;
		sqfs_s32 r = run_block(c, clen, out, sizeof(out));
		if (r >= 0 && (r != (sqfs_s32)sizeof(src) || memcmp(out, src, sizeof(src)) != 0))
			wrong++;
		c[i] ^= 0x5a;
	}
	CHECK_INT_EQ(wrong, 0);
	free(c);
}

/* Raw deflate and gzip framing are not what squashfs stores. */
TEST(other_framings_fail)
{
	uint8_t src[2000], out[META];
	fill_text(src, sizeof(src), 1);
	uint8_t comp[4096];
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	REQUIRE(deflateInit2(&zs, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	zs.next_in = src;
	zs.avail_in = sizeof(src);
	zs.next_out = comp;
	zs.avail_out = sizeof(comp);
	REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
	size_t raw_len = zs.total_out;
	deflateEnd(&zs);
	CHECK(run_block(comp, raw_len, out, sizeof(out)) < 0);
	CHECK(run_block(comp, 0, out, sizeof(out)) < 0);
}

/* ---- xz and zstd -------------------------------------------------------- */

/* A block in the codec's format: VARIANT picks its settings. */
typedef uint8_t *(*encode_fn)(const uint8_t *src, size_t n, unsigned variant, size_t *clen);

/* An .xz stream with a dictionary of 8 KiB or a whole block, the third
 * one behind an x86 BCJ filter. */
static uint8_t *xz_encode(const uint8_t *src, size_t n, unsigned variant, size_t *clen)
{
	lzma_options_lzma opt;
	if (lzma_lzma_preset(&opt, 6))
		return NULL;
	opt.dict_size = variant % 2 ? BLOCK : 8192;
	lzma_filter filters[3];
	int k = 0;
	if (variant == 3)
		filters[k++] = (lzma_filter){ LZMA_FILTER_X86, NULL };
	filters[k++] = (lzma_filter){ LZMA_FILTER_LZMA2, &opt };
	filters[k] = (lzma_filter){ LZMA_VLI_UNKNOWN, NULL };
	size_t cap = lzma_stream_buffer_bound(n);
	uint8_t *c = malloc(cap);
	*clen = 0;
	if (!c || lzma_stream_buffer_encode(filters, LZMA_CHECK_CRC32, NULL, src, n, c, clen, cap) != LZMA_OK) {
		free(c);
		return NULL;
	}
	return c;
}

/* A zstd frame at level 3 or 19. */
static uint8_t *zstd_encode(const uint8_t *src, size_t n, unsigned variant, size_t *clen)
{
	size_t cap = ZSTD_compressBound(n);
	uint8_t *c = malloc(cap);
	if (!c)
		return NULL;
	*clen = ZSTD_compress(c, cap, src, n, variant % 2 ? 19 : 3);
	if (ZSTD_isError(*clen)) {
		free(c);
		return NULL;
	}
	return c;
}

/* BLOCKS blocks through one reader, the last TAIL bytes long. */
static void decodes_block_after_block(const fg_sq_codec *codec, encode_fn encode, unsigned blocks,
				      size_t tail)
{
	sqfs_compressor_t *cmp = fg_sq_reader_new(codec, BLOCK);
	REQUIRE(cmp);
	uint8_t *src = malloc(BLOCK), *out = malloc(BLOCK);
	REQUIRE(src && out);
	for (unsigned b = 0; b < blocks; b++) {
		size_t n = b == blocks - 1 ? tail : BLOCK;
		fill_text(src, n, b);
		size_t clen;
		uint8_t *c = encode(src, n, b, &clen);
		REQUIRE(c);
		CHECK_INT_EQ(cmp->do_block(cmp, c, (sqfs_u32)clen, out, BLOCK), (sqfs_s32)n);
		CHECK(memcmp(out, src, n) == 0);
		free(c);
	}
	free(src);
	free(out);
	sqfs_destroy(cmp);
}

/* After refusing bad blocks, CMP still decodes C (a whole block of SRC),
 * and so does a copy of it, which says it is codec ID. */
static void still_decodes_and_copies(sqfs_compressor_t *cmp, const uint8_t *c, size_t clen,
				     const uint8_t *src, unsigned id)
{
	uint8_t *out = malloc(BLOCK);
	REQUIRE(out);
	CHECK_INT_EQ(cmp->do_block(cmp, c, (sqfs_u32)clen, out, BLOCK), (sqfs_s32)BLOCK);
	CHECK(memcmp(out, src, BLOCK) == 0);
	sqfs_compressor_t *other = (sqfs_compressor_t *)cmp->base.copy((sqfs_object_t *)cmp);
	REQUIRE(other);
	memset(out, 0, BLOCK);
	CHECK_INT_EQ(other->do_block(other, c, (sqfs_u32)clen, out, BLOCK), (sqfs_s32)BLOCK);
	CHECK(memcmp(out, src, BLOCK) == 0);
	sqfs_compressor_config_t cfg;
	other->get_configuration(other, &cfg);
	CHECK_INT_EQ(cfg.id, id);
	CHECK_INT_EQ(cfg.block_size, BLOCK);
	sqfs_destroy(other);
	free(out);
}

TEST(xz_reader_decodes_block_after_block)
{
	decodes_block_after_block(&fg_sq_xz_codec, xz_encode, 6, 7000);
}

TEST(zstd_reader_decodes_block_after_block)
{
	decodes_block_after_block(&fg_sq_zstd_codec, zstd_encode, 8, 5000);
}

TEST(xz_reader_refuses_bad_blocks)
{
	sqfs_compressor_t *cmp = fg_sq_reader_new(&fg_sq_xz_codec, BLOCK);
	REQUIRE(cmp);
	uint8_t *src = malloc(BLOCK), *out = malloc(BLOCK);
	REQUIRE(src && out);
	fill_text(src, BLOCK, 9);
	size_t clen;
	uint8_t *c = xz_encode(src, BLOCK, 1, &clen);
	REQUIRE(c);
	uint8_t *longer = malloc(clen + 4);
	REQUIRE(longer);
	memcpy(longer, c, clen);
	memset(longer + clen, 0, 4);
	CHECK_INT_EQ(cmp->do_block(cmp, c, (sqfs_u32)(clen - 10), out, BLOCK), SQFS_ERROR_COMPRESSOR);
	CHECK_INT_EQ(cmp->do_block(cmp, c, (sqfs_u32)clen, out, BLOCK / 2), SQFS_ERROR_COMPRESSOR);
	CHECK_INT_EQ(cmp->do_block(cmp, longer, (sqfs_u32)(clen + 4), out, BLOCK), SQFS_ERROR_COMPRESSOR);
	c[clen / 2] ^= 0x55; /* the CRC32 check catches what decodes */
	CHECK_INT_EQ(cmp->do_block(cmp, c, (sqfs_u32)clen, out, BLOCK), SQFS_ERROR_COMPRESSOR);
	c[clen / 2] ^= 0x55;
	still_decodes_and_copies(cmp, c, clen, src, SQFS_COMP_XZ);
	free(longer);
	free(c);
	free(src);
	free(out);
	sqfs_destroy(cmp);
}

TEST(zstd_reader_refuses_bad_blocks)
{
	sqfs_compressor_t *cmp = fg_sq_reader_new(&fg_sq_zstd_codec, BLOCK);
	REQUIRE(cmp);
	uint8_t *src = malloc(BLOCK), *out = malloc(BLOCK);
	REQUIRE(src && out);
	fill_text(src, BLOCK, 42);
	size_t clen;
	uint8_t *c = zstd_encode(src, BLOCK, 0, &clen);
	REQUIRE(c);
	/* cut short */
	CHECK_INT_EQ(cmp->do_block(cmp, c, (sqfs_u32)(clen / 2), out, BLOCK), SQFS_ERROR_COMPRESSOR);
	/* the output buffer is too small */
	CHECK_INT_EQ(cmp->do_block(cmp, c, (sqfs_u32)clen, out, BLOCK / 2), SQFS_ERROR_OVERFLOW);
	/* not a zstd frame */
	memset(c, 0xa5, 16);
	CHECK_INT_EQ(cmp->do_block(cmp, c, (sqfs_u32)clen, out, BLOCK), SQFS_ERROR_COMPRESSOR);
	free(c);
	c = zstd_encode(src, BLOCK, 0, &clen);
	REQUIRE(c);
	still_decodes_and_copies(cmp, c, clen, src, SQFS_COMP_ZSTD);
	free(c);
	free(src);
	free(out);
	sqfs_destroy(cmp);
}

TEST(codecs_are_found_by_compressor_id)
{
	CHECK(fg_sq_codec_for(SQFS_COMP_GZIP) == &fg_sq_deflate_codec);
	CHECK(fg_sq_codec_for(SQFS_COMP_LZO) == &fg_sq_lzo_codec);
	CHECK(fg_sq_codec_for(SQFS_COMP_XZ) == &fg_sq_xz_codec);
	CHECK(fg_sq_codec_for(SQFS_COMP_ZSTD) == &fg_sq_zstd_codec);
	CHECK(fg_sq_codec_for(SQFS_COMP_LZ4) == NULL);   /* libsquashfs's */
	CHECK(fg_sq_codec_for(SQFS_COMP_LZMA) == NULL);
	CHECK(fg_sq_codec_for(0) == NULL);
}
