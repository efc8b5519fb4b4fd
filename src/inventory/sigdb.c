/*
 * sigdb.c - parses and compiles the component signature files.
 *
 * The format (docs/SIGNATURES.md) is line-oriented: a `component NAME`
 * line opens a block and keyword lines describe it. Parsing is strict:
 * an unknown keyword, a bad regex or a literal too short to be specific
 * is an error naming the file and line, so a typo never silently turns
 * a signature off.
 */
#include "inventory/sigdb.h"

#include <errno.h>
#include <hs/hs.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/data.h"

#define MIN_LITERAL 4
#define MAX_LITERAL 255
#define MAX_LINE 4096
#define MAX_USER_FILE (16u << 20)

static const char *const types[] = {
	"application", "library", "operating-system", "firmware", "framework", "device", NULL,
};

/* Growable array append for the plain pointer arrays of a signature. */
static bool push(void **arr, size_t *n, size_t elem, const void *item)
{
	void *v = realloc(*arr, (*n + 1) * elem);
	if (!v)
		return false;
	memcpy((char *)v + *n * elem, item, elem);
	*arr = v;
	(*n)++;
	return true;
}

static bool fail(char *err, size_t errlen, const char *origin, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static bool fail(char *err, size_t errlen, const char *origin, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s:%u: %s", origin, line, msg);
	return false;
}

/* A quoted argument. ESCAPES: C escapes (\n \t \0 \\ \" \xHH) for
 * literals; otherwise only \" is special, so regexes keep their
 * backslashes. Returns the length, or -1 on a syntax error. */
static long unquote(const char *p, char *out, size_t cap, bool escapes, const char **end)
{
	if (*p != '"')
		return -1;
	p++;
	size_t k = 0;
	while (*p && *p != '"') {
		int c = (unsigned char)*p++;
		if (c == '\\' && *p) {
			int e = (unsigned char)*p++;
			if (e == '"') {
				c = '"';
			} else if (!escapes) {
				if (k + 1 >= cap)
					return -1;
				out[k++] = '\\';
				c = e;
			} else if (e == 'n') {
				c = '\n';
			} else if (e == 't') {
				c = '\t';
			} else if (e == '0') {
				c = 0;
			} else if (e == '\\') {
				c = '\\';
			} else if (e == 'x' && p[0] && p[1]) {
				char h[3] = { p[0], p[1], 0 };
				char *hend;
				c = (int)strtol(h, &hend, 16);
				if (*hend)
					return -1;
				p += 2;
			} else {
				return -1;
			}
		}
		if (k + 1 >= cap)
			return -1;
		out[k++] = (char)c;
	}
	if (*p != '"')
		return -1;
	out[k] = '\0';
	*end = p + 1;
	return (long)k;
}

/* Rewrites the shorthands \d \w \s (and \n as a string boundary) into
 * POSIX ERE, inside and outside bracket expressions. */
static bool translate_regex(const char *in, char *out, size_t cap, unsigned *vgroup)
{
	size_t k = 0;
	bool bracket = false;
	unsigned groups = 0;
	*vgroup = 0;
	for (const char *p = in; *p; p++) {
		const char *rep = NULL;
		char one[3] = { p[0], 0, 0 };
		if (*p == '\\' && p[1]) {
			char e = p[1];
			if (e == 'd')
				rep = bracket ? "0-9" : "[0-9]";
			else if (e == 'w')
				rep = bracket ? "A-Za-z0-9_" : "[A-Za-z0-9_]";
			else if (e == 's')
				rep = bracket ? " \t" : "[ \t]";
			else if (e == 'n')
				rep = "\n";
			if (rep || bracket) {
				if (!rep) {
					one[0] = e; /* inside brackets a backslash is literal: drop it */
					rep = one;
				}
				p++;
			} else {
				one[1] = e;
				rep = one;
				p++;
			}
		} else if (*p == '(' && !bracket) {
			/* ERE has no (?:...): it becomes a plain group, and the
			 * version is the first group not written that way */
			groups++;
			if (p[1] == '?' && p[2] == ':')
				p += 2;
			else if (!*vgroup)
				*vgroup = groups;
			rep = one;
		} else {
			if (*p == '[' && !bracket) {
				bracket = true;
				if (p[1] == '^') {
					one[1] = '^';
					p++;
				}
				if (p[1] == ']') { /* "[]..." or "[^]...": the ] is literal */
					size_t l = strlen(one);
					one[l] = ']';
					p++;
				}
			} else if (*p == ']' && bracket) {
				bracket = false;
			}
			rep = one;
		}
		size_t rl = strlen(rep);
		if (k + rl + 1 > cap)
			return false;
		memcpy(out + k, rep, rl);
		k += rl;
	}
	out[k] = '\0';
	return true;
}

/* The literal characters a filename regex starts with. */
static void regex_prefix(const char *src, char *out, size_t cap)
{
	size_t k = 0;
	const char *p = src;
	if (*p == '^')
		p++;
	while (*p && k + 1 < cap) {
		if (*p == '\\' && p[1] && strchr(".+-_()[]{}|*?$^", p[1])) {
			out[k++] = p[1];
			p += 2;
			continue;
		}
		if (strchr(".[]()*+?{}|\\^$", *p))
			break;
		out[k++] = *p++;
	}
	/* a quantifier applies to the last character: it is not required */
	if (k && (*p == '*' || *p == '?' || *p == '{'))
		k--;
	out[k] = '\0';
}

static bool add_regex(fg_sig_regex **arr, size_t *n, const char *src, bool near, bool filename,
		      char *err, size_t errlen, const char *origin, unsigned line)
{
	char tr[MAX_LINE + 64], wrapped[MAX_LINE + 80];
	unsigned vgroup;
	if (!translate_regex(src, tr, sizeof(tr), &vgroup))
		return fail(err, errlen, origin, line, "regex too long");
	const char *final = tr;
	fg_sig_regex r = { .near = near, .vgroup = vgroup };
	if (near) {
		snprintf(wrapped, sizeof(wrapped), "^(%s)$", tr);
		final = wrapped;
		r.vgroup = vgroup ? vgroup + 1 : 1; /* the wrapper is group 1 */
	}
	int flags = REG_EXTENDED | (filename ? 0 : REG_NEWLINE);
	int rc = regcomp(&r.re, final, flags);
	if (rc != 0) {
		char msg[200];
		regerror(rc, &r.re, msg, sizeof(msg));
		return fail(err, errlen, origin, line, "bad regex \"%s\": %s", src, msg);
	}
	r.src = strdup(src);
	if (filename)
		regex_prefix(src, r.prefix, sizeof(r.prefix));
	if (!r.src || !push((void **)arr, n, sizeof(r), &r)) {
		regfree(&r.re);
		free(r.src);
		return fail(err, errlen, origin, line, "out of memory");
	}
	return true;
}

/* Whitespace-separated words of REST appended to ARR. */
static bool add_words(char ***arr, size_t *n, const char *rest)
{
	char buf[MAX_LINE];
	snprintf(buf, sizeof(buf), "%s", rest);
	for (char *save = NULL, *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		char *d = strdup(w);
		if (!d || !push((void **)arr, n, sizeof(d), &d)) {
			free(d);
			return false;
		}
	}
	return true;
}

static void sig_free(fg_sig *s)
{
	free(s->name);
	free(s->type);
	free(s->cpe);
	free(s->purl_type);
	free(s->purl_ns);
	free(s->purl_name);
	free(s->supplier);
	for (size_t i = 0; i < s->nliterals; i++)
		free(s->literals[i]);
	free(s->literals);
	for (size_t i = 0; i < s->nrequires; i++)
		free(s->requires[i]);
	free(s->requires);
	for (size_t i = 0; i < s->nversions; i++) {
		regfree(&s->versions[i].re);
		free(s->versions[i].src);
	}
	free(s->versions);
	for (size_t i = 0; i < s->nfilenames; i++) {
		regfree(&s->filenames[i].re);
		free(s->filenames[i].src);
	}
	free(s->filenames);
	for (size_t i = 0; i < s->nglobs; i++)
		free(s->globs[i]);
	free(s->globs);
	for (size_t i = 0; i < s->npackages; i++)
		free(s->packages[i]);
	free(s->packages);
	for (size_t i = 0; i < s->nmaps; i++) {
		free(s->maps[i].from);
		free(s->maps[i].to);
	}
	free(s->maps);
}

static bool finish_sig(fg_sig *s, char *err, size_t errlen)
{
	if (!s->nliterals && !s->nfilenames)
		return fail(err, errlen, s->origin, s->line,
			    "component %s has neither `match` nor `filename`", s->name);
	if ((s->nversions || s->nrequires) && !s->nliterals)
		return fail(err, errlen, s->origin, s->line,
			    "component %s has `version` or `require` but no `match` to anchor it", s->name);
	if (!s->type && !(s->type = strdup("application")))
		return fail(err, errlen, s->origin, s->line, "out of memory");
	return true;
}

static bool set_once(char **field, const char *value, const char *kw, char *err, size_t errlen,
		     const char *origin, unsigned line)
{
	if (*field)
		return fail(err, errlen, origin, line, "`%s` given twice", kw);
	if (!(*field = strdup(value)))
		return fail(err, errlen, origin, line, "out of memory");
	return true;
}

static bool valid_type(const char *t)
{
	for (size_t i = 0; types[i]; i++)
		if (!strcmp(t, types[i]))
			return true;
	return false;
}

static bool parse_purl(fg_sig *s, const char *rest, char *err, size_t errlen, unsigned line)
{
	char a[128] = "", b[128] = "", c[128] = "";
	int n = sscanf(rest, "%127s %127s %127s", a, b, c);
	if (n < 1)
		return fail(err, errlen, s->origin, line, "`purl` needs a type");
	if (!set_once(&s->purl_type, a, "purl", err, errlen, s->origin, line))
		return false;
	if (n >= 2 && !(s->purl_ns = strdup(b)))
		return fail(err, errlen, s->origin, line, "out of memory");
	if (n >= 3 && !(s->purl_name = strdup(c)))
		return fail(err, errlen, s->origin, line, "out of memory");
	return true;
}

static bool parse_cpe(fg_sig *s, const char *rest, char *err, size_t errlen, unsigned line)
{
	size_t colons = 0;
	for (const char *p = rest; *p; p++) {
		if (*p == ':')
			colons++;
		else if (*p == ' ' || *p == '*')
			return fail(err, errlen, s->origin, line, "bad cpe \"%s\"", rest);
	}
	if (colons < 1 || colons > 2)
		return fail(err, errlen, s->origin, line, "cpe must be vendor:product or part:vendor:product");
	return set_once(&s->cpe, rest, "cpe", err, errlen, s->origin, line);
}

static bool parse_keyword(fg_sig *s, const char *kw, const char *rest, char *err, size_t errlen,
			  unsigned line)
{
	char buf[MAX_LINE];
	const char *end = NULL;
	if (!strcmp(kw, "type")) {
		if (!valid_type(rest))
			return fail(err, errlen, s->origin, line, "unknown type \"%s\"", rest);
		return set_once(&s->type, rest, kw, err, errlen, s->origin, line);
	}
	if (!strcmp(kw, "cpe"))
		return parse_cpe(s, rest, err, errlen, line);
	if (!strcmp(kw, "purl"))
		return parse_purl(s, rest, err, errlen, line);
	if (!strcmp(kw, "supplier"))
		return set_once(&s->supplier, rest, kw, err, errlen, s->origin, line);
	if (!strcmp(kw, "match") || !strcmp(kw, "require")) {
		long n = unquote(rest, buf, sizeof(buf), true, &end);
		if (n < 0 || *end)
			return fail(err, errlen, s->origin, line, "`%s` needs one quoted string", kw);
		if (n < MIN_LITERAL || n > MAX_LITERAL)
			return fail(err, errlen, s->origin, line,
				    "`%s` literal must be %d..%d bytes", kw, MIN_LITERAL, MAX_LITERAL);
		/* literals may hold NULs: the length goes in the first byte */
		char *lit = malloc((size_t)n + 2);
		if (!lit)
			return fail(err, errlen, s->origin, line, "out of memory");
		lit[0] = (char)n;
		memcpy(lit + 1, buf, (size_t)n + 1);
		bool req = !strcmp(kw, "require");
		if (!push(req ? (void **)&s->requires : (void **)&s->literals,
			  req ? &s->nrequires : &s->nliterals, sizeof(lit), &lit)) {
			free(lit);
			return fail(err, errlen, s->origin, line, "out of memory");
		}
		return true;
	}
	if (!strcmp(kw, "version") || !strcmp(kw, "version-near") || !strcmp(kw, "filename")) {
		long n = unquote(rest, buf, sizeof(buf), false, &end);
		if (n <= 0 || *end)
			return fail(err, errlen, s->origin, line, "`%s` needs one quoted regex", kw);
		if (!strcmp(kw, "filename"))
			return add_regex(&s->filenames, &s->nfilenames, buf, false, true, err, errlen,
					 s->origin, line);
		return add_regex(&s->versions, &s->nversions, buf, !strcmp(kw, "version-near"), false,
				 err, errlen, s->origin, line);
	}
	if (!strcmp(kw, "file-glob"))
		return add_words(&s->globs, &s->nglobs, rest) ||
		       fail(err, errlen, s->origin, line, "out of memory");
	if (!strcmp(kw, "package"))
		return add_words(&s->packages, &s->npackages, rest) ||
		       fail(err, errlen, s->origin, line, "out of memory");
	if (!strcmp(kw, "version-map")) {
		char from[128], to[128], extra[8];
		if (sscanf(rest, "%127s %127s %7s", from, to, extra) != 2)
			return fail(err, errlen, s->origin, line, "`version-map` needs FROM TO");
		fg_sig_map m = { strdup(from), strdup(to) };
		if (!m.from || !m.to || !push((void **)&s->maps, &s->nmaps, sizeof(m), &m)) {
			free(m.from);
			free(m.to);
			return fail(err, errlen, s->origin, line, "out of memory");
		}
		return true;
	}
	if (!strcmp(kw, "unversioned")) {
		if (strcmp(rest, "yes") && strcmp(rest, "no"))
			return fail(err, errlen, s->origin, line, "`unversioned` is yes or no");
		s->unversioned = !strcmp(rest, "yes");
		return true;
	}
	return fail(err, errlen, s->origin, line, "unknown keyword \"%s\"", kw);
}

static void trim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

bool fg_sigdb_parse(fg_sigdb *db, const char *text, size_t len, const char *origin,
		    char *err, size_t errlen)
{
	fg_sig cur = {0};
	bool open = false;
	unsigned line = 0;
	size_t pos = 0;
	char buf[MAX_LINE];
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t ll = end - pos;
		line++;
		if (ll >= sizeof(buf)) {
			sig_free(&cur);
			return fail(err, errlen, origin, line, "line too long");
		}
		memcpy(buf, text + pos, ll);
		buf[ll] = '\0';
		pos = end + 1;
		trim(buf);
		char *p = buf;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		char *kw = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (!strcmp(kw, "component")) {
			if (open) {
				if (!finish_sig(&cur, err, errlen) ||
				    !push((void **)&db->sigs, &db->nsigs, sizeof(cur), &cur)) {
					sig_free(&cur);
					return false;
				}
			}
			memset(&cur, 0, sizeof(cur));
			open = true;
			cur.origin = origin;
			cur.line = line;
			if (!*p || strchr(p, ' '))
				return fail(err, errlen, origin, line, "`component` needs one name");
			if (!(cur.name = strdup(p)))
				return fail(err, errlen, origin, line, "out of memory");
			continue;
		}
		if (!open)
			return fail(err, errlen, origin, line, "\"%s\" before any `component`", kw);
		if (!parse_keyword(&cur, kw, p, err, errlen, line)) {
			sig_free(&cur);
			return false;
		}
	}
	if (open) {
		if (!finish_sig(&cur, err, errlen) ||
		    !push((void **)&db->sigs, &db->nsigs, sizeof(cur), &cur)) {
			sig_free(&cur);
			return false;
		}
	}
	return true;
}

