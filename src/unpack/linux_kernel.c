/*
 * linux_kernel.c - Linux kernel images.
 *
 *   zimage      ARM zImage: magic 0x016F2818 at 0x24 in either byte order,
 *               then the zImage's start and end addresses (their difference
 *               is the exact length). The compressed kernel after the
 *               decompressor is found and decoded into "vmlinux".
 *   bzimage     x86 bzImage (and the older zImage): "HdrS" at 0x202; the
 *               setup header gives the length ((setup_sects + 1) * 512 +
 *               syssize * 16), the payload's offset and length (boot
 *               protocol 2.08+) and a pointer to the version string. The
 *               payload is decoded into "vmlinux".
 *   arm64image  arm64 "Image": "ARM\x64" at 0x38, uncompressed: a leaf
 *               whose description carries the version banner.
 *   vmlinux     a decompressed kernel (ELF or raw binary) recognised by its
 *               version banner: a leaf. Leaves at the start of a blob are
 *               still carved inside, so an embedded initramfs (cpio, plain
 *               or compressed) and the IKCONFIG block are found.
 *   ikconfig    "IKCFG_ST" + gzip + "IKCFG_ED" (CONFIG_IKCONFIG): a file
 *               tree holding the decompressed ".config", so the kernel
 *               hardening check reads it like any other configuration.
 *
 * What the headers say and the version go into format_info; vmlinux and
 * arm64image describe themselves with the banner.
 */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "core/crc32.h"
#include "core/cursor.h"
#include "unpack/kernel.h"

extern const fg_format fg_format_elf;

/* ---- the version banner --------------------------------------------------- */

#define BANNER_KEY "Linux version "
#define BANNER_KEY_LEN 14
#define BANNER_SPAN 512          /* bytes a banner may take */
#define BANNER_MAX_HITS 256      /* "Linux version " occurrences examined */

static bool release_char(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '.' || c == '-' || c == '_' || c == '+' || c == '~';
}

/* The banner at P: release, " (", who@host, ..., "\n\0". */
static bool parse_banner(const uint8_t *p, size_t n, fg_kbanner *b)
{
	size_t i = BANNER_KEY_LEN, span = n < BANNER_SPAN ? n : BANNER_SPAN;
	if (i >= span || p[i] < '0' || p[i] > '9')
		return false;
	size_t rel = i;
	while (i < span && release_char(p[i]))
		i++;
	if (i - rel > 64 || i + 2 > span || p[i] != ' ' || p[i + 1] != '(')
		return false;
	size_t rel_end = i;
	bool at = false, closed = false;
	for (; i < span && p[i] != '\n'; i++) {
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
		if (p[i] == '@' && !closed)
			at = true;
		if (p[i] == ')')
			closed = true;
	}
	if (!at || i + 1 >= span || p[i] != '\n' || p[i + 1] != '\0')
		return false;
	memset(b, 0, sizeof(*b));
	snprintf(b->release, sizeof(b->release), "%.*s", (int)(rel_end - rel), (const char *)p + rel);
	snprintf(b->text, sizeof(b->text), "%.*s", (int)(i - BANNER_KEY_LEN),
		 (const char *)p + BANNER_KEY_LEN);
	/* UTS_VERSION follows the last ") #": the compiler part has parentheses too */
	const char *t = b->text, *last = NULL;
	for (const char *q = t; (q = strstr(q, ") #")) != NULL; q++)
		last = q;
	if (last)
		snprintf(b->built, sizeof(b->built), "%s", last + 2);
	return true;
}

/* A banner whose UTS_VERSION has its build number ("#1 SMP ...") is
 * preferred: 6.1 kernels also keep one from the first link, "# SMP ...". */
bool fg_kernel_banner(const uint8_t *d, size_t len, fg_kbanner *b)
{
	size_t pos = 0;
	bool found = false;
	fg_kbanner cand;
	for (unsigned hits = 0; pos < len && hits < BANNER_MAX_HITS; hits++) {
		const uint8_t *h = memmem(d + pos, len - pos, BANNER_KEY, BANNER_KEY_LEN);
		if (!h)
			break;
		size_t off = (size_t)(h - d);
		pos = off + 1;
		if (!parse_banner(h, len - off, &cand))
			continue;
		cand.offset = off;
		bool numbered = cand.built[0] == '#' && cand.built[1] >= '0' && cand.built[1] <= '9';
		if (!found || numbered)
			*b = cand;
		found = true;
		if (numbered)
			break;
	}
	return found;
}

