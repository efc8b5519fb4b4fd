/*
 * accounts.h - the accounts of a file tree, from /etc/passwd and /etc/shadow.
 *
 * Both credential checks need the same view of who can log in and with
 * what hash, so the files are parsed once per tree and shared through
 * fg_ctx_cache (fg_accounts_of).
 *
 * The parser is written for hostile input: it never reads past the
 * buffer, skips lines that are too long or contain NUL bytes, ignores
 * comments and NIS "+"/"-" lines, accepts CRLF and short lines, and caps
 * the number of entries it keeps.
 */
#ifndef FG_ACCOUNTS_H
#define FG_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/check.h"
#include "core/arena.h"
#include "core/vec.h"

/* Longest line considered an entry; real ones are far below this. */
#define FG_ACCOUNTS_MAX_LINE 4096
/* Entries kept per file; the rest are ignored (with a flag set). */
#define FG_ACCOUNTS_MAX_ENTRIES 65536

#define FG_UID_UNKNOWN UINT32_MAX

/* What the hash field says about logging in with a password. */
typedef enum fg_pw_state {
	FG_PW_EMPTY = 0,   /* empty field: login without any password */
	FG_PW_LOCKED,      /* '!' or '*' prefix ("!!", "*LK*", "!$6$..."): no password login */
	FG_PW_NOT_SET,     /* "x" in passwd but no shadow entry: no usable password */
	FG_PW_HASH,        /* a crypt(3) hash of a scheme we recognise */
	FG_PW_UNKNOWN,     /* anything else: no crypt output can match it */
} fg_pw_state;

typedef enum fg_hash_scheme {
	FG_HASH_NONE = 0,
	FG_HASH_DES,           /* 13 chars of [./0-9A-Za-z] */
	FG_HASH_BSDI,          /* _CCCCSSSSHHHHHHHHHHH, BSDi extended DES */
	FG_HASH_MD5,           /* $1$ */
	FG_HASH_SUN_MD5,       /* $md5$ or $md5,rounds=N$ */
	FG_HASH_BCRYPT,        /* $2a$ $2b$ $2x$ $2y$ */
	FG_HASH_NT,            /* $3$ */
	FG_HASH_SHA256,        /* $5$ */
	FG_HASH_SHA512,        /* $6$ */
	FG_HASH_SCRYPT,        /* $7$ */
	FG_HASH_SHA1,          /* $sha1$ */
	FG_HASH_YESCRYPT,      /* $y$ */
	FG_HASH_GOST_YESCRYPT, /* $gy$ */
	/* Schemes of service password files, verified by checks/credhash.c
	 * (libxcrypt does not know them): */
	FG_HASH_APR1,          /* $apr1$: Apache's md5crypt variant */
	FG_HASH_SHA1_B64,      /* {SHA}: unsalted SHA-1, base64 (htpasswd -s) */
	FG_HASH_MOSQ_SHA512,   /* mosquitto $6$: SHA-512(password salt), base64 */
	FG_HASH_MOSQ_PBKDF2,   /* mosquitto $7$: PBKDF2-HMAC-SHA512 */
	FG_HASH_HTDIGEST,      /* "user:realm:md5hex" of an htdigest file */
	FG_HASH_MD5_HEX,       /* 32 hex digits: unsalted MD5 */
} fg_hash_scheme;

typedef struct fg_account {
	const char *name;
	uint32_t uid, gid;      /* FG_UID_UNKNOWN when absent or unparsable */
	const char *gecos, *home, *shell; /* "" when absent */

	const char *hash;       /* effective hash field, "" when empty */
	fg_pw_state state;
	fg_hash_scheme scheme;
	bool crypt_ok;          /* libxcrypt accepts the hash as a setting */

	/* Where the effective hash field is: the shadow line when passwd
	 * defers to shadow, the passwd line otherwise. */
	const fg_node *hash_node;
	unsigned hash_line;     /* 1-based */
	int64_t hash_offset;    /* byte offset of that line */
	const char *hash_raw;   /* that line, CR stripped */

	const fg_node *passwd_node; /* NULL for an entry only in shadow */
	unsigned passwd_line;
	const char *passwd_raw;
} fg_account;

/* A later entry of a name already listed in the same file: login uses
 * the first one, the later one is dead weight or a hidden alternative. */
typedef struct fg_account_dup {
	const char *name;
	const fg_node *node;    /* passwd or shadow */
	unsigned line;          /* of the duplicate */
	unsigned first_line;    /* of the entry that wins */
	int64_t offset;         /* of the duplicate line */
	bool same;              /* the two lines are identical */
} fg_account_dup;

typedef struct fg_accounts {
	fg_arena arena;
	FG_VEC(fg_account) v;   /* passwd order, then shadow-only entries */
	FG_VEC(fg_account_dup) dups; /* duplicate names in passwd, then in shadow */
	bool truncated;         /* an entry cap was hit */
	unsigned skipped_lines; /* overlong or binary lines */
} fg_accounts;

/* Parses the pair. Either buffer may be NULL. The nodes are only
 * recorded, never read. Returns NULL when out of memory. */
fg_accounts *fg_accounts_parse(const uint8_t *passwd, size_t passwd_len, const fg_node *passwd_node,
			       const uint8_t *shadow, size_t shadow_len, const fg_node *shadow_node);
void fg_accounts_free(fg_accounts *a);

/* The accounts of the tree checked by CTX, parsed on first use and
 * shared with every other check of that tree. Never NULL unless out of
 * memory; empty when the tree has neither file. */
const fg_accounts *fg_accounts_of(fg_check_ctx *ctx);

/* Classifies one hash field. SCHEME is FG_HASH_NONE unless the state is
 * FG_PW_HASH. */
fg_pw_state fg_hash_classify(const char *field, fg_hash_scheme *scheme);

/* "md5crypt", "sha512crypt", ... */
const char *fg_hash_scheme_name(fg_hash_scheme scheme);

#endif
