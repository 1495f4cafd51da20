/*
 * test-resolve: specifiers against a small workspace written to a scratch
 * folder and listed with filelist_from_walk (the resolver reads tsconfig files
 * through the tree).  Most tests use a workspace built by hand, so that they
 * test the resolver alone; one loads it with workspace_load, for the choice
 * among "exports" conditions.
 */
#include <dirent.h>
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
#include <unistd.h>

#include <cmocka.h>

#include "analyze/cache.h"
#include "analyze/resolve.h"
#include "analyze/filelist.h"
#include "lib/util.h"
#include "analyze/workspace.h"

static const struct { const char *path, *text; } files[] = {
	{"package.json", "{\"name\": \"root\", \"private\": true, "
			 "\"workspaces\": [\"packages/*\", \"apps/*\"]}"},
	{"tool.js", ""},
	{"root.js", ""},
	{"tsconfig.base.json",
	 "// shared by every app\n"
	 "{\"compilerOptions\": {\"paths\": {\"@shared/*\": [\"packages/shared/src/*\"],},},}\n"},

	{"apps/web/package.json", "{\"name\": \"web\"}"},
	{"apps/web/tsconfig.json",
	 "{\n"
	 "  \"extends\": \"../../tsconfig.base.json\", /* the shared part */\n"
	 "  \"compilerOptions\": {\n"
	 "    \"baseUrl\": \".\", // the app's folder\n"
	 "    \"paths\": {\n"
	 "      \"@app/*\": [\"src/*\"],\n"
	 "      \"@app/special/*\": [\"src/comp/*\"],\n"
	 "      \"~lib\": [\"src/lib/index.ts\"],\n"
	 "      \"@multi/*\": [\"missing/*\", \"src/alt/*\"],\n"
	 "    },\n"
	 "  },\n"
	 "}\n"},
	{"apps/web/src/main.ts", ""},
	{"apps/web/src/util.ts", ""},
	{"apps/web/src/view.tsx", ""},
	{"apps/web/src/mod.mts", ""},
	{"apps/web/src/data.json", "{}"},
	{"apps/web/src/comp/index.tsx", ""},
	{"apps/web/src/comp/button.tsx", ""},
	{"apps/web/src/lib/index.ts", ""},
	{"apps/web/src/alt/thing.ts", ""},
	{"apps/web/src/styles/main.css", ""},
	{"apps/web/src/styles/theme.css", ""},
	{"apps/web/src/styles/_vars.scss", ""},
	{"apps/web/src/styles/base/_mixins.scss", ""},

	/* paths inherited through a chain of extends, one without ".json" */
	{"apps/admin/package.json", "{\"name\": \"admin\"}"},
	{"apps/admin/tsconfig.json", "{\"extends\": \"./tsconfig.mid\"}"},
	{"apps/admin/tsconfig.mid.json", "{\"extends\": \"../../tsconfig.base.json\"}"},
	{"apps/admin/src/x.ts", ""},

	/* an own baseUrl, inherited paths: TypeScript resolves them from the baseUrl */
	{"apps/child/tsconfig.json",
	 "{\"extends\": \"../../tsconfig.base.json\", \"compilerOptions\": {\"baseUrl\": \".\"}}"},
	{"apps/child/src/q.ts", ""},
	{"apps/child/packages/shared/src/x.ts", ""},

	/* extends as an array: the later entry wins */
	{"apps/multi/tsconfig.json",
	 "{\"extends\": [\"./a.json\", \"./b.json\"]}"},
	{"apps/multi/a.json", "{\"compilerOptions\": {\"paths\": {\"@m/*\": [\"a/*\"]}}}"},
	{"apps/multi/b.json", "{\"compilerOptions\": {\"paths\": {\"@m/*\": [\"b/*\"]}}}"},
	{"apps/multi/a/f.ts", ""},
	{"apps/multi/b/f.ts", ""},
	{"apps/multi/src/i.ts", ""},

	{"apps/legacy/jsconfig.json", "{\"compilerOptions\": {\"baseUrl\": \"src\"}}"},
	{"apps/legacy/src/a.js", ""},
	{"apps/legacy/src/deep/b.js", ""},

	{"apps/broken/tsconfig.json", "{\"compilerOptions\": }"},
	{"apps/broken/src/y.ts", ""},
	{"apps/outside/tsconfig.json", "{\"compilerOptions\": {\"baseUrl\": \"../../..\"}}"},
	{"apps/outside/src/o.ts", ""},

	{"apps/cycle/tsconfig.json", "{\"extends\": \"./tsconfig.other.json\"}"},
	{"apps/cycle/tsconfig.other.json", "{\"extends\": \"./tsconfig.json\"}"},
	{"apps/cycle/src/c.ts", ""},

	{"packages/ui/package.json", "{\"name\": \"@scope/ui\", \"main\": \"src/index.js\"}"},
	{"packages/ui/src/index.js", ""},
	{"packages/ui/src/button.js", ""},
	{"packages/ui/styles.css", ""},

	{"packages/utils/package.json",
	 "{\"name\": \"utils\", \"exports\": {\n"
	 "  \".\": \"./src/index.ts\",\n"
	 "  \"./feature/*\": \"./src/feature/*.js\",\n"
	 "  \"./feature/special\": \"./src/special.js\",\n"
	 "  \"./string\": {\"types\": \"./src/string.d.ts\", \"import\": \"./src/string.mjs\",\n"
	 "               \"require\": \"./src/string.cjs\"},\n"
	 "  \"./package.json\": \"./package.json\"\n"
	 "}}"},
	{"packages/utils/src/index.ts", ""},
	{"packages/utils/src/feature/a.js", ""},
	{"packages/utils/src/feature/deep/b.js", ""},
	{"packages/utils/src/special.js", ""},
	{"packages/utils/src/string.mjs", ""},
	{"packages/utils/src/string.cjs", ""},
	{"packages/utils/src/string.d.ts", ""},
	{"packages/utils/src/internal.js", ""},

	{"packages/mod/package.json",
	 "{\"name\": \"mod\", \"module\": \"dist/esm.js\", \"main\": \"lib/main.js\"}"},
	{"packages/mod/lib/main.js", ""},

	{"packages/str/package.json", "{\"name\": \"str\", \"exports\": \"./entry.js\"}"},
	{"packages/str/entry.js", ""},

	{"packages/cond/package.json",
	 "{\"name\": \"cond\", \"exports\": {\"node\": \"./node.js\", \"default\": \"./browser.js\"}}"},
	{"packages/cond/node.js", ""},
	{"packages/cond/browser.js", ""},

	{"packages/empty/package.json", "{\"name\": \"empty\"}"},

	{"packages/shared/package.json", "{\"name\": \"shared-pkg\"}"},
	{"packages/shared/src/x.ts", ""},
};

