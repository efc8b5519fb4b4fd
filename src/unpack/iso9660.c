/*
 * iso9660.c - ISO 9660 images, with Rock Ridge and Joliet, through
 * libarchive.
 *
 * The volume descriptor set starts at byte 0x8000 (sector 16 of 2048
 * bytes): descriptors of 2048 bytes, each "type, CD001, version", ending
 * with type 255. The primary descriptor (type 1) holds the volume space
 * size and the logical block size, each stored twice (little- and
 * big-endian), and the root directory record. A supplementary descriptor
 * (type 2) with a UCS-2 escape sequence is a Joliet tree; a boot record
 * (type 0) naming "EL TORITO SPECIFICATION" makes the image bootable.
 * Rock Ridge announces itself in the system use area of the root's "."
 * record (SUSP "SP", then "RR"/"PX"/"ER").
 *
 * The probe checks the both-endian fields against each other and that the
 * root's "." record points at itself; the chunk is the volume space size
 * times the block size. libarchive reads the trees (Rock Ridge first for
 * modes, owners, symlinks and deep directories, then Joliet, then plain
 * ISO names), from memory. It trusts directory sizes up to the volume size
 * the descriptor claims and allocates a buffer that large when the image
 * holds less, so a cut-short image has its directories checked here first.
 */
#include <archive.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "core/u64map.h"
#include "core/vec.h"
#include "unpack/archive_common.h"

#define ISO_VD_START 0x8000u
#define ISO_VD_SIZE 2048u
#define ISO_MAX_VDS 64u            /* descriptors looked at before giving up */
#define ISO_DIR_MAX (64u << 20)    /* bytes of one directory accepted on a cut image */
#define ISO_MAX_DIRS 100000u       /* directories checked on a cut image */
#define ISO_ROOT_REC 156u

typedef struct iso_vol {
	uint32_t blocks;           /* volume space size */
	uint32_t block_size;
	uint64_t bytes;
	uint32_t root_extent, root_size;
	uint32_t joliet_extent, joliet_size;
	bool joliet, el_torito, rock_ridge, root_ok, terminated;
	char volume_id[33];
} iso_vol;

static uint16_t ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint16_t bd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* A both-endian 32-bit field: LE then BE copies that agree. */
static bool both32(const uint8_t *p, uint32_t *v)
{
	*v = fg_load_u32le(p);
	return *v == fg_load_u32be(p + 4);
}

static bool both16(const uint8_t *p, uint16_t *v)
{
	*v = ld16(p);
	return *v == bd16(p + 2);
}

/* Looks for Rock Ridge in the system use area of directory record R. */
static bool record_has_rr(const uint8_t *r)
{
	unsigned len = r[0], nl = r[32];
	unsigned at = 33 + nl + ((nl & 1) ? 0 : 1);
	if (at + 7 > len || memcmp(r + at, "SP\x07\x01\xbe\xef", 6) != 0)
		return false;
	/* SUSP present: look through its entries for a Rock Ridge one */
	for (unsigned guard = 0; at + 4 <= len && guard < 64; guard++) {
		const uint8_t *e = r + at;
		if (!memcmp(e, "RR", 2) || !memcmp(e, "PX", 2) || !memcmp(e, "ER", 2) ||
		    !memcmp(e, "NM", 2) || !memcmp(e, "TF", 2))
			return true;
		if (e[2] < 4)
			break;
		at += e[2];
	}
	return false;
}

/* Checks a directory record (the root's, in a descriptor) and reads its
 * extent and size. */
static bool root_record(const uint8_t *r, uint32_t *extent, uint32_t *size)
{
	return r[0] == 34 && both32(r + 2, extent) && both32(r + 10, size) && (r[25] & 0x02) &&
	       r[32] == 1 && r[33] == 0 && *extent != 0;
}

