/*
 * json.h - a small, strict, bounded JSON reader.
 *
 * Two ways to read, freely mixed on one reader:
 *
 *  - DOM: fg_json_read_value() parses the next value into nodes allocated
 *    from an arena the caller owns (and resets per record);
 *  - streaming: fg_json_obj_begin()/fg_json_obj_next() and
 *    fg_json_arr_begin()/fg_json_arr_next() walk the outer containers one
 *    member at a time, so a feed of a million records is read with memory
 *    proportional to one record.
 *
 * Input is hostile: RFC 8259 grammar only (no comments, no trailing commas,
 * no NaN), UTF-8 validated, depth, string length, bytes per DOM value, nodes
 * per DOM value and total bytes are capped. A reader that met an error stays
 * failed; fg_json_errmsg() names the byte offset and the reason. Files may be
 * gzip-compressed (detected by content).
 */
#ifndef FG_UTIL_JSON_H
#define FG_UTIL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

typedef enum fg_json_type {
	FG_JSON_NULL = 0,
	FG_JSON_FALSE,
	FG_JSON_TRUE,
	FG_JSON_NUMBER,
	FG_JSON_STRING,
	FG_JSON_ARRAY,
	FG_JSON_OBJECT,
} fg_json_type;

typedef struct fg_json fg_json;
struct fg_json {
	fg_json_type type;
	const char *key;   /* member name when inside an object, else NULL */
	const char *s;     /* string value, or the number's text; NUL-terminated */
	size_t len;        /* string bytes, or number of children */
	double num;        /* numbers */
	fg_json *child;    /* first child (arrays, objects) */
	fg_json *next;     /* next sibling */
};

typedef struct fg_json_limits {
	unsigned max_depth;       /* nesting, counting streamed containers */
	size_t max_string;        /* decoded bytes of one string or key */
	size_t max_value_bytes;   /* input bytes of one DOM value */
	size_t max_nodes;         /* nodes of one DOM value */
	uint64_t max_total_bytes; /* input bytes (after decompression) of the document */
} fg_json_limits;

/* depth 64, strings 8 MiB, values 64 MiB, 4M nodes, 64 GiB in total */
void fg_json_limits_default(fg_json_limits *lim);

typedef struct fg_json_reader fg_json_reader;

/* LIM may be NULL for the defaults. The buffer must outlive the reader. */
fg_json_reader *fg_json_open_mem(const void *buf, size_t len, const fg_json_limits *lim);
/* Opens PATH (plain or gzip). NULL with ERR filled when it cannot be opened. */
fg_json_reader *fg_json_open_file(const char *path, const fg_json_limits *lim, char *err, size_t errlen);
void fg_json_close(fg_json_reader *r);

bool fg_json_failed(const fg_json_reader *r);
const char *fg_json_errmsg(const fg_json_reader *r);
/* Input bytes consumed so far. */
uint64_t fg_json_offset(const fg_json_reader *r);

/* The next significant character ('{', '[', '"', ...) without consuming
 * it; -1 at the end of input or after an error. */
int fg_json_peek(fg_json_reader *r);

/* Parses the next value into nodes from ARENA. NULL on error. */
fg_json *fg_json_read_value(fg_json_reader *r, fg_arena *arena);
/* Reads and discards the next value (bounded like a DOM value). */
bool fg_json_skip_value(fg_json_reader *r);

/* Streaming. obj_next returns 1 with the member name in KEY (the value is
 * next in the input: read it, skip it, or stream into it), 0 at the end of
 * the object, -1 on error (also when the name does not fit KEYSZ). */
bool fg_json_obj_begin(fg_json_reader *r);
int fg_json_obj_next(fg_json_reader *r, char *key, size_t keysz);
/* arr_next returns 1 when an element follows, 0 at the end, -1 on error. */
bool fg_json_arr_begin(fg_json_reader *r);
int fg_json_arr_next(fg_json_reader *r);

/* True when only whitespace remains; an error otherwise. */
bool fg_json_finish(fg_json_reader *r);

/* Whole-document convenience: the one value in BUF, NULL with ERR filled. */
fg_json *fg_json_parse(const void *buf, size_t len, fg_arena *arena, char *err, size_t errlen);

/* ---- DOM access (all accept NULL and wrong types, returning "absent") ---- */

const fg_json *fg_json_get(const fg_json *obj, const char *key);
/* String value of member KEY, or NULL. */
const char *fg_json_gets(const fg_json *obj, const char *key);
/* Number value of member KEY into *OUT; false when absent or not a number. */
bool fg_json_getnum(const fg_json *obj, const char *key, double *out);
/* 1 true, 0 false, -1 absent or not a boolean. */
int fg_json_getbool(const fg_json *obj, const char *key);
/* The string value of V itself, or NULL. */
const char *fg_json_str(const fg_json *v);
bool fg_json_is(const fg_json *v, fg_json_type t);

#endif
