/*
 * test_iso9660.c - the ISO 9660 handler (Rock Ridge, Joliet, El Torito).
 *
 * Images come from xorriso's mkisofs emulation at test time: Rock Ridge
 * and Joliet with a symlink, a setuid file, owners, mtimes and a path
 * twelve directories deep; Joliet alone and plain ISO 9660 (xorriso
 * writes Rock Ridge unless told --norock); a hybrid image
 * with an appended FAT partition. Hostile cases edit those images: cuts
 * at every interesting boundary, both-endian fields that disagree, a
 * volume and root directory claiming gigabytes on a cut image, and
 * random damage to the directory area.
 */
#include "disk_util.h"

extern const fg_format fg_format_iso9660;

#define MTIME_STR "2022-03-04 05:06:07"
#define MTIME 1646370367

static bool have_xorriso(void)
{
	return du_have("xorriso");
}

static void stage(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	const char *d = du_dir();
	REQUIRE(du_sh("cd '%s' && rm -rf is && mkdir -p is/etc is/bin is/boot "
		      "is/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12 && "
		      "printf 'root:x:0:0::/root:/bin/sh\\n' > is/etc/passwd && "
		      "printf 'root:$1$x$y:1:0:9:7:::\\n' > is/etc/shadow && chmod 600 is/etc/shadow && "
		      "head -c 200000 /dev/urandom > is/bin/busybox && chmod 4755 is/bin/busybox && "
		      "ln -s busybox is/bin/sh && ln -s /etc/passwd is/etc/link-abs && "
		      "printf 'deep\\n' > is/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/deep.txt && "
		      "printf 'Mixed Case Long File Name\\n' > 'is/etc/Mixed Case Long File Name.conf' && "
		      "head -c 2048 /dev/zero > is/boot/boot.bin && "
		      "chown -h 1000:1001 is/etc/passwd 2>/dev/null; "
		      "find is -exec touch -h -d '" MTIME_STR "' {} +", d) == 0);
}

static uint8_t *make_iso(const char *name, const char *opts, size_t *len)
{
	stage();
	if (du_sh("cd '%s' && rm -f %s && xorriso -as mkisofs %s -o %s is >/dev/null 2>&1", du_dir(),
		  name, opts, name) != 0) {
		printf("xorriso %s failed\n", opts);
		return NULL;
	}
	return du_read(name, len);
}

static fg_node *at(fg_node *root, const char *path)
{
	return root ? fg_tree_lookup(root, path, false) : NULL;
}

static void check_content(fg_node *root, const char *path, const uint8_t *img, size_t len)
{
	fg_node *n = at(root, path);
	if (!n) {
		fprintf(stderr, "  no %s\n", path);
		CHECK(n != NULL);
		return;
	}
	char p[PATH_MAX];
	du_fmt(p, sizeof(p), "%s/is/%s", du_dir(), path);
	size_t want_len;
	uint8_t *want = du_slurp(p, &want_len);
	REQUIRE(want);
	CHECK(n->type == FG_NODE_FILE);
	CHECK_INT_EQ(n->size, want_len);
	CHECK_INT_EQ(n->data_len, want_len);
	CHECK(!want_len || (n->data && !memcmp(n->data, want, want_len)));
	/* stored files are not copied */
	CHECK(!want_len || (n->data >= img && n->data < img + len));
	free(want);
}

TEST(iso_rock_ridge_and_joliet)
{
	if (!have_xorriso())
		return;
	size_t len;
	uint8_t *img = make_iso("rr.iso", "-R -J -V FGISO -b boot/boot.bin -no-emul-boot "
				"-boot-load-size 4", &len);
	REQUIRE(img);
	uint64_t cl = 0;
	CHECK_INT_EQ(fg_format_iso9660.probe(img, len, &cl), 95);
	CHECK_INT_EQ(cl, len);
	CHECK(du_best(img, len, NULL, NULL) == &fg_format_iso9660);
	du_env e = du_unpack(&fg_format_iso9660, img, len);
	CHECK_INT_EQ(e.rc, 0);
	REQUIRE(e.root);
	CHECK_STR_EQ(e.root->format_info, "rock ridge, joliet, el torito, volume \"FGISO\"");
	CHECK_INT_EQ(e.root->src_length, len);
	check_content(e.root, "etc/passwd", img, len);
	check_content(e.root, "etc/shadow", img, len);
	check_content(e.root, "bin/busybox", img, len);
	check_content(e.root, "etc/Mixed Case Long File Name.conf", img, len);
	check_content(e.root, "d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/deep.txt", img, len);
	fg_node *bb = at(e.root, "bin/busybox");
	REQUIRE(bb);
	CHECK_INT_EQ(bb->mode, 04755);
	CHECK_INT_EQ(bb->mtime, MTIME);
	CHECK_INT_EQ(at(e.root, "etc/shadow")->mode, 0600);
	fg_node *sh = at(e.root, "bin/sh");
	REQUIRE(sh);
	CHECK(sh->type == FG_NODE_SYMLINK);
	CHECK_STR_EQ(sh->link_target, "busybox");
	fg_node *abs = at(e.root, "etc/link-abs");
	REQUIRE(abs);
	CHECK_STR_EQ(abs->link_target, "/etc/passwd");
	if (geteuid() == 0) {
		CHECK_INT_EQ(at(e.root, "etc/passwd")->uid, 1000);
		CHECK_INT_EQ(at(e.root, "etc/passwd")->gid, 1001);
	}
	CHECK(at(e.root, "d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12")->type == FG_NODE_DIR);
	CHECK(at(e.root, "rr_moved") == NULL);
	du_no_diags(e.res);
	fg_result_free(e.res);

	/* carved from the middle of a blob, exactly */
	size_t pad = 70000, blen = pad + len + 5000;
	uint8_t *blob = du_noise(blen, 3);
	memcpy(blob + pad, img, len);
	fg_node *f;
	fg_result *r = du_engine("blob.bin", blob, blen, &f);
	REQUIRE(f->unpacked);
	char name[64];
	du_fmt(name, sizeof(name), "0x%zx.iso9660", pad);
	fg_node *c = du_child(f->unpacked, name);
	REQUIRE(c && c->unpacked);
	CHECK_INT_EQ(c->data_len, len);
	CHECK(at(c->unpacked, "etc/passwd") != NULL);
	fg_result_free(r);
	free(blob);
	free(img);
}

