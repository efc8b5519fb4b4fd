/*
 * test_signatures.c - every signature of data/signatures/components.txt
 * against its cases in tests/data/signature-cases.txt: each positive case
 * must give exactly the version listed, each negative case nothing, and
 * every signature must have at least one of each. The table scales with
 * the data file: adding a signature without cases fails here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "inventory/inv_internal.h"
#include "inventory/sigdb.h"

#define MAX_CASE (64u << 20)

typedef struct counts {
	unsigned pos, neg;
} counts;

/* C escapes of the cases file: \0 \n \t \\ \xHH. */
static size_t unescape(const char *in, uint8_t *out)
{
	size_t k = 0;
	for (const char *p = in; *p; p++) {
		if (*p != '\\' || !p[1]) {
			out[k++] = (uint8_t)*p;
			continue;
		}
		p++;
		switch (*p) {
		case '0': out[k++] = 0; break;
		case 'n': out[k++] = '\n'; break;
		case 't': out[k++] = '\t'; break;
		case '\\': out[k++] = '\\'; break;
		case 'x': {
			char h[3] = { p[1], p[1] ? p[2] : 0, 0 };
			out[k++] = (uint8_t)strtol(h, NULL, 16);
			p += 2;
			break;
		}
		default: out[k++] = (uint8_t)*p; break;
		}
	}
	return k;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = malloc(MAX_CASE);
	*len = buf ? fread(buf, 1, MAX_CASE, f) : 0;
	fclose(f);
	return buf;
}

/* "@corpus:VARIANT/PATH" or "@samples:PATH": NULL (skip) when absent. */
static uint8_t *real_file(const char *spec, size_t *len)
{
	char path[4096];
	if (!strncmp(spec, "@corpus:", 8)) {
		const char *dir = getenv("FG_CORPUS_DIR");
		const char *home = getenv("HOME");
		if (dir && *dir)
			snprintf(path, sizeof(path), "%s/.build/trees/%s", dir, spec + 8);
		else
			snprintf(path, sizeof(path), "%s/.cache/firmgate/corpus/.build/trees/%s",
				 home ? home : "/root", spec + 8);
	} else {
		const char *shared = getenv("FG_SHARED_DIR");
		snprintf(path, sizeof(path), "%s/samples/%s", shared ? shared : "../shared", spec + 9);
	}
	return read_file(path, len);
}

/* The versions the database finds for COMPONENT in DATA at PATH: "" when
 * found without a version; NULL when not found at all. */
static bool find(const fg_sigdb *db, fg_sig_scanner *s, const char *component, const uint8_t *data,
		 size_t len, const char *path, char *version, size_t cap)
{
	fg_sig_hit hits[64];
	size_t n = fg_sig_match(s, data, len, path, hits, 64);
	bool found = false;
	version[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (strcmp(db->sigs[hits[i].sig].name, component))
			continue;
		if (hits[i].version[0] || !found)
			snprintf(version, cap, "%s", hits[i].version);
		found = true;
		if (version[0])
			return true;
	}
	if (path) {
		n = fg_sig_match_filename(db, path, hits, 64);
		for (size_t i = 0; i < n; i++) {
			if (strcmp(db->sigs[hits[i].sig].name, component))
				continue;
			if (hits[i].version[0] || !found)
				snprintf(version, cap, "%s", hits[i].version);
			found = true;
			if (version[0])
				return true;
		}
	}
	return found;
}

