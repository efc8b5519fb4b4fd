/*
 * squashfs.c - squashfs 4.0 little-endian images, read from memory.
 *
 * libsquashfs does the format work: superblock, metadata blocks, the id
 * and fragment tables, directory listings and data blocks. Around it this
 * file puts
 *   - a sqfs_file_t over the mapped image (no copies, no file I/O),
 *   - block decoders of ours for gzip, LZO, xz and zstd
 *     (squashfs_codec.h: Debian builds libsquashfs without LZO, and
 *     its others set up a decoder for every block),
 *   - a directory walk of its own. The library's inode reader allocates
 *     whatever a hostile inode claims (a block list for an exabyte file,
 *     a 4 GiB symlink target, a directory index of any size), so inode
 *     headers are parsed here and only regular files whose size passed our
 *     limits go through sqfs_meta_reader_read_inode (the data reader
 *     needs its block list).
 *
 * Shared content: every directory entry naming a regular-file inode seen
 * before (a hard link; identity is the inode's on-disk reference, which
 * cannot be forged the way inode numbers can), and every file whose
 * content is stored where an earlier file's is (mksquashfs stores
 * identical files once), becomes a FG_NODE_FILE with the first one's
 * data pointer, read and charged to the budget once.
 *
 * Content is read after the walk, in disk order, by several threads when
 * there is enough of it (see "file content: reading").
 *
 * Loops: a directory whose listing was already walked is not walked
 * again, and nesting stops at SQ_MAX_DEPTH.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqfs/block.h>
#include <sqfs/compressor.h>
#include <sqfs/data_reader.h>
#include <sqfs/dir.h>
#include <sqfs/error.h>
#include <sqfs/frag_table.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/meta_reader.h>
#include <sqfs/super.h>

#include "core/pathbuf.h"
#include "core/cursor.h"
#include "core/u64map.h"
#include "unpack/engine.h"
#include "unpack/format.h"
#include "unpack/squashfs_codec.h"

#define SQ_SUPER_SIZE 96
#define SQ_MAX_DEPTH 256          /* directory nesting we follow */
#define SQ_NAME_MAX 256           /* longest entry name the kernel accepts */
#define SQ_LINK_MAX 4096          /* longest symlink target we keep */
#define SQ_MAX_REJECTS 10000      /* bad entries tolerated before giving up */
#define SQ_NO_TABLE UINT64_MAX    /* superblock value of an absent table */
#define SQ_UNKNOWN_ID UINT32_MAX  /* owner whose id-table index is bad */
#define SQ_BATCH_BYTES (1u << 20) /* content one reader takes at a time */
#define SQ_PARALLEL_MIN (8u << 20) /* less content than this: one thread */
#define SQ_MAX_THREADS 8
#define SQ_MAX_BLOCKS (1u << 24)  /* block list the library may allocate: 64 MiB */

static const char *const comp_names[] = {
	[SQFS_COMP_GZIP] = "gzip", [SQFS_COMP_LZMA] = "lzma", [SQFS_COMP_LZO] = "lzo",
	[SQFS_COMP_XZ] = "xz",     [SQFS_COMP_LZ4] = "lz4",   [SQFS_COMP_ZSTD] = "zstd",
};

static const char *sq_strerror(int err)
{
	switch (err) {
	case SQFS_ERROR_ALLOC: return "out of memory";
	case SQFS_ERROR_IO: return "I/O error";
	case SQFS_ERROR_COMPRESSOR: return "decompression failed";
	case SQFS_ERROR_INTERNAL: return "internal error";
	case SQFS_ERROR_CORRUPTED: return "corrupt structure";
	case SQFS_ERROR_UNSUPPORTED: return "unsupported feature";
	case SQFS_ERROR_OVERFLOW: return "size out of range";
	case SQFS_ERROR_OUT_OF_BOUNDS: return "reference outside the image";
	case SFQS_ERROR_SUPER_MAGIC: return "bad magic";
	case SFQS_ERROR_SUPER_VERSION: return "unsupported version";
	case SQFS_ERROR_SUPER_BLOCK_SIZE: return "bad block size";
	case SQFS_ERROR_NOT_DIR: return "not a directory";
	case SQFS_ERROR_NO_ENTRY: return "no such entry";
	case SQFS_ERROR_LINK_LOOP: return "link loop";
	case SQFS_ERROR_NOT_FILE: return "not a regular file";
	case SQFS_ERROR_ARG_INVALID: return "invalid argument";
	case SQFS_ERROR_SEQUENCE: return "call out of sequence";
	}
	return "unknown error";
}

static uint16_t load_u16le(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

/* ---- probe ----------------------------------------------------------- */

static uint64_t load_u64le(const uint8_t *p)
{
	return fg_load_u32le(p) | ((uint64_t)fg_load_u32le(p + 4) << 32);
}

/* Magic, version and block size: what makes it squashfs 4.0 LE at all. */
static bool super_is_v4(const uint8_t *d)
{
	uint32_t block_size = fg_load_u32le(d + 12);
	uint16_t block_log = load_u16le(d + 22);
	if (memcmp(d, "hsqs", 4) != 0 || load_u16le(d + 28) != 4 || load_u16le(d + 30) != 0)
		return false;
	if (block_size < SQFS_MIN_BLOCK_SIZE || block_size > SQFS_MAX_BLOCK_SIZE ||
	    (block_size & (block_size - 1)) != 0)
		return false;
	return block_log >= 12 && block_log <= 20 && (1u << block_log) == block_size;
}

/* Tables in their order and inside the filesystem, a known compressor. */
static bool super_layout_sane(const uint8_t *d)
{
	uint16_t comp = load_u16le(d + 20);
	uint64_t used = load_u64le(d + 40), ids = load_u64le(d + 48);
	uint64_t inodes = load_u64le(d + 64), dirs = load_u64le(d + 72);
	if (comp < SQFS_COMP_MIN || comp > SQFS_COMP_MAX)
		return false;
	if (inodes < SQ_SUPER_SIZE || inodes >= dirs || dirs >= ids || ids >= used)
		return false;
	/* the root inode lies in the inode table */
	return (load_u64le(d + 32) >> 16) < dirs - inodes;
}

/*
 * A 4-byte magic is weak, so the superblock must agree with itself. At
 * the start of a file even a damaged superblock is claimed (low score),
 * so unpacking can say what is wrong with it; carving needs a sane one.
 */
static int sq_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	if (len < SQ_SUPER_SIZE || !super_is_v4(data))
		return 0;
	uint64_t used = load_u64le(data + 40);
	*chunk_len = used <= len ? used : len;
	if (!super_layout_sane(data))
		return 30;
	return used <= len ? 90 : 60; /* a truncated image is still one */
}

static const fg_magic sq_magics[] = {
	{ "hsqs", 4, 0 },
	FG_MAGIC_END,
};

/* ---- the image as a sqfs_file_t -------------------------------------- */

typedef struct mem_file {
	sqfs_file_t base;
	const uint8_t *data;
	size_t len;
} mem_file;

static sqfs_file_t *mem_file_new(const uint8_t *data, size_t len);

