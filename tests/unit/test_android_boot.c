/*
 * test_android_boot.c - Android boot and vendor boot images. mkbootimg
 * builds v0 and v3 boot images and a v3 vendor boot image at test time
 * (Debian's mkbootimg fails on v1/v2 under Python 3 and knows no v4), so
 * v1, v2, v4 and vendor boot v4 with a ramdisk table are written here;
 * every section is compared byte for byte, the OS version and patch level
 * are decoded, a gzip'd cpio ramdisk is followed through the engine; then
 * truncation at every page, absurd sizes, bad headers, carving and random
 * corruption.
 */
#include "flashfs_util.h"

extern const fg_format fg_format_android_boot;

static uint8_t g_kernel[50000], g_ramdisk[30000], g_second[700], g_dtb[300], g_dtbo[900];

static void fill(void)
{
	uint32_t s = 77;
	uint8_t *parts[] = { g_kernel, g_ramdisk, g_second, g_dtb, g_dtbo };
	size_t sizes[] = { sizeof(g_kernel), sizeof(g_ramdisk), sizeof(g_second), sizeof(g_dtb),
			   sizeof(g_dtbo) };
	for (size_t p = 0; p < 5; p++)
		for (size_t i = 0; i < sizes[p]; i++) {
			s = s * 1103515245u + 12345u;
			parts[p][i] = (uint8_t)(s >> 16);
		}
}

typedef struct img {
	uint8_t *buf;
	size_t len;
} img;

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static size_t pad(size_t n, size_t page)
{
	return (n + page - 1) / page * page;
}

static void append(img *m, const void *data, size_t n, size_t page)
{
	size_t add = pad(n, page);
	m->buf = realloc(m->buf, m->len + add);
	if (!m->buf)
		exit(1);
	memset(m->buf + m->len, 0, add);
	memcpy(m->buf + m->len, data, n);
	m->len += add;
}

#define OS_VERSION ((((11u << 14) | (0u << 7) | 2u) << 11) | (21u << 4) | 6u)

/* Boot image v0-v2 as AOSP's mkbootimg writes it. */
static img boot_v012(unsigned version, uint32_t page)
{
	uint8_t h[1660] = { 0 };
	memcpy(h, "ANDROID!", 8);
	put32(h + 8, sizeof(g_kernel));
	put32(h + 16, sizeof(g_ramdisk));
	put32(h + 24, sizeof(g_second));
	put32(h + 36, page);
	put32(h + 40, version);
	put32(h + 44, OS_VERSION);
	memcpy(h + 48, "board-x", 7);
	memcpy(h + 64, "console=ttyMSM0 androidboot.hardware=qcom", 41);
	if (version >= 1)
		put32(h + 1632, sizeof(g_dtbo));
	if (version >= 2)
		put32(h + 1648, sizeof(g_dtb));
	img m = { 0 };
	append(&m, h, version >= 2 ? 1660 : version == 1 ? 1648 : 1632, page);
	append(&m, g_kernel, sizeof(g_kernel), page);
	append(&m, g_ramdisk, sizeof(g_ramdisk), page);
	append(&m, g_second, sizeof(g_second), page);
	if (version >= 1)
		append(&m, g_dtbo, sizeof(g_dtbo), page);
	if (version >= 2)
		append(&m, g_dtb, sizeof(g_dtb), page);
	return m;
}

static img boot_v4(void)
{
	uint8_t h[1584] = { 0 };
	memcpy(h, "ANDROID!", 8);
	put32(h + 8, sizeof(g_kernel));
	put32(h + 12, sizeof(g_ramdisk));
	put32(h + 16, OS_VERSION);
	put32(h + 20, 1584);
	put32(h + 40, 4);
	memcpy(h + 44, "console=ttyS0", 13);
	put32(h + 1580, sizeof(g_second)); /* the boot signature */
	img m = { 0 };
	append(&m, h, sizeof(h), 4096);
	append(&m, g_kernel, sizeof(g_kernel), 4096);
	append(&m, g_ramdisk, sizeof(g_ramdisk), 4096);
	append(&m, g_second, sizeof(g_second), 4096);
	return m;
}

