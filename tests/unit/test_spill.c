/*
 * test_spill.c - streaming `unpack -o` (unpack/spill.h): content is written
 * out and its memory freed while the image is still being unpacked, and
 * the result is the same as with the whole tree held in memory.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/result.h"
#include "unpack/engine.h"
#include "unpack/spill.h"
#include "kernel_fixture.h"
#include "test.h"

/* ---- reference counting ------------------------------------------------- */

/* An empty tree spilling into a fresh directory, whose path it returns
 * (its descriptor in *DFD); NULL on failure. */
static const char *open_spill(const char *tag, bool hash, fg_tree *t, int *dfd)
{
	const char *dir = kf_tmpdir(tag);
	*dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY) : -1;
	if (*dfd < 0)
		return NULL;
	char err[256];
	fg_tree_init(t);
	t->spill = fg_spill_open(*dfd, NULL, hash, err, sizeof(err));
	if (!t->spill)
		fprintf(stderr, "spill: %s\n", err);
	return t->spill ? dir : NULL;
}

TEST(buffer_is_freed_only_when_every_node_in_it_is_written)
{
	fg_tree t;
	int dfd;
	REQUIRE(open_spill("spill-refs", true, &t, &dfd));
	uint8_t *mem = malloc(64);
	REQUIRE(mem);
	memset(mem, 'a', 32);
	memset(mem + 32, 'b', 32);
	fg_buf *b = fg_buf_new(&t, mem, 64);
	REQUIRE(b);
	/* two files sliced out of one buffer */
	fg_node *x = fg_node_new(&t, "x", 1, FG_NODE_FILE);
	fg_node *y = fg_node_new(&t, "y", 1, FG_NODE_FILE);
	REQUIRE(x && y);
	x->data = mem;
	x->data_len = 32;
	y->data = mem + 32;
	y->data_len = 32;
	x->mode = y->mode = 0644;
	fg_buf_attach(x, b);
	fg_buf_attach(y, b);
	fg_buf_attach(y, b); /* a second attach of the same node counts once */
	CHECK(fg_spill_node(&t, x));
	CHECK(b->base != NULL);          /* y still reads it */
	CHECK(x->flags & FG_NODE_SPILLED);
	CHECK(x->sha256 && strlen(x->sha256) == 64);
	CHECK(!fg_spill_node(&t, x));   /* once only */
	CHECK(fg_spill_node(&t, y));
	CHECK(b->base == NULL);          /* the last reader is done */
	/* what was written is what the nodes held */
	char name[32], path[4300];
	fg_spill_name(y, name, sizeof(name));
	snprintf(path, sizeof(path), "%s", name);
	int fd = openat(fg_spill_dirfd(t.spill), path, O_RDONLY);
	REQUIRE(fd >= 0);
	char back[64];
	CHECK_INT_EQ(read(fd, back, sizeof(back)), 32);
	CHECK(memcmp(back, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 32) == 0);
	close(fd);
	/* sha256("b" x 32) */
	CHECK_STR_EQ(y->sha256, "bdb339768bc5e4fecbe55a442056919b2b325907d49bcbf3bf8de13781996a83");
	fg_spill_close(t.spill);
	t.spill = NULL;
	fg_tree_free(&t);
	struct stat st; /* the output directory stays */
	CHECK(fstat(dfd, &st) == 0 && st.st_nlink > 0);
	close(dfd);
}

TEST(spill_without_hashing_writes_the_same_bytes_and_no_digest)
{
	fg_tree t;
	int dfd;
	REQUIRE(open_spill("spill-nohash", false, &t, &dfd));
	/* larger than one write step, so the unhashed loop goes round */
	size_t n = (600u << 10) + 7;
	uint8_t *mem = malloc(n);
	REQUIRE(mem);
	for (size_t i = 0; i < n; i++)
		mem[i] = (uint8_t)(i * 131u + (i >> 11));
	fg_buf *b = fg_buf_new(&t, mem, n);
	fg_node *x = fg_node_new(&t, "x", 1, FG_NODE_FILE);
	REQUIRE(b && x);
	x->data = mem;
	x->data_len = n;
	x->mode = 0640;
	fg_buf_attach(x, b);
	CHECK(fg_spill_node(&t, x));
	CHECK(x->flags & FG_NODE_SPILLED);
	CHECK(x->sha256 == NULL);
	CHECK(b->base == NULL);
	char name[32];
	fg_spill_name(x, name, sizeof(name));
	int fd = openat(fg_spill_dirfd(t.spill), name, O_RDONLY);
	REQUIRE(fd >= 0);
	uint8_t *back = malloc(n + 1);
	REQUIRE(back);
	size_t got = 0;
	ssize_t r;
	while ((r = read(fd, back + got, n + 1 - got)) > 0)
		got += (size_t)r;
	close(fd);
	CHECK_INT_EQ(got, n);
	bool same = true;
	for (size_t i = 0; i < n && same; i++)
		same = back[i] == (uint8_t)(i * 131u + (i >> 11));
	CHECK(same);
	free(back);
	fg_spill_close(t.spill);
	t.spill = NULL;
	fg_tree_free(&t);
	close(dfd);
}

