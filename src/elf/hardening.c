/*
 * hardening.c - per-ELF mitigation verdicts (hardening.h).
 *
 * The rules, and where each comes from:
 *
 * Kind. ET_EXEC is a fixed-address program. ET_DYN with PT_INTERP, or
 * with DF_1_PIE in DT_FLAGS_1 (static-pie has no interpreter), is a PIE
 * program; any other ET_DYN is a shared library. ET_REL with .modinfo or
 * .gnu.linkonce.this_module (or named *.ko) is a kernel module: noted,
 * not rated, because the kernel loads it and none of the userland
 * mitigations apply. An ET_EXEC with __ksymtab or linux_banner, or named
 * vmlinux*, is a kernel image: not rated either.
 *
 * NX. fs/binfmt_elf.c walks every program header and lets each
 * PT_GNU_STACK overwrite the previous verdict, so the LAST one decides
 * (checksec greps for any "RWE" GNU_STACK line instead, and also misses
 * a stack that is "R E"). PF_X in it makes the stack executable. With no
 * PT_GNU_STACK the architecture's default applies, through
 * elf_read_implies_exec() and VM_STACK_DEFAULT_FLAGS: see stack_defaults[]
 * below. glibc's dynamic loader applies the same kind of default
 * (DEFAULT_STACK_PERMS) to a shared library without PT_GNU_STACK, and an
 * executable-stack library makes the whole process stack executable when
 * loaded, so libraries are rated the same way.
 *
 * PIE. As above: ET_EXEC = no, PIE program = yes, shared library = "dso".
 * (checksec calls an ET_DYN a PIE only when it has DT_DEBUG.)
 *
 * RELRO. PT_GNU_RELRO = partial; with BIND_NOW as well (DT_BIND_NOW, or
 * DF_BIND_NOW in DT_FLAGS, or DF_1_NOW in DT_FLAGS_1 -- ld.so honours all
 * three) = full; no PT_GNU_RELRO = none.
 *
 * Stack protector. A reference to or definition of __stack_chk_fail,
 * __stack_chk_fail_local, __stack_chk_guard (glibc, uClibc, musl, bionic),
 * __stack_smash_handler (the gcc 3.x ProPolice runtime, old uClibc) or
 * __intel_security_cookie (icc), in the dynamic symbols or in .symtab.
 * A static program without .symtab has nowhere to look: "unknown", not
 * "no". Note that a static glibc program always carries __stack_chk_fail
 * (libc's own objects use it), so "yes" there says little about the
 * program's own code.
 *
 * FORTIFY_SOURCE. Functions used: the imports of a dynamic object, the
 * defined functions of a static program's .symtab. "fortified" counts the
 * distinct __*_chk functions used, "fortifiable" those plus the distinct
 * unfortified functions of fortifiable[] used. Some *_chk = yes; none
 * while fortifiable functions are used = no; nothing fortifiable used =
 * n/a. uClibc has no *_chk functions at all and musl has none either
 * (its fortify-headers check inline and leave no symbol), so binaries
 * linked against them are "unsupported", whatever the build flags were.
 * A compiler that could check every call at compile time also leaves no
 * *_chk: a small fortified program can still read "no".
 *
 * RPATH/RUNPATH. An entry is writable-looking when it is empty (the
 * current directory), relative, starts with $ORIGIN, lies under /tmp,
 * /var/tmp, /dev/shm, /mnt, /media, /home or /data, or is (or would be
 * created in) a world-writable directory of the image's tree.
 *
 * Dangerous functions. gets, strcpy, strcat, sprintf, vsprintf, the scanf
 * family (also as __isoc99_* / __isoc23_*), system, popen, mktemp,
 * tmpnam, tempnam, and execl/execlp/execv/execvp when the file also holds
 * the string "/bin/sh" (a sign they run a shell): imported by a dynamic
 * object, or linked into a static program with symbols. Which call sites
 * use them would need a disassembler per architecture; we report which
 * functions are present, one bit each.
 */