struct fixture {
	char dir[64];
	int rootfd;
	struct arena a;
	struct filelist t;
	struct workspace ws;
	struct package pkgs[16];
	struct export_entry utils_exports[4], str_exports[1];
};

static struct fixture fx;

static void write_at(int rootfd, const char *path, const char *text)
{
	char *p = xstrdup(path), *s = p;
	int fd;
	size_t n = strlen(text);

	while ((s = strchr(s, '/'))) {
		*s = '\0';
		if (mkdirat(rootfd, p, 0700) < 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", p, strerror(errno));
		*s++ = '/';
	}
	fd = openat(rootfd, path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	free(p);
}

static void remove_tree(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	DIR *d;
	struct dirent *de;

	if (fd < 0) {
		unlinkat(dirfd, name, 0);
		return;
	}
	d = fdopendir(fd);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		remove_tree(fd, de->d_name);
	}
	closedir(d);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

static struct package *add_pkg(const char *name, const char *dir)
{
	struct package *p = &fx.pkgs[fx.ws.npkgs];

	assert_true(fx.ws.npkgs < ARRAY_LEN(fx.pkgs));
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->dir = dir;
	p->node = -1;
	strmap_put(&fx.ws.by_name, name, strlen(name))->value = (void *)(uintptr_t)(fx.ws.npkgs + 1);
	strmap_put(&fx.ws.by_dir, dir, strlen(dir))->value = (void *)(uintptr_t)(fx.ws.npkgs + 1);
	fx.ws.npkgs++;
	return p;
}

static int setup(void **state)
{
	struct package *p;
	size_t i;

	(void)state;
	memset(&fx, 0, sizeof(fx));
	strcpy(fx.dir, "/tmp/relgate-test-resolve-XXXXXX");
	if (!mkdtemp(fx.dir))
		return -1;
	fx.rootfd = open(fx.dir, O_RDONLY | O_DIRECTORY);
	if (fx.rootfd < 0)
		return -1;
	for (i = 0; i < ARRAY_LEN(files); i++)
		write_at(fx.rootfd, files[i].path, files[i].text);
	if (filelist_from_walk(&fx.t, fx.rootfd, &fx.a) < 0)
		return -1;

	/* the workspace, as workspace_load would see it (bar "exports" conditions) */
	fx.ws.pkgs = fx.pkgs;
	fx.ws.manager = "npm";
	strmap_init(&fx.ws.by_name, 16);
	strmap_init(&fx.ws.by_dir, 16);
	p = add_pkg("(root)", "");
	p->is_root = true;
	add_pkg("web", "apps/web");
	add_pkg("admin", "apps/admin");
	p = add_pkg("@scope/ui", "packages/ui");
	p->main = "src/index.js";
	p = add_pkg("utils", "packages/utils");
	fx.utils_exports[0] = (struct export_entry){".", "./src/index.ts"};
	fx.utils_exports[1] = (struct export_entry){"./feature/*", "./src/feature/*.js"};
	fx.utils_exports[2] = (struct export_entry){"./feature/special", "./src/special.js"};
	fx.utils_exports[3] = (struct export_entry){"./string", "./src/string.mjs"};
	p->exports = fx.utils_exports;
	p->nexports = 4;
	p = add_pkg("mod", "packages/mod");
	p->module = "dist/esm.js";
	p->main = "lib/main.js";
	p = add_pkg("str", "packages/str");
	fx.str_exports[0] = (struct export_entry){".", "./entry.js"};
	p->exports = fx.str_exports;
	p->nexports = 1;
	add_pkg("empty", "packages/empty");
	add_pkg("shared-pkg", "packages/shared");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	strmap_free(&fx.ws.by_name);
	strmap_free(&fx.ws.by_dir);
	filelist_release(&fx.t);
	arena_free(&fx.a);
	close(fx.rootfd);
	remove_tree(AT_FDCWD, fx.dir);
	return 0;
}

/* ---- capturing error messages ---- */

static FILE *capture_file;
static int capture_saved = -1;

static void capture_start(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	assert_non_null(capture_file);
	capture_saved = dup(2);
	dup2(fileno(capture_file), 2);
}

static char *capture_end(void)
{
	struct buf b = BUF_INIT;
	char chunk[1024];
	size_t n;

	fflush(stderr);
	dup2(capture_saved, 2);
	close(capture_saved);
	rewind(capture_file);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), capture_file)) > 0)
		buf_add(&b, chunk, n);
	fclose(capture_file);
	return buf_detach(&b, NULL);
}

