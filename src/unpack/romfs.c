/*
 * romfs.c - the Linux ROM file system ("-rom1fs-"), parsed here.
 *
 * Layout (every integer big-endian, every header 16-byte aligned):
 *   superblock: "-rom1fs-", full size, checksum, volume name (NUL
 *     terminated, padded to 16); the first file header follows;
 *   file header: next (offset of the next entry in the same directory,
 *     low 4 bits: type 0..7 and an executable bit), spec.info, size,
 *     checksum, the name (NUL terminated, padded to 16), then the data.
 * Types: 0 hard link (spec = the header it links to), 1 directory (spec =
 * its first entry), 2 file, 3 symlink (data = target), 4 block device, 5
 * char device (spec = major << 16 | minor), 6 socket, 7 fifo.
 *
 * The kernel's root inode is the first file header: a directory (genromfs
 * writes "." there) whose spec starts the root listing. Images whose first
 * header is not a directory are read as if it started the root listing.
 *
 * Checksums: the superblock's covers the first 512 bytes (or the whole
 * image if smaller), a file header's covers the header and its name; each
 * region's big-endian words sum to zero. The kernel checks only the
 * first; both are checked here and a mismatch is reported, not fatal.
 *
 * romfs keeps no owners or times; modes are what the kernel derives from
 * the type (0644, 0777 for symlinks, 0600 for devices) plus 0111 when the
 * executable bit is set.
 *
 * File content is stored contiguously and uncompressed: nodes point into
 * the chunk. Loops: every header is visited at most once, so neither a
 * next-chain nor a directory spec can bring the walk back; nesting stops
 * at RF_MAX_DEPTH.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "core/pathbuf.h"
#include "core/u64map.h"
#include "unpack/format.h"

#define RF_MAGIC "-rom1fs-"
#define RF_HDR 16
#define RF_SUPER_MIN 32          /* magic, size, checksum, shortest name */
#define RF_CHECK_LEN 512
#define RF_MAX_NAME 1024         /* longest name looked for (kernel: 128) */
#define RF_MAX_DEPTH 256
#define RF_LINK_MAX 4096
#define RF_LINK_HOPS 32
#define RF_MAX_REJECTS 10000

enum {
	RF_HARDLINK, RF_DIR, RF_FILE, RF_SYMLINK, RF_BLK, RF_CHR, RF_SOCK, RF_FIFO,
};
#define RF_TYPE_MASK 7u
#define RF_EXEC 8u

typedef struct rf_hdr {
	size_t at;
	uint32_t next, spec, size;
	unsigned type;
	bool exec;
	const char *name;
	size_t name_len;
	size_t data_at;           /* header + padded name */
} rf_hdr;

static size_t pad16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

/* Sum of the big-endian words of D[0..N) (N a multiple of 4). */
static uint32_t word_sum(const uint8_t *d, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 4 <= n; i += 4)
		s += fg_load_u32be(d + i);
	return s;
}

/* Offset of the first file header, or 0 when the superblock is cut. */
static size_t super_end(const uint8_t *d, size_t len)
{
	if (len < RF_SUPER_MIN || memcmp(d, RF_MAGIC, 8) != 0)
		return 0;
	size_t reach = len - RF_HDR < RF_MAX_NAME ? len - RF_HDR : RF_MAX_NAME;
	const uint8_t *nul = memchr(d + RF_HDR, 0, reach);
	if (!nul)
		return 0;
	return RF_HDR + pad16((size_t)(nul - (d + RF_HDR)) + 1);
}

static bool super_sum_ok(const uint8_t *d, size_t len, uint32_t size)
{
	size_t n = size < RF_CHECK_LEN ? size : RF_CHECK_LEN;
	if (n > len)
		return false;
	return word_sum(d, n & ~(size_t)3) == 0;
}

static int rf_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	size_t first = super_end(data, len);
	if (!first)
		return 0;
	uint32_t size = fg_load_u32be(data + 8);
	if (size < first || (size & 15))
		return 0;
	*chunk_len = size <= len ? size : len;
	if (!super_sum_ok(data, len, size))
		return size <= len ? 50 : 30; /* the magic is long, the sum says corrupt */
	return size <= len ? 95 : 60;
}

static const fg_magic rf_magics[] = {
	{ RF_MAGIC, 8, 0 },
	FG_MAGIC_END,
};

/* ---- the image ------------------------------------------------------------ */

typedef struct rf_frame {
	fg_node *node;
	size_t pos;               /* next header of this listing; 0 = done */
	size_t path_len;
} rf_frame;

typedef struct rf_link {
	fg_node *node;
	uint32_t dest;
} rf_link;

