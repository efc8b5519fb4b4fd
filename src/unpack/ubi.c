/*
 * ubi.c - UBI images (what ubinize writes, or a raw NAND/NOR dump of a
 * UBI partition): every volume rebuilt as one file.
 *
 * A UBI image is a row of physical eraseblocks (PEBs) of one size. Each
 * starts with an erase-counter header ("UBI#", big-endian, 64 bytes) that
 * says where the volume-identifier header ("UBI!") and the data sit in
 * the PEB. The VID header maps the PEB to logical eraseblock LNUM of
 * volume VOL_ID; the layout volume (0x7fffefff, two copies) holds the
 * volume table: one 172-byte record per volume id with its name, type and
 * size. Both headers and every table record carry a CRC-32 (init
 * 0xffffffff, no final inversion: the complement of zlib's crc32).
 *
 * The PEB size is not stored anywhere: it is the distance to the next
 * valid EC header. A PEB without a VID header is free. When a LEB was
 * written twice (wear-levelling copied it and the old PEB was not erased
 * yet) the higher sequence number wins.
 *
 * Volumes come out as files named after the volume: a dynamic volume is
 * its LEBs in order (unmapped ones read as 0xff, as on flash), a static
 * one the data_size bytes of each of its used_ebs LEBs. The engine then
 * identifies what a volume holds (UBIFS, squashfs, a kernel...).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crc32.h"
#include "core/cursor.h"
#include "unpack/format.h"

#define UBI_HDR_SIZE 64
#define UBI_VERSION 1
#define UBI_LAYOUT_VOL 0x7fffefffu
#define UBI_INTERNAL_VOL_START 0x7fffefffu
#define UBI_MAX_VOLUMES 128
#define UBI_VTBL_REC 172
#define UBI_VOL_NAME_MAX 127
#define UBI_VOL_DYNAMIC 1
#define UBI_VOL_STATIC 2
#define UBI_MIN_PEB 512u
#define UBI_MAX_PEB (8u << 20)
#define UBI_MAX_ERASED_RUN 64   /* erased PEBs tolerated between used ones */

/* CRC-32 as UBI computes it: crc32_le(0xffffffff, ...) with no final
 * inversion, which is zlib's value complemented. */
static uint32_t ubi_crc(const uint8_t *p, size_t n)
{
	return ~fg_crc32(0, p, n);
}

/* ---- erase-counter headers and geometry ---------------------------- */

typedef struct ubi_ec {
	uint32_t vid_off, data_off, image_seq;
} ubi_ec;

/* A valid EC header at P (64 bytes present): magic, version, CRC. */
static bool ec_valid(const uint8_t *p, ubi_ec *ec)
{
	if (memcmp(p, "UBI#", 4) != 0 || p[4] != UBI_VERSION)
		return false;
	if (ubi_crc(p, 60) != fg_load_u32be(p + 60))
		return false;
	ec->vid_off = fg_load_u32be(p + 16);
	ec->data_off = fg_load_u32be(p + 20);
	ec->image_seq = fg_load_u32be(p + 24);
	return true;
}

/* Offsets that fit some PEB: the VID header after the EC header, the
 * data after the VID header, all 8-byte aligned. */
static bool ec_sane(const ubi_ec *ec)
{
	return ec->vid_off >= UBI_HDR_SIZE && ec->vid_off % 8 == 0 &&
	       ec->data_off >= ec->vid_off + UBI_HDR_SIZE && ec->data_off % 8 == 0 &&
	       ec->data_off < UBI_MAX_PEB;
}

/* The EC header at OFF belongs to the same image as FIRST. */
static bool ec_matches(const uint8_t *data, size_t len, size_t off, const ubi_ec *first)
{
	ubi_ec ec;
	if (off > len || len - off < UBI_HDR_SIZE || !ec_valid(data + off, &ec))
		return false;
	return ec.vid_off == first->vid_off && ec.data_off == first->data_off &&
	       ec.image_seq == first->image_seq;
}

static bool is_erased(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xff)
			return false;
	return true;
}

typedef struct ubi_geo {
	ubi_ec ec;
	uint32_t peb;       /* PEB size */
	size_t npebs;       /* PEBs of the image, the last maybe cut short */
	uint64_t chunk;     /* bytes the image covers */
} ubi_geo;

