/*
 * impact: the analysis as a chain of stages, each taking what it needs
 * and making its result: the repository, the change, the file list, the
 * head's graph (headgraph, or the snapshot), the change's own edges (the
 * root manifest, the lockfile), and the walk from the changed files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <nettle/sha1.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/file.h"
#include "lib/jsonfile.h"
#include "analyze/impact.h"
#include "analyze/rangecache.h"
#include "analyze/scan.h"
#include "analyze/snapshot.h"
#include "lib/diag.h"
#include "lib/file.h"
#define LOCKFILE_MAX_BYTES ((size_t)512 << 20)

/* The lockfiles, the ones read per package first (npm's shrinkwrap and bun.lockb reach everything). */
static const char *const lockfiles[] = {
	"package-lock.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock",
	"npm-shrinkwrap.json", "bun.lockb",
};
/* struct impact holds a diff for each */
_Static_assert(ARRAY_LEN(lockfiles) == IMPACT_LOCKFILES, "IMPACT_LOCKFILES is the list's length");

/* The git repository that holds the workspace, and the workspace's place in it. */
static int open_repo(struct impact *im, const char *root, bool required)
{
	const char *workdir;
	char *real;
	size_t n;

	git_start();
	if (git_repository_open_ext(&im->repo, root, 0, NULL) < 0) {
		im->repo = NULL;
		im->prefix = xstrdup("");
		if (!required)
			return 0;
		error("%s is not inside a git repository (use --files to name the changes)",
		      root);
		return fault(FAULT_ENV);
	}
	workdir = git_repository_workdir(im->repo);
	if (!workdir) {
		error("%s is a bare git repository: relgate needs a working tree", root);
		return fault(FAULT_ENV);
	}
	real = realpath(workdir, NULL);
	if (!real) {
		error("cannot resolve %s:", workdir);
		return fault(FAULT_ENV);
	}
	n = strlen(real);
	if (strncmp(root, real, n) || (root[n] && root[n] != '/')) {
		error("the workspace %s is not inside the git working tree %s", root, real);
		free(real);
		return fault(FAULT_ENV);
	}
	im->prefix = root[n] ? xasprintf("%s/", root + n + 1) : xstrdup("");
	free(real);
	return 0;
}

static int read_change(struct impact *im, const char *root, const struct impact_opts *o)
{
	if (o->nfiles) {
		char *cwd = getcwd(NULL, 0);
		int r = changes_files(&im->changes, im->repo, root, cwd ? cwd : "/", o->files,
				      o->nfiles);

		free(cwd);
		return r;
	}
	if (o->uncommitted)
		return changes_uncommitted(&im->changes, im->repo, im->prefix);
	return changes_range(&im->changes, im->repo, im->prefix, o->base, o->head ? o->head : "HEAD");
}

