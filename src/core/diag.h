/*
 * diag.h - problems met while scanning, kept as values.
 *
 * A stage that cannot read a node records why and carries on; the CLI
 * decides what the list means for the exit code.
 */
#ifndef FG_DIAG_H
#define FG_DIAG_H

#include <pthread.h>

#include "arena.h"
#include "vec.h"

typedef enum fg_diag_level {
	FG_DIAG_INFO = 0,
	FG_DIAG_WARNING,
	FG_DIAG_ERROR,
} fg_diag_level;

typedef struct fg_diag {
	fg_diag_level level;
	const char *stage;    /* "unpack", "checks", ... */
	const char *where;    /* provenance chain and path, may be "" */
	const char *message;
} fg_diag;

typedef struct fg_diag_list {
	pthread_mutex_t lock;
	fg_arena arena;
	FG_VEC(fg_diag) items;
} fg_diag_list;

void fg_diag_init(fg_diag_list *d);
void fg_diag_free(fg_diag_list *d);
void fg_diag_add(fg_diag_list *d, fg_diag_level level, const char *stage,
		 const char *where, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
const char *fg_diag_level_name(fg_diag_level level);

#endif
