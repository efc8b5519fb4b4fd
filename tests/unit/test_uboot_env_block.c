/*
 * test_uboot_env_block.c - U-Boot environment blocks as a format: single
 * and redundant layouts, the sizes boards use, a strict CRC probe, the
 * rendering as uboot-env.txt, and debug.uboot-env reading that rendering
 * in a flash image. Blocks are built here and, when u-boot-tools is
 * installed, by mkenvimage (with and without -r).
 */
#include <time.h>
#include <zlib.h>

#include "test.h"
#include "kernel_fixture.h"
#include "util/uboot_envblk.h"

extern const fg_format fg_format_uboot_env;

static const char *const vars[] = {
	"baudrate=115200",
	"bootargs=console=ttyS0,115200 root=/dev/mtdblock2 rootfstype=squashfs",
	"bootcmd=bootm 0x9f050000",
	"bootdelay=3",
	"ethaddr=00:11:22:33:44:55",
	"ipaddr=192.168.1.1",
	"serverip=192.168.1.10",
	"upgrade=tftp 0x80060000 firmware.bin && erase 0x9f050000 +${filesize} && cp.b 0x80060000 0x9f050000 ${filesize}",
	"verify=n",
	"script=echo one\necho two",
	NULL,
};

/* A block of SIZE bytes; REDUNDANT adds the flag byte FLAG. PAD fills. */
static uint8_t *make_env(size_t size, bool redundant, uint8_t flag, uint8_t pad)
{
	uint8_t *b = malloc(size);
	memset(b, pad, size);
	size_t hdr = redundant ? 5 : 4, p = hdr;
	if (redundant)
		b[4] = flag;
	for (const char *const *v = vars; *v; v++) {
		size_t n = strlen(*v) + 1;
		memcpy(b + p, *v, n);
		p += n;
	}
	b[p] = 0;
	uint32_t crc = (uint32_t)crc32(0, b + hdr, (uInt)(size - hdr));
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(crc >> (8 * i));
	return b;
}

static const char expected_text[] =
	"baudrate=115200\n"
	"bootargs=console=ttyS0,115200 root=/dev/mtdblock2 rootfstype=squashfs\n"
	"bootcmd=bootm 0x9f050000\n"
	"bootdelay=3\n"
	"ethaddr=00:11:22:33:44:55\n"
	"ipaddr=192.168.1.1\n"
	"serverip=192.168.1.10\n"
	"upgrade=tftp 0x80060000 firmware.bin && erase 0x9f050000 +${filesize} && cp.b 0x80060000 0x9f050000 ${filesize}\n"
	"verify=n\n"
	"script=echo one\\necho two\n";

static fg_node *unpack_env(fg_result *r, const uint8_t *d, size_t len)
{
	fg_node *root = NULL;
	fg_unpack_buffer_for_test(&r->tree, &r->budget, &r->diags, &fg_format_uboot_env, "env.bin",
				  d, len, &root);
	return root;
}

TEST(env_layouts_and_sizes)
{
	static const size_t sizes[] = { 0x200, 0x1000, 0x2000, 0x4000, 0x10000, 0x1f000, 0x20000, 0x40000 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int red = 0; red <= 1; red++) {
			size_t sz = sizes[i];
			uint8_t *b = make_env(sz, red, 0x01, i % 2 ? 0x00 : 0xff);
			/* followed by erased flash: the CRC finds the size */
			uint8_t *flash = malloc(sz + 0x10000);
			memcpy(flash, b, sz);
			memset(flash + sz, 0xff, 0x10000);
			uint64_t cl = 0;
			int conf = fg_format_uboot_env.probe(flash, sz + 0x10000, &cl);
			if (conf != 90 || cl != sz) {
				fprintf(stderr, "  size 0x%zx %s: conf %d len 0x%llx\n", sz, red ? "redundant" : "single",
					conf, (unsigned long long)cl);
				CHECK(false);
			}
			fg_result *r = fg_result_new(NULL);
			fg_node *root = unpack_env(r, flash, sz + 0x10000);
			REQUIRE(root);
			CHECK_INT_EQ(root->src_length, sz);
			const fg_node *t = fg_node_find_child(root, FG_ENVBLK_TEXT_NAME, strlen(FG_ENVBLK_TEXT_NAME));
			REQUIRE(t);
			CHECK(t->data_len == strlen(expected_text) && memcmp(t->data, expected_text, t->data_len) == 0);
			CHECK(root->format_info && strstr(root->format_info, red ? "redundant (flag 0x01)" : "single"));
			CHECK(root->format_info && strstr(root->format_info, "10 variables"));
			fg_result_free(r);
			free(flash);
			free(b);
		}
	}
}

