/*
 * cred_wifi_passphrase.c - hard-coded Wi-Fi passphrases and open access
 * points.
 *
 * A passphrase in the image is the same on every unit: whoever reads it
 * from one device (or from the update file) joins every network built
 * with it. Read (text files only):
 *   hostapd    files whose name contains "hostapd", or any configuration
 *              with interface= and ssid= lines: wpa_passphrase=, wpa_psk=
 *              (64 hex digits), wep_key0..3= -- HIGH; an access point with
 *              no WPA (wpa= missing or 0), no WEP key and no 802.1X is an
 *              open network -- MEDIUM, at the ssid line;
 *   wpa_supplicant  network={ ... } blocks with psk= or wep_key0= -- HIGH;
 *   OpenWrt    /etc/config/wireless wifi-iface sections: option key with
 *              a PSK/SAE/WEP encryption -- HIGH; mode 'ap' with
 *              encryption 'none' (or no encryption option) on an interface
 *              that is not disabled -- a separate finding, HIGH (an open
 *              network into the LAN).
 * Empty values, placeholders and wpa_psk_file= (a per-device key file)
 * never fire. Excerpts show two characters and the length at most.
 */
#include <stdio.h>
#include <string.h>

#include "checks/boot.h"
#include "checks/check.h"
#include "checks/files.h"
#include "checks/uci.h"

static void report_secret(fg_check_ctx *ctx, const fg_file *f, const char *s, size_t l, unsigned no,
			  int64_t off, const fg_kv *kv, const char *ssid, const char *what)
{
	char ex[300], subject[200];
	fg_redact_in_line(s, l, kv->voff, kv->vlen, ex, sizeof(ex));
	snprintf(subject, sizeof(subject), "wifi:%s:%.*s", ssid, (int)(kv->klen > 40 ? 40 : kv->klen), kv->key);
	fg_report_at(ctx, f->node, no, off, -1, subject, ex,
		     "%s holds a hard-coded Wi-Fi %s (line %u%s%s%s): every unit shares it, so one "
		     "device (or the update file) gives access to every network set up with it.",
		     f->path, what, no, ssid[0] ? ", SSID '" : "", ssid, ssid[0] ? "'" : "");
}

/* hostapd.conf and wpa_supplicant.conf share the KEY=VALUE shape. */
static void scan_keyvalue(fg_check_ctx *ctx, const fg_file *f)
{
	const char *t = (const char *)f->node->data, *s;
	size_t len = f->node->data_len < (1u << 20) ? f->node->data_len : (1u << 20), l;
	bool hostapd_name = strstr(f->name, "hostapd") != NULL;
	if (!hostapd_name && !memmem(t, len, "ssid=", 5))
		return;
	bool has_iface = memmem(t, len, "interface=", 10) != NULL;
	bool ap = hostapd_name || (has_iface && !memmem(t, len, "network={", 9));
	char ssid[80] = "";
	unsigned ssid_line = 0;
	int64_t ssid_off = -1;
	bool wpa = false, wep = false, dot1x = false, any = false;
	fg_line_iter it;
	fg_line_iter_init(&it, t, len);
	while (fg_line_next(&it, &s, &l)) {
		fg_kv kv;
		if (!l || l > 4096 || !fg_kv_parse(s, l, &kv) || kv.spaced || kv.json)
			continue;
		char key[40];
		snprintf(key, sizeof(key), "%.*s", (int)(kv.klen < 39 ? kv.klen : 39), kv.key);
		bool literal = kv.vlen > 0 && !fg_value_is_placeholder(kv.val, kv.vlen);
		if (strcmp(key, "ssid") == 0 && literal) {
			snprintf(ssid, sizeof(ssid), "%.*s", (int)(kv.vlen < 64 ? kv.vlen : 64), kv.val);
			if (!ssid_line) {
				ssid_line = it.no;
				ssid_off = (int64_t)it.start;
			}
		} else if (strcmp(key, "wpa") == 0) {
			wpa = kv.vlen && !(kv.vlen == 1 && kv.val[0] == '0');
		} else if (strcmp(key, "ieee8021x") == 0) {
			dot1x = kv.vlen == 1 && kv.val[0] == '1';
		} else if ((strcmp(key, "wpa_passphrase") == 0 || strcmp(key, "psk") == 0) && literal &&
			   kv.vlen >= 8) {
			report_secret(ctx, f, s, l, it.no, (int64_t)it.start, &kv, ssid, "passphrase");
			any = true;
		} else if (strcmp(key, "wpa_psk") == 0 && kv.vlen == 64 && fg_all_hex(kv.val, kv.vlen)) {
			report_secret(ctx, f, s, l, it.no, (int64_t)it.start, &kv, ssid, "pre-shared key");
			any = true;
		} else if (strncmp(key, "wep_key", 7) == 0 && literal) {
			wep = true;
			report_secret(ctx, f, s, l, it.no, (int64_t)it.start, &kv, ssid, "WEP key");
			any = true;
		}
	}
	(void)any;
	if (ap && ssid_line && !wpa && !wep && !dot1x && (hostapd_name || has_iface)) {
		char subject[120];
		snprintf(subject, sizeof(subject), "wifi-open:%s", ssid);
		fg_report_at(ctx, f->node, ssid_line, ssid_off, FG_SEV_MEDIUM, subject, NULL,
			     "%s configures an open access point (SSID '%s', line %u: no WPA, WEP or "
			     "802.1X): anyone in range joins the network.", f->path, ssid, ssid_line);
	}
}

