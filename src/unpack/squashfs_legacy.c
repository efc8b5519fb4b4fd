/*
 * squashfs_legacy.c - the squashfs images libsquashfs cannot read:
 * versions 2.x and 3.x in either byte order (zlib, or the vendor LZMA
 * flavours router SDKs patched in), and 4.0 big-endian (AVM and others),
 * with a reader of our own. Little-endian 4.0 with the standard magic
 * belongs to squashfs.c; this probe never claims it.
 *
 * Layout facts (squashfs_fs.h of each version):
 *   - superblock: v2 63 bytes, v3 119 (v2's fields plus 64-bit table
 *     starts), v4 96. Magic "hsqs" little-endian, "sqsh" big-endian;
 *     vendor LZMA builds use "shsq"/"qshs" or "hsqt"/"tqsh".
 *   - v2/v3 inodes, directory headers and entries are packed bitfields.
 *     The compiler that wrote the image allocated them from the least
 *     significant bit on little-endian machines and from the most
 *     significant on big-endian ones; the kernel's SQUASHFS_SWAP macros
 *     name every field by the same bit position in both, which is what
 *     sql_bits() reads. v4 has only whole integers.
 *   - v2 inodes have no inode number or link count; symlinks, devices,
 *     FIFOs and sockets carry no time (the superblock's is used, as the
 *     kernel does). uid/gid are indexes into raw u32 arrays (v2/v3; a gid
 *     index of 255 means "same as uid") or into the id table (v4).
 *   - metadata blocks hold 8 KiB with a 2-byte header (bit 15: stored),
 *     plus a marker byte in v2/v3 images made with -check_data.
 *   - a directory's listing is headers (v2: count, inode block; v3: and a
 *     base inode number; v4: the same, 32-bit) each followed by count+1
 *     entries naming an inode by block and offset. v3/v4 sizes count 3
 *     bytes for "." and "..", v2's do not.
 *
 * Hard links: entries naming an inode already seen, and files whose
 * content is stored where an earlier one's is, become FILE nodes sharing
 * the first one's content. Loops: a listing is walked once, and nesting
 * stops at SQL_MAX_DEPTH.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "core/pathbuf.h"
#include "core/u64map.h"
#include "unpack/squashfs_legacy.h"

#define SQL_MAX_DEPTH 256
#define SQL_NAME_MAX 256
#define SQL_LINK_MAX 4096
#define SQL_MAX_REJECTS 10000
#define SQL_GID_IS_UID 255       /* v2/v3 gid index meaning "the uid" */
#define SQL_BAD_ID UINT32_MAX

/* inode types; v4 adds 10..14 (extended symlink, devices, IPC) */
enum {
	T_DIR = 1, T_FILE, T_SYMLINK, T_BLK, T_CHR, T_FIFO, T_SOCK, T_LDIR, T_LREG,
	T_LSYMLINK, T_LBLK, T_LCHR, T_LFIFO, T_LSOCK,
};

typedef struct sql_inode {
	unsigned type;
	fg_node_type kind;
	uint32_t mode, uid, gid;
	int64_t mtime;
	uint64_t dir_block;      /* listing: block in the directory table */
	uint32_t dir_off;
	uint64_t dir_len;        /* listing bytes */
	sql_file file;
	uint64_t link_len;
	sql_mpos link_at;        /* symlink target */
	uint32_t major, minor;
} sql_inode;

/* A directory waiting to be listed. */
typedef struct sql_frame {
	fg_node *node;
	char *path;
	size_t path_len;
	uint64_t dir_block;
	uint32_t dir_off;
	uint64_t dir_len;
	unsigned depth;
} sql_frame;

/* Content already read, found again by where it is stored. */
typedef struct sql_content {
	fg_node *node;
	sql_file file;
} sql_content;

typedef struct sql_walk {
	sql_image im;
	uint32_t uids[256], guids[256];   /* v2/v3 */
	uint32_t *ids;                    /* v4 */
	uint32_t nuids, nguids, nids;
	fg_u64map files;                  /* inode ref -> first node */
	fg_u64map places;                 /* content location hash -> contents index + 1 */
	FG_VEC(sql_content) contents;
	fg_u64map listings;               /* listings walked */
	FG_VEC(sql_frame) stack;
	char *path;
	size_t path_cap;
	uint64_t rejects, bad_owners;
	char link[SQL_LINK_MAX + 1];
} sql_walk;

/* ---- superblock --------------------------------------------------------- */

