/*
 * test_kernel_images.c - ARM zImage, x86 bzImage, arm64 Image, decompressed
 * kernels (vmlinux), the embedded initramfs and IKCONFIG, and IKCONFIG in
 * hardening.kernel-config.
 *
 * Kernels are synthetic: a raw "kernel" holds the version banner as the
 * kernel stores it, an initramfs (newc cpio, plain or gzip) and an IKCONFIG
 * block, and is compressed with every method the kernel build offers and
 * wrapped in the headers built byte by byte here. The real samples (FACT's
 * bzImage and big-endian zImage, the Digoo uImage) and the corpus' Debian
 * kernels are checked when present.
 */
#define ZSTD_STATIC_LINKING_ONLY
#include <bzlib.h>
#include <libfdt.h>
#include <lz4.h>
#include <lzma.h>
#include <dirent.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#include "test.h"
#include "kernel_fixture.h"
#include "unpack/kernel.h"

extern const fg_format fg_format_zimage;
extern const fg_format fg_format_bzimage;
extern const fg_format fg_format_arm64image;
extern const fg_format fg_format_vmlinux;
extern const fg_format fg_format_ikconfig;

#define RELEASE "5.10.0-fgtest"
#define BANNER "Linux version " RELEASE " (builder@buildhost) (gcc (Debian 10.2.1-6) 10.2.1 20210110, " \
	"GNU ld (GNU Binutils for Debian) 2.35.2) #1 SMP Debian 5.10.0-1 (2024-01-01)\n"

static const char small_config[] =
	"#\n# Automatically generated file; DO NOT EDIT.\n# Linux/arm 5.10.0 Kernel Configuration\n#\n"
	"CONFIG_MMU=y\nCONFIG_ARM=y\nCONFIG_MODULES=y\nCONFIG_PRINTK=y\n"
	"# CONFIG_STRICT_DEVMEM is not set\nCONFIG_DEVMEM=y\n";

/* ---- building blocks ------------------------------------------------------------ */

typedef struct buf {
	uint8_t *d;
	size_t len, cap;
} buf;

static void put(buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		b->d = realloc(b->d, cap);
		b->cap = cap;
	}
	memcpy(b->d + b->len, p, n);
	b->len += n;
}

static void put_fill(buf *b, uint8_t v, size_t n)
{
	uint8_t chunk[4096];
	memset(chunk, v, sizeof(chunk));
	while (n) {
		size_t k = n < sizeof(chunk) ? n : sizeof(chunk);
		put(b, chunk, k);
		n -= k;
	}
}

static void put32(buf *b, uint32_t v, bool be)
{
	uint8_t p[4];
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(be ? v >> (24 - 8 * i) : v >> (8 * i));
	put(b, p, 4);
}

static void align(buf *b, size_t a)
{
	while (b->len % a)
		put(b, "", 1);
}

static size_t gzip_into(buf *b, const void *in, size_t n)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	size_t cap = compressBound((uLong)n) + 64;
	uint8_t *out = malloc(cap);
	deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	deflate(&zs, Z_FINISH);
	size_t got = zs.total_out;
	deflateEnd(&zs);
	put(b, out, got);
	free(out);
	return got;
}

/* newc entry */
static void cpio_entry(buf *b, const char *name, uint32_t mode, const char *data)
{
	static uint32_t ino = 100;
	char hdr[111];
	size_t n = data ? strlen(data) : 0;
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ino++, mode, 0u, 0u, 1u, 1700000000u, (unsigned)n, 0u, 0u, 0u, 0u,
		 (unsigned)strlen(name) + 1, 0u);
	put(b, hdr, 110);
	put(b, name, strlen(name) + 1);
	align(b, 4);
	if (n)
		put(b, data, n);
	align(b, 4);
}

static buf make_cpio(void)
{
	buf c = {0};
	cpio_entry(&c, "etc", 040755, NULL);
	cpio_entry(&c, "etc/passwd", 0100644, "root::0:0:root:/root:/bin/sh\n");
	cpio_entry(&c, "init", 0100755, "#!/bin/sh\nexec /bin/sh\n");
	cpio_entry(&c, "TRAILER!!!", 0, NULL);
	put_fill(&c, 0, 512 - c.len % 512);
	return c;
}

/* xorshift: deterministic filler that compresses like code (a little). */
static void put_code(buf *b, size_t n, uint32_t seed)
{
	uint32_t x = seed ? seed : 1;
	for (size_t i = 0; i < n; i += 4) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		uint8_t w[4] = { (uint8_t)(x & 0x3f), (uint8_t)(x >> 8 & 0x0f), 0x10, 0xe5 };
		put(b, w, n - i < 4 ? n - i : 4);
	}
}

typedef enum { INITRAMFS_NONE, INITRAMFS_PLAIN, INITRAMFS_GZIP } initramfs_kind;

/* A raw kernel: code, the banner, an IKCONFIG block (when CFG), an
 * initramfs, more code: SIZE bytes at least. */
static buf make_kernel(size_t size, const char *cfg, size_t cfg_len, initramfs_kind ir)
{
	buf k = {0};
	put_code(&k, 64 * 1024, 7);
	put(&k, BANNER, sizeof(BANNER)); /* with its NUL */
	align(&k, 16);
	if (cfg) {
		put(&k, FG_IKCONFIG_ST, 8);
		gzip_into(&k, cfg, cfg_len);
		put(&k, FG_IKCONFIG_ED, 8);
		align(&k, 16);
	}
	put_code(&k, 32 * 1024, 11);
	if (ir != INITRAMFS_NONE) {
		buf c = make_cpio();
		align(&k, 512);
		if (ir == INITRAMFS_GZIP)
			gzip_into(&k, c.d, c.len);
		else
			put(&k, c.d, c.len);
		align(&k, 512);
		free(c.d);
	}
	if (k.len < size)
		put_code(&k, size - k.len, 13);
	return k;
}

/* ---- compressors ------------------------------------------------------------------ */