bool fg_sigdb_compile(fg_sigdb *db, char *err, size_t errlen)
{
	size_t n = 0;
	for (size_t i = 0; i < db->nsigs; i++) {
		n += db->sigs[i].nliterals + db->sigs[i].nrequires;
		if (db->sigs[i].nfilenames)
			db->nfilename_sigs++;
	}
	db->filename_sigs = calloc(db->nfilename_sigs + 1, sizeof(*db->filename_sigs));
	db->lits = calloc(n + 1, sizeof(*db->lits));
	const char **exprs = calloc(n + 1, sizeof(*exprs));
	size_t *lens = calloc(n + 1, sizeof(*lens));
	unsigned *ids = calloc(n + 1, sizeof(*ids));
	unsigned *flags = calloc(n + 1, sizeof(*flags));
	bool ok = db->filename_sigs && db->lits && exprs && lens && ids && flags;
	if (!ok)
		snprintf(err, errlen, "signatures: out of memory");
	size_t k = 0, f = 0;
	for (size_t i = 0; ok && i < db->nsigs; i++) {
		if (db->sigs[i].nfilenames)
			db->filename_sigs[f++] = (uint32_t)i;
		const fg_sig *sg = &db->sigs[i];
		for (size_t j = 0; j < sg->nliterals + sg->nrequires; j++) {
			bool req = j >= sg->nliterals;
			const char *l = req ? sg->requires[j - sg->nliterals] : sg->literals[j];
			db->lits[k] = (fg_sig_lit){ (uint32_t)i, (unsigned char)l[0], req };
			exprs[k] = l + 1;
			lens[k] = (unsigned char)l[0];
			ids[k] = (unsigned)k;
			k++;
		}
	}
	db->nlits = k;
	if (ok && n) {
		hs_compile_error_t *cerr = NULL;
		hs_database_t *hdb = NULL;
		if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)n, HS_MODE_BLOCK, NULL,
					 &hdb, &cerr) != HS_SUCCESS) {
			snprintf(err, errlen, "signatures: literal database: %s",
				 cerr && cerr->message ? cerr->message : "compile failed");
			hs_free_compile_error(cerr);
			ok = false;
		}
		db->hs_db = hdb;
	}
	free(exprs);
	free(lens);
	free(ids);
	free(flags);
	return ok;
}

