/*
 * keys.c - private key parsing for the secrets checks (see keys.h).
 */
#include "checks/keys.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/pem.h"
#include "core/hex.h"

#define MAX_KEY_DER (1u << 20)

void fg_sha256_prefix(const unsigned char *d, size_t len, char out[17])
{
	unsigned char md[32];
	unsigned int ml = 0;
	if (!EVP_Digest(d, len, md, &ml, EVP_sha256(), NULL))
		memset(md, 0, sizeof(md));
	fg_hex(md, 8, out);
}

static void info_from_pkey(EVP_PKEY *pk, fg_keyinfo *out)
{
	int id = EVP_PKEY_get_base_id(pk);
	out->bits = EVP_PKEY_get_bits(pk);
	const char *name = OBJ_nid2sn(id);
	switch (id) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		snprintf(out->type, sizeof(out->type), "RSA");
		break;
	case EVP_PKEY_DSA:
		snprintf(out->type, sizeof(out->type), "DSA");
		break;
	case EVP_PKEY_EC: {
		char group[32] = "";
		size_t gl = 0;
		if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &gl))
			snprintf(out->type, sizeof(out->type), "EC %s", group);
		else
			snprintf(out->type, sizeof(out->type), "EC");
		break;
	}
	case EVP_PKEY_ED25519:
		snprintf(out->type, sizeof(out->type), "Ed25519");
		break;
	case EVP_PKEY_ED448:
		snprintf(out->type, sizeof(out->type), "Ed448");
		break;
	default:
		snprintf(out->type, sizeof(out->type), "%s", name ? name : "unknown");
		break;
	}
	unsigned char *pub = NULL;
	int pl = i2d_PUBKEY(pk, &pub);
	if (pl > 0)
		fg_sha256_prefix(pub, (size_t)pl, out->fp);
	OPENSSL_free(pub);
}

/* The DER must be one complete ASN.1 SEQUENCE: a stray 0x30 is not a key. */
static bool one_sequence(const unsigned char *d, size_t len)
{
	if (len < 2 || d[0] != 0x30)
		return false;
	size_t hl, bl;
	if (d[1] < 0x80) {
		hl = 2;
		bl = d[1];
	} else {
		size_t nb = d[1] & 0x7f;
		if (nb == 0 || nb > 4 || len < 2 + nb)
			return false;
		bl = 0;
		for (size_t i = 0; i < nb; i++)
			bl = (bl << 8) | d[2 + i];
		hl = 2 + nb;
	}
	return hl + bl == len;
}

static bool try_pkey(int type, const unsigned char *der, size_t len, fg_keyinfo *out)
{
	const unsigned char *p = der;
	EVP_PKEY *pk = type ? d2i_PrivateKey(type, NULL, &p, (long)len)
			    : d2i_AutoPrivateKey(NULL, &p, (long)len);
	if (!pk)
		return false;
	info_from_pkey(pk, out);
	EVP_PKEY_free(pk);
	return true;
}

static bool try_encrypted_pkcs8(const unsigned char *der, size_t len, fg_keyinfo *out)
{
	const unsigned char *p = der;
	X509_SIG *sig = d2i_X509_SIG(NULL, &p, (long)len);
	if (!sig)
		return false;
	const X509_ALGOR *alg = NULL;
	const ASN1_OCTET_STRING *digest = NULL;
	X509_SIG_get0(sig, &alg, &digest);
	const ASN1_OBJECT *obj = NULL;
	if (alg)
		X509_ALGOR_get0(&obj, NULL, NULL, alg);
	char name[40] = "";
	if (obj)
		OBJ_obj2txt(name, sizeof(name), obj, 0);
	bool ok = digest && ASN1_STRING_length(digest) >= 16;
	X509_SIG_free(sig);
	if (!ok)
		return false;
	out->encrypted = true;
	snprintf(out->type, sizeof(out->type), "unknown");
	snprintf(out->format, sizeof(out->format), "encrypted PKCS#8%s%s", name[0] ? ", " : "", name);
	fg_sha256_prefix(der, len, out->fp);
	out->fp_blob = true;
	return true;
}

