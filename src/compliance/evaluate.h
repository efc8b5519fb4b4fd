/*
 * evaluate.h - the compliance stage: findings and checks run become
 * requirement verdicts.
 */
#ifndef FG_COMPLIANCE_EVALUATE_H
#define FG_COMPLIANCE_EVALUATE_H

#include "compliance/catalog.h"
#include "core/result.h"

void fg_compliance_evaluate(fg_result *res);

/* Counts per verdict for STANDARD in RES; MANDATORY_ONLY keeps mandatory
 * requirements (incl. mandatory-conditional) only. */
void fg_compliance_summary(const fg_result *res, const char *standard, int mandatory_only,
			   size_t counts[FG_VERDICT_KINDS]);

#endif
