/*
 * ext.c - ext2, ext3 and ext4 images, read from memory with libext2fs.
 *
 * libext2fs does the format work (group descriptors, inode tables,
 * extents, indirect blocks, inline data, htree directories). It reads
 * through an io_manager, and the ones it ships read files, so this file
 * brings its own: an io_manager over the chunk in memory. The library
 * opens a channel by name; the name is a key into a small registry of
 * live buffers ("fgmem:<n>"), so concurrent unpacks of different images
 * never share state and no pointer is ever parsed out of a string.
 *
 * Hostile images: every read the library makes goes through mem_read,
 * which refuses anything outside the chunk. Before the library sees the
 * superblock it is checked here the way the kernel would (block size,
 * group geometry, descriptor table inside the image), since the library
 * allocates the descriptor table from what the superblock claims. The
 * walk is an explicit stack with a depth cap; a directory inode reached
 * twice is not listed again; the number of directory records read is
 * capped by the image size, so an extent tree that maps one block a
 * million times cannot stall the walk; file content is capped by the
 * budget and by the expansion ratio.
 *
 * File content that the image stores in one contiguous run of blocks is
 * not copied: the node points into the chunk. Everything else (holes,
 * fragmented or uninitialised extents, inline data) is read with
 * ext2fs_file_read into a budget-charged buffer.
 */
#include <dlfcn.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <et/com_err.h>
#include <ext2fs/ext2_err.h>
#include <ext2fs/ext2fs.h>

#include "core/cursor.h"
#include "core/u64map.h"
#include "unpack/format.h"

#define EXT_SB_OFFSET 1024
#define EXT_SB_SIZE 1024
#define EXT_MAGIC 0xEF53
#define EXT_MAX_DEPTH 256         /* directory nesting we follow */
#define EXT_LINK_MAX 4096         /* longest symlink target we keep */
#define EXT_READ_CHUNK (1u << 30) /* most bytes per ext2fs_file_read call */

/* superblock fields we check (offsets inside the superblock) */
#define SB_INODES_COUNT 0x00
#define SB_BLOCKS_COUNT 0x04
#define SB_FIRST_DATA_BLOCK 0x14
#define SB_LOG_BLOCK_SIZE 0x18
#define SB_LOG_CLUSTER_SIZE 0x1c
#define SB_BLOCKS_PER_GROUP 0x20
#define SB_CLUSTERS_PER_GROUP 0x24
#define SB_INODES_PER_GROUP 0x28
#define SB_MAGIC 0x38
#define SB_REV_LEVEL 0x4c
#define SB_INODE_SIZE 0x58
#define SB_FEATURE_COMPAT 0x5c
#define SB_FEATURE_INCOMPAT 0x60
#define SB_FEATURE_RO_COMPAT 0x64
#define SB_DESC_SIZE 0xfe
#define SB_BLOCKS_COUNT_HI 0x150

#define F_COMPAT_HAS_JOURNAL 0x0004
#define F_INCOMPAT_EXTENTS 0x0040
#define F_INCOMPAT_64BIT 0x0080
#define F_INCOMPAT_META_BG 0x0010
#define F_INCOMPAT_FLEX_BG 0x0200
#define F_INCOMPAT_INLINE_DATA 0x8000
#define F_RO_COMPAT_HUGE_FILE 0x0008
#define F_RO_COMPAT_BIGALLOC 0x0200
#define F_RO_COMPAT_METADATA_CSUM 0x0400

/* ---- superblock checks ------------------------------------------------- */

typedef struct ext_geom {
	uint64_t block_size;
	uint64_t blocks;        /* s_blocks_count */
	uint64_t bytes;         /* blocks * block_size: the image's length */
	uint32_t compat, incompat, ro_compat;
} ext_geom;

static uint16_t ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

/*
 * The superblock must describe a filesystem the kernel would mount: a
 * block size of 1 KiB..64 KiB, groups that fit a bitmap block, and as many
 * inodes as the groups hold. That is what makes a two-byte magic worth
 * anything, and what keeps libext2fs from sizing its descriptor table
 * from nonsense.
 */
