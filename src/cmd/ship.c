/*
 * relgate ship: the whole pipeline for one change, each stage its own
 * relgate command run as a child (as git pull runs fetch and merge), so
 * that what a stage prints, decides and exits with is exactly what that
 * command does on its own:
 *
 *   plan      relgate plan CHANGE --notify     the products, why, the owners told
 *   gate      relgate test PRODUCT... --notify  build and check (or --from-reports:
 *                                              the reports of a gate run elsewhere)
 *   release   relgate diff PRODUCT (what the build changes against the live release),
 *             then relgate release PRODUCT --gate-report REPORT, for each that passed
 *   watch     relgate watch --until-baked PRODUCT..., for each newly activated
 *
 * ship itself reads the change (to know the products), the gate's JSON
 * report (to know which passed), and the store's active releases before and
 * after (to know what was released and what the watch rolled back), then
 * prints one summary.  A child runs in a process group of its own, so that
 * an interruption reaches it once, from ship: the gate and the watch are
 * stopped at once (their reports written), a release is let finish (it
 * takes milliseconds, and a product is never left half-released) and the
 * next is not begun.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyze/impact.h"
#include "analyze/setup.h"
#include "cmd/cmd.h"
#include "lib/artifact.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "gate/report.h"
#include "lib/term.h"
#include "release/store.h"

static const char usage[] =
	"usage: relgate ship (--base REF [--head REF] | --uncommitted | --files PATH...)\n"
	"                    [--dry-run] [--no-watch] [--no-notify] [-j N] [--junit FILE]\n"
	"                    [--json FILE] [--from-reports DIR]\n"
	"\n"
	"The whole pipeline for a change, each stage the relgate command of its name:\n"
	"  plan     the products the change reaches and why; the owners and notify.plan\n"
	"           are told (relgate plan --notify)\n"
	"  gate     build and check those products (relgate test --notify: the owners of\n"
	"           a product that fails are told why)\n"
	"  release  each product that passed, bound to the artifact the gate checked\n"
	"           (relgate release --gate-report), after what its built output changes\n"
	"           against the live release (relgate diff); one that failed is not released\n"
	"  watch    each newly activated release, for its bake window (watch.bake): one\n"
	"           that fails to start in browsers is rolled back (relgate watch)\n"
	"  --dry-run           print the plan and the commands, do nothing\n"
	"  --no-watch          end after the release\n"
	"  --no-notify         tell nobody (the plan, the gate's failures)\n"
	"  -j N                products built and checked in parallel (relgate test -j)\n"
	"  --junit, --json     the gate's reports, as relgate test writes them\n"
	"  --from-reports DIR  no gate here: release what the relgate test --json reports\n"
	"                      in DIR passed (one CI job per product, then this)\n"
	"Safe to run twice: an artifact identical to the active release is not released\n"
	"again, and the summary says so.\n"
	"\n"
	"exit codes: 0 every affected product shipped (or nothing was affected), 1 the\n"
	"            gate, the release or the watch stopped one, 2 usage or configuration\n"
	"            error, 3 environment error, 130 interrupted\n";

/* ---- the children ---- */

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t child_group;   /* the running stage's process group, or 0 */
static volatile sig_atomic_t forwarding;    /* whether an interruption goes to it */

static void on_signal(int sig)
{
	if (!stop_signal)
		stop_signal = sig;
	if (child_group > 0 && forwarding)
		kill(-(pid_t)child_group, sig);
}

struct args {
	char **v;
	size_t n, cap;
};

