/*
 * test-graph: nodes and kinded edges, packing (graph_finish), the
 * breadth-first walk from seeds and the reason chains it keeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/graph.h"
#include "lib/util.h"

/* ---- helpers ---- */

/* The chain to node as a string of edge indexes, "3,7,9", and its seed. */
static char *chain_str(const struct graph *g, const struct walk *w, uint32_t node,
		       uint32_t *seed)
{
	struct buf b = BUF_INIT;
	uint32_t *edges = NULL;
	size_t n, i;

	buf_init(&b);
	*seed = UINT32_MAX;
	n = walk_chain(g, w, node, &edges, seed);
	for (i = 0; i < n; i++)
		buf_addf(&b, "%s%u", i ? "," : "", edges[i]);
	free(edges);
	return buf_detach(&b, NULL);
}

static void assert_chain(const struct graph *g, const struct walk *w, uint32_t node,
			 const char *want, uint32_t want_seed)
{
	uint32_t seed;
	char *got = chain_str(g, w, node, &seed);

	if (strcmp(got, want))
		fail_msg("chain to node %u (%s) is [%s], expected [%s]", node,
			 g->nodes[node].name, got, want);
	if (seed != want_seed)
		fail_msg("chain to node %u starts at %u, expected %u", node, seed, want_seed);
	free(got);
}

/* Every chain must be connected: seed -> ... -> node along the edges it names. */
static void assert_chain_connected(const struct graph *g, const struct walk *w, uint32_t node)
{
	uint32_t *edges = NULL, seed = UINT32_MAX, at;
	size_t n, i;

	n = walk_chain(g, w, node, &edges, &seed);
	assert_int_equal(n, w->dist[node]);
	assert_int_equal(w->via[seed], -1);
	at = seed;
	for (i = 0; i < n; i++) {
		assert_true(edges[i] < g->nedges);
		assert_int_equal(g->edges[edges[i]].from, at);
		at = g->edges[edges[i]].to;
	}
	assert_int_equal(at, node);
	free(edges);
}

/* ---- building ---- */

static void nodes_and_edges(void **state)
{
	struct graph g = {0};
	uint32_t f, p, q, prod;

	(void)state;
	f = graph_add_node(&g, NODE_FILE, "packages/a/src/x.js", "packages/a/src/x.js");
	p = graph_add_node(&g, NODE_PACKAGE, "@s/a", "packages/a");
	q = graph_add_node(&g, NODE_PACKAGE, "@s/b", "packages/b");
	prod = graph_add_node(&g, NODE_PRODUCT, "web", "web");
	assert_int_equal(f, 0);
	assert_int_equal(p, 1);
	assert_int_equal(q, 2);
	assert_int_equal(prod, 3);
	assert_int_equal(g.nnodes, 4);
	assert_int_equal(g.nodes[p].kind, NODE_PACKAGE);
	assert_string_equal(g.nodes[p].name, "@s/a");
	assert_string_equal(g.nodes[p].path, "packages/a");
	assert_int_equal(g.nodes[prod].kind, NODE_PRODUCT);
	assert_int_equal(g.nodes[f].kind, NODE_FILE);

	graph_add_edge(&g, f, p, EDGE_OWNS, 0, NULL);
	graph_add_edge(&g, p, q, EDGE_DEPENDENCY, 2, "devDependencies");
	graph_add_edge(&g, q, q, EDGE_IMPORT, 0, NULL);   /* a loop: dropped */
	graph_add_edge(&g, q, prod, EDGE_PRODUCT, 0, NULL);
	graph_add_edge(&g, f, prod, EDGE_INPUT, 0, NULL);
	assert_int_equal(g.nedges, 4);
	assert_int_equal(g.edges[1].from, p);
	assert_int_equal(g.edges[1].to, q);
	assert_int_equal(g.edges[1].kind, EDGE_DEPENDENCY);
	assert_int_equal(g.edges[1].sub, 2);
	assert_string_equal(g.edges[1].detail, "devDependencies");
	assert_int_equal(g.edges[2].kind, EDGE_PRODUCT);
	assert_int_equal(g.edges[3].kind, EDGE_INPUT);
	assert_false(g.finished);

	graph_finish(&g);
	assert_true(g.finished);
	/* node f's edges are 0 and 3, in the order they were added */
	assert_int_equal(g.first[f + 1] - g.first[f], 2);
	assert_int_equal(g.out[g.first[f]], 0);
	assert_int_equal(g.out[g.first[f] + 1], 3);
	assert_int_equal(g.first[p + 1] - g.first[p], 1);
	assert_int_equal(g.out[g.first[p]], 1);
	assert_int_equal(g.first[q + 1] - g.first[q], 1);
	assert_int_equal(g.out[g.first[q]], 2);
	assert_int_equal(g.first[prod + 1] - g.first[prod], 0);
	assert_int_equal(g.first[g.nnodes], g.nedges);
	graph_release(&g);
	assert_null(g.nodes);
	assert_int_equal(g.nnodes, 0);
}