/* ---- IKCONFIG ---------------------------------------------------------------- */

bool fg_ikconfig_locate(const uint8_t *d, size_t len, size_t *gz_off, size_t *gz_len, bool *closed)
{
	size_t pos = 0;
	for (unsigned hits = 0; pos < len && hits < 64; hits++) {
		const uint8_t *h = memmem(d + pos, len - pos, FG_IKCONFIG_ST, 8);
		if (!h)
			return false;
		size_t start = (size_t)(h - d) + 8;
		pos = start - 7;
		if (len - start < 18 || h[8] != 0x1f || h[9] != 0x8b || h[10] != 8)
			continue;
		size_t lim = len - start < FG_IKCONFIG_MAX_GZ ? len : start + FG_IKCONFIG_MAX_GZ;
		const uint8_t *e = memmem(d + start, lim - start, FG_IKCONFIG_ED, 8);
		*gz_off = start;
		*gz_len = (e ? (size_t)(e - d) : lim) - start;
		*closed = e != NULL;
		return true;
	}
	return false;
}

/* ---- helpers ------------------------------------------------------------------ */

static void set_info(fg_unpack_ctx *ctx, fg_node *root, const char *info)
{
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);
}

/* Hangs the decoded kernel under ROOT as "vmlinux"; appends ", Linux
 * <release>" to INFO when its banner is found. */
static fg_node *emit_vmlinux(fg_unpack_ctx *ctx, fg_node *root, fg_outbuf *o,
			     const fg_kz_found *f, char *info, size_t cap)
{
	fg_kbanner b;
	size_t used = strlen(info);
	if (fg_kernel_banner(o->data, o->len, &b))
		snprintf(info + used, cap - used, ", Linux %s", b.release);
	fg_node *n = fg_stream_emit(ctx, root, "vmlinux", o);
	if (n && !f->done)
		fg_unpack_truncated(ctx, n, "%s payload: %s", fg_kz_name(f->method),
				    f->err ? f->err : "stream is truncated");
	return n;
}

/* ---- ARM zImage ---------------------------------------------------------------- */

#define ZI_MAGIC 0x016F2818u
#define ZI_HEADER 0x30
#define ZI_MAX (256u << 20)
#define ARM_NOP 0xe1a00000u          /* mov r0, r0 */

typedef struct zi_hdr {
	bool be;            /* header words big-endian */
	bool code_be;       /* instructions big-endian (BE32) */
	bool efi;           /* "MZ": an EFI stub leads */
	unsigned nops;
	uint32_t start, end;
} zi_hdr;

static uint32_t rd32(const uint8_t *p, bool be)
{
	return be ? fg_load_u32be(p) : fg_load_u32le(p);
}

static bool zi_parse(const uint8_t *d, size_t len, zi_hdr *h)
{
	if (len < ZI_HEADER)
		return false;
	memset(h, 0, sizeof(*h));
	if (fg_load_u32le(d + 0x24) == ZI_MAGIC)
		h->be = false;
	else if (fg_load_u32be(d + 0x24) == ZI_MAGIC)
		h->be = true;
	else
		return false;
	h->start = rd32(d + 0x28, h->be);
	h->end = rd32(d + 0x2c, h->be);
	if (h->end <= h->start || h->end - h->start < ZI_HEADER || h->end - h->start > ZI_MAX)
		return false;
	/* the decompressor starts with "mov r0, r0" nops (8, or 7 after an
	 * EFI "MZ" word); which byte order they have tells BE32 from BE8 */
	unsigned le = 0, be = 0;
	for (size_t o = 0; o < 0x24; o += 4) {
		le += fg_load_u32le(d + o) == ARM_NOP;
		be += fg_load_u32be(d + o) == ARM_NOP;
	}
	h->code_be = be > le;
	h->nops = be > le ? be : le;
	h->efi = d[0] == 'M' && d[1] == 'Z';
	return true;
}