TEST(iso_joliet_only_and_plain)
{
	if (!have_xorriso())
		return;
	size_t len;
	uint8_t *img = make_iso("j.iso", "--norock -J -V J", &len);
	REQUIRE(img);
	du_env e = du_unpack(&fg_format_iso9660, img, len);
	REQUIRE(e.root);
	CHECK_STR_EQ(e.root->format_info, "iso9660, joliet, volume \"J\"");
	check_content(e.root, "etc/Mixed Case Long File Name.conf", img, len);
	check_content(e.root, "bin/busybox", img, len);
	fg_result_free(e.res);
	free(img);

	img = make_iso("p.iso", "--norock -V PLAIN", &len);
	REQUIRE(img);
	uint64_t cl;
	CHECK_INT_EQ(fg_format_iso9660.probe(img, len, &cl), 95);
	e = du_unpack(&fg_format_iso9660, img, len);
	REQUIRE(e.root);
	CHECK_STR_EQ(e.root->format_info, "iso9660, volume \"PLAIN\"");
	/* plain ISO 9660 names: upper case, 8.3, no version suffix */
	fg_node *pw = at(e.root, "ETC/PASSWD");
	if (!pw)
		pw = at(e.root, "etc/passwd");
	REQUIRE(pw);
	CHECK_INT_EQ(pw->data_len, 26);
	fg_result_free(e.res);
	free(img);
}

/* The PVD of IMG, and its root record. */
static uint8_t *pvd(uint8_t *img)
{
	for (unsigned i = 0; i < 16; i++) {
		uint8_t *vd = img + 0x8000 + i * 2048;
		if (vd[0] == 1 && !memcmp(vd + 1, "CD001", 5))
			return vd;
	}
	return NULL;
}

static void set_both32(uint8_t *p, uint32_t v)
{
	du_le32(p, v);
	du_be32(p + 4, v);
}

TEST(iso_probe_checks_both_endian_fields)
{
	if (!have_xorriso())
		return;
	size_t len;
	uint8_t *img = make_iso("rr.iso", "-R -J -V FGISO", &len);
	REQUIRE(img);
	uint8_t *v = pvd(img);
	REQUIRE(v);
	uint64_t cl;
	v[84] ^= 1; /* volume size: BE copy differs */
	CHECK_INT_EQ(fg_format_iso9660.probe(img, len, &cl), 0);
	v[84] ^= 1;
	v[130] ^= 1; /* block size */
	CHECK_INT_EQ(fg_format_iso9660.probe(img, len, &cl), 0);
	v[130] ^= 1;
	du_le16(v + 128, 4096);
	v[130] = 0x10;
	v[131] = 0x00;
	CHECK_INT_EQ(fg_format_iso9660.probe(img, len, &cl), 0);
	du_le16(v + 128, 2048);
	v[130] = 0x08;
	v[156] = 33; /* root record length */
	CHECK_INT_EQ(fg_format_iso9660.probe(img, len, &cl), 0);
	v[156] = 34;
	/* a root record pointing elsewhere: found, weaker */
	uint32_t root = fg_load_u32le(v + 158);
	set_both32(v + 158, root + 1);
	CHECK(fg_format_iso9660.probe(img, len, &cl) < 95);
	set_both32(v + 158, root);
	CHECK_INT_EQ(fg_format_iso9660.probe(img, len, &cl), 95);
	/* a volume larger than the data: only at the start of a file */
	set_both32(v + 80, (uint32_t)(len / 2048 + 10));
	CHECK_INT_EQ(fg_format_iso9660.probe(img, len, &cl), 40);
	CHECK_INT_EQ(cl, len);
	free(img);
}

