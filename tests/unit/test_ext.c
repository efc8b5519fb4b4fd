/*
 * test_ext.c - the ext2/ext3/ext4 handler.
 *
 * Images are made at test time with mke2fs -d from a staged directory
 * (setuid/setgid/sticky modes, owners with high 16 bits, fast and slow
 * symlinks, hard links, a sparse file, files needing indirect blocks,
 * device nodes when running as root, an mtime past 2038), and every node
 * that comes out is compared with what was staged. Hostile cases: cut
 * images, a superblock that lies, a directory linked into itself, deep
 * nesting, budgets, random corruption, several images unpacked at once.
 * The corpus images are checked too when the corpus is built.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/result.h"
#include "test.h"
#include "unpack/engine.h"
#include "unpack/format.h"

extern const fg_format fg_format_ext;

#define MTIME 1700000000
#define FUTURE 4102444800LL /* 2100-01-01: needs the epoch bits */

/* ---- helpers ----------------------------------------------------------- */

static char g_work[PATH_MAX];
static char g_mkfs[PATH_MAX];
static char g_debugfs[PATH_MAX];

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

static bool find_tool(const char *name, char *out, size_t cap)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		fmt(out, cap, "%s/%s", dirs[i], name);
		if (access(out, X_OK) == 0)
			return true;
	}
	out[0] = '\0';
	return false;
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void remove_work(void)
{
	if (g_work[0])
		nftw(g_work, rm_entry, 64, FTW_DEPTH | FTW_PHYS);
}

static const char *work_dir(void)
{
	if (g_work[0])
		return g_work;
	const char *base = getenv("FG_TEST_TMP");
	if (!base || !*base)
		base = "/tmp";
	mkdir(base, 0755);
	fmt(g_work, sizeof(g_work), "%s/ext-XXXXXX", base);
	if (!mkdtemp(g_work)) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(remove_work);
	return g_work;
}

