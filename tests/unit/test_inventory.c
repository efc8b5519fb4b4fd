/*
 * test_inventory.c - the inventory's sources on synthetic trees: package
 * databases (opkg, dpkg, apk), distribution identity, kernel headers and
 * module directories, BusyBox's applets, blobs outside file trees, and
 * the identifiers (CPE, purl, upstream versions).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "core/result.h"
#include "inventory/inv_internal.h"
#include "inventory/inventory.h"

static fg_node *file_n(fg_result *r, fg_node *root, const char *path, const void *data, size_t len)
{
	fg_node *n = fg_tree_mkpath(&r->tree, root, path, FG_NODE_FILE);
	n->data = data;
	n->data_len = len;
	n->size = len;
	return n;
}

static fg_node *file_s(fg_result *r, fg_node *root, const char *path, const char *text)
{
	return file_n(r, root, path, text, strlen(text));
}

static fg_node *link_s(fg_result *r, fg_node *root, const char *path, const char *target)
{
	fg_node *n = fg_tree_mkpath(&r->tree, root, path, FG_NODE_SYMLINK);
	n->link_target = target;
	return n;
}

static fg_node *new_root(fg_result *r)
{
	fg_node *root = fg_node_new(&r->tree, "rootfs", 6, FG_NODE_DIR);
	root->flags = FG_NODE_FSROOT | FG_NODE_FILESYSTEM;
	r->tree.root = root;
	return root;
}

static const fg_component *comp(const fg_result *r, const char *name, const char *version)
{
	for (size_t i = 0; i < r->components.n; i++)
		if (!strcmp(r->components.v[i].name, name) &&
		    (!version || !strcmp(r->components.v[i].version, version)))
			return &r->components.v[i];
	return NULL;
}

static size_t count(const fg_result *r, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < r->components.n; i++)
		n += !strcmp(r->components.v[i].name, name);
	return n;
}

TEST(upstream_versions_from_package_versions)
{
	static const char *const cases[][2] = {
		{ "1:1.35.0-4+deb12u1+b1", "1.35.0" }, { "2:2.10-12+deb12u3", "2.10" },
		{ "1:1.2.13.dfsg-1", "1.2.13" }, { "2.4+20151223.gitfa8646d.1-2+b2", "2.4" },
		{ "1.3.3+ds-1", "1.3.3" }, { "7.6.q-32", "7.6.q" }, { "2017.75-7.1", "2017.75" },
		{ "1.2.3-r4", "1.2.3" }, { "5.0~rc1-1", "5.0-rc1" }, { "3.0.20-1~deb12u2", "3.0.20" },
		{ "1.0.2q-1", "1.0.2q" }, { "1.28.4-3", "1.28.4" }, { "2.73", "2.73" },
		{ "1.2.13~dfsg-1", "1.2.13" }, { "", "" },
	};
	char out[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fg_upstream_version(cases[i][0], out, sizeof(out));
		CHECK_STR_EQ(out, cases[i][1]);
	}
}

TEST(cpe_and_purl)
{
	fg_arena a;
	fg_arena_init(&a);
	CHECK_STR_EQ(fg_cpe_make(&a, "busybox:busybox", "1.35.0"),
		     "cpe:2.3:a:busybox:busybox:1.35.0:*:*:*:*:*:*:*");
	CHECK_STR_EQ(fg_cpe_make(&a, "o:linux:linux_kernel", "6.1.176"),
		     "cpe:2.3:o:linux:linux_kernel:6.1.176:*:*:*:*:*:*:*");
	CHECK_STR_EQ(fg_cpe_make(&a, "x:y", "1:2+3"), "cpe:2.3:a:x:y:1\\:2\\+3:*:*:*:*:*:*:*");
	CHECK(fg_cpe_make(&a, "x:y", "") == NULL);
	CHECK_STR_EQ(fg_purl_make(&a, "deb", "debian", "libssl3", "3.0.20-1~deb12u2", "arch=armhf"),
		     "pkg:deb/debian/libssl3@3.0.20-1~deb12u2?arch=armhf");
	CHECK_STR_EQ(fg_purl_make(&a, "generic", NULL, "busybox", "1.35.0+b1", NULL),
		     "pkg:generic/busybox@1.35.0%2Bb1");
	CHECK_STR_EQ(fg_purl_make(&a, "generic", NULL, "gcc", "", NULL), "pkg:generic/gcc");
	fg_arena_free(&a);
}

static const char bb_bin[] = "\x7f" "ELF junk\0BusyBox v1.28.4 (2019-01-28 21:40:53 UTC)\0"
			     "\0[\0[[\0ash\0cat\0cp\0echo\0grep\0ls\0mount\0sh\0telnetd\0vi\0\0tail";

TEST(opkg_database_owns_its_files)
{
	fg_result *r = fg_result_new(NULL);
	fg_node *root = new_root(r);
	file_s(r, root, "etc/openwrt_release", "DISTRIB_ID='OpenWrt'\nDISTRIB_RELEASE='18.06.2'\n"
					       "DISTRIB_REVISION='r7676-cddd7b4c77'\n");
	file_s(r, root, "usr/lib/opkg/status",
	       "Package: busybox\nVersion: 1.28.4-3\nStatus: install user installed\nArchitecture: mips_24kc\n\n"
	       "Package: dnsmasq\nVersion: 2.73-4\nStatus: install ok not-installed\n\n"
	       "Package: ../../etc\nVersion: 1\nStatus: install ok installed\n\n"
	       "Package: dropbear\nStatus: install user installed\n\n");
	file_s(r, root, "usr/lib/opkg/info/busybox.control",
	       "Package: busybox\nVersion: 1.28.4-3\nLicense: GPL-2.0\nMaintainer: Felix <f@example.org>\n"
	       "Source: package/utils/busybox\n");
	file_s(r, root, "usr/lib/opkg/info/busybox.list", "/bin/busybox\n/bin/sh\n/nonexistent\n");
	file_s(r, root, "usr/lib/opkg/info/dropbear.control", "Package: dropbear\nVersion: 2017.75-7.1\n");
	file_n(r, root, "bin/busybox", bb_bin, sizeof(bb_bin) - 1);
	link_s(r, root, "bin/sh", "busybox");
	fg_inventory_tree(&r->tree, root, &r->arena, &r->components);
	const fg_component *bb = comp(r, "busybox", "1.28.4");
	REQUIRE(bb != NULL);
	CHECK_INT_EQ(count(r, "busybox"), 1); /* owned: not fingerprinted again */
	CHECK_STR_EQ(bb->method, "package-db");
	CHECK_STR_EQ(bb->purl, "pkg:opkg/openwrt/busybox@1.28.4-3?arch=mips_24kc");
	CHECK_STR_EQ(bb->cpe, "cpe:2.3:a:busybox:busybox:1.28.4:*:*:*:*:*:*:*");
	CHECK_STR_EQ(bb->supplier, "Felix");
	CHECK_STR_EQ(fg_component_prop(bb, "package-version"), "1.28.4-3");
	CHECK_STR_EQ(fg_component_prop(bb, "package-license"), "GPL-2.0");
	REQUIRE(bb->nfiles == 1);
	CHECK_STR_EQ(bb->files[0].path, "/bin/busybox");
	CHECK(bb->files[0].sha256 && strlen(bb->files[0].sha256) == 64);
	const char *applets = fg_component_prop(bb, "busybox:applets");
	CHECK(applets && !strcmp(applets, "[,[[,ash,cat,cp,echo,grep,ls,mount,sh,telnetd,vi"));
	CHECK(comp(r, "dnsmasq", NULL) == NULL);
	CHECK(comp(r, "dropbear", "2017.75") != NULL);       /* version from .control */
	const fg_component *os = comp(r, "OpenWrt", "18.06.2");
	CHECK(os && !strcmp(os->cpe, "cpe:2.3:o:openwrt:openwrt:18.06.2:*:*:*:*:*:*:*"));
	fg_result_free(r);
}

