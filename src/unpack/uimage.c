/*
 * uimage.c - U-Boot legacy images ("uImage").
 *
 * A 64-byte big-endian header: magic 0x27051956, a CRC32 of the header
 * (taken with its own field zeroed), time, payload size, load and entry
 * addresses, a CRC32 of the payload, then one byte each for OS,
 * architecture, image type and compression, and a 32-byte name.
 *
 * The payload is handed on as it is stored: the engine identifies it by
 * its content, which matters because the compression byte is often wrong
 * (Debian's Buffalo initrd says gzip and holds xz; boot scripts say gzip
 * and hold plain text). What the header claims goes into format_info,
 * with a remark when the payload's leading bytes disagree.
 *
 * Multi-file images (type "multi") and boot scripts (type "script") start
 * their payload with a table of big-endian sizes ended by a zero; the
 * parts follow, each starting 4-byte aligned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/crc32.h"
#include "core/cursor.h"
#include "unpack/format.h"

#define UI_HEADER_SIZE 64
#define UI_MAGIC 0x27051956u
#define UI_NAME_LEN 32
#define UI_MAX_PARTS 256          /* entries of a multi-file size table */

enum { UI_TYPE_MULTI = 4, UI_TYPE_SCRIPT = 6 };
enum { UI_COMP_NONE, UI_COMP_GZIP, UI_COMP_BZIP2, UI_COMP_LZMA, UI_COMP_LZO, UI_COMP_LZ4,
       UI_COMP_ZSTD, UI_COMP_XZ /* not a header value: only what a payload looks like */ };

static const char *const os_names[] = {
	"invalid", "openbsd", "netbsd", "freebsd", "4_4bsd", "linux", "svr4", "esix",
	"solaris", "irix", "sco", "dell", "ncr", "lynxos", "vxworks", "psos", "qnx",
	"u-boot", "rtems", "artos", "unity", "integrity", "ose", "plan9", "openrtos",
	"arm-trusted-firmware", "tee", "opensbi", "efi", "elf",
};

static const char *const arch_names[] = {
	"invalid", "alpha", "arm", "x86", "ia64", "mips", "mips64", "powerpc", "s390",
	"sh", "sparc", "sparc64", "m68k", "nios", "microblaze", "nios2", "blackfin",
	"avr32", "st200", "sandbox", "nds32", "or1k", "arm64", "arc", "x86_64", "xtensa",
	"riscv",
};

/* Also the payload file names: neutral words for what the header says. */
static const char *const type_names[] = {
	"invalid", "standalone", "kernel", "ramdisk", "multi", "firmware", "script",
	"filesystem", "flat_dt", "kwbimage", "imximage", "ubl", "omapimage", "aisimage",
	"kernel_noload", "pblimage", "mxsimage", "gpimage", "atmelimage", "socfpgaimage",
	"x86_setup", "lpc32xximage", "loadable", "rkimage", "rksd", "rkspi", "zynqimage",
	"zynqmpimage", "zynqmpbif", "fpga", "vybridimage", "tee", "firmware_ivt", "pmmc",
	"stm32image", "socfpgaimage_v1", "mtk_image", "copro", "sunxi_egon", "sunxi_toc0",
	"fdt_legacy", "renesas_spkg", "starfive",
};

static const char *const comp_names[] = {
	"none", "gzip", "bzip2", "lzma", "lzo", "lz4", "zstd", "xz",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

typedef struct ui_header {
	uint32_t magic, hcrc, time, size, load, ep, dcrc;
	uint8_t os, arch, type, comp;
	char name[UI_NAME_LEN + 1];
} ui_header;

static bool parse_header(const uint8_t *data, size_t len, ui_header *h)
{
	fg_cursor c = fg_cur_make(data, len);
	h->magic = fg_cur_u32be(&c);
	h->hcrc = fg_cur_u32be(&c);
	h->time = fg_cur_u32be(&c);
	h->size = fg_cur_u32be(&c);
	h->load = fg_cur_u32be(&c);
	h->ep = fg_cur_u32be(&c);
	h->dcrc = fg_cur_u32be(&c);
	h->os = fg_cur_u8(&c);
	h->arch = fg_cur_u8(&c);
	h->type = fg_cur_u8(&c);
	h->comp = fg_cur_u8(&c);
	const uint8_t *name = fg_cur_take(&c, UI_NAME_LEN);
	if (!fg_cur_ok(&c) || h->magic != UI_MAGIC)
		return false;
	memcpy(h->name, name, UI_NAME_LEN);
	h->name[UI_NAME_LEN] = '\0';
	return true;
}

static uint32_t header_crc(const uint8_t *data)
{
	uint8_t copy[UI_HEADER_SIZE];
	memcpy(copy, data, sizeof(copy));
	memset(copy + 4, 0, 4);
	return fg_crc32(0, copy, sizeof(copy));
}

static const char *table_name(const char *const *names, size_t n, unsigned v)
{
	return v < n ? names[v] : NULL;
}

/*
 * The header CRC makes the 4-byte magic trustworthy; without it the
 * header is only reported (low score: taken at the start of a file so the
 * mismatch is recorded, never carved).
 */
static int ui_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	ui_header h;
	if (len < UI_HEADER_SIZE || !parse_header(data, len, &h))
		return 0;
	uint64_t total = (uint64_t)UI_HEADER_SIZE + h.size;
	*chunk_len = total <= len ? total : len;
	if (header_crc(data) != h.hcrc)
		return 20;
	if (h.comp >= UI_COMP_XZ || h.type == 0 || h.type >= NELEM(type_names))
		return 40;
	return total <= len ? 90 : 60;
}