/* mke2fs is needed for most tests; those skip with a note without it. */
static bool have_mkfs(void)
{
	static int have = -1;
	if (have < 0) {
		have = find_tool("mke2fs", g_mkfs, sizeof(g_mkfs));
		find_tool("debugfs", g_debugfs, sizeof(g_debugfs));
		if (!have)
			printf("mke2fs not found (e2fsprogs): skipping the tests that build images\n");
	}
	return have;
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

static void put_text(const char *stage, const char *rel, const char *text, mode_t mode)
{
	put(stage, rel, text, strlen(text), mode);
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

static void put_owner(const char *stage, const char *rel, uid_t uid, gid_t gid)
{
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/%s", stage, rel);
	if (lchown(p, uid, gid) != 0 && geteuid() == 0)
		perror(p);
}

/* Pseudo-random bytes: content that no two files share by accident. */
static uint8_t *noise(size_t n, uint32_t seed)
{
	uint8_t *p = malloc(n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
	return p;
}

#define SPARSE_SIZE (3u << 20)

static void put_sparse(const char *stage, const char *rel)
{
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/%s", stage, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, SPARSE_SIZE) != 0 || pwrite(fd, "head", 4, 0) != 4 ||
	    pwrite(fd, "middle", 6, (1u << 20) + 100) != 6 ||
	    pwrite(fd, "tail!", 5, SPARSE_SIZE - 5) != 5) {
		perror(p);
		exit(1);
	}
	close(fd);
}

static int set_mtime_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	struct timespec ts[2] = { { MTIME, 0 }, { MTIME, 0 } };
	utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static void set_mtime(const char *stage, const char *rel, time_t t)
{
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/%s", stage, rel);
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
}

/*
 * The staged tree. FUTURE_MTIME adds a file dated 2100, which only
 * 256-byte inodes can store.
 */
static void stage_tree(const char *stage, bool future_mtime)
{
	put_dir(stage, "", 0755);
	put_dir(stage, "bin", 0755);
	put_dir(stage, "etc", 0755);
	put_dir(stage, "etc/init.d", 0755);
	put_dir(stage, "tmp", 01777);
	put_dir(stage, "var", 0755);
	put_dir(stage, "var/mail", 02775);
	put_dir(stage, "home", 0755);
	put_dir(stage, "home/user", 0750);
	put_dir(stage, "empty", 0700);
	put_dir(stage, "many", 0755);

	uint8_t *sh_bin = noise(200000, 1);
	put(stage, "bin/busybox", sh_bin, 200000, 0755);
	free(sh_bin);
	uint8_t *su = noise(5000, 2);
	put(stage, "bin/su", su, 5000, 04755);
	free(su);
	uint8_t *wall = noise(3000, 3);
	put(stage, "bin/wall", wall, 3000, 02755);
	free(wall);
	put_text(stage, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n", 0644);
	put_text(stage, "etc/shadow", "root:$1$abc$xyz:19000:0:99999:7:::\n", 0600);
	put_text(stage, "etc/init.d/rcS", "#!/bin/sh\n/usr/sbin/telnetd -l /bin/sh\n", 0755);
	put(stage, "etc/empty.conf", "", 0, 0644);
	put_text(stage, "home/user/notes.txt", "hello\n", 0640);
	put_owner(stage, "home/user", 1000, 1000);
	put_owner(stage, "home/user/notes.txt", 1000, 1000);
	put_text(stage, "home/user/big-ids", "owner beyond 65535\n", 0644);
	put_owner(stage, "home/user/big-ids", 70000, 80001);
	/* 1 MiB + a bit: needs indirect blocks with 1 KiB blocks */
	uint8_t *big = noise((1u << 20) + 777, 4);
	put(stage, "var/big.bin", big, (1u << 20) + 777, 0644);
	free(big);
	put_sparse(stage, "var/sparse.img");
	for (int i = 0; i < 150; i++) {
		char rel[64], text[64];
		fmt(rel, sizeof(rel), "many/file-%03d-with-a-longish-name", i);
		fmt(text, sizeof(text), "file %d\n", i);
		put_text(stage, rel, text, 0644);
	}

	put_link(stage, "busybox", "bin/sh");
	put_link(stage, "../bin/busybox", "etc/init.d/fast");
	char slow[200];
	memset(slow, 'x', sizeof(slow));
	memcpy(slow, "/very/long/target/", 18);
	slow[150] = '\0';
	put_link(stage, slow, "etc/slow-link");
	put_link(stage, "/nowhere", "etc/dangling");

	char a[PATH_MAX], b[PATH_MAX];
	fmt(a, sizeof(a), "%s/bin/busybox", stage);
	fmt(b, sizeof(b), "%s/bin/busybox-hardlink", stage);
	if (link(a, b) != 0)
		perror(b);

	if (geteuid() == 0) {
		put_dir(stage, "dev", 0755);
		fmt(a, sizeof(a), "%s/dev/console", stage);
		mknod(a, S_IFCHR | 0600, makedev(5, 1));
		fmt(a, sizeof(a), "%s/dev/sda", stage);
		mknod(a, S_IFBLK | 0660, makedev(8, 0));
		fmt(a, sizeof(a), "%s/dev/big", stage);
		mknod(a, S_IFCHR | 0620, makedev(300, 70000));
		fmt(a, sizeof(a), "%s/dev/fifo", stage);
		mkfifo(a, 0644);
	}
	nftw(stage, set_mtime_cb, 64, FTW_PHYS);
	if (future_mtime) {
		put_text(stage, "var/future", "from 2100\n", 0644);
		set_mtime(stage, "var/future", FUTURE);
	}
}

/* Builds an image of STAGE with mke2fs OPTS; returns its bytes. */
static uint8_t *make_image(const char *name, const char *stage, const char *opts, const char *size,
			   size_t *len)
{
	char img[PATH_MAX];
	fmt(img, sizeof(img), "%s/%s", work_dir(), name);
	unlink(img);
	if (sh("'%s' -q -F %s -d '%s' '%s' %s >/dev/null 2>&1", g_mkfs, opts, stage, img, size) != 0) {
		printf("mke2fs %s failed\n", opts);
		return NULL;
	}
	/* mke2fs -d keeps 32 bits of an mtime: add the epoch bits of 2100 */
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/var/future", stage);
	if (access(p, F_OK) == 0 && g_debugfs[0] &&
	    sh("'%s' -w -R 'sif /var/future mtime_extra 1' '%s' >/dev/null 2>&1", g_debugfs, img) != 0)
		printf("debugfs could not set mtime_extra\n");
	return slurp(img, len);
}

typedef struct env {
	fg_result *res;
	fg_node *root;
	int rc;
} env;

static env unpack(const uint8_t *d, size_t n, const fg_limits *l)
{
	fg_options o;
	fg_options_default(&o);
	if (l)
		o.limits = *l;
	env e = { fg_result_new(&o), NULL, 0 };
	e.rc = fg_unpack_buffer_for_test(&e.res->tree, &e.res->budget, &e.res->diags, &fg_format_ext,
					 "fs.img", d, n, &e.root);
	return e;
}

/* No diagnostics; prints them when there are. */
static void check_no_diags(const fg_result *r)
{
	for (size_t i = 0; i < r->diags.items.n; i++)
		fprintf(stderr, "  unexpected diagnostic: %s\n", r->diags.items.v[i].message);
	CHECK_INT_EQ(r->diags.items.n, 0);
}

static bool diag_has(const fg_result *r, const char *needle)
{
	for (size_t i = 0; i < r->diags.items.n; i++)
		if (strstr(r->diags.items.v[i].message, needle))
			return true;
	return false;
}

/* ---- comparing the tree with the staged directory -------------------------- */

static struct {
	fg_node *root;
	const char *stage;
	size_t stage_len;
	unsigned compared, bad;
} cmp;

static fg_node_type type_of(mode_t m)
{
	if (S_ISDIR(m)) return FG_NODE_DIR;
	if (S_ISLNK(m)) return FG_NODE_SYMLINK;
	if (S_ISCHR(m)) return FG_NODE_CHR;
	if (S_ISBLK(m)) return FG_NODE_BLK;
	if (S_ISFIFO(m)) return FG_NODE_FIFO;
	if (S_ISSOCK(m)) return FG_NODE_SOCK;
	return FG_NODE_FILE;
}

static void mismatch(const char *rel, const char *what)
{
	if (cmp.bad++ < 20)
		fprintf(stderr, "  mismatch at %s: %s\n", rel, what);
}

static int compare_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	const char *rel = p + cmp.stage_len;
	if (!*rel)
		return 0;
	cmp.compared++;
	fg_node *n = fg_tree_lookup(cmp.root, rel, false);
	if (!n) {
		mismatch(rel, "missing");
		return 0;
	}
	if (n->type != type_of(st->st_mode))
		mismatch(rel, "type");
	if (n->mode != (st->st_mode & 07777))
		mismatch(rel, "mode");
	if (n->uid != st->st_uid || n->gid != st->st_gid)
		mismatch(rel, "owner");
	if (n->mtime != st->st_mtim.tv_sec)
		mismatch(rel, "mtime");
	if (S_ISREG(st->st_mode)) {
		size_t len = 0;
		uint8_t *want = slurp(p, &len);
		const fg_node *c = fg_node_content(n);
		if (!c || c->size != (uint64_t)st->st_size || c->data_len != len ||
		    (len && memcmp(c->data, want, len) != 0))
			mismatch(rel, "content");
		free(want);
	} else if (S_ISLNK(st->st_mode)) {
		char t[PATH_MAX];
		ssize_t k = readlink(p, t, sizeof(t) - 1);
		t[k < 0 ? 0 : k] = '\0';
		if (!n->link_target || strcmp(n->link_target, t) != 0)
			mismatch(rel, "symlink target");
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		if (n->dev_major != major(st->st_rdev) || n->dev_minor != minor(st->st_rdev))
			mismatch(rel, "device number");
	}
	return 0;
}

static size_t count_nodes(const fg_node *n)
{
	size_t c = 0;
	for (size_t i = 0; i < n->nchildren; i++)
		c += 1 + count_nodes(n->children[i]);
	return c;
}

/* Every staged entry is in the tree as staged; the tree holds nothing
 * else but the /lost+found mke2fs creates, which is kept as stored. */
static void compare_with_stage(fg_node *root, const char *stage)
{
	cmp.root = root;
	cmp.stage = stage;
	cmp.stage_len = strlen(stage);
	cmp.compared = cmp.bad = 0;
	nftw(stage, compare_cb, 64, FTW_PHYS);
	CHECK(cmp.compared > 150);
	CHECK_INT_EQ(cmp.bad, 0);
	fg_node *lf = fg_node_find_child(root, "lost+found", 10);
	CHECK(lf && lf->type == FG_NODE_DIR);
	CHECK_INT_EQ(count_nodes(root), cmp.compared + 1 + (lf ? count_nodes(lf) : 0));
}

static const char *stage_dir(const char *name, bool future)
{
	future = future && g_debugfs[0];
	static char paths[8][PATH_MAX];
	static int used;
	for (int i = 0; i < used; i++)
		if (!strcmp(strrchr(paths[i], '/') + 1, name))
			return paths[i];
	if (used == 8)
		abort();
	char *p = paths[used++];
	fmt(p, PATH_MAX, "%s/%s", work_dir(), name);
	stage_tree(p, future);
	return p;
}

/* ---- round trips ----------------------------------------------------------- */

static void round_trip(const char *img_name, const char *opts, bool future, const char *flavour)
{
	bool extents = !strcmp(flavour, "ext4");
	if (!have_mkfs())
		return;
	const char *stage = stage_dir(future ? "stage256" : "stage", future);
	size_t len = 0;
	uint8_t *img = make_image(img_name, stage, opts, "16M", &len);
	REQUIRE(img);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_ext.probe(img, len, &cl), 90);
	CHECK_INT_EQ(cl, 16u << 20);
	env e = unpack(img, len, NULL);
	CHECK_INT_EQ(e.rc, 0);
	REQUIRE(e.root);
	CHECK_STR_EQ(e.root->format_info, flavour);
	CHECK_INT_EQ(e.root->src_length, len);
	compare_with_stage(e.root, stage);
	check_no_diags(e.res);

	/* hard links share one content buffer */
	fg_node *a = fg_tree_lookup(e.root, "bin/busybox", false);
	fg_node *b = fg_tree_lookup(e.root, "bin/busybox-hardlink", false);
	REQUIRE(a && b);
	CHECK(a->data == b->data && a->data_len == 200000);
	/* contiguous content is not copied: it points into the image (with
	 * indirect blocks, a file past 12 blocks has its map in between) */
	fg_node *big = fg_tree_lookup(e.root, extents ? "var/big.bin" : "bin/wall", false);
	REQUIRE(big);
	CHECK(big->data >= img && big->data + big->data_len <= img + len);
	/* the sparse file is read (holes become zeros), not pointed at */
	fg_node *sp = fg_tree_lookup(e.root, "var/sparse.img", false);
	REQUIRE(sp && sp->data_len == SPARSE_SIZE);
	CHECK(sp->data < img || sp->data >= img + len);
	if (future && g_debugfs[0]) {
		fg_node *f = fg_tree_lookup(e.root, "var/future", false);
		CHECK(f && f->mtime == FUTURE);
	}
	fg_result_free(e.res);
	free(img);
}

TEST(ext4_round_trip)
{
	round_trip("ext4.img", "-t ext4 -b 4096 -I 256", true, "ext4");
}

TEST(ext4_small_blocks_round_trip)
{
	round_trip("ext4-1k.img", "-t ext4 -b 1024 -I 256 -O ^flex_bg", true, "ext4");
}

TEST(ext2_indirect_blocks_round_trip)
{
	round_trip("ext2.img", "-t ext2 -b 1024 -I 128", false, "ext2");
}

TEST(ext3_round_trip)
{
	round_trip("ext3.img", "-t ext3 -b 2048 -I 256", true, "ext3");
}

TEST(ext4_inline_data_round_trip)
{
	if (!have_mkfs())
		return;
	const char *stage = stage_dir("stage256", true);
	size_t len = 0;
	uint8_t *img = make_image("inline.img", stage, "-t ext4 -b 4096 -I 256 -O inline_data", "16M", &len);
	REQUIRE(img);
	env e = unpack(img, len, NULL);
	CHECK_INT_EQ(e.rc, 0);
	REQUIRE(e.root);
	compare_with_stage(e.root, stage);
	check_no_diags(e.res);
	/* small files live in the inode: read, not pointed at */
	fg_node *n = fg_tree_lookup(e.root, "home/user/notes.txt", false);
	REQUIRE(n && n->data_len == 6);
	CHECK(n->data < img || n->data >= img + len);
	fg_result_free(e.res);
	free(img);
}

TEST(carved_from_a_blob_at_an_offset)
{
	if (!have_mkfs())
		return;
	const char *stage = stage_dir("stage", false);
	size_t len = 0;
	uint8_t *img = make_image("carve.img", stage, "-t ext2 -b 1024 -I 128", "4M", &len);
	REQUIRE(img);
	size_t at = 0x30000, tail = 5000;
	uint8_t *blob = malloc(at + len + tail);
	uint8_t *junk = noise(at, 9);
	memcpy(blob, junk, at);
	memcpy(blob + at, img, len);
	memset(blob + at + len, 0xff, tail);
	free(junk);
	fg_result *r = fg_result_new(NULL);
	fg_node *f = fg_node_new(&r->tree, "flash.bin", 9, FG_NODE_FILE);
	f->flags = FG_NODE_FSROOT;
	f->data = blob;
	f->data_len = f->size = at + len + tail;
	r->tree.root = f;
	fg_unpack_all(&r->tree, &r->budget, &r->diags, 2, NULL);
	REQUIRE(f->unpacked);
	char name[64];
	snprintf(name, sizeof(name), "0x%zx.ext", at);
	fg_node *c = fg_node_find_child(f->unpacked, name, strlen(name));
	REQUIRE(c && c->unpacked);
	CHECK_INT_EQ(c->unpacked->src_length, len);
	fg_node *p = fg_tree_lookup(c->unpacked, "etc/passwd", false);
	CHECK(p && p->data_len > 0 && !memcmp(p->data, "root:", 5));
	fg_result_free(r);
	free(blob);
	free(img);
}

/* ---- hostile images ---------------------------------------------------------- */

TEST(truncated_image_keeps_what_it_can)
{
	if (!have_mkfs())
		return;
	const char *stage = stage_dir("stage", false);
	size_t len = 0;
	uint8_t *img = make_image("cut.img", stage, "-t ext2 -b 1024 -I 128", "8M", &len);
	REQUIRE(img);
	size_t cut = len / 3;
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_ext.probe(img, cut, &cl), 60);
	CHECK_INT_EQ(cl, cut);
	env e = unpack(img, cut, NULL);
	REQUIRE(e.root);
	CHECK(e.root->flags & FG_NODE_TRUNCATED);
	CHECK(diag_has(e.res, "truncated"));
	CHECK(fg_tree_lookup(e.root, "etc/passwd", false) != NULL);
	fg_result_free(e.res);

	/* too short for the superblock */
	CHECK_INT_EQ(fg_format_ext.probe(img, 1500, &cl), 0);
	e = unpack(img, 1500, NULL);
	CHECK(e.rc < 0);
	fg_result_free(e.res);
	free(img);
}

