/*
 * yaml.c - one YAML document into a tree of nodes (see yaml.h).
 *
 * libyaml's event parser does the lexing; this file builds the tree with
 * an explicit stack (no recursion, so depth costs no C stack) and
 * enforces the limits as events arrive, before any big structure exists.
 */
#include "core/yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "core/arena.h"
#include "core/vec.h"

struct fg_yaml_doc {
	fg_arena arena;
	const char *name;
	const fg_yaml_node *root;
};

void fg_yaml_limits_default(fg_yaml_limits *lim)
{
	lim->max_bytes = 1u << 20;
	lim->max_depth = 32;
	lim->max_nodes = 100000;
}

/* ---- building -------------------------------------------------------------- */

typedef FG_VEC(const fg_yaml_node *) node_vec;

typedef struct frame {
	fg_yaml_node *node;         /* the map or sequence being filled */
	node_vec keys, values;
	const fg_yaml_node *key;    /* a map's key waiting for its value */
} frame;

typedef struct builder {
	fg_yaml_doc *doc;
	const fg_yaml_limits *lim;
	const char *buf;
	size_t len;
	FG_VEC(frame) stack;
	size_t nodes;
	unsigned documents;
	char *err;
	size_t errlen;
	bool failed;
} builder;

static void fail_at(builder *b, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void fail_at(builder *b, unsigned line, unsigned col, const char *fmt, ...)
{
	if (b->failed)
		return;
	b->failed = true;
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(b->err, b->errlen, "%s:%u:%u: %s", b->doc->name, line, col, msg);
}

static fg_yaml_node *new_node(builder *b, fg_yaml_kind kind, const yaml_mark_t *m)
{
	if (++b->nodes > b->lim->max_nodes) {
		fail_at(b, (unsigned)m->line + 1, (unsigned)m->column + 1,
			"more than %zu nodes", b->lim->max_nodes);
		return NULL;
	}
	fg_yaml_node *n = fg_arena_alloc(&b->doc->arena, sizeof(*n));
	if (!n) {
		fail_at(b, (unsigned)m->line + 1, (unsigned)m->column + 1, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->line = (unsigned)m->line + 1;
	n->col = (unsigned)m->column + 1;
	return n;
}

static const fg_yaml_node *const *copy_nodes(builder *b, const node_vec *v)
{
	if (!v->n)
		return NULL;
	const fg_yaml_node **a = fg_arena_alloc(&b->doc->arena, v->n * sizeof(*a));
	if (a)
		memcpy(a, v->v, v->n * sizeof(*a));
	return a;
}

typedef struct keyref {
	const fg_yaml_node *key;
	size_t index;
} keyref;

static int keyref_cmp(const void *pa, const void *pb)
{
	const keyref *a = pa, *b = pb;
	if (a->key->len != b->key->len)
		return a->key->len < b->key->len ? -1 : 1;
	int c = memcmp(a->key->text, b->key->text, a->key->len);
	if (c)
		return c;
	return a->index < b->index ? -1 : a->index > b->index;
}

static bool same_text(const fg_yaml_node *a, const fg_yaml_node *b)
{
	return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

/* Duplicate keys: sorted once per map (n log n, not n^2 on a huge map).
 * Equal keys sort into a run ordered by position; of all runs, the one
 * whose second key comes first in the document is reported. */
static void check_duplicates(builder *b, const frame *f)
{
	size_t n = f->keys.n;
	if (n < 2)
		return;
	keyref *r = malloc(n * sizeof(*r));
	if (!r) {
		fail_at(b, f->node->line, f->node->col, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++)
		r[i] = (keyref){ f->keys.v[i], i };
	qsort(r, n, sizeof(*r), keyref_cmp);
	const keyref *dup = NULL, *first = NULL;
	for (size_t i = 1; i < n; i++) {
		if (!same_text(r[i].key, r[i - 1].key) || (i >= 2 && same_text(r[i].key, r[i - 2].key)))
			continue;
		if (!dup || r[i].index < dup->index) {
			dup = &r[i];
			first = &r[i - 1];
		}
	}
	if (dup)
		fail_at(b, dup->key->line, dup->key->col, "duplicate key '%.100s' (first at line %u)",
			dup->key->text, first->key->line);
	free(r);
}

/* Hands a finished node to its parent (or makes it the root). */
static void attach(builder *b, const fg_yaml_node *n)
{
	if (!b->stack.n) {
		b->doc->root = n;
		return;
	}
	frame *f = &b->stack.v[b->stack.n - 1];
	bool ok;
	if (f->node->kind == FG_YAML_SEQ) {
		ok = FG_VEC_PUSH(&f->values, n);
	} else if (!f->key) {
		if (n->kind != FG_YAML_SCALAR) {
			fail_at(b, n->line, n->col, "a mapping key must be a scalar, not a %s",
				fg_yaml_kind_name(n));
			return;
		}
		f->key = n;
		ok = true;
	} else {
		ok = FG_VEC_PUSH(&f->keys, f->key) && FG_VEC_PUSH(&f->values, n);
		f->key = NULL;
	}
	if (!ok)
		fail_at(b, n->line, n->col, "out of memory");
}

static void open_collection(builder *b, fg_yaml_kind kind, const yaml_mark_t *m)
{
	if (b->stack.n >= b->lim->max_depth) {
		fail_at(b, (unsigned)m->line + 1, (unsigned)m->column + 1,
			"nested deeper than %u levels", b->lim->max_depth);
		return;
	}
	fg_yaml_node *n = new_node(b, kind, m);
	if (!n)
		return;
	frame f = { .node = n };
	if (!FG_VEC_PUSH(&b->stack, f))
		fail_at(b, n->line, n->col, "out of memory");
}

static void free_frame(frame *f)
{
	FG_VEC_FREE(&f->keys);
	FG_VEC_FREE(&f->values);
}

static void close_collection(builder *b)
{
	if (!b->stack.n)
		return;
	frame f = b->stack.v[--b->stack.n];
	fg_yaml_node *n = f.node;
	if (n->kind == FG_YAML_MAP)
		check_duplicates(b, &f);
	n->n = f.values.n;
	n->values = copy_nodes(b, &f.values);
	n->keys = n->kind == FG_YAML_MAP ? copy_nodes(b, &f.keys) : NULL;
	if (n->n && (!n->values || (n->kind == FG_YAML_MAP && !n->keys)))
		fail_at(b, n->line, n->col, "out of memory");
	free_frame(&f);
	if (!b->failed)
		attach(b, n);
}

static void scalar(builder *b, const yaml_event_t *ev)
{
	const yaml_mark_t *m = &ev->start_mark;
	size_t len = ev->data.scalar.length;
	const char *v = (const char *)ev->data.scalar.value;
	if (memchr(v, 0, len)) {
		fail_at(b, (unsigned)m->line + 1, (unsigned)m->column + 1,
			"a scalar may not contain a NUL character");
		return;
	}
	fg_yaml_node *n = new_node(b, FG_YAML_SCALAR, m);
	if (!n)
		return;
	n->text = fg_arena_strndup(&b->doc->arena, v, len);
	n->len = len;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (!n->text) {
		fail_at(b, n->line, n->col, "out of memory");
		return;
	}
	attach(b, n);
}

static void on_event(builder *b, const yaml_event_t *ev)
{
	const yaml_mark_t *m = &ev->start_mark;
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (b->documents++)
			fail_at(b, (unsigned)m->line + 1, (unsigned)m->column + 1,
				"more than one document in the file");
		break;
	case YAML_ALIAS_EVENT:
		fail_at(b, (unsigned)m->line + 1, (unsigned)m->column + 1,
			"aliases (*%.60s) are not supported", (const char *)ev->data.alias.anchor);
		break;
	case YAML_SCALAR_EVENT:
		scalar(b, ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
		open_collection(b, FG_YAML_SEQ, m);
		break;
	case YAML_MAPPING_START_EVENT:
		open_collection(b, FG_YAML_MAP, m);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		close_collection(b);
		break;
	default:
		break;
	}
}

/* libyaml reports reader errors (bad UTF-8, control characters) by byte
 * offset; turn it into a line and column like every other error. */
static void offset_position(const char *buf, size_t len, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			++*line;
			*col = 1;
		} else {
			++*col;
		}
	}
}

static void libyaml_error(builder *b, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "invalid YAML";
	if (p->error == YAML_READER_ERROR) {
		unsigned line, col;
		offset_position(b->buf, b->len, p->problem_offset, &line, &col);
		fail_at(b, line, col, "%s", problem);
		return;
	}
	if (p->error == YAML_MEMORY_ERROR) {
		fail_at(b, 1, 1, "out of memory");
		return;
	}
	unsigned line = (unsigned)p->problem_mark.line + 1, col = (unsigned)p->problem_mark.column + 1;
	if (p->context)
		fail_at(b, line, col, "%s (%s at line %u)", problem, p->context,
			(unsigned)p->context_mark.line + 1);
	else
		fail_at(b, line, col, "%s", problem);
}

fg_yaml_doc *fg_yaml_parse(const char *name, const void *buf, size_t len,
			   const fg_yaml_limits *lim, char *err, size_t errlen)
{
	fg_yaml_limits dl;
	if (!lim) {
		fg_yaml_limits_default(&dl);
		lim = &dl;
	}
	fg_yaml_doc *doc = calloc(1, sizeof(*doc));
	if (!doc) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	fg_arena_init(&doc->arena);
	doc->name = fg_arena_strdup(&doc->arena, name ? name : "<input>");
	if (!doc->name) {
		snprintf(err, errlen, "%s: out of memory", name);
		fg_yaml_free(doc);
		return NULL;
	}
	builder b = { .doc = doc, .lim = lim, .buf = buf, .len = len, .err = err, .errlen = errlen };
	if (len > lim->max_bytes) {
		fail_at(&b, 1, 1, "larger than %zu bytes", lim->max_bytes);
		fg_yaml_free(doc);
		return NULL;
	}
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		fail_at(&b, 1, 1, "out of memory");
		fg_yaml_free(doc);
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	for (bool done = false; !done && !b.failed;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			libyaml_error(&b, &p);
			break;
		}
		on_event(&b, &ev);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	for (size_t i = 0; i < b.stack.n; i++)
		free_frame(&b.stack.v[i]);
	FG_VEC_FREE(&b.stack);
	if (b.failed) {
		fg_yaml_free(doc);
		return NULL;
	}
	return doc;
}

fg_yaml_doc *fg_yaml_load(const char *path, const fg_yaml_limits *lim, char *err, size_t errlen)
{
	fg_yaml_limits dl;
	if (!lim) {
		fg_yaml_limits_default(&dl);
		lim = &dl;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if ((unsigned long long)st.st_size > lim->max_bytes) {
		snprintf(err, errlen, "%s:1:1: larger than %zu bytes", path, lim->max_bytes);
		close(fd);
		return NULL;
	}
	size_t cap = (size_t)st.st_size + 1, len = 0;
	char *buf = malloc(cap);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return NULL;
	}
	/* the file may grow while we read: never past CAP - 1 */
	for (ssize_t r; len < cap - 1; len += (size_t)r) {
		r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r < 0) {
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
	}
	close(fd);
	fg_yaml_doc *doc = fg_yaml_parse(path, buf, len, lim, err, errlen);
	free(buf);
	return doc;
}

void fg_yaml_free(fg_yaml_doc *doc)
{
	if (!doc)
		return;
	fg_arena_free(&doc->arena);
	free(doc);
}

/* ---- reading ----------------------------------------------------------------- */

const fg_yaml_node *fg_yaml_root(const fg_yaml_doc *doc)
{
	return doc ? doc->root : NULL;
}

const char *fg_yaml_name(const fg_yaml_doc *doc)
{
	return doc ? doc->name : "";
}

const fg_yaml_node *fg_yaml_get(const fg_yaml_node *map, const char *key)
{
	if (!map || map->kind != FG_YAML_MAP || !key)
		return NULL;
	size_t kl = strlen(key);
	for (size_t i = 0; i < map->n; i++)
		if (map->keys[i]->len == kl && memcmp(map->keys[i]->text, key, kl) == 0)
			return map->values[i];
	return NULL;
}

size_t fg_yaml_count(const fg_yaml_node *node)
{
	return node && node->kind != FG_YAML_SCALAR ? node->n : 0;
}

const fg_yaml_node *fg_yaml_at(const fg_yaml_node *node, size_t i)
{
	return i < fg_yaml_count(node) ? node->values[i] : NULL;
}

const fg_yaml_node *fg_yaml_key_at(const fg_yaml_node *map, size_t i)
{
	return map && map->kind == FG_YAML_MAP && i < map->n ? map->keys[i] : NULL;
}

const char *fg_yaml_str(const fg_yaml_node *node)
{
	return node && node->kind == FG_YAML_SCALAR ? node->text : NULL;
}

bool fg_yaml_is_null(const fg_yaml_node *node)
{
	if (!node || node->kind != FG_YAML_SCALAR || !node->plain)
		return false;
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (strcmp(node->text, nulls[i]) == 0)
			return true;
	return false;
}

bool fg_yaml_bool(const fg_yaml_node *node, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF" };
	const char *s = fg_yaml_str(node);
	if (!s)
		return false;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

const char *fg_yaml_kind_name(const fg_yaml_node *node)
{
	if (!node)
		return "nothing";
	switch (node->kind) {
	case FG_YAML_SCALAR: return "scalar";
	case FG_YAML_MAP: return "map";
	case FG_YAML_SEQ: return "sequence";
	}
	return "?";
}
