/*
 * test_archive.c - the tar and cpio handlers.
 *
 * Real archives are made at test time with GNU tar and GNU cpio from a
 * staged directory, then every node that comes out is compared with what
 * was staged. Hostile cases are built byte by byte (ustar and newc
 * headers are simple enough), so each one says exactly what it tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/diag.h"
#include "core/limits.h"
#include "core/tree.h"
#include "test.h"
#include "unpack/engine.h"
#include "unpack/format.h"

extern const fg_format fg_format_tar;
extern const fg_format fg_format_cpio;

#define MTIME 1700000000
#define OWNER 1000

/* ---- helpers -------------------------------------------------------- */

static char workdir[1024];   /* per-run scratch directory */
static char stage[1100];     /* the staged tree */
static bool as_root;

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096];
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

static void write_file(const char *path, const char *content, mode_t mode)
{
	FILE *f = fopen(path, "wb");
	if (f) {
		fputs(content, f);
		fclose(f);
	}
	chmod(path, mode);
}

/* A growable byte buffer for hand-built archives. */
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

static void put_zeros(bytes *b, size_t len)
{
	static const uint8_t z[512];
	while (len) {
		size_t k = len < sizeof(z) ? len : sizeof(z);
		put(b, z, k);
		len -= k;
	}
}

/* One unpack run: tree, budget, diagnostics. */
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

/* The node at PATH without following any link (unlike fg_tree_lookup). */
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

typedef struct counter {
	size_t nodes;
	size_t truncated;
} counter;

static bool count_node(fg_node *n, void *ud)
{
	counter *c = ud;
	c->nodes++;
	if (n->flags & FG_NODE_TRUNCATED)
		c->truncated++;
	return true;
}

/* ---- hand-built ustar ------------------------------------------------ */

typedef struct tar_hdr {
	uint8_t h[512];
} tar_hdr;

/* An octal field of LEN bytes: LEN-1 digits and a NUL. */
static void tar_field(tar_hdr *t, size_t off, size_t len, unsigned long long v)
{
	char tmp[32];
	snprintf(tmp, sizeof(tmp), "%0*llo", (int)(len - 1), v);
	memcpy(t->h + off, tmp, strlen(tmp) < len ? strlen(tmp) : len);
}

static void tar_init(tar_hdr *t, const char *name, char type, unsigned long long size,
		     const char *linkname)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->h, name, strlen(name) < 100 ? strlen(name) : 100);
	tar_field(t, 100, 8, type == '5' ? 0755 : 0644);
	tar_field(t, 108, 8, 0);
	tar_field(t, 116, 8, 0);
	tar_field(t, 124, 12, size);
	tar_field(t, 136, 12, MTIME);
	t->h[156] = (uint8_t)type;
	if (linkname)
		memcpy(t->h + 157, linkname, strlen(linkname) < 100 ? strlen(linkname) : 100);
	memcpy(t->h + 257, "ustar", 6);
	memcpy(t->h + 263, "00", 2);
}

static void tar_seal(tar_hdr *t)
{
	memset(t->h + 148, ' ', 8);
	unsigned sum = 0;
	for (size_t i = 0; i < 512; i++)
		sum += t->h[i];
	char tmp[16];
	snprintf(tmp, sizeof(tmp), "%06o", sum);
	memcpy(t->h + 148, tmp, 6);
	t->h[154] = '\0';
	t->h[155] = ' ';
}

static void tar_put_hdr(bytes *b, tar_hdr *t, const void *data, size_t len)
{
	tar_seal(t);
	put(b, t->h, 512);
	put(b, data, len);
	if (len % 512)
		put_zeros(b, 512 - len % 512);
}

static void tar_add(bytes *b, const char *name, char type, const char *content, const char *linkname)
{
	tar_hdr t;
	size_t len = content ? strlen(content) : 0;
	tar_init(&t, name, type, len, linkname);
	tar_put_hdr(b, &t, content, len);
}

static void tar_end(bytes *b)
{
	put_zeros(b, 1024);
}

/* ---- hand-built newc cpio ------------------------------------------- */

typedef struct newc_ent {
	const char *name;
	unsigned mode, ino, nlink, uid, gid, mtime, rmaj, rmin;
	const char *data;
	size_t data_len;   /* when data is binary; else strlen */
} newc_ent;

static void newc_add(bytes *b, const newc_ent *e)
{
	size_t start = b->n;
	size_t dlen = e->data ? (e->data_len ? e->data_len : strlen(e->data)) : 0;
	size_t nlen = strlen(e->name) + 1;
	char h[160];
	snprintf(h, sizeof(h), "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		 e->ino, e->mode, e->uid, e->gid, e->nlink ? e->nlink : 1, e->mtime, dlen, 0u, 0u,
		 e->rmaj, e->rmin, nlen, 0u);
	put(b, h, 110);
	put(b, e->name, nlen);
	put_zeros(b, (4 - (b->n - start) % 4) % 4);
	put(b, e->data, dlen);
	put_zeros(b, (4 - dlen % 4) % 4);
}

static void newc_end(bytes *b)
{
	newc_ent t = { .name = "TRAILER!!!" };
	newc_add(b, &t);
}

/* ---- the staged tree ------------------------------------------------ */

enum { ANY = 0, SPECIAL = 1, DEVICE = 2 };

typedef struct expect {
	const char *path;
	fg_node_type type;
	unsigned mode;
	const char *content;  /* files: the content; links: the target */
	unsigned major, minor;
	int needs;            /* SPECIAL: fifo (not in v7); DEVICE: needs root */
} expect;

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n";
static const char su[] = "#!/bin/sh\necho su\n";
static const char linked[] = "linked content\n";
static const char libso[] = "\177ELF fake library\n";

static const expect staged[] = {
	{ "", FG_NODE_DIR, 0751, NULL, 0, 0, ANY },
	{ "bin", FG_NODE_DIR, 0755, NULL, 0, 0, ANY },
	{ "bin/su", FG_NODE_FILE, 04755, su, 0, 0, ANY },
	{ "data", FG_NODE_DIR, 0755, NULL, 0, 0, ANY },
	{ "data/a", FG_NODE_FILE, 0644, linked, 0, 0, ANY },
	{ "data/b", FG_NODE_HARDLINK, 0644, "data/a", 0, 0, ANY },
	{ "dev", FG_NODE_DIR, 0755, NULL, 0, 0, DEVICE },
	{ "dev/null", FG_NODE_CHR, 0666, NULL, 1, 3, DEVICE },
	{ "dev/sda", FG_NODE_BLK, 0660, NULL, 8, 0, DEVICE },
	{ "empty", FG_NODE_FILE, 0644, "", 0, 0, ANY },
	{ "etc", FG_NODE_DIR, 0755, NULL, 0, 0, ANY },
	{ "etc/passwd", FG_NODE_FILE, 0644, passwd, 0, 0, ANY },
	{ "lib", FG_NODE_DIR, 0755, NULL, 0, 0, ANY },
	{ "lib/nested", FG_NODE_DIR, 0750, NULL, 0, 0, ANY },
	{ "lib/nested/deep", FG_NODE_DIR, 0700, NULL, 0, 0, ANY },
	{ "lib/nested/deep/lib.so", FG_NODE_FILE, 0600, libso, 0, 0, ANY },
	{ "pipe", FG_NODE_FIFO, 0640, NULL, 0, 0, SPECIAL },
	{ "tmp", FG_NODE_DIR, 01777, NULL, 0, 0, ANY },
	{ "usr", FG_NODE_DIR, 0755, NULL, 0, 0, ANY },
	{ "usr/bin", FG_NODE_DIR, 0755, NULL, 0, 0, ANY },
	{ "usr/bin/sh", FG_NODE_SYMLINK, 0777, "/bin/busybox", 0, 0, ANY },
};
#define NSTAGED (sizeof(staged) / sizeof(staged[0]))

