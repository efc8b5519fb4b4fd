/*
 * archive_common.c - archive entries (tar, cpio, zip, 7z, ar) into the
 * file tree, through libarchive.
 *
 * One reader per container: exactly one format enabled and no filters
 * (compression is a layer of its own in the engine), reading straight from
 * the mapped content. Entries arrive in archive order, and the archive
 * formats allow things a file tree does not, so this file decides:
 *
 *   - Paths lose leading "/" and "./"; ".." is refused by fg_unpack_add.
 *     The archive's own "." entry gives its metadata to the extraction
 *     root (a rootfs tarball's "/").
 *   - A path seen twice is one node: a directory entry after its children
 *     updates the directory's metadata; any other later entry replaces the
 *     earlier one (tar --append semantics).
 *   - Hard links become FG_NODE_HARDLINK nodes naming the node that holds
 *     the content. cpio newc stores a linked inode as several entries of
 *     which only the last carries the data: that data is given to the
 *     first name (which the others already point at). When a later entry
 *     replaces a link's target, the links keep the old content, as they
 *     would on disk. A link never points at another link, so the tree has
 *     no link cycles, whatever the archive says.
 *   - Content is copied into budget-charged buffers, never more than the
 *     archive can actually hold (stored formats) or than the expansion
 *     budget allows (compressed ones). A stored format whose reader hands
 *     out slices of the input gets nodes pointing at them instead.
 *   - Encrypted entries get a node without content and a note: the
 *     listing is still worth having, and no passphrase is tried.
 *   - root->src_length is what the reader consumed, rounded to the
 *     format's alignment: bytes after the archive are not claimed.
 */
#include "unpack/archive_common.h"

#include <archive.h>
#include <archive_entry.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"
#include "unpack/stream.h"

#define ARC_PATH_MAX 4096        /* longer names are refused: lookups cannot reach them */
#define ARC_CHUNK (1u << 20)     /* archive_read_data() call size */
#define ARC_LINK_HOPS 8
#define ARC_MAX_WARNINGS 16      /* libarchive warnings reported per archive */
#define ARC_NONE SIZE_MAX
#define ARC_EMPTY_BLOCKS 65536   /* empty content blocks in a row before giving up */

/* A hard link we made, chained with the other links to the same target. */
typedef struct arc_link {
	fg_node *link;
	const char *target_str;  /* the link_target we set: a differing one means replaced */
	size_t next;             /* next link to the same target, or ARC_NONE */
} arc_link;

/* Open-addressing table: target node -> its chain of links. */
typedef struct arc_target {
	const fg_node *node;     /* NULL: free slot */
	size_t head;
} arc_target;

typedef struct arc_state {
	fg_unpack_ctx *ctx;
	fg_tree *tree;
	fg_node *root;
	struct archive *a;
	size_t len;
	FG_VEC(arc_link) links;
	arc_target *targets;
	size_t ntargets, captargets;   /* captargets: a power of two */
	unsigned warnings;
	uint64_t entries;              /* headers read */
	const fg_arc_kind *kind;
	const uint8_t *base;           /* the input, for content read in place */
	uint64_t unread;               /* content left for the reader to skip */
	const char *stop;              /* why we stopped reading, when it was us */
} arc_state;

/* Entry content as read, before it is given to a node. */
typedef struct arc_content {
	const uint8_t *data;
	size_t len;
	uint64_t size;           /* as the header declares it */
	char why[200];           /* set when len < size */
} arc_content;

/* ---- paths ---------------------------------------------------------- */

/* Canonical relative form of an archive path into OUT: no leading "/",
 * no empty or "." components ("./a//b/" -> "a/b"). ".." components are
 * kept for fg_unpack_add to refuse with a note. Returns false when the
 * result does not fit. */
static bool clean_path(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	const char *p = in;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		if (!(n == 1 && p[0] == '.')) {
			if (o + 1 + n >= cap)
				return false;
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p = end;
	}
	out[o] = '\0';
	return true;
}