TEST(failed_spill_keeps_the_content_in_memory)
{
	fg_tree t;
	int dfd;
	const char *dir = open_spill("spill-fail", false, &t, &dfd);
	REQUIRE(dir);
	/* the working directory disappears: every write fails */
	char cmd[4300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/.firmgate-spill.*", dir);
	REQUIRE(system(cmd) == 0);
	uint8_t *mem = malloc(16);
	REQUIRE(mem);
	memset(mem, 'z', 16);
	fg_buf *b = fg_buf_new(&t, mem, 16);
	fg_node *x = fg_node_new(&t, "x", 1, FG_NODE_FILE);
	REQUIRE(b && x);
	x->data = mem;
	x->data_len = 16;
	fg_buf_attach(x, b);
	CHECK(!fg_spill_node(&t, x));
	CHECK(!(x->flags & FG_NODE_SPILLED));
	CHECK(b->base == mem && x->data[15] == 'z');
	CHECK_INT_EQ(fg_spill_failures(t.spill), 1);
	fg_spill_close(t.spill);
	t.spill = NULL;
	fg_tree_free(&t);
	close(dfd);
}

/* ---- whole scans -------------------------------------------------------- */

/* Unpacks INPUT with JOBS threads, streaming into EXTRACT_DIR unless
 * NULL; the manifests carry digests (diff -r compares them). */
static fg_result *scan_jobs(const char *input, unsigned jobs, const char *extract_dir)
{
	fg_options o;
	fg_options_default(&o);
	o.unpack_only = 1;
	o.jobs = jobs;
	o.extract_dir = extract_dir;
	o.extract_hashes = 1;
	fg_result *r = NULL;
	char err[1024];
	if (fg_scan(input, &o, &r, err, sizeof(err)) != FG_OK) {
		fprintf(stderr, "scan %s: %s\n", input, err);
		return NULL;
	}
	return r;
}

static fg_result *scan(const char *input, const char *extract_dir)
{
	return scan_jobs(input, 2, extract_dir);
}

/* Counted buffers still holding memory once unpacking is over. */
static size_t live_buffers(const fg_result *r)
{
	size_t live = 0;
	for (size_t i = 0; i < r->tree.bufs.n; i++)
		if (r->tree.bufs.v[i]->base)
			live++;
	return live;
}

/* Unpacks INPUT streamed into DIR/streamed and held into DIR/held and
 * compares both trees byte for byte. */
static void streamed_equals_held(const char *dir, const char *input, size_t min_buffers)
{
	char out_s[4200], out_h[4200], err[1024];
	snprintf(out_s, sizeof(out_s), "%s/streamed", dir);
	snprintf(out_h, sizeof(out_h), "%s/held", dir);
	fg_result *held = scan(input, NULL);
	REQUIRE(held);
	CHECK_INT_EQ(held->tree.bufs.n, 0); /* nothing counted outside streaming */
	CHECK_INT_EQ(fg_extract_to_dir(held, out_h, 0, err, sizeof(err)), 0);
	fg_result_free(held);

	fg_result *streamed = scan(input, out_s);
	REQUIRE(streamed);
	/* every buffer went back before the tree was laid out */
	CHECK(streamed->tree.bufs.n >= min_buffers);
	CHECK_INT_EQ(live_buffers(streamed), 0);
	CHECK_INT_EQ(fg_extract_to_dir(streamed, out_s, 0, err, sizeof(err)), 0);
	fg_result_free(streamed);

	char cmd[8800];
	snprintf(cmd, sizeof(cmd), "diff -r --no-dereference '%s' '%s'", out_h, out_s);
	CHECK_INT_EQ(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "test -z \"$(find '%s' -name '.firmgate-spill*')\"", out_s);
	CHECK_INT_EQ(system(cmd), 0);
}

static bool make_tree(const char *dir)
{
	char cmd[8400];
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && mkdir -p src/etc src/bin src/lib && "
		 "head -c 300000 /dev/urandom > src/bin/prog && "
		 "cp src/bin/prog src/bin/copy && "          /* content stored once */
		 "ln src/bin/prog src/bin/hard && "           /* a hard link */
		 "seq 1 40000 > src/etc/numbers && "
		 "gzip -c src/etc/numbers > src/lib/nested.gz && " /* a container inside */
		 "for i in $(seq 1 60); do echo file $i > src/etc/f$i; done && "
		 "ln -s ../etc/f1 src/bin/link && chmod 4755 src/bin/prog",
		 dir);
	return system(cmd) == 0;
}

