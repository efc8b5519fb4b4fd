/*
 * tree.c - `unpack --list`: the tree with format chain, offsets, sizes
 * and modes.
 */
#include <inttypes.h>
#include <string.h>

#include "core/result.h"

static void mode_string(const fg_node *n, char out[11])
{
	static const char types[] = { '-', 'd', 'l', 'h', 'c', 'b', 'p', 's' };
	out[0] = types[n->type];
	const char *rwx = "rwxrwxrwx";
	for (int i = 0; i < 9; i++)
		out[1 + i] = (n->mode & (0400u >> i)) ? rwx[i] : '-';
	if (n->mode & 04000)
		out[3] = (n->mode & 0100) ? 's' : 'S';
	if (n->mode & 02000)
		out[6] = (n->mode & 0010) ? 's' : 'S';
	if (n->mode & 01000)
		out[9] = (n->mode & 0001) ? 't' : 'T';
	out[10] = '\0';
}

static void print_node(FILE *out, const fg_node *n, int depth)
{
	char mode[11];
	mode_string(n, mode);
	fprintf(out, "%s %5u %5u %12" PRIu64 " %*s%s", mode, n->uid, n->gid, n->size, depth * 2, "",
		*n->name ? n->name : "/");
	if (n->type == FG_NODE_SYMLINK || n->type == FG_NODE_HARDLINK)
		fprintf(out, " -> %s", n->link_target ? n->link_target : "?");
	if (n->type == FG_NODE_CHR || n->type == FG_NODE_BLK)
		fprintf(out, " [%u, %u]", n->dev_major, n->dev_minor);
	if (n->type == FG_NODE_FILE && n->format)
		fprintf(out, "  [%s]", n->format_info && *n->format_info ? n->format_info : n->format);
	if (n->flags & FG_NODE_TRUNCATED)
		fprintf(out, "  (incomplete: %s)", n->note ? n->note : "?");
	fputc('\n', out);
}

static void print_rec(FILE *out, const fg_node *n, int depth)
{
	if (depth > 200)
		return;
	print_node(out, n, depth);
	if (n->unpacked) {
		const fg_node *r = n->unpacked;
		fprintf(out, "%*s== %s%s%s at 0x%" PRIx64 ", %" PRIu64 " bytes%s\n", 42 + depth * 2, "",
			r->format, r->format_info ? " " : "", r->format_info ? r->format_info : "",
			r->src_offset, r->src_length,
			(r->flags & FG_NODE_TRUNCATED) ? " (incomplete)" : "");
		for (size_t i = 0; i < r->nchildren; i++)
			print_rec(out, r->children[i], depth + 1);
	}
	for (size_t i = 0; i < n->nchildren; i++)
		print_rec(out, n->children[i], depth + 1);
}

int fg_report_tree(const fg_result *r, FILE *out)
{
	print_rec(out, r->tree.root, 0);
	return ferror(out) ? -1 : 0;
}
