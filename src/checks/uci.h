/*
 * uci.h - OpenWrt UCI configuration files (/etc/config/<name>):
 *
 *     config TYPE ['NAME']
 *         option KEY 'VALUE'
 *         list KEY 'VALUE'
 *
 * Bounded: at most FG_UCI_MAX_SECTIONS sections and FG_UCI_MAX_OPTIONS
 * options per section; lines over 4 KiB are skipped; comments (#) are
 * ignored, and so is a trailing " # comment" of an unquoted value.
 */
#ifndef FG_UCI_H
#define FG_UCI_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/tree.h"
#include "core/vec.h"

#define FG_UCI_MAX_SECTIONS 4096
#define FG_UCI_MAX_OPTIONS 1024

typedef struct fg_uci_opt {
	const char *name, *value;
	unsigned line;
	bool list;
} fg_uci_opt;

typedef struct fg_uci_section {
	const char *type, *name;      /* name "" for anonymous sections */
	unsigned line;
	FG_VEC(fg_uci_opt) opts;
} fg_uci_section;

typedef struct fg_uci {
	fg_arena arena;
	FG_VEC(fg_uci_section) v;
} fg_uci;

fg_uci *fg_uci_parse(const char *text, size_t len);
/* The text file N (NULL when absent or binary) parsed. */
fg_uci *fg_uci_of_node(const fg_node *n);
void fg_uci_free(fg_uci *u);

/* The last option NAME of S (UCI: the last one wins), or NULL. */
const fg_uci_opt *fg_uci_get(const fg_uci_section *s, const char *name);

/* UCI booleans: 1, yes, on, true, enabled / 0, no, off, false, disabled. */
bool fg_uci_true(const fg_uci_opt *o);
bool fg_uci_false(const fg_uci_opt *o);

#endif
