/* The release gate's policy (src/core/suppress.c): the suppressions file
 * parser and its messages, the matcher (fingerprint, globs, subject,
 * expiry), severity rules, and the pipeline around them: suppressions
 * applied before compliance, severity where findings are created, "off"
 * checks not run, and the progress callback's stages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "checks/engine.h"
#include "compliance/evaluate.h"
#include "core/result.h"
#include "core/suppress.h"

#define NOW 1748736000 /* 2025-06-01T00:00:00Z */
#define FP "0123456789abcdef0123456789abcdef"

static fg_policy *parse(fg_arena *a, const char *text)
{
	fg_policy *p = fg_policy_new(a);
	if (p)
		fg_policy_parse(p, a, "s.yaml", text, strlen(text), NOW);
	return p;
}

/* TEXT gives ERRORS errors and exactly the messages WANT, in order. */
static void expect_messages(const char *text, size_t errors, const char *const *want, size_t nwant)
{
	fg_arena a;
	fg_arena_init(&a);
	fg_policy *p = parse(&a, text);
	REQUIRE(p);
	CHECK(!p->oom);
	CHECK_INT_EQ(p->errors, errors);
	CHECK_INT_EQ(p->nmessages, nwant);
	for (size_t i = 0; i < nwant && i < p->nmessages; i++)
		CHECK_STR_EQ(p->messages[i].text, want[i]);
	fg_arena_free(&a);
}

#define EXPECT(text, errors, ...) do { \
	static const char *const want_[] = { __VA_ARGS__ }; \
	expect_messages(text, errors, want_, sizeof(want_) / sizeof(want_[0])); \
} while (0)

static fg_finding finding(const char *check, const char *path, const char *subject)
{
	static char fps[8][33];
	static int next;
	char *fp = fps[next++ % 8];
	fg_fingerprint(check, path, subject, fp);
	return (fg_finding){ .check_id = check, .path = path, .fingerprint = fp,
			     .severity = FG_SEV_HIGH, .offset = -1 };
}

/* ---- the parser: what is accepted ------------------------------------------ */

TEST(valid_file_reads_every_field)
{
	fg_arena a;
	fg_arena_init(&a);
	fg_policy *p = parse(&a,
		"# accepted findings\n"
		"suppressions:\n"
		"  - fingerprint: 0123456789ABCDEF0123456789abcdef\n"
		"    justification: factory account, removed by provisioning (PRJ-12)\n"
		"    owner: alice@example.com\n"
		"    expires: 2025-06-01\n"
		"  - check: hardening.*\n"
		"    path: /opt/vendor/*\n"
		"    justification: vendor blobs\n"
		"severity:\n"
		"  hardening.*: low\n"
		"  credentials.weak-hash: HIGH\n"
		"  services.upnp: off\n");
	REQUIRE(p);
	CHECK_INT_EQ(p->errors, 0);
	CHECK_INT_EQ(p->warnings, 0);
	REQUIRE(p->nentries == 2);
	const fg_suppression *e = &p->entries[0];
	CHECK_STR_EQ(e->fingerprint, FP);             /* kept in lower case */
	CHECK_STR_EQ(e->justification, "factory account, removed by provisioning (PRJ-12)");
	CHECK_STR_EQ(e->owner, "alice@example.com");
	CHECK_STR_EQ(e->expires, "2025-06-01");
	CHECK(!e->expired);                           /* holds through its last day */
	CHECK_INT_EQ(e->line, 3);
	CHECK_STR_EQ(e->note.source, "s.yaml:3");
	CHECK_STR_EQ(e->note.matched_by, "fingerprint");
	CHECK_STR_EQ(p->entries[1].check, "hardening.*");
	CHECK_STR_EQ(p->entries[1].path, "/opt/vendor/*");
	CHECK_STR_EQ(p->entries[1].note.matched_by, "check");
	CHECK(p->entries[1].owner == NULL && p->entries[1].expires == NULL);
	REQUIRE(p->nrules == 3);
	CHECK_STR_EQ(p->rules[0].pattern, "hardening.*");
	CHECK_INT_EQ(p->rules[0].level, FG_SEV_LOW);
	CHECK_STR_EQ(p->rules[0].where, "s.yaml:11");
	CHECK_INT_EQ(p->rules[1].level, FG_SEV_HIGH);
	CHECK_INT_EQ(p->rules[2].level, FG_SEVERITY_OFF);
	fg_arena_free(&a);
}

