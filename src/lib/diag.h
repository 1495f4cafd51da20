/*
 * diag: how relgate reports trouble, and which exit code it ends with.
 *
 * die() ends the process; error() prints and returns -1 so that callers can
 * write `return error(...)`.  A format ending in ':' appends strerror(errno).
 * Library-like modules (store, supervise, server) must not call die(): they
 * return errors, because a server has to outlive one bad request.
 */
#ifndef RELGATE_DIAG_H
#define RELGATE_DIAG_H

#include <stdnoreturn.h>

/* Exit codes, as DESIGN.md lists them. */
enum {
	EXIT_OK = 0,
	EXIT_GATE = 1,   /* the gate said no */
	EXIT_USAGE = 2,  /* usage or configuration error */
	EXIT_ENV = 3,    /* environment error: git ref, browser, store */
};

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

/* How many warnings were printed (or would have been, under -q). */
extern unsigned diag_warnings;

/* 0 normal, -1 quiet (-q), 1 verbose (-v). */
extern int diag_level;

#endif