/* Vendor boot v4: the vendor ramdisk in two named fragments. */
static img vendor_v4(uint32_t entries)
{
	const uint32_t page = 4096;
	uint8_t h[2128] = { 0 };
	memcpy(h, "VNDRBOOT", 8);
	put32(h + 8, 4);
	put32(h + 12, page);
	put32(h + 24, sizeof(g_ramdisk));
	memcpy(h + 28, "androidboot.console=ttyS1", 25);
	memcpy(h + 2080, "vboard", 6);
	put32(h + 2096, 2128);
	put32(h + 2100, sizeof(g_dtb));
	put32(h + 2112, entries * 108);
	put32(h + 2116, entries);
	put32(h + 2120, 108);
	put32(h + 2124, 20);
	uint8_t table[2 * 108] = { 0 };
	put32(table, 10000);
	put32(table + 4, 0);
	put32(table + 8, 1);
	memcpy(table + 12, "platform", 8);
	put32(table + 108, sizeof(g_ramdisk) - 10000);
	put32(table + 108 + 4, 10000);
	put32(table + 108 + 8, 3);
	memcpy(table + 108 + 12, "dlkm", 4);
	img m = { 0 };
	append(&m, h, sizeof(h), page);
	append(&m, g_ramdisk, sizeof(g_ramdisk), page);
	append(&m, g_dtb, sizeof(g_dtb), page);
	append(&m, table, entries * 108, page);
	append(&m, "androidboot.foo=bar\n", 20, page);
	return m;
}

static void check_part(ff_run *r, const char *name, const void *want, size_t len)
{
	fg_node *n = ff_at(r, name);
	if (!ff_same(n, want, len)) {
		fprintf(stderr, "section %s differs\n", name);
		CHECK(0);
	}
}

