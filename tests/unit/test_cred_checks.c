/* credentials.empty-password and credentials.default-password. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "fixture.h"
#include "checks/check.h"
#include "checks/engine.h"
#include "core/data.h"
#include "core/result.h"

/* Known hashes. Each was checked against `openssl passwd` or libxcrypt. */
#define MD5_ADMIN "$1$uLZZF/f2$g/xH2FaxfBRW3iosUfgMS1"          /* admin */
#define SHA512_XC3511 "$6$Mir4iS4lt$82RYWKIOtONmcYRz7qUL3AVcxe8uBVQ2VK5SoKfPYLIZ022Mn/.gw2pRCGZvhFEwpbeAQBgmJ41lA5n.t2Bdz/"
#define DES_ADMIN "XyCBC8pPZ2D6o"                              /* admin */
#define SHA256_ROOT "$5$r00tSalt$QpCPE9XTmxI9TqCfz08fdL6R8pFgnBTYLrF8XCcwzA3" /* root */
#define MD5_SUPPORT "$1$SuPp0rt1$eCb3SZmleWywd8cmQnd8F."        /* support */
#define MD5_IOTGOAT "$1$79bz0K8z$Ii6Q/if83F1QodGmkb4Ah."        /* 7ujMko0vizxv */
#define MD5_DIGOO "$1$RYIwEiRA$d5iRRVQ5ZeRTrJwGjRy.B0"          /* xmhdipc */
#define BCRYPT5_ADMIN "$2b$05$abcdefghijklmnopqrstuu/ETYr/khvH.poOJBsjjZk.DM9FaNihe"
#define YESCRYPT_ROOT "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$7sns0mBDIWgdwoL7WtVeg8OpRLmM3pIF24UUv.9/Cu."
#define BSDI_ADMIN "_J9..BsdiAaIFQjmOzA2"
#define MD5_EMPTY "$1$Empty123$RUSskmBXVFl6unLbWBR.O0"          /* "" */
#define SHA512_STRONG "$6$Str0ngS4lt$bPAUuM8QUsrCd2hOBABwb7G/URyAXZhQpGGi8Uc.00l4X2d6RoeqUVhVLP/W5RyBCUD.HylGTIa6IyPSjtkmN."
#define MD5_CUSTOM "$1$CuStOm12$S/F0ehUk/nnVDxDygQm3G."        /* Tr0ub4dor&3-custom */
#define DES_ADMIN1234 "AbrBBA./ijIaw"                          /* admin123 == admin1234 (8 chars) */

#define EMPTY_ID "credentials.empty-password"
#define DEFAULT_ID "credentials.default-password"

/* ---- empty password -------------------------------------------------- */

TEST(empty_password_in_passwd_and_shadow)
{
	fx_tree t = fx_tree_new(1);
	fx_file(&t, "etc/passwd",
		 "root::0:0:root:/root:/bin/sh\n"
		 "user:x:1000:1000::/home/user:/bin/sh\n"
		 "ftp:x:21:21::/srv/ftp:/sbin/nologin\n");
	fx_file(&t, "etc/shadow",
		 "root:!:18000::::::\n"
		 "user::18000:0:99999:7:::\n"
		 "ftp::18000:0:99999:7:::\n");
	fx_run(&t, EMPTY_ID);
	CHECK_INT_EQ(fx_count(&t, EMPTY_ID), 3);

	const fg_finding *r = fx_finding(&t, EMPTY_ID, "'root'");
	REQUIRE(r);
	CHECK_INT_EQ(r->severity, FG_SEV_CRITICAL);  /* uid 0 */
	CHECK_STR_EQ(r->path, "/etc/passwd");        /* passwd's own empty field wins */
	CHECK_INT_EQ(r->line, 1);
	CHECK_STR_EQ(r->excerpt, "root::");

	const fg_finding *u = fx_finding(&t, EMPTY_ID, "'user'");
	REQUIRE(u);
	CHECK_INT_EQ(u->severity, FG_SEV_HIGH);
	CHECK_STR_EQ(u->path, "/etc/shadow");
	CHECK_INT_EQ(u->line, 2);
	CHECK_STR_EQ(u->excerpt, "user::");
	CHECK(strlen(u->fingerprint) == 32);

	const fg_finding *f = fx_finding(&t, EMPTY_ID, "'ftp'");
	REQUIRE(f);
	CHECK(strstr(f->message, "nologin") != NULL);
	fg_result_free(t.res);
}

