/*
 * hardening_fortify.c - FORTIFY_SOURCE not used.
 *
 * A file that uses fortifiable libc functions (memcpy, strcpy, sprintf,
 * read, ...) but none of their __*_chk variants was not built with
 * -D_FORTIFY_SOURCE. Files whose libc has no *_chk functions (uClibc,
 * musl) cannot use it at all: one INFO per program says so. Bounded calls
 * the compiler could prove safe leave no *_chk either, so a small,
 * fortified program can read "no" (a false positive).
 */
#include "checks/hardening_common.h"

/* Severity rules (one table, so thresholds can be configured later). */
static const fg_sev_rule rules[] = {
	{ FG_FORTIFY_NO, FG_NET_ANY, FG_SCOPE_ANY, FG_SEV_LOW },
	{ FG_FORTIFY_UNSUPPORTED, FG_NET_ANY, FG_SCOPE_PROGRAMS, FG_SEV_INFO },
};

static void run(fg_check_ctx *ctx)
{
	const fg_hardening_set *s = fg_hardening_of(ctx);
	for (size_t i = 0; s && i < s->v.n; i++) {
		const fg_hardening *h = &s->v.v[i];
		int sev = FG_SEV_PICK(rules, h->fortify, h);
		if (sev == FG_NO_FINDING)
			continue;
		fg_hardening_report(ctx, h, "fortify", sev, -1,
				    h->fortify == FG_FORTIFY_NO ? "built without FORTIFY_SOURCE" :
				    "its C library has no FORTIFY_SOURCE support", h->fortify_why);
	}
}

const fg_check fg_check_hardening_fortify = {
	.id = "hardening.fortify",
	.title = "FORTIFY_SOURCE not used",
	.severity = FG_SEV_LOW,
	.remediation = "Build with -O2 -D_FORTIFY_SOURCE=2 (or 3) against a C library that "
		       "provides the checked functions (glibc, bionic).",
	.run = run,
};
