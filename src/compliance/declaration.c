/*
 * declaration.c - reads and validates a product declaration (see
 * declaration.h; the format is documented in docs/COMPLIANCE.md and
 * docs/declaration.schema.json, which must say the same as SPECS below).
 */
#include "compliance/declaration.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firmgate.h"

#include "checks/certs.h"  /* fg_scan_now */
#include "core/vec.h"
#include "core/yaml.h"

/* ---- the schema --------------------------------------------------------------- */

typedef enum kind {
	K_MAP,          /* a section */
	K_TEXT,         /* free text, one line or more */
	K_EMAIL,
	K_HTTPS,        /* an https:// URL */
	K_DATE,         /* YYYY-MM-DD */
	K_BOOL,
	K_ENUM,         /* one of CHOICES ('|'-separated) */
	K_DURATION,     /* text naming a time: "5 working days" */
	K_REQUIREMENTS, /* the per-requirement statements */
} kind;

typedef struct spec {
	const char *path;
	kind k;
	bool required;           /* when its section is present (top level: always) */
	const char *what;        /* for "missing" messages; CHOICES for K_ENUM */
} spec;

static const spec specs[] = {
	{ "schema", K_ENUM, false, FG_DECL_SCHEMA },
	{ "manufacturer", K_MAP, true, "who makes the product" },
	{ "manufacturer.name", K_TEXT, true, "the manufacturer's legal name" },
	{ "manufacturer.address", K_TEXT, true, "the manufacturer's postal address" },
	{ "manufacturer.contact", K_MAP, false, NULL },
	{ "manufacturer.contact.email", K_EMAIL, false, NULL },
	{ "manufacturer.contact.url", K_HTTPS, false, NULL },
	{ "manufacturer.contact.phone", K_TEXT, false, NULL },
	{ "product", K_MAP, true, "the product the declaration covers" },
	{ "product.name", K_TEXT, true, "the product's name" },
	{ "product.type", K_TEXT, false, NULL },
	{ "product.model", K_TEXT, true, "the model designation" },
	{ "product.hardware_version", K_TEXT, false, NULL },
	{ "product.firmware_version", K_TEXT, false, NULL },
	{ "product.batch", K_TEXT, false, NULL },
	{ "vulnerability_disclosure", K_MAP, true, "how to report security issues" },
	{ "vulnerability_disclosure.contact", K_MAP, true, "an email and/or url to report security issues to" },
	{ "vulnerability_disclosure.contact.email", K_EMAIL, false, NULL },
	{ "vulnerability_disclosure.contact.url", K_HTTPS, false, NULL },
	{ "vulnerability_disclosure.policy_url", K_HTTPS, false, NULL },
	{ "vulnerability_disclosure.security_txt", K_HTTPS, false, NULL },
	{ "vulnerability_disclosure.timelines", K_MAP, true,
	  "when reporters get an acknowledgement and status updates" },
	{ "vulnerability_disclosure.timelines.acknowledgement", K_DURATION, true,
	  "when a reporter gets an acknowledgement, e.g. '5 working days'" },
	{ "vulnerability_disclosure.timelines.status_updates", K_DURATION, true,
	  "how often a reporter gets status updates until resolution, e.g. 'every 30 days'" },
	{ "vulnerability_disclosure.timelines.resolution", K_DURATION, false, NULL },
	{ "support_period", K_MAP, true, "the defined support period" },
	{ "support_period.end", K_DATE, true, "the last day security updates are provided, YYYY-MM-DD" },
	{ "support_period.published_at", K_HTTPS, true, "the https:// page that publishes the support period" },
	{ "updates", K_MAP, false, NULL },
	{ "updates.delivery", K_ENUM, false, "automatic|manual|both" },
	{ "updates.signed", K_BOOL, false, NULL },
	{ "updates.notification", K_TEXT, false, NULL },
	{ "sbom", K_MAP, false, NULL },
	{ "sbom.published", K_BOOL, true, "whether a software bill of materials is published (true or false)" },
	{ "sbom.url", K_HTTPS, false, NULL },
	{ "sbom.format", K_ENUM, false, "cyclonedx|spdx|other" },
	{ "data", K_MAP, false, NULL },
	{ "data.deletion", K_TEXT, false, NULL },
	{ "data.privacy_notice_url", K_HTTPS, false, NULL },
	{ "features", K_MAP, false, NULL },
	{ "features.passwords", K_BOOL, false, NULL },
	{ "features.network_services", K_BOOL, false, NULL },
	{ "features.telemetry", K_BOOL, false, NULL },
	{ "features.consent_based_processing", K_BOOL, false, NULL },
	{ "features.physical_debug_interfaces", K_BOOL, false, NULL },
	{ "signatory", K_MAP, false, NULL },
	{ "signatory.name", K_TEXT, true, "who signs for the manufacturer" },
	{ "signatory.function", K_TEXT, true, "the signatory's function, e.g. 'Head of Product Security'" },
	{ "signatory.place", K_TEXT, false, NULL },
	{ "requirements", K_REQUIREMENTS, false, NULL },
};

