/*
 * test_disk.c - the MBR and GPT partition-table handlers.
 *
 * Tables are built byte by byte (so each hostile case says exactly what
 * it breaks) and, when util-linux/gdisk are installed, with sfdisk and
 * sgdisk on a zero file, with real FAT and ext2 file systems written into
 * the partitions so the whole chain (table > partition > file system)
 * is checked through the engine. The binwalk MBR sample is checked when
 * the shared samples are present.
 */
#include <zlib.h>

#include "disk_util.h"

extern const fg_format fg_format_mbr;
extern const fg_format fg_format_gpt;
extern const fg_format fg_format_fat;

/* ---- MBR builders ---------------------------------------------------------- */

static void mbr_entry(uint8_t *sector, unsigned i, uint8_t status, uint8_t type, uint32_t lba,
		      uint32_t count)
{
	uint8_t *p = sector + 446 + i * 16;
	memset(p, 0, 16);
	p[0] = status;
	p[4] = type;
	if (type) {
		p[2] = 1; /* CHS sector 1: plausible */
		p[6] = 1;
	}
	du_le32(p + 8, lba);
	du_le32(p + 12, count);
	sector[510] = 0x55;
	sector[511] = 0xaa;
}

/* 256 sectors: p1 FAT16 at 8 (32 sectors, active), p2 Linux at 40 (24),
 * p3 extended at 64 (160) holding logicals at 66 (30) and 100 (50). */
static uint8_t *make_mbr(size_t *len)
{
	*len = 256 * 512;
	uint8_t *b = calloc(1, *len);
	du_le32(b + 440, 0xdeadbeef);
	mbr_entry(b, 0, 0x80, 0x06, 8, 32);
	mbr_entry(b, 1, 0x00, 0x83, 40, 24);
	mbr_entry(b, 2, 0x00, 0x05, 64, 160);
	/* EBR 1 at 64: logical at +2, next EBR at ext+34 */
	uint8_t *e1 = b + 64 * 512;
	mbr_entry(e1, 0, 0, 0x83, 2, 30);
	mbr_entry(e1, 1, 0, 0x05, 34, 60);
	/* EBR 2 at 98: logical at +2, no next */
	uint8_t *e2 = b + 98 * 512;
	mbr_entry(e2, 0, 0, 0x82, 2, 50);
	for (unsigned s = 0; s < 256; s++)
		if (s != 0 && s != 64 && s != 98)
			memset(b + s * 512, (int)(s & 0x7f) | 1, 512); /* content per sector */
	return b;
}

static void check_slice(const fg_node *root, const char *name, const uint8_t *img, size_t off,
			size_t len)
{
	fg_node *n = du_child(root, name);
	if (!n) {
		fprintf(stderr, "  no %s\n", name);
		CHECK(n != NULL);
		return;
	}
	CHECK(n->type == FG_NODE_FILE);
	CHECK_INT_EQ(n->data - img, off);
	CHECK_INT_EQ(n->data_len, len);
	CHECK_INT_EQ(n->size, len);
}

TEST(mbr_primary_and_logical_partitions)
{
	size_t len;
	uint8_t *img = make_mbr(&len);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_mbr.probe(img, len, &cl), 70);
	CHECK_INT_EQ(cl, 224 * 512);
	du_env e = du_unpack(&fg_format_mbr, img, len);
	CHECK_INT_EQ(e.rc, 0);
	REQUIRE(e.root);
	check_slice(e.root, "partition-1", img, 8 * 512, 32 * 512);
	check_slice(e.root, "partition-2", img, 40 * 512, 24 * 512);
	check_slice(e.root, "partition-5", img, 66 * 512, 30 * 512);
	check_slice(e.root, "partition-6", img, 100 * 512, 50 * 512);
	CHECK(!du_child(e.root, "partition-3")); /* the extended container itself */
	/* sectors 1..7 hold data no partition covers: a boot loader's place */
	check_slice(e.root, "unpartitioned-0x200", img, 512, 7 * 512);
	CHECK_INT_EQ(e.root->nchildren, 5);
	CHECK_INT_EQ(e.root->src_length, 224 * 512);
	REQUIRE(e.root->format_info);
	CHECK(strstr(e.root->format_info, "disk id 0xdeadbeef"));
	CHECK(strstr(e.root->format_info, "p1 0x06 FAT16 (active)"));
	CHECK(strstr(e.root->format_info, "p5 0x83 Linux"));
	CHECK(strstr(e.root->format_info, "p6 0x82 Linux swap"));
	du_no_diags(e.res);
	fg_result_free(e.res);
	free(img);
}

TEST(mbr_binwalk_sample)
{
	size_t len;
	uint8_t *img = du_sample("binwalk/mbr.bin", &len);
	if (!img)
		return;
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_mbr.probe(img, len, &cl), 70);
	CHECK_INT_EQ(cl, len);
	int conf;
	CHECK(du_best(img, len, &conf, NULL) == &fg_format_mbr);
	du_env e = du_unpack(&fg_format_mbr, img, len);
	REQUIRE(e.root);
	check_slice(e.root, "partition-1", img, 512, 4608);
	CHECK_INT_EQ(e.root->nchildren, 1);
	CHECK(strstr(e.root->format_info, "p1 0x83 Linux"));
	du_no_diags(e.res);
	fg_result_free(e.res);

	/* through the engine: one mbr chunk at 0 covering the whole file */
	fg_node *f;
	fg_result *r = du_engine("mbr.bin", img, len, &f);
	REQUIRE(f->unpacked);
	CHECK_STR_EQ(f->unpacked->format, "mbr");
	CHECK_INT_EQ(f->unpacked->src_length, len);
	CHECK(du_child(f->unpacked, "partition-1") != NULL);
	fg_result_free(r);
	free(img);
}

