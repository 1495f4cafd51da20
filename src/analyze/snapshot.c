/*
 * snapshot: one flat file, in lib/record's format.
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
#include "lib/record.h"
#include "lib/util.h"

#define SNAP_MAGIC "RGSNAP01"
#define SNAP_MAX_BYTES ((size_t)1 << 30)

void snapshot_save(const struct head_graph *h, const struct config *cfg, const char *path,
		   const unsigned char *key)
{
	struct buf b = BUF_INIT;
	size_t i, j, ndeps;

	rec_frame_begin(&b, SNAP_MAGIC);
	rec_put_bytes(&b, key, SNAPSHOT_KEY_SIZE);
	/* the warnings the graph's making printed, said again on every load */
	rec_put32(&b, (uint32_t)h->warnings_len);
	rec_put_bytes(&b, h->warnings, h->warnings_len);
	rec_put32(&b, (uint32_t)h->list.n);
	for (i = 0; i < h->list.n; i++) {
		const struct wsfile *f = &h->list.files[i];

		rec_put_str(&b, f->path);
		rec_put8(&b, (uint8_t)(f->has_oid | f->symlink << 1));
		rec_put8(&b, f->lang);
		rec_put_bytes(&b, f->oid.id, GIT_OID_RAWSZ);
	}
	rec_put32(&b, (uint32_t)h->ws.npkgs);
	for (i = 0, ndeps = 0; i < h->ws.npkgs; i++)
		ndeps += h->ws.pkgs[i].ndeps;
	/* the lockfile readers that know no workspace (yarn 1) read the dependencies */
	rec_put32(&b, (uint32_t)ndeps);
	rec_put8(&b, h->ws.links_by_name);
	for (i = 0; i < h->ws.npkgs; i++) {
		const struct package *p = &h->ws.pkgs[i];

		rec_put_str(&b, p->name);
		rec_put_str(&b, p->dir);
		rec_put8(&b, p->is_root);
		rec_put32(&b, (uint32_t)p->ndeps);
		for (j = 0; j < p->ndeps; j++) {
			rec_put8(&b, (uint8_t)(p->deps[j].kind | p->deps[j].linked << 4));
			rec_put_str(&b, p->deps[j].name);
			rec_put_str(&b, p->deps[j].spec ? p->deps[j].spec : "");
		}
	}
	rec_put_str(&b, h->ws.lockfile);
	rec_put_str(&b, h->ws.manager);
	rec_put32(&b, (uint32_t)h->nproducts);
	for (i = 0; i < h->nproducts; i++) {
		const struct impact_product *p = &h->products[i];

		rec_put_str(&b, p->name);
		rec_put32(&b, (uint32_t)(p->pkg - h->ws.pkgs));
		rec_put32(&b, p->cfg ? (uint32_t)(p->cfg - cfg->products) : UINT32_MAX);
	}
	rec_put32(&b, (uint32_t)h->g.nedges);
	for (i = 0; i < h->g.nedges; i++) {
		const struct gedge *e = &h->g.edges[i];

		if (e->detail)
			BUG("an edge of the head's graph carries a detail: it belongs to the change");
		rec_put32(&b, e->from);
		rec_put32(&b, e->to);
		rec_put8(&b, e->kind);
		rec_put8(&b, e->sub);
	}
	rec_frame_end(&b);
	if (write_file_atomic(path, b.data, b.len) < 0)
		warn("cannot write the snapshot %s:", path);
	buf_release(&b);
}

/* The warnings: NUL-ended texts, the last one ended too. */
static bool parse_warnings(struct head_graph *h, struct rec_reader *r)
{
	uint32_t len = rec_get32(r);
	const char *p = rec_get_bytes(r, len);

	if (r->bad || (len && p[len - 1]))
		return false;
	if (len) {
		h->warnings = xmalloc(len);
		memcpy(h->warnings, p, len);
		h->warnings_len = len;
	}
	return true;
}

