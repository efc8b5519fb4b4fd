/*
 * json.c - a strict, bounded JSON reader over memory or a (gzip) file.
 *
 * The input is read through a 1 MiB window; the DOM parser and the
 * streaming walker share one tokenizer, so a feed can be walked member by
 * member and each record parsed into a fresh arena.
 */
#include "util/json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define WINDOW (1u << 20)
#define MAX_STREAM_DEPTH 64

struct fg_json_reader {
	const uint8_t *p, *end;
	const uint8_t *win;      /* start of the current window */
	uint8_t *buf;            /* window storage, for files */
	gzFile gz;
	uint64_t base;           /* offset of the window's first byte */
	bool eof;
	bool failed;
	char err[256];
	fg_json_limits lim;

	/* streaming containers: '{' or '[' and whether the next item is the first */
	unsigned sdepth;
	char stype[MAX_STREAM_DEPTH];
	bool sfirst[MAX_STREAM_DEPTH];

	/* scratch for decoding strings */
	char *sb;
	size_t sblen, sbcap;

	/* per DOM value */
	size_t nodes;
	uint64_t value_start;
};

void fg_json_limits_default(fg_json_limits *lim)
{
	lim->max_depth = 64;
	lim->max_string = 8u << 20;
	lim->max_value_bytes = 64u << 20;
	lim->max_nodes = 4u << 20;
	lim->max_total_bytes = 64ull << 30;
}

static fg_json_reader *reader_new(const fg_json_limits *lim)
{
	fg_json_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	if (lim)
		r->lim = *lim;
	else
		fg_json_limits_default(&r->lim);
	if (r->lim.max_depth > MAX_STREAM_DEPTH)
		r->lim.max_depth = MAX_STREAM_DEPTH;
	return r;
}

fg_json_reader *fg_json_open_mem(const void *buf, size_t len, const fg_json_limits *lim)
{
	fg_json_reader *r = reader_new(lim);
	if (!r)
		return NULL;
	r->p = r->win = buf;
	r->end = r->p + len;
	r->eof = true;
	return r;
}

fg_json_reader *fg_json_open_file(const char *path, const fg_json_limits *lim, char *err, size_t errlen)
{
	fg_json_reader *r = reader_new(lim);
	if (!r) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	r->buf = malloc(WINDOW);
	r->gz = r->buf ? gzopen(path, "rb") : NULL;
	if (!r->gz) {
		snprintf(err, errlen, "%s: %s", path, r->buf ? strerror(errno ? errno : EIO) : "out of memory");
		free(r->buf);
		free(r);
		return NULL;
	}
	gzbuffer(r->gz, 256u << 10);
	r->p = r->end = r->win = r->buf;
	return r;
}

void fg_json_close(fg_json_reader *r)
{
	if (!r)
		return;
	if (r->gz)
		gzclose(r->gz);
	free(r->buf);
	free(r->sb);
	free(r);
}

bool fg_json_failed(const fg_json_reader *r)
{
	return r->failed;
}

const char *fg_json_errmsg(const fg_json_reader *r)
{
	return r->failed ? r->err : "";
}

uint64_t fg_json_offset(const fg_json_reader *r)
{
	return r->base + (uint64_t)(r->p - r->win);
}

__attribute__((format(printf, 2, 3)))
static bool fail(fg_json_reader *r, const char *fmt, ...)
{
	if (r->failed)
		return false;
	r->failed = true;
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(r->err, sizeof(r->err), "offset %llu: %s", (unsigned long long)fg_json_offset(r), msg);
	return false;
}

/* Makes at least one byte available; false at the end or on error. */
static bool refill(fg_json_reader *r)
{
	if (r->failed || r->eof)
		return false;
	r->base += (uint64_t)(r->end - r->buf);
	int n = gzread(r->gz, r->buf, WINDOW);
	if (n < 0) {
		int code;
		const char *m = gzerror(r->gz, &code);
		r->p = r->end = r->buf;
		return fail(r, "read error: %s", m ? m : "?");
	}
	if (n == 0) {
		int code;
		gzerror(r->gz, &code);
		r->eof = true;
		r->p = r->end = r->buf;
		if (code == Z_BUF_ERROR)
			return fail(r, "truncated compressed input");
		return false;
	}
	r->p = r->buf;
	r->end = r->buf + n;
	if (r->base + (uint64_t)n > r->lim.max_total_bytes)
		return fail(r, "document larger than %llu bytes", (unsigned long long)r->lim.max_total_bytes);
	return true;
}

