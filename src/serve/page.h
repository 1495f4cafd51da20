/*
 * page: what relgate serve shows people and machines: the status page
 * (server-rendered HTML, no framework, no asset from elsewhere), the same
 * facts as JSON, and the events part of /metrics.  Read from the history.
 */
#ifndef RELGATE_PAGE_H
#define RELGATE_PAGE_H

#include <stddef.h>

#include "lib/config.h"
#include "lib/util.h"
#include "release/history.h"

/* The page's policy: its own inline script and style, requests to itself only. */
#define PAGE_CSP                                                                           \
	"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "      \
	"connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'"

/* Each returns the HTTP status: 200, or 500 with the reason in out. */
int page_status_html(struct history *h, char **products, size_t n, const struct config *c,
		     struct buf *out);
int page_status_json(struct history *h, char **products, size_t n, const struct config *c,
		     struct buf *out);
int page_metrics_events(struct history *h, struct buf *out);

/*
 * The products there are: relgate.json's, then those the history knows,
 * each once, appended to out (its strings malloc'd).  0, or -1 after an error.
 */
int known_products(const struct config *c, struct history *h, struct strlist *out);

/* What a product's live release is, for the page, the API and the watch. */
struct live {
	char active[RELEASE_ID_MAX];
	char previous[RELEASE_ID_MAX];   /* what the activation replaced */
	char last_good[RELEASE_ID_MAX];
	char *kind;                      /* of its activation: "release", "rollback", ... */
	int64_t activated_ms;            /* 0 when never activated */
	int64_t fatal_events, fatal_clients;   /* new fatal events since activation */
};
/* 0, or -1 after an error. */
int live_of(struct history *h, const char *product, struct live *l);
void live_release(struct live *l);

#endif
