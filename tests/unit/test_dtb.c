/*
 * test_dtb.c - flattened device trees: the dtb leaf (exact length, the
 * board's model and compatible strings, version and structure checks),
 * FIT images left to fit.c, unaligned and truncated trees, device trees
 * appended to a kernel, and the FACT sample with its appended DTB.
 */
#include <libfdt.h>

#include "test.h"
#include "kernel_fixture.h"
#include "core/cursor.h"

extern const fg_format fg_format_dtb;
extern const fg_format fg_format_fit;

/* A device tree made with libfdt: model, compatible (NUL-separated list
 * of COMPAT_N bytes), /chosen; an /images node when FIT. */
static uint8_t *make_dtb(const char *model, const char *compat, size_t compat_n, bool fit, size_t *len)
{
	size_t cap = 8192;
	uint8_t *t = calloc(1, cap);
	fdt_create(t, (int)cap);
	fdt_finish_reservemap(t);
	fdt_begin_node(t, "");
	if (model)
		fdt_property_string(t, "model", model);
	if (compat)
		fdt_property(t, "compatible", compat, (int)compat_n);
	fdt_property_u32(t, "#address-cells", 1);
	fdt_begin_node(t, "chosen");
	fdt_property_string(t, "bootargs", "console=ttyS0,115200 root=/dev/mtdblock2");
	fdt_end_node(t);
	if (fit) {
		fdt_begin_node(t, "images");
		fdt_begin_node(t, "kernel-1");
		fdt_property(t, "data", "kernel bytes", 12);
		fdt_property_string(t, "type", "kernel");
		fdt_end_node(t);
		fdt_end_node(t);
	}
	fdt_end_node(t);
	fdt_finish(t);
	*len = fdt_totalsize(t);
	return t;
}

TEST(dtb_probe_and_describe)
{
	size_t len;
	static const char compat[] = "acme,router-9\0acme,router\0vendor,soc-x\0vendor,soc";
	uint8_t *t = make_dtb("ACME Router 9 \"Pro\"", compat, sizeof(compat), false, &len);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_dtb.probe(t, len + 100, &cl), 80);
	CHECK_INT_EQ(cl, len);
	char d[256];
	fg_format_dtb.describe(t, len, d, sizeof(d));
	CHECK(strstr(d, "Device tree 'ACME Router 9 \"Pro\"', compatible acme,router-9, acme,router, vendor,soc-x (+1), v17"));
	CHECK(strstr(d, "3 nodes") || strstr(d, "2 nodes"));
	/* fit.c yields on a plain tree, the dtb leaf takes it */
	CHECK(fg_format_fit.probe(t, len, &cl) < 80);

	/* no model: compatible only; neither: still a device tree */
	free(t);
	t = make_dtb(NULL, "x,y", 4, false, &len);
	fg_format_dtb.describe(t, len, d, sizeof(d));
	CHECK(strncmp(d, "Device tree, compatible x,y, v17", 32) == 0);
	free(t);
	t = make_dtb(NULL, NULL, 0, false, &len);
	fg_format_dtb.describe(t, len, d, sizeof(d));
	CHECK(strncmp(d, "Device tree, v17", 16) == 0);
	free(t);
}

TEST(dtb_leaves_fit_to_fit)
{
	size_t len;
	uint8_t *t = make_dtb("FIT", NULL, 0, true, &len);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_dtb.probe(t, len, &cl), 0);
	CHECK(fg_format_fit.probe(t, len, &cl) >= 80);
	fg_result *r = kf_unpack("img.itb", t, len, NULL);
	CHECK(r->tree.root->unpacked && strcmp(r->tree.root->unpacked->format, "fit") == 0);
	fg_result_free(r);
	free(t);

	size_t fl;
	uint8_t *fit = kf_sample("fact_extractor/uboot/fit.itb", &fl);
	if (fit) {
		r = kf_unpack("fit.itb", fit, fl, NULL);
		CHECK(r->tree.root->unpacked && strcmp(r->tree.root->unpacked->format, "fit") == 0);
		fg_result_free(r);
		free(fit);
	}
}

TEST(dtb_damage)
{
	size_t len;
	uint8_t *t = make_dtb("Board", "b,c", 4, false, &len);
	uint64_t cl = 0;
	char d[256];
	/* truncated: described at the start of a file, never carved */
	CHECK_INT_EQ(fg_format_dtb.probe(t, len - 10, &cl), 10);
	CHECK_INT_EQ(cl, len - 10);
	fg_format_dtb.describe(t, len - 10, d, sizeof(d));
	CHECK(strstr(d, "truncated"));
	/* versions libfdt cannot read; last_comp above version */
	uint8_t *c = malloc(len);
	memcpy(c, t, len);
	c[23] = 3; /* version 3 */
	CHECK_INT_EQ(fg_format_dtb.probe(c, len, &cl), 0);
	memcpy(c, t, len);
	c[27] = 18; /* last_comp_version 18 */
	CHECK_INT_EQ(fg_format_dtb.probe(c, len, &cl), 0);
	/* totalsize below the header, blocks outside the tree */
	memcpy(c, t, len);
	c[4] = c[5] = c[6] = 0;
	c[7] = 8;
	CHECK_INT_EQ(fg_format_dtb.probe(c, len, &cl), 0);
	memcpy(c, t, len);
	c[8] = 0x7f; /* off_dt_struct */
	CHECK_INT_EQ(fg_format_dtb.probe(c, len, &cl), 0);
	/* a broken structure block: libfdt's full check refuses it */
	memcpy(c, t, len);
	uint32_t off_struct = fg_load_u32be(c + 8);
	memset(c + off_struct, 0xee, 8);
	CHECK_INT_EQ(fg_format_dtb.probe(c, len, &cl), 0);
	fg_format_dtb.describe(c, len, d, sizeof(d));
	CHECK(strstr(d, "invalid"));
	/* random bytes after the magic */
	memset(c + 4, 0x41, len - 4);
	CHECK_INT_EQ(fg_format_dtb.probe(c, len, &cl), 0);
	CHECK_INT_EQ(fg_format_dtb.probe(c, 20, &cl), 0);
	free(c);
	free(t);
}

