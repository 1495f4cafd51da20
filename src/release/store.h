/*
 * store: releases kept immutably, activated atomically.
 *
 *   <store>/<product>/releases/<id>/           read-only once complete
 *   <store>/<product>/releases/<id>.manifest   lib/artifact's manifest of it
 *   <store>/<product>/current -> releases/<id> swapped by rename(2) of a fresh link
 *   <store>/<product>/.staging/                unfinished work; fsck removes it
 *   <store>/<product>/.lock                    one writer per product (flock)
 *   <store>/relgate.db                         the history (release/history.h)
 *
 * A release is complete when its manifest is in releases/: the folder is
 * renamed in first, the manifest last, after everything of both reached
 * the disk (syncfs of the store's file system).  Activation comes after
 * that, so a crash at any instant leaves current on a complete release.
 * The history is written after the disk: where a crash came between the
 * two, the next command that takes the product's lock finds current and
 * the history apart and records what the disk says ("repair").
 */
#ifndef RELGATE_STORE_H
#define RELGATE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/artifact.h"
#include "lib/file.h"
#include "release/history.h"
#include "release/snippet.h"

struct store;
/*
 * Called by store_activate inside the activation's transaction, once
 * current is switched and the activation recorded (a, its record), so that
 * what it writes (the notification's delivery) is made durable by the same
 * commit.  A -1 undoes only what it wrote; the activation stays.
 */
typedef int store_activate_hook(struct store *s, const struct activation_record *a, void *data);

struct store {
	char *root;
	struct history *h;
	struct who who;
	char user[64], host[256];
	store_activate_hook *on_activate;   /* NULL: none */
	void *on_activate_data;
};

/* Open (making it) the store at path.  0, or -1 after an error (FAULT_ENV). */
int store_open(struct store *s, const char *path);
void store_close(struct store *s);

/*
 * Whether name may name a product or a release in the store: one path
 * component of letters, digits and "._@+-", not starting with a dot, at
 * most 100 bytes.  -1 after an error naming what (FAULT_INPUT).
 */
int store_check_name(const char *what, const char *name);
/* The same, silently. */
bool store_name_ok(const char *name);

/*
 * Take product's lock (waiting for another writer), then bring the
 * history in line with the disk (see above).  0, or -1 after an error.
 */
int store_lock(struct store *s, const char *product, struct lock *l);

/* The release current names, into id[RELEASE_ID_MAX] ("" when none).  0, or -1 after an error. */
int store_current(struct store *s, const char *product, char *id);

struct release_req {
	const char *product;
	const char *from;          /* the artifact's folder */
	const struct artifact *art;   /* scanned from it */
	const char *commit;        /* hex, or NULL outside git */
	bool dirty;
	const char *reason;
	const char *gate;          /* "passed" or "forced" */
	bool forced;
	bool activate;
	int keep;                  /* releases kept, the active and last good ones besides */
	/*
	 * The snippet for every HTML page (its release filled in here), or
	 * NULL.  The release's identity stays the digest of the artifact as
	 * built; the history also records the digest of what was stored.
	 */
	const struct snippet_page *snippet;
};

struct release_done {
	char id[RELEASE_ID_MAX];
	char from[RELEASE_ID_MAX];             /* what was active before, "" for none */
	bool activated;
	int64_t files, linked, new_bytes;
	int64_t pages;                         /* HTML pages the snippet went into */
	char stored_digest[ARTIFACT_DIGEST_HEX];   /* of what was stored, snippet included */
	double ms, switch_ms;
	int pruned;
};

/* Store the artifact as a new release (under the lock), and activate it unless asked not to. */
int store_release(struct store *s, const struct release_req *req, struct release_done *done);

/* What an activation records besides itself, in the same transaction. */
enum {
	ACTIVATE_ABANDON = 1 << 0,   /* the release it replaces is marked bad (a rollback) */
	ACTIVATE_REVIVE = 1 << 1,    /* the release it activates is good again (--force) */
};

/*
 * Point current at release id, when the active release is expect (NULL:
 * whatever it is), and record it (kind: "release", "rollback"; NULL: put
 * back what the history says, nothing recorded).  Exit 1's fault
 * (FAULT_REFUSED) when another activation came first.
 */
int store_activate(struct store *s, const char *product, const char *id, const char *expect,
		   const char *kind, const char *reason, unsigned flags, double *switch_ms);

/* Whether release id of product is complete on disk (folder and manifest). */
bool store_has_release(struct store *s, const char *product, const char *id);

/* The manifest of release id, read into a.  0, or -1 after an error. */
int store_manifest(struct store *s, const char *product, const char *id, struct artifact *a);
/*
 * The manifest of release id as it was built, before the snippet went in:
 * what a built artifact is compared with (diff, plan --built).
 */
int store_built_manifest(struct store *s, const char *product, const char *id,
			 struct artifact *a);

/*
 * Check every release of product against its manifest, remove unfinished
 * work, and bring current and the history in line.  Returns the number of
 * problems found and not repaired (each reported), or -1.
 */
int store_fsck(struct store *s, const char *product, int *repaired);

#endif
