/*
 * reasons: a chain of reasons as the commands print it, in text, JSON and
 * markdown (affected, plan).
 */
#include <stdio.h>
#include <string.h>

#include "cmd/reasons.h"
#include "analyze/scan.h"
#include "lib/term.h"

/* The words in parentheses after a link: how it changed and the edge's kind. */
void reason_note(const struct chain_link *l, bool first, struct buf *b)
{
	const struct gedge *e = l->edge;

	buf_reset(b);
	if (first)
		buf_adds(b, l->change);
	if (!e || e->kind == EDGE_OWNS || e->kind == EDGE_PRODUCT)
		return;
	if (b->len)
		buf_adds(b, ", ");
	switch (e->kind) {
	case EDGE_DEPENDENCY:
		buf_adds(b, dep_kind_name((enum dep_kind)e->sub));
		if (e->detail)
			buf_addf(b, ": %s", e->detail);
		break;
	case EDGE_IMPORT:
		buf_adds(b, import_kind_name((enum import_kind)e->sub));
		break;
	case EDGE_INPUT:
		buf_adds(b, "input");
		break;
	case EDGE_GLOBAL_INPUT:
		buf_adds(b, "globalInputs");
		break;
	case EDGE_LOCKFILE:
		buf_addf(b, "lockfile: %s", e->detail);
		break;
	case EDGE_ROOT_DEPENDENCY:
		buf_addf(b, "the root's %s: a build tool of every product",
			 dep_kind_name((enum dep_kind)e->sub));
		break;
	default:
		buf_adds(b, e->detail ? e->detail : edge_kind_name((enum edge_kind)e->kind));
	}
}

const char *reason_label(const struct chain_link *l)
{
	return l->node->kind == NODE_FILE ? l->node->path : l->node->name;
}

/* Is link i the product's own package, shown by the product's name? */
bool reason_collapsed(const struct chain *c, size_t i)
{
	return c->links[i].edge && c->links[i].edge->kind == EDGE_PRODUCT;
}

void reason_json(const struct chain *c, struct jw *w, struct buf *note)
{
	static const char *const kinds[] = {"file", "package", "product"};
	size_t k;

	jw_array(w);
	for (k = 0; k < c->n; k++) {
		const struct chain_link *l = &c->links[k];

		jw_object(w);
		jw_kstr(w, "kind", kinds[l->node->kind]);
		jw_kstr(w, "name", reason_label(l));
		if (k == 0)
			jw_kstr(w, "change", l->change);
		if (l->edge) {
			jw_kstr(w, "edge", edge_kind_name((enum edge_kind)l->edge->kind));
			reason_note(l, false, note);
			if (note->len)
				jw_kstr(w, "why", note->data);
		}
		jw_end(w);
	}
	jw_end(w);
}

/* Markdown inline code that survives backticks and table pipes. */
void md_code(struct buf *b, const char *s)
{
	bool ticks = strchr(s, '`') != NULL;

	buf_adds(b, ticks ? "`` " : "`");
	for (; *s; s++) {
		if (*s == '|')
			buf_adds(b, "\\|");
		else if (*s == '\n' || *s == '\r')
			buf_addc(b, ' ');
		else
			buf_addc(b, *s);
	}
	buf_adds(b, ticks ? " ``" : "`");
}

void reason_text(const struct chain *c, struct buf *out)
{
	struct buf note = BUF_INIT;
	size_t k;

	buf_reset(out);
	for (k = c->n - 1; k-- > 0;) {
		if (reason_collapsed(c, k))
			continue;
		reason_note(&c->links[k], k == 0, &note);
		buf_addf(out, " <- %s", term_safe(reason_label(&c->links[k])));
		if (note.len)
			buf_addf(out, " %s(%s)%s", term_dim(), term_safe(note.data), term_reset());
	}
	buf_release(&note);
}

void reason_markdown(const struct chain *c, const char *name, struct buf *out, struct buf *note)
{
	size_t k;

	for (k = 0; k + 1 < c->n; k++) {
		if (reason_collapsed(c, k))
			continue;
		md_code(out, reason_label(&c->links[k]));
		reason_note(&c->links[k], k == 0, note);
		if (note->len) {
			buf_adds(out, " (");
			for (const char *p = note->data; *p; p++)
				buf_adds(out, *p == '|' ? "\\|" : (char[2]){*p, 0});
			buf_adds(out, ")");
		}
		buf_adds(out, " → ");
	}
	buf_adds(out, "**");
	md_code(out, name);
	buf_adds(out, "**");
}
