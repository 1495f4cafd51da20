/*
 * impact: the order of the analysis, and the edges of the graph.
 *
 * Edges are added in this order, which decides which chain is shown when
 * several are equally short: ownership, product packages, manifest
 * dependencies, inputs, the lockfile, then imports.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "lib/diag.h"
#include "lib/glob.h"
#include "analyze/impact.h"
#include "lib/pool.h"
#include "analyze/resolve.h"
#include "analyze/scan.h"
#include "analyze/snapshot.h"

#define SOURCE_MAX_BYTES ((size_t)256 << 20)
#define LOCKFILE_MAX_BYTES ((size_t)512 << 20)

/*
 * Find the workspace and read relgate.json.  A broken relgate.json is
 * noted in im->config_broken rather than returned, so that impact_run can
 * still check its products against the workspace and report every error of
 * the file in one run; impact_open returns it at once.
 */
static int open_workspace(struct impact *im, const struct impact_opts *o)
{
	char *cwd = getcwd(NULL, 0), *cfgpath = NULL;

	if (!cwd) {
		error("cannot tell the current folder:");
		return EXIT_ENV;
	}
	/* the workspace is found from where relgate runs; --config only names the file */
	im->root = workspace_find_root(cwd);
	if (!im->root) {
		error("cannot resolve the folder %s:", cwd);
		free(cwd);
		return EXIT_ENV;
	}
	free(cwd);
	if (o->config) {
		cfgpath = xstrdup(o->config);
	} else {
		cfgpath = xasprintf("%s/relgate.json", im->root);
		if (access(cfgpath, F_OK) < 0) {
			free(cfgpath);
			cfgpath = NULL;
		}
	}
	if (cfgpath) {
		im->config_broken = config_load(&im->cfg, cfgpath) < 0;
		free(cfgpath);
	} else {
		config_defaults(&im->cfg);
	}
	im->rootfd = open(im->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (im->rootfd < 0) {
		error("cannot open %s:", im->root);
		return EXIT_ENV;
	}
	return 0;
}

/*
 * relgate's own folder keeps itself out of git, as pytest's cache does, so
 * that it never shows up as a change (nor in `git status`).
 */
static void ensure_state_dir(const char *root)
{
	static const char text[] = "# relgate's cache and state: not for git\n*\n";
	char *path = xasprintf("%s/.relgate/.gitignore", root);

	if (access(path, F_OK) < 0 && write_file_atomic(path, text, sizeof(text) - 1) < 0)
		warn("cannot write %s:", path);
	free(path);
}

static int open_repo(struct impact *im, bool required)
{
	const char *workdir;
	char *real;
	size_t n;

	if (git_repository_open_ext(&im->repo, im->root, 0, NULL) < 0) {
		im->repo = NULL;
		im->prefix = xstrdup("");
		if (!required)
			return 0;
		error("%s is not inside a git repository (use --files to name the changes)",
		      im->root);
		return EXIT_ENV;
	}
	workdir = git_repository_workdir(im->repo);
	if (!workdir) {
		error("%s is a bare git repository: relgate needs a working tree", im->root);
		return EXIT_ENV;
	}
	real = realpath(workdir, NULL);
	if (!real) {
		error("cannot resolve %s:", workdir);
		return EXIT_ENV;
	}
	n = strlen(real);
	if (strncmp(im->root, real, n) || (im->root[n] && im->root[n] != '/')) {
		error("the workspace %s is not inside the git working tree %s", im->root, real);
		free(real);
		return EXIT_ENV;
	}
	im->prefix = im->root[n] ? xasprintf("%s/", im->root + n + 1) : xstrdup("");
	free(real);
	return 0;
}

static int read_change(struct impact *im, const struct impact_opts *o)
{
	if (o->nfiles) {
		char *cwd = getcwd(NULL, 0);
		int r = changes_files(&im->changes, im->repo, im->root, cwd ? cwd : "/", o->files,
				      o->nfiles);

		free(cwd);
		return r;
	}
	if (o->uncommitted)
		return changes_uncommitted(&im->changes, im->repo, im->prefix);
	return changes_range(&im->changes, im->repo, im->prefix, o->base, o->head ? o->head : "HEAD");
}

static int list_files(struct impact *im, const struct impact_opts *o)
{
	int r;

	if (!im->repo) {
		r = tree_from_walk(&im->tree, im->rootfd, &im->arena);
	} else if (im->have_changes && im->changes.mode == CHANGES_RANGE) {
		/*
		 * A commit range is analysed as committed: uncommitted edits are
		 * not part of it.  Reading the commit's tree also gives every
		 * file's blob id without a stat, and without git's "racily clean"
		 * doubt that a fresh checkout casts on every file.
		 */
		git_commit *head;

		if (git_commit_lookup(&head, im->repo, &im->changes.head_oid) < 0)
			return error("cannot read commit %s", im->changes.head_hex), EXIT_ENV;
		r = tree_from_commit(&im->tree, im->repo, im->prefix, head, im->rootfd, &im->arena);
		im->tree.checkout = im->changes.head_is_checkout;
		git_commit_free(head);
	} else {
		r = tree_from_worktree(&im->tree, im->repo, im->prefix, im->rootfd,
				       o->uncommitted || o->nfiles, &im->arena);
	}
	if (r < 0)
		return EXIT_ENV;
	/* paths the change removed still get nodes: their importers are reached */
	if (im->have_changes) {
		size_t i;

		for (i = 0; i < im->changes.n; i++) {
			const struct change *c = &im->changes.v[i];
			const char *paths[2] = {c->path, c->old_path};
			size_t k;

			for (k = 0; k < 2; k++) {
				if (paths[k] && !tree_find(&im->tree, paths[k])) {
					struct tree_file *f = tree_add(&im->tree, paths[k], &im->arena);

					f->ghost = true;
				}
			}
		}
	}
	im->stats.files = im->tree.n;
	return 0;
}

/* Every product: from relgate.json, or every package but the root. */
static int list_products(struct impact *im)
{
	size_t i;
	int errors = 0;

	if (im->cfg.products_given) {
		im->products = xcalloc(im->cfg.nproducts + 1, sizeof(*im->products));
		for (i = 0; i < im->cfg.nproducts; i++) {
			const struct product *p = &im->cfg.products[i];
			const struct package *pkg = workspace_package(&im->ws, p->package,
								      strlen(p->package));

			if (!pkg || pkg->is_root) {
				error("%s:%d:%d: product \"%s\": no workspace package is named \"%s\"",
				      im->cfg.path, p->line, p->col, p->name, p->package);
				errors++;
				continue;
			}
			im->products[im->nproducts].name = p->name;
			im->products[im->nproducts].cfg = p;
			im->products[im->nproducts].pkg = pkg;
			im->nproducts++;
		}
		return errors ? EXIT_USAGE : 0;
	}
	im->products = xcalloc(im->ws.npkgs + 1, sizeof(*im->products));
	for (i = 0; i < im->ws.npkgs; i++) {
		const struct package *pkg = &im->ws.pkgs[i];

		if (pkg->is_root)
			continue;
		im->products[im->nproducts].name = pkg->name;
		im->products[im->nproducts].pkg = pkg;
		im->nproducts++;
	}
	return 0;
}

void impact_add_nodes(struct impact *im)
{
	struct graph *g = &im->g;
	size_t i;

	for (i = 0; i < im->ws.npkgs; i++) {
		struct package *pkg = &im->ws.pkgs[i];

		pkg->node = (int)graph_add_node(g, NODE_PACKAGE, pkg->name, *pkg->dir ? pkg->dir : ".");
	}
	for (i = 0; i < im->nproducts; i++)
		im->products[i].node = graph_add_node(g, NODE_PRODUCT, im->products[i].name,
						      im->products[i].name);
	im->file_node = xcalloc(im->tree.n + 1, sizeof(*im->file_node));
	for (i = 0; i < im->tree.n; i++)
		im->file_node[i] = graph_add_node(g, NODE_FILE, im->tree.files[i].path,
						  im->tree.files[i].path);
}

static void add_structure_edges(struct impact *im)
{
	struct graph *g = &im->g;
	size_t *with_inputs = xcalloc(im->nproducts + 1, sizeof(*with_inputs));
	size_t i, j, k, nwith = 0;

	/* ownership, by the nearest package folder; sorted paths share owners */
	for (i = 0; i < im->tree.n; i++) {
		const struct package *owner = workspace_owner(&im->ws, im->tree.files[i].path);

		graph_add_edge(g, im->file_node[i], (uint32_t)owner->node, EDGE_OWNS, 0, NULL);
	}
	for (i = 0; i < im->nproducts; i++)
		graph_add_edge(g, (uint32_t)im->products[i].pkg->node, im->products[i].node,
			       EDGE_PRODUCT, 0, NULL);
	for (i = 0; i < im->ws.npkgs; i++) {
		const struct package *pkg = &im->ws.pkgs[i];

		for (j = 0; j < pkg->ndeps; j++) {
			const struct dep *d = &pkg->deps[j];
			const struct package *on = workspace_package(&im->ws, d->name, strlen(d->name));

			if (on && on != pkg && !on->is_root)
				graph_add_edge(g, (uint32_t)on->node, (uint32_t)pkg->node,
					       EDGE_DEPENDENCY, d->kind, NULL);
		}
	}
	/* inputs: the workspace's globalInputs and each product's own globs */
	for (j = 0; j < im->nproducts; j++)
		if (im->products[j].cfg && im->products[j].cfg->inputs.n)
			with_inputs[nwith++] = j;
	for (i = 0; i < im->tree.n; i++) {
		const char *path = im->tree.files[i].path;

		for (k = 0; k < im->cfg.global_inputs.n; k++)
			if (glob_match(im->cfg.global_inputs.v[k], path))
				break;
		if (k < im->cfg.global_inputs.n) {
			for (j = 0; j < im->nproducts; j++)
				graph_add_edge(g, im->file_node[i], im->products[j].node,
					       EDGE_GLOBAL_INPUT, 0, NULL);
			continue;
		}
		for (j = 0; j < nwith; j++) {
			const struct impact_product *ip = &im->products[with_inputs[j]];

			for (k = 0; k < ip->cfg->inputs.n; k++)
				if (glob_match(ip->cfg->inputs.v[k], path)) {
					graph_add_edge(g, im->file_node[i], ip->node, EDGE_INPUT, 0, NULL);
					break;
				}
		}
	}
	free(with_inputs);
}

/* The change to path (as its new or its old name), or NULL. */
static const struct change *find_change(const struct impact *im, const char *path)
{
	size_t i;

	for (i = 0; im->have_changes && i < im->changes.n; i++) {
		const struct change *c = &im->changes.v[i];

		if (!strcmp(c->path, path) || (c->old_path && !strcmp(c->old_path, path)))
			return c;
	}
	return NULL;
}

/* The lockfile, when the change touches it: per package, or everything. */
static int add_lockfile_edges(struct impact *im)
{
	static const char *const lockfiles[] = {"package-lock.json", "pnpm-lock.yaml", "yarn.lock"};
	const struct change *c = NULL;
	const struct tree_file *tf;
	const char *name;
	struct buf old = BUF_INIT, new = BUF_INIT;
	char *old_note = NULL, *new_note = NULL;
	int r_old, r_new, ret = 0;
	size_t i;

	for (i = 0; !c && i < ARRAY_LEN(lockfiles); i++)
		c = find_change(im, lockfiles[i]);
	if (!c)
		return 0;
	name = c->path;
	tf = tree_find(&im->tree, name);
	if (!tf)
		BUG("changed lockfile %s has no node", name);
	old_note = xasprintf("as of %.12s", *im->changes.base_hex ? im->changes.base_hex : "HEAD");
	new_note = *im->changes.head_hex ? xasprintf("as of %.12s", im->changes.head_hex) : NULL;
	r_old = changes_read_side(&im->changes, im->repo, im->prefix, im->rootfd, name, false, &old,
				  LOCKFILE_MAX_BYTES);
	r_new = changes_read_side(&im->changes, im->repo, im->prefix, im->rootfd, name, true, &new,
				  LOCKFILE_MAX_BYTES);
	if (r_old < 0 || r_new < 0) {
		error("cannot read %s:", name);
		ret = EXIT_ENV;
		goto out;
	}
	if (im->changes.mode == CHANGES_FILES && !im->changes.old_tree) {
		im->lock.all = true;
		im->lock.reason = xasprintf("%s is listed, and without git there is no earlier "
					    "version to compare it with", name);
	} else if (im->changes.mode == CHANGES_FILES && r_old == 0 && r_new == 0 &&
		   old.len == new.len && !memcmp(old.data, new.data, old.len)) {
		/* listed, yet the same as HEAD: the change is against a base we do not know */
		im->lock.all = true;
		im->lock.reason = xasprintf("%s is listed but matches HEAD, so the version it "
					    "changed from is unknown", name);
	} else if (lockfile_diff(name, old_note, r_old ? NULL : old.data, old.len, new_note,
				 r_new ? NULL : new.data, new.len, &im->ws, &im->lock) < 0) {
		ret = EXIT_USAGE;
		goto out;
	}
	if (im->lock.all) {
		for (i = 0; i < im->nproducts; i++)
			graph_add_edge(&im->g, im->file_node[tf - im->tree.files], im->products[i].node,
				       EDGE_WORKSPACE, 0, im->lock.reason);
	} else {
		for (i = 0; i < im->lock.n; i++) {
			struct lockfile_hit *h = &im->lock.hits[i];
			size_t k;

			if (!h->pkg->is_root) {
				graph_add_edge(&im->g, im->file_node[tf - im->tree.files],
					       (uint32_t)h->pkg->node, EDGE_LOCKFILE, 0, h->detail);
				continue;
			}
			/* the root's own dependencies are the build tools of every product */
			h->root_reason = xasprintf("%s: the root's dependencies: %s", name, h->detail);
			for (k = 0; k < im->nproducts; k++)
				graph_add_edge(&im->g, im->file_node[tf - im->tree.files],
					       im->products[k].node, EDGE_WORKSPACE, 0, h->root_reason);
		}
	}
out:
	free(old_note);
	free(new_note);
	buf_release(&old);
	buf_release(&new);
	return ret;
}

/* Fields of the root package.json that say nothing about how products build. */
static const char *const metadata_fields[] = {
	"name", "version", "description", "keywords", "author", "contributors", "maintainers",
	"license", "homepage", "bugs", "repository", "funding", "private", "publishConfig",
};

static json_t *manifest_side(struct impact *im, const char *path, bool after)
{
	struct buf text = BUF_INIT;
	json_t *v = NULL;

	if (changes_read_side(&im->changes, im->repo, im->prefix, im->rootfd, path, after, &text,
			      16 << 20) == 0)
		v = json_loadb(text.data, text.len, 0, NULL);
	buf_release(&text);
	return v;
}

/*
 * The root package.json is the workspace's manifest: its scripts, its
 * dependencies (the build tools), its workspaces reach every product.  Only
 * its metadata (name, version, description, ...) does not.  Like the
 * lockfile, this depends on the change, so it is not part of the snapshot.
 */
static void add_root_manifest_edges(struct impact *im)
{
	const struct tree_file *tf = tree_find(&im->tree, "package.json");
	json_t *old, *new;
	struct buf why = BUF_INIT;
	const char *key;
	json_t *v;
	size_t i;

	if (!tf || !find_change(im, "package.json"))
		return;
	old = manifest_side(im, "package.json", false);
	new = manifest_side(im, "package.json", true);
	if (json_is_object(old) && json_is_object(new)) {
		for (i = 0; i < ARRAY_LEN(metadata_fields); i++) {
			json_object_del(old, metadata_fields[i]);
			json_object_del(new, metadata_fields[i]);
		}
		json_object_foreach(new, key, v)
			if (!json_equal(v, json_object_get(old, key)))
				buf_addf(&why, "%s%s", why.len ? ", " : "", key);
		json_object_foreach(old, key, v)
			if (!json_object_get(new, key))
				buf_addf(&why, "%s%s", why.len ? ", " : "", key);
		if (why.len)
			buf_adds(&why, " changed");
	} else {
		buf_adds(&why, "no earlier version to compare with");
	}
	if (why.len) {
		char *reason = xasprintf("the workspace's root package.json: %s", why.data);
		const char *detail = arena_strdup(&im->arena, reason);

		free(reason);
		for (i = 0; i < im->nproducts; i++)
			graph_add_edge(&im->g, im->file_node[tf - im->tree.files], im->products[i].node,
				       EDGE_WORKSPACE, 0, detail);
	}
	json_decref(old);
	json_decref(new);
	buf_release(&why);
}

/* ---- imports ---- */

static void encode_imports(const struct scan_result *r, struct buf *b)
{
	size_t i;

	buf_reset(b);
	for (i = 0; i < r->n; i++) {
		buf_addc(b, (char)('0' + r->imports[i].kind));
		buf_add(b, scan_spec(r, i), r->imports[i].len + 1);
	}
}

/*
 * Scanning runs on every core: each job reads one file and lexes it into
 * its encoded specifiers.  Workers touch nothing shared but the job list
 * (taken by an atomic counter) and git's object database (behind a lock in
 * tree_read); messages, the cache and the graph are left to the main
 * thread, in file order, so that the output does not depend on timing.
 */
struct scan_job {
	uint32_t file;
	int err;                 /* errno of a failed read, or 0 */
	uint8_t status;          /* enum scan_status */
	uint32_t stop_line;
	bool has_oid;            /* the content's blob id is known: the result can be cached */
	bool owned_by_cache;     /* enc now belongs to the cache */
	git_oid oid;
	char *enc;
	size_t len;
};

struct scan_pool {
	struct pool pool;
	struct impact *im;
	struct scan_job *jobs;
};

static void scan_one(struct impact *im, struct scan_job *job, struct buf *text,
		     struct scan_result *res, struct buf *enc)
{
	const struct tree_file *f = &im->tree.files[job->file];

	buf_reset(text);
	if (tree_read(&im->tree, f, text, SOURCE_MAX_BYTES) < 0) {
		job->err = errno ? errno : EIO;
		return;
	}
	scan_result_reset(res);
	scan_source(text->data, text->len, (enum scan_lang)f->lang, res);
	job->status = (uint8_t)res->status;
	job->stop_line = res->stop_line;
	encode_imports(res, enc);
	job->enc = xmalloc(enc->len + 1);
	memcpy(job->enc, enc->data, enc->len + 1);
	job->len = enc->len;
	if (f->has_oid) {
		git_oid_cpy(&job->oid, &f->oid);
		job->has_oid = true;
	} else {
		job->has_oid = git_odb_hash(&job->oid, text->data, text->len, GIT_OBJECT_BLOB) == 0;
	}
}

static void *scan_worker(void *arg)
{
	struct scan_pool *pool = arg;
	struct buf text = BUF_INIT, enc = BUF_INIT;
	struct scan_result res = {0};
	size_t i;

	while (pool_take(&pool->pool, &i))
		scan_one(pool->im, &pool->jobs[i], &text, &res, &enc);
	scan_result_release(&res);
	buf_release(&text);
	buf_release(&enc);
	return NULL;
}

static void run_scan_jobs(struct impact *im, struct scan_job *jobs, size_t n)
{
	struct scan_pool pool = {.im = im, .jobs = jobs};

	pool.pool.n = n;
	pool_run(&pool.pool, 64, scan_worker, &pool);
}

/* Report how a job went, cache its result; returns -1 on a read error. */
static int finish_job(struct impact *im, struct scan_job *job)
{
	const struct tree_file *f = &im->tree.files[job->file];

	if (job->err) {
		if (job->err == EFBIG)
			warn("%s: larger than %zu MB, its imports are not scanned", f->path,
			     SOURCE_MAX_BYTES >> 20);
		else if (job->err == EISDIR || job->err == EINVAL || job->err == ELOOP)
			warn("%s: not a regular file, its imports are not scanned", f->path);
		else
			return errno = job->err, error("cannot read %s:", f->path);
		return 0;
	}
	im->stats.scanned++;
	if (job->status == SCAN_BINARY)
		warn("%s: binary content, its imports are not scanned", f->path);
	else if (job->status == SCAN_TOO_DEEP)
		warn("%s:%u: nesting too deep, the imports after this line are not scanned",
		     f->path, job->stop_line);
	else if (job->status == SCAN_OK && job->has_oid &&
		 cache_put_owned(&im->cache, &job->oid, CACHE_IMPORTS, job->enc, job->len))
		job->owned_by_cache = true;   /* one copy, not two */
	return 0;
}

static int add_import_edges(struct impact *im)
{
	struct buf dir = BUF_INIT;
	struct resolver rs;
	struct scan_job *jobs = xcalloc(im->tree.n + 1, sizeof(*jobs));
	const char **encs = xcalloc(im->tree.n + 1, sizeof(*encs));
	size_t *lens = xcalloc(im->tree.n + 1, sizeof(*lens));
	size_t i, njobs = 0, next_job = 0;
	int ret = 0;

	/* what the cache knows, and what must be read */
	for (i = 0; i < im->tree.n; i++) {
		const struct tree_file *f = &im->tree.files[i];
		const void *cached;

		if (f->lang == LANG_NONE || f->ghost || f->symlink)
			continue;
		if (f->has_oid && (cached = cache_get(&im->cache, &f->oid, CACHE_IMPORTS, &lens[i]))) {
			encs[i] = cached;
			im->stats.cache_hits++;
		} else {
			jobs[njobs++].file = (uint32_t)i;
		}
	}
	run_scan_jobs(im, jobs, njobs);

	resolver_init(&rs, &im->ws, &im->tree, &im->arena);
	for (i = 0; i < im->tree.n && !ret; i++) {
		const struct tree_file *f = &im->tree.files[i];
		const char *p, *end, *slash;

		if (next_job < njobs && jobs[next_job].file == i) {
			struct scan_job *job = &jobs[next_job++];

			if (finish_job(im, job) < 0) {
				ret = EXIT_ENV;
				break;
			}
			encs[i] = job->enc;
			lens[i] = job->len;
		}
		if (!encs[i] || !lens[i])
			continue;
		slash = strrchr(f->path, '/');
		buf_reset(&dir);
		if (slash)
			buf_add(&dir, f->path, (size_t)(slash - f->path));
		for (p = encs[i], end = encs[i] + lens[i]; p < end; p += strlen(p) + 1) {
			struct resolution r;
			uint8_t kind = (uint8_t)(*p - '0');

			im->stats.imports++;
			if (resolve_import(&rs, dir.data, p + 1, kind == IMPORT_CSS, &r) < 0)
				ret = EXIT_USAGE;
			if (r.kind == RES_FILE)
				graph_add_edge(&im->g, im->file_node[r.file - im->tree.files],
					       im->file_node[i], EDGE_IMPORT, kind, NULL);
			else if (r.kind == RES_PACKAGE)
				graph_add_edge(&im->g, (uint32_t)r.pkg->node, im->file_node[i],
					       EDGE_IMPORT, kind, NULL);
			else if (r.kind == RES_MISSING)
				im->stats.unresolved++;
		}
	}
	resolver_release(&rs);
	for (i = 0; i < njobs; i++)
		if (!jobs[i].owned_by_cache)
			free(jobs[i].enc);
	free(jobs);
	free(encs);
	free(lens);
	buf_release(&dir);
	return ret;
}

static void walk_change(struct impact *im)
{
	uint32_t *seeds = xcalloc(im->changes.n * 2 + 1, sizeof(*seeds));
	size_t n = 0, i;

	for (i = 0; im->have_changes && i < im->changes.n; i++) {
		const struct change *c = &im->changes.v[i];
		const struct tree_file *f = tree_find(&im->tree, c->path);

		if (f)
			seeds[n++] = im->file_node[f - im->tree.files];
		if (c->old_path && (f = tree_find(&im->tree, c->old_path)))
			seeds[n++] = im->file_node[f - im->tree.files];
	}
	graph_walk(&im->g, seeds, n, &im->walk);
	free(seeds);
}

/* How the change touched path: "changed", "deleted", "renamed away", ... */
static const char *change_word(const struct impact *im, const char *path)
{
	const struct change *c = find_change(im, path);

	if (!c)
		return "changed";
	if (strcmp(c->path, path))
		return "renamed away";
	switch (c->status) {
	case CHANGE_ADDED: return "added";
	case CHANGE_DELETED: return "deleted";
	case CHANGE_RENAMED: return "renamed";
	case CHANGE_LISTED: return "listed";
	default: return "changed";
	}
}

void impact_chain(const struct impact *im, uint32_t node, struct chain *c)
{
	uint32_t *edges, seed;
	size_t n, i;

	memset(c, 0, sizeof(*c));
	if (!walk_reached(&im->walk, node))
		return;
	n = walk_chain(&im->g, &im->walk, node, &edges, &seed);
	c->links = xcalloc(n + 1, sizeof(*c->links));
	c->n = n + 1;
	c->links[0].node = &im->g.nodes[seed];
	c->links[0].change = change_word(im, im->g.nodes[seed].path);
	for (i = 0; i < n; i++) {
		const struct gedge *e = &im->g.edges[edges[i]];

		c->links[i].edge = e;
		c->links[i + 1].node = &im->g.nodes[e->to];
	}
	free(edges);
}

void chain_release(struct chain *c)
{
	free(c->links);
	memset(c, 0, sizeof(*c));
}

/*
 * Everything before the change is looked at: files, packages, products,
 * and the edges that depend only on the head's content.
 */
static int build_graph(struct impact *im, const struct impact_opts *o)
{
	double t0 = now_ms();
	int r;

	if ((r = list_files(im, o)))
		return r;
	im->stats.ms_tree = now_ms() - t0;

	t0 = now_ms();
	if (o->no_cache) {
		cache_disable(&im->cache);
	} else {
		char *path = xasprintf("%s/.relgate/cache/facts-v2", im->root);

		cache_open(&im->cache, path);
		free(path);
	}
	if (workspace_load(&im->ws, &im->tree, &im->cache, &im->arena) < 0)
		return EXIT_USAGE;
	if ((r = list_products(im)) || im->config_broken)
		return r ? r : EXIT_USAGE;
	im->stats.ms_workspace = now_ms() - t0;

	t0 = now_ms();
	impact_add_nodes(im);
	add_structure_edges(im);
	if (!o->no_imports && (r = add_import_edges(im)))
		return r;
	im->stats.ms_scan = now_ms() - t0;
	return 0;
}

/*
 * The snapshot serves commit ranges whose change removes no path: removed
 * paths become nodes of their own, which a snapshot of the head cannot hold.
 */
static bool snapshot_usable(const struct impact *im, const struct impact_opts *o)
{
	size_t i;

	if (o->no_cache || im->config_broken || !im->have_changes ||
	    im->changes.mode != CHANGES_RANGE)
		return false;
	for (i = 0; i < im->changes.n; i++)
		if (im->changes.v[i].status == CHANGE_DELETED || im->changes.v[i].old_path)
			return false;
	return true;
}

/* What the head's graph depends on: relgate's build, the head, the config, the options. */
static void snapshot_key(const struct impact *im, const struct impact_opts *o,
			 unsigned char *key)
{
	static const char version[] = "relgate snapshot 1";
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char flags = (unsigned char)o->no_imports;
	struct stat exe;
	unsigned int n;

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha1(), NULL))
		die(EXIT_ENV, "cannot compute SHA-1");
	EVP_DigestUpdate(ctx, version, sizeof(version));
	/* a rebuilt relgate may build another graph: its binary is part of the key */
	if (stat("/proc/self/exe", &exe) == 0) {
		EVP_DigestUpdate(ctx, &exe.st_size, sizeof(exe.st_size));
		EVP_DigestUpdate(ctx, &exe.st_mtim, sizeof(exe.st_mtim));
		EVP_DigestUpdate(ctx, &exe.st_ino, sizeof(exe.st_ino));
	}
	EVP_DigestUpdate(ctx, git_tree_id(im->changes.new_tree), GIT_OID_RAWSZ);
	EVP_DigestUpdate(ctx, im->prefix, strlen(im->prefix) + 1);
	EVP_DigestUpdate(ctx, im->cfg.digest, sizeof(im->cfg.digest));
	EVP_DigestUpdate(ctx, &flags, 1);
	EVP_DigestFinal_ex(ctx, key, &n);
	EVP_MD_CTX_free(ctx);
}

