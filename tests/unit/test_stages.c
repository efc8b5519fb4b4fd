/* Inventory readers, version ordering, compliance verdicts, JSON writer. */
#include <stdio.h>
#include <stdlib.h>

#include "test.h"
#include "checks/check.h"
#include "compliance/evaluate.h"
#include "core/result.h"
#include "inventory/inventory.h"
#include "inventory/textscan.h"
#include "report/jsonw.h"
#include "vulns/vulns.h"

TEST(version_order_of_embedded_schemes)
{
	CHECK(fg_version_cmp("1.0.2k", "1.0.2") > 0);     /* OpenSSL letter releases */
	CHECK(fg_version_cmp("1.0.2k", "1.0.2q") < 0);
	CHECK(fg_version_cmp("1.0.2q", "1.1.0") < 0);
	CHECK(fg_version_cmp("2017.75", "2018.76") < 0);  /* dropbear */
	CHECK(fg_version_cmp("2.78", "2.8") > 0);         /* dnsmasq: numeric, not text */
	CHECK(fg_version_cmp("4.14.180", "4.14.18") > 0);
	CHECK(fg_version_cmp("5.0-rc2", "5.0") < 0);
	CHECK(fg_version_cmp("5.0-rc2", "5.0-rc10") < 0);
	CHECK(fg_version_cmp("2.1-devel", "2.1") < 0);
	CHECK(fg_version_cmp("2.1-devel", "2.0") > 0);
	CHECK(fg_version_cmp("1.28.4", "1.28.4") == 0);
	CHECK(fg_version_cmp("1.2", "1.2.0") < 0);
	CHECK(fg_version_cmp("20230101", "20221231") > 0);
	CHECK(fg_version_cmp("", "1") < 0);
	CHECK(fg_version_cmp(NULL, NULL) == 0);
}

TEST(kv_and_version_scanning)
{
	static const char osr[] = "NAME=\"OpenWrt\"\n  VERSION_ID='18.06.2'\r\nID=openwrt\nEMPTY=\n";
	char v[64];
	CHECK(fg_kv_get((const uint8_t *)osr, sizeof(osr) - 1, "NAME", v, sizeof(v)));
	CHECK_STR_EQ(v, "OpenWrt");
	CHECK(fg_kv_get((const uint8_t *)osr, sizeof(osr) - 1, "VERSION_ID", v, sizeof(v)));
	CHECK_STR_EQ(v, "18.06.2");
	CHECK(fg_kv_get((const uint8_t *)osr, sizeof(osr) - 1, "EMPTY", v, sizeof(v)));
	CHECK_STR_EQ(v, "");
	CHECK(!fg_kv_get((const uint8_t *)osr, sizeof(osr) - 1, "VERSION", v, sizeof(v)));
	CHECK(fg_kv_get((const uint8_t *)osr, sizeof(osr) - 1, "NAME", v, 4));
	CHECK_STR_EQ(v, "Ope");

	static const char bin[] = "\x7f" "ELF\0\0BusyBox vX\0BusyBox v1.35.0 (2023-01-01) multi-call";
	CHECK(fg_find_version_after((const uint8_t *)bin, sizeof(bin) - 1, "BusyBox v", v, sizeof(v)));
	CHECK_STR_EQ(v, "1.35.0");
	CHECK(!fg_find_version_after((const uint8_t *)"BusyBox v", 9, "BusyBox v", v, sizeof(v)));
}

static fg_node *add_file(fg_result *r, fg_node *root, const char *path, const char *text)
{
	fg_node *n = fg_tree_mkpath(&r->tree, root, path, FG_NODE_FILE);
	n->data = (const uint8_t *)text;
	n->data_len = strlen(text);
	return n;
}

static fg_node *new_root(fg_result *r)
{
	fg_node *root = fg_node_new(&r->tree, "rootfs", 6, FG_NODE_DIR);
	root->flags = FG_NODE_FSROOT | FG_NODE_FILESYSTEM;
	r->tree.root = root;
	return root;
}

