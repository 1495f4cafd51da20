/*
 * history: SQLite, reached only from here.  Statements are prepared per
 * call (the store's commands make a handful each); rows come back as
 * records whose strings live until the handle's next query.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/diag.h"
#include "lib/util.h"
#include "release/history.h"

#define BUSY_TIMEOUT_MS 10000
#define EVENT_STATEMENTS 10
#define SCHEMA_VERSION 4

struct history {
	sqlite3 *db;
	char *path;
	char *strings[32];    /* of the last record handed out */
	size_t nstrings;
	sqlite3_stmt *kept[EVENT_STATEMENTS];   /* the collector's, prepared once */
};

/* The migrations, in order: migrations[v - 1] takes a history from version v - 1 to v. */
static const char *const migrations[] = {
	"CREATE TABLE releases ("
	"  seq INTEGER PRIMARY KEY,"
	"  id TEXT NOT NULL UNIQUE,"
	"  product TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  digest TEXT, stored_digest TEXT,"
	"  files BIGINT NOT NULL DEFAULT 0, bytes BIGINT NOT NULL DEFAULT 0,"
	"  new_bytes BIGINT NOT NULL DEFAULT 0,"
	"  commit_id TEXT, dirty INTEGER NOT NULL DEFAULT 0,"
	"  user_name TEXT, host TEXT, created TEXT NOT NULL, created_ms BIGINT NOT NULL,"
	"  reason TEXT, forced INTEGER NOT NULL DEFAULT 0, gate TEXT,"
	"  bad INTEGER NOT NULL DEFAULT 0, bad_reason TEXT);"
	"CREATE INDEX releases_by_product ON releases (product, seq);"
	"CREATE TABLE activations ("
	"  seq INTEGER PRIMARY KEY,"
	"  product TEXT NOT NULL,"
	"  from_release TEXT REFERENCES releases (id),"
	"  to_release TEXT NOT NULL REFERENCES releases (id),"
	"  kind TEXT NOT NULL, reason TEXT,"
	"  user_name TEXT, host TEXT, at TEXT NOT NULL, at_ms BIGINT NOT NULL,"
	"  switch_us BIGINT NOT NULL DEFAULT 0);"
	"CREATE INDEX activations_by_product ON activations (product, seq);"
	"CREATE TABLE gate_runs ("
	"  seq INTEGER PRIMARY KEY,"
	"  product TEXT NOT NULL, digest TEXT NOT NULL, verdict TEXT NOT NULL,"
	"  commit_id TEXT, user_name TEXT, host TEXT, at TEXT NOT NULL, at_ms BIGINT NOT NULL);"
	"CREATE INDEX gate_runs_by_digest ON gate_runs (product, digest);",
	/* 2: status asks for the bad releases of each product, a few among thousands */
	"CREATE INDEX releases_bad ON releases (product, seq) WHERE bad = 1;",
	/* 3: the outbox of notifications, and the messages updated in place (GitHub comments) */
	"CREATE TABLE deliveries ("
	"  seq INTEGER PRIMARY KEY,"
	"  id TEXT NOT NULL UNIQUE,"
	"  channel TEXT NOT NULL, kind TEXT NOT NULL, product TEXT,"
	"  thread TEXT, content TEXT NOT NULL, subject TEXT, payload TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_ms BIGINT NOT NULL, lease_ms BIGINT NOT NULL DEFAULT 0,"
	"  created TEXT NOT NULL, created_ms BIGINT NOT NULL,"
	"  sent_ms BIGINT, last_error TEXT);"
	"CREATE INDEX deliveries_pending ON deliveries (seq) WHERE state = 'pending';"
	"CREATE INDEX deliveries_undelivered ON deliveries (state) WHERE state <> 'sent';"
	"CREATE INDEX deliveries_by_thread ON deliveries (thread, channel, seq);"
	"CREATE TABLE threads (key TEXT PRIMARY KEY, ref TEXT NOT NULL);",
	/*
	 * 4: what the collector took from the snippet, grouped by fingerprint
	 * per release, with the distinct clients (keyed hashes, never an
	 * address) and a few raw samples; and what the watch decided.
	 */
	"CREATE TABLE event_groups ("
	"  seq INTEGER PRIMARY KEY,"
	"  product TEXT NOT NULL, release_id TEXT NOT NULL, kind TEXT NOT NULL,"
	"  fingerprint TEXT NOT NULL, message TEXT NOT NULL, frame TEXT,"
	"  events BIGINT NOT NULL DEFAULT 0, clients BIGINT NOT NULL DEFAULT 0,"
	"  samples INTEGER NOT NULL DEFAULT 0,"
	"  first_ms BIGINT NOT NULL, last_ms BIGINT NOT NULL,"
	"  UNIQUE (product, release_id, fingerprint));"
	"CREATE INDEX event_groups_by_time ON event_groups (last_ms);"
	"CREATE TABLE event_clients ("
	"  grp BIGINT NOT NULL, client TEXT NOT NULL, last_ms BIGINT NOT NULL,"
	"  PRIMARY KEY (grp, client));"
	"CREATE TABLE event_samples ("
	"  seq INTEGER PRIMARY KEY, grp BIGINT NOT NULL, at_ms BIGINT NOT NULL,"
	"  version INTEGER NOT NULL, message TEXT, stack TEXT, page TEXT);"
	"CREATE INDEX event_samples_by_group ON event_samples (grp, seq);"
	"CREATE TABLE watch_log ("
	"  seq INTEGER PRIMARY KEY,"
	"  product TEXT NOT NULL, release_id TEXT NOT NULL, restored TEXT,"
	"  verdict TEXT NOT NULL, action TEXT NOT NULL, detail TEXT,"
	"  at TEXT NOT NULL, at_ms BIGINT NOT NULL, detect_ms BIGINT, restore_ms BIGINT);"
	"CREATE INDEX watch_log_by_product ON watch_log (product, seq);",
};

_Static_assert(ARRAY_LEN(migrations) == SCHEMA_VERSION, "a migration for each schema version");

static int db_error(struct history *h, const char *what)
{
	return error_as(FAULT_ENV, "%s: %s: %s", h->path, what, sqlite3_errmsg(h->db));
}

