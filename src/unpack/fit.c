/*
 * fit.c - U-Boot FIT images (Flattened Image Tree).
 *
 * A FIT is a flattened device tree whose /images node holds the parts of
 * a boot image (kernel, device trees, ramdisk, firmware...) and whose
 * /configurations node says which parts boot together, with hashes and
 * signatures. Each image's bytes are either inside the tree (a "data"
 * property) or stored after it: "data-offset" counts from the end of the
 * tree rounded up to 4 bytes, "data-position" from the start of the FIT,
 * both with "data-size".
 *
 * Each image comes out as a file named after its node ("kernel-1"), left
 * as stored; the structure comes out as "fit.its.txt", every node with its
 * properties in .its-like text (descriptions, types, compression,
 * load/entry, hash algorithms, signature nodes and their "required" or
 * "sign-images" properties), so later checks can see how the boot chain
 * is protected.
 *
 * libfdt does the parsing, and only after fdt_check_full() accepted the
 * whole structure against the buffer length. libfdt also insists on an
 * 8-byte aligned blob: a FIT carved at an odd offset is parsed from an
 * aligned copy, and what comes out still points into the original.
 *
 * A device tree without /images is not a FIT: probe gives it the lowest
 * score, so a device-tree handler can take it, and unpack leaves it alone.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "core/cursor.h"
#include "unpack/format.h"

#define FIT_HEADER 40               /* struct fdt_header */
#define FIT_MAX_COPY (512u << 20)   /* largest unaligned tree we copy to parse */
#define FIT_MAX_NODES 100000        /* nodes listed in fit.its.txt */
#define FIT_MAX_IMAGES 4096
#define FIT_ITS_MAX (1u << 20)      /* size of fit.its.txt */
#define FIT_SHOW_MAX 64             /* property bytes shown as values */
#define FIT_INDENT_MAX 32

/* ---- the blob, aligned for libfdt --------------------------------------- */

typedef struct fit_blob {
	const uint8_t *orig;   /* the chunk as the engine gave it */
	size_t len;            /* bytes of chunk present */
	const void *fdt;       /* what libfdt reads: ORIG or COPY */
	uint8_t *copy;
	uint32_t totalsize;
	size_t ext_base;       /* where "data-offset" counts from */
} fit_blob;

/* The header's blocks lie inside the tree and its version is one libfdt
 * reads: cheap, and done before an unaligned tree is copied. */
static bool header_sane(const uint8_t *h, uint32_t total)
{
	uint32_t off_struct = fg_load_u32be(h + 8), off_strings = fg_load_u32be(h + 12);
	uint32_t off_rsv = fg_load_u32be(h + 16), version = fg_load_u32be(h + 20);
	uint32_t last_comp = fg_load_u32be(h + 24), size_strings = fg_load_u32be(h + 32);
	uint32_t size_struct = fg_load_u32be(h + 36);
	if (version < 16 || version > 0x20 || last_comp > 17)
		return false;
	if (off_rsv < FIT_HEADER || off_rsv >= total || off_struct >= total || off_strings > total)
		return false;
	return size_struct <= total - off_struct && size_strings <= total - off_strings;
}

/* Validates the tree at DATA. Returns 0, or a libfdt error (negative). */
static int blob_open(fit_blob *b, const uint8_t *data, size_t len)
{
	memset(b, 0, sizeof(*b));
	b->orig = data;
	b->len = len;
	if (len < FIT_HEADER || fg_load_u32be(data) != FDT_MAGIC)
		return -FDT_ERR_BADMAGIC;
	b->totalsize = fg_load_u32be(data + 4);
	if (b->totalsize < FIT_HEADER || b->totalsize > len)
		return -FDT_ERR_TRUNCATED;
	if (!header_sane(data, b->totalsize))
		return -FDT_ERR_BADSTRUCTURE;
	b->fdt = data;
	if ((uintptr_t)data & 7) {
		if (b->totalsize > FIT_MAX_COPY)
			return -FDT_ERR_ALIGNMENT;
		b->copy = malloc(b->totalsize);
		if (!b->copy)
			return -FDT_ERR_NOSPACE;
		memcpy(b->copy, data, b->totalsize);
		b->fdt = b->copy;
	}
	b->ext_base = ((size_t)b->totalsize + 3) & ~(size_t)3;
	int err = fdt_check_full(b->fdt, b->totalsize);
	if (err) {
		free(b->copy);
		b->copy = NULL;
	}
	return err;
}

static void blob_close(fit_blob *b)
{
	free(b->copy);
	b->copy = NULL;
}

