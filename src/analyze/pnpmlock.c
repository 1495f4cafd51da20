/*
 * pnpmlock: pnpm-lock.yaml read with libyaml's document API, its two large
 * maps (snapshots, packages) indexed once, each importer's closure walked
 * with a stack.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "analyze/lockentry.h"
#include "analyze/pnpmlock.h"
#include "lib/diag.h"
#include "lib/yamldoc.h"
#include "lib/util.h"

struct lock {
	struct ydoc y;
	struct strmap snapshots;   /* key -> yaml_node_t * (v9) */
	struct strmap packages;    /* key -> yaml_node_t * */
	yaml_node_t *importers;
	struct strmap by_importer;   /* "packages/a" -> its importer node */
	yaml_node_t *root;
};

static yaml_node_t *node(struct lock *l, int id)
{
	return ydoc_node(&l->y, id);
}

static const char *scalar(const yaml_node_t *n)
{
	return ydoc_scalar(n);
}

static yaml_node_t *get(struct lock *l, const yaml_node_t *m, const char *key)
{
	return ydoc_get(&l->y, m, key);
}

/* The resolved version of an importer's dependency: {version: ...} (v6, v9) or a string (v5). */
static const char *importer_version(struct lock *l, const yaml_node_t *v)
{
	return v && v->type == YAML_MAPPING_NODE ? scalar(get(l, v, "version")) : scalar(v);
}

/*
 * The key of name at version ver: "name@ver", or ver itself when it names
 * another package, as an alias does ("string-width-cjs" at
 * "string-width@4.2.3").
 */
static void entry_key(const char *name, const char *ver, struct buf *b)
{
	size_t vlen = strcspn(ver, "(");
	const char *at = vlen > 1 ? memchr(ver + 1, '@', vlen - 1) : NULL;
	const char *colon = memchr(ver, ':', vlen);

	buf_reset(b);
	if (at && (!colon || colon > at))
		buf_adds(b, ver);
	else
		buf_addf(b, "%s@%s", name, ver);
}

/*
 * The nodes of an entry: where its dependencies are (snapshots in v9, the
 * package itself in v5 and v6) and where its resolution is (packages,
 * keyed "name@version" in v9, "/name@version" in v6, "/name/version" in v5).
 */
static void find_entry(struct lock *l, const char *key, yaml_node_t **deps, yaml_node_t **pkg)
{
	size_t base = strcspn(key, "(");
	const char *at = base > 1 ? memrchr(key + 1, '@', base - 1) : NULL;
	struct buf k = BUF_INIT;

	*deps = strmap_get(&l->snapshots, key, strlen(key));
	*pkg = strmap_get(&l->packages, key, base);
	if (!*pkg) {
		buf_addf(&k, "/%s", key);
		*pkg = strmap_get(&l->packages, k.data, k.len);
	}
	if (!*pkg && at) {
		buf_reset(&k);
		buf_addf(&k, "/%.*s/%s", (int)(at - key), key, at + 1);
		*pkg = strmap_get(&l->packages, k.data, k.len);
	}
	if (!*deps)
		*deps = *pkg;
	buf_release(&k);
}

/* Push the entries that deps names and out does not hold yet. */
static void add_deps(struct lock *l, const yaml_node_t *deps, const struct config *ignore,
		     yaml_node_t ***stack, size_t *n, size_t *cap, struct strmap *out,
		     struct arena *a, struct buf *b)
{
	yaml_node_pair_t *p;

