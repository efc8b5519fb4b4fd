/* The passwd/shadow parser and hash classification (checks/accounts.c). */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "checks/accounts.h"

/* Copies TEXT into an exact-size heap buffer with no NUL after it, so
 * AddressSanitizer catches any read past the end. */
static uint8_t *exact(const char *text, size_t len)
{
	uint8_t *b = malloc(len ? len : 1);
	memcpy(b, text, len);
	return b;
}

static fg_accounts *parse2(const char *passwd, const char *shadow, uint8_t **pb, uint8_t **sb)
{
	*pb = passwd ? exact(passwd, strlen(passwd)) : NULL;
	*sb = shadow ? exact(shadow, strlen(shadow)) : NULL;
	/* The nodes are only recorded: any distinct non-NULL pointers do. */
	static const fg_node pnode, snode;
	return fg_accounts_parse(*pb, passwd ? strlen(passwd) : 0, &pnode,
				 *sb, shadow ? strlen(shadow) : 0, &snode);
}

static const fg_account *find(const fg_accounts *a, const char *name)
{
	for (size_t i = 0; i < a->v.n; i++)
		if (strcmp(a->v.v[i].name, name) == 0)
			return &a->v.v[i];
	return NULL;
}

TEST(passwd_defers_to_shadow_on_x)
{
	uint8_t *pb, *sb;
	fg_accounts *a = parse2(
		"root:x:0:0:root:/root:/bin/sh\n"
		"daemon:*:1:1:daemon:/usr/sbin:/bin/false\n"
		"admin:$1$uLZZF/f2$g/xH2FaxfBRW3iosUfgMS1:1000:1000:Admin:/home/admin:/bin/sh\n",
		"# shadow\n"
		"root:$6$Mir4iS4lt$82RYWKIOtONmcYRz7qUL3AVcxe8uBVQ2VK5SoKfPYLIZ022Mn/.gw2pRCGZvhFEwpbeAQBgmJ41lA5n.t2Bdz/:18000:0:99999:7:::\n"
		"admin:!!:18000::::::\n",
		&pb, &sb);
	REQUIRE(a);
	CHECK_INT_EQ(a->v.n, 3);
	const fg_account *r = find(a, "root");
	REQUIRE(r);
	CHECK_INT_EQ(r->uid, 0);
	CHECK_INT_EQ(r->gid, 0);
	CHECK_STR_EQ(r->home, "/root");
	CHECK_STR_EQ(r->shell, "/bin/sh");
	CHECK_INT_EQ(r->state, FG_PW_HASH);
	CHECK_INT_EQ(r->scheme, FG_HASH_SHA512);
	CHECK(r->crypt_ok);
	CHECK_INT_EQ(r->hash_line, 2);            /* the shadow line, after the comment */
	CHECK_INT_EQ(r->hash_offset, 9);
	CHECK(r->hash_node != r->passwd_node);
	CHECK_INT_EQ(r->passwd_line, 1);
	CHECK(strncmp(r->hash_raw, "root:$6$", 8) == 0);

	const fg_account *d = find(a, "daemon");
	REQUIRE(d);
	CHECK_INT_EQ(d->state, FG_PW_LOCKED);

	/* The hash stored in passwd counts even though shadow locks the name:
	 * login only consults shadow when passwd says "x". */
	const fg_account *ad = find(a, "admin");
	REQUIRE(ad);
	CHECK_INT_EQ(ad->state, FG_PW_HASH);
	CHECK_INT_EQ(ad->scheme, FG_HASH_MD5);
	CHECK(ad->hash_node == ad->passwd_node);
	CHECK_INT_EQ(ad->hash_line, 3);
	fg_accounts_free(a);
	free(pb);
	free(sb);
}

