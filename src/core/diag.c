#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

void fg_diag_init(fg_diag_list *d)
{
	pthread_mutex_init(&d->lock, NULL);
	fg_arena_init(&d->arena);
	d->items.v = NULL;
	d->items.n = d->items.cap = 0;
}

void fg_diag_free(fg_diag_list *d)
{
	FG_VEC_FREE(&d->items);
	fg_arena_free(&d->arena);
	pthread_mutex_destroy(&d->lock);
}

void fg_diag_add(fg_diag_list *d, fg_diag_level level, const char *stage,
		 const char *where, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	pthread_mutex_lock(&d->lock);
	fg_diag item = {
		.level = level,
		.stage = stage,
		.where = fg_arena_strdup(&d->arena, where ? where : ""),
		.message = fg_arena_strdup(&d->arena, msg),
	};
	if (item.where && item.message)
		FG_VEC_PUSH(&d->items, item);
	pthread_mutex_unlock(&d->lock);
}

const char *fg_diag_level_name(fg_diag_level level)
{
	switch (level) {
	case FG_DIAG_INFO: return "info";
	case FG_DIAG_WARNING: return "warning";
	case FG_DIAG_ERROR: return "error";
	}
	return "?";
}
