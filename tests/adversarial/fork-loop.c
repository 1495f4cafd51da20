/*
 * fork-loop MAX INTERVAL_MS: a step that keeps forking while it is being
 * killed.  It ignores SIGTERM and forks a child every INTERVAL_MS, up to MAX
 * children (a bound, so that a broken supervisor cannot fork-bomb the
 * machine); every child ignores SIGTERM too, every other one escapes into a
 * session of its own, and all of them sleep.  Every pid goes to
 * $HOSTILE_PIDS.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int pids_fd = -1;

static void note_pid(void)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "%d\n", (int)getpid());

	if (pids_fd >= 0 && write(pids_fd, line, (size_t)n) < 0)
		_exit(1);
}

int main(int argc, char **argv)
{
	int max = argc > 1 ? atoi(argv[1]) : 200, i;
	long interval = argc > 2 ? atol(argv[2]) : 10;
	struct timespec ts = {interval / 1000, (interval % 1000) * 1000000L};
	const char *path = getenv("HOSTILE_PIDS");

	if (max < 1 || max > 400) {
		fprintf(stderr, "fork-loop: MAX must be from 1 to 400\n");
		return 2;
	}
	if (path)
		pids_fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	signal(SIGTERM, SIG_IGN);
	note_pid();
	printf("forking up to %d children, one every %ld ms\n", max, interval);
	fflush(stdout);
	for (i = 0; i < max; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			if (i % 2)
				setsid();
			note_pid();
			for (;;)
				pause();
		}
		nanosleep(&ts, NULL);
	}
	for (;;)
		pause();
}
