/*
 * Regression inputs: every file under tests/data/regress/<format>/ once
 * made a parser crash, hang or allocate without bound (most were found by
 * the fuzzers). Each is run through its format's handler and through the
 * whole engine; under the sanitizer build any relapse aborts the test.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "test.h"
#include "core/result.h"
#include "unpack/engine.h"

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
	*len = p && n > 0 ? fread(p, 1, (size_t)n, f) : 0;
	fclose(f);
	return p;
}

static void run_one(const fg_format *fmt, const char *path)
{
	size_t len;
	uint8_t *data = slurp(path, &len);
	REQUIRE(data);
	fg_result *r = fg_result_new(NULL);
	if (fmt)
		fg_unpack_buffer_for_test(&r->tree, &r->budget, &r->diags, fmt, "regress.bin", data, len, NULL);
	fg_result_free(r);

	r = fg_result_new(NULL);
	fg_node *f = fg_node_new(&r->tree, "regress.bin", 11, FG_NODE_FILE);
	f->flags = FG_NODE_FSROOT;
	f->data = data;
	f->data_len = len;
	r->tree.root = f;
	fg_unpack_all(&r->tree, &r->budget, &r->diags, 1, NULL);
	fg_result_free(r);
	free(data);
}

TEST(every_regression_input_is_handled)
{
	const char *src = getenv("FG_SOURCE_DIR");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/tests/data/regress", src ? src : ".");
	DIR *top = opendir(dir);
	REQUIRE(top);
	struct dirent *e;
	int ran = 0;
	while ((e = readdir(top)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char sub[4600];
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		DIR *d = opendir(sub);
		if (!d)
			continue;
		const fg_format *fmt = fg_format_find(e->d_name); /* NULL: engine only */
		struct dirent *f;
		while ((f = readdir(d)) != NULL) {
			if (f->d_name[0] == '.')
				continue;
			char path[5200];
			snprintf(path, sizeof(path), "%s/%s", sub, f->d_name);
			run_one(fmt, path);
			ran++;
		}
		closedir(d);
	}
	closedir(top);
	CHECK(ran > 0);
	printf("%d regression inputs\n", ran);
}
