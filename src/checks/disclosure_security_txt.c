/*
 * disclosure_security_txt.c - security.txt files (RFC 9116): the image's,
 * and one given with --security-txt (the manufacturer's web site's).
 *
 * A security.txt is where reporters look for the manufacturer's security
 * contact: one without a Contact, or past its Expires date (RFC 9116 says
 * reporters should then treat it as stale), fails the point of having
 * one. The image's are any regular text file named security.txt in a
 * /.well-known directory, at the root of a file tree, or at the root of a
 * web directory (www, htdocs, html, public_html, wwwroot, web, webroot).
 * Problems are findings at their line; the message reads
 * "PATH:LINE: problem". Times compare with the scan time ($FG_NOW when
 * set, as for certificates).
 */
#include "checks/security_txt.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/certs.h"
#include "checks/check.h"
#include "checks/engine.h"
#include "checks/files.h"
#include "core/suppress.h"

#define YEAR (366 * 86400)

/* ---- the parser -------------------------------------------------------------- */

typedef struct parse {
	fg_sectxt_fn fn;
	void *arg;
	time_t now;
	size_t problems;
	unsigned contacts;
	unsigned expires_line, languages_line;
} parse;

static void problem(parse *p, unsigned line, fg_severity sev, const char *subject,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void problem(parse *p, unsigned line, fg_severity sev, const char *subject,
		    const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->problems++;
	if (p->fn)
		p->fn(p->arg, line, sev, subject, msg);
}

/* A value fit for a message: at most 100 bytes, controls as '?'. */
static const char *shown(const char *s, size_t l, char *buf, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < l && n + 4 < cap && n < 100; i++)
		buf[n++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (n < l && n + 4 < cap) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM). */
static bool rfc3339(const char *s, size_t l, time_t *out)
{
	if (l < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		return false;
	int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	int h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    sec < 0 || sec > 60)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] + (mo == 2 && leap))
		return false;
	size_t i = 19;
	if (i < l && s[i] == '.') {
		size_t f = ++i;
		while (i < l && isdigit((unsigned char)s[i]))
			i++;
		if (i == f)
			return false;
	}
	long off = 0;
	if (i < l && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i + 6 == l && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
		int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return false;
		off = (oh * 3600L + om * 60L) * (s[i] == '-' ? -1 : 1);
		i += 6;
	} else {
		return false;
	}
	if (i != l)
		return false;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi, .tm_sec = sec };
	*out = timegm(&tm) - off;
	return true;
}

static bool starts_with(const char *s, size_t l, const char *prefix)
{
	size_t n = strlen(prefix);
	return l >= n && strncasecmp(s, prefix, n) == 0;
}

/* A URI has a scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
static bool has_scheme(const char *s, size_t l)
{
	if (!l || !isalpha((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < l; i++) {
		if (s[i] == ':')
			return i + 1 < l;
		if (!isalnum((unsigned char)s[i]) && !strchr("+-.", s[i]))
			return false;
	}
	return false;
}

static void check_contact(parse *p, unsigned line, const char *v, size_t l)
{
	char b[128];
	p->contacts++;
	if (starts_with(v, l, "http://")) {
		problem(p, line, FG_SEV_MEDIUM, "contact-http",
			"Contact %s is not https:// (RFC 9116 2.5.3: a web URI must use https)",
			shown(v, l, b, sizeof(b)));
	} else if (!has_scheme(v, l)) {
		bool email = memchr(v, '@', l) != NULL;
		problem(p, line, FG_SEV_LOW, "contact-not-uri", "Contact %s is not a URI%s",
			shown(v, l, b, sizeof(b)), email ? " (write mailto:ADDRESS)" : "");
	}
}

static void check_expires(parse *p, unsigned line, const char *v, size_t l)
{
	char b[128];
	if (p->expires_line) {
		problem(p, line, FG_SEV_LOW, "expires-repeated",
			"Expires appears more than once (first at line %u; RFC 9116 allows one)",
			p->expires_line);
		return;
	}
	p->expires_line = line;
	time_t t;
	if (!rfc3339(v, l, &t)) {
		problem(p, line, FG_SEV_LOW, "expires-invalid",
			"Expires %s is not an RFC 3339 date-time (e.g. 2026-12-31T23:59:59Z)",
			shown(v, l, b, sizeof(b)));
		return;
	}
	if (t <= p->now)
		problem(p, line, FG_SEV_MEDIUM, "expires-past", "Expires %s is in the past",
			shown(v, l, b, sizeof(b)));
	else if (t - p->now > YEAR)
		problem(p, line, FG_SEV_LOW, "expires-far",
			"Expires %s is more than a year ahead (RFC 9116 recommends less than a year)",
			shown(v, l, b, sizeof(b)));
}

/* A language tag in the shape of RFC 5646: subtags of 1..8 letters or
 * digits joined by '-', the first letters only. */
