/*
 * test_cramfs.c - the cramfs handler against images mkfs.cramfs builds at
 * test time (both byte orders, padded, with holes, large pages), a
 * hand-made image with extended block pointers, the samples, carving,
 * and hostile variants (truncated, CRC mismatch, loops, patched sizes,
 * random corruption, budgets). Exits 77 when mkfs.cramfs is missing.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>
#include <zlib.h>

#include "core/diag.h"
#include "core/limits.h"
#include "core/result.h"
#include "core/tree.h"
#include "unpack/engine.h"
#include "unpack/format.h"
#include "test.h"

extern const fg_format fg_format_cramfs;

#define PASSWD_TEXT "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n"
#define BIG_SIZE 300000
#define TEXT_SIZE 50000
#define SPARSE_SIZE 100000
#define LONG_NAME_LEN 200

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

static void fill_random(uint8_t *buf, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (uint8_t)(seed >> 16);
	}
}

static void fill_text(uint8_t *buf, size_t n)
{
	size_t at = 0;
	for (unsigned line = 0; at < n; line++) {
		char tmp[64];
		int k = snprintf(tmp, sizeof(tmp), "line %08u of the text file\n", line);
		for (int i = 0; i < k && at < n; i++)
			buf[at++] = (uint8_t)tmp[i];
	}
}

/* ---- scratch space and tools --------------------------------------------- */

static char g_work[PATH_MAX];
static char g_mkfs[PATH_MAX];

static void remove_work(void)
{
	char cmd[PATH_MAX + 32];
	if (!g_work[0] || getenv("FG_TEST_KEEP"))
		return;
	fmt(cmd, sizeof(cmd), "rm -rf '%s'", g_work);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", g_work);
}

static void find_mkfs(void)
{
	static const char *const where[] = {
		"/usr/sbin/mkfs.cramfs", "/sbin/mkfs.cramfs", "/usr/bin/mkfs.cramfs", "/bin/mkfs.cramfs",
	};
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		if (access(where[i], X_OK) == 0) {
			fmt(g_mkfs, sizeof(g_mkfs), "%s", where[i]);
			return;
		}
	}
	printf("mkfs.cramfs not found: skipping cramfs tests\n");
	exit(77);
}

