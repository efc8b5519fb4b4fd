/*
 * cpe.c - CPE 2.3 parsing and the version range test of NVD match criteria.
 */
#include "vulns/cpe.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vulns/vulns.h"

static void finish_fields(fg_vcpe *c, int n)
{
	for (int i = n; i < FG_VCPE_NFIELDS; i++)
		c->f[i] = "*";
	/* Fields that were empty point at the constant "*", not into buf:
	 * only buf may be written (fuzzing found "cpe:2.3:a::..." crashing). */
	for (int i = FG_VCPE_VENDOR; i <= FG_VCPE_PRODUCT; i++) {
		uintptr_t at = (uintptr_t)c->f[i], lo = (uintptr_t)c->buf;
		if (at < lo || at >= lo + sizeof(c->buf))
			continue;
		for (char *p = c->buf + (c->f[i] - c->buf); *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
}

bool fg_vcpe_parse(const char *s, fg_vcpe *c)
{
	memset(c, 0, sizeof(*c));
	if (!s)
		return false;
	size_t len = strlen(s);
	if (len + 1 > sizeof(c->buf))
		return false;
	bool uri;
	const char *body;
	if (strncasecmp(s, "cpe:2.3:", 8) == 0) {
		uri = false;
		body = s + 8;
	} else if (strncasecmp(s, "cpe:/", 5) == 0) {
		uri = true;
		body = s + 5;
	} else {
		return false;
	}
	memcpy(c->buf, body, strlen(body) + 1);
	int n = 0;
	char *p = c->buf;
	c->f[n++] = p;
	while (*p) {
		if (*p == '\\' && !uri) {
			if (!p[1])
				return false;
			p += 2;
			continue;
		}
		if (*p == ':') {
			*p = '\0';
			if (n == FG_VCPE_NFIELDS)
				return false;
			c->f[n++] = p + 1;
		}
		p++;
	}
	if (!uri && n != FG_VCPE_NFIELDS)
		return false;
	/* no vendor or product is malformed, not ANY */
	if (n < 3 || !*c->f[FG_VCPE_VENDOR] || !*c->f[FG_VCPE_PRODUCT])
		return false;
	/* a 2.2 URI may stop early; "" there means ANY */
	for (int i = 0; i < n; i++)
		if (!*c->f[i])
			c->f[i] = "*";
	const char *part = c->f[FG_VCPE_PART];
	if (strlen(part) != 1 || !strchr("aohAOH*", *part))
		return false;
	finish_fields(c, n);
	return true;
}

void fg_vcpe_unescape(const char *v, char *out, size_t outsz)
{
	size_t o = 0;
	if (!outsz)
		return;
	for (; v && *v && o + 1 < outsz; v++) {
		if (*v == '\\' && v[1])
			v++;
		out[o++] = *v;
	}
	out[o] = '\0';
}

static bool is_any(const char *v)
{
	return !v || !*v || !strcmp(v, "*");
}

/* An unescaped '*' or '?' inside a value makes it a pattern. */
static bool has_wildcard(const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' && v[1]) {
			v++;
			continue;
		}
		if (*v == '*' || *v == '?')
			return true;
	}
	return false;
}

/* A CPE value pattern as an fnmatch pattern: escapes become literals. */
static void to_fnmatch(const char *v, char *out, size_t outsz)
{
	size_t o = 0;
	for (; *v && o + 2 < outsz; v++) {
		if (*v == '\\' && v[1]) {
			v++;
			if (strchr("*?[]\\", *v))
				out[o++] = '\\';
			out[o++] = *v;
			continue;
		}
		out[o++] = *v;
	}
	out[o] = '\0';
}

