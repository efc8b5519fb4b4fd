/*
 * arcadyan.c - Arcadyan's obfuscated LZMA firmware.
 *
 * The image is an LZMA-alone stream behind 4 bytes, with two 32-byte
 * blocks exchanged: the one that belongs at 4 (the LZMA header and the
 * first range-coder bytes) is stored at 0x68, and the one that belongs at
 * 0x68 is stored at 4. The block stored at 0x68 is also scrambled: every
 * byte has its nibbles exchanged and every pair of bytes is exchanged.
 * Undone, the stored bytes at 0x68 "00 d5 08 00" become "5d 00 00 80",
 * the usual LZMA properties and dictionary - the format's magic.
 *
 * The de-obfuscated stream is handed on as a child (a copy charged to the
 * budget); the engine's LZMA handler unpacks it. The chunk ends where the
 * stream ends, which only decoding can tell: the stream is decoded once
 * here without keeping the output.
 */
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "unpack/format.h"

#define ARC_LEAD 4              /* bytes before the LZMA stream */
#define ARC_BLOCK 32
#define ARC_SWAP_AT 0x68        /* where the first block is stored */
#define ARC_MIN (ARC_SWAP_AT + ARC_BLOCK + 16)
#define ARC_PROBE_IN 4096       /* input a probe trial-decodes */
#define ARC_PROBE_OUT (256 * 1024)
#define LZMA_HDR 13

/* Undoes the scramble of the block stored at 0x68. */
static void unscramble(const uint8_t *in, uint8_t *out)
{
	for (int i = 0; i < ARC_BLOCK; i += 2) {
		uint8_t a = in[i], b = in[i + 1];
		out[i] = (uint8_t)(b << 4 | b >> 4);
		out[i + 1] = (uint8_t)(a << 4 | a >> 4);
	}
}

/* De-obfuscated bytes [ARC_LEAD, ARC_LEAD + N) of IN into OUT: the LZMA
 * stream. IN holds at least ARC_MIN and ARC_LEAD + N bytes. */
static void deobfuscate(const uint8_t *in, uint8_t *out, size_t n)
{
	size_t end = ARC_LEAD + n;
	uint8_t first[ARC_BLOCK];
	unscramble(in + ARC_SWAP_AT, first);
	for (size_t i = ARC_LEAD; i < end; i++) {
		uint8_t b;
		if (i < ARC_LEAD + ARC_BLOCK)
			b = first[i - ARC_LEAD];
		else if (i >= ARC_SWAP_AT && i < ARC_SWAP_AT + ARC_BLOCK)
			b = in[ARC_LEAD + (i - ARC_SWAP_AT)];
		else
			b = in[i];
		out[i - ARC_LEAD] = b;
	}
}

typedef struct lz_hdr {
	uint8_t props;
	uint32_t dict;
	uint64_t usize;
} lz_hdr;

static bool lz_parse(const uint8_t *p, lz_hdr *h)
{
	h->props = p[0];
	h->dict = fg_load_u32le(p + 1);
	h->usize = fg_load_u32le(p + 5) | (uint64_t)fg_load_u32le(p + 9) << 32;
	return h->props < 9 * 5 * 5 && h->props % 9 + (h->props / 9) % 5 <= 4 &&
	       h->dict >= 4096 && (h->usize == UINT64_MAX || h->usize <= (1ull << 38));
}

/* An alone decoder whose dictionary is at most CAP: a match never reaches
 * back past what was decoded, so a smaller one decodes the same bytes. */
static bool start(lzma_stream *zs, const lz_hdr *h, uint64_t cap)
{
	uint64_t dict = h->dict;
	if (h->usize != UINT64_MAX && h->usize < dict)
		dict = h->usize;
	if (dict > cap)
		dict = cap;
	if (dict < 4096)
		dict = 4096;
	uint8_t hdr[LZMA_HDR];
	hdr[0] = h->props;
	for (int i = 0; i < 4; i++)
		hdr[1 + i] = (uint8_t)(dict >> (8 * i));
	for (int i = 0; i < 8; i++)
		hdr[5 + i] = (uint8_t)(h->usize >> (8 * i));
	if (lzma_alone_decoder(zs, UINT64_MAX) != LZMA_OK)
		return false;
	uint8_t sink[1];
	zs->next_in = hdr;
	zs->avail_in = sizeof(hdr);
	zs->next_out = sink;
	zs->avail_out = sizeof(sink);
	if (lzma_code(zs, LZMA_RUN) != LZMA_OK || zs->avail_in) {
		lzma_end(zs);
		return false;
	}
	return true;
}

/* Decodes the stream S..S+N without keeping the output, at most OUT_CAP
 * bytes of it. Returns the liblzma result; *USED gets the input consumed
 * (header included), *OUT the bytes produced. */
