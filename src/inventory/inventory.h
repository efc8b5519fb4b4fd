/*
 * inventory.h - components found in the image.
 *
 * A component is one upstream project at one version in one file tree
 * (or in one blob outside any file tree, such as a kernel image). It
 * carries every piece of evidence that named it, the files it owns and
 * free-form properties. Sources, strongest first: package databases
 * (opkg, dpkg, apk), distribution identity files, binary signatures
 * (data/signatures/components.txt), file names, kernel headers.
 */
#ifndef FG_INVENTORY_H
#define FG_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/tree.h"
#include "core/vec.h"

struct fg_result;

typedef enum fg_confidence {
	FG_CONF_LOW = 0,      /* inferred (a soname mapped to a release, a bare name) */
	FG_CONF_MEDIUM,       /* a file name, a kernel header, a release file */
	FG_CONF_HIGH,         /* a package database, a version string in the binary */
} fg_confidence;

const char *fg_confidence_name(fg_confidence c);

/* One reason to believe the component is there. */
typedef struct fg_comp_evidence {
	const char *method;   /* "package-db", "signature", "filename", "kernel-header", "image-header", "os-release" */
	const char *where;    /* path of the file in its file tree */
	const char *text;     /* what was read: the matched string, the db record */
	int64_t offset;       /* of the match in the file, -1 when not applicable */
	fg_confidence confidence;
} fg_comp_evidence;

typedef struct fg_comp_file {
	const char *path;     /* absolute path in the file tree */
	const char *sha256;   /* hex digest of the content, NULL when not available */
	const fg_node *node;  /* the content, for renderers needing other digests */
} fg_comp_file;

typedef struct fg_comp_prop {
	const char *name;     /* e.g. "package:version", "busybox:applets" */
	const char *value;
} fg_comp_prop;

typedef struct fg_component {
	const char *name;       /* upstream project, e.g. "busybox", or the package name */
	const char *version;    /* upstream version, or "" when unknown */
	const char *type;       /* "operating-system", "application", "library", "firmware" */
	const char *cpe;        /* CPE 2.3 or NULL */
	const char *purl;       /* package URL or NULL */
	const char *path;       /* file the first evidence came from */
	const char *container;  /* provenance chain of that file tree */
	const char *method;     /* method of the strongest evidence */
	const char *evidence;   /* text of the strongest evidence */
	const char *supplier;   /* vendor or packager, NULL when unknown */
	fg_confidence confidence; /* of the strongest evidence */

	const fg_comp_evidence *evidences; /* all of them, strongest first */
	size_t nevidences;
	const fg_comp_file *files;         /* sorted by path */
	size_t nfiles;
	const fg_comp_prop *props;         /* sorted by name */
	size_t nprops;
} fg_component;

typedef FG_VEC(fg_component) fg_component_vec;

/* Adds components found in the file tree ROOT with the built-in
 * signatures, then sorts OUT by name, version, container. Strings go to
 * ARENA. */
void fg_inventory_tree(fg_tree *tree, fg_node *root, fg_arena *arena, fg_component_vec *out);

/* The inventory stage: every file tree of RES, every blob outside them
 * (kernel images, bootloaders), with the built-in signatures plus
 * RES->opts.signatures_file. Sorted. Problems go to the diagnostics. */
void fg_inventory_run(struct fg_result *res);

/* Sorts components by name, version, container (then path). */
void fg_inventory_sort(fg_component_vec *v);

/* Value of property NAME of C, or NULL. */
const char *fg_component_prop(const fg_component *c, const char *name);

#endif
