/*
 * pnpmlock: the per-package closures of pnpm-lock.yaml, for lockdiff.
 *
 * Each importer (".", "packages/a", ...) names its direct dependencies with
 * the version resolved; the walk follows them through "snapshots"
 * (lockfileVersion 9) or "packages" (5 and 6, where the keys are
 * "/name@version" or "/name/version"), peer suffixes included, so a peer
 * that resolves differently counts.  Versions that link to a workspace
 * package ("link:../b") end the walk: their changes travel by manifest
 * edges.  A lockfile without importers (one package) belongs to the root.
 */
#ifndef RELGATE_PNPMLOCK_H
#define RELGATE_PNPMLOCK_H

#include <stddef.h>

#include "analyze/workspace.h"
#include "lib/config.h"
#include "lib/arena.h"
#include "lib/util.h"

/*
 * Fill out[i] (key -> struct lock_entry *) for every package ws->pkgs[i];
 * the root's direct dependencies that cfg (may be NULL) ignores are not.
 * YAML that is no pnpm lockfile sets *fallback, once, to why.  Returns 0,
 * or -1 after an error message (YAML that does not parse: file:line:col,
 * FAULT_INPUT).
 */
int pnpmlock_closures(const char *name, const char *note, const char *text, size_t len,
		      const struct workspace *ws, const struct config *cfg, struct strmap *out,
		      struct arena *a, char **fallback);

#endif
