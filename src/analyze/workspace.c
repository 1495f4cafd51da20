/*
 * workspace: manifests in, packages out.  The facts of each package.json
 * are cached by blob id, so a repeated run parses only what changed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "lib/file.h"
#include "lib/diag.h"
#include "lib/glob.h"
#include "lib/jsonfile.h"
#include "lib/jsonscan.h"
#include "lib/pool.h"
#include "lib/record.h"
#include "analyze/workspace.h"
#include "lib/yamldoc.h"

#define MANIFEST_MAX_BYTES (16 * 1024 * 1024)

static const char *const dep_fields[] = {
	"dependencies", "devDependencies", "peerDependencies", "optionalDependencies",
};

const char *dep_kind_name(enum dep_kind kind)
{
	static const char *const names[] = {
		"dependency", "devDependency", "peerDependency", "optionalDependency",
	};

	return (size_t)kind < ARRAY_LEN(names) ? names[kind] : "dependency";
}

static bool file_exists(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	bool ok = access(p, F_OK) == 0;

	free(p);
	return ok;
}

static bool has_workspaces_key(const char *dir)
{
	struct buf b = BUF_INIT;
	char *p = xasprintf("%s/package.json", dir);
	bool ok = read_file(p, &b, MANIFEST_MAX_BYTES) == 0 && strstr(b.data, "\"workspaces\"");

	free(p);
	buf_release(&b);
	return ok;
}

char *workspace_find_root(const char *start)
{
	char *dir = realpath(start, NULL), *slash;
	int pass;

	if (!dir)
		return NULL;
	for (pass = 0; pass < 2; pass++) {
		char *d = xstrdup(dir);

		for (;;) {
			bool found = pass == 0 ? file_exists(d, "relgate.json") :
				     file_exists(d, "pnpm-workspace.yaml") || has_workspaces_key(d);

			if (found) {
				free(dir);
				return d;
			}
			slash = strrchr(d, '/');
			if (!slash || slash == d)
				break;
			*slash = '\0';
		}
		free(d);
	}
	return dir;  /* no marker anywhere: the start folder itself */
}

/* ---- manifest facts and their cache form ---- */

struct facts {
	const char *name, *main, *module, *browser;
	struct export_entry *exports;
	size_t nexports, capexports;
	struct dep *deps;
	size_t ndeps, capdeps;
};

/*
 * The facts in lib/record's format:
 *   name\0 main\0 module\0 browser\0 u32 nexports { key\0 target\0 }
 *   u32 ndeps { u8 kind|linked<<4 name\0 spec\0 }
 */
static void facts_encode(const struct facts *f, struct buf *b)
{
	size_t i;

	rec_put_str(b, f->name);
	rec_put_str(b, f->main);
	rec_put_str(b, f->module);
	rec_put_str(b, f->browser);
	rec_put32(b, (uint32_t)f->nexports);
	for (i = 0; i < f->nexports; i++) {
		rec_put_str(b, f->exports[i].key);
		rec_put_str(b, f->exports[i].target);
	}
	rec_put32(b, (uint32_t)f->ndeps);
	for (i = 0; i < f->ndeps; i++) {
		rec_put8(b, (uint8_t)(f->deps[i].kind | f->deps[i].linked << 4));
		rec_put_str(b, f->deps[i].name);
		rec_put_str(b, f->deps[i].spec ? f->deps[i].spec : "");
	}
}

/* A string of the facts, into the arena (the cache's copy goes with the cache). */
static const char *take_str(struct rec_reader *r, struct arena *a)
{
	return arena_strdup(a, rec_get_str(r));
}

static const char *nonempty(const char *s)
{
	return *s ? s : NULL;
}

static int facts_decode(struct package *pkg, const void *data, size_t len, struct arena *a)
{
	struct rec_reader r;
	size_t i;

	rec_reader_init(&r, data, len);
	pkg->name = take_str(&r, a);
	pkg->main = nonempty(take_str(&r, a));
	pkg->module = nonempty(take_str(&r, a));
	pkg->browser = nonempty(take_str(&r, a));
	pkg->nexports = rec_get_count(&r, 2);
	pkg->exports = arena_calloc(a, pkg->nexports, sizeof(*pkg->exports));
	for (i = 0; i < pkg->nexports && !r.bad; i++) {
		pkg->exports[i].key = take_str(&r, a);
		pkg->exports[i].target = take_str(&r, a);
	}
	pkg->ndeps = rec_get_count(&r, 2);
	pkg->deps = arena_calloc(a, pkg->ndeps, sizeof(*pkg->deps));
	for (i = 0; i < pkg->ndeps && !r.bad; i++) {
		uint8_t kind = rec_get8(&r);

		if ((kind & 0xf) > DEP_OPTIONAL || kind >> 5) {
			r.bad = true;
			break;
		}
		pkg->deps[i].kind = kind & 0xf;
		pkg->deps[i].linked = kind >> 4;
		pkg->deps[i].name = take_str(&r, a);
		pkg->deps[i].spec = nonempty(take_str(&r, a));
	}
	if (r.bad) {
		pkg->nexports = pkg->ndeps = 0;
		return -1;
	}
	return rec_done(&r) ? 0 : -1;
}

