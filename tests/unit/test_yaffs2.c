/*
 * test_yaffs2.c - the YAFFS2 handler. Debian ships no YAFFS2 image maker
 * (only unyaffs), so images are written here chunk by chunk the way
 * mkyaffs2image and the kernel lay them out: every geometry the handler
 * detects (page/spare sizes, tag offsets, both byte orders, in-band tags,
 * no tags), log-structured rewrites (newest sequence number wins, the
 * later chunk within a block), renames, deletions, shadowing, files grown
 * or shrunk after their header, orphans and parent cycles, hard links,
 * devices; then truncation at every chunk boundary, corrupt and absurd
 * headers, budgets, random corruption; and the real samples.
 */
#include <sys/sysmacros.h>

#include "flashfs_util.h"

extern const fg_format fg_format_yaffs2;

enum { M_OOB, M_INBAND, M_NOTAGS };
enum { T_FILE = 1, T_SYMLINK, T_DIR, T_HARDLINK, T_SPECIAL };

typedef struct yg {
	uint8_t *buf;
	size_t len, cap;
	uint32_t page, spare, tag_off;
	int mode;
	bool be;
	bool extra_tags;  /* header info in the tags, as the kernel writes them */
	bool ecc;         /* junk (an ECC) after the tags */
	uint32_t seq;
} yg;

static yg yg_new(uint32_t page, uint32_t spare, uint32_t tag_off, int mode, bool be)
{
	yg g = { 0 };
	g.page = page;
	g.spare = mode == M_OOB ? spare : 0;
	g.tag_off = tag_off;
	g.mode = mode;
	g.be = be;
	g.seq = 0x1000;
	return g;
}

static uint32_t yg_data(const yg *g)
{
	return g->mode == M_INBAND ? g->page - 16 : g->page;
}

static void st32(const yg *g, uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(g->be ? v >> (24 - 8 * i) : v >> (8 * i));
}

static uint8_t *yg_grow(yg *g, size_t n)
{
	if (g->len + n > g->cap) {
		g->cap = (g->len + n) * 2;
		g->buf = realloc(g->buf, g->cap);
		if (!g->buf)
			exit(1);
	}
	uint8_t *p = g->buf + g->len;
	memset(p, 0xff, n);
	g->len += n;
	return p;
}

/* One chunk with DATA (DLEN bytes) and tags. */
static void yg_chunk(yg *g, uint32_t obj, uint32_t chunk, uint32_t nbytes, const uint8_t *data,
		     size_t dlen)
{
	uint8_t *c = yg_grow(g, g->page + g->spare);
	if (dlen)
		memcpy(c, data, dlen);
	uint8_t *t = NULL;
	if (g->mode == M_OOB)
		t = c + g->page + g->tag_off;
	else if (g->mode == M_INBAND)
		t = c + g->page - 16;
	if (!t)
		return;
	st32(g, t, g->seq);
	st32(g, t + 4, obj);
	st32(g, t + 8, chunk);
	st32(g, t + 12, nbytes);
	if (g->ecc && g->mode == M_OOB && g->tag_off + 28 <= g->spare)
		memcpy(t + 16, "\x25\xff\xff\xff\0\0\0\x03\xff\xff\xff\xfc", 12);
}

static void yg_erased(yg *g)
{
	yg_grow(g, g->page + g->spare);
}

typedef struct yobj {
	uint32_t type, parent;
	const char *name;
	uint32_t mode, uid, gid, mtime;
	uint64_t size;
	int32_t equiv;
	const char *alias;
	uint32_t rdev;
	uint32_t shadows;
} yobj;