static void check_boot(const img *m, const char *info_part, bool second, bool dtbo, bool dtb)
{
	ff_run r;
	ff_run_image(&r, &fg_format_android_boot, m->buf, m->len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(r.diags.items.n, 0);
	check_part(&r, "kernel", g_kernel, sizeof(g_kernel));
	check_part(&r, "ramdisk", g_ramdisk, sizeof(g_ramdisk));
	if (second)
		check_part(&r, "second", g_second, sizeof(g_second));
	if (dtbo)
		check_part(&r, "recovery_dtbo", g_dtbo, sizeof(g_dtbo));
	if (dtb)
		check_part(&r, "dtb", g_dtb, sizeof(g_dtb));
	CHECK(r.root->format_info && strstr(r.root->format_info, info_part));
	if (r.root->format_info && !strstr(r.root->format_info, info_part))
		fprintf(stderr, "format_info: %s\n", r.root->format_info);
	CHECK_INT_EQ(r.root->src_length, m->len);
	uint64_t cl = 0;
	CHECK(fg_format_android_boot.probe(m->buf, m->len, &cl) >= 90);
	CHECK_INT_EQ(cl, m->len);
	ff_run_free(&r);
}

TEST(boot_handmade_versions)
{
	fill();
	img m = boot_v012(0, 2048);
	check_boot(&m, "boot v0, 2048-byte pages, os 11.0.2, patch 2021-06, board \"board-x\", "
		   "cmdline \"console=ttyMSM0 androidboot.hardware=qcom\"", true, false, false);
	free(m.buf);
	m = boot_v012(1, 4096);
	check_boot(&m, "boot v1, 4096-byte pages", true, true, false);
	free(m.buf);
	m = boot_v012(2, 2048);
	check_boot(&m, "boot v2, 2048-byte pages, os 11.0.2, patch 2021-06", true, true, true);
	ff_carve("android_boot", m.buf, m.len, m.len, "dtb");
	free(m.buf);
	m = boot_v4();
	check_boot(&m, "boot v4, 4096-byte pages, os 11.0.2, patch 2021-06, cmdline \"console=ttyS0\"",
		   false, false, false);
	ff_run r;
	ff_run_image(&r, &fg_format_android_boot, m.buf, m.len, NULL);
	check_part(&r, "boot_signature", g_second, sizeof(g_second));
	ff_run_free(&r);
	free(m.buf);
}

TEST(boot_vendor_v4)
{
	fill();
	img m = vendor_v4(2);
	ff_run r;
	ff_run_image(&r, &fg_format_android_boot, m.buf, m.len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(r.diags.items.n, 0);
	check_part(&r, "vendor_ramdisks/platform", g_ramdisk, 10000);
	check_part(&r, "vendor_ramdisks/dlkm", g_ramdisk + 10000, sizeof(g_ramdisk) - 10000);
	CHECK(ff_at(&r, "vendor_ramdisk") == NULL);
	check_part(&r, "dtb", g_dtb, sizeof(g_dtb));
	check_part(&r, "bootconfig", "androidboot.foo=bar\n", 20);
	CHECK_STR_EQ(r.root->format_info, "vendor_boot v4, 4096-byte pages, board \"vboard\", "
		     "cmdline \"androidboot.console=ttyS1\"");
	CHECK_INT_EQ(r.root->src_length, m.len);
	ff_run_free(&r);
	/* a table entry outside the ramdisk: the ramdisk whole */
	put32(m.buf + 4096 + pad(sizeof(g_ramdisk), 4096) + 4096 + 108 + 4, 90000);
	ff_run_image(&r, &fg_format_android_boot, m.buf, m.len, NULL);
	check_part(&r, "vendor_ramdisk", g_ramdisk, sizeof(g_ramdisk));
	ff_run_free(&r);
	free(m.buf);
}

TEST(boot_truncated_and_absurd)
{
	fill();
	img m = boot_v012(2, 2048);
	for (size_t cut = 0; cut < m.len; cut += 1024) {
		ff_run r;
		ff_run_image(&r, &fg_format_android_boot, m.buf, cut, NULL);
		if (cut < 1660) {
			CHECK(r.rc < 0);
		} else {
			CHECK_INT_EQ(r.rc, 0);
			CHECK(ff_mentions(&r, "image truncated"));
			fg_node *k = ff_at(&r, "kernel");
			CHECK(k && k->size == sizeof(g_kernel));
			if (k && k->data_len)
				CHECK(!memcmp(k->data, g_kernel, k->data_len));
			uint64_t cl = 0;
			CHECK(fg_format_android_boot.probe(m.buf, cut, &cl) == 60 && cl == cut);
		}
		ff_run_free(&r);
	}
	uint8_t *bad = malloc(m.len);
	REQUIRE(bad != NULL);
	uint64_t cl = 0;
	memcpy(bad, m.buf, m.len);
	put32(bad + 8, 0xffffffffu); /* kernel size */
	put32(bad + 1648, 0xfffffff0u);
	CHECK_INT_EQ(fg_format_android_boot.probe(bad, m.len, &cl), 60);
	ff_run r;
	ff_run_image(&r, &fg_format_android_boot, bad, m.len, NULL);
	fg_node *k = ff_at(&r, "kernel");
	CHECK(k && k->size == 0xffffffffu && k->data_len == m.len - 2048);
	CHECK(ff_mentions(&r, "missing"));
	ff_run_free(&r);
	memcpy(bad, m.buf, m.len);
	put32(bad + 36, 3000); /* page size */
	CHECK_INT_EQ(fg_format_android_boot.probe(bad, m.len, &cl), 0);
	put32(bad + 36, 2048);
	put32(bad + 8, 0); /* no kernel */
	CHECK_INT_EQ(fg_format_android_boot.probe(bad, m.len, &cl), 0);
	memcpy(bad, m.buf, m.len);
	put32(bad + 40, 77); /* unknown version: read as v0, said so */
	ff_run_image(&r, &fg_format_android_boot, bad, m.len, NULL);
	CHECK(r.root->format_info && strstr(r.root->format_info, "boot v0 (stored 77)"));
	check_part(&r, "second", g_second, sizeof(g_second));
	ff_run_free(&r);
	/* a cmdline that needs escaping */
	memcpy(bad, m.buf, m.len);
	memcpy(bad + 64, "a\"b\\c\n", 6);
	ff_run_image(&r, &fg_format_android_boot, bad, m.len, NULL);
	CHECK(r.root->format_info && strstr(r.root->format_info, "cmdline \"a\\x22b\\x5cc\\x0a"));
	ff_run_free(&r);
	free(bad);
	ff_mutate(&fg_format_android_boot, m.buf, m.len, 511, 400, 11);
	free(m.buf);
	m = vendor_v4(2);
	ff_mutate(&fg_format_android_boot, m.buf, m.len, 511, 400, 12);
	free(m.buf);
}

/* mkbootimg at test time: v0 and v3 boot, v3 vendor boot. */
static img mkbootimg(const char *args, const char *out_name)
{
	img m = { 0 };
	const char *w = ff_work("boot");
	char out[PATH_MAX];
	ff_fmt(out, sizeof(out), "%s/%s", w, out_name);
	if (!ff_sh("cd '%s' && mkbootimg %s >/dev/null 2>&1", w, args)) {
		fprintf(stderr, "mkbootimg %s failed\n", args);
		return m;
	}
	m.buf = ff_read(out, &m.len);
	return m;
}

TEST(boot_mkbootimg)
{
	if (!ff_have("mkbootimg") || !ff_have("cpio") || !ff_have("gzip"))
		return;
	fill();
	const char *w = ff_work("boot");
	char p[PATH_MAX];
	ff_fmt(p, sizeof(p), "%s/kernel", w);
	REQUIRE(ff_write(p, g_kernel, sizeof(g_kernel)));
	ff_fmt(p, sizeof(p), "%s/second", w);
	REQUIRE(ff_write(p, g_second, sizeof(g_second)));
	ff_fmt(p, sizeof(p), "%s/dtb", w);
	REQUIRE(ff_write(p, g_dtb, sizeof(g_dtb)));
	REQUIRE(ff_sh("cd '%s' && mkdir -p rd/etc && printf 'root::0:0:root:/root:/bin/sh\\n' > rd/etc/passwd"
		      " && (cd rd && find . | cpio -o -H newc 2>/dev/null) | gzip -n > ramdisk.gz", w));
	size_t rdlen;
	ff_fmt(p, sizeof(p), "%s/ramdisk.gz", w);
	uint8_t *rd = ff_read(p, &rdlen);
	REQUIRE(rd != NULL);
	const char *common = "--kernel kernel --ramdisk ramdisk.gz --os_version 11.0.2 "
			     "--os_patch_level 2021-06 --cmdline 'console=ttyS0 androidboot.selinux=permissive'";
	char args[1024];
	for (unsigned v = 0; v <= 3; v += 3) {
		ff_fmt(args, sizeof(args), "%s --header_version %u %s --board fgboard -o boot%u.img",
		       common, v, v == 0 ? "--second second --pagesize 4096" : "", v);
		char name[32];
		ff_fmt(name, sizeof(name), "boot%u.img", v);
		img m = mkbootimg(args, name);
		REQUIRE(m.buf != NULL);
		ff_run r;
		ff_run_image(&r, &fg_format_android_boot, m.buf, m.len, NULL);
		CHECK_INT_EQ(r.rc, 0);
		CHECK_INT_EQ(r.diags.items.n, 0);
		check_part(&r, "kernel", g_kernel, sizeof(g_kernel));
		check_part(&r, "ramdisk", rd, rdlen);
		if (v == 0)
			check_part(&r, "second", g_second, sizeof(g_second));
		char want[256];
		ff_fmt(want, sizeof(want), "boot v%u, 4096-byte pages, os 11.0.2, patch 2021-06%s, cmdline "
		       "\"console=ttyS0 androidboot.selinux=permissive\"", v, v == 0 ? ", board \"fgboard\"" : "");
		CHECK_STR_EQ(r.root->format_info, want);
		CHECK_INT_EQ(r.root->src_length, m.len);
		ff_run_free(&r);
		/* the engine follows the ramdisk: gzip > cpio */
		fg_result *res = ff_scan(m.buf, m.len, name);
		const fg_node *root = res->tree.root->unpacked;
		REQUIRE(root && root->format && !strcmp(root->format, "android_boot"));
		const fg_node *rn = fg_node_find_child(root, "ramdisk", 7);
		REQUIRE(rn && rn->unpacked);
		CHECK_STR_EQ(rn->unpacked->format, "gzip");
		const fg_node *out = rn->unpacked->nchildren ? rn->unpacked->children[0] : NULL;
		CHECK(out && out->unpacked && !strcmp(out->unpacked->format, "cpio"));
		if (out && out->unpacked) {
			fg_node *pw = fg_tree_lookup(out->unpacked, "etc/passwd", false);
			CHECK(pw && pw->data_len == 29);
		}
		fg_result_free(res);
		free(m.buf);
	}
	img vb = mkbootimg("--header_version 3 --vendor_boot vendor.img --vendor_ramdisk ramdisk.gz "
			   "--dtb dtb --vendor_cmdline 'androidboot.hardware=x' --board vb --pagesize 2048",
			   "vendor.img");
	REQUIRE(vb.buf != NULL);
	ff_run r;
	ff_run_image(&r, &fg_format_android_boot, vb.buf, vb.len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(r.diags.items.n, 0);
	check_part(&r, "vendor_ramdisk", rd, rdlen);
	check_part(&r, "dtb", g_dtb, sizeof(g_dtb));
	CHECK_STR_EQ(r.root->format_info, "vendor_boot v3, 2048-byte pages, board \"vb\", cmdline "
		     "\"androidboot.hardware=x\"");
	CHECK_INT_EQ(r.root->src_length, vb.len);
	ff_run_free(&r);
	free(vb.buf);
	free(rd);
}
