/*
 * test_archives2.c - the zip, 7z and ar handlers.
 *
 * Real archives are made at test time with the zip CLI, 7z (p7zip-full),
 * GNU ar, dpkg-deb and tar from a staged directory; a test whose tool is
 * missing says so and passes. Hostile cases (traversal names, shifted
 * offsets, fake headers) are built byte by byte, so each one says exactly
 * what it tests. Whole-engine tests go through fg_unpack_all so carving
 * and recursion into nested archives happen as in a real scan.
 */
#include <dirent.h>
#include <glob.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

#include "core/diag.h"
#include "core/limits.h"
#include "core/result.h"
#include "core/tree.h"
#include "test.h"
#include "unpack/engine.h"
#include "unpack/format.h"

extern const fg_format fg_format_zip;
extern const fg_format fg_format_sevenzip;
extern const fg_format fg_format_ar;

#define MTIME 1700000000
#define OWNER 1000

static char workdir[1024];
static char stage[1100];
static bool have_zip, have_7z, have_ar, have_dpkg;

/* ---- helpers -------------------------------------------------------- */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	return rc == -1 ? -1 : WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			uint8_t *p = realloc(buf, cap);
			if (!p) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		size_t k = fread(buf + n, 1, cap - n, f);
		if (k == 0)
			break;
		n += k;
	}
	fclose(f);
	*len = n;
	return buf;
}

static void wpath(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", workdir, name);
}

/* Reads workdir/NAME after COMMAND (run in workdir) made it. */
static uint8_t *make(const char *name, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static uint8_t *make(const char *name, size_t *len, const char *fmt, ...)
{
	char cmd[4096], full[8192], out[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	wpath(out, sizeof(out), name);
	unlink(out);
	snprintf(full, sizeof(full), "cd '%s' && ( %s ) >/dev/null 2>&1", workdir, cmd);
	int rc = system(full);
	if (rc != 0) {
		fprintf(stderr, "command failed: %s\n", cmd);
		return NULL;
	}
	return slurp(out, len);
}

typedef struct bytes {
	uint8_t *p;
	size_t n, cap;
} bytes;

static void put(bytes *b, const void *data, size_t len)
{
	if (b->n + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->n + len)
			cap *= 2;
		uint8_t *p = realloc(b->p, cap);
		if (!p)
			abort();
		b->p = p;
		b->cap = cap;
	}
	if (len)
		memcpy(b->p + b->n, data, len);
	b->n += len;
}

static void put16(bytes *b, unsigned v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	put(b, x, 2);
}

static void put32(bytes *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	put(b, x, 4);
}

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

static void put_random(bytes *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)rnd();
		put(b, &c, 1);
	}
}

/* One handler on one buffer, no recursion. */
typedef struct run {
	fg_tree tree;
	fg_budget budget;
	fg_diag_list diags;
	fg_node *root;
	int rc;
} run;

static void run_limits(run *r, const fg_format *fmt, const uint8_t *data, size_t len,
		       const fg_limits *limits)
{
	fg_limits def;
	fg_limits_default(&def);
	fg_tree_init(&r->tree);
	fg_budget_init(&r->budget, limits ? limits : &def);
	fg_diag_init(&r->diags);
	r->root = NULL;
	r->rc = fg_unpack_buffer_for_test(&r->tree, &r->budget, &r->diags, fmt, "test.archive",
					  data, len, &r->root);
}

static void run_unpack(run *r, const fg_format *fmt, const uint8_t *data, size_t len)
{
	run_limits(r, fmt, data, len, NULL);
}

static void run_free(run *r)
{
	fg_tree_free(&r->tree);
	fg_diag_free(&r->diags);
}

/* The whole engine over a buffer (carving, recursion). */
static fg_result *scan_blob(const uint8_t *blob, size_t len, const char *name)
{
	fg_result *r = fg_result_new(NULL);
	fg_node *f = fg_node_new(&r->tree, name, strlen(name), FG_NODE_FILE);
	f->flags = FG_NODE_FSROOT;
	f->data = blob;
	f->data_len = len;
	f->size = len;
	r->tree.root = f;
	fg_unpack_all(&r->tree, &r->budget, &r->diags, 2, NULL);
	return r;
}

static fg_node *node_at(fg_node *root, const char *path)
{
	fg_node *cur = root;
	const char *p = path;
	while (cur && *p) {
		const char *end = strchrnul(p, '/');
		if (cur->type != FG_NODE_DIR)
			return NULL;
		cur = fg_node_find_child(cur, p, (size_t)(end - p));
		p = *end ? end + 1 : end;
	}
	return cur;
}

static bool has_content(const fg_node *n, const char *want)
{
	size_t wl = strlen(want);
	return n && n->data_len == wl && n->size == wl && (wl == 0 || memcmp(n->data, want, wl) == 0);
}

static bool diags_mention(const fg_diag_list *d, const char *needle)
{
	for (size_t i = 0; i < d->items.n; i++)
		if (strstr(d->items.v[i].message, needle))
			return true;
	return false;
}

static void dump_diags(const fg_diag_list *d)
{
	for (size_t i = 0; i < d->items.n; i++)
		fprintf(stderr, "  diag: %s\n", d->items.v[i].message);
}

/* First extraction root of FORMAT anywhere under TOP. */
typedef struct find_fmt {
	const char *format;
	fg_node *found;
	unsigned count;
} find_fmt;

static bool find_fmt_cb(fg_node *n, void *ud)
{
	find_fmt *f = ud;
	if ((n->flags & FG_NODE_FSROOT) && n->format && strcmp(n->format, f->format) == 0) {
		if (!f->found)
			f->found = n;
		f->count++;
	}
	return true;
}

static fg_node *find_root(fg_node *top, const char *format, unsigned *count)
{
	find_fmt f = { format, NULL, 0 };
	fg_tree_walk(top, find_fmt_cb, &f);
	if (count)
		*count = f.count;
	return f.found;
}

/* A node named NAME anywhere under TOP. */
typedef struct find_name {
	const char *name;
	fg_node *found;
} find_name;

static bool find_name_cb(fg_node *n, void *ud)
{
	find_name *f = ud;
	if (!f->found && n->name && strcmp(n->name, f->name) == 0)
		f->found = n;
	return true;
}

static fg_node *find_named(fg_node *top, const char *name)
{
	find_name f = { name, NULL };
	fg_tree_walk(top, find_name_cb, &f);
	return f.found;
}

static bool in_buffer(const fg_node *n, const uint8_t *buf, size_t len)
{
	return n && n->data && n->data >= buf && n->data + n->data_len <= buf + len;
}

static void write_file(const char *path, const char *content, mode_t mode)
{
	FILE *f = fopen(path, "wb");
	if (f) {
		fputs(content, f);
		fclose(f);
	}
	chmod(path, mode);
}

/* ---- hand-built zips ------------------------------------------------ */

typedef struct zent {
	const char *name;
	const char *data;
	bool descriptor;     /* sizes after the data (streamed) */
	bool deflate;        /* else stored */
} zent;

