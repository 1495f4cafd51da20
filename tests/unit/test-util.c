/*
 * test-util: durations, path helpers, the capped buffer, the string map and
 * file reading.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/file.h"
#include "lib/util.h"

/* ---- parse_duration ---- */

static void duration_accepts(void **state)
{
	static const struct { const char *s; int64_t ms; } rows[] = {
		{"500ms", 500}, {"20s", 20000}, {"5m", 300000}, {"1h", 3600000},
		{"1.5s", 1500}, {"0.5s", 500}, {".5s", 500}, {"0ms", 0}, {"0s", 0},
		{"10m", 600000}, {"2.5h", 9000000}, {"1.0006s", 1001}, {"0.4ms", 0},
		{"0.5ms", 1}, {"007s", 7000}, {"24h", 86400000},
		{"2500000000h", 9000000000000000}, /* the largest allowed, 9e15 ms */
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(rows); i++) {
		int64_t ms = -42;

		if (parse_duration(rows[i].s, &ms) != 0)
			fail_msg("parse_duration(\"%s\") refused it", rows[i].s);
		if (ms != rows[i].ms)
			fail_msg("parse_duration(\"%s\") = %lld, expected %lld", rows[i].s,
				 (long long)ms, (long long)rows[i].ms);
	}
}

static void duration_rejects(void **state)
{
	static const char *const rows[] = {
		"", "5", "-1s", "1x", "1e400s", " 5s", "5s ", "5 s", "s", "ms", "5sm", "5S",
		"5MS", "1d", "+5s", "inf", "infs", "nan", "nans", "5.5.5s", "5ms5", "1e-400s",
		"2500000001h", "99999999999999999999h", "\t5s", "5\ns", "5s\n", "1,5s", "h",
		".s", ".",
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(rows); i++) {
		int64_t ms = -42;

		if (parse_duration(rows[i], &ms) == 0)
			fail_msg("parse_duration(\"%s\") accepted it as %lld ms", rows[i],
				 (long long)ms);
		assert_int_equal(ms, -42);
	}
	assert_int_equal(parse_duration(NULL, &(int64_t){0}), -1);
}

/*
 * A duration is digits, an optional fraction and a unit.  strtod() also
 * reads exponents and hexadecimal: "1e3s" or "0x10s" in relgate.json is far
 * more likely a typo than a wish.
 */
static void duration_rejects_c_number_syntax(void **state)
{
	static const char *const rows[] = {"1e3s", "0x10s", "0x1p4s", "1E2ms"};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(rows); i++) {
		int64_t ms = -42;

		if (parse_duration(rows[i], &ms) == 0)
			fail_msg("parse_duration(\"%s\") accepted it as %lld ms", rows[i],
				 (long long)ms);
	}
}

/* ---- paths ---- */

static void normalize(void **state)
{
	static const struct { const char *in, *out; } rows[] = {
		{"", ""}, {".", ""}, {"./", ""}, {"a", "a"}, {"a/", "a"}, {"/a", "a"},
		{"a/./b", "a/b"}, {"a//b", "a/b"}, {"a///b//", "a/b"}, {"./a/./b/.", "a/b"},
		{"a/b/../c", "a/c"}, {"a/b/../../c", "c"}, {"a/..", ""}, {"a/../b/../c", "c"},
		{"a/b/c/../../..", ""}, {"a/../b/./c/../d", "b/d"}, {"...", "..."},
		{"a/..b/c", "a/..b/c"}, {"a/b../c", "a/b../c"}, {".a/.b", ".a/.b"},
		{"apps/web/src/../../../packages/x", "packages/x"},
		{"aa/bb/../cc/dd/../../ee", "aa/ee"},
	};
	static const char *const climbing[] = {
		"..", "../a", "a/../..", "a/../../b", "./..", "a/b/../../..", "a/./../../",
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(rows); i++) {
		char *p = xstrdup(rows[i].in);

		if (path_normalize(p) != 0)
			fail_msg("path_normalize(\"%s\") failed", rows[i].in);
		if (strcmp(p, rows[i].out))
			fail_msg("path_normalize(\"%s\") = \"%s\", expected \"%s\"", rows[i].in, p,
				 rows[i].out);
		free(p);
	}
	for (i = 0; i < ARRAY_LEN(climbing); i++) {
		char *p = xstrdup(climbing[i]);

		if (path_normalize(p) != -1)
			fail_msg("path_normalize(\"%s\") did not refuse to climb out", climbing[i]);
		free(p);
	}
}

static void dirname_and_join(void **state)
{
	static const struct { const char *in, *out; } rows[] = {
		{"a/b/c.js", "a/b"}, {"a/b", "a"}, {"a", ""}, {"", ""}, {"a/", "a"},
		{"/a", ""},
	};
	size_t i;
	char *p;

	(void)state;
	for (i = 0; i < ARRAY_LEN(rows); i++) {
		p = path_dirname(rows[i].in);
		assert_string_equal(p, rows[i].out);
		free(p);
	}
	p = path_join("a", "b");
	assert_string_equal(p, "a/b");
	free(p);
	p = path_join("", "b");
	assert_string_equal(p, "b");
	free(p);
	p = path_join("a", "");
	assert_string_equal(p, "a");
	free(p);
	assert_true(starts_with("packages/x", "packages/"));
	assert_false(starts_with("pack", "packages/"));
	assert_true(starts_with("x", ""));
	assert_true(ends_with("a.d.ts", ".d.ts"));
	assert_false(ends_with("ts", ".d.ts"));
	assert_true(ends_with("x", ""));
}

