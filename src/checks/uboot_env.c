/*
 * uboot_env.c - U-Boot environments (see uboot_env.h).
 */
#include "checks/uboot_env.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "checks/boot.h"

static bool name_ok(const char *s, size_t l)
{
	if (!l || l > 64)
		return false;
	for (size_t i = 0; i < l; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || c == '=')
			return false;
	}
	return true;
}

static uint32_t crc_of(const uint8_t *d, size_t len)
{
	uLong crc = crc32(0L, Z_NULL, 0);
	while (len) {
		uInt chunk = len > (1u << 30) ? (1u << 30) : (uInt)len;
		crc = crc32(crc, d, chunk);
		d += chunk;
		len -= chunk;
	}
	return (uint32_t)crc;
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

/* "name=value\0" pairs from HDR on; stops at an empty string. */
static bool parse_pairs(const uint8_t *data, size_t len, size_t hdr, fg_arena *a, fg_uboot_env *out)
{
	size_t p = hdr;
	while (p < len && data[p]) {
		const uint8_t *z = memchr(data + p, 0, len - p);
		size_t e = z ? (size_t)(z - data) : len;
		const char *s = (const char *)data + p;
		const char *eq = memchr(s, '=', e - p);
		if (eq && name_ok(s, (size_t)(eq - s)) &&
		    !add_var(a, out, s, (size_t)(eq - s), eq + 1, e - p - (size_t)(eq - s) - 1, 0, (int64_t)p))
			break;
		p = e + 1;
	}
	return out->vars.n > 0;
}

bool fg_uboot_env_parse(const uint8_t *data, size_t len, fg_arena *arena, fg_uboot_env *out)
{
	memset(out, 0, sizeof(*out));
	if (!data || len < 9 || len > FG_UBOOT_ENV_MAX)
		return false;
	uint32_t stored = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
			  (uint32_t)data[3] << 24;
	for (size_t hdr = 4; hdr <= 5; hdr++) {
		/* cheap test before the CRC: a printable name and '=' */
		size_t k = hdr;
		while (k < len && k < hdr + 65 && data[k] > 0x20 && data[k] < 0x7f && data[k] != '=')
			k++;
		if (k == hdr || k >= len || data[k] != '=')
			continue;
		if (crc_of(data + hdr, len - hdr) != stored)
			continue;
		out->binary = true;
		out->redundant = hdr == 5;
		if (parse_pairs(data, len, hdr, arena, out))
			return true;
		fg_uboot_env_free(out);
	}
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
		if (f->text)
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