TEST(inventory_reads_os_release_and_busybox)
{
	fg_result *r = fg_result_new(NULL);
	fg_node *root = new_root(r);
	add_file(r, root, "usr/lib/os-release", "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n");
	fg_node *link = fg_tree_mkpath(&r->tree, root, "etc/os-release", FG_NODE_SYMLINK);
	link->link_target = "../usr/lib/os-release";
	add_file(r, root, "bin/busybox", "junk BusyBox v1.36.1 (Debian 1:1.36.1-3) multi-call binary");
	fg_inventory_tree(&r->tree, root, &r->arena, &r->components);
	REQUIRE(r->components.n == 2);
	CHECK_STR_EQ(r->components.v[0].name, "Debian GNU/Linux");
	CHECK_STR_EQ(r->components.v[0].version, "12");
	CHECK_STR_EQ(r->components.v[0].path, "/etc/os-release");
	CHECK_STR_EQ(r->components.v[1].name, "busybox");
	CHECK_STR_EQ(r->components.v[1].version, "1.36.1");
	CHECK_STR_EQ(r->components.v[1].cpe, "cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*");
	fg_result_free(r);
}

TEST(catalog_matches_the_reference_counts)
{
	/* counts of data/standards/catalog.tsv, regenerated from the reference */
	static const struct { const char *id; size_t n; } want[] = {
		{ "etsi-en-303-645", 68 }, { "etsi-en-303-645-v3", 78 }, { "uk-psti", 14 },
		{ "nist-ir-8259a", 21 },
		{ "nist-ir-8259b", 14 }, { "nist-ir-8425", 10 }, { "iotsf-af", 106 },
		{ "ci-trust-by-design", 11 }, { "sg-imda-iot", 12 }, { "sg-csa-cls", 4 },
		{ "jp-iot-guidelines", 18 }, { "au-code-of-practice", 13 }, { "enisa-baseline", 70 },
		{ "enisa-sdlc", 15 }, { "psa-goals", 10 }, { "psa-level1", 32 }, { "eu-cra", 22 },
		{ "en-18031", 15 }, { "owasp-iot-top10", 10 }, { "ca-sb327", 3 },
	};
	CHECK_INT_EQ(fg_standard_count(), sizeof(want) / sizeof(want[0]));
	size_t total = 0;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const fg_standard *s = fg_standard_find(want[i].id);
		REQUIRE(s);
		CHECK_INT_EQ(s->count, want[i].n);
		total += s->count;
		for (size_t k = 0; k < s->count; k++)
			CHECK_STR_EQ(fg_requirement_at(s->first + k)->standard, want[i].id);
	}
	CHECK_INT_EQ(fg_requirement_count(), total);
}

static const fg_requirement *req(const char *std, const char *id)
{
	for (size_t i = 0; i < fg_requirement_count(); i++) {
		const fg_requirement *r = fg_requirement_at(i);
		if (!strcmp(r->standard, std) && !strcmp(r->id, id))
			return r;
	}
	return NULL;
}

TEST(requirements_resolve_their_checks)
{
	const fg_requirement *r = req("etsi-en-303-645", "5.1-1");
	REQUIRE(r);
	CHECK(r->cls == FG_REQ_FW);
	CHECK_STR_EQ(r->level, "mandatory-conditional");
	bool def = false, empty = false;
	for (size_t i = 0; i < r->nchecks; i++) {
		def |= !strcmp(r->checks[i], "credentials.default-password");
		empty |= !strcmp(r->checks[i], "credentials.empty-password");
	}
	CHECK(def && empty);
	r = req("uk-psti", "Sch 1 para 2");
	REQUIRE(r);
	CHECK(r->cls == FG_REQ_DECL);
}