int impact_open(struct impact *im, const struct impact_opts *o)
{
	int r;

	memset(im, 0, sizeof(*im));
	im->rootfd = -1;
	r = open_workspace(im, o);
	return r ? r : im->config_broken ? EXIT_USAGE : 0;
}

int impact_run(struct impact *im, const struct impact_opts *o)
{
	bool need_git = o->need_change && !o->nfiles, use_snapshot;
	unsigned char key[SNAPSHOT_KEY_SIZE];
	unsigned warnings_before;
	char *snap_path = NULL;
	double t0;
	int r;

	memset(im, 0, sizeof(*im));
	im->rootfd = -1;
	if ((r = open_workspace(im, o)) || (r = open_repo(im, need_git)))
		return r;
	if (o->need_change) {
		if ((r = read_change(im, o)))
			return r;
		im->have_changes = true;
	}
	use_snapshot = snapshot_usable(im, o);
	if (use_snapshot) {
		snapshot_key(im, o, key);
		snap_path = xasprintf("%s/.relgate/cache/graph-v1", im->root);
		t0 = now_ms();
		im->stats.snapshot = snapshot_load(im, snap_path, key);
		im->stats.ms_tree = now_ms() - t0;
	}
	/* a graph whose making warned is not kept: the warnings would be lost */
	warnings_before = diag_warnings;
	if (!im->stats.snapshot && (r = build_graph(im, o))) {
		free(snap_path);
		return r;
	}
	if (use_snapshot && !im->stats.snapshot && diag_warnings == warnings_before) {
		ensure_state_dir(im->root);
		snapshot_save(im, snap_path, key);
	}
	free(snap_path);
	im->stats.files = im->tree.n;
	add_root_manifest_edges(im);
	if ((r = add_lockfile_edges(im)))
		return r;

	t0 = now_ms();
	graph_finish(&im->g);
	walk_change(im);
	im->stats.ms_graph = now_ms() - t0;
	if (im->cache.added)
		ensure_state_dir(im->root);
	cache_save(&im->cache);
	if (im->stats.snapshot)
		verbose("%zu files; the head's graph from the snapshot in %.1f ms, walk %.1f ms",
			im->stats.files, im->stats.ms_tree, im->stats.ms_graph);
	else
		verbose("%zu files, %zu scanned, %zu from the cache, %zu imports (%zu unresolved); "
			"tree %.1f ms, workspace %.1f ms, imports %.1f ms, graph %.1f ms",
			im->stats.files, im->stats.scanned, im->stats.cache_hits, im->stats.imports,
			im->stats.unresolved, im->stats.ms_tree, im->stats.ms_workspace,
			im->stats.ms_scan, im->stats.ms_graph);
	return 0;
}

void impact_release(struct impact *im)
{
	walk_release(&im->walk);
	graph_release(&im->g);
	free(im->file_node);
	free(im->products);
	lockfile_diff_release(&im->lock);
	if (im->have_changes)
		changes_release(&im->changes);
	cache_close(&im->cache);
	workspace_release(&im->ws);
	tree_release(&im->tree);
	arena_free(&im->arena);
	if (im->repo)
		git_repository_free(im->repo);
	if (im->rootfd >= 0)
		close(im->rootfd);
	config_release(&im->cfg);
	free(im->root);
	free(im->prefix);
	free(im->snapshot_data);
}
