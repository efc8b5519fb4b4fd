/*
 * busybox.c - which applets a BusyBox binary carries.
 *
 * BusyBox keeps its applet names as one table of NUL-terminated strings
 * in ascending order ("[", "[[", "acpid", ... "zcat"). No other table in
 * a binary is as long and sorted, so the longest strictly ascending run
 * of short applet-like names is it. When the binary has none (or is
 * not there), the links pointing at busybox name the applets instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inv_internal.h"

#define MIN_APPLETS 8
#define MAX_NAME 32
#define APPLET_BUF 16384

static bool applet_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	       c == '[' || c == ']';
}

/* Length of a valid name at P (up to its NUL), or 0. */
static size_t name_at(const uint8_t *p, const uint8_t *end)
{
	size_t n = 0;
	while (p + n < end && p[n] && n <= MAX_NAME) {
		if (!applet_char(p[n]))
			return 0;
		n++;
	}
	if (p + n >= end || p[n] || n == 0 || n > MAX_NAME)
		return 0;
	return n;
}

static int name_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	return c ? c : (al > bl) - (al < bl);
}

size_t fg_busybox_applets(const uint8_t *data, size_t len, char *out, size_t cap)
{
	const uint8_t *end = data + len;
	size_t best_n = 0;
	const uint8_t *best = NULL;
	const uint8_t *p = data;
	while (p < end) {
		/* a run starts at a name */
		size_t n = 0;
		const uint8_t *q = p, *prev = NULL;
		size_t prev_l = 0, l;
		while (q < end && (l = name_at(q, end)) > 0) {
			if (prev && name_cmp(prev, prev_l, q, l) >= 0)
				break;
			prev = q;
			prev_l = l;
			n++;
			q += l + 1;
		}
		if (n > best_n) {
			best_n = n;
			best = p;
		}
		if (n > 1) {
			p = prev; /* the name that broke the run may start the next */
		} else {
			const uint8_t *z = memchr(p, 0, (size_t)(end - p));
			p = z ? z + 1 : end;
		}
	}
	if (best_n < MIN_APPLETS || !cap)
		return 0;
	size_t k = 0, count = 0;
	const uint8_t *q = best;
	for (size_t i = 0; i < best_n; i++) {
		size_t l = name_at(q, end);
		if (k + l + 2 >= cap)
			break;
		if (k)
			out[k++] = ',';
		memcpy(out + k, q, l);
		k += l;
		count++;
		q += l + 1;
	}
	out[k] = '\0';
	return count;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Applets from links to busybox in the tree, sorted, comma-separated. */
static size_t applets_from_links(fg_inv *inv, char *out, size_t cap)
{
	FG_VEC(fg_node *) stack = {0};
	FG_VEC(const char *) names = {0};
	FG_VEC_PUSH(&stack, inv->root);
	while (stack.n) {
		fg_node *n = stack.v[--stack.n];
		for (size_t i = 0; i < n->nchildren; i++)
			FG_VEC_PUSH(&stack, n->children[i]);
		if (n->type != FG_NODE_SYMLINK || !n->link_target || names.n >= 4096)
			continue;
		const char *t = strrchr(n->link_target, '/');
		t = t ? t + 1 : n->link_target;
		if (!strcmp(t, "busybox") && strlen(n->name) <= MAX_NAME)
			FG_VEC_PUSH(&names, n->name);
	}
	if (names.n > 1)
		qsort(names.v, names.n, sizeof(*names.v), str_cmp);
	size_t k = 0, count = 0;
	out[0] = '\0';
	for (size_t i = 0; i < names.n; i++) {
		if (i && !strcmp(names.v[i], names.v[i - 1]))
			continue;
		size_t l = strlen(names.v[i]);
		if (k + l + 2 >= cap)
			break;
		if (k)
			out[k++] = ',';
		memcpy(out + k, names.v[i], l);
		k += l;
		count++;
	}
	out[k] = '\0';
	FG_VEC_FREE(&stack);
	FG_VEC_FREE(&names);
	return count;
}

void fg_inv_busybox_applets(fg_inv *inv)
{
	char *buf = NULL;
	for (size_t i = 0; i < inv->comps.n; i++) {
		inv_comp *c = &inv->comps.v[i];
		if (strcmp(c->container, inv->container) ||
		    !((c->sig && !strcmp(c->sig, "busybox")) || !strcmp(c->name, "busybox")))
			continue;
		if (!buf && !(buf = malloc(APPLET_BUF)))
			return;
		size_t n = 0;
		const char *source = "applet table";
		for (size_t f = 0; f < c->files.n && !n; f++)
			if (c->files.v[f].node)
				n = fg_busybox_applets(c->files.v[f].node->data, c->files.v[f].node->data_len,
						       buf, APPLET_BUF);
		if (!n) {
			n = applets_from_links(inv, buf, APPLET_BUF);
			source = "links";
		}
		if (!n)
			continue;
		char count[32];
		snprintf(count, sizeof(count), "%zu", n);
		fg_inv_prop(inv, c, "busybox:applets", buf);
		fg_inv_prop(inv, c, "busybox:applet-count", count);
		fg_inv_prop(inv, c, "busybox:applets-from", source);
	}
	free(buf);
}