TEST(superblock_that_lies_is_refused)
{
	if (!have_mkfs())
		return;
	const char *stage = stage_dir("stage", false);
	size_t len = 0;
	uint8_t *img = make_image("lies.img", stage, "-t ext4 -b 1024 -I 256", "4M", &len);
	REQUIRE(img);
	uint8_t *sb = img + 1024;
	uint64_t cl;
	struct { size_t off; uint32_t val; } lies[] = {
		{ 0x18, 7 },            /* block size 128 KiB */
		{ 0x20, 0 },            /* no blocks per group */
		{ 0x20, 1u << 20 },     /* more blocks per group than a bitmap holds */
		{ 0x28, 0 },            /* no inodes per group */
		{ 0x00, 12345 },        /* inode count disagrees with the groups */
		{ 0x04, 0 },            /* no blocks */
		{ 0x4c, 7 },            /* unknown revision */
	};
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		uint8_t save[4];
		memcpy(save, sb + lies[i].off, 4);
		uint32_t v = lies[i].val;
		memcpy(sb + lies[i].off, &v, 4);
		CHECK_INT_EQ(fg_format_ext.probe(img, len, &cl), 0);
		env e = unpack(img, len, NULL);
		CHECK(e.rc < 0 && e.root && e.root->nchildren == 0);
		fg_result_free(e.res);
		memcpy(sb + lies[i].off, save, 4);
	}
	/* a 64-bit block count far beyond the image: truncated, not a huge
	 * descriptor table */
	uint32_t hi = 0x100;
	uint32_t incompat;
	memcpy(&incompat, sb + 0x60, 4);
	if (incompat & 0x80) {
		memcpy(sb + 0x150, &hi, 4);
		CHECK_INT_EQ(fg_format_ext.probe(img, len, &cl), 0);
	}
	fg_result_free(unpack(img, len, NULL).res);
	free(img);
}

