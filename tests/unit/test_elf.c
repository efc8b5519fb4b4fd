/* The ELF reader (src/elf/elf.c) and the per-file verdicts
 * (src/elf/hardening.c): real binaries of several architectures, files
 * whose section headers are stripped, synthetic files, hostile input. */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test.h"
#include "synth_elf.h"
#include "elf/elf.h"
#include "elf/hardening.h"

/* ---- files ------------------------------------------------------------- */

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) != 0 || st.st_size <= 0) {
		fclose(f);
		return NULL;
	}
	uint8_t *buf = malloc((size_t)st.st_size);
	*len = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
	fclose(f);
	return buf;
}

static const char *shared_dir(void)
{
	const char *d = getenv("FG_SHARED_DIR");
	return d && *d ? d : "/work/shared";
}

static void corpus_path(char *out, size_t cap, const char *rel)
{
	const char *c = getenv("FG_CORPUS_DIR");
	if (c && *c)
		snprintf(out, cap, "%s/.build/trees/%s", c, rel);
	else
		snprintf(out, cap, "%s/.cache/firmgate/corpus/.build/trees/%s",
			 getenv("HOME") ? getenv("HOME") : "/root", rel);
}

static void sample_path(char *out, size_t cap, const char *rel)
{
	snprintf(out, cap, "%s/samples/%s", shared_dir(), rel);
}

typedef struct loaded {
	uint8_t *data;
	size_t len;
	fg_elf e;
	fg_hardening h;
	fg_arena arena;
} loaded;

/* Loads and rates PATH; false (and a note) when the file is missing. */
static bool load(loaded *l, const char *path)
{
	memset(l, 0, sizeof(*l));
	if (!(l->data = slurp(path, &l->len))) {
		fprintf(stderr, "  skip: %s not available\n", path);
		return false;
	}
	fg_arena_init(&l->arena);
	CHECK_INT_EQ(fg_elf_parse(&l->e, l->data, l->len), 0);
	fg_hardening_analyze(&l->e, path, NULL, &l->arena, &l->h);
	return true;
}

static void unload(loaded *l)
{
	fg_elf_free(&l->e);
	fg_arena_free(&l->arena);
	free(l->data);
}

static bool has_dynsym(const fg_elf *e, const char *name, bool want_defined)
{
	for (size_t i = 0; i < e->ndynsym; i++)
		if (strcmp(e->dynsym[i].name, name) == 0)
			return (e->dynsym[i].shndx != SHN_UNDEF) == want_defined;
	return false;
}

/* Zeroes the section header fields, as sstrip and some vendors do. */
static void strip_sections(uint8_t *d, bool is64)
{
	if (is64) {
		memset(d + 40, 0, 8);   /* e_shoff */
		memset(d + 60, 0, 4);   /* e_shnum, e_shstrndx */
	} else {
		memset(d + 32, 0, 4);
		memset(d + 48, 0, 4);
	}
}

/* The dynamic symbols found without section headers match the .dynsym
 * section, name by name. */
static void check_sstripped(const char *path, fg_elf_dynsym_src want_src)
{
	loaded l;
	if (!load(&l, path))
		return;
	uint8_t *copy = malloc(l.len);
	REQUIRE(copy);
	memcpy(copy, l.data, l.len);
	strip_sections(copy, l.e.is64);
	fg_elf s;
	CHECK_INT_EQ(fg_elf_parse(&s, copy, l.len), 0);
	CHECK_INT_EQ(s.shnum, 0);
	CHECK_INT_EQ(s.dynsym_src, want_src);
	CHECK_INT_EQ(s.ndynsym, l.e.ndynsym);
	for (size_t i = 0; i < s.ndynsym && i < l.e.ndynsym; i++)
		CHECK_STR_EQ(s.dynsym[i].name, l.e.dynsym[i].name);
	CHECK_INT_EQ(s.dyn.nneeded, l.e.dyn.nneeded);
	fg_elf_free(&s);
	free(copy);
	unload(&l);
}

/* ---- real binaries ---------------------------------------------------------- */