/* The node at clean PATH, through directories only (symlinks are not
 * followed: archive paths name entries, not what they point to). */
static fg_node *find_literal(fg_node *root, const char *path)
{
	fg_node *cur = root;
	const char *p = path;
	if (!*p)
		return NULL;
	for (;;) {
		const char *end = strchrnul(p, '/');
		if (cur->type != FG_NODE_DIR)
			return NULL;
		cur = fg_node_find_child(cur, p, (size_t)(end - p));
		if (!cur || !*end)
			return cur;
		p = end + 1;
	}
}

static const char *tree_strdup(arc_state *s, const char *str)
{
	pthread_mutex_lock(&s->tree->lock);
	const char *r = fg_arena_strdup(&s->tree->arena, str);
	pthread_mutex_unlock(&s->tree->lock);
	return r;
}

/* ---- the link table ------------------------------------------------- */

static size_t ptr_hash(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p >> 4;
	x *= 0x9e3779b97f4a7c15ull;
	return (size_t)(x ^ (x >> 29));
}

static bool grow_targets(arc_state *s)
{
	size_t cap = s->captargets ? s->captargets * 2 : 64;
	arc_target *t = calloc(cap, sizeof(*t));
	if (!t)
		return false;
	for (size_t i = 0; i < s->captargets; i++) {
		arc_target *o = &s->targets[i];
		if (!o->node)
			continue;
		size_t j = ptr_hash(o->node) & (cap - 1);
		while (t[j].node)
			j = (j + 1) & (cap - 1);
		t[j] = *o;
	}
	free(s->targets);
	s->targets = t;
	s->captargets = cap;
	return true;
}

static arc_target *target_slot(arc_state *s, const fg_node *n, bool insert)
{
	if (insert && (s->ntargets + 1) * 2 > s->captargets && !grow_targets(s))
		return NULL;
	if (!s->captargets)
		return NULL;
	size_t mask = s->captargets - 1;
	for (size_t i = ptr_hash(n) & mask;; i = (i + 1) & mask) {
		arc_target *t = &s->targets[i];
		if (t->node == n)
			return t;
		if (!t->node) {
			if (!insert)
				return NULL;
			t->node = n;
			t->head = ARC_NONE;
			s->ntargets++;
			return t;
		}
	}
}

static void remember_link(arc_state *s, fg_node *link, fg_node *target)
{
	arc_target *t = target_slot(s, target, true);
	if (!t)
		goto oom;
	arc_link l = { link, link->link_target, t->head };
	if (!FG_VEC_PUSH(&s->links, l))
		goto oom;
	t->head = s->links.n - 1;
	return;
oom:
	/* the link still resolves; it just would not survive a replacement */
	fg_unpack_truncated(s->ctx, link, "out of memory tracking hard links");
}

/* DST becomes a stand-alone copy of SRC's inode (content is shared). */
static void copy_inode(fg_node *dst, const fg_node *src)
{
	dst->type = src->type;
	dst->mode = src->mode;
	dst->uid = src->uid;
	dst->gid = src->gid;
	dst->mtime = src->mtime;
	dst->size = src->size;
	dst->link_target = src->link_target;
	dst->dev_major = src->dev_major;
	dst->dev_minor = src->dev_minor;
	dst->data = src->data;
	dst->data_len = src->data_len;
	dst->flags = (dst->flags & ~FG_NODE_TRUNCATED) | (src->flags & FG_NODE_TRUNCATED);
	dst->note = src->note;
}

/* X is about to be overwritten by a later entry of its path. Links made
 * to it keep what they linked to, as on disk (where replacing a name
 * does not touch the inode): each becomes a copy of X as it is now.
 * Otherwise an archive could hide content behind a later harmless entry. */
