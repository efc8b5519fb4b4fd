/*
 * declaration.h - the manufacturer's product declaration.
 *
 * What only the manufacturer can state (who they are, the product, the
 * vulnerability disclosure policy, the support period, how updates are
 * delivered, per-requirement statements) comes in a YAML file
 * (docs/declaration.example.yaml, schema docs/declaration.schema.json).
 * It is read with core/yaml.h, validated field by field, and kept as a
 * flat list of dotted paths ("support_period.end") with values and
 * positions, which the evaluator matches against declaration-map.tsv.
 *
 * Every problem is one message "FILE:LINE:COL: FIELD: what is wrong";
 * warnings read "FILE:LINE:COL: warning: FIELD: ...". Errors make the
 * declaration unusable (the scan refuses it); warnings (an unknown key, a
 * support period that has ended) do not.
 */
#ifndef FG_DECLARATION_H
#define FG_DECLARATION_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "compliance/catalog.h"
#include "core/arena.h"

#define FG_DECL_SCHEMA "firmgate-declaration/1"

typedef struct fg_decl_field {
	const char *path;        /* "vulnerability_disclosure.contact.email" */
	const char *value;       /* as written; booleans as "true" / "false" */
	unsigned line, col;
} fg_decl_field;

typedef enum fg_decl_status {
	FG_DECL_MET,
	FG_DECL_NOT_MET,
	FG_DECL_NOT_APPLICABLE,
} fg_decl_status;

/* One entry of `requirements:`. */
typedef struct fg_decl_statement {
	const fg_requirement *req;
	fg_decl_status status;
	const char *justification;   /* required unless met; NULL when absent */
	unsigned line, col;
} fg_decl_statement;

/* One problem found by the validator. */
typedef struct fg_decl_message {
	const char *text;            /* "FILE:LINE:COL: [warning: ]FIELD: what is wrong" */
	const char *where;           /* "FILE:LINE:COL" */
	const char *what;            /* "FIELD: what is wrong" */
	bool warning;
} fg_decl_message;

typedef struct fg_declaration {
	const char *file;            /* as given */
	const fg_decl_field *fields; /* scalars in document order */
	size_t nfields;
	const fg_decl_statement *statements;
	size_t nstatements;
	const fg_decl_message *messages; /* errors and warnings in document order (at most 100) */
	size_t nmessages;
	size_t errors, warnings;
	bool support_ended;          /* support_period.end is before NOW */
} fg_declaration;

/* Reads and validates the declaration PATH. Strings and arrays live in
 * ARENA. NOW (seconds since the epoch) decides whether the support period
 * has ended. Returns NULL only when out of memory; an unreadable file is
 * a declaration with one error. */
fg_declaration *fg_declaration_load(const char *path, fg_arena *arena, time_t now);

/* The same from LEN bytes at BUF; NAME is used in messages. */
fg_declaration *fg_declaration_parse(const char *name, const void *buf, size_t len,
				     fg_arena *arena, time_t now);

/* The field at PATH, or NULL. */
const fg_decl_field *fg_decl_field_get(const fg_declaration *d, const char *path);

/* True when PATH is a field or a section with a field below it. */
bool fg_decl_has(const fg_declaration *d, const char *path);

/* The statement on requirement R, or NULL. */
const fg_decl_statement *fg_decl_statement_of(const fg_declaration *d, const fg_requirement *r);

const char *fg_decl_status_name(fg_decl_status s);

/* Checks used by the validator, exposed for the security.txt check and
 * the tests: an addr-spec e-mail address (no display name, no comments,
 * no quoted local part); an https:// URL with a host; a calendar date
 * YYYY-MM-DD (sets *T to its midnight UTC when T is not NULL). */
bool fg_decl_valid_email(const char *s);
bool fg_decl_valid_https(const char *s);
bool fg_decl_valid_date(const char *s, time_t *t);

#endif
