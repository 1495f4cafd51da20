/*
 * watch: the decision, from the history's events and the probe.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/browser.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "serve/page.h"
#include "watch/watch.h"

#define PROBE_FAILURES 3
#define PROBE_TIMEOUT_MS 5000

static size_t discard(char *p, size_t size, size_t n, void *data)
{
	(void)p;
	(void)data;
	return size * n;
}

/* The HTTP probe: 0 when url answered below 400, else -1 with why. */
static int probe_url(const char *url, char *why, size_t size)
{
	CURL *c = curl_easy_init();
	char err[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURLcode rc;

	if (!c) {
		snprintf(why, size, "cannot make an HTTP request");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)PROBE_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)PROBE_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "relgate-probe/1");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		snprintf(why, size, "%s: %s", url, *err ? err : curl_easy_strerror(rc));
		return -1;
	}
	if (status >= 400) {
		snprintf(why, size, "%s answered %ld", url, status);
		return -1;
	}
	return 0;
}

/*
 * The product's boot check against its live url, in chromium: 0 when it
 * started (or there is no boot check, or no browser: said once), -1 with why.
 */
static int probe_boot(struct watch *w, const struct cfg_product *cp, char *why, size_t size)
{
	const struct cfg_check *bc = boot_check_of(cp, NULL);
	struct boot_opts o = {0};
	struct boot_result r;
	int ret = 0;

	if (!w->sv || !bc)
		return 0;
	o.url = cp->url;
	o.ready = bc->boot.ready;
	o.timeout_ms = bc->boot.timeout_ms;
	if (boot_check(w->sv, &o, &r) < 0) {
		fault_clear();
		if (!w->no_browser)
			warn("%s: the probe cannot run the boot check, only the HTTP one", cp->name);
		w->no_browser = true;
		return 0;
	}
	if (!r.passed) {
		snprintf(why, size, "the boot check of %s failed: %s (%s)", cp->url,
			 r.message ? r.message : "", r.kind);
		ret = -1;
	}
	boot_result_release(&r);
	return ret;
}

/* The index of product's probe, w->nprobes when there is none. */
static size_t probe_index(const struct watch *w, const char *product)
{
	size_t i;

	for (i = 0; i < w->nprobes; i++)
		if (!strcmp(w->probes[i].product, product))
			break;
	return i;
}

const struct watch_probe *watch_probe_find(const struct watch *w, const char *product)
{
	size_t i = probe_index(w, product);

	return i < w->nprobes ? &w->probes[i] : NULL;
}

static struct watch_probe *probe_of(struct watch *w, const char *product, const char *release)
{
	size_t i = probe_index(w, product);

	if (i == w->nprobes) {
		w->probes = xreallocarray(w->probes, ++w->nprobes, sizeof(*w->probes));
		memset(&w->probes[i], 0, sizeof(w->probes[i]));
		snprintf(w->probes[i].product, sizeof(w->probes[i].product), "%s", product);
	}
	if (strcmp(w->probes[i].release, release)) {
		snprintf(w->probes[i].release, sizeof(w->probes[i].release), "%s", release);
		w->probes[i].failures = 0;
	}
	return &w->probes[i];
}

/* Has the watch acted on release already, and when did it last roll product back? */
struct past {
	const char *release;
	bool acted;
	int64_t rolled_back_ms;
};

static int past_entry(const struct watch_record *r, void *data)
{
	struct past *p = data;

	if (!strcmp(r->release, p->release))
		p->acted = true;
	if (!strcmp(r->action, "rolled back") && r->at_ms > p->rolled_back_ms)
		p->rolled_back_ms = r->at_ms;
	return 0;
}

/* The first fatal, new group: what the message says went wrong. */
struct top {
	char *message, *stack;
};

static int top_group(const struct event_group *g, void *data)
{
	struct top *t = data;

	if (!g->fatal || g->known)
		return 0;
	t->message = xasprintf("%s: %s", g->kind, g->sample_message ? g->sample_message :
			       g->message);
	t->stack = xstrdup(g->sample_stack ? g->sample_stack : "");
	return 1;
}

