/*
 * compliance.h - requirement verdicts from findings and checks run.
 */
#ifndef FG_COMPLIANCE_H
#define FG_COMPLIANCE_H

#include "core/vec.h"

typedef enum fg_verdict_status {
	FG_VERDICT_PASS,          /* covering checks ran and found nothing */
	FG_VERDICT_FAIL,          /* a covering check found something */
	FG_VERDICT_NOT_DETERMINED /* no covering check could run */
} fg_verdict_status;

typedef struct fg_verdict {
	const char *standard;    /* e.g. "etsi-en-303-645" */
	const char *requirement; /* e.g. "5.1-1" */
	const char *title;
	const char *level;       /* "mandatory", "recommended", ... */
	fg_verdict_status status;
	const char *evidence;    /* checks that ran, or findings' check IDs */
	size_t findings;         /* how many findings bear on it */
} fg_verdict;

typedef FG_VEC(fg_verdict) fg_verdict_vec;

const char *fg_verdict_status_name(fg_verdict_status s);

#endif
