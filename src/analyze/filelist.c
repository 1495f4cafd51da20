/*
 * filelist: listing the workspace's files.  It never follows a symbolic link
 * and never descends into node_modules; it reads no file content itself
 * (scanning does that, through filelist_read).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nettle/sha1.h>
#include <pthread.h>

#include "lib/file.h"
#include "lib/diag.h"
#include "lib/pool.h"
#include "analyze/scan.h"
#include "analyze/changes.h"
#include "analyze/filelist.h"
#include "analyze/gitindex.h"

#define WALK_MAX_DEPTH 64

static bool in_node_modules(const char *path)
{
	const char *p = path;

	while ((p = strstr(p, "node_modules"))) {
		if ((p == path || p[-1] == '/') && (p[12] == '/' || !p[12]))
			return true;
		p += 12;
	}
	return false;
}

struct wsfile *filelist_add_static(struct filelist *t, const char *path, uint8_t lang)
{
	struct strmap_entry *e;
	struct wsfile *f;

	if (t->unmapped) {
		GROW(t->files, t->n + 1, t->cap);
		f = &t->files[t->n++];
		memset(f, 0, sizeof(*f));
		f->path = path;
		f->lang = lang;
		return f;
	}
	if (!t->by_path.cap)
		strmap_init(&t->by_path, 1024);
	e = strmap_put(&t->by_path, path, strlen(path));
	if (e->value)
		return &t->files[(uintptr_t)e->value - 1];
	GROW(t->files, t->n + 1, t->cap);
	f = &t->files[t->n++];
	memset(f, 0, sizeof(*f));
	f->path = path;
	f->lang = lang;
	e->value = (void *)(uintptr_t)t->n;
	return f;
}

struct wsfile *filelist_add(struct filelist *t, const char *path, struct arena *a)
{
	struct wsfile *f = filelist_find(t, path);

	if (f)
		return f;
	return filelist_add_static(t, arena_strdup(a, path), (uint8_t)scan_lang_of(path));
}

/*
 * A tree loaded whole (from a snapshot) is usually asked about a handful of
 * changed paths: scanning beats hashing 60,000 paths, up to a point.
 */
#define UNMAPPED_LOOKUPS 16

/* bsearch(3)'s comparison: a path against a file of the list. */
static int path_vs_file(const void *path, const void *file)
{
	return strcmp(path, ((const struct wsfile *)file)->path);
}

struct wsfile *filelist_find(const struct filelist *t_in, const char *path)
{
	struct filelist *t = (struct filelist *)t_in;   /* the map is a cache of the list */
	void *v;
	size_t i;

	if (t->unmapped) {
		if (++t->lookups <= UNMAPPED_LOOKUPS) {
			struct wsfile *f = t->nsorted ? bsearch(path, t->files, t->nsorted,
								 sizeof(*t->files), path_vs_file)
						      : NULL;

			if (f)
				return f;
			for (i = t->nsorted; i < t->n; i++)
				if (!strcmp(t->files[i].path, path))
					return &t->files[i];
			return NULL;
		}
		strmap_free(&t->by_path);
		strmap_init(&t->by_path, t->n);
		for (i = 0; i < t->n; i++)
			strmap_put(&t->by_path, t->files[i].path, strlen(t->files[i].path))->value =
				(void *)(uintptr_t)(i + 1);
		t->unmapped = false;
	}
	v = strmap_get(&t->by_path, path, strlen(path));
	return v ? &t->files[(uintptr_t)v - 1] : NULL;
}

/* The files worth a stat: those whose content the graph reads. */
static bool content_matters(const char *path, uint8_t lang)
{
	const char *base = strrchr(path, '/');

	if (lang != LANG_NONE)
		return true;
	base = base ? base + 1 : path;
	return !strcmp(base, "package.json") || starts_with(base, "tsconfig") ||
	       starts_with(base, "jsconfig") || !strcmp(base, "pnpm-workspace.yaml") ||
	       !strcmp(base, "package-lock.json");
}

