/*
 * artifact: a built product's folder as relgate knows it: each file's
 * path, mode, size and SHA-256 in a manifest, and the SHA-256 of that
 * manifest as the artifact's digest.  The gate binds its verdict to the
 * digest; the store keeps the manifest beside each release and checks
 * releases against it.
 *
 * The manifest is text, sorted by path (bytes), one line per entry after
 * a first line "relgate-manifest 1":
 *
 *   <sha256 hex> <mode> <size> <path>
 *
 * mode is 100644 or 100755 for a file, 120000 for a symbolic link (its
 * sha256 and size are those of the link's target text); folders are not
 * entries (an empty folder is not kept, as git does not keep one).  In
 * path, "%", bytes below 0x20 and 0x7f are written %XX.
 *
 * A link may only point inside the artifact: relative, its ".." all at
 * the start and no more of them than there are folders above it.  One
 * that could reach out of it, and any file that is neither a regular
 * file, a folder nor a link, is refused.
 */
#ifndef RELGATE_ARTIFACT_H
#define RELGATE_ARTIFACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

#define ARTIFACT_SHA_SIZE 32
#define ARTIFACT_DIGEST_HEX (7 + 2 * ARTIFACT_SHA_SIZE + 1)   /* "sha256:" hex NUL */
#define ARTIFACT_MODE_FILE 0100644
#define ARTIFACT_MODE_EXEC 0100755
#define ARTIFACT_MODE_LINK 0120000

struct artifact_entry {
	char *path;           /* relative, "/"-separated */
	uint32_t mode;
	uint64_t size;
	unsigned char sha[ARTIFACT_SHA_SIZE];
};

struct artifact {
	struct artifact_entry *v;
	size_t n, cap;
	uint64_t bytes;       /* of every file, links' targets included */
	struct buf manifest;  /* the text */
	unsigned char digest[ARTIFACT_SHA_SIZE];
};

/*
 * Read the folder dir (every file hashed) into a.  Returns 0, or -1 after
 * an error that names the file: FAULT_REFUSED for what is not released (a
 * link out, a special file, no or an empty folder), FAULT_ENV when it
 * cannot be read; a holds nothing then.
 */
int artifact_scan(const char *dir, struct artifact *a);

/* Read a manifest's text back into a (its digest recomputed).  0, or -1 when it is damaged. */
int artifact_parse(const char *text, size_t len, struct artifact *a);

/* The entry for path, or NULL (the entries are sorted). */
const struct artifact_entry *artifact_find(const struct artifact *a, const char *path);

/* What differs between two artifacts, counted. */
struct artifact_delta {
	size_t added, removed, changed;
	int64_t bytes_added, bytes_removed;
	int64_t bytes;   /* how much larger to is than from */
};

/*
 * Walk two artifacts' entries side by side (both sorted): fn (when not
 * NULL) for each path only in from (to NULL), only in to (from NULL), or in
 * both with another mode, size or content; the counts into *delta (when not
 * NULL).  Returns how many differ.
 */
typedef void artifact_diff_fn(const struct artifact_entry *from, const struct artifact_entry *to,
			      void *data);
size_t artifact_diff(const struct artifact *from, const struct artifact *to, artifact_diff_fn *fn,
		     void *data, struct artifact_delta *delta);

/* "sha256:<hex>" of a digest (or of a file's sha). */
void artifact_hex(const unsigned char *sha, char out[ARTIFACT_DIGEST_HEX]);

/* The SHA-256 of an open file, read to its end; its size too.  0, or -1 with errno. */
int artifact_hash_fd(int fd, unsigned char *sha, uint64_t *size);

/* SHA-256 of a stream, for what copies and hashes at once. */
typedef struct {
	uint64_t ctx[16];   /* nettle's sha256_ctx, kept out of this header */
} artifact_hasher;
void artifact_hasher_init(artifact_hasher *h);
void artifact_hasher_add(artifact_hasher *h, const void *data, size_t len);
void artifact_hasher_done(artifact_hasher *h, unsigned char *sha);

/* A copy of src, to change (paths and manifest copied too). */
void artifact_copy(struct artifact *dst, const struct artifact *src);
/* The manifest, digest and byte count again, after entries' sizes or hashes changed. */
void artifact_remake(struct artifact *a);

void artifact_release(struct artifact *a);

#endif
