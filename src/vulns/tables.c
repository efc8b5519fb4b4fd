/*
 * tables.c - loads the curated tables from the embedded data/vulns/ files
 * once per process.
 */
#include "vulns/tables.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/data.h"

typedef struct kv {
	const char *key;     /* CVE ID */
	const char *value;   /* space-separated list */
} kv;

static struct {
	fg_alias *aliases;
	size_t naliases;
	kv *applets;
	size_t napplets;
	kv *kconfigs;
	size_t nkconfigs;
	char *store[3];
} T;

static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Splits a copy of the embedded file into lines of whitespace-separated
 * words, calling LINE for each non-comment line. */
static char *each_line(const char *name, void (*line)(char **w, int n, void *ud), void *ud)
{
	const fg_data_file *f = fg_data_get(name);
	if (!f)
		return NULL;
	char *copy = malloc(f->len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, f->data, f->len);
	copy[f->len] = '\0';
	char *save = NULL;
	for (char *ln = strtok_r(copy, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(ln, '#');
		if (hash)
			*hash = '\0';
		char *w[16];
		int n = 0;
		char *s2 = NULL;
		for (char *t = strtok_r(ln, " \t\r", &s2); t && n < 16; t = strtok_r(NULL, " \t\r", &s2))
			w[n++] = t;
		if (n)
			line(w, n, ud);
	}
	return copy;
}

/* Joins words FROM..N-1 back into one string with single spaces. */
static void rejoin(char **w, int from, int n)
{
	for (int i = from + 1; i < n; i++) {
		char *end = w[from] + strlen(w[from]);
		*end++ = ' ';
		memmove(end, w[i], strlen(w[i]) + 1);
	}
}

static void alias_line(char **w, int n, void *ud)
{
	(void)ud;
	if (n < 2)
		return;
	char *colon = strchr(w[1], ':');
	if (!colon || colon == w[1] || !colon[1])
		return;
	fg_alias *na = realloc(T.aliases, (T.naliases + 1) * sizeof(*na));
	if (!na)
		return;
	T.aliases = na;
	*colon = '\0';
	for (char *p = w[0]; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	fg_alias a = { .name = w[0], .vendor = w[1], .product = colon + 1, .phrase = NULL };
	if (n > 2) {
		/* rejoin the phrase words (they are consecutive in the buffer) */
		rejoin(w, 2, n);
		a.phrase = w[2];
	}
	T.aliases[T.naliases++] = a;
}

static void kv_line(char **w, int n, void *ud)
{
	int which = *(int *)ud;
	if (n < 2)
		return;
	kv **tab = which ? &T.kconfigs : &T.applets;
	size_t *cnt = which ? &T.nkconfigs : &T.napplets;
	kv *nt = realloc(*tab, (*cnt + 1) * sizeof(**tab));
	if (!nt)
		return;
	*tab = nt;
	rejoin(w, 1, n);
	(*tab)[(*cnt)++] = (kv){ w[0], w[1] };
}

static void load(void)
{
	T.store[0] = each_line("vulns/cpe-aliases.txt", alias_line, NULL);
	int zero = 0, one = 1;
	T.store[1] = each_line("vulns/busybox-applets.txt", kv_line, &zero);
	T.store[2] = each_line("vulns/kernel-config.txt", kv_line, &one);
}

size_t fg_alias_lookup(const char *name, const fg_alias **out, size_t max)
{
	pthread_once(&once, load);
	size_t n = 0;
	for (size_t i = 0; i < T.naliases && n < max; i++)
		if (name && strcasecmp(T.aliases[i].name, name) == 0)
			out[n++] = &T.aliases[i];
	return n;
}

size_t fg_alias_count(void)
{
	pthread_once(&once, load);
	return T.naliases;
}

const fg_alias *fg_alias_at(size_t i)
{
	pthread_once(&once, load);
	return i < T.naliases ? &T.aliases[i] : NULL;
}

const char *fg_alias_phrase(const char *vendor, const char *product)
{
	pthread_once(&once, load);
	for (size_t i = 0; i < T.naliases; i++)
		if (T.aliases[i].phrase && !strcmp(T.aliases[i].vendor, vendor) &&
		    !strcmp(T.aliases[i].product, product))
			return T.aliases[i].phrase;
	return NULL;
}

static const char *kv_find(const kv *tab, size_t n, const char *key)
{
	for (size_t i = 0; key && i < n; i++)
		if (!strcasecmp(tab[i].key, key))
			return tab[i].value;
	return NULL;
}

const char *fg_busybox_cve_applets(const char *cve)
{
	pthread_once(&once, load);
	return kv_find(T.applets, T.napplets, cve);
}

const char *fg_kernel_cve_configs(const char *cve)
{
	pthread_once(&once, load);
	return kv_find(T.kconfigs, T.nkconfigs, cve);
}

bool fg_word_in_list(const char *list, const char *word)
{
	if (!list || !word || !*word)
		return false;
	size_t wl = strlen(word);
	const char *p = list;
	while (*p) {
		while (*p && (*p == ' ' || *p == ',' || *p == '\n' || *p == '\t' || *p == '\r'))
			p++;
		const char *s = p;
		while (*p && *p != ' ' && *p != ',' && *p != '\n' && *p != '\t' && *p != '\r')
			p++;
		if ((size_t)(p - s) == wl && !strncmp(s, word, wl))
			return true;
	}
	return false;
}

char fg_vuln_kconfig_value(const char *text, size_t len, const char *option)
{
	if (!text || !len)
		return 0;
	size_t ol = strlen(option);
	const char *end = text + len;
	const char *p = text;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t ll = (size_t)(le - p);
		if (ll > ol + 1 && !strncmp(p, option, ol) && p[ol] == '=') {
			char v = p[ol + 1];
			return v == 'y' || v == 'm' ? v : 'n';
		}
		/* "# CONFIG_FOO is not set" */
		if (ll >= ol + 13 && p[0] == '#' && p[1] == ' ' && !strncmp(p + 2, option, ol) &&
		    !strncmp(p + 2 + ol, " is not set", 11))
			return 'n';
		p = le + 1;
	}
	return 'n';
}
