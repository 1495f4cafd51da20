/*
 * graph: nodes and edges in flat arrays, a counting sort into adjacency
 * lists (stable, so insertion order decides ties), and a breadth-first walk.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "analyze/graph.h"
#include "lib/util.h"

uint32_t graph_add_node(struct graph *g, enum node_kind kind, const char *name, const char *path)
{
	struct gnode *n;

	if (g->finished)
		BUG("node added to a finished graph");
	if (g->nnodes >= UINT32_MAX - 1)
		die(EXIT_ENV, "graph too large");
	GROW(g->nodes, g->nnodes + 1, g->capnodes);
	n = &g->nodes[g->nnodes];
	n->kind = (uint8_t)kind;
	n->name = name;
	n->path = path;
	return (uint32_t)g->nnodes++;
}

void graph_add_edge(struct graph *g, uint32_t from, uint32_t to, enum edge_kind kind, uint8_t sub,
		    const char *detail)
{
	struct gedge *e;

	if (g->finished)
		BUG("edge added to a finished graph");
	if (from == to)
		return;
	if (g->nedges >= UINT32_MAX - 1)
		die(EXIT_ENV, "graph too large");
	GROW(g->edges, g->nedges + 1, g->capedges);
	e = &g->edges[g->nedges++];
	e->from = from;
	e->to = to;
	e->kind = (uint8_t)kind;
	e->sub = sub;
	e->detail = detail;
}

void graph_finish(struct graph *g)
{
	size_t i;

	g->first = xcalloc(g->nnodes + 1, sizeof(*g->first));
	g->out = xcalloc(g->nedges + 1, sizeof(*g->out));
	for (i = 0; i < g->nedges; i++)
		g->first[g->edges[i].from + 1]++;
	for (i = 0; i < g->nnodes; i++)
		g->first[i + 1] += g->first[i];
	{
		uint32_t *fill = xcalloc(g->nnodes + 1, sizeof(*fill));

		for (i = 0; i < g->nedges; i++) {
			uint32_t f = g->edges[i].from;

			g->out[g->first[f] + fill[f]++] = (uint32_t)i;
		}
		free(fill);
	}
	g->finished = true;
}

void graph_walk(const struct graph *g, const uint32_t *seeds, size_t nseeds, struct walk *w)
{
	uint32_t *queue = xcalloc(g->nnodes + 1, sizeof(*queue));
	size_t head = 0, tail = 0, i;

	if (!g->finished)
		BUG("walk over an unfinished graph");
	w->via = xmalloc((g->nnodes + 1) * sizeof(*w->via));
	w->dist = xcalloc(g->nnodes + 1, sizeof(*w->dist));
	for (i = 0; i < g->nnodes; i++)
		w->via[i] = -2;
	for (i = 0; i < nseeds; i++) {
		if (w->via[seeds[i]] != -2)
			continue;
		w->via[seeds[i]] = -1;
		queue[tail++] = seeds[i];
	}
	while (head < tail) {
		uint32_t n = queue[head++], k;

		for (k = g->first[n]; k < g->first[n + 1]; k++) {
			const struct gedge *e = &g->edges[g->out[k]];

			if (w->via[e->to] != -2)
				continue;
			w->via[e->to] = (int32_t)g->out[k];
			w->dist[e->to] = w->dist[n] + 1;
			queue[tail++] = e->to;
		}
	}
	free(queue);
}

bool walk_reached(const struct walk *w, uint32_t node)
{
	return w->via[node] != -2;
}

size_t walk_chain(const struct graph *g, const struct walk *w, uint32_t node, uint32_t **edges,
		  uint32_t *seed)
{
	size_t n = w->dist[node], i = n;
	uint32_t *v = xcalloc(n + 1, sizeof(*v));

	while (w->via[node] >= 0) {
		const struct gedge *e = &g->edges[w->via[node]];

		if (!i)
			BUG("walk chain longer than its distance");
		v[--i] = (uint32_t)w->via[node];
		node = e->from;
	}
	*edges = v;
	*seed = node;
	return n;
}

void walk_release(struct walk *w)
{
	free(w->via);
	free(w->dist);
	memset(w, 0, sizeof(*w));
}

void graph_release(struct graph *g)
{
	free(g->nodes);
	free(g->edges);
	free(g->first);
	free(g->out);
	memset(g, 0, sizeof(*g));
}

const char *edge_kind_name(enum edge_kind kind)
{
	switch (kind) {
	case EDGE_OWNS: return "owns";
	case EDGE_DEPENDENCY: return "dependency";
	case EDGE_IMPORT: return "import";
	case EDGE_INPUT: return "input";
	case EDGE_GLOBAL_INPUT: return "globalInput";
	case EDGE_PRODUCT: return "product";
	case EDGE_LOCKFILE: return "lockfile";
	case EDGE_WORKSPACE: return "workspace";
	case EDGE_ROOT_DEPENDENCY: return "rootDependency";
	}
	return "edge";
}
