/*
 * setup: where relgate runs.  The workspace root, found from the current
 * folder, and its relgate.json (or the defaults without one).  main.c does
 * this once for every command that reads the workspace (NEED_SETUP in its
 * table); the stages after it take what they need from here.
 */
#ifndef RELGATE_SETUP_H
#define RELGATE_SETUP_H

#include <stdbool.h>

#include "lib/config.h"

struct setup {
	char *root;               /* absolute workspace root */
	int rootfd;               /* open on root */
	struct config cfg;
	bool config_broken;       /* relgate.json had errors, already printed */
};

/*
 * Find the workspace from the current folder and read relgate.json (the
 * file config names, or the root's own).  A broken relgate.json still
 * gives a root, so that the analysis can report its other errors in the
 * same run: config_broken says so.  Returns 0, or -1 after an error when
 * there is no usable root (FAULT_ENV).
 */
int setup_open(struct setup *s, const char *config);

/* 0 when the setup is usable as it is; -1 (FAULT_INPUT) for a broken relgate.json. */
int setup_check(const struct setup *s);

/*
 * Make .relgate/ at the root, with a .gitignore of its own, so that
 * relgate's cache and state never show up as a change.
 */
void setup_state_dir(const char *root);

void setup_release(struct setup *s);

#endif
