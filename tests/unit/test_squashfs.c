/*
 * test_squashfs.c - the squashfs handler against images mksquashfs builds
 * at test time: the probe, every compressor, every node type and
 * attribute, hard links and duplicate files sharing content, sparse and
 * multi-block files, and hostile variants (truncated, corrupted, patched
 * names and loops, budgets). Exits 77 (skipped) when mksquashfs is not
 * installed.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/diag.h"
#include "core/limits.h"
#include "core/tree.h"
#include "unpack/engine.h"
#include "unpack/format.h"
#include "test.h"

extern const fg_format fg_format_squashfs;

/* ---- content the staged tree holds ------------------------------------ */

#define PASSWD_TEXT "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n"
#define PASSWD_MTIME 1500000000
#define BIG_SIZE 300000                 /* two full 128 KiB blocks and a tail */
#define BLOCK_128K 131072
#define SPARSE_SIZE ((3u << 20) + 5)
#define HUGE_SIZE ((9u << 20) + 12345)  /* spans several data-reader calls */
#define LONG_NAME_LEN 255

static void fill_random(uint8_t *buf, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (uint8_t)(seed >> 16);
	}
}

/* Compressible but position-dependent, so misplaced blocks show. */
static void fill_text(uint8_t *buf, size_t n)
{
	size_t at = 0;
	for (unsigned line = 0; at < n; line++) {
		char tmp[64];
		int k = snprintf(tmp, sizeof(tmp), "line %08u of the huge file\n", line);
		for (int i = 0; i < k && at < n; i++)
			buf[at++] = (uint8_t)tmp[i];
	}
}

static uint8_t *make_random(size_t n, uint32_t seed)
{
	uint8_t *b = malloc(n);
	if (b)
		fill_random(b, n, seed);
	return b;
}

static uint8_t *make_sparse(void)
{
	uint8_t *b = calloc(1, SPARSE_SIZE);
	if (!b)
		return NULL;
	memcpy(b, "HEAD", 4);
	memcpy(b + (1u << 20) + 100, "MIDDLE", 6);
	memcpy(b + SPARSE_SIZE - 5, "TAIL!", 5);
	return b;
}

static uint8_t *make_huge(void)
{
	uint8_t *b = malloc(HUGE_SIZE);
	if (b)
		fill_text(b, HUGE_SIZE);
	return b;
}

static char *long_name(void)
{
	static char name[LONG_NAME_LEN + 1];
	memset(name, 'n', LONG_NAME_LEN);
	name[LONG_NAME_LEN] = '\0';
	return name;
}

/* ---- staging and building images -------------------------------------- */

/* snprintf that refuses to truncate (test paths must be exact). */
static void fmt(char *buf, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t cap, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(buf, cap, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap) {
		fprintf(stderr, "path too long: %s\n", buf);
		exit(1);
	}
}


static char g_work[PATH_MAX];
static char g_mksquashfs[PATH_MAX];

static void remove_work(void)
{
	char cmd[PATH_MAX + 32];
	if (!g_work[0])
		return;
	fmt(cmd, sizeof(cmd), "rm -rf '%s'", g_work);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", g_work);
}

static void find_mksquashfs(void)
{
	static const char *const where[] = {
		"/usr/bin/mksquashfs", "/usr/sbin/mksquashfs", "/sbin/mksquashfs", "/bin/mksquashfs",
	};
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		if (access(where[i], X_OK) == 0) {
			fmt(g_mksquashfs, sizeof(g_mksquashfs), "%s", where[i]);
			return;
		}
	}
	printf("mksquashfs not found: skipping squashfs tests\n");
	exit(77);
}

/* A per-process scratch directory under $FG_TEST_TMP (or /tmp). */
static const char *work_dir(void)
{
	if (g_work[0])
		return g_work;
	find_mksquashfs();
	const char *base = getenv("FG_TEST_TMP");
	if (!base || !*base)
		base = "/tmp";
	mkdir(base, 0755);
	fmt(g_work, sizeof(g_work), "%s/squashfs-XXXXXX", base);
	if (!mkdtemp(g_work)) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(remove_work);
	return g_work;
}

static void put(const char *stage, const char *rel, const void *data, size_t len, mode_t mode)
{
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/%s", stage, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len)) {
		perror(p);
		exit(1);
	}
	close(fd);
	chmod(p, mode);
}

static void put_dir(const char *stage, const char *rel, mode_t mode)
{
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/%s", stage, rel);
	mkdir(p, mode);
	chmod(p, mode); /* umask-proof */
}

static void put_link(const char *stage, const char *target, const char *rel)
{
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/%s", stage, rel);
	if (symlink(target, p) != 0) {
		perror(p);
		exit(1);
	}
}

static void put_hardlink(const char *stage, const char *from, const char *rel)
{
	char a[PATH_MAX], b[PATH_MAX];
	fmt(a, sizeof(a), "%s/%s", stage, from);
	fmt(b, sizeof(b), "%s/%s", stage, rel);
	if (link(a, b) != 0) {
		perror(b);
		exit(1);
	}
}

/* Writes a file with holes: only the markers are real data. */
static void put_sparse(const char *stage, const char *rel)
{
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/%s", stage, rel);
	uint8_t *want = make_sparse();
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (!want || fd < 0 || ftruncate(fd, SPARSE_SIZE) != 0 ||
	    pwrite(fd, want, 4, 0) != 4 ||
	    pwrite(fd, want + (1u << 20) + 100, 6, (1u << 20) + 100) != 6 ||
	    pwrite(fd, want + SPARSE_SIZE - 5, 5, SPARSE_SIZE - 5) != 5) {
		perror(p);
		exit(1);
	}
	close(fd);
	free(want);
}

