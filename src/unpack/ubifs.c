/*
 * ubifs.c - UBIFS, read directly from a volume image.
 *
 * The input is a UBIFS volume as the UBI handler rebuilds it (LEB n at
 * n * leb_size), or a raw image mkfs.ubifs wrote, which has the same
 * layout. Every UBIFS object is a node: a common header (magic
 * 0x06101831, little-endian, CRC-32 of the node past the CRC field with
 * init 0xffffffff and no final inversion, sequence number, length, type)
 * followed by the type's fields.
 *
 *   LEB 0      superblock node: geometry and the default compressor
 *   LEB 1, 2   master nodes (written over and over; the newest wins):
 *              where the root of the index is
 *   main area  index nodes (a B+-tree keyed by (inum, type, hash/block))
 *              whose leaves are inode, directory-entry and data nodes
 *
 * The walk starts at the root index node and follows branches with a
 * depth cap and a set of positions already visited (so a loop in a
 * hostile index ends). The committed index alone describes a consistent
 * file system. What that ignores: the journal (nodes written since the
 * last commit, i.e. changes a running device made and had not committed
 * when it was dumped or lost power; mkfs.ubifs images have none) and the
 * orphan area (inodes deleted while still open). Those changes are not
 * seen; the tree is the last committed state. Only when the index is
 * unusable (no master node, an unreadable root, no inode reachable) is
 * every LEB scanned for nodes instead, the newest of each key winning: a
 * best-effort rebuild that may show stale entries.
 *
 * The tree is rebuilt from the root inode (1) through directory entries;
 * a directory is listed once however many entries name it, and nesting
 * stops at UF_MAX_DEPTH. Regular files are sized by their inode, data
 * nodes (4 KiB blocks, each compressed on its own with none, LZO, raw
 * deflate or zstd) fill them, and missing blocks are holes (zeros). A
 * hard link (an inode named by several entries) shares the first
 * name's content.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lzo/lzo1x.h>
#include <zlib.h>
#include <zstd.h>

#include "core/crc32.h"
#include "core/pathbuf.h"
#include "core/u64map.h"
#include "core/cursor.h"
#include "unpack/format.h"

#define UF_MAGIC 0x06101831u
#define UF_CH_SZ 24
#define UF_SB_SZ 4096
#define UF_MST_SZ 512
#define UF_INO_SZ 160
#define UF_DATA_SZ 48
#define UF_DENT_SZ 56
#define UF_IDX_SZ 28
#define UF_BRANCH_MIN 20          /* lnum, offs, len and an 8-byte key */
#define UF_BLOCK 4096
#define UF_MAX_INO_DATA 4096
#define UF_MAX_NLEN 255
#define UF_MIN_LEB (15 * 1024)
#define UF_MAX_LEB (16u << 20)
#define UF_MAX_INDEX_LEVELS 64    /* the format allows 512; real trees are far lower */
#define UF_MAX_DEPTH 256          /* directory nesting we follow */
#define UF_MAX_REJECTS 10000
#define UF_ROOT_INO 1
#define UF_KEY_BITS 29
#define UF_KEY_MASK 0x1fffffffu

enum { UF_INO_NODE, UF_DATA_NODE, UF_DENT_NODE, UF_XENT_NODE, UF_TRUN_NODE, UF_PAD_NODE,
       UF_SB_NODE, UF_MST_NODE, UF_REF_NODE, UF_IDX_NODE };
enum { UF_COMPR_NONE, UF_COMPR_LZO, UF_COMPR_ZLIB, UF_COMPR_ZSTD, UF_COMPR_CNT };
#define UF_CRYPT_FL 0x40
#define UF_FLG_ENCRYPTION 0x10

static const char *const compr_names[UF_COMPR_CNT] = { "none", "lzo", "zlib", "zstd" };

static uint64_t load_u64le(const uint8_t *p)
{
	return fg_load_u32le(p) | ((uint64_t)fg_load_u32le(p + 4) << 32);
}