TEST(iso_cut_and_damaged_images)
{
	if (!have_xorriso())
		return;
	size_t len;
	uint8_t *img = make_iso("rr.iso", "-R -J -V FGISO", &len);
	REQUIRE(img);
	uint8_t *v = pvd(img);
	REQUIRE(v);
	uint32_t root = fg_load_u32le(v + 158);
	size_t cuts[] = { 0, 0x8000, 0x8001, 0x8800, 0x8800 + 2048, 0x9800, (size_t)root * 2048,
			  (size_t)root * 2048 + 100, len / 2, len - 2048, len - 1 };
	du_survive_cuts(&fg_format_iso9660, img, cuts, sizeof(cuts) / sizeof(cuts[0]));
	uint64_t cl;
	CHECK_INT_EQ(fg_format_iso9660.probe(img, 0x8000 + 2047, &cl), 0);
	CHECK_INT_EQ(fg_format_iso9660.probe(img, 0x8800, &cl), 40); /* the PVD alone */

	/* cut in the file data: the tree is there, content cut short */
	du_env e = du_unpack(&fg_format_iso9660, img, len - 100000);
	REQUIRE(e.root);
	CHECK(du_diag_has(e.res, "image cut short"));
	CHECK(at(e.root, "etc/passwd") != NULL);
	fg_result_free(e.res);

	/* a volume and root directory of gigabytes on a cut image: the
	 * directories are checked before libarchive sizes a buffer by them */
	uint8_t *c = malloc(len);
	memcpy(c, img, len);
	uint8_t *cv = pvd(c);
	set_both32(cv + 80, 0xffffffff);
	set_both32(cv + 156 + 10, 0x7ffff800);
	set_both32(c + (size_t)root * 2048 + 10, 0x7ffff800);
	e = du_unpack(&fg_format_iso9660, c, len);
	CHECK_INT_EQ(e.rc, -1);
	CHECK(du_diag_has(e.res, "directories not read"));
	fg_result_free(e.res);
	fg_result *r = du_engine("huge.iso", c, len, NULL);
	fg_result_free(r);
	/* the same root size with an honest volume size: libarchive refuses */
	memcpy(cv + 80, v + 80, 8);
	e = du_unpack(&fg_format_iso9660, c, len);
	CHECK(e.res->diags.items.n > 0);
	fg_result_free(e.res);

	/* random damage to the descriptors and directories */
	size_t area = (size_t)root * 2048 + 8 * 2048;
	if (area > len)
		area = len;
	for (uint32_t s = 1; s <= 300; s++) {
		memcpy(c, img, len);
		uint8_t *rnd = du_noise(48, s);
		for (unsigned i = 0; i + 3 < 48; i += 4) {
			size_t off = 0x8000 + (((size_t)rnd[i] << 16 | (size_t)rnd[i + 1] << 8 | rnd[i + 3]) %
					       (area - 0x8000));
			c[off] = rnd[i + 2];
		}
		free(rnd);
		fg_format_iso9660.probe(c, len, &cl);
		du_env x = du_unpack(&fg_format_iso9660, c, len);
		fg_result_free(x.res);
	}
	free(c);
	free(img);
}

TEST(iso_hybrid_with_appended_partition)
{
	if (!have_xorriso() || !du_have("mkfs.fat") || !du_have("mcopy"))
		return;
	const char *d = du_dir();
	REQUIRE(du_sh("cd '%s' && rm -f esp.img && mkfs.fat -C -n ESP esp.img 2048 >/dev/null && "
		      "printf 'efi\\n' > bootx64.efi && mcopy -i esp.img bootx64.efi ::/", d) == 0);
	size_t len;
	uint8_t *img = make_iso("h.iso", "-R -J -V HYB --protective-msdos-label "
				"-append_partition 2 0xef esp.img", &len);
	REQUIRE(img);
	/* the partition table in the system area */
	uint32_t start = fg_load_u32le(img + 446 + 16 + 8);
	REQUIRE(img[446 + 16 + 4] == 0xef && start > 64);
	uint64_t cl;
	CHECK_INT_EQ(fg_format_iso9660.probe(img, len, &cl), 95);
	du_env e = du_unpack(&fg_format_iso9660, img, len);
	REQUIRE(e.root);
	CHECK_INT_EQ(e.root->src_length, (uint64_t)start * 512);
	fg_result_free(e.res);
	/* the engine carves the FAT volume after the ISO's own data */
	fg_node *f;
	fg_result *r = du_engine("h.iso", img, len, &f);
	fg_node *fat = du_find_root(f, "fat");
	REQUIRE(fat);
	CHECK(at(fat, "BOOTX64.EFI") || at(fat, "bootx64.efi"));
	fg_node *iso = du_find_root(f, "iso9660");
	REQUIRE(iso);
	CHECK(at(iso, "etc/passwd") != NULL);
	fg_result_free(r);
	free(img);
}
