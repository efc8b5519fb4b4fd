/*
 * evaluate.h - the compliance stage: findings and checks run become
 * requirement verdicts.
 */
#ifndef FG_COMPLIANCE_EVALUATE_H
#define FG_COMPLIANCE_EVALUATE_H

#include "compliance/catalog.h"
#include "core/result.h"

void fg_compliance_evaluate(fg_result *res);

typedef enum fg_level_filter {
	FG_LEVEL_ALL = 0,
	FG_LEVEL_MANDATORY = 1,   /* mandatory and mandatory-conditional */
	FG_LEVEL_RECOMMENDED = 2, /* recommended and recommended-conditional */
} fg_level_filter;

/* Does a requirement LEVEL ("mandatory-conditional", ...) fall under WHICH? */
bool fg_level_is(const char *level, fg_level_filter which);

/* Counts per verdict for STANDARD in RES, of the requirements WHICH
 * selects (voluntary ones only count under FG_LEVEL_ALL). */
void fg_compliance_summary(const fg_result *res, const char *standard, fg_level_filter which,
			   size_t counts[FG_VERDICT_KINDS]);

#endif