static void set_mtime(const char *stage, const char *rel, time_t t)
{
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/%s", stage, rel);
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
}

static const char *const pseudo_defs =
	"dev/console c 600 0 0 5 1\n"
	"dev/sda b 660 0 6 8 0\n"
	"dev/big c 620 0 5 300 70000\n"
	"run/fifo i 644 0 0 f\n"
	"run/sock i 755 0 0 s\n"
	"home/user m 750 1000 1000\n"
	"home/user/notes.txt m 640 1000 1000\n";

/* The full tree every compressor test checks. Built once. */
static const char *main_stage(void)
{
	static char stage[PATH_MAX];
	if (stage[0])
		return stage;
	fmt(stage, sizeof(stage), "%s/stage", work_dir());
	put_dir(stage, "", 0755);
	const char *dirs[] = { "etc", "bin", "sbin", "lib", "tmp", "data", "dev", "run", "home",
			       "home/user", "a", "a/b", "a/b/c", "a/b/c/d" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		put_dir(stage, dirs[i], 0755);
	put_dir(stage, "tmp", 01777);
	put(stage, "etc/passwd", PASSWD_TEXT, strlen(PASSWD_TEXT), 0644);
	put(stage, "etc/empty", "", 0, 0644);
	put(stage, "bin/su", "#!/bin/sh\necho su\n", 18, 04755);
	uint8_t *b = make_random(5000, 4);
	put(stage, "bin/busybox", b, 5000, 0755);
	free(b);
	put_hardlink(stage, "bin/busybox", "bin/busybox-hl");
	put_hardlink(stage, "bin/busybox", "sbin/init");
	put_link(stage, "busybox", "bin/sh");
	put_link(stage, "/lib/libc.so.6", "lib/libc.so");
	put_sparse(stage, "data/sparse");
	b = make_random(BIG_SIZE, 1);
	put(stage, "data/big", b, BIG_SIZE, 0644);
	put(stage, "data/big-copy", b, BIG_SIZE, 0600);  /* stored once by mksquashfs */
	free(b);
	b = make_random(BLOCK_128K, 2);
	put(stage, "data/oneblock", b, BLOCK_128K, 0644);
	free(b);
	b = make_random(2 * BLOCK_128K, 3);
	put(stage, "data/twoblocks", b, 2 * BLOCK_128K, 0644);
	free(b);
	put(stage, "a/b/c/d/deep.txt", "deep\n", 5, 0600);
	put(stage, "home/user/notes.txt", "secret\n", 7, 0644);
	char rel[PATH_MAX];
	fmt(rel, sizeof(rel), "etc/%s", long_name());
	put(stage, rel, "long\n", 5, 0644);
	set_mtime(stage, "etc/passwd", PASSWD_MTIME);
	char pseudo[PATH_MAX];
	fmt(pseudo, sizeof(pseudo), "%s/pseudo", work_dir());
	FILE *f = fopen(pseudo, "w");
	if (!f || fputs(pseudo_defs, f) < 0 || fclose(f) != 0) {
		perror(pseudo);
		exit(1);
	}
	return stage;
}

static uint8_t *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = n > 0 ? malloc((size_t)n) : NULL;
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = buf ? (size_t)n : 0;
	return buf;
}

/* Runs mksquashfs on STAGE; NULL when it fails (e.g. compressor missing). */
static uint8_t *build(const char *stage, const char *comp, const char *opts, bool pseudo,
		      size_t *len)
{
	static unsigned seq;
	char out[PATH_MAX], pf[PATH_MAX + 8] = "", cmd[4 * PATH_MAX + 256];
	fmt(out, sizeof(out), "%s/img-%u.sqfs", work_dir(), seq++);
	if (pseudo)
		fmt(pf, sizeof(pf), "-pf %s/pseudo", work_dir());
	fmt(cmd, sizeof(cmd),
	    "'%s' '%s' '%s' -noappend -no-progress -quiet -comp %s %s %s >'%s/mksquashfs.log' 2>&1",
	    g_mksquashfs, stage, out, comp, pf, opts ? opts : "", work_dir());
	int st = system(cmd);
	uint8_t *img = NULL;
	if (st == 0)
		img = read_whole(out, len);
	else
		fprintf(stderr, "mksquashfs -comp %s %s failed (status %d)\n", comp, opts ? opts : "", st);
	unlink(out);
	return img;
}

static uint8_t *build_main(const char *comp, const char *opts, size_t *len)
{
	return build(main_stage(), comp, opts, true, len);
}

/* ---- running the handler ----------------------------------------------- */

typedef struct run {
	fg_tree tree;
	fg_budget budget;
	fg_diag_list diags;
	fg_node *root;
	int rc;
} run;

static void run_image(run *r, const uint8_t *img, size_t len, const fg_limits *lim)
{
	fg_limits def;
	fg_limits_default(&def);
	fg_tree_init(&r->tree);
	fg_budget_init(&r->budget, lim ? lim : &def);
	fg_diag_init(&r->diags);
	r->root = NULL;
	r->rc = fg_unpack_buffer_for_test(&r->tree, &r->budget, &r->diags, &fg_format_squashfs,
					  "rootfs.sqfs", img, len, &r->root);
}

