/*
 * relgate serve, relgate watch: the collector, the status page and the
 * products' live releases; and the watch that rolls a fresh release back
 * when it does not start in real browsers.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/setup.h"
#include "cmd/cmd.h"
#include "gate/supervise.h"
#include "lib/diag.h"
#include "lib/jsonw.h"
#include "lib/loop.h"
#include "lib/term.h"
#include "notify/notice.h"
#include "release/store.h"
#include "serve/page.h"
#include "serve/server.h"
#include "watch/watch.h"

#define STOP_MS 3000
/* serve --watch looks at a product at most this often under a flood of beacons */
#define WATCH_EVERY_MS 100.0
#define WATCHED_MAX 64

struct ctx;
struct watched {
	struct ctx *x;
	char product[128];
	double last_ms;
	unsigned timer;
};
#define PRUNE_EVERY_MS (3600.0 * 1000)

struct ctx {
	struct setup *s;
	struct store st;          /* for rollbacks: the history's durable handle */
	struct history *h;        /* the loop's, for beacons and reads */
	struct loop *loop;
	struct server *srv;
	struct watch w;
	bool watching, stop;
	int failed;               /* releases the watch found failing */
	struct watched watched[WATCHED_MAX];
	size_t nwatched;
};

/* ---- what the server and the watch ask of the commands ---- */

static void api_rollback(void *data, const char *product, const char *to, const char *reason,
			 int *status, struct buf *out)
{
	struct ctx *x = data;
	struct rollback_req rq = {product, to, NULL, reason, false};
	struct rollback_done d;
	const char **names;
	size_t n = x->srv ? server_products(x->srv, &names) : 0, i;
	double t0 = now_ms();
	int ret;

	for (i = 0; i < n && strcmp(names[i], product); i++)
		;
	if (i == n) {
		*status = 404;
		buf_adds(out, "{\"error\": \"no such product\"}\n");
		return;
	}
	ret = rollback_product(x->s, &x->st, &rq, &d);
	if (ret == EXIT_OK) {
		*status = 200;
		rollback_json(&rq, &d, now_ms() - t0, out);
		fprintf(stderr, "relgate serve: %s rolled back %s -> %s from the API (%.2f ms)\n",
			product, *d.from ? d.from : "none", d.to, d.switch_ms);
		return;
	}
	*status = ret == EXIT_GATE ? 409 : ret == EXIT_USAGE ? 404 : 500;
	buf_addf(out, "{\"error\": \"%s\"}\n", ret == EXIT_GATE ?
		 "refused: nothing good to go back to, or another activation came first" :
		 ret == EXIT_USAGE ? "no such release" : "the store failed: see the server's log");
}

static int watch_rollback(void *data, const char *product, const char *expect, const char *reason,
			  char restored[RELEASE_ID_MAX], double *switch_ms)
{
	struct ctx *x = data;
	struct rollback_req rq = {product, NULL, expect, reason, false};
	struct rollback_done d;

	if (rollback_product(x->s, &x->st, &rq, &d) != EXIT_OK || d.already)
		return -1;
	snprintf(restored, RELEASE_ID_MAX, "%s", d.to);
	*switch_ms = d.switch_ms;
	if (x->srv)
		server_count_rollback(x->srv);
	return 0;
}

static void watch_tell(void *data, const struct watch_record *w, const char *stack)
{
	struct ctx *x = data;
	struct strlist owners;
	struct notice n;
	struct notice_section *sec;
	size_t lines = 0;
	const char *p;

	x->failed++;
	printf("%s: %s failed to start: %s\n  %s%s%s", w->product, w->release, w->detail,
	       w->action, w->restored ? " to " : "", w->restored ? w->restored : "");
	if (w->restore_ms >= 0)
		printf(" (detected %.1f s after activation, restored in %lld ms)",
		       (double)w->detect_ms / 1000, (long long)w->restore_ms);
	printf("\n");
	fflush(stdout);
	product_channels(x->s, w->product, &owners);
	notice_init(&n, "watch", w->product, "relgate: %s %s failed to start; %s%s%s", w->product,
		    w->release, w->action, w->restored ? " to " : "", w->restored ? w->restored : "");
	sec = notice_section(&n, "%s", w->product);
	notice_line(sec, "release: %s failed to start in real browsers", w->release);
	notice_line(sec, "evidence: %s", w->detail);
	notice_line(sec, "action: %s%s%s", w->action, w->restored ? " to " : "",
		    w->restored ? w->restored : "");
	notice_line(sec, "activation to detection: %.1f s", (double)w->detect_ms / 1000);
	if (w->restore_ms >= 0)
		notice_line(sec, "detection to restore: %lld ms", (long long)w->restore_ms);
	for (p = stack; p && *p && lines < 6; lines++) {
		size_t len = strcspn(p, "\n");

		notice_line(sec, "%s %.*s", lines ? "   " : "stack:", (int)len, p);
		p += len + (p[len] == '\n');
	}
	notify_send(x->s, &x->st, &n, &owners, true);
	notice_release(&n);
}