static bool language_tag(const char *s, size_t l)
{
	size_t part = 0;
	bool first = true;
	for (size_t k = 0; k < l; k++) {
		if (s[k] == '-') {
			if (!part)
				return false;
			part = 0;
			first = false;
			continue;
		}
		if (first ? !isalpha((unsigned char)s[k]) : !isalnum((unsigned char)s[k]))
			return false;
		if (++part > 8)
			return false;
	}
	return part > 0;
}

/* Preferred-Languages: at most once, comma-separated language tags. */
static void check_languages(parse *p, unsigned line, const char *v, size_t l)
{
	char b[128];
	if (p->languages_line) {
		problem(p, line, FG_SEV_LOW, "languages-repeated",
			"Preferred-Languages appears more than once (first at line %u)", p->languages_line);
		return;
	}
	p->languages_line = line;
	for (size_t i = 0; i <= l;) {
		size_t e = i;
		while (e < l && v[e] != ',')
			e++;
		size_t s = i, t = e;
		while (s < t && isspace((unsigned char)v[s]))
			s++;
		while (t > s && isspace((unsigned char)v[t - 1]))
			t--;
		if (!language_tag(v + s, t - s)) {
			problem(p, line, FG_SEV_LOW, "languages-invalid",
				"Preferred-Languages %s is not a list of language tags (e.g. en, de)",
				shown(v, l, b, sizeof(b)));
			return;
		}
		i = e + 1;
	}
}

