#include "limits.h"

#include <time.h>

void fg_limits_default(fg_limits *l)
{
	l->max_depth = 16;
	l->max_total_bytes = 8ull << 30;   /* 8 GiB expanded per scan */
	l->max_files = 2000000;
	l->max_ratio = 1000;               /* zlib tops out near 1032:1 */
	l->max_file_size = 2ull << 30;     /* 2 GiB per extracted file */
	l->max_seconds = 600;              /* ten minutes of unpacking */
}

void fg_budget_init(fg_budget *b, const fg_limits *limits)
{
	b->limits = *limits;
	atomic_init(&b->bytes, 0);
	atomic_init(&b->files, 0);
	atomic_init(&b->expired, 0);
	b->deadline = 0;
}

static double monotonic_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void fg_budget_start_clock(fg_budget *b)
{
	b->deadline = b->limits.max_seconds > 0 ? monotonic_now() + b->limits.max_seconds : 0;
}

bool fg_budget_expired(fg_budget *b)
{
	if (atomic_load(&b->expired))
		return true;
	if (b->deadline > 0 && monotonic_now() > b->deadline) {
		atomic_store(&b->expired, 1);
		return true;
	}
	return false;
}

bool fg_budget_take_bytes(fg_budget *b, uint64_t n)
{
	uint64_t cur = atomic_load(&b->bytes);
	do {
		if (n > b->limits.max_total_bytes || cur > b->limits.max_total_bytes - n)
			return false;
	} while (!atomic_compare_exchange_weak(&b->bytes, &cur, cur + n));
	return true;
}

void fg_budget_give_back_bytes(fg_budget *b, uint64_t n)
{
	atomic_fetch_sub(&b->bytes, n);
}

bool fg_budget_take_file(fg_budget *b)
{
	/* one clock read per node is cheap next to creating the node */
	if (fg_budget_expired(b))
		return false;
	uint64_t cur = atomic_load(&b->files);
	do {
		if (cur >= b->limits.max_files)
			return false;
	} while (!atomic_compare_exchange_weak(&b->files, &cur, cur + 1));
	return true;
}

uint64_t fg_budget_output_cap(const fg_budget *b, uint64_t in_len)
{
	uint64_t cap = b->limits.max_file_size;
	uint64_t used = atomic_load(&b->bytes);
	uint64_t left = used < b->limits.max_total_bytes ? b->limits.max_total_bytes - used : 0;
	if (left < cap)
		cap = left;
	if (b->limits.max_ratio && in_len < UINT64_MAX / b->limits.max_ratio) {
		/* small inputs get a floor so tiny compressed files still expand */
		uint64_t by_ratio = in_len * b->limits.max_ratio;
		if (by_ratio < (1u << 20))
			by_ratio = 1u << 20;
		if (by_ratio < cap)
			cap = by_ratio;
	}
	return cap;
}
