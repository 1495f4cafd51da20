/*
 * fuzz-beacon: any body the internet sends to POST /beacon is read or
 * refused with a reason, never more; what is read holds fields within
 * their bounds, URLs without queries, and a fingerprint of 32 hex digits
 * whose normalized message and frame are valid UTF-8 when the input was.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "serve/beacon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct beacon b;
	const char *why;
	char *normalized, *frame, fp[BEACON_FP_HEX], *copy;
	size_t i;

	if (beacon_parse((const char *)data, size, &b, &why) < 0) {
		if (!why || !*why)
			abort();
	} else {
		if (strlen(b.message) > BEACON_MESSAGE_MAX || strlen(b.stack) > BEACON_STACK_MAX ||
		    strlen(b.page) > BEACON_PAGE_MAX || strchr(b.page, '?') || strchr(b.page, '#'))
			abort();
		beacon_fingerprint(&b, &normalized, &frame, fp);
		if (strlen(fp) != BEACON_FP_HEX - 1)
			abort();
		for (i = 0; fp[i]; i++)
			if (!strchr("0123456789abcdef", fp[i]))
				abort();
		if (strlen(normalized) > 300 || (frame && strlen(frame) > 200))
			abort();
		for (const char *p = normalized; *p; p += i) {
			i = utf8_len((const unsigned char *)p);
			if (!i)
				abort();
		}
		free(normalized);
		free(frame);
		beacon_release(&b);
	}
	/* stripping queries from any text keeps it a string, never longer, and is idempotent */
	copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	beacon_strip_queries(copy);
	{
		size_t n = strlen(copy);
		char *again = strdup(copy);

		beacon_strip_queries(again);
		if (n > size || strcmp(again, copy))
			abort();
		free(again);
	}
	free(copy);
	return 0;
}
