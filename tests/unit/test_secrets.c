/* secrets.private-key, secrets.ssh-host-key, secrets.cloud-credential,
 * certificates.expired/weak, credentials.wifi-passphrase and
 * credentials.duplicate-account: positives, negatives, decoys, hostile
 * input. Keys and certificates are generated here with OpenSSL. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "check_tree.h"
#include "checks/keys.h"
#include "checks/pem.h"

static EVP_PKEY *rsa_key(int bits)
{
	return EVP_RSA_gen((unsigned)bits);
}

static EVP_PKEY *ec_key(void)
{
	return EVP_EC_gen("P-256");
}

/* PEM text of K in one of the forms: 0 traditional (PKCS#1 / SEC1),
 * 1 PKCS#8, 2 encrypted PKCS#8. Caller frees. */
static char *key_pem(EVP_PKEY *k, int form)
{
	BIO *b = BIO_new(BIO_s_mem());
	if (form == 0)
		PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL, NULL);
	else if (form == 1)
		PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
	else
		PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_256_cbc(), NULL, 0, NULL, (void *)"secret");
	char *data;
	long n = BIO_get_mem_data(b, &data);
	char *out = malloc((size_t)n + 1);
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	BIO_free(b);
	return out;
}

static X509 *make_cert(EVP_PKEY *k, long not_before, long not_after, const EVP_MD *md, const char *cn)
{
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before);
	ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after);
	X509_set_pubkey(x, k);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509_sign(x, k, md);
	return x;
}

static char *cert_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, x);
	char *data;
	long n = BIO_get_mem_data(b, &data);
	char *out = malloc((size_t)n + 1);
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	BIO_free(b);
	return out;
}

static char *concat(const char *a, const char *b)
{
	char *out = malloc(strlen(a) + strlen(b) + 1);
	strcpy(out, a);
	strcat(out, b);
	return out;
}

/* The second line of a PEM block: key material that must never appear. */
static void second_line(const char *pem, char *out, size_t cap)
{
	const char *nl = strchr(pem, '\n');
	snprintf(out, cap, "%.40s", nl ? nl + 1 : "");
}

/* ---- private keys ---------------------------------------------------------- */

TEST(pem_forms_are_reported_once_each)
{
	EVP_PKEY *rsa = rsa_key(2048), *ec = ec_key();
	char *pkcs1 = key_pem(rsa, 0), *pkcs8 = key_pem(rsa, 1), *enc = key_pem(rsa, 2), *sec1 = key_pem(ec, 0);
	ct_tree t = ct_new();
	ct_file(&t, "etc/lighttpd/server.pem", pkcs1);
	ct_file(&t, "etc/ssl/private/gateway.key", pkcs8);
	ct_file(&t, "etc/ssl/private/enc.key", enc);
	char *ec_with_text = concat("# device key\n\n", sec1);
	ct_file(&t, "etc/ec.pem", ec_with_text);
	ct_run(&t, "secrets.private-key");
	CHECK_INT_EQ(ct_count(&t, NULL), 4);
	const fg_finding *f = ct_at(&t, "secrets.private-key", "/etc/lighttpd/server.pem", 1);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK(strstr(f->message, "RSA 2048-bit PKCS#1, unencrypted") != NULL);
	CHECK_STR_EQ(f->excerpt, "-----BEGIN RSA PRIVATE KEY----- (key material redacted)");
	f = ct_at(&t, "secrets.private-key", "/etc/ssl/private/gateway.key", 1);
	REQUIRE(f);
	CHECK(strstr(f->message, "PKCS#8") != NULL);
	f = ct_at(&t, "secrets.private-key", "/etc/ssl/private/enc.key", 1);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_LOW);
	CHECK(strstr(f->message, "encrypted") != NULL);
	f = ct_at(&t, "secrets.private-key", "/etc/ec.pem", 3);
	REQUIRE(f);
	CHECK(strstr(f->message, "EC prime256v1 256-bit SEC1") != NULL);
	char l2[64];
	second_line(pkcs1, l2, sizeof(l2));
	CHECK(ct_nowhere(&t, l2));
	/* the same key in two files: the same subject, different paths */
	CHECK(strcmp(ct_at(&t, "secrets.private-key", "/etc/lighttpd/server.pem", 1)->fingerprint,
		     ct_at(&t, "secrets.private-key", "/etc/ssl/private/gateway.key", 1)->fingerprint) != 0);
	ct_free(&t);
	free(pkcs1);
	free(pkcs8);
	free(enc);
	free(sec1);
	free(ec_with_text);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