TEST(env_strict_probe)
{
	size_t sz = 0x4000;
	uint8_t *b = make_env(sz, false, 0, 0);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_uboot_env.probe(b, sz, &cl), 90);
	/* truncated: the CRC cannot match */
	CHECK_INT_EQ(fg_format_uboot_env.probe(b, sz - 1, &cl), 0);
	CHECK_INT_EQ(fg_format_uboot_env.probe(b, 100, &cl), 0);
	/* one flipped bit in a value, in the padding, in the CRC */
	b[20] ^= 1;
	CHECK_INT_EQ(fg_format_uboot_env.probe(b, sz, &cl), 0);
	b[20] ^= 1;
	b[sz - 1] ^= 1;
	CHECK_INT_EQ(fg_format_uboot_env.probe(b, sz, &cl), 0);
	b[sz - 1] ^= 1;
	b[0] ^= 1;
	CHECK_INT_EQ(fg_format_uboot_env.probe(b, sz, &cl), 0);
	b[0] ^= 1;
	/* the same bytes at a size no board uses (0x4100) are not a block */
	uint8_t *odd = make_env(0x4100, false, 0, 0);
	CHECK_INT_EQ(fg_format_uboot_env.probe(odd, 0x4100, &cl), 0);
	free(odd);
	/* absurd: a matching CRC over data that is not name=value pairs */
	uint8_t *junk = malloc(sz);
	memset(junk, 0, sz);
	memcpy(junk + 4, "bootcmd=x\0\x01\x02garbage\0\0", 21);
	uint32_t crc = (uint32_t)crc32(0, junk + 4, (uInt)(sz - 4));
	for (int i = 0; i < 4; i++)
		junk[i] = (uint8_t)(crc >> (8 * i));
	CHECK_INT_EQ(fg_format_uboot_env.probe(junk, sz, &cl), 0);
	/* a name longer than 64 bytes */
	memset(junk, 0, sz);
	memset(junk + 4, 'a', 80);
	memcpy(junk + 84, "=1\0\0", 4);
	crc = (uint32_t)crc32(0, junk + 4, (uInt)(sz - 4));
	for (int i = 0; i < 4; i++)
		junk[i] = (uint8_t)(crc >> (8 * i));
	CHECK_INT_EQ(fg_format_uboot_env.probe(junk, sz, &cl), 0);
	/* unpack on something that is not a block fails cleanly */
	fg_result *r = fg_result_new(NULL);
	fg_node *root = unpack_env(r, junk, sz);
	CHECK(root && root->nchildren == 0);
	fg_result_free(r);
	free(junk);
	free(b);
}

/* Many magic hits with plausible pairs must not make carving slow: each
 * probe does at most one CRC pass over the padding that follows. */
TEST(env_many_candidates_bounded)
{
	size_t len = 4u << 20;
	uint8_t *blob = malloc(len);
	static const char unit[] = "bootcmd=a\0stdin=b\0stdout=c\0\0";
	for (size_t at = 0; at + sizeof(unit) <= len; at += sizeof(unit))
		memcpy(blob + at, unit, sizeof(unit));
	clock_t t0 = clock();
	fg_result *r = kf_unpack("blob.bin", blob, len, NULL);
	double s = (double)(clock() - t0) / CLOCKS_PER_SEC;
	fprintf(stderr, "  %zu MiB of candidates: %.2f s\n", len >> 20, s);
	CHECK(s < 30);
	CHECK(kf_format(r, FG_ENVBLK_FORMAT, NULL) == NULL);
	fg_result_free(r);
	free(blob);
}

