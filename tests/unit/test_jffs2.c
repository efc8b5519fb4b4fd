/*
 * test_jffs2.c - the JFFS2 handler against images mkfs.jffs2 builds at
 * test time (both byte orders, every compressor it has, erase-block
 * sizes, no cleanmarkers, padding, large pages, summaries), hand-written
 * node logs for the semantics mkfs.jffs2 never produces (versions,
 * deletions, renames, holes, lzma, obsolete and corrupt nodes, loops,
 * forged sizes), the samples, the corpus, carving and random corruption.
 * The mkfs.jffs2 tests skip themselves when the tool is missing.
 */
#include <fcntl.h>
#include <limits.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <zlib.h>

#include "core/diag.h"
#include "core/limits.h"
#include "core/result.h"
#include "core/tree.h"
#include "unpack/engine.h"
#include "unpack/format.h"
#include "test.h"

extern const fg_format fg_format_jffs2;

#define PASSWD_TEXT "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n"
#define PASSWD_MTIME 1500000000
#define BIG_SIZE 300000
#define TEXT_SIZE 50000
#define SPARSE_SIZE 100000
#define LONG_NAME_LEN 254

#define SKIP_UNLESS(cond, what) do { if (!(cond)) { \
	fprintf(stderr, "%s: skipped (%s)\n", __func__, what); return; } } while (0)

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
	r->rc = fg_unpack_buffer_for_test(&r->tree, &r->budget, &r->diags, &fg_format_jffs2,
					  "rootfs.jffs2", img, len, &r->root);
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

/* ---- mkfs.jffs2 images ----------------------------------------------------- */

static char g_work[PATH_MAX];
static char g_mkfs[PATH_MAX], g_sumtool[PATH_MAX];

static void remove_work(void)
{
	char cmd[PATH_MAX + 32];
	if (!g_work[0] || getenv("FG_TEST_KEEP"))
		return;
	fmt(cmd, sizeof(cmd), "rm -rf '%s'", g_work);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", g_work);
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

static bool have_mkfs(void)
{
	static int known = -1;
	if (known < 0) {
		known = find_tool("mkfs.jffs2", g_mkfs, sizeof(g_mkfs));
		find_tool("sumtool", g_sumtool, sizeof(g_sumtool));
	}
	return known;
}

static const char *work_dir(void)
{
	if (g_work[0])
		return g_work;
	const char *base = getenv("FG_TEST_TMP");
	if (!base || !*base)
		base = "/tmp";
	mkdir(base, 0755);
	fmt(g_work, sizeof(g_work), "%s/jffs2-XXXXXX", base);
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

static void set_mtime(const char *stage, const char *rel, time_t t)
{
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/%s", stage, rel);
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
}

static char *long_name(void)
{
	static char name[LONG_NAME_LEN + 1];
	memset(name, 'n', LONG_NAME_LEN);
	name[LONG_NAME_LEN] = '\0';
	return name;
}

static uint8_t g_busybox[5000], g_big[BIG_SIZE], g_text[TEXT_SIZE];

/* Owners and devices come from a device table, so no root is needed. */
static const char *const devtable =
	"/dev/console c 600 0 0 5 1 - - -\n"
	"/dev/sda b 660 0 6 8 0 - - -\n"
	"/home/user d 750 1000 1234 - - - - -\n"
	"/home/user/notes.txt f 640 1000 1234 - - - - -\n";

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
	fill_random(g_busybox, sizeof(g_busybox), 4);
	put(stage, "bin/busybox", g_busybox, sizeof(g_busybox), 0755);
	put_hardlink(stage, "bin/busybox", "bin/busybox-hl");
	put_hardlink(stage, "bin/busybox", "sbin/init");
	put_link(stage, "busybox", "bin/sh");
	put_link(stage, "/lib/libc.so.6", "lib/libc.so");
	fill_random(g_big, sizeof(g_big), 1);
	put(stage, "data/big", g_big, sizeof(g_big), 0644);
	fill_text(g_text, sizeof(g_text));
	put(stage, "data/text", g_text, sizeof(g_text), 0644);
	put(stage, "a/b/c/d/deep.txt", "deep\n", 5, 0600);
	put(stage, "home/user/notes.txt", "secret\n", 7, 0644);
	char rel[PATH_MAX], p[PATH_MAX];
	fmt(rel, sizeof(rel), "etc/%s", long_name());
	put(stage, rel, "long\n", 5, 0644);
	fmt(p, sizeof(p), "%s/data/sparse", stage);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, SPARSE_SIZE) != 0 || pwrite(fd, "HEAD", 4, 0) != 4 ||
	    pwrite(fd, "TAIL!", 5, SPARSE_SIZE - 5) != 5) {
		perror(p);
		exit(1);
	}
	close(fd);
	fmt(p, sizeof(p), "%s/run/fifo", stage);
	if (mkfifo(p, 0644) != 0) {
		perror(p);
		exit(1);
	}
	set_mtime(stage, "etc/passwd", PASSWD_MTIME);
	fmt(p, sizeof(p), "%s/devtable", work_dir());
	FILE *f = fopen(p, "w");
	if (!f || fputs(devtable, f) < 0 || fclose(f) != 0) {
		perror(p);
		exit(1);
	}
	return stage;
}

/* mkfs.jffs2 OPTS over STAGE (with the device table when DEVS). */
static uint8_t *build(const char *stage, const char *opts, bool devs, const char *sum_opts,
		      size_t *len)
{
	static unsigned seq;
	char out[PATH_MAX], sum[PATH_MAX], dt[PATH_MAX + 8] = "", cmd[4 * PATH_MAX + 256];
	fmt(out, sizeof(out), "%s/img-%u.jffs2", work_dir(), seq);
	fmt(sum, sizeof(sum), "%s/img-%u.sum", work_dir(), seq++);
	if (devs)
		fmt(dt, sizeof(dt), "-D '%s/devtable'", work_dir());
	fmt(cmd, sizeof(cmd), "'%s' %s %s -d '%s' -o '%s' >'%s/mkfs.log' 2>&1", g_mkfs, opts, dt,
	    stage, out, work_dir());
	int st = system(cmd);
	if (st == 0 && sum_opts) {
		fmt(cmd, sizeof(cmd), "'%s' %s -i '%s' -o '%s' >'%s/sumtool.log' 2>&1", g_sumtool,
		    sum_opts, out, sum, work_dir());
		st = system(cmd);
	}
	uint8_t *img = st == 0 ? read_whole(sum_opts ? sum : out, len) : NULL;
	if (st != 0)
		fprintf(stderr, "mkfs.jffs2 %s failed (status %d)\n", opts, st);
	unlink(out);
	unlink(sum);
	return img;
}

