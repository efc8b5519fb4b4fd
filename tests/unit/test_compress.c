/*
 * Compression stream handlers: zlib, lzma (alone), bzip2, zstd, lz4
 * (frame and legacy) and lzop. Round trips through the libraries' own
 * encoders and, where installed, the command-line tools; multi-stream
 * inputs; exact chunk lengths with trailing bytes; truncated and corrupt
 * input; bombs capped by the ratio budget; weak magics on random data;
 * the LZMA kernel of the corpus router images.
 */
#define ZSTD_STATIC_LINKING_ONLY
#include <bzlib.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "test.h"
#include "core/result.h"
#include "unpack/engine.h"

extern const fg_format fg_format_zlib;
extern const fg_format fg_format_lzma;
extern const fg_format fg_format_bzip2;
extern const fg_format fg_format_zstd;
extern const fg_format fg_format_lz4;
extern const fg_format fg_format_lzop;

/* ---- helpers -------------------------------------------------------- */

static char workdir[1024];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static bool have(const char *tool)
{
	return sh("command -v %s >/dev/null 2>&1", tool) == 0;
}

static const char *work(void)
{
	if (!workdir[0]) {
		const char *base = getenv("FG_TEST_TMP");
		if (!base || !*base)
			base = "/tmp";
		sh("mkdir -p '%s'", base);
		snprintf(workdir, sizeof(workdir), "%s/compress-XXXXXX", base);
		if (!mkdtemp(workdir))
			snprintf(workdir, sizeof(workdir), "/tmp");
	}
	return workdir;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
	if (p && n > 0 && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*len = n > 0 ? (size_t)n : 0;
	return p;
}

static bool write_file(const char *path, const void *d, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(d, 1, n, f) == n;
	return fclose(f) == 0 && ok;
}

/* Runs "CMD < in > out" over DATA in the work directory; the output, or
 * NULL when the command failed. */
static uint8_t *filter(const char *cmd, const void *data, size_t len, size_t *out_len)
{
	char in[1200], out[1200];
	snprintf(in, sizeof(in), "%s/filter.in", work());
	snprintf(out, sizeof(out), "%s/filter.out", work());
	if (!write_file(in, data, len) || sh("%s < '%s' > '%s'", cmd, in, out) != 0)
		return NULL;
	return read_file(out, out_len);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* Compressible but not trivial: words with a slowly drifting alphabet. */
static uint8_t *pattern(size_t n)
{
	uint8_t *p = malloc(n);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)("firmgate scanner "[i % 17] + (i / 4096) % 5);
	return p;
}

static uint8_t *concat(size_t *out_len, int parts, ...)
{
	va_list ap;
	size_t total = 0;
	va_start(ap, parts);
	for (int i = 0; i < parts; i++) {
		va_arg(ap, const void *);
		total += va_arg(ap, size_t);
	}
	va_end(ap);
	uint8_t *out = malloc(total ? total : 1), *w = out;
	va_start(ap, parts);
	for (int i = 0; i < parts; i++) {
		const void *p = va_arg(ap, const void *);
		size_t n = va_arg(ap, size_t);
		memcpy(w, p, n);
		w += n;
	}
	va_end(ap);
	*out_len = total;
	return out;
}

static const uint8_t garbage[64] = {
	0xde, 0xad, 0xbe, 0xef, 0x13, 0x37, 0x42, 0x99, 0xaa, 0x55, 0x01, 0x02, 0x03, 0x04,
	0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10, 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a,
};

typedef struct env {
	fg_result *res;
	fg_node *root;
	int rc;
} env;

static env unpack(const fg_format *f, const char *name, const uint8_t *d, size_t n, const fg_limits *l)
{
	fg_options o;
	fg_options_default(&o);
	if (l)
		o.limits = *l;
	env e = { fg_result_new(&o), NULL, 0 };
	e.rc = fg_unpack_buffer_for_test(&e.res->tree, &e.res->budget, &e.res->diags, f, name, d, n, &e.root);
	return e;
}

static const fg_node *only_child(const env *e)
{
	return e->root && e->root->nchildren == 1 ? e->root->children[0] : NULL;
}

/* A clean round trip: one output named NAME equal to WANT, the chunk's
 * bytes exactly CLAIMED. */
static void check_clean(const fg_format *f, const char *container, const uint8_t *d, size_t n,
			const char *name, const uint8_t *want, size_t want_len, size_t claimed)
{
	env e = unpack(f, container, d, n, NULL);
	CHECK_INT_EQ(e.rc, 0);
	const fg_node *c = only_child(&e);
	CHECK(c != NULL);
	if (c) {
		CHECK_STR_EQ(c->name, name);
		CHECK_INT_EQ(c->data_len, want_len);
		CHECK(c->data_len == want_len && memcmp(c->data, want, want_len) == 0);
		CHECK(!(c->flags & FG_NODE_TRUNCATED));
	}
	if (e.root)
		CHECK_INT_EQ(e.root->src_length, claimed);
	CHECK_INT_EQ(e.res->diags.items.n, 0);
	fg_result_free(e.res);
}

/* Truncated input: partial output, marked, with a diagnostic. */
static void check_truncated(const fg_format *f, const uint8_t *d, size_t n, size_t full_out)
{
	env e = unpack(f, "cut.bin", d, n, NULL);
	const fg_node *c = only_child(&e);
	CHECK(c != NULL);
	if (c) {
		CHECK(c->data_len > 0 && c->data_len < full_out);
		CHECK(c->flags & FG_NODE_TRUNCATED);
		CHECK(c->note != NULL);
	}
	CHECK(e.res->diags.items.n >= 1);
	fg_result_free(e.res);
}

/* Corrupt input: never a clean result. */
static void check_corrupt(const fg_format *f, const uint8_t *d, size_t n, const char *why)
{
	env e = unpack(f, "bad.bin", d, n, NULL);
	const fg_node *c = only_child(&e);
	CHECK(e.rc < 0 || (c && (c->flags & FG_NODE_TRUNCATED)));
	CHECK(e.res->diags.items.n >= 1);
	if (why && c && c->note && !strstr(c->note, why)) {
		fprintf(stderr, "note \"%s\" lacks \"%s\"\n", c->note, why);
		CHECK(strstr(c->note, why) != NULL);
	}
	fg_result_free(e.res);
}

/* A bomb: the output stops at the ratio cap, marked. */
static void check_bomb(const fg_format *f, const uint8_t *d, size_t n, uint64_t ratio)
{
	fg_limits l;
	fg_limits_default(&l);
	l.max_ratio = ratio;
	env e = unpack(f, "bomb.bin", d, n, &l);
	const fg_node *c = only_child(&e);
	CHECK(c != NULL);
	if (c) {
		uint64_t cap = n * ratio > (1u << 20) ? n * ratio : (1u << 20);
		CHECK(c->data_len <= cap);
		CHECK(c->data_len > 0);
		CHECK(c->flags & FG_NODE_TRUNCATED);
		CHECK(c->note && strstr(c->note, "limit"));
	}
	fg_result_free(e.res);
}

/* Random flips and cuts: nothing may crash, leak or hang (run under
 * ASan+UBSan). */
static void mutate(const fg_format *f, const uint8_t *d, size_t n, int rounds)
{
	uint8_t *m = malloc(n);
	for (int r = 0; r < rounds; r++) {
		memcpy(m, d, n);
		int flips = 1 + (int)(rnd() % 4);
		for (int i = 0; i < flips; i++)
			m[rnd() % n] ^= (uint8_t)(1 + rnd() % 255);
		size_t len = r % 3 == 0 ? 1 + rnd() % n : n;
		uint64_t cl = 0;
		int conf = f->probe(m, len, &cl);
		CHECK(conf >= 0 && conf <= 100);
		CHECK(cl <= len);
		if (conf > 0) {
			env e = unpack(f, "m.bin", m, cl ? (size_t)cl : len, NULL);
			if (e.root)
				CHECK(e.root->src_length <= (cl ? cl : len));
			fg_result_free(e.res);
		}
	}
	free(m);
}

/* Every short prefix in a buffer of exactly its size, so ASan sees any
 * read past the end; probe and unpack must cope with each. */
static void prefixes(const fg_format *f, const uint8_t *d, size_t n)
{
	size_t step = 1;
	for (size_t len = 0; len <= n; len += step) {
		if (len >= 256)
			step = n / 64 > 1 ? n / 64 : 1;
		uint8_t *m = malloc(len ? len : 1);
		memcpy(m, d, len);
		uint64_t cl = 0;
		int conf = f->probe(m, len, &cl);
		CHECK(conf >= 0 && conf <= 100 && cl <= len);
		if (conf > 0 && len > 0) {
			env e = unpack(f, "p.bin", m, len, NULL);
			if (e.root)
				CHECK(e.root->src_length <= len);
			fg_result_free(e.res);
		}
		free(m);
	}
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
	fg_unpack_all(&r->tree, &r->budget, &r->diags, 2, NULL);
	return r;
}

/* The carved chunk of FORMAT at OFFSET in a scanned blob, or NULL. */
static const fg_node *carved(const fg_result *r, const char *format, size_t offset)
{
	const fg_node *f = r->tree.root;
	if (!f->unpacked || !(f->unpacked->flags & FG_NODE_CARVE))
		return NULL;
	char name[64];
	snprintf(name, sizeof(name), "0x%zx.%s", offset, format);
	return fg_node_find_child(f->unpacked, name, strlen(name));
}

/* ---- encoders ------------------------------------------------------- */

static uint8_t *make_zlib(const void *d, size_t n, size_t *out_len)
{
	uLongf cap = compressBound(n);
	uint8_t *out = malloc(cap);
	compress2(out, &cap, d, n, 9);
	*out_len = cap;
	return out;
}

static uint8_t *make_lzma(const void *d, size_t n, size_t *out_len)
{
	lzma_options_lzma opt;
	lzma_lzma_preset(&opt, 6);
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = n + n / 2 + 4096;
	uint8_t *out = malloc(cap);
	*out_len = 0;
	if (lzma_alone_encoder(&s, &opt) != LZMA_OK)
		return out;
	s.next_in = d;
	s.avail_in = n;
	s.next_out = out;
	s.avail_out = cap;
	while (lzma_code(&s, LZMA_FINISH) == LZMA_OK)
		;
	*out_len = s.total_out;
	lzma_end(&s);
	return out;
}

static uint8_t *make_bz2(const void *d, size_t n, int level, size_t *out_len)
{
	unsigned cap = (unsigned)(n + n / 100 + 600);
	uint8_t *out = malloc(cap);
	BZ2_bzBuffToBuffCompress((char *)out, &cap, (char *)d, (unsigned)n, level, 0, 0);
	*out_len = cap;
	return out;
}

static uint8_t *make_zstd(const void *d, size_t n, size_t *out_len)
{
	size_t cap = ZSTD_compressBound(n);
	uint8_t *out = malloc(cap);
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 3);
	*out_len = ZSTD_compress2(cc, out, cap, d, n);
	ZSTD_freeCCtx(cc);
	return out;
}

