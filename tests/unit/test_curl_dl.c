/*
 * test_curl_dl.c - loading libcurl at run time (src/vulns/curl_dl.c).
 */
#include "test.h"

#include <unistd.h>

#include "vulns/curl_dl.h"

/* One test: the order matters (a successful load is kept for good). */
TEST(curl_dl_missing_then_present)
{
	char err[512] = "";
	char bogus[256];
	snprintf(bogus, sizeof(bogus), "/nonexistent-%d/libcurl.so.4", (int)getpid());
	CHECK_INT_EQ(fg_curl_load_from(bogus, err, sizeof(err)), -1);
	CHECK(strstr(err, "downloading needs libcurl (apt-get install libcurl4): ") == err);
	CHECK(strstr(err, bogus) != NULL);
	CHECK(fg_curl.easy_init == NULL);

	/* a library without libcurl's functions: the missing symbol named */
	err[0] = '\0';
	CHECK_INT_EQ(fg_curl_load_from("libz.so.1", err, sizeof(err)), -1);
	CHECK(strstr(err, "downloading needs libcurl") == err);
	CHECK(strstr(err, "curl_global_init") != NULL);
	CHECK(fg_curl.easy_init == NULL);

	/* the real one (installed with the -dev package the build needs) */
	err[0] = '\0';
	REQUIRE(fg_curl_load_from(FG_LIBCURL_SONAME, err, sizeof(err)) == 0);
	CHECK(fg_curl.global_init && fg_curl.easy_init && fg_curl.easy_setopt && fg_curl.str_free);
	CHECK(strstr(fg_curl.easy_strerror(CURLE_OK), "No error") != NULL);
	/* loaded once: a later call does not load anything else */
	CHECK_INT_EQ(fg_curl_load_from("/nonexistent/libcurl.so", err, sizeof(err)), 0);

	CURLU *u = fg_curl.url();
	REQUIRE(u != NULL);
	char *host = NULL;
	CHECK(fg_curl.url_set(u, CURLUPART_URL, "https://nvd.nist.gov/feeds/", 0) == CURLUE_OK);
	CHECK(fg_curl.url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK);
	CHECK_STR_EQ(host, "nvd.nist.gov");
	fg_curl.str_free(host);
	fg_curl.url_cleanup(u);
}
