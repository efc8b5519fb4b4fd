/*
 * sigdb.h - the component signature database (docs/SIGNATURES.md).
 *
 * Signatures are data: data/signatures/components.txt is compiled into
 * the library and users add their own file with --signatures. Every
 * `match` literal of every signature goes into one Vectorscan literal
 * database, so one pass over a file finds every hit; the version
 * regexes (POSIX ERE) only run on a small window around each hit.
 */
#ifndef FG_SIGDB_H
#define FG_SIGDB_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FG_SIG_WINDOW 512        /* bytes each side of a hit the regexes see */

typedef struct fg_sig_regex {
	regex_t re;
	char *src;
	bool near;                    /* version-near: a whole string close to the hit */
	unsigned vgroup;              /* group holding the version, 0: the whole match */
	char prefix[32];              /* filename regexes: literal start, to skip regexec */
} fg_sig_regex;

typedef struct fg_sig_map {
	char *from, *to;
} fg_sig_map;

typedef struct fg_sig {
	char *name;                   /* component name */
	char *type;                   /* application, library, operating-system, firmware */
	char *cpe;                    /* "vendor:product" or "part:vendor:product", or NULL */
	char *purl_type, *purl_ns, *purl_name;
	char *supplier;
	char **literals;              /* `match` */
	size_t nliterals;
	char **requires;              /* `require`: one must also be in the file */
	size_t nrequires;
	fg_sig_regex *versions;       /* `version` and `version-near`, tried in order */
	size_t nversions;
	fg_sig_regex *filenames;      /* `filename`: on the base name; group 1 is a version */
	size_t nfilenames;
	char **globs;                 /* `file-glob`: content matching only in these paths */
	size_t nglobs;
	char **packages;              /* `package`: names in package databases */
	size_t npackages;
	fg_sig_map *maps;             /* `version-map FROM TO` */
	size_t nmaps;
	bool unversioned;             /* `unversioned yes`: report even without a version */
	const char *origin;           /* file it came from */
	unsigned line;
} fg_sig;

typedef struct fg_sig_lit {
	uint32_t sig;                 /* index into sigs */
	uint16_t len;
	bool require;                 /* a `require` literal, not a `match` */
} fg_sig_lit;

typedef struct fg_sigdb {
	fg_sig *sigs;
	size_t nsigs;
	fg_sig_lit *lits;             /* Vectorscan pattern id -> signature */
	size_t nlits;
	void *hs_db;                  /* hs_database_t; NULL when no literal at all */
	size_t nfilename_sigs;
	uint32_t *filename_sigs;      /* signatures with `filename` */
} fg_sigdb;

/* Parses TEXT (LEN bytes, ORIGIN names it in errors) and appends its
 * signatures to DB. Returns false with ERR set on a syntax error; DB
 * keeps what was parsed before. */
bool fg_sigdb_parse(fg_sigdb *db, const char *text, size_t len, const char *origin,
		    char *err, size_t errlen);
/* Compiles the literal database. False with ERR set on failure. */
bool fg_sigdb_compile(fg_sigdb *db, char *err, size_t errlen);
void fg_sigdb_free(fg_sigdb *db);

/* The built-in database, built once per process; NULL if it cannot be
 * (then ERR, if given, says why). */
const fg_sigdb *fg_sigdb_builtin(char *err, size_t errlen);
/* Built-in signatures plus the file PATH. NULL with ERR set on error;
 * free with fg_sigdb_destroy. */
fg_sigdb *fg_sigdb_with_file(const char *path, char *err, size_t errlen);
void fg_sigdb_destroy(fg_sigdb *db);

/* The signature whose `package` list holds NAME, or NULL. */
const fg_sig *fg_sigdb_by_package(const fg_sigdb *db, const char *name);
const fg_sig *fg_sigdb_by_name(const fg_sigdb *db, const char *name);

/* Applies the signature's version maps to V (in place, CAP bytes).
 * Returns false when the signature has maps and none applies. */
bool fg_sig_map_version(const fg_sig *s, char *v, size_t cap);

/* ---- matching one buffer (sigscan.c); used by the stage and by tests ---- */

typedef struct fg_sig_hit {
	uint32_t sig;
	char version[64];             /* "" when the signature found no version */
	char text[128];               /* what matched, for evidence */
	uint64_t offset;              /* of the literal in the buffer */
} fg_sig_hit;

typedef struct fg_sig_scanner fg_sig_scanner;

fg_sig_scanner *fg_sig_scanner_new(const fg_sigdb *db);
void fg_sig_scanner_free(fg_sig_scanner *s);

/* Matches DATA against every signature allowed for PATH (NULL: all).
 * Writes at most MAX hits, one per signature (the first that gave a
 * version, else the first presence). Returns the number written. */
size_t fg_sig_match(fg_sig_scanner *s, const uint8_t *data, size_t len, const char *path,
		    fg_sig_hit *hits, size_t max);

/* Version from the base name of PATH through the `filename` signatures
 * whose file-globs allow PATH: one hit per matching signature. */
size_t fg_sig_match_filename(const fg_sigdb *db, const char *path, fg_sig_hit *hits, size_t max);

#endif
