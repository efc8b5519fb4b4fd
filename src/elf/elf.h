/*
 * elf.h - our own ELF reader, for the hardening checks.
 *
 * Reads 32- and 64-bit objects of either byte order straight from a byte
 * slice (the tree's file content; nothing is copied but the tables we
 * decode): the file header, program headers, section headers when
 * present, the interpreter (PT_INTERP), the dynamic section (needed
 * libraries, RPATH/RUNPATH, flags, the tables that locate the dynamic
 * symbols), the dynamic symbols and, when present, the static symbol
 * table.
 *
 * Firmware binaries are often "sstripped": no section headers at all, or
 * section headers that lie. So the dynamic symbols are found the way the
 * dynamic loader finds them -- DT_SYMTAB/DT_STRTAB addresses mapped to
 * file offsets through PT_LOAD, the count taken from DT_HASH,
 * DT_GNU_HASH or DT_MIPS_SYMTABNO -- and the section table is only
 * preferred when it is consistent.
 *
 * Every offset and count is validated against the slice, every table is
 * capped (FG_ELF_MAX_*), and every string handed out is NUL-terminated
 * inside the slice. Hostile input gives a partial result plus a note in
 * `problem`, never a crash. Strings point into the slice, so the slice
 * must outlive the fg_elf.
 */
#ifndef FG_ELF_H
#define FG_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FG_ELF_MAX_PHDRS 4096
#define FG_ELF_MAX_SHDRS 65536
#define FG_ELF_MAX_DYN 16384        /* dynamic entries read before DT_NULL */
#define FG_ELF_MAX_SYMS (1u << 20)  /* per symbol table */
#define FG_ELF_MAX_NEEDED 512
#define FG_ELF_MAX_STR 4096         /* longest string accepted (paths, names) */

typedef struct fg_elf_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz;
} fg_elf_phdr;

typedef struct fg_elf_shdr {
	const char *name;           /* "" when the name table is unusable */
	uint32_t type, link, info;
	uint64_t flags, addr, offset, size, entsize;
} fg_elf_shdr;

typedef struct fg_elf_sym {
	const char *name;           /* never NULL; "" when unreadable */
	uint64_t value, size;
	uint8_t bind, type;         /* STB_*, STT_* */
	uint16_t shndx;             /* SHN_UNDEF (0) for imports */
} fg_elf_sym;

/* Where the dynamic symbols came from. */
typedef enum fg_elf_dynsym_src {
	FG_DYNSYM_NONE = 0,
	FG_DYNSYM_SECTION,          /* SHT_DYNSYM */
	FG_DYNSYM_HASH,             /* DT_SYMTAB, counted by DT_HASH */
	FG_DYNSYM_GNU_HASH,         /* DT_SYMTAB, counted by DT_GNU_HASH */
	FG_DYNSYM_MIPS,             /* DT_SYMTAB, counted by DT_MIPS_SYMTABNO */
	FG_DYNSYM_GUESS,            /* DT_SYMTAB up to DT_STRTAB (common layout) */
} fg_elf_dynsym_src;

typedef struct fg_elf_dynamic {
	bool present;               /* a PT_DYNAMIC with readable entries */
	size_t entries;             /* up to and excluding DT_NULL */
	uint64_t flags, flags_1;    /* DT_FLAGS, DT_FLAGS_1 */
	bool has_flags, has_flags_1;
	bool bind_now;              /* DT_BIND_NOW tag present */
	bool debug;                 /* DT_DEBUG present (checksec's PIE test) */
	bool textrel;               /* DT_TEXTREL or DF_TEXTREL */
	const char *soname;
	const char *rpath, *runpath; /* NULL when absent */
	int64_t rpath_off, runpath_off; /* file offsets of the strings, -1 if none */
	const char **needed;
	size_t nneeded;
	uint64_t strtab, strsz, symtab, syment, hash, gnu_hash, mips_symtabno;
} fg_elf_dynamic;

