/*
 * uboot_envblk.h - binary U-Boot environment blocks, shared by the
 * unpacker (unpack/uboot_env.c finds them in flash images) and the checks
 * (checks/uboot_env.c reads fw_env partitions found as files).
 *
 * A block is a little-endian CRC32, for a redundant environment one flag
 * byte (active/obsolete, or a counter), then the data area: "name=value\0"
 * pairs ended by an empty string, padded to the block's size. The CRC
 * covers the whole data area, padding included, so it is what tells an
 * environment from any other data -- and, tried against the sizes boards
 * configure, what gives a block found in a flash image its exact size.
 */
#ifndef FG_UTIL_UBOOT_ENVBLK_H
#define FG_UTIL_UBOOT_ENVBLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FG_ENVBLK_MIN_SIZE 0x200u
#define FG_ENVBLK_MAX_SIZE 0x40000u
#define FG_ENVBLK_NAME_MAX 64

/* The unpacker's format name, and the file it renders a block as:
 * "name=value" lines, a newline inside a value written as "\\n". */
#define FG_ENVBLK_FORMAT "uboot_env"
#define FG_ENVBLK_TEXT_NAME "uboot-env.txt"

typedef struct fg_envblk {
	size_t size;        /* the whole block: CRC, flag byte, data area */
	size_t hdr;         /* 4 (single) or 5 (redundant) */
	uint8_t flag;       /* redundant: the flag byte */
	uint32_t crc;
	size_t end;         /* offset of the empty string closing the pairs */
} fg_envblk;

typedef struct fg_envpair {
	const char *name, *value;
	size_t name_len, value_len;
	size_t offset;      /* of "name=" in the block */
} fg_envpair;

/* A valid variable name: 1..64 printable bytes without '=' or spaces. */
bool fg_envblk_name_ok(const char *s, size_t len);

/* DATA is a whole block of exactly LEN bytes: the CRC matches for the
 * single or the redundant layout (tried in that order) and the data area
 * starts with "name=". */
bool fg_envblk_check(const uint8_t *data, size_t len, fg_envblk *b);

/* A block starting at DATA (LEN bytes remain): every entry up to the
 * closing empty string is "name=value", the rest is one repeated padding
 * byte, and the CRC matches for a size boards use (0x200, 0x400, 0x800 or
 * a multiple of 0x1000 up to 0x40000) within the padding. Each layout
 * costs at most one CRC pass over FG_ENVBLK_MAX_SIZE bytes. */
bool fg_envblk_find(const uint8_t *data, size_t len, fg_envblk *b);

/* Steps through the pairs of the block DATA..DATA+LEN from *POS (start at
 * b->hdr): skips entries that are not "name=value" with a valid name,
 * stops at the empty string or the end. */
bool fg_envblk_next(const uint8_t *data, size_t len, size_t *pos, fg_envpair *p);

#endif
