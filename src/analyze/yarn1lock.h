/*
 * yarn1lock: yarn 1's yarn.lock ("# yarn lockfile v1"), for lockdiff.
 *
 * Its format is no YAML: a line per key, two spaces of indentation per
 * level, keys and values bare or in double quotes (JSON escapes), "key
 * value" pairs and "key:" blocks, and top-level keys that list every
 * descriptor an entry serves ("a@^1.0.0", "a@^1.2.0":).  It names no
 * workspace package, so a package's closure starts from its package.json's
 * dependencies (workspace facts: dep->spec is the "name@range" yarn keys
 * its entries by) and follows each entry's dependencies and
 * optionalDependencies through the descriptors.
 */
#ifndef RELGATE_YARN1LOCK_H
#define RELGATE_YARN1LOCK_H

#include <stddef.h>

#include "analyze/workspace.h"
#include "lib/arena.h"
#include "lib/config.h"
#include "lib/util.h"

struct yarn1_dep {
	const char *name, *range;
};

struct yarn1_entry {
	const char *version, *resolved, *integrity;
	struct yarn1_dep *deps;   /* dependencies, then optionalDependencies */
	size_t ndeps;
};

struct yarn1_lock {
	struct strmap by_descriptor;   /* "left-pad@^1.0.0" -> struct yarn1_entry * */
	size_t nentries, capentries;
	struct yarn1_entry **entries;  /* in the file's order */
};

/*
 * Parse text (name and note for messages: "yarn.lock", "as of abc123").
 * Strings live in a.  Returns 0, or -1 after an error with
 * name:line:column (FAULT_INPUT); yarn1_release() either way.
 */
int yarn1_parse(struct yarn1_lock *l, const char *name, const char *note, const char *text,
		size_t len, struct arena *a);
void yarn1_release(struct yarn1_lock *l);

/* As npmlock_closures, for a yarn 1 lockfile. */
int yarn1lock_closures(const char *name, const char *note, const char *text, size_t len,
		       const struct workspace *ws, const struct config *cfg, struct strmap *out,
		       struct arena *a);

#endif
