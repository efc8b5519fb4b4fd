/* Regression tests for the boot-program scan shared by the checks. */
#include <stdlib.h>

#include "test.h"
#include "checks/engine.h"
#include "core/result.h"

/* An inittab whose last field ends exactly at the end of the file (no
 * newline, no NUL after it): the parser read one byte past the buffer
 * (found by fuzz_checks). The buffer is malloc'd to its exact size so
 * AddressSanitizer sees any overread. */
static size_t run_file(const char *path, const char *text, const char *check_id)
{
	size_t n = strlen(text);
	uint8_t *exact = malloc(n);
	memcpy(exact, text, n);
	fg_result *r = fg_result_new(NULL);
	fg_node *root = fg_node_new(&r->tree, "", 0, FG_NODE_DIR);
	root->flags = FG_NODE_FSROOT | FG_NODE_FILESYSTEM;
	r->tree.root = root;
	fg_node *f = fg_tree_mkpath(&r->tree, root, path, FG_NODE_FILE);
	f->data = exact;
	f->data_len = n;
	fg_checks_run_tree(r, root, NULL);
	size_t hits = 0;
	for (size_t i = 0; i < r->findings.n; i++)
		hits += !strcmp(r->findings.v[i].check_id, check_id);
	fg_result_free(r);
	free(exact);
	return hits;
}

static size_t run_inittab(const char *text, const char *check_id)
{
	return run_file("etc/inittab", text, check_id);
}

TEST(inittab_fields_ending_at_the_buffer_end)
{
	/* the sanitizer build catches an overread; the findings show the
	 * lines were still understood */
	CHECK_INT_EQ(run_inittab("a::0:", "debug.serial-shell"), 0);
	CHECK_INT_EQ(run_inittab("a:b:off:", "debug.serial-shell"), 0);
	run_inittab("ttyS0::respawn:-", "debug.serial-shell");
	CHECK_INT_EQ(run_inittab("::sysinit:/etc/init.d/rcS\nttyS0::respawn:/bin/sh", "debug.serial-shell"), 1);
}

/* An xinetd file whose "key = value" line ends the file: sscanf ran past
 * the buffer (SEGV, found by fuzzing the checks). */
TEST(xinetd_lines_ending_at_the_buffer_end)
{
	run_file("etc/xinetd.d/telnet", "service telnet\n{\n  disable = no\n  server = /usr/sbin/in.telnetd", "services.telnet");
	run_file("etc/xinetd.d/x", "server =", "services.telnet");
	run_file("etc/xinetd.d/y", "  server", "services.telnet");
	CHECK_INT_EQ(run_file("etc/xinetd.d/telnet",
			      "service telnet\n{\n  disable = no\n  server = /usr/sbin/in.telnetd\n}",
			      "services.telnet"), 1);
}