static bool staged_present(const expect *e, bool v7)
{
	if (e->needs == DEVICE)
		return as_root && !v7;
	if (e->needs == SPECIAL)
		return !v7;
	return true;
}

static void stage_path(char *buf, size_t cap, const char *rel)
{
	snprintf(buf, cap, "%s/%s", stage, rel);
}

static bool make_stage(void)
{
	char p[2048], q[2048];
	if (mkdir(stage, 0755) != 0)
		return false;
	for (size_t i = 0; i < NSTAGED; i++) {
		const expect *e = &staged[i];
		if (e->needs == DEVICE && !as_root)
			continue;
		stage_path(p, sizeof(p), e->path);
		switch (e->type) {
		case FG_NODE_DIR:
			if (e->path[0])
				mkdir(p, 0700);
			break;
		case FG_NODE_FILE:
			write_file(p, e->content, 0600);
			break;
		case FG_NODE_HARDLINK:
			stage_path(q, sizeof(q), e->content);
			if (link(q, p) != 0)
				return false;
			break;
		case FG_NODE_SYMLINK:
			if (symlink(e->content, p) != 0)
				return false;
			break;
		case FG_NODE_FIFO:
			if (mkfifo(p, 0600) != 0)
				return false;
			break;
		case FG_NODE_CHR:
		case FG_NODE_BLK:
			if (mknod(p, (e->type == FG_NODE_CHR ? S_IFCHR : S_IFBLK) | 0600,
				  makedev(e->major, e->minor)) != 0)
				return false;
			break;
		default:
			break;
		}
	}
	/* modes after creation (umask-proof), times last: creating children
	 * changes a directory's mtime */
	for (size_t i = 0; i < NSTAGED; i++) {
		const expect *e = &staged[i];
		if ((e->needs == DEVICE && !as_root) || e->type == FG_NODE_SYMLINK ||
		    e->type == FG_NODE_HARDLINK)
			continue;
		stage_path(p, sizeof(p), e->path);
		if (chmod(p, e->mode) != 0)
			return false;
	}
	return sh("find '%s' -exec touch -h -d @%d {} +", stage, MTIME) == 0;
}

/* Compares every node under ROOT with the staged table. */
static void check_staged_tree(fg_node *root, bool v7, const char *what)
{
	size_t want = 0;
	for (size_t i = 0; i < NSTAGED; i++) {
		const expect *e = &staged[i];
		if (!staged_present(e, v7))
			continue;
		want++;
		fg_node *n = node_at(root, e->path);
		if (!n) {
			fprintf(stderr, "%s: missing %s\n", what, e->path);
			CHECK(n != NULL);
			continue;
		}
		if (n->type != e->type || n->mode != e->mode)
			fprintf(stderr, "%s: %s: type %s mode %o\n", what, e->path,
				fg_node_type_name(n->type), n->mode);
		CHECK_INT_EQ(n->type, e->type);
		CHECK_INT_EQ(n->mode, e->mode);
		CHECK_INT_EQ(n->uid, OWNER);
		CHECK_INT_EQ(n->gid, OWNER);
		CHECK_INT_EQ(n->mtime, MTIME);
		CHECK(!(n->flags & FG_NODE_TRUNCATED));
		CHECK(n->note == NULL);
		CHECK(n->unpacked == NULL);
		switch (e->type) {
		case FG_NODE_FILE:
			CHECK(has_content(n, e->content));
			CHECK(n->link_target == NULL);
			break;
		case FG_NODE_HARDLINK: {
			CHECK_STR_EQ(n->link_target, e->content);
			CHECK_INT_EQ(n->size, 0);
			CHECK(n->data == NULL && n->data_len == 0);
			CHECK(has_content(fg_node_content(n), linked));
			break;
		}
		case FG_NODE_SYMLINK:
			CHECK_STR_EQ(n->link_target, e->content);
			CHECK_INT_EQ(n->size, strlen(e->content));
			CHECK(n->data == NULL);
			break;
		default:
			CHECK_INT_EQ(n->size, 0);
			CHECK(n->data == NULL && n->data_len == 0);
			CHECK(n->link_target == NULL);
			break;
		}
		CHECK_INT_EQ(n->dev_major, e->major);
		CHECK_INT_EQ(n->dev_minor, e->minor);
	}
	counter c = { 0, 0 };
	fg_tree_walk(root, count_node, &c);
	if (c.nodes != want)
		fprintf(stderr, "%s: %zu nodes, want %zu\n", what, c.nodes, want);
	CHECK_INT_EQ(c.nodes, want);
	CHECK_INT_EQ(c.truncated, 0);
	CHECK(node_at(root, "TRAILER!!!") == NULL);
}

/* Makes an archive of the staged tree with COMMAND (run inside the stage
 * directory, output to OUT) and returns its bytes. */
