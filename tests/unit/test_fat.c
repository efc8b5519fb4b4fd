/*
 * test_fat.c - the FAT12/16/32 reader.
 *
 * A small FAT12 volume is built byte by byte so each hostile case (chain
 * loops, cross-linked clusters, directory cycles, bad and free clusters
 * in a chain, broken long names, duplicate names, deep nesting, absurd
 * BPBs) says exactly what it breaks. Real volumes of each FAT type come
 * from mkfs.fat and are filled with mtools (no mounting): long and
 * non-ASCII names, nested directories, a file spanning many clusters, a
 * fragmented file, an empty file, a read-only file, and mtimes, all
 * compared with what was staged.
 */
#include "disk_util.h"

extern const fg_format fg_format_fat;
extern const fg_format fg_format_mbr;

/* ---- a synthetic FAT12 volume --------------------------------------------- */

#define S_TOTAL 200u        /* sectors of 512 bytes, one sector per cluster */
#define S_FAT1 1u
#define S_FAT2 2u
#define S_ROOT 3u           /* 32 entries: two sectors */
#define S_DATA 5u           /* cluster 2 */

static uint8_t *cluster_at(uint8_t *img, unsigned cl)
{
	return img + (S_DATA + cl - 2) * 512;
}

static void fat12_set(uint8_t *img, unsigned cl, unsigned v)
{
	for (unsigned f = S_FAT1; f <= S_FAT2; f++) {
		uint8_t *p = img + f * 512 + cl + cl / 2;
		if (cl & 1) {
			p[0] = (uint8_t)((p[0] & 0x0f) | (v << 4));
			p[1] = (uint8_t)(v >> 4);
		} else {
			p[0] = (uint8_t)v;
			p[1] = (uint8_t)((p[1] & 0xf0) | ((v >> 8) & 0x0f));
		}
	}
}

/* Chains clusters C[0..N-1] and ends the chain. */
static void chain(uint8_t *img, const unsigned *c, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		fat12_set(img, c[i], i + 1 < n ? c[i + 1] : 0xfff);
}

#define DATE(y, m, d) ((uint16_t)(((y) - 1980) << 9 | (m) << 5 | (d)))
#define TIME(h, mi, s) ((uint16_t)((h) << 11 | (mi) << 5 | (s) / 2))
#define T_DATE DATE(2024, 2, 29)
#define T_TIME TIME(13, 45, 58)
#define T_EPOCH 1709214358

static uint8_t *dirent(uint8_t *p, const char *name11, uint8_t attr, unsigned cluster, uint32_t size)
{
	memset(p, 0, 32);
	memcpy(p, name11, 11);
	p[11] = attr;
	du_le16(p + 22, T_TIME);
	du_le16(p + 24, T_DATE);
	du_le16(p + 26, (uint16_t)cluster);
	du_le32(p + 28, size);
	return p + 32;
}

static uint8_t lfn_sum(const char *name11)
{
	uint8_t s = 0;
	for (int i = 0; i < 11; i++)
		s = (uint8_t)(((s & 1) << 7) + (s >> 1) + (uint8_t)name11[i]);
	return s;
}

/* Long-name entries for ASCII NAME (at most 26 characters) tied to
 * SHORT11, then the short entry. */
