/*
 * The ELF leaf: descriptions of real binaries (DVRF MIPS, Digoo ARM, the
 * corpus trees, the host's /bin/ls), exact chunk lengths (an ELF inside
 * a blob claims its own bytes only), and hostile headers rejected.
 */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "core/result.h"
#include "unpack/engine.h"

extern const fg_format fg_format_elf;

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
	if (p && n > 0 && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*len = n > 0 ? (size_t)n : 0;
	return p;
}

static const char *shared_dir(void)
{
	const char *s = getenv("FG_SHARED_DIR");
	return s && *s ? s : "/work/shared";
}

static const char *corpus_trees(void)
{
	static char buf[1024];
	const char *home = getenv("HOME");
	snprintf(buf, sizeof(buf), "%s/.cache/firmgate/corpus/.build/trees", home ? home : "/root");
	return buf;
}

static void describe(const uint8_t *d, size_t n, char *buf, size_t cap)
{
	buf[0] = 0;
	fg_format_elf.describe(d, n, buf, cap);
}

/* PATH is described as WANT and claimed whole; skipped when absent. */
static void check_binary(const char *path, const char *want)
{
	size_t n;
	uint8_t *d = read_file(path, &n);
	if (!d) {
		fprintf(stderr, "%s missing: skipped\n", path);
		return;
	}
	uint64_t cl = 0;
	int conf = fg_format_elf.probe(d, n, &cl);
	CHECK(conf >= FG_CARVE_MIN_CONFIDENCE);
	if (cl != n)
		fprintf(stderr, "%s: chunk %llu of %zu bytes\n", path, (unsigned long long)cl, n);
	CHECK_INT_EQ(cl, n);
	char desc[256];
	describe(d, n, desc, sizeof(desc));
	if (strcmp(desc, want) != 0)
		fprintf(stderr, "%s\n", path);
	CHECK_STR_EQ(desc, want);
	free(d);
}

TEST(dvrf_mips_both_endians)
{
	char p[1200];
	snprintf(p, sizeof(p), "%s/samples/dvrf/mips-i-big-endian/gdbserver", shared_dir());
	check_binary(p, "ELF 32-bit MSB executable, MIPS, static");
	snprintf(p, sizeof(p), "%s/samples/dvrf/mips-i-little-endian/gdbserver", shared_dir());
	check_binary(p, "ELF 32-bit LSB executable, MIPS, static");
}

TEST(digoo_arm_uclibc)
{
	char p[1200];
	snprintf(p, sizeof(p), "%s/samples/digoo-bb-m1/cramfs-root-1/sbin/hostapd", shared_dir());
	check_binary(p, "ELF 32-bit LSB executable, ARM, dynamic");
	snprintf(p, sizeof(p), "%s/samples/digoo-bb-m1/cramfs-root-1/sbin/wpa_supplicant", shared_dir());
	check_binary(p, "ELF 32-bit LSB executable, ARM, dynamic");
}

TEST(corpus_tree_binaries)
{
	static const struct {
		const char *path, *want;
	} bins[] = {
		{ "rtr-a/bin/busybox", "ELF 32-bit LSB executable, MIPS, static" },
		{ "rtr-a/usr/sbin/dnsmasq", "ELF 32-bit LSB pie executable, MIPS, dynamic" },
		{ "rtr-a/usr/lib/mipsel-linux-gnu/libmnl.so.0.2.0", "ELF 32-bit LSB shared object, MIPS, dynamic" },
		{ "cam-b/bin/busybox", "ELF 32-bit LSB pie executable, ARM, dynamic" },
		{ "clean-d/bin/busybox", "ELF 32-bit LSB executable, ARM, static" },
		{ "gw-c/bin/busybox", "ELF 64-bit LSB executable, AArch64, static" },
		{ "gw-c/usr/lib/aarch64-linux-gnu/engines-3/padlock.so", "ELF 64-bit LSB shared object, AArch64, dynamic" },
	};
	for (size_t i = 0; i < sizeof(bins) / sizeof(bins[0]); i++) {
		char p[1400];
		snprintf(p, sizeof(p), "%s/%s", corpus_trees(), bins[i].path);
		check_binary(p, bins[i].want);
	}
}

/* Every ELF in the corpus trees is taken whole: chunk = file size. */
static unsigned walk_elves(const char *dir, unsigned depth, unsigned *bad)
{
	DIR *d = opendir(dir);
	if (!d || depth > 16) {
		if (d)
			closedir(d);
		return 0;
	}
	unsigned seen = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char p[4096];
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			seen += walk_elves(p, depth + 1, bad);
			continue;
		}
		if (!S_ISREG(st.st_mode) || st.st_size < 4)
			continue;
		size_t n;
		uint8_t *data = read_file(p, &n);
		if (data && n >= 4 && !memcmp(data, "\x7f" "ELF", 4)) {
			seen++;
			uint64_t cl = 0;
			if (fg_format_elf.probe(data, n, &cl) < FG_CARVE_MIN_CONFIDENCE || cl != n) {
				fprintf(stderr, "%s: chunk %llu of %zu\n", p, (unsigned long long)cl, n);
				(*bad)++;
			}
		}
		free(data);
	}
	closedir(d);
	return seen;
}