TEST(empty_file_suppresses_nothing)
{
	EXPECT("# nothing yet\n", 0);
	EXPECT("suppressions:\nseverity:\n", 0);
	fg_arena a;
	fg_arena_init(&a);
	fg_policy *p = parse(&a, "");
	REQUIRE(p);
	CHECK_INT_EQ(p->nentries, 0);
	fg_finding f = finding("services.telnet", "/etc/inittab", NULL);
	CHECK(fg_policy_match(p, &f) == NULL);
	fg_arena_free(&a);
}

/* ---- the parser: errors and warnings, with file, line, column and field ---- */

TEST(missing_justification_is_an_error)
{
	EXPECT("suppressions:\n"
	       "  - fingerprint: " FP "\n",
	       1, "s.yaml:2:5: suppressions[0]: required field 'justification' is missing "
		  "(why the finding is accepted)");
	EXPECT("suppressions:\n"
	       "  - fingerprint: " FP "\n"
	       "    justification: \"  \"\n",
	       1, "s.yaml:3:20: suppressions[0].justification: is empty");
}

TEST(unknown_key_is_a_warning)
{
	fg_arena a;
	fg_arena_init(&a);
	fg_policy *p = parse(&a,
		"suppressions:\n"
		"  - fingerprint: " FP "\n"
		"    justification: ok\n"
		"    reason: typo of justification\n"
		"ignore: []\n");
	REQUIRE(p);
	CHECK_INT_EQ(p->errors, 0);
	CHECK_INT_EQ(p->warnings, 2);
	REQUIRE(p->nmessages == 2);
	CHECK_STR_EQ(p->messages[0].text, "s.yaml:4:5: warning: suppressions[0].reason: unknown key "
		     "(known: fingerprint, check, path, subject, justification, owner, expires)");
	CHECK_STR_EQ(p->messages[0].where, "s.yaml:4:5");
	CHECK_STR_EQ(p->messages[0].what, "suppressions[0].reason: unknown key "
		     "(known: fingerprint, check, path, subject, justification, owner, expires)");
	CHECK_STR_EQ(p->messages[1].text, "s.yaml:5:1: warning: ignore: unknown key "
		     "(known: suppressions, severity)");
	CHECK_INT_EQ(p->nentries, 1);  /* the entry still counts */
	fg_arena_free(&a);
}

TEST(malformed_date_is_an_error)
{
	EXPECT("suppressions:\n"
	       "  - fingerprint: " FP "\n"
	       "    justification: ok\n"
	       "    expires: 2025-13-01\n",
	       1, "s.yaml:4:14: suppressions[0].expires: '2025-13-01' is not a valid date (YYYY-MM-DD)");
	EXPECT("suppressions:\n"
	       "  - fingerprint: " FP "\n"
	       "    justification: ok\n"
	       "    expires: 1 June 2025\n",
	       1, "s.yaml:4:14: suppressions[0].expires: '1 June 2025' is not a valid date (YYYY-MM-DD)");
	EXPECT("suppressions:\n"
	       "  - fingerprint: " FP "\n"
	       "    justification: ok\n"
	       "    expires: 2023-02-29\n",
	       1, "s.yaml:4:14: suppressions[0].expires: '2023-02-29' is not a valid date (YYYY-MM-DD)");
}