int filelist_from_worktree(struct filelist *t, git_repository *repo, const char *prefix, int rootfd,
		       bool untracked, struct arena *a)
{
	size_t plen = strlen(prefix), i, n;
	struct stat index_st;
	bool have_index_time;
	git_index *idx;

	t->source = FILES_WORKTREE;
	t->repo = repo;
	t->rootfd = rootfd;
	t->prefix = prefix;
	if (git_repository_index(&idx, repo) < 0)
		return error("cannot read git's index: %s", git_why());
	have_index_time = git_index_path(idx) && stat(git_index_path(idx), &index_st) == 0;
	n = git_index_entrycount(idx);
	strmap_init(&t->by_path, n);
	for (i = 0; i < n; i++) {
		const git_index_entry *e = git_index_get_byindex(idx, i);
		const char *rel;
		struct wsfile *f;
		struct stat st;

		if (strncmp(e->path, prefix, plen))
			continue;
		rel = e->path + plen;
		if (!*rel || in_node_modules(rel) || e->mode == GIT_FILEMODE_COMMIT)
			continue;
		if (filelist_find(t, rel))
			continue;  /* a conflicted path has several stages */
		bool stat_ok = false;

		if (e->mode != GIT_FILEMODE_LINK && content_matters(rel, (uint8_t)scan_lang_of(rel))) {
			if (fstatat(rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
				stat_ok = true;
			else if (errno == ENOENT || errno == ENOTDIR)
				continue;  /* deleted in the working tree: not part of it */
		}
		f = filelist_add(t, rel, a);
		f->size = e->file_size;
		if (e->mode == GIT_FILEMODE_LINK) {
			f->symlink = true;
			f->lang = LANG_NONE;
		}
		if (!stat_ok)
			continue;
		f->size = (uint64_t)st.st_size;
		/* git's own test: same size and times, and not racily clean */
		if ((uint32_t)st.st_size == e->file_size &&
		    (uint32_t)st.st_mtim.tv_sec == (uint32_t)e->mtime.seconds &&
		    (uint32_t)st.st_mtim.tv_nsec == e->mtime.nanoseconds &&
		    (uint32_t)st.st_ctim.tv_sec == (uint32_t)e->ctime.seconds &&
		    (!have_index_time || st.st_mtim.tv_sec < index_st.st_mtim.tv_sec)) {
			git_oid_cpy(&f->oid, &e->id);
			f->has_oid = true;
		}
	}
	git_index_free(idx);

	if (untracked) {
		git_status_options opts = GIT_STATUS_OPTIONS_INIT;
		git_status_list *list;
		char *spec = xasprintf("%s*", prefix);
		char *specs[1] = {spec};

		opts.show = GIT_STATUS_SHOW_WORKDIR_ONLY;
		opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
		if (plen) {
			opts.pathspec.strings = specs;
			opts.pathspec.count = 1;
		}
		if (git_status_list_new(&list, repo, &opts) < 0) {
			free(spec);
			return error("cannot list untracked files: %s", git_why());
		}
		n = git_status_list_entrycount(list);
		for (i = 0; i < n; i++) {
			const git_status_entry *s = git_status_byindex(list, i);
			const char *path;

			if (!(s->status & GIT_STATUS_WT_NEW) || !s->index_to_workdir)
				continue;
			path = s->index_to_workdir->new_file.path;
			if (strncmp(path, prefix, plen) || in_node_modules(path + plen))
				continue;
			filelist_add(t, path + plen, a);
		}
		git_status_list_free(list);
		free(spec);
	}
	return 0;
}

/*
 * A commit's tree is read in two passes.  The first walks the top levels
 * and leaves a placeholder for each folder DEFER_DEPTH deep (in a monorepo,
 * the packages); workers, each with a repository handle of its own (libgit2
 * objects are not shared between threads), walk those folders; the lists
 * are then joined in order, so the result is the same as a plain walk.
 */
#define DEFER_DEPTH 2
#define MIN_PARALLEL 16

enum rec_kind { REC_BLOB, REC_LINK, REC_FOLDER };

struct rec {
	uint8_t kind;
	uint32_t path;        /* offset into the listing's pool */
	git_oid oid;          /* the blob, or the folder's tree */
	uint32_t job;         /* REC_FOLDER: its job */
};

struct listing {
	struct buf pool;      /* paths, NUL-separated */
	struct rec *v;
	size_t n, cap;
};

struct folder_job {
	git_oid tree;
	struct listing out;
	int err;
};

static void add_rec(struct listing *l, enum rec_kind kind, const char *path, size_t len,
		    const git_oid *oid)
{
	struct rec *r;

	GROW(l->v, l->n + 1, l->cap);
	r = &l->v[l->n++];
	r->kind = (uint8_t)kind;
	r->path = (uint32_t)l->pool.len;
	git_oid_cpy(&r->oid, oid);
	r->job = 0;
	buf_add(&l->pool, path, len);
	buf_addc(&l->pool, '\0');
}

/*
 * Walk tree, with path (relative to the walk's root) as the prefix of its
 * entries.  At defer depth (when jobs is given) folders become placeholders.
 */
static int walk_git_tree(git_repository *repo, const git_tree *tree, struct buf *path, int depth,
			 struct listing *out, struct folder_job **jobs, size_t *njobs, size_t *capjobs)
{
	size_t i, n = git_tree_entrycount(tree), len = path->len;

	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(e);
		git_filemode_t mode = git_tree_entry_filemode(e);

		path->len = len;
		buf_adds(path, name);
		if (mode == GIT_FILEMODE_TREE) {
			git_tree *sub;
			int r;

			if (!strcmp(name, "node_modules"))
				continue;
			if (jobs && depth + 1 == DEFER_DEPTH) {
				add_rec(out, REC_FOLDER, path->data, path->len, git_tree_entry_id(e));
				GROW(*jobs, *njobs + 1, *capjobs);
				memset(&(*jobs)[*njobs], 0, sizeof(**jobs));
				git_oid_cpy(&(*jobs)[*njobs].tree, git_tree_entry_id(e));
				out->v[out->n - 1].job = (uint32_t)(*njobs)++;
				continue;
			}
			if (git_tree_lookup(&sub, repo, git_tree_entry_id(e)) < 0)
				return -1;
			buf_addc(path, '/');
			r = walk_git_tree(repo, sub, path, depth + 1, out, jobs, njobs, capjobs);
			git_tree_free(sub);
			if (r < 0)
				return -1;
		} else if (mode != GIT_FILEMODE_COMMIT) {
			add_rec(out, mode == GIT_FILEMODE_LINK ? REC_LINK : REC_BLOB, path->data,
				path->len, git_tree_entry_id(e));
		}
	}
	path->len = len;
	path->data[len] = '\0';
	return 0;
}

static int walk_folder_job(git_repository *repo, struct folder_job *job)
{
	struct buf path = BUF_INIT;
	git_tree *tree;
	int r;

	if (git_tree_lookup(&tree, repo, &job->tree) < 0)
		return -1;
	r = walk_git_tree(repo, tree, &path, 0, &job->out, NULL, NULL, NULL);
	git_tree_free(tree);
	buf_release(&path);
	return r;
}

struct folder_pool {
	struct pool pool;
	const char *gitdir;
	struct folder_job *jobs;
};

static void *folder_worker(void *arg)
{
	struct folder_pool *pool = arg;
	git_repository *repo;
	size_t i;

	if (git_repository_open_bare(&repo, pool->gitdir) < 0)
		return NULL;   /* the main thread does what is left */
	while (pool_take(&pool->pool, &i))
		pool->jobs[i].err = walk_folder_job(repo, &pool->jobs[i]) < 0 ? -1 : 1;
	git_repository_free(repo);
	return NULL;
}

static void listing_release(struct listing *l)
{
	buf_release(&l->pool);
	free(l->v);
}

/* Add a listing's files to the tree, folders expanded from their jobs. */
static void add_listing(struct filelist *t, const struct listing *l, const char *prefix,
			struct folder_job *jobs, struct buf *path, struct arena *a)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct rec *r = &l->v[i];
		struct wsfile *f;

		buf_reset(path);
		buf_adds(path, prefix);
		buf_adds(path, l->pool.data + r->path);
		if (r->kind == REC_FOLDER) {
			char *sub;

			buf_addc(path, '/');
			sub = xstrdup(path->data);
			add_listing(t, &jobs[r->job].out, sub, NULL, path, a);
			free(sub);
			continue;
		}
		f = filelist_add(t, path->data, a);
		git_oid_cpy(&f->oid, &r->oid);
		f->has_oid = true;
		if (r->kind == REC_LINK) {
			f->symlink = true;
			f->lang = LANG_NONE;
		}
	}
}

