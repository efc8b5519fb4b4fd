/*
 * elf.c - the ELF reader (see elf.h for what it reads and why).
 *
 * Every read goes through the bounds-checked cursor; every offset taken
 * from the file is checked with in_file() before it is used as a
 * position, and every count is checked against both its cap and the
 * room the file has for it, so arithmetic on hostile values never
 * overflows and nothing is read outside the slice.
 */
#include "elf/elf.h"

#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"

/* ---- primitives ---------------------------------------------------------- */

static uint16_t u16(fg_cursor *c, bool be) { return be ? fg_cur_u16be(c) : fg_cur_u16le(c); }
static uint32_t u32(fg_cursor *c, bool be) { return be ? fg_cur_u32be(c) : fg_cur_u32le(c); }
static uint64_t u64(fg_cursor *c, bool be) { return be ? fg_cur_u64be(c) : fg_cur_u64le(c); }

/* An address-sized field (Elf32_Addr/Off/Word or Elf64_Addr/Off/Xword). */
static uint64_t uaddr(fg_cursor *c, const fg_elf *e)
{
	return e->is64 ? u64(c, e->be) : u32(c, e->be);
}

static fg_cursor cur_at(const fg_elf *e, uint64_t off)
{
	fg_cursor c = fg_cur_make(e->data, e->len);
	if (off > e->len)
		c.err = true;
	else
		fg_cur_seek(&c, (size_t)off);
	return c;
}

/* [OFF, OFF+N) lies inside the file. Written so that no sum can wrap. */
static bool in_file(const fg_elf *e, uint64_t off, uint64_t n)
{
	return off <= e->len && n <= e->len - off;
}

__attribute__((format(printf, 3, 4)))
static void note(fg_elf *e, unsigned bit, const char *fmt, ...)
{
	if (!e->problems) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->problem, sizeof(e->problem), fmt, ap);
		va_end(ap);
	}
	e->problems |= bit;
}

/* The string at OFF when a NUL ends it before LIMIT (the end of its
 * table, clamped to the file) and within FG_ELF_MAX_STR bytes. */
static const char *str_at(const fg_elf *e, uint64_t off, uint64_t limit)
{
	if (limit > e->len)
		limit = e->len;
	if (off >= limit)
		return NULL;
	uint64_t max = limit - off;
	if (max > FG_ELF_MAX_STR + 1)
		max = FG_ELF_MAX_STR + 1;
	return memchr(e->data + off, 0, (size_t)max) ? (const char *)e->data + off : NULL;
}

bool fg_elf_is_elf(const void *data, size_t len)
{
	const uint8_t *p = data;
	return len >= EI_NIDENT && memcmp(p, ELFMAG, SELFMAG) == 0 &&
	       (p[EI_CLASS] == ELFCLASS32 || p[EI_CLASS] == ELFCLASS64) &&
	       (p[EI_DATA] == ELFDATA2LSB || p[EI_DATA] == ELFDATA2MSB);
}

/* ---- file header ----------------------------------------------------------- */

typedef struct ehdr_counts {
	uint64_t phnum, shnum;
	uint32_t shstrndx;
} ehdr_counts;

static int read_ehdr(fg_elf *e, ehdr_counts *n)
{
	size_t ehsize = e->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	if (e->len < ehsize) {
		note(e, 0, "file header truncated (%zu of %zu bytes)", e->len, ehsize);
		return -1;
	}
	fg_cursor c = cur_at(e, EI_NIDENT);
	e->osabi = e->data[EI_OSABI];
	e->abiversion = e->data[EI_ABIVERSION];
	e->type = u16(&c, e->be);
	e->machine = u16(&c, e->be);
	(void)u32(&c, e->be); /* e_version: some packers zero it; the kernel ignores it */
	e->entry = uaddr(&c, e);
	e->phoff = uaddr(&c, e);
	e->shoff = uaddr(&c, e);
	e->eflags = u32(&c, e->be);
	(void)u16(&c, e->be); /* e_ehsize */
	e->phentsize = u16(&c, e->be);
	n->phnum = u16(&c, e->be);
	e->shentsize = u16(&c, e->be);
	n->shnum = u16(&c, e->be);
	n->shstrndx = u16(&c, e->be);
	return fg_cur_ok(&c) ? 0 : -1;
}