static void forget_strings(struct history *h)
{
	while (h->nstrings)
		free(h->strings[--h->nstrings]);
}

/* A column's text, kept until the next query on h; NULL for NULL. */
static const char *keep_text(struct history *h, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	if (!t)
		return NULL;
	if (h->nstrings == ARRAY_LEN(h->strings))
		BUG("history: too many strings in one record");
	return h->strings[h->nstrings++] = xstrdup((const char *)t);
}

static sqlite3_stmt *prepare(struct history *h, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_error(h, "cannot prepare a query");
		return NULL;
	}
	return st;
}

/* Bind text or NULL to parameter i. */
static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Step a statement that returns no rows, and finalize it. */
static int run(struct history *h, sqlite3_stmt *st, const char *what)
{
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_error(h, what);
	return 0;
}

static int exec(struct history *h, const char *sql, const char *what)
{
	if (sqlite3_exec(h->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(h, what);
	return 0;
}

/* The schema's version, 0 for a new file (no meta table yet). */
static int schema_version(struct history *h, int *version)
{
	sqlite3_stmt *st = prepare(h, "SELECT COUNT(*) FROM sqlite_master "
				   "WHERE type = 'table' AND name = 'meta'");
	int rc;

	*version = 0;
	if (!st)
		return -1;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW || !sqlite3_column_int64(st, 0)) {
		sqlite3_finalize(st);
		return rc == SQLITE_ROW ? 0 : db_error(h, "cannot read the schema");
	}
	sqlite3_finalize(st);
	if (!(st = prepare(h, "SELECT value FROM meta WHERE key = 'schema'")))
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version = (int)strtol((const char *)sqlite3_column_text(st, 0), NULL, 10);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_error(h, "cannot read the schema");
}

static int newer(struct history *h, int version)
{
	return error_as(FAULT_ENV, "%s: the history is of schema %d, newer than this relgate's (%d): "
			"use a newer relgate", h->path, version, SCHEMA_VERSION);
}

/*
 * Bring the schema up to this binary's.  Reading it takes no lock, so that
 * opening a history another relgate is writing does not wait; only a
 * migration takes the writer's lock, and reads the version again under it.
 */
static int migrate(struct history *h)
{
	int version;

	if (schema_version(h, &version) < 0)
		return -1;
	if (version == SCHEMA_VERSION)
		return 0;
	if (version > SCHEMA_VERSION)
		return newer(h, version);
	if (history_begin(h) < 0)
		return -1;
	if (schema_version(h, &version) < 0)
		goto fail;
	if (version > SCHEMA_VERSION) {
		newer(h, version);
		goto fail;
	}
	if (!version && exec(h, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
			     "cannot make the meta table") < 0)
		goto fail;
	for (; version < SCHEMA_VERSION; version++) {
		char sql[96];

		if (exec(h, migrations[version], "cannot migrate the history") < 0)
			goto fail;
		if (version)
			snprintf(sql, sizeof(sql), "UPDATE meta SET value = '%d' WHERE key = 'schema'",
				 version + 1);
		else
			snprintf(sql, sizeof(sql),
				 "INSERT INTO meta (key, value) VALUES ('schema', '%d')", version + 1);
		if (exec(h, sql, "cannot record the schema") < 0)
			goto fail;
	}
	return history_commit(h);
fail:
	history_abort(h);
	return -1;
}

/*
 * Another connection holds the write lock (a relgate sending notifications,
 * serve's writer): try again every millisecond, up to BUSY_TIMEOUT_MS.
 * SQLite's own handler backs off to 100 ms between tries, so that a
 * rollback waiting on a transaction of 5 ms could wait 80; a rollback is
 * wanted at once.
 */
static int busy_wait(void *data, int tries)
{
	static const struct timespec ms = {0, 1000000};

	(void)data;
	if (tries >= BUSY_TIMEOUT_MS)
		return 0;
	nanosleep(&ms, NULL);
	return 1;
}

int history_open(struct history **out, const char *path)
{
	struct history *h = xcalloc(1, sizeof(*h));

	h->path = xstrdup(path);
	*out = NULL;
	if (sqlite3_open_v2(path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		if (h->db)
			db_error(h, "cannot open the history");
		else
			error_as(FAULT_ENV, "%s: cannot open the history", path);
		history_close(h);
		return -1;
	}
	sqlite3_busy_handler(h->db, busy_wait, h);
	/* WAL: readers never wait for the writer; synchronous FULL: a commit survives a crash */
	if (exec(h, "PRAGMA journal_mode = WAL", "cannot use a write-ahead log") < 0 ||
	    exec(h, "PRAGMA synchronous = FULL", "cannot make commits durable") < 0 ||
	    exec(h, "PRAGMA foreign_keys = ON", "cannot check references") < 0 ||
	    migrate(h) < 0) {
		history_close(h);
		return -1;
	}
	*out = h;
	return 0;
}

void history_close(struct history *h)
{
	if (!h)
		return;
	forget_strings(h);
	for (size_t i = 0; i < EVENT_STATEMENTS; i++)
		sqlite3_finalize(h->kept[i]);
	if (h->db)
		sqlite3_close_v2(h->db);
	free(h->path);
	free(h);
}

int history_begin(struct history *h)
{
	return exec(h, "BEGIN IMMEDIATE", "cannot start a change (another relgate holds it?)");
}

int history_commit(struct history *h)
{
	return exec(h, "COMMIT", "cannot commit");
}

void history_abort(struct history *h)
{
	sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
}

bool history_in_transaction(struct history *h)
{
	return !sqlite3_get_autocommit(h->db);
}

int history_try(struct history *h, int (*fn)(struct history *, void *), void *data)
{
	int ret;

	if (exec(h, "SAVEPOINT try", "cannot start a change") < 0)
		return -1;
	ret = fn(h, data);
	if (ret < 0)
		sqlite3_exec(h->db, "ROLLBACK TO try", NULL, NULL, NULL);
	sqlite3_exec(h->db, "RELEASE try", NULL, NULL, NULL);
	return ret;
}

/* ---- releases ---- */

#define RELEASE_COLUMNS                                                                     \
	"seq, id, product, state, digest, stored_digest, files, bytes, new_bytes, commit_id, " \
	"dirty, user_name, host, created, created_ms, reason, forced, gate, bad, bad_reason"

static void read_release(struct history *h, sqlite3_stmt *st, struct release_record *r)
{
	const char *id;

	forget_strings(h);
	memset(r, 0, sizeof(*r));
	r->seq = sqlite3_column_int64(st, 0);
	id = (const char *)sqlite3_column_text(st, 1);
	snprintf(r->id, sizeof(r->id), "%s", id ? id : "");
	r->product = keep_text(h, st, 2);
	r->state = keep_text(h, st, 3);
	r->digest = keep_text(h, st, 4);
	r->stored_digest = keep_text(h, st, 5);
	r->files = sqlite3_column_int64(st, 6);
	r->bytes = sqlite3_column_int64(st, 7);
	r->new_bytes = sqlite3_column_int64(st, 8);
	r->commit = keep_text(h, st, 9);
	r->dirty = sqlite3_column_int64(st, 10) != 0;
	r->user = keep_text(h, st, 11);
	r->host = keep_text(h, st, 12);
	r->created = keep_text(h, st, 13);
	r->created_ms = sqlite3_column_int64(st, 14);
	r->reason = keep_text(h, st, 15);
	r->forced = sqlite3_column_int64(st, 16) != 0;
	r->gate = keep_text(h, st, 17);
	r->bad = sqlite3_column_int64(st, 18) != 0;
	r->bad_reason = keep_text(h, st, 19);
}

int history_record_release_start(struct history *h, struct release_record *r)
{
	sqlite3_stmt *st;
	int64_t seq = 1;

	/* the next in the sequence: ids never come back, even for abandoned releases */
	if (!(st = prepare(h, "SELECT MAX(seq) FROM releases")))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		seq = sqlite3_column_int64(st, 0) + 1;
	sqlite3_finalize(st);
	r->seq = seq;
	snprintf(r->id, sizeof(r->id), "r%06lld", (long long)seq);
	st = prepare(h, "INSERT INTO releases (seq, id, product, state, digest, commit_id, dirty, "
		     "user_name, host, created, created_ms, reason, forced, gate) "
		     "VALUES (?, ?, ?, 'staging', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	bind_text(st, 2, r->id);
	bind_text(st, 3, r->product);
	bind_text(st, 4, r->digest);
	bind_text(st, 5, r->commit);
	sqlite3_bind_int64(st, 6, r->dirty);
	bind_text(st, 7, r->user);
	bind_text(st, 8, r->host);
	bind_text(st, 9, r->created);
	sqlite3_bind_int64(st, 10, r->created_ms);
	bind_text(st, 11, r->reason);
	sqlite3_bind_int64(st, 12, r->forced);
	bind_text(st, 13, r->gate);
	return run(h, st, "cannot record the release");
}

int history_record_release_complete(struct history *h, const struct release_record *r)
{
	sqlite3_stmt *st = prepare(h, "UPDATE releases SET state = 'complete', stored_digest = ?, "
				   "files = ?, bytes = ?, new_bytes = ? WHERE id = ?");

	if (!st)
		return -1;
	bind_text(st, 1, r->stored_digest);
	sqlite3_bind_int64(st, 2, r->files);
	sqlite3_bind_int64(st, 3, r->bytes);
	sqlite3_bind_int64(st, 4, r->new_bytes);
	bind_text(st, 5, r->id);
	return run(h, st, "cannot record the release");
}

static int set_state(struct history *h, const char *id, const char *state)
{
	sqlite3_stmt *st = prepare(h, "UPDATE releases SET state = ? WHERE id = ?");

	if (!st)
		return -1;
	bind_text(st, 1, state);
	bind_text(st, 2, id);
	return run(h, st, "cannot record the release");
}

int history_record_release_abandoned(struct history *h, const char *id)
{
	return set_state(h, id, "abandoned");
}

int history_record_release_pruned(struct history *h, const char *id)
{
	return set_state(h, id, "pruned");
}

int history_mark_bad(struct history *h, const char *id, const char *reason)
{
	sqlite3_stmt *st = prepare(h, "UPDATE releases SET bad = 1, bad_reason = ? WHERE id = ?");

	if (!st)
		return -1;
	bind_text(st, 1, reason);
	bind_text(st, 2, id);
	return run(h, st, "cannot mark the release bad");
}

int history_mark_good(struct history *h, const char *id)
{
	sqlite3_stmt *st = prepare(h, "UPDATE releases SET bad = 0, bad_reason = NULL WHERE id = ?");

	if (!st)
		return -1;
	bind_text(st, 1, id);
	return run(h, st, "cannot mark the release good");
}

/* The first row's first column into id[RELEASE_ID_MAX] ("" for no row). */
static int one_id(struct history *h, sqlite3_stmt *st, char *id, const char *what)
{
	int rc;

	id[0] = '\0';
	if (!st)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(id, RELEASE_ID_MAX, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_error(h, what);
}

int history_active(struct history *h, const char *product, char *id)
{
	sqlite3_stmt *st = prepare(h, "SELECT to_release FROM activations WHERE product = ? "
				   "ORDER BY seq DESC LIMIT 1");

	if (st)
		bind_text(st, 1, product);
	return one_id(h, st, id, "cannot read the active release");
}

int history_last_good(struct history *h, const char *product, char *id)
{
	char active[RELEASE_ID_MAX];
	sqlite3_stmt *st;

	if (history_active(h, product, active) < 0)
		return -1;
	/* every other activation came before the active one's */
	st = prepare(h, "SELECT a.to_release FROM activations a JOIN releases r ON r.id = a.to_release "
		     "WHERE a.product = ? AND r.state = 'complete' AND r.bad = 0 AND r.id <> ? "
		     "ORDER BY a.seq DESC LIMIT 1");
	if (st) {
		bind_text(st, 1, product);
		bind_text(st, 2, active);
	}
	return one_id(h, st, id, "cannot read the releases");
}

int history_record_activation(struct history *h, const struct activation_record *a)
{
	sqlite3_stmt *st = prepare(h, "INSERT INTO activations (product, from_release, to_release, "
				   "kind, reason, user_name, host, at, at_ms, switch_us) "
				   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");

	if (!st)
		return -1;
	bind_text(st, 1, a->product);
	bind_text(st, 2, a->from && *a->from ? a->from : NULL);
	bind_text(st, 3, a->to);
	bind_text(st, 4, a->kind);
	bind_text(st, 5, a->reason);
	bind_text(st, 6, a->user);
	bind_text(st, 7, a->host);
	bind_text(st, 8, a->at);
	sqlite3_bind_int64(st, 9, a->at_ms);
	sqlite3_bind_int64(st, 10, a->switch_us);
	return run(h, st, "cannot record the activation");
}

/* One release row from st (bound), into r: 1, 0 or -1. */
static int one_release(struct history *h, sqlite3_stmt *st, struct release_record *r)
{
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_release(h, st, r);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(h, "cannot read the releases");
	return rc == SQLITE_ROW;
}

int history_release(struct history *h, const char *id, struct release_record *r)
{
	sqlite3_stmt *st = prepare(h, "SELECT " RELEASE_COLUMNS " FROM releases WHERE id = ?");

	if (st)
		bind_text(st, 1, id);
	return one_release(h, st, r);
}

int history_release_by_digest(struct history *h, const char *product, const char *digest,
			      struct release_record *r)
{
	sqlite3_stmt *st = prepare(h, "SELECT " RELEASE_COLUMNS " FROM releases WHERE product = ? "
				   "AND digest = ? AND state = 'complete' ORDER BY seq DESC LIMIT 1");

	if (st) {
		bind_text(st, 1, product);
		bind_text(st, 2, digest);
	}
	return one_release(h, st, r);
}

/* Each release row of st (bound) to fn, until fn returns non-zero; st is finalized. */
static int each_release(struct history *h, sqlite3_stmt *st, history_release_fn *fn, void *data)
{
	struct release_record r;
	int rc, ret = 0;

	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_release(h, st, &r);
		ret = fn(&r, data);
	}
	sqlite3_finalize(st);
	if (ret == 0 && rc != SQLITE_DONE)
		return db_error(h, "cannot read the releases");
	return ret;
}

int history_releases(struct history *h, const char *product, size_t limit,
		     history_release_fn *fn, void *data)
{
	sqlite3_stmt *st = prepare(h, "SELECT " RELEASE_COLUMNS " FROM releases "
				   "WHERE (CAST(? AS TEXT) IS NULL OR product = ?) "
				   "ORDER BY seq DESC LIMIT ?");

	if (!st)
		return -1;
	bind_text(st, 1, product);
	bind_text(st, 2, product);
	sqlite3_bind_int64(st, 3, limit ? (sqlite3_int64)limit : INT64_MAX);
	return each_release(h, st, fn, data);
}

int history_bad_releases(struct history *h, const char *product, size_t limit,
			 history_release_fn *fn, void *data, int64_t *count)
{
	sqlite3_stmt *st = prepare(h, "SELECT COUNT(*) FROM releases WHERE product = ? AND bad = 1");
	int rc;

	if (!st)
		return -1;
	bind_text(st, 1, product);
	rc = sqlite3_step(st);
	*count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_error(h, "cannot read the releases");
	st = prepare(h, "SELECT " RELEASE_COLUMNS " FROM releases WHERE product = ? AND bad = 1 "
		     "ORDER BY seq DESC LIMIT ?");
	if (!st)
		return -1;
	bind_text(st, 1, product);
	sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : INT64_MAX);
	return each_release(h, st, fn, data);
}

int history_activations(struct history *h, const char *product, size_t limit,
			history_activation_fn *fn, void *data)
{
	sqlite3_stmt *st = prepare(h, "SELECT product, from_release, to_release, kind, reason, "
				   "user_name, host, at, at_ms, switch_us FROM activations "
				   "WHERE (CAST(? AS TEXT) IS NULL OR product = ?) "
				   "ORDER BY seq DESC LIMIT ?");
	struct activation_record a;
	int rc, ret = 0;

	if (!st)
		return -1;
	bind_text(st, 1, product);
	bind_text(st, 2, product);
	sqlite3_bind_int64(st, 3, limit ? (sqlite3_int64)limit : INT64_MAX);
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		forget_strings(h);
		a.product = keep_text(h, st, 0);
		a.from = keep_text(h, st, 1);
		a.to = keep_text(h, st, 2);
		a.kind = keep_text(h, st, 3);
		a.reason = keep_text(h, st, 4);
		a.user = keep_text(h, st, 5);
		a.host = keep_text(h, st, 6);
		a.at = keep_text(h, st, 7);
		a.at_ms = sqlite3_column_int64(st, 8);
		a.switch_us = sqlite3_column_int64(st, 9);
		ret = fn(&a, data);
	}
	sqlite3_finalize(st);
	if (ret == 0 && rc != SQLITE_DONE)
		return db_error(h, "cannot read the activations");
	return ret;
}

int history_products(struct history *h, history_product_fn *fn, void *data)
{
	sqlite3_stmt *st = prepare(h, "SELECT DISTINCT product FROM releases ORDER BY product");
	int rc, ret = 0;

	if (!st)
		return -1;
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		forget_strings(h);
		ret = fn(keep_text(h, st, 0), data);
	}
	sqlite3_finalize(st);
	if (ret == 0 && rc != SQLITE_DONE)
		return db_error(h, "cannot read the products");
	return ret;
}

/* ---- gate runs ---- */

int history_record_gate_run(struct history *h, const char *product, const char *digest,
			    const char *verdict, const char *commit, const struct who *who)
{
	sqlite3_stmt *st = prepare(h, "INSERT INTO gate_runs (product, digest, verdict, commit_id, "
				   "user_name, host, at, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	char at[32];
	int64_t ms = wall_ms();

	if (!st)
		return -1;
	iso_time(ms, at, sizeof(at));
	bind_text(st, 1, product);
	bind_text(st, 2, digest);
	bind_text(st, 3, verdict);
	bind_text(st, 4, commit);
	bind_text(st, 5, who->user);
	bind_text(st, 6, who->host);
	bind_text(st, 7, at);
	sqlite3_bind_int64(st, 8, ms);
	return run(h, st, "cannot record the gate's verdict");
}

int history_gate_passed(struct history *h, const char *product, const char *digest)
{
	sqlite3_stmt *st = prepare(h, "SELECT COUNT(*) FROM gate_runs WHERE product = ? "
				   "AND digest = ? AND verdict = 'passed'");
	int rc, n = 0;

	if (!st)
		return -1;
	bind_text(st, 1, product);
	bind_text(st, 2, digest);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		n = (int)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_error(h, "cannot read the gate's verdicts");
	return n > 0;
}

/* ---- the outbox ---- */

#define DELIVERY_COLUMNS                                                                      \
	"seq, id, channel, kind, product, thread, content, subject, payload, state, attempts, " \
	"next_ms, lease_ms, created, created_ms, sent_ms, last_error"

static void read_delivery(struct history *h, sqlite3_stmt *st, struct delivery_record *d)
{
	const char *id;

	forget_strings(h);
	memset(d, 0, sizeof(*d));
	d->seq = sqlite3_column_int64(st, 0);
	id = (const char *)sqlite3_column_text(st, 1);
	snprintf(d->id, sizeof(d->id), "%s", id ? id : "");
	d->channel = keep_text(h, st, 2);
	d->kind = keep_text(h, st, 3);
	d->product = keep_text(h, st, 4);
	d->thread = keep_text(h, st, 5);
	d->content = keep_text(h, st, 6);
	d->subject = keep_text(h, st, 7);
	d->payload = keep_text(h, st, 8);
	d->state = keep_text(h, st, 9);
	d->attempts = (int)sqlite3_column_int64(st, 10);
	d->next_ms = sqlite3_column_int64(st, 11);
	d->lease_ms = sqlite3_column_int64(st, 12);
	d->created = keep_text(h, st, 13);
	d->created_ms = sqlite3_column_int64(st, 14);
	d->sent_ms = sqlite3_column_int64(st, 15);
	d->last_error = keep_text(h, st, 16);
}

int history_queue_delivery(struct history *h, struct delivery_record *d)
{
	sqlite3_stmt *st;
	int64_t seq = 1;

	if (!(st = prepare(h, "SELECT MAX(seq) FROM deliveries")))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		seq = sqlite3_column_int64(st, 0) + 1;
	sqlite3_finalize(st);
	d->seq = seq;
	snprintf(d->id, sizeof(d->id), "d%06lld", (long long)seq);
	st = prepare(h, "INSERT INTO deliveries (seq, id, channel, kind, product, thread, content, "
		     "subject, payload, state, next_ms, created, created_ms) "
		     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	bind_text(st, 2, d->id);
	bind_text(st, 3, d->channel);
	bind_text(st, 4, d->kind);
	bind_text(st, 5, d->product);
	bind_text(st, 6, d->thread);
	bind_text(st, 7, d->content);
	bind_text(st, 8, d->subject);
	bind_text(st, 9, d->payload);
	sqlite3_bind_int64(st, 10, d->next_ms);
	bind_text(st, 11, d->created);
	sqlite3_bind_int64(st, 12, d->created_ms);
	return run(h, st, "cannot queue the notification");
}

int history_last_delivery(struct history *h, const char *thread, const char *channel,
			  struct delivery_record *d)
{
	sqlite3_stmt *st = prepare(h, "SELECT " DELIVERY_COLUMNS " FROM deliveries "
				   "WHERE thread = ? AND channel = ? AND state <> 'failed' "
				   "ORDER BY seq DESC LIMIT 1");
	int rc;

	if (!st)
		return -1;
	bind_text(st, 1, thread);
	bind_text(st, 2, channel);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_delivery(h, st, d);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(h, "cannot read the outbox");
	return rc == SQLITE_ROW;
}

int history_deliveries(struct history *h, const char *state, int64_t due_ms, bool oldest_first,
		       size_t limit, history_delivery_fn *fn, void *data)
{
#define DELIVERIES_DUE "SELECT " DELIVERY_COLUMNS " FROM deliveries " \
	"WHERE (CAST(? AS TEXT) IS NULL OR state = ?) AND next_ms <= ? ORDER BY seq"
	sqlite3_stmt *st = prepare(h, oldest_first ? DELIVERIES_DUE " LIMIT ?"
						   : DELIVERIES_DUE " DESC LIMIT ?");
	struct delivery_record d;
	int rc, ret = 0;

	if (!st)
		return -1;
	bind_text(st, 1, state);
	bind_text(st, 2, state);
	sqlite3_bind_int64(st, 3, due_ms);
	sqlite3_bind_int64(st, 4, limit ? (sqlite3_int64)limit : INT64_MAX);
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_delivery(h, st, &d);
		ret = fn(&d, data);
	}
	sqlite3_finalize(st);
	if (ret == 0 && rc != SQLITE_DONE)
		return db_error(h, "cannot read the outbox");
	return ret;
}

int history_set_payload(struct history *h, const char *id, const char *payload)
{
	sqlite3_stmt *st = prepare(h, "UPDATE deliveries SET payload = ? WHERE id = ?");

	if (!st)
		return -1;
	bind_text(st, 1, payload);
	bind_text(st, 2, id);
	return run(h, st, "cannot queue the notification");
}

int history_claim_delivery(struct history *h, const char *id, int64_t now, int64_t until)
{
	sqlite3_stmt *st = prepare(h, "UPDATE deliveries SET lease_ms = ?, attempts = attempts + 1 "
				   "WHERE id = ? AND state = 'pending' AND lease_ms <= ?");

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, until);
	bind_text(st, 2, id);
	sqlite3_bind_int64(st, 3, now);
	if (run(h, st, "cannot claim the notification") < 0)
		return -1;
	return sqlite3_changes(h->db) == 1;
}

int history_delivery_done(struct history *h, const char *id, int64_t lease, const char *state,
			  int64_t next_ms, const char *error)
{
	/* "sent" is true whoever holds the lease now; anything else only for its holder */
	sqlite3_stmt *st = prepare(h, "UPDATE deliveries SET state = ?, next_ms = ?, lease_ms = 0, "
				   "last_error = ?, sent_ms = CASE WHEN ? = 'sent' THEN ? "
				   "ELSE sent_ms END WHERE id = ? AND state = 'pending' "
				   "AND (? = 'sent' OR lease_ms = ?)");

	if (!st)
		return -1;
	bind_text(st, 1, state);
	sqlite3_bind_int64(st, 2, next_ms);
	bind_text(st, 3, error);
	bind_text(st, 4, state);
	sqlite3_bind_int64(st, 5, wall_ms());
	bind_text(st, 6, id);
	bind_text(st, 7, state);
	sqlite3_bind_int64(st, 8, lease);
	return run(h, st, "cannot record the delivery");
}

int history_thread_ref(struct history *h, const char *key, char *ref, size_t size)
{
	sqlite3_stmt *st = prepare(h, "SELECT ref FROM threads WHERE key = ?");
	int rc;

	ref[0] = '\0';
	if (!st)
		return -1;
	bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(ref, size, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_error(h, "cannot read the outbox");
}

int history_set_thread_ref(struct history *h, const char *key, const char *ref)
{
	sqlite3_stmt *st = prepare(h, "INSERT INTO threads (key, ref) VALUES (?, ?) "
				   "ON CONFLICT (key) DO UPDATE SET ref = excluded.ref");

	if (!st)
		return -1;
	bind_text(st, 1, key);
	bind_text(st, 2, ref);
	return run(h, st, "cannot record the message's id");
}

int history_outbox_counts(struct history *h, int64_t *pending, int64_t *failed)
{
	sqlite3_stmt *st = prepare(h, "SELECT COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 "
				   "ELSE 0 END), 0), COALESCE(SUM(CASE WHEN state = 'failed' THEN 1 "
				   "ELSE 0 END), 0) FROM deliveries WHERE state <> 'sent'");
	int rc;

	*pending = *failed = 0;
	if (!st)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*pending = sqlite3_column_int64(st, 0);
		*failed = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_error(h, "cannot read the outbox");
}

/* ---- events: what the collector took from the snippet ---- */

/*
 * The collector writes a batch of events at a time, many batches a
 * second: its statements are prepared once, on first use, and kept.
 */
enum { EV_RELEASE, EV_GROUP, EV_GROUPS_OF, EV_NEW_GROUP, EV_COUNT, EV_CLIENT, EV_CLIENT_SEEN,
       EV_SAMPLE, EV_LAST };
_Static_assert(EV_LAST <= EVENT_STATEMENTS, "room for every kept statement");

static sqlite3_stmt *kept(struct history *h, int which)
{
	static const char *const sql[] = {
		[EV_RELEASE] = "SELECT 1 FROM releases WHERE id = ? AND product = ? AND "
			       "state IN ('complete', 'pruned')",
		[EV_GROUP] = "SELECT seq, samples, clients FROM event_groups WHERE product = ? AND "
			     "release_id = ? AND fingerprint = ?",
		[EV_GROUPS_OF] = "SELECT count(*) FROM event_groups WHERE product = ? AND release_id = ?",
		[EV_NEW_GROUP] = "INSERT INTO event_groups (product, release_id, kind, fingerprint, "
				 "message, frame, first_ms, last_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		[EV_COUNT] = "UPDATE event_groups SET events = events + ?, last_ms = ?, "
			     "clients = clients + ?, samples = samples + ? WHERE seq = ?",
		[EV_CLIENT] = "INSERT OR IGNORE INTO event_clients (grp, client, last_ms) "
			      "VALUES (?, ?, ?)",
		[EV_CLIENT_SEEN] = "UPDATE event_clients SET last_ms = ? WHERE grp = ? AND client = ?",
		[EV_SAMPLE] = "INSERT INTO event_samples (grp, at_ms, version, message, stack, page) "
			      "VALUES (?, ?, ?, ?, ?, ?)",
	};
	sqlite3_stmt *st = h->kept[which];

	if (st) {
		sqlite3_reset(st);
		return st;
	}
	if (sqlite3_prepare_v2(h->db, sql[which], -1, &st, NULL) != SQLITE_OK) {
		db_error(h, "cannot prepare a query");
		return NULL;
	}
	return h->kept[which] = st;
}

/* Step a kept statement: its one row's first column as a number (0 when none), or -1. */
static int64_t kept_step(struct history *h, sqlite3_stmt *st, const char *what)
{
	int64_t v = 0;
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		v = db_error(h, what);
	/* a statement left on a row holds a read transaction: this handle could not write after another */
	sqlite3_reset(st);
	return v;
}

int history_set_relaxed(struct history *h)
{
	return exec(h, "PRAGMA synchronous = NORMAL", "cannot relax the commits");
}

int history_release_exists(struct history *h, const char *product, const char *id)
{
	sqlite3_stmt *st = kept(h, EV_RELEASE);

	if (!st)
		return -1;
	bind_text(st, 1, id);
	bind_text(st, 2, product);
	return (int)kept_step(h, st, "cannot look the release up");
}

/* The group of e's fingerprint in its release, made when it is new: its seq, or -1. */
static int64_t event_group(struct history *h, const struct event_record *e, const char *fp,
			   const char *message, const char *frame, int *samples, int64_t *clients)
{
	sqlite3_stmt *st = kept(h, EV_GROUP);
	int64_t n;
	int rc;

	if (!st)
		return -1;
	bind_text(st, 1, e->product);
	bind_text(st, 2, e->release);
	bind_text(st, 3, fp);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*samples = (int)sqlite3_column_int64(st, 1);
		*clients = sqlite3_column_int64(st, 2);
		n = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return n;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_error(h, "cannot read the events");
	/* a flood of distinct fingerprints fills one group, not the disk */
	if (strcmp(fp, "overflow")) {
		if (!(st = kept(h, EV_GROUPS_OF)))
			return -1;
		bind_text(st, 1, e->product);
		bind_text(st, 2, e->release);
		if ((n = kept_step(h, st, "cannot count the events")) < 0)
			return -1;
		if (n >= EVENT_GROUPS_MAX)
			return event_group(h, e, "overflow", "(more distinct errors than are kept)",
					   NULL, samples, clients);
	}
	if (!(st = kept(h, EV_NEW_GROUP)))
		return -1;
	bind_text(st, 1, e->product);
	bind_text(st, 2, e->release);
	bind_text(st, 3, e->kind);
	bind_text(st, 4, fp);
	bind_text(st, 5, message);
	bind_text(st, 6, frame);
	sqlite3_bind_int64(st, 7, e->at_ms);
	sqlite3_bind_int64(st, 8, e->at_ms);
	if (kept_step(h, st, "cannot record the event") < 0)
		return -1;
	*samples = 0;
	*clients = 0;
	return sqlite3_last_insert_rowid(h->db);
}

/* One event's client into group grp (counted when new) and, while there is room, its sample. */
static int record_one(struct history *h, int64_t grp, const struct event_record *e, bool client,
		      bool sample, int *new_client)
{
	sqlite3_stmt *st;

	*new_client = 0;
	if (client && e->client) {
		if (!(st = kept(h, EV_CLIENT)))
			return -1;
		sqlite3_bind_int64(st, 1, grp);
		bind_text(st, 2, e->client);
		sqlite3_bind_int64(st, 3, e->at_ms);
		if (kept_step(h, st, "cannot record the client") < 0)
			return -1;
		*new_client = sqlite3_changes(h->db) == 1;
		if (!*new_client) {
			if (!(st = kept(h, EV_CLIENT_SEEN)))
				return -1;
			sqlite3_bind_int64(st, 1, e->at_ms);
			sqlite3_bind_int64(st, 2, grp);
			bind_text(st, 3, e->client);
			if (kept_step(h, st, "cannot record the client") < 0)
				return -1;
		}
	}
	if (sample) {
		if (!(st = kept(h, EV_SAMPLE)))
			return -1;
		sqlite3_bind_int64(st, 1, grp);
		sqlite3_bind_int64(st, 2, e->at_ms);
		sqlite3_bind_int64(st, 3, e->version);
		bind_text(st, 4, e->message);
		bind_text(st, 5, e->stack);
		bind_text(st, 6, e->page);
		if (kept_step(h, st, "cannot record the event") < 0)
			return -1;
	}
	return 0;
}

int history_record_events(struct history *h, const struct event_record *const *e, size_t n)
{
	sqlite3_stmt *st;
	int64_t grp, clients = 0, added = 0;
	int samples = 0, sampled = 0, fresh;
	size_t i;

	if (!n)
		return 0;
	if ((grp = event_group(h, e[0], e[0]->fingerprint, e[0]->normalized, e[0]->frame, &samples,
			       &clients)) < 0)
		return -1;
	/* the distinct clients of a group: counted up to a bound, then only the events */
	for (i = 0; i < n; i++) {
		bool sample = samples + sampled < EVENT_SAMPLES_MAX;

		if (record_one(h, grp, e[i], clients + added < EVENT_CLIENTS_MAX, sample, &fresh) < 0)
			return -1;
		added += fresh;
		sampled += sample;
	}
	if (!(st = kept(h, EV_COUNT)))
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)n);
	sqlite3_bind_int64(st, 2, e[n - 1]->at_ms);
	sqlite3_bind_int64(st, 3, added);
	sqlite3_bind_int64(st, 4, sampled);
	sqlite3_bind_int64(st, 5, grp);
	return kept_step(h, st, "cannot count the events") < 0 ? -1 : 0;
}