TEST(selectors_are_validated)
{
	EXPECT("suppressions:\n"
	       "  - fingerprint: 0123\n"
	       "    justification: ok\n",
	       1, "s.yaml:2:18: suppressions[0].fingerprint: '0123' is not a finding fingerprint "
		  "(32 hex digits, as in the JSON report's findings[].fingerprint)");
	EXPECT("suppressions:\n"
	       "  - justification: ok\n",
	       1, "s.yaml:2:5: suppressions[0]: names no finding: give a 'fingerprint', or a 'check' "
		  "with a 'path'");
	EXPECT("suppressions:\n"
	       "  - check: services.telnet\n"
	       "    justification: ok\n",
	       1, "s.yaml:2:5: suppressions[0]: required field 'path' is missing: an entry by check "
		  "needs a path glob ('*' for every path)");
	EXPECT("suppressions:\n"
	       "  - fingerprint: " FP "\n"
	       "    subject: root\n"
	       "    justification: ok\n",
	       1, "s.yaml:2:5: suppressions[0]: 'subject' needs a 'check' (the fingerprint already "
		  "includes the subject)");
	EXPECT("suppressions:\n"
	       "  - check: services telnet\n"
	       "    path: '*'\n"
	       "    justification: ok\n",
	       1, "s.yaml:2:12: suppressions[0].check: 'services telnet' is not a check ID or a glob "
		  "of check IDs (e.g. credentials.default-password, hardening.*)");
	EXPECT("suppressions:\n"
	       "  - check: no.such-check\n"
	       "    path: '*'\n"
	       "    justification: ok\n",
	       0, "s.yaml:2:12: warning: suppressions[0].check: 'no.such-check' matches no check "
		  "(see docs/CHECKS.md)");
	EXPECT("suppressions:\n"
	       "  - check: hardening.nx\n"
	       "    path: /*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n"
	       "    justification: ok\n",
	       1, "s.yaml:3:11: suppressions[0].path: more than 16 '*' in one glob");
	EXPECT("suppressions:\n"
	       "  - fingerprint: [a, b]\n"
	       "    justification: ok\n",
	       1, "s.yaml:2:18: suppressions[0].fingerprint: must be a single value, found a sequence");
}

TEST(structure_errors)
{
	EXPECT("- a\n- b\n", 1, "s.yaml:1:1: the suppressions file must be a map with 'suppressions' "
				 "and/or 'severity', found a sequence");
	EXPECT("suppressions:\n  fingerprint: x\n",
	       1, "s.yaml:2:3: suppressions: must be a list of entries, found a map");
	EXPECT("suppressions:\n  - just a string\n",
	       1, "s.yaml:2:5: suppressions[0]: must be a map (fingerprint or check and path, "
		  "justification, ...), found a scalar");
	EXPECT("severity:\n  - hardening.*\n",
	       1, "s.yaml:2:3: severity: must be a map of check-ID glob to level "
		  "(e.g. 'hardening.*: low'), found a sequence");
	EXPECT("severity:\n  hardening.*: severe\n",
	       1, "s.yaml:2:16: severity.hardening.*: 'severe' is not one of info, low, medium, high, "
		  "critical, off");
	EXPECT("severity:\n  nothing.*: low\n",
	       0, "s.yaml:2:3: warning: severity.nothing.*: matches no check (see docs/CHECKS.md)");
}

TEST(yaml_syntax_errors_name_the_place)
{
	fg_arena a;
	fg_arena_init(&a);
	fg_policy *p = parse(&a, "suppressions:\n  - fingerprint: " FP "\n   justification: [\n");
	REQUIRE(p);
	CHECK_INT_EQ(p->errors, 1);
	REQUIRE(p->nmessages == 1);
	CHECK(strncmp(p->messages[0].text, "s.yaml:", 7) == 0);
	CHECK(p->messages[0].where == NULL);
	/* aliases are refused by the reader ("billion laughs") */
	p = parse(&a, "suppressions: &x\n  - *x\n");
	REQUIRE(p);
	CHECK_INT_EQ(p->errors, 1);
	fg_arena_free(&a);
}

TEST(unreadable_file_is_one_error)
{
	fg_arena a;
	fg_arena_init(&a);
	fg_policy *p = fg_policy_new(&a);
	REQUIRE(p);
	fg_policy_load(p, &a, "/nonexistent/ignore.yaml", NOW);
	CHECK_INT_EQ(p->errors, 1);
	REQUIRE(p->nmessages == 1);
	CHECK(strstr(p->messages[0].text, "/nonexistent/ignore.yaml") == p->messages[0].text);
	fg_arena_free(&a);
	CHECK_INT_EQ(fg_suppressions_validate("/nonexistent/ignore.yaml", NULL), 1);
}

/* ---- the matcher ------------------------------------------------------------ */

TEST(match_by_fingerprint)
{
	fg_finding f = finding("credentials.empty-password", "/etc/shadow", "user");
	char text[300];
	snprintf(text, sizeof(text),
		 "suppressions:\n  - fingerprint: %s\n    justification: test account\n", f.fingerprint);
	fg_arena a;
	fg_arena_init(&a);
	fg_policy *p = parse(&a, text);
	REQUIRE(p && p->nentries == 1);
	const fg_suppression *e = fg_policy_match(p, &f);
	CHECK(e == &p->entries[0]);
	fg_finding other = finding("credentials.empty-password", "/etc/shadow", "root");
	CHECK(fg_policy_match(p, &other) == NULL);
	fg_arena_free(&a);
}

