/*
 * test-diag: the error convention.  A failure below cmd/ returns -1 and
 * notes its kind; only exit_code_of() turns the kind into an exit code.
 * A thread's routine takes its messages instead of stderr, with strerror
 * appended where the format asks, and other threads are not affected.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/diag.h"
#include "lib/util.h"

struct captured {
	char level[16];
	char text[512];
	int count;
};

static void capture(const char *level, const char *text, void *data)
{
	struct captured *c = data;

	snprintf(c->level, sizeof(c->level), "%s", level);
	snprintf(c->text, sizeof(c->text), "%s", text);
	c->count++;
}

static void kinds_map_to_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(exit_code_of(FAULT_REFUSED), EXIT_GATE);
	assert_int_equal(exit_code_of(FAULT_INPUT), EXIT_USAGE);
	assert_int_equal(exit_code_of(FAULT_ENV), EXIT_ENV);
	/* a failure whose kind nobody noted is not success */
	assert_int_equal(exit_code_of(FAULT_NONE), EXIT_ENV);
}

static void error_as_notes_kind_and_returns_minus_one(void **state)
{
	struct captured c = {0};

	(void)state;
	diag_set_routine(capture, &c);
	fault_clear();
	assert_int_equal(fault_last(), FAULT_NONE);
	assert_int_equal(error_as(FAULT_INPUT, "bad %s", "thing"), -1);
	assert_int_equal(fault_last(), FAULT_INPUT);
	assert_string_equal(c.level, "error");
	assert_string_equal(c.text, "bad thing");
	assert_int_equal(fault(FAULT_ENV), -1);
	assert_int_equal(fault_last(), FAULT_ENV);
	fault_clear();
	assert_int_equal(fault_last(), FAULT_NONE);
	/* plain error() leaves the kind alone */
	fault(FAULT_REFUSED);
	assert_int_equal(error("x"), -1);
	assert_int_equal(fault_last(), FAULT_REFUSED);
	diag_set_routine(NULL, NULL);
}

static void routine_gets_errors_and_warnings(void **state)
{
	struct captured c = {0};
	unsigned before = diag_warnings;

	(void)state;
	diag_set_routine(capture, &c);
	warn("careful with %d", 42);
	assert_string_equal(c.level, "warning");
	assert_string_equal(c.text, "careful with 42");
	assert_int_equal(diag_warnings, before + 1);
	errno = ENOENT;
	error("cannot open %s:", "x.json");
	assert_string_equal(c.text, "cannot open x.json: No such file or directory");
	assert_int_equal(errno, ENOENT);
	assert_int_equal(c.count, 2);
	diag_set_routine(NULL, NULL);
	/* back on stderr: the routine sees nothing more */
	error("to stderr");
	assert_int_equal(c.count, 2);
}

static void *other_thread(void *arg)
{
	int *kind = arg;

	/* a new thread starts with no kind and no routine of its own */
	*kind = (int)fault_last();
	fault(FAULT_REFUSED);
	return NULL;
}

static void kind_and_routine_are_per_thread(void **state)
{
	struct captured c = {0};
	pthread_t t;
	int seen = -1;

	(void)state;
	diag_set_routine(capture, &c);
	fault(FAULT_INPUT);
	assert_int_equal(pthread_create(&t, NULL, other_thread, &seen), 0);
	pthread_join(t, NULL);
	assert_int_equal(seen, FAULT_NONE);
	assert_int_equal(fault_last(), FAULT_INPUT);
	diag_set_routine(NULL, NULL);
}

static void long_message_is_cut_not_overrun(void **state)
{
	struct captured c = {0};
	char big[4096];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	diag_set_routine(capture, &c);
	error("%s", big);
	assert_int_equal(c.count, 1);
	assert_true(strlen(c.text) > 100);
	diag_set_routine(NULL, NULL);
}

static void *warn_elsewhere(void *arg)
{
	(void)arg;
	warn("from %s", "a worker");
	return NULL;
}

/* The log keeps every thread's warnings, under -q too, and only while on. */
static void log_keeps_warnings_of_every_thread(void **state)
{
	static const char want[] = "one 1\0from a worker\0quiet\0";
	struct captured c = {0};
	pthread_t t;
	char *got;
	size_t len = 99;
	int level = diag_level;

	(void)state;
	diag_set_routine(capture, &c);
	warn("before the log");
	diag_log_start();
	warn("one %d", 1);
	assert_int_equal(pthread_create(&t, NULL, warn_elsewhere, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	diag_level = -1;
	warn("quiet");
	diag_level = level;
	error("an error is not kept");
	got = diag_log_take(&len);
	warn("after the log");
	diag_set_routine(NULL, NULL);
	assert_int_equal(len, sizeof(want) - 1);
	assert_memory_equal(got, want, len);
	free(got);
	/* taken: the next log starts empty */
	diag_log_start();
	got = diag_log_take(&len);
	assert_null(got);
	assert_int_equal(len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kinds_map_to_exit_codes),
		cmocka_unit_test(error_as_notes_kind_and_returns_minus_one),
		cmocka_unit_test(routine_gets_errors_and_warnings),
		cmocka_unit_test(kind_and_routine_are_per_thread),
		cmocka_unit_test(long_message_is_cut_not_overrun),
		cmocka_unit_test(log_keeps_warnings_of_every_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
