#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK_MIN (64u * 1024u)
#define ARENA_ALIGN 16u

struct fg_arena_chunk {
	fg_arena_chunk *next;
	size_t size;
	size_t used;
	_Alignas(16) unsigned char data[];
};

void fg_arena_init(fg_arena *a)
{
	a->head = NULL;
	a->used_total = 0;
}

void fg_arena_free(fg_arena *a)
{
	fg_arena_chunk *c = a->head;
	while (c) {
		fg_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->used_total = 0;
}

void *fg_arena_alloc(fg_arena *a, size_t size)
{
	if (size > SIZE_MAX - ARENA_ALIGN - sizeof(fg_arena_chunk))
		return NULL;
	size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	fg_arena_chunk *c = a->head;
	if (!c || c->size - c->used < need) {
		size_t cap = need > ARENA_CHUNK_MIN ? need : ARENA_CHUNK_MIN;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->size = cap;
		c->used = 0;
		/* A big one-off allocation goes behind the current chunk so the
		 * free space of the current chunk is not wasted. */
		if (a->head && need > ARENA_CHUNK_MIN) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	void *p = c->data + c->used;
	c->used += need;
	a->used_total += need;
	memset(p, 0, need);
	return p;
}

char *fg_arena_strndup(fg_arena *a, const char *s, size_t n)
{
	char *p = fg_arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *fg_arena_strdup(fg_arena *a, const char *s)
{
	return fg_arena_strndup(a, s, strlen(s));
}

char *fg_arena_printf(fg_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *p = fg_arena_alloc(a, (size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
