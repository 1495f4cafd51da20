/*
 * test-config: relgate.json read strictly, from a file in a scratch folder;
 * every error must name the file, line and column.
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

#include "lib/config.h"
#include "lib/util.h"

static char dir[64];
static char *path;

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/relgate-test-config-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	path = xasprintf("%s/relgate.json", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	free(path);
	return 0;
}

static void write_config(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

/* Load text as relgate.json; returns config_load's answer, *err what it printed. */
static int load(const char *text, struct config *c, char **err)
{
	FILE *cap = tmpfile();
	int saved = dup(2), ret;
	struct buf b = BUF_INIT;
	char chunk[1024];
	size_t n;

	assert_non_null(cap);
	write_config(text);
	fflush(stderr);
	dup2(fileno(cap), 2);
	ret = config_load(c, path);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(cap);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), cap)) > 0)
		buf_add(&b, chunk, n);
	fclose(cap);
	*err = buf_detach(&b, NULL);
	return ret;
}

static const char design_example[] =
	"{\n"
	"  \"$schema\": \"https://example/relgate.schema.json\",\n"
	"  \"globalInputs\": [\".nvmrc\", \"tools/build/**\"],\n"
	"  \"products\": {\n"
	"    \"distributor\": {\n"
	"      \"package\": \"@hotel/distributor\",\n"
	"      \"inputs\": [\"tools/build/distributor.config.js\"],\n"
	"      \"build\": {\"run\": \"npm run build -w @hotel/distributor\", \"timeout\": \"5m\"},\n"
	"      \"artifact\": \"apps/distributor/dist\",\n"
	"      \"checks\": [\n"
	"        {\"name\": \"boot\", \"boot\": {\"page\": \"index.html\", \"ready\": \"window.distributorReady === true\", \"timeout\": \"20s\"}},\n"
	"        {\"name\": \"e2e\", \"run\": \"npm test -w @hotel/distributor\", \"timeout\": \"10m\", \"idleTimeout\": \"2m\", \"retries\": 1}\n"
	"      ],\n"
	"      \"owners\": [\"qa\", \"team-distributor\"],\n"
	"      \"url\": \"http://127.0.0.1:8080/p/distributor/\",\n"
	"      \"keep\": 20\n"
	"    },\n"
	"    \"portal\": {}\n"
	"  },\n"
	"  \"channels\": {\n"
	"    \"qa\": {\"type\": \"slack\", \"url\": \"https://hooks.example/qa\"},\n"
	"    \"team-distributor\": {\"type\": \"email\", \"to\": [\"dist@example.com\"], \"smtp\": \"smtp://127.0.0.1:2525\"},\n"
	"    \"log\": {\"type\": \"command\", \"run\": \"tee -a notifications.log\"}\n"
	"  },\n"
	"  \"store\": {\"path\": \".relgate/store\"},\n"
	"  \"server\": {\"listen\": \"127.0.0.1:9090\", \"tokenEnv\": \"RELGATE_TOKEN\"},\n"
	"  \"watch\": {\"bake\": \"10m\", \"interval\": \"5s\", \"autoRollback\": false, \"fatal\": {\"events\": 3, \"clients\": 2}}\n"
	"}\n";

