/*
 * pool: work spread over the cores.  A job list is shared by index: each
 * worker takes the next index until none is left, so no job runs twice and
 * a slow job does not hold up the others.  Callers keep everything that
 * must happen in order (messages, caches, the graph) on their own thread.
 */
#ifndef RELGATE_POOL_H
#define RELGATE_POOL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct pool {
	atomic_size_t next;
	size_t n;            /* how many jobs */
};

/* Take the next job's index into *i; false when none is left. */
bool pool_take(struct pool *p, size_t *i);

/*
 * Run worker(arg) on up to one thread a core (eight at most), this thread
 * included, and wait for all of them.  With fewer than min_jobs jobs only
 * this thread runs it.  A thread that cannot start is no error: the others
 * take its share.
 */
void pool_run(struct pool *p, size_t min_jobs, void *(*worker)(void *), void *arg);

#endif