/* Extended numbering: counts that do not fit 16 bits live in section
 * header 0 (e_phnum == PN_XNUM, e_shnum == 0, e_shstrndx == SHN_XINDEX). */
static void read_ext_counts(fg_elf *e, ehdr_counts *n)
{
	bool need = n->phnum == PN_XNUM || (n->shnum == 0 && e->shoff) || n->shstrndx == SHN_XINDEX;
	size_t min = e->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	if (!need || !e->shoff || e->shentsize < min || !in_file(e, e->shoff, min))
		return;
	fg_cursor c = cur_at(e, e->shoff);
	fg_cur_skip(&c, 4 + 4 + (e->is64 ? 8 : 4) * 3); /* name, type, flags, addr, offset */
	uint64_t size = uaddr(&c, e);
	uint32_t link = u32(&c, e->be);
	uint32_t info = u32(&c, e->be);
	if (!fg_cur_ok(&c))
		return;
	if (n->phnum == PN_XNUM)
		n->phnum = info;
	if (n->shnum == 0)
		n->shnum = size;
	if (n->shstrndx == SHN_XINDEX)
		n->shstrndx = link;
}

/* How many ENTSIZE entries of a table at OFF the file holds, capped. */
static uint64_t fit_count(fg_elf *e, uint64_t off, uint64_t want, uint64_t entsize, uint64_t cap,
			  unsigned trunc_bit, const char *what)
{
	uint64_t fit = off <= e->len ? (e->len - off) / entsize : 0;
	if (want > cap) {
		note(e, FG_ELF_P_CAPPED, "%s: %llu entries, only %llu read", what,
		     (unsigned long long)want, (unsigned long long)cap);
		want = cap;
	}
	if (want > fit) {
		note(e, trunc_bit, "%s: table ends past the end of the file (%llu of %llu entries inside)",
		     what, (unsigned long long)fit, (unsigned long long)want);
		want = fit;
	}
	return want;
}

/* ---- program and section headers ------------------------------------------ */

static void read_phdrs(fg_elf *e, uint64_t phnum)
{
	size_t min = e->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	if (phnum == 0)
		return;
	if (e->phentsize < min) {
		note(e, FG_ELF_P_TRUNC_PHDR, "program header entries of %u bytes (need %zu)",
		     e->phentsize, min);
		return;
	}
	phnum = fit_count(e, e->phoff, phnum, e->phentsize, FG_ELF_MAX_PHDRS, FG_ELF_P_TRUNC_PHDR,
			  "program headers");
	if (!phnum || !(e->ph = calloc(phnum, sizeof(*e->ph))))
		return;
	for (uint64_t i = 0; i < phnum; i++) {
		fg_cursor c = cur_at(e, e->phoff + i * e->phentsize);
		fg_elf_phdr *p = &e->ph[i];
		p->type = u32(&c, e->be);
		if (e->is64) {
			p->flags = u32(&c, e->be);
			p->offset = u64(&c, e->be);
			p->vaddr = u64(&c, e->be);
			(void)u64(&c, e->be); /* paddr */
			p->filesz = u64(&c, e->be);
			p->memsz = u64(&c, e->be);
		} else {
			p->offset = u32(&c, e->be);
			p->vaddr = u32(&c, e->be);
			(void)u32(&c, e->be);
			p->filesz = u32(&c, e->be);
			p->memsz = u32(&c, e->be);
			p->flags = u32(&c, e->be);
		}
		if (!fg_cur_ok(&c))
			break;
		e->phnum = i + 1;
	}
}

static void name_sections(fg_elf *e, uint32_t shstrndx, const uint32_t *names)
{
	const fg_elf_shdr *st = shstrndx < e->shnum ? &e->sh[shstrndx] : NULL;
	bool ok = st && st->type == SHT_STRTAB && in_file(e, st->offset, st->size);
	for (size_t i = 0; i < e->shnum; i++) {
		const char *s = ok && names[i] < st->size ?
			str_at(e, st->offset + names[i], st->offset + st->size) : NULL;
		e->sh[i].name = s ? s : "";
	}
}

