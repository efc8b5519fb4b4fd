/*
 * yaffs2.c - YAFFS2 images as NAND dumps, parsed here.
 *
 * Flash holds chunks: a data area (a NAND page) and usually a spare (OOB)
 * area. Every chunk carries tags: the block's sequence number, the object
 * it belongs to, its chunk number in that object (0 = the object header)
 * and the bytes it holds. Tags live
 *   - in the spare area ("packed tags2", 16 bytes, at offset 0, or at 2
 *     after a bad-block marker as MTD's default layout puts them; possibly
 *     followed by an ECC of the tags, ignored here), or
 *   - at the end of the data area ("in-band tags", for flash without
 *     spare; the payload is then the page minus 16 bytes), or
 *   - nowhere, in dumps without the spare: then the image is read in write
 *     order as mkyaffs2image lays it out (an object header, its data chunks,
 *     the next header) and object ids are inferred the way that tool hands
 *     them out (257 upwards); format_info says so.
 * The geometry (page 512..16384, spare 16..1280, tag offset, byte order,
 * tag placement) is not recorded anywhere: every plausible candidate is
 * tried on the first chunks and the one whose tags and headers check out
 * is used.
 *
 * An object header (one chunk) holds type (file, symlink, directory, hard
 * link, special), parent object id, name, mode, uid, gid, times, file
 * size, hard-link target (equiv id), symlink target (alias) and rdev.
 * Objects 1 and 2 are the root and lost+found directories, implicit when
 * no header exists; a header whose parent is 3 (unlinked) or 4 (deleted)
 * removes its object.
 *
 * YAFFS2 is log structured: a chunk may be written again. For every
 * (object, chunk) the copy with the highest sequence number wins, and
 * within a block (same sequence number) the one written last (the later
 * chunk). A file's size is its latest header's, or larger when data
 * chunks written after that header reach further.
 *
 * Objects whose parent chain does not reach the root (orphans, parents
 * that are not directories, cycles) are placed under lost+found, as the
 * kernel does. Hard links become FG_NODE_HARDLINK nodes naming their
 * target's path. Content bigger than one chunk is copied into a budget
 * buffer (the spare areas interrupt it); expansion is capped by the
 * ratio limit since sparse chunk numbers could otherwise claim huge
 * zero-filled files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "core/pathbuf.h"
#include "core/u64map.h"
#include "unpack/format.h"

#define YF_HDR_SIZE 512
#define YF_TAGS 16
#define YF_NAME_AT 10
#define YF_NAME_MAX 256
#define YF_ALIAS_AT 300
#define YF_ALIAS_MAX 160
#define YF_SEQ_MIN 0x00001000u
#define YF_SEQ_MAX 0xefffff00u
#define YF_MAX_OBJ 0x3ffffu
#define YF_MAX_CHUNK 0x0fffffffu
#define YF_EXTRA_HEADER 0x80000000u
#define YF_EXTRA_TYPE_MASK 0xf0000000u
#define YF_FIRST_OBJ 257u          /* mkyaffs2image's first object id */
#define YF_PROBE_CHUNKS 8
#define YF_MAX_BAD_RUN 64          /* consecutive bad chunks that end the image */
#define YF_MAX_DEPTH 256
#define YF_LINK_HOPS 32
#define YF_MAX_REJECTS 10000

enum { YF_OBJ_FILE = 1, YF_OBJ_SYMLINK, YF_OBJ_DIR, YF_OBJ_HARDLINK, YF_OBJ_SPECIAL };
enum { YF_ROOT = 1, YF_LOSTFOUND = 2, YF_UNLINKED = 3, YF_DELETED = 4 };
enum { YF_OOB, YF_INBAND, YF_NOTAGS };

typedef struct yf_geo {
	uint32_t page;     /* flash page (data area) */
	uint32_t spare;    /* OOB bytes after each page; 0 without */
	uint32_t stride;   /* page + spare */
	uint32_t data;     /* payload bytes per chunk */
	uint32_t tag_at;   /* offset of the tags in a chunk (OOB, in-band) */
	int mode;
	bool be;
} yf_geo;

typedef struct yf_tags {
	uint32_t seq, obj, chunk, nbytes;
	bool header;
	uint32_t extra_type;   /* object type from the tags, 0 when absent */
} yf_tags;

static uint32_t ld32(const uint8_t *p, bool be)
{
	return be ? fg_load_u32be(p) : fg_load_u32le(p);
}

static bool all_ff(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xff)
			return false;
	return true;
}

/* ---- tags and headers ------------------------------------------------------ */

enum { TAG_BAD, TAG_ERASED, TAG_OK };

