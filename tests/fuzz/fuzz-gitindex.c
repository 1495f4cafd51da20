/*
 * fuzz-gitindex: a tree id (the first 20 bytes) and an index file (the
 * rest), for gitindex_parse.  The seeds end in a zero checksum, which git
 * writes with index.skipHash, so that mutations reach the entries and the
 * extensions.  Every file listed must have a non-empty path of the length
 * given, without a NUL, and a mode git writes for a file; an answer of
 * "no" lists nothing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/gitindex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t listed;

static void check(const char *path, size_t len, uint32_t mode, const unsigned char *oid,
		  const struct gitindex_stat *st, void *cookie)
{
	(void)oid;
	(void)st;
	(void)cookie;
	if (!len || strlen(path) != len || (mode != 0100644 && mode != 0100755 && mode != 0120000))
		abort();
	listed++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < GITINDEX_OID_SIZE)
		return 0;
	listed = 0;
	if (!gitindex_parse(data + GITINDEX_OID_SIZE, size - GITINDEX_OID_SIZE, data, INT64_MAX, 0,
			    check, NULL) &&
	    listed)
		abort();
	return 0;
}
