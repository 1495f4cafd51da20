/*
 * changes: libgit2 diffs turned into workspace-relative paths.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/changes.h"
#include "lib/arena.h"
#include "lib/file.h"
#include "lib/diag.h"

/* Installed packages and relgate's own state are never changes of the workspace. */
static bool skip_path(const char *path)
{
	return starts_with(path, "node_modules/") || strstr(path, "/node_modules/") ||
	       starts_with(path, ".relgate/");
}

static void add(struct changes *c, const char *path, const char *old_path,
		enum change_status status)
{
	struct change *ch;

	GROW(c->v, c->n + 1, c->cap);
	ch = &c->v[c->n++];
	ch->path = xstrdup(path);
	ch->old_path = old_path ? xstrdup(old_path) : NULL;
	ch->status = status;
}

const char *git_why(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown error";
}

static int resolve_commit(git_commit **out, git_repository *repo, const char *ref)
{
	git_object *obj;

	if (git_revparse_single(&obj, repo, ref) < 0) {
		char *why = xstrdup(git_why());

		/* HEAD~5 in a clone of depth 3: the history, not the name, is missing */
		if (git_repository_is_shallow(repo) == 1)
			error("cannot find the git revision \"%s\" (%s): this clone is shallow and its "
			      "history may not reach it; fetch more history (git fetch --deepen=100, "
			      "or git fetch --unshallow; in GitHub Actions: fetch-depth: 0)", ref, why);
		else
			error("unknown git revision \"%s\": %s", ref, why);
		free(why);
		return fault(FAULT_ENV);
	}
	if (git_object_peel((git_object **)out, obj, GIT_OBJECT_COMMIT) < 0) {
		error("\"%s\" does not name a commit", ref);
		git_object_free(obj);
		return fault(FAULT_ENV);
	}
	git_object_free(obj);
	return 0;
}

static void add_deltas(struct changes *c, git_diff *diff, const char *prefix)
{
	size_t plen = strlen(prefix), i, n = git_diff_num_deltas(diff);

	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *np = d->new_file.path, *op = d->old_file.path;
		bool new_in = np && !strncmp(np, prefix, plen) && !skip_path(np + plen);
		bool old_in = op && !strncmp(op, prefix, plen) && !skip_path(op + plen);

		switch (d->status) {
		case GIT_DELTA_ADDED:
		case GIT_DELTA_UNTRACKED:
			if (new_in)
				add(c, np + plen, NULL, CHANGE_ADDED);
			break;
		case GIT_DELTA_DELETED:
			if (old_in)
				add(c, op + plen, NULL, CHANGE_DELETED);
			break;
		case GIT_DELTA_RENAMED:
			/* a rename counts as both paths; each side may be outside */
			if (new_in && old_in)
				add(c, np + plen, op + plen, CHANGE_RENAMED);
			else if (new_in)
				add(c, np + plen, NULL, CHANGE_ADDED);
			else if (old_in)
				add(c, op + plen, NULL, CHANGE_DELETED);
			break;
		case GIT_DELTA_COPIED:
			if (new_in)
				add(c, np + plen, NULL, CHANGE_ADDED);
			break;
		case GIT_DELTA_UNMODIFIED:
		case GIT_DELTA_IGNORED:
			break;
		default:
			if (new_in)
				add(c, np + plen, NULL, CHANGE_MODIFIED);
			break;
		}
	}
}

/*
 * Compare two trees (either may be NULL for "empty"), adding a change per
 * file.  Subtrees with the same id are skipped without being read, which
 * is what makes a small change in a large repository cheap to find.
 */
static int diff_trees(struct changes *c, git_repository *repo, const git_tree *a,
		      const git_tree *b, struct buf *path, size_t plen);

