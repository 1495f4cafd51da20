/*
 * rangecache: the repository found and its refs read by its files, as git
 * lays them out (gitrepository-layout(5)); the ranges kept in lib/record's
 * format:
 *   u32 count { base[20] head[20] prefix\0 mergebase[20] tree[20]
 *               u32 n { u8 status path\0 old_path\0 oid[20] } }
 * newest first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/rangecache.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/record.h"

#define RC_MAGIC "RGRANGE1"
#define RC_MAX_BYTES ((size_t)64 << 20)
#define RC_KEEP 64           /* ranges kept in the file */
#define REF_MAX_BYTES 4096

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* A small file's first line, or NULL. */
static char *first_line_of(const char *path)
{
	struct buf b = BUF_INIT;

	if (read_file(path, &b, REF_MAX_BYTES) < 0) {
		buf_release(&b);
		return NULL;
	}
	if (!b.data)
		buf_adds(&b, "");
	b.data[strcspn(b.data, "\r\n")] = '\0';
	return buf_detach(&b, NULL);
}

/* dir + "/" + rel, or rel when it is absolute. */
static char *path_in(const char *dir, const char *rel)
{
	return rel[0] == '/' ? xstrdup(rel) : xasprintf("%s/%s", dir, rel);
}

int rc_find_repo(struct rc_repo *r, const char *root)
{
	char *dir = xstrdup(root), *dotgit = NULL;

	memset(r, 0, sizeof(*r));
	/* what git's environment changes, libgit2 reads */
	if (getenv("GIT_DIR") || getenv("GIT_WORK_TREE") || getenv("GIT_COMMON_DIR") ||
	    getenv("GIT_CEILING_DIRECTORIES") || getenv("GIT_DISCOVERY_ACROSS_FILESYSTEM") ||
	    root[0] != '/')
		goto no;
	for (;;) {
		struct stat st;
		char *slash;

		free(dotgit);
		dotgit = xasprintf("%s/.git", *dir ? dir : "");
		if (stat(dotgit, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				r->gitdir = dotgit;
				dotgit = NULL;
			} else if (S_ISREG(st.st_mode)) {
				/* a worktree or a submodule: "gitdir: <path>" */
				char *line = first_line_of(dotgit);

				if (!line || strncmp(line, "gitdir: ", 8)) {
					free(line);
					goto no;
				}
				r->gitdir = path_in(*dir ? dir : "/", line + 8);
				free(line);
			} else {
				goto no;
			}
			break;
		}
		if (!*dir)
			goto no;
		slash = strrchr(dir, '/');
		*slash = '\0';
	}
	{
		char *common_file = xasprintf("%s/commondir", r->gitdir);
		char *common = first_line_of(common_file);

		free(common_file);
		r->commondir = common ? path_in(r->gitdir, common) : xstrdup(r->gitdir);
		free(common);
	}
	{
		/* a reftable, or a layout this reader does not know: libgit2's */
		char *reftable = xasprintf("%s/reftable", r->commondir);
		char *head = xasprintf("%s/HEAD", r->gitdir);
		bool odd = exists(reftable) || !exists(head) || !is_dir(r->commondir);

		free(reftable);
		free(head);
		if (odd)
			goto no;
	}
	{
		size_t n = strlen(dir);

		r->prefix = root[n] ? xasprintf("%s/", root + n + 1) : xstrdup("");
	}
	free(dir);
	free(dotgit);
	return 0;
no:
	free(dir);
	free(dotgit);
	rc_repo_release(r);
	return -1;
}

void rc_repo_release(struct rc_repo *r)
{
	free(r->gitdir);
	free(r->commondir);
	free(r->prefix);
	memset(r, 0, sizeof(*r));
}

/* Exactly 40 hex digits: 0 and the id (libgit2's parser, which needs no start). */
static int parse_hex(const char *s, size_t len, git_oid *out)
{
	return len == GIT_OID_HEXSZ ? git_oid_fromstrn(out, s, len) : -1;
}

/*
 * The id in packed-refs for name: 0, 1 when it is not there, -1 when it is
 * there but cannot be said (a tag with no peeled line in a file that does
 * not promise them).
 */
