/*
 * cpio.c - cpio archives (newc, crc, odc, old binary) through libarchive.
 *
 * The ASCII forms have a six-digit magic followed by a fixed run of hex or
 * octal digits, which makes a strong probe. The old binary form has only
 * a two-byte magic, so its header must also make sense.
 */
#include <archive.h>
#include <string.h>

#include "unpack/archive_common.h"

#define NEWC_HDR 110
#define ODC_HDR 76
#define BIN_HDR 26
#define BIN_MAGIC 070707
#define BIN_NAME_MAX 4096

static bool all_digits(const uint8_t *p, size_t n, bool hex)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		bool ok = hex ? (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
			      : c >= '0' && c <= '7';
		if (!ok)
			return false;
	}
	return true;
}

static uint16_t bin_u16(const uint8_t *p, bool be)
{
	return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static bool bin_type_ok(uint16_t mode)
{
	switch (mode & 0170000) {
	case 0010000: case 0020000: case 0040000: case 0060000:
	case 0100000: case 0120000: case 0140000:
		return true;
	default:
		return false;
	}
}

/* Old binary header: a 2-byte magic is weak, so the name must be there,
 * NUL-terminated text, and the mode a real file type (or the trailer). */
static bool bin_plausible(const uint8_t *data, size_t len, bool be)
{
	uint16_t mode = bin_u16(data + 6, be);
	uint16_t namesize = bin_u16(data + 20, be);
	if (namesize < 2 || namesize > BIN_NAME_MAX || len - BIN_HDR < namesize)
		return false;
	const uint8_t *name = data + BIN_HDR;
	if (name[namesize - 1] != '\0')
		return false;
	for (size_t i = 0; i + 1 < namesize; i++)
		if (name[i] < 0x20 || name[i] == 0x7f)
			return false;
	if (mode == 0)
		return namesize == 11 && memcmp(name, "TRAILER!!!", 11) == 0;
	return bin_type_ok(mode);
}

static int cpio_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	(void)chunk_len; /* known only after reading up to the trailer */
	if (len >= NEWC_HDR && (memcmp(data, "070701", 6) == 0 || memcmp(data, "070702", 6) == 0))
		return all_digits(data + 6, NEWC_HDR - 6, true) ? 80 : 0;
	if (len >= ODC_HDR && memcmp(data, "070707", 6) == 0)
		return all_digits(data + 6, ODC_HDR - 6, false) ? 80 : 0;
	if (len < BIN_HDR)
		return 0;
	if (bin_u16(data, false) == BIN_MAGIC && bin_plausible(data, len, false))
		return 50;
	if (bin_u16(data, true) == BIN_MAGIC && bin_plausible(data, len, true))
		return 50;
	return 0;
}

/* Value of an N-digit hex or octal field; digits were checked by the caller
 * or are checked here (a bad digit gives UINT64_MAX). */
static uint64_t field(const uint8_t *p, size_t n, unsigned base)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		int d = p[i] >= '0' && p[i] <= '9' ? p[i] - '0' :
			base == 16 && p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10 :
			base == 16 && p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 10 : -1;
		if (d < 0 || (unsigned)d >= base)
			return UINT64_MAX;
		v = v * base + (uint64_t)d;
	}
	return v;
}

/* The next header's name and content must fit in what is left: libarchive
 * reads the name with a read-ahead sized from the header, so a header
 * claiming a 3 GiB name would make it allocate 3 GiB. Headers of other
 * shapes are left to libarchive, which rejects them. */
static bool cpio_header_sane(const uint8_t *p, size_t left)
{
	uint64_t name, size, hdr;
	if (left >= NEWC_HDR && (!memcmp(p, "070701", 6) || !memcmp(p, "070702", 6))) {
		hdr = NEWC_HDR;
		size = field(p + 54, 8, 16);
		name = field(p + 94, 8, 16);
	} else if (left >= ODC_HDR && !memcmp(p, "070707", 6)) {
		hdr = ODC_HDR;
		name = field(p + 59, 6, 8);
		size = field(p + 65, 11, 8);
	} else {
		return true; /* binary headers have 16-bit name sizes: harmless */
	}
	if (name == UINT64_MAX || size == UINT64_MAX)
		return false;
	return name <= left - hdr && size <= left - hdr - name;
}

