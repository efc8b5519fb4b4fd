/*
 * cramfs.c - cramfs images in either byte order, parsed here.
 *
 * Layout: a 76-byte superblock at offset 0, or at 512 when the image
 * starts with a pad for boot code (offsets then still count from the
 * pad's first byte); 12-byte inodes packed as bitfields (mode 16, uid 16
 * | size 24, gid 8 | namelen 6, offset 26, both counted in 4-byte units);
 * a directory's content is its entries (inode + name) back to back; a
 * file's content is a table of block pointers followed by zlib blocks of
 * one page each. Big-endian images (mkcramfs -N big, cramfsswap) store
 * every integer, and the bitfields, most significant first.
 *
 * The page size is not recorded anywhere: it is found by trying the
 * sizes Linux uses on the first files big enough to tell.
 *
 * Files sharing a data offset share content (mkcramfs stores hard links
 * and identical files once): it is decoded once and every name gets a
 * FILE node pointing at it.
 *
 * Newer kernels understand extended block pointers (uncompressed blocks
 * and direct pointers, CRAMFS_FLAG_EXT_BLOCK_POINTERS); they are decoded
 * as the kernel does.
 *
 * Loops: a directory whose entries were already listed is not listed
 * again, and nesting stops at CR_MAX_DEPTH.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <zlib.h>

#include "core/crc32.h"
#include "core/pathbuf.h"
#include "core/cursor.h"
#include "core/u64map.h"
#include "unpack/format.h"

#define CR_MAGIC 0x28cd3d45u
#define CR_SUPER_SIZE 76
#define CR_PAD 512                /* boot-code pad before the superblock */
#define CR_SIGNATURE "Compressed ROMFS"
#define CR_INODE_SIZE 12
#define CR_MAX_DEPTH 256
#define CR_LINK_MAX 4096
#define CR_MAX_REJECTS 10000
#define CR_MIN_PAGE 4096u
#define CR_MAX_PAGE 65536u
#define CR_PAGE_PROBES 16         /* files tried when guessing the page size */

#define CR_FLAG_FSID_V2 0x00000001u
#define CR_FLAG_SORTED_DIRS 0x00000002u
#define CR_FLAG_HOLES 0x00000100u
#define CR_FLAG_WRONG_SIGNATURE 0x00000200u
#define CR_FLAG_SHIFTED_ROOT 0x00000400u
#define CR_FLAG_EXT_BLOCK_PTRS 0x00000800u
#define CR_SUPPORTED_FLAGS (0xffu | CR_FLAG_HOLES | CR_FLAG_WRONG_SIGNATURE | \
			    CR_FLAG_SHIFTED_ROOT | CR_FLAG_EXT_BLOCK_PTRS)

#define CR_BLK_UNCOMPRESSED (1u << 31)
#define CR_BLK_DIRECT (1u << 30)
#define CR_BLK_FLAGS (CR_BLK_UNCOMPRESSED | CR_BLK_DIRECT)

#define S_TYPE(m) ((m) & 0170000u)

typedef struct cr_super {
	size_t at;           /* offset of the superblock in the chunk: 0 or 512 */
	bool be;
	uint32_t size, flags;
	uint32_t crc, edition, blocks, files;
	uint32_t root_off;   /* in bytes */
} cr_super;

typedef struct cr_inode {
	uint32_t mode, uid, gid, size;
	uint32_t namelen;    /* bytes */
	uint32_t offset;     /* bytes */
} cr_inode;

static uint32_t ld32(const uint8_t *p, bool be)
{
	return be ? fg_load_u32be(p) : fg_load_u32le(p);
}

static uint16_t ld16(const uint8_t *p, bool be)
{
	return be ? (uint16_t)((p[0] << 8) | p[1]) : (uint16_t)(p[0] | (p[1] << 8));
}