static void check_main_tree(run *r)
{
	CHECK_INT_EQ(r->rc, 0);
	REQUIRE(r->root != NULL);
	if (r->diags.items.n)
		dump_diags(r);
	CHECK_INT_EQ(r->diags.items.n, 0);
	CHECK(!(r->root->flags & FG_NODE_TRUNCATED));
	check_file(r, "etc/passwd", PASSWD_TEXT, strlen(PASSWD_TEXT), 0644);
	CHECK(at(r, "etc/passwd") && at(r, "etc/passwd")->mtime == PASSWD_MTIME);
	check_file(r, "etc/empty", "", 0, 0644);
	check_file(r, "bin/su", "#!/bin/sh\necho su\n", 18, 04755);
	check_file(r, "bin/busybox", g_busybox, sizeof(g_busybox), 0755);
	check_file(r, "bin/busybox-hl", g_busybox, sizeof(g_busybox), 0755);
	check_file(r, "sbin/init", g_busybox, sizeof(g_busybox), 0755);
	check_file(r, "data/big", g_big, sizeof(g_big), 0644);
	check_file(r, "data/text", g_text, sizeof(g_text), 0644);
	check_file(r, "a/b/c/d/deep.txt", "deep\n", 5, 0600);
	check_file(r, "home/user/notes.txt", "secret\n", 7, 0640);
	char rel[PATH_MAX];
	fmt(rel, sizeof(rel), "etc/%s", long_name());
	check_file(r, rel, "long\n", 5, 0644);
	fg_node *bb = at(r, "bin/busybox"), *hl = at(r, "bin/busybox-hl"), *init = at(r, "sbin/init");
	CHECK(bb && hl && init && bb->data == hl->data && bb->data == init->data);

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
	check_node(r, "home/user", FG_NODE_DIR, 0750, 1000, 1234);
	check_node(r, "home/user/notes.txt", FG_NODE_FILE, 0640, 1000, 1234);
	check_node(r, "run/fifo", FG_NODE_FIFO, 0644, 0, 0);
	check_node(r, "dev/console", FG_NODE_CHR, 0600, 0, 0);
	check_node(r, "dev/sda", FG_NODE_BLK, 0660, 0, 6);
	fg_node *con = at(r, "dev/console"), *sda = at(r, "dev/sda");
	if (con && sda) {
		CHECK_INT_EQ(con->dev_major, 5);
		CHECK_INT_EQ(con->dev_minor, 1);
		CHECK_INT_EQ(sda->dev_major, 8);
		CHECK_INT_EQ(sda->dev_minor, 0);
	}
}

static void check_variant(const char *opts, const char *sum_opts, const char *info)
{
	size_t len;
	uint8_t *img = build(main_stage(), opts, true, sum_opts, &len);
	REQUIRE(img != NULL);
	uint64_t cl = 0;
	CHECK(fg_format_jffs2.probe(img, len, &cl) >= FG_CARVE_MIN_CONFIDENCE);
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

TEST(jffs2_mkfs_byte_orders)
{
	SKIP_UNLESS(have_mkfs(), "no mkfs.jffs2");
	check_variant("-l", NULL, "le");
	check_variant("-b", NULL, "be");
}

TEST(jffs2_mkfs_compressors)
{
	SKIP_UNLESS(have_mkfs(), "no mkfs.jffs2");
	check_variant("-l -x zlib", NULL, "le");                     /* rtime */
	check_variant("-b -X lzo -x zlib -x rtime", NULL, "be");     /* lzo */
	check_variant("-l -x zlib -x rtime", NULL, "le");            /* stored */
	check_variant("-b -X lzo -m size", NULL, "be");              /* the smallest of each */
}

TEST(jffs2_mkfs_erase_blocks_and_pages)
{
	SKIP_UNLESS(have_mkfs(), "no mkfs.jffs2");
	check_variant("-l -e 131072", NULL, "le");
	check_variant("-b -e 8192", NULL, "be");
	check_variant("-l -n", NULL, "le");        /* no cleanmarkers */
	check_variant("-b -p", NULL, "be");        /* padded to the erase block */
	check_variant("-l -s 16384", NULL, "le");  /* 16 KiB data nodes */
	check_variant("-b -c 16", NULL, "be");     /* longer cleanmarkers */
}

TEST(jffs2_mkfs_summary)
{
	SKIP_UNLESS(have_mkfs(), "no mkfs.jffs2");
	SKIP_UNLESS(g_sumtool[0], "no sumtool");
	check_variant("-l -e 65536", "-l -e 65536", "le");
	check_variant("-b -e 131072", "-b -e 131072", "be");
}

/* ---- carving and the chunk's end --------------------------------------------- */

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

/* The image sits in erased flash after some code; the chunk runs to the
 * end of its last erase block and no further. */
static void carve_one(const char *opts, size_t erase)
{
	size_t len;
	uint8_t *img = build(main_stage(), opts, true, NULL, &len);
	REQUIRE(img != NULL);
	const size_t before = 4096;
	size_t rounded = (len + erase - 1) / erase * erase;
	size_t total = before + rounded + erase + 64;
	uint8_t *blob = malloc(total);
	REQUIRE(blob != NULL);
	for (size_t i = 0; i < before; i++)
		blob[i] = (uint8_t)("some boot code "[i % 15]);
	memcpy(blob + before, img, len);
	memset(blob + before + len, 0xff, total - before - len);
	memcpy(blob + total - 64, "a different partition starts here, not part of the jffs2 chunk!", 64);
	fg_result *res = scan_blob(blob, total);
	const fg_node *f = res->tree.root;
	REQUIRE(f->unpacked && (f->unpacked->flags & FG_NODE_CARVE));
	char name[64];
	fmt(name, sizeof(name), "0x%zx.jffs2", before);
	const fg_node *c = fg_node_find_child(f->unpacked, name, strlen(name));
	REQUIRE(c && c->unpacked);
	CHECK_INT_EQ(c->unpacked->src_offset, before);
	CHECK_INT_EQ(c->unpacked->src_length, rounded);
	CHECK(fg_tree_lookup(c->unpacked, "etc/passwd", false) != NULL);
	fg_result_free(res);
	free(blob);
	free(img);
}

TEST(jffs2_carved_to_the_erase_block)
{
	SKIP_UNLESS(have_mkfs(), "no mkfs.jffs2");
	carve_one("-l -e 131072", 131072); /* from cleanmarker spacing */
	carve_one("-b", 65536);
	carve_one("-l -n", 65536);         /* no cleanmarkers: 64 KiB assumed */
}

/* Data right after the last node is not claimed. */
TEST(jffs2_chunk_stops_at_foreign_data)
{
	SKIP_UNLESS(have_mkfs(), "no mkfs.jffs2");
	size_t len;
	uint8_t *img = build(main_stage(), "-l", true, NULL, &len);
	REQUIRE(img != NULL);
	uint8_t *blob = malloc(len + 100);
	REQUIRE(blob != NULL);
	memcpy(blob, img, len);
	memset(blob + len, 'Z', 100);
	uint64_t cl = 0;
	CHECK(fg_format_jffs2.probe(blob, len + 100, &cl) > 0);
	CHECK_INT_EQ(cl, len);
	free(blob);
	free(img);
}

/* ---- hand-written node logs ------------------------------------------------- */

enum {
	DIRENT = 0xe001, INODE = 0xe002, CLEANMARKER = 0x2003, PADDING = 0x2004,
	C_NONE = 0, C_ZERO = 1, C_RTIME = 2, C_DYNRUBIN = 5, C_ZLIB = 6, C_LZO = 7, C_LZMA = 8,
	DT_DIR = 4, DT_REG = 8, DT_LNK = 10,
};

typedef struct jw {
	uint8_t *b;
	size_t n, cap;
	bool be;
} jw;

static uint32_t tcrc(const void *p, size_t n)
{
	return ~(uint32_t)crc32(0xffffffffUL, p, (uInt)n);
}

static void jw_bytes(jw *w, const void *p, size_t n)
{
	if (w->n + n > w->cap) {
		w->cap = (w->n + n) * 2 + 4096;
		w->b = realloc(w->b, w->cap);
		if (!w->b)
			exit(1);
	}
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void jw_u8(jw *w, uint8_t v)
{
	jw_bytes(w, &v, 1);
}

static void jw_u16(jw *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(w->be ? v >> 8 : v), (uint8_t)(w->be ? v : v >> 8) };
	jw_bytes(w, b, 2);
}

static void jw_u32(jw *w, uint32_t v)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (w->be ? 24 - 8 * i : 8 * i));
	jw_bytes(w, b, 4);
}

