/*
 * test_perf.c - the unpacking engine's parallel paths give the same
 * results as the serial ones: SHA-256 of many files on several threads,
 * the manifest and the written tree with one job and with four, squashfs
 * content decompressed straight into file buffers (sparse, uncompressed
 * and compressed blocks, fragment tails).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/result.h"
#include "report/report_internal.h"
#include "test.h"

static char *tmpdir(const char *tag)
{
	static char buf[1024];
	const char *base = getenv("FG_TEST_TMP");
	snprintf(buf, sizeof(buf), "%s/perf-%s-%d", base && *base ? base : "/tmp", tag, (int)getpid());
	char cmd[2200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", buf, buf);
	return system(cmd) == 0 ? buf : NULL;
}

TEST(sha256_many_matches_serial_for_any_thread_count)
{
	enum { N = 300 };
	const uint8_t *data[N];
	size_t len[N];
	uint8_t *pool = malloc(4u << 20);
	REQUIRE(pool);
	srand(7);
	for (size_t i = 0; i < (4u << 20); i++)
		pool[i] = (uint8_t)rand();
	for (size_t i = 0; i < N; i++) {
		size_t off = ((size_t)rand() * 4099u) % (3u << 20);
		data[i] = pool + off;
		len[i] = (size_t)rand() % 40000;
		if (i % 7 == 3 && i > 0) {          /* shared content */
			data[i] = data[i - 1];
			len[i] = len[i - 1];
		}
		if (i % 11 == 5)
			len[i] = 0;                 /* empty file */
		if (i % 13 == 6) {
			data[i] = NULL;             /* no content at all */
			len[i] = 0;
		}
		if (i % 17 == 8) {                  /* same start, other length */
			data[i] = data[i - 1];
			len[i] = len[i - 1] / 2;
		}
	}
	data[0] = pool;
	len[0] = 1u << 20; /* enough content for the threads to start */
	char (*want)[65] = malloc(N * sizeof(*want));
	char (*got)[65] = malloc(N * sizeof(*got));
	REQUIRE(want && got);
	for (size_t i = 0; i < N; i++)
		fg_sha256_hex(data[i], len[i], want[i]);
	unsigned jobs[] = { 1, 2, 4, 64, 1000 };
	for (size_t k = 0; k < sizeof(jobs) / sizeof(jobs[0]); k++) {
		memset(got, 'x', N * sizeof(*got));
		CHECK_INT_EQ(fg_sha256_many(data, len, N, jobs[k], got), 0);
		for (size_t i = 0; i < N; i++)
			CHECK_STR_EQ(got[i], want[i]);
	}
	CHECK_INT_EQ(fg_sha256_many(NULL, NULL, 0, 4, NULL), 0);
	free(want);
	free(got);
	free(pool);
}

static fg_result *scan(const char *input, unsigned jobs)
{
	fg_options o;
	fg_options_default(&o);
	o.jobs = jobs;
	o.unpack_only = 1;
	fg_result *r = NULL;
	char err[512];
	if (fg_scan(input, &o, &r, err, sizeof(err)) != FG_OK) {
		fprintf(stderr, "scan %s: %s\n", input, err);
		return NULL;
	}
	return r;
}

static char *manifest_of(fg_result *r)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (!f)
		return NULL;
	fg_report_manifest(r, f);
	fclose(f);
	return buf;
}

/* The manifest and the written tree of INPUT with one job and with four:
 * byte for byte the same. */
static void same_for_any_jobs(const char *input, const char *tag)
{
	fg_result *r1 = scan(input, 1), *r4 = scan(input, 4);
	REQUIRE(r1 && r4);
	char *m1 = manifest_of(r1), *m4 = manifest_of(r4);
	REQUIRE(m1 && m4);
	CHECK(strstr(m1, "\"sha256\"") != NULL);
	CHECK(strcmp(m1, m4) == 0);
	char *dir = tmpdir(tag);
	REQUIRE(dir);
	char d1[1100], d4[1100], err[1024], cmd[2400];
	snprintf(d1, sizeof(d1), "%s/j1", dir);
	snprintf(d4, sizeof(d4), "%s/j4", dir);
	CHECK_INT_EQ(fg_extract_to_dir(r1, d1, 0, err, sizeof(err)), 0);
	CHECK_INT_EQ(fg_extract_to_dir(r4, d4, 0, err, sizeof(err)), 0);
	snprintf(cmd, sizeof(cmd), "diff -r --no-dereference '%s' '%s' >/dev/null", d1, d4);
	CHECK_INT_EQ(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_INT_EQ(system(cmd), 0);
	free(m1);
	free(m4);
	fg_result_free(r1);
	fg_result_free(r4);
}

TEST(manifest_and_tree_same_with_one_job_and_four)
{
	const char *images[] = { "cam-b_squashfs-gzip.img", "rtr-a_trx.bin" };
	const char *cdir = getenv("FG_CORPUS_DIR");
	const char *home = getenv("HOME");
	for (size_t i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
		char path[1200];
		if (cdir && *cdir)
			snprintf(path, sizeof(path), "%s/images/%s", cdir, images[i]);
		else
			snprintf(path, sizeof(path), "%s/.cache/firmgate/corpus/images/%s",
				 home ? home : "", images[i]);
		if (access(path, R_OK) != 0) {
			printf("  skip: %s absent (corpus not built)\n", path);
			continue;
		}
		same_for_any_jobs(path, images[i]);
	}
}

static bool have(const char *tool)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

/* squashfs content read straight into the file buffers: files of every
 * shape (whole blocks, a partial last block, a fragment tail, a sparse
 * block, an empty file), compressed and stored uncompressed, match the
 * source byte for byte. */
TEST(squashfs_direct_block_reads_match_source)
{
	if (!have("mksquashfs")) {
		printf("  skip: mksquashfs not installed\n");
		return;
	}
	char *dir = tmpdir("sqfs");
	REQUIRE(dir);
	char cmd[4096];
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && mkdir -p src/d && "
		 "head -c 300000 /dev/urandom > src/random && "
		 "head -c 131072 /dev/urandom > src/oneblock && "
		 "(head -c 131072 /dev/urandom; head -c 262144 /dev/zero; head -c 5000 /dev/urandom) > src/sparse && "
		 "seq 1 200000 > src/d/text && : > src/empty && "
		 "head -c 100 /dev/urandom > src/d/tiny && "
		 "mksquashfs src gz.sqfs -comp gzip -noappend -no-progress >/dev/null && "
		 "mksquashfs src raw.sqfs -noD -noF -noappend -no-progress >/dev/null && "
		 "mksquashfs src nofrag.sqfs -no-fragments -noappend -no-progress >/dev/null", dir);
	REQUIRE(system(cmd) == 0);
	const char *imgs[] = { "gz.sqfs", "raw.sqfs", "nofrag.sqfs" };
	for (size_t i = 0; i < 3; i++) {
		char in[1200], out[1200], err[1024];
		snprintf(in, sizeof(in), "%s/%s", dir, imgs[i]);
		snprintf(out, sizeof(out), "%s/out-%zu", dir, i);
		fg_result *r = scan(in, 2);
		REQUIRE(r);
		CHECK_INT_EQ(fg_extract_to_dir(r, out, 0, err, sizeof(err)), 0);
		snprintf(cmd, sizeof(cmd), "diff -r '%s/src' '%s/%s.unpacked' >/dev/null", dir, out, imgs[i]);
		CHECK_INT_EQ(system(cmd), 0);
		fg_result_free(r);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_INT_EQ(system(cmd), 0);
}
