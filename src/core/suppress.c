/*
 * suppress.c - reads, validates and applies the gate's policy (see
 * suppress.h; the format is documented in docs/CLI.md, "Suppressions").
 */
#include "core/suppress.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks/certs.h"  /* fg_scan_now */
#include "checks/engine.h"  /* the registry, fg_fingerprint */
#include "compliance/declaration.h"  /* fg_decl_valid_date */
#include "core/result.h"
#include "core/yaml.h"

#define MAX_TEXT 2000         /* characters of one value */
#define MAX_PATTERN 256       /* characters of a glob */
#define MAX_MESSAGES 100      /* kept; the counts go on */
#define MAX_ENTRIES 10000
#define MAX_RULES 1000
#define MAX_STARS 16          /* '*' per glob: fnmatch backtracks on each */

static const char *const entry_keys[] = {
	"fingerprint", "check", "path", "subject", "justification", "owner", "expires", NULL,
};

/* ---- messages ------------------------------------------------------------------ */

typedef struct pstate {
	fg_policy *p;
	fg_arena *arena;
	const char *file;
	time_t now;
} pstate;

/* Keeps a message "WHERE: [warning: ]WHAT" (WHERE NULL: WHAT is the whole text). */
static void add_message(fg_policy *p, fg_arena *arena, bool warning, const char *where,
			const char *what)
{
	if (warning)
		p->warnings++;
	else
		p->errors++;
	if (p->nmessages >= MAX_MESSAGES)
		return;
	if (!p->messages) {
		p->messages = fg_arena_alloc(arena, MAX_MESSAGES * sizeof(*p->messages));
		if (!p->messages) {
			p->oom = true;
			return;
		}
	}
	fg_policy_message m = { .warning = warning };
	m.where = where ? fg_arena_strdup(arena, where) : NULL;
	m.what = fg_arena_strdup(arena, what);
	m.text = where ? fg_arena_printf(arena, "%s: %s%s", where, warning ? "warning: " : "", what)
		       : m.what;
	if (!m.text || !m.what || (where && !m.where)) {
		p->oom = true;
		return;
	}
	p->messages[p->nmessages++] = m;
}