void fg_sigdb_free(fg_sigdb *db)
{
	for (size_t i = 0; i < db->nsigs; i++)
		sig_free(&db->sigs[i]);
	free(db->sigs);
	free(db->lits);
	free(db->filename_sigs);
	if (db->hs_db)
		hs_free_database(db->hs_db);
	memset(db, 0, sizeof(*db));
}

static fg_sigdb builtin;
static bool builtin_ok;
static char builtin_err[512];
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static bool parse_builtin(fg_sigdb *db, char *err, size_t errlen)
{
	const fg_data_file *f = fg_data_get("signatures/components.txt");
	if (!f) {
		snprintf(err, errlen, "signatures/components.txt is not compiled in");
		return false;
	}
	return fg_sigdb_parse(db, (const char *)f->data, f->len, "components.txt", err, errlen);
}

static void build_builtin(void)
{
	builtin_ok = parse_builtin(&builtin, builtin_err, sizeof(builtin_err)) &&
		     fg_sigdb_compile(&builtin, builtin_err, sizeof(builtin_err));
}

const fg_sigdb *fg_sigdb_builtin(char *err, size_t errlen)
{
	pthread_once(&builtin_once, build_builtin);
	if (!builtin_ok && err)
		snprintf(err, errlen, "%s", builtin_err);
	return builtin_ok ? &builtin : NULL;
}

