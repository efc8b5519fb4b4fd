/*
 * fat.c - FAT12, FAT16 and FAT32 file systems, read directly.
 *
 * The boot sector's BPB gives the geometry: bytes per sector, sectors per
 * cluster, reserved sectors, the number and size of the FATs, the fixed
 * root directory (FAT12/16) or the root's first cluster (FAT32), and the
 * total sector count. The FAT type follows from the number of data
 * clusters as Microsoft's specification and Linux define it (fewer than
 * 4085: FAT12, fewer than 65525: FAT16), except that a BPB with a zero
 * 16-bit FAT size is FAT32 whatever its cluster count, as Linux reads it.
 *
 * Directories are arrays of 32-byte entries: 8.3 short names (with the
 * NT lower-case flags), preceded by long-name (VFAT) entries holding 13
 * UTF-16 units each in reverse order, tied to their short entry by a
 * checksum of its 11-byte name. A long name whose sequence or checksum
 * does not hold is dropped and the short name used. Deleted entries
 * (0xE5) and volume labels are not files; 0x00 ends a directory.
 *
 * Hostile images: every cluster a file or directory occupies is marked in
 * a bitmap, so a chain that loops, two files sharing clusters, or a
 * directory linked into its own ancestry stop at the first cluster seen
 * twice (noted). Each cluster is thus read once at most, which bounds the
 * work and the bytes copied by the image's size. Chains are bounded by
 * the cluster count, directories by 65536 entries, nesting by a depth
 * cap. File content in consecutive clusters points into the image;
 * fragmented files are copied into budget-charged buffers.
 *
 * Timestamps are the write date and time, taken as UTC (FAT stores local
 * time without a zone). The read-only attribute gives mode 0444, other
 * files 0644, directories 0755.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "core/vec.h"
#include "unpack/format.h"

#define FAT_MAX_DEPTH 64
#define FAT_DIR_MAX_ENTRIES 65536u      /* the specification's limit per directory */
#define FAT_LFN_MAX 20u                 /* long-name entries: 255 characters */
#define FAT_NAME_MAX 1024u              /* UTF-8 bytes of a name */
#define FAT_MAX_NOTES 64u               /* diagnostics per image; more only flag nodes */
#define FAT_MAX_CLUSTER_BYTES (256u << 10)

#define ATTR_RO 0x01
#define ATTR_VOLUME 0x08
#define ATTR_DIR 0x10
#define ATTR_LFN 0x0f

typedef struct fat_geom {
	unsigned bits;             /* 12, 16, 32 */
	uint32_t bps, spc, cluster_bytes;
	uint32_t reserved, nfats, fat_sectors, root_entries;
	uint64_t total_sectors;
	uint64_t fat_off, fat_bytes;   /* the FAT in use */
	uint64_t root_off;             /* FAT12/16: the fixed root directory */
	uint64_t root_bytes;
	uint64_t data_off;             /* cluster 2 */
	uint32_t clusters;             /* data clusters: numbered 2..clusters+1 */
	uint32_t root_cluster;         /* FAT32 */
	uint8_t media;
	uint64_t bytes;                /* the volume's size */
	bool fat_clamped;              /* the FAT is smaller than the cluster count */
} fat_geom;

