/*
 * jsonscan: the check is one recursive descent over the text that keeps
 * nothing; the walk afterwards trusts the text it checked and only skips.
 */
#include <string.h>

#include "lib/jsonscan.h"
#include "lib/util.h"

/* How many digits a number may have and still be one jansson reads without overflow. */
#define INT_DIGITS_MAX 18
#define REAL_DIGITS_MAX 300

static bool is_ws(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

/* Four hex digits at p as a number, or -1. */
static int hex4(const char *p)
{
	int v = 0, i;

	for (i = 0; i < 4; i++) {
		int d = hex_value(p[i]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* The length of the well-formed UTF-8 sequence at p (no overlong form, no surrogate), or 0. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* A string from its opening quote; returns the byte after its closing one, or NULL. */
static const char *check_string(const char *p, const char *end, bool *escaped)
{
	const unsigned char *s = (const unsigned char *)p + 1, *e = (const unsigned char *)end;

	*escaped = false;
	while (s < e) {
		unsigned char c = *s;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			s++;
		} else if (c == '"') {
			return (const char *)s + 1;
		} else if (c == '\\') {
			int u, lo;

			*escaped = true;
			if (e - s < 2)
				return NULL;
			if (s[1] && strchr("\"\\/bfnrt", s[1])) {
				s += 2;
				continue;
			}
			if (s[1] != 'u' || e - s < 6 || (u = hex4((const char *)s + 2)) <= 0)
				return NULL;   /* \u0000 too: jansson refuses it */
			s += 6;
			if (u >= 0xdc00 && u <= 0xdfff)
				return NULL;
			if (u >= 0xd800 && u <= 0xdbff) {
				if (e - s < 6 || s[0] != '\\' || s[1] != 'u' ||
				    (lo = hex4((const char *)s + 2)) < 0xdc00 || lo > 0xdfff)
					return NULL;
				s += 6;
			}
		} else if (c >= 0x80) {
			size_t n = utf8_seq(s, e);

			if (!n)
				return NULL;
			s += n;
		} else {
			return NULL;   /* a control character */
		}
	}
	return NULL;
}

static const char *check_number(const char *p, const char *end)
{
	size_t digits = 0;
	bool real = false;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0') {
		p++;
		digits++;
	} else {
		if (p >= end || *p < '1' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9') {
			p++;
			digits++;
		}
	}
	if (p < end && *p == '.') {
		real = true;
		if (++p >= end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9') {
			p++;
			digits++;
		}
	}
	/* an exponent, or a number jansson might find too large: for jansson to judge */
	if (p < end && (*p == 'e' || *p == 'E'))
		return NULL;
	if (digits > (real ? REAL_DIGITS_MAX : INT_DIGITS_MAX))
		return NULL;
	return p;
}

static const char *check_value(const char *p, const char *end, int depth, struct jsval *v);

static const char *check_container(const char *p, const char *end, int depth, bool object)
{
	char close = object ? '}' : ']';
	struct jsval item;
	bool escaped;

	if (depth >= JS_MAX_DEPTH)
		return NULL;
	p = skip_ws(p + 1, end);
	if (p < end && *p == close)
		return p + 1;
	for (;;) {
		if (object) {
			if (p >= end || *p != '"' || !(p = check_string(p, end, &escaped)))
				return NULL;
			p = skip_ws(p, end);
			if (p >= end || *p != ':')
				return NULL;
			p++;
		}
		if (!(p = check_value(skip_ws(p, end), end, depth + 1, &item)))
			return NULL;
		p = skip_ws(p, end);
		if (p < end && *p == close)
			return p + 1;
		if (p >= end || *p != ',')
			return NULL;
		p = skip_ws(p + 1, end);
	}
}

static const char *literal(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - p) >= n && !memcmp(p, word, n) ? p + n : NULL;
}

static const char *check_value(const char *p, const char *end, int depth, struct jsval *v)
{
	const char *q;

	if (p >= end)
		return NULL;
	v->p = p;
	v->escaped = false;
	switch (*p) {
	case '{': v->type = JS_OBJECT; q = check_container(p, end, depth, true); break;
	case '[': v->type = JS_ARRAY; q = check_container(p, end, depth, false); break;
	case '"': v->type = JS_STRING; q = check_string(p, end, &v->escaped); break;
	case 't': v->type = JS_TRUE; q = literal(p, end, "true"); break;
	case 'f': v->type = JS_FALSE; q = literal(p, end, "false"); break;
	case 'n': v->type = JS_NULL; q = literal(p, end, "null"); break;
	default: v->type = JS_NUMBER; q = check_number(p, end); break;
	}
	if (q)
		v->len = (size_t)(q - p);
	return q;
}

bool js_document(const char *text, size_t len, struct jsval *root)
{
	const char *end = text + len, *p = skip_ws(text, end);

	p = check_value(p, end, 0, root);
	/* jansson reads an object or an array at the top, unless told otherwise */
	return p && skip_ws(p, end) == end && (root->type == JS_OBJECT || root->type == JS_ARRAY);
}

/* ---- walking a checked document ---- */

static const char *skip_string(const char *p, bool *escaped)
{
	*escaped = false;
	for (p++; *p != '"'; p++)
		if (*p == '\\') {
			*escaped = true;
			p++;
		}
	return p + 1;
}

/* The value at p, which the check has seen: only its end is looked for. */
static const char *skip_value(const char *p, struct jsval *v)
{
	size_t depth = 0;
	bool escaped;

	v->p = p;
	v->escaped = false;
	switch (*p) {
	case '"':
		v->type = JS_STRING;
		p = skip_string(p, &v->escaped);
		break;
	case '{': case '[':
		v->type = *p == '{' ? JS_OBJECT : JS_ARRAY;
		do {
			if (*p == '"') {
				p = skip_string(p, &escaped);
				continue;
			}
			if (*p == '{' || *p == '[')
				depth++;
			else if (*p == '}' || *p == ']')
				depth--;
			p++;
		} while (depth);
		break;
	default:
		v->type = *p == 't' ? JS_TRUE : *p == 'f' ? JS_FALSE : *p == 'n' ? JS_NULL
										: JS_NUMBER;
		while (!is_ws(*p) && *p != ',' && *p != '}' && *p != ']')
			p++;
	}
	v->len = (size_t)(p - v->p);
	return p;
}

void js_iter(struct jsiter *it, const struct jsval *container)
{
	it->p = container->p + 1;
	it->end = container->p + container->len - 1;
	it->object = container->type == JS_OBJECT;
}

bool js_next(struct jsiter *it, struct jsval *key, struct jsval *value)
{
	const char *p = skip_ws(it->p, it->end);
	struct jsval unused;

	if (!key)
		key = &unused;
	if (p < it->end && *p == ',')
		p = skip_ws(p + 1, it->end);
	if (p >= it->end)
		return false;
	if (it->object) {
		p = skip_value(p, key);
		p = skip_ws(p, it->end) + 1;   /* the colon */
		p = skip_ws(p, it->end);
	} else {
		key->p = NULL;
		key->len = 0;
	}
	it->p = skip_value(p, value);
	return true;
}

bool js_is(const struct jsval *str, const char *s)
{
	size_t n = strlen(s);

	return !str->escaped && str->len == n + 2 && !memcmp(str->p + 1, s, n);
}

bool js_same(const struct jsval *a, const struct jsval *b)
{
	return a->len == b->len && !memcmp(a->p, b->p, a->len);
}

static char *put_utf8(char *o, unsigned u)
{
	if (u < 0x80) {
		*o++ = (char)u;
	} else if (u < 0x800) {
		*o++ = (char)(0xc0 | u >> 6);
		*o++ = (char)(0x80 | (u & 0x3f));
	} else if (u < 0x10000) {
		*o++ = (char)(0xe0 | u >> 12);
		*o++ = (char)(0x80 | (u >> 6 & 0x3f));
		*o++ = (char)(0x80 | (u & 0x3f));
	} else {
		*o++ = (char)(0xf0 | u >> 18);
		*o++ = (char)(0x80 | (u >> 12 & 0x3f));
		*o++ = (char)(0x80 | (u >> 6 & 0x3f));
		*o++ = (char)(0x80 | (u & 0x3f));
	}
	return o;
}

const char *js_string(const struct jsval *str, struct arena *a)
{
	const char *p = str->p + 1, *end = str->p + str->len - 1;
	char *out, *o;

	if (!str->escaped)
		return arena_strndup(a, p, (size_t)(end - p));
	/* an escape is never shorter than what it stands for */
	o = out = arena_alloc(a, (size_t)(end - p) + 1);
	while (p < end) {
		unsigned u;

		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		switch (p[1]) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			u = (unsigned)hex4(p + 2);
			if (u >= 0xd800 && u <= 0xdbff) {
				u = 0x10000 + ((u - 0xd800) << 10) + ((unsigned)hex4(p + 8) - 0xdc00);
				p += 6;
			}
			o = put_utf8(o, u);
			p += 6;
			continue;
		default: *o++ = p[1]; break;
		}
		p += 2;
	}
	*o = '\0';
	return out;
}