int watch_product(struct watch *w, const char *product)
{
	const struct cfg_product *cp = config_product(w->cfg, product);
	struct live l;
	struct past past = {0};
	struct top top = {0};
	struct watch_record rec = {0};
	struct lock lk = LOCK_INIT;
	char restored[RELEASE_ID_MAX] = "", probe_why[256] = "", *detail = NULL, *path;
	int64_t now = wall_ms();
	bool by_beacons, by_probe = false, held;
	double t0, switch_ms = 0;
	int ret = WATCH_FAILED;

	if (live_of(w->h, product, &l) < 0)
		return -1;
	if (!*l.active || !l.activated_ms || now - l.activated_ms >= w->cfg->bake_ms) {
		live_release(&l);
		return WATCH_IDLE;
	}
	past.release = l.active;
	if (history_watch_log(w->h, product, 50, past_entry, &past) < 0)
		goto fail;
	if (past.acted) {
		live_release(&l);
		return WATCH_DONE;
	}
	by_beacons = l.fatal_events >= w->cfg->fatal_events &&
		     l.fatal_clients >= w->cfg->fatal_clients;
	if (w->probe && cp && cp->url) {
		struct watch_probe *p = probe_of(w, product, l.active);

		if (probe_url(cp->url, probe_why, sizeof(probe_why)) < 0 ||
		    probe_boot(w, cp, probe_why, sizeof(probe_why)) < 0) {
			p->failures++;
			snprintf(p->last, sizeof(p->last), "%s", probe_why);
		} else {
			p->failures = 0;
		}
		by_probe = p->failures >= PROBE_FAILURES;
	}
	if (!by_beacons && !by_probe) {
		live_release(&l);
		return WATCH_HEALTHY;
	}
	/* one watch acts on a product at a time: another that holds it decides */
	path = xasprintf("%s/%s/.watch", w->store, product);
	if (lock_take(&lk, path, false) < 0) {
		free(path);
		fault_clear();
		live_release(&l);
		return WATCH_DONE;
	}
	free(path);
	/* looked at again under the lock: the other may have acted a moment ago */
	past.acted = false;
	if (history_watch_log(w->h, product, 50, past_entry, &past) < 0)
		goto fail;
	if (past.acted) {
		ret = WATCH_DONE;
		goto out;
	}
	if (history_event_groups(w->h, product, l.active, *l.previous ? l.previous : NULL,
				 l.activated_ms, 0, top_group, &top) < 0)
		goto fail;
	if (by_beacons)
		detail = xasprintf("%lld fatal events from %lld clients since activation%s%s",
				   (long long)l.fatal_events, (long long)l.fatal_clients,
				   top.message ? ": " : "", top.message ? top.message : "");
	else
		detail = xasprintf("the probe failed %d times in a row: %s", PROBE_FAILURES,
				   probe_of(w, product, l.active)->last);
	held = past.rolled_back_ms && now - past.rolled_back_ms < w->cfg->bake_ms;
	rec.product = product;
	rec.release = l.active;
	rec.verdict = "failed to start";
	rec.detail = detail;
	rec.at_ms = now;
	rec.detect_ms = now - l.activated_ms;
	rec.restore_ms = -1;
	if (!w->cfg->auto_rollback) {
		rec.action = "told (autoRollback is off)";
	} else if (held) {
		rec.action = "told (rolled back once in this bake window already: a person decides)";
	} else if (!*l.last_good) {
		rec.action = "told (no good release to go back to)";
	} else {
		char *reason = xasprintf("watch: %s", detail);

		t0 = now_ms();
		if (w->hooks.rollback(w->hooks.data, product, l.active, reason, restored,
				      &switch_ms) == 0) {
			rec.action = "rolled back";
			rec.restored = restored;
			rec.restore_ms = (int64_t)(now_ms() - t0 + 0.5);
		} else {
			rec.action = "told (the rollback was refused: see the log)";
		}
		free(reason);
	}
	if (history_record_watch(w->h, &rec) < 0)
		goto fail;
	if (w->hooks.tell)
		w->hooks.tell(w->hooks.data, &rec, top.stack);
	goto out;
fail:
	ret = -1;
out:
	lock_drop(&lk);
	free(detail);
	free(top.message);
	free(top.stack);
	live_release(&l);
	return ret;
}

void watch_release(struct watch *w)
{
	free(w->probes);
	w->probes = NULL;
	w->nprobes = 0;
}