static int list_files(struct impact *im, int rootfd, const struct impact_opts *o)
{
	struct filelist *list = &im->head.list;
	int r;

	if (!im->repo) {
		r = filelist_from_walk(list, rootfd, &im->arena);
	} else if (im->have_changes && im->changes.mode == CHANGES_RANGE) {
		/*
		 * A commit range is analysed as committed: uncommitted edits are
		 * not part of it.  Reading the commit's tree also gives every
		 * file's blob id without a stat, and without git's "racily clean"
		 * doubt that a fresh checkout casts on every file.
		 */
		git_commit *head;

		if (git_commit_lookup(&head, im->repo, &im->changes.head_oid) < 0)
			return error_as(FAULT_ENV, "cannot read commit %s", im->changes.head_hex);
		r = filelist_from_commit(list, im->repo, im->prefix, head, rootfd,
					 im->changes.head_is_checkout, &im->arena);
		git_commit_free(head);
	} else {
		r = filelist_from_worktree(list, im->repo, im->prefix, rootfd,
				       o->uncommitted || o->nfiles, &im->arena);
	}
	if (r < 0)
		return fault(FAULT_ENV);
	/* paths the change removed still get nodes: their importers are reached */
	if (im->have_changes) {
		size_t i;

		for (i = 0; i < im->changes.n; i++) {
			const struct change *c = &im->changes.v[i];
			const char *paths[2] = {c->path, c->old_path};
			size_t k;

			for (k = 0; k < 2; k++) {
				if (paths[k] && !filelist_find(list, paths[k])) {
					struct wsfile *f = filelist_add(list, paths[k], &im->arena);

					f->ghost = true;
				}
			}
		}
	}
	return 0;
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

/*
 * A change that reaches everything (the root's manifest, its locked build
 * tools, a lockfile not read per package) reaches every product and, for
 * --packages, every package but the root.
 */
static void reach_everything(struct impact *im, const struct wsfile *from, const char *why)
{
	struct head_graph *h = &im->head;
	uint32_t node = h->file_node[from - h->list.files];
	size_t i;

	for (i = 0; i < h->nproducts; i++)
		graph_add_edge(&h->g, node, h->products[i].node, EDGE_WORKSPACE, 0, why);
	for (i = 0; i < h->ws.npkgs; i++)
		if (!h->ws.pkgs[i].is_root)
			graph_add_edge(&h->g, node, (uint32_t)h->ws.pkgs[i].node, EDGE_WORKSPACE, 0,
				       why);
}

/* The lockfile c, which the change touches: per package, or everything. */
static int lockfile_edges(struct impact *im, const struct change *c, struct lockfile_diff *ld)
{
	const char *name = c->path;
	const struct wsfile *tf = filelist_find(&im->head.list, name);
	struct buf old = BUF_INIT, new = BUF_INIT;
	char *old_note = NULL, *new_note = NULL;
	int r_old, r_new, ret = 0;
	size_t i;

	if (!tf)
		BUG("changed lockfile %s has no node", name);
	old_note = xasprintf("as of %.12s", *im->changes.base_hex ? im->changes.base_hex : "HEAD");
	new_note = *im->changes.head_hex ? xasprintf("as of %.12s", im->changes.head_hex) : NULL;
	r_old = changes_read_side(&im->changes, im->repo, im->prefix, im->setup->rootfd, name, false, &old,
				  LOCKFILE_MAX_BYTES);
	r_new = changes_read_side(&im->changes, im->repo, im->prefix, im->setup->rootfd, name, true, &new,
				  LOCKFILE_MAX_BYTES);
	if (r_old < 0 || r_new < 0) {
		ret = error_as(FAULT_ENV, "cannot read %s:", name);
		goto out;
	}
	if (im->changes.mode == CHANGES_FILES && !im->changes.old_tree) {
		ld->all = true;
		ld->reason = xasprintf("%s is listed, and without git there is no earlier "
				       "version to compare it with", name);
	} else if (im->changes.mode == CHANGES_FILES && r_old == 0 && r_new == 0 &&
		   old.len == new.len && !memcmp(old.data, new.data, old.len)) {
		/* listed, yet the same as HEAD: the change is against a base we do not know */
		ld->all = true;
		ld->reason = xasprintf("%s is listed but matches HEAD, so the version it "
				       "changed from is unknown", name);
	} else if (lockfile_diff(name, old_note, r_old ? NULL : old.data, old.len, new_note,
				 r_new ? NULL : new.data, new.len, &im->head.ws, &im->setup->cfg,
				 ld) < 0) {
		ret = fault(FAULT_INPUT);
		goto out;
	}
	if (ld->all) {
		reach_everything(im, tf, ld->reason);
		if (!im->lock_all)
			im->lock_all = ld;
	} else {
		for (i = 0; i < ld->n; i++) {
			struct lockfile_hit *h = &ld->hits[i];

			if (!h->pkg->is_root) {
				graph_add_edge(&im->head.g, im->head.file_node[tf - im->head.list.files],
					       (uint32_t)h->pkg->node, EDGE_LOCKFILE, 0, h->detail);
				continue;
			}
			/* the root's own dependencies are the build tools of every product */
			h->root_reason = xasprintf("%s: the root's dependencies: %s", name, h->detail);
			reach_everything(im, tf, h->root_reason);
		}
	}
out:
	free(old_note);
	free(new_note);
	buf_release(&old);
	buf_release(&new);
	return ret;
}

/* Every lockfile the change touches (a move from one package manager to another touches two). */
static int add_lockfile_edges(struct impact *im)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(lockfiles); i++) {
		const struct change *c = find_change(im, lockfiles[i]);

		if (c && lockfile_edges(im, c, &im->locks[im->nlocks++]) < 0)
			return -1;
	}
	return 0;
}

