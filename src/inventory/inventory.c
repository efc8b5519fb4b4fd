/*
 * inventory.c - the inventory stage: which components the image carries.
 *
 * Per file tree, strongest source first: distribution identity files,
 * package databases (whose files are then not fingerprinted again),
 * then the signature pass over every other regular file (content and
 * file name), kernel module directories and BusyBox's applet table.
 * Then every blob outside the file trees (a decompressed kernel, a
 * bootloader in a flash dump) gets the signature pass over the bytes no
 * format claimed. Components are keyed by name, version and container;
 * evidence, files and properties accumulate on them, and at the end
 * they are frozen into the result, sorted.
 */
#include "inventory/inventory.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/result.h"
#include "inventory/inv_internal.h"

/* ---- building ---- */

inv_comp *fg_inv_comp(fg_inv *inv, const char *name, const char *version, const char *type)
{
	const char *container = inv->container ? inv->container : "";
	for (size_t i = inv->comps.n; i-- > 0;) {
		inv_comp *c = &inv->comps.v[i];
		if (!strcmp(c->name, name) && !strcmp(c->version, version) &&
		    !strcmp(c->container, container))
			return c;
	}
	if (inv->comps.n >= FG_INV_MAX_COMPONENTS)
		return NULL;
	inv_comp c = {
		.name = fg_arena_strdup(inv->arena, name),
		.version = fg_arena_strdup(inv->arena, version ? version : ""),
		.type = fg_arena_strdup(inv->arena, type ? type : "application"),
		.container = container,
	};
	if (!c.name || !c.version || !c.type || !FG_VEC_PUSH(&inv->comps, c))
		return NULL;
	return &inv->comps.v[inv->comps.n - 1];
}

void fg_inv_ids(fg_inv *inv, inv_comp *c, const char *cpe, const char *purl, const char *supplier)
{
	if (!c->cpe && cpe)
		c->cpe = fg_arena_strdup(inv->arena, cpe);
	if (!c->purl && purl)
		c->purl = fg_arena_strdup(inv->arena, purl);
	if (!c->supplier && supplier && *supplier)
		c->supplier = fg_arena_strdup(inv->arena, supplier);
}

void fg_inv_evidence(fg_inv *inv, inv_comp *c, const char *method, const char *where,
		     const char *text, int64_t offset, fg_confidence conf)
{
	for (size_t i = 0; i < c->ev.n; i++)
		if (!strcmp(c->ev.v[i].method, method) && !strcmp(c->ev.v[i].where, where ? where : ""))
			return; /* one per method and file is enough */
	if (c->ev.n >= FG_INV_MAX_EVIDENCE) {
		c->ev_dropped++;
		return;
	}
	fg_comp_evidence e = {
		.method = method,
		.where = fg_arena_strdup(inv->arena, where ? where : ""),
		.text = fg_arena_strdup(inv->arena, text ? text : ""),
		.offset = offset,
		.confidence = conf,
	};
	FG_VEC_PUSH(&c->ev, e);
}

static const char *sha256_hex(fg_arena *a, const uint8_t *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!EVP_Digest(data ? data : (const uint8_t *)"", len, md, &n, EVP_sha256(), NULL))
		return NULL;
	char hex[65];
	fg_hex(md, 32, hex);
	return fg_arena_strdup(a, hex);
}

void fg_inv_file(fg_inv *inv, inv_comp *c, const char *path, const fg_node *node)
{
	for (size_t i = 0; i < c->files.n; i++)
		if (!strcmp(c->files.v[i].path, path))
			return;
	if (c->files.n >= FG_INV_MAX_FILES)
		return;
	const fg_node *content = node ? fg_node_content(node) : NULL;
	bool complete = content && content->data_len == content->size;
	fg_comp_file f = {
		.path = fg_arena_strdup(inv->arena, path),
		/* a truncated file's digest would name bytes the device never had */
		.sha256 = complete ? sha256_hex(inv->arena, content->data, content->data_len) : NULL,
		.node = content,
	};
	FG_VEC_PUSH(&c->files, f);
}

void fg_inv_prop(fg_inv *inv, inv_comp *c, const char *name, const char *value)
{
	const char *v = fg_arena_strdup(inv->arena, value ? value : "");
	for (size_t i = 0; i < c->props.n; i++) {
		if (!strcmp(c->props.v[i].name, name)) {
			c->props.v[i].value = v;
			return;
		}
	}
	fg_comp_prop p = { fg_arena_strdup(inv->arena, name), v };
	FG_VEC_PUSH(&c->props, p);
}

void fg_inv_warn(fg_inv *inv, const char *where, const char *fmt, ...)
{
	if (!inv->diags)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fg_diag_add(inv->diags, FG_DIAG_WARNING, "inventory", where ? where : "", "%s", msg);
}

