/*
 * snippet: the early-error snippet (src/release/snippet.js, in the binary)
 * and its injection into the HTML pages of a release.
 *
 * The script is the same bytes in every release, so that its CSP hash never
 * changes; what differs (product, release id, the beacon's address, the
 * boot deadline and the ready global) is in a <meta name="relgate"> just
 * before it, as JSON.  Both go right after <meta charset> (so that the
 * charset stays in the first 1024 bytes), or first in <head>, or where the
 * HTML parser would open <head> when the page has none.
 */
#ifndef RELGATE_SNIPPET_H
#define RELGATE_SNIPPET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

/* What the <meta name="relgate"> tells the snippet. */
struct snippet_page {
	const char *product;
	const char *release;       /* the release id */
	const char *beacon;        /* where beacons go: server.publicUrl, "/beacon" by default */
	const char *ready;         /* the boot check's ready expression, or NULL */
	int64_t timeout_ms;        /* the boot deadline */
};

/* Room for "'sha256-" + 44 base64 + "'" and the NUL. */
#define SNIPPET_CSP_MAX 56

/* The script, without a trailing newline. */
const char *snippet_js(size_t *len);

/* The source for a Content-Security-Policy script-src: 'sha256-...', quotes included. */
void snippet_csp_source(char out[SNIPPET_CSP_MAX]);

/* The <meta name="relgate"> and the <script>, ASCII only, appended to out. */
void snippet_tags(struct buf *out, const struct snippet_page *p);

/*
 * The ready expression as the snippet checks it without eval: "a.b === L"
 * (with or without "window.") where L is true, false, null, a number or a
 * quoted string.  The dotted path goes to path and L, as JSON, to literal;
 * false (both empty) for any other expression: the page then has to call
 * relgate.ready() itself.
 */
bool snippet_ready_global(const char *expr, struct buf *path, struct buf *literal);

/*
 * The page html (len bytes, any encoding that keeps ASCII as ASCII) with
 * tags put in, into out.  A relgate meta and snippet that are already there
 * (a page released before and built from the store) are taken out first,
 * so that a page never carries two.
 */
void snippet_inject(const char *html, size_t len, const char *tags, size_t tags_len,
		    struct buf *out);

/* Whether path names a page the snippet goes into (.html, .htm). */
bool snippet_is_page(const char *path);

#endif
