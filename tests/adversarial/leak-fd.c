/*
 * leak-fd: a step that copies its output pipe to descriptor 100, leaves a
 * child holding only that copy (stdout and stderr closed), and exits 0.
 * The child sleeps with the pipe open, so the pipe never reaches its end
 * of file while it lives.  The child's pid goes to $HOSTILE_PIDS.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int main(void)
{
	int ready[2];
	char c;
	pid_t pid;

	if (dup2(1, 100) < 0 || pipe(ready) < 0) {
		perror("leak-fd");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		close(ready[0]);
		note_pid();
		close(0);
		close(1);
		close(2);
		if (write(100, "child holds descriptor 100\n", 27) < 0)
			_exit(1);
		close(ready[1]);
		execlp("sleep", "sleep", "1000", (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	/* the child has noted its pid when its end of this pipe closes */
	while (read(ready[0], &c, 1) > 0)
		;
	printf("main process exits, descriptor 100 stays with %d\n", (int)pid);
	return 0;
}