struct index_listing {
	struct filelist *t;
	struct arena *a;
	size_t plen;
};

/* One file of git's index into the list: under the workspace, not in node_modules. */
static void add_index_file(const char *path, size_t len, uint32_t mode, const unsigned char *oid,
			   const struct gitindex_stat *st, void *data)
{
	struct index_listing *il = data;
	const char *rel = path + il->plen;
	struct wsfile *f;

	if (len <= il->plen || memcmp(path, il->t->prefix, il->plen))
		return;
	/* a folder of that name, as the tree walk skips it */
	if (starts_with(rel, "node_modules/") || strstr(rel, "/node_modules/"))
		return;
	/* the index holds each path once: no map to check against while listing */
	f = filelist_add_static(il->t, arena_strndup(il->a, rel, len - il->plen),
				(uint8_t)scan_lang_of(rel));
	memcpy(f->oid.id, oid, GIT_OID_RAWSZ);
	f->has_oid = true;
	if ((mode & 0170000) == 0120000) {
		f->symlink = true;
		f->lang = LANG_NONE;
	} else if (st->trusted && content_matters(f->path, f->lang)) {
		struct gitindex_stat *seen = arena_alloc(il->a, sizeof(*seen));

		*seen = *st;
		f->seen = seen;
	}
}

/* The files of commit from git's index, when the index holds exactly its tree. */
static bool list_from_index(struct filelist *t, git_repository *repo, const git_commit *commit,
			    struct arena *a)
{
	struct index_listing il = {t, a, strlen(t->prefix)};
	char *path = xasprintf("%sindex", git_repository_path(repo));
	int ok = gitindex_list(path, git_commit_tree_id(commit)->id, add_index_file, &il);

