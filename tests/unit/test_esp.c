/*
 * test_esp.c - Espressif images, partition tables and flash dumps.
 *
 * Images are built byte by byte here (headers, segments, checksum,
 * digest, the app and bootloader descriptors), so each case says what it
 * tests; the real esptool and NONOS SDK samples are checked against what
 * SOURCES.md documents when present, and flash dumps are assembled from
 * them at the documented offsets.
 */
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/result.h"
#include "test.h"
#include "unpack/engine.h"
#include "unpack/esp_image.h"
#include "unpack/format.h"

extern const fg_format fg_format_esp_image;
extern const fg_format fg_format_esp_flash;
extern const fg_format fg_format_esp_partitions;
extern const fg_format fg_format_esp_init_data;

/* ---- helpers ------------------------------------------------------------ */

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

static uint8_t *sample(const char *rel, size_t *len)
{
	const char *shared = getenv("FG_SHARED_DIR");
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/samples/%s", shared && *shared ? shared : "/work/shared", rel);
	uint8_t *d = slurp(p, len);
	if (!d)
		printf("%s not found: skipping\n", p);
	return d;
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

/* The whole engine over one blob. */
static fg_result *scan_blob(const uint8_t *blob, size_t len)
{
	fg_result *r = fg_result_new(NULL);
	fg_node *f = fg_node_new(&r->tree, "flash.bin", 9, FG_NODE_FILE);
	f->flags = FG_NODE_FSROOT;
	f->data = blob;
	f->data_len = len;
	f->size = len;
	r->tree.root = f;
	fg_unpack_all(&r->tree, &r->budget, &r->diags, 2, NULL);
	return r;
}

static bool diag_has(const fg_result *r, const char *needle)
{
	for (size_t i = 0; i < r->diags.items.n; i++)
		if (strstr(r->diags.items.v[i].message, needle))
			return true;
	return false;
}

static fg_node *child(const fg_node *root, const char *name)
{
	return root ? fg_node_find_child(root, name, strlen(name)) : NULL;
}

static bool info_has(const fg_node *root, const char *needle)
{
	bool ok = root && root->format_info && strstr(root->format_info, needle);
	if (!ok)
		fprintf(stderr, "  format_info \"%s\" lacks \"%s\"\n",
			root && root->format_info ? root->format_info : "(none)", needle);
	return ok;
}

static int probe(const fg_format *f, const uint8_t *d, size_t n, uint64_t *cl)
{
	*cl = 0;
	return f->probe(d, n, cl);
}

/* ---- building images ------------------------------------------------------ */

typedef struct img {
	uint8_t b[1 << 16];
	size_t n;
} img;

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void bytes(img *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

/* Header of an ESP32-family image (CHIP >= 0) or an ESP8266 one. */
static void header(img *m, uint8_t magic, unsigned nseg, uint32_t entry, int chip, bool digest)
{
	memset(m, 0, sizeof(*m));
	uint8_t h[8] = { magic, (uint8_t)nseg, 2, 0x20 };
	put32(h + 4, entry);
	bytes(m, h, 8);
	if (chip >= 0) {
		uint8_t e[16] = { 0xEE };
		e[4] = (uint8_t)chip;
		e[15] = digest;
		bytes(m, e, 16);
	}
}

static void segment(img *m, uint32_t addr, const uint8_t *data, uint32_t len)
{
	uint8_t h[8];
	put32(h, addr);
	put32(h + 4, len);
	bytes(m, h, 8);
	bytes(m, data, len);
}

/* Padding, the checksum over the segments from SEG0 (their offsets
 * known to the caller through the image), and the digest. */
static void finish(img *m, size_t first_seg, unsigned nseg, bool digest)
{
	uint8_t sum = 0xEF;
	size_t pos = first_seg;
	for (unsigned i = 0; i < nseg; i++) {
		uint32_t len = (uint32_t)m->b[pos + 4] | (uint32_t)m->b[pos + 5] << 8 |
			       (uint32_t)m->b[pos + 6] << 16 | (uint32_t)m->b[pos + 7] << 24;
		for (uint32_t k = 0; k < len; k++)
			sum ^= m->b[pos + 8 + k];
		pos += 8 + len;
	}
	while (m->n % 16 != 15)
		m->b[m->n++] = 0;
	m->b[m->n++] = sum;
	if (digest) {
		unsigned int k = 0;
		EVP_Digest(m->b, m->n, m->b + m->n, &k, EVP_sha256(), NULL);
		m->n += 32;
	}
}

static void app_desc(uint8_t *d)
{
	memset(d, 0, 256);
	put32(d, 0xABCD5432);
	put32(d + 4, 3);
	strcpy((char *)d + 16, "1.2.3");
	strcpy((char *)d + 48, "thermostat");
	strcpy((char *)d + 80, "12:34:56");
	strcpy((char *)d + 96, "Jan  2 2024");
	strcpy((char *)d + 112, "v5.1.2-dirty");
	memset(d + 144, 0xAB, 32);
}

/* An ESP32-C3 app: DROM with the descriptor, DRAM, IRAM, IROM. */
static void c3_app(img *m, bool digest)
{
	uint8_t drom[300], dram[40], iram[64], irom[100];
	app_desc(drom);
	memset(drom + 256, 'd', sizeof(drom) - 256);
	memset(dram, 0x11, sizeof(dram));
	memset(iram, 0x22, sizeof(iram));
	memset(irom, 0x33, sizeof(irom));
	header(m, 0xE9, 4, 0x40380000, 5, digest);
	segment(m, 0x3C000020, drom, sizeof(drom));
	segment(m, 0x3FC88000, dram, sizeof(dram));
	segment(m, 0x40380000, iram, sizeof(iram));
	segment(m, 0x42000020, irom, sizeof(irom));
	finish(m, 24, 4, digest);
}

/* ---- ESP32 family ------------------------------------------------------------ */

TEST(esp32_app_with_descriptor_and_digest)
{
	static img m;
	c3_app(&m, true);
	uint64_t cl;
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n, &cl), 90);
	CHECK_INT_EQ(cl, m.n);
	/* trailing bytes are not claimed */
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n + 100, &cl), 90);
	CHECK_INT_EQ(cl, m.n);

	env e = unpack(&fg_format_esp_image, m.b, m.n);
	CHECK_INT_EQ(e.rc, 0);
	CHECK_INT_EQ(e.root->src_length, m.n);
	CHECK(info_has(e.root, "ESP32-C3 app"));
	CHECK(info_has(e.root, "project 'thermostat'"));
	CHECK(info_has(e.root, "version '1.2.3'"));
	CHECK(info_has(e.root, "ESP-IDF v5.1.2-dirty"));
	CHECK(info_has(e.root, "compiled Jan  2 2024 12:34:56"));
	CHECK(info_has(e.root, "secure version 3"));
	CHECK(info_has(e.root, "checksum ok"));
	CHECK(info_has(e.root, "sha256 ok"));
	CHECK(info_has(e.root, "ELF sha256 abab"));
	CHECK_INT_EQ(e.root->nchildren, 4);
	fg_node *drom = child(e.root, "seg0-0x3c000020.bin");
	REQUIRE(drom);
	CHECK_INT_EQ(drom->data_len, 300);
	CHECK(drom->data == m.b + 32);
	CHECK(child(e.root, "seg3-0x42000020.bin") != NULL);
	CHECK_INT_EQ(e.res->diags.items.n, 0);
	fg_result_free(e.res);

	fg_esp_image p;
	CHECK(fg_esp_image_parse(m.b, m.n, &p) == FG_ESP_OK);
	CHECK(p.has_app_desc && !p.has_boot_desc && !p.esp8266);
	CHECK_STR_EQ(p.chip, "ESP32-C3");
	CHECK_INT_EQ(fg_esp_image_digest_ok(m.b, &p), 1);
}