/* Raw deflate of TEXT into OUT (which has room for it). */
static uint32_t deflated(const char *text, uint8_t *out, size_t cap)
{
	z_stream zs = { 0 };
	deflateInit2(&zs, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	zs.next_in = (Bytef *)text;
	zs.avail_in = (uInt)strlen(text);
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	deflate(&zs, Z_FINISH);
	uint32_t n = (uint32_t)zs.total_out;
	deflateEnd(&zs);
	return n;
}

/* A stored zip of ENTS. The central directory offsets are written plus
 * SHIFT (as a self-extractor with adjusted offsets would have them). */
static void zip_build(bytes *b, const zent *ents, size_t n, uint32_t shift)
{
	size_t base = b->n;
	uint32_t offs[16];
	uint32_t csizes[16];
	for (size_t i = 0; i < n && i < 16; i++) {
		const zent *e = &ents[i];
		uint32_t len = (uint32_t)strlen(e->data);
		uint32_t crc = (uint32_t)crc32(0, (const Bytef *)e->data, len);
		uint8_t z[1024];
		uint32_t clen = e->deflate ? deflated(e->data, z, sizeof(z)) : len;
		csizes[i] = clen;
		offs[i] = (uint32_t)(b->n - base);
		put(b, "PK\3\4", 4);
		put16(b, e->deflate ? 20 : 10);
		put16(b, e->descriptor ? 8 : 0);
		put16(b, e->deflate ? 8 : 0);
		put16(b, 0);
		put16(b, 0x5821);            /* a DOS date */
		put32(b, e->descriptor ? 0 : crc);
		put32(b, e->descriptor ? 0 : clen);
		put32(b, e->descriptor ? 0 : len);
		put16(b, (unsigned)strlen(e->name));
		put16(b, 0);
		put(b, e->name, strlen(e->name));
		put(b, e->deflate ? (const void *)z : e->data, clen);
		if (e->descriptor) {
			put(b, "PK\7\x08", 4);
			put32(b, crc);
			put32(b, clen);
			put32(b, len);
		}
	}
	size_t cd = b->n - base;
	for (size_t i = 0; i < n && i < 16; i++) {
		const zent *e = &ents[i];
		uint32_t len = (uint32_t)strlen(e->data);
		put(b, "PK\1\2", 4);
		put16(b, 0x031e);            /* made by Unix, 3.0 */
		put16(b, e->deflate ? 20 : 10);
		put16(b, e->descriptor ? 8 : 0);
		put16(b, e->deflate ? 8 : 0);
		put16(b, 0);
		put16(b, 0x5821);
		put32(b, (uint32_t)crc32(0, (const Bytef *)e->data, len));
		put32(b, csizes[i]);
		put32(b, len);
		put16(b, (unsigned)strlen(e->name));
		put16(b, 0);
		put16(b, 0);
		put16(b, 0);
		put16(b, 0);
		put32(b, 0100644u << 16);
		put32(b, offs[i] + shift);
		put(b, e->name, strlen(e->name));
	}
	size_t cd_size = b->n - base - cd;
	put(b, "PK\5\6", 4);
	put16(b, 0);
	put16(b, 0);
	put16(b, (unsigned)n);
	put16(b, (unsigned)n);
	put32(b, (uint32_t)cd_size);
	put32(b, (uint32_t)cd + shift);
	put16(b, 0);
}

/* ---- setup: must run first ------------------------------------------ */

static bool have(const char *tool)
{
	return sh("command -v %s >/dev/null 2>&1", tool) == 0;
}

/* The staged tree the CLI tools archive. */
static bool make_stage(void)
{
	char p[2048];
	if (sh("mkdir -p '%s/bin' '%s/etc' '%s/usr/bin' '%s/tmp'", stage, stage, stage, stage) != 0)
		return false;
	snprintf(p, sizeof(p), "%s/bin/su", stage);
	write_file(p, "#!/bin/sh\necho su\n", 04755);
	snprintf(p, sizeof(p), "%s/etc/passwd", stage);
	write_file(p, "root:x:0:0:root:/root:/bin/sh\n", 0644);
	snprintf(p, sizeof(p), "%s/etc/shadow", stage);
	write_file(p, "root::19000:0:99999:7:::\n", 0600);
	snprintf(p, sizeof(p), "%s/usr/bin/sh", stage);
	if (symlink("/bin/busybox", p) != 0)
		return false;
	if (geteuid() == 0 && sh("chown -R -h %d:%d '%s'", OWNER, OWNER, stage) != 0)
		return false;
	/* after chown, which clears setuid */
	snprintf(p, sizeof(p), "%s/bin/su", stage);
	chmod(p, 04755);
	snprintf(p, sizeof(p), "%s/tmp", stage);
	chmod(p, 01777);
	return sh("find '%s' -exec touch -h -d @%d {} +", stage, MTIME) == 0;
}

TEST(setup)
{
	const char *base = getenv("FG_TEST_TMP");
	if (!base || !*base)
		base = "/tmp";
	sh("mkdir -p '%s'", base);
	snprintf(workdir, sizeof(workdir), "%s/archives2-XXXXXX", base);
	REQUIRE(mkdtemp(workdir) != NULL);
	snprintf(stage, sizeof(stage), "%s/stage", workdir);
	umask(022);
	REQUIRE(make_stage());
	have_zip = have("zip");
	have_7z = have("7z");
	have_ar = have("ar");
	have_dpkg = have("dpkg-deb");
	if (!have_zip)
		fprintf(stderr, "zip missing: zip CLI tests skipped\n");
	if (!have_7z)
		fprintf(stderr, "7z missing (p7zip-full): 7z tests skipped\n");
	if (!have_ar)
		fprintf(stderr, "ar missing (binutils): ar tests skipped\n");
}

#define SKIP_UNLESS(cond, what) do { if (!(cond)) { \
	fprintf(stderr, "%s: skipped (%s)\n", __func__, what); return; } } while (0)

/* ---- zip ------------------------------------------------------------- */

/* What zip -r -y of the stage keeps: Unix modes (with setuid and
 * sticky), symlinks, owner (the "ux" extra field) and mtime ("UT"). */
static void check_zip_stage(fg_node *root, bool owner_kept, const char *what)
{
	static const struct {
		const char *path;
		fg_node_type type;
		unsigned mode;
		const char *content;
	} want[] = {
		{ "bin", FG_NODE_DIR, 0755, NULL },
		{ "bin/su", FG_NODE_FILE, 04755, "#!/bin/sh\necho su\n" },
		{ "etc/passwd", FG_NODE_FILE, 0644, "root:x:0:0:root:/root:/bin/sh\n" },
		{ "etc/shadow", FG_NODE_FILE, 0600, "root::19000:0:99999:7:::\n" },
		{ "usr/bin/sh", FG_NODE_SYMLINK, 0777, "/bin/busybox" },
		{ "tmp", FG_NODE_DIR, 01777, NULL },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		fg_node *n = node_at(root, want[i].path);
		if (!n) {
			fprintf(stderr, "%s: missing %s\n", what, want[i].path);
			CHECK(n != NULL);
			continue;
		}
		if (n->type != want[i].type || n->mode != want[i].mode)
			fprintf(stderr, "%s: %s: %s %o\n", what, want[i].path,
				fg_node_type_name(n->type), n->mode);
		CHECK_INT_EQ(n->type, want[i].type);
		CHECK_INT_EQ(n->mode, want[i].mode);
		CHECK_INT_EQ(n->mtime, MTIME);
		if (owner_kept) {
			CHECK_INT_EQ(n->uid, OWNER);
			CHECK_INT_EQ(n->gid, OWNER);
		}
		CHECK(!(n->flags & FG_NODE_TRUNCATED));
		if (want[i].type == FG_NODE_FILE)
			CHECK(has_content(n, want[i].content));
		if (want[i].type == FG_NODE_SYMLINK)
			CHECK_STR_EQ(n->link_target, want[i].content);
	}
}