static void decode_inode(const uint8_t *p, bool be, cr_inode *ino)
{
	uint32_t w0 = ld32(p, be), w1 = ld32(p + 4, be), w2 = ld32(p + 8, be);
	if (be) {
		ino->mode = w0 >> 16;
		ino->uid = w0 & 0xffff;
		ino->size = w1 >> 8;
		ino->gid = w1 & 0xff;
		ino->namelen = (w2 >> 26) * 4;
		ino->offset = (w2 & 0x3ffffff) * 4;
	} else {
		ino->mode = w0 & 0xffff;
		ino->uid = w0 >> 16;
		ino->size = w1 & 0xffffff;
		ino->gid = w1 >> 24;
		ino->namelen = (w2 & 0x3f) * 4;
		ino->offset = (w2 >> 6) * 4;
	}
}

/* ---- superblock and probe --------------------------------------------- */

static bool magic_at(const uint8_t *d, size_t len, size_t at, bool *be)
{
	if (len < at + CR_SUPER_SIZE)
		return false;
	if (fg_load_u32le(d + at) == CR_MAGIC) {
		*be = false;
		return true;
	}
	if (fg_load_u32be(d + at) == CR_MAGIC) {
		*be = true;
		return true;
	}
	return false;
}

/* Finds and decodes the superblock; false when there is none. */
static bool read_super(const uint8_t *d, size_t len, cr_super *s)
{
	memset(s, 0, sizeof(*s));
	if (magic_at(d, len, 0, &s->be))
		s->at = 0;
	else if (magic_at(d, len, CR_PAD, &s->be))
		s->at = CR_PAD;
	else
		return false;
	const uint8_t *p = d + s->at;
	if (memcmp(p + 16, CR_SIGNATURE, 16) != 0)
		return false;
	s->size = ld32(p + 4, s->be);
	s->flags = ld32(p + 8, s->be);
	s->crc = ld32(p + 32, s->be);
	s->edition = ld32(p + 36, s->be);
	s->blocks = ld32(p + 40, s->be);
	s->files = ld32(p + 44, s->be);
	cr_inode root;
	decode_inode(p + 64, s->be, &root);
	s->root_off = root.offset;
	return S_TYPE(root.mode) == 0040000u;
}

/* The kernel's rule: the root listing follows the superblock, wherever
 * that is, unless the image says it was moved. It also tells a padded
 * image from one that merely follows 512 bytes of something else. */
static bool root_offset_ok(const cr_super *s)
{
	if (s->root_off == 0 || (s->flags & CR_FLAG_SHIFTED_ROOT))
		return true;
	return s->root_off == s->at + CR_SUPER_SIZE;
}

static bool is_v2(const cr_super *s)
{
	return s->flags & CR_FLAG_FSID_V2;
}

static int cr_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	cr_super s;
	if (!read_super(data, len, &s) || !root_offset_ok(&s))
		return 0;
	if (!is_v2(&s))
		return 60; /* old format: the size field is not reliable, unpack measures */
	if (s.size < s.at + CR_SUPER_SIZE)
		return 0;
	*chunk_len = s.size <= len ? s.size : len;
	if (s.flags & ~CR_SUPPORTED_FLAGS)
		return 40;
	return s.size <= len ? 95 : 60;
}

static const fg_magic cr_magics[] = {
	{ "\x45\x3d\xcd\x28", 4, 0 },
	{ "\x28\xcd\x3d\x45", 4, 0 },
	{ "\x45\x3d\xcd\x28", 4, CR_PAD },
	{ "\x28\xcd\x3d\x45", 4, CR_PAD },
	FG_MAGIC_END,
};

/* ---- the image -------------------------------------------------------- */

typedef struct cr_frame {
	fg_node *node;
	size_t pos, end;      /* entries still to read */
	size_t path_len;
} cr_frame;

enum { CR_JOB_FILE, CR_JOB_SYMLINK };