static void yg_header(yg *g, uint32_t id, const yobj *o)
{
	uint8_t h[512];
	memset(h, 0xff, sizeof(h));
	st32(g, h, o->type);
	st32(g, h + 4, o->parent);
	memset(h + 10, 0, 256);
	memcpy(h + 10, o->name, strlen(o->name));
	st32(g, h + 268, o->mode);
	st32(g, h + 272, o->uid);
	st32(g, h + 276, o->gid);
	st32(g, h + 280, o->mtime);
	st32(g, h + 284, o->mtime);
	st32(g, h + 288, o->mtime);
	st32(g, h + 292, (uint32_t)o->size);
	st32(g, h + 296, (uint32_t)o->equiv);
	if (o->alias) {
		memset(h + 300, 0, 160);
		memcpy(h + 300, o->alias, strlen(o->alias));
	}
	st32(g, h + 460, o->rdev);
	st32(g, h + 496, o->size >> 32 ? (uint32_t)(o->size >> 32) : 0xffffffffu);
	st32(g, h + 504, o->shadows ? o->shadows : 0xffffffffu);
	uint32_t obj = id, chunk = 0, nbytes = 0xffff;
	if (g->extra_tags) {
		obj |= o->type << 28;
		chunk = 0x80000000u | o->parent;
		nbytes = o->type == T_FILE ? (uint32_t)o->size : 0;
	}
	yg_chunk(g, obj, chunk, nbytes, h, sizeof(h));
}

static void yg_file(yg *g, uint32_t id, uint32_t parent, const char *name, uint32_t mode,
		    const uint8_t *data, size_t len)
{
	yobj o = { T_FILE, parent, name, 0100000u | mode, 1000, 100, 1600000000u, len, -1, NULL, 0, 0 };
	yg_header(g, id, &o);
	uint32_t dsz = yg_data(g);
	for (size_t at = 0, k = 1; at < len; at += dsz, k++) {
		size_t n = len - at < dsz ? len - at : dsz;
		yg_chunk(g, id, (uint32_t)k, (uint32_t)n, data + at, n);
	}
}

static void yg_dir(yg *g, uint32_t id, uint32_t parent, const char *name, uint32_t mode)
{
	yobj o = { T_DIR, parent, name, 0040000u | mode, 0, 0, 1500000000u, 0, -1, NULL, 0, 0 };
	yg_header(g, id, &o);
}

static void yg_symlink(yg *g, uint32_t id, uint32_t parent, const char *name, const char *target)
{
	yobj o = { T_SYMLINK, parent, name, 0120777u, 0, 0, 1, 0, -1, target, 0, 0 };
	yg_header(g, id, &o);
}

static void yg_special(yg *g, uint32_t id, uint32_t parent, const char *name, uint32_t mode,
		       uint32_t rdev)
{
	yobj o = { T_SPECIAL, parent, name, mode, 0, 5, 2, 0, -1, NULL, rdev, 0 };
	yg_header(g, id, &o);
}

static void yg_hardlink(yg *g, uint32_t id, uint32_t parent, const char *name, uint32_t equiv)
{
	yobj o = { T_HARDLINK, parent, name, 0100644u, 0, 0, 0, 0, (int32_t)equiv, NULL, 0, 0 };
	yg_header(g, id, &o);
}

/* ---- the standard tree ---------------------------------------------------------- */

#define BIG 10000
#define BIG_BUF 16384 /* the largest payload of one chunk */
static uint8_t g_big[BIG_BUF];
static const char g_passwd[] = "root::0:0:root:/root:/bin/sh\n";

static void fill_big(void)
{
	for (size_t i = 0; i < BIG_BUF; i++)
		g_big[i] = (uint8_t)(i * 13 + (i >> 8));
}

/* As mkyaffs2image writes it: ids from 257 in walk order, each header
 * followed by its data. */