static int diff_one_side(struct changes *c, git_repository *repo, const git_tree_entry *e,
			 bool added, struct buf *path, size_t plen)
{
	const git_oid *id = git_tree_entry_id(e);
	git_filemode_t mode = git_tree_entry_filemode(e);
	git_tree *t;
	int r;

	if (mode == GIT_FILEMODE_COMMIT)
		return 0;
	if (mode != GIT_FILEMODE_TREE) {
		if (!skip_path(path->data + plen)) {
			add(c, path->data + plen, NULL, added ? CHANGE_ADDED : CHANGE_DELETED);
			git_oid_cpy(&c->v[c->n - 1].oid, id);
		}
		return 0;
	}
	if (git_tree_lookup(&t, repo, id) < 0)
		return error("cannot read tree %s: %s", git_oid_tostr_s(id), git_why());
	r = diff_trees(c, repo, added ? NULL : t, added ? t : NULL, path, plen);
	git_tree_free(t);
	return r;
}

static int diff_trees(struct changes *c, git_repository *repo, const git_tree *a,
		      const git_tree *b, struct buf *path, size_t plen)
{
	size_t na = a ? git_tree_entrycount(a) : 0, nb = b ? git_tree_entrycount(b) : 0, i;
	size_t len = path->len;
	int r = 0;

	for (i = 0; i < na && !r; i++) {
		const git_tree_entry *ea = git_tree_entry_byindex(a, i);
		const char *name = git_tree_entry_name(ea);
		const git_tree_entry *eb = b ? git_tree_entry_byname(b, name) : NULL;
		git_filemode_t ma = git_tree_entry_filemode(ea);

		path->len = len;
		buf_addf(path, "%s%s", len ? "/" : "", name);
		if (!eb) {
			r = diff_one_side(c, repo, ea, false, path, plen);
		} else if (!git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)) ||
			   ma != git_tree_entry_filemode(eb)) {
			git_filemode_t mb = git_tree_entry_filemode(eb);

			if (ma == GIT_FILEMODE_TREE && mb == GIT_FILEMODE_TREE) {
				git_tree *ta, *tb;

				if (git_tree_lookup(&ta, repo, git_tree_entry_id(ea)) < 0)
					return error("cannot read tree: %s", git_why());
				if (git_tree_lookup(&tb, repo, git_tree_entry_id(eb)) < 0) {
					git_tree_free(ta);
					return error("cannot read tree: %s", git_why());
				}
				r = diff_trees(c, repo, ta, tb, path, plen);
				git_tree_free(ta);
				git_tree_free(tb);
			} else if (ma == GIT_FILEMODE_TREE || mb == GIT_FILEMODE_TREE) {
				/* a folder became a file or the other way round */
				r = diff_one_side(c, repo, ea, false, path, plen);
				if (!r)
					r = diff_one_side(c, repo, eb, true, path, plen);
			} else if (ma != GIT_FILEMODE_COMMIT && !skip_path(path->data + plen)) {
				add(c, path->data + plen, NULL, CHANGE_MODIFIED);
			}
		}
	}
	for (i = 0; i < nb && !r; i++) {
		const git_tree_entry *eb = git_tree_entry_byindex(b, i);

		if (a && git_tree_entry_byname(a, git_tree_entry_name(eb)))
			continue;
		path->len = len;
		buf_addf(path, "%s%s", len ? "/" : "", git_tree_entry_name(eb));
		r = diff_one_side(c, repo, eb, true, path, plen);
	}
	path->len = len;
	path->data[len] = '\0';
	return r;
}

/* The subtree at prefix ("a/b/") of tree, or NULL when there is none. */
static git_tree *subtree(git_repository *repo, git_tree *tree, const char *prefix)
{
	git_tree_entry *te;
	git_tree *sub = NULL;
	char *dir;

	if (!*prefix) {
		git_tree_dup(&sub, tree);
		return sub;
	}
	dir = xstrndup(prefix, strlen(prefix) - 1);
	if (git_tree_entry_bypath(&te, tree, dir) == 0) {
		if (git_tree_entry_type(te) == GIT_OBJECT_TREE)
			git_tree_lookup(&sub, repo, git_tree_entry_id(te));
		git_tree_entry_free(te);
	}
	free(dir);
	return sub;
}

