/*
 * test-snapshot: the head's graph kept between runs.  A graph built from a
 * small workspace (and one made by hand) is saved and loaded back with the
 * same key and configuration: files, packages, products, nodes and edges
 * come back equal.  Another key is not found.  A damaged file (truncated at
 * every length, a byte flipped anywhere, garbage), even one whose checksum
 * was made to match, never crashes the loader, and whatever it refuses
 * leaves the head's graph empty.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/cache.h"
#include "analyze/headgraph.h"
#include "analyze/snapshot.h"
#include "analyze/filelist.h"
#include "lib/arena.h"
#include "lib/config.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/util.h"

/* ---- helpers ---- */

static unsigned warnings_seen;

static void count_message(const char *level, const char *text, void *data)
{
	(void)text;
	(void)data;
	if (!strcmp(level, "warning"))
		warnings_seen++;
}

static char *scratch_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *templ = xasprintf("%s/relgate-snapshot-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	char *real;

	assert_non_null(mkdtemp(templ));
	real = realpath(templ, NULL);
	assert_non_null(real);
	free(templ);
	return real;
}

static void remove_dir(char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

static void put(const char *dir, const char *path, const char *text)
{
	char *full = xasprintf("%s/%s", dir, path);

	assert_int_equal(make_parents(full), 0);
	assert_int_equal(write_file_atomic(full, text, strlen(text)), 0);
	free(full);
}

static void put_bytes(const char *path, const void *data, size_t len)
{
	if (write_file_atomic(path, data, len) < 0)
		fail_msg("cannot write %s: %s", path, strerror(errno));
}

static void read_all(const char *path, struct buf *b)
{
	buf_reset(b);
	if (read_file(path, b, 0) < 0)
		fail_msg("cannot read %s: %s", path, strerror(errno));
}

static void key_of(unsigned char *key, unsigned char seed)
{
	size_t i;

	for (i = 0; i < SNAPSHOT_KEY_SIZE; i++)
		key[i] = (unsigned char)(seed * 31 + i * 7);
}

/* The checksum of a snapshot's bytes, as the last four, little-endian. */
static void fix_checksum(unsigned char *data, size_t len)
{
	uint32_t h;

	if (len < 4)
		return;
	h = hash_bytes(data, len - 4);
	data[len - 4] = (unsigned char)h;
	data[len - 3] = (unsigned char)(h >> 8);
	data[len - 2] = (unsigned char)(h >> 16);
	data[len - 1] = (unsigned char)(h >> 24);
}

/* "leaves h empty when it did not" */
static void assert_empty(const struct head_graph *h, const char *what, size_t at)
{
	if (h->list.n || h->list.files || h->ws.npkgs || h->ws.pkgs || h->ws.by_name.slots ||
	    h->ws.by_dir.slots || h->nproducts || h->products || h->g.nnodes || h->g.nodes ||
	    h->g.nedges || h->g.edges || h->file_node || h->snapshot_data)
		fail_msg("%s (at %zu): refused, but the head's graph is not empty (%zu files, "
			 "%zu packages, %zu products, %zu nodes, %zu edges)", what, at, h->list.n,
			 h->ws.npkgs, h->nproducts, h->g.nnodes, h->g.nedges);
}

/* A graph that was accepted holds nothing that points outside of itself. */
static void assert_consistent(const struct head_graph *h, const struct config *cfg)
{
	size_t i;

	assert_true(h->ws.npkgs >= 1);
	assert_true(h->ws.pkgs[0].is_root);
	assert_non_null(h->ws.manager);
	assert_int_equal(h->g.nnodes, h->list.n + h->ws.npkgs + h->nproducts);
	assert_non_null(h->file_node);
	assert_non_null(h->snapshot_data);
	for (i = 0; i < h->list.n; i++) {
		assert_non_null(h->list.files[i].path);
		assert_true(h->file_node[i] < h->g.nnodes);
	}
	for (i = 0; i < h->ws.npkgs; i++) {
		assert_non_null(h->ws.pkgs[i].name);
		assert_non_null(h->ws.pkgs[i].dir);
		assert_true(h->ws.pkgs[i].node >= 0 && (size_t)h->ws.pkgs[i].node < h->g.nnodes);
	}
	for (i = 0; i < h->nproducts; i++) {
		const struct impact_product *p = &h->products[i];

		assert_non_null(p->name);
		assert_true(p->pkg >= h->ws.pkgs && p->pkg < h->ws.pkgs + h->ws.npkgs);
		assert_true(!p->cfg || (p->cfg >= cfg->products &&
					p->cfg < cfg->products + cfg->nproducts));
		assert_true(p->node < h->g.nnodes);
	}
	for (i = 0; i < h->g.nedges; i++) {
		assert_true(h->g.edges[i].from < h->g.nnodes);
		assert_true(h->g.edges[i].to < h->g.nnodes);
		assert_true(h->g.edges[i].kind <= EDGE_ROOT_DEPENDENCY);
		assert_null(h->g.edges[i].detail);
	}
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* b, loaded from the snapshot of a, is the same graph. */
static void assert_same_graph(const struct head_graph *a, const struct head_graph *b)
{
	size_t i;

	assert_int_equal(a->list.n, b->list.n);
	for (i = 0; i < a->list.n; i++) {
		const struct wsfile *fa = &a->list.files[i], *fb = &b->list.files[i];

		if (strcmp(fa->path, fb->path))
			fail_msg("file %zu: \"%s\" came back as \"%s\"", i, fa->path, fb->path);
		assert_int_equal(fa->has_oid, fb->has_oid);
		assert_int_equal(fa->symlink, fb->symlink);
		assert_int_equal(fa->lang, fb->lang);
		if (fa->has_oid)
			assert_true(git_oid_equal(&fa->oid, &fb->oid));
		assert_int_equal(a->file_node[i], b->file_node[i]);
	}
	assert_int_equal(a->ws.npkgs, b->ws.npkgs);
	for (i = 0; i < a->ws.npkgs; i++) {
		const struct package *pa = &a->ws.pkgs[i], *pb = &b->ws.pkgs[i];

		assert_string_equal(pa->name, pb->name);
		assert_string_equal(pa->dir, pb->dir);
		assert_int_equal(pa->is_root, pb->is_root);
		assert_int_equal(pa->node, pb->node);
		/* the maps work on the loaded workspace */
		assert_ptr_equal(workspace_package(&b->ws, pa->name, strlen(pa->name)), pb);
	}
	if (!same_str(a->ws.lockfile, b->ws.lockfile))
		fail_msg("lockfile \"%s\" came back as \"%s\"", a->ws.lockfile ? a->ws.lockfile : "",
			 b->ws.lockfile ? b->ws.lockfile : "(none)");
	assert_string_equal(a->ws.manager, b->ws.manager);
	assert_int_equal(a->nproducts, b->nproducts);
	for (i = 0; i < a->nproducts; i++) {
		const struct impact_product *pa = &a->products[i], *pb = &b->products[i];

		assert_string_equal(pa->name, pb->name);
		assert_ptr_equal(pa->cfg, pb->cfg);
		assert_int_equal(pa->pkg - a->ws.pkgs, pb->pkg - b->ws.pkgs);
		assert_int_equal(pa->node, pb->node);
	}
	assert_int_equal(a->g.nnodes, b->g.nnodes);
	for (i = 0; i < a->g.nnodes; i++) {
		assert_int_equal(a->g.nodes[i].kind, b->g.nodes[i].kind);
		assert_string_equal(a->g.nodes[i].name, b->g.nodes[i].name);
		assert_string_equal(a->g.nodes[i].path, b->g.nodes[i].path);
	}
	assert_int_equal(a->g.nedges, b->g.nedges);
	for (i = 0; i < a->g.nedges; i++) {
		const struct gedge *ea = &a->g.edges[i], *eb = &b->g.edges[i];

		if (ea->from != eb->from || ea->to != eb->to || ea->kind != eb->kind ||
		    ea->sub != eb->sub)
			fail_msg("edge %zu: %u -> %u kind %u sub %u came back as %u -> %u kind %u "
				 "sub %u", i, ea->from, ea->to, ea->kind, ea->sub, eb->from, eb->to,
				 eb->kind, eb->sub);
		assert_null(eb->detail);
	}
	assert_false(b->g.finished);
}

/* ---- a workspace on disk, built as impact builds it ---- */

struct fixture {
	char *dir;
	int rootfd;
	struct arena arena;
	struct cache cache;
	struct config cfg;        /* with products */
	struct config plain;      /* without relgate.json: every package is a product */
	struct head_graph h;      /* built with cfg */
	struct head_graph hp;     /* built with plain */
	char *snap, *snap_plain;
	struct buf bytes;         /* the snapshot of h */
	int probe_status;         /* how a child that loaded the snapshot ended */
};

/*
 * Loading a good snapshot must not end the process (under UBSan, undefined
 * behaviour does, as a reader set up from a NULL pointer once did): a
 * child tries first, so that every test can say so plainly.
 */
#define LOADER_CHECK(fx) do { \
	if ((fx)->probe_status) \
		fail_msg("snapshot_load() of a good snapshot ended the process (status 0x%x)", \
			 (unsigned)(fx)->probe_status); \
} while (0)

static char *web_inputs[] = {"apps/web/**"};
static char *global_inputs[] = {"tsconfig.base.json"};

static void make_config(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->path = "relgate.json";
	c->products_given = true;
	c->nproducts = 2;
	c->products = xcalloc(2, sizeof(*c->products));
	c->products[0].name = "web";
	c->products[0].package = "@acme/web";
	c->products[0].inputs.v = web_inputs;
	c->products[0].inputs.n = ARRAY_LEN(web_inputs);
	c->products[1].name = "ui-kit";
	c->products[1].package = "@acme/ui";
	c->global_inputs.v = global_inputs;
	c->global_inputs.n = ARRAY_LEN(global_inputs);
}

static void build_graph(struct fixture *fx, struct head_graph *h, const struct config *cfg)
{
	size_t i;

	memset(h, 0, sizeof(*h));
	assert_int_equal(filelist_from_walk(&h->list, fx->rootfd, &fx->arena), 0);
	/* blob ids for some of the files, as a tree from git has them */
	for (i = 0; i < h->list.n; i += 2) {
		struct wsfile *f = &h->list.files[i];

		struct buf text = BUF_INIT;

		if (f->symlink)
			continue;
		assert_int_equal(read_file_at(fx->rootfd, f->path, &text, 0), 0);
		assert_int_equal(git_odb_hash(&f->oid, text.data, text.len, GIT_OBJECT_BLOB), 0);
		f->has_oid = true;
		buf_release(&text);
	}
	assert_int_equal(head_graph_load(h, cfg, &fx->cache, &fx->arena), 0);
	assert_int_equal(head_graph_connect(h, cfg, &fx->cache, true, &fx->arena), 0);
}

static int fixture_setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	unsigned char key[SNAPSHOT_KEY_SIZE];
	bool kinds[EDGE_ROOT_DEPENDENCY + 1] = {false};
	size_t i;

	fx->dir = scratch_dir();
	put(fx->dir, "package.json",
	    "{\"name\": \"acme\", \"private\": true, \"workspaces\": [\"apps/*\", \"packages/*\"]}\n");
	put(fx->dir, "package-lock.json", "{\"lockfileVersion\": 3, \"packages\": {}}\n");
	put(fx->dir, "tsconfig.base.json", "{}\n");
	put(fx->dir, "apps/web/package.json",
	    "{\"name\": \"@acme/web\", \"dependencies\": {\"@acme/ui\": \"*\"},"
	    " \"devDependencies\": {\"@acme/tools\": \"*\"}}\n");
	put(fx->dir, "apps/web/src/index.js",
	    "import { button } from '@acme/ui';\nimport { u } from './util.js';\n"
	    "import './style.css';\nexport default button + u;\n");
	put(fx->dir, "apps/web/src/util.js", "export const u = 1;\n");
	put(fx->dir, "apps/web/src/style.css", "@import './base.css';\n");
	put(fx->dir, "apps/web/src/base.css", "body { margin: 0; }\n");
	put(fx->dir, "packages/ui/package.json", "{\"name\": \"@acme/ui\", \"main\": \"src/index.js\"}\n");
	put(fx->dir, "packages/ui/src/index.js", "export const button = 1;\n");
	put(fx->dir, "packages/tools/package.json", "{\"name\": \"@acme/tools\"}\n");
	put(fx->dir, "packages/tools/index.ts", "export const t: number = 1;\n");
	put(fx->dir, "docs/guide.md", "# Guide\n");
	{
		char *link = xasprintf("%s/docs/link.md", fx->dir);

		assert_int_equal(symlink("guide.md", link), 0);
		free(link);
	}
	fx->rootfd = open(fx->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fx->rootfd >= 0);
	cache_disable(&fx->cache);
	make_config(&fx->cfg);
	config_defaults(&fx->plain);
	build_graph(fx, &fx->h, &fx->cfg);
	build_graph(fx, &fx->hp, &fx->plain);

	/* the workspace is what it should be, or the rest proves little */
	assert_int_equal(fx->h.ws.npkgs, 4);
	assert_int_equal(fx->h.nproducts, 2);
	assert_int_equal(fx->hp.nproducts, 3);
	assert_string_equal(fx->h.ws.manager, "npm");
	assert_non_null(fx->h.ws.lockfile);
	for (i = 0; i < fx->h.g.nedges; i++)
		kinds[fx->h.g.edges[i].kind] = true;
	assert_true(kinds[EDGE_OWNS]);
	assert_true(kinds[EDGE_DEPENDENCY]);
	assert_true(kinds[EDGE_IMPORT]);
	assert_true(kinds[EDGE_INPUT]);
	assert_true(kinds[EDGE_GLOBAL_INPUT]);
	assert_true(kinds[EDGE_PRODUCT]);
	for (i = 0; i < fx->h.list.n && !fx->h.list.files[i].symlink; i++)
		;
	assert_true(i < fx->h.list.n);

	fx->snap = xasprintf("%s/.relgate/cache/graph-v1", fx->dir);
	fx->snap_plain = xasprintf("%s/.relgate/cache/graph-plain", fx->dir);
	key_of(key, 1);
	snapshot_save(&fx->h, &fx->cfg, fx->snap, key);
	snapshot_save(&fx->hp, &fx->plain, fx->snap_plain, key);
	read_all(fx->snap, &fx->bytes);
	assert_true(fx->bytes.len > 8 + SNAPSHOT_KEY_SIZE + 4);
	assert_memory_equal(fx->bytes.data, "RGSNAP01", 8);
	{
		pid_t pid;
		int status;

		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct head_graph h;

			memset(&h, 0, sizeof(h));
			_exit(snapshot_load(&h, &fx->cfg, fx->snap, key) ? 0 : 2);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		fx->probe_status = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 :
				   status ? status : -1;
	}
	*state = fx;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *fx = *state;

	head_graph_release(&fx->h);
	head_graph_release(&fx->hp);
	cache_close(&fx->cache);
	arena_free(&fx->arena);
	free(fx->cfg.products);
	config_release(&fx->plain);
	close(fx->rootfd);
	free(fx->snap);
	free(fx->snap_plain);
	buf_release(&fx->bytes);
	remove_dir(fx->dir);
	free(fx);
	return 0;
}

