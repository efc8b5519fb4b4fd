/*
 * ihex.c - Intel HEX.
 *
 * Text records ":LLAAAATT<data>CC": byte count, 16-bit address, record
 * type, data, and a checksum making the sum of all the record's bytes
 * zero. Types: 00 data, 01 end of file, 02 extended segment address
 * (base = value * 16), 03 start segment address (CS:IP), 04 extended
 * linear address (upper 16 bits of the address), 05 start linear
 * address (EIP). Lines end in LF or CR LF.
 *
 * The chunk runs to the end of the end-of-file record's line. The data
 * becomes one file per contiguous region (hexrec.c). A record that is
 * not a record, or whose checksum does not match, ends the parse: what
 * came before is kept and the reason noted.
 */
#include <stdio.h>
#include <string.h>

#include "unpack/hexrec.h"

#define IHEX_MIN_RECORD 11   /* ":00000001FF" */

enum { IH_DATA, IH_EOF, IH_EXT_SEG, IH_START_SEG, IH_EXT_LIN, IH_START_LIN };

typedef struct ih_rec {
	uint8_t count, type;
	uint16_t addr;
	size_t data;       /* offset of the data's hex digits */
	uint8_t value[4];  /* decoded data of the address records */
	size_t next;       /* offset after the record and its line end */
} ih_rec;

typedef enum ih_status { IH_OK, IH_NOT_RECORD, IH_BAD_CHECKSUM } ih_status;

/* The record at POS of TEXT. */
static ih_status parse_record(const uint8_t *t, size_t len, size_t pos, ih_rec *r)
{
	if (pos >= len || t[pos] != ':' || len - pos < IHEX_MIN_RECORD)
		return IH_NOT_RECORD;
	uint8_t head[4];
	if (!fg_hex_decode(t + pos + 1, 4, head))
		return IH_NOT_RECORD;
	r->count = head[0];
	r->addr = (uint16_t)(head[1] << 8 | head[2]);
	r->type = head[3];
	size_t need = 1 + 2 * (5 + (size_t)r->count);
	if (len - pos < need || r->type > IH_START_LIN)
		return IH_NOT_RECORD;
	/* address records have fixed sizes */
	if ((r->type == IH_EOF && r->count) ||
	    ((r->type == IH_EXT_SEG || r->type == IH_EXT_LIN) && r->count != 2) ||
	    ((r->type == IH_START_SEG || r->type == IH_START_LIN) && r->count != 4))
		return IH_NOT_RECORD;
	unsigned sum = head[0] + head[1] + head[2] + head[3];
	r->data = pos + 9;
	for (size_t i = 0; i <= r->count; i++) {
		uint8_t b;
		if (!fg_hex_decode(t + r->data + 2 * i, 1, &b))
			return IH_NOT_RECORD;
		if (i < 4 && i < r->count)
			r->value[i] = b;
		sum += b;
	}
	size_t end = pos + need;
	size_t eol = fg_hex_eol(t + end, len - end);
	/* a record is a whole line (the last one may end the file) */
	if (!eol && end < len)
		return IH_NOT_RECORD;
	r->next = end + eol;
	return (sum & 0xFF) ? IH_BAD_CHECKSUM : IH_OK;
}

typedef struct ih_parse {
	unsigned records, data_records;
	bool eof;
	bool bad_checksum;
	size_t bad_at;              /* offset of the record that stopped the parse */
	size_t end;                 /* chunk end */
	bool seg, lin;              /* I16HEX / I32HEX address records seen */
	bool has_start_seg, has_start_lin;
	uint16_t cs, ip;
	uint32_t eip;
	bool too_many;
} ih_parse;