#include "elf/hardening.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/boot.h"
#include "checks/boot_programs.h"

#define PATH_CAP 4096

const char *const fg_danger_names[FG_DANGER_COUNT] = {
	"gets", "strcpy", "strcat", "sprintf", "vsprintf", "scanf", "fscanf", "sscanf",
	"vscanf", "vfscanf", "vsscanf", "system", "popen", "execl", "execlp", "execv",
	"execvp", "mktemp", "tmpnam", "tempnam",
};

/*
 * Default stack of a program without PT_GNU_STACK (binfmt_elf's
 * EXSTACK_DEFAULT), per architecture, from the kernel sources named:
 */
static const struct stack_default {
	uint16_t machine;
	int bits;               /* 32 or 64, 0 for both */
	bool exec;
	const char *why;
} stack_defaults[] = {
	{ EM_386, 0, true, "x86: elf_read_implies_exec() makes the stack and every readable "
	  "mapping executable (arch/x86/include/asm/elf.h)" },
	{ EM_X86_64, 32, true, "x32: elf_read_implies_exec() applies to 32-bit address spaces "
	  "(arch/x86/include/asm/elf.h)" },
	{ EM_X86_64, 64, true, "x86-64: executable on kernels before 5.8; 5.8 dropped "
	  "READ_IMPLIES_EXEC for 64-bit tasks (arch/x86/include/asm/elf.h), rated for the older "
	  "kernels common in firmware" },
	{ EM_ARM, 0, true, "arm: arm_elf_read_implies_exec() is true without PT_GNU_STACK "
	  "(arch/arm/kernel/elf.c), as for old-ABI (EABI < 5) toolchains that never emitted it" },
	{ EM_MIPS, 0, true, "mips: mips_elf_read_implies_exec() makes it executable on CPUs "
	  "without RIXI (arch/mips/kernel/elf.c); assumed executable" },
	{ EM_MIPS_RS3_LE, 0, true, "mips: mips_elf_read_implies_exec() makes it executable on "
	  "CPUs without RIXI (arch/mips/kernel/elf.c); assumed executable" },
	{ EM_PPC, 0, true, "powerpc 32-bit: elf_read_implies_exec() for 32-bit tasks "
	  "(arch/powerpc/include/asm/elf.h)" },
	{ EM_PPC64, 0, false, "powerpc64: no READ_IMPLIES_EXEC for 64-bit tasks "
	  "(arch/powerpc/include/asm/elf.h)" },
	{ EM_AARCH64, 0, false, "arm64: no READ_IMPLIES_EXEC for 64-bit tasks since Linux 5.8 "
	  "(arch/arm64/include/asm/elf.h)" },
	{ EM_RISCV, 0, false, "riscv: the generic elf_read_implies_exec() is 0 and the default "
	  "stack is not executable (include/linux/elf.h)" },
};

static const char *const canary_syms[] = {
	"__stack_chk_fail", "__stack_chk_fail_local", "__stack_chk_guard",
	"__stack_smash_handler", "__intel_security_cookie", NULL,
};

/* Functions glibc has a __<name>_chk variant of. "fdelt" has no plain
 * counterpart (FD_SET and friends), "longjmp" pairs with __longjmp_chk. */