static int read_tags(const yf_geo *g, const uint8_t *chunk, yf_tags *t)
{
	const uint8_t *p = chunk + g->tag_at;
	t->seq = ld32(p, g->be);
	t->obj = ld32(p + 4, g->be);
	t->chunk = ld32(p + 8, g->be);
	t->nbytes = ld32(p + 12, g->be);
	t->extra_type = 0;
	if (t->seq == 0xffffffffu && t->obj == 0xffffffffu)
		return TAG_ERASED;
	if (t->seq < YF_SEQ_MIN || t->seq > YF_SEQ_MAX)
		return TAG_BAD;
	if (t->chunk & YF_EXTRA_HEADER) {
		/* object headers may carry their type and parent in the tags */
		t->extra_type = t->obj >> 28;
		t->obj &= ~YF_EXTRA_TYPE_MASK;
		t->chunk = 0;
	}
	t->header = t->chunk == 0;
	if (t->obj == 0 || t->obj > YF_MAX_OBJ)
		return TAG_BAD;
	if (!t->header && (t->chunk > YF_MAX_CHUNK || t->nbytes > g->data))
		return TAG_BAD;
	return TAG_OK;
}

typedef struct yf_hdr {
	uint32_t type, parent;
	const char *name;
	size_t name_len;
	uint32_t mode, uid, gid, mtime;
	uint64_t size;
	uint32_t equiv;
	const char *alias;
	size_t alias_len;
	uint32_t rdev;
	uint32_t shadows;
} yf_hdr;

/* Decodes the object header at P (YF_HDR_SIZE bytes); false when the
 * bytes cannot be one. */
static bool read_hdr(const uint8_t *p, bool be, yf_hdr *h)
{
	h->type = ld32(p, be);
	h->parent = ld32(p + 4, be);
	if (h->type < YF_OBJ_FILE || h->type > YF_OBJ_SPECIAL || h->parent == 0 ||
	    h->parent > YF_MAX_OBJ)
		return false;
	const uint8_t *nul = memchr(p + YF_NAME_AT, 0, YF_NAME_MAX);
	if (!nul)
		return false;
	h->name = (const char *)p + YF_NAME_AT;
	h->name_len = (size_t)(nul - (p + YF_NAME_AT));
	h->mode = ld32(p + 268, be);
	h->uid = ld32(p + 272, be);
	h->gid = ld32(p + 276, be);
	h->mtime = ld32(p + 284, be);
	uint32_t lo = ld32(p + 292, be), hi = ld32(p + 496, be);
	h->size = lo;
	if (hi != 0xffffffffu && h->type == YF_OBJ_FILE)
		h->size |= (uint64_t)hi << 32;
	h->equiv = ld32(p + 296, be);
	h->alias = (const char *)p + YF_ALIAS_AT;
	h->alias_len = strnlen(h->alias, YF_ALIAS_MAX);
	h->rdev = ld32(p + 460, be);
	uint32_t shadows = ld32(p + 504, be);
	h->shadows = shadows <= YF_MAX_OBJ ? shadows : 0;
	return true;
}

/* Do the header's name and mode agree with what it says it is? Used to
 * tell a geometry that fits from one that happens to parse. */
static bool hdr_consistent(const yf_hdr *h)
{
	if (h->name_len == 0)
		return false;
	for (size_t i = 0; i < h->name_len; i++)
		if ((unsigned char)h->name[i] < 0x20 || h->name[i] == '/')
			return false;
	uint32_t fmt = h->mode & 0170000u;
	switch (h->type) {
	case YF_OBJ_FILE: return fmt == 0100000u;
	case YF_OBJ_SYMLINK: return fmt == 0120000u;
	case YF_OBJ_DIR: return fmt == 0040000u;
	case YF_OBJ_SPECIAL:
		return fmt == 0020000u || fmt == 0060000u || fmt == 0010000u || fmt == 0140000u;
	default: return true; /* hard links keep no mode of their own */
	}
}

/* ---- geometry ----------------------------------------------------------------- */

static const uint32_t yf_pages[] = { 512, 1024, 2048, 4096, 8192, 16384 };

/* Spare sizes NAND parts of each page size come with. */
static const uint32_t *spares_for(uint32_t page, size_t *n)
{
	static const uint32_t s512[] = { 16 };
	static const uint32_t s1k[] = { 32 };
	static const uint32_t s2k[] = { 64, 128, 112 };
	static const uint32_t s4k[] = { 128, 224, 218, 256, 232 };
	static const uint32_t s8k[] = { 256, 436, 448, 512, 640, 744 };
	static const uint32_t s16k[] = { 512, 1216, 1280, 1664 };
	switch (page) {
	case 512: *n = 1; return s512;
	case 1024: *n = 1; return s1k;
	case 2048: *n = 3; return s2k;
	case 4096: *n = 5; return s4k;
	case 8192: *n = 6; return s8k;
	default: *n = 4; return s16k;
	}
}

/*
 * How well G explains the first chunks of D: 0 = not at all. Most
 * non-erased chunks among the first YF_PROBE_CHUNKS must carry valid tags
 * (a bad block may not), and at least one must be an object header that
 * parses and agrees with the type the tags may carry.
 */
