/*
 * gate: products as small state machines over the supervisor's steps.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/file.h"
#include "lib/diag.h"
#include "gate/gate.h"

/* A browser needs time to start beyond the boot check's own timeout. */
#define BOOT_SLACK_MS 60000
/* A step without a timeout still ends: the gate must end on time, every time. */
#define DEFAULT_STEP_TIMEOUT_MS (30 * 60 * 1000)

/* A name usable as one path component. */
static char *file_name(const char *s)
{
	char *p = xstrdup(s), *q;

	for (q = p; *q; q++)
		if (*q == '/' || *q == '\\' || (unsigned char)*q < 0x20 || *q == ' ')
			*q = '_';
	if (p[0] == '.')
		p[0] = '_';
	return p;
}

static void set_log(struct gate *g, struct gate_product *gp, struct gate_step *st)
{
	char *product = file_name(gp->p->name), *step = file_name(st->name);

	free(st->log);
	if (st->attempts > 1)
		st->log = xasprintf("%s/%s/%s.%d.log", g->log_dir, product, step, st->attempts);
	else
		st->log = xasprintf("%s/%s/%s.log", g->log_dir, product, step);
	st->spec.log_path = st->log;
	free(product);
	free(step);
}

/*
 * A boot check runs as `relgate boot PRODUCT --check NAME` under the
 * supervisor, so that the browser's whole tree is a step of its own; the
 * boot command reads the check's settings from relgate.json (boot_opts_of).
 */
static void boot_argv(struct gate *g, const struct cfg_product *p, const struct cfg_check *c,
		      struct gate_step *st)
{
	char **v = xcalloc(16, sizeof(*v));
	size_t n = 0;

	v[n++] = xstrdup(g->self);
	v[n++] = xstrdup("--color=never");
	if (g->config) {
		v[n++] = xstrdup("--config");
		v[n++] = xstrdup(g->config);
	}
	v[n++] = xstrdup("boot");
	v[n++] = xstrdup(p->name);
	v[n++] = xstrdup("--check");
	v[n++] = xstrdup(c->name);
	st->argv = v;
	st->spec.argv = v;
	st->spec.timeout_ms = c->boot.timeout_ms + BOOT_SLACK_MS;
}

int gate_init(struct gate *g, const struct cfg_product **products, size_t n)
{
	size_t i, k;
	bool env_error = false, input_error = false;

	g->products = xcalloc(n + 1, sizeof(*g->products));
	g->n = n;
	for (i = 0; i < n; i++) {
		struct gate_product *gp = &g->products[i];
		const struct cfg_product *p = products[i];
		char *dir = file_name(p->name), *path = xasprintf("%s/%s", g->log_dir, dir);

		if (make_dirs(path) < 0)
			env_error = error("cannot make the log folder %s:", path) < 0;
		free(dir);
		free(path);
		gp->p = p;
		gp->steps = xcalloc(p->nchecks + 2, sizeof(*gp->steps));
		if (p->has_build) {
			struct gate_step *st = &gp->steps[gp->n++];

			st->name = "build";
			st->kind = GATE_BUILD;
			st->spec = (struct sv_step)SV_STEP_INIT;
			st->spec.run = p->build.run;
			st->spec.timeout_ms = p->build.timeout_ms;
			st->spec.idle_timeout_ms = p->build.idle_timeout_ms;
			st->retries = p->build.retries;
		}
		for (k = 0; k < p->nchecks; k++) {
			const struct cfg_check *c = &p->checks[k];
			struct gate_step *st = &gp->steps[gp->n++];

			st->name = c->name;
			st->spec = (struct sv_step)SV_STEP_INIT;
			if (c->is_boot) {
				st->kind = GATE_BOOT;
				if (!p->artifact)
					input_error = error("product \"%s\": the boot check \"%s\" "
							    "needs \"artifact\", the folder to serve",
							    p->name, c->name) < 0;
				else
					boot_argv(g, p, c, st);
			} else {
				st->kind = GATE_RUN;
				st->spec.run = c->step.run;
				st->spec.timeout_ms = c->step.timeout_ms;
				st->spec.idle_timeout_ms = c->step.idle_timeout_ms;
				st->retries = c->step.retries;
			}
		}
		for (k = 0; k < gp->n; k++) {
			struct gate_step *st = &gp->steps[k];

			st->spec.name = st->name;
			st->spec.cwd = g->root;
			st->spec.grace_ms = g->grace_ms;
			st->spec.tail_max = 16384;
			if (!st->spec.timeout_ms)
				st->spec.timeout_ms = DEFAULT_STEP_TIMEOUT_MS;
		}
	}
	/* every error is reported; the kind is the user's input's when that was wrong */
	return input_error ? fault(FAULT_INPUT) : env_error ? fault(FAULT_ENV) : 0;
}