/* The kinds of event that say a release did not start (a rejection may be handled later). */
#define FATAL_KINDS "('error', 'resource', 'boot-timeout')"
/* Groups of product's release seen since since_ms, not seen in previous (NULL: none). */
#define NEW_GROUPS                                                                  \
	"g.product = ?1 AND g.release_id = ?2 AND g.last_ms >= ?3 AND g.fingerprint NOT IN " \
	"(SELECT fingerprint FROM event_groups WHERE product = ?1 AND release_id = ?4)"

int history_event_groups(struct history *h, const char *product, const char *release,
			 const char *previous, int64_t since_ms, size_t limit,
			 history_group_fn *fn, void *data)
{
	sqlite3_stmt *st = prepare(h,
		"SELECT g.kind, g.fingerprint, g.message, g.frame, g.events, g.clients, g.first_ms, "
		"g.last_ms, EXISTS (SELECT 1 FROM event_groups p WHERE p.product = ?1 AND "
		"p.release_id = ?4 AND p.fingerprint = g.fingerprint), "
		"s.message, s.stack, s.page FROM event_groups g LEFT JOIN event_samples s ON "
		"s.seq = (SELECT min(seq) FROM event_samples WHERE grp = g.seq) "
		"WHERE g.product = ?1 AND g.release_id = ?2 AND g.last_ms >= ?3 "
		"ORDER BY g.kind IN " FATAL_KINDS " DESC, g.events DESC, g.seq LIMIT ?5");
	struct event_group g;
	int rc, ret = 0;

	if (!st)
		return -1;
	bind_text(st, 1, product);
	bind_text(st, 2, release);
	sqlite3_bind_int64(st, 3, since_ms);
	bind_text(st, 4, previous);
	sqlite3_bind_int64(st, 5, limit ? (sqlite3_int64)limit : INT64_MAX);
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		forget_strings(h);
		memset(&g, 0, sizeof(g));
		g.product = product;
		g.release = release;
		g.kind = keep_text(h, st, 0);
		g.fingerprint = keep_text(h, st, 1);
		g.message = keep_text(h, st, 2);
		g.frame = keep_text(h, st, 3);
		g.events = sqlite3_column_int64(st, 4);
		g.clients = sqlite3_column_int64(st, 5);
		g.first_ms = sqlite3_column_int64(st, 6);
		g.last_ms = sqlite3_column_int64(st, 7);
		g.known = (int)sqlite3_column_int64(st, 8) != 0;
		g.sample_message = keep_text(h, st, 9);
		g.sample_stack = keep_text(h, st, 10);
		g.sample_page = keep_text(h, st, 11);
		g.fatal = g.kind && (!strcmp(g.kind, "error") || !strcmp(g.kind, "resource") ||
				     !strcmp(g.kind, "boot-timeout"));
		ret = fn(&g, data);
	}
	sqlite3_finalize(st);
	if (ret == 0 && rc != SQLITE_DONE)
		return db_error(h, "cannot read the events");
	return ret;
}