TEST(directory_linked_into_itself_is_listed_once)
{
	if (!have_mkfs() || !g_debugfs[0]) {
		printf("debugfs not found: skipping\n");
		return;
	}
	char stage[PATH_MAX], img[PATH_MAX];
	fmt(stage, sizeof(stage), "%s/loop-stage", work_dir());
	put_dir(stage, "", 0755);
	put_dir(stage, "a", 0755);
	put_text(stage, "a/file", "x\n", 0644);
	fmt(img, sizeof(img), "%s/loop.img", work_dir());
	REQUIRE(sh("'%s' -q -F -t ext4 -d '%s' '%s' 2M >/dev/null 2>&1", g_mkfs, stage, img) == 0);
	REQUIRE(sh("'%s' -w -R 'ln /a /a/loop' '%s' >/dev/null 2>&1", g_debugfs, img) == 0);
	REQUIRE(sh("'%s' -w -R 'ln / /a/root' '%s' >/dev/null 2>&1", g_debugfs, img) == 0);
	/* something in lost+found: then it is kept */
	REQUIRE(sh("'%s' -w -R 'ln /a/file /lost+found/#12' '%s' >/dev/null 2>&1", g_debugfs, img) == 0);
	size_t len;
	uint8_t *data = slurp(img, &len);
	REQUIRE(data);
	env e = unpack(data, len, NULL);
	CHECK_INT_EQ(e.rc, 0);
	REQUIRE(e.root);
	fg_node *loop = fg_tree_lookup(e.root, "a/loop", false);
	CHECK(loop && loop->type == FG_NODE_DIR && loop->nchildren == 0);
	fg_node *r = fg_tree_lookup(e.root, "a/root", false);
	CHECK(r && r->type == FG_NODE_DIR && r->nchildren == 0);
	CHECK(fg_tree_lookup(e.root, "a/file", false) != NULL);
	fg_node *orphan = fg_tree_lookup(e.root, "lost+found/#12", false);
	CHECK(orphan && orphan->data_len == 2 && !memcmp(orphan->data, "x\n", 2));
	CHECK(diag_has(e.res, "reached twice"));
	fg_result_free(e.res);
	free(data);
}

