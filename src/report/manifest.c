/*
 * manifest.c - the unpacked tree as data: every container with its
 * provenance and coverage, every node of every file tree with its
 * metadata and content hash (`unpack --list --json`, schema
 * "firmgate-manifest/1", docs/FORMATS.md).
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/result.h"
#include "report/jsonw.h"
#include "report/report_internal.h"

void fg_sha256_hex(const uint8_t *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!EVP_Digest(data ? data : (const uint8_t *)"", len, md, &n, EVP_sha256(), NULL) || n != 32)
		memset(md, 0, 32);
	fg_hex(md, 32, out);
}

void fg_write_coverage(fg_jsonw *w, const fg_coverage *c, bool ranges)
{
	uint64_t total = c->identified + c->padding + c->unknown + c->high_entropy;
	fg_jw_obj(w);
	fg_jw_kuint(w, "bytes", total);
	fg_jw_kuint(w, "identified", c->identified);
	fg_jw_kuint(w, "padding", c->padding);
	fg_jw_kuint(w, "unknown", c->unknown);
	fg_jw_kuint(w, "high_entropy", c->high_entropy);
	/* per mille as an integer: exact, and stable across platforms */
	fg_jw_kuint(w, "identified_permille", total ? (c->identified + c->padding) * 1000 / total : 0);
	if (ranges) {
		fg_jw_key(w, "ranges");
		fg_jw_arr(w);
		for (size_t i = 0; i < c->n; i++) {
			const fg_range *r = &c->ranges[i];
			fg_jw_obj(w);
			fg_jw_kuint(w, "offset", r->offset);
			fg_jw_kuint(w, "length", r->length);
			fg_jw_kstr(w, "kind", fg_range_kind_name(r->kind));
			fg_jw_kstr(w, "format", r->format);
			fg_jw_kuint(w, "entropy_milli", (uint64_t)(r->entropy * 1000.0 + 0.5));
			fg_jw_obj_end(w);
		}
		fg_jw_arr_end(w);
	}
	fg_jw_obj_end(w);
}

typedef struct walk {
	fg_result *res;
	fg_jsonw *w;
	bool hashes;
	char (*hex)[65];       /* precomputed digests, in entry order (or NULL) */
	const fg_node **hnode; /* whose digest each one is */
	size_t nhex, next_hex;
} walk;

/* N is an entry of a file tree (a file system, an archive, the input
 * directory), where "trees" lists it, rather than a blob. */
static bool in_file_tree(const fg_node *n)
{
	const fg_node *root = fg_node_fsroot(n->parent);
	return root && ((root->flags & FG_NODE_FILESYSTEM) || !root->container);
}

static bool write_container(fg_node *n, void *ud)
{
	walk *k = ud;
	fg_jsonw *w = k->w;
	const fg_node *r = n->unpacked;
	bool incomplete = (n->flags & FG_NODE_TRUNCATED) != 0;
	/* a blob whose content is cut short (a stream's output over a limit,
	 * one nested too deep to unpack) is listed for its note: no tree
	 * entry carries it */
	if (n->type != FG_NODE_FILE ||
	    (!r && !n->coverage && !n->format && !(incomplete && !in_file_tree(n))))
		return true;
	char path[4096];
	fg_node_path(n, path, sizeof(path));
	fg_jw_obj(w);
	fg_jw_kstr(w, "in", fg_node_chain(&k->res->tree, n));
	fg_jw_kstr(w, "path", path);
	fg_jw_kuint(w, "size", n->data_len);
	if (incomplete)
		fg_jw_kstr(w, "content_note", n->note ? n->note : "incomplete");
	if (n->format) {
		fg_jw_kstr(w, "leaf", n->format);
		fg_jw_kstr(w, "description", n->format_info);
	}
	const fg_node *in = k->res->tree.root;
	if (in->type == FG_NODE_FILE && n->data >= in->data && n->data < in->data + in->data_len)
		fg_jw_kuint(w, "input_offset", (uint64_t)(n->data - in->data));
	if (r) {
		fg_jw_kstr(w, "format", r->format);
		fg_jw_kstr(w, "format_info", r->format_info);
		fg_jw_kuint(w, "offset", r->src_offset);
		fg_jw_kuint(w, "length", r->src_length);
		fg_jw_kstr(w, "chain", fg_node_chain(&k->res->tree, r));
		fg_jw_kbool(w, "truncated", (r->flags & FG_NODE_TRUNCATED) != 0);
		fg_jw_kstr(w, "note", r->note);
		if (r->flags & FG_NODE_CARVE) {
			fg_jw_key(w, "chunks");
			fg_jw_arr(w);
			for (size_t i = 0; i < r->nchildren; i++) {
				const fg_node *c = r->children[i];
				const fg_node *cr = c->unpacked;
				fg_jw_obj(w);
				fg_jw_kstr(w, "format", cr ? cr->format : c->format);
				fg_jw_kuint(w, "offset", cr ? cr->src_offset : (uint64_t)(c->data - n->data));
				fg_jw_kuint(w, "length", c->data_len);
				fg_jw_kstr(w, "chain", cr ? fg_node_chain(&k->res->tree, cr) : NULL);
				fg_jw_obj_end(w);
			}
			fg_jw_arr_end(w);
		}
	}
	if (n->coverage) {
		fg_jw_key(w, "coverage");
		fg_write_coverage(w, n->coverage, true);
	}
	fg_jw_obj_end(w);
	return true;
}

