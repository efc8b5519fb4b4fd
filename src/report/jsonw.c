#include "report/jsonw.h"

#include <inttypes.h>
#include <string.h>

void fg_jw_init(fg_jsonw *w, FILE *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->first[0] = true;
}

static void indent(fg_jsonw *w)
{
	/* a newline and two spaces a level, in one write (depth <= 63) */
	static const char spaces[] = "\n"
		"                                                                "
		"                                                                ";
	fwrite(spaces, 1, 1 + 2 * (size_t)w->depth, w->out);
}

/* Separator before a value or a key at the current level. */
static void before_item(fg_jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (!w->first[w->depth])
		fputc(',', w->out);
	w->first[w->depth] = false;
	indent(w);
}

static void open(fg_jsonw *w, char c)
{
	before_item(w);
	fputc(c, w->out);
	if (w->depth < 63)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_(fg_jsonw *w, char c)
{
	bool empty = w->first[w->depth];
	if (w->depth > 0)
		w->depth--;
	if (!empty)
		indent(w);
	fputc(c, w->out);
	if (w->depth == 0)
		fputc('\n', w->out);
}

void fg_jw_obj(fg_jsonw *w) { open(w, '{'); }
void fg_jw_obj_end(fg_jsonw *w) { close_(w, '}'); }
void fg_jw_arr(fg_jsonw *w) { open(w, '['); }
void fg_jw_arr_end(fg_jsonw *w) { close_(w, ']'); }

/* Printable ASCII that needs no escape: written in runs, not bytes. */
static bool plain(unsigned char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; }

static void write_escaped(FILE *out, const char *s, size_t n)
{
	fputc('"', out);
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n; i++) {
		size_t run = i;
		while (run < n && plain(p[run]))
			run++;
		if (run > i) {
			fwrite(p + i, 1, run - i, out);
			i = run;
			if (i == n)
				break;
		}
		unsigned char c = p[i];
		switch (c) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(out, "\\u%04x", c);
			} else if (c >= 0x80) {
				/* pass valid UTF-8 through, escape stray bytes as U+FFFD */
				size_t need = c >= 0xf0 && c < 0xf5 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : 0;
				bool ok = need > 0;
				for (size_t k = 1; ok && k <= need; k++)
					ok = i + k < n && (p[i + k] & 0xc0) == 0x80;
				if (ok) {
					fwrite(p + i, 1, need + 1, out);
					i += need;
				} else {
					fputs("\\ufffd", out);
				}
			}
		}
	}
	fputc('"', out);
}

void fg_jw_key(fg_jsonw *w, const char *key)
{
	before_item(w);
	write_escaped(w->out, key, strlen(key));
	fputs(": ", w->out);
	w->after_key = true;
}

void fg_jw_strn(fg_jsonw *w, const char *s, size_t n)
{
	before_item(w);
	write_escaped(w->out, s, n);
}

void fg_jw_str(fg_jsonw *w, const char *s)
{
	if (!s) {
		fg_jw_null(w);
		return;
	}
	fg_jw_strn(w, s, strlen(s));
}

void fg_jw_int(fg_jsonw *w, int64_t v)
{
	before_item(w);
	fprintf(w->out, "%" PRId64, v);
}

void fg_jw_uint(fg_jsonw *w, uint64_t v)
{
	before_item(w);
	fprintf(w->out, "%" PRIu64, v);
}

void fg_jw_bool(fg_jsonw *w, bool v)
{
	before_item(w);
	fputs(v ? "true" : "false", w->out);
}

void fg_jw_null(fg_jsonw *w)
{
	before_item(w);
	fputs("null", w->out);
}

void fg_jw_double(fg_jsonw *w, double v)
{
	before_item(w);
	if (v != v || v > 1e300 || v < -1e300)
		fputs("null", w->out);
	else
		fprintf(w->out, "%.6g", v);
}

void fg_jw_kstr(fg_jsonw *w, const char *key, const char *s) { fg_jw_key(w, key); fg_jw_str(w, s); }
void fg_jw_kint(fg_jsonw *w, const char *key, int64_t v) { fg_jw_key(w, key); fg_jw_int(w, v); }
void fg_jw_kuint(fg_jsonw *w, const char *key, uint64_t v) { fg_jw_key(w, key); fg_jw_uint(w, v); }
void fg_jw_kbool(fg_jsonw *w, const char *key, bool v) { fg_jw_key(w, key); fg_jw_bool(w, v); }