/* Device trees carved from a blob at odd offsets (an aligned copy is
 * checked), each exactly as long as its header says. */
TEST(dtb_carved_unaligned)
{
	size_t l1, l2;
	uint8_t *a = make_dtb("First Board", "f,one", 6, false, &l1);
	uint8_t *b = make_dtb("Second Board", "s,two", 6, false, &l2);
	size_t cap = 8192 + l1 + l2;
	uint8_t *blob = malloc(cap);
	memset(blob, 0xff, cap);
	size_t at1 = 1001, at2 = at1 + l1 + 3;
	memcpy(blob + at1, a, l1);
	memcpy(blob + at2, b, l2);
	size_t len = at2 + l2 + 77;
	fg_result *r = kf_unpack("blob.bin", blob, len, NULL);
	const fg_node *cr = r->tree.root->unpacked;
	REQUIRE(cr);
	char n1[32], n2[32];
	snprintf(n1, sizeof(n1), "0x%zx.dtb", at1);
	snprintf(n2, sizeof(n2), "0x%zx.dtb", at2);
	const fg_node *c1 = fg_node_find_child(cr, n1, strlen(n1));
	const fg_node *c2 = fg_node_find_child(cr, n2, strlen(n2));
	REQUIRE(c1 && c2);
	CHECK_INT_EQ(c1->data_len, l1);
	CHECK_INT_EQ(c2->data_len, l2);
	CHECK(c1->format_info && strstr(c1->format_info, "'First Board'"));
	CHECK(c2->format_info && strstr(c2->format_info, "'Second Board'"));
	fg_result_free(r);
	free(blob);
	free(a);
	free(b);
}

/* dtc, when installed, cross-checks a tree the real compiler made. */
TEST(dtb_from_dtc)
{
	if (!kf_have("dtc")) {
		fprintf(stderr, "  skip: dtc not installed\n");
		return;
	}
	const char *dir = kf_tmpdir("dtb");
	REQUIRE(dir);
	char dts[4200], out[4200];
	snprintf(dts, sizeof(dts), "%s/b.dts", dir);
	snprintf(out, sizeof(out), "%s/b.dtb", dir);
	static const char src[] =
		"/dts-v1/;\n/ {\n\tmodel = \"Example DTC Board\";\n\tcompatible = \"ex,dtc\", \"ex,soc\";\n"
		"\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tmemory@0 { device_type = \"memory\"; reg = <0 0x8000000>; };\n"
		"\tchosen { bootargs = \"console=ttyS0\"; };\n};\n";
	REQUIRE(kf_spit(dts, src, strlen(src)));
	REQUIRE(kf_sh("dtc -q -I dts -O dtb -o %s %s", out, dts) == 0);
	size_t len;
	uint8_t *t = kf_slurp(out, &len);
	REQUIRE(t);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_dtb.probe(t, len, &cl), 80);
	CHECK_INT_EQ(cl, len);
	char d[256];
	fg_format_dtb.describe(t, len, d, sizeof(d));
	CHECK(strstr(d, "Device tree 'Example DTC Board', compatible ex,dtc, ex,soc, v17"));
	CHECK(strstr(d, "3 nodes"));
	free(t);
	kf_sh("rm -rf %s", dir);
}

/* FACT's uboot.dtb: a uImage "DD-XYZ" whose (cut) ARM zImage has a device
 * tree appended; extract-dtb names it 01_dtbdump_Manufac_XYZ1234ABC.dtb. */
TEST(dtb_fact_uboot_sample)
{
	size_t len;
	uint8_t *d = kf_sample("fact_extractor/uboot/uboot.dtb", &len);
	if (!d)
		return;
	fg_result *r = kf_unpack("uboot.dtb", d, len, NULL);
	unsigned n = 0;
	const fg_node *t = kf_format(r, "dtb", &n);
	REQUIRE(t);
	CHECK_INT_EQ(n, 1);
	CHECK(t->format_info && strstr(t->format_info, "Device tree 'Manufac XYZ1234ABC'"));
	CHECK(t->format_info && strstr(t->format_info, "compatible linksys,shelby"));
	CHECK_INT_EQ(t->data_len, 32889);
	CHECK_INT_EQ(t->data + t->data_len - d, len); /* the tree ends the file */
	const fg_node *z = kf_format(r, "zimage", NULL);
	CHECK(z && z->format_info && strstr(z->format_info, "ARM zImage little-endian"));
	fg_result_free(r);
	free(d);
}
