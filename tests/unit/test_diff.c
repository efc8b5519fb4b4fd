/* firmgate diff: reading saved reports (and refusing bad ones), the
 * comparison of two releases, and the renderers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "core/result.h"
#include "report/diff.h"
#include "util/json.h"

#define CAPTURE(buf, stmt) do { \
	size_t len_; FILE *out = open_memstream(&(buf), &len_); \
	stmt; fclose(out); } while (0)

static const char old_report[] =
	"{\"schema\": \"firmgate-report/1\", \"tool\": {\"name\": \"firmgate\"},\n"
	" \"input\": {\"name\": \"fw-1.0.bin\", \"type\": \"file\"},\n"
	" \"components\": [\n"
	"  {\"name\": \"busybox\", \"version\": \"1.35.0\", \"type\": \"application\"},\n"
	"  {\"name\": \"busybox\", \"version\": \"1.35.0\", \"type\": \"application\"},\n"
	"  {\"name\": \"openssl\", \"version\": \"1.1.1k\"},\n"
	"  {\"name\": \"dropbear\", \"version\": \"2019.78\"},\n"
	"  {\"name\": \"foo\", \"version\": \"1.0\"}, {\"name\": \"foo\", \"version\": \"2.0\"},\n"
	"  {\"name\": \"bar\", \"version\": \"\"}, {\"name\": \"kernel\", \"version\": \"5.0-rc2\"}],\n"
	" \"vulnerabilities\": [\n"
	"  {\"id\": \"CVE-1\", \"component\": \"openssl\", \"component_index\": 2, \"status\": \"affected\", \"cvss\": 7.5},\n"
	"  {\"id\": \"CVE-2\", \"component\": \"busybox\", \"component_index\": 0, \"status\": \"not_affected\"}],\n"
	" \"findings\": [\n"
	"  {\"check_id\": \"a.one\", \"severity\": \"high\", \"path\": \"/etc/a\", \"line\": 3, \"fingerprint\": \"A\"},\n"
	"  {\"check_id\": \"b.two\", \"severity\": \"low\", \"path\": \"/etc/b\", \"line\": null, \"fingerprint\": \"B\"},\n"
	"  {\"check_id\": \"c.three\", \"severity\": \"medium\", \"path\": \"/c\", \"fingerprint\": \"C\", \"container\": \"t1\"},\n"
	"  {\"check_id\": \"c.three\", \"severity\": \"medium\", \"path\": \"/c\", \"fingerprint\": \"C\", \"container\": \"t2\"}],\n"
	" \"compliance\": [\n"
	"  {\"standard\": \"x\", \"requirement\": \"R 1\", \"verdict\": \"pass\"},\n"
	"  {\"standard\": \"x\", \"requirement\": \"R 2\", \"verdict\": \"fail\"},\n"
	"  {\"standard\": \"x\", \"requirement\": \"R 10\", \"verdict\": \"fail\"}],\n"
	" \"files\": [\n"
	"  {\"path\": \"/a\", \"type\": \"file\", \"mode\": 420, \"size\": 1, \"sha256\": \"11\"},\n"
	"  {\"path\": \"/b\", \"type\": \"file\", \"mode\": 420, \"size\": 1, \"sha256\": \"22\"},\n"
	"  {\"path\": \"/l\", \"type\": \"symlink\", \"mode\": 511, \"target\": \"x\"},\n"
	"  {\"path\": \"/m\", \"type\": \"file\", \"mode\": 493, \"size\": 1, \"sha256\": \"44\"},\n"
	"  {\"path\": \"/gone\", \"type\": \"file\", \"mode\": 420, \"size\": 1, \"sha256\": \"55\"}],\n"
	" \"unknown_member\": {\"ignored\": [1, 2, {\"deep\": true}]}}\n";

static const char new_report[] =
	"{\"schema\": \"firmgate-report/1\", \"input\": {\"name\": \"fw-1.1.bin\"},\n"
	" \"files\": [\n"
	"  {\"path\": \"/a\", \"type\": \"file\", \"mode\": 420, \"size\": 1, \"sha256\": \"11\"},\n"
	"  {\"path\": \"/b\", \"type\": \"file\", \"mode\": 420, \"size\": 1, \"sha256\": \"33\"},\n"
	"  {\"path\": \"/c\", \"type\": \"file\", \"mode\": 420, \"size\": 1, \"sha256\": \"66\"},\n"
	"  {\"path\": \"/l\", \"type\": \"symlink\", \"mode\": 511, \"target\": \"y\"},\n"
	"  {\"path\": \"/m\", \"type\": \"file\", \"mode\": 2541, \"size\": 1, \"sha256\": \"44\"}],\n"
	" \"vulnerabilities\": [\n"
	"  {\"id\": \"CVE-3\", \"component\": \"hostapd\", \"component_index\": 3, \"status\": \"affected\", \"kev\": true}],\n"
	" \"components\": [\n"
	"  {\"name\": \"busybox\", \"version\": \"1.36.1\"}, {\"name\": \"openssl\", \"version\": \"1.1.1d\"},\n"
	"  {\"name\": \"foo\", \"version\": \"2.0\"}, {\"name\": \"hostapd\", \"version\": \"2.10\"},\n"
	"  {\"name\": \"bar\", \"version\": \"1.0\"}, {\"name\": \"kernel\", \"version\": \"5.0\"}],\n"
	" \"findings\": [\n"
	"  {\"check_id\": \"b.two\", \"severity\": \"low\", \"path\": \"/etc/b\", \"line\": 9, \"fingerprint\": \"B\"},\n"
	"  {\"check_id\": \"c.three\", \"severity\": \"medium\", \"path\": \"/c\", \"fingerprint\": \"C\"},\n"
	"  {\"check_id\": \"d.four\", \"severity\": \"critical\", \"path\": \"/etc/d\", \"fingerprint\": \"D\",\n"
	"   \"message\": \"<script>alert(1)</script>\"},\n"
	"  {\"check_id\": \"e.five\", \"severity\": \"info\", \"path\": \"/etc/e\", \"fingerprint\": \"E\"}],\n"
	" \"compliance\": [\n"
	"  {\"standard\": \"x\", \"requirement\": \"R 1\", \"verdict\": \"pass\"},\n"
	"  {\"standard\": \"x\", \"requirement\": \"R 2\", \"verdict\": \"pass\"},\n"
	"  {\"standard\": \"x\", \"requirement\": \"R 10\", \"verdict\": \"fail\"},\n"
	"  {\"standard\": \"x\", \"requirement\": \"R 3\", \"verdict\": \"declared\"}]}\n";

static fg_diff_side *side(const char *json, const char *label)
{
	char err[512] = "";
	fg_diff_side *s = fg_diff_side_from_buffer(json, strlen(json), label, err, sizeof(err));
	if (!s)
		fprintf(stderr, "load failed: %s\n", err);
	return s;
}

static const fg_dcomp_change *change_of(const fg_diff *d, const char *name)
{
	for (size_t i = 0; i < d->comps_changed.n; i++)
		if (!strcmp(d->comps_changed.v[i].new_->name, name))
			return &d->comps_changed.v[i];
	return NULL;
}

TEST(two_reports_compare_element_by_element)
{
	fg_diff_side *o = side(old_report, "old.json"), *n = side(new_report, "new.json");
	REQUIRE(o && n);
	CHECK_STR_EQ(o->input, "fw-1.0.bin");
	CHECK_STR_EQ(o->source, "report");
	CHECK(o->has_files && n->has_files);
	CHECK_INT_EQ(o->vulns.n, 1); /* not_affected is not kept */
	CHECK_STR_EQ(o->vulns.v[0].version, "1.1.1k");
	fg_diff d;
	fg_diff_compare(o, n, &d);

	/* components: duplicates collapse, versions ordered the embedded way */
	const fg_dcomp_change *c;
	CHECK((c = change_of(&d, "busybox")) && c->how == FG_DC_UPGRADED);
	CHECK((c = change_of(&d, "openssl")) && c->how == FG_DC_DOWNGRADED); /* 1.1.1d < 1.1.1k */
	CHECK((c = change_of(&d, "kernel")) && c->how == FG_DC_UPGRADED);    /* 5.0-rc2 < 5.0 */
	CHECK((c = change_of(&d, "bar")) && c->how == FG_DC_CHANGED);        /* unknown before */
	CHECK_INT_EQ(d.comps_changed.n, 4);
	CHECK_INT_EQ(d.comps_added.n, 1);
	CHECK(d.comps_added.n && !strcmp(d.comps_added.v[0]->name, "hostapd"));
	CHECK_INT_EQ(d.comps_removed.n, 2); /* dropbear; foo 1.0 (foo 2.0 stays) */
	CHECK(d.comps_removed.n == 2 && !strcmp(d.comps_removed.v[0]->name, "dropbear") &&
	      !strcmp(d.comps_removed.v[1]->name, "foo") && !strcmp(d.comps_removed.v[1]->version, "1.0"));

	/* vulnerabilities */
	CHECK(d.vulns_fixed.n == 1 && !strcmp(d.vulns_fixed.v[0]->id, "CVE-1"));
	CHECK(d.vulns_introduced.n == 1 && !strcmp(d.vulns_introduced.v[0]->id, "CVE-3") &&
	      d.vulns_introduced.v[0]->kev && !strcmp(d.vulns_introduced.v[0]->version, "2.10"));

	/* findings by fingerprint, one to one: C was in two trees, now one */
	CHECK_INT_EQ(d.findings_new.n, 2);
	CHECK(d.findings_new.n == 2 && !strcmp(d.findings_new.v[0]->fingerprint, "D") &&
	      !strcmp(d.findings_new.v[1]->fingerprint, "E")); /* most severe first */
	CHECK_INT_EQ(d.findings_fixed.n, 2);
	CHECK(d.findings_fixed.n == 2 && !strcmp(d.findings_fixed.v[0]->fingerprint, "A") &&
	      !strcmp(d.findings_fixed.v[1]->fingerprint, "C"));
	CHECK_INT_EQ(d.findings_unchanged.n, 2); /* B moved lines: same finding */
	CHECK_INT_EQ(fg_diff_new_at_least(&d, FG_SEV_HIGH), 1);
	CHECK_INT_EQ(fg_diff_new_at_least(&d, FG_SEV_INFO), 2);

	/* verdicts: natural order, requirements on one side only included */
	CHECK_INT_EQ(d.verdicts.n, 2);
	CHECK(d.verdicts.n == 2 && !strcmp(d.verdicts.v[0].old->requirement, "R 2") &&
	      !strcmp(d.verdicts.v[0].new_->verdict, "pass"));
	CHECK(d.verdicts.n == 2 && !d.verdicts.v[1].old && !strcmp(d.verdicts.v[1].new_->requirement, "R 3"));

	/* files by path: content, symlink target and mode changes */
	CHECK(d.files_compared);
	CHECK(d.files_added.n == 1 && !strcmp(d.files_added.v[0]->path, "/c"));
	CHECK(d.files_removed.n == 1 && !strcmp(d.files_removed.v[0]->path, "/gone"));
	CHECK_INT_EQ(d.files_changed.n, 3);
	CHECK(d.files_changed.n == 3 && !strcmp(d.files_changed.v[0].new_->path, "/b") &&
	      d.files_changed.v[0].content && !d.files_changed.v[0].mode);
	CHECK(d.files_changed.n == 3 && !strcmp(d.files_changed.v[1].new_->path, "/l") && d.files_changed.v[1].content);
	CHECK(d.files_changed.n == 3 && !strcmp(d.files_changed.v[2].new_->path, "/m") &&
	      !d.files_changed.v[2].content && d.files_changed.v[2].mode);
	CHECK_INT_EQ(d.files_unchanged, 1);
	fg_diff_free(&d);

	/* a release against itself: nothing changed */
	fg_diff_compare(n, n, &d);
	CHECK(!d.findings_new.n && !d.findings_fixed.n && d.findings_unchanged.n == n->findings.n);
	CHECK(!d.comps_added.n && !d.comps_removed.n && !d.comps_changed.n && !d.verdicts.n);
	CHECK(!d.vulns_fixed.n && !d.vulns_introduced.n);
	CHECK(!d.files_added.n && !d.files_removed.n && !d.files_changed.n && d.files_unchanged == 5);
	fg_diff_free(&d);
	fg_diff_side_free(o);
	fg_diff_side_free(n);
}

