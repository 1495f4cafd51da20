/*
 * graph: files, workspace packages and products, joined by edges that say
 * "a change to this reaches that" and why (the kind of each edge), so that
 * every affected product comes with a chain of reasons.
 *
 * Edges are collected in any order, then packed once into adjacency arrays
 * (graph_finish); the walk is a breadth-first search, so the chain it keeps
 * for each node is a shortest one; among equally short ones, the one from
 * the seed given first, and from that seed the one through edges added
 * first (manifest edges are added before imports).
 */
#ifndef RELGATE_GRAPH_H
#define RELGATE_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum node_kind {
	NODE_FILE,
	NODE_PACKAGE,
	NODE_PRODUCT,
};

enum edge_kind {
	EDGE_OWNS,          /* file -> the package whose folder holds it */
	EDGE_DEPENDENCY,    /* package -> package that lists it in package.json */
	EDGE_IMPORT,        /* file or package -> file that imports it */
	EDGE_INPUT,         /* file -> product whose "inputs" match it */
	EDGE_GLOBAL_INPUT,  /* file -> every product ("globalInputs") */
	EDGE_PRODUCT,       /* package -> the product built from it */
	EDGE_LOCKFILE,      /* lockfile -> package whose resolved dependencies changed */
	EDGE_WORKSPACE,     /* root manifest or unreadable lockfile -> every product */
	EDGE_ROOT_DEPENDENCY, /* package the root package.json depends on -> every product
				 and package: the workspace's build tools reach every build */
};

struct gnode {
	uint8_t kind;
	const char *name;   /* file path, package name, product name */
	const char *path;   /* file path, package folder ("." for the root), product name */
};

struct gedge {
	uint32_t from, to;
	uint8_t kind;
	uint8_t sub;          /* dependency kind, import kind */
	const char *detail;   /* lockfile details, reasons */
};

struct graph {
	struct gnode *nodes;
	size_t nnodes, capnodes;
	struct gedge *edges;
	size_t nedges, capedges;
	uint32_t *first;      /* after graph_finish: edges of node i are out[first[i]..first[i+1]) */
	uint32_t *out;        /* indexes into edges */
	bool finished;
};

/* The result of a walk: for each node, how it was reached, if at all. */
struct walk {
	int32_t *via;         /* the edge that reached the node, -1 for a seed, -2 unreached */
	uint32_t *dist;
};

uint32_t graph_add_node(struct graph *g, enum node_kind kind, const char *name, const char *path);
void graph_add_edge(struct graph *g, uint32_t from, uint32_t to, enum edge_kind kind, uint8_t sub,
		    const char *detail);
/* Pack the edges for walking; no edges may be added afterwards. */
void graph_finish(struct graph *g);
/* Walk from the seeds along edges. */
void graph_walk(const struct graph *g, const uint32_t *seeds, size_t nseeds, struct walk *w);
bool walk_reached(const struct walk *w, uint32_t node);
/*
 * The chain from a seed to node, seed first, as edge indexes (n edges for
 * n + 1 nodes).  Returns the number of edges; *edges is malloc'd.
 */
size_t walk_chain(const struct graph *g, const struct walk *w, uint32_t node, uint32_t **edges,
		  uint32_t *seed);
void walk_release(struct walk *w);
void graph_release(struct graph *g);

/* A word for an edge kind, for JSON. */
const char *edge_kind_name(enum edge_kind kind);

#endif