static void args_add(struct args *a, const char *s)
{
	GROW(a->v, a->n + 2, a->cap);
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

static void args_free(struct args *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

struct shipped;
struct ship {
	const struct setup *s;
	char self[PATH_MAX];
	struct args global;       /* the options given before "ship", for every child */
	struct args change;       /* the change, as the children take it */
	bool dry_run, watch, notify;
	const char *junit, *json, *from, *jobs;
	char report[PATH_MAX];    /* the gate's JSON report, where ship reads the verdicts */
	bool own_report;          /* made by ship, removed at the end */
	struct shipped *v;        /* the affected products, by name */
	size_t n;
};

/* A relgate command line for stage: ship's global options, then the command. */
static void relgate_args(const struct ship *sh, struct args *a, const char *command)
{
	args_add(a, sh->self);
	for (size_t i = 0; i < sh->global.n; i++)
		args_add(a, sh->global.v[i]);
	args_add(a, command);
}

static void print_command(const struct args *a)
{
	printf("  relgate");
	for (size_t i = 1; i < a->n; i++) {
		const char *v = a->v[i];
		bool plain = *v && strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "0123456789-_./=:@+,") == strlen(v);

		if (plain) {
			printf(" %s", term_safe(v));
			continue;
		}
		/* quoted for a POSIX shell */
		printf(" '");
		for (; *v; v++)
			if (*v == '\'')
				printf("'\\''");
			else
				putchar(*v);
		printf("'");
	}
	printf("\n");
}

/*
 * Run a relgate child to its end: its exit code (128 + the signal that
 * ended it).  An interruption of ship is passed to it when forward is set;
 * otherwise it is let finish.  -1 when it could not start (said).
 */
static int run_child(const struct args *a, bool forward)
{
	sigset_t block, old;
	pid_t pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid = fork();
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		error("cannot start relgate %s:", a->v[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		setpgid(0, 0);
		/* ship's end is the child's: nothing of a stage outlives the pipeline */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (null >= 0) {
			dup2(null, 0);
			close(null);
		}
		sigprocmask(SIG_SETMASK, &old, NULL);
		execv(a->v[0], a->v);
		_exit(127);
	}
	setpgid(pid, pid);
	child_group = pid;
	forwarding = forward;
	sigprocmask(SIG_SETMASK, &old, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = 127 << 8;
			break;
		}
	child_group = 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static void add_line(const char *line, void *data)
{
	if (*line)
		args_add(data, line);
}

/*
 * --files with "-": the list is read from standard input here, once, so
 * that every stage gets the same paths.
 */
static void read_listed(struct impact_opts *o, struct args *listed)
{
	for (size_t i = 0; i < o->nfiles; i++)
		if (strcmp(o->files[i], "-"))
			args_add(listed, o->files[i]);
		else if (read_lines(stdin, add_line, listed) < 0)
			die(EXIT_ENV, "relgate ship: cannot read the list of files from standard input:");
	if (!listed->n)
		die(EXIT_USAGE, "relgate ship: --files -: standard input named no file");
	o->files = listed->v;
	o->nfiles = listed->n;
}

/* ---- what each product went through ---- */

enum gate_verdict { GV_NONE, GV_PASSED, GV_FAILED, GV_NOT_RUN };

struct shipped {
	char *name;
	enum gate_verdict gate;
	char *why;                 /* GV_FAILED, GV_NOT_RUN: the step that failed, or why */
	char *report;              /* the report that passed it (--from-reports) */
	char before[RELEASE_ID_MAX], after[RELEASE_ID_MAX], watched[RELEASE_ID_MAX];
	int release_code;          /* -1: not tried */
	bool watch_tried;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct shipped *)a)->name, ((const struct shipped *)b)->name);
}

/* The products the change reaches, sorted by name. */
static int affected_products(const struct setup *s, const struct impact_opts *o,
			     struct shipped **out, size_t *n)
{
	struct impact im;
	struct shipped *v;
	size_t i;

	memset(&im, 0, sizeof(im));
	*out = NULL;
	*n = 0;
	if (impact_run(&im, s, o) < 0) {
		impact_release(&im);
		return -1;
	}
	v = xcalloc(im.head.nproducts + 1, sizeof(*v));
	for (i = 0; i < im.head.nproducts; i++) {
		const struct impact_product *ip = &im.head.products[i];

		if (!walk_reached(&im.walk, ip->node))
			continue;
		v[*n].name = xstrdup(ip->name);
		v[*n].release_code = -1;
		(*n)++;
	}
	impact_release(&im);
	qsort(v, *n, sizeof(*v), by_name);
	*out = v;
	return 0;
}

/*
 * What a report says of p's artifact (digest NULL: the one this run built),
 * into p->gate and p->why.
 */
static enum report_verdict take_verdict(json_t *root, const char *digest, struct shipped *p)
{
	char step[128];
	enum report_verdict r = report_verdict(root, p->name, digest, step, sizeof(step));