TEST(tolerant_of_crlf_comments_blank_and_short_lines)
{
	uint8_t *pb, *sb;
	fg_accounts *a = parse2(
		"\r\n"
		"# comment: with colons::\r\n"
		"   # indented comment\r\n"
		"root::0:0:root:/root:/bin/ash\r\n"
		"short\r\n"
		"bin:x\r\n"
		"guest::1001\r\n"
		"+::0:0:::\r\n"
		"-baduser:::\r\n"
		"wide:x:70000:70000:too:many:fields:a:b:c:d\r\n",
		NULL, &pb, &sb);
	REQUIRE(a);
	CHECK_INT_EQ(a->v.n, 4);
	const fg_account *r = find(a, "root");
	REQUIRE(r);
	CHECK_INT_EQ(r->state, FG_PW_EMPTY);
	CHECK_INT_EQ(r->hash_line, 4);
	CHECK_STR_EQ(r->shell, "/bin/ash");       /* CR removed */
	CHECK_STR_EQ(r->hash_raw, "root::0:0:root:/root:/bin/ash");

	const fg_account *b = find(a, "bin");
	REQUIRE(b);
	CHECK_INT_EQ(b->state, FG_PW_NOT_SET);    /* "x" but there is no shadow */
	CHECK_INT_EQ(b->uid, FG_UID_UNKNOWN);
	CHECK_STR_EQ(b->shell, "");

	const fg_account *g = find(a, "guest");
	REQUIRE(g);
	CHECK_INT_EQ(g->state, FG_PW_EMPTY);
	CHECK_INT_EQ(g->uid, 1001);

	const fg_account *w = find(a, "wide");
	REQUIRE(w);
	CHECK_INT_EQ(w->uid, 70000);
	CHECK_STR_EQ(w->shell, "fields");
	CHECK(!find(a, "short"));
	CHECK(!find(a, "+"));                     /* NIS compat lines are not accounts */
	fg_accounts_free(a);
	free(pb);
}

TEST(first_entry_of_a_name_wins_and_shadow_only_entries_kept)
{
	uint8_t *pb, *sb;
	fg_accounts *a = parse2(
		"root:x:0:0::/root:/bin/sh\n"
		"root::0:0::/root:/bin/sh\n",
		"root:!:1::::::\n"
		"root::1::::::\n"
		"orphan:$1$SuPp0rt1$eCb3SZmleWywd8cmQnd8F.:1::::::\n"
		"orphan::1::::::\n",
		&pb, &sb);
	REQUIRE(a);
	CHECK_INT_EQ(a->v.n, 2);
	const fg_account *r = find(a, "root");
	REQUIRE(r);
	CHECK_INT_EQ(r->state, FG_PW_LOCKED);     /* first passwd line, first shadow line */
	CHECK_INT_EQ(r->hash_line, 1);
	const fg_account *o = find(a, "orphan");
	REQUIRE(o);
	CHECK(o->passwd_node == NULL);
	CHECK_INT_EQ(o->uid, FG_UID_UNKNOWN);
	CHECK_INT_EQ(o->state, FG_PW_HASH);
	CHECK_INT_EQ(o->hash_line, 3);
	fg_accounts_free(a);
	free(pb);
	free(sb);
}