#define NSPECS (sizeof(specs) / sizeof(specs[0]))
#define MAX_TEXT 2000         /* characters of one value */
#define MAX_MESSAGES 100      /* kept; the counts go on */

static const spec *spec_of(const char *path)
{
	for (size_t i = 0; i < NSPECS; i++)
		if (!strcmp(specs[i].path, path))
			return &specs[i];
	return NULL;
}

/* ---- validation state and messages -------------------------------------------- */

typedef struct vstate {
	fg_arena *arena;
	const char *file;
	time_t now;
	FG_VEC(fg_decl_field) fields;
	FG_VEC(fg_decl_statement) statements;
	FG_VEC(fg_decl_message) messages;
	size_t errors, warnings;
	bool support_ended;
	bool oom;
} vstate;

static void say(vstate *st, bool warning, unsigned line, unsigned col, const char *field,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void say(vstate *st, bool warning, unsigned line, unsigned col, const char *field,
		const char *fmt, ...)
{
	if (warning)
		st->warnings++;
	else
		st->errors++;
	if (st->messages.n >= MAX_MESSAGES)
		return;
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fg_decl_message m = { .warning = warning };
	m.where = fg_arena_printf(st->arena, "%s:%u:%u", st->file, line, col);
	m.what = fg_arena_printf(st->arena, "%s%s%s", field ? field : "", field ? ": " : "", msg);
	if (m.where && m.what)
		m.text = fg_arena_printf(st->arena, "%s: %s%s", m.where, warning ? "warning: " : "", m.what);
	if (!m.text || !FG_VEC_PUSH(&st->messages, m))
		st->oom = true;
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

/* ---- value checks ----------------------------------------------------------------- */

static bool atext(int c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+/=?^_`{|}~-", c));
}

/* Host labels: letters, digits, hyphens not at either end, 1..63 each. */
static bool valid_hostname(const char *s, size_t len, bool need_dot)
{
	if (!len || len > 253)
		return false;
	size_t label = 0, dots = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (!label || s[i - 1] == '-')
				return false;
			label = 0;
			dots++;
			continue;
		}
		if (!isalnum(c) && c != '-')
			return false;
		if (c == '-' && !label)
			return false;
		if (++label > 63)
			return false;
	}
	return label && s[len - 1] != '-' && (!need_dot || dots);
}

bool fg_decl_valid_email(const char *s)
{
	const char *at = strchr(s, '@');
	size_t len = strlen(s);
	if (!at || strchr(at + 1, '@') || len > 254)
		return false;
	size_t local = (size_t)(at - s);
	if (!local || local > 64 || s[0] == '.' || at[-1] == '.')
		return false;
	for (size_t i = 0; i < local; i++)
		if (!atext((unsigned char)s[i]) && !(s[i] == '.' && s[i + 1] != '.'))
			return false;
	const char *dom = at + 1;
	size_t dl = len - local - 1;
	if (!valid_hostname(dom, dl, true))
		return false;
	/* the top-level label: letters (or an IDN's xn--), never all digits */
	const char *tld = strrchr(dom, '.') + 1;
	if (strlen(tld) < 2)
		return false;
	if (strncasecmp(tld, "xn--", 4) == 0)
		return true;
	for (const char *p = tld; *p; p++)
		if (!isalpha((unsigned char)*p))
			return false;
	return true;
}

bool fg_decl_valid_https(const char *s)
{
	if (strncasecmp(s, "https://", 8) != 0)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || strchr("\"<>\\^`{|}", *p))
			return false;
	const char *host = s + 8;
	size_t alen = strcspn(host, "/?#");
	if (memchr(host, '@', alen))  /* credentials in a published URL: no */
		return false;
	size_t hlen = alen;
	if (host[0] == '[') {
		const char *close = memchr(host, ']', alen);
		if (!close || close == host + 1)
			return false;
		for (const char *p = host + 1; p < close; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return false;
		hlen = (size_t)(close - host) + 1;
	} else {
		const char *colon = memchr(host, ':', alen);
		if (colon)
			hlen = (size_t)(colon - host);
		if (!valid_hostname(host, hlen, false))
			return false;
	}
	if (hlen < alen) {
		if (host[hlen] != ':' || hlen + 1 == alen || alen - hlen - 1 > 5)
			return false;
		unsigned port = 0;
		for (size_t i = hlen + 1; i < alen; i++) {
			if (!isdigit((unsigned char)host[i]))
				return false;
			port = port * 10 + (unsigned)(host[i] - '0');
		}
		if (!port || port > 65535)
			return false;
	}
	return true;
}

bool fg_decl_valid_date(const char *s, time_t *t)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return false;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 1970 || m < 1 || m > 12 || d < 1)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[m - 1] + (m == 2 && leap))
		return false;
	if (t) {
		struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d };
		*t = timegm(&tm);
	}
	return true;
}

