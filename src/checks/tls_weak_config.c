/*
 * tls_weak_config.c - weak TLS and SSH server settings.
 *
 * Line rules on the configuration files of the common embedded servers
 * (one finding per file and line):
 *   lighttpd   /etc/lighttpd/lighttpd.conf and conf-enabled/ *.conf (not
 *              conf-available, which holds disabled modules):
 *              ssl.use-sslv2/ssl.use-sslv3 = "enable" (HIGH);
 *              ssl.openssl.ssl-conf-cmd MinProtocol SSLv3/TLSv1/TLSv1.1;
 *              ssl.cipher-list naming RC4, DES, NULL, EXPORT, aNULL or MD5
 *              without a "!" (MEDIUM);
 *   nginx      /etc/nginx/ **.conf: ssl_protocols with SSLv2/SSLv3 (HIGH)
 *              or TLSv1/TLSv1.1 (MEDIUM); ssl_ciphers as above;
 *   stunnel    /etc/stunnel/ *.conf: sslVersion / sslVersionMin SSLv2,
 *              SSLv3, TLSv1, TLSv1.1;
 *   mosquitto  /etc/mosquitto/ **.conf: tls_version tlsv1 / tlsv1.1;
 *   OpenSSL    openssl.cnf: MinProtocol SSLv3/TLSv1/TLSv1.1, CipherString
 *              with @SECLEVEL=0 (MEDIUM);
 *   sshd       /etc/ssh/sshd_config (and sshd_config.d): PermitEmptyPasswords
 *              yes (HIGH), Protocol 1 (HIGH), PermitRootLogin yes (MEDIUM),
 *              PasswordAuthentication yes (LOW), Ciphers/MACs with arcfour,
 *              3des-cbc, blowfish-cbc, hmac-md5 (MEDIUM);
 *   dropbear   started at boot (checks/boot.h) without -s (password logins
 *              allowed; LOW) -- -g (no root password login) is named;
 *              OpenWrt /etc/config/dropbear with PasswordAuth/RootPasswordAuth
 *              on (LOW).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks/boot.h"
#include "checks/check.h"
#include "checks/files.h"
#include "checks/uci.h"

static bool word_ci(const char *s, size_t l, const char *w)
{
	size_t wl = strlen(w);
	for (size_t i = 0; i + wl <= l; i++) {
		if (strncasecmp(s + i, w, wl) != 0)
			continue;
		bool left = i == 0 || !(s[i - 1] == '.' || (s[i - 1] >= '0' && s[i - 1] <= '9') ||
					 (s[i - 1] >= 'A' && s[i - 1] <= 'Z') || (s[i - 1] >= 'a' && s[i - 1] <= 'z'));
		bool right = i + wl == l || !(s[i + wl] == '.' || s[i + wl] == '_' ||
					      (s[i + wl] >= '0' && s[i + wl] <= '9') ||
					      (s[i + wl] >= 'A' && s[i + wl] <= 'Z') || (s[i + wl] >= 'a' && s[i + wl] <= 'z'));
		if (left && right)
			return true;
	}
	return false;
}

/* The weakest protocol named in [S, S+L): 2 SSL, 1 TLS 1.0/1.1, 0 none. */
static int old_protocol(const char *s, size_t l, const char **name)
{
	static const char *const ssl[] = { "SSLv2", "SSLv3", NULL };
	static const char *const tls[] = { "TLSv1", "TLSv1.0", "TLSv1.1", "TLSv1_1", NULL };
	for (const char *const *p = ssl; *p; p++)
		if (word_ci(s, l, *p)) {
			*name = *p;
			return 2;
		}
	for (const char *const *p = tls; *p; p++)
		if (word_ci(s, l, *p)) {
			*name = *p;
			return 1;
		}
	return 0;
}

/* A cipher list that allows a broken cipher (not excluded with "!"/"-"). */
static const char *weak_cipher(const char *s, size_t l)
{
	static const char *const weak[] = { "RC4", "DES", "NULL", "EXPORT", "EXP", "aNULL", "eNULL", "MD5", NULL };
	for (const char *const *w = weak; *w; w++) {
		size_t wl = strlen(*w);
		for (size_t i = 0; i + wl <= l; i++) {
			if (strncmp(s + i, *w, wl) != 0)
				continue;
			char before = i ? s[i - 1] : ':';
			char after = i + wl < l ? s[i + wl] : ':';
			if ((before == ':' || before == ' ' || before == '"' || before == '\'' || before == ',') &&
			    (after == ':' || after == ' ' || after == '"' || after == '\'' || after == ',' ||
			     after == '-' || after == '+'))
				return *w;
		}
	}
	return NULL;
}

static void hit(fg_check_ctx *ctx, const fg_file *f, unsigned line, int sev, const char *what)
{
	char subject[200];
	snprintf(subject, sizeof(subject), "tls:%.150s", what);
	fg_report_at(ctx, f->node, line, -1, sev, subject, NULL, "%s (line %u): %s.", f->path, line, what);
}

