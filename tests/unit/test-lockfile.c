/*
 * test-lockfile: which workspace packages a package-lock.json change
 * touches, against a small workspace built by hand.
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
	lock_workspace("(root)", "package-lock.json");
	return 0;
}

/* The versions that vary between the two sides of a test. */
struct lock {
	const char *left_pad, *integrity, *x, *is_number, *jest;
	const char *b_deps;    /* more dependencies of b, each ", \"n\": \"v\"" */
	const char *entries;   /* more entries of "packages", each ", \"k\": {...}" */
};

static const struct lock base = {"1.2.0", "sha512-lp", "1.0.0", "7.0.0", "29.0.0", "", ""};

static char *lock_text(const struct lock *l)
{
	return xasprintf(
		"{\n"
		"  \"name\": \"root\",\n"
		"  \"lockfileVersion\": 3,\n"
		"  \"requires\": true,\n"
		"  \"packages\": {\n"
		"    \"\": {\"name\": \"root\", \"workspaces\": [\"packages/*\"],\n"
		"           \"devDependencies\": {\"eslint\": \"^9\"}},\n"
		"    \"node_modules/eslint\": {\"version\": \"9.0.0\", \"dev\": true},\n"
		"    \"node_modules/a\": {\"resolved\": \"packages/a\", \"link\": true},\n"
		"    \"node_modules/b\": {\"resolved\": \"packages/b\", \"link\": true},\n"
		"    \"node_modules/@s/c\": {\"resolved\": \"packages/c\", \"link\": true},\n"
		"    \"packages/a\": {\"name\": \"a\", \"version\": \"1.0.0\",\n"
		"                   \"dependencies\": {\"left-pad\": \"^1\", \"b\": \"*\"},\n"
		"                   \"devDependencies\": {\"jest\": \"^29\"}},\n"
		"    \"packages/b\": {\"name\": \"b\", \"version\": \"1.0.0\",\n"
		"                   \"dependencies\": {\"is-number\": \"^7\", \"left-pad\": \"^2\"%s}},\n"
		"    \"packages/c\": {\"name\": \"@s/c\", \"version\": \"1.0.0\",\n"
		"                   \"dependencies\": {\"@s/util\": \"^1\"}},\n"
		"    \"node_modules/left-pad\": {\"version\": \"%s\", \"integrity\": \"%s\",\n"
		"                              \"dependencies\": {\"x\": \"^1\"}},\n"
		"    \"node_modules/x\": {\"version\": \"%s\", \"dependencies\": {\"y\": \"^1\"}},\n"
		"    \"node_modules/y\": {\"version\": \"1.0.0\", \"dependencies\": {\"x\": \"^1\"}},\n"
		"    \"packages/b/node_modules/left-pad\": {\"version\": \"2.0.0\"},\n"
		"    \"node_modules/is-number\": {\"version\": \"%s\"},\n"
		"    \"node_modules/jest\": {\"version\": \"%s\", \"dev\": true},\n"
		"    \"node_modules/@s/util\": {\"version\": \"1.0.0\"}%s\n"
		"  }\n"
		"}\n",
		l->b_deps, l->left_pad, l->integrity, l->x, l->is_number, l->jest, l->entries);
}

/* Diff two lockfile texts; both NULL-able. */
struct diff_case {
	const char *name;
	struct lock old, new;
	const char *want;
};