static uint8_t *make_archive(const char *out, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static uint8_t *make_archive(const char *out, size_t *len, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (sh("cd '%s' && (%s) > '%s' 2>/dev/null", stage, cmd, out) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		return NULL;
	}
	return slurp(out, len);
}

static uint8_t *make_tar(const char *format, size_t *len)
{
	char out[1200];
	snprintf(out, sizeof(out), "%s/staged-%s.tar", workdir, format);
	bool v7 = strcmp(format, "v7") == 0;
	return make_archive(out, len,
			    "tar --format=%s --owner=%d --group=%d --mtime=@%d --sort=name %s -cf - .",
			    format, OWNER, OWNER, MTIME, v7 ? "--exclude=./pipe --exclude=./dev" : "");
}

static uint8_t *make_cpio(const char *format, size_t *len)
{
	char out[1200];
	snprintf(out, sizeof(out), "%s/staged-%s.cpio", workdir, format);
	/* renumbered inodes: odc and bin truncate real ones, which could
	 * make unrelated files look linked */
	return make_archive(out, len,
			    "find . | LC_ALL=C sort | cpio --quiet -o -H %s -R %d:%d --renumber-inodes",
			    format, OWNER, OWNER);
}

/* ---- setup: must run first ------------------------------------------ */

TEST(setup)
{
	if (sh("command -v tar >/dev/null 2>&1") != 0 || sh("command -v cpio >/dev/null 2>&1") != 0) {
		fprintf(stderr, "tar or cpio missing: skipping\n");
		exit(77);
	}
	const char *base = getenv("FG_TEST_TMP");
	if (!base || !*base)
		base = "/tmp";
	sh("mkdir -p '%s'", base);
	snprintf(workdir, sizeof(workdir), "%s/archive-XXXXXX", base);
	REQUIRE(mkdtemp(workdir) != NULL);
	snprintf(stage, sizeof(stage), "%s/stage", workdir);
	/* device nodes need root (and CAP_MKNOD, which containers may drop) */
	char probe[1200];
	snprintf(probe, sizeof(probe), "%s/mknod-probe", workdir);
	as_root = geteuid() == 0 && mknod(probe, S_IFCHR | 0600, makedev(1, 3)) == 0;
	unlink(probe);
	if (!as_root)
		fprintf(stderr, "not root: device nodes not staged\n");
	umask(022);
	REQUIRE(make_stage());
}

/* ---- round trips ---------------------------------------------------- */

static void tar_round_trip(const char *format, const char *variant)
{
	size_t len = 0;
	uint8_t *data = make_tar(format, &len);
	REQUIRE(data != NULL);
	bool v7 = strcmp(format, "v7") == 0;
	CHECK_INT_EQ(fg_format_tar.probe(data, len, &(uint64_t){0}), v7 ? 40 : 70);
	CHECK_INT_EQ(fg_format_cpio.probe(data, len, &(uint64_t){0}), 0);
	run r;
	run_unpack(&r, &fg_format_tar, data, len);
	CHECK_INT_EQ(r.rc, 0);
	if (r.root) {
		check_staged_tree(r.root, v7, format);
		CHECK_STR_EQ(r.root->format, "tar");
		CHECK_STR_EQ(r.root->format_info, variant);
		/* claimed: through the two zero blocks; the record padding
		 * GNU tar adds after them is zeros nobody needs */
		uint64_t end = r.root->src_length;
		CHECK(end % 512 == 0 && end >= 1024 && end <= len);
		for (uint64_t i = end - 1024; i < len; i++)
			if (data[i]) {
				CHECK(data[i] == 0);
				break;
			}
		CHECK(end == len || len % 10240 == 0);
		CHECK(!(r.root->flags & FG_NODE_TRUNCATED));
	}
	CHECK_INT_EQ(r.diags.items.n, 0);
	run_free(&r);
	free(data);
}

TEST(tar_gnu) { tar_round_trip("gnu", "gnu"); }
TEST(tar_ustar) { tar_round_trip("ustar", "ustar"); }
TEST(tar_pax) { tar_round_trip("pax", "pax"); }
TEST(tar_v7) { tar_round_trip("v7", "v7"); }

/* Where the cpio trailer record ends, from the raw bytes. */
static size_t trailer_end(const uint8_t *data, size_t len, unsigned align)
{
	const uint8_t *t = memmem(data, len, "TRAILER!!!", 11);
	if (!t)
		return 0;
	size_t end = (size_t)(t - data) + 11;
	return (end + align - 1) / align * align;
}

static void cpio_round_trip(const char *format, const char *variant, unsigned align)
{
	size_t len = 0;
	uint8_t *data = make_cpio(format, &len);
	REQUIRE(data != NULL);
	CHECK_INT_EQ(fg_format_cpio.probe(data, len, &(uint64_t){0}), strcmp(format, "bin") ? 80 : 50);
	CHECK_INT_EQ(fg_format_tar.probe(data, len, &(uint64_t){0}), 0);
	run r;
	run_unpack(&r, &fg_format_cpio, data, len);
	CHECK_INT_EQ(r.rc, 0);
	if (r.root) {
		check_staged_tree(r.root, false, format);
		CHECK_STR_EQ(r.root->format, "cpio");
		CHECK_STR_EQ(r.root->format_info, variant);
		CHECK_INT_EQ(r.root->src_length, trailer_end(data, len, align));
		CHECK(!(r.root->flags & FG_NODE_TRUNCATED));
	}
	CHECK_INT_EQ(r.diags.items.n, 0);
	run_free(&r);
	free(data);
}

TEST(cpio_newc) { cpio_round_trip("newc", "newc", 4); }
TEST(cpio_crc) { cpio_round_trip("crc", "crc", 4); }
TEST(cpio_odc) { cpio_round_trip("odc", "odc", 1); }
TEST(cpio_bin)
{
	uint16_t probe = 1;
	bool le = *(uint8_t *)&probe == 1;
	cpio_round_trip("bin", le ? "bin-le" : "bin-be", 2);
}

/* GNU sparse files (old GNU 'S' headers, and pax 1.0): holes come back as
 * zeros, and the declared size is honoured although little is stored. */
static void sparse_round_trip(const char *format)
{
	char dir[1200], out[1300];
	snprintf(dir, sizeof(dir), "%s/sparse-%s", workdir, format);
	snprintf(out, sizeof(out), "%s.tar", dir);
	REQUIRE(sh("mkdir -p '%s' && truncate -s 1M '%s/holes' && printf 'middle' |"
		   " dd of='%s/holes' bs=1 seek=524288 conv=notrunc status=none", dir, dir, dir) == 0);
	REQUIRE(sh("tar --format=%s --sparse -C '%s' -cf '%s' holes", format, dir, out) == 0);
	size_t len = 0;
	uint8_t *data = slurp(out, &len);
	REQUIRE(data != NULL);
	run r;
	run_unpack(&r, &fg_format_tar, data, len);
	CHECK_INT_EQ(r.rc, 0);
	fg_node *n = r.root ? node_at(r.root, "holes") : NULL;
	CHECK(n != NULL);
	if (n) {
		CHECK_INT_EQ(n->type, FG_NODE_FILE);
		CHECK_INT_EQ(n->size, 1 << 20);
		CHECK_INT_EQ(n->data_len, 1 << 20);
		CHECK(!(n->flags & FG_NODE_TRUNCATED));
		if (n->data_len == 1 << 20) {
			CHECK(memcmp(n->data + 524288, "middle", 6) == 0);
			CHECK(n->data[0] == 0 && n->data[524287] == 0 && n->data[(1 << 20) - 1] == 0);
		}
	}
	run_free(&r);
	free(data);
}

TEST(tar_sparse_gnu) { sparse_round_trip("gnu"); }
TEST(tar_sparse_pax) { sparse_round_trip("pax"); }

/* Names are bytes: UTF-8 and invalid UTF-8 alike come through unchanged,
 * without a note (pax stores them as UTF-8, which the C locale cannot
 * represent: libarchive warns but keeps the bytes). */
TEST(tar_pax_byte_names)
{
	char dir[1200], out[1300];
	snprintf(dir, sizeof(dir), "%s/names", workdir);
	snprintf(out, sizeof(out), "%s.tar", dir);
	REQUIRE(sh("mkdir -p '%s' && printf x > '%s/caf\303\251' && printf y > '%s/bad\377'",
		   dir, dir, dir) == 0);
	REQUIRE(sh("tar --format=pax -C '%s' -cf '%s' .", dir, out) == 0);
	size_t len = 0;
	uint8_t *data = slurp(out, &len);
	REQUIRE(data != NULL);
	run r;
	run_unpack(&r, &fg_format_tar, data, len);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	CHECK(has_content(node_at(r.root, "caf\303\251"), "x"));
	CHECK(has_content(node_at(r.root, "bad\377"), "y"));
	CHECK(!(r.root->flags & FG_NODE_TRUNCATED));
	CHECK_INT_EQ(r.diags.items.n, 0);
	run_free(&r);
	free(data);
}

/* Through the engine: gzip layer first, then tar inside it. */
TEST(engine_tar_gz)
{
	char out[1200];
	snprintf(out, sizeof(out), "%s/fw.tar.gz", workdir);
	REQUIRE(sh("tar --format=gnu --owner=%d --group=%d --mtime=@%d --sort=name -C '%s' -czf '%s' .",
		   OWNER, OWNER, MTIME, stage, out) == 0);
	fg_tree tree;
	fg_tree_init(&tree);
	char err[256];
	REQUIRE(fg_unpack_load(&tree, out, err, sizeof(err)) == 0);
	fg_limits lim;
	fg_limits_default(&lim);
	fg_budget b;
	fg_budget_init(&b, &lim);
	fg_diag_list d;
	fg_diag_init(&d);
	fg_unpack_all(&tree, &b, &d, 2, NULL);
	fg_node *gz = tree.root->unpacked;
	CHECK(gz && gz->format && strcmp(gz->format, "gzip") == 0);
	fg_node *tarfile = gz && gz->nchildren == 1 ? gz->children[0] : NULL;
	CHECK(tarfile != NULL);
	fg_node *tr = tarfile ? tarfile->unpacked : NULL;
	CHECK(tr != NULL);
	if (tr) {
		CHECK_STR_EQ(tr->format, "tar");
		check_staged_tree(tr, false, "engine");
	}
	fg_diag_free(&d);
	fg_tree_free(&tree);
}

/* ---- probes --------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

TEST(probe_rejects_random)
{
	uint8_t buf[4096];
	for (int round = 0; round < 2000; round++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)rnd();
		if (round & 1)
			memcpy(buf + 257, "ustar", 5); /* magic alone is not enough */
		CHECK_INT_EQ(fg_format_tar.probe(buf, sizeof(buf), &(uint64_t){0}), 0);
		CHECK_INT_EQ(fg_format_cpio.probe(buf, sizeof(buf), &(uint64_t){0}), 0);
	}
	memset(buf, 0, sizeof(buf));
	CHECK_INT_EQ(fg_format_tar.probe(buf, sizeof(buf), &(uint64_t){0}), 0);
	CHECK_INT_EQ(fg_format_cpio.probe(buf, sizeof(buf), &(uint64_t){0}), 0);
	CHECK_INT_EQ(fg_format_tar.probe(buf, 0, &(uint64_t){0}), 0);
	CHECK_INT_EQ(fg_format_cpio.probe(buf, 0, &(uint64_t){0}), 0);
	/* cpio magics followed by junk */
	memcpy(buf, "070701zz", 8);
	CHECK_INT_EQ(fg_format_cpio.probe(buf, sizeof(buf), &(uint64_t){0}), 0);
	memcpy(buf, "07070799", 8);
	CHECK_INT_EQ(fg_format_cpio.probe(buf, sizeof(buf), &(uint64_t){0}), 0);
	memset(buf, 0, 64);
	buf[0] = 0xc7;
	buf[1] = 0x71;
	CHECK_INT_EQ(fg_format_cpio.probe(buf, sizeof(buf), &(uint64_t){0}), 0); /* no name, no type */
}

