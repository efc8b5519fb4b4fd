/*
 * erofs.c - EROFS images, read directly.
 *
 * Layout (little-endian): a 128-byte superblock at 1024 (magic
 * 0xE0F5E1E2, block size, root inode number, metadata start block, build
 * time, features); inodes at meta_blkaddr * block + nid * 32, compact (32
 * bytes: 16-bit ids, no mtime of their own: the build time counts) or
 * extended (64 bytes); after an inode its inline xattrs (skipped), then
 * whatever its data layout keeps inline.
 *
 * Data layouts:
 *   flat plain   contiguous blocks at raw_blkaddr: pointed at in place;
 *   flat inline  all blocks but the last at raw_blkaddr, the last one
 *                (the tail) right after the inode;
 *   chunk based  a table of block addresses (or 8-byte indexes) per chunk
 *                of 2^chunkbits bytes; 0xffffffff is a hole;
 *   compressed   (full or compact lcluster indexes) logical clusters map
 *                to physical clusters of one or more blocks (big
 *                pclusters); a HEAD lcluster starts an extent at its
 *                clusterofs, NONHEAD ones continue it and carry the
 *                compressed block count. Supported: LZ4 (with the zero
 *                padding that aligns the stream to the end of its
 *                pcluster, or without), uncompressed pclusters (shifted
 *                or interlaced), and the tail pcluster stored inline
 *                (ztailpacking). Not supported: LZMA, DEFLATE and Zstandard
 *                pclusters, fragments in the packed inode, extra devices:
 *                such a file keeps what was decoded before and gets a
 *                truncation note naming the reason.
 * Directories are blocks of 12-byte entries (nid, name offset, type)
 * followed by the names; a name ends where the next begins (the last one
 * at the block end or a NUL).
 *
 * The superblock checksum (CRC32C, when the feature says so) is verified
 * as a warning. A regular-file inode reached under several names is read
 * once and every name shares its content. Loops: a directory inode is
 * listed once; nesting stops at EF_MAX_DEPTH. Copied or decompressed
 * content is charged to the budget and capped by the expansion ratio.
 */
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "core/pathbuf.h"
#include "core/u64map.h"
#include "unpack/format.h"

#define EF_SB_OFF 1024
#define EF_SB_SIZE 128
#define EF_MAGIC 0xE0F5E1E2u
#define EF_MIN_BLKBITS 9
#define EF_MAX_BLKBITS 16
#define EF_ISLOT 32
#define EF_MAX_DEPTH 256
#define EF_LINK_MAX 4096
#define EF_MAX_REJECTS 10000
#define EF_DIRENT 12

#define EF_COMPAT_SB_CHKSUM 0x1u
#define EF_INCOMPAT_ZERO_PADDING 0x1u
#define EF_INCOMPAT_CHUNKED 0x4u
#define EF_INCOMPAT_DEVICE_TABLE 0x8u
#define EF_INCOMPAT_FRAGMENTS 0x20u

enum { EF_FLAT_PLAIN, EF_COMP_FULL, EF_FLAT_INLINE, EF_COMP_COMPACT, EF_CHUNK_BASED };

#define EF_CHUNK_BLKBITS_MASK 0x1fu
#define EF_CHUNK_INDEXES 0x20u
#define EF_NULL_ADDR 0xffffffffu

/* compressed files: the map header's advise bits and lcluster types */
#define Z_ADV_COMPACTED_2B 0x0001u
#define Z_ADV_BIG_PCLUSTER_1 0x0002u
#define Z_ADV_BIG_PCLUSTER_2 0x0004u
#define Z_ADV_INLINE_PCLUSTER 0x0008u
#define Z_ADV_INTERLACED 0x0010u
#define Z_ADV_FRAGMENT 0x0020u
#define Z_ADV_KNOWN 0x003fu
enum { Z_PLAIN, Z_HEAD1, Z_NONHEAD, Z_HEAD2 };
#define Z_D0_CBLKCNT (1u << 11)
#define Z_PARTIAL_REF (1u << 15)
enum { Z_ALG_LZ4, Z_ALG_LZMA, Z_ALG_DEFLATE, Z_ALG_ZSTD };

typedef struct ef_super {
	uint32_t checksum, compat, incompat;
	unsigned blkbits;
	uint32_t blksz;
	uint16_t root_nid;
	uint64_t build_time;
	uint32_t blocks, meta_blkaddr;
	uint8_t dirblkbits;
	uint16_t extra_devices;
	char volume[17];
} ef_super;

typedef struct ef_inode {
	uint64_t nid;
	size_t at;             /* inode offset */
	size_t end;            /* after inode and inline xattrs */
	bool extended;
	unsigned layout;
	uint32_t mode, uid, gid;
	uint64_t size, mtime;
	uint32_t iu;           /* raw_blkaddr, rdev, chunk format, compressed blocks */
} ef_inode;

/* ---- superblock and probe --------------------------------------------------- */