static uint16_t load_u16le(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

/* crc32_le(0xffffffff, ...) without the final inversion, as UBIFS
 * computes it: zlib's value complemented. */
static uint32_t uf_crc(const uint8_t *p, size_t n)
{
	return ~fg_crc32(0, p, n);
}

/* ---- superblock and probe -------------------------------------------- */

typedef struct uf_super {
	uint32_t flags, min_io, leb_size, leb_cnt, fmt_version;
	uint16_t compr;
	uint8_t key_fmt;
} uf_super;

/* A node at P with AVAIL bytes in reach: magic, a length that fits, and
 * the CRC. Returns its length, or 0. */
static uint32_t node_ok(const uint8_t *p, size_t avail)
{
	if (avail < UF_CH_SZ || fg_load_u32le(p) != UF_MAGIC)
		return 0;
	uint32_t len = fg_load_u32le(p + 16);
	if (len < UF_CH_SZ || len > avail)
		return 0;
	return uf_crc(p + 8, len - 8) == fg_load_u32le(p + 4) ? len : 0;
}

static bool read_super(const uint8_t *d, size_t len, uf_super *sb)
{
	if (node_ok(d, len) != UF_SB_SZ || d[20] != UF_SB_NODE)
		return false;
	sb->key_fmt = d[27];
	sb->flags = fg_load_u32le(d + 28);
	sb->min_io = fg_load_u32le(d + 32);
	sb->leb_size = fg_load_u32le(d + 36);
	sb->leb_cnt = fg_load_u32le(d + 40);
	sb->fmt_version = fg_load_u32le(d + 80);
	sb->compr = load_u16le(d + 84);
	return true;
}

/* Why the superblock's geometry is unusable, or NULL. */
static const char *super_insane(const uf_super *sb)
{
	if (sb->leb_size < UF_MIN_LEB || sb->leb_size > UF_MAX_LEB || sb->leb_size % 8)
		return "LEB size out of range";
	if (!sb->min_io || (sb->min_io & (sb->min_io - 1)) || sb->min_io > sb->leb_size)
		return "min I/O size out of range";
	if (sb->leb_cnt < 3)
		return "fewer LEBs than the superblock and master areas need";
	if (sb->key_fmt != 0)
		return "unknown key format";
	return NULL;
}

static int uf_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	if (len < UF_SB_SZ || fg_load_u32le(data) != UF_MAGIC || data[20] != UF_SB_NODE)
		return 0;
	uf_super sb;
	if (!read_super(data, len, &sb))
		return 10; /* claimed at offset 0 only, so unpack says what is wrong */
	if (super_insane(&sb))
		return 20;
	uint64_t full = (uint64_t)sb.leb_cnt * sb.leb_size;
	*chunk_len = full < len ? full : len;
	return full <= len ? 95 : 70; /* a truncated image is still one */
}

static const fg_magic uf_magics[] = {
	{ "\x31\x18\x10\x06", 4, 0 },
	FG_MAGIC_END,
};

/* ---- the image's state ------------------------------------------------- */

typedef struct uf_ino {
	uint32_t inum;
	uint64_t sqnum;
	const uint8_t *node;      /* checked: UF_INO_SZ + data_len bytes */
} uf_ino;

typedef struct uf_dent {
	uint32_t parent;
	uint64_t inum, sqnum;
	const char *name;         /* NUL-terminated in the node */
	uint16_t nlen;
} uf_dent;

typedef struct uf_data {
	uint32_t inum, block;
	uint64_t sqnum;
	const uint8_t *node;
	uint32_t len;
} uf_data;

typedef struct uf_index {
	uint32_t lnum, offs, len;
	unsigned depth;
	uint32_t key_inum, key_rest;   /* the branch's key (not set for the root) */
} uf_index;

/* A data block whose node the index names but which is unreadable. */
typedef struct uf_lost {
	uint32_t inum, block;
} uf_lost;

typedef FG_VEC(uf_index) uf_index_vec;

typedef struct uf_frame {
	uint32_t inum;
	size_t pos, end;          /* its entries in fs->dents */
	fg_node *node;
	size_t path_len;
} uf_frame;

typedef struct uf_fs {
	fg_unpack_ctx *ctx;
	fg_node *root;
	fg_budget *budget;
	const uint8_t *data;
	size_t len;
	uf_super sb;
	uint32_t lebs_present;    /* LEBs at least partly in the image */

	FG_VEC(uf_ino) inos;
	FG_VEC(uf_dent) dents;
	FG_VEC(uf_data) datas;
	FG_VEC(uf_lost) lost;
	uint64_t bad_nodes;       /* CRC or structure wrong */
	uint64_t loops;           /* index branches to a node already walked */
	uint64_t too_deep;

	fg_u64map dirs_listed;      /* directory inums already walked */
	fg_u64map files;            /* inum -> first node naming a regular file */
	FG_VEC(uf_frame) stack;
	char *path;
	size_t path_cap;

	z_stream zs;
	bool zs_ready;
	ZSTD_DCtx *zstd;
	uint8_t block[UF_BLOCK];

	uint64_t expand_cap, expanded;
	uint64_t rejects;
	uint64_t bad_blocks;
	bool stop;
} uf_fs;

/* The node at LNUM:OFFS, checked (CRC, fits its LEB and the image).
 * Returns its length and sets *P, or 0. */
static uint32_t node_at(const uf_fs *fs, uint32_t lnum, uint32_t offs, const uint8_t **p)
{
	if (lnum >= fs->lebs_present || offs % 8 || offs >= fs->sb.leb_size)
		return 0;
	size_t pos = (size_t)lnum * fs->sb.leb_size + offs;
	if (pos >= fs->len)
		return 0;
	size_t avail = fs->sb.leb_size - offs;
	if (avail > fs->len - pos)
		avail = fs->len - pos;
	*p = fs->data + pos;
	return node_ok(*p, avail);
}

/* ---- leaves ------------------------------------------------------------ */

