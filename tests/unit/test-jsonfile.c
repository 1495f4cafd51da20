/*
 * test-jsonfile: finding a value's line and column again, turning JSONC into
 * JSON without moving anything, and the messages of jdoc.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/jsonfile.h"
#include "lib/util.h"

/* ---- capturing what diag prints ---- */

static FILE *capture_file;
static int capture_saved = -1;

static void capture_start(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	assert_non_null(capture_file);
	capture_saved = dup(2);
	assert_true(capture_saved >= 0);
	assert_true(dup2(fileno(capture_file), 2) >= 0);
}

/* The text printed since capture_start(), to free. */
static char *capture_end(void)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	fflush(stderr);
	dup2(capture_saved, 2);
	close(capture_saved);
	capture_saved = -1;
	rewind(capture_file);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), capture_file)) > 0)
		buf_add(&b, chunk, n);
	fclose(capture_file);
	return buf_detach(&b, NULL);
}

/* ---- jsonfile_locate ---- */

static const char doc[] =
	"{\n"
	"  \"a\": 1,\n"
	"  \"b\": {\"c\": [10, {\"d\": \"x\"}], \"e\": true},\n"
	"  \"f\": \"\xc3\xa9\", \"g\": null,\n"
	"  \"h\\\"q\": [[1, 2], [3, {\"i\": -4.5e1}]],\n"
	"\t\"tab\": \"v\"\n"
	"}\n";

#define K(k) {k, 0}
#define I(i) {NULL, i}

struct locate_case {
	struct jseg path[6];
	int depth;
	bool want_key;
	int line, col;   /* 0: not found */
};

static const struct locate_case locate_cases[] = {
	{{{0}}, 0, false, 1, 1},
	{{K("a")}, 1, true, 2, 3},
	{{K("a")}, 1, false, 2, 8},
	{{K("b")}, 1, true, 3, 3},
	{{K("b")}, 1, false, 3, 8},
	{{K("b"), K("c")}, 2, true, 3, 9},
	{{K("b"), K("c")}, 2, false, 3, 14},
	{{K("b"), K("c"), I(0)}, 3, false, 3, 15},
	{{K("b"), K("c"), I(1)}, 3, false, 3, 19},
	{{K("b"), K("c"), I(1), K("d")}, 4, true, 3, 20},
	{{K("b"), K("c"), I(1), K("d")}, 4, false, 3, 25},
	{{K("b"), K("e")}, 2, true, 3, 32},
	{{K("b"), K("e")}, 2, false, 3, 37},
	{{K("f")}, 1, false, 4, 8},
	{{K("g")}, 1, true, 4, 13},    /* "é" is one column */
	{{K("g")}, 1, false, 4, 18},
	{{K("h\"q")}, 1, true, 5, 3},
	{{K("h\"q")}, 1, false, 5, 11},
	{{K("h\"q"), I(0), I(1)}, 3, false, 5, 16},
	{{K("h\"q"), I(1)}, 2, false, 5, 20},
	{{K("h\"q"), I(1), I(1)}, 3, false, 5, 24},
	{{K("h\"q"), I(1), I(1), K("i")}, 4, false, 5, 30},
	{{K("h\"q"), I(1), I(1), K("i")}, 4, true, 5, 25},
	{{K("tab")}, 1, true, 6, 2},   /* a tab is one column */
	{{K("tab")}, 1, false, 6, 9},
	/* an index as the last step has no key: its value is given */
	{{K("b"), K("c"), I(0)}, 3, true, 3, 15},
	/* not there */
	{{K("zz")}, 1, false, 0, 0},
	{{K("a"), K("x")}, 2, false, 0, 0},
	{{K("b"), K("c"), I(2)}, 3, false, 0, 0},
	{{K("b"), I(0)}, 2, false, 0, 0},
	{{I(0)}, 1, false, 0, 0},
	{{K("h")}, 1, false, 0, 0},
	{{K("B")}, 1, false, 0, 0},
};

static void locate_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(locate_cases); i++) {
		const struct locate_case *c = &locate_cases[i];
		int line = -1, col = -1;
		int r = jsonfile_locate(doc, sizeof(doc) - 1, c->path, c->depth, c->want_key, &line,
					&col);

		if (!c->line) {
			if (r != -1)
				fail_msg("row %zu: found at %d:%d, expected nothing", i, line, col);
			continue;
		}
		if (r != 0 || line != c->line || col != c->col)
			fail_msg("row %zu: r=%d at %d:%d, expected %d:%d", i, r, line, col, c->line,
				 c->col);
	}
}

