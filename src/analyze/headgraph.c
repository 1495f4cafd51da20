/*
 * headgraph: the graph of the workspace as its head has it.  From the
 * listed files it loads the packages, names the products, makes a node for
 * each, and adds the edges that depend only on the head's content:
 * ownership, product packages, manifest dependencies, inputs, then imports.
 * That order decides which chain is shown when several are equally short.
 * The edges that depend on the change (the root manifest, the lockfile)
 * are impact's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/headgraph.h"
#include "analyze/resolve.h"
#include "analyze/scan.h"
#include "lib/diag.h"
#include "lib/glob.h"
#include "lib/pool.h"

#define SOURCE_MAX_BYTES ((size_t)256 << 20)

/* What the building reads, besides the graph it fills. */
struct build {
	struct head_graph *h;
	const struct config *cfg;
	struct cache *cache;
	struct arena *arena;
};

/* Every product: from relgate.json, or every package but the root. */
static int list_products(struct build *bd)
{
	size_t i;
	int errors = 0;

	if (bd->cfg->products_given) {
		bd->h->products = xcalloc(bd->cfg->nproducts + 1, sizeof(*bd->h->products));
		for (i = 0; i < bd->cfg->nproducts; i++) {
			const struct cfg_product *p = &bd->cfg->products[i];
			const struct package *pkg = workspace_package(&bd->h->ws, p->package,
								      strlen(p->package));

			if (!pkg || pkg->is_root) {
				int line, col;

				if (config_locate_product(bd->cfg, p->name, &line, &col) == 0)
					error("%s:%d:%d: product \"%s\": no workspace package is named "
					      "\"%s\"", bd->cfg->path, line, col, p->name, p->package);
				else
					error("%s: product \"%s\": no workspace package is named \"%s\"",
					      bd->cfg->path, p->name, p->package);
				errors++;
				continue;
			}
			bd->h->products[bd->h->nproducts].name = p->name;
			bd->h->products[bd->h->nproducts].cfg = p;
			bd->h->products[bd->h->nproducts].pkg = pkg;
			bd->h->nproducts++;
		}
		return errors ? fault(FAULT_INPUT) : 0;
	}
	bd->h->products = xcalloc(bd->h->ws.npkgs + 1, sizeof(*bd->h->products));
	for (i = 0; i < bd->h->ws.npkgs; i++) {
		const struct package *pkg = &bd->h->ws.pkgs[i];

		if (pkg->is_root)
			continue;
		bd->h->products[bd->h->nproducts].name = pkg->name;
		bd->h->products[bd->h->nproducts].pkg = pkg;
		bd->h->nproducts++;
	}
	return 0;
}

void head_graph_add_nodes(struct head_graph *h)
{
	struct graph *g = &h->g;
	size_t i;

	for (i = 0; i < h->ws.npkgs; i++) {
		struct package *pkg = &h->ws.pkgs[i];

		pkg->node = (int)graph_add_node(g, NODE_PACKAGE, pkg->name, *pkg->dir ? pkg->dir : ".");
	}
	for (i = 0; i < h->nproducts; i++)
		/* a product's place is its package's folder */
		h->products[i].node = graph_add_node(g, NODE_PRODUCT, h->products[i].name,
						     *h->products[i].pkg->dir ?
						     h->products[i].pkg->dir : ".");
	h->file_node = xcalloc(h->list.n + 1, sizeof(*h->file_node));
	for (i = 0; i < h->list.n; i++)
		h->file_node[i] = graph_add_node(g, NODE_FILE, h->list.files[i].path,
						  h->list.files[i].path);
}

/* Each file to its owner, the nearest package folder: a folder's files share it. */
static void add_owner_edges(struct head_graph *h)
{
	const struct package *owner = NULL;
	const char *dir = NULL;
	size_t dlen = 0, i;

	for (i = 0; i < h->list.n; i++) {
		const char *path = h->list.files[i].path;
		const char *slash = strrchr(path, '/');
		size_t len = slash ? (size_t)(slash - path) : 0;

		if (!owner || len != dlen || memcmp(path, dir, len)) {
			owner = workspace_owner(&h->ws, path);
			dir = path;
			dlen = len;
		}
		graph_add_edge(&h->g, h->file_node[i], (uint32_t)owner->node, EDGE_OWNS, 0, NULL);
	}
}