static int score_tagged(const uint8_t *d, size_t len, const yf_geo *g)
{
	int valid = 0, headers = 0, bad = 0;
	size_t n = len / g->stride;
	for (size_t i = 0; i < n && i < YF_PROBE_CHUNKS; i++) {
		const uint8_t *c = d + i * g->stride;
		yf_tags t;
		int r = read_tags(g, c, &t);
		if (r == TAG_ERASED && all_ff(c, g->stride))
			continue;
		if (r == TAG_OK && t.header) {
			yf_hdr h;
			if (!read_hdr(c, g->be, &h) || !hdr_consistent(&h) ||
			    (t.extra_type && t.extra_type != h.type))
				r = TAG_BAD;
			else
				headers++;
		}
		if (r == TAG_OK)
			valid++;
		else
			bad++;
	}
	if (!headers || bad * 2 >= valid)
		return 0;
	return valid + headers - 2 * bad + (len % g->stride == 0 ? 2 : 0);
}

/* Pages of the data of a file of SIZE bytes. */
static uint64_t data_pages(uint64_t size, uint32_t data)
{
	return (size + data - 1) / data;
}

/* Without tags: headers must follow each other as mkyaffs2image writes
 * them, with parents that are the root or a directory seen before. */
static int score_untagged(const uint8_t *d, size_t len, const yf_geo *g)
{
	uint32_t dirs[YF_PROBE_CHUNKS];
	unsigned ndirs = 0, headers = 0;
	uint64_t pos = 0;
	bool end = false;
	for (unsigned k = 0; k < YF_PROBE_CHUNKS; k++) {
		if (pos >= len || len - pos < g->page) {
			end = true;
			break;
		}
		yf_hdr h;
		if (!read_hdr(d + pos, g->be, &h)) {
			end = all_ff(d + pos, g->page);
			break;
		}
		bool parent_ok = h.parent == YF_ROOT;
		for (unsigned i = 0; i < ndirs; i++)
			parent_ok |= dirs[i] == h.parent;
		if (!parent_ok || !hdr_consistent(&h))
			return 0;
		if (h.type == YF_OBJ_DIR)
			dirs[ndirs++] = YF_FIRST_OBJ + headers;
		headers++;
		pos += g->page;
		if (h.type == YF_OBJ_FILE) {
			uint64_t n = data_pages(h.size, g->data);
			if (n > (len - pos) / g->page)
				break; /* cut inside the data: it takes a second header to tell */
			pos += n * g->page;
		}
	}
	if (headers >= 2)
		return 2 * (int)headers;
	/* one object: only if its chunks end the data exactly */
	return headers == 1 && end ? 2 : 0;
}

static int score(const uint8_t *d, size_t len, const yf_geo *g)
{
	return g->mode == YF_NOTAGS ? score_untagged(d, len, g) : score_tagged(d, len, g);
}

static void consider(const uint8_t *d, size_t len, const yf_geo *g, yf_geo *best, int *best_score)
{
	int s = score(d, len, g);
	if (s > *best_score) {
		*best = *g;
		*best_score = s;
	}
}

/* Finds the geometry; returns its score, 0 when none fits. */
static int detect(const uint8_t *d, size_t len, yf_geo *best)
{
	int best_score = 0;
	for (int be = 0; be < 2; be++) {
		for (size_t i = 0; i < sizeof(yf_pages) / sizeof(yf_pages[0]); i++) {
			uint32_t page = yf_pages[i];
			size_t ns;
			const uint32_t *sp = spares_for(page, &ns);
			for (size_t j = 0; j < ns; j++) {
				for (uint32_t off = 0; off <= 2; off += 2) {
					if (off + YF_TAGS > sp[j])
						continue;
					yf_geo g = { page, sp[j], page + sp[j], page, page + off, YF_OOB, be };
					consider(d, len, &g, best, &best_score);
				}
			}
		}
	}
	/* tags kept elsewhere only when the spare explains nothing */
	if (best_score)
		return best_score;
	for (int be = 0; be < 2; be++) {
		for (size_t i = 0; i < sizeof(yf_pages) / sizeof(yf_pages[0]); i++) {
			uint32_t page = yf_pages[i];
			yf_geo g = { page, 0, page, page - YF_TAGS, page - YF_TAGS, YF_INBAND, be };
			consider(d, len, &g, best, &best_score);
		}
	}
	if (best_score)
		return best_score;
	for (int be = 0; be < 2; be++) {
		for (size_t i = 0; i < sizeof(yf_pages) / sizeof(yf_pages[0]); i++) {
			uint32_t page = yf_pages[i];
			yf_geo g = { page, 0, page, page, 0, YF_NOTAGS, be };
			consider(d, len, &g, best, &best_score);
		}
	}
	return best_score;
}

/* Cheap test run before trying geometries: does D start with a header in
 * either byte order, or could its first chunk's spare hold tags? */
static bool plausible_start(const uint8_t *d, size_t len)
{
	if (len < YF_HDR_SIZE + YF_TAGS)
		return false;
	yf_hdr h;
	return read_hdr(d, false, &h) || read_hdr(d, true, &h);
}

static int yf_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	(void)chunk_len; /* the end is where valid chunks stop: unpack measures */
	if (!plausible_start(data, len))
		return 0;
	yf_geo g;
	int s = detect(data, len, &g);
	if (s == 0)
		return 0;
	if (g.mode == YF_NOTAGS)
		return s >= 6 ? 60 : 40;
	return s >= 6 ? 85 : (s >= 3 ? 60 : 40);
}