static bool read_super(const uint8_t *d, size_t len, ef_super *s)
{
	if (len < EF_SB_OFF + EF_SB_SIZE)
		return false;
	const uint8_t *p = d + EF_SB_OFF;
	if (fg_load_u32le(p) != EF_MAGIC)
		return false;
	memset(s, 0, sizeof(*s));
	s->checksum = fg_load_u32le(p + 4);
	s->compat = fg_load_u32le(p + 8);
	s->blkbits = p[12];
	if (s->blkbits < EF_MIN_BLKBITS || s->blkbits > EF_MAX_BLKBITS)
		return false;
	s->blksz = 1u << s->blkbits;
	s->root_nid = (uint16_t)(p[14] | (p[15] << 8));
	s->build_time = (uint64_t)fg_load_u32le(p + 24) | ((uint64_t)fg_load_u32le(p + 28) << 32);
	s->blocks = fg_load_u32le(p + 36);
	s->meta_blkaddr = fg_load_u32le(p + 40);
	memcpy(s->volume, p + 64, 16);
	s->incompat = fg_load_u32le(p + 80);
	s->extra_devices = (uint16_t)(p[86] | (p[87] << 8));
	s->dirblkbits = p[90];
	return true;
}

static size_t xattr_size(uint16_t icount)
{
	return icount ? 12 + ((size_t)icount - 1) * 4 : 0;
}

/* Reads inode NID; NULL or why it cannot be read. */
static const char *read_inode(const uint8_t *d, size_t len, const ef_super *s, uint64_t nid,
			      ef_inode *ino)
{
	uint64_t base = (uint64_t)s->meta_blkaddr << s->blkbits;
	if (nid > (UINT64_MAX - base) / EF_ISLOT || base + nid * EF_ISLOT > len ||
	    len - (base + nid * EF_ISLOT) < 32)
		return "inode outside the image";
	size_t at = (size_t)(base + nid * EF_ISLOT);
	const uint8_t *p = d + at;
	uint16_t format = (uint16_t)(p[0] | (p[1] << 8));
	uint16_t icount = (uint16_t)(p[2] | (p[3] << 8));
	memset(ino, 0, sizeof(*ino));
	ino->nid = nid;
	ino->at = at;
	ino->extended = format & 1;
	ino->layout = (format >> 1) & 7;
	ino->mode = (uint16_t)(p[4] | (p[5] << 8));
	ino->iu = fg_load_u32le(p + 16);
	size_t isize = ino->extended ? 64 : 32;
	if (len - at < isize)
		return "inode outside the image";
	if (ino->extended) {
		ino->size = (uint64_t)fg_load_u32le(p + 8) | ((uint64_t)fg_load_u32le(p + 12) << 32);
		ino->uid = fg_load_u32le(p + 24);
		ino->gid = fg_load_u32le(p + 28);
		ino->mtime = (uint64_t)fg_load_u32le(p + 32) | ((uint64_t)fg_load_u32le(p + 36) << 32);
	} else {
		ino->size = fg_load_u32le(p + 8);
		ino->uid = (uint16_t)(p[24] | (p[25] << 8));
		ino->gid = (uint16_t)(p[26] | (p[27] << 8));
		ino->mtime = s->build_time + fg_load_u32le(p + 12);
	}
	size_t xs = xattr_size(icount);
	if (xs > len - at - isize)
		return "inline xattrs outside the image";
	ino->end = at + isize + xs;
	if (ino->layout > EF_CHUNK_BASED)
		return "unknown data layout";
	return NULL;
}

static int ef_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	ef_super s;
	if (!read_super(data, len, &s))
		return 0;
	ef_inode root;
	if (read_inode(data, len, &s, s.root_nid, &root) || (root.mode & 0170000u) != 0040000u)
		return 0;
	uint64_t size = (uint64_t)s.blocks << s.blkbits;
	if (s.blocks == 0)
		return 70; /* unpack measures */
	if (size < EF_SB_OFF + EF_SB_SIZE)
		return 0;
	*chunk_len = size <= len ? size : len;
	return size <= len ? 95 : 60;
}

static const fg_magic ef_magics[] = {
	{ "\xe2\xe1\xf5\xe0", 4, EF_SB_OFF },
	FG_MAGIC_END,
};

/* ---- the image ---------------------------------------------------------------- */

typedef struct ef_frame {
	fg_node *node;
	const uint8_t *dir;   /* the directory's content */
	size_t dir_len;
	size_t pos;           /* next block */
	unsigned entry;       /* next entry in that block */
	size_t path_len;
} ef_frame;

typedef struct ef_image {
	fg_unpack_ctx *ctx;
	fg_node *root;
	fg_budget *budget;
	const uint8_t *d;
	size_t len;
	ef_super s;
	size_t max_end;

	FG_VEC(ef_frame) stack;
	fg_u64map dirs;       /* directory nids listed */
	fg_u64map files;      /* regular-file nid -> first node */
	char *path;
	size_t path_cap;
	uint64_t expand_cap, expanded;
	uint64_t rejects;
	bool stop;
} ef_image;

static void reach(ef_image *im, size_t end)
{
	if (end > im->max_end)
		im->max_end = end;
}

static const char *tree_strndup(ef_image *im, const char *s, size_t n)
{
	fg_tree *t = fg_unpack_tree(im->ctx);
	pthread_mutex_lock(&t->lock);
	const char *r = fg_arena_strndup(&t->arena, s, n);
	pthread_mutex_unlock(&t->lock);
	return r;
}

