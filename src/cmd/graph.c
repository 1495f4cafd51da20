/*
 * relgate graph: the dependency graph for pictures and debugging.  By
 * default at package level (files folded into the package that owns them);
 * --files shows every file node and edge.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/jsonw.h"
#include "lib/diag.h"
#include "analyze/impact.h"
#include "analyze/scan.h"

static const char usage[] =
	"usage: relgate graph [--format json|dot|mermaid] [--file-nodes] [--no-imports]\n"
	"                     [--no-cache]\n"
	"\n"
	"Prints the graph relgate reasons over: packages, products, and the edges\n"
	"between them (package.json dependencies, imports folded to packages, inputs),\n"
	"as JSON (the default), DOT, or Mermaid (which GitHub and GitLab draw in a\n"
	"pull request).  An edge from A to B says that a change to A reaches B: B\n"
	"depends on A, imports it, or is built from it.\n"
	"  --file-nodes  every file node and edge, not folded (--files is an old name)\n"
	"  --no-imports  package.json dependencies only\n";

struct pedge {
	uint32_t from, to;
	uint8_t kind, sub;
};

static int pedge_cmp(const void *a, const void *b)
{
	const struct pedge *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return (int)x->sub - (int)y->sub;
}

/* The node an endpoint stands for at package level. */
static uint32_t fold(const struct impact *im, uint32_t node)
{
	const struct gnode *n = &im->head.g.nodes[node];

	if (n->kind != NODE_FILE)
		return node;
	return (uint32_t)workspace_owner(&im->head.ws, n->path)->node;
}

static const char *node_kind_name(enum node_kind k)
{
	return k == NODE_FILE ? "file" : k == NODE_PACKAGE ? "package" : "product";
}

/* A DOT string: prefix and s, quoted. */
static void dot_str(const char *prefix, const char *s)
{
	putchar('"');
	fputs(prefix, stdout);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s == '\n' ? ' ' : *s);
	}
	putchar('"');
}

/* A Mermaid label: quoted, its quotes and markup characters as entities. */
static void mermaid_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			fputs("#quot;", stdout);
		else if (*s == '<')
			fputs("#lt;", stdout);
		else if (*s == '>')
			fputs("#gt;", stdout);
		else
			putchar(*s == '\n' || *s == '\r' ? ' ' : *s);
	}
	putchar('"');
}

static void print_mermaid(const struct impact *im, const bool *shown, const struct pedge *edges,
			  size_t n)
{
	size_t i;

	printf("flowchart RL\n");
	for (i = 0; i < im->head.g.nnodes; i++) {
		const struct gnode *nd = &im->head.g.nodes[i];

		if (!shown[i])
			continue;
		/* ids are node numbers: names hold characters Mermaid will not take */
		printf("  n%zu%s", i, nd->kind == NODE_PRODUCT ? "{{" : nd->kind == NODE_FILE ? "[/" : "[");
		mermaid_str(nd->name);
		printf("%s\n", nd->kind == NODE_PRODUCT ? "}}" : nd->kind == NODE_FILE ? "/]" : "]");
	}
	for (i = 0; i < n; i++)
		printf("  n%u -->|%s| n%u\n", edges[i].from,
		       edge_kind_name((enum edge_kind)edges[i].kind), edges[i].to);
}

static void dot_id(const struct gnode *n)
{
	char prefix[16];

	snprintf(prefix, sizeof(prefix), "%s:", node_kind_name((enum node_kind)n->kind));
	dot_str(prefix, n->name);
}

