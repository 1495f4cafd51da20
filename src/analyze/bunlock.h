/*
 * bunlock: the per-package closures of bun's text lockfile, bun.lock
 * (JSON with trailing commas), for lockdiff.
 *
 * Its "workspaces" map holds each workspace package's dependencies by
 * folder; its "packages" map holds every installed package by where it is
 * installed: "lodash" at the top, "a/lodash" under package a (or under the
 * workspace package named a), "@s/x/@s/y" under a scoped one.  A name is
 * looked up as Node would: under the package that asks, then under each
 * package above it, then at the top.  Entries that map to workspace
 * packages ("x@workspace:packages/x") end the walk: their changes travel
 * by manifest edges.  bun.lockb, the older binary format, is not read.
 */
#ifndef RELGATE_BUNLOCK_H
#define RELGATE_BUNLOCK_H

#include <stddef.h>

#include "analyze/workspace.h"
#include "lib/arena.h"
#include "lib/config.h"
#include "lib/util.h"

/*
 * Fill out[i] (key -> struct lock_entry *) for every package ws->pkgs[i];
 * the root's direct dependencies that cfg (may be NULL) ignores are not.
 * A lockfile relgate cannot read per package (an unknown lockfileVersion,
 * no "packages") sets *fallback, once, to why.  Returns 0, or -1 after an
 * error message (not JSON: file:line:col, FAULT_INPUT).
 */
int bunlock_closures(const char *name, const char *note, const char *text, size_t len,
		     const struct workspace *ws, const struct config *cfg, struct strmap *out,
		     struct arena *a, char **fallback);

#endif