TEST(match_by_check_and_path_glob)
{
	fg_arena a;
	fg_arena_init(&a);
	fg_policy *p = parse(&a,
		"suppressions:\n"
		"  - check: hardening.*\n"
		"    path: /opt/vendor/*\n"
		"    justification: vendor blobs\n"
		"  - check: services.telnet\n"
		"    path: /etc/init.d/S??telnetd\n"
		"    justification: lab builds only\n");
	REQUIRE(p && p->nentries == 2);
	fg_finding deep = finding("hardening.nx", "/opt/vendor/lib/sub/libx.so", NULL);
	fg_finding outside = finding("hardening.nx", "/usr/lib/libx.so", NULL);
	fg_finding other_check = finding("secrets.private-key", "/opt/vendor/key.pem", NULL);
	fg_finding telnet = finding("services.telnet", "/etc/init.d/S40telnetd", NULL);
	fg_finding telnet2 = finding("services.telnet", "/etc/init.d/S400telnetd", NULL);
	CHECK(fg_policy_match(p, &deep) == &p->entries[0]);  /* '*' crosses '/' */
	CHECK(fg_policy_match(p, &outside) == NULL);
	CHECK(fg_policy_match(p, &other_check) == NULL);
	CHECK(fg_policy_match(p, &telnet) == &p->entries[1]);
	CHECK(fg_policy_match(p, &telnet2) == NULL);
	fg_arena_free(&a);
}

TEST(match_by_subject)
{
	fg_arena a;
	fg_arena_init(&a);
	fg_policy *p = parse(&a,
		"suppressions:\n"
		"  - check: credentials.empty-password\n"
		"    path: /etc/*\n"
		"    subject: guest\n"
		"    justification: guest has no shell\n");
	REQUIRE(p && p->nentries == 1);
	fg_finding guest = finding("credentials.empty-password", "/etc/shadow", "guest");
	fg_finding root = finding("credentials.empty-password", "/etc/shadow", "root");
	fg_finding guest_passwd = finding("credentials.empty-password", "/etc/passwd", "guest");
	CHECK(fg_policy_match(p, &guest) == &p->entries[0]);
	CHECK(fg_policy_match(p, &root) == NULL);
	CHECK(fg_policy_match(p, &guest_passwd) == &p->entries[0]);
	fg_arena_free(&a);
}

TEST(expired_entry_warns_and_does_not_suppress)
{
	fg_finding f = finding("services.telnet", "/etc/inittab", NULL);
	char text[400];
	snprintf(text, sizeof(text),
		 "suppressions:\n"
		 "  - fingerprint: %s\n"
		 "    justification: until the next release\n"
		 "    owner: bob\n"
		 "    expires: 2025-05-31\n", f.fingerprint);
	fg_arena a;
	fg_arena_init(&a);
	fg_policy *p = parse(&a, text);
	REQUIRE(p && p->nentries == 1);
	CHECK(p->entries[0].expired);
	CHECK_INT_EQ(p->errors, 0);
	REQUIRE(p->nmessages == 1);
	CHECK_STR_EQ(p->messages[0].text, "s.yaml:2:5: warning: suppressions[0]: expired on 2025-05-31 "
		     "(owner bob): it no longer suppresses");
	CHECK(fg_policy_match(p, &f) == NULL);

	/* the same entry a day later still holds: expiry is inclusive */
	fg_policy *q = fg_policy_new(&a);
	REQUIRE(q);
	fg_policy_parse(q, &a, "s.yaml", text, strlen(text), NOW - 1);
	CHECK(!q->entries[0].expired);
	CHECK(fg_policy_match(q, &f) == &q->entries[0]);
	fg_arena_free(&a);
}

/* ---- severity rules ----------------------------------------------------------- */

