/*
 * test_vendor.c - vendor firmware containers: TP-Link (v1 and IMG0),
 * Netgear CHK, SEAMA, Arcadyan, Dahua, Broadcom SAO, DJI xV4, Matter OTA
 * and D-Link's encrypted containers.
 *
 * Every format is built byte by byte here (checksums computed the way the
 * vendors' tools do), so each test says what it proves: a valid image
 * unpacks to the right slices with its checksums reported ok, a flipped
 * byte is reported as a mismatch, every truncation and absurd length is
 * survived (inputs are copied to exact-size buffers, so ASan sees any
 * overread), and the real samples give what their upstream tests expect.
 */
#include <lzma.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/result.h"
#include "test.h"
#include "unpack/engine.h"

extern const fg_format fg_format_tplink;
extern const fg_format fg_format_netgear_chk;
extern const fg_format fg_format_seama;
extern const fg_format fg_format_arcadyan;
extern const fg_format fg_format_dahua;
extern const fg_format fg_format_broadcom_sao;
extern const fg_format fg_format_dji;
extern const fg_format fg_format_matter_ota;
extern const fg_format fg_format_dlink_encrypted;

#define SKIP_UNLESS(cond, what) do { if (!(cond)) { \
	fprintf(stderr, "%s: skipped (%s)\n", __func__, what); return; } } while (0)

/* ---- byte buffers ---------------------------------------------------- */

typedef struct bb {
	uint8_t *p;
	size_t n, cap;
} bb;

static void put(bb *b, const void *d, size_t k)
{
	if (b->n + k > b->cap) {
		b->cap = (b->n + k) * 2 + 64;
		b->p = realloc(b->p, b->cap);
	}
	if (d)
		memcpy(b->p + b->n, d, k);
	else
		memset(b->p + b->n, 0, k);
	b->n += k;
}

static void put_fill(bb *b, uint8_t v, size_t k)
{
	put(b, NULL, k);
	memset(b->p + b->n - k, v, k);
}

static void pad_to(bb *b, size_t at, uint8_t v)
{
	if (b->n < at)
		put_fill(b, v, at - b->n);
}

static void put8(bb *b, uint8_t v) { put(b, &v, 1); }
static void put_str(bb *b, const char *s) { put(b, s, strlen(s)); }

static void set_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void set_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static void set_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void set_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static void set_le64(uint8_t *p, uint64_t v)
{
	set_le32(p, (uint32_t)v);
	set_le32(p + 4, (uint32_t)(v >> 32));
}

static void put_be16(bb *b, uint16_t v) { put(b, NULL, 2); set_be16(b->p + b->n - 2, v); }
static void put_be32(bb *b, uint32_t v) { put(b, NULL, 4); set_be32(b->p + b->n - 4, v); }
static void put_le16(bb *b, uint16_t v) { put(b, NULL, 2); set_le16(b->p + b->n - 2, v); }
static void put_le32(bb *b, uint32_t v) { put(b, NULL, 4); set_le32(b->p + b->n - 4, v); }
static void put_le64(bb *b, uint64_t v) { put(b, NULL, 8); set_le64(b->p + b->n - 8, v); }

/* ---- digests and streams ---------------------------------------------- */

static void digest(const EVP_MD *md, uint8_t *out, int parts, ...)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_DigestInit_ex(c, md, NULL);
	va_list ap;
	va_start(ap, parts);
	for (int i = 0; i < parts; i++) {
		const void *p = va_arg(ap, const void *);
		size_t n = va_arg(ap, size_t);
		EVP_DigestUpdate(c, p, n);
	}
	va_end(ap);
	unsigned n = 0;
	EVP_DigestFinal_ex(c, out, &n);
	EVP_MD_CTX_free(c);
}

