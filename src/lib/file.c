/*
 * file: reading whole files, making folders, and writing files so that a
 * crash never leaves half of one.  Two strengths of writing: atomic
 * (readers see the old file or the new one: right for the cache and the
 * snapshot, which may be lost but never torn) and durable (the same, and
 * the new file has reached the disk when the call returns, with the folder
 * entry that names it: right for the release store).  Locks are flock(2)
 * locks, which the kernel drops when the process ends, however it ends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/diag.h"
#include "lib/file.h"
#include "lib/util.h"

int read_file_at(int dirfd, const char *path, struct buf *b, size_t limit)
{
	struct stat st;

	return read_file_at_stat(dirfd, path, b, limit, &st);
}

int read_file_at_stat(int dirfd, const char *path, struct buf *b, size_t limit, struct stat *out)
{
	struct stat st;
	size_t start = b->len;
	int fd, saved;
	ssize_t n;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto fail;
	}
	if (limit && (uint64_t)st.st_size > limit) {
		errno = EFBIG;
		goto fail;
	}
	if (buf_grow(b, (size_t)st.st_size) < 0)
		goto fail;
	for (;;) {
		if (b->cap - b->len < 2 && buf_grow(b, 4096) < 0)
			goto fail;
		n = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		if (limit && b->len - start > limit) {
			errno = EFBIG;
			goto fail;
		}
		/* the size it had when opened: no second read to learn of the end */
		if (b->len - start == (size_t)st.st_size && st.st_size > 0)
			break;
	}
	b->data[b->len] = '\0';
	close(fd);
	*out = st;
	return 0;
fail:
	saved = errno;
	close(fd);
	if (b->cap)
		b->data[b->len] = '\0';
	errno = saved;
	return -1;
}

int read_lines(FILE *f, void (*fn)(const char *line, void *data), void *data)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, f)) > 0) {
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		fn(line, data);
	}
	free(line);
	return ferror(f) ? -1 : 0;
}

int read_file(const char *path, struct buf *b, size_t limit)
{
	return read_file_at(AT_FDCWD, path, b, limit);
}

/* ---- a mapped file that may be cut ---- */

static _Atomic(const unsigned char *) mapped_at;   /* the one mapping the handler may mend */
static atomic_size_t mapped_len;
static size_t mapped_page;   /* sysconf is not for a signal handler */
static atomic_bool mapped_cut;
static struct sigaction sigbus_before;

/* A fault past the end of a cut file: zeros from that page on, and a note. */
static void on_sigbus(int sig, siginfo_t *si, void *context)
{
	const unsigned char *base = atomic_load(&mapped_at);
	size_t len = atomic_load(&mapped_len), page = mapped_page;
	const unsigned char *at = si->si_addr;

	(void)context;
	if (base && at >= base && at < base + len) {
		uintptr_t from = (uintptr_t)at & ~(uintptr_t)(page - 1);
		size_t n = (size_t)(base + len - (const unsigned char *)from);

		if (mmap((void *)from, n, PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0) != MAP_FAILED) {
			atomic_store(&mapped_cut, true);
			return;
		}
	}
	/* not ours: what would have happened without this handler */
	sigaction(sig, &sigbus_before, NULL);
}

int map_file(const char *path, struct mapped *m, size_t limit, struct stat *st)
{
	struct sigaction sa;
	void *p;
	int fd, saved;

	if (atomic_load(&mapped_at))
		BUG("two files mapped at once");
	m->data = NULL;
	m->len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0)
		goto fail;
	if (!S_ISREG(st->st_mode) || st->st_size <= 0) {
		errno = S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
		goto fail;
	}
	if ((limit && (uint64_t)st->st_size > limit) || (uint64_t)st->st_size > SIZE_MAX) {
		errno = EFBIG;
		goto fail;
	}
	p = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	close(fd);
	m->data = p;
	m->len = (size_t)st->st_size;
	mapped_page = (size_t)sysconf(_SC_PAGESIZE);
	atomic_store(&mapped_cut, false);
	atomic_store(&mapped_len, m->len);
	atomic_store(&mapped_at, m->data);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &sigbus_before);
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

bool unmap_file(struct mapped *m)
{
	bool whole = !atomic_load(&mapped_cut);

	if (!m->data)
		return true;
	sigaction(SIGBUS, &sigbus_before, NULL);
	atomic_store(&mapped_at, NULL);
	munmap((void *)m->data, m->len);
	m->data = NULL;
	m->len = 0;
	return whole;
}

int make_parents(const char *path)
{
	char *p = xstrdup(path), *s = p;

	while ((s = strchr(s + 1, '/'))) {
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	free(p);
	return 0;
}

int make_dirs(const char *path)
{
	if (make_parents(path) < 0)
		return -1;
	return mkdir(path, 0777) < 0 && errno != EEXIST ? -1 : 0;
}

/*
 * A temporary file next to path, made with O_EXCL under a name no other
 * thread or process of relgate picks, with mode 0666 less the umask, as
 * any other new file gets (mkstemp's 0600 would need the umask read back,
 * which is not thread-safe).
 */
static int open_temp(const char *path, char **tmp)
{
	static atomic_uint seq;
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path) + 1 : 0, tries;

	for (tries = 0; tries < 100; tries++) {
		int fd;

		/* a short name of its own: path's last component may be near NAME_MAX */
		*tmp = xasprintf("%.*s.relgate-tmp.%ld.%u", dirlen, path, (long)getpid(),
				 atomic_fetch_add(&seq, 1));
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
		if (fd >= 0 || errno != EEXIST)
			return fd;
		free(*tmp);
	}
	*tmp = NULL;
	errno = EEXIST;
	return -1;
}

int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int fsync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == path ? xstrdup("/") : slash ? xstrndup(path, (size_t)(slash - path))
							  : xstrdup(".");
	int fd, ret = 0, saved;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		ret = -1;
	saved = errno;
	if (fd >= 0)
		close(fd);
	free(dir);
	errno = saved;
	return ret;
}

static int write_file(const char *path, const void *data, size_t len, bool durable)
{
	char *tmp = NULL;
	int fd, saved;

	if (make_parents(path) < 0 || (fd = open_temp(path, &tmp)) < 0)
		goto fail;
	if (write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		goto fail;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		goto fail;
	}
	free(tmp);
	/* the rename is durable only once the folder that records it is */
	return durable ? fsync_dir_of(path) : 0;
fail:
	saved = errno;
	free(tmp);
	errno = saved;
	return -1;
}

int write_file_atomic(const char *path, const void *data, size_t len)
{
	return write_file(path, data, len, false);
}

int write_file_durable(const char *path, const void *data, size_t len)
{
	return write_file(path, data, len, true);
}

int lock_take(struct lock *l, const char *path, bool wait)
{
	int fd, r;

	l->fd = -1;
	if (make_parents(path) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
	if (fd < 0)
		return -1;
	while ((r = flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB))) < 0 && errno == EINTR)
		;
	if (r < 0) {
		int saved = errno;

		close(fd);
		errno = saved == EWOULDBLOCK ? EWOULDBLOCK : saved;
		return -1;
	}
	l->fd = fd;
	return 0;
}

void lock_drop(struct lock *l)
{
	if (l->fd >= 0)
		close(l->fd);   /* closing the only descriptor drops the flock */
	l->fd = -1;
}
