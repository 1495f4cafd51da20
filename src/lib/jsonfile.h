/*
 * jsonfile: JSON read from files the user wrote (relgate.json, package.json,
 * tsconfig.json, lockfiles), with errors that name file:line:col.
 *
 * jansson parses and reports syntax errors with a position, but its values
 * carry no position.  For errors found later (an unknown key, a wrong type)
 * jsonfile walks the original text again along the path of the value, so
 * that those errors also point at the line and column.
 */
#ifndef RELGATE_JSONFILE_H
#define RELGATE_JSONFILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* One step of a path into a JSON document: an object key or an array index. */
struct jseg {
	const char *key; /* NULL for an array index */
	size_t index;
};

#define JPATH_MAX 32

/*
 * A document being validated: its name for messages, its text, and the path
 * of the value being looked at.  Errors go to stderr as name:line:col.
 */
struct jdoc {
	const char *name;
	const char *text;
	size_t len;
	struct jseg path[JPATH_MAX];
	int depth;
	int errors;
	bool quiet;   /* count errors without printing them */
};

/*
 * The length of a UTF-8 byte-order mark at the start of text (3), or 0.
 * Node, npm and TypeScript accept one before the JSON; so does relgate.
 */
size_t jsonfile_bom(const char *text, size_t len);

/*
 * Parse text as JSON (after a byte-order mark, if any).  On a syntax error,
 * prints "name:line:col: message" and returns NULL.  Flags are jansson's
 * decoding flags.
 */
json_t *jsonfile_parse(const char *name, const char *text, size_t len, size_t flags);
/* The same, with a note after the position: "package-lock.json:4:3: ... (as of 1a2b3c)". */
json_t *jsonfile_parse_note(const char *name, const char *note, const char *text, size_t len,
			    size_t flags);

/*
 * Turn JSON with comments and trailing commas (tsconfig.json's dialect)
 * into JSON in place: each comment and trailing comma becomes spaces, so
 * that lines and columns stay where they were.
 */
void jsonfile_strip_jsonc(char *text, size_t len);

/*
 * Find where the value (or, with want_key, the key) at path starts in text.
 * Returns 0 and 1-based line and column, or -1 when the path is not there.
 */
int jsonfile_locate(const char *text, size_t len, const struct jseg *path, int depth,
		    bool want_key, int *line, int *col);

/* Enter an object key or array index of the document being validated. */
void jdoc_push_key(struct jdoc *d, const char *key);
void jdoc_push_index(struct jdoc *d, size_t index);
void jdoc_pop(struct jdoc *d);

/* Report an error at the current path (at its key when at_key), count it. */
void jdoc_error(struct jdoc *d, bool at_key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Check that obj is an object whose keys are all in allowed (NULL-ended);
 * reports each unknown key at its position.  Returns the number of errors.
 */
int jdoc_check_keys(struct jdoc *d, json_t *obj, const char *const *allowed);

/* The dotted path of the current value, for messages ("products.x.build"). */
const char *jdoc_path(struct jdoc *d);

#endif