TEST(esp32_checksum_and_digest_mismatch)
{
	static img m;
	c3_app(&m, true);
	m.b[24 + 8 + 280] ^= 0x40; /* a DROM byte: checksum and digest both break */
	uint64_t cl;
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n, &cl), 25); /* never carved */
	env e = unpack(&fg_format_esp_image, m.b, m.n);
	CHECK_INT_EQ(e.rc, 0);
	CHECK(diag_has(e.res, "checksum mismatch"));
	CHECK(diag_has(e.res, "SHA-256 does not match"));
	CHECK(info_has(e.root, "sha256 mismatch"));
	fg_result_free(e.res);

	/* only the digest wrong */
	c3_app(&m, true);
	m.b[m.n - 1] ^= 1;
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n, &cl), 90);
	e = unpack(&fg_format_esp_image, m.b, m.n);
	CHECK(diag_has(e.res, "SHA-256 does not match"));
	CHECK(!diag_has(e.res, "checksum mismatch"));
	fg_result_free(e.res);
}

TEST(esp32_truncated_keeps_what_is_there)
{
	static img m;
	c3_app(&m, false);
	for (size_t cut = 8; cut < m.n; cut += 7) {
		uint64_t cl;
		int c = probe(&fg_format_esp_image, m.b, cut, &cl);
		CHECK(c == 0 || c == 20);
		if (c) {
			CHECK_INT_EQ(cl, cut);
			env e = unpack(&fg_format_esp_image, m.b, cut);
			CHECK(diag_has(e.res, "truncated"));
			for (size_t i = 0; i < e.root->nchildren; i++)
				CHECK(e.root->children[i]->data + e.root->children[i]->data_len <= m.b + cut);
			fg_result_free(e.res);
		}
	}
	/* a segment cut in the middle is kept, flagged */
	env e = unpack(&fg_format_esp_image, m.b, 24 + 8 + 100);
	fg_node *s = child(e.root, "seg0-0x3c000020.bin");
	REQUIRE(s);
	CHECK_INT_EQ(s->data_len, 100);
	CHECK_INT_EQ(s->size, 300);
	CHECK(s->flags & FG_NODE_TRUNCATED);
	fg_result_free(e.res);
}

