/*
 * diag: the one place that formats messages for the user, and that keeps
 * the kind of the last failure of each thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"

const char *diag_progname = "relgate";
int diag_level;
unsigned diag_warnings;

/* the warning log (diag_log_start), shared by every thread */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static bool logging;
static char *log_data;
static size_t log_len, log_cap;

static _Thread_local enum fault last_fault;
static _Thread_local diag_routine *routine;
static _Thread_local void *routine_data;

void diag_set_routine(diag_routine *fn, void *data)
{
	routine = fn;
	routine_data = data;
}

/* A message without its prefix, with strerror appended where the format ends in ':'. */
static void vformat(char *text, size_t size, const char *fmt, va_list ap)
{
	int saved = errno;
	size_t n = strlen(fmt);
	int len = vsnprintf(text, size, fmt, ap);

	if (len >= 0 && n && fmt[n - 1] == ':' && (size_t)len < size)
		snprintf(text + len, size - (size_t)len, " %s", strerror(saved));
	errno = saved;
}

/* A message for a routine. */
static void vhand_over(const char *level, const char *fmt, va_list ap)
{
	int saved = errno;
	char text[2048];

	vformat(text, sizeof(text), fmt, ap);
	routine(level, text, routine_data);
	errno = saved;
}

void diag_log_start(void)
{
	pthread_mutex_lock(&log_lock);
	logging = true;
	log_len = 0;
	pthread_mutex_unlock(&log_lock);
}

char *diag_log_take(size_t *len)
{
	char *data;

	pthread_mutex_lock(&log_lock);
	logging = false;
	data = log_data;
	*len = log_len;
	log_data = NULL;
	log_len = log_cap = 0;
	pthread_mutex_unlock(&log_lock);
	return data;
}

static void vlog(const char *fmt, va_list ap)
{
	char text[2048];
	size_t n;

	pthread_mutex_lock(&log_lock);
	if (logging) {
		vformat(text, sizeof(text), fmt, ap);
		n = strlen(text) + 1;
		if (log_len + n > log_cap) {
			size_t cap = log_cap ? log_cap * 2 : 1024;
			char *p;

			while (cap < log_len + n)
				cap *= 2;
			if (!(p = realloc(log_data, cap)))
				die(EXIT_ENV, "out of memory keeping a warning");
			log_data = p;
			log_cap = cap;
		}
		memcpy(log_data + log_len, text, n);
		log_len += n;
	}
	pthread_mutex_unlock(&log_lock);
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
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
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