static void add_structure_edges(struct build *bd)
{
	struct graph *g = &bd->h->g;
	size_t *with_inputs = xcalloc(bd->h->nproducts + 1, sizeof(*with_inputs));
	const struct package *root;
	size_t i, j, k, nwith = 0;

	add_owner_edges(bd->h);
	for (i = 0; i < bd->h->nproducts; i++)
		graph_add_edge(g, (uint32_t)bd->h->products[i].pkg->node, bd->h->products[i].node,
			       EDGE_PRODUCT, 0, NULL);
	for (i = 0; i < bd->h->ws.npkgs; i++) {
		const struct package *pkg = &bd->h->ws.pkgs[i];

		for (j = 0; j < pkg->ndeps; j++) {
			const struct dep *d = &pkg->deps[j];
			const struct package *on = workspace_package(&bd->h->ws, d->name, strlen(d->name));

			if (on && on != pkg && !on->is_root && workspace_dep_links(&bd->h->ws, d))
				graph_add_edge(g, (uint32_t)on->node, (uint32_t)pkg->node,
					       EDGE_DEPENDENCY, d->kind, NULL);
		}
	}
	/*
	 * What the root package.json depends on of the workspace (a build
	 * plugin, a test utility, the CLI itself) is a tool of every build, as
	 * the root's external dependencies are: it reaches every product and
	 * every package, as Turborepo's RootInternalDepChanged does.
	 */
	root = &bd->h->ws.pkgs[0];
	for (j = 0; root->is_root && j < root->ndeps; j++) {
		const struct dep *d = &root->deps[j];
		const struct package *tool = workspace_package(&bd->h->ws, d->name, strlen(d->name));

		if (!tool || tool->is_root || !workspace_dep_links(&bd->h->ws, d) ||
		    config_ignores_root_dep(bd->cfg, d->name))
			continue;
		for (k = 0; k < bd->h->nproducts; k++)
			graph_add_edge(g, (uint32_t)tool->node, bd->h->products[k].node,
				       EDGE_ROOT_DEPENDENCY, d->kind, NULL);
		for (k = 0; k < bd->h->ws.npkgs; k++)
			if (!bd->h->ws.pkgs[k].is_root && &bd->h->ws.pkgs[k] != tool)
				graph_add_edge(g, (uint32_t)tool->node, (uint32_t)bd->h->ws.pkgs[k].node,
					       EDGE_ROOT_DEPENDENCY, d->kind, NULL);
	}
	/* inputs: the workspace's globalInputs and each product's own globs */
	for (j = 0; j < bd->h->nproducts; j++)
		if (bd->h->products[j].cfg && bd->h->products[j].cfg->inputs.n)
			with_inputs[nwith++] = j;
	for (i = 0; i < bd->h->list.n; i++) {
		const char *path = bd->h->list.files[i].path;

		for (k = 0; k < bd->cfg->global_inputs.n; k++)
			if (glob_match(bd->cfg->global_inputs.v[k], path))
				break;
		if (k < bd->cfg->global_inputs.n) {
			for (j = 0; j < bd->h->nproducts; j++)
				graph_add_edge(g, bd->h->file_node[i], bd->h->products[j].node,
					       EDGE_GLOBAL_INPUT, 0, NULL);
			continue;
		}
		for (j = 0; j < nwith; j++) {
			const struct impact_product *ip = &bd->h->products[with_inputs[j]];

			for (k = 0; k < ip->cfg->inputs.n; k++)
				if (glob_match(ip->cfg->inputs.v[k], path)) {
					graph_add_edge(g, bd->h->file_node[i], ip->node, EDGE_INPUT, 0, NULL);
					break;
				}
		}
	}
	free(with_inputs);
}

/* ---- imports ---- */

