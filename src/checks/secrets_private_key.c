/*
 * secrets_private_key.c - private keys shipped in the image.
 *
 * A key in the image is the same in every unit: whoever extracts it from
 * one device or from the update file can impersonate all of them or
 * decrypt their traffic. Found:
 *
 *   PEM        blocks labelled RSA / EC / DSA PRIVATE KEY (traditional),
 *              PRIVATE KEY (PKCS#8), ENCRYPTED PRIVATE KEY, OPENSSH
 *              PRIVATE KEY, in any file, text or binary. The block must
 *              decode and parse as a key with OpenSSL (the OpenSSH
 *              container is parsed here): the format strings programs
 *              carry ("-----BEGIN RSA PRIVATE KEY-----" in hostapd,
 *              wpa_supplicant, dropbearconvert, libssl) never fire.
 *   PuTTY      "PuTTY-User-Key-File-N:" files with their public part.
 *   DER        *.key, *.der, *.pk8, *.p8 files that parse as a PKCS#8 /
 *              PKCS#1 / SEC1 private key (OpenSSL d2i).
 *   PKCS#12    *.p12, *.pfx: opened with an empty password when possible
 *              to name the key type and size.
 *
 * Severity: HIGH for a key in the clear; LOW for an encrypted one (the
 * passphrase is often next to it, but it is not proven); INFO for a key
 * inside a crypto library (self-test vectors) and for published test keys
 * (data/secrets/public-test-keys.txt, kind "published"); library
 * self-test keys listed there (kind "selftest") are not reported. SSH host keys
 * (/etc/ssh/ssh_host_*_key, /etc/dropbear/dropbear_*_host_key) are left
 * to secrets.ssh-host-key. One finding per key; the subject is the
 * SHA-256 prefix of its public key, so the fingerprint names the key.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks/check.h"
#include "checks/files.h"
#include "checks/keys.h"
#include "checks/pem.h"
#include "core/data.h"

#define MAX_DER_FILE (256u << 10)

static bool has_ext(const char *name, const char *const *exts)
{
	const char *dot = strrchr(name, '.');
	if (!dot)
		return false;
	for (; *exts; exts++)
		if (strcasecmp(dot + 1, *exts) == 0)
			return true;
	return false;
}

/* Keys everybody has (data/secrets/public-test-keys.txt): returns NULL,
 * or the line's kind ("selftest", "published") with its description in
 * DESC. */
static const char *public_test_key(const char *fp, char *desc, size_t cap)
{
	const fg_data_file *df = fg_data_get("secrets/public-test-keys.txt");
	if (!df || strlen(fp) != 16)
		return NULL;
	const char *t = (const char *)df->data, *e = t + df->len;
	while (t < e) {
		const char *nl = memchr(t, '\n', (size_t)(e - t));
		size_t l = nl ? (size_t)(nl - t) : (size_t)(e - t);
		if (l > 17 && t[0] != '#' && memcmp(t, fp, 16) == 0 && t[16] == '\t') {
			const char *k = t + 17, *tab = memchr(k, '\t', l - 17);
			snprintf(desc, cap, "%.*s", tab ? (int)(t + l - tab - 1) : 0, tab ? tab + 1 : "");
			if (tab && (size_t)(tab - k) == 8 && memcmp(k, "selftest", 8) == 0)
				return "selftest";
			return "published";
		}
		t += l + 1;
	}
	return NULL;
}

/* An ELF crypto library: its keys are most likely self-test vectors. */
static bool crypto_library(const fg_file *f)
{
	static const char *const libs[] = {
		"libgnutls", "libcrypto", "libssl", "libmbedcrypto", "libmbedtls", "libwolfssl",
		"libnettle", "libhogweed", "libgcrypt", "libnss3", "libsoftokn3", "libfreebl", NULL,
	};
	if (!f->elf)
		return false;
	for (const char *const *l = libs; *l; l++)
		if (strncmp(f->name, *l, strlen(*l)) == 0)
			return true;
	return false;
}

