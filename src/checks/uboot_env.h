/*
 * uboot_env.h - U-Boot environments: binary blobs and text dumps.
 *
 * Binary (what mkenvimage writes and fw_setenv reads): a little-endian
 * CRC32 over the data area, then "name=value\0" pairs ending with an
 * empty string; a redundant environment has one flag byte after the CRC.
 * fg_uboot_env_parse() accepts a blob only when the CRC matches for one
 * of the two layouts -- that is what tells an environment from any other
 * data. The layouts and the CRC test are util/uboot_envblk.h's, which the
 * unpacker also uses to find blocks inside flash images (it renders each
 * one as FG_ENVBLK_TEXT_NAME, read here with fg_uboot_env_parse_lines).
 *
 * Text: the output of "printenv" / "env print" (as pasted into READMEs
 * and logs) and uEnv.txt files: lines "name=value". A text is taken as an
 * environment when it has a bootcmd= line and a bootdelay=, bootargs= or
 * baudrate= line at the start of a line.
 *
 * Both parsers are bounded (FG_UBOOT_ENV_MAX bytes, FG_UBOOT_MAX_VARS
 * variables, names up to 64 bytes) and never read past the buffer.
 */
#ifndef FG_UBOOT_ENV_H
#define FG_UBOOT_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/check.h"
#include "checks/files.h"
#include "core/arena.h"
#include "core/vec.h"
#include "util/uboot_envblk.h"

#define FG_UBOOT_ENV_MAX (1u << 20)
#define FG_UBOOT_MAX_VARS 4096

typedef struct fg_uboot_var {
	const char *name, *value;
	unsigned line;            /* text dumps: 1-based line; binary: 0 */
	int64_t offset;           /* of "name=" in the file */
} fg_uboot_var;

typedef struct fg_uboot_env {
	const fg_file *file;      /* NULL when parsed from a bare buffer */
	bool binary;
	bool redundant;           /* binary with a flag byte */
	FG_VEC(fg_uboot_var) vars;
} fg_uboot_env;

typedef struct fg_uboot_envs {
	fg_arena arena;
	FG_VEC(fg_uboot_env) v;
} fg_uboot_envs;

/* Parses a binary environment of LEN bytes (the whole partition: the
 * data area runs to the end). Returns false when neither CRC layout
 * matches. Strings are allocated in ARENA. */
bool fg_uboot_env_parse(const uint8_t *data, size_t len, fg_arena *arena, fg_uboot_env *out);

/* Parses a text dump; false when it does not look like an environment. */
bool fg_uboot_env_parse_text(const char *text, size_t len, fg_arena *arena, fg_uboot_env *out);

/* Parses "name=value" lines (no other test): the unpacker's rendering of
 * an environment block it found in an image, FG_ENVBLK_TEXT_NAME. */
bool fg_uboot_env_parse_lines(const char *text, size_t len, fg_arena *arena, fg_uboot_env *out);

/* Every environment in the tree checked by CTX (cached): binary blobs,
 * text dumps and the unpacker's renderings of blocks found in images. */
const fg_uboot_envs *fg_uboot_envs_of(fg_check_ctx *ctx);

/* The variable NAME of ENV, or NULL. */
const fg_uboot_var *fg_uboot_get(const fg_uboot_env *env, const char *name);

void fg_uboot_env_free(fg_uboot_env *env);

#endif