/* ---- the table ---- */

struct resolve_case {
	const char *importer, *spec;
	bool css;
	enum resolution_kind kind;
	const char *file;   /* with RES_FILE */
	const char *pkg;    /* the package named, for bare names */
};

#define WEB "apps/web/src/main.ts"
#define CSS "apps/web/src/styles/main.css"

static const struct resolve_case cases[] = {
	/* relative */
	{WEB, "./util", false, RES_FILE, "apps/web/src/util.ts", NULL},
	{WEB, "./util.ts", false, RES_FILE, "apps/web/src/util.ts", NULL},
	{WEB, "./util.js", false, RES_FILE, "apps/web/src/util.ts", NULL},
	{WEB, "./view.js", false, RES_FILE, "apps/web/src/view.tsx", NULL},
	{WEB, "./view.jsx", false, RES_FILE, "apps/web/src/view.tsx", NULL},
	{WEB, "./mod.mjs", false, RES_FILE, "apps/web/src/mod.mts", NULL},
	{WEB, "./comp", false, RES_FILE, "apps/web/src/comp/index.tsx", NULL},
	{WEB, "./comp/", false, RES_FILE, "apps/web/src/comp/index.tsx", NULL},
	{WEB, "./comp/index", false, RES_FILE, "apps/web/src/comp/index.tsx", NULL},
	{WEB, "./data.json", false, RES_FILE, "apps/web/src/data.json", NULL},
	{WEB, "./data", false, RES_FILE, "apps/web/src/data.json", NULL},
	{WEB, ".//./util", false, RES_FILE, "apps/web/src/util.ts", NULL},
	{WEB, "../src/util", false, RES_FILE, "apps/web/src/util.ts", NULL},
	{WEB, "../../../packages/ui/src/button", false, RES_FILE, "packages/ui/src/button.js",
	 NULL},
	{WEB, "../../../root", false, RES_FILE, "root.js", NULL},
	{"tool.js", "./root", false, RES_FILE, "root.js", NULL},
	{"tool.js", "./apps/web/src/util.js", false, RES_FILE, "apps/web/src/util.ts", NULL},
	{WEB, "./nope", false, RES_MISSING, NULL, NULL},
	{WEB, "..", false, RES_MISSING, NULL, NULL},

	/* workspace packages */
	{WEB, "@scope/ui", false, RES_FILE, "packages/ui/src/index.js", "@scope/ui"},
	{WEB, "@scope/ui/src/button", false, RES_FILE, "packages/ui/src/button.js", "@scope/ui"},
	{WEB, "@scope/ui/src/button.js", false, RES_FILE, "packages/ui/src/button.js",
	 "@scope/ui"},
	{WEB, "@scope/ui/styles.css", false, RES_FILE, "packages/ui/styles.css", "@scope/ui"},
	{WEB, "@scope/ui/src/nope", false, RES_PACKAGE, NULL, "@scope/ui"},
	{WEB, "utils", false, RES_FILE, "packages/utils/src/index.ts", "utils"},
	{WEB, "utils/feature/a", false, RES_FILE, "packages/utils/src/feature/a.js", "utils"},
	{WEB, "utils/feature/deep/b", false, RES_FILE, "packages/utils/src/feature/deep/b.js",
	 "utils"},
	{WEB, "utils/feature/special", false, RES_FILE, "packages/utils/src/special.js", "utils"},
	{WEB, "utils/string", false, RES_FILE, "packages/utils/src/string.mjs", "utils"},
	{WEB, "utils/src/internal", false, RES_PACKAGE, NULL, "utils"},
	{WEB, "utils/feature", false, RES_PACKAGE, NULL, "utils"},
	{WEB, "mod", false, RES_FILE, "packages/mod/lib/main.js", "mod"},
	{WEB, "mod/lib/main", false, RES_FILE, "packages/mod/lib/main.js", "mod"},
	{WEB, "str", false, RES_FILE, "packages/str/entry.js", "str"},
	{WEB, "empty", false, RES_PACKAGE, NULL, "empty"},
	{WEB, "@scope/nope", false, RES_EXTERNAL, NULL, NULL},
	{WEB, "@scope", false, RES_EXTERNAL, NULL, NULL},
	{WEB, "utilsx", false, RES_EXTERNAL, NULL, NULL},
	{WEB, "(root)", false, RES_EXTERNAL, NULL, NULL},

	/* external */
	{WEB, "react", false, RES_EXTERNAL, NULL, NULL},
	{WEB, "lodash/fp", false, RES_EXTERNAL, NULL, NULL},
	{WEB, "fs", false, RES_EXTERNAL, NULL, NULL},
	{WEB, "node:fs", false, RES_EXTERNAL, NULL, NULL},
	{WEB, "node:utils", false, RES_EXTERNAL, NULL, NULL},
	{WEB, "https://cdn.example/x.js", false, RES_EXTERNAL, NULL, NULL},
	{WEB, "//cdn.example/x.js", false, RES_EXTERNAL, NULL, NULL},
	{WEB, "data:text/javascript,export default 1", false, RES_EXTERNAL, NULL, NULL},
	{WEB, "/abs/x", false, RES_EXTERNAL, NULL, NULL},
	{WEB, "", false, RES_EXTERNAL, NULL, NULL},
	{WEB, "theme.css", false, RES_EXTERNAL, NULL, NULL},

	/* tsconfig paths and baseUrl */
	{WEB, "@app/util", false, RES_FILE, "apps/web/src/util.ts", NULL},
	{WEB, "@app/comp", false, RES_FILE, "apps/web/src/comp/index.tsx", NULL},
	{WEB, "@app/special/button", false, RES_FILE, "apps/web/src/comp/button.tsx", NULL},
	{WEB, "~lib", false, RES_FILE, "apps/web/src/lib/index.ts", NULL},
	{WEB, "@multi/thing", false, RES_FILE, "apps/web/src/alt/thing.ts", NULL},
	{WEB, "src/util", false, RES_FILE, "apps/web/src/util.ts", NULL},
	{"apps/web/src/comp/index.tsx", "@app/util", false, RES_FILE, "apps/web/src/util.ts",
	 NULL},
	/* own paths replace the inherited ones, as in TypeScript */
	{WEB, "@shared/x", false, RES_EXTERNAL, NULL, NULL},
	{"apps/admin/src/x.ts", "@shared/x", false, RES_FILE, "packages/shared/src/x.ts", NULL},
	{"apps/admin/src/x.ts", "@app/util", false, RES_EXTERNAL, NULL, NULL},
	{"apps/multi/src/i.ts", "@m/f", false, RES_FILE, "apps/multi/b/f.ts", NULL},
	{"apps/legacy/src/deep/b.js", "a", false, RES_FILE, "apps/legacy/src/a.js", NULL},
	{"apps/legacy/src/a.js", "deep/b", false, RES_FILE, "apps/legacy/src/deep/b.js", NULL},
	{"apps/cycle/src/c.ts", "zz", false, RES_EXTERNAL, NULL, NULL},

	/* CSS */
	{CSS, "theme.css", true, RES_FILE, "apps/web/src/styles/theme.css", NULL},
	{CSS, "./theme.css", true, RES_FILE, "apps/web/src/styles/theme.css", NULL},
	{CSS, "./theme", true, RES_FILE, "apps/web/src/styles/theme.css", NULL},
	{CSS, "vars", true, RES_FILE, "apps/web/src/styles/_vars.scss", NULL},
	{CSS, "./vars", true, RES_FILE, "apps/web/src/styles/_vars.scss", NULL},
	{CSS, "_vars", true, RES_FILE, "apps/web/src/styles/_vars.scss", NULL},
	{CSS, "base/mixins", true, RES_FILE, "apps/web/src/styles/base/_mixins.scss", NULL},
	{CSS, "../util", true, RES_FILE, "apps/web/src/util.ts", NULL},
	{CSS, "~@scope/ui/styles.css", true, RES_FILE, "packages/ui/styles.css", "@scope/ui"},
	{CSS, "@scope/ui/styles.css", true, RES_FILE, "packages/ui/styles.css", "@scope/ui"},
	{CSS, "sass:math", true, RES_EXTERNAL, NULL, NULL},
	{CSS, "https://fonts.example/css?family=x", true, RES_EXTERNAL, NULL, NULL},
	{CSS, "nope.css", true, RES_EXTERNAL, NULL, NULL},
	{CSS, "./nope.css", true, RES_MISSING, NULL, NULL},
	{CSS, "~", true, RES_EXTERNAL, NULL, NULL},
};