TEST(empty_password_not_on_locked_or_nis)
{
	fx_tree t = fx_tree_new(1);
	fx_file(&t, "etc/passwd",
		 "root:x:0:0:root:/root:/bin/sh\n"
		 "a:x:1:1::/:/bin/sh\n"
		 "b:x:2:2::/:/bin/sh\n"
		 "c:*:3:3::/:/bin/sh\n"
		 "d:x:4:4::/:/bin/sh\n"
		 "nos:x:5:5::/:/bin/sh\n"
		 "+::0:0:::\n");
	fx_file(&t, "etc/shadow",
		 "root:!:18000::::::\n"
		 "a:*:18000::::::\n"
		 "b:!!:18000::::::\n"
		 "d:*LK*:18000::::::\n");
	fx_run(&t, EMPTY_ID);
	CHECK_INT_EQ(fx_count(&t, EMPTY_ID), 0);
	fg_result_free(t.res);
}

TEST(empty_password_fingerprint_stable)
{
	fx_tree a = fx_tree_new(1), b = fx_tree_new(1), c = fx_tree_new(1);
	fx_file(&a, "etc/passwd", "root::0:0::/root:/bin/sh\n");
	fx_file(&b, "etc/passwd", "root::0:0::/root:/bin/sh\n");
	fx_file(&c, "etc/passwd", "# moved down\nbin:x:1:1::/:\nroot::0:0::/root:/bin/sh\n");
	fx_run(&a, EMPTY_ID);
	fx_run(&b, EMPTY_ID);
	fx_run(&c, EMPTY_ID);
	REQUIRE(a.res->findings.n == 1 && b.res->findings.n == 1 && c.res->findings.n == 1);
	CHECK_STR_EQ(a.res->findings.v[0].fingerprint, b.res->findings.v[0].fingerprint);
	CHECK_INT_EQ(c.res->findings.v[0].line, 3);
	CHECK_STR_EQ(a.res->findings.v[0].fingerprint, c.res->findings.v[0].fingerprint);
	fg_result_free(a.res);
	fg_result_free(b.res);
	fg_result_free(c.res);
}

/* ---- default password ------------------------------------------------ */

TEST(bundled_list_is_embedded_and_has_the_mirai_basics)
{
	const fg_data_file *f = fg_data_get("credentials/defaults.txt");
	REQUIRE(f);
	static const char *const must[] = {
		"admin", "xc3511", "root", "support", "xmhdipc", "7ujMko0vizxv", "vizxv", "888888",
	};
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		char needle[64];
		snprintf(needle, sizeof(needle), "\n%s\n", must[i]);
		if (!strstr((const char *)f->data, needle))
			fprintf(stderr, "missing %s\n", must[i]);
		CHECK(strstr((const char *)f->data, needle) != NULL);
	}
}