	free(p->why);
	p->why = NULL;
	switch (r) {
	case REPORT_PASSED:
		p->gate = GV_PASSED;
		break;
	case REPORT_FAILED:
		p->gate = GV_FAILED;
		p->why = xstrdup(step);
		break;
	case REPORT_NO_ARTIFACT:
		p->gate = GV_FAILED;
		p->why = xstrdup("no artifact built");
		break;
	case REPORT_NO_ENTRY:
		p->gate = GV_NOT_RUN;
		p->why = xstrdup(digest ? "no report in the folder has an entry for it" :
				 "the gate's report has no entry for it");
		break;
	case REPORT_OTHER_ARTIFACT:
		p->gate = GV_NOT_RUN;
		p->why = xstrdup("the reports checked another artifact (its digest differs)");
		break;
	}
	return r;
}

/* The gate's verdicts, from the report this run's relgate test wrote. */
static void read_verdicts(const char *path, struct shipped *v, size_t n)
{
	json_t *root = report_read(path);

	for (size_t i = 0; i < n; i++) {
		if (root) {
			take_verdict(root, NULL, &v[i]);
		} else {
			v[i].gate = GV_NOT_RUN;
			v[i].why = xstrdup("the gate wrote no report");
		}
	}
	if (!root)
		fault_clear();
	json_decref(root);
}

/* The digest of product's artifact as it is here, into hex ("" when there is none). */
static void artifact_here(const struct setup *s, const char *product,
			  char hex[ARTIFACT_DIGEST_HEX])
{
	const struct cfg_product *cp = config_product(&s->cfg, product);
	struct artifact a;
	char *path;

	*hex = '\0';
	if (!cp || !cp->artifact)
		return;
	path = path_join(s->root, cp->artifact);
	fault_clear();
	if (artifact_scan(path, &a) == 0) {
		artifact_hex(a.digest, hex);
		artifact_release(&a);
	}
	fault_clear();
	free(path);
}

/*
 * --from-reports: each report of dir read once; for each product, the
 * first (by name) that passed the artifact as it is here, else why none
 * did (the last report that had a say).
 */
static int verdicts_from(const struct setup *s, const char *dir, struct shipped *v, size_t n)
{
	struct dirent **names;
	json_t **roots;
	char **paths;
	size_t i, k, nr = 0;
	int count = scandir(dir, &names, NULL, alphasort);

	if (count < 0)
		return error_as(FAULT_INPUT, "cannot read the reports folder %s:", dir);
	roots = xcalloc((size_t)count + 1, sizeof(*roots));
	paths = xcalloc((size_t)count + 1, sizeof(*paths));
	for (k = 0; k < (size_t)count; k++) {
		const char *name = names[k]->d_name;
		size_t len = strlen(name);
		char *path;

		if (len >= 6 && !strcmp(name + len - 5, ".json")) {
			path = path_join(dir, name);
			if ((roots[nr] = report_read(path))) {
				paths[nr++] = path;
			} else {
				warn("%s is not a gate report: left aside", path);
				fault_clear();
				free(path);
			}
		}
		free(names[k]);
	}
	free(names);
	for (i = 0; i < n; i++) {
		struct shipped *p = &v[i];
		char hex[ARTIFACT_DIGEST_HEX];

		artifact_here(s, p->name, hex);
		p->gate = GV_NOT_RUN;
		if (!*hex) {
			p->why = xstrdup("no artifact here to release (relgate.json's \"artifact\")");
			continue;
		}
		p->why = xstrdup("no report in the folder has an entry for it");
		for (k = 0; k < nr; k++) {
			struct shipped said = {.name = p->name};
			enum report_verdict r = take_verdict(roots[k], hex, &said);

			/* a report without an entry for it does not speak over one that has */
			if (r != REPORT_NO_ENTRY) {
				free(p->why);
				p->why = said.why;
				p->gate = said.gate;
			} else {
				free(said.why);
			}
			if (r == REPORT_PASSED) {
				p->report = xstrdup(paths[k]);
				break;
			}
		}
	}
	for (k = 0; k < nr; k++) {
		json_decref(roots[k]);
		free(paths[k]);
	}
	free(roots);
	free(paths);
	return 0;
}

