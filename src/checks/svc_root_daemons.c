/*
 * svc_root_daemons.c - network-facing daemons started at boot as root.
 *
 * Embedded init systems (busybox init, procd, rcS scripts) start every
 * daemon as root; unless the daemon switches to another user itself, a
 * bug in it is a root compromise. The list of network-facing programs
 * started at boot comes from the hardening checks' helper
 * (checks/boot_programs.h: ELF programs started from inittab, boot
 * scripts, inetd/xinetd and systemd, minus run-once tools). A program is
 * left out when its start (checks/boot.h) switches user: start-stop-daemon
 * --chuid/-c, "su USER -c", "chroot --userspec", or a -u/--user/-U
 * option, or systemd User=. INFO, one finding per program, at most 50
 * per tree: the list to review, not a defect by itself.
 */
#include <stdio.h>
#include <string.h>

#include "checks/boot.h"
#include "checks/boot_programs.h"
#include "checks/check.h"
#include "checks/files.h"

#define MAX_REPORTED 50

/* Whether a start of the program at NODE switches user. */
static bool drops_privileges(fg_check_ctx *ctx, const fg_boot *b, const fg_node *node)
{
	for (size_t i = 0; b && i < b->v.n; i++) {
		const fg_boot_start *s = &b->v.v[i];
		if (!s->prog[0] || fg_node_content(fg_ctx_lookup(ctx, s->prog)) != node)
			continue;
		if (fg_boot_option(s, "-u") || fg_boot_option(s, "--user") || fg_boot_option(s, "-U") ||
		    fg_boot_option(s, "--chuid"))
			return true;
		if (s->src == FG_BOOT_SYSTEMD) {
			const char *t;
			size_t len;
			if (fg_text_of(s->node, &t, &len) && memmem(t, len, "\nUser=", 6))
				return true;
		}
	}
	return false;
}

static void run(fg_check_ctx *ctx)
{
	fg_boot_programs *bp = fg_boot_programs_scan(fg_ctx_root(ctx));
	const fg_boot *b = fg_boot_of(ctx);
	unsigned n = 0;
	for (size_t i = 0; bp && i < bp->v.n && n < MAX_REPORTED; i++) {
		const fg_boot_prog *p = &bp->v.v[i];
		if (drops_privileges(ctx, b, p->node))
			continue;
		char path[1024] = "?", subject[300];
		fg_node_path(p->node, path, sizeof(path));
		snprintf(subject, sizeof(subject), "daemon:%s", path);
		fg_report_at(ctx, p->node, 0, -1, -1, subject, NULL,
			     "%s is started at boot (%s) as root, and no user switch was found where it "
			     "is started: unless it drops privileges itself, a flaw in it is a root "
			     "compromise.", path, p->how);
		n++;
	}
	fg_boot_programs_free(bp);
}

const fg_check fg_check_root_daemons = {
	.id = "services.root-daemons",
	.title = "Network-facing daemon started as root",
	.severity = FG_SEV_INFO,
	.remediation = "Run daemons as dedicated unprivileged users (start-stop-daemon --chuid, "
		       "procd_set_param user, systemd User=, or the daemon's own user option) and "
		       "keep only what must be root.",
	.run = run,
};
