/*
 * setup: the workspace root and relgate.json, once per run.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/setup.h"
#include "analyze/workspace.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/util.h"

/* Does the folder hold what makes a workspace? */
static bool has_marker(const char *dir)
{
	static const char *const markers[] = {"relgate.json", "package.json", "pnpm-workspace.yaml"};
	size_t i;

	for (i = 0; i < ARRAY_LEN(markers); i++) {
		char *path = xasprintf("%s/%s", dir, markers[i]);
		bool found = access(path, F_OK) == 0;

		free(path);
		if (found)
			return true;
	}
	return false;
}

int setup_open(struct setup *s, const char *config)
{
	char *cwd = getcwd(NULL, 0), *cfgpath = NULL;

	memset(s, 0, sizeof(*s));
	s->rootfd = -1;
	if (!cwd)
		return error_as(FAULT_ENV, "cannot tell the current folder:");
	/* the workspace is found from where relgate runs; --config only names the file */
	s->root = workspace_find_root(cwd);
	if (!s->root) {
		error("cannot resolve the folder %s:", cwd);
		free(cwd);
		return fault(FAULT_ENV);
	}
	free(cwd);
	/* no workspace: say so, and write nothing (no .relgate/ in a folder that is none) */
	if (!has_marker(s->root)) {
		error("%s is not in a workspace: no relgate.json or pnpm-workspace.yaml here or "
		      "above, and no package.json here", s->root);
		return fault(FAULT_INPUT);
	}
	if (config) {
		cfgpath = xstrdup(config);
	} else {
		cfgpath = xasprintf("%s/relgate.json", s->root);
		if (access(cfgpath, F_OK) < 0) {
			free(cfgpath);
			cfgpath = NULL;
		}
	}
	if (cfgpath) {
		s->config_broken = config_load(&s->cfg, cfgpath) < 0;
		free(cfgpath);
	} else {
		config_defaults(&s->cfg);
	}
	s->rootfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0)
		return error_as(FAULT_ENV, "cannot open %s:", s->root);
	return 0;
}

int setup_check(const struct setup *s)
{
	return s->config_broken ? fault(FAULT_INPUT) : 0;
}

void setup_state_dir(const char *root)
{
	static const char text[] = "# relgate's cache and state: not for git\n*\n";
	char *path = xasprintf("%s/.relgate/.gitignore", root);

	if (access(path, F_OK) < 0 && write_file_atomic(path, text, sizeof(text) - 1) < 0)
		warn("cannot write %s:", path);
	free(path);
}

void setup_release(struct setup *s)
{
	if (s->rootfd >= 0)
		close(s->rootfd);
	config_release(&s->cfg);
	free(s->root);
	memset(s, 0, sizeof(*s));
	s->rootfd = -1;
}
