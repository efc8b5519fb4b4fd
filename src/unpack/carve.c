#include "unpack/carve.h"

#include <hs/hs.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>

/* The database holds every magic of every format; the pattern ID indexes
 * the flattened table below. Built once per process. */
typedef struct magic_ref {
	const fg_format *format;
	const fg_magic *magic;
} magic_ref;

static hs_database_t *magic_db;
static magic_ref *magic_refs;
static size_t magic_count;
static pthread_once_t magic_once = PTHREAD_ONCE_INIT;

static void build_db(void)
{
	size_t n = 0;
	for (size_t i = 0; i < fg_format_count(); i++) {
		const fg_format *f = fg_format_at(i);
		for (const fg_magic *m = f->magics; m && m->bytes; m++)
			n++;
	}
	if (n == 0)
		return;
	magic_refs = calloc(n, sizeof(*magic_refs));
	const char **exprs = calloc(n, sizeof(*exprs));
	size_t *lens = calloc(n, sizeof(*lens));
	unsigned *ids = calloc(n, sizeof(*ids));
	unsigned *flags = calloc(n, sizeof(*flags));
	if (!magic_refs || !exprs || !lens || !ids || !flags)
		goto out;
	size_t k = 0;
	for (size_t i = 0; i < fg_format_count(); i++) {
		const fg_format *f = fg_format_at(i);
		for (const fg_magic *m = f->magics; m && m->bytes; m++) {
			magic_refs[k] = (magic_ref){ f, m };
			exprs[k] = m->bytes;
			lens[k] = m->len;
			ids[k] = (unsigned)k;
			flags[k] = 0;
			k++;
		}
	}
	/* A magic the matcher refuses is a bug in its handler: name it and
	 * build the table without it, so one bad entry cannot switch carving
	 * off for every format. Ids stay the magic_refs index. */
	size_t live = k;
	for (int attempt = 0; attempt < 8; attempt++) {
		hs_compile_error_t *err = NULL;
		if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)live, HS_MODE_BLOCK, NULL,
					 &magic_db, &err) == HS_SUCCESS)
			break;
		magic_db = NULL;
		int bad = err ? err->expression : -1;
		fprintf(stderr, "firmgate: internal error: magic table: %s (format %s); "
			"that magic is left out\n", err && err->message ? err->message : "compile failed",
			bad >= 0 && (size_t)bad < live ? magic_refs[ids[bad]].format->name : "?");
		hs_free_compile_error(err);
		if (bad < 0 || (size_t)bad >= live)
			goto out;
		live--;
		exprs[bad] = exprs[live];
		lens[bad] = lens[live];
		ids[bad] = ids[live];
	}
	if (!magic_db)
		goto out;
	magic_count = n;
out:
	free(exprs);
	free(lens);
	free(ids);
	free(flags);
#ifdef __GLIBC__
	/* the compiler's working memory (several MiB) is free now, but the
	 * heap keeps it resident for the whole run unless given back */
	malloc_trim(0);
#endif
}

static pthread_once_t shape_once = PTHREAD_ONCE_INIT;
static size_t shortest_magic = SIZE_MAX;
static bool padding_magic;    /* a magic of 0x00/0xFF bytes only */

static bool is_padding_byte(uint8_t b)
{
	return b == 0x00 || b == 0xff;
}

static void learn_magic_shapes(void)
{
	for (size_t i = 0; i < fg_format_count(); i++) {
		for (const fg_magic *m = fg_format_at(i)->magics; m && m->bytes; m++) {
			if (m->len < shortest_magic)
				shortest_magic = m->len;
			bool pad = true;
			for (size_t k = 0; k < m->len; k++)
				pad = pad && is_padding_byte((uint8_t)m->bytes[k]);
			padding_magic = padding_magic || pad;
		}
	}
}

bool fg_scan_could_match(const uint8_t *data, size_t len)
{
	pthread_once(&shape_once, learn_magic_shapes);
	if (shortest_magic == SIZE_MAX || len < shortest_magic)
		return false;
	if (padding_magic)
		return true;
	for (size_t i = 0; i < len; i++)
		if (!is_padding_byte(data[i]))
			return true;
	return false;
}

struct fg_scanner {
	hs_scratch_t *scratch;
};

fg_scanner *fg_scanner_new(void)
{
	pthread_once(&magic_once, build_db);
	if (!magic_db)
		return NULL;
	fg_scanner *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (hs_alloc_scratch(magic_db, &s->scratch) != HS_SUCCESS) {
		free(s);
		return NULL;
	}
	return s;
}

