/* gzip and xz handlers: round trips, concatenation, names, hostile input. */
#include <lzma.h>
#include <stdlib.h>
#include <zlib.h>

#include "test.h"
#include "core/result.h"
#include "unpack/engine.h"

extern const fg_format fg_format_gzip;
extern const fg_format fg_format_xz;

static uint8_t *make_gzip(const void *data, size_t len, const char *name, size_t *out_len)
{
	z_stream zs = {0};
	deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	gz_header h = {0};
	h.name = (Bytef *)name;
	if (name)
		deflateSetHeader(&zs, &h);
	size_t cap = deflateBound(&zs, len) + 64 + (name ? strlen(name) : 0);
	uint8_t *out = malloc(cap);
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	deflate(&zs, Z_FINISH);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

static uint8_t *make_xz(const void *data, size_t len, size_t *out_len)
{
	size_t cap = lzma_stream_buffer_bound(len);
	uint8_t *out = malloc(cap);
	*out_len = 0;
	lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, data, len, out, out_len, cap);
	return out;
}

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

static char *pattern(size_t n)
{
	char *p = malloc(n);
	for (size_t i = 0; i < n; i++)
		p[i] = (char)("firmgate"[i % 8] + (i / 4096) % 3);
	return p;
}

TEST(gzip_round_trip_uses_stored_name)
{
	char *text = pattern(300000);
	size_t n;
	uint8_t *gz = make_gzip(text, 300000, "rootfs.img", &n);
	CHECK(fg_format_gzip.probe(gz, n, &(uint64_t){0}) > 0);
	env e = unpack(&fg_format_gzip, "blob.bin", gz, n, NULL);
	CHECK_INT_EQ(e.rc, 0);
	REQUIRE(e.root && e.root->nchildren == 1);
	fg_node *f = e.root->children[0];
	CHECK_STR_EQ(f->name, "rootfs.img");
	CHECK_INT_EQ(f->data_len, 300000);
	CHECK(memcmp(f->data, text, 300000) == 0);
	CHECK_INT_EQ(e.root->src_length, n);
	fg_result_free(e.res);
	free(gz);
	free(text);
}

TEST(gzip_concatenated_members_and_trailing_bytes)
{
	size_t n1, n2;
	uint8_t *a = make_gzip("hello ", 6, NULL, &n1);
	uint8_t *b = make_gzip("world", 5, NULL, &n2);
	uint8_t *both = malloc(n1 + n2 + 100);
	memcpy(both, a, n1);
	memcpy(both + n1, b, n2);
	memset(both + n1 + n2, 0xff, 100);
	env e = unpack(&fg_format_gzip, "x.tgz", both, n1 + n2 + 100, NULL);
	REQUIRE(e.root && e.root->nchildren == 1);
	fg_node *f = e.root->children[0];
	CHECK_STR_EQ(f->name, "x.tar");
	CHECK_INT_EQ(f->data_len, 11);
	CHECK(memcmp(f->data, "hello world", 11) == 0);
	CHECK_INT_EQ(e.root->src_length, n1 + n2); /* the 0xff padding is not claimed */
	fg_result_free(e.res);
	free(a);
	free(b);
	free(both);
}

TEST(gzip_truncated_and_corrupt)
{
	char *text = pattern(200000);
	size_t n;
	uint8_t *gz = make_gzip(text, 200000, NULL, &n);
	env e = unpack(&fg_format_gzip, "cut.gz", gz, n / 2, NULL);
	/* partial output is kept and marked */
	REQUIRE(e.root && e.root->nchildren == 1);
	CHECK(e.root->children[0]->flags & FG_NODE_TRUNCATED);
	CHECK(e.res->diags.items.n >= 1);
	fg_result_free(e.res);

	gz[n - 6] ^= 0x55; /* CRC */
	e = unpack(&fg_format_gzip, "crc.gz", gz, n, NULL);
	REQUIRE(e.root && e.root->nchildren == 1);
	CHECK(e.root->children[0]->flags & FG_NODE_TRUNCATED);
	CHECK(e.res->diags.items.n >= 1 && strstr(e.res->diags.items.v[0].message, "CRC"));
	fg_result_free(e.res);

	static const uint8_t bad_flags[] = { 0x1f, 0x8b, 8, 0xe0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0 };
	CHECK(fg_format_gzip.probe(bad_flags, sizeof(bad_flags), &(uint64_t){0}) == 0);
	static const uint8_t name_runs_off[] = { 0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3, 'a', 'b', 'c', 'd',
						 'e', 'f', 'g', 'h' };
	CHECK(fg_format_gzip.probe(name_runs_off, sizeof(name_runs_off), &(uint64_t){0}) == 0);
	free(gz);
	free(text);
}

static void put_u32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * The last four bytes of a gzip file (ISIZE) size a one-call libdeflate
 * buffer for the first member; whatever they hold, the result must be
 * what zlib's streaming path makes.
 */