/* The packed adjacency lists hold every edge once, under its source, in order. */
static void finish_packs_every_edge(void **state)
{
	enum { N = 50, E = 600 };
	struct graph g = {0};
	size_t i, k, seen = 0;
	uint32_t lcg = 12345;

	(void)state;
	for (i = 0; i < N; i++)
		graph_add_node(&g, NODE_FILE, "f", "f");
	for (i = 0; i < E; i++) {
		uint32_t a, b;

		lcg = lcg * 1103515245u + 12345u;
		a = (lcg >> 8) % N;
		lcg = lcg * 1103515245u + 12345u;
		b = (lcg >> 8) % N;
		graph_add_edge(&g, a, b, EDGE_IMPORT, 0, NULL);
	}
	graph_finish(&g);
	for (i = 0; i < N; i++) {
		assert_true(g.first[i] <= g.first[i + 1]);
		for (k = g.first[i]; k < g.first[i + 1]; k++) {
			assert_int_equal(g.edges[g.out[k]].from, i);
			if (k > g.first[i])
				assert_true(g.out[k - 1] < g.out[k]);
			seen++;
		}
	}
	assert_int_equal(seen, g.nedges);
	assert_true(g.nedges > E / 2);   /* only loops were dropped */
	graph_release(&g);
}

/* ---- walking ---- */

/*
 *   file0 -owns-> pkgA -dependency-> pkgB -product-> prodB
 *                 pkgA -product-> prodA
 *   file1 -owns-> pkgC -product-> prodC        (never reached from file0)
 */
static void walk_from_a_file(void **state)
{
	struct graph g = {0};
	struct walk w = {0};
	uint32_t file0, file1, a, b, c, pa, pb, pc;

	(void)state;
	file0 = graph_add_node(&g, NODE_FILE, "packages/a/index.js", "packages/a/index.js");
	file1 = graph_add_node(&g, NODE_FILE, "packages/c/index.js", "packages/c/index.js");
	a = graph_add_node(&g, NODE_PACKAGE, "a", "packages/a");
	b = graph_add_node(&g, NODE_PACKAGE, "b", "packages/b");
	c = graph_add_node(&g, NODE_PACKAGE, "c", "packages/c");
	pa = graph_add_node(&g, NODE_PRODUCT, "prodA", "prodA");
	pb = graph_add_node(&g, NODE_PRODUCT, "prodB", "prodB");
	pc = graph_add_node(&g, NODE_PRODUCT, "prodC", "prodC");
	graph_add_edge(&g, file0, a, EDGE_OWNS, 0, NULL);          /* 0 */
	graph_add_edge(&g, a, b, EDGE_DEPENDENCY, 0, NULL);        /* 1 */
	graph_add_edge(&g, b, pb, EDGE_PRODUCT, 0, NULL);          /* 2 */
	graph_add_edge(&g, a, pa, EDGE_PRODUCT, 0, NULL);          /* 3 */
	graph_add_edge(&g, file1, c, EDGE_OWNS, 0, NULL);          /* 4 */
	graph_add_edge(&g, c, pc, EDGE_PRODUCT, 0, NULL);          /* 5 */
	graph_finish(&g);

	graph_walk(&g, &file0, 1, &w);
	assert_true(walk_reached(&w, file0));
	assert_true(walk_reached(&w, a));
	assert_true(walk_reached(&w, b));
	assert_true(walk_reached(&w, pa));
	assert_true(walk_reached(&w, pb));
	assert_false(walk_reached(&w, file1));
	assert_false(walk_reached(&w, c));
	assert_false(walk_reached(&w, pc));
	assert_int_equal(w.via[file0], -1);
	assert_int_equal(w.via[c], -2);
	assert_int_equal(w.via[a], 0);
	assert_int_equal(w.via[pb], 2);
	assert_int_equal(w.dist[file0], 0);
	assert_int_equal(w.dist[a], 1);
	assert_int_equal(w.dist[pa], 2);
	assert_int_equal(w.dist[pb], 3);

	assert_chain(&g, &w, pb, "0,1,2", file0);
	assert_chain(&g, &w, pa, "0,3", file0);
	assert_chain(&g, &w, a, "0", file0);
	assert_chain(&g, &w, file0, "", file0);   /* a seed: no edges */
	assert_chain_connected(&g, &w, pb);
	/* the chain names the kinds, in order */
	{
		uint32_t *e = NULL, seed;
		size_t n = walk_chain(&g, &w, pb, &e, &seed);

		assert_int_equal(n, 3);
		assert_int_equal(g.edges[e[0]].kind, EDGE_OWNS);
		assert_int_equal(g.edges[e[1]].kind, EDGE_DEPENDENCY);
		assert_int_equal(g.edges[e[2]].kind, EDGE_PRODUCT);
		free(e);
	}
	walk_release(&w);
	assert_null(w.via);

	/* a second walk over the same graph, from the other file */
	graph_walk(&g, &file1, 1, &w);
	assert_true(walk_reached(&w, pc));
	assert_false(walk_reached(&w, pa));
	assert_false(walk_reached(&w, pb));
	assert_false(walk_reached(&w, file0));
	assert_chain(&g, &w, pc, "4,5", file1);
	walk_release(&w);

	/* no seeds: nothing is reached */
	graph_walk(&g, NULL, 0, &w);
	for (uint32_t i = 0; i < g.nnodes; i++)
		assert_false(walk_reached(&w, i));
	walk_release(&w);
	graph_release(&g);
}

