/*
 * fuzz_format.c - libFuzzer target for one format handler.
 *
 * Built once per handler with -DFG_FUZZ_FORMAT=fg_format_<name>: the input
 * is probed and, whatever the probe says, unpacked by that handler alone
 * under tight budgets, so the fuzzer reaches the parser's depths without
 * the rest of the engine in the way.
 */
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"
#include "unpack/engine.h"

extern const fg_format FG_FUZZ_FORMAT;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fg_options o;
	fg_options_default(&o);
	o.limits.max_total_bytes = 64u << 20;
	o.limits.max_file_size = 16u << 20;
	o.limits.max_files = 20000;
	o.limits.max_ratio = 200;
	fg_result *r = fg_result_new(&o);
	if (!r)
		return 0;
	uint64_t chunk_len = 0;
	(void)FG_FUZZ_FORMAT.probe(data, size, &chunk_len);
	if (FG_FUZZ_FORMAT.unpack)
		fg_unpack_buffer_for_test(&r->tree, &r->budget, &r->diags, &FG_FUZZ_FORMAT, "fuzz.bin",
					  data, size, NULL);
	else if (FG_FUZZ_FORMAT.describe) {
		char buf[256];
		FG_FUZZ_FORMAT.describe(data, size, buf, sizeof(buf));
	}
	fg_result_free(r);
	return 0;
}
