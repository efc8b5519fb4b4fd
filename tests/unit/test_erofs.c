/*
 * test_erofs.c - the EROFS reader against images mkfs.erofs builds at
 * test time: flat inline and plain layouts, compact and extended inodes,
 * chunk-based files, LZ4 and LZ4HC with compact and full ("legacy")
 * indexes, big pclusters and the inline tail pcluster (ztailpacking);
 * every entry's type, mode, owner, times, size, content, target and
 * device number compared with the staged tree. Then carving, truncation
 * at every block, a wrong superblock checksum, directory loops, absurd
 * sizes, unsupported algorithms and fragments (a note per file), and
 * random corruption. Skips when mkfs.erofs is missing.
 */
#include <sys/sysmacros.h>
#include <utime.h>

#include "flashfs_util.h"

extern const fg_format fg_format_erofs;

#define TEXT_SIZE 300000
#define RAND_SIZE 20000
#define MIXED_SIZE 150000

static uint8_t g_text[TEXT_SIZE], g_rand[RAND_SIZE], g_mixed[MIXED_SIZE];
static bool g_root;
static const size_t g_sizes[] = { 0, 1, 4095, 4096, 4097, 8192, 65537 };

static void fill(void)
{
	size_t at = 0;
	for (unsigned line = 0; at < TEXT_SIZE; line++) {
		char tmp[64];
		int k = snprintf(tmp, sizeof(tmp), "line %08u of the text\n", line);
		for (int i = 0; i < k && at < TEXT_SIZE; i++)
			g_text[at++] = (uint8_t)tmp[i];
	}
	uint32_t s = 12345;
	for (size_t i = 0; i < RAND_SIZE; i++) {
		s = s * 1103515245u + 12345u;
		g_rand[i] = (uint8_t)(s >> 16);
	}
	/* incompressible stretches between compressible ones: plain pclusters */
	for (size_t i = 0; i < MIXED_SIZE; i++) {
		s = s * 1103515245u + 12345u;
		g_mixed[i] = (i / 6000) % 3 == 0 ? (uint8_t)(s >> 16) : (uint8_t)("abcabd"[i % 6]);
	}
}

static void put(const char *dir, const char *rel, const void *data, size_t len, mode_t mode)
{
	char p[PATH_MAX];
	ff_fmt(p, sizeof(p), "%s/%s", dir, rel);
	if (!ff_write(p, data, len))
		fprintf(stderr, "cannot write %s\n", p);
	chmod(p, mode);
	struct utimbuf t = { 1600000000, 1600000000 };
	utime(p, &t);
}

static const char *stage(void)
{
	static char dir[PATH_MAX];
	if (dir[0])
		return dir;
	fill();
	ff_fmt(dir, sizeof(dir), "%s/stage", ff_work("erofs"));
	if (!ff_sh("mkdir -p '%s/etc/init.d' '%s/bin' '%s/dev' '%s/sizes' '%s/empty'", dir, dir, dir,
		   dir, dir))
		fprintf(stderr, "mkdir failed\n");
	put(dir, "etc/passwd", "root::0:0:root:/root:/bin/sh\n", 29, 0644);
	put(dir, "etc/init.d/rcS", "#!/bin/sh\ntelnetd -l /bin/sh\n", 29, 0755);
	put(dir, "bin/busybox", g_rand, RAND_SIZE, 04755);
	put(dir, "text.txt", g_text, TEXT_SIZE, 0640);
	put(dir, "mixed.bin", g_mixed, MIXED_SIZE, 0600);
	for (size_t i = 0; i < sizeof(g_sizes) / sizeof(g_sizes[0]); i++) {
		char rel[64];
		ff_fmt(rel, sizeof(rel), "sizes/s%zu", g_sizes[i]);
		put(dir, rel, g_text, g_sizes[i], 0644);
	}
	char p[PATH_MAX], q[PATH_MAX];
	ff_fmt(p, sizeof(p), "%s/bin/sh", dir);
	CHECK(symlink("busybox", p) == 0);
	ff_fmt(p, sizeof(p), "%s/bin/busybox", dir);
	ff_fmt(q, sizeof(q), "%s/bin/ash", dir);
	CHECK(link(p, q) == 0);
	ff_fmt(p, sizeof(p), "%s/dev/fifo", dir);
	CHECK(mkfifo(p, 0644) == 0);
	ff_fmt(p, sizeof(p), "%s/dev/ttyS0", dir);
	g_root = mknod(p, S_IFCHR | 0600, makedev(4, 64)) == 0;
	if (g_root) {
		ff_fmt(p, sizeof(p), "%s/dev/sda", dir);
		CHECK(mknod(p, S_IFBLK | 0660, makedev(8, 0)) == 0);
		chmod(p, 0660);
		ff_fmt(p, sizeof(p), "%s/etc/passwd", dir);
		CHECK(chown(p, 1000, 2000) == 0);
		ff_fmt(p, sizeof(p), "%s/text.txt", dir);
		CHECK(chown(p, 70000, 80000) == 0); /* needs an extended inode */
	}
	ff_fmt(p, sizeof(p), "%s/empty", dir);
	chmod(p, 01777);
	return dir;
}