/* A duration names a number and a unit of time: "5 working days",
 * "within 72 hours", "every 30 days", "48h". */
static bool names_duration(const char *s)
{
	static const char *const skip[] = { "working ", "business ", "calendar ", NULL };
	static const char *const units[] = { "hour", "day", "week", "month", "h", "d", NULL };
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p) || (p > s && isdigit((unsigned char)p[-1])))
			continue;
		const char *q = p;
		while (isdigit((unsigned char)*q))
			q++;
		while (*q == ' ')
			q++;
		for (int i = 0; skip[i]; i++)
			if (strncasecmp(q, skip[i], strlen(skip[i])) == 0)
				q += strlen(skip[i]);
		for (int i = 0; units[i]; i++) {
			size_t ul = strlen(units[i]);
			if (strncasecmp(q, units[i], ul) != 0)
				continue;
			char next = q[ul];
			if (ul > 1 && (next == 's' || next == 'S'))
				next = q[ul + 1];
			if (!isalpha((unsigned char)next))
				return true;
		}
	}
	return false;
}

static bool in_choices(const char *v, const char *choices)
{
	size_t vl = strlen(v);
	for (const char *p = choices; *p;) {
		size_t len = strcspn(p, "|");
		if (len == vl && !strncmp(p, v, len))
			return true;
		p += len + (p[len] == '|');
	}
	return false;
}

/* "a|b|c" as "a, b, c" */
static const char *choices_text(const char *choices, char *buf, size_t cap)
{
	size_t n = 0;
	for (const char *p = choices; *p && n + 3 < cap; p++) {
		if (*p == '|') {
			buf[n++] = ',';
			buf[n++] = ' ';
		} else {
			buf[n++] = *p;
		}
	}
	buf[n] = '\0';
	return buf;
}

/* ---- the walk ------------------------------------------------------------------------ */