static const fg_magic ui_magics[] = {
	{ "\x27\x05\x19\x56", 4, 0 },
	FG_MAGIC_END,
};

/* ---- what the payload looks like ------------------------------------- */

static bool looks_lzma(const uint8_t *p, size_t n)
{
	/* lc/lp/pb byte, then a dictionary size of at least 4 KiB */
	return n >= 13 && p[0] < 225 && fg_load_u32le(p + 1) >= 4096 &&
	       (fg_load_u32le(p + 1) & (fg_load_u32le(p + 1) - 1)) == 0;
}

/* The compression a payload starts like, or -1. */
static int sniff_comp(const uint8_t *p, size_t n)
{
	if (n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8)
		return UI_COMP_GZIP;
	if (n >= 6 && !memcmp(p, "\xfd" "7zXZ\0", 6))
		return UI_COMP_XZ;
	if (n >= 4 && !memcmp(p, "BZh", 3) && p[3] >= '1' && p[3] <= '9')
		return UI_COMP_BZIP2;
	if (n >= 4 && !memcmp(p, "\x28\xb5\x2f\xfd", 4))
		return UI_COMP_ZSTD;
	if (n >= 4 && (!memcmp(p, "\x04\x22\x4d\x18", 4) || !memcmp(p, "\x02\x21\x4c\x18", 4)))
		return UI_COMP_LZ4;
	if (n >= 9 && !memcmp(p, "\x89LZO\0\r\n\x1a\n", 9))
		return UI_COMP_LZO;
	if (looks_lzma(p, n))
		return UI_COMP_LZMA;
	return -1;
}

/* Appends to INFO a remark when the payload P does not look like what the
 * header's compression byte says. LZMA has no magic, so a payload that
 * merely could be LZMA is only trusted when LZMA is what was claimed. */
static void check_claim(const ui_header *h, const uint8_t *p, size_t n, char *info, size_t cap)
{
	int seen = sniff_comp(p, n);
	if (seen == h->comp || n == 0 || h->comp >= UI_COMP_XZ)
		return;
	if (seen == UI_COMP_LZMA)
		seen = -1;
	if (h->comp == UI_COMP_NONE && seen < 0)
		return;
	size_t used = strlen(info);
	if (seen < 0)
		snprintf(info + used, cap - used, "; payload is not %s", comp_names[h->comp]);
	else
		snprintf(info + used, cap - used, "; payload is %s", comp_names[seen]);
}

/* Where the first part of a multi-file or script payload starts: after
 * the size table and its zero. 0 when there is no usable table. */
static size_t first_part(const uint8_t *p, size_t n)
{
	fg_cursor c = fg_cur_make(p, n);
	for (size_t i = 0; i <= UI_MAX_PARTS; i++) {
		uint32_t s = fg_cur_u32be(&c);
		if (!fg_cur_ok(&c))
			return 0;
		if (!s)
			return i ? c.pos : 0;
	}
	return 0;
}

/* ---- unpack ----------------------------------------------------------- */

/* The image name as printable text. */
static void clean_name(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; in[i] && o + 1 < cap; i++) {
		unsigned char ch = (unsigned char)in[i];
		out[o++] = ch >= 0x20 && ch < 0x7f && ch != '\'' ? (char)ch : '?';
	}
	out[o] = '\0';
}

static void describe(const ui_header *h, char *buf, size_t cap)
{
	char num[4][16];
	const char *t = table_name(type_names, NELEM(type_names), h->type);
	const char *o = table_name(os_names, NELEM(os_names), h->os);
	const char *a = table_name(arch_names, NELEM(arch_names), h->arch);
	const char *c = h->comp < UI_COMP_XZ ? comp_names[h->comp] : NULL;
	snprintf(num[0], sizeof(num[0]), "type%u", h->type);
	snprintf(num[1], sizeof(num[1]), "os%u", h->os);
	snprintf(num[2], sizeof(num[2]), "arch%u", h->arch);
	snprintf(num[3], sizeof(num[3]), "comp%u", h->comp);
	char name[UI_NAME_LEN + 1];
	clean_name(h->name, name, sizeof(name));
	snprintf(buf, cap, "%s %s %s %s '%s' load 0x%08x entry 0x%08x", t ? t : num[0],
		 o ? o : num[1], a ? a : num[2], c ? c : num[3], name, h->load, h->ep);
}

