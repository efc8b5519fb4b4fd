/* Carving: chunks found anywhere in a blob, and coverage of the rest. */
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "test.h"
#include "core/result.h"
#include "unpack/carve.h"
#include "unpack/engine.h"
#include "unpack/format.h"

static size_t put_gzip(uint8_t *out, size_t cap, const char *text)
{
	z_stream zs = {0};
	deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	zs.next_in = (Bytef *)text;
	zs.avail_in = (uInt)strlen(text);
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	deflate(&zs, Z_FINISH);
	size_t n = zs.total_out;
	deflateEnd(&zs);
	return n;
}

static size_t put_xz(uint8_t *out, size_t cap, const char *text)
{
	size_t n = 0;
	lzma_easy_buffer_encode(1, LZMA_CHECK_CRC32, NULL, (const uint8_t *)text, strlen(text), out, &n, cap);
	return n;
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

static const fg_node *chunk(const fg_node *carve, const char *name)
{
	return fg_node_find_child(carve, name, strlen(name));
}

TEST(carves_chunks_and_classifies_gaps)
{
	size_t cap = 1 << 16;
	uint8_t *blob = calloc(1, cap);
	size_t pos = 0;
	srand(1);
	for (int i = 0; i < 2048; i++)
		blob[pos++] = (uint8_t)(rand() >> 7); /* random header: high entropy */
	size_t gz_at = pos;
	pos += put_gzip(blob + pos, cap - pos, "first payload\n");
	memset(blob + pos, 0xff, 4096);
	pos += 4096;
	size_t xz_at = pos;
	pos += put_xz(blob + pos, cap - pos, "second payload\n");
	const char *tail = "just some trailing text that nothing claims, long enough to see";
	memcpy(blob + pos, tail, strlen(tail));
	pos += strlen(tail);

	fg_result *r = scan_blob(blob, pos);
	const fg_node *f = r->tree.root;
	REQUIRE(f->unpacked && (f->unpacked->flags & FG_NODE_CARVE));
	char name[64];
	snprintf(name, sizeof(name), "0x%zx.gzip", gz_at);
	const fg_node *g = chunk(f->unpacked, name);
	REQUIRE(g && g->unpacked);
	CHECK_INT_EQ(g->unpacked->src_offset, gz_at);
	CHECK(g->unpacked->children[0]->data_len == 14 &&
	      memcmp(g->unpacked->children[0]->data, "first payload\n", 14) == 0);
	snprintf(name, sizeof(name), "0x%zx.xz", xz_at);
	const fg_node *x = chunk(f->unpacked, name);
	REQUIRE(x && x->unpacked);
	CHECK(memcmp(x->unpacked->children[0]->data, "second payload\n", 15) == 0);
	char chain[64];
	snprintf(chain, sizeof(chain), "blob.bin > xz@0x%zx", xz_at);
	CHECK_STR_EQ(fg_node_chain(&r->tree, x->unpacked->children[0]), chain);

	const fg_coverage *c = f->coverage;
	REQUIRE(c);
	uint64_t sum = 0;
	for (size_t i = 0; i < c->n; i++) {
		CHECK_INT_EQ(c->ranges[i].offset, sum); /* contiguous, in order */
		sum += c->ranges[i].length;
	}
	CHECK_INT_EQ(sum, pos);
	REQUIRE(c->n == 5);
	CHECK(c->ranges[0].kind == FG_RANGE_HIGH_ENTROPY && c->ranges[0].length == 2048);
	CHECK(c->ranges[1].kind == FG_RANGE_CHUNK && !strcmp(c->ranges[1].format, "gzip"));
	CHECK(c->ranges[2].kind == FG_RANGE_PADDING && c->ranges[2].length == 4096);
	CHECK(c->ranges[3].kind == FG_RANGE_CHUNK && !strcmp(c->ranges[3].format, "xz"));
	CHECK(c->ranges[4].kind == FG_RANGE_UNKNOWN && c->ranges[4].length == strlen(tail));
	CHECK_INT_EQ(c->padding, 4096);
	fg_result_free(r);
	free(blob);
}

TEST(a_whole_file_chunk_is_not_wrapped)
{
	uint8_t blob[512];
	size_t n = put_gzip(blob, sizeof(blob), "only this\n");
	memset(blob + n, 0, 100); /* padding after the stream is fine */
	fg_result *r = scan_blob(blob, n + 100);
	const fg_node *f = r->tree.root;
	REQUIRE(f->unpacked);
	CHECK_STR_EQ(f->unpacked->format, "gzip");
	CHECK(!(f->unpacked->flags & FG_NODE_CARVE));
	REQUIRE(f->coverage && f->coverage->n == 2);
	CHECK(f->coverage->ranges[1].kind == FG_RANGE_PADDING);
	fg_result_free(r);
}

TEST(false_magics_are_rejected_by_the_structure)
{
	/* gzip magic bytes followed by garbage, and an xz magic cut short */
	uint8_t blob[4096];
	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)('a' + i % 26);
	memcpy(blob + 100, "\x1f\x8b\x08\xff", 4);
	memcpy(blob + 4090, "\xfd" "7zXZ", 5);
	fg_result *r = scan_blob(blob, sizeof(blob));
	CHECK(r->tree.root->unpacked == NULL);
	REQUIRE(r->tree.root->coverage);
	CHECK_INT_EQ(r->tree.root->coverage->identified, 0);
	CHECK_INT_EQ(r->tree.root->coverage->unknown, sizeof(blob));
	fg_result_free(r);
}