static void read_shdrs(fg_elf *e, uint64_t shnum, uint32_t shstrndx)
{
	size_t min = e->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	if (!e->shoff || !shnum)
		return;
	if (e->shentsize < min) {
		note(e, FG_ELF_P_BAD_SECTIONS, "section header entries of %u bytes (need %zu)",
		     e->shentsize, min);
		return;
	}
	shnum = fit_count(e, e->shoff, shnum, e->shentsize, FG_ELF_MAX_SHDRS, FG_ELF_P_TRUNC_SHDR,
			  "section headers");
	uint32_t *names = calloc(shnum ? shnum : 1, sizeof(*names));
	if (!shnum || !names || !(e->sh = calloc(shnum, sizeof(*e->sh)))) {
		free(names);
		return;
	}
	for (uint64_t i = 0; i < shnum; i++) {
		fg_cursor c = cur_at(e, e->shoff + i * e->shentsize);
		fg_elf_shdr *s = &e->sh[i];
		names[i] = u32(&c, e->be);
		s->type = u32(&c, e->be);
		s->flags = uaddr(&c, e);
		s->addr = uaddr(&c, e);
		s->offset = uaddr(&c, e);
		s->size = uaddr(&c, e);
		s->link = u32(&c, e->be);
		s->info = u32(&c, e->be);
		(void)uaddr(&c, e); /* addralign */
		s->entsize = uaddr(&c, e);
		if (!fg_cur_ok(&c))
			break;
		e->shnum = i + 1;
	}
	name_sections(e, shstrndx, names);
	free(names);
}

/* ---- interpreter and dynamic section ---------------------------------------- */

static void read_interp(fg_elf *e)
{
	/* The kernel uses the first PT_INTERP and insists on a NUL at its end. */
	for (size_t i = 0; i < e->phnum; i++) {
		const fg_elf_phdr *p = &e->ph[i];
		if (p->type != PT_INTERP)
			continue;
		if (p->filesz < 2 || p->filesz > FG_ELF_MAX_STR || !in_file(e, p->offset, p->filesz) ||
		    e->data[p->offset + p->filesz - 1] != '\0') {
			note(e, FG_ELF_P_BAD_INTERP, "PT_INTERP is not a string inside the file");
			return;
		}
		e->interp = str_at(e, p->offset, p->offset + p->filesz);
		return;
	}
}

int64_t fg_elf_vaddr_to_off(const fg_elf *e, uint64_t addr, uint64_t need)
{
	for (size_t i = 0; i < e->phnum; i++) {
		const fg_elf_phdr *p = &e->ph[i];
		if (p->type != PT_LOAD || addr < p->vaddr || addr - p->vaddr >= p->filesz)
			continue;
		uint64_t delta = addr - p->vaddr;
		if (need > p->filesz - delta || !in_file(e, p->offset, delta) ||
		    !in_file(e, p->offset + delta, need))
			continue;
		return (int64_t)(p->offset + delta);
	}
	return -1;
}

/* Raw dynamic values, turned into strings once DT_STRTAB is known. */
typedef struct dyn_raw {
	uint64_t *needed;
	size_t nneeded;
	uint64_t rpath, runpath, soname;
	bool has_rpath, has_runpath, has_soname;
} dyn_raw;

static void dyn_entry(fg_elf *e, dyn_raw *r, uint64_t tag, uint64_t val)
{
	fg_elf_dynamic *d = &e->dyn;
	switch (tag) {
	case DT_NEEDED:
		if (r->nneeded < FG_ELF_MAX_NEEDED)
			r->needed[r->nneeded++] = val;
		else
			note(e, FG_ELF_P_CAPPED, "more than %d DT_NEEDED entries", FG_ELF_MAX_NEEDED);
		break;
	case DT_RPATH: r->rpath = val; r->has_rpath = true; break;
	case DT_RUNPATH: r->runpath = val; r->has_runpath = true; break;
	case DT_SONAME: r->soname = val; r->has_soname = true; break;
	case DT_FLAGS: d->flags = val; d->has_flags = true; break;
	case DT_FLAGS_1: d->flags_1 = val; d->has_flags_1 = true; break;
	case DT_BIND_NOW: d->bind_now = true; break;
	case DT_DEBUG: d->debug = true; break;
	case DT_TEXTREL: d->textrel = true; break;
	case DT_STRTAB: d->strtab = val; break;
	case DT_STRSZ: d->strsz = val; break;
	case DT_SYMTAB: d->symtab = val; break;
	case DT_SYMENT: d->syment = val; break;
	case DT_HASH: d->hash = val; break;
	case DT_GNU_HASH: d->gnu_hash = val; break;
	case DT_MIPS_SYMTABNO:
		/* 0x70000011 is processor-specific: only MIPS means the count. */
		if (e->machine == EM_MIPS || e->machine == EM_MIPS_RS3_LE)
			d->mips_symtabno = val;
		break;
	default: break;
	}
}

