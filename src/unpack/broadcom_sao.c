/*
 * broadcom_sao.c - Broadcom SAO images: a run of "SOBJ" objects.
 *
 * Each object is a 64-byte big-endian header and its payload, the next
 * object following directly. Header: 0x00 "SOBJ", 0x04 CRC32 of header
 * bytes 8..63, 0x08 a four-letter tag naming the part ("META" JSON,
 * "DTBB" device trees, "KRNL" kernel, "RTFS" root file system), 0x10 the
 * payload size, 0x34 CRC32 of the payload; the other fields are not
 * documented. Layout after FACT's Broadcom SAO unpacker (tag at 8, size
 * at 16, 64-byte headers); the CRC fields were confirmed on its sample.
 * Each payload becomes a child named by its tag.
 */
#include <stdio.h>
#include <string.h>

#include "core/crc32.h"
#include "core/cursor.h"
#include "unpack/format.h"

#define SAO_HDR 64
#define SAO_MAX_OBJECTS 256
#define SAO_INFO 768

typedef struct sao_obj {
	char tag[5];
	uint32_t hcrc, size, pcrc;
} sao_obj;

static bool parse_obj(const uint8_t *p, size_t len, sao_obj *o)
{
	fg_cursor c = fg_cur_make(p, len);
	const uint8_t *magic = fg_cur_take(&c, 4);
	o->hcrc = fg_cur_u32be(&c);
	const uint8_t *tag = fg_cur_take(&c, 4);
	fg_cur_skip(&c, 4);
	o->size = fg_cur_u32be(&c);
	fg_cur_seek(&c, 0x34);
	o->pcrc = fg_cur_u32be(&c);
	fg_cur_seek(&c, SAO_HDR);
	if (!fg_cur_ok(&c) || memcmp(magic, "SOBJ", 4) != 0)
		return false;
	for (int i = 0; i < 4; i++)
		if (!((tag[i] >= 'A' && tag[i] <= 'Z') || (tag[i] >= '0' && tag[i] <= '9') ||
		      (tag[i] >= 'a' && tag[i] <= 'z')))
			return false;
	memcpy(o->tag, tag, 4);
	o->tag[4] = '\0';
	return true;
}

static bool header_ok(const uint8_t *p, const sao_obj *o)
{
	return fg_crc32(0, p + 8, SAO_HDR - 8) == o->hcrc;
}

/* Walks the objects; returns the chunk length and counts the objects and
 * those whose header or payload CRC holds. */
static uint64_t walk(const uint8_t *data, size_t len, unsigned *n, unsigned *good)
{
	size_t off = 0;
	*n = *good = 0;
	while (*n < SAO_MAX_OBJECTS && off < len) {
		sao_obj o;
		if (!parse_obj(data + off, len - off, &o))
			break;
		uint64_t end = (uint64_t)off + SAO_HDR + o.size;
		(*n)++;
		if (end > len)
			return end;
		if (header_ok(data + off, &o) || fg_crc32(0, data + off + SAO_HDR, o.size) == o.pcrc)
			(*good)++;
		off = (size_t)end;
	}
	return off;
}

static int sao_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	unsigned n, good;
	uint64_t end = walk(data, len, &n, &good);
	if (!n)
		return 0;
	if (end > len) {
		*chunk_len = len;
		return good ? 45 : 20;
	}
	*chunk_len = end;
	return good == n ? 90 : good ? 60 : 25;
}

static int sao_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	char info[SAO_INFO] = "";
	size_t used = 0, off = 0;
	unsigned count = 0;
	while (count < SAO_MAX_OBJECTS && off < len) {
		sao_obj o;
		if (!parse_obj(data + off, len - off, &o))
			break;
		size_t pay = off + SAO_HDR;
		size_t have = len - pay < o.size ? len - pay : o.size;
		bool whole = have == o.size;
		bool hok = header_ok(data + off, &o);
		bool pok = whole && fg_crc32(0, data + pay, have) == o.pcrc;
		if (used + 1 < sizeof(info))
			used += (size_t)snprintf(info + used, sizeof(info) - used, "%s%s %u crc %s%s",
						 count ? "; " : "", o.tag, o.size,
						 !whole ? "not checked" : pok ? "ok" : "mismatch",
						 hok ? "" : " (header crc mismatch)");
		if (!hok)
			fg_unpack_truncated(ctx, root, "%s: header CRC mismatch", o.tag);
		if (whole && !pok)
			fg_unpack_truncated(ctx, root, "%s: payload CRC mismatch", o.tag);
		char name[16];
		snprintf(name, sizeof(name), "%s", o.tag);
		if (fg_node_find_child(root, name, strlen(name)))
			snprintf(name, sizeof(name), "%s-%u", o.tag, count);
		fg_node *c = fg_unpack_add(ctx, root, name, FG_NODE_FILE);
		if (c) {
			c->data = data + pay;
			c->data_len = have;
			c->size = o.size;
			c->mode = 0644;
			if (!whole)
				fg_unpack_truncated(ctx, c, "cut at %zu of %u bytes", have, o.size);
		}
		count++;
		off = pay + have;
	}
	if (used >= sizeof(info))
		info[sizeof(info) - 1] = '\0';
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);
	root->src_length = off;
	if (!count) {
		fg_unpack_fail(ctx, "bad SOBJ header");
		return -1;
	}
	return 0;
}

static const fg_magic sao_magics[] = {
	{ "SOBJ", 4, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_broadcom_sao = {
	.name = "broadcom_sao",
	.kind = FG_FMT_WRAPPER,
	.magics = sao_magics,
	.probe = sao_probe,
	.unpack = sao_unpack,
};