static uint8_t *make_lz4f(const void *d, size_t n, size_t *out_len)
{
	LZ4F_preferences_t prefs;
	memset(&prefs, 0, sizeof(prefs));
	prefs.frameInfo.blockSizeID = LZ4F_max64KB;
	prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
	prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
	prefs.frameInfo.contentSize = n;
	size_t cap = LZ4F_compressFrameBound(n, &prefs);
	uint8_t *out = malloc(cap);
	*out_len = LZ4F_compressFrame(out, cap, d, n, &prefs);
	return out;
}

/* The legacy format as `lz4 -l` writes it: magic, then 8 MiB blocks. */
static uint8_t *make_lz4_legacy(const uint8_t *d, size_t n, size_t *out_len)
{
	size_t block = 8u << 20;
	size_t cap = 4 + (n / block + 1) * (4 + LZ4_compressBound((int)block));
	uint8_t *out = malloc(cap), *w = out;
	memcpy(w, "\x02\x21\x4c\x18", 4);
	w += 4;
	for (size_t pos = 0; pos < n; pos += block) {
		size_t in = n - pos < block ? n - pos : block;
		int c = LZ4_compress_default((const char *)d + pos, (char *)w + 4, (int)in,
					     LZ4_compressBound((int)block));
		w[0] = (uint8_t)c;
		w[1] = (uint8_t)(c >> 8);
		w[2] = (uint8_t)(c >> 16);
		w[3] = (uint8_t)(c >> 24);
		w += 4 + c;
	}
	*out_len = (size_t)(w - out);
	return out;
}