static int mem_read_at(sqfs_file_t *file, sqfs_u64 offset, void *buffer, size_t size)
{
	const mem_file *m = (const mem_file *)file;
	if (offset > m->len || size > m->len - offset)
		return SQFS_ERROR_OUT_OF_BOUNDS;
	if (size)
		memcpy(buffer, m->data + offset, size);
	return 0;
}

/* The image is read-only: every change is refused. */
static int mem_write_at(sqfs_file_t *file, sqfs_u64 offset, const void *buffer, size_t size)
{
	return SQFS_ERROR_UNSUPPORTED;
}

static int mem_truncate(sqfs_file_t *file, sqfs_u64 size)
{
	return SQFS_ERROR_UNSUPPORTED;
}

static sqfs_u64 mem_get_size(const sqfs_file_t *file)
{
	return ((const mem_file *)file)->len;
}

static void mem_destroy(sqfs_object_t *obj)
{
	free(obj);
}

static sqfs_object_t *mem_copy(const sqfs_object_t *obj)
{
	const mem_file *m = (const mem_file *)obj;
	return (sqfs_object_t *)mem_file_new(m->data, m->len);
}

static sqfs_file_t *mem_file_new(const uint8_t *data, size_t len)
{
	mem_file *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->base.base.destroy = mem_destroy;
	m->base.base.copy = mem_copy;
	m->base.read_at = mem_read_at;
	m->base.write_at = mem_write_at;
	m->base.get_size = mem_get_size;
	m->base.truncate = mem_truncate;
	m->data = data;
	m->len = len;
	return &m->base;
}

/* ---- the walk's state ------------------------------------------------ */

typedef struct sq_frame {
	sqfs_readdir_state_t rd;
	fg_node *node;        /* the directory being listed */
	size_t path_len;      /* its path's length in sq->path */
} sq_frame;

/*
 * Metadata readers cache one decompressed block each. mksquashfs writes a
 * directory's inode and listing after everything below it, so a single
 * pair would bounce between a parent's blocks and its children's; one
 * pair per depth moves forward through the tables instead.
 */
typedef struct sq_meta {
	sqfs_meta_reader_t *inodes;
	sqfs_meta_reader_t *dirs;
} sq_meta;

/* A file whose content is queued. Its buffer is allocated when its
 * first job runs and, when the scan streams its output, handed on as
 * soon as its last job is done, so memory holds the files being read,
 * not the whole image. */
typedef struct sq_file {
	fg_node *node;
	size_t first_job;
	uint8_t *_Atomic buf;    /* NULL until a job needs it */
	_Atomic unsigned left;   /* jobs still to run */
	bool shared;             /* other nodes take its content at the end */
} sq_file;

/* One data-reader call: LEN bytes of a file's content from OFF. */
typedef struct sq_job {
	fg_node *node;
	size_t file;             /* index in sq->filev */
	const sqfs_inode_generic_t *gi;
	uint8_t *buf;            /* the whole file's buffer, once allocated */
	uint64_t off, len;
	uint64_t key;            /* where on disk it reads: jobs run sorted */
	uint64_t got;            /* good bytes from OFF */
	int err;
} sq_job;

typedef struct sq_order {
	uint64_t key;
	size_t job;
} sq_order;

/* Content queued for reading, found again by its location. */
typedef struct sq_content {
	fg_node *node;
	const sqfs_inode_generic_t *gi;
} sq_content;

/* A later name of a regular file, and the node holding its content. */
typedef struct sq_link {
	fg_node *node;
	const fg_node *first;
} sq_link;

typedef struct sq_image {
	fg_unpack_ctx *ctx;
	fg_node *root;
	fg_budget *budget;
	sqfs_super_t super;
	size_t len;                    /* bytes of image present */

	sqfs_file_t *file;
	sqfs_compressor_t *cmp;
	sqfs_id_table_t *ids;          /* NULL when the table is unreadable */
	FG_VEC(sq_meta) meta;          /* readers per directory depth */
	sqfs_meta_reader_t *inodes;    /* the current depth's inode reader */
	sqfs_data_reader_t *blocks;

	bool frags_ok;                 /* fragment table loaded */

	FG_VEC(sq_file) filev;         /* files with content to read, in walk order */
	fg_u64map file_index;            /* node -> filev index + 1 */
	pthread_mutex_t alloc_lock;    /* one buffer per file, whichever job comes first */
	sqfs_frag_table_t *frags;      /* where fragment blocks lie; NULL if unknown */
	FG_VEC(sq_job) jobs;           /* content to read, in walk order */
	FG_VEC(sq_order) order;        /* the jobs in disk order */
	FG_VEC(size_t) batches;        /* first entry of each batch in order */
	_Atomic size_t next_batch;
	FG_VEC(sq_content) contents;
	fg_u64map content_index;         /* location hash -> contents index + 1 */
	FG_VEC(sqfs_inode_generic_t *) block_lists;
	FG_VEC(sq_link) links;

	fg_u64map files;                 /* inode ref -> first node of a regular file */
	fg_u64map listings;              /* directory listings already walked */
	FG_VEC(sq_frame) stack;
	char *path;                    /* path of the entry being added */
	size_t path_cap;
	char link[SQ_LINK_MAX + 1];

	uint64_t chunk;                /* most bytes per data-reader call */
	uint64_t expand_cap;           /* bytes this image may expand to */
	uint64_t expanded;
	uint64_t bad_owners;
	uint64_t rejects;
	bool stop;
} sq_image;

/* An inode header, parsed here rather than by libsquashfs (see top). */
typedef struct sq_inode {
	uint16_t type;
	uint32_t mode, uid, gid;
	int64_t mtime;
	uint64_t size;          /* files: content; symlinks: target length */
	uint32_t devno;
	sqfs_u64 dir_block;     /* directories: listing location and size */
	size_t dir_offset, dir_size;
} sq_inode;

/* ---- inode headers ---------------------------------------------------- */

/* Bytes that follow the common 16-byte header, up to the variable part. */
static size_t inode_fixed_size(uint16_t type)
{
	switch (type) {
	case SQFS_INODE_DIR: return 16;
	case SQFS_INODE_FILE: return 16;
	case SQFS_INODE_SLINK: return 8;
	case SQFS_INODE_BDEV: case SQFS_INODE_CDEV: return 8;
	case SQFS_INODE_FIFO: case SQFS_INODE_SOCKET: return 4;
	case SQFS_INODE_EXT_DIR: return 24;
	case SQFS_INODE_EXT_FILE: return 40;
	case SQFS_INODE_EXT_SLINK: return 8;
	case SQFS_INODE_EXT_BDEV: case SQFS_INODE_EXT_CDEV: return 12;
	case SQFS_INODE_EXT_FIFO: case SQFS_INODE_EXT_SOCKET: return 8;
	}
	return 0;
}

static uint32_t resolve_id(sq_image *sq, uint16_t idx)
{
	sqfs_u32 id;
	if (sq->ids && sqfs_id_table_index_to_id(sq->ids, idx, &id) == 0)
		return id;
	sq->bad_owners++;
	return SQ_UNKNOWN_ID;
}