/* A pointer libfdt returned, as a pointer into the original chunk. */
static const uint8_t *in_orig(const fit_blob *b, const void *p)
{
	return b->orig + ((const uint8_t *)p - (const uint8_t *)b->fdt);
}

/* A big-endian 32-bit cell property, or false. */
static bool prop_u32(const fit_blob *b, int node, const char *name, uint32_t *v)
{
	int len = 0;
	const uint8_t *p = fdt_getprop(b->fdt, node, name, &len);
	if (!p || len != 4)
		return false;
	*v = fg_load_u32be(p);
	return true;
}

/* ---- where an image's bytes are ------------------------------------------ */

typedef struct fit_data {
	uint64_t start, size;  /* in the chunk */
	bool external;
	bool bad;              /* properties present but unusable */
} fit_data;

static fit_data image_data(const fit_blob *b, int node)
{
	fit_data d = { 0 };
	int len = 0;
	const void *p = fdt_getprop(b->fdt, node, "data", &len);
	if (p && len >= 0) {
		d.start = (uint64_t)(in_orig(b, p) - b->orig);
		d.size = (uint64_t)len;
		return d;
	}
	uint32_t off, size;
	bool has_size = prop_u32(b, node, "data-size", &size);
	if (prop_u32(b, node, "data-position", &off)) {
		d.start = off;
	} else if (prop_u32(b, node, "data-offset", &off)) {
		d.start = b->ext_base + (uint64_t)off;
	} else {
		d.bad = has_size;
		return d; /* no data at all */
	}
	d.external = true;
	if (!has_size) {
		d.bad = true;
		return d;
	}
	d.size = size;
	return d;
}

/* ---- probe ------------------------------------------------------------------ */

/* End of the FIT: the tree, or external data stored after it. Sets *OUT
 * when some external data lies past LEN. */
static uint64_t fit_end(const fit_blob *b, int images, bool *out)
{
	uint64_t end = b->totalsize;
	int node, count = 0;
	*out = false;
	fdt_for_each_subnode(node, b->fdt, images) {
		if (++count > FIT_MAX_IMAGES)
			break;
		fit_data d = image_data(b, node);
		if (!d.external || d.bad)
			continue;
		if (d.start + d.size > b->len) {
			*out = true;
			continue;
		}
		if (d.start + d.size > end)
			end = d.start + d.size;
	}
	/* mkimage pads every external image to 4 bytes, the last one too */
	if (end > b->totalsize && ((end + 3) & ~(uint64_t)3) <= b->len)
		end = (end + 3) & ~(uint64_t)3;
	return end;
}

static int fit_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	fit_blob b;
	if (blob_open(&b, data, len) != 0)
		return 0;
	int images = fdt_path_offset(b.fdt, "/images");
	if (images < 0) {
		/* a plain device tree: somebody else's */
		*chunk_len = b.totalsize;
		blob_close(&b);
		return 1;
	}
	bool out;
	uint64_t end = fit_end(&b, images, &out);
	*chunk_len = out ? len : end; /* truncated: unpack what is there */
	blob_close(&b);
	return out ? 60 : 90;
}

static const fg_magic fit_magics[] = {
	{ "\xd0\x0d\xfe\xed", 4, 0 },
	FG_MAGIC_END,
};

/* ---- fit.its.txt -------------------------------------------------------------- */