/* The dynamic string table as [off, limit), or false. */
static bool dyn_strtab(fg_elf *e, uint64_t *off, uint64_t *limit)
{
	const fg_elf_dynamic *d = &e->dyn;
	int64_t o = d->strtab ? fg_elf_vaddr_to_off(e, d->strtab, 1) : -1;
	if (o < 0) {
		note(e, FG_ELF_P_BAD_STRTAB, "DT_STRTAB 0x%llx is not mapped by any PT_LOAD",
		     (unsigned long long)d->strtab);
		return false;
	}
	*off = (uint64_t)o;
	*limit = e->len;
	if (d->strsz && d->strsz <= e->len - *off)
		*limit = *off + d->strsz;
	else if (d->strsz)
		note(e, FG_ELF_P_BAD_STRTAB, "DT_STRSZ %llu reaches past the end of the file",
		     (unsigned long long)d->strsz);
	return true;
}

static const char *dyn_str(fg_elf *e, uint64_t base, uint64_t limit, uint64_t idx, int64_t *where)
{
	if (idx >= limit - base)
		return NULL;
	const char *s = str_at(e, base + idx, limit);
	if (s && where)
		*where = (int64_t)(base + idx);
	return s;
}

static void dyn_strings(fg_elf *e, const dyn_raw *r)
{
	fg_elf_dynamic *d = &e->dyn;
	uint64_t base, limit;
	if (!(r->nneeded || r->has_rpath || r->has_runpath || r->has_soname) ||
	    !dyn_strtab(e, &base, &limit))
		return;
	if (r->nneeded && (d->needed = calloc(r->nneeded, sizeof(*d->needed)))) {
		for (size_t i = 0; i < r->nneeded; i++) {
			const char *s = dyn_str(e, base, limit, r->needed[i], NULL);
			if (s)
				d->needed[d->nneeded++] = s;
		}
	}
	if (r->has_rpath)
		d->rpath = dyn_str(e, base, limit, r->rpath, &d->rpath_off);
	if (r->has_runpath)
		d->runpath = dyn_str(e, base, limit, r->runpath, &d->runpath_off);
	if (r->has_soname)
		d->soname = dyn_str(e, base, limit, r->soname, NULL);
}

static void read_dynamic(fg_elf *e)
{
	size_t idx;
	/* glibc's loader keeps the last PT_DYNAMIC it sees; so do we. */
	const fg_elf_phdr *p = fg_elf_phdr_last(e, PT_DYNAMIC, &idx);
	uint64_t entsize = e->is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
	e->dyn.rpath_off = e->dyn.runpath_off = -1;
	if (!p)
		return;
	if (!in_file(e, p->offset, 0)) {
		note(e, FG_ELF_P_BAD_DYNAMIC, "PT_DYNAMIC at program header %zu starts past the end", idx);
		return;
	}
	uint64_t n = p->filesz / entsize;
	n = fit_count(e, p->offset, n, entsize, FG_ELF_MAX_DYN, FG_ELF_P_BAD_DYNAMIC, "dynamic section");
	dyn_raw r = { .needed = calloc(FG_ELF_MAX_NEEDED, sizeof(uint64_t)) };
	if (!r.needed)
		return;
	fg_cursor c = cur_at(e, p->offset);
	bool terminated = false;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t tag = uaddr(&c, e), val = uaddr(&c, e);
		if (!fg_cur_ok(&c))
			break;
		if (tag == DT_NULL) {
			terminated = true;
			break;
		}
		e->dyn.entries++;
		dyn_entry(e, &r, tag, val);
	}
	e->dyn.present = true;
	if (!terminated)
		note(e, FG_ELF_P_BAD_DYNAMIC, "dynamic section has no DT_NULL within %llu entries",
		     (unsigned long long)n);
	dyn_strings(e, &r);
	free(r.needed);
}

/* ---- symbols --------------------------------------------------------------- */

static size_t sym_size(const fg_elf *e)
{
	return e->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
}

