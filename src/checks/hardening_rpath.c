/*
 * hardening_rpath.c - RPATH/RUNPATH, and writable-looking ones.
 *
 * The dynamic loader searches RPATH/RUNPATH directories for libraries
 * before (RPATH) or after (RUNPATH) LD_LIBRARY_PATH and before the
 * system directories. An entry an attacker may be able to write -- empty
 * (the current directory), relative, $ORIGIN-based, under /tmp, /var/tmp,
 * /dev/shm, /mnt, /media, /home or /data, or world-writable in the image
 * -- lets them plant a library the program loads. Other entries are
 * reported for information.
 */
#include <stdio.h>

#include "checks/hardening_common.h"

enum { RPATH_WRITABLE = 1, RPATH_SET };

/* Severity rules (one table, so thresholds can be configured later). */
static const fg_sev_rule rules[] = {
	{ RPATH_WRITABLE, FG_NET_ANY, FG_SCOPE_ANY, FG_SEV_HIGH },
	{ RPATH_SET, FG_NET_ANY, FG_SCOPE_ANY, FG_SEV_INFO },
};

static void run(fg_check_ctx *ctx)
{
	const fg_hardening_set *s = fg_hardening_of(ctx);
	for (size_t i = 0; s && i < s->v.n; i++) {
		const fg_hardening *h = &s->v.v[i];
		int v = h->rpath_writable ? RPATH_WRITABLE : (h->rpath || h->runpath) ? RPATH_SET : 0;
		int sev = FG_SEV_PICK(rules, v, h);
		char ev[1200];
		if (sev == FG_NO_FINDING)
			continue;
		if (h->rpath_writable)
			snprintf(ev, sizeof(ev), "%.1100s", h->rpath_why);
		else
			snprintf(ev, sizeof(ev), "%s '%.1000s'", h->rpath ? "RPATH" : "RUNPATH",
				 h->rpath ? h->rpath : h->runpath);
		fg_hardening_report(ctx, h, "rpath", sev, h->rpath_off,
				    h->rpath_writable ? "library search path an attacker may write to"
						      : "library search path set (RPATH/RUNPATH)", ev);
	}
}

const fg_check fg_check_hardening_rpath = {
	.id = "hardening.rpath",
	.title = "RPATH/RUNPATH set",
	.severity = FG_SEV_HIGH,
	.remediation = "Drop RPATH/RUNPATH (install libraries in the system directories), or "
		       "use absolute, root-owned, read-only directories only.",
	.run = run,
};