/* ---- tests ---- */

static void round_trip(void **state)
{
	struct fixture *fx = *state;
	unsigned char key[SNAPSHOT_KEY_SIZE];
	struct head_graph h;

	LOADER_CHECK(fx);
	key_of(key, 1);
	memset(&h, 0, sizeof(h));
	assert_true(snapshot_load(&h, &fx->cfg, fx->snap, key));
	assert_same_graph(&fx->h, &h);
	assert_consistent(&h, &fx->cfg);
	/* the products point into the configuration given */
	assert_ptr_equal(h.products[0].cfg, &fx->cfg.products[0]);
	assert_ptr_equal(h.products[1].cfg, &fx->cfg.products[1]);
	/* the loaded tree answers lookups */
	assert_non_null(filelist_find(&h.list, "apps/web/src/index.js"));
	assert_non_null(filelist_find(&h.list, "docs/link.md"));
	assert_null(filelist_find(&h.list, "apps/web/src/nothing.js"));
	assert_ptr_equal(workspace_owner(&h.ws, "apps/web/src/util.js"),
			 workspace_package(&h.ws, "@acme/web", strlen("@acme/web")));
	head_graph_release(&h);

	/* saved again, the same bytes */
	{
		char *again = xasprintf("%s/again", fx->dir);
		struct buf b = BUF_INIT;

		memset(&h, 0, sizeof(h));
		assert_true(snapshot_load(&h, &fx->cfg, fx->snap, key));
		snapshot_save(&h, &fx->cfg, again, key);
		read_all(again, &b);
		assert_int_equal(b.len, fx->bytes.len);
		assert_memory_equal(b.data, fx->bytes.data, b.len);
		head_graph_release(&h);
		buf_release(&b);
		unlink(again);
		free(again);
	}
}

