/*
 * test_romfs.c - the romfs handler against images genromfs builds at test
 * time (files, executables, symlinks, hard links, devices, fifos, nested
 * directories, a volume name), the binwalk sample, carving, and hostile
 * variants: truncation at every header boundary, checksum mismatches,
 * next-pointer and directory loops, hard-link cycles, absurd sizes, and
 * random corruption. The genromfs tests skip when the tool is missing.
 */
#include <fcntl.h>
#include <sys/sysmacros.h>

#include "flashfs_util.h"

extern const fg_format fg_format_romfs;

#define BIG_SIZE 70000

static bool g_devices;

static void put(const char *dir, const char *rel, const void *data, size_t len, mode_t mode)
{
	char p[PATH_MAX];
	ff_fmt(p, sizeof(p), "%s/%s", dir, rel);
	REQUIRE(ff_write(p, data, len));
	chmod(p, mode);
}

static uint8_t g_big[BIG_SIZE];

/* The staged tree; built once. */
static const char *stage(void)
{
	static char dir[PATH_MAX];
	if (dir[0])
		return dir;
	ff_fmt(dir, sizeof(dir), "%s/stage", ff_work("romfs"));
	if (!ff_sh("mkdir -p '%s/etc/init.d' '%s/bin' '%s/dev' '%s/empty'", dir, dir, dir, dir))
		fprintf(stderr, "mkdir failed\n");
	for (size_t i = 0; i < BIG_SIZE; i++)
		g_big[i] = (uint8_t)(i * 7 + (i >> 9));
	put(dir, "etc/passwd", "root::0:0:root:/root:/bin/sh\n", 29, 0644);
	put(dir, "etc/init.d/rcS", "#!/bin/sh\ntelnetd -l /bin/sh\n", 29, 0755);
	put(dir, "bin/busybox", g_big, BIG_SIZE, 0755);
	put(dir, "empty.txt", "", 0, 0644);
	char p[PATH_MAX], q[PATH_MAX];
	ff_fmt(p, sizeof(p), "%s/bin/sh", dir);
	CHECK(symlink("busybox", p) == 0);
	ff_fmt(p, sizeof(p), "%s/bin/busybox", dir);
	ff_fmt(q, sizeof(q), "%s/bin/ash", dir);
	CHECK(link(p, q) == 0);
	ff_fmt(p, sizeof(p), "%s/dev/fifo", dir);
	CHECK(mkfifo(p, 0644) == 0);
	ff_fmt(p, sizeof(p), "%s/dev/ttyS0", dir);
	g_devices = mknod(p, S_IFCHR | 0600, makedev(4, 64)) == 0;
	ff_fmt(p, sizeof(p), "%s/dev/mtdblock3", dir);
	g_devices = g_devices && mknod(p, S_IFBLK | 0600, makedev(31, 3)) == 0;
	return dir;
}

static uint8_t *build(size_t *len)
{
	static unsigned seq;
	char out[PATH_MAX];
	ff_fmt(out, sizeof(out), "%s/img-%u.romfs", ff_work("romfs"), seq++);
	if (!ff_sh("genromfs -f '%s' -d '%s' -V 'fg test vol' >/dev/null 2>&1", out, stage()))
		return NULL;
	uint8_t *img = ff_read(out, len);
	unlink(out);
	return img;
}

static uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Offset of the file header named NAME (the first whose checksum holds,
 * so file content that happens to spell the name is passed over), or 0. */
static size_t find_hdr(const uint8_t *img, size_t len, const char *name)
{
	size_t nl = strlen(name) + 1, n = 16 + ((nl + 15) & ~(size_t)15);
	for (size_t at = 32; at + n <= len; at += 16) {
		if (memcmp(img + at + 16, name, nl) != 0)
			continue;
		uint32_t s = 0;
		for (size_t i = 0; i < n; i += 4)
			s += be32(img + at + i);
		if (s == 0)
			return at;
	}
	return 0;
}

/* Rewrites the checksum of the header at AT so its words sum to zero. */
static void fix_sum(uint8_t *img, size_t at)
{
	size_t nl = strlen((const char *)img + at + 16) + 1;
	size_t n = 16 + ((nl + 15) & ~(size_t)15);
	put_be32(img + at + 12, 0);
	uint32_t s = 0;
	for (size_t i = 0; i < n; i += 4)
		s += be32(img + at + i);
	put_be32(img + at + 12, (uint32_t)(0 - s));
}

