/*
 * synth_elf.h - builds small 32-bit ELF files for the hardening tests.
 *
 * One PT_LOAD over the whole file at 0x10000; a dynamic section with the
 * requested DT_NEEDED, RPATH/RUNPATH, flags and imports (found through
 * DT_HASH, or through a DT_GNU_HASH whose chain never ends); optional
 * PT_INTERP, PT_GNU_RELRO and PT_GNU_STACK entries. Either byte order.
 */
#ifndef FG_SYNTH_ELF_H
#define FG_SYNTH_ELF_H

#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* A 32-bit ELF with one PT_LOAD over the whole file at 0x10000, and
 * whatever else a test asks for. */
typedef struct synth {
	bool be;
	uint16_t type, machine;
	uint32_t stack[4];          /* PT_GNU_STACK flags, in order */
	int nstack;
	bool relro, interp, no_dtnull, gnu_hash_loop;
	uint32_t flags, flags_1;
	bool bind_now_tag;
	const char *needed[4];
	const char *rpath, *runpath;
	const char *imports[16];
	const char *extra;          /* one more string in the file */
	uint8_t out[16384];
	size_t len;
} synth;

static inline void put16(synth *s, size_t at, uint16_t v)
{
	s->out[at] = (uint8_t)(s->be ? v >> 8 : v);
	s->out[at + 1] = (uint8_t)(s->be ? v : v >> 8);
}

static inline void put32(synth *s, size_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		s->out[at + (size_t)i] = (uint8_t)(v >> (s->be ? 24 - 8 * i : 8 * i));
}

#define BASE 0x10000u

static inline size_t add_str(synth *s, size_t strtab, size_t *strlen_, const char *str)
{
	size_t at = *strlen_;
	memcpy(s->out + strtab + at, str, strlen(str) + 1);
	*strlen_ += strlen(str) + 1;
	return at;
}

static inline void phdr(synth *s, size_t i, uint32_t type, uint32_t off, uint32_t sz, uint32_t flags)
{
	size_t at = 52 + i * 32;
	put32(s, at, type);
	put32(s, at + 4, off);
	put32(s, at + 8, BASE + off);
	put32(s, at + 12, BASE + off);
	put32(s, at + 16, sz);
	put32(s, at + 20, sz);
	put32(s, at + 24, flags);
	put32(s, at + 28, 4);
}

static inline size_t synth_build(synth *s)
{
	memset(s->out, 0, sizeof(s->out));
	const size_t ph_n = 4 + (size_t)s->nstack, dyn = 52 + 32 * 8, dyn_n = 32;
	const size_t sym = dyn + dyn_n * 8, nsym = 1 + 16, str = sym + nsym * 16;
	size_t slen = 1, d = 0, nimp = 0;
	memcpy(s->out, "\x7f" "ELF", 4);
	s->out[EI_CLASS] = ELFCLASS32;
	s->out[EI_DATA] = s->be ? ELFDATA2MSB : ELFDATA2LSB;
	s->out[EI_VERSION] = EV_CURRENT;
	put16(s, 16, s->type ? s->type : ET_DYN);
	put16(s, 18, s->machine ? s->machine : EM_ARM);
	put32(s, 20, EV_CURRENT);
	put32(s, 28, 52);                  /* e_phoff */
	put16(s, 40, 52);
	put16(s, 42, 32);
	put16(s, 44, (uint16_t)ph_n);
	put16(s, 46, 40);
	/* strings and symbols */
	size_t interp_off = s->interp ? add_str(s, str, &slen, "/lib/ld-linux-armhf.so.3") : 0;
	uint32_t needed[4], rp = 0, rnp = 0;
	for (int i = 0; i < 4 && s->needed[i]; i++)
		needed[i] = (uint32_t)add_str(s, str, &slen, s->needed[i]);
	if (s->rpath)
		rp = (uint32_t)add_str(s, str, &slen, s->rpath);
	if (s->runpath)
		rnp = (uint32_t)add_str(s, str, &slen, s->runpath);
	if (s->extra)
		add_str(s, str, &slen, s->extra);
	for (; nimp < 16 && s->imports[nimp]; nimp++) {
		size_t at = sym + (nimp + 1) * 16;
		put32(s, at, (uint32_t)add_str(s, str, &slen, s->imports[nimp]));
		s->out[at + 12] = (uint8_t)ELF32_ST_INFO(STB_GLOBAL, STT_FUNC);
	}
	size_t hash = (str + slen + 3) & ~(size_t)3;
	/* DT_HASH: one bucket, nchain = every symbol */
	put32(s, hash, 1);
	put32(s, hash + 4, (uint32_t)(nimp + 1));
	size_t gnu = hash + 8 + 4 * (nimp + 2);
	/* DT_GNU_HASH with one bucket whose chain never ends */
	put32(s, gnu, 1);
	put32(s, gnu + 4, 1);
	put32(s, gnu + 8, 1);
	put32(s, gnu + 16, 0);
	put32(s, gnu + 20, 1);               /* bucket[0] = symbol 1 */
	size_t end = gnu + 24 + 64;          /* chain words, all even: no end bit */
	s->len = end;
	/* dynamic section */
#define DYN(tag, val) do { put32(s, dyn + d * 8, (tag)); put32(s, dyn + d * 8 + 4, (val)); d++; } while (0)
	for (int i = 0; i < 4 && s->needed[i]; i++)
		DYN(DT_NEEDED, needed[i]);
	if (s->rpath)
		DYN(DT_RPATH, rp);
	if (s->runpath)
		DYN(DT_RUNPATH, rnp);
	if (s->flags)
		DYN(DT_FLAGS, s->flags);
	if (s->flags_1)
		DYN(DT_FLAGS_1, s->flags_1);
	if (s->bind_now_tag)
		DYN(DT_BIND_NOW, 0);
	DYN(DT_STRTAB, (uint32_t)(BASE + str));
	DYN(DT_STRSZ, (uint32_t)slen);
	DYN(DT_SYMTAB, (uint32_t)(BASE + sym));
	DYN(DT_SYMENT, 16);
	if (s->gnu_hash_loop)
		DYN(DT_GNU_HASH, (uint32_t)(BASE + gnu));
	else
		DYN(DT_HASH, (uint32_t)(BASE + hash));
	while (s->no_dtnull && d < dyn_n)
		DYN(DT_DEBUG, 0);               /* fills the section: no DT_NULL anywhere */
#undef DYN
	size_t i = 0;
	phdr(s, i++, PT_LOAD, 0, (uint32_t)end, PF_R | PF_X);
	phdr(s, i++, PT_DYNAMIC, (uint32_t)dyn, (uint32_t)(dyn_n * 8), PF_R | PF_W);
	phdr(s, i++, s->interp ? PT_INTERP : PT_NOTE, (uint32_t)(str + interp_off),
	     s->interp ? 25 : 0, PF_R);
	phdr(s, i++, s->relro ? PT_GNU_RELRO : PT_NULL, (uint32_t)dyn, 64, PF_R);
	for (int k = 0; k < s->nstack; k++)
		phdr(s, i++, PT_GNU_STACK, 0, 0, s->stack[k]);
	return s->len;
}

#endif
