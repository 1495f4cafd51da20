/*
 * npmlock: per-package closures over package-lock.json's "packages" map.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/jsonfile.h"
#include "analyze/npmlock.h"
#include "lib/util.h"

static const char *const dep_fields[] = {
	"dependencies", "optionalDependencies", "peerDependencies", "devDependencies",
};

struct side {
	json_t *root;
	json_t *packages;   /* NULL when the lockfile is absent */
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

/*
 * Collect the external entries reachable from the workspace package at dir
 * into closure (lockfile key -> "version integrity").  Entries that link to
 * workspace packages end the walk: their changes travel by manifest edges.
 */
static void closure(json_t *packages, const char *dir, const struct workspace *ws,
		    struct strmap *out, struct arena *a)
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

				if (!key)
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
					char *val = xasprintf("%s %s %s", str(dep, "version"),
							      str(dep, "integrity"), str(dep, "resolved"));

					e->value = arena_strdup(a, val);
					free(val);
				}
				GROW(stack, n + 1, cap);
				stack[n++] = keycopy;
			}
		}
	}
	free(stack);
	buf_release(&b);
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

static void version_of(const char *value, struct buf *b)
{
	const char *sp = value ? strchr(value, ' ') : NULL;

	buf_reset(b);
	if (value)
		buf_add(b, value, sp ? (size_t)(sp - value) : strlen(value));
}

/* Describe how two closures differ, or return NULL when they do not. */
static char *closure_diff(struct strmap *old, struct strmap *new)
{
	struct buf out = BUF_INIT, v1 = BUF_INIT, v2 = BUF_INIT;
	int shown = 0, more = 0;
	size_t i;

	for (i = 0; i < new->cap; i++) {
		struct strmap_entry *e = &new->slots[i];
		const char *was;

		if (!e->key)
			continue;
		was = strmap_get(old, e->key, e->len);
		if (was && !strcmp(was, e->value))
			continue;
		if (shown == 3) {
			more++;
			continue;
		}
		version_of(was, &v1);
		version_of(e->value, &v2);
		if (out.len)
			buf_adds(&out, ", ");
		if (was && strcmp(v1.data, v2.data))
			buf_addf(&out, "%s %s -> %s", key_name(e->key), v1.data, v2.data);
		else if (was)
			buf_addf(&out, "%s %s changed", key_name(e->key), v2.data);
		else
			buf_addf(&out, "+%s %s", key_name(e->key), v2.data);
		shown++;
	}
	for (i = 0; i < old->cap; i++) {
		struct strmap_entry *e = &old->slots[i];

		if (!e->key || strmap_get(new, e->key, e->len))
			continue;
		if (shown == 3) {
			more++;
			continue;
		}
		version_of(e->value, &v1);
		if (out.len)
			buf_adds(&out, ", ");
		buf_addf(&out, "-%s %s", key_name(e->key), v1.data);
		shown++;
	}
	if (more)
		buf_addf(&out, " and %d more", more);
	buf_release(&v1);
	buf_release(&v2);
	if (!shown) {
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

/* Parse one side; sets *fallback with a reason when it is not v2/v3. */
static int load_side(struct side *s, const char *name, const char *note, const char *text,
		     size_t len, char **fallback)
{
	json_t *version;
	char *label;

	memset(s, 0, sizeof(*s));
	if (!text)
		return 0;
	s->root = jsonfile_parse_note(name, note, text, len, 0);
	label = note ? xasprintf("%s (%s)", name, note) : xstrdup(name);
	if (!s->root) {
		free(label);
		return -1;
	}
	version = json_object_get(s->root, "lockfileVersion");
	if (!json_is_integer(version) || json_integer_value(version) < 2) {
		if (!*fallback)
			*fallback = xasprintf("%s is lockfileVersion %s, which has no per-package "
					      "entries", label,
					      json_is_integer(version) ? "1" : "unknown");
		free(label);
		return 0;
	}
	s->packages = json_object_get(s->root, "packages");
	if (!json_is_object(s->packages)) {
		if (!*fallback)
			*fallback = xasprintf("%s has no \"packages\" object", label);
		s->packages = NULL;
	}
	free(label);
	return 0;
}

int lockfile_diff(const char *name, const char *old_note, const char *old_text, size_t old_len,
		  const char *new_note, const char *new_text, size_t new_len,
		  const struct workspace *ws, struct lockfile_diff *out)
{
	struct side old, new;
	char *fallback = NULL;
	size_t i;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (strcmp(name, "package-lock.json") && !ends_with(name, "/package-lock.json")) {
		out->all = true;
		out->reason = xasprintf("%s changed, and relgate reads only package-lock.json per "
					"package", name);
		return 0;
	}
	if (load_side(&old, name, old_note, old_text, old_len, &fallback) < 0)
		return -1;
	if (load_side(&new, name, new_note, new_text, new_len, &fallback) < 0) {
		free(fallback);
		goto out;
	}
	if (fallback || (!old.packages && !new.packages)) {
		out->all = true;
		out->reason = fallback ? fallback : xasprintf("%s could not be compared", name);
		ret = 0;
		goto out;
	}
	for (i = 0; i < ws->npkgs; i++) {
		const struct package *pkg = &ws->pkgs[i];
		struct strmap a = {0}, b = {0};
		struct arena mem = ARENA_INIT;
		char *detail;

		strmap_init(&a, 16);
		strmap_init(&b, 16);
		if (old.packages)
			closure(old.packages, pkg->dir, ws, &a, &mem);
		if (new.packages)
			closure(new.packages, pkg->dir, ws, &b, &mem);
		detail = closure_diff(&a, &b);
		if (detail) {
			GROW(out->hits, out->n + 1, out->cap);
			out->hits[out->n].pkg = pkg;
			out->hits[out->n].detail = detail;
			out->hits[out->n].root_reason = NULL;
			out->n++;
		}
		strmap_free(&a);
		strmap_free(&b);
		arena_free(&mem);
	}
	ret = 0;
out:
	json_decref(old.root);
	json_decref(new.root);
	return ret;
}

void lockfile_diff_release(struct lockfile_diff *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->hits[i].detail);
		free(d->hits[i].root_reason);
	}
	free(d->hits);
	free(d->reason);
	memset(d, 0, sizeof(*d));
}