static void run_free(run *r)
{
	fg_tree_free(&r->tree);
	fg_diag_free(&r->diags);
}

static void dump_diags(const run *r)
{
	for (size_t i = 0; i < r->diags.items.n; i++)
		fprintf(stderr, "  diag %s: %s: %s\n", fg_diag_level_name(r->diags.items.v[i].level),
			r->diags.items.v[i].where, r->diags.items.v[i].message);
}

/* Something was reported: an error return, a diagnostic or a truncation. */
static bool reported(const run *r)
{
	return r->rc < 0 || r->diags.items.n > 0 ||
	       (r->root && (r->root->flags & FG_NODE_TRUNCATED));
}

static fg_node *at(run *r, const char *path)
{
	return r->root ? fg_tree_lookup(r->root, path, false) : NULL;
}

static bool count_node(fg_node *n, void *ud)
{
	(*(size_t *)ud)++;
	return true;
}

static size_t node_count(run *r)
{
	size_t n = 0;
	if (r->root)
		fg_tree_walk(r->root, count_node, &n);
	return n;
}

static bool same_bytes(const fg_node *n, const void *want, size_t len)
{
	if (!n || n->size != len || n->data_len != len)
		return false;
	return len == 0 || (n->data && !memcmp(n->data, want, len));
}

/* ---- checking the main tree -------------------------------------------- */

static void check_file(run *r, const char *path, const void *want, size_t len, uint32_t mode)
{
	fg_node *n = at(r, path);
	if (!n) {
		fprintf(stderr, "missing %s\n", path);
		CHECK(n != NULL);
		return;
	}
	CHECK_INT_EQ(n->type, FG_NODE_FILE);
	CHECK_INT_EQ(n->mode, mode);
	CHECK(same_bytes(n, want, len));
	CHECK(!(n->flags & FG_NODE_TRUNCATED));
}

static void check_node(run *r, const char *path, fg_node_type type, uint32_t mode,
		       uint32_t uid, uint32_t gid)
{
	fg_node *n = at(r, path);
	if (!n) {
		fprintf(stderr, "missing %s\n", path);
		CHECK(n != NULL);
		return;
	}
	CHECK_INT_EQ(n->type, type);
	CHECK_INT_EQ(n->mode, mode);
	CHECK_INT_EQ(n->uid, uid);
	CHECK_INT_EQ(n->gid, gid);
}

static void check_device(run *r, const char *path, fg_node_type type, uint32_t maj, uint32_t min)
{
	fg_node *n = at(r, path);
	REQUIRE(n != NULL);
	CHECK_INT_EQ(n->type, type);
	CHECK_INT_EQ(n->dev_major, maj);
	CHECK_INT_EQ(n->dev_minor, min);
}

static void check_links(run *r)
{
	fg_node *sh = at(r, "bin/sh"), *libc = at(r, "lib/libc.so");
	REQUIRE(sh && libc);
	CHECK_INT_EQ(sh->type, FG_NODE_SYMLINK);
	CHECK_STR_EQ(sh->link_target, "busybox");
	CHECK_INT_EQ(sh->size, 7);
	CHECK_INT_EQ(libc->type, FG_NODE_SYMLINK);
	CHECK_STR_EQ(libc->link_target, "/lib/libc.so.6");

	uint8_t *bb = make_random(5000, 4);
	check_file(r, "bin/busybox", bb, 5000, 0755);
	check_file(r, "bin/busybox-hl", bb, 5000, 0755);
	check_file(r, "sbin/init", bb, 5000, 0755);
	free(bb);
	fg_node *a = at(r, "bin/busybox"), *b = at(r, "bin/busybox-hl"), *c = at(r, "sbin/init");
	REQUIRE(a && b && c);
	/* hard links share one buffer */
	CHECK(a->data != NULL);
	CHECK(a->data == b->data);
	CHECK(a->data == c->data);
}

static void check_content(run *r)
{
	check_file(r, "etc/passwd", PASSWD_TEXT, strlen(PASSWD_TEXT), 0644);
	fg_node *pw = at(r, "etc/passwd");
	if (pw) {
		CHECK_INT_EQ(pw->mtime, PASSWD_MTIME);
		CHECK_INT_EQ(pw->uid, 0);
		CHECK_INT_EQ(pw->gid, 0);
	}
	check_file(r, "etc/empty", "", 0, 0644);
	check_file(r, "bin/su", "#!/bin/sh\necho su\n", 18, 04755);
	check_file(r, "a/b/c/d/deep.txt", "deep\n", 5, 0600);
	char rel[PATH_MAX];
	fmt(rel, sizeof(rel), "etc/%s", long_name());
	check_file(r, rel, "long\n", 5, 0644);

	uint8_t *want = make_random(BIG_SIZE, 1);
	check_file(r, "data/big", want, BIG_SIZE, 0644);
	check_file(r, "data/big-copy", want, BIG_SIZE, 0600);
	free(want);
	/* identical files share one buffer */
	fg_node *big = at(r, "data/big"), *copy = at(r, "data/big-copy");
	CHECK(big && copy && big->data && big->data == copy->data);
	want = make_random(BLOCK_128K, 2);
	check_file(r, "data/oneblock", want, BLOCK_128K, 0644);
	free(want);
	want = make_random(2 * BLOCK_128K, 3);
	check_file(r, "data/twoblocks", want, 2 * BLOCK_128K, 0644);
	free(want);
	want = make_sparse();
	check_file(r, "data/sparse", want, SPARSE_SIZE, 0644);
	free(want);
}

