/*
 * disk_util.h - helpers shared by the disk-image tests (test_disk.c for
 * MBR and GPT, test_fat.c, test_iso9660.c): a scratch directory, shell
 * commands, tool lookup, little-endian writers, and running one handler
 * or the whole engine over a buffer.
 */
#ifndef FG_DISK_UTIL_H
#define FG_DISK_UTIL_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cursor.h"
#include "core/result.h"
#include "test.h"
#include "unpack/engine.h"
#include "unpack/format.h"

static char du_work[PATH_MAX];

static __attribute__((unused)) void du_fmt(char *buf, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
static __attribute__((unused)) void du_fmt(char *buf, size_t cap, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vsnprintf(buf, cap, f, ap);
	va_end(ap);
}

/* Runs a shell command with TZ=UTC (FAT stores local time) and a UTF-8
 * locale (long names); returns its exit status. */
static __attribute__((unused)) int du_sh(const char *f, ...) __attribute__((format(printf, 1, 2)));
static __attribute__((unused)) int du_sh(const char *f, ...)
{
	char cmd[8192];
	int k = snprintf(cmd, sizeof(cmd), "TZ=UTC LC_ALL=C.UTF-8 MTOOLS_SKIP_CHECK=1 ");
	va_list ap;
	va_start(ap, f);
	vsnprintf(cmd + k, sizeof(cmd) - (size_t)k, f, ap);
	va_end(ap);
	int rc = system(cmd);
	return rc == -1 ? -1 : WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static __attribute__((unused)) void du_remove_work(void)
{
	if (du_work[0])
		du_sh("rm -rf '%s'", du_work);
}

static __attribute__((unused)) const char *du_dir(void)
{
	if (du_work[0])
		return du_work;
	const char *base = getenv("FG_TEST_TMP");
	if (!base || !*base)
		base = "/tmp";
	mkdir(base, 0755);
	du_fmt(du_work, sizeof(du_work), "%s/disk-XXXXXX", base);
	if (!mkdtemp(du_work)) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(du_remove_work);
	return du_work;
}

/* True when NAME is an executable in the usual places; prints a skip
 * note otherwise. */
static __attribute__((unused)) bool du_have(const char *name)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };
	char p[PATH_MAX];
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		du_fmt(p, sizeof(p), "%s/%s", dirs[i], name);
		if (access(p, X_OK) == 0)
			return true;
	}
	printf("%s not found: skipping the test that needs it\n", name);
	return false;
}

static __attribute__((unused)) uint8_t *du_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
	*len = p && n > 0 ? fread(p, 1, (size_t)n, f) : 0;
	fclose(f);
	return p;
}

/* Reads PATH below the scratch directory. */
static __attribute__((unused)) uint8_t *du_read(const char *rel, size_t *len)
{
	char p[PATH_MAX];
	du_fmt(p, sizeof(p), "%s/%s", du_dir(), rel);
	uint8_t *d = du_slurp(p, len);
	if (!d)
		printf("%s: cannot read\n", p);
	return d;
}

static __attribute__((unused)) void du_write(const char *rel, const void *data, size_t len)
{
	char p[PATH_MAX];
	du_fmt(p, sizeof(p), "%s/%s", du_dir(), rel);
	FILE *f = fopen(p, "wb");
	if (!f || (len && fwrite(data, 1, len, f) != len)) {
		perror(p);
		exit(1);
	}
	fclose(f);
}

static __attribute__((unused)) uint8_t *du_sample(const char *rel, size_t *len)
{
	const char *shared = getenv("FG_SHARED_DIR");
	char p[PATH_MAX];
	du_fmt(p, sizeof(p), "%s/samples/%s", shared && *shared ? shared : "/work/shared", rel);
	uint8_t *d = du_slurp(p, len);
	if (!d)
		printf("%s not found: skipping\n", p);
	return d;
}

