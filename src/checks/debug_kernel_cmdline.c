/*
 * debug_kernel_cmdline.c - kernel command lines that open a shell.
 *
 * Kernel arguments found in the tree: bootargs (and any variable holding
 * "init=") of U-Boot environments (binary blobs with a valid CRC and text
 * dumps, checks/uboot_env.h), and cmdline files (/boot/cmdline.txt,
 * files named cmdline or cmdline.txt). Rules:
 *   init=/bin/sh (any shell) or rdinit=<shell>: the kernel starts a root
 *     shell instead of init, on the console named by console= -- HIGH;
 *   kgdboc= / kgdbwait / kgdbcon: the kernel debugger on a serial port --
 *     MEDIUM.
 * One finding per variable or file line.
 */
#include <stdio.h>
#include <string.h>

#include "checks/boot.h"
#include "checks/check.h"
#include "checks/files.h"
#include "checks/uboot_env.h"

/* Value of KEY= as a whole word of CMD (up to the next blank). */
static bool arg_value(const char *cmd, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	for (const char *p = cmd; (p = strstr(p, key)); p += kl) {
		if (p != cmd && p[-1] != ' ' && p[-1] != '\t' && p[-1] != '"' && p[-1] != '\'')
			continue;
		size_t n = strcspn(p + kl, " \t\"';");
		snprintf(out, cap, "%.*s", (int)n, p + kl);
		return true;
	}
	return false;
}

static bool has_word(const char *cmd, const char *w)
{
	size_t wl = strlen(w);
	for (const char *p = cmd; (p = strstr(p, w)); p += wl)
		if ((p == cmd || p[-1] == ' ') && (!p[wl] || p[wl] == ' ' || p[wl] == '='))
			return true;
	return false;
}

static void judge(fg_check_ctx *ctx, const fg_file *f, unsigned line, int64_t off, const char *what,
		  const char *cmd)
{
	char init[256] = "", console[128] = "", subject[300];
	const char *key = NULL;
	if (arg_value(cmd, "init=", init, sizeof(init)) && fg_sh_is_shell(init))
		key = "init";
	else if (arg_value(cmd, "rdinit=", init, sizeof(init)) && fg_sh_is_shell(init))
		key = "rdinit";
	arg_value(cmd, "console=", console, sizeof(console));
	if (key) {
		snprintf(subject, sizeof(subject), "cmdline:%s:%s", what, key);
		fg_report_at(ctx, f->node, line, off, -1, subject, NULL,
			     "%s (%s) sets %s=%s: the kernel starts a root shell instead of init%s%s.",
			     f->path, what, key, init, console[0] ? " on console " : "", console);
	}
	if (has_word(cmd, "kgdboc") || has_word(cmd, "kgdbwait") || has_word(cmd, "kgdbcon")) {
		snprintf(subject, sizeof(subject), "cmdline:%s:kgdb", what);
		fg_report_at(ctx, f->node, line, off, FG_SEV_MEDIUM, subject, NULL,
			     "%s (%s) enables the kernel debugger on a serial port (kgdb).", f->path, what);
	}
}

static void run(fg_check_ctx *ctx)
{
	const fg_uboot_envs *envs = fg_uboot_envs_of(ctx);
	for (size_t i = 0; envs && i < envs->v.n; i++) {
		const fg_uboot_env *e = &envs->v.v[i];
		for (size_t k = 0; k < e->vars.n; k++) {
			const fg_uboot_var *v = &e->vars.v[k];
			if (strcmp(v->name, "bootargs") == 0 || strstr(v->value, "init=") ||
			    strstr(v->value, "kgdb"))
				judge(ctx, e->file, v->line, v->offset, v->name, v->value);
		}
	}
	const fg_files *files = fg_files_of(ctx);
	for (size_t i = 0; files && i < files->v.n; i++) {
		const fg_file *f = &files->v.v[i];
		if (!f->text || (strcmp(f->name, "cmdline.txt") != 0 && strcmp(f->name, "cmdline") != 0) ||
		    f->node->data_len > 64 * 1024)
			continue;
		const char *t = (const char *)f->node->data, *s;
		size_t l;
		fg_line_iter it;
		fg_line_iter_init(&it, t, f->node->data_len);
		while (fg_line_next(&it, &s, &l)) {
			char cmd[4096];
			if (!l || s[0] == '#')
				continue;
			snprintf(cmd, sizeof(cmd), "%.*s", (int)l, s);
			judge(ctx, f, it.no, (int64_t)it.start, "kernel command line", cmd);
		}
	}
}

const fg_check fg_check_kernel_cmdline = {
	.id = "debug.kernel-cmdline",
	.title = "Kernel command line opens a shell or debugger",
	.severity = FG_SEV_HIGH,
	.remediation = "Boot the real init (no init=/bin/sh or rdinit=/bin/sh) and no kgdb options "
		       "in production boot arguments; lock the boot loader environment.",
	.run = run,
};