/* Content read after the walk, once the page size is known. */
typedef struct cr_job {
	fg_node *node;
	uint32_t offset, size;
	int kind;
	size_t seq;           /* walk order: ties keep it */
} cr_job;

typedef struct cr_image {
	fg_unpack_ctx *ctx;
	fg_node *root;
	fg_budget *budget;
	const uint8_t *d;
	size_t len;           /* bytes of the image present */
	cr_super s;
	uint32_t page;
	bool ext;             /* extended block pointers */

	z_stream z;
	bool z_ready;
	struct libdeflate_decompressor *dfl;
	uint8_t *scratch;     /* CR_MAX_PAGE bytes */

	FG_VEC(cr_frame) stack;
	FG_VEC(cr_job) jobs;
	fg_u64map dirs;       /* listing offsets already walked */
	char *path;
	size_t path_cap;

	uint64_t expand_cap, expanded;
	uint64_t rejects;
	size_t max_end;       /* furthest byte the structure reached */
	bool stop;
} cr_image;

static void reach(cr_image *im, size_t end)
{
	if (end > im->max_end)
		im->max_end = end;
}

/* ---- blocks ----------------------------------------------------------- */

typedef struct cr_block {
	size_t start, len;
	bool raw;             /* stored uncompressed */
} cr_block;

/* Start of the block after the one PREV points at (non-direct tables). */
static const char *after_prev(const cr_image *im, uint32_t prev, size_t *start)
{
	if (!im->ext || !(prev & CR_BLK_DIRECT)) {
		*start = im->ext ? (prev & ~CR_BLK_FLAGS) : prev;
		return NULL;
	}
	size_t pstart = (size_t)(prev & ~CR_BLK_FLAGS) << 2;
	if (prev & CR_BLK_UNCOMPRESSED) {
		*start = pstart + im->page;
		return NULL;
	}
	if (pstart > im->len || im->len - pstart < 2)
		return "block pointer outside the image";
	*start = pstart + 2 + ld16(im->d + pstart, im->s.be);
	return NULL;
}

/*
 * Where block I of the content at OFF (SIZE bytes, NBLOCKS blocks of
 * PAGE) is stored; the pointer table is known to be in the image. NULL
 * or why the block cannot be read.
 */
static const char *locate_block(cr_image *im, uint32_t off, uint32_t size, uint32_t nblocks,
				uint32_t i, uint32_t page, cr_block *b)
{
	uint32_t ptr = ld32(im->d + off + (size_t)i * 4, im->s.be);
	bool direct = im->ext && (ptr & CR_BLK_DIRECT);
	b->raw = im->ext && (ptr & CR_BLK_UNCOMPRESSED);
	if (im->ext)
		ptr &= ~CR_BLK_FLAGS;
	if (direct) {
		b->start = (size_t)ptr << 2;
		if (b->raw) {
			uint64_t left = (uint64_t)size - (uint64_t)i * page;
			b->len = left < page ? (size_t)left : page;
		} else {
			if (b->start > im->len || im->len - b->start < 2)
				return "block pointer outside the image";
			b->len = ld16(im->d + b->start, im->s.be);
			b->start += 2;
		}
	} else {
		b->start = off + (size_t)nblocks * 4;
		if (i > 0) {
			const char *why = after_prev(im, ld32(im->d + off + (size_t)(i - 1) * 4, im->s.be),
						     &b->start);
			if (why)
				return why;
		}
		if (ptr < b->start)
			return "block pointers run backwards";
		b->len = ptr - b->start;
	}
	if (b->start > im->len || b->len > im->len - b->start)
		return "block outside the image";
	if (b->len > 2 * (size_t)page || (b->raw && b->len > page))
		return "block longer than two pages";
	return NULL;
}

/* Inflates IN into OUT (WANT bytes). Returns the bytes produced, or -1
 * when the stream is corrupt. *MORE is set when it holds more than WANT. */
