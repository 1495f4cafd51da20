/*
 * glob: braces are expanded first (into a bounded number of alternatives),
 * then each alternative is matched segment by segment.  Both levels use the
 * single-backtrack-point algorithm, which is linear for one kind of
 * wildcard: "**" over segments, "*" over characters.  Like gitignore (and
 * unlike minimatch's default), "*" also matches names that start with ".".
 */
#include <string.h>

#include "lib/glob.h"
#include "lib/util.h"

#define MAX_ALTERNATIVES 4096
#define MAX_BRACE_DEPTH 8

/* Length of the segment starting at s (up to '/' or the end). */
static size_t seglen(const char *s)
{
	const char *e = strchr(s, '/');

	return e ? (size_t)(e - s) : strlen(s);
}

/* Match one character class at *pp against c; advances *pp past ']'. */
static bool class_match(const char **pp, const char *end, char c)
{
	const char *p = *pp + 1;
	bool negate = false, ok = false;

	if (p < end && (*p == '!' || *p == '^')) {
		negate = true;
		p++;
	}
	if (p < end && *p == ']') {
		ok = c == ']';
		p++;
	}
	while (p < end && *p != ']') {
		char lo = *p, hi;

		if (lo == '\\' && p + 1 < end)
			lo = *++p;
		hi = lo;
		if (p + 2 < end && p[1] == '-' && p[2] != ']') {
			hi = p[2];
			if (hi == '\\' && p + 3 < end)
				hi = *(p += 1, p + 2);
			p += 2;
		}
		if (c >= lo && c <= hi)
			ok = true;
		p++;
	}
	*pp = p < end ? p + 1 : p;
	return ok != negate;
}

/* Match pattern segment [p, pe) against path segment [s, se). */
static bool segment_match(const char *p, const char *pe, const char *s, const char *se)
{
	const char *star_p = NULL, *star_s = NULL;

	while (s < se) {
		if (p < pe && *p == '*') {
			while (p < pe && *p == '*')
				p++;
			star_p = p;
			star_s = s;
			continue;
		}
		if (p < pe && *p == '?') {
			p++;
			s++;
			continue;
		}
		if (p < pe && *p == '[' && memchr(p, ']', (size_t)(pe - p))) {
			const char *q = p;

			if (class_match(&q, pe, *s)) {
				p = q;
				s++;
				continue;
			}
		} else if (p < pe) {
			char c = *p;
			const char *q = p + 1;

			if (c == '\\' && q < pe)
				c = *q++;
			if (c == *s) {
				p = q;
				s++;
				continue;
			}
		}
		if (!star_p)
			return false;
		p = star_p;
		s = ++star_s;
	}
	while (p < pe && *p == '*')
		p++;
	return p == pe;
}

/* The start of the segment after the one at s. */
static const char *next_seg(const char *s)
{
	size_t n = seglen(s);

	return s + n + (s[n] == '/');
}

static bool is_globstar(const char *p)
{
	return p[0] == '*' && p[1] == '*' && (p[2] == '/' || !p[2]);
}

/* Match a brace-free pattern against path, segment by segment. */
static bool path_match(const char *p, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;

	for (;;) {
		if (!*s) {
			while (*p && is_globstar(p))
				p = next_seg(p);
			return !*p;
		}
		if (*p && is_globstar(p)) {
			p = star_p = next_seg(p);
			star_s = s;
			continue;
		}
		if (*p && segment_match(p, p + seglen(p), s, s + seglen(s))) {
			p = next_seg(p);
			s = next_seg(s);
			continue;
		}
		if (!star_p)
			return false;
		/* let the last "**" take one more segment */
		s = star_s = next_seg(star_s);
		p = star_p;
	}
}

/* Find the '}' matching the '{' at p, or NULL. */
static const char *brace_end(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '{')
			depth++;
		else if (*p == '}' && --depth == 0)
			return p;
	}
	return NULL;
}

/* Expand the first brace group of pat and match each alternative. */
static bool brace_match(const char *pat, const char *path, int *budget, int depth)
{
	const char *open = NULL, *close, *p, *alt;
	struct buf b = BUF_INIT;
	bool found = false;

	for (p = pat; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '{') {
			open = p;
			break;
		}
	}
	if (!open || depth > MAX_BRACE_DEPTH || !(close = brace_end(open)))
		return path_match(pat, path);

	alt = open + 1;
	while (!found && alt <= close) {
		const char *q = alt;
		int d = 0;

		/* find the end of this alternative at this brace level */
		for (; q < close; q++) {
			if (*q == '\\' && q + 1 < close)
				q++;
			else if (*q == '{')
				d++;
			else if (*q == '}')
				d--;
			else if (*q == ',' && d == 0)
				break;
		}
		if (--*budget < 0)
			break;
		buf_reset(&b);
		buf_add(&b, pat, (size_t)(open - pat));
		buf_add(&b, alt, (size_t)(q - alt));
		buf_adds(&b, close + 1);
		found = brace_match(b.data, path, budget, depth + 1);
		alt = q + 1;
	}
	buf_release(&b);
	return found;
}

bool glob_match(const char *pattern, const char *path)
{
	int budget = MAX_ALTERNATIVES * 8;  /* nodes of the expansion tree, not only leaves */

	while (pattern[0] == '.' && pattern[1] == '/')
		pattern += 2;
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (!strchr(pattern, '{'))
		return path_match(pattern, path);
	return brace_match(pattern, path, &budget, 0);
}

bool glob_is_literal(const char *pattern)
{
	return !strpbrk(pattern, "*?[{\\");
}

/*
 * How many brace-free patterns pattern expands to, capped at cap + 1:
 * the product over its groups of the sum over their alternatives.
 */
static size_t expansions(const char *p, const char *end, size_t cap)
{
	size_t total = 1;

	while (p < end) {
		if (*p == '\\' && p + 1 < end) {
			p += 2;
		} else if (*p == '{') {
			const char *close = brace_end(p), *alt = p + 1, *q;
			size_t sum = 0;
			int d = 0;

			if (!close || close >= end)
				return cap + 1;
			for (q = alt; q <= close; q++) {
				if (*q == '\\' && q + 1 < close) {
					q++;
				} else if (*q == '{') {
					d++;
				} else if (*q == '}' && d > 0) {
					d--;
				} else if ((*q == ',' && d == 0) || q == close) {
					sum += expansions(alt, q, cap);
					alt = q + 1;
				}
			}
			total = sum && total > cap / sum ? cap + 1 : total * sum;
			if (total > cap)
				return cap + 1;
			p = close + 1;
		} else {
			p++;
		}
	}
	return total;
}

const char *glob_check(const char *pattern)
{
	const char *p;
	int depth = 0, maxdepth = 0;

	for (p = pattern; *p; p++) {
		if (*p == '\\') {
			if (!p[1])
				return "pattern ends with a lone backslash";
			p++;
		} else if (*p == '[') {
			if (!strchr(p + 1, ']'))
				return "\"[\" is never closed";
		} else if (*p == '{') {
			if (++depth > maxdepth)
				maxdepth = depth;
		} else if (*p == '}') {
			if (--depth < 0)
				return "\"}\" without \"{\"";
		}
	}
	if (depth)
		return "\"{\" is never closed";
	if (maxdepth > MAX_BRACE_DEPTH)
		return "braces nested too deeply";
	if (expansions(pattern, pattern + strlen(pattern), MAX_ALTERNATIVES) > MAX_ALTERNATIVES)
		return "braces expand to more than 4096 patterns";
	return NULL;
}
