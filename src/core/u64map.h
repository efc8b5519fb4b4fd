/*
 * u64map.h - a map from 64-bit keys to non-NULL pointers.
 *
 * Open addressing with linear probing; used by handlers to find inodes,
 * blocks and nodes they have seen (hard links, loops, duplicates).
 */
#ifndef FG_U64MAP_H
#define FG_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fg_u64map {
	uint64_t *keys;
	void **vals;   /* NULL marks an empty slot, so values are never NULL */
	size_t cap, n;
} fg_u64map;

/* The value for KEY, or NULL. */
void *fg_u64map_get(const fg_u64map *m, uint64_t key);

/* Sets KEY to VAL (non-NULL), replacing an existing value; false when out
 * of memory. */
bool fg_u64map_put(fg_u64map *m, uint64_t key, void *val);

void fg_u64map_free(fg_u64map *m);

#endif