static void sha256_hex(const uint8_t *p, size_t n, char *hex)
{
	uint8_t md[32];
	digest(EVP_sha256(), md, 1, p, n);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static char *text(size_t n, unsigned seed)
{
	char *t = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		t[i] = (char)("firmware vendor container "[(i + seed) % 26] + (i / 512) % 3);
	t[n] = 0;
	return t;
}

static uint8_t *gzip_of(const void *d, size_t n, size_t *out_len)
{
	z_stream zs = { 0 };
	deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	size_t cap = deflateBound(&zs, n) + 64;
	uint8_t *out = malloc(cap);
	zs.next_in = (Bytef *)d;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	deflate(&zs, Z_FINISH);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

/* An LZMA-alone stream; with KNOWN the header carries the size. */
static uint8_t *lzma_of(const void *d, size_t n, size_t *out_len)
{
	lzma_options_lzma opt;
	lzma_lzma_preset(&opt, 6);
	lzma_stream zs = LZMA_STREAM_INIT;
	if (lzma_alone_encoder(&zs, &opt) != LZMA_OK)
		abort();
	size_t cap = n + n / 2 + 1024;
	uint8_t *out = malloc(cap);
	zs.next_in = d;
	zs.avail_in = n;
	zs.next_out = out;
	zs.avail_out = cap;
	while (lzma_code(&zs, LZMA_FINISH) == LZMA_OK)
		;
	*out_len = cap - zs.avail_out;
	lzma_end(&zs);
	return out;
}

/* ---- running handlers ------------------------------------------------- */

typedef struct env {
	fg_result *res;
	fg_node *root;
	int rc;
	uint8_t *copy;
} env;

/* Runs F on an exact-size copy of D..D+N. */
static env run(const fg_format *f, const uint8_t *d, size_t n)
{
	env e = { fg_result_new(NULL), NULL, 0, malloc(n ? n : 1) };
	if (n)
		memcpy(e.copy, d, n);
	e.rc = fg_unpack_buffer_for_test(&e.res->tree, &e.res->budget, &e.res->diags, f, "blob",
					 e.copy, n, &e.root);
	return e;
}

static void env_free(env *e)
{
	fg_result_free(e->res);
	free(e->copy);
}

static fg_node *child(const fg_node *root, const char *name)
{
	return root ? fg_node_find_child(root, name, strlen(name)) : NULL;
}

static bool info_has(const fg_node *root, const char *s)
{
	bool ok = root && root->format_info && strstr(root->format_info, s);
	if (!ok)
		fprintf(stderr, "  info '%s' lacks '%s'\n", root && root->format_info ? root->format_info : "(null)", s);
	return ok;
}

static bool is_slice(const fg_node *n, const uint8_t *base, size_t off, size_t len)
{
	return n && n->data_len == len && memcmp(n->data, base + off, len) == 0;
}

static fg_result *scan_blob(const uint8_t *blob, size_t len, const char *name)
{
	fg_result *r = fg_result_new(NULL);
	fg_node *f = fg_node_new(&r->tree, name, strlen(name), FG_NODE_FILE);
	f->flags = FG_NODE_FSROOT;
	f->data = blob;
	f->data_len = len;
	f->size = len;
	r->tree.root = f;
	fg_unpack_all(&r->tree, &r->budget, &r->diags, 2, NULL);
	return r;
}

typedef struct find_fmt {
	const char *format;
	fg_node *found;
} find_fmt;

static bool find_fmt_cb(fg_node *n, void *ud)
{
	find_fmt *f = ud;
	if (!f->found && (n->flags & FG_NODE_FSROOT) && n->format && !strcmp(n->format, f->format))
		f->found = n;
	return true;
}

static fg_node *find_root(fg_node *top, const char *format)
{
	find_fmt f = { format, NULL };
	fg_tree_walk(top, find_fmt_cb, &f);
	return f.found;
}

static uint8_t *slurp(const char *rel, size_t *len)
{
	const char *sd = getenv("FG_SHARED_DIR");
	char path[2048];
	snprintf(path, sizeof(path), "%s/samples/%s", sd && *sd ? sd : "/work/shared", rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
	*len = fread(p, 1, (size_t)n, f);
	fclose(f);
	return p;
}

/* Every prefix of IMG (all of the first FINE bytes, then in steps) is
 * probed and unpacked from an exact-size copy: nothing may crash, a probe
 * never claims more than it was given. */
static void every_truncation(const fg_format *f, const uint8_t *img, size_t len, size_t fine)
{
	for (size_t k = 0; k < len; k += k < fine ? 1 : 1 + len / 97) {
		uint8_t *copy = malloc(k ? k : 1);
		memcpy(copy, img, k);
		uint64_t cl = 0;
		int conf = f->probe(copy, k, &cl);
		CHECK(cl <= k);
		free(copy);
		if (conf > 0 && f->kind == FG_FMT_LEAF) {
			char desc[256];
			uint8_t *c2 = malloc(k ? k : 1);
			memcpy(c2, img, k);
			f->describe(c2, k, desc, sizeof(desc));
			free(c2);
		} else if (conf > 0) {
			env e = run(f, img, k);
			CHECK(e.root == NULL || e.root->src_length <= k);
			env_free(&e);
		}
	}
}

/* A magic alone does not make a format: random bytes around it are
 * refused at the carving threshold. */
static void noise_rejected(const fg_format *f, const char *magic, size_t mlen, size_t at)
{
	unsigned accepted = 0;
	uint8_t buf[2048];
	uint32_t x = 12345;
	for (int i = 0; i < 3000; i++) {
		for (size_t k = 0; k < sizeof(buf); k++) {
			x = x * 1103515245u + 12345u;
			buf[k] = (uint8_t)(x >> 16);
		}
		memcpy(buf + at, magic, mlen);
		uint64_t cl = 0;
		if (f->probe(buf, sizeof(buf), &cl) >= FG_CARVE_MIN_CONFIDENCE)
			accepted++;
	}
	CHECK_INT_EQ(accepted, 0);
}

/* ---- TP-Link v1 ------------------------------------------------------- */

static const uint8_t tpl_normal[16] = { 0xdc, 0xd7, 0x3a, 0xa5, 0xc3, 0x95, 0x98, 0xfb,
					0xdd, 0xf9, 0xe7, 0xf4, 0x0e, 0xae, 0x47, 0x38 };
static const uint8_t tpl_boot[16] = { 0x8c, 0xef, 0x33, 0x5b, 0xd5, 0xc5, 0xce, 0xfa,
				      0xa7, 0x9c, 0x28, 0xda, 0xb2, 0xe9, 0x0f, 0x42 };
static const uint8_t tpl_vx[16] = { 0xcc, 0x96, 0x28, 0xee, 0x8d, 0xfb, 0x21, 0xbb,
				    0x3d, 0xef, 0x6c, 0xb5, 0x9f, 0x77, 0x4c, 0x7c };

/* Writes the keyed MD5 of IMG[0..N) into its field at OFF. */
static void keyed_md5(uint8_t *img, size_t n, size_t off, const uint8_t *key)
{
	memcpy(img + off, key, 16);
	uint8_t md[16];
	digest(EVP_md5(), md, 1, img, n);
	memcpy(img + off, md, 16);
}

#define TPL_KOFS 0x200
#define TPL_ROFS 0x2000
#define TPL_LEN 0x3000

static void tpl_header(bb *b, uint32_t fw_len, uint32_t klen, uint32_t rlen, uint32_t blen)
{
	size_t h = b->n;
	put_be32(b, 0x01000000);
	put(b, "TP-LINK Technologies", 20);
	pad_to(b, h + 0x1c, 0);
	put_str(b, "ver. 1.0");
	pad_to(b, h + 0x40, 0);
	put_be32(b, 0x30200001);
	put_be32(b, 1);
	put_be32(b, 0);
	put(b, NULL, 16 + 4 + 16 + 4);
	put_be32(b, 0x80002000);
	put_be32(b, 0x80002000);
	put_be32(b, fw_len);
	put_be32(b, TPL_KOFS);
	put_be32(b, klen);
	put_be32(b, TPL_ROFS);
	put_be32(b, rlen);
	put_be32(b, 0);
	put_be32(b, blen);
	put_be16(b, 3);
	put_be16(b, 17);
	put_be16(b, 2);
	pad_to(b, h + 0x200, 0);
}

/* A plain image: header, gzip kernel at 0x200, rootfs at 0x2000. */
static void tpl_plain(bb *b, uint8_t **kernel, size_t *klen)
{
	char *t = text(20000, 1);
	*kernel = gzip_of(t, 20000, klen);
	free(t);
	size_t h = b->n;
	tpl_header(b, TPL_LEN, (uint32_t)*klen, 0x800, 0);
	put(b, *kernel, *klen);
	pad_to(b, h + TPL_ROFS, 0xff);
	put_fill(b, 'R', 0x800);
	pad_to(b, h + TPL_LEN, 0xff);
	keyed_md5(b->p + h, TPL_LEN, 0x4c, tpl_normal);
}

TEST(tplink_v1_plain)
{
	bb b = { 0 };
	uint8_t *k;
	size_t klen;
	tpl_plain(&b, &k, &klen);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_tplink.probe(b.p, b.n, &cl), 95);
	CHECK_INT_EQ(cl, TPL_LEN);
	env e = run(&fg_format_tplink, b.p, b.n);
	CHECK_INT_EQ(e.rc, 0);
	REQUIRE(e.root);
	CHECK(info_has(e.root, "v1 TL-MR3020 v1 hw 0x30200001 rev 1 fw 3.17.2 'ver. 1.0'"));
	CHECK(info_has(e.root, "; md5 ok;"));
	CHECK(info_has(e.root, "kernel load 0x80002000"));
	CHECK_INT_EQ(e.root->nchildren, 3);
	CHECK(is_slice(child(e.root, "header"), e.copy, 0, 0x200));
	CHECK(is_slice(child(e.root, "kernel"), e.copy, TPL_KOFS, klen));
	CHECK(is_slice(child(e.root, "rootfs"), e.copy, TPL_ROFS, 0x800));
	CHECK(!(e.root->flags & FG_NODE_TRUNCATED));
	CHECK_INT_EQ(e.root->src_length, TPL_LEN);
	env_free(&e);

	/* in a blob, through the engine: the gzip kernel comes out */
	bb blob = { 0 };
	put_fill(&blob, 0, 0x1000);
	put(&blob, b.p, b.n);
	put_fill(&blob, 0, 0x1000);
	fg_result *r = scan_blob(blob.p, blob.n, "fw.bin");
	fg_node *t = find_root(r->tree.root, "tplink");
	REQUIRE(t);
	CHECK_INT_EQ(t->src_offset, 0x1000);
	CHECK_INT_EQ(t->src_length, TPL_LEN);
	CHECK(find_root(r->tree.root, "gzip") != NULL);
	fg_result_free(r);
	free(blob.p);

	/* one flipped byte in the rootfs: mismatch reported, parts kept */
	b.p[TPL_ROFS + 5] ^= 1;
	CHECK_INT_EQ(fg_format_tplink.probe(b.p, b.n, &cl), 60);
	e = run(&fg_format_tplink, b.p, b.n);
	CHECK(info_has(e.root, "md5 mismatch"));
	CHECK(e.root->flags & FG_NODE_TRUNCATED);
	CHECK_INT_EQ(e.root->nchildren, 3);
	env_free(&e);
	b.p[TPL_ROFS + 5] ^= 1;

	every_truncation(&fg_format_tplink, b.p, b.n, 0x240);

	/* a header alone (the "header" child) is not an image */
	CHECK_INT_EQ(fg_format_tplink.probe(b.p, 0x200, &cl), 0);

	/* absurd lengths */
	uint8_t *bad = malloc(b.n);
	memcpy(bad, b.p, b.n);
	set_be32(bad + 0x84, 0xffffffff);  /* kernel length */
	CHECK_INT_EQ(fg_format_tplink.probe(bad, b.n, &cl), 0);
	memcpy(bad, b.p, b.n);
	set_be32(bad + 0x7c, 0xfffffff0);  /* image length */
	cl = 0;
	CHECK_INT_EQ(fg_format_tplink.probe(bad, b.n, &cl), 45);
	CHECK_INT_EQ(cl, b.n);
	e = run(&fg_format_tplink, bad, b.n);
	CHECK(e.root && (e.root->flags & FG_NODE_TRUNCATED));
	env_free(&e);
	memcpy(bad, b.p, b.n);
	set_be32(bad + 0x88, 0xfffff000);  /* rootfs offset */
	CHECK_INT_EQ(fg_format_tplink.probe(bad, b.n, &cl), 0);
	free(bad);
	free(b.p);
	free(k);
}

TEST(tplink_v1_with_bootloader)
{
	bb in = { 0 };
	uint8_t *k;
	size_t klen;
	tpl_plain(&in, &k, &klen);
	bb b = { 0 };
	uint32_t total = 0x20200 + (uint32_t)in.n;
	tpl_header(&b, total, (uint32_t)klen, 0x800, 0x100);
	put_fill(&b, 'B', 0x100);
	pad_to(&b, 0x20200, 0xff);
	put(&b, in.p, in.n);
	keyed_md5(b.p, b.n, 0x4c, tpl_boot);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_tplink.probe(b.p, b.n, &cl), 95);
	CHECK_INT_EQ(cl, total);
	env e = run(&fg_format_tplink, b.p, b.n);
	REQUIRE(e.root);
	CHECK(info_has(e.root, "md5 ok (boot key)"));
	CHECK(info_has(e.root, "image2 at 0x20200 md5 ok"));
	CHECK(info_has(e.root, "bootloader len 256"));
	CHECK_INT_EQ(e.root->nchildren, 4);
	CHECK(is_slice(child(e.root, "bootloader"), e.copy, 0x200, 0x100));
	CHECK(is_slice(child(e.root, "kernel"), e.copy, 0x20200 + TPL_KOFS, klen));
	CHECK(is_slice(child(e.root, "rootfs"), e.copy, 0x20200 + TPL_ROFS, 0x800));
	CHECK(!(e.root->flags & FG_NODE_TRUNCATED));
	env_free(&e);

	/* the inner image damaged: its own MD5 says so */
	b.p[0x20200 + TPL_ROFS] ^= 0x40;
	keyed_md5(b.p, b.n, 0x4c, tpl_boot);
	e = run(&fg_format_tplink, b.p, b.n);
	CHECK(info_has(e.root, "md5 ok (boot key)"));
	CHECK(info_has(e.root, "image2 at 0x20200 md5 mismatch"));
	env_free(&e);
	every_truncation(&fg_format_tplink, b.p, b.n, 0x220);
	free(b.p);
	free(in.p);
	free(k);
}

/* ---- TP-Link IMG0 ------------------------------------------------------ */

typedef struct img0_layout {
	size_t boot, sub, os, owfs, len;
	size_t boot_len, os_len;
} img0_layout;

static void gen_img0(bb *b, img0_layout *l)
{
	char *bt = text(3000, 2), *ot = text(9000, 3);
	size_t bl, ol;
	uint8_t *bz = lzma_of(bt, 3000, &bl), *oz = lzma_of(ot, 9000, &ol);
	put_be32(b, 0x00142fc0);
	put(b, NULL, 16);
	put_str(b, "IMG0");
	put_be32(b, 0);
	put_be16(b, 0x0702);
	put_be16(b, 0x1101);
	pad_to(b, 0x100, 0);            /* loader code: nothing LZMA-like */
	l->boot = b->n;
	put(b, bz, bl);
	l->boot_len = bl;
	pad_to(b, (b->n + 16) & ~(size_t)3, 0);
	l->sub = b->n;
	put_str(b, "IMG0");
	put_be32(b, 0);
	put_be16(b, 0x0702);
	put_be16(b, 0x1101);
	pad_to(b, l->sub + 128, 0);
	l->os = b->n;
	put(b, oz, ol);
	l->os_len = ol;
	pad_to(b, (b->n + 15) & ~(size_t)15, 0);
	l->owfs = b->n;
	for (int i = 0; i < 16; i++)
		put_str(b, "ow");
	put_str(b, "web files of the owfs");
	l->len = b->n;
	set_be32(b->p + 24, (uint32_t)(l->len - 20));
	set_be32(b->p + l->sub + 4, (uint32_t)(l->len - l->sub));
	memcpy(b->p + 4, tpl_vx, 16);
	uint8_t md[16];
	digest(EVP_md5(), md, 1, b->p, b->n);
	memcpy(b->p + 4, md, 16);
	free(bt);
	free(ot);
	free(bz);
	free(oz);
}

TEST(tplink_img0_generated)
{
	bb b = { 0 };
	img0_layout l;
	gen_img0(&b, &l);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_tplink.probe(b.p, b.n, &cl), 95);
	CHECK_INT_EQ(cl, l.len);
	env e = run(&fg_format_tplink, b.p, b.n);
	REQUIRE(e.root);
	CHECK(info_has(e.root, "IMG0 TL-WR702N device 0x0702 language English (0x1101)"));
	CHECK(info_has(e.root, " ok;"));
	char want[64];
	snprintf(want, sizeof(want), "bootloader_offset %zu;", l.boot);
	CHECK(info_has(e.root, want));
	snprintf(want, sizeof(want), "os_offset %zu;", l.os);
	CHECK(info_has(e.root, want));
	CHECK(is_slice(child(e.root, "container_header.hdr"), e.copy, 0, 19));
	CHECK(is_slice(child(e.root, "img0.hdr"), e.copy, 20, 12));
	CHECK(is_slice(child(e.root, "bootloader.7z"), e.copy, l.boot, l.sub - 1 - l.boot));
	CHECK(is_slice(child(e.root, "main.img"), e.copy, l.os, l.len - l.os));
	CHECK(is_slice(child(e.root, "main.7z"), e.copy, l.os, l.owfs - l.os));
	CHECK(is_slice(child(e.root, "main.owfs"), e.copy, l.owfs, l.len - l.owfs));
	CHECK(is_slice(child(e.root, "32_unknown.bin"), e.copy, 32, l.boot - 32));
	char gap[32];
	snprintf(gap, sizeof(gap), "%zu_unknown.bin", l.sub - 1);
	CHECK(is_slice(child(e.root, gap), e.copy, l.sub - 1, l.os - l.sub + 1));
	CHECK_INT_EQ(e.root->nchildren, 8);
	/* main.img is described, its parts are what gets unpacked */
	CHECK_STR_EQ(child(e.root, "main.img")->format, "tplink");
	CHECK(!(e.root->flags & FG_NODE_TRUNCATED));
	env_free(&e);

	fg_result *r = scan_blob(b.p, b.n, "wr.fw");
	fg_node *t = find_root(r->tree.root, "tplink");
	REQUIRE(t);
	fg_node *os = child(t, "main.7z");
	REQUIRE(os && os->unpacked);
	CHECK_STR_EQ(os->unpacked->format, "lzma");
	CHECK(child(t, "main.img")->unpacked == NULL);
	fg_result_free(r);

	b.p[l.os + 20] ^= 0x10;
	CHECK_INT_EQ(fg_format_tplink.probe(b.p, b.n, &cl), 70);
	e = run(&fg_format_tplink, b.p, b.n);
	CHECK(info_has(e.root, "mismatch"));
	CHECK(e.root->flags & FG_NODE_TRUNCATED);
	env_free(&e);
	b.p[l.os + 20] ^= 0x10;

	every_truncation(&fg_format_tplink, b.p, b.n, 0x140);
	/* absurd size: the inner header no longer agrees */
	set_be32(b.p + 24, 0xfffffff0);
	CHECK_INT_EQ(fg_format_tplink.probe(b.p, b.n, &cl), 0);
	free(b.p);
	noise_rejected(&fg_format_tplink, "IMG0", 4, 20);
}