static void decode_type_fields(sq_inode *ino, const uint8_t *b)
{
	switch (ino->type) {
	case SQFS_INODE_DIR:
		ino->dir_block = fg_load_u32le(b);
		ino->dir_size = load_u16le(b + 8);
		ino->dir_offset = load_u16le(b + 10);
		break;
	case SQFS_INODE_EXT_DIR:
		ino->dir_size = fg_load_u32le(b + 4);
		ino->dir_block = fg_load_u32le(b + 8);
		ino->dir_offset = load_u16le(b + 18);
		break;
	case SQFS_INODE_FILE:
		ino->size = fg_load_u32le(b + 12);
		break;
	case SQFS_INODE_EXT_FILE:
		ino->size = fg_load_u32le(b + 8) | ((uint64_t)fg_load_u32le(b + 12) << 32);
		break;
	case SQFS_INODE_SLINK:
	case SQFS_INODE_EXT_SLINK:
		ino->size = fg_load_u32le(b + 4);
		break;
	case SQFS_INODE_BDEV: case SQFS_INODE_CDEV:
	case SQFS_INODE_EXT_BDEV: case SQFS_INODE_EXT_CDEV:
		ino->devno = fg_load_u32le(b + 4);
		break;
	}
}

/* Reads the inode at REF. Symlink targets land in sq->link (cut at
 * SQ_LINK_MAX). Returns 0 or an SQFS_ERROR value. */
static int read_inode_head(sq_image *sq, sqfs_u64 ref, sq_inode *ino)
{
	uint8_t b[40];
	int err = sqfs_meta_reader_seek(sq->inodes, sq->super.inode_table_start + (ref >> 16),
					ref & 0xffff);
	if (!err)
		err = sqfs_meta_reader_read(sq->inodes, b, 16);
	if (err)
		return err;
	memset(ino, 0, sizeof(*ino));
	ino->type = load_u16le(b);
	ino->mode = load_u16le(b + 2) & 07777;
	ino->uid = resolve_id(sq, load_u16le(b + 4));
	ino->gid = resolve_id(sq, load_u16le(b + 6));
	ino->mtime = fg_load_u32le(b + 8);
	size_t fixed = inode_fixed_size(ino->type);
	if (!fixed)
		return SQFS_ERROR_CORRUPTED;
	err = sqfs_meta_reader_read(sq->inodes, b, fixed);
	if (err)
		return err;
	decode_type_fields(ino, b);
	if (ino->type == SQFS_INODE_SLINK || ino->type == SQFS_INODE_EXT_SLINK) {
		size_t n = ino->size < SQ_LINK_MAX ? (size_t)ino->size : SQ_LINK_MAX;
		err = sqfs_meta_reader_read(sq->inodes, sq->link, n);
		sq->link[err ? 0 : n] = '\0';
	}
	return err;
}

/* ---- creating nodes --------------------------------------------------- */

static void set_meta(fg_node *n, const sq_inode *ino)
{
	n->mode = ino->mode;
	n->uid = ino->uid;
	n->gid = ino->gid;
	n->mtime = ino->mtime;
}

static fg_node_type node_type(uint16_t type)
{
	switch (type) {
	case SQFS_INODE_DIR: case SQFS_INODE_EXT_DIR: return FG_NODE_DIR;
	case SQFS_INODE_SLINK: case SQFS_INODE_EXT_SLINK: return FG_NODE_SYMLINK;
	case SQFS_INODE_BDEV: case SQFS_INODE_EXT_BDEV: return FG_NODE_BLK;
	case SQFS_INODE_CDEV: case SQFS_INODE_EXT_CDEV: return FG_NODE_CHR;
	case SQFS_INODE_FIFO: case SQFS_INODE_EXT_FIFO: return FG_NODE_FIFO;
	case SQFS_INODE_SOCKET: case SQFS_INODE_EXT_SOCKET: return FG_NODE_SOCK;
	}
	return FG_NODE_FILE;
}

/* Adds the node at sq->path. NULL when refused; a spent file budget
 * ends the walk (the engine has recorded why). */
static fg_node *add_node(sq_image *sq, fg_node_type type)
{
	fg_node *n = fg_unpack_add(sq->ctx, sq->root, sq->path, type);
	if (!n && atomic_load(&sq->budget->files) >= sq->budget->limits.max_files)
		sq->stop = true;
	return n;
}

static void set_symlink(sq_image *sq, fg_node *n, const sq_inode *ino)
{
	fg_tree *t = fg_unpack_tree(sq->ctx);
	size_t len = strlen(sq->link);
	pthread_mutex_lock(&t->lock);
	n->link_target = fg_arena_strndup(&t->arena, sq->link, len);
	pthread_mutex_unlock(&t->lock);
	n->size = ino->size;
	if (!n->link_target)
		fg_unpack_truncated(sq->ctx, n, "out of memory for the symlink target");
	else if (ino->size > len)
		fg_unpack_truncated(sq->ctx, n, "symlink target of %llu bytes cut to %zu",
				    (unsigned long long)ino->size, len);
}

static void set_device(fg_node *n, uint32_t dev)
{
	/* the kernel's new_encode_dev(): 12-bit major, 20-bit split minor */
	n->dev_major = (dev >> 8) & 0xfff;
	n->dev_minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
}

/* ---- file content: queued by the walk ---------------------------------- */

/*
 * The walk only queues content; it is read afterwards. A file becomes
 * jobs of at most sq->chunk bytes, whole blocks of about a batch, so that
 * a large file is spread over the threads (direct_blocks() reads them;
 * the library, which walks the block list from its start on every call,
 * only reads a file's fragment tail and what fails).
 * Jobs run in disk order, cut into batches of about SQ_BATCH_BYTES that
 * threads claim whole: small files sharing a fragment block then go to
 * one reader, whose cache holds a single fragment block. Results are
 * applied to the nodes on the calling thread, in walk order, so the tree
 * and the reports do not depend on the threading.
 */

/* Where a file's content lives: equal locations, equal bytes. */
static uint64_t location_hash(const sqfs_inode_generic_t *gi)
{
	sqfs_u64 start = 0, size = 0;
	sqfs_u32 frag = 0, frag_off = 0;
	sqfs_inode_get_file_block_start(gi, &start);
	sqfs_inode_get_file_size(gi, &size);
	sqfs_inode_get_frag_location(gi, &frag, &frag_off);
	uint64_t h = 0xcbf29ce484222325ULL;
	uint64_t parts[4] = { start, size, frag, frag_off };
	for (size_t i = 0; i < 4; i++)
		h = (h ^ parts[i]) * 0x100000001b3ULL;
	for (size_t i = 0; i < sqfs_inode_get_file_block_count(gi); i++)
		h = (h ^ gi->extra[i]) * 0x100000001b3ULL;
	return h;
}

static bool same_location(const sqfs_inode_generic_t *a, const sqfs_inode_generic_t *b)
{
	sqfs_u64 sa = 0, sb = 0, za = 0, zb = 0;
	sqfs_u32 fa = 0, fb = 0, oa = 0, ob = 0;
	sqfs_inode_get_file_block_start(a, &sa);
	sqfs_inode_get_file_block_start(b, &sb);
	sqfs_inode_get_file_size(a, &za);
	sqfs_inode_get_file_size(b, &zb);
	sqfs_inode_get_frag_location(a, &fa, &oa);
	sqfs_inode_get_frag_location(b, &fb, &ob);
	return sa == sb && za == zb && fa == fb && oa == ob &&
	       a->payload_bytes_used == b->payload_bytes_used &&
	       !memcmp(a->extra, b->extra, a->payload_bytes_used);
}

