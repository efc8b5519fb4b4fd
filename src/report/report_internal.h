/*
 * report_internal.h - pieces the renderers share.
 */
#ifndef FG_REPORT_INTERNAL_H
#define FG_REPORT_INTERNAL_H

#include <stdbool.h>

#include "core/tree.h"
#include "report/jsonw.h"

/* Writes a coverage object: byte counts by kind and, when RANGES, every range. */
void fg_write_coverage(fg_jsonw *w, const fg_coverage *c, bool ranges);

/* Coverage of the whole input: the input blob's own coverage when it was
 * carved, else everything counts as identified when a handler took the
 * whole input. Returns false when nothing is known (a directory input). */
bool fg_input_coverage(const fg_node *root, fg_coverage *out);

#endif