static uint8_t *lfn_dirent(uint8_t *p, const char *name, const char *short11, uint8_t attr,
			   unsigned cluster, uint32_t size)
{
	static const uint8_t pos[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
	size_t len = strlen(name);
	unsigned n = (unsigned)((len + 13) / 13); /* room for the terminating NUL */
	uint8_t sum = lfn_sum(short11);
	for (unsigned k = n; k >= 1; k--) {
		memset(p, 0, 32);
		p[0] = (uint8_t)(k | (k == n ? 0x40 : 0));
		p[11] = 0x0f;
		p[13] = sum;
		for (unsigned i = 0; i < 13; i++) {
			size_t at = (k - 1) * 13 + i;
			uint16_t u = at < len ? (uint8_t)name[at] : at == len ? 0 : 0xffff;
			du_le16(p + pos[i], u);
		}
		p += 32;
	}
	return dirent(p, short11, attr, cluster, size);
}

/* Fills cluster CL with its own pattern. */
static void fill(uint8_t *img, unsigned cl)
{
	memset(cluster_at(img, cl), 'A' + (int)(cl % 26), 512);
}

static uint8_t *make_fat12(size_t *len)
{
	*len = S_TOTAL * 512;
	uint8_t *b = calloc(1, *len);
	b[0] = 0xeb; b[1] = 0x3c; b[2] = 0x90;
	memcpy(b + 3, "FGTEST  ", 8);
	du_le16(b + 11, 512);
	b[13] = 1;
	du_le16(b + 14, 1);
	b[16] = 2;
	du_le16(b + 17, 32);
	du_le16(b + 19, S_TOTAL);
	b[21] = 0xf8;
	du_le16(b + 22, 1);
	b[38] = 0x29;
	memcpy(b + 43, "SYNTH      ", 11);
	memcpy(b + 54, "FAT12   ", 8);
	b[510] = 0x55;
	b[511] = 0xaa;
	for (unsigned f = S_FAT1; f <= S_FAT2; f++) {
		b[f * 512] = 0xf8;
		b[f * 512 + 1] = 0xff;
		b[f * 512 + 2] = 0xff;
	}
	return b;
}

/* The standard content: a two-cluster file, a sub-directory with a long
 * name and a fragmented file, a label, a deleted entry, NT lower case,
 * a 0x05 lead byte, a read-only file, an empty file. */
static uint8_t *make_tree(size_t *len)
{
	uint8_t *b = make_fat12(len);
	uint8_t *r = b + S_ROOT * 512;
	r = dirent(r, "SYNTHVOL   ", 0x08, 0, 0);
	fill(b, 2);
	fill(b, 3);
	chain(b, (unsigned[]){ 2, 3 }, 2);
	r = dirent(r, "HELLO   TXT", 0x20, 2, 600);
	r = dirent(r, "\xe5" "GONE    TXT", 0x20, 4, 100);
	uint8_t *lower = r;
	r = dirent(r, "LOWER   TXT", 0x20, 0, 0);
	lower[12] = 0x18;
	r = dirent(r, "\x05" "ABC    BIN", 0x20, 0, 0);
	fill(b, 5);
	chain(b, (unsigned[]){ 5 }, 1);
	r = dirent(r, "RO      TXT", 0x21, 5, 7);
	chain(b, (unsigned[]){ 10 }, 1);
	r = dirent(r, "SUB        ", 0x10, 10, 0);

	uint8_t *s = cluster_at(b, 10);
	s = dirent(s, ".          ", 0x10, 10, 0);
	s = dirent(s, "..         ", 0x10, 0, 0);
	fill(b, 11);
	chain(b, (unsigned[]){ 11 }, 1);
	s = lfn_dirent(s, "A Long Name.txt", "ALONGN~1TXT", 0x20, 11, 10);
	fill(b, 20);
	fill(b, 15);
	fill(b, 30);
	chain(b, (unsigned[]){ 20, 15, 30 }, 3);
	s = dirent(s, "FRAG    BIN", 0x20, 20, 1500);
	return b;
}

static du_env unpack_fat(const uint8_t *b, size_t len)
{
	return du_unpack(&fg_format_fat, b, len);
}

static fg_node *at(du_env *e, const char *path)
{
	return e->root ? fg_tree_lookup(e->root, path, false) : NULL;
}

TEST(fat_synthetic_volume)
{
	size_t len;
	uint8_t *b = make_tree(&len);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_fat.probe(b, len, &cl), 85);
	CHECK_INT_EQ(cl, len);
	CHECK(du_best(b, len, NULL, NULL) == &fg_format_fat);
	du_env e = unpack_fat(b, len);
	CHECK_INT_EQ(e.rc, 0);
	REQUIRE(e.root);
	CHECK_STR_EQ(e.root->format_info, "FAT12, 512-byte clusters, label \"SYNTHVOL\"");
	CHECK_INT_EQ(e.root->src_length, len);
	/* root: HELLO.TXT, lower.txt, <0xE5>ABC.BIN, RO.TXT, SUB */
	CHECK_INT_EQ(e.root->nchildren, 5);
	fg_node *h = at(&e, "HELLO.TXT");
	REQUIRE(h);
	CHECK_INT_EQ(h->size, 600);
	CHECK_INT_EQ(h->data_len, 600);
	CHECK(h->data == cluster_at(b, 2)); /* contiguous: in place */
	CHECK_INT_EQ(h->mode, 0644);
	CHECK_INT_EQ(h->mtime, T_EPOCH);
	CHECK(at(&e, "GONE.TXT") == NULL);
	CHECK(at(&e, "\xe5GONE.TXT") == NULL);
	CHECK(at(&e, "SYNTHVOL") == NULL);
	fg_node *lo = at(&e, "lower.txt");
	REQUIRE(lo);
	CHECK_INT_EQ(lo->size, 0);
	CHECK(lo->data_len == 0);
	CHECK(at(&e, "\xcf\x83" "ABC.BIN") != NULL); /* 0x05 stands for 0xE5: CP437 sigma */
	fg_node *ro = at(&e, "RO.TXT");
	REQUIRE(ro);
	CHECK_INT_EQ(ro->mode, 0444);
	CHECK_INT_EQ(ro->data_len, 7);
	fg_node *sub = at(&e, "SUB");
	REQUIRE(sub);
	CHECK(sub->type == FG_NODE_DIR);
	CHECK_INT_EQ(sub->mode, 0755);
	CHECK_INT_EQ(sub->nchildren, 2);
	fg_node *ln = at(&e, "SUB/A Long Name.txt");
	REQUIRE(ln);
	CHECK_INT_EQ(ln->data_len, 10);
	CHECK(ln->data == cluster_at(b, 11));
	fg_node *fr = at(&e, "SUB/FRAG.BIN");
	REQUIRE(fr);
	CHECK_INT_EQ(fr->data_len, 1500);
	/* fragmented: copied, in chain order */
	CHECK(fr->data < b || fr->data >= b + len);
	CHECK(!memcmp(fr->data, cluster_at(b, 20), 512));
	CHECK(!memcmp(fr->data + 512, cluster_at(b, 15), 512));
	CHECK(!memcmp(fr->data + 1024, cluster_at(b, 30), 476));
	du_no_diags(e.res);
	fg_result_free(e.res);
	free(b);
}

