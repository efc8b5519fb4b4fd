/*
 * check_tree.h - building small file trees for check tests.
 *
 *     ct_tree t = ct_new();
 *     ct_file(&t, "etc/inittab", "ttyS0::respawn:/bin/sh\n");
 *     ct_run(&t, "debug.serial-shell");
 *     const fg_finding *f = ct_at(&t, "debug.serial-shell", "/etc/inittab", 1);
 *     ct_free(&t);
 *
 * File content is copied into a buffer the tree owns.
 */
#ifndef FG_CHECK_TREE_H
#define FG_CHECK_TREE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/check.h"
#include "checks/engine.h"
#include "core/result.h"

typedef struct ct_tree {
	fg_result *res;
	fg_node *root;
} ct_tree;

static inline ct_tree ct_new(void)
{
	ct_tree t;
	t.res = fg_result_new(NULL);
	t.root = fg_node_new(&t.res->tree, "", 0, FG_NODE_DIR);
	t.root->flags = FG_NODE_FSROOT | FG_NODE_FILESYSTEM;
	t.res->tree.root = t.root;
	return t;
}

static inline fg_node *ct_bytes(ct_tree *t, const char *path, const void *data, size_t len)
{
	fg_node *n = fg_tree_mkpath(&t->res->tree, t->root, path, FG_NODE_FILE);
	if (!n)
		return NULL;
	void *copy = malloc(len ? len : 1);
	if (len)
		memcpy(copy, data, len);
	fg_tree_own(&t->res->tree, copy);
	n->data = copy;
	n->data_len = len;
	n->size = len;
	n->mode = 0644;
	return n;
}

static inline fg_node *ct_file(ct_tree *t, const char *path, const char *text)
{
	return ct_bytes(t, path, text, strlen(text));
}

static inline fg_node *ct_link(ct_tree *t, const char *path, const char *target)
{
	fg_node *n = fg_tree_mkpath(&t->res->tree, t->root, path, FG_NODE_SYMLINK);
	if (n)
		n->link_target = fg_arena_strdup(&t->res->tree.arena, target);
	return n;
}

static inline fg_node *ct_dir(ct_tree *t, const char *path)
{
	return fg_tree_mkpath(&t->res->tree, t->root, path, FG_NODE_DIR);
}

static inline void ct_run(ct_tree *t, const char *id)
{
	const fg_check *c = fg_check_find(id);
	if (!c) {
		fprintf(stderr, "no check %s\n", id);
		return;
	}
	fg_checks_run_tree(t->res, t->root, c);
}

static inline size_t ct_count(const ct_tree *t, const char *id)
{
	size_t n = 0;
	for (size_t i = 0; i < t->res->findings.n; i++)
		n += !id || strcmp(t->res->findings.v[i].check_id, id) == 0;
	return n;
}

/* The finding of check ID at PATH and LINE (LINE -1: any line). */
static inline const fg_finding *ct_at(const ct_tree *t, const char *id, const char *path, long line)
{
	for (size_t i = 0; i < t->res->findings.n; i++) {
		const fg_finding *f = &t->res->findings.v[i];
		if (strcmp(f->check_id, id) == 0 && strcmp(f->path, path) == 0 &&
		    (line < 0 || (long)f->line == line))
			return f;
	}
	return NULL;
}

/* Prints every finding (when a test fails, to see what was found). */
static inline void ct_dump(const ct_tree *t)
{
	for (size_t i = 0; i < t->res->findings.n; i++) {
		const fg_finding *f = &t->res->findings.v[i];
		fprintf(stderr, "  %s %s %s:%u | %s | %s\n", f->check_id, fg_severity_name(f->severity),
			f->path, f->line, f->excerpt ? f->excerpt : "", f->message);
	}
}

/* True when S appears in no string of any finding (secrets never leak). */
static inline int ct_nowhere(const ct_tree *t, const char *s)
{
	for (size_t i = 0; i < t->res->findings.n; i++) {
		const fg_finding *f = &t->res->findings.v[i];
		if ((f->message && strstr(f->message, s)) || (f->excerpt && strstr(f->excerpt, s)))
			return 0;
	}
	return 1;
}

static inline void ct_free(ct_tree *t)
{
	fg_result_free(t->res);
	t->res = NULL;
}

#endif
