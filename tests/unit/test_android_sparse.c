/*
 * test_android_sparse.c - Android sparse images: img2simg on an ext4
 * image made with mkfs.ext4 -d, unpacked through the engine end to end
 * (android_sparse > ext); hand-made images with every chunk type (raw,
 * fill, don't care, CRC32) checked byte for byte; a terabyte of "don't
 * care" that must be capped, not allocated; truncation at every chunk,
 * corrupt chunk headers, CRC mismatches, carving, and random corruption.
 * The img2simg test skips when the tools are missing.
 */
#include <zlib.h>

#include "flashfs_util.h"

extern const fg_format fg_format_android_sparse;

#define BLK 4096

typedef struct sp {
	uint8_t *buf;
	size_t len, cap;
	uint32_t blocks, chunks;
} sp;

static void sp_put(sp *s, const void *p, size_t n)
{
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2;
		s->buf = realloc(s->buf, s->cap);
		if (!s->buf)
			exit(1);
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

static void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static sp sp_new(void)
{
	sp s = { 0 };
	uint8_t h[28] = { 0 };
	sp_put(&s, h, sizeof(h));
	return s;
}

static void sp_chunk(sp *s, uint16_t type, uint32_t blocks, const void *payload, uint32_t plen)
{
	uint8_t c[12];
	le16(c, type);
	le16(c + 2, 0);
	le32(c + 4, blocks);
	le32(c + 8, 12 + plen);
	sp_put(s, c, sizeof(c));
	if (plen)
		sp_put(s, payload, plen);
	s->blocks += type == 0xCAC4 ? 0 : blocks;
	s->chunks++;
}

/* Writes the file header for what was added. */
static void sp_finish(sp *s, uint32_t total_blocks, uint32_t crc)
{
	uint8_t *h = s->buf;
	le32(h, 0xED26FF3Au);
	le16(h + 4, 1);
	le16(h + 6, 0);
	le16(h + 8, 28);
	le16(h + 10, 12);
	le32(h + 12, BLK);
	le32(h + 16, total_blocks);
	le32(h + 20, s->chunks);
	le32(h + 24, crc);
}

/* raw (2 blocks), fill 0xdeadbeef (3), don't care (4), CRC, raw (1) */
static uint8_t g_raw[3 * BLK];
static uint8_t g_want[10 * BLK];

static sp build_mixed(bool with_crc, bool bad_crc)
{
	for (size_t i = 0; i < sizeof(g_raw); i++)
		g_raw[i] = (uint8_t)(i * 7 + 1);
	memset(g_want, 0, sizeof(g_want));
	memcpy(g_want, g_raw, 2 * BLK);
	for (size_t i = 0; i < 3 * BLK; i += 4)
		le32(g_want + 2 * BLK + i, 0xdeadbeefu);
	memcpy(g_want + 9 * BLK, g_raw + 2 * BLK, BLK);
	sp s = sp_new();
	sp_chunk(&s, 0xCAC1, 2, g_raw, 2 * BLK);
	uint8_t fill[4];
	le32(fill, 0xdeadbeefu);
	sp_chunk(&s, 0xCAC2, 3, fill, 4);
	sp_chunk(&s, 0xCAC3, 4, NULL, 0);
	if (with_crc) {
		uint8_t c[4];
		le32(c, (uint32_t)crc32(0, g_want, 9 * BLK) ^ (bad_crc ? 1u : 0u));
		sp_chunk(&s, 0xCAC4, 0, c, 4);
	}
	sp_chunk(&s, 0xCAC1, 1, g_raw + 2 * BLK, BLK);
	sp_finish(&s, 10, (uint32_t)crc32(0, g_want, sizeof(g_want)));
	return s;
}

TEST(sparse_chunk_types)
{
	sp s = build_mixed(true, false);
	ff_run r;
	ff_run_image(&r, &fg_format_android_sparse, s.buf, s.len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK_INT_EQ(r.diags.items.n, 0);
	ff_dump_diags(&r);
	CHECK(ff_same(ff_at(&r, "image.raw"), g_want, sizeof(g_want)));
	CHECK_STR_EQ(r.root->format_info, "v1.0, 4096-byte blocks, 5 chunks");
	CHECK_INT_EQ(r.root->src_length, s.len);
	uint64_t cl = 0;
	CHECK(fg_format_android_sparse.probe(s.buf, s.len, &cl) >= 90);
	CHECK_INT_EQ(cl, s.len);
	ff_run_free(&r);
	/* trailing bytes are not part of the chunk */
	sp_put(&s, "trailing junk", 13);
	cl = 0;
	CHECK(fg_format_android_sparse.probe(s.buf, s.len, &cl) >= 90);
	CHECK_INT_EQ(cl, s.len - 13);
	ff_carve("android_sparse", s.buf, s.len - 13, s.len - 13, "image.raw");
	free(s.buf);
}

TEST(sparse_crc_mismatch)
{
	sp s = build_mixed(true, true);
	ff_run r;
	ff_run_image(&r, &fg_format_android_sparse, s.buf, s.len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	CHECK(ff_mentions(&r, "CRC chunk 3"));
	CHECK(ff_same(ff_at(&r, "image.raw"), g_want, sizeof(g_want)));
	ff_run_free(&r);
	/* the header's image CRC */
	free(s.buf);
	s = build_mixed(false, false);
	le32(s.buf + 24, 12345);
	ff_run_image(&r, &fg_format_android_sparse, s.buf, s.len, NULL);
	CHECK(ff_mentions(&r, "image CRC"));
	ff_run_free(&r);
	free(s.buf);
}

/* A terabyte of nothing: capped by the budget, never allocated. */
TEST(sparse_terabyte_dont_care)
{
	sp s = sp_new();
	sp_chunk(&s, 0xCAC1, 1, g_raw, BLK);
	sp_chunk(&s, 0xCAC3, 0x10000000u - 1, NULL, 0);
	sp_finish(&s, 0x10000000u, 0);
	ff_run r;
	ff_run_image(&r, &fg_format_android_sparse, s.buf, s.len, NULL);
	CHECK_INT_EQ(r.rc, 0);
	fg_node *img = ff_at(&r, "image.raw");
	REQUIRE(img != NULL);
	CHECK(img->size == (1ull << 40));
	CHECK(img->data_len <= (8u << 20)); /* the ratio cap: 1000 x ~4 KiB, at least 1 MiB */
	CHECK(img->data_len >= BLK && !memcmp(img->data, g_raw, BLK));
	CHECK(img->flags & FG_NODE_TRUNCATED);
	CHECK(ff_mentions(&r, "expansion limit"));
	CHECK(atomic_load(&r.budget.bytes) == img->data_len);
	ff_run_free(&r);
	/* and with the per-file limit lower still */
	fg_limits lim;
	fg_limits_default(&lim);
	lim.max_file_size = 2 * BLK;
	ff_run_image(&r, &fg_format_android_sparse, s.buf, s.len, &lim);
	img = ff_at(&r, "image.raw");
	CHECK(img && img->data_len == 2 * BLK);
	ff_run_free(&r);
	/* no budget at all */
	fg_limits_default(&lim);
	lim.max_total_bytes = 0;
	ff_run_image(&r, &fg_format_android_sparse, s.buf, s.len, &lim);
	CHECK(ff_at(&r, "image.raw") == NULL || ff_at(&r, "image.raw")->data_len == 0);
	ff_run_free(&r);
	free(s.buf);
}

TEST(sparse_truncated_and_corrupt)
{
	sp s = build_mixed(true, false);
	for (size_t cut = 0; cut < s.len; cut += 12) {
		ff_run r;
		ff_run_image(&r, &fg_format_android_sparse, s.buf, cut, NULL);
		if (cut < 28) {
			CHECK(r.rc < 0);
		} else {
			fg_node *img = ff_at(&r, "image.raw");
			CHECK(img && (img->flags & FG_NODE_TRUNCATED));
			/* what was read is right */
			if (img && img->data_len >= 2 * BLK && cut >= 28 + 12 + 2 * BLK)
				CHECK(!memcmp(img->data, g_want, 2 * BLK));
			uint64_t cl = 0;
			CHECK(fg_format_android_sparse.probe(s.buf, cut, &cl) == 60 && cl == cut);
		}
		ff_run_free(&r);
	}
	uint8_t *bad = malloc(s.len);
	REQUIRE(bad != NULL);
	static const struct { size_t at; uint32_t v; const char *why; } cases[] = {
		{ 28, 0xCAC9, "unknown chunk type" },            /* first chunk's type */
		{ 28 + 8, 99, "chunk size does not match" },     /* its total size */
		{ 28 + 4, 1000, "chunk size does not match" },   /* its block count */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(bad, s.buf, s.len);
		if (cases[i].v > 0xffff || i > 0)
			le32(bad + cases[i].at, cases[i].v);
		else
			le16(bad + cases[i].at, (uint16_t)cases[i].v);
		uint64_t cl = 0;
		CHECK_INT_EQ(fg_format_android_sparse.probe(bad, s.len, &cl), 0);
		ff_run r;
		ff_run_image(&r, &fg_format_android_sparse, bad, s.len, NULL);
		CHECK(ff_mentions(&r, cases[i].why));
		ff_run_free(&r);
	}
	/* more blocks in the chunks than the header claims */
	memcpy(bad, s.buf, s.len);
	le32(bad + 16, 5);
	ff_run r;
	ff_run_image(&r, &fg_format_android_sparse, bad, s.len, NULL);
	CHECK(ff_mentions(&r, "more blocks than the header claims"));
	fg_node *img = ff_at(&r, "image.raw");
	CHECK(img && img->size == 5 * BLK && !memcmp(img->data, g_want, 5 * BLK));
	ff_run_free(&r);
	/* bad header fields */
	uint64_t cl = 0;
	memcpy(bad, s.buf, s.len);
	le32(bad + 12, 4098); /* block size not a multiple of 4 */
	CHECK_INT_EQ(fg_format_android_sparse.probe(bad, s.len, &cl), 0);
	memcpy(bad, s.buf, s.len);
	le16(bad + 4, 2); /* major version */
	CHECK_INT_EQ(fg_format_android_sparse.probe(bad, s.len, &cl), 0);
	free(bad);
	ff_mutate(&fg_format_android_sparse, s.buf, s.len, 97, 500, 3);
	free(s.buf);
}

/* img2simg of an ext4 image, through the engine: android_sparse > ext. */
TEST(sparse_img2simg_ext4)
{
	if (!ff_have("img2simg") || !ff_have("mkfs.ext4"))
		return;
	const char *w = ff_work("sparse");
	if (!ff_sh("mkdir -p '%s/t/etc' && printf 'root::0:0:root:/root:/bin/sh\\n' > '%s/t/etc/passwd'"
		   " && head -c 300000 /dev/urandom > '%s/t/blob' && ln -s etc/passwd '%s/t/link'",
		   w, w, w, w) ||
	    !ff_sh("mkfs.ext4 -q -F -d '%s/t' '%s/e.img' 16M >/dev/null 2>&1 && img2simg '%s/e.img' '%s/e.simg'",
		   w, w, w, w)) {
		fprintf(stderr, "fixture failed\n");
		CHECK(0);
		return;
	}
	char p[PATH_MAX];
	size_t slen, rlen, blen;
	ff_fmt(p, sizeof(p), "%s/e.simg", w);
	uint8_t *simg = ff_read(p, &slen);
	ff_fmt(p, sizeof(p), "%s/e.img", w);
	uint8_t *raw = ff_read(p, &rlen);
	ff_fmt(p, sizeof(p), "%s/t/blob", w);
	uint8_t *blob = ff_read(p, &blen);
	REQUIRE(simg && raw && blob);
	CHECK(slen < rlen);
	ff_run r;
	ff_run_image(&r, &fg_format_android_sparse, simg, slen, NULL);
	CHECK_INT_EQ(r.diags.items.n, 0);
	CHECK(ff_same(ff_at(&r, "image.raw"), raw, rlen));
	ff_run_free(&r);
	fg_result *res = ff_scan(simg, slen, "system.img");
	const fg_node *top = res->tree.root;
	REQUIRE(top->unpacked && top->unpacked->format);
	CHECK_STR_EQ(top->unpacked->format, "android_sparse");
	const fg_node *ri = fg_node_find_child(top->unpacked, "image.raw", 9);
	REQUIRE(ri && ri->unpacked);
	CHECK_STR_EQ(ri->unpacked->format, "ext");
	fg_node *pw = fg_tree_lookup(ri->unpacked, "etc/passwd", false);
	CHECK(pw && pw->data_len == 29 && !memcmp(pw->data, "root::0:0:", 10));
	fg_node *b = fg_tree_lookup(ri->unpacked, "blob", false);
	CHECK(b && b->data_len == blen && !memcmp(b->data, blob, blen));
	fg_result_free(res);
	free(simg);
	free(raw);
	free(blob);
}