static long inflate_block(cr_image *im, const uint8_t *in, size_t in_len, uint8_t *out,
			  size_t want, bool *more)
{
	*more = false;
	if (!im->z_ready) {
		if (inflateInit(&im->z) != Z_OK)
			return -1;
		im->z_ready = true;
	} else if (inflateReset(&im->z) != Z_OK) {
		return -1;
	}
	im->z.next_in = (Bytef *)(uintptr_t)in;
	im->z.avail_in = (uInt)in_len;
	im->z.next_out = out;
	im->z.avail_out = (uInt)want;
	int rc = inflate(&im->z, Z_FINISH);
	long got = (long)(want - im->z.avail_out);
	if (rc == Z_STREAM_END)
		return got;
	if (im->z.avail_out == 0 && (rc == Z_OK || rc == Z_BUF_ERROR)) {
		*more = true;
		return got;
	}
	return -1;
}

/* The common case in one call: libdeflate decodes a complete zlib stream
 * of exactly WANT bytes with a good Adler-32, several times faster than
 * zlib. Otherwise false, with OUT zeroed again for the zlib path. */
static bool whole_block(cr_image *im, const uint8_t *in, size_t in_len, uint8_t *out,
			size_t want)
{
	if (!im->dfl)
		im->dfl = libdeflate_alloc_decompressor();
	if (!im->dfl)
		return false;
	if (libdeflate_zlib_decompress(im->dfl, in, in_len, out, want, NULL) == LIBDEFLATE_SUCCESS)
		return true;
	memset(out, 0, want);
	return false;
}

/* Decodes block I into OUT (WANT bytes, zeroed by the caller). NULL, or
 * why the block is bad. */
static const char *read_block(cr_image *im, uint32_t off, uint32_t size, uint32_t nblocks,
			      uint32_t i, uint8_t *out, size_t want)
{
	cr_block b;
	const char *why = locate_block(im, off, size, nblocks, i, im->page, &b);
	if (why)
		return why;
	reach(im, b.start + b.len);
	if (b.len == 0)
		return NULL; /* a hole */
	if (b.raw) {
		/* the kernel zero-fills a short uncompressed block */
		memcpy(out, im->d + b.start, b.len < want ? b.len : want);
		return NULL;
	}
	if (whole_block(im, im->d + b.start, b.len, out, want))
		return NULL;
	bool more;
	long got = inflate_block(im, im->d + b.start, b.len, out, want, &more);
	if (got < 0)
		return "corrupt zlib block";
	if (more)
		return "block holds more than a page";
	if ((size_t)got < want)
		return "block shorter than a page";
	return NULL;
}

/* The pointer table of content at OFF with SIZE bytes: in the image? */
static bool table_present(cr_image *im, uint32_t off, uint32_t nblocks)
{
	if (off > im->len || (uint64_t)nblocks * 4 > im->len - off)
		return false;
	reach(im, off + (size_t)nblocks * 4);
	return true;
}

static uint32_t block_count(uint32_t size, uint32_t page)
{
	return (uint32_t)(((uint64_t)size + page - 1) / page);
}

/* ---- the page size ------------------------------------------------------ */

/* Does PAGE explain the first block of JOB? -1: cannot tell, 0: no, 1: yes. */
static int page_fits(cr_image *im, const cr_job *job, uint32_t page)
{
	uint32_t n = block_count(job->size, page);
	if (!table_present(im, job->offset, n))
		return -1;
	cr_block b;
	if (locate_block(im, job->offset, job->size, n, 0, page, &b))
		return 0;
	if (b.len == 0 || b.raw)
		return -1;
	size_t want = job->size < page ? job->size : page;
	bool more;
	long got = inflate_block(im, im->d + b.start, b.len, im->scratch, want, &more);
	return got == (long)want && !more;
}

/*
 * mkcramfs writes pages of the build host's size (-b); the kernel reads
 * pages of its own. Each file longer than 4 KiB rules out the sizes its
 * first block contradicts; one whose first block inflates to exactly a
 * page with more of the file to come settles it. Otherwise the smallest
 * size still possible wins.
 */
