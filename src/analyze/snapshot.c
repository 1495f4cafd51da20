/*
 * snapshot: one flat file.
 *
 *   "RGSNAP01" key[20]
 *   u32 nfiles    { path\0 u8 flags u8 lang oid[20] }
 *   u32 npkgs     { name\0 dir\0 u8 is_root }
 *   lockfile\0 manager\0
 *   u32 nproducts { name\0 u32 package-index i32 config-index }
 *   u32 nedges    { u32 from u32 to u8 kind u8 sub }
 *   u32 checksum
 *
 * Nodes are not stored: head_graph_add_nodes() makes them again from the files,
 * packages and products in the same order, so node ids match.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/file.h"
#include "lib/diag.h"
#include "analyze/headgraph.h"
#include "analyze/snapshot.h"
#include "lib/util.h"

#define SNAP_MAGIC "RGSNAP01"
#define SNAP_MAX_BYTES ((size_t)1 << 30)

static void put32(struct buf *b, uint32_t v)
{
	unsigned char p[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 24)};

	buf_add(b, p, 4);
}

static void put_str(struct buf *b, const char *s)
{
	buf_add(b, s ? s : "", strlen(s ? s : "") + 1);
}

void snapshot_save(const struct head_graph *h, const struct config *cfg, const char *path, const unsigned char *key)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_add(&b, SNAP_MAGIC, 8);
	buf_add(&b, key, SNAPSHOT_KEY_SIZE);
	put32(&b, (uint32_t)h->tree.n);
	for (i = 0; i < h->tree.n; i++) {
		const struct tree_file *f = &h->tree.files[i];

		put_str(&b, f->path);
		buf_addc(&b, (char)(f->has_oid | f->symlink << 1));
		buf_addc(&b, (char)f->lang);
		buf_add(&b, f->oid.id, GIT_OID_RAWSZ);
	}
	put32(&b, (uint32_t)h->ws.npkgs);
	for (i = 0; i < h->ws.npkgs; i++) {
		put_str(&b, h->ws.pkgs[i].name);
		put_str(&b, h->ws.pkgs[i].dir);
		buf_addc(&b, (char)h->ws.pkgs[i].is_root);
	}
	put_str(&b, h->ws.lockfile);
	put_str(&b, h->ws.manager);
	put32(&b, (uint32_t)h->nproducts);
	for (i = 0; i < h->nproducts; i++) {
		const struct impact_product *p = &h->products[i];

		put_str(&b, p->name);
		put32(&b, (uint32_t)(p->pkg - h->ws.pkgs));
		put32(&b, p->cfg ? (uint32_t)(p->cfg - cfg->products) : UINT32_MAX);
	}
	put32(&b, (uint32_t)h->g.nedges);
	for (i = 0; i < h->g.nedges; i++) {
		const struct gedge *e = &h->g.edges[i];

		if (e->detail)
			BUG("an edge of the head's graph carries a detail: it belongs to the change");
		put32(&b, e->from);
		put32(&b, e->to);
		buf_addc(&b, (char)e->kind);
		buf_addc(&b, (char)e->sub);
	}
	put32(&b, hash_bytes(b.data, b.len));
	if (write_file_atomic(path, b.data, b.len) < 0)
		warn("cannot write the snapshot %s:", path);
	buf_release(&b);
}

struct reader {
	const unsigned char *p, *end;
	bool bad;
};

static uint32_t get32(struct reader *r)
{
	uint32_t v;

	if (r->bad || r->end - r->p < 4) {
		r->bad = true;
		return 0;
	}
	v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
	    (uint32_t)r->p[3] << 24;
	r->p += 4;
	return v;
}

static uint8_t get8(struct reader *r)
{
	if (r->bad || r->p >= r->end) {
		r->bad = true;
		return 0;
	}
	return *r->p++;
}

/* A string of the file, used in place: the file's buffer lives as long as the graph. */
static const char *get_str(struct reader *r)
{
	const unsigned char *nul;
	const char *s;

	if (r->bad || !(nul = memchr(r->p, '\0', (size_t)(r->end - r->p)))) {
		r->bad = true;
		return "";
	}
	s = (const char *)r->p;
	r->p = nul + 1;
	return s;
}

/* A count that the rest of the file could hold, at min_size bytes each. */
static uint32_t get_count(struct reader *r, size_t min_size)
{
	uint32_t n = get32(r);

	if ((size_t)(r->end - r->p) / min_size < n)
		r->bad = true;
	return r->bad ? 0 : n;
}