static int packed_ref(const struct rc_repo *r, const char *name, git_oid *out)
{
	char *path = xasprintf("%s/packed-refs", r->commondir);
	struct buf b = BUF_INIT;
	const char *p, *end;
	bool fully_peeled = false;
	size_t nlen = strlen(name);
	int ret = 1;

	if (read_file(path, &b, RC_MAX_BYTES) < 0 || !b.data) {
		ret = errno == ENOENT || !b.data ? 1 : -1;
		goto out;
	}
	for (p = b.data, end = b.data + b.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (*p == '#') {
			fully_peeled = memmem(p, (size_t)(le - p), " fully-peeled", 13) != NULL;
		} else if ((size_t)(le - p) == GIT_OID_HEXSZ + 1 + nlen && p[GIT_OID_HEXSZ] == ' ' &&
			   !memcmp(p + GIT_OID_HEXSZ + 1, name, nlen)) {
			const char *next = nl ? nl + 1 : end;

			if (parse_hex(p, GIT_OID_HEXSZ, out) < 0) {
				ret = -1;
				goto out;
			}
			ret = 0;
			if (next < end && *next == '^') {
				/* an annotated tag: the commit it names */
				ret = parse_hex(next + 1, strcspn(next + 1, "\n"), out) < 0 ? -1 : 0;
			} else if (!strncmp(name, "refs/tags/", 10) && !fully_peeled) {
				ret = -1;
			}
			goto out;
		}
		p = nl ? nl + 1 : end;
	}
out:
	free(path);
	buf_release(&b);
	return ret;
}

/* The ref name to an id: 0, 1 when there is no such ref, -1 when only libgit2 can say. */
static int read_ref(const struct rc_repo *r, const char *name, git_oid *out, int depth)
{
	char *path = xasprintf("%s/%s", strcmp(name, "HEAD") ? r->commondir : r->gitdir, name);
	char *line;
	int ret;

	if (depth > 5) {
		free(path);
		return -1;
	}
	line = is_dir(path) ? NULL : first_line_of(path);
	free(path);
	if (!line)
		return packed_ref(r, name, out);
	if (!strncmp(line, "ref: ", 5))
		ret = read_ref(r, line + 5, out, depth + 1);
	else if (!strncmp(name, "refs/tags/", 10))
		ret = -1;   /* a loose tag may be annotated: its object says, libgit2 reads it */
	else
		ret = parse_hex(line, strlen(line), out) < 0 ? -1 : 0;
	free(line);
	return ret;
}

int rc_resolve(const struct rc_repo *r, const char *rev, git_oid *out)
{
	static const char *const rules[] = {
		"refs/%s", "refs/tags/%s", "refs/heads/%s", "refs/remotes/%s", "refs/remotes/%s/HEAD",
	};
	size_t i;

	if (parse_hex(rev, strlen(rev), out) == 0)
		return 0;
	if (!strcmp(rev, "HEAD"))
		return read_ref(r, "HEAD", out, 0) == 0 ? 0 : -1;
	/* revision syntax, a pseudo-ref, a path that is no ref name: libgit2's */
	if (!*rev || strpbrk(rev, "~^:@{}?*[\\ \t") || strstr(rev, "..") || strstr(rev, "//") ||
	    rev[0] == '/' || rev[0] == '-' || rev[0] == '.' || rev[strlen(rev) - 1] == '/' ||
	    strspn(rev, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == strlen(rev))
		return -1;
	if (!strncmp(rev, "refs/", 5)) {
		int ret = read_ref(r, rev, out, 0);

		if (ret != 1)
			return ret;
	}
	for (i = 0; i < ARRAY_LEN(rules); i++) {
		char *name = xasprintf(rules[i], rev);
		int ret = read_ref(r, name, out, 0);

		free(name);
		if (ret != 1)
			return ret;
	}
	return -1;
}

/* One kept range, read; returns false when the file is damaged. */
static bool read_range(struct rec_reader *rd, const unsigned char **base, const unsigned char **head,
		       const char **prefix, const unsigned char **mb, const unsigned char **tree,
		       uint32_t *n)
{
	*base = rec_get_bytes(rd, GIT_OID_RAWSZ);
	*head = rec_get_bytes(rd, GIT_OID_RAWSZ);
	*prefix = rec_get_str(rd);
	*mb = rec_get_bytes(rd, GIT_OID_RAWSZ);
	*tree = rec_get_bytes(rd, GIT_OID_RAWSZ);
	*n = rec_get_count(rd, 1 + 1 + 1 + GIT_OID_RAWSZ);
	return !rd->bad;
}

/* Skip the changes of a range; false when the file is damaged. */
static bool skip_changes(struct rec_reader *rd, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n && !rd->bad; i++) {
		uint8_t status = rec_get8(rd);

		rec_get_str(rd);
		rec_get_str(rd);
		rec_get_bytes(rd, GIT_OID_RAWSZ);
		if (status > CHANGE_RENAMED)
			rd->bad = true;
	}
	return !rd->bad;
}

bool rc_load(const char *path, const git_oid *base, const git_oid *head, const char *prefix,
	     struct changes *c)
{
	struct buf b = BUF_INIT;
	struct rec_reader rd;
	uint32_t count, k, n, i;
	bool found = false;

