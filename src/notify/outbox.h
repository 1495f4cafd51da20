/*
 * outbox: every notification goes through the history's outbox.
 *
 * outbox_queue() makes the message's form for each channel and records it
 * as a pending delivery with an id ("d000042"), so that nothing is lost
 * when a receiver is down; a message whose thread (a plan for one branch
 * or pull request) already went to a channel with the same content is not
 * queued again.  outbox_flush() sends what is due, all at once (HTTP and
 * SMTP through libcurl's multi interface, commands under the supervisor),
 * and ends at its time bound whatever the receivers do: a delivery not
 * answered by then, or answered with an error, is retried with an
 * exponential backoff (10 s, 20 s, ... at most an hour) by the next flush,
 * until notify.retryFor has passed; then it is given up and says so.
 *
 * Delivery is at least once: a delivery is claimed (a lease, so that two
 * senders do not send it at once, and one that died leaves it to the next)
 * and marked sent only when the receiver answered; a receiver that took it
 * but whose answer was lost gets it again, with the same delivery id.
 *
 * Secrets (a URL from urlEnv, an SMTP password, a token) are read from the
 * environment when a delivery is sent, never stored, and taken out of
 * every message that could show them.
 */
#ifndef RELGATE_OUTBOX_H
#define RELGATE_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "release/history.h"

struct config;
struct notice;
struct strlist;

enum outbox_outcome {
	OUTBOX_SENT,       /* the receiver took it */
	OUTBOX_QUEUED,     /* queued, not sent yet (outbox_queue) */
	OUTBOX_RETRY,      /* not delivered this time; retried at next_ms */
	OUTBOX_GAVE_UP,    /* not delivered within notify.retryFor */
	OUTBOX_SAME,       /* the same content went to this thread already */
	OUTBOX_SKIPPED,    /* not for this channel here (GitHub without a pull request) */
	OUTBOX_BUSY,       /* another relgate is sending it */
};

struct outbox_item {
	char id[DELIVERY_ID_MAX];
	char channel[128], type[16];
	enum outbox_outcome outcome;
	char detail[320];          /* why, for what was not sent; no secret in it */
	int64_t next_ms;
};

struct outbox_report {
	struct outbox_item *v;
	size_t n, cap;
	int stop_signal;       /* the flush was interrupted by it: the rest stays queued */
};

/*
 * Queue n for each channel of names (repeats count once).  host names
 * this machine in e-mails.  0, or -1 after an error (the history's).
 */
int outbox_queue(struct history *h, const struct config *cfg, const struct notice *n,
		 const struct strlist *names, const char *host, struct outbox_report *rep);

struct flush_opts {
	int64_t timeout_ms;        /* the whole flush ends within this */
	bool all;                  /* every pending delivery, not only those due */
	const char *channel;       /* only this channel's; NULL: all */
};

/* Send what is pending (see above).  0, or -1 after an error of the history's. */
int outbox_flush(struct history *h, const struct config *cfg, const struct flush_opts *o,
		 struct outbox_report *rep);

/* Is a delivery due (1), none (0), or -1 after an error? */
int outbox_due(struct history *h);

/* One line per item, to stderr: "notify: qa (slack): sent d000004". */
void outbox_report_print(const struct outbox_report *rep);
/* Did every item reach its receiver (or need not)? */
bool outbox_report_ok(const struct outbox_report *rep);
void outbox_report_release(struct outbox_report *rep);

/*
 * Does a plain "url" look like it holds a secret (a Slack or Teams webhook,
 * a token in its query, a password before its host)?  For the warning that
 * it belongs in an environment variable named by "urlEnv".
 */
bool outbox_url_has_secret(const char *url);

/* Is url's host this machine (localhost, 127.0.0.0/8, [::1])? */
bool outbox_url_is_loopback(const char *url);

/*
 * Where this run's change is discussed, for threads: "pr:12" from the CI's
 * environment (RELGATE_PR, GitHub's GITHUB_REF or event file, GitLab's
 * CI_MERGE_REQUEST_IID), else "branch:NAME" (RELGATE_BRANCH, the CI's
 * branch variables, else branch, the checked-out one), else NULL.
 * Returns a string to free.
 */
char *outbox_change_scope(const char *branch);

#endif