static void yg_standard(yg *g)
{
	fill_big();
	yg_dir(g, 257, 1, "etc", 0755);
	yg_file(g, 258, 257, "passwd", 0644, (const uint8_t *)g_passwd, sizeof(g_passwd) - 1);
	yg_dir(g, 259, 257, "init.d", 0750);
	yg_file(g, 260, 259, "rcS", 04755, (const uint8_t *)"#!/bin/sh\n", 10);
	yg_dir(g, 261, 1, "bin", 01777);
	yg_file(g, 262, 261, "busybox", 0755, g_big, BIG);
	yg_symlink(g, 263, 261, "sh", "busybox");
	yg_hardlink(g, 264, 261, "ash", 262);
	yg_file(g, 265, 1, "empty", 0600, NULL, 0);
	yg_file(g, 266, 1, "onepage", 0644, g_big, yg_data(g));
	yg_dir(g, 267, 1, "dev", 0755);
	yg_special(g, 268, 267, "ttyS0", 0020600u, (4u << 8) | 64);
	yg_special(g, 269, 267, "mtdblock3", 0060600u, (31u << 8) | 3);
	yg_special(g, 270, 267, "fifo", 0010644u, 0);
	yg_special(g, 271, 267, "big-minor", 0020600u, (uint32_t)makedev(240, 300));
}

static void check_standard(ff_run *r, const yg *g)
{
	CHECK_INT_EQ(r->rc, 0);
	fg_node *pw = ff_at(r, "etc/passwd");
	CHECK(ff_same(pw, g_passwd, sizeof(g_passwd) - 1));
	CHECK(pw && pw->mode == 0644 && pw->uid == 1000 && pw->gid == 100 && pw->mtime == 1600000000);
	fg_node *rcs = ff_at(r, "etc/init.d/rcS");
	CHECK(ff_same(rcs, "#!/bin/sh\n", 10));
	CHECK(rcs && rcs->mode == 04755);
	fg_node *initd = ff_at(r, "etc/init.d");
	CHECK(initd && initd->type == FG_NODE_DIR && initd->mode == 0750 && initd->mtime == 1500000000);
	fg_node *bin = ff_at(r, "bin");
	CHECK(bin && bin->mode == 01777);
	CHECK(ff_same(ff_at(r, "bin/busybox"), g_big, BIG));
	fg_node *sh = ff_raw(r, "bin/sh");
	CHECK(sh && sh->type == FG_NODE_SYMLINK);
	if (sh)
		CHECK_STR_EQ(sh->link_target, "busybox");
	fg_node *ash = ff_raw(r, "bin/ash");
	CHECK(ash && ash->type == FG_NODE_HARDLINK && ash->mode == 0755 && ash->uid == 1000);
	if (ash)
		CHECK_STR_EQ(ash->link_target, "bin/busybox");
	CHECK(fg_node_content(ash) == ff_at(r, "bin/busybox"));
	CHECK(ff_same(ff_at(r, "empty"), "", 0));
	CHECK(ff_same(ff_at(r, "onepage"), g_big, yg_data(g)));
	fg_node *tty = ff_at(r, "dev/ttyS0"), *mtd = ff_at(r, "dev/mtdblock3");
	CHECK(tty && tty->type == FG_NODE_CHR && tty->dev_major == 4 && tty->dev_minor == 64);
	CHECK(tty && tty->mode == 0600 && tty->gid == 5);
	CHECK(mtd && mtd->type == FG_NODE_BLK && mtd->dev_major == 31 && mtd->dev_minor == 3);
	fg_node *big = ff_at(r, "dev/big-minor");
	CHECK(big && big->dev_major == 240 && big->dev_minor == 300);
	fg_node *fifo = ff_at(r, "dev/fifo");
	CHECK(fifo && fifo->type == FG_NODE_FIFO);
	ff_counts c = ff_count(r);
	CHECK_INT_EQ(c.files, 5);
	CHECK_INT_EQ(c.dirs, 5); /* the root and four */
	CHECK_INT_EQ(c.symlinks, 1);
	CHECK_INT_EQ(c.hardlinks, 1);
	CHECK_INT_EQ(c.devices, 3);
	CHECK_INT_EQ(c.truncated, 0);
	CHECK(r->root->mode == 0755);
}

