/*
 * db.h - the offline vulnerability database (SQLite).
 *
 * Schema (docs/VULNERABILITIES.md) versioned by PRAGMA user_version and
 * brought up to date by migrations when opened for writing.
 */
#ifndef FG_VULNS_DB_H
#define FG_VULNS_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#define FG_VDB_SCHEMA_VERSION 1

typedef struct fg_vdb {
	sqlite3 *db;
	char path[4096];
	bool readonly;
} fg_vdb;

/* The default path: $XDG_CACHE_HOME/firmgate/vulndb.sqlite, else
 * $HOME/.cache/firmgate/vulndb.sqlite. */
void fg_vdb_default_path(char *out, size_t outsz);

/* Opens PATH. Writable: creates the file and its directory if missing and
 * migrates the schema. Read-only: the file must exist and have a schema
 * this build understands. Returns 0, or -1 with ERR filled. */
int fg_vdb_open(fg_vdb *v, const char *path, bool writable, char *err, size_t errlen);
void fg_vdb_close(fg_vdb *v);

/* Runs SQL (no results); -1 with ERR filled on failure. */
int fg_vdb_exec(fg_vdb *v, const char *sql, char *err, size_t errlen);

typedef struct fg_vdb_source {
	char name[16];           /* "nvd", "kev", "epss", "osv" */
	char imported_at[32];    /* UTC, ISO 8601 */
	char data_date[40];      /* newest record / catalog date, "" unknown */
	int64_t records;
	char detail[256];        /* e.g. "catalogVersion 2025.08.25" */
} fg_vdb_source;

typedef struct fg_vdb_status {
	int schema;
	int64_t cve, cve_no_config, cve_rejected, cpe_match, kev, epss, osv;
	fg_vdb_source sources[8];
	size_t nsources;
} fg_vdb_status;

/* FULL counts every table (slow on a full database); otherwise the record
 * counts come from the per-source bookkeeping (cve_no_config, cve_rejected
 * and cpe_match stay 0). */
int fg_vdb_get_status(fg_vdb *v, fg_vdb_status *st, bool full, char *err, size_t errlen);

/* Days between DATE (ISO 8601, date part used) and now; -1 when unparsable. */
double fg_vdb_age_days(const char *date);

#endif