typedef struct rf_image {
	fg_unpack_ctx *ctx;
	fg_node *root;
	fg_budget *budget;
	const uint8_t *d;
	size_t len;
	size_t max_end;

	FG_VEC(rf_frame) stack;
	FG_VEC(rf_link) links;
	fg_u64map nodes;          /* header offset -> its node (the root's "." too) */
	fg_u64map visited;        /* header offsets read as entries */
	fg_u64map link_dest;      /* hard link header -> its spec + 1 */
	char *path;
	size_t path_cap;
	uint64_t rejects, bad_sums;
	bool stop;
} rf_image;

static void reach(rf_image *im, size_t end)
{
	if (end > im->max_end)
		im->max_end = end;
}

static const char *tree_strndup(rf_image *im, const char *s, size_t n)
{
	fg_tree *t = fg_unpack_tree(im->ctx);
	pthread_mutex_lock(&t->lock);
	const char *r = fg_arena_strndup(&t->arena, s, n);
	pthread_mutex_unlock(&t->lock);
	return r;
}

/* Reads the header at AT; NULL, or why it cannot be read. */
static const char *read_hdr(rf_image *im, size_t at, rf_hdr *h)
{
	if ((at & 15) || at > im->len || im->len - at < RF_HDR + 1)
		return "header outside the image";
	const uint8_t *p = im->d + at;
	uint32_t next = fg_load_u32be(p);
	h->at = at;
	h->next = next & ~15u;
	h->type = next & RF_TYPE_MASK;
	h->exec = next & RF_EXEC;
	h->spec = fg_load_u32be(p + 4);
	h->size = fg_load_u32be(p + 8);
	size_t reach_n = im->len - at - RF_HDR;
	if (reach_n > RF_MAX_NAME)
		reach_n = RF_MAX_NAME;
	const uint8_t *nul = memchr(p + RF_HDR, 0, reach_n);
	if (!nul)
		return "name not terminated";
	h->name = (const char *)p + RF_HDR;
	h->name_len = (size_t)(nul - (p + RF_HDR));
	h->data_at = at + RF_HDR + pad16(h->name_len + 1);
	if (h->data_at > im->len)
		return "name runs past the image";
	reach(im, h->data_at);
	if (word_sum(p, h->data_at - at) != 0)
		im->bad_sums++;
	return NULL;
}

static void reject(rf_image *im, fg_node *dir, const char *why, const rf_hdr *h)
{
	fg_unpack_truncated(im->ctx, dir, "skipped entry at 0x%zx \"%.*s\": %s", h->at,
			    (int)(h->name_len < 64 ? h->name_len : 64), h->name, why);
	if (++im->rejects >= RF_MAX_REJECTS) {
		fg_unpack_truncated(im->ctx, im->root, "too many bad entries; gave up");
		im->stop = true;
	}
}

static fg_node_type node_type(unsigned t)
{
	switch (t) {
	case RF_HARDLINK: return FG_NODE_HARDLINK;
	case RF_DIR: return FG_NODE_DIR;
	case RF_SYMLINK: return FG_NODE_SYMLINK;
	case RF_BLK: return FG_NODE_BLK;
	case RF_CHR: return FG_NODE_CHR;
	case RF_SOCK: return FG_NODE_SOCK;
	case RF_FIFO: return FG_NODE_FIFO;
	default: return FG_NODE_FILE;
	}
}

/* The mode the kernel gives the inode. */
static uint32_t mode_of(unsigned t, bool exec)
{
	static const uint32_t perm[8] = { 0, 0644, 0644, 0777, 0600, 0600, 0644, 0644 };
	return perm[t & 7] | (exec ? 0111u : 0);
}

static const char *bad_name(const char *name, size_t len)
{
	if (len == 0)
		return "empty name";
	if (memchr(name, '/', len))
		return "name contains '/'";
	return NULL;
}

static bool is_dot(const rf_hdr *h)
{
	return (h->name_len == 1 && h->name[0] == '.') ||
	       (h->name_len == 2 && h->name[0] == '.' && h->name[1] == '.');
}

/* Content of H (SIZE bytes after the name), pointed at in place. */
static void set_content(rf_image *im, fg_node *n, const rf_hdr *h)
{
	n->size = h->size;
	size_t avail = im->len - h->data_at;
	n->data = im->d + h->data_at;
	n->data_len = h->size <= avail ? h->size : avail;
	reach(im, h->data_at + n->data_len);
	if (n->data_len < h->size)
		fg_unpack_truncated(im->ctx, n, "content cut: %zu of %u bytes in the image",
				    n->data_len, h->size);
}

