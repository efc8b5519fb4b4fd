/*
 * check_times.c - time of every check on the file trees of one input.
 *
 *     check_times INPUT [RUNS]
 *
 * Unpacks INPUT once (fg_scan with unpack_only), then runs each check
 * alone on every file tree RUNS times (default 5) and prints the median
 * per check in milliseconds, plus all checks together as the pipeline
 * runs them (one pass, shared per-tree cache). Run alone, each check
 * pays for the parsing it shares with others (file list, PEM blocks,
 * boot model, ELF scan), so the sum of the lines exceeds the "all" line.
 * Built and run by bench/checks.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks/check.h"
#include "checks/engine.h"
#include "core/result.h"
#include "firmgate.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double run_once(fg_result *res, const fg_check *only)
{
	double t0 = now();
	for (size_t i = 0; i < res->filesystems.n; i++)
		fg_checks_run_tree(res, res->filesystems.v[i].root, only);
	double t = now() - t0;
	res->findings.n = 0; /* strings stay in the arena; counts reset */
	return t;
}

static double median(fg_result *res, const fg_check *only, int runs)
{
	double v[64];
	for (int r = 0; r < runs; r++)
		v[r] = run_once(res, only);
	qsort(v, (size_t)runs, sizeof(v[0]), cmp);
	return v[runs / 2];
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: check_times INPUT [RUNS]\n");
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	if (runs < 1 || runs > 64)
		runs = 5;
	fg_options o;
	fg_options_default(&o);
	o.unpack_only = 1;
	fg_result *res = NULL;
	char err[512];
	if (fg_scan(argv[1], &o, &res, err, sizeof(err)) != FG_OK) {
		fprintf(stderr, "%s\n", err);
		return 3;
	}
	res->opts.jobs = 1;
	printf("| check | ms (median of %d) |\n|---|---:|\n", runs);
	for (size_t i = 0; i < fg_check_count(); i++)
		printf("| `%s` | %.1f |\n", fg_check_at(i)->id, 1000 * median(res, fg_check_at(i), runs));
	printf("| all checks, one pass | %.1f |\n", 1000 * median(res, NULL, runs));
	fg_result_free(res);
	return 0;
}
