/*
 * inventory.h - components found in the image.
 */
#ifndef FG_INVENTORY_H
#define FG_INVENTORY_H

#include <stddef.h>

#include "core/arena.h"
#include "core/tree.h"
#include "core/vec.h"

typedef struct fg_component {
	const char *name;       /* upstream project, e.g. "busybox" */
	const char *version;    /* upstream version, or "" when unknown */
	const char *type;       /* "operating-system", "application", "library", "firmware" */
	const char *cpe;        /* CPE 2.3 or NULL */
	const char *purl;       /* package URL or NULL */
	const char *path;       /* file the evidence came from */
	const char *container;  /* provenance chain of that file tree */
	const char *method;     /* "os-release", "package-db", "signature" */
	const char *evidence;   /* the matched text */
} fg_component;

typedef FG_VEC(fg_component) fg_component_vec;

/* Adds components found in the file tree ROOT. Strings go to ARENA. */
void fg_inventory_tree(fg_tree *tree, fg_node *root, fg_arena *arena, fg_component_vec *out);

#endif
