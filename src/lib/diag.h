/*
 * diag: how relgate reports trouble, and which exit code it ends with.
 *
 * die() ends the process; error() prints and returns -1 so that callers can
 * write `return error(...)`.  A format ending in ':' appends strerror(errno).
 * Library-like modules (store, supervise, server) must not call die(): they
 * return errors, because a server has to outlive one bad request.
 *
 * One convention for errors below cmd/: a function that fails returns -1
 * after error() said why, and says what kind of trouble it was with
 * fault() (or error_as()): the user's input, the environment, or a check
 * that said no.  Only cmd/ turns that kind into an exit code
 * (exit_code_of()), so that the server can turn the same failure into an
 * HTTP status instead.  Messages go to stderr unless a routine of the
 * calling thread's takes them (diag_set_routine), as a server that answers
 * with the message in its body does.
 */
#ifndef RELGATE_DIAG_H
#define RELGATE_DIAG_H

#include <stddef.h>
#include <stdnoreturn.h>

/* Exit codes, as DESIGN.md lists them. */
enum {
	EXIT_OK = 0,
	EXIT_GATE = 1,   /* the gate said no */
	EXIT_USAGE = 2,  /* usage or configuration error */
	EXIT_ENV = 3,    /* environment error: git ref, browser, store */
	EXIT_INTERRUPTED = 130, /* stopped by SIGINT or SIGTERM, as a shell says 128 + 2 */
};

/* What kind of trouble a failure was. */
enum fault {
	FAULT_NONE,
	FAULT_INPUT,    /* the user's input: options, relgate.json, a file of the workspace */
	FAULT_ENV,      /* the environment: git, a browser, the disk, the store */
	FAULT_REFUSED,  /* a check said no: a failed build or boot, a refused artifact */
};

/* Note the kind of the failure being reported on this thread, and return -1. */
int fault(enum fault kind);
/* error() and fault(kind) at once. */
int error_as(enum fault kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The kind of the last failure noted on this thread (FAULT_NONE: none yet). */
enum fault fault_last(void);
/* Forget it, before an operation whose failure is looked at. */
void fault_clear(void);
/* The exit code for a kind, as DESIGN.md lists them: for cmd/ only. */
int exit_code_of(enum fault kind);

/*
 * Hand this thread's error and warning messages to fn instead of stderr
 * (level is "error" or "warning"; the text has no prefix and no newline);
 * NULL restores stderr.
 */
typedef void diag_routine(const char *level, const char *text, void *data);
void diag_set_routine(diag_routine *fn, void *data);

/* The program name used as prefix of every message. */
extern const char *diag_progname;

/* Print "relgate: fatal: ..." and exit with code. */
noreturn void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "relgate: error: ..." and return -1. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "relgate: warning: ...". */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print a message when -v was given. */
void verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A bug in relgate itself: names the source file and line, then aborts. */
#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)
noreturn void bug_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The warning log: from diag_log_start on, every warning of any thread is
 * also kept, for a result kept between runs that must say them again.
 * diag_log_take stops it and returns the texts, each ending in a NUL, *len
 * bytes in all (malloc'd; NULL when there were none).
 */
void diag_log_start(void);
char *diag_log_take(size_t *len);

/* How many warnings were printed (or would have been, under -q). */
extern unsigned diag_warnings;

/* 0 normal, -1 quiet (-q), 1 verbose (-v). */
extern int diag_level;

#endif