static void run_case(const fg_sigdb *db, fg_sig_scanner *s, counts *cnt, char *line, unsigned lineno,
		     unsigned *skipped)
{
	char *save = NULL;
	char *comp = strtok_r(line, "\t", &save);
	char *expect = strtok_r(NULL, "\t", &save);
	char *path = strtok_r(NULL, "\t", &save);
	char *input = strtok_r(NULL, "", &save);
	if (!comp || !expect || !path) {
		fprintf(stderr, "signature-cases.txt:%u: malformed\n", lineno);
		fg_test_failed_checks_++;
		return;
	}
	const fg_sig *sig = fg_sigdb_by_name(db, comp);
	if (!sig) {
		fprintf(stderr, "signature-cases.txt:%u: no signature \"%s\"\n", lineno, comp);
		fg_test_failed_checks_++;
		return;
	}
	if (!input)
		input = "";
	size_t len = 0;
	uint8_t *data;
	if (input[0] == '@') {
		data = real_file(input, &len);
		if (!data) {
			(*skipped)++;
			return;
		}
	} else {
		data = malloc(strlen(input) + 1);
		len = unescape(input, data);
	}
	const char *p = strcmp(path, "-") ? path : NULL;
	char got[64];
	bool found = find(db, s, comp, data, len, p, got, sizeof(got));
	counts *c = &cnt[sig - db->sigs];
	if (!strcmp(expect, "-")) {
		c->neg++;
		if (found && (got[0] || sig->unversioned)) {
			fprintf(stderr, "signature-cases.txt:%u: %s found (\"%s\") in a negative case\n", lineno,
				comp, got);
			fg_test_failed_checks_++;
		}
	} else {
		c->pos++;
		bool good = !strcmp(expect, "*") ? found : found && !strcmp(got, expect);
		if (!good) {
			fprintf(stderr, "signature-cases.txt:%u: %s: want %s, got %s\"%s\"\n", lineno, comp, expect,
				found ? "" : "nothing ", got);
			fg_test_failed_checks_++;
		}
	}
	free(data);
}

TEST(every_signature_matches_its_cases)
{
	char err[512] = "";
	const fg_sigdb *db = fg_sigdb_builtin(err, sizeof(err));
	if (!db)
		fprintf(stderr, "builtin signatures: %s\n", err);
	REQUIRE(db != NULL);
	const char *src = getenv("FG_SOURCE_DIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/data/signature-cases.txt", src ? src : ".");
	size_t len = 0;
	uint8_t *text = read_file(path, &len);
	REQUIRE(text != NULL);
	fg_sig_scanner *s = fg_sig_scanner_new(db);
	counts *cnt = calloc(db->nsigs, sizeof(*cnt));
	REQUIRE(s && cnt);
	unsigned lineno = 0, cases = 0, skipped = 0;
	for (size_t pos = 0; pos < len;) {
		uint8_t *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		lineno++;
		char *line = strndup((const char *)text + pos, end - pos);
		if (line[0] && line[0] != '#') {
			run_case(db, s, cnt, line, lineno, &skipped);
			cases++;
		}
		free(line);
		pos = end + 1;
	}
	unsigned complete = 0;
	for (size_t i = 0; i < db->nsigs; i++) {
		if (cnt[i].pos && cnt[i].neg) {
			complete++;
			continue;
		}
		fprintf(stderr, "signature %s: %u positive, %u negative cases (need one of each)\n",
			db->sigs[i].name, cnt[i].pos, cnt[i].neg);
		fg_test_failed_checks_++;
	}
	printf("%u cases (%u skipped: file absent), %zu signatures, %u with both kinds of case\n", cases,
	       skipped, db->nsigs, complete);
	CHECK(db->nsigs >= 150);
	fg_sig_scanner_free(s);
	free(cnt);
	free(text);
}

static bool parse_fails(const char *text, const char *want)
{
	fg_sigdb db = {0};
	char err[512] = "";
	bool ok = fg_sigdb_parse(&db, text, strlen(text), "t.txt", err, sizeof(err));
	fg_sigdb_free(&db);
	if (ok || !strstr(err, want))
		fprintf(stderr, "parse of <<%s>>: ok=%d err=\"%s\", want \"%s\"\n", text, ok, err, want);
	return !ok && strstr(err, want);
}