TEST(severity_rules_last_match_wins)
{
	fg_arena a;
	fg_arena_init(&a);
	fg_policy *p = parse(&a, "severity:\n  hardening.*: low\n");
	REQUIRE(p);
	char err[300];
	CHECK(fg_policy_add_severity(p, &a, "hardening.nx=critical", err, sizeof(err)));
	CHECK(fg_policy_add_severity(p, &a, "services.upnp=OFF", err, sizeof(err)));
	CHECK_INT_EQ(fg_policy_severity(p, "hardening.pie", FG_SEV_MEDIUM), FG_SEV_LOW);
	CHECK_INT_EQ(fg_policy_severity(p, "hardening.nx", FG_SEV_HIGH), FG_SEV_CRITICAL);
	CHECK_INT_EQ(fg_policy_severity(p, "services.upnp", FG_SEV_HIGH), FG_SEVERITY_OFF);
	CHECK_INT_EQ(fg_policy_severity(p, "services.telnet", FG_SEV_HIGH), FG_SEV_HIGH);
	CHECK_INT_EQ(fg_policy_severity(NULL, "services.telnet", FG_SEV_HIGH), FG_SEV_HIGH);

	CHECK(!fg_policy_add_severity(p, &a, "hardening.nx", err, sizeof(err)));
	CHECK_STR_EQ(err, "--severity 'hardening.nx': expected PATTERN=LEVEL, e.g. hardening.*=low");
	CHECK(!fg_policy_add_severity(p, &a, "hardening.nx=severe", err, sizeof(err)));
	CHECK_STR_EQ(err, "--severity 'hardening.nx=severe': 'severe' is not one of info, low, medium, "
		     "high, critical, off");
	CHECK(!fg_policy_add_severity(p, &a, "=low", err, sizeof(err)));
	CHECK_INT_EQ(fg_severity_rule_check("a b=low", err, sizeof(err)), -1);
	CHECK_STR_EQ(err, "--severity 'a b=low': 'a b' is not a check ID or a glob of check IDs");
	CHECK_INT_EQ(fg_severity_rule_check("credentials.weak-hash=high", err, sizeof(err)), 0);

	size_t before = p->warnings;
	CHECK(fg_policy_add_severity(p, &a, "nothing.here=low", err, sizeof(err)));
	CHECK_INT_EQ(p->warnings, before + 1);
	CHECK_STR_EQ(p->messages[p->nmessages - 1].text,
		     "--severity: warning: 'nothing.here' matches no check (see docs/CHECKS.md)");
	fg_arena_free(&a);
}

TEST(severity_applies_where_findings_are_created)
{
	fg_result *r = fg_result_new(NULL);
	REQUIRE(r);
	fg_policy *p = fg_policy_new(&r->arena);
	REQUIRE(p);
	char err[200];
	REQUIRE(fg_policy_add_severity(p, &r->arena, "services.*=low", err, sizeof(err)));
	r->policy = p;
	fg_finding f = finding("services.telnet", "/etc/inittab", NULL);
	fg_finding g = finding("credentials.empty-password", "/etc/shadow", "root");
	CHECK(fg_result_add_finding(r, f));
	CHECK(fg_result_add_finding(r, g));
	REQUIRE(r->findings.n == 2);
	CHECK_INT_EQ(r->findings.v[0].severity, FG_SEV_LOW);
	CHECK(r->findings.v[0].severity_overridden);
	CHECK_INT_EQ(r->findings.v[0].original_severity, FG_SEV_HIGH);
	CHECK_INT_EQ(r->findings.v[1].severity, FG_SEV_HIGH);
	CHECK(!r->findings.v[1].severity_overridden);
	CHECK_INT_EQ(fg_result_count_at_least(r, FG_SEV_HIGH), 1);
	fg_result_free(r);
}

/* ---- the pipeline ------------------------------------------------------------- */

static char workdir[1024];

