/*
 * impact: the whole of impact analysis, for the commands that need it
 * (affected, graph, plan, test --affected, ship).  It finds the workspace,
 * reads the change, lists the files, loads the packages, scans imports
 * (through the cache), builds the graph and walks it from the changed
 * files.  It prints errors but nothing else: formatting is the commands'.
 */
#ifndef RELGATE_IMPACT_H
#define RELGATE_IMPACT_H

#include <git2.h>
#include <stdbool.h>

#include "lib/arena.h"
#include "analyze/cache.h"
#include "analyze/changes.h"
#include "lib/config.h"
#include "analyze/graph.h"
#include "analyze/lockfile.h"
#include "analyze/tree.h"
#include "analyze/workspace.h"

struct impact_opts {
	const char *config;     /* --config FILE, or NULL to search */
	const char *base, *head;
	bool uncommitted;
	char **files;           /* --files */
	size_t nfiles;
	bool no_imports;        /* manifest edges only, like Turborepo */
	bool no_cache;
	bool need_change;       /* false for `graph`: no change to read */
};

/* One product of the workspace, with its node. */
struct impact_product {
	const char *name;
	const struct product *cfg;   /* NULL without relgate.json */
	const struct package *pkg;
	uint32_t node;
};

struct impact_stats {
	size_t files, scanned, cache_hits, imports, unresolved;
	bool snapshot;               /* the graph came from the snapshot */
	double ms_tree, ms_workspace, ms_scan, ms_graph;
};

struct impact {
	struct config cfg;
	char *root;                  /* absolute workspace root */
	char *prefix;                /* root within the repository: "" or "a/b/" */
	int rootfd;
	git_repository *repo;        /* NULL without git */
	struct arena arena;
	struct tree tree;
	struct workspace ws;
	struct cache cache;
	struct changes changes;
	bool have_changes;
	struct lockfile_diff lock;
	struct graph g;
	struct impact_product *products;
	size_t nproducts;
	uint32_t *file_node;         /* tree index -> node */
	struct walk walk;
	struct impact_stats stats;
	char *snapshot_data;         /* the loaded snapshot, whose strings the graph uses */
	bool config_broken;          /* relgate.json had errors (already printed) */
};

/* Make the graph's nodes from the files, packages and products, in a fixed order. */
void impact_add_nodes(struct impact *im);

/*
 * Load and analyse.  Returns 0, or the exit code to end with after the
 * errors were printed (2 for configuration, 3 for the environment).
 */
int impact_run(struct impact *im, const struct impact_opts *o);

/*
 * Only find the workspace and read relgate.json (for commands that need no
 * graph).  Returns 0 or the exit code; impact_release() cleans up either way.
 */
int impact_open(struct impact *im, const struct impact_opts *o);

/* One step of a chain of reasons. */
struct chain_link {
	const struct gnode *node;
	const struct gedge *edge;   /* to the next link; NULL for the last */
	const char *change;         /* for the changed file: "changed", "deleted", ... */
};

struct chain {
	struct chain_link *links;   /* the changed file first */
	size_t n;
};

/* The chain of reasons that reached node (empty when it was not reached). */
void impact_chain(const struct impact *im, uint32_t node, struct chain *c);
void chain_release(struct chain *c);

void impact_release(struct impact *im);

#endif
