/* The product declaration (parser, validator, verdicts), the declaration
 * map, ETSI EN 303 645 V3 numbering and the security.txt check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "checks/engine.h"
#include "checks/security_txt.h"
#include "compliance/declaration.h"
#include "compliance/evaluate.h"
#include "core/result.h"

#define NOW 1748736000 /* 2025-06-01T00:00:00Z */

static const char *source_path(const char *rel, char *buf, size_t cap)
{
	const char *src = getenv("FG_SOURCE_DIR");
	snprintf(buf, cap, "%s/%s", src ? src : ".", rel);
	return buf;
}

static fg_declaration *parse(fg_arena *a, const char *text)
{
	return fg_declaration_parse("d.yaml", text, strlen(text), a, NOW);
}

/* A valid declaration, with SECTION appended (or replacing nothing). */
#define BASE \
	"manufacturer:\n" \
	"  name: Example Ltd\n" \
	"  address: 1 Road, Town\n" \
	"product:\n" \
	"  name: Hub\n" \
	"  model: H1\n" \
	"vulnerability_disclosure:\n" \
	"  contact:\n" \
	"    email: security@example.com\n" \
	"  policy_url: https://example.com/policy\n" \
	"  timelines:\n" \
	"    acknowledgement: 5 working days\n" \
	"    status_updates: every 30 days\n"

#define SUPPORT \
	"support_period:\n" \
	"  end: 2030-12-31\n" \
	"  published_at: https://example.com/support\n"

static void expect_messages(const char *text, size_t errors, const char *const *want, size_t nwant)
{
	fg_arena a;
	fg_arena_init(&a);
	fg_declaration *d = parse(&a, text);
	REQUIRE(d);
	CHECK_INT_EQ(d->errors, errors);
	CHECK_INT_EQ(d->nmessages, nwant);
	for (size_t i = 0; i < nwant && i < d->nmessages; i++)
		CHECK_STR_EQ(d->messages[i].text, want[i]);
	fg_arena_free(&a);
}

TEST(the_example_and_test_declarations_are_valid)
{
	static const char *const files[] = {
		"docs/declaration.example.yaml", "tests/data/declaration/clean.yaml",
		"tests/data/declaration/planted.yaml",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[1024];
		fg_arena a;
		fg_arena_init(&a);
		fg_declaration *d = fg_declaration_load(source_path(files[i], path, sizeof(path)), &a, NOW);
		REQUIRE(d);
		for (size_t m = 0; m < d->nmessages; m++)
			fprintf(stderr, "%s\n", d->messages[m].text);
		CHECK_INT_EQ(d->errors, 0);
		CHECK_INT_EQ(d->warnings, 0);
		CHECK(fg_decl_has(d, "vulnerability_disclosure.contact"));
		CHECK(!fg_decl_has(d, "vulnerability_disclosure.cont"));
		fg_arena_free(&a);
	}
}

TEST(fields_are_flattened_with_positions)
{
	fg_arena a;
	fg_arena_init(&a);
	fg_declaration *d = parse(&a, BASE SUPPORT "updates:\n  signed: yes\n  delivery: both\n");
	REQUIRE(d);
	CHECK_INT_EQ(d->errors, 0);
	const fg_decl_field *f = fg_decl_field_get(d, "support_period.end");
	REQUIRE(f);
	CHECK_STR_EQ(f->value, "2030-12-31");
	CHECK_INT_EQ(f->line, 15);
	CHECK_INT_EQ(f->col, 8);
	CHECK_STR_EQ(fg_decl_field_get(d, "updates.signed")->value, "true");
	CHECK(!d->support_ended);
	fg_arena_free(&a);
}

