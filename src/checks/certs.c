/*
 * certs.c - X.509 certificates of a file tree (see certs.h).
 */
#include "checks/certs.h"

#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/keys.h"
#include "checks/pem.h"

#define MAX_DER_CERT (256u << 10)

time_t fg_scan_now(void)
{
	const char *e = getenv("FG_NOW");
	if (e && *e) {
		char *end;
		long long v = strtoll(e, &end, 10);
		if (*end == '\0' && v >= 0)
			return (time_t)v;
	}
	return time(NULL);
}

void fg_asn1_date(const ASN1_TIME *t, char *out, size_t cap)
{
	struct tm tm;
	if (t && ASN1_TIME_to_tm(t, &tm))
		snprintf(out, cap, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	else
		snprintf(out, cap, "?");
}

static void describe(fg_cert *c)
{
	X509_NAME *name = X509_get_subject_name(c->x509);
	int idx = name ? X509_NAME_get_index_by_NID(name, NID_commonName, -1) : -1;
	c->subject[0] = '\0';
	if (idx >= 0) {
		ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
		unsigned char *u = NULL;
		int n = s ? ASN1_STRING_to_UTF8(&u, s) : -1;
		if (n > 0)
			snprintf(c->subject, sizeof(c->subject), "CN=%.*s", n > 150 ? 150 : n, (char *)u);
		OPENSSL_free(u);
	}
	if (!c->subject[0] && name)
		X509_NAME_oneline(name, c->subject, sizeof(c->subject));
	for (char *p = c->subject; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	c->self_signed = X509_check_issued(c->x509, c->x509) == X509_V_OK;
	c->ca = X509_check_ca(c->x509) > 0;
	unsigned char *der = NULL;
	int dl = i2d_X509(c->x509, &der);
	if (dl > 0)
		fg_sha256_prefix(der, (size_t)dl, c->fp);
	OPENSSL_free(der);
}

static bool trust_store_path(const char *path)
{
	return strncmp(path, "/usr/share/ca-certificates/", 27) == 0 ||
	       strncmp(path, "/etc/ssl/certs/", 15) == 0 ||
	       strncmp(path, "/etc/pki/ca-trust/", 18) == 0;
}

static bool cert_ext(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && (strcasecmp(dot, ".crt") == 0 || strcasecmp(dot, ".cer") == 0 ||
		       strcasecmp(dot, ".der") == 0 || strcasecmp(dot, ".cert") == 0);
}

static void deliver(fg_cert *c, unsigned in_file, void (*fn)(const fg_cert *, void *), void *arg)
{
	describe(c);
	if (in_file >= FG_CERT_BUNDLE_MIN)
		c->group = 1;
	else if (c->self_signed && c->ca && trust_store_path(c->file->path))
		c->group = 2;
	fn(c, arg);
}

void fg_certs_each(fg_check_ctx *ctx, void (*fn)(const fg_cert *c, void *arg), void *arg)
{
	const fg_pem_set *pem = fg_pem_of(ctx);
	for (size_t i = 0; pem && i < pem->v.n; i++) {
		const fg_pem_block *b = &pem->v.v[i];
		bool trusted = strcmp(b->label, "TRUSTED CERTIFICATE") == 0;
		if (!trusted && strcmp(b->label, "CERTIFICATE") != 0 &&
		    strcmp(b->label, "X509 CERTIFICATE") != 0)
			continue;
		const unsigned char *p = b->der;
		X509 *x = trusted ? d2i_X509_AUX(NULL, &p, (long)b->der_len)
				  : d2i_X509(NULL, &p, (long)b->der_len);
		if (!x)
			continue;
		fg_cert c = {
			.file = b->file, .x509 = x, .line = b->file->text ? b->line : 0,
			.offset = (int64_t)b->offset,
		};
		deliver(&c, b->in_file, fn, arg);
		X509_free(x);
	}
	const fg_files *files = fg_files_of(ctx);
	for (size_t i = 0; files && i < files->v.n; i++) {
		const fg_file *f = &files->v.v[i];
		const unsigned char *d = f->node->data;
		size_t len = f->node->data_len;
		if (f->text || !d || len < 16 || len > MAX_DER_CERT || d[0] != 0x30 || !cert_ext(f->name))
			continue;
		const unsigned char *p = d;
		X509 *x = d2i_X509(NULL, &p, (long)len);
		if (!x)
			continue;
		fg_cert c = { .file = f, .x509 = x, .offset = 0 };
		deliver(&c, 1, fn, arg);
		X509_free(x);
	}
}
