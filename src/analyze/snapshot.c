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
 * Nodes are not stored: add_nodes() makes them again from the files,
 * packages and products in the same order, so node ids match.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "analyze/impact.h"
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

void snapshot_save(const struct impact *im, const char *path, const unsigned char *key)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_add(&b, SNAP_MAGIC, 8);
	buf_add(&b, key, SNAPSHOT_KEY_SIZE);
	put32(&b, (uint32_t)im->tree.n);
	for (i = 0; i < im->tree.n; i++) {
		const struct tree_file *f = &im->tree.files[i];

		put_str(&b, f->path);
		buf_addc(&b, (char)(f->has_oid | f->symlink << 1));
		buf_addc(&b, (char)f->lang);
		buf_add(&b, f->oid.id, GIT_OID_RAWSZ);
	}
	put32(&b, (uint32_t)im->ws.npkgs);
	for (i = 0; i < im->ws.npkgs; i++) {
		put_str(&b, im->ws.pkgs[i].name);
		put_str(&b, im->ws.pkgs[i].dir);
		buf_addc(&b, (char)im->ws.pkgs[i].is_root);
	}
	put_str(&b, im->ws.lockfile);
	put_str(&b, im->ws.manager);
	put32(&b, (uint32_t)im->nproducts);
	for (i = 0; i < im->nproducts; i++) {
		const struct impact_product *p = &im->products[i];

		put_str(&b, p->name);
		put32(&b, (uint32_t)(p->pkg - im->ws.pkgs));
		put32(&b, p->cfg ? (uint32_t)(p->cfg - im->cfg.products) : UINT32_MAX);
	}
	put32(&b, (uint32_t)im->g.nedges);
	for (i = 0; i < im->g.nedges; i++) {
		const struct gedge *e = &im->g.edges[i];

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

/* A string of the file, used in place: the file's buffer lives as long as im. */
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

static bool parse(struct impact *im, struct reader *r)
{
	uint32_t n, i;

	n = get_count(r, 23);
	im->tree.files = xcalloc((size_t)n + 1, sizeof(*im->tree.files));
	im->tree.cap = (size_t)n + 1;
	im->tree.unmapped = true;   /* the paths are known to be distinct */
	for (i = 0; i < n && !r->bad; i++) {
		const char *path = get_str(r);
		uint8_t flags = get8(r), lang = get8(r);
		struct tree_file *f = tree_add_static(&im->tree, path, lang);

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
	im->ws.pkgs = xcalloc((size_t)n + 1, sizeof(*im->ws.pkgs));
	strmap_init(&im->ws.by_name, n);
	strmap_init(&im->ws.by_dir, n);
	for (i = 0; i < n && !r->bad; i++) {
		struct package *p = &im->ws.pkgs[i];

		p->name = get_str(r);
		p->dir = get_str(r);
		p->is_root = get8(r);
		p->node = -1;
		strmap_put(&im->ws.by_name, p->name, strlen(p->name))->value = (void *)(uintptr_t)(i + 1);
		strmap_put(&im->ws.by_dir, p->dir, strlen(p->dir))->value = (void *)(uintptr_t)(i + 1);
		im->ws.npkgs++;
	}
	if (r->bad || !im->ws.pkgs[0].is_root)
		return false;
	im->ws.lockfile = get_str(r);
	if (!*im->ws.lockfile)
		im->ws.lockfile = NULL;
	im->ws.manager = get_str(r);
	n = get_count(r, 9);
	im->products = xcalloc((size_t)n + 1, sizeof(*im->products));
	for (i = 0; i < n && !r->bad; i++) {
		struct impact_product *p = &im->products[i];
		uint32_t pkg, cfg;

		p->name = get_str(r);
		pkg = get32(r);
		cfg = get32(r);
		if (pkg >= im->ws.npkgs || (cfg != UINT32_MAX && cfg >= im->cfg.nproducts)) {
			r->bad = true;
			break;
		}
		p->pkg = &im->ws.pkgs[pkg];
		p->cfg = cfg == UINT32_MAX ? NULL : &im->cfg.products[cfg];
		im->nproducts++;
	}
	if (r->bad)
		return false;
	return true;
}

static bool parse_edges(struct impact *im, struct reader *r)
{
	uint32_t n = get_count(r, 10), i;

	/* one allocation of the right size, not a doubling per power of two */
	im->g.edges = xreallocarray(im->g.edges, (size_t)n + 1, sizeof(*im->g.edges));
	im->g.capedges = (size_t)n + 1;

	for (i = 0; i < n && !r->bad; i++) {
		uint32_t from = get32(r), to = get32(r);
		uint8_t kind = get8(r), sub = get8(r);

		if (from >= im->g.nnodes || to >= im->g.nnodes || kind > EDGE_WORKSPACE) {
			r->bad = true;
			break;
		}
		graph_add_edge(&im->g, from, to, (enum edge_kind)kind, sub, NULL);
	}
	return !r->bad && r->p == r->end;
}

bool snapshot_load(struct impact *im, const char *path, const unsigned char *key)
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
	im->g.edges = NULL;
	if (!parse(im, &r)) {
		warn("ignoring the damaged snapshot %s", path);
		goto reset;
	}
	im->g.nodes = xcalloc(im->tree.n + im->ws.npkgs + im->nproducts + 1, sizeof(*im->g.nodes));
	im->g.capnodes = im->tree.n + im->ws.npkgs + im->nproducts + 1;
	impact_add_nodes(im);
	if (!parse_edges(im, &r)) {
		warn("ignoring the damaged snapshot %s", path);
		goto reset;
	}
	/* the strings point into the file: it lives as long as the analysis */
	im->snapshot_data = buf_detach(&b, NULL);
	ok = true;
	goto out;
reset:
	/* back to nothing, for the full analysis to start clean */
	graph_release(&im->g);
	free(im->file_node);
	im->file_node = NULL;
	free(im->products);
	im->products = NULL;
	im->nproducts = 0;
	workspace_release(&im->ws);
	tree_release(&im->tree);
out:
	buf_release(&b);
	return ok;
}
