/*
 * yarnlock: the per-package closures of yarn.lock as yarn 2 and later
 * write it (YAML with __metadata), for lockdiff.  A workspace package is
 * its "<name>@workspace:<folder>" entry; the walk follows each entry's
 * dependencies through the descriptors that key the entries ("lodash@npm:
 * ^4.17.21"), workspace links ending it.  yarn 1's lockfile (no
 * __metadata) goes to yarn1lock.
 */
#ifndef RELGATE_YARNLOCK_H
#define RELGATE_YARNLOCK_H

#include <stddef.h>

#include "analyze/workspace.h"
#include "lib/arena.h"
#include "lib/config.h"
#include "lib/util.h"

/* As npmlock_closures, for yarn.lock. */
int yarnlock_closures(const char *name, const char *note, const char *text, size_t len,
		      const struct workspace *ws, const struct config *cfg, struct strmap *out,
		      struct arena *a, char **fallback);

#endif