static const char *const fortifiable[] = {
	"memcpy", "mempcpy", "memmove", "memset", "explicit_bzero", "strcpy", "stpcpy",
	"strncpy", "stpncpy", "strcat", "strncat", "strlcpy", "strlcat", "sprintf", "snprintf",
	"vsprintf", "vsnprintf", "printf", "fprintf", "vprintf", "vfprintf", "dprintf",
	"vdprintf", "asprintf", "vasprintf", "obstack_printf", "obstack_vprintf", "syslog",
	"vsyslog", "gets", "fgets", "fgets_unlocked", "fread", "fread_unlocked", "read",
	"pread", "pread64", "recv", "recvfrom", "realpath", "getcwd", "getwd", "readlink",
	"readlinkat", "poll", "ppoll", "wcscpy", "wcpcpy", "wcsncpy", "wcpncpy", "wcscat",
	"wcsncat", "wcslcpy", "wcslcat", "wmemcpy", "wmempcpy", "wmemmove", "wmemset",
	"swprintf", "vswprintf", "wprintf", "fwprintf", "vwprintf", "vfwprintf", "fgetws",
	"fgetws_unlocked", "confstr", "getgroups", "gethostname", "getdomainname",
	"ttyname_r", "getlogin_r", "ptsname_r", "wctomb", "wcrtomb", "mbstowcs", "wcstombs",
	"mbsrtowcs", "wcsrtombs", "mbsnrtowcs", "wcsnrtombs", "longjmp", "fdelt",
};
#define NFORTIFIABLE (sizeof(fortifiable) / sizeof(fortifiable[0]))

static const char *const writable_prefixes[] = {
	"/tmp", "/var/tmp", "/dev/shm", "/mnt", "/media", "/home", "/data", NULL,
};

/* ---- names ----------------------------------------------------------------- */

const char *fg_hkind_name(fg_hkind k)
{
	static const char *const n[] = { "executable", "pie-executable", "shared-library",
					 "kernel-module", "relocatable", "kernel", "other" };
	return k <= FG_HK_OTHER ? n[k] : "other";
}

const char *fg_nx_name(fg_nx v) { return v == FG_NX_YES ? "yes" : v == FG_NX_NO ? "no" : "n/a"; }

const char *fg_pie_name(fg_pie v)
{
	static const char *const n[] = { "n/a", "yes", "no", "dso", "rel" };
	return v <= FG_PIE_REL ? n[v] : "n/a";
}

const char *fg_relro_name(fg_relro v)
{
	static const char *const n[] = { "n/a", "full", "partial", "no" };
	return v <= FG_RELRO_NONE ? n[v] : "n/a";
}

const char *fg_canary_name(fg_canary v)
{
	static const char *const n[] = { "n/a", "yes", "no", "unknown" };
	return v <= FG_CANARY_UNKNOWN ? n[v] : "n/a";
}

const char *fg_fortify_name(fg_fortify v)
{
	static const char *const n[] = { "n/a", "yes", "no", "unsupported", "unknown" };
	return v <= FG_FORTIFY_UNKNOWN ? n[v] : "n/a";
}

const char *fg_libc_name(fg_libc v)
{
	static const char *const n[] = { "unknown", "glibc", "uclibc", "musl", "bionic" };
	return v <= FG_LIBC_BIONIC ? n[v] : "unknown";
}

bool fg_hardening_rated(const fg_hardening *h)
{
	return h->kind == FG_HK_EXEC || h->kind == FG_HK_PIE || h->kind == FG_HK_DSO;
}

bool fg_hardening_is_program(const fg_hardening *h)
{
	return h->kind == FG_HK_EXEC || h->kind == FG_HK_PIE;
}

/* ---- symbols ---------------------------------------------------------------- */

static bool has_symbol(const fg_elf_sym *v, size_t n, const char *name, bool *defined)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].name, name) == 0) {
			*defined = v[i].shndx != SHN_UNDEF;
			return true;
		}
	}
	return false;
}


/* The functions a file "uses": a dynamic object's imports, a static
 * program's own definitions. */
typedef struct used_syms {
	const fg_elf_sym *v;
	size_t n;
	bool imports;
} used_syms;

static used_syms used_of(const fg_elf *e, const fg_hardening *h)
{
	used_syms u = { e->dynsym, e->ndynsym, true };
	if (h->is_static && (e->symtab || !e->dynsym))
		u = (used_syms){ e->symtab, e->nsymtab, false };
	return u;
}

static bool counts_as_used(const used_syms *u, const fg_elf_sym *s)
{
	if (!s->name[0])
		return false;
	if (u->imports)
		return s->shndx == SHN_UNDEF;
	return s->shndx != SHN_UNDEF && (s->type == STT_FUNC || s->type == STT_GNU_IFUNC);
}

