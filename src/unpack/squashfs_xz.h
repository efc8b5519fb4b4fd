/*
 * squashfs_xz.h - a decompress-only squashfs "xz" compressor object that
 * keeps its decoder between blocks (squashfs_xz.c).
 */
#ifndef FG_SQUASHFS_XZ_H
#define FG_SQUASHFS_XZ_H

#include <stddef.h>

#include <sqfs/compressor.h>

/* NULL when out of memory. Each object owns one liblzma decoder, so it
 * must be used by one thread at a time (copy() makes another). */
sqfs_compressor_t *fg_sq_xz_reader_new(size_t block_size);

#endif