/* The node whose content is stored where GI's is, or NULL. mksquashfs
 * stores identical files once; reading them once saves time and memory. */
static fg_node *find_content(sq_image *sq, const sqfs_inode_generic_t *gi, uint64_t hash)
{
	uintptr_t idx = (uintptr_t)fg_u64map_get(&sq->content_index, hash);
	if (!idx || !same_location(sq->contents.v[idx - 1].gi, gi))
		return NULL;
	return sq->contents.v[idx - 1].node;
}

static void remember_content(sq_image *sq, fg_node *n, const sqfs_inode_generic_t *gi,
			     uint64_t hash)
{
	sq_content c = { n, gi };
	/* a hash collision keeps the older entry: both still read fine */
	if (fg_u64map_get(&sq->content_index, hash) || !FG_VEC_PUSH(&sq->contents, c))
		return;
	if (!fg_u64map_put(&sq->content_index, hash, (void *)(uintptr_t)sq->contents.n))
		sq->contents.n--;
}

/* Sort key of a job: the disk position of its first block, or, for a
 * tail read from a fragment block, that block's position: mksquashfs
 * writes a fragment block after the files whose tails it holds, so in
 * disk order files complete one after another and can be handed on
 * early. Without the fragment table, tails go last, by fragment. */
static uint64_t job_key(const sq_image *sq, const sqfs_inode_generic_t *gi, size_t block,
			sqfs_u64 pos)
{
	if (block < sqfs_inode_get_file_block_count(gi))
		return pos & ~(1ULL << 63);
	sqfs_u32 frag = 0, frag_off = 0;
	sqfs_inode_get_frag_location(gi, &frag, &frag_off);
	sqfs_fragment_t where;
	if (sq->frags && sqfs_frag_table_lookup(sq->frags, frag, &where) == 0)
		return where.start_offset & ~(1ULL << 63);
	return (1ULL << 63) | ((uint64_t)frag << 24) | (frag_off & 0xffffff);
}

/* Splits the content into jobs of at most sq->chunk bytes. */
static bool queue_jobs(sq_image *sq, fg_node *n, const sqfs_inode_generic_t *gi)
{
	sq_file f = { .node = n, .first_job = sq->jobs.n };
	if (!FG_VEC_PUSH(&sq->filev, f))
		return false;
	sq_job job = { .node = n, .file = sq->filev.n - 1, .gi = gi };
	size_t block = 0;
	sqfs_u64 pos = 0;
	sqfs_inode_get_file_block_start(gi, &pos);
	for (job.off = 0; job.off < n->size; job.off += job.len) {
		job.len = n->size - job.off < sq->chunk ? n->size - job.off : sq->chunk;
		job.key = job_key(sq, gi, block, pos);
		if (!FG_VEC_PUSH(&sq->jobs, job))
			return false;
		sq->filev.v[job.file].left++;
		for (uint64_t b = 0; b < job.len / sq->super.block_size &&
		     block < sqfs_inode_get_file_block_count(gi); b++)
			pos += SQFS_ON_DISK_BLOCK_SIZE(gi->extra[block++]);
	}
	return true;
}

static void queue_file(sq_image *sq, fg_node *n, sqfs_u64 ref, const sq_inode *ino)
{
	const fg_limits *lim = &sq->budget->limits;
	n->size = ino->size;
	if (ino->size == 0)
		return;
	/* before the library reads the block list: it allocates it unchecked,
	 * so the list's length is capped even when the limits are not */
	if (ino->size > lim->max_file_size ||
	    ino->size / sq->super.block_size >= SQ_MAX_BLOCKS) {
		fg_unpack_truncated(sq->ctx, n, "file of %llu bytes is over the per-file limit (%llu)",
				    (unsigned long long)ino->size, (unsigned long long)lim->max_file_size);
		return;
	}
	sqfs_inode_generic_t *gi = NULL;
	int err = sqfs_meta_reader_read_inode(sq->inodes, &sq->super, ref >> 16, ref & 0xffff, &gi);
	if (err) {
		fg_unpack_truncated(sq->ctx, n, "block list unreadable: %s", sq_strerror(err));
		return;
	}
	if (!FG_VEC_PUSH(&sq->block_lists, gi)) {
		sqfs_free(gi);
		fg_unpack_truncated(sq->ctx, n, "out of memory");
		return;
	}
	uint64_t hash = location_hash(gi);
	fg_node *same = find_content(sq, gi, hash);
	if (same) {
		sq_link l = { n, same };
		if (!FG_VEC_PUSH(&sq->links, l))
			fg_unpack_truncated(sq->ctx, n, "out of memory");
		return;
	}
	if (sq->expand_cap && ino->size > sq->expand_cap - sq->expanded) {
		fg_unpack_truncated(sq->ctx, n, "image expansion limit (%llu bytes, ratio %llu) reached",
				    (unsigned long long)sq->expand_cap,
				    (unsigned long long)lim->max_ratio);
		return;
	}
	if (!fg_unpack_reserve(sq->ctx, (size_t)ino->size)) {
		fg_unpack_truncated(sq->ctx, n, "content of %llu bytes not extracted: byte budget spent",
				    (unsigned long long)ino->size);
		return;
	}
	sq->expanded += ino->size;
	remember_content(sq, n, gi, hash);
	if (!queue_jobs(sq, n, gi)) {
		/* what was queued is read; the missing tail is reported then */
		fg_unpack_truncated(sq->ctx, sq->root, "out of memory queueing content");
		sq->stop = true;
	}
}

static void add_file(sq_image *sq, sqfs_u64 ref, const sq_inode *ino)
{
	fg_node *n = add_node(sq, FG_NODE_FILE);
	if (!n)
		return;
	set_meta(n, ino);
	const fg_node *first = fg_u64map_get(&sq->files, ref);
	if (first) {
		sq_link l = { n, first };
		if (!FG_VEC_PUSH(&sq->links, l))
			fg_unpack_truncated(sq->ctx, n, "out of memory");
		return;
	}
	queue_file(sq, n, ref, ino);
	if (!fg_u64map_put(&sq->files, ref, n))
		fg_unpack_truncated(sq->ctx, n, "out of memory tracking hard links");
}

/* ---- file content: reading --------------------------------------------- */

typedef struct sq_reader {
	sqfs_compressor_t *cmp;
	sqfs_data_reader_t *rd;
} sq_reader;

typedef struct sq_worker {
	sq_image *sq;
	sq_reader r;
	pthread_t thread;
} sq_worker;

/* A call failed inside the job: keep the whole blocks that still read,
 * up to the first bad one. */
static uint64_t salvage_blocks(const sq_image *sq, sq_reader *r, const sq_job *j)
{
	uint64_t got = 0;
	while (got < j->len) {
		uint64_t n = j->len - got < sq->super.block_size ? j->len - got : sq->super.block_size;
		if (sqfs_data_reader_read(r->rd, j->gi, j->off + got, j->buf + j->off + got,
					  (sqfs_u32)n) != (sqfs_s32)n)
			break;
		got += n;
	}
	return got;
}

