#include "unpack/engine.h"

#include "unpack/carve.h"
#include "unpack/spill.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

/* Counted buffers allocated while one file is unpacked (streaming only):
 * what came out is matched against them by address afterwards. */
typedef struct alloc_log {
	pthread_mutex_t lock;
	FG_VEC(fg_buf *) bufs;
} alloc_log;

struct work_queue;

struct fg_unpack_ctx {
	fg_tree *tree;
	fg_budget *budget;
	fg_diag_list *diags;
	fg_node *file;            /* the container being unpacked */
	fg_node *root;            /* its extraction root */
	const fg_format *format;
	alloc_log *log;           /* NULL unless the tree spills */
	unsigned jobs;            /* --jobs */
	struct work_queue *queue; /* for deferred checks; NULL: run them at once */
};

/* ---- services for handlers ------------------------------------------ */

fg_tree *fg_unpack_tree(fg_unpack_ctx *ctx) { return ctx->tree; }
fg_budget *fg_unpack_budget(fg_unpack_ctx *ctx) { return ctx->budget; }
const char *fg_unpack_container_name(fg_unpack_ctx *ctx) { return ctx->file->name; }
unsigned fg_unpack_jobs(fg_unpack_ctx *ctx) { return ctx->jobs ? ctx->jobs : 1; }

static void where_of(fg_unpack_ctx *ctx, const fg_node *node, char *buf, size_t cap)
{
	const fg_node *n = node ? node : ctx->file;
	const char *chain = fg_node_chain(ctx->tree, n);
	char path[2048];
	fg_node_path(n, path, sizeof(path));
	snprintf(buf, cap, "%s:%s", chain ? chain : "?", path);
}

static void vnote(fg_unpack_ctx *ctx, fg_node *node, fg_diag_level level, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	char where[2600];
	where_of(ctx, node, where, sizeof(where));
	fg_diag_add(ctx->diags, level, "unpack", where, "%s: %s", ctx->format->name, msg);
	fg_node *target = node ? node : ctx->file;
	pthread_mutex_lock(&ctx->tree->lock);
	if (!target->note)
		target->note = fg_arena_strdup(&ctx->tree->arena, msg);
	pthread_mutex_unlock(&ctx->tree->lock);
	target->flags |= FG_NODE_TRUNCATED;
}

void fg_unpack_truncated(fg_unpack_ctx *ctx, fg_node *node, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnote(ctx, node, FG_DIAG_WARNING, fmt, ap);
	va_end(ap);
}

void fg_unpack_fail(fg_unpack_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnote(ctx, NULL, FG_DIAG_ERROR, fmt, ap);
	va_end(ap);
}

fg_node *fg_unpack_add(fg_unpack_ctx *ctx, fg_node *root, const char *path, fg_node_type type)
{
	if (!fg_budget_take_file(ctx->budget)) {
		if (!(root->flags & FG_NODE_TRUNCATED)) {
			if (fg_budget_expired(ctx->budget))
				fg_unpack_truncated(ctx, root, "time limit (%.0f s) reached",
						    ctx->budget->limits.max_seconds);
			else
				fg_unpack_truncated(ctx, root, "file-count limit (%llu) reached",
						    (unsigned long long)ctx->budget->limits.max_files);
		}
		return NULL;
	}
	for (const char *p = path; *p; ) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			fg_unpack_truncated(ctx, root, "refused path with '..': %.200s", path);
			return NULL;
		}
		if (!end)
			break;
		p = end + 1;
	}
	fg_node *n = fg_tree_mkpath(ctx->tree, root, path, type);
	if (!n) {
		fg_unpack_truncated(ctx, root, "cannot place entry %.200s", path);
		return NULL;
	}
	return n;
}

/* Hands BUF to the tree: counted when the tree spills, so that it can
 * go as soon as the nodes in it are written out. */
static fg_buf *own_buffer(fg_unpack_ctx *ctx, void *buf, size_t len, bool *ok)
{
	if (!ctx->log) {
		*ok = fg_tree_own(ctx->tree, buf);
		return NULL;
	}
	fg_buf *b = fg_buf_new(ctx->tree, buf, len);
	*ok = b != NULL;
	if (b) {
		pthread_mutex_lock(&ctx->log->lock);
		/* not logged: never freed early, which is always safe */
		(void)FG_VEC_PUSH(&ctx->log->bufs, b);
		pthread_mutex_unlock(&ctx->log->lock);
	}
	return b;
}

uint8_t *fg_unpack_alloc(fg_unpack_ctx *ctx, size_t n)
{
	if (n > ctx->budget->limits.max_file_size || !fg_budget_take_bytes(ctx->budget, n))
		return NULL;
	uint8_t *p = malloc(n ? n : 1);
	bool ok = false;
	if (p)
		own_buffer(ctx, p, n, &ok);
	if (!ok) {
		fg_budget_give_back_bytes(ctx->budget, n);
		return NULL;
	}
	return p;
}

bool fg_unpack_keep(fg_unpack_ctx *ctx, void *buf, size_t used, size_t reserved)
{
	if (reserved > used)
		fg_budget_give_back_bytes(ctx->budget, reserved - used);
	bool ok;
	own_buffer(ctx, buf, used, &ok);
	return ok;
}

