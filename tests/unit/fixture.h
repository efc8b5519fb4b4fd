/*
 * fixture.h - a file tree built in memory for check tests.
 *
 *   fx_tree t = fx_tree_new(2);
 *   fx_file(&t, "etc/shadow", "root:...\n");
 *   fx_run(&t, "credentials.default-password");
 *   const fg_finding *f = fx_finding(&t, "credentials.default-password", "root");
 *   fx_tree_free(&t);
 *
 * File contents are not copied: pass string literals or buffers that
 * outlive the tree.
 */
#ifndef FG_TEST_FIXTURE_H
#define FG_TEST_FIXTURE_H

#include <string.h>

#include "checks/check.h"
#include "checks/engine.h"
#include "core/result.h"

typedef struct fx_tree {
	fg_result *res;
	fg_node *root;
} fx_tree;

static inline fx_tree fx_tree_new(unsigned jobs)
{
	fx_tree t;
	t.res = fg_result_new(NULL);
	t.res->opts.jobs = jobs;
	t.root = fg_node_new(&t.res->tree, "", 0, FG_NODE_DIR);
	t.root->flags = FG_NODE_FSROOT | FG_NODE_FILESYSTEM;
	t.res->tree.root = t.root;
	return t;
}

static inline fg_node *fx_file_n(fx_tree *t, const char *path, const void *data, size_t len)
{
	fg_node *n = fg_tree_mkpath(&t->res->tree, t->root, path, FG_NODE_FILE);
	n->data = (const uint8_t *)data;
	n->data_len = len;
	n->size = len;
	return n;
}

static inline fg_node *fx_file(fx_tree *t, const char *path, const char *text)
{
	return fx_file_n(t, path, text, strlen(text));
}

static inline void fx_run(fx_tree *t, const char *id)
{
	const fg_check *c = fg_check_find(id);
	if (c)
		fg_checks_run_tree(t->res, t->root, c);
}

/* The first finding of check ID whose message contains NEEDLE. */
static inline const fg_finding *fx_finding(const fx_tree *t, const char *id, const char *needle)
{
	for (size_t i = 0; i < t->res->findings.n; i++) {
		const fg_finding *f = &t->res->findings.v[i];
		if (strcmp(f->check_id, id) == 0 && (!needle || strstr(f->message, needle)))
			return f;
	}
	return NULL;
}

static inline size_t fx_count(const fx_tree *t, const char *id)
{
	size_t n = 0;
	for (size_t i = 0; i < t->res->findings.n; i++)
		n += strcmp(t->res->findings.v[i].check_id, id) == 0;
	return n;
}

static inline void fx_tree_free(fx_tree *t)
{
	fg_result_free(t->res);
}

#endif
