/*
 * yaml.h - a small YAML document reader on libyaml.
 *
 * Reads one YAML document (a user's file: a product declaration, a
 * suppressions list) into a tree of maps, sequences and scalars, every
 * node with its line and column, so whoever validates the content can
 * name the place of a problem:
 *
 *     char err[512];
 *     fg_yaml_doc *doc = fg_yaml_load("product.yaml", NULL, err, sizeof(err));
 *     if (!doc) { fprintf(stderr, "%s\n", err); return -1; }
 *     const fg_yaml_node *end = fg_yaml_get(fg_yaml_root(doc), "support_period");
 *     end = fg_yaml_get(end, "end");            (NULL-safe: NULL in, NULL out)
 *     if (end && fg_yaml_str(end))
 *         printf("%s:%u:%u: %s\n", fg_yaml_name(doc), end->line, end->col, fg_yaml_str(end));
 *     fg_yaml_free(doc);
 *
 * Input is treated as hostile: size, nesting depth and node count are
 * bounded (fg_yaml_limits), aliases are refused (they are how "billion
 * laughs" documents grow), mapping keys must be scalars and unique, a
 * scalar may not hold a NUL byte, and a stream holds at most one
 * document. Every error is one line "NAME:LINE:COL: message".
 *
 * Scalars keep their text as written; nothing is converted. Callers
 * interpret them with fg_yaml_bool() / fg_yaml_is_null() or their own
 * rules. Tags are ignored.
 *
 * Memory: a document owns all its nodes and strings; fg_yaml_free()
 * releases them. A document is read-only after parsing and may be read
 * from several threads.
 */
#ifndef FG_YAML_H
#define FG_YAML_H

#include <stdbool.h>
#include <stddef.h>

typedef enum fg_yaml_kind {
	FG_YAML_SCALAR,
	FG_YAML_MAP,
	FG_YAML_SEQ,
} fg_yaml_kind;

typedef struct fg_yaml_node fg_yaml_node;

struct fg_yaml_node {
	fg_yaml_kind kind;
	unsigned line, col;        /* 1-based position of the node's first character */
	/* FG_YAML_SCALAR */
	const char *text;          /* NUL-terminated, no NUL inside */
	size_t len;
	bool plain;                /* unquoted, not a block scalar: `yes` may mean true */
	/* FG_YAML_MAP: n pairs keys[i] -> values[i], in document order;
	 * FG_YAML_SEQ: n items values[i] (keys is NULL) */
	size_t n;
	const fg_yaml_node *const *keys;
	const fg_yaml_node *const *values;
};

typedef struct fg_yaml_limits {
	size_t max_bytes;          /* input size */
	unsigned max_depth;        /* nesting of maps and sequences */
	size_t max_nodes;          /* all nodes, keys included */
} fg_yaml_limits;

/* 1 MiB, depth 32, 100000 nodes: ample for hand-written files. */
void fg_yaml_limits_default(fg_yaml_limits *lim);

typedef struct fg_yaml_doc fg_yaml_doc;

/* Parses LEN bytes at BUF; NAME is the file name used in messages. LIM
 * NULL takes the defaults. Returns NULL and writes one line
 * "NAME:LINE:COL: message" to ERR on any error. An empty stream (only
 * comments or blanks) is a document whose root is NULL. */
fg_yaml_doc *fg_yaml_parse(const char *name, const void *buf, size_t len,
			   const fg_yaml_limits *lim, char *err, size_t errlen);

/* Reads the file PATH (at most LIM->max_bytes) and parses it. */
fg_yaml_doc *fg_yaml_load(const char *path, const fg_yaml_limits *lim, char *err, size_t errlen);

void fg_yaml_free(fg_yaml_doc *doc);

/* The top-level node, or NULL for an empty document. */
const fg_yaml_node *fg_yaml_root(const fg_yaml_doc *doc);

/* The NAME given to fg_yaml_parse / the path given to fg_yaml_load. */
const char *fg_yaml_name(const fg_yaml_doc *doc);

/* The value of KEY in MAP; NULL when MAP is NULL, not a map, or has no
 * such key. */
const fg_yaml_node *fg_yaml_get(const fg_yaml_node *map, const char *key);

/* Number of pairs of a map or items of a sequence; 0 for anything else. */
size_t fg_yaml_count(const fg_yaml_node *node);

/* The I-th item of a sequence or value of a map; NULL past the end. */
const fg_yaml_node *fg_yaml_at(const fg_yaml_node *node, size_t i);

/* The I-th key of a map (a scalar); NULL past the end or for a sequence. */
const fg_yaml_node *fg_yaml_key_at(const fg_yaml_node *map, size_t i);

/* The text of a scalar; NULL for a map, a sequence or NULL. */
const char *fg_yaml_str(const fg_yaml_node *node);

/* A plain scalar that is empty, "~" or null/Null/NULL. */
bool fg_yaml_is_null(const fg_yaml_node *node);

/* Reads a boolean: true/false, yes/no, on/off in lower, Title or UPPER
 * case (YAML 1.1, which people write by hand), quoted or not. Returns
 * false when NODE is not such a scalar. */
bool fg_yaml_bool(const fg_yaml_node *node, bool *out);

/* "scalar", "map", "sequence"; "nothing" for NULL. */
const char *fg_yaml_kind_name(const fg_yaml_node *node);

#endif
