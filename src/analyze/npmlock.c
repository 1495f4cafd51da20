/*
 * npmlock: per-package closures over package-lock.json's "packages" map,
 * with Node's lookup rules (nearest node_modules first).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/jsonfile.h"
#include "analyze/lockentry.h"
#include "analyze/npmlock.h"
#include "lib/util.h"

static const char *const dep_fields[] = {
	"dependencies", "optionalDependencies", "peerDependencies", "devDependencies",
};

/* The lockfile key that name resolves to from location loc, or NULL. */
static const char *find_dep(json_t *packages, const char *loc, const char *name, struct buf *b)
{
	char *dir = xstrdup(loc);

	for (;;) {
		char *slash;

		buf_reset(b);
		if (*dir)
			buf_addf(b, "%s/node_modules/%s", dir, name);
		else
			buf_addf(b, "node_modules/%s", name);
		if (json_object_get(packages, b->data)) {
			free(dir);
			return b->data;
		}
		if (!*dir)
			break;
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			*dir = '\0';
	}
	free(dir);
	return NULL;
}

static const char *str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

/* "node_modules/a/node_modules/@s/b" -> "@s/b" */
static const char *key_name(const char *key)
{
	const char *p = key, *last = key;

	while ((p = strstr(p, "node_modules/"))) {
		p += strlen("node_modules/");
		last = p;
	}
	return last;
}

/*
 * Where a nested entry is installed: "node_modules/a/node_modules/b" ->
 * "node_modules/a"; "" for a top-level one.
 */
static char *key_where(const char *key)
{
	const char *name = key_name(key);
	size_t n = (size_t)(name - key);

	if (n <= strlen("node_modules/"))
		return xstrdup("");
	n -= strlen("node_modules/") + 1;
	return xstrndup(key, n);
}

/*
 * Collect the external entries reachable from the workspace package at dir
 * into closure (lockfile key -> "version integrity").  Entries that link to
 * workspace packages end the walk: their changes travel by manifest edges.
 */
static void closure(json_t *packages, const char *dir, const struct workspace *ws,
		    const struct config *ignore, struct strmap *out, struct arena *a)
{
	const char **stack = NULL;
	size_t n = 0, cap = 0, k;
	struct buf b = BUF_INIT;

	GROW(stack, n + 1, cap);
	stack[n++] = dir;
	while (n) {
		const char *loc = stack[--n];
		json_t *entry = json_object_get(packages, loc);
		bool top = loc == dir;

		if (!json_is_object(entry))
			continue;
		for (k = 0; k < ARRAY_LEN(dep_fields); k++) {
			json_t *deps = json_object_get(entry, dep_fields[k]), *v;
			const char *name;

			/* devDependencies count for the workspace package itself only */
			if (!json_is_object(deps) || (k == 3 && !top))
				continue;
			json_object_foreach(deps, name, v) {
				const char *key = find_dep(packages, loc, name, &b);
				json_t *dep;
				struct strmap_entry *e;
				char *keycopy;

				/* a root dependency no product's build uses (relgate.json) */
				if (!key || (ignore && top && config_ignores_root_dep(ignore, name)))
					continue;
				dep = json_object_get(packages, key);
				if (json_is_true(json_object_get(dep, "link"))) {
					const char *target = str(dep, "resolved");

					if (strmap_get(&ws->by_dir, target, strlen(target)))
						continue;
					key = target;
					dep = json_object_get(packages, key);
					if (!dep)
						continue;
				}
				if (strmap_get(out, key, strlen(key)))
					continue;
				keycopy = arena_strdup(a, key);
				e = strmap_put(out, keycopy, strlen(keycopy));
				{
					char *where = key_where(key);

					e->value = (void *)lock_entry(a, key_name(key), where,
							      str(dep, "version"), str(dep, "integrity"),
							      str(dep, "resolved"));
					free(where);
				}
				GROW(stack, n + 1, cap);
				stack[n++] = keycopy;
			}
		}
	}
	free(stack);
	buf_release(&b);
}

int npmlock_closures(const char *name, const char *note, const char *text, size_t len,
		     const struct workspace *ws, const struct config *cfg, struct strmap *out,
		     struct arena *a, char **fallback)
{
	json_t *root, *version, *packages;
	char *label;
	size_t i;

	root = jsonfile_parse_note(name, note, text, len, 0);
	if (!root)
		return fault(FAULT_INPUT);
	label = note ? xasprintf("%s (%s)", name, note) : xstrdup(name);
	version = json_object_get(root, "lockfileVersion");
	packages = json_object_get(root, "packages");
	if (!json_is_integer(version) || json_integer_value(version) < 2) {
		if (!*fallback)
			*fallback = xasprintf("%s is lockfileVersion %s, which has no per-package "
					      "entries", label,
					      json_is_integer(version) ? "1" : "unknown");
	} else if (!json_is_object(packages)) {
		if (!*fallback)
			*fallback = xasprintf("%s has no \"packages\" object", label);
	} else {
		for (i = 0; i < ws->npkgs; i++)
			closure(packages, ws->pkgs[i].dir, ws, ws->pkgs[i].is_root ? cfg : NULL,
				&out[i], a);
	}
	free(label);
	json_decref(root);
	return 0;
}