static uint32_t key_type(const uint8_t *node)
{
	return fg_load_u32le(node + 28) >> UF_KEY_BITS;
}

static bool add_ino(uf_fs *fs, const uint8_t *n, uint32_t len)
{
	if (len < UF_INO_SZ || key_type(n) != UF_INO_NODE)
		return false;
	uint32_t dlen = fg_load_u32le(n + 112);
	if (dlen > UF_MAX_INO_DATA || dlen > len - UF_INO_SZ)
		return false;
	uf_ino i = { fg_load_u32le(n + 24), load_u64le(n + 8), n };
	if (!FG_VEC_PUSH(&fs->inos, i))
		fs->stop = true;
	return true;
}

static bool add_dent(uf_fs *fs, const uint8_t *n, uint32_t len)
{
	if (len < UF_DENT_SZ + 1 || key_type(n) != UF_DENT_NODE)
		return false;
	uint16_t nlen = load_u16le(n + 50);
	if (!nlen || nlen > UF_MAX_NLEN || (uint32_t)UF_DENT_SZ + nlen + 1 > len || n[UF_DENT_SZ + nlen])
		return false;
	uf_dent d = { fg_load_u32le(n + 24), load_u64le(n + 40), load_u64le(n + 8),
		      (const char *)n + UF_DENT_SZ, nlen };
	if (!FG_VEC_PUSH(&fs->dents, d))
		fs->stop = true;
	return true;
}

static bool add_data(uf_fs *fs, const uint8_t *n, uint32_t len)
{
	if (len < UF_DATA_SZ || key_type(n) != UF_DATA_NODE || fg_load_u32le(n + 40) > UF_BLOCK)
		return false;
	uf_data d = { fg_load_u32le(n + 24), fg_load_u32le(n + 28) & UF_KEY_MASK,
		      load_u64le(n + 8), n, len };
	if (!FG_VEC_PUSH(&fs->datas, d))
		fs->stop = true;
	return true;
}

/* Files the leaf by type. False when it is malformed. Other node types
 * (extended-attribute entries, truncation nodes) are not needed. */
static bool add_leaf(uf_fs *fs, const uint8_t *n, uint32_t len)
{
	switch (n[20]) {
	case UF_INO_NODE: return add_ino(fs, n, len);
	case UF_DENT_NODE: return add_dent(fs, n, len);
	case UF_DATA_NODE: return add_data(fs, n, len);
	}
	return true;
}

/* ---- the index ---------------------------------------------------------- */

/* Pushes the branches of index node N. False when it is malformed. */
static bool push_branches(uf_fs *fs, uf_index_vec *todo, const uint8_t *n, uint32_t len,
			  unsigned depth)
{
	if (len < UF_IDX_SZ)
		return false;
	uint16_t cnt = load_u16le(n + 24);
	if (!cnt || (len - UF_IDX_SZ) % cnt)
		return false;
	uint32_t bsz = (len - UF_IDX_SZ) / cnt;
	if (bsz < UF_BRANCH_MIN)
		return false;
	if (depth + 1 >= UF_MAX_INDEX_LEVELS) {
		fs->too_deep++;
		return true;
	}
	for (uint16_t i = 0; i < cnt; i++) {
		const uint8_t *b = n + UF_IDX_SZ + (size_t)i * bsz;
		uf_index e = { fg_load_u32le(b), fg_load_u32le(b + 4), fg_load_u32le(b + 8), depth + 1,
			       fg_load_u32le(b + 12), fg_load_u32le(b + 16) };
		if (!FG_VEC_PUSH(todo, e)) {
			fs->stop = true;
			return true;
		}
	}
	return true;
}

/* Counts a branch to a bad node; a data block's key is kept so the file
 * it belongs to can say its content is incomplete. */
static void note_bad(uf_fs *fs, const uf_index *e)
{
	fs->bad_nodes++;
	if (e->depth && e->key_rest >> UF_KEY_BITS == UF_DATA_NODE) {
		uf_lost l = { e->key_inum, e->key_rest & UF_KEY_MASK };
		if (!FG_VEC_PUSH(&fs->lost, l))
			fs->stop = true;
	}
}

/* Walks the index from the root. Returns false when even the root was
 * unusable. */
static bool walk_index(uf_fs *fs, uint32_t lnum, uint32_t offs, uint32_t len)
{
	uf_index_vec todo = { 0 };
	fg_u64map seen = { 0 };
	bool root_ok = false;
	uf_index r = { lnum, offs, len, 0, 0, 0 };
	if (!FG_VEC_PUSH(&todo, r))
		return false;
	while (todo.n && !fs->stop) {
		uf_index e = todo.v[--todo.n];
		uint64_t key = ((uint64_t)e.lnum << 32) | e.offs;
		if (fg_u64map_get(&seen, key)) {
			fs->loops++;
			continue;
		}
		if (!fg_u64map_put(&seen, key, (void *)1)) {
			fs->stop = true;
			break;
		}
		const uint8_t *n;
		uint32_t got = node_at(fs, e.lnum, e.offs, &n);
		bool ok = got && got == e.len;
		if (ok && n[20] == UF_IDX_NODE)
			ok = push_branches(fs, &todo, n, got, e.depth);
		else if (ok)
			ok = e.depth > 0 && add_leaf(fs, n, got);
		if (!ok)
			note_bad(fs, &e);
		else if (e.depth == 0)
			root_ok = true;
	}
	FG_VEC_FREE(&todo);
	fg_u64map_free(&seen);
	return root_ok;
}

