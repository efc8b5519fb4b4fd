/*
 * update.h - downloading the official feeds and importing them atomically.
 */
#ifndef FG_VULNS_UPDATE_H
#define FG_VULNS_UPDATE_H

#include <stdbool.h>
#include <stdio.h>

#include "vulns/db.h"
#include "vulns/import.h"

#define FG_NVD_FEED_URL "https://nvd.nist.gov/feeds/json/cve/2.0/"
#define FG_KEV_FEED_URL "https://www.cisa.gov/sites/default/files/feeds/"
#define FG_EPSS_FEED_URL "https://epss.empiricalsecurity.com/"

#define FG_KEV_FILE "known_exploited_vulnerabilities.json"
#define FG_EPSS_FILE "epss_scores-current.csv.gz"

typedef struct fg_vupdate_opts {
	const char *source;      /* base URL serving every file name; NULL = the official sites */
	const char *download_dir;/* where downloads are kept (and resumed) */
	int year_from, year_to;  /* NVD yearly feeds nvdcve-2.0-YYYY.json.gz */
	bool nvd, kev, epss;
	FILE *log;               /* progress lines, or NULL */
} fg_vupdate_opts;

/* Downloads what changed (NVD .meta files first: a feed whose SHA-256 was
 * already imported is skipped), resuming partial downloads with HTTP
 * Range, verifies the .meta SHA-256 and size, and imports everything in
 * one transaction. HTTPS with certificate verification; plain HTTP only
 * for a 127.0.0.1/localhost source (tests). libcurl is loaded first
 * (curl_dl.h); without it, -1 with ERR saying which package to install.
 * -1 with ERR on any failure, the database unchanged. */
int fg_vupdate(fg_vdb *db, const fg_vupdate_opts *o, fg_vimport_stats *stats, char *err, size_t errlen);

/* Whether URL may be fetched: https, or http to a loopback host. */
bool fg_vupdate_url_allowed(const char *url, char *err, size_t errlen);

#endif