static uint8_t *build(const char *opts, size_t *len)
{
	static unsigned seq;
	char out[PATH_MAX];
	ff_fmt(out, sizeof(out), "%s/img-%u.erofs", ff_work("erofs"), seq++);
	const char *st = stage();
	if (!ff_sh("mkfs.erofs %s '%s' '%s' >'%s.log' 2>&1", opts, out, st, out)) {
		fprintf(stderr, "mkfs.erofs %s failed\n", opts);
		return NULL;
	}
	uint8_t *img = ff_read(out, len);
	unlink(out);
	return img;
}

static void check_tree(ff_run *r, bool mtimes)
{
	CHECK_INT_EQ(r->rc, 0);
	fg_node *pw = ff_at(r, "etc/passwd");
	CHECK(ff_same(pw, "root::0:0:root:/root:/bin/sh\n", 29));
	CHECK(pw && pw->mode == 0644);
	if (g_root)
		CHECK(pw && pw->uid == 1000 && pw->gid == 2000);
	if (mtimes)
		CHECK(pw && pw->mtime == 1600000000);
	CHECK(ff_same(ff_at(r, "etc/init.d/rcS"), "#!/bin/sh\ntelnetd -l /bin/sh\n", 29));
	fg_node *bb = ff_at(r, "bin/busybox");
	CHECK(ff_same(bb, g_rand, RAND_SIZE));
	CHECK(bb && bb->mode == 04755);
	fg_node *ash = ff_at(r, "bin/ash");
	CHECK(ash && bb && ash->data == bb->data && ash->data_len == RAND_SIZE);
	fg_node *sh = ff_at(r, "bin");
	sh = sh ? fg_node_find_child(sh, "sh", 2) : NULL;
	CHECK(sh && sh->type == FG_NODE_SYMLINK && sh->mode == 0777);
	if (sh)
		CHECK_STR_EQ(sh->link_target, "busybox");
	fg_node *t = ff_at(r, "text.txt");
	CHECK(ff_same(t, g_text, TEXT_SIZE));
	CHECK(t && t->mode == 0640);
	if (g_root)
		CHECK(t && t->uid == 70000 && t->gid == 80000);
	fg_node *m = ff_at(r, "mixed.bin");
	CHECK(ff_same(m, g_mixed, MIXED_SIZE));
	for (size_t i = 0; i < sizeof(g_sizes) / sizeof(g_sizes[0]); i++) {
		char rel[64];
		ff_fmt(rel, sizeof(rel), "sizes/s%zu", g_sizes[i]);
		fg_node *n = ff_at(r, rel);
		if (!ff_same(n, g_text, g_sizes[i])) {
			fprintf(stderr, "%s differs\n", rel);
			CHECK(0);
		}
	}
	fg_node *fifo = ff_at(r, "dev/fifo");
	CHECK(fifo && fifo->type == FG_NODE_FIFO && fifo->mode == 0644);
	fg_node *e = ff_at(r, "empty");
	CHECK(e && e->type == FG_NODE_DIR && e->mode == 01777 && e->nchildren == 0);
	if (g_root) {
		fg_node *tty = ff_at(r, "dev/ttyS0"), *sda = ff_at(r, "dev/sda");
		CHECK(tty && tty->type == FG_NODE_CHR && tty->dev_major == 4 && tty->dev_minor == 64);
		CHECK(sda && sda->type == FG_NODE_BLK && sda->dev_major == 8 && sda->mode == 0660);
	}
	ff_counts c = ff_count(r);
	CHECK_INT_EQ(c.truncated, 0);
	CHECK_INT_EQ(c.files, 6 + sizeof(g_sizes) / sizeof(g_sizes[0]));
}