/* ---- kind and libc ------------------------------------------------------------ */

static bool symtab_has(const fg_elf *e, const char *name)
{
	bool def;
	return has_symbol(e->symtab, e->nsymtab, name, &def);
}

static fg_hkind kind_of(const fg_elf *e, const char *path)
{
	switch (e->type) {
	case ET_REL:
		if (fg_elf_section(e, ".modinfo") || fg_elf_section(e, ".gnu.linkonce.this_module") ||
		    fg_ends_with(path, ".ko"))
			return FG_HK_KMOD;
		return FG_HK_REL;
	case ET_EXEC:
		if (strncmp(fg_base_name(path), "vmlinux", 7) == 0 || fg_elf_section(e, "__ksymtab") ||
		    symtab_has(e, "linux_banner"))
			return FG_HK_KERNEL;
		return FG_HK_EXEC;
	case ET_DYN:
		if (e->interp || (e->dyn.flags_1 & DF_1_PIE))
			return FG_HK_PIE;
		return FG_HK_DSO;
	default:
		return FG_HK_OTHER;
	}
}

static fg_libc libc_of(const fg_elf *e)
{
	const char *in = e->interp ? fg_base_name(e->interp) : "";
	if (strstr(in, "ld-uClibc") || strstr(in, "ld64-uClibc"))
		return FG_LIBC_UCLIBC;
	if (strstr(in, "ld-musl"))
		return FG_LIBC_MUSL;
	if (e->interp && strstr(e->interp, "/system/bin/linker"))
		return FG_LIBC_BIONIC;
	for (size_t i = 0; i < e->dyn.nneeded; i++) {
		const char *n = e->dyn.needed[i];
		if (strcmp(n, "libc.so.0") == 0 || strncmp(n, "libuClibc", 9) == 0)
			return FG_LIBC_UCLIBC;
		if (strncmp(n, "libc.musl", 9) == 0)
			return FG_LIBC_MUSL;
		if (strcmp(n, "libc.so.6") == 0 || strcmp(n, "libc.so.6.1") == 0 ||
		    strcmp(n, "libc.so.7") == 0)
			return FG_LIBC_GLIBC;
	}
	if (e->dyn.soname && strncmp(e->dyn.soname, "libc.so.6", 9) == 0)
		return FG_LIBC_GLIBC;
	if (strstr(in, "ld-linux") || strstr(in, "ld.so.1") || strstr(in, "ld64.so"))
		return FG_LIBC_GLIBC;
	/* static programs: libc's own entry points */
	if (symtab_has(e, "__uClibc_main"))
		return FG_LIBC_UCLIBC;
	if (symtab_has(e, "__init_libc"))
		return FG_LIBC_MUSL;
	if (symtab_has(e, "_IO_2_1_stdout_") || symtab_has(e, "__libc_setup_tls"))
		return FG_LIBC_GLIBC;
	return FG_LIBC_UNKNOWN;
}

/* ---- the verdicts ----------------------------------------------------------------- */

static void rate_nx(const fg_elf *e, fg_hardening *h, fg_arena *a)
{
	size_t idx;
	const fg_elf_phdr *p = fg_elf_phdr_last(e, PT_GNU_STACK, &idx);
	size_t count = fg_elf_phdr_count(e, PT_GNU_STACK);
	if (p) {
		char fl[4];
		fg_elf_pflags(p->flags, fl);
		h->nx = p->flags & PF_X ? FG_NX_NO : FG_NX_YES;
		h->nx_off = (int64_t)(e->phoff + idx * e->phentsize);
		h->nx_why = fg_arena_printf(a, "PT_GNU_STACK flags %s at program header %zu%s", fl, idx,
					    count > 1 ? " (the last of several: the kernel uses the last)" : "");
		return;
	}
	for (size_t i = 0; i < sizeof(stack_defaults) / sizeof(stack_defaults[0]); i++) {
		const struct stack_default *d = &stack_defaults[i];
		if (d->machine != e->machine || (d->bits && d->bits != (e->is64 ? 64 : 32)))
			continue;
		h->nx = d->exec ? FG_NX_NO : FG_NX_YES;
		h->nx_why = fg_arena_printf(a, "no PT_GNU_STACK; %s", d->why);
		return;
	}
	h->nx = FG_NX_NO;
	h->nx_why = fg_arena_printf(a, "no PT_GNU_STACK; the default of %s is not known, assumed "
				    "executable", h->arch);
}

