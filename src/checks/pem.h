/*
 * pem.h - every PEM block of a file tree, found once and shared by the
 * key and certificate checks.
 *
 * Every regular file (text or binary: keys are embedded in programs too)
 * is searched for "-----BEGIN <LABEL>-----". A block counts only when a
 * matching "-----END <LABEL>-----" follows within FG_PEM_MAX_BODY bytes
 * and everything between is RFC 7468 / RFC 1421 shaped: optional
 * "Name: value" header lines (Proc-Type, DEK-Info), then base64 lines
 * (letters, digits, + / =, blanks and line breaks only). The body is
 * decoded strictly. Marker strings that programs carry as format
 * constants (hostapd, wpa_supplicant, dropbearconvert, libssl) have no
 * such body and never make a block.
 */
#ifndef FG_PEM_H
#define FG_PEM_H

#include <stdbool.h>
#include <stddef.h>

#include "checks/check.h"
#include "checks/files.h"
#include "core/arena.h"
#include "core/vec.h"

#define FG_PEM_MAX_BODY (256u << 10)  /* base64 bytes of one block */
#define FG_PEM_MAX_BLOCKS 20000       /* per tree */
#define FG_PEM_MAX_PER_FILE 4096

typedef struct fg_pem_block {
	const fg_file *file;
	const char *label;            /* "RSA PRIVATE KEY", "CERTIFICATE", ... */
	size_t offset;                /* of "-----BEGIN" */
	unsigned line;                /* 1-based line of "-----BEGIN" */
	const unsigned char *der;     /* decoded body */
	size_t der_len;
	bool proc_encrypted;          /* "Proc-Type: 4,ENCRYPTED" header */
	unsigned index;               /* 0-based index of the block in its file */
	unsigned in_file;             /* blocks with the same label in the file */
} fg_pem_block;

typedef struct fg_pem_set {
	fg_arena arena;
	FG_VEC(fg_pem_block) v;
	bool truncated;
} fg_pem_set;

const fg_pem_set *fg_pem_of(fg_check_ctx *ctx);

/* Finds the blocks of one buffer (for tests and fuzzing). */
fg_pem_set *fg_pem_scan_buffer(const char *data, size_t len, const fg_file *file);
void fg_pem_set_free(fg_pem_set *s);

/* Strict base64 decoding of [S, S+L) ignoring blanks and line breaks;
 * false on any other character or bad padding. OUT must hold L*3/4+3. */
bool fg_base64_decode(const char *s, size_t l, unsigned char *out, size_t *outlen);

#endif