static bool super_sane(const uint8_t *sb, ext_geom *g)
{
	if (ld16(sb + SB_MAGIC) != EXT_MAGIC)
		return false;
	uint32_t log_bs = fg_load_u32le(sb + SB_LOG_BLOCK_SIZE);
	uint32_t log_cs = fg_load_u32le(sb + SB_LOG_CLUSTER_SIZE);
	if (log_bs > 6)
		return false;
	g->block_size = 1024u << log_bs;
	g->compat = fg_load_u32le(sb + SB_FEATURE_COMPAT);
	g->incompat = fg_load_u32le(sb + SB_FEATURE_INCOMPAT);
	g->ro_compat = fg_load_u32le(sb + SB_FEATURE_RO_COMPAT);
	g->blocks = fg_load_u32le(sb + SB_BLOCKS_COUNT);
	if (g->incompat & F_INCOMPAT_64BIT)
		g->blocks |= (uint64_t)fg_load_u32le(sb + SB_BLOCKS_COUNT_HI) << 32;
	uint32_t inodes = fg_load_u32le(sb + SB_INODES_COUNT);
	uint32_t first = fg_load_u32le(sb + SB_FIRST_DATA_BLOCK);
	uint32_t bpg = fg_load_u32le(sb + SB_BLOCKS_PER_GROUP);
	uint32_t ipg = fg_load_u32le(sb + SB_INODES_PER_GROUP);
	uint32_t rev = fg_load_u32le(sb + SB_REV_LEVEL);
	if (rev > 1 || g->blocks == 0 || inodes == 0 || ipg == 0 || bpg == 0)
		return false;
	if (g->blocks > (UINT64_MAX >> 17))
		return false;
	if (first >= g->blocks || first > 1)
		return false;
	/* groups must fit one bitmap block (clusters with bigalloc) */
	uint64_t bits = g->block_size * 8;
	if (g->ro_compat & F_RO_COMPAT_BIGALLOC) {
		if (log_cs < log_bs || log_cs > 29)
			return false;
		if (fg_load_u32le(sb + SB_CLUSTERS_PER_GROUP) > bits)
			return false;
	} else if (bpg > bits) {
		return false;
	}
	if (ipg > bits)
		return false;
	if (rev == 1) {
		uint16_t isz = ld16(sb + SB_INODE_SIZE);
		if (isz < 128 || isz > g->block_size || (isz & (isz - 1)))
			return false;
	}
	uint64_t groups = (g->blocks - first + bpg - 1) / bpg;
	if (groups * ipg != inodes)
		return false;
	g->bytes = g->blocks * g->block_size;
	return true;
}

/* Bytes of group descriptors libext2fs reads (and allocates) at open. */
static uint64_t desc_table_bytes(const uint8_t *sb, const ext_geom *g)
{
	uint32_t first = fg_load_u32le(sb + SB_FIRST_DATA_BLOCK);
	uint32_t bpg = fg_load_u32le(sb + SB_BLOCKS_PER_GROUP);
	uint64_t groups = (g->blocks - first + bpg - 1) / bpg;
	uint64_t dsz = 32;
	if (g->incompat & F_INCOMPAT_64BIT) {
		dsz = ld16(sb + SB_DESC_SIZE);
		if (dsz < 32)
			dsz = 32;
	}
	return groups * dsz;
}

static int ext_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	ext_geom g;
	if (len < EXT_SB_OFFSET + EXT_SB_SIZE || !super_sane(data + EXT_SB_OFFSET, &g))
		return 0;
	/* the descriptor table follows the superblock: it must be present */
	if (desc_table_bytes(data + EXT_SB_OFFSET, &g) > len)
		return 0;
	if (g.bytes <= len) {
		*chunk_len = g.bytes;
		return 90;
	}
	*chunk_len = len; /* truncated: still an ext image, unpack what is there */
	return 60;
}

static const fg_magic ext_magics[] = {
	{ "\x53\xef", 2, EXT_SB_OFFSET + SB_MAGIC },
	FG_MAGIC_END,
};

/* ---- libext2fs housekeeping -------------------------------------------- */

static void quiet_com_err(const char *who, long code, const char *fmt, va_list ap)
{
}

/*
 * libext2fs reports a few problems (bitmap range errors) through
 * com_err(), which prints to stderr. Silence it once. The hook lives in
 * libcom_err, which libext2fs loads but we do not link against directly,
 * so it is looked up at run time.
 */
static void setup_libext2fs(void)
{
	typedef void (*hook_fn)(const char *, long, const char *, va_list);
	typedef hook_fn (*set_hook_fn)(hook_fn);
	set_hook_fn set_hook;
	*(void **)&set_hook = dlsym(RTLD_DEFAULT, "set_com_err_hook");
	if (set_hook)
		set_hook(quiet_com_err);
}

static pthread_once_t ext_once = PTHREAD_ONCE_INIT;