/* An object header starting a chunk, in the root directory: type 1..5,
 * parent 1, the unused name checksum 0xffff. Big-endian ones are matched
 * from their type byte on (the literal matcher refuses a leading NUL). */
static const fg_magic yf_magics[] = {
	{ "\x01\0\0\0\x01\0\0\0\xff\xff", 10, 0 },
	{ "\x02\0\0\0\x01\0\0\0\xff\xff", 10, 0 },
	{ "\x03\0\0\0\x01\0\0\0\xff\xff", 10, 0 },
	{ "\x04\0\0\0\x01\0\0\0\xff\xff", 10, 0 },
	{ "\x05\0\0\0\x01\0\0\0\xff\xff", 10, 0 },
	{ "\x01\0\0\0\x01\xff\xff", 7, 3 },
	{ "\x02\0\0\0\x01\xff\xff", 7, 3 },
	{ "\x03\0\0\0\x01\xff\xff", 7, 3 },
	{ "\x04\0\0\0\x01\xff\xff", 7, 3 },
	{ "\x05\0\0\0\x01\xff\xff", 7, 3 },
	FG_MAGIC_END,
};

/* ---- the scan ---------------------------------------------------------------- */

typedef struct yf_rec {
	uint32_t obj, chunk, seq, nbytes;
	uint64_t off;          /* chunk offset in the image */
} yf_rec;

typedef struct yf_obj {
	uint32_t id;
	yf_hdr h;
	uint32_t seq;
	uint64_t off;          /* header chunk */
	size_t first, ndata;   /* data chunks: winners[first .. first+ndata) */
	fg_node *node;
	bool live, placed;
} yf_obj;

typedef struct yf_kid {
	uint32_t parent;
	uint32_t idx;          /* into objs */
} yf_kid;

typedef struct yf_image {
	fg_unpack_ctx *ctx;
	fg_node *root;
	fg_budget *budget;
	const uint8_t *d;
	size_t len;
	yf_geo g;
	uint64_t end;          /* end of the last chunk used */

	FG_VEC(yf_rec) recs;
	FG_VEC(yf_rec) winners; /* data chunks, latest copy each, by object */
	FG_VEC(yf_obj) objs;
	fg_u64map by_id;       /* object id -> index + 1 */
	FG_VEC(yf_kid) kids;      /* live objects by parent id */
	fg_node *lostfound;

	char *path;
	size_t path_cap;
	uint64_t expand_cap, expanded;
	uint64_t rejects, bad_chunks, stale;
	bool stop;
} yf_image;

static bool push_rec(yf_image *im, uint32_t obj, uint32_t chunk, uint32_t seq, uint32_t nbytes,
		     uint64_t off)
{
	yf_rec r = { obj, chunk, seq, nbytes, off };
	if (!FG_VEC_PUSH(&im->recs, r)) {
		fg_unpack_truncated(im->ctx, im->root, "out of memory");
		return false;
	}
	if (off + im->g.stride > im->end)
		im->end = off + im->g.stride;
	return true;
}

static void scan_tagged(yf_image *im)
{
	size_t n = im->len / im->g.stride;
	unsigned bad_run = 0;
	for (size_t i = 0; i < n; i++) {
		if ((i & 4095) == 0 && fg_budget_expired(im->budget)) {
			fg_unpack_truncated(im->ctx, im->root, "time limit reached while scanning");
			return;
		}
		uint64_t off = (uint64_t)i * im->g.stride;
		const uint8_t *c = im->d + off;
		yf_tags t;
		int r = read_tags(&im->g, c, &t);
		if (r == TAG_ERASED)
			continue;
		yf_hdr h;
		if (r == TAG_OK && t.header && !read_hdr(c, im->g.be, &h))
			r = TAG_BAD;
		if (r == TAG_BAD) {
			im->bad_chunks++;
			if (++bad_run >= YF_MAX_BAD_RUN)
				break; /* past the file system */
			continue;
		}
		bad_run = 0;
		if (!push_rec(im, t.obj, t.chunk, t.seq, t.nbytes, off))
			return;
	}
	if (im->len % im->g.stride && im->end == (uint64_t)n * im->g.stride)
		fg_unpack_truncated(im->ctx, im->root, "image ends inside a chunk (%zu stray bytes)",
				    (size_t)(im->len % im->g.stride));
}