TEST(missing_fields_name_the_field_and_the_section_line)
{
	static const char *const want[] = {
		"d.yaml:14:1: support_period.end: required field is missing "
		"(the last day security updates are provided, YYYY-MM-DD)",
	};
	expect_messages(BASE "support_period:\n  published_at: https://example.com/support\n", 1, want, 1);

	static const char *const want2[] = {
		"d.yaml:1:1: support_period: required field is missing (the defined support period)",
	};
	expect_messages(BASE, 1, want2, 1);

	static const char *const want3[] = {
		"d.yaml:1:1: the declaration is empty (see docs/declaration.example.yaml)",
	};
	expect_messages("# nothing\n", 1, want3, 1);

	static const char *const want4[] = {
		"d.yaml:1:1: the declaration must be a map of sections (manufacturer, product, ...), "
		"found a sequence",
	};
	expect_messages("- a\n- b\n", 1, want4, 1);

	/* YAML errors come through as the reader wrote them, split for diagnostics */
	fg_arena a;
	fg_arena_init(&a);
	fg_declaration *d = parse(&a, "manufacturer: name: x\n");
	REQUIRE(d && d->nmessages == 1);
	CHECK_INT_EQ(d->errors, 1);
	CHECK_STR_EQ(d->messages[0].text, "d.yaml:1:19: mapping values are not allowed in this context");
	CHECK_STR_EQ(d->messages[0].where, "d.yaml:1:19");
	CHECK_STR_EQ(d->messages[0].what, "mapping values are not allowed in this context");
	CHECK(!d->messages[0].warning);
	fg_arena_free(&a);
}

TEST(invalid_values_are_errors_at_their_position)
{
	static const char *const want[] = {
		"d.yaml:9:12: vulnerability_disclosure.contact.email: 'security(at)example.com' is not a "
		"valid e-mail address",
		"d.yaml:15:8: support_period.end: '2030-02-29' is not a valid date (YYYY-MM-DD)",
		"d.yaml:16:17: support_period.published_at: 'http://example.com/support' is not an https:// URL",
		"d.yaml:18:13: updates.delivery: 'sometimes' is not one of automatic, manual, both",
		"d.yaml:19:11: updates.signed: 'maybe' is not true or false",
	};
	expect_messages(
		"manufacturer:\n  name: Example Ltd\n  address: 1 Road, Town\n"
		"product:\n  name: Hub\n  model: H1\n"
		"vulnerability_disclosure:\n  contact:\n    email: security(at)example.com\n"
		"  policy_url: https://example.com/policy\n"
		"  timelines:\n    acknowledgement: 5 working days\n    status_updates: every 30 days\n"
		"support_period:\n  end: 2030-02-29\n  published_at: http://example.com/support\n"
		"updates:\n  delivery: sometimes\n  signed: maybe\n",
		5, want, 5);
}

TEST(unknown_keys_warn_unknown_requirements_fail)
{
	static const char *const want[] = {
		"d.yaml:17:1: warning: colour: unknown key (ignored)",
		"d.yaml:19:3: requirements: 'etsi-en-303-645/5.5-99' is not in the catalog "
		"(see 'firmgate standards show etsi-en-303-645')",
		"d.yaml:21:3: requirements: 'no-such-std/1' names an unknown standard 'no-such-std' "
		"(see 'firmgate standards')",
		"d.yaml:23:3: requirements.uk-psti/Sch 1 para 2: a justification is required when the "
		"status is not-applicable",
		"d.yaml:26:13: requirements.uk-psti/Sch 1 para 3.status: 'done' is not one of met, "
		"not-met, not-applicable",
	};
	expect_messages(BASE SUPPORT
			"colour: blue\n"
			"requirements:\n"
			"  etsi-en-303-645/5.5-99:\n    status: met\n"
			"  no-such-std/1:\n    status: met\n"
			"  uk-psti/Sch 1 para 2:\n    status: not-applicable\n"
			"  uk-psti/Sch 1 para 3:\n    status: done\n",
			4, want, 5);
}

TEST(cross_field_rules)
{
	static const char *const want[] = {
		"d.yaml:8:3: vulnerability_disclosure.contact: needs an email or a url (or both) to "
		"report security issues to",
	};
	expect_messages("manufacturer:\n  name: E\n  address: A\n"
			"product:\n  name: Hub\n  model: H1\n"
			"vulnerability_disclosure:\n  contact: {}\n"
			"  timelines:\n    acknowledgement: 72 hours\n    status_updates: 2 weeks\n"
			SUPPORT, 1, want, 1);
	static const char *const want2[] = {
		"d.yaml:17:1: sbom.url: required field is missing (where the SBOM is published, when "
		"sbom.published is true)",
	};
	expect_messages(BASE SUPPORT "sbom:\n  published: true\n", 1, want2, 1);
	/* a dotted key is not the nested field it spells */
	static const char *const want3[] = {
		"d.yaml:14:1: warning: support_period.end: unknown key (ignored)",
		"d.yaml:1:1: support_period: required field is missing (the defined support period)",
	};
	expect_messages(BASE "support_period.end: 2030-12-31\n", 1, want3, 2);
}

