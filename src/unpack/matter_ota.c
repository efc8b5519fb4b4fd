/*
 * matter_ota.c - Matter OTA software images (Matter core specification,
 * "OTA Software Update File Format").
 *
 * Little-endian: file identifier 0x1beef11e, total size (64 bits), header
 * size (32 bits), then the header as a Matter TLV anonymous structure and
 * the payload. Header fields by context tag: 0 vendor id, 1 product id,
 * 2 software version, 3 software version string, 4 payload size, 5 and 6
 * the minimum and maximum applicable versions, 7 release notes URL, 8
 * image digest type (IANA named-information hash algorithm), 9 the
 * digest of the payload. The digest is verified; the payload is a child.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "unpack/format.h"

#define OTA_MAGIC 0x1beef11eu
#define OTA_PREFIX 16
#define OTA_MAX_HEADER 65536
#define TLV_MAX_DEPTH 8
#define TLV_MAX_ELEMENTS 256

typedef struct ota_hdr {
	uint64_t total, payload_size, min_ver, max_ver;
	uint32_t header_size, sw_version;
	uint32_t vendor, product;
	uint8_t digest_type;
	char version_str[65];
	const uint8_t *digest;
	size_t digest_len;
	unsigned seen;          /* bit per tag found */
} ota_hdr;

/* Bytes of the tag that tag control C (the control byte's top 3 bits)
 * introduces. */
static const uint8_t tag_bytes[8] = { 0, 1, 2, 4, 2, 4, 6, 8 };

/* One TLV element. Containers report no payload; END closes one. */
typedef struct tlv {
	unsigned type;          /* element type (low 5 bits) */
	int tag;                /* context tag, or -1 */
	uint64_t uval;
	const uint8_t *bytes;   /* strings */
	size_t blen;
} tlv;

static bool tlv_next(fg_cursor *c, tlv *t)
{
	uint8_t ctl = fg_cur_u8(c);
	if (!fg_cur_ok(c))
		return false;
	t->type = ctl & 0x1f;
	unsigned tc = ctl >> 5;
	t->tag = -1;
	if (tc == 1)
		t->tag = fg_cur_u8(c);
	else
		fg_cur_skip(c, tag_bytes[tc]);
	t->uval = 0;
	t->bytes = NULL;
	t->blen = 0;
	if (t->type <= 0x07) {
		unsigned n = 1u << (t->type & 3);
		const uint8_t *p = fg_cur_take(c, n);
		for (unsigned i = 0; p && i < n; i++)
			t->uval |= (uint64_t)p[i] << (8 * i);
	} else if (t->type == 0x0a) {
		fg_cur_skip(c, 4);
	} else if (t->type == 0x0b) {
		fg_cur_skip(c, 8);
	} else if (t->type >= 0x0c && t->type <= 0x13) {
		unsigned n = 1u << (t->type & 3);
		const uint8_t *p = fg_cur_take(c, n);
		uint64_t l = 0;
		for (unsigned i = 0; p && i < n; i++)
			l |= (uint64_t)p[i] << (8 * i);
		if (l > fg_cur_left(c))
			return false;
		t->blen = (size_t)l;
		t->bytes = fg_cur_take(c, t->blen);
	} else if (t->type > 0x18) {
		return false; /* reserved element types */
	}
	return fg_cur_ok(c);
}

/* Reads the header structure into H. */
static bool parse_tlv(const uint8_t *p, size_t n, ota_hdr *h)
{
	fg_cursor c = fg_cur_make(p, n);
	tlv t;
	if (!tlv_next(&c, &t) || t.type != 0x15)
		return false;
	unsigned depth = 1;
	for (int i = 0; i < TLV_MAX_ELEMENTS && depth; i++) {
		if (!tlv_next(&c, &t))
			return false;
		if (t.type == 0x18) {
			depth--;
			continue;
		}
		if (t.type >= 0x15 && t.type <= 0x17) {
			if (++depth > TLV_MAX_DEPTH)
				return false;
			continue;
		}
		if (depth != 1 || t.tag < 0 || t.tag > 9)
			continue;
		bool uint = t.type <= 0x07;
		switch (t.tag) {
		case 0: if (!uint) return false; h->vendor = (uint32_t)t.uval; break;
		case 1: if (!uint) return false; h->product = (uint32_t)t.uval; break;
		case 2: if (!uint) return false; h->sw_version = (uint32_t)t.uval; break;
		case 3:
			if (t.type < 0x0c || t.type > 0x0f || t.blen > 64)
				return false;
			memcpy(h->version_str, t.bytes, t.blen);
			h->version_str[t.blen] = '\0';
			for (size_t k = 0; k < t.blen; k++)
				if (h->version_str[k] < 0x20 || h->version_str[k] > 0x7e)
					h->version_str[k] = '?';
			break;
		case 4: if (!uint) return false; h->payload_size = t.uval; break;
		case 5: h->min_ver = t.uval; break;
		case 6: h->max_ver = t.uval; break;
		case 7: break;
		case 8: if (!uint) return false; h->digest_type = (uint8_t)t.uval; break;
		case 9:
			if (t.type < 0x10 || t.type > 0x13)
				return false;
			h->digest = t.bytes;
			h->digest_len = t.blen;
			break;
		}
		h->seen |= 1u << t.tag;
	}
	/* the mandatory fields */
	return depth == 0 && (h->seen & 0x31f) == 0x31f;
}