static uint64_t fld(const uint8_t *d, unsigned byte, unsigned nbytes, bool be)
{
	return sql_bits(d, byte * 8, nbytes * 8, be);
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* Byte order from the magic; alternate magics decide by the version. */
static int magic_order(const uint8_t *d)
{
	if (!memcmp(d, "hsqs", 4))
		return 0;
	if (!memcmp(d, "sqsh", 4))
		return 1;
	if (memcmp(d, "shsq", 4) && memcmp(d, "qshs", 4) &&
	    memcmp(d, "hsqt", 4) && memcmp(d, "tqsh", 4))
		return -1;
	unsigned le = d[28] | d[29] << 8, be = d[28] << 8 | d[29];
	if (be >= 2 && be <= 4)
		return 1;
	return le >= 2 && le <= 4 ? 0 : -1;
}

static void read_v23(const uint8_t *d, sql_super *sb)
{
	bool be = sb->be;
	sb->inodes = (uint32_t)fld(d, 4, 4, be);
	sb->block_log = (uint32_t)fld(d, 34, 2, be);
	sb->flags = d[36];
	sb->no_uids = d[37];
	sb->no_guids = d[38];
	sb->mkfs_time = (uint32_t)fld(d, 39, 4, be);
	sb->root_ref = fld(d, 43, 8, be);
	sb->block_size = (uint32_t)fld(d, 51, 4, be);
	sb->fragments = (uint32_t)fld(d, 55, 4, be);
	sb->meta_hdr = (sb->flags & 4) ? 3 : 2;
	if (sb->major == 2) {
		sb->bytes_used = fld(d, 8, 4, be);
		sb->uid_start = fld(d, 12, 4, be);
		sb->guid_start = fld(d, 16, 4, be);
		sb->inode_table = fld(d, 20, 4, be);
		sb->dir_table = fld(d, 24, 4, be);
		sb->frag_table = fld(d, 59, 4, be);
		return;
	}
	sb->bytes_used = fld(d, 63, 8, be);
	sb->uid_start = fld(d, 71, 8, be);
	sb->guid_start = fld(d, 79, 8, be);
	sb->inode_table = fld(d, 87, 8, be);
	sb->dir_table = fld(d, 95, 8, be);
	sb->frag_table = fld(d, 103, 8, be);
}

static void read_v4(const uint8_t *d, sql_super *sb)
{
	bool be = sb->be;
	sb->inodes = (uint32_t)fld(d, 4, 4, be);
	sb->mkfs_time = (uint32_t)fld(d, 8, 4, be);
	sb->block_size = (uint32_t)fld(d, 12, 4, be);
	sb->fragments = (uint32_t)fld(d, 16, 4, be);
	sb->comp = (unsigned)fld(d, 20, 2, be);
	sb->block_log = (uint32_t)fld(d, 22, 2, be);
	sb->flags = (uint32_t)fld(d, 24, 2, be);
	sb->no_ids = (uint32_t)fld(d, 26, 2, be);
	sb->root_ref = fld(d, 32, 8, be);
	sb->bytes_used = fld(d, 40, 8, be);
	sb->id_table = fld(d, 48, 8, be);
	sb->inode_table = fld(d, 64, 8, be);
	sb->dir_table = fld(d, 72, 8, be);
	sb->frag_table = fld(d, 80, 8, be);
	sb->meta_hdr = 2;
}

/* Magic, version and block size: what makes it one of ours at all. */
static bool parse_super(const uint8_t *d, size_t len, sql_super *sb)
{
	memset(sb, 0, sizeof(*sb));
	if (len < 96)
		return false;
	int order = magic_order(d);
	if (order < 0)
		return false;
	sb->be = order == 1;
	sb->major = (unsigned)fld(d, 28, 2, sb->be);
	sb->minor = (unsigned)fld(d, 30, 2, sb->be);
	if (sb->major < 2 || sb->major > 4)
		return false;
	/* little-endian 4.0 with the standard magic is squashfs.c's */
	if (sb->major == 4 && !sb->be && !memcmp(d, "hsqs", 4))
		return false;
	if (sb->major == 3 && len < 119)
		return false;
	if (sb->major == 4)
		read_v4(d, sb);
	else
		read_v23(d, sb);
	uint32_t max_log = sb->major == 2 ? 16 : 20;
	return sb->block_log >= 12 && sb->block_log <= max_log &&
	       is_pow2(sb->block_size) && sb->block_size == 1u << sb->block_log;
}

/* Tables in order and inside the filesystem. */
static bool layout_sane(const sql_super *sb)
{
	if (sb->major == 4 && (sb->comp < SQL_COMP_GZIP || sb->comp > SQL_COMP_ZSTD))
		return false;
	if (sb->inode_table < 63 || sb->inode_table >= sb->dir_table ||
	    sb->dir_table >= sb->bytes_used)
		return false;
	if ((sb->root_ref >> 16) >= sb->dir_table - sb->inode_table ||
	    (sb->root_ref & 0xffff) >= SQL_META_SIZE)
		return false;
	if (sb->fragments && sb->frag_table >= sb->bytes_used)
		return false;
	if (sb->major == 4)
		return sb->no_ids && sb->id_table < sb->bytes_used;
	return sb->uid_start + 4ull * sb->no_uids <= sb->bytes_used &&
	       sb->guid_start + 4ull * sb->no_guids <= sb->bytes_used;
}

/*
 * A 4-byte magic is weak, so the superblock must agree with itself. At
 * the start of a file a damaged superblock is still claimed (low score)
 * so unpacking can say what is wrong; carving needs a sane one.
 */
static int sql_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	sql_super sb;
	if (!parse_super(data, len, &sb))
		return 0;
	if (!layout_sane(&sb))
		return 30;
	*chunk_len = sb.bytes_used <= len ? sb.bytes_used : len;
	return sb.bytes_used <= len ? 90 : 60;
}

