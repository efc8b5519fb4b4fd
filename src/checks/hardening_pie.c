/*
 * hardening_pie.c - programs that are not position-independent.
 *
 * An ET_EXEC program is loaded at a fixed address, so ASLR cannot move
 * its code: every gadget address is known in advance. Rated for
 * programs only (shared libraries are always relocatable); higher for
 * programs started at boot (checks/boot_programs.h), which are the ones
 * reachable from the network.
 */
#include "checks/hardening_common.h"

/* Severity rules (one table, so thresholds can be configured later). */
static const fg_sev_rule rules[] = {
	{ FG_PIE_NO, 1, FG_SCOPE_PROGRAMS, FG_SEV_MEDIUM },
	{ FG_PIE_NO, 0, FG_SCOPE_PROGRAMS, FG_SEV_LOW },
};

static void run(fg_check_ctx *ctx)
{
	const fg_hardening_set *s = fg_hardening_of(ctx);
	for (size_t i = 0; s && i < s->v.n; i++) {
		const fg_hardening *h = &s->v.v[i];
		int sev = FG_SEV_PICK(rules, h->pie, h);
		if (sev != FG_NO_FINDING)
			fg_hardening_report(ctx, h, "pie", sev, -1, "not a position-independent "
					    "executable (no ASLR for its code)", h->pie_why);
	}
}

const fg_check fg_check_hardening_pie = {
	.id = "hardening.pie",
	.title = "Program is not position-independent (PIE)",
	.severity = FG_SEV_MEDIUM,
	.remediation = "Build with -fPIE and link with -pie (the default of current GCC and "
		       "Debian toolchains).",
	.run = run,
};
