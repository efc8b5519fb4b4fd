/*
 * compliance.h - requirement verdicts from findings and checks run.
 */
#ifndef FG_COMPLIANCE_H
#define FG_COMPLIANCE_H

#include <stddef.h>

#include "core/vec.h"

typedef enum fg_verdict_status {
	FG_VERDICT_PASS,           /* covering checks ran on the image and found nothing */
	FG_VERDICT_FAIL,           /* a covering check found something */
	FG_VERDICT_NOT_DETERMINED, /* firmware evidence is the way, but no check covers it yet
	                              or no file tree was found */
	FG_VERDICT_DECLARATION_MISSING, /* only the manufacturer's declaration can show it */
	FG_VERDICT_NEEDS_DEVICE,   /* needs a running device or a hardware test */
	FG_VERDICT_DECLARED,       /* the manufacturer's declaration states it (not verified) */
	FG_VERDICT_NOT_APPLICABLE, /* declared not applicable with a justification, or the
	                              feature it is conditional on declared absent */
} fg_verdict_status;

#define FG_VERDICT_KINDS 7

typedef struct fg_verdict {
	const char *standard;    /* e.g. "etsi-en-303-645" */
	const char *requirement; /* e.g. "5.1-1" */
	const char *title;
	const char *level;       /* "mandatory", "recommended", ... */
	const char *cls;         /* "firmware", "declaration", "device" */
	fg_verdict_status status;
	const char *evidence;    /* what was checked and what it found, or what is needed */
	const char *declared;    /* what the declaration states about it (file:line: field
	                            = value; ...), or NULL */
	size_t findings;         /* findings of covering checks */
} fg_verdict;

typedef FG_VEC(fg_verdict) fg_verdict_vec;

const char *fg_verdict_status_name(fg_verdict_status s);

#endif
