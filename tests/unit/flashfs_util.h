/*
 * flashfs_util.h - helpers shared by the tests of the flash and Android
 * formats (yaffs2, romfs, erofs, android_sparse, android_boot): scratch
 * space under $FG_TEST_TMP, running tools, running one handler on a
 * buffer, carving a blob through the engine, and mutation runs whose only
 * check is that the handler survives (the sanitizer build catches the
 * rest).
 */
#ifndef FG_FLASHFS_UTIL_H
#define FG_FLASHFS_UTIL_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/diag.h"
#include "core/limits.h"
#include "core/result.h"
#include "core/tree.h"
#include "unpack/engine.h"
#include "unpack/format.h"
#include "test.h"

static void ff_fmt(char *buf, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
static inline void ff_fmt(char *buf, size_t cap, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(buf, cap, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap) {
		fprintf(stderr, "string too long: %s\n", buf);
		exit(1);
	}
}

/* ---- scratch space and tools ------------------------------------------------ */

static char ff_work_path[PATH_MAX];

static inline void ff_remove_work(void)
{
	char cmd[PATH_MAX + 32];
	if (!ff_work_path[0] || getenv("FG_TEST_KEEP"))
		return;
	ff_fmt(cmd, sizeof(cmd), "rm -rf '%s'", ff_work_path);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", ff_work_path);
}

static inline const char *ff_work(const char *tag)
{
	if (ff_work_path[0])
		return ff_work_path;
	const char *base = getenv("FG_TEST_TMP");
	if (!base || !*base)
		base = "/tmp";
	mkdir(base, 0755);
	ff_fmt(ff_work_path, sizeof(ff_work_path), "%s/%s-XXXXXX", base, tag);
	if (!mkdtemp(ff_work_path)) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(ff_remove_work);
	return ff_work_path;
}

/* Runs a shell command; true when it exits 0. */
static bool ff_sh(const char *f, ...) __attribute__((format(printf, 1, 2)));
static inline bool ff_sh(const char *f, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(cmd, sizeof(cmd), f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return false;
	return system(cmd) == 0;
}

/* Is TOOL on the PATH (or in /sbin, /usr/sbin)? Prints a skip note when not. */
static inline bool ff_have(const char *tool)
{
	if (ff_sh("PATH=\"$PATH:/sbin:/usr/sbin\" command -v '%s' >/dev/null 2>&1", tool))
		return true;
	fprintf(stderr, "%s not installed: test skipped\n", tool);
	return false;
}

static uint8_t *ff_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = n > 0 ? malloc((size_t)n) : NULL;
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = buf ? (size_t)n : 0;
	return buf;
}

static inline bool ff_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

/* A real sample, or NULL with a note when absent. */
static inline uint8_t *ff_sample(const char *rel, size_t *len)
{
	const char *shared = getenv("FG_SHARED_DIR");
	char p[PATH_MAX];
	ff_fmt(p, sizeof(p), "%s/samples/%s", shared && *shared ? shared : "/work/shared", rel);
	uint8_t *d = ff_read(p, len);
	if (!d)
		fprintf(stderr, "sample %s absent: skipped\n", p);
	return d;
}

/* ---- running a handler ---------------------------------------------------------- */

typedef struct ff_run {
	fg_tree tree;
	fg_budget budget;
	fg_diag_list diags;
	fg_node *root;
	int rc;
} ff_run;

static inline void ff_run_image(ff_run *r, const fg_format *fmt, const uint8_t *img, size_t len,
			 const fg_limits *lim)
{
	fg_limits def;
	fg_limits_default(&def);
	fg_tree_init(&r->tree);
	fg_budget_init(&r->budget, lim ? lim : &def);
	fg_diag_init(&r->diags);
	r->root = NULL;
	r->rc = fg_unpack_buffer_for_test(&r->tree, &r->budget, &r->diags, fmt, "image.bin", img,
					  len, &r->root);
}

static inline void ff_run_free(ff_run *r)
{
	fg_tree_free(&r->tree);
	fg_diag_free(&r->diags);
}

static inline void ff_dump_diags(const ff_run *r)
{
	for (size_t i = 0; i < r->diags.items.n; i++)
		fprintf(stderr, "  diag %s: %s: %s\n", fg_diag_level_name(r->diags.items.v[i].level),
			r->diags.items.v[i].where, r->diags.items.v[i].message);
}

static inline bool ff_mentions(const ff_run *r, const char *what)
{
	for (size_t i = 0; i < r->diags.items.n; i++)
		if (strstr(r->diags.items.v[i].message, what))
			return true;
	return false;
}

static fg_node *ff_at(ff_run *r, const char *path)
{
	return r->root ? fg_tree_lookup(r->root, path, false) : NULL;
}

/* The node at PATH itself, not what a hard link there resolves to. */
static inline fg_node *ff_raw(ff_run *r, const char *path)
{
	const char *slash = strrchr(path, '/');
	fg_node *dir = r->root;
	if (slash) {
		char parent[PATH_MAX];
		ff_fmt(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
		dir = ff_at(r, parent);
	}
	const char *name = slash ? slash + 1 : path;
	return dir ? fg_node_find_child(dir, name, strlen(name)) : NULL;
}

static inline bool ff_same(const fg_node *n, const void *want, size_t len)
{
	return n && n->type == FG_NODE_FILE && n->size == len && n->data_len == len &&
	       (len == 0 || (n->data && !memcmp(n->data, want, len)));
}

typedef struct ff_counts {
	size_t files, dirs, symlinks, hardlinks, devices, other, truncated;
} ff_counts;

static inline bool ff_count_node(fg_node *n, void *ud)
{
	ff_counts *c = ud;
	switch (n->type) {
	case FG_NODE_FILE: c->files++; break;
	case FG_NODE_DIR: c->dirs++; break;
	case FG_NODE_SYMLINK: c->symlinks++; break;
	case FG_NODE_HARDLINK: c->hardlinks++; break;
	case FG_NODE_CHR: case FG_NODE_BLK: c->devices++; break;
	default: c->other++; break;
	}
	if (n->flags & FG_NODE_TRUNCATED)
		c->truncated++;
	return true;
}

static inline ff_counts ff_count(ff_run *r)
{
	ff_counts c = { 0 };
	if (r->root)
		fg_tree_walk(r->root, ff_count_node, &c);
	return c;
}

/* Runs FMT on IMG and frees everything: the handler must survive. */
static inline void ff_survive(const fg_format *fmt, const uint8_t *img, size_t len)
{
	ff_run r;
	ff_run_image(&r, fmt, img, len, NULL);
	uint64_t cl = 0;
	fmt->probe(img, len, &cl);
	CHECK(cl <= len);
	ff_run_free(&r);
}

/* Every prefix at STEP granularity, then COUNT copies with a few random
 * bytes changed: no crash, no hang, no leak. */
static inline void ff_mutate(const fg_format *fmt, const uint8_t *img, size_t len, size_t step,
		      unsigned count, uint32_t seed)
{
	for (size_t cut = 0; cut < len; cut += step)
		ff_survive(fmt, img, cut);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return;
	for (unsigned i = 0; i < count; i++) {
		memcpy(buf, img, len);
		int flips = 1 + (int)(i % 8);
		for (int k = 0; k < flips && len; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			buf[at] = (i & 1) ? (uint8_t)(seed >> 16) : (uint8_t)(buf[at] ^ (1u << (seed % 8)));
		}
		ff_survive(fmt, buf, len);
	}
	free(buf);
}

/* ---- the whole engine ------------------------------------------------------------- */

static fg_result *ff_scan(const uint8_t *blob, size_t len, const char *name)
{
	fg_result *res = fg_result_new(NULL);
	fg_node *f = fg_node_new(&res->tree, name, strlen(name), FG_NODE_FILE);
	f->flags = FG_NODE_FSROOT;
	f->data = blob;
	f->data_len = len;
	f->size = len;
	res->tree.root = f;
	fg_unpack_all(&res->tree, &res->budget, &res->diags, 1, NULL);
	return res;
}

/* Blob = 1000 bytes of text, IMG, 3000 bytes of text; the chunk of FMT at
 * 1000 must be carved with exactly LEN bytes (WANT_LEN) and hold PATH. */
static inline void ff_carve(const char *fmt_name, const uint8_t *img, size_t len, uint64_t want_len,
		     const char *path)
{
	const size_t before = 1000, after = 3000;
	uint8_t *blob = malloc(before + len + after);
	REQUIRE(blob != NULL);
	for (size_t i = 0; i < before; i++)
		blob[i] = (uint8_t)("header text "[i % 12]);
	memcpy(blob + before, img, len);
	for (size_t i = 0; i < after; i++)
		blob[before + len + i] = (uint8_t)("trailing stuff "[i % 15]);
	fg_result *res = ff_scan(blob, before + len + after, "blob.bin");
	const fg_node *f = res->tree.root;
	char name[64];
	ff_fmt(name, sizeof(name), "0x%zx.%s", before, fmt_name);
	const fg_node *c = f->unpacked ? fg_node_find_child(f->unpacked, name, strlen(name)) : NULL;
	if (!c)
		fprintf(stderr, "chunk %s not carved\n", name);
	CHECK(c && c->unpacked);
	if (c && c->unpacked) {
		CHECK_INT_EQ(c->unpacked->src_offset, before);
		CHECK_INT_EQ(c->unpacked->src_length, want_len);
		if (path)
			CHECK(fg_tree_lookup(c->unpacked, path, false) != NULL);
	}
	fg_result_free(res);
	free(blob);
}

#endif