bool fg_key_from_der(const unsigned char *der, size_t len, fg_keyinfo *out)
{
	memset(out, 0, sizeof(*out));
	if (len > MAX_KEY_DER || !one_sequence(der, len))
		return false;
	if (try_pkey(0, der, len, out)) {
		/* PKCS#8 starts with version INTEGER 0 then an AlgorithmIdentifier */
		snprintf(out->format, sizeof(out->format), "DER");
		return true;
	}
	return try_encrypted_pkcs8(der, len, out);
}

bool fg_key_from_pem(const char *label, const unsigned char *der, size_t len, bool proc_encrypted,
		     fg_keyinfo *out)
{
	memset(out, 0, sizeof(*out));
	if (len > MAX_KEY_DER)
		return false;
	if (strcmp(label, "OPENSSH PRIVATE KEY") == 0)
		return fg_key_openssh(der, len, out);
	if (strcmp(label, "ENCRYPTED PRIVATE KEY") == 0)
		return one_sequence(der, len) && try_encrypted_pkcs8(der, len, out);
	static const struct {
		const char *label;
		int type;
		const char *name, *format;
	} trad[] = {
		{ "RSA PRIVATE KEY", EVP_PKEY_RSA, "RSA", "PKCS#1" },
		{ "EC PRIVATE KEY", EVP_PKEY_EC, "EC", "SEC1" },
		{ "DSA PRIVATE KEY", EVP_PKEY_DSA, "DSA", "traditional DSA" },
		{ "PRIVATE KEY", 0, NULL, "PKCS#8" },
		{ "ANY PRIVATE KEY", 0, NULL, "PKCS#8" },
	};
	for (size_t i = 0; i < sizeof(trad) / sizeof(trad[0]); i++) {
		if (strcmp(label, trad[i].label) != 0)
			continue;
		if (proc_encrypted && trad[i].name) {
			/* RFC 1421 encryption: the body is ciphertext, whole cipher
			 * blocks of it */
			if (len < 64 || len % 8)
				return false;
			out->encrypted = true;
			snprintf(out->type, sizeof(out->type), "%s", trad[i].name);
			snprintf(out->format, sizeof(out->format), "%s, PEM-encrypted", trad[i].format);
			fg_sha256_prefix(der, len, out->fp);
			out->fp_blob = true;
			return true;
		}
		if (!one_sequence(der, len) || !try_pkey(trad[i].type, der, len, out))
			return false;
		snprintf(out->format, sizeof(out->format), "%s", trad[i].format);
		return true;
	}
	return false;
}

bool fg_key_from_p12(const unsigned char *der, size_t len, fg_keyinfo *out)
{
	memset(out, 0, sizeof(*out));
	if (len > MAX_KEY_DER || !one_sequence(der, len))
		return false;
	const unsigned char *p = der;
	PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);
	if (!p12)
		return false;
	EVP_PKEY *pk = NULL;
	X509 *cert = NULL;
	STACK_OF(X509) *ca = NULL;
	snprintf(out->format, sizeof(out->format), "PKCS#12");
	bool opened = false;
	const char *pws[] = { "", NULL };
	for (int i = 0; i < 2 && !opened; i++) {
		if (!PKCS12_verify_mac(p12, pws[i], pws[i] ? 0 : -1) && PKCS12_mac_present(p12))
			continue;
		opened = PKCS12_parse(p12, pws[i], &pk, &cert, &ca) == 1;
	}
	bool is_key = true;
	if (opened && pk) {
		info_from_pkey(pk, out);
	} else if (opened) {
		is_key = false; /* certificates only */
	} else {
		out->encrypted = true;
		snprintf(out->type, sizeof(out->type), "unknown");
		snprintf(out->format, sizeof(out->format), "PKCS#12, password-protected");
		fg_sha256_prefix(der, len, out->fp);
		out->fp_blob = true;
	}
	EVP_PKEY_free(pk);
	X509_free(cert);
	sk_X509_pop_free(ca, X509_free);
	PKCS12_free(p12);
	return is_key;
}

/* ---- SSH wire format -------------------------------------------------------- */

typedef struct rd {
	const unsigned char *d;
	size_t len, pos;
} rd;

static bool rd_u32(rd *r, uint32_t *v)
{
	if (r->len - r->pos < 4)
		return false;
	const unsigned char *p = r->d + r->pos;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	r->pos += 4;
	return true;
}