TEST(every_corpus_elf_is_claimed_whole)
{
	const char *trees[] = { "rtr-a", "cam-b", "gw-c", "clean-d" };
	unsigned seen = 0, bad = 0;
	for (int i = 0; i < 4; i++) {
		char p[1200];
		snprintf(p, sizeof(p), "%s/%s", corpus_trees(), trees[i]);
		seen += walk_elves(p, 0, &bad);
	}
	if (!seen)
		fprintf(stderr, "no corpus trees: skipped\n");
	else
		printf("%u corpus ELF files claimed whole\n", seen - bad);
	CHECK_INT_EQ(bad, 0);
}

TEST(host_ls)
{
	if (access("/bin/ls", R_OK) != 0)
		return;
#if defined(__x86_64__)
	check_binary("/bin/ls", "ELF 64-bit LSB pie executable, x86-64, dynamic");
#elif defined(__aarch64__)
	check_binary("/bin/ls", "ELF 64-bit LSB pie executable, AArch64, dynamic");
#endif
}

/* ---- carving -------------------------------------------------------- */

static fg_result *scan_blob(const uint8_t *blob, size_t len)
{
	fg_result *r = fg_result_new(NULL);
	fg_node *f = fg_node_new(&r->tree, "blob.bin", 8, FG_NODE_FILE);
	f->flags = FG_NODE_FSROOT;
	f->data = blob;
	f->data_len = len;
	f->size = len;
	r->tree.root = f;
	fg_unpack_all(&r->tree, &r->budget, &r->diags, 2, NULL);
	return r;
}

TEST(embedded_elf_is_carved_exactly)
{
	char p[1200];
	snprintf(p, sizeof(p), "%s/samples/dvrf/mips-i-big-endian/gdbserver", shared_dir());
	size_t n;
	uint8_t *elf = read_file(p, &n);
	if (!elf) {
		fprintf(stderr, "DVRF sample missing: skipped\n");
		return;
	}
	size_t head = 0x3000, tail = 5000, len = head + n + tail;
	uint8_t *blob = malloc(len);
	/* text around it: nothing else to find, and no high entropy */
	for (size_t i = 0; i < len; i++)
		blob[i] = (uint8_t)("boot loader text "[i % 17]);
	memcpy(blob + head, elf, n);
	/* a string constant naming the magic must not be taken */
	memcpy(blob + 100, "\x7f" "ELF\x01\x01\x01 is the magic", 21);
	fg_result *r = scan_blob(blob, len);
	const fg_node *f = r->tree.root;
	REQUIRE(f->unpacked && (f->unpacked->flags & FG_NODE_CARVE));
	const fg_node *c = fg_node_find_child(f->unpacked, "0x3000.elf", 10);
	REQUIRE(c);
	CHECK_INT_EQ(c->data_len, n);
	CHECK_STR_EQ(c->format, "elf");
	CHECK_STR_EQ(c->format_info, "ELF 32-bit MSB executable, MIPS, static");
	CHECK(c->unpacked == NULL); /* a leaf: never unpacked */
	CHECK_INT_EQ(f->unpacked->nchildren, 1);
	const fg_coverage *cov = f->coverage;
	REQUIRE(cov);
	bool found = false;
	for (size_t i = 0; i < cov->n; i++)
		if (cov->ranges[i].kind == FG_RANGE_CHUNK)
			found = cov->ranges[i].offset == head && cov->ranges[i].length == n;
	CHECK(found);
	fg_result_free(r);
	free(blob);
	free(elf);
}

TEST(whole_file_gets_a_description)
{
	char p[1200];
	snprintf(p, sizeof(p), "%s/samples/dvrf/mips-i-little-endian/gdbserver", shared_dir());
	size_t n;
	uint8_t *elf = read_file(p, &n);
	if (!elf)
		return;
	fg_result *r = scan_blob(elf, n);
	const fg_node *f = r->tree.root;
	/* the engine marks the file itself or a chunk covering all of it */
	const fg_node *leaf = f->format ? f : NULL;
	if (!leaf && f->unpacked)
		leaf = fg_node_find_child(f->unpacked, "0x0.elf", 7);
	REQUIRE(leaf);
	CHECK_STR_EQ(leaf->format, "elf");
	CHECK_STR_EQ(leaf->format_info, "ELF 32-bit LSB executable, MIPS, static");
	fg_result_free(r);
	free(elf);
}

/* ---- synthetic and hostile headers ---------------------------------- */