TEST(dpkg_database_with_merged_usr)
{
	fg_result *r = fg_result_new(NULL);
	fg_node *root = new_root(r);
	file_s(r, root, "usr/lib/os-release", "NAME=\"Debian GNU/Linux\"\nID=debian\nVERSION_ID=\"12\"\n");
	link_s(r, root, "lib", "usr/lib");
	file_s(r, root, "var/lib/dpkg/status",
	       "Package: libssl3\nStatus: install ok installed\nArchitecture: armhf\nSource: openssl\n"
	       "Version: 3.0.20-1~deb12u2\nMaintainer: Debian OpenSSL Team <x@example.org>\n"
	       "Description: Secure Sockets Layer toolkit\n shared libraries\n\n"
	       "Package: oldpkg\nStatus: deinstall ok config-files\nVersion: 1.0-1\n\n"
	       "Package: tzdata\nStatus: install ok installed\nVersion: 2024a-0+deb12u1\n");
	file_s(r, root, "var/lib/dpkg/info/libssl3:armhf.list",
	       "/.\n/lib\n/lib/arm-linux-gnueabihf\n/lib/arm-linux-gnueabihf/libcrypto.so.3\n");
	static const char crypto[] = "\0OpenSSL 3.0.20 7 Apr 2026\0OPENSSLDIR: \"/usr/lib/ssl\"\0";
	file_n(r, root, "usr/lib/arm-linux-gnueabihf/libcrypto.so.3", crypto, sizeof(crypto) - 1);
	fg_inventory_tree(&r->tree, root, &r->arena, &r->components);
	const fg_component *ssl = comp(r, "libssl3", "3.0.20");
	REQUIRE(ssl != NULL);
	CHECK_STR_EQ(ssl->purl, "pkg:deb/debian/libssl3@3.0.20-1~deb12u2?arch=armhf");
	CHECK_STR_EQ(ssl->cpe, "cpe:2.3:a:openssl:openssl:3.0.20:*:*:*:*:*:*:*");
	CHECK_STR_EQ(fg_component_prop(ssl, "package-source"), "openssl");
	REQUIRE(ssl->nfiles == 1);
	CHECK_STR_EQ(ssl->files[0].path, "/lib/arm-linux-gnueabihf/libcrypto.so.3");
	CHECK(comp(r, "openssl", NULL) == NULL); /* the owned file is not fingerprinted */
	CHECK(comp(r, "oldpkg", NULL) == NULL);
	CHECK(comp(r, "tzdata", "2024a") != NULL);
	CHECK(comp(r, "Debian GNU/Linux", "12") != NULL);
	fg_result_free(r);
}