TEST(streamed_tar_gz_equals_held_and_frees_every_buffer)
{
	const char *dir = kf_tmpdir("spill-tgz");
	REQUIRE(dir && make_tree(dir));
	char cmd[8400], input[4200];
	snprintf(cmd, sizeof(cmd), "cd '%s' && tar -C src -czf in.tar.gz .", dir);
	REQUIRE(system(cmd) == 0);
	snprintf(input, sizeof(input), "%s/in.tar.gz", dir);
	/* the tar stream and the nested gzip's output at least */
	streamed_equals_held(dir, input, 2);
}

TEST(streamed_squashfs_equals_held_and_frees_every_buffer)
{
	if (!kf_have("mksquashfs")) {
		printf("  skip: mksquashfs not installed\n");
		return;
	}
	static const char *const comps[] = { "gzip", "xz" };
	for (size_t i = 0; i < sizeof(comps) / sizeof(comps[0]); i++) {
		const char *dir = kf_tmpdir(comps[i]);
		REQUIRE(dir && make_tree(dir));
		char cmd[8400], input[4200];
		snprintf(cmd, sizeof(cmd), "cd '%s' && mksquashfs src in.sqfs -comp %s -noappend "
			 "-no-progress >/dev/null", dir, comps[i]);
		REQUIRE(system(cmd) == 0);
		snprintf(input, sizeof(input), "%s/in.sqfs", dir);
		/* one buffer per file with content read */
		streamed_equals_held(dir, input, 60);
	}
}

TEST(failed_scan_leaves_no_output_directory_behind)
{
	const char *dir = kf_tmpdir("spill-abort");
	REQUIRE(dir);
	char input[4200], out[4200], kept[4200], cmd[8600];
	snprintf(input, sizeof(input), "%s/noise.bin", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(kept, sizeof(kept), "%s/kept", dir);
	snprintf(cmd, sizeof(cmd), "printf 'nothing to unpack here\\n' > '%s' && mkdir '%s'",
		 input, kept);
	REQUIRE(system(cmd) == 0);
	struct stat st;
	fg_options o;
	fg_options_default(&o);
	o.unpack_only = 1;
	fg_result *r = NULL;
	char err[1024];
	/* a directory this run creates goes again */
	o.extract_dir = out;
	CHECK_INT_EQ(fg_scan(input, &o, &r, err, sizeof(err)), FG_ERR_INPUT);
	CHECK(r == NULL);
	CHECK(stat(out, &st) != 0);
	/* one that existed stays, and holds nothing of ours */
	o.extract_dir = kept;
	CHECK_INT_EQ(fg_scan(input, &o, &r, err, sizeof(err)), FG_ERR_INPUT);
	CHECK(stat(kept, &st) == 0 && S_ISDIR(st.st_mode));
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", kept);
	CHECK_INT_EQ(system(cmd), 0);
}

/* ---- deferred checks ------------------------------------------------------- */

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Writes OUT: a uImage of type "firmware" around the file PAYLOAD, its
 * stored data CRC wrong when BAD. */
static bool wrap_uimage(const char *payload, const char *out, bool bad)
{
	FILE *f = fopen(payload, "rb");
	if (!f)
		return false;
	uint8_t *img = malloc(64 + (4u << 20));
	size_t n = img ? fread(img + 64, 1, 4u << 20, f) : 0;
	fclose(f);
	if (!img || n == 0 || n == 4u << 20) {
		free(img);
		return false;
	}
	memset(img, 0, 64);
	put_be32(img, 0x27051956);
	put_be32(img + 12, (uint32_t)n);
	put_be32(img + 24, (uint32_t)crc32(0, img + 64, (uInt)n) ^ (bad ? 1u : 0u));
	img[28] = 5;   /* linux */
	img[29] = 2;   /* arm */
	img[30] = 5;   /* firmware */
	memcpy(img + 32, "deferred-check", 14);
	put_be32(img + 4, (uint32_t)crc32(0, img, 64));
	f = fopen(out, "wb");
	bool ok = f && fwrite(img, 1, 64 + n, f) == 64 + n;
	if (f && fclose(f) != 0)
		ok = false;
	free(img);
	return ok;
}


static bool find_uimage(fg_node *n, void *ud)
{
	fg_node **found = ud;
	if (!*found && n->format && !strcmp(n->format, "uimage") && n->type == FG_NODE_DIR)
		*found = n;
	return !*found;
}

/* The uImage layer's note, or "" when it has none ("?" without one). */
static const char *uimage_note(fg_result *r)
{
	fg_node *u = NULL;
	fg_tree_walk(r->tree.root, find_uimage, &u);
	if (!u)
		return "?";
	return (u->flags & FG_NODE_TRUNCATED) && u->note ? u->note : "";
}

/* Every diagnostic of R, in order, as one string (malloc'd). */
static char *diag_text(const fg_result *r)
{
	size_t cap = 1;
	for (size_t i = 0; i < r->diags.items.n; i++)
		cap += strlen(r->diags.items.v[i].where) + strlen(r->diags.items.v[i].message) + 4;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < r->diags.items.n; i++) {
		strcat(s, r->diags.items.v[i].where);
		strcat(s, " | ");
		strcat(s, r->diags.items.v[i].message);
		strcat(s, "\n");
	}
	return s;
}