/* Reads COUNT symbols at OFF with names in [STROFF, STRLIM). */
static fg_elf_sym *read_syms(fg_elf *e, uint64_t off, uint64_t count, uint64_t entsize,
			     uint64_t stroff, uint64_t strlim, size_t *nout)
{
	*nout = 0;
	if (!count)
		return NULL;
	fg_elf_sym *v = calloc(count, sizeof(*v));
	if (!v)
		return NULL;
	for (uint64_t i = 0; i < count; i++) {
		fg_cursor c = cur_at(e, off + i * entsize);
		fg_elf_sym *s = &v[i];
		uint32_t name = u32(&c, e->be);
		if (e->is64) {
			uint8_t info = fg_cur_u8(&c);
			(void)fg_cur_u8(&c);
			s->shndx = u16(&c, e->be);
			s->value = u64(&c, e->be);
			s->size = u64(&c, e->be);
			s->bind = ELF64_ST_BIND(info);
			s->type = ELF64_ST_TYPE(info);
		} else {
			s->value = u32(&c, e->be);
			s->size = u32(&c, e->be);
			uint8_t info = fg_cur_u8(&c);
			(void)fg_cur_u8(&c);
			s->shndx = u16(&c, e->be);
			s->bind = ELF32_ST_BIND(info);
			s->type = ELF32_ST_TYPE(info);
		}
		if (!fg_cur_ok(&c))
			break;
		const char *nm = name < strlim - stroff ? str_at(e, stroff + name, strlim) : NULL;
		s->name = nm ? nm : "";
		*nout = i + 1;
	}
	return v;
}

/* A symbol table section with its string table, validated. */
static bool section_table(fg_elf *e, const fg_elf_shdr *s, uint64_t *count, uint64_t *stroff,
			  uint64_t *strlim)
{
	size_t es = sym_size(e);
	if ((s->entsize && s->entsize != es) || !in_file(e, s->offset, s->size) ||
	    s->link >= e->shnum)
		return false;
	const fg_elf_shdr *st = &e->sh[s->link];
	if (st->type != SHT_STRTAB || !in_file(e, st->offset, st->size))
		return false;
	*count = s->size / es;
	*stroff = st->offset;
	*strlim = st->offset + st->size;
	return true;
}

static const fg_elf_shdr *section_of_type(const fg_elf *e, uint32_t type)
{
	for (size_t i = 0; i < e->shnum; i++)
		if (e->sh[i].type == type)
			return &e->sh[i];
	return NULL;
}

/* Symbol count from DT_GNU_HASH: one past the highest index any bucket
 * chain reaches (a chain ends at an entry with bit 0 set). A chain that
 * never ends runs into the end of the file or the cap. */
static uint64_t gnu_hash_count(fg_elf *e)
{
	int64_t off = fg_elf_vaddr_to_off(e, e->dyn.gnu_hash, 16);
	if (off < 0)
		return 0;
	fg_cursor c = cur_at(e, (uint64_t)off);
	uint32_t nbuckets = u32(&c, e->be), symoffset = u32(&c, e->be);
	uint32_t bloom = u32(&c, e->be);
	(void)u32(&c, e->be);
	uint64_t word = e->is64 ? 8 : 4;
	uint64_t buckets = (uint64_t)off + 16 + (uint64_t)bloom * word;
	if (!fg_cur_ok(&c) || !in_file(e, buckets, (uint64_t)nbuckets * 4))
		return 0;
	c = cur_at(e, buckets);
	uint32_t max = 0;
	for (uint32_t i = 0; i < nbuckets; i++) {
		uint32_t b = u32(&c, e->be);
		if (b > max)
			max = b;
	}
	if (max == 0)
		return symoffset;
	if (max < symoffset)
		return 0;
	uint64_t chains = buckets + (uint64_t)nbuckets * 4;
	for (uint64_t idx = max; idx - max < FG_ELF_MAX_SYMS; idx++) {
		uint64_t at = chains + (idx - symoffset) * 4;
		if (!in_file(e, at, 4))
			return 0;
		fg_cursor cc = cur_at(e, at);
		if (u32(&cc, e->be) & 1)
			return idx + 1;
	}
	return FG_ELF_MAX_SYMS + 1; /* a chain without an end: capped below */
}