static uint16_t ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static bool pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* Reads and checks the BPB of the boot sector at DATA. */
static bool parse_bpb(const uint8_t *d, size_t len, fat_geom *g)
{
	memset(g, 0, sizeof(*g));
	if (len < 512 || !(d[0] == 0xeb || d[0] == 0xe9))
		return false;
	g->bps = ld16(d + 11);
	g->spc = d[13];
	g->reserved = ld16(d + 14);
	g->nfats = d[16];
	g->root_entries = ld16(d + 17);
	uint16_t tot16 = ld16(d + 19);
	g->media = d[21];
	uint16_t fsz16 = ld16(d + 22);
	uint32_t tot32 = fg_load_u32le(d + 32);
	uint32_t fsz32 = fg_load_u32le(d + 36);
	if (g->bps != 512 && g->bps != 1024 && g->bps != 2048 && g->bps != 4096)
		return false;
	if (!pow2(g->spc) || g->spc > 128)
		return false;
	g->cluster_bytes = g->bps * g->spc;
	if (g->cluster_bytes > FAT_MAX_CLUSTER_BYTES)
		return false;
	if (!g->reserved || g->nfats < 1 || g->nfats > 4)
		return false;
	if (g->media != 0xf0 && g->media < 0xf8)
		return false;
	g->total_sectors = tot16 ? tot16 : tot32;
	g->fat_sectors = fsz16 ? fsz16 : fsz32;
	if (!g->total_sectors || !g->fat_sectors)
		return false;
	bool fat32 = fsz16 == 0;
	if (fat32 && g->root_entries)
		return false;
	if (!fat32 && !g->root_entries)
		return false;
	uint64_t root_sectors = ((uint64_t)g->root_entries * 32 + g->bps - 1) / g->bps;
	uint64_t meta = g->reserved + (uint64_t)g->nfats * g->fat_sectors + root_sectors;
	if (meta >= g->total_sectors)
		return false;
	uint64_t clusters = (g->total_sectors - meta) / g->spc;
	if (!clusters)
		return false;
	if (fat32) {
		g->bits = 32;
		if (clusters > 0x0ffffff5 - 2)
			clusters = 0x0ffffff5 - 2;
		uint16_t ext_flags = ld16(d + 40);
		unsigned active = (ext_flags & 0x80) ? ext_flags & 0x0f : 0;
		if (active >= g->nfats)
			active = 0;
		g->fat_off = (g->reserved + (uint64_t)active * g->fat_sectors) * g->bps;
		g->root_cluster = fg_load_u32le(d + 44);
		if (ld16(d + 42) != 0 || g->root_cluster < 2)
			return false;
	} else {
		g->bits = clusters < 4085 ? 12 : 16;
		if (clusters > 0xfff5 - 2)
			clusters = 0xfff5 - 2;
		g->fat_off = (uint64_t)g->reserved * g->bps;
	}
	g->fat_bytes = (uint64_t)g->fat_sectors * g->bps;
	uint64_t entries = g->fat_bytes * 8 / g->bits;
	if (entries < 3)
		return false;
	if (entries < clusters + 2) {
		clusters = entries - 2;
		g->fat_clamped = true;
	}
	g->clusters = (uint32_t)clusters;
	g->root_off = (g->reserved + (uint64_t)g->nfats * g->fat_sectors) * g->bps;
	g->root_bytes = (uint64_t)g->root_entries * 32;
	g->data_off = meta * g->bps;
	g->bytes = g->total_sectors * g->bps;
	return true;
}

static const char *fs_type_string(unsigned bits)
{
	return bits == 12 ? "FAT12   " : bits == 16 ? "FAT16   " : "FAT32   ";
}

/* The BPB's file-system type string (informational, but mkfs writes it). */
static bool type_string_matches(const uint8_t *d, const fat_geom *g)
{
	const uint8_t *s = g->bits == 32 ? d + 82 : d + 54;
	uint8_t sig = g->bits == 32 ? d[66] : d[38];
	if (sig != 0x29 && sig != 0x28)
		return false;
	return !memcmp(s, fs_type_string(g->bits), 8) || !memcmp(s, "FAT     ", 8);
}

static int fat_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	fat_geom g;
	if (!parse_bpb(data, len, &g))
		return 0;
	int conf = 55;
	if (type_string_matches(data, &g))
		conf += 10;
	if (data[510] == 0x55 && data[511] == 0xaa)
		conf += 5;
	/* FAT[0] repeats the media byte, the rest of entries 0-1 is ones */
	if (g.fat_off <= len && len - g.fat_off >= 4) {
		const uint8_t *f = data + g.fat_off;
		if (f[0] == g.media && f[1] == 0xff && f[2] == 0xff)
			conf += 15;
		else
			conf -= 25;
	}
	if (conf <= 0)
		return 0;
	if (g.bytes <= len) {
		*chunk_len = g.bytes;
	} else {
		*chunk_len = len; /* cut short: unpack what is there */
		if (conf > 40)
			conf = 40;
	}
	return conf;
}

/* ---- the volume ---------------------------------------------------------- */

typedef struct fat_fs {
	fg_unpack_ctx *ctx;
	fg_node *root;
	const uint8_t *data;
	size_t len;
	fat_geom g;
	uint32_t max_cluster;      /* highest cluster number with data in the image */
	uint8_t *used;             /* bitmap over 0..max_cluster */
	unsigned notes;
	char label[12];
	uint64_t files, dirs;
} fat_fs;