int history_fatal(struct history *h, const char *product, const char *release,
		  const char *previous, int64_t since_ms, int64_t *events, int64_t *clients)
{
	sqlite3_stmt *st = prepare(h, "SELECT coalesce(sum(g.events), 0) FROM event_groups g "
				   "WHERE g.kind IN " FATAL_KINDS " AND " NEW_GROUPS);
	int64_t n;

	if (!st)
		return -1;
	bind_text(st, 1, product);
	bind_text(st, 2, release);
	sqlite3_bind_int64(st, 3, since_ms);
	bind_text(st, 4, previous);
	n = kept_step(h, st, "cannot count the fatal events");
	sqlite3_finalize(st);
	if ((*events = n) < 0)
		return -1;
	st = prepare(h, "SELECT count(DISTINCT c.client) FROM event_clients c JOIN event_groups g "
		     "ON g.seq = c.grp WHERE c.last_ms >= ?3 AND g.kind IN " FATAL_KINDS " AND "
		     NEW_GROUPS);
	if (!st)
		return -1;
	bind_text(st, 1, product);
	bind_text(st, 2, release);
	sqlite3_bind_int64(st, 3, since_ms);
	bind_text(st, 4, previous);
	n = kept_step(h, st, "cannot count the clients");
	sqlite3_finalize(st);
	return (*clients = n) < 0 ? -1 : 0;
}

