/*
 * jsonw.h - a streaming JSON writer with correct escaping.
 *
 * Keeps a stack of open containers so commas and indentation are always
 * right; the caller never writes punctuation itself.
 */
#ifndef FG_JSONW_H
#define FG_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct fg_jsonw {
	FILE *out;
	int depth;
	bool first[64];
	bool after_key;
} fg_jsonw;

void fg_jw_init(fg_jsonw *w, FILE *out);
void fg_jw_obj(fg_jsonw *w);
void fg_jw_obj_end(fg_jsonw *w);
void fg_jw_arr(fg_jsonw *w);
void fg_jw_arr_end(fg_jsonw *w);
void fg_jw_key(fg_jsonw *w, const char *key);
void fg_jw_str(fg_jsonw *w, const char *s);   /* NULL writes null */
void fg_jw_strn(fg_jsonw *w, const char *s, size_t n);
void fg_jw_int(fg_jsonw *w, int64_t v);
void fg_jw_uint(fg_jsonw *w, uint64_t v);
void fg_jw_bool(fg_jsonw *w, bool v);
void fg_jw_null(fg_jsonw *w);
/* A finite double (6 significant digits, e.g. 9.8, 0.00043); null otherwise. */
void fg_jw_double(fg_jsonw *w, double v);

/* key + value shorthands */
void fg_jw_kstr(fg_jsonw *w, const char *key, const char *s);
void fg_jw_kint(fg_jsonw *w, const char *key, int64_t v);
void fg_jw_kuint(fg_jsonw *w, const char *key, uint64_t v);
void fg_jw_kbool(fg_jsonw *w, const char *key, bool v);

#endif