/* A shorter chain wins over a longer one, even when the longer one's edges came first. */
static void shortest_chain_wins(void **state)
{
	struct graph g = {0};
	struct walk w = {0};
	uint32_t s, m1, m2, m3, t;

	(void)state;
	s = graph_add_node(&g, NODE_FILE, "s", "s");
	m1 = graph_add_node(&g, NODE_FILE, "m1", "m1");
	m2 = graph_add_node(&g, NODE_FILE, "m2", "m2");
	m3 = graph_add_node(&g, NODE_FILE, "m3", "m3");
	t = graph_add_node(&g, NODE_PRODUCT, "t", "t");
	graph_add_edge(&g, s, m1, EDGE_IMPORT, 0, NULL);   /* 0 */
	graph_add_edge(&g, m1, m2, EDGE_IMPORT, 0, NULL);  /* 1 */
	graph_add_edge(&g, m2, m3, EDGE_IMPORT, 0, NULL);  /* 2 */
	graph_add_edge(&g, m3, t, EDGE_INPUT, 0, NULL);    /* 3 */
	graph_add_edge(&g, m1, t, EDGE_INPUT, 0, NULL);    /* 4: s, m1, t */
	graph_add_edge(&g, s, t, EDGE_GLOBAL_INPUT, 0, NULL);  /* 5: the shortest */
	graph_finish(&g);
	graph_walk(&g, &s, 1, &w);
	assert_int_equal(w.dist[t], 1);
	assert_chain(&g, &w, t, "5", s);
	assert_chain(&g, &w, m3, "0,1,2", s);
	walk_release(&w);
	graph_release(&g);
}

/*
 * Among equally short chains, the one through edges added first: compared
 * from the seed on, the chain whose first differing edge was added earlier.
 * Built twice with the insertion order swapped, so that node numbering
 * cannot be what decides.
 */
static void ties_go_to_edges_added_first(void **state)
{
	int round;

	(void)state;
	for (round = 0; round < 2; round++) {
		struct graph g = {0};
		struct walk w = {0};
		uint32_t s, a, b, t;

		s = graph_add_node(&g, NODE_FILE, "s", "s");
		a = graph_add_node(&g, NODE_PACKAGE, "a", "a");
		b = graph_add_node(&g, NODE_PACKAGE, "b", "b");
		t = graph_add_node(&g, NODE_PRODUCT, "t", "t");
		if (round == 0) {
			graph_add_edge(&g, s, a, EDGE_OWNS, 0, NULL);        /* 0 */
			graph_add_edge(&g, s, b, EDGE_IMPORT, 0, NULL);      /* 1 */
			graph_add_edge(&g, b, t, EDGE_PRODUCT, 0, NULL);     /* 2 */
			graph_add_edge(&g, a, t, EDGE_PRODUCT, 0, NULL);     /* 3 */
		} else {
			graph_add_edge(&g, s, b, EDGE_OWNS, 0, NULL);        /* 0 */
			graph_add_edge(&g, s, a, EDGE_IMPORT, 0, NULL);      /* 1 */
			graph_add_edge(&g, a, t, EDGE_PRODUCT, 0, NULL);     /* 2 */
			graph_add_edge(&g, b, t, EDGE_PRODUCT, 0, NULL);     /* 3 */
		}
		graph_finish(&g);
		graph_walk(&g, &s, 1, &w);
		assert_int_equal(w.dist[t], 2);
		/* s's first edge (0) leads the chain, whichever node it goes to */
		assert_chain(&g, &w, t, "0,3", s);
		assert_int_equal(g.edges[w.via[t]].from, round == 0 ? a : b);
		walk_release(&w);
		graph_release(&g);
	}
}

