/*
 * gitindex: git's index file, versions 2 to 4 (gitformat-index(5)): a
 * header, the entries sorted by path, extensions, a SHA-1 of all that.
 */
#include <nettle/sha1.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyze/gitindex.h"
#include "lib/file.h"
#include "lib/util.h"

#define HEADER_SIZE 12
/* ctime, mtime (8 each), dev, ino, mode, uid, gid, size (4 each), the id, the flags */
#define ENTRY_FIXED (16 + 24 + GITINDEX_OID_SIZE + 2)
#define FLAG_EXTENDED 0x4000
#define FLAG_STAGE 0x3000
#define XFLAG_INTENT_TO_ADD 0x2000
#define MODE_GITLINK 0160000
#define INDEX_MAX_BYTES ((size_t)1 << 30)

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Version 4's offset varint at *p (before end): the bytes of the previous path to drop. */
static bool varint(const unsigned char **p, const unsigned char *end, size_t *out)
{
	size_t v;
	unsigned char c;

	if (*p >= end)
		return false;
	c = *(*p)++;
	v = c & 127;
	while (c & 128) {
		if (*p >= end || v > SIZE_MAX >> 8)
			return false;
		c = *(*p)++;
		v = ((v + 1) << 7) | (c & 127);
	}
	*out = v;
	return true;
}

/*
 * Whether path[0..len) is a path git writes: no empty, "." or ".."
 * component, not absolute.  A file that breaks this was not written by
 * git, and its paths could reach out of the workspace.
 */
static bool path_ok(const char *path, size_t len)
{
	const char *p = path, *end = path + len;

	while (p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t n = (size_t)((slash ? slash : end) - p);

		if (!n || (p[0] == '.' && (n == 1 || (n == 2 && p[1] == '.'))))
			return false;
		if (!slash)
			break;
		p = slash + 1;
		if (p == end)
			return false;   /* a trailing slash */
	}
	return len > 0;
}

/* Whether b[0..blen) comes after a[0..alen) in git's order, by bytes: each path once. */
static bool comes_after(const char *a, size_t alen, const char *b, size_t blen)
{
	int cmp = memcmp(a, b, alen < blen ? alen : blen);

	return cmp < 0 || (cmp == 0 && alen < blen);
}

struct when {
	int64_t s;
	uint32_t ns;
};

/*
 * Walk the entries from p, calling fn for each file; returns where the
 * extensions start, or NULL when an entry is malformed, is not of stage
 * 0, or has a path git would not write.  Versions 2 and 3 keep each path
 * whole and NUL-terminated in the text, where it is used; version 4 keeps
 * what differs from the path before, rebuilt in *path.
 */
static const unsigned char *entries(const unsigned char *p, const unsigned char *end,
				    uint32_t version, uint32_t count, struct when written,
				    gitindex_fn *fn, void *data, struct buf *path)
{
	const char *prev = NULL;
	size_t prevlen = 0;
	uint32_t i;

	buf_reset(path);
	for (i = 0; i < count; i++) {
		const unsigned char *entry = p, *name, *nul;
		const char *full;
		size_t len;
		uint32_t mode;
		uint16_t flags, xflags = 0;

		if ((size_t)(end - p) < ENTRY_FIXED)
			return NULL;
		mode = be32(p + 24);
		flags = be16(p + 40 + GITINDEX_OID_SIZE);
		p += ENTRY_FIXED;
		if (flags & FLAG_EXTENDED) {
			if (version < 3 || end - p < 2)
				return NULL;
			xflags = be16(p);
			p += 2;
		}
		if (flags & FLAG_STAGE)
			return NULL;   /* a conflict: no tree holds it */
		/* files, executables, links, submodules: anything else git never writes */
		if (mode != 0100644 && mode != 0100755 && mode != 0120000 && mode != MODE_GITLINK)
			return NULL;
		if (version == 4) {
			size_t drop, keep;

			if (!varint(&p, end, &drop) || drop > path->len)
				return NULL;
			keep = path->len - drop;
			name = p;
			if (!(nul = memchr(name, '\0', (size_t)(end - name))))
				return NULL;
			len = (size_t)(nul - name);
			/* the kept part is the same: the rest decides the order */
			if (i && !comes_after(path->data + keep, drop, (const char *)name, len))
				return NULL;
			path->len = keep;
			buf_add(path, (const char *)name, len);
			full = path->data;
			len = path->len;
			p = nul + 1;
		} else {
			/* padded with NULs to a multiple of eight bytes */
			size_t size;

			name = p;
			if (!(nul = memchr(name, '\0', (size_t)(end - name))))
				return NULL;
			size = ((size_t)(nul - entry) / 8 + 1) * 8;
			if ((size_t)(end - entry) < size)
				return NULL;
			full = (const char *)name;
			len = (size_t)(nul - name);
			if (i && !comes_after(prev, prevlen, full, len))
				return NULL;
			prev = full;
			prevlen = len;
			p = entry + size;
		}
		if (!path_ok(full, len))
			return NULL;
		/* git add -N: in the index, not in any tree yet */
		if (!(xflags & XFLAG_INTENT_TO_ADD) && mode != MODE_GITLINK) {
			struct gitindex_stat st = {
				be32(entry), be32(entry + 4), be32(entry + 8), be32(entry + 12),
				be32(entry + 16), be32(entry + 20), be32(entry + 36), false,
			};

			/* trusted only when the file had not changed by the time the index was written */
			st.trusted = written.s > st.mtime_s ||
				     (written.s == st.mtime_s && written.ns > st.mtime_ns);
			fn(full, len, mode, entry + 40, &st, data);
		}
	}
	return p;
}