static void look(struct ctx *x, const char *product)
{
	if (watch_product(&x->w, product) < 0)
		warn("%s: the watch could not look at its release", product);
}

static void look_later(struct loop *l, void *data)
{
	struct watched *w = data;

	(void)l;
	w->timer = 0;
	w->last_ms = now_ms();
	look(w->x, w->product);
}

/*
 * A batch with beacons of product is committed: the watch looks at once,
 * or, when it looked less than WATCH_EVERY_MS ago, once that much has
 * passed (a flood of beacons is not a flood of looks).
 */
static void committed(void *data, const char *product)
{
	struct ctx *x = data;
	struct watched *w = NULL;
	double now = now_ms();
	size_t i;

	if (!x->watching)
		return;
	for (i = 0; i < x->nwatched && !w; i++)
		if (!strcmp(x->watched[i].product, product))
			w = &x->watched[i];
	if (!w && x->nwatched < WATCHED_MAX && strlen(product) < sizeof(w->product)) {
		w = &x->watched[x->nwatched++];
		w->x = x;
		snprintf(w->product, sizeof(w->product), "%s", product);
		w->last_ms = -WATCH_EVERY_MS;
	}
	if (!w) {
		look(x, product);
	} else if (now - w->last_ms >= WATCH_EVERY_MS) {
		w->last_ms = now;
		look(x, product);
	} else if (!w->timer) {
		w->timer = loop_add_timer(x->loop, w->last_ms + WATCH_EVERY_MS, look_later, w);
	}
}

/* ---- the process ---- */

static void on_stop(struct loop *l, const struct signalfd_siginfo *si, void *data)
{
	struct ctx *x = data;

	(void)l;
	(void)si;
	x->stop = true;
}

static void prune(struct loop *l, void *data)
{
	struct ctx *x = data;
	int64_t removed;

	if (history_prune_events(x->h, wall_ms() - x->s->cfg.retention_ms, &removed) < 0)
		warn("old events could not be forgotten");
	loop_add_timer(l, now_ms() + PRUNE_EVERY_MS, prune, x);
}

static int ctx_open(struct ctx *x, struct setup *s, bool probe)
{
	char *db;

	memset(x, 0, sizeof(*x));
	x->s = s;
	if (open_store(s, &x->st) < 0)
		return -1;
	db = xasprintf("%s/relgate.db", x->st.root);
	if (history_open(&x->h, db) < 0 || history_set_relaxed(x->h) < 0) {
		free(db);
		return -1;
	}
	free(db);
	if (!(x->loop = loop_new()))
		return -1;
	loop_ignore_signal(x->loop, SIGPIPE);
	if (loop_add_signal(x->loop, SIGTERM, on_stop, x) < 0 ||
	    loop_add_signal(x->loop, SIGINT, on_stop, x) < 0)
		return -1;
	if (probe && !(x->w.sv = supervisor_new(x->loop)))
		return -1;
	x->w.cfg = &s->cfg;
	x->w.h = x->h;
	x->w.store = x->st.root;
	x->w.probe = probe;
	x->w.hooks.rollback = watch_rollback;
	x->w.hooks.tell = watch_tell;
	x->w.hooks.data = x;
	return 0;
}

static void ctx_close(struct ctx *x)
{
	if (x->w.sv)
		supervisor_free(x->w.sv);
	watch_release(&x->w);
	if (x->loop)
		loop_free(x->loop);
	history_close(x->h);
	if (x->st.root)
		store_close(&x->st);
}