/* Products without relgate.json point into no configuration. */
static void round_trip_without_config(void **state)
{
	struct fixture *fx = *state;
	unsigned char key[SNAPSHOT_KEY_SIZE];
	struct head_graph h;
	size_t i;

	LOADER_CHECK(fx);
	key_of(key, 1);
	memset(&h, 0, sizeof(h));
	assert_true(snapshot_load(&h, &fx->plain, fx->snap_plain, key));
	assert_same_graph(&fx->hp, &h);
	for (i = 0; i < h.nproducts; i++)
		assert_null(h.products[i].cfg);
	head_graph_release(&h);
}

/* A graph made by hand: no lockfile, every edge kind, every sub value. */
static void round_trip_by_hand(void **state)
{
	struct fixture *fx = *state;
	static const char *const paths[] = {"a.js", "b/c.ts", "d.css", "README", "x/y/z.scss"};
	unsigned char key[SNAPSHOT_KEY_SIZE];
	struct arena a = ARENA_INIT;
	struct head_graph h, back;
	char *path;
	size_t i;
	uint32_t e;

	LOADER_CHECK(fx);
	path = xasprintf("%s/by-hand", fx->dir);
	memset(&h, 0, sizeof(h));
	for (i = 0; i < ARRAY_LEN(paths); i++) {
		struct wsfile *f = filelist_add(&h.list, paths[i], &a);

		f->has_oid = i % 2 == 0;
		if (f->has_oid)
			memset(f->oid.id, (int)(0x11 * (i + 1)), GIT_OID_RAWSZ);
		f->symlink = i == 3;
	}
	filelist_add_static(&h.list, "static/lang-set", 3);
	h.ws.npkgs = 3;
	h.ws.pkgs = xcalloc(3, sizeof(*h.ws.pkgs));
	strmap_init(&h.ws.by_name, 3);
	strmap_init(&h.ws.by_dir, 3);
	h.ws.pkgs[0] = (struct package){.name = "(root)", .dir = "", .is_root = true};
	h.ws.pkgs[1] = (struct package){.name = "alpha", .dir = "b"};
	h.ws.pkgs[2] = (struct package){.name = "beta", .dir = "x/y"};
	for (i = 0; i < 3; i++) {
		strmap_put(&h.ws.by_name, h.ws.pkgs[i].name, strlen(h.ws.pkgs[i].name))->value =
			(void *)(uintptr_t)(i + 1);
		strmap_put(&h.ws.by_dir, h.ws.pkgs[i].dir, strlen(h.ws.pkgs[i].dir))->value =
			(void *)(uintptr_t)(i + 1);
	}
	h.ws.manager = "none";
	h.ws.lockfile = NULL;
	h.nproducts = 2;
	h.products = xcalloc(2, sizeof(*h.products));
	h.products[0] = (struct impact_product){.name = "web", .cfg = &fx->cfg.products[0],
						.pkg = &h.ws.pkgs[2]};
	h.products[1] = (struct impact_product){.name = "ui-kit", .cfg = &fx->cfg.products[1],
						.pkg = &h.ws.pkgs[1]};
	head_graph_add_nodes(&h);
	assert_int_equal(h.g.nnodes, 6 + 3 + 2);
	for (e = 0; e < 256; e++)
		graph_add_edge(&h.g, e % (uint32_t)h.g.nnodes, (e * 7 + 3) % (uint32_t)h.g.nnodes,
			       (enum edge_kind)(e % (EDGE_ROOT_DEPENDENCY + 1)), (uint8_t)e, NULL);

	/* the warnings its making printed come back with it */
	h.warnings_len = sizeof("a.js: binary content\0second\0") - 1;
	h.warnings = xmalloc(h.warnings_len);
	memcpy(h.warnings, "a.js: binary content\0second\0", h.warnings_len);

	key_of(key, 9);
	snapshot_save(&h, &fx->cfg, path, key);
	memset(&back, 0, sizeof(back));
	assert_true(snapshot_load(&back, &fx->cfg, path, key));
	assert_same_graph(&h, &back);
	assert_int_equal(back.warnings_len, h.warnings_len);
	assert_memory_equal(back.warnings, h.warnings, h.warnings_len);
	assert_null(back.ws.lockfile);
	head_graph_release(&back);
	head_graph_release(&h);
	arena_free(&a);
	unlink(path);
	free(path);
}

