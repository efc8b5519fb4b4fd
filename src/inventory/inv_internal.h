/*
 * inv_internal.h - what the inventory's sources share: the run context,
 * components under construction, and the readers each source offers.
 */
#ifndef FG_INV_INTERNAL_H
#define FG_INV_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "inventory/inventory.h"
#include "inventory/sigdb.h"

/* Caps: every input is hostile, so nothing grows without bound. */
#define FG_INV_MAX_COMPONENTS 20000
#define FG_INV_MAX_EVIDENCE 32      /* per component */
#define FG_INV_MAX_FILES 20000      /* per component */
#define FG_INV_MAX_OWNED 2000000    /* package-owned files per tree */

/* A component while the stage runs; frozen into fg_component at the end. */
typedef struct inv_comp {
	const char *name, *version, *type;
	const char *cpe, *purl, *supplier;
	const char *container;
	const char *sig;      /* signature name that found it, or NULL */
	FG_VEC(fg_comp_evidence) ev;
	size_t ev_dropped;
	FG_VEC(fg_comp_file) files;
	FG_VEC(fg_comp_prop) props;
} inv_comp;

typedef struct fg_inv {
	fg_tree *tree;
	fg_arena *arena;
	fg_diag_list *diags;      /* may be NULL (unit tests) */
	const fg_sigdb *db;
	FG_VEC(inv_comp) comps;

	/* scope: the file tree being inventoried */
	fg_node *root;            /* NULL while scanning blobs outside any tree */
	const char *container;    /* its provenance chain */
	const char *distro;       /* os-release ID, for package URLs; NULL when unknown */
	FG_VEC(const fg_node *) owned;  /* files a package database claims */
	bool owned_sorted;
	struct fg_sig_scanner *scanner; /* made on first use, freed with the run */
} fg_inv;

/* ---- building components (inventory.c) ---- */

/* The component NAME/VERSION in the current container, created when
 * missing. NULL only when out of memory or past the cap. */
inv_comp *fg_inv_comp(fg_inv *inv, const char *name, const char *version, const char *type);
/* Fills identifiers that are still unset. */
void fg_inv_ids(fg_inv *inv, inv_comp *c, const char *cpe, const char *purl, const char *supplier);
void fg_inv_evidence(fg_inv *inv, inv_comp *c, const char *method, const char *where,
		     const char *text, int64_t offset, fg_confidence conf);
/* Links file NODE at PATH to C (content hashed once here). */
void fg_inv_file(fg_inv *inv, inv_comp *c, const char *path, const fg_node *node);
/* Sets property NAME (replacing an earlier value). */
void fg_inv_prop(fg_inv *inv, inv_comp *c, const char *name, const char *value);
void fg_inv_warn(fg_inv *inv, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Package-owned files are not fingerprinted again. */
void fg_inv_own(fg_inv *inv, const fg_node *n);
bool fg_inv_is_owned(fg_inv *inv, const fg_node *n);

/* ---- identifiers (ids.c) ---- */

/* "cpe:2.3:PART:VENDOR:PRODUCT:VERSION:*:*:*:*:*:*:*" with VERSION
 * escaped; VP is "vendor:product" or "part:vendor:product". NULL when
 * VERSION is empty (a CPE without a version matches every release). */
const char *fg_cpe_make(fg_arena *a, const char *vp, const char *version);
/* "pkg:TYPE/[NAMESPACE/]NAME@VERSION[?QUALIFIERS]", percent-encoded. */
const char *fg_purl_make(fg_arena *a, const char *type, const char *ns, const char *name,
			 const char *version, const char *qualifiers);
/* Upstream version from a package version: strips the epoch, the
 * Debian revision or OpenWrt/Alpine release (-1, -r3), and repackaging
 * suffixes (+dfsg, +b1, ~deb12u1, .dfsg). */
void fg_upstream_version(const char *pkgver, char *out, size_t cap);
/* Keeps only characters a version may hold; false when nothing is left. */
bool fg_version_clean(const char *in, size_t len, char *out, size_t cap);

/* ---- sources ---- */

void fg_inv_distro(fg_inv *inv);        /* distro.c */
void fg_inv_pkgdb_opkg(fg_inv *inv);    /* pkgdb_opkg.c */
void fg_inv_pkgdb_dpkg(fg_inv *inv);    /* pkgdb_dpkg.c */
void fg_inv_pkgdb_apk(fg_inv *inv);     /* pkgdb_apk.c */
/* Signatures over every unowned regular file of the current tree. */
void fg_inv_scan_tree(fg_inv *inv);     /* sigscan.c */
/* Signatures over a blob outside any file tree: its unclaimed ranges
 * when it was carved, all of it when nothing claimed it. WHERE names it
 * in evidence; FILE is linked to what is found (the blob itself, or the
 * file of a tree it came out of). */
void fg_inv_scan_blob(fg_inv *inv, const fg_node *blob, const char *where, const fg_node *file);
/* Kernel release from /lib/modules/<release>/ directories. */
void fg_inv_kernel_modules(fg_inv *inv); /* kernel.c */
/* A legacy U-Boot image header naming a Linux kernel ("Linux-3.0.101"). */
void fg_inv_uimage_header(fg_inv *inv, const fg_node *n, const char *where);
/* ESP-IDF and the ESP8266 SDK from an image the esp_image handler
 * unpacked (N's extraction root): the app and bootloader descriptors,
 * the SDK's version strings. */
void fg_inv_esp_image(fg_inv *inv, const fg_node *n, const char *where, const fg_node *file); /* esp.c */
/* BusyBox: the applets compiled in, as a property. */
void fg_inv_busybox_applets(fg_inv *inv); /* busybox.c */
/* The applet names in a BusyBox binary's name table, comma-separated,
 * or 0 when none is found. Exposed for tests. */
size_t fg_busybox_applets(const uint8_t *data, size_t len, char *out, size_t cap);

/* ---- package databases (pkgdb.c) ---- */

/* One stanza of a Debian-style control file ("Key: value", continuation
 * lines start with a space). */
typedef struct fg_stanza {
	const char *text;
	size_t len;
} fg_stanza;

/* Next stanza at *POS of DATA; false at the end. */
bool fg_stanza_next(const uint8_t *data, size_t len, size_t *pos, fg_stanza *out);
/* First line of field KEY (case-insensitive) of S, at most CAP-1 bytes. */
bool fg_stanza_get(const fg_stanza *s, const char *key, char *out, size_t cap);

/* A package record ready to become a component. */
typedef struct fg_pkg {
	const char *db;         /* "opkg", "dpkg", "apk" */
	const char *dbpath;     /* the status file */
	const char *name, *version, *arch, *source, *maintainer, *license;
	const char *record;     /* evidence text */
} fg_pkg;

/* Creates the component for P; purl type PURL_TYPE, namespace NS. */
inv_comp *fg_inv_package(fg_inv *inv, const fg_pkg *p, const char *purl_type, const char *ns);
/* Links every path in the newline-separated LIST (as dpkg .list and
 * opkg .list files hold) to C and marks the files owned. */
void fg_inv_package_files(fg_inv *inv, inv_comp *c, const uint8_t *list, size_t len);
/* Same for one path. */
void fg_inv_package_file(fg_inv *inv, inv_comp *c, const char *path, size_t len);

#endif