static const fg_magic sql_magics[] = {
	{ "hsqs", 4, 0 }, { "sqsh", 4, 0 },
	{ "shsq", 4, 0 }, { "qshs", 4, 0 },
	{ "hsqt", 4, 0 }, { "tqsh", 4, 0 },
	FG_MAGIC_END,
};

/* ---- owners ------------------------------------------------------------- */

static bool load_raw_ids(sql_walk *w, uint64_t at, uint32_t n, uint32_t *out)
{
	sql_image *im = &w->im;
	if (at > im->len || 4ull * n > im->len - at)
		return false;
	for (uint32_t i = 0; i < n; i++)
		out[i] = (uint32_t)fld(im->data + at, 4 * i, 4, im->sb.be);
	return true;
}

static bool load_id_table(sql_walk *w)
{
	sql_image *im = &w->im;
	uint32_t n = im->sb.no_ids;
	w->ids = calloc(n, sizeof(*w->ids));
	if (!w->ids)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t slot = im->sb.id_table + 8ull * (4ull * i / SQL_META_SIZE);
		if (slot > im->len || im->len - slot < 8)
			return false;
		sql_mpos pos = { fld(im->data + slot, 0, 8, im->sb.be),
				 (uint32_t)(4ull * i % SQL_META_SIZE), im->len };
		uint8_t b[4];
		if (!sql_meta_read(im, &pos, b, 4))
			return false;
		w->ids[i] = (uint32_t)fld(b, 0, 4, im->sb.be);
		w->nids = i + 1;
	}
	return true;
}

static void load_owners(sql_walk *w)
{
	sql_image *im = &w->im;
	const sql_super *sb = &im->sb;
	bool ok;
	if (sb->major == 4) {
		ok = load_id_table(w);
	} else {
		ok = load_raw_ids(w, sb->uid_start, sb->no_uids, w->uids);
		if (ok)
			w->nuids = sb->no_uids;
		if (ok && load_raw_ids(w, sb->guid_start, sb->no_guids, w->guids))
			w->nguids = sb->no_guids;
		else
			ok = false;
	}
	if (!ok)
		fg_unpack_truncated(im->ctx, im->root, "owner table unreadable");
}

static uint32_t owner(sql_walk *w, const uint32_t *table, uint32_t n, uint32_t idx)
{
	if (idx < n)
		return table[idx];
	w->bad_owners++;
	return SQL_BAD_ID;
}

/* ---- inodes ------------------------------------------------------------- */

static fg_node_type kind_of(unsigned type)
{
	switch (type) {
	case T_DIR: case T_LDIR: return FG_NODE_DIR;
	case T_SYMLINK: case T_LSYMLINK: return FG_NODE_SYMLINK;
	case T_BLK: case T_LBLK: return FG_NODE_BLK;
	case T_CHR: case T_LCHR: return FG_NODE_CHR;
	case T_FIFO: case T_LFIFO: return FG_NODE_FIFO;
	case T_SOCK: case T_LSOCK: return FG_NODE_SOCK;
	}
	return FG_NODE_FILE;
}

/* Bytes of an inode before its variable part; 0 for an unknown type. */
static size_t inode_size(unsigned major, unsigned type)
{
	static const uint8_t v2[] = { 0, 15, 24, 6, 6, 6, 4, 4, 18 };
	static const uint8_t v3[] = { 0, 28, 32, 18, 18, 18, 16, 16, 31, 40 };
	static const uint8_t v4[] = { 0, 32, 32, 24, 24, 24, 20, 20, 40, 56, 24, 28, 28, 24, 24 };
	if (major == 2)
		return type < sizeof(v2) ? v2[type] : 0;
	if (major == 3)
		return type < sizeof(v3) ? v3[type] : 0;
	return type < sizeof(v4) ? v4[type] : 0;
}

static void set_rdev16(sql_inode *ino, uint32_t rdev)
{
	/* the kernel's old_decode_dev() */
	ino->major = (rdev >> 8) & 0xff;
	ino->minor = rdev & 0xff;
}

