/*
 * hardening_dangerous.c - dangerous libc functions in use.
 *
 * One finding per file listing the functions it imports (or, static and
 * with symbols, links in): gets, strcpy, strcat, sprintf, vsprintf, the
 * scanf family, system, popen, mktemp, tmpnam, tempnam, and the exec*
 * functions when the file holds "/bin/sh". The severity is the highest
 * of its functions' rows below.
 */
#include <stdio.h>
#include <string.h>

#include "checks/hardening_common.h"

#define ANY_OTHER (-2)

/* Severity rules (one table, so thresholds can be configured later):
 * value is an FG_DANGER_* function, ANY_OTHER matches every function. */
static const fg_sev_rule rules[] = {
	{ FG_DANGER_GETS, FG_NET_ANY, FG_SCOPE_ANY, FG_SEV_HIGH },
	{ FG_DANGER_SYSTEM, 1, FG_SCOPE_ANY, FG_SEV_MEDIUM },
	{ FG_DANGER_POPEN, 1, FG_SCOPE_ANY, FG_SEV_MEDIUM },
	{ ANY_OTHER, FG_NET_ANY, FG_SCOPE_ANY, FG_SEV_INFO },
};

static int severity_of(const fg_hardening *h, int fn)
{
	int sev = FG_SEV_PICK(rules, fn, h);
	return sev != FG_NO_FINDING ? sev : FG_SEV_PICK(rules, ANY_OTHER, h);
}

static void run(fg_check_ctx *ctx)
{
	const fg_hardening_set *s = fg_hardening_of(ctx);
	for (size_t i = 0; s && i < s->v.n; i++) {
		const fg_hardening *h = &s->v.v[i];
		char list[512] = "", ev[700], what[640];
		size_t k = 0, n = 0, risky = 0;
		int sev = FG_NO_FINDING;
		for (int f = 0; f < FG_DANGER_COUNT; f++) {
			if (!(h->dangerous & (1u << f)))
				continue;
			int fs = severity_of(h, f);
			sev = fs > sev ? fs : sev;
			risky += fs > FG_SEV_INFO;
			n++;
			int w = snprintf(list + k, sizeof(list) - k, "%s%s", k ? ", " : "", fg_danger_names[f]);
			if (w > 0 && (size_t)w < sizeof(list) - k)
				k += (size_t)w;
		}
		if (!n || sev == FG_NO_FINDING)
			continue;
		snprintf(what, sizeof(what), "uses %zu dangerous function%s (%zu rated above info): %s",
			 n, n == 1 ? "" : "s", risky, list);
		snprintf(ev, sizeof(ev), "%s %s%s", h->is_static ? "links in" : "imports", list,
			 h->dangerous & (1u << FG_DANGER_EXECL | 1u << FG_DANGER_EXECLP |
					 1u << FG_DANGER_EXECV | 1u << FG_DANGER_EXECVP) ?
			 "; contains \"/bin/sh\"" : "");
		fg_hardening_report(ctx, h, "dangerous-functions", sev, -1, what, ev);
	}
}

const fg_check fg_check_hardening_dangerous = {
	.id = "hardening.dangerous-functions",
	.title = "Dangerous libc functions in use",
	.severity = FG_SEV_HIGH,
	.remediation = "Replace gets with fgets, strcpy/strcat/sprintf with bounded variants "
		       "(snprintf, strlcpy), system/popen with fork+execve of a fixed argument "
		       "vector (no shell), and mktemp/tmpnam with mkstemp.",
	.run = run,
};
