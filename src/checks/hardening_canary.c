/*
 * hardening_canary.c - no stack protector.
 *
 * A file built with -fstack-protector* references __stack_chk_fail (or
 * __stack_chk_guard, __stack_chk_fail_local, and the older ProPolice and
 * icc names). None of them means no function of it has a canary -- or,
 * for a file without character arrays, that none needed one: a small
 * program or library can be a false positive. Static programs without a
 * symbol table are "unknown" and not reported.
 */
#include "checks/hardening_common.h"

/* Severity rules (one table, so thresholds can be configured later). */
static const fg_sev_rule rules[] = {
	{ FG_CANARY_NO, 1, FG_SCOPE_ANY, FG_SEV_MEDIUM },
	{ FG_CANARY_NO, 0, FG_SCOPE_ANY, FG_SEV_LOW },
};

static void run(fg_check_ctx *ctx)
{
	const fg_hardening_set *s = fg_hardening_of(ctx);
	for (size_t i = 0; s && i < s->v.n; i++) {
		const fg_hardening *h = &s->v.v[i];
		int sev = FG_SEV_PICK(rules, h->canary, h);
		if (sev != FG_NO_FINDING)
			fg_hardening_report(ctx, h, "canary", sev, -1, "built without a stack protector",
					    h->canary_why);
	}
}

const fg_check fg_check_hardening_canary = {
	.id = "hardening.stack-protector",
	.title = "No stack protector",
	.severity = FG_SEV_MEDIUM,
	.remediation = "Build with -fstack-protector-strong.",
	.run = run,
};