static int zi_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	zi_hdr h;
	if (!zi_parse(data, len, &h))
		return 0;
	bool code = h.nops >= 4 || h.efi;
	uint64_t size = h.end - h.start;
	if (size <= len) {
		*chunk_len = size;
		return code ? 90 : 45;
	}
	/* cut short: only taken at the start of a file, never carved */
	*chunk_len = len;
	return code ? 40 : 15;
}

static const char *zi_order(const zi_hdr *h)
{
	if (!h->be)
		return "little-endian";
	return h->code_be ? "big-endian (BE32)" : "big-endian (BE8)";
}

static int zi_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	zi_hdr h;
	if (!zi_parse(data, len, &h)) {
		fg_unpack_fail(ctx, "bad zImage header");
		return -1;
	}
	uint64_t size = h.end - h.start;
	size_t avail = size <= len ? (size_t)size : len;
	char info[256];
	snprintf(info, sizeof(info), "ARM zImage %s%s", zi_order(&h), h.efi ? ", EFI stub" : "");
	if (size > len) {
		size_t u = strlen(info);
		snprintf(info + u, sizeof(info) - u, ", cut at %zu of %llu bytes", len,
			 (unsigned long long)size);
		fg_unpack_truncated(ctx, root, "zImage truncated: %zu of %llu bytes present", len,
				    (unsigned long long)size);
	}
	root->src_length = avail;

	fg_outbuf o;
	fg_outbuf_init(&o, ctx, avail);
	fg_kz_found f;
	if (fg_kz_find(ctx, data, avail, ZI_HEADER, &o, &f)) {
		size_t u = strlen(info);
		snprintf(info + u, sizeof(info) - u, ", %s payload at 0x%zx", fg_kz_name(f.method), f.offset);
		emit_vmlinux(ctx, root, &o, &f, info, sizeof(info));
		/* cut short: claim what was decoded, the carver looks at the rest */
		if (size > len)
			root->src_length = f.offset + f.used;
	} else {
		fg_outbuf_discard(&o, ctx);
		size_t u = strlen(info);
		snprintf(info + u, sizeof(info) - u, ", no compressed kernel found");
		/* only the header is known: whatever follows in a cut image
		 * (an appended device tree) is left to the carver */
		if (size > len)
			root->src_length = ZI_HEADER;
		else
			fg_unpack_truncated(ctx, root, "no compressed kernel found after the decompressor");
	}
	set_info(ctx, root, info);
	return 0;
}

static const fg_magic zi_magics[] = {
	{ "\x18\x28\x6f\x01", 4, 0x24 },
	{ "\x01\x6f\x28\x18", 4, 0x24 },
	FG_MAGIC_END,
};

const fg_format fg_format_zimage = {
	.name = "zimage",
	.kind = FG_FMT_WRAPPER,
	.magics = zi_magics,
	.probe = zi_probe,
	.unpack = zi_unpack,
};

/* ---- x86 bzImage --------------------------------------------------------------- */

#define BZ_HDR_END 0x268         /* through init_size (protocol 2.10+) */
#define BZ_MIN 0x230             /* through the fields every version has */
#define BZ_MAX (256u << 20)
#define BZ_LOADED_HIGH 0x01

typedef struct bz_hdr {
	uint16_t version;
	uint8_t loadflags;
	size_t setup_len;        /* real-mode part: (setup_sects + 1) * 512 */
	uint64_t total;
	uint32_t payload_off, payload_len;
	uint16_t kver;
	bool efi;
} bz_hdr;

