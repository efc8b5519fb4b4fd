/*
 * hardening_common.h - what the hardening.* checks share.
 *
 * One scan of the tree's ELF files (elf/hardening.h), cached through
 * fg_ctx_cache so the seven checks parse each file once; a severity rule
 * table type, so each check keeps its thresholds in one table at the top
 * of its file; and one way to word and report a finding.
 */
#ifndef FG_HARDENING_COMMON_H
#define FG_HARDENING_COMMON_H

#include "checks/check.h"
#include "elf/hardening.h"

/* The scan of the current file tree; NULL only when out of memory. */
const fg_hardening_set *fg_hardening_of(fg_check_ctx *ctx);

#define FG_NET_ANY (-1)
#define FG_NO_FINDING (-1)

/* Which files a rule is for. */
enum { FG_SCOPE_ANY = 0, FG_SCOPE_PROGRAMS, FG_SCOPE_LIBRARIES };

/* One row of a severity table: a verdict VALUE (of the check's enum), for
 * network-facing programs (NETWORK 1), others (0) or both (FG_NET_ANY),
 * and files of SCOPE, gives SEVERITY (FG_NO_FINDING: nothing is
 * reported). The first matching row wins; no match, no finding. */
typedef struct fg_sev_rule {
	int value;
	int network;
	int scope;
	int severity;
} fg_sev_rule;

int fg_sev_pick(const fg_sev_rule *rules, size_t n, int value, const fg_hardening *h);
#define FG_SEV_PICK(rules, value, h) \
	fg_sev_pick((rules), sizeof(rules) / sizeof((rules)[0]), (value), (h))

/* Reports a finding on H. PROPERTY names it ("nx", "pie", ...) and, with
 * the path, forms the subject; WHAT says what is wrong; EVIDENCE is the
 * excerpt. The message names path, architecture, kind, whether the
 * program is started at boot, what is wrong and the evidence. */
void fg_hardening_report(fg_check_ctx *ctx, const fg_hardening *h, const char *property,
			 int severity, int64_t offset, const char *what, const char *evidence);

#endif
