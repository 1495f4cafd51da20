/*
 * history: what the store did, in SQLite (<store>/relgate.db): releases,
 * activations, bad marks, gate runs, and the outbox of notifications.  All of relgate's SQL is here, behind
 * functions named for what they record or ask, and in the SQL PostgreSQL
 * also accepts, so that another backend can take its place.
 *
 * The file is opened in WAL mode with foreign keys on and a busy timeout
 * (another relgate writing waits, then a clear error); its schema version
 * is kept in meta, and the migrations up to this binary's run on open.  A
 * history newer than the binary is an environment error (exit 3).
 *
 * Release ids come from the history's sequence ("r000042"), so that they
 * sort in the order releases were made whatever the clocks say; the time
 * is kept beside them, for people.
 */
#ifndef RELGATE_HISTORY_H
#define RELGATE_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct history;

/* The room a release id takes, its NUL included ("r" and the sequence, 6 digits or more). */
#define RELEASE_ID_MAX 24

/* Open (or make) the history at path.  0, or -1 after an error (FAULT_ENV). */
int history_open(struct history **h, const char *path);
void history_close(struct history *h);

/* A write transaction (BEGIN IMMEDIATE: the writer's lock is taken at once). */
int history_begin(struct history *h);
int history_commit(struct history *h);
void history_abort(struct history *h);
/* Inside a transaction? */
bool history_in_transaction(struct history *h);
/*
 * fn(h, data) as a part of the transaction that may fail on its own: what
 * it wrote is undone when it returns -1, the rest stays.  Its return value.
 */
int history_try(struct history *h, int (*fn)(struct history *, void *), void *data);

/* Who did something, and from where: kept with every record. */
struct who {
	const char *user, *host;
};

struct release_record {
	char id[RELEASE_ID_MAX];
	int64_t seq;
	const char *product;
	const char *state;          /* "staging", "complete", "abandoned", "pruned" */
	const char *digest;         /* of the artifact as built: its identity */
	const char *stored_digest;  /* of what the store holds */
	int64_t files, bytes, new_bytes;
	const char *commit, *reason, *gate;   /* gate: "passed", "forced" */
	bool dirty, forced, bad;
	const char *bad_reason;
	const char *user, *host, *created;   /* created: ISO 8601, UTC */
	int64_t created_ms;
};

/* A new release of product, as "staging": fills r->seq and r->id. */
int history_record_release_start(struct history *h, struct release_record *r);
/* The release r->id is complete on disk (files, bytes, digests as in r). */
int history_record_release_complete(struct history *h, const struct release_record *r);
/* A release that will not be finished (its staging is gone). */
int history_record_release_abandoned(struct history *h, const char *id);
int history_record_release_pruned(struct history *h, const char *id);
int history_mark_bad(struct history *h, const char *id, const char *reason);
/* A bad release activated again on purpose (--force) is good again. */
int history_mark_good(struct history *h, const char *id);

/* The release id (into id[RELEASE_ID_MAX]) or "" when none; 0, or -1 after an error. */
int history_active(struct history *h, const char *product, char *id);
/*
 * The newest good release before the active one, in the order of
 * activations: complete, not marked bad, not the active one.  "" when none.
 */
int history_last_good(struct history *h, const char *product, char *id);

struct activation_record {
	const char *product, *from, *to;
	const char *kind;          /* "release", "rollback", "repair" */
	const char *reason;
	const char *user, *host, *at;
	int64_t at_ms, switch_us;
};
int history_record_activation(struct history *h, const struct activation_record *a);

/* One release, by id: 1 found (strings valid until the next call), 0 not, -1 error. */
int history_release(struct history *h, const char *id, struct release_record *r);
/* The complete release of product whose digest is digest: 1 with r, 0 none, -1 error. */
int history_release_by_digest(struct history *h, const char *product, const char *digest,
			      struct release_record *r);

/* Each release of product (NULL: every product), newest first, at most limit (0: all). */
typedef int history_release_fn(const struct release_record *r, void *data);
int history_releases(struct history *h, const char *product, size_t limit,
		     history_release_fn *fn, void *data);
/* Product's releases marked bad, newest first, at most limit; how many there are into *count. */
int history_bad_releases(struct history *h, const char *product, size_t limit,
			 history_release_fn *fn, void *data, int64_t *count);
typedef int history_activation_fn(const struct activation_record *a, void *data);
int history_activations(struct history *h, const char *product, size_t limit,
			history_activation_fn *fn, void *data);

/* The products the history knows, in name order. */
typedef int history_product_fn(const char *product, void *data);
int history_products(struct history *h, history_product_fn *fn, void *data);

/* A gate verdict for an artifact's digest ("passed" or "failed"). */
int history_record_gate_run(struct history *h, const char *product, const char *digest,
			    const char *verdict, const char *commit, const struct who *who);
/* Whether a gate run passed the artifact digest of product: 1 yes, 0 no, -1 error. */
int history_gate_passed(struct history *h, const char *product, const char *digest);


/*
 * The outbox: every notification is a delivery, queued before it is sent,
 * so that a receiver that is down loses nothing.  payload is what goes
 * over the wire for its channel, made once (a retry sends the same bytes);
 * content is a digest of what it says, for "the same plan again".
 */