int history_event_totals(struct history *h, size_t limit, history_total_fn *fn, void *data)
{
	sqlite3_stmt *st = prepare(h, "SELECT product, release_id, kind, sum(events) FROM "
				   "event_groups GROUP BY product, release_id, kind "
				   "ORDER BY max(last_ms) DESC LIMIT ?");
	int rc, ret = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, limit ? (sqlite3_int64)limit : INT64_MAX);
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		forget_strings(h);
		ret = fn(keep_text(h, st, 0), keep_text(h, st, 1), keep_text(h, st, 2),
			 sqlite3_column_int64(st, 3), data);
	}
	sqlite3_finalize(st);
	if (ret == 0 && rc != SQLITE_DONE)
		return db_error(h, "cannot read the events");
	return ret;
}

int history_prune_events(struct history *h, int64_t before_ms, int64_t *removed)
{
	static const char *const sql[] = {
		"DELETE FROM event_samples WHERE grp IN (SELECT seq FROM event_groups WHERE last_ms < ?)",
		"DELETE FROM event_clients WHERE grp IN (SELECT seq FROM event_groups WHERE last_ms < ?)",
		"DELETE FROM event_groups WHERE last_ms < ?",
	};
	sqlite3_stmt *st;
	size_t i;

	*removed = 0;
	for (i = 0; i < ARRAY_LEN(sql); i++) {
		if (!(st = prepare(h, sql[i])))
			return -1;
		sqlite3_bind_int64(st, 1, before_ms);
		if (run(h, st, "cannot forget old events") < 0)
			return -1;
	}
	*removed = sqlite3_changes(h->db);
	return 0;
}