/* Walks the records; with RECS, collects the data records. */
static void parse(const uint8_t *t, size_t len, ih_parse *p, fg_hexrec_vec *recs)
{
	memset(p, 0, sizeof(*p));
	uint64_t base = 0;
	size_t pos = 0;
	while (pos < len) {
		ih_rec r;
		ih_status st = parse_record(t, len, pos, &r);
		if (st != IH_OK) {
			p->bad_checksum = st == IH_BAD_CHECKSUM;
			p->bad_at = pos;
			return;
		}
		p->records++;
		p->end = r.next;
		pos = r.next;
		switch (r.type) {
		case IH_DATA:
			if (recs && r.count) {
				if (recs->n >= FG_HEXREC_MAX_RECORDS) {
					p->too_many = true;
					return;
				}
				fg_hexrec h = { base + r.addr, r.data, (uint32_t)recs->n, r.count };
				if (!FG_VEC_PUSH(recs, h)) {
					p->too_many = true;
					return;
				}
			}
			p->data_records++;
			break;
		case IH_EOF:
			p->eof = true;
			return;
		case IH_EXT_SEG:
			base = (uint64_t)(r.value[0] << 8 | r.value[1]) << 4;
			p->seg = true;
			break;
		case IH_EXT_LIN:
			base = (uint64_t)(r.value[0] << 8 | r.value[1]) << 16;
			p->lin = true;
			break;
		case IH_START_SEG:
			p->has_start_seg = true;
			p->cs = (uint16_t)(r.value[0] << 8 | r.value[1]);
			p->ip = (uint16_t)(r.value[2] << 8 | r.value[3]);
			p->seg = true;
			break;
		case IH_START_LIN:
			p->has_start_lin = true;
			p->eip = (uint32_t)r.value[0] << 24 | (uint32_t)r.value[1] << 16 |
				 (uint32_t)r.value[2] << 8 | r.value[3];
			p->lin = true;
			break;
		}
	}
	p->bad_at = pos;
}

/*
 * The ':' magic is one byte: a chunk needs a valid first record and
 * either the end-of-file record or several records after it.
 */
static int ihex_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	ih_rec r;
	if (parse_record(data, len, 0, &r) != IH_OK)
		return 0;
	ih_parse p;
	parse(data, len, &p, NULL);
	*chunk_len = p.end;
	if (p.eof)
		return p.records >= 2 ? 85 : 40;
	return p.records >= 4 ? 60 : 20;
}

/* Usual first records: an extended address, or data at address 0. */
static const fg_magic ihex_magics[] = {
	{ ":02000004", 9, 0 },
	{ ":02000002", 9, 0 },
	{ ":10000000", 9, 0 },
	{ ":20000000", 9, 0 },
	FG_MAGIC_END,
};

static int ihex_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	fg_hexrec_vec recs = {0};
	ih_parse p;
	parse(data, len, &p, &recs);
	if (!p.records) {
		FG_VEC_FREE(&recs);
		fg_unpack_fail(ctx, "no Intel HEX record");
		return -1;
	}
	root->src_length = p.end;
	if (p.too_many)
		fg_unpack_truncated(ctx, root, "more than %u data records (or out of memory): the rest ignored",
				    FG_HEXREC_MAX_RECORDS);
	else if (p.bad_checksum)
		fg_unpack_truncated(ctx, root, "record checksum mismatch at offset %zu: parse stopped",
				    p.bad_at);
	else if (!p.eof)
		fg_unpack_truncated(ctx, root, "no end-of-file record (stopped at offset %zu)", p.bad_at);
	fg_hexrec_result res;
	fg_hexrec_emit(ctx, root, data, &recs, &res);
	FG_VEC_FREE(&recs);

	char info[256];
	int k = snprintf(info, sizeof(info), "%s, %u records, %u regions, %llu bytes",
			 p.lin ? "I32HEX" : p.seg ? "I16HEX" : "I8HEX", p.records, res.regions,
			 (unsigned long long)res.bytes);
	if (p.has_start_lin && k > 0 && (size_t)k < sizeof(info))
		k += snprintf(info + k, sizeof(info) - (size_t)k, ", start 0x%08x", p.eip);
	if (p.has_start_seg && k > 0 && (size_t)k < sizeof(info))
		k += snprintf(info + k, sizeof(info) - (size_t)k, ", start %04x:%04x", p.cs, p.ip);
	if (res.filled && k > 0 && (size_t)k < sizeof(info))
		k += snprintf(info + k, sizeof(info) - (size_t)k, ", gaps <= %u bytes filled",
			      FG_HEXREC_GAP_FILL);
	if (res.overlaps && k > 0 && (size_t)k < sizeof(info))
		snprintf(info + k, sizeof(info) - (size_t)k, ", overlapping records");
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

const fg_format fg_format_ihex = {
	.name = "ihex",
	.kind = FG_FMT_WRAPPER,
	.magics = ihex_magics,
	.probe = ihex_probe,
	.unpack = ihex_unpack,
};