static void decode_v2(const uint8_t *b, bool be, sql_inode *ino)
{
	switch (ino->type) {
	case T_DIR:
		ino->dir_len = sql_bits(b, 32, 19, be);
		ino->dir_off = (uint32_t)sql_bits(b, 51, 13, be);
		ino->mtime = (uint32_t)sql_bits(b, 64, 32, be);
		ino->dir_block = sql_bits(b, 96, 24, be);
		break;
	case T_LDIR:
		ino->dir_len = sql_bits(b, 32, 27, be);
		ino->dir_off = (uint32_t)sql_bits(b, 59, 13, be);
		ino->mtime = (uint32_t)sql_bits(b, 72, 32, be);
		ino->dir_block = sql_bits(b, 104, 24, be);
		break;
	case T_FILE:
		ino->mtime = (uint32_t)sql_bits(b, 32, 32, be);
		ino->file.start = sql_bits(b, 64, 32, be);
		ino->file.frag = (uint32_t)sql_bits(b, 96, 32, be);
		ino->file.frag_off = (uint32_t)sql_bits(b, 128, 32, be);
		ino->file.size = sql_bits(b, 160, 32, be);
		break;
	case T_SYMLINK:
		ino->link_len = sql_bits(b, 32, 16, be);
		break;
	case T_BLK: case T_CHR:
		set_rdev16(ino, (uint32_t)sql_bits(b, 32, 16, be));
		break;
	}
}

static void decode_v3(const uint8_t *b, bool be, sql_inode *ino)
{
	ino->mtime = (uint32_t)sql_bits(b, 32, 32, be);
	switch (ino->type) {
	case T_DIR:
		ino->dir_len = sql_bits(b, 128, 19, be);
		ino->dir_off = (uint32_t)sql_bits(b, 147, 13, be);
		ino->dir_block = sql_bits(b, 160, 32, be);
		break;
	case T_LDIR:
		ino->dir_len = sql_bits(b, 128, 27, be);
		ino->dir_off = (uint32_t)sql_bits(b, 155, 13, be);
		ino->dir_block = sql_bits(b, 168, 32, be);
		break;
	case T_FILE:
		ino->file.start = sql_bits(b, 96, 64, be);
		ino->file.frag = (uint32_t)sql_bits(b, 160, 32, be);
		ino->file.frag_off = (uint32_t)sql_bits(b, 192, 32, be);
		ino->file.size = sql_bits(b, 224, 32, be);
		break;
	case T_LREG:
		ino->file.start = sql_bits(b, 128, 64, be);
		ino->file.frag = (uint32_t)sql_bits(b, 192, 32, be);
		ino->file.frag_off = (uint32_t)sql_bits(b, 224, 32, be);
		ino->file.size = sql_bits(b, 256, 64, be);
		break;
	case T_SYMLINK:
		ino->link_len = sql_bits(b, 128, 16, be);
		break;
	case T_BLK: case T_CHR:
		set_rdev16(ino, (uint32_t)sql_bits(b, 128, 16, be));
		break;
	}
}

static void decode_v4(const uint8_t *b, bool be, sql_inode *ino)
{
	uint32_t dev;
	ino->mtime = (uint32_t)sql_bits(b, 64, 32, be);
	switch (ino->type) {
	case T_DIR:
		ino->dir_block = sql_bits(b, 128, 32, be);
		ino->dir_len = sql_bits(b, 192, 16, be);
		ino->dir_off = (uint32_t)sql_bits(b, 208, 16, be);
		break;
	case T_LDIR:
		ino->dir_len = sql_bits(b, 160, 32, be);
		ino->dir_block = sql_bits(b, 192, 32, be);
		ino->dir_off = (uint32_t)sql_bits(b, 272, 16, be);
		break;
	case T_FILE:
		ino->file.start = sql_bits(b, 128, 32, be);
		ino->file.frag = (uint32_t)sql_bits(b, 160, 32, be);
		ino->file.frag_off = (uint32_t)sql_bits(b, 192, 32, be);
		ino->file.size = sql_bits(b, 224, 32, be);
		break;
	case T_LREG:
		ino->file.start = sql_bits(b, 128, 64, be);
		ino->file.size = sql_bits(b, 192, 64, be);
		ino->file.frag = (uint32_t)sql_bits(b, 352, 32, be);
		ino->file.frag_off = (uint32_t)sql_bits(b, 384, 32, be);
		break;
	case T_SYMLINK: case T_LSYMLINK:
		ino->link_len = sql_bits(b, 160, 32, be);
		break;
	case T_BLK: case T_CHR: case T_LBLK: case T_LCHR:
		/* the kernel's new_encode_dev(): 12-bit major, 20-bit split minor */
		dev = (uint32_t)sql_bits(b, 160, 32, be);
		ino->major = (dev >> 8) & 0xfff;
		ino->minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
		break;
	}
}

static void decode_owner(sql_walk *w, const uint8_t *b, sql_inode *ino)
{
	bool be = w->im.sb.be;
	if (w->im.sb.major == 4) {
		ino->uid = owner(w, w->ids, w->nids, (uint32_t)sql_bits(b, 32, 16, be));
		ino->gid = owner(w, w->ids, w->nids, (uint32_t)sql_bits(b, 48, 16, be));
		return;
	}
	uint32_t u = (uint32_t)sql_bits(b, 16, 8, be), g = (uint32_t)sql_bits(b, 24, 8, be);
	ino->uid = owner(w, w->uids, w->nuids, u);
	ino->gid = g == SQL_GID_IS_UID ? ino->uid : owner(w, w->guids, w->nguids, g);
}