TEST(marker_strings_and_public_keys_are_not_keys)
{
	static const char elf[] =
		"\x7f" "ELF\x01\x01\x01\0\0\0\0\0\0\0\0\0"
		"-----BEGIN RSA PRIVATE KEY-----\0-----END RSA PRIVATE KEY-----\0"
		"-----BEGIN PRIVATE KEY-----\n\0%s\n-----END PRIVATE KEY-----\0"
		"-----BEGIN ENCRYPTED PRIVATE KEY-----\0-----BEGIN OPENSSH PRIVATE KEY-----\0";
	ct_tree t = ct_new();
	ct_bytes(&t, "usr/sbin/hostapd", elf, sizeof(elf) - 1);
	ct_bytes(&t, "usr/bin/dropbearconvert", elf, sizeof(elf) - 1);
	ct_file(&t, "etc/garbage.pem", "-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n");
	ct_file(&t, "etc/notakey.pem", "-----BEGIN RSA PRIVATE KEY-----\nAAAAAAAAAAAAAAAAAAAA\n-----END RSA PRIVATE KEY-----\n");
	ct_file(&t, "etc/mismatch.pem", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
	EVP_PKEY *rsa = rsa_key(2048);
	BIO *b = BIO_new(BIO_s_mem());
	PEM_write_bio_PUBKEY(b, rsa);
	char *data;
	long n = BIO_get_mem_data(b, &data);
	ct_bytes(&t, "etc/ota/ota-pub.pem", data, (size_t)n);
	ct_file(&t, "etc/init.d/S05firstboot",
		"#!/bin/sh\nopenssl req -x509 -newkey ec -nodes -keyout /data/certs/server.key -out x\n");
	ct_run(&t, "secrets.private-key");
	CHECK_INT_EQ(ct_count(&t, NULL), 0);
	ct_free(&t);
	BIO_free(b);
	EVP_PKEY_free(rsa);
}

TEST(key_inside_a_program_and_crypto_library)
{
	EVP_PKEY *rsa = rsa_key(1024);
	char *pem = key_pem(rsa, 0);
	size_t pl = strlen(pem);
	char *bin = calloc(1, 4096 + pl);
	memcpy(bin, "\x7f" "ELF\x01\x01\x01", 7);
	memcpy(bin + 2048, pem, pl);
	ct_tree t = ct_new();
	ct_bytes(&t, "bin/Sofia", bin, 4096 + pl);
	ct_bytes(&t, "usr/lib/libmbedcrypto.so.7", bin, 4096 + pl);
	ct_run(&t, "secrets.private-key");
	const fg_finding *f = ct_at(&t, "secrets.private-key", "/bin/Sofia", 0);
	REQUIRE(f);
	CHECK_INT_EQ(f->offset, 2048);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK(strstr(f->message, "embedded in a program") != NULL);
	f = ct_at(&t, "secrets.private-key", "/usr/lib/libmbedcrypto.so.7", 0);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_INFO);
	ct_free(&t);
	free(bin);
	free(pem);
	EVP_PKEY_free(rsa);
}