static const char *cpio_variant(int format)
{
	switch (format) {
	case ARCHIVE_FORMAT_CPIO_POSIX: return "odc";
	case ARCHIVE_FORMAT_CPIO_BIN_LE: return "bin-le";
	case ARCHIVE_FORMAT_CPIO_BIN_BE: return "bin-be";
	case ARCHIVE_FORMAT_CPIO_SVR4_NOCRC: return "newc";
	case ARCHIVE_FORMAT_CPIO_SVR4_CRC: return "crc";
	case ARCHIVE_FORMAT_CPIO_AFIO_LARGE: return "afio";
	case ARCHIVE_FORMAT_CPIO_PWB: return "pwb";
	default: return "cpio";
	}
}

/* Where the format pads: newc/crc to 4 bytes, binary to 2, odc not at all. */
static unsigned cpio_align(int format)
{
	switch (format) {
	case ARCHIVE_FORMAT_CPIO_SVR4_NOCRC:
	case ARCHIVE_FORMAT_CPIO_SVR4_CRC: return 4;
	case ARCHIVE_FORMAT_CPIO_BIN_LE:
	case ARCHIVE_FORMAT_CPIO_BIN_BE:
	case ARCHIVE_FORMAT_CPIO_PWB: return 2;
	default: return 1;
	}
}

static const fg_arc_kind cpio_kind = {
	.enable = archive_read_support_format_cpio,
	.header_sane = cpio_header_sane,
	.variant = cpio_variant,
	.align = cpio_align,
};

/* Bytes of the ASCII cpio stream whose headers chain: from the first
 * header through the trailer, every header's name and content inside the
 * data and the next header where alignment puts it. libarchive is handed
 * only that prefix: when a header is damaged it resynchronises by
 * scanning forward for the next magic, and would then trust a header our
 * per-entry check never saw (fuzzing: a 4 GiB name allocation). Binary
 * forms (16-bit sizes) and a stream that does not start with an ASCII
 * header are passed whole. An entry whose content runs past the end is
 * the last one and is kept (truncated). *BROKEN is set when a header did
 * not chain. */
static size_t ascii_prefix(const uint8_t *data, size_t len, bool *broken)
{
	size_t pos = 0;
	*broken = false;
	for (unsigned n = 0; pos < len; n++) {
		bool newc = len - pos >= NEWC_HDR && (!memcmp(data + pos, "070701", 6) ||
						      !memcmp(data + pos, "070702", 6));
		bool odc = !newc && len - pos >= ODC_HDR && !memcmp(data + pos, "070707", 6);
		if (!newc && !odc) {
			*broken = n > 0;
			return n ? pos : len;
		}
		size_t hdr = newc ? NEWC_HDR : ODC_HDR;
		uint64_t name = newc ? field(data + pos + 94, 8, 16) : field(data + pos + 59, 6, 8);
		uint64_t size = newc ? field(data + pos + 54, 8, 16) : field(data + pos + 65, 11, 8);
		if (name == UINT64_MAX || size == UINT64_MAX || name > len - pos - hdr) {
			*broken = true;
			return pos;
		}
		uint64_t next = pos + hdr + name;
		if (newc)
			next = (next + 3) & ~(uint64_t)3;
		if (next > len) {
			*broken = true;
			return pos;
		}
		if (size > len - next)
			return len; /* the last entry, its content cut short: kept as truncated */
		bool trailer = name == 11 && !memcmp(data + pos + hdr, "TRAILER!!!", 10);
		next += size;
		if (newc)
			next = (next + 3) & ~(uint64_t)3;
		pos = next > len ? len : (size_t)next;
		if (trailer)
			return pos;
	}
	return len;
}

static int cpio_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	bool broken;
	size_t keep = ascii_prefix(data, len, &broken);
	int rc = fg_archive_unpack(ctx, root, data, keep, &cpio_kind);
	if (broken)
		fg_unpack_truncated(ctx, root, "cpio header at offset %zu does not fit the archive; "
				    "entries from there on were not read", keep);
	return rc;
}

static const fg_magic cpio_magics[] = {
	{ "070701", 6, 0 },
	{ "070702", 6, 0 },
	{ "070707", 6, 0 },
	{ "\xc7\x71", 2, 0 }, /* old binary, little-endian */
	{ "\x71\xc7", 2, 0 }, /* old binary, big-endian */
	FG_MAGIC_END,
};

const fg_format fg_format_cpio = {
	.name = "cpio",
	.kind = FG_FMT_ARCHIVE,
	.magics = cpio_magics,
	.probe = cpio_probe,
	.unpack = cpio_unpack,
};