/* Is [OFF, OFF+N) inside the image? */
static bool in_image(const ef_image *im, uint64_t off, uint64_t n)
{
	return off <= im->len && n <= im->len - off;
}

/* The content of an inode as the readers deliver it. */
typedef struct ef_data {
	const uint8_t *p;
	size_t len;           /* bytes read (== size unless WHY) */
	const char *why;      /* NULL, or why the content stops at LEN */
	char why_buf[96];
} ef_data;

/* A buffer for SIZE bytes of content charged to the budget and the
 * expansion cap; NULL with D->why set when refused. */
static uint8_t *content_buf(ef_image *im, uint64_t size, ef_data *d)
{
	if (im->expand_cap && size > im->expand_cap - im->expanded) {
		snprintf(d->why_buf, sizeof(d->why_buf), "image expansion limit (%llu bytes) reached",
			 (unsigned long long)im->expand_cap);
		d->why = d->why_buf;
		return NULL;
	}
	uint8_t *b = size <= SIZE_MAX ? fg_unpack_alloc(im->ctx, (size_t)size) : NULL;
	if (!b) {
		snprintf(d->why_buf, sizeof(d->why_buf), "content of %llu bytes not extracted: byte budget spent",
			 (unsigned long long)size);
		d->why = d->why_buf;
		return NULL;
	}
	im->expanded += size;
	return b;
}

static void read_flat(ef_image *im, const ef_inode *ino, ef_data *d)
{
	uint64_t blksz = im->s.blksz;
	if (ino->size > im->len) {
		d->why = "data larger than the image";
		return;
	}
	uint64_t nblocks = (ino->size + blksz - 1) / blksz;
	bool inline_tail = ino->layout == EF_FLAT_INLINE && nblocks > 0;
	uint64_t head = inline_tail ? (nblocks - 1) * blksz : ino->size;
	uint64_t tail = ino->size - head;
	uint64_t head_at = (uint64_t)ino->iu << im->s.blkbits;
	if (head && !in_image(im, head_at, head)) {
		d->why = "data blocks outside the image";
		return;
	}
	if (tail && (!in_image(im, ino->end, tail) ||
		     (ino->end & (blksz - 1)) + tail > blksz)) {
		d->why = "inline data outside its block";
		tail = 0;
	}
	if (head)
		reach(im, (size_t)(head_at + head));
	if (tail)
		reach(im, ino->end + (size_t)tail);
	if (!tail) {
		d->p = im->d + head_at;
		d->len = (size_t)head;
		return;
	}
	if (!head) {
		d->p = im->d + ino->end;
		d->len = (size_t)tail;
		return;
	}
	uint8_t *b = content_buf(im, head + tail, d);
	if (!b)
		return;
	memcpy(b, im->d + head_at, (size_t)head);
	memcpy(b + head, im->d + ino->end, (size_t)tail);
	d->p = b;
	d->len = (size_t)(head + tail);
}

static void read_chunked(ef_image *im, const ef_inode *ino, ef_data *d)
{
	unsigned fmt = ino->iu & 0xffff;
	unsigned bits = im->s.blkbits + (fmt & EF_CHUNK_BLKBITS_MASK);
	if (bits > 40) {
		d->why = "chunk size out of range";
		return;
	}
	uint64_t csz = 1ull << bits;
	uint64_t nchunks = ino->size / csz + (ino->size % csz != 0);
	unsigned unit = (fmt & EF_CHUNK_INDEXES) ? 8 : 4;
	if (nchunks > im->len / unit) {
		d->why = "chunk table outside the image";
		return;
	}
	uint64_t tab = (ino->end + unit - 1) / unit * unit;
	if (!in_image(im, tab, nchunks * unit)) {
		d->why = "chunk table outside the image";
		return;
	}
	reach(im, (size_t)(tab + nchunks * unit));
	if (ino->size == 0)
		return;
	uint8_t *b = content_buf(im, ino->size, d);
	if (!b)
		return;
	memset(b, 0, (size_t)ino->size);
	d->p = b;
	for (uint64_t i = 0; i < nchunks; i++) {
		const uint8_t *e = im->d + tab + i * unit;
		uint32_t blk = unit == 8 ? fg_load_u32le(e + 4) : fg_load_u32le(e);
		uint16_t dev = unit == 8 ? (uint16_t)(e[2] | (e[3] << 8)) : 0;
		uint64_t at = i * csz;
		uint64_t n = ino->size - at < csz ? ino->size - at : csz;
		if (blk == EF_NULL_ADDR)
			continue; /* a hole */
		uint64_t src = (uint64_t)blk << im->s.blkbits;
		if (dev != 0 || !in_image(im, src, n)) {
			d->len = (size_t)at;
			d->why = dev ? "chunk on an extra device (not supported)" : "chunk outside the image";
			return;
		}
		memcpy(b + at, im->d + src, (size_t)n);
		reach(im, (size_t)(src + n));
	}
	d->len = (size_t)ino->size;
}

/* ---- compressed files ------------------------------------------------------- */

typedef struct ez_file {
	const ef_inode *ino;
	uint16_t advise;
	uint8_t alg[2];       /* HEAD1, HEAD2 */
	unsigned lcbits;
	uint64_t totalidx;
	uint64_t ebase;       /* compact: first index; full: index 0 */
	bool compact;
	unsigned c4b_initial;
	uint64_t c2b;
	uint16_t idata_size;
} ez_file;

