/* Vulnerabilities: version order, CPE criteria and ranges, AND/OR
 * configurations, aliases, false-positive controls, the JSON reader, the
 * importers (idempotent, atomic, hostile input), VEX. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "test.h"
#include "util/json.h"
#include "vulns/cpe.h"
#include "vulns/db.h"
#include "vulns/import.h"
#include "vulns/matcher.h"
#include "vulns/tables.h"
#include "vulns/vex.h"
#include "vulns/vulns.h"

/* ---- helpers ---------------------------------------------------------- */

static char tmpdir[512];

static const char *tmp_path(const char *name)
{
	static char buf[16][1024];
	static int k;
	if (!tmpdir[0]) {
		const char *base = getenv("FG_TEST_TMP");
		snprintf(tmpdir, sizeof(tmpdir), "%s/vulns-%ld", base && *base ? base : "/tmp", (long)getpid());
		mkdir(base && *base ? base : "/tmp", 0755);
		mkdir(tmpdir, 0755);
	}
	k = (k + 1) % 16;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void write_gz(const char *path, const char *text)
{
	gzFile g = gzopen(path, "wb");
	if (g) {
		gzputs(g, text);
		gzclose(g);
	}
}

/* A fresh database at NAME holding the given files; returns 0 on success. */
static int import_files(fg_vdb *db, const char *const *files, size_t n, fg_vimport_stats *st, char *err, size_t errlen)
{
	fg_vimport *im = fg_vimport_begin(db, err, errlen);
	if (!im)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (fg_vimport_file(im, files[i], NULL, err, errlen) != 0) {
			fg_vimport_rollback(im);
			return -1;
		}
	}
	return fg_vimport_commit(im, st, err, errlen);
}

static int open_fresh(fg_vdb *db, const char *name)
{
	char err[512];
	const char *p = tmp_path(name);
	unlink(p);
	int rc = fg_vdb_open(db, p, true, err, sizeof(err));
	if (rc)
		fprintf(stderr, "open: %s\n", err);
	return rc;
}

/* An NVD 2.0 record with one configuration given as JSON text. */
static char *nvd_record(const char *id, const char *modified, const char *configs)
{
	char *buf = malloc(8192);
	snprintf(buf, 8192,
		 "{\"id\":\"%s\",\"sourceIdentifier\":\"test\",\"published\":\"2020-01-01T00:00:00.000\","
		 "\"lastModified\":\"%s\",\"vulnStatus\":\"Analyzed\","
		 "\"descriptions\":[{\"lang\":\"en\",\"value\":\"Test record %s.\"}],"
		 "\"metrics\":{\"cvssMetricV31\":[{\"source\":\"nvd@nist.gov\",\"type\":\"Primary\","
		 "\"cvssData\":{\"version\":\"3.1\",\"vectorString\":\"CVSS:3.1/AV:N\",\"baseScore\":7.5,"
		 "\"baseSeverity\":\"HIGH\"}}]},"
		 "\"configurations\":%s}",
		 id, modified, id, configs);
	return buf;
}

typedef struct mresult {
	fg_arena arena;
	fg_vuln_vec out;
} mresult;

static int run_match(fg_vdb *db, const fg_vsubject *s, size_t n, mresult *r)
{
	char err[512];
	memset(r, 0, sizeof(*r));
	fg_arena_init(&r->arena);
	fg_vmatcher *m = fg_vmatcher_new(db, err, sizeof(err));
	if (!m)
		return -1;
	int rc = fg_vmatcher_run(m, s, n, 0, &r->arena, &r->out, NULL, NULL, err, sizeof(err));
	if (rc)
		fprintf(stderr, "match: %s\n", err);
	fg_vmatcher_free(m);
	return rc;
}

static void mresult_free(mresult *r)
{
	FG_VEC_FREE(&r->out);
	fg_arena_free(&r->arena);
}

static const fg_vuln_match *find(const mresult *r, size_t comp, const char *id)
{
	for (size_t i = 0; i < r->out.n; i++)
		if (r->out.v[i].component == comp && !strcmp(r->out.v[i].id, id))
			return &r->out.v[i];
	return NULL;
}

/* ---- version order ---------------------------------------------------- */

TEST(version_order_embedded_schemes)
{
	/* OpenSSL letter releases, including single letters a/b and two-letter ones */
	CHECK(fg_version_cmp("1.0.2a", "1.0.2") > 0);
	CHECK(fg_version_cmp("1.0.2b", "1.0.2a") > 0);
	CHECK(fg_version_cmp("1.0.2k", "1.0.2q") < 0);
	CHECK(fg_version_cmp("1.0.2q", "1.0.2zh") < 0);
	CHECK(fg_version_cmp("1.0.2z", "1.0.2zh") < 0);
	CHECK(fg_version_cmp("1.0.2zh", "1.0.3") < 0);
	CHECK(fg_version_cmp("1.1.1u", "1.1.1") > 0);
	/* dropbear dates, dnsmasq two-part numbers, kernel */
	CHECK(fg_version_cmp("2017.75", "2017.75") == 0);
	CHECK(fg_version_cmp("2016.74", "2017.75") < 0);
	CHECK(fg_version_cmp("2020.81", "2020.79") > 0);
	CHECK(fg_version_cmp("2.73", "2.77") < 0);
	CHECK(fg_version_cmp("2.80", "2.8") > 0);
	CHECK(fg_version_cmp("2.90", "2.9") > 0);
	CHECK(fg_version_cmp("4.14.180", "4.14.99") > 0);
	CHECK(fg_version_cmp("5.10.102", "5.10.99") > 0);
	/* pre-releases */
	CHECK(fg_version_cmp("6.2-rc1", "6.2") < 0);
	CHECK(fg_version_cmp("6.2-rc1", "6.1.99") > 0);
	CHECK(fg_version_cmp("6.2-rc3", "6.2rc3") == 0);
	CHECK(fg_version_cmp("2.78test3", "2.78") < 0);
	CHECK(fg_version_cmp("2.78test3", "2.77") > 0);
	CHECK(fg_version_cmp("1.0-pre1", "1.0") < 0);
	CHECK(fg_version_cmp("1.0a1", "1.0") < 0);   /* alpha: a letter followed by a digit */
	CHECK(fg_version_cmp("1.0b2", "1.0a1") > 0);
	CHECK(fg_version_cmp("2.1-devel", "2.4") < 0);
	CHECK(fg_version_cmp("v2.1-devel", "2.1-devel") == 0);
	CHECK(fg_version_cmp("v2.1", "2.1") == 0);
	/* OpenSSH patch level */
	CHECK(fg_version_cmp("7.4p1", "7.4") > 0);
	CHECK(fg_version_cmp("7.4p1", "7.5") < 0);
	/* Debian epochs */
	CHECK(fg_version_cmp("1:1.36.1", "1.99") > 0);
	CHECK(fg_version_cmp("1:1.36.1", "1:1.36.1") == 0);
	CHECK(fg_version_cmp("2:1.0", "1:9.9") > 0);
	/* dates */
	CHECK(fg_version_cmp("2019-10-01", "2019.10.01") == 0);
	CHECK(fg_version_cmp("20190101", "20181231") > 0);
	/* symmetry over a sample */
	static const char *const vs[] = { "1.0.2", "1.0.2a", "1.0.2zh", "2.1-devel", "2.1", "5.0-rc2", "2017.75", "1:1.0", "" };
	for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++)
		for (size_t j = 0; j < sizeof(vs) / sizeof(vs[0]); j++)
			CHECK(fg_version_cmp(vs[i], vs[j]) == -fg_version_cmp(vs[j], vs[i]));
}

/* ---- CPE -------------------------------------------------------------- */

