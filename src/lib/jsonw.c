/*
 * jsonw: commas, colons and nesting, so that writers only say what to
 * write.  Misuse (a value where a key must come, a bracket closed twice)
 * is a bug in relgate and ends it at once with the place.
 */
#include <inttypes.h>
#include <stdio.h>

#include "lib/diag.h"
#include "lib/jsonw.h"

void jw_init(struct jw *w, struct buf *out)
{
	w->out = out;
	w->depth = 0;
	w->after_key = false;
	w->brk = -1;
}

void jw_break(struct jw *w, int indent)
{
	w->brk = indent;
}

static void line_break(struct jw *w)
{
	int i;

	if (w->brk < 0)
		return;
	buf_addc(w->out, '\n');
	for (i = 0; i < w->brk; i++)
		buf_addc(w->out, ' ');
	w->brk = -1;
}

/* What comes before an item: a comma after an earlier one, a line break if asked. */
static void item(struct jw *w, bool is_key)
{
	if (w->after_key) {
		if (is_key)
			BUG("jsonw: a key where its value should be");
		w->after_key = false;
		return;
	}
	if (w->depth > 0) {
		bool in_object = w->open[w->depth - 1] == '{';

		if (in_object != is_key)
			BUG(in_object ? "jsonw: a value without a key" : "jsonw: a key in an array");
		if (w->members[w->depth - 1])
			buf_add(w->out, ", ", w->brk >= 0 ? 1 : 2);
		w->members[w->depth - 1] = true;
	}
	line_break(w);
}

static void open_level(struct jw *w, char c)
{
	item(w, false);
	if (w->depth >= JW_MAX_DEPTH)
		BUG("jsonw: nested too deep");
	w->open[w->depth] = c;
	w->members[w->depth] = false;
	w->depth++;
	buf_addc(w->out, c);
}

void jw_object(struct jw *w)
{
	open_level(w, '{');
}

void jw_array(struct jw *w)
{
	open_level(w, '[');
}

void jw_end(struct jw *w)
{
	if (w->depth == 0 || w->after_key)
		BUG("jsonw: nothing to close, or a key without its value");
	w->depth--;
	line_break(w);
	buf_addc(w->out, w->open[w->depth] == '{' ? '}' : ']');
}

void jw_key(struct jw *w, const char *key)
{
	item(w, true);
	buf_add_json_str(w->out, key);
	buf_add(w->out, ": ", 2);
	w->after_key = true;
}

void jw_str(struct jw *w, const char *s)
{
	item(w, false);
	if (s)
		buf_add_json_str(w->out, s);
	else
		buf_adds(w->out, "null");
}

void jw_raw(struct jw *w, const char *json)
{
	item(w, false);
	buf_adds(w->out, json ? json : "null");
}

void jw_int(struct jw *w, int64_t v)
{
	item(w, false);
	buf_addf(w->out, "%" PRId64, v);
}

void jw_num(struct jw *w, double v, int decimals)
{
	item(w, false);
	/* JSON has no NaN or infinity */
	if (v != v || v > 1e300 || v < -1e300)
		buf_adds(w->out, "null");
	else
		buf_addf(w->out, "%.*f", decimals, v);
}

void jw_bool(struct jw *w, bool v)
{
	item(w, false);
	buf_adds(w->out, v ? "true" : "false");
}

void jw_null(struct jw *w)
{
	item(w, false);
	buf_adds(w->out, "null");
}

void jw_kstr(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s);
}

void jw_kint(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void jw_knum(struct jw *w, const char *key, double v, int decimals)
{
	jw_key(w, key);
	jw_num(w, v, decimals);
}

void jw_kbool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

void jw_done(struct jw *w)
{
	if (w->depth || w->after_key)
		BUG("jsonw: the document ends with %d levels open", w->depth);
}