/* The dynamic symbol count as the loader would know it. */
static uint64_t dyn_sym_count(fg_elf *e, uint64_t syment)
{
	const fg_elf_dynamic *d = &e->dyn;
	int64_t off;
	if (d->hash && (off = fg_elf_vaddr_to_off(e, d->hash, 8)) >= 0) {
		fg_cursor c = cur_at(e, (uint64_t)off + 4);
		e->dynsym_src = FG_DYNSYM_HASH;
		return u32(&c, e->be); /* nchain == number of symbols */
	}
	if (d->gnu_hash) {
		e->dynsym_src = FG_DYNSYM_GNU_HASH;
		return gnu_hash_count(e);
	}
	if (d->mips_symtabno) {
		e->dynsym_src = FG_DYNSYM_MIPS;
		return d->mips_symtabno;
	}
	if (d->strtab > d->symtab) {
		/* The linker's default layout puts .dynstr right after .dynsym. */
		e->dynsym_src = FG_DYNSYM_GUESS;
		return (d->strtab - d->symtab) / syment;
	}
	return 0;
}

static bool dynsym_from_dynamic(fg_elf *e)
{
	const fg_elf_dynamic *d = &e->dyn;
	uint64_t es = sym_size(e), stroff, strlim;
	if (!d->present || !d->symtab)
		return false;
	if (d->syment && d->syment != es) {
		note(e, FG_ELF_P_BAD_DYNSYM, "DT_SYMENT %llu, expected %llu",
		     (unsigned long long)d->syment, (unsigned long long)es);
		return false;
	}
	int64_t off = fg_elf_vaddr_to_off(e, d->symtab, es);
	if (off < 0 || !dyn_strtab(e, &stroff, &strlim)) {
		note(e, FG_ELF_P_BAD_DYNSYM, "DT_SYMTAB 0x%llx is not mapped by any PT_LOAD",
		     (unsigned long long)d->symtab);
		return false;
	}
	uint64_t n = dyn_sym_count(e, es);
	n = fit_count(e, (uint64_t)off, n, es, FG_ELF_MAX_SYMS, FG_ELF_P_BAD_DYNSYM, "dynamic symbols");
	e->dynsym = read_syms(e, (uint64_t)off, n, es, stroff, strlim, &e->ndynsym);
	return e->dynsym != NULL;
}

static void read_dynsym(fg_elf *e)
{
	const fg_elf_shdr *s = section_of_type(e, SHT_DYNSYM);
	uint64_t n, stroff, strlim;
	if (s && section_table(e, s, &n, &stroff, &strlim)) {
		n = fit_count(e, s->offset, n, sym_size(e), FG_ELF_MAX_SYMS, FG_ELF_P_BAD_DYNSYM,
			      ".dynsym");
		e->dynsym = read_syms(e, s->offset, n, sym_size(e), stroff, strlim, &e->ndynsym);
		e->dynsym_src = FG_DYNSYM_SECTION;
		if (e->dynsym)
			return;
	} else if (s) {
		note(e, FG_ELF_P_BAD_SECTIONS, ".dynsym section header is inconsistent; using DT_SYMTAB");
	}
	e->dynsym_src = FG_DYNSYM_NONE;
	dynsym_from_dynamic(e);
}

static void read_symtab(fg_elf *e)
{
	const fg_elf_shdr *s = section_of_type(e, SHT_SYMTAB);
	uint64_t n, stroff, strlim;
	if (!s)
		return;
	e->has_symtab = true;
	if (!section_table(e, s, &n, &stroff, &strlim)) {
		note(e, FG_ELF_P_BAD_SYMTAB, ".symtab section header is inconsistent");
		return;
	}
	n = fit_count(e, s->offset, n, sym_size(e), FG_ELF_MAX_SYMS, FG_ELF_P_BAD_SYMTAB, ".symtab");
	e->symtab = read_syms(e, s->offset, n, sym_size(e), stroff, strlim, &e->nsymtab);
}

/* ---- entry points ------------------------------------------------------------ */

