/*
 * hardening_common.c - the shared scan, severity tables and reporting.
 */
#include "checks/hardening_common.h"

#include <stdio.h>

static int cache_key; /* its address identifies the cache entry */

static void *make(fg_check_ctx *ctx)
{
	return fg_hardening_scan(fg_ctx_root(ctx));
}

static void release(void *v)
{
	fg_hardening_set_free(v);
}

const fg_hardening_set *fg_hardening_of(fg_check_ctx *ctx)
{
	return fg_ctx_cache(ctx, &cache_key, make, release);
}

static bool in_scope(int scope, const fg_hardening *h)
{
	return scope == FG_SCOPE_ANY || (scope == FG_SCOPE_PROGRAMS && fg_hardening_is_program(h)) ||
	       (scope == FG_SCOPE_LIBRARIES && h->kind == FG_HK_DSO);
}

int fg_sev_pick(const fg_sev_rule *rules, size_t n, int value, const fg_hardening *h)
{
	if (!fg_hardening_rated(h))
		return FG_NO_FINDING;
	for (size_t i = 0; i < n; i++)
		if (rules[i].value == value && in_scope(rules[i].scope, h) &&
		    (rules[i].network == FG_NET_ANY || rules[i].network == (int)h->network_facing))
			return rules[i].severity;
	return FG_NO_FINDING;
}

void fg_hardening_report(fg_check_ctx *ctx, const fg_hardening *h, const char *property,
			 int severity, int64_t offset, const char *what, const char *evidence)
{
	char msg[3072], subject[1200], boot[700];
	if (h->network_facing)
		snprintf(boot, sizeof(boot), ", started at boot by %.600s", h->started_by);
	else
		snprintf(boot, sizeof(boot), "%s", fg_hardening_is_program(h) ? ", not started at boot" : "");
	snprintf(msg, sizeof(msg), "%.700s (%s %s%s): %.500s. Evidence: %.500s.", h->path, h->arch,
		 fg_hkind_name(h->kind), boot, what, evidence ? evidence : "none");
	snprintf(subject, sizeof(subject), "%.1000s:%s", h->path, property);
	fg_report_item item = {
		.node = h->node,
		.offset = offset,
		.message = msg,
		.excerpt = evidence,
		.subject = subject,
		.severity = severity,
	};
	fg_ctx_report(ctx, &item);
}
