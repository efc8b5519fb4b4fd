/*
 * version.c - ordering of version strings as embedded projects write them.
 *
 * A version is split into runs of digits and runs of letters; separators
 * ('.', '-', '_', '+', '~', ':') only delimit. Numeric runs compare by
 * value, letter runs as text; where one version has a numeric run and the
 * other a letter run, the number is newer ("1.0.2" > "1.0.beta"). A letter
 * run directly after a number is a patch level (OpenSSL "1.0.2k" >
 * "1.0.2", "1.0.2zh" > "1.0.2z"; OpenSSH "7.4p1" > "7.4"), except
 * pre-release words (rc, pre, alpha, beta, devel, dev, test, and a single
 * "a"/"b" followed by a digit as in "1.0a1"), which sort before the release
 * ("2.1-devel" < "2.1", "5.0-rc2" < "5.0", dnsmasq "2.78test3" < "2.78").
 *
 * Also: a leading "v" before a digit is ignored ("v2.1" == "2.1"); a
 * Debian-style epoch ("1:1.36.1") is compared first, a missing epoch being
 * 0. Date versions ("20230101", "2017.75") are plain numbers.
 */
#include "vulns/vulns.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

typedef struct vpart {
	bool numeric;
	bool prerelease;
	const char *s;   /* letters, when !numeric */
	size_t len;
	unsigned long long num;
} vpart;

typedef struct vcursor {
	const char *start, *p;
} vcursor;

static bool is_sep(char c)
{
	return c == '.' || c == '-' || c == '_' || c == '+' || c == '~' || c == ':';
}

/* S..S+LEN is a letter run; BEFORE_DIGIT: a digit directly precedes it,
 * AFTER_DIGIT: a digit directly follows it. */
static bool is_prerelease(const char *s, size_t len, bool before_digit, bool after_digit)
{
	static const char *const words[] = { "rc", "pre", "alpha", "beta", "devel", "dev", "test" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == len && strncasecmp(s, words[i], len) == 0)
			return true;
	/* "1.0a1", "2.0b3": alpha/beta; OpenSSL "1.0.2a" is a patch level */
	if (len == 1 && strchr("abAB", *s) && before_digit && after_digit)
		return true;
	return false;
}

/* Reads the next part; false at the end. */
static bool next_part(vcursor *c, vpart *out)
{
	const char *s = c->p;
	while (*s && (is_sep(*s) || !isalnum((unsigned char)*s)))
		s++;
	if (!*s) {
		c->p = s;
		return false;
	}
	memset(out, 0, sizeof(*out));
	if (isdigit((unsigned char)*s)) {
		out->numeric = true;
		while (isdigit((unsigned char)*s)) {
			if (out->num < 1000000000000000000ull)
				out->num = out->num * 10 + (unsigned long long)(*s - '0');
			s++;
		}
	} else {
		bool before_digit = s > c->start && isdigit((unsigned char)s[-1]);
		out->s = s;
		while (isalpha((unsigned char)*s))
			s++;
		out->len = (size_t)(s - out->s);
		out->prerelease = is_prerelease(out->s, out->len, before_digit,
						 isdigit((unsigned char)*s) != 0);
	}
	c->p = s;
	return true;
}

/* Weight of the part that one side has and the other lacks:
 * pre-release words make the longer side older, anything else newer. */
static int extra_part_sign(const vpart *x)
{
	return x->prerelease ? -1 : 1;
}

/* Skips "v" before a digit and reads a "N:" epoch (0 when absent). */
static const char *strip_prefix(const char *s, unsigned long long *epoch)
{
	*epoch = 0;
	const char *q = s;
	unsigned long long e = 0;
	while (isdigit((unsigned char)*q) && q - s < 9)
		e = e * 10 + (unsigned long long)(*q++ - '0');
	if (q > s && *q == ':' && isdigit((unsigned char)q[1])) {
		*epoch = e;
		s = q + 1;
	}
	if ((*s == 'v' || *s == 'V') && isdigit((unsigned char)s[1]))
		s++;
	return s;
}

int fg_version_cmp(const char *a, const char *b)
{
	unsigned long long ea, eb;
	const char *sa = strip_prefix(a ? a : "", &ea);
	const char *sb = strip_prefix(b ? b : "", &eb);
	if (ea != eb)
		return ea < eb ? -1 : 1;
	vcursor ca = { sa, sa }, cb = { sb, sb };
	for (;;) {
		vpart x, y;
		bool hx = next_part(&ca, &x);
		bool hy = next_part(&cb, &y);
		if (!hx && !hy)
			return 0;
		if (!hx)
			return -extra_part_sign(&y);
		if (!hy)
			return extra_part_sign(&x);
		if (x.numeric && y.numeric) {
			if (x.num != y.num)
				return x.num < y.num ? -1 : 1;
			continue;
		}
		if (x.numeric != y.numeric) {
			/* number vs word: a pre-release word is older than any
			 * number; other words (patch letters) are older too,
			 * since "1.0.beta" < "1.0.0" */
			return x.numeric ? 1 : -1;
		}
		if (x.prerelease != y.prerelease)
			return x.prerelease ? -1 : 1;
		size_t n = x.len < y.len ? x.len : y.len;
		int c = strncasecmp(x.s, y.s, n);
		if (c)
			return c < 0 ? -1 : 1;
		if (x.len != y.len)
			return x.len < y.len ? -1 : 1;
	}
}