static bool compress_with(fg_kz_method m, const uint8_t *in, size_t n, buf *out)
{
	size_t cap = n + n / 2 + 65536;
	uint8_t *o = malloc(cap);
	size_t got = 0;
	bool ok = false;
	switch (m) {
	case FG_KZ_GZIP: {
		buf g = {0};
		gzip_into(&g, in, n);
		put(out, g.d, g.len);
		free(g.d);
		free(o);
		return true;
	}
	case FG_KZ_XZ:
		ok = lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, n, o, &got, cap) == LZMA_OK;
		break;
	case FG_KZ_LZMA: {
		lzma_options_lzma opt;
		lzma_lzma_preset(&opt, 6);
		lzma_stream zs = LZMA_STREAM_INIT;
		if (lzma_alone_encoder(&zs, &opt) != LZMA_OK)
			break;
		zs.next_in = in;
		zs.avail_in = n;
		zs.next_out = o;
		zs.avail_out = cap;
		ok = lzma_code(&zs, LZMA_FINISH) == LZMA_STREAM_END;
		got = zs.total_out;
		lzma_end(&zs);
		break;
	}
	case FG_KZ_ZSTD:
		got = ZSTD_compress(o, cap, in, n, 19);
		ok = !ZSTD_isError(got);
		break;
	case FG_KZ_BZIP2: {
		unsigned int dl = (unsigned int)cap;
		ok = BZ2_bzBuffToBuffCompress((char *)o, &dl, (char *)in, (unsigned)n, 9, 0, 0) == BZ_OK;
		got = dl;
		break;
	}
	case FG_KZ_LZ4: {
		/* legacy format: magic, then blocks of 8 MiB input each */
		memcpy(o, "\x02\x21\x4c\x18", 4);
		got = 4;
		for (size_t at = 0; at < n; at += 8u << 20) {
			size_t k = n - at < (8u << 20) ? n - at : (8u << 20);
			int c = LZ4_compress_default((const char *)in + at, (char *)o + got + 4, (int)k,
						     (int)(cap - got - 4));
			if (c <= 0)
				break;
			for (int i = 0; i < 4; i++)
				o[got + i] = (uint8_t)((uint32_t)c >> (8 * i));
			got += 4 + (size_t)c;
		}
		ok = true;
		break;
	}
	case FG_KZ_LZO: {
		/* lzop at test time */
		const char *dir = kf_tmpdir("lzo");
		char a[4200], z[4200];
		if (!dir || !kf_have("lzop"))
			break;
		snprintf(a, sizeof(a), "%s/k", dir);
		snprintf(z, sizeof(z), "%s/k.lzo", dir);
		if (!kf_spit(a, in, n) || kf_sh("lzop -9 -q -c %s > %s", a, z) != 0)
			break;
		size_t zl;
		uint8_t *zd = kf_slurp(z, &zl);
		if (zd && zl <= cap) {
			memcpy(o, zd, zl);
			got = zl;
			ok = true;
		}
		free(zd);
		kf_sh("rm -rf %s", dir);
		break;
	}
	default:
		break;
	}
	if (ok)
		put(out, o, got);
	free(o);
	return ok;
}

/* ---- image builders --------------------------------------------------------------------- */

#define ZI_PAYLOAD_AT 0x400

/* An ARM zImage: nops, the header, a "decompressor", the payload and the
 * uncompressed size the build appends. */
static buf make_zimage(const buf *payload, size_t raw_len, bool be)
{
	buf z = {0};
	for (int i = 0; i < 8; i++)
		put32(&z, 0xe1a00000u, be);
	put32(&z, 0xea000002u, be);
	put32(&z, 0x016f2818u, be);
	put32(&z, 0, be);             /* start */
	put32(&z, 0, be);             /* end, patched below */
	put_fill(&z, 0, ZI_PAYLOAD_AT - z.len);
	put(&z, payload->d, payload->len);
	put32(&z, (uint32_t)raw_len, false);
	align(&z, 8);
	uint32_t end = (uint32_t)z.len;
	for (int i = 0; i < 4; i++)
		z.d[0x2c + i] = (uint8_t)(be ? end >> (24 - 8 * i) : end >> (8 * i));
	return z;
}

/* An x86 bzImage (boot protocol 2.15): boot sector, setup header, setup
 * code, then the protected-mode part with the payload at PAYLOAD_AT. */
static buf make_bzimage(const buf *payload, const char *version)
{
	const unsigned sects = 7;
	buf b = {0};
	put_fill(&b, 0, (sects + 1) * 512);
	uint8_t *d = b.d;
	d[0x1f1] = (uint8_t)sects;
	d[0x1fe] = 0x55;
	d[0x1ff] = 0xaa;
	d[0x200] = 0xeb;
	d[0x201] = 0x66;
	memcpy(d + 0x202, "HdrS", 4);
	d[0x206] = 0x0f;
	d[0x207] = 0x02;
	d[0x211] = 0x01; /* LOADED_HIGH */
	size_t vat = 0x800;
	memcpy(d + vat, version, strlen(version) + 1);
	d[0x20e] = (uint8_t)(vat - 0x200);
	d[0x20f] = (uint8_t)((vat - 0x200) >> 8);
	const uint32_t payload_at = 0x100;
	for (int i = 0; i < 4; i++) {
		d[0x248 + i] = (uint8_t)(payload_at >> (8 * i));
		d[0x24c + i] = (uint8_t)(payload->len >> (8 * i));
	}
	size_t pm = b.len;
	put_code(&b, payload_at, 3);
	put(&b, payload->d, payload->len);
	put_code(&b, 200, 5);
	/* syssize in 16-byte units, then the CRC the build tool appends */
	size_t sys = b.len - pm + 4;
	sys = (sys + 15) / 16;
	put_fill(&b, 0, pm + sys * 16 - 4 - b.len);
	for (int i = 0; i < 4; i++)
		b.d[0x1f4 + i] = (uint8_t)(sys >> (8 * i));
	uLong crc = crc32(0, b.d, (uInt)b.len);
	put32(&b, (uint32_t)crc ^ 0xffffffffu, false);
	return b;
}