/* mkenvimage's blocks, single and redundant. */
TEST(env_mkenvimage)
{
	if (!kf_have("mkenvimage")) {
		fprintf(stderr, "  skip: mkenvimage (u-boot-tools) not installed\n");
		return;
	}
	const char *dir = kf_tmpdir("env");
	REQUIRE(dir);
	char txt[4200], out[4200];
	snprintf(txt, sizeof(txt), "%s/env.txt", dir);
	static const char env[] = "bootcmd=run upgrade; bootm\nbootdelay=2\nipaddr=10.0.0.2\n"
				  "serverip=10.0.0.1\nupgrade=tftp 0x82000000 fw.bin; sf probe; sf write 0x82000000 0 ${filesize}\n"
				  "verify=n\n";
	REQUIRE(kf_spit(txt, env, strlen(env)));
	for (int red = 0; red <= 1; red++) {
		snprintf(out, sizeof(out), "%s/env%d.bin", dir, red);
		REQUIRE(kf_sh("mkenvimage %s -s 0x20000 -o %s %s", red ? "-r" : "", out, txt) == 0);
		size_t len;
		uint8_t *b = kf_slurp(out, &len);
		REQUIRE(b && len == 0x20000);
		uint64_t cl = 0;
		CHECK_INT_EQ(fg_format_uboot_env.probe(b, len, &cl), 90);
		CHECK_INT_EQ(cl, 0x20000);
		fg_result *r = fg_result_new(NULL);
		fg_node *root = unpack_env(r, b, len);
		REQUIRE(root);
		const fg_node *t = fg_node_find_child(root, FG_ENVBLK_TEXT_NAME, strlen(FG_ENVBLK_TEXT_NAME));
		REQUIRE(t);
		CHECK(t->data_len == strlen(env) && memcmp(t->data, env, strlen(env)) == 0);
		CHECK(root->format_info && strstr(root->format_info, red ? "redundant" : "single"));
		CHECK(root->format_info && strstr(root->format_info, "6 variables"));
		fg_result_free(r);
		free(b);
	}
	kf_sh("rm -rf %s", dir);
}

/* A flash image: the block is carved, rendered, and debug.uboot-env reads
 * the rendering like a fw_env partition; a redundant copy follows. */
TEST(env_in_flash_image_checked)
{
	size_t flash_len = 1u << 20, env_at = 0x40000, sz = 0x10000;
	uint8_t *flash = malloc(flash_len);
	memset(flash, 0xff, flash_len);
	static const char uboot[] = "U-Boot 2020.01 (Jan 01 2024)\0bootcmd=bootm\0bootdelay=1\0";
	memcpy(flash + 0x100, uboot, sizeof(uboot));
	uint8_t *b = make_env(sz, false, 0, 0);
	memcpy(flash + env_at, b, sz);
	uint8_t *b2 = make_env(0x2000, true, 0x05, 0xff);
	memcpy(flash + env_at + sz, b2, 0x2000);
	fg_result *r = kf_unpack("flash.bin", flash, flash_len, NULL);
	unsigned n = 0;
	const fg_node *root = kf_format(r, FG_ENVBLK_FORMAT, &n);
	REQUIRE(root);
	CHECK_INT_EQ(n, 2);
	CHECK(root->flags & FG_NODE_FILESYSTEM);
	const fg_node *cr = r->tree.root->unpacked;
	REQUIRE(cr);
	char name[64];
	snprintf(name, sizeof(name), "0x%zx.%s", env_at, FG_ENVBLK_FORMAT);
	const fg_node *c = fg_node_find_child(cr, name, strlen(name));
	REQUIRE(c);
	CHECK_INT_EQ(c->data_len, sz);
	snprintf(name, sizeof(name), "0x%zx.%s", env_at + sz, FG_ENVBLK_FORMAT);
	c = fg_node_find_child(cr, name, strlen(name));
	REQUIRE(c && c->unpacked);
	CHECK_INT_EQ(c->data_len, 0x2000);
	CHECK(strstr(c->unpacked->format_info, "redundant (flag 0x05)"));

	kf_run_check(r, "debug.uboot-env");
	const fg_finding *flashing = NULL, *delay = NULL;
	unsigned count = 0;
	for (size_t i = 0; i < r->findings.n; i++) {
		const fg_finding *f = &r->findings.v[i];
		if (strcmp(f->check_id, "debug.uboot-env") != 0)
			continue;
		count++;
		CHECK_STR_EQ(f->path, "/" FG_ENVBLK_TEXT_NAME);
		if (strstr(f->message, "TFTP"))
			flashing = f;
		if (strstr(f->message, "bootdelay=3"))
			delay = f;
	}
	REQUIRE(flashing && delay);
	CHECK_INT_EQ(flashing->severity, FG_SEV_HIGH); /* verify=n */
	CHECK(strstr(flashing->message, "U-Boot environment has 1 command"));
	CHECK(strstr(flashing->message, "(upgrade)"));
	CHECK_INT_EQ(flashing->line, 8);
	CHECK_INT_EQ(delay->line, 4);
	CHECK_INT_EQ(count, 4); /* two per copy */

	kf_run_check(r, "debug.kernel-cmdline");
	fg_result_free(r);
	free(b2);
	free(b);
	free(flash);
}