TEST(deep_nesting_stops_at_the_cap)
{
	if (!have_mkfs())
		return;
	char stage[PATH_MAX], p[PATH_MAX];
	fmt(stage, sizeof(stage), "%s/deep-stage", work_dir());
	put_dir(stage, "", 0755);
	size_t n = strlen(stage);
	memcpy(p, stage, n + 1);
	for (int i = 0; i < 300 && n + 3 < sizeof(p); i++) {
		memcpy(p + n, "/d", 3);
		n += 2;
		mkdir(p, 0755);
	}
	size_t len;
	uint8_t *img = make_image("deep.img", stage, "-t ext4 -N 512", "4M", &len);
	REQUIRE(img);
	env e = unpack(img, len, NULL);
	CHECK_INT_EQ(e.rc, 0);
	REQUIRE(e.root);
	CHECK(diag_has(e.res, "deeper than"));
	unsigned depth = 0;
	for (fg_node *d = fg_node_find_child(e.root, "d", 1); d; d = fg_node_find_child(d, "d", 1))
		depth++;
	CHECK(depth >= 250 && depth <= 256);
	fg_result_free(e.res);
	free(img);
}

TEST(budgets_are_respected)
{
	if (!have_mkfs())
		return;
	const char *stage = stage_dir("stage", false);
	size_t len = 0;
	uint8_t *img = make_image("budget.img", stage, "-t ext4 -b 4096", "16M", &len);
	REQUIRE(img);
	fg_limits l;
	fg_limits_default(&l);
	l.max_files = 20;
	env e = unpack(img, len, &l);
	REQUIRE(e.root);
	CHECK(count_nodes(e.root) <= 20);
	CHECK(diag_has(e.res, "file-count limit"));
	fg_result_free(e.res);

	fg_limits_default(&l);
	l.max_total_bytes = 1000; /* the sparse file must be copied: refused */
	e = unpack(img, len, &l);
	REQUIRE(e.root);
	fg_node *sp = fg_tree_lookup(e.root, "var/sparse.img", false);
	CHECK(sp && sp->data_len == 0 && (sp->flags & FG_NODE_TRUNCATED));
	fg_node *big = fg_tree_lookup(e.root, "var/big.bin", false);
	CHECK(big && big->data_len == (1u << 20) + 777); /* in place: costs nothing */
	fg_result_free(e.res);

	fg_limits_default(&l);
	l.max_file_size = 100000;
	e = unpack(img, len, &l);
	fg_node *bb = fg_tree_lookup(e.root, "bin/busybox", false);
	CHECK(bb && bb->data_len == 0 && bb->size == 200000 && (bb->flags & FG_NODE_TRUNCATED));
	fg_result_free(e.res);
	free(img);
}