/* A small device tree with a model, made with libfdt. */
static buf make_dtb(const char *model, const char *compat)
{
	buf t = {0};
	put_fill(&t, 0, 4096);
	fdt_create(t.d, 4096);
	fdt_finish_reservemap(t.d);
	fdt_begin_node(t.d, "");
	fdt_property_string(t.d, "model", model);
	fdt_property_string(t.d, "compatible", compat);
	fdt_begin_node(t.d, "chosen");
	fdt_property_string(t.d, "bootargs", "console=ttyS0,115200");
	fdt_end_node(t.d);
	fdt_end_node(t.d);
	fdt_finish(t.d);
	t.len = fdt_totalsize(t.d);
	return t;
}

static fg_node *unpack_one(fg_result *r, const fg_format *f, const buf *b)
{
	fg_node *root = NULL;
	fg_unpack_buffer_for_test(&r->tree, &r->budget, &r->diags, f, "img", b->d, b->len, &root);
	return root;
}

static const fg_node *child(const fg_node *dir, const char *name)
{
	return dir ? fg_node_find_child(dir, name, strlen(name)) : NULL;
}

/* ---- zImage ---------------------------------------------------------------------------- */

TEST(zimage_every_compression)
{
	buf k = make_kernel(300 * 1024, small_config, strlen(small_config), INITRAMFS_GZIP);
	for (int m = 0; m < FG_KZ_COUNT; m++) {
		buf p = {0};
		if (!compress_with((fg_kz_method)m, k.d, k.len, &p)) {
			fprintf(stderr, "  skip: %s compressor not available\n", fg_kz_name((fg_kz_method)m));
			continue;
		}
		buf z = make_zimage(&p, k.len, false);
		uint64_t cl = 0;
		CHECK_INT_EQ(fg_format_zimage.probe(z.d, z.len, &cl), 90);
		CHECK_INT_EQ(cl, z.len);
		fg_result *r = fg_result_new(NULL);
		fg_node *root = unpack_one(r, &fg_format_zimage, &z);
		REQUIRE(root);
		const fg_node *v = child(root, "vmlinux");
		if (!v || v->data_len != k.len || memcmp(v->data, k.d, k.len) != 0 ||
		    (v->flags & FG_NODE_TRUNCATED)) {
			fprintf(stderr, "  %s: vmlinux wrong (%zu bytes)\n", fg_kz_name((fg_kz_method)m),
				v ? v->data_len : 0);
			CHECK(false);
		}
		CHECK(root->format_info && strstr(root->format_info, "ARM zImage little-endian"));
		CHECK(root->format_info && strstr(root->format_info, fg_kz_name((fg_kz_method)m)));
		CHECK(root->format_info && strstr(root->format_info, "Linux " RELEASE));
		char at[32];
		snprintf(at, sizeof(at), "at 0x%x", ZI_PAYLOAD_AT);
		CHECK(root->format_info && strstr(root->format_info, at));
		CHECK_INT_EQ(root->src_length, z.len);
		fg_result_free(r);
		free(p.d);
		free(z.d);
	}
	free(k.d);
}

TEST(zimage_big_endian_and_bounds)
{
	buf k = make_kernel(200 * 1024, NULL, 0, INITRAMFS_NONE);
	buf p = {0};
	compress_with(FG_KZ_GZIP, k.d, k.len, &p);
	buf z = make_zimage(&p, k.len, true);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_zimage.probe(z.d, z.len, &cl), 90);
	CHECK_INT_EQ(cl, z.len);
	fg_result *r = fg_result_new(NULL);
	fg_node *root = unpack_one(r, &fg_format_zimage, &z);
	REQUIRE(root && root->format_info);
	CHECK(strstr(root->format_info, "big-endian (BE32)"));
	const fg_node *v = child(root, "vmlinux");
	CHECK(v && v->data_len == k.len);
	fg_result_free(r);

	/* absurd headers: end before start, more than 256 MiB, no magic */
	uint8_t *d = z.d;
	d[0x2c] = d[0x2d] = d[0x2e] = 0;
	d[0x2f] = 0x10;
	CHECK_INT_EQ(fg_format_zimage.probe(d, z.len, &cl), 0);
	d[0x28] = 0x20;
	d[0x2c] = 0x30; /* start 0x20000000, end 0x30000010: 256 MiB + 16 */
	CHECK_INT_EQ(fg_format_zimage.probe(d, z.len, &cl), 0);
	CHECK_INT_EQ(fg_format_zimage.probe(d, 0x2f, &cl), 0);
	d[0x24] = 0;
	CHECK_INT_EQ(fg_format_zimage.probe(d, z.len, &cl), 0);
	free(p.d);
	free(z.d);
	free(k.d);
}

TEST(zimage_truncated_and_corrupt)
{
	buf k = make_kernel(400 * 1024, NULL, 0, INITRAMFS_NONE);
	buf p = {0};
	compress_with(FG_KZ_XZ, k.d, k.len, &p);
	buf z = make_zimage(&p, k.len, false);
	size_t cut = ZI_PAYLOAD_AT + p.len / 2;
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_zimage.probe(z.d, cut, &cl), 40); /* never carved */
	CHECK_INT_EQ(cl, cut);
	buf c = { z.d, cut, cut };
	fg_result *r = fg_result_new(NULL);
	fg_node *root = unpack_one(r, &fg_format_zimage, &c);
	REQUIRE(root);
	const fg_node *v = child(root, "vmlinux");
	REQUIRE(v);
	CHECK(v->data_len > 0 && v->data_len < k.len && memcmp(v->data, k.d, v->data_len) == 0);
	CHECK(v->flags & FG_NODE_TRUNCATED);
	CHECK(root->flags & FG_NODE_TRUNCATED);
	CHECK(root->src_length <= cut);
	fg_result_free(r);

	/* a corrupt payload: what decodes is kept, the rest is reported */
	buf bad = { malloc(z.len), z.len, z.len };
	memcpy(bad.d, z.d, z.len);
	for (size_t i = ZI_PAYLOAD_AT + p.len / 3; i < ZI_PAYLOAD_AT + p.len / 3 + 64; i++)
		bad.d[i] ^= 0x5a;
	r = fg_result_new(NULL);
	root = unpack_one(r, &fg_format_zimage, &bad);
	REQUIRE(root);
	v = child(root, "vmlinux");
	CHECK(!v || (v->flags & FG_NODE_TRUNCATED));
	fg_result_free(r);

	/* no payload at all: the header alone is recognised; a cut image
	 * claims only its header so the carver sees the rest */
	memset(bad.d + ZI_PAYLOAD_AT, 0, p.len);
	r = fg_result_new(NULL);
	root = unpack_one(r, &fg_format_zimage, &bad);
	REQUIRE(root);
	CHECK(root->nchildren == 0 && strstr(root->format_info, "no compressed kernel found"));
	CHECK_INT_EQ(root->src_length, bad.len);
	fg_result_free(r);
	buf badcut = { bad.d, ZI_PAYLOAD_AT + 100, 0 };
	r = fg_result_new(NULL);
	root = unpack_one(r, &fg_format_zimage, &badcut);
	REQUIRE(root);
	CHECK_INT_EQ(root->src_length, 0x30);
	fg_result_free(r);
	free(bad.d);
	free(p.d);
	free(z.d);
	free(k.d);
}