static const char *kind_name(enum resolution_kind k)
{
	switch (k) {
	case RES_EXTERNAL: return "external";
	case RES_FILE: return "file";
	case RES_PACKAGE: return "package";
	case RES_MISSING: return "missing";
	}
	return "?";
}

static int check_case(struct resolver *r, const struct resolve_case *c)
{
	struct resolution res;
	char *dir = path_dirname(c->importer);
	int ret = resolve_import(r, dir, c->spec, c->css, &res);
	const char *file = res.file ? res.file->path : NULL;
	const char *pkg = res.pkg ? res.pkg->name : NULL;

	free(dir);
	if (ret == 0 && res.kind == c->kind &&
	    ((!file && !c->file) || (file && c->file && !strcmp(file, c->file))) &&
	    (!c->pkg || (pkg && !strcmp(pkg, c->pkg))))
		return 0;
	print_error("%s imports \"%s\"%s: got %s %s (%s), ret %d; expected %s %s (%s)\n",
		    c->importer, c->spec, c->css ? " (css)" : "", kind_name(res.kind),
		    file ? file : "-", pkg ? pkg : "-", ret, kind_name(c->kind),
		    c->file ? c->file : "-", c->pkg ? c->pkg : "-");
	return 1;
}

static void resolve_table(void **state)
{
	struct resolver r;
	struct arena a = ARENA_INIT;
	size_t i;
	int bad = 0;

	(void)state;
	resolver_init(&r, &fx.ws, &fx.t, &a);
	for (i = 0; i < ARRAY_LEN(cases); i++)
		bad += check_case(&r, &cases[i]);
	assert_int_equal(r.errors, 0);
	resolver_release(&r);
	arena_free(&a);
	if (bad)
		fail_msg("%d of %zu rows do not resolve as expected", bad, ARRAY_LEN(cases));
}

