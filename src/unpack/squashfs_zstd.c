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
 * output buffer; its size is what the caller gets.
 */
#include <sqfs/error.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "unpack/squashfs_codec.h"

static void zstd_defaults(sqfs_compressor_config_t *cfg)
{
	cfg->level = SQFS_ZSTD_DEFAULT_LEVEL;
}

static bool zstd_open(void **state)
{
	*state = ZSTD_createDCtx();
	return *state != NULL;
}

static void zstd_close(void *state)
{
	ZSTD_freeDCtx(state);
}

static sqfs_s32 zstd_decode(void *state, const sqfs_u8 *in, sqfs_u32 size, sqfs_u8 *out,
			    sqfs_u32 outsize)
{
	if (outsize >= 0x7FFFFFFF)
		return SQFS_ERROR_ARG_INVALID;
	size_t got = ZSTD_decompressDCtx(state, out, outsize, in, size);
	if (ZSTD_isError(got))
		return ZSTD_getErrorCode(got) == ZSTD_error_dstSize_tooSmall ? SQFS_ERROR_OVERFLOW
									     : SQFS_ERROR_COMPRESSOR;
	return (sqfs_s32)got;
}

const fg_sq_codec fg_sq_zstd_codec = {
	.id = SQFS_COMP_ZSTD,
	.defaults = zstd_defaults,
	.open = zstd_open,
	.close = zstd_close,
	.decode = zstd_decode,
};
