/*
 * credhash.h - password hash schemes of service files that libxcrypt does
 * not compute: Apache's apr1 and {SHA}, mosquitto's salted SHA-512 and
 * PBKDF2, htdigest, bare MD5. The cracking check tries candidates against
 * them through the same loop as crypt(3) hashes.
 */
#ifndef FG_CREDHASH_H
#define FG_CREDHASH_H

#include <stdbool.h>
#include <stddef.h>

#include "checks/accounts.h"

/* True for the schemes this module verifies (FG_HASH_APR1 and later). */
bool fg_credhash_own(fg_hash_scheme s);

/* 1 when PW (LEN bytes) produces HASH, 0 when not, -1 when HASH is
 * malformed for its scheme (then no candidate can ever match). */
int fg_credhash_verify(fg_hash_scheme s, const char *hash, const char *pw, size_t len);

/* Rough microseconds per attempt, from the hash's own parameters. */
double fg_credhash_cost_us(fg_hash_scheme s, const char *hash);

/* Apache's apr1 / md5crypt with MAGIC ("$apr1$" or "$1$") into OUT
 * (at least 64 bytes); false if SALT is malformed. Exposed for tests. */
bool fg_md5crypt(const char *pw, size_t len, const char *setting, const char *magic,
		 char *out, size_t cap);

#endif