TEST(zip_metadata)
{
	SKIP_UNLESS(have_zip, "no zip");
	size_t len = 0;
	uint8_t *data = make("meta.zip", &len, "cd stage && zip -q -r -y ../meta.zip bin etc usr tmp");
	REQUIRE(data != NULL);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_zip.probe(data, len, &cl), 90);
	CHECK_INT_EQ(cl, len);
	run r;
	run_unpack(&r, &fg_format_zip, data, len);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	check_zip_stage(r.root, geteuid() == 0, "zip");
	CHECK_STR_EQ(r.root->format_info, "zip");
	CHECK_INT_EQ(r.root->src_length, len);
	CHECK(!(r.root->flags & FG_NODE_TRUNCATED));
	if (r.diags.items.n)
		dump_diags(&r.diags);
	CHECK_INT_EQ(r.diags.items.n, 0);
	run_free(&r);

	/* deflated and stored, same result */
	free(data);
	data = make("meta0.zip", &len, "cd stage && zip -q -0 -r -y ../meta0.zip bin etc usr tmp");
	REQUIRE(data != NULL);
	run_unpack(&r, &fg_format_zip, data, len);
	CHECK_INT_EQ(r.rc, 0);
	if (r.root)
		check_zip_stage(r.root, geteuid() == 0, "zip -0");
	run_free(&r);
	free(data);
}

TEST(zip64_forced)
{
	SKIP_UNLESS(have_zip, "no zip");
	size_t len = 0;
	/* zip writes ZIP64 records for a stream of unknown size */
	uint8_t *data = make("z64.zip", &len, "cat stage/etc/passwd | zip -q -fz z64.zip -");
	REQUIRE(data != NULL);
	uint64_t cl = 0;
	CHECK(fg_format_zip.probe(data, len, &cl) >= 90);
	CHECK_INT_EQ(cl, len);
	run r;
	run_unpack(&r, &fg_format_zip, data, len);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	CHECK(has_content(node_at(r.root, "-"), "root:x:0:0:root:/root:/bin/sh\n"));
	CHECK_STR_EQ(r.root->format_info, "zip64");
	CHECK_INT_EQ(r.root->src_length, len);
	run_free(&r);
	free(data);
}

