/*
 * reasons: a chain of reasons (analyze/impact.h's impact_chain) as the
 * commands print it.
 */
#ifndef RELGATE_REASONS_H
#define RELGATE_REASONS_H

#include <stdbool.h>
#include <stddef.h>

#include "analyze/impact.h"
#include "lib/jsonw.h"
#include "lib/util.h"

/* The words in parentheses after a link (first: the changed file's), into b. */
void reason_note(const struct chain_link *l, bool first, struct buf *b);
/* What a link is called: a file's path, a package's or product's name. */
const char *reason_label(const struct chain_link *l);
/* Whether link i is the product's own package, shown by the product's name. */
bool reason_collapsed(const struct chain *c, size_t i);

/* " <- pkg (dependency) <- file (changed)", escaped for the terminal, into out. */
void reason_text(const struct chain *c, struct buf *out);
/* The chain as a JSON array of {kind, name, change, edge, why}. */
void reason_json(const struct chain *c, struct jw *w, struct buf *note);
/* "`file` (changed) → `pkg` (dependency) → **`name`**", for a markdown table cell. */
void reason_markdown(const struct chain *c, const char *name, struct buf *out, struct buf *note);
/* Markdown inline code that survives backticks and table pipes. */
void md_code(struct buf *b, const char *s);

#endif