TEST(mbr_probe_needs_a_plausible_table)
{
	size_t len;
	uint8_t *img = make_mbr(&len);
	uint64_t cl;
	/* a status byte other than 0x00/0x80 */
	img[446] = 0x81;
	CHECK_INT_EQ(fg_format_mbr.probe(img, len, &cl), 0);
	img[446] = 0x80;
	/* an unused slot with leftovers */
	uint8_t *b = calloc(1, 1024);
	mbr_entry(b, 0, 0, 0x83, 1, 1);
	b[446 + 16 + 9] = 1;
	CHECK_INT_EQ(fg_format_mbr.probe(b, 1024, &cl), 0);
	/* an empty table */
	memset(b + 446, 0, 64);
	CHECK_INT_EQ(fg_format_mbr.probe(b, 1024, &cl), 0);
	/* a partition starting at sector 0 */
	mbr_entry(b, 0, 0, 0x83, 0, 2);
	CHECK_INT_EQ(fg_format_mbr.probe(b, 1024, &cl), 0);
	/* overlapping partitions */
	mbr_entry(b, 0, 0, 0x83, 1, 1);
	mbr_entry(b, 1, 0, 0x83, 1, 1);
	CHECK_INT_EQ(fg_format_mbr.probe(b, 1024, &cl), 0);
	/* a CHS sector field of 0 with other CHS bits set */
	mbr_entry(b, 1, 0, 0, 0, 0);
	b[446 + 1] = 5;
	b[446 + 2] = 0;
	b[446 + 3] = 7;
	CHECK_INT_EQ(fg_format_mbr.probe(b, 1024, &cl), 0);
	/* the same entry made sane scores, an unknown type a little lower */
	mbr_entry(b, 0, 0, 0x83, 1, 1);
	CHECK_INT_EQ(fg_format_mbr.probe(b, 1024, &cl), 70);
	mbr_entry(b, 0, 0, 0x99, 1, 1);
	CHECK_INT_EQ(fg_format_mbr.probe(b, 1024, &cl), 60);
	/* a partition beyond the data: only at the start of a file */
	mbr_entry(b, 0, 0, 0x83, 1, 100);
	CHECK_INT_EQ(fg_format_mbr.probe(b, 1024, &cl), 30);
	CHECK_INT_EQ(cl, 1024);
	/* GPT's protective entry defers to the GPT handler */
	mbr_entry(b, 0, 0, 0xee, 1, 1);
	CHECK(fg_format_mbr.probe(b, 1024, &cl) <= 20);
	/* no signature */
	mbr_entry(b, 0, 0, 0x83, 1, 1);
	b[511] = 0;
	CHECK_INT_EQ(fg_format_mbr.probe(b, 1024, &cl), 0);
	CHECK_INT_EQ(fg_format_mbr.probe(b, 511, &cl), 0);
	free(b);
	free(img);
}

TEST(mbr_is_not_a_fat_boot_sector)
{
	/* a FAT VBR carries 0x55AA too, with boot code where the table would be */
	uint8_t *b = calloc(1, 4096);
	b[0] = 0xeb; b[1] = 0x3c; b[2] = 0x90;
	memcpy(b + 3, "MSWIN4.1", 8);
	du_le16(b + 11, 512);
	b[13] = 1;
	du_le16(b + 14, 1);
	b[16] = 2;
	du_le16(b + 17, 16);
	du_le16(b + 19, 8);
	b[21] = 0xf8;
	du_le16(b + 22, 1);
	/* boot code bytes that happen to form a valid-looking table */
	mbr_entry(b, 0, 0x80, 0x0c, 1, 6);
	uint64_t cl;
	CHECK(fg_format_mbr.probe(b, 4096, &cl) <= 10);
	/* boot code that is not a table at all */
	for (unsigned i = 446; i < 510; i++)
		b[i] = (uint8_t)(i * 7);
	CHECK_INT_EQ(fg_format_mbr.probe(b, 4096, &cl), 0);
	/* NTFS and exFAT boot sectors are never an MBR */
	mbr_entry(b, 0, 0x80, 0x07, 1, 6);
	memcpy(b + 3, "NTFS    ", 8);
	CHECK_INT_EQ(fg_format_mbr.probe(b, 4096, &cl), 0);
	free(b);

	if (!du_have("mkfs.fat"))
		return;
	for (int bits = 12; bits <= 32; bits += bits == 12 ? 4 : 16) {
		char name[32];
		du_fmt(name, sizeof(name), "vbr%d.img", bits);
		REQUIRE(du_sh("cd '%s' && rm -f %s && mkfs.fat -C -F %d %s %d >/dev/null", du_dir(), name,
			      bits, name, bits == 32 ? 40960 : bits == 16 ? 20480 : 4096) == 0);
		size_t len;
		uint8_t *img = du_read(name, &len);
		REQUIRE(img);
		CHECK(fg_format_mbr.probe(img, len, &cl) <= 10);
		CHECK(du_best(img, len, NULL, NULL) == &fg_format_fat);
		free(img);
	}
}