static const fg_verdict *verdict(const fg_result *r, const char *std, const char *id)
{
	for (size_t i = 0; i < r->verdicts.n; i++)
		if (!strcmp(r->verdicts.v[i].standard, std) && !strcmp(r->verdicts.v[i].requirement, id))
			return &r->verdicts.v[i];
	return NULL;
}

TEST(compliance_verdict_rules)
{
	/* no file tree at all: nothing firmware-based can be determined */
	fg_result *r = fg_result_new(NULL);
	fg_compliance_evaluate(r);
	CHECK_INT_EQ(r->verdicts.n, fg_requirement_count());
	CHECK(verdict(r, "etsi-en-303-645", "5.1-1")->status == FG_VERDICT_NOT_DETERMINED);
	CHECK(verdict(r, "uk-psti", "Sch 1 para 2")->status == FG_VERDICT_DECLARATION_MISSING);
	fg_result_free(r);

	/* checks ran, one password finding */
	r = fg_result_new(NULL);
	fg_fsinfo fs = {0};
	FG_VEC_PUSH(&r->filesystems, fs);
	for (size_t i = 0; i < fg_check_count(); i++)
		FG_VEC_PUSH(&r->checks_run, fg_check_at(i)->id);
	fg_finding f = { .check_id = "credentials.default-password", .severity = FG_SEV_CRITICAL };
	FG_VEC_PUSH(&r->findings, f);
	fg_finding info = { .check_id = "services.telnet", .severity = FG_SEV_INFO };
	FG_VEC_PUSH(&r->findings, info); /* informational: must not fail 5.6-1 */
	fg_compliance_evaluate(r);
	const fg_verdict *v = verdict(r, "etsi-en-303-645", "5.1-1");
	CHECK(v && v->status == FG_VERDICT_FAIL && v->findings == 1);
	CHECK(verdict(r, "uk-psti", "Sch 1 para 1(2)")->status == FG_VERDICT_FAIL);
	CHECK(verdict(r, "au-code-of-practice", "Principle 1")->status == FG_VERDICT_FAIL);
	v = verdict(r, "etsi-en-303-645", "5.6-1");
	CHECK(v && v->status == FG_VERDICT_PASS);
	CHECK(v && strstr(v->evidence, "services.telnet: ran, nothing found") != NULL);
	size_t counts[FG_VERDICT_KINDS];
	fg_compliance_summary(r, "uk-psti", 1, counts);
	CHECK(counts[FG_VERDICT_FAIL] >= 1);
	fg_result_free(r);

	/* --standard selects */
	fg_options o;
	fg_options_default(&o);
	o.standards = "uk-psti,ca-sb327";
	r = fg_result_new(&o);
	fg_compliance_evaluate(r);
	CHECK_INT_EQ(r->verdicts.n, 14 + 3);
	fg_result_free(r);
}

TEST(json_writer_escapes_and_nests)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fg_jsonw w;
	fg_jw_init(&w, f);
	fg_jw_obj(&w);
	fg_jw_kstr(&w, "s", "a\"b\\c\n\x01\xc3\xa9\xff");
	/* plain runs around escapes, DEL, and UTF-8 cut short at the end */
	fg_jw_kstr(&w, "t", "run\x7f\tend\xe2\x82");
	fg_jw_key(&w, "a");
	fg_jw_arr(&w);
	fg_jw_int(&w, -3);
	fg_jw_uint(&w, 18446744073709551615ull);
	fg_jw_null(&w);
	fg_jw_arr_end(&w);
	fg_jw_key(&w, "e");
	fg_jw_obj(&w);
	fg_jw_obj_end(&w);
	fg_jw_obj_end(&w);
	fclose(f);
	CHECK_STR_EQ(buf, "{\n  \"s\": \"a\\\"b\\\\c\\n\\u0001\xc3\xa9\\ufffd\",\n"
			  "  \"t\": \"run\\u007f\\tend\\ufffd\\ufffd\",\n  \"a\": [\n    -3,\n"
			  "    18446744073709551615,\n    null\n  ],\n  \"e\": {}\n}\n");
	free(buf);
}