typedef enum kind { K_NONE, K_LIGHTTPD, K_NGINX, K_STUNNEL, K_MOSQUITTO, K_OPENSSL, K_SSHD } kind;

static kind kind_of(const fg_file *f)
{
	const char *p = f->path;
	if (strncmp(p, "/etc/lighttpd/", 14) == 0 && fg_ends_with(p, ".conf") &&
	    !strstr(p, "/conf-available/"))
		return K_LIGHTTPD;
	if (strncmp(p, "/etc/nginx/", 11) == 0 && (fg_ends_with(p, ".conf") || strstr(p, "/sites-enabled/")))
		return K_NGINX;
	if (strncmp(p, "/etc/stunnel/", 13) == 0 && fg_ends_with(p, ".conf"))
		return K_STUNNEL;
	if (strncmp(p, "/etc/mosquitto/", 15) == 0 && fg_ends_with(p, ".conf"))
		return K_MOSQUITTO;
	if (strcmp(f->name, "openssl.cnf") == 0)
		return K_OPENSSL;
	if (strcmp(p, "/etc/ssh/sshd_config") == 0 || strncmp(p, "/etc/ssh/sshd_config.d/", 23) == 0)
		return K_SSHD;
	return K_NONE;
}

static void scan_file(fg_check_ctx *ctx, const fg_file *f, kind k)
{
	const char *t = (const char *)f->node->data, *s;
	size_t len = f->node->data_len < (1u << 20) ? f->node->data_len : (1u << 20), l;
	fg_line_iter it;
	fg_line_iter_init(&it, t, len);
	while (fg_line_next(&it, &s, &l)) {
		if (!l || s[0] == '#' || l > 4096)
			continue;
		char what[300];
		const char *name = NULL, *c;
		int p;
		fg_kv kv;
		bool kvok = fg_kv_parse(s, l, &kv);
		char key[64] = "";
		if (kvok)
			snprintf(key, sizeof(key), "%.*s", (int)(kv.klen < 63 ? kv.klen : 63), kv.key);
		switch (k) {
		case K_LIGHTTPD:
			if ((strcmp(key, "ssl.use-sslv2") == 0 || strcmp(key, "ssl.use-sslv3") == 0) &&
			    fg_value_is_on(kv.val, kv.vlen)) {
				snprintf(what, sizeof(what), "lighttpd enables %s", key + 8);
				hit(ctx, f, it.no, FG_SEV_HIGH, what);
			} else if (strcmp(key, "ssl.openssl.ssl-conf-cmd") == 0 && fg_memcasemem(s, l, "MinProtocol") &&
				   (p = old_protocol(s, l, &name))) {
				snprintf(what, sizeof(what), "lighttpd accepts %s and later (MinProtocol)", name);
				hit(ctx, f, it.no, p == 2 ? FG_SEV_HIGH : FG_SEV_MEDIUM, what);
			} else if (strcmp(key, "ssl.cipher-list") == 0 && (c = weak_cipher(kv.val, kv.vlen))) {
				snprintf(what, sizeof(what), "lighttpd's cipher list allows %s ciphers", c);
				hit(ctx, f, it.no, FG_SEV_MEDIUM, what);
			}
			break;
		case K_NGINX:
			if (l > 14 && strncmp(s, "ssl_protocols", 13) == 0 && (p = old_protocol(s, l, &name))) {
				snprintf(what, sizeof(what), "nginx accepts %s", name);
				hit(ctx, f, it.no, p == 2 ? FG_SEV_HIGH : FG_SEV_MEDIUM, what);
			} else if (l > 12 && strncmp(s, "ssl_ciphers", 11) == 0 && (c = weak_cipher(s + 11, l - 11))) {
				snprintf(what, sizeof(what), "nginx's cipher list allows %s ciphers", c);
				hit(ctx, f, it.no, FG_SEV_MEDIUM, what);
			}
			break;
		case K_STUNNEL:
			if ((strcasecmp(key, "sslVersion") == 0 || strcasecmp(key, "sslVersionMin") == 0) &&
			    (p = old_protocol(kv.val, kv.vlen, &name))) {
				snprintf(what, sizeof(what), "stunnel allows %s", name);
				hit(ctx, f, it.no, p == 2 ? FG_SEV_HIGH : FG_SEV_MEDIUM, what);
			}
			break;
		case K_MOSQUITTO:
			if (strcmp(key, "tls_version") == 0 && (p = old_protocol(kv.val, kv.vlen, &name))) {
				snprintf(what, sizeof(what), "mosquitto uses %s", name);
				hit(ctx, f, it.no, FG_SEV_MEDIUM, what);
			}
			break;
		case K_OPENSSL:
			if (strcmp(key, "MinProtocol") == 0 && (p = old_protocol(kv.val, kv.vlen, &name))) {
				snprintf(what, sizeof(what), "OpenSSL's default minimum protocol is %s", name);
				hit(ctx, f, it.no, FG_SEV_MEDIUM, what);
			} else if (strcmp(key, "CipherString") == 0 && memmem(kv.val, kv.vlen, "@SECLEVEL=0", 11)) {
				snprintf(what, sizeof(what), "OpenSSL's default security level is 0 (any key size, any cipher)");
				hit(ctx, f, it.no, FG_SEV_MEDIUM, what);
			}
			break;
		case K_SSHD:
			if (!kvok || !kv.spaced)
				break;
			if (strcasecmp(key, "PermitEmptyPasswords") == 0 && fg_value_is_on(kv.val, kv.vlen))
				hit(ctx, f, it.no, FG_SEV_HIGH, "sshd accepts empty passwords");
			else if (strcasecmp(key, "Protocol") == 0 && memchr(kv.val, '1', kv.vlen))
				hit(ctx, f, it.no, FG_SEV_HIGH, "sshd allows SSH protocol 1");
			else if (strcasecmp(key, "PermitRootLogin") == 0 && fg_value_is_on(kv.val, kv.vlen))
				hit(ctx, f, it.no, FG_SEV_MEDIUM, "sshd lets root log in with a password");
			else if (strcasecmp(key, "PasswordAuthentication") == 0 && fg_value_is_on(kv.val, kv.vlen))
				hit(ctx, f, it.no, FG_SEV_LOW, "sshd accepts password logins");
			else if ((strcasecmp(key, "Ciphers") == 0 || strcasecmp(key, "MACs") == 0) &&
				 (fg_memcasemem(kv.val, kv.vlen, "arcfour") || fg_memcasemem(kv.val, kv.vlen, "3des-cbc") ||
				  fg_memcasemem(kv.val, kv.vlen, "blowfish") || fg_memcasemem(kv.val, kv.vlen, "hmac-md5"))) {
				snprintf(what, sizeof(what), "sshd's %s list allows broken algorithms", key);
				hit(ctx, f, it.no, FG_SEV_MEDIUM, what);
			}
			break;
		case K_NONE:
			break;
		}
	}
}

