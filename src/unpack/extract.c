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
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/result.h"

typedef struct writer {
	unsigned written, links, skipped, failed;
} writer;

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n > (1u << 30) ? (1u << 30) : n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int write_file(writer *w, int dfd, const char *name, const fg_node *n)
{
	const fg_node *c = fg_node_content(n);
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			(n->mode & 0777) | 0600);
	if (fd < 0) {
		w->failed++;
		return -1;
	}
	int rc = c && c->data_len ? write_all(fd, c->data, c->data_len) : 0;
	if (close(fd) != 0 || rc != 0) {
		w->failed++;
		return -1;
	}
	w->written++;
	return 0;
}

static int make_dir(int dfd, const char *name)
{
	if (mkdirat(dfd, name, 0755) != 0 && errno != EEXIST)
		return -1;
	return openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static void write_children(writer *w, int dfd, const fg_node *dir, unsigned depth);

/* "<name>.unpacked", made unique against existing entries. */
static int unpacked_dir(int dfd, const char *name)
{
	char buf[512];
	for (int i = 0; i < 100; i++) {
		if (i == 0)
			snprintf(buf, sizeof(buf), "%.400s.unpacked", name);
		else
			snprintf(buf, sizeof(buf), "%.400s.unpacked~%d", name, i);
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
		int sub = make_dir(dfd, name);
		if (sub < 0) {
			w->failed++;
			return;
		}
		write_children(w, sub, n, depth + 1);
		close(sub);
		return;
	}
	case FG_NODE_SYMLINK:
		if (n->link_target && symlinkat(n->link_target, dfd, name) == 0)
			w->links++;
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
	if (depth > 512) {
		w->failed++;
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

int fg_extract_to_dir(const fg_result *res, const char *dir, int force, char *err, size_t errlen)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
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
	writer w = {0};
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
	int mfd = openat(dfd, "firmgate-manifest.json", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	FILE *mf = mfd >= 0 ? fdopen(mfd, "w") : NULL;
	if (mf) {
		fg_report_manifest(res, mf);
		fclose(mf);
	} else if (mfd >= 0) {
		close(mfd);
	}
	close(dfd);
	if (w.failed) {
		snprintf(err, errlen, "%s: %u entr%s could not be written (name clash or I/O error)", dir,
			 w.failed, w.failed == 1 ? "y" : "ies");
		return 1;
	}
	return 0;
}