/* A fw_env partition image as a file of a root file system is parsed there
 * as before; its rendering does not repeat the findings. */
TEST(env_file_in_tree_not_repeated)
{
	size_t sz = 0x4000;
	uint8_t *b = make_env(sz, false, 0, 0);
	fg_result *r = fg_result_new(NULL);
	fg_node *root = fg_node_new(&r->tree, "", 0, FG_NODE_DIR);
	root->flags = FG_NODE_FSROOT | FG_NODE_FILESYSTEM;
	r->tree.root = root;
	fg_node *f = fg_tree_mkpath(&r->tree, root, "etc/u-boot-env.bin", FG_NODE_FILE);
	f->data = b;
	f->data_len = f->size = sz;
	fg_unpack_all(&r->tree, &r->budget, &r->diags, 1, NULL);
	CHECK(f->unpacked && strcmp(f->unpacked->format, FG_ENVBLK_FORMAT) == 0);
	kf_run_check(r, "debug.uboot-env");
	unsigned on_file = 0, on_text = 0;
	for (size_t i = 0; i < r->findings.n; i++) {
		if (strcmp(r->findings.v[i].check_id, "debug.uboot-env") != 0)
			continue;
		if (strcmp(r->findings.v[i].path, "/etc/u-boot-env.bin") == 0)
			on_file++;
		else
			on_text++;
	}
	CHECK_INT_EQ(on_file, 2);
	CHECK_INT_EQ(on_text, 0);
	fg_result_free(r);
	free(b);
}

/* The corpus flash image: u-boot, its environment (mkenvimage 0x10000),
 * the kernel... */
TEST(env_corpus_flash)
{
	size_t len;
	uint8_t *d = kf_corpus("rtr-a_flash-16m.bin", &len);
	if (!d)
		return;
	fg_result *r = kf_unpack("rtr-a_flash-16m.bin", d, len, NULL);
	const fg_node *cr = r->tree.root->unpacked;
	REQUIRE(cr);
	const fg_node *c = fg_node_find_child(cr, "0x60000.uboot_env", 17);
	REQUIRE(c && c->unpacked);
	CHECK_INT_EQ(c->data_len, 0x10000);
	const fg_node *t = fg_node_find_child(c->unpacked, FG_ENVBLK_TEXT_NAME, strlen(FG_ENVBLK_TEXT_NAME));
	REQUIRE(t);
	CHECK(t->data_len > 10 && memcmp(t->data, "bootcmd=bootm 0xbf080000\n", 25) == 0);
	kf_run_check(r, "debug.uboot-env");
	bool delay = false;
	for (size_t i = 0; i < r->findings.n; i++)
		delay = delay || (strcmp(r->findings.v[i].check_id, "debug.uboot-env") == 0 &&
				  strstr(r->findings.v[i].message, "bootdelay=1") &&
				  strcmp(r->findings.v[i].path, "/" FG_ENVBLK_TEXT_NAME) == 0);
	CHECK(delay);
	fg_result_free(r);
	free(d);
}
