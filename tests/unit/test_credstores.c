/* Credential stores beyond /etc/shadow: parsing, hash schemes, and the
 * checks credentials.default-password, .plaintext-password, .weak-hash
 * and .uid0-account on them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "fixture.h"
#include "checks/credhash.h"
#include "checks/credstore.h"

/* Vectors from `openssl passwd -apr1 -salt S PW` and Python's hashlib
 * (mosquitto's constructions: sha512(pw || salt), PBKDF2-HMAC-SHA512). */
#define APR1_ADMIN "$apr1$r31....$LWAl/xxE/MI8X7bwypvQh0"
#define APR1_PASSWORD "$apr1$Xy7$RbbzVN/9RML45l7syrBXC."
#define MOSQ6_ADMIN "$6$MDEyMzQ1Njc4OWFi$WbtmDopwJbY6P8yyId33fhSeawpvkAUBGulHJr+cmrC8Ni0h/i3r1o53e4KhGuOtEWQHzt+agWskvwq5CCmZ/g=="
#define MOSQ7_PASSWORD "$7$101$MDEyMzQ1Njc4OWFi$uAhjSMFrFKPND0iWyTXsxET36hDBAvu7LqiX1au82iDOT9W7IG9XGjasDAepCB3nZMPp79k+PyCilDXRAZuIVA=="
#define SHA_ADMIN "{SHA}0DPiKuNIrrVmD8IUCuw1hQxNqZc="
#define DIGEST_1234 "admin:Router:2bdfafc438a96e35ef91d7d11382c709"
#define MD5HEX_ADMIN "21232f297a57a5a743894a0e4a801fc3"
#define MD5_ADMIN "$1$uLZZF/f2$g/xH2FaxfBRW3iosUfgMS1"
#define DES_ADMIN "XyCBC8pPZ2D6o"
#define SHA512_STRONG "$6$Str0ngS4lt$bPAUuM8QUsrCd2hOBABwb7G/URyAXZhQpGGi8Uc.00l4X2d6RoeqUVhVLP/W5RyBCUD.HylGTIa6IyPSjtkmN."

#define DEFAULT_ID "credentials.default-password"
#define PLAIN_ID "credentials.plaintext-password"
#define WEAK_ID "credentials.weak-hash"
#define UID0_ID "credentials.uid0-account"

static int verify(fg_hash_scheme s, const char *h, const char *pw)
{
	return fg_credhash_verify(s, h, pw, strlen(pw));
}

TEST(credhash_vectors)
{
	CHECK_INT_EQ(verify(FG_HASH_APR1, APR1_ADMIN, "admin"), 1);
	CHECK_INT_EQ(verify(FG_HASH_APR1, APR1_ADMIN, "admim"), 0);
	CHECK_INT_EQ(verify(FG_HASH_APR1, APR1_PASSWORD, "password"), 1);
	CHECK_INT_EQ(verify(FG_HASH_MOSQ_SHA512, MOSQ6_ADMIN, "admin"), 1);
	CHECK_INT_EQ(verify(FG_HASH_MOSQ_SHA512, MOSQ6_ADMIN, "Admin"), 0);
	CHECK_INT_EQ(verify(FG_HASH_MOSQ_PBKDF2, MOSQ7_PASSWORD, "password"), 1);
	CHECK_INT_EQ(verify(FG_HASH_MOSQ_PBKDF2, MOSQ7_PASSWORD, "passwort"), 0);
	CHECK_INT_EQ(verify(FG_HASH_SHA1_B64, SHA_ADMIN, "admin"), 1);
	CHECK_INT_EQ(verify(FG_HASH_SHA1_B64, SHA_ADMIN, ""), 0);
	CHECK_INT_EQ(verify(FG_HASH_HTDIGEST, DIGEST_1234, "1234"), 1);
	CHECK_INT_EQ(verify(FG_HASH_HTDIGEST, DIGEST_1234, "12345"), 0);
	CHECK_INT_EQ(verify(FG_HASH_MD5_HEX, MD5HEX_ADMIN, "admin"), 1);
	/* md5crypt through the same code agrees with libxcrypt's $1$ */
	char out[128];
	CHECK(fg_md5crypt("admin", 5, MD5_ADMIN, "$1$", out, sizeof(out)));
	CHECK_STR_EQ(out, MD5_ADMIN);
}

