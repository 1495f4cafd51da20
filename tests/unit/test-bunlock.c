/*
 * test-bunlock: which workspace packages a bun.lock change touches, on a
 * workspace built by hand: entries at the top, under a package, under a
 * workspace package's name, scoped, patched, mapped to workspace packages.
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

#include "analyze/lockdiff.h"
#include "lib/util.h"
#include "analyze/workspace.h"
#include "lock-workspace.h"

static int setup(void **state)
{
	(void)state;
	lock_workspace("root", "bun.lock");
	return 0;
}

/*
 * What may differ between two lockfiles: the version of left-pad that
 * uses-pad (a's) gets under itself, the top-level is-number (b's, and c's
 * through @s/util), the lodash a keeps under its own name, the scoped
 * @s/inner under @s/util, a patch of uses-pad, and the root's tool.
 */
struct lock {
	const char *nested_pad, *is_number, *a_lodash, *inner, *patch, *eslint, *version;
};

static const struct lock base = {"1.2.0", "7.0.0", "3.10.1", "1.0.0", NULL, "9.0.0", "1"};

static char *lock_text(const struct lock *l)
{
	return xasprintf(
		"{\n"
		"  \"lockfileVersion\": %s,\n"
		"  \"workspaces\": {\n"
		"    \"\": {\"name\": \"root\", \"devDependencies\": {\"eslint\": \"^9\",},},\n"
		"    \"packages/a\": {\"name\": \"a\", \"dependencies\": {\"uses-pad\": \"^1\", "
		"\"lodash\": \"^3\", \"b\": \"workspace:*\"},\n"
		"      \"devDependencies\": {\"jest\": \"^30\"},},\n"
		"    \"packages/b\": {\"name\": \"b\", \"dependencies\": {\"is-number\": \"^7\"},},\n"
		"    \"packages/c\": {\"name\": \"@s/c\", \"dependencies\": {\"@s/util\": \"^1\"},},\n"
		"  },\n"
		"%s%s%s"
		"  \"packages\": {\n"
		"    \"a/lodash\": [\"lodash@%s\", \"\", {}, \"sha512-l%s\"],\n"
		"    \"lodash\": [\"lodash@4.17.21\", \"\", {}, \"sha512-l4\"],\n"
		"    \"b\": [\"b@workspace:packages/b\"],\n"
		"    \"uses-pad\": [\"uses-pad@1.0.0\", \"\", {\"dependencies\": {\"left-pad\": \"^1\"}}, "
		"\"sha512-u\"],\n"
		"    \"uses-pad/left-pad\": [\"left-pad@%s\", \"\", {}, \"sha512-p%s\"],\n"
		"    \"left-pad\": [\"left-pad@0.9.0\", \"\", {}, \"sha512-old\"],\n"
		"    \"is-number\": [\"is-number@%s\", \"\", {}, \"sha512-n%s\"],\n"
		"    \"jest\": [\"jest@30.0.0\", \"\", {}, \"sha512-j\"],\n"
		"    \"@s/util\": [\"@s/util@1.0.0\", \"\", {\"dependencies\": {\"@s/inner\": \"1\", "
		"\"is-number\": \"^7\"}}, \"sha512-s\"],\n"
		"    \"@s/util/@s/inner\": [\"@s/inner@%s\", \"\", {}, \"sha512-i%s\"],\n"
		"    \"eslint\": [\"eslint@%s\", \"\", {}, \"sha512-e\"],\n"
		"  }\n"
		"}\n",
		l->version, l->patch ? "  \"patchedDependencies\": {\"uses-pad@1.0.0\": \"" : "",
		l->patch ? l->patch : "", l->patch ? "\"},\n" : "", l->a_lodash, l->a_lodash,
		l->nested_pad, l->nested_pad, l->is_number, l->is_number, l->inner, l->inner,
		l->eslint);
}

static const char *pick(const char *v, const char *def)
{
	return v ? v : def;
}

static char *text_of(const struct lock *changes)
{
	struct lock l = {
		pick(changes->nested_pad, base.nested_pad), pick(changes->is_number, base.is_number),
		pick(changes->a_lodash, base.a_lodash),     pick(changes->inner, base.inner),
		changes->patch,                             pick(changes->eslint, base.eslint),
		pick(changes->version, base.version),
	};

	return lock_text(&l);
}

