/*
 * npmlock: the per-package closures of package-lock.json (lockfileVersion 2
 * and 3), for lockdiff.  Entries that link to workspace packages end the
 * walk: their changes travel by manifest edges.
 */
#ifndef RELGATE_NPMLOCK_H
#define RELGATE_NPMLOCK_H

#include <stddef.h>

#include "analyze/workspace.h"
#include "lib/config.h"
#include "lib/arena.h"
#include "lib/util.h"

/*
 * Fill out[i] (key -> struct lock_entry *) for every package ws->pkgs[i];
 * the root's direct dependencies that cfg (may be NULL) ignores are not.
 * A lockfile that has no per-package entries (v1) sets *fallback, once, to
 * why.  Returns 0, or -1 after an error message (invalid JSON, FAULT_INPUT).
 */
int npmlock_closures(const char *name, const char *note, const char *text, size_t len,
		     const struct workspace *ws, const struct config *cfg, struct strmap *out,
		     struct arena *a, char **fallback);

#endif
