/*
 * test-glob: glob_match against a table of pattern, path and answer, then
 * glob_check, glob_is_literal, and patterns built to make a naive matcher
 * run away.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/glob.h"
#include "lib/util.h"

struct glob_case {
	const char *pattern, *path;
	bool match;
};

static const struct glob_case cases[] = {
	/* literal */
	{"a/b.js", "a/b.js", true},
	{"a/b.js", "a/b.jsx", false},
	{"a/b.js", "a/b", false},
	{"", "", true},
	{"", "a", false},
	/* "*" */
	{"*", "a", true},
	{"*", "a/b", false},
	{"*.js", "index.js", true},
	{"*.js", "src/index.js", false},
	{"src/*.js", "src/a.js", true},
	{"src/*.js", "src/a/b.js", false},
	{"a*b", "ab", true},
	{"a*b", "axxb", true},
	{"a*b", "axxbc", false},
	{"a*b*c", "abcbc", true},
	{"*a", "aaaa", true},
	{"a*/b", "abc/b", true},
	{"a*/b", "abc/x/b", false},
	/* dotfiles: "*" matches a leading "." (documented, like gitignore) */
	{"*", ".env", true},
	{"*.js", ".eslintrc.js", true},
	{"src/*", "src/.hidden", true},
	{"**", ".git/config", true},
	/* "?" */
	{"?", "a", true},
	{"?", "", false},
	{"?", "/", false},
	{"a?c", "abc", true},
	{"a?c", "ac", false},
	{"a?c", "a/c", false},
	{"??.js", "ab.js", true},
	/* "**" */
	{"**", "a", true},
	{"**", "a/b/c", true},
	{"**", "", true},
	{"**/*.js", "a.js", true},
	{"**/*.js", "a/b/c.js", true},
	{"**/*.js", "a/b/c.ts", false},
	{"**/b", "b", true},
	{"**/b", "a/b", true},
	{"**/b", "a/bb", false},
	{"a/**/b", "a/b", true},
	{"a/**/b", "a/x/b", true},
	{"a/**/b", "a/x/y/z/b", true},
	{"a/**/b", "a/x/y/z/c", false},
	{"a/**/b", "b/a/b", false},
	{"a/**/b/**/c", "a/1/b/2/3/c", true},
	{"a/**/b/**/c", "a/b/c", true},
	{"a/**/b/**/c", "a/c/b", false},
	{"tools/build/**", "tools/build/x.js", true},
	{"tools/build/**", "tools/build/a/b/c.js", true},
	{"tools/build/**", "tools/buildx/a.js", false},
	{"tools/build/**", "tools/a.js", false},
	{"tools/build/**", "other/tools/build/x.js", false},
	{"**/node_modules/**", "a/node_modules/b/c.js", true},
	{"a**b", "axxb", true},
	{"a**b", "ax/xb", false},
	{"**/x/**/x", "x/x", true},
	{"**/x/**/x", "a/x/b/x/c", false},
	/* classes */
	{"[abc]", "b", true},
	{"[abc]", "d", false},
	{"[a-c].js", "b.js", true},
	{"[a-c].js", "d.js", false},
	{"[!a].js", "a.js", false},
	{"[!a].js", "b.js", true},
	{"[^a]", "b", true},
	{"[]]", "]", true},
	{"[!]]", "]", false},
	{"[a-]", "-", true},
	{"[\\]]", "]", true},
	{"[0-9][0-9]", "42", true},
	{"[0-9][0-9]", "4x", false},
	{"v[0-9]*/*.js", "v12/a.js", true},
	{"[/]", "/", false},
	/* braces */
	{"{a,b}", "a", true},
	{"{a,b}", "b", true},
	{"{a,b}", "c", false},
	{"*.{js,ts}", "x.ts", true},
	{"*.{js,ts}", "x.tsx", false},
	{"src/**/*.{js,jsx,ts,tsx}", "src/a/b.tsx", true},
	{"{apps,packages}/*/package.json", "packages/ui/package.json", true},
	{"{apps,packages}/*/package.json", "libs/ui/package.json", false},
	{"a{,.min}.js", "a.js", true},
	{"a{,.min}.js", "a.min.js", true},
	{"{a,{b,c}}d", "cd", true},
	{"{a,{b,c}}d", "ad", true},
	{"{a,{b,c}}d", "dd", false},
	{"{a/b,c}/d", "a/b/d", true},
	{"{a,b}{c,d}{e,f}", "bdf", true},
	{"{x}", "x", true},
	/* escapes */
	{"a\\*b", "a*b", true},
	{"a\\*b", "axb", false},
	{"\\?", "?", true},
	{"\\?", "a", false},
	{"\\{a,b\\}", "{a,b}", true},
	{"\\{a,b\\}", "a", false},
	{"\\[a]", "[a]", true},
	/* a leading "./" on either side */
	{"./src/*.js", "src/a.js", true},
	{"src/*.js", "./src/a.js", true},
	{"././a", "a", true},
	{".*", ".env", true},
	{"../a", "../a", true},
};

static void match_table(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		bool got = glob_match(cases[i].pattern, cases[i].path);

		if (got != cases[i].match) {
			print_error("glob_match(\"%s\", \"%s\") = %s, expected %s\n",
				    cases[i].pattern, cases[i].path, got ? "true" : "false",
				    cases[i].match ? "true" : "false");
			bad++;
		}
	}
	if (bad)
		fail_msg("%d of %zu rows do not match", bad, ARRAY_LEN(cases));
}

