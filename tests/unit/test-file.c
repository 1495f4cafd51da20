/*
 * test-file: write_file_atomic and write_file_durable (content, replacing,
 * folders made, the mode, no temporary file left, the umask untouched, many
 * threads at once) and the flock locks (held against other processes,
 * dropped by lock_drop and by the holder's death, close-on-exec).
 *
 * With arguments "write-atomic PATH TEXT" or "write-durable PATH TEXT" the
 * binary only writes TEXT to PATH with that function and exits 0 (written)
 * or 1 (failed): tests/t0011-durable-write.sh runs it under strace.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/file.h"
#include "lib/util.h"

/* ---- helpers ---- */

typedef int write_fn(const char *path, const void *data, size_t len);

static const struct writer {
	const char *name;
	write_fn *fn;
} writers[] = {
	{"write_file_atomic", write_file_atomic},
	{"write_file_durable", write_file_durable},
};

static char dir[64];

static int scratch_setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/relgate-test-file-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int scratch_teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	(void)state;
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", dir);
	free(cmd);
	return 0;
}

/* A path in the scratch folder (callable from threads). */
static char *at(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *at(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	char *rel;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)   /* no cmocka assert: threads call this */
		abort();
	rel = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(rel, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf_addf(&b, "%s/%s", dir, rel);
	free(rel);
	return buf_detach(&b, NULL);
}

/* The process's umask, read without changing it. */
static mode_t current_umask(void)
{
	mode_t m = umask(0);

	umask(m);
	return m;
}

static void assert_content(const char *path, const void *data, size_t len)
{
	struct buf b = BUF_INIT;

	if (read_file(path, &b, 0) != 0)
		fail_msg("read_file(%s): %s", path, strerror(errno));
	if (b.len != len || (len && memcmp(b.data, data, len)))
		fail_msg("%s holds %zu bytes, not the %zu written", path, b.len, len);
	buf_release(&b);
}

/* Entries of folder d (not . and ..); *tmp is set to a temporary file of relgate's, if any. */
static size_t count_entries(const char *d, char **tmp)
{
	DIR *dh = opendir(d);
	struct dirent *e;
	size_t n = 0;

	if (!dh)
		fail_msg("opendir(%s): %s", d, strerror(errno));
	if (tmp)
		*tmp = NULL;
	while ((e = readdir(dh))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		n++;
		if (tmp && !*tmp && strstr(e->d_name, ".relgate-tmp."))
			*tmp = xstrdup(e->d_name);
	}
	closedir(dh);
	return n;
}

/* Folder d must hold exactly n entries, none of them a temporary file. */
static void assert_entries(const char *d, size_t n)
{
	char *tmp;
	size_t got = count_entries(d, &tmp);

	if (tmp)
		fail_msg("temporary file left behind in %s: %s", d, tmp);
	if (got != n)
		fail_msg("%s holds %zu entries, expected %zu", d, got, n);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- writing ---- */

static void round_trip(void **state)
{
	static const char bin[] = {'a', '\0', '\n', '\xff', '\0', 'z'};
	size_t big_len = 3 * 1024 * 1024 + 17, i, k;
	char *big = xmalloc(big_len);

	(void)state;
	for (i = 0; i < big_len; i++)
		big[i] = (char)(i * 131 + 7);
	for (k = 0; k < ARRAY_LEN(writers); k++) {
		char *text = at("%zu-text.json", k), *binp = at("%zu-bin", k);
		char *empty = at("%zu-empty", k), *bigp = at("%zu-big", k);

		assert_int_equal(writers[k].fn(text, "{\"a\":1}\n", 8), 0);
		assert_content(text, "{\"a\":1}\n", 8);
		assert_int_equal(writers[k].fn(binp, bin, sizeof(bin)), 0);
		assert_content(binp, bin, sizeof(bin));
		assert_int_equal(writers[k].fn(empty, "", 0), 0);
		assert_content(empty, "", 0);
		assert_int_equal(writers[k].fn(bigp, big, big_len), 0);
		assert_content(bigp, big, big_len);
		free(text);
		free(binp);
		free(empty);
		free(bigp);
	}
	assert_entries(dir, 4 * ARRAY_LEN(writers));
	free(big);
}

/* A last component near NAME_MAX: the temporary name must not outgrow it. */
static void long_name(void **state)
{
	char name[251];
	size_t k;

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (k = 0; k < ARRAY_LEN(writers); k++) {
		char *path;

		name[0] = (char)('0' + k);
		path = at("%s", name);
		assert_int_equal(writers[k].fn(path, "x", 1), 0);
		assert_content(path, "x", 1);
		free(path);
	}
	assert_entries(dir, ARRAY_LEN(writers));
}

/*
 * The old file is replaced, not rewritten in place: a second name for the
 * old file still holds the old content, and the path names a new file.
 */
static void replaces_existing(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < ARRAY_LEN(writers); k++) {
		char *path = at("%zu-f", k), *old = at("%zu-old-link", k);
		struct stat before, after;

		put(path, "the old content, longer than the new one\n");
		assert_int_equal(link(path, old), 0);
		assert_int_equal(stat(path, &before), 0);
		assert_int_equal(writers[k].fn(path, "new\n", 4), 0);
		assert_content(path, "new\n", 4);
		assert_content(old, "the old content, longer than the new one\n", 41);
		assert_int_equal(stat(path, &after), 0);
		if (after.st_ino == before.st_ino)
			fail_msg("%s rewrote %s in place (same inode)", writers[k].name, path);
		assert_int_equal(writers[k].fn(path, "newer\n", 6), 0);
		assert_content(path, "newer\n", 6);
		free(path);
		free(old);
	}
	assert_entries(dir, 2 * ARRAY_LEN(writers));
}

static void makes_missing_folders(void **state)
{
	mode_t saved = umask(022);
	size_t k;

	(void)state;
	for (k = 0; k < ARRAY_LEN(writers); k++) {
		char *path = at("%zu/a/b/c/file.json", k), *top = at("%zu", k);
		char *leaf = at("%zu/a/b/c", k);
		struct stat st;

		assert_int_equal(writers[k].fn(path, "x", 1), 0);
		assert_content(path, "x", 1);
		assert_int_equal(stat(leaf, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		assert_int_equal(st.st_mode & 07777, 0755);
		assert_entries(leaf, 1);
		assert_entries(top, 1);
		free(path);
		free(top);
		free(leaf);
	}
	umask(saved);
}

/* 0666 less the umask, as any new file; and the umask is left as it was. */
static void mode_follows_umask(void **state)
{
	static const mode_t masks[] = {022, 077, 0, 027, 0777};
	mode_t saved = current_umask();
	size_t k, m;

	(void)state;
	for (m = 0; m < ARRAY_LEN(masks); m++) {
		for (k = 0; k < ARRAY_LEN(writers); k++) {
			char *fresh = at("%zu-%zu-fresh", m, k), *repl = at("%zu-%zu-repl", m, k);
			struct stat st;
			mode_t now;

			put(repl, "old");
			assert_int_equal(chmod(repl, 0600), 0);
			umask(masks[m]);
			assert_int_equal(writers[k].fn(fresh, "x", 1), 0);
			assert_int_equal(writers[k].fn(repl, "y", 1), 0);
			now = current_umask();
			umask(saved);
			if (now != masks[m])
				fail_msg("%s changed the umask from %03o to %03o", writers[k].name,
					 (unsigned)masks[m], (unsigned)now);
			assert_int_equal(stat(fresh, &st), 0);
			if ((st.st_mode & 07777) != (0666 & ~masks[m]))
				fail_msg("%s under umask %03o made mode %03o, expected %03o",
					 writers[k].name, (unsigned)masks[m],
					 (unsigned)(st.st_mode & 07777), (unsigned)(0666 & ~masks[m]));
			assert_int_equal(stat(repl, &st), 0);
			if ((st.st_mode & 07777) != (0666 & ~masks[m]))
				fail_msg("%s replacing under umask %03o made mode %03o, expected %03o",
					 writers[k].name, (unsigned)masks[m],
					 (unsigned)(st.st_mode & 07777), (unsigned)(0666 & ~masks[m]));
			if (masks[m] != 0777) {   /* mode 0 is unreadable, except by root */
				assert_content(fresh, "x", 1);
				assert_content(repl, "y", 1);
			}
			free(fresh);
			free(repl);
		}
	}
	assert_int_equal(current_umask(), saved);
	assert_entries(dir, 2 * ARRAY_LEN(masks) * ARRAY_LEN(writers));
}

/* A path relative to the working folder, with no folder part. */
static void bare_name_in_cwd(void **state)
{
	char *cwd = getcwd(NULL, 0);
	size_t k;

	(void)state;
	assert_non_null(cwd);
	assert_int_equal(chdir(dir), 0);
	for (k = 0; k < ARRAY_LEN(writers); k++) {
		char name[16];

		snprintf(name, sizeof(name), "bare-%zu", k);
		if (writers[k].fn(name, "b", 1) != 0)
			fail_msg("%s(\"%s\"): %s", writers[k].name, name, strerror(errno));
		assert_content(name, "b", 1);
	}
	assert_int_equal(chdir(cwd), 0);
	free(cwd);
	assert_entries(dir, ARRAY_LEN(writers));
}

/*
 * Failures that root gets too: a folder of the path is a regular file
 * (ENOTDIR), and the target is a folder (rename fails after the temporary
 * file was written).  -1 with errno, nothing left behind, old data kept,
 * umask unchanged.
 */
static void failures_leave_nothing(void **state)
{
	mode_t saved = umask(027);
	char *plain = at("plain"), *target = at("target-dir"), *inner = at("target-dir/keep");
	size_t k;

	(void)state;
	put(plain, "plain file");
	assert_int_equal(mkdir(target, 0755), 0);
	put(inner, "kept");
	for (k = 0; k < ARRAY_LEN(writers); k++) {
		char *under = at("plain/x.json"), *deeper = at("plain/sub/x.json");

		errno = 0;
		assert_int_equal(writers[k].fn(under, "x", 1), -1);
		if (errno != ENOTDIR)
			fail_msg("%s(%s): errno %d (%s), expected ENOTDIR", writers[k].name, under,
				 errno, strerror(errno));
		errno = 0;
		assert_int_equal(writers[k].fn(deeper, "x", 1), -1);
		if (errno != ENOTDIR)
			fail_msg("%s(%s): errno %d (%s), expected ENOTDIR", writers[k].name, deeper,
				 errno, strerror(errno));
		errno = 0;
		assert_int_equal(writers[k].fn(target, "x", 1), -1);
		if (errno != EISDIR && errno != ENOTEMPTY && errno != EEXIST)
			fail_msg("%s over a folder: errno %d (%s), expected EISDIR", writers[k].name,
				 errno, strerror(errno));
		assert_int_equal(current_umask(), 027);
		assert_content(plain, "plain file", 10);
		assert_content(inner, "kept", 4);
		assert_entries(dir, 2);
		assert_entries(target, 1);
		free(under);
		free(deeper);
	}
	umask(saved);
	free(plain);
	free(target);
	free(inner);
}

/*
 * A read-only folder: EACCES, nothing left.  Root writes there anyway, so
 * as root the writes run in a child that has given up root for nobody.
 */
static int write_read_only(const char *path)
{
	size_t k;

	for (k = 0; k < ARRAY_LEN(writers); k++) {
		errno = 0;
		if (writers[k].fn(path, "x", 1) != -1)
			return 10 + (int)k;
		if (errno != EACCES)
			return 20 + (int)k;
	}
	return 0;
}

static void failure_in_read_only_folder(void **state)
{
	char *ro = at("ro"), *path = at("ro/sub/f");
	pid_t pid;
	int status;

	(void)state;
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(mkdir(ro, 0555), 0);
	assert_int_equal(chmod(ro, 0555), 0);
	if (geteuid() != 0) {
		assert_int_equal(write_read_only(path), 0);
	} else {
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(99);
			_exit(write_read_only(path));
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) == 99) {
			print_message("# could not give up root: read-only folder not checked\n");
		} else if (WEXITSTATUS(status) != 0) {
			int k = WEXITSTATUS(status) % 10;

			fail_msg("%s in a read-only folder: %s", writers[k].name,
				 WEXITSTATUS(status) < 20 ? "succeeded" : "errno not EACCES");
		}
	}
	assert_entries(ro, 0);
	assert_int_equal(chmod(ro, 0755), 0);
	free(ro);
	free(path);
}

/* ---- many threads at once ---- */

#define THREADS 16
#define WRITES 25

struct job {
	pthread_t t;
	int id;
	write_fn *fn;
	int failed, err;          /* first failure, for the main thread to report */
	char what[160];
};

static void *writer_thread(void *arg)
{
	struct job *j = arg;
	char *shared = at("shared");
	int i;

	for (i = 0; i < WRITES; i++) {
		char *path = at("t%02d-%02d", j->id, i), *text = xasprintf("%d/%d", j->id, i);

		if (j->fn(path, text, strlen(text)) != 0 && !j->failed) {
			j->failed = 1;
			j->err = errno;
			snprintf(j->what, sizeof(j->what), "%s", path);
		}
		/* all threads on one path too: the temporary names must still differ */
		if (j->fn(shared, text, strlen(text)) != 0 && !j->failed) {
			j->failed = 1;
			j->err = errno;
			snprintf(j->what, sizeof(j->what), "%s", shared);
		}
		free(path);
		free(text);
	}
	free(shared);
	return NULL;
}

static void threads_at_once(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < ARRAY_LEN(writers); k++) {
		struct job jobs[THREADS];
		struct buf b = BUF_INIT;
		char *shared = at("shared");
		int t, i;

		memset(jobs, 0, sizeof(jobs));
		for (t = 0; t < THREADS; t++) {
			jobs[t].id = t;
			jobs[t].fn = writers[k].fn;
			assert_int_equal(pthread_create(&jobs[t].t, NULL, writer_thread, &jobs[t]), 0);
		}
		for (t = 0; t < THREADS; t++)
			assert_int_equal(pthread_join(jobs[t].t, NULL), 0);
		for (t = 0; t < THREADS; t++)
			if (jobs[t].failed)
				fail_msg("%s in thread %d: %s: %s", writers[k].name, t, jobs[t].what,
					 strerror(jobs[t].err));
		for (t = 0; t < THREADS; t++) {
			for (i = 0; i < WRITES; i++) {
				char *path = at("t%02d-%02d", t, i), *text = xasprintf("%d/%d", t, i);

				assert_content(path, text, strlen(text));
				free(path);
				free(text);
			}
		}
		/* the shared file is whole: one of the texts written */
		assert_int_equal(read_file(shared, &b, 0), 0);
		assert_true(sscanf(b.data, "%d/%d", &t, &i) == 2);
		assert_true(t >= 0 && t < THREADS && i >= 0 && i < WRITES);
		buf_release(&b);
		free(shared);
		assert_entries(dir, THREADS * WRITES + 1);
		assert_int_equal(scratch_teardown(NULL), 0);
		assert_int_equal(scratch_setup(NULL), 0);
	}
}