static const struct diff_case cases[] = {
	{"unchanged", {0}, {0}, ""},
	{"bump of a direct dependency", {0}, {"1.3.0", NULL, NULL, NULL, NULL, NULL, NULL},
	 "a: left-pad 1.2.0 -> 1.3.0"},
	{"same version, new integrity", {0}, {NULL, "sha512-other", NULL, NULL, NULL, NULL, NULL},
	 "a: left-pad 1.2.0 changed"},
	{"bump of a transitive dependency", {0}, {NULL, NULL, "1.0.1", NULL, NULL, NULL, NULL},
	 "a: x 1.0.0 -> 1.0.1"},
	{"linked workspace package stops the walk", {0},
	 {NULL, NULL, NULL, "7.0.1", NULL, NULL, NULL}, "b: is-number 7.0.0 -> 7.0.1"},
	{"devDependency of the package itself", {0}, {NULL, NULL, NULL, NULL, "29.1.0", NULL, NULL},
	 "a: jest 29.0.0 -> 29.1.0"},
	{"added dependency", {0},
	 {NULL, NULL, NULL, NULL, NULL, ", \"is-odd\": \"^3\"",
	  ",\n    \"node_modules/is-odd\": {\"version\": \"3.0.0\"}"},
	 "b: +is-odd 3.0.0"},
	{"removed dependency",
	 {NULL, NULL, NULL, NULL, NULL, ", \"is-odd\": \"^3\"",
	  ",\n    \"node_modules/is-odd\": {\"version\": \"3.0.0\"}"},
	 {0}, "b: -is-odd 3.0.0"},
	{"entry added but not used", {0},
	 {NULL, NULL, NULL, NULL, NULL, NULL, ",\n    \"node_modules/unused\": {\"version\": \"1.0.0\"}"},
	 ""},
	{"two packages, one change each", {0}, {"1.3.0", NULL, NULL, "8.0.0", NULL, NULL, NULL},
	 "a: left-pad 1.2.0 -> 1.3.0; b: is-number 7.0.0 -> 8.0.0"},
};

static const char *pick(const char *v, const char *def)
{
	return v ? v : def;
}

static void fill(struct lock *out, const struct lock *in)
{
	out->left_pad = pick(in->left_pad, base.left_pad);
	out->integrity = pick(in->integrity, base.integrity);
	out->x = pick(in->x, base.x);
	out->is_number = pick(in->is_number, base.is_number);
	out->jest = pick(in->jest, base.jest);
	out->b_deps = pick(in->b_deps, base.b_deps);
	out->entries = pick(in->entries, base.entries);
}

static void diff_table(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		struct lock o, n;
		struct lockfile_diff d;
		char *old, *new;

		fill(&o, &cases[i].old);
		fill(&n, &cases[i].new);
		old = lock_text(&o);
		new = lock_text(&n);
		assert_int_equal(diff("package-lock.json", old, new, &d), 0);
		assert_false(d.all);
		bad += !hits_are(&d, cases[i].name, cases[i].want);
		lockfile_diff_release(&d);
		free(old);
		free(new);
	}
	if (bad)
		fail_msg("%d of %zu rows differ", bad, ARRAY_LEN(cases));
}

static void many_changes_are_summed_up(void **state)
{
	struct lock o, n;
	struct lockfile_diff d;
	char *old, *new;
	static const struct lock many = {
		"1.3.0", NULL, "1.0.1", NULL, "30.0.0", NULL,
		",\n    \"node_modules/y\": {\"version\": \"2.0.0\"}",
	};

	(void)state;
	fill(&o, &base);
	fill(&n, &many);
	old = lock_text(&o);
	new = lock_text(&n);
	/* the later "node_modules/y" replaces the earlier one: jansson keeps the last */
	assert_int_equal(diff("package-lock.json", old, new, &d), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.hits[0].pkg->name, "a");
	assert_non_null(strstr(d.hits[0].detail, " and 1 more"));
	lockfile_diff_release(&d);
	free(old);
	free(new);
}