static inline int peekc(fg_json_reader *r)
{
	if (r->p < r->end)
		return *r->p;
	return refill(r) ? *r->p : -1;
}

static inline int getc_(fg_json_reader *r)
{
	if (r->p < r->end)
		return *r->p++;
	return refill(r) ? *r->p++ : -1;
}

static int skip_ws(fg_json_reader *r)
{
	for (;;) {
		while (r->p < r->end) {
			uint8_t c = *r->p;
			if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
				return c;
			r->p++;
		}
		if (!refill(r))
			return -1;
	}
}

int fg_json_peek(fg_json_reader *r)
{
	if (r->failed)
		return -1;
	return skip_ws(r);
}

/* ---- strings ---------------------------------------------------------- */

static bool sb_put(fg_json_reader *r, const void *s, size_t n)
{
	if (r->sblen + n > r->lim.max_string)
		return fail(r, "string longer than %zu bytes", r->lim.max_string);
	if (r->sblen + n + 1 > r->sbcap) {
		size_t cap = r->sbcap ? r->sbcap : 256;
		while (cap < r->sblen + n + 1)
			cap *= 2;
		char *nb = realloc(r->sb, cap);
		if (!nb)
			return fail(r, "out of memory");
		r->sb = nb;
		r->sbcap = cap;
	}
	memcpy(r->sb + r->sblen, s, n);
	r->sblen += n;
	r->sb[r->sblen] = '\0';
	return true;
}

static bool put_utf8(fg_json_reader *r, uint32_t cp)
{
	uint8_t b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xC0 | (cp >> 6));
		b[1] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xE0 | (cp >> 12));
		b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xF0 | (cp >> 18));
		b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return sb_put(r, b, n);
}

static int hex4(fg_json_reader *r)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int c = getc_(r);
		int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return fail(r, "bad \\u escape"), -1;
		v = v * 16 + d;
	}
	return v;
}