static void variant(const char *opts, bool mtimes)
{
	size_t len;
	uint8_t *img = build(opts, &len);
	REQUIRE(img != NULL);
	ff_run r;
	ff_run_image(&r, &fg_format_erofs, img, len, NULL);
	if (r.diags.items.n) {
		fprintf(stderr, "mkfs.erofs %s:\n", opts);
		ff_dump_diags(&r);
	}
	CHECK_INT_EQ(r.diags.items.n, 0);
	check_tree(&r, mtimes);
	CHECK_INT_EQ(r.root->src_length, len);
	uint64_t cl = 0;
	CHECK(fg_format_erofs.probe(img, len, &cl) >= 90);
	CHECK_INT_EQ(cl, len);
	ff_run_free(&r);
	free(img);
}

TEST(erofs_uncompressed)
{
	if (!ff_have("mkfs.erofs"))
		return;
	variant("", false);
	variant("-Enoinline_data", false);
	variant("-Eforce-inode-extended", true);
	if (!g_root) /* 70000 does not fit a compact inode's uid */
		variant("-Eforce-inode-compact", false);
	variant("--chunksize=4096", false);
	variant("--chunksize=65536 -Eforce-inode-extended", true);
	variant("-T 1600000000", true);
}

TEST(erofs_lz4)
{
	if (!ff_have("mkfs.erofs"))
		return;
	variant("-zlz4", false);
	variant("-zlz4hc", false);
	variant("-zlz4hc -C16384", false);
	variant("-zlz4hc -C65536", false);
	variant("-zlz4 -Elegacy-compress", false);
	variant("-zlz4hc -C16384 -Elegacy-compress", false);
	variant("-zlz4hc -Eztailpacking", false);
	variant("-zlz4hc -C16384 -Eztailpacking,force-inode-extended", true);
}

TEST(erofs_carved)
{
	if (!ff_have("mkfs.erofs"))
		return;
	size_t len;
	uint8_t *img = build("-zlz4", &len);
	REQUIRE(img != NULL);
	ff_carve("erofs", img, len, len, "etc/passwd");
	free(img);
}