/* Reads a user file whole, refusing what is not a small regular file. */
static char *read_small_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_USER_FILE) {
		snprintf(err, errlen, "%s: not a regular file of at most 16 MiB", path);
		fclose(f);
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t n = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
	fclose(f);
	if (!buf || n != (size_t)st.st_size) {
		snprintf(err, errlen, "%s: cannot read", path);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

fg_sigdb *fg_sigdb_with_file(const char *path, char *err, size_t errlen)
{
	size_t len = 0;
	char *text = read_small_file(path, &len, err, errlen);
	if (!text)
		return NULL;
	fg_sigdb *db = calloc(1, sizeof(*db));
	bool ok = db && parse_builtin(db, err, errlen) &&
		  fg_sigdb_parse(db, text, len, path, err, errlen) &&
		  fg_sigdb_compile(db, err, errlen);
	free(text);
	if (!ok && db) {
		fg_sigdb_destroy(db);
		db = NULL;
	}
	return db;
}

void fg_sigdb_destroy(fg_sigdb *db)
{
	if (!db)
		return;
	fg_sigdb_free(db);
	free(db);
}

const fg_sig *fg_sigdb_by_package(const fg_sigdb *db, const char *name)
{
	for (size_t i = 0; db && i < db->nsigs; i++)
		for (size_t j = 0; j < db->sigs[i].npackages; j++)
			if (!strcmp(db->sigs[i].packages[j], name))
				return &db->sigs[i];
	return NULL;
}

const fg_sig *fg_sigdb_by_name(const fg_sigdb *db, const char *name)
{
	for (size_t i = 0; db && i < db->nsigs; i++)
		if (!strcmp(db->sigs[i].name, name))
			return &db->sigs[i];
	return NULL;
}

bool fg_sig_map_version(const fg_sig *s, char *v, size_t cap)
{
	if (!s->nmaps)
		return true;
	for (size_t i = 0; i < s->nmaps; i++) {
		if (!strcmp(s->maps[i].from, v)) {
			snprintf(v, cap, "%s", s->maps[i].to);
			return true;
		}
	}
	return false;
}