TEST(a_past_support_period_is_a_warning)
{
	fg_arena a;
	fg_arena_init(&a);
	fg_declaration *d = parse(&a, BASE "support_period:\n  end: 2025-05-30\n"
				  "  published_at: https://example.com/support\n");
	REQUIRE(d);
	CHECK_INT_EQ(d->errors, 0);
	CHECK_INT_EQ(d->warnings, 1);
	CHECK(d->support_ended);
	REQUIRE(d->nmessages == 1);
	CHECK_STR_EQ(d->messages[0].text, "d.yaml:15:8: warning: support_period.end: 2025-05-30 is in "
				     "the past: the declared support period has ended");
	fg_arena_free(&a);
	/* the last day is still inside the period */
	fg_arena_init(&a);
	d = parse(&a, BASE "support_period:\n  end: 2025-05-31\n  published_at: https://example.com/s\n");
	CHECK(d && d->warnings == 1);
	fg_arena_free(&a);
	fg_arena_init(&a);
	d = parse(&a, BASE "support_period:\n  end: 2025-06-01\n  published_at: https://example.com/s\n");
	CHECK(d && d->warnings == 0 && !d->support_ended);
	fg_arena_free(&a);
}

TEST(value_validators)
{
	CHECK(fg_decl_valid_email("security@example.com"));
	CHECK(fg_decl_valid_email("first.last+tag@sub.example.co.uk"));
	CHECK(fg_decl_valid_email("a@xn--bcher-kva.xn--p1ai"));
	CHECK(!fg_decl_valid_email("security(at)example.com"));
	CHECK(!fg_decl_valid_email("security@localhost"));
	CHECK(!fg_decl_valid_email("a..b@example.com"));
	CHECK(!fg_decl_valid_email(".a@example.com"));
	CHECK(!fg_decl_valid_email("a@-example.com"));
	CHECK(!fg_decl_valid_email("a@example.123"));
	CHECK(!fg_decl_valid_email("a@b@example.com"));
	CHECK(!fg_decl_valid_email("Name <a@example.com>"));
	CHECK(fg_decl_valid_https("https://example.com"));
	CHECK(fg_decl_valid_https("HTTPS://example.com:8443/a?b=c#d"));
	CHECK(fg_decl_valid_https("https://[2001:db8::1]/x"));
	CHECK(!fg_decl_valid_https("http://example.com"));
	CHECK(!fg_decl_valid_https("https://"));
	CHECK(!fg_decl_valid_https("https://user:pw@example.com/"));
	CHECK(!fg_decl_valid_https("https://exa mple.com/"));
	CHECK(!fg_decl_valid_https("https://example.com:99999/"));
	CHECK(!fg_decl_valid_https("https://-bad.example.com/"));
	time_t t = 0;
	CHECK(fg_decl_valid_date("2024-02-29", &t));
	CHECK_INT_EQ(t, 1709164800);
	CHECK(!fg_decl_valid_date("2023-02-29", NULL));
	CHECK(!fg_decl_valid_date("2023-13-01", NULL));
	CHECK(!fg_decl_valid_date("2023-1-01", NULL));
	CHECK(!fg_decl_valid_date("31.12.2030", NULL));
}

/* ---- verdicts ------------------------------------------------------------------ */

static const fg_verdict *verdict(const fg_result *r, const char *std, const char *id)
{
	for (size_t i = 0; i < r->verdicts.n; i++)
		if (!strcmp(r->verdicts.v[i].standard, std) && !strcmp(r->verdicts.v[i].requirement, id))
			return &r->verdicts.v[i];
	return NULL;
}

/* A result whose checks all ran on one file tree, with FINDING (a check
 * ID, or NULL) found, and the declaration TEXT. */