typedef struct ez_lc {
	unsigned type;
	uint32_t clusterofs;
	uint32_t pblk;
	uint32_t cblks;       /* NONHEAD: compressed block count, 0 if not stored */
	bool partialref;
	uint64_t nextpackoff;
} ez_lc;

static unsigned decode_bits(unsigned lobits, const uint8_t *in, unsigned pos, unsigned *type)
{
	uint32_t v = fg_load_u32le(in + pos / 8) >> (pos & 7);
	*type = (v >> lobits) & 3;
	return v & ((1u << lobits) - 1);
}

/* One compact lcluster in the pack at IN (VCNT entries, AMORT shift). */
static const char *unpack_compact(const ez_file *z, const uint8_t *in, unsigned vcnt,
				  unsigned amort, unsigned i, ez_lc *lc)
{
	unsigned lobits = z->lcbits > 12 ? z->lcbits : 12;
	unsigned encodebits = (((vcnt << amort) - 4) * 8) / vcnt;
	bool big = z->advise & Z_ADV_BIG_PCLUSTER_1;
	unsigned type;
	unsigned lo = decode_bits(lobits, in, encodebits * i, &type);
	lc->type = type;
	if (type == Z_NONHEAD) {
		lc->clusterofs = 1u << z->lcbits;
		if (lo & Z_D0_CBLKCNT) {
			if (!big)
				return "compressed block count without big pclusters";
			lc->cblks = lo & ~Z_D0_CBLKCNT;
		}
		return NULL;
	}
	lc->clusterofs = lo;
	/* the pack stores one block address; count the heads before I */
	uint32_t nblk = 0;
	int j = (int)i;
	if (!big) {
		nblk = 1;
		while (j > 0) {
			--j;
			lo = decode_bits(lobits, in, encodebits * (unsigned)j, &type);
			if (type == Z_NONHEAD)
				j -= (int)lo;
			if (j >= 0)
				++nblk;
		}
	} else {
		while (j > 0) {
			--j;
			lo = decode_bits(lobits, in, encodebits * (unsigned)j, &type);
			if (type == Z_NONHEAD) {
				if (lo & Z_D0_CBLKCNT) {
					--j;
					nblk += lo & ~Z_D0_CBLKCNT;
					continue;
				}
				if (lo <= 1)
					return "corrupt compact index";
				j -= (int)lo - 2;
				continue;
			}
			++nblk;
		}
	}
	lc->pblk = fg_load_u32le(in + (vcnt << amort) - 4) + nblk;
	return NULL;
}

/* Loads lcluster LCN of Z; NULL or why not. */
static const char *load_lc(const ef_image *im, const ez_file *z, uint64_t lcn, ez_lc *lc)
{
	memset(lc, 0, sizeof(*lc));
	if (lcn >= z->totalidx)
		return "lcluster out of range";
	if (!z->compact) {
		uint64_t pos = z->ebase + lcn * 8;
		if (!in_image(im, pos, 8))
			return "lcluster index outside the image";
		const uint8_t *p = im->d + pos;
		uint16_t adv = (uint16_t)(p[0] | (p[1] << 8));
		lc->type = adv & 3;
		lc->nextpackoff = pos + 8;
		if (lc->type == Z_NONHEAD) {
			uint16_t d0 = (uint16_t)(p[4] | (p[5] << 8));
			lc->clusterofs = 1u << z->lcbits;
			if (d0 & Z_D0_CBLKCNT) {
				if (!(z->advise & (Z_ADV_BIG_PCLUSTER_1 | Z_ADV_BIG_PCLUSTER_2)))
					return "compressed block count without big pclusters";
				lc->cblks = d0 & ~Z_D0_CBLKCNT;
			}
			return NULL;
		}
		lc->partialref = adv & Z_PARTIAL_REF;
		lc->clusterofs = (uint16_t)(p[2] | (p[3] << 8));
		if (lc->clusterofs >= (1u << z->lcbits))
			return "cluster offset beyond its lcluster";
		lc->pblk = fg_load_u32le(p + 4);
		return NULL;
	}
	uint64_t pos = z->ebase, n = lcn;
	unsigned amort;
	if (n < z->c4b_initial) {
		amort = 2;
	} else {
		pos += z->c4b_initial * 4;
		n -= z->c4b_initial;
		if (n < z->c2b) {
			amort = 1;
		} else {
			pos += z->c2b * 2;
			n -= z->c2b;
			amort = 2;
		}
	}
	pos += n << amort;
	unsigned vcnt;
	if (amort == 2 && z->lcbits <= 14)
		vcnt = 2;
	else if (amort == 1 && z->lcbits <= 12)
		vcnt = 16;
	else
		return "compact index form not supported";
	uint64_t pack = (uint64_t)vcnt << amort;
	uint64_t base = pos / pack * pack;
	if (!in_image(im, base, pack))
		return "lcluster index outside the image";
	lc->nextpackoff = base + pack;
	return unpack_compact(z, im->d + base, vcnt, amort, (unsigned)((pos - base) >> amort), lc);
}