/*
 * The extensions from p to end: true when the cache-tree's root is valid
 * and is tree, and nothing says the entries are not all there (a split
 * index's "link", a sparse index's "sdir") or in an order this does not know.
 */
static bool extensions_say_tree(const unsigned char *p, const unsigned char *end,
				const unsigned char *tree)
{
	bool root_is_tree = false;

	while (end - p >= 8) {
		const unsigned char *sig = p;
		uint32_t size = be32(p + 4);

		p += 8;
		if ((size_t)(end - p) < size)
			return false;
		if (!memcmp(sig, "link", 4) || !memcmp(sig, "sdir", 4))
			return false;
		if (!memcmp(sig, "TREE", 4)) {
			/*
			 * The root first: "" NUL, its entry count, " ", its subtrees,
			 * "\n", then its id; a count of -1 says it is not valid (no id).
			 */
			const unsigned char *q = p, *stop = p + size, *nl;

			if (size < 2 || q[0] != '\0' || q[1] < '0' || q[1] > '9')
				return false;
			nl = memchr(q, '\n', size);
			root_is_tree = nl && (size_t)(stop - nl - 1) >= GITINDEX_OID_SIZE &&
				       !memcmp(nl + 1, tree, GITINDEX_OID_SIZE);
		} else if (sig[0] < 'A' || sig[0] > 'Z') {
			return false;   /* an extension git says must be understood */
		}
		p += size;
	}
	return p == end && root_is_tree;
}

/* The index's checksum: the SHA-1 of everything before it, or zero (index.skipHash). */
struct checksum {
	const unsigned char *text;
	size_t len;
	bool ok;
};

static void *checksum_holds(void *arg)
{
	static const unsigned char zero[SHA1_DIGEST_SIZE];
	struct checksum *c = arg;
	const unsigned char *end = c->text + c->len - SHA1_DIGEST_SIZE;
	unsigned char sum[SHA1_DIGEST_SIZE];
	struct sha1_ctx ctx;

	c->ok = true;
	if (!memcmp(end, zero, sizeof(zero)))
		return NULL;
	sha1_init(&ctx);
	sha1_update(&ctx, c->len - SHA1_DIGEST_SIZE, c->text);
	sha1_digest(&ctx, sizeof(sum), sum);
	c->ok = !memcmp(sum, end, sizeof(sum));
	return NULL;
}

/* An index this large is hashed on a thread of its own while its entries are checked. */
#define CHECKSUM_THREAD_BYTES ((size_t)1 << 20)

int gitindex_parse(const unsigned char *text, size_t len, const unsigned char *tree,
		   int64_t mtime_s, uint32_t mtime_ns, gitindex_fn *fn, void *data)
{
	struct when written = {mtime_s, mtime_ns};
	struct checksum sum = {text, len, false};
	const unsigned char *end, *ext;
	struct buf path = BUF_INIT;
	uint32_t version, count;
	pthread_t thread;
	bool threaded;

	if (len < HEADER_SIZE + SHA1_DIGEST_SIZE || memcmp(text, "DIRC", 4))
		return 0;
	version = be32(text + 4);
	count = be32(text + 8);
	end = text + len - SHA1_DIGEST_SIZE;
	if (version < 2 || version > 4)
		return 0;
	threaded = len >= CHECKSUM_THREAD_BYTES &&
		   pthread_create(&thread, NULL, checksum_holds, &sum) == 0;
	buf_init(&path);
	ext = entries(text + HEADER_SIZE, end, version, count, written, fn, data, &path);
	if (threaded)
		pthread_join(thread, NULL);
	else if (ext)
		checksum_holds(&sum);
	buf_release(&path);
	return ext && sum.ok && extensions_say_tree(ext, end, tree);
}

int gitindex_list(const char *path, const unsigned char *tree, gitindex_fn *fn, void *data)
{
	struct mapped m;
	struct stat st;
	int ok;

	/*
	 * GIT_INDEX_FILE names another index: libgit2's walk reads what git
	 * would.  The time is taken before the read: an index written anew in
	 * between is only held to an earlier time, which trusts less.  (git
	 * replaces its index by a rename: a mapped one stays whole.)
	 */
	if (getenv("GIT_INDEX_FILE") || map_file(path, &m, INDEX_MAX_BYTES, &st) < 0)
		return 0;
	ok = gitindex_parse(m.data, m.len, tree, st.st_mtim.tv_sec, (uint32_t)st.st_mtim.tv_nsec,
			    fn, data);
	/* cut while it was read: what it said is not the index's */
	if (!unmap_file(&m))
		ok = 0;
	return ok;
}