/* An EC header's magic at OFF, whatever its CRC says. */
static bool has_magic(const uint8_t *data, size_t len, size_t off)
{
	return off <= len && len - off >= UBI_HDR_SIZE && !memcmp(data + off, "UBI#", 4);
}

/*
 * The PEB size: the smallest power of two past the data offset where the
 * next header of the same image sits, confirmed by the one after it when
 * the image is that long (a UBI image stored raw inside a volume must not
 * pass for the next PEB). A damaged header at the first candidate PEB is
 * bridged by a valid one after it.
 */
static uint32_t find_peb_size(const uint8_t *data, size_t len, const ubi_ec *ec)
{
	for (uint32_t p = UBI_MIN_PEB; p <= UBI_MAX_PEB; p *= 2) {
		if (p <= ec->data_off)
			continue;
		size_t p2 = 2 * (size_t)p;
		bool second = ec_matches(data, len, p2, ec);
		if (ec_matches(data, len, p, ec)) {
			if (len < 3 * (size_t)p || second || has_magic(data, len, p2) ||
			    is_erased(data + p2, UBI_HDR_SIZE))
				return p;
		} else if (has_magic(data, len, p) && second) {
			return p;
		}
	}
	return 0;
}

/* Counts the PEBs from the start that belong to the image: a valid header
 * of the same image, or an erased PEB or a damaged header (a bit flip, an
 * interrupted erase) followed soon by a valid one. */
static size_t count_pebs(const uint8_t *data, size_t len, const ubi_geo *g)
{
	size_t n = 1, erased = 0;
	for (size_t off = g->peb; off < len && len - off >= UBI_HDR_SIZE; off += g->peb) {
		if (ec_matches(data, len, off, &g->ec)) {
			n += erased + 1;
			erased = 0;
		} else if ((is_erased(data + off, UBI_HDR_SIZE) || !memcmp(data + off, "UBI#", 4)) &&
			   erased < UBI_MAX_ERASED_RUN) {
			erased++;
		} else {
			break;
		}
	}
	return n;
}

static bool ubi_geometry(const uint8_t *data, size_t len, ubi_geo *g)
{
	memset(g, 0, sizeof(*g));
	if (len < UBI_HDR_SIZE || !ec_valid(data, &g->ec) || !ec_sane(&g->ec))
		return false;
	g->peb = find_peb_size(data, len, &g->ec);
	if (!g->peb) {
		/* a single PEB: it runs to the end */
		if (len > UBI_MAX_PEB || len <= g->ec.data_off)
			return false;
		g->peb = (uint32_t)len;
		g->npebs = 1;
		g->chunk = len;
		return true;
	}
	g->npebs = count_pebs(data, len, g);
	g->chunk = (uint64_t)g->npebs * g->peb;
	if (g->chunk > len)
		g->chunk = len; /* the last PEB is cut short */
	return true;
}

static int ubi_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	if (len < UBI_HDR_SIZE || memcmp(data, "UBI#", 4) != 0 || data[4] != UBI_VERSION)
		return 0;
	ubi_geo g;
	if (!ubi_geometry(data, len, &g))
		return 10; /* claimed at offset 0 only, so unpack says what is wrong */
	*chunk_len = g.chunk;
	/* two or more headers of one image, CRCs good: that is UBI. A lone
	 * PEB would claim everything after it, so it is not carved. */
	return g.npebs > 1 ? 95 : 40;
}

static const fg_magic ubi_magics[] = {
	{ "UBI#\x01", 5, 0 },
	FG_MAGIC_END,
};

/* ---- VID headers ------------------------------------------------------ */

typedef struct ubi_leb {
	uint32_t vol_id, lnum;
	uint32_t data_size, used_ebs, data_pad, data_crc;
	uint64_t sqnum;
	uint8_t vol_type;
	size_t peb;
} ubi_leb;

typedef struct ubi_image {
	fg_unpack_ctx *ctx;
	fg_node *root;
	const uint8_t *data;
	size_t len;
	ubi_geo g;
	uint32_t leb_size;
	FG_VEC(ubi_leb) lebs;
	uint64_t bad_vid;
	uint64_t out_cap, out_used;   /* bytes all volumes may take */
} ubi_image;

