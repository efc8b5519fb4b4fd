/*
 * kernel.h - Linux kernel images: what the kernel handlers (linux_kernel.c)
 * share with each other and with hardening.kernel-config.
 *
 *   - the version banner ("Linux version 6.1.0-13-amd64 (user@host) (gcc
 *     ...) #1 SMP ...\n\0"), which every kernel carries in .rodata;
 *   - the IKCONFIG block (CONFIG_IKCONFIG): "IKCFG_ST", a gzip of the
 *     .config, "IKCFG_ED";
 *   - the compressed payload of a self-decompressing image (ARM zImage,
 *     x86 bzImage): gzip, xz, lzma, lzo (lzop format), lz4 (legacy
 *     format), zstd or bzip2, decoded through the linked libraries into a
 *     budget-charged fg_outbuf (kernel_payload.c).
 */
#ifndef FG_UNPACK_KERNEL_H
#define FG_UNPACK_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "unpack/stream.h"

/* ---- the version banner ------------------------------------------------ */

#define FG_KBANNER_MAX 240

typedef struct fg_kbanner {
	char release[65];           /* "6.1.0-13-amd64" */
	char text[FG_KBANNER_MAX];  /* the banner after "Linux version ", no newline */
	char built[96];             /* UTS_VERSION: "#1 SMP PREEMPT_DYNAMIC Debian ..." */
	size_t offset;              /* of "Linux version" in the data */
} fg_kbanner;

/* Finds the kernel's own banner in D: "Linux version <release> (<who>@
 * <host>) ..." ending with a newline and a NUL, as linux_banner[] is
 * stored. Format strings and log lines do not match. */
bool fg_kernel_banner(const uint8_t *d, size_t len, fg_kbanner *b);

/* ---- IKCONFIG ------------------------------------------------------------ */

#define FG_IKCONFIG_ST "IKCFG_ST"
#define FG_IKCONFIG_ED "IKCFG_ED"
#define FG_IKCONFIG_MAX_GZ (4u << 20)   /* a compressed .config is ~60 KiB */

/* Locates the first IKCONFIG block in D: the gzip stream right after
 * "IKCFG_ST" at *GZ_OFF, *GZ_LEN bytes up to "IKCFG_ED" (or to the end of
 * the data, at most FG_IKCONFIG_MAX_GZ, when the end marker is missing:
 * then *CLOSED is false). */
bool fg_ikconfig_locate(const uint8_t *d, size_t len, size_t *gz_off, size_t *gz_len, bool *closed);

/* ---- compressed payloads -------------------------------------------------- */

typedef enum fg_kz_method {
	FG_KZ_GZIP, FG_KZ_XZ, FG_KZ_LZMA, FG_KZ_LZO, FG_KZ_LZ4, FG_KZ_ZSTD, FG_KZ_BZIP2,
	FG_KZ_COUNT,
} fg_kz_method;

const char *fg_kz_name(fg_kz_method m);

/* The method whose magic starts at P, or -1. */
int fg_kz_sniff(const uint8_t *p, size_t n);

/* Decodes a bounded prefix of the stream at IN: false when it is not a
 * stream of method M (random bytes after a magic fail within a few
 * hundred bytes). Allocates nothing from the budget. */
bool fg_kz_trial(fg_kz_method m, const uint8_t *in, size_t len);

/* Decodes the stream at IN into O (fg_outbuf_init'ed by the caller).
 * Returns the input bytes used; *DONE when the stream ended cleanly, else
 * *ERR says why it stopped (what was decoded stays in O). */
size_t fg_kz_decode(fg_unpack_ctx *ctx, fg_kz_method m, const uint8_t *in, size_t len,
		    fg_outbuf *o, bool *done, const char **err);

typedef struct fg_kz_found {
	fg_kz_method method;
	size_t offset;      /* of the stream in the searched data */
	size_t used;        /* its compressed length as decoded */
	bool done;
	const char *err;
} fg_kz_found;

/* Finds the compressed kernel in D[FROM, LEN): every compression magic in
 * order of offset, the first stream that passes a trial and decodes to a
 * kernel-sized output (or one holding the banner) is kept in O. False when
 * none does (O is then empty). */
bool fg_kz_find(fg_unpack_ctx *ctx, const uint8_t *d, size_t len, size_t from, fg_outbuf *o,
		fg_kz_found *f);

#endif