static void run_variant(yg *g, const char *info)
{
	yg_standard(g);
	ff_run r;
	ff_run_image(&r, &fg_format_yaffs2, g->buf, g->len, NULL);
	check_standard(&r, g);
	if (r.diags.items.n) {
		fprintf(stderr, "variant %s:\n", info);
		ff_dump_diags(&r);
	}
	CHECK_INT_EQ(r.diags.items.n, 0);
	CHECK(r.root->format_info != NULL);
	if (r.root->format_info && strcmp(r.root->format_info, info) != 0) {
		fprintf(stderr, "format_info \"%s\", wanted \"%s\"\n", r.root->format_info, info);
		CHECK(0);
	}
	CHECK_INT_EQ(r.root->src_length, g->len);
	uint64_t cl = 0;
	CHECK(fg_format_yaffs2.probe(g->buf, g->len, &cl) >= 60);
	ff_run_free(&r);
	free(g->buf);
}

TEST(yaffs2_geometries)
{
	yg g;
	g = yg_new(2048, 64, 0, M_OOB, false);
	run_variant(&g, "le, 2048+64, tags in OOB at 0");
	g = yg_new(2048, 64, 2, M_OOB, true);
	run_variant(&g, "be, 2048+64, tags in OOB at 2");
	g = yg_new(2048, 64, 2, M_OOB, false);
	g.ecc = true;
	run_variant(&g, "le, 2048+64, tags in OOB at 2");
	g = yg_new(512, 16, 0, M_OOB, false);
	run_variant(&g, "le, 512+16, tags in OOB at 0");
	g = yg_new(4096, 128, 2, M_OOB, true);
	run_variant(&g, "be, 4096+128, tags in OOB at 2");
	g = yg_new(4096, 224, 0, M_OOB, false);
	g.extra_tags = true;
	run_variant(&g, "le, 4096+224, tags in OOB at 0");
	g = yg_new(8192, 448, 2, M_OOB, false);
	run_variant(&g, "le, 8192+448, tags in OOB at 2");
	g = yg_new(16384, 1280, 0, M_OOB, true);
	run_variant(&g, "be, 16384+1280, tags in OOB at 0");
	g = yg_new(2048, 0, 0, M_INBAND, false);
	run_variant(&g, "le, 2048, in-band tags");
	g = yg_new(4096, 0, 0, M_INBAND, true);
	g.extra_tags = true;
	run_variant(&g, "be, 4096, in-band tags");
	g = yg_new(2048, 0, 0, M_NOTAGS, false);
	run_variant(&g, "le, 2048, no OOB (ids inferred from write order)");
	g = yg_new(4096, 0, 0, M_NOTAGS, true);
	run_variant(&g, "be, 4096, no OOB (ids inferred from write order)");
	g = yg_new(512, 0, 0, M_NOTAGS, false);
	run_variant(&g, "le, 512, no OOB (ids inferred from write order)");
}

/* Erased chunks (whole blocks, or the rest of one) are skipped. */
TEST(yaffs2_erased_chunks)
{
	yg g = yg_new(2048, 64, 2, M_OOB, false);
	fill_big();
	yg_dir(&g, 257, 1, "etc", 0755);
	yg_erased(&g);
	yg_erased(&g);
	yg_file(&g, 258, 257, "passwd", 0644, (const uint8_t *)g_passwd, sizeof(g_passwd) - 1);
	size_t used = g.len;
	for (int i = 0; i < 10; i++)
		yg_erased(&g);
	ff_run r;
	ff_run_image(&r, &fg_format_yaffs2, g.buf, g.len, NULL);
	CHECK(ff_same(ff_at(&r, "etc/passwd"), g_passwd, sizeof(g_passwd) - 1));
	CHECK_INT_EQ(r.diags.items.n, 0);
	CHECK_INT_EQ(r.root->src_length, used);
	ff_run_free(&r);
	free(g.buf);
}

/* ---- the log ------------------------------------------------------------------- */

