/*
 * fuzz-yarn1lock: yarn 1's lockfile reader on any bytes, then the closures
 * of a small workspace whose packages depend on names the seeds use.  A
 * parse either succeeds with every descriptor naming a kept entry, or fails
 * with FAULT_INPUT; nothing reads out of bounds or leaks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/yarn1lock.h"
#include "lib/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(const char *level, const char *text, void *arg)
{
	(void)level;
	(void)text;
	(void)arg;
}

static struct dep deps_a[] = {
	{.name = "left-pad", .spec = "left-pad@^1.0.0", .kind = DEP_PROD},
	{.name = "b", .spec = "b@*", .kind = DEP_PROD},
};
static struct dep deps_b[] = {
	{.name = "is-odd", .spec = "is-odd@^3.0.0", .kind = DEP_DEV},
	{.name = "y", .spec = "x@npm:y@^1", .kind = DEP_OPTIONAL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct package pkgs[3];
	static struct workspace ws;
	struct yarn1_lock l;
	struct arena a = ARENA_INIT;
	struct strmap out[3];
	size_t i, j;
	int ret;

	if (!ws.npkgs) {
		pkgs[0] = (struct package){.name = "(root)", .dir = "", .is_root = true};
		pkgs[1] = (struct package){.name = "a", .dir = "a", .deps = deps_a, .ndeps = 2};
		pkgs[2] = (struct package){.name = "b", .dir = "b", .deps = deps_b, .ndeps = 2};
		ws.pkgs = pkgs;
		ws.npkgs = 3;
		ws.links_by_name = true;
		strmap_init(&ws.by_name, 4);
		for (i = 0; i < 3; i++)
			strmap_put(&ws.by_name, pkgs[i].name, strlen(pkgs[i].name))->value =
				(void *)(uintptr_t)(i + 1);
	}
	diag_set_routine(quiet, NULL);
	fault_clear();
	ret = yarn1_parse(&l, "yarn.lock", NULL, (const char *)data, size, &a);
	if (ret == 0) {
		for (i = 0; i < l.by_descriptor.cap; i++) {
			const struct strmap_entry *e = &l.by_descriptor.slots[i];
			bool kept = false;

			if (!e->key)
				continue;
			for (j = 0; j < l.nentries && !kept; j++)
				kept = e->value == l.entries[j];
			if (!kept)
				abort();
		}
	} else if (ret != -1 || fault_last() != FAULT_INPUT) {
		abort();
	}
	yarn1_release(&l);
	for (i = 0; i < 3; i++)
		strmap_init(&out[i], 4);
	ret = yarn1lock_closures("yarn.lock", NULL, (const char *)data, size, &ws, NULL, out, &a);
	if (ret != 0 && ret != -1)
		abort();
	for (i = 0; i < 3; i++)
		strmap_free(&out[i]);
	diag_set_routine(NULL, NULL);
	arena_free(&a);
	return 0;
}