static const struct {
	const char *name;
	struct lock change;
	const char *want;
} cases[] = {
	{"nothing changed", {0}, ""},
	{"a package's own nested copy", {.nested_pad = "1.3.0"},
	 "a: left-pad 1.2.0 -> 1.3.0 in uses-pad"},
	{"a top-level entry two packages reach, one through a scoped package",
	 {.is_number = "7.0.1"}, "b: is-number 7.0.0 -> 7.0.1; @s/c: is-number 7.0.0 -> 7.0.1"},
	{"the copy kept under a workspace package's name", {.a_lodash = "3.10.2"},
	 "a: lodash 3.10.1 -> 3.10.2 in a"},
	{"a scoped entry under a scoped package", {.inner = "1.0.1"},
	 "@s/c: @s/inner 1.0.0 -> 1.0.1 in @s/util"},
	{"a patch added to an entry", {.patch = "patches/uses-pad.patch"},
	 "a: uses-pad 1.0.0 changed"},
	{"the root's tool", {.eslint = "9.1.0"}, "root: eslint 9.0.0 -> 9.1.0"},
};

static void diff_table(void **state)
{
	char *old = text_of(&(struct lock){0});
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *new = text_of(&cases[i].change);
		struct lockfile_diff d;

		assert_int_equal(diff("bun.lock", old, new, &d), 0);
		assert_false(d.all);
		bad += !hits_are(&d, cases[i].name, cases[i].want);
		lockfile_diff_release(&d);
		free(new);
	}
	free(old);
	if (bad)
		fail_msg("%d of %zu rows differ", bad, ARRAY_LEN(cases));
}

/* A workspace package's own entries do not travel to who depends on it: manifest edges do. */
static void workspace_entries_end_the_walk(void **state)
{
	char *old = text_of(&(struct lock){0}), *new = text_of(&(struct lock){.is_number = "8.0.0"});
	struct lockfile_diff d;

	(void)state;
	assert_int_equal(diff("bun.lock", old, new, &d), 0);
	for (size_t i = 0; i < d.n; i++)
		assert_string_not_equal(d.hits[i].pkg->name, "a");
	lockfile_diff_release(&d);
	free(old);
	free(new);
}

static void appears_and_unreadable(void **state)
{
	char *text = text_of(&(struct lock){0});
	char *v2 = text_of(&(struct lock){.version = "2"});
	struct lockfile_diff d;

	(void)state;
	/* a lockfile that appears: every package with external dependencies */
	assert_int_equal(diff("bun.lock", NULL, text, &d), 0);
	assert_false(d.all);
	assert_int_equal(d.n, 4);
	lockfile_diff_release(&d);

	/* a layout relgate does not know: every product, and why */
	assert_int_equal(diff("bun.lock", v2, v2, &d), 0);
	assert_true(d.all);
	assert_non_null(strstr(d.reason, "lockfileVersion 2"));
	lockfile_diff_release(&d);

	assert_int_equal(diff("bun.lock", "{\"lockfileVersion\": 1}", "{\"lockfileVersion\": 1}", &d), 0);
	assert_true(d.all);
	lockfile_diff_release(&d);

	/* odd shapes are read as far as they go: no crash, no hit */
	assert_int_equal(diff("bun.lock", "{\"lockfileVersion\": 1, \"workspaces\": {\"packages/a\": 7}, "
			      "\"packages\": {\"x\": 1, \"y\": [], \"z\": [2, {}]}}",
			      "{\"lockfileVersion\": 1, \"workspaces\": {\"packages/a\": "
			      "{\"dependencies\": {\"x\": 1, \"y\": 2, \"z\": 3}}}, "
			      "\"packages\": {\"x\": 1, \"y\": [], \"z\": [2, {}]}}",
			      &d), 0);
	assert_false(d.all);
	assert_int_equal(d.n, 0);
	lockfile_diff_release(&d);
	free(text);
	free(v2);
}

/* Not JSON even with trailing commas allowed: file:line:col and the side, -1. */
static void invalid(void **state)
{
	struct lockfile_diff d;
	FILE *cap = tmpfile();
	char msg[512] = "";
	int saved = dup(2);

	(void)state;
	assert_non_null(cap);
	dup2(fileno(cap), 2);
	assert_int_equal(diff("bun.lock", "{\"lockfileVersion\": 1,}", "{\n  \"lockfileVersion\": 1\n  x\n}", &d),
			 -1);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(cap);
	assert_true(fread(msg, 1, sizeof(msg) - 1, cap) > 0);
	fclose(cap);
	assert_non_null(strstr(msg, "bun.lock:3:3"));
	assert_non_null(strstr(msg, "as of new"));
	lockfile_diff_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(diff_table, setup, teardown),
		cmocka_unit_test_setup_teardown(workspace_entries_end_the_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(appears_and_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(invalid, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
