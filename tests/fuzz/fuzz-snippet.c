/*
 * fuzz-snippet: a page of any bytes gets the tags exactly once, every byte
 * of the page kept in order around them; injecting again gives the same
 * page (the old tags are taken out first).  The input's first line is also
 * read as a ready expression, which either passes with a path and a
 * literal or leaves both empty.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "release/snippet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle), i, c = 0;

	for (i = 0; i + k <= n; i++)
		if (!memcmp(hay + i, needle, k))
			c++;
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct snippet_page page = {"web", "r000001", "/beacon",
						 "window.appReady === true", 20000};
	struct buf tags = BUF_INIT, once = BUF_INIT, twice = BUF_INIT, path = BUF_INIT;
	struct buf literal = BUF_INIT, expr = BUF_INIT;
	const char *html = (const char *)data, *at;
	size_t nl;

	snippet_tags(&tags, &page);
	snippet_inject(html, size, tags.data, tags.len, &once);
	/* a page that holds no relgate meta of its own: the tags go in once, nothing else changes */
	if (!count(html, size, "<meta name=\"relgate\"")) {
		if (once.len != size + tags.len)
			abort();
		at = memmem(once.data, once.len, tags.data, tags.len);
		if (!at)
			abort();
		if (memcmp(once.data, html, (size_t)(at - once.data)) ||
		    memcmp(at + tags.len, html + (at - once.data), size - (size_t)(at - once.data)))
			abort();
	}
	snippet_inject(once.data, once.len, tags.data, tags.len, &twice);
	if (!count(html, size, "<meta name=\"relgate\"") &&
	    (twice.len != once.len || memcmp(twice.data, once.data, once.len)))
		abort();
	nl = 0;
	while (nl < size && data[nl] != '\n' && data[nl] != '\0')
		nl++;
	buf_add(&expr, data, nl);
	buf_addc(&expr, '\0');
	if (snippet_ready_global(expr.data, &path, &literal)) {
		if (!path.len || !literal.len)
			abort();
	} else if (path.len || literal.len) {
		abort();
	}
	buf_release(&tags);
	buf_release(&once);
	buf_release(&twice);
	buf_release(&path);
	buf_release(&literal);
	buf_release(&expr);
	return 0;
}