/* Validates one UTF-8 sequence whose lead byte C was consumed. */
static bool utf8_tail(fg_json_reader *r, int c)
{
	uint8_t seq[4] = { (uint8_t)c };
	int need;
	uint32_t cp, min;
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1; cp = (uint32_t)c & 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2; cp = (uint32_t)c & 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3; cp = (uint32_t)c & 0x07; min = 0x10000;
	} else {
		return fail(r, "invalid UTF-8");
	}
	for (int i = 1; i <= need; i++) {
		int t = getc_(r);
		if (t < 0x80 || t > 0xBF)
			return fail(r, "invalid UTF-8");
		seq[i] = (uint8_t)t;
		cp = (cp << 6) | ((uint32_t)t & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return fail(r, "invalid UTF-8");
	return sb_put(r, seq, (size_t)need + 1);
}

/* Reads a string whose opening quote was consumed into r->sb. */
static bool read_string(fg_json_reader *r)
{
	r->sblen = 0;
	if (!sb_put(r, "", 0))
		return false;
	for (;;) {
		/* fast path: a run of plain ASCII inside the window */
		const uint8_t *s = r->p;
		while (s < r->end && *s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
			s++;
		if (s > r->p) {
			if (!sb_put(r, r->p, (size_t)(s - r->p)))
				return false;
			r->p = s;
		}
		int c = getc_(r);
		if (c < 0)
			return fail(r, "unterminated string");
		if (c == '"')
			return true;
		if (c < 0x20)
			return fail(r, "control character in string");
		if (c >= 0x80) {
			if (!utf8_tail(r, c))
				return false;
			continue;
		}
		if (c != '\\') {
			/* plain: the fast path stopped at the end of the window */
			char ch = (char)c;
			if (!sb_put(r, &ch, 1))
				return false;
			continue;
		}
		/* backslash */
		c = getc_(r);
		char e;
		switch (c) {
		case '"': e = '"'; break;
		case '\\': e = '\\'; break;
		case '/': e = '/'; break;
		case 'b': e = '\b'; break;
		case 'f': e = '\f'; break;
		case 'n': e = '\n'; break;
		case 'r': e = '\r'; break;
		case 't': e = '\t'; break;
		case 'u': {
			int u = hex4(r);
			if (u < 0)
				return false;
			uint32_t cp = (uint32_t)u;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (getc_(r) != '\\' || getc_(r) != 'u')
					return fail(r, "unpaired surrogate");
				int lo = hex4(r);
				if (lo < 0)
					return false;
				if (lo < 0xDC00 || lo > 0xDFFF)
					return fail(r, "unpaired surrogate");
				cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				return fail(r, "unpaired surrogate");
			}
			/* NUL would cut a C string short: keep it visible instead */
			if (!put_utf8(r, cp ? cp : 0xFFFD))
				return false;
			continue;
		}
		default:
			return fail(r, "bad escape");
		}
		if (!sb_put(r, &e, 1))
			return false;
	}
}

/* ---- scalars ---------------------------------------------------------- */

static bool expect_word(fg_json_reader *r, const char *w)
{
	for (const char *q = w; *q; q++)
		if (getc_(r) != *q)
			return fail(r, "invalid literal");
	return true;
}

/* Reads a number into BUF (text) and *OUT. */
static bool read_number(fg_json_reader *r, char *buf, size_t bufsz, double *out)
{
	size_t n = 0;
#define PUT(ch) do { if (n + 1 >= bufsz) return fail(r, "number too long"); buf[n++] = (char)(ch); } while (0)
	int c = peekc(r);
	if (c == '-') {
		PUT(c);
		r->p++;
		c = peekc(r);
	}
	if (c == '0') {
		PUT(c);
		r->p++;
		c = peekc(r);
	} else if (c >= '1' && c <= '9') {
		while (c >= '0' && c <= '9') {
			PUT(c);
			r->p++;
			c = peekc(r);
		}
	} else {
		return fail(r, "invalid number");
	}
	if (c == '.') {
		PUT(c);
		r->p++;
		c = peekc(r);
		if (!(c >= '0' && c <= '9'))
			return fail(r, "invalid number");
		while (c >= '0' && c <= '9') {
			PUT(c);
			r->p++;
			c = peekc(r);
		}
	}
	if (c == 'e' || c == 'E') {
		PUT(c);
		r->p++;
		c = peekc(r);
		if (c == '+' || c == '-') {
			PUT(c);
			r->p++;
			c = peekc(r);
		}
		if (!(c >= '0' && c <= '9'))
			return fail(r, "invalid number");
		while (c >= '0' && c <= '9') {
			PUT(c);
			r->p++;
			c = peekc(r);
		}
	}
#undef PUT
	buf[n] = '\0';
	*out = strtod(buf, NULL);
	return true;
}

/* ---- DOM -------------------------------------------------------------- */

static fg_json *new_node(fg_json_reader *r, fg_arena *a, fg_json_type t)
{
	if (++r->nodes > r->lim.max_nodes) {
		fail(r, "more than %zu values in one record", r->lim.max_nodes);
		return NULL;
	}
	fg_json *n = a ? fg_arena_alloc(a, sizeof(*n)) : NULL;
	if (a && !n) {
		fail(r, "out of memory");
		return NULL;
	}
	if (n)
		n->type = t;
	return n;
}

static bool check_size(fg_json_reader *r)
{
	if (fg_json_offset(r) - r->value_start > r->lim.max_value_bytes)
		return fail(r, "record larger than %zu bytes", r->lim.max_value_bytes);
	return true;
}

/* Parses one value; with A == NULL nothing is built (skip). DUMMY is
 * returned for skipped values so callers can tell success. */
static fg_json dummy_node;

static fg_json *parse_value(fg_json_reader *r, fg_arena *a, unsigned depth)
{
	if (depth + r->sdepth >= r->lim.max_depth) {
		fail(r, "nesting deeper than %u", r->lim.max_depth);
		return NULL;
	}
	if (!check_size(r))
		return NULL;
	int c = skip_ws(r);
	fg_json *n;
	switch (c) {
	case '{':
	case '[': {
		bool obj = c == '{';
		r->p++;
		n = new_node(r, a, obj ? FG_JSON_OBJECT : FG_JSON_ARRAY);
		if (r->failed)
			return NULL;
		fg_json *last = NULL;
		size_t count = 0;
		c = skip_ws(r);
		if (c == (obj ? '}' : ']')) {
			r->p++;
			return n ? n : &dummy_node;
		}
		for (;;) {
			char *key = NULL;
			if (obj) {
				if (skip_ws(r) != '"') {
					fail(r, "expected a member name");
					return NULL;
				}
				r->p++;
				if (!read_string(r))
					return NULL;
				if (a) {
					key = fg_arena_strndup(a, r->sb, r->sblen);
					if (!key) {
						fail(r, "out of memory");
						return NULL;
					}
				}
				if (skip_ws(r) != ':') {
					fail(r, "expected ':'");
					return NULL;
				}
				r->p++;
			}
			fg_json *v = parse_value(r, a, depth + 1);
			if (!v)
				return NULL;
			if (a) {
				v->key = key;
				if (last)
					last->next = v;
				else
					n->child = v;
				last = v;
			}
			count++;
			c = skip_ws(r);
			if (c == ',') {
				r->p++;
				continue;
			}
			if (c == (obj ? '}' : ']')) {
				r->p++;
				break;
			}
			fail(r, obj ? "expected ',' or '}'" : "expected ',' or ']'");
			return NULL;
		}
		if (n)
			n->len = count;
		return n ? n : &dummy_node;
	}
	case '"':
		r->p++;
		if (!read_string(r))
			return NULL;
		n = new_node(r, a, FG_JSON_STRING);
		if (r->failed)
			return NULL;
		if (n) {
			char *s = fg_arena_strndup(a, r->sb, r->sblen);
			if (!s) {
				fail(r, "out of memory");
				return NULL;
			}
			n->s = s;
			n->len = r->sblen;
		}
		return n ? n : &dummy_node;
	case 't':
	case 'f':
	case 'n':
		if (!expect_word(r, c == 't' ? "true" : c == 'f' ? "false" : "null"))
			return NULL;
		n = new_node(r, a, c == 't' ? FG_JSON_TRUE : c == 'f' ? FG_JSON_FALSE : FG_JSON_NULL);
		if (r->failed)
			return NULL;
		return n ? n : &dummy_node;
	case -1:
		if (!r->failed)
			fail(r, "unexpected end of input");
		return NULL;
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			char nb[128];
			double d = 0;
			if (!read_number(r, nb, sizeof(nb), &d))
				return NULL;
			n = new_node(r, a, FG_JSON_NUMBER);
			if (r->failed)
				return NULL;
			if (n) {
				n->num = d;
				n->s = fg_arena_strdup(a, nb);
				n->len = strlen(nb);
			}
			return n ? n : &dummy_node;
		}
		fail(r, "unexpected character 0x%02x", (unsigned)c);
		return NULL;
	}
}