TEST(cpe_parsing)
{
	fg_vcpe c;
	CHECK(fg_vcpe_parse("cpe:2.3:a:thekelleys:dnsmasq:2.73:*:*:*:*:*:*:*", &c));
	CHECK_STR_EQ(c.f[FG_VCPE_PART], "a");
	CHECK_STR_EQ(c.f[FG_VCPE_VENDOR], "thekelleys");
	CHECK_STR_EQ(c.f[FG_VCPE_PRODUCT], "dnsmasq");
	CHECK_STR_EQ(c.f[FG_VCPE_VERSION], "2.73");
	CHECK(fg_vcpe_parse("cpe:2.3:o:linux:linux_kernel:6.2:rc1:*:*:*:*:*:*", &c));
	CHECK_STR_EQ(c.f[FG_VCPE_UPDATE], "rc1");
	/* escapes stay, vendor/product lower-cased */
	CHECK(fg_vcpe_parse("cpe:2.3:a:Foo:bar\\:baz:1.0\\-beta:*:*:*:*:*:*:*", &c));
	CHECK_STR_EQ(c.f[FG_VCPE_VENDOR], "foo");
	CHECK_STR_EQ(c.f[FG_VCPE_PRODUCT], "bar\\:baz");
	char un[64];
	fg_vcpe_unescape(c.f[FG_VCPE_VERSION], un, sizeof(un));
	CHECK_STR_EQ(un, "1.0-beta");
	/* 2.2 URI */
	CHECK(fg_vcpe_parse("cpe:/a:busybox:busybox:1.28.4", &c));
	CHECK_STR_EQ(c.f[FG_VCPE_PRODUCT], "busybox");
	CHECK_STR_EQ(c.f[FG_VCPE_VERSION], "1.28.4");
	CHECK_STR_EQ(c.f[FG_VCPE_UPDATE], "*");
	/* malformed */
	CHECK(!fg_vcpe_parse("cpe:2.3:a:x:y", &c));
	CHECK(!fg_vcpe_parse("cpe:2.3:q:x:y:1:*:*:*:*:*:*:*", &c));
	CHECK(!fg_vcpe_parse("cpe:2.3:a:x:y:1:*:*:*:*:*:*:*:extra", &c));
	CHECK(!fg_vcpe_parse("cpe:2.3:a:x:y:1:*:*:*:*:*:*:\\", &c));
	CHECK(!fg_vcpe_parse("not a cpe", &c));
	CHECK(!fg_vcpe_parse(NULL, &c));
	char big[2000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "cpe:2.3:a:", 10);
	CHECK(!fg_vcpe_parse(big, &c));
	/* empty vendor or product: malformed (fuzzing: used to write to a
	 * string constant) */
	CHECK(!fg_vcpe_parse("cpe:2.3:a::dnsmasq:2.73:*:*:*:*:*:*:*", &c));
	CHECK(!fg_vcpe_parse("cpe:2.3:a:thekelleys::2.73:*:*:*:*:*:*:*", &c));
	CHECK(!fg_vcpe_parse("cpe:/a::dnsmasq", &c));
	CHECK(fg_vcpe_parse("cpe:2.3:a:*:*:*:*:*:*:*:*:*:*", &c));
}

TEST(cpe_version_ranges)
{
	char rule[256];
	fg_vcpe_range r = { "*", "*", NULL, NULL, NULL, "2.78" };
	CHECK(fg_vcpe_range_check(&r, "2.73", rule, sizeof(rule)) == FG_VRANGE_IN);
	CHECK_STR_EQ(rule, "2.73 < 2.78");
	CHECK(fg_vcpe_range_check(&r, "2.78", rule, sizeof(rule)) == FG_VRANGE_OUT);
	CHECK(fg_vcpe_range_check(&r, "", rule, sizeof(rule)) == FG_VRANGE_UNKNOWN);
	fg_vcpe_range incl = { "*", "*", "1.16.0", NULL, "1.33.1", NULL };
	CHECK(fg_vcpe_range_check(&incl, "1.16.0", rule, sizeof(rule)) == FG_VRANGE_IN);
	CHECK(fg_vcpe_range_check(&incl, "1.33.1", rule, sizeof(rule)) == FG_VRANGE_IN);
	CHECK(fg_vcpe_range_check(&incl, "1.15.9", rule, sizeof(rule)) == FG_VRANGE_OUT);
	CHECK(fg_vcpe_range_check(&incl, "1.34.0", rule, sizeof(rule)) == FG_VRANGE_OUT);
	fg_vcpe_range excl = { "*", "*", NULL, "2.0", NULL, NULL };
	CHECK(fg_vcpe_range_check(&excl, "2.0", rule, sizeof(rule)) == FG_VRANGE_OUT);
	CHECK(fg_vcpe_range_check(&excl, "2.0.1", rule, sizeof(rule)) == FG_VRANGE_IN);
	/* OpenSSL letters against a letter bound */
	fg_vcpe_range ossl = { "*", "*", "1.0.2", NULL, NULL, "1.0.2zh" };
	CHECK(fg_vcpe_range_check(&ossl, "1.0.2q", rule, sizeof(rule)) == FG_VRANGE_IN);
	CHECK(fg_vcpe_range_check(&ossl, "1.0.2zh", rule, sizeof(rule)) == FG_VRANGE_OUT);
	CHECK(fg_vcpe_range_check(&ossl, "1.0.1u", rule, sizeof(rule)) == FG_VRANGE_OUT);
	/* exact versions, with an update */
	fg_vcpe_range exact = { "1.33.1", "*", NULL, NULL, NULL, NULL };
	CHECK(fg_vcpe_range_check(&exact, "1.33.1", rule, sizeof(rule)) == FG_VRANGE_IN);
	CHECK(fg_vcpe_range_check(&exact, "1.28.4", rule, sizeof(rule)) == FG_VRANGE_OUT);
	fg_vcpe_range rc = { "6.2", "rc1", NULL, NULL, NULL, NULL };
	CHECK(fg_vcpe_range_check(&rc, "6.2-rc1", rule, sizeof(rule)) == FG_VRANGE_IN);
	CHECK(fg_vcpe_range_check(&rc, "6.2", rule, sizeof(rule)) == FG_VRANGE_OUT);
	/* all versions, not applicable, wildcard */
	fg_vcpe_range all = { "*", "*", NULL, NULL, NULL, NULL };
	CHECK(fg_vcpe_range_check(&all, "9.9", rule, sizeof(rule)) == FG_VRANGE_ANY);
	fg_vcpe_range na = { "-", "*", NULL, NULL, NULL, NULL };
	CHECK(fg_vcpe_range_check(&na, "9.9", rule, sizeof(rule)) == FG_VRANGE_ANY);
	fg_vcpe_range wild = { "1.2.*", "*", NULL, NULL, NULL, NULL };
	CHECK(fg_vcpe_range_check(&wild, "1.2.7", rule, sizeof(rule)) == FG_VRANGE_IN);
	CHECK(fg_vcpe_range_check(&wild, "1.3.0", rule, sizeof(rule)) == FG_VRANGE_OUT);
}

TEST(upstream_version_of_packages)
{
	char v[128];
	bool distro;
	fg_vuln_upstream_version("7.88.1-10+deb12u15", "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u15?arch=amd64", v,
				 sizeof(v), &distro);
	CHECK_STR_EQ(v, "7.88.1");
	CHECK(distro);
	fg_vuln_upstream_version(NULL, "pkg:deb/debian/busybox@1:1.35.0-4%2Bb3", v, sizeof(v), &distro);
	CHECK_STR_EQ(v, "1.35.0");
	CHECK(distro);
	fg_vuln_upstream_version("2017.75", "pkg:generic/dropbear@2017.75", v, sizeof(v), &distro);
	CHECK_STR_EQ(v, "2017.75");
	CHECK(!distro);
	fg_vuln_upstream_version("2017.75-7.1", NULL, v, sizeof(v), &distro); /* OpenWrt revision: kept */
	CHECK_STR_EQ(v, "2017.75-7.1");
	CHECK(!distro);
}