/* Pair deletions and additions of the same content: exact renames. */
static void pair_renames(struct changes *c)
{
	size_t i, j, k;

	for (i = 0; i < c->n; i++) {
		if (c->v[i].status != CHANGE_ADDED)
			continue;
		for (j = 0; j < c->n; j++) {
			if (c->v[j].status != CHANGE_DELETED || !git_oid_equal(&c->v[i].oid, &c->v[j].oid))
				continue;
			c->v[i].status = CHANGE_RENAMED;
			c->v[i].old_path = c->v[j].path;
			for (k = j + 1; k < c->n; k++)
				c->v[k - 1] = c->v[k];
			c->n--;
			if (j < i)
				i--;
			break;
		}
	}
}

/*
 * The merge-base in a shallow clone.  libgit2 1.5 walks into the parents of
 * the shallow boundary, which the clone does not have, and fails where git
 * finds the merge-base (it does when commit dates run backwards, as after a
 * rebase or on a skewed clock), leaking as it fails.  Here a parent that is
 * not in the clone is taken as none, which is what git's .git/shallow
 * means; a shallow clone's history is short, so every commit of it may be
 * walked.
 */
struct ancestry {
	git_repository *repo;
	git_odb *odb;
	struct arena arena;
	git_oid *queue;
	size_t cap;
};

static void mark(struct ancestry *an, struct strmap *seen, const git_oid *id)
{
	char *key = arena_alloc(&an->arena, GIT_OID_RAWSZ);
	struct strmap_entry *e;

	memcpy(key, id->id, GIT_OID_RAWSZ);
	e = strmap_put(seen, key, GIT_OID_RAWSZ);
	e->value = e;
}

static bool marked(const struct strmap *seen, const git_oid *id)
{
	return strmap_get(seen, (const char *)id->id, GIT_OID_RAWSZ) != NULL;
}

/*
 * Every commit reachable from start into seen; where stop is given, a
 * commit in it is recorded in hits and not walked past.
 */
static int walk_ancestry(struct ancestry *an, const git_oid *start, struct strmap *seen,
			 const struct strmap *stop, git_oid **hits, size_t *nhits, size_t *caphits)
{
	size_t head = 0, tail = 0;

	GROW(an->queue, 1, an->cap);
	an->queue[tail++] = *start;
	mark(an, seen, start);
	while (head < tail) {
		git_oid id = an->queue[head++];
		git_commit *commit;
		unsigned int i, n;

		if (stop && marked(stop, &id)) {
			GROW(*hits, *nhits + 1, *caphits);
			(*hits)[(*nhits)++] = id;
			continue;
		}
		if (git_commit_lookup(&commit, an->repo, &id) < 0)
			return -1;
		n = git_commit_parentcount(commit);
		for (i = 0; i < n; i++) {
			const git_oid *p = git_commit_parent_id(commit, i);

			if (!git_odb_exists(an->odb, p) || marked(seen, p))
				continue;
			mark(an, seen, p);
			GROW(an->queue, tail + 1, an->cap);
			an->queue[tail++] = *p;
		}
		git_commit_free(commit);
	}
	return 0;
}

/* 0 and the merge-base of a and b in *out, 1 when there is none in the clone, -1 on errors. */
static int shallow_merge_base(git_oid *out, git_repository *repo, const git_oid *a,
			      const git_oid *b)
{
	struct ancestry an = { .repo = repo, .arena = ARENA_INIT };
	struct strmap of_a = {0}, of_b = {0};
	git_oid *hits = NULL;
	size_t nhits = 0, caphits = 0, i, j;
	int ret = -1;

	if (git_repository_odb(&an.odb, repo) < 0)
		return -1;
	strmap_init(&of_a, 64);
	strmap_init(&of_b, 64);
	if (walk_ancestry(&an, a, &of_a, NULL, NULL, NULL, NULL) < 0 ||
	    walk_ancestry(&an, b, &of_b, &of_a, &hits, &nhits, &caphits) < 0)
		goto out;
	/* of the common commits met first, one no other of them reaches */
	for (i = 0; i < nhits; i++) {
		bool reached = false;

		for (j = 0; j < nhits && !reached; j++) {
			struct strmap from = {0};

			if (j == i)
				continue;
			strmap_init(&from, 64);
			if (walk_ancestry(&an, &hits[j], &from, NULL, NULL, NULL, NULL) < 0) {
				strmap_free(&from);
				goto out;
			}
			reached = marked(&from, &hits[i]);
			strmap_free(&from);
		}
		if (!reached) {
			*out = hits[i];
			ret = 0;
			goto out;
		}
	}
	ret = 1;
out:
	free(hits);
	free(an.queue);
	strmap_free(&of_a);
	strmap_free(&of_b);
	arena_free(&an.arena);
	git_odb_free(an.odb);
	return ret;
}

