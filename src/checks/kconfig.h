/*
 * kconfig.h - Linux kernel configurations, for hardening.kernel-config.
 *
 * fg_kconfig_load() takes a .config as the kernel build writes it (plain,
 * or gzip-compressed as /proc/config.gz serves it), decides whether it is
 * one (not a BusyBox or uClibc .config), and indexes its options.
 * fg_kconfig_check() rates it against data/kernel/hardening.txt and
 * reports one finding per unmet option.
 *
 * IKCONFIG: a kernel built with CONFIG_IKCONFIG carries its
 * configuration inside the image, gzip-compressed between the markers
 * "IKCFG_ST" and "IKCFG_ED". The unpacking stage takes it out of the
 * kernels it unpacks or carves (vmlinux, zImage, bzImage, uImage, FIT...)
 * as a ".config" in a file tree of its own (format "ikconfig"), rated like
 * any other config. For kernel images inside a file tree, which are
 * identified but not carved, kernel_config.c's ikconfig_extract() reads
 * the block directly (unpack/kernel.h: fg_ikconfig_locate()).
 */
#ifndef FG_KCONFIG_H
#define FG_KCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/check.h"

#define FG_KCONFIG_MAX (16u << 20) /* decompressed bytes accepted */

typedef struct fg_kconfig_opt {
	const char *name;       /* "CONFIG_X", NUL-terminated */
	const char *value;      /* "y", "m", "\"text\"", ...; NULL for "is not set" */
	unsigned line;          /* 1-based, in the (decompressed) text */
} fg_kconfig_opt;

typedef struct fg_kconfig {
	char *text;             /* owned copy, split in place */
	size_t len;
	fg_kconfig_opt *opts;   /* sorted by name */
	size_t n;
	bool compressed;        /* the file was gzip-compressed */
	char arch[16];          /* "x86_64", "x86_32", "arm", "arm64", "mips", "powerpc",
				   "powerpc64", "riscv", or "" when unknown */
	unsigned ver[3];        /* kernel version from the header, when has_ver */
	bool has_ver;
} fg_kconfig;

/* 0 when DATA (LEN bytes) is a kernel configuration, -1 when it is not
 * (or is corrupt, or larger than FG_KCONFIG_MAX once decompressed). */
int fg_kconfig_load(fg_kconfig *k, const uint8_t *data, size_t len);
void fg_kconfig_free(fg_kconfig *k);

const fg_kconfig_opt *fg_kconfig_find(const fg_kconfig *k, const char *name);

/* Reports every unmet option of the hardening table on NODE, whose
 * config K came from SOURCE (a short phrase for messages, e.g. the path,
 * or "IKCONFIG of /boot/vmlinux"). */
void fg_kconfig_check(fg_check_ctx *ctx, const fg_node *node, const fg_kconfig *k,
		      const char *source);

#endif
