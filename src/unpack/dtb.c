/*
 * dtb.c - flattened device trees (DTB): recognised and described, a leaf.
 *
 * The header (big-endian) starts with the magic 0xd00dfeed and the tree's
 * total size, which is the chunk's exact length; then the offsets and
 * sizes of the structure, strings and memory-reservation blocks and the
 * version (16 or 17 in practice; libfdt reads 16 and later, and a blob
 * whose last compatible version is above 17 is not one it can read).
 * libfdt validates the whole structure (fdt_check_full) before anything
 * is read from it; it wants 8-byte aligned blobs, so one carved at an odd
 * offset is checked from a bounded, temporary aligned copy.
 *
 * The description names the board: the root node's "model" and
 * "compatible" strings ("Device tree 'Manufac XYZ1234ABC', compatible
 * linksys,shelby, ..."), which is how appended DTBs behind a kernel tell
 * which board they are for.
 *
 * A device tree with an /images node is a FIT image: this probe leaves it
 * to fit.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "core/cursor.h"
#include "unpack/format.h"

#define DTB_HEADER 40
#define DTB_MAX_COPY (64u << 20)   /* largest unaligned tree copied to check */
#define DTB_MAX_NODES 1000000      /* nodes counted for the description */

typedef struct dtb_blob {
	const void *fdt;
	void *copy;
	uint32_t totalsize;
	uint32_t version;
} dtb_blob;

/* Header fields inside the tree and a version libfdt reads. */
static bool header_sane(const uint8_t *h, uint32_t total)
{
	uint32_t off_struct = fg_load_u32be(h + 8), off_strings = fg_load_u32be(h + 12);
	uint32_t off_rsv = fg_load_u32be(h + 16), version = fg_load_u32be(h + 20);
	uint32_t last_comp = fg_load_u32be(h + 24), size_strings = fg_load_u32be(h + 32);
	uint32_t size_struct = fg_load_u32be(h + 36);
	if (version < 16 || version > 0x20 || last_comp > 17 || last_comp > version)
		return false;
	if (off_rsv < DTB_HEADER || off_rsv >= total || off_struct >= total || off_strings > total)
		return false;
	return size_struct <= total - off_struct && size_strings <= total - off_strings;
}

/* 0 when DATA holds a whole, valid tree; a libfdt error otherwise. */
static int blob_open(dtb_blob *b, const uint8_t *data, size_t len)
{
	memset(b, 0, sizeof(*b));
	if (len < DTB_HEADER || fg_load_u32be(data) != FDT_MAGIC)
		return -FDT_ERR_BADMAGIC;
	b->totalsize = fg_load_u32be(data + 4);
	b->version = fg_load_u32be(data + 20);
	if (b->totalsize < DTB_HEADER || b->totalsize > len)
		return -FDT_ERR_TRUNCATED;
	if (!header_sane(data, b->totalsize))
		return -FDT_ERR_BADVERSION;
	b->fdt = data;
	if ((uintptr_t)data & 7) {
		if (b->totalsize > DTB_MAX_COPY)
			return -FDT_ERR_ALIGNMENT;
		b->copy = malloc(b->totalsize);
		if (!b->copy)
			return -FDT_ERR_NOSPACE;
		memcpy(b->copy, data, b->totalsize);
		b->fdt = b->copy;
	}
	int err = fdt_check_full(b->fdt, b->totalsize);
	if (err) {
		free(b->copy);
		b->copy = NULL;
	}
	return err;
}

static void blob_close(dtb_blob *b)
{
	free(b->copy);
	b->copy = NULL;
}

static int dtb_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	if (len < DTB_HEADER || fg_load_u32be(data) != FDT_MAGIC)
		return 0;
	uint32_t total = fg_load_u32be(data + 4);
	if (total > len && total >= DTB_HEADER && header_sane(data, total)) {
		/* cut short: described at the start of a file, never carved */
		*chunk_len = len;
		return 10;
	}
	dtb_blob b;
	if (blob_open(&b, data, len) != 0)
		return 0;
	bool fit = fdt_path_offset(b.fdt, "/images") >= 0;
	blob_close(&b);
	if (fit)
		return 0;
	*chunk_len = total;
	return 80;
}

/* Appends the NUL-separated strings P (LEN bytes) as printable text,
 * at most MAX of them, ", "-separated. */
static void put_strings(char *out, size_t cap, const char *p, int len, int max)
{
	size_t o = strlen(out);
	int shown = 0, total = 0;
	for (int i = 0; i < len;) {
		size_t l = strnlen(p + i, (size_t)(len - i));
		if (l && shown < max) {
			if (shown && o + 2 < cap) {
				memcpy(out + o, ", ", 2);
				o += 2;
			}
			for (size_t k = 0; k < l && o + 1 < cap; k++) {
				unsigned char c = (unsigned char)p[i + k];
				out[o++] = c >= 0x20 && c < 0x7f && c != '\'' ? (char)c : '?';
			}
			out[o] = '\0';
			shown++;
		}
		total += l > 0;
		i += (int)l + 1;
	}
	if (total > shown && o + 16 < cap)
		snprintf(out + o, cap - o, " (+%d)", total - shown);
}

static void dtb_describe(const uint8_t *data, size_t len, char *buf, size_t cap)
{
	dtb_blob b;
	int err = blob_open(&b, data, len);
	if (err) {
		uint32_t total = len >= 8 ? fg_load_u32be(data + 4) : 0;
		if (total > len)
			snprintf(buf, cap, "Device tree, truncated: %zu of %u bytes", len, total);
		else
			snprintf(buf, cap, "Device tree (invalid: %s)", fdt_strerror(err));
		return;
	}
	char model[96] = "", compat[160] = "";
	int l = 0;
	const char *p = fdt_getprop(b.fdt, 0, "model", &l);
	if (p && l > 0)
		put_strings(model, sizeof(model), p, l, 1);
	p = fdt_getprop(b.fdt, 0, "compatible", &l);
	if (p && l > 0)
		put_strings(compat, sizeof(compat), p, l, 3);
	int depth = 0;
	unsigned nodes = 0;
	for (int n = 0; n >= 0 && nodes < DTB_MAX_NODES; n = fdt_next_node(b.fdt, n, &depth)) {
		if (depth < 0)
			break;
		nodes++;
	}
	snprintf(buf, cap, "Device tree%s%s%s%s%s, v%u, %u bytes, %u nodes", model[0] ? " '" : "", model,
		 model[0] ? "'" : "", compat[0] ? ", compatible " : "", compat, b.version, b.totalsize,
		 nodes);
	blob_close(&b);
}

static const fg_magic dtb_magics[] = {
	{ "\xd0\x0d\xfe\xed", 4, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_dtb = {
	.name = "dtb",
	.kind = FG_FMT_LEAF,
	.magics = dtb_magics,
	.probe = dtb_probe,
	.describe = dtb_describe,
};
