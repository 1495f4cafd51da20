/*
 * fuzz-gitindex: a tree id (the first 20 bytes) and an index file (the
 * rest), for gitindex_parse.  The seeds end in a zero checksum, which git
 * writes with index.skipHash, so that mutations reach the entries and the
 * extensions.  Every file listed must have a non-empty path of the length
 * given, without a NUL, that stays in the workspace, and a mode git
 * writes for a file.  (Files given before an answer of "no" are the
 * caller's to drop.)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/gitindex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *path, size_t len, uint32_t mode, const unsigned char *oid,
		  const struct gitindex_stat *st, void *cookie)
{
	(void)oid;
	(void)st;
	(void)cookie;
	if (!len || strlen(path) != len || (mode != 0100644 && mode != 0100755 && mode != 0120000))
		abort();
	/* nothing that leaves the workspace */
	if (path[0] == '/' || !strncmp(path, "../", 3) || strstr(path, "/../") ||
	    !strcmp(path, "..") || (len >= 3 && !strcmp(path + len - 3, "/..")))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < GITINDEX_OID_SIZE)
		return 0;
	gitindex_parse(data + GITINDEX_OID_SIZE, size - GITINDEX_OID_SIZE, data, INT64_MAX, 0,
		       check, NULL);
	return 0;
}
