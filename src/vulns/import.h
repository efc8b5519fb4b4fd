/*
 * import.h - feeding the vulnerability database.
 *
 * One import is one transaction: every file given to it lands, or (on an
 * error, a crash, a kill) none does and the previous database stays as it
 * was. Records are upserted by ID and modification date, so importing the
 * same data twice changes nothing.
 *
 * Formats, detected by content (plain or gzip):
 *   - NVD CVE JSON 2.0: one CVE object, an API result page or a feed file
 *     ({"vulnerabilities": [{"cve": {...}}, ...]});
 *   - NVD JSON 1.1 feed files ({"CVE_Items": [...]});
 *   - OSV JSON records, one object or an array;
 *   - the CISA KEV catalog (JSON);
 *   - FIRST EPSS scores (CSV with its "#model_version" comment line).
 */
#ifndef FG_VULNS_IMPORT_H
#define FG_VULNS_IMPORT_H

#include <stdint.h>

#include "vulns/db.h"

typedef struct fg_vimport_stats {
	uint64_t files;
	uint64_t nvd_new, nvd_updated, nvd_unchanged, cpe_rows;
	uint64_t kev, epss;
	uint64_t osv_new, osv_updated, osv_unchanged;
	uint64_t skipped;        /* records of no known shape */
} fg_vimport_stats;

typedef struct fg_vimport fg_vimport;

/* Starts the transaction on DB (opened writable). Setting the environment
 * variable FG_VULNDB_ABORT_AFTER=N kills the process with SIGKILL after N
 * records, to test that an interrupted import leaves the database intact. */
fg_vimport *fg_vimport_begin(fg_vdb *db, char *err, size_t errlen);

/* Imports PATH; KIND (may be NULL) gets "nvd", "kev", "epss", "osv" or
 * "mixed". -1 with ERR filled on a malformed or unrecognised file; the
 * caller then rolls back. */
int fg_vimport_file(fg_vimport *im, const char *path, const char **kind, char *err, size_t errlen);

/* Records when the NVD data was published (a feed's .meta lastModifiedDate). */
void fg_vimport_note_feed_date(fg_vimport *im, const char *source, const char *date);

/* Updates the per-source bookkeeping and commits. Frees IM. */
int fg_vimport_commit(fg_vimport *im, fg_vimport_stats *stats, char *err, size_t errlen);
/* Rolls back and frees IM. */
void fg_vimport_rollback(fg_vimport *im);

#endif
