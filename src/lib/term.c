/*
 * term: the decision to colour is taken once, for stdout.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/term.h"
#include "lib/util.h"

enum color_mode term_color_mode = COLOR_AUTO;

bool term_use_color(FILE *f)
{
	const char *term = getenv("TERM");

	if (term_color_mode != COLOR_AUTO)
		return term_color_mode == COLOR_ALWAYS;
	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
		return false;
	return isatty(fileno(f)) && term && strcmp(term, "dumb");
}

static const char *esc(const char *seq)
{
	static int on = -1;

	if (on < 0)
		on = term_use_color(stdout);
	return on ? seq : "";
}

const char *term_bold(void) { return esc("\033[1m"); }
const char *term_dim(void) { return esc("\033[2m"); }
const char *term_green(void) { return esc("\033[32m"); }
const char *term_red(void) { return esc("\033[31m"); }
const char *term_yellow(void) { return esc("\033[33m"); }
const char *term_reset(void) { return esc("\033[0m"); }

void term_escape(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_len(p);

		/* C0 and C1 controls and DEL move or colour a terminal; a bad byte may too */
		if (!n || *p < 0x20 || *p == 0x7f || (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
			if (*p == '\n')
				buf_adds(b, "\\n");
			else if (*p == '\t')
				buf_adds(b, "\\t");
			else
				buf_addf(b, "\\x%02x", *p);
			p++;
			continue;
		}
		buf_add(b, p, n);
		p += n;
	}
}

const char *term_safe(const char *s)
{
	static _Thread_local struct buf ring[4];
	static _Thread_local unsigned next;
	struct buf *b = &ring[next++ % ARRAY_LEN(ring)];
	const unsigned char *p;

	/* the common case, a plain name, is returned as it is */
	for (p = (const unsigned char *)s; *p >= 0x20 && *p < 0x7f; p++)
		;
	if (!*p)
		return s;
	if (!b->data)
		buf_init(b);
	buf_reset(b);
	term_escape(b, s);
	return b->data;
}
