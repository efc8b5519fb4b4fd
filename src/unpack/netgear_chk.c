/*
 * netgear_chk.c - Netgear CHK firmware images (mkchkimg).
 *
 * A big-endian header: 0x00 magic 0x2a23245e, 0x04 header length (the 40
 * fixed bytes plus the board id), 0x08 eight bytes of which the first is
 * the region (1 worldwide, 2 North America) and the next three a version
 * (major, minor, build), 0x10 kernel checksum, 0x14 rootfs checksum, 0x18
 * kernel length, 0x1c rootfs length, 0x20 checksum of kernel and rootfs
 * together, 0x24 header checksum (over the header and board id with this
 * field zero), then the board id ("U12H072T00_NETGEAR"), not terminated.
 * The kernel (often a TRX) follows the header, the rootfs the kernel.
 *
 * The checksum is Netgear's own: c0 sums the bytes, c1 sums c0, each is
 * folded to 16 bits twice, and the result is c1 << 16 | c0.
 */
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "unpack/format.h"

#define CHK_MAGIC 0x2a23245eu
#define CHK_FIXED 40
#define CHK_MAX_HEADER 1024     /* board ids are short model strings */
#define CHK_HCSUM_OFF 0x24

typedef struct chk_hdr {
	uint32_t header_len;
	uint8_t reserved[8];
	uint32_t kernel_sum, rootfs_sum, kernel_len, rootfs_len, image_sum, header_sum;
	char board[CHK_MAX_HEADER];
	uint64_t total;
} chk_hdr;

typedef struct chk_sum {
	uint32_t c0, c1;
} chk_sum;

static void sum_add(chk_sum *s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		s->c0 += p[i];
		s->c1 += s->c0;
	}
}

static uint32_t sum_fini(const chk_sum *s)
{
	uint32_t b = (s->c0 & 0xffff) + (s->c0 >> 16);
	uint32_t c0 = ((b >> 16) + b) & 0xffff;
	b = (s->c1 & 0xffff) + (s->c1 >> 16);
	uint32_t c1 = ((b >> 16) + b) & 0xffff;
	return c1 << 16 | c0;
}

static bool parse_header(const uint8_t *data, size_t len, chk_hdr *h)
{
	fg_cursor c = fg_cur_make(data, len);
	uint32_t magic = fg_cur_u32be(&c);
	h->header_len = fg_cur_u32be(&c);
	const uint8_t *res = fg_cur_take(&c, 8);
	h->kernel_sum = fg_cur_u32be(&c);
	h->rootfs_sum = fg_cur_u32be(&c);
	h->kernel_len = fg_cur_u32be(&c);
	h->rootfs_len = fg_cur_u32be(&c);
	h->image_sum = fg_cur_u32be(&c);
	h->header_sum = fg_cur_u32be(&c);
	if (!fg_cur_ok(&c) || magic != CHK_MAGIC)
		return false;
	if (h->header_len < CHK_FIXED || h->header_len > CHK_MAX_HEADER || h->header_len > len)
		return false;
	memcpy(h->reserved, res, 8);
	size_t blen = h->header_len - CHK_FIXED;
	const uint8_t *b = data + CHK_FIXED;
	for (size_t i = 0; i < blen; i++)
		if (b[i] < 0x20 || b[i] > 0x7e)
			return false; /* board ids are printable, and not terminated */
	memcpy(h->board, b, blen);
	h->board[blen] = '\0';
	h->total = (uint64_t)h->header_len + h->kernel_len + h->rootfs_len;
	return h->kernel_len > 0;
}

static uint32_t header_sum(const uint8_t *data, const chk_hdr *h)
{
	static const uint8_t zero[4];
	chk_sum s = {0, 0};
	sum_add(&s, data, CHK_HCSUM_OFF);
	sum_add(&s, zero, 4);
	sum_add(&s, data + CHK_HCSUM_OFF + 4, h->header_len - CHK_HCSUM_OFF - 4);
	return sum_fini(&s);
}

static int chk_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	chk_hdr h;
	if (!parse_header(data, len, &h))
		return 0;
	bool hdr_ok = header_sum(data, &h) == h.header_sum;
	if (h.total > len) {
		*chunk_len = len;
		return hdr_ok ? 60 : 30;
	}
	*chunk_len = h.total;
	return hdr_ok ? 95 : 45;
}

