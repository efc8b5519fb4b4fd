/*
 * zip.c - ZIP archives through libarchive.
 *
 * The probe is our own. A local file header ("PK\3\4") is a weak magic
 * inside firmware, so the first header's fields must make sense. The
 * chunk's extent comes from the end-of-central-directory record (EOCD),
 * which is found by walking the archive's own structure: local headers
 * (each says how much data follows), the central directory entries, the
 * optional ZIP64 records, the EOCD and its comment. Walking cannot be
 * fooled by a stored zip inside the zip (its records are jumped over) nor
 * by a second zip later in the blob. When the walk is blocked (entries
 * whose sizes follow their data, junk between records), EOCD records are
 * searched for instead, and the first whose central-directory offset and
 * size agree with the candidate's position is taken.
 *
 * The EOCD's offsets may count from somewhere other than the first local
 * header (a vendor header in front, like Dahua's "DH" magic, or offsets
 * adjusted for a self-extractor stub). Such a zip is read with
 * libarchive's streaming reader, which follows the local headers; one
 * whose offsets agree is read through its central directory, which is
 * where the Unix modes live.
 */
#include <archive.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "unpack/archive_common.h"

#define LFH_SIG "PK\3\4"
#define CDH_SIG "PK\1\2"
#define EOCD_SIG "PK\5\6"
#define EOCD64_SIG "PK\6\6"
#define LOC64_SIG "PK\6\7"
#define DD_SIG "PK\7\x08"
#define SIGN_SIG "PK\5\5"      /* central directory digital signature */
#define AXD_SIG "PK\6\x08"     /* archive extra data record */

#define LFH_LEN 30
#define CDH_LEN 46
#define EOCD_LEN 22
#define EOCD64_LEN 56
#define LOC64_LEN 20
#define ZIP_NAME_MAX 4096
#define ZIP_MAX_EOCD_TRIES 4096  /* EOCD signatures examined when searching */
/* libarchive's seekable reader looks for the EOCD in the last 16 KiB */
#define ZIP_SEEKABLE_TAIL (16 * 1024)

#define FLAG_DESCRIPTOR 0x0008   /* sizes follow the data */
#define FLAG_RESERVED 0xc780     /* bits no writer sets */

typedef struct zip_layout {
	uint64_t end;          /* chunk length (EOCD + comment); 0 when not found */
	uint64_t eocd;         /* where the EOCD record starts */
	bool consistent;       /* the offsets count from the first local header */
	bool zip64;
	uint64_t walked;       /* no EOCD: where the local headers stop making sense */
} zip_layout;

static bool sig_at(const uint8_t *data, size_t len, uint64_t pos, const char *sig)
{
	return pos <= len && len - pos >= 4 && memcmp(data + pos, sig, 4) == 0;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)fg_load_u32le(p) | (uint64_t)fg_load_u32le(p + 4) << 32;
}

/* ---- the first local header ----------------------------------------- */

static bool method_known(unsigned m)
{
	switch (m) {
	case 0: case 8: case 9: case 12: case 14: case 93: case 95: case 98: case 99:
		return true;
	default:
		return false;
	}
}

/* Version, flags, method and name of the local header at DATA make sense.
 * The name must be complete: without it there is nothing to unpack. */