/* Fields of the root package.json that say nothing about how products build. */
static const char *const metadata_fields[] = {
	"name", "version", "description", "keywords", "author", "contributors", "maintainers",
	"license", "homepage", "bugs", "repository", "funding", "private", "publishConfig",
};

/* Take out of a root manifest the dependencies relgate.json says no build uses. */
static void drop_ignored_deps(const struct config *cfg, json_t *manifest)
{
	static const char *const fields[] = {"dependencies", "devDependencies",
					     "optionalDependencies", "peerDependencies"};
	size_t i;

	for (i = 0; cfg->ignore_root_deps.n && i < ARRAY_LEN(fields); i++) {
		json_t *deps = json_object_get(manifest, fields[i]), *v;
		const char *name;
		void *tmp;

		if (!json_is_object(deps))
			continue;
		json_object_foreach_safe(deps, tmp, name, v)
			if (config_ignores_root_dep(cfg, name))
				json_object_del(deps, name);
		if (!json_object_size(deps))
			json_object_del(manifest, fields[i]);
	}
}

static json_t *manifest_side(struct impact *im, const char *path, bool after)
{
	struct buf text = BUF_INIT;
	json_t *v = NULL;

	if (changes_read_side(&im->changes, im->repo, im->prefix, im->setup->rootfd, path, after, &text,
			      16 << 20) == 0)
		v = json_loadb(text.data + jsonfile_bom(text.data, text.len),
			       text.len - jsonfile_bom(text.data, text.len), 0, NULL);
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
	const struct wsfile *tf = filelist_find(&im->head.list, "package.json");
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
		drop_ignored_deps(&im->setup->cfg, old);
		drop_ignored_deps(&im->setup->cfg, new);
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
		reach_everything(im, tf, detail);
	}
	json_decref(old);
	json_decref(new);
	buf_release(&why);
}

/*
 * How well a changed file explains a chain to a person: code first, then
 * configuration, then anything else (a README, a changelog).  The walk
 * keeps, among equally short chains, the one from the earliest seed, so the
 * seeds go in this order.
 */
enum seed_rank { RANK_CODE, RANK_CONFIG, RANK_OTHER, NRANKS };

static enum seed_rank seed_rank(const char *path)
{
	static const char *const code[] = {
		".vue", ".svelte", ".astro", ".html", ".htm", ".less", ".sass", ".styl",
		".graphql", ".gql", ".wasm",
	};
	static const char *const config[] = {
		".json", ".jsonc", ".json5", ".yaml", ".yml", ".toml", ".lock", ".lockb",
	};
	const char *base = strrchr(path, '/');
	size_t i;

	base = base ? base + 1 : path;
	if (scan_lang_of(path) != LANG_NONE) {
		/* tool configuration written as code still configures */
		return base[0] == '.' || strstr(base, ".config.") ? RANK_CONFIG : RANK_CODE;
	}
	for (i = 0; i < ARRAY_LEN(code); i++)
		if (ends_with(base, code[i]))
			return RANK_CODE;
	for (i = 0; i < ARRAY_LEN(config); i++)
		if (ends_with(base, config[i]))
			return RANK_CONFIG;
	if (base[0] == '.')
		return RANK_CONFIG;   /* .babelrc, .browserslistrc, .npmrc */
	return RANK_OTHER;
}

/*
 * A workspace package the change deleted, or moved away, whose name a
 * package at the head still depends on: that package now gets another one
 * (the registry's, or none), so the deleted manifest reaches it.  Where
 * another package took the name, the manifest edges say it already.
 */