/* The same table in reverse: tsconfig answers remembered in any order agree. */
static void resolve_table_reversed(void **state)
{
	struct resolver r;
	struct arena a = ARENA_INIT;
	size_t i;
	int bad = 0;

	(void)state;
	resolver_init(&r, &fx.ws, &fx.t, &a);
	for (i = ARRAY_LEN(cases); i-- > 0;)
		bad += check_case(&r, &cases[i]);
	resolver_release(&r);
	arena_free(&a);
	if (bad)
		fail_msg("%d of %zu rows do not resolve as expected", bad, ARRAY_LEN(cases));
}

/*
 * A relative specifier that climbs out of the workspace names nothing in it:
 * external, like a package from outside, not a missing file of the workspace.
 */
static void climbing_out_is_external(void **state)
{
	static const struct resolve_case rows[] = {
		{WEB, "../../../../x", false, RES_EXTERNAL, NULL, NULL},
		{"tool.js", "../x", false, RES_EXTERNAL, NULL, NULL},
		{CSS, "../../../../../shared.css", true, RES_EXTERNAL, NULL, NULL},
	};
	struct resolver r;
	struct arena a = ARENA_INIT;
	size_t i;
	int bad = 0;

	(void)state;
	resolver_init(&r, &fx.ws, &fx.t, &a);
	for (i = 0; i < ARRAY_LEN(rows); i++)
		bad += check_case(&r, &rows[i]);
	resolver_release(&r);
	arena_free(&a);
	assert_int_equal(bad, 0);
}

