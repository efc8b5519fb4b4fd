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
 * failure is SQFS_ERROR_COMPRESSOR, as there. Each stream says which
 * filters (BCJ) and dictionary it needs.
 */
#include <stdlib.h>

#include <lzma.h>
#include <sqfs/error.h>

#include "unpack/squashfs_codec.h"

#define XZ_MEMLIMIT (65u << 20)

static void xz_defaults(sqfs_compressor_config_t *cfg)
{
	cfg->level = SQFS_XZ_DEFAULT_LEVEL;
	cfg->opt.xz.dict_size = cfg->block_size;
}

static bool xz_open(void **state)
{
	lzma_stream *s = malloc(sizeof(*s));
	if (!s)
		return false;
	lzma_stream init = LZMA_STREAM_INIT;
	*s = init;
	*state = s;
	return true;
}

static void xz_close(void *state)
{
	if (state)
		lzma_end(state);
	free(state);
}

static sqfs_s32 xz_decode(void *state, const sqfs_u8 *in, sqfs_u32 size, sqfs_u8 *out,
			  sqfs_u32 outsize)
{
	lzma_stream *s = state;
	if (outsize >= 0x7FFFFFFF)
		return SQFS_ERROR_ARG_INVALID;
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

const fg_sq_codec fg_sq_xz_codec = {
	.id = SQFS_COMP_XZ,
	.defaults = xz_defaults,
	.open = xz_open,
	.close = xz_close,
	.decode = xz_decode,
};
