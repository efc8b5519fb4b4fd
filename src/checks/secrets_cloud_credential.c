/*
 * secrets_cloud_credential.c - literal cloud and service credentials in
 * configuration files.
 *
 * Only text files are read (a NUL byte in the first 4 KiB means binary),
 * at most 1 MiB of each, line by line. Rules:
 *
 *   aws        an access key ID (AKIA/ASIA + 16 upper-case letters or
 *              digits, as a whole word). With a secret access key within
 *              6 lines (a key whose name contains "secret" and a 40
 *              character value) it is one CRITICAL finding at the key ID's
 *              line; a key ID alone is MEDIUM; a secret key alone
 *              (aws_secret_access_key, "secret_access_key") is CRITICAL.
 *   azure      a connection string with HostName= and SharedAccessKey=
 *              (IoT Hub / Event Hub SAS keys): CRITICAL.
 *   gcp        a service-account key file: "type": "service_account"
 *              with a "private_key": CRITICAL, at the private_key line.
 *   passwords  in configuration files (by extension .conf .cfg .cnf .ini
 *              .json .env .yaml .yml .toml .properties .txt, or no
 *              extension under /etc, /config, /data, /var, /usr/share/<x>/
 *              defaults; never scripts with a #! line, never Wi-Fi
 *              settings, which credentials.wifi-passphrase covers): a key
 *              whose normalised name (lower case, letters and digits) is or
 *              ends in password, passwd, pass, pwd, secret, token, apikey,
 *              authkey, sharedkey, clientsecret, or is mqttpw/brokerpassword
 *              and the like, with a literal value. Shapes: KEY=VALUE,
 *              KEY = VALUE, "key": "value", UCI "option password '...'",
 *              KEY: VALUE. HIGH.
 *
 * Not secrets: empty values, environment and template references
 * (${VAR}, $VAR, %VAR%, {{x}}, <placeholder>), runs of * or x, values
 * naming a file (/path), booleans, values shorter than 4 characters, and
 * values that contain the words "password" or "secret" (prompts such as
 * openssl.cnf's "A challenge password", placeholders). openssl.cnf and
 * nsswitch.conf are not read for passwords.
 * The evidence line is reported with the value redacted (two characters
 * and the length at most). The subject is the kind and the key name, so
 * the fingerprint survives line moves and a changed secret.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/boot.h"
#include "checks/check.h"
#include "checks/files.h"

#define MAX_READ (1u << 20)
#define MAX_AWS 64
#define PAIR_LINES 6

typedef struct aws_item {
	unsigned line;
	int64_t off;
	char text[260];         /* redacted excerpt */
	char id[24];            /* key ID (subject) */
	bool used;
} aws_item;

typedef struct file_scan {
	aws_item ids[MAX_AWS], secrets[MAX_AWS];
	size_t nids, nsecrets;
	bool gcp_type;          /* "type": "service_account" seen */
	unsigned gcp_line;
	int64_t gcp_off;
	char gcp_excerpt[260];
} file_scan;

static bool upper_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Offset of an AWS access key ID in the line, or -1. */
static long find_aws_id(const char *s, size_t l)
{
	for (size_t i = 0; i + 20 <= l; i++) {
		if (!((s[i] == 'A' && s[i + 1] == 'K') || (s[i] == 'A' && s[i + 1] == 'S')) ||
		    s[i + 2] != 'I' || s[i + 3] != 'A')
			continue;
		if (i > 0 && upper_alnum(s[i - 1]))
			continue;
		size_t k = 4;
		while (k < 20 && upper_alnum(s[i + k]))
			k++;
		if (k == 20 && (i + 20 == l || !upper_alnum(s[i + 20])))
			return (long)i;
	}
	return -1;
}

static bool secret_chars(const char *v, size_t l)
{
	for (size_t i = 0; i < l; i++)
		if (!(isalnum((unsigned char)v[i]) || v[i] == '/' || v[i] == '+' || v[i] == '='))
			return false;
	return true;
}

/* Normalised key names that hold a secret. */
static bool secret_key(const char *norm)
{
	static const char *const suffixes[] = {
		"password", "passwd", "pass", "pwd", "secret", "token", "apikey", "authkey",
		"sharedkey", "clientsecret", "secretkey", "passphrase", NULL,
	};
	static const char *const not_secret[] = {
		"passwordfile", "passwdfile", "secretfile", "tokenfile", "passwordpath",
		"bypass", "compass", "nopass", "passthrough", "tokenurl", "tokenendpoint",
		"passwordlen", "passwordlength", "minpass", NULL,
	};
	size_t nl = strlen(norm);
	for (const char *const *w = not_secret; *w; w++)
		if (strcmp(norm, *w) == 0)
			return false;
	if (strstr(norm, "file") || strstr(norm, "path") || strstr(norm, "dir") ||
	    strstr(norm, "wpa") || strstr(norm, "wifi") || strstr(norm, "psk"))
		return false;
	for (const char *const *w = suffixes; *w; w++) {
		size_t sl = strlen(*w);
		if (nl >= sl && strcmp(norm + nl - sl, *w) == 0)
			return true;
	}
	return false;
}