static uint64_t lowest_load(const fg_elf *e)
{
	uint64_t lo = UINT64_MAX;
	for (size_t i = 0; i < e->phnum; i++)
		if (e->ph[i].type == PT_LOAD && e->ph[i].vaddr < lo)
			lo = e->ph[i].vaddr;
	return lo == UINT64_MAX ? 0 : lo;
}

static void rate_pie(const fg_elf *e, fg_hardening *h, fg_arena *a)
{
	switch (h->kind) {
	case FG_HK_EXEC:
		h->pie = FG_PIE_NO;
		h->pie_why = fg_arena_printf(a, "ET_EXEC: loaded at the fixed address 0x%llx",
					     (unsigned long long)lowest_load(e));
		break;
	case FG_HK_PIE:
		h->pie = FG_PIE_YES;
		h->pie_why = e->interp ? "ET_DYN with PT_INTERP" : "ET_DYN with DF_1_PIE (static-pie)";
		break;
	case FG_HK_DSO:
		h->pie = FG_PIE_DSO;
		h->pie_why = "ET_DYN without PT_INTERP or DF_1_PIE: a shared library";
		break;
	default:
		h->pie = e->type == ET_REL ? FG_PIE_REL : FG_PIE_NA;
		break;
	}
}

static void rate_relro(const fg_elf *e, fg_hardening *h, fg_arena *a)
{
	size_t idx;
	const fg_elf_phdr *p = fg_elf_phdr_last(e, PT_GNU_RELRO, &idx);
	const char *now = e->dyn.bind_now ? "DT_BIND_NOW" :
			  (e->dyn.flags & DF_BIND_NOW) ? "DF_BIND_NOW in DT_FLAGS" :
			  (e->dyn.flags_1 & DF_1_NOW) ? "DF_1_NOW in DT_FLAGS_1" : NULL;
	if (!p) {
		h->relro = FG_RELRO_NONE;
		h->relro_why = "no PT_GNU_RELRO";
	} else if (now) {
		h->relro = FG_RELRO_FULL;
		h->relro_why = fg_arena_printf(a, "PT_GNU_RELRO at program header %zu and %s", idx, now);
	} else {
		h->relro = FG_RELRO_PARTIAL;
		h->relro_why = fg_arena_printf(a, "PT_GNU_RELRO at program header %zu, no BIND_NOW%s", idx,
					       h->is_static ? "" : " (the GOT stays writable for lazy binding)");
	}
}

static void rate_canary(const fg_elf *e, fg_hardening *h, fg_arena *a)
{
	for (const char *const *s = canary_syms; *s; s++) {
		bool def;
		if (has_symbol(e->dynsym, e->ndynsym, *s, &def)) {
			h->canary = FG_CANARY_YES;
			h->canary_why = fg_arena_printf(a, "%s %s", def ? "defines" : "imports", *s);
			return;
		}
		if (has_symbol(e->symtab, e->nsymtab, *s, &def)) {
			h->canary = FG_CANARY_YES;
			h->canary_why = fg_arena_printf(a, "%s %s (.symtab)", def ? "defines" : "references", *s);
			return;
		}
	}
	if (h->is_static && !e->symtab) {
		h->canary = FG_CANARY_UNKNOWN;
		h->canary_why = "static and stripped: no symbol table to look in";
	} else if (!h->is_static && !e->dynsym) {
		h->canary = FG_CANARY_UNKNOWN;
		h->canary_why = "the dynamic symbols could not be read";
	} else {
		h->canary = FG_CANARY_NO;
		h->canary_why = "no __stack_chk_fail, __stack_chk_guard or other stack protector symbol";
	}
}