static void detect_page_size(cr_image *im)
{
	unsigned tried = 0, alive = 0;
	for (uint32_t p = CR_MIN_PAGE; p <= CR_MAX_PAGE; p *= 2)
		alive |= p;
	for (size_t i = 0; i < im->jobs.n && tried < CR_PAGE_PROBES && alive; i++) {
		const cr_job *job = &im->jobs.v[i];
		if (job->kind != CR_JOB_FILE || job->size <= CR_MIN_PAGE)
			continue;
		tried++;
		for (uint32_t p = CR_MIN_PAGE; p <= CR_MAX_PAGE; p *= 2) {
			if (!(alive & p))
				continue;
			int v = page_fits(im, job, p);
			if (v == 0)
				alive &= ~p;
			if (v == 1 && p < job->size) {
				im->page = p;
				return;
			}
		}
	}
	im->page = CR_MIN_PAGE;
	for (uint32_t p = CR_MIN_PAGE; p <= CR_MAX_PAGE; p *= 2) {
		if (alive & p) {
			im->page = p;
			return;
		}
	}
}

/* ---- content ---------------------------------------------------------- */

static void read_file(cr_image *im, const cr_job *job)
{
	fg_node *n = job->node;
	uint32_t nblocks = block_count(job->size, im->page);
	if (!table_present(im, job->offset, nblocks)) {
		fg_unpack_truncated(im->ctx, n, "block table outside the image");
		return;
	}
	if (im->expand_cap && job->size > im->expand_cap - im->expanded) {
		fg_unpack_truncated(im->ctx, n, "image expansion limit (%llu bytes) reached",
				    (unsigned long long)im->expand_cap);
		return;
	}
	uint8_t *buf = fg_unpack_alloc(im->ctx, job->size);
	if (!buf) {
		fg_unpack_truncated(im->ctx, n, "content of %u bytes not extracted: byte budget spent",
				    job->size);
		return;
	}
	im->expanded += job->size;
	memset(buf, 0, job->size);
	n->data = buf;
	for (uint32_t i = 0; i < nblocks; i++) {
		size_t at = (size_t)i * im->page;
		size_t want = job->size - at < im->page ? job->size - at : im->page;
		const char *why = read_block(im, job->offset, job->size, nblocks, i, buf + at, want);
		if (why) {
			fg_unpack_truncated(im->ctx, n, "block %u of %u: %s", i, nblocks, why);
			n->data_len = at;
			return;
		}
	}
	n->data_len = job->size;
}

static void read_symlink(cr_image *im, const cr_job *job)
{
	fg_node *n = job->node;
	uint32_t nblocks = block_count(job->size, im->page);
	size_t want = job->size < im->page ? job->size : im->page;
	const char *why = NULL;
	if (!table_present(im, job->offset, nblocks))
		why = "block table outside the image";
	if (!why) {
		memset(im->scratch, 0, want);
		why = read_block(im, job->offset, job->size, nblocks, 0, im->scratch, want);
	}
	if (why) {
		fg_unpack_truncated(im->ctx, n, "symlink target unreadable: %s", why);
		return;
	}
	size_t keep = want < CR_LINK_MAX ? want : CR_LINK_MAX;
	fg_tree *t = fg_unpack_tree(im->ctx);
	pthread_mutex_lock(&t->lock);
	n->link_target = fg_arena_strndup(&t->arena, (const char *)im->scratch, keep);
	pthread_mutex_unlock(&t->lock);
	if (!n->link_target)
		fg_unpack_truncated(im->ctx, n, "out of memory for the symlink target");
	else if (job->size > keep)
		fg_unpack_truncated(im->ctx, n, "symlink target of %u bytes cut to %zu",
				    job->size, keep);
}