static void other_key_not_found(void **state)
{
	struct fixture *fx = *state;
	unsigned char key[SNAPSHOT_KEY_SIZE];
	struct head_graph h;
	size_t i;

	LOADER_CHECK(fx);
	for (i = 0; i < SNAPSHOT_KEY_SIZE; i++) {
		key_of(key, 1);
		key[i] ^= 0x01;
		memset(&h, 0, sizeof(h));
		assert_false(snapshot_load(&h, &fx->cfg, fx->snap, key));
		assert_empty(&h, "another key", i);
	}
	key_of(key, 2);
	memset(&h, 0, sizeof(h));
	assert_false(snapshot_load(&h, &fx->cfg, fx->snap, key));
	assert_empty(&h, "another key", 0);

	/* no file at all */
	{
		char *missing = xasprintf("%s/no-such-snapshot", fx->dir);

		key_of(key, 1);
		memset(&h, 0, sizeof(h));
		assert_false(snapshot_load(&h, &fx->cfg, missing, key));
		assert_empty(&h, "a missing file", 0);
		free(missing);
		/* a folder in its place */
		memset(&h, 0, sizeof(h));
		assert_false(snapshot_load(&h, &fx->cfg, fx->dir, key));
		assert_empty(&h, "a folder", 0);
	}
}

