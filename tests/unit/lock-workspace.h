/*
 * lock-workspace.h: the small workspace the lockfile tests read closures
 * for, built by hand: a root and packages a, b and @s/c, under packages/.
 * Included by one test file each (its functions are static).
 */
#ifndef RELGATE_TEST_LOCK_WORKSPACE_H
#define RELGATE_TEST_LOCK_WORKSPACE_H

#include <stdint.h>
#include <string.h>

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

#endif