/* The budget caps the decoded kernel: truncated, never over. */
TEST(zimage_budget)
{
	buf k = make_kernel(2u << 20, NULL, 0, INITRAMFS_NONE);
	buf p = {0};
	compress_with(FG_KZ_GZIP, k.d, k.len, &p);
	buf z = make_zimage(&p, k.len, false);
	fg_options o;
	fg_options_default(&o);
	o.limits.max_file_size = 1u << 20;
	fg_result *r = fg_result_new(&o);
	fg_node *root = unpack_one(r, &fg_format_zimage, &z);
	REQUIRE(root);
	const fg_node *v = child(root, "vmlinux");
	REQUIRE(v);
	CHECK(v->data_len <= (1u << 20));
	CHECK(v->flags & FG_NODE_TRUNCATED);
	fg_result_free(r);
	free(p.d);
	free(z.d);
	free(k.d);
}

/* The whole engine on a flash-like blob: a zImage with an appended device
 * tree, carved; inside the decompressed kernel the initramfs and the
 * IKCONFIG block. */
TEST(zimage_carved_initramfs_ikconfig_dtb)
{
	for (int ir = INITRAMFS_PLAIN; ir <= INITRAMFS_GZIP; ir++) {
		buf k = make_kernel(300 * 1024, small_config, strlen(small_config), (initramfs_kind)ir);
		buf p = {0};
		compress_with(FG_KZ_LZMA, k.d, k.len, &p);
		buf z = make_zimage(&p, k.len, false);
		buf dt = make_dtb("FG Test Board rev 2", "fgtest,board-2");
		buf blob = {0};
		put_fill(&blob, 0xff, 0x1000);
		put(&blob, z.d, z.len);
		size_t dtb_at = blob.len;
		put(&blob, dt.d, dt.len);
		put_fill(&blob, 0xff, 0x1000);

		fg_result *r = kf_unpack("flash.bin", blob.d, blob.len, NULL);
		const fg_node *cr = r->tree.root->unpacked;
		REQUIRE(cr && (cr->flags & FG_NODE_CARVE));
		const fg_node *zc = child(cr, "0x1000.zimage");
		REQUIRE(zc && zc->unpacked);
		CHECK_INT_EQ(zc->data_len, z.len);
		char name[64];
		snprintf(name, sizeof(name), "0x%zx.dtb", dtb_at);
		const fg_node *dc = child(cr, name);
		REQUIRE(dc);
		CHECK_INT_EQ(dc->data_len, dt.len);
		CHECK(dc->format_info && strstr(dc->format_info, "'FG Test Board rev 2'"));
		const fg_node *v = child(zc->unpacked, "vmlinux");
		REQUIRE(v);
		CHECK_STR_EQ(v->format, "vmlinux");
		CHECK(v->format_info && strstr(v->format_info, "Linux kernel " RELEASE));
		CHECK(v->format_info && strstr(v->format_info, "#1 SMP Debian 5.10.0-1 (2024-01-01)"));
		/* the initramfs, carved inside the kernel */
		const fg_node *pw = kf_file(r, "passwd");
		REQUIRE(pw);
		CHECK(pw->data_len == 29 && memcmp(pw->data, "root::0:0:", 10) == 0);
		const fg_node *cp = kf_format(r, "cpio", NULL);
		CHECK(cp != NULL);
		/* IKCONFIG: the .config, decompressed */
		unsigned n = 0;
		const fg_node *ik = kf_format(r, "ikconfig", &n);
		REQUIRE(ik);
		CHECK_INT_EQ(n, 1);
		CHECK(ik->flags & FG_NODE_FILESYSTEM);
		CHECK(ik->format_info && strstr(ik->format_info, "Linux/arm 5.10.0"));
		const fg_node *cfg = child(ik, ".config");
		REQUIRE(cfg);
		CHECK(cfg->data_len == strlen(small_config) && memcmp(cfg->data, small_config, cfg->data_len) == 0);
		/* and the kernel hardening check reads it */
		kf_run_check(r, "hardening.kernel-config");
		bool devmem = false;
		for (size_t i = 0; i < r->findings.n; i++)
			if (strstr(r->findings.v[i].message, "CONFIG_STRICT_DEVMEM is not set") &&
			    strstr(r->findings.v[i].message, "IKCONFIG"))
				devmem = true;
		CHECK(devmem);
		fg_result_free(r);
		free(blob.d);
		free(dt.d);
		free(p.d);
		free(z.d);
		free(k.d);
	}
}

/* ---- bzImage ------------------------------------------------------------------------------ */

