/*
 * relgate test: build and check products under the supervisor, with a live
 * display on a terminal (plain lines elsewhere), a summary table, and JUnit
 * and JSON reports that are written even when relgate is interrupted.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/file.h"
#include "lib/diag.h"
#include "gate/gate.h"
#include "analyze/impact.h"
#include "gate/report.h"
#include "lib/loop.h"
#include "lib/term.h"
#include "notify/notice.h"
#include "notify/outbox.h"
#include "release/store.h"

static const char usage[] =
	"usage: relgate test [PRODUCT...] [--affected (--base REF [--head REF] | --uncommitted |\n"
	"                    --files PATH...)] [-j N] [--junit FILE] [--json FILE]\n"
	"                    [--grace DURATION] [--logs DIR] [--notify]\n"
	"\n"
	"Builds each product and runs its checks (relgate.json), under a supervisor\n"
	"that ends every step on time and leaves no process behind.\n"
	"  PRODUCT...        these products (default: all, or --affected)\n"
	"  --affected        the products the change reaches (options of relgate affected)\n"
	"  -j N              products in parallel (default: the number of cores)\n"
	"  --junit FILE      JUnit XML: a testsuite per product, a testcase per step\n"
	"  --json FILE       the results as JSON\n"
	"  --grace DURATION  between SIGTERM and SIGKILL on a timeout (default 5s)\n"
	"  --logs DIR        where each step's output goes (default .relgate/logs/<run>)\n"
	"  --notify          tell each failed product's owners (relgate.json), within\n"
	"                    notify.timeout; what could not be sent stays queued\n"
	"\n"
	"exit codes: 0 every product passed, 1 a step failed, 2 usage or configuration\n"
	"            error, 3 environment error, 130 interrupted (SIGINT, SIGTERM)\n";

struct display {
	bool live;
	int drawn;        /* lines of the live block on screen */
	size_t done, total;
	double start;
};

static void clear_live(struct display *d)
{
	if (!d->live || !d->drawn)
		return;
	printf("\033[%dA\033[J", d->drawn);
	d->drawn = 0;
}

static void draw_live(struct gate *g)
{
	static const char spin[] = "|/-\\";
	struct display *d = g->data;
	double now = now_ms();
	size_t i, k;

	if (!d->live)
		return;
	clear_live(d);
	for (i = 0; i < g->n; i++) {
		const struct gate_product *gp = &g->products[i];

		if (!gp->started || gp->finished)
			continue;
		for (k = 0; k < gp->n; k++) {
			const struct gate_step *st = &gp->steps[k];

			if (!st->started || st->finished)
				continue;
			printf("  %s%c%s %s: %s%s %s%.1fs%s\n", term_yellow(),
			       spin[(int)(now / 120) % 4], term_reset(), term_safe(gp->p->name),
			       term_safe(st->name),
			       st->attempts > 1 ? " (retry)" : "", term_dim(),
			       (now - st->start_ms) / 1e3, term_reset());
			d->drawn++;
		}
	}
	printf("  %s%zu of %zu steps done, %.1fs%s\n", term_dim(), d->done, d->total,
	       (now - d->start) / 1e3, term_reset());
	d->drawn++;
	fflush(stdout);
}

/* A path as the user would type it: relative to the current folder when inside it. */
static const char *shown_path(const char *path)
{
	static char cwd[PATH_MAX];
	size_t n;

	if (!cwd[0] && !getcwd(cwd, sizeof(cwd)))
		return path;
	n = strlen(cwd);
	return !strncmp(path, cwd, n) && path[n] == '/' ? path + n + 1 : path;
}