TEST(mbr_overlapping_and_outlying_partitions)
{
	uint8_t *b = calloc(1, 64 * 512);
	memset(b + 512, 0x11, 63 * 512);
	mbr_entry(b, 0, 0, 0x83, 4, 20);
	mbr_entry(b, 1, 0, 0x83, 10, 20);     /* overlaps p1 */
	mbr_entry(b, 2, 0, 0x83, 60, 100);    /* runs past the image */
	mbr_entry(b, 3, 0, 0x83, 1000, 10);   /* starts past the image */
	uint64_t cl;
	CHECK_INT_EQ(fg_format_mbr.probe(b, 64 * 512, &cl), 0);
	du_env e = du_unpack(&fg_format_mbr, b, 64 * 512);
	REQUIRE(e.root);
	CHECK_INT_EQ(e.rc, 0);
	check_slice(e.root, "partition-1", b, 4 * 512, 20 * 512);
	CHECK(!du_child(e.root, "partition-2"));
	CHECK(!du_child(e.root, "partition-4"));
	fg_node *p3 = du_child(e.root, "partition-3");
	REQUIRE(p3);
	CHECK_INT_EQ(p3->data_len, 4 * 512);
	CHECK_INT_EQ(p3->size, 100 * 512);
	CHECK(p3->flags & FG_NODE_TRUNCATED);
	CHECK(du_diag_has(e.res, "partition 2 overlaps partition 1"));
	CHECK(du_diag_has(e.res, "partition 4 starts at byte 512000, beyond the image"));
	CHECK(du_diag_has(e.res, "image cut short"));
	fg_result_free(e.res);
	free(b);
}

TEST(mbr_ebr_chain_loops_and_limits)
{
	/* an EBR whose link points back at itself */
	uint8_t *b = calloc(1, 64 * 512);
	mbr_entry(b, 0, 0, 0x05, 8, 40);
	mbr_entry(b + 8 * 512, 0, 0, 0x83, 1, 4);
	mbr_entry(b + 8 * 512, 1, 0, 0x05, 0 + 1, 10); /* ext+1 */
	mbr_entry(b + 9 * 512, 0, 0, 0x83, 2, 4);
	mbr_entry(b + 9 * 512, 1, 0, 0x05, 1, 10);     /* ext+1 again: itself */
	du_env e = du_unpack(&fg_format_mbr, b, 64 * 512);
	REQUIRE(e.root);
	CHECK(du_diag_has(e.res, "EBR chain loops back to sector 9"));
	CHECK(du_child(e.root, "partition-5") != NULL);
	CHECK(du_child(e.root, "partition-6") == NULL); /* overlaps partition 5 */
	CHECK(du_diag_has(e.res, "partition 6 overlaps partition 5"));
	fg_result_free(e.res);
	free(b);

	/* a chain of 300 EBRs: 128 are followed */
	size_t n = 1 + 300 * 2;
	b = calloc(1, n * 512);
	mbr_entry(b, 0, 0, 0x05, 1, (uint32_t)(n - 1));
	for (unsigned i = 0; i < 300; i++) {
		uint8_t *ebr = b + (1 + 2 * i) * 512;
		mbr_entry(ebr, 0, 0, 0x83, 1, 1);
		if (i + 1 < 300)
			mbr_entry(ebr, 1, 0, 0x05, 2 * (i + 1), 2);
	}
	e = du_unpack(&fg_format_mbr, b, n * 512);
	REQUIRE(e.root);
	CHECK_INT_EQ(e.root->nchildren, 128);
	CHECK(du_child(e.root, "partition-132") != NULL);
	CHECK(du_child(e.root, "partition-133") == NULL);
	CHECK(du_diag_has(e.res, "more than 128 logical partitions"));
	fg_result_free(e.res);

	/* a link leaving the extended partition, and an EBR without signature */
	memset(b, 0, n * 512);
	mbr_entry(b, 0, 0, 0x0f, 1, 10);
	mbr_entry(b + 512, 0, 0, 0x83, 1, 2);
	mbr_entry(b + 512, 1, 0, 0x05, 50, 2);
	e = du_unpack(&fg_format_mbr, b, n * 512);
	CHECK(du_diag_has(e.res, "leaves the extended partition"));
	CHECK(du_child(e.root, "partition-5") != NULL);
	fg_result_free(e.res);
	mbr_entry(b + 512, 1, 0, 0x05, 5, 2);
	e = du_unpack(&fg_format_mbr, b, n * 512);
	CHECK(du_diag_has(e.res, "EBR at sector 6 has no 0x55AA signature"));
	fg_result_free(e.res);
	/* EBRs beyond the image */
	mbr_entry(b, 1, 0, 0x05, 100000, 10);
	mbr_entry(b, 0, 0, 0, 0, 0);
	e = du_unpack(&fg_format_mbr, b, n * 512);
	CHECK(du_diag_has(e.res, "EBR at sector 100000 lies beyond the image"));
	fg_result_free(e.res);
	free(b);
}

TEST(mbr_absurd_values)
{
	uint8_t *b = calloc(1, 1024);
	mbr_entry(b, 0, 0, 0x83, 0xffffffff, 0xffffffff);
	uint64_t cl;
	CHECK_INT_EQ(fg_format_mbr.probe(b, 1024, &cl), 30);
	du_env e = du_unpack(&fg_format_mbr, b, 1024);
	CHECK_INT_EQ(e.rc, -1);
	CHECK(du_diag_has(e.res, "beyond the image"));
	fg_result_free(e.res);
	mbr_entry(b, 0, 0, 0x05, 1, 0xffffffff);
	e = du_unpack(&fg_format_mbr, b, 1024);
	CHECK_INT_EQ(e.rc, -1);
	fg_result_free(e.res);
	free(b);
}

