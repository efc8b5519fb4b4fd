/*
 * sbom.c - shared pieces of the SBOM writers.
 */
#include "report/sbom.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hex.h"

void fg_sbom_timestamp(char out[32])
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t = time(NULL);
	if (sde && *sde) {
		char *end;
		long long v = strtoll(sde, &end, 10);
		if (!*end && v >= 0)
			t = (time_t)v;
	}
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void fg_sbom_input_sha256(const fg_result *res, char out[65])
{
	out[0] = '\0';
	const fg_node *root = res->tree.root;
	if (!root || root->type != FG_NODE_FILE)
		return;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (EVP_Digest(root->data ? root->data : (const unsigned char *)"", root->data_len, md, &n,
		       EVP_sha256(), NULL))
		fg_hex(md, 32, out);
}

void fg_sbom_sha1(const unsigned char *data, size_t len, char out[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (EVP_Digest(data ? data : (const unsigned char *)"", len, md, &n, EVP_sha1(), NULL))
		fg_hex(md, 20, out);
	else
		out[0] = '\0';
}

static void update(EVP_MD_CTX *m, const char *s)
{
	s = s ? s : "";
	EVP_DigestUpdate(m, s, strlen(s) + 1); /* the NUL separates fields */
}

/* RFC 4122 name-based UUID: SHA-1 over a namespace and the name. */
void fg_sbom_uuid(const fg_result *res, char out[37])
{
	/* firmgate's namespace, a constant picked once */
	static const unsigned char ns[16] = {
		0x5c, 0x2f, 0x8e, 0x41, 0x9b, 0x0d, 0x4a, 0x7e,
		0x86, 0x13, 0x2d, 0xc4, 0x70, 0x55, 0xe1, 0x9a,
	};
	char digest[65];
	fg_sbom_input_sha256(res, digest);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	if (m && EVP_DigestInit_ex(m, EVP_sha1(), NULL)) {
		EVP_DigestUpdate(m, ns, sizeof(ns));
		update(m, res->input_name);
		update(m, digest);
		for (size_t i = 0; i < res->components.n; i++) {
			const fg_component *c = &res->components.v[i];
			update(m, c->name);
			update(m, c->version);
			update(m, c->container);
			update(m, c->purl);
		}
		EVP_DigestFinal_ex(m, md, &n);
	}
	EVP_MD_CTX_free(m);
	if (n < 16)
		memset(md, 0, 16);
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50); /* version 5 */
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	char h[33];
	fg_hex(md, 16, h);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

void fg_sbom_hash2(const char *a, const char *b, char out[17])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	if (m && EVP_DigestInit_ex(m, EVP_sha256(), NULL)) {
		update(m, a);
		update(m, b);
		EVP_DigestFinal_ex(m, md, &n);
	}
	EVP_MD_CTX_free(m);
	if (n < 8)
		memset(md, 0, 8);
	fg_hex(md, 8, out);
}

void fg_sbom_ref(const fg_component *c, const char *prefix, char *out, size_t cap)
{
	char key[1024];
	snprintf(key, sizeof(key), "%s\n%s\n%s", c->name, c->version, c->path ? c->path : "");
	char h[17];
	fg_sbom_hash2(key, c->container, h);
	snprintf(out, cap, "%s%s", prefix, h);
}
