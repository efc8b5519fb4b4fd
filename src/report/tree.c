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

/* Names, link targets, descriptions and notes come from the image: a
 * control character in one (a newline forging a line of the listing, an
 * ESC sequence driving the terminal) is shown as \xNN, C1 controls in
 * UTF-8 too, and a backslash as \\ so the escapes stay unambiguous. */
static void put_safe(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			fprintf(out, "\\x%02x", *p);
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			fprintf(out, "\\xc2\\x%02x", p[1]);
			p++;
		} else if (*p == '\\') {
			fputs("\\\\", out);
		} else {
			fputc(*p, out);
		}
	}
}

static void print_node(FILE *out, const fg_node *n, int depth)
{
	char mode[11];
	mode_string(n, mode);
	fprintf(out, "%s %5u %5u %12" PRIu64 " %*s", mode, n->uid, n->gid, n->size, depth * 2, "");
	put_safe(out, *n->name ? n->name : "/");
	if (n->type == FG_NODE_SYMLINK || n->type == FG_NODE_HARDLINK) {
		fputs(" -> ", out);
		put_safe(out, n->link_target ? n->link_target : "?");
	}
	if (n->type == FG_NODE_CHR || n->type == FG_NODE_BLK)
		fprintf(out, " [%u, %u]", n->dev_major, n->dev_minor);
	if (n->type == FG_NODE_FILE && n->format) {
		fputs("  [", out);
		put_safe(out, n->format_info && *n->format_info ? n->format_info : n->format);
		fputc(']', out);
	}
	if (n->flags & FG_NODE_TRUNCATED) {
		fputs("  (incomplete: ", out);
		put_safe(out, n->note ? n->note : "?");
		fputc(')', out);
	}
	fputc('\n', out);
}

static void print_rec(FILE *out, const fg_node *n, int depth)
{
	if (depth > 200)
		return;
	print_node(out, n, depth);
	if (n->unpacked) {
		const fg_node *r = n->unpacked;
		fprintf(out, "%*s== %s%s", 42 + depth * 2, "", r->format, r->format_info ? " " : "");
		put_safe(out, r->format_info ? r->format_info : "");
		fprintf(out, " at 0x%" PRIx64 ", %" PRIu64 " bytes%s\n", r->src_offset, r->src_length,
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