static void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* ---- zlib ----------------------------------------------------------- */

TEST(zlib_round_trip_exact_length)
{
	uint8_t *text = pattern(300000);
	size_t n;
	uint8_t *z = make_zlib(text, 300000, &n);
	size_t bn;
	uint8_t *blob = concat(&bn, 2, z, n, garbage, sizeof(garbage));
	uint64_t cl = 0;
	CHECK(fg_format_zlib.probe(blob, bn, &cl) >= FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(cl, n);
	check_clean(&fg_format_zlib, "fw.zlib", blob, bn, "fw", text, 300000, n);
	free(blob);
	free(z);
	free(text);
}

TEST(zlib_truncated_corrupt_and_bad_headers)
{
	uint8_t *text = pattern(400000);
	size_t n;
	uint8_t *z = make_zlib(text, 400000, &n);
	check_truncated(&fg_format_zlib, z, n / 2, 400000);

	z[n - 1] ^= 0x5a; /* Adler-32: in reach, so the probe sees it */
	CHECK_INT_EQ(fg_format_zlib.probe(z, n, &(uint64_t){0}), 0);
	check_corrupt(&fg_format_zlib, z, n, "check");
	z[n - 1] ^= 0x5a;
	z[n / 3] ^= 0xff;
	check_corrupt(&fg_format_zlib, z, n, NULL);
	mutate(&fg_format_zlib, z, n, 60);

	static const uint8_t fdict[] = { 0x78, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0 }; /* preset dictionary */
	static const uint8_t bad_check[] = { 0x78, 0x9d, 3, 0, 0, 0, 0, 1 };
	static const uint8_t big_window[] = { 0x88, 0x1c, 3, 0, 0, 0, 0, 1 }; /* CINFO 8 */
	CHECK_INT_EQ(fg_format_zlib.probe(fdict, sizeof(fdict), &(uint64_t){0}), 0);
	CHECK_INT_EQ(fg_format_zlib.probe(bad_check, sizeof(bad_check), &(uint64_t){0}), 0);
	CHECK_INT_EQ(fg_format_zlib.probe(big_window, sizeof(big_window), &(uint64_t){0}), 0);
	/* the smallest stream: an empty one */
	size_t en;
	uint8_t *empty = make_zlib("", 0, &en);
	uint64_t cl = 0;
	CHECK(fg_format_zlib.probe(empty, en, &cl) > 0);
	CHECK_INT_EQ(cl, en);
	free(empty);
	free(z);
	free(text);
}

TEST(zlib_bomb_is_capped)
{
	size_t big = 64u << 20;
	uint8_t *zeros = calloc(1, big);
	size_t n;
	uint8_t *z = make_zlib(zeros, big, &n);
	free(zeros);
	check_bomb(&fg_format_zlib, z, n, 100);
	free(z);
}

TEST(zlib_weak_magic_on_random_data)
{
	static const uint8_t second[] = { 0x01, 0x5e, 0x9c, 0xda };
	uint8_t buf[8192];
	int taken = 0;
	for (int i = 0; i < 2000; i++) {
		fill_random(buf, sizeof(buf));
		buf[0] = 0x78;
		buf[1] = second[i % 4];
		if (fg_format_zlib.probe(buf, sizeof(buf), &(uint64_t){0}) >= FG_CARVE_MIN_CONFIDENCE)
			taken++;
	}
	CHECK_INT_EQ(taken, 0);

	/* through the carver: a random blob strewn with zlib magics */
	size_t len = 256 * 1024;
	uint8_t *blob = malloc(len);
	fill_random(blob, len);
	for (size_t at = 100; at + 2 < len; at += 997) {
		blob[at] = 0x78;
		blob[at + 1] = 0x9c;
	}
	fg_result *r = scan_blob(blob, len);
	const fg_node *f = r->tree.root;
	CHECK(f->unpacked == NULL || f->unpacked->nchildren == 0);
	fg_result_free(r);
	free(blob);
}

TEST(zlib_carved_from_a_blob)
{
	const char *msg = "a zlib stream inside a boot loader image\n";
	size_t n;
	uint8_t *z = make_zlib(msg, strlen(msg), &n);
	uint8_t head[2048], tail[3000];
	fill_random(head, sizeof(head));
	head[0] = 0x11; /* not a magic of anything at offset 0 */
	memset(tail, 0xff, sizeof(tail));
	size_t bn;
	uint8_t *blob = concat(&bn, 3, head, sizeof(head), z, n, tail, sizeof(tail));
	fg_result *r = scan_blob(blob, bn);
	const fg_node *c = carved(r, "zlib", sizeof(head));
	REQUIRE(c && c->unpacked && c->unpacked->nchildren == 1);
	CHECK_INT_EQ(c->data_len, n);
	const fg_node *out = c->unpacked->children[0];
	CHECK(out->data_len == strlen(msg) && memcmp(out->data, msg, strlen(msg)) == 0);
	fg_result_free(r);
	free(blob);
	free(z);
}

/* ---- lzma ----------------------------------------------------------- */

TEST(lzma_round_trip_unknown_and_known_size)
{
	size_t tn = 500000;
	uint8_t *text = pattern(tn);
	size_t n;
	uint8_t *lz = make_lzma(text, tn, &n);
	REQUIRE(n > 13);
	CHECK(memcmp(lz, "\x5d\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff", 13) == 0);
	size_t bn;
	uint8_t *blob = concat(&bn, 2, lz, n, garbage, sizeof(garbage));
	uint64_t cl = 0;
	/* the probe's window is smaller than this stream: it cannot see its end */
	CHECK(fg_format_lzma.probe(blob, bn, &cl) >= FG_CARVE_MIN_CONFIDENCE);
	check_clean(&fg_format_lzma, "vmlinux.lzma", blob, bn, "vmlinux", text, tn, n);

	/* the size in the header instead of "unknown" (the end marker stays) */
	for (int i = 0; i < 8; i++)
		blob[5 + i] = (uint8_t)((uint64_t)tn >> (8 * i));
	check_clean(&fg_format_lzma, "k.lzma", blob, bn, "k", text, tn, n);
	/* a header that promises less than the stream holds */
	blob[5] ^= 0x01;
	check_corrupt(&fg_format_lzma, blob, bn, NULL);

	/* a small stream ends inside the probe's window: exact length */
	size_t sn;
	uint8_t *small = make_lzma("tiny payload", 12, &sn);
	free(blob);
	blob = concat(&bn, 2, small, sn, garbage, sizeof(garbage));
	cl = 0;
	CHECK_INT_EQ(fg_format_lzma.probe(blob, bn, &cl), 90);
	CHECK_INT_EQ(cl, sn);
	free(small);
	/* one repeated byte is fine, as long as it is not what zeros fake */
	small = make_lzma("aaaaaaaaaaaaaaaa", 16, &sn);
	CHECK_INT_EQ(fg_format_lzma.probe(small, sn, &(uint64_t){0}), 90);
	free(small);
	free(blob);
	free(lz);
	free(text);
}

TEST(lzma_cli_fixture)
{
	if (!have("xz")) {
		fprintf(stderr, "xz missing: skipping the lzma CLI fixture\n");
		return;
	}
	size_t tn = 200000, n;
	uint8_t *text = pattern(tn);
	uint8_t *lz = filter("xz --format=lzma -6 -c", text, tn, &n);
	REQUIRE(lz);
	CHECK(fg_format_lzma.probe(lz, n, &(uint64_t){0}) >= FG_CARVE_MIN_CONFIDENCE);
	check_clean(&fg_format_lzma, "x.lzma", lz, n, "x", text, tn, n);
	free(lz);
	free(text);
}

TEST(lzma_truncated_corrupt_bomb)
{
	size_t tn = 600000, n;
	uint8_t *text = pattern(tn);
	uint8_t *lz = make_lzma(text, tn, &n);
	check_truncated(&fg_format_lzma, lz, n / 2, tn);
	uint8_t *bad = malloc(n);
	memcpy(bad, lz, n);
	for (size_t i = n / 2; i < n / 2 + 16; i++)
		bad[i] ^= 0xa5;
	check_corrupt(&fg_format_lzma, bad, n, NULL);
	mutate(&fg_format_lzma, lz, n, 40);
	free(bad);
	free(lz);

	size_t big = 64u << 20;
	uint8_t *zeros = calloc(1, big);
	lz = make_lzma(zeros, big, &n);
	free(zeros);
	check_bomb(&fg_format_lzma, lz, n, 100);
	free(lz);
	free(text);
}

TEST(lzma_weak_magic_on_random_data)
{
	uint8_t buf[8192];
	int taken = 0;
	for (int i = 0; i < 2000; i++) {
		fill_random(buf, sizeof(buf));
		/* just the common property bytes */
		memcpy(buf, "\x5d\x00\x00", 3);
		if (fg_format_lzma.probe(buf, sizeof(buf), &(uint64_t){0}) >= FG_CARVE_MIN_CONFIDENCE)
			taken++;
		/* a whole plausible header, even the zero the range coder
		 * starts with: the random body must give itself away */
		memcpy(buf, "\x5d\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff\x00", 14);
		if (fg_format_lzma.probe(buf, sizeof(buf), &(uint64_t){0}) >= FG_CARVE_MIN_CONFIDENCE)
			taken++;
	}
	CHECK_INT_EQ(taken, 0);
	/* a header followed by padding decodes to zeros forever: not taken */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "\x5d\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff", 13);
	CHECK(fg_format_lzma.probe(buf, sizeof(buf), &(uint64_t){0}) < FG_CARVE_MIN_CONFIDENCE);
	/* a size of zero, or a small size over zeros: real file data holds
	 * such bytes, and they "decode" to nothing or to zeros */
	memset(buf, 0, 64);
	memcpy(buf, "\x00\x00\x00\x00\x09", 5);
	CHECK_INT_EQ(fg_format_lzma.probe(buf, 64, &(uint64_t){0}), 0);
	memcpy(buf, "\x5d\x00\x00\x01\x00\x03\x00\x00\x00\x00\x00\x00\x00", 13);
	CHECK_INT_EQ(fg_format_lzma.probe(buf, 64, &(uint64_t){0}), 0);
	/* fields out of shape */
	static const uint8_t lclp[] = "\xe1\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00";
	static const uint8_t dict[] = "\x5d\x01\x23\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00";
	static const uint8_t size[] = "\x5d\x00\x00\x80\x00\x00\x00\x00\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00";
	CHECK_INT_EQ(fg_format_lzma.probe(lclp, sizeof(lclp) - 1, &(uint64_t){0}), 0);
	CHECK_INT_EQ(fg_format_lzma.probe(dict, sizeof(dict) - 1, &(uint64_t){0}), 0);
	CHECK_INT_EQ(fg_format_lzma.probe(size, sizeof(size) - 1, &(uint64_t){0}), 0);

	size_t len = 256 * 1024;
	uint8_t *blob = malloc(len);
	fill_random(blob, len);
	for (size_t at = 100; at + 14 < len; at += 1499)
		memcpy(blob + at, "\x5d\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff\x00", 14);
	fg_result *r = scan_blob(blob, len);
	CHECK(r->tree.root->unpacked == NULL || r->tree.root->unpacked->nchildren == 0);
	fg_result_free(r);
	free(blob);
}