static void start_step(struct gate *g, struct gate_product *gp)
{
	struct gate_step *st = &gp->steps[gp->next];

	st->attempts++;
	st->started = true;
	st->start_ms = now_ms();
	set_log(g, gp, st);
	if (g->progress)
		g->progress(g, gp, st, false);
	/* a step that cannot start comes back from sv_wait like any other */
	sv_start(g->sv, &st->spec, &st->res, st);
}

static void skip_rest(struct gate_product *gp, size_t from, const char *why)
{
	size_t k;

	for (k = from; k < gp->n; k++) {
		gp->steps[k].skipped = true;
		gp->steps[k].finished = true;
		gp->steps[k].skip_reason = xstrdup(why);
	}
}

static void product_done(struct gate_product *gp, bool passed)
{
	gp->finished = true;
	gp->passed = passed;
	gp->ms = now_ms() - gp->start_ms;
}

static struct gate_product *owner(struct gate *g, const struct gate_step *st)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (st >= g->products[i].steps && st < g->products[i].steps + g->products[i].n)
			return &g->products[i];
	BUG("a step of no product");
}

static void step_ended(struct gate *g, struct gate_step *st)
{
	struct gate_product *gp = owner(g, st);
	bool passed = st->res.outcome == SV_PASSED;

	if (g->progress)
		g->progress(g, gp, st, true);
	if (!passed && st->res.outcome != SV_INTERRUPTED && st->attempts <= st->retries) {
		struct gate_attempt *a;

		st->failed = xreallocarray(st->failed, (size_t)st->attempts, sizeof(*st->failed));
		a = &st->failed[st->attempts - 1];
		a->res = st->res;
		a->log = st->log;
		st->log = NULL;
		memset(&st->res, 0, sizeof(st->res));
		start_step(g, gp);
		return;
	}
	st->finished = true;
	if (!passed) {
		char *why = xasprintf("%s %s", st->name, sv_outcome_name(st->res.outcome));

		skip_rest(gp, gp->next + 1, why);
		free(why);
		product_done(gp, false);
		return;
	}
	if (++gp->next == gp->n) {
		product_done(gp, true);
		return;
	}
	start_step(g, gp);
}

void gate_run(struct gate *g)
{
	size_t running = 0, finished = 0, i;

	for (;;) {
		struct gate_step *st;

		running = 0;
		finished = 0;
		for (i = 0; i < g->n; i++) {
			running += g->products[i].started && !g->products[i].finished;
			finished += g->products[i].finished;
		}
		for (i = 0; i < g->n && running < (size_t)g->jobs; i++) {
			struct gate_product *gp = &g->products[i];

			if (gp->started)
				continue;
			gp->started = true;
			gp->start_ms = now_ms();
			if (!gp->n) {
				product_done(gp, true);
				finished++;
				continue;
			}
			start_step(g, gp);
			running++;
		}
		if (finished == g->n)
			return;
		st = sv_wait_for(g->sv, 100);
		if (st) {
			step_ended(g, st);
			continue;
		}
		if (sv_stop_signal(g->sv)) {
			g->stop_signal = sv_stop_signal(g->sv);
			/* every running step ends as interrupted; the rest never start */
			sv_stop_all(g->sv);
			for (i = 0; i < g->n; i++) {
				struct gate_product *gp = &g->products[i];
				size_t k;

				if (gp->finished)
					continue;
				for (k = 0; k < gp->n; k++) {
					struct gate_step *s = &gp->steps[k];

					if (s->started && !s->finished) {
						s->finished = true;
						s->res.outcome = SV_INTERRUPTED;
						if (g->progress)
							g->progress(g, gp, s, true);
					} else if (!s->started) {
						s->skipped = s->finished = true;
						s->skip_reason = xstrdup("interrupted");
					}
				}
				if (!gp->started) {
					gp->started = true;
					gp->start_ms = now_ms();  /* it never ran: no time of its own */
				}
				product_done(gp, false);
			}
			return;
		}
		if (g->tick)
			g->tick(g);
	}
}