/* Bytes of PEB I present in the image (the last may be cut short). */
static size_t peb_avail(const ubi_image *u, size_t i)
{
	size_t off = i * (size_t)u->g.peb;
	if (off >= u->len)
		return 0;
	return u->len - off < u->g.peb ? u->len - off : u->g.peb;
}

static bool read_vid(ubi_image *u, size_t i, ubi_leb *l)
{
	if (peb_avail(u, i) < (size_t)u->g.ec.vid_off + UBI_HDR_SIZE)
		return false;
	const uint8_t *p = u->data + i * (size_t)u->g.peb + u->g.ec.vid_off;
	if (memcmp(p, "UBI!", 4) != 0)
		return false;
	if (p[4] != UBI_VERSION || ubi_crc(p, 60) != fg_load_u32be(p + 60)) {
		u->bad_vid++;
		return false;
	}
	l->vol_type = p[5];
	l->vol_id = fg_load_u32be(p + 8);
	l->lnum = fg_load_u32be(p + 12);
	l->data_size = fg_load_u32be(p + 20);
	l->used_ebs = fg_load_u32be(p + 24);
	l->data_pad = fg_load_u32be(p + 28);
	l->data_crc = fg_load_u32be(p + 32);
	l->sqnum = ((uint64_t)fg_load_u32be(p + 40) << 32) | fg_load_u32be(p + 44);
	l->peb = i;
	return true;
}

static int leb_cmp(const void *a, const void *b)
{
	const ubi_leb *x = a, *y = b;
	if (x->vol_id != y->vol_id)
		return x->vol_id < y->vol_id ? -1 : 1;
	if (x->lnum != y->lnum)
		return x->lnum < y->lnum ? -1 : 1;
	if (x->sqnum != y->sqnum)
		return x->sqnum > y->sqnum ? -1 : 1; /* newest first */
	return x->peb < y->peb ? -1 : x->peb > y->peb;
}

/* Collects every mapped PEB, sorted by volume, LEB and newest first,
 * then drops the older copies of each LEB (normal after wear-levelling
 * moved a LEB and power went before the old PEB was erased). */
static bool scan_pebs(ubi_image *u)
{
	for (size_t i = 0; i < u->g.npebs; i++) {
		ubi_leb l;
		if (read_vid(u, i, &l) && !FG_VEC_PUSH(&u->lebs, l))
			return false;
	}
	if (u->lebs.n)
		qsort(u->lebs.v, u->lebs.n, sizeof(*u->lebs.v), leb_cmp);
	size_t out = 0;
	for (size_t i = 0; i < u->lebs.n; i++) {
		if (out && u->lebs.v[out - 1].vol_id == u->lebs.v[i].vol_id &&
		    u->lebs.v[out - 1].lnum == u->lebs.v[i].lnum)
			continue;
		u->lebs.v[out++] = u->lebs.v[i];
	}
	u->lebs.n = out;
	if (u->bad_vid)
		fg_unpack_truncated(u->ctx, u->root, "%llu VID headers with a bad CRC ignored",
				    (unsigned long long)u->bad_vid);
	return true;
}

