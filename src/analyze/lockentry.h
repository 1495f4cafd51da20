/*
 * lockentry: one resolved entry of a lockfile's per-package closure, as
 * the readers (npmlock, pnpmlock) make them and lockdiff compares them.
 */
#ifndef RELGATE_LOCKENTRY_H
#define RELGATE_LOCKENTRY_H

#include "lib/arena.h"

/* One resolved entry of a closure, as the readers make them. */
struct lock_entry {
	const char *name;     /* "left-pad" */
	const char *where;    /* where it is installed when that is not the top: "node_modules/a" */
	const char *version;  /* "1.3.0" */
	const char *ident;    /* integrity and source: equal entries are the same bytes */
};

/* An entry in the arena a (every string copied). */
const struct lock_entry *lock_entry(struct arena *a, const char *name, const char *where,
				    const char *version, const char *integrity,
				    const char *source);

#endif
