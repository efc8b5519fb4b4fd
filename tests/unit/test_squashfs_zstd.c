/*
 * test_squashfs_zstd.c - the squashfs zstd reader that keeps its context:
 * frames zstd makes come back byte for byte, one reader decodes block
 * after block (the context reused), a result shorter than the buffer has
 * its exact size, and truncated, corrupted and oversized blocks are
 * errors, as libsquashfs's own reader reports them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqfs/compressor.h>
#include <sqfs/error.h>
#include <sqfs/predef.h>
#include <zstd.h>

#include "unpack/squashfs_zstd.h"
#include "test.h"

#define BLOCK 131072u

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

/* A zstd frame of SRC; its length in *CLEN. */
static uint8_t *zframe(const uint8_t *src, size_t n, int level, size_t *clen)
{
	size_t cap = ZSTD_compressBound(n);
	uint8_t *c = malloc(cap);
	if (!c)
		return NULL;
	*clen = ZSTD_compress(c, cap, src, n, level);
	if (ZSTD_isError(*clen)) {
		free(c);
		return NULL;
	}
	return c;
}

TEST(zstd_reader_decodes_block_after_block)
{
	sqfs_compressor_t *cmp = fg_sq_zstd_reader_new(BLOCK);
	REQUIRE(cmp);
	uint8_t *src = malloc(BLOCK), *out = malloc(BLOCK);
	REQUIRE(src && out);
	for (unsigned b = 0; b < 8; b++) {
		/* full blocks and a short tail, two levels: the context is reused */
		size_t n = b == 7 ? 5000 : BLOCK;
		fill_text(src, n, b);
		size_t clen;
		uint8_t *c = zframe(src, n, b % 2 ? 19 : 3, &clen);
		REQUIRE(c);
		CHECK_INT_EQ(cmp->do_block(cmp, c, (sqfs_u32)clen, out, BLOCK), (sqfs_s32)n);
		CHECK(memcmp(out, src, n) == 0);
		free(c);
	}
	free(src);
	free(out);
	sqfs_destroy(cmp);
}

TEST(zstd_reader_refuses_bad_blocks)
{
	sqfs_compressor_t *cmp = fg_sq_zstd_reader_new(BLOCK);
	REQUIRE(cmp);
	uint8_t *src = malloc(BLOCK), *out = malloc(BLOCK);
	REQUIRE(src && out);
	fill_text(src, BLOCK, 42);
	size_t clen;
	uint8_t *c = zframe(src, BLOCK, 3, &clen);
	REQUIRE(c);
	/* cut short */
	CHECK_INT_EQ(cmp->do_block(cmp, c, (sqfs_u32)(clen / 2), out, BLOCK), SQFS_ERROR_COMPRESSOR);
	/* the output buffer is too small */
	CHECK_INT_EQ(cmp->do_block(cmp, c, (sqfs_u32)clen, out, BLOCK / 2), SQFS_ERROR_OVERFLOW);
	/* not a zstd frame */
	memset(c, 0xa5, 16);
	CHECK_INT_EQ(cmp->do_block(cmp, c, (sqfs_u32)clen, out, BLOCK), SQFS_ERROR_COMPRESSOR);
	/* and the reader still works afterwards */
	free(c);
	c = zframe(src, BLOCK, 3, &clen);
	REQUIRE(c);
	CHECK_INT_EQ(cmp->do_block(cmp, c, (sqfs_u32)clen, out, BLOCK), (sqfs_s32)BLOCK);
	CHECK(memcmp(out, src, BLOCK) == 0);
	/* copy() makes an independent reader */
	sqfs_compressor_t *other = (sqfs_compressor_t *)cmp->base.copy((sqfs_object_t *)cmp);
	REQUIRE(other);
	memset(out, 0, BLOCK);
	CHECK_INT_EQ(other->do_block(other, c, (sqfs_u32)clen, out, BLOCK), (sqfs_s32)BLOCK);
	CHECK(memcmp(out, src, BLOCK) == 0);
	sqfs_compressor_config_t cfg;
	other->get_configuration(other, &cfg);
	CHECK_INT_EQ(cfg.id, SQFS_COMP_ZSTD);
	CHECK_INT_EQ(cfg.block_size, BLOCK);
	sqfs_destroy(other);
	free(c);
	free(src);
	free(out);
	sqfs_destroy(cmp);
}