static void full_example(void **state)
{
	struct config c;
	struct cfg_product *p;
	char *err;

	(void)state;
	assert_int_equal(load(design_example, &c, &err), 0);
	assert_string_equal(err, "");
	free(err);
	assert_string_equal(c.path, path);
	assert_string_equal(c.root, dir);
	assert_int_equal(c.global_inputs.n, 2);
	assert_string_equal(c.global_inputs.v[1], "tools/build/**");
	assert_true(c.products_given);
	assert_int_equal(c.nproducts, 2);
	p = config_product(&c, "distributor");
	assert_non_null(p);
	assert_string_equal(p->package, "@hotel/distributor");
	{
		int line, col;

		assert_int_equal(config_locate_product(&c, "distributor", &line, &col), 0);
		assert_int_equal(line, 5);
		assert_int_equal(col, 5);
		assert_int_equal(config_locate_product(&c, "nothing", &line, &col), -1);
	}
	assert_int_equal(p->inputs.n, 1);
	assert_true(p->has_build);
	assert_string_equal(p->build.run, "npm run build -w @hotel/distributor");
	assert_int_equal(p->build.timeout_ms, 300000);
	assert_string_equal(p->artifact, "apps/distributor/dist");
	assert_int_equal(p->nchecks, 2);
	assert_true(p->checks[0].is_boot);
	assert_string_equal(p->checks[0].name, "boot");
	assert_string_equal(p->checks[0].boot.page, "index.html");
	assert_string_equal(p->checks[0].boot.ready, "window.distributorReady === true");
	assert_int_equal(p->checks[0].boot.timeout_ms, 20000);
	assert_false(p->checks[1].is_boot);
	assert_string_equal(p->checks[1].step.run, "npm test -w @hotel/distributor");
	assert_int_equal(p->checks[1].step.timeout_ms, 600000);
	assert_int_equal(p->checks[1].step.idle_timeout_ms, 120000);
	assert_int_equal(p->checks[1].step.retries, 1);
	assert_int_equal(p->owners.n, 2);
	assert_string_equal(p->url, "http://127.0.0.1:8080/p/distributor/");
	assert_int_equal(p->keep, 20);

	p = config_product(&c, "portal");
	assert_non_null(p);
	assert_string_equal(p->package, "portal");
	assert_false(p->has_build);
	assert_int_equal(p->nchecks, 0);
	assert_int_equal(p->keep, 20);
	assert_null(config_product(&c, "nope"));

	assert_int_equal(c.nchannels, 3);
	assert_string_equal(c.channels[1].name, "team-distributor");
	assert_string_equal(c.channels[1].type, "email");
	assert_string_equal(c.channels[1].to.v[0], "dist@example.com");
	assert_string_equal(c.channels[1].smtp, "smtp://127.0.0.1:2525");
	assert_string_equal(c.channels[2].run, "tee -a notifications.log");
	assert_string_equal(c.store_path, ".relgate/store");
	assert_string_equal(c.listen, "127.0.0.1:9090");
	assert_string_equal(c.token_env, "RELGATE_TOKEN");
	assert_int_equal(c.bake_ms, 600000);
	assert_int_equal(c.interval_ms, 5000);
	assert_false(c.auto_rollback);
	assert_int_equal(c.fatal_events, 3);
	assert_int_equal(c.fatal_clients, 2);
	config_release(&c);
}

static void defaults(void **state)
{
	struct config c;
	char *err;

	(void)state;
	assert_int_equal(load("{}", &c, &err), 0);
	free(err);
	assert_false(c.products_given);
	assert_int_equal(c.nproducts, 0);
	assert_string_equal(c.store_path, ".relgate/store");
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_string_equal(c.token_env, "RELGATE_TOKEN");
	assert_int_equal(c.bake_ms, 600000);
	assert_int_equal(c.interval_ms, 5000);
	assert_true(c.auto_rollback);
	assert_int_equal(c.fatal_events, 3);
	assert_int_equal(c.fatal_clients, 2);
	config_release(&c);

	config_defaults(&c);
	assert_null(c.path);
	assert_int_equal(c.bake_ms, 600000);
	config_release(&c);
}

/* Each bad file must fail, and say where: "relgate.json:LINE:COL: ...what...". */
struct bad_case {
	const char *text;
	const char *where;   /* ":LINE:COL:" */
	const char *what;    /* a word of the message */
};

