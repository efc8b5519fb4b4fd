/*
 * cred_weak_hash.c - stored password hashes of broken or fast schemes.
 *
 * Rule: an account or credential-store hash (checks/accounts.h,
 * checks/credstore.h) of a scheme that no longer protects a password is
 * reported at its line:
 *   descrypt, bsdicrypt, NT, unsalted SHA-1 ({SHA}), unsalted MD5,
 *   htdigest MD5               -- HIGH: unsalted or truncated (DES keeps
 *                                 8 characters), cracked in minutes;
 *   md5crypt, apr1, sunmd5, mosquitto salted SHA-512 (one round)
 *                               -- MEDIUM: salted but fast enough for
 *                                 GPU cracking.
 * sha256crypt/sha512crypt at their default cost, bcrypt, scrypt,
 * yescrypt and PBKDF2 never fire. Locked and empty fields are not hashes
 * (empty ones are credentials.empty-password). Which password the hash
 * holds is not this check's business: credentials.default-password says
 * when it is a known one.
 */
#include <stdio.h>
#include <string.h>

#include "checks/accounts.h"
#include "checks/check.h"
#include "checks/credstore.h"
#include "checks/files.h"

/* -1: not weak; else the severity. */
static int weakness(fg_hash_scheme s, const char **why)
{
	switch (s) {
	case FG_HASH_DES:
		*why = "only the first 8 characters count and it takes microseconds to try one";
		return FG_SEV_HIGH;
	case FG_HASH_BSDI:
	case FG_HASH_NT:
	case FG_HASH_SHA1_B64:
	case FG_HASH_MD5_HEX:
	case FG_HASH_HTDIGEST:
		*why = "it is unsalted or nearly so and fast to compute";
		return FG_SEV_HIGH;
	case FG_HASH_MD5:
	case FG_HASH_APR1:
	case FG_HASH_SUN_MD5:
	case FG_HASH_MOSQ_SHA512:
		*why = "it is fast enough to try billions of passwords a day on one GPU";
		return FG_SEV_MEDIUM;
	default:
		return -1;
	}
}

static void report(fg_check_ctx *ctx, const fg_account *acc, const char *store)
{
	const char *why = NULL;
	int sev = weakness(acc->scheme, &why);
	if (sev < 0 || !acc->hash_node)
		return;
	char path[1024] = "?", ex[256], subject[200];
	fg_node_path(acc->hash_node, path, sizeof(path));
	const char *h = acc->hash_raw ? strstr(acc->hash_raw, acc->hash) : NULL;
	if (h)
		fg_redact_in_line(acc->hash_raw, strlen(acc->hash_raw), (size_t)(h - acc->hash_raw),
				  strlen(acc->hash), ex, sizeof(ex));
	else
		snprintf(ex, sizeof(ex), "%s:(hash redacted)", acc->name);
	snprintf(subject, sizeof(subject), "%s:%.100s", store, acc->name);
	fg_report_at(ctx, acc->hash_node, acc->hash_line, acc->hash_offset, sev, subject, ex,
		     "The password of '%s' in %s is stored as a %s hash: %s. Anyone with the "
		     "image can recover a weak password from it offline.",
		     acc->name, path, fg_hash_scheme_name(acc->scheme), why);
}

static void run(fg_check_ctx *ctx)
{
	const fg_accounts *a = fg_accounts_of(ctx);
	for (size_t i = 0; a && i < a->v.n; i++)
		if (a->v.v[i].state == FG_PW_HASH)
			report(ctx, &a->v.v[i], "account");
	const fg_creds *c = fg_creds_of(ctx);
	for (size_t i = 0; c && i < c->hashed->v.n; i++)
		report(ctx, &c->hashed->v.v[i], "store");
}

const fg_check fg_check_weak_hash = {
	.id = "credentials.weak-hash",
	.title = "Password stored with a weak hash algorithm",
	.severity = FG_SEV_MEDIUM,
	.remediation = "Store passwords only with a slow, salted scheme (yescrypt, bcrypt, scrypt, "
		       "PBKDF2 with a high count, or sha512crypt with many rounds); switch busybox to "
		       "CONFIG_FEATURE_DEFAULT_PASSWD_ALGO=\"sha512\" or stronger (ETSI EN 303 645 5.1-3, "
		       "5.4-1).",
	.run = run,
};
