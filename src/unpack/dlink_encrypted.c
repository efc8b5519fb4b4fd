/*
 * dlink_encrypted.c - D-Link's encrypted firmware containers, recognised
 * and described, not decrypted.
 *
 * "encrpted_img" (sic; DIR-X series): the 12-byte magic and a big-endian
 * length of the AES-CBC encrypted data that follows.
 *
 * "SHRS" (DIR-8xx/3040 series): a 0x6dc-byte big-endian header: magic,
 * the length of the decrypted image padded to the AES block, the length
 * without padding, a 16-byte IV, then SHA-512 digests of the decrypted
 * image with its key, of the decrypted image, and of the encrypted image
 * (0x9c; over the unpadded length), 512 unused bytes and two 512-byte
 * signatures. The encrypted image follows the header. Its digest is
 * checked, so the 4-byte magic is trusted only when it holds.
 *
 * Both are leaves: what they hold is encrypted, and a scan reports that
 * instead of carving noise out of ciphertext.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "unpack/format.h"

#define ENC_MAGIC "encrpted_img"
#define ENC_HDR 16
#define SHRS_HDR 0x6dc
#define SHRS_ENC_DIGEST 0x9c

typedef struct shrs {
	uint32_t size, size_unpadded;
	bool digest_ok;
} shrs;

static bool shrs_parse(const uint8_t *data, size_t len, shrs *s, bool check_digest)
{
	fg_cursor c = fg_cur_make(data, len);
	const uint8_t *magic = fg_cur_take(&c, 4);
	s->size = fg_cur_u32be(&c);
	s->size_unpadded = fg_cur_u32be(&c);
	if (!fg_cur_ok(&c) || memcmp(magic, "SHRS", 4) != 0 || len < SHRS_HDR)
		return false;
	if (s->size == 0 || s->size_unpadded > s->size || s->size - s->size_unpadded > 16)
		return false;
	s->digest_ok = false;
	if (check_digest && (uint64_t)SHRS_HDR + s->size_unpadded <= len) {
		uint8_t md[EVP_MAX_MD_SIZE];
		unsigned n = 0;
		s->digest_ok = EVP_Digest(data + SHRS_HDR, s->size_unpadded, md, &n, EVP_sha512(), NULL) &&
			       n == 64 && memcmp(md, data + SHRS_ENC_DIGEST, 64) == 0;
	}
	return true;
}

static bool is_enc(const uint8_t *data, size_t len)
{
	return len >= ENC_HDR && !memcmp(data, ENC_MAGIC, 12);
}

static int dl_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	if (is_enc(data, len)) {
		uint64_t total = ENC_HDR + (uint64_t)fg_load_u32be(data + 12);
		if (total <= ENC_HDR)
			return 0;
		*chunk_len = total <= len ? total : len;
		return total <= len ? 85 : 45;
	}
	shrs s;
	if (!shrs_parse(data, len, &s, true))
		return 0;
	uint64_t total = SHRS_HDR + (uint64_t)s.size;
	*chunk_len = total <= len ? total : len;
	if (s.digest_ok)
		return 95;
	/* an unconfirmed 4-byte magic is only named at the start of a file */
	return total <= len ? 40 : 20;
}

static void dl_describe(const uint8_t *data, size_t len, char *buf, size_t cap)
{
	if (is_enc(data, len)) {
		uint32_t n = fg_load_u32be(data + 12);
		snprintf(buf, cap, "D-Link encrpted_img: encrypted firmware (AES-CBC), %u bytes%s; "
			 "not decrypted", n, (uint64_t)ENC_HDR + n > len ? " (truncated)" : "");
		return;
	}
	shrs s;
	if (!shrs_parse(data, len, &s, true)) {
		snprintf(buf, cap, "D-Link SHRS: encrypted firmware, header unreadable");
		return;
	}
	snprintf(buf, cap, "D-Link SHRS: encrypted firmware (AES-128-CBC), %u bytes (%u unpadded), "
		 "encrypted-image sha512 %s; not decrypted", s.size, s.size_unpadded,
		 s.digest_ok ? "ok" : (uint64_t)SHRS_HDR + s.size_unpadded > len ? "not checked (truncated)"
										: "mismatch");
}

static const fg_magic dl_magics[] = {
	{ ENC_MAGIC, 12, 0 },
	{ "SHRS", 4, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_dlink_encrypted = {
	.name = "dlink_encrypted",
	.kind = FG_FMT_LEAF,
	.magics = dl_magics,
	.probe = dl_probe,
	.describe = dl_describe,
};