TEST(esp32_absurd_headers_rejected)
{
	static img m;
	uint8_t d[16] = { 1, 2, 3 };
	uint64_t cl;
	/* 17 segments */
	header(&m, 0xE9, 17, 0x40380000, 5, false);
	for (int i = 0; i < 17; i++)
		segment(&m, 0x3FC88000, d, sizeof(d));
	finish(&m, 24, 17, false);
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n, &cl), 0);
	/* no segments */
	header(&m, 0xE9, 0, 0x40380000, 5, false);
	finish(&m, 24, 0, false);
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n, &cl), 0);
	/* a load address the C3 cannot load */
	header(&m, 0xE9, 1, 0x40380000, 5, false);
	segment(&m, 0x20000000, d, sizeof(d));
	finish(&m, 24, 1, false);
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n, &cl), 0);
	/* an ESP32-S3 address in a C3 image */
	header(&m, 0xE9, 1, 0x40380000, 5, false);
	segment(&m, 0x3FCF0000, d, sizeof(d));
	finish(&m, 24, 1, false);
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n, &cl), 0);
	/* a segment length past the 16 MiB any chip maps */
	header(&m, 0xE9, 1, 0x40380000, 5, false);
	segment(&m, 0x42000000, d, sizeof(d));
	put32(m.b + 24 + 4, 0x7FFFFFF0);
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n, &cl), 0);
	/* the digest flag is a boolean, reserved bytes are zero */
	header(&m, 0xE9, 1, 0x40380000, 5, false);
	segment(&m, 0x3FC88000, d, sizeof(d));
	finish(&m, 24, 1, false);
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n, &cl), 90);
	m.b[8 + 15] = 2;
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n, &cl), 0);
	m.b[8 + 15] = 0;
	m.b[8 + 12] = 1;
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n, &cl), 0);
	m.b[8 + 12] = 0;
	/* an entry point outside the chip */
	put32(m.b + 4, 0x12345678);
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n, &cl), 0);
	/* a bad flash mode */
	put32(m.b + 4, 0x40380000);
	m.b[2] = 9;
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n, &cl), 0);
	/* a chip id nobody made: the generic bus window, lower confidence */
	m.b[2] = 2;
	m.b[8 + 4] = 50;
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n, &cl), 70);
	env e = unpack(&fg_format_esp_image, m.b, m.n);
	CHECK(info_has(e.root, "chip id 50"));
	fg_result_free(e.res);
}