TEST(der_and_pkcs12_files)
{
	EVP_PKEY *rsa = rsa_key(2048);
	unsigned char *der = NULL;
	int dl = i2d_PrivateKey(rsa, &der);
	X509 *x = make_cert(rsa, 1600000000, 2100000000, EVP_sha256(), "p12");
	PKCS12 *p12 = PKCS12_create("", "dev", rsa, x, NULL, 0, 0, 0, 0, 0);
	unsigned char *p12der = NULL;
	int p12l = i2d_PKCS12(p12, &p12der);
	PKCS12 *p12pw = PKCS12_create("hunter2", "dev", rsa, x, NULL, 0, 0, 0, 0, 0);
	unsigned char *p12pwder = NULL;
	int p12pwl = i2d_PKCS12(p12pw, &p12pwder);
	ct_tree t = ct_new();
	ct_bytes(&t, "etc/device.key", der, (size_t)dl);
	ct_bytes(&t, "etc/device.bin", der, (size_t)dl);   /* not a key name: not tried */
	ct_bytes(&t, "etc/device.p12", p12der, (size_t)p12l);
	ct_bytes(&t, "etc/locked.pfx", p12pwder, (size_t)p12pwl);
	ct_run(&t, "secrets.private-key");
	const fg_finding *f = ct_at(&t, "secrets.private-key", "/etc/device.key", 0);
	REQUIRE(f);
	CHECK(strstr(f->message, "RSA 2048-bit") != NULL);
	f = ct_at(&t, "secrets.private-key", "/etc/device.p12", 0);
	REQUIRE(f);
	CHECK(strstr(f->message, "RSA 2048-bit PKCS#12") != NULL);
	f = ct_at(&t, "secrets.private-key", "/etc/locked.pfx", 0);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_LOW);
	CHECK(ct_at(&t, "secrets.private-key", "/etc/device.bin", -1) == NULL);
	ct_free(&t);
	OPENSSL_free(der);
	OPENSSL_free(p12der);
	OPENSSL_free(p12pwder);
	PKCS12_free(p12);
	PKCS12_free(p12pw);
	X509_free(x);
	EVP_PKEY_free(rsa);
}

/* An "openssh-key-v1" container for an Ed25519 key, by hand. */
static size_t put_str(unsigned char *p, const void *s, uint32_t n)
{
	p[0] = (unsigned char)(n >> 24);
	p[1] = (unsigned char)(n >> 16);
	p[2] = (unsigned char)(n >> 8);
	p[3] = (unsigned char)n;
	memcpy(p + 4, s, n);
	return 4 + n;
}

static size_t ed25519_blob(unsigned char *p)
{
	unsigned char pk[32];
	memset(pk, 0x42, sizeof(pk));
	size_t k = put_str(p, "ssh-ed25519", 11);
	return k + put_str(p + k, pk, 32);
}

