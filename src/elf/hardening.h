/*
 * hardening.h - exploit mitigations of one ELF file, and of a file tree.
 *
 * fg_hardening_analyze() turns a parsed ELF (elf/elf.h) into verdicts:
 * NX (non-executable stack), PIE, RELRO, stack protector, FORTIFY_SOURCE,
 * RPATH/RUNPATH, stripped, static, needed libraries, and the dangerous
 * libc functions it uses. Each verdict comes with its evidence in words
 * ("PT_GNU_STACK flags RWX at program header 7"), so a finding can say
 * why. The rules and their sources are documented next to the code in
 * hardening.c and in docs/CHECKS.md.
 *
 * fg_hardening_scan() does it for every ELF file of a file tree (the
 * hardening checks share one scan through fg_ctx_cache), and
 * fg_hardening_summary() writes the image-level summary into the JSON
 * report (key "hardening", docs/REPORT-JSON.md).
 */
#ifndef FG_HARDENING_H
#define FG_HARDENING_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/tree.h"
#include "core/vec.h"
#include "elf/elf.h"

struct fg_result;
struct fg_jsonw;

/* What the ELF file is. */
typedef enum fg_hkind {
	FG_HK_EXEC = 0,     /* ET_EXEC program */
	FG_HK_PIE,          /* ET_DYN program: PT_INTERP or DF_1_PIE */
	FG_HK_DSO,          /* shared library */
	FG_HK_KMOD,         /* kernel module: noted, not rated */
	FG_HK_REL,          /* other relocatable object */
	FG_HK_KERNEL,       /* a Linux kernel image (vmlinux) */
	FG_HK_OTHER,        /* core dumps, unknown e_type */
} fg_hkind;

/* Verdict values; *_NA means "does not apply to this kind of file". */
typedef enum { FG_NX_NA = 0, FG_NX_YES, FG_NX_NO } fg_nx;
typedef enum { FG_PIE_NA = 0, FG_PIE_YES, FG_PIE_NO, FG_PIE_DSO, FG_PIE_REL } fg_pie;
typedef enum { FG_RELRO_NA = 0, FG_RELRO_FULL, FG_RELRO_PARTIAL, FG_RELRO_NONE } fg_relro;
typedef enum { FG_CANARY_NA = 0, FG_CANARY_YES, FG_CANARY_NO, FG_CANARY_UNKNOWN } fg_canary;
typedef enum {
	FG_FORTIFY_NA = 0,          /* not rated, or uses no fortifiable function */
	FG_FORTIFY_YES,             /* uses at least one *_chk function */
	FG_FORTIFY_NO,              /* uses fortifiable functions, no *_chk at all */
	FG_FORTIFY_UNSUPPORTED,     /* its libc has no *_chk functions (uClibc, musl) */
	FG_FORTIFY_UNKNOWN,         /* static and stripped: nothing to look at */
} fg_fortify;

typedef enum fg_libc {
	FG_LIBC_UNKNOWN = 0, FG_LIBC_GLIBC, FG_LIBC_UCLIBC, FG_LIBC_MUSL, FG_LIBC_BIONIC,
} fg_libc;

/* Dangerous functions, one bit each (index into fg_danger_names). */
enum {
	FG_DANGER_GETS, FG_DANGER_STRCPY, FG_DANGER_STRCAT, FG_DANGER_SPRINTF,
	FG_DANGER_VSPRINTF, FG_DANGER_SCANF, FG_DANGER_FSCANF, FG_DANGER_SSCANF,
	FG_DANGER_VSCANF, FG_DANGER_VFSCANF, FG_DANGER_VSSCANF, FG_DANGER_SYSTEM,
	FG_DANGER_POPEN, FG_DANGER_EXECL, FG_DANGER_EXECLP, FG_DANGER_EXECV,
	FG_DANGER_EXECVP, FG_DANGER_MKTEMP, FG_DANGER_TMPNAM, FG_DANGER_TEMPNAM,
	FG_DANGER_COUNT,
};
extern const char *const fg_danger_names[FG_DANGER_COUNT];

typedef struct fg_hardening {
	const fg_node *node;        /* the file (content node) */
	const char *path;           /* its path in the file tree */
	const char *arch;           /* fg_elf_arch() */
	uint16_t machine;
	bool is64, be;
	fg_hkind kind;
	bool is_static;             /* program without PT_INTERP (static or static-pie) */
	bool stripped;              /* no .symtab */
	fg_libc libc;
	const char *interp;         /* PT_INTERP, or NULL */
	const char **needed;        /* DT_NEEDED */
	size_t nneeded;

	fg_nx nx;
	const char *nx_why;
	int64_t nx_off;             /* file offset of the deciding program header, -1 */
	fg_pie pie;
	const char *pie_why;
	fg_relro relro;
	const char *relro_why;
	fg_canary canary;
	const char *canary_why;
	fg_fortify fortify;
	unsigned fortified, fortifiable; /* distinct *_chk used; those + unfortified used */
	const char *fortify_why;
	const char *rpath, *runpath; /* NULL when absent */
	bool rpath_writable;
	const char *rpath_why;      /* the writable-looking entry and why, or NULL */
	int64_t rpath_off;
	uint32_t dangerous;         /* FG_DANGER_* bits */
	bool shell_string;          /* contains "/bin/sh" (exec* counts only then) */

	bool network_facing;        /* started at boot (checks/boot_programs.h) */
	const char *started_by;
	const char *problem;        /* what the reader could not read, or NULL */
} fg_hardening;

/* Rates E, whose bytes are DATA/LEN, found at PATH of the file tree ROOT
 * (ROOT may be NULL: then RPATH directories are not looked up). Strings
 * go into ARENA. */
void fg_hardening_analyze(const fg_elf *e, const char *path, fg_node *root, fg_arena *arena,
			  fg_hardening *out);

/* Every ELF file of one file tree. */
typedef struct fg_hardening_set {
	fg_arena arena;
	FG_VEC(fg_hardening) v;     /* in tree order */
	size_t unreadable;          /* ELF magic but no usable header */
	size_t firmware_skipped;    /* under /lib/firmware: other processors' code */
} fg_hardening_set;

fg_hardening_set *fg_hardening_scan(fg_node *root);
void fg_hardening_set_free(fg_hardening_set *s);

/* Rated as a program or library (not a module, kernel or object file). */
bool fg_hardening_rated(const fg_hardening *h);
/* Programs: EXEC or PIE. */
bool fg_hardening_is_program(const fg_hardening *h);

const char *fg_hkind_name(fg_hkind k);       /* "executable", "pie-executable", ... */
const char *fg_nx_name(fg_nx v);             /* "yes", "no", "n/a" */
const char *fg_pie_name(fg_pie v);           /* "yes", "no", "dso", "rel", "n/a" */
const char *fg_relro_name(fg_relro v);       /* "full", "partial", "no", "n/a" */
const char *fg_canary_name(fg_canary v);     /* "yes", "no", "unknown", "n/a" */
const char *fg_fortify_name(fg_fortify v);   /* "yes", "no", "unsupported", "unknown", "n/a" */
const char *fg_libc_name(fg_libc v);         /* "glibc", "uclibc", "musl", "bionic", "unknown" */

/* Writes key "hardening" into the open JSON object W: every ELF file of
 * every file tree of R with its verdicts, per-architecture counts and
 * percentages, and the worst offenders (network-facing first). null when
 * no checks ran. */
void fg_hardening_summary(struct fg_jsonw *w, const struct fg_result *r);

#endif