/* Reads the inode at REF (inode-table block << 16 | offset). */
static const char *read_inode(sql_walk *w, uint64_t ref, sql_inode *ino)
{
	sql_image *im = &w->im;
	const sql_super *sb = &im->sb;
	uint8_t b[64];
	memset(ino, 0, sizeof(*ino));
	if ((ref >> 16) >= sb->dir_table - sb->inode_table || (ref & 0xffff) >= SQL_META_SIZE)
		return "inode reference outside the inode table";
	sql_mpos pos = { sb->inode_table + (ref >> 16), (uint32_t)(ref & 0xffff), sb->dir_table };
	size_t base = sb->major == 2 ? 4 : sb->major == 3 ? 12 : 16;
	if (!sql_meta_read(im, &pos, b, base))
		return "inode unreadable";
	bool v4 = sb->major == 4;
	ino->type = (unsigned)(v4 ? sql_bits(b, 0, 16, sb->be) : sql_bits(b, 0, 4, sb->be));
	ino->mode = (uint32_t)(v4 ? sql_bits(b, 16, 16, sb->be) : sql_bits(b, 4, 12, sb->be)) & 07777;
	size_t size = inode_size(sb->major, ino->type);
	if (!size)
		return "unknown inode type";
	if (!sql_meta_read(im, &pos, b + base, size - base))
		return "inode unreadable";
	ino->kind = kind_of(ino->type);
	ino->mtime = sb->mkfs_time;
	decode_owner(w, b, ino);
	if (sb->major == 2)
		decode_v2(b, sb->be, ino);
	else if (sb->major == 3)
		decode_v3(b, sb->be, ino);
	else
		decode_v4(b, sb->be, ino);
	/* v3/v4 sizes count "." and ".." */
	if (sb->major > 2)
		ino->dir_len = ino->dir_len > 3 ? ino->dir_len - 3 : 0;
	ino->file.blocks = pos;
	ino->link_at = pos;
	return NULL;
}

/* ---- nodes -------------------------------------------------------------- */

static void set_meta(fg_node *n, const sql_inode *ino)
{
	n->mode = ino->mode;
	n->uid = ino->uid;
	n->gid = ino->gid;
	n->mtime = ino->mtime;
}

static fg_node *add_node(sql_walk *w, fg_node_type type)
{
	sql_image *im = &w->im;
	fg_node *n = fg_unpack_add(im->ctx, im->root, w->path, type);
	if (!n) {
		if (atomic_load(&im->budget->files) >= im->budget->limits.max_files ||
		    fg_budget_expired(im->budget))
			im->stop = true;
		return NULL;
	}
	if (n->type != type) {
		fg_unpack_truncated(im->ctx, n, "a second entry of this name (another type) skipped");
		return NULL;
	}
	return n;
}

static uint64_t place_hash(const sql_file *f)
{
	uint64_t parts[4] = { f->start, f->size, f->frag, f->frag_off };
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < 4; i++)
		h = (h ^ parts[i]) * 0x100000001b3ULL;
	return h ? h : 1;
}

static void share(sql_walk *w, fg_node *n, const fg_node *first)
{
	n->size = first->size;
	n->data = first->data;
	n->data_len = first->data_len;
	if (first->flags & FG_NODE_TRUNCATED)
		fg_unpack_truncated(w->im.ctx, n, "%s", first->note ? first->note : "content incomplete");
}

/* The node holding the content stored where F's is, or NULL. mksquashfs
 * stores identical files once. */
static const fg_node *same_place(sql_walk *w, const sql_file *f, uint64_t h)
{
	uintptr_t i = (uintptr_t)fg_u64map_get(&w->places, h);
	if (!i)
		return NULL;
	const sql_file *g = &w->contents.v[i - 1].file;
	if (g->start != f->start || g->size != f->size || g->frag != f->frag ||
	    g->frag_off != f->frag_off)
		return NULL;
	return w->contents.v[i - 1].node;
}

static void read_content(sql_walk *w, fg_node *n, const sql_file *f)
{
	sql_image *im = &w->im;
	const fg_limits *lim = &im->budget->limits;
	uint64_t at;
	/* counted like expanded content: every name of the image's bytes
	 * costs a walk of its block list */
	bool room = !im->expand_cap || f->size <= im->expand_cap - im->expanded;
	if (room && sql_file_in_place(im, f, &at)) {
		im->expanded += f->size;
		n->data = im->data + at;
		n->data_len = (size_t)f->size;
		return;
	}
	if (f->size > lim->max_file_size) {
		fg_unpack_truncated(im->ctx, n, "file of %llu bytes is over the per-file limit (%llu)",
				    (unsigned long long)f->size, (unsigned long long)lim->max_file_size);
		return;
	}
	if (im->expand_cap && f->size > im->expand_cap - im->expanded) {
		fg_unpack_truncated(im->ctx, n, "image expansion limit (%llu bytes, ratio %llu) reached",
				    (unsigned long long)im->expand_cap,
				    (unsigned long long)lim->max_ratio);
		return;
	}
	uint8_t *buf = fg_unpack_alloc(im->ctx, (size_t)f->size);
	if (!buf) {
		fg_unpack_truncated(im->ctx, n, "content of %llu bytes not extracted: byte budget spent",
				    (unsigned long long)f->size);
		return;
	}
	im->expanded += f->size;
	const char *why = NULL;
	uint64_t got = sql_read_file(im, f, buf, &why);
	n->data = buf;
	n->data_len = (size_t)got;
	if (got < f->size)
		fg_unpack_truncated(im->ctx, n, "content unreadable after %llu of %llu bytes: %s",
				    (unsigned long long)got, (unsigned long long)f->size,
				    why ? why : "corrupt");
}