static void detach_links(arc_state *s, fg_node *x)
{
	arc_target *t = target_slot(s, x, false);
	if (!t)
		return;
	for (size_t i = t->head; i != ARC_NONE; i = s->links.v[i].next) {
		arc_link *l = &s->links.v[i];
		if (l->link->type == FG_NODE_HARDLINK && l->link->link_target == l->target_str)
			copy_inode(l->link, x);
	}
	t->head = ARC_NONE;
}

/* ---- nodes ---------------------------------------------------------- */

/* Finds or creates the node for clean PATH, ready for an entry of TYPE.
 * NULL when the entry is skipped (the reason is recorded). */
static fg_node *place(arc_state *s, const char *path, fg_node_type type)
{
	fg_node *n = fg_unpack_add(s->ctx, s->root, path, type);
	if (!n)
		return NULL;
	if (n->type == FG_NODE_DIR && type == FG_NODE_DIR)
		return n; /* seen before (maybe as a parent): keep the children */
	if (n->type == FG_NODE_DIR && n->nchildren > 0) {
		fg_unpack_truncated(s->ctx, n, "later %s entry for this directory ignored",
				    fg_node_type_name(type));
		return NULL;
	}
	detach_links(s, n);
	n->type = type;
	n->size = 0;
	n->link_target = NULL;
	n->dev_major = n->dev_minor = 0;
	n->data = NULL;
	n->data_len = 0;
	n->flags &= ~FG_NODE_TRUNCATED;
	n->note = NULL;
	return n;
}

