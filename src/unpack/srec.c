/*
 * srec.c - Motorola S-records.
 *
 * Text records "S<type><count><address><data><checksum>": the count is
 * the bytes of address, data and checksum; the checksum is the ones'
 * complement of the low byte of the sum of count, address and data.
 * Types: S0 header (16-bit address 0, the data is text: objcopy writes
 * the file name), S1/S2/S3 data with 16/24/32-bit addresses, S5/S6 the
 * number of data records so far (16/24-bit), S7/S8/S9 the start address
 * (32/24/16-bit) ending the file. S4 is reserved.
 *
 * The chunk runs to the end of the terminating record's line. Data
 * becomes one file per contiguous region (hexrec.c). A record that is
 * not a record, or whose checksum does not match, ends the parse: what
 * came before is kept and the reason noted; a count record that
 * disagrees with the records seen is noted too.
 */
#include <stdio.h>
#include <string.h>

#include "unpack/hexrec.h"

#define SREC_HEADER_TEXT 64

typedef struct sr_rec {
	uint8_t type, count;
	uint32_t addr;
	size_t data;          /* offset of the data's hex digits */
	size_t ndata;         /* data bytes */
	size_t next;          /* offset after the record and its line end */
} sr_rec;

typedef enum sr_status { SR_OK, SR_NOT_RECORD, SR_BAD_CHECKSUM } sr_status;

static unsigned addr_bytes(uint8_t type)
{
	static const unsigned n[10] = { 2, 2, 3, 4, 0, 2, 3, 4, 3, 2 };
	return type < 10 ? n[type] : 0;
}

static sr_status parse_record(const uint8_t *t, size_t len, size_t pos, sr_rec *r)
{
	if (pos >= len || len - pos < 4 || t[pos] != 'S' || t[pos + 1] < '0' || t[pos + 1] > '9')
		return SR_NOT_RECORD;
	r->type = (uint8_t)(t[pos + 1] - '0');
	unsigned ab = addr_bytes(r->type);
	if (!ab || !fg_hex_decode(t + pos + 2, 1, &r->count) || r->count < ab + 1)
		return SR_NOT_RECORD;
	size_t need = 4 + 2 * (size_t)r->count;
	if (len - pos < need)
		return SR_NOT_RECORD;
	unsigned sum = r->count;
	r->addr = 0;
	for (unsigned i = 0; i < r->count; i++) {
		uint8_t b;
		if (!fg_hex_decode(t + pos + 4 + 2 * i, 1, &b))
			return SR_NOT_RECORD;
		if (i < ab)
			r->addr = r->addr << 8 | b;
		if (i + 1 < r->count)
			sum += b;
		else if ((uint8_t)~sum != b)
			return SR_BAD_CHECKSUM;
	}
	r->data = pos + 4 + 2 * ab;
	r->ndata = r->count - ab - 1;
	/* count records carry no data; the terminators none either */
	if ((r->type >= 5 && r->ndata) || (r->type == 0 && r->addr))
		return SR_NOT_RECORD;
	size_t end = pos + need;
	size_t eol = fg_hex_eol(t + end, len - end);
	if (!eol && end < len)
		return SR_NOT_RECORD;
	r->next = end + eol;
	return SR_OK;
}

typedef struct sr_parse {
	unsigned records, data_records;
	bool ended;                 /* an S7/S8/S9 record */
	bool bad_checksum, too_many;
	size_t bad_at, end;
	uint8_t data_type;          /* 1, 2 or 3: the last data record's type */
	bool mixed;                 /* data records of several address sizes */
	bool has_start;
	uint32_t start;
	bool has_count, count_ok;
	uint32_t count;
	char header[SREC_HEADER_TEXT + 1];
} sr_parse;

static void header_text(const uint8_t *t, const sr_rec *r, char *out)
{
	size_t k = 0;
	for (size_t i = 0; i < r->ndata && k < SREC_HEADER_TEXT; i++) {
		uint8_t b;
		fg_hex_decode(t + r->data + 2 * i, 1, &b);
		if (!b)
			break;
		out[k++] = b >= 0x20 && b < 0x7f && b != '\'' ? (char)b : '?';
	}
	out[k] = '\0';
}

