/*
 * android_boot.c - Android boot images ("ANDROID!", header v0 to v4) and
 * vendor boot images ("VNDRBOOT", v3 and v4).
 *
 * Boot v0-v2: a header page (kernel, ramdisk and second-stage sizes and
 * load addresses, page size, header version, OS version, board name,
 * command line), then kernel, ramdisk and second stage, each padded to a
 * page; v1 adds a recovery DTBO/ACPIO, v2 a DTB, each after the previous.
 * Boot v3/v4: a fixed 4096-byte page; the header keeps kernel and ramdisk
 * sizes, OS version and a 1536-byte command line; v4 adds a boot
 * signature after the ramdisk.
 * Vendor boot v3/v4: header (page size, vendor ramdisk and DTB sizes,
 * 2048-byte command line, board name), then vendor ramdisk and DTB; v4
 * adds a vendor-ramdisk table (named fragments of the vendor ramdisk) and
 * a bootconfig section.
 *
 * The sections become children (kernel, ramdisk, second, recovery_dtbo,
 * dtb, ...) pointing into the image; the engine identifies what they hold
 * (a gzip/lz4 cpio ramdisk, a compressed kernel, a DTB). The OS version
 * field packs A.B.C (7 bits each) and a patch level (year - 2000, month):
 * both are decoded into format_info with the command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "unpack/format.h"

#define AB_MAGIC "ANDROID!"
#define VB_MAGIC "VNDRBOOT"
#define AB_V3_PAGE 4096u
#define AB_MIN_PAGE 1024u
#define AB_MAX_PAGE 131072u
#define AB_MAX_SECTIONS 8
#define VB_TABLE_MAX 64          /* vendor ramdisk fragments kept */
#define VB_ENTRY_MIN 108         /* size, offset, type, name[32], board_id[16] */

typedef struct ab_section {
	const char *name;
	uint64_t offset, size;
} ab_section;

typedef struct ab_image {
	bool vendor;
	uint32_t version;        /* header version as used */
	uint32_t raw_version;    /* as stored */
	uint32_t page;
	uint32_t os_version;     /* 0 when absent (vendor boot) */
	const uint8_t *cmdline;  /* not NUL-terminated: CMDLINE_LEN bytes */
	size_t cmdline_len;
	const uint8_t *extra;    /* v0-v2 extra command line */
	size_t extra_len;
	const uint8_t *board;    /* 16 bytes or NULL */
	ab_section sec[AB_MAX_SECTIONS];
	unsigned nsec;
	uint64_t end;            /* bytes the image covers */
	/* vendor v4 ramdisk table */
	uint64_t table_off;
	uint32_t table_size, table_entries, table_entry_size;
} ab_image;

static bool pow2_page(uint32_t p)
{
	return p >= AB_MIN_PAGE && p <= AB_MAX_PAGE && (p & (p - 1)) == 0;
}

static uint64_t pages(uint64_t n, uint32_t page)
{
	return (n + page - 1) / page * page;
}

/* Appends a section at the running end; empty sections take no room. */
static void add_section(ab_image *im, const char *name, uint64_t size)
{
	if (im->nsec < AB_MAX_SECTIONS && size) {
		im->sec[im->nsec].name = name;
		im->sec[im->nsec].offset = im->end;
		im->sec[im->nsec].size = size;
		im->nsec++;
	}
	im->end += pages(size, im->page);
}

/* Boot header v0-v2 (page size in the header). */
static bool parse_boot_v0(const uint8_t *d, size_t len, ab_image *im)
{
	if (len < 1632)
		return false;
	uint32_t kernel = fg_load_u32le(d + 8), ramdisk = fg_load_u32le(d + 16);
	uint32_t second = fg_load_u32le(d + 24);
	im->page = fg_load_u32le(d + 36);
	if (!pow2_page(im->page) || kernel == 0)
		return false;
	im->version = im->raw_version <= 2 ? im->raw_version : 0;
	im->os_version = fg_load_u32le(d + 44);
	im->board = d + 48;
	im->cmdline = d + 64;
	im->cmdline_len = 512;
	im->extra = d + 608;
	im->extra_len = 1024;
	im->end = im->page;
	add_section(im, "kernel", kernel);
	add_section(im, "ramdisk", ramdisk);
	add_section(im, "second", second);
	if (im->version >= 1) {
		if (len < 1648)
			return false;
		add_section(im, "recovery_dtbo", fg_load_u32le(d + 1632));
	}
	if (im->version >= 2) {
		if (len < 1660)
			return false;
		add_section(im, "dtb", fg_load_u32le(d + 1648));
	}
	return true;
}

