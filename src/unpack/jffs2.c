/*
 * jffs2.c - JFFS2 images in either byte order, parsed here.
 *
 * JFFS2 is a log: the image is a sequence of nodes (4-byte aligned, each
 * with a 12-byte header: magic 0x1985, type, total length, header CRC)
 * spread over erase blocks, with erased space (0xFF) and garbage
 * between them. Nothing indexes the nodes; a mount scans all of them and
 * so does this handler:
 *   - inode nodes carry an inode's metadata and one run of its content
 *     (compressed), each with a version; the highest version's metadata
 *     wins and content runs are laid over each other in version order;
 *   - directory entry nodes name an inode in a parent directory; for
 *     each (parent, name) the highest version wins, and an entry whose
 *     inode is 0 records a deletion;
 *   - cleanmarkers, padding and erase-block summaries only help a mount.
 * Every node is checked as the kernel does (header CRC, node CRC, data
 * and name CRCs; CRC-32 with seed 0 and no final inversion); a bad node
 * is skipped and scanning resumes at the next 4-byte boundary.
 *
 * The chunk runs from the first node to the end of the erase block of
 * the last sound node (erase-block size from cleanmarker spacing, else
 * 64 KiB), as far as that tail is erased space.
 *
 * Several entries naming one inode are hard links: the content is built
 * once and every name gets a FILE node pointing at it.
 *
 * Limits: a directory is listed once whatever points at it (loops),
 * nesting stops at J_MAX_DEPTH, a file's buffer is no larger than its
 * data reaches (a huge inode size over little data costs nothing), and
 * all decompression and copying for one image is capped (J_WORK_*).
 */
#include <libdeflate.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/crc32.h"
#include "core/pathbuf.h"
#include "core/cursor.h"
#include "unpack/format.h"

#define J_MAGIC 0x1985
#define J_HDR_SIZE 12
#define J_INODE_SIZE 68
#define J_DIRENT_SIZE 40

#define J_ACCURATE 0x2000
#define J_COMPAT_MASK 0xc000
#define J_INCOMPAT 0xc000
#define J_ROCOMPAT 0x8000

#define J_DIRENT 0xe001
#define J_INODE 0xe002
#define J_CLEANMARKER 0x2003
#define J_PADDING 0x2004
#define J_SUMMARY 0x2006
#define J_XATTR 0xe008
#define J_XREF 0xe009

enum {
	J_COMPR_NONE = 0, J_COMPR_ZERO = 1, J_COMPR_RTIME = 2, J_COMPR_RUBINMIPS = 3,
	J_COMPR_COPY = 4, J_COMPR_DYNRUBIN = 5, J_COMPR_ZLIB = 6, J_COMPR_LZO = 7,
	J_COMPR_LZMA = 8,
};

#define J_DEFAULT_ERASE (64u << 10)
#define J_MIN_ERASE (4u << 10)
#define J_MAX_ERASE (16u << 20)
#define J_MAX_DIRTY (1u << 20)     /* garbage without a sound node that ends the scan */
#define J_MAX_DSIZE (256u << 10)   /* largest run one compressed node may hold */
#define J_MAX_DEPTH 256
#define J_LINK_MAX 4096
#define J_MAX_REJECTS 10000
#define J_WORK_PER_BYTE 256        /* bytes written per image byte, ... */
#define J_WORK_FLOOR (256ull << 20) /* ... plus this much */
#define J_ROOT_INO 1
#define J_HOLE_SLACK (1u << 20)    /* trailing hole always materialised */

#define S_TYPE(m) ((m) & 0170000u)

/* The image as nodes see it. */
typedef struct jfs {
	const uint8_t *d;
	size_t len;
	bool be;
} jfs;