static void note(fat_fs *fs, fg_node *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Records why N (or the root) is incomplete; past FAT_MAX_NOTES only the
 * node is flagged, so a maze of broken entries cannot flood the report. */
static void note(fat_fs *fs, fg_node *n, const char *fmt, ...)
{
	fg_node *target = n ? n : fs->root;
	if (fs->notes == FAT_MAX_NOTES) {
		fg_unpack_truncated(fs->ctx, fs->root, "further damage not reported");
		fs->notes++;
	}
	if (fs->notes > FAT_MAX_NOTES) {
		target->flags |= FG_NODE_TRUNCATED;
		if (!target->note)
			target->note = "damaged entry";
		return;
	}
	fs->notes++;
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fg_unpack_truncated(fs->ctx, n, "%s", msg);
}

enum { NEXT_OK, NEXT_END, NEXT_BAD, NEXT_FREE, NEXT_RANGE, NEXT_CUT };

/* The FAT entry for cluster CL: the next cluster in *NEXT, or why the
 * chain stops there. */
static int fat_next(const fat_fs *fs, uint32_t cl, uint32_t *next)
{
	const fat_geom *g = &fs->g;
	uint64_t off = g->bits == 12 ? (uint64_t)cl + cl / 2 : (uint64_t)cl * (g->bits / 8);
	unsigned width = g->bits == 32 ? 4 : 2;
	if (off + width > g->fat_bytes || g->fat_off + off + width > fs->len)
		return NEXT_CUT;
	const uint8_t *p = fs->data + g->fat_off + off;
	uint32_t v, eoc, bad;
	if (g->bits == 12) {
		v = ld16(p);
		v = (cl & 1) ? v >> 4 : v & 0xfff;
		eoc = 0xff8;
		bad = 0xff7;
	} else if (g->bits == 16) {
		v = ld16(p);
		eoc = 0xfff8;
		bad = 0xfff7;
	} else {
		v = fg_load_u32le(p) & 0x0fffffff;
		eoc = 0x0ffffff8;
		bad = 0x0ffffff7;
	}
	if (v >= eoc)
		return NEXT_END;
	if (v == bad)
		return NEXT_BAD;
	if (v == 0)
		return NEXT_FREE;
	if (v < 2 || v > g->clusters + 1)
		return NEXT_RANGE;
	*next = v;
	return NEXT_OK;
}

static const char *next_why(int k)
{
	switch (k) {
	case NEXT_END: return "cluster chain ends early";
	case NEXT_BAD: return "cluster chain runs into a bad cluster";
	case NEXT_FREE: return "cluster chain runs into a free cluster";
	case NEXT_RANGE: return "cluster chain points outside the volume";
	default: return "the FAT is cut short";
	}
}

static uint64_t cluster_off(const fat_fs *fs, uint32_t cl)
{
	return fs->g.data_off + (uint64_t)(cl - 2) * fs->g.cluster_bytes;
}

static bool is_used(const fat_fs *fs, uint32_t cl)
{
	return fs->used[cl >> 3] & (1u << (cl & 7));
}

static void mark_used(fat_fs *fs, uint32_t cl)
{
	fs->used[cl >> 3] |= (uint8_t)(1u << (cl & 7));
}

/* Claims cluster CL for a file or directory. Returns NULL when it can be,
 * else why not. */
static const char *claim(fat_fs *fs, uint32_t cl)
{
	if (cl < 2 || cl > fs->g.clusters + 1)
		return "cluster number outside the volume";
	if (cl > fs->max_cluster)
		return "cluster lies beyond the end of the image";
	if (is_used(fs, cl))
		return "cluster already in use (a loop or a cross-link)";
	mark_used(fs, cl);
	return NULL;
}

/* ---- file content -------------------------------------------------------- */

/* Gives N the SIZE bytes of the chain starting at FIRST. */
static void read_content(fat_fs *fs, fg_node *n, uint32_t first, uint32_t size)
{
	n->size = size;
	if (size == 0)
		return;
	const uint32_t cb = fs->g.cluster_bytes;
	const uint64_t needed = ((uint64_t)size + cb - 1) / cb;
	/* pass 1: claim the chain, see whether it is contiguous */
	uint64_t got = 0;
	bool contiguous = true;
	const char *why = NULL;
	uint32_t cl = first, prev = 0;
	while (got < needed) {
		why = claim(fs, cl);
		if (why)
			break;
		if (prev && cl != prev + 1)
			contiguous = false;
		prev = cl;
		got++;
		if (got == needed)
			break;
		uint32_t next;
		int k = fat_next(fs, cl, &next);
		if (k != NEXT_OK) {
			why = next_why(k);
			break;
		}
		cl = next;
	}
	uint64_t want = got * cb < size ? got * cb : size;
	if (want) {
		uint64_t start = cluster_off(fs, first);
		if (contiguous) {
			uint64_t avail = start < fs->len ? fs->len - start : 0;
			n->data = fs->data + start;
			n->data_len = (size_t)(want < avail ? want : avail);
		} else {
			uint8_t *buf = fg_unpack_alloc(fs->ctx, (size_t)want);
			if (!buf) {
				note(fs, n, "content of %llu bytes not extracted: byte budget spent",
				     (unsigned long long)want);
				return;
			}
			/* pass 2: the same chain, already checked */
			size_t o = 0;
			cl = first;
			for (uint64_t i = 0; i < got && o < want; i++) {
				uint64_t off = cluster_off(fs, cl);
				size_t k = (size_t)(want - o < cb ? want - o : cb);
				size_t avail = off < fs->len ? (size_t)(fs->len - off) : 0;
				if (k > avail)
					k = avail;
				memcpy(buf + o, fs->data + off, k);
				o += k;
				if (k < cb && o < want)
					break;
				uint32_t next;
				if (i + 1 < got && fat_next(fs, cl, &next) == NEXT_OK)
					cl = next;
			}
			n->data = buf;
			n->data_len = o;
		}
	}
	if (n->data_len < size)
		note(fs, n, "content cut at %zu of %u bytes: %s", n->data_len, size,
		     why ? why : "the image ends first");
}

/* ---- names ---------------------------------------------------------------- */

static const uint16_t cp437_high[128] = {
	0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x00e0, 0x00e5, 0x00e7,
	0x00ea, 0x00eb, 0x00e8, 0x00ef, 0x00ee, 0x00ec, 0x00c4, 0x00c5,
	0x00c9, 0x00e6, 0x00c6, 0x00f4, 0x00f6, 0x00f2, 0x00fb, 0x00f9,
	0x00ff, 0x00d6, 0x00dc, 0x00a2, 0x00a3, 0x00a5, 0x20a7, 0x0192,
	0x00e1, 0x00ed, 0x00f3, 0x00fa, 0x00f1, 0x00d1, 0x00aa, 0x00ba,
	0x00bf, 0x2310, 0x00ac, 0x00bd, 0x00bc, 0x00a1, 0x00ab, 0x00bb,
	0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
	0x2555, 0x2563, 0x2551, 0x2557, 0x255d, 0x255c, 0x255b, 0x2510,
	0x2514, 0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x255e, 0x255f,
	0x255a, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256c, 0x2567,
	0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256b,
	0x256a, 0x2518, 0x250c, 0x2588, 0x2584, 0x258c, 0x2590, 0x2580,
	0x03b1, 0x00df, 0x0393, 0x03c0, 0x03a3, 0x03c3, 0x00b5, 0x03c4,
	0x03a6, 0x0398, 0x03a9, 0x03b4, 0x221e, 0x03c6, 0x03b5, 0x2229,
	0x2261, 0x00b1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00f7, 0x2248,
	0x00b0, 0x2219, 0x00b7, 0x221a, 0x207f, 0x00b2, 0x25a0, 0x00a0,
};

/* Appends code point CP as UTF-8; what cannot be in a file name ('/',
 * control characters) becomes '_'. Returns the new length. */
static size_t put_cp(char *out, size_t cap, size_t o, uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7f || cp == '/')
		cp = '_';
	uint8_t b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | cp >> 6);
		b[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | cp >> 12);
		b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | cp >> 18);
		b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (o + n >= cap)
		return o;
	memcpy(out + o, b, n);
	return o + n;
}

