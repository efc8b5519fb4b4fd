/*
 * files.c - the files of the unpacked file trees with their content hash:
 * the optional "files" key of the JSON report (FG_JSON_FILES, `scan
 * --files`) and what `firmgate diff` compares when it scans an image.
 */
#include "report/report_internal.h"

void fg_report_walk_files(const fg_result *r, fg_file_fn fn, void *ud)
{
	FG_VEC(const fg_node *) stack = { 0 };
	char path[4096];
	for (size_t i = 0; i < r->filesystems.n; i++) {
		const fg_fsinfo *fs = &r->filesystems.v[i];
		stack.n = 0;
		for (size_t k = fs->root->nchildren; k-- > 0;)
			FG_VEC_PUSH(&stack, fs->root->children[k]);
		while (stack.n) {
			const fg_node *n = stack.v[--stack.n];
			if (n->type == FG_NODE_FILE || n->type == FG_NODE_HARDLINK || n->type == FG_NODE_SYMLINK) {
				fg_node_path(n, path, sizeof(path));
				fn(fs, n, path, n->type == FG_NODE_SYMLINK ? NULL : fg_node_content(n), ud);
			}
			/* children in reverse so they come out in name order */
			for (size_t k = n->nchildren; k-- > 0;)
				FG_VEC_PUSH(&stack, n->children[k]);
		}
	}
	FG_VEC_FREE(&stack);
}

static void write_file(const fg_fsinfo *fs, const fg_node *n, const char *path, const fg_node *content, void *ud)
{
	fg_jsonw *w = ud;
	fg_jw_obj(w);
	fg_jw_kstr(w, "container", fs->chain);
	fg_jw_kstr(w, "path", path);
	fg_jw_kstr(w, "type", n->type == FG_NODE_SYMLINK ? "symlink" : "file");
	fg_jw_kuint(w, "mode", n->type == FG_NODE_HARDLINK && content ? content->mode : n->mode);
	if (n->type == FG_NODE_SYMLINK) {
		fg_jw_kstr(w, "target", n->link_target);
	} else if (content) {
		char hex[65];
		fg_sha256_hex(content->data, content->data_len, hex);
		fg_jw_kuint(w, "size", content->data_len);
		fg_jw_kstr(w, "sha256", hex);
		if (content->flags & FG_NODE_TRUNCATED)
			fg_jw_kbool(w, "truncated", true);
	} else {
		/* a hard link whose target is missing */
		fg_jw_kstr(w, "sha256", NULL);
	}
	fg_jw_obj_end(w);
}

void fg_write_files(fg_jsonw *w, const fg_result *r)
{
	fg_jw_key(w, "files");
	fg_jw_arr(w);
	fg_report_walk_files(r, write_file, w);
	fg_jw_arr_end(w);
}