	free(path);
	if (!ok)
		t->n = 0;   /* what it listed before it found the index wanting */
	return ok;
}

int filelist_from_commit(struct filelist *t, git_repository *repo, const char *prefix,
		     const git_commit *commit, int rootfd, bool checkout, struct arena *a)
{
	struct listing top = {BUF_INIT, NULL, 0, 0};
	struct folder_job *jobs = NULL;
	size_t njobs = 0, capjobs = 0, plen = strlen(prefix), i;
	struct buf path = BUF_INIT;
	git_tree *root = NULL, *sub = NULL;
	git_tree_entry *te = NULL;
	int ret = -1;

	t->source = FILES_COMMIT;
	t->repo = repo;
	t->rootfd = rootfd;
	t->prefix = prefix;
	t->checkout = checkout;
	strmap_init(&t->by_path, 4096);
	if (checkout) {
		t->unmapped = true;
		if (list_from_index(t, repo, commit, a)) {
			t->from_index = true;
			t->nsorted = t->n;   /* the index's order, the prefix taken off each path */
			return 0;
		}
		t->unmapped = false;
	}
	if (git_commit_tree(&root, commit) < 0) {
		error("cannot read the tree of commit %s: %s",
		      git_oid_tostr_s(git_commit_id(commit)), git_why());
		goto out;
	}
	if (plen) {
		char *dir = xstrndup(prefix, plen - 1);
		int r = git_tree_entry_bypath(&te, root, dir);

		free(dir);
		if (r < 0 || git_tree_entry_type(te) != GIT_OBJECT_TREE) {
			error("commit %s has no folder %.*s", git_oid_tostr_s(git_commit_id(commit)),
			      (int)plen - 1, prefix);
			goto out;
		}
		if (git_tree_lookup(&sub, repo, git_tree_entry_id(te)) < 0) {
			error("cannot read folder %s: %s", prefix, git_why());
			goto out;
		}
	}
	if (walk_git_tree(repo, sub ? sub : root, &path, 0, &top, &jobs, &njobs, &capjobs) < 0)
		goto walk_failed;
	if (njobs >= MIN_PARALLEL) {
		struct folder_pool pool = {.gitdir = git_repository_path(repo), .jobs = jobs};

		pool.pool.n = njobs;
		pool_run(&pool.pool, 0, folder_worker, &pool);
	}
	/* what no worker did (few folders, or no thread could start) is done here */
	for (i = 0; i < njobs; i++) {
		if (!jobs[i].err)
			jobs[i].err = walk_folder_job(repo, &jobs[i]) < 0 ? -1 : 1;
		if (jobs[i].err < 0)
			goto walk_failed;
	}
	add_listing(t, &top, "", jobs, &path, a);
	ret = 0;
	goto out;
walk_failed:
	error("cannot walk the tree of commit %s: %s", git_oid_tostr_s(git_commit_id(commit)),
	      git_why());
out:
	for (i = 0; i < njobs; i++)
		listing_release(&jobs[i].out);
	free(jobs);
	listing_release(&top);
	buf_release(&path);
	git_tree_entry_free(te);
	git_tree_free(sub);
	git_tree_free(root);
	return ret;
}