static void add_field(vstate *st, const char *path, const char *value, const fg_yaml_node *at)
{
	fg_decl_field f = {
		.path = fg_arena_strdup(st->arena, path),
		.value = fg_arena_strdup(st->arena, value),
		.line = at->line,
		.col = at->col,
	};
	if (!f.path || !f.value || !FG_VEC_PUSH(&st->fields, f))
		st->oom = true;
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

static void check_scalar(vstate *st, const spec *sp, const char *path, const fg_yaml_node *v)
{
	const char *s = v->text;
	char b1[100], b2[100];
	bool flag;
	if (v->len > MAX_TEXT) {
		say(st, false, v->line, v->col, path, "longer than %d characters", MAX_TEXT);
		return;
	}
	switch (sp->k) {
	case K_TEXT:
		if (blank(s)) {
			say(st, false, v->line, v->col, path, "is empty");
			return;
		}
		break;
	case K_EMAIL:
		if (!fg_decl_valid_email(s)) {
			say(st, false, v->line, v->col, path, "'%s' is not a valid e-mail address",
			    shown(s, b1, sizeof(b1)));
			return;
		}
		break;
	case K_HTTPS:
		if (strncasecmp(s, "https://", 8) != 0) {
			say(st, false, v->line, v->col, path, "'%s' is not an https:// URL",
			    shown(s, b1, sizeof(b1)));
			return;
		}
		if (!fg_decl_valid_https(s)) {
			say(st, false, v->line, v->col, path, "'%s' is not a valid URL",
			    shown(s, b1, sizeof(b1)));
			return;
		}
		break;
	case K_DATE: {
		time_t t;
		if (!fg_decl_valid_date(s, &t)) {
			say(st, false, v->line, v->col, path, "'%s' is not a valid date (YYYY-MM-DD)",
			    shown(s, b1, sizeof(b1)));
			return;
		}
		/* the support period includes its last day */
		if (!strcmp(path, "support_period.end") && t + 86400 <= st->now) {
			say(st, true, v->line, v->col, path,
			    "%s is in the past: the declared support period has ended", s);
			st->support_ended = true;
		}
		break;
	}
	case K_BOOL:
		if (!fg_yaml_bool(v, &flag)) {
			say(st, false, v->line, v->col, path, "'%s' is not true or false",
			    shown(s, b1, sizeof(b1)));
			return;
		}
		s = flag ? "true" : "false";
		break;
	case K_ENUM:
		if (!in_choices(s, sp->what)) {
			say(st, false, v->line, v->col, path, "'%s' is not one of %s",
			    shown(s, b1, sizeof(b1)), choices_text(sp->what, b2, sizeof(b2)));
			return;
		}
		break;
	case K_DURATION:
		if (!names_duration(s)) {
			say(st, false, v->line, v->col, path,
			    "'%s' names no time (e.g. '5 working days', '72 hours', 'every 30 days')",
			    shown(s, b1, sizeof(b1)));
			return;
		}
		break;
	default:
		break;
	}
	add_field(st, path, s, v);
}

static void validate_map(vstate *st, const fg_yaml_node *map, const char *prefix, const fg_yaml_node *anchor);
static void validate_requirements(vstate *st, const fg_yaml_node *map);

static const char *join(char *buf, size_t cap, const char *prefix, const char *key)
{
	snprintf(buf, cap, "%s%s%s", prefix ? prefix : "", prefix ? "." : "", key);
	return buf;
}

static void validate_value(vstate *st, const spec *sp, const char *path, const fg_yaml_node *key,
			   const fg_yaml_node *v)
{
	if (fg_yaml_is_null(v)) {
		if (sp->required)
			say(st, false, key->line, key->col, path, "has no value (required: %s)", sp->what);
		return;
	}
	if (sp->k == K_MAP || sp->k == K_REQUIREMENTS) {
		if (v->kind != FG_YAML_MAP) {
			say(st, false, v->line, v->col, path, "expected a map of fields, found a %s",
			    fg_yaml_kind_name(v));
			return;
		}
		if (sp->k == K_MAP)
			validate_map(st, v, path, key);
		else
			validate_requirements(st, v);
		return;
	}
	if (v->kind != FG_YAML_SCALAR) {
		say(st, false, v->line, v->col, path, "expected a single value, found a %s",
		    fg_yaml_kind_name(v));
		return;
	}
	check_scalar(st, sp, path, v);
}

/* Is SP a direct child of PREFIX (NULL: top level)? */
static bool child_of(const spec *sp, const char *prefix)
{
	const char *dot = strrchr(sp->path, '.');
	if (!prefix)
		return !dot;
	size_t pl = strlen(prefix);
	return dot && (size_t)(dot - sp->path) == pl && !strncmp(sp->path, prefix, pl);
}

/* Rules between fields of one section. */
static void section_rules(vstate *st, const char *prefix, const fg_yaml_node *map,
			  const fg_yaml_node *anchor)
{
	const fg_yaml_node *email = fg_yaml_get(map, "email"), *url = fg_yaml_get(map, "url");
	if (!strcmp(prefix, "vulnerability_disclosure.contact") &&
	    (!email || fg_yaml_is_null(email)) && (!url || fg_yaml_is_null(url)))
		say(st, false, anchor->line, anchor->col, prefix,
		    "needs an email or a url (or both) to report security issues to");
	if (!strcmp(prefix, "sbom")) {
		bool published = false;
		if (fg_yaml_bool(fg_yaml_get(map, "published"), &published) && published &&
		    (!url || fg_yaml_is_null(url)))
			say(st, false, anchor->line, anchor->col, "sbom.url",
			    "required field is missing (where the SBOM is published, when sbom.published is true)");
	}
}

static void validate_map(vstate *st, const fg_yaml_node *map, const char *prefix, const fg_yaml_node *anchor)
{
	char path[512];
	for (size_t i = 0; i < map->n; i++) {
		const fg_yaml_node *key = map->keys[i];
		join(path, sizeof(path), prefix, key->text);
		/* "support_period.end" as one key must not pass for the nested field */
		const spec *sp = strchr(key->text, '.') ? NULL : spec_of(path);
		if (!sp) {
			say(st, true, key->line, key->col, path, "unknown key (ignored)");
			continue;
		}
		validate_value(st, sp, path, key, map->values[i]);
	}
	for (size_t i = 0; i < NSPECS; i++) {
		const spec *sp = &specs[i];
		if (!sp->required || !child_of(sp, prefix))
			continue;
		const char *leaf = strrchr(sp->path, '.');
		if (!fg_yaml_get(map, leaf ? leaf + 1 : sp->path))
			say(st, false, anchor->line, anchor->col, sp->path,
			    "required field is missing (%s)", sp->what);
	}
	if (prefix)
		section_rules(st, prefix, map, anchor);
}

static bool status_of(const char *s, fg_decl_status *out)
{
	static const char *const names[] = { "met", "not-met", "not-applicable" };
	for (int i = 0; i < 3; i++) {
		if (!strcmp(s, names[i])) {
			*out = (fg_decl_status)i;
			return true;
		}
	}
	return false;
}

static const fg_requirement *resolve_requirement(vstate *st, const fg_yaml_node *key)
{
	const char *k = key->text;
	const char *slash = strchr(k, '/');
	char b[100], std[128];
	if (!slash || slash == k || !slash[1] || (size_t)(slash - k) >= sizeof(std)) {
		say(st, false, key->line, key->col, "requirements",
		    "'%s' is not STANDARD/ID (e.g. etsi-en-303-645/5.1-1)", shown(k, b, sizeof(b)));
		return NULL;
	}
	snprintf(std, sizeof(std), "%.*s", (int)(slash - k), k);
	if (!fg_standard_find(std)) {
		say(st, false, key->line, key->col, "requirements",
		    "'%s' names an unknown standard '%s' (see 'firmgate standards')",
		    shown(k, b, sizeof(b)), std);
		return NULL;
	}
	const fg_requirement *r = fg_requirement_find(std, slash + 1);
	if (!r)
		say(st, false, key->line, key->col, "requirements",
		    "'%s' is not in the catalog (see 'firmgate standards show %s')",
		    shown(k, b, sizeof(b)), std);
	return r;
}

static void validate_statement(vstate *st, const fg_requirement *r, const fg_yaml_node *key,
			       const fg_yaml_node *v)
{
	char base[400], path[512], b[100];
	snprintf(base, sizeof(base), "requirements.%s", key->text);
	if (v->kind != FG_YAML_MAP) {
		say(st, false, v->line, v->col, base,
		    "expected a map with status and justification, found a %s", fg_yaml_kind_name(v));
		return;
	}
	fg_decl_statement s = { .req = r, .line = key->line, .col = key->col };
	bool have_status = false;
	for (size_t i = 0; i < v->n; i++) {
		const fg_yaml_node *k = v->keys[i], *val = v->values[i];
		join(path, sizeof(path), base, k->text);
		bool is_status = !strcmp(k->text, "status");
		if (!is_status && strcmp(k->text, "justification") && strcmp(k->text, "evidence")) {
			say(st, true, k->line, k->col, path, "unknown key (ignored)");
			continue;
		}
		if (val->kind != FG_YAML_SCALAR || fg_yaml_is_null(val) || blank(val->text)) {
			say(st, false, val->line, val->col, path, "expected a text value");
			continue;
		}
		if (val->len > MAX_TEXT) {
			say(st, false, val->line, val->col, path, "longer than %d characters", MAX_TEXT);
			continue;
		}
		if (is_status) {
			have_status = status_of(val->text, &s.status);
			if (!have_status)
				say(st, false, val->line, val->col, path,
				    "'%s' is not one of met, not-met, not-applicable", shown(val->text, b, sizeof(b)));
		} else if (!strcmp(k->text, "justification")) {
			s.justification = fg_arena_strdup(st->arena, val->text);
		}
		add_field(st, path, val->text, val);
	}
	if (!fg_yaml_get(v, "status")) {
		say(st, false, key->line, key->col, base, "required field 'status' is missing "
		    "(met, not-met or not-applicable)");
		return;
	}
	if (!have_status || !r)
		return;
	if (s.status != FG_DECL_MET && !s.justification) {
		say(st, false, key->line, key->col, base,
		    "a justification is required when the status is %s", fg_decl_status_name(s.status));
		return;
	}
	if (!FG_VEC_PUSH(&st->statements, s))
		st->oom = true;
}

static void validate_requirements(vstate *st, const fg_yaml_node *map)
{
	for (size_t i = 0; i < map->n; i++) {
		const fg_requirement *r = resolve_requirement(st, map->keys[i]);
		validate_statement(st, r, map->keys[i], map->values[i]);
	}
}

/* ---- entry points ------------------------------------------------------------------- */

static void *arena_copy(fg_arena *a, const void *p, size_t n, size_t size)
{
	if (!n)
		return NULL;
	void *q = fg_arena_alloc(a, n * size);
	if (q)
		memcpy(q, p, n * size);
	return q;
}

static fg_declaration *finish(vstate *st)
{
	fg_declaration *d = fg_arena_alloc(st->arena, sizeof(*d));
	if (d && !st->oom) {
		d->file = fg_arena_strdup(st->arena, st->file);
		d->fields = arena_copy(st->arena, st->fields.v, st->fields.n, sizeof(fg_decl_field));
		d->nfields = d->fields ? st->fields.n : 0;
		d->statements = arena_copy(st->arena, st->statements.v, st->statements.n,
					   sizeof(fg_decl_statement));
		d->nstatements = d->statements ? st->statements.n : 0;
		d->messages = arena_copy(st->arena, st->messages.v, st->messages.n, sizeof(fg_decl_message));
		d->nmessages = d->messages ? st->messages.n : 0;
		d->errors = st->errors;
		d->warnings = st->warnings;
		d->support_ended = st->support_ended;
	}
	FG_VEC_FREE(&st->fields);
	FG_VEC_FREE(&st->statements);
	FG_VEC_FREE(&st->messages);
	return st->oom ? NULL : d;
}

static void validate_doc(vstate *st, const fg_yaml_doc *doc)
{
	const fg_yaml_node *root = fg_yaml_root(doc);
	if (!root || fg_yaml_is_null(root)) {
		say(st, false, 1, 1, NULL, "the declaration is empty (see docs/declaration.example.yaml)");
		return;
	}
	if (root->kind != FG_YAML_MAP) {
		say(st, false, root->line, root->col, NULL,
		    "the declaration must be a map of sections (manufacturer, product, ...), found a %s",
		    fg_yaml_kind_name(root));
		return;
	}
	validate_map(st, root, NULL, root);
}

static void yaml_limits(fg_yaml_limits *lim)
{
	fg_yaml_limits_default(lim);
	lim->max_bytes = 256 * 1024;
	lim->max_depth = 8;
	lim->max_nodes = 20000;
}

/* Length of "NAME:LINE:COL" (or "NAME") at the start of a YAML reader error. */
static size_t where_length(const char *name, const char *err)
{
	size_t n = strlen(name);
	if (strncmp(err, name, n) != 0)
		return 0;
	for (int colons = 0; colons < 2 && err[n] == ':' && isdigit((unsigned char)err[n + 1]); colons++) {
		n++;
		while (isdigit((unsigned char)err[n]))
			n++;
	}
	return err[n] == ':' ? n : strlen(err);
}

static fg_declaration *from_doc(const char *name, fg_yaml_doc *doc, const char *err,
				fg_arena *arena, time_t now)
{
	vstate st = { .arena = arena, .file = name, .now = now };
	if (!doc) {
		/* the YAML reader's message already names file, line and column */
		st.errors = 1;
		fg_decl_message m = { .text = fg_arena_strdup(arena, err) };
		m.where = m.text ? fg_arena_strndup(arena, err, where_length(name, err)) : NULL;
		m.what = m.text ? m.text + strlen(m.where) + (m.text[strlen(m.where)] ? 2 : 0) : NULL;
		if (!m.text || !m.where || !FG_VEC_PUSH(&st.messages, m))
			st.oom = true;
	} else {
		validate_doc(&st, doc);
		fg_yaml_free(doc);
	}
	return finish(&st);
}

fg_declaration *fg_declaration_parse(const char *name, const void *buf, size_t len,
				     fg_arena *arena, time_t now)
{
	fg_yaml_limits lim;
	yaml_limits(&lim);
	char err[600];
	fg_yaml_doc *doc = fg_yaml_parse(name, buf, len, &lim, err, sizeof(err));
	return from_doc(name, doc, err, arena, now);
}

fg_declaration *fg_declaration_load(const char *path, fg_arena *arena, time_t now)
{
	fg_yaml_limits lim;
	yaml_limits(&lim);
	char err[600];
	fg_yaml_doc *doc = fg_yaml_load(path, &lim, err, sizeof(err));
	return from_doc(path, doc, err, arena, now);
}

/* ---- reading ---------------------------------------------------------------------- */

const fg_decl_field *fg_decl_field_get(const fg_declaration *d, const char *path)
{
	for (size_t i = 0; d && i < d->nfields; i++)
		if (!strcmp(d->fields[i].path, path))
			return &d->fields[i];
	return NULL;
}

bool fg_decl_has(const fg_declaration *d, const char *path)
{
	size_t pl = strlen(path);
	for (size_t i = 0; d && i < d->nfields; i++) {
		const char *f = d->fields[i].path;
		if (!strncmp(f, path, pl) && (f[pl] == '\0' || f[pl] == '.'))
			return true;
	}
	return false;
}

const fg_decl_statement *fg_decl_statement_of(const fg_declaration *d, const fg_requirement *r)
{
	for (size_t i = 0; d && i < d->nstatements; i++)
		if (d->statements[i].req == r)
			return &d->statements[i];
	return NULL;
}

const char *fg_decl_status_name(fg_decl_status s)
{
	switch (s) {
	case FG_DECL_MET: return "met";
	case FG_DECL_NOT_MET: return "not-met";
	case FG_DECL_NOT_APPLICABLE: return "not-applicable";
	}
	return "?";
}

/* ---- the public entry point ------------------------------------------------------- */

size_t fg_declaration_validate(const char *path, FILE *msgs)
{
	fg_arena arena;
	fg_arena_init(&arena);
	const fg_declaration *d = fg_declaration_load(path, &arena, fg_scan_now());
	size_t errors = d ? d->errors : 1;
	if (!d && msgs)
		fprintf(msgs, "%s: out of memory\n", path);
	for (size_t i = 0; d && msgs && i < d->nmessages; i++)
		fprintf(msgs, "%s\n", d->messages[i].text);
	if (d && msgs && d->nmessages < d->errors + d->warnings)
		fprintf(msgs, "%s: %zu more problem(s) not shown\n", path,
			d->errors + d->warnings - d->nmessages);
	fg_arena_free(&arena);
	return errors;
}
