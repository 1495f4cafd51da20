/*
 * diag: the one place that formats messages for the user, and that keeps
 * the kind of the last failure of each thread.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"

const char *diag_progname = "relgate";
int diag_level;
unsigned diag_warnings;

static _Thread_local enum fault last_fault;
static _Thread_local diag_routine *routine;
static _Thread_local void *routine_data;

void diag_set_routine(diag_routine *fn, void *data)
{
	routine = fn;
	routine_data = data;
}

/* A message for a routine: formatted, with strerror appended where asked. */
static void vhand_over(const char *level, const char *fmt, va_list ap)
{
	int saved = errno;
	size_t n = strlen(fmt);
	char text[2048];
	int len = vsnprintf(text, sizeof(text), fmt, ap);

	if (len >= 0 && n && fmt[n - 1] == ':' && (size_t)len < sizeof(text))
		snprintf(text + len, sizeof(text) - (size_t)len, " %s", strerror(saved));
	routine(level, text, routine_data);
	errno = saved;
}

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	int saved = errno;
	size_t n = strlen(fmt);

	if (routine && (!strcmp(prefix, "error: ") || !strcmp(prefix, "warning: "))) {
		vhand_over(prefix[0] == 'e' ? "error" : "warning", fmt, ap);
		return;
	}
	fflush(stdout);
	fprintf(stderr, "%s: %s", diag_progname, prefix);
	vfprintf(stderr, fmt, ap);
	if (n && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(saved));
	fputc('\n', stderr);
	errno = saved;
}

void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("fatal: ", fmt, ap);
	va_end(ap);
	exit(code);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	return -1;
}

int error_as(enum fault kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	return fault(kind);
}

int fault(enum fault kind)
{
	last_fault = kind;
	return -1;
}

enum fault fault_last(void)
{
	return last_fault;
}

void fault_clear(void)
{
	last_fault = FAULT_NONE;
}

int exit_code_of(enum fault kind)
{
	switch (kind) {
	case FAULT_REFUSED: return EXIT_GATE;
	case FAULT_INPUT: return EXIT_USAGE;
	case FAULT_ENV: return EXIT_ENV;
	case FAULT_NONE: break;
	}
	/* a failure whose kind nobody noted: the environment is the cautious guess */
	return EXIT_ENV;
}

void warn(const char *fmt, ...)
{
	va_list ap;

	diag_warnings++;
	if (diag_level < 0)
		return;
	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

void verbose(const char *fmt, ...)
{
	va_list ap;

	if (diag_level < 1)
		return;
	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

void bug_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: BUG: %s:%d: ", diag_progname, file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