static void jw_pad(jw *w)
{
	while (w->n % 4)
		jw_u8(w, 0xff);
}

/* A node header; the CRC is over the header with ACCURATE set. */
static size_t jw_header(jw *w, uint16_t type, uint32_t totlen)
{
	size_t start = w->n;
	jw_u16(w, 0x1985);
	jw_u16(w, type | 0x2000);
	jw_u32(w, totlen);
	jw_u32(w, tcrc(w->b + start, 8));
	if (!(type & 0x2000)) { /* obsolete: clear ACCURATE after the CRC */
		size_t at = start + (w->be ? 2 : 3);
		w->b[at] &= (uint8_t)~0x20;
	}
	return start;
}

static void jw_cleanmarker(jw *w)
{
	jw_header(w, CLEANMARKER, 12);
}

static size_t jw_dirent_t(jw *w, uint16_t type, uint32_t pino, uint32_t version, uint32_t ino,
			  uint8_t dt, const char *name)
{
	size_t nl = strlen(name);
	size_t start = jw_header(w, type, (uint32_t)(40 + nl));
	jw_u32(w, pino);
	jw_u32(w, version);
	jw_u32(w, ino);
	jw_u32(w, 1600000000);
	jw_u8(w, (uint8_t)nl);
	jw_u8(w, dt);
	jw_u16(w, 0);
	jw_u32(w, tcrc(w->b + start, 32));
	jw_u32(w, tcrc(name, nl));
	jw_bytes(w, name, nl);
	jw_pad(w);
	return start;
}

static size_t jw_dirent(jw *w, uint32_t pino, uint32_t version, uint32_t ino, uint8_t dt,
			const char *name)
{
	return jw_dirent_t(w, DIRENT, pino, version, ino, dt, name);
}

typedef struct inode_spec {
	uint16_t type;         /* 0: INODE */
	uint32_t ino, version, mode;
	uint16_t uid, gid;
	uint32_t isize, mtime, offset;
	uint8_t compr;
	const void *cdata;
	uint32_t csize, dsize;
} inode_spec;

static size_t jw_inode(jw *w, const inode_spec *s)
{
	size_t start = jw_header(w, s->type ? s->type : INODE, 68 + s->csize);
	jw_u32(w, s->ino);
	jw_u32(w, s->version);
	jw_u32(w, s->mode);
	jw_u16(w, s->uid);
	jw_u16(w, s->gid);
	jw_u32(w, s->isize);
	jw_u32(w, s->mtime);
	jw_u32(w, s->mtime);
	jw_u32(w, s->mtime);
	jw_u32(w, s->offset);
	jw_u32(w, s->csize);
	jw_u32(w, s->dsize);
	jw_u8(w, s->compr);
	jw_u8(w, 0);
	jw_u16(w, 0);
	jw_u32(w, tcrc(s->cdata, s->csize));
	jw_u32(w, tcrc(w->b + start, 60));
	jw_bytes(w, s->cdata, s->csize);
	jw_pad(w);
	return start;
}

/* A stored (uncompressed) run of a regular file. */
static size_t jw_file(jw *w, uint32_t ino, uint32_t version, uint32_t mode, uint32_t isize,
		      uint32_t offset, const void *data, uint32_t len)
{
	inode_spec s = { 0, ino, version, 0100000 | mode, 0, 0, isize, 1000 + version, offset,
			 C_NONE, data, len, len };
	return jw_inode(w, &s);
}

static size_t jw_dir(jw *w, uint32_t ino, uint32_t version, uint32_t mode)
{
	inode_spec s = { 0, ino, version, 0040000 | mode, 0, 0, 0, 1000 + version, 0, C_NONE,
			 "", 0, 0 };
	return jw_inode(w, &s);
}

/* The reference rtime compressor (the kernel's jffs2_rtime_compress). */
static size_t rtime_compress(const uint8_t *in, size_t n, uint8_t *out)
{
	unsigned short positions[256] = { 0 };
	size_t pos = 0, o = 0;
	while (pos < n) {
		uint8_t value = in[pos];
		out[o++] = in[pos++];
		size_t back = positions[value];
		positions[value] = (unsigned short)pos;
		int len = 0;
		while (back < pos && pos < n && in[pos] == in[back] && len < 255) {
			back++;
			pos++;
			len++;
		}
		out[o++] = (uint8_t)len;
	}
	return o;
}

