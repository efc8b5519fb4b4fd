/*
 * extract.c - writing the unpacked tree to disk (`firmgate unpack -o DIR`).
 *
 * The tree comes from a hostile image, so every write is made relative to
 * an open directory descriptor below DIR, one component at a time, with
 * O_NOFOLLOW and O_EXCL: a name can never climb out ("/" and ".." never
 * reach here: the tree refuses them) and no symlink, whether from the
 * image or planted in DIR meanwhile, is ever followed. Symlinks are
 * created as links and never resolved; device nodes, fifos and sockets
 * are not created (the manifest records them); setuid/setgid bits and
 * ownership are not applied, so unpacking never needs root and never
 * leaves privileged files behind even when run as root.
 *
 * Layout: a file that held something becomes the file itself plus a
 * directory "<name>.unpacked" beside it with what came out of it.
 *
 * An image may hold names this host cannot create (a component longer
 * than NAME_MAX) or a name already taken (a sibling called like another
 * file's "<name>.unpacked"), and nesting deeper than we follow: none of
 * that is an I/O error. Such an entry is written as "<first 200
 * bytes>~N" (the manifest keeps its real name) or, past the nesting
 * limit, left out, and ERR says how many, with a 0 return.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/io.h"
#include "core/result.h"
#include "report/report_internal.h"
#include "unpack/engine.h"
#include "unpack/spill.h"

typedef struct writer {
	const fg_tree *tree;   /* whose input mapping written slices release */
	int spill_fd;          /* content written while unpacking; -1 if none */
	unsigned written, links, skipped, failed;
	unsigned renamed, too_deep;
} writer;

#define EXTRACT_MAX_DEPTH 512   /* one open directory per level */
#define ALT_NAME_TRIES 100

/* The host refused NAME for a reason the image caused, not the disk. */
static bool name_refused(void)
{
	return errno == ENAMETOOLONG || errno == EEXIST;
}

/* The I-th stand-in for NAME: short enough for any host, unique per I. */
static const char *alt_name(const char *name, int i, char *buf, size_t cap)
{
	snprintf(buf, cap, "%.200s~%d", name, i);
	return buf;
}


/* Moves NAME of the spill directory to USE in DFD, never replacing
 * anything: -1 with errno as openat(O_EXCL) would set it. */