static const char *open_compressed(ef_image *im, const ef_inode *ino, ez_file *z)
{
	memset(z, 0, sizeof(*z));
	z->ino = ino;
	uint64_t h = (ino->end + 7) & ~(uint64_t)7;
	if (!in_image(im, h, 8))
		return "map header outside the image";
	const uint8_t *p = im->d + h;
	z->idata_size = (uint16_t)(p[2] | (p[3] << 8));
	z->advise = (uint16_t)(p[4] | (p[5] << 8));
	z->alg[0] = p[6] & 0xf;
	z->alg[1] = p[6] >> 4;
	z->lcbits = im->s.blkbits + (p[7] & 7);
	if (p[7] & 0x80)
		return "whole file in the packed inode (fragments, not supported)";
	if (z->advise & Z_ADV_FRAGMENT)
		return "tail in the packed inode (fragments, not supported)";
	if (z->advise & ~Z_ADV_KNOWN)
		return "unknown compression advise flags";
	uint64_t lcsz = 1ull << z->lcbits;
	z->totalidx = ino->size / lcsz + (ino->size % lcsz != 0);
	z->compact = ino->layout == EF_COMP_COMPACT;
	if (!z->compact) {
		z->ebase = h + 8 + 8;
	} else {
		z->ebase = h + 8;
		z->c4b_initial = (unsigned)(((32 - z->ebase % 32) / 4) & 7);
		if ((z->advise & Z_ADV_COMPACTED_2B) && z->c4b_initial < z->totalidx)
			z->c2b = (z->totalidx - z->c4b_initial) / 16 * 16;
	}
	return NULL;
}

typedef struct ez_extent {
	uint64_t la, end;     /* logical range */
	unsigned type;        /* of the head lcluster */
	uint64_t pa, plen;    /* physical range */
	bool partialref;
} ez_extent;

/* Decodes extent E into OUT (E->end - E->la bytes). NULL or why not. */
static const char *decode_extent(ef_image *im, const ez_file *z, const ez_extent *e, uint8_t *out)
{
	uint64_t llen = e->end - e->la;
	if (!in_image(im, e->pa, e->plen))
		return "pcluster outside the image";
	reach(im, (size_t)(e->pa + e->plen));
	const uint8_t *src = im->d + e->pa;
	size_t plen = (size_t)e->plen;
	if (e->type == Z_PLAIN) {
		if (llen > plen)
			return "uncompressed pcluster shorter than its extent";
		size_t head = 0;
		if (z->advise & Z_ADV_INTERLACED) {
			/* the start of the extent is kept at the end of the block */
			uint64_t bs = im->s.blksz;
			head = (size_t)(bs - (e->la & (bs - 1)));
			if (head > llen)
				head = (size_t)llen;
			memcpy(out, src + plen - head, head);
		}
		memcpy(out + head, src, (size_t)llen - head);
		return NULL;
	}
	unsigned alg = z->alg[e->type == Z_HEAD2];
	if (alg != Z_ALG_LZ4)
		return alg == Z_ALG_LZMA ? "LZMA pcluster (not supported)" :
		       alg == Z_ALG_DEFLATE ? "DEFLATE pcluster (not supported)" :
		       alg == Z_ALG_ZSTD ? "Zstandard pcluster (not supported)" :
		       "unknown compression algorithm";
	if (im->s.incompat & EF_INCOMPAT_ZERO_PADDING) {
		/* the stream ends where the pcluster ends: skip the zeros before it */
		size_t lim = plen < im->s.blksz ? plen : im->s.blksz, k = 0;
		while (k < lim && src[k] == 0)
			k++;
		if (k == lim)
			return "empty LZ4 pcluster";
		src += k;
		plen -= k;
	}
	if (llen > INT32_MAX || plen > INT32_MAX)
		return "extent too large for LZ4";
	int got = LZ4_decompress_safe_partial((const char *)src, (char *)out, (int)plen, (int)llen,
					      (int)llen);
	if (got != (int)llen)
		return "corrupt LZ4 pcluster";
	return NULL;
}

/* Physical extent of the head at LCN (already loaded as HEAD). */
static const char *place_extent(ef_image *im, const ez_file *z, uint64_t lcn, const ez_lc *head,
				ez_extent *e)
{
	bool big = head->type == Z_HEAD1 ? (z->advise & Z_ADV_BIG_PCLUSTER_1) :
		   (z->advise & Z_ADV_BIG_PCLUSTER_2);
	uint64_t cblks = 1ull << (z->lcbits - im->s.blkbits);
	if (big && lcn + 1 < z->totalidx) {
		ez_lc next;
		const char *why = load_lc(im, z, lcn + 1, &next);
		if (why)
			return why;
		if (next.type == Z_NONHEAD && next.cblks)
			cblks = next.cblks;
	}
	e->pa = (uint64_t)head->pblk << im->s.blkbits;
	e->plen = cblks << im->s.blkbits;
	e->type = head->type;
	e->partialref = head->partialref;
	return NULL;
}