static fg_result *evaluated(const char *finding, const char *text)
{
	fg_result *r = fg_result_new(NULL);
	fg_fsinfo fs = { 0 };
	FG_VEC_PUSH(&r->filesystems, fs);
	for (size_t i = 0; i < fg_check_count(); i++)
		FG_VEC_PUSH(&r->checks_run, fg_check_at(i)->id);
	if (finding) {
		fg_finding f = { .check_id = finding, .severity = FG_SEV_HIGH };
		FG_VEC_PUSH(&r->findings, f);
	}
	fg_declaration *d = parse(&r->arena, text);
	if (d && !d->errors)
		r->declaration = d;
	fg_compliance_evaluate(r);
	return r;
}

static fg_verdict_status status(const fg_result *r, const char *std, const char *id)
{
	const fg_verdict *v = verdict(r, std, id);
	return v ? v->status : (fg_verdict_status)-1;
}

TEST(declared_requirements_and_what_was_declared)
{
	fg_result *r = evaluated(NULL, BASE SUPPORT);
	REQUIRE(r->declaration);
	/* the map: support_period.end + published_at -> ETSI 5.3-13 and PSTI para 3 */
	CHECK(status(r, "etsi-en-303-645", "5.3-13") == FG_VERDICT_DECLARED);
	CHECK(status(r, "etsi-en-303-645-v3", "5.3-13") == FG_VERDICT_DECLARED);
	CHECK(status(r, "uk-psti", "Sch 1 para 3") == FG_VERDICT_DECLARED);
	CHECK(status(r, "uk-psti", "SoC: defined support period") == FG_VERDICT_DECLARED);
	/* contact + timelines + policy -> ETSI 5.2-1; contact + timelines -> PSTI para 2 */
	CHECK(status(r, "etsi-en-303-645", "5.2-1") == FG_VERDICT_DECLARED);
	CHECK(status(r, "uk-psti", "Sch 1 para 2") == FG_VERDICT_DECLARED);
	const fg_verdict *v = verdict(r, "uk-psti", "Sch 1 para 3");
	REQUIRE(v && v->declared);
	CHECK(strstr(v->declared, "support_period.end = 2030-12-31 (line 15)") != NULL);
	CHECK(strstr(v->declared, "support_period.published_at = https://example.com/support (line 16)"));
	/* nothing declared about it: unchanged */
	CHECK(status(r, "uk-psti", "SoC: signatory") == FG_VERDICT_DECLARATION_MISSING);
	CHECK(verdict(r, "uk-psti", "SoC: signatory")->declared == NULL);
	/* a firmware pass stays a pass */
	CHECK(status(r, "etsi-en-303-645", "5.1-1") == FG_VERDICT_PASS);
	size_t counts[FG_VERDICT_KINDS];
	fg_compliance_summary(r, "uk-psti", FG_LEVEL_MANDATORY, counts);
	CHECK(counts[FG_VERDICT_DECLARED] >= 4);
	fg_compliance_summary(r, "uk-psti", FG_LEVEL_RECOMMENDED, counts);
	CHECK_INT_EQ(counts[FG_VERDICT_DECLARED], 0); /* PSTI is all mandatory */
	fg_result_free(r);
}

TEST(a_declaration_never_overrides_a_firmware_fail)
{
	fg_result *r = evaluated("credentials.default-password", BASE SUPPORT
				 "features:\n  passwords: false\n"
				 "requirements:\n  etsi-en-303-645/5.1-1:\n    status: met\n");
	REQUIRE(r->declaration);
	const fg_verdict *v = verdict(r, "etsi-en-303-645", "5.1-1");
	REQUIRE(v);
	CHECK(v->status == FG_VERDICT_FAIL);
	CHECK(strstr(v->evidence, "a declaration cannot refute what the image shows") != NULL);
	/* "no passwords" made PSTI 1(3)(a) not applicable, but the password
	 * finding refutes the rule: FW-CRED-DEFAULT is its refuting family */
	v = verdict(r, "uk-psti", "Sch 1 para 1(3)(a)");
	CHECK(v && v->status == FG_VERDICT_FAIL && v->findings == 1);
	fg_result_free(r);

	/* without the finding the same declaration makes them not applicable */
	r = evaluated(NULL, BASE SUPPORT "features:\n  passwords: false\n");
	CHECK(status(r, "uk-psti", "Sch 1 para 1(3)(a)") == FG_VERDICT_NOT_APPLICABLE);
	CHECK(status(r, "etsi-en-303-645", "5.1-1") == FG_VERDICT_NOT_APPLICABLE);
	fg_result_free(r);
}

