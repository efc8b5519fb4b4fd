/*
 * tplink.c - TP-Link firmware images.
 *
 * Two layouts share the handler.
 *
 * Header version 1 (Linux routers; mktplinkfw, tpl-tool): a 0x200-byte
 * big-endian header. 0x00 version 0x01000000, 0x04 vendor[24] ("TP-LINK
 * Technologies"), 0x1c firmware version string[36], 0x40 hardware id,
 * 0x44 hardware revision, 0x48 region, 0x4c MD5[16], 0x5c 0, 0x60 a second
 * MD5 (the kernel's, salt unknown), 0x70 0, 0x74 kernel load address, 0x78
 * kernel entry, 0x7c image length, 0x80 kernel offset, 0x84 kernel length,
 * 0x88 rootfs offset, 0x8c rootfs length, 0x90 boot loader offset, 0x94
 * boot loader length, 0x98 three 16-bit firmware version numbers. The MD5
 * covers the whole image with its own field replaced by a fixed key; the
 * key differs for images that carry a boot loader. Such "up_boot" images
 * are an image in an image: header, boot loader, and at 0x20200 a second
 * complete header + kernel + rootfs image whose offsets are relative to
 * that inner header.
 *
 * IMG0 (VxWorks routers such as the TL-WR702N): a big-endian 32-bit word,
 * an MD5 at 4, then at 20 an "IMG0" header: magic, the length from the
 * magic to the end of the image, a 16-bit device id and a 16-bit language.
 * The MD5 covers the whole image with its field replaced by TP-Link's
 * VxWorks key. A second IMG0 header later on (running to the same end)
 * starts the main image: 128 bytes of header, the LZMA-packed OS, and a
 * file system introduced by a run of "owow...". An LZMA-packed boot loader
 * lies between the first header and the second. The children carry the
 * names (and, for the two headers, the exact byte ranges) of FACT's
 * TP-WR702N unpacker, whose published test pins their SHA-256; the areas
 * no named part covers (the loader code, the main image's header) are
 * kept as "<offset>_unknown.bin" as FACT keeps them.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "unpack/format.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define V1_HDR_LEN 0x200
#define V1_VERSION 0x01000000u
#define V1_MD5_OFF 0x4c
#define V1_IMAGE2_OFF 0x20200u   /* inner image of an image with a boot loader */

#define IMG0_OFF 20
#define IMG0_HDR_LEN 12
#define IMG0_MD5_OFF 4
#define IMG0_MAIN_HDR 128        /* the second IMG0 header's size */
#define IMG0_OWFS_RUN 32         /* "owow..." bytes that mark the file system */
#define IMG0_MIN_GAP 10          /* FACT keeps unnamed areas from this size */
/* Where the second IMG0 header is looked for: "IMG0" can be common in a
 * VxWorks blob, and every hit is probed, so the search is bounded. */
#define IMG0_MAX_SPAN (8u << 20)
#define IMG0_MAX_HITS 256

/* The MD5 keys are facts of the formats (mktplinkfw's md5salt_normal and
 * md5salt_boot; the VxWorks firmware's md5Key). */
static const uint8_t key_normal[16] = {
	0xdc, 0xd7, 0x3a, 0xa5, 0xc3, 0x95, 0x98, 0xfb,
	0xdd, 0xf9, 0xe7, 0xf4, 0x0e, 0xae, 0x47, 0x38,
};
static const uint8_t key_boot[16] = {
	0x8c, 0xef, 0x33, 0x5b, 0xd5, 0xc5, 0xce, 0xfa,
	0xa7, 0x9c, 0x28, 0xda, 0xb2, 0xe9, 0x0f, 0x42,
};
static const uint8_t key_vxworks[16] = {
	0xcc, 0x96, 0x28, 0xee, 0x8d, 0xfb, 0x21, 0xbb,
	0x3d, 0xef, 0x6c, 0xb5, 0x9f, 0x77, 0x4c, 0x7c,
};