static void share_file(cr_image *im, fg_node *n, const fg_node *first)
{
	n->data = first->data;
	n->data_len = first->data_len;
	if (first->flags & FG_NODE_TRUNCATED)
		fg_unpack_truncated(im->ctx, n, "%s", first->note ? first->note : "content incomplete");
}

static int job_cmp(const void *a, const void *b)
{
	const cr_job *x = a, *y = b;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Reads the queued content in disk order; equal locations share it. */
static void read_jobs(cr_image *im)
{
	if (im->jobs.n > 1)
		qsort(im->jobs.v, im->jobs.n, sizeof(*im->jobs.v), job_cmp);
	const cr_job *first = NULL;
	for (size_t i = 0; i < im->jobs.n; i++) {
		const cr_job *j = &im->jobs.v[i];
		if (j->kind == CR_JOB_SYMLINK) {
			read_symlink(im, j);
			continue;
		}
		if (first && first->offset == j->offset && first->size == j->size) {
			share_file(im, j->node, first->node);
			continue;
		}
		first = j;
		read_file(im, j);
	}
}

/* ---- directories ------------------------------------------------------- */

static void set_meta(fg_node *n, const cr_inode *ino)
{
	n->mode = ino->mode & 07777;
	n->uid = ino->uid;
	n->gid = ino->gid;
	n->mtime = 0; /* cramfs keeps no times */
}

static fg_node_type node_type(uint32_t mode, bool *known)
{
	*known = true;
	switch (S_TYPE(mode)) {
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

static void reject(cr_image *im, fg_node *dir, const char *why, const char *name)
{
	fg_unpack_truncated(im->ctx, dir, "skipped entry \"%.64s\": %s", name, why);
	if (++im->rejects >= CR_MAX_REJECTS) {
		fg_unpack_truncated(im->ctx, im->root, "too many bad directory entries; gave up");
		im->stop = true;
	}
}

static bool build_path(cr_image *im, size_t base, const char *name, size_t len, size_t *out)
{
	return fg_path_join(&im->path, &im->path_cap, base, name, len, out);
}

/* Starts listing the directory N whose entries INO locates. */
static void push_dir(cr_image *im, fg_node *n, const cr_inode *ino, size_t path_len)
{
	if (ino->size == 0)
		return;
	if (ino->offset > im->len || ino->size > im->len - ino->offset) {
		fg_unpack_truncated(im->ctx, n, "directory listing outside the image");
		return;
	}
	if (fg_u64map_get(&im->dirs, ino->offset)) {
		fg_unpack_truncated(im->ctx, n, "directory loop: listing already walked");
		return;
	}
	if (im->stack.n > CR_MAX_DEPTH) {
		fg_unpack_truncated(im->ctx, n, "directory nesting deeper than %d not followed",
				    CR_MAX_DEPTH);
		return;
	}
	cr_frame f = { n, ino->offset, (size_t)ino->offset + ino->size, path_len };
	if (!fg_u64map_put(&im->dirs, ino->offset, n) || !FG_VEC_PUSH(&im->stack, f)) {
		fg_unpack_truncated(im->ctx, im->root, "out of memory");
		im->stop = true;
		return;
	}
	reach(im, f.end);
}

static void queue_job(cr_image *im, fg_node *n, const cr_inode *ino, int kind)
{
	cr_job j = { n, ino->offset, ino->size, kind, im->jobs.n };
	if (!FG_VEC_PUSH(&im->jobs, j)) {
		fg_unpack_truncated(im->ctx, im->root, "out of memory queueing content");
		im->stop = true;
	}
}

static void set_device(fg_node *n, uint32_t rdev)
{
	/* the 24-bit size field holds st_rdev: glibc's encoding of it */
	n->dev_major = (rdev >> 8) & 0xfff;
	n->dev_minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
}

static void place_entry(cr_image *im, fg_node_type type, const cr_inode *ino, size_t path_len)
{
	fg_node *n = fg_unpack_add(im->ctx, im->root, im->path, type);
	if (!n) {
		if (atomic_load(&im->budget->files) >= im->budget->limits.max_files)
			im->stop = true;
		return;
	}
	set_meta(n, ino);
	switch (type) {
	case FG_NODE_DIR:
		push_dir(im, n, ino, path_len);
		break;
	case FG_NODE_FILE:
		n->size = ino->size;
		if (ino->size)
			queue_job(im, n, ino, CR_JOB_FILE);
		break;
	case FG_NODE_SYMLINK:
		n->size = ino->size;
		if (ino->size)
			queue_job(im, n, ino, CR_JOB_SYMLINK);
		else
			fg_unpack_truncated(im->ctx, n, "empty symlink target");
		break;
	case FG_NODE_CHR:
	case FG_NODE_BLK:
		set_device(n, ino->size);
		break;
	default:
		break;
	}
}

/* Why NAME (LEN bytes) cannot be a path component, or NULL. */
static const char *bad_name(const char *name, size_t len)
{
	if (len == 0)
		return "empty name";
	if (memchr(name, '/', len))
		return "name contains '/'";
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return "name is a dot entry";
	return NULL;
}

/* Reads the next entry of the top directory. */
static void next_entry(cr_image *im)
{
	cr_frame *f = &im->stack.v[im->stack.n - 1];
	if (f->pos >= f->end) {
		im->stack.n--;
		return;
	}
	fg_node *dir = f->node;
	cr_inode ino;
	if (f->end - f->pos < CR_INODE_SIZE) {
		fg_unpack_truncated(im->ctx, dir, "directory listing ends inside an entry");
		im->stack.n--;
		return;
	}
	decode_inode(im->d + f->pos, im->s.be, &ino);
	size_t name_at = f->pos + CR_INODE_SIZE;
	if (ino.namelen == 0 || ino.namelen > f->end - name_at) {
		fg_unpack_truncated(im->ctx, dir, "directory listing corrupt: bad name length");
		im->stack.n--;
		return;
	}
	f->pos = name_at + ino.namelen;
	size_t path_base = f->path_len;
	char name[256];
	size_t nlen = strnlen((const char *)im->d + name_at, ino.namelen);
	memcpy(name, im->d + name_at, nlen);
	name[nlen] = '\0';

	bool known;
	fg_node_type type = node_type(ino.mode, &known);
	const char *why = bad_name(name, nlen);
	if (!why && !known)
		why = "unknown file type";
	if (!why && fg_node_find_child(dir, name, nlen))
		why = "duplicate name";
	if (why) {
		reject(im, dir, why, name);
		return;
	}
	size_t path_len;
	if (!build_path(im, path_base, name, nlen, &path_len)) {
		fg_unpack_truncated(im->ctx, im->root, "out of memory");
		im->stop = true;
		return;
	}
	place_entry(im, type, &ino, path_len);
}

static void walk(cr_image *im)
{
	while (im->stack.n && !im->stop)
		next_entry(im);
}

/* ---- setting up --------------------------------------------------------- */

/* CRC32 of the image from the superblock to its end, with the stored CRC
 * counted as zero (what mkcramfs computed). */
static void check_crc(cr_image *im)
{
	if (!is_v2(&im->s) || im->s.size > im->len)
		return;
	const uint8_t *p = im->d + im->s.at;
	size_t n = im->s.size - im->s.at;
	static const uint8_t zero[4];
	uint32_t crc = fg_crc32(0, p, 32);
	crc = fg_crc32(crc, zero, 4);
	if (n > 36)
		crc = fg_crc32(crc, p + 36, n - 36);
	if (crc != im->s.crc)
		fg_unpack_truncated(im->ctx, im->root,
				    "CRC mismatch (stored 0x%08x, computed 0x%08x): image corrupt",
				    im->s.crc, (uint32_t)crc);
}

static uint64_t expansion_cap(const fg_limits *lim, size_t len)
{
	if (!lim->max_ratio || len > UINT64_MAX / lim->max_ratio)
		return 0;
	uint64_t cap = (uint64_t)len * lim->max_ratio;
	return cap < (1u << 20) ? (1u << 20) : cap;
}

static int open_image(cr_image *im, const uint8_t *data, size_t len)
{
	if (!read_super(data, len, &im->s)) {
		fg_unpack_fail(im->ctx, "no cramfs superblock");
		return -1;
	}
	im->d = data;
	im->len = len;
	im->root->format_info = im->s.be ? "be" : "le";
	if (!root_offset_ok(&im->s)) {
		fg_unpack_fail(im->ctx, "bad root directory offset %u", im->s.root_off);
		return -1;
	}
	if (im->s.flags & ~CR_SUPPORTED_FLAGS)
		fg_unpack_truncated(im->ctx, im->root, "unknown feature flags 0x%08x: read anyway",
				    im->s.flags & ~CR_SUPPORTED_FLAGS);
	im->ext = im->s.flags & CR_FLAG_EXT_BLOCK_PTRS;
	if (is_v2(&im->s)) {
		if (im->s.size < im->s.at + CR_SUPER_SIZE) {
			fg_unpack_fail(im->ctx, "image size %u is smaller than its superblock",
				       im->s.size);
			return -1;
		}
		if (im->s.size > len)
			fg_unpack_truncated(im->ctx, im->root, "image truncated: %zu of %u bytes present",
					    len, im->s.size);
		else
			im->len = im->s.size;
	}
	im->scratch = malloc(CR_MAX_PAGE);
	if (!im->scratch) {
		fg_unpack_fail(im->ctx, "out of memory");
		return -1;
	}
	im->max_end = im->s.at + CR_SUPER_SIZE;
	check_crc(im);
	return 0;
}

static int walk_root(cr_image *im)
{
	cr_inode root;
	decode_inode(im->d + im->s.at + 64, im->s.be, &root);
	set_meta(im->root, &root);
	push_dir(im, im->root, &root, 0);
	walk(im);
	detect_page_size(im);
	read_jobs(im);
	if (im->page != CR_MIN_PAGE) {
		char info[32];
		snprintf(info, sizeof(info), "%s, %u KiB pages", im->s.be ? "be" : "le",
			 im->page >> 10);
		fg_tree *t = fg_unpack_tree(im->ctx);
		pthread_mutex_lock(&t->lock);
		const char *dup = fg_arena_strdup(&t->arena, info);
		pthread_mutex_unlock(&t->lock);
		if (dup)
			im->root->format_info = dup;
	}
	im->root->src_length = is_v2(&im->s) ? im->len : im->max_end;
	return 0;
}

static void close_image(cr_image *im)
{
	if (im->z_ready)
		inflateEnd(&im->z);
	libdeflate_free_decompressor(im->dfl);
	free(im->scratch);
	FG_VEC_FREE(&im->stack);
	FG_VEC_FREE(&im->jobs);
	fg_u64map_free(&im->dirs);
	free(im->path);
}

static int cr_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	cr_image *im = calloc(1, sizeof(*im));
	if (!im) {
		fg_unpack_fail(ctx, "out of memory");
		return -1;
	}
	im->ctx = ctx;
	im->root = root;
	im->budget = fg_unpack_budget(ctx);
	im->expand_cap = expansion_cap(&im->budget->limits, len);
	im->page = CR_MIN_PAGE;
	int rc = open_image(im, data, len);
	if (rc == 0)
		rc = walk_root(im);
	close_image(im);
	free(im);
	return rc;
}

const fg_format fg_format_cramfs = {
	.name = "cramfs",
	.kind = FG_FMT_FILESYSTEM,
	.magics = cr_magics,
	.probe = cr_probe,
	.unpack = cr_unpack,
};