static void set_info(fg_unpack_ctx *ctx, fg_node *root, const char *info)
{
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);
}

static const char *verdict(bool have, uint32_t want, uint32_t got)
{
	return !have ? "not checked" : want == got ? "ok" : "mismatch";
}

static fg_node *emit(fg_unpack_ctx *ctx, fg_node *root, const char *name, const uint8_t *p,
		     size_t have, uint32_t size)
{
	fg_node *n = fg_unpack_add(ctx, root, name, FG_NODE_FILE);
	if (!n)
		return NULL;
	n->data = p;
	n->data_len = have;
	n->size = size;
	n->mode = 0644;
	if (have < size)
		fg_unpack_truncated(ctx, n, "cut at %zu of %u bytes", have, size);
	return n;
}

static int chk_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	chk_hdr h;
	if (!parse_header(data, len, &h)) {
		fg_unpack_fail(ctx, "bad CHK header");
		return -1;
	}
	size_t end = h.total <= len ? (size_t)h.total : len;
	root->src_length = end;
	const uint8_t *kern = data + h.header_len;
	size_t kave = end - h.header_len < h.kernel_len ? end - h.header_len : h.kernel_len;
	const uint8_t *rfs = kern + kave;
	size_t rave = (size_t)(end - h.header_len - kave);

	chk_sum ks = {0, 0}, rs = {0, 0}, all = {0, 0};
	sum_add(&ks, kern, kave);
	sum_add(&rs, rfs, rave);
	sum_add(&all, kern, kave + rave);
	bool kfull = kave == h.kernel_len, rfull = kfull && rave == h.rootfs_len;
	uint32_t hs = header_sum(data, &h), k = sum_fini(&ks), r = sum_fini(&rs), a = sum_fini(&all);

	char info[512];
	snprintf(info, sizeof(info),
		 "board '%.200s' region %u (%s) version %u.%u.%u; kernel len %u checksum %s; rootfs len %u "
		 "checksum %s; image checksum %s; header checksum %s",
		 h.board, h.reserved[0],
		 h.reserved[0] == 1 ? "WW" : h.reserved[0] == 2 ? "NA" : "unknown",
		 h.reserved[1], h.reserved[2], h.reserved[3], h.kernel_len,
		 verdict(kfull, h.kernel_sum, k), h.rootfs_len,
		 h.rootfs_len ? verdict(rfull, h.rootfs_sum, r) : "none", verdict(rfull, h.image_sum, a),
		 hs == h.header_sum ? "ok" : "mismatch");
	set_info(ctx, root, info);

	if (h.total > len)
		fg_unpack_truncated(ctx, root, "image truncated: %zu of %llu bytes present", len,
				    (unsigned long long)h.total);
	if (hs != h.header_sum)
		fg_unpack_truncated(ctx, root, "header checksum mismatch (stored 0x%08x, computed 0x%08x)",
				    h.header_sum, hs);
	if (kfull && k != h.kernel_sum)
		fg_unpack_truncated(ctx, root, "kernel checksum mismatch (stored 0x%08x, computed 0x%08x)",
				    h.kernel_sum, k);
	if (rfull && h.rootfs_len && r != h.rootfs_sum)
		fg_unpack_truncated(ctx, root, "rootfs checksum mismatch (stored 0x%08x, computed 0x%08x)",
				    h.rootfs_sum, r);
	if (rfull && a != h.image_sum)
		fg_unpack_truncated(ctx, root, "image checksum mismatch (stored 0x%08x, computed 0x%08x)",
				    h.image_sum, a);

	int emitted = 0;
	if (kave)
		emitted += emit(ctx, root, "kernel", kern, kave, h.kernel_len) != NULL;
	if (h.rootfs_len && rave)
		emitted += emit(ctx, root, "rootfs", rfs, rave, h.rootfs_len) != NULL;
	if (!emitted) {
		fg_unpack_fail(ctx, "no payload after the header");
		return -1;
	}
	return 0;
}

static const fg_magic chk_magics[] = {
	{ "\x2a\x23\x24\x5e", 4, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_netgear_chk = {
	.name = "netgear_chk",
	.kind = FG_FMT_WRAPPER,
	.magics = chk_magics,
	.probe = chk_probe,
	.unpack = chk_unpack,
};