static char *openssh_pem(const char *cipher)
{
	unsigned char blob[1024], pub[128], priv[64];
	size_t k = 0, pl = ed25519_blob(pub);
	memset(priv, 7, sizeof(priv));
	memcpy(blob, "openssh-key-v1", 15);
	k = 15;
	k += put_str(blob + k, cipher, (uint32_t)strlen(cipher));
	k += put_str(blob + k, "none", 4);
	k += put_str(blob + k, "", 0);
	blob[k++] = 0, blob[k++] = 0, blob[k++] = 0, blob[k++] = 1;
	k += put_str(blob + k, pub, (uint32_t)pl);
	k += put_str(blob + k, priv, sizeof(priv));
	char *out = malloc(4096);
	int n = sprintf(out, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
	n += EVP_EncodeBlock((unsigned char *)out + n, blob, (int)k);
	sprintf(out + n, "\n-----END OPENSSH PRIVATE KEY-----\n");
	return out;
}

TEST(openssh_putty_and_host_keys)
{
	char *plain = openssh_pem("none"), *enc = openssh_pem("aes256-ctr");
	unsigned char pub[128];
	size_t pl = ed25519_blob(pub);
	char b64[256], ppk[1024];
	EVP_EncodeBlock((unsigned char *)b64, pub, (int)pl);
	snprintf(ppk, sizeof(ppk),
		 "PuTTY-User-Key-File-2: ssh-ed25519\nEncryption: none\nComment: dev\nPublic-Lines: 1\n%s\n"
		 "Private-Lines: 1\nAAAAIAcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH\nPrivate-MAC: 00\n", b64);
	/* Dropbear: public blob then private parts */
	unsigned char db[600];
	size_t k = put_str(db, "ssh-rsa", 7);
	unsigned char e[3] = { 1, 0, 1 }, nmod[257];
	memset(nmod, 0xab, sizeof(nmod));
	nmod[0] = 0;
	k += put_str(db + k, e, 3);
	k += put_str(db + k, nmod, sizeof(nmod));
	EVP_PKEY *rsa = rsa_key(2048);
	char *pem = key_pem(rsa, 0);
	ct_tree t = ct_new();
	ct_file(&t, "home/dev/.ssh/id_ed25519", plain);
	ct_file(&t, "home/dev/.ssh/id_enc", enc);
	ct_file(&t, "home/dev/key.ppk", ppk);
	ct_file(&t, "etc/ssh/ssh_host_rsa_key", pem);
	ct_file(&t, "etc/ssh/ssh_host_rsa_key.pub", "ssh-rsa AAAA host\n");
	ct_bytes(&t, "etc/dropbear/dropbear_rsa_host_key", db, k);
	ct_file(&t, "etc/dropbear/dropbear_ecdsa_host_key", "");
	ct_run(&t, "secrets.private-key");
	ct_run(&t, "secrets.ssh-host-key");
	const fg_finding *f = ct_at(&t, "secrets.private-key", "/home/dev/.ssh/id_ed25519", 1);
	REQUIRE(f);
	CHECK(strstr(f->message, "Ed25519 256-bit OpenSSH, unencrypted") != NULL);
	f = ct_at(&t, "secrets.private-key", "/home/dev/.ssh/id_enc", 1);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_LOW);
	f = ct_at(&t, "secrets.private-key", "/home/dev/key.ppk", 1);
	REQUIRE(f);
	CHECK(strstr(f->message, "PuTTY") != NULL);
	/* host keys go to their own check, once */
	CHECK(ct_at(&t, "secrets.private-key", "/etc/ssh/ssh_host_rsa_key", -1) == NULL);
	f = ct_at(&t, "secrets.ssh-host-key", "/etc/ssh/ssh_host_rsa_key", 1);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	f = ct_at(&t, "secrets.ssh-host-key", "/etc/dropbear/dropbear_rsa_host_key", 0);
	REQUIRE(f);
	CHECK(strstr(f->message, "RSA 2048-bit Dropbear") != NULL);
	CHECK_INT_EQ(ct_count(&t, "secrets.ssh-host-key"), 2);
	ct_free(&t);
	free(plain);
	free(enc);
	free(pem);
	EVP_PKEY_free(rsa);
}

TEST(pem_scanner_is_linear_and_bounded)
{
	/* 20000 BEGIN markers then one END, and overlapping nonsense */
	size_t n = 20000, per = 32;
	char *buf = malloc(n * per + 64);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += (size_t)sprintf(buf + k, "-----BEGIN PRIVATE KEY-----AAAA");
	k += (size_t)sprintf(buf + k, "-----END PRIVATE KEY-----");
	fg_pem_set *s = fg_pem_scan_buffer(buf, k, NULL);
	REQUIRE(s);
	CHECK(s->v.n <= 1);
	fg_pem_set_free(s);
	static const char *const broken[] = {
		"-----BEGIN ", "-----BEGIN X", "-----BEGIN X-----", "-----BEGIN X-----\n=", "-----BEGIN X-----\nA===\n-----END X-----",
		"-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\n", "-----BEGIN X-----\n\n\n\n-----END X-----",
	};
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		size_t l = strlen(broken[i]);
		char *exact = malloc(l);
		memcpy(exact, broken[i], l);
		s = fg_pem_scan_buffer(exact, l, NULL);
		CHECK(s && s->v.n == 0);
		fg_pem_set_free(s);
		free(exact);
	}
	free(buf);
	/* the parsers refuse truncated containers */
	fg_keyinfo ki;
	static const unsigned char trunc[] = "openssh-key-v1\0\0\0\0\4none";
	CHECK(!fg_key_openssh(trunc, sizeof(trunc) - 1, &ki));
	CHECK(!fg_key_dropbear((const unsigned char *)"\0\0\0\7ssh-rsa\0\0\0\xff", 15, &ki));
	CHECK(!fg_key_putty("PuTTY-User-Key-File-2: x\nEncryption: none\n", 43, &ki));
}

