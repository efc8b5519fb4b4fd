/*
 * seama.c - SEAMA images (Alpha Networks' "SEAttle iMAge", D-Link).
 *
 * A header in network byte order: magic 0x5ea3a417, 16 reserved bits, the
 * size of the meta data, the size of the image. An entity with an image
 * then carries the MD5 of the image (16 bytes), the meta data (NUL
 * separated "name=value" strings, padded to 4 bytes: "dev=/dev/mtdblock/1",
 * "type=firmware") and the image. A seal ("signature=wrgac..." in its
 * meta data) has no MD5: its meta data is followed by the entities it
 * seals, and its size is either 0 or their total length. Some writers used
 * little-endian headers; those are read too.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "unpack/format.h"

#define SEAMA_MAGIC 0x5ea3a417u
#define SEAMA_HDR 12
#define SEAMA_MD5 16
#define SEAMA_MAX_ENTITIES 16
#define SEAMA_INFO 768

typedef struct seama_hdr {
	bool le;
	uint16_t metasize;
	uint32_t size;
} seama_hdr;

static bool parse_header(const uint8_t *p, size_t len, seama_hdr *h)
{
	fg_cursor c = fg_cur_make(p, len);
	const uint8_t *m = fg_cur_take(&c, 4);
	if (!fg_cur_ok(&c))
		return false;
	uint32_t be = fg_load_u32be(m), le = fg_load_u32le(m);
	if (be != SEAMA_MAGIC && le != SEAMA_MAGIC)
		return false;
	h->le = le == SEAMA_MAGIC;
	if (h->le) {
		fg_cur_u16le(&c);
		h->metasize = fg_cur_u16le(&c);
		h->size = fg_cur_u32le(&c);
	} else {
		fg_cur_u16be(&c);
		h->metasize = fg_cur_u16be(&c);
		h->size = fg_cur_u32be(&c);
	}
	return fg_cur_ok(&c);
}

/* Meta data are printable strings separated and padded by NULs. */
static bool meta_ok(const uint8_t *p, size_t n)
{
	size_t text = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == 0)
			continue;
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
		text++;
	}
	return text > 0 || n == 0;
}

/* A seal: its meta data directly after the header, entities after that. */
static bool is_seal(const uint8_t *p, size_t len, const seama_hdr *h)
{
	size_t next = SEAMA_HDR + (size_t)h->metasize;
	if (next > len || !meta_ok(p + SEAMA_HDR, h->metasize))
		return false;
	if (h->size == 0)
		return true;
	seama_hdr e;
	return parse_header(p + next, len - next, &e) && (uint64_t)h->size >= SEAMA_HDR;
}

/* Length of an entity: header, MD5, meta data, image. */
static uint64_t entity_len(const seama_hdr *h)
{
	return (uint64_t)SEAMA_HDR + SEAMA_MD5 + h->metasize + h->size;
}

static bool md5_ok(const uint8_t *p, size_t n, const uint8_t *want)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bool ok = c && EVP_DigestInit_ex(c, EVP_md5(), NULL) && EVP_DigestUpdate(c, p, n) &&
		  EVP_DigestFinal_ex(c, md, &mdlen) && mdlen == 16;
	EVP_MD_CTX_free(c);
	return ok && memcmp(md, want, 16) == 0;
}

/* Walks the entities of a seal from OFF; returns where they end. */
static uint64_t seal_end(const uint8_t *data, size_t len, size_t off, unsigned *count)
{
	*count = 0;
	while (*count < SEAMA_MAX_ENTITIES && off < len) {
		seama_hdr e;
		if (!parse_header(data + off, len - off, &e) || e.size == 0)
			break;
		uint64_t el = entity_len(&e);
		(*count)++;
		if (off + el > len)
			return off + el;
		off += (size_t)el;
	}
	return off;
}

static int seama_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	seama_hdr h;
	if (!parse_header(data, len, &h))
		return 0;
	if (is_seal(data, len, &h)) {
		unsigned n;
		uint64_t end = h.size ? SEAMA_HDR + (uint64_t)h.metasize + h.size
				      : seal_end(data, len, SEAMA_HDR + h.metasize, &n);
		if (!h.size && !n)
			return 0;
		*chunk_len = end <= len ? end : len;
		return end <= len ? 85 : 45;
	}
	if (h.size == 0)
		return 0;
	uint64_t el = entity_len(&h);
	size_t meta = SEAMA_HDR + SEAMA_MD5;
	if (meta + h.metasize > len || !meta_ok(data + meta, h.metasize))
		return 0;
	if (el > len) {
		*chunk_len = len;
		return 45;
	}
	*chunk_len = el;
	size_t img = meta + h.metasize;
	return md5_ok(data + img, h.size, data + SEAMA_HDR) ? 95 : 50;
}

/* ---- unpack ----------------------------------------------------------- */

/* Appends the meta strings to INFO, '; ' separated, and copies the value
 * of "type=" to TYPE as a file name. */