TEST(statements_met_not_met_not_applicable)
{
	fg_result *r = evaluated(NULL, BASE SUPPORT
				 "requirements:\n"
				 "  etsi-en-303-645/5.5-3:\n    status: not-met\n    justification: later\n"
				 "  etsi-en-303-645/5.6-3:\n    status: not-applicable\n"
				 "    justification: no physical interfaces\n"
				 "  etsi-en-303-645-v3/5.1-2A:\n    status: met\n");
	REQUIRE(r->declaration);
	CHECK(status(r, "etsi-en-303-645", "5.5-3") == FG_VERDICT_FAIL);
	CHECK(status(r, "etsi-en-303-645", "5.6-3") == FG_VERDICT_NOT_APPLICABLE);
	CHECK(status(r, "etsi-en-303-645-v3", "5.1-2A") == FG_VERDICT_DECLARED);
	const fg_verdict *v = verdict(r, "etsi-en-303-645", "5.6-3");
	CHECK(v && v->declared && strstr(v->declared, "d.yaml:21: requirements: etsi-en-303-645/5.6-3 "
						  "is not-applicable: no physical interfaces"));
	fg_result_free(r);
}

TEST(the_declaration_map_resolves)
{
	CHECK(fg_decl_rule_count() >= 15);
	for (size_t i = 0; i < fg_decl_rule_count(); i++) {
		const fg_decl_rule *rule = fg_decl_rule_at(i);
		if (rule->unresolved)
			fprintf(stderr, "declaration-map.tsv: %s: not in the catalog\n", rule->unresolved);
		CHECK(rule->unresolved == NULL);
		CHECK(rule->nreqs > 0);
		CHECK(!*rule->family || rule->nchecks > 0);
		/* a rule may only make a requirement not applicable when it is conditional
		 * (or PSTI's password paragraph, which applies where passwords are used) */
		for (size_t k = 0; rule->not_applicable && k < rule->nreqs; k++) {
			const fg_requirement *q = rule->reqs[k];
			bool conditional = strstr(q->level, "conditional") || !strncmp(q->level, "recommended", 11) ||
					   !strncmp(q->id, "Sch 1 para 1", 12);
			if (!conditional)
				fprintf(stderr, "%s %s is %s\n", q->standard, q->id, q->level);
			CHECK(conditional);
		}
	}
	/* every field a rule names is a field the example declaration shows */
	char path[1024];
	fg_arena a;
	fg_arena_init(&a);
	fg_declaration *d = fg_declaration_load(source_path("docs/declaration.example.yaml", path,
							    sizeof(path)), &a, NOW);
	REQUIRE(d);
	for (size_t i = 0; i < fg_decl_rule_count(); i++) {
		for (const char *p = fg_decl_rule_at(i)->fields; *p;) {
			size_t len = strcspn(p, "+"), pl = strcspn(p, "=+");
			char field[128];
			snprintf(field, sizeof(field), "%.*s", (int)pl, p);
			if (!fg_decl_has(d, field))
				fprintf(stderr, "declaration-map.tsv field %s not in the example\n", field);
			CHECK(fg_decl_has(d, field));
			p += len + (p[len] == '+');
		}
	}
	fg_arena_free(&a);
}