static int walk_dir(struct filelist *t, int dirfd, const char *dir, int depth, struct arena *a)
{
	struct dirent *de;
	DIR *d;

	if (depth > WALK_MAX_DEPTH)
		return error("%s: folders nested more than %d deep", dir, WALK_MAX_DEPTH);
	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return error("cannot list %s:", *dir ? dir : ".");
	}
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		unsigned char type = de->d_type;
		char *path;

		if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, ".git") ||
		    !strcmp(name, "node_modules") || !strcmp(name, ".relgate"))
			continue;
		if (type == DT_UNKNOWN) {
			struct stat st;

			if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK :
			       S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		path = *dir ? xasprintf("%s/%s", dir, name) : xstrdup(name);
		if (type == DT_DIR) {
			int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (fd < 0 || walk_dir(t, fd, path, depth + 1, a) < 0) {
				if (fd < 0)
					error("cannot open %s:", path);
				free(path);
				closedir(d);
				return -1;
			}
		} else if (type == DT_REG || type == DT_LNK) {
			struct wsfile *f = filelist_add(t, path, a);

			if (type == DT_LNK) {
				f->symlink = true;
				f->lang = LANG_NONE;
			}
		}
		free(path);
	}
	closedir(d);
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct wsfile *)a)->path, ((const struct wsfile *)b)->path);
}

int filelist_from_walk(struct filelist *t, int rootfd, struct arena *a)
{
	int fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t i;

	t->source = FILES_WALK;
	t->rootfd = rootfd;
	t->prefix = "";
	strmap_init(&t->by_path, 1024);
	if (fd < 0)
		return error("cannot open the workspace folder:");
	if (walk_dir(t, fd, "", 0, a) < 0)
		return -1;
	qsort(t->files, t->n, sizeof(*t->files), by_path);
	strmap_free(&t->by_path);
	strmap_init(&t->by_path, t->n);
	for (i = 0; i < t->n; i++) {
		struct strmap_entry *e = strmap_put(&t->by_path, t->files[i].path,
						    strlen(t->files[i].path));

		e->value = (void *)(uintptr_t)(i + 1);
	}
	return 0;
}

