/*
 * curl_dl.h - libcurl, loaded with dlopen() when a download is about to
 * happen.
 *
 * Only `firmgate db update` downloads anything, yet linking libcurl made
 * every run map it and its dependency chain (gnutls, krb5, ldap, ssh2,
 * rtmp, nghttp2, ...): some 3 MiB of relocated pages and startup time. The
 * header still comes from <curl/curl.h>, so the pointer types below are
 * the declared prototypes and every call through them stays checked.
 */
#ifndef FG_VULNS_CURL_DL_H
#define FG_VULNS_CURL_DL_H

#include <curl/curl.h>
#include <stddef.h>

/* The shared object loaded: libcurl's ABI 4 (Debian: libcurl4, or
 * libcurl3-gnutls which installs the same soname as a symlink). */
#define FG_LIBCURL_SONAME "libcurl.so.4"

/* The functions of libcurl firmgate uses, as (field, symbol); add a line
 * to use another. */
#define FG_CURL_FUNCTIONS(X) \
	X(global_init, curl_global_init) \
	X(global_cleanup, curl_global_cleanup) \
	X(easy_init, curl_easy_init) \
	X(easy_setopt, curl_easy_setopt) \
	X(easy_perform, curl_easy_perform) \
	X(easy_getinfo, curl_easy_getinfo) \
	X(easy_cleanup, curl_easy_cleanup) \
	X(easy_strerror, curl_easy_strerror) \
	X(url, curl_url) \
	X(url_set, curl_url_set) \
	X(url_get, curl_url_get) \
	X(url_cleanup, curl_url_cleanup) \
	X(str_free, curl_free)

/* Each field has the type of a pointer to its function as declared (the
 * name is not followed by '(', so the typecheck-gcc.h macros of
 * curl_easy_setopt and curl_easy_getinfo do not expand). */
#define FG_CURL_FIELD(field, symbol) __typeof__(symbol) *field;
typedef struct fg_curl_api {
	FG_CURL_FUNCTIONS(FG_CURL_FIELD)
} fg_curl_api;
#undef FG_CURL_FIELD

/* Valid (every pointer set) once fg_curl_load() returned 0. */
extern fg_curl_api fg_curl;

/* Loads libcurl and resolves fg_curl, once; later calls return at once.
 * The library is FG_LIBCURL_SONAME, or the path in the environment
 * variable FG_LIBCURL (a test hook, to check the error when libcurl is
 * missing; ignored in set-id programs). -1 with ERR ("downloading needs
 * libcurl (apt-get install libcurl4): <dlerror()>") when it cannot be
 * loaded or lacks a function. Thread-safe. */
int fg_curl_load(char *err, size_t errlen);

/* The same for the library NAME (a soname or a path): the loader itself,
 * for the unit tests. */
int fg_curl_load_from(const char *name, char *err, size_t errlen);

#endif