TEST(etsi_v3_numbering)
{
	/* V2.1.1 and V3.1.3 are two standards with their own IDs */
	CHECK(fg_requirement_find("etsi-en-303-645", "4-1") != NULL);
	CHECK(fg_requirement_find("etsi-en-303-645", "5.0-1") == NULL);
	CHECK(fg_requirement_find("etsi-en-303-645-v3", "5.0-1") != NULL);
	CHECK(fg_requirement_find("etsi-en-303-645-v3", "4-1") == NULL);
	CHECK(fg_requirement_find("etsi-en-303-645", "5.3-4") != NULL);
	CHECK(fg_requirement_find("etsi-en-303-645-v3", "5.3-4") == NULL);
	CHECK(fg_requirement_find("etsi-en-303-645-v3", "5.3-4A") != NULL);
	const fg_requirement *r = fg_requirement_find("etsi-en-303-645-v3", "5.1-1");
	REQUIRE(r);
	CHECK_STR_EQ(r->level, "mandatory-conditional"); /* V3 MF(a) */
	r = fg_requirement_find("etsi-en-303-645-v3", "6-6");
	REQUIRE(r);
	CHECK_STR_EQ(r->level, "mandatory-conditional"); /* new in V3 */
	CHECK(fg_requirement_find("etsi-en-303-645", "6-6") == NULL);
	/* the V3 default-password provision is firmware-checked like V2's */
	fg_result *res = evaluated("credentials.default-password", BASE SUPPORT);
	CHECK(status(res, "etsi-en-303-645-v3", "5.1-1") == FG_VERDICT_FAIL);
	fg_result_free(res);
}

/* ---- security.txt ---------------------------------------------------------------- */

typedef struct problems {
	char text[16][300];
	size_t n;
} problems;

static void collect(void *arg, unsigned line, fg_severity sev, const char *subject, const char *msg)
{
	problems *p = arg;
	if (p->n < 16)
		snprintf(p->text[p->n++], sizeof(p->text[0]), "%u %s %s: %s", line, fg_severity_name(sev),
			 subject, msg);
}

static void expect_sectxt(const char *text, const char *const *want, size_t nwant)
{
	problems p = { .n = 0 };
	size_t n = fg_security_txt_check(text, strlen(text), NOW, collect, &p);
	CHECK_INT_EQ(n, nwant);
	CHECK_INT_EQ(p.n, nwant);
	for (size_t i = 0; i < nwant && i < p.n; i++)
		CHECK_STR_EQ(p.text[i], want[i]);
}

TEST(security_txt_rfc9116)
{
	expect_sectxt("Contact: mailto:security@example.com\r\nExpires: 2025-12-31T23:59:59Z\r\n"
		      "# comment\r\n\r\nPreferred-Languages: en, de-CH\r\nX-Custom: ignored\r\n", NULL, 0);
	static const char *const past[] = { "4 medium expires-past: Expires 2023-01-01T00:00:00Z is in the past" };
	expect_sectxt("# x\nContact: https://example.com/security\n\nExpires: 2023-01-01T00:00:00Z\n", past, 1);
	static const char *const missing[] = {
		"0 medium contact-missing: no Contact field (RFC 9116 requires at least one)",
		"0 medium expires-missing: no Expires field (RFC 9116 requires exactly one)",
	};
	expect_sectxt("Policy: https://example.com/policy\n", missing, 2);
	static const char *const bad[] = {
		"1 medium contact-http: Contact http://example.com/sec is not https:// (RFC 9116 2.5.3: a web URI must use https)",
		"2 low contact-not-uri: Contact security@example.com is not a URI (write mailto:ADDRESS)",
		"3 low expires-invalid: Expires 31 Dec 2025 is not an RFC 3339 date-time (e.g. 2026-12-31T23:59:59Z)",
		"4 low expires-repeated: Expires appears more than once (first at line 3; RFC 9116 allows one)",
		"5 low not-a-field: just some text is neither a field (Name: value) nor a comment",
		"6 low languages-invalid: Preferred-Languages en;de is not a list of language tags (e.g. en, de)",
		"7 low encryption-http: Encryption http://example.com/key.asc is not https:// (RFC 9116: web URIs must use https)",
	};
	expect_sectxt("Contact: http://example.com/sec\nContact: security@example.com\n"
		      "Expires: 31 Dec 2025\nExpires: 2025-12-31T23:59:59Z\njust some text\n"
		      "Preferred-Languages: en;de\nEncryption: http://example.com/key.asc\n", bad, 7);
	static const char *const far[] = {
		"2 low expires-far: Expires 2027-01-01T00:00:00+01:00 is more than a year ahead "
		"(RFC 9116 recommends less than a year)",
	};
	expect_sectxt("Contact: tel:+1-201-555-0123\nExpires: 2027-01-01T00:00:00+01:00\n", far, 1);
	/* a signed file: dash-escaped lines are content, the signature is not */
	expect_sectxt("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n"
		      "Contact: mailto:s@example.com\n- Expires: 2025-12-31T23:59:59.5Z\n"
		      "-----BEGIN PGP SIGNATURE-----\n\nabc+def=\n-----END PGP SIGNATURE-----\n", NULL, 0);
	static const char *const cut[] = {
		"4 low signature-frame: PGP signed message is not complete (no \"-----END PGP SIGNATURE-----\")",
		"0 medium expires-missing: no Expires field (RFC 9116 requires exactly one)",
	};
	expect_sectxt("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nContact: mailto:s@example.com\n",
		      cut, 2);
	static const char *const empty[] = {
		"1 low empty-value: Contact has no value",
		"0 medium contact-missing: no Contact field (RFC 9116 requires at least one)",
	};
	expect_sectxt("Contact:\nExpires: 2025-12-31T23:59:59Z\n", empty, 2);
	static const char *const bin[] = { "0 low binary: holds NUL bytes: not a text file" };
	problems p = { .n = 0 };
	CHECK_INT_EQ(fg_security_txt_check("Contact: x\0y", 12, NOW, collect, &p), 1);
	CHECK_STR_EQ(p.text[0], bin[0]);
	/* a dash-escaped line of just "- " in a signed body: nothing to read
	 * (fuzzing found a read past the line) */
	problems q = { .n = 0 };
	const char *signed_empty = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n- \n"
				   "Contact: mailto:a@example.com\n";
	fg_security_txt_check(signed_empty, strlen(signed_empty), NOW, collect, &q);
	CHECK(q.n >= 1);
}