TEST(esp32_bootloader_descriptor)
{
	static img m;
	uint8_t dram[120] = { 0x50, 0, 0, 0, 1, 0, 0, 0 };
	strcpy((char *)dram + 8, "v5.3.1");
	strcpy((char *)dram + 40, "Feb  3 2025 10:11:12");
	uint8_t iram[32] = { 9 };
	header(&m, 0xE9, 2, 0x40080400, 0, true);
	segment(&m, 0x3FFF0030, dram, sizeof(dram));
	segment(&m, 0x40080400, iram, sizeof(iram));
	finish(&m, 24, 2, true);
	env e = unpack(&fg_format_esp_image, m.b, m.n);
	CHECK(info_has(e.root, "ESP32 bootloader v1, ESP-IDF v5.3.1, compiled Feb  3 2025 10:11:12"));
	fg_result_free(e.res);
	/* text after the NUL of a field: not a descriptor */
	memcpy(dram + 8 + 10, "junk", 4);
	header(&m, 0xE9, 2, 0x40080400, 0, true);
	segment(&m, 0x3FFF0030, dram, sizeof(dram));
	segment(&m, 0x40080400, iram, sizeof(iram));
	finish(&m, 24, 2, true);
	fg_esp_image p;
	CHECK(fg_esp_image_parse(m.b, m.n, &p) == FG_ESP_OK);
	CHECK(!p.has_boot_desc);
}

TEST(esp_idf_release)
{
	char v[32];
	CHECK(fg_esp_idf_release("v5.0-beta1-427-g4532e6e0b2-dirt", v, sizeof(v)));
	CHECK_STR_EQ(v, "5.0");
	CHECK(fg_esp_idf_release("v4.4.7", v, sizeof(v)));
	CHECK_STR_EQ(v, "4.4.7");
	CHECK(fg_esp_idf_release("v5.2-dev-254-g1950b15", v, sizeof(v)));
	CHECK_STR_EQ(v, "5.2");
	CHECK(!fg_esp_idf_release("qa-test", v, sizeof(v)));
	CHECK(!fg_esp_idf_release("v5", v, sizeof(v)));
}

/* ---- ESP8266 --------------------------------------------------------------------- */

static void esp8266_app(img *m)
{
	static const char rodata[] = "2.2.1(6ab97e9)\0junk\0SDK ver: %s compiled @ Jun  7 2019 09:08:07\0";
	uint8_t iram[64];
	memset(iram, 0x44, sizeof(iram));
	header(m, 0xE9, 2, 0x40100004, -1, false);
	segment(m, 0x40100000, iram, sizeof(iram));
	segment(m, 0x3FFE8000, (const uint8_t *)rodata, sizeof(rodata));
	finish(m, 8, 2, false);
}

TEST(esp8266_image_and_sdk_strings)
{
	static img m;
	esp8266_app(&m);
	uint64_t cl;
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n, &cl), 85);
	CHECK_INT_EQ(cl, m.n);
	env e = unpack(&fg_format_esp_image, m.b, m.n);
	CHECK(info_has(e.root, "ESP8266 image"));
	CHECK(info_has(e.root, "SDK 2.2.1(6ab97e9) compiled Jun 7 2019 09:08:07"));
	CHECK(child(e.root, "seg1-0x3ffe8000.bin") != NULL);
	fg_result_free(e.res);
}

TEST(esp8266_ota_v2_image_and_crc)
{
	static img inner, m;
	esp8266_app(&inner);
	uint8_t irom[200];
	memset(irom, 0x5A, sizeof(irom));
	memset(&m, 0, sizeof(m));
	uint8_t h[16] = { 0xEA, 4, 0, 0x01 };
	put32(h + 4, 0x40100004);
	put32(h + 12, sizeof(irom));
	bytes(&m, h, 16);
	bytes(&m, irom, sizeof(irom));
	/* the inner image, its checksum realigned to the file */
	size_t inner_at = m.n;
	bytes(&m, inner.b, 8);
	size_t segs = m.n;
	size_t pos = 8;
	for (int i = 0; i < 2; i++) {
		uint32_t len = inner.b[pos + 4] | (uint32_t)inner.b[pos + 5] << 8;
		bytes(&m, inner.b + pos, 8 + len);
		pos += 8 + len;
	}
	(void)inner_at;
	finish(&m, segs, 2, false);
	uLong crc = crc32(0, m.b, (uInt)m.n);
	uint32_t c = (uint32_t)crc & 0x80000000u ? (uint32_t)crc ^ 0xFFFFFFFFu : (uint32_t)crc + 1;
	put32(m.b + m.n, c);
	m.n += 4;

	uint64_t cl;
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n + 50, &cl), 95);
	CHECK_INT_EQ(cl, m.n);
	env e = unpack(&fg_format_esp_image, m.b, m.n);
	CHECK(info_has(e.root, "ESP8266 OTA v2 image"));
	CHECK(info_has(e.root, "crc32 ok"));
	CHECK(info_has(e.root, "irom 200 bytes"));
	fg_node *ir = child(e.root, "irom0.bin");
	REQUIRE(ir);
	CHECK(ir->data == m.b + 16 && ir->data_len == 200);
	fg_result_free(e.res);

	/* a wrong CRC is reported, not fatal */
	m.b[m.n - 1] ^= 0x80;
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n, &cl), 85);
	e = unpack(&fg_format_esp_image, m.b, m.n);
	CHECK(diag_has(e.res, "CRC32 mismatch"));
	fg_result_free(e.res);
	/* the two headers must agree on the entry point */
	m.b[m.n - 1] ^= 0x80;
	put32(m.b + 4, 0x40100008);
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n, &cl), 0);
	/* an irom longer than the chip maps */
	put32(m.b + 4, 0x40100004);
	put32(m.b + 12, 0x200000);
	CHECK_INT_EQ(probe(&fg_format_esp_image, m.b, m.n, &cl), 0);
}