/* Random damage to the metadata of small images: whatever comes out, no
 * crash, no hang, no leak (the sanitizer build checks). */
TEST(random_corruption_never_crashes)
{
	if (!have_mkfs())
		return;
	const char *stage = stage_dir("stage", false);
	static const char *const opts[] = {
		"-t ext4 -b 1024 -I 256 -O inline_data",
		"-t ext2 -b 1024 -I 128",
		"-t ext4 -b 4096 -O metadata_csum,64bit",
	};
	uint32_t seed = 12345;
	for (size_t o = 0; o < sizeof(opts) / sizeof(opts[0]); o++) {
		char name[32];
		fmt(name, sizeof(name), "fuzz%zu.img", o);
		size_t len = 0;
		uint8_t *img = make_image(name, stage, opts[o], "4M", &len);
		REQUIRE(img);
		uint8_t *copy = malloc(len);
		size_t hot = len < (512u << 10) ? len : (512u << 10);
		for (int round = 0; round < 150; round++) {
			memcpy(copy, img, len);
			int flips = 1 + round % 40;
			for (int k = 0; k < flips; k++) {
				seed = seed * 1103515245u + 12345u;
				size_t at = (seed >> 8) % hot;
				seed = seed * 1103515245u + 12345u;
				copy[at] ^= (uint8_t)(1u << ((seed >> 16) & 7));
			}
			uint64_t cl = 0;
			int conf = fg_format_ext.probe(copy, len, &cl);
			CHECK(conf == 0 || cl <= len);
			env e = unpack(copy, len, NULL);
			fg_result_free(e.res);
		}
		free(copy);
		free(img);
	}
}

