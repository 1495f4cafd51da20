/*
 * fuzz-glob: a pattern and a path, separated by the first newline.  Checks
 * glob_check, glob_is_literal and glob_match for crashes and runaway time
 * (libFuzzer's -timeout), and, for patterns made only of "a", "b", "*", "?"
 * and "/" (with "**" segments), compares glob_match with a plain recursive
 * matcher written from the documented rules.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/glob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One segment: "*" any run of characters, "?" one. */
static bool ref_segment(const char *p, const char *pe, const char *s, const char *se)
{
	if (p == pe)
		return s == se;
	if (*p == '*') {
		for (;; s++) {
			if (ref_segment(p + 1, pe, s, se))
				return true;
			if (s == se)
				return false;
		}
	}
	if (s == se)
		return false;
	return (*p == '?' || *p == *s) && ref_segment(p + 1, pe, s + 1, se);
}

struct segs {
	const char *start[64], *end[64];
	int n;
};

static bool split(const char *s, struct segs *out)
{
	out->n = 0;
	for (;;) {
		const char *e = strchr(s, '/');

		if (out->n == 64)
			return false;
		out->start[out->n] = s;
		out->end[out->n] = e ? e : s + strlen(s);
		if (out->end[out->n] == s)
			return false;   /* no empty segments here */
		out->n++;
		if (!e)
			return true;
		s = e + 1;
	}
}

static bool ref_path(const struct segs *p, int i, const struct segs *s, int j)
{
	if (i == p->n)
		return j == s->n;
	if (p->end[i] - p->start[i] == 2 && p->start[i][0] == '*' && p->start[i][1] == '*') {
		int k;

		for (k = j; k <= s->n; k++)
			if (ref_path(p, i + 1, s, k))
				return true;
		return false;
	}
	return j < s->n && ref_segment(p->start[i], p->end[i], s->start[j], s->end[j]) &&
	       ref_path(p, i + 1, s, j + 1);
}

static bool only(const char *s, const char *chars)
{
	return strspn(s, chars) == strlen(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *pattern, *path, *nl;
	const char *why;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	pattern = buf;
	nl = strchr(buf, '\n');
	if (nl) {
		*nl = '\0';
		path = nl + 1;
	} else {
		path = buf + strlen(buf);
	}

	why = glob_check(pattern);
	if (why && !*why)
		abort();
	(void)glob_match(pattern, path);
	(void)glob_match(path, pattern);
	if (glob_is_literal(pattern) && !glob_match(pattern, pattern))
		abort();

	/* the differential check, on inputs small enough for the plain matcher */
	if (strlen(pattern) <= 24 && strlen(path) <= 24 && *pattern && *path &&
	    only(pattern, "ab*?/") && only(path, "ab/") && strncmp(pattern, "./", 2) &&
	    strncmp(path, "./", 2)) {
		struct segs ps, ss;

		if (split(pattern, &ps) && split(path, &ss) &&
		    glob_match(pattern, path) != ref_path(&ps, 0, &ss, 0))
			abort();
	}
	free(buf);
	return 0;
}