TEST(mbr_survives_cuts_and_noise)
{
	size_t len;
	uint8_t *img = make_mbr(&len);
	size_t cuts[] = { 0, 1, 446, 510, 511, 512, 513, 4096, 64 * 512, 64 * 512 + 300, 99 * 512,
			  100 * 512 + 1, 224 * 512 - 1, len };
	du_survive_cuts(&fg_format_mbr, img, cuts, sizeof(cuts) / sizeof(cuts[0]));
	/* cut inside the second logical partition: kept, marked short */
	du_env e = du_unpack(&fg_format_mbr, img, 120 * 512);
	REQUIRE(e.root);
	fg_node *p6 = du_child(e.root, "partition-6");
	REQUIRE(p6);
	CHECK_INT_EQ(p6->data_len, 20 * 512);
	CHECK(p6->flags & FG_NODE_TRUNCATED);
	fg_result_free(e.res);
	free(img);

	/* random sectors ending in 0x55AA are hardly ever taken for a table */
	unsigned taken = 0;
	for (uint32_t s = 1; s <= 3000; s++) {
		uint8_t *r = du_noise(4096, s);
		r[510] = 0x55;
		r[511] = 0xaa;
		uint64_t cl;
		if (fg_format_mbr.probe(r, 4096, &cl) >= FG_CARVE_MIN_CONFIDENCE)
			taken++;
		du_env x = du_unpack(&fg_format_mbr, r, 4096);
		fg_result_free(x.res);
		free(r);
	}
	CHECK_INT_EQ(taken, 0);
}

/* ---- GPT builders ---------------------------------------------------------- */

static void guid_parse(const char *s, uint8_t g[16])
{
	unsigned v[16];
	sscanf(s, "%2x%2x%2x%2x-%2x%2x-%2x%2x-%2x%2x-%2x%2x%2x%2x%2x%2x", &v[3], &v[2], &v[1], &v[0],
	       &v[5], &v[4], &v[7], &v[6], &v[8], &v[9], &v[10], &v[11], &v[12], &v[13], &v[14], &v[15]);
	for (int i = 0; i < 16; i++)
		g[i] = (uint8_t)v[i];
}

#define T_ESP "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define T_LINUX "0FC63DAF-8483-4772-8E79-3D69D8477DE4"

typedef struct gpt_p {
	const char *type;
	uint64_t first, last;
	const char *name;        /* ASCII, or NULL */
	const uint16_t *units;   /* raw UTF-16 name when set */
} gpt_p;

static uint32_t crc(const uint8_t *p, size_t n)
{
	return (uint32_t)crc32(0, p, (uInt)n);
}

static void gpt_header(uint8_t *h, uint64_t my, uint64_t alt, uint64_t fu, uint64_t lu,
		       uint64_t entries, uint32_t nent, uint32_t esz, uint32_t acrc)
{
	memset(h, 0, 92);
	memcpy(h, "EFI PART", 8);
	du_le32(h + 8, 0x00010000);
	du_le32(h + 12, 92);
	du_le64(h + 24, my);
	du_le64(h + 32, alt);
	du_le64(h + 40, fu);
	du_le64(h + 48, lu);
	for (int i = 0; i < 16; i++)
		h[56 + i] = (uint8_t)(0xa0 + i);
	du_le64(h + 72, entries);
	du_le32(h + 80, nent);
	du_le32(h + 84, esz);
	du_le32(h + 88, acrc);
	du_le32(h + 16, crc(h, 92));
}

/* A disk of SECTORS sectors of SS bytes with 128 entries of 128 bytes,
 * primary and backup, protective MBR. */
static uint8_t *make_gpt(unsigned ss, uint64_t sectors, const gpt_p *p, unsigned n, size_t *len)
{
	*len = (size_t)(sectors * ss);
	uint8_t *b = calloc(1, *len);
	mbr_entry(b, 0, 0, 0xee, 1, (uint32_t)(sectors - 1));
	const uint32_t nent = 128, esz = 128;
	uint64_t arr_sectors = nent * esz / ss;
	uint8_t *arr = b + 2 * ss;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = arr + i * esz;
		guid_parse(p[i].type, e);
		for (int k = 0; k < 16; k++)
			e[16 + k] = (uint8_t)(i * 16 + k + 1);
		du_le64(e + 32, p[i].first);
		du_le64(e + 40, p[i].last);
		if (p[i].units)
			for (unsigned k = 0; k < 36 && p[i].units[k]; k++)
				du_le16(e + 56 + 2 * k, p[i].units[k]);
		else if (p[i].name)
			for (unsigned k = 0; k < 36 && p[i].name[k]; k++)
				du_le16(e + 56 + 2 * k, (uint8_t)p[i].name[k]);
	}
	uint32_t acrc = crc(arr, nent * esz);
	uint64_t fu = 2 + arr_sectors, lu = sectors - 2 - arr_sectors;
	gpt_header(b + ss, 1, sectors - 1, fu, lu, 2, nent, esz, acrc);
	memcpy(b + (sectors - 1 - arr_sectors) * ss, arr, nent * esz);
	gpt_header(b + (sectors - 1) * ss, sectors - 1, 1, fu, lu, sectors - 1 - arr_sectors, nent, esz,
		   acrc);
	for (unsigned i = 0; i < n; i++)
		if (p[i].last < sectors && p[i].first <= p[i].last)
			memset(b + p[i].first * ss, 0x40 + (int)i, 16); /* a mark per partition */
	return b;
}

/* Recomputes the primary array (when it is the usual 16 KiB at LBA 2)
 * and header CRCs after an edit. */
static void gpt_fix(uint8_t *b, unsigned ss)
{
	uint8_t *h = b + ss;
	uint32_t nent = fg_load_u32le(h + 80), esz = fg_load_u32le(h + 84);
	if (nent == 128 && esz == 128 && fg_load_u32le(h + 72) == 2)
		du_le32(h + 88, crc(b + 2 * ss, (size_t)nent * esz));
	du_le32(h + 16, 0);
	du_le32(h + 16, crc(h, 92));
}

static const gpt_p two_parts[] = {
	{ T_ESP, 40, 99, "EFI system", NULL },
	{ T_LINUX, 100, 219, "rootfs", NULL },
};