static bool literal_value(const char *v, size_t l)
{
	if (l < 4 || fg_value_is_placeholder(v, l) || v[0] == '/' || fg_value_is_on(v, l) ||
	    fg_value_is_off(v, l))
		return false;
	if (l >= 2 && (v[0] == '[' || v[0] == '{'))
		return false;
	/* "A challenge password", "password": a prompt or a placeholder */
	if (fg_memcasemem(v, l, "password") || fg_memcasemem(v, l, "secret"))
		return false;
	for (size_t i = 0; i < l; i++)
		if ((unsigned char)v[i] < 0x20)
			return false;
	return true;
}

static void aws_line(file_scan *fs, const char *s, size_t l, unsigned no, int64_t off,
		     const fg_kv *kv, bool haskv)
{
	long at = find_aws_id(s, l);
	if (at >= 0 && fs->nids < MAX_AWS) {
		aws_item *it = &fs->ids[fs->nids++];
		memset(it, 0, sizeof(*it));
		it->line = no;
		it->off = off;
		snprintf(it->id, sizeof(it->id), "%.20s", s + at);
		fg_redact_in_line(s, l, (size_t)at, 20, it->text, sizeof(it->text));
		return;
	}
	if (!haskv || fs->nsecrets >= MAX_AWS)
		return;
	char norm[128];
	fg_key_norm(kv->key, kv->klen, norm, sizeof(norm));
	if (!strstr(norm, "secret") || !(strstr(norm, "aws") || strstr(norm, "accesskey")))
		return;
	if (kv->vlen != 40 || !secret_chars(kv->val, kv->vlen))
		return;
	aws_item *it = &fs->secrets[fs->nsecrets++];
	memset(it, 0, sizeof(*it));
	it->line = no;
	it->off = off;
	snprintf(it->id, sizeof(it->id), "%.*s", (int)(kv->klen < 23 ? kv->klen : 23), kv->key);
	fg_redact_in_line(s, l, kv->voff, kv->vlen, it->text, sizeof(it->text));
}

static void report_aws(fg_check_ctx *ctx, const fg_file *f, file_scan *fs)
{
	for (size_t i = 0; i < fs->nids; i++) {
		aws_item *id = &fs->ids[i];
		aws_item *pair = NULL;
		for (size_t k = 0; k < fs->nsecrets && !pair; k++) {
			aws_item *s = &fs->secrets[k];
			unsigned d = s->line > id->line ? s->line - id->line : id->line - s->line;
			if (!s->used && d <= PAIR_LINES)
				pair = s;
		}
		char subject[64];
		snprintf(subject, sizeof(subject), "aws:%s", id->id);
		if (pair) {
			pair->used = true;
			fg_report_at(ctx, f->node, id->line, id->off, FG_SEV_CRITICAL, subject, id->text,
				     "%s holds an AWS access key ID (line %u) with its secret access key "
				     "(line %u). Every unit carries the same cloud credential: anyone "
				     "with the image can act as the device (or its whole fleet) in AWS.",
				     f->path, id->line, pair->line);
		} else {
			fg_report_at(ctx, f->node, id->line, id->off, FG_SEV_MEDIUM, subject, id->text,
				     "%s holds an AWS access key ID (line %u); no secret key was found "
				     "next to it, but the ID names a credential that should not be "
				     "shared by every unit.", f->path, id->line);
		}
	}
	for (size_t k = 0; k < fs->nsecrets; k++) {
		aws_item *s = &fs->secrets[k];
		if (s->used)
			continue;
		char subject[64];
		snprintf(subject, sizeof(subject), "aws-secret:%s", s->id);
		fg_report_at(ctx, f->node, s->line, s->off, FG_SEV_CRITICAL, subject, s->text,
			     "%s holds an AWS secret access key (line %u, '%s'): every unit carries the "
			     "same cloud credential.", f->path, s->line, s->id);
	}
}

static bool azure_line(fg_check_ctx *ctx, const fg_file *f, const char *s, size_t l, unsigned no,
		       int64_t off)
{
	const char *k = memmem(s, l, "SharedAccessKey=", 16);
	const char *h = k ? memmem(s, l, "HostName=", 9) : NULL;
	if (!h || !k)
		return false;
	const char *v = k + 16;
	size_t vl = 0;
	while (v + vl < s + l && v[vl] != ';' && v[vl] != '"' && v[vl] != '\'' && v[vl] != ' ')
		vl++;
	if (!literal_value(v, vl))
		return false;
	char ex[300], subject[300];
	fg_redact_in_line(s, l, (size_t)(v - s), vl, ex, sizeof(ex));
	const char *he = h + 9;
	size_t hl = 0;
	while (he + hl < s + l && he[hl] != ';' && hl < 200)
		hl++;
	snprintf(subject, sizeof(subject), "azure:%.*s", (int)hl, he);
	fg_report_at(ctx, f->node, no, off, FG_SEV_CRITICAL, subject, ex,
		     "%s holds an Azure connection string with a shared access key (line %u): "
		     "every unit carries the same cloud credential.", f->path, no);
	return true;
}