/* Index in fortifiable[] of NAME, or of the base of a __NAME_chk when CHK. */
static int fortify_index(const char *name, bool *chk)
{
	char base[64];
	size_t n = strlen(name);
	*chk = n > 6 && strncmp(name, "__", 2) == 0 && fg_ends_with(name, "_chk");
	if (*chk) {
		if (n - 6 >= sizeof(base))
			return -1;
		memcpy(base, name + 2, n - 6);
		base[n - 6] = '\0';
		name = base;
	}
	for (size_t i = 0; i < NFORTIFIABLE; i++)
		if (strcmp(fortifiable[i], name) == 0)
			return (int)i;
	return -1;
}

static void count_fortify(const used_syms *u, unsigned *fortified, unsigned *plain)
{
	bool seen_chk[NFORTIFIABLE] = {0}, seen_plain[NFORTIFIABLE] = {0};
	*fortified = *plain = 0;
	for (size_t i = 0; i < u->n; i++) {
		bool chk;
		if (!counts_as_used(u, &u->v[i]))
			continue;
		int k = fortify_index(u->v[i].name, &chk);
		if (k < 0)
			continue;
		bool *seen = chk ? seen_chk : seen_plain;
		if (!seen[k]) {
			seen[k] = true;
			(*(chk ? fortified : plain))++;
		}
	}
}

static void rate_fortify(const fg_elf *e, fg_hardening *h, fg_arena *a)
{
	used_syms u = used_of(e, h);
	unsigned plain;
	count_fortify(&u, &h->fortified, &plain);
	h->fortifiable = h->fortified + plain;
	if (h->fortified) {
		h->fortify = FG_FORTIFY_YES;
		h->fortify_why = fg_arena_printf(a, "%u fortified (*_chk) of %u fortifiable functions used",
						 h->fortified, h->fortifiable);
	} else if (h->libc == FG_LIBC_UCLIBC || h->libc == FG_LIBC_MUSL) {
		h->fortify = FG_FORTIFY_UNSUPPORTED;
		h->fortify_why = fg_arena_printf(a, "%s provides no *_chk functions: FORTIFY_SOURCE "
						 "cannot be used or seen", h->libc == FG_LIBC_UCLIBC ?
						 "uClibc" : "musl");
	} else if (h->is_static && !e->symtab) {
		h->fortify = FG_FORTIFY_UNKNOWN;
		h->fortify_why = "static and stripped: no symbol table to look in";
	} else if (!plain) {
		h->fortify = FG_FORTIFY_NA;
		h->fortify_why = "uses no fortifiable function";
	} else {
		h->fortify = FG_FORTIFY_NO;
		h->fortify_why = fg_arena_printf(a, "0 fortified (*_chk) of %u fortifiable functions used",
						 h->fortifiable);
	}
}

/* Why the directory DIR of the image tree looks writable, or NULL: it is
 * world-writable, or it is missing and its nearest existing ancestor is
 * (anyone could create it). */
static const char *tree_writable(fg_node *root, const char *dir, fg_arena *a)
{
	char p[PATH_CAP];
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	snprintf(p, sizeof(p), "%.*s", (int)n, dir);
	for (bool exists = true;; exists = false) {
		fg_node *d = fg_tree_lookup(root, p[0] ? p : "/", true);
		if (d) {
			if (d->type != FG_NODE_DIR || !(d->mode & 0002))
				return NULL;
			if (exists)
				return fg_arena_printf(a, "%s is world-writable in the image (mode %04o)", p,
						       d->mode & 07777);
			return fg_arena_printf(a, "it does not exist and %s is world-writable in the "
					       "image (mode %04o)", p[0] ? p : "/", d->mode & 07777);
		}
		char *slash = strrchr(p, '/');
		if (!slash)
			return NULL;
		*slash = '\0';
	}
}

