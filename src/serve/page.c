/*
 * page: the status page, /api/status and the events of /metrics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/jsonw.h"
#include "serve/page.h"

#define PAGE_RELEASES 8
#define PAGE_GROUPS 20
#define PAGE_WATCH 5

static int last_activation(const struct activation_record *a, void *data)
{
	struct live *l = data;

	snprintf(l->previous, sizeof(l->previous), "%s", a->from ? a->from : "");
	l->kind = xstrdup(a->kind ? a->kind : "");
	l->activated_ms = a->at_ms;
	return 1;
}

static int add_known(const char *product, void *data)
{
	strlist_add_once(data, product);
	return 0;
}

int known_products(const struct config *c, struct history *h, struct strlist *out)
{
	size_t i;

	for (i = 0; i < c->nproducts; i++)
		strlist_add_once(out, c->products[i].name);
	return history_products(h, add_known, out);
}

int live_of(struct history *h, const char *product, struct live *l)
{
	memset(l, 0, sizeof(*l));
	if (history_active(h, product, l->active) < 0 ||
	    history_last_good(h, product, l->last_good) < 0 ||
	    history_activations(h, product, 1, last_activation, l) < 0)
		return -1;
	if (*l->active && history_fatal(h, product, l->active, *l->previous ? l->previous : NULL,
					l->activated_ms, &l->fatal_events, &l->fatal_clients) < 0)
		return -1;
	return 0;
}

void live_release(struct live *l)
{
	free(l->kind);
	l->kind = NULL;
}

/* ---- HTML ---- */

struct html {
	struct buf *b;
	const char *active;
};

static int html_release(const struct release_record *r, void *data)
{
	struct html *x = data;
	char when[16];

	age_text(r->created_ms, "", when, sizeof(when));
	buf_addf(x->b, "<tr%s><td>%s</td><td>%s ago</td><td>", !strcmp(r->id, x->active) ?
		 " class=active" : "", r->id, when);
	buf_add_html(x->b, r->commit ? r->commit : "");
	buf_adds(x->b, "</td><td>");
	buf_add_html(x->b, r->bad ? "bad" : r->forced ? "forced" : r->gate ? r->gate : r->state);
	buf_adds(x->b, "</td><td>");
	buf_add_html(x->b, r->bad ? r->bad_reason : r->reason);
	buf_adds(x->b, "</td></tr>\n");
	return 0;
}

struct html_groups {
	struct buf *b;
	size_t n;
};

static int html_group(const struct event_group *g, void *data)
{
	struct html_groups *hg = data;
	struct buf *b = hg->b;

	hg->n++;
	buf_addf(b, "<details class=%s><summary><b>%lld</b> from <b>%lld</b> client%s: ",
		 g->fatal && !g->known ? "fatal" : "other", (long long)g->events,
		 (long long)g->clients, g->clients == 1 ? "" : "s");
	buf_add_html(b, g->kind);
	buf_adds(b, " <code>");
	buf_add_html(b, g->sample_message ? g->sample_message : g->message);
	buf_adds(b, "</code>");
	if (g->known)
		buf_adds(b, " (the previous release had it too)");
	buf_adds(b, "</summary><pre>");
	buf_add_html(b, g->sample_stack);
	buf_adds(b, "\n");
	buf_add_html(b, g->sample_page);
	buf_adds(b, "</pre></details>\n");
	return 0;
}

static int html_watch(const struct watch_record *w, void *data)
{
	struct buf *b = data;

	buf_adds(b, "<li>");
	buf_add_html(b, w->at);
	buf_adds(b, ": ");
	buf_add_html(b, w->release);
	buf_adds(b, " ");
	buf_add_html(b, w->verdict);
	buf_adds(b, ", ");
	buf_add_html(b, w->action);
	if (w->restored) {
		buf_adds(b, " to ");
		buf_add_html(b, w->restored);
	}
	if (w->detect_ms >= 0)
		buf_addf(b, " (detected %.1f s after activation", (double)w->detect_ms / 1000);
	if (w->restore_ms >= 0)
		buf_addf(b, ", restored in %lld ms", (long long)w->restore_ms);
	buf_adds(b, w->detect_ms >= 0 ? ")" : "");
	buf_adds(b, ": ");
	buf_add_html(b, w->detail);
	buf_adds(b, "</li>\n");
	return 0;
}

