/*
 * credstore.h - credentials outside /etc/passwd and /etc/shadow.
 *
 * Web servers, brokers, PPP and NVRAM defaults keep their own user
 * lists, and images often carry stale copies of the account files
 * (shadow.bak, shadow-, passwd in a second root). Each is the same in
 * every unit, so each is a universal credential if its secret is known.
 * The stores are found and parsed once per tree (fg_creds_of) and shared
 * by the credential checks:
 *
 *   account backups   passwd/shadow copies other than /etc/passwd and
 *                     /etc/shadow (names passwd, shadow with -, ~, .bak,
 *                     .old, .orig, .save, .dpkg-old, .sav suffixes)
 *   htpasswd          .htpasswd, htpasswd, *.htpasswd, lighttpd.user,
 *                     files named by lighttpd auth.backend.htpasswd.userfile
 *                     and boa "Auth /dir FILE"
 *   htdigest          .htdigest, *.htdigest, auth.backend.htdigest.userfile
 *   lighttpd plain    auth.backend.plain.userfile (user:password)
 *   httpd.conf        busybox httpd / uhttpd "/path:user:password" lines
 *   goahead           auth.txt "user name=... password=..." lines
 *   mosquitto         files named by password_file in a mosquitto config
 *   ppp               chap-secrets, pap-secrets (client server secret)
 *   nvram defaults    nvram default files: *_passwd= / *_password= keys
 */
#ifndef FG_CREDSTORE_H
#define FG_CREDSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/accounts.h"
#include "checks/check.h"
#include "core/arena.h"
#include "core/vec.h"

#define FG_CREDS_MAX 20000     /* entries kept per tree */

typedef struct fg_cred {
	const char *store;       /* "htpasswd", "shadow backup", ... */
	const fg_node *node;
	const char *path;
	unsigned line;
	int64_t offset;
	const char *user;
	const char *line_text;   /* the whole line, for redacted excerpts */
	size_t secret_off, secret_len; /* the secret within line_text */
	bool plain;              /* the secret is the password itself */
	fg_hash_scheme scheme;   /* for hashes; FG_HASH_NONE when plain */
} fg_cred;

typedef struct fg_creds {
	fg_arena arena;
	FG_VEC(fg_cred) v;
	/* The hashed entries as accounts, so the cracking loop treats them
	 * like /etc/shadow's; hash_node/hash_line point at the store. */
	fg_accounts *hashed;
	bool truncated;
} fg_creds;

/* The stores of the tree checked by CTX; never NULL unless out of memory. */
const fg_creds *fg_creds_of(fg_check_ctx *ctx);

/* Parses one store of KIND ("htpasswd", "htdigest", "plain", "httpd",
 * "goahead", "mosquitto", "ppp", "nvram", "passwd", "shadow") from TEXT
 * into C. Exposed for tests and the fuzzer. */
void fg_creds_parse(fg_creds *c, const char *kind, const fg_node *node, const char *path,
		    const char *text, size_t len);
fg_creds *fg_creds_new(void);
void fg_creds_free(fg_creds *c);

#endif
