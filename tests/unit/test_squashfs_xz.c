/*
 * test_squashfs_xz.c - the squashfs xz reader that keeps its decoder:
 * streams liblzma makes come back byte for byte, one reader decodes block
 * after block (dictionaries of two sizes, a BCJ filter), and truncated,
 * corrupted, oversized and trailing-garbage blocks are errors, as
 * libsquashfs's own reader reports them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lzma.h>
#include <sqfs/compressor.h>
#include <sqfs/error.h>
#include <sqfs/predef.h>

#include "unpack/squashfs_xz.h"
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

/* An .xz stream of SRC with a dictionary of DICT bytes, behind an x86
 * BCJ filter when BCJ; its length in *CLEN. */
static uint8_t *xzstream(const uint8_t *src, size_t n, uint32_t dict, bool bcj, size_t *clen)
{
	lzma_options_lzma opt;
	if (lzma_lzma_preset(&opt, 6))
		return NULL;
	opt.dict_size = dict;
	lzma_filter filters[3];
	int k = 0;
	if (bcj)
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

TEST(xz_reader_decodes_block_after_block)
{
	sqfs_compressor_t *cmp = fg_sq_xz_reader_new(BLOCK);
	REQUIRE(cmp);
	uint8_t *src = malloc(BLOCK), *out = malloc(BLOCK);
	REQUIRE(src && out);
	for (unsigned b = 0; b < 6; b++) {
		size_t n = b == 5 ? 7000 : BLOCK;
		fill_text(src, n, b);
		size_t clen;
		uint8_t *c = xzstream(src, n, b % 2 ? BLOCK : 8192, b == 3, &clen);
		REQUIRE(c);
		CHECK_INT_EQ(cmp->do_block(cmp, c, (sqfs_u32)clen, out, BLOCK), (sqfs_s32)n);
		CHECK(memcmp(out, src, n) == 0);
		free(c);
	}
	free(src);
	free(out);
	sqfs_destroy(cmp);
}

TEST(xz_reader_refuses_bad_blocks)
{
	sqfs_compressor_t *cmp = fg_sq_xz_reader_new(BLOCK);
	REQUIRE(cmp);
	uint8_t *src = malloc(BLOCK), *out = malloc(BLOCK);
	REQUIRE(src && out);
	fill_text(src, BLOCK, 9);
	size_t clen;
	uint8_t *c = xzstream(src, BLOCK, BLOCK, false, &clen);
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
	/* the reader still works afterwards, and so does a copy */
	CHECK_INT_EQ(cmp->do_block(cmp, c, (sqfs_u32)clen, out, BLOCK), (sqfs_s32)BLOCK);
	CHECK(memcmp(out, src, BLOCK) == 0);
	sqfs_compressor_t *other = (sqfs_compressor_t *)cmp->base.copy((sqfs_object_t *)cmp);
	REQUIRE(other);
	memset(out, 0, BLOCK);
	CHECK_INT_EQ(other->do_block(other, c, (sqfs_u32)clen, out, BLOCK), (sqfs_s32)BLOCK);
	CHECK(memcmp(out, src, BLOCK) == 0);
	sqfs_compressor_config_t cfg;
	other->get_configuration(other, &cfg);
	CHECK_INT_EQ(cfg.id, SQFS_COMP_XZ);
	sqfs_destroy(other);
	free(longer);
	free(c);
	free(src);
	free(out);
	sqfs_destroy(cmp);
}