TEST(hash_classification)
{
	static const struct {
		const char *field;
		fg_pw_state state;
		fg_hash_scheme scheme;
	} cases[] = {
		{ "", FG_PW_EMPTY, FG_HASH_NONE },
		{ "!", FG_PW_LOCKED, FG_HASH_NONE },
		{ "!!", FG_PW_LOCKED, FG_HASH_NONE },
		{ "*", FG_PW_LOCKED, FG_HASH_NONE },
		{ "*LK*", FG_PW_LOCKED, FG_HASH_NONE },
		{ "!$1$uLZZF/f2$g/xH2FaxfBRW3iosUfgMS1", FG_PW_LOCKED, FG_HASH_NONE },
		{ "x", FG_PW_UNKNOWN, FG_HASH_NONE },
		{ "abc", FG_PW_UNKNOWN, FG_HASH_NONE },
		{ "abOV.DfJmdnYw", FG_PW_HASH, FG_HASH_DES },
		{ "abOV.DfJmdnY#", FG_PW_UNKNOWN, FG_HASH_NONE },
		{ "_J9..BsdiAaIFQjmOzA2", FG_PW_HASH, FG_HASH_BSDI },
		{ "$1$uLZZF/f2$g/xH2FaxfBRW3iosUfgMS1", FG_PW_HASH, FG_HASH_MD5 },
		{ "$md5,rounds=1000$abc$$xyz", FG_PW_HASH, FG_HASH_SUN_MD5 },
		{ "$md5$abc$$xyz", FG_PW_HASH, FG_HASH_SUN_MD5 },
		{ "$2a$05$abcdefghijklmnopqrstuu", FG_PW_HASH, FG_HASH_BCRYPT },
		{ "$2b$05$abcdefghijklmnopqrstuu", FG_PW_HASH, FG_HASH_BCRYPT },
		{ "$2y$05$abcdefghijklmnopqrstuu", FG_PW_HASH, FG_HASH_BCRYPT },
		{ "$3$$8846f7eaee8fb117ad06bdd830b7586c", FG_PW_HASH, FG_HASH_NT },
		{ "$5$r00tSalt$QpCPE9XTmxI9TqCfz08fdL6R8pFgnBTYLrF8XCcwzA3", FG_PW_HASH, FG_HASH_SHA256 },
		{ "$6$x$y", FG_PW_HASH, FG_HASH_SHA512 },
		{ "$7$CU..../....abc$def", FG_PW_HASH, FG_HASH_SCRYPT },
		{ "$sha1$40000$salt$hash", FG_PW_HASH, FG_HASH_SHA1 },
		{ "$y$j9T$salt$hash", FG_PW_HASH, FG_HASH_YESCRYPT },
		{ "$gy$j9T$salt$hash", FG_PW_HASH, FG_HASH_GOST_YESCRYPT },
		{ "$9$nope", FG_PW_UNKNOWN, FG_HASH_NONE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fg_hash_scheme s;
		fg_pw_state st = fg_hash_classify(cases[i].field, &s);
		if (st != cases[i].state || s != cases[i].scheme)
			fprintf(stderr, "classify(\"%s\")\n", cases[i].field);
		CHECK_INT_EQ(st, cases[i].state);
		CHECK_INT_EQ(s, cases[i].scheme);
	}
	CHECK_STR_EQ(fg_hash_scheme_name(FG_HASH_SHA512), "sha512crypt");
	CHECK_STR_EQ(fg_hash_scheme_name(FG_HASH_MD5), "md5crypt");
}

TEST(no_trailing_newline)
{
	uint8_t *pb, *sb;
	fg_accounts *a = parse2("a:x:1:1::/:/bin/sh\nroot:$1$RYIwEiRA$d5iRRVQ5ZeRTrJwGjRy.B0:0:0::/root:/bin/sh",
				NULL, &pb, &sb);
	REQUIRE(a);
	const fg_account *r = find(a, "root");
	REQUIRE(r);
	CHECK_STR_EQ(r->shell, "/bin/sh");
	CHECK_INT_EQ(r->hash_line, 2);
	CHECK_STR_EQ(r->hash, "$1$RYIwEiRA$d5iRRVQ5ZeRTrJwGjRy.B0");
	fg_accounts_free(a);
	free(pb);
}

TEST(hostile_overlong_line_is_skipped)
{
	size_t big = 1u << 20;
	char *text = malloc(big + 64);
	memcpy(text, "evil:", 5);
	memset(text + 5, 'A', big - 5);
	strcpy(text + big, "\nroot::0:0::/:/bin/sh\n");
	uint8_t *pb, *sb;
	fg_accounts *a = parse2(text, NULL, &pb, &sb);
	REQUIRE(a);
	CHECK_INT_EQ(a->v.n, 1);
	CHECK(a->skipped_lines == 1);
	const fg_account *r = find(a, "root");
	REQUIRE(r);
	CHECK_INT_EQ(r->hash_line, 2);
	CHECK_INT_EQ(r->hash_offset, (long long)big + 1);
	fg_accounts_free(a);
	free(pb);
	free(text);
}

TEST(hostile_binary_garbage)
{
	size_t len = 256 * 1024;
	uint8_t *g = malloc(len);
	uint32_t x = 12345;
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		uint8_t c = (uint8_t)(x >> 16);
		/* plenty of separators so the parser really splits lines */
		g[i] = (x >> 28) == 0 ? '\n' : (x >> 28) == 1 ? ':' : c;
	}
	static const fg_node n1, n2;
	fg_accounts *a = fg_accounts_parse(g, len, &n1, g, len, &n2);
	REQUIRE(a);
	for (size_t i = 0; i < a->v.n; i++) {
		const char *nm = a->v.v[i].name;
		CHECK(*nm && strlen(nm) <= 64);
		for (const char *p = nm; *p; p++)
			CHECK((unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f);
	}
	fg_accounts_free(a);

	/* Empty and NULL inputs. */
	a = fg_accounts_parse(g, 0, &n1, NULL, 0, NULL);
	REQUIRE(a);
	CHECK_INT_EQ(a->v.n, 0);
	fg_accounts_free(a);
	free(g);
}

TEST(entry_cap)
{
	size_t n = FG_ACCOUNTS_MAX_ENTRIES + 10;
	char *text = malloc(n * 24 + 1), *p = text;
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "u%zu:x:1:1::/:\n", i);
	uint8_t *pb, *sb;
	fg_accounts *a = parse2(text, NULL, &pb, &sb);
	REQUIRE(a);
	CHECK(a->truncated);
	CHECK_INT_EQ(a->v.n, FG_ACCOUNTS_MAX_ENTRIES);
	fg_accounts_free(a);
	free(pb);
	free(text);
}
