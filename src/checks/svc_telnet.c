/*
 * svc_telnet.c - a telnet server started at boot.
 *
 * Telnet sends the login and the whole session in clear text; a device
 * that starts telnetd at boot exposes a shell to its network.
 *
 * Only text configuration and scripts are read (a file with a NUL byte in
 * its first 4 KiB is skipped), so a busybox binary that merely contains
 * the string "telnetd" never matters. The rules:
 *
 *   inittab    /etc/inittab "id:runlevels:action:process": a process field
 *              (action not "off") whose command starts telnetd.
 *   inetd      /etc/inetd.conf: a non-comment entry whose service is
 *              "telnet" or whose server program is a telnetd.
 *   xinetd     /etc/xinetd.conf, /etc/xinetd.d/ *: a service block for
 *              telnet (by name or server) without "disable = yes".
 *   systemd    a .service or .socket linked from a *.wants or *.requires
 *              directory of /etc/systemd/system, /lib/systemd/system or
 *              /usr/lib/systemd/system, whose ExecStart (or, for a socket,
 *              whose service's ExecStart) starts telnetd, or a socket
 *              named telnet*.
 *   scripts    a shell command that starts telnetd, in a script that runs
 *              at boot. A script is proven to run at boot when it is
 *                - /etc/rc.local, /etc/rcS, /etc/init.d/rcS, /etc/rc.d/rc.local,
 *                  /etc/rc.d/rcS, /etc/rc.sysinit or /etc/rc.d/rc.sysinit;
 *                - /etc/init.d/S<nn>*: busybox rcS runs /etc/init.d/S??*;
 *                - the target of an S* entry of /etc/rc.d (OpenWrt),
 *                  /etc/rc.d/rc{S,1-5}.d or /etc/rc{S,1-5}.d (sysvinit);
 *                - run from inittab or called by path from a proven script.
 *              Other scripts in /etc/init.d and /etc/rc.d are still
 *              reported, at MEDIUM, saying boot could not be proven --
 *              except OpenWrt scripts (START= or "#!/bin/sh /etc/rc.common")
 *              when /etc/rc.d holds S* links: then the missing link means
 *              the service is disabled, and nothing is reported.
 *
 * A command starts telnetd when, after keywords (if, then, do, !, ...),
 * variable assignments and wrappers (exec, nohup, env, nice, setsid,
 * sudo), its program is telnetd, utelnetd or in.telnetd (also through a
 * variable assigned earlier in the file), or "busybox telnetd",
 * "start-stop-daemon --start ... --exec telnetd", "procd_set_param command
 * telnetd", "service_start telnetd", or "sh -c"/"eval" of such a command.
 * Everything else is not a start: comments, echo/printf text, kill,
 * killall, pkill, pidof, grep, test and every other program, heredoc
 * bodies and case patterns.
 *
 * One finding per file, at the first starting command; the subject is
 * "telnetd:" + the file's path so the fingerprint survives line changes.
 *
 * The sh lexer, the unwrapping of commands and the boot reachability
 * rules live in checks/boot.c (shared with the other service checks);
 * this file only decides which boot starts are telnet servers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/boot.h"
#include "checks/check.h"
#include "core/vec.h"

static bool is_telnetd(const char *prog)
{
	const char *b = fg_base_name(prog);
	return strcmp(b, "telnetd") == 0 || strcmp(b, "utelnetd") == 0 ||
	       strcmp(b, "in.telnetd") == 0;
}

/* ---- reporting ---------------------------------------------------------- */

typedef struct telnet_ctx {
	fg_check_ctx *ctx;
	FG_VEC(const fg_node *) reported; /* one finding per file */
} telnet_ctx;

static bool reported(const telnet_ctx *tc, const fg_node *node)
{
	for (size_t i = 0; i < tc->reported.n; i++)
		if (tc->reported.v[i] == node)
			return true;
	return false;
}

static void report(telnet_ctx *tc, const fg_node *node, unsigned line, int severity,
		   const char *msg)
{
	node = fg_node_content(node);
	if (!node || reported(tc, node))
		return;
	FG_VEC_PUSH(&tc->reported, node);

	char path[1024], subject[1100], excerpt[256];
	int64_t off;
	fg_node_path(node, path, sizeof(path));
	snprintf(subject, sizeof(subject), "telnetd:%s", path);
	fg_text_excerpt(node, line, excerpt, sizeof(excerpt), &off);
	fg_report_item item = {
		.node = node,
		.line = line,
		.offset = off,
		.message = msg,
		.excerpt = excerpt[0] ? excerpt : NULL,
		.subject = subject,
		.severity = severity,
	};
	fg_ctx_report(tc->ctx, &item);
}

