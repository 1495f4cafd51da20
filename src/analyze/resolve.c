/*
 * resolve: specifier resolution against the tree's file list.
 *
 * tsconfig files are read once per folder and remembered, including the
 * answer "no tsconfig here", so resolution costs hash lookups only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/jsonfile.h"
#include "analyze/resolve.h"

#define TSCONFIG_MAX_BYTES (4 * 1024 * 1024)
#define TSCONFIG_MAX_EXTENDS 8

struct ts_path {
	const char *pattern;
	const char **targets;
	size_t ntargets;
};

/* A remembered resolution of a bare specifier under one tsconfig. */
struct memo {
	const struct tsconfig *tc;
	struct resolution res;
};

struct tsconfig {
	const char *base_url;     /* workspace-relative, or NULL */
	const char *paths_base;   /* what "paths" targets are relative to */
	struct ts_path *paths;
	size_t npaths;
};

static struct tsconfig no_tsconfig;
static struct tsconfig tsconfig_reading;  /* a file being read: extends in a cycle */

static const char *const script_exts[] = {
	".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts", ".json", ".d.ts",
	".css", ".scss",
};

void resolver_init(struct resolver *r, const struct workspace *ws, const struct filelist *t,
		   struct arena *a)
{
	memset(r, 0, sizeof(*r));
	r->ws = ws;
	r->t = t;
	r->a = a;
	strmap_init(&r->tsconfig_by_dir, 64);
	strmap_init(&r->tsconfig_by_path, 64);
	strmap_init(&r->bare, 1024);
	buf_init(&r->scratch);
}

void resolver_release(struct resolver *r)
{
	strmap_free(&r->tsconfig_by_dir);
	strmap_free(&r->tsconfig_by_path);
	strmap_free(&r->bare);
	buf_release(&r->scratch);
}

static const struct wsfile *lookup(struct resolver *r, const char *path)
{
	const struct wsfile *f = filelist_find(r->t, path);

	return f && !f->symlink ? f : NULL;
}

/* path as a file, with an extension, or as a folder with an index file. */
static const struct wsfile *try_candidates(struct resolver *r, const char *path, bool css)
{
	static const char *const ts_for_js[][2] = {
		{".js", ".ts"}, {".js", ".tsx"}, {".jsx", ".tsx"}, {".mjs", ".mts"}, {".cjs", ".cts"},
	};
	const struct wsfile *f;
	struct buf *b = &r->scratch;
	size_t i, n = strlen(path);

	if (!n)
		return NULL;
	if ((f = lookup(r, path)))
		return f;
	for (i = 0; i < ARRAY_LEN(ts_for_js); i++) {
		size_t m = strlen(ts_for_js[i][0]);

		if (n > m && !strcmp(path + n - m, ts_for_js[i][0])) {
			buf_reset(b);
			buf_add(b, path, n - m);
			buf_adds(b, ts_for_js[i][1]);
			if ((f = lookup(r, b->data)))
				return f;
		}
	}
	buf_reset(b);
	buf_add(b, path, n);
	for (i = 0; i < ARRAY_LEN(script_exts); i++) {
		b->len = n;
		buf_adds(b, script_exts[i]);
		if ((f = lookup(r, b->data)))
			return f;
	}
	if (css) {
		/* Sass partials: a/b -> a/_b.scss */
		const char *slash = strrchr(path, '/');
		size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;

		buf_reset(b);
		buf_add(b, path, dirlen);
		buf_addc(b, '_');
		buf_adds(b, path + dirlen);
		if ((f = lookup(r, b->data)))
			return f;
		buf_adds(b, ".scss");
		if ((f = lookup(r, b->data)))
			return f;
	}
	buf_reset(b);
	buf_add(b, path, n);
	buf_adds(b, "/index");
	for (i = 0; i < ARRAY_LEN(script_exts); i++) {
		b->len = n + 6;
		buf_adds(b, script_exts[i]);
		if ((f = lookup(r, b->data)))
			return f;
	}
	return NULL;
}

