/*
 * watch: did a fresh release start in real browsers?  For a product whose
 * active release is inside its bake window (watch.bake from its
 * activation), the evidence is
 *
 * - the beacons: at least watch.fatal.events fatal events (errors of the
 *   product's own origin before it was ready, failed loads of its own
 *   scripts and styles, boot timeouts) from at least watch.fatal.clients
 *   distinct clients, of fingerprints the release it replaced did not have;
 * - the probe: its url answered with an error, or not at all, or its boot
 *   check (relgate.json's, in chromium, against the live url) failed, three
 *   times running (the probe's own visits are never counted as clients: its
 *   User-Agent says relgate-probe, and the collector drops those).
 *
 * A release that failed to start is rolled back when watch.autoRollback is
 * on, naming the release it expects to be active (a person's rollback at
 * the same moment is not doubled), and marked bad with the evidence; at
 * most once per bake window without a person (the flapping guard): a
 * second failure inside it is told, not acted on.  Every decision is in
 * the history (watch_log), and the product's channels are told.
 */
#ifndef RELGATE_WATCH_H
#define RELGATE_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/config.h"
#include "release/history.h"

struct supervisor;

struct watch_hooks {
	/*
	 * Activate the release before expect (the last good one) for product,
	 * only if expect is still active.  0 with *restored and *switch_ms, or
	 * -1 (said on stderr; another activation came first, or none to go to).
	 */
	int (*rollback)(void *data, const char *product, const char *expect, const char *reason,
			char restored[RELEASE_ID_MAX], double *switch_ms);
	/* Tell product's channels what the watch found and did. */
	void (*tell)(void *data, const struct watch_record *w, const char *stack);
	void *data;
};

struct watch_probe {
	char product[128];
	char release[RELEASE_ID_MAX];
	int failures;              /* in a row, for this release */
	char last[256];            /* what the last failure was */
};

struct watch {
	const struct config *cfg;
	struct history *h;
	const char *store;
	struct watch_hooks hooks;
	bool probe;                /* probe the products' urls (relgate watch; not serve --watch) */
	struct supervisor *sv;     /* for the boot check against the live url; NULL: HTTP only */
	bool no_browser;           /* the boot check could not start a browser (said once) */
	struct watch_probe *probes;
	size_t nprobes;
};

/* What watch_product found. */
enum watch_outcome {
	WATCH_IDLE,        /* no active release, or outside its bake window */
	WATCH_HEALTHY,     /* inside it, nothing fatal */
	WATCH_DONE,        /* this release was already acted on */
	WATCH_FAILED,      /* failed to start: rolled back, or told (autoRollback off, guard) */
};

/*
 * Look at product now (wall_ms()'s clock).  Returns the outcome, or -1
 * after an error (said).
 */
int watch_product(struct watch *w, const char *product);
void watch_release(struct watch *w);

/* What the probe found of product (one entry a product), or NULL when it was never probed. */
const struct watch_probe *watch_probe_find(const struct watch *w, const char *product);

#endif