static bool password_line(fg_check_ctx *ctx, const fg_file *f, const char *s, size_t l,
			  unsigned no, int64_t off, const fg_kv *kv)
{
	char norm[128];
	fg_key_norm(kv->key, kv->klen, norm, sizeof(norm));
	if (!secret_key(norm) || !literal_value(kv->val, kv->vlen))
		return false;
	if (kv->spaced && !kv->uci)  /* "password foo" prose, not a setting */
		return false;
	char ex[300], subject[160];
	fg_redact_in_line(s, l, kv->voff, kv->vlen, ex, sizeof(ex));
	snprintf(subject, sizeof(subject), "password:%.*s", (int)(kv->klen < 120 ? kv->klen : 120),
		 kv->key);
	const char *what = strstr(norm, "token") ? "token" : strstr(norm, "secret") ? "secret" :
			   strstr(norm, "key") ? "key" : "password";
	fg_report_at(ctx, f->node, no, off, -1, subject, ex,
		     "%s sets %.*s to a literal %s (line %u). Every unit carries the same "
		     "credential for the service it unlocks.", f->path, (int)(kv->klen < 80 ? kv->klen : 80),
		     kv->key, what, no);
	return true;
}

static void scan_file(fg_check_ctx *ctx, const fg_file *f, file_scan *fs)
{
	const char *t = (const char *)f->node->data;
	size_t len = f->node->data_len < MAX_READ ? f->node->data_len : MAX_READ;
	bool config = fg_is_config_file(f, t, len) && !fg_is_wifi_file(f);
	/* outside configuration files only the AWS, Azure and GCP shapes
	 * count: skip files without their literal markers (memmem passes) */
	if (!config && !memmem(t, len, "AKIA", 4) && !memmem(t, len, "ASIA", 4) &&
	    !memmem(t, len, "SharedAccessKey=", 16) && !memmem(t, len, "service_account", 15) &&
	    !memmem(t, len, "ecret", 5) && !memmem(t, len, "ECRET", 5))
		return;
	memset(fs, 0, sizeof(*fs));
	fg_line_iter it;
	fg_line_iter_init(&it, t, len);
	const char *s;
	size_t l;
	while (fg_line_next(&it, &s, &l)) {
		if (!l || l > 4096)
			continue;
		/* pointer into the untrimmed line for offsets: s is inside it */
		int64_t off = (int64_t)it.start;
		fg_kv kv;
		bool haskv = fg_kv_parse(s, l, &kv);
		bool comment = s[0] == '#' || s[0] == ';' || (l > 1 && s[0] == '/' && s[1] == '/');
		if (comment)
			continue;
		size_t before_ids = fs->nids, before_secrets = fs->nsecrets;
		aws_line(fs, s, l, it.no, off, &kv, haskv);
		if (fs->nids != before_ids || fs->nsecrets != before_secrets)
			continue;
		if (azure_line(ctx, f, s, l, it.no, off))
			continue;
		if (haskv && kv.json && kv.klen == 4 && memcmp(kv.key, "type", 4) == 0 &&
		    kv.vlen == 15 && memcmp(kv.val, "service_account", 15) == 0) {
			fs->gcp_type = true;
			continue;
		}
		if (haskv && kv.json && kv.klen == 11 && memcmp(kv.key, "private_key", 11) == 0 &&
		    kv.vlen > 40) {
			fs->gcp_line = it.no;
			fs->gcp_off = off;
			fg_redact_in_line(s, l, kv.voff, kv.vlen, fs->gcp_excerpt, sizeof(fs->gcp_excerpt));
			continue;
		}
		if (haskv && config)
			password_line(ctx, f, s, l, it.no, off, &kv);
	}
	report_aws(ctx, f, fs);
	if (fs->gcp_type && fs->gcp_line)
		fg_report_at(ctx, f->node, fs->gcp_line, fs->gcp_off, FG_SEV_CRITICAL, "gcp:service_account",
			     fs->gcp_excerpt,
			     "%s is a Google Cloud service-account key file with its private key "
			     "(line %u): every unit carries the same cloud identity.", f->path, fs->gcp_line);
}

static void run(fg_check_ctx *ctx)
{
	const fg_files *files = fg_files_of(ctx);
	file_scan *fs = malloc(sizeof(*fs));
	for (size_t i = 0; fs && files && i < files->v.n; i++)
		if (files->v.v[i].text)
			scan_file(ctx, &files->v.v[i], fs);
	free(fs);
}

const fg_check fg_check_cloud_credential = {
	.id = "secrets.cloud-credential",
	.title = "Cloud or service credential in a configuration file",
	.severity = FG_SEV_HIGH,
	.remediation = "Provision per-device credentials at manufacturing or first boot (X.509 device "
		       "certificates in a secure element, AWS IoT / Azure DPS provisioning) and never "
		       "ship shared keys or passwords in the image (ETSI EN 303 645 5.4-1, 5.4-3).",
	.run = run,
};