TEST(probe_tar_checksum)
{
	bytes b = { 0 };
	tar_add(&b, "etc/passwd", '0', passwd, NULL);
	tar_end(&b);
	CHECK_INT_EQ(fg_format_tar.probe(b.p, b.n, &(uint64_t){0}), 70);
	CHECK_INT_EQ(fg_format_tar.probe(b.p, 511, &(uint64_t){0}), 0);
	b.p[3] ^= 0x20; /* name changed, checksum not */
	CHECK_INT_EQ(fg_format_tar.probe(b.p, b.n, &(uint64_t){0}), 0);
	b.p[3] ^= 0x20;
	memcpy(b.p + 148, "0000000", 7);
	CHECK_INT_EQ(fg_format_tar.probe(b.p, b.n, &(uint64_t){0}), 0);

	/* a signed-sum checksum (old writers) is accepted too */
	tar_hdr t;
	tar_init(&t, "caf\xe9", '0', 0, NULL);
	tar_seal(&t);
	int ssum = 0;
	for (size_t i = 0; i < 512; i++)
		ssum += i >= 148 && i < 156 ? ' ' : (int8_t)t.h[i];
	char tmp[16];
	snprintf(tmp, sizeof(tmp), "%06o", ssum);
	memcpy(t.h + 148, tmp, 6);
	CHECK_INT_EQ(fg_format_tar.probe(t.h, 512, &(uint64_t){0}), 70);

	/* v7: no magic; accepted only with a printable name */
	tar_init(&t, "bin/sh", '0', 0, NULL);
	memset(t.h + 257, 0, 255);
	tar_seal(&t);
	CHECK_INT_EQ(fg_format_tar.probe(t.h, 512, &(uint64_t){0}), 40);
	t.h[1] = 0x01;
	tar_seal(&t);
	CHECK_INT_EQ(fg_format_tar.probe(t.h, 512, &(uint64_t){0}), 0);
	free(b.p);
}

TEST(probe_cpio_forms)
{
	bytes b = { 0 };
	newc_ent e = { .name = "init", .mode = 0100755, .data = "#!/bin/sh\n" };
	newc_add(&b, &e);
	newc_end(&b);
	CHECK_INT_EQ(fg_format_cpio.probe(b.p, b.n, &(uint64_t){0}), 80);
	b.p[5] = '2';
	CHECK_INT_EQ(fg_format_cpio.probe(b.p, b.n, &(uint64_t){0}), 80);
	CHECK_INT_EQ(fg_format_cpio.probe(b.p, 109, &(uint64_t){0}), 0);
	b.p[50] = 'g';
	CHECK_INT_EQ(fg_format_cpio.probe(b.p, b.n, &(uint64_t){0}), 0);
	free(b.p);

	/* old binary, both byte orders */
	uint8_t h[64] = { 0 };
	for (int be = 0; be < 2; be++) {
		memset(h, 0, sizeof(h));
		uint16_t f[13] = { 070707, 1, 2, 0100644, 0, 0, 1, 0, 0, 0, 4, 0, 0 };
		for (int i = 0; i < 13; i++) {
			h[2 * i + (be ? 1 : 0)] = (uint8_t)(f[i] & 0xff);
			h[2 * i + (be ? 0 : 1)] = (uint8_t)(f[i] >> 8);
		}
		memcpy(h + 26, "abc", 4);
		CHECK_INT_EQ(fg_format_cpio.probe(h, sizeof(h), &(uint64_t){0}), 50);
		h[27] = '\n'; /* control character in the name */
		CHECK_INT_EQ(fg_format_cpio.probe(h, sizeof(h), &(uint64_t){0}), 0);
		h[27] = 'b';
		h[6 + (be ? 0 : 1)] = 0xf0; /* mode type 0170000: none */
		CHECK_INT_EQ(fg_format_cpio.probe(h, sizeof(h), &(uint64_t){0}), 0);
	}
}

