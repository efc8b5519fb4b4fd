/*
 * elf.c - ELF objects: recognised and described, never unpacked (a leaf).
 *
 * "\x7fELF" also turns up as a string constant inside programs, so the
 * probe insists on a self-consistent header: known class and byte order,
 * version 1 in both places, the header and table entry sizes the class
 * dictates, and a program-header table inside the buffer. The chunk is
 * everything the headers describe: the header tables, every segment's
 * file image and every section's data, so an ELF inside a blob claims
 * exactly its own bytes.
 */
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "unpack/format.h"

#define EI_NIDENT 16
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ELFDATA2MSB 2
#define EV_CURRENT 1

#define PT_DYNAMIC 2
#define PT_INTERP 3
#define SHT_NOBITS 8

#define ELF_MAX_SHNUM 65535	/* walked in full only up to this */

typedef struct elf_info {
	bool is64, be;
	bool sections;		/* the section header fields are usable */
	uint16_t type, machine;
	uint64_t phoff, shoff;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum;
} elf_info;

/* Endian- and class-aware field readers over a bounds-checked cursor. */
static uint16_t rd16(fg_cursor *c, bool be) { return be ? fg_cur_u16be(c) : fg_cur_u16le(c); }
static uint32_t rd32(fg_cursor *c, bool be) { return be ? fg_cur_u32be(c) : fg_cur_u32le(c); }
static uint64_t rd64(fg_cursor *c, bool be) { return be ? fg_cur_u64be(c) : fg_cur_u64le(c); }
static uint64_t rdaddr(fg_cursor *c, const elf_info *e) { return e->is64 ? rd64(c, e->be) : rd32(c, e->be); }

static bool parse_ehdr(const uint8_t *data, size_t len, elf_info *e)
{
	if (len < 52 || memcmp(data, "\x7f" "ELF", 4) != 0)
		return false;
	uint8_t cls = data[4], enc = data[5];
	if ((cls != ELFCLASS32 && cls != ELFCLASS64) || (enc != ELFDATA2LSB && enc != ELFDATA2MSB) ||
	    data[6] != EV_CURRENT)
		return false;
	memset(e, 0, sizeof(*e));
	e->is64 = cls == ELFCLASS64;
	e->be = enc == ELFDATA2MSB;
	fg_cursor c = fg_cur_make(data, len);
	fg_cur_skip(&c, EI_NIDENT);
	e->type = rd16(&c, e->be);
	e->machine = rd16(&c, e->be);
	uint32_t version = rd32(&c, e->be);
	rdaddr(&c, e); /* entry */
	e->phoff = rdaddr(&c, e);
	e->shoff = rdaddr(&c, e);
	rd32(&c, e->be); /* flags */
	e->ehsize = rd16(&c, e->be);
	e->phentsize = rd16(&c, e->be);
	e->phnum = rd16(&c, e->be);
	e->shentsize = rd16(&c, e->be);
	e->shnum = rd16(&c, e->be);
	rd16(&c, e->be); /* shstrndx */
	if (!fg_cur_ok(&c) || version != EV_CURRENT)
		return false;
	unsigned ehsize = e->is64 ? 64 : 52, phent = e->is64 ? 56 : 32, shent = e->is64 ? 64 : 40;
	if (e->ehsize != ehsize || e->type == 0)
		return false;
	if (e->phnum && (e->phentsize != phent || e->phoff < ehsize))
		return false;
	/* the program headers must be here: the loader needs them */
	if (e->phnum && (e->phoff > len || (uint64_t)e->phnum * phent > len - e->phoff))
		return false;
	/* the loader never reads section headers, so stripped or mangled
	 * ones are ignored, not held against the file; but with no program
	 * headers either there is nothing left to trust */
	e->sections = e->shoff >= ehsize && e->shentsize == shent;
	return e->phnum || e->sections;
}

static void grow_end(uint64_t *end, uint64_t off, uint64_t size)
{
	if (off <= UINT64_MAX - size && off + size > *end)
		*end = off + size;
}

/* Walks the program headers; *INTERP and *DYNAMIC say what they hold. */
static uint64_t segments_end(const uint8_t *data, size_t len, const elf_info *e,
			     bool *interp, bool *dynamic)
{
	uint64_t end = 0;
	*interp = *dynamic = false;
	for (unsigned i = 0; i < e->phnum; i++) {
		fg_cursor c = fg_cur_make(data, len);
		fg_cur_seek(&c, (size_t)(e->phoff + (uint64_t)i * e->phentsize));
		uint32_t type = rd32(&c, e->be);
		uint64_t off, filesz;
		if (e->is64) {
			rd32(&c, e->be); /* flags */
			off = rd64(&c, e->be);
			rd64(&c, e->be); /* vaddr */
			rd64(&c, e->be); /* paddr */
			filesz = rd64(&c, e->be);
		} else {
			off = rd32(&c, e->be);
			rd32(&c, e->be);
			rd32(&c, e->be);
			filesz = rd32(&c, e->be);
		}
		if (!fg_cur_ok(&c))
			break;
		if (type == PT_INTERP)
			*interp = true;
		else if (type == PT_DYNAMIC)
			*dynamic = true;
		grow_end(&end, off, filesz);
	}
	return end;
}