/* Two edges between the same nodes, of different kinds: the first added is the reason. */
static void parallel_edges_first_kind_wins(void **state)
{
	int round;

	(void)state;
	for (round = 0; round < 2; round++) {
		struct graph g = {0};
		struct walk w = {0};
		uint32_t p, q;
		enum edge_kind first = round ? EDGE_IMPORT : EDGE_DEPENDENCY;
		enum edge_kind second = round ? EDGE_DEPENDENCY : EDGE_IMPORT;

		p = graph_add_node(&g, NODE_PACKAGE, "p", "p");
		q = graph_add_node(&g, NODE_PACKAGE, "q", "q");
		graph_add_edge(&g, p, q, first, 0, NULL);
		graph_add_edge(&g, p, q, second, 0, NULL);
		graph_finish(&g);
		graph_walk(&g, &p, 1, &w);
		assert_int_equal(w.via[q], 0);
		assert_int_equal(g.edges[w.via[q]].kind, first);
		walk_release(&w);
		graph_release(&g);
	}
}

/*
 * Ties between chains from different seeds: the seed given first wins,
 * whatever order the edges were added in (impact.c orders its seeds so that
 * a changed source file explains a chain before a README does).
 */
static void ties_between_seeds(void **state)
{
	struct graph g = {0};
	struct walk w = {0};
	uint32_t s1, s2, t, seeds[2];

	(void)state;
	s1 = graph_add_node(&g, NODE_FILE, "s1", "s1");
	s2 = graph_add_node(&g, NODE_FILE, "s2", "s2");
	t = graph_add_node(&g, NODE_PACKAGE, "t", "t");
	graph_add_edge(&g, s2, t, EDGE_OWNS, 0, NULL);     /* 0 */
	graph_add_edge(&g, s1, t, EDGE_IMPORT, 0, NULL);   /* 1 */
	graph_finish(&g);

	seeds[0] = s2;
	seeds[1] = s1;
	graph_walk(&g, seeds, 2, &w);
	assert_chain(&g, &w, t, "0", s2);
	walk_release(&w);

	seeds[0] = s1;
	seeds[1] = s2;
	graph_walk(&g, seeds, 2, &w);
	assert_chain(&g, &w, t, "1", s1);
	walk_release(&w);
	graph_release(&g);
}

static void cycles(void **state)
{
	struct graph g = {0};
	struct walk w = {0};
	uint32_t a, b, c, d, e;

	(void)state;
	a = graph_add_node(&g, NODE_FILE, "a", "a");
	b = graph_add_node(&g, NODE_FILE, "b", "b");
	c = graph_add_node(&g, NODE_FILE, "c", "c");
	d = graph_add_node(&g, NODE_FILE, "d", "d");
	e = graph_add_node(&g, NODE_FILE, "e", "e");
	graph_add_edge(&g, a, b, EDGE_IMPORT, 0, NULL);   /* 0 */
	graph_add_edge(&g, b, c, EDGE_IMPORT, 0, NULL);   /* 1 */
	graph_add_edge(&g, c, a, EDGE_IMPORT, 0, NULL);   /* 2 */
	graph_add_edge(&g, c, d, EDGE_IMPORT, 0, NULL);   /* 3 */
	graph_add_edge(&g, d, c, EDGE_IMPORT, 0, NULL);   /* 4: a two-node cycle too */
	graph_add_edge(&g, e, a, EDGE_IMPORT, 0, NULL);   /* 5: into the cycle only */
	graph_finish(&g);

	graph_walk(&g, &b, 1, &w);
	assert_true(walk_reached(&w, a));
	assert_true(walk_reached(&w, c));
	assert_true(walk_reached(&w, d));
	assert_false(walk_reached(&w, e));
	assert_int_equal(w.via[b], -1);   /* the cycle back to b does not replace the seed */
	assert_int_equal(w.dist[b], 0);
	assert_chain(&g, &w, a, "1,2", b);
	assert_chain(&g, &w, d, "1,3", b);
	assert_chain(&g, &w, b, "", b);
	walk_release(&w);

	graph_walk(&g, &d, 1, &w);
	assert_chain(&g, &w, b, "4,2,0", d);
	assert_false(walk_reached(&w, e));
	walk_release(&w);
	graph_release(&g);
}