static const struct {
	const char *name, *sha256;
} wr702n_files[] = {
	{ "container_header.hdr", "446d194c0e5beeccf9cd1534205cbeedcedf28491beaeb72d85e485f61071e0a" },
	{ "img0.hdr", "311c4a4f4c3c7b097c9419c58fe245bf2e2f7cedbaf3017870f34242a49b16b5" },
	{ "bootloader.7z", "b4fa4a19502b82ea5984c8ee24396873e710c157adeafebd4bd3e51f40d5cf9f" },
	{ "main.img", "9af7e4f50e0220f8b38246b3f7d790b5078f6f049c2d35272ce5edb9a06464e9" },
	{ "main.7z", "099491872fcab8a4f05f18f1e3566150f3049bf1f3d9d6354437e5e371251e66" },
	{ "main.owfs", "c14d965a60f1b388120695951fed05425e025af6f204332ea2eeca5b9427065d" },
};

/* FACT's test_tp_wr702n.py: metadata and the SHA-256 of every output. */
TEST(tplink_sample_wr702n)
{
	size_t len = 0;
	uint8_t *d = slurp("fact_extractor/tpl/wr.fw", &len);
	SKIP_UNLESS(d, "sample absent");
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_tplink.probe(d, len, &cl), 95);
	CHECK_INT_EQ(cl, len);
	env e = run(&fg_format_tplink, d, len);
	REQUIRE(e.root);
	CHECK(info_has(e.root, "md5 a1ea03bf7466517aa545779640e01acd ok"));
	CHECK(info_has(e.root, "device 0x0702"));
	CHECK(info_has(e.root, "language English (0x1101)"));
	CHECK(info_has(e.root, "img0 size 1539104"));
	CHECK(info_has(e.root, "bootloader_offset 26820"));
	CHECK(info_has(e.root, "os_offset 262420"));
	/* the six named outputs and the two areas left over (FACT: 8 files) */
	CHECK_INT_EQ(e.root->nchildren, 8);
	CHECK(is_slice(child(e.root, "32_unknown.bin"), e.copy, 32, 26820 - 32));
	CHECK(is_slice(child(e.root, "262291_unknown.bin"), e.copy, 262291, 262420 - 262291));
	for (size_t i = 0; i < sizeof(wr702n_files) / sizeof(wr702n_files[0]); i++) {
		fg_node *c = child(e.root, wr702n_files[i].name);
		REQUIRE(c);
		char hex[65];
		sha256_hex(c->data, c->data_len, hex);
		if (strcmp(hex, wr702n_files[i].sha256))
			fprintf(stderr, "  %s\n", wr702n_files[i].name);
		CHECK_STR_EQ(hex, wr702n_files[i].sha256);
	}
	CHECK(!(e.root->flags & FG_NODE_TRUNCATED));
	env_free(&e);
	free(d);
}