static void value_begin(fg_json_reader *r)
{
	r->nodes = 0;
	r->value_start = fg_json_offset(r);
}

fg_json *fg_json_read_value(fg_json_reader *r, fg_arena *arena)
{
	if (r->failed)
		return NULL;
	value_begin(r);
	fg_json *v = parse_value(r, arena, 0);
	if (v)
		v->key = NULL;
	return v;
}

bool fg_json_skip_value(fg_json_reader *r)
{
	if (r->failed)
		return false;
	value_begin(r);
	return parse_value(r, NULL, 0) != NULL;
}

/* ---- streaming -------------------------------------------------------- */

static bool stream_push(fg_json_reader *r, char open)
{
	if (r->failed)
		return false;
	if (skip_ws(r) != open)
		return fail(r, open == '{' ? "expected an object" : "expected an array");
	if (r->sdepth + 1 >= r->lim.max_depth)
		return fail(r, "nesting deeper than %u", r->lim.max_depth);
	r->p++;
	r->stype[r->sdepth] = open;
	r->sfirst[r->sdepth] = true;
	r->sdepth++;
	return true;
}

bool fg_json_obj_begin(fg_json_reader *r)
{
	return stream_push(r, '{');
}

bool fg_json_arr_begin(fg_json_reader *r)
{
	return stream_push(r, '[');
}