static void read_compressed(ef_image *im, const ef_inode *ino, ef_data *d)
{
	ez_file z;
	d->why = open_compressed(im, ino, &z);
	if (d->why || ino->size == 0)
		return;
	uint8_t *b = content_buf(im, ino->size, d);
	if (!b)
		return;
	memset(b, 0, (size_t)ino->size);
	d->p = b;
	/* the tail pcluster may be inline: after the index of the last lcluster */
	uint64_t idata_at = 0;
	if (z.advise & Z_ADV_INLINE_PCLUSTER) {
		ez_lc last;
		d->why = load_lc(im, &z, z.totalidx - 1, &last);
		if (d->why)
			return;
		idata_at = last.nextpackoff;
	}
	ez_extent cur = { 0 };
	bool have = false;
	const char *why = NULL;
	for (uint64_t lcn = 0; lcn < z.totalidx && !why; lcn++) {
		if ((lcn & 4095) == 0 && fg_budget_expired(im->budget)) {
			why = "time limit reached";
			break;
		}
		ez_lc lc;
		why = load_lc(im, &z, lcn, &lc);
		if (why || lc.type == Z_NONHEAD)
			continue;
		uint64_t la = (lcn << z.lcbits) + lc.clusterofs;
		if (la >= ino->size)
			break;
		if (have) {
			if (la <= cur.la) {
				why = "extents out of order";
				break;
			}
			cur.end = la;
			why = decode_extent(im, &z, &cur, b + cur.la);
			if (why)
				break;
			d->len = (size_t)la;
		} else if (la != 0) {
			why = "first extent does not start the file";
			break;
		}
		memset(&cur, 0, sizeof(cur));
		cur.la = la;
		why = place_extent(im, &z, lcn, &lc, &cur);
		have = !why;
	}
	if (!why && have) {
		cur.end = ino->size;
		if (z.advise & Z_ADV_INLINE_PCLUSTER) {
			cur.pa = idata_at;
			cur.plen = z.idata_size;
			if ((idata_at & (im->s.blksz - 1)) + cur.plen > im->s.blksz)
				why = "inline pcluster crosses its block";
		}
		if (!why)
			why = decode_extent(im, &z, &cur, b + cur.la);
		if (!why)
			d->len = (size_t)ino->size;
	} else if (!why) {
		why = "no extent";
	}
	if (why) {
		snprintf(d->why_buf, sizeof(d->why_buf), "%s", why);
		d->why = d->why_buf;
	}
}

/* Content of INO as its data layout keeps it. */
static void read_data(ef_image *im, const ef_inode *ino, ef_data *d)
{
	memset(d, 0, sizeof(*d));
	switch (ino->layout) {
	case EF_FLAT_PLAIN:
	case EF_FLAT_INLINE:
		read_flat(im, ino, d);
		break;
	case EF_CHUNK_BASED:
		read_chunked(im, ino, d);
		break;
	case EF_COMP_FULL:
	case EF_COMP_COMPACT:
		read_compressed(im, ino, d);
		break;
	default:
		d->why = "unknown data layout";
	}
}

/* ---- the tree --------------------------------------------------------------------- */

static fg_node_type node_type(uint32_t mode, bool *known)
{
	*known = true;
	switch (mode & 0170000u) {
	case 0040000u: return FG_NODE_DIR;
	case 0100000u: return FG_NODE_FILE;
	case 0120000u: return FG_NODE_SYMLINK;
	case 0020000u: return FG_NODE_CHR;
	case 0060000u: return FG_NODE_BLK;
	case 0010000u: return FG_NODE_FIFO;
	case 0140000u: return FG_NODE_SOCK;
	}
	*known = false;
	return FG_NODE_FILE;
}

static void set_meta(fg_node *n, const ef_inode *ino)
{
	n->mode = ino->mode & 07777;
	n->uid = ino->uid;
	n->gid = ino->gid;
	n->mtime = (int64_t)ino->mtime;
}

static void push_dir(ef_image *im, fg_node *n, const ef_inode *ino, size_t path_len)
{
	if (fg_u64map_get(&im->dirs, ino->nid)) {
		fg_unpack_truncated(im->ctx, n, "directory loop: inode %llu already listed",
				    (unsigned long long)ino->nid);
		return;
	}
	if (im->stack.n >= EF_MAX_DEPTH) {
		fg_unpack_truncated(im->ctx, n, "directory nesting deeper than %d not followed",
				    EF_MAX_DEPTH);
		return;
	}
	if (!fg_u64map_put(&im->dirs, ino->nid, n)) {
		im->stop = true;
		return;
	}
	ef_data d;
	read_data(im, ino, &d);
	if (d.why)
		fg_unpack_truncated(im->ctx, n, "directory listing: %s", d.why);
	if (!d.len)
		return;
	ef_frame f = { n, d.p, d.len, 0, 0, path_len };
	if (!FG_VEC_PUSH(&im->stack, f)) {
		fg_unpack_truncated(im->ctx, im->root, "out of memory");
		im->stop = true;
	}
}