TEST(bzimage_synthetic)
{
	buf k = make_kernel(256 * 1024, NULL, 0, INITRAMFS_NONE);
	buf p = {0};
	compress_with(FG_KZ_ZSTD, k.d, k.len, &p);
	buf b = make_bzimage(&p, RELEASE " (builder@buildhost) #1 SMP Debian 5.10.0-1");
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_bzimage.probe(b.d, b.len, &cl), 95);
	CHECK_INT_EQ(cl, b.len);
	/* carved: the chunk ends where the header says */
	buf blob = {0};
	put_fill(&blob, 0, 512);
	put(&blob, b.d, b.len);
	put(&blob, "trailing data that is not part of it", 36);
	CHECK_INT_EQ(fg_format_bzimage.probe(blob.d + 512, blob.len - 512, &cl), 95);
	CHECK_INT_EQ(cl, b.len);
	fg_result *r = fg_result_new(NULL);
	fg_node *root = unpack_one(r, &fg_format_bzimage, &b);
	REQUIRE(root && root->format_info);
	CHECK(strstr(root->format_info, "x86 bzImage " RELEASE " (builder@buildhost)"));
	CHECK(strstr(root->format_info, "boot protocol 2.15"));
	CHECK(strstr(root->format_info, "crc ok"));
	CHECK(strstr(root->format_info, "zstd payload"));
	const fg_node *v = child(root, "vmlinux");
	CHECK(v && v->data_len == k.len && memcmp(v->data, k.d, k.len) == 0);
	fg_result_free(r);

	/* truncated: recognised, never carved; what decodes is kept */
	buf cut = { b.d, 0x1000 + p.len / 2, 0 };
	CHECK_INT_EQ(fg_format_bzimage.probe(cut.d, cut.len, &cl), 40);
	r = fg_result_new(NULL);
	root = unpack_one(r, &fg_format_bzimage, &cut);
	REQUIRE(root);
	CHECK(root->flags & FG_NODE_TRUNCATED);
	fg_result_free(r);

	/* absurd: setup_sects 200, no boot flag, version 1.x */
	b.d[0x1f1] = 200;
	CHECK_INT_EQ(fg_format_bzimage.probe(b.d, b.len, &cl), 0);
	b.d[0x1f1] = 7;
	b.d[0x1fe] = 0;
	CHECK_INT_EQ(fg_format_bzimage.probe(b.d, b.len, &cl), 0);
	b.d[0x1fe] = 0x55;
	b.d[0x207] = 0x01;
	CHECK_INT_EQ(fg_format_bzimage.probe(b.d, b.len, &cl), 0);
	free(blob.d);
	free(b.d);
	free(p.d);
	free(k.d);
}

TEST(bzimage_sample_fact)
{
	size_t len;
	uint8_t *d = kf_sample("fact_extractor/linuxkernel/bzImage_xz", &len);
	if (!d)
		return;
	fg_result *r = kf_unpack("bzImage_xz", d, len, NULL);
	const fg_node *root = r->tree.root->unpacked;
	REQUIRE(root);
	CHECK_STR_EQ(root->format, "bzimage");
	CHECK_INT_EQ(root->src_length, len);
	CHECK(root->format_info && strstr(root->format_info, "x86 bzImage 5.4.72 (root@caesurus-ubuntu20-04)"));
	CHECK(root->format_info && strstr(root->format_info, "Oct 21"));
	CHECK(root->format_info && strstr(root->format_info, "2020"));
	CHECK(root->format_info && strstr(root->format_info, "xz payload"));
	const fg_node *v = child(root, "vmlinux");
	REQUIRE(v);
	CHECK(!(v->flags & FG_NODE_TRUNCATED));
	CHECK_STR_EQ(v->format, "vmlinux");
	CHECK(v->format_info && strstr(v->format_info, "Linux kernel 5.4.72"));
	CHECK(v->format_info && strstr(v->format_info, "ELF 32-bit LSB executable, x86"));
	fg_result_free(r);
	free(d);
}

/* ---- real ARM samples ------------------------------------------------------------------------ */

TEST(zimage_be32_sample_fact)
{
	size_t len;
	uint8_t *d = kf_sample("fact_extractor/linuxkernel/zImage_be32", &len);
	if (!d)
		return;
	uint64_t cl = 0;
	CHECK(fg_format_zimage.probe(d, len, &cl) > 0);
	fg_result *r = kf_unpack("zImage_be32", d, len, NULL);
	const fg_node *z = kf_format(r, "zimage", NULL);
	REQUIRE(z && z->format_info);
	CHECK(strstr(z->format_info, "ARM zImage big-endian (BE32)"));
	CHECK(strstr(z->format_info, "cut at 13132 of 11946940 bytes"));
	fg_result_free(r);
	free(d);
}

TEST(uimage_digoo_kernel)
{
	size_t len;
	uint8_t *d = kf_sample("digoo-bb-m1/cramfs-root/boot/uImage", &len);
	if (!d)
		return;
	fg_result *r = kf_unpack("uImage", d, len, NULL);
	const fg_node *z = kf_format(r, "zimage", NULL);
	REQUIRE(z && z->format_info);
	CHECK(strstr(z->format_info, "ARM zImage little-endian, lzo"));
	CHECK(strstr(z->format_info, "Linux 3.0.101"));
	CHECK_INT_EQ(z->src_length, len - 64);
	const fg_node *v = child(z, "vmlinux");
	REQUIRE(v);
	CHECK(!(v->flags & FG_NODE_TRUNCATED));
	CHECK(v->format_info && strstr(v->format_info, "Linux kernel 3.0.101 (#3 Tue Sep 11 15:37:03 CST 2018)"));
	fg_result_free(r);
	free(d);
}

/* Debian's kernels from the corpus: an armel zImage in a uImage, and the
 * MIPS ELF vmlinuz whose xz payload the carver finds. */