/* The library's message for CODE, without com_err's global table. */
static const char *ext_strerror(errcode_t code)
{
	const struct error_table *et = &et_ext2_error_table;
	if (code >= et->base && code < et->base + et->n_msgs)
		return et->msgs[code - et->base];
	if (code > 0 && code < 4096)
		return strerror((int)code);
	return "unknown error";
}

/* ---- an io_manager over memory ------------------------------------------ */

typedef struct mem_entry {
	unsigned long long key;
	const uint8_t *data;
	size_t len;
	struct mem_entry *next;
} mem_entry;

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static mem_entry *reg_head;
static unsigned long long reg_next_key;

#define MEM_NAME_PREFIX "fgmem:"

static void reg_add(mem_entry *e, char *name, size_t cap)
{
	pthread_mutex_lock(&reg_lock);
	e->key = ++reg_next_key;
	e->next = reg_head;
	reg_head = e;
	pthread_mutex_unlock(&reg_lock);
	snprintf(name, cap, MEM_NAME_PREFIX "%llu", e->key);
}

static void reg_remove(mem_entry *e)
{
	pthread_mutex_lock(&reg_lock);
	for (mem_entry **p = &reg_head; *p; p = &(*p)->next) {
		if (*p == e) {
			*p = e->next;
			break;
		}
	}
	pthread_mutex_unlock(&reg_lock);
}