/* ---- several images at once ----------------------------------------------------- */

typedef struct job {
	const uint8_t *img;
	size_t len;
	size_t nodes;
	bool ok;
} job;

static void *run_job(void *arg)
{
	job *j = arg;
	j->ok = true;
	for (int i = 0; i < 4; i++) {
		env e = unpack(j->img, j->len, NULL);
		size_t n = e.root ? count_nodes(e.root) : 0;
		if (e.rc != 0 || (j->nodes && n != j->nodes))
			j->ok = false;
		j->nodes = n;
		fg_result_free(e.res);
	}
	return NULL;
}

TEST(concurrent_unpacks_do_not_mix)
{
	if (!have_mkfs())
		return;
	size_t la, lb;
	uint8_t *a = make_image("par-a.img", stage_dir("stage", false), "-t ext2 -b 1024", "8M", &la);
	uint8_t *b = make_image("par-b.img", stage_dir("stage256", true), "-t ext4 -b 4096", "16M", &lb);
	REQUIRE(a && b);
	job jobs[6];
	pthread_t th[6];
	for (int i = 0; i < 6; i++) {
		jobs[i] = (job){ i % 2 ? b : a, i % 2 ? lb : la, 0, false };
		pthread_create(&th[i], NULL, run_job, &jobs[i]);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(th[i], NULL);
		CHECK(jobs[i].ok);
	}
	CHECK(jobs[0].nodes != jobs[1].nodes); /* b has var/future */
	CHECK(jobs[0].nodes == jobs[2].nodes && jobs[1].nodes == jobs[3].nodes);
	free(a);
	free(b);
}