/* Reads "offset size kernel_size" of the LZMA layer of IMAGE from the
 * corpus truth (offsets made absolute). */
static bool truth_lzma(const char *corpus, const char *image, uint64_t v[3])
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd),
		 "python3 - '%s/truth.json' '%s' <<'EOF'\n"
		 "import json, sys\n"
		 "t = json.load(open(sys.argv[1]))\n"
		 "def walk(l, base):\n"
		 "    at = base + (l.get('offset') or 0)\n"
		 "    if l.get('format') == 'lzma':\n"
		 "        k = [c for c in l.get('children', []) if c.get('format') == 'kernel']\n"
		 "        print(at, l['size'], k[0]['size'] if k else 0); sys.exit(0)\n"
		 "    for c in l.get('children', []): walk(c, at)\n"
		 "for im in t['images']:\n"
		 "    if im['name'] == sys.argv[2]: walk(im['layers'], 0)\n"
		 "sys.exit(1)\n"
		 "EOF\n",
		 corpus, image);
	FILE *p = popen(cmd, "r");
	if (!p)
		return false;
	unsigned long long a, b, c;
	int got = fscanf(p, "%llu %llu %llu", &a, &b, &c);
	int rc = pclose(p);
	if (got != 3 || rc != 0)
		return false;
	v[0] = a;
	v[1] = b;
	v[2] = c;
	return true;
}