static uint32_t oem_char(uint8_t c)
{
	return c < 0x80 ? c : cp437_high[c - 0x80];
}

/* The 8.3 name of entry E: trailing spaces dropped, NT lower-case flags
 * applied, OEM bytes read as code page 437. */
static void short_name(const uint8_t *e, char *out, size_t cap)
{
	size_t o = 0;
	unsigned blen = 8, elen = 3;
	while (blen && e[blen - 1] == ' ')
		blen--;
	while (elen && e[8 + elen - 1] == ' ')
		elen--;
	bool lower_base = e[12] & 0x08, lower_ext = e[12] & 0x10;
	for (unsigned i = 0; i < blen; i++) {
		uint8_t c = i == 0 && e[0] == 0x05 ? 0xe5 : e[i];
		if (lower_base && c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		o = put_cp(out, cap, o, oem_char(c));
	}
	if (elen) {
		o = put_cp(out, cap, o, '.');
		for (unsigned i = 0; i < elen; i++) {
			uint8_t c = e[8 + i];
			if (lower_ext && c >= 'A' && c <= 'Z')
				c = (uint8_t)(c + 32);
			o = put_cp(out, cap, o, oem_char(c));
		}
	}
	out[o] = '\0';
}

static uint8_t short_checksum(const uint8_t *e)
{
	uint8_t sum = 0;
	for (unsigned i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + e[i]);
	return sum;
}

/* Long-name entries seen since the last short entry. */
typedef struct lfn_state {
	bool valid;
	unsigned total, expect;    /* entries in the name; sequence number wanted next */
	uint8_t csum;
	uint16_t units[FAT_LFN_MAX * 13];
} lfn_state;

static void lfn_add(lfn_state *st, const uint8_t *e)
{
	static const uint8_t pos[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
	unsigned seq = e[0] & 0x1f;
	if (e[0] & 0x40) {
		st->valid = seq >= 1 && seq <= FAT_LFN_MAX;
		st->total = seq;
		st->expect = seq;
		st->csum = e[13];
	} else if (!st->valid || seq != st->expect || e[13] != st->csum) {
		st->valid = false;
		return;
	}
	if (!st->valid || seq == 0 || seq != st->expect)
		return;
	for (unsigned i = 0; i < 13; i++)
		st->units[(seq - 1) * 13 + i] = ld16(e + pos[i]);
	st->expect = seq - 1;
}

/* The long name for short entry E when one was collected and belongs to
 * it; false otherwise. */
static bool lfn_take(lfn_state *st, const uint8_t *e, char *out, size_t cap)
{
	bool ok = st->valid && st->expect == 0 && st->csum == short_checksum(e);
	st->valid = false;
	if (!ok)
		return false;
	size_t o = 0;
	unsigned n = st->total * 13;
	for (unsigned i = 0; i < n; i++) {
		uint32_t u = st->units[i];
		if (u == 0)
			break;
		if (u >= 0xd800 && u <= 0xdbff && i + 1 < n && st->units[i + 1] >= 0xdc00 &&
		    st->units[i + 1] <= 0xdfff) {
			u = 0x10000 + ((u - 0xd800) << 10) + (st->units[i + 1] - 0xdc00u);
			i++;
		} else if (u >= 0xd800 && u <= 0xdfff) {
			u = 0xfffd;
		}
		o = put_cp(out, cap, o, u);
	}
	out[o] = '\0';
	return o > 0;
}

/* ---- directories ---------------------------------------------------------- */

static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + (int64_t)doe - 719468;
}

/* A FAT date and time as seconds since the epoch; 0 when unset or not a
 * real date. */
static int64_t fat_time(uint16_t date, uint16_t time)
{
	unsigned day = date & 0x1f, month = (date >> 5) & 0x0f;
	int year = 1980 + (date >> 9);
	unsigned sec = (time & 0x1f) * 2, min = (time >> 5) & 0x3f, hour = time >> 11;
	if (!date || !day || !month || month > 12 || hour > 23 || min > 59 || sec > 59)
		return 0;
	return days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
}

typedef struct dir_job {
	fg_node *node;
	uint32_t cluster;          /* 0: the fixed FAT12/16 root */
	unsigned depth;
} dir_job;

typedef FG_VEC(dir_job) dir_stack;

typedef struct dir_walk {
	fat_fs *fs;
	fg_node *dir;
	unsigned depth;
	dir_stack *stack;
	lfn_state lfn;
	uint32_t entries;
} dir_walk;

static void add_entry(dir_walk *w, const uint8_t *e, const char *name)
{
	fat_fs *fs = w->fs;
	uint8_t attr = e[11];
	bool is_dir = attr & ATTR_DIR;
	if (fg_node_find_child(w->dir, name, strlen(name))) {
		note(fs, w->dir, "second entry named %.200s ignored", name);
		return;
	}
	fg_node *n = fg_unpack_add(fs->ctx, w->dir, name, is_dir ? FG_NODE_DIR : FG_NODE_FILE);
	if (!n)
		return;
	n->mtime = fat_time(ld16(e + 24), ld16(e + 22));
	uint32_t cluster = ld16(e + 26);
	if (fs->g.bits == 32)
		cluster |= (uint32_t)ld16(e + 20) << 16;
	if (is_dir) {
		n->mode = 0755;
		fs->dirs++;
		if (!cluster) {
			note(fs, n, "directory without clusters");
			return;
		}
		if (w->depth + 1 > FAT_MAX_DEPTH) {
			note(fs, n, "directory nesting deeper than %u: not read", FAT_MAX_DEPTH);
			return;
		}
		dir_job j = { n, cluster, w->depth + 1 };
		if (!FG_VEC_PUSH(w->stack, j))
			note(fs, n, "out of memory");
		return;
	}
	n->mode = (attr & ATTR_RO) ? 0444 : 0644;
	fs->files++;
	read_content(fs, n, cluster, fg_load_u32le(e + 28));
}

/* Reads the entries in P..P+N. Returns false at the end-of-directory
 * mark or the entry limit. */
static bool read_entries(dir_walk *w, const uint8_t *p, size_t n)
{
	fat_fs *fs = w->fs;
	for (size_t off = 0; off + 32 <= n; off += 32) {
		const uint8_t *e = p + off;
		if (e[0] == 0x00)
			return false;
		if (++w->entries > FAT_DIR_MAX_ENTRIES) {
			note(fs, w->dir, "more than %u directory entries: rest ignored", FAT_DIR_MAX_ENTRIES);
			return false;
		}
		if (e[0] == 0xe5) {
			w->lfn.valid = false;
			continue;
		}
		uint8_t attr = e[11];
		if ((attr & 0x3f) == ATTR_LFN) {
			lfn_add(&w->lfn, e);
			continue;
		}
		if (attr & ATTR_VOLUME) {
			if (w->dir == fs->root && !fs->label[0]) {
				memcpy(fs->label, e, 11);
				fs->label[11] = '\0';
			}
			w->lfn.valid = false;
			continue;
		}
		if (e[0] == '.' && (!memcmp(e, ".          ", 11) || !memcmp(e, "..         ", 11))) {
			w->lfn.valid = false;
			continue;
		}
		char name[FAT_NAME_MAX];
		if (!lfn_take(&w->lfn, e, name, sizeof(name)))
			short_name(e, name, sizeof(name));
		if (!name[0] || !strcmp(name, ".") || !strcmp(name, "..")) {
			note(fs, w->dir, "entry without a usable name skipped");
			continue;
		}
		add_entry(w, e, name);
	}
	return true;
}

static void read_dir(fat_fs *fs, const dir_job *j, dir_stack *stack)
{
	dir_walk *w = calloc(1, sizeof(*w));
	if (!w) {
		note(fs, j->node, "out of memory");
		return;
	}
	w->fs = fs;
	w->dir = j->node;
	w->depth = j->depth;
	w->stack = stack;
	if (!j->cluster) {
		uint64_t off = fs->g.root_off, n = fs->g.root_bytes;
		uint64_t avail = off < fs->len ? fs->len - off : 0;
		if (avail < n)
			note(fs, NULL, "root directory cut short: %llu of %llu bytes in the image",
			     (unsigned long long)avail, (unsigned long long)n);
		read_entries(w, fs->data + (off < fs->len ? off : fs->len), (size_t)(n < avail ? n : avail));
		free(w);
		return;
	}
	const uint32_t cb = fs->g.cluster_bytes;
	uint32_t cl = j->cluster;
	for (;;) {
		const char *why = claim(fs, cl);
		if (why) {
			note(fs, j->node, "directory not read further: %s", why);
			break;
		}
		uint64_t off = cluster_off(fs, cl);
		size_t avail = (size_t)(fs->len - off < cb ? fs->len - off : cb);
		if (!read_entries(w, fs->data + off, avail))
			break;
		if (avail < cb) {
			note(fs, j->node, "directory cut short by the end of the image");
			break;
		}
		uint32_t next;
		int k = fat_next(fs, cl, &next);
		if (k == NEXT_END)
			break;
		if (k != NEXT_OK) {
			note(fs, j->node, "directory not read further: %s", next_why(k));
			break;
		}
		cl = next;
	}
	free(w);
}

static void walk(fat_fs *fs)
{
	dir_stack stack = {0};
	dir_job first = { fs->root, fs->g.bits == 32 ? fs->g.root_cluster : 0, 0 };
	if (!FG_VEC_PUSH(&stack, first)) {
		note(fs, NULL, "out of memory");
		return;
	}
	while (stack.n) {
		dir_job j = stack.v[--stack.n];
		if (fg_budget_expired(fg_unpack_budget(fs->ctx))) {
			note(fs, NULL, "time limit reached");
			break;
		}
		read_dir(fs, &j, &stack);
	}
	FG_VEC_FREE(&stack);
}

/* "FAT16, 2048-byte clusters, label FIRMWARE" */
static void set_info(fat_fs *fs, const uint8_t *d)
{
	char label[12] = "";
	uint8_t sig = fs->g.bits == 32 ? d[66] : d[38];
	const uint8_t *bl = fs->g.bits == 32 ? d + 71 : d + 43;
	if (fs->label[0])
		memcpy(label, fs->label, 12);
	else if (sig == 0x29)
		memcpy(label, bl, 11);
	label[11] = '\0';
	for (int i = 10; i >= 0 && (label[i] == ' ' || label[i] == '\0'); i--)
		label[i] = '\0';
	for (int i = 0; label[i]; i++)
		if ((uint8_t)label[i] < 0x20 || (uint8_t)label[i] >= 0x7f || label[i] == '"')
			label[i] = '_';
	if (!strcmp(label, "NO NAME"))
		label[0] = '\0';
	char info[96];
	snprintf(info, sizeof(info), "FAT%u, %u-byte clusters%s%s%s", fs->g.bits,
		 fs->g.cluster_bytes, label[0] ? ", label \"" : "", label, label[0] ? "\"" : "");
	fg_tree *t = fg_unpack_tree(fs->ctx);
	pthread_mutex_lock(&t->lock);
	fs->root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);
}