TEST(syntax_errors_name_file_and_line)
{
	CHECK(parse_fails("component a\nmatch \"abc\"\n", "t.txt:2: `match` literal must be"));
	CHECK(parse_fails("component a\nfrobnicate 1\n", "t.txt:2: unknown keyword"));
	CHECK(parse_fails("component a\nmatch \"abcd\"\nversion \"([0-9]\"\n", "t.txt:3: bad regex"));
	CHECK(parse_fails("match \"abcd\"\n", "t.txt:1: \"match\" before any `component`"));
	CHECK(parse_fails("component a\ntype gadget\n", "unknown type"));
	CHECK(parse_fails("component a\ncpe a b\nmatch \"abcd\"\n", "bad cpe"));
	CHECK(parse_fails("component a\ntype library\n", "neither `match` nor `filename`"));
	CHECK(parse_fails("component a\nmatch \"unterminated\n", "needs one quoted string"));
	CHECK(parse_fails("component a\nmatch \"abcd\"\nversion-map 1\n", "needs FROM TO"));
}

TEST(user_signatures_extend_the_builtin_ones)
{
	const char *tmp = getenv("FG_TEST_TMP");
	if (!tmp || (mkdir(tmp, 0755) != 0 && errno != EEXIST))
		tmp = "/tmp";
	char path[4096];
	snprintf(path, sizeof(path), "%s/user-sigs-%ld.txt", tmp, (long)getpid());
	FILE *f = fopen(path, "w");
	REQUIRE(f != NULL);
	fputs("# vendor daemon\ncomponent acme-agent\ntype application\ncpe acme:agent\n"
	      "match \"ACME agent v\"\nversion \"ACME agent v(\\d+\\.\\d+)\"\n", f);
	fclose(f);
	char err[512];
	fg_sigdb *db = fg_sigdb_with_file(path, err, sizeof(err));
	REQUIRE(db != NULL);
	CHECK(fg_sigdb_by_name(db, "acme-agent") != NULL);
	CHECK(fg_sigdb_by_name(db, "busybox") != NULL);
	fg_sig_scanner *s = fg_sig_scanner_new(db);
	static const char bin[] = "\0ACME agent v4.2\0";
	fg_sig_hit hits[8];
	size_t n = fg_sig_match(s, (const uint8_t *)bin, sizeof(bin), "/usr/bin/agent", hits, 8);
	CHECK_INT_EQ(n, 1);
	CHECK_STR_EQ(hits[0].version, "4.2");
	fg_sig_scanner_free(s);
	fg_sigdb_destroy(db);
	unlink(path);
	CHECK(fg_sigdb_with_file("/nonexistent/sigs.txt", err, sizeof(err)) == NULL);
	CHECK(strstr(err, "/nonexistent/sigs.txt") != NULL);
}

/* Hostile content: long runs of literal hits, regex windows at the
 * edges of the buffer, NULs everywhere. Must not crash or run away. */
TEST(hostile_buffers)
{
	const fg_sigdb *db = fg_sigdb_builtin(NULL, 0);
	REQUIRE(db != NULL);
	fg_sig_scanner *s = fg_sig_scanner_new(db);
	REQUIRE(s != NULL);
	size_t len = 4u << 20;
	uint8_t *buf = malloc(len);
	REQUIRE(buf != NULL);
	static const char *const pieces[] = { "BusyBox v", "Linux version ", "OpenSSL ", "dnsmasq-",
					      "GNU inetutils", "\0", "1.2.3", "vermagic=" };
	size_t k = 0;
	for (unsigned i = 0; k < len; i++) {
		const char *p = pieces[(i * 7 + i / 3) % 8];
		size_t pl = p[0] ? strlen(p) : 1;
		for (size_t j = 0; j < pl && k < len; j++)
			buf[k++] = (uint8_t)p[j];
	}
	fg_sig_hit hits[64];
	size_t n = fg_sig_match(s, buf, len, "/bin/x", hits, 64);
	CHECK(n <= 64);
	n = fg_sig_match(s, (const uint8_t *)"BusyBox v", 9, NULL, hits, 64);
	CHECK(n <= 1);
	n = fg_sig_match(s, (const uint8_t *)"BusyBox v1.2", 12, NULL, hits, 64);
	CHECK(n == 1 && !strcmp(hits[0].version, "1.2"));
	free(buf);
	fg_sig_scanner_free(s);
}