TEST(fat_probe_rejects_bad_bpbs)
{
	size_t len;
	uint8_t *b = make_tree(&len);
	uint64_t cl;
	struct { unsigned off; uint8_t v; } bad[] = {
		{ 0, 0x00 },   /* no jump */
		{ 11, 0x03 },  /* bytes per sector 0x203 */
		{ 13, 3 },     /* sectors per cluster not a power of two */
		{ 13, 0 },
		{ 14, 0 },     /* no reserved sectors */
		{ 16, 0 },     /* no FAT */
		{ 16, 9 },     /* nine FATs */
		{ 21, 0x12 },  /* media byte */
		{ 22, 0 },     /* FAT size 0 and no FAT32 fields */
		{ 19, 3 },     /* total sectors smaller than the metadata */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t keep = b[bad[i].off];
		b[bad[i].off] = bad[i].v;
		if (bad[i].off == 19)
			b[20] = 0;
		CHECK_INT_EQ(fg_format_fat.probe(b, len, &cl), 0);
		du_env e = unpack_fat(b, len);
		CHECK_INT_EQ(e.rc, -1);
		fg_result_free(e.res);
		b[bad[i].off] = keep;
		if (bad[i].off == 19)
			b[20] = (uint8_t)(S_TOTAL >> 8);
	}
	CHECK_INT_EQ(fg_format_fat.probe(b, len, &cl), 85);
	/* a FAT that does not start with the media byte: not carved */
	b[S_FAT1 * 512] = 0xf0;
	CHECK(fg_format_fat.probe(b, len, &cl) < FG_CARVE_MIN_CONFIDENCE);
	b[S_FAT1 * 512] = 0xf8;
	/* the volume is larger than the data: only at the start of a file */
	CHECK_INT_EQ(fg_format_fat.probe(b, len - 512, &cl), 40);
	CHECK_INT_EQ(cl, len - 512);
	/* a huge sector count */
	du_le16(b + 19, 0);
	du_le32(b + 32, 0xffffffff);
	CHECK_INT_EQ(fg_format_fat.probe(b, len, &cl), 40);
	du_env e = unpack_fat(b, len);
	CHECK(du_diag_has(e.res, "image cut short"));
	CHECK(du_diag_has(e.res, "the FAT holds fewer entries than the volume has clusters"));
	CHECK(at(&e, "HELLO.TXT") != NULL);
	fg_result_free(e.res);
	free(b);
}