/* Why the RPATH/RUNPATH entry E (length N) looks writable, or NULL. */
static const char *entry_writable(const char *e, size_t n, fg_node *root, fg_arena *a)
{
	char d[PATH_CAP];
	snprintf(d, sizeof(d), "%.*s", (int)(n < PATH_CAP - 1 ? n : PATH_CAP - 1), e);
	if (!d[0])
		return "an empty entry means the current directory";
	if (strncmp(d, "$ORIGIN", 7) == 0 || strncmp(d, "${ORIGIN}", 9) == 0)
		return fg_arena_printf(a, "'%s' is relative to the binary's own directory", d);
	if (d[0] != '/')
		return fg_arena_printf(a, "'%s' is relative to the current directory", d);
	for (const char *const *p = writable_prefixes; *p; p++) {
		size_t k = strlen(*p);
		if (strncmp(d, *p, k) == 0 && (d[k] == '\0' || d[k] == '/'))
			return fg_arena_printf(a, "'%s' is under %s", d, *p);
	}
	const char *t = root ? tree_writable(root, d, a) : NULL;
	return t ? fg_arena_printf(a, "'%s': %s", d, t) : NULL;
}

static void rate_rpath(const fg_elf *e, fg_hardening *h, fg_node *root, fg_arena *a)
{
	const char *lists[2] = { e->dyn.rpath, e->dyn.runpath };
	const char *tags[2] = { "RPATH", "RUNPATH" };
	int64_t offs[2] = { e->dyn.rpath_off, e->dyn.runpath_off };
	h->rpath = e->dyn.rpath ? fg_arena_strdup(a, e->dyn.rpath) : NULL;
	h->runpath = e->dyn.runpath ? fg_arena_strdup(a, e->dyn.runpath) : NULL;
	h->rpath_off = -1;
	for (int k = 0; k < 2 && !h->rpath_writable; k++) {
		const char *s = lists[k];
		while (s) {
			const char *colon = strchr(s, ':');
			size_t n = colon ? (size_t)(colon - s) : strlen(s);
			const char *why = entry_writable(s, n, root, a);
			if (why) {
				h->rpath_writable = true;
				h->rpath_why = fg_arena_printf(a, "%s entry: %s", tags[k], why);
				h->rpath_off = offs[k];
				break;
			}
			s = colon ? colon + 1 : NULL;
		}
	}
	if (!h->rpath_writable && (h->rpath || h->runpath))
		h->rpath_off = h->rpath ? e->dyn.rpath_off : e->dyn.runpath_off;
}

/* "__isoc99_sscanf" is sscanf; returns the index in fg_danger_names or -1. */
static int danger_index(const char *name)
{
	if (strncmp(name, "__isoc99_", 9) == 0 || strncmp(name, "__isoc23_", 9) == 0)
		name += 9;
	for (int i = 0; i < FG_DANGER_COUNT; i++)
		if (strcmp(fg_danger_names[i], name) == 0)
			return i;
	return -1;
}

static void rate_dangerous(const fg_elf *e, fg_hardening *h)
{
	used_syms u = used_of(e, h);
	const uint32_t exec_bits = 1u << FG_DANGER_EXECL | 1u << FG_DANGER_EXECLP |
				   1u << FG_DANGER_EXECV | 1u << FG_DANGER_EXECVP;
	for (size_t i = 0; i < u.n; i++) {
		if (!counts_as_used(&u, &u.v[i]))
			continue;
		int k = danger_index(u.v[i].name);
		if (k >= 0)
			h->dangerous |= 1u << k;
	}
	/* Only worth reading the whole file when an exec* function is used. */
	h->shell_string = (h->dangerous & exec_bits) && memmem(e->data, e->len, "/bin/sh", 7);
	if (!h->shell_string)
		h->dangerous &= ~exec_bits;
}