/* ---- buf ---- */

static void buf_basics(void **state)
{
	struct buf b = BUF_INIT;
	size_t len;
	char *s;

	(void)state;
	buf_init(&b);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	buf_adds(&b, "abc");
	buf_addc(&b, '-');
	buf_add(&b, "xyz", 2);
	buf_addf(&b, "%d/%s", 42, "q");
	assert_string_equal(b.data, "abc-xy42/q");
	assert_int_equal(b.len, 10);
	buf_reset(&b);
	assert_string_equal(b.data, "");
	assert_int_equal(b.len, 0);
	/* a long formatted string grows the buffer in one go */
	buf_addf(&b, "%0500d", 7);
	assert_int_equal(b.len, 500);
	assert_int_equal(b.data[499], '7');
	assert_int_equal(b.data[500], '\0');
	s = buf_detach(&b, &len);
	assert_int_equal(len, 500);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	free(s);
	/* detaching an empty buffer still gives a string to free */
	s = buf_detach(&b, NULL);
	assert_string_equal(s, "");
	free(s);
	buf_release(&b);
	buf_release(&b);
}

static void buf_with_max(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_init(&b);
	b.max = 10;
	assert_int_equal(buf_grow(&b, 10), 0);
	assert_true(b.cap >= 11);
	errno = 0;
	assert_int_equal(buf_grow(&b, 11), -1);
	assert_int_equal(errno, EFBIG);
	buf_add(&b, "0123456789", 10);
	assert_string_equal(b.data, "0123456789");
	assert_int_equal(buf_grow(&b, 0), 0);
	assert_int_equal(buf_grow(&b, 1), -1);
	assert_true(b.cap <= 11);
	buf_reset(&b);
	buf_addf(&b, "%s", "abcdefghij");
	assert_string_equal(b.data, "abcdefghij");
	buf_release(&b);

	/* a cap larger than the first allocation still grows step by step */
	buf_init(&b);
	b.max = 1000;
	assert_int_equal(buf_grow(&b, 1000), 0);
	assert_int_equal(buf_grow(&b, 1001), -1);
	buf_release(&b);
}

/* Adding past the cap is a bug in the caller: it must abort, not write. */
static void buf_add_past_max_aborts(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct buf b = BUF_INIT;

		if (!freopen("/dev/null", "w", stderr))
			_exit(99);
		buf_init(&b);
		b.max = 4;
		buf_adds(&b, "12345");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void json_strings(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_init(&b);
	buf_add_json_str(&b, "a\"b\\c\nd\re\tf\x01g\x7fh/é");
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u007fh/é\"");
	buf_reset(&b);
	buf_add_json_str(&b, "");
	assert_string_equal(b.data, "\"\"");
	buf_release(&b);
}

/* ---- strmap ---- */

static void strmap_many_keys(void **state)
{
	enum { N = 20000 };
	char **keys = xcalloc(N, sizeof(*keys));
	struct strmap m = {0};
	size_t i;

	(void)state;
	assert_null(strmap_get(&m, "x", 1));  /* never initialised */
	strmap_init(&m, 4);
	for (i = 0; i < N; i++) {
		struct strmap_entry *e;

		keys[i] = xasprintf("packages/pkg-%zu/src/index.js", i);
		e = strmap_put(&m, keys[i], strlen(keys[i]));
		assert_null(e->value);
		e->value = (void *)(uintptr_t)(i + 1);
	}
	assert_int_equal(m.count, N);
	assert_true(m.cap >= 2 * m.count);
	for (i = 0; i < N; i++)
		assert_int_equal((uintptr_t)strmap_get(&m, keys[i], strlen(keys[i])), i + 1);
	/* putting a key again finds the same entry, whoever owns the bytes */
	{
		char *again = xstrdup(keys[123]);
		struct strmap_entry *e = strmap_put(&m, again, strlen(again));

		assert_int_equal((uintptr_t)e->value, 124);
		assert_ptr_equal(e->key, keys[123]);
		assert_int_equal(m.count, N);
		free(again);
	}
	assert_null(strmap_get(&m, "packages/pkg-20000/src/index.js", 31));
	assert_null(strmap_get(&m, "", 0));
	strmap_free(&m);
	for (i = 0; i < N; i++)
		free(keys[i]);
	free(keys);
}

