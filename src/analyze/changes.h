/*
 * changes: which files a change touches, from git or from the user.
 *
 * A commit range is compared from the merge-base of base and head to head,
 * as `git diff base...head` and the peers (Turborepo, Nx) do.  A rename
 * counts as both its paths; renames whose content did not change are shown
 * as renames, others as a deletion and an addition (the same two paths).  A shallow clone whose
 * history lacks the merge-base is an error that says to fetch more, never a
 * silent "everything changed".  --uncommitted compares HEAD with the
 * working tree (staged, unstaged and untracked files).
 *
 * Paths are workspace-relative; changes outside the workspace are dropped.
 */
#ifndef RELGATE_CHANGES_H
#define RELGATE_CHANGES_H

#include <git2.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/util.h"

enum change_status {
	CHANGE_MODIFIED,
	CHANGE_ADDED,
	CHANGE_DELETED,
	CHANGE_RENAMED,     /* path is the new name, old_path the old one */
	CHANGE_LISTED,      /* named with --files */
};

struct change {
	char *path;
	char *old_path;     /* renames only */
	enum change_status status;
	git_oid oid;        /* the content, where known (pairs exact renames) */
};

enum changes_mode { CHANGES_RANGE, CHANGES_UNCOMMITTED, CHANGES_FILES };

struct changes {
	enum changes_mode mode;
	struct change *v;
	size_t n, cap;
	char base_hex[GIT_OID_HEXSZ + 1];   /* the merge-base (range) or HEAD */
	char head_hex[GIT_OID_HEXSZ + 1];   /* head, or "" for the working tree */
	git_oid base_oid;                   /* the base commit as given (range) */
	git_oid head_oid;
	git_oid new_tree_oid;               /* the head's tree (range) */
	bool head_is_checkout;              /* head is the commit checked out */
	git_tree *old_tree;                 /* the "before" side, or NULL */
	git_tree *new_tree;                 /* the "after" side, NULL for the working tree */
};

/*
 * Changes from the merge-base of base and head to head.  Returns 0, or -1
 * after an error (an unknown ref, a shallow history: FAULT_ENV).
 */
int changes_range(struct changes *c, git_repository *repo, const char *prefix, const char *base,
		  const char *head);
/* Staged, unstaged and untracked changes against HEAD. */
int changes_uncommitted(struct changes *c, git_repository *repo, const char *prefix);
/*
 * An explicit list (paths relative to cwd, or "-" entries read from stdin
 * one a line).  root is the workspace root, absolute.  repo may be NULL.
 */
int changes_files(struct changes *c, git_repository *repo, const char *root, const char *cwd,
		  char **paths, size_t n);

/*
 * The content of the workspace-relative path on the "before" or "after"
 * side of the change, into b.  Returns 0, 1 when the file does not exist
 * on that side, or -1 on an error.
 */
int changes_read_side(const struct changes *c, git_repository *repo, const char *prefix,
		      int rootfd, const char *path, bool after, struct buf *b, size_t limit);

void changes_release(struct changes *c);

/*
 * libgit2 is started on first use (its start reads every TLS certificate
 * of the system): git_start() before the first call, git_stop() at exit.
 */
void git_start(void);
void git_stop(void);

/* The message of libgit2's last error, never NULL. */
const char *git_why(void);

#endif