/* ---- curated tables --------------------------------------------------- */

TEST(alias_table_shape_and_entries)
{
	size_t n = fg_alias_count();
	CHECK(n >= 40);
	for (size_t i = 0; i < n; i++) {
		const fg_alias *a = fg_alias_at(i);
		REQUIRE(a && a->name && a->vendor && a->product);
		CHECK(*a->vendor && *a->product && *a->name);
		for (const char *p = a->name; *p; p++)
			CHECK(!(*p >= 'A' && *p <= 'Z'));
		for (const char *p = a->vendor; *p; p++)
			CHECK(*p != ' ' && !(*p >= 'A' && *p <= 'Z'));
		for (const char *p = a->product; *p; p++)
			CHECK(*p != ' ' && *p != ':' && !(*p >= 'A' && *p <= 'Z'));
	}
	static const struct { const char *name, *vendor, *product; } want[] = {
		{ "dnsmasq", "thekelleys", "dnsmasq" },
		{ "dropbear", "dropbear_ssh_project", "dropbear_ssh" },
		{ "uClibc-ng", "uclibc-ng_project", "uclibc-ng" },
		{ "uclibc", "uclibc", "uclibc" },
		{ "busybox", "busybox", "busybox" },
		{ "hostapd", "w1.fi", "hostapd" },
		{ "wpa_supplicant", "w1.fi", "wpa_supplicant" },
		{ "OpenSSL", "openssl", "openssl" },
		{ "linux", "linux", "linux_kernel" },
		{ "lighttpd", "lighttpd", "lighttpd" },
		{ "samba", "samba", "samba" },
		{ "libupnp", "libupnp_project", "libupnp" },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const fg_alias *a[8];
		size_t k = fg_alias_lookup(want[i].name, a, 8);
		CHECK(k >= 1);
		bool found = false;
		for (size_t j = 0; j < k; j++)
			found |= !strcmp(a[j]->vendor, want[i].vendor) && !strcmp(a[j]->product, want[i].product);
		if (!found)
			fprintf(stderr, "alias %s -> %s:%s missing\n", want[i].name, want[i].vendor, want[i].product);
		CHECK(found);
	}
	/* both miniupnpd vendors; curl to both haxx products */
	const fg_alias *a[8];
	CHECK(fg_alias_lookup("miniupnpd", a, 8) == 2);
	CHECK(fg_alias_lookup("curl", a, 8) == 2);
	CHECK(fg_alias_lookup("no-such-component", a, 8) == 0);
	CHECK_STR_EQ(fg_alias_phrase("linux", "linux_kernel"), "linux kernel");
}

TEST(busybox_and_kernel_tables)
{
	/* every BusyBox CVE in the shared test data is mapped */
	static const char *const bb[] = {
		"CVE-2018-1000517", "CVE-2021-42373", "CVE-2021-42374", "CVE-2021-42375", "CVE-2021-42376",
		"CVE-2021-42377", "CVE-2021-42378", "CVE-2021-42379", "CVE-2021-42380", "CVE-2021-42381",
		"CVE-2021-42382", "CVE-2021-42383", "CVE-2021-42384", "CVE-2021-42385", "CVE-2021-42386",
		"CVE-2022-28391", "CVE-2022-48174",
	};
	for (size_t i = 0; i < sizeof(bb) / sizeof(bb[0]); i++)
		CHECK(fg_busybox_cve_applets(bb[i]) != NULL);
	CHECK(fg_word_in_list(fg_busybox_cve_applets("CVE-2021-42378"), "awk"));
	CHECK(fg_word_in_list(fg_busybox_cve_applets("CVE-2018-1000517"), "wget"));
	CHECK(fg_word_in_list(fg_busybox_cve_applets("CVE-2022-48174"), "ash"));
	CHECK(fg_busybox_cve_applets("CVE-2017-14491") == NULL);
	CHECK(fg_word_in_list("ash,awk wget\nls", "wget"));
	CHECK(!fg_word_in_list("ash,awk wget", "aw"));
	CHECK(fg_word_in_list(fg_kernel_cve_configs("CVE-2023-0386"), "CONFIG_OVERLAY_FS"));
	CHECK(fg_kernel_cve_configs("CVE-2022-0847") == NULL);
	static const char kc[] = "CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=m\nCONFIG_D=\"x\"\n";
	CHECK(fg_vuln_kconfig_value(kc, sizeof(kc) - 1, "CONFIG_A") == 'y');
	CHECK(fg_vuln_kconfig_value(kc, sizeof(kc) - 1, "CONFIG_B") == 'n');
	CHECK(fg_vuln_kconfig_value(kc, sizeof(kc) - 1, "CONFIG_C") == 'm');
	CHECK(fg_vuln_kconfig_value(kc, sizeof(kc) - 1, "CONFIG_D") == 'n');
	CHECK(fg_vuln_kconfig_value(kc, sizeof(kc) - 1, "CONFIG_ABSENT") == 'n');
	CHECK(fg_vuln_kconfig_value(kc, sizeof(kc) - 1, "CONFIG_") == 'n');
	CHECK(fg_vuln_kconfig_value(NULL, 0, "CONFIG_A") == 0);
}

/* ---- JSON reader ------------------------------------------------------ */

static bool parses(const char *text)
{
	fg_arena a;
	fg_arena_init(&a);
	char err[256];
	bool ok = fg_json_parse(text, strlen(text), &a, err, sizeof(err)) != NULL;
	fg_arena_free(&a);
	return ok;
}

TEST(json_reader_strict)
{
	CHECK(parses("{\"a\":[1,-2.5e3,true,false,null,\"x\"]}"));
	CHECK(parses(" [ ] "));
	CHECK(parses("\"\\u00e9\\ud83d\\ude00\""));
	CHECK(parses("0"));
	CHECK(!parses(""));
	CHECK(!parses("[1,]"));
	CHECK(!parses("{\"a\":1,}"));
	CHECK(!parses("[01]"));
	CHECK(!parses("[1.]"));
	CHECK(!parses("[.5]"));
	CHECK(!parses("[NaN]"));
	CHECK(!parses("{a:1}"));
	CHECK(!parses("[\"\\x\"]"));
	CHECK(!parses("[\"\\ud800\"]"));     /* lone surrogate */
	CHECK(!parses("[\"\xc3\x28\"]"));    /* invalid UTF-8 */
	CHECK(!parses("[\"\xe0\x80\x80\"]")); /* overlong */
	CHECK(!parses("[\"a\nb\"]"));        /* raw control character */
	CHECK(!parses("[1] [2]"));
	CHECK(!parses("[1"));
	CHECK(!parses("{\"a\" 1}"));
	CHECK(!parses("tru"));
	/* depth cap */
	char deep[300];
	memset(deep, '[', 150);
	memset(deep + 150, ']', 150);
	deep[299] = '\0';
	deep[298] = ']';
	CHECK(!parses(deep));
	/* values and access */
	fg_arena a;
	fg_arena_init(&a);
	char err[128];
	const char *doc = "{\"s\":\"a\\\"b\\u0000c\",\"n\":7.5,\"t\":true,\"o\":{\"k\":\"v\"}}";
	fg_json *v = fg_json_parse(doc, strlen(doc), &a, err, sizeof(err));
	REQUIRE(v);
	CHECK_STR_EQ(fg_json_gets(v, "s"), "a\"b\xef\xbf\xbd" "c");
	double d = 0;
	CHECK(fg_json_getnum(v, "n", &d) && d == 7.5);
	CHECK(fg_json_getbool(v, "t") == 1);
	CHECK(fg_json_getbool(v, "n") == -1);
	CHECK_STR_EQ(fg_json_gets(fg_json_get(v, "o"), "k"), "v");
	CHECK(fg_json_gets(v, "missing") == NULL);
	CHECK(fg_json_gets(NULL, "x") == NULL);
	fg_arena_free(&a);
}