/* Each product's active release, into before or after ("" when there is no store). */
static void read_active(const struct setup *s, struct shipped *v, size_t n, bool after)
{
	struct store st;
	int r = open_store_if_any(s, &st);

	for (size_t i = 0; i < n; i++)
		*(after ? v[i].after : v[i].before) = '\0';
	if (r <= 0) {
		fault_clear();
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (history_active(st.h, v[i].name, after ? v[i].after : v[i].before) < 0)
			fault_clear();
	store_close(&st);
}

/* ---- the stages ---- */

static void stage(int k, const char *what)
{
	printf("\n%s== ship %d/4: %s%s\n", term_bold(), k, what, term_reset());
	fflush(stdout);
}

static void print_summary(const struct shipped *v, size_t n, int64_t bake_ms)
{
	size_t w = 7, i;

	for (i = 0; i < n; i++)
		if (strlen(v[i].name) > w)
			w = strlen(v[i].name);
	printf("\n%s%-*s  %-24s %-30s %s%s\n", term_bold(), (int)w, "product", "gate", "release",
	       "watch", term_reset());
	for (i = 0; i < n; i++) {
		const struct shipped *p = &v[i];
		char gate[64], rel[96], watch[96];

		switch (p->gate) {
		case GV_PASSED: snprintf(gate, sizeof(gate), "passed"); break;
		case GV_FAILED: snprintf(gate, sizeof(gate), "%s", p->why); break;
		default: snprintf(gate, sizeof(gate), "%s", p->gate == GV_NONE ? "-" : "no verdict");
		}
		if (p->release_code < 0)
			snprintf(rel, sizeof(rel), "not released");
		else if (p->release_code)
			snprintf(rel, sizeof(rel), "refused (exit %d)", p->release_code);
		else if (!strcmp(p->before, p->watched))
			snprintf(rel, sizeof(rel), "%s already active", p->watched);
		else
			snprintf(rel, sizeof(rel), "%s (was %s)", p->watched,
				 *p->before ? p->before : "none");
		if (!p->watch_tried)
			snprintf(watch, sizeof(watch), "-");
		else if (!*p->after || strcmp(p->after, p->watched))
			snprintf(watch, sizeof(watch), "rolled back to %s",
				 *p->after ? p->after : "none");
		else
			snprintf(watch, sizeof(watch), "healthy for %llds",
				 (long long)(bake_ms / 1000));
		printf("%-*s  %-24s %-30s %s\n", (int)w, term_safe(p->name), term_safe(gate),
		       term_safe(rel), term_safe(watch));
	}
}

static bool shipped_ok(const struct shipped *p)
{
	return p->gate == GV_PASSED && p->release_code == 0 &&
	       (!p->watch_tried || !strcmp(p->after, p->watched));
}

/* Was ship, or the child that ended with r, interrupted (SIGINT is 128 + 2 = 130)? */
static bool interrupted(int r)
{
	return stop_signal || r == EXIT_INTERRUPTED || r == 128 + SIGTERM;
}

/* A child's exit code as ship's: 130 for an interruption, 3 when it could not start. */
static int stopped_code(int r)
{
	return interrupted(r) ? EXIT_INTERRUPTED : r < 0 ? EXIT_ENV : r;
}

/* What every child is told: ship's global options, and the change as it was given. */
static void child_options(struct ship *sh, const struct impact_opts *o, bool files)
{
	if (global_opts.config) {
		char *abs = realpath(global_opts.config, NULL);

		args_add(&sh->global, "--config");
		args_add(&sh->global, abs ? abs : global_opts.config);
		free(abs);
	}
	if (term_color_mode != COLOR_AUTO)
		args_add(&sh->global, term_color_mode == COLOR_ALWAYS ? "--color=always" :
			 "--color=never");
	if (diag_level < 0)
		args_add(&sh->global, "-q");
	else if (diag_level > 0)
		args_add(&sh->global, "-v");
	if (o->base) {
		args_add(&sh->change, "--base");
		args_add(&sh->change, o->base);
		if (o->head) {
			args_add(&sh->change, "--head");
			args_add(&sh->change, o->head);
		}
	} else if (o->uncommitted) {
		args_add(&sh->change, "--uncommitted");
	}
	if (o->no_imports)
		args_add(&sh->change, "--no-imports");
	if (o->no_cache)
		args_add(&sh->change, "--no-cache");
	if (files) {
		args_add(&sh->change, "--files");
		for (size_t i = 0; i < o->nfiles; i++)
			args_add(&sh->change, o->files[i]);
	}
}

/* 1: relgate plan, sent unless --no-notify or --dry-run.  An exit code: 0 goes on. */
static int stage_plan(struct ship *sh)
{
	struct args a = {0};
	int r;

	stage(1, sh->dry_run ? "plan (dry run: nobody is told)" : "plan");
	relgate_args(sh, &a, "plan");
	for (size_t i = 0; i < sh->change.n; i++)
		args_add(&a, sh->change.v[i]);
	if (sh->notify && !sh->dry_run)
		args_add(&a, "--notify");
	r = run_child(&a, true);
	args_free(&a);
	return r || stop_signal ? stopped_code(r) : EXIT_OK;
}

/* The relgate test command of the gate, its report where ship reads it. */
static int gate_command(struct ship *sh, struct args *a)
{
	relgate_args(sh, a, "test");
	for (size_t i = 0; i < sh->n; i++)
		args_add(a, sh->v[i].name);
	if (sh->jobs) {
		args_add(a, "-j");
		args_add(a, sh->jobs);
	}
	if (sh->notify)
		args_add(a, "--notify");
	if (sh->junit) {
		args_add(a, "--junit");
		args_add(a, sh->junit);
	}
	if (sh->json || sh->dry_run) {
		snprintf(sh->report, sizeof(sh->report), "%s", sh->json ? sh->json : "REPORT.json");
	} else {
		const char *tmp = getenv("TMPDIR");
		int fd;

		snprintf(sh->report, sizeof(sh->report), "%s/relgate-ship-XXXXXX.json",
			 tmp && *tmp ? tmp : "/tmp");
		if ((fd = mkstemps(sh->report, 5)) < 0) {
			error("cannot make a file for the gate's report %s:", sh->report);
			*sh->report = '\0';
			return -1;
		}
		close(fd);
		sh->own_report = true;
	}
	args_add(a, "--json");
	args_add(a, sh->report);
	return 0;
}

/* --dry-run: the commands the stages after the plan would run. */
static void dry_run(struct ship *sh)
{
	struct args a = {0};

	stage(2, "gate, release, watch: what would run");
	if (sh->from) {
		printf("would release what the reports in %s passed\n", sh->from);
	} else if (gate_command(sh, &a) == 0) {
		printf("would run:\n");
		print_command(&a);
	}
	args_free(&a);
	printf("would release each product that passes:\n");
	for (size_t i = 0; i < sh->n; i++) {
		relgate_args(sh, &a, "release");
		args_add(&a, sh->v[i].name);
		args_add(&a, "--gate-report");
		args_add(&a, sh->from ? "DIR/REPORT.json" : "REPORT.json");
		print_command(&a);
		args_free(&a);
	}
	if (sh->watch && sh->s->cfg.bake_ms > 0)
		printf("would watch each new release for its bake window (%lld s):\n"
		       "  relgate watch --until-baked PRODUCT...\n",
		       (long long)(sh->s->cfg.bake_ms / 1000));
	printf("\nrelgate ship: dry run: nothing was built, released or sent\n");
}

/*
 * 2: relgate test on the affected products, or the reports of --from-reports;
 * the verdicts into sh->v.  An exit code: 0 or 3 (a check that could not
 * run is no verdict: the products that passed go on) goes on.
 */
static int stage_gate(struct ship *sh)
{
	struct args a = {0};
	size_t i;
	int r;

	if (sh->from) {
		stage(2, "gate: the reports of a gate run elsewhere");
		if (verdicts_from(sh->s, sh->from, sh->v, sh->n) < 0)
			return EXIT_USAGE;
		for (i = 0; i < sh->n; i++) {
			const struct shipped *p = &sh->v[i];

			printf("%s: %s%s\n", term_safe(p->name),
			       p->gate == GV_PASSED ? "passed in " : p->gate == GV_FAILED ?
			       "failed: " : "no verdict: ", p->gate == GV_PASSED ? p->report : p->why);
		}
		return EXIT_OK;
	}
	stage(2, "gate");
	if (gate_command(sh, &a) < 0) {
		args_free(&a);
		return EXIT_ENV;
	}
	r = run_child(&a, true);
	args_free(&a);
	/* interrupted, the report is written all the same: the summary shows it */
	if (r == 0 || r == EXIT_GATE || r == EXIT_ENV || interrupted(r))
		read_verdicts(sh->report, sh->v, sh->n);
	return r == EXIT_GATE && !interrupted(r) ? EXIT_OK : stopped_code(r);
}

/*
 * 3: relgate release for each product that passed, bound to the report that
 * passed it; *released counts the releases newly activated.  A release in
 * progress is never cut short; after an interruption no other is begun.
 */
static int stage_release(struct ship *sh, size_t *released)
{
	struct args a = {0};
	size_t i, passed = 0;

	stage(3, "release what passed");
	read_active(sh->s, sh->v, sh->n, false);
	for (i = 0; i < sh->n; i++)
		passed += sh->v[i].gate == GV_PASSED;
	if (!passed)
		printf("nothing passed the gate: nothing is released\n");
	for (i = 0; i < sh->n && !stop_signal; i++) {
		struct shipped *p = &sh->v[i];

		if (p->gate != GV_PASSED) {
			printf("%s: not released: %s\n", term_safe(p->name),
			       p->why ? p->why : "the gate did not pass it");
			continue;
		}
		/* what the built output changes against what is live: the plan could not know */
		if (*p->before) {
			relgate_args(sh, &a, "diff");
			args_add(&a, p->name);
			run_child(&a, false);
			args_free(&a);
		}
		relgate_args(sh, &a, "release");
		args_add(&a, p->name);
		args_add(&a, "--gate-report");
		args_add(&a, p->report ? p->report : sh->report);
		p->release_code = run_child(&a, false);
		args_free(&a);
	}
	read_active(sh->s, sh->v, sh->n, true);
	*released = 0;
	for (i = 0; i < sh->n; i++) {
		struct shipped *p = &sh->v[i];

		memcpy(p->watched, p->after, sizeof(p->watched));
		*released += p->release_code == 0 && strcmp(p->before, p->after);
	}
	return stop_signal ? EXIT_INTERRUPTED : EXIT_OK;
}

/* 4: relgate watch --until-baked on the releases newly activated. */
static int stage_watch(struct ship *sh, size_t released)
{
	struct args a = {0};
	char what[128];
	int r;

	if (!sh->watch) {
		stage(4, "watch: skipped (--no-watch)");
		return EXIT_OK;
	}
	if (!released) {
		stage(4, "watch: nothing new was activated");
		return EXIT_OK;
	}
	if (sh->s->cfg.bake_ms <= 0) {
		stage(4, "watch: no bake window (watch.bake is 0)");
		return EXIT_OK;
	}
	snprintf(what, sizeof(what), "watch the new releases for their bake window (%lld s)",
		 (long long)(sh->s->cfg.bake_ms / 1000));
	stage(4, what);
	relgate_args(sh, &a, "watch");
	args_add(&a, "--until-baked");
	for (size_t i = 0; i < sh->n; i++) {
		struct shipped *p = &sh->v[i];

		if (p->release_code == 0 && strcmp(p->before, p->after)) {
			args_add(&a, p->name);
			p->watch_tried = true;
		}
	}
	r = run_child(&a, true);
	args_free(&a);
	read_active(sh->s, sh->v, sh->n, true);
	if (stop_signal)
		return EXIT_INTERRUPTED;
	/* 1 is a rollback: the summary says which */
	return r == 0 || r == EXIT_GATE ? EXIT_OK : stopped_code(r);
}

/* The summary, and the exit code it makes of ret. */
static int finish(struct ship *sh, int ret)
{
	size_t ok = 0, i;

	if (!sh->n || sh->dry_run)
		return stop_signal ? EXIT_INTERRUPTED : ret;
	print_summary(sh->v, sh->n, sh->s->cfg.bake_ms);
	for (i = 0; i < sh->n; i++)
		ok += shipped_ok(&sh->v[i]);
	if (stop_signal)
		printf("\n%sinterrupted by %s%s: %zu of %zu products shipped; nothing was left "
		       "half-released\n", term_red(), strsignal(stop_signal), term_reset(), ok,
		       sh->n);
	else if (ok == sh->n && sh->n == 1)
		printf("\n%sshipped the affected product%s\n", term_green(), term_reset());
	else if (ok == sh->n)
		printf("\n%sshipped all %zu affected products%s\n", term_green(), sh->n,
		       term_reset());
	else
		printf("\n%s%zu of %zu affected products shipped%s\n", term_red(), ok, sh->n,
		       term_reset());
	if (stop_signal)
		return EXIT_INTERRUPTED;
	return ret == EXIT_OK && ok < sh->n ? EXIT_GATE : ret;
}

int cmd_ship(int argc, char **argv, struct setup *s)
{
	static const struct option longopts[] = {
		CHANGE_LONG_OPTIONS,
		{"dry-run", no_argument, NULL, 'n'},
		{"no-watch", no_argument, NULL, 'W'},
		{"no-notify", no_argument, NULL, 'N'},
		{"junit", required_argument, NULL, 'J'},
		{"json", required_argument, NULL, 'S'},
		{"from-reports", required_argument, NULL, 'R'},
		{"jobs", required_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct impact_opts o = {0};
	struct ship sh = {0};
	struct sigaction sa = {0}, old_int, old_term;
	struct args listed = {0};
	size_t released = 0, i;
	int c, files = 0, ret;
	long jobs_n;

	sh.watch = sh.notify = true;
	while ((c = getopt_long(argc, argv, "hj:", longopts, NULL)) != -1) {
		if (change_option(c, optarg, &o, &files))
			continue;
		switch (c) {
		case 'n': sh.dry_run = true; break;
		case 'W': sh.watch = false; break;
		case 'N': sh.notify = false; break;
		case 'J': sh.junit = optarg; break;
		case 'S': sh.json = optarg; break;
		case 'R': sh.from = optarg; break;
		case 'j':
			if (count_option("ship", "-j", optarg, 1, 1024, &jobs_n) < 0)
				return EXIT_USAGE;
			sh.jobs = optarg;
			break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	change_options_done("ship", &o, files, argc, argv);
	if (sh.from && (sh.junit || sh.json || sh.jobs))
		die(EXIT_USAGE, "relgate ship: --from-reports runs no gate here: --junit, --json "
		    "and -j belong to the runs that wrote the reports");
	if (setup_check(s) < 0)
		return EXIT_USAGE;
	if (relgate_binary(sh.self, sizeof(sh.self)) < 0)
		return EXIT_ENV;
	sh.s = s;

	/* the change, read once: --files - is read here, and the children get the paths */
	if (files)
		read_listed(&o, &listed);
	if (affected_products(s, &o, &sh.v, &sh.n) < 0) {
		args_free(&listed);
		return exit_code_of_failure();
	}
	child_options(&sh, &o, files);

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	ret = stage_plan(&sh);
	if (ret == EXIT_OK && !sh.n)
		printf("\nrelgate ship: the change reaches no product: nothing to gate, release or "
		       "watch\n");
	else if (ret == EXIT_OK && sh.dry_run)
		dry_run(&sh);
	else if (ret == EXIT_OK) {
		int gate = stage_gate(&sh);

		/* a check that could not run (exit 3) stops only its product */
		ret = gate == EXIT_ENV ? EXIT_OK : gate;
		if (ret == EXIT_OK)
			ret = stage_release(&sh, &released);
		if (ret == EXIT_OK)
			ret = stage_watch(&sh, released);
		if (ret == EXIT_OK && gate == EXIT_ENV)
			ret = EXIT_ENV;
	}
	ret = finish(&sh, ret);

	if (sh.own_report)
		unlink(sh.report);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	for (i = 0; i < sh.n; i++) {
		free(sh.v[i].name);
		free(sh.v[i].why);
		free(sh.v[i].report);
	}
	free(sh.v);
	args_free(&sh.global);
	args_free(&sh.change);
	args_free(&listed);
	return ret;
}
