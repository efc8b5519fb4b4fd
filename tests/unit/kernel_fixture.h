/*
 * kernel_fixture.h - helpers for the kernel image, device tree and U-Boot
 * environment tests: files, tools, whole-engine runs and tree lookups.
 */
#ifndef FG_KERNEL_FIXTURE_H
#define FG_KERNEL_FIXTURE_H

#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checks/check.h"
#include "checks/engine.h"
#include "core/result.h"
#include "unpack/engine.h"
#include "unpack/format.h"

static inline uint8_t *kf_slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return NULL;
	}
	uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	size_t got = 0;
	while (buf && got < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	*len = got;
	return buf;
}

static inline bool kf_spit(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

static inline int kf_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int kf_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	return rc == -1 ? -1 : WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static inline bool kf_have(const char *tool)
{
	return kf_sh("command -v %s >/dev/null 2>&1", tool) == 0;
}

/* A fresh directory under $FG_TEST_TMP (or /tmp) named after TAG. */
static inline const char *kf_tmpdir(const char *tag)
{
	static char dir[4096];
	const char *base = getenv("FG_TEST_TMP");
	if (!base || !*base)
		base = "/tmp";
	mkdir(base, 0755);
	snprintf(dir, sizeof(dir), "%s/%s-XXXXXX", base, tag);
	return mkdtemp(dir) ? dir : NULL;
}

/* A file under shared/samples, or NULL (with a note) when absent. */
static inline uint8_t *kf_sample(const char *rel, size_t *len)
{
	const char *shared = getenv("FG_SHARED_DIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/samples/%s", shared ? shared : "../shared", rel);
	uint8_t *d = kf_slurp(path, len);
	if (!d)
		fprintf(stderr, "  skip: sample %s not present\n", rel);
	return d;
}

/* A corpus image, or NULL (with a note). */
static inline uint8_t *kf_corpus(const char *name, size_t *len)
{
	const char *home = getenv("HOME");
	char path[4096];
	snprintf(path, sizeof(path), "%s/.cache/firmgate/corpus/images/%s", home ? home : "", name);
	uint8_t *d = kf_slurp(path, len);
	if (!d)
		fprintf(stderr, "  skip: corpus image %s not present\n", name);
	return d;
}

/* The whole engine on BLOB (not copied: keep it alive until freed). */
static inline fg_result *kf_unpack(const char *name, const uint8_t *blob, size_t len,
				   const fg_options *opts)
{
	fg_result *r = fg_result_new(opts);
	fg_node *f = fg_node_new(&r->tree, name, strlen(name), FG_NODE_FILE);
	f->flags = FG_NODE_FSROOT;
	f->data = blob;
	f->data_len = len;
	f->size = len;
	r->tree.root = f;
	fg_unpack_all(&r->tree, &r->budget, &r->diags, 2, NULL);
	return r;
}

typedef struct kf_find {
	const char *format;   /* extraction roots or leaves of this format */
	const char *name;     /* or files of this name */
	const fg_node *hit;
	unsigned count;
} kf_find;

static inline bool kf_find_cb(fg_node *n, void *ud)
{
	kf_find *f = ud;
	bool match = false;
	if (f->format && n->format && strcmp(n->format, f->format) == 0)
		match = true;
	if (f->name && n->name && strcmp(n->name, f->name) == 0 && n->type == FG_NODE_FILE)
		match = true;
	if (match) {
		if (!f->hit)
			f->hit = n;
		f->count++;
	}
	return true;
}

/* First extraction root or leaf file of FORMAT anywhere in the tree. */
static inline const fg_node *kf_format(fg_result *r, const char *format, unsigned *count)
{
	kf_find f = { format, NULL, NULL, 0 };
	fg_tree_walk(r->tree.root, kf_find_cb, &f);
	if (count)
		*count = f.count;
	return f.hit;
}

/* First file named NAME anywhere in the tree. */
static inline const fg_node *kf_file(fg_result *r, const char *name)
{
	kf_find f = { NULL, name, NULL, 0 };
	fg_tree_walk(r->tree.root, kf_find_cb, &f);
	return f.hit;
}

typedef struct kf_checks {
	fg_result *r;
	const fg_check *only;
} kf_checks;

static inline bool kf_check_cb(fg_node *n, void *ud)
{
	kf_checks *k = ud;
	if ((n->flags & FG_NODE_FSROOT) && (n->flags & FG_NODE_FILESYSTEM))
		fg_checks_run_tree(k->r, n, k->only);
	return true;
}

/* Runs check ID on every file tree the engine produced. */
static inline void kf_run_check(fg_result *r, const char *id)
{
	kf_checks k = { r, fg_check_find(id) };
	if (k.only)
		fg_tree_walk(r->tree.root, kf_check_cb, &k);
}

#endif