/* Walks the section headers (when they are in the buffer). */
static uint64_t sections_end(const uint8_t *data, size_t len, const elf_info *e)
{
	uint64_t end = 0;
	if (!e->sections)
		return 0;
	uint64_t count = e->shnum;
	for (uint64_t i = 0; i < (count ? count : 1) && i < ELF_MAX_SHNUM; i++) {
		uint64_t at = e->shoff + i * e->shentsize;
		if (at > len)
			break;
		fg_cursor c = fg_cur_make(data, len);
		fg_cur_seek(&c, (size_t)at);
		fg_cur_skip(&c, 4); /* name */
		uint32_t type = rd32(&c, e->be);
		uint64_t off, size;
		if (e->is64) {
			fg_cur_skip(&c, 16); /* flags, addr */
			off = rd64(&c, e->be);
			size = rd64(&c, e->be);
		} else {
			fg_cur_skip(&c, 8);
			off = rd32(&c, e->be);
			size = rd32(&c, e->be);
		}
		if (!fg_cur_ok(&c))
			break;
		/* more than 0xff00 sections: section 0 holds the real count */
		if (i == 0 && count == 0) {
			count = size < (1ull << 32) ? size : (1ull << 32);
			continue;
		}
		if (type != SHT_NOBITS && i > 0)
			grow_end(&end, off, size);
	}
	grow_end(&end, e->shoff, count * e->shentsize);
	return end;
}

static int elf_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	elf_info e;
	if (!parse_ehdr(data, len, &e))
		return 0;
	bool interp, dynamic;
	uint64_t end = e.ehsize;
	grow_end(&end, e.phoff, (uint64_t)e.phnum * e.phentsize);
	uint64_t seg = segments_end(data, len, &e, &interp, &dynamic);
	uint64_t sec = sections_end(data, len, &e);
	if (seg > end)
		end = seg;
	if (sec > end)
		end = sec;
	*chunk_len = end < len ? end : len;
	/* below a kernel or firmware handler that knows the same header */
	return 80;
}

static const char *machine_name(uint16_t m)
{
	switch (m) {
	case 2: case 18: case 43: return "SPARC";
	case 3: return "x86";
	case 4: return "m68k";
	case 8: case 10: return "MIPS";
	case 15: return "PA-RISC";
	case 20: return "PowerPC";
	case 21: return "PowerPC64";
	case 22: return "S/390";
	case 40: return "ARM";
	case 42: return "SuperH";
	case 45: case 93: case 195: return "ARC";
	case 62: return "x86-64";
	case 92: return "OpenRISC";
	case 94: return "Xtensa";
	case 106: return "Blackfin";
	case 113: return "Nios II";
	case 183: return "AArch64";
	case 189: return "MicroBlaze";
	case 243: return "RISC-V";
	case 258: return "LoongArch";
	default: return NULL;
	}
}

static const char *type_name(uint16_t t)
{
	switch (t) {
	case 1: return "relocatable";
	case 2: return "executable";
	case 3: return "shared object";
	case 4: return "core file";
	default: return NULL;
	}
}

static void elf_describe(const uint8_t *data, size_t len, char *buf, size_t cap)
{
	elf_info e;
	if (!parse_ehdr(data, len, &e)) {
		snprintf(buf, cap, "ELF (bad header)");
		return;
	}
	bool interp, dynamic;
	segments_end(data, len, &e, &interp, &dynamic);
	char type[32], mach[32];
	const char *tn = type_name(e.type);
	const char *mn = machine_name(e.machine);
	/* a position-independent executable is a shared object with a loader */
	if (e.type == 3 && interp)
		tn = "pie executable";
	if (tn)
		snprintf(type, sizeof(type), "%s", tn);
	else
		snprintf(type, sizeof(type), "type 0x%x", e.type);
	if (mn)
		snprintf(mach, sizeof(mach), "%s", mn);
	else
		snprintf(mach, sizeof(mach), "machine %u", e.machine);
	const char *link = "";
	if (e.type == 2 || e.type == 3)
		link = interp || dynamic ? ", dynamic" : ", static";
	snprintf(buf, cap, "ELF %d-bit %s %s, %s%s", e.is64 ? 64 : 32, e.be ? "MSB" : "LSB",
		 type, mach, link);
}

static const fg_magic elf_magics[] = {
	{ "\x7f" "ELF", 4, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_elf = {
	.name = "elf",
	.kind = FG_FMT_LEAF,
	.magics = elf_magics,
	.probe = elf_probe,
	.describe = elf_describe,
};
