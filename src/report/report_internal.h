/*
 * report_internal.h - pieces the renderers share.
 */
#ifndef FG_REPORT_INTERNAL_H
#define FG_REPORT_INTERNAL_H

#include <stdbool.h>

#include "core/result.h"
#include "core/tree.h"
#include "report/jsonw.h"

/* Writes a coverage object: byte counts by kind and, when RANGES, every range. */
void fg_write_coverage(fg_jsonw *w, const fg_coverage *c, bool ranges);

/* Coverage of the whole input: the input blob's own coverage when it was
 * carved, else everything counts as identified when a handler took the
 * whole input. Returns false when nothing is known (a directory input). */
bool fg_input_coverage(const fg_node *root, fg_coverage *out);

/* fg_report_manifest(), with or without each file's SHA-256: a file
 * already written out without one (an unhashed streaming extract) has
 * none to give (manifest.c). */
int fg_write_manifest(const fg_result *res, FILE *out, bool hashes);

/* Lower-case hex SHA-256 of DATA (manifest.c). */
void fg_sha256_hex(const uint8_t *data, size_t len, char out[65]);

/* HEX[i] = fg_sha256_hex(DATA[i], LEN[i]) for i < N, on up to JOBS
 * threads; content shared by several entries is hashed once. hashes.c */
int fg_sha256_many(const uint8_t *const *data, const size_t *len, size_t n, unsigned jobs,
		   char (*hex)[65]);

/* Every regular file, hard link and symlink of every file tree of R, in
 * tree order, not descending into nested containers (they are file trees
 * of their own). PATH is absolute in the tree; CONTENT is the file's
 * content after hard links (NULL for a symlink). files.c */
typedef void (*fg_file_fn)(const fg_fsinfo *fs, const fg_node *n, const char *path,
			   const fg_node *content, void *ud);
void fg_report_walk_files(const fg_result *r, fg_file_fn fn, void *ud);

/* Writes key "files" (FG_JSON_FILES, docs/REPORT-JSON.md). files.c */
void fg_write_files(fg_jsonw *w, const fg_result *r);

#endif
