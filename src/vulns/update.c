/*
 * update.c - the feeds over HTTPS (libcurl), resumable, verified, then one
 * import transaction. libcurl is loaded at run time (curl_dl.h) and called
 * through fg_curl: a direct curl_*() call would not link.
 */
#include "vulns/update.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "firmgate.h"
#include "vulns/curl_dl.h"

#define MAX_DOWNLOAD (8ull << 30)  /* one file */
#define MAX_META 4096

bool fg_vupdate_url_allowed(const char *url, char *err, size_t errlen)
{
	if (fg_curl_load(err, errlen) != 0)
		return false;
	CURLU *u = fg_curl.url();
	char *scheme = NULL, *host = NULL;
	bool ok = false;
	if (u && fg_curl.url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    fg_curl.url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    fg_curl.url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (!strcasecmp(scheme, "https"))
			ok = true;
		else if (!strcasecmp(scheme, "http") &&
			 (!strcmp(host, "127.0.0.1") || !strcasecmp(host, "localhost") || !strcmp(host, "[::1]")))
			ok = true;
		else
			snprintf(err, errlen, "%s: only https sources are allowed (plain http only for 127.0.0.1)", url);
	} else {
		snprintf(err, errlen, "%s: not a valid URL", url);
	}
	fg_curl.str_free(scheme);
	fg_curl.str_free(host);
	fg_curl.url_cleanup(u);
	return ok;
}

typedef struct dl {
	FILE *f;
	uint64_t written;
	uint64_t resume_from;
	CURL *curl;
	char *mem;               /* small downloads into memory */
	size_t memlen, memcap;
} dl;

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
	dl *d = ud;
	size_t n = size * nmemb;
	if (d->mem) {
		if (d->memlen + n + 1 > d->memcap)
			return 0; /* too big: abort */
		memcpy(d->mem + d->memlen, p, n);
		d->memlen += n;
		d->mem[d->memlen] = '\0';
		return n;
	}
	if (d->resume_from + d->written + n > MAX_DOWNLOAD)
		return 0;
	if (fwrite(p, 1, n, d->f) != n)
		return 0;
	d->written += n;
	return n;
}

static CURL *new_handle(const char *url, dl *d, bool loopback)
{
	CURL *c = fg_curl.easy_init();
	if (!c)
		return NULL;
	d->curl = c;
	fg_curl.easy_setopt(c, CURLOPT_URL, url);
	fg_curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	fg_curl.easy_setopt(c, CURLOPT_WRITEDATA, d);
	/* a loopback (test) source may not send us anywhere else */
	fg_curl.easy_setopt(c, CURLOPT_FOLLOWLOCATION, loopback ? 0L : 1L);
	fg_curl.easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	fg_curl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, loopback ? "http" : "https");
	fg_curl.easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	fg_curl.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	fg_curl.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	fg_curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	fg_curl.easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 512L);
	fg_curl.easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 120L);
	fg_curl.easy_setopt(c, CURLOPT_USERAGENT, "firmgate/" FG_VERSION_STRING);
	fg_curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	fg_curl.easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "identity");
	return c;
}

static bool is_loopback(const char *url)
{
	char e[16];
	return strncasecmp(url, "https:", 6) && fg_vupdate_url_allowed(url, e, sizeof(e));
}

/* Fetches URL into memory (at most MAX_META bytes). */
static int fetch_small(const char *url, char *buf, size_t bufsz, char *err, size_t errlen)
{
	dl d = { .mem = buf, .memcap = bufsz };
	buf[0] = '\0';
	CURL *c = new_handle(url, &d, is_loopback(url));
	if (!c) {
		snprintf(err, errlen, "%s: cannot start curl", url);
		return -1;
	}
	fg_curl.easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	CURLcode rc = fg_curl.easy_perform(c);
	fg_curl.easy_cleanup(c);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", url, fg_curl.easy_strerror(rc));
		return -1;
	}
	return 0;
}

/* Downloads URL to DEST, resuming DEST.part when RESUME (only for files
 * verified afterwards: a part of an older version would go unnoticed). */