/* The configuration the key was made with has the products; one with fewer is refused. */
static void config_with_fewer_products(void **state)
{
	struct fixture *fx = *state;
	unsigned char key[SNAPSHOT_KEY_SIZE];
	struct config fewer = fx->cfg;
	struct head_graph h;

	LOADER_CHECK(fx);
	fewer.nproducts = 1;
	key_of(key, 1);
	memset(&h, 0, sizeof(h));
	diag_set_routine(count_message, NULL);
	assert_false(snapshot_load(&h, &fewer, fx->snap, key));
	diag_set_routine(NULL, NULL);
	assert_empty(&h, "a configuration with fewer products", 0);
}

/* Load one damaged copy; refused means empty, accepted means consistent. */
static bool load_damaged(struct fixture *fx, const char *path, const void *data, size_t len,
			 const char *what, size_t at)
{
	unsigned char key[SNAPSHOT_KEY_SIZE];
	struct head_graph h;
	bool ok;

	key_of(key, 1);
	put_bytes(path, data, len);
	memset(&h, 0, sizeof(h));
	ok = snapshot_load(&h, &fx->cfg, path, key);
	if (ok)
		assert_consistent(&h, &fx->cfg);
	else
		assert_empty(&h, what, at);
	head_graph_release(&h);
	return ok;
}

