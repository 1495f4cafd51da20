/*
 * test-gate: which products to gate, and the gate itself on real, short
 * steps.  gate_select: names (unknown ones are errors, the known ones still
 * selected, each once), every product in order, the products an analysis
 * reached, no relgate.json.  gate_init: the steps, their logs and limits,
 * the boot check's command.  gate_run: passes, a failed build that skips
 * the checks, a failed check that skips the rest, timeouts, retries (a pass
 * after a failure is flaky), the message of a step that did not pass, and
 * products run one at a time or two at once.
 *
 * Timing asserts are loose on purpose: machines under load are slow, never
 * fast.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/impact.h"
#include "analyze/setup.h"
#include "gate/gate.h"
#include "gate/supervise.h"
#include "lib/config.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/util.h"

/* ---- helpers ---- */

static struct buf messages = BUF_INIT;

static void keep_message(const char *level, const char *text, void *data)
{
	(void)data;
	buf_addf(&messages, "%s: %s\n", level, text);
}

static void quiet(void)
{
	buf_reset(&messages);
	diag_set_routine(keep_message, NULL);
}

static void loud(void)
{
	diag_set_routine(NULL, NULL);
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static char *scratch_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *templ = xasprintf("%s/relgate-gate-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	char *real;

	assert_non_null(mkdtemp(templ));
	real = realpath(templ, NULL);
	assert_non_null(real);
	free(templ);
	return real;
}

static void remove_dir(char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

static bool exists_in(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	bool r = access(path, F_OK) == 0;

	free(path);
	return r;
}

/* The content of a file, as a new string ("" when it cannot be read). */
static char *slurp(const char *path)
{
	struct buf b = BUF_INIT;

	if (read_file(path, &b, 0) < 0) {
		buf_release(&b);
		return xstrdup("");
	}
	return buf_detach(&b, NULL);
}

static bool ends_with_str(const char *s, const char *suffix)
{
	return s && ends_with(s, suffix);
}

/* ---- products ---- */

static struct cfg_product product(const char *name, const char *build, struct cfg_check *checks,
			      size_t nchecks)
{
	struct cfg_product p;

	memset(&p, 0, sizeof(p));
	p.name = (char *)name;
	p.package = (char *)name;
	if (build) {
		p.has_build = true;
		p.build.run = (char *)build;
	}
	p.checks = checks;
	p.nchecks = nchecks;
	return p;
}

static struct cfg_check run_check(const char *name, const char *run)
{
	struct cfg_check c;

	memset(&c, 0, sizeof(c));
	c.name = (char *)name;
	c.step.run = (char *)run;
	return c;
}

/* ---- gate_select ---- */

static struct cfg_product sel_products[3];
static struct cfg_check sel_checks[1];

static void sel_setup(struct setup *s)
{
	memset(s, 0, sizeof(*s));
	sel_checks[0] = run_check("unit", "true");
	sel_products[0] = product("alpha", "true", NULL, 0);
	sel_products[1] = product("beta", NULL, sel_checks, 1);
	sel_products[2] = product("gamma", "true", sel_checks, 1);
	s->root = "/nonexistent-workspace";
	s->rootfd = -1;
	s->cfg.path = "/nonexistent-workspace/relgate.json";
	s->cfg.root = "/nonexistent-workspace";
	s->cfg.products = sel_products;
	s->cfg.nproducts = 3;
	s->cfg.products_given = true;
}

static void select_unknown_names(void **state)
{
	char *names[] = {"gamma", "nope", "alpha", "gamma", "also-nope"};
	const struct cfg_product **out = NULL;
	struct setup s;
	size_t n = 99;
	int r;

	(void)state;
	sel_setup(&s);
	quiet();
	fault_clear();
	r = gate_select(&s, NULL, names, ARRAY_LEN(names), &out, &n);
	loud();
	assert_int_equal(r, -1);
	assert_int_equal(fault_last(), FAULT_INPUT);
	/* every unknown name is said, not just the first */
	assert_non_null(strstr(messages.data, "\"nope\""));
	assert_non_null(strstr(messages.data, "\"also-nope\""));
	assert_null(strstr(messages.data, "\"gamma\""));
	/* and the known ones are still selected, once each, in the order given */
	assert_non_null(out);
	assert_int_equal(n, 2);
	assert_ptr_equal(out[0], &sel_products[2]);
	assert_ptr_equal(out[1], &sel_products[0]);
	free(out);
}

static void select_duplicates_once(void **state)
{
	char *names[] = {"beta", "beta", "alpha", "beta", "alpha"};
	const struct cfg_product **out = NULL;
	struct setup s;
	size_t n = 99;

	(void)state;
	sel_setup(&s);
	fault_clear();
	assert_int_equal(gate_select(&s, NULL, names, ARRAY_LEN(names), &out, &n), 0);
	assert_int_equal(n, 2);
	assert_ptr_equal(out[0], &sel_products[1]);
	assert_ptr_equal(out[1], &sel_products[0]);
	assert_int_equal(fault_last(), FAULT_NONE);
	free(out);
}

static void select_all_in_order(void **state)
{
	const struct cfg_product **out = NULL;
	struct setup s;
	size_t n = 99, i;

	(void)state;
	sel_setup(&s);
	assert_int_equal(gate_select(&s, NULL, NULL, 0, &out, &n), 0);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++)
		assert_ptr_equal(out[i], &sel_products[i]);
	free(out);
}

/* The products the analysis reached, in its order, and only those. */
static void select_from_analysis(void **state)
{
	struct impact_product ip[3];
	int32_t via[3] = {-1, -2, 4};
	const struct cfg_product **out = NULL;
	struct impact im;
	struct setup s;
	char *names[] = {"beta"};
	size_t n = 99, i;

	(void)state;
	sel_setup(&s);
	memset(&im, 0, sizeof(im));
	memset(ip, 0, sizeof(ip));
	for (i = 0; i < 3; i++) {
		ip[i].name = sel_products[i].name;
		ip[i].cfg = &sel_products[i];
		ip[i].node = (uint32_t)i;
	}
	im.setup = &s;
	im.head.products = ip;
	im.head.nproducts = 3;
	im.walk.via = via;
	/* the analysis decides: the names are not looked at */
	assert_int_equal(gate_select(&s, &im, names, 1, &out, &n), 0);
	assert_int_equal(n, 2);
	assert_ptr_equal(out[0], &sel_products[0]);
	assert_ptr_equal(out[1], &sel_products[2]);
	free(out);

	/* nothing reached: nothing to gate, and no error */
	via[0] = via[2] = -2;
	assert_int_equal(gate_select(&s, &im, NULL, 0, &out, &n), 0);
	assert_int_equal(n, 0);
	free(out);
}

static void select_needs_relgate_json(void **state)
{
	static const struct cfg_product *not_yet[1];
	char *names[] = {"alpha"};
	const struct cfg_product **out = not_yet;   /* to see it set to NULL */
	struct setup s;
	size_t n = 99;

	(void)state;
	sel_setup(&s);
	s.cfg.path = NULL;
	quiet();
	fault_clear();
	assert_int_equal(gate_select(&s, NULL, NULL, 0, &out, &n), -1);
	loud();
	assert_int_equal(fault_last(), FAULT_INPUT);
	assert_null(out);
	assert_int_equal(n, 0);
	assert_non_null(strstr(messages.data, "relgate.json"));

	quiet();
	fault_clear();
	assert_int_equal(gate_select(&s, NULL, names, 1, &out, &n), -1);
	loud();
	assert_int_equal(fault_last(), FAULT_INPUT);
	assert_null(out);

	/* a relgate.json without "products" will not do either */
	sel_setup(&s);
	s.cfg.products_given = false;
	quiet();
	fault_clear();
	assert_int_equal(gate_select(&s, NULL, NULL, 0, &out, &n), -1);
	loud();
	assert_int_equal(fault_last(), FAULT_INPUT);
	assert_null(out);
	assert_int_equal(n, 0);
}

/* ---- the gate ---- */

struct run {
	char *dir, *logs;
	struct supervisor *sv;
	struct gate g;
	int starts, ends, ticks;
	size_t max_running;
	char order[64];           /* first letters of products, as their first step starts */
	size_t norder;
	double ms;
};

static void on_progress(struct gate *g, struct gate_product *gp, struct gate_step *st, bool done)
{
	struct run *r = g->data;
	size_t i, running = 0;

	assert_true(gp >= g->products && gp < g->products + g->n);
	assert_true(st >= gp->steps && st < gp->steps + gp->n);
	assert_true(gp->started);
	assert_false(gp->finished);
	assert_true(st->started);
	assert_false(st->skipped);
	assert_non_null(st->log);
	for (i = 0; i < g->n; i++)
		running += g->products[i].started && !g->products[i].finished;
	if (running > r->max_running)
		r->max_running = running;
	if (done) {
		r->ends++;
	} else {
		r->starts++;
		assert_false(st->finished);
		if (st == gp->steps && st->attempts == 1 && r->norder < sizeof(r->order) - 1)
			r->order[r->norder++] = gp->p->name[0];
	}
}

static void on_tick(struct gate *g)
{
	((struct run *)g->data)->ticks++;
}

static void run_begin(struct run *r, int jobs)
{
	memset(r, 0, sizeof(*r));
	r->dir = scratch_dir();
	r->logs = xasprintf("%s/logs", r->dir);
	r->sv = supervisor_new(NULL);
	assert_non_null(r->sv);
	r->g.jobs = jobs;
	r->g.grace_ms = 500;
	r->g.root = r->dir;
	r->g.log_dir = r->logs;
	r->g.self = "/bin/false";
	r->g.sv = r->sv;
	r->g.progress = on_progress;
	r->g.tick = on_tick;
	r->g.data = r;
}

/* gate_init and gate_run on products, timed. */
static void run_products(struct run *r, struct cfg_product *p, size_t n)
{
	const struct cfg_product **v = xcalloc(n + 1, sizeof(*v));
	double t0;
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = &p[i];
	assert_int_equal(gate_init(&r->g, v, n), 0);
	free(v);
	t0 = mono_ms();
	gate_run(&r->g);
	r->ms = mono_ms() - t0;
	assert_int_equal(r->g.stop_signal, 0);
	for (i = 0; i < r->g.n; i++)
		assert_true(r->g.products[i].finished);
}

static void run_end(struct run *r)
{
	gate_release(&r->g);
	supervisor_free(r->sv);
	free(r->logs);
	remove_dir(r->dir);
}

static struct gate_step *step_of(struct run *r, size_t product, size_t step)
{
	assert_true(product < r->g.n);
	assert_true(step < r->g.products[product].n);
	return &r->g.products[product].steps[step];
}

static char *message_of(const struct gate_step *st)
{
	struct buf b = BUF_INIT;

	gate_step_message(st, &b);
	return buf_detach(&b, NULL);
}

static void assert_passed_once(const struct gate_step *st)
{
	if (st->res.outcome != SV_PASSED)
		fail_msg("step \"%s\": %s (exit code %d), expected a pass", st->name,
			 sv_outcome_name(st->res.outcome), st->res.exit_code);
	assert_int_equal(st->attempts, 1);
	assert_null(st->failed);
	assert_true(st->started);
	assert_true(st->finished);
	assert_false(st->skipped);
	assert_null(st->skip_reason);
}

static void gate_everything_passes(void **state)
{
	struct cfg_check ok_checks[] = {
		run_check("unit", "test -f built.flag && echo checked"),
		run_check("lint", "echo linted"),
	};
	struct cfg_check only_checks[] = {run_check("smoke", "true")};
	struct cfg_product p[] = {
		product("ok", "echo building; echo x > built.flag", ok_checks, 2),
		product("checks-only", NULL, only_checks, 1),
		product("nothing", NULL, NULL, 0),
	};
	struct run r;
	char *log;

	(void)state;
	run_begin(&r, 2);
	run_products(&r, p, ARRAY_LEN(p));
	assert_true(gate_passed(&r.g));
	assert_int_equal(r.g.n, 3);
	assert_int_equal(r.g.products[0].n, 3);
	assert_string_equal(step_of(&r, 0, 0)->name, "build");
	assert_int_equal(step_of(&r, 0, 0)->kind, GATE_BUILD);
	assert_string_equal(step_of(&r, 0, 1)->name, "unit");
	assert_int_equal(step_of(&r, 0, 1)->kind, GATE_RUN);
	assert_passed_once(step_of(&r, 0, 0));
	assert_passed_once(step_of(&r, 0, 1));
	assert_passed_once(step_of(&r, 0, 2));
	assert_passed_once(step_of(&r, 1, 0));
	assert_int_equal(r.g.products[2].n, 0);
	for (size_t i = 0; i < 3; i++) {
		assert_true(r.g.products[i].started);
		assert_true(r.g.products[i].passed);
		assert_true(r.g.products[i].ms >= 0);
	}
	/* the steps ran in the workspace root, with their output in the logs */
	assert_true(exists_in(r.dir, "built.flag"));
	assert_true(ends_with_str(step_of(&r, 0, 0)->log, "/ok/build.log"));
	log = slurp(step_of(&r, 0, 0)->log);
	assert_non_null(strstr(log, "building"));
	free(log);
	log = slurp(step_of(&r, 0, 1)->log);
	assert_non_null(strstr(log, "checked"));
	free(log);
	assert_true(exists_in(r.logs, "checks-only/smoke.log"));
	/* every start has its end */
	assert_int_equal(r.starts, 4);
	assert_int_equal(r.ends, 4);
	assert_true(r.ms < 30000);
	run_end(&r);
}

static void gate_failed_build_skips_checks(void **state)
{
	struct cfg_check broken_checks[] = {
		run_check("c1", "touch c1.ran"),
		run_check("c2", "touch c2.ran"),
	};
	struct cfg_check later_checks[] = {
		run_check("first", "echo nope; exit 1"),
		run_check("second", "touch second.ran"),
	};
	struct cfg_product p[] = {
		product("broken", "echo compiling; echo 'error: it broke' >&2; exit 3", broken_checks, 2),
		product("check-fails", "true", later_checks, 2),
		product("fine", "true", NULL, 0),
	};
	struct gate_step *build, *c1, *c2, *second;
	struct run r;
	char *msg;

	(void)state;
	run_begin(&r, 3);
	run_products(&r, p, ARRAY_LEN(p));
	assert_false(gate_passed(&r.g));
	assert_false(r.g.products[0].passed);
	assert_false(r.g.products[1].passed);
	assert_true(r.g.products[2].passed);

	build = step_of(&r, 0, 0);
	assert_int_equal(build->res.outcome, SV_FAILED);
	assert_int_equal(build->res.exit_code, 3);
	assert_int_equal(build->attempts, 1);
	assert_true(build->finished);
	assert_false(build->skipped);
	c1 = step_of(&r, 0, 1);
	c2 = step_of(&r, 0, 2);
	assert_true(c1->skipped && c1->finished && !c1->started);
	assert_true(c2->skipped && c2->finished && !c2->started);
	assert_int_equal(c1->attempts, 0);
	assert_non_null(c1->skip_reason);
	assert_string_equal(c1->skip_reason, "build failed");
	assert_string_equal(c2->skip_reason, "build failed");
	assert_false(exists_in(r.dir, "c1.ran"));
	assert_false(exists_in(r.dir, "c2.ran"));

	/* stdout and stderr both reach the message, after what happened */
	msg = message_of(build);
	if (!starts_with(msg, "exit code 3") || !strstr(msg, "compiling") ||
	    !strstr(msg, "error: it broke"))
		fail_msg("the build's message: \"%s\"", msg);
	free(msg);
	msg = message_of(c1);
	assert_string_equal(msg, "skipped: build failed");
	free(msg);

	/* a failed check skips the checks after it */
	assert_passed_once(step_of(&r, 1, 0));
	assert_int_equal(step_of(&r, 1, 1)->res.outcome, SV_FAILED);
	second = step_of(&r, 1, 2);
	assert_true(second->skipped);
	assert_string_equal(second->skip_reason, "first failed");
	assert_false(exists_in(r.dir, "second.ran"));

	assert_int_equal(r.starts, 1 + 2 + 1);
	assert_int_equal(r.ends, r.starts);
	run_end(&r);
}

static void gate_timeouts(void **state)
{
	struct cfg_check after[] = {run_check("after", "touch after.ran")};
	struct cfg_product p[] = {
		product("slow", "sleep 30", after, 1),
		product("quiet", "echo start; sleep 30", NULL, 0),
	};
	struct gate_step *slow, *quiet_step;
	struct run r;
	char *msg;

	(void)state;
	p[0].build.timeout_ms = 200;
	p[0].build.retries = 1;
	p[1].build.idle_timeout_ms = 300;
	run_begin(&r, 2);
	run_products(&r, p, ARRAY_LEN(p));
	assert_false(gate_passed(&r.g));

	slow = step_of(&r, 0, 0);
	assert_int_equal(slow->res.outcome, SV_TIMEOUT);
	/* a timeout is retried like any failure */
	assert_int_equal(slow->attempts, 2);
	assert_non_null(slow->failed);
	assert_int_equal(slow->failed[0].res.outcome, SV_TIMEOUT);
	assert_true(step_of(&r, 0, 1)->skipped);
	assert_string_equal(step_of(&r, 0, 1)->skip_reason, "build timed out");
	assert_false(exists_in(r.dir, "after.ran"));
	msg = message_of(slow);
	assert_true(starts_with(msg, "timed out after 200ms"));
	free(msg);

	quiet_step = step_of(&r, 1, 0);
	assert_int_equal(quiet_step->res.outcome, SV_IDLE);
	msg = message_of(quiet_step);
	if (!starts_with(msg, "no output for 300ms") || !strstr(msg, "start"))
		fail_msg("the stalled build's message: \"%s\"", msg);
	free(msg);

	/* two attempts of 200 ms, not 30 s */
	assert_true(r.ms >= 350);
	assert_true(r.ms < 20000);
	assert_true(r.ticks >= 1);
	run_end(&r);
}

#define COUNTER(file, passes_at) \
	"n=$(cat " file " 2>/dev/null || echo 0); n=$((n + 1)); echo $n > " file "; " \
	"echo attempt $n; [ $n -ge " #passes_at " ]"

static void gate_retries(void **state)
{
	struct cfg_check flaky_checks[] = {run_check("flip", COUNTER("flip.count", 2))};
	struct cfg_check hopeless_checks[] = {run_check("never", "echo try; exit 4")};
	struct cfg_check once_checks[] = {run_check("once", "exit 5")};
	struct cfg_check after_build[] = {run_check("after", "touch after-build.ran")};
	struct cfg_product p[] = {
		product("flaky", "true", flaky_checks, 1),
		product("hopeless", NULL, hopeless_checks, 1),
		product("once", NULL, once_checks, 1),
		product("build-flaky", COUNTER("build.count", 2), after_build, 1),
	};
	struct gate_step *st;
	struct run r;
	char *log;

	(void)state;
	flaky_checks[0].step.retries = 2;
	hopeless_checks[0].step.retries = 2;
	p[3].build.retries = 1;
	run_begin(&r, 4);
	run_products(&r, p, ARRAY_LEN(p));

	/* failed, then passed: flaky, one failed attempt kept */
	st = step_of(&r, 0, 1);
	assert_string_equal(st->name, "flip");
	assert_int_equal(st->res.outcome, SV_PASSED);
	assert_int_equal(st->attempts, 2);
	assert_int_equal(st->retries, 2);
	assert_non_null(st->failed);
	assert_int_equal(st->failed[0].res.outcome, SV_FAILED);
	assert_int_equal(st->failed[0].res.exit_code, 1);
	assert_true(ends_with_str(st->failed[0].log, "/flaky/flip.log"));
	assert_true(ends_with_str(st->log, "/flaky/flip.2.log"));
	log = slurp(st->failed[0].log);
	assert_non_null(strstr(log, "attempt 1"));
	free(log);
	log = slurp(st->log);
	assert_non_null(strstr(log, "attempt 2"));
	free(log);
	assert_true(r.g.products[0].passed);

	/* failed every time: all three attempts, two kept as failed */
	st = step_of(&r, 1, 0);
	assert_int_equal(st->res.outcome, SV_FAILED);
	assert_int_equal(st->res.exit_code, 4);
	assert_int_equal(st->attempts, 3);
	assert_int_equal(st->failed[0].res.outcome, SV_FAILED);
	assert_int_equal(st->failed[1].res.outcome, SV_FAILED);
	assert_true(ends_with_str(st->failed[0].log, "/hopeless/never.log"));
	assert_true(ends_with_str(st->failed[1].log, "/hopeless/never.2.log"));
	assert_true(ends_with_str(st->log, "/hopeless/never.3.log"));
	assert_false(r.g.products[1].passed);

	/* no retries: one attempt */
	st = step_of(&r, 2, 0);
	assert_int_equal(st->res.outcome, SV_FAILED);
	assert_int_equal(st->attempts, 1);
	assert_null(st->failed);
	assert_false(r.g.products[2].passed);

	/* a build that passes on its retry lets the checks run */
	st = step_of(&r, 3, 0);
	assert_int_equal(st->res.outcome, SV_PASSED);
	assert_int_equal(st->attempts, 2);
	assert_int_equal(st->failed[0].res.outcome, SV_FAILED);
	assert_passed_once(step_of(&r, 3, 1));
	assert_true(exists_in(r.dir, "after-build.ran"));
	assert_true(r.g.products[3].passed);

	assert_false(gate_passed(&r.g));
	/* each attempt is a start and an end: 1 + 2, 3, 1, 2 + 1 */
	assert_int_equal(r.starts, 10);
	assert_int_equal(r.ends, 10);
	run_end(&r);
}

static void gate_message_last_lines(void **state)
{
	struct cfg_product p[] = {
		product("noisy", "for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15; do "
				 "echo line-$i; done; exit 3", NULL, 0),
		product("silent", "exit 7", NULL, 0),
		product("nul", "printf 'a\\000b\\n'; exit 2", NULL, 0),
		product("blank", "printf 'top\\n\\n\\nbottom\\n\\n'; exit 1", NULL, 0),
	};
	struct run r;
	char *msg;
	int i;

	(void)state;
	run_begin(&r, 2);
	run_products(&r, p, ARRAY_LEN(p));

	msg = message_of(step_of(&r, 0, 0));
	assert_true(starts_with(msg, "exit code 3\n"));
	for (i = 6; i <= 15; i++) {
		char line[16];

		snprintf(line, sizeof(line), "line-%02d", i);
		if (!strstr(msg, line))
			fail_msg("the message lacks \"%s\": \"%s\"", line, msg);
	}
	/* the last lines, not all of them */
	assert_null(strstr(msg, "line-05"));
	assert_null(strstr(msg, "line-01"));
	assert_true(ends_with(msg, "line-15"));
	free(msg);

	msg = message_of(step_of(&r, 1, 0));
	assert_string_equal(msg, "exit code 7");
	free(msg);

	/* a NUL in the output does not cut the message short */
	msg = message_of(step_of(&r, 2, 0));
	assert_string_equal(msg, "exit code 2\nab");
	free(msg);

	msg = message_of(step_of(&r, 3, 0));
	assert_true(starts_with(msg, "exit code 1\n"));
	assert_non_null(strstr(msg, "top"));
	assert_true(ends_with(msg, "bottom"));
	free(msg);
	run_end(&r);
}

static void jobs_case(int jobs)
{
	struct cfg_product p[] = {
		product("a-first", "sleep 0.3", NULL, 0),
		product("b-second", "sleep 0.3", NULL, 0),
		product("c-third", "sleep 0.3", NULL, 0),
	};
	struct run r;
	size_t i;

	run_begin(&r, jobs);
	run_products(&r, p, ARRAY_LEN(p));
	assert_true(gate_passed(&r.g));
	for (i = 0; i < 3; i++)
		assert_passed_once(step_of(&r, i, 0));
	/* never more at once than jobs, and as many as that when there is work */
	if (r.max_running != (size_t)jobs)
		fail_msg("jobs=%d: at most %zu products ran at once", jobs, r.max_running);
	/* started in the order given */
	r.order[r.norder] = '\0';
	assert_string_equal(r.order, "abc");
	if (jobs == 1)
		assert_true(r.ms >= 3 * 300 - 50);
	else
		assert_true(r.ms >= 2 * 300 - 50);
	assert_true(r.ms < 30000);
	assert_true(r.ticks >= 1);
	run_end(&r);
}

static void gate_one_job(void **state)
{
	(void)state;
	jobs_case(1);
}

static void gate_two_jobs(void **state)
{
	(void)state;
	jobs_case(2);
}

/* ---- gate_init ---- */

static void init_steps(void **state)
{
	struct cfg_check checks[] = {run_check("unit", "true"), run_check("boot-check", NULL)};
	struct cfg_product p[] = {product("web app", "make", checks, 2)};
	const struct cfg_product *v[] = {&p[0]};
	struct gate_step *st;
	struct gate g;
	char *dir = scratch_dir();
	char *logs = xasprintf("%s/logs", dir);
	char **argv;

	(void)state;
	checks[0].step.timeout_ms = 1500;
	checks[0].step.idle_timeout_ms = 700;
	checks[0].step.retries = 3;
	checks[1].is_boot = true;
	checks[1].boot.page = "index.html";
	checks[1].boot.ready = "#app";
	checks[1].boot.timeout_ms = 5000;
	p[0].artifact = "dist";
	memset(&g, 0, sizeof(g));
	g.root = dir;
	g.log_dir = logs;
	g.self = "/bin/false";
	g.grace_ms = 250;
	g.jobs = 1;
	assert_int_equal(gate_init(&g, v, 1), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.products[0].n, 3);
	/* the log folder is made, with a name usable as a folder */
	assert_true(exists_in(logs, "web_app"));

	st = &g.products[0].steps[0];
	assert_int_equal(st->kind, GATE_BUILD);
	assert_string_equal(st->spec.run, "make");
	assert_string_equal(st->spec.cwd, dir);
	assert_string_equal(st->spec.name, "build");
	assert_int_equal(st->spec.grace_ms, 250);
	/* a step without a timeout still gets one */
	assert_true(st->spec.timeout_ms > 0);
	assert_false(st->started || st->finished || st->skipped);

	st = &g.products[0].steps[1];
	assert_int_equal(st->kind, GATE_RUN);
	assert_int_equal(st->spec.timeout_ms, 1500);
	assert_int_equal(st->spec.idle_timeout_ms, 700);
	assert_int_equal(st->retries, 3);

	st = &g.products[0].steps[2];
	assert_int_equal(st->kind, GATE_BOOT);
	assert_null(st->spec.run);
	argv = st->argv;
	assert_non_null(argv);
	assert_ptr_equal(st->spec.argv, argv);
	/* relgate's own boot command, for this product and check */
	assert_string_equal(argv[0], "/bin/false");
	{
		bool boot_word = false, product_name = false, check_name = false;
		char **a;

		for (a = argv + 1; *a; a++) {
			boot_word |= !strcmp(*a, "boot");
			product_name |= !strcmp(*a, "web app");
			check_name |= !strcmp(*a, "boot-check");
		}
		assert_true(boot_word);
		assert_true(product_name);
		assert_true(check_name);
	}
	/* the browser's start-up on top of the check's own timeout */
	assert_true(st->spec.timeout_ms > 5000);
	gate_release(&g);
	assert_int_equal(g.n, 0);
	assert_null(g.products);
	free(logs);
	remove_dir(dir);
}

static void init_errors(void **state)
{
	struct cfg_check boot[] = {run_check("boot", NULL)};
	struct cfg_product p[] = {product("needs-artifact", NULL, boot, 1), product("ok", "true", NULL, 0)};
	const struct cfg_product *v[] = {&p[0], &p[1]};
	struct gate g;
	char *dir = scratch_dir();
	char *file = xasprintf("%s/a-file", dir);
	char *logs;

	(void)state;
	boot[0].is_boot = true;
	boot[0].boot.page = "index.html";
	boot[0].boot.timeout_ms = 1000;

	/* a boot check needs an artifact to serve */
	memset(&g, 0, sizeof(g));
	g.root = dir;
	logs = xasprintf("%s/logs", dir);
	g.log_dir = logs;
	g.self = "/bin/false";
	quiet();
	fault_clear();
	assert_int_equal(gate_init(&g, v, 2), -1);
	loud();
	assert_non_null(strstr(messages.data, "artifact"));
	/* relgate.json's mistake: a usage or configuration error */
	assert_int_equal(fault_last(), FAULT_INPUT);
	gate_release(&g);
	free(logs);

	/* a log folder that cannot be made */
	assert_int_equal(write_file_atomic(file, "x", 1), 0);
	memset(&g, 0, sizeof(g));
	g.root = dir;
	logs = xasprintf("%s/logs", file);
	g.log_dir = logs;
	g.self = "/bin/false";
	quiet();
	fault_clear();
	assert_int_equal(gate_init(&g, &v[1], 1), -1);
	loud();
	assert_int_equal(fault_last(), FAULT_ENV);
	assert_non_null(strstr(messages.data, "log folder"));
	gate_release(&g);
	free(logs);
	free(file);
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(select_unknown_names),
		cmocka_unit_test(select_duplicates_once),
		cmocka_unit_test(select_all_in_order),
		cmocka_unit_test(select_from_analysis),
		cmocka_unit_test(select_needs_relgate_json),
		cmocka_unit_test(init_steps),
		cmocka_unit_test(init_errors),
		cmocka_unit_test(gate_everything_passes),
		cmocka_unit_test(gate_failed_build_skips_checks),
		cmocka_unit_test(gate_timeouts),
		cmocka_unit_test(gate_retries),
		cmocka_unit_test(gate_message_last_lines),
		cmocka_unit_test(gate_one_job),
		cmocka_unit_test(gate_two_jobs),
	};
	int failed;

	failed = cmocka_run_group_tests(tests, NULL, NULL);
	buf_release(&messages);
	return failed;
}
