/*
 * file: whole files in and out, folders, and locks.
 *
 * write_file_atomic: temporary file in the same folder, then rename(2)
 * over the old one: readers see the old or the new file, never half of one,
 * but a crash may lose the new one.  write_file_durable: the same, with
 * fsync(2) of the file before the rename and of the folder after it (as
 * redis's rdb.c saves): when it returns, the new file survives a crash.
 * Neither changes the process's umask.
 */
#ifndef RELGATE_FILE_H
#define RELGATE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include <stdio.h>

#include "lib/util.h"

/*
 * Read a whole file into b (appending).  Returns 0, or -1 with errno set;
 * EFBIG when the file is larger than limit bytes (0: no limit).
 */
int read_file(const char *path, struct buf *b, size_t limit);

/*
 * Call fn with each line of f, its end (\n, \r\n) taken off, until the end
 * of f.  Returns 0, or -1 with errno set when f could not be read.
 */
int read_lines(FILE *f, void (*fn)(const char *line, void *data), void *data);
/* Same, relative to directory descriptor dirfd. */
int read_file_at(int dirfd, const char *path, struct buf *b, size_t limit);
/* The same, with what fstat(2) said of the file when it was opened. */
int read_file_at_stat(int dirfd, const char *path, struct buf *b, size_t limit, struct stat *st);

/*
 * A whole file mapped read-only, for a large file read once (git's index):
 * no copy, no fresh pages to fault in.  A file cut shorter while it is
 * mapped (by a writer that truncates instead of replacing it, as git
 * does) would end the process with SIGBUS: instead, the pages past the
 * cut read as zeros and unmap_file() says the content is not to be
 * trusted.  One file is mapped at a time.
 */
struct mapped {
	const unsigned char *data;
	size_t len;
};

/* Map path; st gets what fstat(2) said.  0, or -1 with errno (EFBIG over limit, 0: none). */
int map_file(const char *path, struct mapped *m, size_t limit, struct stat *st);
/* Unmap it; false when it was cut while mapped. */
bool unmap_file(struct mapped *m);

/* Make the folders of path (not its last component), or all of them. 0 or -1 with errno. */
int make_parents(const char *path);
int make_dirs(const char *path);

/* Replace path atomically (see above); missing folders are made.  0, or -1 with errno. */
int write_file_atomic(const char *path, const void *data, size_t len);
/* Write all len bytes to fd, through EINTR and short writes.  0, or -1 with errno set. */
int write_all(int fd, const void *data, size_t len);
/* Replace path atomically and durably (see above).  0, or -1 with errno. */
int write_file_durable(const char *path, const void *data, size_t len);
/* fsync(2) the folder that holds path, so that its entries are on disk.  0 or -1. */
int fsync_dir_of(const char *path);

/*
 * An exclusive lock on a lock file (made if missing), held until
 * lock_drop() or the end of the process, however it ends.  Its descriptor
 * is close-on-exec: a program relgate starts does not hold it (a forked
 * child that does not exec shares it while it lives).
 */
struct lock {
	int fd;
};
#define LOCK_INIT {-1}

/*
 * Take the lock at path; with wait false, fail at once with errno
 * EWOULDBLOCK when another holds it.  0, or -1 with errno.
 */
int lock_take(struct lock *l, const char *path, bool wait);
void lock_drop(struct lock *l);

#endif
