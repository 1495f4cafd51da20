/*
 * fuzz-artifact: a release manifest, as fsck and the store read it back
 * from the disk.  A manifest it takes has entries sorted by path, each
 * once, every path made of plain components, and a mode git writes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/artifact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct artifact a;
	size_t i;

	if (artifact_parse((const char *)data, size, &a) < 0)
		return 0;
	for (i = 0; i < a.n; i++) {
		const char *p = a.v[i].path;

		if (!*p || p[0] == '/' || strstr(p, "//") || !strcmp(p, "..") ||
		    !strncmp(p, "../", 3) || strstr(p, "/../") ||
		    (i && strcmp(a.v[i - 1].path, p) >= 0) || artifact_find(&a, p) != &a.v[i])
			abort();
		if (a.v[i].mode != ARTIFACT_MODE_FILE && a.v[i].mode != ARTIFACT_MODE_EXEC &&
		    a.v[i].mode != ARTIFACT_MODE_LINK)
			abort();
	}
	artifact_release(&a);
	return 0;
}
