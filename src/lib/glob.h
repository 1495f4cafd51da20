/*
 * glob: matching of workspace-relative paths against patterns as the
 * JavaScript tooling writes them: "*" and "?" within one path segment,
 * "**" as a whole segment for any number of segments, "[a-z]" and "[!x]"
 * classes, "{a,b}" alternatives, and "\\" to quote.  A leading "./" is
 * ignored.  Matching is iterative over "*" and bounded over "**" and "{}",
 * so no pattern can make it run away.
 */
#ifndef RELGATE_GLOB_H
#define RELGATE_GLOB_H

#include <stdbool.h>

/* Does path match pattern as a whole? */
bool glob_match(const char *pattern, const char *path);

/* Does pattern contain any glob syntax? */
bool glob_is_literal(const char *pattern);

/*
 * Is pattern valid?  Returns NULL, or a message for an unclosed "[" or "{",
 * a trailing "\\", or braces nested more than a few levels.
 */
const char *glob_check(const char *pattern);

#endif