static void write_file(const char *rel, const char *text)
{
	char path[1200];
	snprintf(path, sizeof(path), "%s/%s", workdir, rel);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* A root-filesystem directory with two accounts with empty passwords. */
static bool make_rootfs(void)
{
	if (workdir[0])
		return true;
	const char *base = getenv("FG_TEST_TMP");
	if (!base || !*base)
		base = "/tmp";
	mkdir(base, 0755);
	snprintf(workdir, sizeof(workdir), "%s/suppress-XXXXXX", base);
	if (!mkdtemp(workdir))
		return false;
	char etc[1200];
	snprintf(etc, sizeof(etc), "%s/rootfs", workdir);
	mkdir(etc, 0755);
	snprintf(etc, sizeof(etc), "%s/rootfs/etc", workdir);
	mkdir(etc, 0755);
	write_file("rootfs/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
		   "guest:x:1000:1000::/home/guest:/bin/sh\n");
	write_file("rootfs/etc/shadow", "root::18000:0:99999:7:::\n"
		   "guest::18000:0:99999:7:::\n");
	return true;
}

static const fg_finding *find(const fg_result *r, const char *check, const char *needle)
{
	for (size_t i = 0; i < r->findings.n; i++)
		if (!strcmp(r->findings.v[i].check_id, check) && strstr(r->findings.v[i].message, needle))
			return &r->findings.v[i];
	return NULL;
}

static const fg_verdict *verdict(const fg_result *r, const char *standard, const char *req)
{
	for (size_t i = 0; i < r->verdicts.n; i++)
		if (!strcmp(r->verdicts.v[i].standard, standard) && !strcmp(r->verdicts.v[i].requirement, req))
			return &r->verdicts.v[i];
	return NULL;
}

static fg_result *scan(const char *suppress, const char *const *severity)
{
	char input[1200], err[512];
	snprintf(input, sizeof(input), "%s/rootfs", workdir);
	fg_options o;
	fg_options_default(&o);
	o.jobs = 1;
	o.vulndb = "/nonexistent/vulndb.sqlite";
	o.standards = "etsi-en-303-645";
	o.suppress_file = suppress;
	o.severity = severity;
	fg_result *r = NULL;
	fg_status st = fg_scan(input, &o, &r, err, sizeof(err));
	if (st != FG_OK)
		fprintf(stderr, "scan: %s\n", err);
	return r;
}

TEST(suppressions_keep_findings_but_not_verdicts)
{
	REQUIRE(make_rootfs());
	/* without suppressions: both accounts fail ETSI 5.1-1 */
	fg_result *r = scan(NULL, NULL);
	REQUIRE(r);
	const fg_verdict *v = verdict(r, "etsi-en-303-645", "5.1-1");
	REQUIRE(v);
	CHECK_INT_EQ(v->status, FG_VERDICT_FAIL);
	size_t all = r->findings.n;
	fg_result_free(r);

	/* accept both, by subject: still reported, marked, and no longer failing */
	write_file("ignore.yaml",
		   "suppressions:\n"
		   "  - check: credentials.*\n"
		   "    path: /etc/*\n"
		   "    justification: lab image, accounts locked at provisioning\n");
	char path[1200];
	snprintf(path, sizeof(path), "%s/ignore.yaml", workdir);
	r = scan(path, NULL);
	REQUIRE(r);
	CHECK_INT_EQ(r->findings.n, all);
	const fg_finding *f = find(r, "credentials.empty-password", "'guest'");
	REQUIRE(f);
	REQUIRE(f->suppression);
	CHECK_STR_EQ(f->suppression->justification, "lab image, accounts locked at provisioning");
	char src[1300];
	snprintf(src, sizeof(src), "%s:2", path);
	CHECK_STR_EQ(f->suppression->source, src);
	CHECK_INT_EQ(fg_result_count_at_least(r, FG_SEV_INFO),
		     r->findings.n - fg_result_suppressed_count(r));
	v = verdict(r, "etsi-en-303-645", "5.1-1");
	REQUIRE(v);
	CHECK(v->status != FG_VERDICT_FAIL);
	CHECK(strstr(v->evidence, "only suppressed finding(s)") != NULL);
	fg_result_free(r);

	/* a file with errors is refused before anything is unpacked */
	write_file("bad.yaml", "suppressions:\n  - check: credentials.*\n    path: '*'\n");
	snprintf(path, sizeof(path), "%s/bad.yaml", workdir);
	char input[1200], err[512];
	snprintf(input, sizeof(input), "%s/rootfs", workdir);
	fg_options o;
	fg_options_default(&o);
	o.suppress_file = path;
	CHECK_INT_EQ(fg_scan(input, &o, &r, err, sizeof(err)), FG_ERR_USAGE);
	CHECK(r == NULL);
	CHECK(strstr(err, "bad.yaml:2:5: suppressions[0]: required field 'justification' is missing") != NULL);
}

TEST(severity_off_does_not_run_the_check)
{
	REQUIRE(make_rootfs());
	static const char *const rules[] = { "credentials.empty-password=off", "credentials.*=medium",
					     NULL };
	/* the later rule wins: empty-password runs, at medium */
	fg_result *r = scan(NULL, rules);
	REQUIRE(r);
	const fg_finding *f = find(r, "credentials.empty-password", "'guest'");
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_MEDIUM);
	CHECK(f->severity_overridden && f->original_severity == FG_SEV_HIGH);
	fg_result_free(r);

	static const char *const off[] = { "credentials.*=medium", "credentials.empty-password=off", NULL };
	r = scan(NULL, off);
	REQUIRE(r);
	CHECK(find(r, "credentials.empty-password", "") == NULL);
	bool listed = false;
	for (size_t i = 0; i < r->checks_run.n; i++)
		listed |= !strcmp(r->checks_run.v[i], "credentials.empty-password");
	CHECK(!listed);
	const fg_verdict *v = verdict(r, "etsi-en-303-645", "5.1-1");
	REQUIRE(v);
	CHECK(strstr(v->evidence, "credentials.empty-password: not run") != NULL);
	fg_result_free(r);

	static const char *const bad[] = { "credentials.*=loud", NULL };
	char input[1200], err[512];
	snprintf(input, sizeof(input), "%s/rootfs", workdir);
	fg_options o;
	fg_options_default(&o);
	o.severity = bad;
	CHECK_INT_EQ(fg_scan(input, &o, &r, err, sizeof(err)), FG_ERR_USAGE);
}

