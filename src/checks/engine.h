/*
 * engine.h - the checks stage: every registered check over every file tree.
 */
#ifndef FG_CHECKS_ENGINE_H
#define FG_CHECKS_ENGINE_H

#include "checks/check.h"
#include "core/result.h"

/* Runs every check on every file tree in RES->filesystems. */
void fg_checks_run(fg_result *res);

/* Runs one check (or all when ONLY is NULL) on the file tree ROOT of
 * RES->tree, appending findings to RES->findings. */
void fg_checks_run_tree(fg_result *res, fg_node *root, const fg_check *only);

/* Stable fingerprint of a finding: hex of SHA-256 over check ID, path and
 * subject, truncated to 32 characters. Line numbers are left out on
 * purpose so an unchanged finding keeps its fingerprint across releases. */
void fg_fingerprint(const char *check_id, const char *path, const char *subject,
		    char out[33]);

#endif