int fg_elf_parse(fg_elf *e, const void *data, size_t len)
{
	memset(e, 0, sizeof(*e));
	e->data = data;
	e->len = len;
	e->dyn.rpath_off = e->dyn.runpath_off = -1;
	if (!data || !fg_elf_is_elf(data, len)) {
		snprintf(e->problem, sizeof(e->problem), "not an ELF file");
		return -1;
	}
	e->is64 = e->data[EI_CLASS] == ELFCLASS64;
	e->be = e->data[EI_DATA] == ELFDATA2MSB;
	ehdr_counts n = {0};
	if (read_ehdr(e, &n) != 0)
		return -1;
	read_ext_counts(e, &n);
	read_phdrs(e, n.phnum);
	read_shdrs(e, n.shnum, n.shstrndx);
	read_interp(e);
	read_dynamic(e);
	read_dynsym(e);
	read_symtab(e);
	return 0;
}

void fg_elf_free(fg_elf *e)
{
	free(e->ph);
	free(e->sh);
	free(e->dyn.needed);
	free(e->dynsym);
	free(e->symtab);
	e->ph = NULL;
	e->sh = NULL;
	e->dyn.needed = NULL;
	e->dynsym = e->symtab = NULL;
	e->phnum = e->shnum = e->ndynsym = e->nsymtab = e->dyn.nneeded = 0;
}

const fg_elf_phdr *fg_elf_phdr_last(const fg_elf *e, uint32_t type, size_t *index)
{
	for (size_t i = e->phnum; i-- > 0;) {
		if (e->ph[i].type == type) {
			if (index)
				*index = i;
			return &e->ph[i];
		}
	}
	return NULL;
}

size_t fg_elf_phdr_count(const fg_elf *e, uint32_t type)
{
	size_t n = 0;
	for (size_t i = 0; i < e->phnum; i++)
		n += e->ph[i].type == type;
	return n;
}

const fg_elf_shdr *fg_elf_section(const fg_elf *e, const char *name)
{
	for (size_t i = 0; i < e->shnum; i++)
		if (strcmp(e->sh[i].name, name) == 0)
			return &e->sh[i];
	return NULL;
}

static const char *mips_name(const fg_elf *e)
{
	if (e->is64)
		return e->be ? "mips64" : "mips64el";
	return e->be ? "mips" : "mipsel";
}

const char *fg_elf_arch(const fg_elf *e, char *buf, size_t cap)
{
	const char *s = NULL;
	switch (e->machine) {
	case EM_386: s = "x86"; break;
	case EM_X86_64: s = e->is64 ? "x86_64" : "x32"; break;
	case EM_ARM: s = e->be ? "armeb" : "arm"; break;
	case EM_AARCH64: s = e->be ? "aarch64_be" : "aarch64"; break;
	case EM_MIPS: case EM_MIPS_RS3_LE: s = mips_name(e); break;
	case EM_PPC: s = "ppc"; break;
	case EM_PPC64: s = e->be ? "ppc64" : "ppc64le"; break;
	case EM_RISCV: s = e->is64 ? "riscv64" : "riscv32"; break;
	case EM_SH: s = e->be ? "sheb" : "sh"; break;
	case EM_SPARC: case EM_SPARC32PLUS: s = "sparc"; break;
	case EM_SPARCV9: s = "sparc64"; break;
	case EM_XTENSA: s = "xtensa"; break;
	case EM_ARC: case EM_ARC_COMPACT: case 195 /* EM_ARCV2 */: s = "arc"; break;
	case EM_68K: s = "m68k"; break;
	case EM_MICROBLAZE: s = "microblaze"; break;
	case EM_ALTERA_NIOS2: s = "nios2"; break;
	case EM_S390: s = e->is64 ? "s390x" : "s390"; break;
	case EM_LOONGARCH: s = "loongarch64"; break;
	case EM_CSKY: s = "csky"; break;
	case EM_OPENRISC: s = "or1k"; break;
	default: break;
	}
	if (s)
		snprintf(buf, cap, "%s", s);
	else
		snprintf(buf, cap, "em-%u", e->machine);
	return buf;
}

const char *fg_elf_type_name(uint16_t type, char *buf, size_t cap)
{
	static const char *const names[] = { "NONE", "REL", "EXEC", "DYN", "CORE" };
	if (type < sizeof(names) / sizeof(names[0]))
		snprintf(buf, cap, "%s", names[type]);
	else
		snprintf(buf, cap, "type-%u", type);
	return buf;
}

void fg_elf_pflags(uint32_t flags, char out[4])
{
	out[0] = flags & PF_R ? 'R' : '-';
	out[1] = flags & PF_W ? 'W' : '-';
	out[2] = flags & PF_X ? 'X' : '-';
	out[3] = '\0';
}