static void add_meta(const uint8_t *p, size_t n, char *info, size_t cap, char *type, size_t tcap)
{
	size_t used = strlen(info);
	for (size_t i = 0; i < n; ) {
		const uint8_t *s = p + i;
		size_t k = strnlen((const char *)s, n - i);
		if (k) {
			if (used + 3 < cap)
				used += (size_t)snprintf(info + used, cap - used, "%s%.*s",
							 used ? " " : "", (int)k, (const char *)s);
			if (used >= cap)
				used = cap - 1;
			if (k > 5 && !memcmp(s, "type=", 5) && type && !type[0]) {
				size_t o = 0;
				for (size_t j = 5; j < k && o + 1 < tcap; j++) {
					char ch = (char)s[j];
					bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
						  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
					type[o++] = ok ? ch : '_';
				}
				type[o] = '\0';
			}
		}
		i += k + 1;
	}
}

static void set_info(fg_unpack_ctx *ctx, fg_node *root, const char *info)
{
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);
}

/* Appends S to INFO, cut at CAP. */
static void append(char *info, size_t cap, const char *s)
{
	size_t used = strlen(info), n = strlen(s);
	if (used + 1 >= cap)
		return;
	if (n > cap - used - 1)
		n = cap - used - 1;
	memcpy(info + used, s, n);
	info[used + n] = '\0';
}

/* Emits the entity at DATA (LEN bytes left) as NAME_PREFIX + its type;
 * returns its length, or 0 when none is there. */
static uint64_t emit_entity(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len,
			    int index, char *info, size_t cap)
{
	seama_hdr h;
	if (!parse_header(data, len, &h) || h.size == 0)
		return 0;
	size_t meta = SEAMA_HDR + SEAMA_MD5;
	if (meta + h.metasize > len) {
		fg_unpack_truncated(ctx, root, "entity meta data cut off");
		return 0;
	}
	char type[48] = "";
	char part[SEAMA_INFO] = "";
	add_meta(data + meta, h.metasize, part, sizeof(part), type, sizeof(type));
	size_t img = meta + h.metasize;
	size_t have = len - img < h.size ? len - img : h.size;
	bool whole = have == h.size;
	bool ok = whole && md5_ok(data + img, have, data + SEAMA_HDR);

	char name[64];
	const char *base = type[0] ? type : "image";
	if (index < 0)
		snprintf(name, sizeof(name), "%s", base);
	else
		snprintf(name, sizeof(name), "%d-%s", index, base);
	char tail[96];
	snprintf(tail, sizeof(tail), " size %u md5 %s", h.size,
		 !whole ? "not checked (truncated)" : ok ? "ok" : "mismatch");
	append(info, cap, info[0] ? "; " : "");
	append(info, cap, name);
	if (part[0]) {
		append(info, cap, " [");
		append(info, cap, part);
		append(info, cap, "]");
	}
	append(info, cap, tail);
	if (whole && !ok)
		fg_unpack_truncated(ctx, root, "%s: MD5 mismatch", name);

	fg_node *n = fg_unpack_add(ctx, root, name, FG_NODE_FILE);
	if (n) {
		n->data = data + img;
		n->data_len = have;
		n->size = h.size;
		n->mode = 0644;
		if (!whole)
			fg_unpack_truncated(ctx, n, "cut at %zu of %u bytes", have, h.size);
	}
	return entity_len(&h);
}

static int seama_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	seama_hdr h;
	if (!parse_header(data, len, &h)) {
		fg_unpack_fail(ctx, "bad SEAMA header");
		return -1;
	}
	char info[SEAMA_INFO] = "";
	if (h.le)
		append(info, sizeof(info), "le");
	if (!is_seal(data, len, &h)) {
		uint64_t el = emit_entity(ctx, root, data, len, -1, info, sizeof(info));
		set_info(ctx, root, info);
		if (!el) {
			fg_unpack_fail(ctx, "SEAMA entity unreadable");
			return -1;
		}
		root->src_length = el <= len ? el : len;
		if (el > len)
			fg_unpack_truncated(ctx, root, "image truncated: %zu of %llu bytes present", len,
					    (unsigned long long)el);
		return 0;
	}

	char seal[SEAMA_INFO] = "";
	add_meta(data + SEAMA_HDR, h.metasize, seal, sizeof(seal), NULL, 0);
	append(info, sizeof(info), info[0] ? " seal [" : "seal [");
	append(info, sizeof(info), seal);
	append(info, sizeof(info), "]");
	size_t off = SEAMA_HDR + (size_t)h.metasize;
	uint64_t end = h.size ? off + (uint64_t)h.size : len;
	size_t stop = end <= len ? (size_t)end : len;
	int count = 0;
	while (count < SEAMA_MAX_ENTITIES && off < stop) {
		uint64_t el = emit_entity(ctx, root, data + off, stop - off, count, info, sizeof(info));
		if (!el)
			break;
		count++;
		off = off + el <= stop ? off + (size_t)el : stop;
	}
	set_info(ctx, root, info);
	if (h.size && end > len)
		fg_unpack_truncated(ctx, root, "seal truncated: %zu of %llu bytes present", len,
				    (unsigned long long)end);
	if (h.size && off < stop)
		fg_unpack_truncated(ctx, root, "%zu bytes after the last entity not read", stop - off);
	root->src_length = h.size ? stop : off;
	if (!count) {
		fg_unpack_fail(ctx, "seal holds no entity");
		return -1;
	}
	return 0;
}

static const fg_magic seama_magics[] = {
	{ "\x5e\xa3\xa4\x17", 4, 0 },
	{ "\x17\xa4\xa3\x5e", 4, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_seama = {
	.name = "seama",
	.kind = FG_FMT_WRAPPER,
	.magics = seama_magics,
	.probe = seama_probe,
	.unpack = seama_unpack,
};