static void add_file(sql_walk *w, uint64_t ref, const sql_inode *ino)
{
	fg_node *n = add_node(w, FG_NODE_FILE);
	if (!n)
		return;
	set_meta(n, ino);
	n->size = ino->file.size;
	const fg_node *first = fg_u64map_get(&w->files, ref + 1);
	if (first) {
		share(w, n, first);
		return;
	}
	if (!fg_u64map_put(&w->files, ref + 1, n))
		fg_unpack_truncated(w->im.ctx, n, "out of memory tracking hard links");
	if (ino->file.size == 0)
		return;
	uint64_t h = place_hash(&ino->file);
	first = same_place(w, &ino->file, h);
	if (first) {
		share(w, n, first);
		return;
	}
	read_content(w, n, &ino->file);
	sql_content c = { n, ino->file };
	if (!fg_u64map_get(&w->places, h) && FG_VEC_PUSH(&w->contents, c) &&
	    !fg_u64map_put(&w->places, h, (void *)(uintptr_t)w->contents.n))
		w->contents.n--;
}

static void set_symlink(sql_walk *w, fg_node *n, const sql_inode *ino)
{
	sql_image *im = &w->im;
	size_t want = ino->link_len < SQL_LINK_MAX ? (size_t)ino->link_len : SQL_LINK_MAX;
	sql_mpos pos = ino->link_at;
	n->size = ino->link_len;
	if (!sql_meta_read(im, &pos, w->link, want)) {
		fg_unpack_truncated(im->ctx, n, "symlink target unreadable");
		return;
	}
	w->link[want] = '\0';
	size_t len = strlen(w->link);
	fg_tree *t = fg_unpack_tree(im->ctx);
	pthread_mutex_lock(&t->lock);
	n->link_target = fg_arena_strndup(&t->arena, w->link, len);
	pthread_mutex_unlock(&t->lock);
	if (!n->link_target)
		fg_unpack_truncated(im->ctx, n, "out of memory for the symlink target");
	else if (ino->link_len > len)
		fg_unpack_truncated(im->ctx, n, "symlink target of %llu bytes cut to %zu",
				    (unsigned long long)ino->link_len, len);
}

/* ---- directories ---------------------------------------------------------- */

static void push_dir(sql_walk *w, fg_node *n, const sql_inode *ino, size_t path_len, unsigned depth)
{
	sql_image *im = &w->im;
	if (ino->dir_len == 0)
		return;
	uint64_t key = (ino->dir_block << 16 | ino->dir_off) + 1;
	if (fg_u64map_get(&w->listings, key)) {
		fg_unpack_truncated(im->ctx, n, "directory loop: listing already walked");
		return;
	}
	if (depth > SQL_MAX_DEPTH) {
		fg_unpack_truncated(im->ctx, n, "directory nesting deeper than %d not followed",
				    SQL_MAX_DEPTH);
		return;
	}
	sql_frame f = { n, NULL, path_len, ino->dir_block, ino->dir_off, ino->dir_len, depth };
	f.path = malloc(path_len + 1);
	if (!f.path || !fg_u64map_put(&w->listings, key, n) || !FG_VEC_PUSH(&w->stack, f)) {
		free(f.path);
		fg_unpack_truncated(im->ctx, n, "out of memory");
		im->stop = true;
		return;
	}
	memcpy(f.path, w->path ? w->path : "", path_len);
	f.path[path_len] = '\0';
}

static void reject(sql_walk *w, fg_node *dir, const char *why, const char *name)
{
	fg_unpack_truncated(w->im.ctx, dir, "skipped entry \"%.64s\": %s", name, why);
	if (++w->rejects >= SQL_MAX_REJECTS) {
		fg_unpack_truncated(w->im.ctx, w->im.root, "too many bad directory entries; gave up");
		w->im.stop = true;
	}
}

static const char *bad_name(const char *name, size_t len)
{
	if (strlen(name) != len)
		return "name contains a NUL byte";
	if (memchr(name, '/', len))
		return "name contains '/'";
	if (len == 0 || !strcmp(name, ".") || !strcmp(name, ".."))
		return "name is empty or a dot entry";
	return NULL;
}