void fg_scanner_free(fg_scanner *s)
{
	if (!s)
		return;
	hs_free_scratch(s->scratch);
	free(s);
}

typedef struct scan_state {
	fg_candidate_vec *out;
	size_t max;
	bool full;
} scan_state;

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
		    unsigned int flags, void *ctx)
{
	(void)from;
	(void)flags;
	scan_state *st = ctx;
	const magic_ref *r = &magic_refs[id];
	unsigned long long magic_start = to - r->magic->len;
	if (magic_start < r->magic->at)
		return 0; /* the chunk would start before the blob */
	if (st->out->n >= st->max) {
		st->full = true;
		return 1; /* stop scanning */
	}
	fg_candidate c = { magic_start - r->magic->at, r->format };
	if (!FG_VEC_PUSH(st->out, c)) {
		st->full = true;
		return 1;
	}
	return 0;
}

static int cand_cmp(const void *a, const void *b)
{
	const fg_candidate *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	/* same start: registry order, so the result does not depend on the matcher */
	return strcmp(x->format->name, y->format->name);
}

bool fg_scanner_find(fg_scanner *s, const uint8_t *data, size_t len, size_t max,
		     fg_candidate_vec *out)
{
	scan_state st = { out, max, false };
	size_t first = out->n;
	/* Vectorscan takes unsigned int lengths: scan in windows that overlap
	 * by the longest magic so no hit on a boundary is lost. */
	const size_t window = 1u << 30;
	const size_t overlap = 64;
	for (size_t off = 0; off < len && !st.full; ) {
		size_t n = len - off > window ? window : len - off;
		size_t before = out->n;
		hs_scan(magic_db, (const char *)data + off, (unsigned)n, 0, s->scratch, on_match, &st);
		for (size_t i = before; i < out->n; i++)
			out->v[i].start += off;
		if (off + n >= len)
			break;
		off += n - overlap;
	}
	if (out->n - first > 1)
		qsort(out->v + first, out->n - first, sizeof(*out->v), cand_cmp);
	/* windows overlap: drop exact duplicates */
	size_t w = first;
	for (size_t i = first; i < out->n; i++)
		if (w == first || out->v[w - 1].start != out->v[i].start ||
		    out->v[w - 1].format != out->v[i].format)
			out->v[w++] = out->v[i];
	out->n = w;
	return !st.full;
}

double fg_entropy(const uint8_t *data, size_t len)
{
	if (len == 0)
		return 0.0;
	uint64_t counts[256] = {0};
	for (size_t i = 0; i < len; i++)
		counts[data[i]]++;
	double h = 0.0;
	for (int i = 0; i < 256; i++) {
		if (!counts[i])
			continue;
		double p = (double)counts[i] / (double)len;
		h -= p * log2(p);
	}
	return h;
}

/* Random data of N bytes has an expected entropy close to 8 only when N is
 * large; a short run of random bytes cannot reach it. Scale the threshold
 * for short gaps so a 512-byte encrypted header still counts. */
static double high_entropy_threshold(uint64_t len)
{
	if (len >= 65536)
		return 7.5;
	if (len >= 4096)
		return 7.2;
	if (len >= 512)
		return 6.8;
	return 9.0; /* too short to say */
}

static void push_range(fg_range_vec *out, const uint8_t *blob, uint64_t off, uint64_t len,
		       bool padding)
{
	if (len == 0)
		return;
	fg_range r = { .offset = off, .length = len };
	r.entropy = fg_entropy(blob + off, (size_t)len);
	if (padding)
		r.kind = FG_RANGE_PADDING;
	else if (r.entropy >= high_entropy_threshold(len))
		r.kind = FG_RANGE_HIGH_ENTROPY;
	else
		r.kind = FG_RANGE_UNKNOWN;
	FG_VEC_PUSH(out, r);
}

#define MIN_PADDING_RUN 64

void fg_coverage_gap(const uint8_t *blob, uint64_t offset, uint64_t len, fg_range_vec *out)
{
	const uint8_t *p = blob + offset;
	uint64_t other_start = 0; /* start of the pending non-padding part */
	uint64_t i = 0;
	while (i < len) {
		if (p[i] != 0x00 && p[i] != 0xff) {
			i++;
			continue;
		}
		uint64_t run = i;
		while (run < len && p[run] == p[i])
			run++;
		bool whole = i == 0 && run == len;
		if (run - i >= MIN_PADDING_RUN || whole) {
			push_range(out, blob, offset + other_start, i - other_start, false);
			push_range(out, blob, offset + i, run - i, true);
			other_start = run;
		}
		i = run;
	}
	push_range(out, blob, offset + other_start, len - other_start, false);
}