static void check_special(run *r)
{
	check_node(r, "tmp", FG_NODE_DIR, 01777, 0, 0);
	check_node(r, "a/b/c/d", FG_NODE_DIR, 0755, 0, 0);
	check_node(r, "home/user", FG_NODE_DIR, 0750, 1000, 1000);
	check_node(r, "home/user/notes.txt", FG_NODE_FILE, 0640, 1000, 1000);
	check_node(r, "dev/console", FG_NODE_CHR, 0600, 0, 0);
	check_node(r, "dev/sda", FG_NODE_BLK, 0660, 0, 6);
	check_node(r, "dev/big", FG_NODE_CHR, 0620, 0, 5);
	check_node(r, "run/fifo", FG_NODE_FIFO, 0644, 0, 0);
	check_node(r, "run/sock", FG_NODE_SOCK, 0755, 0, 0);
	check_device(r, "dev/console", FG_NODE_CHR, 5, 1);
	check_device(r, "dev/sda", FG_NODE_BLK, 8, 0);
	check_device(r, "dev/big", FG_NODE_CHR, 300, 70000);
}

static uint64_t le64_at(const uint8_t *p);

static int probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	uint64_t dummy = 0;
	return fg_format_squashfs.probe(data, len, chunk_len ? chunk_len : &dummy);
}

