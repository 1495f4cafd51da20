/*
 * headgraph: the part of the analysis that depends only on the head: the
 * workspace's files, its packages, its products, their nodes, and the edges
 * between them that the head's content decides (ownership, manifest
 * dependencies, inputs, imports).  The snapshot keeps exactly this between
 * runs; impact adds the change's own edges and walks it.
 */
#ifndef RELGATE_HEADGRAPH_H
#define RELGATE_HEADGRAPH_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/cache.h"
#include "analyze/graph.h"
#include "analyze/filelist.h"
#include "analyze/workspace.h"
#include "lib/arena.h"
#include "lib/config.h"

/* One product of the workspace, with its node. */
struct impact_product {
	const char *name;
	const struct cfg_product *cfg;   /* NULL without relgate.json; points into the config */
	const struct package *pkg;
	uint32_t node;
};

struct head_stats {
	size_t scanned, cache_hits, imports, unresolved;
	double ms_workspace, ms_scan;
};

struct head_graph {
	struct filelist list;             /* the files, listed by the caller before the build */
	struct workspace ws;
	struct impact_product *products;
	size_t nproducts;
	struct graph g;               /* not finished: the change's edges come next */
	uint32_t *file_node;          /* index in list -> node */
	char *snapshot_data;          /* a loaded snapshot, whose strings the graph uses */
	char *warnings;               /* what making it warned, each text NUL-ended (malloc'd) */
	size_t warnings_len;
	struct head_stats stats;
};

/*
 * Load the packages of h->list (through cache) and name the products:
 * cfg's, or every package but the root.  Strings live in a.  Returns 0, or
 * -1 after every error was printed (FAULT_INPUT).  The products point into
 * cfg, which must outlive h.
 */
int head_graph_load(struct head_graph *h, const struct config *cfg, struct cache *cache,
		    struct arena *a);
/*
 * Then make the nodes and add the head's edges; imports only when imports
 * is set.  Returns 0, or -1 after an error (fault_last() says of what kind).
 */
int head_graph_connect(struct head_graph *h, const struct config *cfg, struct cache *cache,
		       bool imports, struct arena *a);

/* Make the nodes of the files, packages and products, always in the same order. */
void head_graph_add_nodes(struct head_graph *h);

void head_graph_release(struct head_graph *h);

#endif
