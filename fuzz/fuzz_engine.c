/*
 * fuzz_engine.c - libFuzzer target for the whole unpack engine and the
 * checks: the input is a blob that is carved, unpacked recursively with
 * every handler, inventoried and checked, under tight budgets.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "checks/engine.h"
#include "core/result.h"
#include "inventory/inventory.h"
#include "unpack/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fg_options o;
	fg_options_default(&o);
	o.jobs = 1;
	o.limits.max_total_bytes = 64u << 20;
	o.limits.max_file_size = 16u << 20;
	o.limits.max_files = 20000;
	o.limits.max_ratio = 200;
	o.limits.max_depth = 6;
	o.limits.max_seconds = 5;
	fg_result *r = fg_result_new(&o);
	if (!r)
		return 0;
	fg_node *f = fg_node_new(&r->tree, "fuzz.bin", 8, FG_NODE_FILE);
	if (f) {
		f->flags = FG_NODE_FSROOT;
		f->data = data;
		f->data_len = size;
		f->size = size;
		r->tree.root = f;
		fg_unpack_all(&r->tree, &r->budget, &r->diags, 1, NULL);
	}
	fg_result_free(r);
	return 0;
}
