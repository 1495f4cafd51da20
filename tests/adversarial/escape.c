/*
 * escape clean|big: a step that double-forks a daemon into a session of its
 * own and exits 0.  The daemon (sleep 1000) runs with an environment that
 * hides where it came from:
 *   clean  only HOSTILE_TAG and HOSTILE_PIDS are kept, as "env -i" does;
 *   big    a 100 KB variable comes first, before everything it inherited.
 * The daemon's pid goes to $HOSTILE_PIDS before the main process exits.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void note_pid(void)
{
	const char *path = getenv("HOSTILE_PIDS");
	char line[32];
	int fd, n;

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%d\n", (int)getpid());
	if (write(fd, line, (size_t)n) < 0)
		perror("write");
	close(fd);
}

/* The daemon's environment. */
static char **daemon_env(const char *mode)
{
	size_t n = 0, i, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	if (!strcmp(mode, "clean")) {
		for (i = 0; i < n; i++)
			if (!strncmp(environ[i], "HOSTILE_", 8))
				env[k++] = environ[i];
		return env;
	}
	{
		size_t big = 100 * 1024;
		char *v = malloc(big + 5);

		if (!v)
			return NULL;
		memcpy(v, "BIG=", 4);
		memset(v + 4, 'x', big);
		v[big + 4] = '\0';
		env[k++] = v;
	}
	for (i = 0; i < n; i++)
		env[k++] = environ[i];
	return env;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "clean";
	char *args[] = {"sleep", "1000", NULL};
	int ready[2];
	char c;
	pid_t pid;

	if (strcmp(mode, "clean") && strcmp(mode, "big")) {
		fprintf(stderr, "usage: escape clean|big\n");
		return 2;
	}
	if (pipe(ready) < 0)
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		char **env;

		if (fork() != 0)
			_exit(0);
		/* the grandchild: an orphan in a session of its own */
		setsid();
		close(ready[0]);
		note_pid();
		env = daemon_env(mode);
		/* closed by the exec itself: the main process waits for the daemon to run */
		fcntl(ready[1], F_SETFD, FD_CLOEXEC);
		if (env)
			execve("/bin/sleep", args, env);
		_exit(127);
	}
	close(ready[1]);
	waitpid(pid, NULL, 0);
	/* the daemon runs (its exec closed its end of this pipe) */
	while (read(ready[0], &c, 1) > 0)
		;
	printf("main process exits; a daemon escaped with a %s environment\n", mode);
	return 0;
}
