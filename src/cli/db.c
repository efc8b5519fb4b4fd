/*
 * db.c - `firmgate db`: the offline vulnerability database.
 *
 *   firmgate db import FILE...    NVD, OSV, KEV JSON or EPSS CSV (plain or .gz)
 *   firmgate db update            download the official feeds and import them
 *   firmgate db status            sources, record counts, data age
 *   firmgate db match NAME VERSION [CPE]   debug: match one component, print JSON
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "core/arena.h"
#include "report/jsonw.h"
#include "vulns/db.h"
#include "vulns/import.h"
#include "vulns/match.h"
#include "vulns/matcher.h"
#include "vulns/update.h"
#include "vulns/vex.h"

enum {
	OPT_VULNDB = 2000,
	OPT_SOURCE,
	OPT_YEARS,
	OPT_FEEDS,
	OPT_DOWNLOAD_DIR,
	OPT_JSON,
	OPT_MAX_AGE,
	OPT_APPLETS,
	OPT_KCONFIG,
	OPT_PURL,
	OPT_BATCH,
	OPT_SUMMARY,
	OPT_VEX,
};

static void db_usage(FILE *out)
{
	fprintf(out,
		"usage: firmgate db COMMAND [OPTIONS]\n"
		"\n"
		"The offline vulnerability database (SQLite). Default location:\n"
		"$XDG_CACHE_HOME/firmgate/vulndb.sqlite (else ~/.cache/firmgate/vulndb.sqlite).\n"
		"\n"
		"Commands:\n"
		"  import FILE...     import NVD CVE JSON 2.0 (records, API pages, feeds; 1.1 feeds too),\n"
		"                     OSV JSON, the CISA KEV catalog or FIRST EPSS CSV; plain or .gz;\n"
		"                     one transaction, records upserted by ID and modification date\n"
		"  update             download the NVD feeds, KEV and EPSS and import them\n"
		"      --source URL   a base URL serving the same file names (https; http only for 127.0.0.1)\n"
		"      --years A-B    NVD yearly feeds to fetch (default 2002-this year)\n"
		"      --feeds LIST   nvd,kev,epss (default all)\n"
		"      --download-dir DIR  where downloads are kept and resumed (default: beside the database)\n"
		"  status             sources, record counts and data age (--json; --max-age DAYS)\n"
		"  match NAME VERSION [CPE]   debug: match one component and print the matches as JSON\n"
		"      --purl PURL, --applets LIST, --kernel-config FILE, --vex FILE\n"
		"      --batch FILE   match every line \"NAME VERSION [CPE]\" as one scan's components\n"
		"      --summary      print only the counts and the time\n"
		"\n"
		"Every command takes --vulndb FILE. Exit codes: 0 ok, 2 usage error,\n"
		"3 a file that cannot be imported or a missing database, 4 internal error.\n");
}

static const char *db_path(const char *opt, char *buf, size_t bufsz)
{
	if (opt)
		return opt;
	fg_vdb_default_path(buf, bufsz);
	return buf;
}

/* ---- import ----------------------------------------------------------- */

static void print_stats(const fg_vimport_stats *s, const char *path)
{
	printf("firmgate db: imported %llu file(s) into %s: NVD %llu new, %llu updated, %llu unchanged "
	       "(%llu CPE match criteria); KEV %llu; EPSS %llu; OSV %llu new, %llu updated, %llu unchanged",
	       (unsigned long long)s->files, path, (unsigned long long)s->nvd_new,
	       (unsigned long long)s->nvd_updated, (unsigned long long)s->nvd_unchanged,
	       (unsigned long long)s->cpe_rows, (unsigned long long)s->kev, (unsigned long long)s->epss,
	       (unsigned long long)s->osv_new, (unsigned long long)s->osv_updated,
	       (unsigned long long)s->osv_unchanged);
	if (s->skipped)
		printf("; %llu record(s) of no known shape skipped", (unsigned long long)s->skipped);
	printf("\n");
}