static const char *work_dir(void)
{
	if (g_work[0])
		return g_work;
	const char *base = getenv("FG_TEST_TMP");
	if (!base || !*base)
		base = "/tmp";
	mkdir(base, 0755);
	fmt(g_work, sizeof(g_work), "%s/cramfs-XXXXXX", base);
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
	chmod(p, mode);
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

static char *long_name(void)
{
	static char name[LONG_NAME_LEN + 1];
	memset(name, 'n', LONG_NAME_LEN);
	name[LONG_NAME_LEN] = '\0';
	return name;
}

static bool g_devices; /* device nodes could be made (root) */
static bool g_socket;

static uint8_t g_busybox[5000], g_big[BIG_SIZE], g_text[TEXT_SIZE];

static const char *main_stage(void)
{
	static char stage[PATH_MAX];
	if (stage[0])
		return stage;
	find_mkfs();
	fmt(stage, sizeof(stage), "%s/stage", work_dir());
	put_dir(stage, "", 0755);
	const char *dirs[] = { "etc", "bin", "sbin", "lib", "tmp", "data", "dev", "run", "home",
			       "home/user", "a", "a/b", "a/b/c", "a/b/c/d" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		put_dir(stage, dirs[i], 0755);
	put_dir(stage, "tmp", 01777);
	put_dir(stage, "home/user", 0750);
	put(stage, "etc/passwd", PASSWD_TEXT, strlen(PASSWD_TEXT), 0644);
	put(stage, "etc/empty", "", 0, 0644);
	put(stage, "bin/su", "#!/bin/sh\necho su\n", 18, 04755);
	fill_random(g_busybox, sizeof(g_busybox), 4);
	put(stage, "bin/busybox", g_busybox, sizeof(g_busybox), 0755);
	put_hardlink(stage, "bin/busybox", "bin/busybox-hl");
	put_hardlink(stage, "bin/busybox", "sbin/init");
	put_link(stage, "busybox", "bin/sh");
	put_link(stage, "/lib/libc.so.6", "lib/libc.so");
	fill_random(g_big, sizeof(g_big), 1);
	put(stage, "data/big", g_big, sizeof(g_big), 0644);
	put(stage, "data/big-copy", g_big, sizeof(g_big), 0600);
	fill_text(g_text, sizeof(g_text));
	put(stage, "data/text", g_text, sizeof(g_text), 0644);
	put(stage, "a/b/c/d/deep.txt", "deep\n", 5, 0600);
	put(stage, "home/user/notes.txt", "secret\n", 7, 0640);
	char rel[PATH_MAX], p[PATH_MAX];
	fmt(rel, sizeof(rel), "etc/%s", long_name());
	put(stage, rel, "long\n", 5, 0644);
	/* a sparse file: holes with markers */
	fmt(p, sizeof(p), "%s/data/sparse", stage);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, SPARSE_SIZE) != 0 || pwrite(fd, "HEAD", 4, 0) != 4 ||
	    pwrite(fd, "TAIL!", 5, SPARSE_SIZE - 5) != 5) {
		perror(p);
		exit(1);
	}
	close(fd);
	fmt(p, sizeof(p), "%s/home/user/notes.txt", stage);
	if (chown(p, 1000, 1234) != 0)
		fprintf(stderr, "chown failed: owner checks are weaker\n");
	fmt(p, sizeof(p), "%s/home/user", stage);
	if (chown(p, 1000, 1234) != 0)
		fprintf(stderr, "chown failed: owner checks are weaker\n");
	fmt(p, sizeof(p), "%s/dev/console", stage);
	g_devices = mknod(p, S_IFCHR | 0600, makedev(5, 1)) == 0;
	fmt(p, sizeof(p), "%s/dev/sda", stage);
	g_devices = g_devices && mknod(p, S_IFBLK | 0660, makedev(8, 0)) == 0;
	fmt(p, sizeof(p), "%s/run/fifo", stage);
	if (mkfifo(p, 0644) != 0) {
		perror(p);
		exit(1);
	}
	fmt(p, sizeof(p), "%s/run/sock", stage);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s >= 0 && strlen(p) < sizeof(sa.sun_path)) {
		memcpy(sa.sun_path, p, strlen(p) + 1);
		g_socket = bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	}
	if (s >= 0)
		close(s);
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

/* Runs mkfs.cramfs OPTS on STAGE; NULL when it fails. */
static uint8_t *build(const char *stage, const char *opts, size_t *len)
{
	static unsigned seq;
	char out[PATH_MAX], cmd[3 * PATH_MAX + 128];
	fmt(out, sizeof(out), "%s/img-%u.cramfs", work_dir(), seq++);
	fmt(cmd, sizeof(cmd), "'%s' %s '%s' '%s' >'%s/mkfs.log' 2>&1", g_mkfs, opts, stage, out,
	    work_dir());
	uint8_t *img = NULL;
	int st = system(cmd);
	if (st == 0)
		img = read_whole(out, len);
	else
		fprintf(stderr, "mkfs.cramfs %s failed (status %d)\n", opts, st);
	unlink(out);
	return img;
}

/* ---- running the handler ------------------------------------------------- */

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
	r->rc = fg_unpack_buffer_for_test(&r->tree, &r->budget, &r->diags, &fg_format_cramfs,
					  "rootfs.cramfs", img, len, &r->root);
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

static bool mentions(const run *r, const char *what)
{
	for (size_t i = 0; i < r->diags.items.n; i++)
		if (strstr(r->diags.items.v[i].message, what))
			return true;
	return false;
}

static fg_node *at(run *r, const char *path)
{
	return r->root ? fg_tree_lookup(r->root, path, false) : NULL;
}

static bool same_bytes(const fg_node *n, const void *want, size_t len)
{
	return n && n->size == len && n->data_len == len &&
	       (len == 0 || (n->data && !memcmp(n->data, want, len)));
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
	CHECK_INT_EQ(n->mtime, 0);
	if (!same_bytes(n, want, len))
		fprintf(stderr, "content of %s differs (size %llu, data_len %zu)\n", path,
			(unsigned long long)n->size, n->data_len);
	CHECK(same_bytes(n, want, len));
	CHECK(!(n->flags & FG_NODE_TRUNCATED));
}