bool fg_unpack_reserve(fg_unpack_ctx *ctx, size_t n)
{
	return n <= ctx->budget->limits.max_file_size && fg_budget_take_bytes(ctx->budget, n);
}

uint8_t *fg_unpack_alloc_for(fg_unpack_ctx *ctx, fg_node *node, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	bool ok = false;
	fg_buf *b = p ? own_buffer(ctx, p, n, &ok) : NULL;
	if (!ok)
		return NULL;
	fg_buf_attach(node, b);
	return p;
}

/* ---- loading the input ---------------------------------------------- */

static int errf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int errf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return -1;
}

static void set_meta(fg_node *n, const struct stat *st)
{
	n->mode = st->st_mode & 07777;
	n->uid = st->st_uid;
	n->gid = st->st_gid;
	n->mtime = st->st_mtim.tv_sec;
	n->size = (uint64_t)st->st_size;
}

static fg_node_type type_of(mode_t m)
{
	if (S_ISDIR(m)) return FG_NODE_DIR;
	if (S_ISLNK(m)) return FG_NODE_SYMLINK;
	if (S_ISCHR(m)) return FG_NODE_CHR;
	if (S_ISBLK(m)) return FG_NODE_BLK;
	if (S_ISFIFO(m)) return FG_NODE_FIFO;
	if (S_ISSOCK(m)) return FG_NODE_SOCK;
	return FG_NODE_FILE;
}

/* Maps FD's content into the tree. Empty files get no mapping. */
static int map_fd(fg_tree *t, fg_node *n, int fd, size_t size)
{
	if (size == 0)
		return 0;
	void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	madvise(p, size, MADV_WILLNEED);
	if (!fg_tree_own_map(t, p, size))
		return -1;
	n->data = p;
	n->data_len = size;
	return 0;
}

void fg_unpack_release_input(const fg_tree *tree, const uint8_t *p, size_t n)
{
	const fg_node *in = tree->root;
	/* only the input file's own mapping: PROT_READ, MAP_PRIVATE, never
	 * written, so dropping its pages loses nothing */
	if (!in || in->type != FG_NODE_FILE || !in->data || !p || n == 0 ||
	    p < in->data || n > in->data_len || (size_t)(p - in->data) > in->data_len - n)
		return;
	bool mapped = false;
	for (size_t i = 0; i < tree->maps.n; i++)
		if (tree->maps.v[i].addr == (const void *)in->data)
			mapped = true;
	if (!mapped)
		return;
	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0)
		page = 4096;
	uintptr_t lo = ((uintptr_t)p + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
	uintptr_t hi = ((uintptr_t)p + n) & ~((uintptr_t)page - 1);
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

typedef struct hardlink_seen {
	dev_t dev;
	ino_t ino;
	fg_node *node;
} hardlink_seen;

typedef FG_VEC(hardlink_seen) hardlink_vec;

#define DIR_LOAD_MAX_DEPTH 256

/* Loads directory DFD into DIR. Uses *at() calls relative to open
 * directory descriptors so a symlink swapped in mid-walk cannot redirect
 * the walk outside the input (O_NOFOLLOW on every open). */
static void load_dir(fg_tree *t, fg_node *dir, int dfd, unsigned depth, hardlink_vec *links)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		fg_node *n = fg_node_new(t, e->d_name, strlen(e->d_name), type_of(st.st_mode));
		if (!n || !fg_node_add_child(t, dir, n))
			continue;
		set_meta(n, &st);
		switch (n->type) {
		case FG_NODE_SYMLINK: {
			char target[4096];
			ssize_t k = readlinkat(dirfd(d), e->d_name, target, sizeof(target) - 1);
			if (k >= 0) {
				pthread_mutex_lock(&t->lock);
				n->link_target = fg_arena_strndup(&t->arena, target, (size_t)k);
				pthread_mutex_unlock(&t->lock);
			}
			break;
		}
		case FG_NODE_CHR:
		case FG_NODE_BLK:
			n->dev_major = major(st.st_rdev);
			n->dev_minor = minor(st.st_rdev);
			n->size = 0;
			break;
		case FG_NODE_DIR:
			if (depth < DIR_LOAD_MAX_DEPTH) {
				int cfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (cfd >= 0)
					load_dir(t, n, cfd, depth + 1, links);
			}
			n->size = 0;
			break;
		case FG_NODE_FILE: {
			if (st.st_nlink > 1) {
				for (size_t i = 0; i < links->n; i++) {
					if (links->v[i].dev == st.st_dev && links->v[i].ino == st.st_ino) {
						n->data = links->v[i].node->data;
						n->data_len = links->v[i].node->data_len;
						goto next;
					}
				}
				hardlink_seen hs = { st.st_dev, st.st_ino, n };
				FG_VEC_PUSH(links, hs);
			}
			int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
			if (fd >= 0) {
				if (map_fd(t, n, fd, (size_t)st.st_size) != 0) {
					n->flags |= FG_NODE_TRUNCATED;
					n->note = "cannot map file content";
				}
				close(fd);
			} else {
				n->flags |= FG_NODE_TRUNCATED;
				n->note = "cannot open file";
			}
			break;
		}
		default:
			n->size = 0;
			break;
		}
next:;
	}
	closedir(d);
}

static const char *base_name(const char *path)
{
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	const char *s = path + len;
	while (s > path && s[-1] != '/')
		s--;
	return s;
}