/*
 * Whole data blocks of a job, decompressed straight from the mapped image
 * into the file's buffer. The data reader would copy each block out of
 * the image, decompress it into its own block buffer and copy it again;
 * here the compressor writes where the bytes belong. Returns the bytes
 * done from J->off; whatever this does not do (a fragment tail, a block
 * out of bounds or that does not decompress to exactly its size) is left
 * to the data reader, which reports it.
 */
static uint64_t direct_blocks(const sq_image *sq, sq_reader *r, const sq_job *j)
{
	const mem_file *img = (const mem_file *)sq->file;
	const sqfs_inode_generic_t *gi = j->gi;
	uint64_t bs = sq->super.block_size, size = j->node->size;
	size_t nblocks = sqfs_inode_get_file_block_count(gi);
	if (!bs || j->off % bs)
		return 0;
	size_t b = (size_t)(j->off / bs);
	if (b >= nblocks)
		return 0;
	sqfs_u64 pos = 0;
	sqfs_inode_get_file_block_start(gi, &pos);
	for (size_t i = 0; i < b; i++)
		pos += SQFS_ON_DISK_BLOCK_SIZE(gi->extra[i]);
	uint64_t done = 0;
	for (; b < nblocks && done < j->len; b++) {
		uint64_t at = (uint64_t)b * bs;
		uint64_t want = size - at < bs ? size - at : bs;
		if (at >= size || want > j->len - done)
			break;
		uint8_t *dst = j->buf + j->off + done;
		sqfs_u32 disk = SQFS_ON_DISK_BLOCK_SIZE(gi->extra[b]);
		if (disk == 0) {
			memset(dst, 0, (size_t)want); /* sparse */
		} else {
			if (pos > img->len || disk > img->len - pos)
				break;
			if (!SQFS_IS_BLOCK_COMPRESSED(gi->extra[b])) {
				if (disk != want)
					break;
				memcpy(dst, img->data + pos, disk);
			} else if (r->cmp->do_block(r->cmp, img->data + pos, disk, dst,
						    (sqfs_u32)want) != (sqfs_s32)want) {
				break;
			}
		}
		pos += disk;
		done += want;
	}
	return done;
}

/* The file's buffer: the first of its jobs to run allocates it. */
static uint8_t *file_buffer(sq_image *sq, sq_file *f)
{
	uint8_t *b = atomic_load(&f->buf);
	if (b)
		return b;
	pthread_mutex_lock(&sq->alloc_lock);
	b = atomic_load(&f->buf);
	if (!b) {
		b = fg_unpack_alloc_for(sq->ctx, f->node, (size_t)f->node->size);
		atomic_store(&f->buf, b);
	}
	pthread_mutex_unlock(&sq->alloc_lock);
	return b;
}

static size_t file_result(const sq_image *sq, size_t first, uint64_t *good, int *err);

/* The last job of F has run: a file read whole that no other node
 * shares is final, and the engine may write it out and free it now.
 * Anything incomplete waits for apply_results(), which says why. */
static void file_complete(sq_image *sq, sq_file *f)
{
	uint64_t good;
	int err;
	file_result(sq, f->first_job, &good, &err);
	fg_node *n = f->node;
	if (f->shared || good != n->size)
		return;
	n->data = atomic_load(&f->buf);
	n->data_len = (size_t)good;
	fg_unpack_done(sq->ctx, n);
}

static void run_one(const sq_image *sq, sq_reader *r, sq_job *j);

static void run_job(sq_image *sq, sq_reader *r, sq_job *j)
{
	sq_file *f = &sq->filev.v[j->file];
	j->buf = file_buffer(sq, f);
	if (j->buf) {
		run_one(sq, r, j);
	} else {
		j->got = 0;
		j->err = SQFS_ERROR_ALLOC;
	}
	if (atomic_fetch_sub(&f->left, 1) == 1)
		file_complete(sq, f);
}

static void run_one(const sq_image *sq, sq_reader *r, sq_job *j)
{
	uint64_t done = direct_blocks(sq, r, j);
	if (done == j->len) {
		j->got = j->len;
		return;
	}
	sqfs_s32 got = sqfs_data_reader_read(r->rd, j->gi, j->off + done, j->buf + j->off + done,
					     (sqfs_u32)(j->len - done));
	if (got == (sqfs_s32)(j->len - done)) {
		j->got = j->len;
		return;
	}
	j->err = got < 0 ? got : SQFS_ERROR_CORRUPTED;
	j->got = salvage_blocks(sq, r, j);
}

/* The batch of jobs FIRST..END (in disk order) has been read: the pages
 * of the image between its first read and the next batch's are not
 * needed again (when the image is a slice of the mapped input; a page
 * read again comes back from the page cache). */
static void release_batch(const sq_image *sq, size_t first, size_t end)
{
	uint64_t from = sq->order.v[first].key;
	uint64_t to = end < sq->order.n ? sq->order.v[end].key : sq->super.inode_table_start;
	if (from >> 63 || to >> 63 || to <= from || to > sq->len)
		return; /* tails ordered by fragment index: positions unknown */
	const mem_file *img = (const mem_file *)sq->file;
	fg_unpack_release_input(fg_unpack_tree(sq->ctx), img->data + from, (size_t)(to - from));
}

/* Claims and reads the next batch; false when none is left. */
static bool read_batch(sq_image *sq, sq_reader *r)
{
	size_t b = atomic_fetch_add(&sq->next_batch, 1);
	if (b >= sq->batches.n)
		return false;
	size_t end = b + 1 < sq->batches.n ? sq->batches.v[b + 1] : sq->order.n;
	for (size_t i = sq->batches.v[b]; i < end; i++)
		run_job(sq, r, &sq->jobs.v[sq->order.v[i].job]);
	release_batch(sq, sq->batches.v[b], end);
	return true;
}

/* The helpers read a batch at a time while the scan has a core free
 * for them (fg_unpack_slot_take): the thread of the worker that runs
 * this handler reads all along. */
static void *worker_main(void *arg)
{
	sq_worker *w = arg;
	sq_image *sq = w->sq;
	while (atomic_load(&sq->next_batch) < sq->batches.n) {
		if (!fg_unpack_slot_take(sq->ctx, 2))
			continue;
		bool more = read_batch(sq, &w->r);
		fg_unpack_slot_give(sq->ctx);
		if (!more)
			break;
	}
	return NULL;
}

static int new_compressor(const sqfs_super_t *s, sqfs_compressor_t **out);

/* A reader of its own for a worker thread: compressors keep stream state
 * and data readers cache blocks, so neither can be shared. */
static bool open_reader(const sq_image *sq, sq_reader *r)
{
	if (new_compressor(&sq->super, &r->cmp) != 0)
		return false;
	r->rd = sqfs_data_reader_create(sq->file, sq->super.block_size, r->cmp, 0);
	if (r->rd && (!sq->frags_ok || !sqfs_data_reader_load_fragment_table(r->rd, &sq->super)))
		return true;
	sqfs_destroy(r->rd);
	sqfs_destroy(r->cmp);
	return false;
}