/* ---- hostile images --------------------------------------------------------------- */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Offset of the inode of NAME in the root directory (flat, one block). */
static size_t root_entry(const uint8_t *img, size_t len, const char *name, uint64_t *nid_out)
{
	const uint8_t *sb = img + 1024;
	unsigned bits = sb[12];
	size_t meta = (size_t)le32(sb + 40) << bits;
	size_t root = meta + (size_t)(sb[14] | (sb[15] << 8)) * 32;
	unsigned fmt = img[root] | (img[root + 1] << 8);
	size_t isize = (fmt & 1) ? 64 : 32;
	unsigned icount = img[root + 2] | (img[root + 3] << 8);
	size_t xs = icount ? 12 + (icount - 1) * 4 : 0;
	unsigned layout = (fmt >> 1) & 7;
	size_t dsize = le32(img + root + 8);
	const uint8_t *d = layout == 2 && dsize < (1u << bits) ? img + root + isize + xs :
			   img + ((size_t)le32(img + root + 16) << bits);
	unsigned n = (d[8] | (d[9] << 8)) / 12;
	for (unsigned i = 0; i < n; i++) {
		size_t no = d[i * 12 + 8] | (d[i * 12 + 9] << 8);
		size_t ne = i + 1 < n ? (size_t)(d[i * 12 + 20] | (d[i * 12 + 21] << 8)) : dsize;
		if (ne - no == strlen(name) && !memcmp(d + no, name, ne - no)) {
			uint64_t nid = le32(d + i * 12);
			if (nid_out)
				*nid_out = nid;
			(void)len;
			return meta + (size_t)nid * 32;
		}
	}
	return 0;
}

static size_t map_header(const uint8_t *img, size_t ino)
{
	unsigned fmt = img[ino] | (img[ino + 1] << 8);
	size_t isize = (fmt & 1) ? 64 : 32;
	unsigned icount = img[ino + 2] | (img[ino + 3] << 8);
	size_t xs = icount ? 12 + (icount - 1) * 4 : 0;
	return (ino + isize + xs + 7) & ~(size_t)7;
}

TEST(erofs_truncated)
{
	if (!ff_have("mkfs.erofs"))
		return;
	size_t len;
	uint8_t *img = build("-zlz4hc -C16384", &len);
	REQUIRE(img != NULL);
	for (size_t cut = 0; cut < len; cut += 2048) {
		ff_run r;
		ff_run_image(&r, &fg_format_erofs, img, cut, NULL);
		if (cut < 2048) {
			CHECK(r.rc < 0);
		} else if (r.rc == 0) {
			CHECK(ff_mentions(&r, "image truncated"));
			fg_node *t = ff_at(&r, "text.txt");
			if (t && t->data_len < TEXT_SIZE)
				CHECK(t->flags & FG_NODE_TRUNCATED);
			if (t && t->data_len)
				CHECK(!memcmp(t->data, g_text, t->data_len));
		}
		ff_run_free(&r);
	}
	free(img);
}