/* ---- cloud credentials ------------------------------------------------------- */

TEST(aws_pair_is_one_finding_and_never_leaks)
{
	ct_tree t = ct_new();
	ct_file(&t, "etc/cloud/aws-iot.conf",
		"[default]\nregion = eu-west-1\nendpoint = https://iot.eu-west-1.amazonaws.com\n"
		"aws_access_key_id = AKIA62572WVWSJD6JOTU\n"
		"aws_secret_access_key = 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\n");
	ct_file(&t, "etc/iot/credentials.json",
		"{\n  \"device_id\": \"gw500-000123\",\n  \"aws\": {\n    \"region\": \"us-east-1\",\n"
		"    \"access_key_id\": \"AKIAOB22CWG3Z2ADKMJW\",\n"
		"    \"secret_access_key\": \"vAC1SNsIsTSguqrT74LSlVE7Blt2Wx8pVt/2sKnY\"\n  },\n"
		"  \"mqtt\": {\n    \"broker\": \"ssl://mqtt.example.org:8883\",\n    \"username\": \"gw500\",\n"
		"    \"password\": \"xcqsCwb1SSElVteqi3ybUKUe\"\n  }\n}\n");
	ct_file(&t, "etc/cloud/cloud.conf",
		"# provisioned into the secure element\n[aws]\nregion = eu-west-2\n"
		"credential_source = pkcs11:token=se050\naws_access_key_id = ${AWS_ACCESS_KEY_ID}\n"
		"aws_secret_access_key = $AWS_SECRET\n");
	ct_run(&t, "secrets.cloud-credential");
	CHECK_INT_EQ(ct_count(&t, NULL), 3);
	const fg_finding *f = ct_at(&t, "secrets.cloud-credential", "/etc/cloud/aws-iot.conf", 4);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_CRITICAL);
	CHECK(strstr(f->message, "line 5") != NULL);
	CHECK(ct_at(&t, "secrets.cloud-credential", "/etc/iot/credentials.json", 5) != NULL);
	CHECK(ct_at(&t, "secrets.cloud-credential", "/etc/iot/credentials.json", 11) != NULL);
	CHECK(ct_at(&t, "secrets.cloud-credential", "/etc/cloud/cloud.conf", -1) == NULL);
	CHECK(ct_nowhere(&t, "AKIA62572WVWSJD6JOTU"));
	CHECK(ct_nowhere(&t, "6nIydu24LblsNPOlBF"));
	CHECK(ct_nowhere(&t, "xcqsCwb1SSElVteqi3ybUKUe"));
	ct_free(&t);
}