/* The newest valid master node in LEBs 1 and 2, or NULL. */
static const uint8_t *find_master(const uf_fs *fs)
{
	const uint8_t *best = NULL;
	for (uint32_t lnum = 1; lnum <= 2; lnum++) {
		for (uint32_t offs = 0; offs + UF_MST_SZ <= fs->sb.leb_size; offs += 8) {
			const uint8_t *n;
			uint32_t len = node_at(fs, lnum, offs, &n);
			if (!len) {
				/* nothing written past the first gap but 0xff */
				if ((size_t)lnum * fs->sb.leb_size + offs >= fs->len)
					break;
				continue;
			}
			if (n[20] == UF_MST_NODE && len == UF_MST_SZ &&
			    (!best || load_u64le(n + 8) > load_u64le(best + 8)))
				best = n;
			offs += ((len + 7) & ~7u) - 8;
		}
	}
	return best;
}

/* Index unusable: every node in the LEBs past the master area. */
static void scan_all(uf_fs *fs)
{
	static const uint8_t magic[4] = { 0x31, 0x18, 0x10, 0x06 };
	for (uint32_t lnum = 3; lnum < fs->lebs_present && !fs->stop; lnum++) {
		size_t base = (size_t)lnum * fs->sb.leb_size;
		size_t end = fs->len - base < fs->sb.leb_size ? fs->len - base : fs->sb.leb_size;
		size_t offs = 0;
		while (offs + UF_CH_SZ <= end && !fs->stop) {
			const uint8_t *hit = memmem(fs->data + base + offs, end - offs, magic, 4);
			if (!hit)
				break;
			offs = (size_t)(hit - (fs->data + base));
			if (offs % 8) {
				offs = (offs + 7) & ~(size_t)7;
				continue;
			}
			const uint8_t *n;
			uint32_t len = node_at(fs, lnum, (uint32_t)offs, &n);
			if (len && n[20] != UF_IDX_NODE && add_leaf(fs, n, len)) {
				offs += (len + 7) & ~(size_t)7;
				continue;
			}
			offs += 8;
		}
	}
}

/* ---- sorting and the newest of each key ------------------------------- */

static int ino_cmp(const void *a, const void *b)
{
	const uf_ino *x = a, *y = b;
	if (x->inum != y->inum)
		return x->inum < y->inum ? -1 : 1;
	return x->sqnum > y->sqnum ? -1 : x->sqnum < y->sqnum;
}

static int name_cmp(const uf_dent *x, const uf_dent *y)
{
	size_t n = x->nlen < y->nlen ? x->nlen : y->nlen;
	int c = memcmp(x->name, y->name, n);
	if (c)
		return c;
	return x->nlen < y->nlen ? -1 : x->nlen > y->nlen;
}

static int dent_cmp(const void *a, const void *b)
{
	const uf_dent *x = a, *y = b;
	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	int c = name_cmp(x, y);
	if (c)
		return c;
	return x->sqnum > y->sqnum ? -1 : x->sqnum < y->sqnum;
}

static int data_cmp(const void *a, const void *b)
{
	const uf_data *x = a, *y = b;
	if (x->inum != y->inum)
		return x->inum < y->inum ? -1 : 1;
	if (x->block != y->block)
		return x->block < y->block ? -1 : 1;
	return x->sqnum > y->sqnum ? -1 : x->sqnum < y->sqnum;
}

static int lost_cmp(const void *a, const void *b)
{
	const uf_lost *x = a, *y = b;
	if (x->inum != y->inum)
		return x->inum < y->inum ? -1 : 1;
	return x->block < y->block ? -1 : x->block > y->block;
}

/* Sorts and keeps the newest node of each key. A committed index holds
 * one per key; a scan sees every version. Deleted inodes (no links) and
 * deletion entries (inode 0) then drop out. */
