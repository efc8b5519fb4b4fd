/*
 * svc_backdoor.c - shells bound to the network and backdoor daemons
 * started at boot.
 *
 * From the boot model (checks/boot.h), a start is a backdoor when it is
 *   nc / netcat / ncat (also busybox nc) with -e or -c (runs a program
 *     for whoever connects, or connects out with a shell): CRITICAL;
 *   socat with an EXEC: or SYSTEM: address: CRITICAL;
 *   telnetd / utelnetd with -l naming a shell (a root shell without any
 *     login, on top of what services.telnet reports): CRITICAL;
 *   a program whose name says what it is: shellback, backdoor, bindshell,
 *     bind_shell, rshell, revshell, reverse_shell (IoTGoat's
 *     /usr/bin/shellback is a bind shell on TCP 5515): HIGH. The port is
 *     not known statically; an OpenWrt UCI file /etc/config/<name> with
 *     "enabled 1" is named in the message.
 * Severity drops to MEDIUM when the script is not proven to run at boot
 * (checks/boot.h) and nothing is reported for disabled OpenWrt scripts.
 * One finding per file and line; the subject names the program.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks/boot.h"
#include "checks/check.h"
#include "checks/files.h"
#include "checks/uci.h"

static const char *const names[] = {
	"shellback", "backdoor", "bindshell", "bind_shell", "rshell", "revshell", "reverse_shell",
	"reverseshell", NULL,
};

static bool named_backdoor(const char *prog)
{
	char low[128];
	const char *b = fg_base_name(prog);
	size_t n = 0;
	for (; b[n] && n + 1 < sizeof(low); n++)
		low[n] = (char)tolower((unsigned char)b[n]);
	low[n] = '\0';
	for (const char *const *w = names; *w; w++)
		if (strstr(low, *w))
			return true;
	return false;
}

static bool is_netcat(const char *b)
{
	return strcmp(b, "nc") == 0 || strcmp(b, "netcat") == 0 || strcmp(b, "ncat") == 0 ||
	       strcmp(b, "nc.traditional") == 0 || strcmp(b, "nc.openbsd") == 0;
}

/* -e PROG / -c CMD, also in a cluster such as "-lpe" or "-lvnp4444 -e". */
static const char *netcat_exec(const fg_boot_start *s)
{
	for (size_t i = 0; i < s->argc; i++) {
		const char *a = s->argv[i];
		if (a[0] != '-' || a[1] == '-' || !a[1])
			continue;
		for (const char *p = a + 1; *p; p++) {
			if (*p != 'e' && *p != 'c')
				continue;
			if (p[1])
				return p + 1;
			return i + 1 < s->argc ? s->argv[i + 1] : "";
		}
	}
	return NULL;
}

static const char *socat_exec(const fg_boot_start *s)
{
	for (size_t i = 0; i < s->argc; i++)
		if (strncasecmp(s->argv[i], "exec:", 5) == 0 || strncasecmp(s->argv[i], "system:", 7) == 0)
			return s->argv[i];
	return NULL;
}

static void report(fg_check_ctx *ctx, fg_seen *seen, const fg_boot_start *s, int sev,
		   const char *what, const char *extra)
{
	sev = fg_boot_severity(s, sev);
	if (sev < 0 || !fg_seen_first(seen, s->node, s->line))
		return;
	char where[1600], subject[200];
	fg_boot_describe(s, where, sizeof(where));
	snprintf(subject, sizeof(subject), "backdoor:%s", fg_base_name(s->prog));
	fg_report_at(ctx, s->node, s->line, -1, sev, subject, NULL, "%s is started from %s.%s",
		     what, where, extra);
}

static void run(fg_check_ctx *ctx)
{
	const fg_boot *b = fg_boot_of(ctx);
	fg_seen seen = { 0 };
	for (size_t i = 0; b && i < b->v.n; i++) {
		const fg_boot_start *s = &b->v.v[i];
		const char *prog = s->src == FG_BOOT_INETD ? fg_boot_inetd_program(s) : s->prog;
		const char *base = fg_base_name(prog), *x;
		char what[700], extra[600] = "";
		if (!prog[0])
			continue;
		if (is_netcat(base) && (x = netcat_exec(s))) {
			snprintf(what, sizeof(what), "A netcat shell (%s -e %.200s: whoever connects gets "
				 "that program, usually a root shell)", base, x);
			report(ctx, &seen, s, FG_SEV_CRITICAL, what, "");
		} else if (strcmp(base, "socat") == 0 && (x = socat_exec(s))) {
			snprintf(what, sizeof(what), "A socat relay to a program (%.200s)", x);
			report(ctx, &seen, s, FG_SEV_CRITICAL, what, "");
		} else if ((strcmp(base, "telnetd") == 0 || strcmp(base, "utelnetd") == 0) &&
			   (x = fg_boot_option(s, "-l")) && fg_sh_is_shell(x)) {
			snprintf(what, sizeof(what), "A telnet server that runs %.200s instead of login "
				 "(a shell for anyone who connects, no password)", x);
			report(ctx, &seen, s, FG_SEV_CRITICAL, what, "");
		} else if (named_backdoor(prog)) {
			char conf[256];
			snprintf(conf, sizeof(conf), "/etc/config/%.200s", base);
			const fg_node *cn = fg_node_content(fg_ctx_lookup(ctx, conf));
			fg_uci *u = fg_uci_of_node(cn);
			for (size_t k = 0; u && k < u->v.n && !extra[0]; k++) {
				const fg_uci_opt *en = fg_uci_get(&u->v.v[k], "enabled");
				if (fg_uci_true(en))
					snprintf(extra, sizeof(extra), " %s enables it (line %u: enabled %s).",
						 conf, en->line, en->value);
			}
			fg_uci_free(u);
			snprintf(what, sizeof(what), "A program named like a backdoor (%.200s) -- an "
				 "unknown service started at boot whose name suggests a remote shell", prog);
			report(ctx, &seen, s, FG_SEV_HIGH, what, extra);
		}
	}
	FG_VEC_FREE(&seen);
}

const fg_check fg_check_backdoor = {
	.id = "services.backdoor",
	.title = "Bind shell or backdoor started at boot",
	.severity = FG_SEV_HIGH,
	.remediation = "Remove the program and every place that starts it (boot scripts, init "
		       "scripts, UCI config); ship no debug or remote shells in production firmware.",
	.run = run,
};
