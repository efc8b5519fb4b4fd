/*
 * version.c - ordering of version strings as embedded projects write them.
 *
 * A version is split into runs of digits and runs of letters; separators
 * ('.', '-', '_', '+', '~') only delimit. Numeric runs compare by value,
 * letter runs as text; where one version has a numeric run and the other
 * a letter run, the number is newer ("1.0.2" > "1.0.beta"). A trailing
 * letter directly after a number is a patch level (OpenSSL "1.0.2k" >
 * "1.0.2"), except pre-release words (rc, pre, alpha, beta, devel, dev),
 * which sort before the release ("2.1-devel" < "2.1", "5.0-rc2" < "5.0").
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

static bool is_sep(char c)
{
	return c == '.' || c == '-' || c == '_' || c == '+' || c == '~' || c == ':';
}

static bool is_prerelease(const char *s, size_t len)
{
	static const char *const words[] = { "rc", "pre", "alpha", "beta", "devel", "dev", "a", "b" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == len && strncasecmp(s, words[i], len) == 0)
			return true;
	return false;
}

/* Reads the next part at *P; false at the end. */
static bool next_part(const char **p, vpart *out, bool *after_sep)
{
	const char *s = *p;
	*after_sep = false;
	while (*s && (is_sep(*s) || !isalnum((unsigned char)*s))) {
		s++;
		*after_sep = true;
	}
	if (!*s)
		return false;
	memset(out, 0, sizeof(*out));
	if (isdigit((unsigned char)*s)) {
		out->numeric = true;
		while (isdigit((unsigned char)*s)) {
			if (out->num < 1000000000000000000ull)
				out->num = out->num * 10 + (unsigned long long)(*s - '0');
			s++;
		}
	} else {
		out->s = s;
		while (isalpha((unsigned char)*s))
			s++;
		out->len = (size_t)(s - out->s);
		out->prerelease = is_prerelease(out->s, out->len);
	}
	*p = s;
	return true;
}

/* Weight of the part that one side has and the other lacks:
 * pre-release words make the longer side older, anything else newer. */
static int extra_part_sign(const vpart *x)
{
	return x->prerelease ? -1 : 1;
}

int fg_version_cmp(const char *a, const char *b)
{
	const char *pa = a ? a : "", *pb = b ? b : "";
	for (;;) {
		vpart x, y;
		bool sx, sy;
		bool hx = next_part(&pa, &x, &sx);
		bool hy = next_part(&pb, &y, &sy);
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