static unsigned thread_count(const sq_image *sq)
{
	if (sq->expanded < SQ_PARALLEL_MIN || sq->batches.n < 2)
		return 1;
	cpu_set_t set;
	long cpus = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set)
								 : sysconf(_SC_NPROCESSORS_ONLN);
	/* --jobs 1 means one thread, here too */
	if (cpus > (long)fg_unpack_jobs(sq->ctx))
		cpus = (long)fg_unpack_jobs(sq->ctx);
	if (cpus > SQ_MAX_THREADS)
		cpus = SQ_MAX_THREADS;
	if ((size_t)cpus > sq->batches.n)
		cpus = (long)sq->batches.n;
	return cpus > 1 ? (unsigned)cpus : 1;
}

static int order_cmp(const void *a, const void *b)
{
	const sq_order *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->job < y->job ? -1 : x->job > y->job;
}

/* Orders the jobs by disk position and cuts the order into batches. */
static bool plan_reads(sq_image *sq)
{
	if (!sq->jobs.n)
		return true;
	if (!FG_VEC_RESERVE(&sq->order, sq->jobs.n))
		return false;
	for (size_t i = 0; i < sq->jobs.n; i++)
		sq->order.v[i] = (sq_order){ sq->jobs.v[i].key, i };
	sq->order.n = sq->jobs.n;
	qsort(sq->order.v, sq->order.n, sizeof(*sq->order.v), order_cmp);
	uint64_t fill = SQ_BATCH_BYTES;
	for (size_t i = 0; i < sq->order.n; i++) {
		if (fill >= SQ_BATCH_BYTES) {
			if (!FG_VEC_PUSH(&sq->batches, i))
				return false;
			fill = 0;
		}
		/* a file costs something even when tiny */
		fill += sq->jobs.v[sq->order.v[i].job].len + 4096;
	}
	return true;
}

/* Files whose content later names share (hard links, files stored
 * once) keep it until apply_results() has handed it to them. */
static void mark_shared(sq_image *sq)
{
	for (size_t i = 0; i < sq->filev.n; i++) {
		if (!fg_u64map_put(&sq->file_index, (uintptr_t)sq->filev.v[i].node,
				   (void *)(uintptr_t)(i + 1))) {
			/* out of memory: nothing is handed on early */
			for (size_t k = 0; k < sq->filev.n; k++)
				sq->filev.v[k].shared = true;
			return;
		}
	}
	for (size_t i = 0; i < sq->links.n; i++) {
		uintptr_t idx = (uintptr_t)fg_u64map_get(&sq->file_index,
							 (uintptr_t)sq->links.v[i].first);
		if (idx)
			sq->filev.v[idx - 1].shared = true;
	}
}

/* Runs every job: this thread with the image's reader, helpers with
 * their own. A helper that cannot start leaves its share to the rest. */
static void read_queued(sq_image *sq)
{
	if (!plan_reads(sq)) {
		fg_unpack_truncated(sq->ctx, sq->root, "out of memory planning reads");
		return;
	}
	unsigned extra = thread_count(sq) - 1;
	sq_worker *w = extra ? calloc(extra, sizeof(*w)) : NULL;
	unsigned started = 0;
	for (unsigned i = 0; w && i < extra; i++) {
		w[started].sq = sq;
		if (!open_reader(sq, &w[started].r))
			break;
		if (pthread_create(&w[started].thread, NULL, worker_main, &w[started]) != 0) {
			sqfs_destroy(w[started].r.rd);
			sqfs_destroy(w[started].r.cmp);
			break;
		}
		started++;
	}
	sq_reader mine = { sq->cmp, sq->blocks };
	while (read_batch(sq, &mine))
		;
	for (unsigned i = 0; i < started; i++) {
		pthread_join(w[i].thread, NULL);
		sqfs_destroy(w[i].r.rd);
		sqfs_destroy(w[i].r.cmp);
	}
	free(w);
}

/* The jobs of one file, from FIRST: its good prefix, and why it ends. */
static size_t file_result(const sq_image *sq, size_t first, uint64_t *good, int *err)
{
	const fg_node *n = sq->jobs.v[first].node;
	bool broken = false;
	*good = 0;
	*err = SQFS_ERROR_ALLOC; /* jobs missing: queueing ran out of memory */
	size_t i;
	for (i = first; i < sq->jobs.n && sq->jobs.v[i].node == n; i++) {
		const sq_job *j = &sq->jobs.v[i];
		if (broken)
			continue;
		*good += j->got;
		if (j->got < j->len) {
			broken = true;
			*err = j->err ? j->err : SQFS_ERROR_ALLOC; /* never run */
		}
	}
	return i;
}

static void share_file(sq_image *sq, fg_node *n, const fg_node *first)
{
	n->size = first->size;
	n->data = first->data;
	n->data_len = first->data_len;
	if (first->flags & FG_NODE_TRUNCATED)
		fg_unpack_truncated(sq->ctx, n, "%s", first->note ? first->note : "content incomplete");
}

static void apply_results(sq_image *sq)
{
	for (size_t i = 0; i < sq->jobs.n;) {
		fg_node *n = sq->jobs.v[i].node;
		uint64_t good;
		int err;
		if (n->flags & FG_NODE_SPILLED) {
			/* complete, and already written out */
			i = file_result(sq, i, &good, &err);
			continue;
		}
		n->data = atomic_load(&sq->filev.v[sq->jobs.v[i].file].buf);
		i = file_result(sq, i, &good, &err);
		n->data_len = (size_t)good;
		if (good < n->size)
			fg_unpack_truncated(sq->ctx, n, "content unreadable after %llu of %llu bytes: %s",
					    (unsigned long long)good, (unsigned long long)n->size,
					    sq_strerror(err));
	}
	for (size_t i = 0; i < sq->links.n; i++)
		share_file(sq, sq->links.v[i].node, sq->links.v[i].first);
}

/* ---- directories ------------------------------------------------------- */

static bool meta_for_depth(sq_image *sq, size_t depth);

static bool push_dir(sq_image *sq, fg_node *n, const sq_inode *ino, size_t path_len)
{
	sq_frame f;
	memset(&f, 0, sizeof(f));
	f.rd.init.block = sq->super.directory_table_start + ino->dir_block;
	f.rd.init.offset = ino->dir_offset;
	f.rd.init.size = ino->dir_size;
	f.rd.current = f.rd.init;
	f.node = n;
	f.path_len = path_len;
	/* the on-disk size counts 3 bytes for "." and ".."; anything up to a
	 * bare header is an empty listing, which may share its location with
	 * the next directory's, so only real listings are tracked */
	if (ino->dir_size <= sizeof(sqfs_dir_header_t) + 3)
		return true;
	uint64_t key = ((uint64_t)f.rd.init.block << 16) | (ino->dir_offset & 0xffff);
	if (fg_u64map_get(&sq->listings, key)) {
		fg_unpack_truncated(sq->ctx, n, "directory loop: listing already walked");
		return true;
	}
	if (sq->stack.n > SQ_MAX_DEPTH) {
		fg_unpack_truncated(sq->ctx, n, "directory nesting deeper than %d not followed",
				    SQ_MAX_DEPTH);
		return true;
	}
	if (!meta_for_depth(sq, sq->stack.n) || !fg_u64map_put(&sq->listings, key, n) ||
	    !FG_VEC_PUSH(&sq->stack, f)) {
		fg_unpack_truncated(sq->ctx, n, "out of memory");
		return false;
	}
	return true;
}

