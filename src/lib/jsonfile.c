/*
 * jsonfile: parse with jansson, and find positions again for later errors.
 *
 * The locator is a small skipping scanner: it never builds values, only
 * walks the text along one path.  It is only used on text that jansson has
 * already accepted, but it still stops safely at the end of the buffer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/jsonfile.h"
#include "lib/util.h"

/*
 * Where a syntax error starts.  jansson reports the position after the
 * token it choked on; its message names the token ("near '\"version\"'"),
 * so the start is the last place that token appears up to that position.
 */
static void error_start(const char *text, size_t len, const json_error_t *err, int *line,
			int *col)
{
	const char *near = strstr(err->text, "near '"), *p, *end, *start = NULL;
	size_t pos = err->position > 0 && (size_t)err->position <= len ? (size_t)err->position : len;
	int l = 1, c = 1;

	*line = err->line > 0 ? err->line : 1;
	*col = err->column > 0 ? err->column : 1;
	if (!near)
		return;
	near += 6;
	end = strrchr(near, '\'');
	if (!end || end == near)
		return;
	for (p = text; p + (end - near) <= text + pos; p++)
		if (!memcmp(p, near, (size_t)(end - near)))
			start = p;
	if (!start)
		return;
	for (p = text; p < start; p++) {
		if (*p == '\n') {
			l++;
			c = 1;
		} else if ((*p & 0xc0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

size_t jsonfile_bom(const char *text, size_t len)
{
	return len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
}

json_t *jsonfile_parse_note(const char *name, const char *note, const char *text, size_t len,
			    size_t flags)
{
	json_error_t err;
	size_t bom = jsonfile_bom(text, len);
	json_t *v = json_loadb(text + bom, len - bom, flags, &err);
	int line, col;

	if (!v) {
		/* positions are the text's own: the byte-order mark is no column */
		error_start(text + bom, len - bom, &err, &line, &col);
		error("%s:%d:%d: %s%s%s%s", name, line, col, err.text, note ? " (" : "",
		      note ? note : "", note ? ")" : "");
	}
	return v;
}

json_t *jsonfile_parse(const char *name, const char *text, size_t len, size_t flags)
{
	return jsonfile_parse_note(name, NULL, text, len, flags);
}

void jsonfile_strip_jsonc(char *text, size_t len)
{
	char *p = text, *end = text + len;
	char *comma = NULL;   /* the last comma, while only blanks follow it */

	while (p < end) {
		if (*p == '"') {
			comma = NULL;
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\' && p + 1 < end)
					p++;
			p++;
		} else if (*p == '/' && p + 1 < end && p[1] == '/') {
			while (p < end && *p != '\n')
				*p++ = ' ';
		} else if (*p == '/' && p + 1 < end && p[1] == '*') {
			*p++ = ' ';
			*p++ = ' ';
			while (p < end && !(*p == '*' && p + 1 < end && p[1] == '/')) {
				if (*p != '\n')
					*p = ' ';
				p++;
			}
			if (p < end) {
				*p++ = ' ';
				*p++ = ' ';
			}
		} else if (*p == ',') {
			comma = p++;
		} else if (*p == '}' || *p == ']') {
			if (comma)
				*comma = ' ';
			comma = NULL;
			p++;
		} else {
			if (!strchr(" \t\r\n", *p))
				comma = NULL;
			p++;
		}
	}
}

struct scan {
	const char *p, *end;
};

/*
 * Blanks between tokens.  A NUL byte counts: jansson takes one right after
 * a number ("[1\0, 2]" reads as [1, 2]), and the locator must find what
 * jansson found.
 */
static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r' ||
				 *s->p == '\0'))
		s->p++;
}

/* Skip a string starting at its quote; leaves p after the closing quote. */
static void skip_string(struct scan *s)
{
	s->p++;
	while (s->p < s->end && *s->p != '"') {
		if (*s->p == '\\' && s->p + 1 < s->end)
			s->p++;
		s->p++;
	}
	if (s->p < s->end)
		s->p++;
}

/* Skip any value, nested ones included, without recursion. */
static void skip_value(struct scan *s)
{
	size_t depth = 0;

	skip_ws(s);
	do {
		if (s->p >= s->end)
			return;
		switch (*s->p) {
		case '"':
			skip_string(s);
			break;
		case '{': case '[':
			depth++;
			s->p++;
			break;
		case '}': case ']':
			if (depth)
				depth--;
			s->p++;
			break;
		default:
			if (!depth) {
				while (s->p < s->end && !strchr(",}] \t\r\n", *s->p))
					s->p++;
				return;
			}
			s->p++;
		}
	} while (depth);
}

/* Does the string literal at p equal key?  Simple escapes are decoded. */
static bool string_equals(const struct scan *s, const char *key)
{
	const char *p = s->p + 1;
	size_t i = 0;

	while (p < s->end && *p != '"') {
		char c = *p++;

		if (c == '\\' && p < s->end) {
			char e = *p++;

			switch (e) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': return false; /* rare in keys; treat as different */
			default: c = e;
			}
		}
		if (!key[i] || key[i] != c)
			return false;
		i++;
	}
	return key[i] == '\0';
}