/* Hardware ids whose device is documented (tpl-tool's table, the samples). */
static const struct { uint32_t id; const char *name; } hw_names[] = {
	{ 0x08010001, "TL-WA801ND v1" }, { 0x09010001, "TL-WA901ND v1" },
	{ 0x09010002, "TL-WA901ND v2" }, { 0x09410002, "TL-WR941ND v2" },
	{ 0x09410004, "TL-WR941ND v4" }, { 0x10420001, "TL-WR1042ND v1" },
	{ 0x10430001, "TL-WR1043ND v1" }, { 0x25430001, "TL-WR2543N v1" },
	{ 0x43000001, "TL-WDR4300 v1" }, { 0x30200001, "TL-MR3020 v1" },
};

/* ---- shared helpers --------------------------------------------------- */

/* MD5 of DATA[0..N) with the 16 bytes at FIELD replaced by KEY. */
static bool keyed_md5_ok(const uint8_t *data, size_t n, size_t field, const uint8_t *key)
{
	if (n < field + 16)
		return false;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bool ok = c && EVP_DigestInit_ex(c, EVP_md5(), NULL) &&
		  EVP_DigestUpdate(c, data, field) && EVP_DigestUpdate(c, key, 16) &&
		  EVP_DigestUpdate(c, data + field + 16, n - field - 16) &&
		  EVP_DigestFinal_ex(c, md, &mdlen) && mdlen == 16;
	EVP_MD_CTX_free(c);
	return ok && memcmp(md, data + field, 16) == 0;
}

static void set_info(fg_unpack_ctx *ctx, fg_node *root, const char *info)
{
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);
}

/* Hangs DATA[OFF..OFF+N) under ROOT as NAME; a part reaching past HAVE
 * bytes is cut there and marked. */
static fg_node *emit(fg_unpack_ctx *ctx, fg_node *root, const char *name,
		     const uint8_t *data, size_t have, uint64_t off, uint64_t n)
{
	if (off >= have) {
		fg_unpack_truncated(ctx, root, "%s at 0x%llx lies past the end (%zu bytes)", name,
				    (unsigned long long)off, have);
		return NULL;
	}
	fg_node *c = fg_unpack_add(ctx, root, name, FG_NODE_FILE);
	if (!c)
		return NULL;
	uint64_t got = n <= have - off ? n : have - off;
	c->data = data + off;
	c->data_len = (size_t)got;
	c->size = n;
	c->mode = 0644;
	if (got < n)
		fg_unpack_truncated(ctx, c, "cut at %llu of %llu bytes", (unsigned long long)got,
				    (unsigned long long)n);
	return c;
}