static uint32_t clamp_u32(int64_t v)
{
	/* out-of-range ids become -1 ("nobody"), never a wrapped small id */
	return v < 0 || v > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static uint32_t clamp_dev(unsigned long long v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static void set_meta(fg_node *n, struct archive_entry *e)
{
	n->mode = archive_entry_mode(e) & 07777;
	n->uid = clamp_u32(archive_entry_uid(e));
	n->gid = clamp_u32(archive_entry_gid(e));
	n->mtime = archive_entry_mtime(e);
}

static fg_node_type type_of(struct archive_entry *e)
{
	switch (archive_entry_filetype(e)) {
	case AE_IFDIR: return FG_NODE_DIR;
	case AE_IFLNK: return FG_NODE_SYMLINK;
	case AE_IFCHR: return FG_NODE_CHR;
	case AE_IFBLK: return FG_NODE_BLK;
	case AE_IFIFO: return FG_NODE_FIFO;
	case AE_IFSOCK: return FG_NODE_SOCK;
	default: return FG_NODE_FILE; /* unknown types: the content is what matters */
	}
}

/* libarchive gives names in the locale's charset; when a name cannot be
 * converted, the UTF-8 form still names the entry. */
static const char *entry_path(struct archive_entry *e)
{
	const char *p = archive_entry_pathname(e);
	return p ? p : archive_entry_pathname_utf8(e);
}

static const char *entry_symlink(struct archive_entry *e)
{
	const char *p = archive_entry_symlink(e);
	return p ? p : archive_entry_symlink_utf8(e);
}

static const char *entry_hardlink(struct archive_entry *e)
{
	const char *p = archive_entry_hardlink(e);
	return p ? p : archive_entry_hardlink_utf8(e);
}

/* ---- content -------------------------------------------------------- */

static uint64_t consumed(arc_state *s)
{
	la_int64_t pos = archive_filter_bytes(s->a, -1);
	return pos > 0 ? (uint64_t)pos : 0;
}

/* How many bytes of the entry's C->size are worth a buffer. Without
 * filters every stored byte is in the input, so more than what is left
 * of it cannot be there: a header lying about its size gets no more than
 * the input holds. Sparse entries expand holes, so they are held to the
 * expansion ratio instead. C->why says why when it is less. */
static uint64_t content_want(arc_state *s, struct archive_entry *e, arc_content *c)
{
	const fg_budget *b = fg_unpack_budget(s->ctx);
	if (c->size > b->limits.max_file_size) {
		snprintf(c->why, sizeof(c->why), "file of %llu bytes is over the per-file limit (%llu)",
			 (unsigned long long)c->size, (unsigned long long)b->limits.max_file_size);
		return 0;
	}
	if (archive_entry_sparse_count(e) > 0 || s->kind->compressed) {
		uint64_t cap = fg_budget_output_cap(b, s->len);
		if (c->size <= cap)
			return c->size;
		snprintf(c->why, sizeof(c->why), "%s of %llu bytes expanded to %llu only: "
			 "expansion limit", s->kind->compressed ? "file" : "sparse file",
			 (unsigned long long)c->size, (unsigned long long)cap);
		return cap;
	}
	uint64_t pos = consumed(s);
	uint64_t left = pos < s->len ? s->len - pos : 0;
	if (left == 0)
		snprintf(c->why, sizeof(c->why), "content of %llu bytes missing: the archive ends first",
			 (unsigned long long)c->size);
	return c->size < left ? c->size : left;
}

/* BLK..BLK+N lies inside the input. */
static bool in_input(const arc_state *s, const void *blk, size_t n)
{
	uintptr_t p = (uintptr_t)blk, b = (uintptr_t)s->base;
	return s->base && p >= b && p - b <= s->len && n <= s->len - (p - b);
}

/* Content of a stored format: as long as the reader's blocks are
 * consecutive slices of the input, the content is that slice; the first
 * block that is not turns it into a copy. Returns libarchive's status. */
static int read_in_place(arc_state *s, uint64_t want, arc_content *c)
{
	const uint8_t *slice = NULL;
	uint8_t *buf = NULL;
	size_t got = 0;
	int rc = ARCHIVE_OK;
	while (got < want) {
		const void *blk;
		size_t n;
		la_int64_t off;
		rc = archive_read_data_block(s->a, &blk, &n, &off);
		if (rc == ARCHIVE_EOF) {
			rc = ARCHIVE_OK;
			break;
		}
		if (rc < ARCHIVE_WARN)
			break;
		if (off < 0 || (uint64_t)off != got) {
			/* stored formats have no holes: a jump means damage */
			snprintf(c->why, sizeof(c->why), "content block out of order");
			break;
		}
		if (n > want - got)
			n = (size_t)(want - got);
		if (!buf && in_input(s, blk, n) && (!slice || (const uint8_t *)blk == slice + got)) {
			if (!slice)
				slice = blk;
			got += n;
			continue;
		}
		if (!buf) {
			buf = fg_unpack_alloc(s->ctx, (size_t)want);
			if (!buf) {
				snprintf(c->why, sizeof(c->why),
					 "content of %llu bytes not extracted: byte budget spent",
					 (unsigned long long)want);
				break;
			}
			if (got)
				memcpy(buf, slice, got);
		}
		memcpy(buf + got, blk, n);
		got += n;
	}
	c->data = buf ? buf : slice;
	c->len = got;
	if (got < c->size && !c->why[0]) {
		const char *err = rc < ARCHIVE_WARN ? archive_error_string(s->a) : NULL;
		snprintf(c->why, sizeof(c->why), "content cut short: %zu of %llu bytes%s%s", got,
			 (unsigned long long)c->size, err ? ": " : "", err ? err : "");
	}
	return rc < ARCHIVE_WARN ? rc : ARCHIVE_OK;
}

/* Content of a compressed entry. The buffer grows with what the reader
 * actually produces, up to LIMIT: a header lying about its size gets no
 * more of the budget than its data is worth. SIZED: the header gave a
 * size; else (a zip entry streamed with a data descriptor) the content
 * is whatever comes out. */
static int read_growing(arc_state *s, arc_content *c, uint64_t limit, bool sized)
{
	fg_outbuf o;
	fg_outbuf_init(&o, s->ctx, s->len);
	if (limit < o.cap)
		o.cap = limit;
	int k = ARCHIVE_OK;
	bool full = false;
	unsigned empty = 0;
	/* blocks, not archive_read_data(): a block that fails a check (a
	 * size or CRC mismatch at the end) still carries its data */
	while (!sized || o.len < limit) {
		const void *blk;
		size_t n;
		la_int64_t off;
		int r = archive_read_data_block(s->a, &blk, &n, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN && n == 0) {
			k = r;
			break;
		}
		if (off < 0 || (uint64_t)off < o.len) {
			snprintf(c->why, sizeof(c->why), "content block out of order");
			break;
		}
		/* a hole before the block reads as zeros */
		uint64_t end = (uint64_t)off + n;
		if (end > limit) {
			end = limit;
			full = true;
		}
		if (end > o.len && !fg_outbuf_grow(&o, s->ctx, (size_t)(end - o.len))) {
			full = true;
			break;
		}
		if (end > o.reserved) {
			end = o.reserved;
			full = true;
		}
		if (end > o.len) {
			size_t data_at = (uint64_t)off < end ? (size_t)off : (size_t)end;
			memset(o.data + o.len, 0, data_at - o.len);
			memcpy(o.data + data_at, blk, (size_t)end - data_at);
			o.len = (size_t)end;
			empty = 0;
		} else if (++empty > ARC_EMPTY_BLOCKS) {
			/* the reader keeps handing out nothing: stop asking */
			k = ARCHIVE_FAILED;
			archive_set_error(s->a, 0, "no progress reading content");
			break;
		}
		if (r < ARCHIVE_WARN) {
			k = r;
			break;
		}
		if (full)
			break;
	}
	if (!sized)
		c->size = o.len;
	if (k < 0) {
		const char *err = archive_error_string(s->a);
		snprintf(c->why, sizeof(c->why), "content cut short after %zu bytes%s%s", o.len,
			 err ? ": " : "", err ? err : "");
	} else if (c->why[0]) {
		/* content_want already said why LIMIT is short of the size */
	} else if (full && !sized) {
		snprintf(c->why, sizeof(c->why), "content cut at %zu bytes: expansion limit", o.len);
	} else if (full) {
		snprintf(c->why, sizeof(c->why), "content cut at %zu of %llu bytes: byte budget spent",
			 o.len, (unsigned long long)c->size);
	} else if (sized && o.len < c->size) {
		snprintf(c->why, sizeof(c->why), "content cut short: %zu of %llu bytes", o.len,
			 (unsigned long long)c->size);
	}
	if (o.len == 0) {
		fg_outbuf_discard(&o, s->ctx);
		return k < 0 ? (int)k : ARCHIVE_OK;
	}
	uint8_t *shrunk = realloc(o.data, o.len);
	if (shrunk)
		o.data = shrunk;
	size_t used = o.len;
	if (fg_unpack_keep(s->ctx, o.data, o.len, o.reserved)) {
		c->data = o.data;
		c->len = used;
	} else if (!c->why[0]) {
		snprintf(c->why, sizeof(c->why), "out of memory");
	}
	return k < 0 ? (int)k : ARCHIVE_OK;
}

/* Reads the current entry's content. Returns libarchive's status: only
 * ARCHIVE_FATAL stops the archive; anything short is explained in C. */
static int read_content(arc_state *s, struct archive_entry *e, arc_content *c)
{
	la_int64_t declared = archive_entry_size(e);
	memset(c, 0, sizeof(*c));
	c->size = declared > 0 ? (uint64_t)declared : 0;
	if (archive_entry_is_data_encrypted(e)) {
		/* no passphrase is tried: the entry is listed, not read (and
		 * skipping it cannot mean decompressing it) */
		snprintf(c->why, sizeof(c->why), "encrypted entry");
		return ARCHIVE_OK;
	}
	if (s->kind->compressed && !archive_entry_size_is_set(e)) {
		uint64_t cap = fg_budget_output_cap(fg_unpack_budget(s->ctx), s->len);
		if (cap)
			return read_growing(s, c, cap, false);
		snprintf(c->why, sizeof(c->why), "content not extracted: byte budget spent");
		return ARCHIVE_OK;
	}
	if (c->size == 0)
		return ARCHIVE_OK;
	uint64_t want = content_want(s, e, c);
	s->unread += c->size - want;
	if (want == 0)
		return ARCHIVE_OK;
	if (s->kind->compressed)
		return read_growing(s, c, want, true);
	if (s->kind->in_place && archive_entry_sparse_count(e) == 0)
		return read_in_place(s, want, c);
	uint8_t *buf = fg_unpack_alloc(s->ctx, (size_t)want);
	if (!buf) {
		snprintf(c->why, sizeof(c->why), "content of %llu bytes not extracted: byte budget spent",
			 (unsigned long long)want);
		return ARCHIVE_OK;
	}
	size_t got = 0;
	la_ssize_t k = 0;
	while (got < want) {
		size_t chunk = want - got < ARC_CHUNK ? (size_t)(want - got) : ARC_CHUNK;
		k = archive_read_data(s->a, buf + got, chunk);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	c->data = buf;
	c->len = got;
	if (got < c->size && !c->why[0]) {
		const char *err = k < 0 ? archive_error_string(s->a) : NULL;
		snprintf(c->why, sizeof(c->why), "content cut short: %zu of %llu bytes%s%s", got,
			 (unsigned long long)c->size, err ? ": " : "", err ? err : "");
	}
	return k < 0 ? (int)k : ARCHIVE_OK;
}

static void give_content(arc_state *s, fg_node *n, const arc_content *c)
{
	n->data = c->data;
	n->data_len = c->len;
	n->size = c->size;
	if (c->why[0])
		fg_unpack_truncated(s->ctx, n, "%s", c->why);
}

static bool same_content(const fg_node *n, const arc_content *c)
{
	return n->size == c->size && n->data_len == c->len && !(n->flags & FG_NODE_TRUNCATED) &&
	       !c->why[0] && (c->len == 0 || memcmp(n->data, c->data, c->len) == 0);
}

/* ---- entries -------------------------------------------------------- */

/* The node that holds the inode the hard link at clean PATH names, and
 * (in *HOLDER_PATH) a path that reaches it. NULL when there is none. */
static fg_node *link_holder(arc_state *s, const char *path, const char **holder_path)
{
	*holder_path = path;
	fg_node *n = find_literal(s->root, path);
	for (unsigned hops = 0; n && n->type == FG_NODE_HARDLINK; hops++) {
		if (hops == ARC_LINK_HOPS || !n->link_target)
			return NULL;
		*holder_path = n->link_target;
		n = find_literal(s->root, n->link_target);
	}
	return n && n->type != FG_NODE_DIR ? n : NULL;
}

/* A hard-link entry whose target HOLDER exists. Returns the archive
 * status of reading its content. */
static int add_link(arc_state *s, struct archive_entry *e, const char *path,
		    fg_node *holder, const char *holder_path)
{
	fg_node *n = place(s, path, FG_NODE_HARDLINK);
	if (!n)
		return ARCHIVE_OK;
	set_meta(n, e);
	arc_content c;
	int rc = read_content(s, e, &c);
	if (c.size > 0 && holder->type == FG_NODE_FILE) {
		if (holder->size == 0 && holder->data_len == 0) {
			/* cpio newc: the last name of an inode carries its data */
			set_meta(holder, e);
			give_content(s, holder, &c);
		} else if (!same_content(holder, &c)) {
			/* not the same inode after all (odc/bin inode numbers
			 * are truncated): keep both contents */
			n->type = FG_NODE_FILE;
			give_content(s, n, &c);
			return rc;
		}
	}
	n->link_target = tree_strdup(s, holder_path);
	if (!n->link_target) {
		fg_unpack_truncated(s->ctx, n, "out of memory");
		return rc;
	}
	remember_link(s, n, holder);
	return rc;
}

/* An entry of TYPE at PATH; *OUT (if given) gets its node, NULL when
 * the entry was skipped. */
static int add_plain(arc_state *s, struct archive_entry *e, const char *path, fg_node_type type,
		     fg_node **out)
{
	fg_node *n = place(s, path, type);
	if (out)
		*out = n;
	if (!n)
		return ARCHIVE_OK;
	set_meta(n, e);
	switch (type) {
	case FG_NODE_FILE: {
		arc_content c;
		int rc = read_content(s, e, &c);
		give_content(s, n, &c);
		return rc;
	}
	case FG_NODE_SYMLINK: {
		const char *t = entry_symlink(e);
		n->link_target = tree_strdup(s, t ? t : "");
		if (!n->link_target)
			fg_unpack_truncated(s->ctx, n, "out of memory for the symlink target");
		else
			n->size = strlen(n->link_target);
		return ARCHIVE_OK;
	}
	case FG_NODE_CHR:
	case FG_NODE_BLK:
		n->dev_major = clamp_dev(archive_entry_rdevmajor(e));
		n->dev_minor = clamp_dev(archive_entry_rdevminor(e));
		return ARCHIVE_OK;
	default:
		return ARCHIVE_OK;
	}
}

static void note_warning(arc_state *s, const char *what)
{
	if (s->warnings < ARC_MAX_WARNINGS)
		fg_unpack_truncated(s->ctx, s->root, "%s", what ? what : "archive warning");
	else if (s->warnings == ARC_MAX_WARNINGS)
		fg_unpack_truncated(s->ctx, s->root, "further archive warnings not reported");
	s->warnings++;
}

/* Hard-link entry: a link to the holder of its target, or, when the
 * target is not in the tree, an entry of its own type. */
static int add_hardlink_entry(arc_state *s, struct archive_entry *e, const char *path,
			      const char *target, fg_node_type type)
{
	char tpath[ARC_PATH_MAX];
	const char *holder_path = NULL;
	fg_node *holder = NULL;
	if (clean_path(target, tpath, sizeof(tpath)))
		holder = link_holder(s, tpath, &holder_path);
	if (holder && holder == find_literal(s->root, path)) {
		note_warning(s, "hard link to itself ignored");
		return ARCHIVE_OK;
	}
	if (holder)
		return add_link(s, e, path, holder, holder_path);
	fg_node *n;
	int rc = add_plain(s, e, path, type, &n);
	if (n && type == FG_NODE_FILE && n->size == 0)
		fg_unpack_truncated(s->ctx, n, "hard link target not in the archive: %.200s", target);
	return rc;
}

/* libarchive converts names to the locale's charset and warns when it
 * cannot; it still hands over the raw bytes, which is what the tree
 * wants (names are bytes), so that warning says nothing is missing. */
static bool charset_warning(const char *msg)
{
	return msg && strstr(msg, "can't be converted");
}

/* The reader is about to skip what we left unread. When skipping means
 * decompressing, more than the expansion budget of it is refused: the
 * archive is abandoned rather than let a bomb run unseen. */
static bool skip_too_costly(arc_state *s)
{
	if (!s->kind->costly_skip)
		return false;
	uint64_t cap = fg_budget_output_cap(fg_unpack_budget(s->ctx), s->len);
	if (s->unread <= cap)
		return false;
	s->stop = "stopped: reaching later entries would mean decompressing more content than "
		  "the expansion budget allows";
	return true;
}

/* Adds one entry. Returns false when the archive cannot be read further. */
static bool add_entry(arc_state *s, struct archive_entry *e)
{
	const char *raw = entry_path(e);
	char path[ARC_PATH_MAX];
	if (!raw) {
		note_warning(s, "entry without a usable name skipped");
		return true;
	}
	if (s->kind->skip && s->kind->skip(raw))
		return true;
	if (!clean_path(raw, path, sizeof(path))) {
		fg_unpack_truncated(s->ctx, s->root, "entry name of %zu bytes refused: %.100s...",
				    strlen(raw), raw);
		return true;
	}
	fg_node_type type = type_of(e);
	if (!path[0]) {
		/* "." or "/": the archive's own root directory */
		if (type == FG_NODE_DIR)
			set_meta(s->root, e);
		else
			note_warning(s, "non-directory entry without a name skipped");
		return true;
	}
	const char *link = entry_hardlink(e);
	int rc;
	if (link && type != FG_NODE_DIR)
		rc = add_hardlink_entry(s, e, path, link, type);
	else
		rc = add_plain(s, e, path, type, NULL);
	if (rc == ARCHIVE_FATAL)
		return false;
	return !skip_too_costly(s);
}

/* ---- the archive ---------------------------------------------------- */

static void set_extent(arc_state *s, const fg_arc_kind *kind, int format)
{
	uint64_t used = consumed(s);
	uint64_t align = kind->align ? kind->align(format) : 1;
	if (align > 1 && used % align)
		used += align - used % align;
	s->root->src_length = used < s->len ? used : s->len;
}

/* Reads entries until the end-of-archive marker (true) or until the
 * archive cannot be read further (false, with libarchive's reason in
 * *ERR). *FORMAT gets the variant code. */
static bool read_entries(arc_state *s, int *format, const char **err)
{
	for (;;) {
		struct archive_entry *e;
		if (s->kind->header_sane) {
			uint64_t at = consumed(s);
			if (at < s->len && !s->kind->header_sane(s->base + at, s->len - (size_t)at)) {
				*err = "a header claims more than the archive holds";
				return false;
			}
		}
		int r = archive_read_next_header(s->a, &e);
		if (r == ARCHIVE_EOF)
			return true;
		/* RETRY is a damaged header: stop rather than risk re-reading it */
		if (r < ARCHIVE_WARN || r == ARCHIVE_RETRY) {
			*err = archive_error_string(s->a);
			return false;
		}
		/* libarchive reports the variant per header (a pax archive has
		 * plain ustar headers too); the highest code is the most
		 * specific one seen */
		if (archive_format(s->a) > *format)
			*format = archive_format(s->a);
		if (r == ARCHIVE_WARN && !charset_warning(archive_error_string(s->a)))
			note_warning(s, archive_error_string(s->a));
		s->entries++;
		if (!add_entry(s, e)) {
			*err = s->stop ? s->stop : archive_error_string(s->a);
			return false;
		}
	}
}

int fg_archive_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len,
		      const fg_arc_kind *kind)
{
	arc_state s = { .ctx = ctx, .tree = fg_unpack_tree(ctx), .root = root, .len = len,
			.kind = kind, .base = data };
	s.a = archive_read_new();
	if (!s.a) {
		fg_unpack_fail(ctx, "out of memory");
		return -1;
	}
	/* libarchive does not write through the buffer; the cast is its API */
	if (kind->enable(s.a) != ARCHIVE_OK ||
	    archive_read_open_memory(s.a, (void *)data, len) != ARCHIVE_OK) {
		fg_unpack_fail(ctx, "cannot open: %s", archive_error_string(s.a));
		archive_read_free(s.a);
		return -1;
	}
	int format = 0;
	const char *err = NULL;
	bool ended = read_entries(&s, &format, &err);
	if (format && kind->variant)
		root->format_info = kind->variant(format);
	set_extent(&s, kind, format);
	int rc = 0;
	if (!ended && s.entries == 0) {
		fg_unpack_fail(ctx, "unreadable: %s", err ? err : "unknown error");
		rc = -1;
	} else if (!ended) {
		fg_unpack_truncated(ctx, root, "archive damaged or truncated after %llu entries: %s",
				    (unsigned long long)s.entries, err ? err : "unknown error");
	}
	archive_read_free(s.a);
	FG_VEC_FREE(&s.links);
	free(s.targets);
	return rc;
}