static bool git_started;

void git_start(void)
{
	if (git_started)
		return;
	git_started = true;
	git_libgit2_init();
	/* relgate only reads objects: hashing each one again to verify it costs a tenth of a run */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	/* every object is read once: libgit2's object cache would only hold memory */
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
}

void git_stop(void)
{
	if (git_started)
		git_libgit2_shutdown();
	git_started = false;
}

int changes_range(struct changes *c, git_repository *repo, const char *prefix, const char *base,
		  const char *head)
{
	git_commit *bc = NULL, *hc = NULL, *mc = NULL;
	git_tree *old_sub = NULL, *new_sub = NULL;
	struct buf path = BUF_INIT;
	git_object *checkout = NULL;
	git_oid mb;
	bool shallow;
	int ret;

	memset(c, 0, sizeof(*c));
	c->mode = CHANGES_RANGE;
	if ((ret = resolve_commit(&bc, repo, base)) || (ret = resolve_commit(&hc, repo, head)))
		goto out;
	shallow = git_repository_is_shallow(repo) == 1;
	if (shallow ? shallow_merge_base(&mb, repo, git_commit_id(bc), git_commit_id(hc)) != 0
		    : git_merge_base(&mb, repo, git_commit_id(bc), git_commit_id(hc)) < 0) {
		if (shallow)
			error("this clone is shallow and its history does not reach the merge-base of "
			      "\"%s\" and \"%s\"; fetch more history (git fetch --deepen=100, or "
			      "git fetch --unshallow; in GitHub Actions: fetch-depth: 0)", base, head);
		else
			error("\"%s\" and \"%s\" have no common history (no merge-base)", base, head);
		ret = fault(FAULT_ENV);
		goto out;
	}
	if (git_commit_lookup(&mc, repo, &mb) < 0 ||
	    git_commit_tree(&c->old_tree, mc) < 0 || git_commit_tree(&c->new_tree, hc) < 0) {
		error("cannot read the trees of the change: %s", git_why());
		ret = fault(FAULT_ENV);
		goto out;
	}
	git_oid_tostr(c->base_hex, sizeof(c->base_hex), &mb);
	git_oid_tostr(c->head_hex, sizeof(c->head_hex), git_commit_id(hc));
	git_oid_cpy(&c->base_oid, git_commit_id(bc));
	git_oid_cpy(&c->head_oid, git_commit_id(hc));
	git_oid_cpy(&c->new_tree_oid, git_tree_id(c->new_tree));
	if (git_revparse_single(&checkout, repo, "HEAD") == 0)
		c->head_is_checkout = git_oid_equal(git_object_id(checkout), git_commit_id(hc));
	old_sub = subtree(repo, c->old_tree, prefix);
	new_sub = subtree(repo, c->new_tree, prefix);
	buf_adds(&path, prefix);
	if (path.len)
		path.data[--path.len] = '\0';  /* no trailing slash: diff_trees adds one */
	if (diff_trees(c, repo, old_sub, new_sub, &path, *prefix ? path.len + 1 : 0) < 0) {
		ret = fault(FAULT_ENV);
		goto out;
	}
	pair_renames(c);
	ret = 0;
out:
	buf_release(&path);
	git_tree_free(old_sub);
	git_tree_free(new_sub);
	git_object_free(checkout);
	git_commit_free(bc);
	git_commit_free(hc);
	git_commit_free(mc);
	return ret;
}