TEST(apk_database)
{
	fg_result *r = fg_result_new(NULL);
	fg_node *root = new_root(r);
	file_s(r, root, "etc/os-release", "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\n");
	file_s(r, root, "lib/apk/db/installed",
	       "C:Q1abc=\nP:musl\nV:1.2.4_git20230717-r4\nA:x86_64\nL:MIT\no:musl\nm:Natanael <n@example.org>\n"
	       "F:lib\nR:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1\n\n"
	       "P:busybox\nV:1.36.1-r15\nA:x86_64\nF:bin\nR:busybox\nF:etc\nR:securetty\n\n"
	       "P:\nV:\n\nF:../../x\nR:y\n");
	file_s(r, root, "lib/ld-musl-x86_64.so.1", "musl libc (x86_64)\n");
	file_n(r, root, "bin/busybox", bb_bin, sizeof(bb_bin) - 1);
	fg_inventory_tree(&r->tree, root, &r->arena, &r->components);
	const fg_component *m = comp(r, "musl", "1.2.4_git20230717");
	REQUIRE(m != NULL);
	CHECK_STR_EQ(m->purl, "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64");
	CHECK_INT_EQ(m->nfiles, 1);
	const fg_component *bb = comp(r, "busybox", "1.36.1");
	CHECK(bb && bb->nfiles == 1);
	CHECK_INT_EQ(count(r, "busybox"), 1);
	fg_result_free(r);
}