static bool printable_str(const uint8_t *p, size_t cap, bool need_text)
{
	size_t i = 0;
	for (; i < cap && p[i]; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	for (size_t j = i; j < cap; j++)
		if (p[j])
			return false; /* NUL-padded field */
	return !need_text || i > 0;
}

/* ---- header version 1 -------------------------------------------------- */

typedef struct v1_hdr {
	char vendor[25], version[37];
	uint32_t hw_id, hw_rev, region;
	uint32_t kernel_la, kernel_ep, fw_length;
	uint32_t kernel_ofs, kernel_len, rootfs_ofs, rootfs_len, boot_ofs, boot_len;
	uint16_t ver[3];
} v1_hdr;

static bool v1_parse(const uint8_t *data, size_t len, v1_hdr *h)
{
	if (len < V1_HDR_LEN)
		return false;
	fg_cursor c = fg_cur_make(data, V1_HDR_LEN);
	uint32_t version = fg_cur_u32be(&c);
	const uint8_t *vendor = fg_cur_take(&c, 24);
	const uint8_t *fwver = fg_cur_take(&c, 36);
	h->hw_id = fg_cur_u32be(&c);
	h->hw_rev = fg_cur_u32be(&c);
	h->region = fg_cur_u32be(&c);
	fg_cur_skip(&c, 16 + 4 + 16 + 4); /* md5, 0, kernel md5, 0 */
	h->kernel_la = fg_cur_u32be(&c);
	h->kernel_ep = fg_cur_u32be(&c);
	h->fw_length = fg_cur_u32be(&c);
	h->kernel_ofs = fg_cur_u32be(&c);
	h->kernel_len = fg_cur_u32be(&c);
	h->rootfs_ofs = fg_cur_u32be(&c);
	h->rootfs_len = fg_cur_u32be(&c);
	h->boot_ofs = fg_cur_u32be(&c);
	h->boot_len = fg_cur_u32be(&c);
	for (int i = 0; i < 3; i++)
		h->ver[i] = fg_cur_u16be(&c);
	if (!fg_cur_ok(&c) || version != V1_VERSION)
		return false;
	if (!printable_str(vendor, 24, true) || !printable_str(fwver, 36, false))
		return false;
	memcpy(h->vendor, vendor, 24);
	h->vendor[24] = '\0';
	memcpy(h->version, fwver, 36);
	h->version[36] = '\0';
	/* every part inside the image, the kernel after the header */
	uint64_t fl = h->fw_length;
	return fl >= V1_HDR_LEN && h->kernel_len > 0 && h->kernel_ofs >= V1_HDR_LEN &&
	       (uint64_t)h->kernel_ofs + h->kernel_len <= fl &&
	       (uint64_t)h->rootfs_ofs + h->rootfs_len <= fl &&
	       (uint64_t)V1_HDR_LEN + h->boot_len <= fl;
}

/* The image inside an image with a boot loader, or false. */
static bool v1_inner(const uint8_t *data, size_t len, const v1_hdr *outer, v1_hdr *in)
{
	if (!outer->boot_len || outer->fw_length <= V1_IMAGE2_OFF || len <= V1_IMAGE2_OFF)
		return false;
	return v1_parse(data + V1_IMAGE2_OFF, len - V1_IMAGE2_OFF, in) &&
	       in->fw_length <= outer->fw_length - V1_IMAGE2_OFF;
}

/* Which key the image's MD5 was made with: 'n', 'b', or 0 for neither. */
static char v1_md5(const uint8_t *data, size_t n, bool boot)
{
	const uint8_t *first = boot ? key_boot : key_normal;
	const uint8_t *second = boot ? key_normal : key_boot;
	if (keyed_md5_ok(data, n, V1_MD5_OFF, first))
		return boot ? 'b' : 'n';
	if (keyed_md5_ok(data, n, V1_MD5_OFF, second))
		return boot ? 'n' : 'b';
	return 0;
}

static int v1_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	v1_hdr h;
	if (!v1_parse(data, len, &h))
		return 0;
	if (h.fw_length > len) {
		/* truncated: unpack what is there, if the kernel starts in it
		 * (a lone header, like our own "header" child, is not an image) */
		if (len <= h.kernel_ofs)
			return 0;
		*chunk_len = len;
		return 45;
	}
	*chunk_len = h.fw_length;
	return v1_md5(data, h.fw_length, h.boot_len != 0) ? 95 : 60;
}

static const char *hw_name(uint32_t id)
{
	for (size_t i = 0; i < NELEM(hw_names); i++)
		if (hw_names[i].id == id)
			return hw_names[i].name;
	return NULL;
}

static const char *md5_word(char k)
{
	return k == 'n' ? "md5 ok" : k == 'b' ? "md5 ok (boot key)" : "md5 mismatch";
}