static void set_symlink(rf_image *im, fg_node *n, const rf_hdr *h)
{
	size_t avail = im->len - h->data_at;
	size_t n_len = h->size <= avail ? h->size : avail;
	if (n_len > RF_LINK_MAX)
		n_len = RF_LINK_MAX;
	const char *t = (const char *)im->d + h->data_at;
	size_t tl = strnlen(t, n_len);
	n->size = h->size;
	n->link_target = tree_strndup(im, t, tl);
	reach(im, h->data_at + n_len);
	if (!n->link_target)
		fg_unpack_truncated(im->ctx, n, "out of memory for the symlink target");
	else if (tl < h->size && !(tl + 1 == h->size && t[tl] == '\0'))
		fg_unpack_truncated(im->ctx, n, "symlink target of %u bytes cut to %zu", h->size, tl);
}

static void push_dir(rf_image *im, fg_node *n, uint32_t first, size_t path_len)
{
	if (first == 0)
		return;
	if (im->stack.n >= RF_MAX_DEPTH) {
		fg_unpack_truncated(im->ctx, n, "directory nesting deeper than %d not followed",
				    RF_MAX_DEPTH);
		return;
	}
	rf_frame f = { n, first & ~15u, path_len };
	if (!FG_VEC_PUSH(&im->stack, f)) {
		fg_unpack_truncated(im->ctx, im->root, "out of memory");
		im->stop = true;
	}
}

static void place(rf_image *im, fg_node *dir, const rf_hdr *h, size_t path_len)
{
	fg_node_type type = node_type(h->type);
	fg_node *n = fg_unpack_add(im->ctx, im->root, im->path, type);
	if (!n) {
		if (atomic_load(&im->budget->files) >= im->budget->limits.max_files ||
		    fg_budget_expired(im->budget))
			im->stop = true;
		return;
	}
	(void)dir;
	n->mode = mode_of(h->type, h->exec);
	if (!fg_u64map_put(&im->nodes, h->at, n)) {
		fg_unpack_truncated(im->ctx, im->root, "out of memory");
		im->stop = true;
		return;
	}
	switch (h->type) {
	case RF_DIR:
		push_dir(im, n, h->spec, path_len);
		break;
	case RF_FILE:
		set_content(im, n, h);
		break;
	case RF_SYMLINK:
		set_symlink(im, n, h);
		break;
	case RF_BLK:
	case RF_CHR:
		n->dev_major = h->spec >> 16;
		n->dev_minor = h->spec & 0xffff;
		break;
	case RF_HARDLINK: {
		rf_link l = { n, h->spec & ~15u };
		void *dest = (void *)(uintptr_t)((uint64_t)l.dest + 1);
		if (!FG_VEC_PUSH(&im->links, l) || !fg_u64map_put(&im->link_dest, h->at, dest)) {
			fg_unpack_truncated(im->ctx, im->root, "out of memory");
			im->stop = true;
		}
		break;
	}
	default:
		break;
	}
}

/* Reads the next entry of the top listing. */
static void next_entry(rf_image *im)
{
	rf_frame *f = &im->stack.v[im->stack.n - 1];
	if (f->pos == 0) {
		im->stack.n--;
		return;
	}
	fg_node *dir = f->node;
	size_t base = f->path_len;
	rf_hdr h;
	const char *why = read_hdr(im, f->pos, &h);
	if (why) {
		fg_unpack_truncated(im->ctx, dir, "listing ends at 0x%zx: %s", f->pos, why);
		im->stack.n--;
		return;
	}
	if (fg_u64map_get(&im->visited, h.at)) {
		fg_unpack_truncated(im->ctx, dir, "loop: header 0x%zx reached twice", h.at);
		im->stack.n--;
		return;
	}
	if (!fg_u64map_put(&im->visited, h.at, dir)) {
		fg_unpack_truncated(im->ctx, im->root, "out of memory");
		im->stop = true;
		return;
	}
	f->pos = h.next;
	if (is_dot(&h))
		return;
	why = bad_name(h.name, h.name_len);
	if (!why && fg_node_find_child(dir, h.name, h.name_len))
		why = "duplicate name";
	if (why) {
		reject(im, dir, why, &h);
		return;
	}
	size_t path_len;
	if (!fg_path_join(&im->path, &im->path_cap, base, h.name, h.name_len, &path_len)) {
		fg_unpack_truncated(im->ctx, im->root, "out of memory");
		im->stop = true;
		return;
	}
	place(im, dir, &h, path_len);
}

/* ---- hard links ------------------------------------------------------------- */

/* The node the hard link L finally names, following links to links. */
static fg_node *link_dest(rf_image *im, const rf_link *l)
{
	uint64_t dest = l->dest;
	for (unsigned hops = 0; hops < RF_LINK_HOPS; hops++) {
		fg_node *d = fg_u64map_get(&im->nodes, dest);
		if (!d || d->type != FG_NODE_HARDLINK)
			return d;
		uintptr_t next = (uintptr_t)fg_u64map_get(&im->link_dest, dest);
		if (!next)
			return NULL;
		dest = (uint64_t)next - 1;
	}
	return NULL;
}