/* ---- hostile and unusual archives ----------------------------------- */

static void check_truncated_file(const fg_format *fmt, const uint8_t *data, size_t cut,
				 const char *name, const uint8_t *want, size_t want_size,
				 size_t data_off)
{
	run r;
	run_unpack(&r, fmt, data, cut);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	CHECK(has_content(node_at(r.root, "etc/passwd"), passwd));
	fg_node *n = node_at(r.root, name);
	REQUIRE(n != NULL);
	CHECK_INT_EQ(n->type, FG_NODE_FILE);
	CHECK_INT_EQ(n->size, want_size);
	CHECK_INT_EQ(n->data_len, cut - data_off);
	CHECK(n->data && memcmp(n->data, want, n->data_len) == 0);
	CHECK(n->flags & FG_NODE_TRUNCATED);
	CHECK(n->note && strstr(n->note, "cut short"));
	CHECK(r.root->flags & FG_NODE_TRUNCATED);
	CHECK(r.root->src_length <= cut);
	CHECK(r.diags.items.n > 0);
	run_free(&r);
}

TEST(truncated_archives)
{
	enum { BIG = 100000 };
	uint8_t *big = malloc(BIG);
	REQUIRE(big != NULL);
	for (size_t i = 0; i < BIG; i++)
		big[i] = (uint8_t)(i * 7 + 3);

	bytes t = { 0 };
	tar_add(&t, "etc/passwd", '0', passwd, NULL);
	tar_hdr h;
	tar_init(&h, "big.bin", '0', BIG, NULL);
	tar_put_hdr(&t, &h, big, BIG);
	tar_end(&t);
	check_truncated_file(&fg_format_tar, t.p, 1024 + 512 + 50000, "big.bin", big, BIG, 1536);

	bytes c = { 0 };
	newc_ent e1 = { .name = "etc/passwd", .mode = 0100644, .data = passwd };
	newc_add(&c, &e1);
	size_t off = c.n + 120; /* 110-byte header + "big.bin\0", padded to 4 */
	newc_ent e2 = { .name = "big.bin", .mode = 0100644, .data = (const char *)big, .data_len = BIG };
	newc_add(&c, &e2);
	newc_end(&c);
	check_truncated_file(&fg_format_cpio, c.p, off + 30001, "big.bin", big, BIG, off);

	/* cut right after a header: the node is there, its content noted missing */
	run r;
	run_unpack(&r, &fg_format_tar, t.p, 1536);
	fg_node *n = r.root ? node_at(r.root, "big.bin") : NULL;
	REQUIRE(n != NULL);
	CHECK(n->data == NULL && n->size == BIG);
	CHECK(n->note && strstr(n->note, "missing"));
	CHECK(r.root->flags & FG_NODE_TRUNCATED);
	run_free(&r);

	/* cut at every few bytes: never a crash, never a leak */
	for (size_t cut = 0; cut < t.n; cut += cut < 4096 ? 7 : 4099) {
		run_unpack(&r, &fg_format_tar, t.p, cut);
		run_free(&r);
	}
	for (size_t cut = 0; cut < c.n; cut += cut < 4096 ? 5 : 4099) {
		run_unpack(&r, &fg_format_cpio, c.p, cut);
		run_free(&r);
	}
	free(t.p);
	free(c.p);
	free(big);
}

static void check_evil_paths(const fg_format *fmt, const uint8_t *data, size_t len)
{
	run r;
	run_unpack(&r, fmt, data, len);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	CHECK(node_at(r.root, "evil") == NULL);
	CHECK(node_at(r.root, "b") == NULL);
	CHECK(has_content(node_at(r.root, "abs/path"), "absolute\n"));
	CHECK(has_content(node_at(r.root, "ok"), "fine\n"));
	CHECK(has_content(node_at(r.root, "x/y"), "dotted\n"));
	counter cnt = { 0, 0 };
	fg_tree_walk(r.root, count_node, &cnt);
	CHECK_INT_EQ(cnt.nodes, 6); /* root, abs, abs/path, ok, x, x/y */
	CHECK(r.root->flags & FG_NODE_TRUNCATED);
	CHECK(diags_mention(&r.diags, "'..'"));
	run_free(&r);
}

TEST(evil_paths)
{
	bytes t = { 0 };
	tar_add(&t, "../evil", '0', "escaped\n", NULL);
	tar_add(&t, "/abs/path", '0', "absolute\n", NULL);
	tar_add(&t, "a/../../b", '0', "escaped\n", NULL);
	tar_add(&t, "./ok", '0', "fine\n", NULL);
	tar_add(&t, ".//x/./y", '0', "dotted\n", NULL);
	tar_end(&t);
	check_evil_paths(&fg_format_tar, t.p, t.n);

	bytes c = { 0 };
	const char *names[] = { "../evil", "/abs/path", "a/../../b", "./ok", ".//x/./y" };
	const char *datas[] = { "escaped\n", "absolute\n", "escaped\n", "fine\n", "dotted\n" };
	for (int i = 0; i < 5; i++) {
		newc_ent e = { .name = names[i], .mode = 0100644, .ino = (unsigned)i + 1,
			       .data = datas[i] };
		newc_add(&c, &e);
	}
	newc_end(&c);
	check_evil_paths(&fg_format_cpio, c.p, c.n);
	free(t.p);
	free(c.p);
}

TEST(file_over_limits)
{
	enum { BIG = 5000 };
	char *big = malloc(BIG + 1);
	REQUIRE(big != NULL);
	memset(big, 'A', BIG);
	big[BIG] = '\0';
	bytes t = { 0 };
	tar_add(&t, "small", '0', "tiny\n", NULL);
	tar_add(&t, "big", '0', big, NULL);
	tar_add(&t, "after", '0', "still read\n", NULL);
	tar_end(&t);

	fg_limits lim;
	fg_limits_default(&lim);
	lim.max_file_size = 1000;
	run r;
	run_limits(&r, &fg_format_tar, t.p, t.n, &lim);
	CHECK_INT_EQ(r.rc, 0);
	fg_node *n = r.root ? node_at(r.root, "big") : NULL;
	REQUIRE(n != NULL);
	CHECK_INT_EQ(n->type, FG_NODE_FILE);
	CHECK_INT_EQ(n->size, BIG);
	CHECK(n->data == NULL && n->data_len == 0);
	CHECK(n->flags & FG_NODE_TRUNCATED);
	CHECK(n->note && strstr(n->note, "per-file limit"));
	CHECK(has_content(node_at(r.root, "small"), "tiny\n"));
	CHECK(has_content(node_at(r.root, "after"), "still read\n"));
	CHECK_INT_EQ(atomic_load(&r.budget.bytes), 5 + 11); /* the big one was never charged */
	run_free(&r);

	/* total budget: the second file no longer fits */
	fg_limits_default(&lim);
	lim.max_total_bytes = 3000;
	run_limits(&r, &fg_format_tar, t.p, t.n, &lim);
	n = r.root ? node_at(r.root, "big") : NULL;
	REQUIRE(n != NULL);
	CHECK(n->data == NULL && (n->flags & FG_NODE_TRUNCATED));
	CHECK(n->note && strstr(n->note, "budget"));
	CHECK(has_content(node_at(r.root, "after"), "still read\n"));
	run_free(&r);

	/* file-count budget */
	fg_limits_default(&lim);
	lim.max_files = 2;
	run_limits(&r, &fg_format_tar, t.p, t.n, &lim);
	counter cnt = { 0, 0 };
	fg_tree_walk(r.root, count_node, &cnt);
	CHECK_INT_EQ(cnt.nodes, 3);
	CHECK(r.root->flags & FG_NODE_TRUNCATED);
	run_free(&r);
	free(t.p);
	free(big);
}

