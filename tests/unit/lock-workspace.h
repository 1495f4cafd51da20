/*
 * lock-workspace.h: the small workspace the lockfile tests read closures
 * for, built by hand (a root and packages a, b and @s/c, under packages/),
 * and the comparison of two lockfile texts on it.  Included by one test
 * file each (its functions are static).
 */
#ifndef RELGATE_TEST_LOCK_WORKSPACE_H
#define RELGATE_TEST_LOCK_WORKSPACE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "analyze/lockdiff.h"
#include "analyze/workspace.h"
#include "lib/util.h"

static struct workspace ws;
static struct package pkgs[4];

static void add_pkg(const char *name, const char *dir)
{
	struct package *p = &pkgs[ws.npkgs];

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->dir = dir;
	p->is_root = !*dir;
	p->node = -1;
	strmap_put(&ws.by_name, name, strlen(name))->value = (void *)(uintptr_t)(ws.npkgs + 1);
	strmap_put(&ws.by_dir, dir, strlen(dir))->value = (void *)(uintptr_t)(ws.npkgs + 1);
	ws.npkgs++;
}

/* The workspace, its root package named root_name, with lockfile at its root. */
static void lock_workspace(const char *root_name, const char *lockfile)
{
	memset(&ws, 0, sizeof(ws));
	ws.pkgs = pkgs;
	ws.manager = "npm";
	ws.lockfile = lockfile;
	strmap_init(&ws.by_name, 8);
	strmap_init(&ws.by_dir, 8);
	add_pkg(root_name, "");
	add_pkg("a", "packages/a");
	add_pkg("b", "packages/b");
	add_pkg("@s/c", "packages/c");
}

static int teardown(void **state)
{
	(void)state;
	strmap_free(&ws.by_name);
	strmap_free(&ws.by_dir);
	return 0;
}

/* Compare two versions (either may be NULL) of the lockfile called name. */
static int diff(const char *name, const char *old, const char *new, struct lockfile_diff *d)
{
	return lockfile_diff(name, "as of old", old, old ? strlen(old) : 0, "as of new", new,
			     new ? strlen(new) : 0, &ws, NULL, d);
}

/* The hits as "name: detail; name: detail", in package order. */
static char *hits(const struct lockfile_diff *d)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_init(&b);
	for (i = 0; i < d->n; i++)
		buf_addf(&b, "%s%s: %s", i ? "; " : "", d->hits[i].pkg->name, d->hits[i].detail);
	return buf_detach(&b, NULL);
}

/* Whether d's hits read want; when not, says so for the row called row. */
static bool hits_are(const struct lockfile_diff *d, const char *row, const char *want)
{
	char *got = hits(d);
	bool same = !strcmp(got, want);

	if (!same)
		print_error("%s: got \"%s\", expected \"%s\"\n", row, got, want);
	free(got);
	return same;
}

#endif
