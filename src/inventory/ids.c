/*
 * ids.c - the identifiers components carry: CPE 2.3, package URL, and
 * upstream versions derived from package versions.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "inventory/inv_internal.h"

const char *fg_confidence_name(fg_confidence c)
{
	switch (c) {
	case FG_CONF_HIGH: return "high";
	case FG_CONF_MEDIUM: return "medium";
	case FG_CONF_LOW: return "low";
	}
	return "low";
}

/* CPE 2.3 formatted strings escape everything but letters, digits,
 * '.', '-' and '_'. */
static size_t cpe_escape(const char *in, char *out, size_t cap)
{
	size_t k = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && k + 3 < cap; p++) {
		if (!isalnum(*p) && *p != '.' && *p != '-' && *p != '_')
			out[k++] = '\\';
		out[k++] = (char)*p;
	}
	out[k] = '\0';
	return k;
}

const char *fg_cpe_make(fg_arena *a, const char *vp, const char *version)
{
	if (!vp || !version || !*version)
		return NULL;
	const char *part = "a";
	char pbuf[8];
	const char *first = strchr(vp, ':');
	if (first && strchr(first + 1, ':')) {
		snprintf(pbuf, sizeof(pbuf), "%.*s", (int)(first - vp), vp);
		part = pbuf;
		vp = first + 1;
	}
	char ver[200];
	cpe_escape(version, ver, sizeof(ver));
	return fg_arena_printf(a, "cpe:2.3:%s:%s:%s:*:*:*:*:*:*:*", part, vp, ver);
}

/* Percent-encoding of purl components: only unreserved characters stay. */
static size_t purl_escape(const char *in, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t k = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && k + 4 < cap; p++) {
		if (isalnum(*p) || *p == '.' || *p == '-' || *p == '_' || *p == '~') {
			out[k++] = (char)*p;
		} else {
			out[k++] = '%';
			out[k++] = hex[*p >> 4];
			out[k++] = hex[*p & 15];
		}
	}
	out[k] = '\0';
	return k;
}

const char *fg_purl_make(fg_arena *a, const char *type, const char *ns, const char *name,
			 const char *version, const char *qualifiers)
{
	if (!type || !name || !*name)
		return NULL;
	char t[32], n[256], s[256] = "", v[256] = "";
	size_t k = 0;
	for (const char *p = type; *p && k + 1 < sizeof(t); p++)
		t[k++] = (char)tolower((unsigned char)*p);
	t[k] = '\0';
	purl_escape(name, n, sizeof(n));
	if (ns && *ns)
		purl_escape(ns, s, sizeof(s));
	if (version && *version)
		purl_escape(version, v, sizeof(v));
	return fg_arena_printf(a, "pkg:%s/%s%s%s%s%s%s%s", t, s, *s ? "/" : "", n, *v ? "@" : "", v,
			       qualifiers && *qualifiers ? "?" : "", qualifiers ? qualifiers : "");
}

static bool version_char(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '-' || c == '_' || c == '+' || c == '~' || c == ':';
}

bool fg_version_clean(const char *in, size_t len, char *out, size_t cap)
{
	if (cap < 2)
		return false;
	if (len >= 2 && (in[0] == 'v' || in[0] == 'V') && isdigit((unsigned char)in[1])) {
		in++;
		len--;
	}
	size_t k = 0;
	for (size_t i = 0; i < len && k + 1 < cap; i++) {
		unsigned char c = (unsigned char)in[i];
		if (!version_char(c))
			break;
		out[k++] = (char)c;
	}
	while (k && !isalnum((unsigned char)out[k - 1]))
		k--; /* "1.35.0." at a sentence end */
	out[k] = '\0';
	return k > 0 && isalnum((unsigned char)out[0]);
}

/* Strips SUFFIX-introduced repackaging markers: "+dfsg", ".dfsg", "+ds". */
static void strip_from(char *v, const char *marker)
{
	char *p = strstr(v, marker);
	if (p && p != v)
		*p = '\0';
}

void fg_upstream_version(const char *pkgver, char *out, size_t cap)
{
	if (!cap)
		return;
	const char *p = pkgver;
	const char *colon = strchr(p, ':');
	if (colon) {
		const char *d = p;
		while (d < colon && isdigit((unsigned char)*d))
			d++;
		if (d == colon && colon > p)
			p = colon + 1; /* epoch */
	}
	char v[256];
	snprintf(v, sizeof(v), "%s", p);
	char *dash = strrchr(v, '-');
	if (dash && dash != v)
		*dash = '\0'; /* Debian revision, OpenWrt release, Alpine -rN */
	/* pre-releases written with '~' stay pre-releases */
	static const char *const pre[] = { "~rc", "~beta", "~alpha", "~pre", NULL };
	for (size_t i = 0; pre[i]; i++) {
		char *t = strstr(v, pre[i]);
		if (t)
			*t = '-';
	}
	char *tilde = strchr(v, '~');
	if (tilde && tilde != v)
		*tilde = '\0';
	char *plus = strchr(v, '+');
	if (plus && plus != v)
		*plus = '\0';
	strip_from(v, ".dfsg");
	strip_from(v, ".ds");
	if (!fg_version_clean(v, strlen(v), out, cap))
		snprintf(out, cap, "%s", v);
}
