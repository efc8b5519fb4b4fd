#include "core/u64map.h"

#include <stdlib.h>
#include <string.h>

/* A 64-bit finaliser spreads keys that differ only in high bits (inode
 * numbers, offsets aligned to blocks) across the table. */
static size_t slot_of(uint64_t k, size_t cap)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k & (cap - 1);
}

void *fg_u64map_get(const fg_u64map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = slot_of(key, m->cap); m->vals[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return m->vals[i];
	return NULL;
}

static void insert(fg_u64map *m, uint64_t key, void *val)
{
	size_t i = slot_of(key, m->cap);
	while (m->vals[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	if (!m->vals[i])
		m->n++;
	m->keys[i] = key;
	m->vals[i] = val;
}

bool fg_u64map_put(fg_u64map *m, uint64_t key, void *val)
{
	if (!val)
		return false;
	if ((m->n + 1) * 2 > m->cap) {
		fg_u64map bigger = { 0 };
		bigger.cap = m->cap ? m->cap * 2 : 64;
		if (bigger.cap > SIZE_MAX / sizeof(void *))
			return false;
		bigger.keys = malloc(bigger.cap * sizeof(*bigger.keys));
		bigger.vals = calloc(bigger.cap, sizeof(*bigger.vals));
		if (!bigger.keys || !bigger.vals) {
			free(bigger.keys);
			free(bigger.vals);
			return false;
		}
		for (size_t i = 0; i < m->cap; i++)
			if (m->vals[i])
				insert(&bigger, m->keys[i], m->vals[i]);
		free(m->keys);
		free(m->vals);
		*m = bigger;
	}
	insert(m, key, val);
	return true;
}

void fg_u64map_free(fg_u64map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