static int fetch_file(const char *url, const char *dest, bool resume, FILE *log, char *err, size_t errlen)
{
	char part[4200];
	snprintf(part, sizeof(part), "%s.part", dest);
	if (!resume)
		unlink(part);
	struct stat sb;
	uint64_t have = stat(part, &sb) == 0 && S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
	FILE *f = fopen(part, have ? "ab" : "wb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", part, strerror(errno));
		return -1;
	}
	dl d = { .f = f, .resume_from = have };
	CURL *c = new_handle(url, &d, is_loopback(url));
	if (!c) {
		fclose(f);
		snprintf(err, errlen, "%s: cannot start curl", url);
		return -1;
	}
	if (have)
		fg_curl.easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)have);
	if (log)
		fprintf(log, "firmgate db update: fetching %s%s\n", url,
			have ? " (resuming)" : "");
	CURLcode rc = fg_curl.easy_perform(c);
	long code = 0;
	fg_curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	fg_curl.easy_cleanup(c);
	int ok = fclose(f) == 0;
	if (rc == CURLE_RANGE_ERROR && have) {
		/* the server ignored Range: start again from the first byte */
		if (log)
			fprintf(log, "firmgate db update: %s: the server does not resume; downloading again\n", url);
		if (unlink(part) != 0) {
			snprintf(err, errlen, "%s: %s", part, strerror(errno));
			return -1;
		}
		return fetch_file(url, dest, false, log, err, errlen);
	}
	if (rc == CURLE_OK && code == 416 && have) {
		/* nothing past what we have: the part is complete */
		rc = CURLE_OK;
		code = 206;
	}
	if (rc != CURLE_OK || !ok || (code != 200 && code != 206 && code != 0)) {
		snprintf(err, errlen, "%s: %s", url, rc != CURLE_OK ? fg_curl.easy_strerror(rc) :
			 !ok ? "write error" : "unexpected HTTP status");
		if (rc == CURLE_OK && code >= 400)
			snprintf(err, errlen, "%s: HTTP %ld", url, code);
		return -1;
	}
	if (rename(part, dest) != 0) {
		snprintf(err, errlen, "%s: %s", dest, strerror(errno));
		return -1;
	}
	return 0;
}

/* SHA-256 (hex) of the decompressed content of PATH (gzip or plain). */
static int sha256_content(const char *path, char hex[65], uint64_t *raw_size)
{
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return -1;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		gzclose(gz);
		return -1;
	}
	static unsigned char buf[1 << 16];
	int n;
	*raw_size = 0;
	while ((n = gzread(gz, buf, sizeof(buf))) > 0) {
		EVP_DigestUpdate(md, buf, (size_t)n);
		*raw_size += (uint64_t)n;
	}
	int code;
	gzerror(gz, &code);
	gzclose(gz);
	unsigned char dig[32];
	unsigned dl_ = 0;
	EVP_DigestFinal_ex(md, dig, &dl_);
	EVP_MD_CTX_free(md);
	if (n < 0 || (code != Z_OK && code != Z_STREAM_END))
		return -1;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", dig[i]);
	return 0;
}

typedef struct meta {
	char modified[64];
	char sha256[80];
	uint64_t size;           /* uncompressed */
	uint64_t gz_size;
} meta;

static void parse_meta(const char *text, meta *m)
{
	memset(m, 0, sizeof(*m));
	const char *p = text;
	while (*p) {
		size_t l = strcspn(p, "\r\n");
		char line[256];
		snprintf(line, sizeof(line), "%.*s", (int)(l < 255 ? l : 255), p);
		if (!strncmp(line, "lastModifiedDate:", 17))
			snprintf(m->modified, sizeof(m->modified), "%.63s", line + 17);
		else if (!strncmp(line, "sha256:", 7))
			snprintf(m->sha256, sizeof(m->sha256), "%.79s", line + 7);
		else if (!strncmp(line, "size:", 5))
			m->size = strtoull(line + 5, NULL, 10);
		else if (!strncmp(line, "gzSize:", 7))
			m->gz_size = strtoull(line + 7, NULL, 10);
		p += l;
		while (*p == '\r' || *p == '\n')
			p++;
	}
	for (char *q = m->sha256; *q; q++)
		*q = (char)tolower((unsigned char)*q);
}