static void parse(const uint8_t *t, size_t len, sr_parse *p, fg_hexrec_vec *recs)
{
	memset(p, 0, sizeof(*p));
	size_t pos = 0;
	while (pos < len) {
		sr_rec r;
		sr_status st = parse_record(t, len, pos, &r);
		if (st != SR_OK) {
			p->bad_checksum = st == SR_BAD_CHECKSUM;
			break;
		}
		p->records++;
		p->end = pos = r.next;
		if (r.type == 0) {
			if (!p->header[0])
				header_text(t, &r, p->header);
		} else if (r.type <= 3) {
			if (p->data_type && p->data_type != r.type)
				p->mixed = true;
			p->data_type = r.type;
			p->data_records++;
			if (recs && r.ndata) {
				if (recs->n >= FG_HEXREC_MAX_RECORDS) {
					p->too_many = true;
					break;
				}
				fg_hexrec h = { r.addr, r.data, (uint32_t)recs->n, (uint16_t)r.ndata };
				if (!FG_VEC_PUSH(recs, h)) {
					p->too_many = true;
					break;
				}
			}
		} else if (r.type == 5 || r.type == 6) {
			p->has_count = true;
			p->count = r.addr;
			p->count_ok = r.addr == p->data_records;
		} else {
			p->ended = true;
			p->has_start = true;
			p->start = r.addr;
			break;
		}
	}
	p->bad_at = pos;
}

/* "S0" and "S1".."S3" followed by a hex count: the record kinds a file
 * starts with. A carved candidate needs several valid records. */
static int srec_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	sr_rec r;
	if (parse_record(data, len, 0, &r) != SR_OK || r.type > 3)
		return 0;
	sr_parse p;
	parse(data, len, &p, NULL);
	*chunk_len = p.end;
	if (p.ended)
		return p.records >= 2 ? 85 : 40;
	return p.records >= 4 ? 60 : 20;
}

static const fg_magic srec_magics[] = {
	{ "S00", 3, 0 },
	FG_MAGIC_END,
};

static int srec_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	fg_hexrec_vec recs = {0};
	sr_parse p;
	parse(data, len, &p, &recs);
	if (!p.records) {
		FG_VEC_FREE(&recs);
		fg_unpack_fail(ctx, "no S-record");
		return -1;
	}
	root->src_length = p.end;
	if (p.too_many)
		fg_unpack_truncated(ctx, root, "more than %u data records (or out of memory): the rest ignored",
				    FG_HEXREC_MAX_RECORDS);
	else if (p.bad_checksum)
		fg_unpack_truncated(ctx, root, "record checksum mismatch at offset %zu: parse stopped",
				    p.bad_at);
	else if (!p.ended)
		fg_unpack_truncated(ctx, root, "no S7/S8/S9 termination record (stopped at offset %zu)",
				    p.bad_at);
	if (p.has_count && !p.count_ok)
		fg_unpack_truncated(ctx, root, "count record says %u data records, %u seen", p.count,
				    p.data_records);
	fg_hexrec_result res;
	fg_hexrec_emit(ctx, root, data, &recs, &res);
	FG_VEC_FREE(&recs);

	char info[256];
	int k = snprintf(info, sizeof(info), "header '%s', S%u records, %u records, %u regions, %llu bytes",
			 p.header, p.data_type ? p.data_type : 1, p.records, res.regions,
			 (unsigned long long)res.bytes);
	if (p.has_start && k > 0 && (size_t)k < sizeof(info))
		k += snprintf(info + k, sizeof(info) - (size_t)k, ", start 0x%08x", p.start);
	if (p.has_count && k > 0 && (size_t)k < sizeof(info))
		k += snprintf(info + k, sizeof(info) - (size_t)k, ", count %s", p.count_ok ? "ok" : "mismatch");
	if (p.mixed && k > 0 && (size_t)k < sizeof(info))
		k += snprintf(info + k, sizeof(info) - (size_t)k, ", mixed address sizes");
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

const fg_format fg_format_srec = {
	.name = "srec",
	.kind = FG_FMT_WRAPPER,
	.magics = srec_magics,
	.probe = srec_probe,
	.unpack = srec_unpack,
};
