/*
 * term: the decision to colour is taken once, for stdout.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/term.h"

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
