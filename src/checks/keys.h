/*
 * keys.h - what a private key is, parsed with OpenSSL (or by hand for
 * the OpenSSH, PuTTY and Dropbear containers), for the secrets checks.
 *
 * Every parser takes hostile input: lengths are checked before every
 * read, nothing is trusted from the data, and a failure to parse means
 * "not a key" -- a marker string without key material never is one.
 */
#ifndef FG_KEYS_H
#define FG_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fg_keyinfo {
	char type[48];          /* "RSA", "EC P-256", "Ed25519", "DSA", "unknown" */
	int bits;               /* 0 when unknown (encrypted) */
	bool encrypted;
	char format[48];        /* "PKCS#1", "PKCS#8", "OpenSSH", "PuTTY", "PKCS#12", "Dropbear", ... */
	char fp[17];            /* first 16 hex digits of SHA-256 of the public key
	                           (or of the encrypted blob: fp_blob) */
	bool fp_blob;
} fg_keyinfo;

/* A decoded PEM block with LABEL ("RSA PRIVATE KEY", "PRIVATE KEY",
 * "ENCRYPTED PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY",
 * "OPENSSH PRIVATE KEY", "ANY PRIVATE KEY"). False when it does not
 * parse as a key. */
bool fg_key_from_pem(const char *label, const unsigned char *der, size_t len, bool proc_encrypted,
		     fg_keyinfo *out);

/* A DER private key (PKCS#8, encrypted PKCS#8, or traditional PKCS#1 /
 * SEC1 / DSA). */
bool fg_key_from_der(const unsigned char *der, size_t len, fg_keyinfo *out);

/* A PKCS#12 file: opened with an empty password when it has one. */
bool fg_key_from_p12(const unsigned char *der, size_t len, fg_keyinfo *out);

/* The "openssh-key-v1" container (decoded body of an OPENSSH PRIVATE KEY). */
bool fg_key_openssh(const unsigned char *d, size_t len, fg_keyinfo *out);

/* A PuTTY .ppk file (text starting at "PuTTY-User-Key-File-"). */
bool fg_key_putty(const char *t, size_t len, fg_keyinfo *out);

/* A Dropbear private key file (binary SSH-wire key). */
bool fg_key_dropbear(const unsigned char *d, size_t len, fg_keyinfo *out);

/* Type and size of an SSH wire-format public key blob. */
bool fg_ssh_pubkey_info(const unsigned char *d, size_t len, char *type, size_t cap, int *bits);

/* "RSA 2048-bit PKCS#1, unencrypted" */
void fg_key_describe(const fg_keyinfo *k, char *out, size_t cap);

/* /etc/ssh/ssh_host_*_key, /etc/dropbear/dropbear_*_host_key and other
 * "*host_key" files under an ssh or dropbear directory (not .pub). */
bool fg_is_ssh_host_key_path(const char *path);

/* Lower-case hex of the first 8 bytes of SHA-256 of D. */
void fg_sha256_prefix(const unsigned char *d, size_t len, char out[17]);

#endif