/* zip writing to a pipe cannot seek back: sizes follow the data. */
TEST(zip_streamed_descriptors)
{
	SKIP_UNLESS(have_zip, "no zip");
	size_t len = 0;
	uint8_t *data = make("pipe.zip", &len, "cd stage && zip -q -r - etc bin | cat > ../pipe.zip");
	REQUIRE(data != NULL);
	uint64_t cl = 0;
	CHECK(fg_format_zip.probe(data, len, &cl) >= 70);
	CHECK_INT_EQ(cl, len);
	run r;
	run_unpack(&r, &fg_format_zip, data, len);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	CHECK(has_content(node_at(r.root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"));
	CHECK(has_content(node_at(r.root, "bin/su"), "#!/bin/sh\necho su\n"));
	CHECK_INT_EQ(r.root->src_length, len);
	run_free(&r);

	/* without its central directory the streaming reader takes over and
	 * reads entries whose size it learns only at their end */
	const uint8_t *cd = memmem(data, len, "PK\1\2", 4);
	REQUIRE(cd != NULL);
	/* a little of the directory left: libarchive wants to see past the
	 * last data descriptor */
	size_t cut = (size_t)(cd - data) + 20;
	run_unpack(&r, &fg_format_zip, data, cut);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	CHECK(has_content(node_at(r.root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"));
	CHECK(has_content(node_at(r.root, "bin/su"), "#!/bin/sh\necho su\n"));
	CHECK(r.root->flags & FG_NODE_TRUNCATED);
	CHECK(diags_mention(&r.diags, "no end of central directory"));
	CHECK_STR_EQ(r.root->format_info, "zip, no central directory");
	run_free(&r);
	free(data);
}

/* A zip holding a tar.gz: the engine unpacks zip > gzip > tar. */
TEST(zip_nested_targz_through_engine)
{
	SKIP_UNLESS(have_zip, "no zip");
	size_t len = 0;
	uint8_t *data = make("nested.zip", &len,
			     "tar --owner=0 --group=0 -C stage -czf rootfs.tar.gz etc bin && "
			     "zip -q nested.zip rootfs.tar.gz");
	REQUIRE(data != NULL);
	fg_result *res = scan_blob(data, len, "nested.zip");
	fg_node *z = res->tree.root->unpacked;
	REQUIRE(z != NULL);
	CHECK_STR_EQ(z->format, "zip");
	fg_node *tgz = node_at(z, "rootfs.tar.gz");
	REQUIRE(tgz != NULL);
	REQUIRE(tgz->unpacked != NULL);
	CHECK_STR_EQ(tgz->unpacked->format, "gzip");
	fg_node *tr = find_root(tgz->unpacked, "tar", NULL);
	REQUIRE(tr != NULL);
	CHECK(has_content(node_at(tr, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"));
	fg_node *su = node_at(tr, "bin/su");
	CHECK(su && su->mode == 04755);
	fg_result_free(res);
	free(data);
}

/* Bytes after the archive are not claimed; the EOCD comment is. */
TEST(zip_trailing_data_not_claimed)
{
	SKIP_UNLESS(have_zip, "no zip");
	size_t len = 0;
	uint8_t *data = make("tail.zip", &len,
			     "cd stage && echo 'a comment' | zip -q -z ../tail.zip etc/passwd");
	REQUIRE(data != NULL);
	bytes b = { 0 };
	put(&b, data, len);
	put(&b, "PK\5\6 trailing junk that is not part of it", 42);
	put_random(&b, 3000);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_zip.probe(b.p, b.n, &cl), 90);
	CHECK_INT_EQ(cl, len);
	run r;
	run_unpack(&r, &fg_format_zip, b.p, b.n);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	CHECK_INT_EQ(r.root->src_length, len);
	CHECK(has_content(node_at(r.root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"));
	CHECK(!(r.root->flags & FG_NODE_TRUNCATED));
	run_free(&r);
	free(b.p);
	free(data);
}

/* Carved from a blob: found by its magic, measured exactly; a zip stored
 * inside it does not end it early, and a second zip after it is a chunk
 * of its own. */
TEST(zip_carved_from_blob)
{
	SKIP_UNLESS(have_zip, "no zip");
	size_t ilen = 0, olen = 0;
	uint8_t *inner = make("inner.zip", &ilen, "cd stage && zip -q ../inner.zip etc/shadow");
	REQUIRE(inner != NULL);
	/* stored (-0), so the inner zip's records appear verbatim in the outer */
	uint8_t *outer = make("outer.zip", &olen, "zip -q -0 outer.zip inner.zip && "
			      "cd stage && zip -q -0 ../outer.zip etc/passwd");
	REQUIRE(outer != NULL);
	bytes b = { 0 };
	put_random(&b, 777);
	size_t at1 = b.n;
	put(&b, outer, olen);
	put_random(&b, 1000);
	size_t at2 = b.n;
	put(&b, inner, ilen);
	put_random(&b, 500);

	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_zip.probe(b.p + at1, b.n - at1, &cl), 90);
	CHECK_INT_EQ(cl, olen);

	fg_result *res = scan_blob(b.p, b.n, "blob.bin");
	fg_node *carve = res->tree.root->unpacked;
	REQUIRE(carve != NULL);
	CHECK_STR_EQ(carve->format, "carve");
	char name[64];
	snprintf(name, sizeof(name), "0x%zx.zip", at1);
	fg_node *c1 = node_at(carve, name);
	REQUIRE(c1 != NULL);
	CHECK_INT_EQ(c1->data_len, olen);
	REQUIRE(c1->unpacked != NULL);
	CHECK(has_content(node_at(c1->unpacked, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"));
	/* the stored inner zip is a file of the outer, and unpacked in turn */
	fg_node *in = node_at(c1->unpacked, "inner.zip");
	REQUIRE(in != NULL);
	CHECK(in->unpacked && has_content(node_at(in->unpacked, "etc/shadow"),
					  "root::19000:0:99999:7:::\n"));
	snprintf(name, sizeof(name), "0x%zx.zip", at2);
	fg_node *c2 = node_at(carve, name);
	REQUIRE(c2 != NULL);
	CHECK_INT_EQ(c2->data_len, ilen);
	CHECK(c2->unpacked && has_content(node_at(c2->unpacked, "etc/shadow"),
					  "root::19000:0:99999:7:::\n"));
	/* the outer zip's copy of the inner one is not carved a second time */
	unsigned zips = 0;
	find_root(carve, "zip", &zips);
	CHECK_INT_EQ(zips, 3);
	fg_result_free(res);
	free(b.p);
	free(inner);
	free(outer);
}

/* zip -P: entries are listed with a note, the archive is not failed, and
 * an entry added later without a password is read. */
TEST(zip_encrypted_entry)
{
	SKIP_UNLESS(have_zip, "no zip");
	size_t len = 0;
	uint8_t *data = make("enc.zip", &len, "cd stage && zip -q -P secret ../enc.zip etc/shadow && "
			     "zip -q ../enc.zip etc/passwd");
	REQUIRE(data != NULL);
	run r;
	run_unpack(&r, &fg_format_zip, data, len);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	fg_node *sh_ = node_at(r.root, "etc/shadow");
	REQUIRE(sh_ != NULL);
	CHECK_INT_EQ(sh_->type, FG_NODE_FILE);
	CHECK(sh_->data == NULL && sh_->data_len == 0);
	CHECK_INT_EQ(sh_->size, strlen("root::19000:0:99999:7:::\n"));
	CHECK(sh_->flags & FG_NODE_TRUNCATED);
	CHECK(sh_->note && strstr(sh_->note, "encrypted entry"));
	CHECK(has_content(node_at(r.root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"));
	CHECK_INT_EQ(r.root->src_length, len);
	run_free(&r);
	free(data);
}

/* Hostile names: ".." is refused, absolute names stay inside the root,
 * and the entries after them are still read. */
TEST(zip_path_traversal)
{
	static const zent ents[] = {
		{ "../evil", "escape\n", false, false },
		{ "ok/../../evil2", "escape\n", false, false },
		{ "/abs/x", "absolute\n", false, false },
		{ "good.txt", "good\n", false, false },
	};
	bytes b = { 0 };
	zip_build(&b, ents, 4, 0);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_zip.probe(b.p, b.n, &cl), 90);
	CHECK_INT_EQ(cl, b.n);
	run r;
	run_unpack(&r, &fg_format_zip, b.p, b.n);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	CHECK(has_content(node_at(r.root, "good.txt"), "good\n"));
	CHECK(has_content(node_at(r.root, "abs/x"), "absolute\n"));
	CHECK(find_named(r.root, "evil") == NULL);
	CHECK(find_named(r.root, "evil2") == NULL);
	CHECK(diags_mention(&r.diags, "refused path"));
	CHECK(r.root->flags & FG_NODE_TRUNCATED);
	run_free(&r);
	free(b.p);
}

/* Cut archives keep what was read, with a note. */
TEST(zip_truncated)
{
	static const zent ents[] = {
		{ "first", "the first entry\n", false, false },
		{ "second", "the second entry, longer than the first\n", false, false },
		{ "third", "third\n", false, false },
	};
	bytes b = { 0 };
	zip_build(&b, ents, 3, 0);
	const uint8_t *second = memmem(b.p + 4, b.n - 4, "PK\3\4", 4);
	REQUIRE(second != NULL);
	/* inside the second entry's data */
	size_t cut = (size_t)(second - b.p) + 30 + 6 + 10;
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_zip.probe(b.p, cut, &cl), 60);
	CHECK_INT_EQ(cl, 0);
	run r;
	run_unpack(&r, &fg_format_zip, b.p, cut);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	CHECK(has_content(node_at(r.root, "first"), "the first entry\n"));
	fg_node *s = node_at(r.root, "second");
	CHECK(s == NULL || (s->flags & FG_NODE_TRUNCATED));
	CHECK(node_at(r.root, "third") == NULL);
	CHECK(r.root->flags & FG_NODE_TRUNCATED);
	CHECK(r.diags.items.n > 0);
	CHECK(r.root->src_length <= cut);
	run_free(&r);

	/* every cut point: no crash, and the first entry whenever it is whole */
	size_t first_end = (size_t)(second - b.p);
	for (size_t n = 1; n < b.n; n++) {
		run_unpack(&r, &fg_format_zip, b.p, n);
		if (n >= first_end && r.root)
			CHECK(has_content(node_at(r.root, "first"), "the first entry\n"));
		run_free(&r);
	}
	free(b.p);
}

/* Sizes in the headers are claims: an entry declaring 2 GiB gets the
 * budget its data is worth, not what it declares. */
TEST(zip_lying_sizes)
{
	static const zent ents[] = {
		{ "a", "alpha\n", false, true }, { "b", "bravo\n", false, true },
		{ "c", "charlie\n", false, true },
	};
	bytes b = { 0 };
	zip_build(&b, ents, 3, 0);
	for (uint8_t *p = b.p; (p = memmem(p, b.n - (size_t)(p - b.p), "PK", 2)) != NULL; p += 2) {
		if (p[2] == 3 && p[3] == 4)
			memcpy(p + 22, "\xff\xff\xff\x7f", 4);
		if (p[2] == 1 && p[3] == 2)
			memcpy(p + 24, "\xff\xff\xff\x7f", 4);
		if ((size_t)(p - b.p) + 4 >= b.n)
			break;
	}
	run r;
	run_unpack(&r, &fg_format_zip, b.p, b.n);
	REQUIRE(r.root != NULL);
	fg_node *a = node_at(r.root, "a");
	REQUIRE(a != NULL);
	if (a->data_len != 6)
		dump_diags(&r.diags);
	CHECK(a->data_len == 6 && memcmp(a->data, "alpha\n", 6) == 0);
	CHECK(a->flags & FG_NODE_TRUNCATED);
	CHECK(node_at(r.root, "c") != NULL);
	CHECK(atomic_load(&r.budget.bytes) < 4096);
	run_free(&r);
	free(b.p);
}

/* A damaged central directory: the local headers still give the files. */
TEST(zip_damaged_directory)
{
	static const zent ents[] = {
		{ "one", "one\n", false, false },
		{ "two", "two\n", false, false },
	};
	bytes b = { 0 };
	zip_build(&b, ents, 2, 0);
	uint8_t *cd = memmem(b.p, b.n, "PK\1\2", 4);
	REQUIRE(cd != NULL);
	cd[2] = 9;
	run r;
	run_unpack(&r, &fg_format_zip, b.p, b.n);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	CHECK(has_content(node_at(r.root, "one"), "one\n"));
	CHECK(has_content(node_at(r.root, "two"), "two\n"));
	CHECK(r.diags.items.n > 0);
	run_free(&r);
	/* the directory's structure intact, but its first entry points
	 * nowhere: the seekable reader gives up, the streaming one reads */
	cd[2] = 1;
	cd[42] = 3;
	CHECK_INT_EQ(fg_format_zip.probe(b.p, b.n, &(uint64_t){0}), 90);
	run_unpack(&r, &fg_format_zip, b.p, b.n);
	REQUIRE(r.root != NULL);
	CHECK(diags_mention(&r.diags, "unreadable"));
	CHECK(has_content(node_at(r.root, "one"), "one\n"));
	CHECK(has_content(node_at(r.root, "two"), "two\n"));
	run_free(&r);
	free(b.p);
}

/* Offsets counting from before the first local header (a self-extractor
 * stub with adjusted offsets, a vendor header): the chunk still ends at
 * the EOCD, and the streaming reader gets the entries. */
TEST(zip_shifted_offsets)
{
	static const zent ents[] = {
		{ "a/one", "one\n", false, false },
		{ "b/two", "two two\n", true, false },
		{ "three", "3\n", false, false },
	};
	bytes b = { 0 };
	put_random(&b, 64);
	size_t at = b.n;
	zip_build(&b, ents, 3, (uint32_t)at);
	size_t zlen = b.n - at;
	put_random(&b, 100);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_zip.probe(b.p + at, b.n - at, &cl), 70);
	CHECK_INT_EQ(cl, zlen);
	run r;
	run_unpack(&r, &fg_format_zip, b.p + at, b.n - at);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	CHECK(has_content(node_at(r.root, "a/one"), "one\n"));
	CHECK(has_content(node_at(r.root, "b/two"), "two two\n"));
	CHECK(has_content(node_at(r.root, "three"), "3\n"));
	CHECK_INT_EQ(r.root->src_length, zlen);
	CHECK_STR_EQ(r.root->format_info, "zip, offsets shifted");
	run_free(&r);
	free(b.p);
}

/* The Dahua container: a zip whose first "PK" is overwritten with "DH". */
TEST(zip_sample_dahua)
{
	const char *path = "/work/shared/samples/fact_extractor/dahua/dh.bin";
	size_t len = 0;
	uint8_t *data = slurp(path, &len);
	SKIP_UNLESS(data != NULL, "sample absent");
	fg_result *res = scan_blob(data, len, "dh.bin");
	fg_node *z = find_root(res->tree.root, "zip", NULL);
	REQUIRE(z != NULL);
	CHECK(node_at(z, "get_files_test/testfile1") != NULL);
	CHECK(node_at(z, "get_files_test/testfile2") != NULL);
	CHECK(node_at(z, "get_files_test/generic folder/test file 3_.txt") != NULL);
	/* from the second local header to the end of the EOCD */
	CHECK_INT_EQ(z->src_offset + z->src_length, len);
	fg_result_free(res);
	free(data);
}

/* "PK\3\4" in random data is not a zip. */
TEST(zip_fake_magic_rejected)
{
	unsigned accepted = 0;
	uint8_t buf[256];
	for (int i = 0; i < 20000; i++) {
		for (size_t k = 0; k < sizeof(buf); k++)
			buf[k] = (uint8_t)rnd();
		memcpy(buf, "PK\3\4", 4);
		uint64_t cl = 0;
		if (fg_format_zip.probe(buf, sizeof(buf), &cl) >= FG_CARVE_MIN_CONFIDENCE)
			accepted++;
	}
	CHECK_INT_EQ(accepted, 0);

	/* a plausible-looking header with a control character in its name */
	bytes b = { 0 };
	static const zent e[] = { { "bad\001name", "x", false, false } };
	zip_build(&b, e, 1, 0);
	CHECK_INT_EQ(fg_format_zip.probe(b.p, b.n, &(uint64_t){0}), 0);
	free(b.p);

	/* through the engine: nothing zip-shaped comes out of noise */
	b = (bytes){ 0 };
	for (int i = 0; i < 64; i++) {
		put_random(&b, 200);
		put(&b, "PK\3\4", 4);
	}
	fg_result *res = scan_blob(b.p, b.n, "noise.bin");
	CHECK(find_root(res->tree.root, "zip", NULL) == NULL);
	fg_result_free(res);
	free(b.p);
}

/* Each nesting level is a container: the depth budget stops a zip of a
 * zip of a zip... (a zip "quine" unpacks the same way, forever, without
 * it). */
TEST(zip_deep_nesting_stops)
{
	SKIP_UNLESS(have_zip, "no zip");
	size_t len = 0;
	uint8_t *data = make("n0.zip", &len,
			     "echo deep > leaf && zip -q -0 n19.zip leaf && j=18; while [ $j -ge 0 ]; do "
			     "zip -q -0 n$j.zip n$((j+1)).zip || exit 1; j=$((j-1)); done");
	REQUIRE(data != NULL);
	fg_result *res = scan_blob(data, len, "n0.zip");
	unsigned zips = 0;
	find_root(res->tree.root, "zip", &zips);
	CHECK(zips >= 10 && zips < 20);
	CHECK(diags_mention(&res->diags, "depth limit"));
	fg_result_free(res);
	free(data);
}

/* ---- 7z ------------------------------------------------------------- */

TEST(sevenzip_metadata_and_extent)
{
	SKIP_UNLESS(have_7z, "no 7z");
	size_t len = 0;
	uint8_t *data = make("m.7z", &len, "cd stage && 7z a -bd -y ../m.7z bin etc usr tmp");
	REQUIRE(data != NULL);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_sevenzip.probe(data, len, &cl), 95);
	CHECK_INT_EQ(cl, len);
	bytes b = { 0 };
	put(&b, data, len);
	put_random(&b, 999);
	run r;
	run_unpack(&r, &fg_format_sevenzip, b.p, b.n);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	/* 7z keeps modes (p7zip's Unix extension) and mtimes, not owners */
	check_zip_stage(r.root, false, "7z");
	CHECK_INT_EQ(r.root->src_length, len);
	CHECK_STR_EQ(r.root->format, "7z");
	CHECK_STR_EQ(r.root->format_info, "v0.4");
	CHECK(!(r.root->flags & FG_NODE_TRUNCATED));
	if (r.diags.items.n)
		dump_diags(&r.diags);
	CHECK_INT_EQ(r.diags.items.n, 0);
	run_free(&r);
	free(b.p);
	free(data);
}

/* Solid LZMA2, PPMd and BCJ-filtered blocks. */
TEST(sevenzip_methods)
{
	SKIP_UNLESS(have_7z, "no 7z");
	static const char *const opts[] = { "-m0=lzma2 -ms=on", "-m0=ppmd", "-m0=lzma -ms=off",
					     "-mf=BCJ -m0=lzma2", "-m0=bzip2", "-m0=deflate" };
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		size_t len = 0;
		char name[32];
		snprintf(name, sizeof(name), "meth%zu.7z", i);
		uint8_t *data = make(name, &len, "cd stage && 7z a -bd -y %s ../%s etc bin", opts[i], name);
		if (!data)
			continue;
		run r;
		run_unpack(&r, &fg_format_sevenzip, data, len);
		if (r.rc != 0 || !r.root) {
			fprintf(stderr, "7z %s failed\n", opts[i]);
			dump_diags(&r.diags);
		}
		CHECK_INT_EQ(r.rc, 0);
		if (r.root) {
			CHECK(has_content(node_at(r.root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"));
			CHECK(has_content(node_at(r.root, "bin/su"), "#!/bin/sh\necho su\n"));
		}
		run_free(&r);
		free(data);
	}
}

TEST(sevenzip_carved_and_nested)
{
	SKIP_UNLESS(have_7z, "no 7z");
	size_t len = 0;
	uint8_t *data = make("n.7z", &len, "tar -C stage -czf fs.tgz etc && 7z a -bd -y n.7z fs.tgz");
	REQUIRE(data != NULL);
	bytes b = { 0 };
	put_random(&b, 4097);
	size_t at = b.n;
	put(&b, data, len);
	put_random(&b, 300);
	fg_result *res = scan_blob(b.p, b.n, "blob7.bin");
	char name[64];
	snprintf(name, sizeof(name), "0x%zx.7z", at);
	fg_node *c = res->tree.root->unpacked ? node_at(res->tree.root->unpacked, name) : NULL;
	REQUIRE(c != NULL);
	CHECK_INT_EQ(c->data_len, len);
	REQUIRE(c->unpacked != NULL);
	fg_node *tr = find_root(c->unpacked, "tar", NULL);
	CHECK(tr && has_content(node_at(tr, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"));
	fg_result_free(res);
	free(b.p);
	free(data);
}

TEST(sevenzip_truncated_and_damaged)
{
	SKIP_UNLESS(have_7z, "no 7z");
	size_t len = 0;
	uint8_t *data = make("t.7z", &len, "cd stage && 7z a -bd -y ../t.7z etc bin");
	REQUIRE(data != NULL);
	/* the header lives at the end: a cut archive has no names left */
	uint64_t cl = 1;
	CHECK_INT_EQ(fg_format_sevenzip.probe(data, len - 10, &cl), 60);
	CHECK_INT_EQ(cl, 1);
	run r;
	run_unpack(&r, &fg_format_sevenzip, data, len - 10);
	CHECK(r.rc < 0);
	CHECK(diags_mention(&r.diags, "truncated"));
	run_free(&r);
	/* a flipped bit in the start header: not 7z at all */
	data[14] ^= 1;
	CHECK_INT_EQ(fg_format_sevenzip.probe(data, len, &cl), 0);
	data[14] ^= 1;
	/* a damaged next header: still the chunk, weakly */
	data[len - 3] ^= 0x55;
	CHECK_INT_EQ(fg_format_sevenzip.probe(data, len, &cl), 40);
	run_unpack(&r, &fg_format_sevenzip, data, len);
	run_free(&r);
	/* every cut point: no crash */
	data[len - 3] ^= 0x55;
	for (size_t n = 0; n < len; n += 7) {
		run_unpack(&r, &fg_format_sevenzip, data, n);
		run_free(&r);
	}
	free(data);
}

TEST(sevenzip_encrypted)
{
	SKIP_UNLESS(have_7z, "no 7z");
	size_t len = 0;
	/* content encrypted, names readable */
	uint8_t *data = make("e.7z", &len, "cd stage && 7z a -bd -y -psecret ../e.7z etc");
	REQUIRE(data != NULL);
	run r;
	run_unpack(&r, &fg_format_sevenzip, data, len);
	REQUIRE(r.root != NULL);
	fg_node *p = node_at(r.root, "etc/passwd");
	CHECK(p != NULL);
	CHECK(p == NULL || (p->data_len == 0 && (p->flags & FG_NODE_TRUNCATED)));
	CHECK(diags_mention(&r.diags, "encrypted"));
	run_free(&r);
	free(data);
	/* names encrypted too */
	data = make("eh.7z", &len, "cd stage && 7z a -bd -y -psecret -mhe=on ../eh.7z etc");
	REQUIRE(data != NULL);
	CHECK(fg_format_sevenzip.probe(data, len, &(uint64_t){0}) >= 90);
	run_unpack(&r, &fg_format_sevenzip, data, len);
	CHECK(r.rc < 0);
	CHECK(diags_mention(&r.diags, "encrypted archive header"));
	run_free(&r);
	free(data);
}

/* A small 7z that expands to far more than the budget allows: skipping
 * it means decompressing it, so the handler stops instead. */
TEST(sevenzip_bomb_stops)
{
	SKIP_UNLESS(have_7z, "no 7z");
	size_t len = 0;
	uint8_t *data = make("bomb.7z", &len, "head -c 64M /dev/zero > zeros && echo x > z-last && "
			     "7z a -bd -y -ms=on bomb.7z zeros z-last && rm -f zeros");
	REQUIRE(data != NULL);
	fg_limits lim;
	fg_limits_default(&lim);
	lim.max_file_size = 1 << 20;
	run r;
	run_limits(&r, &fg_format_sevenzip, data, len, &lim);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	fg_node *z = node_at(r.root, "zeros");
	CHECK(z && z->size == 64u << 20 && (z->flags & FG_NODE_TRUNCATED));
	CHECK(diags_mention(&r.diags, "expansion budget"));
	run_free(&r);
	free(data);
}

/* FACT's "sevenz" sample is a cramfs: not ours. */
TEST(sevenzip_not_cramfs_sample)
{
	size_t len = 0;
	uint8_t *data = slurp("/work/shared/samples/fact_extractor/sevenz/cramfs.img", &len);
	SKIP_UNLESS(data != NULL, "sample absent");
	for (size_t i = 0; i < len; i++)
		CHECK_INT_EQ(fg_format_sevenzip.probe(data + i, len - i, &(uint64_t){0}), 0);
	fg_result *res = scan_blob(data, len, "cramfs.img");
	CHECK(find_root(res->tree.root, "7z", NULL) == NULL);
	fg_result_free(res);
	free(data);
}

/* ---- ar -------------------------------------------------------------- */

TEST(ar_members_metadata_in_place)
{
	SKIP_UNLESS(have_ar, "no ar");
	size_t len = 0;
	/* U: real mtime/uid/gid/mode instead of deterministic zeros; a long
	 * name goes through GNU's "//" table; an odd size gets a pad byte */
	uint8_t *data = make("lib.a", &len,
			     "cp -p stage/etc/passwd passwd && cp -p stage/bin/su su && "
			     "printf odd > a_rather_long_member_name.txt && "
			     "chmod 640 a_rather_long_member_name.txt && "
			     "touch -d @%d passwd su a_rather_long_member_name.txt && "
			     "ar rcU lib.a passwd su a_rather_long_member_name.txt", MTIME);
	REQUIRE(data != NULL);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_ar.probe(data, len, &cl), 90);
	CHECK_INT_EQ(cl, len);
	bytes b = { 0 };
	put(&b, data, len);
	put(&b, "junk after the archive\n", 23);
	run r;
	run_unpack(&r, &fg_format_ar, b.p, b.n);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	fg_node *p = node_at(r.root, "passwd");
	CHECK(has_content(p, "root:x:0:0:root:/root:/bin/sh\n"));
	CHECK(in_buffer(p, b.p, b.n));
	CHECK(p && p->mtime == MTIME && p->mode == 0644);
	CHECK(p && p->uid == (geteuid() == 0 ? OWNER : geteuid()));
	fg_node *su = node_at(r.root, "su");
	CHECK(has_content(su, "#!/bin/sh\necho su\n"));
	CHECK(su && su->mode == 04755);
	fg_node *l = node_at(r.root, "a_rather_long_member_name.txt");
	CHECK(has_content(l, "odd"));
	CHECK(l && l->mode == 0640);
	CHECK_INT_EQ(r.root->nchildren, 3);
	CHECK_INT_EQ(r.root->src_length, len);
	CHECK_STR_EQ(r.root->format_info, "ar");
	CHECK(!(r.root->flags & FG_NODE_TRUNCATED));
	if (r.diags.items.n)
		dump_diags(&r.diags);
	CHECK_INT_EQ(r.diags.items.n, 0);
	run_free(&r);
	free(b.p);
	free(data);
}

/* A static library: the symbol table is the linker's, not a member. */
TEST(ar_static_library)
{
	SKIP_UNLESS(have_ar && have("cc"), "no ar or cc");
	size_t len = 0;
	uint8_t *data = make("libx.a", &len,
			     "echo 'int f(void){return 1;}' > f.c && echo 'int g(void){return 2;}' > g.c && "
			     "cc -c f.c g.c && ar rcs libx.a f.o g.o");
	REQUIRE(data != NULL);
	CHECK(memmem(data, len, "/               ", 16) != NULL);
	run r;
	run_unpack(&r, &fg_format_ar, data, len);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	CHECK_INT_EQ(r.root->nchildren, 2);
	fg_node *f = node_at(r.root, "f.o");
	CHECK(f && f->data_len > 4 && memcmp(f->data, "\177ELF", 4) == 0);
	CHECK(node_at(r.root, "g.o") != NULL);
	CHECK(!(r.root->flags & FG_NODE_TRUNCATED));
	CHECK_INT_EQ(r.root->src_length, len);
	run_free(&r);
	free(data);
}

/* BSD long names ("#1/N": the name leads the member's data), by hand. */
static void ar_member(bytes *b, const char *name, const char *data, bool bsd)
{
	char h[128];
	size_t nl = strlen(name), dl = strlen(data);
	if (bsd) {
		char n[40];
		snprintf(n, sizeof(n), "#1/%zu", nl);
		snprintf(h, sizeof(h), "%-16s%-12d%-6d%-6d%-8o%-10zu`\n", n, MTIME, 7, 8, 0100600,
			 nl + dl);
	} else {
		char n[40];
		snprintf(n, sizeof(n), "%.15s/", name);
		snprintf(h, sizeof(h), "%-16s%-12d%-6d%-6d%-8o%-10zu`\n", n, MTIME, 7, 8, 0100600, dl);
	}
	put(b, h, 60);
	if (bsd)
		put(b, name, nl);
	put(b, data, dl);
	if ((bsd ? nl + dl : dl) & 1)
		put(b, "\n", 1);
}

TEST(ar_bsd_names_and_truncation)
{
	bytes b = { 0 };
	put(&b, "!<arch>\n", 8);
	ar_member(&b, "__.SYMDEF SORTED", "symbols", true);
	ar_member(&b, "a-long-bsd-member-name.o", "object one", true);
	ar_member(&b, "short", "odd", false);
	size_t end = b.n;
	put(&b, "not a header, just text following the archive ...........!", 58);
	put(&b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_ar.probe(b.p, b.n, &cl), 90);
	CHECK_INT_EQ(cl, end);
	run r;
	run_unpack(&r, &fg_format_ar, b.p, b.n);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	fg_node *n = node_at(r.root, "a-long-bsd-member-name.o");
	CHECK(has_content(n, "object one"));
	CHECK(n && n->uid == 7 && n->gid == 8 && n->mode == 0600 && n->mtime == MTIME);
	CHECK(has_content(node_at(r.root, "short"), "odd"));
	CHECK(find_named(r.root, "__.SYMDEF SORTED") == NULL);
	CHECK_INT_EQ(r.root->src_length, end);
	CHECK(!(r.root->flags & FG_NODE_TRUNCATED));
	run_free(&r);

	/* cut inside the last member: the rest kept, the cut noted */
	size_t cut = end - 2;
	CHECK_INT_EQ(fg_format_ar.probe(b.p, cut, &cl), 90);
	run_unpack(&r, &fg_format_ar, b.p, cut);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	CHECK(has_content(node_at(r.root, "a-long-bsd-member-name.o"), "object one"));
	fg_node *s = node_at(r.root, "short");
	CHECK(s == NULL || (s->flags & FG_NODE_TRUNCATED));
	CHECK((r.root->flags & FG_NODE_TRUNCATED) || (s && (s->flags & FG_NODE_TRUNCATED)));
	run_free(&r);

	/* magic without a member is nothing */
	CHECK_INT_EQ(fg_format_ar.probe((const uint8_t *)"!<arch>\nhello world", 19, &cl), 0);
	/* every cut point: no crash */
	for (size_t k = 0; k < end; k++) {
		run_unpack(&r, &fg_format_ar, b.p, k);
		run_free(&r);
	}
	free(b.p);
}

/* An ipk, both ways OpenWrt builds them: ar (opkg-build) and tar.gz. */
static bool make_ipk_parts(void)
{
	return sh("cd '%s' && rm -rf ipk && mkdir -p ipk/ctl ipk/data/etc && "
		  "printf 'Package: demo\\nVersion: 1\\nArchitecture: mips_24kc\\n' > ipk/ctl/control && "
		  "cp stage/etc/passwd ipk/data/etc/passwd && "
		  "tar --owner=0 --group=0 -C ipk/ctl -czf ipk/control.tar.gz ./control && "
		  "tar --owner=0 --group=0 -C ipk/data -czf ipk/data.tar.gz ./etc && "
		  "printf '2.0\\n' > ipk/debian-binary", workdir) == 0;
}

static void check_ipk_tree(fg_node *top, const char *what)
{
	fg_node *ctl = find_named(top, "control.tar.gz");
	fg_node *dat = find_named(top, "data.tar.gz");
	if (!ctl || !dat) {
		fprintf(stderr, "%s: members missing\n", what);
		CHECK(ctl && dat);
		return;
	}
	fg_node *ct = find_root(ctl, "tar", NULL);
	CHECK(ct && node_at(ct, "control") != NULL);
	fg_node *dt = find_root(dat, "tar", NULL);
	CHECK(dt && has_content(node_at(dt, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"));
}

TEST(ipk_both_forms)
{
	SKIP_UNLESS(have_ar, "no ar");
	REQUIRE(make_ipk_parts());
	size_t len = 0;
	uint8_t *data = make("demo_ar.ipk", &len,
			     "cd ipk && ar rc ../demo_ar.ipk debian-binary control.tar.gz data.tar.gz");
	REQUIRE(data != NULL);
	fg_result *res = scan_blob(data, len, "demo_ar.ipk");
	fg_node *a = res->tree.root->unpacked;
	REQUIRE(a != NULL);
	CHECK_STR_EQ(a->format, "ar");
	CHECK_STR_EQ(a->format_info, "ipk");
	CHECK(has_content(node_at(a, "debian-binary"), "2.0\n"));
	check_ipk_tree(a, "ar ipk");
	fg_result_free(res);
	free(data);

	data = make("demo_tgz.ipk", &len,
		    "cd ipk && tar --owner=0 --group=0 -czf ../demo_tgz.ipk ./debian-binary "
		    "./control.tar.gz ./data.tar.gz");
	REQUIRE(data != NULL);
	res = scan_blob(data, len, "demo_tgz.ipk");
	fg_node *g = res->tree.root->unpacked;
	REQUIRE(g != NULL);
	CHECK_STR_EQ(g->format, "gzip");
	CHECK(find_root(g, "ar", NULL) == NULL);
	check_ipk_tree(g, "tar.gz ipk");
	fg_result_free(res);
	free(data);
}

TEST(deb_built_with_dpkg)
{
	SKIP_UNLESS(have_dpkg, "no dpkg-deb");
	size_t len = 0;
	uint8_t *data = make("demo.deb", &len,
			     "rm -rf debpkg && mkdir -p debpkg/DEBIAN debpkg/etc && "
			     "printf 'Package: demo\\nVersion: 1\\nArchitecture: all\\n"
			     "Maintainer: t <t@example.org>\\nDescription: d\\n' > debpkg/DEBIAN/control && "
			     "cp stage/etc/passwd debpkg/etc/ && "
			     "dpkg-deb --root-owner-group -Zgzip --build debpkg demo.deb");
	REQUIRE(data != NULL);
	fg_result *res = scan_blob(data, len, "demo.deb");
	fg_node *a = res->tree.root->unpacked;
	REQUIRE(a != NULL);
	CHECK_STR_EQ(a->format, "ar");
	/* the same three members as an ipk, but dpkg's names: a deb */
	CHECK_STR_EQ(a->format_info, "deb");
	fg_node *dt = find_root(a, "tar", NULL);
	CHECK(dt != NULL);
	CHECK(find_named(a, "passwd") != NULL);
	fg_result_free(res);
	free(data);
}

/* A real Debian package from the corpus cache. */
TEST(deb_from_corpus_cache)
{
	const char *home = getenv("HOME");
	char pat[1100];
	snprintf(pat, sizeof(pat), "%s/.cache/corpus-debs/*.deb", home ? home : "/root");
	glob_t g;
	if (glob(pat, 0, NULL, &g) != 0) {
		fprintf(stderr, "deb_from_corpus_cache: skipped (no cached .deb)\n");
		return;
	}
	/* the smallest one keeps the test quick */
	const char *best = NULL;
	off_t best_size = 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct stat st;
		if (stat(g.gl_pathv[i], &st) == 0 && (!best || st.st_size < best_size)) {
			best = g.gl_pathv[i];
			best_size = st.st_size;
		}
	}
	size_t len = 0;
	uint8_t *data = best ? slurp(best, &len) : NULL;
	if (!data) {
		globfree(&g);
		fprintf(stderr, "deb_from_corpus_cache: skipped (unreadable)\n");
		return;
	}
	fprintf(stderr, "deb_from_corpus_cache: %s\n", best);
	fg_result *res = scan_blob(data, len, "pkg.deb");
	fg_node *a = res->tree.root->unpacked;
	REQUIRE(a != NULL);
	CHECK_STR_EQ(a->format, "ar");
	CHECK_STR_EQ(a->format_info, "deb");
	CHECK_INT_EQ(a->src_length, len);
	CHECK(has_content(node_at(a, "debian-binary"), "2.0\n"));
	fg_node *ctl = NULL, *dat = NULL;
	for (size_t i = 0; i < a->nchildren; i++) {
		if (!strncmp(a->children[i]->name, "control.tar", 11))
			ctl = a->children[i];
		if (!strncmp(a->children[i]->name, "data.tar", 8))
			dat = a->children[i];
	}
	CHECK(ctl != NULL);
	REQUIRE(dat != NULL);
	CHECK(in_buffer(dat, data, len));
	/* the engine went on: data.tar.* > tar > files */
	fg_node *dt = find_root(dat, "tar", NULL);
	REQUIRE(dt != NULL);
	CHECK(dt->nchildren > 0);
	CHECK(ctl == NULL || find_named(ctl, "control") != NULL);
	fg_result_free(res);
	free(data);
	globfree(&g);
}

/* ---- damage ---------------------------------------------------------- */

static void mutate(const fg_format *fmt, const uint8_t *orig, size_t len, int rounds)
{
	uint8_t *buf = malloc(len);
	int unpacked = 0;
	if (!buf)
		return;
	for (int i = 0; i < rounds; i++) {
		memcpy(buf, orig, len);
		int flips = 1 + (int)(rnd() % 8);
		for (int k = 0; k < flips; k++)
			buf[rnd() % len] = (uint8_t)rnd();
		size_t cut = (rnd() & 3) ? len : rnd() % len;
		uint64_t cl = 0;
		int conf = fmt->probe(buf, cut, &cl);
		CHECK(cl <= cut);
		if (conf > 0) {
			run r;
			run_unpack(&r, fmt, buf, cl ? (size_t)cl : cut);
			run_free(&r);
			unpacked++;
		}
	}
	free(buf);
	fprintf(stderr, "fuzz %s: %d rounds, %d unpacked\n", fmt->name, rounds, unpacked);
}

/* FG_ARCHIVE_FUZZ_ROUNDS scales the run for a longer local soak. */
TEST(fuzz_mutations)
{
	const char *env = getenv("FG_ARCHIVE_FUZZ_ROUNDS");
	int rounds = env ? atoi(env) : 300;
	static const zent ents[] = {
		{ "a", "alpha\n", false, false }, { "d/b", "bravo bravo\n", true, false },
		{ "c", "charlie charlie charlie\n", false, true },
		{ "e", "echo echo echo\n", true, true },
	};
	bytes b = { 0 };
	zip_build(&b, ents, 4, 0);
	mutate(&fg_format_zip, b.p, b.n, rounds);
	free(b.p);
	size_t len = 0;
	uint8_t *data;
	if (have_zip && (data = make("fz.zip", &len, "cd stage && zip -q -r -y ../fz.zip ."))) {
		mutate(&fg_format_zip, data, len, rounds);
		free(data);
	}
	if (have_7z && (data = make("fz.7z", &len, "cd stage && 7z a -bd -y ../fz.7z ."))) {
		mutate(&fg_format_sevenzip, data, len, rounds);
		/* flips in the start header only hit the CRC: fix it up to
		 * reach the header parser with bad offsets */
		uint8_t *buf = malloc(len);
		for (int i = 0; buf && i < rounds; i++) {
			memcpy(buf, data, len);
			buf[12 + rnd() % 20] = (uint8_t)rnd();
			uint32_t c = (uint32_t)crc32(0, buf + 12, 20);
			memcpy(buf + 8, &c, 4);
			uint64_t cl = 0;
			if (fg_format_sevenzip.probe(buf, len, &cl) > 0) {
				run r;
				run_unpack(&r, &fg_format_sevenzip, buf, cl ? (size_t)cl : len);
				run_free(&r);
			}
		}
		/* and the header itself, CRC fixed, so its parser sees the damage */
		uint64_t off, size;
		memcpy(&off, data + 12, 8);
		memcpy(&size, data + 20, 8);
		for (int i = 0; buf && size && 32 + off + size == len && i < rounds; i++) {
			memcpy(buf, data, len);
			int flips = 1 + (int)(rnd() % 4);
			for (int k = 0; k < flips; k++)
				buf[32 + off + rnd() % size] = (uint8_t)rnd();
			uint32_t c = (uint32_t)crc32(0, buf + 32 + off, (uInt)size);
			memcpy(buf + 28, &c, 4);
			c = (uint32_t)crc32(0, buf + 12, 20);
			memcpy(buf + 8, &c, 4);
			run r;
			run_unpack(&r, &fg_format_sevenzip, buf, len);
			run_free(&r);
		}
		free(buf);
		free(data);
	}
	if (have_ar && (data = make("fz.a", &len, "cd stage/etc && ar rc ../../fz.a passwd shadow"))) {
		mutate(&fg_format_ar, data, len, rounds);
		free(data);
	}
}

/* last: leave nothing behind */
TEST(zz_cleanup)
{
	if (workdir[0] && !getenv("FG_TEST_KEEP"))
		sh("rm -rf '%s'", workdir);
}