static bool parse(struct head_graph *h, const struct config *cfg, struct rec_reader *r)
{
	uint32_t n, i, ndeps, used;

	n = rec_get_count(r, 23);
	h->list.files = xcalloc((size_t)n + 1, sizeof(*h->list.files));
	h->list.cap = (size_t)n + 1;
	h->list.unmapped = true;   /* the paths are known to be distinct */
	for (i = 0; i < n && !r->bad; i++) {
		const char *path = rec_get_str(r);
		uint8_t flags = rec_get8(r), lang = rec_get8(r);
		struct wsfile *f = filelist_add_static(&h->list, path, lang);

		const void *oid = rec_get_bytes(r, GIT_OID_RAWSZ);

		f->has_oid = flags & 1;
		f->symlink = flags >> 1 & 1;
		if (!oid)
			break;
		memcpy(f->oid.id, oid, GIT_OID_RAWSZ);
	}
	n = rec_get_count(r, 3);
	if (!n)
		r->bad = true;
	h->ws.pkgs = xcalloc((size_t)n + 1, sizeof(*h->ws.pkgs));
	strmap_init(&h->ws.by_name, n);
	strmap_init(&h->ws.by_dir, n);
	ndeps = rec_get_count(r, 3);
	h->ws.deps_block = xcalloc((size_t)ndeps + 1, sizeof(*h->ws.deps_block));
	h->ws.links_by_name = rec_get8(r);
	for (i = 0, used = 0; i < n && !r->bad; i++) {
		struct package *p = &h->ws.pkgs[i];
		struct strmap_entry *e;
		uint32_t j;

		p->name = rec_get_str(r);
		p->dir = rec_get_str(r);
		p->is_root = rec_get8(r);
		p->node = -1;
		p->ndeps = rec_get32(r);
		if (p->ndeps > ndeps - used) {
			r->bad = true;
			break;
		}
		p->deps = h->ws.deps_block + used;
		used += p->ndeps;
		for (j = 0; j < p->ndeps && !r->bad; j++) {
			uint8_t kind = rec_get8(r);

			p->deps[j].kind = kind & 0xf;
			p->deps[j].linked = kind >> 4 & 1;
			p->deps[j].name = rec_get_str(r);
			p->deps[j].spec = rec_get_str(r);
			if (!*p->deps[j].spec)
				p->deps[j].spec = NULL;
			if ((kind & 0xf) > DEP_OPTIONAL || kind >> 5)
				r->bad = true;
		}
		/* a duplicated name means its first package, as workspace_load decided */
		e = strmap_put(&h->ws.by_name, p->name, strlen(p->name));
		if (!e->value || h->ws.pkgs[(uintptr_t)e->value - 1].is_root)
			e->value = (void *)(uintptr_t)(i + 1);
		strmap_put(&h->ws.by_dir, p->dir, strlen(p->dir))->value = (void *)(uintptr_t)(i + 1);
		h->ws.npkgs++;
	}
	if (r->bad || !h->ws.pkgs[0].is_root)
		return false;
	h->ws.lockfile = rec_get_str(r);
	if (!*h->ws.lockfile)
		h->ws.lockfile = NULL;
	h->ws.manager = rec_get_str(r);
	n = rec_get_count(r, 9);
	h->products = xcalloc((size_t)n + 1, sizeof(*h->products));
	for (i = 0; i < n && !r->bad; i++) {
		struct impact_product *p = &h->products[i];
		uint32_t pkg, conf;

		p->name = rec_get_str(r);
		pkg = rec_get32(r);
		conf = rec_get32(r);
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

static bool parse_edges(struct head_graph *h, struct rec_reader *r)
{
	uint32_t n = rec_get_count(r, 10), i;

	/* one allocation of the right size, not a doubling per power of two */
	h->g.edges = xreallocarray(h->g.edges, (size_t)n + 1, sizeof(*h->g.edges));
	h->g.capedges = (size_t)n + 1;

	for (i = 0; i < n && !r->bad; i++) {
		uint32_t from = rec_get32(r), to = rec_get32(r);
		uint8_t kind = rec_get8(r), sub = rec_get8(r);

		if (from >= h->g.nnodes || to >= h->g.nnodes || kind > EDGE_ROOT_DEPENDENCY) {
			r->bad = true;
			break;
		}
		graph_add_edge(&h->g, from, to, (enum edge_kind)kind, sub, NULL);
	}
	return rec_done(r);
}

bool snapshot_load(struct head_graph *h, const struct config *cfg, const char *path,
		   const unsigned char *key)
{
	struct buf b = BUF_INIT;
	struct rec_reader r;
	bool ok = false;

	if (read_file(path, &b, SNAP_MAX_BYTES) < 0) {
		buf_release(&b);
		return false;
	}
	/* another key is another head: not found, and not worth a word */
	if (b.len < REC_MAGIC_SIZE + SNAPSHOT_KEY_SIZE + 4 || memcmp(b.data, SNAP_MAGIC, 8) ||
	    memcmp(b.data + REC_MAGIC_SIZE, key, SNAPSHOT_KEY_SIZE))
		goto out;
	if (!rec_frame_open(&r, b.data, b.len, SNAP_MAGIC)) {
		warn("ignoring the damaged snapshot %s", path);
		goto out;
	}
	rec_get_bytes(&r, SNAPSHOT_KEY_SIZE);
	h->g.edges = NULL;
	if (!parse_warnings(h, &r) || !parse(h, cfg, &r)) {
		warn("ignoring the damaged snapshot %s", path);
		goto reset;
	}
	h->g.nodes = xcalloc(h->list.n + h->ws.npkgs + h->nproducts + 1, sizeof(*h->g.nodes));
	h->g.capnodes = h->list.n + h->ws.npkgs + h->nproducts + 1;
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
	free(h->warnings);
	h->warnings = NULL;
	h->warnings_len = 0;
	workspace_release(&h->ws);
	filelist_release(&h->list);
out:
	buf_release(&b);
	return ok;
}