/*
 * The uImage data CRC runs beside the unpacking of the payload when there
 * is more than one job: the result, the note and the diagnostics are the
 * same as with one, also when the image is itself a decompressed buffer
 * that streaming frees once it and its payload are written out. The
 * check holds a reference on that buffer until it has run (a check that
 * ran late would otherwise read freed memory; this test cannot make it
 * late, but sees the reference given back: every buffer is freed).
 */
TEST(deferred_crc_check_gives_the_same_result_with_any_jobs)
{
	const char *dir = kf_tmpdir("spill-defer");
	REQUIRE(dir && make_tree(dir));
	char cmd[8800], tgz[4200], bad[4200], good[4200], badgz[4200], out[4200];
	snprintf(tgz, sizeof(tgz), "%s/payload.tgz", dir);
	snprintf(bad, sizeof(bad), "%s/bad.uimg", dir);
	snprintf(good, sizeof(good), "%s/good.uimg", dir);
	snprintf(badgz, sizeof(badgz), "%s/bad.uimg.gz", dir);
	snprintf(cmd, sizeof(cmd), "cd '%s' && tar -C src -czf payload.tgz .", dir);
	REQUIRE(system(cmd) == 0);
	REQUIRE(wrap_uimage(tgz, bad, true) && wrap_uimage(tgz, good, false));
	snprintf(cmd, sizeof(cmd), "gzip -c '%s' > '%s'", bad, badgz);
	REQUIRE(system(cmd) == 0);

	const char *inputs[] = { bad, badgz };
	for (size_t i = 0; i < 2; i++) {
		fg_result *one = scan_jobs(inputs[i], 1, NULL);
		fg_result *two = scan_jobs(inputs[i], 2, NULL);
		snprintf(out, sizeof(out), "%s/out%zu", dir, i);
		fg_result *streamed = scan_jobs(inputs[i], 2, out);
		REQUIRE(one && two && streamed);
		CHECK(strstr(uimage_note(one), "data CRC mismatch") != NULL);
		CHECK_STR_EQ(uimage_note(two), uimage_note(one));
		CHECK_STR_EQ(uimage_note(streamed), uimage_note(one));
		char *d1 = diag_text(one), *d2 = diag_text(two), *ds = diag_text(streamed);
		REQUIRE(d1 && d2 && ds);
		CHECK(strstr(d1, "data CRC mismatch") != NULL);
		CHECK_STR_EQ(d2, d1);
		CHECK_STR_EQ(ds, d1);
		free(d1);
		free(d2);
		free(ds);
		CHECK_INT_EQ(live_buffers(streamed), 0);
		/* the payload was unpacked all the same */
		char err[1024];
		CHECK_INT_EQ(fg_extract_to_dir(streamed, out, 0, err, sizeof(err)), 0);
		fg_result_free(one);
		fg_result_free(two);
		fg_result_free(streamed);
	}
	snprintf(cmd, sizeof(cmd), "test -n \"$(find '%s/out0/bad.uimg.unpacked/firmware.unpacked' "
		 "-path '*/etc/numbers' -size +100k)\"", dir);
	CHECK_INT_EQ(system(cmd), 0);

	fg_result *ok = scan_jobs(good, 2, NULL);
	REQUIRE(ok);
	CHECK_STR_EQ(uimage_note(ok), "");
	fg_result_free(ok);
}