/* Builds sq->path = <directory path>/<name>; returns its length. */
static bool build_path(sq_image *sq, size_t base, const char *name, size_t len, size_t *out)
{
	return fg_path_join(&sq->path, &sq->path_cap, base, name, len, out);
}

static void reject(sq_image *sq, fg_node *dir, const char *why, const char *name)
{
	fg_unpack_truncated(sq->ctx, dir, "skipped entry \"%.64s\": %s", name, why);
	if (++sq->rejects >= SQ_MAX_REJECTS) {
		fg_unpack_truncated(sq->ctx, sq->root, "too many bad directory entries; gave up");
		sq->stop = true;
	}
}

/* Why NAME (LEN bytes on disk) cannot be a path component, or NULL. */
static const char *bad_name(const char *name, size_t len)
{
	if (strlen(name) != len)
		return "name contains a NUL byte";
	if (len > SQ_NAME_MAX)
		return "name too long";
	if (memchr(name, '/', len))
		return "name contains '/'";
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return "name is a dot entry";
	return NULL;
}

static void place_entry(sq_image *sq, sqfs_u64 ref, const sq_inode *ino, size_t path_len)
{
	fg_node_type type = node_type(ino->type);
	if (type == FG_NODE_FILE) {
		add_file(sq, ref, ino);
		return;
	}
	fg_node *n = add_node(sq, type);
	if (!n)
		return;
	set_meta(n, ino);
	switch (type) {
	case FG_NODE_DIR:
		if (!push_dir(sq, n, ino, path_len))
			sq->stop = true;
		break;
	case FG_NODE_SYMLINK:
		set_symlink(sq, n, ino);
		break;
	case FG_NODE_CHR:
	case FG_NODE_BLK:
		set_device(n, ino->devno);
		break;
	default:
		break;
	}
}

static void add_entry(sq_image *sq, size_t fi, const sqfs_dir_entry_t *ent, sqfs_u64 ref)
{
	fg_node *dir = sq->stack.v[fi].node;
	const char *name = (const char *)ent->name;
	size_t len = (size_t)ent->size + 1;
	const char *why = bad_name(name, len);
	if (!why && fg_node_find_child(dir, name, len))
		why = "duplicate name";
	sq_inode ino;
	int err = why ? 0 : read_inode_head(sq, ref, &ino);
	if (err)
		why = sq_strerror(err);
	if (why) {
		reject(sq, dir, why, name);
		return;
	}
	size_t path_len;
	if (!build_path(sq, sq->stack.v[fi].path_len, name, len, &path_len)) {
		fg_unpack_truncated(sq->ctx, sq->root, "out of memory");
		sq->stop = true;
		return;
	}
	place_entry(sq, ref, &ino, path_len);
}

/* Depth-first in listing order, on an explicit stack. Only metadata is
 * read here; file content is queued (see "file content"). */
static void walk(sq_image *sq)
{
	while (sq->stack.n && !sq->stop) {
		size_t fi = sq->stack.n - 1;
		sqfs_dir_entry_t *ent = NULL;
		sqfs_u64 ref = 0;
		sq->inodes = sq->meta.v[fi].inodes;
		int r = sqfs_meta_reader_readdir(sq->meta.v[fi].dirs, &sq->stack.v[fi].rd, &ent,
						 NULL, &ref);
		if (r != 0) {
			if (r < 0)
				fg_unpack_truncated(sq->ctx, sq->stack.v[fi].node,
						    "directory listing unreadable: %s", sq_strerror(r));
			sq->stack.n--;
			continue;
		}
		add_entry(sq, fi, ent, ref);
		sqfs_free(ent);
	}
}

/* ---- setting up -------------------------------------------------------- */

static int new_compressor(const sqfs_super_t *s, sqfs_compressor_t **out)
{
	/* decoders of ours where libsquashfs has none (LZO) or a slow one
	 * (squashfs_codec.h) */
	const fg_sq_codec *own = fg_sq_codec_for(s->compression_id);
	if (own) {
		*out = fg_sq_reader_new(own, s->block_size);
		return *out ? 0 : SQFS_ERROR_ALLOC;
	}
	*out = NULL;
	sqfs_compressor_config_t cfg;
	int err = sqfs_compressor_config_init(&cfg, (SQFS_COMPRESSOR)s->compression_id,
					      s->block_size, SQFS_COMP_FLAG_UNCOMPRESS);
	if (!err)
		err = sqfs_compressor_create(&cfg, out);
	return err;
}

/* Sanity beyond sqfs_super_read: table order and reach. NULL when fine. */
static const char *check_layout(const sqfs_super_t *s)
{
	if (s->compression_id < SQFS_COMP_MIN || s->compression_id > SQFS_COMP_MAX)
		return "unknown compressor";
	if (s->inode_table_start < SQ_SUPER_SIZE || s->inode_table_start >= s->directory_table_start)
		return "inode table does not precede the directory table";
	if (s->id_table_start <= s->directory_table_start)
		return "id table does not follow the directory table";
	return NULL;
}

/* The directory table ends where the next table starts. */
static sqfs_u64 dir_table_end(const sqfs_super_t *s, size_t len)
{
	sqfs_u64 end = s->id_table_start;
	if (s->fragment_table_start > s->directory_table_start && s->fragment_table_start < end)
		end = s->fragment_table_start;
	if (s->export_table_start > s->directory_table_start && s->export_table_start < end)
		end = s->export_table_start;
	return end < len ? end : len;
}

static bool has_fragments(const sqfs_super_t *s)
{
	return s->fragment_entry_count && s->fragment_table_start != SQ_NO_TABLE &&
	       !(s->flags & SQFS_FLAG_NO_FRAGMENTS);
}

/* Tables that only some entries need: failures are recorded, not fatal. */
static void load_tables(sq_image *sq)
{
	sq->ids = sqfs_id_table_create(0);
	int err = sq->ids ? sqfs_id_table_read(sq->ids, sq->file, &sq->super, sq->cmp) : SQFS_ERROR_ALLOC;
	if (err) {
		sqfs_destroy(sq->ids);
		sq->ids = NULL;
		fg_unpack_truncated(sq->ctx, sq->root, "id table unreadable (%s): owners unknown",
				    sq_strerror(err));
	}
	if (!has_fragments(&sq->super))
		return;
	/* every fragment block takes at least a byte of the data area; the
	 * library allocates the whole table before reading it */
	if (sq->super.fragment_entry_count > sq->super.inode_table_start ||
	    sq->super.fragment_entry_count > sq->len) {
		fg_unpack_truncated(sq->ctx, sq->root, "fragment count %u is impossible: tails unread",
				    sq->super.fragment_entry_count);
		return;
	}
	err = sqfs_data_reader_load_fragment_table(sq->blocks, &sq->super);
	sq->frags_ok = !err;
	if (!err) {
		/* a second copy, for ordering reads only (job_key) */
		sq->frags = sqfs_frag_table_create(0);
		if (sq->frags && sqfs_frag_table_read(sq->frags, sq->file, &sq->super, sq->cmp)) {
			sqfs_destroy(sq->frags);
			sq->frags = NULL;
		}
	}
	if (err)
		fg_unpack_truncated(sq->ctx, sq->root, "fragment table unreadable (%s): tails unread",
				    sq_strerror(err));
}

