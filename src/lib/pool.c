/*
 * pool: threads that pull from one counter.
 */
#include <pthread.h>
#include <unistd.h>

#include "lib/pool.h"

#define POOL_MAX_THREADS 8

bool pool_take(struct pool *p, size_t *i)
{
	*i = atomic_fetch_add(&p->next, 1);
	return *i < p->n;
}

void pool_run(struct pool *p, size_t min_jobs, void *(*worker)(void *), void *arg)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nthreads = cores < 1 ? 1 : cores > POOL_MAX_THREADS ? POOL_MAX_THREADS : (size_t)cores;
	pthread_t threads[POOL_MAX_THREADS];
	size_t i, started = 0;

	if (p->n < min_jobs)
		nthreads = 1;
	for (i = 1; i < nthreads; i++)
		if (pthread_create(&threads[started], NULL, worker, arg) == 0)
			started++;
	worker(arg);
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
}