static const char page_head[] =
	"<!doctype html>\n<html lang=en><head><meta charset=utf-8>\n"
	"<meta name=viewport content=\"width=device-width\">\n"
	"<title>relgate status</title>\n<style>\n"
	"body{font:15px/1.4 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;"
	"color:#222}\nh2{margin-top:2em;border-bottom:1px solid #ccc}\n"
	"table{border-collapse:collapse}td,th{padding:.2em .8em;text-align:left}\n"
	"tr.active{font-weight:bold}.fatal summary{color:#b00}\n"
	".ok{color:#070}.bad{color:#b00}pre{background:#f4f4f4;padding:.5em;overflow:auto}\n"
	"button{font:inherit}\n</style></head><body>\n<h1>relgate status</h1>\n";

/* The button asks for the token and posts the rollback; nothing else runs on the page. */
static const char page_script[] =
	"<script>\n"
	"document.addEventListener('click', function (e) {\n"
	"  var p = e.target.getAttribute && e.target.getAttribute('data-rollback');\n"
	"  if (!p) return;\n"
	"  var token = prompt('Roll ' + p + ' back: the admin token');\n"
	"  if (!token) return;\n"
	"  fetch('/api/rollback', {method: 'POST', headers: {'Authorization': 'Bearer ' + token,\n"
	"    'Content-Type': 'application/json'}, body: JSON.stringify({product: p,\n"
	"    reason: 'from the status page'})}).then(function (r) {\n"
	"    return r.json().then(function (j) {\n"
	"      document.getElementById('said').textContent = r.ok ?\n"
	"        p + ' rolled back to ' + j.to : (j.error || r.statusText);\n"
	"      if (r.ok) setTimeout(function () { location.reload(); }, 500);\n"
	"    });\n"
	"  });\n"
	"});\n"
	"</script>\n";

int page_status_html(struct history *h, char **products, size_t n, const struct config *c,
		     struct buf *out)
{
	struct live *lives;
	size_t i;
	int ret;

	buf_adds(out, page_head);
	buf_adds(out, "<p id=said role=status></p>\n<table id=products><tr><th>product</th>"
		      "<th>active</th><th>since</th><th>previous good</th><th>fatal since "
		      "activation</th><th></th></tr>\n");
	/* each product's facts, read once for the table and its section */
	lives = xcalloc(n ? n : 1, sizeof(*lives));
	for (i = 0; i < n; i++)
		if (live_of(h, products[i], &lives[i]) < 0)
			goto fail;
	for (i = 0; i < n; i++) {
		const struct live l = lives[i];
		char when[16] = "-";

		if (l.activated_ms)
			age_text(l.activated_ms, "", when, sizeof(when));
		buf_addf(out, "<tr data-product=\"%s\"><td><a href=\"#%s\">%s</a></td><td class=release>"
			 "%s</td><td>%s%s</td><td>%s</td><td class=%s>%lld events, %lld clients</td>"
			 "<td><button data-rollback=\"%s\"%s>roll back</button></td></tr>\n",
			 products[i], products[i], products[i], *l.active ? l.active : "none", when,
			 l.activated_ms ? " ago" : "", *l.last_good ? l.last_good : "none",
			 l.fatal_events ? "bad" : "ok", (long long)l.fatal_events,
			 (long long)l.fatal_clients, products[i], *l.last_good ? "" : " disabled");
	}
	buf_adds(out, "</table>\n");
	for (i = 0; i < n; i++) {
		const struct live l = lives[i];
		struct html x = {out, l.active};

		buf_addf(out, "<h2 id=\"%s\">%s</h2>\n", products[i], products[i]);
		if (*l.active) {
			struct html_groups hg = {out, 0};

			buf_addf(out, "<h3>events of %s since its activation</h3>\n", l.active);
			if (history_event_groups(h, products[i], l.active, *l.previous ? l.previous : NULL,
						 l.activated_ms, PAGE_GROUPS, html_group, &hg) < 0)
				goto fail;
			if (!hg.n)
				buf_adds(out, "<p class=ok>none</p>\n");
		}
		buf_adds(out, "<h3>what the watch did</h3>\n<ul class=watch>\n");
		if (history_watch_log(h, products[i], PAGE_WATCH, html_watch, out) < 0)
			goto fail;
		buf_adds(out, "</ul>\n<h3>releases</h3>\n<table class=releases>\n");
		if (history_releases(h, products[i], PAGE_RELEASES, html_release, &x) < 0)
			goto fail;
		buf_adds(out, "</table>\n");
	}
	buf_addf(out, "<p>bake window %lld s; rollback by itself: %s; fatal: %d events from %d "
		      "clients</p>\n", (long long)(c->bake_ms / 1000), c->auto_rollback ? "on" : "off",
		 c->fatal_events, c->fatal_clients);
	buf_adds(out, page_script);
	buf_adds(out, "</body></html>\n");
	ret = 200;
	goto out;
fail:
	buf_reset(out);
	buf_adds(out, "the history cannot be read: relgate serve's log says why\n");
	ret = 500;
out:
	for (i = 0; i < n; i++)
		live_release(&lives[i]);
	free(lives);
	return ret;
}