TEST(renderers_lay_out_the_diff)
{
	fg_diff_side *o = side(old_report, "old.json"), *n = side(new_report, "new.json");
	REQUIRE(o && n);
	fg_diff d;
	fg_diff_compare(o, n, &d);

	char *js = NULL;
	CAPTURE(js, CHECK_INT_EQ(fg_diff_json(&d, out, FG_SEV_HIGH), 0));
	fg_arena a;
	fg_arena_init(&a);
	char err[256];
	fg_json *doc = fg_json_parse(js, strlen(js), &a, err, sizeof(err));
	REQUIRE(doc);
	CHECK_STR_EQ(fg_json_gets(doc, "schema"), "firmgate-diff/1");
	const fg_json *sum = fg_json_get(fg_json_get(doc, "summary"), "findings");
	double v = -1;
	CHECK(fg_json_getnum(sum, "new", &v) && v == 2);
	CHECK(fg_json_getnum(fg_json_get(doc, "gate"), "new_at_or_above", &v) && v == 1);
	CHECK(fg_json_getbool(fg_json_get(doc, "gate"), "failed") == 1);
	CHECK_STR_EQ(fg_json_gets(fg_json_get(doc, "gate"), "fail_on"), "high");
	CHECK(fg_json_getnum(fg_json_get(fg_json_get(doc, "summary"), "files"), "changed", &v) && v == 3);
	fg_arena_free(&a);
	free(js);

	char *text = NULL;
	CAPTURE(text, fg_diff_text(&d, out, false));
	CHECK(strstr(text, "Findings: 2 new, 2 fixed, 2 unchanged") != NULL);
	CHECK(strstr(text, "downgraded openssl 1.1.1k -> 1.1.1d") != NULL);
	CHECK(strstr(text, "x R 2: fail -> pass") != NULL);
	CHECK(strstr(text, "changed  /m (mode 0755 -> 4755)") != NULL);
	free(text);

	char *html = NULL;
	CAPTURE(html, fg_diff_html(&d, out, FG_SEV_HIGH));
	CHECK(!strstr(html, "<script>alert"));
	CHECK(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
	CHECK(strstr(html, "data-fingerprint=\"D\"") != NULL && strstr(html, "data-state=\"fixed\"") != NULL);
	CHECK(strstr(html, "FAIL") != NULL);
	free(html);
	fg_diff_free(&d);
	fg_diff_side_free(o);
	fg_diff_side_free(n);
}

/* Each bad report is refused with a message naming what is wrong. */
TEST(bad_reports_are_refused_with_a_reason)
{
	static const struct { const char *json, *want; } bad[] = {
		{ "{\"schema\": \"firmgate-diff/1\", \"findings\": []}", "schema is 'firmgate-diff/1'" },
		{ "{\"findings\": []}", "no \"schema\" member" },
		{ "{\"schema\": \"firmgate-report/1\"}", "'findings' is missing" },
		{ "{\"schema\": \"firmgate-report/1\", \"findings\": [{\"check_id\": \"a\", \"severity\": \"high\", "
		  "\"path\": \"/\"}]}", "findings[0]: member 'fingerprint' is missing" },
		{ "{\"schema\": \"firmgate-report/1\", \"findings\": [{\"check_id\": \"a\", \"severity\": \"dire\", "
		  "\"path\": \"/\", \"fingerprint\": \"f\"}]}", "findings[0]: unknown severity 'dire'" },
		{ "{\"schema\": \"firmgate-report/1\", \"findings\": [], \"components\": [{\"name\": 7}]}",
		  "components[0]: member 'name' is not a string" },
		{ "{\"schema\": \"firmgate-report/1\", \"findings\": [3]}", "findings[0] is not an object" },
		{ "{\"schema\": \"firmgate-report/1\", \"findings\": {}}", "'findings' is not an array" },
		{ "{\"schema\": \"firmgate-report/1\", \"findings\": [], \"findings\": []}", "appears twice" },
		{ "{\"schema\": \"firmgate-report/1\", \"findings\": [", "not a readable JSON report" },
		{ "{\"schema\": \"firmgate-report/1\", \"findings\": []} trailing", "not a readable JSON report" },
		{ "[]", "not a readable JSON report" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[512] = "";
		fg_diff_side *s = fg_diff_side_from_buffer(bad[i].json, strlen(bad[i].json), "r.json", err, sizeof(err));
		CHECK(s == NULL);
		if (!strstr(err, bad[i].want) || strncmp(err, "r.json: ", 8) != 0) {
			fprintf(stderr, "case %zu: got \"%s\", want \"%s\"\n", i, err, bad[i].want);
			CHECK(0);
		}
		fg_diff_side_free(s);
	}
}

TEST(reports_are_told_from_images_by_content)
{
	const char *base = getenv("FG_TEST_TMP");
	char dir[512], path[600];
	snprintf(dir, sizeof(dir), "%s/diff-XXXXXX", base ? base : "/tmp");
	if (base)
		mkdir(base, 0755);
	REQUIRE(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/r.json", dir);
	FILE *f = fopen(path, "w");
	REQUIRE(f);
	fputs("\n  \t{\"schema\": \"firmgate-report/1\", \"findings\": []}\n", f);
	fclose(f);
	CHECK(fg_diff_is_report(path));
	char err[512];
	fg_diff_side *s = fg_diff_side_from_report(path, err, sizeof(err));
	CHECK(s && !s->has_files && s->findings.n == 0);
	fg_diff_side_free(s);
	unlink(path);
	f = fopen(path, "w");
	REQUIRE(f);
	fputs("hsqs\x01\x02", f);
	fclose(f);
	CHECK(!fg_diff_is_report(path));
	unlink(path);
	CHECK(!fg_diff_is_report(dir)); /* a directory is scanned */
	CHECK(!fg_diff_is_report("/nonexistent/firmgate"));
	CHECK(fg_diff_side_from_report("/nonexistent/r.json", err, sizeof(err)) == NULL);
	CHECK(strstr(err, "/nonexistent/r.json") != NULL);
	rmdir(dir);
}

/* A scan result becomes a side: files hashed, hard links as the file they
 * share, symlinks by target, only affected vulnerabilities. */
TEST(a_scan_result_becomes_a_side)
{
	fg_result *r = fg_result_new(NULL);
	fg_node *root = fg_node_new(&r->tree, "rootfs", 6, FG_NODE_DIR);
	root->flags = FG_NODE_FSROOT | FG_NODE_FILESYSTEM;
	r->tree.root = root;
	r->input_name = "rootfs";
	fg_node *f = fg_tree_mkpath(&r->tree, root, "bin/busybox", FG_NODE_FILE);
	f->data = (const uint8_t *)"abc";
	f->data_len = 3;
	f->mode = 04755;
	fg_node *h = fg_tree_mkpath(&r->tree, root, "sbin/init", FG_NODE_HARDLINK);
	h->link_target = "/bin/busybox";
	fg_node *l = fg_tree_mkpath(&r->tree, root, "bin/sh", FG_NODE_SYMLINK);
	l->link_target = "busybox";
	l->mode = 0777;
	fg_fsinfo fs = { .root = root, .chain = "rootfs" };
	FG_VEC_PUSH(&r->filesystems, fs);
	fg_component c = { .name = "busybox", .version = "1.36.1", .type = "application" };
	FG_VEC_PUSH(&r->components, c);
	fg_vuln_match v = { .component = 0, .id = "CVE-A", .cvss = -1, .epss = -1, .status = FG_VULN_AFFECTED };
	FG_VEC_PUSH(&r->vulns, v);
	v.id = "CVE-B";
	v.status = FG_VULN_NOT_AFFECTED;
	FG_VEC_PUSH(&r->vulns, v);
	fg_finding fd = { .check_id = "x.y", .severity = FG_SEV_HIGH, .path = "/bin/busybox", .fingerprint = "F1",
			  .container = "rootfs", .message = "m" };
	FG_VEC_PUSH(&r->findings, fd);

	fg_diff_side *s = fg_diff_side_from_result(r, "rootfs/");
	fg_result_free(r); /* the side owns copies */
	REQUIRE(s);
	CHECK_STR_EQ(s->source, "image");
	CHECK_STR_EQ(s->input, "rootfs");
	CHECK(s->has_files);
	REQUIRE(s->files.n == 3);
	/* tree order: /bin/busybox, /bin/sh, /sbin/init */
	static const char abc_sha[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	CHECK_STR_EQ(s->files.v[0].path, "/bin/busybox");
	CHECK_STR_EQ(s->files.v[0].sha256, abc_sha);
	CHECK_INT_EQ(s->files.v[0].mode, 04755);
	CHECK_STR_EQ(s->files.v[1].path, "/bin/sh");
	CHECK_STR_EQ(s->files.v[1].target, "busybox");
	CHECK(s->files.v[1].sha256 == NULL);
	CHECK_STR_EQ(s->files.v[2].path, "/sbin/init");
	CHECK_STR_EQ(s->files.v[2].sha256, abc_sha);
	CHECK_INT_EQ(s->files.v[2].mode, 04755);
	REQUIRE(s->vulns.n == 1);
	CHECK_STR_EQ(s->vulns.v[0].id, "CVE-A");
	CHECK_STR_EQ(s->vulns.v[0].version, "1.36.1");
	REQUIRE(s->findings.n == 1);
	CHECK_STR_EQ(s->findings.v[0].fingerprint, "F1");
	fg_diff_side_free(s);
}

/* A saved report's suppressions carry over: a suppressed new finding is
 * listed and marked but does not count for the gate. */
TEST(suppressed_new_findings_do_not_count_for_the_gate)
{
	static const char with_sup[] =
		"{\"schema\": \"firmgate-report/1\", \"input\": {\"name\": \"fw-1.2.bin\"},\n"
		" \"components\": [], \"findings\": [\n"
		"  {\"check_id\": \"d.four\", \"severity\": \"critical\", \"path\": \"/etc/d\", \"fingerprint\": \"D\",\n"
		"   \"suppression\": {\"justification\": \"factory account, PRJ-12\", \"owner\": \"a@b\"}},\n"
		"  {\"check_id\": \"f.six\", \"severity\": \"high\", \"path\": \"/f\", \"fingerprint\": \"F\",\n"
		"   \"suppression\": {\"justification\": null}},\n"
		"  {\"check_id\": \"g.seven\", \"severity\": \"high\", \"path\": \"/g\", \"fingerprint\": \"G\",\n"
		"   \"suppression\": null}]}\n";
	fg_diff_side *o = side(old_report, "old.json"), *n = side(with_sup, "new.json");
	REQUIRE(o && n);
	fg_diff d;
	fg_diff_compare(o, n, &d);
	CHECK_INT_EQ(d.findings_new.n, 3);
	CHECK_INT_EQ(d.new_suppressed, 2);
	CHECK_INT_EQ(fg_diff_new_at_least(&d, FG_SEV_HIGH), 1); /* G only */
	CHECK_INT_EQ(fg_diff_new_at_least(&d, FG_SEV_CRITICAL), 0);
	char *text = NULL, *json = NULL;
	CAPTURE(text, fg_diff_text(&d, out, false));
	CAPTURE(json, fg_diff_json(&d, out, FG_SEV_HIGH));
	REQUIRE(text && json);
	CHECK(strstr(text, "[suppressed: factory account, PRJ-12]") != NULL);
	CHECK(strstr(text, "f.six  /f  [suppressed]") != NULL);
	CHECK(strstr(text, "(2 of the new suppressed)") != NULL);
	fg_arena a;
	fg_arena_init(&a);
	char jerr[256];
	fg_json *doc = fg_json_parse(json, strlen(json), &a, jerr, sizeof(jerr));
	REQUIRE(doc);
	const fg_json *sum = fg_json_get(fg_json_get(doc, "summary"), "findings");
	double v = -1;
	CHECK(fg_json_getnum(sum, "new_suppressed", &v) && v == 2);
	const fg_json *sev = fg_json_get(fg_json_get(doc, "summary"), "new_by_severity");
	CHECK(fg_json_getnum(sev, "critical", &v) && v == 0);
	CHECK(fg_json_getnum(sev, "high", &v) && v == 1);
	fg_arena_free(&a);
	free(text);
	free(json);
	fg_diff_free(&d);
	fg_diff_side_free(o);
	fg_diff_side_free(n);

	/* anything but an object or null is refused */
	static const char bad[] =
		"{\"schema\": \"firmgate-report/1\", \"findings\": [\n"
		"  {\"check_id\": \"x\", \"severity\": \"low\", \"path\": \"/x\", \"fingerprint\": \"X\", \"suppression\": 1}]}";
	char err[512] = "";
	CHECK(fg_diff_side_from_buffer(bad, strlen(bad), "bad.json", err, sizeof(err)) == NULL);
	CHECK(strstr(err, "suppression") != NULL);
}
