/*
 * squashfs_zstd.c - squashfs "zstd" blocks, decompressed with one zstd
 * context per reader.
 *
 * libsquashfs decompresses each block with ZSTD_decompress(), which
 * allocates, initialises and frees a decompression context on every
 * call: a few microseconds, but a zstd image has one block per 128 KiB
 * and a file system is read at several hundred MB/s, so the contexts
 * were some 5 % of unpacking one (measured on the corpus's zstd image).
 * Here the context lives as long as the reader, which is per thread.
 *
 * Acceptance is libsquashfs's: one complete zstd frame that fits the
 * output buffer; its size is what the caller gets. The compressor
 * options mksquashfs may store (the level) only steer compression, so
 * read_options has nothing to read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqfs/error.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "unpack/squashfs_zstd.h"

typedef struct zstd_reader {
	sqfs_compressor_t base;
	ZSTD_DCtx *dctx;
	size_t block_size;
} zstd_reader;

static void zstd_get_configuration(const sqfs_compressor_t *cmp, sqfs_compressor_config_t *cfg)
{
	const zstd_reader *zr = (const zstd_reader *)cmp;
	memset(cfg, 0, sizeof(*cfg));
	cfg->id = SQFS_COMP_ZSTD;
	cfg->flags = SQFS_COMP_FLAG_UNCOMPRESS;
	cfg->block_size = (sqfs_u32)zr->block_size;
	cfg->level = SQFS_ZSTD_DEFAULT_LEVEL;
}

static int zstd_write_options(sqfs_compressor_t *cmp, sqfs_file_t *file)
{
	return SQFS_ERROR_UNSUPPORTED;
}

static int zstd_read_options(sqfs_compressor_t *cmp, sqfs_file_t *file)
{
	return 0;
}

static sqfs_s32 zstd_do_block(sqfs_compressor_t *cmp, const sqfs_u8 *in, sqfs_u32 size,
			      sqfs_u8 *out, sqfs_u32 outsize)
{
	zstd_reader *zr = (zstd_reader *)cmp;
	if (outsize >= 0x7FFFFFFF)
		return SQFS_ERROR_ARG_INVALID;
	size_t got = ZSTD_decompressDCtx(zr->dctx, out, outsize, in, size);
	if (ZSTD_isError(got))
		return ZSTD_getErrorCode(got) == ZSTD_error_dstSize_tooSmall ? SQFS_ERROR_OVERFLOW
									     : SQFS_ERROR_COMPRESSOR;
	return (sqfs_s32)got;
}

static void zstd_destroy(sqfs_object_t *obj)
{
	zstd_reader *zr = (zstd_reader *)obj;
	ZSTD_freeDCtx(zr->dctx);
	free(zr);
}

static sqfs_object_t *zstd_copy(const sqfs_object_t *obj)
{
	const zstd_reader *zr = (const zstd_reader *)obj;
	return (sqfs_object_t *)fg_sq_zstd_reader_new(zr->block_size);
}

sqfs_compressor_t *fg_sq_zstd_reader_new(size_t block_size)
{
	zstd_reader *zr = calloc(1, sizeof(*zr));
	if (!zr)
		return NULL;
	zr->dctx = ZSTD_createDCtx();
	if (!zr->dctx) {
		free(zr);
		return NULL;
	}
	zr->base.base.destroy = zstd_destroy;
	zr->base.base.copy = zstd_copy;
	zr->base.get_configuration = zstd_get_configuration;
	zr->base.write_options = zstd_write_options;
	zr->base.read_options = zstd_read_options;
	zr->base.do_block = zstd_do_block;
	zr->block_size = block_size;
	return &zr->base;
}