int cmd_graph(int argc, char **argv, struct setup *s)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'f'},
		{"file-nodes", no_argument, NULL, 'F'},
		/* the old name: --files lists changed files in every other command */
		{"files", no_argument, NULL, 'F'},
		{"no-imports", no_argument, NULL, 'I'},
		{"no-cache", no_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct impact_opts o = {0};
	enum output_format format = FORMAT_JSON;
	bool files = false;
	struct pedge *edges;
	struct impact im;
	size_t n = 0, i, k;
	bool *shown;
	struct buf out = BUF_INIT;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = parse_format("graph", optarg, FMT(FORMAT_DOT) | FMT(FORMAT_JSON) |
					      FMT(FORMAT_MERMAID));
			break;
		case 'F': files = true; break;
		case 'I': o.no_imports = true; break;
		case 'C': o.no_cache = true; break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "relgate graph: unexpected argument \"%s\"", argv[optind]);
	if (impact_run(&im, s, &o) < 0) {
		impact_release(&im);
		return exit_code_of_failure();
	}
	edges = xcalloc(im.head.g.nedges + 1, sizeof(*edges));
	for (i = 0; i < im.head.g.nedges; i++) {
		const struct gedge *e = &im.head.g.edges[i];
		struct pedge p = {e->from, e->to, e->kind, e->sub};

		if (!files) {
			if (e->kind == EDGE_OWNS)
				continue;
			p.from = fold(&im, e->from);
			p.to = fold(&im, e->to);
			if (p.from == p.to)
				continue;
		}
		edges[n++] = p;
	}
	qsort(edges, n, sizeof(*edges), pedge_cmp);
	for (i = k = 0; i < n; i++)
		if (!k || pedge_cmp(&edges[i], &edges[k - 1]))
			edges[k++] = edges[i];
	n = k;
	shown = xcalloc(im.head.g.nnodes + 1, sizeof(*shown));
	for (i = 0; i < im.head.g.nnodes; i++)
		shown[i] = files || im.head.g.nodes[i].kind != NODE_FILE;
	for (i = 0; i < n; i++)
		shown[edges[i].from] = shown[edges[i].to] = true;

	if (format == FORMAT_DOT) {
		printf("digraph relgate {\n  rankdir=RL;\n  node [shape=box, fontname=\"sans-serif\"];\n");
		for (i = 0; i < im.head.g.nnodes; i++) {
			const struct gnode *nd = &im.head.g.nodes[i];

			if (!shown[i])
				continue;
			printf("  ");
			dot_id(nd);
			printf(" [label=");
			dot_str("", nd->name);
			printf("%s];\n", nd->kind == NODE_PRODUCT ? ", shape=doubleoctagon" :
			       nd->kind == NODE_FILE ? ", shape=note" : "");
		}
		for (i = 0; i < n; i++) {
			printf("  ");
			dot_id(&im.head.g.nodes[edges[i].from]);
			printf(" -> ");
			dot_id(&im.head.g.nodes[edges[i].to]);
			printf(" [label=\"%s\"];\n", edge_kind_name((enum edge_kind)edges[i].kind));
		}
		printf("}\n");
	} else if (format == FORMAT_MERMAID) {
		print_mermaid(&im, shown, edges, n);
	} else {
		struct jw w;

		jw_init(&w, &out);
		jw_object(&w);
		jw_key(&w, "nodes");
		jw_array(&w);
		for (i = 0; i < im.head.g.nnodes; i++) {
			const struct gnode *nd = &im.head.g.nodes[i];

			if (!shown[i])
				continue;
			jw_break(&w, 2);
			jw_object(&w);
			jw_kint(&w, "id", (int64_t)i);
			jw_kstr(&w, "kind", node_kind_name((enum node_kind)nd->kind));
			jw_kstr(&w, "name", nd->name);
			jw_kstr(&w, "path", nd->path);
			jw_end(&w);
		}
		jw_break(&w, 1);
		jw_end(&w);
		jw_break(&w, 1);
		jw_key(&w, "edges");
		jw_array(&w);
		for (i = 0; i < n; i++) {
			jw_break(&w, 2);
			jw_object(&w);
			jw_kint(&w, "from", edges[i].from);
			jw_kint(&w, "to", edges[i].to);
			jw_kstr(&w, "kind", edge_kind_name((enum edge_kind)edges[i].kind));
			/* which kind of dependency or import, as the chains say it */
			if (edges[i].kind == EDGE_DEPENDENCY || edges[i].kind == EDGE_ROOT_DEPENDENCY)
				jw_kstr(&w, "dependency", dep_kind_name((enum dep_kind)edges[i].sub));
			else if (edges[i].kind == EDGE_IMPORT)
				jw_kstr(&w, "import", import_kind_name((enum import_kind)edges[i].sub));
			jw_end(&w);
		}
		jw_break(&w, 1);
		jw_end(&w);
		jw_end(&w);
		jw_done(&w);
		buf_addc(&out, '\n');
		fwrite(out.data, 1, out.len, stdout);
	}
	buf_release(&out);
	free(shown);
	free(edges);
	impact_release(&im);
	return 0;
}
