/*
 * lockdiff: which workspace packages a lockfile change really touches.
 *
 * Each workspace package's resolved external dependencies are followed
 * through the lockfile, before and after the change (per-package
 * closures: npmlock for package-lock.json v2 and v3, pnpmlock for
 * pnpm-lock.yaml v5 to v9, yarnlock for yarn.lock (yarn 1 and from yarn 2
 * on), bunlock for bun.lock); a package is affected only when its closure of
 * resolved (name, version, integrity) entries differs.  A bump of one
 * library therefore selects the packages that use it, not every product.
 *
 * Lockfiles it cannot read that way (package-lock.json v1, bun.lockb,
 * npm-shrinkwrap.json) make every product affected, and the result says so
 * and why.
 */
#ifndef RELGATE_LOCKDIFF_H
#define RELGATE_LOCKDIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "analyze/workspace.h"
#include "lib/config.h"

struct lockfile_hit {
	const struct package *pkg;
	char *detail;   /* "left-pad 1.2.0 -> 1.3.0, +is-number 7.0.0" */
	char *root_reason;  /* for the root package: the reason every product gets */
};

struct lockfile_diff {
	bool all;        /* every product: the lockfile could not be read per package */
	char *reason;    /* why, when all */
	struct lockfile_hit *hits;
	size_t n, cap;
};

/*
 * Compare two versions of the lockfile called name (either text may be NULL
 * for "absent").  old_note and new_note (may be NULL) follow file:line:col
 * in error messages, to say which version: "as of 1a2b3c".  Returns 0, or
 * -1 after an error message (a file that is no JSON or YAML: file:line:col,
 * FAULT_INPUT).  The root's direct dependencies that cfg says no build uses
 * (cfg may be NULL) are left out of its closure.
 */
int lockfile_diff(const char *name, const char *old_note, const char *old_text, size_t old_len,
		  const char *new_note, const char *new_text, size_t new_len,
		  const struct workspace *ws, const struct config *cfg, struct lockfile_diff *out);

void lockfile_diff_release(struct lockfile_diff *d);

#endif
