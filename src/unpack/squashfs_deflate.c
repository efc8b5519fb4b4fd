/*
 * squashfs_deflate.c - squashfs "gzip" blocks, decompressed by libdeflate.
 *
 * Squashfs gzip blocks are whole zlib streams (RFC 1950) and the reader
 * always knows an upper bound of the result (the block size, or 8 KiB
 * for a metadata block), which is the case libdeflate's whole-buffer
 * decoder is made for: it is two to three times faster than zlib's
 * streaming inflate plus adler32, which dominated unpacking gzip images.
 *
 * The compressor options mksquashfs may store (level, window size,
 * strategies) only steer compression; a zlib stream is self-describing,
 * so read_options has nothing to read.
 *
 * Acceptance matches zlib's inflate(Z_FINISH) as libsquashfs calls it:
 * the stream must be complete, with a valid header and Adler-32, and fit
 * the output buffer; bytes after the stream's end are ignored as zlib
 * ignores them. Anything else is SQFS_ERROR_COMPRESSOR, a result larger
 * than the buffer SQFS_ERROR_OVERFLOW.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <sqfs/error.h>

#include "unpack/squashfs_deflate.h"

typedef struct deflate_reader {
	sqfs_compressor_t base;
	struct libdeflate_decompressor *dec;
	size_t block_size;
} deflate_reader;

static void deflate_get_configuration(const sqfs_compressor_t *cmp,
				      sqfs_compressor_config_t *cfg)
{
	const deflate_reader *dr = (const deflate_reader *)cmp;
	memset(cfg, 0, sizeof(*cfg));
	cfg->id = SQFS_COMP_GZIP;
	cfg->flags = SQFS_COMP_FLAG_UNCOMPRESS;
	cfg->block_size = (sqfs_u32)dr->block_size;
	cfg->level = SQFS_GZIP_DEFAULT_LEVEL;
	cfg->opt.gzip.window_size = SQFS_GZIP_DEFAULT_WINDOW;
}

static int deflate_write_options(sqfs_compressor_t *cmp, sqfs_file_t *file)
{
	return SQFS_ERROR_UNSUPPORTED;
}

static int deflate_read_options(sqfs_compressor_t *cmp, sqfs_file_t *file)
{
	return 0;
}

static sqfs_s32 deflate_do_block(sqfs_compressor_t *cmp, const sqfs_u8 *in, sqfs_u32 size,
				 sqfs_u8 *out, sqfs_u32 outsize)
{
	deflate_reader *dr = (deflate_reader *)cmp;
	size_t avail = outsize < INT32_MAX ? outsize : INT32_MAX;
	size_t got = 0;
	enum libdeflate_result res = libdeflate_zlib_decompress(dr->dec, in, size, out,
								 avail, &got);
	if (res == LIBDEFLATE_INSUFFICIENT_SPACE)
		return SQFS_ERROR_OVERFLOW;
	/* mksquashfs never compresses an empty block; zlib's caller would
	 * read 0 as "buffer too small", so call it what it is */
	if (res != LIBDEFLATE_SUCCESS || got == 0 || got > avail)
		return SQFS_ERROR_COMPRESSOR;
	return (sqfs_s32)got;
}

static void deflate_destroy(sqfs_object_t *obj)
{
	deflate_reader *dr = (deflate_reader *)obj;
	libdeflate_free_decompressor(dr->dec);
	free(dr);
}

static sqfs_object_t *deflate_copy(const sqfs_object_t *obj)
{
	const deflate_reader *dr = (const deflate_reader *)obj;
	return (sqfs_object_t *)fg_sq_deflate_reader_new(dr->block_size);
}

sqfs_compressor_t *fg_sq_deflate_reader_new(size_t block_size)
{
	deflate_reader *dr = calloc(1, sizeof(*dr));
	if (!dr)
		return NULL;
	dr->dec = libdeflate_alloc_decompressor();
	if (!dr->dec) {
		free(dr);
		return NULL;
	}
	dr->base.base.destroy = deflate_destroy;
	dr->base.base.copy = deflate_copy;
	dr->base.get_configuration = deflate_get_configuration;
	dr->base.write_options = deflate_write_options;
	dr->base.read_options = deflate_read_options;
	dr->base.do_block = deflate_do_block;
	dr->block_size = block_size;
	return &dr->base;
}