static void check_web_uri(parse *p, unsigned line, const char *name, const char *v, size_t l)
{
	char b[128], subj[64];
	if (!starts_with(v, l, "http://"))
		return;
	snprintf(subj, sizeof(subj), "%s-http", name);
	for (char *c = subj; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	problem(p, line, FG_SEV_LOW, subj, "%s %s is not https:// (RFC 9116: web URIs must use https)",
		name, shown(v, l, b, sizeof(b)));
}

static void field(parse *p, unsigned line, const char *s, size_t l)
{
	char b[128];
	size_t n = 0;
	while (n < l && (isalnum((unsigned char)s[n]) || s[n] == '-'))
		n++;
	if (!n || n >= l || s[n] != ':') {
		problem(p, line, FG_SEV_LOW, "not-a-field",
			"%s is neither a field (Name: value) nor a comment", shown(s, l, b, sizeof(b)));
		return;
	}
	const char *v = s + n + 1;
	size_t vl = l - n - 1;
	while (vl && isspace((unsigned char)*v)) {
		v++;
		vl--;
	}
	while (vl && isspace((unsigned char)v[vl - 1]))
		vl--;
	if (!vl) {
		problem(p, line, FG_SEV_LOW, "empty-value", "%.*s has no value", (int)n, s);
		return;
	}
	static const char *const uris[] = { "Canonical", "Policy", "Acknowledgments", "Hiring",
					    "Encryption", "CSAF", NULL };
	if (n == 7 && !strncasecmp(s, "Contact", 7)) {
		check_contact(p, line, v, vl);
		return;
	}
	if (n == 7 && !strncasecmp(s, "Expires", 7)) {
		check_expires(p, line, v, vl);
		return;
	}
	if (n == 19 && !strncasecmp(s, "Preferred-Languages", 19)) {
		check_languages(p, line, v, vl);
		return;
	}
	for (int i = 0; uris[i]; i++)
		if (strlen(uris[i]) == n && !strncasecmp(s, uris[i], n))
			check_web_uri(p, line, uris[i], v, vl);
	/* other fields: RFC 9116 2.4 says unknown fields are ignored */
}

enum frame { PLAIN, PGP_HEADERS, PGP_BODY, PGP_SIGNATURE, PGP_DONE };

static bool is_line(const char *s, size_t l, const char *what)
{
	return l == strlen(what) && !memcmp(s, what, l);
}

size_t fg_security_txt_check(const char *text, size_t len, time_t now, fg_sectxt_fn fn, void *arg)
{
	parse p = { .fn = fn, .arg = arg, .now = now };
	if (len > FG_SECTXT_MAX_BYTES) {
		problem(&p, 0, FG_SEV_LOW, "too-large", "larger than %u bytes: not read",
			FG_SECTXT_MAX_BYTES);
		return p.problems;
	}
	if (memchr(text, 0, len)) {
		problem(&p, 0, FG_SEV_LOW, "binary", "holds NUL bytes: not a text file");
		return p.problems;
	}
	enum frame fr = PLAIN;
	bool seen_content = false;
	unsigned line = 0, after_signature = 0;
	for (size_t pos = 0; pos < len;) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - s) : len - pos;
		pos += l + (nl != NULL);
		line++;
		if (l && s[l - 1] == '\r')
			l--;
		if (fr == PGP_HEADERS) {
			if (!l)
				fr = PGP_BODY;
			continue;
		}
		if (fr == PGP_SIGNATURE) {
			if (is_line(s, l, "-----END PGP SIGNATURE-----"))
				fr = PGP_DONE;
			continue;
		}
		size_t b = 0;
		while (b < l && (s[b] == ' ' || s[b] == '\t'))
			b++;
		if (b == l)
			continue;
		if (fr == PGP_DONE) {
			if (!after_signature++)
				problem(&p, line, FG_SEV_LOW, "after-signature",
					"text after the PGP signature is not part of the signed content");
			continue;
		}
		if (fr == PLAIN && !seen_content && is_line(s, l, "-----BEGIN PGP SIGNED MESSAGE-----")) {
			fr = PGP_HEADERS;
			continue;
		}
		if (is_line(s, l, "-----BEGIN PGP SIGNATURE-----")) {
			if (fr != PGP_BODY)
				problem(&p, line, FG_SEV_LOW, "signature-frame",
					"PGP signature without a \"-----BEGIN PGP SIGNED MESSAGE-----\" line");
			fr = PGP_SIGNATURE;
			continue;
		}
		seen_content = true;
		if (fr == PGP_BODY && l >= 2 && s[0] == '-' && s[1] == ' ') {
			s += 2; /* dash-escaped (RFC 4880 7.1) */
			l -= 2;
		}
		/* "- " alone leaves nothing (fuzzing: read past the line) */
		if (l == 0 || s[0] == '#')
			continue;
		field(&p, line, s, l);
	}
	if (fr == PGP_HEADERS || fr == PGP_BODY || fr == PGP_SIGNATURE)
		problem(&p, line, FG_SEV_LOW, "signature-frame",
			"PGP signed message is not complete (no \"-----END PGP SIGNATURE-----\")");
	if (!p.contacts)
		problem(&p, 0, FG_SEV_MEDIUM, "contact-missing",
			"no Contact field (RFC 9116 requires at least one)");
	if (!p.expires_line)
		problem(&p, 0, FG_SEV_MEDIUM, "expires-missing",
			"no Expires field (RFC 9116 requires exactly one)");
	return p.problems;
}

/* ---- the check ------------------------------------------------------------------ */

static bool web_root_name(const char *dir, size_t len)
{
	static const char *const names[] = { "www", "htdocs", "html", "public_html", "wwwroot", "web",
					     "webroot", NULL };
	for (int i = 0; names[i]; i++)
		if (strlen(names[i]) == len && !strncmp(dir, names[i], len))
			return true;
	return false;
}