static bool bz_parse(const uint8_t *d, size_t len, bz_hdr *h)
{
	if (len < BZ_MIN || memcmp(d + 0x202, "HdrS", 4) != 0 || fg_load_u32le(d + 0x1fc) >> 16 != 0xaa55)
		return false;
	memset(h, 0, sizeof(*h));
	h->version = (uint16_t)(d[0x206] | d[0x207] << 8);
	if (h->version < 0x0200 || h->version > 0x02ff)
		return false;
	unsigned sects = d[0x1f1] ? d[0x1f1] : 4;
	uint32_t syssize = h->version >= 0x0204 ? fg_load_u32le(d + 0x1f4) : (uint32_t)(d[0x1f4] | d[0x1f5] << 8);
	h->setup_len = (size_t)(sects + 1) * 512;
	h->total = h->setup_len + (uint64_t)syssize * 16;
	if (sects > 127 || syssize == 0 || h->total > BZ_MAX)
		return false;
	h->loadflags = d[0x211];
	h->kver = (uint16_t)(d[0x20e] | d[0x20f] << 8);
	if (h->version >= 0x0208 && len >= BZ_HDR_END) {
		h->payload_off = fg_load_u32le(d + 0x248);
		h->payload_len = fg_load_u32le(d + 0x24c);
	}
	h->efi = d[0] == 'M' && d[1] == 'Z';
	return true;
}

static int bz_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	bz_hdr h;
	if (!bz_parse(data, len, &h))
		return 0;
	if (h.total <= len) {
		*chunk_len = h.total;
		return 95;
	}
	*chunk_len = len;
	/* syssize rounds up to 16 bytes: an image a few bytes short is whole */
	return h.total - len < 16 ? 90 : 40;
}

/* The version string kernel_version points at: "5.4.72 (root@host) #1 ...". */
static void bz_version(const uint8_t *d, size_t len, const bz_hdr *h, char *out, size_t cap)
{
	out[0] = '\0';
	size_t at = 0x200 + (size_t)h->kver;
	if (!h->kver || at >= len)
		return;
	size_t n = 0;
	while (at + n < len && n + 1 < cap && d[at + n] >= 0x20 && d[at + n] < 0x7f)
		n++;
	if (at + n < len && d[at + n] == '\0' && n > 0)
		snprintf(out, cap, "%.*s", (int)n, (const char *)d + at);
}

/* tools/build.c appends a CRC-32 (no final inversion) of everything before it. */
static bool bz_crc_ok(const uint8_t *d, size_t total)
{
	uint32_t crc = fg_crc32(0, d, total - 4);
	return (crc ^ 0xffffffffu) == fg_load_u32le(d + total - 4);
}

static bool bz_decode(fg_unpack_ctx *ctx, const uint8_t *data, size_t avail, const bz_hdr *h,
		      fg_outbuf *o, fg_kz_found *f)
{
	if (h->payload_len) {
		uint64_t start = (uint64_t)h->setup_len + h->payload_off;
		int m = start < avail ? fg_kz_sniff(data + start, avail - (size_t)start) : -1;
		if (m >= 0) {
			size_t n = avail - (size_t)start;
			if (h->payload_len < n)
				n = h->payload_len;
			bool done;
			const char *err;
			size_t used = fg_kz_decode(ctx, (fg_kz_method)m, data + start, n, o, &done, &err);
			if (o->len) {
				*f = (fg_kz_found){ (fg_kz_method)m, (size_t)start, used, done, err };
				return true;
			}
			fg_outbuf_discard(o, ctx);
			fg_outbuf_init(o, ctx, avail);
		}
	}
	/* protocol < 2.08, or the payload fields point at nothing we know */
	return fg_kz_find(ctx, data, avail, h->setup_len < avail ? h->setup_len : avail, o, f);
}