static fg_node *add_file(fg_result *r, fg_node *root, const char *path, const char *text)
{
	fg_node *n = fg_tree_mkpath(&r->tree, root, path, FG_NODE_FILE);
	n->data = (const uint8_t *)text;
	n->data_len = strlen(text);
	return n;
}

TEST(security_txt_check_finds_files_in_web_roots)
{
	setenv("FG_NOW", "1748736000", 1);
	fg_result *r = fg_result_new(NULL);
	fg_node *root = fg_node_new(&r->tree, "rootfs", 6, FG_NODE_DIR);
	root->flags = FG_NODE_FSROOT | FG_NODE_FILESYSTEM;
	r->tree.root = root;
	add_file(r, root, "www/.well-known/security.txt",
		 "Contact: mailto:s@example.com\nExpires: 2024-01-01T00:00:00Z\n");
	add_file(r, root, "var/www/html/security.txt", "Contact: mailto:s@example.com\n");
	add_file(r, root, "usr/share/doc/security.txt", "not a security.txt at all\n");
	fg_checks_run_tree(r, root, fg_check_find("disclosure.security-txt"));
	REQUIRE(r->findings.n == 2);  /* in path order */
	CHECK_STR_EQ(r->findings.v[0].message, "/var/www/html/security.txt: no Expires field "
					       "(RFC 9116 requires exactly one)");
	CHECK_INT_EQ(r->findings.v[0].line, 0);
	CHECK_STR_EQ(r->findings.v[1].message, "/www/.well-known/security.txt:2: Expires "
					       "2024-01-01T00:00:00Z is in the past");
	CHECK_INT_EQ(r->findings.v[1].line, 2);
	CHECK_STR_EQ(r->findings.v[1].path, "/www/.well-known/security.txt");
	CHECK(r->findings.v[1].severity == FG_SEV_MEDIUM);
	fg_result_free(r);

	/* --security-txt FILE: findings at the path as given */
	char path[1024];
	fg_options o;
	fg_options_default(&o);
	o.security_txt_file = source_path("tests/data/security-txt/expired.txt", path, sizeof(path));
	r = fg_result_new(&o);
	fg_security_txt_external(r);
	REQUIRE(r->findings.n == 2);
	char want[1200];
	snprintf(want, sizeof(want), "%s:4: Expires 2023-01-01T00:00:00Z is in the past", path);
	CHECK_STR_EQ(r->findings.v[0].message, want);
	CHECK_STR_EQ(r->findings.v[0].container, "--security-txt");
	CHECK_STR_EQ(r->findings.v[0].check_id, "disclosure.security-txt");
	fg_result_free(r);
	unsetenv("FG_NOW");
}