TEST(corpus_debian_kernels)
{
	size_t len;
	uint8_t *d = kf_corpus("di-armel_sheevaplug_uImage", &len);
	if (d) {
		clock_t t0 = clock();
		fg_result *r = kf_unpack("di-armel_sheevaplug_uImage", d, len, NULL);
		fprintf(stderr, "  sheevaplug uImage: %.2f s cpu\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
		const fg_node *z = kf_format(r, "zimage", NULL);
		REQUIRE(z && z->format_info);
		fprintf(stderr, "  %s\n", z->format_info);
		CHECK(strstr(z->format_info, "Linux 6.1."));
		const fg_node *v = child(z, "vmlinux");
		REQUIRE(v);
		CHECK(!(v->flags & FG_NODE_TRUNCATED));
		CHECK(v->format_info && strstr(v->format_info, "Linux kernel 6.1."));
		CHECK(v->format_info && strstr(v->format_info, "(#1 Debian 6.1."));
		/* Debian builds no initramfs in: the kernel's default one
		 * (/dev, /dev/console, /root) is there, as a cpio */
		const fg_node *cp = kf_format(r, "cpio", NULL);
		REQUIRE(cp);
		CHECK(fg_tree_lookup((fg_node *)cp, "/dev/console", false) != NULL);
		CHECK(fg_tree_lookup((fg_node *)cp, "/root", false) != NULL);
		/* flash-kernel appends the board's device tree to the zImage,
		 * whose header ends the zImage before it */
		const fg_node *dt = kf_format(r, "dtb", NULL);
		REQUIRE(dt);
		CHECK(dt->format_info && strstr(dt->format_info, "'Globalscale Technologies SheevaPlug'"));
		CHECK_INT_EQ(z->src_length + dt->data_len, len - 64);
		fg_result_free(r);
		free(d);
	}
	d = kf_corpus("di-mipsel_malta_vmlinuz", &len);
	if (d) {
		fg_result *r = kf_unpack("di-mipsel_malta_vmlinuz", d, len, NULL);
		unsigned n = 0;
		const fg_node *v = kf_format(r, "vmlinux", &n);
		REQUIRE(v);
		fprintf(stderr, "  %s\n", v->format_info);
		CHECK(v->format_info && strstr(v->format_info, "Linux kernel 6.1."));
		CHECK(v->format_info && strstr(v->format_info, "raw binary"));
		fg_result_free(r);
		free(d);
	}
}

/* The host's own kernels, when /boot has any (Debian's are EFI bzImages). */
TEST(host_boot_vmlinuz)
{
	DIR *d = opendir("/boot");
	struct dirent *e;
	int seen = 0;
	while (d && (e = readdir(d)) != NULL && seen < 2) {
		if (strncmp(e->d_name, "vmlinuz-", 8) != 0)
			continue;
		char path[600];
		snprintf(path, sizeof(path), "/boot/%s", e->d_name);
		size_t len;
		uint8_t *k = kf_slurp(path, &len);
		if (!k)
			continue;
		seen++;
		fg_result *r = kf_unpack(e->d_name, k, len, NULL);
		const fg_node *root = r->tree.root->unpacked;
		CHECK(root && strcmp(root->format, "bzimage") == 0);
		const fg_node *v = root ? child(root, "vmlinux") : NULL;
		CHECK(v && v->format_info && strstr(v->format_info, e->d_name + 8));
		fprintf(stderr, "  %s: %s\n", path, v && v->format_info ? v->format_info : "?");
		fg_result_free(r);
		free(k);
	}
	if (d)
		closedir(d);
	if (!seen)
		fprintf(stderr, "  skip: no /boot/vmlinuz-*\n");
}

/* ---- arm64 Image and vmlinux ------------------------------------------------------------------ */

static buf make_arm64(bool pe, uint64_t image_size, size_t file_len)
{
	buf k = make_kernel(file_len, NULL, 0, INITRAMFS_NONE);
	uint8_t *d = k.d;
	memset(d, 0, 64);
	if (pe) {
		d[0] = 'M';
		d[1] = 'Z';
	}
	d[8 + 1] = 0x00; /* text_offset 0 */
	for (int i = 0; i < 8; i++)
		d[0x10 + i] = (uint8_t)(image_size >> (8 * i));
	d[0x18] = 0x0a; /* 4K pages, anywhere in memory */
	memcpy(d + 0x38, "ARM\x64", 4);
	if (pe) {
		/* PE header at 0x40: two sections, the last ending at file_len - 0x100 */
		d[0x3c] = 0x40;
		uint8_t *p = d + 0x40;
		memset(p, 0, 24 + 2 * 40);
		memcpy(p, "PE\0\0", 4);
		p[4] = 0x64;
		p[5] = 0xaa;
		p[6] = 2; /* sections */
		p[20] = 0; /* no optional header */
		uint8_t *s = p + 24;
		uint32_t ptr1 = 0x1000, raw1 = 0x8000, ptr2 = 0x9000, raw2 = (uint32_t)(file_len - 0x100 - 0x9000);
		memcpy(s, ".text", 5);
		memcpy(s + 40, ".data", 5);
		for (int i = 0; i < 4; i++) {
			s[16 + i] = (uint8_t)(raw1 >> (8 * i));
			s[20 + i] = (uint8_t)(ptr1 >> (8 * i));
			s[40 + 16 + i] = (uint8_t)(raw2 >> (8 * i));
			s[40 + 20 + i] = (uint8_t)(ptr2 >> (8 * i));
		}
	}
	k.len = file_len;
	return k;
}

TEST(arm64_image)
{
	size_t n = 256 * 1024;
	buf a = make_arm64(true, 2u << 20, n);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_arm64image.probe(a.d, a.len, &cl), 85);
	CHECK_INT_EQ(cl, n - 0x100); /* the PE sections' end */
	char desc[256];
	fg_format_arm64image.describe(a.d, a.len, desc, sizeof(desc));
	CHECK(strstr(desc, "Linux kernel " RELEASE " (#1 SMP Debian 5.10.0-1 (2024-01-01)), arm64 Image"));
	CHECK(strstr(desc, "little-endian, 4K pages, image size 2097152, EFI stub"));
	free(a.d);

	/* no EFI stub: image_size bounds it when it fits, else the blob's end */
	a = make_arm64(false, 0x30000, n);
	CHECK_INT_EQ(fg_format_arm64image.probe(a.d, a.len, &cl), 85);
	CHECK_INT_EQ(cl, 0x30000);
	cl = 0;
	CHECK_INT_EQ(fg_format_arm64image.probe(a.d, 0x20000, &cl), 85);
	CHECK_INT_EQ(cl, 0);
	/* old kernels: image_size 0 */
	for (int i = 0; i < 8; i++)
		a.d[0x10 + i] = 0;
	CHECK_INT_EQ(fg_format_arm64image.probe(a.d, a.len, &cl), 60);
	/* reserved fields and flags must be zero */
	a.d[0x28] = 1;
	CHECK_INT_EQ(fg_format_arm64image.probe(a.d, a.len, &cl), 0);
	a.d[0x28] = 0;
	a.d[0x19] = 1;
	CHECK_INT_EQ(fg_format_arm64image.probe(a.d, a.len, &cl), 0);
	free(a.d);
}

