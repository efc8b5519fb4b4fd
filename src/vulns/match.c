#include "vulns/match.h"

/* The offline database (SQLite, fed by the NVD/OSV/KEV importers) is
 * not part of this release; until it is, the stage says so in the
 * report's diagnostics so nobody mistakes "no CVEs listed" for "no
 * known vulnerabilities". */
void fg_vulns_match(fg_result *res)
{
	if (res->components.n == 0)
		return;
	fg_diag_add(&res->diags, FG_DIAG_INFO, "vulns", "",
		    "no vulnerability database configured: %zu component(s) not matched",
		    res->components.n);
}
