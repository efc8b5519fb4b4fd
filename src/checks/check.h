/*
 * check.h - the shape of a security check.
 *
 * A check is one file holding one descriptor: a stable ID, a title, a
 * severity, remediation text and a run function. The registry
 * (checks/registry.c) lists them all; adding a check touches one new file
 * and one line there.
 *
 * run() is called once per file tree (an input directory, or a
 * filesystem unpacked from the image). It looks files up through the
 * context and reports findings; it never prints and never exits.
 */
#ifndef FG_CHECK_H
#define FG_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmgate.h"
#include "core/tree.h"

typedef struct fg_check_ctx fg_check_ctx;

typedef struct fg_check {
	const char *id;          /* stable, e.g. "credentials.default-password" */
	const char *title;
	fg_severity severity;
	const char *remediation;
	void (*run)(fg_check_ctx *ctx);
} fg_check;

/* One finding as a check reports it; the context copies every string. */
typedef struct fg_report_item {
	const fg_node *node;      /* the file the evidence is in */
	unsigned line;            /* 1-based, 0 if none */
	int64_t offset;           /* byte offset, -1 if none */
	const char *message;
	const char *excerpt;      /* already redacted by the check; may be NULL */
	const char *subject;      /* what the finding is about (account, service):
	                             part of the fingerprint, so stable */
	int severity;             /* -1: the check's own severity */
} fg_report_item;

/* The file tree being checked. */
fg_node *fg_ctx_root(fg_check_ctx *ctx);

/* Looks up PATH in the tree, following symlinks inside it. */
fg_node *fg_ctx_lookup(fg_check_ctx *ctx, const char *path);

/* Regular-file content at PATH (after links), or NULL. */
const fg_node *fg_ctx_file(fg_check_ctx *ctx, const char *path, const uint8_t **data, size_t *len);

void fg_ctx_report(fg_check_ctx *ctx, const fg_report_item *item);

/* Worker threads the check may use for heavy work (password cracking). */
unsigned fg_ctx_jobs(const fg_check_ctx *ctx);

/* Extra password candidates from the user (--credentials), or NULL. */
const char *fg_ctx_credentials_file(const fg_check_ctx *ctx);

/* Records a problem that kept the check from looking at something. */
void fg_ctx_warn(fg_check_ctx *ctx, const fg_node *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Shared per-tree cache: the first caller builds the value with MAKE,
 * later callers get the same pointer; FREE releases it after all checks
 * of the tree ran. KEY is compared by address. */
void *fg_ctx_cache(fg_check_ctx *ctx, const void *key, void *(*make)(fg_check_ctx *ctx),
		   void (*free_fn)(void *value));

/* Registry. */
size_t fg_check_count(void);
const fg_check *fg_check_at(size_t i);
const fg_check *fg_check_find(const char *id);

#endif
