/*
 * test_ubi.c - the UBI and UBIFS handlers: images mkfs.ubifs and ubinize
 * build at test time (every compressor, signed images, several flash
 * geometries, a dynamic and a static volume), the FACT samples, the
 * cam-b corpus image against its staged tree, and hostile variants
 * (bad CRCs, index loops, a LEB mapped twice, truncation, absurd fields,
 * directory cycles, huge sparse inodes, small budgets, fuzzing).
 *
 * Tests needing mkfs.ubifs/ubinize skip (with a note) when mtd-utils is
 * missing; sample and corpus tests skip when their files are absent.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/diag.h"
#include "core/limits.h"
#include "core/tree.h"
#include "unpack/engine.h"
#include "unpack/format.h"
#include "test.h"

extern const fg_format fg_format_ubi;
extern const fg_format fg_format_ubifs;

#define PASSWD_TEXT "root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000::/home/admin:/bin/sh\n"
#define PASSWD_MTIME 1500000000
#define BIG_SIZE 300000
#define TEXT_SIZE 200000
#define SPARSE_SIZE ((3u << 20) + 5)
#define MARKED_BLOCKS 3
#define LONG_NAME_LEN 255

/* ---- small helpers ------------------------------------------------------ */

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

static uint8_t *make_random(size_t n, uint32_t seed)
{
	uint8_t *b = malloc(n);
	if (b)
		fill_random(b, n, seed);
	return b;
}

