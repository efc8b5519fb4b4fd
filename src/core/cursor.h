/*
 * cursor.h - a bounds-checked reader over a byte slice.
 *
 * Every read either succeeds in full or sets the sticky error flag and
 * returns zero; callers check fg_cur_ok() once after a group of reads
 * instead of after each one. A cursor can never read outside its slice.
 */
#ifndef FG_CURSOR_H
#define FG_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct fg_cursor {
	const uint8_t *base;
	size_t len;
	size_t pos;
	bool err;
} fg_cursor;

static inline fg_cursor fg_cur_make(const void *data, size_t len)
{
	fg_cursor c = { (const uint8_t *)data, len, 0, false };
	return c;
}

static inline bool fg_cur_ok(const fg_cursor *c) { return !c->err; }
static inline size_t fg_cur_left(const fg_cursor *c) { return c->err ? 0 : c->len - c->pos; }

static inline bool fg_cur_need(fg_cursor *c, size_t n)
{
	if (c->err || n > c->len - c->pos) {
		c->err = true;
		return false;
	}
	return true;
}

static inline bool fg_cur_seek(fg_cursor *c, size_t pos)
{
	if (c->err || pos > c->len) {
		c->err = true;
		return false;
	}
	c->pos = pos;
	return true;
}

static inline bool fg_cur_skip(fg_cursor *c, size_t n)
{
	if (!fg_cur_need(c, n))
		return false;
	c->pos += n;
	return true;
}

/* Returns a pointer to the next N bytes and advances, or NULL. */
static inline const uint8_t *fg_cur_take(fg_cursor *c, size_t n)
{
	if (!fg_cur_need(c, n))
		return NULL;
	const uint8_t *p = c->base + c->pos;
	c->pos += n;
	return p;
}

static inline uint8_t fg_cur_u8(fg_cursor *c)
{
	const uint8_t *p = fg_cur_take(c, 1);
	return p ? p[0] : 0;
}

static inline uint16_t fg_cur_u16le(fg_cursor *c)
{
	const uint8_t *p = fg_cur_take(c, 2);
	return p ? (uint16_t)(p[0] | (p[1] << 8)) : 0;
}

static inline uint16_t fg_cur_u16be(fg_cursor *c)
{
	const uint8_t *p = fg_cur_take(c, 2);
	return p ? (uint16_t)((p[0] << 8) | p[1]) : 0;
}

static inline uint32_t fg_load_u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint32_t fg_load_u32be(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline uint32_t fg_cur_u32le(fg_cursor *c)
{
	const uint8_t *p = fg_cur_take(c, 4);
	return p ? fg_load_u32le(p) : 0;
}

static inline uint32_t fg_cur_u32be(fg_cursor *c)
{
	const uint8_t *p = fg_cur_take(c, 4);
	return p ? fg_load_u32be(p) : 0;
}

static inline uint64_t fg_cur_u64le(fg_cursor *c)
{
	const uint8_t *p = fg_cur_take(c, 8);
	return p ? (uint64_t)fg_load_u32le(p) | ((uint64_t)fg_load_u32le(p + 4) << 32) : 0;
}

static inline uint64_t fg_cur_u64be(fg_cursor *c)
{
	const uint8_t *p = fg_cur_take(c, 8);
	return p ? ((uint64_t)fg_load_u32be(p) << 32) | (uint64_t)fg_load_u32be(p + 4) : 0;
}

/* Reads a NUL-terminated string of at most MAX bytes (NUL excluded).
 * Returns its start and sets *len, or NULL when no NUL follows in reach. */
static inline const char *fg_cur_cstr(fg_cursor *c, size_t max, size_t *len)
{
	if (c->err)
		return NULL;
	size_t left = c->len - c->pos;
	size_t reach = left < max + 1 ? left : max + 1;
	const uint8_t *start = c->base + c->pos;
	const uint8_t *nul = memchr(start, 0, reach);
	if (!nul) {
		c->err = true;
		return NULL;
	}
	*len = (size_t)(nul - start);
	c->pos += *len + 1;
	return (const char *)start;
}

#endif