bool gate_passed(const struct gate *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (!g->products[i].passed)
			return false;
	return !g->stop_signal;
}

bool gate_step_env_error(const struct gate_step *st)
{
	return st->kind == GATE_BOOT && st->finished && !st->skipped &&
	       st->res.outcome == SV_FAILED && st->res.exit_code == EXIT_ENV;
}

bool gate_env_failed(const struct gate *g)
{
	size_t i, k;

	for (i = 0; i < g->n; i++)
		for (k = 0; k < g->products[i].n; k++)
			if (gate_step_env_error(&g->products[i].steps[k]))
				return true;
	return false;
}

void gate_step_message(const struct gate_step *st, struct buf *out)
{
	const struct buf *t = &st->res.tail;
	const char *end, *p, *failed;
	int lines = 0;

	if (st->skipped || !t->data) {
		buf_addf(out, "skipped: %s", st->skip_reason ? st->skip_reason : "not run");
		return;
	}
	end = p = t->data + t->len;
	/* a boot check says what failed in a few lines: those, not its exit code */
	if (st->kind == GATE_BOOT && st->res.outcome == SV_FAILED &&
	    (failed = strstr(t->data, ": boot failed: "))) {
		const char *stack = strstr(failed, "\n  stack:");
		const char *stop = stack ? stack : end;

		failed += strlen(": boot failed: ");
		buf_add(out, failed, (size_t)(stop - failed));
		while (out->len && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == ' '))
			out->data[--out->len] = '\0';
		return;
	}
	sv_describe(&st->spec, &st->res, out);
	/* the last few lines of output say more than any exit code */
	while (p > t->data && lines < 10) {
		p--;
		if (*p == '\n' && p + 1 < end && p[1] != '\n')
			lines++;
	}
	while (p < end && (*p == '\n' || *p == '\r'))
		p++;
	if (p < end) {
		buf_adds(out, "\n");
		/* the message is a string: a NUL in the output would end it early */
		for (; p < end; p++)
			if (*p)
				buf_addc(out, *p);
		while (out->len && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == ' '))
			out->data[--out->len] = '\0';
	}
}

void gate_release(struct gate *g)
{
	size_t i, k;
	int a;

	for (i = 0; i < g->n; i++) {
		struct gate_product *gp = &g->products[i];

		for (k = 0; k < gp->n; k++) {
			struct gate_step *st = &gp->steps[k];

			for (a = 0; st->failed && a < st->attempts - 1; a++) {
				sv_result_release(&st->failed[a].res);
				free(st->failed[a].log);
			}
			free(st->failed);
			sv_result_release(&st->res);
			free(st->log);
			free(st->skip_reason);
			for (char **v = st->argv; v && *v; v++)
				free(*v);
			free(st->argv);
		}
		free(gp->steps);
	}
	free(g->products);
	g->products = NULL;
	g->n = 0;
}

int gate_select(const struct setup *s, const struct impact *im, char **names, size_t nnames,
		const struct cfg_product ***out, size_t *n)
{
	const struct config *cfg = &s->cfg;
	const struct cfg_product **v;
	size_t i, k;
	int ret = 0;

	*out = NULL;
	*n = 0;
	if (!cfg->path || !cfg->products_given)
		return error_as(FAULT_INPUT, "relgate test needs relgate.json with \"products\" (%s)",
				s->root);
	v = xcalloc(cfg->nproducts + 1, sizeof(*v));
	if (im) {
		for (i = 0; i < im->head.nproducts; i++)
			if (walk_reached(&im->walk, im->head.products[i].node))
				v[(*n)++] = im->head.products[i].cfg;
	} else if (nnames) {
		for (k = 0; k < nnames; k++) {
			const struct cfg_product *p = config_product(cfg, names[k]);

			if (!p)
				ret = error_as(FAULT_INPUT, "relgate test: no product is named \"%s\" in %s",
					       names[k], cfg->path);
			for (i = 0; p && i < *n && v[i] != p; i++)
				;
			if (p && i == *n)
				v[(*n)++] = p;
		}
	} else {
		for (i = 0; i < cfg->nproducts; i++)
			v[(*n)++] = &cfg->products[i];
	}
	*out = v;
	return ret;
}