static void check_gdbserver(const char *dir, bool be)
{
	char p[1024];
	loaded l;
	snprintf(p, sizeof(p), "%s/samples/dvrf/%s/gdbserver", shared_dir(), dir);
	if (!load(&l, p))
		return;
	CHECK(!l.e.is64);
	CHECK_INT_EQ(l.e.be, be);
	CHECK_INT_EQ(l.e.type, ET_EXEC);
	CHECK_INT_EQ(l.e.machine, EM_MIPS);
	CHECK_STR_EQ(l.h.arch, be ? "mips" : "mipsel");
	CHECK_INT_EQ(l.e.phnum, 4);
	CHECK_INT_EQ(l.e.shnum, 32);
	CHECK(l.e.interp == NULL);
	CHECK(!l.e.dyn.present);
	CHECK(l.e.has_symtab);
	CHECK_INT_EQ(l.e.nsymtab, 850);
	CHECK_INT_EQ(l.e.problems, 0);
	CHECK(fg_elf_section(&l.e, ".text") != NULL);
	/* static, not stripped, old toolchain: nothing but symbols */
	CHECK_INT_EQ(l.h.kind, FG_HK_EXEC);
	CHECK(l.h.is_static);
	CHECK(!l.h.stripped);
	CHECK_INT_EQ(l.h.nx, FG_NX_NO);
	CHECK_STR_EQ(l.h.nx_why, "PT_GNU_STACK flags RWX at program header 3");
	CHECK_INT_EQ(l.h.pie, FG_PIE_NO);
	CHECK_INT_EQ(l.h.relro, FG_RELRO_NONE);
	CHECK_INT_EQ(l.h.canary, FG_CANARY_NO); /* symbols present, no canary symbol */
	unload(&l);
}

TEST(gdbserver_mips_big_endian) { check_gdbserver("mips-i-big-endian", true); }
TEST(gdbserver_mips_little_endian) { check_gdbserver("mips-i-little-endian", false); }

TEST(uclibc_arm_hostapd)
{
	char p[1024];
	loaded l;
	sample_path(p, sizeof(p), "digoo-bb-m1/cramfs-root-1/sbin/hostapd");
	if (!load(&l, p))
		return;
	CHECK_STR_EQ(l.h.arch, "arm");
	CHECK_INT_EQ(l.e.type, ET_EXEC);
	CHECK_STR_EQ(l.e.interp, "/lib/ld-uClibc.so.0");
	REQUIRE(l.e.dyn.nneeded == 1);
	CHECK_STR_EQ(l.e.dyn.needed[0], "libc.so.0");
	CHECK_INT_EQ(l.e.dynsym_src, FG_DYNSYM_SECTION);
	CHECK_INT_EQ(l.e.ndynsym, 109);
	CHECK(!l.e.has_symtab);
	CHECK_INT_EQ(l.h.libc, FG_LIBC_UCLIBC);
	CHECK(l.h.stripped);
	CHECK(!l.h.is_static);
	CHECK_INT_EQ(l.h.nx, FG_NX_YES);
	CHECK_INT_EQ(l.h.pie, FG_PIE_NO);
	CHECK_INT_EQ(l.h.relro, FG_RELRO_NONE);
	CHECK_INT_EQ(l.h.canary, FG_CANARY_NO);
	CHECK_INT_EQ(l.h.fortify, FG_FORTIFY_UNSUPPORTED);
	CHECK_INT_EQ(l.h.fortified, 0);
	CHECK(l.h.fortifiable > 0);
	CHECK(l.h.rpath == NULL && l.h.runpath == NULL);
	unload(&l);
}

TEST(uclibc_arm_wpa_supplicant)
{
	char p[1024];
	loaded l;
	sample_path(p, sizeof(p), "digoo-bb-m1/cramfs-root-1/sbin/wpa_supplicant");
	if (!load(&l, p))
		return;
	CHECK_STR_EQ(l.h.arch, "arm");
	CHECK_STR_EQ(l.e.interp, "/lib/ld-uClibc.so.0");
	CHECK_INT_EQ(l.h.libc, FG_LIBC_UCLIBC);
	CHECK_INT_EQ(l.h.nx, FG_NX_YES);
	CHECK(l.e.ndynsym > 50);
	unload(&l);
}