static void on_progress(struct gate *g, struct gate_product *gp, struct gate_step *st, bool done)
{
	struct display *d = g->data;
	struct buf msg = BUF_INIT;
	bool ok = st->res.outcome == SV_PASSED;

	clear_live(d);
	if (!done) {
		if (!d->live)
			printf("%s: %s started%s\n", term_safe(gp->p->name), term_safe(st->name),
			       st->attempts > 1 ? " again (retry)" : "");
	} else {
		d->done++;
		gate_step_message(st, &msg);
		printf("%s: %s %s%s%s %s(%.1fs)%s", term_safe(gp->p->name), term_safe(st->name),
		       ok ? term_green() : term_red(), ok ? "passed" : sv_outcome_name(st->res.outcome),
		       term_reset(), term_dim(), st->res.ms / 1e3, term_reset());
		if (!ok) {
			/* indent what the step said, so it reads as part of this line */
			char *p = msg.data, *nl;

			printf(": %.*s\n", (int)strcspn(p, "\n"), p);
			while ((nl = strchr(p, '\n'))) {
				p = nl + 1;
				printf("    %.*s\n", (int)strcspn(p, "\n"), p);
			}
			printf("    %slog: %s%s\n", term_dim(), st->log ? shown_path(st->log) : "-",
			       term_reset());
		} else {
			printf("\n");
		}
	}
	buf_release(&msg);
	fflush(stdout);
	draw_live(g);
}

static void on_tick(struct gate *g)
{
	draw_live(g);
}

static void print_summary(const struct gate *g)
{
	size_t i, k, w = 7, failed = 0;

	for (i = 0; i < g->n; i++)
		if (strlen(g->products[i].p->name) > w)
			w = strlen(g->products[i].p->name);
	printf("\n%s%-*s  %-12s %-12s %8s%s\n", term_bold(), (int)w, "product", "step", "result",
	       "time", term_reset());
	for (i = 0; i < g->n; i++) {
		const struct gate_product *gp = &g->products[i];

		failed += !gp->passed;
		if (!gp->n)
			printf("%-*s  %-12s %-12s %8s\n", (int)w, term_safe(gp->p->name), "-",
			       "nothing to run",
			       "");
		for (k = 0; k < gp->n; k++) {
			const struct gate_step *st = &gp->steps[k];
			const char *word = st->skipped ? "skipped" : sv_outcome_name(st->res.outcome);
			const char *color = st->skipped ? term_dim() :
					    st->res.outcome == SV_PASSED ? term_green() : term_red();
			char result[32];

			snprintf(result, sizeof(result), "%s%s", word,
				 st->attempts > 1 && st->res.outcome == SV_PASSED ? " (flaky)" : "");
			printf("%-*s  %-12s %s%-12s%s %7.1fs\n", (int)w, k ? "" : term_safe(gp->p->name),
			       term_safe(st->name), color, result, term_reset(), st->skipped ? 0.0 : st->res.ms / 1e3);
		}
	}
	if (g->stop_signal)
		printf("\n%sinterrupted by %s%s: every step was stopped, the reports are written\n",
		       term_red(), strsignal(g->stop_signal), term_reset());
	else if (failed)
		printf("\n%s%zu of %zu products failed%s\n", term_red(), failed, g->n, term_reset());
	else
		printf("\n%sall %zu products passed%s\n", term_green(), g->n, term_reset());
}

/*
 * Each finished product's verdict, bound to the digest of its artifact as
 * built and checked: into the reports, and into the store's history, where
 * relgate release looks for it.  A store that cannot be opened (a CI runner
 * that has none writable) leaves the reports to carry the verdict.
 */
static void bind_artifacts(struct gate *g, const struct setup *s)
{
	struct store st;
	bool opened = false;
	char commit[48];
	size_t i;

	for (i = 0; i < g->n; i++) {
		struct gate_product *gp = &g->products[i];
		struct artifact a;
		char *dir;

		if (!gp->finished || g->stop_signal || !gp->p->artifact)
			continue;
		dir = path_join(s->root, gp->p->artifact);
		fault_clear();
		if (artifact_scan(dir, &a) == 0) {
			artifact_hex(a.digest, gp->digest);
			artifact_release(&a);
		} else {
			warn("%s: no digest of its artifact: relgate release will not find this run",
			     term_safe(gp->p->name));
		}
		free(dir);
		if (!*gp->digest)
			continue;
		if (!opened) {
			if (open_store(s, &st) < 0) {
				warn("the verdicts are in the reports only (--json) for relgate release "
				     "--gate-report");
				fault_clear();
				return;
			}
			workspace_commit(s->root, commit, NULL);
			opened = true;
		}
		if (history_record_gate_run(st.h, gp->p->name, gp->digest,
					    gp->passed ? "passed" : "failed", *commit ? commit : NULL,
					    &st.who) < 0)
			fault_clear();
	}
	if (opened)
		store_close(&st);
}