static void copy_special(fg_node *n, const fg_node *d)
{
	n->type = d->type;
	n->mode = d->mode;
	n->size = d->size;
	n->link_target = d->link_target;
	n->dev_major = d->dev_major;
	n->dev_minor = d->dev_minor;
}

static void resolve_link(rf_image *im, const rf_link *l)
{
	fg_node *n = l->node;
	fg_node *d = link_dest(im, l);
	if (!d || d == im->root || d->type == FG_NODE_DIR || d->type == FG_NODE_HARDLINK) {
		n->type = FG_NODE_FILE;
		fg_unpack_truncated(im->ctx, n, "hard link to 0x%x: %s", l->dest,
				    !d || d->type == FG_NODE_HARDLINK ? "no such entry" :
				    "a directory, not followed");
		return;
	}
	if (d->type != FG_NODE_FILE) {
		/* a second name of a symlink or a device: the same node again */
		copy_special(n, d);
		return;
	}
	char buf[4096];
	size_t pl = fg_node_path(d, buf, sizeof(buf));
	n->link_target = pl > 1 ? tree_strndup(im, buf + 1, pl - 1) : NULL;
	n->mode = d->mode;
	n->size = d->size;
	if (!n->link_target) {
		n->type = FG_NODE_FILE;
		fg_unpack_truncated(im->ctx, n, "hard link target path unavailable");
	}
}

/* ---- setting up ---------------------------------------------------------------- */

static int open_image(rf_image *im, const uint8_t *data, size_t len)
{
	size_t first = super_end(data, len);
	if (!first) {
		fg_unpack_fail(im->ctx, "no romfs superblock");
		return -1;
	}
	uint32_t size = fg_load_u32be(data + 8);
	if (size < first) {
		fg_unpack_fail(im->ctx, "image size %u is smaller than its superblock", size);
		return -1;
	}
	im->d = data;
	im->len = len;
	if (size > len)
		fg_unpack_truncated(im->ctx, im->root, "image truncated: %zu of %u bytes present",
				    len, size);
	else
		im->len = size;
	if (!super_sum_ok(data, len, size))
		fg_unpack_truncated(im->ctx, im->root, "superblock checksum mismatch: image corrupt");
	im->max_end = first;
	return 0;
}

static void walk_root(rf_image *im)
{
	size_t first = super_end(im->d, im->len);
	rf_hdr h;
	const char *why = read_hdr(im, first, &h);
	if (why) {
		fg_unpack_truncated(im->ctx, im->root, "root header at 0x%zx: %s", first, why);
		return;
	}
	im->root->mode = mode_of(RF_DIR, true);
	if (h.type == RF_DIR) {
		im->root->mode = mode_of(RF_DIR, h.exec);
		fg_u64map_put(&im->nodes, h.at, im->root);
		push_dir(im, im->root, h.spec, 0);
	} else {
		push_dir(im, im->root, (uint32_t)first, 0);
	}
	while (im->stack.n && !im->stop)
		next_entry(im);
	for (size_t i = 0; i < im->links.n; i++)
		resolve_link(im, &im->links.v[i]);
	if (im->bad_sums)
		fg_unpack_truncated(im->ctx, im->root,
				    "%llu file header checksum(s) do not match: image may be corrupt",
				    (unsigned long long)im->bad_sums);
}

static int rf_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	rf_image im = { 0 };
	im.ctx = ctx;
	im.root = root;
	im.budget = fg_unpack_budget(ctx);
	if (open_image(&im, data, len) < 0)
		return -1;
	char vol[40];
	size_t vl = strnlen((const char *)data + RF_HDR, 24);
	snprintf(vol, sizeof(vol), "\"%.*s\"", (int)vl, (const char *)data + RF_HDR);
	for (char *p = vol; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	root->format_info = tree_strndup(&im, vol, strlen(vol));
	walk_root(&im);
	uint32_t size = fg_load_u32be(data + 8);
	root->src_length = size <= len ? size : im.max_end;
	FG_VEC_FREE(&im.stack);
	FG_VEC_FREE(&im.links);
	fg_u64map_free(&im.nodes);
	fg_u64map_free(&im.visited);
	fg_u64map_free(&im.link_dest);
	free(im.path);
	return 0;
}

const fg_format fg_format_romfs = {
	.name = "romfs",
	.kind = FG_FMT_FILESYSTEM,
	.magics = rf_magics,
	.probe = rf_probe,
	.unpack = rf_unpack,
};
