#include "test.h"

struct fg_test_entry fg_tests_[512];
int fg_ntests_;
int fg_test_failed_checks_;

int fg_run_tests_(void)
{
	int passed = 0, failed = 0;
	const char *only = getenv("FG_TEST_ONLY");
	for (int i = 0; i < fg_ntests_; i++) {
		if (only && strcmp(only, fg_tests_[i].name) != 0)
			continue;
		int before = fg_test_failed_checks_;
		fg_tests_[i].fn();
		if (fg_test_failed_checks_ == before) {
			passed++;
		} else {
			failed++;
			fprintf(stderr, "FAIL %s\n", fg_tests_[i].name);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : (passed ? 0 : 1);
}

__attribute__((weak)) int main(void)
{
	return fg_run_tests_();
}