static int bz_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	bz_hdr h;
	if (!bz_parse(data, len, &h)) {
		fg_unpack_fail(ctx, "bad bzImage setup header");
		return -1;
	}
	size_t avail = h.total <= len ? (size_t)h.total : len;
	root->src_length = avail;
	char ver[160], info[400];
	bz_version(data, avail, &h, ver, sizeof(ver));
	snprintf(info, sizeof(info), "x86 %s%s%s, boot protocol %u.%02u%s",
		 h.loadflags & BZ_LOADED_HIGH ? "bzImage" : "zImage", ver[0] ? " " : "", ver,
		 h.version >> 8, h.version & 0xff, h.efi ? ", EFI stub" : "");
	bool crc_ok = false;
	if (h.total > len && h.total - len >= 16)
		fg_unpack_truncated(ctx, root, "bzImage truncated: %zu of %llu bytes present", len,
				    (unsigned long long)h.total);
	else if (h.total <= len)
		crc_ok = bz_crc_ok(data, (size_t)h.total);

	fg_outbuf o;
	fg_outbuf_init(&o, ctx, avail);
	fg_kz_found f;
	if (bz_decode(ctx, data, avail, &h, &o, &f)) {
		size_t u = strlen(info);
		snprintf(info + u, sizeof(info) - u, ", %s payload", fg_kz_name(f.method));
		char tail[256] = "";
		emit_vmlinux(ctx, root, &o, &f, tail, sizeof(tail));
		/* the version string already names the release */
		if (!ver[0])
			strncat(info, tail, sizeof(info) - strlen(info) - 1);
	} else {
		fg_outbuf_discard(&o, ctx);
		strncat(info, ", no compressed kernel found", sizeof(info) - strlen(info) - 1);
		fg_unpack_truncated(ctx, root, "no compressed kernel found in the protected-mode part");
	}
	if (crc_ok)
		strncat(info, ", crc ok", sizeof(info) - strlen(info) - 1);
	set_info(ctx, root, info);
	return 0;
}

static const fg_magic bz_magics[] = {
	{ "HdrS", 4, 0x202 },
	FG_MAGIC_END,
};

const fg_format fg_format_bzimage = {
	.name = "bzimage",
	.kind = FG_FMT_WRAPPER,
	.magics = bz_magics,
	.probe = bz_probe,
	.unpack = bz_unpack,
};

/* ---- arm64 Image ------------------------------------------------------------------ */

#define A64_HEADER 64
#define A64_MAX_SECTIONS 96

typedef struct a64_hdr {
	uint64_t text_offset, image_size, flags;
	bool efi;
	uint64_t pe_size;     /* file size the PE/COFF section table gives, or 0 */
} a64_hdr;

/* End of the last section's raw data: the EFI stub's PE header describes
 * the file exactly. */
static uint64_t pe_file_size(const uint8_t *d, size_t len)
{
	uint32_t pe = fg_load_u32le(d + 0x3c);
	fg_cursor c = fg_cur_make(d, len);
	if (!fg_cur_seek(&c, pe))
		return 0;
	const uint8_t *sig = fg_cur_take(&c, 4);
	if (!sig || memcmp(sig, "PE\0\0", 4) != 0)
		return 0;
	fg_cur_u16le(&c); /* machine */
	uint16_t nsec = fg_cur_u16le(&c);
	fg_cur_skip(&c, 12);
	uint16_t opt = fg_cur_u16le(&c);
	fg_cur_skip(&c, 2 + (size_t)opt);
	if (!fg_cur_ok(&c) || nsec == 0 || nsec > A64_MAX_SECTIONS)
		return 0;
	uint64_t end = 0;
	for (unsigned i = 0; i < nsec; i++) {
		fg_cur_skip(&c, 16);
		uint32_t raw = fg_cur_u32le(&c), ptr = fg_cur_u32le(&c);
		fg_cur_skip(&c, 16);
		if (!fg_cur_ok(&c))
			return 0;
		if (raw && (uint64_t)ptr + raw > end)
			end = (uint64_t)ptr + raw;
	}
	return end;
}

static bool a64_parse(const uint8_t *d, size_t len, a64_hdr *h)
{
	if (len < A64_HEADER || memcmp(d + 0x38, "ARM\x64", 4) != 0)
		return false;
	fg_cursor c = fg_cur_make(d, len);
	fg_cur_skip(&c, 8);
	h->text_offset = fg_cur_u64le(&c);
	h->image_size = fg_cur_u64le(&c);
	h->flags = fg_cur_u64le(&c);
	uint64_t r2 = fg_cur_u64le(&c), r3 = fg_cur_u64le(&c), r4 = fg_cur_u64le(&c);
	if (!fg_cur_ok(&c) || r2 || r3 || r4 || (h->flags >> 4) || h->image_size > (1ull << 32))
		return false;
	h->efi = d[0] == 'M' && d[1] == 'Z';
	h->pe_size = h->efi ? pe_file_size(d, len) : 0;
	return true;
}

