/*
 * squashfs_deflate.c - squashfs "gzip" blocks, decompressed by libdeflate.
 *
 * Squashfs gzip blocks are whole zlib streams (RFC 1950) and the reader
 * always knows an upper bound of the result (the block size, or 8 KiB
 * for a metadata block), which is the case libdeflate's whole-buffer
 * decoder is made for: it is two to three times faster than zlib's
 * streaming inflate plus adler32, which dominated unpacking gzip images.
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

#include "unpack/squashfs_codec.h"

static void deflate_defaults(sqfs_compressor_config_t *cfg)
{
	cfg->level = SQFS_GZIP_DEFAULT_LEVEL;
	cfg->opt.gzip.window_size = SQFS_GZIP_DEFAULT_WINDOW;
}

static bool deflate_open(void **state)
{
	*state = libdeflate_alloc_decompressor();
	return *state != NULL;
}

static void deflate_close(void *state)
{
	libdeflate_free_decompressor(state);
}

static sqfs_s32 deflate_decode(void *state, const sqfs_u8 *in, sqfs_u32 size, sqfs_u8 *out,
			       sqfs_u32 outsize)
{
	size_t avail = outsize < INT32_MAX ? outsize : INT32_MAX;
	size_t got = 0;
	enum libdeflate_result res = libdeflate_zlib_decompress(state, in, size, out, avail, &got);
	if (res == LIBDEFLATE_INSUFFICIENT_SPACE)
		return SQFS_ERROR_OVERFLOW;
	/* mksquashfs never compresses an empty block; zlib's caller would
	 * read 0 as "buffer too small", so call it what it is */
	if (res != LIBDEFLATE_SUCCESS || got == 0 || got > avail)
		return SQFS_ERROR_COMPRESSOR;
	return (sqfs_s32)got;
}

const fg_sq_codec fg_sq_deflate_codec = {
	.id = SQFS_COMP_GZIP,
	.defaults = deflate_defaults,
	.open = deflate_open,
	.close = deflate_close,
	.decode = deflate_decode,
};