TEST(passwords_in_configs)
{
	ct_tree t = ct_new();
	ct_file(&t, "etc/cloud/mqtt.conf",
		"MQTT_HOST=mqtt.example.net\nMQTT_PORT=1883\nMQTT_USER=ipc200-7f3a\n"
		"MQTT_PASSWORD=mS2WGbbzusHtSCh1\nMQTT_TOPIC=cam/x\nMQTT_TOKEN=\nAPI_KEY=${KEY}\n");
	ct_file(&t, "config/cloud",
		"config mqtt 'cloud'\n\toption broker 'mqtts://mqtt.example.net:8883'\n"
		"\toption username 'wr3000'\n\toption password 'eTzcAPOGJKeUGGaBGrR1'\n");
	ct_file(&t, "etc/azure.conf",
		"CONN=\"HostName=hub.azure-devices.net;DeviceId=cam1;SharedAccessKey=c2VjcmV0c2VjcmV0c2VjcmV0\"\n");
	ct_file(&t, "etc/gcp/sa.json",
		"{\n  \"type\": \"service_account\",\n  \"project_id\": \"p\",\n"
		"  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n\"\n}\n");
	/* not secrets */
	ct_file(&t, "etc/ssl/openssl.cnf", "challengePassword = A challenge password\nsecret = pass:insta\n");
	ct_file(&t, "etc/nsswitch.conf", "passwd:         files\n");
	ct_file(&t, "etc/init.d/S10x", "#!/bin/sh\nPASSWORD=hunter22\n");
	ct_file(&t, "etc/app.conf", "# password = commented1\npassword_file = /etc/app.pw\npassword = ****\n"
		"token = none\npassword = $(cat /data/pw)\nadmin_password: changeme\n");
	ct_run(&t, "secrets.cloud-credential");
	const fg_finding *f = ct_at(&t, "secrets.cloud-credential", "/etc/cloud/mqtt.conf", 4);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK(strstr(f->excerpt, "MQTT_PASSWORD=mS") == f->excerpt);
	CHECK(ct_at(&t, "secrets.cloud-credential", "/config/cloud", 4) != NULL);
	f = ct_at(&t, "secrets.cloud-credential", "/etc/azure.conf", 1);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_CRITICAL);
	CHECK(ct_at(&t, "secrets.cloud-credential", "/etc/gcp/sa.json", 4) != NULL);
	CHECK(ct_at(&t, "secrets.cloud-credential", "/etc/app.conf", 6) != NULL);
	CHECK_INT_EQ(ct_count(&t, NULL), 5);
	CHECK(ct_nowhere(&t, "mS2WGbbzusHtSCh1"));
	CHECK(ct_nowhere(&t, "eTzcAPOGJKeUGGaBGrR1"));
	CHECK(ct_nowhere(&t, "c2VjcmV0c2VjcmV0c2VjcmV0"));
	ct_free(&t);
}

/* ---- certificates ----------------------------------------------------------------- */