/* ---- what the watch decided ---- */

int history_record_watch(struct history *h, const struct watch_record *w)
{
	sqlite3_stmt *st = prepare(h, "INSERT INTO watch_log (product, release_id, restored, "
				   "verdict, action, detail, at, at_ms, detect_ms, restore_ms) "
				   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	char at[32];

	if (!st)
		return -1;
	iso_time(w->at_ms, at, sizeof(at));
	bind_text(st, 1, w->product);
	bind_text(st, 2, w->release);
	bind_text(st, 3, w->restored);
	bind_text(st, 4, w->verdict);
	bind_text(st, 5, w->action);
	bind_text(st, 6, w->detail);
	bind_text(st, 7, at);
	sqlite3_bind_int64(st, 8, w->at_ms);
	if (w->detect_ms >= 0)
		sqlite3_bind_int64(st, 9, w->detect_ms);
	else
		sqlite3_bind_null(st, 9);
	if (w->restore_ms >= 0)
		sqlite3_bind_int64(st, 10, w->restore_ms);
	else
		sqlite3_bind_null(st, 10);
	return run(h, st, "cannot record what the watch decided");
}

int history_watch_log(struct history *h, const char *product, size_t limit,
		      history_watch_fn *fn, void *data)
{
	sqlite3_stmt *st = prepare(h, "SELECT product, release_id, restored, verdict, action, "
				   "detail, at, at_ms, coalesce(detect_ms, -1), "
				   "coalesce(restore_ms, -1) FROM watch_log "
				   "WHERE (CAST(? AS TEXT) IS NULL OR product = ?) "
				   "ORDER BY seq DESC LIMIT ?");
	struct watch_record w;
	int rc, ret = 0;

	if (!st)
		return -1;
	bind_text(st, 1, product);
	bind_text(st, 2, product);
	sqlite3_bind_int64(st, 3, limit ? (sqlite3_int64)limit : INT64_MAX);
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		forget_strings(h);
		w.product = keep_text(h, st, 0);
		w.release = keep_text(h, st, 1);
		w.restored = keep_text(h, st, 2);
		w.verdict = keep_text(h, st, 3);
		w.action = keep_text(h, st, 4);
		w.detail = keep_text(h, st, 5);
		w.at = keep_text(h, st, 6);
		w.at_ms = sqlite3_column_int64(st, 7);
		w.detect_ms = sqlite3_column_int64(st, 8);
		w.restore_ms = sqlite3_column_int64(st, 9);
		ret = fn(&w, data);
	}
	sqlite3_finalize(st);
	if (ret == 0 && rc != SQLITE_DONE)
		return db_error(h, "cannot read what the watch decided");
	return ret;
}
