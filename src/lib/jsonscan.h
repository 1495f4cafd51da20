/*
 * jsonscan: JSON read in place, for the few values a caller wants out of
 * a document it reads thousands of (package.json, on a large workspace).
 *
 * jansson builds every value of a document, and its lexer takes one byte
 * at a time through a callback: for a 250-byte package.json that is about
 * 8 microseconds, two thirds of reading it.  jsonscan builds nothing.
 * js_document() checks the whole text once, and the caller then walks
 * to the values it needs and decodes only those.
 *
 * It is a fast path, not a second JSON parser with opinions: it accepts a
 * subset of what jansson accepts, and says "not mine" for the rest (a
 * syntax error, an exponent or a long number, a \u0000, nesting deeper
 * than JS_MAX_DEPTH), so that the caller reads that document with jansson
 * and reports what jansson reports.  Whatever it accepts, jansson accepts
 * too, and reads the same way (tests/fuzz/fuzz-manifest.c holds it to that).
 */
#ifndef RELGATE_JSONSCAN_H
#define RELGATE_JSONSCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/arena.h"

#define JS_MAX_DEPTH 64

enum js_type { JS_OBJECT, JS_ARRAY, JS_STRING, JS_NUMBER, JS_TRUE, JS_FALSE, JS_NULL };

/* A value of a checked document: its text, from its first byte to its last. */
struct jsval {
	const char *p;
	size_t len;
	enum js_type type;
	bool escaped;    /* a string with a backslash in it */
};

/*
 * Whether text[0..len) is one JSON value (whitespace around it allowed) of
 * the subset above; fills *root.  Only a value it returned, or one reached
 * from it, may be walked.
 */
bool js_document(const char *text, size_t len, struct jsval *root);

/* The members of an object, or the items of an array, in the text's order. */
struct jsiter {
	const char *p, *end;
	bool object;
};

void js_iter(struct jsiter *it, const struct jsval *container);
/*
 * The next member, its key (which may be NULL) and value; an array's items
 * have no key (key->p is NULL).  False after the last.
 */
bool js_next(struct jsiter *it, struct jsval *key, struct jsval *value);

/* Whether a string without escapes is s, byte for byte. */
bool js_is(const struct jsval *str, const char *s);
/* Whether two strings without escapes are the same bytes. */
bool js_same(const struct jsval *a, const struct jsval *b);

/* A string's value, decoded, NUL-terminated, in the arena. */
const char *js_string(const struct jsval *str, struct arena *a);

#endif
