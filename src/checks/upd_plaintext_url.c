/*
 * upd_plaintext_url.c - update sources over plain HTTP.
 *
 * An update fetched over http:// can be replaced or held back by anyone
 * on the path (and, without a signature check, replaced by any image).
 * Rules, one finding per file at the first match with the others counted:
 *   opkg       /etc/opkg.conf, /etc/opkg/ *.conf: "src NAME URL" and
 *              "src/gz NAME URL" feeds over http://;
 *   apt        /etc/apt/sources.list(.d): "deb http://" -- LOW (apt checks
 *              signatures);
 *   settings   in configuration files (checks/files.h): a key naming an
 *              update source (its normalised name contains update, upgrade,
 *              ota, firmware, fwurl, feed, mirror, repo or download together
 *              with url, uri, server, host, endpoint, base, src or source;
 *              or is url/uri/server/host/endpoint/serverurl in a file whose
 *              path names an updater: update, upgrade, ota, fwupdate,
 *              firmware, swupdate, mender, rauc, hawkbit) with an http://
 *              value (UPDATE_URL="http://...", "server": "http://...").
 * https://, and http:// to localhost, 127.0.0.0/8 or [::1] never fire.
 * Severity: HIGH when the same file also switches signature checks off
 * (or opkg's check_signature is off), MEDIUM otherwise (the transport is
 * still unauthenticated and reveals what the device runs).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks/boot.h"
#include "checks/check.h"
#include "checks/files.h"

static bool local_host(const char *h, size_t l)
{
	return (l >= 9 && strncasecmp(h, "localhost", 9) == 0 && (l == 9 || h[9] == ':' || h[9] == '/')) ||
	       (l >= 4 && strncmp(h, "127.", 4) == 0) || (l >= 5 && strncmp(h, "[::1]", 5) == 0);
}

/* [V, V+L) starts with a non-local http:// URL. */
static bool plain_url(const char *v, size_t l)
{
	if (l < 8 || strncasecmp(v, "http://", 7) != 0)
		return false;
	return !local_host(v + 7, l - 7) && v[7] != '/' && v[7] != '$';
}

static bool updater_path(const char *path)
{
	static const char *const words[] = {
		"update", "upgrade", "ota", "fwupd", "firmware", "swupdate", "mender", "rauc", "hawkbit", NULL,
	};
	for (const char *const *w = words; *w; w++)
		if (fg_memcasemem(path, strlen(path), *w))
			return true;
	return false;
}

static bool source_key(const char *norm, bool updater)
{
	static const char *const what[] = {
		"update", "upgrade", "ota", "firmware", "fwurl", "feed", "mirror", "repo", "download", NULL,
	};
	static const char *const where[] = {
		"url", "uri", "server", "host", "endpoint", "base", "src", "source", NULL,
	};
	static const char *const bare[] = {
		"url", "uri", "server", "host", "endpoint", "serverurl", "baseurl", "manifesturl", NULL,
	};
	bool w1 = false, w2 = false;
	for (const char *const *w = what; *w && !w1; w++)
		w1 = strstr(norm, *w) != NULL;
	for (const char *const *w = where; *w && !w2; w++)
		w2 = strstr(norm, *w) != NULL;
	if (w1 && w2)
		return true;
	for (const char *const *w = bare; updater && *w; w++)
		if (strcmp(norm, *w) == 0)
			return true;
	return false;
}

typedef struct hit {
	unsigned line, count;
	char what[160];
	bool sig_off;
} hit;

static void report(fg_check_ctx *ctx, const fg_file *f, const hit *h, int sev, const char *kind)
{
	char subject[64], more[64] = "";
	snprintf(subject, sizeof(subject), "plaintext:%s", kind);
	if (h->count > 1)
		snprintf(more, sizeof(more), ", and %u more http:// source%s", h->count - 1,
			 h->count > 2 ? "s" : "");
	fg_report_at(ctx, f->node, h->line, -1, h->sig_off ? FG_SEV_HIGH : sev, subject, NULL,
		     "%s fetches updates over plain HTTP (line %u: %s%s). Anyone on the network path "
		     "can read, block or replace what the device downloads%s.", f->path, h->line,
		     h->what, more, h->sig_off ? ", and signature checking is off in the same file" : "");
}

static void scan_file(fg_check_ctx *ctx, const fg_file *f)
{
	const char *t = (const char *)f->node->data, *s;
	size_t len = f->node->data_len < (1u << 20) ? f->node->data_len : (1u << 20), l;
	bool opkg = strstr(f->path, "/opkg") != NULL && fg_ends_with(f->name, ".conf");
	bool apt = strncmp(f->path, "/etc/apt/sources.list", 21) == 0;
	if (!opkg && !apt && !fg_is_config_file(f, t, len))
		return;
	if (!fg_memcasemem(t, len, "http://"))
		return;
	bool updater = updater_path(f->path);
	hit h = { 0 };
	fg_line_iter it;
	fg_line_iter_init(&it, t, len);
	while (fg_line_next(&it, &s, &l)) {
		if (!l || s[0] == '#' || l > 4096)
			continue;
		fg_kv kv;
		bool kvok = fg_kv_parse(s, l, &kv);
		char norm[64] = "";
		if (kvok)
			fg_key_norm(kv.key, kv.klen, norm, sizeof(norm));
		if (kvok && (kv.uci || !kv.spaced) && fg_value_is_off(kv.val, kv.vlen) &&
		    (strstr(norm, "signature") || strstr(norm, "sig") || (updater && strcmp(norm, "verify") == 0)))
			h.sig_off = true;
		const char *url = NULL;
		if ((opkg || apt) && (l > 4 && (strncmp(s, "src", 3) == 0 || strncmp(s, "deb", 3) == 0))) {
			url = fg_memcasemem(s, l, "http://");
			if (url && !plain_url(url, (size_t)(s + l - url)))
				url = NULL;
		} else if (kvok && !kv.spaced && source_key(norm, updater) && plain_url(kv.val, kv.vlen)) {
			url = kv.val;
		}
		if (!url)
			continue;
		if (!h.count++) {
			h.line = it.no;
			size_t ul = 0, room = (size_t)(s + l - url);
			while (ul < room && url[ul] != ' ' && url[ul] != '\t' && url[ul] != '"' && url[ul] != '\'')
				ul++;
			snprintf(h.what, sizeof(h.what), "%.*s", (int)(ul > 150 ? 150 : ul), url);
		}
	}
	if (h.count)
		report(ctx, f, &h, apt ? FG_SEV_LOW : FG_SEV_MEDIUM, opkg ? "opkg" : apt ? "apt" : "config");
}

static void run(fg_check_ctx *ctx)
{
	const fg_files *files = fg_files_of(ctx);
	for (size_t i = 0; files && i < files->v.n; i++)
		if (files->v.v[i].text)
			scan_file(ctx, &files->v.v[i]);
}

const fg_check fg_check_update_plaintext_url = {
	.id = "updates.plaintext-url",
	.title = "Update source over plain HTTP",
	.severity = FG_SEV_MEDIUM,
	.remediation = "Fetch updates over HTTPS with certificate verification, and verify a "
		       "signature on every update independently of the transport (ETSI EN 303 645 "
		       "5.3-7, 5.5-1).",
	.run = run,
};
