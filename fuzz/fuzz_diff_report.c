/*
 * fuzz_diff_report.c - libFuzzer target for the saved-report reader of
 * `firmgate diff` (src/report/diff_load.c) and the diff renderers.
 *
 * The input is read as a firmgate-report/1 document; when it loads, it is
 * compared with itself and with an empty report in both directions, and
 * every comparison is rendered as text, JSON and HTML (to /dev/null), so
 * hostile strings and odd counts go through the whole path.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report/diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char empty[] = "{\"schema\": \"firmgate-report/1\", \"findings\": [], \"files\": []}";

static void render_all(const fg_diff_side *a, const fg_diff_side *b, FILE *sink)
{
	fg_diff d;
	fg_diff_compare(a, b, &d);
	fg_diff_text(&d, sink, true);
	fg_diff_json(&d, sink, FG_SEV_LOW);
	fg_diff_html(&d, sink, -1);
	if (fg_diff_new_at_least(&d, FG_SEV_INFO) > d.findings_new.n)
		__builtin_trap();
	fg_diff_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (!sink && !(sink = fopen("/dev/null", "w")))
		return 0;
	char err[1024];
	fg_diff_side *s = fg_diff_side_from_buffer(data, size, "fuzz.json", err, sizeof(err));
	if (!s)
		return 0;
	fg_diff_side *e = fg_diff_side_from_buffer(empty, sizeof(empty) - 1, "empty.json", err, sizeof(err));
	if (e) {
		render_all(s, s, sink);
		render_all(s, e, sink);
		render_all(e, s, sink);
		fg_diff_side_free(e);
	}
	fg_diff_side_free(s);
	return 0;
}
