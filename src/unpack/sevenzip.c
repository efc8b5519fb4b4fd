/*
 * sevenzip.c - 7z archives through libarchive.
 *
 * A 7z archive starts with a 32-byte signature header: the magic, a
 * version, and a CRC-protected pointer to the "next header" (the real
 * archive header, written at the end). So the probe knows the chunk's
 * exact length, 32 + offset + size, and the start-header CRC makes a
 * false match practically impossible.
 *
 * libarchive seeks to the header at the end before reading any entry,
 * which archive_read_open_memory supports. A cut archive has lost that
 * header, and with it every name, so it is refused with a clear message;
 * so is one whose header is encrypted (7z -mhe), which no reader can
 * list without the password. Encrypted content with a readable header
 * is listed, each entry noted.
 */
#include <archive.h>
#include <string.h>
#include <zlib.h>

#include "core/crc32.h"
#include "core/cursor.h"
#include "unpack/archive_common.h"

#define SZ_SIG "7z\xbc\xaf\x27\x1c"
#define SZ_SIG_LEN 6
#define SZ_START_LEN 32
#define SZ_MAJOR 0
#define SZ_MINOR_MAX 4           /* 7-Zip writes 0.2 .. 0.4 */

#define SZ_ID_HEADER 0x01
#define SZ_ID_ENCODED_HEADER 0x17
/* the 7zAES coder, as its ID bytes appear in a coder record */
#define SZ_AES_CODER "\x06\xf1\x07\x01"

typedef struct sz_start {
	unsigned minor;
	uint64_t next_off, next_size;
	uint32_t next_crc;
	uint64_t end;            /* 32 + next_off + next_size; 0 on overflow */
} sz_start;

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)fg_load_u32le(p) | (uint64_t)fg_load_u32le(p + 4) << 32;
}

/* The signature header: magic, version and its own CRC. */
static bool sz_read_start(const uint8_t *data, size_t len, sz_start *st)
{
	if (len < SZ_START_LEN || memcmp(data, SZ_SIG, SZ_SIG_LEN) != 0)
		return false;
	if (data[6] != SZ_MAJOR || data[7] > SZ_MINOR_MAX)
		return false;
	if (fg_crc32(0, data + 12, 20) != fg_load_u32le(data + 8))
		return false;
	st->minor = data[7];
	st->next_off = le64(data + 12);
	st->next_size = le64(data + 20);
	st->next_crc = fg_load_u32le(data + 28);
	st->end = 0;
	if (st->next_off <= UINT64_MAX - SZ_START_LEN - st->next_size)
		st->end = SZ_START_LEN + st->next_off + st->next_size;
	return true;
}

static bool sz_header_ok(const uint8_t *data, const sz_start *st)
{
	if (st->next_size == 0)
		return st->next_off == 0; /* an empty archive */
	const uint8_t *h = data + SZ_START_LEN + st->next_off;
	if (h[0] != SZ_ID_HEADER && h[0] != SZ_ID_ENCODED_HEADER)
		return false;
	return fg_crc32(0, h, (size_t)st->next_size) == st->next_crc;
}

static int sz_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	sz_start st;
	if (!sz_read_start(data, len, &st) || !st.end)
		return 0;
	if (st.end > len)
		return 60;  /* cut: unpack explains, nothing can be listed */
	*chunk_len = st.end;
	/* a damaged header still identifies the chunk, but is worth less */
	return sz_header_ok(data, &st) ? 95 : 40;
}

static const char *sz_variant(int format)
{
	(void)format;
	return "7z";
}

static const fg_arc_kind sz_kind = {
	.enable = archive_read_support_format_7zip,
	.variant = sz_variant,
	.compressed = true,
	.costly_skip = true,
};

static const char *const sz_versions[] = { "v0.0", "v0.1", "v0.2", "v0.3", "v0.4" };

static int sz_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	sz_start st;
	if (!sz_read_start(data, len, &st) || !st.end) {
		fg_unpack_fail(ctx, "bad signature header");
		return -1;
	}
	if (st.end > len) {
		fg_unpack_fail(ctx, "truncated: the archive header at %llu..%llu lies beyond the "
			       "%zu bytes present, and with it every name",
			       (unsigned long long)(SZ_START_LEN + st.next_off),
			       (unsigned long long)st.end, len);
		return -1;
	}
	const uint8_t *h = data + SZ_START_LEN + st.next_off;
	if (st.next_size && h[0] == SZ_ID_ENCODED_HEADER &&
	    memmem(h, (size_t)st.next_size, SZ_AES_CODER, 4)) {
		fg_unpack_fail(ctx, "encrypted archive header (7z -mhe): names and content "
			       "need the password");
		return -1;
	}
	int rc = fg_archive_unpack(ctx, root, data, (size_t)st.end, &sz_kind);
	root->src_length = st.end;
	root->format_info = sz_versions[st.minor];
	return rc;
}

static const fg_magic sz_magics[] = {
	{ SZ_SIG, SZ_SIG_LEN, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_sevenzip = {
	.name = "7z",
	.kind = FG_FMT_ARCHIVE,
	.magics = sz_magics,
	.probe = sz_probe,
	.unpack = sz_unpack,
};