TEST(uclibc_arm_sofia_rpath)
{
	char p[1024];
	loaded l;
	sample_path(p, sizeof(p), "digoo-bb-m1/cramfs-root-0/bin/Sofia");
	if (!load(&l, p))
		return;
	CHECK_INT_EQ(l.e.dyn.nneeded, 5);
	CHECK_STR_EQ(l.e.dyn.needed[0], "libpthread.so.0");
	CHECK_STR_EQ(l.e.dyn.needed[4], "libc.so.0");
	CHECK_STR_EQ(l.e.dyn.rpath, "./:/lib:/usr/lib");
	CHECK(l.e.dyn.runpath == NULL);
	CHECK(l.e.dyn.rpath_off > 0);
	CHECK_INT_EQ(l.e.ndynsym, 394);
	CHECK(l.h.rpath_writable);
	CHECK(l.h.rpath_why && strstr(l.h.rpath_why, "'./' is relative"));
	CHECK_INT_EQ(l.h.fortify, FG_FORTIFY_UNSUPPORTED);
	unload(&l);
}

TEST(sstripped_uclibc_dt_hash)
{
	char p[1024];
	sample_path(p, sizeof(p), "digoo-bb-m1/cramfs-root-0/bin/Sofia");
	check_sstripped(p, FG_DYNSYM_HASH);
}

TEST(host_x86_64)
{
	loaded l;
	if (!load(&l, "/bin/ls"))
		return;
	CHECK(l.e.is64);
	CHECK_STR_EQ(l.h.arch, "x86_64");
	CHECK_INT_EQ(l.h.kind, FG_HK_PIE);
	CHECK_INT_EQ(l.h.pie, FG_PIE_YES);
	CHECK_INT_EQ(l.h.nx, FG_NX_YES);
	CHECK_INT_EQ(l.h.canary, FG_CANARY_YES);
	CHECK_INT_EQ(l.h.fortify, FG_FORTIFY_YES);
	CHECK(l.h.fortified > 0 && l.h.fortified <= l.h.fortifiable);
	CHECK_INT_EQ(l.h.libc, FG_LIBC_GLIBC);
	CHECK(l.e.interp && strstr(l.e.interp, "ld-linux-x86-64"));
	CHECK(has_dynsym(&l.e, "__stack_chk_fail", false));
	unload(&l);
	/* GNU hash only on Debian amd64: the count comes from the chains */
	check_sstripped("/bin/ls", FG_DYNSYM_GNU_HASH);
}

TEST(host_libc)
{
	loaded l;
	if (!load(&l, "/lib/x86_64-linux-gnu/libc.so.6"))
		return;
	CHECK(l.e.dyn.soname && strcmp(l.e.dyn.soname, "libc.so.6") == 0);
	/* it has PT_INTERP (it runs and prints its version): a PIE program
	 * by the rule, where checksec says "dso" (no DT_DEBUG) */
	CHECK_INT_EQ(l.h.kind, FG_HK_PIE);
	CHECK(has_dynsym(&l.e, "__memcpy_chk", true));
	CHECK_INT_EQ(l.h.canary, FG_CANARY_YES);
	unload(&l);
}

TEST(corpus_mipsel_dnsmasq)
{
	char p[1024];
	loaded l;
	corpus_path(p, sizeof(p), "rtr-a/usr/sbin/dnsmasq");
	if (!load(&l, p))
		return;
	CHECK_STR_EQ(l.h.arch, "mipsel");
	CHECK_INT_EQ(l.h.kind, FG_HK_PIE);
	CHECK(l.e.dyn.debug);
	CHECK(l.e.dyn.flags_1 & DF_1_PIE);
	CHECK_INT_EQ(l.e.dyn.mips_symtabno, 556);
	CHECK_INT_EQ(l.e.ndynsym, 556);
	/* Debian's mipsel toolchain marks the stack executable */
	CHECK_INT_EQ(l.h.nx, FG_NX_NO);
	CHECK_INT_EQ(l.h.relro, FG_RELRO_FULL);
	CHECK_INT_EQ(l.h.canary, FG_CANARY_YES);
	CHECK_INT_EQ(l.h.fortify, FG_FORTIFY_YES);
	CHECK(l.h.dangerous & (1u << FG_DANGER_POPEN));
	unload(&l);
	check_sstripped(p, FG_DYNSYM_HASH);
}

TEST(corpus_mipsel_busybox_static_stripped)
{
	char p[1024];
	loaded l;
	corpus_path(p, sizeof(p), "rtr-a/bin/busybox");
	if (!load(&l, p))
		return;
	CHECK_INT_EQ(l.h.kind, FG_HK_EXEC);
	CHECK(l.h.is_static);
	CHECK(l.h.stripped);
	CHECK_INT_EQ(l.h.canary, FG_CANARY_UNKNOWN);
	CHECK_INT_EQ(l.h.fortify, FG_FORTIFY_UNKNOWN);
	CHECK_INT_EQ(l.h.relro, FG_RELRO_PARTIAL);
	unload(&l);
}