static size_t lzma_compress(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	lzma_options_lzma opt;
	lzma_lzma_preset(&opt, 6);
	opt.dict_size = 0x2000;
	opt.lc = 0;
	opt.lp = 0;
	opt.pb = 0;
	lzma_filter f[2] = { { LZMA_FILTER_LZMA1, &opt }, { LZMA_VLI_UNKNOWN, NULL } };
	size_t pos = 0;
	if (lzma_raw_buffer_encode(f, NULL, in, n, out, &pos, cap) != LZMA_OK)
		return 0;
	return pos;
}

static size_t lzo_compress(const uint8_t *in, size_t n, uint8_t *out)
{
	static uint8_t wrk[LZO1X_1_MEM_COMPRESS];
	lzo_uint olen = 0;
	if (lzo_init() != LZO_E_OK || lzo1x_1_compress(in, n, out, &olen, wrk) != LZO_E_OK)
		return 0;
	return olen;
}

static size_t zlib_compress(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	uLongf z = cap;
	return compress2(out, &z, in, n, 9) == Z_OK ? z : 0;
}

/* Root dirents + a file per compressor (4 KiB runs, like the kernel). */
static void compressors_log(jw *w, uint8_t *text, size_t tlen)
{
	static const uint8_t comps[] = { C_NONE, C_ZLIB, C_RTIME, C_LZO, C_LZMA };
	static const char *const names[] = { "none", "zlib", "rtime", "lzo", "lzma" };
	uint8_t *buf = malloc(2 * 4096 + 1024);
	jw_cleanmarker(w);
	for (size_t c = 0; c < sizeof(comps); c++) {
		uint32_t ino = (uint32_t)(10 + c);
		jw_dirent(w, 1, (uint32_t)(c + 1), ino, DT_REG, names[c]);
		for (size_t off = 0; off < tlen; off += 4096) {
			size_t n = tlen - off < 4096 ? tlen - off : 4096;
			size_t z = 0;
			switch (comps[c]) {
			case C_NONE: memcpy(buf, text + off, n); z = n; break;
			case C_ZLIB: z = zlib_compress(text + off, n, buf, 2 * 4096); break;
			case C_RTIME: z = rtime_compress(text + off, n, buf); break;
			case C_LZO: z = lzo_compress(text + off, n, buf); break;
			case C_LZMA: z = lzma_compress(text + off, n, buf, 2 * 4096); break;
			}
			inode_spec s = { 0, ino, (uint32_t)(1 + off / 4096), 0100644, 0, 0,
					 (uint32_t)tlen, 99, (uint32_t)off, comps[c], buf,
					 (uint32_t)z, (uint32_t)n };
			jw_inode(w, &s);
		}
	}
	free(buf);
}

