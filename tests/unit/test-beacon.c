/*
 * test-beacon: what the collector reads from a beacon and what it refuses,
 * how events are grouped (the same error in two builds is one group; two
 * errors are two), and URLs losing their queries in any text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/util.h"
#include "serve/beacon.h"

static int parse(const char *body, struct beacon *b, const char **why)
{
	return beacon_parse(body, strlen(body), b, why);
}

static void reads_every_version_and_refuses_the_rest(void **state)
{
	static const struct { const char *body, *why; } bad[] = {
		{"", "not JSON"},
		{"[]", "not a JSON object"},
		{"{\"product\":\"web\",\"kind\":\"error\"}", "a field is missing"},
		{"{\"product\":\"web\",\"release\":\"r1\",\"kind\":\"nope\"}", "unknown kind"},
		{"{\"product\":\"../x\",\"release\":\"r1\",\"kind\":\"error\"}", "not a product's name"},
		{"{\"product\":\"web\",\"release\":\"1\",\"kind\":\"error\"}", "not a release id"},
		{"{\"product\":\"web\",\"release\":\"r1x\",\"kind\":\"error\"}", "not a release id"},
		{"{\"v\":2,\"product\":\"web\",\"release\":\"r1\",\"kind\":\"error\"}", "unknown version"},
		{"{\"v\":\"1\",\"product\":\"web\",\"release\":\"r1\",\"kind\":\"error\"}", "unknown version"},
		{"{\"product\":\"web\",\"release\":\"r1\",\"kind\":\"error\",\"stack\":[]}",
		 "a field is not a string"},
		{"{\"product\":\"web\",\"product\":\"x\",\"release\":\"r1\",\"kind\":\"error\"}", "not JSON"},
		{"{\"product\":\"w\\u0000b\",\"release\":\"r1\",\"kind\":\"error\"}", "not JSON"},
	};
	struct beacon b;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i].body, &b, &why), -1);
		assert_string_equal(why, bad[i].why);
		assert_null(b.product);
	}
	/* no "v" is version 1; unknown fields are a newer snippet's, and ignored */
	assert_int_equal(parse("{\"product\":\"web\",\"release\":\"r000002\",\"kind\":\"boot-timeout\","
			       "\"extra\":{\"a\":1}}", &b, &why), 0);
	assert_int_equal(b.version, 1);
	assert_string_equal(b.kind, "boot-timeout");
	assert_string_equal(b.message, "");
	beacon_release(&b);
	/* half a surrogate pair, as a cut message leaves it, becomes U+FFFD */
	assert_int_equal(parse("{\"product\":\"web\",\"release\":\"r1\",\"kind\":\"error\","
			       "\"message\":\"x\\ud83d\",\"stack\":\"\\ud83d\\ude00\\udc00\"}", &b, &why), 0);
	assert_string_equal(b.message, "x\xef\xbf\xbd");
	assert_string_equal(b.stack, "\xf0\x9f\x98\x80\xef\xbf\xbd");
	beacon_release(&b);
}

static void strips_queries(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{"at f (https://a.example/app.js?v=3:1:20)", "at f (https://a.example/app.js:1:20)"},
		{"https://a.example/reset?token=s3cret#x", "https://a.example/reset"},
		{"f@http://a/x.js#frag:12:3\ng@http://a/y.js?q:4", "f@http://a/x.js:12:3\ng@http://a/y.js:4"},
		{"no url here?really#yes", "no url here?really#yes"},
		{"a http://h/p?x=1 b http://h/q#y c", "a http://h/p b http://h/q c"},
		{"://?x", "://"},
		{"", ""},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = xstrdup(cases[i].in);

		beacon_strip_queries(s);
		assert_string_equal(s, cases[i].out);
		free(s);
	}
}

static void fingerprint_of(const char *kind, const char *message, const char *stack,
			   char fp[BEACON_FP_HEX], char **frame)
{
	struct beacon b = {1, "web", "r1", (char *)kind, (char *)message, (char *)stack, ""};
	char *normalized;

	beacon_fingerprint(&b, &normalized, frame, fp);
	free(normalized);
}

static void groups_the_same_error_across_builds(void **state)
{
	char a[BEACON_FP_HEX], b[BEACON_FP_HEX], c[BEACON_FP_HEX], d[BEACON_FP_HEX];
	char *fa, *fb, *fc, *fd;

	(void)state;
	fingerprint_of("error", "TypeError: i.get(...) is not a function",
		       "TypeError: i.get(...) is not a function\n    at boot (https://x/assets/"
		       "app.3f9a1c2e.js:1:2345)", a, &fa);
	fingerprint_of("error", "TypeError: i.get(...) is not a function",
		       "TypeError: i.get(...) is not a function\n    at boot (https://x/assets/"
		       "app.77aa88bb.js:1:999)", b, &fb);
	assert_string_equal(a, b);
	assert_string_equal(fa, "boot app.?.js");
	/* another function at the top is another error */
	fingerprint_of("error", "TypeError: i.get(...) is not a function",
		       "    at start (https://x/assets/app.3f9a1c2e.js:1:2345)", c, &fc);
	assert_string_not_equal(a, c);
	/* ids and counts in the message do not split a group; another kind does */
	fingerprint_of("rejection", "TypeError: i.get(...) is not a function",
		       "TypeError: i.get(...) is not a function\n    at boot (https://x/assets/"
		       "app.3f9a1c2e.js:1:2345)", d, &fd);
	assert_string_not_equal(a, d);
	free(fa);
	free(fb);
	free(fc);
	free(fd);
	fingerprint_of("error", "user 12345 not found (id 9f8e7d)", "f@https://x/a.js:1:2", a, &fa);
	fingerprint_of("error", "user 777 not found (id 00aa11)", "f@https://x/a.js:9:9", b, &fb);
	assert_string_equal(a, b);
	assert_string_equal(fa, "f a.js");
	free(fa);
	free(fb);
	fingerprint_of("boot-timeout", "not ready after 20000 ms", "", a, &fa);
	assert_null(fa);
	assert_int_equal(strlen(a), BEACON_FP_HEX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_every_version_and_refuses_the_rest),
		cmocka_unit_test(strips_queries),
		cmocka_unit_test(groups_the_same_error_across_builds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