/* A header claiming 8 GiB over a few bytes: nothing near that is allocated. */
TEST(lying_sizes)
{
	bytes t = { 0 };
	tar_hdr h;
	tar_init(&h, "liar", '0', 0, NULL);
	memcpy(h.h + 124, "77777777777", 11);
	tar_put_hdr(&t, &h, "just a few bytes", 16);
	tar_end(&t);
	run r;
	run_unpack(&r, &fg_format_tar, t.p, t.n);
	fg_node *n = r.root ? node_at(r.root, "liar") : NULL;
	REQUIRE(n != NULL);
	CHECK_INT_EQ(n->size, 077777777777ull);
	CHECK(n->data == NULL && n->data_len == 0);  /* over the per-file limit */
	CHECK(n->flags & FG_NODE_TRUNCATED);
	CHECK_INT_EQ(atomic_load(&r.budget.bytes), 0);
	CHECK(r.root->flags & FG_NODE_TRUNCATED);
	run_free(&r);
	free(t.p);

	/* 1 GiB declared, under the per-file limit: only what the input
	 * can hold is allocated and charged */
	t = (bytes){ 0 };
	tar_init(&h, "liar", '0', 0, NULL);
	memcpy(h.h + 124, "10000000000", 11);
	tar_put_hdr(&t, &h, "just a few bytes", 16);
	tar_end(&t);
	run_unpack(&r, &fg_format_tar, t.p, t.n);
	n = r.root ? node_at(r.root, "liar") : NULL;
	REQUIRE(n != NULL);
	CHECK_INT_EQ(n->size, 1ull << 30);
	CHECK(n->data_len >= 16 && n->data_len <= t.n);
	CHECK(n->data && memcmp(n->data, "just a few bytes", 16) == 0);
	CHECK(n->flags & FG_NODE_TRUNCATED);
	CHECK(atomic_load(&r.budget.bytes) <= t.n);
	run_free(&r);
	free(t.p);

	/* negative numbers in base-256 (GNU extension): ids clamp, size refused */
	t = (bytes){ 0 };
	tar_init(&h, "negative", '0', 0, NULL);
	memset(h.h + 108, 0xff, 8);  /* uid -1 */
	memset(h.h + 116, 0xff, 8);  /* gid -1 */
	memset(h.h + 136, 0xff, 12); /* mtime -1 */
	tar_put_hdr(&t, &h, NULL, 0);
	tar_init(&h, "negsize", '0', 0, NULL);
	memset(h.h + 124, 0xff, 12);
	tar_put_hdr(&t, &h, NULL, 0);
	tar_end(&t);
	run_unpack(&r, &fg_format_tar, t.p, t.n);
	n = r.root ? node_at(r.root, "negative") : NULL;
	REQUIRE(n != NULL);
	CHECK_INT_EQ(n->uid, UINT32_MAX);
	CHECK_INT_EQ(n->gid, UINT32_MAX);
	CHECK_INT_EQ(n->mtime, -1);
	n = node_at(r.root, "negsize");
	if (n)
		CHECK(n->data_len == 0);
	run_free(&r);
	free(t.p);

	/* newc extremes: all-ones ids, times and sizes */
	bytes c = { 0 };
	newc_ent e = { .name = "max", .mode = 0100644, .uid = 0xffffffff, .gid = 0xffffffff,
		       .mtime = 0xffffffff, .data = "x" };
	newc_add(&c, &e);
	char hdr[160];
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 9u,
		 0100644u, 0u, 0u, 1u, 0u, 0x7fffffffu, 0u, 0u, 0u, 0u, 5u, 0u);
	put(&c, hdr, 110);
	put(&c, "huge", 5);
	put_zeros(&c, 64);
	run_unpack(&r, &fg_format_cpio, c.p, c.n);
	n = r.root ? node_at(r.root, "max") : NULL;
	REQUIRE(n != NULL);
	CHECK_INT_EQ(n->uid, 0xffffffffu);
	CHECK_INT_EQ(n->mtime, 0xffffffffll);
	n = node_at(r.root, "huge");
	REQUIRE(n != NULL);
	CHECK_INT_EQ(n->size, 0x7fffffffu);
	CHECK(n->data_len < c.n && (n->flags & FG_NODE_TRUNCATED));
	CHECK(atomic_load(&r.budget.bytes) <= c.n);
	run_free(&r);
	free(c.p);
}

TEST(long_names)
{
	/* GNU long name ('L') of 6000 bytes: refused; the next entry is read */
	bytes t = { 0 };
	size_t nl = 6000;
	char *longname = malloc(nl + 1);
	REQUIRE(longname != NULL);
	memset(longname, 'n', nl);
	longname[nl] = '\0';
	tar_hdr h;
	tar_init(&h, "././@LongLink", 'L', nl + 1, NULL);
	tar_put_hdr(&t, &h, longname, nl + 1);
	tar_add(&t, "placeholder", '0', "long\n", NULL);
	tar_add(&t, "next", '0', "next\n", NULL);
	/* a deep but acceptable path: 1000 components */
	char deep[2100];
	size_t dl = 0;
	for (int i = 0; i < 1000; i++) {
		deep[dl++] = 'd';
		deep[dl++] = '/';
	}
	memcpy(deep + dl, "f", 2);
	tar_init(&h, "././@LongLink", 'L', strlen(deep) + 1, NULL);
	tar_put_hdr(&t, &h, deep, strlen(deep) + 1);
	tar_add(&t, "placeholder2", '0', "deep\n", NULL);
	tar_end(&t);

	run r;
	run_unpack(&r, &fg_format_tar, t.p, t.n);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	CHECK(has_content(node_at(r.root, "next"), "next\n"));
	CHECK(node_at(r.root, "placeholder") == NULL);
	CHECK(has_content(node_at(r.root, deep), "deep\n"));
	CHECK(r.root->flags & FG_NODE_TRUNCATED);
	CHECK(diags_mention(&r.diags, "refused"));
	run_free(&r);
	free(t.p);
	free(longname);
}

