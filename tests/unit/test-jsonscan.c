/*
 * test-jsonscan: what the in-place reader takes and what it leaves to
 * jansson, its walk and its strings, and package.json facts read both ways.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "analyze/workspace.h"
#include "lib/jsonscan.h"

static bool takes(const char *text)
{
	struct jsval root;

	return js_document(text, strlen(text), &root);
}

static void test_takes_json(void **state)
{
	static const char *const good[] = {
		"{}", "[]", " \t\r\n{ }\n", "[1,-0,0.5,-12.25,true,false,null,\"\"]",
		"{\"a\":{\"b\":[{},[]]}}", "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"]",
		"[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x7f\"]", "[123456789012345678]",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		json_t *v = json_loads(good[i], 0, NULL);

		assert_true(takes(good[i]));
		assert_non_null(v);   /* and jansson agrees */
		json_decref(v);
	}
}

/* Not JSON, or JSON it leaves to jansson: every one of these is refused. */
static void test_leaves_the_rest(void **state)
{
	static const char *const bad[] = {
		"", "  ", "\"top\"", "1", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[01]",
		"[1.]", "[.5]", "[-]", "[+1]", "[1e5]", "[1E-2]", "[1234567890123456789]",
		"[tru]", "[truex]", "[nul]", "{a:1}", "{'a':1}", "[\"\\x\"]", "[\"\\u12\"]",
		"[\"\\u0000\"]", "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\ud800\\u0041\"]",
		"[\"tab\there\"]", "[\"\xc0\xaf\"]", "[\"\xed\xa0\x80\"]", "[\"\xf4\x90\x80\x80\"]",
		"[\"\xe2\x82\"]", "[\"\x80\"]", "{} {}", "{}x", "[1 2]", "[\"open]", "/* c */ {}",
	};
	char deep[2 * JS_MAX_DEPTH + 3];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (takes(bad[i]))
			fail_msg("took %s", bad[i]);
	assert_false(js_document("[1]\0", 4, &(struct jsval){0}));
	memset(deep, '[', JS_MAX_DEPTH + 1);
	memset(deep + JS_MAX_DEPTH + 1, ']', JS_MAX_DEPTH + 1);
	deep[2 * JS_MAX_DEPTH + 2] = '\0';
	assert_false(takes(deep));
	deep[JS_MAX_DEPTH] = ' ';
	deep[JS_MAX_DEPTH + 1] = ' ';
	assert_true(takes(deep));
}

static void test_walk_and_strings(void **state)
{
	const char *text = "{ \"a\" : [1, {\"x\":\"y\"}] ,\"b\":\"p\\u00e9\\n\\ud83d\\ude00\\/\","
			   "\"c\":true, \"d\" :null,\"e\":-1.5}";
	struct jsval root, key, v, item;
	struct jsiter it, in;
	struct arena a = ARENA_INIT;
	const char *keys[5];
	size_t n = 0;

	(void)state;
	assert_true(js_document(text, strlen(text), &root));
	assert_int_equal(root.type, JS_OBJECT);
	js_iter(&it, &root);
	while (js_next(&it, &key, &v)) {
		assert_true(n < 5);
		keys[n] = js_string(&key, &a);
		if (js_is(&key, "a")) {
			assert_int_equal(v.type, JS_ARRAY);
			js_iter(&in, &v);
			assert_true(js_next(&in, NULL, &item));
			assert_int_equal(item.type, JS_NUMBER);
			assert_int_equal(item.len, 1);
			assert_true(js_next(&in, &key, &item));
			assert_null(key.p);
			assert_int_equal(item.type, JS_OBJECT);
			assert_false(js_next(&in, NULL, &item));
		} else if (js_is(&key, "b")) {
			assert_true(v.escaped);
			assert_string_equal(js_string(&v, &a), "p\xc3\xa9\n\xf0\x9f\x98\x80/");
		}
		n++;
	}
	assert_int_equal(n, 5);
	assert_string_equal(keys[2], "c");
	assert_string_equal(keys[4], "e");
	js_iter(&it, &(struct jsval){"[]", 2, JS_ARRAY, false});
	assert_false(js_next(&it, NULL, &v));
	arena_free(&a);
}

/* The facts of each manifest: the same bytes both ways, or left to jansson. */
static void test_manifest_facts(void **state)
{
	static const struct {
		const char *text;
		int fast;
	} cases[] = {
		{"{\"name\":\"x\",\"dependencies\":{\"a\":\"^1\",\"b\":\"workspace:*\"}}", 1},
		{"{\"name\":\"@s/y\",\"main\":\"lib/i.js\",\"browser\":{\"./lib/i.js\":\"./b.js\"},"
		 "\"exports\":{\".\":{\"node\":\"./n.js\",\"import\":{\"default\":\"./e.mjs\"}},"
		 "\"./u/*\":[\"\",{\"browser\":\"./u/*.js\"}],\"./p\":null}}", 1},
		{"{\"main\":\"m.js\",\"browser\":{\"m.js\":false,\"./m.js\":\"./x.js\"}}", 1},
		{"{\"browser\":{\"./index.js\":\"./b.js\"},\"exports\":[{\"require\":\"./r.js\"}]}", 1},
		{"{\"dependencies\":{\"r\":\"npm:\",\"t\":\"npm:@s/t\",\"u\":\"npm:u@^1\",\"\":\"1\","
		 "\"v\":{\"w\":1},\"z\":\"link:../z\"},\"peerDependencies\":[\"q\"]}", 1},
		{"{\"name\":\"caf\\u00e9\",\"module\":\"a\\/b\",\"exports\":\"./\\u0069.js\"}", 1},
		{"{\"name\":1,\"main\":[\"x\"],\"exports\":{\"import\":\"./i.js\",\"x\":\"./no\"}}", 1},
		{"{\"name\":\"a\",\"name\":\"b\"}", 0},
		{"{\"dependencies\":{\"x\":\"1\",\"x\":\"2\"}}", 0},
		{"{\"exports\":{\"import\":\"./a\",\"import\":\"./b\"}}", 0},
		{"{\"n\\u0061me\":\"x\"}", 0},
		{"{\"version\":1e3}", 0},
		{"[]", 0},
		{"{\"name\":", 0},
	};
	struct buf fast = BUF_INIT, slow = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *t = cases[i].text;
		int got = workspace_manifest_facts(t, strlen(t), true, &fast);

		if (got != cases[i].fast)
			fail_msg("jsonscan said %d for %s", got, t);
		if (got == 1) {
			assert_int_equal(workspace_manifest_facts(t, strlen(t), false, &slow), 1);
			assert_int_equal(fast.len, slow.len);
			assert_memory_equal(fast.data, slow.data, fast.len);
		}
	}
	/* what the fast reader left, jansson reads, or refuses */
	assert_int_equal(workspace_manifest_facts("{\"version\":1e3}", 15, false, &slow), 1);
	assert_int_equal(workspace_manifest_facts("[]", 2, false, &slow), -1);
	assert_int_equal(workspace_manifest_facts("{\"name\":", 8, false, &slow), -1);
	buf_release(&fast);
	buf_release(&slow);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_takes_json),
		cmocka_unit_test(test_leaves_the_rest),
		cmocka_unit_test(test_walk_and_strings),
		cmocka_unit_test(test_manifest_facts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