TEST(gpt_partitions_names_and_types)
{
	size_t len;
	uint8_t *img = make_gpt(512, 256, two_parts, 2, &len);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_gpt.probe(img, len, &cl), 90);
	CHECK_INT_EQ(cl, len);
	CHECK(du_best(img, len, NULL, NULL) == &fg_format_gpt);
	du_env e = du_unpack(&fg_format_gpt, img, len);
	CHECK_INT_EQ(e.rc, 0);
	REQUIRE(e.root);
	check_slice(e.root, "EFI system", img, 40 * 512, 60 * 512);
	check_slice(e.root, "rootfs", img, 100 * 512, 120 * 512);
	CHECK_INT_EQ(e.root->nchildren, 2);
	CHECK_INT_EQ(e.root->src_length, len);
	CHECK_STR_EQ(e.root->format_info, "512-byte sectors, 2 partitions: EFI system (EFI System), "
					  "rootfs (Linux filesystem)");
	du_no_diags(e.res);
	fg_result_free(e.res);
	free(img);

	/* 4096-byte sectors */
	img = make_gpt(4096, 64, (const gpt_p[]){ { T_LINUX, 10, 49, "data", NULL } }, 1, &len);
	CHECK_INT_EQ(fg_format_gpt.probe(img, len, &cl), 90);
	CHECK_INT_EQ(cl, len);
	e = du_unpack(&fg_format_gpt, img, len);
	REQUIRE(e.root);
	check_slice(e.root, "data", img, 10 * 4096, 40 * 4096);
	CHECK(strstr(e.root->format_info, "4096-byte sectors"));
	du_no_diags(e.res);
	fg_result_free(e.res);
	free(img);
}

TEST(gpt_names_are_sanitised)
{
	static const uint16_t accents[] = { 'S', 'y', 's', 't', 0xe8, 'm', 'e', 0 };
	static const uint16_t emoji[] = { 'x', 0xd83d, 0xde00, 0 };          /* U+1F600 */
	static const uint16_t lone[] = { 'a', 0xdc00, 'b', 0 };               /* unpaired */
	static const uint16_t slash[] = { 'a', '/', 'b', 1, 0 };
	static const uint16_t dots[] = { '.', '.', 0 };
	const gpt_p p[] = {
		{ T_LINUX, 34, 39, NULL, accents },
		{ T_LINUX, 40, 49, NULL, emoji },
		{ T_LINUX, 50, 59, NULL, lone },
		{ T_LINUX, 60, 69, NULL, slash },
		{ T_LINUX, 70, 79, NULL, dots },
		{ T_LINUX, 80, 89, "", NULL },
		{ T_LINUX, 90, 99, "same", NULL },
		{ T_LINUX, 100, 109, "same", NULL },
		{ "01234567-89AB-CDEF-0123-456789ABCDEF", 110, 119, "partition-10", NULL },
		{ T_LINUX, 120, 129, "", NULL },   /* entry 10: its default name is taken */
	};
	size_t len;
	uint8_t *img = make_gpt(512, 200, p, 10, &len);
	du_env e = du_unpack(&fg_format_gpt, img, len);
	REQUIRE(e.root);
	CHECK(du_child(e.root, "Syst\xc3\xa8me"));
	CHECK(du_child(e.root, "x\xf0\x9f\x98\x80"));
	CHECK(du_child(e.root, "a\xef\xbf\xbd" "b"));
	CHECK(du_child(e.root, "a_b_"));
	CHECK(du_child(e.root, "partition-5"));
	CHECK(du_child(e.root, "partition-6"));
	CHECK(du_child(e.root, "same"));
	CHECK(du_child(e.root, "same-8"));
	CHECK(du_child(e.root, "partition-9") == NULL);
	check_slice(e.root, "partition-10", img, 110 * 512, 10 * 512);
	CHECK(du_child(e.root, "partition-10-10") == NULL);
	CHECK(!du_diag_has(e.res, "no free name"));
	CHECK_INT_EQ(e.root->nchildren, 10);
	/* entry 10 ("", default partition-10 taken by entry 9's name) */
	fg_node *n10 = NULL;
	for (size_t i = 0; i < e.root->nchildren; i++)
		if (e.root->children[i]->data == img + 120 * 512)
			n10 = e.root->children[i];
	REQUIRE(n10);
	CHECK_STR_EQ(n10->name, "partition-10~1");
	CHECK(strstr(e.root->format_info, "01234567-89AB-CDEF-0123-456789ABCDEF"));
	fg_result_free(e.res);
	free(img);
}

TEST(gpt_crc_mismatches_are_recorded)
{
	size_t len;
	uint8_t *img = make_gpt(512, 256, two_parts, 2, &len);
	uint64_t cl;
	/* header CRC broken: sane otherwise, still read */
	img[512 + 16] ^= 1;
	CHECK_INT_EQ(fg_format_gpt.probe(img, len, &cl), 55);
	du_env e = du_unpack(&fg_format_gpt, img, len);
	CHECK_INT_EQ(e.rc, 0);
	CHECK(du_child(e.root, "rootfs") != NULL);
	CHECK(du_diag_has(e.res, "primary header CRC mismatch"));
	CHECK(strstr(e.root->format_info, "header CRC mismatch"));
	fg_result_free(e.res);
	img[512 + 16] ^= 1;

	/* primary entries damaged: the backup table is used */
	img[2 * 512 + 128 + 56] = 'X'; /* rename "rootfs" in the primary only */
	CHECK_INT_EQ(fg_format_gpt.probe(img, len, &cl), 60);
	e = du_unpack(&fg_format_gpt, img, len);
	CHECK(du_child(e.root, "rootfs") != NULL);
	CHECK(du_child(e.root, "Xootfs") == NULL);
	CHECK(du_diag_has(e.res, "backup table used"));
	fg_result_free(e.res);

	/* both damaged: the primary is read anyway */
	img[len - 33 * 512 + 128 + 56] = 'Y';
	e = du_unpack(&fg_format_gpt, img, len);
	CHECK(du_child(e.root, "Xootfs") != NULL);
	CHECK(du_diag_has(e.res, "partition entry array CRC mismatch"));
	fg_result_free(e.res);

	/* no protective MBR: noted, still a GPT */
	gpt_fix(img, 512);
	memset(img + 446, 0, 64);
	CHECK_INT_EQ(fg_format_gpt.probe(img, len, &cl), 85);
	e = du_unpack(&fg_format_gpt, img, len);
	CHECK(du_diag_has(e.res, "no protective MBR"));
	fg_result_free(e.res);
	free(img);
}