static bool parse_volume(const uint8_t *data, size_t len, iso_vol *v)
{
	memset(v, 0, sizeof(*v));
	bool have_pvd = false;
	for (unsigned i = 0; i < ISO_MAX_VDS; i++) {
		size_t off = ISO_VD_START + (size_t)i * ISO_VD_SIZE;
		if (off > len || len - off < ISO_VD_SIZE)
			break;
		const uint8_t *vd = data + off;
		if (memcmp(vd + 1, "CD001", 5) != 0)
			break;
		if (vd[0] == 255) {
			v->terminated = true;
			break;
		}
		if (vd[0] == 0 && !memcmp(vd + 7, "EL TORITO SPECIFICATION", 23)) {
			v->el_torito = true;
		} else if (vd[0] == 1 && !have_pvd) {
			uint16_t bs, set_size, seq;
			if (vd[6] != 1 || !both32(vd + 80, &v->blocks) || !both16(vd + 128, &bs) ||
			    !both16(vd + 120, &set_size) || !both16(vd + 124, &seq))
				return false;
			if (bs != 512 && bs != 1024 && bs != 2048)
				return false;
			if (!root_record(vd + ISO_ROOT_REC, &v->root_extent, &v->root_size))
				return false;
			v->block_size = bs;
			v->bytes = (uint64_t)v->blocks * bs;
			memcpy(v->volume_id, vd + 40, 32);
			v->volume_id[32] = '\0';
			have_pvd = true;
		} else if (vd[0] == 2 && vd[88] == '%' && vd[89] == '/' &&
			   (vd[90] == '@' || vd[90] == 'C' || vd[90] == 'E')) {
			if (root_record(vd + ISO_ROOT_REC, &v->joliet_extent, &v->joliet_size))
				v->joliet = true;
		}
	}
	if (!have_pvd || v->bytes < ISO_VD_START + 2 * ISO_VD_SIZE)
		return false;
	/* the root's "." record names the root itself */
	uint64_t at = (uint64_t)v->root_extent * v->block_size;
	if (at < len && len - at >= 34) {
		const uint8_t *r = data + at;
		uint32_t ext, size;
		if (r[0] >= 34 && r[0] <= len - at && both32(r + 2, &ext) && both32(r + 10, &size) &&
		    ext == v->root_extent && r[32] == 1 && r[33] == 0) {
			v->root_ok = true;
			v->rock_ridge = record_has_rr(r);
		}
	}
	return true;
}

static int iso_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	iso_vol v;
	if (!parse_volume(data, len, &v))
		return 0;
	int conf = v.root_ok ? 95 : v.terminated ? 60 : 45;
	if (v.bytes <= len) {
		*chunk_len = v.bytes;
	} else {
		*chunk_len = len; /* cut short: read what is there */
		if (conf > 40)
			conf = 40;
	}
	return conf;
}

/* ---- cut-short images ------------------------------------------------------ */

typedef struct dir_ref {
	uint32_t extent, size;
} dir_ref;

typedef FG_VEC(dir_ref) dir_queue;

/* Every directory reachable from the root at EXTENT lies inside the LEN
 * bytes present and is of a sane size. *WHY says which does not. */
static bool tree_in_image(const uint8_t *data, size_t len, const iso_vol *v, uint32_t extent,
			  uint32_t size, char *why, size_t cap)
{
	fg_u64map seen = {0};
	dir_queue q = {0};
	bool ok = true;
	dir_ref first = { extent, size };
	if (!FG_VEC_PUSH(&q, first) || !fg_u64map_put(&seen, extent, (void *)1)) {
		snprintf(why, cap, "out of memory");
		FG_VEC_FREE(&q);
		fg_u64map_free(&seen);
		return false;
	}
	/* a directory is queued once: loops and shared extents cost nothing */
	unsigned dirs = 1;
	while (ok && q.n) {
		dir_ref d = q.v[--q.n];
		uint64_t off = (uint64_t)d.extent * v->block_size;
		uint64_t span = ((uint64_t)d.size + v->block_size - 1) / v->block_size * v->block_size;
		if (span > ISO_DIR_MAX || off > len || span > len - off) {
			snprintf(why, cap, "a directory at block %u (%u bytes) lies beyond the image",
				 d.extent, d.size);
			ok = false;
			break;
		}
		/* records never straddle a block; a zero length ends a block */
		for (uint64_t b = 0; b < span && ok; b += v->block_size) {
			const uint8_t *blk = data + off + b;
			for (unsigned at = 0; at + 34 <= v->block_size && blk[at] != 0;) {
				const uint8_t *r = blk + at;
				if (r[0] < 34 || at + r[0] > v->block_size)
					break;
				uint32_t ext, sz;
				bool dot = r[32] == 1 && (r[33] == 0 || r[33] == 1);
				if ((r[25] & 0x02) && !dot && both32(r + 2, &ext) && both32(r + 10, &sz) &&
				    !fg_u64map_get(&seen, ext)) {
					dir_ref c = { ext, sz };
					if (++dirs > ISO_MAX_DIRS) {
						snprintf(why, cap, "more than %u directories", ISO_MAX_DIRS);
						ok = false;
						break;
					}
					if (!fg_u64map_put(&seen, ext, (void *)1) || !FG_VEC_PUSH(&q, c)) {
						snprintf(why, cap, "out of memory");
						ok = false;
						break;
					}
				}
				at += r[0];
			}
		}
	}
	FG_VEC_FREE(&q);
	fg_u64map_free(&seen);
	return ok;
}

/* ---- unpacking ----------------------------------------------------------- */