static uint8_t *make_text(size_t n)
{
	uint8_t *b = malloc(n);
	size_t at = 0;
	for (unsigned line = 0; b && at < n; line++) {
		char tmp[64];
		int k = snprintf(tmp, sizeof(tmp), "line %08u of the text file\n", line);
		for (int i = 0; i < k && at < n; i++)
			b[at++] = (uint8_t)tmp[i];
	}
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

/* Three 4 KiB blocks of 'A', 'B' and 'C' lines: a block shows where it went. */
static uint8_t *make_marked(void)
{
	uint8_t *b = malloc(MARKED_BLOCKS * 4096);
	for (int i = 0; b && i < MARKED_BLOCKS; i++)
		for (int j = 0; j < 4096; j++)
			b[i * 4096 + j] = j % 64 == 63 ? '\n' : (uint8_t)('A' + i);
	return b;
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

static bool write_whole(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

static int sh(const char *f, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *f, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(cmd, sizeof(cmd), f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return -1;
	return system(cmd);
}

/* ---- tools and the scratch directory --------------------------------- */

static char g_work[PATH_MAX];
static char g_mkfs[PATH_MAX], g_ubinize[PATH_MAX];

static void remove_work(void)
{
	if (g_work[0] && sh("rm -rf '%s'", g_work) != 0)
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

static const char *work_dir(void)
{
	if (g_work[0])
		return g_work;
	const char *base = getenv("FG_TEST_TMP");
	if (!base || !*base)
		base = "/tmp";
	mkdir(base, 0755);
	fmt(g_work, sizeof(g_work), "%s/ubi-XXXXXX", base);
	if (!mkdtemp(g_work)) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(remove_work);
	return g_work;
}

/* mtd-utils present? Prints a note once when not. */
static bool have_tools(void)
{
	static int state = -1;
	if (state < 0) {
		state = find_tool("mkfs.ubifs", g_mkfs, sizeof(g_mkfs)) &&
			find_tool("ubinize", g_ubinize, sizeof(g_ubinize));
		if (!state)
			printf("mkfs.ubifs/ubinize (mtd-utils) not found: generated-image tests skipped\n");
	}
	return state;
}

/* ---- the staged tree ------------------------------------------------- */

static void put(const char *stage, const char *rel, const void *data, size_t len, mode_t mode)
{
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/%s", stage, rel);
	if (!write_whole(p, data, len)) {
		perror(p);
		exit(1);
	}
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

static void put_sparse(const char *stage, const char *rel)
{
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/%s", stage, rel);
	uint8_t *want = make_sparse();
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (!want || fd < 0 || ftruncate(fd, SPARSE_SIZE) != 0 || pwrite(fd, want, 4, 0) != 4 ||
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

static char *long_name(void)
{
	static char name[LONG_NAME_LEN + 1];
	memset(name, 'n', LONG_NAME_LEN);
	name[LONG_NAME_LEN] = '\0';
	return name;
}

/* Device nodes, a fifo and owners come from mkfs.ubifs's device table,
 * so the tests need no root privileges. */
static const char *const devtable =
	"/dev d 755 0 0 - - - - -\n"
	"/dev/console c 600 0 0 5 1 - - -\n"
	"/dev/sda b 660 0 6 8 0 - - -\n"
	"/dev/big c 620 0 5 300 70000 - - -\n"
	"/run d 755 0 0 - - - - -\n"
	"/run/fifo p 644 0 0 - - - - -\n"
	"/home/admin d 750 1000 1000 - - - - -\n"
	"/home/admin/notes.txt f 640 1000 1000 - - - - -\n";

static const char *main_stage(void)
{
	static char stage[PATH_MAX];
	if (stage[0])
		return stage;
	fmt(stage, sizeof(stage), "%s/stage", work_dir());
	put_dir(stage, "", 0755);
	const char *dirs[] = { "etc", "bin", "sbin", "lib", "data", "home", "home/admin",
			       "a", "a/b", "a/b/c", "a/b/c/d", "loop", "loop/cyc_mid",
			       "loop/cyc_mid/cyc_leaf" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		put_dir(stage, dirs[i], 0755);
	put_dir(stage, "tmp", 01777);
	put(stage, "etc/passwd", PASSWD_TEXT, strlen(PASSWD_TEXT), 0644);
	put(stage, "etc/empty", "", 0, 0644);
	put(stage, "bin/su", "#!/bin/sh\necho su\n", 18, 04755);
	uint8_t *b = make_random(20000, 4);
	put(stage, "bin/busybox", b, 20000, 0755);
	free(b);
	put_hardlink(stage, "bin/busybox", "bin/busybox-hl");
	put_hardlink(stage, "bin/busybox", "sbin/init");
	put_link(stage, "busybox", "bin/sh");
	put_link(stage, "/lib/libc.so.6", "lib/libc.so");
	put_sparse(stage, "data/sparse");
	b = make_random(BIG_SIZE, 1);
	put(stage, "data/big", b, BIG_SIZE, 0644);
	free(b);
	b = make_text(TEXT_SIZE);
	put(stage, "data/text", b, TEXT_SIZE, 0600);
	free(b);
	b = make_marked();
	put(stage, "data/marked", b, MARKED_BLOCKS * 4096, 0644);
	put(stage, "data/hugefile", b, 4096, 0644);
	free(b);
	put(stage, "a/b/c/d/deep.txt", "deep\n", 5, 0600);
	put(stage, "home/admin/notes.txt", "secret\n", 7, 0644);
	char rel[PATH_MAX];
	fmt(rel, sizeof(rel), "etc/%s", long_name());
	put(stage, rel, "long\n", 5, 0644);
	set_mtime(stage, "etc/passwd", PASSWD_MTIME);
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/devtable", work_dir());
	if (!write_whole(p, devtable, strlen(devtable))) {
		perror(p);
		exit(1);
	}
	return stage;
}

/* mkfs.ubifs on the main tree; NULL when it fails. */
static uint8_t *build_ubifs_geo(const char *comp, unsigned min_io, unsigned leb, const char *extra,
				size_t *len, char *path_out, size_t path_cap)
{
	static unsigned seq;
	char out[PATH_MAX];
	const char *stage = main_stage();
	fmt(out, sizeof(out), "%s/fs-%u.ubifs", work_dir(), seq++);
	int st = sh("'%s' -r '%s' -m %u -e %u -c 400 -x %s -D '%s/devtable' %s -o '%s' >'%s/mkfs.log' 2>&1",
		    g_mkfs, stage, min_io, leb, comp, work_dir(), extra ? extra : "", out, work_dir());
	if (st != 0) {
		fprintf(stderr, "mkfs.ubifs -x %s %s failed (status %d)\n", comp, extra ? extra : "", st);
		return NULL;
	}
	if (path_out)
		fmt(path_out, path_cap, "%s", out);
	return read_whole(out, len);
}

static uint8_t *build_ubifs(const char *comp, const char *extra, size_t *len)
{
	return build_ubifs_geo(comp, 2048, 126976, extra, len, NULL, 0);
}

/* ubinize with INI (its image= paths absolute). */
static uint8_t *build_ubi(const char *ini, const char *geo, size_t *len)
{
	static unsigned seq;
	char ip[PATH_MAX], out[PATH_MAX];
	fmt(ip, sizeof(ip), "%s/ubi-%u.ini", work_dir(), seq);
	fmt(out, sizeof(out), "%s/ubi-%u.img", work_dir(), seq++);
	if (!write_whole(ip, ini, strlen(ini)))
		return NULL;
	int st = sh("'%s' -o '%s' %s '%s' >'%s/ubinize.log' 2>&1", g_ubinize, out, geo, ip, work_dir());
	if (st != 0) {
		fprintf(stderr, "ubinize %s failed (status %d)\n", geo, st);
		return NULL;
	}
	return read_whole(out, len);
}

/* ---- running the handlers ---------------------------------------------- */

typedef struct run {
	fg_tree tree;
	fg_budget budget;
	fg_diag_list diags;
	fg_node *root;
	int rc;
} run;

static void run_handler(run *r, const fg_format *f, const uint8_t *img, size_t len,
			const fg_limits *lim)
{
	fg_limits def;
	fg_limits_default(&def);
	fg_tree_init(&r->tree);
	fg_budget_init(&r->budget, lim ? lim : &def);
	fg_diag_init(&r->diags);
	r->root = NULL;
	r->rc = fg_unpack_buffer_for_test(&r->tree, &r->budget, &r->diags, f, "image", img, len,
					  &r->root);
}

/* Through the engine: identification, carving and recursion. */
static void run_engine(run *r, const uint8_t *img, size_t len, const fg_limits *lim)
{
	fg_limits def;
	fg_limits_default(&def);
	fg_tree_init(&r->tree);
	fg_budget_init(&r->budget, lim ? lim : &def);
	fg_diag_init(&r->diags);
	fg_node *f = fg_node_new(&r->tree, "fw.bin", 6, FG_NODE_FILE);
	f->flags = FG_NODE_FSROOT;
	f->data = img;
	f->data_len = len;
	f->size = len;
	r->tree.root = f;
	fg_unpack_all(&r->tree, &r->budget, &r->diags, 2, NULL);
	r->root = f->unpacked;
	r->rc = 0;
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

static bool diag_has(const run *r, const char *needle)
{
	for (size_t i = 0; i < r->diags.items.n; i++)
		if (strstr(r->diags.items.v[i].message, needle))
			return true;
	return false;
}

static fg_node *at(fg_node *root, const char *path)
{
	return root ? fg_tree_lookup(root, path, false) : NULL;
}

/* The extraction root of the file system in FILE: directly, or the chunk
 * at offset 0 of a carve. */
static fg_node *fs_of(fg_node *file, const char *format)
{
	if (!file || !file->unpacked)
		return NULL;
	fg_node *u = file->unpacked;
	if (u->format && !strcmp(u->format, format))
		return u;
	if (u->format && !strcmp(u->format, "carve")) {
		char name[64];
		snprintf(name, sizeof(name), "0x0.%s", format);
		fg_node *c = fg_node_find_child(u, name, strlen(name));
		return c ? fs_of(c, format) : NULL;
	}
	return NULL;
}

static bool same_bytes(const fg_node *n, const void *want, size_t len)
{
	return n && n->size == len && n->data_len == len &&
	       (len == 0 || (n->data && !memcmp(n->data, want, len)));
}

typedef struct counts {
	size_t files, links, dirs, devs, other;
} counts;

/* Counts the nodes of one file tree (not what was unpacked from its
 * files). */
static void count_nodes(const fg_node *n, counts *c)
{
	switch (n->type) {
	case FG_NODE_FILE: c->files++; break;
	case FG_NODE_SYMLINK: c->links++; break;
	case FG_NODE_DIR: c->dirs++; break;
	case FG_NODE_CHR: case FG_NODE_BLK: c->devs++; break;
	default: c->other++; break;
	}
	for (size_t i = 0; i < n->nchildren; i++)
		count_nodes(n->children[i], c);
}

static counts count_tree(fg_node *root)
{
	counts c = { 0 };
	if (root)
		count_nodes(root, &c);
	if (c.dirs)
		c.dirs--; /* the root itself */
	return c;
}

static int probe(const fg_format *f, const uint8_t *d, size_t len, uint64_t *chunk)
{
	uint64_t dummy = 0;
	return f->probe(d, len, chunk ? chunk : &dummy);
}

/* ---- checking the main tree -------------------------------------------- */

static void check_file(fg_node *root, const char *path, const void *want, size_t len, uint32_t mode)
{
	fg_node *n = at(root, path);
	if (!n) {
		fprintf(stderr, "missing %s\n", path);
		CHECK(n != NULL);
		return;
	}
	CHECK_INT_EQ(n->type, FG_NODE_FILE);
	CHECK_INT_EQ(n->mode, mode);
	if (!same_bytes(n, want, len))
		fprintf(stderr, "content differs: %s (size %llu, data_len %zu)\n", path,
			(unsigned long long)n->size, n->data_len);
	CHECK(same_bytes(n, want, len));
	CHECK(!(n->flags & FG_NODE_TRUNCATED));
}

static void check_node(fg_node *root, const char *path, fg_node_type type, uint32_t mode,
		       uint32_t uid, uint32_t gid)
{
	fg_node *n = at(root, path);
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

static void check_device(fg_node *root, const char *path, fg_node_type type, uint32_t maj, uint32_t min)
{
	fg_node *n = at(root, path);
	REQUIRE(n != NULL);
	CHECK_INT_EQ(n->type, type);
	CHECK_INT_EQ(n->dev_major, maj);
	CHECK_INT_EQ(n->dev_minor, min);
}

static void check_main_tree(fg_node *root)
{
	REQUIRE(root != NULL);
	check_file(root, "etc/passwd", PASSWD_TEXT, strlen(PASSWD_TEXT), 0644);
	fg_node *pw = at(root, "etc/passwd");
	if (pw)
		CHECK_INT_EQ(pw->mtime, PASSWD_MTIME);
	check_file(root, "etc/empty", "", 0, 0644);
	check_file(root, "bin/su", "#!/bin/sh\necho su\n", 18, 04755);
	check_file(root, "a/b/c/d/deep.txt", "deep\n", 5, 0600);
	char rel[PATH_MAX];
	fmt(rel, sizeof(rel), "etc/%s", long_name());
	check_file(root, rel, "long\n", 5, 0644);

	uint8_t *want = make_random(20000, 4);
	check_file(root, "bin/busybox", want, 20000, 0755);
	check_file(root, "bin/busybox-hl", want, 20000, 0755);
	check_file(root, "sbin/init", want, 20000, 0755);
	free(want);
	fg_node *a = at(root, "bin/busybox"), *b = at(root, "bin/busybox-hl"), *c = at(root, "sbin/init");
	REQUIRE(a && b && c);
	CHECK(a->data && a->data == b->data && a->data == c->data); /* hard links share */

	fg_node *s = at(root, "bin/sh"), *l = at(root, "lib/libc.so");
	REQUIRE(s && l);
	CHECK_INT_EQ(s->type, FG_NODE_SYMLINK);
	CHECK_STR_EQ(s->link_target, "busybox");
	CHECK_INT_EQ(s->size, 7);
	CHECK_STR_EQ(l->link_target, "/lib/libc.so.6");

	want = make_random(BIG_SIZE, 1);
	check_file(root, "data/big", want, BIG_SIZE, 0644);
	free(want);
	want = make_text(TEXT_SIZE);
	check_file(root, "data/text", want, TEXT_SIZE, 0600);
	free(want);
	want = make_sparse();
	check_file(root, "data/sparse", want, SPARSE_SIZE, 0644);
	free(want);
	want = make_marked();
	check_file(root, "data/marked", want, MARKED_BLOCKS * 4096, 0644);
	free(want);

	check_node(root, "tmp", FG_NODE_DIR, 01777, 0, 0);
	check_node(root, "home/admin", FG_NODE_DIR, 0750, 1000, 1000);
	check_node(root, "home/admin/notes.txt", FG_NODE_FILE, 0640, 1000, 1000);
	check_node(root, "dev/console", FG_NODE_CHR, 0600, 0, 0);
	check_node(root, "dev/sda", FG_NODE_BLK, 0660, 0, 6);
	check_node(root, "dev/big", FG_NODE_CHR, 0620, 0, 5);
	check_node(root, "run/fifo", FG_NODE_FIFO, 0644, 0, 0);
	check_device(root, "dev/console", FG_NODE_CHR, 5, 1);
	check_device(root, "dev/sda", FG_NODE_BLK, 8, 0);
	check_device(root, "dev/big", FG_NODE_CHR, 300, 70000);
	CHECK(!(root->flags & FG_NODE_TRUNCATED));
}

/* ---- UBIFS images: every compressor ------------------------------------ */

static void check_ubifs(const char *comp, const char *extra, const char *info)
{
	if (!have_tools())
		return;
	size_t len;
	uint8_t *img = build_ubifs(comp, extra, &len);
	REQUIRE(img != NULL);
	uint64_t chunk = 0;
	CHECK(probe(&fg_format_ubifs, img, len, &chunk) >= FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(chunk, len); /* leb_cnt * leb_size: the whole image */
	run r;
	run_handler(&r, &fg_format_ubifs, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	CHECK_STR_EQ(r.root->format_info, info);
	CHECK_INT_EQ(r.root->src_length, len);
	check_main_tree(r.root);
	if (r.diags.items.n)
		dump_diags(&r);
	CHECK_INT_EQ(r.diags.items.n, 0);
	run_free(&r);
	free(img);
}

TEST(ubifs_lzo) { check_ubifs("lzo", NULL, "lzo"); }
TEST(ubifs_zlib) { check_ubifs("zlib", NULL, "zlib"); }
TEST(ubifs_zstd) { check_ubifs("zstd", NULL, "zstd"); }
TEST(ubifs_none) { check_ubifs("none", NULL, "none"); }
/* LZO and zlib nodes mixed in one image */
TEST(ubifs_favor_lzo) { check_ubifs("favor_lzo", NULL, "lzo"); }
/* the "test" key hash: names' first bytes as hashes, collisions likely */
TEST(ubifs_test_hash) { check_ubifs("lzo", "-k test", "lzo"); }
/* small fanout: a tall index */
TEST(ubifs_fanout3) { check_ubifs("lzo", "-f 3", "lzo"); }

/* Signed images carry a hash after every branch key. */
TEST(ubifs_signed)
{
	if (!have_tools())
		return;
	char key[PATH_MAX], extra[3 * PATH_MAX];
	fmt(key, sizeof(key), "%s/auth.pem", work_dir());
	if (sh("openssl req -x509 -newkey rsa:2048 -keyout '%s.key' -out '%s.crt' -days 1 -nodes "
	       "-subj /CN=t >/dev/null 2>&1 && cat '%s.key' '%s.crt' > '%s'", key, key, key, key, key) != 0) {
		printf("openssl cannot make a key: signed image skipped\n");
		return;
	}
	fmt(extra, sizeof(extra), "--hash-algo=sha256 --auth-key='%s' --auth-cert='%s.crt'", key, key);
	check_ubifs("lzo", extra, "lzo");
}

/* ---- UBI images ---------------------------------------------------------- */

static uint8_t *g_raw;
#define RAW_SIZE 300001

static const uint8_t *raw_bytes(void)
{
	if (!g_raw)
		g_raw = make_random(RAW_SIZE, 77);
	return g_raw;
}

/* A UBI image with a UBIFS volume "rootfs" and a static volume "raw"
 * for the given flash geometry. *FS gets the UBIFS image. */
static uint8_t *build_two(const char *comp, unsigned min_io, unsigned peb, unsigned sub,
			  unsigned leb, size_t *len, uint8_t **fs, size_t *fs_len)
{
	char fsp[PATH_MAX], rawp[PATH_MAX], ini[4 * PATH_MAX], geo[128];
	*fs = build_ubifs_geo(comp, min_io, leb, NULL, fs_len, fsp, sizeof(fsp));
	if (!*fs)
		return NULL;
	fmt(rawp, sizeof(rawp), "%s/raw.bin", work_dir());
	if (!write_whole(rawp, raw_bytes(), RAW_SIZE))
		return NULL;
	fmt(ini, sizeof(ini),
	    "[rootfs]\nmode=ubi\nimage=%s\nvol_id=0\nvol_type=dynamic\nvol_name=rootfs\nvol_flags=autoresize\n"
	    "[raw]\nmode=ubi\nimage=%s\nvol_id=1\nvol_type=static\nvol_name=raw\n",
	    fsp, rawp);
	fmt(geo, sizeof(geo), "-m %u -p %u -s %u", min_io, peb, sub);
	return build_ubi(ini, geo, len);
}

static void check_two(const char *comp, unsigned min_io, unsigned peb, unsigned sub, unsigned leb)
{
	if (!have_tools())
		return;
	size_t len, fs_len;
	uint8_t *fs = NULL;
	uint8_t *img = build_two(comp, min_io, peb, sub, leb, &len, &fs, &fs_len);
	REQUIRE(img != NULL);
	uint64_t chunk = 0;
	CHECK(probe(&fg_format_ubi, img, len, &chunk) >= FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(chunk, len);
	CHECK_INT_EQ(len % peb, 0);

	run r;
	run_handler(&r, &fg_format_ubi, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	char info[64];
	snprintf(info, sizeof(info), "peb %u, 2 volumes", peb);
	CHECK_STR_EQ(r.root->format_info, info);
	fg_node *vol = at(r.root, "rootfs"), *raw = at(r.root, "raw");
	REQUIRE(vol && raw);
	CHECK_INT_EQ(r.root->nchildren, 2);
	/* the dynamic volume: the UBIFS image, LEB after LEB */
	CHECK(vol->data_len >= fs_len && vol->data && !memcmp(vol->data, fs, fs_len));
	CHECK_INT_EQ(vol->data_len % leb, 0);
	/* the static volume: exactly the bytes given */
	CHECK(same_bytes(raw, raw_bytes(), RAW_SIZE));
	CHECK(!(r.root->flags & FG_NODE_TRUNCATED));
	CHECK_INT_EQ(r.diags.items.n, 0);
	run_free(&r);

	/* the engine finds the UBIFS in the volume and unpacks it */
	run_engine(&r, img, len, NULL);
	REQUIRE(r.root != NULL);
	CHECK_STR_EQ(r.root->format, "ubi");
	vol = at(r.root, "rootfs");
	fg_node *ufs = fs_of(vol, "ubifs");
	REQUIRE(ufs != NULL);
	check_main_tree(ufs);
	run_free(&r);
	free(img);
	free(fs);
}

/* NAND, 2 KiB pages, 128 KiB PEBs: the cam-b geometry */
TEST(ubi_nand_128k) { check_two("lzo", 2048, 131072, 2048, 126976); }
/* sub-pages: the VID header shares the first page with the EC header */
TEST(ubi_nand_subpage) { check_two("zlib", 2048, 131072, 512, 129024); }
/* small-page NAND, 16 KiB PEBs */
TEST(ubi_nand_16k) { check_two("zstd", 512, 16384, 512, 15360); }
/* large-page NAND, 256 KiB PEBs */
TEST(ubi_nand_256k) { check_two("none", 4096, 262144, 4096, 253952); }
/* NOR: 1-byte I/O, headers 64 bytes apart */
TEST(ubi_nor_64k) { check_two("lzo", 1, 65536, 1, 65408); }

/* A UBI image in the middle of a blob is carved at its exact length. */
TEST(ubi_carved)
{
	if (!have_tools())
		return;
	size_t len, fs_len;
	uint8_t *fs = NULL;
	uint8_t *img = build_two("lzo", 2048, 131072, 2048, 126976, &len, &fs, &fs_len);
	REQUIRE(img != NULL);
	size_t pre = 12345, post = 5000;
	uint8_t *blob = malloc(pre + len + post);
	REQUIRE(blob != NULL);
	fill_random(blob, pre, 9);
	memcpy(blob + pre, img, len);
	fill_random(blob + pre + len, post, 10);
	run r;
	run_engine(&r, blob, pre + len + post, NULL);
	REQUIRE(r.root != NULL);
	CHECK_STR_EQ(r.root->format, "carve");
	char name[64];
	snprintf(name, sizeof(name), "0x%zx.ubi", pre);
	fg_node *chunk = fg_node_find_child(r.root, name, strlen(name));
	REQUIRE(chunk != NULL);
	CHECK_INT_EQ(chunk->data_len, len);
	REQUIRE(chunk->unpacked != NULL);
	fg_node *ufs = fs_of(at(chunk->unpacked, "rootfs"), "ubifs");
	REQUIRE(ufs != NULL);
	check_main_tree(ufs);
	CHECK(same_bytes(at(chunk->unpacked, "raw"), raw_bytes(), RAW_SIZE));
	run_free(&r);
	free(blob);
	free(img);
	free(fs);
}

/* ---- samples and the corpus ---------------------------------------------- */

static bool sample_path(const char *rel, char *out, size_t cap)
{
	const char *shared = getenv("FG_SHARED_DIR");
	fmt(out, cap, "%s/samples/%s", shared && *shared ? shared : "/work/shared", rel);
	if (access(out, R_OK) == 0)
		return true;
	printf("sample %s absent: skipped\n", out);
	return false;
}

static void check_fact_set(fg_node *root)
{
	REQUIRE(root != NULL);
	fg_node *t1 = at(root, "testfile1"), *t2 = at(root, "testfile2");
	fg_node *t3 = at(root, "generic folder/test file 3_.txt");
	CHECK(t1 && t1->type == FG_NODE_FILE && t1->data_len == t1->size && t1->size > 0);
	CHECK(t2 && t2->type == FG_NODE_FILE && t2->data_len == t2->size && t2->size > 0);
	CHECK(t3 && t3->type == FG_NODE_FILE && t3->data_len == t3->size && t3->size > 0);
	if (t1 && t1->data)
		CHECK(memmem(t1->data, t1->data_len, "test", 4) != NULL);
	counts c = count_tree(root);
	CHECK_INT_EQ(c.files, 3);
	CHECK_INT_EQ(c.dirs, 1);
	CHECK(!(root->flags & FG_NODE_TRUNCATED));
}

TEST(sample_test_ubifs)
{
	char p[PATH_MAX];
	if (!sample_path("fact_extractor/ubi/test.ubifs", p, sizeof(p)))
		return;
	size_t len;
	uint8_t *img = read_whole(p, &len);
	REQUIRE(img != NULL);
	uint64_t chunk = 0;
	CHECK(probe(&fg_format_ubifs, img, len, &chunk) >= FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(chunk, len);
	run r;
	run_handler(&r, &fg_format_ubifs, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	check_fact_set(r.root);
	run_free(&r);
	free(img);
}

/* One static volume holding the test.ubifs image, 1 KiB PEBs. */
TEST(sample_ubi_img)
{
	char p[PATH_MAX], q[PATH_MAX];
	if (!sample_path("fact_extractor/ubi/ubi.img", p, sizeof(p)))
		return;
	size_t len, fs_len = 0;
	uint8_t *img = read_whole(p, &len);
	REQUIRE(img != NULL);
	uint64_t chunk = 0;
	CHECK(probe(&fg_format_ubi, img, len, &chunk) >= FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(chunk, len);
	run r;
	run_engine(&r, img, len, NULL);
	REQUIRE(r.root != NULL);
	CHECK_STR_EQ(r.root->format, "ubi");
	CHECK_STR_EQ(r.root->format_info, "peb 1024, 1 volume");
	CHECK_INT_EQ(r.root->nchildren, 1);
	REQUIRE(r.root->nchildren == 1);
	fg_node *vol = r.root->children[0];
	uint8_t *fs = sample_path("fact_extractor/ubi/test.ubifs", q, sizeof(q)) ? read_whole(q, &fs_len) : NULL;
	if (fs)
		CHECK(same_bytes(vol, fs, fs_len));
	check_fact_set(fs_of(vol, "ubifs"));
	run_free(&r);
	free(img);
	free(fs);
}

static char *corpus_dir(void)
{
	static char dir[PATH_MAX];
	const char *home = getenv("HOME");
	fmt(dir, sizeof(dir), "%s/.cache/firmgate/corpus", home ? home : "/root");
	return dir;
}

/* A number following KEY after the "cam-b_ubi.img" entry of truth.json,
 * or DEF when the file or the key is not there. */
static long truth_value(const char *key, long def)
{
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/truth.json", corpus_dir());
	size_t len;
	char *t = (char *)read_whole(p, &len);
	if (!t)
		return def;
	char *z = realloc(t, len + 1);
	if (!z) {
		free(t);
		return def;
	}
	t = z;
	t[len] = '\0';
	long v = def;
	const char *img = strstr(t, "\"name\": \"cam-b_ubi.img\"");
	const char *k = img ? strstr(img, key) : NULL;
	if (k)
		v = strtol(k + strlen(key), NULL, 10);
	free(t);
	return v;
}

/* The staged file at REL must match the unpacked node: bytes and mode. */
static void compare_staged(fg_node *root, const char *rel)
{
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/.build/trees/cam-b/%s", corpus_dir(), rel);
	struct stat st;
	if (lstat(p, &st) != 0) {
		printf("staged %s absent: not compared\n", p);
		return;
	}
	fg_node *n = at(root, rel);
	if (!n) {
		fprintf(stderr, "missing %s\n", rel);
		CHECK(n != NULL);
		return;
	}
	CHECK_INT_EQ(n->mode, st.st_mode & 07777);
	if (S_ISDIR(st.st_mode)) {
		CHECK_INT_EQ(n->type, FG_NODE_DIR);
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t k = readlink(p, target, sizeof(target) - 1);
		REQUIRE(k >= 0);
		target[k] = '\0';
		CHECK_INT_EQ(n->type, FG_NODE_SYMLINK);
		CHECK_STR_EQ(n->link_target, target);
		return;
	}
	size_t len = 0;
	uint8_t *want = st.st_size ? read_whole(p, &len) : NULL;
	CHECK_INT_EQ(n->type, FG_NODE_FILE);
	CHECK(same_bytes(n, want, (size_t)st.st_size));
	free(want);
}

TEST(corpus_cam_b_ubi)
{
	char p[PATH_MAX];
	fmt(p, sizeof(p), "%s/images/cam-b_ubi.img", corpus_dir());
	if (access(p, R_OK) != 0) {
		printf("corpus image %s absent: skipped\n", p);
		return;
	}
	size_t len;
	uint8_t *img = read_whole(p, &len);
	REQUIRE(img != NULL);
	run r;
	run_engine(&r, img, len, NULL);
	REQUIRE(r.root != NULL);
	CHECK_STR_EQ(r.root->format, "ubi");
	char info[64];
	snprintf(info, sizeof(info), "peb %ld, 1 volume", truth_value("\"peb_size\": ", 131072));
	CHECK_STR_EQ(r.root->format_info, info);
	CHECK_INT_EQ(r.root->src_length, len);
	fg_node *vol = at(r.root, "rootfs");
	REQUIRE(vol != NULL);
	/* 2 KiB pages: data starts two pages into each 128 KiB PEB */
	long peb = truth_value("\"peb_size\": ", 131072), io = truth_value("\"min_io_size\": ", 2048);
	CHECK_INT_EQ(vol->data_len % (size_t)(peb - 2 * io), 0);
	fg_node *fs = fs_of(vol, "ubifs");
	REQUIRE(fs != NULL);
	CHECK_STR_EQ(fs->format_info, "lzo");
	counts c = count_tree(fs);
	CHECK_INT_EQ(c.files, truth_value("\"regular_files\": ", 171));
	CHECK_INT_EQ(c.links, truth_value("\"symlinks\": ", 320));
	CHECK_INT_EQ(c.dirs, truth_value("\"directories\": ", 78));
	CHECK_INT_EQ(c.devs, truth_value("\"device_nodes\": ", 2));
	CHECK(!(fs->flags & FG_NODE_TRUNCATED));
	compare_staged(fs, "etc/shadow");
	compare_staged(fs, "etc/passwd");
	compare_staged(fs, "bin/busybox");
	compare_staged(fs, "etc/lighttpd/server.pem");
	compare_staged(fs, "bin/sh");
	compare_staged(fs, "tmp");
	check_device(fs, "dev/console", FG_NODE_CHR, 5, 1);
	check_device(fs, "dev/null", FG_NODE_CHR, 1, 3);
	if (r.diags.items.n)
		dump_diags(&r);
	CHECK_INT_EQ(r.diags.items.n, 0);
	run_free(&r);
	free(img);
}

/* ---- hostile UBIFS images ------------------------------------------------ */

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }
static void put_le32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put_le64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static void put_be32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (24 - 8 * i)); }

static uint32_t ubi_crc(const uint8_t *p, size_t n)
{
	return (uint32_t)~crc32(0, p, (uInt)n);
}

static void fix_node_crc(uint8_t *node)
{
	put_le32(node + 4, ubi_crc(node + 8, le32(node + 16) - 8));
}

#define LEB 126976u

/* Every valid UBIFS node, in image order. */
typedef struct node_list {
	size_t off[20000];
	size_t n;
} node_list;

static void list_nodes(const uint8_t *img, size_t len, node_list *nl)
{
	nl->n = 0;
	for (size_t off = 0; off + 24 <= len && nl->n < 20000; off += 8) {
		if (le32(img + off) != 0x06101831)
			continue;
		uint32_t l = le32(img + off + 16);
		if (l < 24 || l > len - off || (off % LEB) + l > LEB)
			continue;
		if (ubi_crc(img + off + 8, l - 8) != le32(img + off + 4))
			continue;
		nl->off[nl->n++] = off;
		off += ((l + 7) & ~7u) - 8;
	}
}

/* The directory-entry node named NAME, or NULL. */
static uint8_t *find_dent(uint8_t *img, const node_list *nl, const char *name)
{
	for (size_t i = 0; i < nl->n; i++) {
		uint8_t *n = img + nl->off[i];
		if (n[20] == 2 && (size_t)(n[50] | n[51] << 8) == strlen(name) && !memcmp(n + 56, name, strlen(name)))
			return n;
	}
	return NULL;
}

static uint8_t *find_ino_node(uint8_t *img, const node_list *nl, uint64_t inum)
{
	for (size_t i = 0; i < nl->n; i++) {
		uint8_t *n = img + nl->off[i];
		if (n[20] == 0 && le32(n + 24) == inum)
			return n;
	}
	return NULL;
}

/* The newest master node and the root index node it names. */
static uint8_t *find_master(uint8_t *img, const node_list *nl)
{
	uint8_t *best = NULL;
	for (size_t i = 0; i < nl->n; i++) {
		uint8_t *n = img + nl->off[i];
		if (n[20] == 7 && (!best || le64(n + 8) >= le64(best + 8)))
			best = n;
	}
	return best;
}

static uint8_t *root_index(uint8_t *img, uint8_t *mst)
{
	return img + (size_t)le32(mst + 48) * LEB + le32(mst + 52);
}

static uint8_t *hostile_base(const char *comp, size_t *len, node_list *nl)
{
	if (!have_tools())
		return NULL;
	uint8_t *img = build_ubifs(comp, NULL, len);
	if (img)
		list_nodes(img, *len, nl);
	return img;
}

static node_list g_nl;

/* A data node with a bad CRC is ignored: its block reads as zeros and the
 * file says it is incomplete; every other file is whole. */
TEST(ubifs_bad_crc_block)
{
	size_t len;
	uint8_t *img = hostile_base("none", &len, &g_nl);
	if (!img)
		return;
	uint8_t *marked = make_marked();
	/* block 1 ('B' lines) is stored raw: damage it */
	uint8_t *hit = memmem(img, len, marked + 4096, 4096);
	REQUIRE(hit != NULL);
	hit[100] ^= 0xff;
	run r;
	run_handler(&r, &fg_format_ubifs, img, len, NULL);
	fg_node *n = at(r.root, "data/marked");
	REQUIRE(n != NULL);
	CHECK_INT_EQ(n->size, MARKED_BLOCKS * 4096);
	REQUIRE(n->data_len == MARKED_BLOCKS * 4096);
	CHECK(!memcmp(n->data, marked, 4096));
	CHECK(!memcmp(n->data + 8192, marked + 8192, 4096));
	static const uint8_t zeros[4096];
	CHECK(!memcmp(n->data + 4096, zeros, 4096));
	CHECK(n->flags & FG_NODE_TRUNCATED);
	CHECK(diag_has(&r, "bad nodes"));
	check_file(r.root, "etc/passwd", PASSWD_TEXT, strlen(PASSWD_TEXT), 0644);
	run_free(&r);
	free(marked);
	free(img);
}

/* An inode node with a bad CRC: its names are skipped, nothing else. */
TEST(ubifs_bad_crc_inode)
{
	size_t len;
	uint8_t *img = hostile_base("lzo", &len, &g_nl);
	if (!img)
		return;
	uint8_t *d = find_dent(img, &g_nl, "passwd");
	REQUIRE(d != NULL);
	uint8_t *ino = find_ino_node(img, &g_nl, le64(d + 40));
	REQUIRE(ino != NULL);
	ino[60] ^= 1; /* atime: only the CRC notices */
	run r;
	run_handler(&r, &fg_format_ubifs, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(at(r.root, "etc/passwd") == NULL);
	CHECK(at(r.root, "etc/empty") != NULL);
	CHECK(diag_has(&r, "inode missing"));
	run_free(&r);
	free(img);
}

/* A branch of the root index node pointing back at the root. */
TEST(ubifs_index_loop)
{
	size_t len;
	uint8_t *img = hostile_base("lzo", &len, &g_nl);
	if (!img)
		return;
	uint8_t *mst = find_master(img, &g_nl);
	REQUIRE(mst != NULL);
	uint8_t *root = root_index(img, mst);
	REQUIRE(root[20] == 9);
	uint16_t cnt = (uint16_t)(root[24] | root[25] << 8);
	REQUIRE(cnt >= 2);
	uint32_t bsz = (le32(root + 16) - 28) / cnt;
	/* the last branch loops to the root itself */
	uint8_t *b = root + 28 + (size_t)(cnt - 1) * bsz;
	put_le32(b, le32(mst + 48));
	put_le32(b + 4, le32(mst + 52));
	put_le32(b + 8, le32(mst + 56));
	fix_node_crc(root);
	run r;
	run_handler(&r, &fg_format_ubifs, img, len, NULL);
	REQUIRE(r.root != NULL);
	CHECK(diag_has(&r, "index loop"));
	CHECK(r.root->nchildren > 0); /* the other branches still count */
	run_free(&r);

	/* every index node's first branch to the root: loops everywhere */
	for (size_t i = 0; i < g_nl.n; i++) {
		uint8_t *n = img + g_nl.off[i];
		if (n[20] != 9 || n == root)
			continue;
		put_le32(n + 28, le32(mst + 48));
		put_le32(n + 32, le32(mst + 52));
		put_le32(n + 36, le32(mst + 56));
		fix_node_crc(n);
	}
	run_handler(&r, &fg_format_ubifs, img, len, NULL);
	CHECK(diag_has(&r, "index loop"));
	run_free(&r);
	free(img);
}

/* A directory entry naming an ancestor directory, and one naming the
 * root: each directory is listed once, the walk ends. */
TEST(ubifs_dentry_cycle)
{
	size_t len;
	uint8_t *img = hostile_base("none", &len, &g_nl);
	if (!img)
		return;
	uint8_t *top = find_dent(img, &g_nl, "loop"), *leaf = find_dent(img, &g_nl, "cyc_leaf");
	uint8_t *mid = find_dent(img, &g_nl, "cyc_mid");
	REQUIRE(top && leaf && mid);
	put_le64(leaf + 40, le64(top + 40)); /* loop/cyc_mid/cyc_leaf -> loop */
	fix_node_crc(leaf);
	put_le64(mid + 40, 1);                /* loop/cyc_mid -> / */
	fix_node_crc(mid);
	run r;
	run_handler(&r, &fg_format_ubifs, img, len, NULL);
	REQUIRE(r.root != NULL);
	CHECK(diag_has(&r, "directory loop"));
	CHECK(at(r.root, "etc/passwd") != NULL);
	fg_node *m = at(r.root, "loop/cyc_mid");
	CHECK(m && m->type == FG_NODE_DIR && m->nchildren == 0);
	run_free(&r);
	free(img);
}

/* An inode claiming 1.5 GiB with one stored block, and one claiming
 * 2^62 bytes: neither allocates beyond what the image can justify. */
TEST(ubifs_huge_inode)
{
	size_t len;
	uint8_t *img = hostile_base("lzo", &len, &g_nl);
	if (!img)
		return;
	uint8_t *d = find_dent(img, &g_nl, "hugefile"), *d2 = find_dent(img, &g_nl, "empty");
	REQUIRE(d && d2);
	uint8_t *ino = find_ino_node(img, &g_nl, le64(d + 40));
	uint8_t *ino2 = find_ino_node(img, &g_nl, le64(d2 + 40));
	REQUIRE(ino && ino2);
	put_le64(ino + 48, 3ull << 29);
	fix_node_crc(ino);
	put_le64(ino2 + 48, 1ull << 62);
	fix_node_crc(ino2);
	fg_limits lim;
	fg_limits_default(&lim);
	lim.max_ratio = 100; /* a 1.6 MiB image may expand to 160 MiB */
	run r;
	run_handler(&r, &fg_format_ubifs, img, len, &lim);
	fg_node *n = at(r.root, "data/hugefile"), *e = at(r.root, "etc/empty");
	REQUIRE(n && e);
	CHECK_INT_EQ(n->size, 3ull << 29);
	CHECK(n->data_len <= 4096);
	CHECK(n->flags & FG_NODE_TRUNCATED);
	uint8_t *marked = make_marked();
	CHECK(n->data && !memcmp(n->data, marked, n->data_len));
	free(marked);
	CHECK_INT_EQ(e->size, 1ull << 62);
	CHECK_INT_EQ(e->data_len, 0);
	CHECK(e->flags & FG_NODE_TRUNCATED);
	CHECK(atomic_load(&r.budget.bytes) < (64u << 20));
	run_free(&r);
	free(img);
}

/* Superblock fields out of range. */
TEST(ubifs_absurd_super)
{
	size_t len;
	uint8_t *img = hostile_base("lzo", &len, &g_nl);
	if (!img)
		return;
	/* leb_cnt 2^32-1: the chunk is what is there, and it still unpacks */
	put_le32(img + 40, 0xffffffffu);
	fix_node_crc(img);
	uint64_t chunk = 0;
	CHECK(probe(&fg_format_ubifs, img, len, &chunk) >= FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(chunk, len);
	run r;
	run_handler(&r, &fg_format_ubifs, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	check_file(r.root, "etc/passwd", PASSWD_TEXT, strlen(PASSWD_TEXT), 0644);
	CHECK(diag_has(&r, "truncated"));
	run_free(&r);
	/* a LEB size of 8 bytes: refused */
	put_le32(img + 36, 8);
	fix_node_crc(img);
	CHECK(probe(&fg_format_ubifs, img, len, &chunk) < FG_CARVE_MIN_CONFIDENCE);
	run_handler(&r, &fg_format_ubifs, img, len, NULL);
	CHECK(r.rc < 0);
	run_free(&r);
	/* a bad superblock CRC: not carved */
	img[100] ^= 1;
	CHECK(probe(&fg_format_ubifs, img, len, &chunk) < FG_CARVE_MIN_CONFIDENCE);
	run_handler(&r, &fg_format_ubifs, img, len, NULL);
	CHECK(r.rc < 0);
	run_free(&r);
	free(img);
}

/* The master names a root of absurd length, or no master is left: the
 * nodes are found by scanning instead. */
TEST(ubifs_no_index)
{
	size_t len;
	uint8_t *img = hostile_base("zlib", &len, &g_nl);
	if (!img)
		return;
	for (size_t i = 0; i < g_nl.n; i++) {
		uint8_t *n = img + g_nl.off[i];
		if (n[20] == 7) {
			put_le32(n + 56, 0xfffffff0u);
			fix_node_crc(n);
		}
	}
	run r;
	run_handler(&r, &fg_format_ubifs, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(diag_has(&r, "scan"));
	check_file(r.root, "etc/passwd", PASSWD_TEXT, strlen(PASSWD_TEXT), 0644);
	uint8_t *want = make_random(BIG_SIZE, 1);
	check_file(r.root, "data/big", want, BIG_SIZE, 0644);
	free(want);
	run_free(&r);
	/* wipe the master area */
	memset(img + LEB, 0xff, 2 * LEB);
	run_handler(&r, &fg_format_ubifs, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(diag_has(&r, "no valid master"));
	check_file(r.root, "etc/passwd", PASSWD_TEXT, strlen(PASSWD_TEXT), 0644);
	run_free(&r);
	free(img);
}

/* Cut anywhere: never a crash, a truncated result. */
TEST(ubifs_truncated)
{
	size_t len;
	uint8_t *img = hostile_base("lzo", &len, &g_nl);
	if (!img)
		return;
	for (size_t cut = 100; cut < len; cut += len / 23 + 1) {
		uint8_t *copy = malloc(cut);
		REQUIRE(copy != NULL);
		memcpy(copy, img, cut); /* exact size, so ASan sees any overread */
		run r;
		run_handler(&r, &fg_format_ubifs, copy, cut, NULL);
		CHECK(r.rc < 0 || (r.root && (r.root->flags & FG_NODE_TRUNCATED)));
		run_free(&r);
		free(copy);
	}
	free(img);
}

/* Small budgets end the walk early without damage. */
TEST(ubifs_budget)
{
	size_t len;
	uint8_t *img = hostile_base("lzo", &len, &g_nl);
	if (!img)
		return;
	fg_limits lim;
	fg_limits_default(&lim);
	lim.max_total_bytes = 100000;
	run r;
	run_handler(&r, &fg_format_ubifs, img, len, &lim);
	CHECK(atomic_load(&r.budget.bytes) <= 100000);
	CHECK(diag_has(&r, "budget"));
	run_free(&r);
	fg_limits_default(&lim);
	lim.max_files = 5;
	run_handler(&r, &fg_format_ubifs, img, len, &lim);
	CHECK(count_tree(r.root).files + count_tree(r.root).dirs <= 5);
	CHECK(r.root && (r.root->flags & FG_NODE_TRUNCATED));
	run_free(&r);
	free(img);
}

/* Random changes inside nodes, their CRCs made good again, so the parser
 * sees hostile fields rather than just bad CRCs. */
static void fuzz_ubifs(const char *comp, uint32_t seed)
{
	size_t len;
	node_list *nl = malloc(sizeof(*nl));
	REQUIRE(nl != NULL);
	uint8_t *img = hostile_base(comp, &len, nl);
	if (!img) {
		free(nl);
		return;
	}
	uint8_t *work = malloc(len);
	REQUIRE(work != NULL);
	for (int iter = 0; iter < 400; iter++) {
		memcpy(work, img, len);
		int edits = 1 + (int)(seed % 4);
		for (int e = 0; e < edits; e++) {
			seed = seed * 1103515245u + 12345u;
			size_t off = nl->off[(seed >> 8) % nl->n];
			uint8_t *n = work + off;
			uint32_t nlen = le32(n + 16);
			seed = seed * 1103515245u + 12345u;
			size_t at_ = 16 + (seed >> 8) % (nlen > 16 ? nlen - 16 : 1);
			seed = seed * 1103515245u + 12345u;
			if (at_ >= 16 && at_ < 20)
				continue; /* keep the length: fix_node_crc trusts it */
			n[at_] = (seed >> 12) & 1 ? (uint8_t)(seed >> 16) : n[at_] ^ (uint8_t)(1u << ((seed >> 16) % 8));
			fix_node_crc(n);
		}
		run r;
		run_handler(&r, &fg_format_ubifs, work, len, NULL);
		run_free(&r);
	}
	free(work);
	free(img);
	free(nl);
}

TEST(ubifs_fuzz_none) { fuzz_ubifs("none", 1234); }
TEST(ubifs_fuzz_lzo) { fuzz_ubifs("lzo", 99); }
TEST(ubifs_fuzz_zstd) { fuzz_ubifs("zstd", 7); }

/* ---- hostile UBI images ------------------------------------------------- */

#define SMALL_PEB 16384u
#define SMALL_IO 512u

/* The small-PEB image: VID headers at 512, data at 1024. */
static uint8_t *small_ubi(size_t *len)
{
	if (!have_tools())
		return NULL;
	size_t fs_len;
	uint8_t *fs = NULL;
	uint8_t *img = build_two("lzo", SMALL_IO, SMALL_PEB, SMALL_IO, SMALL_PEB - 2 * SMALL_IO, len,
				 &fs, &fs_len);
	free(fs);
	return img;
}

static void fix_vid_crc(uint8_t *vid)
{
	put_be32(vid + 60, ubi_crc(vid, 60));
}

/* PEB index of LEB LNUM of volume VOL, or -1. */
static long find_peb(const uint8_t *img, size_t len, uint32_t vol, uint32_t lnum)
{
	for (size_t p = 0; p + SMALL_PEB <= len; p += SMALL_PEB) {
		const uint8_t *v = img + p + SMALL_IO;
		if (!memcmp(v, "UBI!", 4) && be32(v + 8) == vol && be32(v + 12) == lnum)
			return (long)(p / SMALL_PEB);
	}
	return -1;
}

/* Appends a copy of the PEB holding static LEB 1 of "raw", filled with
 * FILL and numbered SQNUM. */
static uint8_t *with_copy(const uint8_t *img, size_t len, uint8_t fill, uint64_t sqnum, size_t *out_len)
{
	long p = find_peb(img, len, 1, 1);
	if (p < 0)
		return NULL;
	uint8_t *o = malloc(len + SMALL_PEB);
	if (!o)
		return NULL;
	memcpy(o, img, len);
	uint8_t *peb = o + len;
	memcpy(peb, img + (size_t)p * SMALL_PEB, SMALL_PEB);
	uint8_t *vid = peb + SMALL_IO;
	uint32_t size = be32(vid + 20);
	memset(peb + 2 * SMALL_IO, fill, size);
	put_be32(vid + 32, ubi_crc(peb + 2 * SMALL_IO, size));
	put_be32(vid + 40, (uint32_t)(sqnum >> 32));
	put_be32(vid + 44, (uint32_t)sqnum);
	fix_vid_crc(vid);
	*out_len = len + SMALL_PEB;
	return o;
}

TEST(ubi_leb_twice)
{
	size_t len;
	uint8_t *img = small_ubi(&len);
	if (!img)
		return;
	const size_t usable = SMALL_PEB - 2 * SMALL_IO;
	/* a newer copy wins */
	size_t l2;
	uint8_t *newer = with_copy(img, len, 'Z', 1000, &l2);
	REQUIRE(newer != NULL);
	uint64_t chunk = 0;
	CHECK(probe(&fg_format_ubi, newer, l2, &chunk) >= FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(chunk, l2);
	run r;
	run_handler(&r, &fg_format_ubi, newer, l2, NULL);
	fg_node *raw = at(r.root, "raw");
	REQUIRE(raw && raw->data_len == RAW_SIZE);
	CHECK(!memcmp(raw->data, raw_bytes(), usable));
	CHECK(raw->data[usable] == 'Z' && raw->data[2 * usable - 1] == 'Z');
	CHECK(!memcmp(raw->data + 2 * usable, raw_bytes() + 2 * usable, RAW_SIZE - 2 * usable));
	run_free(&r);
	free(newer);
	/* an older copy (ubinize numbers everything 0: the tie keeps the
	 * first PEB) is ignored */
	uint8_t *older = with_copy(img, len, 'Y', 0, &l2);
	REQUIRE(older != NULL);
	run_handler(&r, &fg_format_ubi, older, l2, NULL);
	CHECK(same_bytes(at(r.root, "raw"), raw_bytes(), RAW_SIZE));
	run_free(&r);
	free(older);
	free(img);
}

/* Bad CRCs: a VID header is ignored (its LEB goes missing), a static
 * LEB's data CRC is reported, a damaged table copy falls back to the
 * other. */
TEST(ubi_bad_crc)
{
	size_t len;
	uint8_t *img = small_ubi(&len);
	if (!img)
		return;
	uint8_t *work = malloc(len);
	REQUIRE(work != NULL);
	long p = find_peb(img, len, 1, 0);
	REQUIRE(p >= 0);

	memcpy(work, img, len);
	work[(size_t)p * SMALL_PEB + SMALL_IO + 30] ^= 1;
	run r;
	run_handler(&r, &fg_format_ubi, work, len, NULL);
	fg_node *raw = at(r.root, "raw");
	REQUIRE(raw != NULL);
	CHECK(raw->flags & FG_NODE_TRUNCATED);
	CHECK(diag_has(&r, "bad CRC"));
	run_free(&r);

	memcpy(work, img, len);
	work[(size_t)p * SMALL_PEB + 2 * SMALL_IO + 10] ^= 1;
	run_handler(&r, &fg_format_ubi, work, len, NULL);
	CHECK(diag_has(&r, "CRC mismatch"));
	raw = at(r.root, "raw");
	CHECK(raw && raw->data_len == RAW_SIZE); /* kept, flagged */
	run_free(&r);

	/* the first volume-table copy damaged */
	memcpy(work, img, len);
	long t = find_peb(img, len, 0x7fffefff, 0);
	REQUIRE(t >= 0);
	work[(size_t)t * SMALL_PEB + 2 * SMALL_IO + 20] ^= 1;
	run_handler(&r, &fg_format_ubi, work, len, NULL);
	CHECK(at(r.root, "rootfs") != NULL);
	CHECK(same_bytes(at(r.root, "raw"), raw_bytes(), RAW_SIZE));
	run_free(&r);

	/* both copies gone: volumes named by id */
	long t1 = find_peb(img, len, 0x7fffefff, 1);
	REQUIRE(t1 >= 0);
	memset(work + (size_t)t * SMALL_PEB + SMALL_IO, 0xff, SMALL_PEB - SMALL_IO);
	memset(work + (size_t)t1 * SMALL_PEB + SMALL_IO, 0xff, SMALL_PEB - SMALL_IO);
	run_handler(&r, &fg_format_ubi, work, len, NULL);
	CHECK(at(r.root, "vol0") != NULL);
	CHECK(same_bytes(at(r.root, "vol1"), raw_bytes(), RAW_SIZE));
	CHECK(diag_has(&r, "no volume table"));
	run_free(&r);

	/* a bad first EC header: not carved, unpack says why */
	memcpy(work, img, len);
	work[10] ^= 1;
	uint64_t chunk = 0;
	CHECK(probe(&fg_format_ubi, work, len, &chunk) < FG_CARVE_MIN_CONFIDENCE);
	run_handler(&r, &fg_format_ubi, work, len, NULL);
	CHECK(r.rc < 0);
	run_free(&r);
	free(work);
	free(img);
}

/* Absurd VID fields: LEB numbers far past the image, used_ebs huge,
 * data_pad as large as the LEB, volume ids out of range. */
TEST(ubi_absurd_fields)
{
	size_t len;
	uint8_t *img = small_ubi(&len);
	if (!img)
		return;
	uint8_t *work = malloc(len);
	REQUIRE(work != NULL);
	static const struct { uint32_t vol, lnum; int field; uint32_t value; } cases[] = {
		{ 0, 3, 12, 0x7ffffff0u },  /* rootfs LEB 3 -> LEB 2^31 */
		{ 1, 0, 24, 0xffffffffu },  /* used_ebs */
		{ 1, 0, 20, 0xffffffffu },  /* data_size */
		{ 1, 0, 28, 0xffffffffu },  /* data_pad */
		{ 0, 0, 8, 5000 },          /* volume id out of range */
		{ 0, 1, 8, 127 },           /* a volume missing from the table */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(work, img, len);
		long p = find_peb(img, len, cases[i].vol, cases[i].lnum);
		REQUIRE(p >= 0);
		uint8_t *vid = work + (size_t)p * SMALL_PEB + SMALL_IO;
		put_be32(vid + cases[i].field, cases[i].value);
		fix_vid_crc(vid);
		run r;
		run_handler(&r, &fg_format_ubi, work, len, NULL);
		CHECK(r.root && r.root->nchildren >= 1);
		CHECK(atomic_load(&r.budget.bytes) <= 2 * (uint64_t)len + (1u << 20));
		run_free(&r);
	}
	/* the volume table: a volume of 2^32-1 PEBs, data_pad past the LEB */
	long t = find_peb(img, len, 0x7fffefff, 0);
	REQUIRE(t >= 0);
	memcpy(work, img, len);
	uint8_t *rec = work + (size_t)t * SMALL_PEB + 2 * SMALL_IO;
	put_be32(rec, 0xffffffffu);
	put_be32(rec + 172 + 8, 0xfffffff0u);
	put_be32(rec + 168, ubi_crc(rec, 168));
	put_be32(rec + 172 + 168, ubi_crc(rec + 172, 168));
	run r;
	run_handler(&r, &fg_format_ubi, work, len, NULL);
	CHECK(r.root != NULL);
	CHECK(atomic_load(&r.budget.bytes) <= 2 * (uint64_t)len + (1u << 20));
	run_free(&r);
	free(work);
	free(img);
}

TEST(ubi_truncated)
{
	size_t len;
	uint8_t *img = small_ubi(&len);
	if (!img)
		return;
	for (size_t cut = 64; cut < len; cut += len / 17 + 3) {
		uint8_t *copy = malloc(cut);
		REQUIRE(copy != NULL);
		memcpy(copy, img, cut);
		uint64_t chunk = 0;
		if (probe(&fg_format_ubi, copy, cut, &chunk) > 0)
			CHECK(chunk <= cut);
		run r;
		run_engine(&r, copy, cut, NULL);
		run_free(&r);
		run_handler(&r, &fg_format_ubi, copy, cut, NULL);
		CHECK(r.rc < 0 || (r.root && r.root->nchildren >= 1));
		run_free(&r);
		free(copy);
	}
	free(img);
}

/* Random VID and volume-table changes with good CRCs. */
TEST(ubi_fuzz)
{
	size_t len;
	uint8_t *img = small_ubi(&len);
	if (!img)
		return;
	uint8_t *work = malloc(len);
	REQUIRE(work != NULL);
	uint32_t seed = 4242;
	size_t npebs = len / SMALL_PEB;
	for (int iter = 0; iter < 300; iter++) {
		memcpy(work, img, len);
		for (int e = 0; e < 3; e++) {
			seed = seed * 1103515245u + 12345u;
			uint8_t *peb = work + ((seed >> 8) % npebs) * SMALL_PEB;
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 9) % 3 == 0) {
				/* a volume-table record */
				uint8_t *rec = peb + 2 * SMALL_IO + ((seed >> 12) % 3) * 172;
				rec[(seed >> 16) % 168] ^= (uint8_t)(1u << ((seed >> 4) % 8));
				put_be32(rec + 168, ubi_crc(rec, 168));
			} else {
				uint8_t *vid = peb + SMALL_IO;
				vid[4 + (seed >> 16) % 44] = (uint8_t)(seed >> 3);
				fix_vid_crc(vid);
			}
		}
		run r;
		run_handler(&r, &fg_format_ubi, work, len, NULL);
		if (r.root)
			CHECK(atomic_load(&r.budget.bytes) <= 2 * (uint64_t)len + (1u << 20));
		run_free(&r);
	}
	free(work);
	free(img);
}

/* Erased (all 0xff) PEBs inside the image belong to it; past the last
 * used PEB they do not. */
TEST(ubi_erased_pebs)
{
	size_t len;
	uint8_t *img = small_ubi(&len);
	if (!img)
		return;
	size_t tail = 4 * SMALL_PEB;
	uint8_t *work = malloc(len + tail);
	REQUIRE(work != NULL);
	memcpy(work, img, len);
	memset(work + len, 0xff, tail);
	/* an erased PEB in the middle: an unmapped LEB of rootfs */
	long p = find_peb(img, len, 0, 5);
	REQUIRE(p >= 0);
	memset(work + (size_t)p * SMALL_PEB, 0xff, SMALL_PEB);
	/* a damaged EC header (bad CRC) in the middle: the PEB still counts,
	 * its VID header still maps it */
	long q = find_peb(img, len, 0, 6);
	REQUIRE(q >= 0);
	work[(size_t)q * SMALL_PEB + 9] ^= 0x40;
	uint64_t chunk = 0;
	CHECK(probe(&fg_format_ubi, work, len + tail, &chunk) >= FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(chunk, len);
	run r;
	run_handler(&r, &fg_format_ubi, work, len + tail, NULL);
	fg_node *vol = at(r.root, "rootfs");
	REQUIRE(vol && vol->data);
	const size_t usable = SMALL_PEB - 2 * SMALL_IO;
	CHECK(vol->data[5 * usable] == 0xff && vol->data[6 * usable - 1] == 0xff);
	CHECK(!memcmp(vol->data + 6 * usable, img + (size_t)q * SMALL_PEB + 2 * SMALL_IO, usable));
	CHECK(same_bytes(at(r.root, "raw"), raw_bytes(), RAW_SIZE));
	run_free(&r);
	/* the damaged header is PEB 1's: the PEB size is still found */
	memcpy(work, img, len);
	work[SMALL_PEB + 9] ^= 0x40;
	CHECK(probe(&fg_format_ubi, work, len, &chunk) >= FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(chunk, len);
	run_handler(&r, &fg_format_ubi, work, len, NULL);
	CHECK_STR_EQ(r.root->format_info, "peb 16384, 2 volumes");
	CHECK(same_bytes(at(r.root, "raw"), raw_bytes(), RAW_SIZE));
	run_free(&r);
	free(work);
	free(img);
}

int main(void)
{
	int rc = RUN_TESTS();
	free(g_raw);
	return rc;
}
