/*
 * credhash.c - verifying the hash schemes of service password files.
 *
 * Every function here takes the hash straight from the image: lengths
 * are checked before anything is decoded, iteration counts are bounded,
 * and comparisons are constant-time.
 */
#include "checks/credhash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PW 256
#define MOSQ_MAX_ITER 10000000u    /* PBKDF2 rounds accepted at all */

bool fg_credhash_own(fg_hash_scheme s)
{
	return s >= FG_HASH_APR1;
}

/* ---- md5crypt / apr1 ---------------------------------------------------- */

static const char itoa64[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static void to64(char **p, unsigned v, int n)
{
	while (n-- > 0) {
		*(*p)++ = itoa64[v & 0x3f];
		v >>= 6;
	}
}

static bool md5_of(const void *buf, size_t len, unsigned char out[16])
{
	unsigned int n = 0;
	return EVP_Digest(buf, len, out, &n, EVP_md5(), NULL) == 1 && n == 16;
}

/* The 1000-round md5crypt construction (PHK's), MAGIC selecting the
 * variant; SETTING is "$magic$salt[$...]". */
bool fg_md5crypt(const char *pw, size_t len, const char *setting, const char *magic,
		 char *out, size_t cap)
{
	size_t ml = strlen(magic);
	if (len > MAX_PW || cap < 64 || strncmp(setting, magic, ml) != 0)
		return false;
	const char *salt = setting + ml;
	size_t sl = 0;
	while (sl < 8 && salt[sl] && salt[sl] != '$')
		sl++;

	unsigned char alt[16], fin[16], buf[2 * MAX_PW + 64];
	size_t n = 0;
	memcpy(buf, pw, len);
	memcpy(buf + len, salt, sl);
	memcpy(buf + len + sl, pw, len);
	if (!md5_of(buf, 2 * len + sl, alt))
		return false;

	/* pw magic salt, then alt repeated over len bytes, then the bit walk */
	unsigned char big[3 * MAX_PW + 64];
	memcpy(big, pw, len);
	memcpy(big + len, magic, ml);
	memcpy(big + len + ml, salt, sl);
	n = len + ml + sl;
	for (size_t i = len; i > 0; i -= i > 16 ? 16 : i)
		memcpy(big + n, alt, i > 16 ? 16 : i), n += i > 16 ? 16 : i;
	for (size_t i = len; i; i >>= 1)
		big[n++] = (i & 1) ? 0 : (unsigned char)pw[0];
	if (!md5_of(big, n, fin))
		return false;

	for (int r = 0; r < 1000; r++) {
		n = 0;
		if (r & 1)
			memcpy(buf, pw, len), n = len;
		else
			memcpy(buf, fin, 16), n = 16;
		if (r % 3)
			memcpy(buf + n, salt, sl), n += sl;
		if (r % 7)
			memcpy(buf + n, pw, len), n += len;
		if (r & 1)
			memcpy(buf + n, fin, 16), n += 16;
		else
			memcpy(buf + n, pw, len), n += len;
		if (!md5_of(buf, n, fin))
			return false;
	}

	char *p = out + snprintf(out, cap, "%s%.*s$", magic, (int)sl, salt);
	to64(&p, (unsigned)fin[0] << 16 | (unsigned)fin[6] << 8 | fin[12], 4);
	to64(&p, (unsigned)fin[1] << 16 | (unsigned)fin[7] << 8 | fin[13], 4);
	to64(&p, (unsigned)fin[2] << 16 | (unsigned)fin[8] << 8 | fin[14], 4);
	to64(&p, (unsigned)fin[3] << 16 | (unsigned)fin[9] << 8 | fin[15], 4);
	to64(&p, (unsigned)fin[4] << 16 | (unsigned)fin[10] << 8 | fin[5], 4);
	to64(&p, fin[11], 2);
	*p = '\0';
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(big, sizeof(big));
	return true;
}

/* ---- helpers ------------------------------------------------------------ */

static bool same_str(const char *a, const char *b)
{
	size_t n = strlen(b);
	return strlen(a) == n && CRYPTO_memcmp(a, b, n) == 0;
}

/* Standard base64 of LEN bytes into OUT (cap >= 4 * ceil(len / 3) + 1). */
static void b64(const unsigned char *in, size_t len, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

/* Decodes base64 [S, S+L) into OUT (cap bytes); returns bytes or -1. */
static int unb64(const char *s, size_t l, unsigned char *out, size_t cap)
{
	if (l == 0 || l % 4 || l / 4 * 3 > cap)
		return -1;
	int n = EVP_DecodeBlock(out, (const unsigned char *)s, (int)l);
	if (n < 0)
		return -1;
	if (s[l - 1] == '=')
		n--;
	if (s[l - 2] == '=')
		n--;
	return n;
}

static void hex(const unsigned char *in, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
}

/* ---- schemes ------------------------------------------------------------ */

static int verify_sha1_b64(const char *hash, const char *pw, size_t len)
{
	if (strncmp(hash, "{SHA}", 5) != 0 || strlen(hash + 5) != 28)
		return -1;
	unsigned char d[20];
	unsigned int n = 0;
	char enc[32];
	if (EVP_Digest(pw, len, d, &n, EVP_sha1(), NULL) != 1)
		return -1;
	b64(d, 20, enc);
	return same_str(enc, hash + 5);
}

/* "$6$" salt "$" digest: salt and digest standard base64. */
static int verify_mosq_sha512(const char *hash, const char *pw, size_t len)
{
	const char *salt = hash + 3, *d = strchr(salt, '$');
	unsigned char sb[64], in[MAX_PW + 64], md[64];
	char enc[100];
	int sl = d ? unb64(salt, (size_t)(d - salt), sb, sizeof(sb)) : -1;
	if (strncmp(hash, "$6$", 3) != 0 || sl < 0 || strlen(d + 1) != 88)
		return -1;
	memcpy(in, pw, len);
	memcpy(in + len, sb, (size_t)sl);
	unsigned int n = 0;
	if (EVP_Digest(in, len + (size_t)sl, md, &n, EVP_sha512(), NULL) != 1)
		return -1;
	b64(md, 64, enc);
	OPENSSL_cleanse(in, sizeof(in));
	return same_str(enc, d + 1);
}

/* "$7$" iterations "$" salt "$" digest. */
static int verify_mosq_pbkdf2(const char *hash, const char *pw, size_t len)
{
	if (strncmp(hash, "$7$", 3) != 0)
		return -1;
	char *end;
	unsigned long iter = strtoul(hash + 3, &end, 10);
	if (*end != '$' || iter == 0 || iter > MOSQ_MAX_ITER)
		return -1;
	const char *salt = end + 1, *d = strchr(salt, '$');
	unsigned char sb[64], md[64];
	char enc[100];
	int sl = d ? unb64(salt, (size_t)(d - salt), sb, sizeof(sb)) : -1;
	if (sl < 0 || strlen(d + 1) != 88)
		return -1;
	if (PKCS5_PBKDF2_HMAC(pw, (int)len, sb, sl, (int)iter, EVP_sha512(), 64, md) != 1)
		return -1;
	b64(md, 64, enc);
	return same_str(enc, d + 1);
}

/* "user:realm:md5hex": MD5("user:realm:password"). */
static int verify_htdigest(const char *hash, const char *pw, size_t len)
{
	const char *last = strrchr(hash, ':');
	if (!last || strlen(last + 1) != 32 || (size_t)(last - hash) > 512)
		return -1;
	unsigned char in[512 + 1 + MAX_PW], md[16];
	size_t pre = (size_t)(last - hash) + 1;
	char h[33];
	memcpy(in, hash, pre);
	memcpy(in + pre, pw, len);
	if (!md5_of(in, pre + len, md))
		return -1;
	hex(md, 16, h);
	return strcasecmp(h, last + 1) == 0;
}

static int verify_md5_hex(const char *hash, const char *pw, size_t len)
{
	unsigned char md[16];
	char h[33];
	if (strlen(hash) != 32 || !md5_of(pw, len, md))
		return -1;
	hex(md, 16, h);
	return strcasecmp(h, hash) == 0;
}

int fg_credhash_verify(fg_hash_scheme s, const char *hash, const char *pw, size_t len)
{
	if (len > MAX_PW)
		return 0;
	char out[128];
	switch (s) {
	case FG_HASH_APR1:
		if (!fg_md5crypt(pw, len, hash, "$apr1$", out, sizeof(out)))
			return -1;
		return same_str(out, hash);
	case FG_HASH_SHA1_B64:
		return verify_sha1_b64(hash, pw, len);
	case FG_HASH_MOSQ_SHA512:
		return verify_mosq_sha512(hash, pw, len);
	case FG_HASH_MOSQ_PBKDF2:
		return verify_mosq_pbkdf2(hash, pw, len);
	case FG_HASH_HTDIGEST:
		return verify_htdigest(hash, pw, len);
	case FG_HASH_MD5_HEX:
		return verify_md5_hex(hash, pw, len);
	default:
		return -1;
	}
}

double fg_credhash_cost_us(fg_hash_scheme s, const char *hash)
{
	switch (s) {
	case FG_HASH_APR1:
		return 100;
	case FG_HASH_MOSQ_PBKDF2: {
		unsigned long iter = strtoul(hash + 3, NULL, 10);
		return 1 + (double)(iter > MOSQ_MAX_ITER ? MOSQ_MAX_ITER : iter) * 1.5;
	}
	default:
		return 2;
	}
}
