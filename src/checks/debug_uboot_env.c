/*
 * debug_uboot_env.c - U-Boot environments that leave the boot loader open.
 *
 * Environments found in the tree (checks/uboot_env.h: binary blobs whose
 * CRC matches, and text dumps such as a README's "U-Boot> env print" or a
 * uEnv.txt). Rules:
 *   bootdelay  > 0 or -1 (autoboot off: the prompt waits) without a stop
 *              key or password (bootstopkey, bootstopkeysha256,
 *              bootdelaykey, bootstopusesha256, password): anyone on the
 *              serial console can interrupt the boot and run any command
 *              -- MEDIUM, at the bootdelay line;
 *   flashing   variables that load an image over TFTP and write flash
 *              (sf write, flwrite, nand write, mmc write, erase, cp.b,
 *              sf update): HIGH when verify=n (image checksums not
 *              checked), else MEDIUM; one finding at the first such
 *              variable naming them all;
 *   verify=n   with no TFTP flashing: bootm does not check image
 *              checksums -- LOW.
 * Variables in a binary environment are located by byte offset, in a
 * text dump by line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/check.h"
#include "checks/files.h"
#include "checks/uboot_env.h"

static bool writes_flash(const char *v)
{
	static const char *const w[] = {
		"sf write", "flwrite", "nand write", "mmc write", "erase ", "cp.b", "sf update",
		"flash write", "spi write", "spinand write", NULL,
	};
	for (const char *const *p = w; *p; p++)
		if (strstr(v, *p))
			return true;
	return false;
}

static void check_env(fg_check_ctx *ctx, const fg_uboot_env *e)
{
	const fg_file *f = e->file;
	const char *kind = e->binary ? "U-Boot environment" : "U-Boot environment dump";
	const fg_uboot_var *bd = fg_uboot_get(e, "bootdelay");
	const fg_uboot_var *verify = fg_uboot_get(e, "verify");
	bool no_verify = verify && (verify->value[0] == 'n' || verify->value[0] == 'N' ||
				    strcmp(verify->value, "0") == 0);
	static const char *const stop[] = {
		"bootstopkey", "bootstopkeysha256", "bootdelaykey", "bootstopusesha256", "bootstopkey2",
		"password", NULL,
	};
	bool guarded = false;
	for (const char *const *s = stop; *s; s++)
		guarded = guarded || fg_uboot_get(e, *s);
	if (bd && !guarded) {
		long d = strtol(bd->value, NULL, 10);
		if (d > 0 || d == -1)
			fg_report_at(ctx, f->node, bd->line, bd->offset, -1, "uboot:bootdelay", NULL,
				     "%s %s sets bootdelay=%s without a stop key or password: anyone on "
				     "the serial console can interrupt the boot and run any U-Boot "
				     "command (read or rewrite flash, boot another image).", f->path, kind,
				     bd->value);
	}
	char names[512] = "";
	const fg_uboot_var *first = NULL;
	unsigned count = 0;
	for (size_t i = 0; i < e->vars.n; i++) {
		const fg_uboot_var *v = &e->vars.v[i];
		if (!strstr(v->value, "tftp") || !writes_flash(v->value))
			continue;
		if (!first)
			first = v;
		size_t n = strlen(names);
		if (n < sizeof(names) - 80)
			snprintf(names + n, sizeof(names) - n, "%s%s", count ? ", " : "", v->name);
		count++;
	}
	if (first) {
		fg_report_at(ctx, f->node, first->line, first->offset, no_verify ? FG_SEV_HIGH : FG_SEV_MEDIUM,
			     "uboot:tftp-flash", NULL,
			     "%s %s has %u command%s that download an image over TFTP and write it to "
			     "flash (%s)%s: nothing authenticates the image.", f->path, kind, count,
			     count == 1 ? "" : "s", names,
			     no_verify ? ", and verify=n turns image checksum checks off" : "");
	} else if (no_verify) {
		fg_report_at(ctx, f->node, verify->line, verify->offset, FG_SEV_LOW, "uboot:verify", NULL,
			     "%s %s sets verify=%s: bootm does not check image checksums.", f->path,
			     kind, verify->value);
	}
}

static void run(fg_check_ctx *ctx)
{
	const fg_uboot_envs *envs = fg_uboot_envs_of(ctx);
	for (size_t i = 0; envs && i < envs->v.n; i++)
		check_env(ctx, &envs->v.v[i]);
}

const fg_check fg_check_uboot_env = {
	.id = "debug.uboot-env",
	.title = "U-Boot environment leaves the boot loader open",
	.severity = FG_SEV_MEDIUM,
	.remediation = "Set bootdelay=0 (or -2) or protect autoboot with a stop key hash "
		       "(CONFIG_AUTOBOOT_STOP_STR_SHA256), remove TFTP flashing commands, and enable "
		       "verified boot (FIT signatures) instead of verify=n.",
	.run = run,
};