static int cmd_import(const char *dbopt, int argc, char **argv)
{
	if (argc < 1) {
		fprintf(stderr, "firmgate db import: expected at least one FILE\n");
		return FG_EXIT_USAGE;
	}
	char buf[4096], err[2048];
	const char *path = db_path(dbopt, buf, sizeof(buf));
	fg_vdb db;
	if (fg_vdb_open(&db, path, true, err, sizeof(err)) != 0) {
		fprintf(stderr, "firmgate db: %s\n", err);
		return FG_EXIT_INTERNAL;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fg_vimport *im = fg_vimport_begin(&db, err, sizeof(err));
	if (!im) {
		fprintf(stderr, "firmgate db: %s\n", err);
		fg_vdb_close(&db);
		return FG_EXIT_INTERNAL;
	}
	for (int i = 0; i < argc; i++) {
		const char *kind;
		if (fg_vimport_file(im, argv[i], &kind, err, sizeof(err)) != 0) {
			fprintf(stderr, "firmgate db: %s\nfirmgate db: nothing imported; %s is unchanged\n", err, path);
			fg_vimport_rollback(im);
			fg_vdb_close(&db);
			return FG_EXIT_INPUT;
		}
	}
	fg_vimport_stats st;
	if (fg_vimport_commit(im, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "firmgate db: %s\n", err);
		fg_vdb_close(&db);
		return FG_EXIT_INTERNAL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_stats(&st, path);
	uint64_t recs = st.nvd_new + st.nvd_updated + st.nvd_unchanged + st.kev + st.epss + st.osv_new +
			st.osv_updated + st.osv_unchanged;
	printf("firmgate db: %.2f s, %.0f records/s\n", secs, secs > 0 ? (double)recs / secs : 0.0);
	fg_vdb_close(&db);
	return FG_EXIT_OK;
}

/* ---- update ----------------------------------------------------------- */

static int cmd_update(const char *dbopt, const char *source, const char *years, const char *feeds,
		      const char *dldir, bool quiet)
{
	char buf[4096], dlbuf[4200], err[2048];
	const char *path = db_path(dbopt, buf, sizeof(buf));
	fg_vupdate_opts o = { .source = source, .nvd = true, .kev = true, .epss = true,
			      .log = quiet ? NULL : stderr };
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	o.year_from = 2002;
	o.year_to = tm.tm_year + 1900;
	if (years) {
		int a, b;
		char c;
		if (sscanf(years, "%d-%d%c", &a, &b, &c) == 2 && a >= 1999 && b >= a && b <= 2100) {
			o.year_from = a;
			o.year_to = b;
		} else if (sscanf(years, "%d%c", &a, &c) == 1 && a >= 1999 && a <= 2100) {
			o.year_from = o.year_to = a;
		} else {
			fprintf(stderr, "firmgate db update: invalid --years '%s' (e.g. 2002-2025)\n", years);
			return FG_EXIT_USAGE;
		}
	}
	if (feeds) {
		o.nvd = o.kev = o.epss = false;
		char fb[128];
		snprintf(fb, sizeof(fb), "%s", feeds);
		char *save = NULL;
		for (char *t = strtok_r(fb, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (!strcmp(t, "nvd"))
				o.nvd = true;
			else if (!strcmp(t, "kev"))
				o.kev = true;
			else if (!strcmp(t, "epss"))
				o.epss = true;
			else {
				fprintf(stderr, "firmgate db update: unknown feed '%s' (nvd, kev, epss)\n", t);
				return FG_EXIT_USAGE;
			}
		}
	}
	if (!dldir) {
		snprintf(dlbuf, sizeof(dlbuf), "%s.downloads", path);
		dldir = dlbuf;
	}
	o.download_dir = dldir;
	fg_vdb db;
	if (fg_vdb_open(&db, path, true, err, sizeof(err)) != 0) {
		fprintf(stderr, "firmgate db: %s\n", err);
		return FG_EXIT_INTERNAL;
	}
	fg_vimport_stats st = {0};
	int rc = fg_vupdate(&db, &o, &st, err, sizeof(err));
	fg_vdb_close(&db);
	if (rc != 0) {
		fprintf(stderr, "firmgate db update: %s\nfirmgate db update: nothing imported; %s is unchanged\n",
			err, path);
		return FG_EXIT_INPUT;
	}
	print_stats(&st, path);
	return FG_EXIT_OK;
}

/* ---- status ----------------------------------------------------------- */

static int cmd_status(const char *dbopt, bool json, unsigned max_age)
{
	char buf[4096], err[2048];
	const char *path = db_path(dbopt, buf, sizeof(buf));
	struct stat sb;
	if (stat(path, &sb) != 0) {
		fprintf(stderr, "firmgate db: %s: no database (firmgate db update, or firmgate db import FILE...)\n", path);
		return FG_EXIT_INPUT;
	}
	fg_vdb db;
	if (fg_vdb_open(&db, path, true, err, sizeof(err)) != 0) {
		fprintf(stderr, "firmgate db: %s\n", err);
		return FG_EXIT_INTERNAL;
	}
	fg_vdb_status st;
	if (fg_vdb_get_status(&db, &st, true, err, sizeof(err)) != 0) {
		fprintf(stderr, "firmgate db: %s\n", err);
		fg_vdb_close(&db);
		return FG_EXIT_INTERNAL;
	}
	fg_vdb_close(&db);
	double nvd_age = -1;
	for (size_t i = 0; i < st.nsources; i++)
		if (!strcmp(st.sources[i].name, "nvd"))
			nvd_age = fg_vdb_age_days(st.sources[i].data_date);
	bool stale = max_age && (nvd_age < 0 || nvd_age > max_age);
	if (json) {
		fg_jsonw w;
		fg_jw_init(&w, stdout);
		fg_jw_obj(&w);
		fg_jw_kstr(&w, "database", path);
		fg_jw_kint(&w, "schema", st.schema);
		fg_jw_key(&w, "records");
		fg_jw_obj(&w);
		fg_jw_kint(&w, "cve", st.cve);
		fg_jw_kint(&w, "cve_no_applicability_data", st.cve_no_config);
		fg_jw_kint(&w, "cve_rejected", st.cve_rejected);
		fg_jw_kint(&w, "cpe_match", st.cpe_match);
		fg_jw_kint(&w, "kev", st.kev);
		fg_jw_kint(&w, "epss", st.epss);
		fg_jw_kint(&w, "osv", st.osv);
		fg_jw_obj_end(&w);
		fg_jw_key(&w, "sources");
		fg_jw_arr(&w);
		for (size_t i = 0; i < st.nsources; i++) {
			const fg_vdb_source *s = &st.sources[i];
			fg_jw_obj(&w);
			fg_jw_kstr(&w, "name", s->name);
			fg_jw_kstr(&w, "imported_at", s->imported_at);
			fg_jw_kstr(&w, "data_date", *s->data_date ? s->data_date : NULL);
			double age = fg_vdb_age_days(s->data_date);
			fg_jw_key(&w, "age_days");
			if (age < 0)
				fg_jw_null(&w);
			else
				fg_jw_int(&w, (int64_t)age);
			fg_jw_kint(&w, "records", s->records);
			fg_jw_kstr(&w, "detail", *s->detail ? s->detail : NULL);
			fg_jw_obj_end(&w);
		}
		fg_jw_arr_end(&w);
		fg_jw_kbool(&w, "stale", stale);
		fg_jw_obj_end(&w);
	} else {
		printf("Database  %s (schema %d)\n", path, st.schema);
		printf("Records   %lld CVE (%lld without applicability data, %lld rejected), "
		       "%lld CPE match criteria, %lld KEV, %lld EPSS, %lld OSV\n",
		       (long long)st.cve, (long long)st.cve_no_config, (long long)st.cve_rejected,
		       (long long)st.cpe_match, (long long)st.kev, (long long)st.epss, (long long)st.osv);
		if (!st.nsources)
			printf("Sources   none imported yet\n");
		else
			printf("%-8s %-22s %-25s %9s %9s  %s\n", "source", "imported", "data date", "age",
			       "records", "detail");
		for (size_t i = 0; i < st.nsources; i++) {
			const fg_vdb_source *s = &st.sources[i];
			double age = fg_vdb_age_days(s->data_date);
			char ages[32];
			if (age < 0)
				snprintf(ages, sizeof(ages), "?");
			else
				snprintf(ages, sizeof(ages), "%.0f days", age);
			printf("%-8s %-22s %-25s %9s %9lld  %s\n", s->name, s->imported_at,
			       *s->data_date ? s->data_date : "?", ages, (long long)s->records, s->detail);
		}
		if (stale)
			printf("warning: the NVD data is older than %u days: run firmgate db update\n", max_age);
		if (st.cve == 0)
			printf("warning: no CVE records: scans will report that nothing was checked\n");
	}
	return FG_EXIT_OK;
}

/* ---- match ------------------------------------------------------------ */

static char *read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(max + 1);
	size_t n = buf ? fread(buf, 1, max, f) : 0;
	fclose(f);
	if (!buf)
		return NULL;
	buf[n] = '\0';
	*len = n;
	return buf;
}

typedef struct match_args {
	const char *applets, *kconfig_file, *purl, *batch, *vex;
	bool summary;
} match_args;

static int cmd_match(const char *dbopt, const match_args *ma, int argc, char **argv)
{
	if (!ma->batch && (argc < 2 || argc > 3)) {
		fprintf(stderr, "firmgate db match: expected NAME VERSION [CPE] (or --batch FILE)\n");
		return FG_EXIT_USAGE;
	}
	char buf[4096], err[2048];
	const char *path = db_path(dbopt, buf, sizeof(buf));
	fg_vdb db;
	if (fg_vdb_open(&db, path, false, err, sizeof(err)) != 0) {
		fprintf(stderr, "firmgate db: %s\n", err);
		return FG_EXIT_INPUT;
	}
	fg_arena arena;
	fg_arena_init(&arena);
	FG_VEC(fg_vsubject) subj = {0};
	char *batch = NULL, *kconfig = NULL;
	size_t klen = 0;
	if (ma->kconfig_file) {
		kconfig = read_file(ma->kconfig_file, 4u << 20, &klen);
		if (!kconfig) {
			fprintf(stderr, "firmgate db match: %s: %s\n", ma->kconfig_file, strerror(errno));
			fg_vdb_close(&db);
			return FG_EXIT_INPUT;
		}
	}
	fg_vsubject base = {
		.purl = ma->purl, .applets = ma->applets, .applets_source = ma->applets ? "--applets" : NULL,
		.applets_complete = true,
		.kconfig = kconfig, .kconfig_len = klen, .kconfig_source = ma->kconfig_file,
	};
	if (ma->batch) {
		size_t blen;
		batch = read_file(ma->batch, 64u << 20, &blen);
		if (!batch) {
			fprintf(stderr, "firmgate db match: %s: cannot read\n", ma->batch);
			free(kconfig);
			fg_vdb_close(&db);
			return FG_EXIT_INPUT;
		}
		char *save = NULL;
		for (char *ln = strtok_r(batch, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
			char *w[3] = { NULL, NULL, NULL };
			int n = 0;
			char *s2 = NULL;
			for (char *t = strtok_r(ln, " \t\r", &s2); t && n < 3; t = strtok_r(NULL, " \t\r", &s2))
				w[n++] = t;
			if (n < 1 || w[0][0] == '#')
				continue;
			fg_vsubject s = base;
			s.name = w[0];
			s.version = w[1] ? w[1] : "";
			s.cpe = w[2];
			FG_VEC_PUSH(&subj, s);
		}
	} else {
		fg_vsubject s = base;
		s.name = argv[0];
		s.version = argv[1];
		s.cpe = argc > 2 ? argv[2] : NULL;
		FG_VEC_PUSH(&subj, s);
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fg_vuln_vec out = {0};
	fg_vmatch_stats ms;
	const char *unmapped = NULL;
	fg_vmatcher *m = fg_vmatcher_new(&db, err, sizeof(err));
	int rc = m ? fg_vmatcher_run(m, subj.v, subj.n, 0, &arena, &out, &ms, &unmapped, err, sizeof(err)) : -1;
	fg_vex_component *vc = calloc(subj.n ? subj.n : 1, sizeof(*vc));
	size_t vexed = 0;
	if (rc == 0 && ma->vex && vc) {
		for (size_t i = 0; i < subj.n; i++)
			vc[i] = (fg_vex_component){ subj.v[i].name, subj.v[i].version, subj.v[i].purl, subj.v[i].cpe };
		fg_vex vex;
		if (fg_vex_load(ma->vex, &arena, &vex, err, sizeof(err)) != 0) {
			rc = -2;
		} else {
			vexed = fg_vex_apply(&vex, vc, subj.n, &out, &arena);
			fg_vulns_sort(&out);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	int exit_code = FG_EXIT_OK;
	if (rc != 0) {
		fprintf(stderr, "firmgate db match: %s\n", err);
		exit_code = rc == -2 ? FG_EXIT_INPUT : FG_EXIT_INTERNAL;
	} else {
		fg_jsonw w;
		fg_jw_init(&w, stdout);
		fg_jw_obj(&w);
		fg_jw_kstr(&w, "database", path);
		if (!ma->summary) {
			fg_jw_key(&w, "components");
			fg_jw_arr(&w);
			size_t mi = 0, ni = 0;
			for (size_t i = 0; i < subj.n; i++) {
				const fg_vsubject *s = &subj.v[i];
				fg_jw_obj(&w);
				fg_jw_kstr(&w, "name", s->name);
				fg_jw_kstr(&w, "version", s->version);
				fg_jw_kstr(&w, "cpe", s->cpe);
				fg_jw_kstr(&w, "purl", s->purl);
				fg_jw_key(&w, "matches");
				fg_jw_arr(&w);
				for (; mi < out.n && out.v[mi].component == i; mi++)
					fg_vulns_write_match(&w, &out.v[mi], s->name);
				fg_jw_arr_end(&w);
				fg_jw_key(&w, "no_applicability_data");
				fg_jw_arr(&w);
				for (; ni < out.n_nodata && out.nodata[ni].component == i; ni++) {
					fg_jw_obj(&w);
					fg_jw_kstr(&w, "id", out.nodata[ni].id);
					fg_jw_kstr(&w, "nvd_status", out.nodata[ni].status);
					fg_jw_kbool(&w, "kev", out.nodata[ni].kev);
					fg_jw_obj_end(&w);
				}
				fg_jw_arr_end(&w);
				fg_jw_obj_end(&w);
			}
			fg_jw_arr_end(&w);
		}
		fg_jw_key(&w, "stats");
		fg_jw_obj(&w);
		fg_jw_kuint(&w, "components", subj.n);
		fg_jw_kuint(&w, "matches", out.n);
		fg_jw_kuint(&w, "kev", ms.kev);
		fg_jw_kuint(&w, "no_applicability_data", ms.nodata);
		fg_jw_kuint(&w, "unmapped", ms.unmapped);
		fg_jw_kuint(&w, "vex_applied", vexed);
		fg_jw_key(&w, "seconds");
		fg_jw_double(&w, secs);
		fg_jw_obj_end(&w);
		fg_jw_obj_end(&w);
	}
	fg_vmatcher_free(m);
	FG_VEC_FREE(&out);
	FG_VEC_FREE(&subj);
	free(vc);
	free(batch);
	free(kconfig);
	fg_arena_free(&arena);
	fg_vdb_close(&db);
	return exit_code;
}

int fg_cmd_db(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "vulndb", required_argument, NULL, OPT_VULNDB },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "years", required_argument, NULL, OPT_YEARS },
		{ "feeds", required_argument, NULL, OPT_FEEDS },
		{ "download-dir", required_argument, NULL, OPT_DOWNLOAD_DIR },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "max-age", required_argument, NULL, OPT_MAX_AGE },
		{ "applets", required_argument, NULL, OPT_APPLETS },
		{ "kernel-config", required_argument, NULL, OPT_KCONFIG },
		{ "purl", required_argument, NULL, OPT_PURL },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "summary", no_argument, NULL, OPT_SUMMARY },
		{ "vex", required_argument, NULL, OPT_VEX },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		db_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? FG_EXIT_USAGE : FG_EXIT_OK;
	}
	const char *sub = argv[1];
	const char *dbopt = NULL, *source = NULL, *years = NULL, *feeds = NULL, *dldir = NULL;
	bool json = false, quiet = false;
	unsigned max_age = 7;
	match_args ma = {0};
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc - 1, argv + 1, "qh", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_VULNDB: dbopt = optarg; break;
		case OPT_SOURCE: source = optarg; break;
		case OPT_YEARS: years = optarg; break;
		case OPT_FEEDS: feeds = optarg; break;
		case OPT_DOWNLOAD_DIR: dldir = optarg; break;
		case OPT_JSON: json = true; break;
		case OPT_MAX_AGE: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || end == optarg || v > 100000) {
				fprintf(stderr, "firmgate db: invalid --max-age '%s'\n", optarg);
				return FG_EXIT_USAGE;
			}
			max_age = (unsigned)v;
			break;
		}
		case OPT_APPLETS: ma.applets = optarg; break;
		case OPT_KCONFIG: ma.kconfig_file = optarg; break;
		case OPT_PURL: ma.purl = optarg; break;
		case OPT_BATCH: ma.batch = optarg; break;
		case OPT_SUMMARY: ma.summary = true; break;
		case OPT_VEX: ma.vex = optarg; break;
		case 'q': quiet = true; break;
		case 'h': db_usage(stdout); return FG_EXIT_OK;
		default: db_usage(stderr); return FG_EXIT_USAGE;
		}
	}
	int nargs = argc - 1 - optind;
	char **args = argv + 1 + optind;
	if (!strcmp(sub, "import"))
		return cmd_import(dbopt, nargs, args);
	if (nargs && strcmp(sub, "match")) {
		fprintf(stderr, "firmgate db %s: unexpected argument '%s'\n", sub, args[0]);
		return FG_EXIT_USAGE;
	}
	if (!strcmp(sub, "update"))
		return cmd_update(dbopt, source, years, feeds, dldir, quiet);
	if (!strcmp(sub, "status"))
		return cmd_status(dbopt, json, max_age);
	if (!strcmp(sub, "match"))
		return cmd_match(dbopt, &ma, nargs, args);
	fprintf(stderr, "firmgate db: unknown command '%s' (import, update, status, match)\n", sub);
	return FG_EXIT_USAGE;
}
