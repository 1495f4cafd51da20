/*
 * test-jsonw: the JSON writer places commas, colons and breaks, quotes
 * strings, and whatever is written parses back as the same values; misuse
 * ends relgate as a bug instead of writing broken JSON.
 */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/jsonw.h"
#include "lib/util.h"

static void flat_object(void **state)
{
	struct buf b = BUF_INIT;
	struct jw w;

	(void)state;
	jw_init(&w, &b);
	jw_object(&w);
	jw_kstr(&w, "a", "x");
	jw_kint(&w, "b", -12);
	jw_kbool(&w, "c", true);
	jw_knum(&w, "d", 2.5, 1);
	jw_kstr(&w, "e", NULL);
	jw_key(&w, "f");
	jw_null(&w);
	jw_end(&w);
	jw_done(&w);
	assert_string_equal(b.data,
			    "{\"a\": \"x\", \"b\": -12, \"c\": true, \"d\": 2.5, \"e\": null, \"f\": null}");
	buf_release(&b);
}

static void nesting_and_breaks(void **state)
{
	struct buf b = BUF_INIT;
	struct jw w;

	(void)state;
	jw_init(&w, &b);
	jw_object(&w);
	jw_kbool(&w, "ok", false);
	jw_break(&w, 1);
	jw_key(&w, "list");
	jw_array(&w);
	jw_break(&w, 2);
	jw_object(&w);
	jw_key(&w, "v");
	jw_array(&w);
	jw_end(&w);
	jw_end(&w);
	jw_break(&w, 2);
	jw_int(&w, 7);
	jw_break(&w, 1);
	jw_end(&w);
	jw_key(&w, "empty");
	jw_object(&w);
	jw_end(&w);
	jw_end(&w);
	jw_done(&w);
	assert_string_equal(b.data, "{\"ok\": false,\n \"list\": [\n  {\"v\": []},\n  7\n ], "
				    "\"empty\": {}}");
	buf_release(&b);
}

static void strings_round_trip(void **state)
{
	static const char *const rows[] = {
		"", "plain", "quote \" and backslash \\", "new\nline\ttab\r", "\x01\x1f control",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "bad \xff byte", "</script>",
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(rows); i++) {
		struct buf b = BUF_INIT;
		struct jw w;
		json_error_t err;
		json_t *v;

		jw_init(&w, &b);
		jw_array(&w);
		jw_str(&w, rows[i]);
		jw_end(&w);
		jw_done(&w);
		v = json_loadb(b.data, b.len, 0, &err);
		if (!v)
			fail_msg("row %zu: %s does not parse: %s", i, b.data, err.text);
		assert_true(json_is_string(json_array_get(v, 0)));
		/* valid UTF-8 comes back as it was; an invalid byte is replaced, never passed on */
		if (!strstr(rows[i], "\xff"))
			assert_string_equal(json_string_value(json_array_get(v, 0)), rows[i]);
		json_decref(v);
		buf_release(&b);
	}
}

static void numbers(void **state)
{
	struct buf b = BUF_INIT;
	struct jw w;

	(void)state;
	jw_init(&w, &b);
	jw_array(&w);
	jw_int(&w, INT64_MIN);
	jw_int(&w, INT64_MAX);
	jw_num(&w, 1234.5678, 0);
	jw_num(&w, NAN, 0);
	jw_num(&w, INFINITY, 2);
	jw_end(&w);
	assert_string_equal(b.data, "[-9223372036854775808, 9223372036854775807, 1235, null, null]");
	buf_release(&b);
}

/* Each misuse aborts (BUG) in a child, which must not exit normally. */
static void misuse_is_a_bug(void **state)
{
	int kind;

	(void)state;
	for (kind = 0; kind < 5; kind++) {
		pid_t pid;
		int status;

		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct buf b = BUF_INIT;
			struct jw w;

			if (!freopen("/dev/null", "w", stderr))
				_exit(3);
			jw_init(&w, &b);
			switch (kind) {
			case 0: jw_object(&w); jw_str(&w, "value without key"); break;
			case 1: jw_array(&w); jw_key(&w, "key in array"); break;
			case 2: jw_end(&w); break;
			case 3: jw_object(&w); jw_key(&w, "k"); jw_key(&w, "k2"); break;
			case 4: jw_object(&w); jw_done(&w); break;
			}
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status))
			fail_msg("misuse %d was not a bug (status %d)", kind, status);
	}
}

static void deep_nesting_is_bounded(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct buf b = BUF_INIT;
		struct jw w;
		int i;

		if (!freopen("/dev/null", "w", stderr))
			_exit(3);
		jw_init(&w, &b);
		for (i = 0; i <= JW_MAX_DEPTH; i++)
			jw_array(&w);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flat_object),
		cmocka_unit_test(nesting_and_breaks),
		cmocka_unit_test(strings_round_trip),
		cmocka_unit_test(numbers),
		cmocka_unit_test(misuse_is_a_bug),
		cmocka_unit_test(deep_nesting_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
