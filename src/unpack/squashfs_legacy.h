/*
 * squashfs_legacy.h - shared state of the squashfs_legacy handler
 * (squashfs_legacy.c: superblock, inodes, directory walk;
 * squashfs_legacy_io.c: decompression, metadata blocks, file content).
 *
 * Internal to those two files.
 */
#ifndef FG_SQUASHFS_LEGACY_H
#define FG_SQUASHFS_LEGACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/u64map.h"
#include "core/vec.h"
#include "unpack/format.h"

#define SQL_META_SIZE 8192u           /* uncompressed metadata block */
#define SQL_INVALID_FRAG 0xffffffffu  /* file without a tail fragment */
#define SQL_FRAG_SLOTS 4              /* decoded fragment blocks kept */

/* v4 compressor ids; v2/v3 images are zlib or a vendor LZMA (tried). */
enum {
	SQL_COMP_GZIP = 1, SQL_COMP_LZMA = 2, SQL_COMP_LZO = 3,
	SQL_COMP_XZ = 4, SQL_COMP_LZ4 = 5, SQL_COMP_ZSTD = 6,
};

/* How a block is compressed; v2/v3 images are identified by trying. */
typedef enum sql_method {
	SQL_M_UNKNOWN = 0,
	SQL_M_ZLIB,
	SQL_M_LZMA_ALONE,   /* 13-byte header: properties, dictionary, size */
	SQL_M_LZMA_PROPS,   /* 5-byte header: properties, dictionary */
	SQL_M_LZMA_RAW,     /* no header: lc=3 lp=0 pb=2, dictionary = block size */
	SQL_M_LZO,
	SQL_M_XZ,
	SQL_M_LZ4,
	SQL_M_ZSTD,
} sql_method;

typedef struct sql_super {
	bool be;
	unsigned major, minor;
	uint32_t inodes, mkfs_time, block_size, block_log, flags, fragments;
	unsigned comp;              /* v4 compressor id; 0 for v2/v3 */
	uint64_t root_ref, bytes_used;
	uint64_t inode_table, dir_table, frag_table;
	uint64_t uid_start, guid_start; /* v2/v3: raw arrays of u32 */
	uint32_t no_uids, no_guids;
	uint64_t id_table;          /* v4: index of metadata blocks */
	uint32_t no_ids;
	size_t meta_hdr;            /* metadata block header: 2, 3 with v2/v3 "check" */
} sql_super;

/* A position in a metadata stream: block on disk, offset in its content. */
typedef struct sql_mpos {
	uint64_t block;             /* absolute position of the block header */
	uint32_t off;               /* in the block's uncompressed content */
	uint64_t end;               /* blocks must start before this */
} sql_mpos;

typedef struct sql_mblock {
	uint64_t next;              /* position of the following block */
	size_t len;
	uint8_t data[SQL_META_SIZE];
} sql_mblock;

typedef struct sql_frag_slot {
	uint32_t index;
	bool used;
	size_t len;
	uint8_t *data;              /* block_size bytes */
} sql_frag_slot;

/* A regular file's content, as the inode describes it. */
typedef struct sql_file {
	uint64_t start;             /* first data block */
	uint64_t size;
	uint32_t frag, frag_off;
	sql_mpos blocks;            /* where the block list starts */
} sql_file;

typedef struct sql_image {
	fg_unpack_ctx *ctx;
	fg_node *root;
	fg_budget *budget;
	const uint8_t *data;
	size_t len;                 /* bytes of the image present */
	sql_super sb;
	sql_method method;          /* what decoded the blocks so far */
	int hdr_order;              /* metadata headers: 1 big-endian, 0 little, -1 not known */

	fg_u64map meta;             /* block position -> sql_mblock */
	FG_VEC(sql_mblock *) mblocks;
	uint64_t cache_bytes;       /* charged to the budget for the cache */

	sql_frag_slot frags[SQL_FRAG_SLOTS];
	unsigned frag_next;
	void *zs, *lz, *zstd;       /* decoder states, made on first use */

	uint64_t expand_cap;        /* bytes the content may expand to; 0 = no cap */
	uint64_t expanded;
	bool stop;
} sql_image;

/* ---- squashfs_legacy_io.c ---- */

/* Reads one field of N bits at bit POS of P, laid out as the image's
 * compiler laid out bitfields: counted from the least significant bit of
 * little-endian images, from the most significant of big-endian ones.
 * Whole bytes at byte positions come out as plain integers. */
uint64_t sql_bits(const uint8_t *p, unsigned pos, unsigned n, bool be);

/* Decompresses one block (data or metadata) into OUT (CAP bytes);
 * returns the bytes produced, or -1. v2/v3 images find their method on
 * the first block that decodes. */
long sql_decompress(sql_image *im, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap);

/* Name of the method, for format_info. */
const char *sql_method_name(sql_method m);

/* Copies N bytes of the metadata stream at *POS to OUT (NULL: skips them)
 * and advances *POS. False when a block is missing, outside its table or
 * corrupt. */
bool sql_meta_read(sql_image *im, sql_mpos *pos, void *out, size_t n);

/* Reads FILE's content into BUF (file->size bytes); returns the good
 * prefix's length and sets *WHY when it is short. */
uint64_t sql_read_file(sql_image *im, const sql_file *file, uint8_t *buf, const char **why);

/* True when FILE's content is stored uncompressed and contiguous at
 * *AT in the image (so the node can point into the input). */
bool sql_file_in_place(sql_image *im, const sql_file *file, uint64_t *at);

void sql_io_free(sql_image *im);

#endif