/*
 * Whether content is the git blob id, by nettle's SHA-1 (several times
 * faster than libgit2's, which detects collisions).
 */
static bool blob_has_id(const char *data, size_t len, const git_oid *id)
{
	unsigned char sum[SHA1_DIGEST_SIZE];
	struct sha1_ctx ctx;
	char header[32];
	int hlen = snprintf(header, sizeof(header), "blob %zu", len) + 1;

	sha1_init(&ctx);
	sha1_update(&ctx, (size_t)hlen, (const uint8_t *)header);
	sha1_update(&ctx, len, (const uint8_t *)data);
	sha1_digest(&ctx, sizeof(sum), sum);
	return memcmp(sum, id->id, sizeof(sum)) == 0;
}

/* Whether the file on disk is the one git's index saw (its test, on git's 32 bits). */
static bool index_saw(const struct gitindex_stat *seen, const struct stat *st)
{
	return seen && (uint32_t)st->st_size == seen->size &&
	       (uint32_t)st->st_mtim.tv_sec == seen->mtime_s &&
	       (uint32_t)st->st_mtim.tv_nsec == seen->mtime_ns &&
	       (uint32_t)st->st_ctim.tv_sec == seen->ctime_s &&
	       (uint32_t)st->st_ctim.tv_nsec == seen->ctime_ns &&
	       (uint32_t)st->st_ino == seen->ino && (uint32_t)st->st_dev == seen->dev;
}

/* Scanning threads share one repository: its object reads take turns. */
static pthread_mutex_t odb_lock = PTHREAD_MUTEX_INITIALIZER;

static int read_blob(const struct filelist *t, const struct wsfile *f, struct buf *b, size_t limit)
{
	git_blob *blob;
	git_object_size_t size;
	int r;

	pthread_mutex_lock(&odb_lock);
	r = git_blob_lookup(&blob, t->repo, &f->oid);
	pthread_mutex_unlock(&odb_lock);
	if (r < 0) {
		errno = ENOENT;
		return -1;
	}
	size = git_blob_rawsize(blob);
	if ((limit && size > limit) || size > SIZE_MAX / 2 || buf_grow(b, (size_t)size) < 0) {
		git_blob_free(blob);
		errno = EFBIG;
		return -1;
	}
	buf_add(b, git_blob_rawcontent(blob), (size_t)size);
	pthread_mutex_lock(&odb_lock);
	git_blob_free(blob);
	pthread_mutex_unlock(&odb_lock);
	return 0;
}

int filelist_read(const struct filelist *t, const struct wsfile *f, struct buf *b, size_t limit)
{
	if (t->source == FILES_COMMIT && f->has_oid) {
		size_t start = b->len;
		/*
		 * When the commit is the one checked out, its files are usually on
		 * disk: reading and hashing them is cheaper than inflating objects
		 * from a pack.  A file whose content differs is read from git.
		 */
		struct stat st;

		if (t->checkout && read_file_at_stat(t->rootfd, f->path, b, limit, &st) == 0 &&
		    (index_saw(f->seen, &st) || blob_has_id(b->data + start, b->len - start, &f->oid)))
			return 0;
		b->len = start;
		if (b->cap)
			b->data[start] = '\0';
		return read_blob(t, f, b, limit);
	}
	return read_file_at(t->rootfd, f->path, b, limit);
}

void filelist_release(struct filelist *t)
{
	free(t->files);
	strmap_free(&t->by_path);
	memset(t, 0, sizeof(*t));
}