/*
 * TypeScript resolves "paths" from the baseUrl when one is set, even when
 * "paths" came from an extended file (getPathsBasePath: baseUrl, else the
 * folder of the file that declared "paths").
 */
static void inherited_paths_follow_own_base_url(void **state)
{
	static const struct resolve_case c = {
		"apps/child/src/q.ts", "@shared/x", false, RES_FILE,
		"apps/child/packages/shared/src/x.ts", NULL,
	};
	struct resolver r;
	struct arena a = ARENA_INIT;
	int bad;

	(void)state;
	resolver_init(&r, &fx.ws, &fx.t, &a);
	bad = check_case(&r, &c);
	resolver_release(&r);
	arena_free(&a);
	assert_int_equal(bad, 0);
}

/* A broken tsconfig is an error that names file:line:col, every time it matters. */
static void broken_tsconfig(void **state)
{
	struct resolver r;
	struct arena a = ARENA_INIT;
	struct resolution res;
	char *out;
	int ret;

	(void)state;
	resolver_init(&r, &fx.ws, &fx.t, &a);
	capture_start();
	ret = resolve_import(&r, "apps/broken/src", "x", false, &res);
	out = capture_end();
	assert_int_equal(ret, -1);
	assert_int_equal(res.kind, RES_EXTERNAL);
	assert_true(r.errors > 0);
	assert_non_null(strstr(out, "apps/broken/tsconfig.json:1:"));
	free(out);
	/* relative imports next to it need no tsconfig */
	capture_start();
	ret = resolve_import(&r, "apps/broken/src", "./y", false, &res);
	out = capture_end();
	assert_int_equal(ret, 0);
	assert_int_equal(res.kind, RES_FILE);
	free(out);
	/* a baseUrl out of the workspace is an error too */
	capture_start();
	ret = resolve_import(&r, "apps/outside/src", "y", false, &res);
	out = capture_end();
	assert_int_equal(ret, -1);
	assert_int_equal(res.kind, RES_EXTERNAL);
	assert_non_null(strstr(out, "apps/outside/tsconfig.json:1:"));
	assert_non_null(strstr(out, "baseUrl"));
	free(out);
	resolver_release(&r);
	arena_free(&a);
}