TEST(json_reader_streams_across_windows)
{
	/* a gzip file whose strings straddle the 1 MiB window */
	const char *p = tmp_path("big.json.gz");
	gzFile g = gzopen(p, "wb");
	REQUIRE(g);
	gzputs(g, "{\"meta\":1,\"vulnerabilities\":[");
	size_t n = 3000;
	for (size_t i = 0; i < n; i++)
		gzprintf(g, "%s{\"k\":\"%0500zu\\n\\u00e9\"}", i ? "," : "", i);
	gzputs(g, "]}");
	gzclose(g);
	char err[256];
	fg_json_reader *r = fg_json_open_file(p, NULL, err, sizeof(err));
	REQUIRE(r);
	CHECK(fg_json_obj_begin(r));
	char key[64];
	size_t seen = 0;
	int more;
	while ((more = fg_json_obj_next(r, key, sizeof(key))) == 1) {
		if (!strcmp(key, "vulnerabilities")) {
			CHECK(fg_json_arr_begin(r));
			while (fg_json_arr_next(r) == 1) {
				fg_arena a;
				fg_arena_init(&a);
				fg_json *v = fg_json_read_value(r, &a);
				if (v && fg_json_gets(v, "k") && strlen(fg_json_gets(v, "k")) == 503)
					seen++;
				fg_arena_free(&a);
				if (!v)
					break;
			}
		} else {
			CHECK(fg_json_skip_value(r));
		}
	}
	CHECK(more == 0);
	CHECK(fg_json_finish(r));
	if (fg_json_failed(r))
		fprintf(stderr, "json: %s\n", fg_json_errmsg(r));
	CHECK_INT_EQ(seen, n);
	fg_json_close(r);
}

TEST(json_reader_survives_mutations)
{
	/* every single-byte corruption of a record either parses or fails cleanly */
	char *rec = nvd_record("CVE-2020-0001", "2020-01-01T00:00:00.000",
			       "[{\"nodes\":[{\"operator\":\"OR\",\"negate\":false,\"cpeMatch\":[{\"vulnerable\":true,"
			       "\"criteria\":\"cpe:2.3:a:x:y:*:*:*:*:*:*:*:*\",\"versionEndExcluding\":\"1.0\"}]}]}]");
	size_t len = strlen(rec);
	static const char bytes[] = { 0, '"', '\\', '{', '}', '[', ']', ',', ':', 'x', (char)0xff, (char)0xc3 };
	unsigned ok = 0, bad = 0;
	for (size_t i = 0; i < len; i += 3) {
		for (size_t b = 0; b < sizeof(bytes); b++) {
			char *m = malloc(len);
			memcpy(m, rec, len);
			m[i] = bytes[b];
			fg_arena a;
			fg_arena_init(&a);
			char err[256];
			if (fg_json_parse(m, len, &a, err, sizeof(err)))
				ok++;
			else
				bad++;
			fg_arena_free(&a);
			free(m);
		}
		/* truncations */
		fg_arena a;
		fg_arena_init(&a);
		char err[256];
		CHECK(fg_json_parse(rec, i, &a, err, sizeof(err)) == NULL);
		fg_arena_free(&a);
	}
	CHECK(ok > 0 && bad > 0);
	free(rec);
}

/* ---- database, importers ---------------------------------------------- */

