/*
 * test_ihex_srec.c - the Intel HEX and Motorola S-record handlers.
 *
 * Records are written here (with their checksums) so each case says
 * what it tests; objcopy, when installed, makes the real thing from an
 * object with two sections at test time.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/result.h"
#include "test.h"
#include "unpack/engine.h"
#include "unpack/format.h"

extern const fg_format fg_format_ihex;
extern const fg_format fg_format_srec;

/* ---- helpers ------------------------------------------------------------ */

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
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
	*len = buf ? fread(buf, 1, (size_t)(n > 0 ? n : 0), f) : 0;
	fclose(f);
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
	snprintf(g_work, sizeof(g_work), "%s/hexrec-XXXXXX", base);
	if (!mkdtemp(g_work)) {
		perror("mkdtemp");
		exit(1);
	}
	return g_work;
}

static bool have_tool(const char *name)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "/usr/bin/%s", name);
	if (access(p, X_OK) == 0)
		return true;
	printf("%s not found: skipping the test that uses it\n", name);
	return false;
}

typedef struct env {
	fg_result *res;
	fg_node *root;
	int rc;
} env;

static env unpack(const fg_format *f, const void *d, size_t n)
{
	env e = { fg_result_new(NULL), NULL, 0 };
	e.rc = fg_unpack_buffer_for_test(&e.res->tree, &e.res->budget, &e.res->diags, f, "fw.hex",
					 d, n, &e.root);
	return e;
}

static fg_result *scan_blob(const uint8_t *blob, size_t len)
{
	fg_result *r = fg_result_new(NULL);
	fg_node *f = fg_node_new(&r->tree, "blob.bin", 8, FG_NODE_FILE);
	f->flags = FG_NODE_FSROOT;
	f->data = blob;
	f->data_len = len;
	f->size = len;
	r->tree.root = f;
	fg_unpack_all(&r->tree, &r->budget, &r->diags, 1, NULL);
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

static int probe(const fg_format *f, const void *d, size_t n, uint64_t *cl)
{
	*cl = 0;
	return f->probe(d, n, cl);
}

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed);
}

/* ---- writing records ----------------------------------------------------- */

typedef struct text {
	char s[1 << 17];
	size_t n;
} text;

