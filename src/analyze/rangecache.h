/*
 * rangecache: what a commit range changes, kept between runs by object ids.
 *
 * A commit's parents and tree never change for its id, so neither does the
 * change from the merge-base of two commits to the second: it is kept,
 * keyed by the two ids and the workspace's folder in the repository.  With
 * the refs read from the repository's own files (HEAD, loose refs,
 * packed-refs), a repeated run on the same range neither starts libgit2
 * (whose start loads every TLS certificate of the system) nor opens the
 * repository.  Whatever is more than a commit id or a ref's name (HEAD~1,
 * a loose tag, GIT_DIR, a reftable) is left to libgit2: rc_* then says no,
 * and the caller takes the long way, never a guess.
 */
#ifndef RELGATE_RANGECACHE_H
#define RELGATE_RANGECACHE_H

#include <stdbool.h>

#include "analyze/changes.h"

struct rc_repo {
	char *gitdir;      /* where HEAD is */
	char *commondir;   /* where refs/ and packed-refs are (a worktree's main gitdir) */
	char *prefix;      /* the workspace within the working tree: "" or "a/b/" */
};

/* The repository of the workspace root (absolute, real), by its files: 0, or -1. */
int rc_find_repo(struct rc_repo *r, const char *root);
/* A commit id or a ref's name to its id: 0, or -1 when only libgit2 can say. */
int rc_resolve(const struct rc_repo *r, const char *rev, git_oid *out);
void rc_repo_release(struct rc_repo *r);

/*
 * The change from base to head (commit ids; merge-base semantics) kept in
 * the file path for prefix, into c (mode CHANGES_RANGE, no trees, no repo).
 * Returns true when it was there.
 */
bool rc_load(const char *path, const git_oid *base, const git_oid *head, const char *prefix,
	     struct changes *c);
/*
 * Keep c, the change from base to head, in the file path (the newest few
 * ranges, this one first).  Writes nothing when it is kept first already.
 */
void rc_save(const char *path, const git_oid *base, const git_oid *head, const char *prefix,
	     const struct changes *c);

#endif