static int v1_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	v1_hdr h, in;
	if (!v1_parse(data, len, &h)) {
		fg_unpack_fail(ctx, "bad TP-Link v1 header");
		return -1;
	}
	size_t end = h.fw_length <= len ? h.fw_length : len;
	root->src_length = end;
	char k = h.fw_length <= len ? v1_md5(data, end, h.boot_len != 0) : 0;

	bool inner = v1_inner(data, end, &h, &in);
	const v1_hdr *img = inner ? &in : &h;
	size_t base = inner ? V1_IMAGE2_OFF : 0;
	char k2 = 0;
	if (inner && in.fw_length <= end - base)
		k2 = v1_md5(data + base, in.fw_length, false);

	char info[512];
	const char *dev = hw_name(h.hw_id);
	int n = snprintf(info, sizeof(info),
			 "v1 %s%shw 0x%08x rev %u fw %u.%u.%u '%s' vendor '%s'; %s; kernel load 0x%08x "
			 "entry 0x%08x len %u; rootfs at 0x%x len %u", dev ? dev : "", dev ? " " : "",
			 h.hw_id, h.hw_rev, h.ver[0], h.ver[1], h.ver[2], h.version, h.vendor,
			 h.fw_length > len ? "md5 not checked (truncated)" : md5_word(k),
			 img->kernel_la, img->kernel_ep, img->kernel_len,
			 (unsigned)(base + img->rootfs_ofs), img->rootfs_len);
	if (h.boot_len && n > 0 && (size_t)n < sizeof(info))
		snprintf(info + n, sizeof(info) - (size_t)n, "; bootloader len %u; image2 at 0x%x %s",
			 h.boot_len, V1_IMAGE2_OFF, inner ? (k2 ? md5_word(k2) : "md5 mismatch")
							 : "missing");
	set_info(ctx, root, info);

	if (h.fw_length > len)
		fg_unpack_truncated(ctx, root, "image truncated: %zu of %u bytes present", len,
				    h.fw_length);
	else if (!k)
		fg_unpack_truncated(ctx, root, "MD5 mismatch");
	if (h.boot_len && !inner)
		fg_unpack_truncated(ctx, root, "no inner image at 0x%x: parts read from the outer header",
				    V1_IMAGE2_OFF);

	int emitted = 0;
	emitted += emit(ctx, root, "header", data, end, 0, V1_HDR_LEN) != NULL;
	if (h.boot_len) {
		/* tpl-tool and mktplinkfw put the loader right after the header */
		uint64_t bo = h.boot_ofs >= V1_HDR_LEN ? h.boot_ofs : V1_HDR_LEN;
		emitted += emit(ctx, root, "bootloader", data, end, bo, h.boot_len) != NULL;
	}
	emitted += emit(ctx, root, "kernel", data, end, base + (uint64_t)img->kernel_ofs,
			img->kernel_len) != NULL;
	if (img->rootfs_len)
		emitted += emit(ctx, root, "rootfs", data, end, base + (uint64_t)img->rootfs_ofs,
				img->rootfs_len) != NULL;
	return emitted ? 0 : -1;
}

/* ---- IMG0 (VxWorks) ---------------------------------------------------- */

typedef struct img0 {
	uint32_t size;           /* from the IMG0 magic to the end */
	uint16_t device, language;
	size_t end;              /* IMG0_OFF + size */
	size_t sub;              /* the second IMG0 header */
} img0;

static bool img0_header(const uint8_t *p, size_t len, uint32_t *size, uint16_t *dev, uint16_t *lang)
{
	fg_cursor c = fg_cur_make(p, len);
	const uint8_t *magic = fg_cur_take(&c, 4);
	*size = fg_cur_u32be(&c);
	*dev = fg_cur_u16be(&c);
	*lang = fg_cur_u16be(&c);
	return fg_cur_ok(&c) && !memcmp(magic, "IMG0", 4) && *size >= IMG0_HDR_LEN;
}

/* The outer header, and the inner one that runs to the same end. The
 * claimed end may lie past LEN (a truncated image): the inner header is
 * then looked for in what is there. */
