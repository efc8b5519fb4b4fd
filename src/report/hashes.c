/*
 * hashes.c - SHA-256 of many files at once, on several threads.
 *
 * The manifest hashes every file of every tree; on an image with tens of
 * MiB of content that is a stage of its own, and every file is
 * independent. Content shared by several nodes (hard links, identical
 * files stored once by mksquashfs: same pointer, same length) is hashed
 * once. The result does not depend on the thread count: each digest goes
 * to its own slot and nothing else is shared but the next-item counter.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

#define HASH_MAX_THREADS 64
#define HASH_PARALLEL_MIN (1u << 20) /* less content than this: one thread */

typedef struct hash_item {
	const uint8_t *data;
	size_t len;
	size_t slot;           /* index into the caller's array */
} hash_item;

typedef struct hash_pool {
	hash_item *items;      /* sorted by (data, len) */
	size_t n;
	char (*hex)[65];
	atomic_size_t next;
} hash_pool;

static int item_cmp(const void *a, const void *b)
{
	const hash_item *x = a, *y = b;
	if (x->data != y->data)
		return (uintptr_t)x->data < (uintptr_t)y->data ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* The first item of each run of equal content is hashed; the rest copy. */
static bool run_head(const hash_pool *p, size_t i)
{
	return i == 0 || p->items[i - 1].data != p->items[i].data ||
	       p->items[i - 1].len != p->items[i].len;
}

static void *hash_worker(void *arg)
{
	hash_pool *p = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->n)
			break;
		if (run_head(p, i))
			fg_sha256_hex(p->items[i].data, p->items[i].len, p->hex[p->items[i].slot]);
	}
	return NULL;
}

int fg_sha256_many(const uint8_t *const *data, const size_t *len, size_t n, unsigned jobs,
		   char (*hex)[65])
{
	if (n == 0)
		return 0;
	hash_pool p = { calloc(n, sizeof(hash_item)), n, hex, 0 };
	if (!p.items) {
		for (size_t i = 0; i < n; i++)
			fg_sha256_hex(data[i], len[i], hex[i]);
		return 0;
	}
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		/* empty content: one slot for every NULL or zero-length file */
		p.items[i] = (hash_item){ len[i] ? data[i] : NULL, data[i] ? len[i] : 0, i };
		total += p.items[i].len;
	}
	qsort(p.items, n, sizeof(*p.items), item_cmp);
	if (jobs > HASH_MAX_THREADS)
		jobs = HASH_MAX_THREADS;
	if (total < HASH_PARALLEL_MIN || jobs < 2)
		jobs = 1;
	pthread_t th[HASH_MAX_THREADS];
	unsigned started = 0;
	for (unsigned i = 1; i < jobs; i++)
		if (pthread_create(&th[started], NULL, hash_worker, &p) == 0)
			started++;
	hash_worker(&p);
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	/* every slot after a run's head takes the head's digest */
	size_t head = 0;
	for (size_t i = 0; i < n; i++) {
		if (run_head(&p, i))
			head = i;
		else
			memcpy(hex[p.items[i].slot], hex[p.items[head].slot], 65);
	}
	free(p.items);
	return 0;
}