static void corpus_kernel(const char *image)
{
	const char *home = getenv("HOME");
	char corpus[1024], path[1200];
	snprintf(corpus, sizeof(corpus), "%s/.cache/firmgate/corpus", home ? home : "/root");
	snprintf(path, sizeof(path), "%s/images/%s", corpus, image);
	uint64_t v[3];
	if (access(path, R_OK) != 0 || !truth_lzma(corpus, image, v)) {
		fprintf(stderr, "corpus %s or its truth missing: skipping\n", image);
		return;
	}
	size_t len;
	uint8_t *img = read_file(path, &len);
	REQUIRE(img && v[0] + v[1] <= len);
	const uint8_t *d = img + v[0];
	uint64_t cl = 0;
	CHECK(fg_format_lzma.probe(d, len - v[0], &cl) >= FG_CARVE_MIN_CONFIDENCE);
	env e = unpack(&fg_format_lzma, "kernel.lzma", d, len - v[0], NULL);
	CHECK_INT_EQ(e.rc, 0);
	const fg_node *k = only_child(&e);
	REQUIRE(k);
	CHECK_INT_EQ(e.root->src_length, v[1]);
	CHECK_INT_EQ(k->data_len, v[2]);
	CHECK(!(k->flags & FG_NODE_TRUNCATED));
	CHECK(memmem(k->data, k->data_len, "Linux version", 13) != NULL);
	fg_result_free(e.res);
	free(img);
}

TEST(lzma_corpus_kernel_in_trx)
{
	corpus_kernel("rtr-a_trx.bin");
}

TEST(lzma_corpus_kernel_in_flash)
{
	corpus_kernel("rtr-a_flash-16m.bin");
}

/* ---- bzip2 ---------------------------------------------------------- */

TEST(bzip2_multi_stream_and_trailing_bytes)
{
	size_t an = 300000;
	uint8_t *a = pattern(an);
	size_t n1, n2;
	uint8_t *s1 = make_bz2(a, an, 9, &n1);
	uint8_t *s2 = make_bz2("and the second stream\n", 22, 1, &n2);
	size_t bn, wn;
	uint8_t *blob = concat(&bn, 3, s1, n1, s2, n2, garbage, sizeof(garbage));
	uint8_t *want = concat(&wn, 2, a, an, "and the second stream\n", (size_t)22);
	CHECK(fg_format_bzip2.probe(blob, bn, &(uint64_t){0}) >= FG_CARVE_MIN_CONFIDENCE);
	check_clean(&fg_format_bzip2, "rootfs.tbz2", blob, bn, "rootfs.tar", want, wn, n1 + n2);
	/* an empty stream (end-of-stream magic right after the header) */
	size_t en;
	uint8_t *empty = make_bz2("", 0, 9, &en);
	CHECK(fg_format_bzip2.probe(empty, en, &(uint64_t){0}) > 0);
	env e = unpack(&fg_format_bzip2, "e.bz2", empty, en, NULL);
	CHECK_INT_EQ(e.rc, 0);
	CHECK(only_child(&e) && only_child(&e)->data_len == 0);
	fg_result_free(e.res);
	static const uint8_t bad_level[] = "BZh0\x31\x41\x59\x26\x53\x59";
	static const uint8_t bad_block[] = "BZh9\x31\x41\x59\x26\x53\x58";
	CHECK_INT_EQ(fg_format_bzip2.probe(bad_level, 10, &(uint64_t){0}), 0);
	CHECK_INT_EQ(fg_format_bzip2.probe(bad_block, 10, &(uint64_t){0}), 0);
	free(empty);
	free(want);
	free(blob);
	free(s1);
	free(s2);
	free(a);
}