TEST(gpt_hostile_entries)
{
	const gpt_p p[] = {
		{ T_LINUX, 40, 99, "a", NULL },
		{ T_LINUX, 50, 60, "overlaps", NULL },
		{ T_LINUX, 120, 110, "backwards", NULL },
		{ T_LINUX, 0xffffffffffffff00ull, 0xffffffffffffffffull, "huge", NULL },
		{ T_LINUX, 150, 5000, "long", NULL },
		{ T_LINUX, 20, 30, "early", NULL },
	};
	size_t len;
	uint8_t *img = make_gpt(512, 256, p, 6, &len);
	du_env e = du_unpack(&fg_format_gpt, img, len);
	REQUIRE(e.root);
	CHECK(du_child(e.root, "a"));
	CHECK(!du_child(e.root, "overlaps"));
	CHECK(!du_child(e.root, "backwards"));
	CHECK(!du_child(e.root, "huge"));
	fg_node *l = du_child(e.root, "long");
	REQUIRE(l);
	CHECK_INT_EQ(l->data_len, len - 150 * 512);
	CHECK(l->flags & FG_NODE_TRUNCATED);
	CHECK(du_child(e.root, "early"));
	CHECK(du_diag_has(e.res, "partition 2 overlaps partition 1"));
	CHECK(du_diag_has(e.res, "partition 3 has an impossible extent"));
	CHECK(du_diag_has(e.res, "partition 4 has an impossible extent"));
	CHECK(du_diag_has(e.res, "partition 5 lies outside the usable sectors"));
	CHECK(du_diag_has(e.res, "partition 6 lies outside the usable sectors"));
	fg_result_free(e.res);

	/* absurd counts and sizes in the header: the backup rescues ... */
	uint64_t cl;
	du_le32(img + 512 + 80, 0xffffffff);
	gpt_fix(img, 512);
	CHECK_INT_EQ(fg_format_gpt.probe(img, len, &cl), 0);
	e = du_unpack(&fg_format_gpt, img, len);
	CHECK(du_diag_has(e.res, "backup table used"));
	CHECK(du_child(e.root, "a") != NULL);
	fg_result_free(e.res);
	/* ... until it is gone too */
	memset(img + len - 512, 0, 512);
	e = du_unpack(&fg_format_gpt, img, len);
	CHECK(du_diag_has(e.res, "only the first 16384 read"));
	CHECK(du_diag_has(e.res, "entry array cut short: 1016 of 16384 entries present"));
	fg_result_free(e.res);
	du_le32(img + 512 + 80, 128);
	du_le32(img + 512 + 84, 0);
	gpt_fix(img, 512);
	CHECK_INT_EQ(fg_format_gpt.probe(img, len, &cl), 0);
	du_le32(img + 512 + 84, 100);  /* not a multiple of 8 >= 128 */
	gpt_fix(img, 512);
	CHECK_INT_EQ(fg_format_gpt.probe(img, len, &cl), 0);
	du_le32(img + 512 + 84, 128);
	du_le64(img + 512 + 72, 0xffffffffffffull); /* entries far away */
	gpt_fix(img, 512);
	e = du_unpack(&fg_format_gpt, img, len);
	CHECK_INT_EQ(e.rc, -1);
	CHECK(du_diag_has(e.res, "lies beyond the image"));
	fg_result_free(e.res);
	du_le64(img + 512 + 32, 0xffffffffffffffffull); /* backup LBA past any size */
	gpt_fix(img, 512);
	CHECK_INT_EQ(fg_format_gpt.probe(img, len, &cl), 0);
	free(img);

	/* no entries used at all */
	img = make_gpt(512, 256, p, 0, &len);
	e = du_unpack(&fg_format_gpt, img, len);
	CHECK_INT_EQ(e.rc, -1);
	fg_result_free(e.res);
	free(img);
}

TEST(gpt_survives_cuts)
{
	size_t len;
	uint8_t *img = make_gpt(512, 256, two_parts, 2, &len);
	size_t cuts[] = { 0, 511, 512, 600, 1024, 1536, 2 * 512 + 200, 34 * 512, 40 * 512 + 1,
			  150 * 512, len - 512, len - 1, len };
	du_survive_cuts(&fg_format_gpt, img, cuts, sizeof(cuts) / sizeof(cuts[0]));
	/* the backup gone: found at the start of a file, not carved */
	uint64_t cl;
	CHECK_INT_EQ(fg_format_gpt.probe(img, 150 * 512, &cl), 40);
	CHECK_INT_EQ(cl, 150 * 512);
	du_env e = du_unpack(&fg_format_gpt, img, 150 * 512);
	REQUIRE(e.root);
	fg_node *r = du_child(e.root, "rootfs");
	REQUIRE(r);
	CHECK_INT_EQ(r->data_len, 50 * 512);
	CHECK(du_diag_has(e.res, "image cut short"));
	fg_result_free(e.res);
	/* the array cut */
	e = du_unpack(&fg_format_gpt, img, 2 * 512 + 200);
	CHECK(du_diag_has(e.res, "entry array cut short: 1 of 128"));
	fg_result_free(e.res);
	free(img);

	/* random bytes after a GPT signature */
	for (uint32_t s = 1; s <= 500; s++) {
		uint8_t *rnd = du_noise(8192, s);
		memcpy(rnd + 512, "EFI PART\0\0\1\0\x5c\0\0\0", 16);
		du_env x = du_unpack(&fg_format_gpt, rnd, 8192);
		fg_result_free(x.res);
		fg_format_gpt.probe(rnd, 8192, &cl);
		free(rnd);
	}
}

