/*
 * squashfs_deflate.h - a decompress-only squashfs "gzip" compressor
 * object backed by libdeflate (squashfs_deflate.c).
 */
#ifndef FG_SQUASHFS_DEFLATE_H
#define FG_SQUASHFS_DEFLATE_H

#include <stddef.h>

#include <sqfs/compressor.h>

/* NULL when out of memory. Each object owns one libdeflate decompressor,
 * so it must be used by one thread at a time (copy() makes another). */
sqfs_compressor_t *fg_sq_deflate_reader_new(size_t block_size);

#endif