/* A seed that another seed also reaches stays a seed: its chain is empty. */
static void seed_also_reachable(void **state)
{
	struct graph g = {0};
	struct walk w = {0};
	uint32_t a, b, c, seeds[4];
	int round;

	(void)state;
	a = graph_add_node(&g, NODE_FILE, "a", "a");
	b = graph_add_node(&g, NODE_FILE, "b", "b");
	c = graph_add_node(&g, NODE_PACKAGE, "c", "c");
	graph_add_edge(&g, a, b, EDGE_IMPORT, 0, NULL);   /* 0 */
	graph_add_edge(&g, b, c, EDGE_OWNS, 0, NULL);     /* 1 */
	graph_add_edge(&g, a, c, EDGE_OWNS, 0, NULL);     /* 2 */
	graph_finish(&g);
	for (round = 0; round < 2; round++) {
		/* both orders, and a seed given twice */
		seeds[0] = round ? b : a;
		seeds[1] = round ? a : b;
		seeds[2] = b;
		seeds[3] = a;
		graph_walk(&g, seeds, 4, &w);
		assert_int_equal(w.via[a], -1);
		assert_int_equal(w.via[b], -1);
		assert_int_equal(w.dist[b], 0);
		assert_chain(&g, &w, b, "", b);
		assert_chain(&g, &w, a, "", a);
		assert_int_equal(w.dist[c], 1);
		assert_chain_connected(&g, &w, c);
		/* the first seed processed reaches c */
		assert_chain(&g, &w, c, round ? "1" : "2", round ? b : a);
		walk_release(&w);
	}
	graph_release(&g);
}

/* An unreached node has no chain. */
static void unreached_chain_is_empty(void **state)
{
	struct graph g = {0};
	struct walk w = {0};
	uint32_t a, b, *edges = NULL, seed = UINT32_MAX;

	(void)state;
	a = graph_add_node(&g, NODE_FILE, "a", "a");
	b = graph_add_node(&g, NODE_FILE, "b", "b");
	graph_add_edge(&g, b, a, EDGE_IMPORT, 0, NULL);   /* the wrong way */
	graph_finish(&g);
	graph_walk(&g, &a, 1, &w);
	assert_false(walk_reached(&w, b));
	assert_int_equal(w.via[b], -2);
	assert_int_equal(walk_chain(&g, &w, b, &edges, &seed), 0);
	assert_non_null(edges);
	free(edges);
	walk_release(&w);
	graph_release(&g);
}

static void empty_graph(void **state)
{
	struct graph g = {0};
	struct walk w = {0};

	(void)state;
	graph_finish(&g);
	assert_true(g.finished);
	assert_int_equal(g.first[0], 0);
	graph_walk(&g, NULL, 0, &w);
	assert_non_null(w.via);
	walk_release(&w);
	graph_release(&g);
}

