/*
 * fuzz-jsonfile: any bytes through jansson, jsonfile_locate and
 * jsonfile_strip_jsonc.  When the bytes are JSON, every value of the document
 * must be found again (its key too), at a character that starts a value of
 * its type; and stripping JSONC from valid JSON must change nothing.  On any
 * input, stripping must keep the length and every line break in place.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Does the text hold a \u escape, which the locator does not decode in keys? */
static bool has_u_escape(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++)
		if (s[i] == '\\' && s[i + 1] == 'u')
			return true;
	return false;
}

struct walk {
	const char *text;
	size_t len;
	bool exact;            /* no \u escapes: every key can be compared */
	struct jseg path[JPATH_MAX];
	int visited;
};

/* The byte offset of a 1-based line and column (columns count code points). */
static size_t offset_of(const char *text, size_t len, int line, int col)
{
	size_t q = 0;
	int l = 1, k = 0;

	while (q < len && l < line)
		if (text[q++] == '\n')
			l++;
	while (q < len) {
		bool cont = ((unsigned char)text[q] & 0xc0) == 0x80;

		if (k == col - 1 && !cont)
			break;
		if (!cont)
			k++;
		q++;
	}
	return q;
}

static bool starts_value(json_t *v, char c)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return c == '{';
	case JSON_ARRAY: return c == '[';
	case JSON_STRING: return c == '"';
	case JSON_INTEGER: case JSON_REAL: return c == '-' || (c >= '0' && c <= '9');
	case JSON_TRUE: return c == 't';
	case JSON_FALSE: return c == 'f';
	case JSON_NULL: return c == 'n';
	}
	return false;
}

static void check_at(struct walk *w, json_t *v, int depth, bool is_key)
{
	int line = 0, col = 0;
	size_t off;

	if (jsonfile_locate(w->text, w->len, w->path, depth, is_key, &line, &col) < 0) {
		if (w->exact)
			abort();
		return;
	}
	if (line < 1 || col < 1)
		abort();
	off = offset_of(w->text, w->len, line, col);
	if (off >= w->len)
		abort();
	if (w->exact && (is_key ? w->text[off] != '"' : !starts_value(v, w->text[off])))
		abort();
}

static void walk(struct walk *w, json_t *v, int depth)
{
	if (w->visited++ > 200)
		return;
	check_at(w, v, depth, false);
	if (depth == JPATH_MAX)
		return;
	if (json_is_object(v)) {
		const char *key;
		json_t *item;

		json_object_foreach(v, key, item) {
			w->path[depth].key = key;
			w->path[depth].index = 0;
			check_at(w, item, depth + 1, true);
			walk(w, item, depth + 1);
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *item;

		json_array_foreach(v, i, item) {
			w->path[depth].key = NULL;
			w->path[depth].index = i;
			walk(w, item, depth + 1);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	json_error_t err;
	json_t *root;
	char *copy;
	size_t i;

	/* as JSON, without duplicate keys (jansson keeps the last, the text the first) */
	root = json_loadb(text, size, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
	if (root) {
		struct walk w = {text, size, !has_u_escape(text, size), {{0}}, 0};

		walk(&w, root, 0);
	}

	/* any text: locate along a path made of the last bytes */
	if (size >= 4) {
		static const char *const keys[] = {"a", "b", "", "products", "\"", "\\"};
		struct jseg path[4];
		int line, col, d;

		for (d = 0; d < 4; d++) {
			uint8_t b = data[size - 1 - d];

			path[d].key = b & 1 ? keys[(b >> 1) % 6] : NULL;
			path[d].index = b >> 4;
		}
		for (d = 0; d <= 4; d++)
			if (jsonfile_locate(text, size, path, d, data[0] & 1, &line, &col) == 0 &&
			    (line < 1 || col < 1))
				abort();
	}

	/* strip_jsonc: same length, same line breaks; nothing to strip in JSON */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	jsonfile_strip_jsonc(copy, size);
	for (i = 0; i < size; i++)
		if ((copy[i] == '\n') != (text[i] == '\n'))
			abort();
	if (root && memcmp(copy, text, size))
		abort();
	json_decref(root);
	free(copy);
	return 0;
}
