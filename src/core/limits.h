/*
 * limits.h - the budget one scan may spend while expanding its input.
 *
 * One fg_budget travels through unpacking; every handler charges what it
 * creates before creating it. Counters are atomic so parallel workers
 * share one budget.
 */
#ifndef FG_LIMITS_H
#define FG_LIMITS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "firmgate.h"

typedef struct fg_budget {
	fg_limits limits;
	_Atomic uint64_t bytes;  /* expanded bytes so far */
	_Atomic uint64_t files;  /* nodes created so far */
	double deadline;         /* CLOCK_MONOTONIC seconds; 0 = none */
	_Atomic int expired;     /* sticky once the deadline passed */
} fg_budget;

void fg_budget_init(fg_budget *b, const fg_limits *limits);

/* Reserve N more expanded bytes; false (nothing reserved) when over. */
bool fg_budget_take_bytes(fg_budget *b, uint64_t n);
void fg_budget_give_back_bytes(fg_budget *b, uint64_t n);
bool fg_budget_take_file(fg_budget *b);

/* Starts the wall-clock budget (called when unpacking starts). */
void fg_budget_start_clock(fg_budget *b);

/* True once the wall-clock budget is spent; handlers stop creating nodes
 * then, and the engine starts no new container. */
bool fg_budget_expired(fg_budget *b);

/* Largest output a decompressor may produce from IN_LEN input bytes,
 * honouring the ratio, file-size and remaining total budgets. */
uint64_t fg_budget_output_cap(const fg_budget *b, uint64_t in_len);

#endif