/* ---- same path twice, directories late, hard links ------------------ */

TEST(tar_duplicates_and_late_dirs)
{
	bytes t = { 0 };
	tar_add(&t, "etc/passwd", '0', "old\n", NULL);
	tar_add(&t, "etc/passwd", '0', "new\n", NULL);
	tar_hdr h;
	tar_init(&h, "etc/", '5', 0, NULL);  /* after its child */
	memcpy(h.h + 100, "0000700", 7);
	memcpy(h.h + 108, "0000005", 7);
	tar_put_hdr(&t, &h, NULL, 0);
	tar_add(&t, "thing", '0', "a file first\n", NULL);
	tar_add(&t, "thing", '5', NULL, NULL);  /* then a directory */
	tar_add(&t, "thing/inside", '0', "in\n", NULL);
	tar_add(&t, "thing", '0', "file again\n", NULL);  /* would orphan: ignored */
	tar_add(&t, "ln", '2', NULL, "first");
	tar_add(&t, "ln", '2', NULL, "second");
	tar_end(&t);
	run r;
	run_unpack(&r, &fg_format_tar, t.p, t.n);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	CHECK(has_content(node_at(r.root, "etc/passwd"), "new\n"));
	fg_node *etc = node_at(r.root, "etc");
	REQUIRE(etc != NULL);
	CHECK_INT_EQ(etc->type, FG_NODE_DIR);
	CHECK_INT_EQ(etc->mode, 0700);
	CHECK_INT_EQ(etc->uid, 5);
	CHECK_INT_EQ(etc->nchildren, 1);
	fg_node *thing = node_at(r.root, "thing");
	REQUIRE(thing != NULL);
	CHECK_INT_EQ(thing->type, FG_NODE_DIR);
	CHECK(thing->data == NULL);
	CHECK(has_content(node_at(r.root, "thing/inside"), "in\n"));
	CHECK_STR_EQ(node_at(r.root, "ln")->link_target, "second");
	CHECK_INT_EQ(r.root->nchildren, 3);
	run_free(&r);
	free(t.p);
}

static void build_links_tar(bytes *b)
{
	bytes t = { 0 };
	/* a link must keep the content it linked to when its target's
	 * name is later reused: hiding "evil" behind a harmless append
	 * must not work */
	tar_add(&t, "a", '0', "evil\n", NULL);
	tar_add(&t, "b", '1', NULL, "a");
	tar_add(&t, "c", '1', NULL, "./b");       /* link to a link: points at the holder */
	tar_add(&t, "a", '0', "good\n", NULL);
	/* links to names not in the archive, and to themselves */
	tar_add(&t, "dangling", '1', NULL, "nowhere");
	tar_add(&t, "self", '0', "me\n", NULL);
	tar_add(&t, "self", '1', NULL, "self");
	/* would-be cycle: p -> q (missing), q -> p */
	tar_add(&t, "p", '1', NULL, "q");
	tar_add(&t, "q", '1', NULL, "p");
	tar_add(&t, "up", '1', NULL, "../a");
	tar_add(&t, "d", '5', NULL, NULL);
	tar_add(&t, "tod", '1', NULL, "d");
	tar_end(&t);
	*b = t;
}

TEST(hard_links_tar)
{
	bytes t;
	build_links_tar(&t);
	run r;
	run_unpack(&r, &fg_format_tar, t.p, t.n);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	CHECK(has_content(node_at(r.root, "a"), "good\n"));
	fg_node *b = node_at(r.root, "b"), *c = node_at(r.root, "c");
	REQUIRE(b && c);
	CHECK_INT_EQ(b->type, FG_NODE_FILE);
	CHECK(has_content(b, "evil\n"));
	CHECK_INT_EQ(c->type, FG_NODE_FILE);
	CHECK(has_content(c, "evil\n"));
	fg_node *dangling = node_at(r.root, "dangling");
	REQUIRE(dangling != NULL);
	CHECK_INT_EQ(dangling->type, FG_NODE_FILE);
	CHECK(dangling->flags & FG_NODE_TRUNCATED);
	CHECK(has_content(node_at(r.root, "self"), "me\n"));
	fg_node *p = node_at(r.root, "p"), *q = node_at(r.root, "q");
	REQUIRE(p && q);
	CHECK_INT_EQ(p->type, FG_NODE_FILE);
	CHECK_INT_EQ(q->type, FG_NODE_HARDLINK);
	CHECK_STR_EQ(q->link_target, "p");
	CHECK(fg_node_content(q) == p);
	fg_node *up = node_at(r.root, "up");
	REQUIRE(up != NULL);
	CHECK_INT_EQ(up->type, FG_NODE_FILE); /* "../a" is outside: not linked */
	fg_node *tod = node_at(r.root, "tod");
	REQUIRE(tod != NULL);
	CHECK(tod->type != FG_NODE_HARDLINK); /* no links to directories */
	/* no link anywhere points at another link */
	for (size_t i = 0; i < r.root->nchildren; i++) {
		fg_node *n = r.root->children[i];
		if (n->type == FG_NODE_HARDLINK) {
			fg_node *to = node_at(r.root, n->link_target);
			CHECK(to && to->type != FG_NODE_HARDLINK);
		}
	}
	run_free(&r);
	free(t.p);
}

static size_t build_links_newc(bytes *b)
{
	/* GNU cpio newc style: three names of one inode, data on the last */
	bytes c = { 0 };
	newc_ent x = { .name = "x", .mode = 0100750, .ino = 7, .nlink = 3, .uid = 3, .mtime = 42 };
	newc_ent y = x, z = x;
	y.name = "sub/y";
	z.name = "z";
	z.data = "hello\n";
	newc_ent dir = { .name = "sub", .mode = 040755, .ino = 8, .nlink = 2 };
	newc_add(&c, &x);
	newc_add(&c, &dir);
	newc_add(&c, &y);
	newc_add(&c, &z);
	/* odc/bin style collision: same inode number, different data */
	newc_ent m = { .name = "m", .mode = 0100644, .ino = 9, .nlink = 2, .data = "one\n" };
	newc_ent n2 = m;
	n2.name = "n";
	n2.data = "two\n";
	newc_add(&c, &m);
	newc_add(&c, &n2);
	/* a directory sharing a file's inode number is still a directory */
	newc_ent dd = { .name = "dd", .mode = 040700, .ino = 9, .nlink = 2 };
	newc_add(&c, &dd);
	/* a socket and a fifo */
	newc_ent sock = { .name = "run/sock", .mode = 0140755, .ino = 20 };
	newc_ent fifo = { .name = "run/fifo", .mode = 010600, .ino = 21 };
	newc_add(&c, &sock);
	newc_add(&c, &fifo);
	newc_end(&c);
	size_t end = c.n;
	newc_ent after = { .name = "after-trailer", .mode = 0100644, .ino = 30, .data = "no\n" };
	newc_add(&c, &after);
	put(&c, "trailing garbage", 16);
	*b = c;
	return end;
}

