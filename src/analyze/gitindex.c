/*
 * gitindex: git's index file, versions 2 to 4 (gitformat-index(5)): a
 * header, the entries sorted by path, extensions, a SHA-1 of all that.
 */
#include <nettle/sha1.h>
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
 * Whether path is one git writes, after prev in git's order (by bytes,
 * each path once): no empty, "." or ".." component, not absolute.  A file
 * that breaks this was not written by git, and its paths could reach out
 * of the workspace.
 */
static bool path_ok(const struct buf *path, const struct buf *prev)
{
	const char *p = path->data, *end = path->data + path->len;
	size_t n = path->len < prev->len ? path->len : prev->len;
	int cmp = memcmp(path->data, prev->data, n);

	if (prev->len && (cmp < 0 || (cmp == 0 && path->len <= prev->len)))
		return false;
	while (p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t len = (size_t)((slash ? slash : end) - p);

		if (!len || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!slash)
			break;
		p = slash + 1;
		if (p == end)
			return false;   /* a trailing slash */
	}
	return path->len > 0;
}

struct when {
	int64_t s;
	uint32_t ns;
};

/*
 * Walk the entries from p, calling fn (when not NULL) for each file;
 * returns where the extensions start, or NULL when an entry is malformed,
 * is not of stage 0, or has a path git would not write.
 */
static const unsigned char *entries(const unsigned char *p, const unsigned char *end,
				    uint32_t version, uint32_t count, struct when written,
				    gitindex_fn *fn, void *data, struct buf *path, struct buf *prev)
{
	uint32_t i;

	buf_reset(path);
	buf_reset(prev);
	for (i = 0; i < count; i++) {
		const unsigned char *entry = p, *name, *nul;
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
			size_t drop;

			if (!varint(&p, end, &drop) || drop > path->len)
				return NULL;
			path->len -= drop;
		} else {
			path->len = 0;
		}
		name = p;
		nul = memchr(name, '\0', (size_t)(end - name));
		if (!nul)
			return NULL;
		buf_add(path, (const char *)name, (size_t)(nul - name));
		p = nul + 1;
		if (version < 4) {
			/* padded with NULs to a multiple of eight bytes */
			size_t size = ((size_t)(nul - entry) / 8 + 1) * 8;

			if ((size_t)(end - entry) < size)
				return NULL;
			p = entry + size;
		}
		if (!path_ok(path, prev))
			return NULL;
		buf_reset(prev);
		buf_add(prev, path->data, path->len);
		/* git add -N: in the index, not in any tree yet */
		if (fn && !(xflags & XFLAG_INTENT_TO_ADD) && mode != MODE_GITLINK) {
			struct gitindex_stat st = {
				be32(entry), be32(entry + 4), be32(entry + 8), be32(entry + 12),
				be32(entry + 16), be32(entry + 20), be32(entry + 36), false,
			};

			/* trusted only when the file had not changed by the time the index was written */
			st.trusted = written.s > st.mtime_s ||
				     (written.s == st.mtime_s && written.ns > st.mtime_ns);
			fn(path->data, path->len, mode, entry + 40, &st, data);
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

int gitindex_parse(const unsigned char *text, size_t len, const unsigned char *tree,
		   int64_t mtime_s, uint32_t mtime_ns, gitindex_fn *fn, void *data)
{
	struct when written = {mtime_s, mtime_ns};
	static const unsigned char zero[SHA1_DIGEST_SIZE];
	const unsigned char *end, *ext;
	unsigned char sum[SHA1_DIGEST_SIZE];
	struct buf path = BUF_INIT, prev = BUF_INIT;
	uint32_t version, count;
	int ok = 0;

	if (len < HEADER_SIZE + SHA1_DIGEST_SIZE || memcmp(text, "DIRC", 4))
		return 0;
	version = be32(text + 4);
	count = be32(text + 8);
	end = text + len - SHA1_DIGEST_SIZE;
	if (version < 2 || version > 4)
		return 0;
	/* index.skipHash leaves the checksum zero */
	if (memcmp(end, zero, sizeof(zero))) {
		struct sha1_ctx ctx;

		sha1_init(&ctx);
		sha1_update(&ctx, len - SHA1_DIGEST_SIZE, text);
		sha1_digest(&ctx, sizeof(sum), sum);
		if (memcmp(sum, end, sizeof(sum)))
			return 0;
	}
	buf_init(&path);
	buf_init(&prev);
	ext = entries(text + HEADER_SIZE, end, version, count, written, NULL, NULL, &path, &prev);
	if (ext && extensions_say_tree(ext, end, tree)) {
		entries(text + HEADER_SIZE, end, version, count, written, fn, data, &path, &prev);
		ok = 1;
	}
	buf_release(&path);
	buf_release(&prev);
	return ok;
}

int gitindex_list(const char *path, const unsigned char *tree, gitindex_fn *fn, void *data)
{
	struct buf text = BUF_INIT;
	struct stat st;
	int ok;

	/*
	 * GIT_INDEX_FILE names another index: libgit2's walk reads what git
	 * would.  The time is taken before the read: an index written anew in
	 * between is only held to an earlier time, which trusts less.
	 */
	if (getenv("GIT_INDEX_FILE") || stat(path, &st) < 0 ||
	    read_file(path, &text, INDEX_MAX_BYTES) < 0) {
		buf_release(&text);
		return 0;
	}
	ok = gitindex_parse((const unsigned char *)text.data, text.len, tree, st.st_mtim.tv_sec,
			    (uint32_t)st.st_mtim.tv_nsec, fn, data);
	buf_release(&text);
	return ok;
}