static const char *locate(struct scan *s, const struct jseg *path, int depth, bool want_key)
{
	int i;

	for (i = 0; i < depth; i++) {
		skip_ws(s);
		if (s->p >= s->end)
			return NULL;
		if (path[i].key) {
			if (*s->p != '{')
				return NULL;
			s->p++;
			for (;;) {
				const char *keypos;
				bool match;

				skip_ws(s);
				if (s->p >= s->end || *s->p != '"')
					return NULL;
				keypos = s->p;
				match = string_equals(s, path[i].key);
				skip_string(s);
				skip_ws(s);
				if (s->p >= s->end || *s->p != ':')
					return NULL;
				s->p++;
				if (match) {
					if (want_key && i == depth - 1)
						return keypos;
					break;
				}
				skip_value(s);
				skip_ws(s);
				if (s->p >= s->end || *s->p != ',')
					return NULL;
				s->p++;
			}
		} else {
			size_t k;

			if (*s->p != '[')
				return NULL;
			s->p++;
			for (k = 0; k < path[i].index; k++) {
				skip_value(s);
				skip_ws(s);
				if (s->p >= s->end || *s->p != ',')
					return NULL;
				s->p++;
			}
		}
	}
	skip_ws(s);
	return s->p < s->end ? s->p : NULL;
}

int jsonfile_locate(const char *text, size_t len, const struct jseg *path, int depth,
		    bool want_key, int *line, int *col)
{
	size_t bom = jsonfile_bom(text, len);
	struct scan s = {text + bom, text + len};
	const char *at = locate(&s, path, depth, want_key), *p;
	int l = 1, c = 1;

	if (!at)
		return -1;
	for (p = text + bom; p < at; p++) {
		if (*p == '\n') {
			l++;
			c = 1;
		} else if ((*p & 0xc0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
	return 0;
}

void jdoc_push_key(struct jdoc *d, const char *key)
{
	if (d->depth >= JPATH_MAX)
		BUG("JSON path deeper than %d", JPATH_MAX);
	d->path[d->depth].key = key;
	d->path[d->depth].index = 0;
	d->depth++;
}

void jdoc_push_index(struct jdoc *d, size_t index)
{
	if (d->depth >= JPATH_MAX)
		BUG("JSON path deeper than %d", JPATH_MAX);
	d->path[d->depth].key = NULL;
	d->path[d->depth].index = index;
	d->depth++;
}

void jdoc_pop(struct jdoc *d)
{
	if (!d->depth)
		BUG("jdoc_pop at the root");
	d->depth--;
}

const char *jdoc_path(struct jdoc *d)
{
	static struct buf b = BUF_INIT;
	int i;

	buf_reset(&b);
	for (i = 0; i < d->depth; i++) {
		if (d->path[i].key)
			buf_addf(&b, "%s%s", i ? "." : "", d->path[i].key);
		else
			buf_addf(&b, "[%zu]", d->path[i].index);
	}
	return b.len ? b.data : "(top level)";
}

void jdoc_error(struct jdoc *d, bool at_key, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	int line, col;
	va_list ap;
	int n;

	if (d->quiet) {
		d->errors++;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		BUG("bad format %s", fmt);
	buf_grow(&msg, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(msg.data, (size_t)n + 1, fmt, ap);
	va_end(ap);
	msg.len = (size_t)n;

	if (jsonfile_locate(d->text, d->len, d->path, d->depth, at_key, &line, &col) == 0)
		error("%s:%d:%d: %s", d->name, line, col, msg.data);
	else
		error("%s: %s: %s", d->name, jdoc_path(d), msg.data);
	buf_release(&msg);
	d->errors++;
}

/* Levenshtein distance of a and b, up to 3 (a guess is only worth it when close). */
static int distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int row[64], prev, tmp;

	if (la >= ARRAY_LEN(row) || lb >= ARRAY_LEN(row))
		return 3;
	for (j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (int)i;
		for (j = 1; j <= lb; j++) {
			int best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb] < 3 ? row[lb] : 3;
}

int jdoc_check_keys(struct jdoc *d, json_t *obj, const char *const *allowed)
{
	const char *key;
	char *where = xstrdup(d->depth ? jdoc_path(d) : "the top level");
	json_t *v;
	int errors = 0;

	json_object_foreach(obj, key, v) {
		const char *const *a;

		for (a = allowed; *a; a++)
			if (!strcmp(*a, key))
				break;
		if (*a)
			continue;
		{
			/* say what would have been right: the nearest key, and every key */
			struct buf known = BUF_INIT;
			const char *guess = NULL;
			int best = 3;

			for (a = allowed; *a; a++) {
				int dist = distance(key, *a);

				buf_addf(&known, "%s%s", known.len ? ", " : "", *a);
				if (dist < best) {
					best = dist;
					guess = *a;
				}
			}
			jdoc_push_key(d, key);
			if (guess)
				jdoc_error(d, true, "unknown key \"%s\" in %s: did you mean \"%s\"? "
					   "(the keys here: %s)", key, where, guess, known.data);
			else
				jdoc_error(d, true, "unknown key \"%s\" in %s (the keys here: %s)", key,
					   where, known.data);
			jdoc_pop(d);
			buf_release(&known);
		}
		errors++;
	}
	free(where);
	return errors;
}