/* Without tags: write order, ids as mkyaffs2image assigns them. */
static void scan_untagged(yf_image *im)
{
	uint64_t pos = 0;
	uint32_t next_id = YF_FIRST_OBJ;
	while (pos < im->len && im->len - pos >= im->g.page && !im->stop) {
		yf_hdr h;
		if (!read_hdr(im->d + pos, im->g.be, &h)) {
			if (all_ff(im->d + pos, im->g.page)) {
				pos += im->g.page;
				continue;
			}
			break;
		}
		if (next_id > YF_MAX_OBJ) {
			fg_unpack_truncated(im->ctx, im->root, "more objects than YAFFS2 ids");
			break;
		}
		uint32_t id = next_id++;
		if (!push_rec(im, id, 0, YF_SEQ_MIN, 0xffff, pos))
			return;
		pos += im->g.page;
		if (h.type != YF_OBJ_FILE)
			continue;
		uint64_t np = data_pages(h.size, im->g.data);
		for (uint64_t k = 0; k < np; k++) {
			if (pos >= im->len || im->len - pos < im->g.page) {
				fg_unpack_truncated(im->ctx, im->root, "image ends inside \"%.*s\"",
						    (int)(h.name_len < 64 ? h.name_len : 64), h.name);
				return;
			}
			uint64_t left = h.size - k * im->g.data;
			uint32_t nb = left < im->g.data ? (uint32_t)left : im->g.data;
			if (!push_rec(im, id, (uint32_t)(k + 1), YF_SEQ_MIN, nb, pos))
				return;
			pos += im->g.page;
		}
	}
}