/* FACT's test_tpl.py: a TL-MR3020 v1 image with a boot loader, four parts;
 * the rootfs at 0x120200 is a squashfs of five inodes. */
TEST(tplink_sample_mr3020)
{
	size_t len = 0;
	uint8_t *d = slurp("fact_extractor/tpl/test.tpl", &len);
	SKIP_UNLESS(d, "sample absent");
	fg_result *r = scan_blob(d, len, "test.tpl");
	fg_node *t = r->tree.root->unpacked;
	REQUIRE(t && t->format && !strcmp(t->format, "tplink"));
	CHECK(info_has(t, "hw 0x30200001"));
	CHECK(info_has(t, "TL-MR3020"));
	CHECK(info_has(t, "fw 3.17.2"));
	CHECK(info_has(t, "md5 ok (boot key)"));
	CHECK_INT_EQ(t->nchildren, 4);
	fg_node *rootfs = child(t, "rootfs");
	REQUIRE(rootfs);
	CHECK(rootfs->data == d + 0x120200);
	REQUIRE(rootfs->unpacked && !strcmp(rootfs->unpacked->format, "squashfs"));
	size_t inodes = 0;
	fg_node *stack[16] = { rootfs->unpacked };
	size_t sp = 1;
	while (sp) {
		fg_node *n = stack[--sp];
		inodes++;
		for (size_t i = 0; i < n->nchildren && sp < 16; i++)
			stack[sp++] = n->children[i];
	}
	CHECK_INT_EQ(inodes, 5);
	CHECK(child(t, "kernel")->unpacked != NULL);
	fg_result_free(r);
	free(d);
}

/* ---- Netgear CHK ------------------------------------------------------- */

static uint32_t ngr_sum(const uint8_t *p, size_t n)
{
	uint32_t c0 = 0, c1 = 0;
	for (size_t i = 0; i < n; i++) {
		c0 += p[i];
		c1 += c0;
	}
	uint32_t b = (c0 & 0xffff) + (c0 >> 16);
	c0 = ((b >> 16) + b) & 0xffff;
	b = (c1 & 0xffff) + (c1 >> 16);
	c1 = ((b >> 16) + b) & 0xffff;
	return c1 << 16 | c0;
}

static void gen_chk(bb *b, const uint8_t *k, size_t klen, const uint8_t *r, size_t rlen)
{
	const char *board = "U12H072T00_NETGEAR";
	size_t hl = 40 + strlen(board);
	put_be32(b, 0x2a23245e);
	put_be32(b, (uint32_t)hl);
	uint8_t res[8] = { 1, 1, 1, 99, 0, 0, 0, 0 };
	put(b, res, 8);
	put_be32(b, ngr_sum(k, klen));
	put_be32(b, rlen ? ngr_sum(r, rlen) : 0);
	put_be32(b, (uint32_t)klen);
	put_be32(b, (uint32_t)rlen);
	uint8_t *both = malloc(klen + rlen + 1);
	memcpy(both, k, klen);
	if (rlen)
		memcpy(both + klen, r, rlen);
	put_be32(b, ngr_sum(both, klen + rlen));
	free(both);
	put_be32(b, 0);
	put_str(b, board);
	set_be32(b->p + 0x24, ngr_sum(b->p, hl));
	put(b, k, klen);
	if (rlen)
		put(b, r, rlen);
}

TEST(netgear_chk)
{
	char *t = text(30000, 4);
	size_t klen;
	uint8_t *k = gzip_of(t, 30000, &klen);
	uint8_t rootfs[3000];
	for (size_t i = 0; i < sizeof(rootfs); i++)
		rootfs[i] = (uint8_t)(i * 7);
	bb b = { 0 };
	gen_chk(&b, k, klen, rootfs, sizeof(rootfs));
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_netgear_chk.probe(b.p, b.n, &cl), 95);
	CHECK_INT_EQ(cl, b.n);
	env e = run(&fg_format_netgear_chk, b.p, b.n);
	REQUIRE(e.root);
	CHECK_INT_EQ(e.rc, 0);
	CHECK(info_has(e.root, "board 'U12H072T00_NETGEAR' region 1 (WW) version 1.1.99"));
	CHECK(info_has(e.root, "kernel len"));
	CHECK(info_has(e.root, "checksum ok; rootfs len 3000 checksum ok; image checksum ok; header checksum ok"));
	CHECK(is_slice(child(e.root, "kernel"), e.copy, 58, klen));
	CHECK(is_slice(child(e.root, "rootfs"), e.copy, 58 + klen, sizeof(rootfs)));
	CHECK(!(e.root->flags & FG_NODE_TRUNCATED));
	env_free(&e);

	/* through the engine, with trailing padding: the kernel is gunzipped */
	bb blob = { 0 };
	put(&blob, b.p, b.n);
	put_fill(&blob, 0xff, 4096);
	fg_result *r = scan_blob(blob.p, blob.n, "R7000.chk");
	fg_node *c = find_root(r->tree.root, "netgear_chk");
	REQUIRE(c);
	CHECK_INT_EQ(c->src_length, b.n);
	fg_node *g = find_root(r->tree.root, "gzip");
	REQUIRE(g && g->nchildren == 1);
	CHECK_INT_EQ(g->children[0]->data_len, 30000);
	fg_result_free(r);
	free(blob.p);

	/* a flipped rootfs byte: the rootfs and image sums say so */
	b.p[b.n - 10] ^= 0x21;
	e = run(&fg_format_netgear_chk, b.p, b.n);
	CHECK(info_has(e.root, "rootfs len 3000 checksum mismatch; image checksum mismatch; header checksum ok"));
	CHECK(e.root->flags & FG_NODE_TRUNCATED);
	env_free(&e);
	b.p[b.n - 10] ^= 0x21;
	/* a flipped header byte lowers the confidence below carving */
	b.p[9] ^= 1;
	CHECK_INT_EQ(fg_format_netgear_chk.probe(b.p, b.n, &cl), 45);
	b.p[9] ^= 1;

	every_truncation(&fg_format_netgear_chk, b.p, b.n, 80);
	uint8_t *bad = malloc(b.n);
	memcpy(bad, b.p, b.n);
	set_be32(bad + 0x18, 0xffffffff); /* kernel length */
	cl = 0;
	int conf = fg_format_netgear_chk.probe(bad, b.n, &cl);
	CHECK(conf < FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(cl, b.n);
	e = run(&fg_format_netgear_chk, bad, b.n);
	CHECK(e.root && (e.root->flags & FG_NODE_TRUNCATED));
	env_free(&e);
	memcpy(bad, b.p, b.n);
	set_be32(bad + 4, 0x7fffffff); /* header length */
	CHECK_INT_EQ(fg_format_netgear_chk.probe(bad, b.n, &cl), 0);
	memcpy(bad, b.p, b.n);
	bad[45] = 0x01; /* a control character in the board id */
	CHECK_INT_EQ(fg_format_netgear_chk.probe(bad, b.n, &cl), 0);
	free(bad);
	free(b.p);
	free(k);
	free(t);
	noise_rejected(&fg_format_netgear_chk, "\x2a\x23\x24\x5e", 4, 0);
}