static void check_node(run *r, const char *path, fg_node_type type, uint32_t mode, uint32_t uid,
		       uint32_t gid)
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

/* Everything main_stage() put in, as cramfs keeps it. */
static void check_main_tree(run *r)
{
	CHECK_INT_EQ(r->rc, 0);
	REQUIRE(r->root != NULL);
	if (r->diags.items.n)
		dump_diags(r);
	CHECK_INT_EQ(r->diags.items.n, 0);
	CHECK(!(r->root->flags & FG_NODE_TRUNCATED));
	CHECK_INT_EQ(r->root->mode, 0755);
	check_file(r, "etc/passwd", PASSWD_TEXT, strlen(PASSWD_TEXT), 0644);
	check_file(r, "etc/empty", "", 0, 0644);
	check_file(r, "bin/su", "#!/bin/sh\necho su\n", 18, 04755);
	check_file(r, "bin/busybox", g_busybox, sizeof(g_busybox), 0755);
	check_file(r, "bin/busybox-hl", g_busybox, sizeof(g_busybox), 0755);
	check_file(r, "sbin/init", g_busybox, sizeof(g_busybox), 0755);
	check_file(r, "data/big", g_big, sizeof(g_big), 0644);
	check_file(r, "data/big-copy", g_big, sizeof(g_big), 0600);
	check_file(r, "data/text", g_text, sizeof(g_text), 0644);
	check_file(r, "a/b/c/d/deep.txt", "deep\n", 5, 0600);
	char rel[PATH_MAX];
	fmt(rel, sizeof(rel), "etc/%s", long_name());
	check_file(r, rel, "long\n", 5, 0644);

	/* shared content: hard links and identical files point at one copy */
	fg_node *bb = at(r, "bin/busybox"), *hl = at(r, "bin/busybox-hl"), *init = at(r, "sbin/init");
	CHECK(bb && hl && init && bb->data == hl->data && bb->data == init->data);
	fg_node *big = at(r, "data/big"), *copy = at(r, "data/big-copy");
	CHECK(big && copy && big->data == copy->data);

	fg_node *sp = at(r, "data/sparse");
	REQUIRE(sp != NULL);
	CHECK_INT_EQ(sp->data_len, SPARSE_SIZE);
	if (sp->data_len == SPARSE_SIZE) {
		CHECK(!memcmp(sp->data, "HEAD", 4));
		CHECK(!memcmp(sp->data + SPARSE_SIZE - 5, "TAIL!", 5));
		CHECK(sp->data[50000] == 0);
	}

	fg_node *sh = at(r, "bin/sh"), *libc = at(r, "lib/libc.so");
	REQUIRE(sh && libc);
	CHECK_INT_EQ(sh->type, FG_NODE_SYMLINK);
	CHECK_STR_EQ(sh->link_target, "busybox");
	CHECK_STR_EQ(libc->link_target, "/lib/libc.so.6");
	CHECK_INT_EQ(sh->mode, 0777);

	check_node(r, "tmp", FG_NODE_DIR, 01777, 0, 0);
	check_node(r, "home/user", FG_NODE_DIR, 0750, 1000, 1234 & 0xff); /* gid is 8 bits */
	check_node(r, "home/user/notes.txt", FG_NODE_FILE, 0640, 1000, 1234 & 0xff);
	check_node(r, "run/fifo", FG_NODE_FIFO, 0644, 0, 0);
	if (g_socket)
		CHECK(at(r, "run/sock") && at(r, "run/sock")->type == FG_NODE_SOCK);
	if (g_devices) {
		fg_node *con = at(r, "dev/console"), *sda = at(r, "dev/sda");
		REQUIRE(con && sda);
		CHECK_INT_EQ(con->type, FG_NODE_CHR);
		CHECK_INT_EQ(con->mode, 0600);
		CHECK_INT_EQ(con->dev_major, 5);
		CHECK_INT_EQ(con->dev_minor, 1);
		CHECK_INT_EQ(sda->type, FG_NODE_BLK);
		CHECK_INT_EQ(sda->dev_major, 8);
		CHECK_INT_EQ(sda->dev_minor, 0);
	}
}

static uint8_t *build_main(const char *opts, size_t *len)
{
	return build(main_stage(), opts, len);
}