static void write_entry(walk *k, const fg_node *n)
{
	fg_jsonw *w = k->w;
	char path[4096];
	fg_node_path(n, path, sizeof(path));
	fg_jw_obj(w);
	fg_jw_kstr(w, "path", path);
	fg_jw_kstr(w, "type", fg_node_type_name(n->type));
	fg_jw_kuint(w, "mode", n->mode);
	fg_jw_kuint(w, "uid", n->uid);
	fg_jw_kuint(w, "gid", n->gid);
	fg_jw_kint(w, "mtime", n->mtime);
	fg_jw_kuint(w, "size", n->type == FG_NODE_FILE ? n->data_len : n->size);
	if (n->link_target)
		fg_jw_kstr(w, "target", n->link_target);
	if (n->type == FG_NODE_CHR || n->type == FG_NODE_BLK) {
		fg_jw_kuint(w, "major", n->dev_major);
		fg_jw_kuint(w, "minor", n->dev_minor);
	}
	if (n->type == FG_NODE_FILE && k->hashes) {
		char hex[65];
		/* the precomputed list follows the same walk; the node check
		 * keeps a short list (out of memory) from shifting digests */
		if ((n->flags & FG_NODE_SPILLED) && n->sha256)
			/* hashed when it was written out while unpacking */
			snprintf(hex, sizeof(hex), "%s", n->sha256);
		else if (k->hex && k->next_hex < k->nhex && k->hnode[k->next_hex] == n)
			memcpy(hex, k->hex[k->next_hex++], sizeof(hex));
		else
			fg_sha256_hex(n->data, n->data_len, hex);
		fg_jw_kstr(w, "sha256", hex);
	}
	if (n->flags & FG_NODE_TRUNCATED)
		fg_jw_kstr(w, "note", n->note ? n->note : "incomplete");
	fg_jw_obj_end(w);
}

typedef FG_VEC(const fg_node *) node_vec;

/* Pushes the entries of FS in the order write_tree() visits them. */
static void tree_order(const fg_fsinfo *fs, bool (*fn)(const fg_node *, void *), void *ud)
{
	node_vec stack = {0};
	for (size_t i = fs->root->nchildren; i-- > 0;)
		FG_VEC_PUSH(&stack, fs->root->children[i]);
	while (stack.n) {
		const fg_node *n = stack.v[--stack.n];
		if (!fn(n, ud))
			break;
		for (size_t i = n->nchildren; i-- > 0;)
			FG_VEC_PUSH(&stack, n->children[i]);
	}
	FG_VEC_FREE(&stack);
}

static bool push_file(const fg_node *n, void *ud)
{
	if (n->type == FG_NODE_FILE && !((n->flags & FG_NODE_SPILLED) && n->sha256))
		return FG_VEC_PUSH((node_vec *)ud, n);
	return true;
}

/* Hashes every file of every tree up front, on the scan's --jobs
 * threads; write_entry() then takes the digests in the same order. */
static void precompute_hashes(walk *k)
{
	node_vec files = {0};
	for (size_t i = 0; i < k->res->filesystems.n; i++)
		tree_order(&k->res->filesystems.v[i], push_file, &files);
	const uint8_t **data = files.n ? malloc(files.n * sizeof(*data)) : NULL;
	size_t *len = files.n ? malloc(files.n * sizeof(*len)) : NULL;
	char (*hex)[65] = files.n ? malloc(files.n * sizeof(*hex)) : NULL;
	if (data && len && hex) {
		for (size_t i = 0; i < files.n; i++) {
			data[i] = files.v[i]->data;
			len[i] = files.v[i]->data_len;
		}
		unsigned jobs = k->res->opts.jobs ? k->res->opts.jobs : 1;
		fg_sha256_many(data, len, files.n, jobs, hex);
		k->hex = hex;
		k->hnode = files.v;
		k->nhex = files.n;
		hex = NULL;
		files.v = NULL;
	}
	free(hex);
	free(len);
	free(data);
	FG_VEC_FREE(&files);
}

static bool entry_cb(const fg_node *n, void *ud)
{
	write_entry(ud, n);
	return true;
}

/* Entries of one file tree, not descending into nested containers. */
static void write_tree(walk *k, const fg_fsinfo *fs)
{
	fg_jsonw *w = k->w;
	fg_jw_obj(w);
	fg_jw_kstr(w, "container", fs->chain);
	fg_jw_key(w, "entries");
	fg_jw_arr(w);
	tree_order(fs, entry_cb, k);
	fg_jw_arr_end(w);
	fg_jw_obj_end(w);
}

int fg_report_manifest(const fg_result *res, FILE *out)
{
	return fg_write_manifest(res, out, true);
}

int fg_write_manifest(const fg_result *cres, FILE *out, bool hashes)
{
	fg_result *res = (fg_result *)cres; /* chains are cached in the tree's arena */
	fg_jsonw w;
	fg_jw_init(&w, out);
	walk k = { res, &w, hashes, NULL, NULL, 0, 0 };
	if (hashes)
		precompute_hashes(&k);
	fg_jw_obj(&w);
	fg_jw_kstr(&w, "schema", "firmgate-manifest/1");
	fg_jw_kstr(&w, "input", res->input_name);
	fg_jw_key(&w, "containers");
	fg_jw_arr(&w);
	fg_tree_walk(res->tree.root, write_container, &k);
	fg_jw_arr_end(&w);
	fg_jw_key(&w, "trees");
	fg_jw_arr(&w);
	for (size_t i = 0; i < res->filesystems.n; i++)
		write_tree(&k, &res->filesystems.v[i]);
	fg_jw_arr_end(&w);
	fg_jw_obj_end(&w);
	free(k.hex);
	free(k.hnode);
	return ferror(out) ? -1 : 0;
}