/* A lockfile that appears or disappears: every package with external dependencies. */
static void absent_side(void **state)
{
	struct lock l;
	struct lockfile_diff d;
	char *text, *got;

	(void)state;
	fill(&l, &base);
	text = lock_text(&l);
	assert_int_equal(diff("package-lock.json", NULL, text, &d), 0);
	assert_false(d.all);
	got = hits(&d);
	assert_non_null(strstr(got, "(root): +eslint 9.0.0"));
	assert_non_null(strstr(got, "@s/c: +@s/util 1.0.0"));
	assert_int_equal(d.n, 4);
	free(got);
	lockfile_diff_release(&d);

	assert_int_equal(diff("package-lock.json", text, NULL, &d), 0);
	assert_int_equal(d.n, 4);
	assert_non_null(strstr(d.hits[0].detail, "-eslint"));
	lockfile_diff_release(&d);

	assert_int_equal(diff("package-lock.json", NULL, NULL, &d), 0);
	assert_true(d.all);
	assert_non_null(d.reason);
	lockfile_diff_release(&d);

	/* a root tool relgate.json says no build uses is out of the root's closure */
	{
		struct config cfg;
		char *ignore[] = {"esl*"};

		memset(&cfg, 0, sizeof(cfg));
		cfg.ignore_root_deps.v = ignore;
		cfg.ignore_root_deps.n = 1;
		assert_int_equal(lockfile_diff("package-lock.json", "as of old", NULL, 0, "as of new",
					       text, strlen(text), &ws, &cfg, &d), 0);
		assert_int_equal(d.n, 3);
		for (size_t i = 0; i < d.n; i++)
			assert_false(d.hits[i].pkg->is_root);
		lockfile_diff_release(&d);
	}
	free(text);
}

/* A lockfile of a package folder is read the same way. */
static void nested_lockfile_name(void **state)
{
	struct lock o, n;
	struct lockfile_diff d;
	char *old, *new;
	static const struct lock bump = {"1.3.0", NULL, NULL, NULL, NULL, NULL, NULL};

	(void)state;
	fill(&o, &base);
	fill(&n, &bump);
	old = lock_text(&o);
	new = lock_text(&n);
	assert_int_equal(diff("tools/package-lock.json", old, new, &d), 0);
	assert_false(d.all);
	assert_int_equal(d.n, 1);
	lockfile_diff_release(&d);
	free(old);
	free(new);
}

static void unreadable_kinds(void **state)
{
	static const char v1[] = "{\"lockfileVersion\": 1, \"dependencies\": {}}";
	static const char noversion[] = "{\"packages\": {}}";
	static const char nopackages[] = "{\"lockfileVersion\": 3}";
	static const char strversion[] = "{\"lockfileVersion\": \"3\", \"packages\": {}}";
	struct lockfile_diff d;

	(void)state;
	/* yarn 1's format is read now: a bare word is no line of it */
	assert_int_equal(diff("yarn.lock", "a", "b", &d), -1);
	lockfile_diff_release(&d);

	assert_int_equal(diff("pnpm-lock.yaml", "a", "b", &d), 0);
	assert_true(d.all);
	lockfile_diff_release(&d);

	assert_int_equal(diff("package-lock.json.bak", v1, v1, &d), 0);
	assert_true(d.all);
	lockfile_diff_release(&d);

	assert_int_equal(diff("package-lock.json", v1, v1, &d), 0);
	assert_true(d.all);
	assert_non_null(strstr(d.reason, "lockfileVersion 1"));
	lockfile_diff_release(&d);

	assert_int_equal(diff("package-lock.json", noversion, noversion, &d), 0);
	assert_true(d.all);
	lockfile_diff_release(&d);

	assert_int_equal(diff("package-lock.json", nopackages, nopackages, &d), 0);
	assert_true(d.all);
	assert_non_null(strstr(d.reason, "packages"));
	lockfile_diff_release(&d);

	assert_int_equal(diff("package-lock.json", strversion, strversion, &d), 0);
	assert_true(d.all);
	lockfile_diff_release(&d);
}