static const struct bad_case bad_cases[] = {
	{"{\"bogus\": 1}", ":1:2:", "unknown key \"bogus\""},
	{"{\n  \"products\": {\"web\": {\"pakage\": \"x\"}}\n}", ":2:24:", "\"pakage\""},
	{"{\"products\": {\"web\": {\"build\": {\"run\": \"x\", \"timeout\": \"5 minutes\"}}}}", ":1:56:",
	 "duration"},
	{"{\"products\": {\"web\": {\"build\": {\"run\": \"x\", \"timeout\": \"0s\"}}}}", ":1:56:",
	 "longer than zero"},
	{"{\"products\": {\"web\": {\"build\": {\"timeout\": \"1s\"}}}}", ":1:32:", "\"run\" is required"},
	{"{\"products\": {\"web\": {\"build\": {\"run\": 5}}}}", ":1:40:", "must be a string"},
	{"{\"products\": {\"web\": {\"build\": {\"run\": \"\"}}}}", ":1:40:", "must not be empty"},
	{"{\"products\": {\"web\": {\"build\": {\"run\": \"a\\u0000b\"}}}}", ":1:40:", "NUL"},
	{"{\"products\": {\"web\": {\"keep\": 0}}}", ":1:31:", "whole number"},
	{"{\"products\": {\"web\": {\"keep\": 1.5}}}", ":1:31:", "whole number"},
	{"{\"products\": {\"web\": {\"inputs\": \"src/**\"}}}", ":1:33:", "array of strings"},
	{"{\"products\": {\"web\": {\"inputs\": [\"src/[a\"]}}}", ":1:34:", "bad pattern"},
	{"{\"products\": {\"web\": {\"inputs\": [\"../x\"]}}}", ":1:34:", "inside"},
	{"{\"products\": {\"web\": {\"inputs\": [\"/etc/x\"]}}}", ":1:34:", "inside"},
	{"{\"products\": {\"web\": {\"inputs\": [\"\"]}}}", ":1:34:", "non-empty string"},
	{"{\"products\": {\"web\": {\"owners\": [\"qa\"]}}}", ":1:34:", "not a channel"},
	{"{\"products\": {\"a/b\": {}}}", ":1:15:", "product name"},
	{"{\"products\": {\".hidden\": {}}}", ":1:15:", "product name"},
	{"{\"products\": {\"a b\": {}}}", ":1:15:", "product name"},
	{"{\"products\": {\"web\": 5}}", ":1:22:", "must be an object"},
	{"{\"products\": []}", ":1:14:", "must be an object"},
	{"{\"products\": {\"web\": {\"checks\": {}}}}", ":1:33:", "must be an array"},
	{"{\"products\": {\"web\": {\"checks\": [{\"name\": \"a\", \"run\": \"x\"}, {\"name\": \"a\", \"run\": \"y\"}]}}}",
	 ":1:61:", "two checks"},
	{"{\"products\": {\"web\": {\"checks\": [{\"run\": \"x\"}]}}}", ":1:34:", "\"name\" is required"},
	{"{\"products\": {\"web\": {\"checks\": [{\"name\": \"b\", \"boot\": {}, \"run\": \"x\"}]}}}",
	 ":1:60:", "unknown key \"run\""},
	{"{\"products\": {\"web\": {\"checks\": [{\"name\": \"b\", \"boot\": {\"pages\": \"x\"}}]}}}",
	 ":1:57:", "unknown key \"pages\""},
	{"{\"products\": {\"web\": {\"checks\": [{\"name\": \"b\", \"boot\": 1}]}}}", ":1:56:",
	 "must be an object"},
	{"{\"products\": {\"web\": {\"checks\": [{\"name\": \"e\", \"run\": \"x\", \"retries\": 101}]}}}",
	 ":1:71:", "whole number"},
	{"{\"products\": {\"web\": {\"checks\": [7]}}}", ":1:34:", "must be an object"},
	{"{\"channels\": {\"qa\": {\"type\": \"pager\"}}}", ":1:30:", "unknown channel type"},
	{"{\"channels\": {\"qa\": {\"type\": \"slack\"}}}", ":1:30:", "needs one of \"url\" and \"urlEnv\""},
	{"{\"channels\": {\"qa\": {\"type\": \"slack\", \"url\": \"http://x\", \"urlEnv\": \"X\"}}}", ":1:30:", "needs one of \"url\" and \"urlEnv\""},
	{"{\"channels\": {\"m\": {\"type\": \"email\", \"to\": [\"a@b\"], \"smtp\": \"ftp://h\"}}}", ":1:29:", "must be an smtp:// or smtps:// URL"},
	{"{\"channels\": {\"qa\": {\"type\": \"email\", \"to\": [\"a@b\"]}}}", ":1:30:", "smtp"},
	{"{\"channels\": {\"qa\": {\"type\": \"command\"}}}", ":1:30:", "needs \"run\""},
	{"{\"channels\": {\"qa\": {\"url\": \"x\"}}}", ":1:21:", "\"type\" is required"},
	{"{\"channels\": {\"qa\": {\"type\": \"slack\", \"url\": \"x\", \"token\": 1}}}", ":1:51:",
	 "unknown key \"token\""},
	{"{\"store\": {\"dir\": \"x\"}}", ":1:12:", "unknown key \"dir\""},
	{"{\"store\": \"x\"}", ":1:11:", "must be an object"},
	{"{\"server\": {\"listen\": 8080}}", ":1:23:", "must be a string"},
	{"{\"watch\": {\"bake\": \"forever\"}}", ":1:20:", "duration"},
	{"{\"watch\": {\"autoRollback\": \"yes\"}}", ":1:28:", "true or false"},
	{"{\"watch\": {\"fatal\": {\"events\": 0}}}", ":1:32:", "whole number"},
	{"{\"watch\": {\"fatal\": {\"users\": 1}}}", ":1:22:", "unknown key \"users\""},
	{"{\"globalInputs\": [1]}", ":1:19:", "non-empty string"},
	{"{\"globalInputs\": [\"a/{b\"]}", ":1:19:", "bad pattern"},
	/* syntax errors come from jansson, with its own column */
	{"{\"products\": {,}}", ":1:", ""},
	{"{\"a\": 1, \"a\": 2}", ":1:", "duplicate"},
	{"{\n\"store\": {\"path\": \"x\"},\n\"store\": {}\n}", ":3:", "duplicate"},
	{"[]", ":1:1:", "must be an object"},
	{"\"x\"", ":", ""},
	{"", ":", ""},
	{"{} {}", ":1:", ""},
};