TEST(yaffs2_newest_wins)
{
	yg g = yg_new(2048, 64, 0, M_OOB, false);
	fill_big();
	uint8_t a[3000], b[3000];
	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	/* block 1: everything, old versions */
	yg_dir(&g, 300, 1, "old-name", 0755);
	yg_file(&g, 301, 300, "data", 0644, a, sizeof(a));
	yg_file(&g, 302, 1, "doomed", 0644, a, 10);
	yg_file(&g, 303, 1, "unlinked", 0644, a, 10);
	yg_file(&g, 304, 1, "grows", 0644, a, 100);
	yg_file(&g, 305, 1, "shrinks", 0644, a, 3000);
	yg_file(&g, 306, 1, "victim", 0644, a, 5);
	/* block 2 (written later, higher sequence number), placed first in
	 * the image: order on flash does not matter, sequence numbers do */
	yg g2 = g;
	g2.buf = NULL;
	g2.len = g2.cap = 0;
	g2.seq = 0x1001;
	yg_dir(&g2, 300, 1, "new-name", 0700);              /* rename */
	yg_chunk(&g2, 301, 2, 952, b, 952);                  /* chunk 2 rewritten */
	yobj del = { T_FILE, 4, "doomed", 0100644u, 0, 0, 0, 0, -1, NULL, 0, 0 };
	yg_header(&g2, 302, &del);                           /* deleted */
	yobj unl = { T_FILE, 3, "unlinked", 0100644u, 0, 0, 0, 0, -1, NULL, 0, 0 };
	yg_header(&g2, 303, &unl);
	yg_chunk(&g2, 304, 2, 50, b, 50);                    /* grows after its header */
	yobj shr = { T_FILE, 1, "shrinks", 0100644u, 0, 0, 7, 1000, -1, NULL, 0, 0 };
	yg_header(&g2, 305, &shr);                           /* truncated to 1000 */
	yobj sh = { T_FILE, 1, "renamed-over", 0100644u, 0, 0, 7, 0, -1, NULL, 0, 306 };
	yg_header(&g2, 307, &sh);                            /* shadows 306 */
	/* within one block the later chunk wins */
	yg_chunk(&g2, 301, 1, 2048, b, 2048);
	yg_chunk(&g2, 301, 1, 2048, a, 2048);
	uint8_t *img = malloc(g.len + g2.len);
	REQUIRE(img != NULL);
	memcpy(img, g2.buf, g2.len);
	memcpy(img + g2.len, g.buf, g.len);
	ff_run r;
	ff_run_image(&r, &fg_format_yaffs2, img, g.len + g2.len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(ff_at(&r, "old-name") == NULL);
	fg_node *d = ff_at(&r, "new-name");
	CHECK(d && d->type == FG_NODE_DIR && d->mode == 0700);
	fg_node *f = ff_at(&r, "new-name/data");
	uint8_t want[3000];
	memset(want, 'a', 2048);
	memset(want + 2048, 'b', 952);
	CHECK(ff_same(f, want, sizeof(want)));
	CHECK(ff_at(&r, "doomed") == NULL);
	CHECK(ff_at(&r, "unlinked") == NULL);
	uint8_t grown[2048 + 50];
	memset(grown, 0, sizeof(grown));
	memset(grown, 'a', 100);
	memset(grown + 2048, 'b', 50);
	fg_node *gr = ff_at(&r, "grows");
	CHECK(gr && gr->size == 2098 && gr->data_len == 2098 && !memcmp(gr->data, grown, 2098));
	CHECK(ff_same(ff_at(&r, "shrinks"), a, 1000));
	CHECK(ff_at(&r, "victim") == NULL);
	CHECK(ff_same(ff_at(&r, "renamed-over"), "", 0));
	ff_run_free(&r);
	free(img);
	free(g.buf);
	free(g2.buf);
}

TEST(yaffs2_orphans_and_cycles)
{
	yg g = yg_new(2048, 64, 0, M_OOB, false);
	yg_file(&g, 400, 399, "orphan", 0644, (const uint8_t *)"x", 1); /* parent missing */
	yg_dir(&g, 401, 402, "a", 0755);                                   /* a <-> b */
	yg_dir(&g, 402, 401, "b", 0755);
	yg_file(&g, 403, 402, "inside", 0644, (const uint8_t *)"y", 1);
	yg_file(&g, 404, 403, "under-a-file", 0644, (const uint8_t *)"z", 1);
	yg_dir(&g, 405, 2, "in-lost-found", 0755);
	yg_file(&g, 406, 1, "same", 0644, (const uint8_t *)"1", 1);
	yg_file(&g, 407, 1, "same", 0644, (const uint8_t *)"2", 1);
	yg_file(&g, 408, 1, "a/b", 0644, (const uint8_t *)"3", 1);
	yg_hardlink(&g, 409, 1, "link-missing", 999);
	yg_hardlink(&g, 410, 1, "link-self", 410);
	yg_hardlink(&g, 411, 1, "link-dir", 401);
	yg_hardlink(&g, 412, 1, "link-link", 413);
	yg_hardlink(&g, 413, 1, "link-link2", 412);
	yg_special(&g, 414, 1, "weird", 0100644u, 0);
	ff_run r;
	ff_run_image(&r, &fg_format_yaffs2, g.buf, g.len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(ff_same(ff_at(&r, "lost+found/orphan"), "x", 1));
	fg_node *lf = ff_at(&r, "lost+found");
	CHECK(lf && lf->type == FG_NODE_DIR && lf->mode == 0700);
	CHECK(ff_at(&r, "lost+found/in-lost-found") != NULL);
	/* the cycle is broken at the first member reached (by parent id) */
	CHECK(ff_same(ff_at(&r, "lost+found/b/inside"), "y", 1));
	CHECK(ff_at(&r, "lost+found/b/a") != NULL);
	CHECK(ff_same(ff_at(&r, "lost+found/under-a-file"), "z", 1));
	CHECK(ff_same(ff_at(&r, "same"), "1", 1));
	CHECK(ff_mentions(&r, "duplicate name"));
	CHECK(ff_mentions(&r, "name contains '/'"));
	CHECK(ff_mentions(&r, "target object missing"));
	CHECK(ff_mentions(&r, "target is a directory"));
	CHECK(ff_mentions(&r, "special object of unknown type"));
	fg_node *ll = ff_raw(&r, "link-link");
	CHECK(ll && ll->type == FG_NODE_FILE && (ll->flags & FG_NODE_TRUNCATED));
	ff_run_free(&r);
	free(g.buf);
}

/* ---- hostile images ------------------------------------------------------------------- */

TEST(yaffs2_truncated)
{
	yg g = yg_new(2048, 64, 0, M_OOB, true);
	yg_standard(&g);
	size_t stride = 2112;
	for (size_t cut = 0; cut <= g.len; cut += stride / 2) {
		ff_run r;
		ff_run_image(&r, &fg_format_yaffs2, g.buf, cut, NULL);
		if (cut == 0) {
			CHECK(r.rc < 0);
		} else if (cut >= stride) {
			CHECK_INT_EQ(r.rc, 0);
			CHECK(ff_at(&r, "etc") != NULL);
			fg_node *bb = ff_at(&r, "bin/busybox");
			if (bb && bb->data_len < BIG)
				CHECK(bb->flags & FG_NODE_TRUNCATED);
			if (cut % stride)
				CHECK(ff_mentions(&r, "image ends inside a chunk"));
		}
		ff_run_free(&r);
	}
	free(g.buf);
	/* without tags the cut is seen in the data of the file */
	g = yg_new(2048, 0, 0, M_NOTAGS, false);
	yg_standard(&g);
	for (size_t cut = 2048 * 2; cut <= g.len; cut += 1024) {
		ff_run r;
		ff_run_image(&r, &fg_format_yaffs2, g.buf, cut, NULL);
		fg_node *bb = ff_at(&r, "bin/busybox");
		if (bb && bb->data_len < BIG)
			CHECK(bb->flags & FG_NODE_TRUNCATED);
		ff_run_free(&r);
	}
	free(g.buf);
}

TEST(yaffs2_absurd_sizes)
{
	yg g = yg_new(2048, 64, 0, M_OOB, false);
	yobj huge = { T_FILE, 1, "huge", 0100644u, 0, 0, 0, 0x7ffffffffull, -1, NULL, 0, 0 };
	yg_header(&g, 500, &huge);
	yg_chunk(&g, 500, 1, 2048, g_big, 2048);
	yobj far = { T_FILE, 1, "far", 0100644u, 0, 0, 0, 0, -1, NULL, 0, 0 };
	yg_header(&g, 501, &far);
	yg_chunk(&g, 501, 0x0ffffff0u, 100, g_big, 100); /* a chunk 512 GiB into the file */
	ff_run r;
	ff_run_image(&r, &fg_format_yaffs2, g.buf, g.len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	fg_node *h = ff_at(&r, "huge");
	CHECK(h && h->size == 0x7ffffffffull && h->data_len == 2048 && (h->flags & FG_NODE_TRUNCATED));
	fg_node *f = ff_at(&r, "far");
	CHECK(f && f->data_len == 0 && (f->flags & FG_NODE_TRUNCATED));
	CHECK(ff_mentions(&r, "expansion limit"));
	ff_run_free(&r);
	free(g.buf);
}

TEST(yaffs2_bad_chunks)
{
	yg g = yg_new(2048, 64, 0, M_OOB, false);
	yg_standard(&g);
	/* a bad block in the middle: tags of two chunks destroyed */
	memset(g.buf + 3 * 2112 + 2048, 0, 16);
	memset(g.buf + 4 * 2112 + 2048, 0, 16);
	ff_run r;
	ff_run_image(&r, &fg_format_yaffs2, g.buf, g.len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(ff_mentions(&r, "2 chunk(s) with unusable tags skipped"));
	CHECK(ff_at(&r, "bin/busybox") != NULL);
	ff_run_free(&r);
	/* followed by something else: the image ends at the last good chunk */
	size_t used = g.len;
	uint8_t *blob = malloc(used + 200 * 2112);
	REQUIRE(blob != NULL);
	memcpy(blob, g.buf, used);
	for (size_t i = 0; i < 200 * 2112; i++)
		blob[used + i] = (uint8_t)(i * 31 + 7);
	ff_run_image(&r, &fg_format_yaffs2, blob, used + 200 * 2112, NULL);
	CHECK_INT_EQ(r.root->src_length, used);
	ff_run_free(&r);
	free(blob);
	free(g.buf);
}

TEST(yaffs2_probe_rejects)
{
	uint64_t cl = 0;
	uint8_t *junk = malloc(65536);
	REQUIRE(junk != NULL);
	for (size_t i = 0; i < 65536; i++)
		junk[i] = (uint8_t)(i * 2654435761u >> 13);
	CHECK_INT_EQ(fg_format_yaffs2.probe(junk, 65536, &cl), 0);
	/* a header-like start with nothing behind it */
	memset(junk, 0, 4096);
	memcpy(junk, "\x01\0\0\0\x01\0\0\0\xff\xffname", 14);
	CHECK_INT_EQ(fg_format_yaffs2.probe(junk, 65536, &cl), 0);
	memset(junk, 0xff, 65536);
	CHECK_INT_EQ(fg_format_yaffs2.probe(junk, 65536, &cl), 0);
	CHECK_INT_EQ(fg_format_yaffs2.probe(junk, 10, &cl), 0);
	free(junk);
}

TEST(yaffs2_mutations)
{
	yg g = yg_new(2048, 64, 2, M_OOB, false);
	yg_standard(&g);
	ff_mutate(&fg_format_yaffs2, g.buf, g.len, 997, 400, 99);
	free(g.buf);
	g = yg_new(2048, 0, 0, M_NOTAGS, true);
	yg_standard(&g);
	ff_mutate(&fg_format_yaffs2, g.buf, g.len, 1499, 300, 7);
	free(g.buf);
}

TEST(yaffs2_budgets)
{
	yg g = yg_new(2048, 64, 0, M_OOB, false);
	yg_standard(&g);
	fg_limits lim;
	fg_limits_default(&lim);
	lim.max_files = 4;
	ff_run r;
	ff_run_image(&r, &fg_format_yaffs2, g.buf, g.len, &lim);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(ff_mentions(&r, "file-count limit"));
	ff_run_free(&r);
	fg_limits_default(&lim);
	lim.max_total_bytes = 4096;
	ff_run_image(&r, &fg_format_yaffs2, g.buf, g.len, &lim);
	fg_node *bb = ff_at(&r, "bin/busybox");
	CHECK(bb && bb->data_len == 0 && (bb->flags & FG_NODE_TRUNCATED));
	ff_run_free(&r);
	free(g.buf);
}

TEST(yaffs2_carved)
{
	yg g = yg_new(2048, 64, 2, M_OOB, true);
	yg_standard(&g);
	ff_carve("yaffs2", g.buf, g.len, g.len, "etc/passwd");
	free(g.buf);
	g = yg_new(2048, 64, 0, M_OOB, false);
	yg_standard(&g);
	ff_carve("yaffs2", g.buf, g.len, g.len, "bin/busybox");
	free(g.buf);
}

/* ---- samples ---------------------------------------------------------------------------- */

static void fact_sample(const char *rel, const char *info)
{
	size_t len;
	uint8_t *img = ff_sample(rel, &len);
	if (!img)
		return;
	ff_run r;
	ff_run_image(&r, &fg_format_yaffs2, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(r.diags.items.n, 0);
	CHECK_STR_EQ(r.root->format_info, info);
	fg_node *t1 = ff_at(&r, "testfile1"), *t2 = ff_at(&r, "testfile2");
	fg_node *t3 = ff_at(&r, "generic folder/test file 3_.txt");
	CHECK(t1 && t1->data_len == 62 && t1->size == 62 && !memcmp(t1->data, "test file:", 10));
	CHECK(t2 && t2->data_len == 28);
	CHECK(t3 && t3->data_len == 20 && t3->uid == 1000 && t3->mode == 0644);
	ff_counts c = ff_count(&r);
	CHECK_INT_EQ(c.files, 3);
	CHECK_INT_EQ(c.dirs, 2);
	CHECK_INT_EQ(r.root->src_length, len);
	ff_run_free(&r);
	free(img);
}

TEST(yaffs2_sample_fact)
{
	fact_sample("fact_extractor/yaffs/yaffs2_le.img", "le, 2048+64, tags in OOB at 2");
	fact_sample("fact_extractor/yaffs/yaffs2_be.img", "be, 2048+64, tags in OOB at 2");
}

TEST(yaffs2_sample_binwalk)
{
	size_t len;
	uint8_t *img = ff_sample("binwalk/yaffs2.bin", &len);
	if (!img)
		return;
	ff_run r;
	ff_run_image(&r, &fg_format_yaffs2, img, len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(r.diags.items.n, 0);
	ff_counts c = ff_count(&r);
	CHECK_INT_EQ(c.files, 13);
	fg_node *m = ff_at(&r, "mkyaffs2image.c");
	CHECK(m && m->size == 15107 && m->data_len == 15107 && m->uid == 1000 && m->mode == 0664);
	/* what unyaffs extracts: the last lines of the biggest file */
	fg_node *g = ff_at(&r, "yaffs_guts.h");
	CHECK(g && g->data_len == 27266 && !memcmp(g->data + 27266 - 7, "#endif\n", 7));
	CHECK_INT_EQ(r.root->src_length, 60 * 2112); /* four erased chunks follow */
	ff_run_free(&r);
	free(img);
}