/* ---- locks ---- */

/* Fork a child that runs fn(path) and exits with its result; returns its status. */
static int in_child(int (*fn)(const char *), const char *path)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(20);   /* a child stuck waiting for a lock ends anyway */
		_exit(fn(path));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* 0: lock_take without waiting failed with EWOULDBLOCK; 1: it succeeded; 2: other errno. */
static int try_lock(const char *path)
{
	struct lock l = LOCK_INIT;

	if (lock_take(&l, path, false) == 0) {
		lock_drop(&l);
		return 1;
	}
	return errno == EWOULDBLOCK ? 0 : 2;
}

static int take_waiting(const char *path)
{
	struct lock l = LOCK_INIT;

	if (lock_take(&l, path, true) != 0)
		return 2;
	lock_drop(&l);
	return 1;
}

static void assert_child(int status, int want, const char *what)
{
	if (!WIFEXITED(status))
		fail_msg("%s: the child died (status 0x%x)", what, (unsigned)status);
	if (WEXITSTATUS(status) != want)
		fail_msg("%s: %s", what,
			 WEXITSTATUS(status) == 0 ? "the lock was held (EWOULDBLOCK)" :
			 WEXITSTATUS(status) == 1 ? "the lock was taken" :
			 "lock_take failed with another errno");
}

