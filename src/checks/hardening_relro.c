/*
 * hardening_relro.c - missing or partial RELRO.
 *
 * Without PT_GNU_RELRO the relocated data (GOT, .init_array, ...) stays
 * writable for the life of the process; with it but without BIND_NOW
 * the PLT part of the GOT stays writable for lazy binding, the classic
 * target of a write primitive.
 */
#include "checks/hardening_common.h"

/* Severity rules (one table, so thresholds can be configured later). */
static const fg_sev_rule rules[] = {
	{ FG_RELRO_NONE, FG_NET_ANY, FG_SCOPE_ANY, FG_SEV_MEDIUM },
	{ FG_RELRO_PARTIAL, FG_NET_ANY, FG_SCOPE_ANY, FG_SEV_LOW },
};

static void run(fg_check_ctx *ctx)
{
	const fg_hardening_set *s = fg_hardening_of(ctx);
	for (size_t i = 0; s && i < s->v.n; i++) {
		const fg_hardening *h = &s->v.v[i];
		int sev = FG_SEV_PICK(rules, h->relro, h);
		if (sev != FG_NO_FINDING)
			fg_hardening_report(ctx, h, "relro", sev, -1,
					    h->relro == FG_RELRO_NONE ? "no RELRO" : "partial RELRO",
					    h->relro_why);
	}
}

const fg_check fg_check_hardening_relro = {
	.id = "hardening.relro",
	.title = "No or partial RELRO",
	.severity = FG_SEV_MEDIUM,
	.remediation = "Link with -Wl,-z,relro,-z,now (full RELRO).",
	.run = run,
};
