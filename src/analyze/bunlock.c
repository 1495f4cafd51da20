/*
 * bunlock: per-package closures over bun.lock's "packages" map, with
 * Node's lookup rules (the nearest enclosing package first).
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/bunlock.h"
#include "analyze/lockentry.h"
#include "lib/diag.h"
#include "lib/jsonfile.h"
#include "lib/util.h"

/* The lockfile versions whose layout this reader knows. */
#define BUNLOCK_MAX_VERSION 1

static const char *const dep_fields[] = {
	"dependencies", "optionalDependencies", "peerDependencies", "devDependencies",
};

/*
 * The length of the parent of the key key[0..len), or 0 for a top-level
 * one: a key is package names joined by "/", a scoped name ("@s/x") taking
 * two parts.  "a/b" -> "a", "@s/a/b" -> "@s/a", "a/@s/b" -> "a", "@s/a" -> none.
 */
static size_t key_parent_len(const char *key, size_t len)
{
	size_t at = 0, last = 0;

	while (at < len) {
		const char *slash = memchr(key + at, '/', len - at);

		/* a scoped name goes on past its first slash */
		if (slash && key[at] == '@')
			slash = memchr(slash + 1, '/', len - (size_t)(slash + 1 - key));
		if (!slash)
			break;
		last = (size_t)(slash - key) + 1;
		at = last;
	}
	return last ? last - 1 : 0;
}

/*
 * The key that dependency name resolves to when the package at from[0..len)
 * asks (for a workspace package, from is its name: bun keeps what only it
 * installs under that name), or NULL when the lockfile has none.
 */
static const char *find_dep(json_t *packages, const char *from, size_t len, const char *name,
			    struct buf *b)
{
	for (;;) {
		buf_reset(b);
		if (len)
			buf_addf(b, "%.*s/%s", (int)len, from, name);
		else
			buf_adds(b, name);
		if (json_object_get(packages, b->data))
			return b->data;
		if (!len)
			return NULL;
		len = key_parent_len(from, len);
	}
}

/*
 * An entry is an array: its ident ("name@version", "name@github:u/r#sha",
 * "name@workspace:packages/x") first, then, by kind of source, a registry
 * or tarball, an object of dependencies, an integrity.  The object is the
 * first one found; every other string says which bytes these are.
 */
static json_t *entry_info(json_t *entry)
{
	size_t i;

	for (i = 1; i < json_array_size(entry); i++)
		if (json_is_object(json_array_get(entry, i)))
			return json_array_get(entry, i);
	return NULL;
}

/* The strings of entry after its ident, and its patch, joined: what its bytes are. */
static char *entry_bytes(json_t *entry, json_t *patched)
{
	const char *ident = json_string_value(json_array_get(entry, 0));
	const char *patch = ident ? json_string_value(json_object_get(patched, ident)) : NULL;
	struct buf b = BUF_INIT;
	size_t i;

	buf_init(&b);
	for (i = 1; i < json_array_size(entry); i++) {
		const char *s = json_string_value(json_array_get(entry, i));

		if (s)
			buf_addf(&b, "%s ", s);
	}
	if (patch)
		buf_addf(&b, "patch %s", patch);
	return buf_detach(&b, NULL);
}

/* The version part of an ident: "@s/x@1.0.0" -> "1.0.0"; "" without one. */
static const char *ident_version(const char *ident)
{
	const char *at = strchr(*ident == '@' ? ident + 1 : ident, '@');

	return at ? at + 1 : "";
}

struct walk {
	json_t *packages, *patched;
	struct strmap *out;
	struct arena *a;
	const char **stack;
	size_t n, cap;
	struct buf key;
};