TEST(disk_images_are_carved_from_blobs)
{
	size_t glen, mlen;
	uint8_t *g = make_gpt(512, 256, two_parts, 2, &glen);
	uint8_t *m = make_mbr(&mlen);
	mlen = 224 * 512;
	size_t pad = 70000;
	size_t len = pad + glen + pad + mlen + pad;
	uint8_t *blob = du_noise(len, 7);
	memcpy(blob + pad, g, glen);
	memcpy(blob + 2 * pad + glen, m, mlen);
	/* a GPT seen from the wrong sector size is not carved */
	uint64_t cl;
	CHECK(fg_format_gpt.probe(blob + pad - 3584, len - pad + 3584, &cl) < FG_CARVE_MIN_CONFIDENCE);
	fg_node *f;
	fg_result *r = du_engine("blob.bin", blob, len, &f);
	REQUIRE(f->unpacked);
	char name[64];
	du_fmt(name, sizeof(name), "0x%zx.gpt", pad);
	fg_node *gc = du_child(f->unpacked, name);
	REQUIRE(gc);
	CHECK_INT_EQ(gc->data_len, glen);
	CHECK(gc->unpacked && du_child(gc->unpacked, "rootfs"));
	du_fmt(name, sizeof(name), "0x%zx.mbr", 2 * pad + glen);
	fg_node *mc = du_child(f->unpacked, name);
	REQUIRE(mc);
	CHECK_INT_EQ(mc->data_len, mlen);
	CHECK(mc->unpacked && du_child(mc->unpacked, "partition-6"));
	fg_result_free(r);
	free(blob);
	free(g);
	free(m);
}

/* ---- real tables from sfdisk / sgdisk, file systems inside ------------------ */

static bool have_fat_tools(void)
{
	return du_have("mkfs.fat") && du_have("mcopy") && du_have("mmd");
}

/* A FAT16 volume at sector START of IMG with a small tree. */
static bool put_fat(const char *img, unsigned start, unsigned kib, const char *label)
{
	const char *d = du_dir();
	return du_sh("cd '%s' && rm -rf tree && mkdir -p tree/etc tree/boot && "
		     "printf 'root::0:0::/root:/bin/sh\\n' > tree/etc/passwd && "
		     "printf 'console=ttyS0\\n' > 'tree/boot/kernel command line.txt' && "
		     "rm -f part.fat && mkfs.fat -C -F 16 -n %s part.fat %u >/dev/null && "
		     "mcopy -s -m -i part.fat tree/etc tree/boot ::/ && "
		     "dd if=part.fat of=%s bs=512 seek=%u conv=notrunc status=none",
		     d, label, kib, img, start) == 0;
}

TEST(gpt_with_fat_and_ext2_end_to_end)
{
	bool sg = du_have("sgdisk"), sf = du_have("sfdisk");
	if ((!sg && !sf) || !have_fat_tools())
		return;
	const char *d = du_dir();
	REQUIRE(du_sh("cd '%s' && rm -f gpt.img && truncate -s 40M gpt.img", d) == 0);
	if (sg)
		REQUIRE(du_sh("cd '%s' && sgdisk -n 1:2048:+20M -t 1:EF00 -c '1:EFI boot' "
			      "-n 2:0:+10M -t 2:8300 -c 2:rootfs gpt.img >/dev/null", d) == 0);
	else
		REQUIRE(du_sh("cd '%s' && printf 'label: gpt\\nstart=2048, size=40960, type=%s, "
			      "name=\"EFI boot\"\\nstart=43008, size=20480, type=%s, name=rootfs\\n' | "
			      "sfdisk -q gpt.img", d, T_ESP, T_LINUX) == 0);
	REQUIRE(put_fat("gpt.img", 2048, 20480, "BOOTFS"));
	bool ext = du_have("mkfs.ext2") &&
		   du_sh("cd '%s' && mkdir -p e/etc && printf 'x\\n' > e/etc/hostname && "
			 "mkfs.ext2 -q -F -d e -E offset=%u gpt.img 10240 >/dev/null 2>&1", d,
			 43008 * 512) == 0;
	size_t len;
	uint8_t *img = du_read("gpt.img", &len);
	REQUIRE(img);
	fg_node *f;
	fg_result *r = du_engine("gpt.img", img, len, &f);
	REQUIRE(f->unpacked);
	REQUIRE(!strcmp(f->unpacked->format, "gpt") && f->unpacked->format_info);
	CHECK(strstr(f->unpacked->format_info, "EFI boot (EFI System)"));
	CHECK(strstr(f->unpacked->format_info, "rootfs (Linux filesystem)"));
	fg_node *esp = du_child(f->unpacked, "EFI boot");
	REQUIRE(esp && esp->unpacked);
	REQUIRE(!strcmp(esp->unpacked->format, "fat") && esp->unpacked->format_info);
	CHECK(strstr(esp->unpacked->format_info, "FAT16"));
	CHECK(strstr(esp->unpacked->format_info, "label \"BOOTFS\""));
	fg_node *pw = fg_tree_lookup(esp->unpacked, "etc/passwd", false);
	REQUIRE(pw);
	CHECK_INT_EQ(pw->data_len, 25);
	CHECK(!memcmp(pw->data, "root::0:0::/root:/bin/sh\n", 25));
	CHECK(fg_tree_lookup(esp->unpacked, "boot/kernel command line.txt", false) != NULL);
	if (ext) {
		fg_node *root = du_child(f->unpacked, "rootfs");
		REQUIRE(root && root->unpacked);
		CHECK_STR_EQ(root->unpacked->format, "ext");
		CHECK(fg_tree_lookup(root->unpacked, "etc/hostname", false) != NULL);
	}
	fg_result_free(r);
	free(img);
}