TEST(corpus_armhf_and_arm64)
{
	static const struct { const char *rel, *arch; } v[] = {
		{ "cam-b/usr/sbin/vsftpd", "arm" },
		{ "clean-d/usr/sbin/hostapd", "arm" },
		{ "gw-c/usr/sbin/telnetd", "aarch64" },
		{ "gw-c/usr/sbin/snmpd", "aarch64" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char p[1024];
		loaded l;
		corpus_path(p, sizeof(p), v[i].rel);
		if (!load(&l, p))
			continue;
		CHECK_STR_EQ(l.h.arch, v[i].arch);
		CHECK_INT_EQ(l.h.kind, FG_HK_PIE);
		CHECK_INT_EQ(l.h.nx, FG_NX_YES);
		CHECK_INT_EQ(l.h.relro, FG_RELRO_FULL);
		CHECK_INT_EQ(l.h.canary, FG_CANARY_YES);
		CHECK_INT_EQ(l.h.libc, FG_LIBC_GLIBC);
		CHECK(l.e.ndynsym > 10);
		unload(&l);
	}
	char p[1024];
	corpus_path(p, sizeof(p), "gw-c/usr/sbin/telnetd");
	check_sstripped(p, FG_DYNSYM_GNU_HASH);
}

/* ---- synthetic files ---------------------------------------------------------- */

typedef struct rated {
	fg_elf e;
	fg_hardening h;
	fg_arena a;
} rated;

static void rate(synth *s, rated *r)
{
	synth_build(s);
	fg_arena_init(&r->a);
	CHECK_INT_EQ(fg_elf_parse(&r->e, s->out, s->len), 0);
	fg_hardening_analyze(&r->e, "/usr/bin/x", NULL, &r->a, &r->h);
}

static void unrate(rated *r)
{
	fg_elf_free(&r->e);
	fg_arena_free(&r->a);
}

TEST(synthetic_reads_back)
{
	static synth s = { .interp = true, .needed = { "libc.so.6", "libm.so.6" },
			   .runpath = "/opt/lib", .imports = { "puts", "__stack_chk_fail" } };
	rated r;
	rate(&s, &r);
	CHECK_INT_EQ(r.e.problems, 0);
	CHECK_STR_EQ(r.e.interp, "/lib/ld-linux-armhf.so.3");
	CHECK_INT_EQ(r.e.dyn.nneeded, 2);
	CHECK_STR_EQ(r.e.dyn.needed[1], "libm.so.6");
	CHECK_STR_EQ(r.e.dyn.runpath, "/opt/lib");
	CHECK_INT_EQ(r.e.dynsym_src, FG_DYNSYM_HASH);
	CHECK_INT_EQ(r.e.ndynsym, 3);
	CHECK(has_dynsym(&r.e, "__stack_chk_fail", false));
	CHECK_INT_EQ(r.h.kind, FG_HK_PIE);
	CHECK_INT_EQ(r.h.canary, FG_CANARY_YES);
	CHECK(!r.h.rpath_writable);
	unrate(&r);
	/* the same, big-endian */
	s.be = true;
	rate(&s, &r);
	CHECK_INT_EQ(r.e.problems, 0);
	CHECK_STR_EQ(r.e.dyn.needed[0], "libc.so.6");
	CHECK_INT_EQ(r.e.ndynsym, 3);
	CHECK_STR_EQ(r.h.arch, "armeb");
	unrate(&r);
}

TEST(nx_last_gnu_stack_wins)
{
	static synth s = { .nstack = 2, .stack = { PF_R | PF_W | PF_X, PF_R | PF_W } };
	rated r;
	rate(&s, &r);
	CHECK_INT_EQ(r.h.nx, FG_NX_YES); /* checksec says "NX disabled" here */
	CHECK(strstr(r.h.nx_why, "the last of several"));
	unrate(&r);
	s.stack[0] = PF_R | PF_W;
	s.stack[1] = PF_R | PF_X;       /* "R E": checksec only looks for "RWE" */
	rate(&s, &r);
	CHECK_INT_EQ(r.h.nx, FG_NX_NO);
	CHECK_STR_EQ(r.h.nx_why, "PT_GNU_STACK flags R-X at program header 5 (the last of several: "
		     "the kernel uses the last)");
	CHECK_INT_EQ(r.h.nx_off, 52 + 5 * 32);
	unrate(&r);
}

TEST(nx_default_per_architecture)
{
	static const struct { uint16_t machine; fg_nx want; } v[] = {
		{ EM_ARM, FG_NX_NO }, { EM_MIPS, FG_NX_NO }, { EM_386, FG_NX_NO },
		{ EM_PPC, FG_NX_NO }, { EM_AARCH64, FG_NX_YES }, { EM_RISCV, FG_NX_YES },
		{ EM_PPC64, FG_NX_YES }, { EM_XTENSA, FG_NX_NO },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		static synth s;
		memset(&s, 0, sizeof(s));
		s.machine = v[i].machine;
		rated r;
		rate(&s, &r);
		CHECK_INT_EQ(r.h.nx, v[i].want);
		CHECK(strncmp(r.h.nx_why, "no PT_GNU_STACK", 15) == 0);
		unrate(&r);
	}
}

TEST(pie_and_relro_rules)
{
	static synth s;
	rated r;
	memset(&s, 0, sizeof(s));
	s.type = ET_EXEC;
	rate(&s, &r);
	CHECK_INT_EQ(r.h.pie, FG_PIE_NO);
	CHECK_INT_EQ(r.h.relro, FG_RELRO_NONE);
	CHECK(r.h.is_static);
	unrate(&r);
	memset(&s, 0, sizeof(s));                    /* ET_DYN, no interp: a library */
	s.relro = true;
	rate(&s, &r);
	CHECK_INT_EQ(r.h.pie, FG_PIE_DSO);
	CHECK_INT_EQ(r.h.relro, FG_RELRO_PARTIAL);
	unrate(&r);
	s.flags_1 = DF_1_PIE | DF_1_NOW;             /* static-pie, full RELRO by DF_1_NOW */
	rate(&s, &r);
	CHECK_INT_EQ(r.h.pie, FG_PIE_YES);
	CHECK_INT_EQ(r.h.relro, FG_RELRO_FULL);
	CHECK(strstr(r.h.relro_why, "DF_1_NOW"));
	unrate(&r);
	s.flags_1 = 0;
	s.flags = DF_BIND_NOW;
	rate(&s, &r);
	CHECK_INT_EQ(r.h.relro, FG_RELRO_FULL);
	unrate(&r);
	s.flags = 0;
	s.bind_now_tag = true;
	rate(&s, &r);
	CHECK_INT_EQ(r.h.relro, FG_RELRO_FULL);
	CHECK(strstr(r.h.relro_why, "DT_BIND_NOW"));
	unrate(&r);
}

TEST(fortify_and_dangerous)
{
	static synth s = { .interp = true, .needed = { "libc.so.6" },
			   .imports = { "__memcpy_chk", "memcpy", "strcpy", "__isoc99_sscanf",
					"gets", "system", "execl", "read" } };
	rated r;
	rate(&s, &r);
	CHECK_INT_EQ(r.h.fortify, FG_FORTIFY_YES);
	CHECK_INT_EQ(r.h.fortified, 1);
	CHECK_INT_EQ(r.h.fortifiable, 5); /* __memcpy_chk + memcpy, strcpy, gets, read */
	CHECK(r.h.dangerous & (1u << FG_DANGER_GETS));
	CHECK(r.h.dangerous & (1u << FG_DANGER_STRCPY));
	CHECK(r.h.dangerous & (1u << FG_DANGER_SSCANF));
	CHECK(r.h.dangerous & (1u << FG_DANGER_SYSTEM));
	CHECK(!(r.h.dangerous & (1u << FG_DANGER_EXECL))); /* no "/bin/sh" in the file */
	CHECK_INT_EQ(r.h.canary, FG_CANARY_NO);
	unrate(&r);
	s.imports[0] = "memset";
	rate(&s, &r);
	CHECK_INT_EQ(r.h.fortify, FG_FORTIFY_NO);
	unrate(&r);
	s.needed[0] = "libc.so.0";                   /* uClibc */
	rate(&s, &r);
	CHECK_INT_EQ(r.h.libc, FG_LIBC_UCLIBC);
	CHECK_INT_EQ(r.h.fortify, FG_FORTIFY_UNSUPPORTED);
	unrate(&r);
}

TEST(rpath_writable_entries)
{
	static const struct { const char *rpath; bool writable; } v[] = {
		{ "/usr/lib/foo", false }, { "/usr/lib:", true }, { "::/lib", true },
		{ "lib", true }, { "$ORIGIN/../lib", true }, { "${ORIGIN}", true },
		{ "/tmp/lib", true }, { "/tmpfoo", false }, { "/var/tmp", true },
		{ "/dev/shm/x", true }, { "/mnt/usb/lib", true }, { "/media", true },
		{ "/home/user/lib", true }, { "/data/lib", true }, { "/opt/lib:/data", true },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		static synth s;
		memset(&s, 0, sizeof(s));
		s.rpath = v[i].rpath;
		rated r;
		rate(&s, &r);
		CHECK_STR_EQ(r.h.rpath, v[i].rpath);
		if (r.h.rpath_writable != v[i].writable)
			fprintf(stderr, "  rpath '%s'\n", v[i].rpath);
		CHECK_INT_EQ(r.h.rpath_writable, v[i].writable);
		unrate(&r);
	}
}

/* ---- hostile input ---------------------------------------------------------------- */

TEST(not_elf_and_truncated_header)
{
	fg_elf e;
	CHECK_INT_EQ(fg_elf_parse(&e, "hello", 5), -1);
	fg_elf_free(&e);
	CHECK_INT_EQ(fg_elf_parse(&e, NULL, 0), -1);
	fg_elf_free(&e);
	static synth s;
	memset(&s, 0, sizeof(s));
	synth_build(&s);
	for (size_t n = 0; n < 52; n++) {
		CHECK_INT_EQ(fg_elf_parse(&e, s.out, n), -1);
		fg_elf_free(&e);
	}
	s.out[EI_CLASS] = 3;
	CHECK_INT_EQ(fg_elf_parse(&e, s.out, s.len), -1);
	fg_elf_free(&e);
}

/* Every prefix of a real file parses without reading past its end (the
 * sanitizer build would catch it). */
static void every_prefix(const uint8_t *d, size_t len, size_t step)
{
	for (size_t n = 0; n <= len; n += step) {
		fg_elf e;
		uint8_t *copy = malloc(n ? n : 1);
		REQUIRE(copy);
		memcpy(copy, d, n);
		if (fg_elf_parse(&e, copy, n) == 0) {
			fg_arena a;
			fg_hardening h;
			fg_arena_init(&a);
			fg_hardening_analyze(&e, "/x", NULL, &a, &h);
			fg_arena_free(&a);
		}
		fg_elf_free(&e);
		free(copy);
	}
}

TEST(truncated_files)
{
	static synth s = { .interp = true, .needed = { "libc.so.6" }, .rpath = "/tmp",
			   .imports = { "gets" } };
	synth_build(&s);
	every_prefix(s.out, s.len, 1);
	char p[1024];
	size_t len;
	sample_path(p, sizeof(p), "digoo-bb-m1/cramfs-root-1/sbin/hostapd");
	uint8_t *d = slurp(p, &len);
	if (d)
		every_prefix(d, len, 997);
	free(d);
}

TEST(huge_counts_and_offsets)
{
	static synth s;
	fg_elf e;
	memset(&s, 0, sizeof(s));
	synth_build(&s);
	put16(&s, 44, 0xfffe);                       /* e_phnum huge */
	CHECK_INT_EQ(fg_elf_parse(&e, s.out, s.len), 0);
	CHECK(e.problems & FG_ELF_P_TRUNC_PHDR);
	CHECK(e.phnum <= s.len / 32);
	fg_elf_free(&e);

	synth_build(&s);
	put32(&s, 28, 0xfffffff0);                   /* e_phoff past the end */
	CHECK_INT_EQ(fg_elf_parse(&e, s.out, s.len), 0);
	CHECK_INT_EQ(e.phnum, 0);
	CHECK(e.problems & FG_ELF_P_TRUNC_PHDR);
	fg_elf_free(&e);

	synth_build(&s);
	put32(&s, 32, 0x7ffffff0);                   /* e_shoff past the end */
	put16(&s, 48, 100);
	CHECK_INT_EQ(fg_elf_parse(&e, s.out, s.len), 0);
	CHECK_INT_EQ(e.shnum, 0);
	fg_elf_free(&e);

	synth_build(&s);
	put16(&s, 44, PN_XNUM);                      /* extended numbering without sh[0] */
	CHECK_INT_EQ(fg_elf_parse(&e, s.out, s.len), 0);
	fg_elf_free(&e);

	synth_build(&s);
	put16(&s, 42, 8);                            /* e_phentsize too small */
	CHECK_INT_EQ(fg_elf_parse(&e, s.out, s.len), 0);
	CHECK_INT_EQ(e.phnum, 0);
	fg_elf_free(&e);

	synth_build(&s);                             /* PT_DYNAMIC offset past the end */
	put32(&s, 52 + 32 + 4, 0xffffff00);
	CHECK_INT_EQ(fg_elf_parse(&e, s.out, s.len), 0);
	CHECK(!e.dyn.present);
	CHECK(e.problems & FG_ELF_P_BAD_DYNAMIC);
	fg_elf_free(&e);

	synth_build(&s);                             /* PT_DYNAMIC size reaching past the end */
	put32(&s, 52 + 32 + 16, 0x7fffffff);
	CHECK_INT_EQ(fg_elf_parse(&e, s.out, s.len), 0);
	CHECK(e.dyn.present);
	CHECK(e.problems & FG_ELF_P_BAD_DYNAMIC);
	fg_elf_free(&e);
}

TEST(dynamic_without_end_and_endless_hash_chain)
{
	static synth s = { .no_dtnull = true, .needed = { "libc.so.6" } };
	fg_elf e;
	synth_build(&s);
	CHECK_INT_EQ(fg_elf_parse(&e, s.out, s.len), 0);
	CHECK(e.problems & FG_ELF_P_BAD_DYNAMIC);
	CHECK_INT_EQ(e.dyn.entries, 32);
	CHECK_INT_EQ(e.dyn.nneeded, 1);
	fg_elf_free(&e);

	memset(&s, 0, sizeof(s));
	s.gnu_hash_loop = true;
	s.imports[0] = "puts";
	synth_build(&s);
	CHECK_INT_EQ(fg_elf_parse(&e, s.out, s.len), 0);
	CHECK_INT_EQ(e.dynsym_src, FG_DYNSYM_GNU_HASH);
	CHECK_INT_EQ(e.ndynsym, 0);                  /* the chain runs off the file */
	CHECK(e.problems == 0 || e.ndynsym == 0);
	fg_elf_free(&e);

	/* DT_STRTAB pointing nowhere: needed names are dropped, not invented */
	memset(&s, 0, sizeof(s));
	s.needed[0] = "libc.so.6";
	synth_build(&s);
	for (size_t off = 52 + 32 * 8; off < 52 + 32 * 8 + 32 * 8; off += 8) {
		uint32_t tag = (uint32_t)s.out[off] | (uint32_t)s.out[off + 1] << 8;
		if (tag == DT_STRTAB)
			put32(&s, off + 4, 0xdead0000);
	}
	CHECK_INT_EQ(fg_elf_parse(&e, s.out, s.len), 0);
	CHECK(e.problems & FG_ELF_P_BAD_STRTAB);
	CHECK_INT_EQ(e.dyn.nneeded, 0);
	fg_elf_free(&e);
}

/* Deterministic mutations of headers and tables: never a crash. */
TEST(mutations)
{
	static synth s = { .interp = true, .needed = { "libc.so.6" }, .relro = true,
			   .nstack = 1, .stack = { PF_R | PF_W }, .rpath = "$ORIGIN",
			   .imports = { "strcpy", "__stack_chk_fail" } };
	uint32_t x = 2463534242u;
	synth_build(&s);
	uint8_t *copy = malloc(s.len);
	REQUIRE(copy);
	for (int round = 0; round < 20000; round++) {
		memcpy(copy, s.out, s.len);
		for (int k = 0; k < 4; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			size_t at = (x >> 8) % (round & 1 ? s.len : 52 + 8 * 32 + 32 * 8);
			copy[at] = (uint8_t)x;
		}
		fg_elf e;
		if (fg_elf_parse(&e, copy, s.len) == 0) {
			fg_arena a;
			fg_hardening h;
			fg_arena_init(&a);
			fg_hardening_analyze(&e, "/x", NULL, &a, &h);
			fg_arena_free(&a);
		}
		fg_elf_free(&e);
	}
	free(copy);
}