	memset(c, 0, sizeof(*c));
	if (read_file(path, &b, RC_MAX_BYTES) < 0 || !rec_frame_open(&rd, b.data, b.len, RC_MAGIC))
		goto out;
	count = rec_get_count(&rd, 4 * GIT_OID_RAWSZ + 1 + 4);
	for (k = 0; k < count && !rd.bad; k++) {
		const unsigned char *kb, *kh, *mb, *tree;
		const char *kp;

		if (!read_range(&rd, &kb, &kh, &kp, &mb, &tree, &n))
			break;
		if (memcmp(kb, base->id, GIT_OID_RAWSZ) || memcmp(kh, head->id, GIT_OID_RAWSZ) ||
		    strcmp(kp, prefix)) {
			if (!skip_changes(&rd, n))
				break;
			continue;
		}
		c->mode = CHANGES_RANGE;
		for (i = 0; i < n && !rd.bad; i++) {
			uint8_t status = rec_get8(&rd);
			const char *p = rec_get_str(&rd), *old = rec_get_str(&rd);
			const void *oid = rec_get_bytes(&rd, GIT_OID_RAWSZ);
			struct change *ch;

			if (rd.bad || status > CHANGE_RENAMED || !*p)
				break;
			GROW(c->v, c->n + 1, c->cap);
			ch = &c->v[c->n++];
			memset(ch, 0, sizeof(*ch));
			ch->status = (enum change_status)status;
			ch->path = xstrdup(p);
			ch->old_path = *old ? xstrdup(old) : NULL;
			memcpy(ch->oid.id, oid, GIT_OID_RAWSZ);
		}
		if (rd.bad || i < n) {
			changes_release(c);
			memset(c, 0, sizeof(*c));
			break;
		}
		memcpy(c->base_oid.id, kb, GIT_OID_RAWSZ);
		memcpy(c->head_oid.id, kh, GIT_OID_RAWSZ);
		memcpy(c->new_tree_oid.id, tree, GIT_OID_RAWSZ);
		{
			git_oid m;

			memcpy(m.id, mb, GIT_OID_RAWSZ);
			git_oid_tostr(c->base_hex, sizeof(c->base_hex), &m);
			git_oid_tostr(c->head_hex, sizeof(c->head_hex), head);
		}
		found = true;
		break;
	}
out:
	buf_release(&b);
	return found;
}

static void put_range(struct buf *b, const git_oid *base, const git_oid *head, const char *prefix,
		      const struct changes *c)
{
	git_oid mb;
	size_t i;

	rec_put_bytes(b, base->id, GIT_OID_RAWSZ);
	rec_put_bytes(b, head->id, GIT_OID_RAWSZ);
	rec_put_str(b, prefix);
	if (git_oid_fromstr(&mb, c->base_hex) < 0)
		memset(&mb, 0, sizeof(mb));
	rec_put_bytes(b, mb.id, GIT_OID_RAWSZ);
	rec_put_bytes(b, c->new_tree_oid.id, GIT_OID_RAWSZ);
	rec_put32(b, (uint32_t)c->n);
	for (i = 0; i < c->n; i++) {
		rec_put8(b, (uint8_t)c->v[i].status);
		rec_put_str(b, c->v[i].path);
		rec_put_str(b, c->v[i].old_path ? c->v[i].old_path : "");
		rec_put_bytes(b, c->v[i].oid.id, GIT_OID_RAWSZ);
	}
}

void rc_save(const char *path, const git_oid *base, const git_oid *head, const char *prefix,
	     const struct changes *c)
{
	struct buf old = BUF_INIT, rest = BUF_INIT, b = BUF_INIT;
	struct rec_reader rd;
	uint32_t count = 0, k, kept = 1, n;

	/* the older ranges, as they were, but the one this replaces */
	if (read_file(path, &old, RC_MAX_BYTES) == 0 && rec_frame_open(&rd, old.data, old.len, RC_MAGIC))
		count = rec_get_count(&rd, 4 * GIT_OID_RAWSZ + 1 + 4);
	for (k = 0; k < count && kept < RC_KEEP && !rd.bad; k++) {
		const unsigned char *start = rd.p, *kb, *kh, *mb, *tree;
		const char *kp;

		if (!read_range(&rd, &kb, &kh, &kp, &mb, &tree, &n) || !skip_changes(&rd, n))
			break;
		if (!memcmp(kb, base->id, GIT_OID_RAWSZ) && !memcmp(kh, head->id, GIT_OID_RAWSZ) &&
		    !strcmp(kp, prefix)) {
			if (k == 0)
				goto out;   /* kept, and first: nothing to write */
			continue;
		}
		buf_add(&rest, start, (size_t)(rd.p - start));
		kept++;
	}
	rec_frame_begin(&b, RC_MAGIC);
	rec_put32(&b, kept);
	put_range(&b, base, head, prefix, c);
	buf_add(&b, rest.data ? rest.data : "", rest.len);
	rec_frame_end(&b);
	/* a range not kept costs the next run its time, nothing more */
	if (write_file_atomic(path, b.data, b.len) < 0)
		verbose("cannot keep the range in %s", path);
out:
	buf_release(&old);
	buf_release(&rest);
	buf_release(&b);
}