/* The conditions of "exports" a bundler for the browser takes: "node" is not among them. */
static const char *const conditions[] = {
	"browser", "import", "module", "default", "require", "development", "production",
};
#define EXPORTS_DEPTH_MAX 16

/* The target of an exports value for a bundler: first usable condition. */
static const char *export_target(json_t *v, int depth)
{
	const char *key;
	json_t *item;
	size_t i;

	if (depth > EXPORTS_DEPTH_MAX)
		return NULL;
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			const char *t = export_target(item, depth + 1);

			if (t)
				return t;
		}
		return NULL;
	}
	if (!json_is_object(v))
		return NULL;
	json_object_foreach(v, key, item) {
		for (i = 0; i < ARRAY_LEN(conditions); i++) {
			if (!strcmp(key, conditions[i])) {
				const char *t = export_target(item, depth + 1);

				if (t)
					return t;
			}
		}
	}
	return NULL;
}

static void add_export(struct facts *f, const char *key, const char *target)
{
	if (!target)
		return;
	GROW(f->exports, f->nexports + 1, f->capexports);
	f->exports[f->nexports].key = key;
	f->exports[f->nexports].target = target;
	f->nexports++;
}

static void collect_exports(struct facts *f, json_t *exports)
{
	const char *key;
	json_t *v;
	bool subpaths = false;

	if (json_is_object(exports))
		json_object_foreach(exports, key, v)
			if (key[0] == '.')
				subpaths = true;
	if (!subpaths) {
		add_export(f, ".", export_target(exports, 0));
		return;
	}
	json_object_foreach(exports, key, v)
		if (key[0] == '.')
			add_export(f, key, export_target(v, 0));
}

/*
 * A string field of package.json, or NULL.  package.json is npm's, pnpm's,
 * yarn's and the bundlers' file, not relgate's: a field of another type is
 * a form some tool accepts or ignores, so relgate ignores it too.
 */