	if (!deps || deps->type != YAML_MAPPING_NODE)
		return;
	for (p = deps->data.mapping.pairs.start; p < deps->data.mapping.pairs.top; p++) {
		const char *name = scalar(node(l, p->key));
		const char *ver = importer_version(l, node(l, p->value));
		yaml_node_t *next, *pkg, *res;
		const char *key, *source;
		char *plain;

		/* a workspace package: its own changes reach by manifest edges */
		if (!name || !ver || !strncmp(ver, "link:", 5))
			continue;
		/* a root dependency no product's build uses (relgate.json) */
		if (ignore && config_ignores_root_dep(ignore, name))
			continue;
		entry_key(name, ver, b);
		if (strmap_get(out, b->data, b->len))
			continue;
		find_entry(l, b->data, &next, &pkg);
		res = get(l, pkg, "resolution");
		source = scalar(get(l, res, "tarball"));
		if (!source)
			source = scalar(get(l, res, "commit"));
		plain = xstrndup(ver, strcspn(ver, "("));
		key = arena_strdup(a, b->data);
		/* the key carries the peers: a peer resolved anew is another entry */
		strmap_put(out, key, strlen(key))->value =
			(void *)lock_entry(a, name, "", plain, scalar(get(l, res, "integrity")),
					   source ? source : key);
		free(plain);
		if (next) {
			GROW(*stack, *n + 1, *cap);
			(*stack)[(*n)++] = next;
		}
	}
}

static void closure(struct lock *l, const yaml_node_t *importer, const struct config *ignore,
		    struct strmap *out, struct arena *a)
{
	static const char *const direct[] = {"dependencies", "optionalDependencies",
					     "devDependencies"};
	static const char *const transitive[] = {"dependencies", "optionalDependencies"};
	yaml_node_t **stack = NULL;
	size_t n = 0, cap = 0, i;
	struct buf b = BUF_INIT;

	for (i = 0; i < ARRAY_LEN(direct); i++)
		add_deps(l, get(l, importer, direct[i]), ignore, &stack, &n, &cap, out, a, &b);
	while (n) {
		yaml_node_t *entry = stack[--n];

		for (i = 0; i < ARRAY_LEN(transitive); i++)
			add_deps(l, get(l, entry, transitive[i]), NULL, &stack, &n, &cap, out, a, &b);
	}
	free(stack);
	buf_release(&b);
}

int pnpmlock_closures(const char *name, const char *note, const char *text, size_t len,
		      const struct workspace *ws, const struct config *cfg, struct strmap *out,
		      struct arena *a, char **fallback)
{
	struct lock l;
	const char *version;
	size_t i;

	memset(&l, 0, sizeof(l));
	if (ydoc_load(&l.y, name, note, text, len) < 0) {
		ydoc_free(&l.y);
		return -1;
	}
	l.root = l.y.root;
	version = scalar(get(&l, l.root, "lockfileVersion"));
	if (!l.root || l.root->type != YAML_MAPPING_NODE || !version) {
		if (!*fallback)
			*fallback = xasprintf("%s%s%s%s is not a pnpm lockfile (no lockfileVersion)",
					      name, note ? " (" : "", note ? note : "",
					      note ? ")" : "");
		ydoc_free(&l.y);
		return 0;
	}
	if (atof(version) < 5) {
		if (!*fallback)
			*fallback = xasprintf("%s is lockfileVersion %s, which relgate does not read "
					      "per package", name, version);
		ydoc_free(&l.y);
		return 0;
	}
	ydoc_index(&l.y, get(&l, l.root, "snapshots"), &l.snapshots);
	ydoc_index(&l.y, get(&l, l.root, "packages"), &l.packages);
	l.importers = get(&l, l.root, "importers");
	/* indexed: a scan per package would be quadratic in a workspace of thousands */
	ydoc_index(&l.y, l.importers, &l.by_importer);
	for (i = 0; i < ws->npkgs; i++) {
		const char *dir = *ws->pkgs[i].dir ? ws->pkgs[i].dir : ".";
		/* one package without importers: its dependencies are the root's */
		const yaml_node_t *imp = l.importers ? strmap_get(&l.by_importer, dir, strlen(dir)) :
					 ws->pkgs[i].is_root ? l.root : NULL;

		if (imp)
			closure(&l, imp, ws->pkgs[i].is_root ? cfg : NULL, &out[i], a);
	}
	strmap_free(&l.snapshots);
	strmap_free(&l.packages);
	strmap_free(&l.by_importer);
	ydoc_free(&l.y);
	return 0;
}