/* Problems met while reading; the result is still usable as far as it goes. */
enum fg_elf_problem {
	FG_ELF_P_TRUNC_PHDR = 1u << 0,   /* program header table outside the file */
	FG_ELF_P_TRUNC_SHDR = 1u << 1,   /* section header table outside the file */
	FG_ELF_P_BAD_DYNAMIC = 1u << 2,  /* PT_DYNAMIC unreadable or without DT_NULL */
	FG_ELF_P_BAD_STRTAB = 1u << 3,   /* DT_STRTAB not mapped or strings cut */
	FG_ELF_P_BAD_DYNSYM = 1u << 4,   /* dynamic symbols could not be located */
	FG_ELF_P_BAD_SYMTAB = 1u << 5,   /* .symtab present but unreadable */
	FG_ELF_P_CAPPED = 1u << 6,       /* a table was longer than its cap */
	FG_ELF_P_BAD_INTERP = 1u << 7,   /* PT_INTERP not a string in the file */
	FG_ELF_P_BAD_SECTIONS = 1u << 8, /* section headers inconsistent, ignored */
};

typedef struct fg_elf {
	const uint8_t *data;
	size_t len;

	bool is64, be;
	uint8_t osabi, abiversion;
	uint16_t type, machine;     /* ET_*, EM_* */
	uint32_t eflags;
	uint64_t entry;
	uint64_t phoff, shoff;
	uint16_t phentsize, shentsize;

	fg_elf_phdr *ph;
	size_t phnum;               /* entries actually read */
	fg_elf_shdr *sh;
	size_t shnum;

	const char *interp;         /* PT_INTERP, NULL when absent */

	fg_elf_dynamic dyn;

	fg_elf_sym *dynsym;
	size_t ndynsym;
	fg_elf_dynsym_src dynsym_src;

	fg_elf_sym *symtab;         /* .symtab: NULL when stripped */
	size_t nsymtab;
	bool has_symtab;            /* a SHT_SYMTAB section exists */

	unsigned problems;          /* fg_elf_problem bits */
	char problem[160];          /* the first problem, in words */
} fg_elf;

/* True when DATA starts with a plausible ELF identification (magic, a
 * known class and byte order). */
bool fg_elf_is_elf(const void *data, size_t len);

/* Parses DATA. Returns 0 when the header was read (the rest may be
 * partial: see e->problems), -1 when DATA is not an ELF file; on -1
 * e->problem says why. Always call fg_elf_free() afterwards. */
int fg_elf_parse(fg_elf *e, const void *data, size_t len);
void fg_elf_free(fg_elf *e);

/* File offset of virtual address ADDR through PT_LOAD segments, with at
 * least NEED bytes of file data behind it; -1 when not mapped. */
int64_t fg_elf_vaddr_to_off(const fg_elf *e, uint64_t addr, uint64_t need);

/* The last program header of TYPE and its index, or NULL. */
const fg_elf_phdr *fg_elf_phdr_last(const fg_elf *e, uint32_t type, size_t *index);
/* Number of program headers of TYPE. */
size_t fg_elf_phdr_count(const fg_elf *e, uint32_t type);

/* Section by name, or NULL. */
const fg_elf_shdr *fg_elf_section(const fg_elf *e, const char *name);

/* Short architecture name: "x86_64", "x86", "aarch64", "arm", "armeb",
 * "mips", "mipsel", "mips64", "mips64el", "ppc", "ppc64", "ppc64le",
 * "riscv64", ... or "em-<n>" for machines we do not name. */
const char *fg_elf_arch(const fg_elf *e, char *buf, size_t cap);

/* "EXEC", "DYN", "REL", "CORE" or "type-<n>". */
const char *fg_elf_type_name(uint16_t type, char *buf, size_t cap);

/* "RWX"-style flags of a program header (absent flags as '-'). */
void fg_elf_pflags(uint32_t flags, char out[4]);

#endif
