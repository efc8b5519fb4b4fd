/*
 * hexrec.c - regions of Intel HEX and S-record files (see hexrec.h).
 */
#include "unpack/hexrec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool fg_hex_decode(const uint8_t *p, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = fg_hex_nibble(p[2 * i]), lo = fg_hex_nibble(p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

size_t fg_hex_eol(const uint8_t *p, size_t n)
{
	if (n >= 2 && p[0] == '\r' && p[1] == '\n')
		return 2;
	if (n >= 1 && (p[0] == '\n' || p[0] == '\r'))
		return 1;
	return 0;
}

static int rec_cmp(const void *a, const void *b)
{
	const fg_hexrec *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static uint64_t rec_end(const fg_hexrec *r)
{
	return r->addr + r->len;
}

/* Decodes records [FIRST, LAST) into one region starting at START. */
static void emit_region(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *text,
			const fg_hexrec *r, size_t first, size_t last, uint64_t start, uint64_t end,
			fg_hexrec_result *res)
{
	char name[32];
	snprintf(name, sizeof(name), "0x%08llx.bin", (unsigned long long)start);
	uint64_t size = end - start;
	uint8_t *buf = size <= SIZE_MAX ? fg_unpack_alloc(ctx, (size_t)size) : NULL;
	if (!buf) {
		fg_unpack_truncated(ctx, root, "region %s (%llu bytes) exceeds the budget", name,
				    (unsigned long long)size);
		return;
	}
	memset(buf, 0xFF, (size_t)size);
	for (size_t i = first; i < last; i++)
		fg_hex_decode(text + r[i].text, r[i].len, buf + (r[i].addr - start));
	fg_node *n = fg_unpack_add(ctx, root, name, FG_NODE_FILE);
	if (!n)
		return;
	n->data = buf;
	n->data_len = (size_t)size;
	n->size = size;
	n->mode = 0644;
	res->regions++;
	res->bytes += size;
}

void fg_hexrec_emit(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *text, fg_hexrec_vec *recs,
		    fg_hexrec_result *res)
{
	memset(res, 0, sizeof(*res));
	if (recs->n > 1)
		qsort(recs->v, recs->n, sizeof(*recs->v), rec_cmp);
	const fg_hexrec *r = recs->v;
	size_t i = 0;
	while (i < recs->n) {
		if (!r[i].len) {
			i++;
			continue;
		}
		size_t first = i;
		uint64_t start = r[i].addr, end = rec_end(&r[i]);
		for (i++; i < recs->n; i++) {
			if (!r[i].len)
				continue;
			if (r[i].addr < end)
				res->overlaps = true;
			else if (r[i].addr > end + FG_HEXREC_GAP_FILL)
				break;
			else if (r[i].addr > end)
				res->filled = true;
			if (rec_end(&r[i]) > end)
				end = rec_end(&r[i]);
		}
		if (res->regions >= FG_HEXREC_MAX_REGIONS) {
			fg_unpack_truncated(ctx, root, "more than %u regions: the rest not emitted",
					    FG_HEXREC_MAX_REGIONS);
			return;
		}
		emit_region(ctx, root, text, r, first, i, start, end, res);
	}
}