static void check_dropbear(fg_check_ctx *ctx)
{
	const fg_boot *b = fg_boot_of(ctx);
	fg_seen seen = { 0 };
	for (size_t i = 0; b && i < b->v.n; i++) {
		const fg_boot_start *s = &b->v.v[i];
		if (strcmp(fg_base_name(s->prog), "dropbear") != 0)
			continue;
		bool no_pw = false, no_root_pw = false;
		for (size_t k = 0; k < s->argc; k++) {
			const char *a = s->argv[k];
			if (a[0] == '-' && a[1] != '-' && strchr(a, 's'))
				no_pw = true;
			if (a[0] == '-' && a[1] != '-' && strchr(a, 'g'))
				no_root_pw = true;
		}
		int sev = fg_boot_severity(s, FG_SEV_LOW);
		if (no_pw || sev < 0 || !fg_seen_first(&seen, s->node, s->line))
			continue;
		char where[1600];
		fg_boot_describe(s, where, sizeof(where));
		fg_report_at(ctx, s->node, s->line, -1, sev, "dropbear:password", NULL,
			     "dropbear is started without -s from %s: it accepts password logins%s, so "
			     "the SSH server is open to password guessing.", where,
			     no_root_pw ? " (not for root: -g)" : ", root included (no -g)");
	}
	FG_VEC_FREE(&seen);
	const fg_node *n = fg_node_content(fg_ctx_lookup(ctx, "/etc/config/dropbear"));
	fg_uci *u = fg_uci_of_node(n);
	for (size_t i = 0; u && i < u->v.n; i++) {
		const fg_uci_opt *pw = fg_uci_get(&u->v.v[i], "PasswordAuth");
		const fg_uci_opt *root = fg_uci_get(&u->v.v[i], "RootPasswordAuth");
		if (fg_uci_true(pw) && fg_uci_true(root))
			fg_report_at(ctx, n, root->line, -1, FG_SEV_LOW, "dropbear:uci-password", NULL,
				     "/etc/config/dropbear allows password logins, root included "
				     "(PasswordAuth and RootPasswordAuth on, line %u).", root->line);
	}
	fg_uci_free(u);
}

static void run(fg_check_ctx *ctx)
{
	const fg_files *files = fg_files_of(ctx);
	for (size_t i = 0; files && i < files->v.n; i++) {
		const fg_file *f = &files->v.v[i];
		kind k;
		if (f->text && (k = kind_of(f)) != K_NONE)
			scan_file(ctx, f, k);
	}
	check_dropbear(ctx);
}

const fg_check fg_check_tls_weak_config = {
	.id = "tls.weak-config",
	.title = "Weak TLS or SSH server configuration",
	.severity = FG_SEV_MEDIUM,
	.remediation = "Allow TLS 1.2 and 1.3 only with modern cipher suites (no RC4, DES, NULL, "
		       "EXPORT, MD5); for SSH use keys only (PasswordAuthentication no, dropbear -s), "
		       "no root password logins and no empty passwords.",
	.run = run,
};
