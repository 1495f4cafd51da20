/*
 * term: colour on a terminal, and only there.  --color=auto (the default)
 * colours when standard output is a terminal, TERM is not "dumb" and
 * NO_COLOR is not set; always and never force it.
 */
#ifndef RELGATE_TERM_H
#define RELGATE_TERM_H

#include <stdbool.h>
#include <stdio.h>

enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

extern enum color_mode term_color_mode;

/* Should output to f be coloured? */
bool term_use_color(FILE *f);

/* Escape sequences, or "" when colour is off for stdout. */
const char *term_bold(void);
const char *term_dim(void);
const char *term_green(void);
const char *term_red(void);
const char *term_yellow(void);
const char *term_reset(void);

struct buf;

/*
 * Append s with what could move or colour a terminal escaped: control
 * characters (C0, DEL, C1) and bytes that are no UTF-8 become \n, \t or
 * \xNN.  Names and paths from outside (packages, files, messages) go
 * through it before they reach text output.
 */
void term_escape(struct buf *b, const char *s);
/*
 * The same, for printf: s itself when it is plain, else an escaped copy
 * that lives until the fourth call after (four may share one printf).
 */
const char *term_safe(const char *s);

#endif
