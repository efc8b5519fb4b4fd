/*
 * evaluate.h - the compliance stage: findings and checks run become
 * requirement verdicts.
 */
#ifndef FG_COMPLIANCE_EVALUATE_H
#define FG_COMPLIANCE_EVALUATE_H

#include "core/result.h"

typedef struct fg_requirement {
	const char *standard;
	const char *id;
	const char *title;
	const char *level;
	const char *const *checks;   /* NULL-terminated check IDs bearing on it */
} fg_requirement;

size_t fg_requirement_count(void);
const fg_requirement *fg_requirement_at(size_t i);

void fg_compliance_evaluate(fg_result *res);

#endif