/* ---- one boot start ------------------------------------------------------- */

static void check_start(telnet_ctx *tc, const fg_boot_start *s, const char **socket_done)
{
	char msg[3200];
	switch (s->src) {
	case FG_BOOT_INITTAB:
		if (!is_telnetd(s->prog))
			return;
		snprintf(msg, sizeof(msg),
			 "/etc/inittab starts a telnet server at boot (line %u, action '%s'). "
			 "Telnet sends logins and sessions in clear text.", s->line, s->service);
		report(tc, s->node, s->line, -1, msg);
		return;
	case FG_BOOT_SCRIPT:
		if (!is_telnetd(s->prog) || s->boot == FG_BOOT_DISABLED)
			return;
		if (s->boot == FG_BOOT_YES) {
			snprintf(msg, sizeof(msg),
				 "%s starts a telnet server (line %u) at boot: %s. Telnet sends logins and "
				 "sessions in clear text.", s->path, s->line, s->why);
			report(tc, s->node, s->line, -1, msg);
		} else {
			snprintf(msg, sizeof(msg),
				 "%s starts a telnet server (line %u), but it could not be proven that the "
				 "script runs at boot (no S??* name, no rc.d link, not called from a boot "
				 "script).", s->path, s->line);
			report(tc, s->node, s->line, FG_SEV_MEDIUM, msg);
		}
		return;
	case FG_BOOT_INETD:
		/* tcpd wrappers name telnetd as argv[0] */
		if (strcmp(s->service, "telnet") != 0 && !is_telnetd(s->prog) &&
		    !(s->argc > 0 && is_telnetd(s->argv[0])))
			return;
		snprintf(msg, sizeof(msg),
			 "%s serves telnet (line %u, server %s). Telnet sends logins and sessions in "
			 "clear text.", s->path, s->line, s->prog);
		report(tc, s->node, s->line, -1, msg);
		return;
	case FG_BOOT_XINETD:
		if (strcmp(s->service, "telnet") != 0 && !is_telnetd(s->prog))
			return;
		snprintf(msg, sizeof(msg),
			 "%s enables the xinetd telnet service (line %u). Telnet sends logins and "
			 "sessions in clear text.", s->path, s->line);
		report(tc, s->node, s->line, -1, msg);
		return;
	case FG_BOOT_SYSTEMD:
		if (!is_telnetd(s->prog))
			return;
		if (fg_ends_with(s->service, ".socket")) {
			*socket_done = s->id;
			snprintf(msg, sizeof(msg),
				 "%s starts a telnet server (line %u) for connections to socket %s, "
				 "enabled by %s. Telnet sends logins and sessions in clear text.",
				 s->path, s->line, s->service, s->id);
		} else {
			snprintf(msg, sizeof(msg),
				 "systemd unit %s starts a telnet server (%s line %u) and is enabled by %s. "
				 "Telnet sends logins and sessions in clear text.", s->service, s->path,
				 s->line, s->id);
		}
		report(tc, s->node, s->line, -1, msg);
		return;
	case FG_BOOT_SOCKET:
		/* A socket named telnet* whose service could not be read. */
		if (*socket_done == s->id || strncmp(s->service, "telnet", 6) != 0)
			return;
		snprintf(msg, sizeof(msg),
			 "systemd socket %s (telnet) is enabled by %s. Telnet sends logins and "
			 "sessions in clear text.", s->service, s->id);
		report(tc, s->node, s->line, -1, msg);
		return;
	}
}

static void run(fg_check_ctx *ctx)
{
	const fg_boot *b = fg_boot_of(ctx);
	if (!b)
		return;
	telnet_ctx tc = { .ctx = ctx };
	const char *socket_done = NULL;
	for (size_t i = 0; i < b->v.n; i++)
		check_start(&tc, &b->v.v[i], &socket_done);
	FG_VEC_FREE(&tc.reported);
}

const fg_check fg_check_telnet = {
	.id = "services.telnet",
	.title = "Telnet server started at boot",
	.severity = FG_SEV_HIGH,
	.remediation = "Do not start telnetd: remove it from the boot scripts, inittab and "
		       "inetd/xinetd/systemd, and drop the applet from the busybox build. Offer SSH "
		       "with per-device credentials if remote access is needed.",
	.run = run,
};