#define DELIVERY_ID_MAX 24
struct delivery_record {
	char id[DELIVERY_ID_MAX];     /* "d000042" */
	int64_t seq;
	const char *channel, *kind, *product;
	const char *thread;           /* what it updates or repeats: "plan pr:12", or NULL */
	const char *content, *subject, *payload;
	const char *state;            /* "pending", "sent", "failed" (given up) */
	int attempts;
	int64_t next_ms, lease_ms, created_ms, sent_ms;
	const char *created, *last_error;
};
/* Queue d (pending, due at d->next_ms): fills d->seq and d->id. */
int history_queue_delivery(struct history *h, struct delivery_record *d);
/* The newest delivery of thread to channel not given up: 1 with d, 0 none, -1 error. */
int history_last_delivery(struct history *h, const char *thread, const char *channel,
			  struct delivery_record *d);
/* Its form on the wire, made once its id is known. */
int history_set_payload(struct history *h, const char *id, const char *payload);
/* Deliveries in state (NULL: any) due by due_ms, newest first (or oldest), at most limit (0: all). */
typedef int history_delivery_fn(const struct delivery_record *d, void *data);
int history_deliveries(struct history *h, const char *state, int64_t due_ms, bool oldest_first,
		       size_t limit, history_delivery_fn *fn, void *data);
/*
 * Take pending delivery id for sending until the time until (a lease: a
 * sender that died leaves it to the next after that): 1 taken, 0 another
 * sender has it or it is done, -1 error.  Counts the attempt.
 */
int history_claim_delivery(struct history *h, const char *id, int64_t now, int64_t until);
/*
 * The attempt's outcome: state "sent", "failed", or "pending" again at
 * next_ms; but for "sent", only while the sender still holds lease (its
 * until), so that one whose lease ran out overwrites no other's attempt.
 */
int history_delivery_done(struct history *h, const char *id, int64_t lease, const char *state,
			  int64_t next_ms, const char *error);
/* How many deliveries wait for a retry, and how many were given up. */
int history_outbox_counts(struct history *h, int64_t *pending, int64_t *failed);
/* A message updated in place (a GitHub comment's id), by key: "" when none. */
int history_thread_ref(struct history *h, const char *key, char *ref, size_t size);
int history_set_thread_ref(struct history *h, const char *key, const char *ref);

/*
 * Events: what the snippet reported from real browsers, taken by the
 * collector (relgate serve), grouped by fingerprint per release.  A group
 * counts its events and its distinct clients (keyed hashes, up to
 * EVENT_CLIENTS_MAX) and keeps its first EVENT_SAMPLES_MAX events as they
 * came; a release has at most EVENT_GROUPS_MAX groups, the rest falls into
 * one "overflow" group, so that a flood of distinct errors is bounded.
 */
#define EVENT_GROUPS_MAX 500
#define EVENT_CLIENTS_MAX 1000
#define EVENT_SAMPLES_MAX 5
struct event_record {
	const char *product, *release, *kind;
	const char *fingerprint;      /* hex, of kind, normalized and frame */
	const char *normalized;       /* the message, numbers and ids stripped */
	const char *frame;            /* the top stack frame, or NULL */
	const char *message, *stack, *page;   /* the sample, as sent (URLs without queries) */
	const char *client;           /* the client's keyed hash, or NULL */
	int version;                  /* the beacon format's */
	int64_t at_ms;
};
/* Commits a little less durably: a power loss may lose the last commit, a crash does not. */
int history_set_relaxed(struct history *h);
/* Whether release id is product's (complete, or pruned since): 1, 0, or -1 after an error. */
int history_release_exists(struct history *h, const char *product, const char *id);
/*
 * Events of one group (the same product, release and fingerprint: a
 * batch's), in the order they came.  0, or -1 after an error.
 */
int history_record_events(struct history *h, const struct event_record *const *e, size_t n);

struct event_group {
	const char *product, *release, *kind, *fingerprint, *message, *frame;
	const char *sample_message, *sample_stack, *sample_page;   /* its first event */
	int64_t events, clients, first_ms, last_ms;
	bool fatal;        /* error, resource, boot-timeout: the release did not start */
	bool known;        /* the previous release had it too */
};
typedef int history_group_fn(const struct event_group *g, void *data);
/*
 * The groups of product's release seen since since_ms, fatal ones first
 * then by count, at most limit (0: all); known against previous (NULL: none).
 */
int history_event_groups(struct history *h, const char *product, const char *release,
			 const char *previous, int64_t since_ms, size_t limit,
			 history_group_fn *fn, void *data);
/*
 * The fatal events of release seen since since_ms whose fingerprint
 * previous did not have, and their distinct clients.
 */
int history_fatal(struct history *h, const char *product, const char *release,
		  const char *previous, int64_t since_ms, int64_t *events, int64_t *clients);
/* The events by product, release and kind, the most recent first, at most limit. */
typedef int history_total_fn(const char *product, const char *release, const char *kind,
			     int64_t events, void *data);
int history_event_totals(struct history *h, size_t limit, history_total_fn *fn, void *data);
/* Forget the groups last seen before before_ms; how many into *removed. */
int history_prune_events(struct history *h, int64_t before_ms, int64_t *removed);

/* What the watch found and did about a release that did not start. */
struct watch_record {
	const char *product, *release;
	const char *restored;         /* the release it went back to, or NULL */
	const char *verdict;          /* "failed to start" */
	const char *action;           /* "rolled back", "told", "held" (the flapping guard) */
	const char *detail;           /* the evidence, for people */
	const char *at;
	int64_t at_ms;
	int64_t detect_ms, restore_ms;   /* activation to detection, detection to restore; -1 */
};
int history_record_watch(struct history *h, const struct watch_record *w);
typedef int history_watch_fn(const struct watch_record *w, void *data);
int history_watch_log(struct history *h, const char *product, size_t limit,
		      history_watch_fn *fn, void *data);

#endif
