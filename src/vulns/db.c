/*
 * db.c - opening, creating and migrating the vulnerability database.
 */
#include "vulns/db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Migration N takes the schema from version N to N + 1. Append only:
 * never edit a released step. */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
	"CREATE TABLE source("
	"  name TEXT PRIMARY KEY, imported_at TEXT, data_date TEXT, records INTEGER, detail TEXT);"
	/* one row per CVE record (NVD) */
	"CREATE TABLE cve("
	"  rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, published TEXT, modified TEXT,"
	"  status TEXT, source TEXT,"
	"  cvss3_score REAL, cvss3_vector TEXT, cvss3_severity TEXT, cvss3_version TEXT,"
	"  cvss2_score REAL, cvss2_vector TEXT, cvss2_severity TEXT,"
	"  cvss4_score REAL, cvss4_vector TEXT, cvss4_severity TEXT,"
	"  cwe TEXT, has_config INTEGER NOT NULL DEFAULT 0,"
	"  cisa_added TEXT, cisa_due TEXT, cisa_action TEXT, cisa_name TEXT);"
	/* the English description, apart: matching reads cve rows by the
	 * thousand and never needs it */
	"CREATE TABLE cve_text(rid INTEGER PRIMARY KEY, description TEXT);"
	/* one row per cpeMatch of a configuration node, clustered by product:
	 * matching reads all rows of a product, which are then contiguous */
	/* (no NOT NULL on the other columns: SQLite 3.40's integrity_check
	 * reports them falsely on WITHOUT ROWID tables; the importer always
	 * sets them) */
	"CREATE TABLE cpe_match("
	"  cve TEXT, cfg INTEGER, cfg_and INTEGER, cfg_nodes INTEGER,"
	"  node INTEGER, node_and INTEGER, node_negate INTEGER,"
	"  vulnerable INTEGER, part TEXT, vendor TEXT, product TEXT,"
	"  version TEXT, upd TEXT, criteria TEXT,"
	"  vs_incl TEXT, vs_excl TEXT, ve_incl TEXT, ve_excl TEXT, seq INTEGER,"
	"  PRIMARY KEY (vendor, product, cve, cfg, node, seq)) WITHOUT ROWID;"
	"CREATE INDEX cpe_match_cve ON cpe_match(cve);"
	/* descriptions of records without configurations, to report them */
	"CREATE VIRTUAL TABLE nocfg USING fts5(description, tokenize = 'unicode61');"
	"CREATE TABLE kev("
	"  cve TEXT PRIMARY KEY, vendor TEXT, product TEXT, name TEXT, date_added TEXT,"
	"  due_date TEXT, ransomware TEXT, action TEXT, notes TEXT, cwes TEXT);"
	"CREATE TABLE epss(cve TEXT PRIMARY KEY, score REAL, percentile REAL, date TEXT);"
	"CREATE TABLE osv("
	"  id TEXT PRIMARY KEY, modified TEXT, published TEXT, withdrawn TEXT, summary TEXT,"
	"  aliases TEXT, severity TEXT);"
	/* one row per affected package and range (or explicit version list) */
	"CREATE TABLE osv_affected("
	"  id TEXT NOT NULL, ecosystem TEXT, package TEXT, purl TEXT, range_type TEXT,"
	"  introduced TEXT, fixed TEXT, last_affected TEXT, lim TEXT, versions TEXT);"
	"CREATE INDEX osv_affected_pkg ON osv_affected(package);"
	"CREATE INDEX osv_affected_id ON osv_affected(id);",
};

#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))
_Static_assert(NMIGRATIONS == FG_VDB_SCHEMA_VERSION, "one migration per schema version");

void fg_vdb_default_path(char *out, size_t outsz)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg == '/')
		snprintf(out, outsz, "%s/firmgate/vulndb.sqlite", xdg);
	else
		snprintf(out, outsz, "%s/.cache/firmgate/vulndb.sqlite", home && *home ? home : ".");
}