static void report_key(fg_check_ctx *ctx, const fg_file *f, unsigned line, int64_t off,
		       const fg_keyinfo *k, const char *how)
{
	char desc[160], subject[64], excerpt[200], where[64] = "";
	fg_key_describe(k, desc, sizeof(desc));
	snprintf(subject, sizeof(subject), "key:%s", k->fp);
	snprintf(excerpt, sizeof(excerpt), "%s (key material redacted)", how);
	if (line)
		snprintf(where, sizeof(where), " at line %u", line);
	else if (off >= 0)
		snprintf(where, sizeof(where), " at offset 0x%llx", (unsigned long long)off);
	char known[200] = "", note[320] = "";
	const char *kind = public_test_key(k->fp, known, sizeof(known));
	if (kind && strcmp(kind, "selftest") == 0)
		return;
	bool selftest = crypto_library(f);
	if (kind)
		snprintf(note, sizeof(note), " It is a published test key (%s): its private part is "
			 "public, which matters if the program uses it as its identity.", known);
	else if (selftest)
		snprintf(note, sizeof(note), " It is inside a crypto library, where keys are usually "
			 "public self-test vectors: check before acting.");
	fg_report_at(ctx, f->node, line, off, kind || selftest ? FG_SEV_INFO : k->encrypted ? FG_SEV_LOW : -1,
		     subject, excerpt,
		     "%s holds a private key (%s, %s SHA-256 %s\xe2\x80\xa6)%s%s. The same key is in every unit of this "
		     "firmware: anyone who has the image can impersonate the device or decrypt its "
		     "traffic.%s%s", f->path, desc, k->fp_blob ? "key blob" : "public key", k->fp, where,
		     f->elf ? ", embedded in a program" : "", note,
		     k->encrypted ? " The key is encrypted; its passphrase may be elsewhere in the "
				    "image." : "");
}

static void pem_keys(fg_check_ctx *ctx)
{
	const fg_pem_set *pem = fg_pem_of(ctx);
	for (size_t i = 0; pem && i < pem->v.n; i++) {
		const fg_pem_block *b = &pem->v.v[i];
		size_t ll = strlen(b->label);
		if (ll < 11 || strcmp(b->label + ll - 11, "PRIVATE KEY") != 0 ||
		    fg_is_ssh_host_key_path(b->file->path))
			continue;
		fg_keyinfo k;
		if (!fg_key_from_pem(b->label, b->der, b->der_len, b->proc_encrypted, &k))
			continue;
		char how[96];
		snprintf(how, sizeof(how), "-----BEGIN %s-----", b->label);
		/* line numbers only mean something in text files */
		report_key(ctx, b->file, b->file->text ? b->line : 0, (int64_t)b->offset, &k, how);
	}
}

static void file_keys(fg_check_ctx *ctx)
{
	static const char *const der_ext[] = { "key", "der", "pk8", "p8", "priv", NULL };
	static const char *const p12_ext[] = { "p12", "pfx", NULL };
	const fg_files *files = fg_files_of(ctx);
	for (size_t i = 0; files && i < files->v.n; i++) {
		const fg_file *f = &files->v.v[i];
		const unsigned char *d = f->node->data;
		size_t len = f->node->data_len;
		fg_keyinfo k;
		if (!d || !len || fg_is_ssh_host_key_path(f->path))
			continue;
		if (f->text && len > 20 && memcmp(d, "PuTTY-User-Key-File-", 20) == 0) {
			if (fg_key_putty((const char *)d, len, &k))
				report_key(ctx, f, 1, 0, &k, "PuTTY-User-Key-File");
			continue;
		}
		if (f->text || len > MAX_DER_FILE || d[0] != 0x30)
			continue;
		if (has_ext(f->name, der_ext) && fg_key_from_der(d, len, &k))
			report_key(ctx, f, 0, 0, &k, "DER private key");
		else if (has_ext(f->name, p12_ext) && fg_key_from_p12(d, len, &k))
			report_key(ctx, f, 0, 0, &k, "PKCS#12 key store");
	}
}

static void run(fg_check_ctx *ctx)
{
	pem_keys(ctx);
	file_keys(ctx);
}

const fg_check fg_check_private_key = {
	.id = "secrets.private-key",
	.title = "Private key in the firmware image",
	.severity = FG_SEV_HIGH,
	.remediation = "Do not ship private keys in the image: generate per-device keys at first boot "
		       "or at manufacturing (ideally in a secure element or TPM), and keep signing "
		       "keys off the device (ETSI EN 303 645 5.4-1, 5.4-2).",
	.run = run,
};
