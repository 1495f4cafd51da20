/*
 * scan: the import lexer.  Finds the module specifiers a source file names
 * in static imports, re-exports, import(), require() and CSS @import, and
 * nothing else: a specifier inside a comment, a string, a template literal,
 * a regular expression literal or JSX text is not an import.
 *
 * It reads the text once, left to right, keeps no more state than a stack
 * of open braces, templates and JSX elements, and never allocates per
 * token.  It must never crash or loop on any input: bytes that make no
 * sense are skipped.
 */
#ifndef RELGATE_SCAN_H
#define RELGATE_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

enum scan_lang {
	LANG_NONE,    /* not scanned */
	LANG_JS,      /* .js .mjs .cjs: JSX allowed in .js */
	LANG_JSX,     /* .jsx .tsx */
	LANG_TS,      /* .ts .mts .cts: no JSX, "<T>x" is a type assertion */
	LANG_CSS,     /* .css */
	LANG_SCSS,    /* .scss: also @use, @forward and // comments */
};

enum import_kind {
	IMPORT_STATIC,   /* import ... from "x", import "x" */
	IMPORT_EXPORT,   /* export ... from "x" */
	IMPORT_DYNAMIC,  /* import("x") */
	IMPORT_REQUIRE,  /* require("x") */
	IMPORT_CSS,      /* @import, @use, @forward */
};

struct scan_import {
	uint8_t kind;
	uint32_t line;
	uint32_t off, len;  /* the specifier, in scan_result.pool */
};

enum scan_status {
	SCAN_OK,
	SCAN_BINARY,    /* a NUL byte: not text, nothing was scanned */
	SCAN_TOO_DEEP,  /* nesting past the limit: the rest was not scanned */
};

struct scan_result {
	struct scan_import *imports;
	size_t n, cap;
	struct buf pool;  /* specifiers, each NUL-terminated */
	enum scan_status status;
	uint32_t stop_line;  /* with SCAN_TOO_DEEP: where scanning stopped */
};

/* The language of a file, from its name; LANG_NONE when not scanned. */
enum scan_lang scan_lang_of(const char *path);

/* Scan text; the result is appended to r (which starts zeroed). */
void scan_source(const char *text, size_t len, enum scan_lang lang, struct scan_result *r);

/* The specifier of import i. */
static inline const char *scan_spec(const struct scan_result *r, size_t i)
{
	return r->pool.data + r->imports[i].off;
}

void scan_result_reset(struct scan_result *r);
void scan_result_release(struct scan_result *r);

/* A word for an import kind, for reasons and JSON: "import", "require", ... */
const char *import_kind_name(enum import_kind kind);

#endif