static bool reg_find(const char *name, const uint8_t **data, size_t *len)
{
	size_t pl = strlen(MEM_NAME_PREFIX);
	if (strncmp(name, MEM_NAME_PREFIX, pl) != 0)
		return false;
	char *end;
	unsigned long long key = strtoull(name + pl, &end, 10);
	if (*end)
		return false;
	bool found = false;
	pthread_mutex_lock(&reg_lock);
	for (mem_entry *e = reg_head; e; e = e->next) {
		if (e->key == key) {
			*data = e->data;
			*len = e->len;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&reg_lock);
	return found;
}

typedef struct mem_chan {
	const uint8_t *data;
	size_t len;
} mem_chan;

static struct struct_io_manager mem_io_manager;

static errcode_t mem_open(const char *name, int flags, io_channel *channel)
{
	if (!name || !channel)
		return EXT2_ET_BAD_DEVICE_NAME;
	if (flags & IO_FLAG_RW)
		return EXT2_ET_RO_FILSYS;
	const uint8_t *data;
	size_t len;
	if (!reg_find(name, &data, &len))
		return EXT2_ET_BAD_DEVICE_NAME;
	io_channel io = calloc(1, sizeof(*io));
	mem_chan *mc = calloc(1, sizeof(*mc));
	char *copy = strdup(name);
	if (!io || !mc || !copy) {
		free(io);
		free(mc);
		free(copy);
		return EXT2_ET_NO_MEMORY;
	}
	mc->data = data;
	mc->len = len;
	io->magic = EXT2_ET_MAGIC_IO_CHANNEL;
	io->manager = &mem_io_manager;
	io->name = copy;
	io->block_size = 1024;
	io->refcount = 1;
	io->private_data = mc;
	*channel = io;
	return 0;
}

static errcode_t mem_close(io_channel io)
{
	if (--io->refcount > 0)
		return 0;
	free(io->private_data);
	free(io->name);
	free(io);
	return 0;
}

static errcode_t mem_set_blksize(io_channel io, int blksize)
{
	if (blksize <= 0 || blksize > (1 << 20))
		return EXT2_ET_INVALID_ARGUMENT;
	io->block_size = blksize;
	return 0;
}

/* Reads COUNT blocks (or -COUNT bytes) at BLOCK. What lies past the end
 * of the image reads as zeros and fails the call. */
static errcode_t mem_read64(io_channel io, unsigned long long block, int count, void *buf)
{
	const mem_chan *mc = io->private_data;
	uint64_t bs = (uint64_t)io->block_size;
	uint64_t size = count < 0 ? (uint64_t)(-(int64_t)count) : (uint64_t)count * bs;
	if (bs && block > UINT64_MAX / bs)
		return EXT2_ET_LLSEEK_FAILED;
	uint64_t off = block * bs;
	if (off >= mc->len) {
		memset(buf, 0, size);
		return EXT2_ET_SHORT_READ;
	}
	uint64_t have = mc->len - off < size ? mc->len - off : size;
	memcpy(buf, mc->data + off, have);
	if (have < size) {
		memset((uint8_t *)buf + have, 0, size - have);
		return EXT2_ET_SHORT_READ;
	}
	return 0;
}

static errcode_t mem_read(io_channel io, unsigned long block, int count, void *buf)
{
	return mem_read64(io, block, count, buf);
}

/* The image is read-only: every change is refused. */
static errcode_t mem_write(io_channel io, unsigned long block, int count, const void *buf)
{
	return EXT2_ET_RO_FILSYS;
}

static errcode_t mem_write64(io_channel io, unsigned long long block, int count, const void *buf)
{
	return EXT2_ET_RO_FILSYS;
}

static errcode_t mem_write_byte(io_channel io, unsigned long offset, int count, const void *buf)
{
	return EXT2_ET_RO_FILSYS;
}

static errcode_t mem_flush(io_channel io)
{
	return 0;
}

static errcode_t mem_set_option(io_channel io, const char *option, const char *arg)
{
	return EXT2_ET_INVALID_ARGUMENT;
}

static struct struct_io_manager mem_io_manager = {
	.magic = EXT2_ET_MAGIC_IO_MANAGER,
	.name = "firmgate memory I/O manager",
	.open = mem_open,
	.close = mem_close,
	.set_blksize = mem_set_blksize,
	.read_blk = mem_read,
	.write_blk = mem_write,
	.flush = mem_flush,
	.write_byte = mem_write_byte,
	.set_option = mem_set_option,
	.read_blk64 = mem_read64,
	.write_blk64 = mem_write64,
};

/* ---- the walk's state ---------------------------------------------------- */

typedef struct ext_dir {
	ext2_ino_t ino;
	fg_node *node;
	unsigned depth;
} ext_dir;

typedef struct ext_image {
	fg_unpack_ctx *ctx;
	fg_node *root;
	fg_budget *budget;
	ext2_filsys fs;
	const uint8_t *data;
	size_t len;                 /* bytes of image present */
	ext_geom geom;

	FG_VEC(ext_dir) stack;      /* directories still to list */
	ext_dir cur;                /* the directory being listed */
	fg_u64map dirs;             /* directory inodes already queued */
	fg_u64map files;            /* regular-file inode -> first node */

	uint64_t records_left;      /* directory records we still read */
	uint64_t expand_cap;        /* bytes file content may expand to */
	uint64_t expanded;
	uint64_t bad_names, bad_inodes, dup_names, dir_loops, too_deep;
	bool stop;
} ext_image;

/* ---- node metadata ------------------------------------------------------- */

/* The node type of an inode's mode; false for a mode of no known type. */
static bool node_type(uint16_t mode, fg_node_type *type)
{
	switch (mode & LINUX_S_IFMT) {
	case LINUX_S_IFREG: *type = FG_NODE_FILE; return true;
	case LINUX_S_IFDIR: *type = FG_NODE_DIR; return true;
	case LINUX_S_IFLNK: *type = FG_NODE_SYMLINK; return true;
	case LINUX_S_IFCHR: *type = FG_NODE_CHR; return true;
	case LINUX_S_IFBLK: *type = FG_NODE_BLK; return true;
	case LINUX_S_IFIFO: *type = FG_NODE_FIFO; return true;
	case LINUX_S_IFSOCK: *type = FG_NODE_SOCK; return true;
	}
	return false;
}

static bool has_extra_field(const ext_image *ex, const struct ext2_inode_large *in, size_t end)
{
	if (EXT2_INODE_SIZE(ex->fs->super) <= EXT2_GOOD_OLD_INODE_SIZE)
		return false;
	return (size_t)EXT2_GOOD_OLD_INODE_SIZE + in->i_extra_isize >= end;
}

/* The kernel's decoding: a signed 32-bit seconds field, extended by the
 * two epoch bits of i_mtime_extra when the inode is large enough. */
static int64_t inode_mtime(const ext_image *ex, const struct ext2_inode_large *in)
{
	int64_t t = (int32_t)in->i_mtime;
	if (has_extra_field(ex, in, offsetof(struct ext2_inode_large, i_mtime_extra) + 4))
		t += (int64_t)(in->i_mtime_extra & EXT4_EPOCH_MASK) << 32;
	return t;
}

static void set_meta(const ext_image *ex, fg_node *n, const struct ext2_inode_large *in)
{
	n->mode = in->i_mode & 07777;
	n->uid = inode_uid(*in);
	n->gid = inode_gid(*in);
	n->mtime = inode_mtime(ex, in);
}

static void set_device(fg_node *n, const struct ext2_inode_large *in)
{
	uint32_t old = in->i_block[0], dev = in->i_block[1];
	if (old) {
		/* old_encode_dev(): 8-bit major and minor */
		n->dev_major = (old >> 8) & 0xff;
		n->dev_minor = old & 0xff;
	} else {
		/* new_encode_dev(): 12-bit major, 20-bit split minor */
		n->dev_major = (dev >> 8) & 0xfff;
		n->dev_minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
	}
}

/* ---- file content ------------------------------------------------------- */

/*
 * Offset in the image of a file's content when its NBLOCKS first blocks
 * are one initialised run of blocks, or UINT64_MAX. ext2fs_bmap2 maps
 * extents and indirect blocks alike, and flags uninitialised extents
 * (which read as zeros).
 */
static uint64_t contiguous_offset(ext_image *ex, ext2_ino_t ino, struct ext2_inode_large *in,
				  uint64_t size)
{
	if (in->i_flags & EXT4_INLINE_DATA_FL)
		return UINT64_MAX;
	uint64_t bs = ex->fs->blocksize;
	uint64_t nblocks = (size + bs - 1) / bs;
	blk64_t first = 0;
	for (uint64_t l = 0; l < nblocks; l++) {
		blk64_t phys = 0;
		int ret_flags = 0;
		errcode_t err = ext2fs_bmap2(ex->fs, ino, (struct ext2_inode *)in, NULL, 0, l,
					     &ret_flags, &phys);
		if (err || phys == 0 || (ret_flags & BMAP_RET_UNINIT))
			return UINT64_MAX;
		if (l == 0)
			first = phys;
		else if (phys != first + l)
			return UINT64_MAX;
	}
	if (first > UINT64_MAX / bs)
		return UINT64_MAX;
	uint64_t off = first * bs;
	if (off > ex->len || size > ex->len - off)
		return UINT64_MAX;
	return off;
}

/* Reads up to WANT bytes of inode INO from its start into BUF; returns
 * how many came, and the error that stopped it in *ERR. */
static uint64_t read_content(ext_image *ex, ext2_ino_t ino, struct ext2_inode_large *in,
			     uint8_t *buf, uint64_t want, errcode_t *err)
{
	ext2_file_t f;
	*err = ext2fs_file_open2(ex->fs, ino, (struct ext2_inode *)in, 0, &f);
	if (*err)
		return 0;
	uint64_t got = 0;
	while (got < want) {
		unsigned int chunk = want - got < EXT_READ_CHUNK ? (unsigned int)(want - got) : EXT_READ_CHUNK;
		unsigned int n = 0;
		*err = ext2fs_file_read(f, buf + got, chunk, &n);
		got += n;
		if (*err)
			break;
		if (n == 0) {
			*err = EXT2_ET_SHORT_READ;
			break;
		}
	}
	ext2fs_file_close(f);
	return got;
}

static void add_content(ext_image *ex, fg_node *n, ext2_ino_t ino, struct ext2_inode_large *in)
{
	const fg_limits *lim = &ex->budget->limits;
	uint64_t size = EXT2_I_SIZE(in);
	n->size = size;
	if (size == 0)
		return;
	if (size > lim->max_file_size) {
		fg_unpack_truncated(ex->ctx, n, "file of %" PRIu64 " bytes is over the per-file limit (%" PRIu64 ")",
				    size, (uint64_t)lim->max_file_size);
		return;
	}
	uint64_t off = contiguous_offset(ex, ino, in, size);
	if (off != UINT64_MAX) {
		n->data = ex->data + off;
		n->data_len = (size_t)size;
		return;
	}
	if (ex->expand_cap && size > ex->expand_cap - ex->expanded) {
		fg_unpack_truncated(ex->ctx, n, "image expansion limit (%" PRIu64 " bytes, ratio %" PRIu64 ") reached",
				    ex->expand_cap, (uint64_t)lim->max_ratio);
		return;
	}
	uint8_t *buf = fg_unpack_alloc(ex->ctx, (size_t)size);
	if (!buf) {
		fg_unpack_truncated(ex->ctx, n, "content of %" PRIu64 " bytes not extracted: byte budget spent",
				    size);
		return;
	}
	ex->expanded += size;
	errcode_t err = 0;
	uint64_t got = read_content(ex, ino, in, buf, size, &err);
	n->data = buf;
	n->data_len = (size_t)got;
	if (got < size)
		fg_unpack_truncated(ex->ctx, n, "content cut at %" PRIu64 " of %" PRIu64 " bytes: %s",
				    got, size, ext_strerror(err));
}

/* Hard links share the first name's content, read once. */
static void add_file(ext_image *ex, fg_node *n, ext2_ino_t ino, struct ext2_inode_large *in)
{
	const fg_node *first = fg_u64map_get(&ex->files, ino);
	if (first) {
		n->size = first->size;
		n->data = first->data;
		n->data_len = first->data_len;
		if (first->flags & FG_NODE_TRUNCATED)
			fg_unpack_truncated(ex->ctx, n, "shares the truncated content of inode %u", ino);
		return;
	}
	add_content(ex, n, ino, in);
	if (!fg_u64map_put(&ex->files, ino, n))
		fg_unpack_truncated(ex->ctx, n, "out of memory tracking hard links");
}

static void add_symlink(ext_image *ex, fg_node *n, ext2_ino_t ino, struct ext2_inode_large *in)
{
	uint64_t size = EXT2_I_SIZE(in);
	char target[EXT_LINK_MAX + 1];
	size_t want = size < EXT_LINK_MAX ? (size_t)size : EXT_LINK_MAX;
	size_t got = 0;
	errcode_t err = 0;
	/* the kernel's test: a short target and no blocks (an extended
	 * attribute block aside) means the target is in the block map */
	bool fast = !(in->i_flags & EXT4_INLINE_DATA_FL) && size < sizeof(in->i_block) &&
		    ext2fs_inode_data_blocks2(ex->fs, (struct ext2_inode *)in) == 0;
	if (fast) {
		/* up to 59 bytes stored in the block map itself */
		memcpy(target, in->i_block, want);
		got = want;
	} else {
		got = (size_t)read_content(ex, ino, in, (uint8_t *)target, want, &err);
	}
	target[got] = '\0';
	size_t tl = strlen(target);
	n->size = size;
	fg_tree *t = fg_unpack_tree(ex->ctx);
	pthread_mutex_lock(&t->lock);
	n->link_target = fg_arena_strndup(&t->arena, target, tl);
	pthread_mutex_unlock(&t->lock);
	if (!n->link_target)
		fg_unpack_truncated(ex->ctx, n, "out of memory for the symlink target");
	else if (got < want)
		fg_unpack_truncated(ex->ctx, n, "symlink target unreadable: %s", ext_strerror(err));
	else if (tl < size)
		fg_unpack_truncated(ex->ctx, n, "symlink target of %" PRIu64 " bytes cut to %zu", size, tl);
}

/* ---- the walk -------------------------------------------------------------- */

static void queue_dir(ext_image *ex, fg_node *n, ext2_ino_t ino)
{
	if (ex->cur.depth + 1 >= EXT_MAX_DEPTH) {
		ex->too_deep++;
		return;
	}
	if (fg_u64map_get(&ex->dirs, ino)) {
		ex->dir_loops++; /* a directory reached twice is listed once */
		return;
	}
	ext_dir d = { ino, n, ex->cur.depth + 1 };
	if (!fg_u64map_put(&ex->dirs, ino, n) || !FG_VEC_PUSH(&ex->stack, d)) {
		fg_unpack_truncated(ex->ctx, ex->root, "out of memory queueing directories");
		ex->stop = true;
	}
}

static bool is_dot(const char *name, size_t nl)
{
	return (nl == 1 && name[0] == '.') || (nl == 2 && name[0] == '.' && name[1] == '.');
}

static bool budget_spent(const ext_image *ex)
{
	return atomic_load(&ex->budget->files) >= ex->budget->limits.max_files;
}

static void add_entry(ext_image *ex, ext2_ino_t ino, const char *name, size_t nl)
{
	struct ext2_inode_large in;
	memset(&in, 0, sizeof(in));
	if (ext2fs_read_inode_full(ex->fs, ino, (struct ext2_inode *)&in, sizeof(in)) != 0) {
		ex->bad_inodes++;
		return;
	}
	fg_node_type type;
	if (!node_type(in.i_mode, &type)) {
		ex->bad_inodes++;
		return;
	}
	fg_node *parent = ex->cur.node;
	if (fg_node_find_child(parent, name, nl)) {
		ex->dup_names++;
		return;
	}
	char nbuf[EXT2_NAME_LEN + 1];
	memcpy(nbuf, name, nl);
	nbuf[nl] = '\0';
	if (budget_spent(ex)) {
		fg_unpack_truncated(ex->ctx, ex->root, "file-count limit (%" PRIu64 ") reached",
				    (uint64_t)ex->budget->limits.max_files);
		ex->stop = true;
		return;
	}
	/* below the parent directory directly: no path to rebuild */
	fg_node *n = fg_unpack_add(ex->ctx, parent, nbuf, type);
	if (!n) {
		if (budget_spent(ex))
			ex->stop = true;
		return;
	}
	set_meta(ex, n, &in);
	switch (type) {
	case FG_NODE_FILE:
		add_file(ex, n, ino, &in);
		break;
	case FG_NODE_DIR:
		queue_dir(ex, n, ino);
		break;
	case FG_NODE_SYMLINK:
		add_symlink(ex, n, ino, &in);
		break;
	case FG_NODE_CHR:
	case FG_NODE_BLK:
		set_device(n, &in);
		break;
	default:
		break;
	}
}

static bool bad_name(const char *name, size_t nl)
{
	return nl == 0 || memchr(name, '/', nl) || memchr(name, '\0', nl);
}

static int on_record(ext2_ino_t dir, int entry, struct ext2_dir_entry *de, int offset,
		     int blocksize, char *buf, void *priv)
{
	ext_image *ex = priv;
	/* every directory block yields at least one record (empty ones are
	 * included for that reason), so this bounds the blocks read too */
	if (ex->records_left == 0) {
		ex->stop = true;
		fg_unpack_truncated(ex->ctx, ex->root, "directory record limit reached: listings map the same blocks over and over");
		return DIRENT_ABORT;
	}
	ex->records_left--;
	if (de->inode == 0 || entry == DIRENT_DOT_FILE || entry == DIRENT_DOT_DOT_FILE ||
	    entry == DIRENT_CHECKSUM)
		return 0;
	/* libext2fs has checked the record fits its block */
	size_t nl = (size_t)ext2fs_dirent_name_len(de);
	if (is_dot(de->name, nl))
		return 0; /* inline-data directories list them as ordinary entries */
	if (bad_name(de->name, nl)) {
		ex->bad_names++;
		return 0;
	}
	add_entry(ex, de->inode, de->name, nl);
	return ex->stop ? DIRENT_ABORT : 0;
}

static void list_dir(ext_image *ex)
{
	errcode_t err = ext2fs_dir_iterate2(ex->fs, ex->cur.ino, DIRENT_FLAG_INCLUDE_EMPTY, NULL,
					    on_record, ex);
	if (err && !ex->stop)
		fg_unpack_truncated(ex->ctx, ex->cur.node, "directory listing incomplete: %s",
				    ext_strerror(err));
}

static void walk(ext_image *ex)
{
	while (ex->stack.n && !ex->stop) {
		ex->cur = ex->stack.v[--ex->stack.n];
		list_dir(ex);
	}
}

static void report_rejects(ext_image *ex)
{
	if (ex->bad_names)
		fg_unpack_truncated(ex->ctx, ex->root, "%" PRIu64 " directory entries with unusable names skipped",
				    ex->bad_names);
	if (ex->bad_inodes)
		fg_unpack_truncated(ex->ctx, ex->root, "%" PRIu64 " entries name unreadable or invalid inodes",
				    ex->bad_inodes);
	if (ex->dup_names)
		fg_unpack_truncated(ex->ctx, ex->root, "%" PRIu64 " duplicate names skipped", ex->dup_names);
	if (ex->dir_loops)
		fg_unpack_truncated(ex->ctx, ex->root, "%" PRIu64 " directories reached twice were not listed again",
				    ex->dir_loops);
	if (ex->too_deep)
		fg_unpack_truncated(ex->ctx, ex->root, "%" PRIu64 " directories deeper than %u levels not listed",
				    ex->too_deep, EXT_MAX_DEPTH);
}

/* ---- open and unpack ------------------------------------------------------- */

static const char *flavour(const ext_geom *g)
{
	if ((g->incompat & (F_INCOMPAT_EXTENTS | F_INCOMPAT_FLEX_BG | F_INCOMPAT_64BIT |
			    F_INCOMPAT_INLINE_DATA)) ||
	    (g->ro_compat & (F_RO_COMPAT_HUGE_FILE | F_RO_COMPAT_METADATA_CSUM)))
		return "ext4";
	if (g->compat & F_COMPAT_HAS_JOURNAL)
		return "ext3";
	return "ext2";
}

/* Most bytes the content may expand to: the ratio limit, with the same
 * 1 MiB floor stream decompressors get. 0 means unlimited. */
static uint64_t expansion_cap(const fg_limits *lim, size_t len)
{
	if (!lim->max_ratio || len > UINT64_MAX / lim->max_ratio)
		return 0;
	uint64_t cap = (uint64_t)len * lim->max_ratio;
	return cap < (1u << 20) ? (1u << 20) : cap;
}

static errcode_t open_fs(ext_image *ex)
{
	mem_entry e = { .data = ex->data, .len = ex->len };
	char name[64];
	reg_add(&e, name, sizeof(name));
	int flags = EXT2_FLAG_64BITS | EXT2_FLAG_IGNORE_CSUM_ERRORS | EXT2_FLAG_SKIP_MMP;
	errcode_t err = ext2fs_open2(name, NULL, flags, 0, 0, &mem_io_manager, &ex->fs);
	if (err == EXT2_ET_UNSUPP_FEATURE) {
		/* a feature newer than this library: read what it can */
		err = ext2fs_open2(name, NULL, flags | EXT2_FLAG_FORCE, 0, 0, &mem_io_manager, &ex->fs);
		if (!err)
			fg_unpack_truncated(ex->ctx, ex->root, "filesystem uses features this reader does not know");
	}
	reg_remove(&e); /* the channel keeps its own copy of the slice */
	if (err)
		ex->fs = NULL;
	return err;
}

static int walk_root(ext_image *ex)
{
	struct ext2_inode_large in;
	memset(&in, 0, sizeof(in));
	errcode_t err = ext2fs_read_inode_full(ex->fs, EXT2_ROOT_INO, (struct ext2_inode *)&in, sizeof(in));
	if (err) {
		fg_unpack_fail(ex->ctx, "root inode unreadable: %s", ext_strerror(err));
		return -1;
	}
	if (!LINUX_S_ISDIR(in.i_mode)) {
		fg_unpack_fail(ex->ctx, "root inode is not a directory");
		return -1;
	}
	set_meta(ex, ex->root, &in);
	ex->cur = (ext_dir){ EXT2_ROOT_INO, ex->root, 0 };
	if (!fg_u64map_put(&ex->dirs, EXT2_ROOT_INO, ex->root)) {
		fg_unpack_fail(ex->ctx, "out of memory");
		return -1;
	}
	list_dir(ex);
	walk(ex);
	report_rejects(ex);
	return 0;
}

static int ext_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	pthread_once(&ext_once, setup_libext2fs);
	ext_image ex = { .ctx = ctx, .root = root, .budget = fg_unpack_budget(ctx),
			 .data = data, .len = len };
	if (len < EXT_SB_OFFSET + EXT_SB_SIZE || !super_sane(data + EXT_SB_OFFSET, &ex.geom) ||
	    desc_table_bytes(data + EXT_SB_OFFSET, &ex.geom) > len) {
		fg_unpack_fail(ctx, "bad or implausible ext superblock");
		return -1;
	}
	root->format_info = flavour(&ex.geom);
	root->src_length = ex.geom.bytes < len ? ex.geom.bytes : len;
	if (ex.geom.bytes < len)
		ex.len = (size_t)ex.geom.bytes; /* the filesystem ends there */
	else if (ex.geom.bytes > len)
		fg_unpack_truncated(ctx, root, "image truncated: %zu of %" PRIu64 " bytes present",
				    len, ex.geom.bytes);
	ex.expand_cap = expansion_cap(&ex.budget->limits, ex.len);
	/* a directory record takes at least 8 bytes of a listing */
	ex.records_left = ex.len / 8 + 65536;

	errcode_t err = open_fs(&ex);
	if (err) {
		fg_unpack_fail(ctx, "cannot open the filesystem: %s", ext_strerror(err));
		return -1;
	}
	if (ext2fs_has_feature_journal_needs_recovery(ex.fs->super))
		fg_unpack_truncated(ctx, root, "journal not replayed: recent changes may be missing");
	int rc = walk_root(&ex);
	ext2fs_free(ex.fs); /* read-only: nothing to write back */
	FG_VEC_FREE(&ex.stack);
	fg_u64map_free(&ex.dirs);
	fg_u64map_free(&ex.files);
	return rc;
}

const fg_format fg_format_ext = {
	.name = "ext",
	.kind = FG_FMT_FILESYSTEM,
	.magics = ext_magics,
	.probe = ext_probe,
	.unpack = ext_unpack,
};
