/*
 * tree.h - the in-memory file tree every stage works on.
 *
 * The unpack stage builds it: the input is the root; a directory input
 * brings its files; a container file (a filesystem image, an archive, a
 * compressed stream) gets an extraction root hanging off it
 * (node->unpacked), a directory whose children are what the format
 * stored. Every extraction root records its provenance: the format, and
 * the byte range of the container it came from.
 *
 * File content is a slice of memory the tree owns or maps (the mmap'd
 * input, or a buffer a decompressor produced); nodes never copy it.
 *
 * Children of a directory are kept sorted by name, so lookups are binary
 * searches and every walk is deterministic.
 */
#ifndef FG_TREE_H
#define FG_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#include "arena.h"
#include "vec.h"

typedef enum fg_node_type {
	FG_NODE_FILE = 0,
	FG_NODE_DIR,
	FG_NODE_SYMLINK,
	FG_NODE_HARDLINK, /* link_target names the path it shares an inode with */
	FG_NODE_CHR,
	FG_NODE_BLK,
	FG_NODE_FIFO,
	FG_NODE_SOCK,
} fg_node_type;

enum fg_node_flags {
	FG_NODE_FSROOT = 1u << 0,    /* root of a file tree (input dir or extraction root) */
	FG_NODE_TRUNCATED = 1u << 1, /* content or children incomplete: see note */
	FG_NODE_FILESYSTEM = 1u << 2, /* extraction root of a filesystem or archive */
	FG_NODE_CONTENT_OWNED = 1u << 3,
	FG_NODE_CARVE = 1u << 4,      /* extraction root holding the chunks carved from a blob */
	FG_NODE_SPILLED = 1u << 5,    /* content written out (spill_id, sha256): data is gone */
};

typedef struct fg_node fg_node;
typedef struct fg_buf fg_buf;
typedef struct fg_spill fg_spill;

/* What a byte range of a blob turned out to be. */
typedef enum fg_range_kind {
	FG_RANGE_CHUNK,      /* claimed by a format handler */
	FG_RANGE_PADDING,    /* runs of 0x00 or 0xFF */
	FG_RANGE_UNKNOWN,    /* unclaimed, low entropy (code, tables, text) */
	FG_RANGE_HIGH_ENTROPY, /* unclaimed, near-random: encrypted or an unknown compression */
} fg_range_kind;

typedef struct fg_range {
	uint64_t offset, length;
	fg_range_kind kind;
	const char *format;   /* CHUNK: the handler's name */
	double entropy;       /* bits per byte, 0..8 */
} fg_range;

/* Coverage of one blob: every byte is in exactly one range, in order. */
typedef struct fg_coverage {
	fg_range *ranges;
	size_t n;
	uint64_t identified, padding, unknown, high_entropy;
} fg_coverage;

const char *fg_range_kind_name(fg_range_kind kind);

struct fg_node {
	const char *name;
	fg_node_type type;
	uint32_t mode;        /* permission and setuid/setgid/sticky bits (07777) */
	uint32_t uid, gid;
	int64_t mtime;
	uint64_t size;        /* size as the container states it */
	const char *link_target;
	uint32_t dev_major, dev_minor;

	const uint8_t *data;  /* content; data_len < size when truncated */
	size_t data_len;

	fg_node *parent;
	fg_node **children;
	size_t nchildren, capchildren;

	fg_node *unpacked;    /* files: extraction root of their content */
	fg_node *container;   /* extraction roots: the file they came from */

	/* provenance of an extraction root */
	const char *format;   /* e.g. "squashfs", "gzip", "dir" */
	const char *format_info; /* e.g. "xz", "v4.0 le" */
	uint64_t src_offset;  /* in the container's content */
	uint64_t src_length;

	fg_coverage *coverage; /* blobs that were carved */

	unsigned depth;       /* container nesting; input is 0 */
	unsigned flags;
	const char *note;     /* why the node is truncated or could not be unpacked */

	/* streamed output (unpack -o, see unpack/spill.h) */
	fg_buf *buf;          /* the decompressed buffer data lies in, NULL if none */
	uint64_t spill_id;    /* SPILLED: the file holding the content */
	const char *sha256;   /* SPILLED: hex digest of the content */
};