static int rec_cmp(const void *a, const void *b)
{
	const yf_rec *x = a, *y = b;
	if (x->obj != y->obj)
		return x->obj < y->obj ? -1 : 1;
	if (x->chunk != y->chunk)
		return x->chunk < y->chunk ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

static bool newer(uint32_t seq_a, uint64_t off_a, uint32_t seq_b, uint64_t off_b)
{
	return seq_a != seq_b ? seq_a > seq_b : off_a > off_b;
}

/* Latest header of every object and latest copy of every data chunk. */
static bool collect(yf_image *im)
{
	if (im->recs.n > 1)
		qsort(im->recs.v, im->recs.n, sizeof(yf_rec), rec_cmp);
	for (size_t i = 0; i < im->recs.n; i++) {
		const yf_rec *r = &im->recs.v[i];
		if (i + 1 < im->recs.n && im->recs.v[i + 1].obj == r->obj &&
		    im->recs.v[i + 1].chunk == r->chunk) {
			im->stale++;
			continue; /* a later copy exists */
		}
		if (r->chunk != 0) {
			if (!FG_VEC_PUSH(&im->winners, *r))
				return false;
			continue;
		}
		yf_obj o = { 0 };
		o.id = r->obj;
		o.seq = r->seq;
		o.off = r->off;
		read_hdr(im->d + r->off, im->g.be, &o.h); /* checked in the scan */
		o.live = o.h.parent != YF_UNLINKED && o.h.parent != YF_DELETED;
		if (!FG_VEC_PUSH(&im->objs, o))
			return false;
	}
	/* data chunks per object: winners are sorted by object, then chunk */
	size_t w = 0;
	for (size_t i = 0; i < im->objs.n; i++) {
		yf_obj *o = &im->objs.v[i];
		while (w < im->winners.n && im->winners.v[w].obj < o->id)
			w++;
		o->first = w;
		while (w < im->winners.n && im->winners.v[w].obj == o->id)
			w++;
		o->ndata = w - o->first;
		if (!fg_u64map_put(&im->by_id, o->id, (void *)(uintptr_t)(i + 1)))
			return false;
	}
	return true;
}

static yf_obj *find_obj(yf_image *im, uint32_t id)
{
	uintptr_t v = (uintptr_t)fg_u64map_get(&im->by_id, id);
	return v ? &im->objs.v[v - 1] : NULL;
}

/* A header that shadows another object (a rename over it) removes it. */
static void apply_shadows(yf_image *im)
{
	for (size_t i = 0; i < im->objs.n; i++) {
		const yf_obj *o = &im->objs.v[i];
		if (!o->live || !o->h.shadows || o->h.shadows == o->id)
			continue;
		yf_obj *s = find_obj(im, o->h.shadows);
		if (s && s->id > YF_DELETED && !newer(s->seq, s->off, o->seq, o->off))
			s->live = false;
	}
}

/* ---- content ---------------------------------------------------------------- */

static const char *tree_strndup(yf_image *im, const char *s, size_t n)
{
	fg_tree *t = fg_unpack_tree(im->ctx);
	pthread_mutex_lock(&t->lock);
	const char *r = fg_arena_strndup(&t->arena, s, n);
	pthread_mutex_unlock(&t->lock);
	return r;
}

/* Bytes of file O: its header's size, or further when data chunks
 * written after the header reach further. */
static uint64_t file_size(const yf_image *im, const yf_obj *o)
{
	uint64_t size = o->h.size;
	for (size_t i = 0; i < o->ndata; i++) {
		const yf_rec *r = &im->winners.v[o->first + i];
		uint64_t end = (uint64_t)(r->chunk - 1) * im->g.data + r->nbytes;
		if (end > size && newer(r->seq, r->off, o->seq, o->off))
			size = end;
	}
	return size;
}

static void read_file(yf_image *im, yf_obj *o)
{
	fg_node *n = o->node;
	uint64_t size = file_size(im, o);
	n->size = size;
	if (size == 0)
		return;
	uint64_t covered = 0;
	for (size_t i = 0; i < o->ndata; i++) {
		const yf_rec *r = &im->winners.v[o->first + i];
		uint64_t end = (uint64_t)(r->chunk - 1) * im->g.data + r->nbytes;
		if (end > covered)
			covered = end;
	}
	uint64_t want = size < covered ? size : covered;
	/* one chunk at the start: the content is in place */
	if (o->ndata >= 1 && im->winners.v[o->first].chunk == 1 && want <= im->g.data &&
	    im->winners.v[o->first].nbytes >= want && size <= im->g.data) {
		n->data = im->d + im->winners.v[o->first].off;
		n->data_len = (size_t)want;
		if (want < size)
			fg_unpack_truncated(im->ctx, n, "data chunks missing: %llu of %llu bytes present",
					    (unsigned long long)want, (unsigned long long)size);
		return;
	}
	if (want == 0) {
		fg_unpack_truncated(im->ctx, n, "no data chunks for %llu bytes",
				    (unsigned long long)size);
		return;
	}
	if (im->expand_cap && want > im->expand_cap - im->expanded) {
		fg_unpack_truncated(im->ctx, n, "image expansion limit (%llu bytes) reached",
				    (unsigned long long)im->expand_cap);
		return;
	}
	uint8_t *buf = want <= SIZE_MAX ? fg_unpack_alloc(im->ctx, (size_t)want) : NULL;
	if (!buf) {
		fg_unpack_truncated(im->ctx, n, "content of %llu bytes not extracted: byte budget spent",
				    (unsigned long long)want);
		return;
	}
	im->expanded += want;
	memset(buf, 0, (size_t)want);
	uint64_t got = 0;
	for (size_t i = 0; i < o->ndata; i++) {
		const yf_rec *r = &im->winners.v[o->first + i];
		uint64_t at = (uint64_t)(r->chunk - 1) * im->g.data;
		if (at >= want)
			break;
		uint64_t k = r->nbytes < want - at ? r->nbytes : want - at;
		memcpy(buf + at, im->d + r->off, (size_t)k);
		got += k;
	}
	n->data = buf;
	n->data_len = (size_t)want;
	if (want < size)
		fg_unpack_truncated(im->ctx, n, "data chunks missing after %llu of %llu bytes",
				    (unsigned long long)want, (unsigned long long)size);
	else if (got < want)
		fg_unpack_truncated(im->ctx, n, "%llu bytes in missing chunks read as zeros",
				    (unsigned long long)(want - got));
}

/* ---- the tree ------------------------------------------------------------------ */

static int kid_cmp(const void *a, const void *b)
{
	const yf_kid *x = a, *y = b;
	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool index_children(yf_image *im)
{
	for (size_t i = 0; i < im->objs.n; i++) {
		const yf_obj *o = &im->objs.v[i];
		yf_kid k = { o->h.parent, (uint32_t)i };
		if (o->live && o->id > YF_DELETED && !FG_VEC_PUSH(&im->kids, k))
			return false;
	}
	if (im->kids.n > 1)
		qsort(im->kids.v, im->kids.n, sizeof(yf_kid), kid_cmp);
	return true;
}

/* First index in KIDS of a child of PARENT. */
static size_t first_kid(const yf_image *im, uint32_t parent)
{
	size_t lo = 0, hi = im->kids.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (im->kids.v[mid].parent < parent)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void reject(yf_image *im, fg_node *dir, const yf_obj *o, const char *why)
{
	fg_unpack_truncated(im->ctx, dir, "skipped object %u \"%.*s\": %s", o->id,
			    (int)(o->h.name_len < 64 ? o->h.name_len : 64), o->h.name, why);
	if (++im->rejects >= YF_MAX_REJECTS) {
		fg_unpack_truncated(im->ctx, im->root, "too many bad objects; gave up");
		im->stop = true;
	}
}

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

static fg_node_type type_of(const yf_obj *o, bool *ok)
{
	*ok = true;
	switch (o->h.type) {
	case YF_OBJ_FILE: return FG_NODE_FILE;
	case YF_OBJ_SYMLINK: return FG_NODE_SYMLINK;
	case YF_OBJ_DIR: return FG_NODE_DIR;
	case YF_OBJ_HARDLINK: return FG_NODE_HARDLINK;
	}
	switch (o->h.mode & 0170000u) {
	case 0020000u: return FG_NODE_CHR;
	case 0060000u: return FG_NODE_BLK;
	case 0010000u: return FG_NODE_FIFO;
	case 0140000u: return FG_NODE_SOCK;
	}
	*ok = false;
	return FG_NODE_FILE;
}

static void set_meta(fg_node *n, const yf_hdr *h)
{
	n->mode = h->mode & 07777;
	n->uid = h->uid;
	n->gid = h->gid;
	n->mtime = h->mtime;
}

static void fill_node(yf_image *im, yf_obj *o)
{
	fg_node *n = o->node;
	set_meta(n, &o->h);
	switch (n->type) {
	case FG_NODE_FILE:
		read_file(im, o);
		break;
	case FG_NODE_SYMLINK:
		n->link_target = tree_strndup(im, o->h.alias, o->h.alias_len);
		n->size = o->h.alias_len;
		if (!n->link_target)
			fg_unpack_truncated(im->ctx, n, "out of memory for the symlink target");
		break;
	case FG_NODE_CHR:
	case FG_NODE_BLK:
		/* st_rdev as the host encoded it (old 8:8 or glibc's) */
		n->dev_major = (o->h.rdev >> 8) & 0xfff;
		n->dev_minor = (o->h.rdev & 0xff) | ((o->h.rdev >> 12) & 0xfff00);
		break;
	default:
		break;
	}
}

/*
 * Places object O below DIR, whose path is the first BASE bytes of the
 * path buffer; *PATH_LEN gets the length of O's path. The buffer's
 * prefixes stay valid for the directories still being walked: a path is
 * only ever written after its parent's.
 */
static void place(yf_image *im, fg_node *dir, size_t base, yf_obj *o, size_t *path_len)
{
	o->placed = true;
	bool ok;
	fg_node_type type = type_of(o, &ok);
	const char *why = bad_name(o->h.name, o->h.name_len);
	if (!why && !ok)
		why = "special object of unknown type";
	if (!why && fg_node_find_child(dir, o->h.name, o->h.name_len))
		why = "duplicate name";
	if (why) {
		reject(im, dir, o, why);
		return;
	}
	if (!fg_path_join(&im->path, &im->path_cap, base, o->h.name, o->h.name_len, path_len)) {
		fg_unpack_truncated(im->ctx, im->root, "out of memory");
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
	o->node = n;
	fill_node(im, o);
}

typedef struct yf_frame {
	uint32_t id;
	fg_node *node;
	size_t next;           /* into kids */
	size_t path_len;
} yf_frame;

/* Walks the directory object DIR_ID placed at NODE (path PATH_LEN bytes
 * of the buffer): its children and theirs, depth first. */
static void walk_from(yf_image *im, uint32_t dir_id, fg_node *node, size_t path_len)
{
	FG_VEC(yf_frame) st = { 0 };
	yf_frame f0 = { dir_id, node, first_kid(im, dir_id), path_len };
	if (!FG_VEC_PUSH(&st, f0)) {
		im->stop = true;
		return;
	}
	while (st.n && !im->stop) {
		yf_frame *f = &st.v[st.n - 1];
		if (f->next >= im->kids.n || im->kids.v[f->next].parent != f->id) {
			st.n--;
			continue;
		}
		yf_obj *o = &im->objs.v[im->kids.v[f->next++].idx];
		if (o->placed)
			continue;
		size_t child_len = 0;
		place(im, f->node, f->path_len, o, &child_len);
		if (!o->node || o->node->type != FG_NODE_DIR)
			continue;
		if (st.n > YF_MAX_DEPTH) {
			fg_unpack_truncated(im->ctx, o->node, "directory nesting deeper than %d",
					    YF_MAX_DEPTH);
			continue;
		}
		yf_frame f1 = { o->id, o->node, first_kid(im, o->id), child_len };
		if (!FG_VEC_PUSH(&st, f1))
			im->stop = true;
	}
	FG_VEC_FREE(&st);
}

/* lost+found, made when first needed; *PATH_LEN its path in the buffer. */
static fg_node *lost_found(yf_image *im, size_t *path_len)
{
	if (!fg_path_join(&im->path, &im->path_cap, 0, "lost+found", 10, path_len)) {
		im->stop = true;
		return NULL;
	}
	if (im->lostfound)
		return im->lostfound;
	fg_node *n = fg_node_find_child(im->root, "lost+found", 10);
	if (n && n->type != FG_NODE_DIR)
		return NULL;
	if (!n)
		n = fg_unpack_add(im->ctx, im->root, "lost+found", FG_NODE_DIR);
	if (!n)
		return NULL;
	yf_obj *o = find_obj(im, YF_LOSTFOUND);
	if (o && o->live && o->h.type == YF_OBJ_DIR) {
		set_meta(n, &o->h);
		o->placed = true;
	} else if (!o) {
		n->mode = 0700;
	}
	im->lostfound = n;
	return n;
}

/* Objects the walk from the root did not reach: under lost+found. */
static void place_orphans(yf_image *im)
{
	for (size_t i = 0; i < im->kids.n && !im->stop; i++) {
		yf_obj *o = &im->objs.v[im->kids.v[i].idx];
		if (o->placed)
			continue;
		size_t base;
		fg_node *lf = lost_found(im, &base);
		if (!lf)
			return;
		fg_unpack_truncated(im->ctx, o->node ? o->node : im->root,
				    "object %u \"%.*s\": parent %u not reachable, put in lost+found",
				    o->id, (int)(o->h.name_len < 64 ? o->h.name_len : 64), o->h.name,
				    o->h.parent);
		size_t len = 0;
		place(im, lf, base, o, &len);
		if (o->node && o->node->type == FG_NODE_DIR)
			walk_from(im, o->id, o->node, len);
	}
}

static void copy_special(fg_node *n, const fg_node *d)
{
	n->type = d->type;
	n->size = d->size;
	n->link_target = d->link_target;
	n->dev_major = d->dev_major;
	n->dev_minor = d->dev_minor;
}

static void resolve_link(yf_image *im, yf_obj *o)
{
	fg_node *n = o->node;
	const yf_obj *t = o;
	for (unsigned hops = 0; t && t->h.type == YF_OBJ_HARDLINK && hops < YF_LINK_HOPS; hops++)
		t = find_obj(im, t->h.equiv);
	const char *why = NULL;
	if (!t || t->h.type == YF_OBJ_HARDLINK)
		why = "target object missing";
	else if (!t->live || !t->node)
		why = "target object deleted or not placed";
	else if (t->node->type == FG_NODE_DIR)
		why = "target is a directory, not followed";
	if (why) {
		n->type = FG_NODE_FILE;
		fg_unpack_truncated(im->ctx, n, "hard link to object %u: %s", o->h.equiv, why);
		return;
	}
	if (t->node->type != FG_NODE_FILE) {
		copy_special(n, t->node);
		set_meta(n, &t->h);
		return;
	}
	char buf[4096];
	size_t pl = fg_node_path(t->node, buf, sizeof(buf));
	n->link_target = pl > 1 ? tree_strndup(im, buf + 1, pl - 1) : NULL;
	/* a hard link's own header keeps no metadata: the inode's is shared */
	set_meta(n, &t->h);
	n->size = t->node->size;
	if (!n->link_target) {
		n->type = FG_NODE_FILE;
		fg_unpack_truncated(im->ctx, n, "hard link target path unavailable");
	}
}

static void build_tree(yf_image *im)
{
	yf_obj *r = find_obj(im, YF_ROOT);
	im->root->mode = 0755;
	if (r && r->live && r->h.type == YF_OBJ_DIR) {
		set_meta(im->root, &r->h);
		r->placed = true;
	}
	walk_from(im, YF_ROOT, im->root, 0);
	/* lost+found's own children, if it has any */
	size_t k = first_kid(im, YF_LOSTFOUND);
	if (!im->stop && k < im->kids.n && im->kids.v[k].parent == YF_LOSTFOUND) {
		size_t base;
		fg_node *lf = lost_found(im, &base);
		if (lf)
			walk_from(im, YF_LOSTFOUND, lf, base);
	}
	place_orphans(im);
	for (size_t i = 0; i < im->objs.n; i++) {
		yf_obj *o = &im->objs.v[i];
		if (o->node && o->h.type == YF_OBJ_HARDLINK)
			resolve_link(im, o);
	}
}

/* ---- setting up ------------------------------------------------------------------ */

static void set_info(yf_image *im)
{
	char info[96];
	const yf_geo *g = &im->g;
	const char *e = g->be ? "be" : "le";
	if (g->mode == YF_OOB)
		snprintf(info, sizeof(info), "%s, %u+%u, tags in OOB at %u", e, g->page, g->spare,
			 g->tag_at - g->page);
	else if (g->mode == YF_INBAND)
		snprintf(info, sizeof(info), "%s, %u, in-band tags", e, g->page);
	else
		snprintf(info, sizeof(info), "%s, %u, no OOB (ids inferred from write order)", e,
			 g->page);
	im->root->format_info = tree_strndup(im, info, strlen(info));
}

static uint64_t expansion_cap(const fg_limits *lim, size_t len)
{
	if (!lim->max_ratio || len > UINT64_MAX / lim->max_ratio)
		return 0;
	uint64_t cap = (uint64_t)len * lim->max_ratio;
	return cap < (1u << 20) ? (1u << 20) : cap;
}

static void free_image(yf_image *im)
{
	FG_VEC_FREE(&im->recs);
	FG_VEC_FREE(&im->winners);
	FG_VEC_FREE(&im->objs);
	FG_VEC_FREE(&im->kids);
	fg_u64map_free(&im->by_id);
	free(im->path);
}

static int yf_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	yf_image im = { 0 };
	im.ctx = ctx;
	im.root = root;
	im.budget = fg_unpack_budget(ctx);
	im.d = data;
	im.len = len;
	im.expand_cap = expansion_cap(&im.budget->limits, len);
	if (!plausible_start(data, len) || detect(data, len, &im.g) == 0) {
		fg_unpack_fail(ctx, "no YAFFS2 chunk geometry fits");
		return -1;
	}
	set_info(&im);
	if (im.g.mode == YF_NOTAGS)
		scan_untagged(&im);
	else
		scan_tagged(&im);
	int rc = 0;
	bool ok = collect(&im);
	if (ok)
		apply_shadows(&im);
	if (!ok || !index_children(&im)) {
		fg_unpack_fail(ctx, "out of memory");
		rc = -1;
	} else {
		build_tree(&im);
		if (im.bad_chunks)
			fg_unpack_truncated(ctx, root, "%llu chunk(s) with unusable tags skipped",
					    (unsigned long long)im.bad_chunks);
	}
	root->src_length = im.end && im.end <= len ? im.end : len;
	free_image(&im);
	return rc;
}

const fg_format fg_format_yaffs2 = {
	.name = "yaffs2",
	.kind = FG_FMT_FILESYSTEM,
	.magics = yf_magics,
	.probe = yf_probe,
	.unpack = yf_unpack,
};