/* ---- SEAMA ----------------------------------------------------------- */

static void gen_entity(bb *b, const char *const *meta, int nmeta, const uint8_t *img, size_t n,
		       bool le)
{
	size_t ms = 0;
	for (int i = 0; i < nmeta; i++)
		ms += strlen(meta[i]) + 1;
	ms = (ms + 3) & ~(size_t)3;
	size_t h = b->n;
	put(b, NULL, 12);
	if (le) {
		set_le32(b->p + h, 0x5ea3a417);
		set_le16(b->p + h + 6, (uint16_t)ms);
		set_le32(b->p + h + 8, (uint32_t)n);
	} else {
		set_be32(b->p + h, 0x5ea3a417);
		set_be16(b->p + h + 6, (uint16_t)ms);
		set_be32(b->p + h + 8, (uint32_t)n);
	}
	uint8_t md[16];
	digest(EVP_md5(), md, 1, img, n);
	put(b, md, 16);
	size_t m0 = b->n;
	for (int i = 0; i < nmeta; i++)
		put(b, meta[i], strlen(meta[i]) + 1);
	pad_to(b, m0 + ms, 0);
	put(b, img, n);
}

TEST(seama_entity)
{
	char *t = text(5000, 5);
	size_t glen;
	uint8_t *g = gzip_of(t, 5000, &glen);
	static const char *const meta[] = { "dev=/dev/mtdblock/1", "type=firmware" };
	bb b = { 0 };
	gen_entity(&b, meta, 2, g, glen, false);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_seama.probe(b.p, b.n, &cl), 95);
	CHECK_INT_EQ(cl, b.n);
	env e = run(&fg_format_seama, b.p, b.n);
	REQUIRE(e.root);
	CHECK(info_has(e.root, "firmware [dev=/dev/mtdblock/1 type=firmware] size"));
	CHECK(info_has(e.root, "md5 ok"));
	CHECK(is_slice(child(e.root, "firmware"), e.copy, b.n - glen, glen));
	CHECK(!(e.root->flags & FG_NODE_TRUNCATED));
	env_free(&e);

	fg_result *r = scan_blob(b.p, b.n, "fw.seama");
	CHECK(find_root(r->tree.root, "gzip") != NULL);
	fg_result_free(r);

	b.p[b.n - 3] ^= 0x80;
	CHECK_INT_EQ(fg_format_seama.probe(b.p, b.n, &cl), 50);
	e = run(&fg_format_seama, b.p, b.n);
	CHECK(info_has(e.root, "md5 mismatch"));
	CHECK(e.root->flags & FG_NODE_TRUNCATED);
	env_free(&e);
	b.p[b.n - 3] ^= 0x80;
	every_truncation(&fg_format_seama, b.p, b.n, 80);

	/* little-endian header */
	bb le = { 0 };
	gen_entity(&le, meta, 2, g, glen, true);
	CHECK_INT_EQ(fg_format_seama.probe(le.p, le.n, &cl), 95);
	e = run(&fg_format_seama, le.p, le.n);
	CHECK(info_has(e.root, "le"));
	CHECK(child(e.root, "firmware") != NULL);
	env_free(&e);

	/* absurd image size */
	set_be32(b.p + 8, 0xfffffff0);
	cl = 0;
	CHECK(fg_format_seama.probe(b.p, b.n, &cl) < FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(cl, b.n);
	e = run(&fg_format_seama, b.p, b.n);
	CHECK(e.root && (e.root->flags & FG_NODE_TRUNCATED));
	env_free(&e);
	free(le.p);
	free(b.p);
	free(g);
	free(t);
	noise_rejected(&fg_format_seama, "\x5e\xa3\xa4\x17", 4, 0);
}

TEST(seama_seal)
{
	static const char *const m1[] = { "dev=/dev/mtdblock/1", "type=firmware" };
	static const char *const m2[] = { "dev=/dev/mtdblock/2", "type=rootfs" };
	static const char *sig = "signature=wrgac13_dlink.2013gui_dir865l";
	uint8_t a[700], c[900];
	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)(i * 3);
	for (size_t i = 0; i < sizeof(c); i++)
		c[i] = (uint8_t)(i * 5 + 1);
	for (int sized = 0; sized < 2; sized++) {
		bb ents = { 0 };
		gen_entity(&ents, m1, 2, a, sizeof(a), false);
		gen_entity(&ents, m2, 2, c, sizeof(c), false);
		bb b = { 0 };
		size_t ms = (strlen(sig) + 1 + 3) & ~(size_t)3;
		put_be32(&b, 0x5ea3a417);
		put_be16(&b, 0);
		put_be16(&b, (uint16_t)ms);
		put_be32(&b, sized ? (uint32_t)ents.n : 0);
		put(&b, sig, strlen(sig) + 1);
		pad_to(&b, 12 + ms, 0);
		put(&b, ents.p, ents.n);
		size_t total = b.n;
		put_fill(&b, 0xff, 100); /* flash padding after it */
		uint64_t cl = 0;
		CHECK_INT_EQ(fg_format_seama.probe(b.p, b.n, &cl), 85);
		CHECK_INT_EQ(cl, total);
		env e = run(&fg_format_seama, b.p, total);
		REQUIRE(e.root);
		CHECK(info_has(e.root, "seal [signature=wrgac13_dlink.2013gui_dir865l]"));
		CHECK(info_has(e.root, "0-firmware [dev=/dev/mtdblock/1 type=firmware] size 700 md5 ok"));
		CHECK(info_has(e.root, "1-rootfs [dev=/dev/mtdblock/2 type=rootfs] size 900 md5 ok"));
		CHECK(is_slice(child(e.root, "0-firmware"), a, 0, sizeof(a)));
		CHECK(is_slice(child(e.root, "1-rootfs"), c, 0, sizeof(c)));
		CHECK_INT_EQ(e.root->src_length, total);
		CHECK(!(e.root->flags & FG_NODE_TRUNCATED));
		env_free(&e);
		every_truncation(&fg_format_seama, b.p, total, 120);
		free(b.p);
		free(ents.p);
	}
}

/* ---- Arcadyan -------------------------------------------------------- */

static void arc_scramble(uint8_t *blk)
{
	for (int i = 0; i < 32; i += 2) {
		uint8_t a = blk[i], b = blk[i + 1];
		blk[i] = (uint8_t)(b << 4 | b >> 4);
		blk[i + 1] = (uint8_t)(a << 4 | a >> 4);
	}
}

/* Obfuscates LEAD + STREAM the way Arcadyan's tool does. */
static uint8_t *arc_obfuscate(const uint8_t *stream, size_t n, size_t *out_len)
{
	size_t len = 4 + n;
	uint8_t *plain = malloc(len), *out = malloc(len);
	memcpy(plain, "\x30\x05\x11\x20", 4);
	memcpy(plain + 4, stream, n);
	memcpy(out, plain, len);
	memcpy(out + 4, plain + 0x68, 32);
	uint8_t blk[32];
	memcpy(blk, plain + 4, 32);
	arc_scramble(blk);
	memcpy(out + 0x68, blk, 32);
	free(plain);
	*out_len = len;
	return out;
}

