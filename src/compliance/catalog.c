#include "compliance/catalog.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "checks/check.h"
#include "core/data.h"

static fg_standard *standards;
static size_t nstandards;
static fg_requirement *reqs;
static size_t nreqs;
static char *text; /* one writable copy of every data file; fields point into it */
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Splits LINE on tabs in place into at most MAX fields; returns the count. */
static size_t split_tabs(char *line, char **f, size_t max)
{
	size_t n = 0;
	while (n < max) {
		f[n++] = line;
		char *t = strchr(line, '\t');
		if (!t)
			break;
		*t = '\0';
		line = t + 1;
	}
	return n;
}

typedef void (*line_fn)(char **f, size_t n);

/* Calls FN on every non-comment line of the embedded file NAME. The lines
 * are copied into TEXT at *POS. */
static void each_line(const char *name, char **pos, line_fn fn)
{
	const fg_data_file *df = fg_data_get(name);
	if (!df)
		return;
	memcpy(*pos, df->data, df->len);
	char *p = *pos;
	char *end = p + df->len;
	*end = '\0';
	*pos = end + 1;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl)
			*nl = '\0';
		if (*p && *p != '#') {
			char *f[12];
			size_t n = split_tabs(p, f, 12);
			fn(f, n);
		}
		p = nl ? nl + 1 : end;
	}
}

typedef struct family {
	const char *name;
	const char *checks;
} family;

static family *families;
static size_t nfamilies, capfamilies;

static void on_family(char **f, size_t n)
{
	if (n < 2 || nfamilies == capfamilies)
		return;
	families[nfamilies++] = (family){ f[0], f[1] };
}

static void on_standard(char **f, size_t n)
{
	if (n < 4)
		return;
	standards[nstandards++] = (fg_standard){ f[0], f[1], f[2], f[3], 0, 0 };
}

static void add_check(const char **checks, size_t *n, const char *id, size_t len)
{
	for (size_t i = 0; i < fg_check_count(); i++) {
		const fg_check *c = fg_check_at(i);
		if (strlen(c->id) != len || strncmp(c->id, id, len) != 0)
			continue;
		for (size_t k = 0; k < *n; k++)
			if (checks[k] == c->id)
				return;
		if (*n < FG_REQ_MAX_CHECKS)
			checks[(*n)++] = c->id;
	}
}

/* Resolves the comma-separated FAMILIES to the checks registered now. */
static void resolve_checks(const char *fams, const char **checks, size_t *n)
{
	for (const char *p = fams; *p;) {
		size_t len = strcspn(p, ",");
		for (size_t i = 0; i < nfamilies; i++) {
			if (strlen(families[i].name) != len || strncmp(families[i].name, p, len) != 0)
				continue;
			for (const char *c = families[i].checks; *c;) {
				size_t cl = strcspn(c, ",");
				add_check(checks, n, c, cl);
				c += cl + (c[cl] == ',');
			}
		}
		p += len + (p[len] == ',');
	}
}

static fg_req_class class_of(const char *s)
{
	if (!strcmp(s, "FW"))
		return FG_REQ_FW;
	if (!strcmp(s, "DEV"))
		return FG_REQ_DEV;
	return FG_REQ_DECL;
}

static void on_requirement(char **f, size_t n)
{
	if (n < 10)
		return;
	fg_requirement *r = &reqs[nreqs++];
	memset(r, 0, sizeof(*r));
	r->standard = f[0];
	r->id = f[1];
	r->level = f[2];
	r->cls = class_of(f[3]);
	r->families = f[4];
	r->etsi = f[5];
	r->confidence = f[6];
	r->title = f[7];
	r->evidence = f[8];
	r->note = f[9];
	resolve_checks(r->families, r->checks, &r->nchecks);
}

static size_t count_lines(const char *name)
{
	const fg_data_file *df = fg_data_get(name);
	size_t n = 0;
	for (size_t i = 0; df && i < df->len; i++)
		n += df->data[i] == '\n';
	return n + 1;
}

static const fg_requirement *find_req(const char *standard, size_t slen, const char *id, size_t idlen)
{
	for (size_t i = 0; i < nreqs; i++)
		if (strlen(reqs[i].standard) == slen && !strncmp(reqs[i].standard, standard, slen) &&
		    strlen(reqs[i].id) == idlen && !strncmp(reqs[i].id, id, idlen))
			return &reqs[i];
	return NULL;
}

