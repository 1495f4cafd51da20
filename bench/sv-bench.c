/*
 * sv-bench: the supervisor's costs, measured with relgate's own supervise.c.
 *
 *   sv-bench overhead N     spawn to reap of /bin/true under the supervisor, and
 *                           with a bare fork/exec/waitpid, N times each (medians)
 *   sv-bench kill N         from a step's timeout to its last descendant reaped,
 *                           for a tree that obeys SIGTERM and one that ignores it
 *   sv-bench flood MB       relgate's peak RSS while a step writes MB megabytes
 *
 * Prints "name value" lines for bench/run.sh.  Built by run.sh against the
 * objects of `make`.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gate/supervise.h"
#include "lib/util.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp);
	return n ? v[n / 2] : 0;
}

static double pct(double *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), cmp);
	return n ? v[(size_t)(p * (double)(n - 1))] : 0;
}

static void overhead(struct supervisor *sv, size_t n)
{
	double *a = calloc(n, sizeof(*a)), *b = calloc(n, sizeof(*b));
	char *argv[] = {"/bin/true", NULL};
	size_t i;

	for (i = 0; i < n; i++) {
		struct sv_step step = SV_STEP_INIT;
		struct sv_result res;
		double t0 = now_ms();

		step.argv = argv;
		sv_run(sv, &step, &res);
		a[i] = now_ms() - t0;
		if (res.outcome != SV_PASSED)
			fprintf(stderr, "sv-bench: /bin/true did not pass\n");
		sv_result_release(&res);
	}
	for (i = 0; i < n; i++) {
		double t0 = now_ms();
		pid_t pid = fork();

		if (pid == 0) {
			execv(argv[0], argv);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
		b[i] = now_ms() - t0;
	}
	printf("overhead_supervised_ms %.3f\n", median(a, n));
	printf("overhead_supervised_p95_ms %.3f\n", pct(a, n, 0.95));
	printf("overhead_bare_ms %.3f\n", median(b, n));
	printf("overhead_added_ms %.3f\n", median(a, n) - median(b, n));
	free(a);
	free(b);
}

/* Timeout to the last descendant reaped, minus the grace period when it was waited out. */
static void kill_latency(struct supervisor *sv, size_t n)
{
	static const struct {
		const char *name, *run;
		bool waits_grace;
	} trees[] = {
		{"obeys", "(sleep 1000 & sleep 1000 & wait) & sleep 1000", false},
		{"ignores_term", "trap '' TERM; (trap '' TERM; sleep 1000 & sleep 1000 & wait) & "
				 "sleep 1000", true},
		{"setsid_daemon", "setsid sh -c 'trap \"\" TERM; sleep 1000' & sleep 1000", true},
	};
	double *v = calloc(n, sizeof(*v));
	size_t t, i;

	for (t = 0; t < ARRAY_LEN(trees); t++) {
		for (i = 0; i < n; i++) {
			struct sv_step step = SV_STEP_INIT;
			struct sv_result res;
			double t0 = now_ms();

			step.run = trees[t].run;
			step.timeout_ms = 200;
			step.grace_ms = 300;
			sv_run(sv, &step, &res);
			v[i] = now_ms() - t0 - 200 - (trees[t].waits_grace ? 300 : 0);
			sv_result_release(&res);
		}
		printf("kill_%s_ms %.1f\n", trees[t].name, median(v, n));
		printf("kill_%s_max_ms %.1f\n", trees[t].name, pct(v, n, 1.0));
	}
	free(v);
}

static void flood(struct supervisor *sv, long mb)
{
	struct sv_step step = SV_STEP_INIT;
	struct sv_result res;
	struct rusage ru;
	char cmd[128], log[] = "/tmp/sv-bench-log-XXXXXX";
	int fd = mkstemp(log);
	double t0;

	if (fd >= 0)
		close(fd);
	snprintf(cmd, sizeof(cmd), "head -c %ldM /dev/zero", mb);
	step.run = cmd;
	step.log_path = log;
	t0 = now_ms();
	sv_run(sv, &step, &res);
	getrusage(RUSAGE_SELF, &ru);
	printf("flood_mb %ld\n", mb);
	printf("flood_read_mb %.0f\n", (double)res.bytes / 1048576.0);
	printf("flood_s %.2f\n", (now_ms() - t0) / 1e3);
	printf("flood_rss_mb %.1f\n", (double)ru.ru_maxrss / 1024.0);
	printf("flood_log_mb %.0f\n", (double)(res.bytes - res.log_dropped) / 1048576.0);
	sv_result_release(&res);
	unlink(log);
}

int main(int argc, char **argv)
{
	struct supervisor *sv;

	if (argc != 3) {
		fprintf(stderr, "usage: sv-bench overhead|kill|flood N\n");
		return 2;
	}
	sv = supervisor_new(NULL);
	if (!sv)
		return 3;
	printf("cgroup %s\n", sv_uses_cgroups(sv) ? "yes" : "no");
	if (!strcmp(argv[1], "overhead"))
		overhead(sv, (size_t)atol(argv[2]));
	else if (!strcmp(argv[1], "kill"))
		kill_latency(sv, (size_t)atol(argv[2]));
	else if (!strcmp(argv[1], "flood"))
		flood(sv, atol(argv[2]));
	supervisor_free(sv);
	return 0;
}