/* ---- JSON ---- */

static int json_group(const struct event_group *g, void *data)
{
	struct jw *w = data;

	jw_object(w);
	jw_kstr(w, "kind", g->kind);
	jw_kstr(w, "fingerprint", g->fingerprint);
	jw_kstr(w, "message", g->message);
	jw_kstr(w, "frame", g->frame);
	jw_kint(w, "events", g->events);
	jw_kint(w, "clients", g->clients);
	jw_kbool(w, "fatal", g->fatal);
	jw_kbool(w, "new", !g->known);
	jw_kstr(w, "sampleMessage", g->sample_message);
	jw_kstr(w, "sampleStack", g->sample_stack);
	jw_kstr(w, "samplePage", g->sample_page);
	jw_kint(w, "firstMs", g->first_ms);
	jw_kint(w, "lastMs", g->last_ms);
	jw_end(w);
	return 0;
}

static int json_watch(const struct watch_record *r, void *data)
{
	struct jw *w = data;

	jw_object(w);
	jw_kstr(w, "release", r->release);
	jw_kstr(w, "restored", r->restored);
	jw_kstr(w, "verdict", r->verdict);
	jw_kstr(w, "action", r->action);
	jw_kstr(w, "detail", r->detail);
	jw_kstr(w, "at", r->at);
	if (r->detect_ms >= 0)
		jw_kint(w, "detectMs", r->detect_ms);
	if (r->restore_ms >= 0)
		jw_kint(w, "restoreMs", r->restore_ms);
	jw_end(w);
	return 0;
}

int page_status_json(struct history *h, char **products, size_t n, const struct config *c,
		     struct buf *out)
{
	struct jw w;
	size_t i;

	jw_init(&w, out);
	jw_object(&w);
	jw_key(&w, "products");
	jw_array(&w);
	for (i = 0; i < n; i++) {
		struct live l;
		bool inside;

		if (live_of(h, products[i], &l) < 0)
			goto fail;
		inside = l.activated_ms && wall_ms() - l.activated_ms < c->bake_ms;
		jw_object(&w);
		jw_kstr(&w, "name", products[i]);
		jw_kstr(&w, "active", *l.active ? l.active : NULL);
		jw_kstr(&w, "activation", l.kind);
		jw_kint(&w, "activatedMs", l.activated_ms);
		jw_kstr(&w, "previous", *l.previous ? l.previous : NULL);
		jw_kstr(&w, "previousGood", *l.last_good ? l.last_good : NULL);
		jw_kbool(&w, "baking", inside);
		jw_key(&w, "fatal");
		jw_object(&w);
		jw_kint(&w, "events", l.fatal_events);
		jw_kint(&w, "clients", l.fatal_clients);
		jw_end(&w);
		jw_key(&w, "groups");
		jw_array(&w);
		if (*l.active && history_event_groups(h, products[i], l.active,
						      *l.previous ? l.previous : NULL, l.activated_ms,
						      PAGE_GROUPS, json_group, &w) < 0) {
			live_release(&l);
			goto fail;
		}
		jw_end(&w);
		jw_key(&w, "watch");
		jw_array(&w);
		if (history_watch_log(h, products[i], PAGE_WATCH, json_watch, &w) < 0) {
			live_release(&l);
			goto fail;
		}
		jw_end(&w);
		jw_end(&w);
		live_release(&l);
	}
	jw_end(&w);
	jw_end(&w);
	jw_done(&w);
	buf_addc(out, '\n');
	return 200;
fail:
	buf_reset(out);
	buf_adds(out, "{\"error\": \"the history cannot be read: relgate serve's log says why\"}\n");
	return 500;
}

/* ---- /metrics ---- */

static void label(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			buf_addc(b, '\\');
		if (*s == '\n')
			buf_adds(b, "\\n");
		else
			buf_addc(b, *s);
	}
}

static int metric_total(const char *product, const char *release, const char *kind,
			int64_t events, void *data)
{
	struct buf *b = data;

	buf_adds(b, "relgate_events_total{product=\"");
	label(b, product);
	buf_adds(b, "\",release=\"");
	label(b, release);
	buf_adds(b, "\",kind=\"");
	label(b, kind);
	buf_addf(b, "\"} %lld\n", (long long)events);
	return 0;
}

int page_metrics_events(struct history *h, struct buf *out)
{
	buf_adds(out, "# TYPE relgate_events_total counter\n");
	if (history_event_totals(h, 200, metric_total, out) < 0) {
		buf_adds(out, "# the history cannot be read: relgate serve's log says why\n");
		return 500;
	}
	return 200;
}
