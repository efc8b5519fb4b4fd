/* The HTML report: escaping, the printf that escapes, and a whole page
 * rendered from a synthetic result carrying hostile strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "compliance/evaluate.h"
#include "core/data.h"
#include "core/result.h"
#include "report/html_common.h"

/* Output of one call into a malloc'd string. */
#define CAPTURE(buf, stmt) do { \
	size_t len_; FILE *out = open_memstream(&(buf), &len_); \
	stmt; fclose(out); } while (0)

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

TEST(escaping_covers_markup_quotes_controls_and_bad_utf8)
{
	char *s = NULL;
	CAPTURE(s, fg_html_esc(out, "<a href=\"x\" title='y'>&amp;</a>"));
	CHECK_STR_EQ(s, "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
	free(s);
	/* tab and newline stay; other controls and DEL become U+FFFD */
	CAPTURE(s, fg_html_escn(out, "a\tb\nc\x01" "d\x7f" "e\0f", 11));
	CHECK_STR_EQ(s, "a\tb\nc\xef\xbf\xbd" "d\xef\xbf\xbd" "e\xef\xbf\xbd" "f");
	free(s);
	/* valid UTF-8 passes; stray, overlong, surrogate and truncated sequences do not */
	CAPTURE(s, fg_html_esc(out, "\xc3\xa9|\xe2\x82\xac|\xf0\x9f\x94\x92|\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82"));
	CHECK_STR_EQ(s, "\xc3\xa9|\xe2\x82\xac|\xf0\x9f\x94\x92|\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|"
			"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
	CAPTURE(s, fg_html_esc(out, NULL));
	CHECK_STR_EQ(s, "");
	free(s);
}

TEST(hprintf_escapes_strings_only)
{
	char *s = NULL;
	CAPTURE(s, fg_hprintf(out, "<td class=\"%s\">%s %d %zu %.1f %04o %llu %x %c 100%%</td>", "a\"b", "<i>",
			      -3, (size_t)7, 2.25, 0755, 123456789012ULL, 255u, '<'));
	CHECK_STR_EQ(s, "<td class=\"a&quot;b\">&lt;i&gt; -3 7 2.2 0755 123456789012 ff &lt; 100%</td>");
	free(s);
	const char *volatile none = NULL; /* a NULL %s prints nothing (the compiler would warn on a literal) */
	CAPTURE(s, fg_hprintf(out, "[%s][%.3s][%.*s][%5d][%-3u|]", none, "abcdef", 2, "<<<", 42, 1u));
	CHECK_STR_EQ(s, "[][abc][&lt;&lt;][   42][1  |]");
	free(s);
}

TEST(tokens_are_safe_and_distinct)
{
	char *a = NULL, *b = NULL, *c = NULL;
	CAPTURE(a, fg_html_token(out, "credentials.default-password"));
	CAPTURE(b, fg_html_token(out, "a b\"<_"));
	CAPTURE(c, fg_html_token(out, "a_20b"));
	CHECK_STR_EQ(a, "credentials.default-password");
	CHECK_STR_EQ(b, "a_20b_22_3c_5f");
	CHECK(strcmp(c, "a_20b") != 0); /* '_' is escaped too, so no collision */
	free(a);
	free(b);
	free(c);
}

TEST(assets_are_embedded_and_safe_to_inline)
{
	const fg_data_file *css = fg_data_get("report/report.css");
	const fg_data_file *js = fg_data_get("report/report.js");
	REQUIRE(css && js);
	CHECK(css->len > 1000 && js->len > 1000);
	/* inlined verbatim: they must not close their own element */
	CHECK(!strstr((const char *)css->data, "</style"));
	CHECK(!strstr((const char *)js->data, "</script"));
	CHECK(!strstr((const char *)js->data, "<!--"));
	/* nothing that could fetch */
	CHECK(!strstr((const char *)css->data, "url("));
	CHECK(!strstr((const char *)css->data, "@import"));
	CHECK(!strstr((const char *)js->data, "fetch("));
	CHECK(!strstr((const char *)js->data, "XMLHttpRequest"));
}

static const char hostile[] = "</script><script>alert(1)</script><img src=x onerror=alert(2)>";

/* A result like a scan's: an input blob with coverage, one file tree,
 * findings with hostile text, a component with a KEV match, verdicts. */
static fg_result *synthetic(void)
{
	fg_result *r = fg_result_new(NULL);
	static uint8_t blob[4096];
	memset(blob + 3072, 0xff, 1024);
	fg_node *in = fg_node_new(&r->tree, "fw<1>.bin", 9, FG_NODE_FILE);
	in->data = blob;
	in->data_len = sizeof(blob);
	r->tree.root = in;
	static fg_range ranges[] = {
		{ 0, 2048, FG_RANGE_CHUNK, "squashfs", 7.9 },
		{ 2048, 1024, FG_RANGE_HIGH_ENTROPY, NULL, 7.99 },
		{ 3072, 1024, FG_RANGE_PADDING, NULL, 0 },
	};
	static fg_coverage cov = { ranges, 3, 2048, 1024, 0, 1024 };
	in->coverage = &cov;
	fg_node *fs = fg_tree_attach_root(&r->tree, in, "squashfs", 0, 2048, true);
	r->input_name = "fw<1>.bin";
	r->input_size = sizeof(blob);
	fg_fsinfo info = { .root = fs, .chain = "fw<1>.bin > squashfs@0x0", .files = 1 };
	FG_VEC_PUSH(&r->filesystems, info);
	FG_VEC_PUSH(&r->checks_run, "credentials.default-password");
	fg_finding f = {
		.check_id = "credentials.default-password", .title = "Default password", .severity = FG_SEV_CRITICAL,
		.message = hostile, .path = "/etc/\"shadow\"", .container = info.chain, .line = 1, .offset = 0,
		.excerpt = "root:$1$<b>(redacted)", .fingerprint = "0123456789abcdef0123456789abcdef",
		.remediation = "Set a unique password & lock 'root'.",
	};
	FG_VEC_PUSH(&r->findings, f);
	f.severity = FG_SEV_LOW;
	f.message = "second";
	f.line = 0;
	f.offset = -1;
	f.excerpt = NULL;
	f.fingerprint = "fedcba9876543210fedcba9876543210";
	FG_VEC_PUSH(&r->findings, f);
	fg_component c = { .name = "busybox<x>", .version = "1.35.0", .type = "application", .path = "/bin/busybox",
			   .container = info.chain, .method = "signature", .evidence = hostile };
	FG_VEC_PUSH(&r->components, c);
	fg_vuln_match v = { .component = 0, .id = "CVE-2022-48174", .cvss = 9.8, .severity = "critical", .kev = true,
			    .kev_date_added = "2024-01-01", .epss = 0.0123, .epss_percentile = 0.5,
			    .rule = "busybox <= 1.35.0", .status = FG_VULN_AFFECTED };
	FG_VEC_PUSH(&r->vulns, v);
	r->vulns.matched = true;
	r->vulns.database = "vulndb.sqlite";
	fg_compliance_evaluate(r);
	return r;
}

TEST(report_page_escapes_everything_and_shows_every_part)
{
	fg_result *r = synthetic();
	char *page = NULL, *again = NULL;
	CAPTURE(page, CHECK_INT_EQ(fg_report_html(r, out), 0));
	CAPTURE(again, fg_report_html(r, out));
	REQUIRE(page && again);
	CHECK_STR_EQ(page, again); /* deterministic */

	/* hostile text never becomes markup */
	CHECK(!strstr(page, "<script>alert"));
	CHECK(!strstr(page, "<img src=x"));
	CHECK(strstr(page, "&lt;/script&gt;&lt;script&gt;alert(1)") != NULL);
	CHECK(strstr(page, "fw&lt;1&gt;.bin") != NULL);
	CHECK(strstr(page, "/etc/&quot;shadow&quot;") != NULL);
	CHECK(strstr(page, "busybox&lt;x&gt;") != NULL);
	CHECK_INT_EQ(count(page, "<script"), 2); /* the error hook and report.js */
	CHECK(!strstr(page, "src=\"http") && !strstr(page, "href=\"http") && !strstr(page, "url("));
	CHECK(strstr(page, "Content-Security-Policy") != NULL);

	/* every finding, grouped under its check, with its remediation */
	CHECK(strstr(page, "data-fingerprint=\"0123456789abcdef0123456789abcdef\"") != NULL);
	CHECK(strstr(page, "data-fingerprint=\"fedcba9876543210fedcba9876543210\"") != NULL);
	CHECK_INT_EQ(count(page, "id=\"check-credentials.default-password\""), 1);
	CHECK(strstr(page, "Set a unique password &amp; lock &#39;root&#39;.") != NULL);
	/* a failed requirement links to the group */
	CHECK(strstr(page, "href=\"#check-credentials.default-password\"") != NULL);
	/* every verdict kind in the legend, every evaluated standard with its table */
	for (int k = 0; k < FG_VERDICT_KINDS; k++) {
		char want[128];
		snprintf(want, sizeof(want), "></i>%s</span>", fg_verdict_status_name((fg_verdict_status)k));
		CHECK(strstr(page, want) != NULL);
	}
	for (size_t s = 0; s < fg_standard_count(); s++) {
		char want[160];
		snprintf(want, sizeof(want), "data-standard=\"%s\"", fg_standard_at(s)->id);
		CHECK(strstr(page, want) != NULL);
	}
	/* the CVE with KEV and EPSS, the coverage map with one rect per range */
	CHECK(strstr(page, "data-cve=\"CVE-2022-48174\"") != NULL);
	CHECK(strstr(page, "KEV</span>") != NULL);
	CHECK(strstr(page, "1.23%") != NULL);
	CHECK_INT_EQ(count(page, "<rect class=\"cov-"), 3);
	CHECK(strstr(page, "cov-high-entropy") != NULL);
	CHECK(strstr(page, "<strong>75.0%</strong>") != NULL); /* identified and padding: 3 KiB of 4 */
	free(page);
	free(again);
	fg_result_free(r);
}
