#include "tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MAX_SYMLINK_HOPS 40
#define MAX_LOOKUP_PATH 4096

void fg_tree_init(fg_tree *t)
{
	memset(t, 0, sizeof(*t));
	fg_arena_init(&t->arena);
	pthread_mutex_init(&t->lock, NULL);
}

void fg_tree_free(fg_tree *t)
{
	for (size_t i = 0; i < t->owned.n; i++)
		free(t->owned.v[i]);
	FG_VEC_FREE(&t->owned);
	for (size_t i = 0; i < t->bufs.n; i++) {
		free(t->bufs.v[i]->base);
		free(t->bufs.v[i]);
	}
	FG_VEC_FREE(&t->bufs);
	for (size_t i = 0; i < t->maps.n; i++)
		munmap(t->maps.v[i].addr, t->maps.v[i].len);
	FG_VEC_FREE(&t->maps);
	/* children arrays are malloc'd: walk before the arena goes */
	if (t->root) {
		fg_node *stack_root = t->root;
		FG_VEC(fg_node *) stack = {0};
		if (FG_VEC_PUSH(&stack, stack_root)) {
			while (stack.n) {
				fg_node *n = stack.v[--stack.n];
				for (size_t i = 0; i < n->nchildren; i++)
					if (!FG_VEC_PUSH(&stack, n->children[i]))
						break;
				if (n->unpacked)
					FG_VEC_PUSH(&stack, n->unpacked);
				free(n->children);
			}
		}
		FG_VEC_FREE(&stack);
	}
	fg_arena_free(&t->arena);
	pthread_mutex_destroy(&t->lock);
	t->root = NULL;
}

bool fg_tree_own(fg_tree *t, void *buf)
{
	pthread_mutex_lock(&t->lock);
	bool ok = FG_VEC_PUSH(&t->owned, buf);
	pthread_mutex_unlock(&t->lock);
	if (!ok)
		free(buf);
	return ok;
}

bool fg_tree_own_map(fg_tree *t, void *addr, size_t len)
{
	fg_map m = { addr, len };
	pthread_mutex_lock(&t->lock);
	bool ok = FG_VEC_PUSH(&t->maps, m);
	pthread_mutex_unlock(&t->lock);
	if (!ok)
		munmap(addr, len);
	return ok;
}

fg_node *fg_node_new(fg_tree *t, const char *name, size_t name_len, fg_node_type type)
{
	pthread_mutex_lock(&t->lock);
	fg_node *n = fg_arena_alloc(&t->arena, sizeof(*n));
	char *nm = n ? fg_arena_strndup(&t->arena, name, name_len) : NULL;
	if (n)
		t->node_count++;
	pthread_mutex_unlock(&t->lock);
	if (!n || !nm)
		return NULL;
	n->name = nm;
	n->type = type;
	n->mode = type == FG_NODE_DIR ? 0755 : 0644;
	return n;
}

/* Index of the first child whose name is >= NAME. */
static size_t child_lower_bound(const fg_node *dir, const char *name, size_t len, bool *found)
{
	size_t lo = 0, hi = dir->nchildren;
	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *cn = dir->children[mid]->name;
		size_t clen = strlen(cn);
		int c = memcmp(cn, name, clen < len ? clen : len);
		if (c == 0)
			c = clen < len ? -1 : clen > len ? 1 : 0;
		if (c < 0) {
			lo = mid + 1;
		} else {
			if (c == 0)
				*found = true;
			hi = mid;
		}
	}
	return lo;
}

fg_node *fg_node_find_child(const fg_node *dir, const char *name, size_t len)
{
	bool found;
	size_t i = child_lower_bound(dir, name, len, &found);
	return found ? dir->children[i] : NULL;
}

fg_node *fg_node_add_child(fg_tree *t, fg_node *dir, fg_node *child)
{
	(void)t;
	bool found;
	size_t len = strlen(child->name);
	size_t i = child_lower_bound(dir, child->name, len, &found);
	if (found)
		return dir->children[i];
	if (!fg_vec_grow((void **)&dir->children, &dir->capchildren, dir->nchildren + 1,
			 sizeof(fg_node *)))
		return NULL;
	memmove(dir->children + i + 1, dir->children + i, (dir->nchildren - i) * sizeof(fg_node *));
	dir->children[i] = child;
	dir->nchildren++;
	child->parent = dir;
	child->depth = dir->depth;
	return child;
}