static __attribute__((unused)) uint8_t *du_noise(size_t n, uint32_t seed)
{
	uint8_t *p = malloc(n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
	return p;
}

static __attribute__((unused)) void du_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static __attribute__((unused)) void du_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static __attribute__((unused)) void du_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static __attribute__((unused)) void du_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

typedef struct du_env {
	fg_result *res;
	fg_node *root;
	int rc;
} du_env;

/* Runs handler F alone over DATA (no recursion). */
static __attribute__((unused)) du_env du_unpack(const fg_format *f, const uint8_t *d, size_t n)
{
	du_env e = { fg_result_new(NULL), NULL, 0 };
	e.rc = fg_unpack_buffer_for_test(&e.res->tree, &e.res->budget, &e.res->diags, f, "image.bin",
					 d, n, &e.root);
	return e;
}

/* Runs the whole engine over DATA as the file NAME; the file node is
 * returned in *FILE. */
static __attribute__((unused)) fg_result *du_engine(const char *name, const uint8_t *d, size_t n, fg_node **file)
{
	fg_result *r = fg_result_new(NULL);
	fg_node *f = fg_node_new(&r->tree, name, strlen(name), FG_NODE_FILE);
	f->flags = FG_NODE_FSROOT;
	f->data = d;
	f->data_len = f->size = n;
	r->tree.root = f;
	fg_unpack_all(&r->tree, &r->budget, &r->diags, 2, NULL);
	if (file)
		*file = f;
	return r;
}

static __attribute__((unused)) bool du_diag_has(const fg_result *r, const char *needle)
{
	for (size_t i = 0; i < r->diags.items.n; i++)
		if (strstr(r->diags.items.v[i].message, needle))
			return true;
	return false;
}

static __attribute__((unused)) void du_no_diags(const fg_result *r)
{
	for (size_t i = 0; i < r->diags.items.n; i++)
		fprintf(stderr, "  unexpected diagnostic: %s\n", r->diags.items.v[i].message);
	CHECK_INT_EQ(r->diags.items.n, 0);
}

static __attribute__((unused)) fg_node *du_child(const fg_node *dir, const char *name)
{
	return dir ? fg_node_find_child(dir, name, strlen(name)) : NULL;
}

/* The best format at the start of DATA, as the engine would pick it. */
static __attribute__((unused)) const fg_format *du_best(const uint8_t *d, size_t n, int *conf_out, uint64_t *len_out)
{
	const fg_format *best = NULL;
	int conf = 0;
	uint64_t blen = 0;
	for (size_t i = 0; i < fg_format_count(); i++) {
		const fg_format *f = fg_format_at(i);
		uint64_t cl = 0;
		int c = f->probe(d, n, &cl);
		if (c > conf && cl <= n) {
			best = f;
			conf = c;
			blen = cl;
		}
	}
	if (conf_out)
		*conf_out = conf;
	if (len_out)
		*len_out = blen;
	return best;
}

/* Counts regular files below N (not descending into nested containers). */
static __attribute__((unused)) size_t du_count_files(const fg_node *n)
{
	size_t k = n->type == FG_NODE_FILE;
	for (size_t i = 0; i < n->nchildren; i++)
		k += du_count_files(n->children[i]);
	return k;
}

/* The first extraction root of FORMAT at or below N (following
 * containers), or NULL. */
static __attribute__((unused)) fg_node *du_find_root(fg_node *n, const char *format)
{
	if (!n)
		return NULL;
	if (n->format && !strcmp(n->format, format) && (n->flags & FG_NODE_FSROOT))
		return n;
	fg_node *r = du_find_root(n->unpacked, format);
	if (r)
		return r;
	for (size_t i = 0; i < n->nchildren; i++)
		if ((r = du_find_root(n->children[i], format)))
			return r;
	return NULL;
}

/* Handler F and the engine survive DATA cut at every CUTS[i] bytes (and
 * the probe never claims more than is there). */
static __attribute__((unused)) void du_survive_cuts(const fg_format *f, const uint8_t *d, const size_t *cuts, size_t ncuts)
{
	for (size_t i = 0; i < ncuts; i++) {
		size_t n = cuts[i];
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, d, n);
		uint64_t cl = 0;
		int c = f->probe(copy, n, &cl);
		CHECK(c >= 0 && c <= 100);
		CHECK(cl <= n);
		du_env e = du_unpack(f, copy, n);
		fg_result_free(e.res);
		fg_result *r = du_engine("cut.bin", copy, n, NULL);
		fg_result_free(r);
		free(copy);
	}
}

#endif