static void encode_imports(const struct scan_result *r, struct buf *b)
{
	size_t i;

	buf_reset(b);
	for (i = 0; i < r->n; i++) {
		buf_addc(b, (char)('0' + r->imports[i].kind));
		buf_add(b, scan_spec(r, i), r->imports[i].len + 1);
	}
}

/*
 * Scanning runs on every core: each job reads one file and lexes it into
 * its encoded specifiers.  Workers touch nothing shared but the job list
 * (taken by an atomic counter) and git's object database (behind a lock in
 * filelist_read); messages, the cache and the graph are left to the main
 * thread, in file order, so that the output does not depend on timing.
 */
struct scan_job {
	uint32_t file;
	int err;                 /* errno of a failed read, or 0 */
	uint8_t status;          /* enum scan_status */
	uint32_t stop_line;
	bool has_oid;            /* the content's blob id is known: the result can be cached */
	bool owned_by_cache;     /* enc now belongs to the cache */
	git_oid oid;
	char *enc;
	size_t len;
};

struct scan_pool {
	struct pool pool;
	struct build *bd;
	struct scan_job *jobs;
};

static void scan_one(struct build *bd, struct scan_job *job, struct buf *text,
		     struct scan_result *res, struct buf *enc)
{
	const struct wsfile *f = &bd->h->list.files[job->file];

	buf_reset(text);
	if (filelist_read(&bd->h->list, f, text, SOURCE_MAX_BYTES) < 0) {
		job->err = errno ? errno : EIO;
		return;
	}
	scan_result_reset(res);
	scan_source(text->data, text->len, (enum scan_lang)f->lang, res);
	job->status = (uint8_t)res->status;
	job->stop_line = res->stop_line;
	encode_imports(res, enc);
	job->enc = xmalloc(enc->len + 1);
	memcpy(job->enc, enc->data, enc->len + 1);
	job->len = enc->len;
	if (f->has_oid) {
		git_oid_cpy(&job->oid, &f->oid);
		job->has_oid = true;
	} else {
		job->has_oid = git_odb_hash(&job->oid, text->data, text->len, GIT_OBJECT_BLOB) == 0;
	}
}

static void *scan_worker(void *arg)
{
	struct scan_pool *pool = arg;
	struct buf text = BUF_INIT, enc = BUF_INIT;
	struct scan_result res = {0};
	size_t i;

	while (pool_take(&pool->pool, &i))
		scan_one(pool->bd, &pool->jobs[i], &text, &res, &enc);
	scan_result_release(&res);
	buf_release(&text);
	buf_release(&enc);
	return NULL;
}

static void run_scan_jobs(struct build *bd, struct scan_job *jobs, size_t n)
{
	struct scan_pool pool = {.bd = bd, .jobs = jobs};

	pool.pool.n = n;
	pool_run(&pool.pool, 64, scan_worker, &pool);
}

/* Report how a job went, cache its result; returns -1 on a read error. */
static int finish_job(struct build *bd, struct scan_job *job)
{
	const struct wsfile *f = &bd->h->list.files[job->file];

	if (job->err) {
		if (job->err == EFBIG)
			warn("%s: larger than %zu MB, its imports are not scanned", f->path,
			     SOURCE_MAX_BYTES >> 20);
		else if (job->err == EISDIR || job->err == EINVAL || job->err == ELOOP)
			warn("%s: not a regular file, its imports are not scanned", f->path);
		else
			return errno = job->err, error("cannot read %s:", f->path);
		return 0;
	}
	bd->h->stats.scanned++;
	if (job->status == SCAN_BINARY)
		warn("%s: binary content, its imports are not scanned", f->path);
	else if (job->status == SCAN_TOO_DEEP)
		warn("%s:%u: nesting too deep, the imports after this line are not scanned",
		     f->path, job->stop_line);
	else if (job->status == SCAN_OK && job->has_oid &&
		 cache_put_owned(bd->cache, &job->oid, CACHE_IMPORTS, job->enc, job->len))
		job->owned_by_cache = true;   /* one copy, not two */
	return 0;
}