/*
 * --notify: each product the gate stopped, to its owners: which step, what
 * it said, and that its artifact will not be released.  Returns the signal
 * that cut the sending short, or 0.
 */
static int notify_failures(const struct gate *g, const struct setup *s)
{
	struct outbox_report rep = {0};
	struct flush_opts fo = {0};
	struct buf msg = BUF_INIT;
	struct store st;
	bool opened = false;
	char branch[256], commit[48];
	char *scope = NULL;
	size_t i, k;
	int stopped;

	if (g->stop_signal)
		return 0;
	for (i = 0; i < g->n; i++) {
		const struct gate_product *gp = &g->products[i];
		const struct gate_step *bad = NULL;
		struct strlist owners;
		struct notice_section *sec;
		struct notice n;

		if (!gp->finished || gp->passed)
			continue;
		product_channels(s, gp->p->name, &owners);
		if (!owners.n)
			continue;
		/* the store and the git facts only once something failed: most runs pass */
		if (!opened) {
			if (open_store(s, &st) < 0) {
				warn("the gate's failures are not notified: no store for the outbox");
				fault_clear();
				break;
			}
			opened = true;
			workspace_branch(s->root, branch, sizeof(branch));
			workspace_commit(s->root, commit, NULL);
			scope = outbox_change_scope(branch);
		}
		for (k = 0; k < gp->n && !bad; k++)
			if (!gp->steps[k].skipped && gp->steps[k].res.outcome != SV_PASSED)
				bad = &gp->steps[k];
		notice_init(&n, "gate", gp->p->name, "relgate: %s failed the gate%s%s%s", gp->p->name,
			    bad ? " (" : "", bad ? bad->name : "", bad ? ")" : "");
		sec = notice_section(&n, "%s", gp->p->name);
		for (k = 0; k < gp->n; k++) {
			const struct gate_step *step = &gp->steps[k];

			const char *p;

			buf_reset(&msg);
			if (step->skipped || step->res.outcome != SV_PASSED)
				gate_step_message(step, &msg);
			/* what happened on the step's line; its last output below, quoted */
			p = msg.data;
			notice_line(sec, "%s: %s%s%.*s", step->name,
				    step->skipped ? "skipped" : sv_outcome_name(step->res.outcome),
				    msg.len ? ": " : "", (int)strcspn(p, "\n"), p);
			for (p += strcspn(p, "\n"); *p; p += strcspn(p, "\n")) {
				p++;
				if (*p && *p != '\n')
					notice_line(sec, "> %.*s", (int)strcspn(p, "\n"), p);
			}
		}
		if (*commit)
			notice_line(sec, "commit: %.12s", commit);
		if (*gp->digest)
			notice_line(sec, "artifact: %s: relgate release refuses it", gp->digest);
		if (scope)
			n.thread = xasprintf("gate %s %s", scope, gp->p->name);
		if (outbox_queue(st.h, &s->cfg, &n, &owners, st.host, &rep) < 0) {
			warn("%s: its failure could not be queued: nobody was told", gp->p->name);
			fault_clear();
		}
		notice_release(&n);
	}
	/* every product's message queued first, then one flush: one bound for all of them */
	if (opened) {
		if (outbox_flush(st.h, &s->cfg, &fo, &rep) < 0)
			fault_clear();
		outbox_report_print(&rep);
		store_close(&st);
	}
	stopped = rep.stop_signal;
	outbox_report_release(&rep);
	free(scope);
	buf_release(&msg);
	return stopped;
}

