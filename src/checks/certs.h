/*
 * certs.h - every X.509 certificate of a file tree, for the certificate
 * checks: PEM blocks labelled CERTIFICATE, X509 CERTIFICATE or TRUSTED
 * CERTIFICATE (checks/pem.h), and DER files named *.crt, *.cer, *.der
 * that parse with OpenSSL's d2i_X509.
 *
 * Certificates are grouped so bundles do not flood a report: a file with
 * FG_CERT_BUNDLE_MIN or more certificates is one group, and every
 * self-signed CA certificate under /usr/share/ca-certificates or
 * /etc/ssl/certs (the system trust store) belongs to one "trust store"
 * group; every other certificate is a group of its own.
 */
#ifndef FG_CERTS_H
#define FG_CERTS_H

#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "checks/check.h"
#include "checks/files.h"

#define FG_CERT_BUNDLE_MIN 4

typedef struct fg_cert {
	const fg_file *file;
	X509 *x509;
	unsigned line;           /* of the BEGIN marker, 0 for DER / binaries */
	int64_t offset;
	bool self_signed;
	bool ca;
	int group;               /* 0: alone; 1: its file is a bundle; 2: trust store */
	char subject[160];       /* CN, else the one-line subject */
	char fp[17];             /* SHA-256 prefix of the DER */
} fg_cert;

/* Calls FN for every certificate; X509 objects live only during the call. */
void fg_certs_each(fg_check_ctx *ctx, void (*fn)(const fg_cert *c, void *arg), void *arg);

/* The scan time: $FG_NOW (seconds since the epoch) when set, else now. */
time_t fg_scan_now(void);

/* "2020-01-01" */
void fg_asn1_date(const ASN1_TIME *t, char *out, size_t cap);

#endif