TEST(hostile_package_databases)
{
	fg_result *r = fg_result_new(NULL);
	fg_node *root = new_root(r);
	size_t len = 1u << 20;
	char *junk = malloc(len + 1);
	REQUIRE(junk != NULL);
	for (size_t i = 0; i < len; i++)
		junk[i] = "Package: x\nVersion:\n \x01\xff:\n\n"[i % 27];
	junk[len] = '\0';
	file_n(r, root, "var/lib/dpkg/status", junk, len);
	file_n(r, root, "usr/lib/opkg/status", junk, len);
	file_n(r, root, "lib/apk/db/installed", junk, len);
	file_n(r, root, "etc/os-release", junk, 4096);
	fg_inventory_tree(&r->tree, root, &r->arena, &r->components);
	CHECK(r->components.n < 16);
	fg_result_free(r);
	free(junk);
}

TEST(distribution_identity_files)
{
	fg_result *r = fg_result_new(NULL);
	fg_node *root = new_root(r);
	file_s(r, root, "etc/issue", "Poky (Yocto Project Reference Distro) 4.0.4 \\n \\l\n");
	file_s(r, root, "etc/version", "20221103151514\n");
	file_s(r, root, "etc/lsb-release", "DISTRIB_ID=Debian\n"
					   "DISTRIB_RELEASE=\"12 (bookworm) - installer build 20230607+deb12u15\"\n");
	fg_inventory_tree(&r->tree, root, &r->arena, &r->components);
	const fg_component *p = comp(r, "Poky", "4.0.4");
	CHECK(p && !strcmp(fg_component_prop(p, "build-date"), "20221103151514"));
	CHECK(comp(r, "debian-installer", "20230607+deb12u15") != NULL);
	CHECK(comp(r, "firmware", NULL) == NULL); /* a Yocto build stamp is no release */
	fg_result_free(r);

	r = fg_result_new(NULL);
	root = new_root(r);
	file_s(r, root, "etc/os-release", "NAME=Buildroot\nVERSION=2023.02.1\nID=buildroot\nVERSION_ID=2023.02.1\n");
	file_s(r, root, "etc/openwrt_version", "r7676-cddd7b4c77\n");
	file_s(r, root, "etc/sw_version", "V2.0.17 build 220101\n");
	fg_inventory_tree(&r->tree, root, &r->arena, &r->components);
	const fg_component *b = comp(r, "Buildroot", "2023.02.1");
	CHECK(b && b->cpe && !strcmp(b->cpe, "cpe:2.3:a:buildroot:buildroot:2023.02.1:*:*:*:*:*:*:*"));
	const fg_component *o = comp(r, "OpenWrt", "");
	CHECK(o && !strcmp(fg_component_prop(o, "revision"), "r7676-cddd7b4c77"));
	CHECK(comp(r, "firmware", "2.0.17") != NULL);
	fg_result_free(r);
}

TEST(kernel_from_uimage_header_and_modules)
{
	fg_result *r = fg_result_new(NULL);
	fg_node *root = new_root(r);
	static uint8_t uimg[96];
	memset(uimg, 0, sizeof(uimg));
	uimg[0] = 0x27, uimg[1] = 0x05, uimg[2] = 0x19, uimg[3] = 0x56;
	uimg[28] = 5; /* Linux */
	uimg[30] = 2; /* kernel */
	memcpy(uimg + 32, "Linux-3.0.101", 13);
	file_n(r, root, "boot/uImage", uimg, sizeof(uimg));
	fg_tree_mkpath(&r->tree, root, "lib/modules/5.4.238/kernel", FG_NODE_DIR);
	fg_tree_mkpath(&r->tree, root, "lib/modules/not-a-release", FG_NODE_DIR);
	static const char ko[] = "\0license=GPL\0vermagic=5.4.238 SMP mod_unload MIPS32_R2 32BIT \0";
	file_n(r, root, "lib/modules/5.4.238/kernel/foo.ko", ko, sizeof(ko) - 1);
	fg_inventory_tree(&r->tree, root, &r->arena, &r->components);
	const fg_component *k = comp(r, "linux", "3.0.101");
	REQUIRE(k != NULL);
	CHECK_STR_EQ(k->method, "kernel-header");
	CHECK_STR_EQ(k->cpe, "cpe:2.3:o:linux:linux_kernel:3.0.101:*:*:*:*:*:*:*");
	const fg_component *m = comp(r, "linux", "5.4.238");
	REQUIRE(m != NULL);
	CHECK_INT_EQ(m->nevidences, 2); /* the directory and the vermagic */
	CHECK_STR_EQ(fg_component_prop(m, "kernel-release"), "5.4.238");
	CHECK_INT_EQ(count(r, "linux"), 2);
	fg_result_free(r);
}

