/*
 * jsonw: the one JSON writer of relgate's output (affected, graph, boot,
 * the gate's report, and what comes next).  It places the commas and the
 * colons, quotes strings (as buf_add_json_str: valid UTF-8 kept, the rest
 * escaped), and checks nesting, so that a writer cannot emit broken JSON;
 * where the lines break is the caller's choice (jw_break), for output that
 * people read too.
 */
#ifndef RELGATE_JSONW_H
#define RELGATE_JSONW_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/util.h"

#define JW_MAX_DEPTH 32

struct jw {
	struct buf *out;          /* appended to; not owned */
	int depth;
	char open[JW_MAX_DEPTH];  /* '{' or '[' of each level */
	bool members[JW_MAX_DEPTH];  /* the level has a member already */
	bool after_key;           /* a key was written, its value comes next */
	int brk;                  /* -1, or the indent of a line break before the next item */
};

/* Start writing into out. */
void jw_init(struct jw *w, struct buf *out);

void jw_object(struct jw *w);
void jw_array(struct jw *w);
/* Close the innermost object or array. */
void jw_end(struct jw *w);

/* The next item (a member, a value, or the closing bracket) starts a new line at indent. */
void jw_break(struct jw *w, int indent);

/* An object's key; its value follows. */
void jw_key(struct jw *w, const char *key);
/* Values; a NULL string is null. */
void jw_str(struct jw *w, const char *s);
void jw_int(struct jw *w, int64_t v);
/* A number with a fixed count of decimals ("%.*f"). */
void jw_num(struct jw *w, double v, int decimals);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* A value relgate wrote as JSON already (one whole value; NULL is null). */
void jw_raw(struct jw *w, const char *json);

/* A key and its value at once. */
void jw_kstr(struct jw *w, const char *key, const char *s);
void jw_kint(struct jw *w, const char *key, int64_t v);
void jw_knum(struct jw *w, const char *key, double v, int decimals);
void jw_kbool(struct jw *w, const char *key, bool v);

/* Everything closed?  (For the end of a document; BUG otherwise.) */
void jw_done(struct jw *w);

#endif
