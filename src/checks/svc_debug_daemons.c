/*
 * svc_debug_daemons.c - adbd and gdbserver started at boot.
 *
 * From the boot model (checks/boot.h): a start of adbd, or of gdbserver
 * (gdbserver, gdbserver64; gdbserver gives whoever reaches its port full
 * control of the debugged process: CRITICAL), plus Android init files
 * (/init.rc, /init.*.rc, /etc/init/ *.rc) with a "service adbd" or
 * "service gdbserver" block that is not "disabled", and the properties
 * service.adb.tcp.port / persist.adb.tcp.port set to a port (adb over
 * TCP: HIGH). Severity follows the boot state as in the other service
 * checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/boot.h"
#include "checks/check.h"
#include "checks/files.h"

static void check_start(fg_check_ctx *ctx, fg_seen *seen, const fg_boot_start *s)
{
	const char *b = fg_base_name(s->src == FG_BOOT_INETD ? fg_boot_inetd_program(s) : s->prog);
	bool gdb = strcmp(b, "gdbserver") == 0 || strcmp(b, "gdbserver64") == 0;
	bool adb = strcmp(b, "adbd") == 0;
	if (!gdb && !adb)
		return;
	int sev = fg_boot_severity(s, gdb ? FG_SEV_CRITICAL : FG_SEV_HIGH);
	if (sev < 0 || !fg_seen_first(seen, s->node, s->line))
		return;
	char where[1600], subject[64];
	fg_boot_describe(s, where, sizeof(where));
	snprintf(subject, sizeof(subject), "debugd:%s", b);
	fg_report_at(ctx, s->node, s->line, -1, sev, subject, NULL, "%s is started from %s. %s", b,
		     where,
		     gdb ? "gdbserver gives whoever reaches it full control of the debugged process."
			 : "adbd offers a debug shell to whoever reaches it over USB or TCP.");
}

static void check_rc(fg_check_ctx *ctx, const fg_file *f)
{
	const char *t = (const char *)f->node->data, *s;
	size_t len = f->node->data_len < FG_TEXT_MAX ? f->node->data_len : FG_TEXT_MAX, l;
	fg_line_iter it;
	fg_line_iter_init(&it, t, len);
	unsigned svc_line = 0;
	char svc[32] = "";
	bool disabled = false;
	for (bool more = true; more;) {
		more = fg_line_next(&it, &s, &l);
		bool block_end = !more || (l > 8 && (strncmp(s, "service ", 8) == 0 || strncmp(s, "on ", 3) == 0));
		if (block_end && svc_line && !disabled) {
			char subject[64];
			bool gdb = strcmp(svc, "gdbserver") == 0;
			snprintf(subject, sizeof(subject), "android-service:%s", svc);
			fg_report_at(ctx, f->node, svc_line, -1, gdb ? FG_SEV_CRITICAL : FG_SEV_HIGH,
				     subject, NULL, "%s defines the Android init service %s (line %u) "
				     "without 'disabled': it starts at boot.", f->path, svc, svc_line);
		}
		if (block_end)
			svc_line = 0;
		if (!more)
			break;
		if (l > 8 && strncmp(s, "service ", 8) == 0) {
			size_t nl = 0;
			while (8 + nl < l && s[8 + nl] != ' ' && s[8 + nl] != '\t')
				nl++;
			if ((nl == 4 && memcmp(s + 8, "adbd", 4) == 0) ||
			    (nl == 9 && memcmp(s + 8, "gdbserver", 9) == 0)) {
				svc_line = it.no;
				snprintf(svc, sizeof(svc), "%.*s", (int)nl, s + 8);
				disabled = false;
			}
		} else if (svc_line && l >= 8 && strncmp(s, "disabled", 8) == 0) {
			disabled = true;
		} else if (l > 8 && strncmp(s, "setprop ", 8) == 0 &&
			   (memmem(s, l, "service.adb.tcp.port", 20) || memmem(s, l, "persist.adb.tcp.port", 20))) {
			const char *port = memchr(s + 8, ' ', l - 8); /* "setprop NAME PORT" */
			unsigned v = 0;
			for (const char *d = port ? port + 1 : s + l; d < s + l && *d >= '0' && *d <= '9' && v < 100000; d++)
				v = v * 10 + (unsigned)(*d - '0');
			if (v > 0)
				fg_report_at(ctx, f->node, it.no, -1, FG_SEV_HIGH, "adb-tcp", NULL,
					     "%s enables adb over TCP (line %u).", f->path, it.no);
		}
	}
}

static void run(fg_check_ctx *ctx)
{
	const fg_boot *b = fg_boot_of(ctx);
	fg_seen seen = { 0 };
	for (size_t i = 0; b && i < b->v.n; i++)
		check_start(ctx, &seen, &b->v.v[i]);
	FG_VEC_FREE(&seen);
	const fg_files *files = fg_files_of(ctx);
	for (size_t i = 0; files && i < files->v.n; i++) {
		const fg_file *f = &files->v.v[i];
		if (!f->text || !fg_ends_with(f->name, ".rc"))
			continue;
		if ((strncmp(f->path, "/init", 5) == 0 && !strchr(f->path + 1, '/')) ||
		    strncmp(f->path, "/etc/init/", 10) == 0 || strncmp(f->path, "/system/etc/init/", 17) == 0 ||
		    strncmp(f->path, "/vendor/etc/init/", 17) == 0)
			check_rc(ctx, f);
	}
}

const fg_check fg_check_debug_daemons = {
	.id = "services.adb-gdbserver",
	.title = "Debug daemon (adbd, gdbserver) started at boot",
	.severity = FG_SEV_HIGH,
	.remediation = "Do not start adbd or gdbserver in production builds; remove them from the "
		       "boot configuration (and the image), or require authenticated adb.",
	.run = run,
};