static void add_deleted_package_edges(struct impact *im)
{
	struct head_graph *h = &im->head;
	size_t i, j, k;

	for (i = 0; im->have_changes && i < im->changes.n; i++) {
		const struct change *c = &im->changes.v[i];
		const char *path = c->status == CHANGE_DELETED ? c->path : c->old_path;
		const struct wsfile *tf;
		const char *name;
		json_t *old;
		char *why;

		if (!path || !ends_with(path, "/package.json") || !(tf = filelist_find(&h->list, path)) ||
		    !tf->ghost)
			continue;
		old = manifest_side(im, path, false);
		name = json_string_value(json_object_get(old, "name"));
		if (!name || !*name || workspace_package(&h->ws, name, strlen(name))) {
			json_decref(old);
			continue;
		}
		why = xasprintf("the workspace package %s is gone", name);
		for (j = 0; j < h->ws.npkgs; j++) {
			const struct package *p = &h->ws.pkgs[j];

			for (k = 0; k < p->ndeps; k++) {
				if (strcmp(p->deps[k].name, name))
					continue;
				if (p->is_root)
					reach_everything(im, tf, arena_strdup(&im->arena, why));
				else
					graph_add_edge(&h->g, h->file_node[tf - h->list.files],
						       (uint32_t)p->node, EDGE_DEPENDENCY,
						       p->deps[k].kind, arena_strdup(&im->arena, why));
				break;
			}
		}
		free(why);
		json_decref(old);
	}
}

static void walk_change(struct impact *im)
{
	uint32_t *seeds = xcalloc(im->changes.n * 2 + 1, sizeof(*seeds));
	size_t n = 0, i;
	int rank;

	for (rank = 0; rank < NRANKS; rank++) {
		for (i = 0; im->have_changes && i < im->changes.n; i++) {
			const struct change *c = &im->changes.v[i];
			const struct wsfile *f = filelist_find(&im->head.list, c->path);

			if (f && seed_rank(c->path) == (enum seed_rank)rank)
				seeds[n++] = im->head.file_node[f - im->head.list.files];
			if (c->old_path && seed_rank(c->old_path) == (enum seed_rank)rank &&
			    (f = filelist_find(&im->head.list, c->old_path)))
				seeds[n++] = im->head.file_node[f - im->head.list.files];
		}
	}
	graph_walk(&im->head.g, seeds, n, &im->walk);
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
	n = walk_chain(&im->head.g, &im->walk, node, &edges, &seed);
	c->links = xcalloc(n + 1, sizeof(*c->links));
	c->n = n + 1;
	c->links[0].node = &im->head.g.nodes[seed];
	c->links[0].change = change_word(im, im->head.g.nodes[seed].path);
	for (i = 0; i < n; i++) {
		const struct gedge *e = &im->head.g.edges[edges[i]];

		c->links[i].edge = e;
		c->links[i + 1].node = &im->head.g.nodes[e->to];
	}
	free(edges);
}

void chain_release(struct chain *c)
{
	free(c->links);
	memset(c, 0, sizeof(*c));
}

/*
 * The snapshot serves commit ranges whose change removes no path: removed
 * paths become nodes of their own, which a snapshot of the head cannot hold.
 */