TEST(hard_links_newc)
{
	bytes c;
	size_t end = build_links_newc(&c);
	run r;
	run_unpack(&r, &fg_format_cpio, c.p, c.n);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	fg_node *nx = node_at(r.root, "x");
	REQUIRE(nx != NULL);
	CHECK_INT_EQ(nx->type, FG_NODE_FILE);
	CHECK(has_content(nx, "hello\n"));
	CHECK_INT_EQ(nx->mode, 0750);
	CHECK_INT_EQ(nx->uid, 3);
	CHECK_INT_EQ(nx->mtime, 42);
	fg_node *ny = node_at(r.root, "sub/y"), *nz = node_at(r.root, "z");
	REQUIRE(ny && nz);
	CHECK_INT_EQ(ny->type, FG_NODE_HARDLINK);
	CHECK_STR_EQ(ny->link_target, "x");
	CHECK_INT_EQ(nz->type, FG_NODE_HARDLINK);
	CHECK_STR_EQ(nz->link_target, "x");
	CHECK(fg_node_content(ny) == nx && fg_node_content(nz) == nx);
	CHECK(has_content(node_at(r.root, "m"), "one\n"));
	CHECK(has_content(node_at(r.root, "n"), "two\n"));
	fg_node *ndd = node_at(r.root, "dd");
	CHECK(ndd && ndd->type == FG_NODE_DIR && ndd->mode == 0700);
	fg_node *ns = node_at(r.root, "run/sock"), *nf = node_at(r.root, "run/fifo");
	CHECK(ns && ns->type == FG_NODE_SOCK && ns->mode == 0755);
	CHECK(nf && nf->type == FG_NODE_FIFO && nf->mode == 0600);
	CHECK(node_at(r.root, "after-trailer") == NULL);
	CHECK(node_at(r.root, "TRAILER!!!") == NULL);
	CHECK_INT_EQ(r.root->src_length, end);
	CHECK(!(r.root->flags & FG_NODE_TRUNCATED));
	run_free(&r);
	free(c.p);
}

/* Only what the archive used is claimed, whatever follows it. */
TEST(src_length_excludes_trailing_data)
{
	bytes t = { 0 };
	tar_add(&t, "x", '0', "12345", NULL);
	tar_end(&t);
	CHECK_INT_EQ(t.n, 2048);
	put(&t, "\xaa\xbb trailing data that is not tar", 31);
	run r;
	run_unpack(&r, &fg_format_tar, t.p, t.n);
	CHECK_INT_EQ(r.rc, 0);
	REQUIRE(r.root != NULL);
	CHECK_INT_EQ(r.root->src_length, 2048);
	CHECK(has_content(node_at(r.root, "x"), "12345"));
	run_free(&r);
	free(t.p);

	/* no end blocks at all: the archive ends with its last entry */
	t = (bytes){ 0 };
	tar_add(&t, "x", '0', "12345", NULL);
	run_unpack(&r, &fg_format_tar, t.p, t.n);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(r.root->src_length, 1024);
	run_free(&r);
	free(t.p);

	/* newc: a 1-byte file pads to 4 */
	bytes c = { 0 };
	newc_ent e = { .name = "ab", .mode = 0100644, .data = "z" };
	newc_add(&c, &e);
	newc_end(&c);
	size_t end = c.n;
	CHECK_INT_EQ(end % 4, 0);
	put(&c, "\x01\x02\x03", 3);
	run_unpack(&r, &fg_format_cpio, c.p, c.n);
	CHECK_INT_EQ(r.root->src_length, end);
	run_free(&r);
	free(c.p);
}

TEST(unreadable_input_fails_cleanly)
{
	uint8_t junk[2048];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)rnd();
	run r;
	run_unpack(&r, &fg_format_tar, junk, sizeof(junk));
	CHECK(r.rc < 0);
	CHECK(r.diags.items.n > 0);
	run_free(&r);
	run_unpack(&r, &fg_format_cpio, junk, sizeof(junk));
	CHECK(r.rc < 0);
	run_free(&r);

	/* an empty tar (end blocks only) is valid and empty */
	uint8_t zeros[1024] = { 0 };
	run_unpack(&r, &fg_format_tar, zeros, sizeof(zeros));
	CHECK_INT_EQ(r.rc, 0);
	CHECK(r.root && r.root->nchildren == 0);
	run_free(&r);
}

/* Random damage to real archives: whatever comes out, no crash, no hang,
 * no leak, and no link cycle. */
static bool no_link_to_link(fg_node *n, void *ud)
{
	fg_node *root = ud;
	if (n->type == FG_NODE_HARDLINK && n->link_target) {
		fg_node *to = node_at(root, n->link_target);
		CHECK(!to || to->type != FG_NODE_HARDLINK);
	}
	return true;
}

static void mutate_and_unpack(const fg_format *fmt, const uint8_t *orig, size_t len, int rounds)
{
	uint8_t *buf = malloc(len);
	if (!buf)
		return;
	for (int i = 0; i < rounds; i++) {
		memcpy(buf, orig, len);
		int flips = 1 + (int)(rnd() % 8);
		for (int k = 0; k < flips; k++) {
			size_t at = rnd() % len;
			/* bias towards header bytes, where the parsing is */
			if (rnd() & 1)
				at = (at / 512) * 512 + rnd() % 160;
			if (at < len)
				buf[at] = (uint8_t)rnd();
		}
		size_t cut = (rnd() & 3) ? len : rnd() % len;
		run r;
		run_unpack(&r, fmt, buf, cut);
		if (r.root)
			fg_tree_walk(r.root, no_link_to_link, r.root);
		run_free(&r);
	}
	free(buf);
}

/* FG_ARCHIVE_FUZZ_ROUNDS scales the run for a longer local soak. */
TEST(fuzz_mutations)
{
	const char *env = getenv("FG_ARCHIVE_FUZZ_ROUNDS");
	int rounds = env ? atoi(env) : 300;
	size_t len = 0;
	uint8_t *data = make_tar("gnu", &len);
	REQUIRE(data != NULL);
	mutate_and_unpack(&fg_format_tar, data, len, rounds);
	free(data);
	data = make_tar("pax", &len);
	REQUIRE(data != NULL);
	mutate_and_unpack(&fg_format_tar, data, len, rounds);
	free(data);
	const char *forms[] = { "newc", "odc", "bin" };
	for (int i = 0; i < 3; i++) {
		data = make_cpio(forms[i], &len);
		REQUIRE(data != NULL);
		mutate_and_unpack(&fg_format_cpio, data, len, rounds);
		free(data);
	}
	bytes b;
	build_links_tar(&b);
	mutate_and_unpack(&fg_format_tar, b.p, b.n, rounds);
	free(b.p);
	build_links_newc(&b);
	mutate_and_unpack(&fg_format_cpio, b.p, b.n, rounds);
	free(b.p);
}

/* last: leave nothing behind */
TEST(zz_cleanup)
{
	if (workdir[0] && !getenv("FG_TEST_KEEP"))
		sh("rm -rf '%s'", workdir);
}