static void bad_files(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad_cases); i++) {
		const struct bad_case *b = &bad_cases[i];
		char *want = xasprintf("relgate.json%s", b->where);
		struct config c;
		char *err;
		int ret = load(b->text, &c, &err);

		if (ret != -1 || !strstr(err, want) || !strstr(err, b->what)) {
			print_error("%s\n  returned %d, printed: %s  expected \"%s\" and \"%s\"\n",
				    b->text, ret, *err ? err : "nothing\n", want, b->what);
			bad++;
		}
		config_release(&c);
		free(err);
		free(want);
	}
	if (bad)
		fail_msg("%d of %zu bad files were not reported as expected", bad,
			 ARRAY_LEN(bad_cases));
}

/* Every error of a file, not only the first. */
static void every_error(void **state)
{
	static const char text[] =
		"{\n"
		"  \"bogus\": 1,\n"
		"  \"products\": {\"web\": {\"keep\": -1, \"nope\": 2}},\n"
		"  \"watch\": {\"interval\": \"often\"}\n"
		"}\n";
	struct config c;
	char *err, *p;
	int lines = 0;

	(void)state;
	assert_int_equal(load(text, &c, &err), -1);
	for (p = err; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, 4);
	assert_non_null(strstr(err, "relgate.json:2:3:"));
	assert_non_null(strstr(err, "relgate.json:3:36:"));
	assert_non_null(strstr(err, "relgate.json:3:32:"));
	assert_non_null(strstr(err, "relgate.json:4:25:"));
	free(err);
	config_release(&c);
}

/* A product name must be usable as a folder name: "" is not one. */
static void empty_product_name(void **state)
{
	struct config c;
	char *err;
	int ret;

	(void)state;
	ret = load("{\"products\": {\"\": {}}}", &c, &err);
	config_release(&c);
	free(err);
	assert_int_equal(ret, -1);
}

static void missing_and_unreadable(void **state)
{
	struct config c;
	FILE *cap = tmpfile();
	int saved = dup(2), ret1, ret2;
	char text[512];
	size_t n;
	char *missing = xasprintf("%s/none.json", dir);

	(void)state;
	fflush(stderr);
	dup2(fileno(cap), 2);
	ret1 = config_load(&c, missing);
	config_release(&c);
	ret2 = config_load(&c, dir);   /* a folder */
	config_release(&c);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(cap);
	n = fread(text, 1, sizeof(text) - 1, cap);
	text[n] = '\0';
	fclose(cap);
	assert_int_equal(ret1, -1);
	assert_int_equal(ret2, -1);
	assert_non_null(strstr(text, "none.json"));
	free(missing);
}

/* A relative path: the root is its folder, "." for a bare name. */
static void relative_path(void **state)
{
	struct config c;
	char cwd[4096];
	int ret;

	(void)state;
	write_config("{}");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	ret = config_load(&c, "relgate.json");
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(ret, 0);
	assert_string_equal(c.root, ".");
	config_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_example),
		cmocka_unit_test(defaults),
		cmocka_unit_test(bad_files),
		cmocka_unit_test(every_error),
		cmocka_unit_test(empty_product_name),
		cmocka_unit_test(missing_and_unreadable),
		cmocka_unit_test(relative_path),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