/* ---- partition tables --------------------------------------------------------- */

static void pt_entry(uint8_t *p, uint8_t type, uint8_t sub, uint32_t off, uint32_t size,
		     const char *label)
{
	memset(p, 0, 32);
	p[0] = 0xAA;
	p[1] = 0x50;
	p[2] = type;
	p[3] = sub;
	put32(p + 4, off);
	put32(p + 8, size);
	memcpy(p + 12, label, strlen(label));
}

/* nvs, phy_init, factory, ota_0 and the MD5 entry; 0xFF after. */
static size_t pt_table(uint8_t *t, bool md5_ok)
{
	memset(t, 0xFF, 0xC00);
	pt_entry(t, 1, 2, 0x9000, 0x6000, "nvs");
	pt_entry(t + 32, 1, 1, 0xF000, 0x1000, "phy_init");
	pt_entry(t + 64, 0, 0, 0x10000, 0x100000, "factory");
	pt_entry(t + 96, 0, 0x10, 0x110000, 0x100000, "ota_0");
	uint8_t *m = t + 128;
	m[0] = m[1] = 0xEB;
	unsigned int k = 0;
	EVP_Digest(t, 128, m + 16, &k, EVP_md5(), NULL);
	if (!md5_ok)
		m[20] ^= 1;
	return 160;
}

TEST(partition_table)
{
	static uint8_t t[0xC00];
	size_t n = pt_table(t, true);
	uint64_t cl;
	CHECK_INT_EQ(probe(&fg_format_esp_partitions, t, sizeof(t), &cl), 90);
	CHECK_INT_EQ(cl, n);
	env e = unpack(&fg_format_esp_partitions, t, sizeof(t));
	CHECK_INT_EQ(e.rc, 0);
	CHECK_INT_EQ(e.root->nchildren, 0);
	CHECK(info_has(e.root, "4 partitions, MD5 ok"));
	CHECK(info_has(e.root, "factory app/factory 0x10000 1M"));
	CHECK(info_has(e.root, "ota_0 app/ota_0 0x110000 1M"));
	CHECK(info_has(e.root, "nvs data/nvs 0x9000 24K"));
	fg_result_free(e.res);

	pt_table(t, false);
	CHECK_INT_EQ(probe(&fg_format_esp_partitions, t, sizeof(t), &cl), 30);
	e = unpack(&fg_format_esp_partitions, t, sizeof(t));
	CHECK(diag_has(e.res, "MD5 mismatch"));
	fg_result_free(e.res);

	/* unaligned offset, bad label, odd flags: not an entry */
	pt_table(t, true);
	put32(t + 4, 0x9001);
	CHECK_INT_EQ(probe(&fg_format_esp_partitions, t, sizeof(t), &cl), 0);
	pt_table(t, true);
	t[12 + 3] = 0x01;
	CHECK_INT_EQ(probe(&fg_format_esp_partitions, t, sizeof(t), &cl), 0);
	pt_table(t, true);
	put32(t + 28, 0x100);
	CHECK_INT_EQ(probe(&fg_format_esp_partitions, t, sizeof(t), &cl), 0);
	/* a partition running past 1 GiB */
	pt_table(t, true);
	put32(t + 8, 0xFFFFF000);
	CHECK_INT_EQ(probe(&fg_format_esp_partitions, t, sizeof(t), &cl), 0);
}

