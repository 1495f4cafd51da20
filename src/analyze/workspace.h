/*
 * workspace: the packages of a monorepo.  Finds the workspace root, reads
 * its package manager's list of package folders (npm and yarn "workspaces"
 * in package.json, in array or object form; pnpm-workspace.yaml), and the
 * package.json of each package: its name, its dependencies on other
 * packages of the workspace, and its entry points for resolving imports.
 *
 * Everything is read through the file list, so the same code serves the working
 * tree and a commit.  package.json belongs to npm, pnpm, yarn and the
 * bundlers: every form they accept is read (a byte-order mark, a "browser"
 * map, fields of other types, no name, two packages of one name); only a
 * manifest that is no JSON object is an error, with file:line:col, never a
 * silently smaller workspace.
 */
#ifndef RELGATE_WORKSPACE_H
#define RELGATE_WORKSPACE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/arena.h"
#include "analyze/cache.h"
#include "analyze/filelist.h"
#include "lib/util.h"

enum dep_kind {
	DEP_PROD,      /* dependencies */
	DEP_DEV,       /* devDependencies */
	DEP_PEER,      /* peerDependencies */
	DEP_OPTIONAL,  /* optionalDependencies */
};

struct dep {
	const char *name;   /* the package depended on ("y" for "x": "npm:y@1") */
	const char *spec;   /* "key@value" as the manifest has it ("x@npm:y@1"), or NULL */
	uint8_t kind;
	bool linked;   /* "workspace:", "link:", "file:" or "portal:": a local package */
};

/* A subpath of package.json "exports", with the target chosen for bundlers. */
struct export_entry {
	const char *key;     /* ".", "./utils", "./feature/<star>" */
	const char *target;  /* "./src/index.js", "./src/feature/<star>.js" */
};

struct package {
	const char *name;
	const char *dir;          /* relative to the workspace root; "" for the root */
	const char *manifest;     /* dir + "/package.json" */
	struct dep *deps;
	size_t ndeps;
	const char *main, *module, *browser;
	struct export_entry *exports;
	size_t nexports;
	bool is_root;
	bool duplicated;          /* another package has its name (said once) */
	int node;                 /* its node in the graph */
};

struct workspace {
	struct package *pkgs;     /* pkgs[0] is the root package */
	size_t npkgs;
	struct strmap by_name;    /* name -> package index + 1 */
	struct strmap by_dir;     /* dir -> package index + 1 */
	const char *manager;      /* "npm", "yarn", "pnpm" or "none" */
	const char *lockfile;     /* "package-lock.json", ... or NULL */
	/*
	 * Whether a plain version range on a workspace package's name links
	 * that package (npm, pnpm and yarn by default; relgate does not check
	 * the range, and counts the edge).  False where .yarnrc.yml sets
	 * enableTransparentWorkspaces: false: then only "workspace:" links,
	 * and "^8.0.1" is the registry's copy.
	 */
	bool links_by_name;
	struct dep *deps_block;   /* the packages' deps, where one block holds them all */
};

/* Whether d, a dependency of some package, is on the workspace's package of its name. */
bool workspace_dep_links(const struct workspace *ws, const struct dep *d);

/*
 * Find the workspace root for a start folder: the nearest folder upwards
 * that holds relgate.json, else pnpm-workspace.yaml or a package.json with
 * "workspaces".  Returns a new absolute path, or NULL.
 */
char *workspace_find_root(const char *start);

/* Load the packages listed by the file list's manifests.  Returns 0 or -1 after errors. */
int workspace_load(struct workspace *ws, const struct filelist *t, struct cache *cache,
		   struct arena *a);

/* The package named name, or NULL. */
struct package *workspace_package(const struct workspace *ws, const char *name, size_t len);

/* The package whose folder holds path (the root package when none other does). */
/*
 * The facts relgate keeps of a package.json's text, encoded as the cache
 * holds them, for tests and fuzzing: read by jsonscan when fast, else by
 * jansson.  Returns 1 with *enc filled; 0 where jsonscan leaves the text
 * to jansson; -1 where jansson finds it is no package.json.
 */
int workspace_manifest_facts(const char *text, size_t len, bool fast, struct buf *enc);

struct package *workspace_owner(const struct workspace *ws, const char *path);

/* A word for a dependency kind: "dependency", "devDependency", ... */
const char *dep_kind_name(enum dep_kind kind);

void workspace_release(struct workspace *ws);

#endif
