/*
 * fuzz_security_txt.c - libFuzzer target for the RFC 9116 security.txt
 * parser (src/checks/disclosure_security_txt.c): the input is parsed as a
 * file, then also through the check on a file tree that holds it at
 * /.well-known/security.txt.
 */
#include <stddef.h>
#include <stdint.h>

#include "checks/engine.h"
#include "checks/security_txt.h"
#include "core/result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(void *arg, unsigned line, fg_severity sev, const char *subject, const char *msg)
{
	size_t *n = arg;
	*n += line + (unsigned)sev + (subject[0] != 0) + (msg[0] != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	fg_security_txt_check((const char *)data, size, 1748736000, count, &n);
	fg_result *r = fg_result_new(NULL);
	if (!r)
		return 0;
	fg_node *root = fg_node_new(&r->tree, "", 0, FG_NODE_DIR);
	if (root) {
		root->flags = FG_NODE_FSROOT | FG_NODE_FILESYSTEM;
		r->tree.root = root;
		fg_node *f = fg_tree_mkpath(&r->tree, root, ".well-known/security.txt", FG_NODE_FILE);
		if (f) {
			f->data = data;
			f->data_len = size;
			f->size = size;
			fg_checks_run_tree(r, root, fg_check_find("disclosure.security-txt"));
		}
	}
	fg_result_free(r);
	return 0;
}