/* Builds the main tree with COMP and checks every field. */
static void check_compressor(const char *comp)
{
	size_t len;
	uint8_t *img = build_main(comp, NULL, &len);
	if (!img && !strcmp(comp, "lzma")) {
		printf("mksquashfs cannot write lzma here: skipped\n");
		return;
	}
	REQUIRE(img != NULL);
	CHECK_INT_EQ(probe(img, len, NULL), 90);
	run r;
	run_image(&r, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	if (r.diags.items.n) {
		fprintf(stderr, "unexpected diagnostics for %s:\n", comp);
		dump_diags(&r);
	}
	CHECK_INT_EQ(r.diags.items.n, 0);
	if (r.root) {
		CHECK_INT_EQ(r.root->type, FG_NODE_DIR);
		CHECK_INT_EQ(r.root->mode, 0755);
		CHECK_STR_EQ(r.root->format_info, comp);
		CHECK(!(r.root->flags & FG_NODE_TRUNCATED));
		check_content(&r);
		check_links(&r);
		check_special(&r);
	} else {
		CHECK(r.root != NULL);
	}
	run_free(&r);
	free(img);
}

TEST(squashfs_gzip_all_fields) { check_compressor("gzip"); }

TEST(squashfs_declares_its_magic)
{
	const fg_magic *m = fg_format_squashfs.magics;
	REQUIRE(m != NULL && m[0].bytes != NULL);
	CHECK_INT_EQ(m[0].len, 4);
	CHECK_INT_EQ(m[0].at, 0);
	CHECK(!memcmp(m[0].bytes, "hsqs", 4));
	CHECK(m[1].bytes == NULL);
}
TEST(squashfs_xz) { check_compressor("xz"); }
TEST(squashfs_lzma) { check_compressor("lzma"); }
TEST(squashfs_lzo) { check_compressor("lzo"); }
TEST(squashfs_lz4) { check_compressor("lz4"); }
TEST(squashfs_zstd) { check_compressor("zstd"); }

TEST(squashfs_uncompressed_tables_and_data)
{
	size_t len;
	uint8_t *img = build_main("gzip", "-noI -noD -noF -noX", &len);
	REQUIRE(img != NULL);
	run r;
	run_image(&r, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(r.diags.items.n, 0);
	check_content(&r);
	check_links(&r);
	run_free(&r);
	free(img);
}

TEST(squashfs_no_fragments_and_small_blocks)
{
	size_t len;
	uint8_t *img = build_main("gzip", "-no-fragments -b 4096", &len);
	REQUIRE(img != NULL);
	run r;
	run_image(&r, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(r.diags.items.n, 0);
	check_content(&r);
	run_free(&r);
	free(img);
}

/* A file several data-reader calls long, with 4 KiB blocks; it is over
 * the handler's threshold for reading with several threads. */
TEST(squashfs_huge_file_crosses_chunks)
{
	char stage[PATH_MAX];
	fmt(stage, sizeof(stage), "%s/huge", work_dir());
	put_dir(stage, "", 0755);
	uint8_t *want = make_huge();
	REQUIRE(want != NULL);
	put(stage, "huge.txt", want, HUGE_SIZE, 0644);
	size_t len;
	uint8_t *img = build(stage, "gzip", "-b 4096 -Xcompression-level 1", false, &len);
	if (!img)
		free(want);
	REQUIRE(img != NULL);
	run r;
	run_image(&r, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(same_bytes(at(&r, "huge.txt"), want, HUGE_SIZE));
	run_free(&r);
	free(img);
	free(want);
}

TEST(squashfs_empty_image_is_fine)
{
	char stage[PATH_MAX];
	fmt(stage, sizeof(stage), "%s/empty", work_dir());
	put_dir(stage, "", 0700);
	size_t len;
	uint8_t *img = build(stage, "gzip", NULL, false, &len);
	REQUIRE(img != NULL);
	run r;
	run_image(&r, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(r.diags.items.n, 0);
	REQUIRE(r.root != NULL);
	CHECK_INT_EQ(r.root->nchildren, 0);
	CHECK_INT_EQ(r.root->mode, 0700);
	CHECK(!(r.root->flags & FG_NODE_TRUNCATED));
	run_free(&r);
	free(img);
}

/* Over 256 entries: several directory headers and metadata blocks. */
TEST(squashfs_many_entries_in_one_directory)
{
	char stage[PATH_MAX];
	fmt(stage, sizeof(stage), "%s/many", work_dir());
	put_dir(stage, "", 0755);
	put_dir(stage, "many", 0755);
	for (int i = 0; i < 700; i++) {
		char rel[64], text[64];
		fmt(rel, sizeof(rel), "many/file-%03d", i);
		fmt(text, sizeof(text), "content of file %d\n", i);
		put(stage, rel, text, strlen(text), 0644);
	}
	size_t len;
	uint8_t *img = build(stage, "zstd", NULL, false, &len);
	REQUIRE(img != NULL);
	run r;
	run_image(&r, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(r.diags.items.n, 0);
	fg_node *many = at(&r, "many");
	REQUIRE(many != NULL);
	CHECK_INT_EQ(many->nchildren, 700);
	for (int i = 0; i < 700; i += 77) {
		char rel[64], text[64];
		fmt(rel, sizeof(rel), "many/file-%03d", i);
		fmt(text, sizeof(text), "content of file %d\n", i);
		CHECK(same_bytes(at(&r, rel), text, strlen(text)));
	}
	run_free(&r);
	free(img);
}

/* A broken data block keeps the blocks before it and says why. */
TEST(squashfs_bad_data_block_keeps_good_prefix)
{
	char stage[PATH_MAX];
	fmt(stage, sizeof(stage), "%s/blocks", work_dir());
	put_dir(stage, "", 0755);
	uint8_t *text = malloc(4 * BLOCK_128K);
	REQUIRE(text != NULL);
	fill_text(text, 4 * BLOCK_128K);        /* four full blocks, no tail */
	put(stage, "four", text, 4 * BLOCK_128K, 0644);
	put(stage, "empty", "", 0, 0644);
	size_t len;
	uint8_t *img = build(stage, "gzip", NULL, false, &len);
	if (!img)
		free(text);
	REQUIRE(img != NULL);
	/* the data area ends where the inode table starts; its last bytes
	 * are the checksum of the fourth block */
	img[le64_at(img + 64) - 3] ^= 0xff;
	run r;
	run_image(&r, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	fg_node *four = at(&r, "four");
	REQUIRE(four != NULL);
	CHECK_INT_EQ(four->size, 4 * BLOCK_128K);
	CHECK_INT_EQ(four->data_len, 3 * BLOCK_128K);
	CHECK(four->data && !memcmp(four->data, text, 3 * BLOCK_128K));
	CHECK(four->flags & FG_NODE_TRUNCATED);
	CHECK(four->note && strstr(four->note, "after 393216 of 524288"));
	CHECK(same_bytes(at(&r, "empty"), "", 0));
	run_free(&r);
	free(img);
	free(text);
}

/* A file of ten 128 KiB blocks is read as two jobs (eight blocks, then
 * two), possibly on two threads. A bad block in the first job ends the
 * good prefix there even though the second job reads fine. */
TEST(squashfs_bad_block_in_first_job_of_a_large_file)
{
	char stage[PATH_MAX];
	fmt(stage, sizeof(stage), "%s/jobs", work_dir());
	put_dir(stage, "", 0755);
	size_t size = 10 * (size_t)BLOCK_128K;
	uint8_t *data = malloc(size);
	REQUIRE(data != NULL);
	/* random blocks are stored as they are; block 7 is text, compressed */
	fill_random(data, size, 11);
	fill_text(data + 7 * (size_t)BLOCK_128K, BLOCK_128K);
	put(stage, "ten", data, size, 0644);
	size_t len;
	uint8_t *img = build(stage, "gzip", NULL, false, &len);
	if (!img)
		free(data);
	REQUIRE(img != NULL);
	/* block 8 follows block 7 on disk: the bytes before it are block 7's
	 * zlib checksum */
	const uint8_t *b8 = memmem(img, len, data + 8 * (size_t)BLOCK_128K, 64);
	if (!b8) {
		free(img);
		free(data);
	}
	REQUIRE(b8 != NULL);
	img[b8 - img - 2] ^= 0xff;
	run r;
	run_image(&r, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	fg_node *ten = at(&r, "ten");
	REQUIRE(ten != NULL);
	CHECK_INT_EQ(ten->size, size);
	CHECK_INT_EQ(ten->data_len, 7 * (size_t)BLOCK_128K);
	CHECK(ten->data && !memcmp(ten->data, data, 7 * (size_t)BLOCK_128K));
	CHECK(ten->flags & FG_NODE_TRUNCATED);
	CHECK(ten->note && strstr(ten->note, "after 917504 of 1310720"));
	run_free(&r);
	free(img);
	free(data);
}

/* ---- probe ---------------------------------------------------------------- */

TEST(squashfs_probe_rejects_what_is_not_v4_le)
{
	size_t len;
	uint8_t *img = build_main("gzip", NULL, &len);
	REQUIRE(img != NULL);
	CHECK_INT_EQ(probe(img, 95, NULL), 0);   /* superblock cut */
	CHECK_INT_EQ(probe(img, 0, NULL), 0);
	const uint8_t text[] = "this is not a filesystem image, just some text that is long enough "
			       "to cover a whole superblock and then some more bytes";
	CHECK_INT_EQ(probe(text, sizeof(text), NULL), 0);

	uint8_t sb[96];
	memcpy(sb, img, sizeof(sb));
	memcpy(sb, "sqsh", 4);                  /* big-endian magic */
	CHECK_INT_EQ(probe(sb, sizeof(sb), NULL), 0);
	memcpy(sb, img, sizeof(sb));
	sb[28] = 3;                             /* version 3.0 */
	CHECK_INT_EQ(probe(sb, sizeof(sb), NULL), 0);
	memcpy(sb, img, sizeof(sb));
	sb[22] = 16;                            /* block_log disagrees */
	CHECK_INT_EQ(probe(sb, sizeof(sb), NULL), 0);
	memcpy(sb, img, sizeof(sb));
	sb[12] = 1;                             /* block size not a power of two */
	CHECK_INT_EQ(probe(sb, sizeof(sb), NULL), 0);
	memcpy(sb, img, sizeof(sb));
	sb[12] = 0; sb[13] = 0; sb[14] = 0; sb[15] = 0x20; /* 512 MiB blocks */
	CHECK_INT_EQ(probe(sb, sizeof(sb), NULL), 0);
	free(img);
}

TEST(squashfs_probe_scores_and_sizes_the_chunk)
{
	size_t len;
	uint8_t *img = build_main("gzip", NULL, &len);
	REQUIRE(img != NULL);
	uint64_t used = le64_at(img + 40), chunk = 0;
	CHECK(used <= len);
	CHECK_INT_EQ(probe(img, len, &chunk), 90);
	CHECK_INT_EQ(chunk, used);              /* mksquashfs padding excluded */

	/* a truncated image is still squashfs, less surely */
	CHECK_INT_EQ(probe(img, len / 2, &chunk), 60);
	CHECK_INT_EQ(chunk, len / 2);

	/* a damaged layout is claimed weakly: below the carving threshold,
	 * but a whole file still gets unpacked and its trouble reported */
	uint8_t *bad = malloc(len);
	REQUIRE(bad != NULL);
	memcpy(bad, img, len);
	bad[20] = 9;                            /* unknown compressor */
	int c = probe(bad, len, NULL);
	CHECK(c > 0 && c < FG_CARVE_MIN_CONFIDENCE);
	memcpy(bad, img, len);
	memcpy(bad + 64, img + 72, 8);          /* inode table == directory table */
	c = probe(bad, len, NULL);
	CHECK(c > 0 && c < FG_CARVE_MIN_CONFIDENCE);
	free(bad);
	free(img);
}

/* ---- hostile input -------------------------------------------------------- */

static uint64_t le64_at(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

TEST(squashfs_bad_superblock_tables_fail_cleanly)
{
	size_t len;
	uint8_t *img = build_main("gzip", NULL, &len);
	REQUIRE(img != NULL);
	uint8_t *bad = malloc(len);
	REQUIRE(bad != NULL);

	/* inode table after the directory table */
	memcpy(bad, img, len);
	put_le64(bad + 64, le64_at(img + 72) + 10);
	run r;
	run_image(&r, bad, len, NULL);
	CHECK(r.rc < 0);
	CHECK(r.diags.items.n > 0);
	run_free(&r);

	/* tables far beyond the image */
	memcpy(bad, img, len);
	put_le64(bad + 72, UINT64_MAX / 2);
	put_le64(bad + 48, UINT64_MAX / 2 + 100);
	run_image(&r, bad, len, NULL);
	CHECK(reported(&r));
	run_free(&r);

	/* absurd fragment count */
	memcpy(bad, img, len);
	bad[16] = bad[17] = bad[18] = bad[19] = 0xff;
	run_image(&r, bad, len, NULL);
	CHECK(reported(&r));
	run_free(&r);

	/* unknown compressor */
	memcpy(bad, img, len);
	bad[20] = 9;
	run_image(&r, bad, len, NULL);
	CHECK(r.rc < 0);
	run_free(&r);

	/* root inode reference outside the inode table */
	memcpy(bad, img, len);
	put_le64(bad + 32, (uint64_t)0xffffff << 16);
	run_image(&r, bad, len, NULL);
	CHECK(r.rc < 0);
	CHECK(r.diags.items.n > 0);
	run_free(&r);

	free(bad);
	free(img);
}

TEST(squashfs_truncated_image_reports)
{
	size_t len;
	uint8_t *img = build_main("xz", NULL, &len);
	REQUIRE(img != NULL);
	run r;
	run_image(&r, img, len / 2, NULL);
	CHECK(reported(&r));
	run_free(&r);
	/* every cut, coarse steps: none may crash or leak, all are noticed */
	uint64_t used = le64_at(img + 40);
	for (size_t cut = 0; cut < len; cut += len / 97 + 1) {
		run_image(&r, img, cut, NULL);
		CHECK(cut >= used || reported(&r));
		run_free(&r);
	}
	free(img);
}

TEST(squashfs_corrupt_inode_table_reports)
{
	size_t len;
	uint8_t *img = build_main("gzip", NULL, &len);
	REQUIRE(img != NULL);
	uint64_t itab = le64_at(img + 64);
	REQUIRE(itab + 40 < len);
	img[itab + 2 + 20] ^= 0x5a;    /* inside the first compressed inode block */
	run r;
	run_image(&r, img, len, NULL);
	CHECK(reported(&r));
	run_free(&r);
	free(img);
}

/* Flips bytes all over a small image; under ASan this is the real test. */
TEST(squashfs_byte_flips_never_crash)
{
	char stage[PATH_MAX];
	fmt(stage, sizeof(stage), "%s/small", work_dir());
	put_dir(stage, "", 0755);
	put_dir(stage, "d", 0755);
	put_dir(stage, "d/e", 0700);
	put(stage, "d/e/f", "hello\n", 6, 0644);
	put(stage, "d/g", PASSWD_TEXT, strlen(PASSWD_TEXT), 04755);
	put_link(stage, "../d/g", "d/e/link");
	uint8_t *mid = make_random(20000, 9);
	REQUIRE(mid != NULL);
	put(stage, "d/mid", mid, 20000, 0644);
	free(mid);
	put_hardlink(stage, "d/g", "d/e/g2");

	/* uncompressed tables let flips reach the fields themselves instead
	 * of just breaking a compressed block */
	const char *const variants[][2] = {
		{ "gzip", "-b 4096" },
		{ "gzip", "-b 4096 -noI" },
		{ "lzo", "-b 4096 -noI" },
		{ "lz4", "-b 4096 -noI -noD -noF" },
		{ "xz", "-b 4096" },
	};
	fg_limits lim;
	fg_limits_default(&lim);
	lim.max_file_size = 1 << 20;
	for (size_t c = 0; c < sizeof(variants) / sizeof(variants[0]); c++) {
		size_t len;
		uint8_t *img = build(stage, variants[c][0], variants[c][1], false, &len);
		REQUIRE(img != NULL);
		uint8_t *bad = malloc(len);
		REQUIRE(bad != NULL);
		uint32_t seed = 77;
		size_t meta = (size_t)le64_at(img + 64);
		for (size_t pos = 0; pos < len; pos += (pos < 96 || pos >= meta) ? 1 : 37) {
			memcpy(bad, img, len);
			bad[pos] ^= (uint8_t)(0x01 << (pos % 8)) | 0x80;
			run r;
			run_image(&r, bad, len, &lim);
			run_free(&r);
		}
		for (int round = 0; round < 300; round++) {
			memcpy(bad, img, len);
			for (int k = 0; k < 6; k++) {
				seed = seed * 1103515245u + 12345u;
				bad[(seed >> 8) % len] = (uint8_t)(seed >> 3);
			}
			run r;
			run_image(&r, bad, len, &lim);
			run_free(&r);
		}
		free(bad);
		free(img);
	}
}

/* Finds NAME as a directory entry's name in an image whose directory
 * table is stored uncompressed; returns the entry's offset or 0. */
static size_t find_entry(const uint8_t *img, size_t len, const char *name)
{
	size_t n = strlen(name);
	uint64_t dtab = le64_at(img + 72);
	for (size_t i = dtab + 8; i + n <= len; i++) {
		if (memcmp(img + i, name, n) != 0)
			continue;
		size_t size = img[i - 2] | (img[i - 1] << 8);
		if (size + 1 == n)
			return i - 8;
	}
	return 0;
}

static const char *hostile_stage(void)
{
	static char stage[PATH_MAX];
	if (stage[0])
		return stage;
	fmt(stage, sizeof(stage), "%s/hostile", work_dir());
	put_dir(stage, "", 0755);
	put_dir(stage, "loopdir", 0755);
	put_dir(stage, "loopdir/loopsub", 0755);
	put(stage, "loopdir/loopsub/inner", "in\n", 3, 0644);
	put(stage, "okfile", "fine\n", 5, 0644);
	put(stage, "qqslashqq", "x", 1, 0644);
	put(stage, "qqdotdot1", "x", 1, 0644);
	put(stage, "qqnulbyte", "x", 1, 0644);
	put(stage, "zzdupname", "x", 1, 0644);
	put(stage, "zzdupnamf", "y", 1, 0644);
	put(stage, "Q9", "x", 1, 0644);
	put(stage, "Z", "x", 1, 0644);
	return stage;
}

/* A name patched in place: the entry at NAME gets BYTES at offset AT. */
struct name_patch {
	const char *name;
	size_t at;
	const char *bytes;
	size_t len;
};

static const struct name_patch name_patches[] = {
	{ "qqslashqq", 2, "/", 1 },     /* "qq/lashqq" */
	{ "qqnulbyte", 4, "", 1 },      /* "qqnu\0byte" */
	{ "zzdupnamf", 8, "e", 1 },     /* a second "zzdupname" */
	{ "Q9", 0, "..", 2 },
	{ "Z", 0, ".", 1 },
};
#define NPATCHES (sizeof(name_patches) / sizeof(name_patches[0]))

static bool apply_patch(uint8_t *img, size_t len, const struct name_patch *p)
{
	size_t e = find_entry(img, len, p->name);
	if (!e)
		return false;
	memcpy(img + e + 8 + p->at, p->bytes, p->len);
	return true;
}

static size_t count_skips(const run *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->diags.items.n; i++)
		if (strstr(r->diags.items.v[i].message, "skipped entry"))
			n++;
	return n;
}

static void check_hostile_survivors(run *r)
{
	CHECK_INT_EQ(r->rc, 0);
	CHECK(same_bytes(at(r, "okfile"), "fine\n", 5));
	CHECK(same_bytes(at(r, "loopdir/loopsub/inner"), "in\n", 3));
	CHECK(same_bytes(at(r, "zzdupname"), "x", 1));  /* the first one wins */
	CHECK(at(r, "qq") == NULL);
	CHECK(at(r, "qqnu") == NULL);
	CHECK(r->root && (r->root->flags & FG_NODE_TRUNCATED));
}

TEST(squashfs_bad_names_are_skipped_with_reason)
{
	for (size_t k = 0; k < NPATCHES; k++) {
		size_t len;
		uint8_t *img = build(hostile_stage(), "gzip", "-noI", false, &len);
		REQUIRE(img != NULL);
		bool patched = apply_patch(img, len, &name_patches[k]);
		if (!patched)
			free(img);
		REQUIRE(patched);
		run r;
		run_image(&r, img, len, NULL);
		check_hostile_survivors(&r);
		CHECK_INT_EQ(count_skips(&r), 1);
		run_free(&r);
		free(img);
	}
}

TEST(squashfs_all_bad_names_at_once)
{
	size_t len;
	uint8_t *img = build(hostile_stage(), "gzip", "-noI", false, &len);
	REQUIRE(img != NULL);
	bool ok = true;
	for (size_t k = 0; k < NPATCHES; k++)
		ok = apply_patch(img, len, &name_patches[k]) && ok;
	CHECK(ok);
	run r;
	run_image(&r, img, len, NULL);
	check_hostile_survivors(&r);
	CHECK_INT_EQ(count_skips(&r), NPATCHES);
	run_free(&r);
	free(img);
}

TEST(squashfs_directory_loop_is_cut)
{
	size_t len;
	uint8_t *img = build(hostile_stage(), "gzip", "-noI", false, &len);
	REQUIRE(img != NULL);
	size_t parent = find_entry(img, len, "loopdir");
	size_t child = find_entry(img, len, "loopsub");
	REQUIRE(parent && child);
	/* point loopdir/loopsub at loopdir's inode (one inode block here) */
	img[child] = img[parent];
	img[child + 1] = img[parent + 1];
	run r;
	run_image(&r, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	fg_node *sub = at(&r, "loopdir/loopsub");
	REQUIRE(sub != NULL);
	CHECK_INT_EQ(sub->type, FG_NODE_DIR);
	CHECK(sub->flags & FG_NODE_TRUNCATED);
	CHECK_INT_EQ(sub->nchildren, 0);
	CHECK(node_count(&r) < 20);
	run_free(&r);
	free(img);
}

/* ---- budgets ------------------------------------------------------------- */

TEST(squashfs_file_over_max_size_not_allocated)
{
	size_t len;
	uint8_t *img = build_main("gzip", NULL, &len);
	REQUIRE(img != NULL);
	fg_limits lim;
	fg_limits_default(&lim);
	lim.max_file_size = 100000;
	run r;
	run_image(&r, img, len, &lim);
	CHECK_INT_EQ(r.rc, 0);
	fg_node *big = at(&r, "data/big");
	REQUIRE(big != NULL);
	CHECK_INT_EQ(big->type, FG_NODE_FILE);
	CHECK_INT_EQ(big->size, BIG_SIZE);
	CHECK(big->data == NULL);
	CHECK_INT_EQ(big->data_len, 0);
	CHECK(big->flags & FG_NODE_TRUNCATED);
	CHECK(big->note != NULL);
	fg_node *sparse = at(&r, "data/sparse");
	CHECK(sparse && sparse->data == NULL && (sparse->flags & FG_NODE_TRUNCATED));
	/* smaller files are unaffected, and only they were charged */
	check_file(&r, "etc/passwd", PASSWD_TEXT, strlen(PASSWD_TEXT), 0644);
	CHECK(atomic_load(&r.budget.bytes) < 100000);
	run_free(&r);
	free(img);
}

TEST(squashfs_total_byte_budget_truncates_and_continues)
{
	size_t len;
	uint8_t *img = build_main("lz4", NULL, &len);
	REQUIRE(img != NULL);
	fg_limits lim;
	fg_limits_default(&lim);
	lim.max_total_bytes = 200000;
	run r;
	run_image(&r, img, len, &lim);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(atomic_load(&r.budget.bytes) <= 200000);
	fg_node *big = at(&r, "data/big");
	CHECK(big && big->data == NULL && (big->flags & FG_NODE_TRUNCATED));
	check_file(&r, "etc/passwd", PASSWD_TEXT, strlen(PASSWD_TEXT), 0644);
	run_free(&r);
	free(img);
}

TEST(squashfs_file_count_budget_stops_walk)
{
	size_t len;
	uint8_t *img = build_main("gzip", NULL, &len);
	REQUIRE(img != NULL);
	fg_limits lim;
	fg_limits_default(&lim);
	lim.max_files = 5;
	run r;
	run_image(&r, img, len, &lim);
	CHECK(r.rc == 0);
	CHECK(node_count(&r) <= 6);    /* the root plus five */
	CHECK(r.root && (r.root->flags & FG_NODE_TRUNCATED));
	run_free(&r);
	free(img);
}

TEST(squashfs_expansion_ratio_is_enforced)
{
	size_t len;
	uint8_t *img = build_main("gzip", NULL, &len);
	REQUIRE(img != NULL);
	fg_limits lim;
	fg_limits_default(&lim);
	lim.max_ratio = 1;              /* 1 MiB floor: the sparse file is over */
	run r;
	run_image(&r, img, len, &lim);
	CHECK_INT_EQ(r.rc, 0);
	fg_node *sparse = at(&r, "data/sparse");
	CHECK(sparse && sparse->data == NULL && (sparse->flags & FG_NODE_TRUNCATED));
	check_file(&r, "etc/passwd", PASSWD_TEXT, strlen(PASSWD_TEXT), 0644);
	run_free(&r);
	free(img);
}