static const char *iso_variant(int format)
{
	return format == ARCHIVE_FORMAT_ISO9660_ROCKRIDGE ? "rock ridge" : "iso9660";
}

static const fg_arc_kind iso_kind = {
	.enable = archive_read_support_format_iso9660,
	.variant = iso_variant,
	.in_place = true,
};

static void set_info(fg_unpack_ctx *ctx, fg_node *root, const iso_vol *v)
{
	char id[33];
	memcpy(id, v->volume_id, sizeof(id));
	for (int i = 31; i >= 0 && (id[i] == ' ' || id[i] == '\0'); i--)
		id[i] = '\0';
	for (int i = 0; id[i]; i++)
		if ((uint8_t)id[i] < 0x20 || (uint8_t)id[i] >= 0x7f || id[i] == '"')
			id[i] = '_';
	char info[128];
	snprintf(info, sizeof(info), "%s%s%s%s%s%s", v->rock_ridge ? "rock ridge" : "iso9660",
		 v->joliet ? ", joliet" : "", v->el_torito ? ", el torito" : "",
		 id[0] ? ", volume \"" : "", id, id[0] ? "\"" : "");
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);
}

/* ---- appended partitions --------------------------------------------------- */

/* Where the first partition of the system area's MBR starts when it lies
 * past the descriptors and inside the volume, else 0. Hybrid images made
 * with xorriso -append_partition keep an EFI system partition there. */
static uint64_t appended_start(const uint8_t *data, size_t len, const iso_vol *v)
{
	if (len < 512 || data[510] != 0x55 || data[511] != 0xaa)
		return 0;
	uint64_t first = 0;
	for (unsigned i = 0; i < 4; i++) {
		const uint8_t *e = data + 446 + i * 16;
		if (e[0] != 0x00 && e[0] != 0x80)
			return 0; /* boot code, not a table */
		uint32_t lba = fg_load_u32le(e + 8), count = fg_load_u32le(e + 12);
		if (!e[4] || !count)
			continue;
		uint64_t off = (uint64_t)lba * 512;
		if (off < ISO_VD_START + 2 * ISO_VD_SIZE || off >= v->bytes)
			continue;
		if (!first || off < first)
			first = off;
	}
	return first;
}

typedef struct content_end {
	const uint8_t *base;
	size_t len;
	uint64_t end;
	bool unknown;            /* some content is not a slice of the image */
} content_end;

static bool note_end(fg_node *n, void *ud)
{
	content_end *c = ud;
	if (n->type != FG_NODE_FILE || !n->data_len)
		return true;
	uintptr_t p = (uintptr_t)n->data, b = (uintptr_t)c->base;
	if (p < b || p - b > c->len || n->data_len > c->len - (p - b)) {
		c->unknown = true;
		return true;
	}
	if (p - b + n->data_len > c->end)
		c->end = p - b + n->data_len;
	return true;
}

/* A partition appended after every file's content is not the ISO's: the
 * chunk ends where it starts, and the carver finds what it holds. */
static void leave_appended(fg_node *root, const uint8_t *data, size_t len, const iso_vol *v)
{
	uint64_t start = appended_start(data, len, v);
	if (!start || start >= root->src_length)
		return;
	content_end c = { data, len, 0, false };
	fg_tree_walk(root, note_end, &c);
	if (!c.unknown && c.end <= start)
		root->src_length = start;
}

static int iso_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	iso_vol v;
	if (!parse_volume(data, len, &v)) {
		fg_unpack_fail(ctx, "no valid primary volume descriptor");
		return -1;
	}
	if (v.bytes > len) {
		fg_unpack_truncated(ctx, root, "image cut short: the volume spans %llu bytes, %zu present",
				    (unsigned long long)v.bytes, len);
		char why[160];
		if (!tree_in_image(data, len, &v, v.root_extent, v.root_size, why, sizeof(why)) ||
		    (v.joliet && !tree_in_image(data, len, &v, v.joliet_extent, v.joliet_size, why,
						sizeof(why)))) {
			fg_unpack_fail(ctx, "directories not read: %s", why);
			set_info(ctx, root, &v);
			root->src_length = len;
			return -1;
		}
	}
	int rc = fg_archive_unpack(ctx, root, data, len, &iso_kind);
	root->src_length = v.bytes < len ? v.bytes : len;
	if (rc == 0)
		leave_appended(root, data, len, &v);
	set_info(ctx, root, &v);
	return rc;
}

static const fg_magic iso_magics[] = {
	{ "CD001", 5, ISO_VD_START + 1 },
	FG_MAGIC_END,
};

const fg_format fg_format_iso9660 = {
	.name = "iso9660",
	.kind = FG_FMT_FILESYSTEM,
	.magics = iso_magics,
	.probe = iso_probe,
	.unpack = iso_unpack,
};