TEST(fat_chain_loops_and_cross_links)
{
	size_t len;
	uint8_t *b = make_fat12(&len);
	uint8_t *r = b + S_ROOT * 512;
	for (unsigned c = 2; c < 60; c++)
		fill(b, c);
	/* a loop: 2 -> 3 -> 4 -> 2 for a file of five clusters */
	fat12_set(b, 2, 3);
	fat12_set(b, 3, 4);
	fat12_set(b, 4, 2);
	r = dirent(r, "LOOP    BIN", 0x20, 2, 5 * 512);
	/* cross-linked: B starts inside A's chain */
	chain(b, (unsigned[]){ 6, 7 }, 2);
	r = dirent(r, "A       BIN", 0x20, 6, 1024);
	r = dirent(r, "B       BIN", 0x20, 7, 512);
	/* a bad cluster, a free cluster, an out-of-range link, no cluster */
	fat12_set(b, 8, 0xff7);
	r = dirent(r, "BAD     BIN", 0x20, 8, 1024);
	fat12_set(b, 9, 0);
	r = dirent(r, "FREE    BIN", 0x20, 9, 1024);
	fat12_set(b, 11, 0xff0);
	r = dirent(r, "RANGE   BIN", 0x20, 11, 1024);
	r = dirent(r, "NOCLUST BIN", 0x20, 0, 100);
	r = dirent(r, "FAR     BIN", 0x20, 4000, 100);
	/* the chain ends early */
	chain(b, (unsigned[]){ 12 }, 1);
	r = dirent(r, "SHORT   BIN", 0x20, 12, 3000);
	/* a fragmented file in a loop: copied up to the repeat */
	fat12_set(b, 20, 22);
	fat12_set(b, 22, 21);
	fat12_set(b, 21, 22);
	r = dirent(r, "FRAGLOOPBIN", 0x20, 20, 10 * 512);
	du_env e = unpack_fat(b, len);
	CHECK_INT_EQ(e.rc, 0);
	REQUIRE(e.root);
	struct { const char *name; size_t got; } want[] = {
		{ "LOOP.BIN", 3 * 512 }, { "A.BIN", 1024 }, { "B.BIN", 0 }, { "BAD.BIN", 512 },
		{ "FREE.BIN", 512 }, { "RANGE.BIN", 512 }, { "NOCLUST.BIN", 0 }, { "FAR.BIN", 0 },
		{ "SHORT.BIN", 512 }, { "FRAGLOOP.BIN", 3 * 512 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		fg_node *n = at(&e, want[i].name);
		if (!n) {
			fprintf(stderr, "  no %s\n", want[i].name);
			CHECK(n != NULL);
			continue;
		}
		if (n->data_len != want[i].got)
			fprintf(stderr, "  %s: %zu bytes\n", want[i].name, n->data_len);
		CHECK_INT_EQ(n->data_len, want[i].got);
		CHECK(!strcmp(want[i].name, "A.BIN") || (n->flags & FG_NODE_TRUNCATED));
	}
	fg_node *fl = at(&e, "FRAGLOOP.BIN");
	REQUIRE(fl && fl->data_len == 3 * 512);
	CHECK(!memcmp(fl->data + 512, cluster_at(b, 22), 512));
	CHECK(!memcmp(fl->data + 1024, cluster_at(b, 21), 512));
	CHECK(du_diag_has(e.res, "cluster already in use (a loop or a cross-link)"));
	CHECK(du_diag_has(e.res, "bad cluster"));
	CHECK(du_diag_has(e.res, "runs into a free cluster"));
	CHECK(du_diag_has(e.res, "points outside the volume"));
	CHECK(du_diag_has(e.res, "cluster number outside the volume"));
	CHECK(du_diag_has(e.res, "cluster chain ends early"));
	fg_result_free(e.res);
	free(b);
}

TEST(fat_directory_cycles_and_depth)
{
	size_t len;
	uint8_t *b = make_fat12(&len);
	uint8_t *r = b + S_ROOT * 512;
	chain(b, (unsigned[]){ 10 }, 1);
	r = dirent(r, "SUB        ", 0x10, 10, 0);
	uint8_t *s = cluster_at(b, 10);
	s = dirent(s, "SELF       ", 0x10, 10, 0);       /* itself */
	chain(b, (unsigned[]){ 11 }, 1);
	s = dirent(s, "CHILD      ", 0x10, 11, 0);
	uint8_t *c = cluster_at(b, 11);
	c = dirent(c, "BACK       ", 0x10, 10, 0);       /* its parent */
	c = dirent(c, "EMPTYDIR   ", 0x10, 0, 0);        /* no cluster */
	/* a directory chain that loops: 12 -> 13 -> 12, both clusters full
	 * (an empty slot would end the directory before the loop) */
	fat12_set(b, 12, 13);
	fat12_set(b, 13, 12);
	r = dirent(r, "LOOPDIR    ", 0x10, 12, 0);
	for (unsigned i = 0; i < 16; i++) {
		char nx[12], ny[12];
		du_fmt(nx, sizeof(nx), "X%02u     TXT", i);
		du_fmt(ny, sizeof(ny), "Y%02u     TXT", i);
		dirent(cluster_at(b, 12) + 32 * i, nx, 0x20, 0, 0);
		dirent(cluster_at(b, 13) + 32 * i, ny, 0x20, 0, 0);
	}
	/* 80 directories nested */
	r = dirent(r, "DEEP       ", 0x10, 100, 0);
	for (unsigned i = 0; i < 80; i++) {
		chain(b, (unsigned[]){ 100 + i }, 1);
		dirent(cluster_at(b, 100 + i), "D          ", 0x10, 101 + i, 0);
	}
	chain(b, (unsigned[]){ 180 }, 1);
	du_env e = unpack_fat(b, len);
	REQUIRE(e.root);
	CHECK(at(&e, "SUB/SELF") != NULL);
	CHECK(at(&e, "SUB/CHILD/BACK") != NULL);
	CHECK_INT_EQ(at(&e, "SUB/SELF")->nchildren, 0);
	CHECK_INT_EQ(at(&e, "SUB/CHILD/BACK")->nchildren, 0);
	CHECK(at(&e, "SUB/CHILD/EMPTYDIR") != NULL);
	CHECK(at(&e, "LOOPDIR/X00.TXT") != NULL);
	CHECK(at(&e, "LOOPDIR/Y15.TXT") != NULL);
	CHECK_INT_EQ(at(&e, "LOOPDIR")->nchildren, 32);
	CHECK(du_diag_has(e.res, "directory not read further: cluster already in use"));
	CHECK(du_diag_has(e.res, "directory without clusters"));
	CHECK(du_diag_has(e.res, "directory nesting deeper than 64"));
	char deep[400] = "DEEP";
	for (unsigned i = 0; i < 63; i++)
		strcat(deep, "/D");
	CHECK(at(&e, deep) != NULL);
	strcat(deep, "/D/D");
	CHECK(at(&e, deep) == NULL);
	fg_result_free(e.res);
	free(b);
}

TEST(fat_long_names_checked)
{
	size_t len;
	uint8_t *b = make_fat12(&len);
	uint8_t *r = b + S_ROOT * 512;
	r = lfn_dirent(r, "good long name.txt", "GOODLO~1TXT", 0x20, 0, 0);
	/* checksum of another short name */
	uint8_t *bad = r;
	r = lfn_dirent(r, "wrong sum.txt", "WRONGS~1TXT", 0x20, 0, 0);
	bad[13] ^= 0x55;
	/* the first (highest) part missing */
	uint8_t *gap = r;
	r = lfn_dirent(r, "a name needing two entries.txt", "ANAMEN~1TXT", 0x20, 0, 0);
	memset(gap, 0, 32);
	gap[0] = 0xe5; /* deleted: breaks the sequence */
	/* an orphan long-name entry before a plain short entry */
	uint8_t *orph = r;
	r = lfn_dirent(r, "orphan", "OTHER   TXT", 0x20, 0, 0);
	orph[0] = 0x02; /* no "last" flag */
	/* a slash and a control character in a long name */
	r = lfn_dirent(r, "a/b\x01", "AB~1       ", 0x20, 0, 0);
	/* two entries of one name */
	r = dirent(r, "TWICE   TXT", 0x20, 0, 0);
	r = dirent(r, "TWICE   TXT", 0x20, 0, 0);
	/* a short name of spaces */
	r = dirent(r, "           ", 0x20, 0, 0);
	du_env e = unpack_fat(b, len);
	REQUIRE(e.root);
	CHECK(at(&e, "good long name.txt") != NULL);
	CHECK(at(&e, "WRONGS~1.TXT") != NULL);
	CHECK(at(&e, "ANAMEN~1.TXT") != NULL);
	CHECK(at(&e, "OTHER.TXT") != NULL);
	CHECK(at(&e, "a_b_") != NULL);
	CHECK(at(&e, "TWICE.TXT") != NULL);
	CHECK(du_diag_has(e.res, "second entry named TWICE.TXT ignored"));
	CHECK(du_diag_has(e.res, "entry without a usable name skipped"));
	CHECK_INT_EQ(e.root->nchildren, 6);
	fg_result_free(e.res);
	free(b);
}

TEST(fat_survives_cuts_and_corruption)
{
	size_t len;
	uint8_t *b = make_tree(&len);
	size_t cuts[] = { 0, 62, 511, 512, 513, 1024, 1536, 2048, S_ROOT * 512 + 100, S_DATA * 512,
			  S_DATA * 512 + 700, 12 * 512, 25 * 512, len - 1 };
	du_survive_cuts(&fg_format_fat, b, cuts, sizeof(cuts) / sizeof(cuts[0]));
	/* cut inside the fragmented file: what is there is kept */
	du_env e = unpack_fat(b, (S_DATA + 28) * 512);
	REQUIRE(e.root);
	fg_node *fr = at(&e, "SUB/FRAG.BIN");
	REQUIRE(fr);
	CHECK_INT_EQ(fr->data_len, 1024);
	CHECK(fr->flags & FG_NODE_TRUNCATED);
	CHECK(du_diag_has(e.res, "image cut short"));
	fg_result_free(e.res);
	/* cut inside the FAT and the root directory */
	e = unpack_fat(b, 1024 + 100);
	CHECK(du_diag_has(e.res, "root directory cut short: 0 of 1024 bytes"));
	fg_result_free(e.res);

	/* random damage anywhere */
	uint8_t *c = malloc(len);
	for (uint32_t s = 1; s <= 400; s++) {
		memcpy(c, b, len);
		uint8_t *rnd = du_noise(64, s);
		for (unsigned i = 0; i + 3 < 64; i += 4) {
			size_t off = ((size_t)rnd[i] << 8 | rnd[i + 1]) % (s & 1 ? 6 * 512 : len);
			c[off] = rnd[i + 2];
		}
		free(rnd);
		uint64_t cl;
		fg_format_fat.probe(c, len, &cl);
		du_env x = unpack_fat(c, len);
		fg_result_free(x.res);
	}
	free(c);
	free(b);
}

TEST(fat_budget_limits)
{
	size_t len;
	uint8_t *b = make_tree(&len);
	fg_result *r = fg_result_new(NULL);
	r->budget.limits.max_files = 3;
	fg_node *root = NULL;
	fg_unpack_buffer_for_test(&r->tree, &r->budget, &r->diags, &fg_format_fat, "v.img", b, len,
				  &root);
	REQUIRE(root);
	CHECK(du_diag_has(r, "file-count limit"));
	fg_result_free(r);

	/* a fragmented file needs bytes; without them the node stays empty */
	r = fg_result_new(NULL);
	r->budget.limits.max_total_bytes = 1000;
	fg_unpack_buffer_for_test(&r->tree, &r->budget, &r->diags, &fg_format_fat, "v.img", b, len,
				  &root);
	fg_node *fr = fg_tree_lookup(root, "SUB/FRAG.BIN", false);
	REQUIRE(fr);
	CHECK_INT_EQ(fr->data_len, 0);
	CHECK(du_diag_has(r, "byte budget spent"));
	fg_result_free(r);
	free(b);
}

/* ---- real volumes from mkfs.fat and mtools --------------------------------- */

static bool have_tools(void)
{
	return du_have("mkfs.fat") && du_have("mcopy") && du_have("mmd") && du_have("mattrib") &&
	       du_have("mdel");
}

#define STAGE_MTIME "2023-06-15 10:20:30"
#define STAGE_EPOCH 1686824430

static void stage(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	const char *d = du_dir();
	REQUIRE(du_sh("cd '%s' && rm -rf st && mkdir -p st/etc/init.d st/a/b/c/d/e && "
		      "printf 'root:x:0:0::/root:/bin/sh\\n' > st/etc/passwd && "
		      "printf '#!/bin/sh\\ntelnetd\\n' > 'st/etc/init.d/S50 Telnet Daemon.sh' && "
		      "head -c 300000 /dev/urandom > st/a/big.bin && "
		      ": > st/empty.txt && printf 'deep\\n' > st/a/b/c/d/e/deep.txt && "
		      "printf 'x\\n' > 'st/Überlänge ñame.txt' && "
		      "printf 'readonly\\n' > st/ro.cfg && "
		      "head -c 3000 /dev/urandom > st/first.bin && printf 'b\\n' > st/between.txt && "
		      "head -c 40000 /dev/urandom > st/frag.bin && "
		      "find st -exec touch -h -d '" STAGE_MTIME "' {} +", d) == 0);
}

/* mkfs.fat -F BITS of KIB KiB, the staged tree copied in, first.bin
 * deleted after between.txt so frag.bin is fragmented. */
static uint8_t *make_volume(int bits, unsigned kib, size_t *len)
{
	stage();
	char name[32], hint[200] = "";
	du_fmt(name, sizeof(name), "v%d.img", bits);
	/* FAT32 keeps a next-free hint in its FSInfo sector: clear it so the
	 * freed clusters are reused */
	if (bits == 32)
		du_fmt(hint, sizeof(hint), "printf '\\377\\377\\377\\377' | "
		       "dd of=../%s bs=1 seek=%u conv=notrunc status=none && ", name, 512 + 492);
	const char *d = du_dir();
	if (du_sh("cd '%s/st' && rm -f ../%s && mkfs.fat -C -F %d -n VOL%d ../%s %u >/dev/null && "
		  "mcopy -s -m -i ../%s etc a empty.txt 'Überlänge ñame.txt' ro.cfg first.bin between.txt ::/ && "
		  "mdel -i ../%s ::/first.bin && %s"
		  "mcopy -m -i ../%s frag.bin ::/ && "
		  "mattrib -i ../%s +r ::/ro.cfg", d, name, bits, bits, name, kib, name, name, hint, name,
		  name) != 0) {
		printf("building the FAT%d volume failed\n", bits);
		return NULL;
	}
	return du_read(name, len);
}

static void check_file(du_env *e, const char *path, const char *staged)
{
	fg_node *n = at(e, path);
	if (!n) {
		fprintf(stderr, "  no %s\n", path);
		CHECK(n != NULL);
		return;
	}
	char p[PATH_MAX];
	du_fmt(p, sizeof(p), "%s/st/%s", du_dir(), staged);
	size_t len;
	uint8_t *want = du_slurp(p, &len);
	REQUIRE(want);
	CHECK(n->type == FG_NODE_FILE);
	CHECK_INT_EQ(n->size, len);
	CHECK_INT_EQ(n->data_len, len);
	CHECK(len == 0 || (n->data && !memcmp(n->data, want, len)));
	CHECK_INT_EQ(n->mtime, STAGE_EPOCH);
	CHECK(!(n->flags & FG_NODE_TRUNCATED));
	free(want);
}

static void check_volume(int bits, unsigned kib)
{
	size_t len;
	uint8_t *img = make_volume(bits, kib, &len);
	REQUIRE(img);
	uint64_t cl;
	CHECK_INT_EQ(fg_format_fat.probe(img, len, &cl), 85);
	CHECK_INT_EQ(cl, len);
	CHECK(fg_format_mbr.probe(img, len, &cl) <= 10);
	CHECK(du_best(img, len, NULL, NULL) == &fg_format_fat);
	du_env e = unpack_fat(img, len);
	CHECK_INT_EQ(e.rc, 0);
	REQUIRE(e.root);
	char info[64];
	du_fmt(info, sizeof(info), "FAT%d, ", bits);
	REQUIRE(e.root->format_info);
	CHECK(strstr(e.root->format_info, info) == e.root->format_info);
	du_fmt(info, sizeof(info), "label \"VOL%d\"", bits);
	CHECK(strstr(e.root->format_info, info));
	check_file(&e, "etc/passwd", "etc/passwd");
	check_file(&e, "etc/init.d/S50 Telnet Daemon.sh", "etc/init.d/S50 Telnet Daemon.sh");
	check_file(&e, "a/big.bin", "a/big.bin");
	check_file(&e, "a/b/c/d/e/deep.txt", "a/b/c/d/e/deep.txt");
	check_file(&e, "empty.txt", "empty.txt");
	check_file(&e, "Überlänge ñame.txt", "Überlänge ñame.txt");
	check_file(&e, "ro.cfg", "ro.cfg");
	check_file(&e, "between.txt", "between.txt");
	check_file(&e, "frag.bin", "frag.bin");
	CHECK(at(&e, "first.bin") == NULL);
	CHECK(at(&e, "FIRST.BIN") == NULL);
	fg_node *fr = at(&e, "frag.bin");
	REQUIRE(fr);
	CHECK(fr->data < img || fr->data >= img + len); /* fragmented: a copy */
	fg_node *big = at(&e, "a/big.bin");
	REQUIRE(big);
	CHECK(big->data >= img && big->data < img + len); /* contiguous: in place */
	CHECK_INT_EQ(at(&e, "ro.cfg")->mode, 0444);
	CHECK_INT_EQ(at(&e, "etc/passwd")->mode, 0644);
	CHECK_INT_EQ(at(&e, "a/b/c")->mode, 0755);
	CHECK(at(&e, "a/b/c")->type == FG_NODE_DIR);
	CHECK_INT_EQ(du_count_files(e.root), 9);
	du_no_diags(e.res);
	fg_result_free(e.res);

	size_t cuts[] = { 512, len / 7, len / 3, len / 2, len - 1 };
	du_survive_cuts(&fg_format_fat, img, cuts, sizeof(cuts) / sizeof(cuts[0]));
	free(img);
}

TEST(fat12_from_mkfs)
{
	if (have_tools())
		check_volume(12, 2048);
}

TEST(fat16_from_mkfs)
{
	if (have_tools())
		check_volume(16, 20480);
}

TEST(fat32_from_mkfs)
{
	if (have_tools())
		check_volume(32, 40960);
}

TEST(fat32_root_chain_loop)
{
	if (!have_tools())
		return;
	size_t len;
	uint8_t *img = make_volume(32, 40960, &len);
	REQUIRE(img);
	/* the root directory's cluster links to itself; its free slots are
	 * made deleted ones so no end mark stops the reader first */
	uint32_t root = fg_load_u32le(img + 44);
	uint32_t reserved = (uint32_t)(img[14] | img[15] << 8);
	uint32_t fatsz = fg_load_u32le(img + 36);
	uint32_t cb = (uint32_t)img[13] * 512;
	uint8_t *dir = img + (reserved + img[16] * fatsz) * 512 + (root - 2) * cb;
	for (uint32_t o = 0; o < cb; o += 32)
		if (dir[o] == 0)
			dir[o] = 0xe5;
	du_le32(img + reserved * 512 + root * 4, root);
	du_env e = unpack_fat(img, len);
	REQUIRE(e.root);
	CHECK(at(&e, "etc/passwd") != NULL);
	CHECK(du_diag_has(e.res, "directory not read further: cluster already in use"));
	fg_result_free(e.res);
	free(img);
}