static bool img0_parse(const uint8_t *data, size_t len, img0 *m)
{
	if (len < IMG0_OFF + IMG0_HDR_LEN ||
	    !img0_header(data + IMG0_OFF, len - IMG0_OFF, &m->size, &m->device, &m->language))
		return false;
	m->end = (size_t)IMG0_OFF + m->size;
	size_t have = m->end <= len ? m->end : len;
	if (have > IMG0_MAX_SPAN)
		have = IMG0_MAX_SPAN;
	size_t from = IMG0_OFF + IMG0_HDR_LEN;
	m->sub = 0;
	for (int hits = 0; hits < IMG0_MAX_HITS && from + IMG0_HDR_LEN <= have; hits++) {
		const uint8_t *hit = memmem(data + from, have - from, "IMG0", 4);
		if (!hit)
			break;
		size_t at = (size_t)(hit - data);
		uint32_t s;
		uint16_t d, l;
		if (img0_header(hit, have - at, &s, &d, &l) && (uint64_t)at + s == m->end &&
		    s >= IMG0_MAIN_HDR) {
			m->sub = at;
			return true;
		}
		from = at + 1;
	}
	return false;
}

static int img0_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	img0 m;
	if (!img0_parse(data, len, &m))
		return 0;
	if (m.end > len) {
		*chunk_len = len;
		return 45;
	}
	*chunk_len = m.end;
	/* two headers agreeing on the end are already a strong sign; the
	 * keyed MD5 makes it certain */
	return keyed_md5_ok(data, m.end, IMG0_MD5_OFF, key_vxworks) ? 95 : 70;
}

/* An LZMA-alone header: properties, a power-of-two dictionary, a sane
 * (or unknown) size and the range coder's leading zero. */
static bool lzma_start(const uint8_t *p, size_t n)
{
	if (n < 14 || p[0] >= 9 * 5 * 5 || p[0] % 9 + (p[0] / 9) % 5 > 4 || p[13] != 0)
		return false;
	uint32_t dict = fg_load_u32le(p + 1);
	uint64_t usize = fg_load_u32le(p + 5) | (uint64_t)fg_load_u32le(p + 9) << 32;
	return dict >= 4096 && dict <= (1u << 28) && !(dict & (dict - 1)) && usize > 0 &&
	       (usize <= (1u << 30) || usize == UINT64_MAX);
}

static const char *language(uint16_t l)
{
	return l == 0x1101 ? "English" : l == 0x0001 ? "Chinese" : "Unknown";
}