static void truncated_at_every_length(void **state)
{
	struct fixture *fx = *state;
	char *path;
	unsigned char *copy;
	size_t len;

	LOADER_CHECK(fx);
	path = xasprintf("%s/damaged", fx->dir);
	copy = xmalloc(fx->bytes.len);
	diag_set_routine(count_message, NULL);
	for (len = 0; len < fx->bytes.len; len++) {
		if (load_damaged(fx, path, fx->bytes.data, len, "truncated", len))
			fail_msg("a snapshot truncated to %zu of %zu bytes was trusted", len,
				 fx->bytes.len);
		/* the same, with a checksum made to match what is left */
		memcpy(copy, fx->bytes.data, len);
		if (len >= 8 + SNAPSHOT_KEY_SIZE + 4)
			fix_checksum(copy, len);
		if (load_damaged(fx, path, copy, len, "truncated, checksum fixed", len))
			fail_msg("a snapshot truncated to %zu of %zu bytes (checksum fixed) was "
				 "trusted", len, fx->bytes.len);
	}
	/* a byte too many */
	memcpy(copy, fx->bytes.data, fx->bytes.len);
	{
		struct buf longer = BUF_INIT;

		buf_add(&longer, fx->bytes.data, fx->bytes.len);
		buf_addc(&longer, 0);
		if (load_damaged(fx, path, longer.data, longer.len, "longer", longer.len))
			fail_msg("a snapshot with a byte appended was trusted");
		fix_checksum((unsigned char *)longer.data, longer.len);
		if (load_damaged(fx, path, longer.data, longer.len, "longer, checksum fixed",
				 longer.len))
			fail_msg("a snapshot with a byte appended (checksum fixed) was trusted");
		buf_release(&longer);
	}
	diag_set_routine(NULL, NULL);
	unlink(path);
	free(copy);
	free(path);
}