/* Index of the first LEB of volume VOL (lebs sorted), or lebs.n. */
static size_t first_leb(const ubi_image *u, uint32_t vol)
{
	size_t lo = 0, hi = u->lebs.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (u->lebs.v[mid].vol_id < vol)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The LEB's data in the image: from the data offset to the PEB's end
 * (or the image's). */
static const uint8_t *leb_data(const ubi_image *u, const ubi_leb *l, size_t *avail)
{
	size_t have = peb_avail(u, l->peb);
	if (have <= u->g.ec.data_off) {
		*avail = 0;
		return u->data;
	}
	*avail = have - u->g.ec.data_off;
	return u->data + l->peb * (size_t)u->g.peb + u->g.ec.data_off;
}

/* ---- the volume table -------------------------------------------------- */

typedef struct ubi_vol {
	bool known;          /* a valid volume-table record names it */
	uint32_t reserved_pebs, alignment, data_pad;
	uint8_t type, upd_marker;
	char name[UBI_VOL_NAME_MAX + 1];
} ubi_vol;

/* Record SLOT of the table in L: parsed into *V when its CRC holds. An
 * empty slot (no reserved PEBs) is valid but names no volume. */
static bool parse_record(const ubi_image *u, const ubi_leb *l, size_t slot, ubi_vol *v)
{
	size_t avail;
	const uint8_t *p = leb_data(u, l, &avail);
	if ((slot + 1) * UBI_VTBL_REC > avail)
		return false;
	const uint8_t *r = p + slot * UBI_VTBL_REC;
	if (ubi_crc(r, UBI_VTBL_REC - 4) != fg_load_u32be(r + UBI_VTBL_REC - 4))
		return false;
	memset(v, 0, sizeof(*v));
	v->reserved_pebs = fg_load_u32be(r);
	if (!v->reserved_pebs)
		return true;
	v->alignment = fg_load_u32be(r + 4);
	v->data_pad = fg_load_u32be(r + 8);
	v->type = r[12];
	v->upd_marker = r[13];
	size_t nl = (size_t)((r[14] << 8) | r[15]);
	if (nl > UBI_VOL_NAME_MAX)
		nl = UBI_VOL_NAME_MAX;
	memcpy(v->name, r + 16, nl);
	v->name[nl] = '\0';
	v->known = true;
	return true;
}

/*
 * The volume table lives in LEBs 0 and 1 of the layout volume, two
 * copies UBI keeps equal. Each record is taken from the first copy where
 * its CRC holds, so a bit flip in one copy costs nothing.
 */
static void read_vtbl(ubi_image *u, ubi_vol *vols)
{
	size_t at = first_leb(u, UBI_LAYOUT_VOL);
	const ubi_leb *copies[2] = { NULL, NULL };
	for (size_t i = at; i < u->lebs.n && u->lebs.v[i].vol_id == UBI_LAYOUT_VOL; i++)
		if (u->lebs.v[i].lnum < 2)
			copies[u->lebs.v[i].lnum] = &u->lebs.v[i];
	if (!copies[0] && !copies[1]) {
		fg_unpack_truncated(u->ctx, u->root, "no volume table: volumes named by id");
		return;
	}
	size_t slots = u->leb_size / UBI_VTBL_REC, bad = 0;
	if (slots > UBI_MAX_VOLUMES)
		slots = UBI_MAX_VOLUMES;
	for (size_t i = 0; i < slots; i++) {
		bool ok = false;
		for (int c = 0; c < 2 && !ok; c++)
			ok = copies[c] && parse_record(u, copies[c], i, &vols[i]);
		bad += !ok;
	}
	if (bad)
		fg_unpack_truncated(u->ctx, u->root,
				    "volume table: %zu records unreadable in both copies", bad);
}

/* ---- rebuilding volumes ------------------------------------------------ */

/* A file name for volume ID: its name with '/' and control bytes
 * replaced, or "vol<ID>" when it has none; unique under the root. */
static void volume_name(const ubi_image *u, const ubi_vol *v, uint32_t id, char *buf, size_t cap)
{
	size_t n = 0;
	for (const char *s = v->known ? v->name : ""; *s && n + 1 < cap; s++) {
		unsigned char ch = (unsigned char)*s;
		buf[n++] = (ch == '/' || ch < 0x20 || ch >= 0x7f) ? '_' : (char)ch;
	}
	buf[n] = '\0';
	if (!n || !strcmp(buf, ".") || !strcmp(buf, ".."))
		snprintf(buf, cap, "vol%u", id);
	if (fg_node_find_child(u->root, buf, strlen(buf))) {
		char tmp[UBI_VOL_NAME_MAX + 16];
		snprintf(tmp, sizeof(tmp), "%.*s.vol%u", UBI_VOL_NAME_MAX, buf, id);
		snprintf(buf, cap, "%s", tmp);
	}
}

/* The range [*FIRST, *END) of usable LEBs of volume ID: LEB numbers
 * beyond what the image or the table allows are dropped. */
static void volume_lebs(ubi_image *u, uint32_t id, const ubi_vol *v, size_t *first, size_t *end)
{
	uint64_t limit = u->g.npebs;
	if (v->known && v->reserved_pebs < limit)
		limit = v->reserved_pebs;
	*first = first_leb(u, id);
	size_t e = *first, beyond = 0;
	while (e < u->lebs.n && u->lebs.v[e].vol_id == id)
		e++;
	*end = e;
	while (*end > *first && u->lebs.v[*end - 1].lnum >= limit) {
		(*end)--;
		beyond++;
	}
	if (beyond)
		fg_unpack_truncated(u->ctx, u->root, "volume %u: %zu LEBs numbered past %llu ignored",
				    id, beyond, (unsigned long long)limit);
}

typedef struct vol_out {
	uint8_t *buf;
	uint64_t size;
	const char *why;     /* first problem, NULL when whole */
} vol_out;

static uint8_t *volume_buffer(ubi_image *u, uint64_t size, vol_out *o)
{
	if (size > u->out_cap - u->out_used) {
		o->why = "image expansion limit reached";
		return NULL;
	}
	uint8_t *b = fg_unpack_alloc(u->ctx, (size_t)size);
	if (!b) {
		o->why = "byte budget spent";
		return NULL;
	}
	u->out_used += size;
	return b;
}

/* Dynamic: every LEB up to the highest mapped one, usable bytes each. */
static void build_dynamic(ubi_image *u, size_t first, size_t end, uint32_t usable, vol_out *o)
{
	if (first == end)
		return;
	uint64_t nlebs = (uint64_t)u->lebs.v[end - 1].lnum + 1;
	o->size = nlebs * usable;
	o->buf = volume_buffer(u, o->size, o);
	if (!o->buf)
		return;
	memset(o->buf, 0xff, (size_t)o->size);
	for (size_t i = first; i < end; i++) {
		const ubi_leb *l = &u->lebs.v[i];
		size_t avail;
		const uint8_t *src = leb_data(u, l, &avail);
		size_t n = avail < usable ? avail : usable;
		memcpy(o->buf + (uint64_t)l->lnum * usable, src, n);
		if (n < usable && !o->why)
			o->why = "image truncated inside the volume";
	}
}

/* Static: data_size bytes of each of used_ebs LEBs, CRC-checked. */
static void build_static(ubi_image *u, size_t first, size_t end, uint32_t usable, vol_out *o)
{
	if (first == end)
		return;
	uint64_t used = u->lebs.v[first].used_ebs;
	if (used > u->g.npebs) {
		o->why = "used_ebs beyond the image";
		used = u->g.npebs;
	}
	/* every LEB but the last is full */
	uint64_t last_size = usable;
	const ubi_leb *last = &u->lebs.v[end - 1];
	if (used && last->lnum == used - 1 && last->data_size <= usable)
		last_size = last->data_size;
	o->size = used ? (used - 1) * usable + last_size : 0;
	o->buf = volume_buffer(u, o->size, o);
	if (!o->buf)
		return;
	memset(o->buf, 0, (size_t)o->size);
	uint64_t present = 0;
	for (size_t i = first; i < end && u->lebs.v[i].lnum < used; i++) {
		const ubi_leb *l = &u->lebs.v[i];
		uint64_t at = (uint64_t)l->lnum * usable;
		uint64_t want = l->lnum == used - 1 ? last_size : usable;
		size_t avail;
		const uint8_t *src = leb_data(u, l, &avail);
		if (l->data_size != want || avail < want) {
			if (!o->why)
				o->why = avail < want ? "image truncated inside the volume"
						      : "LEB data size inconsistent";
			want = want < avail ? want : avail;
		} else if (ubi_crc(src, want) != l->data_crc && !o->why) {
			o->why = "LEB data CRC mismatch";
		}
		memcpy(o->buf + at, src, (size_t)want);
		present++;
	}
	if (present < used && !o->why)
		o->why = "LEBs missing";
}

static void emit_volume(ubi_image *u, uint32_t id, const ubi_vol *v)
{
	char name[UBI_VOL_NAME_MAX + 32];
	volume_name(u, v, id, name, sizeof(name));
	if (fg_node_find_child(u->root, name, strlen(name))) {
		fg_unpack_truncated(u->ctx, u->root, "volume %u: name \"%s\" taken, skipped", id, name);
		return;
	}
	fg_node *n = fg_unpack_add(u->ctx, u->root, name, FG_NODE_FILE);
	if (!n)
		return;
	n->mode = 0644;
	size_t first, end;
	volume_lebs(u, id, v, &first, &end);
	uint32_t pad = v->known ? v->data_pad : (first < end ? u->lebs.v[first].data_pad : 0);
	uint8_t type = v->known ? v->type : (first < end ? u->lebs.v[first].vol_type : 0);
	vol_out o = { 0 };
	if (pad >= u->leb_size) {
		o.why = "data_pad as large as the LEB";
	} else if (type == UBI_VOL_STATIC) {
		build_static(u, first, end, u->leb_size - pad, &o);
	} else {
		build_dynamic(u, first, end, u->leb_size - pad, &o);
	}
	n->size = o.size;
	if (o.buf) {
		n->data = o.buf;
		n->data_len = (size_t)o.size;
	}
	if (!o.why && v->upd_marker)
		o.why = "an update of the volume was interrupted";
	if (o.why)
		fg_unpack_truncated(u->ctx, n, "volume %u: %s", id, o.why);
}

/* Volumes: every record of the table, plus volumes whose LEBs exist but
 * whose record does not (a damaged table). */
static size_t emit_volumes(ubi_image *u, const ubi_vol *vols)
{
	size_t count = 0;
	for (uint32_t id = 0; id < UBI_MAX_VOLUMES; id++) {
		size_t f = first_leb(u, id);
		bool mapped = f < u->lebs.n && u->lebs.v[f].vol_id == id;
		if (!vols[id].known && !mapped)
			continue;
		emit_volume(u, id, &vols[id]);
		count++;
	}
	size_t stray = 0;
	for (size_t i = 0; i < u->lebs.n; i++)
		if (u->lebs.v[i].vol_id >= UBI_MAX_VOLUMES &&
		    u->lebs.v[i].vol_id < UBI_INTERNAL_VOL_START)
			stray++;
	if (stray)
		fg_unpack_truncated(u->ctx, u->root, "%zu LEBs of impossible volume ids ignored", stray);
	return count;
}

static void set_info(ubi_image *u, size_t vols)
{
	char info[96];
	snprintf(info, sizeof(info), "peb %u, %zu volume%s", u->g.peb, vols, vols == 1 ? "" : "s");
	fg_tree *t = fg_unpack_tree(u->ctx);
	pthread_mutex_lock(&t->lock);
	u->root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);
}

static int ubi_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	ubi_image u = { .ctx = ctx, .root = root, .data = data, .len = len };
	if (len < UBI_HDR_SIZE || memcmp(data, "UBI#", 4) != 0) {
		fg_unpack_fail(ctx, "no UBI erase-counter header");
		return -1;
	}
	if (!ubi_geometry(data, len, &u.g)) {
		fg_unpack_fail(ctx, "first erase-counter header is corrupt");
		return -1;
	}
	u.len = u.g.chunk < len ? (size_t)u.g.chunk : len;
	root->src_length = u.len;
	u.leb_size = u.g.peb - u.g.ec.data_off;
	/* a volume is at most the image's LEBs; holes only pad that out */
	u.out_cap = 2 * (uint64_t)u.len + (1u << 20);
	if (u.g.chunk < (uint64_t)u.g.npebs * u.g.peb)
		fg_unpack_truncated(ctx, root, "image truncated inside PEB %zu", u.g.npebs - 1);
	if (!scan_pebs(&u)) {
		FG_VEC_FREE(&u.lebs);
		fg_unpack_fail(ctx, "out of memory");
		return -1;
	}
	ubi_vol *vols = calloc(UBI_MAX_VOLUMES, sizeof(*vols));
	if (!vols) {
		FG_VEC_FREE(&u.lebs);
		fg_unpack_fail(ctx, "out of memory");
		return -1;
	}
	read_vtbl(&u, vols);
	size_t n = emit_volumes(&u, vols);
	set_info(&u, n);
	free(vols);
	FG_VEC_FREE(&u.lebs);
	if (!n) {
		fg_unpack_fail(ctx, "no volumes");
		return -1;
	}
	return 0;
}

const fg_format fg_format_ubi = {
	.name = "ubi",
	.kind = FG_FMT_WRAPPER,
	.magics = ubi_magics,
	.probe = ubi_probe,
	.unpack = ubi_unpack,
};