TEST(partition_table_sample)
{
	size_t n;
	uint8_t *d = sample("esptool/partitions_singleapp.bin", &n);
	if (!d)
		return;
	uint64_t cl;
	CHECK_INT_EQ(probe(&fg_format_esp_partitions, d, n, &cl), 70);
	CHECK_INT_EQ(cl, 96);
	fg_result *r = scan_blob(d, n);
	fg_node *root = r->tree.root->unpacked;
	REQUIRE(root);
	CHECK_STR_EQ(root->format, "esp_partitions");
	CHECK(info_has(root, "3 partitions, no MD5: factory app/factory 0x10000 1M"));
	CHECK(info_has(root, "wifidata data/nvs 0x150000 256K"));
	fg_result_free(r);
	free(d);
}

/* ---- samples --------------------------------------------------------------------- */

typedef struct esp_case {
	const char *path;
	const char *chip;
	const char *info[4];
	unsigned nseg;
} esp_case;

/* SOURCES.md sections 6 and 7 */
static const esp_case cases[] = {
	{ "esptool/esp_idf_blink_esp32s2.bin", "ESP32-S2",
	  { "project 'blink'", "version 'qa-test-v5.0-20220830-4-g4532e6'",
	    "ESP-IDF v5.0-beta1-427-g4532e6e0b2-dirt", "compiled Sep 13 2022 19:46:07" }, 6 },
	{ "esptool/bootloader_esp32.bin", "ESP32", { "checksum ok" }, 4 },
	{ "esptool/bootloader_esp32_v5_2.bin", "ESP32",
	  { "bootloader v1", "ESP-IDF v5.2-dev-254-g1950b15", "compiled Apr 25 2023 00:13:32",
	    "26768 bytes" }, 4 },
	{ "esptool/bootloader_esp32c3.bin", "ESP32-C3", { "sha256 ok" }, 4 },
	{ "esptool/bootloader_esp8266.bin", "ESP8266", { "boot loader 1.4(b1)" }, 3 },
	{ "esptool/nodemcu-master-7-modules-2017-01-19-11-10-03-integer.bin", "ESP8266",
	  { "NodeMCU", "SDK 1.5.4.1(39cb9a32) compiled Jul 1 2016", "irom 324875 bytes" }, 3 },
	{ "esptool/esp8266_sdk/4096_user1.bin", "ESP8266",
	  { "OTA v2 image", "SDK 1.3.0 compiled Aug 7 2015", "crc32 ok" }, 3 },
	{ "esp8266-nonos-sdk/bin/at/1024+1024/user1.2048.new.5.bin", "ESP8266",
	  { "OTA v2 image", "AT 1.7.6", "SDK 3.0.6-dev(072755c)", "crc32 ok" }, 3 },
	{ "esp8266-nonos-sdk/bin/boot_v1.7.bin", "ESP8266", { "boot loader 1.7(5d6f877)" }, 3 },
};

TEST(samples)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const esp_case *c = &cases[i];
		size_t n;
		uint8_t *d = sample(c->path, &n);
		if (!d)
			continue;
		fg_esp_image p;
		fg_esp_status st = fg_esp_image_parse(d, n, &p);
		CHECK(st == FG_ESP_OK);
		CHECK_STR_EQ(p.chip, c->chip);
		CHECK_INT_EQ(p.nseg, c->nseg);
		CHECK_INT_EQ(p.chunk_len, n); /* each sample is exactly one image */
		env e = unpack(&fg_format_esp_image, d, n);
		CHECK_INT_EQ(e.rc, 0);
		for (int k = 0; k < 4 && c->info[k]; k++)
			CHECK(info_has(e.root, c->info[k]));
		CHECK_INT_EQ(e.res->diags.items.n, 0);
		fg_result_free(e.res);
		free(d);
	}
}

/* The esp8266_deepsleep sample is two images: a small one at 0 and the
 * application at 0x1000, with 0xAA filler between. */
TEST(sample_deepsleep_carved)
{
	size_t n;
	uint8_t *d = sample("esptool/esp8266_deepsleep.bin", &n);
	if (!d)
		return;
	fg_result *r = scan_blob(d, n);
	fg_node *carve = r->tree.root->unpacked;
	REQUIRE(carve);
	CHECK_STR_EQ(carve->format, "carve");
	fg_node *app = child(carve, "0x1000.esp_image");
	REQUIRE(app && app->unpacked);
	CHECK_INT_EQ(app->data_len, n - 0x1000);
	CHECK(info_has(app->unpacked, "SDK 3.0.0-dev(c0f7b44) compiled Jun 26 2018 16:54:37"));
	CHECK(child(app->unpacked, "seg0-0x40201010.bin") != NULL);
	CHECK(child(carve, "0x0.esp_image") != NULL);
	fg_result_free(r);
	free(d);
}

