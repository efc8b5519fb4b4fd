/*
 * squashfs_lzo.c - squashfs "lzo" blocks: Debian's libsquashfs is built
 * without LZO, so this decoder is the only one. The options a writer
 * stores only name the LZO1X variant it used; every variant decompresses
 * with the same routine.
 */
#include <pthread.h>
#include <stdint.h>

#include <lzo/lzo1x.h>
#include <sqfs/error.h>

#include "unpack/squashfs_codec.h"

static pthread_once_t lzo_once = PTHREAD_ONCE_INIT;
static bool lzo_ready;

static void lzo_setup(void)
{
	lzo_ready = lzo_init() == LZO_E_OK;
}

static void lzo_defaults(sqfs_compressor_config_t *cfg)
{
	cfg->level = SQFS_LZO_DEFAULT_LEVEL;
	cfg->opt.lzo.algorithm = SQFS_LZO_DEFAULT_ALG;
}

/* No state; the library itself is set up once. */
static bool lzo_open(void **state)
{
	pthread_once(&lzo_once, lzo_setup);
	*state = NULL;
	return lzo_ready;
}

static void lzo_close(void *state)
{
}

static sqfs_s32 lzo_decode(void *state, const sqfs_u8 *in, sqfs_u32 size, sqfs_u8 *out,
			   sqfs_u32 outsize)
{
	lzo_uint n = outsize < INT32_MAX ? outsize : INT32_MAX;
	int ret = lzo1x_decompress_safe((const lzo_bytep)in, size, out, &n, NULL);
	if (ret == LZO_E_OUTPUT_OVERRUN)
		return SQFS_ERROR_OVERFLOW;
	if (ret != LZO_E_OK || n == 0)
		return SQFS_ERROR_COMPRESSOR;
	return (sqfs_s32)n;
}

const fg_sq_codec fg_sq_lzo_codec = {
	.id = SQFS_COMP_LZO,
	.defaults = lzo_defaults,
	.open = lzo_open,
	.close = lzo_close,
	.decode = lzo_decode,
};