static int locate1(const char *text, const struct jseg *path, int depth, bool key, int *col)
{
	int line;

	if (jsonfile_locate(text, strlen(text), path, depth, key, &line, col) < 0)
		return -1;
	return line;
}

static void locate_tricky_text(void **state)
{
	struct jseg p[3];
	int col = 0;

	(void)state;
	/* a value equal to the key sought comes first */
	p[0] = (struct jseg){"a", 0};
	assert_int_equal(locate1("{\"x\": \"a\", \"a\": 1}", p, 1, true, &col), 1);
	assert_int_equal(col, 12);
	/* the same key nested in an earlier value is not the one */
	p[0] = (struct jseg){"k", 0};
	assert_int_equal(locate1("{\"o\": {\"k\": 1}, \"k\": 2}", p, 1, false, &col), 1);
	assert_int_equal(col, 22);
	/* an escaped backslash ends the key */
	p[0] = (struct jseg){"a\\", 0};
	p[1] = (struct jseg){"b", 0};
	assert_int_equal(locate1("{\"a\\\\\": {\"b\": 1}}", p, 2, false, &col), 1);
	assert_int_equal(col, 15);
	/* brackets and commas inside strings */
	p[0] = (struct jseg){"t", 0};
	assert_int_equal(locate1("{\"s\": \"},{[\\\"\", \"t\": 1}", p, 1, false, &col), 1);
	assert_int_equal(col, 22);
	/* escapes that stand for themselves */
	p[0] = (struct jseg){"a/b\n", 0};
	assert_int_equal(locate1("{\"a\\/b\\n\": 7}", p, 1, false, &col), 1);
	assert_int_equal(col, 12);
	/* a NUL byte after a number, which jansson reads as a blank: [1\0, 2] is [1, 2] */
	{
		static const char nul[] = "[1\0, 2]";
		int line;

		p[0] = (struct jseg){NULL, 1};
		assert_int_equal(jsonfile_locate(nul, sizeof(nul) - 1, p, 1, false, &line, &col), 0);
		assert_int_equal(line, 1);
		assert_int_equal(col, 6);
	}
	/* CRLF lines */
	p[0] = (struct jseg){"y", 0};
	assert_int_equal(locate1("{\r\n\"x\": 1,\r\n  \"y\": 2\r\n}", p, 1, false, &col), 3);
	assert_int_equal(col, 8);
	/* duplicate keys: the first one */
	p[0] = (struct jseg){"d", 0};
	assert_int_equal(locate1("{\"d\": 1,\n\"d\": 2}", p, 1, false, &col), 1);
	/* deep arrays */
	p[0] = (struct jseg){NULL, 0};
	p[1] = (struct jseg){NULL, 2};
	p[2] = (struct jseg){NULL, 0};
	assert_int_equal(locate1("[[0, {\"a\": [1]}, [\n  \"deep\"]]]", p, 3, false, &col), 2);
	assert_int_equal(col, 3);
	/* a text cut short is not found, and not read past */
	p[0] = (struct jseg){"a", 0};
	p[1] = (struct jseg){"b", 0};
	assert_int_equal(locate1("{\"a\": {\"b\"", p, 2, false, &col), -1);
	assert_int_equal(locate1("{\"a\": {\"b\":", p, 2, false, &col), -1);
	assert_int_equal(locate1("{\"a", p, 1, false, &col), -1);
	assert_int_equal(locate1("", p, 1, false, &col), -1);
	assert_int_equal(locate1("", p, 0, false, &col), -1);
}

/* Every prefix of the document, in a buffer of exactly that size. */
static void locate_every_prefix(void **state)
{
	size_t cut, i;

	(void)state;
	for (cut = 0; cut < sizeof(doc); cut++) {
		char *copy = malloc(cut ? cut : 1);

		assert_non_null(copy);
		memcpy(copy, doc, cut);
		for (i = 0; i < ARRAY_LEN(locate_cases); i++) {
			const struct locate_case *c = &locate_cases[i];
			int line = 0, col = 0;

			if (jsonfile_locate(copy, cut, c->path, c->depth, c->want_key, &line, &col) == 0)
				assert_true(line >= 1 && col >= 1);
		}
		free(copy);
	}
}