/*
 * image_size is what the kernel occupies in memory, BSS included, so it
 * is only an upper bound for the file; the PE header of the EFI stub
 * gives the exact size. Without either (kernels before 3.17) the Image
 * runs to the end of the blob.
 */
static int a64_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	a64_hdr h;
	if (!a64_parse(data, len, &h))
		return 0;
	uint64_t size = h.pe_size ? h.pe_size : h.image_size;
	*chunk_len = size && size <= len ? size : 0;
	return h.image_size || h.efi ? 85 : 60;
}

static void banner_phrase(const uint8_t *data, size_t len, char *out, size_t cap)
{
	fg_kbanner b;
	if (!fg_kernel_banner(data, len, &b)) {
		snprintf(out, cap, "version banner not found");
		return;
	}
	/* "6.1.0-13-arm64 (#1 SMP Debian 6.1.55-1 (2023-09-29))" */
	if (b.built[0])
		snprintf(out, cap, "%s (%s)", b.release, b.built);
	else
		snprintf(out, cap, "%s", b.release);
}

static void a64_describe(const uint8_t *data, size_t len, char *buf, size_t cap)
{
	a64_hdr h;
	if (!a64_parse(data, len, &h)) {
		snprintf(buf, cap, "arm64 Image (bad header)");
		return;
	}
	static const char *const pages[] = { "page size unspecified", "4K pages", "16K pages", "64K pages" };
	char ver[200];
	banner_phrase(data, len, ver, sizeof(ver));
	snprintf(buf, cap, "Linux kernel %s, arm64 Image, %s-endian, %s, image size %llu%s", ver,
		 h.flags & 1 ? "big" : "little", pages[(h.flags >> 1) & 3],
		 (unsigned long long)h.image_size, h.efi ? ", EFI stub" : "");
}

static const fg_magic a64_magics[] = {
	{ "ARM\x64", 4, 0x38 },
	FG_MAGIC_END,
};

const fg_format fg_format_arm64image = {
	.name = "arm64image",
	.kind = FG_FMT_LEAF,
	.magics = a64_magics,
	.probe = a64_probe,
	.describe = a64_describe,
};

/* ---- vmlinux: a decompressed kernel ------------------------------------------------ */

#define VMLINUX_MIN (128u * 1024)   /* the smallest kernels are several times this */
#define ERASED_RUN (64u * 1024)     /* 0xff bytes a kernel never holds in a row */

/* A run of ERASED_RUN 0xff bytes on 4 KiB boundaries: erased flash
 * between partitions, so a flash dump, not a kernel, even when an
 * uncompressed kernel (and its banner) sits in it. */
static bool has_erased_run(const uint8_t *d, size_t len)
{
	size_t run = 0;
	for (size_t at = 0; at + 4096 <= len; at += 4096) {
		const uint8_t *p = d + at;
		bool ff = p[0] == 0xff && p[4095] == 0xff && p[2048] == 0xff;
		for (size_t i = 0; ff && i < 4096; i += 8)
			ff = fg_load_u32le(p + i) == 0xffffffffu && fg_load_u32le(p + i + 4) == 0xffffffffu;
		run = ff ? run + 4096 : 0;
		if (run >= ERASED_RUN)
			return true;
	}
	return false;
}

/*
 * No magic: probed only at the start of a file. An ELF kernel scores
 * above the ELF leaf; a raw binary only gets a score below every format
 * with a real header, since its banner alone could sit inside an
 * uncompressed container, and none when erased flash shows that the file
 * is a flash dump holding a kernel somewhere.
 */
/* e_type of the ELF header at D (at least 18 bytes, probed as ELF). */
static unsigned elf_type(const uint8_t *d)
{
	return d[5] == 2 ? (unsigned)d[16] << 8 | d[17] : (unsigned)d[17] << 8 | d[16];
}