static const char *stored_meta(fg_vdb *db, const char *key, char *out, size_t outsz)
{
	sqlite3_stmt *st;
	out[0] = '\0';
	if (sqlite3_prepare_v2(db->db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) != SQLITE_OK)
		return out;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, outsz, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static int put_meta(fg_vdb *db, const char *key, const char *value)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db->db, "INSERT OR REPLACE INTO meta VALUES(?1, ?2)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

typedef struct job {
	char name[128];          /* file name */
	char url[2048];
	char path[4200];         /* downloaded file */
	char source[8];          /* "nvd", "kev", "epss" */
	meta m;
	bool has_meta;
	bool skip;               /* already imported */
} job;

static int mkdir_p(const char *dir)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static void base_url(const char *source, const char *official, const char *name, char *out, size_t outsz)
{
	const char *b = source ? source : official;
	size_t bl = strlen(b);
	snprintf(out, outsz, "%s%s%s", b, bl && b[bl - 1] == '/' ? "" : "/", name);
}

int fg_vupdate(fg_vdb *db, const fg_vupdate_opts *o, fg_vimport_stats *stats, char *err, size_t errlen)
{
	/* first, so that a machine without libcurl is told before anything
	 * (the download directory) is created */
	if (fg_curl_load(err, errlen) != 0)
		return -1;
	if (o->source && !fg_vupdate_url_allowed(o->source, err, errlen))
		return -1;
	if (mkdir_p(o->download_dir) != 0) {
		snprintf(err, errlen, "%s: %s", o->download_dir, strerror(errno));
		return -1;
	}
	if (fg_curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot initialise libcurl");
		return -1;
	}
	size_t cap = (size_t)(o->year_to >= o->year_from ? o->year_to - o->year_from + 1 : 0) + 4;
	job *jobs = calloc(cap, sizeof(*jobs));
	size_t nj = 0;
	int rc = 0;
	if (!jobs) {
		snprintf(err, errlen, "out of memory");
		fg_curl.global_cleanup();
		return -1;
	}
	if (o->nvd) {
		for (int y = o->year_from; y <= o->year_to; y++) {
			job *j = &jobs[nj++];
			snprintf(j->name, sizeof(j->name), "nvdcve-2.0-%d.json.gz", y);
			strcpy(j->source, "nvd");
		}
		job *j = &jobs[nj++];
		snprintf(j->name, sizeof(j->name), "nvdcve-2.0-modified.json.gz");
		strcpy(j->source, "nvd");
	}
	if (o->kev) {
		job *j = &jobs[nj++];
		snprintf(j->name, sizeof(j->name), "%s", FG_KEV_FILE);
		strcpy(j->source, "kev");
	}
	if (o->epss) {
		job *j = &jobs[nj++];
		snprintf(j->name, sizeof(j->name), "%s", FG_EPSS_FILE);
		strcpy(j->source, "epss");
	}
	/* 1. NVD .meta files: what changed since the last import */
	for (size_t i = 0; i < nj && rc == 0; i++) {
		job *j = &jobs[i];
		const char *official = !strcmp(j->source, "nvd") ? FG_NVD_FEED_URL :
				       !strcmp(j->source, "kev") ? FG_KEV_FEED_URL : FG_EPSS_FEED_URL;
		base_url(o->source, official, j->name, j->url, sizeof(j->url));
		snprintf(j->path, sizeof(j->path), "%s/%s", o->download_dir, j->name);
		if (strcmp(j->source, "nvd"))
			continue;
		char murl[2100], mname[160], text[MAX_META];
		snprintf(mname, sizeof(mname), "%.*s.meta", (int)(strlen(j->name) - 8), j->name);
		base_url(o->source, official, mname, murl, sizeof(murl));
		if (fetch_small(murl, text, sizeof(text), err, errlen) != 0) {
			rc = -1;
			break;
		}
		parse_meta(text, &j->m);
		if (strlen(j->m.sha256) != 64) {
			snprintf(err, errlen, "%s: no sha256 in the .meta file", murl);
			rc = -1;
			break;
		}
		j->has_meta = true;
		char key[200], old[100];
		snprintf(key, sizeof(key), "feed:%s", j->name);
		if (!strcmp(stored_meta(db, key, old, sizeof(old)), j->m.sha256)) {
			j->skip = true;
			if (o->log)
				fprintf(o->log, "firmgate db update: %s unchanged (sha256 %.12s...)\n", j->name, j->m.sha256);
		}
	}
	/* 2. downloads, verified */
	for (size_t i = 0; i < nj && rc == 0; i++) {
		job *j = &jobs[i];
		if (j->skip)
			continue;
		/* a complete earlier download with the right checksum is reused */
		char hex[65];
		uint64_t raw = 0;
		struct stat sb;
		bool have = j->has_meta && stat(j->path, &sb) == 0 && sha256_content(j->path, hex, &raw) == 0 &&
			    !strcmp(hex, j->m.sha256);
		if (!have) {
			unlink(j->path);
			if (fetch_file(j->url, j->path, j->has_meta, o->log, err, errlen) != 0) {
				rc = -1;
				break;
			}
		}
		if (j->has_meta) {
			if (stat(j->path, &sb) != 0 || (j->m.gz_size && (uint64_t)sb.st_size != j->m.gz_size) ||
			    sha256_content(j->path, hex, &raw) != 0 || strcmp(hex, j->m.sha256) ||
			    (j->m.size && raw != j->m.size)) {
				snprintf(err, errlen, "%s: checksum mismatch with its .meta (sha256 %s, expected %s); "
					 "the download was removed", j->url, hex, j->m.sha256);
				unlink(j->path);
				rc = -1;
				break;
			}
		}
	}
	/* 3. one import transaction */
	if (rc == 0) {
		fg_vimport *im = fg_vimport_begin(db, err, errlen);
		if (!im) {
			rc = -1;
		} else {
			for (size_t i = 0; i < nj && rc == 0; i++) {
				job *j = &jobs[i];
				if (j->skip)
					continue;
				const char *kind;
				if (o->log)
					fprintf(o->log, "firmgate db update: importing %s\n", j->name);
				rc = fg_vimport_file(im, j->path, &kind, err, errlen);
				if (rc == 0 && j->has_meta) {
					char key[200];
					snprintf(key, sizeof(key), "feed:%s", j->name);
					if (put_meta(db, key, j->m.sha256) != 0) {
						snprintf(err, errlen, "%s: %s", db->path, sqlite3_errmsg(db->db));
						rc = -1;
					}
					if (*j->m.modified)
						fg_vimport_note_feed_date(im, "nvd", j->m.modified);
				}
			}
			if (rc == 0)
				rc = fg_vimport_commit(im, stats, err, errlen);
			else
				fg_vimport_rollback(im);
		}
	}
	free(jobs);
	fg_curl.global_cleanup();
	return rc;
}
