/*
 * test.h - a small unit-test harness.
 *
 *     TEST(name) { CHECK(x == 1); CHECK_STR_EQ(s, "a"); }
 *     (main() comes from test_main.c; a test file may define its own)
 *
 * Tests register themselves; CHECK failures are counted and reported with
 * file and line, and the test continues. The binary exits non-zero when
 * any check failed, and prints "N passed, N failed".
 */
#ifndef FG_TEST_H
#define FG_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*fg_test_fn)(void);
struct fg_test_entry { const char *name; fg_test_fn fn; };

extern struct fg_test_entry fg_tests_[512];
extern int fg_ntests_;
extern int fg_test_failed_checks_;

#define TEST(tname) \
	static void test_##tname(void); \
	__attribute__((constructor)) static void reg_##tname(void) { \
		if (fg_ntests_ < 512) { \
			fg_tests_[fg_ntests_].name = #tname; \
			fg_tests_[fg_ntests_].fn = test_##tname; \
			fg_ntests_++; \
		} \
	} \
	static void test_##tname(void)

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
	fg_test_failed_checks_++; } } while (0)

#define CHECK_INT_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
	fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); \
	fg_test_failed_checks_++; } } while (0)

#define CHECK_STR_EQ(a, b) do { const char *a_ = (a), *b_ = (b); \
	if (!a_ || !b_ || strcmp(a_, b_) != 0) { \
	fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, #b, \
		a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	fg_test_failed_checks_++; } } while (0)

/* Stops the current test (after a failed precondition). */
#define REQUIRE(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond); \
	fg_test_failed_checks_++; return; } } while (0)

int fg_run_tests_(void);
#define RUN_TESTS() fg_run_tests_()

#endif