static bool snapshot_usable(const struct impact *im, const struct impact_opts *o)
{
	size_t i;

	if (o->no_cache || im->setup->config_broken || !im->have_changes ||
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
	static const char version[] = "relgate snapshot 4";
	unsigned char flags = (unsigned char)o->no_imports;
	struct sha1_ctx ctx;
	struct stat exe;

	sha1_init(&ctx);
	sha1_update(&ctx, sizeof(version), (const uint8_t *)version);
	/* a rebuilt relgate may build another graph: its binary is part of the key */
	if (stat("/proc/self/exe", &exe) == 0) {
		sha1_update(&ctx, sizeof(exe.st_size), (const uint8_t *)&exe.st_size);
		sha1_update(&ctx, sizeof(exe.st_mtim), (const uint8_t *)&exe.st_mtim);
		sha1_update(&ctx, sizeof(exe.st_ino), (const uint8_t *)&exe.st_ino);
	}
	sha1_update(&ctx, GIT_OID_RAWSZ, im->changes.new_tree_oid.id);
	sha1_update(&ctx, strlen(im->prefix) + 1, (const uint8_t *)im->prefix);
	sha1_update(&ctx, sizeof(im->setup->cfg.digest), im->setup->cfg.digest);
	sha1_update(&ctx, 1, &flags);
	sha1_digest(&ctx, SHA1_DIGEST_SIZE, key);
}

/*
 * A repeated run on a range whose change is kept (rangecache) and whose
 * head's graph is in the snapshot: nothing of git is opened.  Only where
 * the rest of the run needs no git either: no root package.json, no
 * lockfile, no path removed.  Returns true when it served the run; sets
 * *tried when it read the snapshot for key and found it not there.
 */
static bool run_from_caches(struct impact *im, const struct setup *s, const struct impact_opts *o,
			    unsigned char *key, const char *snap_path, bool *tried)
{
	struct rc_repo repo;
	git_oid base, head, checkout;
	char *path;
	bool ok = false;
	size_t i;

	if (o->no_cache || !o->need_change || o->nfiles || o->uncommitted || !o->base ||
	    s->config_broken || rc_find_repo(&repo, s->root) < 0)
		return false;
	path = xasprintf("%s/.relgate/cache/ranges-v1", s->root);
	if (rc_resolve(&repo, o->base, &base) < 0 || rc_resolve(&repo, "HEAD", &checkout) < 0)
		goto out;
	head = checkout;   /* the default head is HEAD: read once */
	if ((o->head && rc_resolve(&repo, o->head, &head) < 0) ||
	    !rc_load(path, &base, &head, repo.prefix, &im->changes))
		goto out;
	im->have_changes = true;
	im->prefix = repo.prefix;
	repo.prefix = NULL;
	for (i = 0; i < ARRAY_LEN(lockfiles); i++)
		if (find_change(im, lockfiles[i]))
			goto undo;
	if (find_change(im, "package.json") || !snapshot_usable(im, o))
		goto undo;
	im->changes.head_is_checkout = git_oid_equal(&checkout, &head);
	snapshot_key(im, o, key);
	if (!(im->stats.snapshot = snapshot_load(&im->head, &s->cfg, snap_path, key))) {
		*tried = true;
		goto undo;
	}
	ok = true;
	goto out;
undo:
	changes_release(&im->changes);
	memset(&im->changes, 0, sizeof(im->changes));
	im->have_changes = false;
	free(im->prefix);
	im->prefix = NULL;
out:
	free(path);
	rc_repo_release(&repo);
	return ok;
}

/* Keep the change of a range for the next run (rc_save writes nothing when it is kept). */
static void keep_range(struct impact *im, const char *root)
{
	char *path = xasprintf("%s/.relgate/cache/ranges-v1", root);

	setup_state_dir(root);
	rc_save(path, &im->changes.base_oid, &im->changes.head_oid, im->prefix, &im->changes);
	free(path);
}

int impact_run(struct impact *im, const struct setup *s, const struct impact_opts *o)
{
	bool need_git = o->need_change && !o->nfiles, use_snapshot, tried = false;
	unsigned char key[SNAPSHOT_KEY_SIZE], tried_key[SNAPSHOT_KEY_SIZE];
	char *snap_path = NULL;
	double t0;

	memset(im, 0, sizeof(*im));
	im->setup = s;
	snap_path = xasprintf("%s/.relgate/cache/graph-v1", s->root);
	t0 = now_ms();
	if (run_from_caches(im, s, o, tried_key, snap_path, &tried)) {
		use_snapshot = true;
		im->stats.ms_tree = now_ms() - t0;
		im->stats.from_ranges = true;
		goto analysed;
	}
	if (open_repo(im, s->root, need_git) < 0)
		goto fail_early;
	if (o->need_change) {
		if (read_change(im, s->root, o) < 0)
			goto fail_early;
		im->have_changes = true;
		if (im->changes.mode == CHANGES_RANGE && !o->no_cache && o->base)
			keep_range(im, s->root);
	}
	use_snapshot = snapshot_usable(im, o);
	if (use_snapshot) {
		snapshot_key(im, o, key);
		t0 = now_ms();
		/* not read again when the kept range's try found no snapshot for this key */
		if (!tried || memcmp(key, tried_key, sizeof(key)))
			im->stats.snapshot = snapshot_load(&im->head, &s->cfg, snap_path, key);
		im->stats.ms_tree = now_ms() - t0;
	}
	/* what the graph's making warns is kept with it, to be said on every load */
	if (!im->stats.snapshot) {
		t0 = now_ms();
		if (list_files(im, s->rootfd, o) < 0)
			goto fail;
		im->stats.ms_tree = now_ms() - t0;
		if (o->no_cache) {
			cache_disable(&im->cache);
		} else {
			char *path = xasprintf("%s/.relgate/cache/facts-v3", s->root);

			cache_open(&im->cache, path);
			free(path);
		}
		/* (a damaged cache is this run's news, not the head's: not kept) */
		if (use_snapshot)
			diag_log_start();
		/* the products are checked against the workspace, then a broken file ends it */
		if (head_graph_load(&im->head, &s->cfg, &im->cache, &im->arena) < 0 ||
		    setup_check(s) < 0 ||
		    head_graph_connect(&im->head, &s->cfg, &im->cache, !o->no_imports,
				       &im->arena) < 0)
			goto fail;
		if (use_snapshot)
			im->head.warnings = diag_log_take(&im->head.warnings_len);
	}
	if (use_snapshot && !im->stats.snapshot) {
		setup_state_dir(s->root);
		snapshot_save(&im->head, &s->cfg, snap_path, key);
	}
analysed:
	if (im->stats.snapshot) {
		size_t at;

		for (at = 0; at < im->head.warnings_len; at += strlen(im->head.warnings + at) + 1)
			warn("%s", im->head.warnings + at);
	}
	free(snap_path);
	snap_path = NULL;
	im->stats.files = im->head.list.n;
	add_root_manifest_edges(im);
	add_deleted_package_edges(im);
	if (add_lockfile_edges(im) < 0)
		return -1;

	t0 = now_ms();
	graph_finish(&im->head.g);
	walk_change(im);
	im->stats.ms_graph = now_ms() - t0;
	if (im->cache.added)
		setup_state_dir(s->root);
	cache_save(&im->cache);
	if (im->stats.snapshot)
		verbose("%zu files; %s; the head's graph from the snapshot in %.1f ms, walk %.1f ms",
			im->stats.files, im->stats.from_ranges ? "the change kept by commit ids, git not opened"
			: "the change from git", im->stats.ms_tree, im->stats.ms_graph);
	else
		verbose("%zu files, %zu scanned, %zu from the cache, %zu imports (%zu unresolved); "
			"tree %.1f ms%s, workspace %.1f ms, imports %.1f ms, graph %.1f ms",
			im->stats.files, im->head.stats.scanned, im->head.stats.cache_hits,
			im->head.stats.imports, im->head.stats.unresolved, im->stats.ms_tree,
			im->head.list.from_index ? " (from git's index)" : "",
			im->head.stats.ms_workspace, im->head.stats.ms_scan, im->stats.ms_graph);
	return 0;
fail_early:
	free(snap_path);
	return -1;
fail:
	if (use_snapshot && !im->stats.snapshot) {
		size_t len;

		free(diag_log_take(&len));
	}
	free(snap_path);
	return -1;
}

void impact_release(struct impact *im)
{
	size_t i;

	walk_release(&im->walk);
	head_graph_release(&im->head);
	for (i = 0; i < im->nlocks; i++)
		lockfile_diff_release(&im->locks[i]);
	if (im->have_changes)
		changes_release(&im->changes);
	cache_close(&im->cache);
	arena_free(&im->arena);
	if (im->repo)
		git_repository_free(im->repo);
	free(im->prefix);
	memset(im, 0, sizeof(*im));
}