static const char *string_field(json_t *root, const char *key)
{
	json_t *v = json_object_get(root, key);

	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

/*
 * The "browser" field: a path, or a map of paths (the field's own
 * specification: {"./index.js": "./browser.js", "fs": false}), where the
 * entry of the package is main's replacement, if the map names one.
 */
static const char *browser_field(json_t *root, const char *main)
{
	json_t *v = json_object_get(root, "browser"), *to;
	char *dotted;

	if (json_is_string(v) || !json_is_object(v) || !main)
		return string_field(root, "browser");
	to = json_object_get(v, main);
	if (!to && !starts_with(main, "./")) {
		dotted = xasprintf("./%s", main);
		to = json_object_get(v, dotted);
		free(dotted);
	}
	return json_is_string(to) && strlen(json_string_value(to)) == json_string_length(to) ?
	       json_string_value(to) : NULL;
}

/*
 * One member of a dependency field: name and, where it is a string, its
 * value.  Another form (a number, an object) still names the package.
 */
static void add_dep(struct facts *f, const char *name, const char *value, size_t kind,
		    struct arena *a)
{
	static const char *const local[] = { "workspace:", "link:", "file:", "portal:" };
	const char *real = name;
	bool linked = false;
	size_t l;

	for (l = 0; value && l < ARRAY_LEN(local); l++)
		linked |= starts_with(value, local[l]);

	/* "alias": "npm:real-name@1.2" depends on real-name */
	if (value && starts_with(value, "npm:")) {
		const char *spec = value + 4;
		const char *at = *spec ? strrchr(spec + 1, '@') : NULL;

		real = at ? arena_strndup(a, spec, (size_t)(at - spec)) : spec;
	}
	/* no package has such a name: nothing to link */
	if (!*name || strlen(name) > 214)
		return;
	GROW(f->deps, f->ndeps + 1, f->capdeps);
	f->deps[f->ndeps].name = real;
	f->deps[f->ndeps].kind = (uint8_t)kind;
	f->deps[f->ndeps].linked = linked;
	f->deps[f->ndeps].spec = NULL;
	if (value) {
		char *spec = xasprintf("%s@%s", name, value);

		f->deps[f->ndeps].spec = arena_strdup(a, spec);
		free(spec);
	}
	f->ndeps++;
}

/* Parse a manifest's text into facts; strings point into root. */
static int facts_parse(struct facts *f, struct jdoc *d, json_t *root, struct arena *a)
{
	size_t k;

	memset(f, 0, sizeof(*f));
	if (!json_is_object(root)) {
		jdoc_error(d, false, "a package.json must hold an object");
		return -1;
	}
	f->name = string_field(root, "name");
	f->main = string_field(root, "main");
	f->module = string_field(root, "module");
	f->browser = browser_field(root, f->main ? f->main : "index.js");
	if (json_object_get(root, "exports"))
		collect_exports(f, json_object_get(root, "exports"));
	for (k = 0; k < ARRAY_LEN(dep_fields); k++) {
		json_t *deps = json_object_get(root, dep_fields[k]), *v;
		const char *name;

		/* another form (an array, a string) names no dependency npm would install */
		if (!json_is_object(deps))
			continue;
		json_object_foreach(deps, name, v)
			add_dep(f, name, json_is_string(v) ? json_string_value(v) : NULL, k, a);
	}
	return d->errors ? -1 : 0;
}

static void facts_release(struct facts *f)
{
	free(f->deps);
	free(f->exports);
}

/*
 * ---- the same facts by jsonscan, without building the document ----
 *
 * Each function returns 1 with the answer, or 0 where the text is not one
 * jsonscan reads exactly as jansson does (a key with an escape, a key
 * twice in an object whose order or value counts, a very large object):
 * facts_parse() reads that manifest instead.
 */
#define SCAN_MEMBERS_MAX 512

/* Whether an object's keys are all plain (no escape) and each there once. */
static bool keys_plain_once(const struct jsval *obj)
{
	struct jsval keys[SCAN_MEMBERS_MAX], v;
	struct jsiter it;
	size_t n = 0, i;

	js_iter(&it, obj);
	while (js_next(&it, &keys[n], &v)) {
		if (keys[n].escaped || n + 1 == SCAN_MEMBERS_MAX)
			return false;
		for (i = 0; i < n; i++)
			if (js_same(&keys[i], &keys[n]))
				return false;
		n++;
	}
	return true;
}

/* A string's value, or NULL for any other type. */
static const char *scan_string(const struct jsval *v, struct arena *a)
{
	return v->p && v->type == JS_STRING ? js_string(v, a) : NULL;
}

/* export_target()'s answer, into *out. */
static int scan_export_target(const struct jsval *v, int depth, const char **out,
			      struct arena *a)
{
	struct jsval key, item;
	struct jsiter it;
	size_t i;

	*out = NULL;
	if (depth > EXPORTS_DEPTH_MAX)
		return 1;
	if (v->type == JS_STRING) {
		*out = js_string(v, a);
		return 1;
	}
	if (v->type != JS_ARRAY && v->type != JS_OBJECT)
		return 1;
	if (v->type == JS_OBJECT && !keys_plain_once(v))
		return 0;
	js_iter(&it, v);
	while (js_next(&it, &key, &item)) {
		for (i = 0; v->type == JS_OBJECT && i < ARRAY_LEN(conditions); i++)
			if (js_is(&key, conditions[i]))
				break;
		if (v->type == JS_OBJECT && i == ARRAY_LEN(conditions))
			continue;
		if (!scan_export_target(&item, depth + 1, out, a))
			return 0;
		if (*out)
			return 1;
	}
	return 1;
}

/* collect_exports()'s. */
static int scan_exports(struct facts *f, const struct jsval *exports, struct arena *a)
{
	struct jsval key, v;
	struct jsiter it;
	const char *target;
	bool subpaths = false;

	if (exports->type == JS_OBJECT) {
		if (!keys_plain_once(exports))
			return 0;
		js_iter(&it, exports);
		while (js_next(&it, &key, &v))
			subpaths |= key.p[1] == '.';
	}
	if (!subpaths) {
		if (!scan_export_target(exports, 0, &target, a))
			return 0;
		add_export(f, ".", target);
		return 1;
	}
	js_iter(&it, exports);
	while (js_next(&it, &key, &v)) {
		if (key.p[1] != '.')
			continue;
		if (!scan_export_target(&v, 0, &target, a))
			return 0;
		add_export(f, js_string(&key, a), target);
	}
	return 1;
}

/* browser_field()'s, main being what it was given. */
static int scan_browser(struct facts *f, const struct jsval *browser, const char *main,
			struct arena *a)
{
	struct jsval key, v, to = {0};
	struct jsiter it;
	char *dotted = NULL;

	if (browser->type != JS_OBJECT) {
		f->browser = scan_string(browser, a);
		return 1;
	}
	if (!keys_plain_once(browser))
		return 0;
	js_iter(&it, browser);
	while (!to.p && js_next(&it, &key, &v))
		if (js_is(&key, main))
			to = v;
	if (!to.p && !starts_with(main, "./")) {
		dotted = xasprintf("./%s", main);
		js_iter(&it, browser);
		while (!to.p && js_next(&it, &key, &v))
			if (js_is(&key, dotted))
				to = v;
		free(dotted);
	}
	f->browser = scan_string(&to, a);
	return 1;
}

static int facts_scan(struct facts *f, const char *text, size_t len, struct arena *a)
{
	static const char *const fields[] = { "name", "main", "module", "browser", "exports" };
	struct jsval root, key, v, found[ARRAY_LEN(fields) + ARRAY_LEN(dep_fields)] = {{0}};
	const struct jsval *deps = found + ARRAY_LEN(fields);
	struct jsiter it;
	size_t i, k;

	memset(f, 0, sizeof(*f));
	if (!js_document(text, len, &root) || root.type != JS_OBJECT)
		return 0;
	/* the fields relgate reads, each there once */
	js_iter(&it, &root);
	while (js_next(&it, &key, &v)) {
		if (key.escaped)
			return 0;
		for (i = 0; i < ARRAY_LEN(found); i++) {
			if (!js_is(&key, i < ARRAY_LEN(fields) ? fields[i] : dep_fields[i - ARRAY_LEN(fields)]))
				continue;
			if (found[i].p)
				return 0;
			found[i] = v;
		}
	}
	f->name = scan_string(&found[0], a);
	f->main = scan_string(&found[1], a);
	f->module = scan_string(&found[2], a);
	if (found[3].p && !scan_browser(f, &found[3], f->main ? f->main : "index.js", a))
		goto not_mine;
	if (found[4].p && !scan_exports(f, &found[4], a))
		goto not_mine;
	for (k = 0; k < ARRAY_LEN(dep_fields); k++) {
		if (!deps[k].p || deps[k].type != JS_OBJECT)
			continue;
		if (!keys_plain_once(&deps[k]))
			goto not_mine;
		js_iter(&it, &deps[k]);
		while (js_next(&it, &key, &v))
			add_dep(f, js_string(&key, a), scan_string(&v, a), k, a);
	}
	return 1;
not_mine:
	facts_release(f);
	memset(f, 0, sizeof(*f));
	return 0;
}

int workspace_manifest_facts(const char *text, size_t len, bool fast, struct buf *enc)
{
	struct arena a = ARENA_INIT;
	struct jdoc d = {.name = "package.json", .text = text, .len = len, .quiet = true};
	struct facts f = {0};
	json_t *root = NULL;
	int ret;

	buf_reset(enc);
	if (fast) {
		ret = facts_scan(&f, text, len, &a);
	} else {
		root = json_loadb(text, len, 0, NULL);
		ret = root && facts_parse(&f, &d, root, &a) == 0 ? 1 : -1;
	}
	if (ret == 1)
		facts_encode(&f, enc);
	facts_release(&f);
	json_decref(root);
	arena_free(&a);
	return ret;
}

/* Read one manifest into pkg, through the cache. */
static int load_manifest(struct package *pkg, const struct filelist *t, const struct wsfile *tf,
			 struct cache *cache, struct arena *a, json_t **root_out)
{
	struct buf text = BUF_INIT, enc = BUF_INIT;
	struct jdoc d = {0};
	struct facts f;
	const void *cached;
	json_t *root;
	size_t len;
	int ret;

	if (tf->has_oid && !root_out &&
	    (cached = cache_get(cache, &tf->oid, CACHE_MANIFEST, &len)) &&
	    facts_decode(pkg, cached, len, a) == 0)
		return 0;
	if (filelist_read(t, tf, &text, MANIFEST_MAX_BYTES) < 0) {
		ret = errno == EFBIG ? error("%s: larger than %d MB", tf->path,
					     MANIFEST_MAX_BYTES >> 20)
				     : error("cannot read %s:", tf->path);
		buf_release(&text);
		return ret;
	}
	root = jsonfile_parse(tf->path, text.data, text.len, 0);
	if (!root) {
		buf_release(&text);
		return -1;
	}
	d.name = tf->path;
	d.text = text.data;
	d.len = text.len;
	ret = facts_parse(&f, &d, root, a);
	if (ret == 0) {
		facts_encode(&f, &enc);
		ret = facts_decode(pkg, enc.data, enc.len, a);
		if (ret < 0)
			BUG("manifest facts of %s do not decode", tf->path);
		if (tf->has_oid)
			cache_put(cache, &tf->oid, CACHE_MANIFEST, enc.data, enc.len);
	}
	facts_release(&f);
	buf_release(&enc);
	buf_release(&text);
	if (root_out && ret == 0)
		*root_out = root;
	else
		json_decref(root);
	return ret;
}

/*
 * Many manifests at once.  The cache is asked first, on this thread;
 * workers read and parse the rest, quietly: a manifest with any error is
 * done again on this thread, in order, so that its messages come out as if
 * there were no threads at all.
 */
struct manifest_job {
	struct package *pkg;
	const struct wsfile *tf;
	char *enc;          /* the facts, encoded; NULL: do it again on the main thread */
	size_t len;
};

struct manifest_pool {
	struct pool pool;
	const struct filelist *t;
	struct manifest_job *jobs;
};

static void manifest_one(const struct filelist *t, struct manifest_job *job)
{
	struct buf text = BUF_INIT, enc = BUF_INIT;
	struct arena a = ARENA_INIT;
	struct jdoc d = {0};
	struct facts f;
	json_t *root;
	size_t bom;

	if (filelist_read(t, job->tf, &text, MANIFEST_MAX_BYTES) < 0)
		goto out;
	bom = jsonfile_bom(text.data, text.len);
	if (facts_scan(&f, text.data + bom, text.len - bom, &a)) {
		facts_encode(&f, &enc);
		job->enc = buf_detach(&enc, &job->len);
		facts_release(&f);
		goto out;
	}
	root = json_loadb(text.data + bom, text.len - bom, 0, NULL);
	if (!root)
		goto out;
	d.name = job->tf->path;
	d.text = text.data;
	d.len = text.len;
	d.quiet = true;
	if (facts_parse(&f, &d, root, &a) == 0) {
		facts_encode(&f, &enc);
		job->enc = buf_detach(&enc, &job->len);
	}
	facts_release(&f);
	json_decref(root);
out:
	arena_free(&a);
	buf_release(&enc);
	buf_release(&text);
}

static void *manifest_worker(void *arg)
{
	struct manifest_pool *pool = arg;
	size_t i;

	while (pool_take(&pool->pool, &i))
		manifest_one(pool->t, &pool->jobs[i]);
	return NULL;
}

/* mtf[i]: package i's manifest in t, as the listing found it */
static int load_manifests(struct workspace *ws, const struct filelist *t,
			  const struct wsfile *const *mtf, struct cache *cache, struct arena *a)
{
	struct manifest_job *jobs = xcalloc(ws->npkgs + 1, sizeof(*jobs));
	struct manifest_pool pool = {.t = t, .jobs = jobs};
	size_t i;
	int errors = 0;

	for (i = 1; i < ws->npkgs; i++) {
		struct package *p = &ws->pkgs[i];
		const struct wsfile *tf = mtf[i];
		const void *cached;
		size_t len;

		if (tf->has_oid && (cached = cache_get(cache, &tf->oid, CACHE_MANIFEST, &len)) &&
		    facts_decode(p, cached, len, a) == 0)
			continue;
		jobs[pool.pool.n].pkg = p;
		jobs[pool.pool.n].tf = tf;
		pool.pool.n++;
	}
	pool_run(&pool.pool, 64, manifest_worker, &pool);

	for (i = 0; i < pool.pool.n; i++) {
		struct manifest_job *job = &jobs[i];

		if (!job->enc || facts_decode(job->pkg, job->enc, job->len, a) < 0) {
			if (load_manifest(job->pkg, t, job->tf, cache, a, NULL) < 0)
				errors++;
		} else if (job->tf->has_oid) {
			cache_put(cache, &job->tf->oid, CACHE_MANIFEST, job->enc, job->len);
		}
		free(job->enc);
	}
	/* pnpm and yarn take a package without a name: its folder names it here */
	for (i = 1; i < ws->npkgs && !errors; i++)
		if (!*ws->pkgs[i].name)
			ws->pkgs[i].name = ws->pkgs[i].dir;
	free(jobs);
	return errors;
}

/* ---- the list of package folders ---- */

struct pattern {
	const char *glob;
	bool negated;
	bool matched;
	const char *from;    /* file:line:col it came from */
};

struct patterns {
	struct pattern *v;
	size_t n, cap;
};

static void add_pattern(struct patterns *ps, const char *glob, const char *from, struct arena *a)
{
	struct pattern *p;

	while (glob[0] == '.' && glob[1] == '/')
		glob += 2;
	GROW(ps->v, ps->n + 1, ps->cap);
	p = &ps->v[ps->n++];
	p->negated = glob[0] == '!';
	p->glob = arena_strdup(a, glob + p->negated);
	/* a trailing slash ("packages/x/") means the folder itself */
	if (ends_with(p->glob, "/"))
		((char *)p->glob)[strlen(p->glob) - 1] = '\0';
	p->matched = false;
	p->from = arena_strdup(a, from);
}

static int npm_patterns(struct patterns *ps, json_t *root, const struct wsfile *tf,
			const char *text, size_t len, struct arena *a)
{
	json_t *ws = json_object_get(root, "workspaces"), *item;
	struct jdoc d = {.name = tf->path, .text = text, .len = len};
	size_t i;

	if (!ws)
		return 0;
	jdoc_push_key(&d, "workspaces");
	if (json_is_object(ws)) {
		/* yarn's form: {"packages": [...], "nohoist": [...]} */
		ws = json_object_get(ws, "packages");
		jdoc_push_key(&d, "packages");
		if (!ws) {
			jdoc_pop(&d);
			jdoc_error(&d, false, "\"workspaces\" as an object needs \"packages\"");
			return -1;
		}
	}
	if (!json_is_array(ws)) {
		jdoc_error(&d, false, "\"workspaces\" must be an array of folder patterns");
		return -1;
	}
	json_array_foreach(ws, i, item) {
		int line = 0, col = 0;
		const char *why;
		char *from;

		jdoc_push_index(&d, i);
		if (!json_is_string(item) || !json_string_length(item)) {
			jdoc_error(&d, false, "a workspace pattern must be a non-empty string");
		} else if ((why = glob_check(json_string_value(item)))) {
			jdoc_error(&d, false, "bad workspace pattern: %s", why);
		} else {
			jsonfile_locate(text, len, d.path, d.depth, false, &line, &col);
			from = xasprintf("%s:%d:%d", tf->path, line, col);
			add_pattern(ps, json_string_value(item), from, a);
			free(from);
		}
		jdoc_pop(&d);
	}
	return d.errors ? -1 : 0;
}

static int pnpm_patterns(struct patterns *ps, const struct filelist *t, const struct wsfile *tf,
			 struct arena *a)
{
	struct buf text = BUF_INIT;
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	yaml_node_pair_t *pair;
	int ret = 0;

	if (filelist_read(t, tf, &text, MANIFEST_MAX_BYTES) < 0) {
		ret = error("cannot read %s:", tf->path);
		buf_release(&text);
		return ret;
	}
	if (!yaml_parser_initialize(&parser))
		die(EXIT_ENV, "cannot start the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text.data, text.len);
	if (!yaml_parser_load(&parser, &doc)) {
		ret = error("%s:%zu:%zu: %s", tf->path, parser.problem_mark.line + 1,
			    parser.problem_mark.column + 1,
			    parser.problem ? parser.problem : "invalid YAML");
		yaml_parser_delete(&parser);
		buf_release(&text);
		return ret;
	}
	root = yaml_document_get_root_node(&doc);
	if (root && root->type != YAML_MAPPING_NODE) {
		ret = error("%s:%zu:%zu: expected a mapping with \"packages\"", tf->path,
			    root->start_mark.line + 1, root->start_mark.column + 1);
		root = NULL;
	}
	for (pair = root ? root->data.mapping.pairs.start : NULL;
	     pair && pair < root->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(&doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(&doc, pair->value);
		yaml_node_item_t *item;

		if (!k || k->type != YAML_SCALAR_NODE || strcmp((char *)k->data.scalar.value, "packages"))
			continue;
		if (!v || v->type != YAML_SEQUENCE_NODE) {
			ret = error("%s:%zu:%zu: \"packages\" must be a list of folder patterns",
				    tf->path, k->start_mark.line + 1, k->start_mark.column + 1);
			break;
		}
		for (item = v->data.sequence.items.start; item < v->data.sequence.items.top; item++) {
			yaml_node_t *s = yaml_document_get_node(&doc, *item);
			const char *why;
			char *from;

			if (!s || s->type != YAML_SCALAR_NODE || !s->data.scalar.length) {
				ret = error("%s:%zu:%zu: a workspace pattern must be a string", tf->path,
					    s ? s->start_mark.line + 1 : 0,
					    s ? s->start_mark.column + 1 : 0);
				continue;
			}
			if ((why = glob_check((char *)s->data.scalar.value))) {
				ret = error("%s:%zu:%zu: bad workspace pattern: %s", tf->path,
					    s->start_mark.line + 1, s->start_mark.column + 1, why);
				continue;
			}
			from = xasprintf("%s:%zu:%zu", tf->path, s->start_mark.line + 1,
					 s->start_mark.column + 1);
			add_pattern(ps, (char *)s->data.scalar.value, from, a);
			free(from);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	buf_release(&text);
	return ret;
}

/* Is dir one of the workspace's package folders? */
static bool dir_listed(struct patterns *ps, const char *dir)
{
	bool in = false;
	size_t i;

	for (i = 0; i < ps->n; i++) {
		struct pattern *p = &ps->v[i];

		if (glob_match(p->glob, dir)) {
			in = !p->negated;
			if (in)
				p->matched = true;
		}
	}
	return in;
}

static int add_package(struct workspace *ws, size_t cap, const char *dir, const char *manifest,
		       struct arena *a)
{
	struct package *p;

	if (ws->npkgs >= cap)
		BUG("more packages than manifests");
	p = &ws->pkgs[ws->npkgs++];
	memset(p, 0, sizeof(*p));
	p->dir = arena_strdup(a, dir);
	p->manifest = manifest;
	p->node = -1;
	return 0;
}

static void as_warning(const char *level, const char *text, void *data)
{
	(void)level;
	(void)data;
	diag_set_routine(NULL, NULL);
	warn("%s (read as if enableTransparentWorkspaces were true)", text);
	diag_set_routine(as_warning, NULL);
}

/*
 * yarn 2 and later link a workspace package for a plain range on its name
 * unless .yarnrc.yml says enableTransparentWorkspaces: false.  A file yarn
 * itself could not read changes nothing here: names link, the cautious way.
 */
static bool links_by_name(const struct filelist *t)
{
	const struct wsfile *tf = filelist_find(t, ".yarnrc.yml");
	struct buf text = BUF_INIT;
	struct ydoc y;
	const char *v;
	bool links = true;

	if (!tf || filelist_read(t, tf, &text, MANIFEST_MAX_BYTES) < 0) {
		buf_release(&text);
		return true;
	}
	/* yarn would stop on it; relgate says why and reads on */
	diag_set_routine(as_warning, NULL);
	if (ydoc_load(&y, tf->path, NULL, text.data, text.len) == 0 && y.root &&
	    y.root->type == YAML_MAPPING_NODE &&
	    (v = ydoc_scalar(ydoc_get(&y, y.root, "enableTransparentWorkspaces"))))
		links = strcmp(v, "false") != 0;
	diag_set_routine(NULL, NULL);
	fault_clear();
	ydoc_free(&y);
	buf_release(&text);
	return links;
}

int workspace_load(struct workspace *ws, const struct filelist *t, struct cache *cache,
		   struct arena *a)
{
	const struct wsfile *root_tf = filelist_find(t, "package.json");
	const struct wsfile *pnpm_tf = filelist_find(t, "pnpm-workspace.yaml");
	struct patterns ps = {0};
	const struct wsfile **mtf = NULL;
	size_t *midx, i, nmanifests = 0;
	int errors = 0;

	memset(ws, 0, sizeof(*ws));
	ws->manager = "none";
	/* a manifest the change deleted (a ghost): that package is gone at the head */
	midx = xcalloc(t->n + 1, sizeof(*midx));
	for (i = 0; i < t->n; i++)
		if (!t->files[i].ghost && ends_with(t->files[i].path, "/package.json"))
			midx[nmanifests++] = i;
	ws->pkgs = xcalloc(nmanifests + 1, sizeof(*ws->pkgs));
	mtf = xcalloc(nmanifests + 1, sizeof(*mtf));
	strmap_init(&ws->by_name, nmanifests + 1);
	strmap_init(&ws->by_dir, nmanifests + 1);

	/* the root package */
	add_package(ws, nmanifests + 1, "", root_tf ? root_tf->path : NULL, a);
	ws->pkgs[0].is_root = true;
	ws->pkgs[0].name = "(root)";
	if (root_tf) {
		json_t *root = NULL;
		struct buf text = BUF_INIT;

		if (load_manifest(&ws->pkgs[0], t, root_tf, cache, a, &root) < 0)
			goto fail;
		if (!*ws->pkgs[0].name)
			ws->pkgs[0].name = "(root)";
		if (filelist_read(t, root_tf, &text, MANIFEST_MAX_BYTES) == 0 &&
		    npm_patterns(&ps, root, root_tf, text.data, text.len, a) < 0)
			errors++;
		if (json_object_get(root, "workspaces"))
			ws->manager = filelist_find(t, "yarn.lock") ? "yarn" : "npm";
		buf_release(&text);
		json_decref(root);
	}
	if (pnpm_tf) {
		ws->manager = "pnpm";
		if (pnpm_patterns(&ps, t, pnpm_tf, a) < 0)
			errors++;
	}
	ws->links_by_name = links_by_name(t);
	if (filelist_find(t, "package-lock.json"))
		ws->lockfile = "package-lock.json";
	else if (filelist_find(t, "pnpm-lock.yaml"))
		ws->lockfile = "pnpm-lock.yaml";
	else if (filelist_find(t, "yarn.lock"))
		ws->lockfile = "yarn.lock";
	if (errors)
		goto fail;

	for (i = 0; i < nmanifests; i++) {
		const struct wsfile *tf = &t->files[midx[i]];
		char *dir = xstrndup(tf->path, strlen(tf->path) - strlen("/package.json"));

		if (dir_listed(&ps, dir)) {
			mtf[ws->npkgs] = tf;
			add_package(ws, nmanifests + 1, dir, tf->path, a);
		}
		free(dir);
	}
	/* the manifests: read and parsed on every core, taken in order */
	errors += load_manifests(ws, t, mtf, cache, a);
	for (i = 0; i < ps.n; i++)
		if (!ps.v[i].matched && !ps.v[i].negated) {
			/* npm, pnpm and yarn skip a listed folder without a package.json */
			if (glob_is_literal(ps.v[i].glob)) {
				warn("%s: workspace folder \"%s\" has no package.json", ps.v[i].from,
				     ps.v[i].glob);
			} else {
				warn("%s: workspace pattern \"%s\" matches no package", ps.v[i].from,
				     ps.v[i].glob);
			}
		}
	if (errors)
		goto fail;

	/*
	 * A package is its folder.  Two with one name (test fixtures, often)
	 * are both packages; a bare import of the name, and relgate.json's
	 * "package", mean the first in folder order, and relgate says so once.
	 */
	for (i = 0; i < ws->npkgs; i++) {
		struct package *p = &ws->pkgs[i];
		struct strmap_entry *e = strmap_put(&ws->by_name, p->name, strlen(p->name));

		strmap_put(&ws->by_dir, p->dir, strlen(p->dir))->value = (void *)(uintptr_t)(i + 1);
		if (e->value) {
			struct package *first = &ws->pkgs[(uintptr_t)e->value - 1];

			if (first->is_root) {
				e->value = (void *)(uintptr_t)(i + 1);
			} else if (!p->is_root && !first->duplicated) {
				first->duplicated = true;
				warn("%s and %s are both named \"%s\": the name means %s", first->manifest,
				     p->manifest, p->name, *first->dir ? first->dir : ".");
			}
			continue;
		}
		e->value = (void *)(uintptr_t)(i + 1);
	}
	if (errors)
		goto fail;
	free(midx);
	free(mtf);
	free(ps.v);
	return 0;
fail:
	free(midx);
	free(mtf);
	free(ps.v);
	return -1;
}

bool workspace_dep_links(const struct workspace *ws, const struct dep *d)
{
	return d->linked || ws->links_by_name;
}

struct package *workspace_package(const struct workspace *ws, const char *name, size_t len)
{
	void *v = strmap_get(&ws->by_name, name, len);

	return v ? &ws->pkgs[(uintptr_t)v - 1] : NULL;
}

struct package *workspace_owner(const struct workspace *ws, const char *path)
{
	const char *end = path + strlen(path);

	for (;;) {
		void *v;

		while (end > path && *end != '/')
			end--;
		v = strmap_get(&ws->by_dir, path, (size_t)(end - path));
		if (v)
			return &ws->pkgs[(uintptr_t)v - 1];
		if (end == path)
			return &ws->pkgs[0];
		end--;
	}
}

void workspace_release(struct workspace *ws)
{
	free(ws->deps_block);
	free(ws->pkgs);
	strmap_free(&ws->by_name);
	strmap_free(&ws->by_dir);
	memset(ws, 0, sizeof(*ws));
}
