/*
 * squashfs_zstd.h - a decompress-only squashfs "zstd" compressor object
 * that keeps its zstd context (squashfs_zstd.c).
 */
#ifndef FG_SQUASHFS_ZSTD_H
#define FG_SQUASHFS_ZSTD_H

#include <stddef.h>

#include <sqfs/compressor.h>

/* NULL when out of memory. Each object owns one ZSTD_DCtx, so it must be
 * used by one thread at a time (copy() makes another). */
sqfs_compressor_t *fg_sq_zstd_reader_new(size_t block_size);

#endif