static void say(pstate *st, bool warning, const fg_yaml_node *at, const char *field,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void say(pstate *st, bool warning, const fg_yaml_node *at, const char *field,
		const char *fmt, ...)
{
	char msg[600], what[900], where[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(where, sizeof(where), "%s:%u:%u", st->file, at ? at->line : 1, at ? at->col : 1);
	snprintf(what, sizeof(what), "%s%s%s", field ? field : "", field ? ": " : "", msg);
	add_message(st->p, st->arena, warning, where, what);
}

/* A value quoted for a message: at most 80 characters, controls as '?'. */
static const char *shown(const char *s, char *buf, size_t cap)
{
	size_t n = 0;
	for (; *s && n + 4 < cap && n < 80; s++)
		buf[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	if (*s && n + 4 < cap) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

/* ---- values -------------------------------------------------------------------- */

static bool is_fingerprint(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]))
			return false;
	return n == 32;
}

static bool few_stars(const char *s)
{
	unsigned stars = 0;
	for (; *s; s++)
		stars += *s == '*';
	return stars <= MAX_STARS;
}

/* A glob over check IDs may hold what IDs hold plus glob characters. */
static bool valid_check_pattern(const char *s)
{
	if (!*s || !few_stars(s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-_*?[]!", *s))
			return false;
	return true;
}

static bool names_a_check(const char *pattern)
{
	for (size_t i = 0; i < fg_check_count(); i++)
		if (fnmatch(pattern, fg_check_at(i)->id, 0) == 0)
			return true;
	return false;
}

static const char *const level_names[] = { "info", "low", "medium", "high", "critical" };

/* "info".."critical" or "off" (case-insensitive); false when neither. */
static bool parse_level(const char *s, int *level)
{
	if (!strcasecmp(s, "off")) {
		*level = FG_SEVERITY_OFF;
		return true;
	}
	for (int i = 0; i < 5; i++)
		if (!strcasecmp(s, level_names[i])) {
			*level = i;
			return true;
		}
	return false;
}

/* A scalar value of at most MAX_TEXT characters, or NULL after saying why not. */
static const char *scalar(pstate *st, const fg_yaml_node *v, const char *field)
{
	if (!v || v->kind != FG_YAML_SCALAR) {
		say(st, false, v, field, "must be a single value, found a %s", fg_yaml_kind_name(v));
		return NULL;
	}
	if (v->len > MAX_TEXT) {
		say(st, false, v, field, "longer than %d characters", MAX_TEXT);
		return NULL;
	}
	if (fg_yaml_is_null(v) || blank(v->text)) {
		say(st, false, v, field, "is empty");
		return NULL;
	}
	return v->text;
}

static bool known_entry_key(const char *k)
{
	for (int i = 0; entry_keys[i]; i++)
		if (!strcmp(entry_keys[i], k))
			return true;
	return false;
}

/* ---- suppressions: ------------------------------------------------------------- */

/* A copy in the arena; out of memory is remembered (the policy is then refused). */
static char *keep(pstate *st, const char *s)
{
	char *copy = fg_arena_strdup(st->arena, s);
	if (!copy)
		st->p->oom = true;
	return copy;
}

/* Reads one value of entry E; returns false when it is invalid. */
static bool read_field(pstate *st, fg_suppression *e, const char *key, const fg_yaml_node *v,
		       const char *field)
{
	char b[100];
	const char *s = scalar(st, v, field);
	if (!s)
		return false;
	if (!strcmp(key, "fingerprint")) {
		if (!is_fingerprint(s)) {
			say(st, false, v, field, "'%s' is not a finding fingerprint (32 hex digits, "
			    "as in the JSON report's findings[].fingerprint)", shown(s, b, sizeof(b)));
			return false;
		}
		char *lower = keep(st, s);
		for (char *c = lower; c && *c; c++)
			*c = (char)tolower((unsigned char)*c);
		e->fingerprint = lower;
	} else if (!strcmp(key, "check")) {
		if (strlen(s) > MAX_PATTERN || !valid_check_pattern(s)) {
			say(st, false, v, field, "'%s' is not a check ID or a glob of check IDs "
			    "(e.g. credentials.default-password, hardening.*)", shown(s, b, sizeof(b)));
			return false;
		}
		if (!names_a_check(s))
			say(st, true, v, field, "'%s' matches no check (see docs/CHECKS.md)",
			    shown(s, b, sizeof(b)));
		e->check = keep(st, s);
	} else if (!strcmp(key, "path")) {
		if (strlen(s) > 4 * MAX_PATTERN) {
			say(st, false, v, field, "longer than %d characters", 4 * MAX_PATTERN);
			return false;
		}
		if (!few_stars(s)) {
			say(st, false, v, field, "more than %d '*' in one glob", MAX_STARS);
			return false;
		}
		e->path = keep(st, s);
	} else if (!strcmp(key, "subject")) {
		e->subject = keep(st, s);
	} else if (!strcmp(key, "justification")) {
		e->justification = keep(st, s);
	} else if (!strcmp(key, "owner")) {
		e->owner = keep(st, s);
	} else if (!strcmp(key, "expires")) {
		time_t t;
		if (!fg_decl_valid_date(s, &t)) {
			say(st, false, v, field, "'%s' is not a valid date (YYYY-MM-DD)",
			    shown(s, b, sizeof(b)));
			return false;
		}
		e->expires = keep(st, s);
		/* the entry holds through its last day (UTC) */
		e->expired = t + 86400 <= st->now;
	}
	return true;
}

/* Missing or inconsistent fields, named at the entry. A field that is
 * there but invalid has had its own message: it counts as present here. */
static bool entry_complete(pstate *st, const fg_yaml_node *item, const char *base)
{
	bool fingerprint = fg_yaml_get(item, "fingerprint") != NULL;
	bool check = fg_yaml_get(item, "check") != NULL;
	bool ok = true;
	if (!fg_yaml_get(item, "justification")) {
		say(st, false, item, base, "required field 'justification' is missing "
		    "(why the finding is accepted)");
		ok = false;
	}
	if (!fingerprint && !check) {
		say(st, false, item, base, "names no finding: give a 'fingerprint', or a 'check' "
		    "with a 'path'");
		return false;
	}
	if (check && !fingerprint && !fg_yaml_get(item, "path")) {
		say(st, false, item, base, "required field 'path' is missing: an entry by check needs "
		    "a path glob ('*' for every path)");
		ok = false;
	}
	if (fg_yaml_get(item, "subject") && !check) {
		say(st, false, item, base, "'subject' needs a 'check' (the fingerprint already "
		    "includes the subject)");
		ok = false;
	}
	return ok;
}

static void describe_note(pstate *st, fg_suppression *e)
{
	e->note.justification = e->justification;
	e->note.owner = e->owner;
	e->note.expires = e->expires;
	e->note.source = fg_arena_printf(st->arena, "%s:%u", st->file, e->line);
	e->note.matched_by = e->fingerprint ? "fingerprint" : "check";
	if (!e->note.source)
		st->p->oom = true;
}

static void read_entry(pstate *st, size_t index, const fg_yaml_node *item, fg_suppression *out,
		       bool *usable)
{
	char base[64], field[160];
	snprintf(base, sizeof(base), "suppressions[%zu]", index);
	*usable = false;
	if (item->kind != FG_YAML_MAP) {
		say(st, false, item, base, "must be a map (fingerprint or check and path, "
		    "justification, ...), found a %s", fg_yaml_kind_name(item));
		return;
	}
	fg_suppression e = { .line = item->line, .col = item->col, .index = index };
	bool ok = true;
	for (size_t i = 0; i < item->n; i++) {
		const char *k = item->keys[i]->text;
		snprintf(field, sizeof(field), "%s.%.80s", base, k);
		if (!known_entry_key(k)) {
			say(st, true, item->keys[i], field, "unknown key (known: fingerprint, check, path, "
			    "subject, justification, owner, expires)");
			continue;
		}
		ok &= read_field(st, &e, k, item->values[i], field);
	}
	if (!entry_complete(st, item, base) || !ok)
		return;
	describe_note(st, &e);
	if (e.expired)
		say(st, true, item, base, "expired on %s%s%s%s: it no longer suppresses", e.expires,
		    e.owner ? " (owner " : "", e.owner ? e.owner : "", e.owner ? ")" : "");
	*out = e;
	*usable = true;
}

static void read_suppressions(pstate *st, const fg_yaml_node *seq)
{
	if (fg_yaml_is_null(seq))
		return;
	if (seq->kind != FG_YAML_SEQ) {
		say(st, false, seq, "suppressions", "must be a list of entries, found a %s",
		    fg_yaml_kind_name(seq));
		return;
	}
	if (seq->n > MAX_ENTRIES) {
		say(st, false, seq, "suppressions", "more than %d entries", MAX_ENTRIES);
		return;
	}
	fg_policy *p = st->p;
	fg_suppression *all = fg_arena_alloc(st->arena, (p->nentries + seq->n + 1) * sizeof(*all));
	if (!all) {
		p->oom = true;
		return;
	}
	if (p->nentries)
		memcpy(all, p->entries, p->nentries * sizeof(*all));
	size_t n = p->nentries;
	for (size_t i = 0; i < seq->n; i++) {
		bool usable;
		read_entry(st, i, seq->values[i], &all[n], &usable);
		n += usable;
	}
	p->entries = all;
	p->nentries = n;
}

/* ---- severity rules -------------------------------------------------------------- */

static bool push_rule(fg_policy *p, fg_arena *arena, const fg_severity_rule *r)
{
	if (p->nrules >= MAX_RULES)
		return false;
	/* rules are few: grow by copying into the arena */
	fg_severity_rule *all = fg_arena_alloc(arena, (p->nrules + 1) * sizeof(*all));
	if (!all) {
		p->oom = true;
		return false;
	}
	if (p->nrules)
		memcpy(all, p->rules, p->nrules * sizeof(*all));
	all[p->nrules] = *r;
	p->rules = all;
	p->nrules++;
	return true;
}

static void read_severity(pstate *st, const fg_yaml_node *map)
{
	char b[100], field[300];
	if (fg_yaml_is_null(map))
		return;
	if (map->kind != FG_YAML_MAP) {
		say(st, false, map, "severity", "must be a map of check-ID glob to level "
		    "(e.g. 'hardening.*: low'), found a %s", fg_yaml_kind_name(map));
		return;
	}
	for (size_t i = 0; i < map->n; i++) {
		const fg_yaml_node *k = map->keys[i], *v = map->values[i];
		snprintf(field, sizeof(field), "severity.%s", shown(k->text, b, sizeof(b)));
		if (k->len > MAX_PATTERN || !valid_check_pattern(k->text)) {
			say(st, false, k, field, "not a check ID or a glob of check IDs");
			continue;
		}
		const char *s = scalar(st, v, field);
		int level;
		if (!s)
			continue;
		if (!parse_level(s, &level)) {
			say(st, false, v, field, "'%s' is not one of info, low, medium, high, critical, off",
			    shown(s, b, sizeof(b)));
			continue;
		}
		if (!names_a_check(k->text))
			say(st, true, k, field, "matches no check (see docs/CHECKS.md)");
		fg_severity_rule r = {
			.pattern = fg_arena_strdup(st->arena, k->text),
			.level = level,
			.where = fg_arena_printf(st->arena, "%s:%u", st->file, k->line),
		};
		if (!r.pattern || !r.where)
			st->p->oom = true;
		else if (!push_rule(st->p, st->arena, &r))
			say(st, false, k, field, "more than %d severity rules", MAX_RULES);
	}
}

/* ---- the document ---------------------------------------------------------------- */

static void read_doc(pstate *st, const fg_yaml_node *root)
{
	if (!root || fg_yaml_is_null(root))
		return; /* an empty file suppresses nothing */
	if (root->kind != FG_YAML_MAP) {
		say(st, false, root, NULL, "the suppressions file must be a map with 'suppressions' "
		    "and/or 'severity', found a %s", fg_yaml_kind_name(root));
		return;
	}
	for (size_t i = 0; i < root->n; i++) {
		const char *k = root->keys[i]->text;
		if (!strcmp(k, "suppressions"))
			read_suppressions(st, root->values[i]);
		else if (!strcmp(k, "severity"))
			read_severity(st, root->values[i]);
		else
			say(st, true, root->keys[i], k, "unknown key (known: suppressions, severity)");
	}
}

static void yaml_limits(fg_yaml_limits *lim)
{
	fg_yaml_limits_default(lim);
	lim->max_bytes = 1024 * 1024;
	lim->max_depth = 8;
	lim->max_nodes = 100000;
}

static void from_doc(fg_policy *p, fg_arena *arena, const char *name, fg_yaml_doc *doc,
		     const char *err, time_t now)
{
	p->file = fg_arena_strdup(arena, name);
	if (!doc) {
		/* the YAML reader's message already names file, line and column */
		add_message(p, arena, false, NULL, err);
		return;
	}
	pstate st = { .p = p, .arena = arena, .file = name, .now = now };
	read_doc(&st, fg_yaml_root(doc));
	fg_yaml_free(doc);
}

fg_policy *fg_policy_new(fg_arena *arena)
{
	return fg_arena_alloc(arena, sizeof(fg_policy));
}

void fg_policy_parse(fg_policy *p, fg_arena *arena, const char *name, const void *buf,
		     size_t len, time_t now)
{
	fg_yaml_limits lim;
	yaml_limits(&lim);
	char err[600];
	fg_yaml_doc *doc = fg_yaml_parse(name, buf, len, &lim, err, sizeof(err));
	from_doc(p, arena, name, doc, err, now);
}

void fg_policy_load(fg_policy *p, fg_arena *arena, const char *path, time_t now)
{
	fg_yaml_limits lim;
	yaml_limits(&lim);
	char err[600];
	fg_yaml_doc *doc = fg_yaml_load(path, &lim, err, sizeof(err));
	from_doc(p, arena, path, doc, err, now);
}

/* Splits "PATTERN=LEVEL" and checks both halves; false with ERR when bad. */
static bool split_rule(const char *arg, char *pattern, size_t cap, int *level, char *err,
		       size_t errlen)
{
	const char *eq = strrchr(arg, '=');
	if (!eq || eq == arg) {
		snprintf(err, errlen, "--severity '%.100s': expected PATTERN=LEVEL, e.g. hardening.*=low", arg);
		return false;
	}
	size_t pl = (size_t)(eq - arg);
	if (pl >= cap || pl > MAX_PATTERN) {
		snprintf(err, errlen, "--severity: pattern longer than %d characters", MAX_PATTERN);
		return false;
	}
	memcpy(pattern, arg, pl);
	pattern[pl] = '\0';
	if (!valid_check_pattern(pattern)) {
		snprintf(err, errlen, "--severity '%.100s': '%s' is not a check ID or a glob of check IDs",
			 arg, pattern);
		return false;
	}
	if (!parse_level(eq + 1, level)) {
		snprintf(err, errlen, "--severity '%.100s': '%.40s' is not one of info, low, medium, "
			 "high, critical, off", arg, eq + 1);
		return false;
	}
	return true;
}

bool fg_policy_add_severity(fg_policy *p, fg_arena *arena, const char *arg, char *err,
			    size_t errlen)
{
	char pattern[MAX_PATTERN + 1];
	int level;
	if (!split_rule(arg, pattern, sizeof(pattern), &level, err, errlen))
		return false;
	if (!names_a_check(pattern)) {
		char what[400];
		snprintf(what, sizeof(what), "'%s' matches no check (see docs/CHECKS.md)", pattern);
		add_message(p, arena, true, "--severity", what);
	}
	fg_severity_rule r = { .pattern = fg_arena_strdup(arena, pattern), .level = level,
			       .where = "--severity" };
	if (!r.pattern) {
		p->oom = true;
		snprintf(err, errlen, "out of memory");
		return false;
	}
	if (!push_rule(p, arena, &r)) {
		snprintf(err, errlen, "--severity: more than %d rules", MAX_RULES);
		return false;
	}
	return true;
}

int fg_severity_rule_check(const char *rule, char *err, size_t errlen)
{
	char pattern[MAX_PATTERN + 1];
	int level;
	return split_rule(rule, pattern, sizeof(pattern), &level, err, errlen) ? 0 : -1;
}

/* ---- reading and applying ----------------------------------------------------------- */

int fg_policy_severity(const fg_policy *p, const char *check_id, int deflt)
{
	int level = deflt;
	for (size_t i = 0; p && i < p->nrules; i++)
		if (fnmatch(p->rules[i].pattern, check_id, 0) == 0)
			level = p->rules[i].level;
	return level;
}

static bool entry_matches(const fg_suppression *e, const fg_finding *f)
{
	if (e->fingerprint && (!f->fingerprint || strcmp(e->fingerprint, f->fingerprint) != 0))
		return false;
	if (e->check && fnmatch(e->check, f->check_id, 0) != 0)
		return false;
	if (e->path && fnmatch(e->path, f->path ? f->path : "", 0) != 0)
		return false;
	if (e->subject) {
		/* the fingerprint was made from check, path and subject: the
		 * subject matches when it makes the same fingerprint */
		char fp[33];
		fg_fingerprint(f->check_id, f->path, e->subject, fp);
		if (!f->fingerprint || strcmp(fp, f->fingerprint) != 0)
			return false;
	}
	return true;
}

const fg_suppression *fg_policy_match(const fg_policy *p, const fg_finding *f)
{
	for (size_t i = 0; p && i < p->nentries; i++)
		if (!p->entries[i].expired && entry_matches(&p->entries[i], f))
			return &p->entries[i];
	return NULL;
}

void fg_policy_apply(const fg_policy *p, fg_result *res)
{
	if (!p || !p->nentries)
		return;
	for (size_t i = 0; i < res->findings.n; i++) {
		const fg_suppression *e = fg_policy_match(p, &res->findings.v[i]);
		if (e)
			res->findings.v[i].suppression = &e->note;
	}
}

/* ---- the public validator --------------------------------------------------------- */

size_t fg_suppressions_validate(const char *path, FILE *msgs)
{
	fg_arena arena;
	fg_arena_init(&arena);
	fg_policy *p = fg_policy_new(&arena);
	if (p)
		fg_policy_load(p, &arena, path, fg_scan_now());
	size_t errors = p && !p->oom ? p->errors : 1;
	if ((!p || p->oom) && msgs)
		fprintf(msgs, "%s: out of memory\n", path);
	for (size_t i = 0; p && msgs && i < p->nmessages; i++)
		fprintf(msgs, "%s\n", p->messages[i].text);
	if (p && msgs && p->nmessages < p->errors + p->warnings)
		fprintf(msgs, "%s: %zu more problem(s) not shown\n", path,
			p->errors + p->warnings - p->nmessages);
	fg_arena_free(&arena);
	return errors;
}