fg_node *fg_tree_mkpath(fg_tree *t, fg_node *root, const char *path, fg_node_type type)
{
	fg_node *cur = root;
	const char *p = path;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			return cur == root ? NULL : cur;
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *next = p + len;
		while (*next == '/')
			next++;
		bool last = *next == '\0';
		if (len == 1 && p[0] == '.') {
			if (last)
				return cur == root ? NULL : cur;
			p = next;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return NULL;
		if (cur->type != FG_NODE_DIR)
			return NULL;
		fg_node *child = fg_node_find_child(cur, p, len);
		if (!child) {
			child = fg_node_new(t, p, len, last ? type : FG_NODE_DIR);
			if (!child || !fg_node_add_child(t, cur, child))
				return NULL;
		}
		if (last)
			return child;
		cur = child;
		p = next;
	}
}

fg_node *fg_tree_attach_root(fg_tree *t, fg_node *file, const char *format,
			     uint64_t offset, uint64_t length, bool filesystem)
{
	fg_node *r = fg_node_new(t, "", 0, FG_NODE_DIR);
	if (!r)
		return NULL;
	r->flags = FG_NODE_FSROOT | (filesystem ? FG_NODE_FILESYSTEM : 0);
	r->container = file;
	r->format = format;
	r->src_offset = offset;
	r->src_length = length;
	r->depth = file->depth + 1;
	file->unpacked = r;
	return r;
}

const fg_node *fg_node_fsroot(const fg_node *n)
{
	while (n && !(n->flags & FG_NODE_FSROOT))
		n = n->parent;
	return n;
}

size_t fg_node_path(const fg_node *n, char *buf, size_t cap)
{
	if (cap == 0)
		return 0;
	/* the length first, then the names from the last one back: no array
	 * of ancestors, so no limit on depth (an archive may nest an entry
	 * deeper than any such array; its path must still be built) */
	size_t total = 0;
	for (const fg_node *c = n; c && !(c->flags & FG_NODE_FSROOT); c = c->parent)
		total += 1 + strlen(c->name);
	if (total == 0) {
		if (cap < 2) {
			buf[0] = '\0';
			return 0;
		}
		buf[0] = '/';
		buf[1] = '\0';
		return 1;
	}
	/* when the path does not fit, BUF keeps the leading components that do */
	size_t end = total, kept = 0;
	for (const fg_node *c = n; c && !(c->flags & FG_NODE_FSROOT); c = c->parent) {
		size_t nl = strlen(c->name);
		size_t start = end - nl - 1;
		if (end < cap) {
			if (!kept)
				kept = end;
			buf[start] = '/';
			memcpy(buf + start + 1, c->name, nl);
		}
		end = start;
	}
	buf[kept] = '\0';
	return kept == total ? total : 0;
}

/* Carve roots are bookkeeping, not a format layer: the chain skips them,
 * and a container's path is shown only when it lives in a real file tree
 * (inside a stream or a carved blob the offset says it all). */
void fg_node_chain_buf(const fg_node *n, char *buf, size_t cap)
{
	const fg_node *roots[64];
	size_t k = 0;
	for (const fg_node *r = fg_node_fsroot(n); r && k < 64; ) {
		if (!(r->flags & FG_NODE_CARVE))
			roots[k++] = r;
		r = r->container ? fg_node_fsroot(r->container) : NULL;
	}
	size_t len = 0;
	if (cap == 0)
		return;
	buf[0] = '\0';
	while (k--) {
		const fg_node *r = roots[k];
		int w;
		if (!r->container) {
			w = snprintf(buf + len, cap - len, "%s", r->name);
		} else {
			char p[1024] = "";
			const fg_node *outer = fg_node_fsroot(r->container);
			bool in_tree = outer && (outer->flags & FG_NODE_FILESYSTEM);
			if (in_tree)
				fg_node_path(r->container, p, sizeof(p));
			w = snprintf(buf + len, cap - len, "%s%s%s%s@0x%llx",
				     len ? " > " : "", p, in_tree ? ":" : "",
				     r->format ? r->format : "?",
				     (unsigned long long)r->src_offset);
		}
		if (w < 0 || (size_t)w >= cap - len)
			break;
		len += (size_t)w;
	}
}

const char *fg_node_chain(fg_tree *t, const fg_node *n)
{
	char buf[4096];
	fg_node_chain_buf(n, buf, sizeof(buf));
	pthread_mutex_lock(&t->lock);
	const char *s = fg_arena_strdup(&t->arena, buf);
	pthread_mutex_unlock(&t->lock);
	return s;
}