static int fat_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	fat_fs fs = { .ctx = ctx, .root = root, .data = data, .len = len };
	if (!parse_bpb(data, len, &fs.g)) {
		fg_unpack_fail(ctx, "no valid FAT boot sector");
		return -1;
	}
	root->src_length = fs.g.bytes < len ? fs.g.bytes : len;
	root->mode = 0755;
	if (fs.g.bytes > len)
		note(&fs, NULL, "image cut short: the volume spans %llu bytes, %zu present",
		     (unsigned long long)fs.g.bytes, len);
	if (fs.g.fat_clamped)
		note(&fs, NULL, "the FAT holds fewer entries than the volume has clusters");
	/* clusters whose first byte is past the image cannot be read: the
	 * bitmap covers the readable ones only, so it is bounded by the input */
	fs.max_cluster = 1;
	if (fs.g.data_off < len) {
		uint64_t readable = (len - fs.g.data_off + fs.g.cluster_bytes - 1) / fs.g.cluster_bytes;
		uint64_t last = readable + 1;
		fs.max_cluster = (uint32_t)(last < fs.g.clusters + 1 ? last : fs.g.clusters + 1);
	}
	fs.used = calloc((size_t)fs.max_cluster / 8 + 1, 1);
	if (!fs.used) {
		fg_unpack_fail(ctx, "out of memory");
		return -1;
	}
	walk(&fs);
	free(fs.used);
	set_info(&fs, data);
	return 0;
}

static const fg_magic fat_magics[] = {
	{ "FAT12   ", 8, 54 },
	{ "FAT16   ", 8, 54 },
	{ "FAT     ", 8, 54 },
	{ "FAT32   ", 8, 82 },
	FG_MAGIC_END,
};

const fg_format fg_format_fat = {
	.name = "fat",
	.kind = FG_FMT_FILESYSTEM,
	.magics = fat_magics,
	.probe = fat_probe,
	.unpack = fat_unpack,
};