/* A kernel outside any file tree: the blob pass finds its banner. */
TEST(blobs_outside_file_trees)
{
	fg_result *r = fg_result_new(NULL);
	static char img[8192];
	memset(img, 0xa5, sizeof(img));
	static const char banner[] = "Linux version 6.1.0-50-armmp (debian-kernel@lists.debian.org) "
				     "(gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP Debian 6.1.176-1 (2026-01-01)\n";
	img[999] = 0;
	memcpy(img + 1000, banner, sizeof(banner));
	fg_node *blob = fg_node_new(&r->tree, "kernel.bin", 10, FG_NODE_FILE);
	blob->data = (const uint8_t *)img;
	blob->data_len = blob->size = sizeof(img);
	r->tree.root = blob;
	r->input_name = "kernel.bin";
	fg_inventory_run(r);
	const fg_component *k = comp(r, "linux", "6.1.176");
	REQUIRE(k != NULL);
	CHECK_STR_EQ(k->container, "kernel.bin");
	CHECK_STR_EQ(k->method, "signature");
	CHECK(k->nevidences == 1 && k->evidences[0].offset == 1000);
	fg_result_free(r);
}

TEST(applets_from_links_when_the_table_is_missing)
{
	fg_result *r = fg_result_new(NULL);
	fg_node *root = new_root(r);
	static const char bin[] = "\0BusyBox v1.31.1 (2020)\0";
	file_n(r, root, "bin/busybox", bin, sizeof(bin) - 1);
	link_s(r, root, "bin/ls", "busybox");
	link_s(r, root, "sbin/ifconfig", "/bin/busybox");
	link_s(r, root, "usr/bin/awk", "../../bin/busybox");
	link_s(r, root, "usr/bin/python", "python3");
	fg_inventory_tree(&r->tree, root, &r->arena, &r->components);
	const fg_component *bb = comp(r, "busybox", "1.31.1");
	REQUIRE(bb != NULL);
	CHECK_STR_EQ(fg_component_prop(bb, "busybox:applets"), "awk,ifconfig,ls");
	CHECK_STR_EQ(fg_component_prop(bb, "busybox:applets-from"), "links");
	fg_result_free(r);
}

TEST(components_are_sorted_and_merged)
{
	fg_result *r = fg_result_new(NULL);
	fg_node *root = new_root(r);
	static const char z1[] = "\0 inflate 1.2.11 Copyright 1995-2017 Mark Adler \0";
	file_n(r, root, "lib/libz.so.1.2.11", z1, sizeof(z1) - 1);
	file_n(r, root, "usr/bin/static-tool", z1, sizeof(z1) - 1);
	static const char d[] = "\0dnsmasq-2.80\0";
	file_n(r, root, "usr/sbin/dnsmasq", d, sizeof(d) - 1);
	fg_inventory_tree(&r->tree, root, &r->arena, &r->components);
	REQUIRE(r->components.n == 2);
	CHECK_STR_EQ(r->components.v[0].name, "dnsmasq");
	CHECK_STR_EQ(r->components.v[1].name, "zlib");
	const fg_component *z = &r->components.v[1];
	CHECK_INT_EQ(z->nfiles, 2);
	CHECK_STR_EQ(z->files[0].path, "/lib/libz.so.1.2.11");
	CHECK_STR_EQ(z->files[1].path, "/usr/bin/static-tool");
	CHECK(z->nevidences == 2); /* the name adds nothing where the content said it */
	CHECK_STR_EQ(fg_confidence_name(z->confidence), "high");
	fg_result_free(r);
}