static void check_tree(ff_run *r)
{
	CHECK(ff_same(ff_at(r, "etc/passwd"), "root::0:0:root:/root:/bin/sh\n", 29));
	fg_node *rcs = ff_at(r, "etc/init.d/rcS");
	CHECK(ff_same(rcs, "#!/bin/sh\ntelnetd -l /bin/sh\n", 29));
	CHECK(rcs && rcs->mode == 0755);
	fg_node *pw = ff_at(r, "etc/passwd");
	CHECK(pw && pw->mode == 0644 && pw->uid == 0 && pw->mtime == 0);
	fg_node *sh = ff_at(r, "bin/sh");
	CHECK(sh && sh->type == FG_NODE_SYMLINK && sh->mode == 0777);
	if (sh)
		CHECK_STR_EQ(sh->link_target, "busybox");
	/* genromfs stores the second name of the inode as a hard link */
	fg_node *bb = ff_raw(r, "bin/busybox"), *ash = ff_raw(r, "bin/ash");
	REQUIRE(bb && ash);
	CHECK((bb->type == FG_NODE_HARDLINK) != (ash->type == FG_NODE_HARDLINK));
	const fg_node *c1 = fg_node_content(bb), *c2 = fg_node_content(ash);
	CHECK(c1 && c1 == c2 && ff_same(c1, g_big, BIG_SIZE));
	const fg_node *link = bb->type == FG_NODE_HARDLINK ? bb : ash;
	CHECK(link->link_target && (!strcmp(link->link_target, "bin/ash") ||
				    !strcmp(link->link_target, "bin/busybox")));
	CHECK(ff_same(ff_at(r, "empty.txt"), "", 0));
	fg_node *fifo = ff_at(r, "dev/fifo");
	CHECK(fifo && fifo->type == FG_NODE_FIFO);
	fg_node *e = ff_at(r, "empty");
	CHECK(e && e->type == FG_NODE_DIR && e->nchildren == 0 && e->mode == 0755);
	if (g_devices) {
		fg_node *tty = ff_at(r, "dev/ttyS0"), *mtd = ff_at(r, "dev/mtdblock3");
		CHECK(tty && tty->type == FG_NODE_CHR && tty->dev_major == 4 && tty->dev_minor == 64);
		CHECK(mtd && mtd->type == FG_NODE_BLK && mtd->dev_major == 31 && mtd->dev_minor == 3);
		CHECK(tty && tty->mode == 0600);
	}
	/* the big file's content points into the image, no copy */
	CHECK(c1 && c1->data >= r->root->container->data &&
	      c1->data < r->root->container->data + r->root->container->data_len);
}