TEST(entropy_and_padding_runs)
{
	uint8_t z[1000] = {0};
	CHECK(fg_entropy(z, sizeof(z)) == 0.0);
	uint8_t all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	CHECK(fg_entropy(all, sizeof(all)) > 7.99);
	fg_range_vec v = {0};
	uint8_t g[300];
	memset(g, 'x', 300);
	memset(g + 100, 0x00, 100); /* a long zero run in the middle */
	memset(g + 250, 0xff, 10);  /* too short to count as padding */
	fg_coverage_gap(g, 0, 300, &v);
	REQUIRE(v.n == 3);
	CHECK(v.v[0].kind == FG_RANGE_UNKNOWN && v.v[0].length == 100);
	CHECK(v.v[1].kind == FG_RANGE_PADDING && v.v[1].offset == 100 && v.v[1].length == 100);
	CHECK(v.v[2].kind == FG_RANGE_UNKNOWN && v.v[2].length == 100);
	FG_VEC_FREE(&v);
}

/* Regression: a blob with no magic at all left the candidate list empty,
 * and sorting an empty list handed qsort a NULL pointer (UBSan). */
TEST(a_blob_without_any_magic)
{
	static const uint8_t text[] = "plain text, no magic anywhere in here, nothing to carve.";
	fg_result *r = scan_blob(text, sizeof(text) - 1);
	CHECK(r->tree.root->unpacked == NULL);
	REQUIRE(r->tree.root->coverage && r->tree.root->coverage->n == 1);
	CHECK(r->tree.root->coverage->ranges[0].kind == FG_RANGE_UNKNOWN);
	fg_result_free(r);
}

TEST(the_wall_clock_budget_stops_unpacking)
{
	uint8_t blob[512];
	size_t n = put_gzip(blob, sizeof(blob), "late\n");
	fg_options o;
	fg_options_default(&o);
	o.limits.max_seconds = 1e-9; /* spent before the first container */
	fg_result *r = fg_result_new(&o);
	fg_node *f = fg_node_new(&r->tree, "blob.gz", 7, FG_NODE_FILE);
	f->flags = FG_NODE_FSROOT;
	f->data = blob;
	f->data_len = n;
	r->tree.root = f;
	fg_unpack_all(&r->tree, &r->budget, &r->diags, 1, NULL);
	CHECK(f->unpacked == NULL);
	CHECK(f->flags & FG_NODE_TRUNCATED);
	CHECK(f->note && strstr(f->note, "time limit") != NULL);
	CHECK(fg_budget_expired(&r->budget));
	fg_result_free(r);
}

/* Regression: a leaf (ELF) at the start of a file got a carve root with a
 * "0x0.elf" chunk instead of describing the file itself. */
TEST(a_leaf_describes_the_file_itself)
{
	FILE *f = fopen("/bin/true", "rb");
	if (!f)
		return;
	static uint8_t buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	fg_result *r = scan_blob(buf, n);
	CHECK_STR_EQ(r->tree.root->format, "elf");
	CHECK(r->tree.root->format_info && strstr(r->tree.root->format_info, "ELF") != NULL);
	CHECK(r->tree.root->unpacked == NULL);
	REQUIRE(r->tree.root->coverage);
	CHECK_INT_EQ(r->tree.root->coverage->identified, n);
	fg_result_free(r);
}

/* Every handler's magics compile into the one matcher: a single bad
 * magic would otherwise switch carving off for every format. */
TEST(every_magic_is_usable_by_the_matcher)
{
	for (size_t i = 0; i < fg_format_count(); i++) {
		const fg_format *f = fg_format_at(i);
		for (const fg_magic *m = f->magics; m && m->bytes; m++) {
			if (m->len == 0)
				printf("format %s has an empty magic\n", f->name);
			CHECK(m->len > 0);
		}
	}
	fg_scanner *s = fg_scanner_new();
	CHECK(s != NULL);
	fg_scanner_free(s);
}
