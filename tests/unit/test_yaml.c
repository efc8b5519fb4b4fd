/* The YAML document reader: tree shape, positions, limits, errors. */
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "core/yaml.h"

static fg_yaml_doc *parse(const char *text, char *err, size_t errlen)
{
	return fg_yaml_parse("t.yaml", text, strlen(text), NULL, err, errlen);
}

TEST(maps_sequences_scalars_with_positions)
{
	static const char text[] =
		"# comment\n"
		"name: Example\n"
		"list:\n"
		"  - a\n"
		"  - 'b c'\n"
		"nested: {k: v, n: ~}\n"
		"flag: yes\n"
		"quoted: \"yes\"\n";
	char err[256] = "";
	fg_yaml_doc *d = parse(text, err, sizeof(err));
	REQUIRE(d);
	const fg_yaml_node *root = fg_yaml_root(d);
	REQUIRE(root && root->kind == FG_YAML_MAP);
	CHECK_INT_EQ(fg_yaml_count(root), 5);
	CHECK_STR_EQ(fg_yaml_str(fg_yaml_key_at(root, 0)), "name");
	const fg_yaml_node *name = fg_yaml_get(root, "name");
	CHECK_STR_EQ(fg_yaml_str(name), "Example");
	CHECK_INT_EQ(name->line, 2);
	CHECK_INT_EQ(name->col, 7);
	const fg_yaml_node *list = fg_yaml_get(root, "list");
	REQUIRE(list && list->kind == FG_YAML_SEQ);
	CHECK_INT_EQ(fg_yaml_count(list), 2);
	CHECK_STR_EQ(fg_yaml_str(fg_yaml_at(list, 1)), "b c");
	CHECK(!fg_yaml_at(list, 1)->plain);
	CHECK_INT_EQ(fg_yaml_at(list, 1)->line, 5);
	CHECK(fg_yaml_key_at(list, 0) == NULL);
	CHECK(fg_yaml_at(list, 2) == NULL);
	const fg_yaml_node *nested = fg_yaml_get(root, "nested");
	CHECK_STR_EQ(fg_yaml_str(fg_yaml_get(nested, "k")), "v");
	CHECK(fg_yaml_is_null(fg_yaml_get(nested, "n")));
	CHECK(!fg_yaml_is_null(fg_yaml_get(nested, "k")));
	bool b = false;
	CHECK(fg_yaml_bool(fg_yaml_get(root, "flag"), &b) && b);
	CHECK(fg_yaml_get(root, "quoted")->plain == false);
	CHECK(fg_yaml_get(root, "missing") == NULL);
	CHECK(fg_yaml_get(NULL, "x") == NULL);
	CHECK(fg_yaml_get(list, "x") == NULL);
	CHECK(fg_yaml_str(list) == NULL);
	CHECK_STR_EQ(fg_yaml_kind_name(list), "sequence");
	CHECK_STR_EQ(fg_yaml_name(d), "t.yaml");
	fg_yaml_free(d);
}

TEST(empty_documents)
{
	char err[256];
	fg_yaml_doc *d = parse("# nothing here\n\n", err, sizeof(err));
	REQUIRE(d);
	CHECK(fg_yaml_root(d) == NULL);
	fg_yaml_free(d);
	d = parse("", err, sizeof(err));
	REQUIRE(d);
	CHECK(fg_yaml_root(d) == NULL);
	fg_yaml_free(d);
}

static void expect_error(const char *text, const char *want)
{
	char err[512] = "";
	fg_yaml_doc *d = parse(text, err, sizeof(err));
	CHECK(d == NULL);
	CHECK_STR_EQ(err, want);
	fg_yaml_free(d);
}

TEST(errors_name_file_line_and_column)
{
	expect_error("a: 1\nb: 2\na: 3\n", "t.yaml:3:1: duplicate key 'a' (first at line 1)");
	expect_error("base: &x {a: 1}\ncopy: *x\n", "t.yaml:2:7: aliases (*x) are not supported");
	expect_error("? [a, b]\n: c\n", "t.yaml:1:3: a mapping key must be a scalar, not a sequence");
	expect_error("a: 1\n---\nb: 2\n", "t.yaml:2:1: more than one document in the file");
	expect_error("a: \"x\\0y\"\n", "t.yaml:1:4: a scalar may not contain a NUL character");
	expect_error("a: b: c\n", "t.yaml:1:5: mapping values are not allowed in this context");
	expect_error("a:\n  - x\n - y\n",
		     "t.yaml:3:2: did not find expected key (while parsing a block mapping at line 1)");
	/* a control character: libyaml gives an offset, we give line:col */
	expect_error("a: 1\nb: x\x01y\n", "t.yaml:2:5: control characters are not allowed");
}

TEST(limits_bound_size_depth_and_nodes)
{
	fg_yaml_limits lim;
	fg_yaml_limits_default(&lim);
	char err[256];
	char deep[200];
	size_t n = 0;
	for (unsigned i = 0; i < 40; i++)
		deep[n++] = '[';
	deep[n] = '\0';
	CHECK(fg_yaml_parse("d.yaml", deep, n, &lim, err, sizeof(err)) == NULL);
	CHECK_STR_EQ(err, "d.yaml:1:33: nested deeper than 32 levels");

	lim.max_nodes = 5;
	static const char many[] = "[1, 2, 3, 4, 5, 6]";
	CHECK(fg_yaml_parse("m.yaml", many, strlen(many), &lim, err, sizeof(err)) == NULL);
	CHECK_STR_EQ(err, "m.yaml:1:14: more than 5 nodes");

	lim.max_bytes = 4;
	CHECK(fg_yaml_parse("s.yaml", "a: 12", 5, &lim, err, sizeof(err)) == NULL);
	CHECK_STR_EQ(err, "s.yaml:1:1: larger than 4 bytes");
}

TEST(load_reads_files_and_reports_missing_ones)
{
	char err[512];
	CHECK(fg_yaml_load("/nonexistent/x.yaml", NULL, err, sizeof(err)) == NULL);
	CHECK_STR_EQ(err, "/nonexistent/x.yaml: cannot open: No such file or directory");
	const char *tmp = getenv("FG_TEST_TMP");
	char path[512];
	snprintf(path, sizeof(path), "%s/yaml-load.yaml", tmp ? tmp : "/tmp");
	if (tmp) {
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", tmp);
		CHECK(system(cmd) == 0);
	}
	FILE *f = fopen(path, "w");
	REQUIRE(f);
	fputs("k:\n  - 1\n", f);
	fclose(f);
	fg_yaml_doc *d = fg_yaml_load(path, NULL, err, sizeof(err));
	REQUIRE(d);
	CHECK_STR_EQ(fg_yaml_str(fg_yaml_at(fg_yaml_get(fg_yaml_root(d), "k"), 0)), "1");
	CHECK_STR_EQ(fg_yaml_name(d), path);
	fg_yaml_free(d);
	CHECK(fg_yaml_load(tmp ? tmp : "/tmp", NULL, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "not a regular file") != NULL);
}