TEST(vmlinux_leaf)
{
	buf k = make_kernel(200 * 1024, NULL, 0, INITRAMFS_NONE);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_vmlinux.probe(k.d, k.len, &cl), 25);
	char desc[256];
	fg_format_vmlinux.describe(k.d, k.len, desc, sizeof(desc));
	CHECK_STR_EQ(desc, "Linux kernel " RELEASE " (#1 SMP Debian 5.10.0-1 (2024-01-01)), raw binary");
	fg_kbanner b;
	REQUIRE(fg_kernel_banner(k.d, k.len, &b));
	CHECK_STR_EQ(b.release, RELEASE);
	/* too small to be a kernel */
	CHECK_INT_EQ(fg_format_vmlinux.probe(k.d, 100 * 1024, &cl), 0);
	/* the banner in a log (no NUL after the newline), a format string */
	buf t = {0};
	put_code(&t, 200 * 1024, 3);
	const char *log = "[    0.000000] " BANNER "[    0.000000] CPU: ARMv7\n";
	memcpy(t.d + 1000, log, strlen(log));
	const char *fmt = "Linux version %s (%s@%s)\n";
	memcpy(t.d + 5000, fmt, strlen(fmt) + 1);
	CHECK_INT_EQ(fg_format_vmlinux.probe(t.d, t.len, &cl), 0);
	CHECK(!fg_kernel_banner(t.d, t.len, &b));
	free(t.d);
	/* a flash dump with an uncompressed kernel in it is not a kernel */
	buf f = {0};
	put_code(&f, 0x10000, 5);
	put_fill(&f, 0xff, 0x30000);
	put(&f, k.d, k.len);
	put_fill(&f, 0xff, 0x1000);
	CHECK_INT_EQ(fg_format_vmlinux.probe(f.d, f.len, &cl), 0);
	CHECK(fg_kernel_banner(f.d, f.len, &b));
	free(f.d);
	free(k.d);
}

/* An ELF kernel is a vmlinux (above the ELF leaf), an ELF program is not. */
TEST(vmlinux_elf_over_elf_leaf)
{
	size_t len;
	uint8_t *d = kf_sample("fact_extractor/linuxkernel/bzImage_xz", &len);
	if (!d)
		return;
	fg_result *r = kf_unpack("bzImage_xz", d, len, NULL);
	const fg_node *v = kf_file(r, "vmlinux");
	REQUIRE(v);
	uint64_t cl = 0, ecl = 0;
	extern const fg_format fg_format_elf;
	CHECK_INT_EQ(fg_format_vmlinux.probe(v->data, v->data_len, &cl), 85);
	CHECK(fg_format_elf.probe(v->data, v->data_len, &ecl) == 80 && ecl == cl);
	fg_result_free(r);
	free(d);
	size_t tl;
	uint8_t *t = kf_slurp("/bin/sh", &tl);
	if (t) {
		CHECK_INT_EQ(fg_format_vmlinux.probe(t, tl, &cl), 0);
		free(t);
	}
}

/* ---- IKCONFIG and hardening.kernel-config ------------------------------------------------------ */

TEST(ikconfig_probe_and_damage)
{
	buf b = {0};
	put(&b, FG_IKCONFIG_ST, 8);
	gzip_into(&b, small_config, strlen(small_config));
	size_t gz_end = b.len;
	put(&b, FG_IKCONFIG_ED, 8);
	put(&b, "after", 5);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_ikconfig.probe(b.d, b.len, &cl), 95);
	CHECK_INT_EQ(cl, gz_end + 8);
	fg_result *r = fg_result_new(NULL);
	fg_node *root = unpack_one(r, &fg_format_ikconfig, &b);
	REQUIRE(root);
	CHECK_INT_EQ(root->src_length, gz_end + 8);
	const fg_node *c = child(root, ".config");
	CHECK(c && c->data_len == strlen(small_config));
	fg_result_free(r);
	/* no end marker: the end is where inflating stops */
	buf open_ = { b.d, gz_end, 0 };
	cl = 0;
	CHECK_INT_EQ(fg_format_ikconfig.probe(open_.d, open_.len, &cl), 60);
	CHECK_INT_EQ(cl, 0);
	r = fg_result_new(NULL);
	root = unpack_one(r, &fg_format_ikconfig, &open_);
	REQUIRE(root);
	CHECK(child(root, ".config") != NULL);
	CHECK(root->flags & FG_NODE_TRUNCATED);
	fg_result_free(r);
	/* a cut gzip: what inflates is kept */
	buf cut = { b.d, 8 + (gz_end - 8) / 2, 0 };
	r = fg_result_new(NULL);
	root = unpack_one(r, &fg_format_ikconfig, &cut);
	if (root && root->nchildren)
		CHECK(root->children[0]->flags & FG_NODE_TRUNCATED);
	fg_result_free(r);
	/* corrupt gzip header flags */
	b.d[11] = 0xe0;
	CHECK_INT_EQ(fg_format_ikconfig.probe(b.d, b.len, &cl), 0);
	free(b.d);
}

static char *xz_file(const char *path, size_t *out_len)
{
	size_t zl;
	uint8_t *z = kf_slurp(path, &zl);
	if (!z)
		return NULL;
	size_t cap = 16u << 20, pos = 0, inpos = 0;
	char *out = malloc(cap);
	uint64_t memlimit = UINT64_MAX;
	bool ok = out && lzma_stream_buffer_decode(&memlimit, 0, NULL, z, &inpos, zl, (uint8_t *)out,
						   &pos, cap) == LZMA_OK;
	free(z);
	if (!ok) {
		free(out);
		return NULL;
	}
	*out_len = pos;
	return out;
}

typedef FG_VEC(const char *) subj_vec;

/* Subjects (option names) of the hardening findings, sorted. */
static void subjects(fg_result *r, subj_vec *out, const char *need_in_message)
{
	for (size_t i = 0; i < r->findings.n; i++) {
		const fg_finding *f = &r->findings.v[i];
		if (strcmp(f->check_id, "hardening.kernel-config") != 0)
			continue;
		if (need_in_message && !strstr(f->message, need_in_message))
			continue;
		const char *s = strstr(f->message, ": CONFIG_");
		if (!s)
			continue;
		size_t n = strcspn(s + 2, " ");
		char *name = strndup(s + 2, n);
		FG_VEC_PUSH(out, name);
	}
}