/* ---- jsonfile_strip_jsonc ---- */

static void strip_exact(void **state)
{
	static const struct { const char *in, *out; } rows[] = {
		{"{\"a\": 1}", "{\"a\": 1}"},
		{"{\"a\": 1,}", "{\"a\": 1 }"},
		{"[1, 2, ]", "[1, 2  ]"},
		{"[1, 2,\n]", "[1, 2 \n]"},
		{"// c\n{}", "    \n{}"},
		{"{} // c", "{}     "},
		{"/* a\nb */{}", "    \n    {}"},
		{"{\"u\": \"http://x/*y*/\"}", "{\"u\": \"http://x/*y*/\"}"},
		{"{\"q\": \"a\\\"//b\"}", "{\"q\": \"a\\\"//b\"}"},
		{"{\"q\": \"a\\\\\"// c\n}", "{\"q\": \"a\\\\\"    \n}"},
		{"[1, /* c */ ]", "[1          ]"},
		{"[1, // c\n]", "[1      \n]"},
		{"[1,\r\n]", "[1 \r\n]"},
		{"{\"a\": [1,],}", "{\"a\": [1 ] }"},
		{"[\",]\"]", "[\",]\"]"},
		{"[1, 2]", "[1, 2]"},
		{"[1,,]", "[1, ]"},
		{"{} /* never closed", "{}                "},
		{"/", "/"},
		{"\"", "\""},
		{"[\"a\\", "[\"a\\"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(rows); i++) {
		size_t n = strlen(rows[i].in);
		char *s = malloc(n + 1);

		assert_non_null(s);
		memcpy(s, rows[i].in, n + 1);
		jsonfile_strip_jsonc(s, n);
		if (strcmp(s, rows[i].out))
			fail_msg("strip(\"%s\") = \"%s\", expected \"%s\"", rows[i].in, s, rows[i].out);
		free(s);
	}
}

/* A tsconfig with everything JSONC allows: parses, and positions hold. */
static void strip_keeps_positions(void **state)
{
	static const char tsconfig[] =
		"// the shared settings\n"
		"{\n"
		"  /* paths for the\n"
		"     whole workspace */\n"
		"  \"compilerOptions\": {\n"
		"    \"baseUrl\": \".\", // the root\n"
		"    \"paths\": {\"@app/*\": [\"src/*\",],},\n"
		"  },\n"
		"  \"include\": [\"src/**/*.ts\", \"**/*.d.ts\",],\n"
		"}\n";
	struct jseg p[3] = {{"compilerOptions", 0}, {"paths", 0}, {"@app/*", 0}};
	char *s = xstrdup(tsconfig);
	json_t *root;
	int line = 0, col = 0;
	size_t i;

	(void)state;
	jsonfile_strip_jsonc(s, strlen(s));
	assert_int_equal(strlen(s), strlen(tsconfig));
	for (i = 0; tsconfig[i]; i++)
		assert_int_equal(s[i] == '\n', tsconfig[i] == '\n');
	root = jsonfile_parse("tsconfig.json", s, strlen(s), 0);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(root, "compilerOptions"), "baseUrl")), ".");
	assert_int_equal(json_array_size(json_object_get(root, "include")), 2);
	assert_int_equal(jsonfile_locate(s, strlen(s), p, 3, true, &line, &col), 0);
	assert_int_equal(line, 7);
	assert_int_equal(col, 15);
	json_decref(root);
	free(s);
}

/* ---- jsonfile_parse and jdoc ---- */

static void parse_errors(void **state)
{
	json_t *v;
	char *out;

	(void)state;
	capture_start();
	v = jsonfile_parse("x.json", "{\"a\": 1,\n \"b\": }", 17, 0);
	out = capture_end();
	assert_null(v);
	assert_non_null(strstr(out, "x.json:2:"));
	free(out);

	capture_start();
	v = jsonfile_parse("empty.json", "", 0, 0);
	out = capture_end();
	assert_null(v);
	assert_non_null(strstr(out, "empty.json"));
	free(out);

	v = jsonfile_parse("ok.json", "{\"a\": [1]} ", 11, 0);
	assert_non_null(v);
	json_decref(v);
}