/* Follow the dependencies in deps, asked from from[0..len). */
static void add_deps(struct walk *w, json_t *deps, const char *from, size_t len,
		     const struct config *ignore)
{
	const char *name;
	json_t *v;

	json_object_foreach(deps, name, v) {
		const char *key, *ident;
		json_t *entry;
		struct strmap_entry *e;
		char *keycopy, *bytes, *where;
		size_t plen;

		/* a root dependency no product's build uses (relgate.json) */
		if (ignore && config_ignores_root_dep(ignore, name))
			continue;
		key = find_dep(w->packages, from, len, name, &w->key);
		if (!key || strmap_get(w->out, key, strlen(key)))
			continue;
		entry = json_object_get(w->packages, key);
		ident = json_string_value(json_array_get(entry, 0));
		if (!ident || !strncmp(ident_version(ident), "workspace:", strlen("workspace:")))
			continue;
		keycopy = arena_strdup(w->a, key);
		e = strmap_put(w->out, keycopy, strlen(keycopy));
		plen = key_parent_len(keycopy, strlen(keycopy));
		where = xstrndup(keycopy, plen);
		bytes = entry_bytes(entry, w->patched);
		e->value = (void *)lock_entry(w->a, keycopy + (plen ? plen + 1 : 0), where,
					      ident_version(ident), bytes, NULL);
		free(bytes);
		free(where);
		GROW(w->stack, w->n + 1, w->cap);
		w->stack[w->n++] = keycopy;
	}
}

/*
 * Collect the external entries reachable from workspace package pkg into
 * out (lockfile key -> struct lock_entry *).  devDependencies count for
 * the workspace package itself only.
 */
static void closure(struct walk *w, json_t *workspaces, const struct package *pkg,
		    const struct config *ignore)
{
	json_t *top = json_object_get(workspaces, pkg->dir);
	const char *scope = pkg->is_root || !pkg->name ? "" : pkg->name;
	size_t k;

	w->n = 0;
	if (!json_is_object(top))
		return;
	for (k = 0; k < ARRAY_LEN(dep_fields); k++) {
		json_t *deps = json_object_get(top, dep_fields[k]);

		if (json_is_object(deps))
			add_deps(w, deps, scope, strlen(scope), ignore);
	}
	while (w->n) {
		const char *key = w->stack[--w->n];
		json_t *info = entry_info(json_object_get(w->packages, key));

		for (k = 0; info && k < ARRAY_LEN(dep_fields) - 1; k++) {
			json_t *deps = json_object_get(info, dep_fields[k]);

			if (json_is_object(deps))
				add_deps(w, deps, key, strlen(key), NULL);
		}
	}
}

int bunlock_closures(const char *name, const char *note, const char *text, size_t len,
		     const struct workspace *ws, const struct config *cfg, struct strmap *out,
		     struct arena *a, char **fallback)
{
	char *copy = xmalloc(len + 1), *label;
	json_t *root, *version, *workspaces;
	struct walk w = {0};
	size_t i;

	/* bun writes trailing commas; they become spaces, so positions hold */
	memcpy(copy, text, len);
	copy[len] = '\0';
	jsonfile_strip_jsonc(copy, len);
	root = jsonfile_parse_note(name, note, copy, len, 0);
	free(copy);
	if (!root)
		return fault(FAULT_INPUT);
	label = note ? xasprintf("%s (%s)", name, note) : xstrdup(name);
	version = json_object_get(root, "lockfileVersion");
	workspaces = json_object_get(root, "workspaces");
	w.packages = json_object_get(root, "packages");
	w.patched = json_object_get(root, "patchedDependencies");
	if (!json_is_integer(version) || json_integer_value(version) < 0 ||
	    json_integer_value(version) > BUNLOCK_MAX_VERSION) {
		if (!*fallback)
			*fallback = json_is_integer(version)
				? xasprintf("%s is lockfileVersion %lld, which relgate does not "
					    "know", label, (long long)json_integer_value(version))
				: xasprintf("%s has no lockfileVersion", label);
	} else if (!json_is_object(w.packages) || !json_is_object(workspaces)) {
		if (!*fallback)
			*fallback = xasprintf("%s has no \"packages\" or \"workspaces\" object", label);
	} else {
		buf_init(&w.key);
		w.a = a;
		for (i = 0; i < ws->npkgs; i++) {
			w.out = &out[i];
			closure(&w, workspaces, &ws->pkgs[i], ws->pkgs[i].is_root ? cfg : NULL);
		}
		buf_release(&w.key);
		free(w.stack);
	}
	free(label);
	json_decref(root);
	return 0;
}