/* Boot header v3/v4 (fixed 4096-byte pages). */
static bool parse_boot_v3(const uint8_t *d, size_t len, ab_image *im)
{
	if (len < 1580 || (im->version == 4 && len < 1584))
		return false;
	uint32_t kernel = fg_load_u32le(d + 8), ramdisk = fg_load_u32le(d + 12);
	if (kernel == 0 && ramdisk == 0)
		return false;
	for (unsigned i = 0; i < 4; i++)
		if (fg_load_u32le(d + 24 + 4 * i) != 0)
			return false; /* reserved: keeps v0 images with a stray version out */
	im->page = AB_V3_PAGE;
	im->os_version = fg_load_u32le(d + 16);
	im->cmdline = d + 44;
	im->cmdline_len = 1536;
	im->end = AB_V3_PAGE;
	add_section(im, "kernel", kernel);
	add_section(im, "ramdisk", ramdisk);
	if (im->version == 4)
		add_section(im, "boot_signature", fg_load_u32le(d + 1580));
	return true;
}

static bool parse_vendor(const uint8_t *d, size_t len, ab_image *im)
{
	if (len < 2112)
		return false;
	im->vendor = true;
	im->raw_version = fg_load_u32le(d + 8);
	im->version = im->raw_version;
	im->page = fg_load_u32le(d + 12);
	if ((im->version != 3 && im->version != 4) || !pow2_page(im->page))
		return false;
	if (im->version == 4 && len < 2128)
		return false;
	uint32_t ramdisk = fg_load_u32le(d + 24);
	uint32_t hdr_size = fg_load_u32le(d + 2096);
	uint32_t dtb = fg_load_u32le(d + 2100);
	/* AOSP says 2112 (2128 for v4); early mkbootimg wrote 2108 */
	if (hdr_size < 2104 || hdr_size > 16 * im->page)
		return false;
	im->cmdline = d + 28;
	im->cmdline_len = 2048;
	im->board = d + 2080;
	im->end = pages(hdr_size, im->page);
	add_section(im, "vendor_ramdisk", ramdisk);
	add_section(im, "dtb", dtb);
	if (im->version == 4) {
		im->table_size = fg_load_u32le(d + 2112);
		im->table_entries = fg_load_u32le(d + 2116);
		im->table_entry_size = fg_load_u32le(d + 2120);
		im->table_off = im->end;
		add_section(im, "vendor_ramdisk_table", im->table_size);
		add_section(im, "bootconfig", fg_load_u32le(d + 2124));
	}
	return true;
}

static bool parse(const uint8_t *d, size_t len, ab_image *im)
{
	memset(im, 0, sizeof(*im));
	if (len >= 8 && memcmp(d, VB_MAGIC, 8) == 0)
		return parse_vendor(d, len, im);
	if (len < 48 || memcmp(d, AB_MAGIC, 8) != 0)
		return false;
	im->raw_version = fg_load_u32le(d + 40);
	if (im->raw_version == 3 || im->raw_version == 4) {
		im->version = im->raw_version;
		if (parse_boot_v3(d, len, im))
			return true;
		memset(im, 0, sizeof(*im));
		im->raw_version = fg_load_u32le(d + 40);
	}
	return parse_boot_v0(d, len, im);
}

static int ab_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	ab_image im;
	if (!parse(data, len, &im))
		return 0;
	*chunk_len = im.end <= len ? im.end : len;
	return im.end <= len ? 95 : 60;
}

static const fg_magic ab_magics[] = {
	{ AB_MAGIC, 8, 0 },
	{ VB_MAGIC, 8, 0 },
	FG_MAGIC_END,
};

/* ---- unpacking ------------------------------------------------------------ */

static const char *tree_strdup(fg_unpack_ctx *ctx, const char *s)
{
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	const char *r = fg_arena_strdup(&t->arena, s);
	pthread_mutex_unlock(&t->lock);
	return r;
}

/* Appends the printable form of the NUL-terminated field P (at most N
 * bytes) to OUT. */
static void put_field(char *out, size_t cap, const uint8_t *p, size_t n)
{
	size_t at = strlen(out);
	for (size_t i = 0; i < n && p[i] && at + 5 < cap; i++) {
		unsigned char ch = p[i];
		if (ch == '"' || ch == '\\' || ch < 0x20 || ch > 0x7e)
			at += (size_t)snprintf(out + at, cap - at, "\\x%02x", ch);
		else
			out[at++] = (char)ch;
	}
	out[at] = '\0';
}