static void read_file(ef_image *im, fg_node *n, const ef_inode *ino)
{
	n->size = ino->size;
	const fg_node *first = fg_u64map_get(&im->files, ino->nid);
	if (first) {
		/* another name of an inode already read */
		n->data = first->data;
		n->data_len = first->data_len;
		if (first->flags & FG_NODE_TRUNCATED)
			fg_unpack_truncated(im->ctx, n, "%s", first->note ? first->note : "content incomplete");
		return;
	}
	if (!fg_u64map_put(&im->files, ino->nid, n)) {
		im->stop = true;
		return;
	}
	ef_data d;
	read_data(im, ino, &d);
	n->data = d.p;
	n->data_len = d.len;
	if (d.why)
		fg_unpack_truncated(im->ctx, n, "%s (%zu of %llu bytes read)", d.why, d.len,
				    (unsigned long long)ino->size);
}

static void read_symlink(ef_image *im, fg_node *n, const ef_inode *ino)
{
	n->size = ino->size;
	if (ino->size > EF_LINK_MAX) {
		fg_unpack_truncated(im->ctx, n, "symlink target of %llu bytes not read",
				    (unsigned long long)ino->size);
		return;
	}
	ef_data d;
	read_data(im, ino, &d);
	if (d.why) {
		fg_unpack_truncated(im->ctx, n, "symlink target: %s", d.why);
		return;
	}
	if (d.len == 0) {
		fg_unpack_truncated(im->ctx, n, "empty symlink target");
		return;
	}
	n->link_target = tree_strndup(im, (const char *)d.p, strnlen((const char *)d.p, d.len));
	if (!n->link_target)
		fg_unpack_truncated(im->ctx, n, "out of memory for the symlink target");
}

static void reject(ef_image *im, fg_node *dir, const char *why, const char *name, size_t nlen)
{
	fg_unpack_truncated(im->ctx, dir, "skipped entry \"%.*s\": %s", (int)(nlen < 64 ? nlen : 64),
			    name, why);
	if (++im->rejects >= EF_MAX_REJECTS) {
		fg_unpack_truncated(im->ctx, im->root, "too many bad directory entries; gave up");
		im->stop = true;
	}
}

static void place_entry(ef_image *im, fg_node *dir, uint64_t nid, const char *name, size_t nlen,
			size_t base)
{
	if ((nlen == 1 && name[0] == '.') || (nlen == 2 && name[0] == '.' && name[1] == '.'))
		return;
	ef_inode ino;
	const char *why = nlen == 0 ? "empty name" : memchr(name, '/', nlen) ? "name contains '/'" : NULL;
	if (!why)
		why = read_inode(im->d, im->len, &im->s, nid, &ino);
	bool known = true;
	fg_node_type type = why ? FG_NODE_FILE : node_type(ino.mode, &known);
	if (!why && !known)
		why = "unknown file type";
	if (!why && fg_node_find_child(dir, name, nlen))
		why = "duplicate name";
	if (why) {
		reject(im, dir, why, name, nlen);
		return;
	}
	reach(im, ino.end);
	size_t path_len;
	if (!fg_path_join(&im->path, &im->path_cap, base, name, nlen, &path_len)) {
		im->stop = true;
		return;
	}
	fg_node *n = fg_unpack_add(im->ctx, im->root, im->path, type);
	if (!n) {
		if (atomic_load(&im->budget->files) >= im->budget->limits.max_files ||
		    fg_budget_expired(im->budget))
			im->stop = true;
		return;
	}
	set_meta(n, &ino);
	switch (type) {
	case FG_NODE_DIR:
		push_dir(im, n, &ino, path_len);
		break;
	case FG_NODE_FILE:
		read_file(im, n, &ino);
		break;
	case FG_NODE_SYMLINK:
		read_symlink(im, n, &ino);
		break;
	case FG_NODE_CHR:
	case FG_NODE_BLK:
		n->dev_major = (ino.iu & 0xfff00) >> 8;
		n->dev_minor = (ino.iu & 0xff) | ((ino.iu >> 12) & 0xfff00);
		break;
	default:
		break;
	}
}

/* Reads the next entry of the top directory. */
static void next_entry(ef_image *im)
{
	ef_frame *f = &im->stack.v[im->stack.n - 1];
	if (f->pos >= f->dir_len) {
		im->stack.n--;
		return;
	}
	size_t blk = f->dir_len - f->pos < im->s.blksz ? f->dir_len - f->pos : im->s.blksz;
	const uint8_t *p = f->dir + f->pos;
	fg_node *dir = f->node;
	uint16_t off0 = blk >= EF_DIRENT ? (uint16_t)(p[8] | (p[9] << 8)) : 0;
	unsigned n = off0 / EF_DIRENT;
	if (blk < EF_DIRENT || off0 % EF_DIRENT || n == 0 || off0 > blk) {
		fg_unpack_truncated(im->ctx, dir, "corrupt directory block at %zu", f->pos);
		im->stack.n--;
		return;
	}
	unsigned i = f->entry;
	const uint8_t *e = p + (size_t)i * EF_DIRENT;
	uint64_t nid = (uint64_t)fg_load_u32le(e) | ((uint64_t)fg_load_u32le(e + 4) << 32);
	size_t noff = (uint16_t)(e[8] | (e[9] << 8));
	size_t nend = i + 1 < n ? (uint16_t)(e[20] | (e[21] << 8)) : blk;
	size_t base = f->path_len;
	if (++f->entry >= n) {
		f->entry = 0;
		f->pos += blk;
	}
	if (noff < off0 || nend > blk || nend < noff) {
		fg_unpack_truncated(im->ctx, dir, "corrupt directory entry %u", i);
		return;
	}
	const char *name = (const char *)p + noff;
	size_t nlen = strnlen(name, nend - noff);
	place_entry(im, dir, nid, name, nlen, base);
}

