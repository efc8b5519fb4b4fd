/*
 * tar.c - tar archives (ustar, GNU, pax, and old v7) through libarchive.
 *
 * The probe is our own: tar has no leading magic, so it checks the first
 * header's checksum, which random data almost never satisfies, and for
 * v7 (no "ustar" magic at all) also that the header looks like one.
 */
#include <archive.h>
#include <string.h>

#include "unpack/archive_common.h"

#define TAR_BLOCK 512
#define TAR_NAME_LEN 100
#define TAR_CHKSUM_OFF 148
#define TAR_CHKSUM_LEN 8
#define TAR_TYPE_OFF 156
#define TAR_MAGIC_OFF 257

/* An octal header field: optional leading spaces, digits, then only NUL
 * or space. -1 when malformed. */
static long long tar_octal(const uint8_t *f, size_t n)
{
	size_t i = 0;
	while (i < n && f[i] == ' ')
		i++;
	long long v = 0;
	size_t digits = 0;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (++digits > 21)
			return -1;
		v = v * 8 + (f[i] - '0');
	}
	if (!digits)
		return -1;
	for (; i < n; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	return v;
}

/* The checksum sums the header with its own field read as spaces. Old
 * writers summed signed chars, so either sum is accepted. */
static bool tar_checksum_ok(const uint8_t *h)
{
	long long want = tar_octal(h + TAR_CHKSUM_OFF, TAR_CHKSUM_LEN);
	if (want < 0)
		return false;
	long usum = 0, ssum = 0;
	for (size_t i = 0; i < TAR_BLOCK; i++) {
		int b = i >= TAR_CHKSUM_OFF && i < TAR_CHKSUM_OFF + TAR_CHKSUM_LEN ? ' ' : h[i];
		usum += b;
		ssum += b < 128 ? b : b - 256;
	}
	return want == usum || want == ssum;
}

/* v7 has no magic: a checksum match could be chance, so the name must be
 * printable text and the numeric fields octal. */
static bool tar_v7_plausible(const uint8_t *h)
{
	if (h[0] == '\0')
		return false;
	for (size_t i = 0; i < TAR_NAME_LEN && h[i]; i++)
		if (h[i] < 0x20 || h[i] > 0x7e)
			return false;
	static const struct { unsigned off, len; } fields[] = {
		{ 100, 8 }, { 108, 8 }, { 116, 8 }, { 124, 12 }, { 136, 12 },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (tar_octal(h + fields[i].off, fields[i].len) < 0)
			return false;
	uint8_t t = h[TAR_TYPE_OFF];
	return t == '\0' || (t >= '0' && t <= '7');
}

static int tar_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	(void)chunk_len; /* known only after reading to the end blocks */
	if (len < TAR_BLOCK || !tar_checksum_ok(data))
		return 0;
	if (memcmp(data + TAR_MAGIC_OFF, "ustar", 5) == 0)
		return 70;
	return tar_v7_plausible(data) ? 40 : 0;
}

static const char *tar_variant(int format)
{
	switch (format) {
	case ARCHIVE_FORMAT_TAR_USTAR: return "ustar";
	case ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE:
	case ARCHIVE_FORMAT_TAR_PAX_RESTRICTED: return "pax";
	case ARCHIVE_FORMAT_TAR_GNUTAR: return "gnu";
	default: return "v7";
	}
}

static unsigned tar_align(int format)
{
	return TAR_BLOCK;
}

static const fg_arc_kind tar_kind = {
	.enable = archive_read_support_format_tar,
	.variant = tar_variant,
	.align = tar_align,
};

/* Every writer ends a tar with zero blocks, and libarchive consumes them
 * with the archive; it also ends quietly where the data ends without
 * them, so a tar cut exactly between two entries would pass for a whole
 * one. The last block consumed tells: zeros, or an entry's. (A last
 * entry whose content ends in a block of zeros passes unnoticed.) */
static bool tar_has_end(const uint8_t *data, uint64_t used)
{
	if (used < TAR_BLOCK)
		return false;
	for (uint64_t i = used - TAR_BLOCK; i < used; i++)
		if (data[i])
			return false;
	return true;
}

static int tar_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	int rc = fg_archive_unpack(ctx, root, data, len, &tar_kind);
	if (rc == 0 && !(root->flags & FG_NODE_TRUNCATED) && root->src_length <= len &&
	    !tar_has_end(data, root->src_length))
		fg_unpack_truncated(ctx, root, "no end-of-archive blocks after entry data: "
				    "the archive may be cut short");
	return rc;
}

/* v7 archives have no magic: they are found only at the start of a file. */
static const fg_magic tar_magics[] = {
	{ "ustar", 5, 257 },
	FG_MAGIC_END,
};

const fg_format fg_format_tar = {
	.name = "tar",
	.kind = FG_FMT_ARCHIVE,
	.magics = tar_magics,
	.probe = tar_probe,
	.unpack = tar_unpack,
};
