/*
 * match.h - the vulnerabilities stage.
 */
#ifndef FG_VULNS_MATCH_H
#define FG_VULNS_MATCH_H

#include "core/result.h"

/* Matches the inventoried components against the vulnerability database.
 * Without a database the stage records that it could not run. */
void fg_vulns_match(fg_result *res);

#endif