int fg_unpack_load(fg_tree *tree, const char *input, char *errbuf, size_t errlen)
{
	int fd = open(input, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errf(errbuf, errlen, "%s: cannot open: %s", input, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return errf(errbuf, errlen, "%s: cannot stat: %s", input, strerror(e));
	}
	const char *bn = base_name(input);
	size_t bl = strcspn(bn, "/");
	if (S_ISDIR(st.st_mode)) {
		fg_node *root = fg_node_new(tree, bn, bl, FG_NODE_DIR);
		if (!root) {
			close(fd);
			return errf(errbuf, errlen, "%s: out of memory", input);
		}
		set_meta(root, &st);
		root->size = 0;
		root->flags = FG_NODE_FSROOT | FG_NODE_FILESYSTEM;
		root->format = "dir";
		tree->root = root;
		hardlink_vec links = {0};
		load_dir(tree, root, fd, 0, &links);
		FG_VEC_FREE(&links);
		if (root->nchildren == 0)
			return errf(errbuf, errlen, "%s: directory is empty", input);
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return errf(errbuf, errlen, "%s: not a regular file or directory", input);
	}
	if (st.st_size == 0) {
		close(fd);
		return errf(errbuf, errlen, "%s: file is empty", input);
	}
	fg_node *root = fg_node_new(tree, bn, bl, FG_NODE_FILE);
	if (!root) {
		close(fd);
		return errf(errbuf, errlen, "%s: out of memory", input);
	}
	set_meta(root, &st);
	root->flags = FG_NODE_FSROOT;
	tree->root = root;
	int rc = map_fd(tree, root, fd, (size_t)st.st_size);
	int e = errno;
	close(fd);
	if (rc != 0)
		return errf(errbuf, errlen, "%s: cannot map: %s", input, strerror(e));
	return 0;
}

/* ---- the recursive unpack ------------------------------------------- */

/* A check a handler deferred (fg_unpack_defer_check). It only reads the
 * container's bytes while other workers run; its verdict is applied to
 * the tree once they have all stopped, since noting it means walking up
 * through nodes that are being written out meanwhile. */
typedef struct deferred {
	fg_unpack_ctx ctx;       /* the handler's, for the note */
	fg_node *node;
	fg_check_fn check;
	void *arg;
	fg_buf *hold;            /* the container's bytes, while CHECK reads them */
	bool ok;
	char note[512];
} deferred;

typedef struct work_queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	FG_VEC(fg_node *) items;
	FG_VEC(deferred *) checks;
	FG_VEC(deferred *) verdicts; /* every deferred check, its verdict applied at the end */
	unsigned busy;           /* workers holding an item */
	unsigned helpers;        /* handlers' own threads holding a core */
	fg_tree *tree;
	fg_budget *budget;
	fg_diag_list *diags;
	fg_unpack_stats stats;
	unsigned jobs;
} work_queue;

static bool collect_files(fg_node *n, void *ud)
{
	FG_VEC(fg_node *) *out = ud;
	if (n->type == FG_NODE_FILE && n->data_len > 0 && !n->unpacked && !n->format &&
	    !(n->flags & FG_NODE_SPILLED))
		FG_VEC_PUSH(out, n);
	return true;
}

static void count(work_queue *q, bool ok)
{
	pthread_mutex_lock(&q->lock);
	if (ok)
		q->stats.containers++;
	else
		q->stats.failed++;
	pthread_mutex_unlock(&q->lock);
}

/* Runs FMT on DATA..DATA+LEN of FILE into a fresh extraction root. Returns
 * the root, or NULL when nothing usable came out (the root is detached
 * again). *USED gets the chunk's length as the handler measured it. */
/* The log of the file this worker thread is unpacking (streaming only).
 * Per thread because every worker unpacks its own file; handlers reach
 * it through their context, also from threads of their own. */
static _Thread_local alloc_log *current_log;

static void describe_leaf(fg_tree *t, fg_node *file, const fg_format *fmt,
			  const uint8_t *data, size_t len)
{
	char desc[256] = "";
	if (fmt->describe)
		fmt->describe(data, len, desc, sizeof(desc));
	pthread_mutex_lock(&t->lock);
	file->format = fmt->name;
	file->format_info = fg_arena_strdup(&t->arena, desc);
	pthread_mutex_unlock(&t->lock);
}

/* Byte ranges of the input that nodes of a handler's output still take
 * their content from. */
typedef struct span {
	uint64_t offset, length; /* from the start of the handler's data */
} span;

typedef struct slice_walk {
	const uint8_t *lo, *hi;
	FG_VEC(span) v;
	bool failed;
} slice_walk;

static bool collect_slice(fg_node *n, void *ud)
{
	slice_walk *w = ud;
	if (n->type == FG_NODE_FILE && n->data && n->data_len && !(n->flags & FG_NODE_SPILLED) &&
	    n->data >= w->lo && n->data_len <= (size_t)(w->hi - n->data)) {
		span r = { (uint64_t)(n->data - w->lo), n->data_len };
		if (!FG_VEC_PUSH(&w->v, r))
			w->failed = true;
	}
	return !w->failed;
}