TEST(not_ext_is_rejected)
{
	uint8_t buf[4096];
	memset(buf, 0, sizeof(buf));
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_ext.probe(buf, sizeof(buf), &cl), 0);
	buf[1080] = 0x53;
	buf[1081] = 0xef; /* the magic alone */
	CHECK_INT_EQ(fg_format_ext.probe(buf, sizeof(buf), &cl), 0);
	env e = unpack(buf, sizeof(buf), NULL);
	CHECK(e.rc < 0);
	CHECK(diag_has(e.res, "superblock"));
	fg_result_free(e.res);
}

/* ---- the corpus -------------------------------------------------------------------- */

static uint8_t *corpus_image(const char *name, size_t *len)
{
	const char *home = getenv("HOME");
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/.cache/firmgate/corpus/images/%s", home ? home : "/root", name);
	uint8_t *d = slurp(p, len);
	if (!d)
		printf("corpus image %s not found: skipping\n", name);
	return d;
}

static void count_types(const fg_node *n, size_t *files, size_t *links)
{
	for (size_t i = 0; i < n->nchildren; i++) {
		const fg_node *c = n->children[i];
		if (c->type == FG_NODE_FILE)
			(*files)++;
		else if (c->type == FG_NODE_SYMLINK)
			(*links)++;
		count_types(c, files, links);
	}
}

static void corpus_counts(const char *name, const char *flavour, size_t files, size_t links)
{
	size_t len;
	uint8_t *img = corpus_image(name, &len);
	if (!img)
		return;
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_ext.probe(img, len, &cl), 90);
	CHECK_INT_EQ(cl, len);
	env e = unpack(img, len, NULL);
	CHECK_INT_EQ(e.rc, 0);
	REQUIRE(e.root);
	CHECK_STR_EQ(e.root->format_info, flavour);
	size_t f = 0, l = 0;
	count_types(e.root, &f, &l);
	CHECK_INT_EQ(f, files);
	CHECK_INT_EQ(l, links);
	check_no_diags(e.res);
	fg_node *passwd = fg_tree_lookup(e.root, "etc/passwd", false);
	CHECK(passwd && passwd->data_len > 0 && !memcmp(passwd->data, "root:", 5));
	fg_result_free(e.res);
	free(img);
}

TEST(corpus_gw_c_ext4)
{
	corpus_counts("gw-c_ext4.img", "ext4", 146, 333);
}

TEST(corpus_clean_d_ext2)
{
	corpus_counts("clean-d_ext2.img", "ext2", 155, 320);
}
