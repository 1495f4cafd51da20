/*
 * fuzz-lockfile: two versions of a lockfile (package-lock.json, pnpm-lock.yaml,
 * yarn.lock, bun.lock, or one relgate does not read per package) against a
 * small fixed workspace.  The first byte is a set of flags (old absent, new
 * absent, both the same, which file name in three bits, no note for the new
 * side); the rest holds the old text, a NUL byte, the new text.
 * The same text on both sides must never touch a package.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/lockdiff.h"
#include "analyze/workspace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct workspace ws;
static struct package pkgs[4];

static void add_pkg(const char *name, const char *dir)
{
	struct package *p = &pkgs[ws.npkgs];

	p->name = name;
	p->dir = dir;
	p->is_root = !*dir;
	p->node = -1;
	strmap_put(&ws.by_name, name, strlen(name))->value = (void *)(uintptr_t)(ws.npkgs + 1);
	strmap_put(&ws.by_dir, dir, strlen(dir))->value = (void *)(uintptr_t)(ws.npkgs + 1);
	ws.npkgs++;
}

static void workspace_once(void)
{
	if (ws.npkgs)
		return;
	ws.pkgs = pkgs;
	ws.manager = "npm";
	ws.lockfile = "package-lock.json";
	strmap_init(&ws.by_name, 8);
	strmap_init(&ws.by_dir, 8);
	add_pkg("(root)", "");
	add_pkg("a", "packages/a");
	add_pkg("b", "packages/b");
	add_pkg("@s/c", "packages/c");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"package-lock.json", "tools/package-lock.json", "yarn.lock", "pnpm-lock.yaml",
		"bun.lock", "tools/bun.lock", "bun.lockb", "npm-shrinkwrap.json",
	};
	struct lockfile_diff d;
	const char *text, *old, *new, *nul;
	size_t len, old_len, new_len, i;
	uint8_t flags;
	int ret;

	if (!size)
		return 0;
	workspace_once();
	flags = data[0];
	text = (const char *)data + 1;
	len = size - 1;
	nul = memchr(text, '\0', len);
	old = text;
	old_len = nul ? (size_t)(nul - text) : len;
	new = nul ? nul + 1 : text + len;
	new_len = nul ? len - old_len - 1 : 0;
	if (flags & 4) {
		new = old;
		new_len = old_len;
	}
	if (flags & 1)
		old = NULL, old_len = 0;
	if (flags & 2)
		new = NULL, new_len = 0;

	ret = lockfile_diff(names[(flags >> 3) & 7], "as of old", old, old_len,
			    flags & 64 ? NULL : "as of new", new, new_len, &ws, NULL, &d);
	if (ret != 0 && ret != -1)
		abort();
	if (ret == 0) {
		if (d.all && !d.reason)
			abort();
		for (i = 0; i < d.n; i++)
			if (d.hits[i].pkg < pkgs || d.hits[i].pkg >= pkgs + ws.npkgs ||
			    !d.hits[i].detail || !*d.hits[i].detail)
				abort();
		if (old && new && old == new && !d.all && d.n)
			abort();
		lockfile_diff_release(&d);
	}
	return 0;
}
