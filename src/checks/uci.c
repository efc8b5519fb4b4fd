/*
 * uci.c - OpenWrt UCI configuration files (see uci.h).
 */
#include "checks/uci.h"

#include <stdlib.h>
#include <string.h>

#include "checks/boot.h"
#include "checks/files.h"

static fg_uci_section *current(fg_uci *u)
{
	return u->v.n ? &u->v.v[u->v.n - 1] : NULL;
}

fg_uci *fg_uci_parse(const char *text, size_t len)
{
	fg_uci *u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	fg_arena_init(&u->arena);
	fg_line_iter it;
	fg_line_iter_init(&it, text, len);
	const char *s;
	size_t l;
	while (fg_line_next(&it, &s, &l)) {
		if (!l || l > 4096 || s[0] == '#')
			continue;
		if (l > 7 && strncmp(s, "config", 6) == 0 && (s[6] == ' ' || s[6] == '\t')) {
			if (u->v.n >= FG_UCI_MAX_SECTIONS)
				break;
			const char *t = s + 7, *e = s + l;
			while (t < e && (*t == ' ' || *t == '\t'))
				t++;
			const char *te = t;
			while (te < e && *te != ' ' && *te != '\t')
				te++;
			const char *nm = te;
			size_t nl = (size_t)(e - te);
			fg_unquote(&nm, &nl);
			const char *ty = t;
			size_t tl = (size_t)(te - t);
			fg_unquote(&ty, &tl);
			fg_uci_section sec = {
				.type = fg_arena_strndup(&u->arena, ty, tl),
				.name = fg_arena_strndup(&u->arena, nm, nl),
				.line = it.no,
			};
			if (!sec.type || !sec.name || !FG_VEC_PUSH(&u->v, sec))
				break;
			continue;
		}
		fg_kv kv;
		fg_uci_section *sec = current(u);
		if (!sec || !fg_kv_parse(s, l, &kv) || !kv.uci || sec->opts.n >= FG_UCI_MAX_OPTIONS)
			continue;
		fg_uci_opt o = {
			.name = fg_arena_strndup(&u->arena, kv.key, kv.klen),
			.value = fg_arena_strndup(&u->arena, kv.val, kv.vlen),
			.line = it.no,
			.list = s[0] == 'l',
		};
		if (!o.name || !o.value || !FG_VEC_PUSH(&sec->opts, o))
			break;
	}
	return u;
}

fg_uci *fg_uci_of_node(const fg_node *n)
{
	const char *t;
	size_t len;
	if (!n || !fg_text_of(n, &t, &len))
		return NULL;
	return fg_uci_parse(t, len);
}

void fg_uci_free(fg_uci *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->v.n; i++)
		FG_VEC_FREE(&u->v.v[i].opts);
	FG_VEC_FREE(&u->v);
	fg_arena_free(&u->arena);
	free(u);
}

const fg_uci_opt *fg_uci_get(const fg_uci_section *s, const char *name)
{
	const fg_uci_opt *o = NULL;
	for (size_t i = 0; i < s->opts.n; i++)
		if (strcmp(s->opts.v[i].name, name) == 0)
			o = &s->opts.v[i];
	return o;
}

bool fg_uci_true(const fg_uci_opt *o)
{
	return o && fg_value_is_on(o->value, strlen(o->value));
}

bool fg_uci_false(const fg_uci_opt *o)
{
	return o && fg_value_is_off(o->value, strlen(o->value));
}