static const char config_text[] =
	"{\n"
	"  \"products\": {\n"
	"    \"web\": {\"pakage\": \"x\", \"inputs\": [],\n"
	"            \"checks\": [{\"name\": \"boot\"}, {\"nme\": 1}]}\n"
	"  },\n"
	"  \"bogus\": 1\n"
	"}\n";

static void check_keys(void **state)
{
	static const char *const top[] = {"products", NULL};
	static const char *const product[] = {"package", "inputs", "checks", NULL};
	static const char *const check[] = {"name", NULL};
	struct jdoc d = {0};
	json_t *root = json_loads(config_text, 0, NULL), *web;
	char *out;

	(void)state;
	assert_non_null(root);
	d.name = "relgate.json";
	d.text = config_text;
	d.len = sizeof(config_text) - 1;

	capture_start();
	assert_int_equal(jdoc_check_keys(&d, root, top), 1);
	out = capture_end();
	assert_string_equal(out, "relgate: error: relgate.json:6:3: unknown key \"bogus\" in the "
				 "top level (the keys here: products)\n");
	free(out);
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.depth, 0);

	web = json_object_get(json_object_get(root, "products"), "web");
	jdoc_push_key(&d, "products");
	jdoc_push_key(&d, "web");
	capture_start();
	assert_int_equal(jdoc_check_keys(&d, web, product), 1);
	out = capture_end();
	assert_string_equal(out, "relgate: error: relgate.json:3:13: unknown key \"pakage\" in "
				 "products.web: did you mean \"package\"? (the keys here: package, "
				 "inputs, checks)\n");
	free(out);

	jdoc_push_key(&d, "checks");
	jdoc_push_index(&d, 1);
	assert_string_equal(jdoc_path(&d), "products.web.checks[1]");
	capture_start();
	assert_int_equal(jdoc_check_keys(&d, json_array_get(json_object_get(web, "checks"), 1),
					 check), 1);
	out = capture_end();
	assert_non_null(strstr(out, "relgate.json:4:43: unknown key \"nme\" in "
				    "products.web.checks[1]: did you mean \"name\"?"));
	free(out);

	/* all keys known */
	jdoc_pop(&d);
	jdoc_push_index(&d, 0);
	capture_start();
	assert_int_equal(jdoc_check_keys(&d, json_array_get(json_object_get(web, "checks"), 0),
					 check), 0);
	out = capture_end();
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(d.errors, 3);
	assert_int_equal(d.depth, 4);
	jdoc_pop(&d);
	jdoc_pop(&d);
	jdoc_pop(&d);
	jdoc_pop(&d);
	assert_string_equal(jdoc_path(&d), "(top level)");
	json_decref(root);
}

static void error_positions(void **state)
{
	struct jdoc d = {0};
	char *out;

	(void)state;
	d.name = "relgate.json";
	d.text = config_text;
	d.len = sizeof(config_text) - 1;
	jdoc_push_key(&d, "products");
	jdoc_push_key(&d, "web");
	jdoc_push_key(&d, "inputs");
	capture_start();
	jdoc_error(&d, false, "%s must not be empty", jdoc_path(&d));
	jdoc_error(&d, true, "key %d", 2);
	out = capture_end();
	assert_string_equal(out, "relgate: error: relgate.json:3:38: products.web.inputs must not be "
				 "empty\nrelgate: error: relgate.json:3:28: key 2\n");
	free(out);
	jdoc_pop(&d);

	/* a path that is not in the text: named instead */
	jdoc_push_key(&d, "missing");
	capture_start();
	jdoc_error(&d, false, "is required");
	out = capture_end();
	assert_string_equal(out, "relgate: error: relgate.json: products.web.missing: is required\n");
	free(out);
	assert_int_equal(d.errors, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(locate_table),
		cmocka_unit_test(locate_tricky_text),
		cmocka_unit_test(locate_every_prefix),
		cmocka_unit_test(strip_exact),
		cmocka_unit_test(strip_keeps_positions),
		cmocka_unit_test(parse_errors),
		cmocka_unit_test(check_keys),
		cmocka_unit_test(error_positions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