TEST(sample_init_data)
{
	size_t n;
	uint8_t *d = sample("esp8266-nonos-sdk/bin/esp_init_data_default_v08.bin", &n);
	if (!d)
		return;
	uint64_t cl;
	CHECK_INT_EQ(probe(&fg_format_esp_init_data, d, n, &cl), 60);
	CHECK_INT_EQ(probe(&fg_format_esp_init_data, d, n - 1, &cl), 0);
	fg_result *r = scan_blob(d, n);
	CHECK_STR_EQ(r->tree.root->format, "esp_init_data");
	fg_result_free(r);
	d[64] = 0;
	CHECK_INT_EQ(probe(&fg_format_esp_init_data, d, n, &cl), 0);
	free(d);
}

/* ---- flash dumps -------------------------------------------------------------------- */

static bool put_sample(uint8_t *flash, size_t cap, size_t off, const char *rel)
{
	size_t n;
	uint8_t *d = sample(rel, &n);
	if (!d)
		return false;
	bool ok = off + n <= cap;
	if (ok)
		memcpy(flash + off, d, n);
	free(d);
	return ok;
}

/* The esptool documentation's ESP32 layout: bootloader at 0x1000, the
 * table at 0x8000, the application at 0x10000 (factory). */
TEST(esp32_flash_dump)
{
	size_t size = 2u << 20;
	uint8_t *f = malloc(size);
	memset(f, 0xFF, size);
	if (!put_sample(f, size, 0x1000, "esptool/bootloader_esp32_v5_2.bin") ||
	    !put_sample(f, size, 0x8000, "esptool/partitions_singleapp.bin") ||
	    !put_sample(f, size, 0x10000, "esptool/esp_idf_blink_esp32s2.bin")) {
		free(f);
		return;
	}
	uint64_t cl;
	CHECK_INT_EQ(probe(&fg_format_esp_flash, f, size, &cl), 96);
	CHECK_INT_EQ(cl, size); /* the bootloader header says 2 MB */
	fg_result *r = scan_blob(f, size);
	fg_node *root = r->tree.root->unpacked;
	REQUIRE(root);
	CHECK_STR_EQ(root->format, "esp_flash");
	CHECK(info_has(root, "ESP32 flash, bootloader at 0x1000, partition table at 0x8000: 3 partitions"));
	fg_node *boot = child(root, "bootloader.bin");
	REQUIRE(boot && boot->unpacked);
	CHECK_STR_EQ(boot->unpacked->format, "esp_image");
	CHECK(info_has(boot->unpacked, "bootloader v1"));
	fg_node *pt = child(root, "partition-table.bin");
	REQUIRE(pt && pt->unpacked);
	CHECK_STR_EQ(pt->unpacked->format, "esp_partitions");
	fg_node *app = child(root, "factory");
	REQUIRE(app && app->unpacked);
	CHECK_INT_EQ(app->data_len, 0x100000);
	CHECK(app->data == f + 0x10000);
	CHECK(info_has(app->unpacked, "ESP32-S2 app, project 'blink'"));
	CHECK(child(root, "rfdata") != NULL);
	CHECK(child(root, "wifidata") != NULL);
	fg_result_free(r);

	/* carved inside a bigger blob: the table's magic 0x8000 in */
	size_t big = size + 0x3000;
	uint8_t *b = malloc(big);
	memset(b, 0x00, 0x3000);
	memcpy(b + 0x3000, f, size);
	r = scan_blob(b, big);
	fg_node *carve = r->tree.root->unpacked;
	REQUIRE(carve);
	fg_node *dump = child(carve, "0x3000.esp_flash");
	REQUIRE(dump);
	CHECK_INT_EQ(dump->data_len, size);
	fg_result_free(r);
	free(b);

	/* a dump cut short: the partitions past the end are cut, noted */
	r = scan_blob(f, 0x120000);
	root = r->tree.root->unpacked;
	REQUIRE(root);
	fg_node *rf = child(root, "rfdata");
	REQUIRE(rf);
	CHECK_INT_EQ(rf->data_len, 0x10000);
	CHECK(rf->flags & FG_NODE_TRUNCATED);
	fg_node *wifi = child(root, "wifidata");
	REQUIRE(wifi);
	CHECK_INT_EQ(wifi->data_len, 0);
	fg_result_free(r);
	free(f);
}