static int move_spilled(int from_fd, const char *from, int dfd, const char *use)
{
	if (renameat2(from_fd, from, dfd, use, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* a file system without RENAME_NOREPLACE: link then unlink */
	if (linkat(from_fd, from, dfd, use, 0) != 0)
		return -1;
	unlinkat(from_fd, from, 0);
	return 0;
}

/* N's content was written while unpacking: move it into place. */
static int place_spilled(writer *w, int dfd, const char *name, const fg_node *n)
{
	char from[32], alt[256];
	fg_spill_name(n, from, sizeof(from));
	const char *use = name;
	for (int i = 1; i <= ALT_NAME_TRIES; i++) {
		if (move_spilled(w->spill_fd, from, dfd, use) == 0) {
			if (use != name)
				w->renamed++;
			w->written++;
			return 0;
		}
		if (!name_refused())
			break;
		use = alt_name(name, i, alt, sizeof(alt));
	}
	w->failed++;
	return -1;
}

static int write_file(writer *w, int dfd, const char *name, const fg_node *n)
{
	if ((n->flags & FG_NODE_SPILLED) && w->spill_fd >= 0)
		return place_spilled(w, dfd, name, n);
	const fg_node *c = fg_node_content(n);
	char alt[256];
	const char *use = name;
	int fd = -1;
	for (int i = 1; i <= ALT_NAME_TRIES; i++) {
		fd = openat(dfd, use, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    (n->mode & 0777) | 0600);
		if (fd >= 0 || !name_refused())
			break;
		use = alt_name(name, i, alt, sizeof(alt));
	}
	if (fd < 0) {
		w->failed++;
		return -1;
	}
	if (use != name)
		w->renamed++;
	bool ok = !c || !c->data_len || fg_write_all(fd, c->data, c->data_len);
	if (c && c->data_len)
		/* a slice of the input: written, its pages can go again */
		fg_unpack_release_input(w->tree, c->data, c->data_len);
	if (close(fd) != 0 || !ok) {
		w->failed++;
		return -1;
	}
	w->written++;
	return 0;
}

/* An existing directory of that name is written into (the tree has no
 * two siblings of one name, so it is an "<x>.unpacked" of ours); a name
 * the host refuses or one taken by a non-directory gets a stand-in. */
static int make_dir(writer *w, int dfd, const char *name)
{
	char alt[256];
	const char *use = name;
	for (int i = 1; i <= ALT_NAME_TRIES; i++) {
		if (mkdirat(dfd, use, 0755) != 0 && errno != EEXIST) {
			if (errno != ENAMETOOLONG)
				return -1;
		} else {
			int fd = openat(dfd, use, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0 || (errno != ENOTDIR && errno != ELOOP)) {
				if (fd >= 0 && use != name)
					w->renamed++;
				return fd;
			}
		}
		use = alt_name(name, i, alt, sizeof(alt));
	}
	return -1;
}

static void make_link(writer *w, int dfd, const char *name, const char *target)
{
	char alt[256];
	const char *use = name;
	for (int i = 1; i <= ALT_NAME_TRIES; i++) {
		if (symlinkat(target, dfd, use) == 0) {
			w->links++;
			if (use != name)
				w->renamed++;
			return;
		}
		if (!name_refused())
			break;
		use = alt_name(name, i, alt, sizeof(alt));
	}
	w->failed++;
}

static void write_children(writer *w, int dfd, const fg_node *dir, unsigned depth);

/* "<name>.unpacked", made unique against existing entries. */
static int unpacked_dir(int dfd, const char *name)
{
	char buf[512];
	for (int i = 0; i < 100; i++) {
		/* a name near NAME_MAX would not take the suffix: cut it */
		if (i == 0)
			snprintf(buf, sizeof(buf), "%.200s.unpacked", name);
		else
			snprintf(buf, sizeof(buf), "%.200s.unpacked~%d", name, i);
		if (mkdirat(dfd, buf, 0755) == 0)
			return openat(dfd, buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

static void write_node(writer *w, int dfd, const fg_node *n, unsigned depth)
{
	const char *name = *n->name ? n->name : "unnamed";
	switch (n->type) {
	case FG_NODE_DIR: {
		int sub = make_dir(w, dfd, name);
		if (sub < 0) {
			w->failed++;
			return;
		}
		write_children(w, sub, n, depth + 1);
		close(sub);
		return;
	}
	case FG_NODE_SYMLINK:
		if (n->link_target)
			make_link(w, dfd, name, n->link_target);
		else
			w->failed++;
		return;
	case FG_NODE_FILE:
	case FG_NODE_HARDLINK:
		write_file(w, dfd, name, n);
		break;
	default:
		w->skipped++; /* devices, fifos, sockets: in the manifest only */
		return;
	}
	if (n->unpacked) {
		int sub = unpacked_dir(dfd, name);
		if (sub < 0) {
			w->failed++;
			return;
		}
		write_children(w, sub, n->unpacked, depth + 1);
		close(sub);
	}
}

static void write_children(writer *w, int dfd, const fg_node *dir, unsigned depth)
{
	if (depth > EXTRACT_MAX_DEPTH) {
		w->too_deep += (unsigned)dir->nchildren;
		return;
	}
	for (size_t i = 0; i < dir->nchildren; i++)
		write_node(w, dfd, dir->children[i], depth);
}

static bool dir_is_empty(int dfd)
{
	int fd = dup(dfd);
	if (fd < 0)
		return false;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	bool empty = true;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = false;
			break;
		}
	closedir(d);
	return empty;
}

int fg_extract_open(const char *dir, int force, bool *created, char *err, size_t errlen)
{
	bool made = mkdir(dir, 0755) == 0;
	if (created)
		*created = made;
	if (!made && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
		return -1;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", dir, strerror(errno));
		return -1;
	}
	if (!force && !dir_is_empty(dfd)) {
		close(dfd);
		snprintf(err, errlen, "%s: directory is not empty (use --force to write into it)", dir);
		return -1;
	}
	return dfd;
}

/* The manifest is written on a thread of its own while the tree is laid
 * out: both only read the tree, and each takes a few milliseconds on a
 * firmware image, at the end of a run that is otherwise over. */
typedef struct manifest_job {
	const fg_result *res;
	FILE *out;
} manifest_job;

static void *write_manifest(void *arg)
{
	manifest_job *m = arg;
	fg_write_manifest(m->res, m->out, m->res->opts.extract_hashes != 0);
	fclose(m->out);
	return NULL;
}

int fg_extract_to_dir(const fg_result *res, const char *dir, int force, char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	fg_spill *spill = res->tree.spill;
	/* a scan that streamed into DIR has checked it already (and put
	 * its working directory there) */
	int dfd = fg_extract_open(dir, force || spill, NULL, err, errlen);
	if (dfd < 0)
		return -1;
	writer w = { .tree = &res->tree, .spill_fd = spill ? fg_spill_dirfd(spill) : -1 };
	/* created first: an entry of a directory input that has its name is
	 * the one written as NAME~1 */
	int mfd = openat(dfd, "firmgate-manifest.json", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	manifest_job mj = { res, mfd >= 0 ? fdopen(mfd, "w") : NULL };
	pthread_t mt;
	bool threaded = false;
	if (mj.out) {
		setvbuf(mj.out, NULL, _IOFBF, 1u << 16); /* tens of thousands of lines */
		threaded = res->opts.jobs > 1 && pthread_create(&mt, NULL, write_manifest, &mj) == 0;
	} else if (mfd >= 0) {
		close(mfd);
	}
	const fg_node *root = res->tree.root;
	if (root->type == FG_NODE_DIR) {
		write_children(&w, dfd, root, 0);
	} else if (root->unpacked) {
		/* the input itself is not copied: only what came out of it */
		int sub = unpacked_dir(dfd, root->name);
		if (sub >= 0) {
			write_children(&w, sub, root->unpacked, 1);
			close(sub);
		} else {
			w.failed++;
		}
	}
	if (threaded)
		pthread_join(mt, NULL);
	else if (mj.out)
		write_manifest(&mj);
	close(dfd);
	if (spill) {
		/* what is left there was never placed (nested too deep) */
		fg_spill_close(spill);
		((fg_result *)res)->tree.spill = NULL;
	}
	if (w.failed) {
		snprintf(err, errlen, "%s: %u entr%s could not be written (I/O error)", dir,
			 w.failed, w.failed == 1 ? "y" : "ies");
		return 1;
	}
	if (w.renamed && w.too_deep)
		snprintf(err, errlen, "%s: %u entr%s written as NAME~N (name too long for this host "
			 "or taken), %u not written (nested deeper than %d); the manifest has them all",
			 dir, w.renamed, w.renamed == 1 ? "y" : "ies", w.too_deep, EXTRACT_MAX_DEPTH);
	else if (w.renamed)
		snprintf(err, errlen, "%s: %u entr%s written as NAME~N (name too long for this host "
			 "or taken); the manifest has the real names", dir, w.renamed,
			 w.renamed == 1 ? "y" : "ies");
	else if (w.too_deep)
		snprintf(err, errlen, "%s: %u entr%s not written (nested deeper than %d); the "
			 "manifest has them", dir, w.too_deep, w.too_deep == 1 ? "y" : "ies",
			 EXTRACT_MAX_DEPTH);
	return 0;
}
