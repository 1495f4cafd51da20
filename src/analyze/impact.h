/*
 * impact: the whole of impact analysis, for the commands that need it
 * (affected, graph, plan, test --affected, ship).  From the setup (the
 * root and relgate.json) it opens the repository, reads the change, lists
 * the files, builds the head's graph (headgraph), adds the change's own
 * edges and walks the graph from the changed files.  It prints errors but
 * nothing else: formatting is the commands'.
 */
#ifndef RELGATE_IMPACT_H
#define RELGATE_IMPACT_H

#include <git2.h>
#include <stdbool.h>

#include "lib/arena.h"
#include "analyze/cache.h"
#include "analyze/changes.h"
#include "analyze/graph.h"
#include "analyze/headgraph.h"
#include "analyze/lockdiff.h"
#include "analyze/setup.h"

struct impact_opts {
	const char *base, *head;
	bool uncommitted;
	char **files;           /* --files */
	size_t nfiles;
	bool no_imports;        /* manifest edges only, like Turborepo */
	bool no_cache;
	bool need_change;       /* false for `graph`: no change to read */
};

struct impact_stats {
	size_t files;
	bool snapshot;               /* the head's graph came from the snapshot */
	bool from_ranges;            /* and the change from the kept ranges: git not opened */
	double ms_tree, ms_graph;
};

/* The lockfiles relgate knows at the workspace's root (impact.c). */
#define IMPACT_LOCKFILES 6

/* The results of every stage, for the commands to read. */
struct impact {
	const struct setup *setup;   /* borrowed: the root and relgate.json */
	git_repository *repo;        /* NULL without git */
	char *prefix;                /* the root within the repository: "" or "a/b/" */
	struct arena arena;          /* the strings of the files and the graph */
	struct cache cache;
	struct changes changes;
	bool have_changes;
	struct head_graph head;      /* files, packages, products, the head's edges */
	struct lockfile_diff locks[IMPACT_LOCKFILES];  /* what the change did to each lockfile */
	size_t nlocks;
	const struct lockfile_diff *lock_all;  /* the first of them that reaches every product */
	struct walk walk;            /* what the change reaches */
	struct impact_stats stats;
};

/*
 * Analyse the workspace of s: the repository, the change (unless
 * o->need_change is false), the files, the head's graph (from the snapshot
 * where it can), the change's own edges, the walk.  Returns 0, or -1 after
 * the errors were printed, with fault_last() saying of what kind.  im keeps
 * s, which must outlive it.
 */
int impact_run(struct impact *im, const struct setup *s, const struct impact_opts *o);

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