int cmd_test(int argc, char **argv, struct setup *s)
{
	static const struct option longopts[] = {
		CHANGE_LONG_OPTIONS,
		{"affected", no_argument, NULL, 'a'},
		{"junit", required_argument, NULL, 'J'},
		{"json", required_argument, NULL, 'S'},
		{"grace", required_argument, NULL, 'g'},
		{"logs", required_argument, NULL, 'L'},
		{"jobs", required_argument, NULL, 'j'},
		{"notify", no_argument, NULL, 'N'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct impact_opts o = {0};
	const char *junit = NULL, *json = NULL, *logs = NULL;
	const struct cfg_product **products = NULL;
	int64_t grace = 5000;
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	bool affected = false, notify = false;
	struct display d = {0};
	struct gate g = {0};
	struct loop *loop = NULL;
	struct impact im;
	char self[PATH_MAX], *log_dir = NULL, *config_abs = NULL;
	const char *env;
	size_t n = 0, i;
	int c, files = 0, ret = 0;

	while ((c = getopt_long(argc, argv, "hj:", longopts, NULL)) != -1) {
		if (change_option(c, optarg, &o, &files))
			continue;
		switch (c) {
		case 'a': affected = true; break;
		case 'N': notify = true; break;
		case 'J': junit = optarg; break;
		case 'S': json = optarg; break;
		case 'L': logs = optarg; break;
		case 'g':
			if (parse_duration(optarg, &grace) < 0)
				die(EXIT_USAGE, "relgate test: --grace takes a duration like 5s, not "
				    "\"%s\"", optarg);
			break;
		case 'j':
			if (count_option("test", "-j", optarg, 1, 1024, &jobs) < 0)
				return EXIT_USAGE;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (affected) {
		/* with --files the arguments are the changed files, not products */
		change_options_done("test", &o, files, argc, argv);
	} else if (o.base || o.uncommitted || files) {
		die(EXIT_USAGE, "relgate test: the change options need --affected");
	}
	memset(&im, 0, sizeof(im));
	if (setup_check(s) < 0 || (affected && impact_run(&im, s, &o) < 0) ||
	    gate_select(s, affected ? &im : NULL, argv + optind, (size_t)(argc - optind), &products,
			&n) < 0) {
		ret = exit_code_of_failure();
		goto out_products;
	}

	if (relgate_binary(self, sizeof(self)) < 0) {
		ret = EXIT_ENV;
		goto out_products;
	}
	if (logs) {
		log_dir = xstrdup(logs);
	} else {
		char stamp[32];
		time_t t = time(NULL);

		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", gmtime(&t));
		log_dir = xasprintf("%s/.relgate/logs/%s-%d", s->root, stamp, (int)getpid());
	}
	g.jobs = (int)(jobs < 1 ? 1 : jobs);
	g.grace_ms = grace;
	g.root = s->root;
	g.log_dir = log_dir;
	g.self = self;
	g.config = config_abs = s->cfg.path ? realpath(s->cfg.path, NULL) : NULL;
	g.progress = on_progress;
	g.tick = on_tick;
	g.data = &d;
	if (gate_init(&g, products, n) < 0) {
		ret = exit_code_of_failure();
		goto out_gate;
	}
	for (i = 0; i < g.n; i++)
		d.total += g.products[i].n;
	d.live = term_use_color(stdout) && diag_level >= 0;
	d.start = now_ms();
	if (!n)
		printf("no product to test%s\n", affected ? ": the change reaches none" : "");
	loop = loop_new();
	g.sv = supervisor_new(loop);
	if (!g.sv) {
		ret = EXIT_ENV;
		goto out_gate;
	}
	verbose("supervisor: %s", sv_uses_cgroups(g.sv) ? "a cgroup per step" :
		"no writable cgroup v2: processes found by marker and session");
	gate_run(&g);
	clear_live(&d);
	bind_artifacts(&g, s);
	/* the reports come before anything that could still fail */
	if (report_write_all(&g, junit, json) < 0)
		ret = exit_code_of_failure();
	if (n)
		print_summary(&g);
	if ((env = getenv("GITHUB_ACTIONS")) && !strcmp(env, "true")) {
		struct buf ann = BUF_INIT;

		report_annotations(&g, &ann);
		fwrite(ann.data, 1, ann.len, stdout);
		buf_release(&ann);
	}
	if (g.stop_signal)
		ret = EXIT_INTERRUPTED;
	/* a check that could not run for the machine's sake is no verdict on the product */
	if (!ret && gate_env_failed(&g))
		ret = EXIT_ENV;
	if (!ret)
		ret = gate_passed(&g) ? 0 : EXIT_GATE;
	supervisor_free(g.sv);
	if (notify && notify_failures(&g, s))
		ret = EXIT_INTERRUPTED;
out_gate:
	loop_free(loop);
	gate_release(&g);
	free(log_dir);
	free(config_abs);
out_products:
	free(products);
	impact_release(&im);
	return ret;
}