void fg_inv_own(fg_inv *inv, const fg_node *n)
{
	if (n && inv->owned.n < FG_INV_MAX_OWNED && FG_VEC_PUSH(&inv->owned, n))
		inv->owned_sorted = false;
}

static int ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(const fg_node *const *)a, y = (uintptr_t)*(const fg_node *const *)b;
	return x < y ? -1 : x > y;
}

bool fg_inv_is_owned(fg_inv *inv, const fg_node *n)
{
	if (!inv->owned.n)
		return false;
	if (!inv->owned_sorted) {
		qsort(inv->owned.v, inv->owned.n, sizeof(*inv->owned.v), ptr_cmp);
		inv->owned_sorted = true;
	}
	return bsearch(&n, inv->owned.v, inv->owned.n, sizeof(*inv->owned.v), ptr_cmp) != NULL;
}

/* ---- freezing into the result ---- */

static int ev_cmp(const void *a, const void *b)
{
	const fg_comp_evidence *x = a, *y = b;
	if (x->confidence != y->confidence)
		return x->confidence > y->confidence ? -1 : 1;
	int c = strcmp(x->method, y->method);
	if (c)
		return c;
	c = strcmp(x->where, y->where);
	if (c)
		return c;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const fg_comp_file *)a)->path, ((const fg_comp_file *)b)->path);
}

static int prop_cmp(const void *a, const void *b)
{
	return strcmp(((const fg_comp_prop *)a)->name, ((const fg_comp_prop *)b)->name);
}

/* Copies a heap vector into the arena so the result owns it. */
static const void *freeze(fg_arena *a, const void *v, size_t n, size_t elem)
{
	if (!n)
		return NULL;
	void *d = fg_arena_alloc(a, n * elem);
	if (d)
		memcpy(d, v, n * elem);
	return d;
}

static void finish_comp(fg_inv *inv, inv_comp *ic, fg_component_vec *out)
{
	if (ic->ev.n > 1)
		qsort(ic->ev.v, ic->ev.n, sizeof(*ic->ev.v), ev_cmp);
	if (ic->files.n > 1)
		qsort(ic->files.v, ic->files.n, sizeof(*ic->files.v), file_cmp);
	if (ic->ev_dropped) {
		char n[32];
		snprintf(n, sizeof(n), "%zu", ic->ev_dropped);
		fg_inv_prop(inv, ic, "evidence-omitted", n);
	}
	if (ic->props.n > 1)
		qsort(ic->props.v, ic->props.n, sizeof(*ic->props.v), prop_cmp);
	const fg_comp_evidence *best = ic->ev.n ? &ic->ev.v[0] : NULL;
	fg_component c = {
		.name = ic->name,
		.version = ic->version,
		.type = ic->type,
		.cpe = ic->cpe,
		.purl = ic->purl,
		.path = best ? best->where : "",
		.container = ic->container,
		.method = best ? best->method : "",
		.evidence = best ? best->text : "",
		.supplier = ic->supplier,
		.confidence = best ? best->confidence : FG_CONF_LOW,
		.evidences = freeze(inv->arena, ic->ev.v, ic->ev.n, sizeof(*ic->ev.v)),
		.nevidences = ic->ev.n,
		.files = freeze(inv->arena, ic->files.v, ic->files.n, sizeof(*ic->files.v)),
		.nfiles = ic->files.n,
		.props = freeze(inv->arena, ic->props.v, ic->props.n, sizeof(*ic->props.v)),
		.nprops = ic->props.n,
	};
	FG_VEC_PUSH(out, c);
}

static void inv_finish(fg_inv *inv, fg_component_vec *out)
{
	for (size_t i = 0; i < inv->comps.n; i++) {
		inv_comp *ic = &inv->comps.v[i];
		finish_comp(inv, ic, out);
		FG_VEC_FREE(&ic->ev);
		FG_VEC_FREE(&ic->files);
		FG_VEC_FREE(&ic->props);
	}
	FG_VEC_FREE(&inv->comps);
	FG_VEC_FREE(&inv->owned);
	fg_sig_scanner_free(inv->scanner);
	inv->scanner = NULL;
	fg_inventory_sort(out);
}

static int comp_cmp(const void *a, const void *b)
{
	const fg_component *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (!c)
		c = strcmp(x->version, y->version);
	if (!c)
		c = strcmp(x->container, y->container);
	if (!c)
		c = strcmp(x->path, y->path);
	return c;
}

void fg_inventory_sort(fg_component_vec *v)
{
	if (v->n > 1)
		qsort(v->v, v->n, sizeof(*v->v), comp_cmp);
}

const char *fg_component_prop(const fg_component *c, const char *name)
{
	for (size_t i = 0; i < c->nprops; i++)
		if (!strcmp(c->props[i].name, name))
			return c->props[i].value;
	return NULL;
}

/* ---- the stage ---- */

