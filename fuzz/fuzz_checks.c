/*
 * fuzz_checks.c - libFuzzer target for the parsers behind the checks.
 *
 * The input is split on the first two NUL bytes into three files placed
 * in a file tree at the paths the checks read most: /etc/passwd,
 * /etc/shadow and /etc/init.d/S50fuzz (the third part also as inittab,
 * inetd.conf, an xinetd service and a UCI config; the second also as a
 * PEM file, the credential stores of checks/credstore.h take the parts
 * too), then every check runs on the tree.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "checks/engine.h"
#include "core/result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(fg_result *r, fg_node *root, const char *path, const uint8_t *p, size_t n)
{
	fg_node *f = fg_tree_mkpath(&r->tree, root, path, FG_NODE_FILE);
	if (f) {
		f->data = p;
		f->data_len = n;
		f->size = n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *parts[3] = { data, data, data };
	size_t lens[3] = { size, 0, 0 };
	const uint8_t *nul = memchr(data, 0, size);
	if (nul) {
		lens[0] = (size_t)(nul - data);
		parts[1] = nul + 1;
		lens[1] = size - lens[0] - 1;
		const uint8_t *nul2 = memchr(parts[1], 0, lens[1]);
		if (nul2) {
			parts[2] = nul2 + 1;
			lens[2] = lens[1] - (size_t)(nul2 - parts[1]) - 1;
			lens[1] = (size_t)(nul2 - parts[1]);
		}
	}
	fg_options o;
	fg_options_default(&o);
	o.jobs = 1;
	fg_result *r = fg_result_new(&o);
	if (!r)
		return 0;
	fg_node *root = fg_node_new(&r->tree, "", 0, FG_NODE_DIR);
	if (root) {
		root->flags = FG_NODE_FSROOT | FG_NODE_FILESYSTEM;
		r->tree.root = root;
		put(r, root, "etc/passwd", parts[0], lens[0]);
		put(r, root, "etc/shadow", parts[1], lens[1]);
		put(r, root, "etc/init.d/S50fuzz", parts[2], lens[2]);
		put(r, root, "etc/inittab", parts[2], lens[2]);
		put(r, root, "etc/inetd.conf", parts[2], lens[2]);
		put(r, root, "etc/xinetd.d/fuzz", parts[2], lens[2]);
		put(r, root, "etc/config/system", parts[2], lens[2]);
		put(r, root, "etc/ssl/private/fuzz.pem", parts[1], lens[1]);
		/* credential stores (checks/credstore.h) */
		put(r, root, "etc/shadow-", parts[1], lens[1]);
		put(r, root, "etc/lighttpd/.htpasswd", parts[1], lens[1]);
		put(r, root, "etc/lighttpd/lighttpd.conf", parts[2], lens[2]);
		put(r, root, "etc/mosquitto/mosquitto.conf", parts[2], lens[2]);
		put(r, root, "etc/httpd.conf", parts[0], lens[0]);
		put(r, root, "etc/goahead/auth.txt", parts[0], lens[0]);
		put(r, root, "etc/ppp/chap-secrets", parts[2], lens[2]);
		put(r, root, "etc/nvram.default", parts[2], lens[2]);
		fg_checks_run_tree(r, root, NULL);
	}
	fg_result_free(r);
	return 0;
}