/* SDK bin/at/README.md, 16Mbit-C1 (1024+1024): boot at 0x0, user1 at
 * 0x1000, init data at 0x1fc000, blank at 0xfe000 and 0x1fe000. */
TEST(esp8266_flash_dump)
{
	size_t size = 2u << 20;
	uint8_t *f = malloc(size);
	memset(f, 0xFF, size);
	if (!put_sample(f, size, 0x0, "esp8266-nonos-sdk/bin/boot_v1.7.bin") ||
	    !put_sample(f, size, 0x1000, "esp8266-nonos-sdk/bin/at/1024+1024/user1.2048.new.5.bin") ||
	    !put_sample(f, size, 0x1fc000, "esp8266-nonos-sdk/bin/esp_init_data_default_v08.bin") ||
	    !put_sample(f, size, 0xfe000, "esp8266-nonos-sdk/bin/blank.bin") ||
	    !put_sample(f, size, 0x1fe000, "esp8266-nonos-sdk/bin/blank.bin")) {
		free(f);
		return;
	}
	fg_result *r = scan_blob(f, size);
	fg_node *root = r->tree.root->unpacked;
	REQUIRE(root);
	CHECK_STR_EQ(root->format, "esp_flash");
	CHECK(info_has(root, "ESP8266 NONOS flash 2048 KiB, 1024+1024 KiB slots"));
	fg_node *boot = child(root, "boot.bin");
	REQUIRE(boot && boot->unpacked);
	CHECK(info_has(boot->unpacked, "boot loader 1.7(5d6f877)"));
	fg_node *u1 = child(root, "user1.bin");
	REQUIRE(u1 && u1->unpacked);
	CHECK(info_has(u1->unpacked, "AT 1.7.6"));
	/* the image is followed by erased flash: padding in the slot's coverage */
	REQUIRE(u1->coverage);
	CHECK(u1->coverage->padding > 0x80000);
	fg_node *u2 = child(root, "user2.bin");
	REQUIRE(u2);
	CHECK(u2->data == f + 0x101000);
	CHECK(u2->coverage && u2->coverage->padding == u2->data_len);
	fg_node *init = child(root, "esp_init_data.bin");
	REQUIRE(init);
	CHECK_INT_EQ(init->data_len, 128);
	CHECK_STR_EQ(init->format, "esp_init_data");
	fg_node *sys = child(root, "system_param.bin");
	REQUIRE(sys);
	CHECK(sys->data == f + 0x1fd000 && sys->data_len == 0x3000);
	fg_result_free(r);

	/* not a flash chip's size: no layout */
	uint64_t cl;
	CHECK_INT_EQ(probe(&fg_format_esp_flash, f, size - 0x1000, &cl), 0);
	free(f);
}

/* ---- robustness ------------------------------------------------------------------ */

/* Every byte of the headers and the first bytes of each segment flipped
 * in turn, and every length cut: no crash, no read outside the data. */
TEST(mutations)
{
	static img m;
	c3_app(&m, true);
	uint8_t *d = malloc(m.n);
	for (size_t i = 0; i < 64; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(d, m.b, m.n);
			d[i] ^= (uint8_t)(1 << bit);
			uint64_t cl;
			int c = probe(&fg_format_esp_image, d, m.n, &cl);
			CHECK(cl <= m.n);
			if (c) {
				env e = unpack(&fg_format_esp_image, d, m.n);
				fg_result_free(e.res);
			}
		}
	}
	free(d);
	static uint8_t t[0xC00];
	pt_table(t, true);
	for (size_t i = 0; i < 200; i++) {
		uint8_t save = t[i];
		t[i] ^= 0x5A;
		uint64_t cl;
		if (probe(&fg_format_esp_partitions, t, sizeof(t), &cl)) {
			env e = unpack(&fg_format_esp_partitions, t, sizeof(t));
			fg_result_free(e.res);
		}
		probe(&fg_format_esp_flash, t, sizeof(t), &cl);
		t[i] = save;
	}
}
