/*
 * squashfs_codec.h - decompress-only squashfs compressor objects of our
 * own, for the compressors where libsquashfs's would be missing (LZO in
 * Debian's build) or slow (zlib's streaming inflate; a zstd context or
 * an xz decoder and its dictionary set up and freed for every block).
 *
 * libsquashfs reads through a sqfs_compressor_t; squashfs_codec.c makes
 * one from a codec, which only says how to decode a block and what
 * per-reader state that takes. The state belongs to one reader, so a
 * reader is used by one thread at a time (copy() makes another, with
 * state of its own). The options a writer may store only steer
 * compression: a reader has nothing to read from them.
 */
#ifndef FG_SQUASHFS_CODEC_H
#define FG_SQUASHFS_CODEC_H

#include <stdbool.h>
#include <stddef.h>

#include <sqfs/compressor.h>

typedef struct fg_sq_codec {
	SQFS_COMPRESSOR id;
	/* The compressor's defaults, for get_configuration() (id, flags and
	 * block size are set already). */
	void (*defaults)(sqfs_compressor_config_t *cfg);
	/* Per-reader state into *STATE (may stay NULL); false when it cannot
	 * be had. CLOSE frees it (NULL fine). */
	bool (*open)(void **state);
	void (*close)(void *state);
	/* One block: its decoded size, or a negative SQFS_ERROR_*. */
	sqfs_s32 (*decode)(void *state, const sqfs_u8 *in, sqfs_u32 size, sqfs_u8 *out,
			   sqfs_u32 outsize);
} fg_sq_codec;

extern const fg_sq_codec fg_sq_deflate_codec; /* squashfs_deflate.c */
extern const fg_sq_codec fg_sq_lzo_codec;     /* squashfs_lzo.c */
extern const fg_sq_codec fg_sq_xz_codec;      /* squashfs_xz.c */
extern const fg_sq_codec fg_sq_zstd_codec;    /* squashfs_zstd.c */

/* A reader decoding with CODEC; NULL when out of memory or the codec's
 * state cannot be set up. */
sqfs_compressor_t *fg_sq_reader_new(const fg_sq_codec *codec, size_t block_size);

/* The codec of ours for compressor ID, or NULL (libsquashfs's then). */
const fg_sq_codec *fg_sq_codec_for(unsigned id);

#endif