static void add(text *t, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void add(text *t, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int k = vsnprintf(t->s + t->n, sizeof(t->s) - t->n, f, ap);
	va_end(ap);
	if (k > 0)
		t->n += (size_t)k;
}

/* One Intel HEX record with its checksum (BAD: wrong on purpose). */
static void ihex(text *t, uint8_t type, uint16_t addr, const uint8_t *d, size_t n, bool bad)
{
	unsigned sum = (unsigned)n + (addr >> 8) + (addr & 0xFF) + type;
	add(t, ":%02X%04X%02X", (unsigned)n, addr, type);
	for (size_t i = 0; i < n; i++) {
		add(t, "%02X", d[i]);
		sum += d[i];
	}
	add(t, "%02X\r\n", (uint8_t)(-(int)sum + (bad ? 1 : 0)));
}

static void ihex_ext(text *t, uint8_t type, uint16_t v)
{
	uint8_t d[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	ihex(t, type, 0, d, 2, false);
}

/* DATA at ADDR in 16-byte records, under extended linear addresses. */
static void ihex_data(text *t, uint32_t addr, const uint8_t *d, size_t n)
{
	uint32_t upper = 0xFFFFFFFF;
	for (size_t off = 0; off < n; off += 16) {
		uint32_t a = addr + (uint32_t)off;
		if (a >> 16 != upper) {
			upper = a >> 16;
			ihex_ext(t, 4, (uint16_t)upper);
		}
		size_t k = n - off < 16 ? n - off : 16;
		ihex(t, 0, (uint16_t)a, d + off, k, false);
	}
}

static void srec(text *t, unsigned type, uint32_t addr, const uint8_t *d, size_t n, bool bad)
{
	static const unsigned ab[10] = { 2, 2, 3, 4, 0, 2, 3, 4, 3, 2 };
	unsigned count = ab[type] + (unsigned)n + 1, sum = count;
	add(t, "S%u%02X", type, count);
	for (unsigned i = ab[type]; i-- > 0;) {
		uint8_t b = (uint8_t)(addr >> (8 * i));
		add(t, "%02X", b);
		sum += b;
	}
	for (size_t i = 0; i < n; i++) {
		add(t, "%02X", d[i]);
		sum += d[i];
	}
	add(t, "%02X\n", (uint8_t)(~sum + (bad ? 1 : 0)));
}

/* ---- Intel HEX ---------------------------------------------------------- */

TEST(ihex_two_regions_and_start)
{
	static text t;
	uint8_t a[300], b[100];
	pattern(a, sizeof(a), 1);
	pattern(b, sizeof(b), 2);
	t.n = 0;
	ihex_data(&t, 0x0800FF80, a, sizeof(a)); /* crosses a 64 KiB boundary */
	ihex_data(&t, 0x20000000, b, sizeof(b));
	uint8_t start[4] = { 0x08, 0x00, 0x01, 0x31 };
	ihex(&t, 5, 0, start, 4, false);
	ihex(&t, 1, 0, NULL, 0, false);
	size_t hex_len = t.n;
	add(&t, "trailing text that is not a record\n");

	uint64_t cl;
	CHECK_INT_EQ(probe(&fg_format_ihex, t.s, t.n, &cl), 85);
	CHECK_INT_EQ(cl, hex_len);
	env e = unpack(&fg_format_ihex, t.s, t.n);
	CHECK_INT_EQ(e.rc, 0);
	CHECK_INT_EQ(e.root->src_length, hex_len);
	CHECK(info_has(e.root, "I32HEX"));
	CHECK(info_has(e.root, "2 regions, 400 bytes"));
	CHECK(info_has(e.root, "start 0x08000131"));
	fg_node *r1 = child(e.root, "0x0800ff80.bin"), *r2 = child(e.root, "0x20000000.bin");
	REQUIRE(r1 && r2);
	CHECK(r1->data_len == sizeof(a) && !memcmp(r1->data, a, sizeof(a)));
	CHECK(r2->data_len == sizeof(b) && !memcmp(r2->data, b, sizeof(b)));
	CHECK_INT_EQ(e.res->diags.items.n, 0);
	fg_result_free(e.res);
}

TEST(ihex_segment_addressing)
{
	static text t;
	uint8_t a[20];
	pattern(a, sizeof(a), 3);
	t.n = 0;
	ihex_ext(&t, 2, 0x1000); /* base 0x10000 */
	ihex(&t, 0, 0x0010, a, sizeof(a), false);
	uint8_t start[4] = { 0x10, 0x00, 0x00, 0x10 };
	ihex(&t, 3, 0, start, 4, false);
	ihex(&t, 1, 0, NULL, 0, false);
	env e = unpack(&fg_format_ihex, t.s, t.n);
	CHECK(info_has(e.root, "I16HEX"));
	CHECK(info_has(e.root, "start 1000:0010"));
	CHECK(child(e.root, "0x00010010.bin") != NULL);
	fg_result_free(e.res);
}

TEST(ihex_bad_checksum_keeps_what_came_before)
{
	static text t;
	uint8_t a[64];
	pattern(a, sizeof(a), 4);
	t.n = 0;
	ihex(&t, 0, 0x0000, a, 16, false);
	ihex(&t, 0, 0x0010, a + 16, 16, false);
	ihex(&t, 0, 0x0020, a + 32, 16, true);
	ihex(&t, 0, 0x0030, a + 48, 16, false);
	ihex(&t, 1, 0, NULL, 0, false);
	env e = unpack(&fg_format_ihex, t.s, t.n);
	CHECK_INT_EQ(e.rc, 0);
	CHECK(diag_has(e.res, "checksum mismatch"));
	fg_node *r = child(e.root, "0x00000000.bin");
	REQUIRE(r);
	CHECK(r->data_len == 32 && !memcmp(r->data, a, 32));
	CHECK_INT_EQ(e.root->nchildren, 1);
	fg_result_free(e.res);
}

TEST(ihex_truncated)
{
	static text t;
	uint8_t a[64];
	pattern(a, sizeof(a), 5);
	t.n = 0;
	ihex_data(&t, 0x100, a, sizeof(a));
	ihex(&t, 1, 0, NULL, 0, false);
	size_t full = t.n;
	for (size_t cut = 1; cut < full; cut++) {
		uint64_t cl;
		int c = probe(&fg_format_ihex, t.s, cut, &cl);
		CHECK(cl <= cut);
		if (c) {
			env e = unpack(&fg_format_ihex, t.s, cut);
			/* cut inside the last line end: the file is still whole */
			CHECK(diag_has(e.res, "no end-of-file record") || cut + 2 >= full);
			uint64_t bytes = 0;
			for (size_t i = 0; i < e.root->nchildren; i++)
				bytes += e.root->children[i]->data_len;
			CHECK(bytes <= sizeof(a));
			fg_result_free(e.res);
		}
	}
}

TEST(ihex_absurd)
{
	static text t;
	uint64_t cl;
	/* a count larger than the line */
	CHECK_INT_EQ(probe(&fg_format_ihex, ":FF000000000102\n", 16, &cl), 0);
	/* an unknown record type */
	t.n = 0;
	ihex(&t, 7, 0, (const uint8_t *)"ab", 2, false);
	CHECK_INT_EQ(probe(&fg_format_ihex, t.s, t.n, &cl), 0);
	/* an extended address record of the wrong size */
	t.n = 0;
	ihex(&t, 4, 0, (const uint8_t *)"abc", 3, false);
	CHECK_INT_EQ(probe(&fg_format_ihex, t.s, t.n, &cl), 0);
	/* non-hex digits */
	CHECK_INT_EQ(probe(&fg_format_ihex, ":1000000G000000000000000000000000000000\n", 40, &cl), 0);
	/* the highest addresses: a record past 4 GiB stays where it says */
	t.n = 0;
	uint8_t d[16];
	pattern(d, sizeof(d), 6);
	ihex_ext(&t, 4, 0xFFFF);
	ihex(&t, 0, 0xFFF8, d, 16, false);
	ihex(&t, 1, 0, NULL, 0, false);
	env e = unpack(&fg_format_ihex, t.s, t.n);
	CHECK(child(e.root, "0xfffffff8.bin") != NULL);
	fg_result_free(e.res);
	/* far apart records are not filled in between; near ones are */
	t.n = 0;
	ihex(&t, 0, 0x0000, d, 16, false);
	ihex(&t, 0, 0x0020, d, 16, false);  /* 16-byte gap: filled */
	ihex_ext(&t, 4, 0x4000);
	ihex(&t, 0, 0x0000, d, 16, false);  /* 1 GiB away */
	ihex(&t, 0, 0x0008, d, 16, false);  /* overlaps the one before */
	ihex(&t, 1, 0, NULL, 0, false);
	e = unpack(&fg_format_ihex, t.s, t.n);
	CHECK_INT_EQ(e.root->nchildren, 2);
	fg_node *lo = child(e.root, "0x00000000.bin"), *hi = child(e.root, "0x40000000.bin");
	REQUIRE(lo && hi);
	CHECK_INT_EQ(lo->data_len, 48);
	CHECK(lo->data[16] == 0xFF && lo->data[31] == 0xFF && lo->data[32] == d[0]);
	CHECK_INT_EQ(hi->data_len, 24);
	CHECK(info_has(e.root, "gaps <= 32 bytes filled"));
	CHECK(info_has(e.root, "overlapping records"));
	fg_result_free(e.res);
}

TEST(ihex_region_cap)
{
	/* 4100 one-byte records 64 bytes apart: 4096 regions, then a note */
	static text t;
	t.n = 0;
	uint8_t b = 0x42;
	for (unsigned i = 0; i < 4100; i++) {
		if ((i * 64) % 0x10000 == 0)
			ihex_ext(&t, 4, (uint16_t)((i * 64) >> 16));
		ihex(&t, 0, (uint16_t)(i * 64), &b, 1, false);
	}
	ihex(&t, 1, 0, NULL, 0, false);
	env e = unpack(&fg_format_ihex, t.s, t.n);
	CHECK_INT_EQ(e.root->nchildren, 4096);
	CHECK(diag_has(e.res, "more than 4096 regions"));
	fg_result_free(e.res);
}

TEST(ihex_carved_from_blob)
{
	static text t;
	uint8_t a[48];
	pattern(a, sizeof(a), 7);
	t.n = 0;
	ihex_data(&t, 0x08000000, a, sizeof(a));
	ihex(&t, 1, 0, NULL, 0, false);
	static uint8_t blob[8192];
	memset(blob, 0x00, sizeof(blob));
	for (size_t i = 0; i < 1000; i++)
		blob[i] = (uint8_t)(i * 13);
	memcpy(blob + 1000, t.s, t.n);
	fg_result *r = scan_blob(blob, sizeof(blob));
	fg_node *carve = r->tree.root->unpacked;
	REQUIRE(carve);
	fg_node *c = child(carve, "0x3e8.ihex");
	REQUIRE(c && c->unpacked);
	CHECK_INT_EQ(c->data_len, t.n);
	fg_node *reg = child(c->unpacked, "0x08000000.bin");
	REQUIRE(reg);
	CHECK(reg->data_len == sizeof(a) && !memcmp(reg->data, a, sizeof(a)));
	fg_result_free(r);
}

/* ---- S-records ---------------------------------------------------------- */

TEST(srec_s3_with_header_count_and_start)
{
	static text t;
	uint8_t a[100], b[40];
	pattern(a, sizeof(a), 8);
	pattern(b, sizeof(b), 9);
	t.n = 0;
	srec(&t, 0, 0, (const uint8_t *)"fw.srec", 7, false);
	for (size_t off = 0; off < sizeof(a); off += 32)
		srec(&t, 3, 0x08000000 + (uint32_t)off, a + off, sizeof(a) - off < 32 ? sizeof(a) - off : 32, false);
	srec(&t, 3, 0x08100000, b, sizeof(b), false);
	srec(&t, 5, 5, NULL, 0, false);
	srec(&t, 7, 0x08000131, NULL, 0, false);
	size_t len = t.n;
	add(&t, "\n\n");
	uint64_t cl;
	CHECK_INT_EQ(probe(&fg_format_srec, t.s, t.n, &cl), 85);
	CHECK_INT_EQ(cl, len);
	env e = unpack(&fg_format_srec, t.s, t.n);
	CHECK_INT_EQ(e.rc, 0);
	CHECK(info_has(e.root, "header 'fw.srec', S3 records"));
	CHECK(info_has(e.root, "2 regions, 140 bytes"));
	CHECK(info_has(e.root, "start 0x08000131"));
	CHECK(info_has(e.root, "count ok"));
	fg_node *r1 = child(e.root, "0x08000000.bin"), *r2 = child(e.root, "0x08100000.bin");
	REQUIRE(r1 && r2);
	CHECK(r1->data_len == sizeof(a) && !memcmp(r1->data, a, sizeof(a)));
	CHECK(r2->data_len == sizeof(b) && !memcmp(r2->data, b, sizeof(b)));
	CHECK_INT_EQ(e.res->diags.items.n, 0);
	fg_result_free(e.res);
}

TEST(srec_s1_s2_and_count_mismatch)
{
	static text t;
	uint8_t a[16];
	pattern(a, sizeof(a), 10);
	t.n = 0;
	srec(&t, 1, 0x1000, a, sizeof(a), false);
	srec(&t, 2, 0x123456, a, sizeof(a), false);
	srec(&t, 5, 7, NULL, 0, false);
	srec(&t, 9, 0x1000, NULL, 0, false);
	env e = unpack(&fg_format_srec, t.s, t.n);
	CHECK(child(e.root, "0x00001000.bin") != NULL);
	CHECK(child(e.root, "0x00123456.bin") != NULL);
	CHECK(diag_has(e.res, "count record says 7 data records, 2 seen"));
	CHECK(info_has(e.root, "mixed address sizes"));
	fg_result_free(e.res);
}

TEST(srec_bad_checksum_and_truncation)
{
	static text t;
	uint8_t a[16];
	pattern(a, sizeof(a), 11);
	t.n = 0;
	srec(&t, 0, 0, (const uint8_t *)"x", 1, false);
	srec(&t, 1, 0x0000, a, 16, false);
	srec(&t, 1, 0x0010, a, 16, true);
	srec(&t, 9, 0, NULL, 0, false);
	env e = unpack(&fg_format_srec, t.s, t.n);
	CHECK(diag_has(e.res, "checksum mismatch"));
	fg_node *r = child(e.root, "0x00000000.bin");
	REQUIRE(r);
	CHECK_INT_EQ(r->data_len, 16);
	fg_result_free(e.res);

	t.n = 0;
	srec(&t, 0, 0, (const uint8_t *)"x", 1, false);
	for (int i = 0; i < 4; i++)
		srec(&t, 1, (uint32_t)(i * 16), a, 16, false);
	srec(&t, 9, 0, NULL, 0, false);
	for (size_t cut = 1; cut < t.n; cut += 3) {
		uint64_t cl;
		int c = probe(&fg_format_srec, t.s, cut, &cl);
		CHECK(cl <= cut);
		if (c) {
			env e2 = unpack(&fg_format_srec, t.s, cut);
			fg_result_free(e2.res);
		}
	}
	uint64_t cl;
	/* S4 is reserved; a count too small for its address */
	CHECK_INT_EQ(probe(&fg_format_srec, "S4030000FC\n", 11, &cl), 0);
	CHECK_INT_EQ(probe(&fg_format_srec, "S30100\n", 7, &cl), 0);
	CHECK_INT_EQ(probe(&fg_format_srec, "ttyS0,115200\n", 13, &cl), 0);
}

/* ---- objcopy ------------------------------------------------------------------ */

/* Two sections at 0x08000000 and 0x08010000, entry 0x08000131. */
TEST(objcopy_fixtures)
{
	if (!have_tool("objcopy"))
		return;
	const char *w = work_dir();
	uint8_t a[300], b[200];
	pattern(a, sizeof(a), 12);
	pattern(b, sizeof(b), 13);
	char p[PATH_MAX + 64];
	snprintf(p, sizeof(p), "%s/a.bin", w);
	spit(p, a, sizeof(a));
	snprintf(p, sizeof(p), "%s/b.bin", w);
	spit(p, b, sizeof(b));
	int rc = sh("cd '%s' && objcopy -I binary -O elf32-i386 -B i386 a.bin a.o && "
		    "objcopy --add-section .second=b.bin --set-section-flags .second=alloc,load,contents a.o b.o && "
		    "objcopy --change-section-address .data=0x08000000 --change-section-address .second=0x08010000 "
		    "--set-start 0x08000131 b.o c.o && objcopy -O ihex c.o fw.hex && objcopy -O srec c.o fw.srec && "
		    "objcopy -O srec --srec-forceS3 c.o fw3.srec", w);
	if (rc != 0) {
		printf("objcopy could not build the fixture: skipping\n");
		return;
	}
	static const struct { const char *file; const fg_format *fmt; const char *info; } cases[] = {
		{ "fw.hex", &fg_format_ihex, "I32HEX" },
		{ "fw.srec", &fg_format_srec, "header 'fw.srec'" },
		{ "fw3.srec", &fg_format_srec, "S3 records" },
	};
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", w, cases[i].file);
		size_t n;
		uint8_t *d = slurp(p, &n);
		REQUIRE(d);
		uint64_t cl;
		CHECK(probe(cases[i].fmt, d, n, &cl) >= 85);
		CHECK_INT_EQ(cl, n);
		fg_result *r = scan_blob(d, n);
		fg_node *root = r->tree.root->unpacked;
		REQUIRE(root);
		CHECK_STR_EQ(root->format, cases[i].fmt->name);
		CHECK(info_has(root, cases[i].info));
		CHECK(info_has(root, "2 regions, 500 bytes"));
		CHECK(info_has(root, "start 0x08000131"));
		fg_node *r1 = child(root, "0x08000000.bin"), *r2 = child(root, "0x08010000.bin");
		REQUIRE(r1 && r2);
		CHECK(r1->data_len == sizeof(a) && !memcmp(r1->data, a, sizeof(a)));
		CHECK(r2->data_len == sizeof(b) && !memcmp(r2->data, b, sizeof(b)));
		CHECK_INT_EQ(r->diags.items.n, 0);
		fg_result_free(r);
		free(d);
	}
	sh("rm -rf '%s'", w);
}

TEST(budget_charged)
{
	/* every region byte comes out of the budget: a tiny byte budget stops it */
	static text t;
	uint8_t a[256];
	pattern(a, sizeof(a), 14);
	t.n = 0;
	ihex_data(&t, 0, a, sizeof(a));
	ihex(&t, 1, 0, NULL, 0, false);
	fg_options o;
	fg_options_default(&o);
	o.limits.max_total_bytes = 100;
	fg_result *r = fg_result_new(&o);
	fg_node *root = NULL;
	fg_unpack_buffer_for_test(&r->tree, &r->budget, &r->diags, &fg_format_ihex, "x.hex",
				  (const uint8_t *)t.s, t.n, &root);
	REQUIRE(root);
	CHECK_INT_EQ(root->nchildren, 0);
	CHECK(diag_has(r, "exceeds the budget"));
	fg_result_free(r);
}