static int img0_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	img0 m;
	if (!img0_parse(data, len, &m)) {
		fg_unpack_fail(ctx, "bad TP-Link IMG0 header");
		return -1;
	}
	size_t end = m.end <= len ? m.end : len;
	root->src_length = end;
	bool md5 = m.end <= len && keyed_md5_ok(data, end, IMG0_MD5_OFF, key_vxworks);

	/* the boot loader: the first LZMA stream after the first header
	 * made with the same properties as the OS (the loader code before it
	 * holds words that pass for an LZMA header) */
	size_t os = m.sub + IMG0_MAIN_HDR;
	int props = os < end && lzma_start(data + os, end - os) ? data[os] : -1;
	size_t boot = 0;
	for (size_t p = IMG0_OFF + IMG0_HDR_LEN; p + 14 <= m.sub; p += 4)
		if (lzma_start(data + p, m.sub - p) && (props < 0 || data[p] == props)) {
			boot = p;
			break;
		}
	const uint8_t *ow = os < end ? memmem(data + os, end - os,
					     "owowowowowowowowowowowowowowowow", IMG0_OWFS_RUN) : NULL;
	size_t owfs = ow ? (size_t)(ow - data) : 0;

	char hex[33];
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", data[IMG0_MD5_OFF + i]);
	char info[512];
	snprintf(info, sizeof(info),
		 "IMG0 %sdevice 0x%04x language %s (0x%04x); md5 %s %s; img0 size %u; "
		 "bootloader_offset %zu; os_offset %zu; owfs_offset %zu",
		 m.device == 0x0702 ? "TL-WR702N " : "", m.device, language(m.language),
		 m.language, hex, m.end > len ? "not checked (truncated)" : md5 ? "ok" : "mismatch",
		 m.size, boot, os, owfs);
	set_info(ctx, root, info);
	if (m.end > len)
		fg_unpack_truncated(ctx, root, "image truncated: %zu of %zu bytes present", len, m.end);
	else if (!md5)
		fg_unpack_truncated(ctx, root, "MD5 mismatch");

	/* FACT's slices: the container header stops one byte short of the
	 * IMG0 header and the boot loader one byte short of the second one
	 * (the bytes are the last MD5 byte, reported above, and padding) */
	int emitted = 0;
	emitted += emit(ctx, root, "container_header.hdr", data, end, 0, IMG0_OFF - 1) != NULL;
	emitted += emit(ctx, root, "img0.hdr", data, end, IMG0_OFF, IMG0_HDR_LEN) != NULL;
	if (boot)
		emitted += emit(ctx, root, "bootloader.7z", data, end, boot, m.sub - 1 - boot) != NULL;
	else
		fg_unpack_truncated(ctx, root, "no LZMA boot loader before the main image");
	/* what the named parts leave out, as FACT names it: the loader code
	 * before the boot loader and the main image's header */
	size_t gaps[2][2] = { { IMG0_OFF + IMG0_HDR_LEN, boot }, { m.sub - 1, os } };
	for (int i = 0; i < 2; i++) {
		size_t from = gaps[i][0], to = gaps[i][1] < end ? gaps[i][1] : end;
		if (to >= from + IMG0_MIN_GAP) {
			char name[32];
			snprintf(name, sizeof(name), "%zu_unknown.bin", from);
			emitted += emit(ctx, root, name, data, end, from, to - from) != NULL;
		}
	}
	if (os >= end) {
		fg_unpack_truncated(ctx, root, "main image header runs past the end");
		return emitted ? 0 : -1;
	}
	fg_node *main_img = emit(ctx, root, "main.img", data, end, os, end - os);
	if (main_img) {
		emitted++;
		if (owfs) {
			/* the same bytes as main.7z + main.owfs, which are unpacked:
			 * described, not unpacked a second time */
			main_img->format = "tplink";
			main_img->format_info = "OS and file system together; see main.7z and main.owfs";
		}
	}
	emitted += emit(ctx, root, "main.7z", data, end, os, (owfs ? owfs : end) - os) != NULL;
	if (owfs)
		emitted += emit(ctx, root, "main.owfs", data, end, owfs, end - owfs) != NULL;
	return emitted ? 0 : -1;
}

/* ---- descriptor --------------------------------------------------------- */

static bool is_img0(const uint8_t *data, size_t len)
{
	return len >= IMG0_OFF + 4 && !memcmp(data + IMG0_OFF, "IMG0", 4);
}

static int tpl_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	return is_img0(data, len) ? img0_probe(data, len, chunk_len) : v1_probe(data, len, chunk_len);
}

static int tpl_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	return is_img0(data, len) ? img0_unpack(ctx, root, data, len) : v1_unpack(ctx, root, data, len);
}

static const fg_magic tpl_magics[] = {
	{ "\x01\x00\x00\x00TP-LINK Technologies", 24, 0 },
	{ "\x01\x00\x00\x00OpenWrt", 11, 0 },   /* OpenWrt's factory images */
	{ "IMG0", 4, IMG0_OFF },
	FG_MAGIC_END,
};

const fg_format fg_format_tplink = {
	.name = "tplink",
	.kind = FG_FMT_WRAPPER,
	.magics = tpl_magics,
	.probe = tpl_probe,
	.unpack = tpl_unpack,
};
