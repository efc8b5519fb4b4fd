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

#include "core/result.h"
#include "unpack/engine.h"
#include "unpack/spill.h"
#include "kernel_fixture.h"
#include "test.h"

/* ---- reference counting ------------------------------------------------- */

TEST(buffer_is_freed_only_when_every_node_in_it_is_written)
{
	const char *dir = kf_tmpdir("spill-refs");
	REQUIRE(dir);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	REQUIRE(dfd >= 0);
	char err[256];
	fg_tree t;
	fg_tree_init(&t);
	t.spill = fg_spill_open(dfd, NULL, true, err, sizeof(err));
	REQUIRE(t.spill);
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
	struct stat st;
	CHECK(stat(dir, &st) == 0);
	close(dfd);
}

TEST(spill_without_hashing_writes_the_same_bytes_and_no_digest)
{
	const char *dir = kf_tmpdir("spill-nohash");
	REQUIRE(dir);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	REQUIRE(dfd >= 0);
	char err[256];
	fg_tree t;
	fg_tree_init(&t);
	t.spill = fg_spill_open(dfd, NULL, false, err, sizeof(err));
	REQUIRE(t.spill);
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
	const char *dir = kf_tmpdir("spill-fail");
	REQUIRE(dir);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	REQUIRE(dfd >= 0);
	char err[256];
	fg_tree t;
	fg_tree_init(&t);
	t.spill = fg_spill_open(dfd, NULL, false, err, sizeof(err));
	REQUIRE(t.spill);
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

static fg_result *scan(const char *input, const char *extract_dir)
{
	fg_options o;
	fg_options_default(&o);
	o.unpack_only = 1;
	o.jobs = 2;
	o.extract_dir = extract_dir;
	o.extract_hashes = 1; /* both manifests carry digests: diff -r compares them */
	fg_result *r = NULL;
	char err[1024];
	if (fg_scan(input, &o, &r, err, sizeof(err)) != FG_OK) {
		fprintf(stderr, "scan %s: %s\n", input, err);
		return NULL;
	}
	return r;
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