int changes_uncommitted(struct changes *c, git_repository *repo, const char *prefix)
{
	git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
	git_object *head = NULL;
	git_diff *diff = NULL;
	int ret = -1;

	memset(c, 0, sizeof(*c));
	c->mode = CHANGES_UNCOMMITTED;
	c->head_is_checkout = true;
	if (git_revparse_single(&head, repo, "HEAD^{tree}") == 0) {
		c->old_tree = (git_tree *)head;
		head = NULL;
		if (git_revparse_single(&head, repo, "HEAD") == 0)
			git_oid_tostr(c->base_hex, sizeof(c->base_hex), git_object_id(head));
	}
	opts.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS;
	if (git_diff_tree_to_workdir_with_index(&diff, repo, c->old_tree, &opts) < 0) {
		error("cannot compare HEAD with the working tree: %s", git_why());
		goto out;
	}
	add_deltas(c, diff, prefix);
	ret = 0;
out:
	git_object_free(head);
	git_diff_free(diff);
	return ret < 0 ? fault(FAULT_ENV) : ret;
}

/* Make path (relative to cwd, or absolute) relative to root; NULL if outside. */
static char *relative_to_root(const char *root, const char *cwd, const char *path)
{
	char *abs = path[0] == '/' ? xstrdup(path + 1) : xasprintf("%s/%s", cwd + 1, path);
	size_t rlen = strlen(root + 1);
	char *rel = NULL;

	if (path_normalize(abs) == 0) {
		if (!rlen)
			rel = xstrdup(abs);
		else if (!strncmp(abs, root + 1, rlen) && abs[rlen] == '/')
			rel = xstrdup(abs + rlen + 1);
		else if (!strcmp(abs, root + 1))
			rel = xstrdup("");
	}
	free(abs);
	return rel;
}

static void add_listed(struct changes *c, const char *root, const char *cwd, const char *path)
{
	char *rel;

	if (!*path)
		return;
	rel = relative_to_root(root, cwd, path);
	if (!rel || !*rel)
		warn("ignoring \"%s\": it is not a file inside the workspace %s", path, root);
	else if (!skip_path(rel))
		add(c, rel, NULL, CHANGE_LISTED);
	free(rel);
}

struct listing {
	struct changes *c;
	const char *root, *cwd;
};

static void add_line(const char *line, void *data)
{
	const struct listing *l = data;

	add_listed(l->c, l->root, l->cwd, line);
}

int changes_files(struct changes *c, git_repository *repo, const char *root, const char *cwd,
		  char **paths, size_t n)
{
	struct listing l = {c, root, cwd};
	size_t i;

	memset(c, 0, sizeof(*c));
	c->mode = CHANGES_FILES;
	c->head_is_checkout = true;
	if (repo) {
		git_object *head;

		if (git_revparse_single(&head, repo, "HEAD^{tree}") == 0)
			c->old_tree = (git_tree *)head;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(paths[i], "-"))
			add_listed(c, root, cwd, paths[i]);
		else if (read_lines(stdin, add_line, &l) < 0)
			return error_as(FAULT_ENV, "cannot read the list of files from standard input:");
	}
	return 0;
}

int changes_read_side(const struct changes *c, git_repository *repo, const char *prefix,
		      int rootfd, const char *path, bool after, struct buf *b, size_t limit)
{
	git_tree *tree = after ? c->new_tree : c->old_tree;
	git_tree_entry *te;
	git_blob *blob;
	char *full;
	int r;

	if (after && !tree) {
		if (read_file_at(rootfd, path, b, limit) == 0)
			return 0;
		return errno == ENOENT || errno == ENOTDIR ? 1 : -1;
	}
	if (!tree || !repo)
		return 1;
	full = xasprintf("%s%s", prefix, path);
	r = git_tree_entry_bypath(&te, tree, full);
	free(full);
	if (r < 0)
		return 1;
	if (git_tree_entry_type(te) != GIT_OBJECT_BLOB ||
	    git_blob_lookup(&blob, repo, git_tree_entry_id(te)) < 0) {
		git_tree_entry_free(te);
		return 1;
	}
	git_tree_entry_free(te);
	if (limit && git_blob_rawsize(blob) > limit) {
		git_blob_free(blob);
		errno = EFBIG;
		return -1;
	}
	buf_add(b, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return 0;
}

void changes_release(struct changes *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].old_path);
	}
	free(c->v);
	git_tree_free(c->old_tree);
	git_tree_free(c->new_tree);
	memset(c, 0, sizeof(*c));
}