TEST(expired_and_weak_certificates)
{
	setenv("FG_NOW", "1700000000", 1);   /* 2023-11-14 */
	EVP_PKEY *rsa = rsa_key(2048), *small = rsa_key(1024);
	char *key = key_pem(rsa, 0);
	X509 *old = make_cert(rsa, 1420070400, 1577836800, EVP_sha256(), "ipc-200.local"); /* 2015..2020 */
	X509 *valid = make_cert(rsa, 1690000000, 2300000000, EVP_sha256(), "gateway");
	X509 *future = make_cert(rsa, 1800000000, 2300000000, EVP_sha256(), "future");
	X509 *weak = make_cert(small, 1690000000, 2300000000, EVP_sha1(), "weak");
	char *c_old = cert_pem(old), *c_valid = cert_pem(valid), *c_future = cert_pem(future), *c_weak = cert_pem(weak);
	char *server = concat(key, c_old);
	ct_tree t = ct_new();
	ct_file(&t, "etc/lighttpd/server.pem", server);
	ct_file(&t, "etc/ssl/certs/gateway.crt", c_valid);
	ct_file(&t, "etc/future.pem", c_future);
	ct_file(&t, "etc/weak.pem", c_weak);
	/* a bundle with two expired of five */
	char *b1 = concat(c_valid, c_old), *b2 = concat(b1, c_valid), *b3 = concat(b2, c_old), *bundle = concat(b3, c_valid);
	ct_file(&t, "etc/ssl/ca-bundle.crt", bundle);
	unsigned char *der = NULL;
	int dl = i2d_X509(old, &der);
	ct_bytes(&t, "etc/old.der", der, (size_t)dl);
	ct_run(&t, "certificates.expired");
	ct_run(&t, "certificates.weak");
	const fg_finding *f = ct_at(&t, "certificates.expired", "/etc/lighttpd/server.pem", 28);
	if (!f) /* the key's length decides the line: find it */
		f = ct_at(&t, "certificates.expired", "/etc/lighttpd/server.pem", -1);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_MEDIUM);
	CHECK(strstr(f->message, "2020-01-01") != NULL);
	CHECK(strstr(f->message, "self-signed") != NULL);
	CHECK(ct_at(&t, "certificates.expired", "/etc/ssl/certs/gateway.crt", -1) == NULL);
	f = ct_at(&t, "certificates.expired", "/etc/future.pem", 1);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_LOW);
	f = ct_at(&t, "certificates.expired", "/etc/ssl/ca-bundle.crt", -1);
	REQUIRE(f);
	CHECK(strstr(f->message, "2 of 5") != NULL);
	CHECK_INT_EQ(f->severity, FG_SEV_LOW);
	CHECK(ct_at(&t, "certificates.expired", "/etc/old.der", 0) != NULL);
	CHECK_INT_EQ(ct_count(&t, "certificates.expired"), 4);
	f = ct_at(&t, "certificates.weak", "/etc/weak.pem", 1);
	REQUIRE(f);
	CHECK(strstr(f->message, "RSA 1024-bit key") != NULL);
	CHECK(strstr(f->message, "SHA1 signature") != NULL);
	CHECK_INT_EQ(ct_count(&t, "certificates.weak"), 1);
	ct_free(&t);
	/* without FG_NOW the real clock is used: 2015..2020 is expired today too */
	unsetenv("FG_NOW");
	free(key); free(c_old); free(c_valid); free(c_future); free(c_weak); free(server);
	free(b1); free(b2); free(b3); free(bundle);
	OPENSSL_free(der);
	X509_free(old); X509_free(valid); X509_free(future); X509_free(weak);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(small);
}

/* ---- Wi-Fi and duplicate accounts --------------------------------------------------- */