static int span_cmp(const void *a, const void *b)
{
	const span *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/*
 * A handler has read DATA..DATA+USED: the input's pages there are not
 * needed again, except under the files that are slices of it (a TRX's
 * kernel and file system, a uImage's payload). Those are read next (and
 * release their pages as they go, or once written out), so dropping them
 * here would only make the next reader fault them in again.
 */
static void release_unclaimed(const fg_tree *t, fg_node *root, const uint8_t *data, size_t used)
{
	slice_walk w = { data, data + used, {0}, false };
	fg_tree_walk(root, collect_slice, &w);
	if (w.failed) { /* keeping pages is always safe */
		FG_VEC_FREE(&w.v);
		return;
	}
	if (w.v.n > 1)
		qsort(w.v.v, w.v.n, sizeof(*w.v.v), span_cmp);
	uint64_t from = 0;
	for (size_t i = 0; i < w.v.n; i++) {
		const span *r = &w.v.v[i];
		if (r->offset > from)
			fg_unpack_release_input(t, data + from, (size_t)(r->offset - from));
		if (r->offset + r->length > from)
			from = r->offset + r->length;
	}
	if (used > from)
		fg_unpack_release_input(t, data + from, (size_t)(used - from));
	FG_VEC_FREE(&w.v);
}

static fg_node *run_handler(work_queue *q, fg_node *file, const fg_format *fmt,
			    const uint8_t *data, size_t len, uint64_t offset, uint64_t *used)
{
	fg_unpack_ctx ctx = { q->tree, q->budget, q->diags, file, NULL, fmt, current_log, q->jobs, q };
	*used = 0;
	if (fmt->kind == FG_FMT_LEAF) {
		describe_leaf(q->tree, file, fmt, data, len);
		*used = len;
		return NULL;
	}
	if (file->depth >= q->budget->limits.max_depth) {
		fg_unpack_truncated(&ctx, file, "depth limit (%u) reached: %s not unpacked",
				    q->budget->limits.max_depth, fmt->name);
		return NULL;
	}
	if (fg_budget_expired(q->budget)) {
		fg_unpack_truncated(&ctx, file, "time limit (%.0f s) reached: %s not unpacked",
				    q->budget->limits.max_seconds, fmt->name);
		return NULL;
	}
	ctx.root = fg_tree_attach_root(q->tree, file, fmt->name, offset, len,
				       fmt->kind == FG_FMT_FILESYSTEM || fmt->kind == FG_FMT_ARCHIVE);
	if (!ctx.root)
		return NULL;
	int rc = fmt->unpack(&ctx, ctx.root, data, len);
	if (rc < 0 && ctx.root->nchildren == 0) {
		file->unpacked = NULL; /* nothing usable: the file stays a plain file */
		count(q, false);
		return NULL;
	}
	*used = ctx.root->src_length && ctx.root->src_length <= len ? ctx.root->src_length : len;
	ctx.root->src_length = *used;
	release_unclaimed(q->tree, ctx.root, data, (size_t)*used);
	count(q, true);
	return ctx.root;
}

/* Best format for a chunk starting at DATA: the highest confidence among
 * FORMATS (NULL = every registered format). */
static const fg_format *best_probe(const uint8_t *data, size_t len, const fg_format *only,
				   int *conf, uint64_t *chunk_len)
{
	const fg_format *best = NULL;
	*conf = 0;
	*chunk_len = 0;
	for (size_t i = 0; i < fg_format_count(); i++) {
		const fg_format *f = fg_format_at(i);
		if (only && f != only)
			continue;
		if (f->ceiling && f->ceiling <= *conf)
			continue; /* cannot win, and would read the whole file */
		uint64_t cl = 0;
		int c = f->probe(data, len, &cl);
		if (c > *conf && (cl == 0 || cl <= len)) {
			best = f;
			*conf = c;
			*chunk_len = cl;
		}
	}
	return best;
}

/* Files inside a real file tree are identified as a whole; blobs (the
 * input, payloads of wrappers and streams) are carved. */
static bool is_blob(const fg_node *file)
{
	const fg_node *r = fg_node_fsroot(file);
	return r == file || (r && !(r->flags & FG_NODE_FILESYSTEM));
}

#define MAX_CANDIDATES_PER_BLOB 1000000

typedef struct carve_state {
	fg_node *carve_root;        /* NULL until a second chunk or unclaimed data shows up */
	fg_node *first_root;        /* extraction root of a chunk at offset 0, attached to the blob */
	const fg_format *first_fmt;
	uint64_t first_len;
	fg_range_vec ranges;
} carve_state;

/* The blob turned out to hold more than one thing: put a carve root
 * between it and its chunks, and move a chunk already attached to the
 * blob under it. */
static fg_node *carve_root(work_queue *q, fg_node *file, carve_state *cs)
{
	if (cs->carve_root)
		return cs->carve_root;
	fg_node *cr = fg_node_new(q->tree, "", 0, FG_NODE_DIR);
	if (!cr)
		return NULL;
	cr->flags = FG_NODE_FSROOT | FG_NODE_CARVE;
	cr->container = file;
	cr->format = "carve";
	cr->src_length = file->data_len;
	cr->depth = file->depth; /* not a format layer: does not count towards the depth limit */
	if (cs->first_root) {
		char name[64];
		snprintf(name, sizeof(name), "0x0.%s", cs->first_fmt->name);
		fg_node *chunk = fg_node_new(q->tree, name, strlen(name), FG_NODE_FILE);
		if (chunk && fg_node_add_child(q->tree, cr, chunk)) {
			chunk->data = file->data;
			chunk->data_len = (size_t)cs->first_len;
			chunk->size = cs->first_len;
			chunk->unpacked = cs->first_root;
			cs->first_root->container = chunk;
		}
	}
	file->unpacked = cr;
	cs->carve_root = cr;
	return cr;
}

/* Takes the chunk FMT found at START: unpacks it and returns its length,
 * or 0 when the handler could not use it. */
static uint64_t take_chunk(work_queue *q, fg_node *file, carve_state *cs, const fg_format *fmt,
			   uint64_t start, uint64_t chunk_len)
{
	const uint8_t *data = file->data + start;
	size_t len = chunk_len ? (size_t)chunk_len : file->data_len - (size_t)start;
	uint64_t used = 0;
	if (start == 0 && !cs->carve_root && fmt->kind != FG_FMT_LEAF) {
		/* most blobs are one chunk: attach it to the blob directly */
		fg_node *root = run_handler(q, file, fmt, data, len, 0, &used);
		if (!root)
			return 0;
		cs->first_root = root;
		cs->first_fmt = fmt;
		cs->first_len = used;
		return used;
	}
	fg_node *cr = carve_root(q, file, cs);
	if (!cr)
		return 0;
	char name[64];
	snprintf(name, sizeof(name), "0x%llx.%s", (unsigned long long)start, fmt->name);
	fg_node *chunk = fg_node_new(q->tree, name, strlen(name), FG_NODE_FILE);
	if (!chunk)
		return 0;
	chunk->data = data;
	chunk->data_len = len;
	chunk->size = len;
	chunk->depth = file->depth;
	chunk->parent = cr; /* for paths and provenance while the handler runs */
	fg_node *root = run_handler(q, chunk, fmt, data, len, start, &used);
	if (!root && !chunk->format)
		return 0;
	chunk->data_len = (size_t)used;
	chunk->size = used;
	if (!fg_node_add_child(q->tree, cr, chunk))
		return 0;
	return used;
}

static void add_chunk_range(carve_state *cs, uint64_t start, uint64_t len, const fg_format *f)
{
	fg_range r = { .offset = start, .length = len, .kind = FG_RANGE_CHUNK, .format = f->name };
	FG_VEC_PUSH(&cs->ranges, r);
}

/* Keeps the coverage of FILE: every byte in one range. */
static void store_coverage(work_queue *q, fg_node *file, carve_state *cs)
{
	fg_coverage *cov = NULL;
	pthread_mutex_lock(&q->tree->lock);
	cov = fg_arena_alloc(&q->tree->arena, sizeof(*cov));
	fg_range *r = cov ? fg_arena_alloc(&q->tree->arena, cs->ranges.n * sizeof(fg_range) + 1) : NULL;
	pthread_mutex_unlock(&q->tree->lock);
	if (!cov || !r)
		return;
	if (cs->ranges.n)
		memcpy(r, cs->ranges.v, cs->ranges.n * sizeof(fg_range));
	cov->ranges = r;
	cov->n = cs->ranges.n;
	for (size_t i = 0; i < cov->n; i++) {
		switch (r[i].kind) {
		case FG_RANGE_CHUNK: cov->identified += r[i].length; break;
		case FG_RANGE_PADDING: cov->padding += r[i].length; break;
		case FG_RANGE_UNKNOWN: cov->unknown += r[i].length; break;
		case FG_RANGE_HIGH_ENTROPY: cov->high_entropy += r[i].length; break;
		}
	}
	file->coverage = cov;
}

/* Identifies FILE and unpacks what it holds. A blob is carved: every
 * magic hit is offered to its format's probe, chunks are taken in order
 * of their start, and what nothing claims is classified. */
/* Coverage for the unclaimed range [FROM, TO): what lies inside a leaf
 * that starts the blob (an ELF kernel whose segments hold a payload) is
 * that leaf's; the rest is classified. */
static void add_gap(carve_state *cs, const uint8_t *data, uint64_t from, uint64_t to,
		    const fg_format *leaf, uint64_t leaf_end)
{
	if (leaf && from < leaf_end) {
		uint64_t end = to < leaf_end ? to : leaf_end;
		add_chunk_range(cs, from, end - from, leaf);
		from = end;
	}
	if (from < to)
		fg_coverage_gap(data, from, to - from, &cs->ranges);
}

static void unpack_one(work_queue *q, fg_scanner **scanner, fg_node *file)
{
	const uint8_t *data = file->data;
	size_t len = file->data_len;
	carve_state cs = {0};
	uint64_t pos = 0;
	const fg_format *leaf = NULL;
	uint64_t leaf_end = 0;

	int conf;
	uint64_t clen;
	const fg_format *fmt = best_probe(data, len, NULL, &conf, &clen);
	if (fmt && fmt->kind == FG_FMT_LEAF) {
		/* a leaf describes the file itself; in a blob the carver still
		 * looks inside it (kernels carry their payloads in segments) */
		run_handler(q, file, fmt, data, clen ? (size_t)clen : len, 0, &leaf_end);
		leaf = fmt;
	} else if (fmt) {
		uint64_t used = take_chunk(q, file, &cs, fmt, 0, clen);
		if (used) {
			add_chunk_range(&cs, 0, used, fmt);
			pos = used;
		}
	}
	if (!is_blob(file)) {
		FG_VEC_FREE(&cs.ranges);
		return;
	}
	fg_candidate_vec cands = {0};
	/* only what the first chunk left: a hit before POS would be skipped
	 * anyway, and the chunk's bytes (most of the blob, often) are not
	 * read a second time */
	/* the matcher is compiled on first use: an image that is one
	 * file system from its first byte to its last never needs it */
	bool scan = pos < len && fg_scan_could_match(data + pos, len - (size_t)pos);
	if (scan && !*scanner)
		*scanner = fg_scanner_new();
	if (scan && *scanner &&
	    !fg_scanner_find(*scanner, data + pos, len - (size_t)pos, MAX_CANDIDATES_PER_BLOB, &cands))
		fg_diag_add(q->diags, FG_DIAG_WARNING, "unpack", fg_node_chain(q->tree, file),
			    "more than %d magic candidates: carving stopped early",
			    MAX_CANDIDATES_PER_BLOB);
	for (size_t i = 0; i < cands.n; i++)
		cands.v[i].start += pos;
	for (size_t i = 0; i < cands.n; i++) {
		const fg_candidate *c = &cands.v[i];
		if (c->start < pos || c->start >= len || (leaf && c->start == 0))
			continue;
		const fg_format *f = best_probe(data + c->start, len - (size_t)c->start, c->format,
						&conf, &clen);
		if (!f || conf < FG_CARVE_MIN_CONFIDENCE)
			continue;
		uint64_t used = take_chunk(q, file, &cs, f, c->start, clen);
		if (!used)
			continue;
		add_gap(&cs, data, pos, c->start, leaf, leaf_end);
		add_chunk_range(&cs, c->start, used, f);
		pos = c->start + used;
	}
	FG_VEC_FREE(&cands);
	if (pos < len) {
		add_gap(&cs, data, pos, len, leaf, leaf_end);
		/* unclaimed data after a single chunk: show the chunk as carved */
		if (cs.first_root && !cs.carve_root) {
			bool only_padding = true;
			for (size_t i = 0; i < cs.ranges.n; i++)
				if (cs.ranges.v[i].kind != FG_RANGE_CHUNK && cs.ranges.v[i].kind != FG_RANGE_PADDING)
					only_padding = false;
			if (!only_padding)
				carve_root(q, file, &cs);
		}
	}
	store_coverage(q, file, &cs);
	FG_VEC_FREE(&cs.ranges);
}

/* ---- streaming: writing content out as soon as it is final ---------- */

void fg_unpack_done(fg_unpack_ctx *ctx, fg_node *n)
{
	fg_tree *t = ctx->tree;
	if (!t->spill || n->type != FG_NODE_FILE || !n->buf || !n->data || n->data_len == 0 ||
	    (n->flags & (FG_NODE_TRUNCATED | FG_NODE_SPILLED)) || n->unpacked || n->format)
		return;
	/* what the queue would do with a file inside a file system: a
	 * container stays for it; anything else is described and written */
	int conf;
	uint64_t clen;
	const fg_format *f = best_probe(n->data, n->data_len, NULL, &conf, &clen);
	if (f && f->kind != FG_FMT_LEAF)
		return;
	if (f)
		describe_leaf(t, n, f, n->data, clen && clen <= n->data_len ? (size_t)clen : n->data_len);
	fg_spill_node(t, n);
}

static int buf_addr_cmp(const void *a, const void *b)
{
	uintptr_t x = (*(fg_buf *const *)a)->addr, y = (*(fg_buf *const *)b)->addr;
	return x < y ? -1 : x > y;
}

/* The logged buffer holding DATA..DATA+LEN, or NULL. LOG is sorted. */
static fg_buf *find_buffer(const alloc_log *log, const uint8_t *data, size_t len)
{
	size_t lo = 0, hi = log->bufs.n;
	uintptr_t a = (uintptr_t)data;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (log->bufs.v[mid]->addr <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	fg_buf *b = log->bufs.v[lo - 1];
	if (a - b->addr > b->len || len > b->len - (a - b->addr))
		return NULL;
	return b;
}

typedef struct refs_walk {
	const alloc_log *log;
	const fg_node *file;
	FG_VEC(fg_node *) done;   /* processed already: written right after */
} refs_walk;

/* Every node whose content lies in a counted buffer takes a reference:
 * in one this file's handlers allocated, or in the file's own content
 * (slices of it). Nodes already handled here (a chunk a handler
 * unpacked, a leaf, a hard link) are written once all references are
 * taken. */
static bool take_refs(fg_node *n, void *ud)
{
	refs_walk *w = ud;
	if (n->type == FG_NODE_HARDLINK) {
		FG_VEC_PUSH(&w->done, n);
		return true;
	}
	if (n->type != FG_NODE_FILE || n == w->file || !n->data_len || !n->data ||
	    (n->flags & FG_NODE_SPILLED))
		return true;
	if (!n->buf) {
		const fg_node *f = w->file;
		fg_buf *b = find_buffer(w->log, n->data, n->data_len);
		if (!b && f->buf && n->data >= f->data && n->data_len <= f->data_len &&
		    (size_t)(n->data - f->data) <= f->data_len - n->data_len)
			b = f->buf;
		fg_buf_attach(n, b);
	}
	if (n->unpacked || n->format)
		FG_VEC_PUSH(&w->done, n);
	return true;
}

/*
 * A large file is written out before it is unpacked, not after: on a
 * thread of its own while it is being unpacked (with more than one job),
 * or first (with one), while its bytes are still in memory: a handler
 * that reads a 14 MiB file-system image releases the input's pages
 * behind it, and writing the image afterwards would fault them all in
 * again. The writer touches no node; the worker marks the file once both
 * are done, so its buffer lives until then through the file's own
 * reference.
 */
#define BACKGROUND_SPILL_MIN (1u << 20)

typedef struct bg_spill {
	fg_tree *tree;
	const uint8_t *data;
	size_t len;
	uint32_t mode;
	fg_spill_out out;
	pthread_t thread;
	bool running;            /* on its thread */
	bool ahead;              /* written (or being written) ahead of the unpacking */
} bg_spill;

static void *bg_spill_main(void *arg)
{
	bg_spill *b = arg;
	fg_spill_write(b->tree, b->data, b->len, b->mode, &b->out);
	return NULL;
}

static void bg_spill_start(work_queue *q, fg_node *file, bg_spill *b)
{
	b->running = b->ahead = false;
	if (!q->tree->spill || file == q->tree->root || !file->data ||
	    file->data_len < BACKGROUND_SPILL_MIN || (file->flags & FG_NODE_SPILLED))
		return;
	*b = (bg_spill){ q->tree, file->data, file->data_len, file->mode, { 0 }, 0, false, true };
	if (q->jobs > 1)
		b->running = pthread_create(&b->thread, NULL, bg_spill_main, b) == 0;
	if (!b->running)
		bg_spill_main(b);
}

/* After the unpacking: the file is marked written (or, if that failed,
 * written here as any other file is). */
static void bg_spill_finish(work_queue *q, fg_node *file, bg_spill *b)
{
	if (b->running)
		pthread_join(b->thread, NULL);
	if (b->out.ok) {
		fg_unpack_release_input(q->tree, b->data, b->len);
		fg_spill_mark(q->tree, file, &b->out);
	} else {
		fg_spill_node(q->tree, file);
	}
}

/* FILE has been unpacked: count the references into what came out,
 * write out what will not be queued, then FILE itself unless a thread
 * of its own does (the input is never written). */
static void spill_after(work_queue *q, fg_node *file, alloc_log *log, bool spill_file)
{
	if (log->bufs.n)
		qsort(log->bufs.v, log->bufs.n, sizeof(*log->bufs.v), buf_addr_cmp);
	refs_walk w = { log, file, {0} };
	if (file->unpacked)
		fg_tree_walk(file->unpacked, take_refs, &w);
	for (size_t i = 0; i < w.done.n; i++)
		fg_spill_node(q->tree, w.done.v[i]);
	FG_VEC_FREE(&w.done);
	if (spill_file && file != q->tree->root)
		fg_spill_node(q->tree, file);
}

static void note_verdict(fg_unpack_ctx *ctx, fg_node *node, bool ok, const char *note)
{
	if (!ok)
		fg_unpack_truncated(ctx, node, "%s", note[0] ? note : "check failed");
}

/* Runs D's check; the caller keeps D for its verdict. */
static void run_deferred(deferred *d)
{
	d->note[0] = '\0';
	d->ok = d->check(d->arg, d->note, sizeof(d->note));
	free(d->arg);
	d->arg = NULL;
	if (d->hold)
		fg_buf_release(d->hold);
	d->hold = NULL;
}

bool fg_unpack_slot_take(fg_unpack_ctx *ctx, unsigned wait_ms)
{
	work_queue *q = ctx->queue;
	if (!q)
		return true;
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	until.tv_sec += wait_ms / 1000 + until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&q->lock);
	while (q->busy + q->helpers >= q->jobs &&
	       pthread_cond_timedwait(&q->cond, &q->lock, &until) == 0)
		;
	bool got = q->busy + q->helpers < q->jobs;
	if (got)
		q->helpers++;
	pthread_mutex_unlock(&q->lock);
	return got;
}

void fg_unpack_slot_give(fg_unpack_ctx *ctx)
{
	work_queue *q = ctx->queue;
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->helpers--;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

void fg_unpack_defer_check(fg_unpack_ctx *ctx, fg_node *node, fg_check_fn check, void *arg)
{
	work_queue *q = ctx->queue;
	deferred *d = q && q->jobs > 1 ? malloc(sizeof(*d)) : NULL;
	if (d) {
		/* streaming frees the container's buffer once it is written out:
		 * the check keeps a reference of its own until it has run */
		*d = (deferred){ *ctx, node, check, arg, ctx->file->buf, false, "" };
		d->ctx.log = NULL;
		if (d->hold)
			atomic_fetch_add(&d->hold->refs, 1);
		/* listed for its verdict now, so that applying it at the end
		 * cannot run out of memory */
		pthread_mutex_lock(&q->lock);
		bool queued = FG_VEC_PUSH(&q->verdicts, d);
		if (queued && !FG_VEC_PUSH(&q->checks, d)) {
			q->verdicts.n--;
			queued = false;
		}
		if (queued)
			pthread_cond_broadcast(&q->cond);
		pthread_mutex_unlock(&q->lock);
		if (queued)
			return;
		if (d->hold)
			fg_buf_release(d->hold); /* the container still holds its own */
		free(d);
	}
	char note[512] = "";
	bool ok = check(arg, note, sizeof(note));
	free(arg);
	note_verdict(ctx, node, ok, note);
}

static void *worker(void *arg)
{
	work_queue *q = arg;
	fg_scanner *scanner = NULL;
	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (q->items.n == 0 && q->checks.n == 0 && q->busy > 0)
			pthread_cond_wait(&q->cond, &q->lock);
		if (q->checks.n) {
			/* first: it runs beside what its container's handler queued */
			deferred *d = q->checks.v[--q->checks.n];
			q->busy++;
			pthread_mutex_unlock(&q->lock);
			run_deferred(d); /* D stays in q->verdicts */
			pthread_mutex_lock(&q->lock);
			q->busy--;
			pthread_cond_broadcast(&q->cond);
			continue;
		}
		if (q->items.n == 0)
			break;
		fg_node *file = q->items.v[--q->items.n];
		q->busy++;
		pthread_mutex_unlock(&q->lock);

		alloc_log log = { .lock = PTHREAD_MUTEX_INITIALIZER };
		current_log = q->tree->spill ? &log : NULL;
		bg_spill bg;
		bg_spill_start(q, file, &bg);
		unpack_one(q, &scanner, file);
		current_log = NULL;
		FG_VEC(fg_node *) found = {0};
		if (file->unpacked)
			fg_tree_walk(file->unpacked, collect_files, &found);
		if (q->tree->spill)
			spill_after(q, file, &log, !bg.ahead);
		if (bg.ahead)
			bg_spill_finish(q, file, &bg);
		FG_VEC_FREE(&log.bufs);

		pthread_mutex_lock(&q->lock);
		for (size_t i = 0; i < found.n; i++)
			FG_VEC_PUSH(&q->items, found.v[i]);
		q->busy--;
		pthread_cond_broadcast(&q->cond);
		FG_VEC_FREE(&found);
	}
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	fg_scanner_free(scanner);
	return NULL;
}

static int diag_cmp(const void *a, const void *b)
{
	const fg_diag *x = a, *y = b;
	int c = strcmp(x->where, y->where);
	if (!c)
		c = strcmp(x->message, y->message);
	return c ? c : (int)x->level - (int)y->level;
}

void fg_unpack_all(fg_tree *tree, fg_budget *budget, fg_diag_list *diags, unsigned jobs,
		   fg_unpack_stats *stats)
{
	work_queue q = { .tree = tree, .budget = budget, .diags = diags };
	fg_budget_start_clock(budget);
	pthread_mutex_init(&q.lock, NULL);
	/* timed waits (fg_unpack_slot_take) measure on the monotonic clock:
	 * a wall clock set back must not stretch them */
	pthread_condattr_t cattr;
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&q.cond, &cattr);
	pthread_condattr_destroy(&cattr);
	fg_tree_walk(tree->root, collect_files, &q.items);
	/* the queue pops from the end: reverse so work starts in name order */
	for (size_t i = 0; i < q.items.n / 2; i++) {
		fg_node *tmp = q.items.v[i];
		q.items.v[i] = q.items.v[q.items.n - 1 - i];
		q.items.v[q.items.n - 1 - i] = tmp;
	}
	if (jobs < 1)
		jobs = 1;
	if (jobs > 64)
		jobs = 64;
	q.jobs = jobs;
	size_t first_diag = diags->items.n; /* before any worker can add one */
	pthread_t th[64];
	unsigned started = 0;
	for (unsigned i = 1; i < jobs; i++)
		if (pthread_create(&th[started], NULL, worker, &q) == 0)
			started++;
	worker(&q);
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (size_t i = 0; i < q.verdicts.n; i++) {
		deferred *d = q.verdicts.v[i];
		note_verdict(&d->ctx, d->node, d->ok, d->note);
		free(d);
	}
	/* workers report in whatever order they finish: put it in one */
	if (diags->items.n - first_diag > 1)
		qsort(diags->items.v + first_diag, diags->items.n - first_diag,
		      sizeof(*diags->items.v), diag_cmp);
	if (stats)
		*stats = q.stats;
	FG_VEC_FREE(&q.items);
	FG_VEC_FREE(&q.checks);
	FG_VEC_FREE(&q.verdicts);
	pthread_cond_destroy(&q.cond);
	pthread_mutex_destroy(&q.lock);
}

int fg_unpack_buffer_for_test(fg_tree *tree, fg_budget *budget, fg_diag_list *diags,
			      const fg_format *fmt, const char *name,
			      const uint8_t *data, size_t len, fg_node **root_out)
{
	fg_node *file = fg_node_new(tree, name, strlen(name), FG_NODE_FILE);
	if (!file)
		return -1;
	file->flags = FG_NODE_FSROOT;
	file->data = data;
	file->data_len = len;
	file->size = len;
	tree->root = file;
	fg_unpack_ctx ctx = { tree, budget, diags, file, NULL, fmt, NULL, 1, NULL };
	ctx.root = fg_tree_attach_root(tree, file, fmt->name, 0, len,
				       fmt->kind == FG_FMT_FILESYSTEM || fmt->kind == FG_FMT_ARCHIVE);
	if (!ctx.root)
		return -1;
	int rc = fmt->unpack(&ctx, ctx.root, data, len);
	if (root_out)
		*root_out = ctx.root;
	return rc;
}
