/*
 * uboot_env.c - U-Boot environments (see uboot_env.h).
 */
#include "checks/uboot_env.h"

#include <stdlib.h>
#include <string.h>

#include "checks/boot.h"
#include "util/uboot_envblk.h"

static bool name_ok(const char *s, size_t l)
{
	return fg_envblk_name_ok(s, l);
}

static bool add_var(fg_arena *a, fg_uboot_env *env, const char *name, size_t nl, const char *val,
		    size_t vl, unsigned line, int64_t off)
{
	if (env->vars.n >= FG_UBOOT_MAX_VARS)
		return false;
	fg_uboot_var v = {
		.name = fg_arena_strndup(a, name, nl),
		.value = fg_arena_strndup(a, val, vl),
		.line = line,
		.offset = off,
	};
	return v.name && v.value && FG_VEC_PUSH(&env->vars, v);
}

/* The layouts and the CRC are util/uboot_envblk.h's, shared with the
 * unpacker that finds environment blocks inside flash images. */
bool fg_uboot_env_parse(const uint8_t *data, size_t len, fg_arena *arena, fg_uboot_env *out)
{
	memset(out, 0, sizeof(*out));
	fg_envblk b;
	if (!data || len < 9 || len > FG_UBOOT_ENV_MAX || !fg_envblk_check(data, len, &b))
		return false;
	out->binary = true;
	out->redundant = b.hdr == 5;
	size_t pos = b.hdr;
	fg_envpair p;
	while (fg_envblk_next(data, len, &pos, &p))
		if (!add_var(arena, out, p.name, p.name_len, p.value, p.value_len, 0, (int64_t)p.offset))
			break;
	if (out->vars.n > 0)
		return true;
	fg_uboot_env_free(out);
	return false;
}

static bool starts_line(const char *t, size_t len, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = t; p && (size_t)(p - t) + nl <= len;) {
		if ((p == t || p[-1] == '\n') && memcmp(p, name, nl) == 0)
			return true;
		const char *q = memchr(p, '\n', len - (size_t)(p - t));
		p = q ? q + 1 : NULL;
	}
	return false;
}

bool fg_uboot_env_parse_text(const char *text, size_t len, fg_arena *arena, fg_uboot_env *out)
{
	memset(out, 0, sizeof(*out));
	if (!text || !len)
		return false;
	if (len > FG_UBOOT_ENV_MAX)
		len = FG_UBOOT_ENV_MAX;
	if (!memmem(text, len, "bootcmd=", 8) || !starts_line(text, len, "bootcmd=") ||
	    !(starts_line(text, len, "bootdelay=") || starts_line(text, len, "bootargs=") ||
	      starts_line(text, len, "baudrate=")))
		return false;
	fg_line_iter it;
	fg_line_iter_init(&it, text, len);
	const char *s;
	size_t l;
	while (fg_line_next(&it, &s, &l)) {
		const char *eq = memchr(s, '=', l);
		/* only lines that start at column 0 with name=, as printenv prints */
		if (!eq || s != text + it.start || !name_ok(s, (size_t)(eq - s)))
			continue;
		if (!add_var(arena, out, s, (size_t)(eq - s), eq + 1, l - (size_t)(eq - s) - 1, it.no,
			     (int64_t)it.start))
			break;
	}
	return fg_uboot_get(out, "bootcmd") != NULL;
}

bool fg_uboot_env_parse_lines(const char *text, size_t len, fg_arena *arena, fg_uboot_env *out)
{
	memset(out, 0, sizeof(*out));
	if (!text || !len || len > FG_UBOOT_ENV_MAX)
		return false;
	fg_line_iter it;
	fg_line_iter_init(&it, text, len);
	const char *s;
	size_t l;
	while (fg_line_next(&it, &s, &l)) {
		const char *eq = memchr(s, '=', l);
		if (!eq || !name_ok(s, (size_t)(eq - s)))
			continue;
		if (!add_var(arena, out, s, (size_t)(eq - s), eq + 1, l - (size_t)(eq - s) - 1, it.no,
			     (int64_t)it.start))
			break;
	}
	out->binary = out->vars.n > 0;
	return out->vars.n > 0;
}

const fg_uboot_var *fg_uboot_get(const fg_uboot_env *env, const char *name)
{
	for (size_t i = 0; i < env->vars.n; i++)
		if (strcmp(env->vars.v[i].name, name) == 0)
			return &env->vars.v[i];
	return NULL;
}

void fg_uboot_env_free(fg_uboot_env *env)
{
	FG_VEC_FREE(&env->vars);
}

/* ---- per tree ---------------------------------------------------------------- */

static void envs_free(void *p)
{
	fg_uboot_envs *e = p;
	if (!e)
		return;
	for (size_t i = 0; i < e->v.n; i++)
		fg_uboot_env_free(&e->v.v[i]);
	FG_VEC_FREE(&e->v);
	fg_arena_free(&e->arena);
	free(e);
}

/* What the unpacker made of an environment block it found in an image
 * (unpack/uboot_env.c): FG_ENVBLK_TEXT_NAME at the top of a file tree of
 * its own. When that block was a whole file of a file tree (a fw_env
 * partition image in a rootfs), the file itself is parsed as a binary
 * environment in that tree: the rendering would only repeat it. */
static bool unpacked_env(const fg_node *n, bool *repeat)
{
	const fg_node *r = fg_node_fsroot(n);
	*repeat = false;
	if (!r || n->parent != r || !r->format || strcmp(r->format, FG_ENVBLK_FORMAT) != 0 ||
	    strcmp(n->name, FG_ENVBLK_TEXT_NAME) != 0)
		return false;
	const fg_node *c = r->container;
	const fg_node *cr = c ? fg_node_fsroot(c) : NULL;
	*repeat = cr && (cr->flags & FG_NODE_FILESYSTEM) && c->data_len == r->src_length &&
		  c->data_len <= FG_UBOOT_ENV_MAX;
	return true;
}

static void *envs_make(fg_check_ctx *ctx)
{
	fg_uboot_envs *e = calloc(1, sizeof(*e));
	const fg_files *files = fg_files_of(ctx);
	if (!e)
		return NULL;
	fg_arena_init(&e->arena);
	for (size_t i = 0; files && i < files->v.n && e->v.n < 256; i++) {
		const fg_file *f = &files->v.v[i];
		const uint8_t *d = f->node->data;
		size_t len = f->node->data_len;
		fg_uboot_env env;
		bool ok = false;
		if (!d || len < 9 || len > FG_UBOOT_ENV_MAX)
			continue;
		bool repeat;
		if (unpacked_env(f->node, &repeat)) {
			if (repeat)
				continue;
			ok = fg_uboot_env_parse_lines((const char *)d, len, &e->arena, &env);
		} else if (f->text)
			ok = fg_uboot_env_parse_text((const char *)d, len, &e->arena, &env);
		else if (!f->elf)
			ok = fg_uboot_env_parse(d, len, &e->arena, &env);
		if (!ok)
			continue;
		env.file = f;
		if (!FG_VEC_PUSH(&e->v, env))
			fg_uboot_env_free(&env);
	}
	return e;
}

static const char envs_key;

const fg_uboot_envs *fg_uboot_envs_of(fg_check_ctx *ctx)
{
	return fg_ctx_cache(ctx, &envs_key, envs_make, envs_free);
}