static void settle(uf_fs *fs)
{
	size_t out = 0;
	if (fs->inos.n)
		qsort(fs->inos.v, fs->inos.n, sizeof(*fs->inos.v), ino_cmp);
	for (size_t i = 0; i < fs->inos.n; i++) {
		if (i && fs->inos.v[i].inum == fs->inos.v[i - 1].inum)
			continue;
		if (fg_load_u32le(fs->inos.v[i].node + 92) == 0 && fs->inos.v[i].inum != UF_ROOT_INO)
			continue;
		fs->inos.v[out++] = fs->inos.v[i];
	}
	fs->inos.n = out;
	out = 0;
	if (fs->dents.n)
		qsort(fs->dents.v, fs->dents.n, sizeof(*fs->dents.v), dent_cmp);
	for (size_t i = 0; i < fs->dents.n; i++) {
		const uf_dent *d = &fs->dents.v[i];
		if (i && d->parent == d[-1].parent && !name_cmp(d, d - 1))
			continue;
		if (d->inum)
			fs->dents.v[out++] = *d;
	}
	fs->dents.n = out;
	out = 0;
	if (fs->datas.n)
		qsort(fs->datas.v, fs->datas.n, sizeof(*fs->datas.v), data_cmp);
	for (size_t i = 0; i < fs->datas.n; i++) {
		const uf_data *d = &fs->datas.v[i];
		if (i && d->inum == d[-1].inum && d->block == d[-1].block)
			continue;
		fs->datas.v[out++] = *d;
	}
	fs->datas.n = out;
	if (fs->lost.n)
		qsort(fs->lost.v, fs->lost.n, sizeof(*fs->lost.v), lost_cmp);
}

static const uf_ino *find_ino(const uf_fs *fs, uint64_t inum)
{
	size_t lo = 0, hi = fs->inos.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (fs->inos.v[mid].inum < inum)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < fs->inos.n && fs->inos.v[lo].inum == inum ? &fs->inos.v[lo] : NULL;
}