static fg_node *emit(fg_unpack_ctx *ctx, fg_node *root, const char *name, const ui_header *h,
		     const uint8_t *p, size_t have, uint64_t size)
{
	fg_node *n = fg_unpack_add(ctx, root, name, FG_NODE_FILE);
	if (!n)
		return NULL;
	n->data = p;
	n->data_len = have;
	n->size = size;
	n->mode = 0644;
	n->mtime = h->time;
	if (have < size)
		fg_unpack_truncated(ctx, n, "payload cut at %zu of %llu bytes", have,
				    (unsigned long long)size);
	return n;
}

/*
 * Multi-file and script payloads: the size table, then each part 4-byte
 * aligned. Returns the number of parts emitted, 0 when the table does not
 * fit the payload (then the caller emits the payload whole).
 */
static int emit_parts(fg_unpack_ctx *ctx, fg_node *root, const ui_header *h,
		      const uint8_t *p, size_t n)
{
	uint32_t sizes[UI_MAX_PARTS];
	size_t count = 0;
	fg_cursor c = fg_cur_make(p, n);
	for (;;) {
		uint32_t s = fg_cur_u32be(&c);
		if (!fg_cur_ok(&c) || (s && count == UI_MAX_PARTS))
			return 0;
		if (!s)
			break;
		sizes[count++] = s;
	}
	if (count == 0)
		return 0;
	size_t off = c.pos;
	int emitted = 0;
	for (size_t i = 0; i < count; i++) {
		char name[32];
		if (h->type == UI_TYPE_SCRIPT && count == 1)
			snprintf(name, sizeof(name), "script");
		else
			snprintf(name, sizeof(name), "image-%zu", i);
		size_t have = off < n ? n - off : 0;
		if (have > sizes[i])
			have = sizes[i];
		if (emit(ctx, root, name, h, p + (off < n ? off : n), have, sizes[i]))
			emitted++;
		if (have < sizes[i])
			break; /* the rest of the table points past the end */
		off += ((uint64_t)sizes[i] + 3) & ~(uint64_t)3;
	}
	return emitted ? emitted : -1;
}

/* The payload's CRC, checked beside the unpacking of what it holds: a
 * 14 MiB file system would otherwise wait for it. */
typedef struct data_crc {
	const uint8_t *p;
	size_t len;
	uint32_t stored;
} data_crc;

static bool check_data_crc(void *arg, char *note, size_t cap)
{
	const data_crc *c = arg;
	uint32_t crc = fg_crc32(0, c->p, c->len);
	if (crc == c->stored)
		return true;
	snprintf(note, cap, "data CRC mismatch (stored 0x%08x, computed 0x%08x)", c->stored, crc);
	return false;
}

/* Emits the payload: its parts, or the whole of it. */
static int emit_payload(fg_unpack_ctx *ctx, fg_node *root, const ui_header *h,
			const uint8_t *p, size_t have)
{
	if (h->type == UI_TYPE_MULTI || h->type == UI_TYPE_SCRIPT) {
		int parts = emit_parts(ctx, root, h, p, have);
		if (parts > 0)
			return 0;
		if (parts < 0)
			return -1;
		if (h->type == UI_TYPE_MULTI)
			fg_unpack_truncated(ctx, root, "multi-file size table unreadable: payload kept whole");
	}
	const char *name = table_name(type_names, NELEM(type_names), h->type);
	if (!name || h->type == 0 || h->type == UI_TYPE_MULTI)
		name = "payload";
	return emit(ctx, root, name, h, p, have, h->size) ? 0 : -1;
}

static int ui_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	ui_header h;
	if (len < UI_HEADER_SIZE || !parse_header(data, len, &h)) {
		fg_unpack_fail(ctx, "bad uImage header");
		return -1;
	}
	uint64_t total = (uint64_t)UI_HEADER_SIZE + h.size;
	root->src_length = total <= len ? total : len;
	const uint8_t *p = data + UI_HEADER_SIZE;
	size_t have = (size_t)(root->src_length - UI_HEADER_SIZE);

	char info[256];
	describe(&h, info, sizeof(info));
	size_t skip = h.type == UI_TYPE_MULTI || h.type == UI_TYPE_SCRIPT ? first_part(p, have) : 0;
	check_claim(&h, p + skip, have - skip, info, sizeof(info));
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);

	uint32_t hcrc = header_crc(data);
	if (hcrc != h.hcrc)
		fg_unpack_truncated(ctx, root, "header CRC mismatch (stored 0x%08x, computed 0x%08x)",
				    h.hcrc, hcrc);
	if (have < h.size)
		fg_unpack_truncated(ctx, root, "image truncated: %zu of %u payload bytes present",
				    have, h.size);
	int rc = emit_payload(ctx, root, &h, p, have);
	if (have >= h.size) {
		data_crc *c = malloc(sizeof(*c));
		if (c) {
			*c = (data_crc){ p, have, h.dcrc };
			fg_unpack_defer_check(ctx, root, check_data_crc, c);
		} else {
			fg_unpack_truncated(ctx, root, "out of memory: data CRC not checked");
		}
	}
	return rc;
}

const fg_format fg_format_uimage = {
	.name = "uimage",
	.kind = FG_FMT_WRAPPER,
	.magics = ui_magics,
	.probe = ui_probe,
	.unpack = ui_unpack,
};