static void inventory_one_tree(fg_inv *inv, fg_node *root)
{
	inv->root = root;
	const char *chain = fg_node_chain(inv->tree, root);
	inv->container = fg_arena_strdup(inv->arena, chain ? chain : "");
	inv->distro = NULL;
	inv->owned.n = 0;
	inv->owned_sorted = false;
	fg_inv_distro(inv);
	fg_inv_pkgdb_opkg(inv);
	fg_inv_pkgdb_dpkg(inv);
	fg_inv_pkgdb_apk(inv);
	fg_inv_scan_tree(inv);
	fg_inv_kernel_modules(inv);
	fg_inv_busybox_applets(inv);
	inv->root = NULL;
}

static bool in_file_tree(const fg_node *n)
{
	const fg_node *r = fg_node_fsroot(n);
	return r && (r->flags & FG_NODE_FILESYSTEM);
}

/* Scope of a blob: the file tree a container file of it lives in (the
 * kernel inside /boot/uImage belongs to that tree, at that path), or
 * else the blob's own chain and path. */
static const fg_node *blob_scope(fg_inv *inv, const fg_node *blob, char *where, size_t cap)
{
	const fg_node *c = blob;
	for (int guard = 0; guard < 64; guard++) {
		const fg_node *r = fg_node_fsroot(c);
		if (!r)
			break;
		if (r->flags & FG_NODE_FILESYSTEM) {
			const char *chain = fg_node_chain(inv->tree, r);
			inv->container = fg_arena_strdup(inv->arena, chain ? chain : "");
			if (!fg_node_path(c, where, cap))
				snprintf(where, cap, "/");
			return c;
		}
		if (!r->container)
			break;
		c = r->container;
	}
	const char *chain = fg_node_chain(inv->tree, blob);
	if (!chain || !*chain) /* the input itself, outside any extraction root */
		chain = inv->tree->root ? inv->tree->root->name : "";
	inv->container = fg_arena_strdup(inv->arena, chain);
	if (!fg_node_path(blob, where, cap))
		snprintf(where, cap, "/");
	return blob;
}

static void inventory_blobs(fg_inv *inv, fg_node *top)
{
	FG_VEC(fg_node *) stack = {0};
	if (!FG_VEC_PUSH(&stack, top))
		return;
	while (stack.n) {
		fg_node *n = stack.v[--stack.n];
		for (size_t i = n->nchildren; i-- > 0;)
			if (!FG_VEC_PUSH(&stack, n->children[i]))
				goto out;
		if (n->unpacked && !FG_VEC_PUSH(&stack, n->unpacked))
			goto out;
		if (n->unpacked && n->unpacked->format && !strcmp(n->unpacked->format, "esp_image")) {
			/* wherever the image is: in a tree, a blob or a carved chunk */
			char where[4096];
			const fg_node *file = blob_scope(inv, n, where, sizeof(where));
			fg_inv_esp_image(inv, n, where, file);
		}
		if (n->type != FG_NODE_FILE || in_file_tree(n))
			continue;
		const fg_node *r = fg_node_fsroot(n);
		if (r && (r->flags & FG_NODE_CARVE))
			continue; /* a slice of a blob already scanned (or of a tree's file) */
		char where[4096];
		const fg_node *file = blob_scope(inv, n, where, sizeof(where));
		fg_inv_scan_blob(inv, n, where, file);
	}
out:
	FG_VEC_FREE(&stack);
}

void fg_inventory_tree(fg_tree *tree, fg_node *root, fg_arena *arena, fg_component_vec *out)
{
	fg_inv inv = { .tree = tree, .arena = arena };
	inv.db = fg_sigdb_builtin(NULL, 0);
	if (!inv.db)
		return;
	inventory_one_tree(&inv, root);
	inv_finish(&inv, out);
}

void fg_inventory_run(fg_result *res)
{
	char err[512];
	fg_sigdb *user = NULL;
	fg_inv inv = { .tree = &res->tree, .arena = &res->arena, .diags = &res->diags };
	if (res->opts.signatures_file) {
		user = fg_sigdb_with_file(res->opts.signatures_file, err, sizeof(err));
		if (!user)
			fg_diag_add(&res->diags, FG_DIAG_ERROR, "inventory", res->opts.signatures_file,
				    "signatures not loaded: %s", err);
		else
			inv.db = user;
	}
	if (!inv.db)
		inv.db = fg_sigdb_builtin(err, sizeof(err));
	if (!inv.db) {
		fg_diag_add(&res->diags, FG_DIAG_ERROR, "inventory", "", "no signatures: %s", err);
		return;
	}
	for (size_t i = 0; i < res->filesystems.n; i++)
		inventory_one_tree(&inv, res->filesystems.v[i].root);
	if (res->tree.root)
		inventory_blobs(&inv, res->tree.root);
	inv_finish(&inv, &res->components);
	fg_sigdb_destroy(user);
}
