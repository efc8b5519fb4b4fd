/*
 * dahua.c - Dahua firmware: a ZIP archive whose first local file header
 * says "DH" where ZIP says "PK".
 *
 * The archive is otherwise a plain ZIP: the central directory and the end
 * record (EOCD) count offsets from the "DH" header. The handler copies the
 * archive (charged to the budget), restores "PK" on every local header the
 * central directory points to, and hands the copy on as
 * "dahua_firmware.zip" (FACT's name) for the ZIP handler. The chunk ends
 * with the EOCD and its comment; the EOCD is the first "PK\5\6" whose
 * central directory lies just before it.
 */
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "unpack/format.h"

#define DH_LFH "DH\3\4"
#define LFH_LEN 30
#define CDH_LEN 46
#define EOCD_LEN 22
#define DH_MAX_EOCD_TRIES 4096
#define DH_MAX_ENTRIES 65535

typedef struct dh_eocd {
	size_t at;           /* EOCD position in the chunk */
	uint32_t cd_off, cd_size;
	uint16_t entries;
	uint64_t end;        /* chunk length */
} dh_eocd;

/* The first local header: sane version, flags, method and name. */
static bool lfh_ok(const uint8_t *data, size_t len)
{
	fg_cursor c = fg_cur_make(data, len);
	const uint8_t *sig = fg_cur_take(&c, 4);
	uint16_t version = fg_cur_u16le(&c);
	uint16_t flags = fg_cur_u16le(&c);
	uint16_t method = fg_cur_u16le(&c);
	fg_cur_skip(&c, 16);
	uint16_t name_len = fg_cur_u16le(&c);
	fg_cur_u16le(&c);
	if (!fg_cur_ok(&c) || memcmp(sig, DH_LFH, 4) != 0)
		return false;
	bool method_ok = method == 0 || method == 8 || method == 9 || method == 12 || method == 14 ||
			 method == 93 || method == 95 || method == 99;
	return (version & 0xff) <= 63 && !(flags & 0xc780) && method_ok && name_len > 0 &&
	       fg_cur_skip(&c, name_len);
}

static bool find_eocd(const uint8_t *data, size_t len, dh_eocd *e)
{
	size_t from = LFH_LEN;
	for (int tries = 0; tries < DH_MAX_EOCD_TRIES && from + EOCD_LEN <= len; tries++) {
		const uint8_t *hit = memmem(data + from, len - from, "PK\5\6", 4);
		if (!hit)
			return false;
		size_t at = (size_t)(hit - data);
		from = at + 1;
		fg_cursor c = fg_cur_make(hit, len - at);
		fg_cur_skip(&c, 4 + 2 + 2);
		uint16_t here = fg_cur_u16le(&c);
		uint16_t total = fg_cur_u16le(&c);
		uint32_t size = fg_cur_u32le(&c);
		uint32_t off = fg_cur_u32le(&c);
		uint16_t comment = fg_cur_u16le(&c);
		if (!fg_cur_ok(&c) || here != total || (uint64_t)off + size != at ||
		    !fg_cur_skip(&c, comment))
			continue;
		e->at = at;
		e->cd_off = off;
		e->cd_size = size;
		e->entries = total;
		e->end = (uint64_t)at + EOCD_LEN + comment;
		return true;
	}
	return false;
}

static int dh_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	if (!lfh_ok(data, len))
		return 0;
	dh_eocd e;
	if (!find_eocd(data, len, &e)) {
		*chunk_len = len; /* no end record: the ZIP handler reads the local headers */
		return 40;
	}
	*chunk_len = e.end;
	return 90;
}

/* Restores "PK" on the local headers the central directory names. */
static unsigned fix_headers(uint8_t *z, size_t len, const dh_eocd *e)
{
	unsigned fixed = 0;
	size_t pos = e->cd_off;
	for (unsigned i = 0; i < e->entries && i < DH_MAX_ENTRIES; i++) {
		fg_cursor c = fg_cur_make(z + pos, e->at - pos);
		const uint8_t *sig = fg_cur_take(&c, 4);
		fg_cur_skip(&c, 24);
		uint16_t nlen = fg_cur_u16le(&c);
		uint16_t xlen = fg_cur_u16le(&c);
		uint16_t clen = fg_cur_u16le(&c);
		fg_cur_skip(&c, 8);
		uint32_t lfh = fg_cur_u32le(&c);
		if (!fg_cur_ok(&c) || memcmp(sig, "PK\1\2", 4) != 0)
			break;
		if ((uint64_t)lfh + 4 <= len && !memcmp(z + lfh, DH_LFH, 4)) {
			memcpy(z + lfh, "PK", 2);
			fixed++;
		}
		uint64_t next = (uint64_t)pos + CDH_LEN + nlen + xlen + clen;
		if (next > e->at)
			break;
		pos = (size_t)next;
	}
	return fixed;
}

static int dh_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	if (!lfh_ok(data, len)) {
		fg_unpack_fail(ctx, "bad Dahua local header");
		return -1;
	}
	dh_eocd e;
	bool have_eocd = find_eocd(data, len, &e);
	size_t n = have_eocd ? (size_t)e.end : len;
	uint8_t *z = fg_unpack_alloc(ctx, n);
	if (!z) {
		fg_unpack_fail(ctx, "byte budget exhausted (%zu bytes needed)", n);
		return -1;
	}
	memcpy(z, data, n);
	memcpy(z, "PK", 2);
	unsigned fixed = 1;
	if (have_eocd)
		fixed += fix_headers(z, n, &e);
	else
		fg_unpack_truncated(ctx, root, "no end-of-central-directory record: copied to the end");
	root->src_length = n;

	char info[128];
	snprintf(info, sizeof(info), "zip with DH magic; %u local header%s restored; %u entries",
		 fixed, fixed == 1 ? "" : "s", have_eocd ? e.entries : 0);
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);

	fg_node *c = fg_unpack_add(ctx, root, "dahua_firmware.zip", FG_NODE_FILE);
	if (!c)
		return -1;
	c->data = z;
	c->data_len = n;
	c->size = n;
	c->mode = 0644;
	return 0;
}

static const fg_magic dh_magics[] = {
	{ DH_LFH, 4, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_dahua = {
	.name = "dahua",
	.kind = FG_FMT_WRAPPER,
	.magics = dh_magics,
	.probe = dh_probe,
	.unpack = dh_unpack,
};