static bool parse(struct head_graph *h, const struct config *cfg, struct reader *r)
{
	uint32_t n, i;

	n = get_count(r, 23);
	h->tree.files = xcalloc((size_t)n + 1, sizeof(*h->tree.files));
	h->tree.cap = (size_t)n + 1;
	h->tree.unmapped = true;   /* the paths are known to be distinct */
	for (i = 0; i < n && !r->bad; i++) {
		const char *path = get_str(r);
		uint8_t flags = get8(r), lang = get8(r);
		struct tree_file *f = tree_add_static(&h->tree, path, lang);

		f->has_oid = flags & 1;
		f->symlink = flags >> 1 & 1;
		if (r->end - r->p < GIT_OID_RAWSZ) {
			r->bad = true;
			break;
		}
		memcpy(f->oid.id, r->p, GIT_OID_RAWSZ);
		r->p += GIT_OID_RAWSZ;
	}
	n = get_count(r, 3);
	if (!n)
		r->bad = true;
	h->ws.pkgs = xcalloc((size_t)n + 1, sizeof(*h->ws.pkgs));
	strmap_init(&h->ws.by_name, n);
	strmap_init(&h->ws.by_dir, n);
	for (i = 0; i < n && !r->bad; i++) {
		struct package *p = &h->ws.pkgs[i];

		p->name = get_str(r);
		p->dir = get_str(r);
		p->is_root = get8(r);
		p->node = -1;
		strmap_put(&h->ws.by_name, p->name, strlen(p->name))->value = (void *)(uintptr_t)(i + 1);
		strmap_put(&h->ws.by_dir, p->dir, strlen(p->dir))->value = (void *)(uintptr_t)(i + 1);
		h->ws.npkgs++;
	}
	if (r->bad || !h->ws.pkgs[0].is_root)
		return false;
	h->ws.lockfile = get_str(r);
	if (!*h->ws.lockfile)
		h->ws.lockfile = NULL;
	h->ws.manager = get_str(r);
	n = get_count(r, 9);
	h->products = xcalloc((size_t)n + 1, sizeof(*h->products));
	for (i = 0; i < n && !r->bad; i++) {
		struct impact_product *p = &h->products[i];
		uint32_t pkg, conf;

		p->name = get_str(r);
		pkg = get32(r);
		conf = get32(r);
		if (pkg >= h->ws.npkgs || (conf != UINT32_MAX && conf >= cfg->nproducts)) {
			r->bad = true;
			break;
		}
		p->pkg = &h->ws.pkgs[pkg];
		p->cfg = conf == UINT32_MAX ? NULL : &cfg->products[conf];
		h->nproducts++;
	}
	if (r->bad)
		return false;
	return true;
}

static bool parse_edges(struct head_graph *h, struct reader *r)
{
	uint32_t n = get_count(r, 10), i;

	/* one allocation of the right size, not a doubling per power of two */
	h->g.edges = xreallocarray(h->g.edges, (size_t)n + 1, sizeof(*h->g.edges));
	h->g.capedges = (size_t)n + 1;

	for (i = 0; i < n && !r->bad; i++) {
		uint32_t from = get32(r), to = get32(r);
		uint8_t kind = get8(r), sub = get8(r);

		if (from >= h->g.nnodes || to >= h->g.nnodes || kind > EDGE_WORKSPACE) {
			r->bad = true;
			break;
		}
		graph_add_edge(&h->g, from, to, (enum edge_kind)kind, sub, NULL);
	}
	return !r->bad && r->p == r->end;
}

bool snapshot_load(struct head_graph *h, const struct config *cfg, const char *path, const unsigned char *key)
{
	struct buf b = BUF_INIT;
	struct reader r;
	bool ok = false;

	if (read_file(path, &b, SNAP_MAX_BYTES) < 0) {
		buf_release(&b);
		return false;
	}
	if (b.len < 8 + SNAPSHOT_KEY_SIZE + 4 || memcmp(b.data, SNAP_MAGIC, 8) ||
	    memcmp(b.data + 8, key, SNAPSHOT_KEY_SIZE))
		goto out;
	r.p = (const unsigned char *)b.data + 8 + SNAPSHOT_KEY_SIZE;
	r.end = (const unsigned char *)b.data + b.len - 4;
	r.bad = false;
	{
		struct reader tail = {r.end, r.end + 4, false};

		if (hash_bytes(b.data, b.len - 4) != get32(&tail)) {
			warn("ignoring the damaged snapshot %s", path);
			goto out;
		}
	}
	h->g.edges = NULL;
	if (!parse(h, cfg, &r)) {
		warn("ignoring the damaged snapshot %s", path);
		goto reset;
	}
	h->g.nodes = xcalloc(h->tree.n + h->ws.npkgs + h->nproducts + 1, sizeof(*h->g.nodes));
	h->g.capnodes = h->tree.n + h->ws.npkgs + h->nproducts + 1;
	head_graph_add_nodes(h);
	if (!parse_edges(h, &r)) {
		warn("ignoring the damaged snapshot %s", path);
		goto reset;
	}
	/* the strings point into the file: it lives as long as the analysis */
	h->snapshot_data = buf_detach(&b, NULL);
	ok = true;
	goto out;
reset:
	/* back to nothing, for the full analysis to start clean */
	graph_release(&h->g);
	free(h->file_node);
	h->file_node = NULL;
	free(h->products);
	h->products = NULL;
	h->nproducts = 0;
	workspace_release(&h->ws);
	tree_release(&h->tree);
out:
	buf_release(&b);
	return ok;
}
