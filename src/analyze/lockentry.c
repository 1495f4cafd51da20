/*
 * lockentry: an entry's strings live in the closure's arena.
 */
#include <stdlib.h>

#include "analyze/lockentry.h"
#include "lib/util.h"

const struct lock_entry *lock_entry(struct arena *a, const char *name, const char *where,
				    const char *version, const char *integrity,
				    const char *source)
{
	struct lock_entry *e = arena_alloc(a, sizeof(*e));
	char *ident = xasprintf("%s %s", integrity ? integrity : "", source ? source : "");

	e->name = arena_strdup(a, name);
	e->where = arena_strdup(a, where ? where : "");
	e->version = arena_strdup(a, version ? version : "");
	e->ident = arena_strdup(a, ident);
	free(ident);
	return e;
}