static void put16(uint8_t *p, uint16_t v, bool be)
{
	p[be ? 1 : 0] = (uint8_t)v;
	p[be ? 0 : 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v, bool be)
{
	for (int i = 0; i < 4; i++)
		p[be ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v, bool be)
{
	for (int i = 0; i < 8; i++)
		p[be ? 7 - i : i] = (uint8_t)(v >> (8 * i));
}

/* A 64-bit relocatable object: header, one 100-byte section at 0x100,
 * the section table (null + that one) at 0x40. */
static size_t make_rel64(uint8_t *b, size_t cap, bool be, uint16_t machine)
{
	memset(b, 0, cap);
	memcpy(b, "\x7f" "ELF", 4);
	b[4] = 2;
	b[5] = be ? 2 : 1;
	b[6] = 1;
	put16(b + 16, 1, be);           /* ET_REL */
	put16(b + 18, machine, be);
	put32(b + 20, 1, be);
	put64(b + 40, 0x40, be);        /* shoff */
	put16(b + 52, 64, be);          /* ehsize */
	put16(b + 58, 64, be);          /* shentsize */
	put16(b + 60, 2, be);           /* shnum */
	uint8_t *sh = b + 0x40 + 64;
	put32(sh + 4, 1, be);           /* PROGBITS */
	put64(sh + 24, 0x100, be);
	put64(sh + 32, 100, be);
	return 0x100 + 100;
}

TEST(synthetic_objects)
{
	uint8_t b[1024];
	size_t n = make_rel64(b, sizeof(b), false, 243);
	uint64_t cl = 0;
	CHECK(fg_format_elf.probe(b, sizeof(b), &cl) >= FG_CARVE_MIN_CONFIDENCE);
	CHECK_INT_EQ(cl, n);
	char desc[256];
	describe(b, sizeof(b), desc, sizeof(desc));
	CHECK_STR_EQ(desc, "ELF 64-bit LSB relocatable, RISC-V");

	n = make_rel64(b, sizeof(b), true, 0x1234);
	describe(b, sizeof(b), desc, sizeof(desc));
	CHECK_STR_EQ(desc, "ELF 64-bit MSB relocatable, machine 4660");
	put16(b + 16, 4, true);
	describe(b, sizeof(b), desc, sizeof(desc));
	CHECK_STR_EQ(desc, "ELF 64-bit MSB core file, machine 4660");

	/* many sections: e_shnum 0 and the count in section 0's size */
	n = make_rel64(b, sizeof(b), false, 62);
	put16(b + 60, 0, false);
	put64(b + 0x40 + 32, 2, false);
	cl = 0;
	CHECK(fg_format_elf.probe(b, sizeof(b), &cl) > 0);
	CHECK_INT_EQ(cl, n);
	/* a section table running past the buffer: the chunk stops at its end */
	cl = 0;
	CHECK(fg_format_elf.probe(b, 0x60, &cl) == 0 || cl <= 0x60);
}

TEST(hostile_headers_rejected)
{
	char p[1200];
	snprintf(p, sizeof(p), "%s/samples/dvrf/mips-i-little-endian/gdbserver", shared_dir());
	size_t n;
	uint8_t *elf = read_file(p, &n);
	uint8_t synth[1024];
	if (!elf) {
		n = make_rel64(synth, sizeof(synth), false, 8);
		elf = malloc(sizeof(synth));
		memcpy(elf, synth, sizeof(synth));
		n = sizeof(synth);
	}
	uint8_t *m = malloc(n);
	uint64_t cl;
#define MUTATED(off, val) (memcpy(m, elf, n), m[off] = (val), cl = 0, fg_format_elf.probe(m, n, &cl))
	CHECK(MUTATED(4, 3) == 0);      /* class */
	CHECK(MUTATED(5, 0) == 0);      /* data encoding */
	CHECK(MUTATED(6, 2) == 0);      /* ident version */
	CHECK(MUTATED(20, 2) == 0);     /* e_version (LE low byte) */
	CHECK(MUTATED(40, 60) == 0);    /* e_ehsize (32-bit LE) */
	if (elf[44] || elf[45]) {
		CHECK(MUTATED(42, 40) == 0);    /* e_phentsize */
		CHECK(MUTATED(31, 0x7f) == 0);  /* e_phoff far past the end */
	}
#undef MUTATED
	/* cut inside the header and inside the program headers */
	CHECK_INT_EQ(fg_format_elf.probe(elf, 40, &(uint64_t){0}), 0);
	if (elf[44] || elf[45])
		CHECK_INT_EQ(fg_format_elf.probe(elf, 60, &(uint64_t){0}), 0);
	/* random mutations: never out of bounds, the chunk inside the buffer */
	uint64_t s = 12345;
	for (int r = 0; r < 3000; r++) {
		memcpy(m, elf, n);
		for (int k = 0; k < 4; k++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			size_t at = (size_t)(s >> 33) % (n < 256 ? n : 256);
			m[at] ^= (uint8_t)(s >> 20);
		}
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		size_t len = r % 2 ? n : 1 + (size_t)(s >> 33) % n;
		cl = 0;
		int c = fg_format_elf.probe(m, len, &cl);
		CHECK(c >= 0 && cl <= len);
		char desc[256];
		if (c > 0)
			describe(m, len, desc, sizeof(desc));
	}
	free(m);
	free(elf);
}