TEST(credhash_malformed_hashes_never_match)
{
	CHECK_INT_EQ(verify(FG_HASH_MOSQ_SHA512, "$6$!!!$abc", "admin"), -1);
	CHECK_INT_EQ(verify(FG_HASH_MOSQ_SHA512, "$6$", "admin"), -1);
	CHECK_INT_EQ(verify(FG_HASH_MOSQ_PBKDF2, "$7$0$MDEy$x", "a"), -1);
	CHECK_INT_EQ(verify(FG_HASH_MOSQ_PBKDF2, "$7$99999999999$MDEy$x", "a"), -1);
	CHECK_INT_EQ(verify(FG_HASH_MOSQ_PBKDF2, "$7$12x$MDEy$x", "a"), -1);
	CHECK_INT_EQ(verify(FG_HASH_SHA1_B64, "{SHA}short", "a"), -1);
	CHECK_INT_EQ(verify(FG_HASH_HTDIGEST, "nocolons", "a"), -1);
	CHECK_INT_EQ(verify(FG_HASH_MD5_HEX, "abc", "a"), -1);
	CHECK_INT_EQ(verify(FG_HASH_APR1, "$1$notapr1", "a"), -1);
	/* an overlong candidate is simply not it */
	char big[1000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_INT_EQ(verify(FG_HASH_APR1, APR1_ADMIN, big), 0);
}

TEST(htpasswd_apr1_cracked_and_weak)
{
	fx_tree t = fx_tree_new(2);
	fx_file(&t, "etc/lighttpd/.htpasswd", "# users\nadmin:" APR1_ADMIN "\nops:" SHA512_STRONG "\n");
	fx_run(&t, DEFAULT_ID);
	fx_run(&t, WEAK_ID);
	const fg_finding *f = fx_finding(&t, DEFAULT_ID, "'admin'");
	REQUIRE(f != NULL);
	CHECK_STR_EQ(f->path, "/etc/lighttpd/.htpasswd");
	CHECK_INT_EQ(f->line, 2);
	CHECK(strstr(f->message, "User 'admin'") != NULL);
	CHECK(strstr(f->message, "apr1") != NULL);
	CHECK(strstr(f->excerpt, "LWAl/xxE") == NULL);
	CHECK_INT_EQ(fx_count(&t, DEFAULT_ID), 1);
	const fg_finding *w = fx_finding(&t, WEAK_ID, "'admin'");
	REQUIRE(w != NULL);
	CHECK_INT_EQ(w->severity, FG_SEV_MEDIUM);
	CHECK(fx_finding(&t, WEAK_ID, "'ops'") == NULL);
	fx_tree_free(&t);
}

TEST(lighttpd_references_plain_and_digest_files)
{
	fx_tree t = fx_tree_new(1);
	fx_file(&t, "etc/lighttpd/lighttpd.conf",
		"server.port = 80\n"
		"auth.backend = \"plain\"\n"
		"auth.backend.plain.userfile = \"/etc/lighttpd/users.txt\"\n"
		"auth.backend.htdigest.userfile = \"/etc/lighttpd/digest\"\n");
	fx_file(&t, "etc/lighttpd/users.txt", "admin:Sup3rSecretPw\n");
	fx_file(&t, "etc/lighttpd/digest", DIGEST_1234 "\n");
	fx_run(&t, PLAIN_ID);
	fx_run(&t, DEFAULT_ID);
	fx_run(&t, WEAK_ID);
	const fg_finding *p = fx_finding(&t, PLAIN_ID, "'admin'");
	REQUIRE(p != NULL);
	CHECK_STR_EQ(p->path, "/etc/lighttpd/users.txt");
	CHECK_INT_EQ(p->line, 1);
	CHECK(strstr(p->excerpt, "Sup3rSecretPw") == NULL);
	CHECK(strstr(p->message, "Sup3rSecretPw") == NULL);
	const fg_finding *d = fx_finding(&t, DEFAULT_ID, "htdigest");
	REQUIRE(d != NULL);
	CHECK_STR_EQ(d->path, "/etc/lighttpd/digest");
	CHECK(fx_finding(&t, WEAK_ID, "htdigest") != NULL);
	fx_tree_free(&t);
}

TEST(busybox_httpd_conf)
{
	fx_tree t = fx_tree_new(1);
	fx_file(&t, "etc/httpd.conf",
		"A:*\n"
		"/cgi-bin:admin:admin\n"
		"/adm:root:$p$root\n"
		"/priv:ops:" MD5_ADMIN "\n");
	fx_run(&t, PLAIN_ID);
	fx_run(&t, DEFAULT_ID);
	CHECK_INT_EQ(fx_count(&t, PLAIN_ID), 1);
	const fg_finding *p = fx_finding(&t, PLAIN_ID, "'admin'");
	REQUIRE(p != NULL);
	CHECK_INT_EQ(p->line, 2);
	const fg_finding *d = fx_finding(&t, DEFAULT_ID, "'ops'");
	REQUIRE(d != NULL);
	CHECK_INT_EQ(d->line, 4);
	fx_tree_free(&t);
}

TEST(goahead_md5_and_plain)
{
	fx_tree t = fx_tree_new(1);
	fx_file(&t, "etc/goahead/auth.txt",
		"role name=manager abilities=view,edit\n"
		"user name=admin password=" MD5HEX_ADMIN " roles=manager\n"
		"user name=guest password=guest123 roles=viewer\n");
	fx_run(&t, DEFAULT_ID);
	fx_run(&t, PLAIN_ID);
	fx_run(&t, WEAK_ID);
	CHECK(fx_finding(&t, DEFAULT_ID, "'admin'") != NULL);
	CHECK(fx_finding(&t, PLAIN_ID, "'guest'") != NULL);
	const fg_finding *w = fx_finding(&t, WEAK_ID, "'admin'");
	REQUIRE(w != NULL);
	CHECK_INT_EQ(w->severity, FG_SEV_HIGH);
	fx_tree_free(&t);
}

TEST(mosquitto_password_file)
{
	fx_tree t = fx_tree_new(2);
	fx_file(&t, "etc/mosquitto/mosquitto.conf",
		"listener 8883\nallow_anonymous false\npassword_file /etc/mosquitto/passwd\n");
	fx_file(&t, "etc/mosquitto/passwd",
		"admin:" MOSQ6_ADMIN "\nsensor:" MOSQ7_PASSWORD "\nlegacy:plainpw99\n");
	fx_run(&t, DEFAULT_ID);
	fx_run(&t, PLAIN_ID);
	CHECK(fx_finding(&t, DEFAULT_ID, "'admin'") != NULL);
	CHECK(fx_finding(&t, DEFAULT_ID, "'sensor'") != NULL);
	const fg_finding *p = fx_finding(&t, PLAIN_ID, "'legacy'");
	REQUIRE(p != NULL);
	CHECK_INT_EQ(p->line, 3);
	fx_tree_free(&t);
}

TEST(ppp_secrets)
{
	fx_tree t = fx_tree_new(1);
	fx_file(&t, "etc/ppp/chap-secrets",
		"# client\tserver\tsecret\tIP addresses\n"
		"\"isp-user\"\t*\t\"Isp-Pa55\"\t*\n"
		"other\t*\t@/etc/ppp/secret-file\n"
		"any\t*\t-\n");
	fx_file(&t, "etc/ppp/pap-secrets", "dsl * dslpass\n");
	fx_run(&t, PLAIN_ID);
	CHECK_INT_EQ(fx_count(&t, PLAIN_ID), 2);
	const fg_finding *p = fx_finding(&t, PLAIN_ID, "'isp-user'");
	REQUIRE(p != NULL);
	CHECK_INT_EQ(p->line, 2);
	CHECK(strstr(p->excerpt, "Isp-Pa55") == NULL);
	CHECK(fx_finding(&t, PLAIN_ID, "'dsl'") != NULL);
	fx_tree_free(&t);
}

TEST(nvram_defaults)
{
	fx_tree t = fx_tree_new(1);
	fx_file(&t, "etc/nvram.default",
		"http_username=admin\nhttp_passwd=admin\nwl0_wpa_psk=12345678\n"
		"pppoe_passwd=\nsys_password=\"r00tpass\"\n");
	fx_run(&t, PLAIN_ID);
	CHECK_INT_EQ(fx_count(&t, PLAIN_ID), 2);
	CHECK(fx_finding(&t, PLAIN_ID, "'http_passwd'") != NULL);
	const fg_finding *p = fx_finding(&t, PLAIN_ID, "'sys_password'");
	REQUIRE(p != NULL);
	CHECK(strstr(p->excerpt, "r00tpass") == NULL);
	fx_tree_free(&t);
}

TEST(account_backups_are_cracked)
{
	fx_tree t = fx_tree_new(2);
	fx_file(&t, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
	fx_file(&t, "etc/shadow", "root:" SHA512_STRONG ":18000:0:99999:7:::\n");
	fx_file(&t, "etc/shadow-", "root:" MD5_ADMIN ":17000:0:99999:7:::\n");
	fx_file(&t, "rom/etc/passwd", "root:" DES_ADMIN ":0:0:root:/root:/bin/sh\n");
	fx_file(&t, "etc/shadow.txt", "root:" MD5_ADMIN ":17000:0:99999:7:::\n"); /* not a backup name */
	fx_run(&t, DEFAULT_ID);
	fx_run(&t, WEAK_ID);
	CHECK_INT_EQ(fx_count(&t, DEFAULT_ID), 2);
	const fg_finding *b = fx_finding(&t, DEFAULT_ID, "/etc/shadow-");
	REQUIRE(b != NULL);
	CHECK_STR_EQ(b->path, "/etc/shadow-");
	CHECK_INT_EQ(b->line, 1);
	const fg_finding *r = fx_finding(&t, DEFAULT_ID, "/rom/etc/passwd");
	REQUIRE(r != NULL);
	const fg_finding *w = fx_finding(&t, WEAK_ID, "descrypt");
	REQUIRE(w != NULL);
	CHECK_INT_EQ(w->severity, FG_SEV_HIGH);
	CHECK_STR_EQ(w->path, "/rom/etc/passwd");
	CHECK(strstr(w->excerpt, "PZ2D6o") == NULL);
	fx_tree_free(&t);
}

TEST(uid0_accounts)
{
	fx_tree t = fx_tree_new(1);
	fx_file(&t, "etc/passwd",
		"root:x:0:0:root:/root:/bin/sh\n"
		"toor:" MD5_ADMIN ":0:0::/root:/bin/sh\n"
		"operator:*:0:0::/:/sbin/nologin\n"
		"admin:x:1000:1000::/home/admin:/bin/sh\n");
	fx_run(&t, UID0_ID);
	CHECK_INT_EQ(fx_count(&t, UID0_ID), 2);
	const fg_finding *h = fx_finding(&t, UID0_ID, "'toor'");
	REQUIRE(h != NULL);
	CHECK_INT_EQ(h->severity, FG_SEV_HIGH);
	CHECK_INT_EQ(h->line, 2);
	CHECK(strstr(h->excerpt, "g/xH2Fax") == NULL);
	const fg_finding *l = fx_finding(&t, UID0_ID, "'operator'");
	REQUIRE(l != NULL);
	CHECK_INT_EQ(l->severity, FG_SEV_LOW);
	CHECK(fx_finding(&t, UID0_ID, "'root'") == NULL);
	fx_tree_free(&t);
}

TEST(weak_hash_leaves_strong_and_locked_alone)
{
	fx_tree t = fx_tree_new(1);
	fx_file(&t, "etc/shadow", "root:" SHA512_STRONG ":1:0:99999:7:::\nd:*:1::::::\ne:!:1::::::\n");
	fx_run(&t, WEAK_ID);
	CHECK_INT_EQ(fx_count(&t, WEAK_ID), 0);
	fx_tree_free(&t);
}

TEST(hostile_store_lines)
{
	fg_creds *c = fg_creds_new();
	REQUIRE(c != NULL);
	static char buf[200000];
	for (size_t i = 0; i < sizeof(buf) - 1; i++)
		buf[i] = "a:\n\0$7$/x\"\t "[i % 13];
	buf[sizeof(buf) - 1] = '\0';
	static const char *const kinds[] = { "htpasswd", "htdigest", "plain", "httpd", "goahead",
					     "mosquitto", "ppp", "nvram", "passwd", "shadow", "bogus" };
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		fg_creds_parse(c, kinds[k], NULL, "/x", buf, sizeof(buf) - 1);
	/* an unterminated quote and an overlong line */
	fg_creds_parse(c, "ppp", NULL, "/x", "\"abc * secret", 13);
	static char line[5000];
	memset(line, 'u', sizeof(line) - 1);
	line[100] = ':';
	fg_creds_parse(c, "plain", NULL, "/x", line, sizeof(line) - 1);
	for (size_t i = 0; i < c->v.n; i++) {
		const fg_cred *e = &c->v.v[i];
		CHECK(e->secret_off + e->secret_len <= strlen(e->line_text));
	}
	CHECK(c->v.n <= FG_CREDS_MAX);
	fg_creds_free(c);
}