/* Splits PATH into components and walks them from ROOT, expanding
 * symlinks in place. A small work buffer holds "rest of the path". HOPS
 * counts every link followed, hard links included, across the recursion
 * a hard link causes, so no cycle of either kind can run away. */
static fg_node *lookup(fg_node *root, const char *path, bool follow_last, unsigned *hops_io)
{
	char work[MAX_LOOKUP_PATH];
	size_t plen = strlen(path);
	if (plen >= sizeof(work))
		return NULL;
	memcpy(work, path, plen + 1);
	fg_node *cur = root;
	char *p = work;
	unsigned hops = *hops_io;

	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) {
			*hops_io = hops;
			return cur;
		}
		char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *rest = p + len;
		while (*rest == '/')
			rest++;
		bool last = *rest == '\0';

		if (len == 1 && p[0] == '.') {
			p = rest;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (cur != root && cur->parent)
				cur = cur->parent;
			p = rest;
			continue;
		}
		if (cur->type != FG_NODE_DIR)
			return NULL;
		fg_node *child = fg_node_find_child(cur, p, len);
		if (!child)
			return NULL;
		if (child->type == FG_NODE_SYMLINK && (!last || follow_last)) {
			if (++hops > MAX_SYMLINK_HOPS || !child->link_target)
				return NULL;
			/* new path = target + "/" + rest */
			char tmp[MAX_LOOKUP_PATH];
			int w = snprintf(tmp, sizeof(tmp), "%s%s%s", child->link_target,
					 *rest ? "/" : "", rest);
			if (w < 0 || (size_t)w >= sizeof(tmp))
				return NULL;
			memcpy(work, tmp, (size_t)w + 1);
			p = work;
			if (*p != '/')
				; /* relative: stays in cur */
			else
				cur = root;
			continue;
		}
		if (child->type == FG_NODE_HARDLINK && last) {
			if (++hops > MAX_SYMLINK_HOPS || !child->link_target)
				return NULL;
			*hops_io = hops;
			return lookup(root, child->link_target, follow_last, hops_io);
		}
		cur = child;
		p = rest;
	}
}

fg_node *fg_tree_lookup(fg_node *root, const char *path, bool follow_last)
{
	unsigned hops = 0;
	return lookup(root, path, follow_last, &hops);
}

const fg_node *fg_node_content(const fg_node *n)
{
	unsigned hops = 0;
	while (n && n->type == FG_NODE_HARDLINK && hops++ < MAX_SYMLINK_HOPS) {
		fg_node *root = (fg_node *)fg_node_fsroot(n);
		n = root && n->link_target ? fg_tree_lookup(root, n->link_target, false) : NULL;
	}
	return n && n->type == FG_NODE_FILE ? n : NULL;
}

const char *fg_range_kind_name(fg_range_kind kind)
{
	switch (kind) {
	case FG_RANGE_CHUNK: return "chunk";
	case FG_RANGE_PADDING: return "padding";
	case FG_RANGE_UNKNOWN: return "unknown";
	case FG_RANGE_HIGH_ENTROPY: return "high-entropy";
	}
	return "?";
}

const char *fg_node_type_name(fg_node_type type)
{
	switch (type) {
	case FG_NODE_FILE: return "file";
	case FG_NODE_DIR: return "dir";
	case FG_NODE_SYMLINK: return "symlink";
	case FG_NODE_HARDLINK: return "hardlink";
	case FG_NODE_CHR: return "chr";
	case FG_NODE_BLK: return "blk";
	case FG_NODE_FIFO: return "fifo";
	case FG_NODE_SOCK: return "sock";
	}
	return "?";
}

void fg_tree_walk(fg_node *root, fg_walk_fn fn, void *ud)
{
	FG_VEC(fg_node *) stack = {0};
	if (!FG_VEC_PUSH(&stack, root))
		return;
	while (stack.n) {
		fg_node *n = stack.v[--stack.n];
		if (!fn(n, ud))
			continue;
		if (n->unpacked && !FG_VEC_PUSH(&stack, n->unpacked))
			break;
		/* push in reverse so children come out in name order */
		for (size_t i = n->nchildren; i-- > 0;)
			if (!FG_VEC_PUSH(&stack, n->children[i]))
				goto out;
	}
out:
	FG_VEC_FREE(&stack);
}