static int vml_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	if (len < VMLINUX_MIN)
		return 0;
	fg_kbanner b;
	if (len >= 4 && memcmp(data, "\x7f" "ELF", 4) == 0) {
		uint64_t cl = 0;
		/* a kernel is linked ET_EXEC; position-independent programs
		 * and libraries (ET_DYN) are not read for a banner */
		if (!fg_format_elf.probe(data, len, &cl) || elf_type(data) != 2)
			return 0;
		size_t span = cl && cl <= len ? (size_t)cl : len;
		if (!fg_kernel_banner(data, span, &b))
			return 0;
		*chunk_len = span;
		return 85;
	}
	return fg_kernel_banner(data, len, &b) && !has_erased_run(data, len) ? 25 : 0;
}

static void vml_describe(const uint8_t *data, size_t len, char *buf, size_t cap)
{
	char ver[200], what[128] = "raw binary";
	banner_phrase(data, len, ver, sizeof(ver));
	if (len >= 4 && memcmp(data, "\x7f" "ELF", 4) == 0)
		fg_format_elf.describe(data, len, what, sizeof(what));
	snprintf(buf, cap, "Linux kernel %s, %s", ver, what);
}

const fg_format fg_format_vmlinux = {
	.name = "vmlinux",
	.kind = FG_FMT_LEAF,
	.magics = NULL,
	.probe = vml_probe,
	.ceiling = 85,
	.describe = vml_describe,
};

/* ---- IKCONFIG ---------------------------------------------------------------------- */

static int ikc_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	size_t off, gz_len;
	bool closed;
	if (len < 8 + 18 || memcmp(data, FG_IKCONFIG_ST, 8) != 0 ||
	    !fg_ikconfig_locate(data, len, &off, &gz_len, &closed) || off != 8)
		return 0;
	uint8_t flags = data[11];
	if (flags & 0xe0)
		return 0;
	if (!closed)
		return 60; /* the end is where inflating stops */
	*chunk_len = off + gz_len + 8;
	return 95;
}

/* "Linux/x86 6.1.0" from the header line of the config. */
static void ikc_describe(const fg_node *n, char *out, size_t cap)
{
	size_t k = n->data_len < 4096 ? n->data_len : 4096;
	const char *h = memmem(n->data, k, "# Linux/", 8);
	char arch[32], ver[64];
	if (h && sscanf(h, "# Linux/%31s %63s Kernel Configuration", arch, ver) == 2)
		snprintf(out, cap, "Linux/%s %s .config", arch, ver);
	else
		snprintf(out, cap, "kernel .config");
}

static int ikc_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	size_t off, gz_len;
	bool closed;
	if (len < 8 || memcmp(data, FG_IKCONFIG_ST, 8) != 0 ||
	    !fg_ikconfig_locate(data, len, &off, &gz_len, &closed) || off != 8) {
		fg_unpack_fail(ctx, "no IKCONFIG block");
		return -1;
	}
	fg_outbuf o;
	fg_outbuf_init(&o, ctx, gz_len);
	bool done;
	const char *err;
	size_t used = fg_kz_decode(ctx, FG_KZ_GZIP, data + off, gz_len, &o, &done, &err);
	root->src_length = closed ? off + gz_len + 8 : off + used;
	if (o.len == 0) {
		fg_outbuf_discard(&o, ctx);
		fg_unpack_fail(ctx, "IKCONFIG gzip: %s", err ? err : "no data");
		return -1;
	}
	fg_node *n = fg_stream_emit(ctx, root, ".config", &o);
	if (!n)
		return -1;
	char info[128];
	ikc_describe(n, info, sizeof(info));
	set_info(ctx, root, info);
	if (!done)
		fg_unpack_truncated(ctx, n, "IKCONFIG gzip: %s", err ? err : "stream is truncated");
	else if (!closed)
		fg_unpack_truncated(ctx, root, "IKCFG_ED end marker missing");
	return 0;
}

static const fg_magic ikc_magics[] = {
	{ FG_IKCONFIG_ST "\x1f\x8b\x08", 11, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_ikconfig = {
	.name = "ikconfig",
	.kind = FG_FMT_ARCHIVE,
	.magics = ikc_magics,
	.probe = ikc_probe,
	.unpack = ikc_unpack,
};