TEST(bzip2_cli_fixture)
{
	if (!have("bzip2")) {
		fprintf(stderr, "bzip2 missing: skipping the CLI fixture\n");
		return;
	}
	size_t tn = 250000, n;
	uint8_t *text = pattern(tn);
	uint8_t *bz = filter("bzip2 -c", text, tn, &n);
	REQUIRE(bz);
	check_clean(&fg_format_bzip2, "x.bz2", bz, n, "x", text, tn, n);
	free(bz);
	free(text);
}

TEST(bzip2_truncated_corrupt_bomb)
{
	/* level 1: 100 kB blocks, so half the stream holds whole blocks */
	size_t tn = 1000000, n;
	uint8_t *text = malloc(tn);
	fill_random(text, tn);
	for (size_t i = 0; i < tn; i++)
		text[i] = (uint8_t)('a' + text[i] % 8); /* poorly compressible */
	uint8_t *bz = make_bz2(text, tn, 1, &n);
	check_truncated(&fg_format_bzip2, bz, n / 2, tn);
	bz[n / 2] ^= 0x10;
	check_corrupt(&fg_format_bzip2, bz, n, "corrupt");
	bz[n / 2] ^= 0x10;
	mutate(&fg_format_bzip2, bz, n < 20000 ? n : 20000, 30);
	free(bz);
	free(text);

	size_t big = 64u << 20;
	uint8_t *zeros = calloc(1, big);
	bz = make_bz2(zeros, big, 9, &n);
	free(zeros);
	check_bomb(&fg_format_bzip2, bz, n, 100);
	free(bz);
}

/* ---- zstd ----------------------------------------------------------- */

TEST(zstd_frames_skippable_and_trailing_bytes)
{
	size_t an = 400000;
	uint8_t *a = pattern(an);
	size_t n1, n2;
	uint8_t *f1 = make_zstd(a, an, &n1);
	uint8_t *f2 = make_zstd("second frame", 12, &n2);
	uint8_t skip[8 + 5];
	put32le(skip, 0x184D2A53);
	put32le(skip + 4, 5);
	memcpy(skip + 8, "meta!", 5);
	size_t bn, wn;
	uint8_t *blob = concat(&bn, 4, f1, n1, skip, sizeof(skip), f2, n2, garbage, sizeof(garbage));
	uint8_t *want = concat(&wn, 2, a, an, "second frame", (size_t)12);
	uint64_t cl = 0;
	CHECK(fg_format_zstd.probe(blob, bn, &cl) >= FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(cl, n1 + sizeof(skip) + n2);
	check_clean(&fg_format_zstd, "data.zst", blob, bn, "data", want, wn, n1 + sizeof(skip) + n2);
	/* a skippable frame in front, as some tools write metadata first */
	free(blob);
	blob = concat(&bn, 2, skip, sizeof(skip), f2, n2);
	cl = 0;
	CHECK(fg_format_zstd.probe(blob, bn, &cl) > 0);
	CHECK_INT_EQ(cl, bn);
	check_clean(&fg_format_zstd, "m.zst", blob, bn, "m", (const uint8_t *)"second frame", 12, bn);
	/* only a skippable frame: nothing to decode */
	CHECK_INT_EQ(fg_format_zstd.probe(skip, sizeof(skip), &(uint64_t){0}), 0);
	free(want);
	free(blob);
	free(f1);
	free(f2);
	free(a);
}

TEST(zstd_cli_fixture)
{
	if (!have("zstd")) {
		fprintf(stderr, "zstd missing: skipping the CLI fixture\n");
		return;
	}
	size_t tn = 300000, n;
	uint8_t *text = pattern(tn);
	uint8_t *z = filter("zstd -q -19 -c", text, tn, &n);
	REQUIRE(z);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_zstd.probe(z, n, &cl), 90);
	CHECK_INT_EQ(cl, n);
	check_clean(&fg_format_zstd, "x.zst", z, n, "x", text, tn, n);
	free(z);
	free(text);
}

TEST(zstd_truncated_corrupt_bomb_window)
{
	size_t tn = 2000000, n;
	uint8_t *text = pattern(tn);
	uint8_t *z = make_zstd(text, tn, &n);
	check_truncated(&fg_format_zstd, z, n / 2, tn);
	z[n - 2] ^= 0x40; /* content checksum */
	check_corrupt(&fg_format_zstd, z, n, "checksum");
	z[n - 2] ^= 0x40;
	mutate(&fg_format_zstd, z, n, 40);
	free(z);

	size_t big = 64u << 20;
	uint8_t *zeros = calloc(1, big);
	z = make_zstd(zeros, big, &n);
	check_bomb(&fg_format_zstd, z, n, 100);
	free(z);

	/* a frame asking for a 1 GiB window (no content size to shrink it) */
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(cc, ZSTD_c_windowLog, 30);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0);
	size_t cap = ZSTD_compressBound(1 << 20) + 1024;
	z = malloc(cap);
	ZSTD_outBuffer out = { z, cap, 0 };
	ZSTD_inBuffer in = { zeros, 1 << 20, 0 };
	ZSTD_compressStream2(cc, &out, &in, ZSTD_e_continue);
	while (ZSTD_compressStream2(cc, &out, &in, ZSTD_e_end) > 0)
		;
	ZSTD_freeCCtx(cc);
	ZSTD_frameHeader fh;
	CHECK(ZSTD_getFrameHeader(&fh, z, out.pos) == 0 && fh.windowSize == (1ull << 30));
	env e = unpack(&fg_format_zstd, "huge-window.zst", z, out.pos, NULL);
	CHECK(e.rc < 0);
	CHECK(e.res->diags.items.n >= 1);
	fg_result_free(e.res);
	free(zeros);
	free(z);
	free(text);
}