TEST(arcadyan_generated)
{
	char *t = text(40000, 6);
	size_t zl, al;
	uint8_t *z = lzma_of(t, 40000, &zl);
	uint8_t *a = arc_obfuscate(z, zl, &al);
	CHECK(!memcmp(a + 0x68, "\x00\xd5\x08\x00", 4));
	uint64_t cl = 0;
	CHECK(fg_format_arcadyan.probe(a, al, &cl) >= 80);
	env e = run(&fg_format_arcadyan, a, al);
	REQUIRE(e.root);
	CHECK_INT_EQ(e.rc, 0);
	fg_node *c = child(e.root, "deobfuscated.lzma");
	REQUIRE(c);
	CHECK_INT_EQ(c->data_len, zl);
	CHECK(c->data_len == zl && !memcmp(c->data, z, zl));
	CHECK_INT_EQ(e.root->src_length, al);
	CHECK(info_has(e.root, "lzma props 0x5d"));
	env_free(&e);

	/* in a blob with padding: the chunk ends with the stream, which the
	 * engine then decompresses */
	bb blob = { 0 };
	put(&blob, a, al);
	put_fill(&blob, 0xff, 3000);
	fg_result *r = scan_blob(blob.p, blob.n, "arc.bin");
	fg_node *root = find_root(r->tree.root, "arcadyan");
	REQUIRE(root);
	CHECK_INT_EQ(root->src_offset, 0);
	CHECK_INT_EQ(root->src_length, al);
	fg_node *lz = find_root(r->tree.root, "lzma");
	REQUIRE(lz && lz->nchildren == 1);
	CHECK(lz->children[0]->data_len == 40000 && !memcmp(lz->children[0]->data, t, 40000));
	fg_result_free(r);
	free(blob.p);

	/* damaged stream: kept to the end and marked */
	a[al / 2] ^= 0xff;
	e = run(&fg_format_arcadyan, a, al);
	CHECK(e.root && (e.root->flags & FG_NODE_TRUNCATED));
	env_free(&e);
	a[al / 2] ^= 0xff;
	every_truncation(&fg_format_arcadyan, a, al, 0x100);
	free(a);
	free(z);
	free(t);
	noise_rejected(&fg_format_arcadyan, "\x00\xd5\x08\x00", 4, 0x68);
}

/* binwalk's test: one signature at offset 0, extracted. */
TEST(arcadyan_sample)
{
	size_t len = 0;
	uint8_t *d = slurp("binwalk/arcadyan.bin", &len);
	SKIP_UNLESS(d, "sample absent");
	fg_result *r = scan_blob(d, len, "arcadyan.bin");
	fg_node *a = find_root(r->tree.root, "arcadyan");
	REQUIRE(a);
	CHECK_INT_EQ(a->src_offset, 0);
	CHECK_INT_EQ(a->src_length, 733166);
	fg_node *lz = find_root(r->tree.root, "lzma");
	REQUIRE(lz && lz->nchildren == 1);
	CHECK_INT_EQ(lz->children[0]->data_len, 2813252);
	CHECK(!(lz->flags & FG_NODE_TRUNCATED));
	fg_result_free(r);
	free(d);
}

/* ---- Dahua ------------------------------------------------------------ */

/* A stored zip of one file, its first "PK" made "DH". */
static void gen_dahua(bb *b, const char *name, const char *content)
{
	uint32_t crc = (uint32_t)crc32(0, (const Bytef *)content, (uInt)strlen(content));
	uint16_t nl = (uint16_t)strlen(name);
	uint32_t cl = (uint32_t)strlen(content);
	size_t start = b->n;
	put_str(b, "DH\3\4");
	put_le16(b, 20);
	put_le16(b, 0);
	put_le16(b, 0);
	put_le32(b, 0);
	put_le32(b, crc);
	put_le32(b, cl);
	put_le32(b, cl);
	put_le16(b, nl);
	put_le16(b, 0);
	put_str(b, name);
	put_str(b, content);
	size_t cd = b->n - start;
	put_str(b, "PK\1\2");
	put_le16(b, 0x031e);
	put_le16(b, 20);
	put_le16(b, 0);
	put_le16(b, 0);
	put_le32(b, 0);
	put_le32(b, crc);
	put_le32(b, cl);
	put_le32(b, cl);
	put_le16(b, nl);
	put_le16(b, 0);
	put_le16(b, 0);
	put_le16(b, 0);
	put_le16(b, 0);
	put_le32(b, 0100644u << 16);
	put_le32(b, 0);
	put_str(b, name);
	size_t cdsize = b->n - start - cd;
	put_str(b, "PK\5\6");
	put_le16(b, 0);
	put_le16(b, 0);
	put_le16(b, 1);
	put_le16(b, 1);
	put_le32(b, (uint32_t)cdsize);
	put_le32(b, (uint32_t)cd);
	put_le16(b, 0);
}

TEST(dahua_generated)
{
	bb b = { 0 };
	gen_dahua(&b, "Install", "dahua update script\n");
	size_t zlen = b.n;
	put_fill(&b, 0, 512);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_dahua.probe(b.p, b.n, &cl), 90);
	CHECK_INT_EQ(cl, zlen);
	env e = run(&fg_format_dahua, b.p, b.n);
	REQUIRE(e.root);
	fg_node *z = child(e.root, "dahua_firmware.zip");
	REQUIRE(z);
	CHECK_INT_EQ(z->data_len, zlen);
	CHECK(!memcmp(z->data, "PK\3\4", 4));
	CHECK(!memcmp(z->data + 4, b.p + 4, zlen - 4));
	CHECK(b.p[0] == 'D'); /* the input is untouched */
	CHECK(info_has(e.root, "zip with DH magic"));
	env_free(&e);

	fg_result *r = scan_blob(b.p, b.n, "dh.bin");
	fg_node *zr = find_root(r->tree.root, "zip");
	REQUIRE(zr);
	fg_node *f = child(zr, "Install");
	CHECK(f && f->data_len == 20 && !memcmp(f->data, "dahua update script\n", 20));
	fg_result_free(r);

	every_truncation(&fg_format_dahua, b.p, zlen, zlen);
	free(b.p);
	noise_rejected(&fg_format_dahua, "DH\3\4", 4, 0);
}

/* FACT's test_dahua.py: one zip of the input's size, which unpacks. */
TEST(dahua_sample)
{
	size_t len = 0;
	uint8_t *d = slurp("fact_extractor/dahua/dh.bin", &len);
	SKIP_UNLESS(d, "sample absent");
	env e = run(&fg_format_dahua, d, len);
	REQUIRE(e.root);
	fg_node *z = child(e.root, "dahua_firmware.zip");
	REQUIRE(z);
	CHECK_INT_EQ(z->data_len, len);
	env_free(&e);
	fg_result *r = scan_blob(d, len, "dh.bin");
	fg_node *zr = find_root(r->tree.root, "zip");
	REQUIRE(zr);
	CHECK(fg_tree_lookup(zr, "get_files_test/generic folder/test file 3_.txt", false) != NULL);
	fg_result_free(r);
	free(d);
}

/* ---- Broadcom SAO --------------------------------------------------- */

static void gen_sobj(bb *b, const char *tag, const void *p, size_t n, bool good_hcrc)
{
	size_t h = b->n;
	put_str(b, "SOBJ");
	put_be32(b, 0);
	put(b, tag, 4);
	put_be32(b, 0x01000000);
	put_be32(b, (uint32_t)n);
	put_be32(b, (uint32_t)n);
	pad_to(b, h + 0x34, 0);
	put_be32(b, (uint32_t)crc32(0, p, (uInt)n));
	pad_to(b, h + 64, 0);
	uint32_t hc = (uint32_t)crc32(0, b->p + h + 8, 56);
	set_be32(b->p + h + 4, good_hcrc ? hc : hc ^ 1);
	put(b, p, n);
}