/* Every pattern of the table is one glob_check accepts. */
static void table_patterns_are_valid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		const char *why = glob_check(cases[i].pattern);

		if (why)
			fail_msg("glob_check(\"%s\"): %s", cases[i].pattern, why);
	}
}

static void check_errors(void **state)
{
	static const char *const bad[] = {
		"[abc", "a/[", "{a,b", "a}", "}", "a\\", "{{{{{{{{{a}}}}}}}}}", "{a,{b}",
	};
	static const char *const good[] = {
		"", "a", "**/*.js", "[a-c]", "{a,b}", "\\[", "\\{", "a\\\\", "{{{{{{{{a}}}}}}}}",
		"{a}{b}{c}{d}{e}{f}{g}{h}{i}{j}", "[]]",
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad); i++)
		if (!glob_check(bad[i]))
			fail_msg("glob_check(\"%s\") accepted it", bad[i]);
	for (i = 0; i < ARRAY_LEN(good); i++)
		if (glob_check(good[i]))
			fail_msg("glob_check(\"%s\"): %s", good[i], glob_check(good[i]));
	assert_non_null(strstr(glob_check("a\\"), "backslash"));
	assert_non_null(strstr(glob_check("[a"), "["));
	assert_non_null(strstr(glob_check("{a"), "{"));
}

static void is_literal(void **state)
{
	(void)state;
	assert_true(glob_is_literal("a/b.js"));
	assert_true(glob_is_literal(""));
	assert_true(glob_is_literal("packages/ui"));
	assert_true(glob_is_literal(".nvmrc"));
	assert_false(glob_is_literal("a/*.js"));
	assert_false(glob_is_literal("a?"));
	assert_false(glob_is_literal("[ab]"));
	assert_false(glob_is_literal("{a,b}"));
	assert_false(glob_is_literal("a\\b"));
	assert_false(glob_is_literal("**"));
}

static char *repeat(const char *unit, size_t n, const char *tail)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_init(&b);
	for (i = 0; i < n; i++)
		buf_adds(&b, unit);
	buf_adds(&b, tail);
	return buf_detach(&b, NULL);
}

static double elapsed_ms(double since)
{
	return now_ms() - since;
}

/*
 * Patterns that take a backtracking matcher exponential time.  Each must
 * answer at once; the bound is loose so that sanitizer builds pass too.
 */
static void pathological(void **state)
{
	double t0 = now_ms();
	char *path, *pat;

	(void)state;
	path = repeat("a", 20000, "");
	assert_false(glob_match("a*a*a*a*a*a*a*a*a*a*a*a*b", path));
	assert_true(glob_match("a*a*a*a*a*a*a*a*a*a*a*a*", path));
	free(path);

	/* the same over segments */
	path = repeat("a/", 3000, "c");
	assert_false(glob_match("**/a/**/a/**/a/**/a/**/a/**/b", path));
	assert_true(glob_match("**/a/**/a/**/a/**/c", path));
	assert_false(glob_match("**/a*a*a*a*b/**", path));
	free(path);

	/* many stars in a long pattern against a long name */
	pat = repeat("*a", 500, "b");
	path = repeat("a", 5000, "");
	assert_false(glob_match(pat, path));
	free(pat);
	free(path);

	/* many "**" */
	pat = repeat("**/", 500, "x");
	path = repeat("d/", 2000, "y");
	assert_false(glob_match(pat, path));
	free(pat);
	free(path);

	/* brace explosion: 2^20 alternatives, bounded */
	pat = repeat("{a,b}", 20, "");
	assert_false(glob_match(pat, "cccccccccccccccccccc"));
	free(pat);
	pat = repeat("{a,{b,{c,{d,{e,{f,{g,{h,{i,", 1, "j}}}}}}}}}");
	(void)glob_match(pat, "j");
	free(pat);

	/* classes everywhere */
	pat = repeat("[a-z]*", 300, "!");
	path = repeat("q", 3000, "");
	assert_false(glob_match(pat, path));
	free(pat);
	free(path);

	if (elapsed_ms(t0) > 2000)
		fail_msg("pathological patterns took %.0f ms", elapsed_ms(t0));
}

/*
 * A valid pattern whose braces expand to more alternatives than the matcher
 * tries: glob_check accepts it, so it must match (or be refused), never
 * silently miss the paths its last alternatives name.
 */
static void many_alternatives_still_match(void **state)
{
	const char *pat = "{apps,packages,libs,tools}/{a,b,c,d}/{src,lib,test,spec}/*.{js,ts,jsx,tsx}";

	(void)state;
	if (glob_check(pat))
		return;  /* refusing it is also an answer */
	assert_true(glob_match(pat, "apps/a/src/x.js"));
	assert_true(glob_match(pat, "tools/d/spec/x.tsx"));
	assert_false(glob_match(pat, "tools/e/spec/x.tsx"));
}

/* Eight groups of two: 256 alternatives, the last one names the path. */
static void sequential_groups_still_match(void **state)
{
	char *pat = repeat("{a,b}", 8, "");

	(void)state;
	if (!glob_check(pat)) {
		assert_true(glob_match(pat, "aaaaaaaa"));
		assert_true(glob_match(pat, "bbbbbbbb"));
	}
	free(pat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(match_table),
		cmocka_unit_test(table_patterns_are_valid),
		cmocka_unit_test(check_errors),
		cmocka_unit_test(is_literal),
		cmocka_unit_test(pathological),
		cmocka_unit_test(many_alternatives_still_match),
		cmocka_unit_test(sequential_groups_still_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