TEST(erofs_corrupt)
{
	if (!ff_have("mkfs.erofs"))
		return;
	size_t len;
	uint8_t *img = build("-zlz4hc -Eforce-inode-extended", &len);
	REQUIRE(img != NULL);
	uint8_t *bad = malloc(len);
	REQUIRE(bad != NULL);
	ff_run r;

	/* superblock checksum */
	memcpy(bad, img, len);
	bad[1024 + 64] ^= 1;
	ff_run_image(&r, &fg_format_erofs, bad, len, NULL);
	CHECK(ff_mentions(&r, "superblock checksum mismatch"));
	CHECK(ff_same(ff_at(&r, "text.txt"), g_text, TEXT_SIZE));
	ff_run_free(&r);

	/* the root is not a directory */
	memcpy(bad, img, len);
	size_t meta = (size_t)le32(bad + 1024 + 40) << bad[1024 + 12];
	size_t root = meta + (size_t)(bad[1024 + 14] | (bad[1024 + 15] << 8)) * 32;
	bad[root + 5] = 0x81;
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_erofs.probe(bad, len, &cl), 0);
	ff_run_image(&r, &fg_format_erofs, bad, len, NULL);
	CHECK(r.rc < 0);
	ff_run_free(&r);

	/* a directory entry naming the root: a loop */
	memcpy(bad, img, len);
	uint64_t nid;
	size_t etc = root_entry(bad, len, "etc", &nid);
	REQUIRE(etc != 0);
	size_t empty = root_entry(bad, len, "empty", NULL);
	REQUIRE(empty != 0);
	/* make "empty" the same inode as the root by pointing "etc" at it */
	for (size_t at = 0; at + 8 <= len; at++) {
		if (le32(bad + at) == nid && le32(bad + at + 4) == 0 && bad[at + 10] == 2) {
			put_le32(bad + at, bad[1024 + 14] | (bad[1024 + 15] << 8));
			break;
		}
	}
	ff_run_image(&r, &fg_format_erofs, bad, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(ff_mentions(&r, "directory loop"));
	ff_run_free(&r);

	/* an absurd size for a compressed file: never allocated */
	memcpy(bad, img, len);
	size_t t = root_entry(bad, len, "text.txt", NULL);
	REQUIRE(t != 0);
	put_le32(bad + t + 8, 0);
	put_le32(bad + t + 12, 0x100); /* 1 TiB */
	ff_run_image(&r, &fg_format_erofs, bad, len, NULL);
	fg_node *n = ff_at(&r, "text.txt");
	CHECK(n && n->size == (1ull << 40) && n->data_len == 0 && (n->flags & FG_NODE_TRUNCATED));
	ff_run_free(&r);

	/* unsupported algorithms and fragments: a note on the file */
	memcpy(bad, img, len);
	size_t h = map_header(bad, t);
	bad[h + 6] = 0x11; /* LZMA */
	ff_run_image(&r, &fg_format_erofs, bad, len, NULL);
	n = ff_at(&r, "text.txt");
	CHECK(n && (n->flags & FG_NODE_TRUNCATED) && n->note && strstr(n->note, "LZMA"));
	CHECK(ff_same(ff_at(&r, "etc/passwd"), "root::0:0:root:/root:/bin/sh\n", 29));
	ff_run_free(&r);
	memcpy(bad, img, len);
	bad[h + 4] |= 0x20;
	ff_run_image(&r, &fg_format_erofs, bad, len, NULL);
	n = ff_at(&r, "text.txt");
	CHECK(n && n->note && strstr(n->note, "fragments"));
	ff_run_free(&r);

	/* corrupt compressed data */
	memcpy(bad, img, len);
	for (size_t i = len / 2; i < len / 2 + 4096; i++)
		bad[i] ^= 0x5a;
	ff_run_image(&r, &fg_format_erofs, bad, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	ff_run_free(&r);

	/* probe: bad block size, short */
	memcpy(bad, img, len);
	bad[1024 + 12] = 20;
	CHECK_INT_EQ(fg_format_erofs.probe(bad, len, &cl), 0);
	CHECK_INT_EQ(fg_format_erofs.probe(img, 1100, &cl), 0);
	free(bad);
	free(img);
}

TEST(erofs_budget)
{
	if (!ff_have("mkfs.erofs"))
		return;
	size_t len;
	uint8_t *img = build("-zlz4", &len);
	REQUIRE(img != NULL);
	fg_limits lim;
	fg_limits_default(&lim);
	lim.max_total_bytes = 100000;
	ff_run r;
	ff_run_image(&r, &fg_format_erofs, img, len, &lim);
	fg_node *t = ff_at(&r, "text.txt");
	CHECK(t && t->data_len == 0 && t->note && strstr(t->note, "budget"));
	ff_run_free(&r);
	fg_limits_default(&lim);
	lim.max_files = 5;
	ff_run_image(&r, &fg_format_erofs, img, len, &lim);
	CHECK(ff_mentions(&r, "file-count limit"));
	ff_run_free(&r);
	free(img);
}

TEST(erofs_mutations)
{
	if (!ff_have("mkfs.erofs"))
		return;
	const char *opts[] = { "-zlz4hc -C16384 -Eztailpacking", "-zlz4 -Elegacy-compress", "" };
	for (size_t i = 0; i < 3; i++) {
		size_t len;
		uint8_t *img = build(opts[i], &len);
		REQUIRE(img != NULL);
		ff_mutate(&fg_format_erofs, img, len, 4093, 300, 17 + (uint32_t)i);
		free(img);
	}
}
