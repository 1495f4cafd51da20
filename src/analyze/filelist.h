/*
 * filelist: the files of the workspace that the graph is built from, each with
 * the git blob id of its content where git knows it.
 *
 * Three sources: the working tree as git's index sees it (the usual case:
 * a file whose stat data still matches its index entry has the entry's blob
 * id, as `git status` decides), a commit's tree (content read from git's
 * object database), or a plain walk of the folder when there is no git
 * repository.  Symbolic links are listed but never followed, so a link loop
 * cannot trap the walk.  node_modules folders are never part of the list.
 */
#ifndef RELGATE_FILELIST_H
#define RELGATE_FILELIST_H

#include <git2.h>
#include <stdbool.h>
#include <stdint.h>

#include "analyze/gitindex.h"
#include "lib/arena.h"
#include "lib/util.h"

struct wsfile {
	const char *path;      /* relative to the workspace root */
	git_oid oid;           /* the blob id of the content, when has_oid */
	bool has_oid;
	bool symlink;
	bool ghost;            /* not in the list: a path the change deleted */
	uint8_t lang;          /* enum scan_lang */
	uint64_t size;
	/*
	 * What git's index saw of the file, when listed from an index that
	 * holds the head (and not racily): a file on disk with the same stat
	 * data has the blob's content, as `git status` decides.  Else NULL.
	 */
	const struct gitindex_stat *seen;
};

enum filelist_source {
	FILES_WORKTREE,   /* the index, checked against the working tree */
	FILES_COMMIT,     /* a commit's tree */
	FILES_WALK,       /* no git: the folder itself */
};

struct filelist {
	enum filelist_source source;
	struct wsfile *files;
	size_t n, cap;
	struct strmap by_path;
	git_repository *repo;  /* borrowed; NULL for FILES_WALK */
	int rootfd;            /* the workspace root, for reading */
	const char *prefix;    /* the workspace root within the repository, "" or "a/b/" */
	bool checkout;         /* FILES_COMMIT of the commit checked out: try the disk first */
	bool from_index;       /* FILES_COMMIT listed from git's index, which holds that tree */
	bool unmapped;         /* by_path is not built yet: filelist_find scans, then builds it */
	unsigned lookups;
	size_t nsorted;        /* files[0..nsorted) are in git's order (by bytes): found by halves */
};

/*
 * List the tracked files under prefix from the index (and, with untracked,
 * the untracked files that are not ignored).  Returns 0 or -1 after an
 * error message.
 */
int filelist_from_worktree(struct filelist *t, git_repository *repo, const char *prefix, int rootfd,
		       bool untracked, struct arena *a);
/*
 * List the files under prefix in commit.  When it is the commit checked
 * out, and git's index holds exactly its tree, the index is read instead
 * of the trees (gitindex.h): the same list, at a fraction of the cost.
 */
int filelist_from_commit(struct filelist *t, git_repository *repo, const char *prefix,
		     const git_commit *commit, int rootfd, bool checkout, struct arena *a);
/* List the files under the folder rootfd, without git. */
int filelist_from_walk(struct filelist *t, int rootfd, struct arena *a);

/* Add a path (copied into a); returns its entry, the existing one for a known path. */
struct wsfile *filelist_add(struct filelist *t, const char *path, struct arena *a);
/*
 * Add a path that outlives the list, with a known language, without copying
 * it.  In an unmapped list (see struct filelist) paths are not checked for
 * duplicates: the caller knows they are new.
 */
struct wsfile *filelist_add_static(struct filelist *t, const char *path, uint8_t lang);
struct wsfile *filelist_find(const struct filelist *t, const char *path);

/*
 * Read a file's content into b (appending), at most limit bytes.  Returns 0,
 * or -1 with errno set (EFBIG past limit).
 */
int filelist_read(const struct filelist *t, const struct wsfile *f, struct buf *b, size_t limit);

void filelist_release(struct filelist *t);

#endif