static int add_import_edges(struct build *bd)
{
	struct buf dir = BUF_INIT;
	struct resolver rs;
	struct scan_job *jobs = xcalloc(bd->h->list.n + 1, sizeof(*jobs));
	const char **encs = xcalloc(bd->h->list.n + 1, sizeof(*encs));
	size_t *lens = xcalloc(bd->h->list.n + 1, sizeof(*lens));
	size_t i, njobs = 0, next_job = 0;
	int ret = 0;

	/* what the cache knows, and what must be read */
	for (i = 0; i < bd->h->list.n; i++) {
		const struct wsfile *f = &bd->h->list.files[i];
		const void *cached;

		if (f->lang == LANG_NONE || f->ghost || f->symlink)
			continue;
		if (f->has_oid && (cached = cache_get(bd->cache, &f->oid, CACHE_IMPORTS, &lens[i]))) {
			encs[i] = cached;
			bd->h->stats.cache_hits++;
		} else {
			jobs[njobs++].file = (uint32_t)i;
		}
	}
	run_scan_jobs(bd, jobs, njobs);

	resolver_init(&rs, &bd->h->ws, &bd->h->list, bd->arena);
	for (i = 0; i < bd->h->list.n && !ret; i++) {
		const struct wsfile *f = &bd->h->list.files[i];
		const char *p, *end, *slash;

		if (next_job < njobs && jobs[next_job].file == i) {
			struct scan_job *job = &jobs[next_job++];

			if (finish_job(bd, job) < 0) {
				ret = fault(FAULT_ENV);
				break;
			}
			encs[i] = job->enc;
			lens[i] = job->len;
		}
		if (!encs[i] || !lens[i])
			continue;
		slash = strrchr(f->path, '/');
		buf_reset(&dir);
		if (slash)
			buf_add(&dir, f->path, (size_t)(slash - f->path));
		for (p = encs[i], end = encs[i] + lens[i]; p < end; p += strlen(p) + 1) {
			struct resolution r;
			uint8_t kind = (uint8_t)(*p - '0');

			bd->h->stats.imports++;
			if (resolve_import(&rs, dir.data, p + 1, kind == IMPORT_CSS, &r) < 0)
				ret = fault(FAULT_INPUT);
			if (r.kind == RES_FILE)
				graph_add_edge(&bd->h->g, bd->h->file_node[r.file - bd->h->list.files],
					       bd->h->file_node[i], EDGE_IMPORT, kind, NULL);
			else if (r.kind == RES_PACKAGE)
				graph_add_edge(&bd->h->g, (uint32_t)r.pkg->node, bd->h->file_node[i],
					       EDGE_IMPORT, kind, NULL);
			else if (r.kind == RES_MISSING)
				bd->h->stats.unresolved++;
		}
	}
	resolver_release(&rs);
	for (i = 0; i < njobs; i++)
		if (!jobs[i].owned_by_cache)
			free(jobs[i].enc);
	free(jobs);
	free(encs);
	free(lens);
	buf_release(&dir);
	return ret;
}

int head_graph_load(struct head_graph *h, const struct config *cfg, struct cache *cache,
		    struct arena *a)
{
	struct build bd = {h, cfg, cache, a};
	double t0 = now_ms();

	if (workspace_load(&h->ws, &h->list, cache, a) < 0 || list_products(&bd) < 0)
		return fault(FAULT_INPUT);
	h->stats.ms_workspace = now_ms() - t0;
	return 0;
}

int head_graph_connect(struct head_graph *h, const struct config *cfg, struct cache *cache,
		       bool imports, struct arena *a)
{
	struct build bd = {h, cfg, cache, a};
	double t0 = now_ms();

	head_graph_add_nodes(h);
	add_structure_edges(&bd);
	if (imports && add_import_edges(&bd) < 0)
		return -1;
	h->stats.ms_scan = now_ms() - t0;
	return 0;
}

void head_graph_release(struct head_graph *h)
{
	graph_release(&h->g);
	free(h->file_node);
	free(h->products);
	workspace_release(&h->ws);
	filelist_release(&h->list);
	free(h->snapshot_data);
	free(h->warnings);
	memset(h, 0, sizeof(*h));
}