int fg_vdb_exec(fg_vdb *v, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(v->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", v->path, msg ? msg : sqlite3_errmsg(v->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int mkdirs(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	char *slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return 0;
	*slash = '\0';
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int user_version(fg_vdb *v)
{
	sqlite3_stmt *st;
	int ver = -1;
	if (sqlite3_prepare_v2(v->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			ver = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	return ver;
}

static int migrate(fg_vdb *v, int from, char *err, size_t errlen)
{
	for (int ver = from; ver < (int)NMIGRATIONS; ver++) {
		char setv[64];
		snprintf(setv, sizeof(setv), "PRAGMA user_version = %d", ver + 1);
		if (fg_vdb_exec(v, "BEGIN IMMEDIATE", err, errlen) != 0)
			return -1;
		/* re-check inside the write lock: another process may have migrated */
		if (user_version(v) != ver) {
			fg_vdb_exec(v, "ROLLBACK", err, errlen);
			continue;
		}
		if (fg_vdb_exec(v, migrations[ver], err, errlen) != 0 ||
		    fg_vdb_exec(v, setv, err, errlen) != 0) {
			char dummy[16];
			fg_vdb_exec(v, "ROLLBACK", dummy, sizeof(dummy));
			return -1;
		}
		if (fg_vdb_exec(v, "COMMIT", err, errlen) != 0)
			return -1;
	}
	return 0;
}

int fg_vdb_open(fg_vdb *v, const char *path, bool writable, char *err, size_t errlen)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->path, sizeof(v->path), "%s", path);
	v->readonly = !writable;
	struct stat sb;
	if (!writable && stat(path, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (writable && mkdirs(path) != 0) {
		snprintf(err, errlen, "%s: cannot create directory: %s", path, strerror(errno));
		return -1;
	}
	int flags = writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
	if (sqlite3_open_v2(path, &v->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, v->db ? sqlite3_errmsg(v->db) : "cannot open");
		sqlite3_close(v->db);
		v->db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(v->db, 10000);
	sqlite3_extended_result_codes(v->db, 1);
	int ver = user_version(v);
	if (ver < 0) {
		snprintf(err, errlen, "%s: not a firmgate vulnerability database (%s)", path,
			 sqlite3_errmsg(v->db));
		fg_vdb_close(v);
		return -1;
	}
	if (ver > (int)NMIGRATIONS) {
		snprintf(err, errlen, "%s: schema version %d is newer than this firmgate understands (%d)",
			 path, ver, (int)NMIGRATIONS);
		fg_vdb_close(v);
		return -1;
	}
	if (ver < (int)NMIGRATIONS) {
		if (!writable) {
			snprintf(err, errlen, "%s: schema version %d needs migrating to %d "
				 "(run 'firmgate db status' or an import)", path, ver, (int)NMIGRATIONS);
			fg_vdb_close(v);
			return -1;
		}
		if (migrate(v, ver, err, errlen) != 0) {
			fg_vdb_close(v);
			return -1;
		}
	}
	/* a database the file system would hand anyone: refuse stray journals */
	return 0;
}

void fg_vdb_close(fg_vdb *v)
{
	if (v->db)
		sqlite3_close(v->db);
	v->db = NULL;
}

static int64_t count(fg_vdb *v, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	if (sqlite3_prepare_v2(v->db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return n;
}

static void col_copy(sqlite3_stmt *st, int i, char *out, size_t outsz)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(out, outsz, "%s", t ? (const char *)t : "");
}

int fg_vdb_get_status(fg_vdb *v, fg_vdb_status *s, bool full, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->schema = user_version(v);
	if (!full)
		goto sources;
	s->cve = count(v, "SELECT count(*) FROM cve");
	s->cve_no_config = count(v, "SELECT count(*) FROM cve WHERE has_config = 0 AND status <> 'Rejected'");
	s->cve_rejected = count(v, "SELECT count(*) FROM cve WHERE status = 'Rejected'");
	s->cpe_match = count(v, "SELECT count(*) FROM cpe_match");
	s->kev = count(v, "SELECT count(*) FROM kev");
	s->epss = count(v, "SELECT count(*) FROM epss");
	s->osv = count(v, "SELECT count(*) FROM osv");
	if (s->cve < 0) {
		snprintf(err, errlen, "%s: %s", v->path, sqlite3_errmsg(v->db));
		return -1;
	}
sources:;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(v->db, "SELECT name, imported_at, data_date, records, detail FROM source "
				      "ORDER BY name", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", v->path, sqlite3_errmsg(v->db));
		return -1;
	}
	while (sqlite3_step(st) == SQLITE_ROW && s->nsources < 8) {
		fg_vdb_source *src = &s->sources[s->nsources++];
		col_copy(st, 0, src->name, sizeof(src->name));
		col_copy(st, 1, src->imported_at, sizeof(src->imported_at));
		col_copy(st, 2, src->data_date, sizeof(src->data_date));
		src->records = sqlite3_column_int64(st, 3);
		col_copy(st, 4, src->detail, sizeof(src->detail));
		if (!full) {
			int64_t *dst = !strcmp(src->name, "nvd") ? &s->cve : !strcmp(src->name, "kev") ? &s->kev :
				       !strcmp(src->name, "epss") ? &s->epss : !strcmp(src->name, "osv") ? &s->osv : NULL;
			if (dst)
				*dst = src->records;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

double fg_vdb_age_days(const char *date)
{
	struct tm tm = {0};
	if (!date || sscanf(date, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	double d = difftime(time(NULL), t) / 86400.0;
	return d < 0 ? 0 : d;
}