static int64_t count_rows(fg_vdb *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static const char *query_text(fg_vdb *db, const char *sql, char *out, size_t outsz)
{
	sqlite3_stmt *st;
	out[0] = '\0';
	if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0))
		snprintf(out, outsz, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

#define CFG_LT(vendor, product, bound) \
	"[{\"nodes\":[{\"operator\":\"OR\",\"negate\":false,\"cpeMatch\":[{\"vulnerable\":true," \
	"\"criteria\":\"cpe:2.3:a:" vendor ":" product ":*:*:*:*:*:*:*:*\",\"versionEndExcluding\":\"" bound "\"}]}]}]"

TEST(schema_versions_and_migration)
{
	fg_vdb db;
	REQUIRE(open_fresh(&db, "schema.sqlite") == 0);
	CHECK_INT_EQ(count_rows(&db, "PRAGMA user_version"), FG_VDB_SCHEMA_VERSION);
	char err[512];
	CHECK(fg_vdb_exec(&db, "PRAGMA user_version = 99", err, sizeof(err)) == 0);
	fg_vdb_close(&db);
	CHECK(fg_vdb_open(&db, tmp_path("schema.sqlite"), false, err, sizeof(err)) != 0);
	CHECK(strstr(err, "newer") != NULL);
	CHECK(fg_vdb_open(&db, tmp_path("schema.sqlite"), true, err, sizeof(err)) != 0);
	/* not a database at all */
	write_text(tmp_path("junk.sqlite"), "this is not sqlite, not at all, really not");
	CHECK(fg_vdb_open(&db, tmp_path("junk.sqlite"), false, err, sizeof(err)) != 0);
	/* missing, read-only */
	CHECK(fg_vdb_open(&db, tmp_path("missing.sqlite"), false, err, sizeof(err)) != 0);
}

TEST(import_is_idempotent_and_upserts_by_date)
{
	fg_vdb db;
	REQUIRE(open_fresh(&db, "upsert.sqlite") == 0);
	char *r1 = nvd_record("CVE-2020-1000", "2020-01-01T00:00:00.000", CFG_LT("acme", "widget", "2.0"));
	write_text(tmp_path("r1.json"), r1);
	char err[512];
	fg_vimport_stats st;
	const char *f1[] = { tmp_path("r1.json") };
	REQUIRE(import_files(&db, f1, 1, &st, err, sizeof(err)) == 0);
	CHECK_INT_EQ(st.nvd_new, 1);
	CHECK(import_files(&db, f1, 1, &st, err, sizeof(err)) == 0);
	CHECK_INT_EQ(st.nvd_new, 0);
	CHECK_INT_EQ(st.nvd_unchanged, 1);
	CHECK_INT_EQ(count_rows(&db, "SELECT count(*) FROM cpe_match"), 1);
	/* a newer version replaces the configuration */
	char *r2 = nvd_record("CVE-2020-1000", "2021-05-05T10:00:00.000", CFG_LT("acme", "widget", "3.0"));
	write_text(tmp_path("r2.json"), r2);
	const char *f2[] = { tmp_path("r2.json") };
	CHECK(import_files(&db, f2, 1, &st, err, sizeof(err)) == 0);
	CHECK_INT_EQ(st.nvd_updated, 1);
	char buf[64];
	CHECK_STR_EQ(query_text(&db, "SELECT ve_excl FROM cpe_match", buf, sizeof(buf)), "3.0");
	CHECK_INT_EQ(count_rows(&db, "SELECT count(*) FROM cpe_match"), 1);
	/* an older one does not */
	CHECK(import_files(&db, f1, 1, &st, err, sizeof(err)) == 0);
	CHECK_INT_EQ(st.nvd_unchanged, 1);
	CHECK_STR_EQ(query_text(&db, "SELECT ve_excl FROM cpe_match", buf, sizeof(buf)), "3.0");
	CHECK_STR_EQ(query_text(&db, "SELECT data_date FROM source WHERE name='nvd'", buf, sizeof(buf)),
		     "2021-05-05T10:00:00.000");
	fg_vdb_close(&db);
	free(r1);
	free(r2);
}

TEST(import_formats)
{
	fg_vdb db;
	REQUIRE(open_fresh(&db, "formats.sqlite") == 0);
	/* NVD 2.0 feed (gzip), API page, 1.1 feed, KEV, EPSS (gzip, comment line), OSV array */
	char *a = nvd_record("CVE-2021-0001", "2021-01-01T00:00:00.000", CFG_LT("acme", "feed", "1.0"));
	char *b = nvd_record("CVE-2021-0002", "2021-01-01T00:00:00.000", "[]");
	char *feed = malloc(20000);
	snprintf(feed, 20000, "{\"resultsPerPage\":2,\"format\":\"NVD_CVE\",\"version\":\"2.0\","
		 "\"timestamp\":\"2021-02-02T00:00:00.000\",\"vulnerabilities\":[{\"cve\":%s},{\"cve\":%s}]}", a, b);
	write_gz(tmp_path("feed.json.gz"), feed);
	write_text(tmp_path("v11.json"),
		   "{\"CVE_data_type\":\"CVE\",\"CVE_Items\":[{\"cve\":{\"CVE_data_meta\":{\"ID\":\"CVE-2019-0003\","
		   "\"ASSIGNER\":\"x\"},\"problemtype\":{\"problemtype_data\":[{\"description\":[{\"lang\":\"en\","
		   "\"value\":\"CWE-79\"}]}]},\"description\":{\"description_data\":[{\"lang\":\"en\",\"value\":"
		   "\"Old feed.\"}]}},\"configurations\":{\"CVE_data_version\":\"4.0\",\"nodes\":[{\"operator\":"
		   "\"AND\",\"children\":[{\"operator\":\"OR\",\"cpe_match\":[{\"vulnerable\":true,\"cpe23Uri\":"
		   "\"cpe:2.3:a:acme:old:*:*:*:*:*:*:*:*\",\"versionEndIncluding\":\"1.1\"}]},{\"operator\":\"OR\","
		   "\"cpe_match\":[{\"vulnerable\":false,\"cpe23Uri\":\"cpe:2.3:o:acme:os:-:*:*:*:*:*:*:*\"}]}]}]},"
		   "\"impact\":{\"baseMetricV3\":{\"cvssV3\":{\"version\":\"3.0\",\"vectorString\":\"CVSS:3.0/AV:L\","
		   "\"baseScore\":5.5,\"baseSeverity\":\"MEDIUM\"}},\"baseMetricV2\":{\"cvssV2\":{\"vectorString\":"
		   "\"AV:N\",\"baseScore\":5.0},\"severity\":\"MEDIUM\"}},\"publishedDate\":\"2019-01-01T00:00Z\","
		   "\"lastModifiedDate\":\"2019-02-01T00:00Z\"}]}");
	write_text(tmp_path("kev.json"),
		   "{\"title\":\"KEV\",\"catalogVersion\":\"2025.01.01\",\"dateReleased\":\"2025-01-01T10:00:00.000Z\","
		   "\"count\":1,\"vulnerabilities\":[{\"cveID\":\"CVE-2021-0001\",\"vendorProject\":\"Acme\","
		   "\"product\":\"Feed\",\"vulnerabilityName\":\"x\",\"dateAdded\":\"2024-03-01\",\"shortDescription\":"
		   "\"y\",\"requiredAction\":\"patch\",\"dueDate\":\"2024-03-22\",\"knownRansomwareCampaignUse\":"
		   "\"Known\",\"notes\":\"\",\"cwes\":[\"CWE-787\"]}]}");
	write_gz(tmp_path("epss.csv.gz"), "#model_version:v2023.03.01,score_date:2024-05-01T00:00:00+0000\n"
					 "cve,epss,percentile\nCVE-2021-0001,0.97,0.999\nCVE-2021-0002,0.00043,0.1\n");
	write_text(tmp_path("osv.json"),
		   "[{\"schema_version\":\"1.6.0\",\"id\":\"DEBIAN-CVE-2021-0009\",\"modified\":\"2024-01-01T00:00:00Z\","
		   "\"aliases\":[\"CVE-2021-0009\"],\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":"
		   "\"widget\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":"
		   "\"1.2-3+deb12u1\"}]}]}]},"
		   "{\"id\":\"GHSA-xxxx-yyyy-zzzz\",\"modified\":\"2024-01-02T00:00:00Z\",\"affected\":[{\"package\":"
		   "{\"ecosystem\":\"PyPI\",\"name\":\"pyw\"},\"versions\":[\"0.9\",\"1.0\"]}]}]");
	const char *files[] = { tmp_path("feed.json.gz"), tmp_path("v11.json"), tmp_path("kev.json"),
				tmp_path("epss.csv.gz"), tmp_path("osv.json") };
	fg_vimport_stats st;
	char err[512];
	int rc = import_files(&db, files, 5, &st, err, sizeof(err));
	if (rc)
		fprintf(stderr, "%s\n", err);
	REQUIRE(rc == 0);
	CHECK_INT_EQ(st.nvd_new, 3);
	CHECK_INT_EQ(st.kev, 1);
	CHECK_INT_EQ(st.epss, 2);
	CHECK_INT_EQ(st.osv_new, 2);
	CHECK_INT_EQ(count_rows(&db, "SELECT has_config FROM cve WHERE id='CVE-2021-0002'"), 0);
	CHECK_INT_EQ(count_rows(&db, "SELECT count(*) FROM nocfg WHERE nocfg MATCH 'record'"), 1);
	char buf[128];
	CHECK_STR_EQ(query_text(&db, "SELECT cwe FROM cve WHERE id='CVE-2019-0003'", buf, sizeof(buf)), "CWE-79");
	CHECK_STR_EQ(query_text(&db, "SELECT cvss3_severity FROM cve WHERE id='CVE-2019-0003'", buf, sizeof(buf)), "medium");
	CHECK_STR_EQ(query_text(&db, "SELECT modified FROM cve WHERE id='CVE-2019-0003'", buf, sizeof(buf)),
		     "2019-02-01T00:00:00.000");
	CHECK_INT_EQ(count_rows(&db, "SELECT cfg_nodes FROM cpe_match WHERE cve='CVE-2019-0003' LIMIT 1"), 2);
	CHECK_STR_EQ(query_text(&db, "SELECT data_date FROM source WHERE name='epss'", buf, sizeof(buf)),
		     "2024-05-01T00:00:00.000");
	CHECK_STR_EQ(query_text(&db, "SELECT detail FROM source WHERE name='kev'", buf, sizeof(buf)),
		     "catalogVersion 2025.01.01");
	CHECK_INT_EQ(count_rows(&db, "SELECT count(*) FROM osv_affected"), 2);

	/* matching: KEV and EPSS joined, 1.1 AND config with a platform node,
	 * OSV by purl (Debian version), OSV explicit versions */
	fg_vsubject s[] = {
		{ .name = "feed", .version = "0.9", .cpe = "cpe:2.3:a:acme:feed:0.9:*:*:*:*:*:*:*" },
		{ .name = "old", .version = "1.0", .cpe = "cpe:2.3:a:acme:old:1.0:*:*:*:*:*:*:*" },
		{ .name = "widget", .version = "1.2-3", .purl = "pkg:deb/debian/widget@1.2-3?distro=debian-12" },
		{ .name = "pyw", .version = "1.0", .purl = "pkg:pypi/pyw@1.0" },
	};
	mresult m;
	REQUIRE(run_match(&db, s, 4, &m) == 0);
	const fg_vuln_match *v = find(&m, 0, "CVE-2021-0001");
	REQUIRE(v);
	CHECK(v->kev && v->kev_ransomware);
	CHECK_STR_EQ(v->kev_date_added, "2024-03-01T00:00:00.000");
	CHECK(v->epss > 0.96 && v->epss_percentile > 0.99);
	CHECK(v->confidence == FG_VCONF_HIGH);
	v = find(&m, 1, "CVE-2019-0003");
	REQUIRE(v);
	CHECK(strstr(v->rule, "platform, not verified") != NULL);
	CHECK(v->confidence == FG_VCONF_MEDIUM);
	v = find(&m, 2, "CVE-2021-0009");
	REQUIRE(v);
	CHECK_STR_EQ(v->source, "osv");
	CHECK(find(&m, 3, "GHSA-xxxx-yyyy-zzzz") != NULL);
	mresult_free(&m);
	/* the fixed Debian package is not matched */
	s[2].version = "1.2-3+deb12u1";
	s[2].purl = "pkg:deb/debian/widget@1.2-3%2Bdeb12u1";
	REQUIRE(run_match(&db, s, 4, &m) == 0);
	CHECK(find(&m, 2, "CVE-2021-0009") == NULL);
	mresult_free(&m);
	fg_vdb_close(&db);
	free(a);
	free(b);
	free(feed);
}

TEST(import_rejects_hostile_input_and_keeps_the_database)
{
	fg_vdb db;
	REQUIRE(open_fresh(&db, "hostile.sqlite") == 0);
	char *good = nvd_record("CVE-2020-2000", "2020-01-01T00:00:00.000", CFG_LT("acme", "good", "2.0"));
	write_text(tmp_path("good.json"), good);
	char err[512];
	fg_vimport_stats st;
	const char *fg[] = { tmp_path("good.json") };
	REQUIRE(import_files(&db, fg, 1, &st, err, sizeof(err)) == 0);

	char deep[2000];
	size_t o = (size_t)snprintf(deep, sizeof(deep), "{\"vulnerabilities\":[");
	for (int i = 0; i < 200; i++)
		deep[o++] = '[';
	deep[o] = '\0';
	const char *bad[] = {
		"",                                         /* empty */
		"garbage, not json",
		"{\"vulnerabilities\":[{\"cve\":{\"id\":\"CVE-2020-3000\"",   /* truncated */
		"{\"vulnerabilities\":[{\"cve\":{\"id\":\"not-a-cve\"}}]}",  /* invalid ID */
		"{\"some\":\"json\",\"but\":[\"nothing\",\"known\"]}",
		deep,
		"#model_version:x\ncve,epss,percentile\nCVE-2020-1,2.0,0.5\n",   /* probability > 1 */
		"cve,epss,percentile\nCVE-2020-0001,0.1\n",
		"[{\"cveID\":\"CVE-2\"}]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(tmp_path("bad.json"), bad[i]);
		const char *files[] = { tmp_path("r-new.json"), tmp_path("bad.json") };
		char *nw = nvd_record("CVE-2020-2001", "2020-01-01T00:00:00.000", CFG_LT("acme", "new", "2.0"));
		write_text(tmp_path("r-new.json"), nw);
		free(nw);
		CHECK(import_files(&db, files, 2, &st, err, sizeof(err)) != 0);
		/* the good record of the same import was rolled back */
		CHECK_INT_EQ(count_rows(&db, "SELECT count(*) FROM cve"), 1);
	}
	/* truncated gzip */
	char *nw = nvd_record("CVE-2020-2002", "2020-01-01T00:00:00.000", CFG_LT("acme", "gz", "2.0"));
	char *feed = malloc(10000);
	snprintf(feed, 10000, "{\"vulnerabilities\":[{\"cve\":%s}]}", nw);
	write_gz(tmp_path("t.json.gz"), feed);
	FILE *f = fopen(tmp_path("t.json.gz"), "r+b");
	REQUIRE(f);
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fclose(f);
	CHECK(truncate(tmp_path("t.json.gz"), sz / 2) == 0);
	const char *tf[] = { tmp_path("t.json.gz") };
	CHECK(import_files(&db, tf, 1, &st, err, sizeof(err)) != 0);
	CHECK_INT_EQ(count_rows(&db, "SELECT count(*) FROM cve"), 1);
	CHECK_STR_EQ(query_text(&db, "PRAGMA integrity_check", err, sizeof(err)), "ok");
	fg_vdb_close(&db);
	free(nw);
	free(feed);
	free(good);
}

/* ---- matching: configurations ----------------------------------------- */

TEST(match_and_or_configurations)
{
	fg_vdb db;
	REQUIRE(open_fresh(&db, "andor.sqlite") == 0);
	/* 1: app AND platform (non-vulnerable) -> matched, platform noted
	 * 2: app AND other vulnerable product -> only when that is in the image
	 * 3: single-node AND (CVE-2022-29503 shape) -> plain match
	 * 4: OR of two ranges -> either
	 * 5: negated node -> never for the platform it excludes
	 * 6: vulnerable:false entry of the product itself -> not a match */
	static const char *const cfg[] = {
		"[{\"operator\":\"AND\",\"nodes\":[{\"operator\":\"OR\",\"negate\":false,\"cpeMatch\":[{\"vulnerable\":true,"
		"\"criteria\":\"cpe:2.3:a:acme:app:*:*:*:*:*:*:*:*\",\"versionEndExcluding\":\"2.0\"}]},"
		"{\"operator\":\"OR\",\"negate\":false,\"cpeMatch\":[{\"vulnerable\":false,"
		"\"criteria\":\"cpe:2.3:o:acme:os:-:*:*:*:*:*:*:*\"}]}]}]",
		"[{\"operator\":\"AND\",\"nodes\":[{\"operator\":\"OR\",\"negate\":false,\"cpeMatch\":[{\"vulnerable\":true,"
		"\"criteria\":\"cpe:2.3:a:acme:app:*:*:*:*:*:*:*:*\",\"versionEndExcluding\":\"2.0\"}]},"
		"{\"operator\":\"OR\",\"negate\":false,\"cpeMatch\":[{\"vulnerable\":true,"
		"\"criteria\":\"cpe:2.3:a:acme:lib:*:*:*:*:*:*:*:*\",\"versionStartIncluding\":\"3.0\"}]}]}]",
		"[{\"operator\":\"AND\",\"nodes\":[{\"operator\":\"OR\",\"negate\":false,\"cpeMatch\":[{\"vulnerable\":true,"
		"\"criteria\":\"cpe:2.3:a:acme:app:1.5:*:*:*:*:*:*:*\"}]}]}]",
		"[{\"nodes\":[{\"operator\":\"OR\",\"negate\":false,\"cpeMatch\":[{\"vulnerable\":true,"
		"\"criteria\":\"cpe:2.3:a:acme:app:*:*:*:*:*:*:*:*\",\"versionStartIncluding\":\"1.0\",\"versionEndExcluding\":\"1.2\"},"
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:acme:app:*:*:*:*:*:*:*:*\",\"versionStartIncluding\":\"1.4\","
		"\"versionEndIncluding\":\"1.6\"}]}]}]",
		"[{\"operator\":\"AND\",\"nodes\":[{\"operator\":\"OR\",\"negate\":false,\"cpeMatch\":[{\"vulnerable\":true,"
		"\"criteria\":\"cpe:2.3:a:acme:app:*:*:*:*:*:*:*:*\"}]},"
		"{\"operator\":\"OR\",\"negate\":true,\"cpeMatch\":[{\"vulnerable\":false,"
		"\"criteria\":\"cpe:2.3:a:acme:lib:*:*:*:*:*:*:*:*\"}]}]}]",
		"[{\"nodes\":[{\"operator\":\"OR\",\"negate\":false,\"cpeMatch\":[{\"vulnerable\":false,"
		"\"criteria\":\"cpe:2.3:a:acme:app:*:*:*:*:*:*:*:*\"},{\"vulnerable\":true,"
		"\"criteria\":\"cpe:2.3:a:acme:other:*:*:*:*:*:*:*:*\"}]}]}]",
	};
	char files[6][64];
	const char *fl[6];
	for (int i = 0; i < 6; i++) {
		char id[32];
		snprintf(id, sizeof(id), "CVE-2022-%04d", 9000 + i + 1);
		char *r = nvd_record(id, "2022-01-01T00:00:00.000", cfg[i]);
		snprintf(files[i], sizeof(files[i]), "cfg%d.json", i + 1);
		write_text(tmp_path(files[i]), r);
		free(r);
		fl[i] = strdup(tmp_path(files[i]));
	}
	char err[512];
	fg_vimport_stats st;
	REQUIRE(import_files(&db, fl, 6, &st, err, sizeof(err)) == 0);
	for (int i = 0; i < 6; i++)
		free((void *)fl[i]);

	fg_vsubject alone[] = { { .name = "app", .version = "1.5", .cpe = "cpe:2.3:a:acme:app:1.5:*:*:*:*:*:*:*" } };
	mresult m;
	REQUIRE(run_match(&db, alone, 1, &m) == 0);
	const fg_vuln_match *v = find(&m, 0, "CVE-2022-9001");
	CHECK(v && strstr(v->rule, "platform") && v->confidence == FG_VCONF_MEDIUM);
	CHECK(find(&m, 0, "CVE-2022-9002") == NULL);     /* the other half is missing */
	CHECK(find(&m, 0, "CVE-2022-9003") != NULL);
	v = find(&m, 0, "CVE-2022-9004");
	CHECK(v && strstr(v->rule, "<= 1.6"));
	CHECK(find(&m, 0, "CVE-2022-9005") != NULL);     /* lib absent: the negated node holds */
	CHECK(find(&m, 0, "CVE-2022-9006") == NULL);
	mresult_free(&m);

	fg_vsubject pair[] = {
		{ .name = "app", .version = "1.1", .cpe = "cpe:2.3:a:acme:app:1.1:*:*:*:*:*:*:*" },
		{ .name = "lib", .version = "3.2", .cpe = "cpe:2.3:a:acme:lib:3.2:*:*:*:*:*:*:*" },
	};
	REQUIRE(run_match(&db, pair, 2, &m) == 0);
	v = find(&m, 0, "CVE-2022-9002");
	CHECK(v && strstr(v->rule, "another component"));
	CHECK(find(&m, 1, "CVE-2022-9002") != NULL);     /* both halves are vulnerable products */
	CHECK(find(&m, 0, "CVE-2022-9003") == NULL);     /* 1.1 != 1.5 */
	CHECK(find(&m, 0, "CVE-2022-9004") != NULL);     /* first range */
	CHECK(find(&m, 0, "CVE-2022-9005") == NULL);     /* lib present: negated node fails */
	mresult_free(&m);

	/* unknown version: every record of the product, confidence low */
	fg_vsubject unk[] = { { .name = "app", .version = "", .cpe = "cpe:2.3:a:acme:app:*:*:*:*:*:*:*:*" } };
	REQUIRE(run_match(&db, unk, 1, &m) == 0);
	v = find(&m, 0, "CVE-2022-9004");
	CHECK(v && v->confidence == FG_VCONF_LOW);
	mresult_free(&m);
	fg_vdb_close(&db);
}

TEST(match_false_positive_controls)
{
	fg_vdb db;
	REQUIRE(open_fresh(&db, "fp.sqlite") == 0);
	char *r1 = nvd_record("CVE-2021-42378", "2022-01-01T00:00:00.000", CFG_LT("busybox", "busybox", "1.34.0"));
	char *r2 = nvd_record("CVE-2018-1000517", "2022-01-01T00:00:00.000", CFG_LT("busybox", "busybox", "1.29.0"));
	char *r3 = nvd_record("CVE-2023-0386", "2022-01-01T00:00:00.000", CFG_LT("linux", "linux_kernel", "6.1.9"));
	char *r4 = nvd_record("CVE-2023-38545", "2022-01-01T00:00:00.000", CFG_LT("haxx", "libcurl", "8.4.0"));
	write_text(tmp_path("fp1.json"), r1);
	write_text(tmp_path("fp2.json"), r2);
	write_text(tmp_path("fp3.json"), r3);
	write_text(tmp_path("fp4.json"), r4);
	const char *fl[] = { strdup(tmp_path("fp1.json")), strdup(tmp_path("fp2.json")),
			     strdup(tmp_path("fp3.json")), strdup(tmp_path("fp4.json")) };
	char err[512];
	fg_vimport_stats st;
	REQUIRE(import_files(&db, fl, 4, &st, err, sizeof(err)) == 0);
	for (int i = 0; i < 4; i++)
		free((void *)fl[i]);
	static const char kcfg_off[] = "CONFIG_FOO=y\n# CONFIG_OVERLAY_FS is not set\n";
	static const char kcfg_on[] = "CONFIG_OVERLAY_FS=y\n";
	fg_vsubject s[] = {
		/* applet table known: wget in, awk out */
		{ .name = "busybox", .version = "1.28.4", .applets = "ash sh wget ls", .applets_source = "table",
		  .applets_complete = true },
		/* applets unknown: nothing filtered, said so */
		{ .name = "busybox", .version = "1.28.4" },
		/* applets from links only: lowered, not filtered */
		{ .name = "busybox", .version = "1.28.4", .applets = "sh", .applets_source = "links" },
		{ .name = "linux", .version = "5.16.2", .kconfig = kcfg_off, .kconfig_len = sizeof(kcfg_off) - 1,
		  .kconfig_source = "/boot/config-5.16.2" },
		{ .name = "linux", .version = "5.16.2", .kconfig = kcfg_on, .kconfig_len = sizeof(kcfg_on) - 1,
		  .kconfig_source = "/boot/config-5.16.2" },
		{ .name = "linux", .version = "5.16.2" },
		/* a Debian package: possibly fixed by a backport */
		{ .name = "curl", .version = "7.88.1-10+deb12u15",
		  .purl = "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u15?arch=amd64" },
		/* as the inventory gives packages: upstream version, full one in the purl */
		{ .name = "curl", .version = "7.88.1", .purl = "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u15?arch=amd64" },
	};
	mresult m;
	REQUIRE(run_match(&db, s, 8, &m) == 0);
	const fg_vuln_match *v = find(&m, 0, "CVE-2021-42378");
	REQUIRE(v);
	CHECK(v->status == FG_VULN_NOT_AFFECTED);
	CHECK_STR_EQ(v->justification, "vulnerable_code_not_present");
	CHECK(v->status_detail && strstr(v->status_detail, "awk"));
	v = find(&m, 0, "CVE-2018-1000517");
	CHECK(v && v->status == FG_VULN_AFFECTED && v->evidence && strstr(v->evidence, "wget is compiled in"));
	v = find(&m, 1, "CVE-2021-42378");
	CHECK(v && v->status == FG_VULN_AFFECTED && v->evidence && strstr(v->evidence, "not known"));
	v = find(&m, 2, "CVE-2021-42378");
	CHECK(v && v->status == FG_VULN_AFFECTED && v->confidence == FG_VCONF_LOW);
	v = find(&m, 3, "CVE-2023-0386");
	CHECK(v && v->status == FG_VULN_NOT_AFFECTED && strstr(v->status_detail, "CONFIG_OVERLAY_FS"));
	v = find(&m, 4, "CVE-2023-0386");
	CHECK(v && v->status == FG_VULN_AFFECTED && strstr(v->evidence, "CONFIG_OVERLAY_FS=y"));
	v = find(&m, 5, "CVE-2023-0386");
	CHECK(v && v->status == FG_VULN_AFFECTED && strstr(v->evidence, "no kernel config"));
	v = find(&m, 6, "CVE-2023-38545");
	CHECK(v && v->confidence == FG_VCONF_LOW && strstr(v->evidence, "backport"));
	v = find(&m, 7, "CVE-2023-38545");
	CHECK(v && v->confidence == FG_VCONF_LOW && strstr(v->evidence, "7.88.1-10+deb12u15"));
	/* affected before not_affected within a component */
	for (size_t i = 1; i < m.out.n; i++)
		if (m.out.v[i].component == m.out.v[i - 1].component)
			CHECK(!(m.out.v[i - 1].status != FG_VULN_AFFECTED && m.out.v[i].status == FG_VULN_AFFECTED));
	mresult_free(&m);
	fg_vdb_close(&db);
	free(r1);
	free(r2);
	free(r3);
	free(r4);
}

/* ---- VEX -------------------------------------------------------------- */

TEST(vex_openvex_and_cyclonedx)
{
	write_text(tmp_path("o.vex.json"),
		   "{\"@context\":\"https://openvex.dev/ns/v0.2.0\",\"@id\":\"x\",\"author\":\"me\","
		   "\"timestamp\":\"2024-01-01T00:00:00Z\",\"version\":1,\"statements\":["
		   "{\"vulnerability\":{\"name\":\"CVE-2017-14491\"},\"products\":[{\"@id\":\"pkg:generic/dnsmasq@2.73\"}],"
		   "\"status\":\"not_affected\",\"justification\":\"vulnerable_code_not_in_execute_path\","
		   "\"impact_statement\":\"DHCPv6 relay disabled\"},"
		   "{\"vulnerability\":{\"name\":\"CVE-2019-14834\"},\"products\":[{\"@id\":\"dnsmasq\"}],"
		   "\"status\":\"fixed\"},"
		   "{\"vulnerability\":\"CVE-2021-3448\",\"products\":[{\"@id\":\"other\"}],\"status\":\"not_affected\","
		   "\"justification\":\"component_not_present\"}]}");
	write_text(tmp_path("c.vex.json"),
		   "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"bom-ref\":\"c1\",\"name\":"
		   "\"dnsmasq\",\"version\":\"2.73\",\"cpe\":\"cpe:2.3:a:thekelleys:dnsmasq:2.73:*:*:*:*:*:*:*\"}],"
		   "\"vulnerabilities\":[{\"id\":\"CVE-2022-0934\",\"analysis\":{\"state\":\"not_affected\","
		   "\"justification\":\"code_not_reachable\",\"detail\":\"no DHCPv6\"},\"affects\":[{\"ref\":\"c1\"}]},"
		   "{\"id\":\"CVE-2023-28450\",\"analysis\":{\"state\":\"in_triage\"}}]}");
	fg_arena a;
	fg_arena_init(&a);
	char err[512];
	fg_vex ov, cv;
	REQUIRE(fg_vex_load(tmp_path("o.vex.json"), &a, &ov, err, sizeof(err)) == 0);
	REQUIRE(fg_vex_load(tmp_path("c.vex.json"), &a, &cv, err, sizeof(err)) == 0);
	CHECK_INT_EQ(ov.n, 3);
	CHECK_INT_EQ(cv.n, 2);
	fg_vex_component comp = { "dnsmasq", "2.73", "pkg:generic/dnsmasq@2.73",
				  "cpe:2.3:a:thekelleys:dnsmasq:2.73:*:*:*:*:*:*:*" };
	CHECK(fg_vex_product_matches("pkg:generic/dnsmasq", &comp));
	CHECK(fg_vex_product_matches("pkg:generic/dnsmasq@2.73?x=y", &comp));
	CHECK(!fg_vex_product_matches("pkg:generic/dnsmasq@2.74", &comp));
	CHECK(fg_vex_product_matches("cpe:2.3:a:thekelleys:dnsmasq:*:*:*:*:*:*:*:*", &comp));
	CHECK(!fg_vex_product_matches("cpe:2.3:a:thekelleys:dnsmasq:2.80:*:*:*:*:*:*:*", &comp));
	CHECK(fg_vex_product_matches("DNSMASQ", &comp));
	CHECK(fg_vex_product_matches("dnsmasq@2.73", &comp));
	CHECK(!fg_vex_product_matches("dnsmasq@2.8", &comp));
	fg_vuln_match ms[] = {
		{ .component = 0, .id = "CVE-2017-14491", .status = FG_VULN_AFFECTED },
		{ .component = 0, .id = "CVE-2019-14834", .status = FG_VULN_AFFECTED },
		{ .component = 0, .id = "CVE-2021-3448", .status = FG_VULN_AFFECTED },
		{ .component = 0, .id = "CVE-2022-0934", .status = FG_VULN_AFFECTED },
		{ .component = 0, .id = "CVE-2023-28450", .status = FG_VULN_AFFECTED },
	};
	fg_vuln_vec v = { .v = ms, .n = 5, .cap = 5 };
	CHECK_INT_EQ(fg_vex_apply(&ov, &comp, 1, &v, &a), 2);
	CHECK(ms[0].status == FG_VULN_NOT_AFFECTED);
	CHECK_STR_EQ(ms[0].justification, "vulnerable_code_not_in_execute_path");
	CHECK(strstr(ms[0].status_detail, "DHCPv6 relay disabled") != NULL);
	CHECK(ms[1].status == FG_VULN_FIXED);
	CHECK(ms[2].status == FG_VULN_AFFECTED);   /* another product */
	CHECK_INT_EQ(fg_vex_apply(&cv, &comp, 1, &v, &a), 2);
	CHECK(ms[3].status == FG_VULN_NOT_AFFECTED);
	CHECK_STR_EQ(fg_vex_openvex_justification(ms[3].justification), "vulnerable_code_not_in_execute_path");
	CHECK(ms[4].status == FG_VULN_UNDER_INVESTIGATION);
	/* OpenVEX out, read back in */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK(fg_vex_write_openvex(f, &v, &comp, 1, "2024-01-01T00:00:00Z") == 0);
	fclose(f);
	write_text(tmp_path("out.vex.json"), buf);
	fg_vex back;
	REQUIRE(fg_vex_load(tmp_path("out.vex.json"), &a, &back, err, sizeof(err)) == 0);
	CHECK_INT_EQ(back.n, 5);
	CHECK(back.stmts[0].status == FG_VULN_NOT_AFFECTED);
	CHECK(back.n == 5 && back.stmts[3].justification &&
	      !strcmp(back.stmts[3].justification, "vulnerable_code_not_in_execute_path"));
	free(buf);
	/* malformed VEX */
	write_text(tmp_path("bad.vex.json"), "{\"@context\":\"https://openvex.dev/ns/v0.2.0\",\"statements\":[{}]}");
	CHECK(fg_vex_load(tmp_path("bad.vex.json"), &a, &back, err, sizeof(err)) != 0);
	write_text(tmp_path("bad2.vex.json"), "{\"hello\":1}");
	CHECK(fg_vex_load(tmp_path("bad2.vex.json"), &a, &back, err, sizeof(err)) != 0);
	fg_arena_free(&a);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(void)
{
	int rc = fg_run_tests_();
	if (tmpdir[0] && !getenv("FG_TEST_KEEP"))
		nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