typedef struct text {
	char *buf;
	size_t len, cap;
	bool full;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
	if (t->full)
		return;
	va_list ap;
	va_start(ap, fmt);
	char tmp[512];
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t k = (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1;
	if (t->len + k > FIT_ITS_MAX) {
		t->full = true;
		return;
	}
	if (t->len + k + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		while (cap < t->len + k + 1)
			cap *= 2;
		char *p = realloc(t->buf, cap);
		if (!p) {
			t->full = true;
			return;
		}
		t->buf = p;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, tmp, k);
	t->len += k;
	t->buf[t->len] = '\0';
}

static void indent(text *t, int depth)
{
	for (int i = 0; i < depth && i < FIT_INDENT_MAX; i++)
		put(t, "\t");
}

/* NUL-separated printable strings, each non-empty. */
static bool is_strings(const uint8_t *p, int len)
{
	if (len <= 0 || p[len - 1] != '\0' || p[0] == '\0')
		return false;
	for (int i = 0; i < len - 1; i++) {
		if (p[i] == '\0') {
			if (p[i + 1] == '\0')
				return false;
		} else if (p[i] < 0x20 || p[i] >= 0x7f || p[i] == '"' || p[i] == '\\') {
			return false;
		}
	}
	return true;
}

static void put_value(text *t, const char *name, const uint8_t *p, int len)
{
	if (len == 0)
		return;
	if (!strcmp(name, "data") || len > FIT_SHOW_MAX) {
		put(t, " = [%d bytes]", len);
	} else if (is_strings(p, len)) {
		put(t, " = ");
		for (int i = 0; i < len; ) {
			const char *s = (const char *)p + i;
			put(t, "%s\"%s\"", i ? ", " : "", s);
			i += (int)strlen(s) + 1;
		}
	} else if (len % 4 == 0) {
		put(t, " = <");
		for (int i = 0; i < len; i += 4)
			put(t, "%s0x%08" PRIx32, i ? " " : "", fg_load_u32be(p + i));
		put(t, ">");
	} else {
		put(t, " = [");
		for (int i = 0; i < len; i++)
			put(t, "%s%02x", i ? " " : "", p[i]);
		put(t, "]");
	}
}

/* A node or property name as printable text. */
static void put_name(text *t, const char *name, int len)
{
	char buf[256];
	int k = 0;
	for (int i = 0; i < len && k < (int)sizeof(buf) - 1; i++) {
		unsigned char c = (unsigned char)name[i];
		buf[k++] = c > 0x20 && c < 0x7f ? (char)c : '?';
	}
	buf[k] = '\0';
	put(t, "%s", buf);
}

static void put_props(text *t, const fit_blob *b, int node, int depth)
{
	int prop;
	fdt_for_each_property_offset(prop, b->fdt, node) {
		const char *name;
		int nlen = 0, len = 0;
		const uint8_t *p = fdt_getprop_by_offset(b->fdt, prop, &name, &len);
		if (!p || !name)
			break;
		nlen = (int)strnlen(name, 255);
		indent(t, depth);
		put_name(t, name, nlen);
		put_value(t, name, p, len);
		put(t, ";\n");
	}
}

/* Every node in document order, with its properties. */
static void write_its(text *t, const fit_blob *b)
{
	int depth = 0, prev = 0, count = 0;
	put(t, "/dts-v1/;\n/* structure of the FIT image, as stored */\n\n");
	for (int node = 0; node >= 0; node = fdt_next_node(b->fdt, node, &depth)) {
		if (depth < 0)
			break; /* past the root's end */
		if (++count > FIT_MAX_NODES) {
			put(t, "/* listing cut: too many nodes */\n");
			break;
		}
		for (; prev >= depth && count > 1; prev--) {
			indent(t, prev);
			put(t, "};\n");
		}
		int nlen = 0;
		const char *name = fdt_get_name(b->fdt, node, &nlen);
		indent(t, depth);
		if (node == 0)
			put(t, "/");
		else if (name)
			put_name(t, name, nlen);
		put(t, " {\n");
		put_props(t, b, node, depth + 1);
		prev = depth;
	}
	for (; prev >= 0; prev--) {
		indent(t, prev);
		put(t, "};\n");
	}
}

/* ---- unpack ------------------------------------------------------------------- */

/* File name for an image node: its name with anything unsafe replaced. */
static void file_name(const char *name, int len, size_t index, char *out, size_t cap)
{
	size_t k = 0;
	for (int i = 0; name && i < len && k + 1 < cap; i++) {
		unsigned char c = (unsigned char)name[i];
		out[k++] = c > 0x20 && c < 0x7f && c != '/' ? (char)c : '_';
	}
	out[k] = '\0';
	if (k == 0 || !strcmp(out, ".") || !strcmp(out, "..") || !strcmp(out, "fit.its.txt"))
		snprintf(out, cap, "image-%zu", index);
}

static fg_node *add_unique(fg_unpack_ctx *ctx, fg_node *root, char *name, size_t cap)
{
	size_t base = strlen(name);
	for (unsigned i = 1; fg_node_find_child(root, name, strlen(name)); i++) {
		if (i > FIT_MAX_IMAGES)
			return NULL;
		snprintf(name + base, cap - base, "~%u", i);
	}
	return fg_unpack_add(ctx, root, name, FG_NODE_FILE);
}

typedef struct fit_stats {
	unsigned images, configs;
	bool signed_images, signed_configs;
} fit_stats;

static bool has_signature(const fit_blob *b, int parent)
{
	int node, sub, count = 0;
	fdt_for_each_subnode(node, b->fdt, parent) {
		if (++count > FIT_MAX_IMAGES)
			break;
		fdt_for_each_subnode(sub, b->fdt, node) {
			const char *n = fdt_get_name(b->fdt, sub, NULL);
			if (n && !strncmp(n, "signature", 9))
				return true;
		}
	}
	return false;
}

static void emit_image(fg_unpack_ctx *ctx, fg_node *root, const fit_blob *b, int node,
		       size_t index, int64_t mtime)
{
	int nlen = 0;
	const char *nname = fdt_get_name(b->fdt, node, &nlen);
	char name[300];
	file_name(nname, nlen, index, name, sizeof(name) - 16);
	fit_data d = image_data(b, node);
	if (d.bad) {
		fg_unpack_truncated(ctx, root, "image %s: data location unusable", name);
		return;
	}
	if (!d.size && !d.external && !fdt_getprop(b->fdt, node, "data", NULL))
		return; /* an image node without data (a placeholder) */
	fg_node *n = add_unique(ctx, root, name, sizeof(name));
	if (!n)
		return;
	n->mode = 0644;
	n->mtime = mtime;
	n->size = d.size;
	if (d.start >= b->len) {
		fg_unpack_truncated(ctx, n, "data at 0x%" PRIx64 " lies outside the image", d.start);
		return;
	}
	uint64_t have = b->len - d.start < d.size ? b->len - d.start : d.size;
	n->data = b->orig + d.start;
	n->data_len = (size_t)have;
	if (have < d.size)
		fg_unpack_truncated(ctx, n, "data cut at %" PRIu64 " of %" PRIu64 " bytes", have, d.size);
}

static void emit_its(fg_unpack_ctx *ctx, fg_node *root, const fit_blob *b, int64_t mtime)
{
	text t = { 0 };
	write_its(&t, b);
	fg_node *n = fg_unpack_add(ctx, root, "fit.its.txt", FG_NODE_FILE);
	if (n) {
		uint8_t *buf = t.len ? fg_unpack_alloc(ctx, t.len) : NULL;
		n->mode = 0644;
		n->mtime = mtime;
		n->size = t.len;
		if (buf) {
			memcpy(buf, t.buf, t.len);
			n->data = buf;
			n->data_len = t.len;
		} else if (t.len) {
			fg_unpack_truncated(ctx, n, "structure listing not kept: byte budget spent");
		}
		if (t.full)
			fg_unpack_truncated(ctx, n, "structure listing cut at %u bytes", FIT_ITS_MAX);
	}
	free(t.buf);
}

static int fit_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	fit_blob b;
	int err = blob_open(&b, data, len);
	if (err) {
		fg_unpack_fail(ctx, "not a usable flattened device tree: %s", fdt_strerror(err));
		return -1;
	}
	int images = fdt_path_offset(b.fdt, "/images");
	if (images < 0) {
		/* a plain device tree, not ours: nothing to say about it */
		blob_close(&b);
		return -1;
	}
	bool out;
	uint64_t end = fit_end(&b, images, &out);
	root->src_length = out ? len : end;
	if (out)
		fg_unpack_truncated(ctx, root, "image truncated: external data lies past the end");

	uint32_t ts = 0;
	int64_t mtime = prop_u32(&b, 0, "timestamp", &ts) ? ts : 0;
	fit_stats st = { 0 };
	int node;
	fdt_for_each_subnode(node, b.fdt, images) {
		if (st.images >= FIT_MAX_IMAGES) {
			fg_unpack_truncated(ctx, root, "more than %u images: the rest skipped", FIT_MAX_IMAGES);
			break;
		}
		emit_image(ctx, root, &b, node, st.images++, mtime);
	}
	int configs = fdt_path_offset(b.fdt, "/configurations");
	if (configs >= 0) {
		fdt_for_each_subnode(node, b.fdt, configs)
			if (++st.configs >= FIT_MAX_IMAGES)
				break;
		st.signed_configs = has_signature(&b, configs);
	}
	st.signed_images = has_signature(&b, images);
	emit_its(ctx, root, &b, mtime);

	char info[128];
	snprintf(info, sizeof(info), "%u image%s, %u configuration%s%s%s", st.images,
		 st.images == 1 ? "" : "s", st.configs, st.configs == 1 ? "" : "s",
		 st.signed_configs ? ", signed configurations" : "",
		 st.signed_images ? ", signed images" : "");
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);
	blob_close(&b);
	return 0;
}

const fg_format fg_format_fit = {
	.name = "fit",
	.kind = FG_FMT_WRAPPER,
	.magics = fit_magics,
	.probe = fit_probe,
	.unpack = fit_unpack,
};
