/*
 * fuzz-scan: the import lexer on any bytes.  The first byte picks the
 * language ('0' JS, '1' JSX, '2' TS, '3' CSS, '4' SCSS, and so on modulo 5),
 * the rest is the file.  Besides crashes and overreads, it checks what the
 * result promises: specifiers non-empty, NUL-terminated in the pool, of the
 * length recorded, on a line that exists, in text order.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum scan_lang langs[] = {LANG_JS, LANG_JSX, LANG_TS, LANG_CSS, LANG_SCSS};
	struct scan_result r = {0};
	const char *text = (const char *)data + 1;
	size_t len, i, lines = 1;
	uint32_t last_line = 0;
	enum scan_lang lang;

	if (!size)
		return 0;
	lang = langs[(uint8_t)(data[0] - '0') % 5];
	len = size - 1;
	for (i = 0; i < len; i++)
		lines += text[i] == '\n';

	scan_source(text, len, lang, &r);

	if (r.status == SCAN_BINARY) {
		if (r.n || !memchr(text, '\0', len < 8192 ? len : 8192))
			abort();
	} else if (r.status != SCAN_OK && r.status != SCAN_TOO_DEEP) {
		abort();
	}
	if (r.status == SCAN_TOO_DEEP && (r.stop_line < 1 || r.stop_line > lines))
		abort();
	for (i = 0; i < r.n; i++) {
		const struct scan_import *im = &r.imports[i];

		if (im->kind > IMPORT_CSS || im->len == 0 || im->len > 4096)
			abort();
		if ((size_t)im->off + im->len >= r.pool.len || r.pool.data[im->off + im->len])
			abort();
		if (strlen(scan_spec(&r, i)) != im->len)
			abort();
		if (im->line < 1 || im->line > lines)
			abort();
		/* imports are recorded in text order */
		if (im->line < last_line)
			abort();
		last_line = im->line;
	}
	scan_result_release(&r);
	return 0;
}
