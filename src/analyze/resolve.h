/*
 * resolve: from an import specifier to the file or workspace package it
 * names, the way bundlers resolve: relative paths with extensions and index
 * files (and TypeScript's ".js" for ".ts"), tsconfig/jsconfig "paths" and
 * "baseUrl" (following relative "extends"), bare names and subpaths of
 * workspace packages through "exports", "module" and "main".  Anything else
 * (node_modules, built-ins, URLs) is external and yields no edge.
 *
 * It looks only at the file list, never at the disk, except to
 * read tsconfig files.
 */
#ifndef RELGATE_RESOLVE_H
#define RELGATE_RESOLVE_H

#include "lib/arena.h"
#include "analyze/filelist.h"
#include "lib/util.h"
#include "analyze/workspace.h"

enum resolution_kind {
	RES_EXTERNAL,   /* not in the workspace */
	RES_FILE,       /* a file of the list */
	RES_PACKAGE,    /* a workspace package whose entry file was not found */
	RES_MISSING,    /* looks local (relative, alias) but names no file */
};

struct resolution {
	enum resolution_kind kind;
	const struct wsfile *file;
	const struct package *pkg;
};

struct tsconfig;
struct resolver {
	const struct workspace *ws;
	const struct filelist *t;
	struct arena *a;
	struct strmap tsconfig_by_dir;  /* dir -> struct tsconfig *, or a "none" marker */
	struct strmap tsconfig_by_path; /* each file read once, however many extend it */
	struct strmap bare;             /* bare specifier -> struct memo * */
	int errors;                     /* broken tsconfig files seen */
	struct buf scratch;
};

void resolver_init(struct resolver *r, const struct workspace *ws, const struct filelist *t,
		   struct arena *a);
/*
 * Resolve spec as imported by a file in the folder dir (workspace-relative,
 * "" for the root).  Returns 0, or -1 after an error message about a broken
 * tsconfig file.
 */
int resolve_import(struct resolver *r, const char *dir, const char *spec, bool css,
		   struct resolution *out);
void resolver_release(struct resolver *r);

#endif