static bool lfh_plausible(const uint8_t *data, size_t len)
{
	if (len < LFH_LEN || memcmp(data, LFH_SIG, 4) != 0)
		return false;
	unsigned version = data[4], host = data[5];
	unsigned flags = le16(data + 6), method = le16(data + 8);
	unsigned nlen = le16(data + 26);
	/* version is major*10+minor, 6.3 the latest; the high byte should be
	 * 0, but some writers put the host system there as in the central
	 * directory (0..19 are assigned) */
	if (version > 63 || host > 30)
		return false;
	if ((flags & FLAG_RESERVED) || !method_known(method))
		return false;
	if (nlen == 0 || nlen > ZIP_NAME_MAX || len - LFH_LEN < nlen)
		return false;
	for (unsigned i = 0; i < nlen; i++) {
		uint8_t c = data[LFH_LEN + i];
		/* names are bytes in CP437 or UTF-8: anything but controls */
		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/* ---- walking the structure ------------------------------------------ */

/* The ZIP64 sizes of a local header, from its 0x0001 extra field (both
 * sizes are there when either header field is 0xffffffff). */
static bool lfh_zip64_csize(const uint8_t *extra, size_t elen, uint64_t *csize)
{
	fg_cursor c = fg_cur_make(extra, elen);
	while (fg_cur_left(&c) >= 4) {
		uint16_t id = fg_cur_u16le(&c), sz = fg_cur_u16le(&c);
		const uint8_t *body = fg_cur_take(&c, sz);
		if (!body)
			return false;
		if (id == 0x0001 && sz >= 16) {
			*csize = le64(body + 8);
			return true;
		}
	}
	return false;
}

typedef enum walk_result {
	WALK_END,        /* walked to the end of this part: the next record follows */
	WALK_EOCD,       /* reached an EOCD: *EOCD is its position */
	WALK_TRUNCATED,  /* the data ends inside an entry: the zip is cut */
	WALK_BLOCKED,    /* a size is unknown or a record is unexpected */
} walk_result;

/* Local entries from 0: returns where they end (*POS) or why not. */
static walk_result walk_local(const uint8_t *data, size_t len, uint64_t *pos, bool *zip64)
{
	uint64_t p = 0;
	while (sig_at(data, len, p, LFH_SIG)) {
		if (len - p < LFH_LEN)
			return WALK_TRUNCATED;
		const uint8_t *h = data + p;
		unsigned flags = le16(h + 6);
		uint64_t csize = fg_load_u32le(h + 18);
		uint64_t nlen = le16(h + 26), elen = le16(h + 28);
		uint64_t body = p + LFH_LEN + nlen + elen;
		if (body > len)
			return WALK_TRUNCATED;
		bool z64 = false;
		if (csize == 0xffffffffu || fg_load_u32le(h + 22) == 0xffffffffu) {
			if (!lfh_zip64_csize(data + p + LFH_LEN + nlen, (size_t)elen, &csize))
				return WALK_BLOCKED;
			z64 = *zip64 = true;
		}
		/* sizes after the data: only decompressing finds the end */
		if ((flags & FLAG_DESCRIPTOR) && csize == 0)
			return WALK_BLOCKED;
		if (csize > len - body)
			return WALK_TRUNCATED;
		p = body + csize;
		if (flags & FLAG_DESCRIPTOR) {
			/* crc and sizes, with an optional signature first */
			uint64_t dlen = (sig_at(data, len, p, DD_SIG) ? 4 : 0) + (z64 ? 20 : 12);
			if (dlen > len - p)
				return WALK_TRUNCATED;
			p += dlen;
		}
	}
	*pos = p;
	return WALK_END;
}

/* From the central directory at CD to the EOCD. Sets *EOCD and, when
 * ZIP64 records come first, *EOCD64. */
static walk_result walk_central(const uint8_t *data, size_t len, uint64_t cd, uint64_t *eocd,
				uint64_t *eocd64)
{
	uint64_t p = cd;
	*eocd64 = UINT64_MAX;
	while (sig_at(data, len, p, CDH_SIG)) {
		if (len - p < CDH_LEN)
			return WALK_TRUNCATED;
		const uint8_t *h = data + p;
		uint64_t n = CDH_LEN + (uint64_t)le16(h + 28) + le16(h + 30) + le16(h + 32);
		if (n > len - p)
			return WALK_TRUNCATED;
		p += n;
	}
	if (sig_at(data, len, p, SIGN_SIG)) {
		if (len - p < 6)
			return WALK_TRUNCATED;
		p += 6 + (uint64_t)le16(data + p + 4);
	}
	if (sig_at(data, len, p, EOCD64_SIG)) {
		if (len - p < EOCD64_LEN)
			return WALK_TRUNCATED;
		uint64_t rec = le64(data + p + 4);
		if (rec < EOCD64_LEN - 12 || rec > len - p - 12)
			return WALK_TRUNCATED;
		*eocd64 = p;
		p += 12 + rec;
		if (!sig_at(data, len, p, LOC64_SIG))
			return p + 4 > len ? WALK_TRUNCATED : WALK_BLOCKED;
		p += LOC64_LEN;
	}
	if (!sig_at(data, len, p, EOCD_SIG))
		return p + 4 > len ? WALK_TRUNCATED : WALK_BLOCKED;
	if (len - p < EOCD_LEN)
		return WALK_TRUNCATED;
	*eocd = p;
	return WALK_EOCD;
}

/* Where the EOCD at E (with its ZIP64 record at E64, or UINT64_MAX) says
 * the central directory starts and how big it is. False when the records
 * are unusable (multi-disk, out of range). */
static bool eocd_cd(const uint8_t *data, size_t len, uint64_t e, uint64_t e64,
		    uint64_t *cd_off, uint64_t *cd_size)
{
	const uint8_t *r = data + e;
	/* one disk only, as every firmware zip is */
	if (le16(r + 4) != 0 || le16(r + 6) != 0 || le16(r + 8) != le16(r + 10))
		return false;
	*cd_size = fg_load_u32le(r + 12);
	*cd_off = fg_load_u32le(r + 16);
	if (e64 != UINT64_MAX && e64 <= len && len - e64 >= EOCD64_LEN) {
		const uint8_t *z = data + e64;
		if (fg_load_u32le(z + 16) != 0 || fg_load_u32le(z + 20) != 0)
			return false;
		*cd_size = le64(z + 40);
		*cd_off = le64(z + 48);
	}
	return true;
}

/* End of the EOCD at E: its comment included, as far as the data goes. */
static uint64_t eocd_end(size_t len, const uint8_t *data, uint64_t e)
{
	uint64_t end = e + EOCD_LEN + le16(data + e + 20);
	return end < len ? end : len;
}

/* The ZIP64 EOCD record belonging to the EOCD at E, found where writers
 * put it (right before its locator, which is right before the EOCD):
 * the locator's own offset counts from an origin we do not know yet. */
static uint64_t eocd64_before(const uint8_t *data, size_t len, uint64_t e)
{
	if (e < LOC64_LEN + EOCD64_LEN || !sig_at(data, len, e - LOC64_LEN, LOC64_SIG))
		return UINT64_MAX;
	uint64_t z = e - LOC64_LEN - EOCD64_LEN;
	return sig_at(data, len, z, EOCD64_SIG) ? z : UINT64_MAX;
}

/* Searches EOCD records after FROM. The first whose central directory
 * starts where its offset says (counting from 0) wins; else the first
 * whose offset is larger than its position (the zip began before 0, so
 * this is still its end); records of zips starting after 0 (a stored
 * zip inside, or the next zip in the blob) point before their position
 * and are passed over. */
static void search_eocd(const uint8_t *data, size_t len, uint64_t from, zip_layout *lay)
{
	uint64_t fallback = 0, fallback64 = UINT64_MAX;
	uint64_t p = from;
	for (unsigned tries = 0; tries < ZIP_MAX_EOCD_TRIES && p + EOCD_LEN <= len; tries++) {
		const uint8_t *hit = memmem(data + p, len - p, EOCD_SIG, 4);
		if (!hit)
			break;
		uint64_t e = (uint64_t)(hit - data);
		p = e + 1;
		if (len - e < EOCD_LEN)
			break;
		uint64_t e64 = eocd64_before(data, len, e);
		uint64_t cd_off, cd_size;
		if (!eocd_cd(data, len, e, e64, &cd_off, &cd_size))
			continue;
		uint64_t cd_end = e64 != UINT64_MAX ? e64 : e;
		if (cd_size == 0 || cd_size > cd_end)
			continue;
		uint64_t cd = cd_end - cd_size;
		if (!sig_at(data, len, cd, CDH_SIG))
			continue;
		if (cd_off == cd) {
			lay->eocd = e;
			lay->end = eocd_end(len, data, e);
			lay->consistent = true;
			lay->zip64 = e64 != UINT64_MAX;
			return;
		}
		if (cd_off > cd && !fallback) {
			fallback = e;
			fallback64 = e64;
		}
	}
	if (fallback) {
		lay->eocd = fallback;
		lay->end = eocd_end(len, data, fallback);
		lay->zip64 = fallback64 != UINT64_MAX;
	}
}

/* Measures the zip whose first local header is at DATA. */
static void zip_measure(const uint8_t *data, size_t len, zip_layout *lay)
{
	memset(lay, 0, sizeof(*lay));
	uint64_t cd = 0, eocd = 0, eocd64 = UINT64_MAX;
	walk_result w = walk_local(data, len, &cd, &lay->zip64);
	if (w == WALK_END) {
		/* an archive extra data record may sit before the directory */
		if (sig_at(data, len, cd, AXD_SIG) && len - cd >= 8 &&
		    fg_load_u32le(data + cd + 4) <= len - cd - 8)
			cd += 8 + fg_load_u32le(data + cd + 4);
		w = walk_central(data, len, cd, &eocd, &eocd64);
	}
	if (w == WALK_EOCD) {
		uint64_t cd_off, cd_size;
		lay->eocd = eocd;
		lay->end = eocd_end(len, data, eocd);
		lay->zip64 = lay->zip64 || eocd64 != UINT64_MAX;
		uint64_t cd_end = eocd64 != UINT64_MAX ? eocd64 : eocd;
		lay->consistent = eocd_cd(data, len, eocd, eocd64, &cd_off, &cd_size) &&
				  cd_off == cd && cd_size == cd_end - cd;
		return;
	}
	if (w == WALK_TRUNCATED) {
		/* the archive is cut: no EOCD of its own can follow */
		lay->walked = len;
		return;
	}
	search_eocd(data, len, LFH_LEN, lay);
}

/* ---- the handler ---------------------------------------------------- */

static int zip_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	if (!lfh_plausible(data, len))
		return 0;
	zip_layout lay;
	zip_measure(data, len, &lay);
	if (!lay.end)
		return 60;  /* a good header, but no end: a cut or streamed zip */
	*chunk_len = lay.end;
	return lay.consistent ? 90 : 70;
}

static const char *zip_variant(int format)
{
	(void)format;
	return "zip";
}

/* Through the central directory: modes, symlinks and extra fields. */
static const fg_arc_kind zip_seekable = {
	.enable = archive_read_support_format_zip_seekable,
	.variant = zip_variant,
	.compressed = true,
};

/* Local headers in order, for zips whose directory offsets are off. */
static const fg_arc_kind zip_streamable = {
	.enable = archive_read_support_format_zip_streamable,
	.variant = zip_variant,
	.compressed = true,
};

typedef struct cd_ref {
	uint64_t lfh;            /* local header offset the entry names */
	uint64_t at;             /* where the entry is in the central directory */
} cd_ref;

static int cd_ref_cmp(const void *a, const void *b)
{
	const cd_ref *x = a, *y = b;
	if (x->lfh != y->lfh)
		return x->lfh < y->lfh ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* Central-directory entries naming a local header an earlier entry names
 * too: the zip-bomb trick of one compressed copy read under many names.
 * libarchive reads each local header once, so without this the other
 * names would vanish without a word. Returns how many, with the first
 * such entry's name in NAME. */
static uint64_t zip_overlaps(fg_unpack_ctx *ctx, const uint8_t *data, size_t len,
			     const zip_layout *lay, char *name, size_t cap)
{
	uint64_t cd, cd_size;
	if (!eocd_cd(data, len, lay->eocd, eocd64_before(data, len, lay->eocd), &cd, &cd_size) ||
	    cd > len || cd_size > len - cd)
		return 0;
	uint64_t max = cd_size / CDH_LEN;
	fg_budget *b = fg_unpack_budget(ctx);
	if (max < 2 || !fg_budget_take_bytes(b, max * sizeof(cd_ref)))
		return 0;
	cd_ref *refs = malloc((size_t)max * sizeof(cd_ref));
	size_t n = 0;
	for (uint64_t p = cd; refs && n < max && sig_at(data, len, p, CDH_SIG) &&
	     len - p >= CDH_LEN; ) {
		const uint8_t *h = data + p;
		uint64_t lfh = fg_load_u32le(h + 42);
		if (lfh != 0xffffffffu)   /* ZIP64 offsets: not compared */
			refs[n++] = (cd_ref){ lfh, p };
		p += CDH_LEN + (uint64_t)le16(h + 28) + le16(h + 30) + le16(h + 32);
	}
	uint64_t dups = 0;
	if (refs && n > 1) {
		qsort(refs, n, sizeof(*refs), cd_ref_cmp);
		uint64_t first = UINT64_MAX;
		for (size_t i = 1; i < n; i++) {
			if (refs[i].lfh != refs[i - 1].lfh)
				continue;
			dups++;
			if (refs[i].at < first)
				first = refs[i].at;
		}
		if (dups) {
			const uint8_t *h = data + first;
			size_t nl = le16(h + 28);
			if (nl > len - first - CDH_LEN)
				nl = len - first - CDH_LEN;
			snprintf(name, cap, "%.*s", (int)(nl < 200 ? nl : 200), (const char *)h + CDH_LEN);
		}
	}
	free(refs);
	fg_budget_give_back_bytes(b, max * sizeof(cd_ref));
	return dups;
}

static int zip_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	zip_layout lay;
	zip_measure(data, len, &lay);
	/* the reader sees exactly the archive: trailing data is not its business */
	size_t n = lay.end ? (size_t)lay.end : lay.walked ? (size_t)lay.walked : len;
	bool seekable = lay.end && lay.consistent && lay.end - lay.eocd <= ZIP_SEEKABLE_TAIL;
	int rc = fg_archive_unpack(ctx, root, data, n, seekable ? &zip_seekable : &zip_streamable);
	char dup_name[208] = "";
	uint64_t dups = seekable ? zip_overlaps(ctx, data, n, &lay, dup_name, sizeof(dup_name)) : 0;
	if (dups)
		fg_unpack_truncated(ctx, root, "%llu central-directory entries share another entry's "
				    "local header (overlapping entries, a zip-bomb pattern) and were "
				    "not read, the first \"%s\"", (unsigned long long)dups, dup_name);
	if (rc < 0 && seekable && root->nchildren == 0) {
		/* a damaged central directory: the local headers may still be
		 * fine (the failure is already noted) */
		rc = fg_archive_unpack(ctx, root, data, n, &zip_streamable);
	}
	if (lay.end)
		root->src_length = lay.end;
	if (!lay.end) {
		/* every whole zip ends with one: this one is cut short */
		if (rc == 0)
			fg_unpack_truncated(ctx, root, "no end of central directory record: "
					    "archive cut short, entries read from local headers");
		root->format_info = "zip, no central directory";
	}
	else if (!lay.consistent)
		root->format_info = lay.zip64 ? "zip64, offsets shifted" : "zip, offsets shifted";
	else if (lay.zip64)
		root->format_info = "zip64";
	return rc;
}

static const fg_magic zip_magics[] = {
	{ LFH_SIG, 4, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_zip = {
	.name = "zip",
	.kind = FG_FMT_ARCHIVE,
	.magics = zip_magics,
	.probe = zip_probe,
	.unpack = zip_unpack,
};
