/*
 * curl_dl.c - loading libcurl at run time (see curl_dl.h for why).
 */
#include "vulns/curl_dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

fg_curl_api fg_curl;

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static void *loaded;            /* the handle, once everything resolved */

static void load_error(const char *why, char *err, size_t errlen)
{
	snprintf(err, errlen, "downloading needs libcurl (apt-get install libcurl4): %s",
		 why ? why : "unknown dlopen() error");
}

/* Fills API from handle H; the dlerror() text of the first missing
 * symbol otherwise. */
static const char *resolve_all(void *h, fg_curl_api *api)
{
#define FG_CURL_RESOLVE(field, symbol) \
	api->field = (__typeof__(api->field))dlsym(h, #symbol); \
	if (!api->field) \
		return dlerror();
	FG_CURL_FUNCTIONS(FG_CURL_RESOLVE)
#undef FG_CURL_RESOLVE
	return NULL;
}

int fg_curl_load_from(const char *name, char *err, size_t errlen)
{
	int rc = 0;
	pthread_mutex_lock(&load_lock);
	if (loaded)
		goto out;
	/* RTLD_LOCAL: libcurl's symbols (and those of its TLS library) must
	 * not take the place of libcrypto's for the rest of the process. */
	void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		load_error(dlerror(), err, errlen);
		rc = -1;
		goto out;
	}
	fg_curl_api api;
	const char *missing = resolve_all(h, &api);
	if (missing) {
		load_error(missing, err, errlen);
		dlclose(h);
		rc = -1;
		goto out;
	}
	/* never closed: unloading libcurl and its TLS library while their
	 * atexit handlers and thread-locals exist is not safe */
	fg_curl = api;
	loaded = h;
out:
	pthread_mutex_unlock(&load_lock);
	return rc;
}

int fg_curl_load(char *err, size_t errlen)
{
	/* Test hook (tests/e2e/check_vulns.py): FG_LIBCURL=/nonexistent
	 * shows the error a machine without libcurl gets. secure_getenv()
	 * ignores it in set-id programs. */
	const char *name = secure_getenv("FG_LIBCURL");
	return fg_curl_load_from(name && *name ? name : FG_LIBCURL_SONAME, err, errlen);
}