/* ---- lz4 ------------------------------------------------------------ */

TEST(lz4_frames_skippable_and_trailing_bytes)
{
	size_t an = 300000;
	uint8_t *a = pattern(an);
	size_t n1, n2;
	uint8_t *f1 = make_lz4f(a, an, &n1);
	uint8_t *f2 = make_lz4f("tail frame", 10, &n2);
	uint8_t skip[8 + 3];
	put32le(skip, 0x184D2A5F);
	put32le(skip + 4, 3);
	memcpy(skip + 8, "xyz", 3);
	size_t bn, wn;
	uint8_t *blob = concat(&bn, 4, f1, n1, skip, sizeof(skip), f2, n2, garbage, sizeof(garbage));
	uint8_t *want = concat(&wn, 2, a, an, "tail frame", (size_t)10);
	uint64_t cl = 0;
	CHECK(fg_format_lz4.probe(blob, bn, &cl) >= FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(cl, n1 + sizeof(skip) + n2);
	check_clean(&fg_format_lz4, "img.lz4", blob, bn, "img", want, wn, n1 + sizeof(skip) + n2);
	env e = unpack(&fg_format_lz4, "img.lz4", blob, bn, NULL);
	CHECK(e.root && e.root->format_info && !strcmp(e.root->format_info, "frame"));
	fg_result_free(e.res);
	/* a broken header checksum */
	f2[6] ^= 0xff;
	CHECK_INT_EQ(fg_format_lz4.probe(f2, n2, &(uint64_t){0}), 0);
	free(want);
	free(blob);
	free(f1);
	free(f2);
	free(a);
}

TEST(lz4_legacy_kernel_style)
{
	/* three blocks (8 + 8 + 4 MiB), then the size word the kernel build
	 * appends, which is not part of the stream */
	size_t tn = 20u << 20, n;
	uint8_t *text = pattern(tn);
	uint8_t *lz = make_lz4_legacy(text, tn, &n);
	uint8_t size_word[4];
	put32le(size_word, (uint32_t)tn);
	size_t bn;
	uint8_t *blob = concat(&bn, 2, lz, n, size_word, sizeof(size_word));
	CHECK(fg_format_lz4.probe(blob, bn, &(uint64_t){0}) >= FG_CARVE_MIN_CONFIDENCE);
	check_clean(&fg_format_lz4, "vmlinux.bin.lz4", blob, bn, "vmlinux.bin", text, tn, n);
	env e = unpack(&fg_format_lz4, "x.lz4", blob, bn, NULL);
	CHECK(e.root && e.root->format_info && !strcmp(e.root->format_info, "legacy"));
	fg_result_free(e.res);
	check_truncated(&fg_format_lz4, lz, n / 2, tn);
	free(blob);
	free(lz);

	if (have("lz4")) {
		size_t sn = 100000;
		uint8_t *cli = filter("lz4 -l -q -c", text, sn, &n);
		REQUIRE(cli && n > 8 && memcmp(cli, "\x02\x21\x4c\x18", 4) == 0);
		check_clean(&fg_format_lz4, "x.lz4", cli, n, "x", text, sn, n);
		free(cli);
		cli = filter("lz4 -q -c", text, sn, &n);
		REQUIRE(cli);
		uint64_t cl = 0;
		CHECK(fg_format_lz4.probe(cli, n, &cl) >= FG_CARVE_MIN_CONFIDENCE);
		CHECK_INT_EQ(cl, n);
		check_clean(&fg_format_lz4, "y.lz4", cli, n, "y", text, sn, n);
		free(cli);
	} else {
		fprintf(stderr, "lz4 missing: skipping the CLI fixtures\n");
	}
	free(text);
}

TEST(lz4_truncated_corrupt_bomb)
{
	size_t tn = 500000, n;
	uint8_t *text = pattern(tn);
	uint8_t *lz = make_lz4f(text, tn, &n);
	check_truncated(&fg_format_lz4, lz, n / 2, tn);
	lz[n - 1] ^= 0x01; /* content checksum */
	check_corrupt(&fg_format_lz4, lz, n, NULL);
	lz[n - 1] ^= 0x01;
	mutate(&fg_format_lz4, lz, n, 40);
	free(lz);
	lz = make_lz4_legacy(text, tn, &n);
	mutate(&fg_format_lz4, lz, n, 40);
	free(lz);

	size_t big = 64u << 20;
	uint8_t *zeros = calloc(1, big);
	lz = make_lz4_legacy(zeros, big, &n);
	check_bomb(&fg_format_lz4, lz, n, 10);
	free(lz);
	lz = make_lz4f(zeros, big, &n);
	check_bomb(&fg_format_lz4, lz, n, 10);
	free(lz);
	free(zeros);
	free(text);
}

/* ---- lzop ----------------------------------------------------------- */

static uint8_t *make_lzop(const char *flags, const void *d, size_t n, size_t *out_len)
{
	char in[1200], out[1200];
	snprintf(in, sizeof(in), "%s/rootfs.img", work());
	snprintf(out, sizeof(out), "%s/rootfs.img.lzo", work());
	if (!write_file(in, d, n) || chmod(in, 04751) != 0 ||
	    sh("touch -d @1700000000 '%s' && lzop -q -f %s -o '%s' '%s'", in, flags, out, in) != 0)
		return NULL;
	return read_file(out, out_len);
}

TEST(lzop_round_trip_name_mode_mtime)
{
	if (!have("lzop")) {
		fprintf(stderr, "lzop missing: skipping\n");
		return;
	}
	size_t tn = 700000, n;
	uint8_t *text = pattern(tn);
	const char *levels[] = { "-1", "-9", "--crc32 -3" };
	for (int i = 0; i < 3; i++) {
		uint8_t *lz = make_lzop(levels[i], text, tn, &n);
		REQUIRE(lz);
		size_t bn;
		uint8_t *blob = concat(&bn, 2, lz, n, garbage, sizeof(garbage));
		uint64_t cl = 0;
		CHECK_INT_EQ(fg_format_lzop.probe(blob, bn, &cl), 90);
		CHECK_INT_EQ(cl, n);
		check_clean(&fg_format_lzop, "fw.lzo", blob, cl, "rootfs.img", text, tn, n);
		env e = unpack(&fg_format_lzop, "fw.lzo", blob, bn, NULL);
		const fg_node *c = only_child(&e);
		REQUIRE(c);
		CHECK_INT_EQ(c->mode, 04751);
		CHECK_INT_EQ(c->mtime, 1700000000);
		CHECK_INT_EQ(e.root->src_length, n);
		fg_result_free(e.res);
		free(blob);
		free(lz);
	}
	/* from a pipe: no stored name, the container's name is used */
	uint8_t *lz = filter("lzop -c", text, 1000, &n);
	REQUIRE(lz);
	check_clean(&fg_format_lzop, "piped.lzo", lz, n, "piped", text, 1000, n);
	free(lz);
	free(text);
}

TEST(lzop_truncated_corrupt_bomb)
{
	if (!have("lzop"))
		return;
	size_t tn = 900000, n;
	uint8_t *text = pattern(tn);
	uint8_t *lz = make_lzop("-5", text, tn, &n);
	REQUIRE(lz);
	check_truncated(&fg_format_lzop, lz, n / 2, tn);
	/* a header byte: the header checksum no longer matches */
	lz[20] ^= 0x01;
	CHECK_INT_EQ(fg_format_lzop.probe(lz, n, &(uint64_t){0}), 0);
	lz[20] ^= 0x01;
	/* data in the last block: its Adler-32 catches it */
	lz[n - 10] ^= 0x20;
	check_corrupt(&fg_format_lzop, lz, n, NULL);
	lz[n - 10] ^= 0x20;
	mutate(&fg_format_lzop, lz, n, 40);
	free(lz);

	size_t big = 64u << 20;
	uint8_t *zeros = calloc(1, big);
	lz = make_lzop("-1", zeros, big, &n);
	free(zeros);
	REQUIRE(lz);
	check_bomb(&fg_format_lzop, lz, n, 10);
	free(lz);
	free(text);
}

/* ---- cut anywhere --------------------------------------------------- */

TEST(every_prefix_is_safe)
{
	size_t tn = 70000, n;
	uint8_t *text = pattern(tn);
	uint8_t *z;
	z = make_zlib(text, tn, &n);
	prefixes(&fg_format_zlib, z, n);
	free(z);
	z = make_lzma(text, tn, &n);
	prefixes(&fg_format_lzma, z, n);
	free(z);
	z = make_bz2(text, tn, 9, &n);
	prefixes(&fg_format_bzip2, z, n);
	free(z);
	z = make_zstd(text, tn, &n);
	prefixes(&fg_format_zstd, z, n);
	free(z);
	z = make_lz4f(text, tn, &n);
	prefixes(&fg_format_lz4, z, n);
	free(z);
	z = make_lz4_legacy(text, tn, &n);
	prefixes(&fg_format_lz4, z, n);
	free(z);
	if (have("lzop")) {
		z = filter("lzop -c", text, tn, &n);
		if (z)
			prefixes(&fg_format_lzop, z, n);
		free(z);
	}
	free(text);
}

/* ---- all of them in one blob ---------------------------------------- */

TEST(streams_carved_from_one_blob)
{
	const char *msgs[] = { "zstd payload\n", "bzip2 payload\n", "lz4 payload\n", "lzma payload\n",
			       "zlib payload\n" };
	const char *fmts[] = { "zstd", "bzip2", "lz4", "lzma", "zlib" };
	uint8_t *parts[5];
	size_t lens[5];
	parts[0] = make_zstd(msgs[0], strlen(msgs[0]), &lens[0]);
	parts[1] = make_bz2(msgs[1], strlen(msgs[1]), 9, &lens[1]);
	parts[2] = make_lz4f(msgs[2], strlen(msgs[2]), &lens[2]);
	parts[3] = make_lzma(msgs[3], strlen(msgs[3]), &lens[3]);
	parts[4] = make_zlib(msgs[4], strlen(msgs[4]), &lens[4]);
	size_t cap = 1 << 16, pos = 0, at[5];
	uint8_t *blob = malloc(cap);
	fill_random(blob, 1000);
	blob[0] = 0x11;
	pos = 1000;
	for (int i = 0; i < 5; i++) {
		at[i] = pos;
		memcpy(blob + pos, parts[i], lens[i]);
		pos += lens[i];
		memset(blob + pos, 0xff, 100 + 37 * i);
		pos += 100 + 37 * i;
	}
	fg_result *r = scan_blob(blob, pos);
	for (int i = 0; i < 5; i++) {
		const fg_node *c = carved(r, fmts[i], at[i]);
		free(parts[i]);
		if (!c) {
			fprintf(stderr, "%s not carved at 0x%zx\n", fmts[i], at[i]);
			CHECK(c != NULL);
			continue;
		}
		CHECK_INT_EQ(c->data_len, lens[i]);
		REQUIRE(c->unpacked && c->unpacked->nchildren == 1);
		const fg_node *out = c->unpacked->children[0];
		CHECK(out->data_len == strlen(msgs[i]) && !memcmp(out->data, msgs[i], out->data_len));
	}
	CHECK_INT_EQ(r->tree.root->unpacked->nchildren, 5);
	fg_result_free(r);
	free(blob);
}

/* last: leave nothing behind */
TEST(zz_cleanup)
{
	if (workdir[0] && strcmp(workdir, "/tmp") != 0 && !getenv("FG_TEST_KEEP"))
		sh("rm -rf '%s'", workdir);
}
