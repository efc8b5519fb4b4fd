/*
 * arena.h - bump allocator for objects that live as long as a scan.
 *
 * Nodes, names and strings of one scan are freed together, so they come
 * from an arena: no per-object free, no fragmentation, and one call
 * releases everything. Not thread-safe: each thread uses its own arena
 * or serialises access.
 */
#ifndef FG_ARENA_H
#define FG_ARENA_H

#include <stddef.h>

typedef struct fg_arena_chunk fg_arena_chunk;

typedef struct fg_arena {
	fg_arena_chunk *head;
	size_t used_total;
} fg_arena;

void fg_arena_init(fg_arena *a);
void fg_arena_free(fg_arena *a);

/* Zeroed, 16-byte aligned memory; NULL only when the system is out of memory. */
void *fg_arena_alloc(fg_arena *a, size_t size);
char *fg_arena_strdup(fg_arena *a, const char *s);
char *fg_arena_strndup(fg_arena *a, const char *s, size_t n);
char *fg_arena_printf(fg_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
