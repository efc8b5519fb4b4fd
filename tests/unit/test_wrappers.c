/*
 * test_wrappers.c - the uImage, FIT and TRX handlers.
 *
 * Images are built byte by byte here (uImage and TRX headers with their
 * CRCs) or with libfdt (FIT), so each case says exactly what it tests;
 * mkimage, when installed, cross-checks the real tool's output. The real
 * samples and the corpus images are checked when present.
 */
#include <fcntl.h>
#include <libfdt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/result.h"
#include "test.h"
#include "unpack/engine.h"
#include "unpack/format.h"

extern const fg_format fg_format_uimage;
extern const fg_format fg_format_fit;
extern const fg_format fg_format_trx;

/* ---- helpers ------------------------------------------------------------ */

static void fmt(char *buf, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t cap, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vsnprintf(buf, cap, f, ap);
	va_end(ap);
}

static int sh(const char *f, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *f, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, f);
	vsnprintf(cmd, sizeof(cmd), f, ap);
	va_end(ap);
	int rc = system(cmd);
	return rc == -1 ? -1 : WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return NULL;
	}
	uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	size_t got = 0;
	while (buf && got < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	*len = got;
	return buf;
}

static void spit(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

static char g_work[PATH_MAX];

static const char *work_dir(void)
{
	if (g_work[0])
		return g_work;
	const char *base = getenv("FG_TEST_TMP");
	if (!base || !*base)
		base = "/tmp";
	mkdir(base, 0755);
	fmt(g_work, sizeof(g_work), "%s/wrappers-XXXXXX", base);
	if (!mkdtemp(g_work)) {
		perror("mkdtemp");
		exit(1);
	}
	return g_work;
}

static void remove_work(void)
{
	if (g_work[0])
		sh("rm -rf '%s'", g_work);
}

static const char *tool(const char *name)
{
	static char path[PATH_MAX];
	static const char *const dirs[] = { "/usr/bin", "/usr/sbin", "/bin", "/sbin" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		fmt(path, sizeof(path), "%s/%s", dirs[i], name);
		if (access(path, X_OK) == 0)
			return path;
	}
	printf("%s not found: skipping the test that uses it\n", name);
	return NULL;
}

static uint8_t *noise(size_t n, uint32_t seed)
{
	uint8_t *p = malloc(n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
	return p;
}

static uint8_t *file_from(const char *dir, const char *name, size_t *len)
{
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/%s", dir, name);
	uint8_t *d = slurp(p, len);
	if (!d)
		printf("%s not found: skipping\n", p);
	return d;
}

static uint8_t *sample(const char *rel, size_t *len)
{
	const char *shared = getenv("FG_SHARED_DIR");
	char dir[PATH_MAX];
	fmt(dir, sizeof(dir), "%s/samples", shared && *shared ? shared : "/work/shared");
	return file_from(dir, rel, len);
}

static uint8_t *corpus(const char *name, size_t *len)
{
	const char *home = getenv("HOME");
	char dir[PATH_MAX];
	fmt(dir, sizeof(dir), "%s/.cache/firmgate/corpus/images", home ? home : "/root");
	return file_from(dir, name, len);
}

typedef struct env {
	fg_result *res;
	fg_node *root;
	int rc;
} env;

static env unpack(const fg_format *f, const uint8_t *d, size_t n)
{
	env e = { fg_result_new(NULL), NULL, 0 };
	e.rc = fg_unpack_buffer_for_test(&e.res->tree, &e.res->budget, &e.res->diags, f, "image.bin",
					 d, n, &e.root);
	return e;
}

static bool diag_has(const fg_result *r, const char *needle)
{
	for (size_t i = 0; i < r->diags.items.n; i++)
		if (strstr(r->diags.items.v[i].message, needle))
			return true;
	return false;
}

static void check_no_diags(const fg_result *r)
{
	for (size_t i = 0; i < r->diags.items.n; i++)
		fprintf(stderr, "  unexpected diagnostic: %s\n", r->diags.items.v[i].message);
	CHECK_INT_EQ(r->diags.items.n, 0);
}

static fg_node *child(const fg_node *root, const char *name)
{
	return root ? fg_node_find_child(root, name, strlen(name)) : NULL;
}

/* NAME under ROOT is LEN bytes at OFFSET of the image. */
static void check_slice(const fg_node *root, const char *name, const uint8_t *img, size_t offset,
			size_t len)
{
	fg_node *n = child(root, name);
	if (!n) {
		fprintf(stderr, "  no %s\n", name);
		CHECK(n != NULL);
		return;
	}
	CHECK(n->type == FG_NODE_FILE);
	CHECK_INT_EQ(n->data - img, offset);
	CHECK_INT_EQ(n->data_len, len);
	CHECK_INT_EQ(n->size, len);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* ---- uImage ---------------------------------------------------------------- */

typedef struct ui_spec {
	uint8_t os, arch, type, comp;
	const char *name;
	uint32_t load, ep, time;
} ui_spec;

/* A uImage of PAYLOAD followed by TAIL bytes of 0xff; *LEN gets the total. */
static uint8_t *make_uimage(const ui_spec *s, const uint8_t *payload, size_t plen, size_t tail,
			    size_t *len)
{
	*len = 64 + plen + tail;
	uint8_t *b = calloc(1, *len);
	put_be32(b, 0x27051956);
	put_be32(b + 8, s->time);
	put_be32(b + 12, (uint32_t)plen);
	put_be32(b + 16, s->load);
	put_be32(b + 20, s->ep);
	put_be32(b + 24, (uint32_t)crc32(0, payload, (uInt)plen));
	b[28] = s->os;
	b[29] = s->arch;
	b[30] = s->type;
	b[31] = s->comp;
	strncpy((char *)b + 32, s->name, 32);
	memcpy(b + 64, payload, plen);
	memset(b + 64 + plen, 0xff, tail);
	put_be32(b + 4, (uint32_t)crc32(0, b, 64));
	return b;
}

static const ui_spec kernel_spec = { 5, 2, 2, 0, "Linux-test", 0x80008000, 0x80008040, 1700000000 };

TEST(uimage_kernel_payload_points_into_the_image)
{
	uint8_t *payload = noise(10000, 1);
	size_t len;
	uint8_t *img = make_uimage(&kernel_spec, payload, 10000, 300, &len);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_uimage.probe(img, len, &cl), 90);
	CHECK_INT_EQ(cl, 10064);
	env e = unpack(&fg_format_uimage, img, len);
	CHECK_INT_EQ(e.rc, 0);
	REQUIRE(e.root && e.root->nchildren == 1);
	check_slice(e.root, "kernel", img, 64, 10000);
	CHECK_INT_EQ(child(e.root, "kernel")->mtime, 1700000000);
	CHECK_STR_EQ(e.root->format_info, "kernel linux arm none 'Linux-test' load 0x80008000 entry 0x80008040");
	CHECK_INT_EQ(e.root->src_length, 10064);
	check_no_diags(e.res);
	fg_result_free(e.res);
	free(img);
	free(payload);
}

TEST(uimage_bad_crcs_and_truncation)
{
	uint8_t *payload = noise(5000, 2);
	size_t len;
	uint8_t *img = make_uimage(&kernel_spec, payload, 5000, 0, &len);
	uint64_t cl;

	img[40] ^= 1; /* the name: header CRC no longer matches */
	CHECK(fg_format_uimage.probe(img, len, &cl) < FG_CARVE_MIN_CONFIDENCE);
	env e = unpack(&fg_format_uimage, img, len);
	CHECK(diag_has(e.res, "header CRC mismatch"));
	CHECK(child(e.root, "kernel") != NULL);
	fg_result_free(e.res);
	img[40] ^= 1;

	img[1000] ^= 1; /* the payload */
	CHECK_INT_EQ(fg_format_uimage.probe(img, len, &cl), 90);
	e = unpack(&fg_format_uimage, img, len);
	CHECK(diag_has(e.res, "data CRC mismatch"));
	fg_result_free(e.res);
	img[1000] ^= 1;

	CHECK_INT_EQ(fg_format_uimage.probe(img, 3000, &cl), 60);
	CHECK_INT_EQ(cl, 3000);
	e = unpack(&fg_format_uimage, img, 3000);
	fg_node *k = child(e.root, "kernel");
	REQUIRE(k);
	CHECK_INT_EQ(k->data_len, 3000 - 64);
	CHECK_INT_EQ(k->size, 5000);
	CHECK(k->flags & FG_NODE_TRUNCATED);
	CHECK(diag_has(e.res, "truncated"));
	fg_result_free(e.res);

	CHECK_INT_EQ(fg_format_uimage.probe(img, 63, &cl), 0);
	img[0] = 0;
	CHECK_INT_EQ(fg_format_uimage.probe(img, len, &cl), 0);
	free(img);
	free(payload);
}

TEST(uimage_multi_file_parts_are_aligned)
{
	static const uint32_t sizes[] = { 5, 8, 3 };
	uint8_t payload[256] = { 0 };
	size_t pos = 16; /* three sizes and the zero */
	size_t at[3];
	for (int i = 0; i < 3; i++) {
		put_be32(payload + 4 * i, sizes[i]);
		at[i] = pos;
		memset(payload + pos, 'a' + i, sizes[i]);
		pos += (sizes[i] + 3) & ~3u;
	}
	ui_spec s = kernel_spec;
	s.type = 4;
	size_t len;
	uint8_t *img = make_uimage(&s, payload, pos, 0, &len);
	env e = unpack(&fg_format_uimage, img, len);
	CHECK_INT_EQ(e.rc, 0);
	REQUIRE(e.root);
	CHECK_INT_EQ(e.root->nchildren, 3);
	check_slice(e.root, "image-0", img, 64 + at[0], 5);
	check_slice(e.root, "image-1", img, 64 + at[1], 8);
	check_slice(e.root, "image-2", img, 64 + at[2], 3);
	check_no_diags(e.res);
	fg_result_free(e.res);
	free(img);

	/* a part claiming more than there is: cut, the rest of the table dropped */
	put_be32(payload + 4, 100000);
	img = make_uimage(&s, payload, pos, 0, &len);
	e = unpack(&fg_format_uimage, img, len);
	REQUIRE(e.root);
	CHECK_INT_EQ(e.root->nchildren, 2);
	fg_node *p1 = child(e.root, "image-1");
	CHECK(p1 && (p1->flags & FG_NODE_TRUNCATED) && p1->size == 100000);
	fg_result_free(e.res);
	free(img);

	/* a table that never ends: the payload is kept whole */
	uint8_t endless[64];
	memset(endless, 0x11, sizeof(endless));
	img = make_uimage(&s, endless, sizeof(endless), 0, &len);
	e = unpack(&fg_format_uimage, img, len);
	REQUIRE(e.root);
	check_slice(e.root, "payload", img, 64, sizeof(endless));
	CHECK(diag_has(e.res, "size table"));
	fg_result_free(e.res);
	free(img);
}

TEST(uimage_script_and_compression_claims)
{
	const char *script = "setenv bootargs console=ttyS0\nbootm 0x80000000\n";
	size_t sl = strlen(script);
	uint8_t payload[256] = { 0 };
	put_be32(payload, (uint32_t)sl);
	memcpy(payload + 8, script, sl);
	ui_spec s = { 5, 2, 6, 1, "", 0, 0, 0 }; /* says gzip, is text */
	size_t len;
	uint8_t *img = make_uimage(&s, payload, 8 + sl, 0, &len);
	env e = unpack(&fg_format_uimage, img, len);
	REQUIRE(e.root && e.root->nchildren == 1);
	check_slice(e.root, "script", img, 72, sl);
	CHECK(strstr(e.root->format_info, "script linux arm gzip ''") != NULL);
	CHECK(strstr(e.root->format_info, "payload is not gzip") != NULL);
	fg_result_free(e.res);
	free(img);

	/* says gzip, holds xz */
	static const uint8_t xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0, 0, 4, 0xe6, 0xd6, 0xb4, 0x46 };
	s = kernel_spec;
	s.type = 3;
	s.comp = 1;
	img = make_uimage(&s, xz, sizeof(xz), 0, &len);
	e = unpack(&fg_format_uimage, img, len);
	REQUIRE(e.root);
	CHECK(child(e.root, "ramdisk") != NULL);
	CHECK(strstr(e.root->format_info, "; payload is xz") != NULL);
	fg_result_free(e.res);
	free(img);

	/* says none, holds gzip */
	static const uint8_t gz[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
	s.comp = 0;
	img = make_uimage(&s, gz, sizeof(gz), 0, &len);
	e = unpack(&fg_format_uimage, img, len);
	CHECK(strstr(e.root->format_info, "; payload is gzip") != NULL);
	fg_result_free(e.res);
	free(img);

	/* says lzma and looks it: no remark */
	static const uint8_t lz[] = { 0x5d, 0, 0, 0x80, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
	s.comp = 3;
	img = make_uimage(&s, lz, sizeof(lz), 0, &len);
	e = unpack(&fg_format_uimage, img, len);
	CHECK(strstr(e.root->format_info, "payload") == NULL);
	fg_result_free(e.res);
	free(img);
}

TEST(uimage_made_by_mkimage)
{
	const char *mk = tool("mkimage");
	if (!mk)
		return;
	char mkimage[PATH_MAX], a[PATH_MAX], b[PATH_MAX], out[PATH_MAX];
	fmt(mkimage, sizeof(mkimage), "%s", mk);
	fmt(a, sizeof(a), "%s/part-a", work_dir());
	fmt(b, sizeof(b), "%s/part-b", work_dir());
	fmt(out, sizeof(out), "%s/multi.img", work_dir());
	uint8_t *pa = noise(1001, 3), *pb = noise(2002, 4);
	spit(a, pa, 1001);
	spit(b, pb, 2002);
	REQUIRE(sh("'%s' -A mips -O linux -T multi -C none -a 0x80100000 -e 0x80100000 -n 'multi test' "
		   "-d '%s:%s' '%s' >/dev/null", mkimage, a, b, out) == 0);
	size_t len;
	uint8_t *img = slurp(out, &len);
	REQUIRE(img);
	uint64_t cl;
	CHECK_INT_EQ(fg_format_uimage.probe(img, len, &cl), 90);
	CHECK_INT_EQ(cl, len);
	env e = unpack(&fg_format_uimage, img, len);
	REQUIRE(e.root);
	CHECK_STR_EQ(e.root->format_info, "multi linux mips none 'multi test' load 0x80100000 entry 0x80100000");
	fg_node *n0 = child(e.root, "image-0"), *n1 = child(e.root, "image-1");
	CHECK(n0 && n0->data_len == 1001 && !memcmp(n0->data, pa, 1001));
	CHECK(n1 && n1->data_len == 2002 && !memcmp(n1->data, pb, 2002));
	check_no_diags(e.res);
	fg_result_free(e.res);
	free(img);

	fmt(out, sizeof(out), "%s/boot.scr", work_dir());
	spit(a, "echo hello\n", 11);
	REQUIRE(sh("'%s' -A arm -O linux -T script -C none -n boot -d '%s' '%s' >/dev/null", mkimage, a,
		   out) == 0);
	img = slurp(out, &len);
	REQUIRE(img);
	e = unpack(&fg_format_uimage, img, len);
	fg_node *s = child(e.root, "script");
	CHECK(s && s->data_len == 11 && !memcmp(s->data, "echo hello\n", 11));
	fg_result_free(e.res);
	free(img);
	free(pa);
	free(pb);
}

TEST(uimage_samples)
{
	size_t len;
	uint8_t *img = sample("fact_extractor/uboot/uboot.image_with_header", &len);
	if (img) {
		uint64_t cl;
		CHECK_INT_EQ(fg_format_uimage.probe(img, len, &cl), 90);
		CHECK_INT_EQ(cl, 64 + 32753);
		env e = unpack(&fg_format_uimage, img, (size_t)cl);
		REQUIRE(e.root);
		check_slice(e.root, "firmware", img, 64, 32753);
		CHECK_STR_EQ(e.root->format_info, "firmware linux mips lzma 'u-boot image' load 0x80010000 entry 0x80010000");
		check_no_diags(e.res); /* data CRC 0x385a8513 matches */
		fg_result_free(e.res);
		free(img);
	}
	img = sample("digoo-bb-m1/cramfs-root/boot/uImage", &len);
	if (img) {
		env e = unpack(&fg_format_uimage, img, len);
		REQUIRE(e.root);
		check_slice(e.root, "kernel", img, 64, len - 64);
		CHECK_STR_EQ(e.root->format_info, "kernel linux arm none 'Linux-3.0.101' load 0x80008000 entry 0x80008000");
		check_no_diags(e.res);
		fg_result_free(e.res);
		free(img);
	}
}

TEST(uimage_corpus)
{
	size_t len;
	uint8_t *img = corpus("cam-b_uimage-multi.bin", &len);
	if (img) {
		env e = unpack(&fg_format_uimage, img, len);
		REQUIRE(e.root);
		check_slice(e.root, "image-0", img, 76, 5448192);
		check_slice(e.root, "image-1", img, 5448268, 10948608);
		CHECK(!memcmp(child(e.root, "image-1")->data, "hsqs", 4));
		CHECK(strstr(e.root->format_info, "multi linux arm none 'IPC-200 2.1.7'") != NULL);
		check_no_diags(e.res);
		fg_result_free(e.res);
		free(img);
	}
	img = corpus("di-armel_lspro_initrd.buffalo", &len);
	if (img) {
		env e = unpack(&fg_format_uimage, img, len);
		REQUIRE(e.root);
		check_slice(e.root, "ramdisk", img, 64, len - 64);
		CHECK(strstr(e.root->format_info, "ramdisk linux arm gzip 'debian-installer ramdisk'") != NULL);
		CHECK(strstr(e.root->format_info, "; payload is xz") != NULL);
		fg_result_free(e.res);
		free(img);
	}
	img = corpus("di-armhf_tftpboot.scr", &len);
	if (img) {
		env e = unpack(&fg_format_uimage, img, len);
		REQUIRE(e.root);
		check_slice(e.root, "script", img, 72, 724);
		CHECK(strstr(e.root->format_info, "payload is not gzip") != NULL);
		fg_result_free(e.res);
		free(img);
	}
	img = corpus("gw-c_uimage-firmware.bin", &len);
	if (img) {
		env e = unpack(&fg_format_uimage, img, len);
		REQUIRE(e.root);
		check_slice(e.root, "firmware", img, 64, 14536704);
		CHECK(strstr(e.root->format_info, "firmware linux arm64 none 'GW-500 rootfs 1.8.0'") != NULL);
		check_no_diags(e.res);
		fg_result_free(e.res);
		free(img);
	}
}

/* ---- TRX -------------------------------------------------------------------- */

/* A TRX of VERSION with partitions at OFFS (0 = unused) and LEN bytes in
 * all, each byte after the header a function of its position. */
static uint8_t *make_trx(unsigned version, const uint32_t *offs, unsigned n, size_t len)
{
	uint8_t *b = calloc(1, len);
	memcpy(b, "HDR0", 4);
	put_le32(b + 4, (uint32_t)len);
	put_le32(b + 12, 0x10000u * version);
	for (unsigned i = 0; i < n; i++)
		put_le32(b + 16 + 4 * i, offs[i]);
	size_t hdr = version == 1 ? 28 : 32;
	for (size_t i = hdr; i < len; i++)
		b[i] = (uint8_t)(i * 7 + 1);
	uint32_t crc = ~(uint32_t)crc32(0, b + 12, (uInt)(len - 12));
	put_le32(b + 8, crc);
	return b;
}

TEST(trx_partitions_run_to_the_next_offset)
{
	uint32_t offs[3] = { 28, 1000, 0 };
	uint8_t *img = make_trx(1, offs, 3, 4096);
	uint8_t *blob = malloc(5000);
	memcpy(blob, img, 4096);
	memset(blob + 4096, 0xff, 904);
	uint64_t cl;
	CHECK_INT_EQ(fg_format_trx.probe(blob, 5000, &cl), 90);
	CHECK_INT_EQ(cl, 4096);
	env e = unpack(&fg_format_trx, blob, 5000);
	CHECK_INT_EQ(e.rc, 0);
	REQUIRE(e.root);
	CHECK_INT_EQ(e.root->nchildren, 2);
	check_slice(e.root, "partition-0", blob, 28, 972);
	check_slice(e.root, "partition-1", blob, 1000, 3096);
	CHECK_STR_EQ(e.root->format_info, "v1");
	CHECK_INT_EQ(e.root->src_length, 4096);
	check_no_diags(e.res);
	fg_result_free(e.res);
	free(img);
	free(blob);

	/* version 2: four slots, a 32-byte header; offsets need not be sorted
	 * by slot, each part ends at the next larger offset */
	uint32_t offs2[4] = { 2000, 32, 0, 3000 };
	img = make_trx(2, offs2, 4, 4000);
	CHECK_INT_EQ(fg_format_trx.probe(img, 4000, &cl), 0); /* out of order: refused */
	free(img);
	uint32_t offs3[4] = { 32, 2000, 3000, 3500 };
	img = make_trx(2, offs3, 4, 4000);
	CHECK_INT_EQ(fg_format_trx.probe(img, 4000, &cl), 90);
	e = unpack(&fg_format_trx, img, 4000);
	REQUIRE(e.root);
	CHECK_INT_EQ(e.root->nchildren, 4);
	check_slice(e.root, "partition-3", img, 3500, 500);
	CHECK_STR_EQ(e.root->format_info, "v2");
	fg_result_free(e.res);
	free(img);
}

TEST(trx_bad_crc_truncation_and_nonsense)
{
	uint32_t offs[3] = { 28, 1000, 2000 };
	uint8_t *img = make_trx(1, offs, 3, 4096);
	uint64_t cl;
	img[3000] ^= 0x40;
	CHECK(fg_format_trx.probe(img, 4096, &cl) < FG_CARVE_MIN_CONFIDENCE);
	env e = unpack(&fg_format_trx, img, 4096);
	CHECK(diag_has(e.res, "CRC mismatch"));
	CHECK_INT_EQ(e.root->nchildren, 3);
	fg_result_free(e.res);
	img[3000] ^= 0x40;

	CHECK(fg_format_trx.probe(img, 1500, &cl) > 0);
	CHECK_INT_EQ(cl, 1500);
	e = unpack(&fg_format_trx, img, 1500);
	REQUIRE(e.root);
	CHECK(diag_has(e.res, "truncated"));
	check_slice(e.root, "partition-1", img, 1000, 500);
	CHECK(child(e.root, "partition-2") == NULL);
	CHECK(diag_has(e.res, "outside"));
	fg_result_free(e.res);

	uint8_t save[4];
	memcpy(save, img + 16, 4);
	put_le32(img + 16, 5000); /* past the end */
	CHECK_INT_EQ(fg_format_trx.probe(img, 4096, &cl), 0);
	put_le32(img + 16, 10); /* inside the header */
	CHECK_INT_EQ(fg_format_trx.probe(img, 4096, &cl), 0);
	memcpy(img + 16, save, 4);
	put_le32(img + 12, 0x30000); /* version 3 */
	CHECK_INT_EQ(fg_format_trx.probe(img, 4096, &cl), 0);
	put_le32(img + 12, 0x10000);
	put_le32(img + 4, 20); /* shorter than its header */
	CHECK_INT_EQ(fg_format_trx.probe(img, 4096, &cl), 0);
	CHECK_INT_EQ(fg_format_trx.probe(img, 20, &cl), 0);
	free(img);
}

TEST(trx_sample_and_corpus)
{
	size_t len;
	uint8_t *img = sample("fact_extractor/trx/trx.img", &len);
	if (img) {
		uint64_t cl;
		CHECK_INT_EQ(fg_format_trx.probe(img, len, &cl), 90);
		env e = unpack(&fg_format_trx, img, len);
		REQUIRE(e.root);
		check_slice(e.root, "partition-0", img, 28, len - 28);
		CHECK(!memcmp(child(e.root, "partition-0")->data, "PK\3\4", 4));
		check_no_diags(e.res);
		fg_result_free(e.res);

		/* through the engine: the zip inside holds the FACT test files */
		if (fg_format_find("zip")) {
			fg_result *r = fg_result_new(NULL);
			fg_node *f = fg_node_new(&r->tree, "trx.img", 7, FG_NODE_FILE);
			f->flags = FG_NODE_FSROOT;
			f->data = img;
			f->data_len = f->size = len;
			r->tree.root = f;
			fg_unpack_all(&r->tree, &r->budget, &r->diags, 2, NULL);
			fg_node *p = f->unpacked ? child(f->unpacked, "partition-0") : NULL;
			REQUIRE(p && p->unpacked);
			CHECK(fg_tree_lookup(p->unpacked, "get_files_test/testfile1", false) != NULL);
			CHECK(fg_tree_lookup(p->unpacked, "get_files_test/testfile2", false) != NULL);
			CHECK(fg_tree_lookup(p->unpacked, "get_files_test/generic folder/test file 3_.txt", false) != NULL);
			fg_result_free(r);
		}
		free(img);
	}
	img = corpus("rtr-a_trx.bin", &len);
	if (img) {
		env e = unpack(&fg_format_trx, img, len);
		REQUIRE(e.root);
		check_slice(e.root, "partition-0", img, 28, 4915200 - 28);
		check_slice(e.root, "partition-1", img, 4915200, 7852032);
		CHECK(!memcmp(child(e.root, "partition-1")->data, "hsqs", 4));
		check_no_diags(e.res);
		fg_result_free(e.res);
		free(img);
	}
}

/* ---- FIT ------------------------------------------------------------------------ */

#define FIT_BUF (1u << 20)

static int add_node(void *fdt, int parent, const char *name)
{
	int n = fdt_add_subnode(fdt, parent, name);
	if (n < 0) {
		fprintf(stderr, "fdt_add_subnode %s: %s\n", name, fdt_strerror(n));
		abort();
	}
	return n;
}

/* An image node with TYPE and either embedded DATA or, when EXT_MODE is
 * 1 or 2, "data-offset" / "data-position" EXT_VALUE and "data-size". */
static void add_image(void *fdt, int images, const char *name, const char *type,
		      const uint8_t *data, size_t len, int ext_mode, uint32_t ext_value)
{
	int n = add_node(fdt, images, name);
	fdt_setprop_string(fdt, n, "description", name);
	fdt_setprop_string(fdt, n, "type", type);
	fdt_setprop_string(fdt, n, "arch", "arm");
	fdt_setprop_string(fdt, n, "compression", "none");
	fdt_setprop_u32(fdt, n, "load", 0x80008000);
	if (ext_mode == 0) {
		fdt_setprop(fdt, n, "data", data, (int)len);
	} else {
		fdt_setprop_u32(fdt, n, ext_mode == 1 ? "data-offset" : "data-position", ext_value);
		fdt_setprop_u32(fdt, n, "data-size", (uint32_t)len);
	}
	int h = add_node(fdt, n, "hash-1");
	fdt_setprop_string(fdt, h, "algo", "sha256");
	uint8_t v[32] = { 1, 2, 3 };
	fdt_setprop(fdt, h, "value", v, sizeof(v));
}

static void add_config(void *fdt, bool signed_config)
{
	int c = add_node(fdt, 0, "configurations");
	fdt_setprop_string(fdt, c, "default", "conf-1");
	int c1 = add_node(fdt, c, "conf-1");
	fdt_setprop_string(fdt, c1, "kernel", "kernel-1");
	fdt_setprop_string(fdt, c1, "fdt", "fdt-1");
	if (signed_config) {
		int s = add_node(fdt, c1, "signature-1");
		fdt_setprop_string(fdt, s, "algo", "sha256,rsa2048");
		fdt_setprop_string(fdt, s, "key-name-hint", "dev");
		static const char sign[] = "fdt\0kernel";
		fdt_setprop(fdt, s, "sign-images", sign, sizeof(sign));
	}
}

/* A FIT with a kernel, a dtb and a rootfs embedded. */
static uint8_t *make_fit(const uint8_t *k, size_t kl, const uint8_t *d, size_t dl,
			 const uint8_t *r, size_t rl, bool signed_config, size_t *len)
{
	uint8_t *fdt = calloc(1, FIT_BUF);
	if (fdt_create_empty_tree(fdt, FIT_BUF) != 0)
		abort();
	fdt_setprop_string(fdt, 0, "description", "test FIT");
	fdt_setprop_u32(fdt, 0, "timestamp", 1700000000);
	int images = add_node(fdt, 0, "images");
	add_image(fdt, images, "kernel-1", "kernel", k, kl, 0, 0);
	add_image(fdt, images, "fdt-1", "flat_dt", d, dl, 0, 0);
	add_image(fdt, images, "rootfs-1", "ramdisk", r, rl, 0, 0);
	add_config(fdt, signed_config);
	fdt_pack(fdt);
	*len = fdt_totalsize(fdt);
	return fdt;
}

/* The blob of name NAME inside the FIT is LEN bytes equal to WANT. */
static void check_fit_image(const fg_node *root, const char *name, const uint8_t *img, size_t img_len,
			    const uint8_t *want, size_t len)
{
	fg_node *n = child(root, name);
	if (!n) {
		fprintf(stderr, "  no %s\n", name);
		CHECK(n != NULL);
		return;
	}
	CHECK_INT_EQ(n->data_len, len);
	CHECK(n->data >= img && n->data + n->data_len <= img + img_len);
	CHECK(n->data_len == len && !memcmp(n->data, want, len));
}

TEST(fit_embedded_images_and_structure)
{
	uint8_t *k = noise(5000, 5), *d = noise(301, 6), *r = noise(7777, 7);
	size_t len;
	uint8_t *fit = make_fit(k, 5000, d, 301, r, 7777, true, &len);
	uint8_t *blob = malloc(len + 100);
	memcpy(blob, fit, len);
	memset(blob + len, 0, 100);
	uint64_t cl;
	CHECK_INT_EQ(fg_format_fit.probe(blob, len + 100, &cl), 90);
	CHECK_INT_EQ(cl, len);
	env e = unpack(&fg_format_fit, blob, len + 100);
	CHECK_INT_EQ(e.rc, 0);
	REQUIRE(e.root);
	CHECK_INT_EQ(e.root->nchildren, 4);
	check_fit_image(e.root, "kernel-1", blob, len, k, 5000);
	check_fit_image(e.root, "fdt-1", blob, len, d, 301);
	check_fit_image(e.root, "rootfs-1", blob, len, r, 7777);
	CHECK_INT_EQ(child(e.root, "kernel-1")->mtime, 1700000000);
	CHECK_INT_EQ(e.root->src_length, len);
	CHECK_STR_EQ(e.root->format_info, "3 images, 1 configuration, signed configurations");
	fg_node *its = child(e.root, "fit.its.txt");
	REQUIRE(its && its->data_len);
	char *text = strndup((const char *)its->data, its->data_len);
	CHECK(strstr(text, "description = \"test FIT\";") != NULL);
	CHECK(strstr(text, "\t\tkernel-1 {\n") != NULL);
	CHECK(strstr(text, "data = [5000 bytes];") != NULL);
	CHECK(strstr(text, "type = \"flat_dt\";") != NULL);
	CHECK(strstr(text, "load = <0x80008000>;") != NULL);
	CHECK(strstr(text, "algo = \"sha256\";") != NULL);
	CHECK(strstr(text, "\t\t\tsignature-1 {\n") != NULL);
	CHECK(strstr(text, "algo = \"sha256,rsa2048\";") != NULL);
	CHECK(strstr(text, "sign-images = \"fdt\", \"kernel\";") != NULL);
	CHECK(strstr(text, "timestamp = <0x6553f100>;") != NULL);
	/* braces balance */
	int depth = 0;
	for (char *p = text; *p; p++)
		depth += *p == '{' ? 1 : *p == '}' ? -1 : 0;
	CHECK_INT_EQ(depth, 0);
	free(text);
	check_no_diags(e.res);
	fg_result_free(e.res);

	/* the same FIT at an odd address: parsed from an aligned copy, the
	 * files still point into the original */
	uint8_t *odd = malloc(len + 8);
	memcpy(odd + 3, fit, len);
	CHECK_INT_EQ(fg_format_fit.probe(odd + 3, len, &cl), 90);
	e = unpack(&fg_format_fit, odd + 3, len);
	REQUIRE(e.root);
	check_fit_image(e.root, "rootfs-1", odd + 3, len, r, 7777);
	fg_result_free(e.res);
	free(odd);
	free(blob);
	free(fit);
	free(k);
	free(d);
	free(r);
}

TEST(fit_external_data)
{
	uint8_t *k = noise(3000, 8), *d = noise(123, 9);
	uint8_t *fdt = calloc(1, FIT_BUF);
	REQUIRE(fdt_create_empty_tree(fdt, FIT_BUF) == 0);
	int images = add_node(fdt, 0, "images");
	add_image(fdt, images, "kernel-1", "kernel", k, 3000, 1, 0);  /* data-offset 0 */
	add_image(fdt, images, "fdt-1", "flat_dt", d, 123, 2, 0);     /* position set below */
	add_config(fdt, false);
	fdt_pack(fdt);
	size_t tree = fdt_totalsize(fdt);
	size_t base = (tree + 3) & ~(size_t)3;
	size_t dpos = base + 3000 + 1000;
	fdt_setprop_inplace_u32(fdt, fdt_path_offset(fdt, "/images/fdt-1"), "data-position", (uint32_t)dpos);
	size_t len = dpos + 123;
	uint8_t *img = calloc(1, len + 64);
	memcpy(img, fdt, tree);
	memcpy(img + base, k, 3000);
	memcpy(img + dpos, d, 123);
	uint64_t cl;
	CHECK_INT_EQ(fg_format_fit.probe(img, len + 64, &cl), 90);
	CHECK_INT_EQ(cl, (len + 3) & ~(size_t)3); /* with mkimage's padding */
	env e = unpack(&fg_format_fit, img, len + 64);
	REQUIRE(e.root);
	check_fit_image(e.root, "kernel-1", img, len, k, 3000);
	check_fit_image(e.root, "fdt-1", img, len, d, 123);
	CHECK_INT_EQ(e.root->src_length, (len + 3) & ~(size_t)3);
	CHECK_STR_EQ(e.root->format_info, "2 images, 1 configuration");
	check_no_diags(e.res);
	fg_result_free(e.res);

	/* cut before the external data ends */
	CHECK_INT_EQ(fg_format_fit.probe(img, len - 50, &cl), 60);
	CHECK_INT_EQ(cl, len - 50);
	e = unpack(&fg_format_fit, img, len - 50);
	REQUIRE(e.root);
	fg_node *f = child(e.root, "fdt-1");
	CHECK(f && f->data_len == 73 && f->size == 123 && (f->flags & FG_NODE_TRUNCATED));
	CHECK(diag_has(e.res, "truncated"));
	fg_result_free(e.res);

	/* a position far outside: refused, the rest kept */
	fdt_setprop_inplace_u32(img, fdt_path_offset(img, "/images/fdt-1"), "data-position", 0xfffffff0u);
	e = unpack(&fg_format_fit, img, len);
	REQUIRE(e.root);
	f = child(e.root, "fdt-1");
	CHECK(f && f->data_len == 0);
	CHECK(diag_has(e.res, "outside"));
	CHECK(child(e.root, "kernel-1") != NULL);
	fg_result_free(e.res);
	free(img);
	free(fdt);
	free(k);
	free(d);
}

TEST(fit_plain_dtb_and_broken_trees)
{
	uint8_t *fdt = calloc(1, 4096);
	REQUIRE(fdt_create_empty_tree(fdt, 4096) == 0);
	int n = add_node(fdt, 0, "chosen");
	fdt_setprop_string(fdt, n, "bootargs", "console=ttyS0");
	fdt_pack(fdt);
	size_t len = fdt_totalsize(fdt);
	uint64_t cl;
	CHECK_INT_EQ(fg_format_fit.probe(fdt, len, &cl), 1);
	env e = unpack(&fg_format_fit, fdt, len);
	CHECK(e.rc < 0);
	CHECK_INT_EQ(e.root->nchildren, 0);
	check_no_diags(e.res); /* not a FIT: nothing to report */
	fg_result_free(e.res);

	/* a property whose length runs past the structure block */
	uint8_t *k = noise(100, 1);
	uint8_t *fit = make_fit(k, 100, k, 10, k, 20, false, &len);
	const uint8_t *v = fdt_getprop(fit, fdt_path_offset(fit, "/images/kernel-1"), "data", NULL);
	REQUIRE(v);
	uint8_t *plen = fit + (v - fit) - 8;
	uint8_t save[4];
	memcpy(save, plen, 4);
	put_be32(plen, 0x7fffffff);
	CHECK_INT_EQ(fg_format_fit.probe(fit, len, &cl), 0);
	e = unpack(&fg_format_fit, fit, len);
	CHECK(e.rc < 0);
	CHECK(diag_has(e.res, "not a usable flattened device tree"));
	fg_result_free(e.res);
	memcpy(plen, save, 4);
	CHECK_INT_EQ(fg_format_fit.probe(fit, len, &cl), 90);

	/* a total size beyond the buffer */
	CHECK_INT_EQ(fg_format_fit.probe(fit, len - 1, &cl), 0);

	/* random damage: whatever comes out, no crash */
	uint8_t *copy = malloc(len);
	uint32_t seed = 99;
	for (int round = 0; round < 2000; round++) {
		memcpy(copy, fit, len);
		for (int j = 0; j < 1 + round % 8; j++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			copy[at] = (uint8_t)(seed >> 16);
		}
		fg_format_fit.probe(copy, len, &cl);
		e = unpack(&fg_format_fit, copy, len);
		fg_result_free(e.res);
	}
	free(copy);
	free(k);
	free(fit);
	free(fdt);
}

TEST(uimage_and_trx_random_headers)
{
	uint8_t buf[512];
	uint32_t seed = 7;
	for (int round = 0; round < 20000; round++) {
		for (size_t i = 0; i < sizeof(buf); i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (uint8_t)(seed >> 16);
		}
		size_t len = 64 + (seed >> 8) % (sizeof(buf) - 64);
		if (round & 1) {
			put_be32(buf, 0x27051956);
			if (round & 2) {
				buf[30] = 4; /* multi: a size table from noise */
				buf[31] = 0;
			}
			put_be32(buf + 4, 0);
			put_be32(buf + 4, (uint32_t)crc32(0, buf, 64));
			uint64_t cl = 0;
			int c = fg_format_uimage.probe(buf, len, &cl);
			CHECK(c == 0 || cl <= len);
			env e = unpack(&fg_format_uimage, buf, len);
			fg_result_free(e.res);
		} else {
			memcpy(buf, "HDR0", 4);
			put_le32(buf + 12, round & 2 ? 0x10000 : 0x20000);
			if (round & 4)
				put_le32(buf + 4, (uint32_t)len);
			uint64_t cl = 0;
			int c = fg_format_trx.probe(buf, len, &cl);
			CHECK(c == 0 || cl <= len);
			env e = unpack(&fg_format_trx, buf, len);
			fg_result_free(e.res);
		}
	}
}

TEST(fit_made_by_mkimage)
{
	const char *mk = tool("mkimage");
	char mkimage[PATH_MAX], its[PATH_MAX], out[PATH_MAX], kp[PATH_MAX], dp[PATH_MAX];
	if (!mk)
		return;
	fmt(mkimage, sizeof(mkimage), "%s", mk); /* before tool() reuses its buffer */
	if (!tool("dtc"))
		return;
	fmt(its, sizeof(its), "%s/t.its", work_dir());
	fmt(kp, sizeof(kp), "%s/kernel.bin", work_dir());
	fmt(dp, sizeof(dp), "%s/board.dtb", work_dir());
	uint8_t *k = noise(20001, 11), *d = noise(999, 12);
	spit(kp, k, 20001);
	spit(dp, d, 999);
	char text[2048];
	fmt(text, sizeof(text),
	    "/dts-v1/;\n/ {\n\tdescription = \"mkimage FIT\";\n\t#address-cells = <1>;\n"
	    "\timages {\n"
	    "\t\tkernel-1 { description = \"k\"; data = /incbin/(\"%s\"); type = \"kernel\"; "
	    "arch = \"arm\"; os = \"linux\"; compression = \"none\"; load = <0x80008000>; "
	    "entry = <0x80008000>; hash-1 { algo = \"crc32\"; }; };\n"
	    "\t\tfdt-1 { description = \"d\"; data = /incbin/(\"%s\"); type = \"flat_dt\"; "
	    "arch = \"arm\"; compression = \"none\"; hash-1 { algo = \"sha1\"; }; };\n"
	    "\t};\n\tconfigurations {\n\t\tdefault = \"conf-1\";\n"
	    "\t\tconf-1 { kernel = \"kernel-1\"; fdt = \"fdt-1\"; };\n\t};\n};\n", kp, dp);
	spit(its, text, strlen(text));
	static const char *const modes[] = { "", "-E", "-E -p 0x1000" };
	for (size_t m = 0; m < 3; m++) {
		fmt(out, sizeof(out), "%s/t%zu.itb", work_dir(), m);
		if (sh("'%s' %s -f '%s' '%s' >/dev/null 2>&1", mkimage, modes[m], its, out) != 0) {
			printf("mkimage %s failed: skipping that mode\n", modes[m]);
			continue;
		}
		size_t len;
		uint8_t *img = slurp(out, &len);
		REQUIRE(img);
		uint64_t cl;
		CHECK_INT_EQ(fg_format_fit.probe(img, len, &cl), 90);
		CHECK_INT_EQ(cl, len);
		env e = unpack(&fg_format_fit, img, len);
		REQUIRE(e.root);
		check_fit_image(e.root, "kernel-1", img, len, k, 20001);
		check_fit_image(e.root, "fdt-1", img, len, d, 999);
		CHECK_INT_EQ(e.root->src_length, len);
		check_no_diags(e.res);
		fg_node *t = child(e.root, "fit.its.txt");
		REQUIRE(t);
		char *s = strndup((const char *)t->data, t->data_len);
		CHECK(strstr(s, m ? "data-size = <0x00004e21>;" : "data = [20001 bytes];") != NULL);
		CHECK(strstr(s, "algo = \"crc32\";") != NULL);
		free(s);
		fg_result_free(e.res);
		free(img);
	}
	free(k);
	free(d);
}

TEST(fit_sample_and_corpus)
{
	size_t len;
	uint8_t *img = sample("fact_extractor/uboot/fit.itb", &len);
	if (img) {
		env e = unpack(&fg_format_fit, img, len);
		REQUIRE(e.root);
		CHECK(child(e.root, "kernel") && child(e.root, "fdt") && child(e.root, "rootfs"));
		CHECK(!memcmp(child(e.root, "kernel")->data, "\x1f\x8b", 2));
		fg_node *t = child(e.root, "fit.its.txt");
		REQUIRE(t);
		char *s = strndup((const char *)t->data, t->data_len);
		CHECK(strstr(s, "description = \"FACT Test FIT Image\";") != NULL);
		free(s);
		check_no_diags(e.res);
		fg_result_free(e.res);
		free(img);
	}
	static const struct {
		const char *image;
		size_t koff, doff, dlen, roff, rlen;
	} fits[] = {
		{ "cam-b_fit.itb", 204, 5448648, 70096, 5518912, 11599910 },
		{ "clean-d_fit.itb", 204, 5448648, 68230, 5517048, 9912320 },
	};
	for (size_t i = 0; i < 2; i++) {
		img = corpus(fits[i].image, &len);
		if (!img)
			continue;
		uint64_t cl;
		CHECK_INT_EQ(fg_format_fit.probe(img, len, &cl), 90);
		CHECK_INT_EQ(cl, len);
		env e = unpack(&fg_format_fit, img, len);
		REQUIRE(e.root);
		check_slice(e.root, "kernel-1", img, fits[i].koff, 5448192);
		check_slice(e.root, "fdt-1", img, fits[i].doff, fits[i].dlen);
		check_slice(e.root, "rootfs-1", img, fits[i].roff, fits[i].rlen);
		check_no_diags(e.res);
		fg_result_free(e.res);
		free(img);
	}
}

__attribute__((constructor)) static void cleanup_at_exit(void)
{
	atexit(remove_work);
}