static void place_entry(sql_walk *w, const sql_frame *f, const char *name, size_t len, uint64_t ref)
{
	const char *why = bad_name(name, len);
	if (why) {
		reject(w, f->node, why, name);
		return;
	}
	size_t plen;
	if (!fg_path_join(&w->path, &w->path_cap, f->path_len, name, len, &plen)) {
		w->im.stop = true;
		return;
	}
	sql_inode ino;
	why = read_inode(w, ref, &ino);
	if (why) {
		reject(w, f->node, why, name);
		return;
	}
	if (ino.kind == FG_NODE_FILE) {
		add_file(w, ref, &ino);
		return;
	}
	fg_node *n = add_node(w, ino.kind);
	if (!n)
		return;
	set_meta(n, &ino);
	switch (ino.kind) {
	case FG_NODE_DIR:
		push_dir(w, n, &ino, plen, f->depth + 1);
		break;
	case FG_NODE_SYMLINK:
		set_symlink(w, n, &ino);
		break;
	case FG_NODE_CHR:
	case FG_NODE_BLK:
		n->dev_major = ino.major;
		n->dev_minor = ino.minor;
		break;
	default:
		break;
	}
}

/* Sizes of a listing's directory header and entry (before the name). */
static void listing_sizes(unsigned major, size_t *hdr, size_t *ent)
{
	*hdr = major == 2 ? 4 : major == 3 ? 9 : 12;
	*ent = major == 2 ? 3 : major == 3 ? 5 : 8;
}

/* One entry of the listing at *POS; false ends the listing. */
static bool list_entry(sql_walk *w, const sql_frame *f, sql_mpos *pos, uint64_t *left,
		       uint64_t inode_block)
{
	sql_image *im = &w->im;
	bool be = im->sb.be, v4 = im->sb.major == 4;
	size_t hsz, esz;
	listing_sizes(im->sb.major, &hsz, &esz);
	uint8_t e[8];
	char name[SQL_NAME_MAX + 1];
	if (*left < esz || !sql_meta_read(im, pos, e, esz)) {
		fg_unpack_truncated(im->ctx, f->node, "directory listing cut inside an entry");
		return false;
	}
	uint32_t off = (uint32_t)(v4 ? sql_bits(e, 0, 16, be) : sql_bits(e, 0, 13, be));
	size_t nlen = (size_t)(v4 ? sql_bits(e, 48, 16, be) : sql_bits(e, 16, 8, be)) + 1;
	*left -= esz;
	if (nlen > SQL_NAME_MAX || *left < nlen || !sql_meta_read(im, pos, name, nlen)) {
		fg_unpack_truncated(im->ctx, f->node, "directory listing cut inside a name");
		return false;
	}
	*left -= nlen;
	name[nlen] = '\0';
	place_entry(w, f, name, nlen, inode_block << 16 | off);
	return true;
}

static void list_dir(sql_walk *w, const sql_frame *f)
{
	sql_image *im = &w->im;
	bool be = im->sb.be;
	size_t hsz, esz;
	listing_sizes(im->sb.major, &hsz, &esz);
	sql_mpos pos = { im->sb.dir_table + f->dir_block, f->dir_off,
			 im->sb.bytes_used < im->len ? im->sb.bytes_used : im->len };
	uint64_t left = f->dir_len;
	size_t plen;
	/* entries are joined to the directory's path kept in w->path */
	if (!fg_path_join(&w->path, &w->path_cap, 0, f->path, f->path_len, &plen)) {
		im->stop = true;
		return;
	}
	while (left && !im->stop) {
		uint8_t h[12];
		if (left < hsz || !sql_meta_read(im, &pos, h, hsz)) {
			fg_unpack_truncated(im->ctx, f->node, "directory listing unreadable");
			return;
		}
		left -= hsz;
		uint64_t count = sql_bits(h, 0, im->sb.major == 4 ? 32 : 8, be) + 1;
		uint64_t block = im->sb.major == 2 ? sql_bits(h, 8, 24, be)
			       : sql_bits(h, im->sb.major == 3 ? 8 : 32, 32, be);
		if (count > 256) {
			fg_unpack_truncated(im->ctx, f->node, "directory header counts %llu entries",
					    (unsigned long long)count);
			return;
		}
		for (uint64_t i = 0; i < count && !im->stop; i++)
			if (!list_entry(w, f, &pos, &left, block))
				return;
		if (fg_budget_expired(im->budget))
			im->stop = true;
	}
}

static void walk(sql_walk *w)
{
	while (w->stack.n && !w->im.stop) {
		sql_frame f = w->stack.v[--w->stack.n];
		list_dir(w, &f);
		free(f.path);
	}
	for (size_t i = 0; i < w->stack.n; i++)
		free(w->stack.v[i].path);
	w->stack.n = 0;
}

/* ---- the image ------------------------------------------------------------ */

static const char *check_layout(const sql_image *im)
{
	const sql_super *sb = &im->sb;
	if (!layout_sane(sb))
		return "tables out of order or outside the filesystem";
	if (sb->inode_table >= im->len)
		return "inode table beyond the end of the data";
	return NULL;
}