static lzma_ret measure(const uint8_t *s, size_t n, uint64_t out_cap, size_t *used, uint64_t *out)
{
	lz_hdr h;
	*used = 0;
	*out = 0;
	if (n < LZMA_HDR || !lz_parse(s, &h))
		return LZMA_FORMAT_ERROR;
	lzma_stream zs = LZMA_STREAM_INIT;
	if (!start(&zs, &h, out_cap))
		return LZMA_OPTIONS_ERROR;
	uint8_t scratch[16384];
	zs.next_in = s + LZMA_HDR;
	zs.avail_in = n - LZMA_HDR;
	lzma_ret rc = LZMA_OK;
	while (*out < out_cap) {
		size_t room = out_cap - *out < sizeof(scratch) ? (size_t)(out_cap - *out) : sizeof(scratch);
		size_t in_before = zs.avail_in;
		zs.next_out = scratch;
		zs.avail_out = room;
		rc = lzma_code(&zs, zs.avail_in ? LZMA_RUN : LZMA_FINISH);
		*out += room - zs.avail_out;
		if (rc != LZMA_OK)
			break;
		if (room == zs.avail_out && in_before == zs.avail_in) {
			rc = LZMA_BUF_ERROR; /* no progress: the input ran out */
			break;
		}
	}
	*used = LZMA_HDR + (n - LZMA_HDR - zs.avail_in);
	lzma_end(&zs);
	return rc;
}

static int arc_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	if (len < ARC_MIN || memcmp(data + ARC_SWAP_AT, "\x00\xd5\x08\x00", 4) != 0)
		return 0;
	uint8_t buf[ARC_PROBE_IN];
	size_t n = len - ARC_LEAD < sizeof(buf) ? len - ARC_LEAD : sizeof(buf);
	deobfuscate(data, buf, n);
	lz_hdr h;
	if (!lz_parse(buf, &h) || buf[LZMA_HDR] != 0)
		return 0;
	size_t used;
	uint64_t out;
	lzma_ret rc = measure(buf, n, ARC_PROBE_OUT, &used, &out);
	if (rc == LZMA_STREAM_END) {
		*chunk_len = ARC_LEAD + used;
		return out > 0 ? 90 : 0;
	}
	/* the whole trial input decoded cleanly (or the output cap was hit) */
	if ((rc == LZMA_OK || rc == LZMA_BUF_ERROR) && (used >= n - 16 || out >= ARC_PROBE_OUT))
		return 80;
	return 0;
}

static void set_info(fg_unpack_ctx *ctx, fg_node *root, const char *info)
{
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);
}

static int arc_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	if (len < ARC_MIN || memcmp(data + ARC_SWAP_AT, "\x00\xd5\x08\x00", 4) != 0) {
		fg_unpack_fail(ctx, "not an Arcadyan obfuscated image");
		return -1;
	}
	size_t n = len - ARC_LEAD;
	uint8_t *s = fg_unpack_alloc(ctx, n);
	if (!s) {
		fg_unpack_fail(ctx, "byte budget exhausted (%zu bytes needed)", n);
		return -1;
	}
	deobfuscate(data, s, n);
	size_t used;
	uint64_t out;
	uint64_t cap = fg_budget_output_cap(fg_unpack_budget(ctx), n);
	lzma_ret rc = measure(s, n, cap, &used, &out);
	lz_hdr h;
	lz_parse(s, &h);
	size_t keep = rc == LZMA_STREAM_END ? used : n;

	char info[256];
	snprintf(info, sizeof(info), "lead %02x%02x%02x%02x; lzma props 0x%02x dict %u size %s%llu; "
		 "stream %zu bytes%s", data[0], data[1], data[2], data[3], h.props, h.dict,
		 h.usize == UINT64_MAX ? "unknown " : "",
		 h.usize == UINT64_MAX ? (unsigned long long)out : (unsigned long long)h.usize, keep,
		 rc == LZMA_STREAM_END ? "" : " (end not found)");
	set_info(ctx, root, info);
	if (rc != LZMA_STREAM_END)
		fg_unpack_truncated(ctx, root, "LZMA stream end not reached (%s): kept to the end",
				    rc == LZMA_OK ? "output limit" : "corrupt or truncated");
	root->src_length = ARC_LEAD + keep;

	fg_node *c = fg_unpack_add(ctx, root, "deobfuscated.lzma", FG_NODE_FILE);
	if (!c)
		return -1;
	c->data = s;
	c->data_len = keep;
	c->size = keep;
	c->mode = 0644;
	return 0;
}

/* Vectorscan's literal API takes a literal that starts with NUL for an
 * empty one: the magic starts at the second byte; the probe checks the
 * first. */
static const fg_magic arc_magics[] = {
	{ "\xd5\x08\x00", 3, ARC_SWAP_AT + 1 },
	FG_MAGIC_END,
};

const fg_format fg_format_arcadyan = {
	.name = "arcadyan",
	.kind = FG_FMT_WRAPPER,
	.magics = arc_magics,
	.probe = arc_probe,
	.unpack = arc_unpack,
};
