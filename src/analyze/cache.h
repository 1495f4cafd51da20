/*
 * cache: what relgate learnt from a file's content, keyed by the content's
 * git blob id, kept in .relgate/cache/ at the workspace root between runs
 * (and between CI jobs, if the CI caches that folder).
 *
 * The same content always yields the same facts, so an entry never goes
 * stale; a new relgate with a different scanner uses a new file name.  The
 * file is written to a temporary name and renamed, so readers never see half
 * a file, and a damaged file is ignored (with a warning), never trusted.
 */
#ifndef RELGATE_CACHE_H
#define RELGATE_CACHE_H

#include <git2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What an entry holds. */
enum cache_kind {
	CACHE_IMPORTS = 1,   /* a source file's import specifiers */
	/* 2 and 3 held the facts of a package.json before they had all of them */
	CACHE_MANIFEST = 4,  /* the facts of a package.json */
};

struct cache_slot;
struct cache {
	char *path;
	unsigned char *file;   /* the loaded file */
	size_t file_len;
	struct cache_slot *slots;
	size_t cap, count, used, added;
	bool disabled;
};

/* Open the cache at path (it need not exist).  Never fails: a bad file is ignored. */
void cache_open(struct cache *c, const char *path);
/* A disabled cache that stores nothing. */
void cache_disable(struct cache *c);
/* The value stored for (oid, kind), or NULL. */
const void *cache_get(struct cache *c, const git_oid *oid, uint8_t kind, size_t *len);
/* Store a value (copied). */
void cache_put(struct cache *c, const git_oid *oid, uint8_t kind, const void *data, size_t len);
/*
 * Store a malloc'd value, which the cache then owns (and frees); returns
 * false when it did not take it (a disabled cache, a known entry), and the
 * caller keeps it.
 */
bool cache_put_owned(struct cache *c, const git_oid *oid, uint8_t kind, void *data, size_t len);
/*
 * Write the cache back if anything was added, keeping what this run used and
 * what it added.  Returns 0, or -1 after a warning (a cache that cannot be
 * written costs time, not correctness).
 */
int cache_save(struct cache *c);
void cache_close(struct cache *c);

#endif