/* A decompressed buffer and the nodes whose content lies in it. Counted
 * only when the scan streams its output (unpack/spill.h): then it is
 * freed as soon as every counted node has been written out. */
struct fg_buf {
	uint8_t *base;        /* NULL once freed */
	uintptr_t addr;       /* where it was: content is looked up by address */
	size_t len;
	_Atomic unsigned refs;
};

typedef FG_VEC(void *) fg_ptr_vec;

typedef struct fg_map {
	void *addr;
	size_t len;
} fg_map;

typedef struct fg_tree {
	fg_arena arena;
	pthread_mutex_t lock;  /* guards arena and owned buffers across workers */
	fg_node *root;
	uint64_t node_count;
	fg_ptr_vec owned;      /* malloc'd buffers freed with the tree */
	FG_VEC(fg_map) maps;   /* mmap'd regions unmapped with the tree */
	FG_VEC(fg_buf *) bufs; /* counted buffers (unpack/spill.h), freed with the tree */
	fg_spill *spill;       /* where content goes once unpacked; NULL: kept in memory */
} fg_tree;

void fg_tree_init(fg_tree *t);
void fg_tree_free(fg_tree *t);

/* The tree frees BUF when it is freed. Returns false (and frees BUF) on
 * allocation failure. */
bool fg_tree_own(fg_tree *t, void *buf);
bool fg_tree_own_map(fg_tree *t, void *addr, size_t len);

/* Allocates a detached node. NAME is copied. */
fg_node *fg_node_new(fg_tree *t, const char *name, size_t name_len, fg_node_type type);

/* Adds CHILD under DIR keeping names sorted. If a child of that name
 * exists, it is returned instead and CHILD is left detached. */
fg_node *fg_node_add_child(fg_tree *t, fg_node *dir, fg_node *child);

fg_node *fg_node_find_child(const fg_node *dir, const char *name, size_t len);

/* Finds or creates the directory chain for PATH ("a/b/c", leading slashes
 * and "." ignored, ".." refused) below ROOT and returns the node for the
 * last component, creating it with TYPE if missing. Returns NULL if the
 * path is unsafe or a component is not a directory. */
fg_node *fg_tree_mkpath(fg_tree *t, fg_node *root, const char *path, fg_node_type type);

/* Creates the extraction root for FILE: a directory flagged FSROOT whose
 * provenance is FORMAT over [offset, offset+length) of FILE's content. */
fg_node *fg_tree_attach_root(fg_tree *t, fg_node *file, const char *format,
			     uint64_t offset, uint64_t length, bool filesystem);

/* Nearest file-tree root at or above N. */
const fg_node *fg_node_fsroot(const fg_node *n);

/* Absolute path of N inside its file tree ("/" for the root). Returns the
 * length, or 0 when BUF is too small (then BUF holds a truncated path). */
size_t fg_node_path(const fg_node *n, char *buf, size_t cap);

/* Provenance chain of N's file tree, e.g. "fw.bin > trx@0x0 > squashfs@0x1c".
 * Allocated in the tree's arena. */
const char *fg_node_chain(fg_tree *t, const fg_node *n);
void fg_node_chain_buf(const fg_node *n, char *buf, size_t cap);

/* Resolves PATH inside the file tree ROOT. Symlinks are followed inside
 * the tree only (absolute targets are relative to ROOT), at most 40 hops;
 * the last component is followed only when FOLLOW_LAST. Hard-link nodes
 * resolve to their target. NULL when not found. */
fg_node *fg_tree_lookup(fg_node *root, const char *path, bool follow_last);

/* Regular-file content of N after following hard links, or NULL. */
const fg_node *fg_node_content(const fg_node *n);

const char *fg_node_type_name(fg_node_type type);

/* Pre-order walk. Returning false from the callback skips the subtree. */
typedef bool (*fg_walk_fn)(fg_node *n, void *ud);
void fg_tree_walk(fg_node *root, fg_walk_fn fn, void *ud);

#endif
