/*
 * pathbuf.h - a growable path buffer for directory walks.
 *
 * Handlers that walk a directory tree keep the current path in one
 * buffer: a directory's path ends at BASE, and each entry is joined after
 * it without copying the prefix again.
 */
#ifndef FG_PATHBUF_H
#define FG_PATHBUF_H

#include <stdbool.h>
#include <stddef.h>

/* Writes "<first BASE bytes of *BUF>/<NAME>" into *BUF (no slash when BASE
 * is 0), growing it as needed, and sets *OUT to the new length. False when
 * out of memory (the buffer is left as it was). */
bool fg_path_join(char **buf, size_t *cap, size_t base, const char *name, size_t len,
		  size_t *out);

#endif