TEST(jffs2_every_compressor_by_hand)
{
	uint8_t text[10000];
	fill_text(text, sizeof(text));
	memcpy(text + 5000, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabababababababab", 52);
	for (int be = 0; be < 2; be++) {
		jw w = { .be = be };
		compressors_log(&w, text, sizeof(text));
		run r;
		run_image(&r, w.b, w.n, NULL);
		CHECK_INT_EQ(r.rc, 0);
		if (r.diags.items.n)
			dump_diags(&r);
		CHECK_INT_EQ(r.diags.items.n, 0);
		check_file(&r, "none", text, sizeof(text), 0644);
		check_file(&r, "zlib", text, sizeof(text), 0644);
		check_file(&r, "rtime", text, sizeof(text), 0644);
		check_file(&r, "lzo", text, sizeof(text), 0644);
		check_file(&r, "lzma", text, sizeof(text), 0644);
		CHECK(at(&r, "lzma") && at(&r, "lzma")->mtime == 99);
		run_free(&r);
		free(w.b);
	}
}

/* Versions: content runs overlay in version order whatever their place
 * in the log; the newest node's metadata and size win. */
TEST(jffs2_versions_overlay_and_truncate)
{
	jw w = { .be = false };
	jw_cleanmarker(&w);
	jw_dirent(&w, 1, 1, 2, DT_REG, "f");
	jw_dirent(&w, 1, 2, 3, DT_REG, "t");
	/* newer first in the log: order on flash must not matter */
	jw_file(&w, 2, 2, 0644, 10, 2, "BB", 2);
	jw_file(&w, 2, 1, 0644, 10, 0, "AAAAAAAAAA", 10);
	inode_spec chmod = { 0, 2, 3, 0100600, 7, 8, 10, 4242, 0, C_NONE, "", 0, 0 };
	jw_inode(&w, &chmod);
	/* t: written, then truncated to 4 by a metadata node */
	jw_file(&w, 3, 1, 0644, 10, 0, "0123456789", 10);
	inode_spec trunc = { 0, 3, 2, 0100644, 0, 0, 4, 1, 0, C_NONE, "", 0, 0 };
	jw_inode(&w, &trunc);
	run r;
	run_image(&r, w.b, w.n, NULL);
	CHECK_INT_EQ(r.rc, 0);
	check_file(&r, "f", "AABBAAAAAA", 10, 0600);
	check_node(&r, "f", FG_NODE_FILE, 0600, 7, 8);
	CHECK(at(&r, "f") && at(&r, "f")->mtime == 4242);
	check_file(&r, "t", "0123", 4, 0644);
	CHECK_INT_EQ(r.root->mode, 0755); /* no root inode: the kernel's default */
	run_free(&r);
	free(w.b);
}

/* Deletion entries, renames, hard links, holes. */
TEST(jffs2_directory_semantics)
{
	jw w = { .be = true };
	jw_cleanmarker(&w);
	inode_spec root = { 0, 1, 1, 0040700, 0, 0, 0, 5, 0, C_NONE, "", 0, 0 };
	jw_inode(&w, &root);
	jw_dirent(&w, 1, 1, 3, DT_REG, "gone");
	jw_file(&w, 3, 1, 0644, 3, 0, "bye", 3);
	jw_dirent(&w, 1, 2, 0, DT_REG, "gone");   /* unlinked */
	jw_dirent(&w, 1, 3, 4, DT_REG, "old");
	jw_file(&w, 4, 1, 0644, 5, 0, "moved", 5);
	jw_dirent(&w, 1, 5, 4, DT_REG, "new");
	jw_dirent(&w, 1, 6, 0, DT_REG, "old");    /* renamed away */
	jw_dirent(&w, 1, 7, 5, DT_REG, "h1");
	jw_dirent(&w, 1, 8, 5, DT_REG, "h2");
	jw_file(&w, 5, 1, 0755, 4, 0, "link", 4);
	jw_dirent(&w, 1, 9, 6, DT_REG, "holey");
	uint8_t x[8192];
	memset(x, 'X', sizeof(x));
	jw_file(&w, 6, 1, 0644, 8192, 0, x, 4096);
	jw_file(&w, 6, 2, 0644, 8192, 4096, x, 4096);
	inode_spec hole = { 0, 6, 3, 0100644, 0, 0, 8192, 1, 1000, C_ZERO, "", 0, 100 };
	jw_inode(&w, &hole);
	/* recreated after deletion: the newest entry wins */
	jw_dirent(&w, 1, 10, 7, DT_REG, "gone");
	jw_file(&w, 7, 1, 0644, 5, 0, "again", 5);
	run r;
	run_image(&r, w.b, w.n, NULL);
	CHECK_INT_EQ(r.rc, 0);
	if (r.diags.items.n)
		dump_diags(&r);
	CHECK_INT_EQ(r.root->mode, 0700);
	check_file(&r, "gone", "again", 5, 0644);
	CHECK(at(&r, "old") == NULL);
	check_file(&r, "new", "moved", 5, 0644);
	check_file(&r, "h1", "link", 4, 0755);
	check_file(&r, "h2", "link", 4, 0755);
	CHECK(at(&r, "h1") && at(&r, "h2") && at(&r, "h1")->data == at(&r, "h2")->data);
	uint8_t want[8192];
	memset(want, 'X', sizeof(want));
	memset(want + 1000, 0, 100);
	check_file(&r, "holey", want, sizeof(want), 0644);
	CHECK_INT_EQ(node_count(&r), 6);
	run_free(&r);
	free(w.b);
}

/* Symlinks, devices old and new, fifos, sockets; a missing inode. */
TEST(jffs2_special_files)
{
	jw w = { .be = false };
	jw_dirent(&w, 1, 1, 2, DT_LNK, "sh");
	inode_spec lnk = { 0, 2, 1, 0120777, 0, 0, 7, 1, 0, C_NONE, "busybox", 7, 7 };
	jw_inode(&w, &lnk);
	jw_dirent(&w, 1, 2, 3, 2, "old");
	uint8_t old[2] = { 0x01, 0x05 }; /* LE (5 << 8) | 1 */
	inode_spec dev = { 0, 3, 1, 0020600, 0, 0, 0, 1, 0, C_NONE, old, 2, 2 };
	jw_inode(&w, &dev);
	jw_dirent(&w, 1, 3, 4, 6, "new");
	uint32_t nd = (70000u & 0xff) | ((300u & 0xfff) << 8) | ((70000u & ~0xffu) << 12);
	uint8_t nb[4] = { (uint8_t)nd, (uint8_t)(nd >> 8), (uint8_t)(nd >> 16), (uint8_t)(nd >> 24) };
	inode_spec bdev = { 0, 4, 1, 0060640, 0, 0, 0, 1, 0, C_NONE, nb, 4, 4 };
	jw_inode(&w, &bdev);
	jw_dirent(&w, 1, 4, 5, 1, "fifo");
	inode_spec fifo = { 0, 5, 1, 0010644, 0, 0, 0, 1, 0, C_NONE, "", 0, 0 };
	jw_inode(&w, &fifo);
	jw_dirent(&w, 1, 5, 6, 12, "sock");
	inode_spec sock = { 0, 6, 1, 0140755, 0, 0, 0, 1, 0, C_NONE, "", 0, 0 };
	jw_inode(&w, &sock);
	jw_dirent(&w, 1, 6, 99, DT_REG, "orphan"); /* no inode node at all */
	run r;
	run_image(&r, w.b, w.n, NULL);
	CHECK_INT_EQ(r.rc, 0);
	fg_node *sh = at(&r, "sh");
	CHECK(sh && sh->type == FG_NODE_SYMLINK && sh->link_target &&
	      !strcmp(sh->link_target, "busybox"));
	fg_node *o = at(&r, "old"), *n = at(&r, "new");
	CHECK(o && o->type == FG_NODE_CHR && o->dev_major == 5 && o->dev_minor == 1 && o->mode == 0600);
	CHECK(n && n->type == FG_NODE_BLK && n->dev_major == 300 && n->dev_minor == 70000);
	CHECK(at(&r, "fifo") && at(&r, "fifo")->type == FG_NODE_FIFO);
	CHECK(at(&r, "sock") && at(&r, "sock")->type == FG_NODE_SOCK);
	fg_node *orph = at(&r, "orphan");
	CHECK(orph && (orph->flags & FG_NODE_TRUNCATED));
	run_free(&r);
	free(w.b);
}

/* Corrupt nodes are skipped and the rest is read: a bad data CRC lets
 * the older version show, a bad header or name is passed over, garbage
 * between nodes is resynchronised over. Obsolete nodes do not count. */
TEST(jffs2_corrupt_and_obsolete_nodes)
{
	jw w = { .be = true };
	jw_cleanmarker(&w);
	jw_dirent(&w, 1, 1, 2, DT_REG, "f");
	jw_file(&w, 2, 1, 0644, 5, 0, "older", 5);
	size_t bad = jw_file(&w, 2, 2, 0644, 5, 0, "newer", 5);
	w.b[bad + 68] ^= 1; /* data CRC now wrong */
	size_t badhdr = jw_dirent(&w, 1, 2, 2, DT_REG, "lost-hdr");
	w.b[badhdr + 4] ^= 0x40;  /* totlen: the header CRC catches it */
	size_t badname = jw_dirent(&w, 1, 3, 2, DT_REG, "lost-name");
	w.b[badname + 41] ^= 1;
	uint8_t junk[300];
	fill_random(junk, sizeof(junk), 9);
	jw_bytes(&w, junk, sizeof(junk));
	jw_pad(&w);
	/* an obsolete newer version and an obsolete entry */
	inode_spec obs = { 0xc002, 2, 9, 0100644, 0, 0, 5, 1, 0, C_NONE, "stale", 5, 5 };
	jw_inode(&w, &obs);
	jw_dirent_t(&w, 0xc001, 1, 4, 2, DT_REG, "obsolete");
	/* zero-length header with a sound CRC: must not stall */
	jw_header(&w, 0x2004, 0);
	jw_dirent(&w, 1, 5, 3, DT_REG, "after");
	jw_file(&w, 3, 1, 0644, 2, 0, "ok", 2);
	run r;
	run_image(&r, w.b, w.n, NULL);
	CHECK_INT_EQ(r.rc, 0);
	check_file(&r, "f", "older", 5, 0644);
	check_file(&r, "after", "ok", 2, 0644);
	CHECK(at(&r, "lost-hdr") == NULL);
	CHECK(at(&r, "lost-name") == NULL);
	CHECK(at(&r, "obsolete") == NULL);
	CHECK(mentions(&r, "bad data CRC"));
	CHECK(mentions(&r, "corrupt"));
	CHECK_INT_EQ(node_count(&r), 3);
	run_free(&r);
	free(w.b);
}

TEST(jffs2_unknown_compressor_and_nodes)
{
	jw w = { .be = false };
	jw_dirent(&w, 1, 1, 2, DT_REG, "rubin");
	inode_spec s = { 0, 2, 1, 0100644, 0, 0, 8, 1, 0, C_DYNRUBIN, "xxxxxx", 6, 8 };
	jw_inode(&w, &s);
	/* an unknown node type of each compatibility class */
	size_t at1 = jw_header(&w, 0xe0f0, 16);
	(void)at1;
	jw_u32(&w, 0);
	jw_header(&w, 0x20f0, 12);
	jw_dirent(&w, 1, 2, 3, DT_REG, "fine");
	jw_file(&w, 3, 1, 0644, 4, 0, "fine", 4);
	run r;
	run_image(&r, w.b, w.n, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(mentions(&r, "dynrubin"));
	CHECK(mentions(&r, "incompatible"));
	fg_node *n = at(&r, "rubin");
	CHECK(n && (n->flags & FG_NODE_TRUNCATED));
	check_file(&r, "fine", "fine", 4, 0644);
	run_free(&r);
	free(w.b);
}

/* Forged sizes: no 4 GiB buffer for a few bytes of data. */
TEST(jffs2_forged_sizes)
{
	jw w = { .be = false };
	jw_dirent(&w, 1, 1, 2, DT_REG, "claims4g");
	jw_file(&w, 2, 1, 0644, 0xffffffffu, 0, "tiny!", 5);
	jw_dirent(&w, 1, 2, 3, DT_REG, "hole4g");
	jw_file(&w, 3, 1, 0644, 0xffffffffu, 0, "head", 4);
	inode_spec hole = { 0, 3, 2, 0100644, 0, 0, 0xffffffffu, 1, 4, C_ZERO, "", 0, 0xfffffff0u };
	jw_inode(&w, &hole);
	jw_dirent(&w, 1, 3, 4, DT_REG, "bigrun");
	inode_spec big = { 0, 4, 1, 0100644, 0, 0, 1u << 30, 1, 0, C_ZLIB, "x", 1, 1u << 30 };
	jw_inode(&w, &big);
	jw_dirent(&w, 1, 4, 5, DT_LNK, "longlink");
	uint8_t target[6000];
	memset(target, 'a', sizeof(target));
	inode_spec lnk = { 0, 5, 1, 0120777, 0, 0, 6000, 1, 0, C_NONE, target, 6000, 6000 };
	jw_inode(&w, &lnk);
	fg_limits lim;
	fg_limits_default(&lim);
	run r;
	run_image(&r, w.b, w.n, &lim);
	CHECK_INT_EQ(r.rc, 0);
	fg_node *a = at(&r, "claims4g");
	CHECK(a && a->size == 5 && a->data_len == 5 && (a->flags & FG_NODE_TRUNCATED));
	fg_node *h = at(&r, "hole4g");
	CHECK(h && h->data_len == 4 && h->size > h->data_len && (h->flags & FG_NODE_TRUNCATED));
	fg_node *b = at(&r, "bigrun");
	CHECK(b && (b->flags & FG_NODE_TRUNCATED));
	fg_node *l = at(&r, "longlink");
	CHECK(l && l->link_target && strlen(l->link_target) == 4096 && (l->flags & FG_NODE_TRUNCATED));
	/* the budget saw no gigabytes */
	CHECK(atomic_load(&r.budget.bytes) < (64u << 20));
	run_free(&r);
	free(w.b);
}

/* Loops: an entry naming its own directory, a cycle, the root again, a
 * directory with two names, and nesting past the depth cap. */
TEST(jffs2_directory_loops_and_depth)
{
	jw w = { .be = false };
	jw_dirent(&w, 1, 1, 10, DT_DIR, "self");
	jw_dir(&w, 10, 1, 0755);
	jw_dirent(&w, 10, 1, 10, DT_DIR, "me");
	jw_dirent(&w, 1, 2, 11, DT_DIR, "x");
	jw_dir(&w, 11, 1, 0755);
	jw_dirent(&w, 11, 1, 12, DT_DIR, "y");
	jw_dir(&w, 12, 1, 0755);
	jw_dirent(&w, 12, 1, 11, DT_DIR, "back");
	jw_dirent(&w, 12, 2, 1, DT_DIR, "root");
	jw_dirent(&w, 1, 3, 12, DT_DIR, "y-again");
	jw_dirent(&w, 12, 3, 13, DT_REG, "file");
	jw_file(&w, 13, 1, 0644, 2, 0, "hi", 2);
	/* a chain 300 deep */
	uint32_t parent = 1;
	for (uint32_t i = 0; i < 300; i++) {
		uint32_t ino = 100 + i;
		jw_dirent(&w, parent, 10 + i, ino, DT_DIR, "d");
		jw_dir(&w, ino, 1, 0755);
		parent = ino;
	}
	run r;
	run_image(&r, w.b, w.n, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(mentions(&r, "directory loop"));
	CHECK(mentions(&r, "nesting deeper"));
	fg_node *me = at(&r, "self/me");
	CHECK(me && me->type == FG_NODE_DIR && me->nchildren == 0);
	check_file(&r, "x/y/file", "hi", 2, 0644);
	fg_node *back = at(&r, "x/y/back"), *again = at(&r, "y-again");
	CHECK(back && back->nchildren == 0);
	CHECK(again && again->nchildren == 0);
	CHECK(at(&r, "x/y/root") && at(&r, "x/y/root")->nchildren == 0);
	CHECK(node_count(&r) < 300);
	run_free(&r);
	free(w.b);
}

TEST(jffs2_truncated_images)
{
	jw w = { .be = true };
	uint8_t text[20000];
	fill_text(text, sizeof(text));
	compressors_log(&w, text, sizeof(text));
	/* a node whose length runs past the end */
	size_t start = jw_header(&w, INODE, 5000);
	(void)start;
	for (size_t cut = 12; cut < w.n; cut += 97) {
		run r;
		run_image(&r, w.b, cut, NULL);
		run_free(&r);
	}
	/* the cut-off node belongs to the chunk, so unpacking sees it */
	uint64_t cl = 0;
	CHECK(fg_format_jffs2.probe(w.b, w.n, &cl) > 0);
	CHECK_INT_EQ(cl, w.n);
	run r;
	run_image(&r, w.b, w.n, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(mentions(&r, "runs past the end"));
	check_file(&r, "lzma", text, sizeof(text), 0644);
	run_free(&r);
	/* cut inside a data node: the node is lost, the rest stays */
	run_image(&r, w.b, w.n / 2, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(at(&r, "none") != NULL);
	run_free(&r);
	free(w.b);
}

TEST(jffs2_names_refused)
{
	jw w = { .be = false };
	jw_dirent(&w, 1, 1, 2, DT_REG, "a/b");
	jw_dirent(&w, 1, 2, 2, DT_REG, "..");
	jw_dirent(&w, 1, 3, 2, DT_REG, ".");
	jw_dirent(&w, 1, 4, 2, DT_REG, "ok");
	jw_file(&w, 2, 1, 0644, 1, 0, "k", 1);
	run r;
	run_image(&r, w.b, w.n, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(node_count(&r), 2);
	check_file(&r, "ok", "k", 1, 0644);
	CHECK(mentions(&r, "skipped entry"));
	run_free(&r);
	free(w.b);
}

TEST(jffs2_probe)
{
	jw w = { .be = false };
	jw_cleanmarker(&w);
	jw_dirent(&w, 1, 1, 2, DT_REG, "f");
	jw_file(&w, 2, 1, 0644, 1, 0, "k", 1);
	uint64_t cl = 0;
	CHECK(fg_format_jffs2.probe(w.b, w.n, &cl) >= FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(cl, w.n);
	CHECK_INT_EQ(fg_format_jffs2.probe(w.b, 11, &cl), 0);
	w.b[9] ^= 1; /* header CRC */
	CHECK_INT_EQ(fg_format_jffs2.probe(w.b, w.n, &cl), 0);
	w.b[9] ^= 1;
	uint8_t plain[64] = "\x85\x19 this is not jffs2 at all, just text";
	CHECK_INT_EQ(fg_format_jffs2.probe(plain, sizeof(plain), &cl), 0);
	/* a lone cleanmarker is an empty file system: weak but accepted */
	cl = 0;
	CHECK(fg_format_jffs2.probe(w.b, 12, &cl) > 0);
	CHECK_INT_EQ(cl, 12);
	free(w.b);
}

TEST(jffs2_budgets)
{
	jw w = { .be = false };
	uint8_t text[50000];
	fill_text(text, sizeof(text));
	compressors_log(&w, text, sizeof(text));
	fg_limits lim;
	fg_limits_default(&lim);
	lim.max_files = 2;
	run r;
	run_image(&r, w.b, w.n, &lim);
	CHECK_INT_EQ(node_count(&r), 3);
	CHECK(mentions(&r, "file-count limit"));
	run_free(&r);
	fg_limits_default(&lim);
	lim.max_total_bytes = 120000;
	run_image(&r, w.b, w.n, &lim);
	size_t full = 0, cut = 0;
	const char *names[] = { "none", "zlib", "rtime", "lzo", "lzma" };
	for (int i = 0; i < 5; i++) {
		fg_node *n = at(&r, names[i]);
		if (n && n->data_len == sizeof(text))
			full++;
		else if (n && (n->flags & FG_NODE_TRUNCATED))
			cut++;
	}
	CHECK_INT_EQ(full, 2);
	CHECK_INT_EQ(cut, 3);
	run_free(&r);
	free(w.b);
}

/* Random corruption of a mkfs.jffs2 image: nothing crashes or hangs. */
TEST(jffs2_random_corruption)
{
	jw w = { .be = false };
	uint8_t text[9000];
	fill_text(text, sizeof(text));
	compressors_log(&w, text, sizeof(text));
	jw_dirent(&w, 1, 50, 60, DT_DIR, "d");
	jw_dir(&w, 60, 1, 0755);
	jw_dirent(&w, 60, 1, 61, DT_LNK, "l");
	inode_spec lnk = { 0, 61, 1, 0120777, 0, 0, 4, 1, 0, C_NONE, "none", 4, 4 };
	jw_inode(&w, &lnk);
	const char *env = getenv("FG_JFFS2_FUZZ_ROUNDS");
	int rounds = env ? atoi(env) : 3000;
	uint8_t *mut = malloc(w.n);
	REQUIRE(mut != NULL);
	uint32_t seed = 11;
	for (int i = 0; i < rounds; i++) {
		memcpy(mut, w.b, w.n);
		int flips = 1 + i % 6;
		for (int k = 0; k < flips; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t pos = (seed >> 8) % w.n;
			seed = seed * 1103515245u + 12345u;
			mut[pos] = (uint8_t)(seed >> 16);
		}
		size_t cut = (i % 5 == 0) ? 12 + (seed >> 4) % (w.n - 12) : w.n;
		uint64_t cl = 0;
		fg_format_jffs2.probe(mut, cut, &cl);
		CHECK(cl <= cut);
		run r;
		run_image(&r, mut, cut, NULL);
		run_free(&r);
	}
	free(mut);
	free(w.b);
}

/* Mutations inside nodes with every CRC made right again, so the
 * decoders and the tree building see hostile content, not just skipped
 * nodes. */
static uint32_t ld32x(const uint8_t *p, bool be)
{
	return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		  : p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void st32x(uint8_t *p, uint32_t v, bool be)
{
	for (int k = 0; k < 4; k++)
		p[k] = (uint8_t)(v >> (be ? 24 - 8 * k : 8 * k));
}

static void fix_crcs(uint8_t *b, size_t len, bool be, size_t at)
{
	uint8_t hdr[8];
	memcpy(hdr, b + at, 8);
	hdr[be ? 2 : 3] |= 0x20;
	st32x(b + at + 8, tcrc(hdr, 8), be);
	uint16_t type = (uint16_t)((be ? (b[at + 2] << 8) | b[at + 3] : b[at + 2] | (b[at + 3] << 8)) | 0x2000);
	uint32_t totlen = ld32x(b + at + 4, be);
	if (totlen > len - at)
		return;
	if (type == INODE && totlen >= 68) {
		uint32_t csize = ld32x(b + at + 48, be);
		if (csize <= totlen - 68)
			st32x(b + at + 60, tcrc(b + at + 68, csize), be);
		st32x(b + at + 64, tcrc(b + at, 60), be);
	} else if (type == DIRENT && totlen >= 40) {
		st32x(b + at + 32, tcrc(b + at, 32), be);
		if (b[at + 28] <= totlen - 40)
			st32x(b + at + 36, tcrc(b + at + 40, b[at + 28]), be);
	}
}

TEST(jffs2_structured_corruption)
{
	for (int be = 0; be < 2; be++) {
		jw w = { .be = be };
		uint8_t text[9000];
		fill_text(text, sizeof(text));
		compressors_log(&w, text, sizeof(text));
		jw_dirent(&w, 1, 50, 60, DT_DIR, "d");
		jw_dir(&w, 60, 1, 0755);
		jw_dirent(&w, 60, 1, 61, DT_LNK, "l");
		inode_spec lnk = { 0, 61, 1, 0120777, 0, 0, 4, 1, 0, C_NONE, "none", 4, 4 };
		jw_inode(&w, &lnk);
		jw_dirent(&w, 60, 2, 62, 2, "dev");
		inode_spec dev = { 0, 62, 1, 0020600, 0, 0, 0, 1, 0, C_NONE, "\x01\x05", 2, 2 };
		jw_inode(&w, &dev);
		/* where the nodes are */
		size_t starts[256], ns = 0;
		for (size_t p = 0; p + 12 <= w.n && ns < 256; p += 4) {
			uint16_t m = (uint16_t)(be ? (w.b[p] << 8) | w.b[p + 1] : w.b[p] | (w.b[p + 1] << 8));
			if (m == 0x1985)
				starts[ns++] = p;
		}
		REQUIRE(ns > 10);
		const char *env = getenv("FG_JFFS2_FUZZ_ROUNDS");
		int rounds = env ? atoi(env) : 3000;
		uint8_t *mut = malloc(w.n);
		REQUIRE(mut != NULL);
		uint32_t seed = 23 + (uint32_t)be;
		for (int i = 0; i < rounds; i++) {
			memcpy(mut, w.b, w.n);
			seed = seed * 1103515245u + 12345u;
			size_t node = starts[(seed >> 8) % ns];
			size_t end = node + 1;
			while (end < w.n && !(end % 4 == 0 && (end - node) >= 12 &&
					      ((be && mut[end] == 0x19 && mut[end + 1] == 0x85) ||
					       (!be && mut[end] == 0x85 && mut[end + 1] == 0x19))))
				end++;
			int flips = 1 + i % 4;
			for (int k = 0; k < flips; k++) {
				seed = seed * 1103515245u + 12345u;
				/* bias towards the fixed fields */
				size_t span = (k & 1) ? end - node : (end - node < 72 ? end - node : 72);
				size_t pos = node + 4 + (seed >> 8) % (span > 4 ? span - 4 : 1);
				seed = seed * 1103515245u + 12345u;
				if (pos < w.n)
					mut[pos] = (uint8_t)(seed >> 16);
			}
			fix_crcs(mut, w.n, be, node);
			run r;
			run_image(&r, mut, w.n, NULL);
			run_free(&r);
		}
		free(mut);
		free(w.b);
	}
}

/* ---- samples and corpus ---------------------------------------------------------- */

static void fact_sample(const char *rel)
{
	const char *shared = getenv("FG_SHARED_DIR");
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/samples/%s", shared && *shared ? shared : "/work/shared", rel);
	size_t len;
	uint8_t *img = read_whole(p, &len);
	if (!img) {
		fprintf(stderr, "sample %s absent: skipped\n", p);
		return;
	}
	uint64_t cl = 0;
	CHECK(fg_format_jffs2.probe(img, len, &cl) >= FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(cl, 65536); /* one erase block of nodes, one erased */
	run r;
	run_image(&r, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(r.diags.items.n, 0);
	fg_node *t1 = at(&r, "testfile1"), *t2 = at(&r, "testfile2");
	fg_node *t3 = at(&r, "generic folder/test file 3_.txt");
	CHECK(t1 && t2 && t3);
	if (t1)
		CHECK(t1->data_len == 62 && !memcmp(t1->data, "test file:", 10) && t1->uid == 1000);
	if (t2)
		CHECK(t2->data_len == 28);
	if (t3)
		CHECK(t3->data_len == 20);
	CHECK_INT_EQ(node_count(&r), 5);
	run_free(&r);
	free(img);
}

TEST(jffs2_samples_fact)
{
	fact_sample("fact_extractor/jffs2/jffs2_le.img");
	fact_sample("fact_extractor/jffs2/jffs2_be.img");
}

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

static uint8_t *corpus_file(const char *name, size_t *len)
{
	const char *home = getenv("HOME");
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/.cache/firmgate/corpus/images/%s", home ? home : "/root", name);
	uint8_t *img = read_whole(p, len);
	if (!img)
		fprintf(stderr, "corpus image %s absent: skipped\n", p);
	return img;
}

static void corpus_image(const char *name, size_t files, size_t symlinks, size_t dirs)
{
	size_t len;
	uint8_t *img = corpus_file(name, &len);
	if (!img)
		return;
	uint64_t cl = 0;
	CHECK(fg_format_jffs2.probe(img, len, &cl) >= FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(cl, len);
	run r;
	run_image(&r, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(r.diags.items.n, 0);
	counts c = { 0 };
	fg_tree_walk(r.root, count_types, &c);
	CHECK_INT_EQ(c.files, files);
	CHECK_INT_EQ(c.symlinks, symlinks);
	CHECK_INT_EQ(c.dirs, dirs + 1);
	CHECK_INT_EQ(c.devices, 2);
	fg_node *pw = at(&r, "etc/passwd");
	CHECK(pw && pw->data_len > 0 && pw->data_len == pw->size);
	run_free(&r);
	free(img);
}

TEST(jffs2_corpus_images)
{
	corpus_image("gw-c_jffs2-le.img", 146, 333, 73);
	corpus_image("rtr-a_jffs2-be.img", 251, 332, 55);
}

/* The config partition at the end of the router's flash. */
TEST(jffs2_corpus_flash_partition)
{
	size_t len;
	uint8_t *img = corpus_file("rtr-a_flash-16m.bin", &len);
	if (!img)
		return;
	const size_t off = 15728640;
	REQUIRE(len > off);
	uint64_t cl = 0;
	CHECK(fg_format_jffs2.probe(img + off, len - off, &cl) >= FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(cl, 65536);
	run r;
	run_image(&r, img + off, (size_t)cl, NULL);
	CHECK_INT_EQ(r.rc, 0);
	counts c = { 0 };
	fg_tree_walk(r.root, count_types, &c);
	CHECK_INT_EQ(c.files, 3);
	CHECK_INT_EQ(c.dirs, 2);
	fg_node *sys = at(&r, "config/system");
	CHECK(sys && sys->data_len == 64 && !memcmp(sys->data, "config system", 13));
	run_free(&r);
	free(img);
}
