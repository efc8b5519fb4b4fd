/*
 * test_squashfs_deflate.c - the libdeflate-backed squashfs gzip reader
 * against zlib streams compress2 makes: the same bytes back, the exact
 * size of a result shorter than the buffer, and errors for truncated,
 * corrupted and oversized blocks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqfs/compressor.h>
#include <sqfs/error.h>
#include <sqfs/predef.h>
#include <zlib.h>

#include "unpack/squashfs_deflate.h"
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
	sqfs_compressor_t *cmp = fg_sq_deflate_reader_new(BLOCK);
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
	sqfs_compressor_t *a = fg_sq_deflate_reader_new(BLOCK);
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
