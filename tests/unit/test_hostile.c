/*
 * test_hostile.c - regressions for what the hostile-input suite
 * (tests/hostile/) found: each test builds the smallest input that showed
 * the problem, byte by byte.
 *
 *   - a tar cut exactly between two entries passed for a whole archive;
 *   - a node more than 512 levels down (a tar entry 700 directories deep)
 *     had an empty path (manifest, findings), and `unpack -o` stopped at
 *     512 levels with exit 4;
 *   - zip central-directory entries sharing one local header (the
 *     overlapping-files bomb) were dropped without a word;
 *   - `unpack -o` failed with exit 4 on a name longer than NAME_MAX and on
 *     a sibling named like another file's NAME.unpacked directory;
 *   - `unpack --list` and the scan's summary printed names from the image
 *     raw: an ESC sequence drove the terminal, a newline forged a line.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/result.h"
#include "test.h"
#include "unpack/engine.h"
#include "unpack/format.h"

extern const fg_format fg_format_tar;
extern const fg_format fg_format_zip;

/* ---- building inputs ------------------------------------------------ */

typedef struct buf {
	uint8_t *p;
	size_t n, cap;
} buf;

static void put(buf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 4096;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void put_zeros(buf *b, size_t n)
{
	uint8_t z[512] = {0};
	while (n) {
		size_t k = n < sizeof(z) ? n : sizeof(z);
		put(b, z, k);
		n -= k;
	}
}

static void put_le16(buf *b, unsigned v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	put(b, x, 2);
}

static void put_le32(buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	put(b, x, 4);
}

/* One ustar member (NAME < 100 bytes); TYPE '0', '5', 'L'... */
static void tar_member(buf *b, const char *name, char type, const void *data, size_t len)
{
	uint8_t h[512] = {0};
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", type == '5' ? 0755 : 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011zo", len);
	snprintf((char *)h + 136, 12, "%011o", 1700000000);
	h[156] = (uint8_t)type;
	memcpy(h + 257, "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
	put(b, h, 512);
	if (len) {
		put(b, data, len);
		put_zeros(b, (512 - len % 512) % 512);
	}
}

/* A member whose NAME is any length: GNU ././@LongLink first. */
static void tar_long(buf *b, const char *name, const void *data, size_t len)
{
	tar_member(b, "././@LongLink", 'L', name, strlen(name) + 1);
	tar_member(b, "long", '0', data, len);
}

/* A stored zip of one member NAME, listed N times in the central
 * directory under NAME, NAME1, NAME2... all at local header 0. */
static void zip_overlapping(buf *b, const char *name, const char *data, int n)
{
	size_t nl = strlen(name), dl = strlen(data);
	uint32_t crc = (uint32_t)crc32(0, (const Bytef *)data, (uInt)dl);
	put_le32(b, 0x04034b50);
	put_le16(b, 20); put_le16(b, 0); put_le16(b, 0);   /* version, flags, stored */
	put_le16(b, 0); put_le16(b, 0x5021);               /* time, date */
	put_le32(b, crc); put_le32(b, (uint32_t)dl); put_le32(b, (uint32_t)dl);
	put_le16(b, (unsigned)nl); put_le16(b, 0);
	put(b, name, nl);
	put(b, data, dl);
	size_t cd = b->n;
	for (int i = 0; i < n; i++) {
		char nm[64];
		snprintf(nm, sizeof(nm), i ? "%s%d" : "%s", name, i);
		size_t l = strlen(nm);
		put_le32(b, 0x02014b50);
		put_le16(b, 0x031e); put_le16(b, 20); put_le16(b, 0); put_le16(b, 0);
		put_le16(b, 0); put_le16(b, 0x5021);
		put_le32(b, crc); put_le32(b, (uint32_t)dl); put_le32(b, (uint32_t)dl);
		put_le16(b, (unsigned)l); put_le16(b, 0); put_le16(b, 0);
		put_le16(b, 0); put_le16(b, 0); put_le32(b, 0100644u << 16);
		put_le32(b, 0);                                    /* local header offset */
		put(b, nm, l);
	}
	size_t cd_size = b->n - cd;
	put_le32(b, 0x06054b50);
	put_le16(b, 0); put_le16(b, 0);
	put_le16(b, (unsigned)n); put_le16(b, (unsigned)n);
	put_le32(b, (uint32_t)cd_size); put_le32(b, (uint32_t)cd);
	put_le16(b, 0);
}

/* ---- running a handler ---------------------------------------------- */

typedef struct run {
	fg_tree tree;
	fg_budget budget;
	fg_diag_list diags;
	fg_node *root;
	int rc;
} run;

static void run_handler(run *r, const fg_format *f, const uint8_t *data, size_t len)
{
	fg_limits lim;
	fg_limits_default(&lim);
	fg_tree_init(&r->tree);
	fg_budget_init(&r->budget, &lim);
	fg_diag_init(&r->diags);
	r->rc = fg_unpack_buffer_for_test(&r->tree, &r->budget, &r->diags, f, "in", data, len,
					  &r->root);
}

static void run_free(run *r)
{
	fg_tree_free(&r->tree);
	fg_diag_free(&r->diags);
}

static bool noted(const fg_node *n, const char *needle)
{
	return n && (n->flags & FG_NODE_TRUNCATED) && n->note && strstr(n->note, needle);
}

/* ---- scratch directories ------------------------------------------- */

static char tmpbase[1024];

static const char *scratch(void)
{
	const char *t = getenv("FG_TEST_TMP");
	snprintf(tmpbase, sizeof(tmpbase), "%s/hostile-XXXXXX", t && *t ? t : "/tmp");
	mkdir(t && *t ? t : "/tmp", 0755);
	return mkdtemp(tmpbase);
}

static bool exists_at(const char *dir, const char *rel)
{
	char p[8192];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return lstat(p, &st) == 0;
}

/* ---- tar: the end-of-archive blocks ---------------------------------- */

TEST(tar_cut_between_entries_is_noted)
{
	buf b = {0};
	tar_member(&b, "etc/", '5', NULL, 0);
	tar_member(&b, "etc/passwd", '0', "root:x:0:0::/root:/bin/sh\n", 26);
	size_t cut = b.n;
	tar_member(&b, "etc/shadow", '0', "root:*:1::::::\n", 15);
	put_zeros(&b, 1024);

	run r;
	run_handler(&r, &fg_format_tar, b.p, b.n);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(!(r.root->flags & FG_NODE_TRUNCATED));   /* whole: no note */
	CHECK(fg_tree_lookup(r.root, "etc/shadow", false) != NULL);
	run_free(&r);

	/* cut where the third member would start: two whole entries */
	run_handler(&r, &fg_format_tar, b.p, cut);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(fg_tree_lookup(r.root, "etc/passwd", false) != NULL);
	CHECK(noted(r.root, "no end-of-archive blocks"));
	run_free(&r);

	/* one end block of the two is enough (some writers) */
	buf one = {0};
	put(&one, b.p, b.n - 512);
	run_handler(&r, &fg_format_tar, one.p, one.n);
	CHECK(!noted(r.root, "end-of-archive"));
	run_free(&r);
	free(one.p);
	free(b.p);
}

/* ---- entries nested deeper than 512 levels --------------------------- */

static char *deep_path(unsigned levels)
{
	char *p = malloc(levels * 2 + 16);
	size_t n = 0;
	for (unsigned i = 0; i < levels; i++) {
		p[n++] = 'd';
		p[n++] = '/';
	}
	strcpy(p + n, "deep.txt");
	return p;
}

TEST(deep_entry_path_is_built_and_extraction_stops_cleanly)
{
	buf b = {0};
	char *deep = deep_path(700);
	tar_long(&b, deep, "deep\n", 5);
	tar_member(&b, "top.txt", '0', "top\n", 4);
	put_zeros(&b, 1024);

	fg_result *res = fg_result_new(NULL);
	REQUIRE(res);
	fg_node *f = fg_node_new(&res->tree, "in.tar", 6, FG_NODE_FILE);
	f->flags = FG_NODE_FSROOT;
	f->data = b.p;
	f->data_len = b.n;
	f->size = b.n;
	res->tree.root = f;
	fg_unpack_all(&res->tree, &res->budget, &res->diags, 1, NULL);
	REQUIRE(f->unpacked);
	fg_node *n = fg_tree_lookup(f->unpacked, deep, false);
	REQUIRE(n);
	/* the path of a node 701 levels down: it used to come out empty */
	char path[4096];
	CHECK_INT_EQ(fg_node_path(n, path, sizeof(path)), strlen(deep) + 1);
	CHECK(path[0] == '/' && strcmp(path + 1, deep) == 0);
	/* too small a buffer: 0, and the leading whole components */
	CHECK_INT_EQ(fg_node_path(n, path, 8), 0);
	CHECK_STR_EQ(path, "/d/d/d");

	/* unpack -o: what lies past 512 levels is left out and counted, not
	 * an I/O error (exit 4 before) */
	const char *base = scratch();
	REQUIRE(base);
	char out[1100], err[1024];
	snprintf(out, sizeof(out), "%s/out", base);
	CHECK_INT_EQ(fg_extract_to_dir(res, out, 0, err, sizeof(err)), 0);
	CHECK(strstr(err, "1 entry not written (nested deeper than 512)") != NULL);
	CHECK(exists_at(out, "in.tar.unpacked/top.txt"));
	fg_result_free(res);
	free(deep);
	free(b.p);
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	CHECK_INT_EQ(system(cmd), 0);
}

/* ---- zip: overlapping entries ---------------------------------------- */

TEST(zip_overlapping_entries_are_noted)
{
	buf b = {0};
	zip_overlapping(&b, "payload", "zeros would go here\n", 3);
	run r;
	run_handler(&r, &fg_format_zip, b.p, b.n);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(fg_tree_lookup(r.root, "payload", false) != NULL);
	CHECK(noted(r.root, "2 central-directory entries share another entry's local header"));
	CHECK(noted(r.root, "\"payload1\""));
	run_free(&r);
	free(b.p);

	/* one entry: nothing to say */
	buf one = {0};
	zip_overlapping(&one, "payload", "data\n", 1);
	run_handler(&r, &fg_format_zip, one.p, one.n);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(!(r.root->flags & FG_NODE_TRUNCATED));
	run_free(&r);
	free(one.p);
}

/* ---- unpack -o: names the host refuses, names taken ------------------ */

static size_t gzip_of(const char *text, uint8_t *out, size_t cap)
{
	z_stream zs = {0};
	deflateInit2(&zs, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
	zs.next_in = (Bytef *)text;
	zs.avail_in = (uInt)strlen(text);
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	deflate(&zs, Z_FINISH);
	size_t n = zs.total_out;
	deflateEnd(&zs);
	return n;
}

TEST(extract_long_and_taken_names)
{
	const char *base = scratch();
	REQUIRE(base);
	buf b = {0};
	char longname[400];
	memset(longname, 'y', 300);
	strcpy(longname + 300, "");
	char lp[512];
	snprintf(lp, sizeof(lp), "long/%s", longname);
	tar_long(&b, lp, "300-byte name\n", 14);
	uint8_t gz[256];
	size_t gl = gzip_of("inside a.gz\n", gz, sizeof(gz));
	tar_member(&b, "a.gz", '0', gz, gl);
	tar_member(&b, "a.gz.unpacked", '0', "a file\n", 7);
	put_zeros(&b, 1024);

	fg_result *res = fg_result_new(NULL);
	REQUIRE(res);
	fg_node *f = fg_node_new(&res->tree, "in.tar", 6, FG_NODE_FILE);
	f->flags = FG_NODE_FSROOT;
	f->data = b.p;
	f->data_len = b.n;
	f->size = b.n;
	res->tree.root = f;
	fg_unpack_all(&res->tree, &res->budget, &res->diags, 1, NULL);

	char out[1100], err[1024];
	snprintf(out, sizeof(out), "%s/out", base);
	int rc = fg_extract_to_dir(res, out, 0, err, sizeof(err));
	CHECK_INT_EQ(rc, 0);
	CHECK(strstr(err, "2 entries written as NAME~N") != NULL);
	char alt[300];
	snprintf(alt, sizeof(alt), "in.tar.unpacked/long/%.200s~1", longname);
	CHECK(exists_at(out, alt));
	CHECK(exists_at(out, "in.tar.unpacked/a.gz"));
	CHECK(exists_at(out, "in.tar.unpacked/a.gz.unpacked/a"));   /* gzip's output */
	CHECK(exists_at(out, "in.tar.unpacked/a.gz.unpacked~1"));   /* the sibling file */
	fg_result_free(res);
	free(b.p);
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	CHECK_INT_EQ(system(cmd), 0);
}

/* ---- unpack --list: names are shown, never obeyed -------------------- */

TEST(list_escapes_control_characters)
{
	buf b = {0};
	tar_member(&b, "esc\x1b[2Jx", '0', "a\n", 2);
	tar_member(&b, "new\nline", '0', "b\n", 2);
	tar_member(&b, "c1-\xc2\x9b" "31m", '0', "c\n", 2);
	tar_member(&b, "back\\slash", '0', "d\n", 2);
	put_zeros(&b, 1024);
	fg_result *res = fg_result_new(NULL);
	REQUIRE(res);
	fg_node *f = fg_node_new(&res->tree, "in.tar", 6, FG_NODE_FILE);
	f->flags = FG_NODE_FSROOT;
	f->data = b.p;
	f->data_len = b.n;
	f->size = b.n;
	res->tree.root = f;
	fg_unpack_all(&res->tree, &res->budget, &res->diags, 1, NULL);
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	REQUIRE(m);
	fg_report_tree(res, m);
	fclose(m);
	CHECK(strchr(text, '\x1b') == NULL);
	CHECK(strstr(text, "\xc2\x9b") == NULL);
	CHECK(strstr(text, "esc\\x1b[2Jx") != NULL);
	CHECK(strstr(text, "new\\x0aline") != NULL);
	CHECK(strstr(text, "c1-\\xc2\\x9b31m") != NULL);
	CHECK(strstr(text, "back\\\\slash") != NULL);
	/* one line per node: the input, its tar, four files */
	size_t lines = 0;
	for (char *p = text; *p; p++)
		lines += *p == '\n';
	CHECK_INT_EQ(lines, 6);
	free(text);
	fg_result_free(res);
	free(b.p);
}

/* ---- the scan's summary: diagnostics name entries of the image -------- */

TEST(summary_escapes_control_characters)
{
	buf b = {0};
	tar_member(&b, "../\x1b[2Jcleared\nforged", '0', "x\n", 2);
	tar_member(&b, "ok", '0', "y\n", 2);
	put_zeros(&b, 1024);
	fg_result *res = fg_result_new(NULL);
	REQUIRE(res);
	fg_node *f = fg_node_new(&res->tree, "in.tar", 6, FG_NODE_FILE);
	f->flags = FG_NODE_FSROOT;
	f->data = b.p;
	f->data_len = b.n;
	f->size = b.n;
	res->tree.root = f;
	res->input_name = "in.tar";
	fg_unpack_all(&res->tree, &res->budget, &res->diags, 1, NULL);
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	REQUIRE(m);
	fg_report_text(res, m, FG_TEXT_VERBOSE);
	fclose(m);
	CHECK(strchr(text, '\x1b') == NULL);
	CHECK(strstr(text, "refused path with '..': ../\\x1b[2Jcleared\\x0aforged") != NULL);
	free(text);
	fg_result_free(res);
	free(b.p);
}