static bool is_security_txt(const fg_file *f)
{
	if (strcmp(f->name, "security.txt") != 0 || !f->text)
		return false;
	if (!strcmp(f->path, "/security.txt"))
		return true;
	if (f->name == f->path)
		return false;
	const char *end = f->name - 1;      /* the '/' before the name */
	const char *dir = end;
	while (dir > f->path && dir[-1] != '/')
		dir--;
	size_t dl = (size_t)(end - dir);
	return (dl == 11 && !strncmp(dir, ".well-known", 11)) || web_root_name(dir, dl);
}

typedef struct in_tree {
	fg_check_ctx *ctx;
	const fg_file *file;
} in_tree;

static void report_in_tree(void *arg, unsigned line, fg_severity sev, const char *subject, const char *msg)
{
	in_tree *t = arg;
	if (line)
		fg_report_at(t->ctx, t->file->node, line, -1, (int)sev, subject, NULL, "%s:%u: %s",
			     t->file->path, line, msg);
	else
		fg_report_at(t->ctx, t->file->node, 0, -1, (int)sev, subject, NULL, "%s: %s",
			     t->file->path, msg);
}

static void run(fg_check_ctx *ctx)
{
	const fg_files *files = fg_files_of(ctx);
	if (!files)
		return;
	time_t now = fg_scan_now();
	for (size_t i = 0; i < files->v.n; i++) {
		const fg_file *f = &files->v.v[i];
		if (!is_security_txt(f) || !f->node->data)
			continue;
		in_tree t = { ctx, f };
		fg_security_txt_check((const char *)f->node->data, f->node->data_len, now,
				      report_in_tree, &t);
	}
}

const fg_check fg_check_security_txt = {
	.id = "disclosure.security-txt",
	.title = "security.txt does not meet RFC 9116",
	.severity = FG_SEV_MEDIUM,
	.remediation = "Publish a security.txt with at least one Contact (mailto: or https:// URI) "
		       "and exactly one Expires less than a year ahead (RFC 9116), renew it before "
		       "it expires, and sign it with the key named in Encryption if you sign it.",
	.run = run,
};

/* ---- --security-txt FILE --------------------------------------------------------- */

typedef struct external {
	fg_result *res;
	const char *path;
} external;

static void report_external(void *arg, unsigned line, fg_severity sev, const char *subject,
			    const char *msg)
{
	external *e = arg;
	fg_arena *a = &e->res->arena;
	char fp[33];
	fg_fingerprint(fg_check_security_txt.id, e->path, subject, fp);
	fg_finding f = {
		.check_id = fg_check_security_txt.id,
		.title = fg_check_security_txt.title,
		.severity = sev,
		.message = line ? fg_arena_printf(a, "%s:%u: %s", e->path, line, msg)
				: fg_arena_printf(a, "%s: %s", e->path, msg),
		.path = fg_arena_strdup(a, e->path),
		.container = "--security-txt",
		.line = line,
		.offset = -1,
		.fingerprint = fg_arena_strdup(a, fp),
		.remediation = fg_check_security_txt.remediation,
	};
	fg_result_add_finding(e->res, f);
}

void fg_security_txt_external(fg_result *res)
{
	const char *path = res->opts.security_txt_file;
	if (!path || fg_policy_severity(res->policy, fg_check_security_txt.id,
					(int)fg_check_security_txt.severity) == FG_SEVERITY_OFF)
		return;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		fg_diag_add(&res->diags, FG_DIAG_ERROR, "checks", path, "cannot read the security.txt: %s",
			    fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return;
	}
	size_t cap = (size_t)st.st_size < FG_SECTXT_MAX_BYTES ? (size_t)st.st_size
							       : FG_SECTXT_MAX_BYTES + 1;
	char *buf = malloc(cap + 1);
	size_t len = 0;
	while (buf && len < cap) {
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (!buf)
		return;
	external e = { res, path };
	fg_security_txt_check(buf, len, fg_scan_now(), report_external, &e);
	free(buf);
}