/* A 10,000-node chain: the walk and the chain are iterative, not recursive. */
static void long_chain(void **state)
{
	enum { N = 10000 };
	struct graph g = {0};
	struct walk w = {0};
	uint32_t i, seed = 0, *edges = NULL, first = 0;
	size_t n;

	(void)state;
	for (i = 0; i < N; i++)
		graph_add_node(&g, NODE_FILE, "f", "f");
	/* added from the end, so that edge order and node order differ */
	for (i = N - 1; i > 0; i--)
		graph_add_edge(&g, i - 1, i, EDGE_IMPORT, 0, NULL);
	/* and a shortcut from the start to the middle */
	graph_add_edge(&g, 0, N / 2, EDGE_DEPENDENCY, 0, NULL);
	graph_finish(&g);
	graph_walk(&g, &first, 1, &w);
	for (i = 0; i < N; i++)
		assert_true(walk_reached(&w, i));
	assert_int_equal(w.dist[N / 2 - 1], N / 2 - 1);
	assert_int_equal(w.dist[N / 2], 1);
	assert_int_equal(w.dist[N - 1], N / 2);

	n = walk_chain(&g, &w, N - 1, &edges, &seed);
	assert_int_equal(n, N / 2);
	assert_int_equal(seed, 0);
	assert_int_equal(edges[0], N - 1);   /* the shortcut, the last edge added */
	assert_int_equal(g.edges[edges[0]].kind, EDGE_DEPENDENCY);
	for (i = 1; i < n; i++) {
		/* node N/2 + i - 1 -> N/2 + i is edge N - 1 - (N/2 + i) */
		assert_int_equal(edges[i], N - 1 - (N / 2 + i));
		assert_int_equal(g.edges[edges[i]].from, g.edges[edges[i - 1]].to);
	}
	free(edges);

	n = walk_chain(&g, &w, N / 2 - 1, &edges, &seed);
	assert_int_equal(n, N / 2 - 1);
	assert_int_equal(seed, 0);
	assert_int_equal(g.edges[edges[n - 1]].to, N / 2 - 1);
	free(edges);
	walk_release(&w);

	/* from the far end nothing else is reached */
	first = N - 1;
	graph_walk(&g, &first, 1, &w);
	assert_false(walk_reached(&w, 0));
	assert_false(walk_reached(&w, N - 2));
	walk_release(&w);
	graph_release(&g);
}

/* One seed fanning out to many products: each is one edge away, through its own edge. */
static void wide_fan(void **state)
{
	enum { N = 20000 };
	struct graph g = {0};
	struct walk w = {0};
	uint32_t root, i;

	(void)state;
	root = graph_add_node(&g, NODE_FILE, "package.json", "package.json");
	for (i = 0; i < N; i++) {
		uint32_t p = graph_add_node(&g, NODE_PRODUCT, "p", "p");

		graph_add_edge(&g, root, p, EDGE_WORKSPACE, 0, "dependencies");
	}
	graph_finish(&g);
	graph_walk(&g, &root, 1, &w);
	for (i = 1; i <= N; i++) {
		assert_int_equal(w.dist[i], 1);
		assert_int_equal(w.via[i], (int32_t)(i - 1));
	}
	walk_release(&w);
	graph_release(&g);
}

static void edge_kind_names(void **state)
{
	static const struct { enum edge_kind kind; const char *name; } rows[] = {
		{EDGE_OWNS, "owns"},
		{EDGE_DEPENDENCY, "dependency"},
		{EDGE_IMPORT, "import"},
		{EDGE_INPUT, "input"},
		{EDGE_GLOBAL_INPUT, "globalInput"},
		{EDGE_PRODUCT, "product"},
		{EDGE_LOCKFILE, "lockfile"},
		{EDGE_WORKSPACE, "workspace"},
		{EDGE_ROOT_DEPENDENCY, "rootDependency"},
	};
	size_t i, j;

	(void)state;
	/* every kind, from the first to the last, has a name of its own */
	assert_int_equal(ARRAY_LEN(rows), EDGE_ROOT_DEPENDENCY - EDGE_OWNS + 1);
	for (i = 0; i < ARRAY_LEN(rows); i++) {
		assert_string_equal(edge_kind_name(rows[i].kind), rows[i].name);
		for (j = 0; j < i; j++)
			assert_string_not_equal(edge_kind_name(rows[i].kind),
						edge_kind_name(rows[j].kind));
	}
	/* a value out of range still gets a word, not NULL */
	assert_string_equal(edge_kind_name((enum edge_kind)(EDGE_ROOT_DEPENDENCY + 1)), "edge");
	assert_string_equal(edge_kind_name((enum edge_kind)200), "edge");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nodes_and_edges),
		cmocka_unit_test(finish_packs_every_edge),
		cmocka_unit_test(walk_from_a_file),
		cmocka_unit_test(shortest_chain_wins),
		cmocka_unit_test(ties_go_to_edges_added_first),
		cmocka_unit_test(parallel_edges_first_kind_wins),
		cmocka_unit_test(ties_between_seeds),
		cmocka_unit_test(cycles),
		cmocka_unit_test(seed_also_reachable),
		cmocka_unit_test(unreached_chain_is_empty),
		cmocka_unit_test(empty_graph),
		cmocka_unit_test(long_chain),
		cmocka_unit_test(wide_fan),
		cmocka_unit_test(edge_kind_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