fg_vrange_result fg_vcpe_range_check(const fg_vcpe_range *r, const char *version, char *rule, size_t rulesz)
{
	char v[600], u[256], bound[256];
	bool bounds = r->start_incl || r->start_excl || r->end_incl || r->end_excl;
	if (rulesz)
		rule[0] = '\0';

	if (r->version && !strcmp(r->version, "-")) {
		snprintf(rule, rulesz, "version not applicable (\"-\")");
		return FG_VRANGE_ANY;
	}
	if (!is_any(r->version)) {
		/* one exact version (plus update, e.g. 6.2 rc1) */
		fg_vcpe_unescape(r->version, v, sizeof(v));
		if (!is_any(r->update) && strcmp(r->update, "-")) {
			fg_vcpe_unescape(r->update, u, sizeof(u));
			size_t l = strlen(v);
			snprintf(v + l, sizeof(v) - l, "-%s", u);
		}
		if (!version || !*version) {
			snprintf(rule, rulesz, "= %s (version unknown)", v);
			return FG_VRANGE_UNKNOWN;
		}
		if (has_wildcard(r->version)) {
			char pat[300];
			to_fnmatch(r->version, pat, sizeof(pat));
			snprintf(rule, rulesz, "%s matches %s", version, v);
			return fnmatch(pat, version, 0) == 0 ? FG_VRANGE_IN : FG_VRANGE_OUT;
		}
		snprintf(rule, rulesz, "%s = %s", version, v);
		return fg_version_cmp(version, v) == 0 ? FG_VRANGE_IN : FG_VRANGE_OUT;
	}
	if (!bounds) {
		snprintf(rule, rulesz, "all versions");
		return FG_VRANGE_ANY;
	}
	/* the range text, e.g. ">= 1.16.0, <= 1.33.1" */
	size_t o = 0;
	struct { const char *val, *op; } b[4] = {
		{ r->start_incl, ">=" }, { r->start_excl, ">" }, { r->end_incl, "<=" }, { r->end_excl, "<" },
	};
	char range[300] = "";
	for (int i = 0; i < 4; i++) {
		if (!b[i].val)
			continue;
		fg_vcpe_unescape(b[i].val, bound, sizeof(bound));
		int k = snprintf(range + o, sizeof(range) - o, "%s%s %s", o ? ", " : "", b[i].op, bound);
		if (k > 0 && (size_t)k < sizeof(range) - o)
			o += (size_t)k;
	}
	if (!version || !*version) {
		snprintf(rule, rulesz, "%s (version unknown)", range);
		return FG_VRANGE_UNKNOWN;
	}
	for (int i = 0; i < 4; i++) {
		if (!b[i].val)
			continue;
		fg_vcpe_unescape(b[i].val, bound, sizeof(bound));
		int c = fg_version_cmp(version, bound);
		bool ok = i == 0 ? c >= 0 : i == 1 ? c > 0 : i == 2 ? c <= 0 : c < 0;
		if (!ok) {
			snprintf(rule, rulesz, "%s not %s", version, range);
			return FG_VRANGE_OUT;
		}
	}
	snprintf(rule, rulesz, "%s %s", version, range);
	return FG_VRANGE_IN;
}

void fg_vuln_purl_version(const char *purl, char *out, size_t outsz)
{
	out[0] = '\0';
	const char *at = purl ? strrchr(purl, '@') : NULL;
	if (!at)
		return;
	size_t o = 0;
	for (const char *p = at + 1; *p && *p != '?' && *p != '#' && o + 1 < outsz; p++) {
		if (*p == '%' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
			char hex[3] = { p[1], p[2], 0 };
			out[o++] = (char)strtol(hex, NULL, 16);
			p += 2;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}

void fg_vuln_upstream_version(const char *version, const char *purl, char *out, size_t outsz, bool *distro)
{
	*distro = false;
	char pv[256] = "";
	bool deb = purl && (strncmp(purl, "pkg:deb/", 8) == 0 || strncmp(purl, "pkg:rpm/", 8) == 0);
	if (deb)
		fg_vuln_purl_version(purl, pv, sizeof(pv));
	const char *v = version && *version ? version : pv;
	snprintf(out, outsz, "%s", v ? v : "");
	bool looks_debian = strstr(out, "+deb") || strstr(out, "ubuntu") ||
			    (deb && strchr(out, '-'));
	if (!deb && !looks_debian)
		return;
	/* prefer the full package version from the purl for the evidence */
	*distro = deb || looks_debian;
	/* epoch */
	char *colon = strchr(out, ':');
	if (colon && colon - out < 10) {
		bool digits = colon > out;
		for (char *p = out; p < colon; p++)
			digits = digits && isdigit((unsigned char)*p);
		if (digits)
			memmove(out, colon + 1, strlen(colon + 1) + 1);
	}
	/* revision: after the last '-' */
	char *dash = strrchr(out, '-');
	if (dash && dash > out)
		*dash = '\0';
	/* Debian repack suffixes: 1.2.3+dfsg, 1.2.3+ds, 1.2.3~rc1 stays */
	char *plus = strstr(out, "+dfsg");
	if (!plus)
		plus = strstr(out, "+ds");
	if (plus)
		*plus = '\0';
}
