/*
 * server: relgate serve, on libmicrohttpd.
 *
 *   POST /beacon          the snippet's events: 204 once committed
 *   GET  /                the status page
 *   GET  /api/status      the same as JSON
 *   POST /api/rollback    Authorization: Bearer <token>
 *   GET  /p/<product>/... the product's active release
 *   GET  /healthz, /metrics
 *
 * libmicrohttpd's threads parse, check and answer what needs nothing but
 * the request (static files, health, refusals); whatever reads or writes
 * the history goes to the process's loop through one bounded queue, with
 * its connection suspended until the loop has the answer.  Beacons are
 * written by the loop alone, in batches (group commit): what arrived while
 * the last batch was being committed is the next one, at most BATCH_MAX,
 * and each of its beacons is answered 204 only once it is committed, so
 * that a 204 means stored.
 */
#ifndef RELGATE_SERVER_H
#define RELGATE_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/config.h"
#include "lib/loop.h"
#include "lib/util.h"
#include "release/history.h"

struct server;

/* What only the commands can do, asked for by the server (from the loop's thread). */
struct serve_hooks {
	/*
	 * Roll product back (to: NULL for the last good release), and say
	 * what happened as JSON into out with its HTTP status.
	 */
	void (*rollback)(void *data, const char *product, const char *to, const char *reason,
			 int *status, struct buf *out);
	/* A batch that holds events of product was committed (the watch looks at once). */
	void (*committed)(void *data, const char *product);
	void *data;
};

struct serve_opts {
	const struct config *cfg;
	const char *store;          /* the store's root */
	struct history *h;          /* the loop's own handle on the history */
	struct loop *loop;
	const char *listen;         /* "ADDR:PORT", "[ADDR]:PORT" or ":PORT" */
	const char *token;          /* the admin token, or NULL: admin actions are refused */
	struct serve_hooks hooks;
};

/* Listen and serve.  0, or -1 after an error message (FAULT_ENV or FAULT_INPUT). */
int server_start(struct server **out, const struct serve_opts *o);
/* The port it listens on. */
int server_port(const struct server *s);
/* The products the server knows: relgate.json's, then the history's. */
size_t server_products(struct server *s, const char ***names);
/* Count an automatic rollback (for /metrics). */
void server_count_rollback(struct server *s);
/*
 * Stop accepting, commit the open batch and answer it, give the answers
 * a moment to leave (at most max_ms in all), then close.
 */
void server_stop(struct server *s, int max_ms);

#endif