static void check_variant(const char *opts, const char *info)
{
	size_t len;
	uint8_t *img = build_main(opts, &len);
	REQUIRE(img != NULL);
	uint64_t cl = 0;
	CHECK(fg_format_cramfs.probe(img, len, &cl) >= FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(cl, len);
	run r;
	run_image(&r, img, len, NULL);
	check_main_tree(&r);
	if (r.root) {
		CHECK_STR_EQ(r.root->format_info, info);
		CHECK_INT_EQ(r.root->src_length, len);
	}
	run_free(&r);
	free(img);
}

/* ---- the main tree in every layout --------------------------------------- */

TEST(cramfs_little_endian)
{
	check_variant("-N little", "le");
}

TEST(cramfs_big_endian)
{
	check_variant("-N big", "be");
}

TEST(cramfs_padded_both_orders)
{
	check_variant("-N little -p", "le");
	check_variant("-N big -p", "be");
}

TEST(cramfs_explicit_holes)
{
	check_variant("-z", "le");
}

TEST(cramfs_large_pages)
{
	check_variant("-b 16384", "le, 16 KiB pages");
	check_variant("-N big -b 65536", "be, 64 KiB pages");
}

/* mkcramfs's -b with small files only: no file can tell the page size,
 * and a wrong guess must not make content up. */
TEST(cramfs_small_files_any_page)
{
	char stage[PATH_MAX];
	fmt(stage, sizeof(stage), "%s/small", work_dir());
	find_mkfs();
	put_dir(stage, "", 0755);
	put(stage, "a", "alpha\n", 6, 0644);
	put(stage, "b", "bravo\n", 6, 0644);
	size_t len;
	uint8_t *img = build(stage, "-b 16384", &len);
	REQUIRE(img != NULL);
	run r;
	run_image(&r, img, len, NULL);
	check_file(&r, "a", "alpha\n", 6, 0644);
	check_file(&r, "b", "bravo\n", 6, 0644);
	run_free(&r);
	free(img);
}

/* ---- probe and carving ----------------------------------------------------- */

static fg_result *scan_blob(const uint8_t *blob, size_t len)
{
	fg_result *res = fg_result_new(NULL);
	fg_node *f = fg_node_new(&res->tree, "blob.bin", 8, FG_NODE_FILE);
	f->flags = FG_NODE_FSROOT;
	f->data = blob;
	f->data_len = len;
	f->size = len;
	res->tree.root = f;
	fg_unpack_all(&res->tree, &res->budget, &res->diags, 1, NULL);
	return res;
}

static void carve_one(const char *opts)
{
	size_t len;
	uint8_t *img = build_main(opts, &len);
	REQUIRE(img != NULL);
	const size_t before = 1000, after = 3000;
	uint8_t *blob = malloc(before + len + after);
	REQUIRE(blob != NULL);
	for (size_t i = 0; i < before; i++)
		blob[i] = (uint8_t)("header text "[i % 12]);
	memcpy(blob + before, img, len);
	for (size_t i = 0; i < after; i++)
		blob[before + len + i] = (uint8_t)("trailing stuff "[i % 15]);
	fg_result *res = scan_blob(blob, before + len + after);
	const fg_node *f = res->tree.root;
	REQUIRE(f->unpacked && (f->unpacked->flags & FG_NODE_CARVE));
	char name[64];
	fmt(name, sizeof(name), "0x%zx.cramfs", before);
	const fg_node *c = fg_node_find_child(f->unpacked, name, strlen(name));
	if (!c)
		fprintf(stderr, "chunk %s not found for %s\n", name, opts);
	REQUIRE(c && c->unpacked);
	CHECK_INT_EQ(c->unpacked->src_offset, before);
	CHECK_INT_EQ(c->unpacked->src_length, len);
	CHECK(fg_tree_lookup(c->unpacked, "etc/passwd", false) != NULL);
	fg_result_free(res);
	free(blob);
	free(img);
}

TEST(cramfs_carved_exactly)
{
	carve_one("-N little");
	carve_one("-N big");
	carve_one("-N little -p"); /* the pad is part of the chunk */
	carve_one("-N big -p");
}

/* ---- samples --------------------------------------------------------------- */

static uint8_t *sample(const char *rel, size_t *len)
{
	const char *shared = getenv("FG_SHARED_DIR");
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/samples/%s", shared && *shared ? shared : "/work/shared", rel);
	uint8_t *d = read_whole(p, len);
	if (!d)
		fprintf(stderr, "sample %s absent: skipped\n", p);
	return d;
}

TEST(cramfs_sample_fact)
{
	size_t len;
	uint8_t *img = sample("fact_extractor/sevenz/cramfs.img", &len);
	if (!img)
		return;
	run r;
	run_image(&r, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(r.diags.items.n, 0);
	fg_node *t1 = at(&r, "testfile1"), *t2 = at(&r, "testfile2");
	fg_node *t3 = at(&r, "generic folder/test file 3_.txt");
	CHECK(t1 && t2 && t3);
	if (t1)
		CHECK(t1->data_len == 62 && t1->data && !memcmp(t1->data, "test file:", 10));
	if (t3)
		CHECK(t3->data_len == t3->size && t3->size == 20);
	CHECK_INT_EQ(node_count(&r), 5); /* root + 3 files + 1 directory */
	run_free(&r);
	free(img);
}

TEST(cramfs_sample_binwalk)
{
	size_t len;
	uint8_t *img = sample("binwalk/cramfs.bin", &len);
	if (!img)
		return;
	run r;
	run_image(&r, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(r.diags.items.n, 0);
	fg_node *f = at(&r, "lsb-release");
	CHECK(f && f->type == FG_NODE_FILE && f->data_len == 104 && f->uid == 1000 && f->gid == 232);
	if (f && f->data)
		CHECK(!memcmp(f->data, "DISTRIB_ID=", 11));
	run_free(&r);
	free(img);
}

/* ---- a hand-made image with extended block pointers ----------------------- */

#define CR_FLAG_V2 0x1u
#define CR_FLAG_EXT 0x800u
#define BLK_RAW (1u << 31)
#define BLK_DIRECT (1u << 30)

static void st32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put_inode(uint8_t *p, uint32_t mode, uint32_t uid, uint32_t size, uint32_t gid,
		      uint32_t namelen, uint32_t offset)
{
	st32(p, (mode & 0xffff) | (uid << 16));
	st32(p + 4, (size & 0xffffff) | (gid << 24));
	st32(p + 8, ((namelen / 4) & 0x3f) | ((offset / 4) << 6));
}

static void fix_crc(uint8_t *img, size_t len)
{
	st32(img + 32, 0);
	st32(img + 32, (uint32_t)crc32(crc32(0, NULL, 0), img, (uInt)len));
}

static size_t zblock(uint8_t *out, size_t cap, const uint8_t *in, size_t n)
{
	uLongf z = cap;
	if (compress2(out, &z, in, n, 9) != Z_OK)
		return 0;
	return z;
}

/*
 * Two 5000-byte files:
 *   "direct": direct pointers; block 0 stored raw, block 1 zlib with its
 *             length in front;
 *   "mixed":  ordinary end pointers; block 0 raw (flagged), block 1 zlib.
 */
static uint8_t *ext_image(size_t *len, uint8_t *content)
{
	size_t cap = 65536;
	uint8_t *img = calloc(1, cap);
	fill_text(content, 5000);
	memcpy(img + 16, "Compressed ROMFS", 16);
	st32(img, 0x28cd3d45);
	st32(img + 8, CR_FLAG_V2 | CR_FLAG_EXT);
	memcpy(img + 48, "ext test", 8);
	size_t dir = 76, dir_size = 2 * (12 + 8);
	put_inode(img + 64, 0040755, 0, (uint32_t)dir_size, 0, 0, (uint32_t)dir);
	size_t pos = dir + dir_size;
	/* direct */
	size_t table1 = pos;
	pos += 8;
	pos = (pos + 3) & ~(size_t)3;
	size_t a0 = pos;
	memcpy(img + a0, content, 4096);
	pos += 4096;
	size_t a1 = pos;
	size_t z1 = zblock(img + a1 + 2, cap - a1 - 2, content + 4096, 5000 - 4096);
	img[a1] = (uint8_t)z1;
	img[a1 + 1] = (uint8_t)(z1 >> 8);
	pos = (a1 + 2 + z1 + 3) & ~(size_t)3;
	st32(img + table1, BLK_DIRECT | BLK_RAW | (uint32_t)(a0 >> 2));
	st32(img + table1 + 4, BLK_DIRECT | (uint32_t)(a1 >> 2));
	/* mixed */
	size_t table2 = pos;
	pos += 8;
	memcpy(img + pos, content, 4096);
	pos += 4096;
	st32(img + table2, BLK_RAW | (uint32_t)pos);
	pos += zblock(img + pos, cap - pos, content + 4096, 5000 - 4096);
	st32(img + table2 + 4, (uint32_t)pos);
	put_inode(img + dir, 0100644, 0, 5000, 0, 8, (uint32_t)table1);
	memcpy(img + dir + 12, "direct", 6);
	put_inode(img + dir + 20, 0100600, 7, 5000, 9, 8, (uint32_t)table2);
	memcpy(img + dir + 32, "mixed", 5);
	*len = (pos + 4095) & ~(size_t)4095;
	st32(img + 4, (uint32_t)*len);
	fix_crc(img, *len);
	return img;
}

TEST(cramfs_extended_block_pointers)
{
	size_t len;
	uint8_t content[5000];
	uint8_t *img = ext_image(&len, content);
	run r;
	run_image(&r, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	if (r.diags.items.n)
		dump_diags(&r);
	CHECK_INT_EQ(r.diags.items.n, 0);
	check_file(&r, "direct", content, 5000, 0644);
	check_file(&r, "mixed", content, 5000, 0600);
	check_node(&r, "mixed", FG_NODE_FILE, 0600, 7, 9);
	run_free(&r);
	free(img);
}

/* ---- hostile images --------------------------------------------------------- */

/* Offset of the inode of NAME in the listing at DIR (SIZE bytes), LE. */
static size_t find_entry(const uint8_t *img, size_t dir, size_t size, const char *name)
{
	for (size_t p = dir; p + 12 <= dir + size;) {
		uint32_t w2 = img[p + 8] | (img[p + 9] << 8) | (img[p + 10] << 16) |
			      ((uint32_t)img[p + 11] << 24);
		size_t nl = (w2 & 0x3f) * 4;
		if (strnlen((const char *)img + p + 12, nl) == strlen(name) &&
		    !memcmp(img + p + 12, name, strlen(name)))
			return p;
		p += 12 + nl;
	}
	return 0;
}

static void inode_fields(const uint8_t *p, uint32_t *size, uint32_t *offset)
{
	uint32_t w1 = p[4] | (p[5] << 8) | (p[6] << 16) | ((uint32_t)p[7] << 24);
	uint32_t w2 = p[8] | (p[9] << 8) | (p[10] << 16) | ((uint32_t)p[11] << 24);
	*size = w1 & 0xffffff;
	*offset = (w2 >> 6) * 4;
}

static void set_inode_loc(uint8_t *p, uint32_t size, uint32_t offset)
{
	uint32_t w1 = p[4] | (p[5] << 8) | (p[6] << 16) | ((uint32_t)p[7] << 24);
	uint32_t w2 = p[8] | (p[9] << 8) | (p[10] << 16) | ((uint32_t)p[11] << 24);
	st32(p + 4, (w1 & 0xff000000u) | (size & 0xffffff));
	st32(p + 8, (w2 & 0x3f) | ((offset / 4) << 6));
}

TEST(cramfs_crc_mismatch_still_unpacks)
{
	size_t len;
	uint8_t *img = build_main("-N little", &len);
	REQUIRE(img != NULL);
	img[len - 1] ^= 0x55; /* in the tail padding: only the CRC notices */
	run r;
	run_image(&r, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(mentions(&r, "CRC mismatch"));
	CHECK(r.root && (r.root->flags & FG_NODE_TRUNCATED));
	check_file(&r, "etc/passwd", PASSWD_TEXT, strlen(PASSWD_TEXT), 0644);
	run_free(&r);
	free(img);
}

TEST(cramfs_truncated)
{
	size_t len;
	uint8_t *img = build_main("-N big", &len);
	REQUIRE(img != NULL);
	for (size_t cut = 80; cut < len; cut += len / 7) {
		run r;
		run_image(&r, img, cut, NULL);
		CHECK(r.root != NULL);
		CHECK(mentions(&r, "truncated"));
		run_free(&r);
	}
	free(img);
}

TEST(cramfs_directory_loops)
{
	size_t len;
	uint8_t *img = build_main("-N little", &len);
	REQUIRE(img != NULL);
	uint32_t root_size, root_off;
	inode_fields(img + 64, &root_size, &root_off);
	size_t a = find_entry(img, root_off, root_size, "a");
	REQUIRE(a != 0);
	uint32_t a_size, a_off;
	inode_fields(img + a, &a_size, &a_off);
	size_t b = find_entry(img, a_off, a_size, "b");
	REQUIRE(b != 0);
	/* a/b lists the root again: its entries must not be walked twice */
	set_inode_loc(img + b, root_size, root_off);
	fix_crc(img, len);
	run r;
	run_image(&r, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(mentions(&r, "directory loop"));
	fg_node *nb = at(&r, "a/b");
	CHECK(nb && nb->type == FG_NODE_DIR && nb->nchildren == 0);
	CHECK(at(&r, "etc/passwd") != NULL);
	run_free(&r);
	/* a lists itself */
	set_inode_loc(img + a, a_size, a_off);
	set_inode_loc(img + find_entry(img, a_off, a_size, "b"), a_size, a_off);
	fix_crc(img, len);
	run_image(&r, img, len, NULL);
	CHECK(mentions(&r, "directory loop"));
	run_free(&r);
	free(img);
}

TEST(cramfs_patched_sizes)
{
	size_t len;
	uint8_t *img = build_main("-N little", &len);
	REQUIRE(img != NULL);
	uint32_t root_size, root_off;
	inode_fields(img + 64, &root_size, &root_off);
	size_t etc = find_entry(img, root_off, root_size, "etc");
	REQUIRE(etc != 0);
	uint32_t etc_size, etc_off;
	inode_fields(img + etc, &etc_size, &etc_off);
	size_t pw = find_entry(img, etc_off, etc_size, "passwd");
	REQUIRE(pw != 0);
	uint32_t pw_size, pw_off;
	inode_fields(img + pw, &pw_size, &pw_off);
	/* a 16 MiB file over one block pointer */
	set_inode_loc(img + pw, 0xffffff, pw_off);
	/* a directory listing running past the image */
	size_t data = find_entry(img, root_off, root_size, "data");
	REQUIRE(data != 0);
	uint32_t d_size, d_off;
	inode_fields(img + data, &d_size, &d_off);
	set_inode_loc(img + data, 0xffffff, d_off);
	fix_crc(img, len);
	run r;
	run_image(&r, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	fg_node *n = at(&r, "etc/passwd");
	CHECK(n && (n->flags & FG_NODE_TRUNCATED) && n->data_len < n->size);
	CHECK(mentions(&r, "outside the image"));
	CHECK(at(&r, "bin/busybox") != NULL);
	run_free(&r);
	free(img);
}

TEST(cramfs_budgets)
{
	size_t len;
	uint8_t *img = build_main("", &len);
	REQUIRE(img != NULL);
	fg_limits lim;
	fg_limits_default(&lim);
	lim.max_files = 5;
	run r;
	run_image(&r, img, len, &lim);
	CHECK(node_count(&r) <= 6);
	CHECK(mentions(&r, "file-count limit"));
	run_free(&r);
	fg_limits_default(&lim);
	lim.max_total_bytes = 100000;
	run_image(&r, img, len, &lim);
	fg_node *big = at(&r, "data/big");
	CHECK(big && big->data_len == 0 && (big->flags & FG_NODE_TRUNCATED));
	CHECK(at(&r, "etc/passwd") && at(&r, "etc/passwd")->data_len == strlen(PASSWD_TEXT));
	run_free(&r);
	free(img);
}

/* Random corruption anywhere: whatever comes out, nothing crashes. */
TEST(cramfs_random_corruption)
{
	char stage[PATH_MAX];
	find_mkfs();
	fmt(stage, sizeof(stage), "%s/fuzz", work_dir());
	put_dir(stage, "", 0755);
	put_dir(stage, "d", 0755);
	put_dir(stage, "d/e", 0700);
	put(stage, "d/e/f", g_text, 9000, 0644);
	put(stage, "g", "gee\n", 4, 0644);
	put_link(stage, "d/e/f", "l");
	size_t len;
	uint8_t *img = build(stage, "", &len);
	REQUIRE(img != NULL);
	const char *env = getenv("FG_CRAMFS_FUZZ_ROUNDS");
	int rounds = env ? atoi(env) : 3000;
	uint8_t *mut = malloc(len);
	REQUIRE(mut != NULL);
	uint32_t seed = 7;
	for (int i = 0; i < rounds; i++) {
		memcpy(mut, img, len);
		int flips = 1 + i % 8;
		for (int k = 0; k < flips; k++) {
			seed = seed * 1103515245u + 12345u;
			/* most of the structure is in the first few hundred bytes */
			size_t pos = (seed >> 8) % (k & 1 ? len : (len < 512 ? len : 512));
			seed = seed * 1103515245u + 12345u;
			mut[pos] = (uint8_t)(seed >> 16);
		}
		size_t cut = (i % 5 == 0) ? (seed >> 4) % len : len;
		run r;
		run_image(&r, mut, cut, NULL);
		run_free(&r);
	}
	free(mut);
	free(img);
}

/* ---- the corpus ---------------------------------------------------------------- */

typedef struct counts {
	size_t files, symlinks, dirs, devices;
} counts;

static bool count_types(fg_node *n, void *ud)
{
	counts *c = ud;
	switch (n->type) {
	case FG_NODE_FILE: c->files++; break;
	case FG_NODE_SYMLINK: c->symlinks++; break;
	case FG_NODE_DIR: c->dirs++; break;
	case FG_NODE_CHR: case FG_NODE_BLK: c->devices++; break;
	default: break;
	}
	return true;
}

static void corpus_image(const char *name, size_t files, size_t symlinks, size_t dirs)
{
	const char *home = getenv("HOME");
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/.cache/firmgate/corpus/images/%s", home ? home : "/root", name);
	size_t len;
	uint8_t *img = read_whole(p, &len);
	if (!img) {
		fprintf(stderr, "corpus image %s absent: skipped\n", p);
		return;
	}
	run r;
	run_image(&r, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(r.diags.items.n, 0);
	counts c = { 0 };
	fg_tree_walk(r.root, count_types, &c);
	CHECK_INT_EQ(c.files, files);
	CHECK_INT_EQ(c.symlinks, symlinks);
	CHECK_INT_EQ(c.dirs, dirs + 1); /* and the root */
	CHECK_INT_EQ(c.devices, 2);
	CHECK_INT_EQ(r.root->src_length, len);
	fg_node *pw = at(&r, "etc/passwd");
	CHECK(pw && pw->data_len > 0 && pw->data_len == pw->size);
	run_free(&r);
	free(img);
}

TEST(cramfs_corpus)
{
	corpus_image("cam-b_cramfs.img", 171, 320, 78);
	corpus_image("rtr-a_cramfs-be.img", 251, 332, 55);
}

TEST(cramfs_probe_rejects)
{
	size_t len;
	uint8_t *img = build_main("", &len);
	REQUIRE(img != NULL);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_cramfs.probe(img, 60, &cl), 0);        /* short */
	uint8_t *bad = malloc(len);
	REQUIRE(bad != NULL);
	memcpy(bad, img, len);
	bad[20] ^= 1; /* signature */
	CHECK_INT_EQ(fg_format_cramfs.probe(bad, len, &cl), 0);
	memcpy(bad, img, len);
	uint32_t root_size, root_off;
	inode_fields(bad + 64, &root_size, &root_off);
	set_inode_loc(bad + 64, root_size, root_off + 4); /* root listing not after the superblock */
	CHECK_INT_EQ(fg_format_cramfs.probe(bad, len, &cl), 0);
	/* 512 bytes before an unpadded image do not make it a padded one */
	uint8_t *shifted = calloc(1, len + 512);
	REQUIRE(shifted != NULL);
	memcpy(shifted + 512, img, len);
	CHECK_INT_EQ(fg_format_cramfs.probe(shifted, len + 512, &cl), 0);
	/* truncated: still cramfs, the chunk is what is there */
	cl = 0;
	CHECK(fg_format_cramfs.probe(img, len / 2, &cl) > 0);
	CHECK_INT_EQ(cl, len / 2);
	free(shifted);
	free(bad);
	free(img);
}
