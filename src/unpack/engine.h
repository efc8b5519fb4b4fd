/*
 * engine.h - the unpack stage: input to file tree.
 *
 * The input file is mmap'd (a directory is walked with lstat, never
 * following symlinks). Then every file node is offered to the format
 * handlers in registry order; the first whose probe says yes unpacks it
 * into an extraction root, and the engine recurses into what came out,
 * up to the depth limit.
 */
#ifndef FG_UNPACK_ENGINE_H
#define FG_UNPACK_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/limits.h"
#include "core/tree.h"
#include "unpack/format.h"

typedef struct fg_unpack_stats {
	uint64_t containers;   /* files a handler unpacked */
	uint64_t failed;       /* files a handler claimed but could not unpack */
} fg_unpack_stats;

/* Loads INPUT (file or directory) as the tree root. Returns 0, or -1 with
 * a one-line reason in ERRBUF ("cannot open ...: No such file"). */
int fg_unpack_load(fg_tree *tree, const char *input, char *errbuf, size_t errlen);

/* Done with bytes P..P+N of the input: when they lie in a file the tree
 * mapped read-only, their pages leave the process's memory (they come
 * back from the page cache if read again, unchanged). Anything else
 * (decompressed buffers) is left alone. */
void fg_unpack_release_input(const fg_tree *tree, const uint8_t *p, size_t n);

/* Unpacks every container in the tree, recursively. */
void fg_unpack_all(fg_tree *tree, fg_budget *budget, fg_diag_list *diags, unsigned jobs,
		   fg_unpack_stats *stats);

/* Opens DIR for writing the unpacked tree, creating it (*CREATED says
 * whether it did; CREATED may be NULL); refused (-1 and a reason in ERR)
 * when it holds anything and FORCE is 0. Returns the directory
 * descriptor. */
int fg_extract_open(const char *dir, int force, bool *created, char *err, size_t errlen);

/* Test helper: makes a file node NAME over DATA the tree root, attaches an
 * extraction root and runs FMT->unpack on it (no recursion). */
int fg_unpack_buffer_for_test(fg_tree *tree, fg_budget *budget, fg_diag_list *diags,
			      const fg_format *fmt, const char *name,
			      const uint8_t *data, size_t len, fg_node **root_out);

#endif
