/*
 * yarnlock: yarn 2+'s lockfile through yamldoc.  Each top-level key lists
 * the descriptors an entry serves ("a@npm:^1.0.0, a@npm:^1.2.0"), so the
 * descriptors are indexed once; workspace entries are found by their
 * resolution's "@workspace:<folder>".
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "analyze/lockentry.h"
#include "analyze/yarn1lock.h"
#include "analyze/yarnlock.h"
#include "lib/diag.h"
#include "lib/yamldoc.h"

struct lock {
	struct ydoc y;
	struct strmap by_descriptor;   /* "lodash@npm:^4.17.21" -> entry node */
	struct strmap by_workspace;    /* "packages/a" -> the workspace's entry node */
};

static void index_entries(struct lock *l, const yaml_node_t *root, struct arena *a)
{
	yaml_node_pair_t *p;

	strmap_init(&l->by_descriptor, (size_t)(root->data.mapping.pairs.top -
						 root->data.mapping.pairs.start) * 2);
	strmap_init(&l->by_workspace, 16);
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		const char *keys = ydoc_scalar(ydoc_node(&l->y, p->key)), *k, *res, *ws;
		yaml_node_t *entry = ydoc_node(&l->y, p->value);

		if (!keys || !strcmp(keys, "__metadata") || !entry)
			continue;
		for (k = keys; *k;) {
			size_t n = strcspn(k, ",");
			const char *d = arena_strndup(a, k, n);

			strmap_put(&l->by_descriptor, d, strlen(d))->value = entry;
			k += n;
			while (*k == ',' || *k == ' ')
				k++;
		}
		res = ydoc_scalar(ydoc_get(&l->y, entry, "resolution"));
		if (res && (ws = strstr(res, "@workspace:")))
			strmap_put(&l->by_workspace, ws + 11, strlen(ws + 11))->value = entry;
	}
}

static void closure(struct lock *l, const yaml_node_t *start, const struct config *ignore,
		    struct strmap *out, struct arena *a)
{
	static const char *const fields[] = {"dependencies", "optionalDependencies"};
	const yaml_node_t **stack = NULL;
	size_t n = 0, cap = 0, i;
	struct buf b = BUF_INIT;

	GROW(stack, n + 1, cap);
	stack[n++] = start;
	while (n) {
		const yaml_node_t *entry = stack[--n];
		bool top = entry == start;

		for (i = 0; i < ARRAY_LEN(fields); i++) {
			const yaml_node_t *deps = ydoc_get(&l->y, entry, fields[i]);
			yaml_node_pair_t *p;

			if (!deps || deps->type != YAML_MAPPING_NODE)
				continue;
			for (p = deps->data.mapping.pairs.start; p < deps->data.mapping.pairs.top; p++) {
				const char *name = ydoc_scalar(ydoc_node(&l->y, p->key));
				const char *range = ydoc_scalar(ydoc_node(&l->y, p->value));
				yaml_node_t *dep;
				const char *key, *version, *res, *sum;

				/* a workspace package: its own changes reach by manifest edges */
				if (!name || !range || !strncmp(range, "workspace:", 10))
					continue;
				if (top && ignore && config_ignores_root_dep(ignore, name))
					continue;
				buf_reset(&b);
				buf_addf(&b, "%s@%s", name, range);
				if (strmap_get(out, b.data, b.len))
					continue;
				dep = strmap_get(&l->by_descriptor, b.data, b.len);
				version = ydoc_scalar(ydoc_get(&l->y, dep, "version"));
				res = ydoc_scalar(ydoc_get(&l->y, dep, "resolution"));
				sum = ydoc_scalar(ydoc_get(&l->y, dep, "checksum"));
				key = arena_strdup(a, b.data);
				strmap_put(out, key, strlen(key))->value =
					(void *)lock_entry(a, name, "", version ? version : range, sum,
							   res ? res : key);
				if (dep && (!res || !strstr(res, "@workspace:"))) {
					GROW(stack, n + 1, cap);
					stack[n++] = dep;
				}
			}
		}
	}
	free(stack);
	buf_release(&b);
}

int yarnlock_closures(const char *name, const char *note, const char *text, size_t len,
		      const struct workspace *ws, const struct config *cfg, struct strmap *out,
		      struct arena *a, char **fallback)
{
	struct lock l;
	size_t i;

	memset(&l, 0, sizeof(l));
	/* yarn 1's format is no YAML, and has a reader of its own */
	if (!memmem(text, len, "__metadata:", strlen("__metadata:")))
		return yarn1lock_closures(name, note, text, len, ws, cfg, out, a);
	if (ydoc_load(&l.y, name, note, text, len) < 0) {
		ydoc_free(&l.y);
		return -1;
	}
	if (!l.y.root || l.y.root->type != YAML_MAPPING_NODE) {
		if (!*fallback)
			*fallback = xasprintf("%s is not a yarn lockfile", name);
		ydoc_free(&l.y);
		return 0;
	}
	index_entries(&l, l.y.root, a);
	for (i = 0; i < ws->npkgs; i++) {
		const char *dir = *ws->pkgs[i].dir ? ws->pkgs[i].dir : ".";
		const yaml_node_t *start = strmap_get(&l.by_workspace, dir, strlen(dir));

		if (start)
			closure(&l, start, ws->pkgs[i].is_root ? cfg : NULL, &out[i], a);
	}
	strmap_free(&l.by_descriptor);
	strmap_free(&l.by_workspace);
	ydoc_free(&l.y);
	return 0;
}