/* Keys are byte strings of a length: prefixes and NULs are distinct keys. */
static void strmap_lengths(void **state)
{
	static const char bytes[] = "ab\0cd";
	struct strmap m = {0};

	(void)state;
	strmap_put(&m, bytes, 1)->value = (void *)1;
	strmap_put(&m, bytes, 2)->value = (void *)2;
	strmap_put(&m, bytes, 3)->value = (void *)3;
	strmap_put(&m, bytes, 5)->value = (void *)5;
	strmap_put(&m, bytes, 0)->value = (void *)9;
	assert_int_equal(m.count, 5);
	assert_int_equal((uintptr_t)strmap_get(&m, "a", 1), 1);
	assert_int_equal((uintptr_t)strmap_get(&m, "ab", 2), 2);
	assert_int_equal((uintptr_t)strmap_get(&m, "ab\0", 3), 3);
	assert_int_equal((uintptr_t)strmap_get(&m, "ab\0cd", 5), 5);
	assert_int_equal((uintptr_t)strmap_get(&m, "", 0), 9);
	assert_null(strmap_get(&m, "ab\0c", 4));
	assert_null(strmap_get(&m, "abc", 3));
	strmap_free(&m);
}

/*
 * Keys crafted to land in the same slot: with a 16-slot table only the low
 * four bits of the hash pick the slot, so probing has to walk past the others.
 */
static void strmap_collisions(void **state)
{
	char *keys[64];
	size_t n = 0, i;
	uint32_t want = 0;
	struct strmap m = {0};

	(void)state;
	for (i = 0; n < ARRAY_LEN(keys) && i < 100000; i++) {
		char *k = xasprintf("k%zu", i);

		if (n == 0)
			want = hash_bytes(k, strlen(k)) & 0xff;
		if ((hash_bytes(k, strlen(k)) & 0xff) == want)
			keys[n++] = k;
		else
			free(k);
	}
	assert_int_equal(n, ARRAY_LEN(keys));
	strmap_init(&m, 0);
	for (i = 0; i < n; i++)
		strmap_put(&m, keys[i], strlen(keys[i]))->value = keys[i];
	for (i = 0; i < n; i++)
		assert_ptr_equal(strmap_get(&m, keys[i], strlen(keys[i])), keys[i]);
	assert_null(strmap_get(&m, "k-none", 6));
	strmap_free(&m);
	for (i = 0; i < n; i++)
		free(keys[i]);
}

/* ---- reading files ---- */

static void read_files(void **state)
{
	char dir[] = "/tmp/relgate-test-util-XXXXXX";
	char *path, *sub;
	struct buf b = BUF_INIT;
	FILE *f;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/f.txt", dir);
	sub = xasprintf("%s/sub", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (i = 0; i < 1000; i++)
		fputs("0123456789", f);
	fclose(f);
	assert_int_equal(mkdir(sub, 0700), 0);

	buf_init(&b);
	assert_int_equal(read_file(path, &b, 0), 0);
	assert_int_equal(b.len, 10000);
	assert_int_equal(b.data[10000], '\0');
	/* appends */
	assert_int_equal(read_file(path, &b, 10000), 0);
	assert_int_equal(b.len, 20000);
	buf_release(&b);

	buf_init(&b);
	errno = 0;
	assert_int_equal(read_file(path, &b, 9999), -1);
	assert_int_equal(errno, EFBIG);
	buf_release(&b);

	buf_init(&b);
	b.max = 100;
	assert_int_equal(read_file(path, &b, 0), -1);
	assert_int_equal(errno, EFBIG);
	assert_true(b.len <= 100);
	buf_release(&b);

	buf_init(&b);
	assert_int_equal(read_file(sub, &b, 0), -1);
	assert_int_equal(errno, EISDIR);
	free(path);
	path = xasprintf("%s/missing", dir);
	assert_int_equal(read_file(path, &b, 0), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(read_file("/dev/null", &b, 0), -1);
	assert_int_equal(errno, EINVAL);
	buf_release(&b);

	unlink(path);
	free(path);
	path = xasprintf("%s/f.txt", dir);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
	free(path);
	free(sub);
}

static void allocators(void **state)
{
	char *s;
	int *v;

	(void)state;
	s = xstrndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
	s = xasprintf("%s-%03d", "x", 7);
	assert_string_equal(s, "x-007");
	free(s);
	v = xreallocarray(NULL, 100, sizeof(*v));
	v[99] = 1;
	free(v);
	free(xmalloc(0));
	free(xcalloc(0, 0));
}

/* An allocation whose size overflows ends the process with EXIT_ENV (3). */
static void overflow_dies(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stderr))
			_exit(99);
		free(xreallocarray(NULL, SIZE_MAX / 2, 4));
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(duration_accepts),
		cmocka_unit_test(duration_rejects),
		cmocka_unit_test(duration_rejects_c_number_syntax),
		cmocka_unit_test(normalize),
		cmocka_unit_test(dirname_and_join),
		cmocka_unit_test(buf_basics),
		cmocka_unit_test(buf_with_max),
		cmocka_unit_test(buf_add_past_max_aborts),
		cmocka_unit_test(json_strings),
		cmocka_unit_test(strmap_many_keys),
		cmocka_unit_test(strmap_lengths),
		cmocka_unit_test(strmap_collisions),
		cmocka_unit_test(read_files),
		cmocka_unit_test(allocators),
		cmocka_unit_test(overflow_dies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