/* Consumes the separator before the next item of the innermost streamed
 * container: 1 an item follows, 0 the container ended (popped), -1 error. */
static int stream_next(fg_json_reader *r, char open)
{
	if (r->failed)
		return -1;
	if (!r->sdepth || r->stype[r->sdepth - 1] != open) {
		fail(r, "internal: not inside a streamed container");
		return -1;
	}
	char close = open == '{' ? '}' : ']';
	int c = skip_ws(r);
	if (c == close) {
		r->p++;
		r->sdepth--;
		return 0;
	}
	if (!r->sfirst[r->sdepth - 1]) {
		if (c != ',') {
			fail(r, open == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
			return -1;
		}
		r->p++;
		c = skip_ws(r);
	}
	if (c < 0) {
		fail(r, "unexpected end of input");
		return -1;
	}
	r->sfirst[r->sdepth - 1] = false;
	return 1;
}

int fg_json_obj_next(fg_json_reader *r, char *key, size_t keysz)
{
	int rc = stream_next(r, '{');
	if (rc != 1)
		return rc;
	if (skip_ws(r) != '"') {
		fail(r, "expected a member name");
		return -1;
	}
	r->p++;
	if (!read_string(r))
		return -1;
	if (r->sblen + 1 > keysz) {
		fail(r, "member name too long");
		return -1;
	}
	memcpy(key, r->sb, r->sblen + 1);
	if (skip_ws(r) != ':') {
		fail(r, "expected ':'");
		return -1;
	}
	r->p++;
	return 1;
}

int fg_json_arr_next(fg_json_reader *r)
{
	return stream_next(r, '[');
}

bool fg_json_finish(fg_json_reader *r)
{
	if (r->failed)
		return false;
	if (r->sdepth)
		return fail(r, "unexpected end of document");
	if (skip_ws(r) != -1)
		return r->failed ? false : fail(r, "trailing data after the document");
	return !r->failed;
}

fg_json *fg_json_parse(const void *buf, size_t len, fg_arena *arena, char *err, size_t errlen)
{
	fg_json_reader *r = fg_json_open_mem(buf, len, NULL);
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	fg_json *v = fg_json_read_value(r, arena);
	if (v && !fg_json_finish(r))
		v = NULL;
	if (!v)
		snprintf(err, errlen, "%s", fg_json_errmsg(r));
	fg_json_close(r);
	return v;
}

/* ---- DOM access ------------------------------------------------------- */

const fg_json *fg_json_get(const fg_json *obj, const char *key)
{
	if (!obj || obj->type != FG_JSON_OBJECT)
		return NULL;
	for (const fg_json *c = obj->child; c; c = c->next)
		if (c->key && strcmp(c->key, key) == 0)
			return c;
	return NULL;
}

const char *fg_json_str(const fg_json *v)
{
	return v && v->type == FG_JSON_STRING ? v->s : NULL;
}

const char *fg_json_gets(const fg_json *obj, const char *key)
{
	return fg_json_str(fg_json_get(obj, key));
}

bool fg_json_getnum(const fg_json *obj, const char *key, double *out)
{
	const fg_json *v = fg_json_get(obj, key);
	if (!v || v->type != FG_JSON_NUMBER)
		return false;
	*out = v->num;
	return true;
}

int fg_json_getbool(const fg_json *obj, const char *key)
{
	const fg_json *v = fg_json_get(obj, key);
	if (!v)
		return -1;
	if (v->type == FG_JSON_TRUE)
		return 1;
	if (v->type == FG_JSON_FALSE)
		return 0;
	return -1;
}

bool fg_json_is(const fg_json *v, fg_json_type t)
{
	return v && v->type == t;
}