static void copy_needed(const fg_elf *e, fg_hardening *h, fg_arena *a)
{
	if (!e->dyn.nneeded)
		return;
	const char **v = fg_arena_alloc(a, e->dyn.nneeded * sizeof(*v));
	if (!v)
		return;
	for (size_t i = 0; i < e->dyn.nneeded; i++)
		v[i] = fg_arena_strdup(a, e->dyn.needed[i]);
	h->needed = v;
	h->nneeded = e->dyn.nneeded;
}

void fg_hardening_analyze(const fg_elf *e, const char *path, fg_node *root, fg_arena *a,
			  fg_hardening *h)
{
	char arch[32];
	memset(h, 0, sizeof(*h));
	h->nx_off = h->rpath_off = -1;
	h->path = fg_arena_strdup(a, path);
	h->arch = fg_arena_strdup(a, fg_elf_arch(e, arch, sizeof(arch)));
	h->machine = e->machine;
	h->is64 = e->is64;
	h->be = e->be;
	h->kind = kind_of(e, path);
	h->is_static = fg_hardening_is_program(h) && !e->interp;
	h->stripped = !e->has_symtab;
	h->interp = e->interp ? fg_arena_strdup(a, e->interp) : NULL;
	h->libc = libc_of(e);
	h->problem = e->problems ? fg_arena_strdup(a, e->problem) : NULL;
	copy_needed(e, h, a);
	rate_pie(e, h, a);
	if (!fg_hardening_rated(h))
		return;
	rate_nx(e, h, a);
	rate_relro(e, h, a);
	rate_canary(e, h, a);
	rate_fortify(e, h, a);
	rate_rpath(e, h, root, a);
	rate_dangerous(e, h);
}

/* ---- a whole file tree ----------------------------------------------------------- */

static void scan_file(fg_hardening_set *s, fg_node *root, const fg_node *n)
{
	char path[PATH_CAP];
	if (!fg_node_path(n, path, sizeof(path)))
		return;
	/* Code for other processors (Wi-Fi, DSP, GPU firmware): not Linux userland. */
	if (strncmp(path, "/lib/firmware/", 14) == 0) {
		s->firmware_skipped++;
		return;
	}
	fg_elf e;
	if (fg_elf_parse(&e, n->data, n->data_len) != 0) {
		s->unreadable++;
		fg_elf_free(&e);
		return;
	}
	fg_hardening h;
	fg_hardening_analyze(&e, path, root, &s->arena, &h);
	h.node = n;
	fg_elf_free(&e);
	FG_VEC_PUSH(&s->v, h);
}

static void mark_boot(fg_hardening_set *s, fg_node *root)
{
	fg_boot_programs *b = fg_boot_programs_scan(root);
	for (size_t i = 0; b && i < s->v.n; i++) {
		const fg_boot_prog *p = fg_boot_programs_find(b, s->v.v[i].node);
		if (p && fg_hardening_is_program(&s->v.v[i])) {
			s->v.v[i].network_facing = true;
			s->v.v[i].started_by = fg_arena_strdup(&s->arena, p->how);
		}
	}
	fg_boot_programs_free(b);
}

fg_hardening_set *fg_hardening_scan(fg_node *root)
{
	fg_hardening_set *s = calloc(1, sizeof(*s));
	FG_VEC(fg_node *) stack = {0};
	if (!s)
		return NULL;
	fg_arena_init(&s->arena);
	/* The tree's own files only: nested file trees are scanned on their own. */
	if (root && FG_VEC_PUSH(&stack, root)) {
		while (stack.n) {
			fg_node *n = stack.v[--stack.n];
			if (n->type == FG_NODE_FILE && n->data && fg_elf_is_elf(n->data, n->data_len))
				scan_file(s, root, n);
			for (size_t i = n->nchildren; i-- > 0;)
				if (!FG_VEC_PUSH(&stack, n->children[i]))
					break;
		}
	}
	FG_VEC_FREE(&stack);
	if (root)
		mark_boot(s, root);
	return s;
}

void fg_hardening_set_free(fg_hardening_set *s)
{
	if (!s)
		return;
	FG_VEC_FREE(&s->v);
	fg_arena_free(&s->arena);
	free(s);
}
