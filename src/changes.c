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

#include "changes.h"
#include "diag.h"

static bool skip_path(const char *path)
{
	return starts_with(path, "node_modules/") || strstr(path, "/node_modules/");
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

static int resolve_commit(git_commit **out, git_repository *repo, const char *ref)
{
	git_object *obj;

	if (git_revparse_single(&obj, repo, ref) < 0) {
		error("unknown git revision \"%s\": %s", ref, git_error_last()->message);
		return EXIT_ENV;
	}
	if (git_object_peel((git_object **)out, obj, GIT_OBJECT_COMMIT) < 0) {
		error("\"%s\" does not name a commit", ref);
		git_object_free(obj);
		return EXIT_ENV;
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

int changes_range(struct changes *c, git_repository *repo, const char *prefix, const char *base,
		  const char *head)
{
	git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
	git_diff_find_options find = GIT_DIFF_FIND_OPTIONS_INIT;
	git_commit *bc = NULL, *hc = NULL, *mc = NULL;
	git_oid mb;
	git_diff *diff = NULL;
	git_object *checkout = NULL;
	int ret;

	memset(c, 0, sizeof(*c));
	c->mode = CHANGES_RANGE;
	if ((ret = resolve_commit(&bc, repo, base)) || (ret = resolve_commit(&hc, repo, head)))
		goto out;
	if (git_merge_base(&mb, repo, git_commit_id(bc), git_commit_id(hc)) < 0) {
		if (git_repository_is_shallow(repo))
			error("this clone is shallow and its history does not reach the merge-base of "
			      "\"%s\" and \"%s\"; fetch more history (git fetch --deepen=100, or "
			      "git fetch --unshallow; in GitHub Actions: fetch-depth: 0)", base, head);
		else
			error("\"%s\" and \"%s\" have no common history (no merge-base)", base, head);
		ret = EXIT_ENV;
		goto out;
	}
	if (git_commit_lookup(&mc, repo, &mb) < 0 ||
	    git_commit_tree(&c->old_tree, mc) < 0 || git_commit_tree(&c->new_tree, hc) < 0) {
		error("cannot read the trees of the change: %s", git_error_last()->message);
		ret = EXIT_ENV;
		goto out;
	}
	git_oid_tostr(c->base_hex, sizeof(c->base_hex), &mb);
	git_oid_tostr(c->head_hex, sizeof(c->head_hex), git_commit_id(hc));
	git_oid_cpy(&c->head_oid, git_commit_id(hc));
	if (git_revparse_single(&checkout, repo, "HEAD") == 0)
		c->head_is_checkout = !git_oid_cmp(git_object_id(checkout), git_commit_id(hc));
	if (git_diff_tree_to_tree(&diff, repo, c->old_tree, c->new_tree, &opts) < 0) {
		error("cannot compare %s with %s: %s", base, head, git_error_last()->message);
		ret = EXIT_ENV;
		goto out;
	}
	find.flags = GIT_DIFF_FIND_RENAMES;
	if (git_diff_find_similar(diff, &find) < 0) {
		error("cannot detect renames: %s", git_error_last()->message);
		ret = EXIT_ENV;
		goto out;
	}
	add_deltas(c, diff, prefix);
	ret = 0;
out:
	git_object_free(checkout);
	git_diff_free(diff);
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
	int ret = EXIT_ENV;

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
		error("cannot compare HEAD with the working tree: %s", git_error_last()->message);
		goto out;
	}
	add_deltas(c, diff, prefix);
	ret = 0;
out:
	git_object_free(head);
	git_diff_free(diff);
	return ret;
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

int changes_files(struct changes *c, git_repository *repo, const char *root, const char *cwd,
		  char **paths, size_t n)
{
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
		if (!strcmp(paths[i], "-")) {
			char *line = NULL;
			size_t cap = 0;
			ssize_t len;

			while ((len = getline(&line, &cap, stdin)) > 0) {
				while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
					line[--len] = '\0';
				add_listed(c, root, cwd, line);
			}
			free(line);
			if (ferror(stdin))
				return error("cannot read the list of files from standard input:"),
				       EXIT_ENV;
		} else {
			add_listed(c, root, cwd, paths[i]);
		}
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