static bool parse(const uint8_t *data, size_t len, ota_hdr *h)
{
	memset(h, 0, sizeof(*h));
	fg_cursor c = fg_cur_make(data, len);
	uint32_t magic = fg_cur_u32le(&c);
	h->total = fg_cur_u64le(&c);
	h->header_size = fg_cur_u32le(&c);
	if (!fg_cur_ok(&c) || magic != OTA_MAGIC || h->header_size == 0 ||
	    h->header_size > OTA_MAX_HEADER || h->header_size > len - OTA_PREFIX)
		return false;
	if (!parse_tlv(data + OTA_PREFIX, h->header_size, h))
		return false;
	return h->total == OTA_PREFIX + (uint64_t)h->header_size + h->payload_size;
}

/* The digest algorithm and how many of its bytes are kept. */
static const EVP_MD *digest_md(uint8_t type, size_t *keep, const char **name)
{
	static const struct { size_t keep; const char *name; } t[] = {
		{ 0, NULL }, { 32, "sha-256" }, { 16, "sha-256-128" }, { 15, "sha-256-120" },
		{ 12, "sha-256-96" }, { 8, "sha-256-64" }, { 4, "sha-256-32" }, { 48, "sha-384" },
		{ 64, "sha-512" }, { 28, "sha3-224" }, { 32, "sha3-256" }, { 48, "sha3-384" },
		{ 64, "sha3-512" },
	};
	if (type == 0 || type >= sizeof(t) / sizeof(t[0]))
		return NULL;
	*keep = t[type].keep;
	*name = t[type].name;
	switch (type) {
	case 7: return EVP_sha384();
	case 8: return EVP_sha512();
	case 9: return EVP_sha3_224();
	case 10: return EVP_sha3_256();
	case 11: return EVP_sha3_384();
	case 12: return EVP_sha3_512();
	default: return EVP_sha256();
	}
}

/* 1 match, 0 mismatch, -1 not checkable. */
static int digest_ok(const ota_hdr *h, const uint8_t *p, size_t n, const char **name)
{
	size_t keep = 0;
	*name = NULL;
	const EVP_MD *md = digest_md(h->digest_type, &keep, name);
	if (!md || !h->digest || h->digest_len != keep)
		return -1;
	uint8_t out[EVP_MAX_MD_SIZE];
	unsigned olen = 0;
	if (!EVP_Digest(p, n, out, &olen, md, NULL) || olen < keep)
		return -1;
	return memcmp(out, h->digest, keep) == 0;
}

static int ota_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	ota_hdr h;
	if (!parse(data, len, &h))
		return 0;
	if (h.total > len) {
		*chunk_len = len;
		return 45;
	}
	*chunk_len = h.total;
	const char *name;
	size_t off = OTA_PREFIX + h.header_size;
	int d = digest_ok(&h, data + off, (size_t)h.payload_size, &name);
	return d == 1 ? 95 : d < 0 ? 80 : 50;
}

static int ota_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	ota_hdr h;
	if (!parse(data, len, &h)) {
		fg_unpack_fail(ctx, "bad Matter OTA header");
		return -1;
	}
	size_t off = OTA_PREFIX + h.header_size;
	size_t have = len - off < h.payload_size ? len - off : (size_t)h.payload_size;
	bool whole = have == h.payload_size;
	root->src_length = off + have;
	const char *dname = NULL;
	int dok = whole ? digest_ok(&h, data + off, have, &dname) : -1;

	char info[384];
	int n = snprintf(info, sizeof(info),
			 "vendor 0x%04x product 0x%04x software version %u '%s' payload %llu bytes",
			 h.vendor, h.product, h.sw_version, h.version_str,
			 (unsigned long long)h.payload_size);
	if (n > 0 && (size_t)n < sizeof(info)) {
		if (h.seen & (1u << 5))
			n += snprintf(info + n, sizeof(info) - (size_t)n, " min %llu",
				      (unsigned long long)h.min_ver);
	}
	if (n > 0 && (size_t)n < sizeof(info)) {
		if (h.seen & (1u << 6))
			n += snprintf(info + n, sizeof(info) - (size_t)n, " max %llu",
				      (unsigned long long)h.max_ver);
	}
	if (n > 0 && (size_t)n < sizeof(info)) {
		const char *verdict = !whole ? "not checked (truncated)" : dok == 1 ? "ok" :
				      dok == 0 ? "mismatch" : "not checked";
		if (dname)
			snprintf(info + n, sizeof(info) - (size_t)n, "; digest %s %s", dname, verdict);
		else
			snprintf(info + n, sizeof(info) - (size_t)n, "; digest type %u %s",
				 h.digest_type, verdict);
	}
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);

	if (!whole)
		fg_unpack_truncated(ctx, root, "payload cut at %zu of %llu bytes", have,
				    (unsigned long long)h.payload_size);
	else if (dok == 0)
		fg_unpack_truncated(ctx, root, "payload digest mismatch");
	if (!have)
		return 0;
	fg_node *c = fg_unpack_add(ctx, root, "payload", FG_NODE_FILE);
	if (!c)
		return -1;
	c->data = data + off;
	c->data_len = have;
	c->size = h.payload_size;
	c->mode = 0644;
	return 0;
}

static const fg_magic ota_magics[] = {
	{ "\x1e\xf1\xee\x1b", 4, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_matter_ota = {
	.name = "matter_ota",
	.kind = FG_FMT_WRAPPER,
	.magics = ota_magics,
	.probe = ota_probe,
	.unpack = ota_unpack,
};