static bool has_subject(const subj_vec *v, const char *name)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i], name) == 0)
			return true;
	return false;
}

static void free_subjects(subj_vec *v)
{
	for (size_t i = 0; i < v->n; i++)
		free((void *)v->v[i]);
	FG_VEC_FREE(v);
}

/* Debian 12's amd64 configuration built into a vmlinux-like blob: the
 * unpacker takes it out, the check rates it exactly as the plain file. */
TEST(ikconfig_debian_config_hardening)
{
	size_t clen = 0;
	char *cfg = xz_file("/usr/src/linux-config-6.1/config.amd64_none_amd64.xz", &clen);
	if (!cfg) {
		fprintf(stderr, "  skip: linux-config-6.1 not installed\n");
		return;
	}
	/* the reference: the same text as /boot/config-6.1 in a file tree */
	fg_result *ref = fg_result_new(NULL);
	fg_node *rroot = fg_node_new(&ref->tree, "", 0, FG_NODE_DIR);
	rroot->flags = FG_NODE_FSROOT | FG_NODE_FILESYSTEM;
	ref->tree.root = rroot;
	fg_node *rf = fg_tree_mkpath(&ref->tree, rroot, "boot/config-6.1.0-amd64", FG_NODE_FILE);
	rf->data = (const uint8_t *)cfg;
	rf->data_len = rf->size = clen;
	fg_checks_run_tree(ref, rroot, fg_check_find("hardening.kernel-config"));
	subj_vec want = {0};
	subjects(ref, &want, NULL);
	CHECK(want.n > 0 && want.n < 40);

	buf k = make_kernel(512 * 1024, cfg, clen, INITRAMFS_NONE);
	fg_result *r = kf_unpack("vmlinux-6.1.0-amd64", k.d, k.len, NULL);
	const fg_node *ik = kf_format(r, "ikconfig", NULL);
	REQUIRE(ik);
	CHECK(ik->format_info && strstr(ik->format_info, "Linux/x86 6.1."));
	const fg_node *c = child(ik, ".config");
	REQUIRE(c);
	CHECK(c->data_len == clen && memcmp(c->data, cfg, clen) == 0);
	kf_run_check(r, "hardening.kernel-config");
	subj_vec got = {0};
	subjects(r, &got, "IKCONFIG");
	fprintf(stderr, "  %zu unmet options from IKCONFIG (%zu from the plain file)\n", got.n, want.n);
	CHECK_INT_EQ(got.n, want.n);
	for (size_t i = 0; i < want.n; i++)
		if (!has_subject(&got, want.v[i])) {
			fprintf(stderr, "  missing from IKCONFIG: %s\n", want.v[i]);
			CHECK(false);
		}
	/* Debian 12's amd64 choices */
	CHECK(has_subject(&got, "CONFIG_DEVMEM"));
	CHECK(has_subject(&got, "CONFIG_MODULE_SIG_FORCE"));
	CHECK(has_subject(&got, "CONFIG_PROC_KCORE"));
	CHECK(!has_subject(&got, "CONFIG_RANDOMIZE_BASE"));
	CHECK(!has_subject(&got, "CONFIG_STRICT_DEVMEM"));
	CHECK(!has_subject(&got, "CONFIG_VMAP_STACK"));
	/* the finding sits on the extracted .config at its line */
	for (size_t i = 0; i < r->findings.n; i++)
		if (strstr(r->findings.v[i].message, "CONFIG_DEVMEM is y"))
			CHECK(strcmp(r->findings.v[i].path, "/.config") == 0 && r->findings.v[i].line > 0);
	free_subjects(&got);
	free_subjects(&want);
	fg_result_free(r);
	fg_result_free(ref);
	free(k.d);
	free(cfg);
}

/* Inside a file tree a kernel is identified whole, not carved: the check
 * reads its IKCONFIG itself -- unless the unpacker took it out below it,
 * which then is the only report. */
TEST(ikconfig_hook_in_file_tree)
{
	buf raw = make_kernel(200 * 1024, small_config, strlen(small_config), INITRAMFS_NONE);
	buf p = {0};
	compress_with(FG_KZ_GZIP, raw.d, raw.len, &p);
	buf bz = make_bzimage(&p, RELEASE " (builder@buildhost) #1");

	fg_result *r = fg_result_new(NULL);
	fg_node *root = fg_node_new(&r->tree, "", 0, FG_NODE_DIR);
	root->flags = FG_NODE_FSROOT | FG_NODE_FILESYSTEM;
	r->tree.root = root;
	fg_node *a = fg_tree_mkpath(&r->tree, root, "boot/vmlinux-5.10.0", FG_NODE_FILE);
	a->data = raw.d;
	a->data_len = a->size = raw.len;
	fg_node *b = fg_tree_mkpath(&r->tree, root, "boot/vmlinuz-5.10.0", FG_NODE_FILE);
	b->data = bz.d;
	b->data_len = b->size = bz.len;
	fg_unpack_all(&r->tree, &r->budget, &r->diags, 2, NULL);
	CHECK(b->unpacked && strcmp(b->unpacked->format, "bzimage") == 0);
	kf_run_check(r, "hardening.kernel-config");
	unsigned on_raw = 0, on_bz = 0, on_ik = 0;
	for (size_t i = 0; i < r->findings.n; i++) {
		const fg_finding *f = &r->findings.v[i];
		if (!strstr(f->message, "CONFIG_STRICT_DEVMEM is not set"))
			continue;
		if (strcmp(f->path, "/boot/vmlinux-5.10.0") == 0 && strstr(f->message, "IKCONFIG of"))
			on_raw++;
		else if (strcmp(f->path, "/boot/vmlinuz-5.10.0") == 0)
			on_bz++;
		else if (strcmp(f->path, "/.config") == 0)
			on_ik++;
	}
	CHECK_INT_EQ(on_raw, 1);
	CHECK_INT_EQ(on_bz, 0);
	CHECK_INT_EQ(on_ik, 1);
	fg_result_free(r);
	free(bz.d);
	free(p.d);
	free(raw.d);
}