static const char serve_usage[] =
	"usage: relgate serve [--listen ADDR:PORT] [--watch]\n"
	"\n"
	"The collector of the snippet's beacons (POST /beacon: 204 once stored), the\n"
	"status page (GET /), its JSON (GET /api/status), rollbacks with the admin token\n"
	"(POST /api/rollback, Authorization: Bearer $RELGATE_TOKEN, or the variable\n"
	"server.tokenEnv names), every product's active release under /p/PRODUCT/,\n"
	"/healthz and /metrics.  --listen: default server.listen (127.0.0.1:8080; port 0:\n"
	"any free one, printed).  --watch: the watch runs inside, and looks at a product\n"
	"the moment a batch of its beacons is stored (no probes: run relgate watch for\n"
	"those).  SIGTERM or SIGINT: stops accepting, stores what it holds, exits 0.\n"
	"\n"
	"exit codes: 0 stopped by a signal, 2 usage error, 3 environment error\n";

int cmd_serve(int argc, char **argv, struct setup *s)
{
	static const struct option longopts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"watch", no_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *listen = NULL, *token;
	struct serve_opts o = {0};
	struct ctx x;
	bool watching = false;
	int c, ret = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': listen = optarg; break;
		case 'w': watching = true; break;
		case 'h': fputs(serve_usage, stdout); return EXIT_OK;
		default: fputs(serve_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs(serve_usage, stderr);
		return EXIT_USAGE;
	}
	if (!listen)
		listen = s->cfg.listen;
	if (ctx_open(&x, s, false) < 0) {
		ctx_close(&x);
		return EXIT_ENV;
	}
	x.watching = watching;
	token = getenv(s->cfg.token_env);
	o.cfg = &s->cfg;
	o.store = x.st.root;
	o.h = x.h;
	o.loop = x.loop;
	o.listen = listen;
	o.token = token && *token ? token : NULL;
	o.hooks.rollback = api_rollback;
	o.hooks.committed = committed;
	o.hooks.data = &x;
	if (server_start(&x.srv, &o) < 0) {
		ret = fault_last() == FAULT_INPUT ? EXIT_USAGE : EXIT_ENV;
		ctx_close(&x);
		return ret;
	}
	prune(x.loop, &x);
	printf("relgate serve: listening on port %d (%s); admin token: %s%s\n",
	       server_port(x.srv), listen, o.token ? "$" : "none (", o.token ? s->cfg.token_env :
	       "set the variable server.tokenEnv names)");
	if (watching)
		printf("relgate serve: watching every product's fresh release (bake %lld s)\n",
		       (long long)(s->cfg.bake_ms / 1000));
	fflush(stdout);
	while (!x.stop)
		if (loop_once(x.loop, 1000) < 0) {
			ret = EXIT_ENV;
			break;
		}
	server_stop(x.srv, STOP_MS);
	printf("relgate serve: stopped\n");
	ctx_close(&x);
	return ret;
}

static const char watch_usage[] =
	"usage: relgate watch [PRODUCT...] [--once | --until-baked] [--no-probe]\n"
	"\n"
	"Every watch.interval, for each product (default: all) whose active release is\n"
	"inside its bake window: probes its url (three failures in a row fail it) and\n"
	"counts the fatal beacons relgate serve stored for that release (at least\n"
	"watch.fatal.events from watch.fatal.clients clients, of errors the release it\n"
	"replaced did not have).  A release that failed to start is rolled back when\n"
	"watch.autoRollback is on (at most once per bake window without a person), marked\n"
	"bad with the evidence, and the owners are told.  --once: look once (a failing\n"
	"probe is tried three times, a second apart) and exit.  --until-baked: exit\n"
	"once every product's active release is out of its bake window or was acted on\n"
	"(as relgate ship does after a release).\n"
	"\n"
	"exit codes: 0 nothing failed, 1 a release failed to start (--once,\n"
	"            --until-baked), 2 usage error, 3 environment error, 130 interrupted\n"
	"            (--until-baked; without it SIGINT and SIGTERM end the watch with 0)\n";

/*
 * --until-baked: what is watched, and, once its window is over, what was
 * seen of it: the evidence for "healthy", so that none is claimed without.
 */