static void lock_excludes_others(void **state)
{
	char *path = at("locks/sub/relgate.lock");
	struct lock l = LOCK_INIT, again = LOCK_INIT;

	(void)state;
	assert_int_equal(lock_take(&l, path, false), 0);   /* folders made */
	assert_true(l.fd >= 0);
	assert_child(in_child(try_lock, path), 0, "another process while held");
	/* another open file in the same process conflicts too */
	errno = 0;
	assert_int_equal(lock_take(&again, path, false), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	assert_int_equal(again.fd, -1);
	lock_drop(&l);
	assert_int_equal(l.fd, -1);
	lock_drop(&l);   /* twice is harmless */
	assert_child(in_child(try_lock, path), 1, "another process after lock_drop");
	assert_child(in_child(take_waiting, path), 1, "a waiting process after lock_drop");
	assert_int_equal(lock_take(&l, path, true), 0);
	lock_drop(&l);
	free(path);
}

static void lock_dropped_when_holder_killed(void **state)
{
	char *path = at("killed.lock");
	struct lock l = LOCK_INIT;
	pid_t holder, waiter;
	int ready[2], status;
	char c;

	(void)state;
	assert_int_equal(pipe(ready), 0);
	fflush(NULL);
	holder = fork();
	assert_true(holder >= 0);
	if (holder == 0) {
		struct lock hl = LOCK_INIT;

		close(ready[0]);
		alarm(30);
		c = lock_take(&hl, path, false) == 0 ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	if (c != 'y') {
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
		fail_msg("the holder could not take the lock");
	}
	errno = 0;
	if (lock_take(&l, path, false) == 0) {
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
		fail_msg("the lock was taken while another process held it");
	}
	assert_int_equal(errno, EWOULDBLOCK);
	assert_int_equal(l.fd, -1);

	/* one that waits gets it once the holder is gone */
	fflush(NULL);
	waiter = fork();
	assert_true(waiter >= 0);
	if (waiter == 0) {
		alarm(20);
		_exit(take_waiting(path));
	}
	sleep_ms(100);
	assert_int_equal(waitpid(waiter, &status, WNOHANG), 0);   /* still waiting */
	assert_int_equal(kill(holder, SIGKILL), 0);
	assert_int_equal(waitpid(holder, &status, 0), holder);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_int_equal(waitpid(waiter, &status, 0), waiter);
	assert_child(status, 1, "a waiting process after the holder was killed");

	assert_int_equal(lock_take(&l, path, false), 0);
	lock_drop(&l);
	free(path);
}

/* The descriptor does not outlive an exec: a program run while the lock is held does not hold it. */
static void lock_close_on_exec(void **state)
{
	char *path = at("exec.lock");
	struct lock l = LOCK_INIT;
	pid_t pid;
	int flags, status, execd[2];
	char c;

	(void)state;
	assert_int_equal(lock_take(&l, path, false), 0);
	flags = fcntl(l.fd, F_GETFD);
	assert_true(flags >= 0);
	if (!(flags & FD_CLOEXEC))
		fail_msg("the lock descriptor %d is not close-on-exec", l.fd);
	/* the pipe reads end of file once the child has run exec (or ended) */
	assert_int_equal(pipe(execd), 0);
	assert_int_equal(fcntl(execd[1], F_SETFD, FD_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(execd[0]);
		execlp("sleep", "sleep", "10", (char *)NULL);
		_exit(127);
	}
	close(execd[1]);
	assert_int_equal(read(execd[0], &c, 1), 0);
	close(execd[0]);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);   /* sleep is running */
	lock_drop(&l);
	status = in_child(try_lock, path);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_child(status, 1, "the lock after lock_drop, a program started under it still running");
	free(path);
}

static void lock_failures(void **state)
{
	char *plain = at("plain"), *under = at("plain/x.lock");
	struct lock l = LOCK_INIT;

	(void)state;
	put(plain, "not a folder");
	errno = 0;
	assert_int_equal(lock_take(&l, under, false), -1);
	assert_int_equal(errno, ENOTDIR);
	assert_int_equal(l.fd, -1);
	lock_drop(&l);
	free(plain);
	free(under);
}

/* ---- the mode for tests/t0011-durable-write.sh ---- */

static int write_mode(int argc, char **argv)
{
	write_fn *fn = strcmp(argv[1], "write-atomic") ? write_file_durable : write_file_atomic;

	if (argc != 4) {
		fprintf(stderr, "usage: %s %s PATH TEXT\n", argv[0], argv[1]);
		return 1;
	}
	if (fn(argv[2], argv[3], strlen(argv[3])) != 0) {
		fprintf(stderr, "%s: %s: %s\n", argv[1], argv[2], strerror(errno));
		return 1;
	}
	return 0;
}

/* A mapped file reads as written; cut while mapped, it reads zeros past the cut, and says so. */
static void map_cut_while_mapped(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), i;
	char *path = at("mapped");
	char *text = malloc(3 * page);
	struct mapped m;
	struct stat st;
	int fd;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < 3 * page; i++)
		text[i] = (char)('a' + i % 26);
	assert_int_equal(write_file_atomic(path, text, 3 * page), 0);

	assert_int_equal(map_file(path, &m, 0, &st), 0);
	assert_int_equal(m.len, 3 * page);
	assert_int_equal(st.st_size, 3 * page);
	assert_memory_equal(m.data, text, 3 * page);
	assert_true(unmap_file(&m));

	assert_int_equal(map_file(path, &m, 0, &st), 0);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)page), 0);
	close(fd);
	assert_int_equal(m.data[10], text[10]);
	assert_int_equal(m.data[2 * page + 5], 0);   /* no SIGBUS: a zero */
	assert_int_equal(m.data[page + 1], 0);
	assert_false(unmap_file(&m));

	/* what cannot be mapped */
	errno = 0;
	assert_int_equal(map_file(path, &m, page - 1, &st), -1);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(map_file(dir, &m, 0, &st), -1);
	assert_int_equal(errno, EISDIR);
	assert_int_equal(write_file_atomic(path, "", 0), 0);
	assert_int_equal(map_file(path, &m, 0, &st), -1);
	free(path);
	path = at("missing");
	assert_int_equal(map_file(path, &m, 0, &st), -1);
	assert_int_equal(errno, ENOENT);
	free(text);
	free(path);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, scratch_setup, scratch_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(round_trip),
		T(long_name),
		T(replaces_existing),
		T(makes_missing_folders),
		T(mode_follows_umask),
		T(bare_name_in_cwd),
		T(failures_leave_nothing),
		T(failure_in_read_only_folder),
		T(threads_at_once),
		T(lock_excludes_others),
		T(lock_dropped_when_holder_killed),
		T(lock_close_on_exec),
		T(lock_failures),
		T(map_cut_while_mapped),
	};

	if (argc > 1 && (!strcmp(argv[1], "write-atomic") || !strcmp(argv[1], "write-durable")))
		return write_mode(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