TEST(md5crypt_root_admin)
{
	fx_tree t = fx_tree_new(2);
	fx_file(&t, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
	fx_file(&t, "etc/shadow", "# x\nroot:" MD5_ADMIN ":18000:0:99999:7:::\n");
	fx_run(&t, DEFAULT_ID);
	REQUIRE(fx_count(&t, DEFAULT_ID) == 1);
	const fg_finding *f = &t.res->findings.v[0];
	CHECK_INT_EQ(f->severity, FG_SEV_CRITICAL);
	CHECK_STR_EQ(f->path, "/etc/shadow");
	CHECK_INT_EQ(f->line, 2);
	CHECK_INT_EQ(f->offset, 4);
	CHECK_STR_EQ(f->excerpt, "root:$1$uLZZ\xe2\x80\xa6(redacted):");
	CHECK(strstr(f->message, "'root'") != NULL);
	CHECK(strstr(f->message, "well-known default") != NULL);
	CHECK(strstr(f->message, "every unit") != NULL);
	CHECK(strstr(f->message, "PSTI") != NULL);
	CHECK(strstr(f->message, "5.1-1") != NULL);
	CHECK(strstr(f->message, "'a****'") != NULL);
	/* never the password or the hash */
	CHECK(strstr(f->message, "admin") == NULL);
	CHECK(strstr(f->message, "g/xH2Fax") == NULL);
	CHECK(strstr(f->excerpt, "g/xH2Fax") == NULL);
	fg_result_free(t.res);
}

TEST(all_schemes_crack)
{
	fx_tree t = fx_tree_new(4);
	fx_file(&t, "etc/passwd",
		 "root:x:0:0:root:/root:/bin/sh\n"
		 "mirai:x:1:1::/:/bin/sh\n"
		 "des:x:2:2::/:/bin/sh\n"
		 "support:x:3:3::/:/bin/sh\n"
		 "iotgoatuser:x:1000:1000::/root:/bin/ash\n"
		 "bsdi:x:4:4::/:/bin/sh\n"
		 "bcrypt:x:5:5::/:/bin/sh\n"
		 "yes:x:6:6::/:/bin/sh\n"
		 "strong:x:7:7::/:/bin/sh\n"
		 "nothing:x:8:8::/:/bin/sh\n");
	fx_file(&t, "etc/shadow",
		 "root:" SHA256_ROOT ":18000:0:99999:7:::\n"
		 "mirai:" SHA512_XC3511 ":18000:0:99999:7:::\n"
		 "des:" DES_ADMIN ":18000:0:99999:7:::\n"
		 "support:" MD5_SUPPORT ":18000:0:99999:7:::\n"
		 "iotgoatuser:" MD5_IOTGOAT ":18000:0:99999:7:::\n"
		 "bsdi:" BSDI_ADMIN ":18000:0:99999:7:::\n"
		 "bcrypt:" BCRYPT5_ADMIN ":18000:0:99999:7:::\n"
		 "yes:" YESCRYPT_ROOT ":18000:0:99999:7:::\n"
		 "strong:" SHA512_STRONG ":18000:0:99999:7:::\n"
		 "nothing:" MD5_EMPTY ":18000:0:99999:7:::\n");
	fx_run(&t, DEFAULT_ID);
	CHECK_INT_EQ(fx_count(&t, DEFAULT_ID), 9);
	static const struct { const char *who, *masked, *scheme; unsigned line; } want[] = {
		{ "'root'", "'r***', the account name", "sha256crypt", 1 },
		{ "'mirai'", "'x*****'", "sha512crypt", 2 },
		{ "'des'", "'a****'", "descrypt", 3 },
		{ "'support'", "'s******', the account name", "md5crypt", 4 },
		{ "'iotgoatuser'", "'7***********'", "md5crypt", 5 },
		{ "'bsdi'", "'a****'", "bsdicrypt", 6 },
		{ "'bcrypt'", "'a****'", "bcrypt", 7 },
		{ "'yes'", "'r***'", "yescrypt", 8 },
		{ "'nothing'", "'(empty)'", "md5crypt", 10 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const fg_finding *f = fx_finding(&t, DEFAULT_ID, want[i].who);
		if (!f)
			fprintf(stderr, "no finding for %s\n", want[i].who);
		REQUIRE(f);
		if (!strstr(f->message, want[i].masked))
			fprintf(stderr, "%s\n", f->message);
		CHECK(strstr(f->message, want[i].masked) != NULL);
		CHECK(strstr(f->message, want[i].scheme) != NULL);
		CHECK_INT_EQ(f->line, want[i].line);
		CHECK_STR_EQ(f->path, "/etc/shadow");
	}
	CHECK(fx_finding(&t, DEFAULT_ID, "'strong'") == NULL);
	const fg_finding *e = fx_finding(&t, DEFAULT_ID, "'nothing'");
	REQUIRE(e);
	CHECK(strstr(e->message, "empty password") != NULL);
	const fg_finding *d = fx_finding(&t, DEFAULT_ID, "'des'");
	REQUIRE(d);
	CHECK_STR_EQ(d->excerpt, "des:Xy\xe2\x80\xa6(redacted):");  /* the salt only */
	const fg_finding *m = fx_finding(&t, DEFAULT_ID, "'mirai'");
	REQUIRE(m);
	CHECK_STR_EQ(m->excerpt, "mirai:$6$Mir4\xe2\x80\xa6(redacted):");
	fg_result_free(t.res);
}

TEST(digoo_hash_in_passwd)
{
	fx_tree t = fx_tree_new(2);
	fx_file(&t, "etc/passwd",
		 "root:" MD5_DIGOO ":0:0::/root:/bin/sh\n"
		 "nobody:*:65534:65534::/:/bin/false");  /* no newline at the end */
	fx_run(&t, DEFAULT_ID);
	REQUIRE(fx_count(&t, DEFAULT_ID) == 1);
	const fg_finding *f = &t.res->findings.v[0];
	CHECK_STR_EQ(f->path, "/etc/passwd");
	CHECK_INT_EQ(f->line, 1);
	CHECK_STR_EQ(f->excerpt, "root:$1$RYIw\xe2\x80\xa6(redacted):");
	CHECK(strstr(f->message, "'x******'") != NULL);
	CHECK(strstr(f->message, "xmhdipc") == NULL);
	fg_result_free(t.res);
}

TEST(locked_and_strong_hashes_do_not_fire)
{
	fx_tree t = fx_tree_new(2);
	fx_file(&t, "etc/passwd",
		 "root:x:0:0::/root:/bin/sh\n"
		 "admin:x:1:1::/:/bin/sh\n"
		 "svc:*:2:2::/:/bin/sh\n");
	fx_file(&t, "etc/shadow",
		 "root:!" MD5_ADMIN ":18000::::::\n"     /* usermod -L of a weak hash */
		 "admin:" SHA512_STRONG ":18000::::::\n"
		 "svc:" MD5_ADMIN ":18000::::::\n");     /* passwd '*' does not defer */
	fx_run(&t, DEFAULT_ID);
	CHECK_INT_EQ(fx_count(&t, DEFAULT_ID), 0);
	fg_result_free(t.res);
}

TEST(identical_hashes_report_every_account)
{
	fx_tree t = fx_tree_new(3);
	fx_file(&t, "etc/passwd",
		 "root:x:0:0::/root:/bin/sh\n"
		 "admin:x:0:0::/root:/bin/sh\n"
		 "user:x:1000:1000::/home/user:/bin/sh\n");
	fx_file(&t, "etc/shadow",
		 "root:" MD5_ADMIN ":18000::::::\n"
		 "admin:" MD5_ADMIN ":18000::::::\n"
		 "user:" DES_ADMIN1234 ":18000::::::\n");
	fx_run(&t, DEFAULT_ID);
	CHECK_INT_EQ(fx_count(&t, DEFAULT_ID), 3);
	CHECK(fx_finding(&t, DEFAULT_ID, "'root'") != NULL);
	CHECK(fx_finding(&t, DEFAULT_ID, "'admin'") != NULL);
	/* DES keeps 8 characters: admin1234 and admin123 both match; the
	 * earliest in list order (admin1234, from Mirai) is reported,
	 * whatever the thread timing. */
	const fg_finding *u = fx_finding(&t, DEFAULT_ID, "'user'");
	REQUIRE(u);
	CHECK(strstr(u->message, "'a********'") != NULL);
	fg_result_free(t.res);
}

TEST(user_credentials_file)
{
	char path[] = "/tmp/fg-creds-XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	static const char list[] = "# not a comment in user lists\r\nsomething\n\nTr0ub4dor&3-custom\r\n";
	REQUIRE(write(fd, list, sizeof(list) - 1) == (ssize_t)(sizeof(list) - 1));
	close(fd);

	fx_tree t = fx_tree_new(2);
	t.res->opts.credentials_file = path;
	fx_file(&t, "etc/shadow", "operator:" MD5_CUSTOM ":18000::::::\n");
	fx_run(&t, DEFAULT_ID);
	REQUIRE(fx_count(&t, DEFAULT_ID) == 1);
	const fg_finding *f = &t.res->findings.v[0];
	CHECK(strstr(f->message, "'operator'") != NULL);
	CHECK(strstr(f->message, "supplied credential list") != NULL);
	CHECK(strstr(f->message, "'T*****************'") != NULL);
	CHECK(f->line == 1);
	fg_result_free(t.res);

	/* Without the list, the custom password is not found. */
	t = fx_tree_new(2);
	fx_file(&t, "etc/shadow", "operator:" MD5_CUSTOM ":18000::::::\n");
	fx_run(&t, DEFAULT_ID);
	CHECK_INT_EQ(fx_count(&t, DEFAULT_ID), 0);
	fg_result_free(t.res);

	/* A missing list is a warning, not a failure. */
	unlink(path);
	t = fx_tree_new(2);
	t.res->opts.credentials_file = path;
	fx_file(&t, "etc/shadow", "root:" MD5_ADMIN ":18000::::::\n");
	fx_run(&t, DEFAULT_ID);
	CHECK_INT_EQ(fx_count(&t, DEFAULT_ID), 1);
	CHECK(t.res->diags.items.n >= 1);
	fg_result_free(t.res);
}

TEST(hostile_cost_parameters_are_bounded)
{
	fx_tree t = fx_tree_new(2);
	fx_file(&t, "etc/shadow",
		 "a:$6$rounds=999999999$salt$0123456789012345678901234567890123456789012345678901234567890123456789012345678901:1::::::\n"
		 "b:$2b$31$abcdefghijklmnopqrstuu/ETYr/khvH.poOJBsjjZk.DM9FaNihe:1::::::\n"
		 "c:$7$zzzzzzzzzzz$salt$hash:1::::::\n"
		 "d:$gy$j9T$abc$:1::::::\n"
		 "e:$2b$:1::::::\n"
		 "f:$y$:1::::::\n"
		 "g:$7$:1::::::\n"
		 "h:$sha1$999999999$salt$hash:1::::::\n");
	time_t t0 = time(NULL);
	fx_run(&t, DEFAULT_ID);
	CHECK(time(NULL) - t0 < 60);
	CHECK_INT_EQ(fx_count(&t, DEFAULT_ID), 0);
	CHECK(t.res->diags.items.n >= 1);
	fg_result_free(t.res);
}

TEST(hostile_many_costly_hashes_do_not_flood_diagnostics)
{
	fx_tree t = fx_tree_new(2);
	char *shadow = malloc(64 * 128), *p = shadow;
	for (int i = 0; i < 40; i++)
		p += sprintf(p, "u%d:$6$rounds=999999999$salt%d$abcdefghij:1::::::\n", i, i);
	fx_file(&t, "etc/shadow", shadow);
	fx_run(&t, DEFAULT_ID);
	CHECK_INT_EQ(fx_count(&t, DEFAULT_ID), 0);
	CHECK_INT_EQ(t.res->diags.items.n, 9);  /* 8 named, 1 summary */
	fg_result_free(t.res);
	free(shadow);
}

TEST(fingerprint_stable_across_runs_and_lines)
{
	fx_tree a = fx_tree_new(2), b = fx_tree_new(1), c = fx_tree_new(3);
	fx_file(&a, "etc/shadow", "root:" MD5_ADMIN ":18000::::::\n");
	fx_file(&b, "etc/shadow", "root:" MD5_ADMIN ":18000::::::\n");
	fx_file(&c, "etc/shadow", "bin:*:1::::::\ndaemon:*:1::::::\nroot:" MD5_ADMIN ":18000::::::\n");
	fx_run(&a, DEFAULT_ID);
	fx_run(&b, DEFAULT_ID);
	fx_run(&c, DEFAULT_ID);
	REQUIRE(a.res->findings.n == 1 && b.res->findings.n == 1 && c.res->findings.n == 1);
	CHECK_STR_EQ(a.res->findings.v[0].fingerprint, b.res->findings.v[0].fingerprint);
	CHECK_INT_EQ(c.res->findings.v[0].line, 3);
	CHECK_STR_EQ(a.res->findings.v[0].fingerprint, c.res->findings.v[0].fingerprint);
	CHECK_STR_EQ(a.res->findings.v[0].message, b.res->findings.v[0].message);
	char fp[33];
	fg_fingerprint(DEFAULT_ID, "/etc/shadow", "root", fp);
	CHECK_STR_EQ(a.res->findings.v[0].fingerprint, fp);
	fg_result_free(a.res);
	fg_result_free(b.res);
	fg_result_free(c.res);
}

TEST(both_checks_share_one_parse)
{
	fx_tree t = fx_tree_new(2);
	fx_file(&t, "etc/passwd", "root::0:0::/root:/bin/sh\nadmin:" MD5_ADMIN ":0:0::/:/bin/sh\n");
	fg_checks_run_tree(t.res, t.root, NULL);
	CHECK_INT_EQ(fx_count(&t, EMPTY_ID), 1);
	CHECK_INT_EQ(fx_count(&t, DEFAULT_ID), 1);
	fg_result_free(t.res);
}

/* Not an assertion: how long slow schemes take against the whole list
 * (printed, for tuning the budgets). */
TEST(timing_whole_list)
{
	static const struct { const char *name, *hash; unsigned jobs; } runs[] = {
		{ "sha512crypt", SHA512_STRONG, 1 },
		{ "sha512crypt", SHA512_STRONG, 2 },
		{ "yescrypt", "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$7sns0mBDIWgdwoL7WtVeg8OpRLmM3pIF24UUv.9/Cu/", 2 },
	};
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		fx_tree t = fx_tree_new(runs[i].jobs);
		char *shadow = malloc(512);
		snprintf(shadow, 512, "someone:%s:1::::::\n", runs[i].hash);
		fx_file(&t, "etc/shadow", shadow);
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		fx_run(&t, DEFAULT_ID);
		clock_gettime(CLOCK_MONOTONIC, &b);
		CHECK_INT_EQ(fx_count(&t, DEFAULT_ID), 0);
		printf("timing: %s, whole list, %u job(s): %.2f s\n", runs[i].name, runs[i].jobs,
		       (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
		fg_result_free(t.res);
		free(shadow);
	}
}