TEST(wifi_passphrases_and_open_networks)
{
	ct_tree t = ct_new();
	ct_file(&t, "sbin/rtl_hostapd.conf",
		"interface=eth2\ndriver=nl80211\nctrl_interface=/var/run/hostapd\nssid=IPC_NUM\nchannel=6\n"
		"ieee80211n=1\nhw_mode=g\nignore_broadcast_ssid=0\nwpa=2\nrsn_pairwise=CCMP\n"
		"wpa_passphrase=1234567890\n");
	ct_file(&t, "etc/hostapd/hostapd.conf",
		"interface=wlan0\nssid=ExampleNet\nwpa=2\nwpa_key_mgmt=WPA-PSK\n"
		"# per-device key\nwpa_psk_file=/var/run/hostapd.wpa_psk\n");
	ct_file(&t, "etc/hostapd/open.conf", "interface=wlan1\nssid=Guest\nhw_mode=g\n");
	ct_file(&t, "etc/wpa_supplicant.conf",
		"ctrl_interface=/var/run/wpa_supplicant\nnetwork={\n\tssid=\"Factory\"\n\tpsk=\"factory-wifi-pass\"\n}\n");
	ct_file(&t, "sbin/wpa_wpa2.conf",
		"ap_scan=1\nnetwork={\n\tssid=                  #\xb1\xd8\xd0\xeb\n\tkey_mgmt=WPA-PSK\n\tpsk=         #\xb1\xd8\n}\n");
	ct_file(&t, "etc/config/wireless",
		"config wifi-device 'wl0'\n\toption type 'mac80211'\n\toption channel 'auto'\n\toption legacy_rates '1'\n\n"
		"config wifi-iface\n\toption device 'wl0'\n\toption mode 'ap'\n\toption encryption 'none'\n"
		"\toption network 'lan'\n\toption ssid 'OWASP IoTGoat'\n\n"
		"config wifi-iface\n\toption device 'wl0'\n\toption mode 'ap'\n\toption encryption 'psk2'\n"
		"\toption key 'SuperSecret99'\n\toption ssid 'Home'\n\n"
		"config wifi-iface\n\toption mode 'ap'\n\toption disabled '1'\n\toption ssid 'Off'\n");
	ct_run(&t, "credentials.wifi-passphrase");
	const fg_finding *f = ct_at(&t, "credentials.wifi-passphrase", "/sbin/rtl_hostapd.conf", 11);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK(strstr(f->message, "IPC_NUM") != NULL);
	CHECK(ct_at(&t, "credentials.wifi-passphrase", "/etc/hostapd/hostapd.conf", -1) == NULL);
	f = ct_at(&t, "credentials.wifi-passphrase", "/etc/hostapd/open.conf", 2);
	REQUIRE(f);
	CHECK(strstr(f->message, "open access point") != NULL);
	CHECK(ct_at(&t, "credentials.wifi-passphrase", "/etc/wpa_supplicant.conf", 4) != NULL);
	CHECK(ct_at(&t, "credentials.wifi-passphrase", "/sbin/wpa_wpa2.conf", -1) == NULL);
	f = ct_at(&t, "credentials.wifi-passphrase", "/etc/config/wireless", 9);
	REQUIRE(f);
	CHECK(strstr(f->message, "OWASP IoTGoat") != NULL);
	CHECK(ct_at(&t, "credentials.wifi-passphrase", "/etc/config/wireless", 17) != NULL);
	CHECK_INT_EQ(ct_count(&t, NULL), 5);
	CHECK(ct_nowhere(&t, "1234567890"));
	CHECK(ct_nowhere(&t, "SuperSecret99"));
	CHECK(ct_nowhere(&t, "factory-wifi-pass"));
	ct_free(&t);
}

TEST(duplicate_accounts)
{
	ct_tree t = ct_new();
	ct_file(&t, "etc/passwd",
		"root:x:0:0:root:/root:/bin/ash\ndnsmasq:x:453:453:dnsmasq:/var/run/dnsmasq:/bin/false\n"
		"admin:x:1000:1000::/home/admin:/bin/sh\nadmin:x:1001:1001::/tmp:/bin/sh\n"
		"toor:$1$abcdefgh$0123456789012345678901:0:0::/root:/bin/sh\nsync:*:0:0::/:/bin/sync\n");
	ct_file(&t, "etc/shadow",
		"root:$1$Jl7H1VOG$Wgw2F/C.nLNTC.4pwDa4H1:18145:0:99999:7:::\n"
		"dnsmasq:x:0:0:99999:7:::\ndnsmasq:x:0:0:99999:7:::\n");
	ct_run(&t, "credentials.duplicate-account");
	const fg_finding *f = ct_at(&t, "credentials.duplicate-account", "/etc/shadow", 3);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_LOW);
	CHECK(strstr(f->message, "first at line 2") != NULL);
	f = ct_at(&t, "credentials.duplicate-account", "/etc/passwd", 4);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_MEDIUM);
	CHECK_INT_EQ(ct_count(&t, NULL), 2);
	/* second root accounts are a check of their own */
	ct_run(&t, "credentials.uid0-account");
	f = ct_at(&t, "credentials.uid0-account", "/etc/passwd", 5);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	f = ct_at(&t, "credentials.uid0-account", "/etc/passwd", 6);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_LOW);  /* the locked uid-0 "sync" is not a login */
	CHECK_INT_EQ(ct_count(&t, NULL), 4);
	CHECK(ct_nowhere(&t, "Wgw2F"));
	CHECK(ct_nowhere(&t, "0123456789012345678901"));
	ct_free(&t);
}
