#include "unpack/engine.h"
#include "unpack/stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void fg_outbuf_init(fg_outbuf *o, fg_unpack_ctx *ctx, size_t in_len)
{
	memset(o, 0, sizeof(*o));
	o->cap = fg_budget_output_cap(fg_unpack_budget(ctx), in_len);
}

bool fg_outbuf_grow(fg_outbuf *o, fg_unpack_ctx *ctx, size_t min)
{
	if (o->reserved - o->len >= min)
		return true;
	size_t want = o->reserved ? o->reserved * 2 : 256 * 1024;
	if (want < o->len + min)
		want = o->len + min;
	if (want > o->cap)
		want = (size_t)o->cap;
	/* near the cap a smaller step is still progress */
	if (want <= o->reserved) {
		if (o->reserved > o->len)
			return true;
		o->capped = true;
		return false;
	}
	size_t extra = want - o->reserved;
	if (!fg_budget_take_bytes(fg_unpack_budget(ctx), extra)) {
		o->capped = true;
		return false;
	}
	uint8_t *p = realloc(o->data, want);
	if (!p) {
		fg_budget_give_back_bytes(fg_unpack_budget(ctx), extra);
		o->capped = true;
		return false;
	}
	o->data = p;
	o->reserved = want;
	return true;
}

void fg_outbuf_discard(fg_outbuf *o, fg_unpack_ctx *ctx)
{
	free(o->data);
	fg_budget_give_back_bytes(fg_unpack_budget(ctx), o->reserved);
	memset(o, 0, sizeof(*o));
}

static bool usable_name(const char *s)
{
	if (!s || !*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '/')
			return false;
	return true;
}

const char *fg_stream_name(fg_unpack_ctx *ctx, const char *name_hint,
			   const fg_suffix *suffixes, char *buf, size_t cap)
{
	if (name_hint) {
		/* keep the last path component only: names come from the input */
		const char *slash = strrchr(name_hint, '/');
		const char *b = slash ? slash + 1 : name_hint;
		if (usable_name(b) && strlen(b) < cap) {
			snprintf(buf, cap, "%s", b);
			return buf;
		}
	}
	const char *cn = fg_unpack_container_name(ctx);
	size_t cl = strlen(cn);
	for (const fg_suffix *s = suffixes; s && s->suffix; s++) {
		size_t sl = strlen(s->suffix);
		if (cl > sl && strcasecmp(cn + cl - sl, s->suffix) == 0) {
			snprintf(buf, cap, "%.*s%s", (int)(cl - sl), cn, s->replacement);
			if (usable_name(buf))
				return buf;
		}
	}
	snprintf(buf, cap, "%s.out", usable_name(cn) ? cn : "stream");
	return buf;
}

fg_node *fg_stream_emit(fg_unpack_ctx *ctx, fg_node *root, const char *name, fg_outbuf *o)
{
	fg_node *n = fg_unpack_add(ctx, root, name, FG_NODE_FILE);
	if (!n) {
		fg_outbuf_discard(o, ctx);
		return NULL;
	}
	if (o->len == 0) {
		fg_outbuf_discard(o, ctx);
		return n;
	}
	uint8_t *shrunk = realloc(o->data, o->len);
	if (shrunk)
		o->data = shrunk;
	if (!fg_unpack_keep(ctx, o->data, o->len, o->reserved)) {
		memset(o, 0, sizeof(*o));
		return NULL;
	}
	n->data = o->data;
	n->data_len = o->len;
	n->size = o->len;
	n->mode = 0644;
	memset(o, 0, sizeof(*o));
	return n;
}

#define STREAM_RELEASE_STEP (1u << 20)

void fg_stream_consumed(fg_unpack_ctx *ctx, const uint8_t *in, size_t *released, size_t used)
{
	if (used < *released || used - *released < STREAM_RELEASE_STEP)
		return;
	fg_unpack_release_input(fg_unpack_tree(ctx), in + *released, used - *released);
	*released = used;
}
