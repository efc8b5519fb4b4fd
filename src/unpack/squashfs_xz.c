/*
 * squashfs_xz.c - squashfs "xz" blocks, decompressed by one liblzma
 * decoder per reader.
 *
 * libsquashfs decodes each block with lzma_stream_buffer_decode(), which
 * sets up a decoder and allocates its dictionary (the size the block's
 * stream asks for: up to the 1 MiB block size) on every call and frees
 * it after. Here the lzma_stream lives as long as the reader, which is
 * per thread: liblzma re-initialises a decoder of the same kind in
 * place and keeps a dictionary of the same size.
 *
 * Acceptance is libsquashfs's: one complete .xz stream that fills at most
 * the output buffer and uses every input byte, decoded under a 65 MiB
 * memory limit (what a hostile header may make liblzma allocate). Any
 * failure is SQFS_ERROR_COMPRESSOR, as there. The compressor options
 * mksquashfs may store (dictionary size, BCJ filters) only steer
 * compression: each stream says what it needs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lzma.h>
#include <sqfs/error.h>

#include "unpack/squashfs_xz.h"

#define XZ_MEMLIMIT (65u << 20)

typedef struct xz_reader {
	sqfs_compressor_t base;
	lzma_stream strm;
	size_t block_size;
} xz_reader;

static void xz_get_configuration(const sqfs_compressor_t *cmp, sqfs_compressor_config_t *cfg)
{
	const xz_reader *xr = (const xz_reader *)cmp;
	memset(cfg, 0, sizeof(*cfg));
	cfg->id = SQFS_COMP_XZ;
	cfg->flags = SQFS_COMP_FLAG_UNCOMPRESS;
	cfg->block_size = (sqfs_u32)xr->block_size;
	cfg->level = SQFS_XZ_DEFAULT_LEVEL;
	cfg->opt.xz.dict_size = (sqfs_u32)xr->block_size;
}

static int xz_write_options(sqfs_compressor_t *cmp, sqfs_file_t *file)
{
	return SQFS_ERROR_UNSUPPORTED;
}

static int xz_read_options(sqfs_compressor_t *cmp, sqfs_file_t *file)
{
	return 0;
}

static sqfs_s32 xz_do_block(sqfs_compressor_t *cmp, const sqfs_u8 *in, sqfs_u32 size,
			    sqfs_u8 *out, sqfs_u32 outsize)
{
	xz_reader *xr = (xz_reader *)cmp;
	if (outsize >= 0x7FFFFFFF)
		return SQFS_ERROR_ARG_INVALID;
	lzma_stream *s = &xr->strm;
	if (lzma_stream_decoder(s, XZ_MEMLIMIT, 0) != LZMA_OK)
		return SQFS_ERROR_COMPRESSOR;
	s->next_in = in;
	s->avail_in = size;
	s->next_out = out;
	s->avail_out = outsize;
	lzma_ret ret = lzma_code(s, LZMA_FINISH);
	if (ret != LZMA_STREAM_END || s->avail_in != 0)
		return SQFS_ERROR_COMPRESSOR;
	return (sqfs_s32)(outsize - s->avail_out);
}

static void xz_destroy(sqfs_object_t *obj)
{
	xz_reader *xr = (xz_reader *)obj;
	lzma_end(&xr->strm);
	free(xr);
}

static sqfs_object_t *xz_copy(const sqfs_object_t *obj)
{
	const xz_reader *xr = (const xz_reader *)obj;
	return (sqfs_object_t *)fg_sq_xz_reader_new(xr->block_size);
}

sqfs_compressor_t *fg_sq_xz_reader_new(size_t block_size)
{
	xz_reader *xr = calloc(1, sizeof(*xr));
	if (!xr)
		return NULL;
	lzma_stream init = LZMA_STREAM_INIT;
	xr->strm = init;
	xr->base.base.destroy = xz_destroy;
	xr->base.base.copy = xz_copy;
	xr->base.get_configuration = xz_get_configuration;
	xr->base.write_options = xz_write_options;
	xr->base.read_options = xz_read_options;
	xr->base.do_block = xz_do_block;
	xr->block_size = block_size;
	return &xr->base;
}