TEST(gzip_size_trailer_is_only_a_hint)
{
	char *text = pattern(200000);
	size_t n1, n2;
	uint8_t *a = make_gzip(text, 200000, NULL, &n1);
	uint8_t *b = make_gzip("tail", 4, NULL, &n2);
	uint8_t *buf = malloc(n1 + n2 + 4);
	REQUIRE(a && b && buf);

	/* a carved chunk: bytes after the stream whose "ISIZE" is too big,
	 * then too small for the member */
	static const uint32_t guesses[] = { 1u << 20, 200001, 199999, 1, 0xffffffffu };
	for (size_t i = 0; i < sizeof(guesses) / sizeof(guesses[0]); i++) {
		memcpy(buf, a, n1);
		put_u32le(buf + n1, guesses[i]);
		env e = unpack(&fg_format_gzip, "carved.gz", buf, n1 + 4, NULL);
		REQUIRE(e.root && e.root->nchildren == 1);
		fg_node *f = e.root->children[0];
		CHECK_INT_EQ(f->data_len, 200000);
		CHECK(f->data && memcmp(f->data, text, 200000) == 0);
		CHECK(!(f->flags & FG_NODE_TRUNCATED));
		CHECK_INT_EQ(e.root->src_length, n1);
		fg_result_free(e.res);
	}

	/* two members: the trailer names the second's size, 4 bytes */
	memcpy(buf, a, n1);
	memcpy(buf + n1, b, n2);
	env e = unpack(&fg_format_gzip, "two.gz", buf, n1 + n2, NULL);
	REQUIRE(e.root && e.root->nchildren == 1);
	CHECK_INT_EQ(e.root->children[0]->data_len, 200004);
	CHECK(memcmp(e.root->children[0]->data + 200000, "tail", 4) == 0);
	CHECK_INT_EQ(e.root->src_length, n1 + n2);
	fg_result_free(e.res);

	/* the member's own size field lies: rejected on either path */
	memcpy(buf, a, n1);
	put_u32le(buf + n1 - 4, 300000);
	e = unpack(&fg_format_gzip, "lie.gz", buf, n1, NULL);
	REQUIRE(e.root && e.root->nchildren == 1);
	CHECK(e.root->children[0]->flags & FG_NODE_TRUNCATED);
	CHECK(e.res->diags.items.n >= 1 && strstr(e.res->diags.items.v[0].message, "size"));
	fg_result_free(e.res);
	free(buf);
	free(a);
	free(b);
	free(text);
}

TEST(gzip_bomb_is_capped_by_the_ratio)
{
	size_t big = 64u << 20;
	char *zeros = calloc(1, big);
	size_t n;
	uint8_t *gz = make_gzip(zeros, big, NULL, &n);
	free(zeros);
	fg_limits l;
	fg_limits_default(&l);
	l.max_ratio = 100; /* 64 MiB of zeros compress ~1000:1 */
	env e = unpack(&fg_format_gzip, "bomb.gz", gz, n, &l);
	REQUIRE(e.root && e.root->nchildren == 1);
	fg_node *f = e.root->children[0];
	CHECK(f->data_len <= (n * 100 > (1u << 20) ? n * 100 : (1u << 20)));
	CHECK(f->flags & FG_NODE_TRUNCATED);
	CHECK(strstr(f->note, "limit") != NULL);
	fg_result_free(e.res);
	free(gz);
}

TEST(xz_round_trip_concatenated_and_truncated)
{
	char *text = pattern(100000);
	size_t n1, n2;
	uint8_t *a = make_xz(text, 100000, &n1);
	uint8_t *b = make_xz("tail", 4, &n2);
	uint8_t *both = malloc(n1 + n2);
	memcpy(both, a, n1);
	memcpy(both + n1, b, n2);
	CHECK(fg_format_xz.probe(both, n1 + n2, &(uint64_t){0}) > 0);
	env e = unpack(&fg_format_xz, "fw.bin.xz", both, n1 + n2, NULL);
	CHECK_INT_EQ(e.rc, 0);
	REQUIRE(e.root && e.root->nchildren == 1);
	fg_node *f = e.root->children[0];
	CHECK_STR_EQ(f->name, "fw.bin");
	CHECK_INT_EQ(f->data_len, 100004);
	CHECK(memcmp(f->data, text, 100000) == 0 && memcmp(f->data + 100000, "tail", 4) == 0);
	fg_result_free(e.res);

	e = unpack(&fg_format_xz, "cut.xz", a, n1 - 20, NULL);
	CHECK(e.res->diags.items.n >= 1);
	if (e.root && e.root->nchildren)
		CHECK(e.root->children[0]->flags & FG_NODE_TRUNCATED);
	fg_result_free(e.res);

	static const uint8_t junk[64] = { 0xfd, '7', 'z', 'X', 'Z', 0, 0, 4 };
	e = unpack(&fg_format_xz, "junk.xz", junk, sizeof(junk), NULL);
	CHECK(e.rc < 0);
	fg_result_free(e.res);
	free(a);
	free(b);
	free(both);
	free(text);
}