static void bytes_flipped_anywhere(void **state)
{
	struct fixture *fx = *state;
	static const unsigned char masks[] = {0x01, 0x80, 0xff, 0x7f};
	char *path;
	unsigned char *copy;
	size_t pos, m, accepted = 0, tried = 0;

	LOADER_CHECK(fx);
	path = xasprintf("%s/damaged", fx->dir);
	copy = xmalloc(fx->bytes.len);
	diag_set_routine(count_message, NULL);
	for (pos = 0; pos < fx->bytes.len; pos++) {
		for (m = 0; m < ARRAY_LEN(masks); m++) {
			memcpy(copy, fx->bytes.data, fx->bytes.len);
			copy[pos] ^= masks[m];
			if (load_damaged(fx, path, copy, fx->bytes.len, "a flipped byte", pos))
				fail_msg("a snapshot with byte %zu of %zu flipped (^0x%02x) was trusted",
					 pos, fx->bytes.len, masks[m]);
			/*
			 * With its checksum made to match, the file is as good as a real
			 * one to the loader: it may take it, but it must never crash or
			 * let anything point outside of the graph.
			 */
			if (pos < 8 + SNAPSHOT_KEY_SIZE || pos >= fx->bytes.len - 4)
				continue;
			fix_checksum(copy, fx->bytes.len);
			accepted += load_damaged(fx, path, copy, fx->bytes.len,
						 "a flipped byte, checksum fixed", pos);
			tried++;
		}
	}
	diag_set_routine(NULL, NULL);
	print_message("# %zu of %zu flips with a matching checksum were still a valid graph\n",
		      accepted, tried);
	assert_true(accepted < tried);
	unlink(path);
	free(copy);
	free(path);
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void garbage(void **state)
{
	struct fixture *fx = *state;
	char *path;
	size_t max = fx->bytes.len * 2 + 64, round, i;
	unsigned char *data;
	unsigned char key[SNAPSHOT_KEY_SIZE];

	LOADER_CHECK(fx);
	path = xasprintf("%s/damaged", fx->dir);
	data = xmalloc(max);
	key_of(key, 1);
	diag_set_routine(count_message, NULL);
	for (round = 0; round < 3000; round++) {
		size_t len = rng() % max;
		int style = (int)(round % 4);

		for (i = 0; i < len; i++)
			data[i] = style == 3 ? (unsigned char)(rng() % 4) : (unsigned char)rng();
		/* plain garbage, or garbage behind a real header, with a matching checksum */
		if (style >= 1 && len >= 8 + SNAPSHOT_KEY_SIZE + 4) {
			memcpy(data, "RGSNAP01", 8);
			memcpy(data + 8, key, SNAPSHOT_KEY_SIZE);
			if (style >= 2)
				fix_checksum(data, len);
		}
		if (load_damaged(fx, path, data, len, "garbage", round) && style < 2)
			fail_msg("garbage of %zu bytes (round %zu) was trusted", len, round);
	}
	/* a real prefix, the rest garbage, the checksum matching */
	for (round = 0; round < 500; round++) {
		size_t cut = 8 + SNAPSHOT_KEY_SIZE + rng() % (fx->bytes.len - 8 - SNAPSHOT_KEY_SIZE);
		size_t len = cut + rng() % 64 + 4;

		memcpy(data, fx->bytes.data, cut);
		for (i = cut; i < len; i++)
			data[i] = (unsigned char)rng();
		fix_checksum(data, len);
		load_damaged(fx, path, data, len, "a prefix and garbage", round);
	}
	/* all zeros, all ones, behind the header */
	for (round = 0; round < 2; round++) {
		size_t len = fx->bytes.len;

		memset(data, round ? 0xff : 0, len);
		memcpy(data, "RGSNAP01", 8);
		memcpy(data + 8, key, SNAPSHOT_KEY_SIZE);
		fix_checksum(data, len);
		if (load_damaged(fx, path, data, len, round ? "all ones" : "all zeros", 0))
			fail_msg("a snapshot of %s was trusted", round ? "all ones" : "all zeros");
	}
	diag_set_routine(NULL, NULL);
	unlink(path);
	free(data);
	free(path);
}

/* A damaged file that gets past the header is said to be damaged. */
static void damage_is_warned(void **state)
{
	struct fixture *fx = *state;
	char *path;
	unsigned char *copy;

	LOADER_CHECK(fx);
	path = xasprintf("%s/damaged", fx->dir);
	copy = xmalloc(fx->bytes.len);
	memcpy(copy, fx->bytes.data, fx->bytes.len);
	copy[fx->bytes.len / 2] ^= 0x40;
	warnings_seen = 0;
	diag_set_routine(count_message, NULL);
	assert_false(load_damaged(fx, path, copy, fx->bytes.len, "a flipped byte", 0));
	diag_set_routine(NULL, NULL);
	assert_int_equal(warnings_seen, 1);
	unlink(path);
	free(copy);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(round_trip_without_config),
		cmocka_unit_test(round_trip_by_hand),
		cmocka_unit_test(other_key_not_found),
		cmocka_unit_test(config_with_fewer_products),
		cmocka_unit_test(truncated_at_every_length),
		cmocka_unit_test(bytes_flipped_anywhere),
		cmocka_unit_test(garbage),
		cmocka_unit_test(damage_is_warned),
	};
	int failed;

	git_libgit2_init();
	failed = cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
	git_libgit2_shutdown();
	return failed;
}
