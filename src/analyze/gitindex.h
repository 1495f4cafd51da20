/*
 * gitindex: a commit's files read from git's index, when the index says
 * it holds exactly that commit's tree.
 *
 * Listing a commit through libgit2 reads every tree object of it (on a
 * workspace of 5,000 packages, some 20,000 objects inflated one at a time,
 * since libgit2's pack access takes a global lock).  After a checkout,
 * clone, commit or reset, git's index holds the same list in one file,
 * sorted the same way, and its cache-tree extension ("TREE") names the
 * tree object its entries make.  When that root tree is the commit's
 * tree, the index's entries are the commit's files: the index is read
 * instead.  Anything else (an index git changed since, a split or sparse
 * index, a damaged file, another layout) answers "no", and the caller
 * walks the trees; the answer is never a guess.
 */
#ifndef RELGATE_GITINDEX_H
#define RELGATE_GITINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GITINDEX_OID_SIZE 20

/*
 * What the index saw of a file when it last wrote its entry (the low 32
 * bits, as git keeps them), and whether that may be trusted: an entry
 * whose file changed in the same instant the index was written is "racily
 * clean" (git's word), and says nothing about the content.
 */
struct gitindex_stat {
	uint32_t ctime_s, ctime_ns, mtime_s, mtime_ns, dev, ino, size;
	bool trusted;
};

/* One file of the index: path[0..len) (NUL-terminated too), its mode, blob id and stat data. */
typedef void gitindex_fn(const char *path, size_t len, uint32_t mode, const unsigned char *oid,
			 const struct gitindex_stat *st, void *data);

/*
 * Call fn for each file of the index at path, in order, and return 1 when
 * the index lists exactly the tree tree (its checksum holds, its
 * cache-tree's root is valid and is tree, no split or sparse index).  The
 * entries are read in the one pass that checks them: on 0, fn may have
 * been given some files already, and the caller drops them.
 */
int gitindex_list(const char *path, const unsigned char *tree, gitindex_fn *fn, void *data);

/*
 * The same on the index's text (for tests and fuzzing): len bytes at text,
 * written at mtime (seconds, nanoseconds; an entry at or after it is racy).
 */
int gitindex_parse(const unsigned char *text, size_t len, const unsigned char *tree,
		   int64_t mtime_s, uint32_t mtime_ns, gitindex_fn *fn, void *data);

#endif