/* Many importers in many folders: the tsconfig map grows while it is used. */
static void many_folders(void **state)
{
	struct resolver r;
	struct arena a = ARENA_INIT;
	struct resolution res;
	char folder[64];
	int i;

	(void)state;
	resolver_init(&r, &fx.ws, &fx.t, &a);
	for (i = 0; i < 500; i++) {
		snprintf(folder, sizeof(folder), "apps/web/src/d%d/e%d", i, i % 7);
		assert_int_equal(resolve_import(&r, folder, "@app/util", false, &res), 0);
		assert_int_equal(res.kind, RES_FILE);
		assert_string_equal(res.file->path, "apps/web/src/util.ts");
		snprintf(folder, sizeof(folder), "packages/p%d/src", i);
		assert_int_equal(resolve_import(&r, folder, "@app/util", false, &res), 0);
		assert_int_equal(res.kind, RES_EXTERNAL);
	}
	resolver_release(&r);
	arena_free(&a);
}

/* The real workspace_load on the same folder: which "exports" condition wins. */
static void loaded_workspace(void **state)
{
	static const struct resolve_case rows[] = {
		{WEB, "@scope/ui", false, RES_FILE, "packages/ui/src/index.js", "@scope/ui"},
		{WEB, "utils", false, RES_FILE, "packages/utils/src/index.ts", "utils"},
		{WEB, "utils/string", false, RES_FILE, "packages/utils/src/string.mjs", "utils"},
		{WEB, "utils/feature/deep/b", false, RES_FILE,
		 "packages/utils/src/feature/deep/b.js", "utils"},
		{WEB, "utils/feature/special", false, RES_FILE, "packages/utils/src/special.js",
		 "utils"},
		{WEB, "utils/package.json", false, RES_FILE, "packages/utils/package.json", "utils"},
		{WEB, "mod", false, RES_FILE, "packages/mod/lib/main.js", "mod"},
		{WEB, "str", false, RES_FILE, "packages/str/entry.js", "str"},
		{WEB, "empty", false, RES_PACKAGE, NULL, "empty"},
	};
	struct workspace ws;
	struct cache cache;
	struct arena a = ARENA_INIT;
	struct resolver r;
	size_t i;
	int bad = 0;

	(void)state;
	cache_disable(&cache);
	assert_int_equal(workspace_load(&ws, &fx.t, &cache, &a), 0);
	assert_string_equal(ws.manager, "npm");
	assert_non_null(workspace_package(&ws, "utils", 5));
	assert_string_equal(workspace_owner(&ws, "packages/utils/src/x.js")->name, "utils");
	assert_true(workspace_owner(&ws, "tool.js")->is_root);
	resolver_init(&r, &ws, &fx.t, &a);
	for (i = 0; i < ARRAY_LEN(rows); i++)
		bad += check_case(&r, &rows[i]);
	resolver_release(&r);
	workspace_release(&ws);
	arena_free(&a);
	if (bad)
		fail_msg("%d rows do not resolve as expected", bad);
}

/*
 * {"node": ..., "default": ...}: a bundler building for the browser does not
 * take "node"; the browser build imports ./browser.js.
 */
static void exports_node_condition(void **state)
{
	static const struct resolve_case c = {
		WEB, "cond", false, RES_FILE, "packages/cond/browser.js", "cond",
	};
	struct workspace ws;
	struct cache cache;
	struct arena a = ARENA_INIT;
	struct resolver r;
	int bad;

	(void)state;
	cache_disable(&cache);
	assert_int_equal(workspace_load(&ws, &fx.t, &cache, &a), 0);
	resolver_init(&r, &ws, &fx.t, &a);
	bad = check_case(&r, &c);
	resolver_release(&r);
	workspace_release(&ws);
	arena_free(&a);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resolve_table),
		cmocka_unit_test(resolve_table_reversed),
		cmocka_unit_test(climbing_out_is_external),
		cmocka_unit_test(inherited_paths_follow_own_base_url),
		cmocka_unit_test(broken_tsconfig),
		cmocka_unit_test(many_folders),
		cmocka_unit_test(loaded_workspace),
		cmocka_unit_test(exports_node_condition),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