static uint16_t ld16(const jfs *fs, size_t at)
{
	const uint8_t *p = fs->d + at;
	return fs->be ? (uint16_t)((p[0] << 8) | p[1]) : (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t ld32(const jfs *fs, size_t at)
{
	return fs->be ? fg_load_u32be(fs->d + at) : fg_load_u32le(fs->d + at);
}

/* JFFS2's CRC: the kernel's crc32(0, ...), i.e. zlib's without the
 * inversions. */
static uint32_t jcrc(const uint8_t *p, size_t n)
{
	return ~fg_crc32(0xffffffffu, p, n);
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* ---- node headers ------------------------------------------------------ */

typedef struct jhdr {
	size_t at;
	uint16_t type;
	uint32_t totlen;
} jhdr;

typedef struct jscan {
	size_t pos;           /* next offset to look at */
	size_t dirty;         /* non-erased bytes skipped since the last sound node */
	uint64_t bad_headers; /* magic found, header CRC wrong */
	uint64_t past_end;    /* header sound, node longer than the image */
	size_t first_past_end, last_past_end;
	bool gave_up;         /* J_MAX_DIRTY of garbage: the file system ended */
} jscan;

static bool header_at(const jfs *fs, size_t p, jhdr *h)
{
	if (ld16(fs, p) != J_MAGIC)
		return false;
	uint16_t type = ld16(fs, p + 2);
	uint8_t buf[8];
	memcpy(buf, fs->d + p, 8);
	/* obsoleting a node clears ACCURATE without redoing the CRC */
	uint16_t t = type | J_ACCURATE;
	buf[2] = (uint8_t)(fs->be ? t >> 8 : t);
	buf[3] = (uint8_t)(fs->be ? t : t >> 8);
	if (jcrc(buf, 8) != ld32(fs, p + 8))
		return false;
	h->at = p;
	h->type = type;
	h->totlen = ld32(fs, p + 4);
	return true;
}

/* The next node with a sound header at or after s->pos. Erased words are
 * skipped cheaply; anything else that is not a node is garbage. */
static bool next_header(const jfs *fs, jscan *s, jhdr *h)
{
	size_t p = s->pos;
	while (p + J_HDR_SIZE <= fs->len) {
		uint32_t w;
		memcpy(&w, fs->d + p, 4);
		if (w == 0xffffffffu) {
			p += 4;
			continue;
		}
		if (s->dirty >= J_MAX_DIRTY) {
			s->gave_up = true;
			break;
		}
		if (!header_at(fs, p, h)) {
			if (ld16(fs, p) == J_MAGIC)
				s->bad_headers++;
			s->dirty += 4;
			p += 4;
			continue;
		}
		if (h->totlen < J_HDR_SIZE || h->totlen > fs->len - p) {
			if (h->totlen >= J_HDR_SIZE) {
				if (!s->past_end++)
					s->first_past_end = p;
				s->last_past_end = p;
			} else {
				s->bad_headers++;
			}
			s->dirty += 4;
			p += 4;
			continue;
		}
		s->dirty = 0;
		size_t next = p + pad4(h->totlen);
		s->pos = next < fs->len ? next : fs->len;
		return true;
	}
	s->pos = p;
	return false;
}

static bool known_type(uint16_t type)
{
	switch (type | J_ACCURATE) {
	case J_DIRENT: case J_INODE: case J_CLEANMARKER: case J_PADDING:
	case J_SUMMARY: case J_XATTR: case J_XREF:
		return true;
	}
	return false;
}

/* ---- the chunk's extent ---------------------------------------------- */

typedef struct jextent {
	size_t end;           /* chunk length */
	size_t last_end;      /* end of the last sound node */
	uint32_t erase;       /* erase-block size used */
	bool erase_known;     /* from cleanmarker spacing */
	uint64_t nodes;
	uint64_t past_end;    /* sound headers of nodes longer than the data */
	size_t first_past_end;
} jextent;

static uint32_t erase_from_spacing(size_t gap)
{
	if (gap < J_MIN_ERASE || gap > J_MAX_ERASE || (gap & (gap - 1)))
		return 0;
	return (uint32_t)gap;
}

/* Measures the file system starting at offset 0 of FS. */
static void measure(const jfs *fs, jextent *x)
{
	jscan s = { 0 };
	jhdr h;
	size_t prev_mark = SIZE_MAX, gap = SIZE_MAX;
	memset(x, 0, sizeof(*x));
	while (next_header(fs, &s, &h)) {
		x->nodes++;
		x->last_end = s.pos;
		if (h.type != J_CLEANMARKER)
			continue;
		/* cleanmarkers open every erase block: their spacing is its size */
		if (prev_mark != SIZE_MAX && h.at - prev_mark < gap)
			gap = h.at - prev_mark;
		prev_mark = h.at;
	}
	x->past_end = s.past_end;
	x->first_past_end = s.first_past_end;
	x->erase = gap != SIZE_MAX ? erase_from_spacing(gap) : 0;
	x->erase_known = x->erase != 0;
	if (!x->erase)
		x->erase = J_DEFAULT_ERASE;
	/* the rest of the last erase block, as far as it is erased */
	size_t boundary = x->last_end + (x->erase - x->last_end % x->erase) % x->erase;
	if (boundary > fs->len)
		boundary = fs->len;
	size_t end = x->last_end;
	while (end < boundary && fs->d[end] == 0xff)
		end++;
	/* a node cut off by the end of the data: the image was truncated,
	 * and what is left of it belongs to the chunk */
	if (s.past_end && s.last_past_end >= x->last_end)
		end = fs->len;
	x->end = end;
}

static int j_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	if (len < J_HDR_SIZE)
		return 0;
	jfs fs = { data, len, false };
	if (data[0] == 0x19 && data[1] == 0x85)
		fs.be = true;
	else if (data[0] != 0x85 || data[1] != 0x19)
		return 0;
	jhdr h;
	if (!header_at(&fs, 0, &h) || !known_type(h.type) || h.totlen < J_HDR_SIZE ||
	    h.totlen > len)
		return 0;
	jextent x;
	measure(&fs, &x);
	*chunk_len = x.end;
	return x.nodes >= 2 ? 90 : 60;
}

/* Node types a file system may start with, in both byte orders; the
 * obsolete forms (ACCURATE clear) too. */
static const fg_magic j_magics[] = {
	{ "\x85\x19\x01\xe0", 4, 0 }, { "\x19\x85\xe0\x01", 4, 0 },
	{ "\x85\x19\x02\xe0", 4, 0 }, { "\x19\x85\xe0\x02", 4, 0 },
	{ "\x85\x19\x01\xc0", 4, 0 }, { "\x19\x85\xc0\x01", 4, 0 },
	{ "\x85\x19\x02\xc0", 4, 0 }, { "\x19\x85\xc0\x02", 4, 0 },
	{ "\x85\x19\x03\x20", 4, 0 }, { "\x19\x85\x20\x03", 4, 0 },
	{ "\x85\x19\x04\x20", 4, 0 }, { "\x19\x85\x20\x04", 4, 0 },
	{ "\x85\x19\x06\x20", 4, 0 }, { "\x19\x85\x20\x06", 4, 0 },
	{ "\x85\x19\x08\xe0", 4, 0 }, { "\x19\x85\xe0\x08", 4, 0 },
	{ "\x85\x19\x09\xe0", 4, 0 }, { "\x19\x85\xe0\x09", 4, 0 },
	FG_MAGIC_END,
};

/* ---- collected nodes --------------------------------------------------- */

/* A sound inode node. */
typedef struct jnode {
	uint32_t ino, version;
	size_t at;
} jnode;

/* A sound directory entry node. */
typedef struct jdirent {
	uint32_t pino, version, ino;
	uint8_t nsize, type;
	size_t at;
} jdirent;

/* All nodes of one inode: nodes[first .. first+count), by version. */
typedef struct jgroup {
	uint32_t ino;
	size_t first, count;
	fg_node *content;     /* regular files: the node holding the content */
} jgroup;

/* The live entries of one directory: dirents[first .. first+count). */
typedef struct jdir {
	uint32_t pino;
	size_t first, count;
	bool listed;
} jdir;

typedef struct jframe {
	size_t dir;           /* index in dirs */
	size_t next;          /* next entry to place */
	fg_node *node;
	size_t path_len;
} jframe;

typedef struct jimage {
	fg_unpack_ctx *ctx;
	fg_node *root;
	fg_budget *budget;
	jfs fs;
	jextent x;

	FG_VEC(jnode) nodes;
	FG_VEC(jdirent) dirents;
	FG_VEC(jgroup) groups;
	FG_VEC(jdir) dirs;
	FG_VEC(jframe) stack;
	char *path;
	size_t path_cap;

	uint64_t bad_crc, bad_data_crc, bad_fields, incompat;
	uint16_t incompat_type;
	uint32_t unsupported_compr;   /* bit per compressor id seen and not decoded */

	z_stream z;
	bool z_ready;
	struct libdeflate_decompressor *dfl;
	lzma_stream xz;
	bool xz_used;
	uint8_t *scratch;             /* J_MAX_DSIZE */

	uint64_t expand_cap, expanded;
	uint64_t work, work_cap;
	bool work_spent;
	uint64_t rejects;
	bool stop;
} jimage;

/* ---- scanning ---------------------------------------------------------- */

static void scan_inode(jimage *im, const jhdr *h)
{
	const jfs *fs = &im->fs;
	const uint8_t *p = fs->d + h->at;
	if (h->totlen < J_INODE_SIZE) {
		im->bad_fields++;
		return;
	}
	if (jcrc(p, J_INODE_SIZE - 8) != ld32(fs, h->at + 64)) {
		im->bad_crc++;
		return;
	}
	uint32_t csize = ld32(fs, h->at + 48);
	uint32_t ino = ld32(fs, h->at + 12);
	if (csize > h->totlen - J_INODE_SIZE || ino == 0) {
		im->bad_fields++;
		return;
	}
	if (jcrc(p + J_INODE_SIZE, csize) != ld32(fs, h->at + 60)) {
		im->bad_data_crc++;
		return;
	}
	jnode n = { ino, ld32(fs, h->at + 16), h->at };
	if (!FG_VEC_PUSH(&im->nodes, n))
		im->stop = true;
}

static void scan_dirent(jimage *im, const jhdr *h)
{
	const jfs *fs = &im->fs;
	const uint8_t *p = fs->d + h->at;
	if (h->totlen < J_DIRENT_SIZE) {
		im->bad_fields++;
		return;
	}
	uint8_t nsize = p[28];
	if (jcrc(p, J_DIRENT_SIZE - 8) != ld32(fs, h->at + 32) ||
	    h->totlen - J_DIRENT_SIZE < nsize ||
	    jcrc(p + J_DIRENT_SIZE, nsize) != ld32(fs, h->at + 36)) {
		im->bad_crc++;
		return;
	}
	jdirent e = { ld32(fs, h->at + 12), ld32(fs, h->at + 16), ld32(fs, h->at + 20),
		      nsize, p[29], h->at };
	if (e.pino == 0) {
		im->bad_fields++;
		return;
	}
	if (!FG_VEC_PUSH(&im->dirents, e))
		im->stop = true;
}

static void scan_other(jimage *im, const jhdr *h)
{
	switch (h->type) {
	case J_CLEANMARKER: case J_PADDING: case J_SUMMARY:
	case J_XATTR: case J_XREF:
		return; /* mount aids; extended attributes are not kept */
	}
	/* the kernel refuses to mount over an unknown incompatible node;
	 * reading on is still the best a scanner can do */
	if ((h->type & J_COMPAT_MASK) == J_INCOMPAT && !im->incompat++)
		im->incompat_type = h->type;
}

static void scan(jimage *im)
{
	jscan s = { 0 };
	jhdr h;
	while (!im->stop && s.pos < im->x.end && next_header(&im->fs, &s, &h)) {
		if (!(h.type & J_ACCURATE))
			continue; /* obsoleted */
		if (h.type == J_INODE)
			scan_inode(im, &h);
		else if (h.type == J_DIRENT)
			scan_dirent(im, &h);
		else
			scan_other(im, &h);
	}
	if (im->stop)
		fg_unpack_truncated(im->ctx, im->root, "out of memory collecting nodes");
	if (s.bad_headers || im->bad_crc || im->bad_fields)
		fg_unpack_truncated(im->ctx, im->root,
				    "skipped %llu corrupt node headers and %llu corrupt nodes",
				    (unsigned long long)s.bad_headers,
				    (unsigned long long)(im->bad_crc + im->bad_fields));
	if (im->bad_data_crc)
		fg_unpack_truncated(im->ctx, im->root, "skipped %llu data nodes with bad data CRCs",
				    (unsigned long long)im->bad_data_crc);
	if (im->x.past_end)
		fg_unpack_truncated(im->ctx, im->root,
				    "image truncated: node at 0x%zx runs past the end (%llu such)",
				    im->x.first_past_end, (unsigned long long)im->x.past_end);
	if (im->incompat)
		fg_unpack_truncated(im->ctx, im->root,
				    "%llu nodes of unknown incompatible types (first 0x%04x) skipped",
				    (unsigned long long)im->incompat, im->incompat_type);
}

/* ---- indexing ---------------------------------------------------------- */

static int node_cmp(const void *a, const void *b)
{
	const jnode *x = a, *y = b;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	if (x->version != y->version)
		return x->version < y->version ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* Sort context: qsort has none, and the image is per call. */
static _Thread_local const jfs *sort_fs;

static int name_cmp(const jdirent *x, const jdirent *y)
{
	size_t n = x->nsize < y->nsize ? x->nsize : y->nsize;
	int c = memcmp(sort_fs->d + x->at + J_DIRENT_SIZE, sort_fs->d + y->at + J_DIRENT_SIZE, n);
	if (c)
		return c;
	return x->nsize < y->nsize ? -1 : x->nsize > y->nsize;
}

static int dirent_cmp(const void *a, const void *b)
{
	const jdirent *x = a, *y = b;
	if (x->pino != y->pino)
		return x->pino < y->pino ? -1 : 1;
	int c = name_cmp(x, y);
	if (c)
		return c;
	if (x->version != y->version)
		return x->version < y->version ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

static bool index_nodes(jimage *im)
{
	if (im->nodes.n > 1)
		qsort(im->nodes.v, im->nodes.n, sizeof(*im->nodes.v), node_cmp);
	for (size_t i = 0; i < im->nodes.n;) {
		jgroup g = { im->nodes.v[i].ino, i, 0, NULL };
		while (i < im->nodes.n && im->nodes.v[i].ino == g.ino)
			i++;
		g.count = i - g.first;
		if (!FG_VEC_PUSH(&im->groups, g))
			return false;
	}
	return true;
}

/* Keeps the newest entry of every (parent, name), drops deletions, and
 * groups what is left by parent. */
static bool index_dirents(jimage *im)
{
	sort_fs = &im->fs;
	if (im->dirents.n > 1)
		qsort(im->dirents.v, im->dirents.n, sizeof(*im->dirents.v), dirent_cmp);
	size_t live = 0;
	for (size_t i = 0; i < im->dirents.n; i++) {
		const jdirent *e = &im->dirents.v[i];
		bool newest = i + 1 == im->dirents.n || e->pino != e[1].pino || name_cmp(e, e + 1);
		if (newest && e->ino != 0)
			im->dirents.v[live++] = *e;
	}
	im->dirents.n = live;
	for (size_t i = 0; i < im->dirents.n;) {
		jdir d = { im->dirents.v[i].pino, i, 0, false };
		while (i < im->dirents.n && im->dirents.v[i].pino == d.pino)
			i++;
		d.count = i - d.first;
		if (!FG_VEC_PUSH(&im->dirs, d))
			return false;
	}
	return true;
}

static jgroup *find_group(jimage *im, uint32_t ino)
{
	size_t lo = 0, hi = im->groups.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (im->groups.v[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < im->groups.n && im->groups.v[lo].ino == ino ? &im->groups.v[lo] : NULL;
}

static jdir *find_dir(jimage *im, uint32_t ino)
{
	size_t lo = 0, hi = im->dirs.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (im->dirs.v[mid].pino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < im->dirs.n && im->dirs.v[lo].pino == ino ? &im->dirs.v[lo] : NULL;
}

/* The newest inode node of G. */
static size_t latest(const jimage *im, const jgroup *g)
{
	return im->nodes.v[g->first + g->count - 1].at;
}

/* ---- decompression ----------------------------------------------------- */

static pthread_once_t lzo_once = PTHREAD_ONCE_INIT;
static bool lzo_ready;

static void lzo_setup(void)
{
	lzo_ready = lzo_init() == LZO_E_OK;
}

/* The common case in one call: libdeflate fills exactly DSIZE bytes from a
 * complete deflate stream, several times faster than zlib. Anything else
 * (a stream longer or shorter than the node, corruption) is left to zlib,
 * which decides as before. Like the kernel, no Adler-32 check. */
static bool whole_deflate(jimage *im, const uint8_t *in, uint32_t csize, uint8_t *out,
			  uint32_t dsize)
{
	if (!im->dfl)
		im->dfl = libdeflate_alloc_decompressor();
	return im->dfl && libdeflate_deflate_decompress(im->dfl, in, csize, out, dsize, NULL) ==
			  LIBDEFLATE_SUCCESS;
}

/* The kernel's inflate: a zlib header's window size is honoured but its
 * checksum is not checked; streams without a header are taken raw. */
static const char *unzlib(jimage *im, const uint8_t *in, uint32_t csize, uint8_t *out,
			  uint32_t dsize)
{
	int wbits = MAX_WBITS;
	if (csize > 2 && !(in[1] & 0x20) && (in[0] & 0x0f) == Z_DEFLATED &&
	    ((in[0] << 8) + in[1]) % 31 == 0) {
		wbits = -((in[0] >> 4) + 8);
		in += 2;
		csize -= 2;
	}
	/* one inflate call does not limit distances by the window, so any
	 * window zlib accepts (up to 32 KiB) decodes the same */
	if (wbits < 0 && wbits >= -MAX_WBITS && whole_deflate(im, in, csize, out, dsize))
		return NULL;
	if (!im->z_ready) {
		if (inflateInit2(&im->z, wbits) != Z_OK)
			return "zlib unavailable";
		im->z_ready = true;
	} else if (inflateReset2(&im->z, wbits) != Z_OK) {
		return "corrupt zlib data";
	}
	im->z.next_in = (Bytef *)(uintptr_t)in;
	im->z.avail_in = csize;
	im->z.next_out = out;
	im->z.avail_out = dsize;
	int rc = inflate(&im->z, Z_FINISH);
	if (im->z.avail_out == 0 && (rc == Z_STREAM_END || rc == Z_OK || rc == Z_BUF_ERROR))
		return NULL;
	return rc == Z_STREAM_END ? "zlib data shorter than the node says" : "corrupt zlib data";
}

/* rtime: each literal byte is followed by a repeat count copying from the
 * previous occurrence of that byte value. */
static const char *unrtime(const uint8_t *in, uint32_t csize, uint8_t *out, uint32_t dsize)
{
	uint32_t positions[256] = { 0 };
	uint32_t o = 0, i = 0;
	while (o < dsize) {
		if (csize - i < 2)
			return "rtime data ends early";
		uint8_t value = in[i++];
		uint32_t repeat = in[i++];
		out[o++] = value;
		uint32_t back = positions[value];
		positions[value] = o;
		if (repeat > dsize - o)
			return "rtime run past the node's size";
		/* overlapping copies repeat the pattern, byte by byte */
		while (repeat--)
			out[o++] = out[back++];
	}
	return NULL;
}

static const char *unlzo(const uint8_t *in, uint32_t csize, uint8_t *out, uint32_t dsize)
{
	pthread_once(&lzo_once, lzo_setup);
	if (!lzo_ready)
		return "lzo unavailable";
	lzo_uint n = dsize;
	int rc = lzo1x_decompress_safe(in, csize, out, &n, NULL);
	if ((rc != LZO_E_OK && rc != LZO_E_INPUT_NOT_CONSUMED) || n != dsize)
		return "corrupt lzo data";
	return NULL;
}

/* OpenWrt's LZMA for JFFS2: raw LZMA1 with fixed properties (lc 0, lp 0,
 * pb 0, 8 KiB dictionary) and no header. */
static const char *unlzma(jimage *im, const uint8_t *in, uint32_t csize, uint8_t *out,
			  uint32_t dsize)
{
	lzma_options_lzma opt;
	if (lzma_lzma_preset(&opt, 0))
		return "lzma unavailable";
	opt.dict_size = 0x2000;
	opt.lc = 0;
	opt.lp = 0;
	opt.pb = 0;
	lzma_filter filters[2] = { { LZMA_FILTER_LZMA1, &opt }, { LZMA_VLI_UNKNOWN, NULL } };
	im->xz_used = true;
	if (lzma_raw_decoder(&im->xz, filters) != LZMA_OK)
		return "lzma unavailable";
	im->xz.next_in = in;
	im->xz.avail_in = csize;
	im->xz.next_out = out;
	im->xz.avail_out = dsize;
	/* no end marker: decoding stops when the node's size is reached */
	lzma_ret rc = LZMA_OK;
	for (int i = 0; i < 4 && rc == LZMA_OK && im->xz.avail_out; i++)
		rc = lzma_code(&im->xz, LZMA_FINISH);
	if (im->xz.avail_out == 0 && (rc == LZMA_OK || rc == LZMA_STREAM_END))
		return NULL;
	return rc == LZMA_OK || rc == LZMA_STREAM_END ? "lzma data shorter than the node says"
						       : "corrupt lzma data";
}

static const char *compr_name(uint8_t c)
{
	switch (c) {
	case J_COMPR_RUBINMIPS: return "rubinmips";
	case J_COMPR_DYNRUBIN: return "dynrubin";
	case J_COMPR_COPY: return "copy";
	}
	return "unknown";
}

static const char *decompress(jimage *im, uint8_t compr, const uint8_t *in, uint32_t csize,
			      uint8_t *out, uint32_t dsize)
{
	switch (compr) {
	case J_COMPR_NONE:
		if (csize < dsize)
			return "stored data shorter than the node says";
		memcpy(out, in, dsize);
		return NULL;
	case J_COMPR_ZLIB:
		return unzlib(im, in, csize, out, dsize);
	case J_COMPR_RTIME:
		return unrtime(in, csize, out, dsize);
	case J_COMPR_LZO:
		return unlzo(in, csize, out, dsize);
	case J_COMPR_LZMA:
		return unlzma(im, in, csize, out, dsize);
	}
	im->unsupported_compr |= 1u << (compr < 31 ? compr : 31);
	return compr_name(compr);
}

/* ---- content ---------------------------------------------------------- */

/* The fields of an inode node that content needs. */
typedef struct jrun {
	uint32_t offset, csize, dsize, isize;
	uint8_t compr;
} jrun;

static void read_run(const jimage *im, size_t at, jrun *r)
{
	r->isize = ld32(&im->fs, at + 28);
	r->offset = ld32(&im->fs, at + 44);
	r->csize = ld32(&im->fs, at + 48);
	r->dsize = ld32(&im->fs, at + 52);
	r->compr = im->fs.d[at + 56];
}

/* Where G's content ends: the furthest byte any run covers (*ALL), and
 * the furthest byte a run with real data covers (*REAL; holes excluded). */
static void data_extent(const jimage *im, const jgroup *g, uint64_t *all, uint64_t *real)
{
	*all = *real = 0;
	for (size_t i = g->first; i < g->first + g->count; i++) {
		jrun r;
		read_run(im, im->nodes.v[i].at, &r);
		uint64_t end = (uint64_t)r.offset + r.dsize;
		if (!r.dsize)
			continue;
		if (end > *all)
			*all = end;
		/* runs too long to decode will not be laid */
		if (r.compr != J_COMPR_ZERO && r.dsize <= J_MAX_DSIZE && end > *real)
			*real = end;
	}
}

static bool charge_work(jimage *im, uint64_t n)
{
	if (im->work_spent || n > im->work_cap - im->work) {
		im->work_spent = true;
		return false;
	}
	im->work += n;
	return true;
}

typedef struct jfill {
	uint8_t *out;
	size_t n;             /* bytes kept */
	size_t high;          /* bytes past this are still zero */
	uint64_t bad;
	const char *why;      /* first failure */
	size_t why_at;
} jfill;

static void fill_failed(jfill *f, const char *why, size_t at)
{
	if (!f->bad++) {
		f->why = why;
		f->why_at = at;
	}
}

/* Lays one run over the content. */
static void lay_run(jimage *im, jfill *f, size_t at, const jrun *r)
{
	if (r->offset >= f->n)
		return;
	uint64_t run_end = (uint64_t)r->offset + r->dsize;
	size_t end = run_end < f->n ? (size_t)run_end : f->n;
	if (r->compr == J_COMPR_ZERO) {
		/* a hole: zeroes only where something was written before */
		size_t stop = end < f->high ? end : f->high;
		if (stop > r->offset) {
			if (!charge_work(im, stop - r->offset))
				return;
			memset(f->out + r->offset, 0, stop - r->offset);
		}
		return;
	}
	if (r->dsize > J_MAX_DSIZE) {
		fill_failed(f, "data node larger than any page size", at);
		return;
	}
	if (!charge_work(im, r->dsize))
		return;
	/* decoded aside: a bad node must not spoil older data under it */
	const char *why = decompress(im, r->compr, im->fs.d + at + J_INODE_SIZE, r->csize,
				     im->scratch, r->dsize);
	if (why) {
		fill_failed(f, why, at);
		return;
	}
	memcpy(f->out + r->offset, im->scratch, end - r->offset);
	if (end > f->high)
		f->high = end;
}

/* Builds the first F->n bytes of G's content into F->out (zeroed). */
static void fill(jimage *im, const jgroup *g, jfill *f)
{
	for (size_t i = g->first; i < g->first + g->count && !im->work_spent; i++) {
		jrun r;
		size_t at = im->nodes.v[i].at;
		read_run(im, at, &r);
		if (r.dsize)
			lay_run(im, f, at, &r);
	}
}

static void report_fill(jimage *im, fg_node *n, const jfill *f)
{
	if (im->work_spent)
		fg_unpack_truncated(im->ctx, n, "decompression work limit for this image reached");
	else if (f->bad)
		fg_unpack_truncated(im->ctx, n, "%llu data nodes unreadable (first at 0x%zx: %s)",
				    (unsigned long long)f->bad, f->why_at, f->why);
}

/* Bytes of a file to materialise: a hole running on past the last real
 * data is kept only while it is modest (a forged 4 GiB hole is not). */
static uint64_t worth_keeping(uint64_t size, uint64_t real)
{
	if (real >= size)
		return size;
	uint64_t slack = real > J_HOLE_SLACK ? real : J_HOLE_SLACK;
	return size - real <= slack ? size : real;
}

static void read_file(jimage *im, fg_node *n, jgroup *g)
{
	jrun r;
	read_run(im, latest(im, g), &r);
	uint64_t extent, real;
	data_extent(im, g, &extent, &real);
	/* the kernel cuts a file to where its data ends, whatever isize says */
	uint64_t size = r.isize < extent ? r.isize : extent;
	uint64_t keep = worth_keeping(size, real);
	n->size = size;
	if (r.isize > extent)
		fg_unpack_truncated(im->ctx, n, "inode size %u but data ends at %llu: file cut there",
				    r.isize, (unsigned long long)extent);
	if (keep < size)
		fg_unpack_truncated(im->ctx, n, "trailing hole of %llu bytes not materialised",
				    (unsigned long long)(size - keep));
	if (keep == 0)
		return;
	if (im->expand_cap && keep > im->expand_cap - im->expanded) {
		fg_unpack_truncated(im->ctx, n, "image expansion limit (%llu bytes) reached",
				    (unsigned long long)im->expand_cap);
		return;
	}
	uint8_t *buf = keep <= SIZE_MAX ? fg_unpack_alloc(im->ctx, (size_t)keep) : NULL;
	if (!buf) {
		fg_unpack_truncated(im->ctx, n, "content of %llu bytes not extracted: byte budget spent",
				    (unsigned long long)keep);
		return;
	}
	im->expanded += keep;
	memset(buf, 0, (size_t)keep);
	jfill f = { buf, (size_t)keep, 0, 0, NULL, 0 };
	fill(im, g, &f);
	n->data = buf;
	n->data_len = (size_t)keep;
	report_fill(im, n, &f);
}

static void share_file(jimage *im, fg_node *n, const fg_node *first)
{
	n->size = first->size;
	n->data = first->data;
	n->data_len = first->data_len;
	if (first->flags & FG_NODE_TRUNCATED)
		fg_unpack_truncated(im->ctx, n, "%s", first->note ? first->note : "content incomplete");
}

/* Small content (symlink targets, device numbers) into BUF of CAP bytes.
 * Its length is what the data covers: mkfs.jffs2 leaves isize 0 on device
 * nodes, and the kernel reads these from their one data node. */
static size_t read_small(jimage *im, fg_node *n, const jgroup *g, uint8_t *buf, size_t cap,
			 uint64_t *full)
{
	uint64_t real;
	data_extent(im, g, full, &real);
	size_t keep = *full < cap ? (size_t)*full : cap;
	memset(buf, 0, keep);
	jfill f = { buf, keep, 0, 0, NULL, 0 };
	fill(im, g, &f);
	report_fill(im, n, &f);
	return keep;
}

static void read_symlink(jimage *im, fg_node *n, const jgroup *g)
{
	uint8_t buf[J_LINK_MAX];
	uint64_t full;
	size_t keep = read_small(im, n, g, buf, sizeof(buf), &full);
	n->size = full;
	fg_tree *t = fg_unpack_tree(im->ctx);
	pthread_mutex_lock(&t->lock);
	n->link_target = fg_arena_strndup(&t->arena, (const char *)buf, keep);
	pthread_mutex_unlock(&t->lock);
	if (!n->link_target)
		fg_unpack_truncated(im->ctx, n, "out of memory for the symlink target");
	else if (full > keep)
		fg_unpack_truncated(im->ctx, n, "symlink target of %llu bytes cut to %zu",
				    (unsigned long long)full, keep);
}

/* The device number is the inode's data: 16 bits old-style or the
 * kernel's 32-bit new_encode_dev(). */
static void read_device(jimage *im, fg_node *n, const jgroup *g)
{
	uint8_t buf[4];
	uint64_t full;
	size_t keep = read_small(im, n, g, buf, sizeof(buf), &full);
	jfs one = { buf, sizeof(buf), im->fs.be };
	if (full == 2 && keep == 2) {
		uint16_t dev = ld16(&one, 0);
		n->dev_major = dev >> 8;
		n->dev_minor = dev & 0xff;
	} else if (full == 4 && keep == 4) {
		uint32_t dev = ld32(&one, 0);
		n->dev_major = (dev & 0xfff00) >> 8;
		n->dev_minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
	} else {
		fg_unpack_truncated(im->ctx, n, "device number of %llu bytes", (unsigned long long)full);
	}
}

/* ---- the tree ---------------------------------------------------------- */

static void set_meta(jimage *im, fg_node *n, const jgroup *g)
{
	size_t at = latest(im, g);
	n->mode = ld32(&im->fs, at + 20) & 07777;
	n->uid = ld16(&im->fs, at + 24);
	n->gid = ld16(&im->fs, at + 26);
	n->mtime = ld32(&im->fs, at + 36);
}

static fg_node_type type_from_mode(uint32_t mode, bool *known)
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

/* An entry whose inode has no sound node: its DT_* type is all there is. */
static fg_node_type type_from_dirent(uint8_t dt, bool *known)
{
	*known = true;
	switch (dt) {
	case 4: return FG_NODE_DIR;
	case 8: return FG_NODE_FILE;
	case 10: return FG_NODE_SYMLINK;
	case 2: return FG_NODE_CHR;
	case 6: return FG_NODE_BLK;
	case 1: return FG_NODE_FIFO;
	case 12: return FG_NODE_SOCK;
	}
	*known = false;
	return FG_NODE_FILE;
}

static void reject(jimage *im, fg_node *dir, const char *why, const char *name)
{
	fg_unpack_truncated(im->ctx, dir, "skipped entry \"%.64s\": %s", name, why);
	if (++im->rejects >= J_MAX_REJECTS) {
		fg_unpack_truncated(im->ctx, im->root, "too many bad directory entries; gave up");
		im->stop = true;
	}
}

static bool build_path(jimage *im, size_t base, const char *name, size_t len, size_t *out)
{
	return fg_path_join(&im->path, &im->path_cap, base, name, len, out);
}

static const char *bad_name(const char *name, size_t len)
{
	if (len == 0)
		return "empty name";
	if (memchr(name, '\0', len))
		return "name contains a NUL byte";
	if (memchr(name, '/', len))
		return "name contains '/'";
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return "name is a dot entry";
	return NULL;
}

/* Starts listing directory INO into N. */
static void push_dir(jimage *im, fg_node *n, uint32_t ino, size_t path_len)
{
	jdir *d = find_dir(im, ino);
	if (!d)
		return; /* empty */
	if (d->listed) {
		fg_unpack_truncated(im->ctx, n, "directory loop: inode %u already listed", ino);
		return;
	}
	if (im->stack.n > J_MAX_DEPTH) {
		fg_unpack_truncated(im->ctx, n, "directory nesting deeper than %d not followed",
				    J_MAX_DEPTH);
		return;
	}
	d->listed = true;
	jframe f = { (size_t)(d - im->dirs.v), d->first, n, path_len };
	if (!FG_VEC_PUSH(&im->stack, f)) {
		fg_unpack_truncated(im->ctx, im->root, "out of memory");
		im->stop = true;
	}
}

static void place_entry(jimage *im, const jdirent *e, jgroup *g, fg_node_type type,
			size_t path_len)
{
	fg_node *n = fg_unpack_add(im->ctx, im->root, im->path, type);
	if (!n) {
		if (atomic_load(&im->budget->files) >= im->budget->limits.max_files)
			im->stop = true;
		return;
	}
	if (!g) {
		fg_unpack_truncated(im->ctx, n, "inode %u has no readable node", e->ino);
		if (type == FG_NODE_DIR)
			push_dir(im, n, e->ino, path_len);
		return;
	}
	set_meta(im, n, g);
	switch (type) {
	case FG_NODE_DIR:
		push_dir(im, n, e->ino, path_len);
		break;
	case FG_NODE_FILE:
		if (g->content) {
			share_file(im, n, g->content);
		} else {
			g->content = n;
			read_file(im, n, g);
		}
		break;
	case FG_NODE_SYMLINK:
		read_symlink(im, n, g);
		break;
	case FG_NODE_CHR:
	case FG_NODE_BLK:
		read_device(im, n, g);
		break;
	default:
		break;
	}
}

/* Places the next entry of the top directory. */
static void next_entry(jimage *im)
{
	jframe *f = &im->stack.v[im->stack.n - 1];
	const jdir *d = &im->dirs.v[f->dir];
	if (f->next >= d->first + d->count) {
		im->stack.n--;
		return;
	}
	const jdirent *e = &im->dirents.v[f->next++];
	fg_node *dir = f->node;
	size_t base = f->path_len;
	char name[256];
	memcpy(name, im->fs.d + e->at + J_DIRENT_SIZE, e->nsize);
	name[e->nsize] = '\0';
	jgroup *g = find_group(im, e->ino);
	bool known;
	fg_node_type type = g ? type_from_mode(ld32(&im->fs, latest(im, g) + 20), &known)
			      : type_from_dirent(e->type, &known);
	const char *why = bad_name(name, e->nsize);
	if (!why && !known)
		why = "unknown file type";
	if (!why && fg_node_find_child(dir, name, e->nsize))
		why = "duplicate name";
	if (why) {
		reject(im, dir, why, name);
		return;
	}
	size_t path_len;
	if (!build_path(im, base, name, e->nsize, &path_len)) {
		fg_unpack_truncated(im->ctx, im->root, "out of memory");
		im->stop = true;
		return;
	}
	place_entry(im, e, g, type, path_len);
}

static void walk(jimage *im)
{
	jgroup *g = find_group(im, J_ROOT_INO);
	if (g)
		set_meta(im, im->root, g);
	else
		im->root->mode = 0755; /* what the kernel gives a root without nodes */
	push_dir(im, im->root, J_ROOT_INO, 0);
	while (im->stack.n && !im->stop)
		next_entry(im);
}

/* ---- setting up -------------------------------------------------------- */

static uint64_t expansion_cap(const fg_limits *lim, size_t len)
{
	if (!lim->max_ratio || len > UINT64_MAX / lim->max_ratio)
		return 0;
	uint64_t cap = (uint64_t)len * lim->max_ratio;
	return cap < (1u << 20) ? (1u << 20) : cap;
}

static void report_compressors(jimage *im)
{
	for (unsigned c = 0; c < 32; c++)
		if (im->unsupported_compr & (1u << c))
			fg_unpack_truncated(im->ctx, im->root,
					    "data compressed with %s (id %u) not supported",
					    compr_name((uint8_t)c), c);
}

static int open_image(jimage *im, const uint8_t *data, size_t len)
{
	im->fs.d = data;
	im->fs.len = len;
	if (len >= 2 && data[0] == 0x19 && data[1] == 0x85)
		im->fs.be = true;
	else if (len < 2 || data[0] != 0x85 || data[1] != 0x19) {
		fg_unpack_fail(im->ctx, "no JFFS2 node at the start");
		return -1;
	}
	im->root->format_info = im->fs.be ? "be" : "le";
	measure(&im->fs, &im->x);
	if (!im->x.nodes) {
		fg_unpack_fail(im->ctx, "no sound JFFS2 node");
		return -1;
	}
	im->fs.len = im->x.end;
	im->root->src_length = im->x.end;
	im->scratch = malloc(J_MAX_DSIZE);
	if (!im->scratch) {
		fg_unpack_fail(im->ctx, "out of memory");
		return -1;
	}
	im->work_cap = (uint64_t)im->x.end * J_WORK_PER_BYTE + J_WORK_FLOOR;
	return 0;
}

static void close_image(jimage *im)
{
	if (im->z_ready)
		inflateEnd(&im->z);
	libdeflate_free_decompressor(im->dfl);
	if (im->xz_used)
		lzma_end(&im->xz);
	free(im->scratch);
	FG_VEC_FREE(&im->nodes);
	FG_VEC_FREE(&im->dirents);
	FG_VEC_FREE(&im->groups);
	FG_VEC_FREE(&im->dirs);
	FG_VEC_FREE(&im->stack);
	free(im->path);
}

static int j_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	jimage *im = calloc(1, sizeof(*im));
	if (!im) {
		fg_unpack_fail(ctx, "out of memory");
		return -1;
	}
	lzma_stream init = LZMA_STREAM_INIT;
	im->xz = init;
	im->ctx = ctx;
	im->root = root;
	im->budget = fg_unpack_budget(ctx);
	im->expand_cap = expansion_cap(&im->budget->limits, len);
	int rc = open_image(im, data, len);
	if (rc == 0) {
		scan(im);
		if (!index_nodes(im) || !index_dirents(im)) {
			fg_unpack_truncated(im->ctx, root, "out of memory indexing nodes");
		} else {
			im->stop = false;
			walk(im);
		}
		report_compressors(im);
	}
	close_image(im);
	free(im);
	return rc;
}

const fg_format fg_format_jffs2 = {
	.name = "jffs2",
	.kind = FG_FMT_FILESYSTEM,
	.magics = j_magics,
	.probe = j_probe,
	.unpack = j_unpack,
};
