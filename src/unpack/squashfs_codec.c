/*
 * squashfs_codec.c - a libsquashfs compressor object around one of our
 * block decoders (see squashfs_codec.h).
 */
#include "unpack/squashfs_codec.h"

#include <stdlib.h>
#include <string.h>

#include <sqfs/error.h>

typedef struct codec_reader {
	sqfs_compressor_t base;
	const fg_sq_codec *codec;
	void *state;
	size_t block_size;
} codec_reader;

static void reader_get_configuration(const sqfs_compressor_t *cmp, sqfs_compressor_config_t *cfg)
{
	const codec_reader *r = (const codec_reader *)cmp;
	memset(cfg, 0, sizeof(*cfg));
	cfg->id = (sqfs_u16)r->codec->id;
	cfg->flags = SQFS_COMP_FLAG_UNCOMPRESS;
	cfg->block_size = (sqfs_u32)r->block_size;
	r->codec->defaults(cfg);
}

static int reader_write_options(sqfs_compressor_t *cmp, sqfs_file_t *file)
{
	return SQFS_ERROR_UNSUPPORTED;
}

static int reader_read_options(sqfs_compressor_t *cmp, sqfs_file_t *file)
{
	return 0;
}

static sqfs_s32 reader_do_block(sqfs_compressor_t *cmp, const sqfs_u8 *in, sqfs_u32 size,
				sqfs_u8 *out, sqfs_u32 outsize)
{
	codec_reader *r = (codec_reader *)cmp;
	return r->codec->decode(r->state, in, size, out, outsize);
}

static void reader_destroy(sqfs_object_t *obj)
{
	codec_reader *r = (codec_reader *)obj;
	r->codec->close(r->state);
	free(r);
}

static sqfs_object_t *reader_copy(const sqfs_object_t *obj)
{
	const codec_reader *r = (const codec_reader *)obj;
	return (sqfs_object_t *)fg_sq_reader_new(r->codec, r->block_size);
}

sqfs_compressor_t *fg_sq_reader_new(const fg_sq_codec *codec, size_t block_size)
{
	codec_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	if (!codec->open(&r->state)) {
		free(r);
		return NULL;
	}
	r->codec = codec;
	r->block_size = block_size;
	r->base.base.destroy = reader_destroy;
	r->base.base.copy = reader_copy;
	r->base.get_configuration = reader_get_configuration;
	r->base.write_options = reader_write_options;
	r->base.read_options = reader_read_options;
	r->base.do_block = reader_do_block;
	return &r->base;
}

const fg_sq_codec *fg_sq_codec_for(unsigned id)
{
	static const fg_sq_codec *const codecs[] = {
		&fg_sq_deflate_codec, &fg_sq_lzo_codec, &fg_sq_xz_codec, &fg_sq_zstd_codec,
	};
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if ((unsigned)codecs[i]->id == id)
			return codecs[i];
	return NULL;
}