static void scan_openwrt(fg_check_ctx *ctx)
{
	const fg_node *n = fg_node_content(fg_ctx_lookup(ctx, "/etc/config/wireless"));
	fg_uci *u = fg_uci_of_node(n);
	for (size_t i = 0; u && i < u->v.n; i++) {
		const fg_uci_section *s = &u->v.v[i];
		if (strcmp(s->type, "wifi-iface") != 0 || fg_uci_true(fg_uci_get(s, "disabled")))
			continue;
		const fg_uci_opt *enc = fg_uci_get(s, "encryption"), *key = fg_uci_get(s, "key"),
				 *mode = fg_uci_get(s, "mode"), *ss = fg_uci_get(s, "ssid");
		const char *ssid = ss ? ss->value : "";
		bool open = !enc || strcmp(enc->value, "none") == 0 || strcmp(enc->value, "owe") == 0;
		if (key && !open && key->value[0] && !fg_value_is_placeholder(key->value, strlen(key->value)) &&
		    strlen(key->value) >= 5) {
			char ex[200], subject[160], red[64];
			fg_redact(key->value, strlen(key->value), red, sizeof(red));
			snprintf(ex, sizeof(ex), "option key '%s'", red);
			snprintf(subject, sizeof(subject), "wifi:%s:key", ssid);
			fg_report_at(ctx, n, key->line, -1, -1, subject, ex,
				     "/etc/config/wireless holds a hard-coded Wi-Fi key (line %u, SSID '%s', "
				     "encryption %s): every unit shares it.", key->line, ssid,
				     enc ? enc->value : "?");
		}
		if (open && mode && strcmp(mode->value, "ap") == 0 &&
		    !(enc && strcmp(enc->value, "owe") == 0)) {
			char subject[160];
			snprintf(subject, sizeof(subject), "wifi-open:%s", ssid);
			unsigned line = enc ? enc->line : s->line;
			fg_report_at(ctx, n, line, -1, FG_SEV_HIGH, subject, NULL,
				     "/etc/config/wireless sets up an open access point (SSID '%s', "
				     "encryption %s, line %u): anyone in range joins the network%s.", ssid,
				     enc ? enc->value : "not set", line,
				     fg_uci_get(s, "network") ? " behind it" : "");
		}
	}
	fg_uci_free(u);
}

static void run(fg_check_ctx *ctx)
{
	const fg_files *files = fg_files_of(ctx);
	for (size_t i = 0; files && i < files->v.n; i++) {
		const fg_file *f = &files->v.v[i];
		if (!f->text || strcmp(f->path, "/etc/config/wireless") == 0)
			continue;
		const char *t = (const char *)f->node->data;
		size_t len = f->node->data_len;
		if (len >= 2 && t[0] == '#' && t[1] == '!')
			continue;
		if (strstr(f->name, "hostapd") || strstr(f->name, "wpa") ||
		    ((fg_ends_with(f->name, ".conf") || fg_ends_with(f->name, ".cfg")) &&
		     memmem(t, len < (1u << 20) ? len : (1u << 20), "ssid=", 5)))
			scan_keyvalue(ctx, f);
	}
	scan_openwrt(ctx);
}

const fg_check fg_check_wifi_passphrase = {
	.id = "credentials.wifi-passphrase",
	.title = "Hard-coded Wi-Fi passphrase or open access point",
	.severity = FG_SEV_HIGH,
	.remediation = "Generate a unique Wi-Fi passphrase per device at manufacturing (printed on "
		       "the label) or let the user set it at setup; never ship an open access point "
		       "into the LAN (ETSI EN 303 645 5.1-1).",
	.run = run,
};
