/*
 * vec.h - a typed growable array.
 *
 *     FG_VEC(fg_finding) findings = {0};
 *     if (!FG_VEC_PUSH(&findings, f)) goto oom;
 *     FG_VEC_FREE(&findings);
 */
#ifndef FG_VEC_H
#define FG_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#define FG_VEC(T) struct { T *v; size_t n, cap; }

bool fg_vec_grow(void **v, size_t *cap, size_t need, size_t elem);

#define FG_VEC_RESERVE(vec, need) \
	fg_vec_grow((void **)&(vec)->v, &(vec)->cap, (need), sizeof(*(vec)->v))

#define FG_VEC_PUSH(vec, item) \
	(FG_VEC_RESERVE((vec), (vec)->n + 1) ? ((vec)->v[(vec)->n++] = (item), true) : false)

#define FG_VEC_FREE(vec) do { free((vec)->v); (vec)->v = NULL; (vec)->n = (vec)->cap = 0; } while (0)

#endif