TEST(broadcom_sao_generated)
{
	bb b = { 0 };
	const char *meta = "{\"extractor\":\"broadcom-sao\"}\n";
	uint8_t k[300], rfs[1000];
	memset(k, 0xa5, sizeof(k));
	for (size_t i = 0; i < sizeof(rfs); i++)
		rfs[i] = (uint8_t)i;
	gen_sobj(&b, "META", meta, strlen(meta), true);
	gen_sobj(&b, "KRNL", k, sizeof(k), true);
	gen_sobj(&b, "RTFS", rfs, sizeof(rfs), true);
	size_t total = b.n;
	put_fill(&b, 0xff, 200);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_broadcom_sao.probe(b.p, b.n, &cl), 90);
	CHECK_INT_EQ(cl, total);
	env e = run(&fg_format_broadcom_sao, b.p, total);
	REQUIRE(e.root);
	CHECK_INT_EQ(e.root->nchildren, 3);
	CHECK(is_slice(child(e.root, "META"), e.copy, 64, strlen(meta)));
	CHECK(is_slice(child(e.root, "RTFS"), rfs, 0, sizeof(rfs)));
	CHECK(info_has(e.root, "META 29 crc ok; KRNL 300 crc ok; RTFS 1000 crc ok"));
	CHECK(!(e.root->flags & FG_NODE_TRUNCATED));
	env_free(&e);

	b.p[total - 1] ^= 1;
	e = run(&fg_format_broadcom_sao, b.p, total);
	CHECK(info_has(e.root, "RTFS 1000 crc mismatch"));
	CHECK(e.root->flags & FG_NODE_TRUNCATED);
	env_free(&e);
	b.p[total - 1] ^= 1;
	every_truncation(&fg_format_broadcom_sao, b.p, total, 160);
	set_be32(b.p + 16, 0xffffffff);
	cl = 0;
	CHECK(fg_format_broadcom_sao.probe(b.p, total, &cl) < FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(cl, total);
	free(b.p);
	noise_rejected(&fg_format_broadcom_sao, "SOBJ", 4, 0);
}

/* FACT's test: META, DTBB, KRNL, RTFS. */
TEST(broadcom_sao_sample)
{
	size_t len = 0;
	uint8_t *d = slurp("fact_extractor/broadcom/broadcom-sao.bin", &len);
	SKIP_UNLESS(d, "sample absent");
	fg_result *r = scan_blob(d, len, "broadcom-sao.bin");
	fg_node *s = r->tree.root->unpacked;
	REQUIRE(s && !strcmp(s->format, "broadcom_sao"));
	CHECK_INT_EQ(s->nchildren, 4);
	CHECK(child(s, "META") && child(s, "DTBB") && child(s, "KRNL") && child(s, "RTFS"));
	CHECK(child(s, "RTFS") && child(s, "RTFS")->unpacked &&
	      !strcmp(child(s, "RTFS")->unpacked->format, "squashfs"));
	CHECK_INT_EQ(s->src_length, len);
	fg_result_free(r);
	free(d);
}

/* ---- DJI -------------------------------------------------------------- */

static const uint8_t dji_key[16] = { 0x96, 0x70, 0x9a, 0xd3, 0x26, 0x67, 0x4a, 0xc3,
				     0x82, 0xb6, 0x69, 0x27, 0xe6, 0xd8, 0x84, 0x21 };

static uint16_t dji_crc16(const uint8_t *p, size_t n, uint16_t crc)
{
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = crc & 1 ? (uint16_t)((crc >> 1) ^ 0x8408) : (uint16_t)(crc >> 1);
	}
	return crc;
}

static void dji_encrypt(const uint8_t *in, size_t n, uint8_t *out)
{
	static const uint8_t iv[16];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	for (size_t off = 0; off < n; off += 256) {
		size_t k = n - off < 256 ? n - off : 256;
		int got = 0, fin = 0;
		EVP_EncryptInit_ex(c, EVP_aes_128_cbc(), NULL, dji_key, iv);
		EVP_CIPHER_CTX_set_padding(c, 0);
		EVP_EncryptUpdate(c, out + off, &got, in + off, (int)k);
		EVP_EncryptFinal_ex(c, out + off + got, &fin);
	}
	EVP_CIPHER_CTX_free(c);
}

/* Two modules: m0305 encrypted (type 1), m1200 plain. */
static void gen_dji(bb *b, const uint8_t *m1, size_t n1, const uint8_t *m2, size_t n2)
{
	uint32_t ts = 0x55b2787e;
	put_le32(b, 0x12345678);
	put_le16(b, 1);
	put_le16(b, 64 + 2 * 52 + 2);
	put_le32(b, ts);
	put(b, "DJI", 3);
	pad_to(b, 28, 0);
	put(b, "P3X", 3);
	pad_to(b, 44, 0);
	put_le16(b, 2);
	put_le32(b, 0x01030014 ^ ts ^ 0x5127a564u);
	put_le32(b, 0x01030014 ^ ts ^ 0x5127a564u);
	pad_to(b, 64, 0);
	uint8_t *enc = malloc(n1);
	dji_encrypt(m1, n1, enc);
	uint32_t off = 64 + 2 * 52 + 2;
	const struct { uint8_t target, coding; uint32_t ver; const uint8_t *st, *pl; size_t n; } e[2] = {
		{ 0xa3, 0x10, 0x22020009, enc, m1, n1 }, { 0x0c, 0x00, 0x01080000, m2, m2, n2 },
	};
	for (int i = 0; i < 2; i++) {
		put8(b, e[i].target);
		put8(b, e[i].coding);
		put_le16(b, 1);
		put_le32(b, e[i].ver);
		put_le32(b, off);
		put_le32(b, (uint32_t)e[i].n);
		put_le32(b, (uint32_t)e[i].n);
		uint8_t md[16];
		digest(EVP_md5(), md, 1, e[i].st, e[i].n);
		put(b, md, 16);
		digest(EVP_md5(), md, 1, e[i].pl, e[i].n);
		put(b, md, 16);
		off += (uint32_t)e[i].n;
	}
	put_le16(b, dji_crc16(b->p, b->n, 0x3692));
	put(b, enc, n1);
	put(b, m2, n2);
	free(enc);
}

TEST(dji_generated)
{
	uint8_t m1[1024], m2[700];
	for (size_t i = 0; i < sizeof(m1); i++)
		m1[i] = (uint8_t)(i ^ 0x5a);
	memset(m2, 'E', sizeof(m2));
	bb b = { 0 };
	gen_dji(&b, m1, sizeof(m1), m2, sizeof(m2));
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_dji.probe(b.p, b.n, &cl), 95);
	CHECK_INT_EQ(cl, b.n);
	env e = run(&fg_format_dji, b.p, b.n);
	REQUIRE(e.root);
	CHECK(info_has(e.root, "xV4 'DJI' model 'P3X' magic_ver 0001; 2 entries; header crc ok; ver_latest 01.03.0020"));
	CHECK(info_has(e.root, "m0305 'main controller 'A3' ldr' v34.02.0009 1024 bytes aes md5 ok, decrypted md5 ok"));
	CHECK(info_has(e.root, "m1200 'electronic speed control 0' v01.08.0000 700 bytes md5 ok"));
	CHECK(is_slice(child(e.root, "m0305_main_controller.module"), m1, 0, sizeof(m1)));
	CHECK(is_slice(child(e.root, "m1200_electronic_speed_control_0.module"), m2, 0, sizeof(m2)));
	CHECK(!(e.root->flags & FG_NODE_TRUNCATED));
	env_free(&e);

	/* a flipped ciphertext byte: both MD5s of the module disagree */
	b.p[64 + 2 * 52 + 2 + 10] ^= 4;
	e = run(&fg_format_dji, b.p, b.n);
	CHECK(info_has(e.root, "aes md5 mismatch, decrypted md5 mismatch"));
	CHECK(e.root->flags & FG_NODE_TRUNCATED);
	env_free(&e);
	b.p[64 + 2 * 52 + 2 + 10] ^= 4;
	/* a flipped header byte: the CRC-16 says so */
	b.p[20] ^= 1;
	CHECK_INT_EQ(fg_format_dji.probe(b.p, b.n, &cl), 50);
	b.p[20] ^= 1;
	every_truncation(&fg_format_dji, b.p, b.n, 200);
	/* absurd entry: data offset inside the header */
	set_le32(b.p + 64 + 8, 10);
	CHECK_INT_EQ(fg_format_dji.probe(b.p, b.n, &cl), 0);
	set_le32(b.p + 64 + 8, 170);
	set_le32(b.p + 64 + 12, 0xffffff00); /* stored length */
	cl = 0;
	CHECK(fg_format_dji.probe(b.p, b.n, &cl) < FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(cl, b.n);
	e = run(&fg_format_dji, b.p, b.n);
	CHECK(e.root && (e.root->flags & FG_NODE_TRUNCATED));
	env_free(&e);
	free(b.p);
	noise_rejected(&fg_format_dji, "\x78\x56\x34\x12", 4, 0);
}