/* First entry of directory PARENT (dents sorted), or dents.n. */
static size_t first_dent(const uf_fs *fs, uint32_t parent)
{
	size_t lo = 0, hi = fs->dents.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (fs->dents.v[mid].parent < parent)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Blocks of INUM below SPAN whose nodes were unreadable. */
static uint64_t lost_blocks(const uf_fs *fs, uint32_t inum, uint64_t span)
{
	size_t lo = 0, hi = fs->lost.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (fs->lost.v[mid].inum < inum)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint64_t n = 0;
	for (; lo < fs->lost.n && fs->lost.v[lo].inum == inum; lo++)
		if ((uint64_t)fs->lost.v[lo].block * UF_BLOCK < span)
			n++;
	return n;
}

static size_t first_data(const uf_fs *fs, uint32_t inum)
{
	size_t lo = 0, hi = fs->datas.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (fs->datas.v[mid].inum < inum)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- file content ------------------------------------------------------- */

static pthread_once_t lzo_once = PTHREAD_ONCE_INIT;
static bool lzo_ready;

static void lzo_setup(void)
{
	lzo_ready = lzo_init() == LZO_E_OK;
}

static bool inflate_block(uf_fs *fs, const uint8_t *in, size_t n, size_t *out)
{
	if (!fs->zs_ready) {
		if (inflateInit2(&fs->zs, -MAX_WBITS) != Z_OK)
			return false;
		fs->zs_ready = true;
	} else if (inflateReset(&fs->zs) != Z_OK) {
		return false;
	}
	fs->zs.next_in = (Bytef *)in;
	fs->zs.avail_in = (uInt)n;
	fs->zs.next_out = fs->block;
	fs->zs.avail_out = UF_BLOCK;
	int rc = inflate(&fs->zs, Z_FINISH);
	*out = UF_BLOCK - fs->zs.avail_out;
	/* the kernel's deflate may end a block without a final marker */
	return rc == Z_STREAM_END || ((rc == Z_OK || rc == Z_BUF_ERROR) && fs->zs.avail_in == 0);
}

/* Decompresses data node D into fs->block; returns its bytes or -1. */
static long decode_block(uf_fs *fs, const uf_data *d)
{
	const uint8_t *in = d->node + UF_DATA_SZ;
	size_t n = d->len - UF_DATA_SZ, out = 0;
	uint32_t want = fg_load_u32le(d->node + 40);
	switch (load_u16le(d->node + 44)) {
	case UF_COMPR_NONE:
		if (n < want)
			return -1;
		memcpy(fs->block, in, want);
		return want;
	case UF_COMPR_LZO: {
		pthread_once(&lzo_once, lzo_setup);
		lzo_uint got = UF_BLOCK;
		if (!lzo_ready || lzo1x_decompress_safe(in, n, fs->block, &got, NULL) != LZO_E_OK)
			return -1;
		out = got;
		break;
	}
	case UF_COMPR_ZLIB:
		if (!inflate_block(fs, in, n, &out))
			return -1;
		break;
	case UF_COMPR_ZSTD: {
		if (!fs->zstd && !(fs->zstd = ZSTD_createDCtx()))
			return -1;
		size_t got = ZSTD_decompressDCtx(fs->zstd, fs->block, UF_BLOCK, in, n);
		if (ZSTD_isError(got))
			return -1;
		out = got;
		break;
	}
	default:
		return -1;
	}
	return out == want ? (long)out : -1;
}

/* Bytes of a file's content worth materialising: all of it when the
 * expansion budget allows, else up to its last stored block (a trailing
 * hole is not worth memory), else what the budget still allows. */
static uint64_t content_span(const uf_fs *fs, uint64_t size, size_t first, size_t end)
{
	uint64_t left = fs->expand_cap ? fs->expand_cap - fs->expanded : UINT64_MAX;
	if (size <= left)
		return size;
	uint64_t stored = 0;
	if (end > first)
		stored = ((uint64_t)fs->datas.v[end - 1].block + 1) * UF_BLOCK;
	if (stored > size)
		stored = size;
	return stored <= left ? stored : left & ~(uint64_t)(UF_BLOCK - 1);
}

static void fill_content(uf_fs *fs, fg_node *n, uint32_t inum, uint8_t *buf, uint64_t span,
			 size_t first, size_t end)
{
	uint64_t bad = lost_blocks(fs, inum, span);
	for (size_t i = first; i < end; i++) {
		const uf_data *d = &fs->datas.v[i];
		uint64_t at = (uint64_t)d->block * UF_BLOCK;
		if (at >= span)
			break;
		long got = decode_block(fs, d);
		if (got < 0) {
			bad++;
			continue;
		}
		uint64_t n_copy = (uint64_t)got < span - at ? (uint64_t)got : span - at;
		memcpy(buf + at, fs->block, (size_t)n_copy);
	}
	if (bad) {
		fs->bad_blocks += bad;
		fg_unpack_truncated(fs->ctx, n, "%llu data blocks unreadable (left as zeros)",
				    (unsigned long long)bad);
	}
}

static void read_file(uf_fs *fs, fg_node *n, const uf_ino *ino)
{
	const uint8_t *in = ino->node;
	uint64_t size = load_u64le(in + 48);
	n->size = size;
	if (!size)
		return;
	if (fg_load_u32le(in + 108) & UF_CRYPT_FL) {
		fg_unpack_truncated(fs->ctx, n, "content is encrypted");
		return;
	}
	if (size > fs->budget->limits.max_file_size) {
		fg_unpack_truncated(fs->ctx, n, "file of %llu bytes is over the per-file limit (%llu)",
				    (unsigned long long)size,
				    (unsigned long long)fs->budget->limits.max_file_size);
		return;
	}
	size_t first = first_data(fs, ino->inum), end = first;
	while (end < fs->datas.n && fs->datas.v[end].inum == ino->inum)
		end++;
	uint64_t span = content_span(fs, size, first, end);
	uint8_t *buf = span ? fg_unpack_alloc(fs->ctx, (size_t)span) : NULL;
	if (!buf) {
		fg_unpack_truncated(fs->ctx, n, "content of %llu bytes not extracted: %s",
				    (unsigned long long)size,
				    span ? "byte budget spent" : "image expansion limit reached");
		return;
	}
	fs->expanded += span;
	memset(buf, 0, (size_t)span);
	fill_content(fs, n, ino->inum, buf, span, first, end);
	n->data = buf;
	n->data_len = (size_t)span;
	if (span < size)
		fg_unpack_truncated(fs->ctx, n, "only %llu of %llu bytes extracted: expansion limit",
				    (unsigned long long)span, (unsigned long long)size);
}

/* ---- building the tree ---------------------------------------------------- */

static void set_meta(fg_node *n, const uint8_t *in)
{
	n->mode = fg_load_u32le(in + 104) & 07777;
	n->uid = fg_load_u32le(in + 96);
	n->gid = fg_load_u32le(in + 100);
	n->mtime = (int64_t)load_u64le(in + 72);
}

static fg_node_type node_type(uint32_t mode)
{
	switch (mode & 0170000) {
	case 0040000: return FG_NODE_DIR;
	case 0120000: return FG_NODE_SYMLINK;
	case 0020000: return FG_NODE_CHR;
	case 0060000: return FG_NODE_BLK;
	case 0010000: return FG_NODE_FIFO;
	case 0140000: return FG_NODE_SOCK;
	}
	return FG_NODE_FILE;
}

static void set_symlink(uf_fs *fs, fg_node *n, const uint8_t *in)
{
	uint32_t dlen = fg_load_u32le(in + 112);
	const char *t = (const char *)in + UF_INO_SZ;
	size_t len = strnlen(t, dlen);
	fg_tree *tree = fg_unpack_tree(fs->ctx);
	pthread_mutex_lock(&tree->lock);
	n->link_target = fg_arena_strndup(&tree->arena, t, len);
	pthread_mutex_unlock(&tree->lock);
	n->size = dlen;
	if (!n->link_target)
		fg_unpack_truncated(fs->ctx, n, "out of memory for the symlink target");
	else if (len < dlen)
		fg_unpack_truncated(fs->ctx, n, "symlink target holds a NUL byte");
}

/* The inode's data holds the device number in the kernel's "new" (32-bit)
 * or "huge" (64-bit, same low half) encoding. */
static void set_device(uf_fs *fs, fg_node *n, const uint8_t *in)
{
	uint32_t dlen = fg_load_u32le(in + 112);
	if (dlen != 4 && dlen != 8) {
		fg_unpack_truncated(fs->ctx, n, "device number of %u bytes", dlen);
		return;
	}
	uint32_t dev = fg_load_u32le(in + UF_INO_SZ);
	n->dev_major = (dev >> 8) & 0xfff;
	n->dev_minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
}

static void reject(uf_fs *fs, fg_node *dir, const char *why, const uf_dent *d)
{
	fg_unpack_truncated(fs->ctx, dir, "skipped entry \"%.64s\": %s", d->name, why);
	if (++fs->rejects >= UF_MAX_REJECTS) {
		fg_unpack_truncated(fs->ctx, fs->root, "too many bad directory entries; gave up");
		fs->stop = true;
	}
}

static const char *bad_name(const uf_dent *d)
{
	if (strlen(d->name) != d->nlen)
		return "name contains a NUL byte";
	if (memchr(d->name, '/', d->nlen))
		return "name contains '/'";
	if (!strcmp(d->name, ".") || !strcmp(d->name, ".."))
		return "name is a dot entry";
	return NULL;
}

static bool build_path(uf_fs *fs, size_t base, const uf_dent *d, size_t *out)
{
	return fg_path_join(&fs->path, &fs->path_cap, base, d->name, d->nlen, out);
}

/* Queues directory INUM (node N) for listing, once. */
static void push_dir(uf_fs *fs, fg_node *n, uint32_t inum, size_t path_len)
{
	if (fg_u64map_get(&fs->dirs_listed, inum)) {
		fg_unpack_truncated(fs->ctx, n, "directory loop: inode %u already listed", inum);
		return;
	}
	if (fs->stack.n >= UF_MAX_DEPTH) {
		fg_unpack_truncated(fs->ctx, n, "directory nesting deeper than %d not followed",
				    UF_MAX_DEPTH);
		return;
	}
	uf_frame f = { inum, first_dent(fs, inum), 0, n, path_len };
	f.end = f.pos;
	while (f.end < fs->dents.n && fs->dents.v[f.end].parent == inum)
		f.end++;
	if (!fg_u64map_put(&fs->dirs_listed, inum, n) || !FG_VEC_PUSH(&fs->stack, f)) {
		fg_unpack_truncated(fs->ctx, fs->root, "out of memory");
		fs->stop = true;
	}
}

static void add_file(uf_fs *fs, fg_node *n, const uf_ino *ino)
{
	const fg_node *first = fg_u64map_get(&fs->files, ino->inum);
	if (first) {
		/* a hard link: the content is the first name's */
		n->size = first->size;
		n->data = first->data;
		n->data_len = first->data_len;
		if (first->flags & FG_NODE_TRUNCATED)
			fg_unpack_truncated(fs->ctx, n, "%s", first->note ? first->note : "content incomplete");
		return;
	}
	read_file(fs, n, ino);
	if (!fg_u64map_put(&fs->files, ino->inum, n))
		fg_unpack_truncated(fs->ctx, n, "out of memory tracking hard links");
}

static void add_entry(uf_fs *fs, const uf_frame *f, const uf_dent *d)
{
	const char *why = bad_name(d);
	if (!why && fg_node_find_child(f->node, d->name, d->nlen))
		why = "duplicate name";
	const uf_ino *ino = why ? NULL : find_ino(fs, d->inum);
	if (!why && !ino)
		why = "inode missing";
	if (why) {
		reject(fs, f->node, why, d);
		return;
	}
	size_t path_len;
	if (!build_path(fs, f->path_len, d, &path_len)) {
		fg_unpack_truncated(fs->ctx, fs->root, "out of memory");
		fs->stop = true;
		return;
	}
	fg_node_type type = node_type(fg_load_u32le(ino->node + 104));
	fg_node *n = fg_unpack_add(fs->ctx, fs->root, fs->path, type);
	if (!n) {
		if (atomic_load(&fs->budget->files) >= fs->budget->limits.max_files)
			fs->stop = true;
		return;
	}
	set_meta(n, ino->node);
	switch (type) {
	case FG_NODE_FILE: add_file(fs, n, ino); break;
	case FG_NODE_DIR: push_dir(fs, n, ino->inum, path_len); break;
	case FG_NODE_SYMLINK: set_symlink(fs, n, ino->node); break;
	case FG_NODE_CHR: case FG_NODE_BLK: set_device(fs, n, ino->node); break;
	default: break;
	}
}

/* Depth-first from the root inode; each frame lists one directory. */
static void build_tree(uf_fs *fs)
{
	const uf_ino *root = find_ino(fs, UF_ROOT_INO);
	if (root && node_type(fg_load_u32le(root->node + 104)) == FG_NODE_DIR)
		set_meta(fs->root, root->node);
	else
		fg_unpack_truncated(fs->ctx, fs->root, "root inode missing or not a directory");
	push_dir(fs, fs->root, UF_ROOT_INO, 0);
	while (fs->stack.n && !fs->stop) {
		uf_frame *f = &fs->stack.v[fs->stack.n - 1];
		if (f->pos >= f->end) {
			fs->stack.n--;
			continue;
		}
		const uf_dent *d = &fs->dents.v[f->pos++];
		uf_frame copy = *f; /* add_entry may grow (move) the stack */
		add_entry(fs, &copy, d);
	}
}

/* ---- putting it together ----------------------------------------------- */

static uint64_t expansion_cap(const fg_limits *lim, size_t len)
{
	if (!lim->max_ratio || len > UINT64_MAX / lim->max_ratio)
		return 0;
	uint64_t cap = (uint64_t)len * lim->max_ratio;
	return cap < (1u << 20) ? (1u << 20) : cap;
}

/* Finds the leaves: through the index, or by scanning when it is gone. */
static void collect(uf_fs *fs)
{
	const uint8_t *mst = find_master(fs);
	const char *why = NULL;
	if (!mst)
		why = "no valid master node";
	else if (!walk_index(fs, fg_load_u32le(mst + 48), fg_load_u32le(mst + 52),
			     fg_load_u32le(mst + 56)))
		why = "root index node unreadable";
	else if (!fs->inos.n)
		why = "index leads to no inodes";
	if (why) {
		fs->inos.n = fs->dents.n = fs->datas.n = fs->lost.n = 0;
		fg_unpack_truncated(fs->ctx, fs->root,
				    "%s: tree rebuilt from a scan of all nodes (may show stale entries)",
				    why);
		scan_all(fs);
	}
	if (fs->bad_nodes)
		fg_unpack_truncated(fs->ctx, fs->root, "%llu index entries lead to bad nodes (ignored)",
				    (unsigned long long)fs->bad_nodes);
	if (fs->loops)
		fg_unpack_truncated(fs->ctx, fs->root, "index loop: %llu branches to nodes already walked",
				    (unsigned long long)fs->loops);
	if (fs->too_deep)
		fg_unpack_truncated(fs->ctx, fs->root, "index deeper than %d levels: %llu nodes not followed",
				    UF_MAX_INDEX_LEVELS, (unsigned long long)fs->too_deep);
	if (fs->stop)
		fg_unpack_truncated(fs->ctx, fs->root, "out of memory collecting nodes");
	fs->stop = false;
	settle(fs);
}

static int open_fs(uf_fs *fs, const uint8_t *data, size_t len)
{
	if (!read_super(data, len, &fs->sb)) {
		fg_unpack_fail(fs->ctx, "no valid superblock node");
		return -1;
	}
	const char *why = super_insane(&fs->sb);
	if (why) {
		fg_unpack_fail(fs->ctx, "corrupt superblock: %s", why);
		return -1;
	}
	uint64_t full = (uint64_t)fs->sb.leb_cnt * fs->sb.leb_size;
	fs->len = full < len ? (size_t)full : len;
	fs->root->src_length = fs->len;
	fs->lebs_present = (uint32_t)((fs->len + fs->sb.leb_size - 1) / fs->sb.leb_size);
	if (full > len)
		fg_unpack_truncated(fs->ctx, fs->root, "image truncated: %zu of %llu bytes present",
				    len, (unsigned long long)full);
	fs->root->format_info = fs->sb.compr < UF_COMPR_CNT ? compr_names[fs->sb.compr] : "?";
	if (fs->sb.flags & UF_FLG_ENCRYPTION)
		fg_unpack_truncated(fs->ctx, fs->root, "file system holds encrypted files");
	return 0;
}

static void close_fs(uf_fs *fs)
{
	FG_VEC_FREE(&fs->inos);
	FG_VEC_FREE(&fs->dents);
	FG_VEC_FREE(&fs->datas);
	FG_VEC_FREE(&fs->lost);
	FG_VEC_FREE(&fs->stack);
	fg_u64map_free(&fs->dirs_listed);
	fg_u64map_free(&fs->files);
	free(fs->path);
	if (fs->zs_ready)
		inflateEnd(&fs->zs);
	ZSTD_freeDCtx(fs->zstd);
}

static int uf_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	uf_fs *fs = calloc(1, sizeof(*fs));
	if (!fs) {
		fg_unpack_fail(ctx, "out of memory");
		return -1;
	}
	fs->ctx = ctx;
	fs->root = root;
	fs->data = data;
	fs->budget = fg_unpack_budget(ctx);
	fs->expand_cap = expansion_cap(&fs->budget->limits, len);
	int rc = open_fs(fs, data, len);
	if (rc == 0) {
		collect(fs);
		if (!fs->inos.n && !fs->dents.n) {
			fg_unpack_fail(ctx, "no inodes or directory entries found");
			rc = -1;
		} else {
			build_tree(fs);
		}
	}
	close_fs(fs);
	free(fs);
	return rc;
}

const fg_format fg_format_ubifs = {
	.name = "ubifs",
	.kind = FG_FMT_FILESYSTEM,
	.magics = uf_magics,
	.probe = uf_probe,
	.unpack = uf_unpack,
};