static sql_method v4_method(unsigned comp)
{
	switch (comp) {
	case SQL_COMP_GZIP: return SQL_M_ZLIB;
	case SQL_COMP_LZMA: return SQL_M_LZMA_ALONE;
	case SQL_COMP_LZO: return SQL_M_LZO;
	case SQL_COMP_XZ: return SQL_M_XZ;
	case SQL_COMP_LZ4: return SQL_M_LZ4;
	case SQL_COMP_ZSTD: return SQL_M_ZSTD;
	}
	return SQL_M_UNKNOWN;
}

/* "v3.0 be lzma": version, byte order, compression. */
static void describe(sql_walk *w)
{
	const sql_image *im = &w->im;
	const sql_super *sb = &im->sb;
	char minor[24];
	if (sb->minor < 10)
		snprintf(minor, sizeof(minor), ".%u", sb->minor);
	else
		snprintf(minor, sizeof(minor), " (minor 0x%x)", sb->minor);
	fg_tree *t = fg_unpack_tree(im->ctx);
	pthread_mutex_lock(&t->lock);
	im->root->format_info = fg_arena_printf(&t->arena, "v%u%s %s%s%s", sb->major, minor,
						sb->be ? "be" : "le",
						im->method ? " " : "",
						im->method ? sql_method_name(im->method) : "");
	pthread_mutex_unlock(&t->lock);
}

static int open_image(sql_walk *w, const uint8_t *data, size_t len)
{
	sql_image *im = &w->im;
	im->data = data;
	im->len = len;
	if (!parse_super(data, len, &im->sb)) {
		fg_unpack_fail(im->ctx, "not a squashfs 2.x/3.x or big-endian 4.0 superblock");
		return -1;
	}
	describe(w);
	const char *why = check_layout(im);
	if (why) {
		fg_unpack_fail(im->ctx, "corrupt superblock: %s", why);
		return -1;
	}
	im->hdr_order = im->sb.be ? 1 : 0;
	if (im->sb.major == 4) {
		im->method = v4_method(im->sb.comp);
		if (im->sb.be)
			im->hdr_order = -1;
	}
	if (im->sb.bytes_used > len)
		fg_unpack_truncated(im->ctx, im->root, "image truncated: %zu of %llu bytes present",
				    len, (unsigned long long)im->sb.bytes_used);
	else
		im->len = (size_t)im->sb.bytes_used;
	im->root->src_length = im->len;
	load_owners(w);
	return 0;
}

static int walk_root(sql_walk *w)
{
	sql_image *im = &w->im;
	sql_inode ino;
	const char *why = read_inode(w, im->sb.root_ref, &ino);
	if (why) {
		fg_unpack_fail(im->ctx, "root inode: %s", why);
		return -1;
	}
	if (ino.kind != FG_NODE_DIR) {
		fg_unpack_fail(im->ctx, "root inode is not a directory");
		return -1;
	}
	set_meta(im->root, &ino);
	push_dir(w, im->root, &ino, 0, 0);
	walk(w);
	if (w->bad_owners)
		fg_unpack_truncated(im->ctx, im->root, "%llu owner ids unresolvable (shown as %u)",
				    (unsigned long long)w->bad_owners, SQL_BAD_ID);
	if (im->root->nchildren == 0 && (im->root->flags & FG_NODE_TRUNCATED)) {
		fg_unpack_fail(im->ctx, "no entry could be read");
		return -1;
	}
	return 0;
}

static uint64_t expansion_cap(const fg_limits *lim, size_t len)
{
	if (!lim->max_ratio || len > UINT64_MAX / lim->max_ratio)
		return 0;
	uint64_t cap = (uint64_t)len * lim->max_ratio;
	return cap < (1u << 20) ? (1u << 20) : cap;
}

static int sql_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	sql_walk *w = calloc(1, sizeof(*w));
	if (!w) {
		fg_unpack_fail(ctx, "out of memory");
		return -1;
	}
	sql_image *im = &w->im;
	im->ctx = ctx;
	im->root = root;
	im->budget = fg_unpack_budget(ctx);
	im->expand_cap = expansion_cap(&im->budget->limits, len);
	int rc = open_image(w, data, len);
	if (rc == 0) {
		rc = walk_root(w);
		describe(w);    /* v2/v3: the compression is known now */
	}
	sql_io_free(im);
	free(w->ids);
	fg_u64map_free(&w->files);
	fg_u64map_free(&w->places);
	FG_VEC_FREE(&w->contents);
	fg_u64map_free(&w->listings);
	FG_VEC_FREE(&w->stack);
	free(w->path);
	free(w);
	return rc;
}

const fg_format fg_format_squashfs_legacy = {
	.name = "squashfs_legacy",
	.kind = FG_FMT_FILESYSTEM,
	.magics = sql_magics,
	.probe = sql_probe,
	.unpack = sql_unpack,
};
