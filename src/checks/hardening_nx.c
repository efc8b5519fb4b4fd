/*
 * hardening_nx.c - programs and libraries with an executable stack.
 *
 * The stack is executable when the last PT_GNU_STACK has PF_X, or when
 * there is none and the architecture defaults to an executable stack
 * (x86, ARM, MIPS, 32-bit PowerPC; see elf/hardening.c for the table and
 * its kernel sources). A library counts too: loading it makes the whole
 * process stack executable. Kernel modules and object files are not
 * rated.
 */
#include "checks/hardening_common.h"

/* Severity rules (one table, so thresholds can be configured later). */
static const fg_sev_rule rules[] = {
	{ FG_NX_NO, FG_NET_ANY, FG_SCOPE_ANY, FG_SEV_HIGH },
};

static void run(fg_check_ctx *ctx)
{
	const fg_hardening_set *s = fg_hardening_of(ctx);
	for (size_t i = 0; s && i < s->v.n; i++) {
		const fg_hardening *h = &s->v.v[i];
		int sev = FG_SEV_PICK(rules, h->nx, h);
		if (sev != FG_NO_FINDING)
			fg_hardening_report(ctx, h, "nx", sev, h->nx_off, "executable stack (no NX)",
					    h->nx_why);
	}
}

const fg_check fg_check_hardening_nx = {
	.id = "hardening.nx",
	.title = "Executable stack",
	.severity = FG_SEV_HIGH,
	.remediation = "Link with -z noexecstack (and fix the object that asks for an executable "
		       "stack: assembly without a .note.GNU-stack section, nested-function "
		       "trampolines); on MIPS use a toolchain and kernel (4.8+) that no longer need "
		       "stack trampolines for FPU emulation.",
	.run = run,
};