static fg_decl_rule *rules;
static size_t nrules, caprules;

/* fields, verdict, refuting family, requirements (standard/ID;...), states */
static void on_rule(char **f, size_t n)
{
	if (n < 5 || nrules == caprules)
		return;
	fg_decl_rule *r = &rules[nrules++];
	memset(r, 0, sizeof(*r));
	r->fields = f[0];
	r->not_applicable = !strcmp(f[1], "not-applicable");
	r->family = strcmp(f[2], "-") ? f[2] : "";
	r->states = f[4];
	resolve_checks(r->family, r->checks, &r->nchecks);
	for (char *p = f[3]; *p;) {
		size_t len = strcspn(p, ";");
		char *slash = memchr(p, '/', len);
		const fg_requirement *q = slash ? find_req(p, (size_t)(slash - p), slash + 1,
							   len - (size_t)(slash - p) - 1) : NULL;
		if (q && r->nreqs < FG_RULE_MAX_REQS)
			r->reqs[r->nreqs++] = q;
		else if (!r->unresolved)
			r->unresolved = p;  /* the test names it; cut below */
		p += len;
		if (*p == ';')
			*p++ = '\0';
	}
}

static void load(void)
{
	static const char *const files[] = {
		"standards/families.tsv", "standards/standards.tsv", "standards/catalog.tsv",
		"standards/declaration-map.tsv",
	};
	size_t total = 0;
	for (size_t i = 0; i < 4; i++) {
		const fg_data_file *df = fg_data_get(files[i]);
		total += (df ? df->len : 0) + 1;
	}
	text = malloc(total);
	capfamilies = count_lines(files[0]);
	families = calloc(capfamilies, sizeof(*families));
	standards = calloc(count_lines(files[1]), sizeof(*standards));
	reqs = calloc(count_lines(files[2]), sizeof(*reqs));
	caprules = count_lines(files[3]);
	rules = calloc(caprules, sizeof(*rules));
	if (!text || !families || !standards || !reqs || !rules)
		return;
	char *pos = text;
	each_line(files[0], &pos, on_family);
	each_line(files[1], &pos, on_standard);
	each_line(files[2], &pos, on_requirement);
	each_line(files[3], &pos, on_rule);
	/* the catalog lists each standard's requirements together */
	for (size_t s = 0; s < nstandards; s++) {
		fg_standard *st = &standards[s];
		for (size_t i = 0; i < nreqs; i++) {
			if (strcmp(reqs[i].standard, st->id) != 0)
				continue;
			if (!st->count)
				st->first = i;
			st->count++;
		}
	}
}

size_t fg_standard_count(void)
{
	pthread_once(&once, load);
	return nstandards;
}

const fg_standard *fg_standard_at(size_t i)
{
	return i < fg_standard_count() ? &standards[i] : NULL;
}

const fg_standard *fg_standard_find(const char *id)
{
	for (size_t i = 0; i < fg_standard_count(); i++)
		if (!strcmp(standards[i].id, id))
			return &standards[i];
	return NULL;
}

size_t fg_requirement_count(void)
{
	pthread_once(&once, load);
	return nreqs;
}

const fg_requirement *fg_requirement_at(size_t i)
{
	return i < fg_requirement_count() ? &reqs[i] : NULL;
}

const fg_requirement *fg_requirement_find(const char *standard, const char *id)
{
	if (!fg_requirement_count() || !standard || !id)
		return NULL;
	return find_req(standard, strlen(standard), id, strlen(id));
}

size_t fg_requirement_index(const fg_requirement *r)
{
	return (size_t)(r - reqs);
}

size_t fg_decl_rule_count(void)
{
	pthread_once(&once, load);
	return nrules;
}

const fg_decl_rule *fg_decl_rule_at(size_t i)
{
	return i < fg_decl_rule_count() ? &rules[i] : NULL;
}

const char *fg_req_class_name(fg_req_class c)
{
	switch (c) {
	case FG_REQ_FW: return "firmware";
	case FG_REQ_DECL: return "declaration";
	case FG_REQ_DEV: return "device";
	}
	return "?";
}