/* Join dir and rel, normalise; NULL when it leaves the workspace. */
static char *join_inside(const char *dir, const char *rel)
{
	char *p = path_join(dir, rel);

	if (path_normalize(p) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

static const struct wsfile *try_path(struct resolver *r, const char *dir, const char *rel,
					bool css)
{
	char *p = join_inside(dir, rel);
	const struct wsfile *f = p ? try_candidates(r, p, css) : NULL;

	free(p);
	return f;
}

/* ---- tsconfig ---- */

static struct tsconfig *tsconfig_load(struct resolver *r, const char *path, int depth);

static void tsconfig_inherit(struct tsconfig *tc, const struct tsconfig *parent)
{
	if (!tc->base_url)
		tc->base_url = parent->base_url;
	if (!tc->npaths && parent->npaths) {
		tc->paths = parent->paths;
		tc->npaths = parent->npaths;
		tc->paths_base = parent->paths_base;
	}
}

static void tsconfig_extends(struct resolver *r, struct tsconfig *tc, const char *dir,
			     json_t *ext, int depth)
{
	const char *s = json_string_value(ext);
	struct tsconfig *parent;
	char *p;

	/* only files of this workspace; shared configs from npm add no aliases here */
	if (!s || !(starts_with(s, "./") || starts_with(s, "../")))
		return;
	p = join_inside(dir, s);
	if (!p)
		return;
	if (!ends_with(p, ".json")) {
		char *q = xasprintf("%s.json", p);

		free(p);
		p = q;
	}
	parent = tsconfig_load(r, p, depth + 1);
	if (parent)
		tsconfig_inherit(tc, parent);
	free(p);
}

static struct tsconfig *tsconfig_read(struct resolver *r, const struct wsfile *tf,
				      const char *path, int depth)
{
	struct buf text = BUF_INIT;
	struct jdoc d = {0};
	struct tsconfig *tc;
	json_t *root, *opts, *v, *paths;
	char *dir;
	const char *key;
	size_t i;

	if (filelist_read(r->t, tf, &text, TSCONFIG_MAX_BYTES) < 0) {
		r->errors++;
		error("cannot read %s:", path);
		buf_release(&text);
		return NULL;
	}
	jsonfile_strip_jsonc(text.data, text.len);
	root = jsonfile_parse(path, text.data, text.len, 0);
	if (!root) {
		r->errors++;
		buf_release(&text);
		return NULL;
	}
	d.name = path;
	d.text = text.data;
	d.len = text.len;
	tc = arena_calloc(r->a, 1, sizeof(*tc));
	dir = path_dirname(path);
	opts = json_object_get(root, "compilerOptions");
	if (opts && json_is_object(opts)) {
		jdoc_push_key(&d, "compilerOptions");
		if ((v = json_object_get(opts, "baseUrl"))) {
			char *b = json_is_string(v) ? join_inside(dir, json_string_value(v)) : NULL;

			if (!b) {
				jdoc_push_key(&d, "baseUrl");
				jdoc_error(&d, false, "\"baseUrl\" must be a folder inside the workspace");
				jdoc_pop(&d);
			} else {
				tc->base_url = arena_strdup(r->a, b);
				free(b);
			}
		}
		if ((paths = json_object_get(opts, "paths")) && json_is_object(paths)) {
			tc->paths = arena_calloc(r->a, json_object_size(paths), sizeof(*tc->paths));
			tc->paths_base = tc->base_url ? tc->base_url : arena_strdup(r->a, dir);
			json_object_foreach(paths, key, v) {
				struct ts_path *tp = &tc->paths[tc->npaths];
				json_t *item;

				if (!json_is_array(v))
					continue;
				tp->pattern = arena_strdup(r->a, key);
				tp->targets = arena_calloc(r->a, json_array_size(v), sizeof(char *));
				json_array_foreach(v, i, item)
					if (json_is_string(item))
						tp->targets[tp->ntargets++] =
							arena_strdup(r->a, json_string_value(item));
				tc->npaths++;
			}
		}
		jdoc_pop(&d);
	}
	if ((v = json_object_get(root, "extends"))) {
		json_t *item;

		if (json_is_array(v)) {
			/* later entries override earlier ones: walk backwards */
			for (i = json_array_size(v); i-- > 0;) {
				item = json_array_get(v, i);
				tsconfig_extends(r, tc, dir, item, depth);
			}
		} else {
			tsconfig_extends(r, tc, dir, v, depth);
		}
	}
	/* "paths" are relative to "baseUrl" whichever file set it, else to their own file */
	if (tc->npaths && tc->base_url)
		tc->paths_base = tc->base_url;
	r->errors += d.errors;
	free(dir);
	json_decref(root);
	buf_release(&text);
	return tc;
}

/*
 * The tsconfig file at path, or NULL.  Each file is read once: in a
 * monorepo every package's tsconfig may extend the same large file of
 * "paths" (babel: 159 of them extend a 22 KB one).
 */
static struct tsconfig *tsconfig_load(struct resolver *r, const char *path, int depth)
{
	const struct wsfile *tf = lookup(r, path);
	struct strmap_entry *e;
	struct tsconfig *tc;

	if (!tf || depth > TSCONFIG_MAX_EXTENDS)
		return NULL;
	e = strmap_put(&r->tsconfig_by_path, path, strlen(path));
	if (e->value)
		return e->value == &no_tsconfig || e->value == &tsconfig_reading ? NULL : e->value;
	/* the key must outlive this call */
	e->key = arena_strdup(r->a, path);
	e->value = &tsconfig_reading;
	tc = tsconfig_read(r, tf, path, depth);
	/* the map may have grown meanwhile: look the slot up again */
	strmap_put(&r->tsconfig_by_path, path, strlen(path))->value = tc ? tc : &no_tsconfig;
	return tc;
}

/* The tsconfig (or jsconfig) nearest to the folder dir. */
static const struct tsconfig *tsconfig_for(struct resolver *r, const char *dir)
{
	struct strmap_entry *e = strmap_put(&r->tsconfig_by_dir, dir, strlen(dir));
	const struct tsconfig *tc;
	char *p;

	if (e->value)
		return e->value;
	/* the key must outlive this call */
	e->key = arena_strdup(r->a, dir);
	p = path_join(dir, "tsconfig.json");
	tc = tsconfig_load(r, p, 0);
	free(p);
	if (!tc) {
		p = path_join(dir, "jsconfig.json");
		tc = tsconfig_load(r, p, 0);
		free(p);
	}
	if (!tc && *dir) {
		char *parent = path_dirname(dir);

		tc = tsconfig_for(r, parent);
		free(parent);
	}
	if (!tc)
		tc = &no_tsconfig;
	/* the map may have grown meanwhile: look the slot up again */
	strmap_put(&r->tsconfig_by_dir, dir, strlen(dir))->value = (void *)tc;
	return tc;
}

static const struct wsfile *resolve_paths(struct resolver *r, const struct tsconfig *tc,
					     const char *spec)
{
	const struct ts_path *best = NULL;
	size_t best_prefix = 0, i;
	const char *star_text = NULL;
	size_t star_len = 0;

	for (i = 0; i < tc->npaths; i++) {
		const struct ts_path *tp = &tc->paths[i];
		const char *star = strchr(tp->pattern, '*');

		if (!star) {
			if (!strcmp(tp->pattern, spec)) {
				best = tp;
				star_text = NULL;
				break;
			}
			continue;
		}
		{
			size_t pre = (size_t)(star - tp->pattern), suf = strlen(star + 1);
			size_t n = strlen(spec);

			if (n >= pre + suf && !strncmp(spec, tp->pattern, pre) &&
			    !strcmp(spec + n - suf, star + 1) && (!best || pre > best_prefix)) {
				best = tp;
				best_prefix = pre;
				star_text = spec + pre;
				star_len = n - pre - suf;
			}
		}
	}
	if (!best)
		return NULL;
	for (i = 0; i < best->ntargets; i++) {
		const char *target = best->targets[i], *star = strchr(target, '*');
		const struct wsfile *f;
		char *rel;

		if (star && star_text)
			rel = xasprintf("%.*s%.*s%s", (int)(star - target), target, (int)star_len,
					star_text, star + 1);
		else
			rel = xstrdup(target);
		f = try_path(r, tc->paths_base, rel, false);
		free(rel);
		if (f)
			return f;
	}
	return NULL;
}

/* ---- workspace packages ---- */

static const struct wsfile *resolve_exports(struct resolver *r, const struct package *pkg,
					       const char *subpath)
{
	const struct export_entry *best = NULL;
	const char *star_text = NULL;
	size_t best_prefix = 0, star_len = 0, i;
	char *key = xasprintf(".%s", subpath), *rel;
	const struct wsfile *f;

	for (i = 0; i < pkg->nexports; i++) {
		const struct export_entry *e = &pkg->exports[i];
		const char *star = strchr(e->key, '*');

		if (!star) {
			if (!strcmp(e->key, key)) {
				best = e;
				star_text = NULL;
				break;
			}
			continue;
		}
		{
			size_t pre = (size_t)(star - e->key), suf = strlen(star + 1), n = strlen(key);

			if (n >= pre + suf && !strncmp(key, e->key, pre) &&
			    !strcmp(key + n - suf, star + 1) && (!best || pre > best_prefix)) {
				best = e;
				best_prefix = pre;
				star_text = key + pre;
				star_len = n - pre - suf;
			}
		}
	}
	if (!best) {
		free(key);
		return NULL;
	}
	{
		const char *star = strchr(best->target, '*');

		if (star && star_text)
			rel = xasprintf("%.*s%.*s%s", (int)(star - best->target), best->target,
					(int)star_len, star_text, star + 1);
		else
			rel = xstrdup(best->target);
	}
	f = try_path(r, pkg->dir, rel, false);
	free(rel);
	free(key);
	return f;
}

static void resolve_package(struct resolver *r, const struct package *pkg, const char *subpath,
			    struct resolution *out)
{
	const struct wsfile *f = NULL;

	if (pkg->nexports) {
		f = resolve_exports(r, pkg, subpath);
	} else if (*subpath) {
		f = try_path(r, pkg->dir, subpath + 1, false);
	} else {
		/* a web product's bundler (webpack for the web, Vite, esbuild's browser platform) */
		const char *entries[] = {pkg->browser, pkg->module, pkg->main, "index"};
		size_t i;

		for (i = 0; i < ARRAY_LEN(entries) && !f; i++)
			if (entries[i])
				f = try_path(r, pkg->dir, entries[i], false);
	}
	out->pkg = pkg;
	out->file = f;
	out->kind = f ? RES_FILE : RES_PACKAGE;
}

/* Resolve a bare specifier (no "./"): aliases first, then workspace packages. */
static void resolve_bare(struct resolver *r, const struct tsconfig *tc, const char *spec,
			 struct resolution *out)
{
	const struct package *pkg;
	const char *name_end;

	if (tc->npaths) {
		const struct wsfile *f = resolve_paths(r, tc, spec);

		if (f) {
			out->kind = RES_FILE;
			out->file = f;
			return;
		}
	}
	if (tc->base_url) {
		const struct wsfile *f = try_path(r, tc->base_url, spec, false);

		if (f) {
			out->kind = RES_FILE;
			out->file = f;
			return;
		}
	}
	name_end = spec[0] == '@' ? strchr(spec, '/') : spec;
	name_end = name_end ? strchr(name_end + (spec[0] == '@'), '/') : NULL;
	if (!name_end)
		name_end = spec + strlen(spec);
	pkg = workspace_package(r->ws, spec, (size_t)(name_end - spec));
	if (pkg && !pkg->is_root)
		resolve_package(r, pkg, name_end, out);
}

int resolve_import(struct resolver *r, const char *dir, const char *spec, bool css,
		   struct resolution *out)
{
	const struct tsconfig *tc;
	struct strmap_entry *e;
	struct memo *m;
	int before = r->errors;

	memset(out, 0, sizeof(*out));
	out->kind = RES_EXTERNAL;
	if (css && spec[0] == '~')
		spec++;
	if (!*spec || strstr(spec, "://") || starts_with(spec, "//") || starts_with(spec, "data:") ||
	    starts_with(spec, "node:"))
		return 0;
	if (spec[0] == '.' || (css && spec[0] != '@' && spec[0] != '/')) {
		char *p = join_inside(dir, spec);
		const struct wsfile *f = p ? try_candidates(r, p, css) : NULL;
		bool inside = p != NULL;

		free(p);
		if (f || spec[0] == '.') {
			/* a path that climbs out of the workspace is none of its files */
			out->kind = f ? RES_FILE : inside ? RES_MISSING : RES_EXTERNAL;
			out->file = f;
			return 0;
		}
	}
	if (spec[0] == '/')
		return 0;

	/* a bare specifier means the same from every folder under one tsconfig */
	tc = tsconfig_for(r, dir);
	e = strmap_put(&r->bare, spec, strlen(spec));
	m = e->value;
	if (m && m->tc == tc) {
		*out = m->res;
		return r->errors > before ? -1 : 0;
	}
	if (!m) {
		e->key = arena_strdup(r->a, spec);
		m = e->value = arena_calloc(r->a, 1, sizeof(*m));
	}
	resolve_bare(r, tc, spec, out);
	m->tc = tc;
	m->res = *out;
	return r->errors > before ? -1 : 0;
}