TEST(romfs_genromfs)
{
	if (!ff_have("genromfs"))
		return;
	size_t len;
	uint8_t *img = build(&len);
	REQUIRE(img != NULL);
	ff_run r;
	ff_run_image(&r, &fg_format_romfs, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(r.diags.items.n, 0);
	ff_dump_diags(&r);
	check_tree(&r);
	CHECK_STR_EQ(r.root->format_info, "\"fg test vol\"");
	CHECK_INT_EQ(r.root->src_length, be32(img + 8));
	uint64_t cl = 0;
	CHECK(fg_format_romfs.probe(img, len, &cl) >= 90);
	CHECK_INT_EQ(cl, be32(img + 8));
	ff_run_free(&r);
	ff_carve("romfs", img, be32(img + 8), be32(img + 8), "etc/passwd");
	free(img);
}

TEST(romfs_sample_binwalk)
{
	size_t len;
	uint8_t *img = ff_sample("binwalk/romfs.bin", &len);
	if (!img)
		return;
	ff_run r;
	ff_run_image(&r, &fg_format_romfs, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(r.diags.items.n, 0);
	fg_node *f = ff_at(&r, "lsb-release");
	CHECK(f && f->type == FG_NODE_FILE && f->data_len == 104 && f->size == 104);
	if (f && f->data)
		CHECK(!memcmp(f->data, "DISTRIB_ID=Ubuntu", 17));
	ff_counts c = ff_count(&r);
	CHECK_INT_EQ(c.files, 1);
	CHECK_INT_EQ(c.dirs, 1);
	CHECK_STR_EQ(r.root->format_info, "\"rom 67269c23\"");
	CHECK_INT_EQ(r.root->src_length, 240);
	ff_run_free(&r);
	free(img);
}

/* Cut at every 16-byte boundary: what precedes the cut is kept, the cut
 * is reported, and nothing breaks. */
TEST(romfs_truncated)
{
	if (!ff_have("genromfs"))
		return;
	size_t len;
	uint8_t *img = build(&len);
	REQUIRE(img != NULL);
	size_t size = be32(img + 8);
	size_t passwd = find_hdr(img, len, "passwd");
	REQUIRE(passwd != 0);
	for (size_t cut = 0; cut < size; cut += 16) {
		ff_run r;
		ff_run_image(&r, &fg_format_romfs, img, cut, NULL);
		if (cut < 32) {
			CHECK(r.rc < 0);
		} else {
			CHECK_INT_EQ(r.rc, 0);
			CHECK(ff_mentions(&r, "truncated"));
			fg_node *pw = ff_at(&r, "etc/passwd");
			if (cut >= passwd + 32 + 29)
				CHECK(ff_same(pw, "root::0:0:root:/root:/bin/sh\n", 29));
			else if (pw)
				CHECK(pw->data_len < 29 && (pw->flags & FG_NODE_TRUNCATED));
		}
		ff_run_free(&r);
	}
	free(img);
}

TEST(romfs_checksums)
{
	if (!ff_have("genromfs"))
		return;
	size_t len;
	uint8_t *img = build(&len);
	REQUIRE(img != NULL);
	/* the volume name is in the superblock's checksummed 512 bytes */
	img[17] ^= 0x20;
	ff_run r;
	ff_run_image(&r, &fg_format_romfs, img, len, NULL);
	CHECK(ff_mentions(&r, "superblock checksum mismatch"));
	check_tree(&r); /* a warning, not a failure */
	uint64_t cl = 0;
	CHECK(fg_format_romfs.probe(img, len, &cl) == 50);
	ff_run_free(&r);
	img[17] ^= 0x20;
	size_t at = find_hdr(img, len, "passwd");
	REQUIRE(at != 0);
	img[at + 12] ^= 1; /* the header's own checksum */
	ff_run_image(&r, &fg_format_romfs, img, len, NULL);
	CHECK(ff_mentions(&r, "1 file header checksum(s) do not match"));
	CHECK(ff_same(ff_at(&r, "etc/passwd"), "root::0:0:root:/root:/bin/sh\n", 29));
	ff_run_free(&r);
	free(img);
}

TEST(romfs_loops_and_links)
{
	if (!ff_have("genromfs"))
		return;
	size_t len;
	uint8_t *img = build(&len);
	REQUIRE(img != NULL);
	uint8_t *bad = malloc(len);
	REQUIRE(bad != NULL);

	/* a next pointer back to the header itself */
	memcpy(bad, img, len);
	size_t at = find_hdr(bad, len, "passwd");
	REQUIRE(at != 0);
	put_be32(bad + at, (uint32_t)at | (be32(bad + at) & 15));
	fix_sum(bad, at);
	ff_run r;
	ff_run_image(&r, &fg_format_romfs, bad, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(ff_mentions(&r, "loop"));
	ff_run_free(&r);

	/* a directory whose listing is its parent's: each header once */
	memcpy(bad, img, len);
	size_t initd = find_hdr(bad, len, "init.d");
	size_t etc = find_hdr(bad, len, "etc");
	REQUIRE(initd && etc);
	put_be32(bad + initd + 4, be32(bad + etc + 4));
	fix_sum(bad, initd);
	ff_run_image(&r, &fg_format_romfs, bad, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(ff_mentions(&r, "loop"));
	CHECK(ff_at(&r, "etc/passwd") != NULL);
	ff_run_free(&r);

	/* hard links: one to nowhere, one to itself */
	memcpy(bad, img, len);
	size_t bb = find_hdr(bad, len, "busybox"), ash = find_hdr(bad, len, "ash");
	REQUIRE(bb && ash);
	size_t lnk = (be32(bad + bb) & 7) == 0 ? bb : ash;
	put_be32(bad + lnk + 4, 0x7ffffff0u);
	fix_sum(bad, lnk);
	ff_run_image(&r, &fg_format_romfs, bad, len, NULL);
	CHECK(ff_mentions(&r, "no such entry"));
	fg_node *n = ff_raw(&r, lnk == bb ? "bin/busybox" : "bin/ash");
	CHECK(n && n->type == FG_NODE_FILE && (n->flags & FG_NODE_TRUNCATED));
	ff_run_free(&r);
	put_be32(bad + lnk + 4, (uint32_t)lnk);
	fix_sum(bad, lnk);
	ff_run_image(&r, &fg_format_romfs, bad, len, NULL);
	CHECK(ff_mentions(&r, "no such entry"));
	ff_run_free(&r);

	/* a hard link to a directory is not followed */
	put_be32(bad + lnk + 4, (uint32_t)etc);
	fix_sum(bad, lnk);
	ff_run_image(&r, &fg_format_romfs, bad, len, NULL);
	CHECK(ff_mentions(&r, "a directory, not followed"));
	ff_run_free(&r);

	/* absurd file size: the content is what the image holds */
	memcpy(bad, img, len);
	at = find_hdr(bad, len, "passwd");
	put_be32(bad + at + 8, 0xfffffff0u);
	fix_sum(bad, at);
	ff_run_image(&r, &fg_format_romfs, bad, len, NULL);
	n = ff_at(&r, "etc/passwd");
	CHECK(n && n->size == 0xfffffff0u && n->data_len < len && (n->flags & FG_NODE_TRUNCATED));
	ff_run_free(&r);

	/* absurd image size and a name with a slash */
	memcpy(bad, img, len);
	put_be32(bad + 8, 0x7ffffff0u);
	memcpy(bad + at + 16, "a/b", 3);
	uint64_t cl = 0;
	CHECK(fg_format_romfs.probe(bad, len, &cl) > 0 && cl == len);
	ff_run_image(&r, &fg_format_romfs, bad, len, NULL);
	CHECK(ff_mentions(&r, "image truncated"));
	CHECK(ff_mentions(&r, "name contains '/'"));
	ff_run_free(&r);

	free(bad);
	free(img);
}

TEST(romfs_probe_rejects)
{
	uint64_t cl = 0;
	uint8_t buf[64] = "-rom1fs-";
	CHECK_INT_EQ(fg_format_romfs.probe(buf, 20, &cl), 0); /* short */
	put_be32(buf + 8, 8);                                 /* size below the header */
	memcpy(buf + 16, "v", 2);
	CHECK_INT_EQ(fg_format_romfs.probe(buf, sizeof(buf), &cl), 0);
	put_be32(buf + 8, 33); /* not a multiple of 16 */
	CHECK_INT_EQ(fg_format_romfs.probe(buf, sizeof(buf), &cl), 0);
	memset(buf + 16, 'x', 48); /* volume name never ends */
	put_be32(buf + 8, 64);
	CHECK_INT_EQ(fg_format_romfs.probe(buf, sizeof(buf), &cl), 0);
	buf[0] = '+';
	CHECK_INT_EQ(fg_format_romfs.probe(buf, sizeof(buf), &cl), 0);
}

TEST(romfs_mutations)
{
	if (!ff_have("genromfs"))
		return;
	size_t len;
	uint8_t *img = build(&len);
	REQUIRE(img != NULL);
	size_t size = be32(img + 8);
	ff_mutate(&fg_format_romfs, img, size, 97, 600, 1234);
	free(img);
}

TEST(romfs_file_budget)
{
	if (!ff_have("genromfs"))
		return;
	size_t len;
	uint8_t *img = build(&len);
	REQUIRE(img != NULL);
	fg_limits lim;
	fg_limits_default(&lim);
	lim.max_files = 3;
	ff_run r;
	ff_run_image(&r, &fg_format_romfs, img, len, &lim);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(ff_mentions(&r, "file-count limit"));
	ff_counts c = ff_count(&r);
	CHECK(c.files + c.dirs + c.symlinks + c.hardlinks + c.devices + c.other <= 4);
	ff_run_free(&r);
	free(img);
}