/* ---- progress ------------------------------------------------------------------- */

typedef struct seen {
	fg_stage stages[64];  /* distinct stages in the order reported */
	size_t n, calls, done;
	double last_elapsed;
	bool backwards;
} seen;

static void record(const fg_progress *p, void *arg)
{
	seen *s = arg;
	s->calls++;
	s->done += p->stage == FG_STAGE_DONE;
	/* calls never overlap, so time only moves forward (bytes may not:
	 * unpacking gives back what a failed stream reserved) */
	if (p->elapsed < s->last_elapsed)
		s->backwards = true;
	s->last_elapsed = p->elapsed;
	if ((!s->n || s->stages[s->n - 1] != p->stage) && s->n < 64)
		s->stages[s->n++] = p->stage;
}

TEST(progress_reports_every_stage_in_order)
{
	REQUIRE(make_rootfs());
	char input[1200], err[512];
	snprintf(input, sizeof(input), "%s/rootfs", workdir);
	fg_options o;
	fg_options_default(&o);
	o.jobs = 1;
	o.vulndb = "/nonexistent/vulndb.sqlite";
	seen s = { .n = 0 };
	o.progress = record;
	o.progress_arg = &s;
	fg_result *r = NULL;
	REQUIRE(fg_scan(input, &o, &r, err, sizeof(err)) == FG_OK);
	static const fg_stage want[] = { FG_STAGE_UNPACK, FG_STAGE_INVENTORY, FG_STAGE_VULNS,
					 FG_STAGE_CHECKS, FG_STAGE_COMPLIANCE, FG_STAGE_DONE };
	CHECK_INT_EQ(s.n, 6);
	for (size_t i = 0; i < 6 && i < s.n; i++)
		CHECK_STR_EQ(fg_stage_name(s.stages[i]), fg_stage_name(want[i]));
	CHECK_INT_EQ(s.done, 1);
	CHECK(!s.backwards);
	fg_result_free(r);

	/* unpacking only, and a failed scan: still ends with DONE */
	seen u = { .n = 0 };
	o.progress_arg = &u;
	o.unpack_only = 1;
	REQUIRE(fg_scan(input, &o, &r, err, sizeof(err)) == FG_OK);
	CHECK_INT_EQ(u.n, 2);
	CHECK(u.stages[0] == FG_STAGE_UNPACK && u.stages[1] == FG_STAGE_DONE);
	fg_result_free(r);
	seen x = { .n = 0 };
	o.progress_arg = &x;
	CHECK_INT_EQ(fg_scan("/nonexistent/input", &o, &r, err, sizeof(err)), FG_ERR_INPUT);
	CHECK_INT_EQ(x.done, 1);
	CHECK(x.n >= 1 && x.stages[x.n - 1] == FG_STAGE_DONE);
	CHECK_STR_EQ(fg_stage_name(FG_STAGE_CHECKS), "checks");
}