/* An OpenWrt x86 "combined" style disk: a FAT boot partition and the
 * IoTGoat root file system (the shared sample overlay) in ext2. */
TEST(mbr_openwrt_style_disk_with_iotgoat_rootfs)
{
	const char *shared = getenv("FG_SHARED_DIR");
	char rootfs[PATH_MAX];
	du_fmt(rootfs, sizeof(rootfs), "%s/samples/iotgoat/rootfs",
	       shared && *shared ? shared : "/work/shared");
	if (access(rootfs, R_OK) != 0) {
		printf("%s not found: skipping\n", rootfs);
		return;
	}
	if (!du_have("sfdisk") || !du_have("mkfs.ext2") || !have_fat_tools())
		return;
	const char *d = du_dir();
	REQUIRE(du_sh("cd '%s' && rm -f owrt.img && truncate -s 48M owrt.img && "
		      "printf 'label: dos\\nstart=512, size=32768, type=83, bootable\\n"
		      "start=33792, size=40960, type=83\\n' | sfdisk -q owrt.img", d) == 0);
	REQUIRE(put_fat("owrt.img", 512, 16384, "BOOT"));
	REQUIRE(du_sh("cd '%s' && mkfs.ext2 -q -F -d '%s' -E offset=%u owrt.img 20480 >/dev/null 2>&1",
		      d, rootfs, 33792 * 512) == 0);
	size_t len;
	uint8_t *img = du_read("owrt.img", &len);
	REQUIRE(img);
	fg_node *f;
	fg_result *r = du_engine("openwrt-combined.img", img, len, &f);
	fg_node *ext = du_find_root(f, "ext");
	REQUIRE(ext);
	CHECK(ext->container && !strcmp(ext->container->name, "partition-2"));
	fg_node *shadow = fg_tree_lookup(ext, "etc/shadow", false);
	REQUIRE(shadow && shadow->data);
	CHECK(memmem(shadow->data, shadow->data_len, "iotgoatuser:$1$79bz0K8z$", 24) != NULL);
	CHECK(fg_tree_lookup(ext, "etc/rc.local", false) != NULL);
	fg_node *fat = du_find_root(f, "fat");
	REQUIRE(fat);
	CHECK(fat->container && !strcmp(fat->container->name, "partition-1"));
	fg_result_free(r);
	free(img);
}

TEST(mbr_from_sfdisk_end_to_end)
{
	if (!du_have("sfdisk") || !have_fat_tools())
		return;
	const char *d = du_dir();
	REQUIRE(du_sh("cd '%s' && rm -f mbr.img && truncate -s 64M mbr.img && "
		      "printf 'label: dos\\nlabel-id: 0x1234abcd\\n"
		      "start=2048, size=20480, type=e, bootable\\n"
		      "start=22528, size=8192, type=83\\n"
		      "start=30720, type=5\\n"
		      "start=32768, size=20480, type=6\\n"
		      "start=55296, size=8192, type=82\\n' | sfdisk -q mbr.img", d) == 0);
	REQUIRE(put_fat("mbr.img", 2048, 10240, "FIRST"));
	REQUIRE(put_fat("mbr.img", 32768, 10240, "LOGICAL"));
	size_t len;
	uint8_t *img = du_read("mbr.img", &len);
	REQUIRE(img);
	uint64_t cl;
	CHECK_INT_EQ(fg_format_mbr.probe(img, len, &cl), 70);
	CHECK_INT_EQ(cl, len); /* the extended partition runs to the end */
	fg_node *f;
	fg_result *r = du_engine("mbr.img", img, len, &f);
	REQUIRE(f->unpacked);
	REQUIRE(!strcmp(f->unpacked->format, "mbr") && f->unpacked->format_info);
	CHECK(strstr(f->unpacked->format_info, "disk id 0x1234abcd"));
	CHECK(strstr(f->unpacked->format_info, "p1 0x0e FAT16 LBA (active)"));
	check_slice(f->unpacked, "partition-1", img, 2048 * 512, 20480 * 512);
	check_slice(f->unpacked, "partition-2", img, 22528 * 512, 8192 * 512);
	check_slice(f->unpacked, "partition-5", img, 32768 * 512, 20480 * 512);
	check_slice(f->unpacked, "partition-6", img, 55296 * 512, 8192 * 512);
	fg_node *p1 = du_child(f->unpacked, "partition-1");
	fg_node *p5 = du_child(f->unpacked, "partition-5");
	REQUIRE(p1 && p1->unpacked && p5 && p5->unpacked);
	REQUIRE(p1->unpacked->format_info && p5->unpacked->format_info);
	CHECK(strstr(p1->unpacked->format_info, "FIRST"));
	CHECK(strstr(p5->unpacked->format_info, "LOGICAL"));
	CHECK(fg_tree_lookup(p5->unpacked, "etc/passwd", false) != NULL);
	fg_result_free(r);
	free(img);
}