static bool rd_str(rd *r, const unsigned char **s, size_t *l)
{
	uint32_t n;
	if (!rd_u32(r, &n) || n > r->len - r->pos)
		return false;
	*s = r->d + r->pos;
	*l = n;
	r->pos += n;
	return true;
}

static int mpint_bits(const unsigned char *s, size_t l)
{
	while (l && *s == 0) {
		s++;
		l--;
	}
	if (!l || l > 4096)
		return 0;
	int bits = (int)(l - 1) * 8;
	for (unsigned c = s[0]; c; c >>= 1)
		bits++;
	return bits;
}

static bool printable(const unsigned char *s, size_t l)
{
	if (!l || l > 64)
		return false;
	for (size_t i = 0; i < l; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

bool fg_ssh_pubkey_info(const unsigned char *d, size_t len, char *type, size_t cap, int *bits)
{
	rd r = { d, len, 0 };
	const unsigned char *t, *a, *b;
	size_t tl, al, bl;
	*bits = 0;
	if (!rd_str(&r, &t, &tl) || !printable(t, tl))
		return false;
	char name[72];
	snprintf(name, sizeof(name), "%.*s", (int)tl, (const char *)t);
	if (strcmp(name, "ssh-rsa") == 0) {
		if (!rd_str(&r, &a, &al) || !rd_str(&r, &b, &bl)) /* e, n */
			return false;
		*bits = mpint_bits(b, bl);
		snprintf(type, cap, "RSA");
	} else if (strcmp(name, "ssh-dss") == 0) {
		if (!rd_str(&r, &a, &al))
			return false;
		*bits = mpint_bits(a, al);
		snprintf(type, cap, "DSA");
	} else if (strcmp(name, "ssh-ed25519") == 0) {
		*bits = 256;
		snprintf(type, cap, "Ed25519");
	} else if (strncmp(name, "ecdsa-sha2-nistp", 16) == 0) {
		*bits = atoi(name + 16);
		snprintf(type, cap, "ECDSA P-%d", *bits);
	} else if (strncmp(name, "sk-", 3) == 0 || strncmp(name, "ssh-", 4) == 0) {
		snprintf(type, cap, "%s", name);
	} else {
		return false;
	}
	return true;
}

bool fg_key_openssh(const unsigned char *d, size_t len, fg_keyinfo *out)
{
	static const char magic[] = "openssh-key-v1";
	memset(out, 0, sizeof(*out));
	if (len < sizeof(magic) || memcmp(d, magic, sizeof(magic)) != 0) /* with its NUL */
		return false;
	rd r = { d, len, sizeof(magic) };
	const unsigned char *cipher, *kdf, *kdfopt, *pub, *first = NULL, *priv;
	size_t cl, kl, ol, pl, fl = 0, vl;
	uint32_t nkeys;
	if (!rd_str(&r, &cipher, &cl) || !rd_str(&r, &kdf, &kl) || !rd_str(&r, &kdfopt, &ol) ||
	    !rd_u32(&r, &nkeys) || nkeys == 0 || nkeys > 64)
		return false;
	for (uint32_t i = 0; i < nkeys; i++) {
		if (!rd_str(&r, &pub, &pl))
			return false;
		if (i == 0) {
			first = pub;
			fl = pl;
		}
	}
	/* the private section must be there and non-empty */
	if (!rd_str(&r, &priv, &vl) || vl == 0 || !first)
		return false;
	if (!fg_ssh_pubkey_info(first, fl, out->type, sizeof(out->type), &out->bits))
		return false;
	out->encrypted = !(cl == 4 && memcmp(cipher, "none", 4) == 0);
	snprintf(out->format, sizeof(out->format), "OpenSSH%s%.*s", out->encrypted ? ", " : "",
		 out->encrypted && printable(cipher, cl) ? (int)cl : 0, (const char *)cipher);
	fg_sha256_prefix(first, fl, out->fp);
	return true;
}

/* ---- PuTTY ------------------------------------------------------------------- */

/* Value of "Key: value" at the start of a line within [T, T+LEN). */
static bool ppk_field(const char *t, size_t len, const char *key, const char **v, size_t *vl)
{
	size_t kl = strlen(key), pos = 0;
	while (pos < len) {
		const char *nl = memchr(t + pos, '\n', len - pos);
		size_t e = nl ? (size_t)(nl - t) : len;
		if (e - pos > kl + 1 && memcmp(t + pos, key, kl) == 0 && t[pos + kl] == ':') {
			size_t s = pos + kl + 1;
			while (s < e && t[s] == ' ')
				s++;
			size_t ee = e;
			if (ee > s && t[ee - 1] == '\r')
				ee--;
			*v = t + s;
			*vl = ee - s;
			return true;
		}
		pos = e + 1;
	}
	return false;
}

bool fg_key_putty(const char *t, size_t len, fg_keyinfo *out)
{
	memset(out, 0, sizeof(*out));
	if (len > 64 * 1024)
		len = 64 * 1024;
	const char *enc, *pub, *priv;
	size_t el, pl, ql;
	if (len < 22 || memcmp(t, "PuTTY-User-Key-File-", 20) != 0 || !ppk_field(t, len, "Encryption", &enc, &el) ||
	    !ppk_field(t, len, "Private-Lines", &priv, &ql) || !ppk_field(t, len, "Public-Lines", &pub, &pl))
		return false;
	/* Public-Lines: N, then N base64 lines */
	int nlines = 0;
	for (size_t i = 0; i < pl && pub[i] >= '0' && pub[i] <= '9' && nlines < 1000; i++)
		nlines = nlines * 10 + (pub[i] - '0');
	if (nlines <= 0 || nlines > 64)
		return false;
	const char *start = memchr(pub, '\n', (size_t)(t + len - pub));
	if (!start)
		return false;
	start++;
	const char *p = start;
	for (int i = 0; i < nlines && p && p < t + len; i++) {
		const char *nl = memchr(p, '\n', (size_t)(t + len - p));
		p = nl ? nl + 1 : t + len;
	}
	size_t bl = (size_t)(p - start);
	unsigned char *blob = malloc(bl * 3 / 4 + 4);
	size_t dl = 0;
	bool ok = blob && fg_base64_decode(start, bl, blob, &dl) &&
		  fg_ssh_pubkey_info(blob, dl, out->type, sizeof(out->type), &out->bits);
	if (ok)
		fg_sha256_prefix(blob, dl, out->fp);
	free(blob);
	if (!ok)
		return false;
	out->encrypted = !(el == 4 && memcmp(enc, "none", 4) == 0);
	snprintf(out->format, sizeof(out->format), "PuTTY v%c", t[20]);
	return true;
}

/* ---- Dropbear ------------------------------------------------------------------ */

bool fg_key_dropbear(const unsigned char *d, size_t len, fg_keyinfo *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 16 || len > 64 * 1024)
		return false;
	/* The private file is the public blob followed by the private parts:
	 * the type string then mpints/strings. */
	if (!fg_ssh_pubkey_info(d, len, out->type, sizeof(out->type), &out->bits))
		return false;
	fg_sha256_prefix(d, len < 512 ? len : 512, out->fp);
	out->fp_blob = true;
	snprintf(out->format, sizeof(out->format), "Dropbear");
	return true;
}

void fg_key_describe(const fg_keyinfo *k, char *out, size_t cap)
{
	char bits[24] = "";
	if (k->bits > 0)
		snprintf(bits, sizeof(bits), " %d-bit", k->bits);
	snprintf(out, cap, "%s%s %s, %s", k->type[0] ? k->type : "unknown", bits, k->format,
		 k->encrypted ? "encrypted" : "unencrypted");
}

bool fg_is_ssh_host_key_path(const char *path)
{
	const char *name = strrchr(path, '/');
	name = name ? name + 1 : path;
	size_t nl = strlen(name);
	if (nl >= 4 && strcmp(name + nl - 4, ".pub") == 0)
		return false;
	if (strncmp(name, "ssh_host_", 9) == 0 && nl > 13 && strcmp(name + nl - 4, "_key") == 0)
		return true;
	if (strncmp(name, "dropbear_", 9) == 0 && strstr(name, "host_key"))
		return true;
	return strstr(name, "host_key") && (strstr(path, "/ssh/") || strstr(path, "/dropbear/"));
}