/* FACT's test_plugin_dji_drones.py: 2 entries, m0305_main_controller. */
TEST(dji_sample)
{
	size_t len = 0;
	uint8_t *d = slurp("fact_extractor/dji/dji.img", &len);
	SKIP_UNLESS(d, "sample absent");
	env e = run(&fg_format_dji, d, len);
	REQUIRE(e.root);
	CHECK(info_has(e.root, "2 entries"));
	CHECK(child(e.root, "m0305_main_controller.module") != NULL);
	CHECK(child(e.root, "m1200_electronic_speed_control_0.module") != NULL);
	CHECK(info_has(e.root, "decrypted md5 ok"));
	CHECK(!(e.root->flags & FG_NODE_TRUNCATED));
	CHECK_INT_EQ(e.root->src_length, len);
	env_free(&e);
	free(d);
}

/* ---- Matter OTA ------------------------------------------------------- */

static void gen_ota(bb *b, const uint8_t *pay, size_t n, uint8_t dtype)
{
	bb h = { 0 };
	put8(&h, 0x15);
	put8(&h, 0x25); put8(&h, 0); put_le16(&h, 0xfff1);
	put8(&h, 0x25); put8(&h, 1); put_le16(&h, 0x8001);
	put8(&h, 0x26); put8(&h, 2); put_le32(&h, 0x11006e00);
	put8(&h, 0x2c); put8(&h, 3); put8(&h, 9); put_str(&h, "1.2.120.0");
	put8(&h, 0x27); put8(&h, 4); put_le64(&h, n);
	put8(&h, 0x26); put8(&h, 5); put_le32(&h, 1);
	put8(&h, 0x2c); put8(&h, 7); put8(&h, 5); put_str(&h, "https");
	put8(&h, 0x24); put8(&h, 8); put8(&h, dtype);
	uint8_t md[64];
	size_t dl = dtype == 8 ? 64 : 32;
	digest(dtype == 8 ? EVP_sha512() : EVP_sha256(), md, 1, pay, n);
	put8(&h, 0x30); put8(&h, 9); put8(&h, (uint8_t)dl); put(&h, md, dl);
	put8(&h, 0x18);
	put_le32(b, 0x1beef11e);
	put_le64(b, 16 + h.n + n);
	put_le32(b, (uint32_t)h.n);
	put(b, h.p, h.n);
	put(b, pay, n);
	free(h.p);
}

TEST(matter_ota_generated)
{
	char *t = text(3000, 7);
	for (int dtype = 1; dtype <= 8; dtype += 7) {
		bb b = { 0 };
		gen_ota(&b, (const uint8_t *)t, 3000, (uint8_t)dtype);
		uint64_t cl = 0;
		CHECK_INT_EQ(fg_format_matter_ota.probe(b.p, b.n, &cl), 95);
		CHECK_INT_EQ(cl, b.n);
		env e = run(&fg_format_matter_ota, b.p, b.n);
		REQUIRE(e.root);
		CHECK(info_has(e.root, "vendor 0xfff1 product 0x8001 software version 285240832 '1.2.120.0' payload 3000 bytes min 1"));
		CHECK(info_has(e.root, dtype == 1 ? "digest sha-256 ok" : "digest sha-512 ok"));
		CHECK(is_slice(child(e.root, "payload"), (const uint8_t *)t, 0, 3000));
		env_free(&e);
		b.p[b.n - 1] ^= 1;
		CHECK_INT_EQ(fg_format_matter_ota.probe(b.p, b.n, &cl), 50);
		e = run(&fg_format_matter_ota, b.p, b.n);
		CHECK(info_has(e.root, "mismatch"));
		CHECK(e.root->flags & FG_NODE_TRUNCATED);
		env_free(&e);
		b.p[b.n - 1] ^= 1;
		every_truncation(&fg_format_matter_ota, b.p, b.n, 200);
		/* total size disagreeing with header + payload */
		set_le64(b.p + 4, 0xffffffffffffull);
		CHECK_INT_EQ(fg_format_matter_ota.probe(b.p, b.n, &cl), 0);
		set_le64(b.p + 4, 16 + (b.n - 16 - 3000) + 3000);
		set_le32(b.p + 12, 0xfffffff0); /* header size */
		CHECK_INT_EQ(fg_format_matter_ota.probe(b.p, b.n, &cl), 0);
		free(b.p);
	}
	free(t);
	noise_rejected(&fg_format_matter_ota, "\x1e\xf1\xee\x1b", 4, 0);
}

/* binwalk's test: one matter_ota at 0; the payload is "PAYLOAD". */
TEST(matter_ota_sample)
{
	size_t len = 0;
	uint8_t *d = slurp("binwalk/matter_ota.bin", &len);
	SKIP_UNLESS(d, "sample absent");
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_matter_ota.probe(d, len, &cl), 95);
	CHECK_INT_EQ(cl, len);
	env e = run(&fg_format_matter_ota, d, len);
	REQUIRE(e.root);
	CHECK(info_has(e.root, "digest sha-256 ok"));
	fg_node *p = child(e.root, "payload");
	CHECK(p && p->data_len == 8 && !memcmp(p->data, "PAYLOAD", 7));
	env_free(&e);
	free(d);
}

/* ---- D-Link encrypted containers ------------------------------------- */

static void gen_shrs(bb *b, size_t n)
{
	put_str(b, "SHRS");
	put_be32(b, (uint32_t)((n + 15) & ~(size_t)15));
	put_be32(b, (uint32_t)n);
	pad_to(b, 0x6dc, 0);
	for (size_t i = 0; i < ((n + 15) & ~(size_t)15); i++)
		put8(b, (uint8_t)(i * 131 + 7));
	uint8_t md[64];
	digest(EVP_sha512(), md, 1, b->p + 0x6dc, n);
	memcpy(b->p + 0x9c, md, 64);
}

TEST(dlink_encrypted)
{
	bb b = { 0 };
	gen_shrs(&b, 1000);
	size_t total = b.n;
	put_fill(&b, 0, 64);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_dlink_encrypted.probe(b.p, b.n, &cl), 95);
	CHECK_INT_EQ(cl, total);
	char desc[256];
	fg_format_dlink_encrypted.describe(b.p, total, desc, sizeof(desc));
	CHECK(strstr(desc, "SHRS: encrypted firmware (AES-128-CBC), 1008 bytes (1000 unpadded)") != NULL);
	CHECK(strstr(desc, "sha512 ok; not decrypted") != NULL);
	fg_result *r = scan_blob(b.p, b.n, "DIR_fw.bin");
	CHECK_STR_EQ(r->tree.root->format, "dlink_encrypted");
	fg_result_free(r);
	b.p[0x6dc] ^= 1;
	CHECK(fg_format_dlink_encrypted.probe(b.p, b.n, &cl) < FG_CARVE_MIN_CONFIDENCE);
	fg_format_dlink_encrypted.describe(b.p, total, desc, sizeof(desc));
	CHECK(strstr(desc, "sha512 mismatch") != NULL);
	every_truncation(&fg_format_dlink_encrypted, b.p, total, 0x6e0);
	free(b.p);

	bb e = { 0 };
	put_str(&e, "encrpted_img");
	put_be32(&e, 4096);
	put_fill(&e, 0x3c, 4096);
	CHECK_INT_EQ(fg_format_dlink_encrypted.probe(e.p, e.n, &cl), 85);
	CHECK_INT_EQ(cl, 4112);
	fg_format_dlink_encrypted.describe(e.p, e.n, desc, sizeof(desc));
	CHECK(strstr(desc, "encrpted_img: encrypted firmware") != NULL);
	CHECK_INT_EQ(fg_format_dlink_encrypted.probe(e.p, 100, &cl), 45);
	CHECK_INT_EQ(cl, 100);
	every_truncation(&fg_format_dlink_encrypted, e.p, e.n, 40);
	free(e.p);
	noise_rejected(&fg_format_dlink_encrypted, "SHRS", 4, 0);
}