static void describe(const ab_image *im, char *out, size_t cap)
{
	snprintf(out, cap, "%s v%u", im->vendor ? "vendor_boot" : "boot", im->version);
	if (im->raw_version != im->version)
		snprintf(out + strlen(out), cap - strlen(out), " (stored %u)", im->raw_version);
	snprintf(out + strlen(out), cap - strlen(out), ", %u-byte pages", im->page);
	if (im->os_version) {
		uint32_t v = im->os_version >> 11, pl = im->os_version & 0x7ff;
		snprintf(out + strlen(out), cap - strlen(out), ", os %u.%u.%u", v >> 14,
			 (v >> 7) & 0x7f, v & 0x7f);
		if (pl)
			snprintf(out + strlen(out), cap - strlen(out), ", patch %04u-%02u",
				 2000 + (pl >> 4), pl & 0xf);
	}
	if (im->board && im->board[0]) {
		strncat(out, ", board \"", cap - strlen(out) - 1);
		put_field(out, cap, im->board, 16);
		strncat(out, "\"", cap - strlen(out) - 1);
	}
	strncat(out, ", cmdline \"", cap - strlen(out) - 1);
	put_field(out, cap, im->cmdline, im->cmdline_len);
	if (im->extra && memchr(im->cmdline, 0, im->cmdline_len) == NULL)
		put_field(out, cap, im->extra, im->extra_len); /* continues the first */
	else if (im->extra && im->extra[0]) {
		strncat(out, " ", cap - strlen(out) - 1);
		put_field(out, cap, im->extra, im->extra_len);
	}
	strncat(out, "\"", cap - strlen(out) - 1);
}

static fg_node *emit(fg_unpack_ctx *ctx, fg_node *root, const char *name, const uint8_t *d,
		     size_t len, uint64_t off, uint64_t size)
{
	fg_node *n = fg_unpack_add(ctx, root, name, FG_NODE_FILE);
	if (!n)
		return NULL;
	n->mode = 0644;
	n->size = size;
	if (off >= len) {
		fg_unpack_truncated(ctx, n, "missing: image ends at 0x%zx, section at 0x%llx", len,
				    (unsigned long long)off);
		return n;
	}
	n->data = d + off;
	n->data_len = size <= len - off ? (size_t)size : len - (size_t)off;
	if (n->data_len < size)
		fg_unpack_truncated(ctx, n, "cut: %zu of %llu bytes in the image", n->data_len,
				    (unsigned long long)size);
	return n;
}

/* Vendor boot v4: the vendor ramdisk as its named fragments. False when
 * the table is unusable (the whole ramdisk is emitted instead). */
static bool emit_fragments(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *d, size_t len,
			   const ab_image *im, const ab_section *rd)
{
	if (im->table_entries == 0 || im->table_entries > VB_TABLE_MAX ||
	    im->table_entry_size < VB_ENTRY_MIN ||
	    (uint64_t)im->table_entries * im->table_entry_size > im->table_size ||
	    im->table_off > len || im->table_size > len - im->table_off)
		return false;
	const uint8_t *t = d + im->table_off;
	for (uint32_t i = 0; i < im->table_entries; i++) {
		const uint8_t *e = t + (size_t)i * im->table_entry_size;
		uint32_t size = fg_load_u32le(e), off = fg_load_u32le(e + 4);
		if (off > rd->size || size > rd->size - off)
			return false;
	}
	for (uint32_t i = 0; i < im->table_entries; i++) {
		const uint8_t *e = t + (size_t)i * im->table_entry_size;
		char name[64], clean[33] = "";
		size_t k = 0;
		for (size_t j = 0; j < 32 && e[12 + j]; j++) {
			unsigned char ch = e[12 + j];
			clean[k++] = (ch < 0x20 || ch > 0x7e || ch == '/') ? '_' : (char)ch;
		}
		clean[k] = '\0';
		if (k == 0 || !strcmp(clean, ".") || !strcmp(clean, ".."))
			snprintf(name, sizeof(name), "vendor_ramdisks/%u", i);
		else
			snprintf(name, sizeof(name), "vendor_ramdisks/%s", clean);
		if (fg_node_find_child(root, "vendor_ramdisks", 15)) {
			const fg_node *dir = fg_node_find_child(root, "vendor_ramdisks", 15);
			if (fg_node_find_child(dir, name + 16, strlen(name + 16)))
				snprintf(name, sizeof(name), "vendor_ramdisks/%u", i);
		}
		emit(ctx, root, name, d, len, rd->offset + fg_load_u32le(e + 4), fg_load_u32le(e));
	}
	return true;
}

static int ab_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	ab_image im;
	if (!parse(data, len, &im)) {
		fg_unpack_fail(ctx, "no Android boot image header");
		return -1;
	}
	char info[4096];
	describe(&im, info, sizeof(info));
	root->format_info = tree_strdup(ctx, info);
	if (im.end > len)
		fg_unpack_truncated(ctx, root, "image truncated: %zu of %llu bytes present", len,
				    (unsigned long long)im.end);
	for (unsigned i = 0; i < im.nsec; i++) {
		const ab_section *s = &im.sec[i];
		if (!strcmp(s->name, "vendor_ramdisk_table"))
			continue;
		if (!strcmp(s->name, "vendor_ramdisk") && im.version == 4 &&
		    emit_fragments(ctx, root, data, len, &im, s))
			continue;
		emit(ctx, root, s->name, data, len, s->offset, s->size);
	}
	root->src_length = im.end <= len ? im.end : len;
	return 0;
}

const fg_format fg_format_android_boot = {
	.name = "android_boot",
	.kind = FG_FMT_WRAPPER,
	.magics = ab_magics,
	.probe = ab_probe,
	.unpack = ab_unpack,
};