/* Makes sure readers for directory depth DEPTH exist. */
static bool meta_for_depth(sq_image *sq, size_t depth)
{
	const sqfs_super_t *s = &sq->super;
	while (sq->meta.n <= depth) {
		sq_meta m;
		m.inodes = sqfs_meta_reader_create(sq->file, sq->cmp, s->inode_table_start,
						   s->directory_table_start);
		m.dirs = sqfs_meta_reader_create(sq->file, sq->cmp, s->directory_table_start,
						 dir_table_end(s, sq->len));
		if (!m.inodes || !m.dirs || !FG_VEC_PUSH(&sq->meta, m)) {
			sqfs_destroy(m.inodes);
			sqfs_destroy(m.dirs);
			return false;
		}
	}
	return true;
}

static int open_readers(sq_image *sq)
{
	sq->blocks = sqfs_data_reader_create(sq->file, sq->super.block_size, sq->cmp, 0);
	if (!sq->blocks || !meta_for_depth(sq, 0))
		return SQFS_ERROR_ALLOC;
	sq->inodes = sq->meta.v[0].inodes;
	return 0;
}

/* Opens the image: superblock, compressor, readers. Failures are fatal. */
static int open_image(sq_image *sq, const uint8_t *data, size_t len)
{
	sq->len = len;
	sq->file = mem_file_new(data, len);
	if (!sq->file) {
		fg_unpack_fail(sq->ctx, "out of memory");
		return -1;
	}
	int err = sqfs_super_read(&sq->super, sq->file);
	if (err) {
		fg_unpack_fail(sq->ctx, "bad superblock: %s", sq_strerror(err));
		return -1;
	}
	const char *why = check_layout(&sq->super);
	if (why) {
		fg_unpack_fail(sq->ctx, "corrupt superblock: %s", why);
		return -1;
	}
	const char *comp = comp_names[sq->super.compression_id];
	sq->root->format_info = comp;
	err = new_compressor(&sq->super, &sq->cmp);
	if (err) {
		fg_unpack_fail(sq->ctx, "cannot decompress %s: %s", comp, sq_strerror(err));
		return -1;
	}
	if (sq->super.bytes_used > len)
		fg_unpack_truncated(sq->ctx, sq->root, "image truncated: %zu of %llu bytes present",
				    len, (unsigned long long)sq->super.bytes_used);
	if (open_readers(sq)) {
		fg_unpack_fail(sq->ctx, "out of memory");
		return -1;
	}
	load_tables(sq);
	return 0;
}

static int walk_root(sq_image *sq)
{
	sq_inode ino;
	int err = read_inode_head(sq, sq->super.root_inode_ref, &ino);
	if (err) {
		fg_unpack_fail(sq->ctx, "root inode unreadable: %s", sq_strerror(err));
		return -1;
	}
	if (node_type(ino.type) != FG_NODE_DIR) {
		fg_unpack_fail(sq->ctx, "root inode is not a directory");
		return -1;
	}
	set_meta(sq->root, &ino);
	if (!push_dir(sq, sq->root, &ino, 0)) {
		fg_unpack_fail(sq->ctx, "out of memory");
		return -1;
	}
	walk(sq);
	mark_shared(sq);
	read_queued(sq);
	apply_results(sq);
	if (sq->bad_owners)
		fg_unpack_truncated(sq->ctx, sq->root, "%llu owner ids unresolvable (shown as %u)",
				    (unsigned long long)sq->bad_owners, SQ_UNKNOWN_ID);
	/* an empty image is fine; a broken one that yielded nothing is not */
	if (sq->root->nchildren == 0 && (sq->root->flags & FG_NODE_TRUNCATED)) {
		fg_unpack_fail(sq->ctx, "no entry could be read");
		return -1;
	}
	return 0;
}

static void close_image(sq_image *sq)
{
	sqfs_destroy(sq->blocks);
	for (size_t i = 0; i < sq->meta.n; i++) {
		sqfs_destroy(sq->meta.v[i].dirs);
		sqfs_destroy(sq->meta.v[i].inodes);
	}
	FG_VEC_FREE(&sq->meta);
	sqfs_destroy(sq->ids);
	sqfs_destroy(sq->frags);
	sqfs_destroy(sq->cmp);
	sqfs_destroy(sq->file);
	for (size_t i = 0; i < sq->block_lists.n; i++)
		sqfs_free(sq->block_lists.v[i]);
	FG_VEC_FREE(&sq->block_lists);
	FG_VEC_FREE(&sq->jobs);
	FG_VEC_FREE(&sq->filev);
	fg_u64map_free(&sq->file_index);
	pthread_mutex_destroy(&sq->alloc_lock);
	FG_VEC_FREE(&sq->order);
	FG_VEC_FREE(&sq->batches);
	FG_VEC_FREE(&sq->contents);
	fg_u64map_free(&sq->content_index);
	FG_VEC_FREE(&sq->links);
	fg_u64map_free(&sq->files);
	fg_u64map_free(&sq->listings);
	FG_VEC_FREE(&sq->stack);
	free(sq->path);
}

/* Most bytes this image may expand to: the ratio limit, with the same
 * 1 MiB floor stream decompressors get. 0 means unlimited. */
static uint64_t expansion_cap(const fg_limits *lim, size_t len)
{
	if (!lim->max_ratio || len > UINT64_MAX / lim->max_ratio)
		return 0;
	uint64_t cap = (uint64_t)len * lim->max_ratio;
	return cap < (1u << 20) ? (1u << 20) : cap;
}

static int sq_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	sq_image *sq = calloc(1, sizeof(*sq));
	if (!sq) {
		fg_unpack_fail(ctx, "out of memory");
		return -1;
	}
	sq->ctx = ctx;
	sq->root = root;
	pthread_mutex_init(&sq->alloc_lock, NULL);
	sq->budget = fg_unpack_budget(ctx);
	sq->expand_cap = expansion_cap(&sq->budget->limits, len);
	int rc = open_image(sq, data, len);
	if (rc == 0) {
		/* whole blocks, about a batch's worth: a large file is read by
		 * every thread at once instead of holding up the end of the
		 * run on one (jobs of whole blocks bypass the library, so its
		 * walk of the block list from the start does not add up) */
		uint64_t bs = sq->super.block_size;
		sq->chunk = bs >= SQ_BATCH_BYTES ? bs : SQ_BATCH_BYTES / bs * bs;
		rc = walk_root(sq);
	}
	close_image(sq);
	free(sq);
	return rc;
}

const fg_format fg_format_squashfs = {
	.name = "squashfs",
	.kind = FG_FMT_FILESYSTEM,
	.magics = sq_magics,
	.probe = sq_probe,
	.unpack = sq_unpack,
};