static void invalid_json(void **state)
{
	struct lockfile_diff d;
	FILE *cap = tmpfile();
	int saved = dup(2);
	char text[512] = "";
	size_t n;

	(void)state;
	assert_non_null(cap);
	fflush(stderr);
	dup2(fileno(cap), 2);
	assert_int_equal(diff("package-lock.json", "{\"lockfileVersion\": 3,\n  \"packages\": {,}}",
			      "{}", &d), -1);
	assert_int_equal(diff("package-lock.json", "{}", "[", &d), -1);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(cap);
	n = fread(text, 1, sizeof(text) - 1, cap);
	text[n] = '\0';
	fclose(cap);
	assert_non_null(strstr(text, "package-lock.json:2:16: "));
	assert_non_null(strstr(text, "(as of old)"));
	assert_non_null(strstr(text, "package-lock.json:1:"));
	assert_non_null(strstr(text, "(as of new)"));
}

/* Odd but valid JSON: values of the wrong type are skipped, never trusted. */
static void odd_shapes(void **state)
{
	static const char *const texts[] = {
		"{\"lockfileVersion\": 3, \"packages\": {\"packages/a\": 1}}",
		"{\"lockfileVersion\": 3, \"packages\": {\"packages/a\": {\"dependencies\": [1]}}}",
		"{\"lockfileVersion\": 3, \"packages\": {\"packages/a\": {\"dependencies\": {\"q\": 1}},"
		" \"node_modules/q\": \"1.0.0\"}}",
		"{\"lockfileVersion\": 3, \"packages\": {\"packages/a\": {\"dependencies\": {\"q\": 1}},"
		" \"node_modules/q\": {\"link\": true, \"resolved\": 5}}}",
		"{\"lockfileVersion\": 3, \"packages\": {\"packages/a\": {\"dependencies\": {\"q\": 1}},"
		" \"node_modules/q\": {\"link\": true, \"resolved\": \"node_modules/q\"}}}",
		"{\"lockfileVersion\": 3, \"packages\": {\"packages/a\": {\"dependencies\": {\"q\": 1}},"
		" \"node_modules/q\": {\"version\": {}, \"integrity\": []}}}",
		"{\"lockfileVersion\": 99, \"packages\": {}}",
		"{\"lockfileVersion\": -1, \"packages\": {}}",
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < ARRAY_LEN(texts); i++)
		for (j = 0; j < ARRAY_LEN(texts); j++) {
			struct lockfile_diff d;

			assert_int_equal(diff("package-lock.json", texts[i], texts[j], &d), 0);
			lockfile_diff_release(&d);
		}
}

/* A link to a folder outside the workspace's packages is followed like an entry. */
static void link_outside_workspace(void **state)
{
	static const char old[] =
		"{\"lockfileVersion\": 3, \"packages\": {"
		"\"packages/a\": {\"dependencies\": {\"local\": \"file:../vendor/local\"}},"
		"\"node_modules/local\": {\"link\": true, \"resolved\": \"vendor/local\"},"
		"\"vendor/local\": {\"version\": \"1.0.0\"}}}";
	static const char new[] =
		"{\"lockfileVersion\": 3, \"packages\": {"
		"\"packages/a\": {\"dependencies\": {\"local\": \"file:../vendor/local\"}},"
		"\"node_modules/local\": {\"link\": true, \"resolved\": \"vendor/local\"},"
		"\"vendor/local\": {\"version\": \"1.1.0\"}}}";
	struct lockfile_diff d;

	(void)state;
	assert_int_equal(diff("package-lock.json", old, new, &d), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.hits[0].pkg->name, "a");
	assert_non_null(strstr(d.hits[0].detail, "1.0.0 -> 1.1.0"));
	lockfile_diff_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(diff_table),
		cmocka_unit_test(many_changes_are_summed_up),
		cmocka_unit_test(absent_side),
		cmocka_unit_test(nested_lockfile_name),
		cmocka_unit_test(unreadable_kinds),
		cmocka_unit_test(invalid_json),
		cmocka_unit_test(odd_shapes),
		cmocka_unit_test(link_outside_workspace),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