/* ---- setting up ----------------------------------------------------------------- */

static uint32_t crc32c_raw(uint32_t crc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
	}
	return crc;
}

/* The kernel's check: CRC32C (seed ~0, no final inversion) of the block
 * holding the superblock, from the superblock on, checksum zeroed. */
static void check_sum(ef_image *im)
{
	if (!(im->s.compat & EF_COMPAT_SB_CHKSUM))
		return;
	size_t n = im->s.blksz > EF_SB_OFF ? im->s.blksz - EF_SB_OFF : im->s.blksz;
	if (!in_image(im, EF_SB_OFF, n)) {
		fg_unpack_truncated(im->ctx, im->root, "superblock block cut: checksum not verified");
		return;
	}
	static const uint8_t zero[4];
	uint32_t c = crc32c_raw(0xffffffffu, im->d + EF_SB_OFF, 4);
	c = crc32c_raw(c, zero, 4);
	c = crc32c_raw(c, im->d + EF_SB_OFF + 8, n - 8);
	if (c != im->s.checksum)
		fg_unpack_truncated(im->ctx, im->root,
				    "superblock checksum mismatch (stored 0x%08x, computed 0x%08x)",
				    im->s.checksum, c);
}

static uint64_t expansion_cap(const fg_limits *lim, size_t len)
{
	if (!lim->max_ratio || len > UINT64_MAX / lim->max_ratio)
		return 0;
	uint64_t cap = (uint64_t)len * lim->max_ratio;
	return cap < (1u << 20) ? (1u << 20) : cap;
}

static void set_info(ef_image *im)
{
	char info[96], vol[20];
	size_t k = 0;
	for (size_t i = 0; i < 16 && im->s.volume[i]; i++) {
		unsigned char ch = (unsigned char)im->s.volume[i];
		vol[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	vol[k] = '\0';
	snprintf(info, sizeof(info), "%u-byte blocks%s%s%s%s", im->s.blksz,
		 (im->s.incompat & EF_INCOMPAT_ZERO_PADDING) ? ", lz4 0-padding" : "",
		 (im->s.incompat & EF_INCOMPAT_CHUNKED) ? ", chunked" : "",
		 k ? ", volume " : "", vol);
	im->root->format_info = tree_strndup(im, info, strlen(info));
}

static int open_image(ef_image *im, const uint8_t *data, size_t len)
{
	if (!read_super(data, len, &im->s)) {
		fg_unpack_fail(im->ctx, "no EROFS superblock");
		return -1;
	}
	im->d = data;
	im->len = len;
	uint64_t size = (uint64_t)im->s.blocks << im->s.blkbits;
	if (im->s.blocks && size < len)
		im->len = (size_t)size;
	else if (size > len)
		fg_unpack_truncated(im->ctx, im->root, "image truncated: %zu of %llu bytes present",
				    len, (unsigned long long)size);
	set_info(im);
	check_sum(im);
	if (im->s.extra_devices || (im->s.incompat & EF_INCOMPAT_DEVICE_TABLE))
		fg_unpack_truncated(im->ctx, im->root, "extra devices: data kept there is not read");
	if (im->s.dirblkbits)
		fg_unpack_truncated(im->ctx, im->root, "directory block bits %u: not supported, read as blocks",
				    im->s.dirblkbits);
	im->max_end = EF_SB_OFF + EF_SB_SIZE;
	return 0;
}

static int walk_root(ef_image *im)
{
	ef_inode root;
	const char *why = read_inode(im->d, im->len, &im->s, im->s.root_nid, &root);
	if (!why && (root.mode & 0170000u) != 0040000u)
		why = "not a directory";
	if (why) {
		fg_unpack_fail(im->ctx, "root inode %u: %s", im->s.root_nid, why);
		return -1;
	}
	set_meta(im->root, &root);
	reach(im, root.end);
	push_dir(im, im->root, &root, 0);
	while (im->stack.n && !im->stop)
		next_entry(im);
	return 0;
}

static int ef_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	ef_image *im = calloc(1, sizeof(*im));
	if (!im) {
		fg_unpack_fail(ctx, "out of memory");
		return -1;
	}
	im->ctx = ctx;
	im->root = root;
	im->budget = fg_unpack_budget(ctx);
	im->expand_cap = expansion_cap(&im->budget->limits, len);
	int rc = open_image(im, data, len);
	if (rc == 0)
		rc = walk_root(im);
	if (rc == 0) {
		uint64_t size = (uint64_t)im->s.blocks << im->s.blkbits;
		root->src_length = im->s.blocks && size <= len ? size : im->max_end;
	}
	FG_VEC_FREE(&im->stack);
	fg_u64map_free(&im->dirs);
	fg_u64map_free(&im->files);
	free(im->path);
	free(im);
	return rc;
}

const fg_format fg_format_erofs = {
	.name = "erofs",
	.kind = FG_FMT_FILESYSTEM,
	.magics = ef_magics,
	.probe = ef_probe,
	.unpack = ef_unpack,
};