static void say_baking(struct ctx *x, const char *product, bool over)
{
	const struct cfg_product *cp = config_product(&x->s->cfg, product);
	const char *url = x->w.probe && cp && cp->url ? cp->url : NULL;
	struct live l;
	int64_t left;

	if (live_of(x->h, product, &l) < 0) {
		fault_clear();
		return;
	}
	left = l.activated_ms + x->s->cfg.bake_ms - wall_ms();
	if (!*l.active)
		printf("%s: no active release to watch\n", term_safe(product));
	else if (!over)
		printf("%s: watching %s until its bake window ends (%.0f s): %s%s%s\n",
		       term_safe(product), l.active, left > 0 ? (double)left / 1e3 : 0.0,
		       url ? "probing " : "", url ? term_safe(url) : "no url to probe",
		       ", counting beacons");
	else {
		const struct watch_probe *p = watch_probe_find(&x->w, product);
		char probed[320];

		if (p && strcmp(p->release, l.active))
			p = NULL;
		if (!url)
			snprintf(probed, sizeof(probed), "; no url probed");
		else if (p && p->failures)
			snprintf(probed, sizeof(probed), "; the probe's last %d failed, fewer than 3: %s",
				 p->failures, p->last);
		else
			snprintf(probed, sizeof(probed), "; the probe passed");
		printf("%s: %s baked: no fatal start-up failure (%lld new fatal events from %lld "
		       "clients%s)\n", term_safe(product), l.active, (long long)l.fatal_events,
		       (long long)l.fatal_clients, term_safe(probed));
	}
	fflush(stdout);
	live_release(&l);
}

int cmd_watch(int argc, char **argv, struct setup *s)
{
	static const struct option longopts[] = {
		{"once", no_argument, NULL, '1'},
		{"until-baked", no_argument, NULL, 'b'},
		{"no-probe", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct strlist products = {0};
	bool once = false, probe = true, until_baked = false;
	bool *settled = NULL;
	struct ctx x;
	size_t i;
	int c, ret = EXIT_OK, round;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case '1': once = true; break;
		case 'b': until_baked = true; break;
		case 'n': probe = false; break;
		case 'h': fputs(watch_usage, stdout); return EXIT_OK;
		default: fputs(watch_usage, stderr); return EXIT_USAGE;
		}
	}
	if (once && until_baked) {
		error("relgate watch: --once and --until-baked exclude each other");
		return EXIT_USAGE;
	}
	for (i = (size_t)optind; i < (size_t)argc; i++)
		if (store_check_name("product", argv[i]) < 0)
			return EXIT_USAGE;
	if (ctx_open(&x, s, probe) < 0) {
		ctx_close(&x);
		return EXIT_ENV;
	}
	for (i = (size_t)optind; i < (size_t)argc; i++)
		strlist_add_once(&products, argv[i]);
	if (!products.n && known_products(&s->cfg, x.h, &products) < 0)
		ret = EXIT_ENV;
	settled = xcalloc(products.n + 1, sizeof(*settled));
	if (until_baked)
		for (i = 0; i < products.n; i++)
			say_baking(&x, products.v[i], false);
	for (round = 0; ret == EXIT_OK && !x.stop; round++) {
		bool again = false, all = true;

		for (i = 0; i < products.n && !x.stop; i++) {
			const struct watch_probe *tried;
			int r;

			/* --until-baked: out of the window, or acted on, is settled for good */
			if (until_baked && settled[i])
				continue;
			r = watch_product(&x.w, products.v[i]);
			if (r < 0)
				ret = EXIT_ENV;
			if (until_baked) {
				if (r == WATCH_IDLE)
					say_baking(&x, products.v[i], true);
				settled[i] = r == WATCH_IDLE || r == WATCH_DONE || r == WATCH_FAILED;
				all &= settled[i];
			}
			/* --once: a probe that failed is tried again, up to three in all */
			tried = watch_probe_find(&x.w, products.v[i]);
			again |= tried && tried->failures > 0 && r == WATCH_HEALTHY;
		}
		if (once && (!again || round >= 2))
			break;
		if (until_baked && all && ret == EXIT_OK)
			break;
		/* until the next round, or a signal: other wakes (a child's end) wait on */
		for (double until = now_ms() + (once ? 1000.0 : (double)s->cfg.interval_ms);
		     ret == EXIT_OK && !x.stop && now_ms() < until;)
			if (loop_once(x.loop, (int)(until - now_ms()) + 1) < 0)
				ret = EXIT_ENV;
	}
	if (ret == EXIT_OK && (once || until_baked) && x.failed)
		ret = EXIT_GATE;
	if (until_baked && x.stop)
		ret = EXIT_INTERRUPTED;
	free(settled);
	strlist_free(&products);
	ctx_close(&x);
	return ret;
}
