/*
 * scan: a lexer for JavaScript, TypeScript, JSX and CSS that is just deep
 * enough to know what is code.
 *
 * The JavaScript side has two layers.  The lexer turns text into tokens and
 * keeps a stack of frames for what is open: braces, template substitutions
 * "${", JSX tags, JSX bodies and JSX expressions "{".  The recogniser sees
 * only code tokens (never comment, string contents, template text, regular
 * expressions or JSX text) and spots the import forms with a small state
 * machine.
 *
 * Two ambiguities are settled the way bundlers' lexers settle them: a "/"
 * starts a regular expression where an expression may start (after an
 * operator, "(", ",", a keyword like return), else it divides; a "<" starts
 * JSX where an expression may start and a name or ">" follows.  A regular
 * expression cannot span lines, so a wrong guess is undone at the newline;
 * a string cannot either, so a stray apostrophe costs at most one line.
 */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "analyze/scan.h"
#include "lib/util.h"

#define MAX_FRAMES 512
#define MAX_CLAUSE_TOKENS 512

enum frame {
	F_BRACE,      /* { in code */
	F_TEMPLATE,   /* ${ in a template literal */
	F_JSX_TAG,    /* inside <name ... > */
	F_JSX_BODY,   /* between <name> and </name> */
	F_JSX_EXPR,   /* { in a JSX tag or body */
};

enum tok {
	T_NONE,
	T_IDENT,
	T_STRING,
	T_TEMPLATE,   /* a template literal without substitutions */
	T_PUNCT,
	T_OTHER,      /* numbers, regexes, templates with substitutions */
};

enum state {
	S_START,
	S_IMPORT,     /* import */
	S_CLAUSE,     /* import x, { y } / export { y } / export * as z */
	S_FROM,       /* ... from */
	S_CALL,       /* import / require */
	S_CALL_OPEN,  /* import( / require( */
	S_CALL_ARG,   /* import("x" / require("x" */
	S_EXPORT,     /* export */
};

struct lexer {
	const char *p, *end, *text;
	enum scan_lang lang;
	uint32_t line;
	unsigned char frames[MAX_FRAMES];
	int depth;
	bool too_deep;

	/* the previous code token, to tell a regex from a division */
	enum tok prev;
	char prev_punct;
	const char *prev_word;  /* the previous token's text, when it is a name */
	size_t prev_len;
	bool prev_dot;       /* the previous token was "." or "?." */
	bool prev_postfix;   /* it was a "!" right after an expression: TypeScript's x! */

	/* the import recogniser */
	enum state state;
	enum import_kind kind;
	int clause_tokens;
	bool clause_brace;   /* inside the { } of a clause: "a-b" as x is a name */
	const char *arg;
	size_t arg_len;
	uint32_t arg_line;

	struct scan_result *r;
};

enum scan_lang scan_lang_of(const char *path)
{
	static const struct { const char *ext; enum scan_lang lang; } exts[] = {
		{".js", LANG_JS}, {".mjs", LANG_JS}, {".cjs", LANG_JS},
		{".jsx", LANG_JSX}, {".tsx", LANG_JSX},
		{".ts", LANG_TS}, {".mts", LANG_TS}, {".cts", LANG_TS},
		{".css", LANG_CSS}, {".scss", LANG_SCSS},
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	if (!dot || strchr(dot, '/'))
		return LANG_NONE;
	if (ends_with(path, ".d.ts") || ends_with(path, ".d.mts") || ends_with(path, ".d.cts"))
		return LANG_TS;
	for (i = 0; i < ARRAY_LEN(exts); i++)
		if (!strcmp(dot, exts[i].ext))
			return exts[i].lang;
	return LANG_NONE;
}

const char *import_kind_name(enum import_kind kind)
{
	switch (kind) {
	case IMPORT_STATIC: return "import";
	case IMPORT_EXPORT: return "export from";
	case IMPORT_DYNAMIC: return "import()";
	case IMPORT_REQUIRE: return "require";
	case IMPORT_CSS: return "@import";
	}
	return "import";
}

void scan_result_reset(struct scan_result *r)
{
	r->n = 0;
	buf_reset(&r->pool);
	r->status = SCAN_OK;
	r->stop_line = 0;
}

void scan_result_release(struct scan_result *r)
{
	free(r->imports);
	buf_release(&r->pool);
	memset(r, 0, sizeof(*r));
}

/* Record a specifier, decoding the simple escapes a string may hold. */
static void record(struct scan_result *r, enum import_kind kind, const char *s, size_t n,
		   uint32_t line)
{
	struct scan_import *im;
	size_t off = r->pool.len, i;

	if (!r->pool.cap)
		buf_init(&r->pool);
	if (n == 0 || n > 4096)
		return;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\' && i + 1 < n) {
			c = s[++i];
			if (c == 'u' || c == 'x')
				goto drop;   /* escaped code points: not a plain specifier */
		}
		if (c == '\0' || c == '\n')
			goto drop;
		buf_addc(&r->pool, c);
	}
	buf_addc(&r->pool, '\0');
	GROW(r->imports, r->n + 1, r->cap);
	im = &r->imports[r->n++];
	im->kind = (uint8_t)kind;
	im->line = line;
	im->off = (uint32_t)off;
	im->len = (uint32_t)(r->pool.len - off - 1);
	return;
drop:
	r->pool.len = off;
	r->pool.data[off] = '\0';
}

/*
 * What each byte can be, looked up once per byte: the lexer's time goes
 * into names and blanks.  A name starts with a letter, _ $ # (private
 * fields) or any byte of a UTF-8 sequence, and goes on with digits too.
 */
enum {
	CH_START = 1,  /* starts a name */
	CH_PART = 2,   /* goes on in a name */
	CH_SPACE = 4,  /* a blank or a newline */
	CH_QUOTED = 8, /* may end a string or a template's text: \\ \n ' " ` $ */
};
#define CH_LETTER(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || (c) == '_' || \
		      (c) == '$' || (c) == '#' || (c) >= 0x80)
#define CH_CLASS(c)                                                                        \
	((CH_LETTER(c) ? CH_START | CH_PART : 0) | ((c) >= '0' && (c) <= '9' ? CH_PART : 0) | \
	 ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r' || (c) == '\f' || (c) == '\v'  \
		  ? CH_SPACE                                                                \
		  : 0) |                                                                    \
	 ((c) == '\\' || (c) == '\n' || (c) == '\'' || (c) == '"' || (c) == '`' || (c) == '$'   \
		  ? CH_QUOTED                                                               \
		  : 0))
#define CH4(c) CH_CLASS(c), CH_CLASS(c + 1), CH_CLASS(c + 2), CH_CLASS(c + 3)
#define CH16(c) CH4(c), CH4(c + 4), CH4(c + 8), CH4(c + 12)
#define CH64(c) CH16(c), CH16(c + 16), CH16(c + 32), CH16(c + 48)
static const unsigned char char_class[256] = {CH64(0), CH64(64), CH64(128), CH64(192)};

static bool is_ident_char(unsigned char c)
{
	return char_class[c] & CH_PART;
}

/* The end of the spaces and tabs from p: indentation, sixteen bytes at a time where SSE2 is. */
static const char *blanks_end(const char *p, const char *end)
{
#ifdef __SSE2__
	const __m128i space = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t');

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned mask = (unsigned)_mm_movemask_epi8(
			_mm_or_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(v, tab)));

		if (mask != 0xffff)
			return p + __builtin_ctz(~mask);
		p += 16;
	}
#endif
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* The first byte from p that may end a string or a template's text. */
static const char *quoted_end(const char *p, const char *end)
{
	while (p < end && !(char_class[(unsigned char)*p] & CH_QUOTED))
		p++;
	return p;
}

/*
 * The end of the name that starts at p (or goes on there).  Sixteen bytes
 * at a time where SSE2 is (every x86-64): a name is a run of letters,
 * digits, _ $ # and bytes from 0x80, tested by ranges at once; the first
 * byte that is not one ends it, without the mispredicted branch that
 * ends a byte-by-byte loop on every name.
 */
static const char *name_end(const char *p, const char *end)
{
#ifdef __SSE2__
	const __m128i lower_a = _mm_set1_epi8('a' - 1), lower_z = _mm_set1_epi8('z' + 1);
	const __m128i digit_0 = _mm_set1_epi8('0' - 1), digit_9 = _mm_set1_epi8('9' + 1);
	const __m128i upper = _mm_set1_epi8(0x20), under = _mm_set1_epi8('_');
	const __m128i dollar = _mm_set1_epi8('$'), hash = _mm_set1_epi8('#');

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i folded = _mm_or_si128(v, upper);   /* A-Z to a-z */
		/* signed compares: bytes from 0x80 are negative, tested on their own */
		__m128i letter = _mm_and_si128(_mm_cmpgt_epi8(folded, lower_a),
					       _mm_cmplt_epi8(folded, lower_z));
		__m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, digit_0), _mm_cmplt_epi8(v, digit_9));
		__m128i other = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, under),
							  _mm_cmpeq_epi8(v, dollar)),
					     _mm_or_si128(_mm_cmpeq_epi8(v, hash),
							  _mm_cmplt_epi8(v, _mm_setzero_si128())));
		unsigned mask = (unsigned)_mm_movemask_epi8(
			_mm_or_si128(_mm_or_si128(letter, digit), other));

		if (mask != 0xffff)
			return p + __builtin_ctz(~mask);
		p += 16;
	}
#endif
	while (p < end && (char_class[(unsigned char)*p] & CH_PART))
		p++;
	return p;
}

static bool word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !memcmp(s, w, n);
}

/*
 * Identifiers after which an expression (so a regex or JSX) may follow:
 * return typeof instanceof in of new delete void throw case do else yield
 * await extends.  Most names are not keywords: the first letter rules them out.
 */
static bool is_expr_keyword(const char *s, size_t n)
{
	if (n < 2 || n > 10)
		return false;
	switch (s[0]) {
	case 'a': return word_is(s, n, "await");
	case 'c': return word_is(s, n, "case");
	case 'd': return word_is(s, n, "delete") || word_is(s, n, "do");
	case 'e': return word_is(s, n, "else") || word_is(s, n, "extends");
	case 'i': return word_is(s, n, "in") || word_is(s, n, "instanceof");
	case 'n': return word_is(s, n, "new");
	case 'o': return word_is(s, n, "of");
	case 'r': return word_is(s, n, "return");
	case 't': return word_is(s, n, "typeof") || word_is(s, n, "throw");
	case 'v': return word_is(s, n, "void");
	case 'y': return word_is(s, n, "yield");
	}
	return false;
}

static bool expression_may_start(const struct lexer *lx)
{
	switch (lx->prev) {
	case T_NONE:
		return true;
	case T_PUNCT:
		return lx->prev_punct != ')' && lx->prev_punct != ']' && !lx->prev_postfix;
	case T_IDENT:
		return is_expr_keyword(lx->prev_word, lx->prev_len);
	default:
		return false;
	}
}

static void push(struct lexer *lx, enum frame f)
{
	if (lx->depth >= MAX_FRAMES) {
		lx->too_deep = true;
		return;
	}
	lx->frames[lx->depth++] = (unsigned char)f;
}

static int top(const struct lexer *lx)
{
	return lx->depth ? lx->frames[lx->depth - 1] : -1;
}

/* ---- the import recogniser: fed one code token at a time ---- */

static void feed(struct lexer *lx, enum tok t, const char *s, size_t n);

static void restart(struct lexer *lx, enum tok t, const char *s, size_t n)
{
	lx->state = S_START;
	feed(lx, t, s, n);
}

static void feed(struct lexer *lx, enum tok t, const char *s, size_t n)
{
	bool punct = t == T_PUNCT;
	char c = punct ? *s : 0;

	switch (lx->state) {
	case S_START:
		if (t != T_IDENT || lx->prev_dot || n < 6 || n > 7)
			return;
		if (word_is(s, n, "import")) {
			lx->state = S_IMPORT;
		} else if (word_is(s, n, "export")) {
			lx->state = S_EXPORT;
		} else if (word_is(s, n, "require")) {
			lx->state = S_CALL;
			lx->kind = IMPORT_REQUIRE;
		}
		return;
	case S_IMPORT:
		if (t == T_STRING) {
			record(lx->r, IMPORT_STATIC, s, n, lx->line);
			lx->state = S_START;
		} else if (punct && c == '(') {
			lx->kind = IMPORT_DYNAMIC;
			lx->state = S_CALL_OPEN;
		} else if (t == T_IDENT || (punct && (c == '{' || c == '*'))) {
			lx->state = S_CLAUSE;
			lx->kind = IMPORT_STATIC;
			lx->clause_tokens = 0;
			lx->clause_brace = punct && c == '{';
			if (t == T_IDENT && word_is(s, n, "from"))
				lx->state = S_FROM;  /* import from from "x" is rare; harmless */
		} else {
			restart(lx, t, s, n);
		}
		return;
	case S_EXPORT:
		if (punct && (c == '{' || c == '*')) {
			lx->state = S_CLAUSE;
			lx->kind = IMPORT_EXPORT;
			lx->clause_tokens = 0;
			lx->clause_brace = c == '{';
		} else if (t == T_IDENT && word_is(s, n, "type")) {
			/* export type { X } from "y" */
		} else {
			restart(lx, t, s, n);
		}
		return;
	case S_CLAUSE:
		if (punct && (c == '{' || c == '}'))
			lx->clause_brace = c == '{';
		if (++lx->clause_tokens > MAX_CLAUSE_TOKENS) {
			lx->state = S_START;
		} else if (t == T_STRING && lx->clause_brace) {
			/* export { "a-b" as ab } from "x": a string name, not the source */
		} else if (t == T_IDENT && word_is(s, n, "from") && !lx->clause_brace) {
			/* inside { } "from" is a name: import { from } from "x" */
			lx->state = S_FROM;
		} else if (t == T_IDENT && (word_is(s, n, "import") || word_is(s, n, "export") ||
					    word_is(s, n, "require"))) {
			restart(lx, t, s, n);
		} else if (t == T_STRING || t == T_TEMPLATE || t == T_OTHER ||
			   (punct && strchr(";()=", c))) {
			lx->state = S_START;
		}
		return;
	case S_FROM:
		if (t == T_STRING) {
			record(lx->r, lx->kind, s, n, lx->line);
			lx->state = S_START;
		} else {
			restart(lx, t, s, n);
		}
		return;
	case S_CALL:
		if (punct && c == '(')
			lx->state = S_CALL_OPEN;
		else
			restart(lx, t, s, n);
		return;
	case S_CALL_OPEN:
		if (t == T_STRING || t == T_TEMPLATE) {
			lx->arg = s;
			lx->arg_len = n;
			lx->arg_line = lx->line;
			lx->state = S_CALL_ARG;
		} else {
			restart(lx, t, s, n);
		}
		return;
	case S_CALL_ARG:
		/* import("x", { with: ... }) is still a plain import */
		if (punct && (c == ')' || c == ','))
			record(lx->r, lx->kind, lx->arg, lx->arg_len, lx->arg_line);
		restart(lx, t, s, n);
		return;
	}
}

/* Whether the previous token ended an expression (so that "!" after it is TypeScript's x!). */
static bool expression_ended(const struct lexer *lx)
{
	switch (lx->prev) {
	case T_IDENT:
		return !is_expr_keyword(lx->prev_word, lx->prev_len);
	case T_STRING:
	case T_TEMPLATE:
	case T_OTHER:
		return true;
	case T_PUNCT:
		return lx->prev_punct == ')' || lx->prev_punct == ']' || lx->prev_postfix;
	default:
		return false;
	}
}

/* A code token: remember it for the regex rule, then feed the recogniser. */
static void token(struct lexer *lx, enum tok t, const char *s, size_t n)
{
	bool punct = t == T_PUNCT;

	/* from the start, only a name can begin an import */
	if (lx->state != S_START || t == T_IDENT)
		feed(lx, t, s, n);
	lx->prev_postfix = punct && *s == '!' && n == 1 && expression_ended(lx);
	/* whether a name is a keyword is asked only before "/", "<" and "!" */
	lx->prev_word = s;
	lx->prev_len = n;
	lx->prev_dot = punct && (*s == '.' || (*s == '?' && n == 2)) && n != 3; /* not "..." */
	lx->prev = t;
	lx->prev_punct = punct ? *s : 0;
}

/* ---- the lexer ---- */

static void skip_line_comment(struct lexer *lx)
{
	const char *nl = memchr(lx->p, '\n', (size_t)(lx->end - lx->p));

	lx->p = nl ? nl : lx->end;
}

/* The newlines in [p, end). */
static uint32_t count_lines(const char *p, const char *end)
{
	uint32_t n = 0;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

static void skip_block_comment(struct lexer *lx)
{
	const char *p = lx->p + 2, *star;

	while ((star = memchr(p, '*', (size_t)(lx->end - p))) != NULL) {
		lx->line += count_lines(p, star);
		if (star + 1 < lx->end && star[1] == '/') {
			lx->p = star + 2;
			return;
		}
		p = star + 1;
	}
	lx->line += count_lines(p, lx->end);
	lx->p = lx->end;
}

/* A quoted string; returns its contents.  Ends early at a raw newline. */
static void lex_string(struct lexer *lx)
{
	char q = *lx->p++;
	const char *start = lx->p;
	uint32_t line = lx->line;

	while ((lx->p = quoted_end(lx->p, lx->end)) < lx->end && *lx->p != q && *lx->p != '\n') {
		if (*lx->p == '\\' && lx->p + 1 < lx->end) {
			/* a line continuation: backslash, then LF or CRLF */
			if (lx->p[1] == '\r' && lx->p + 2 < lx->end && lx->p[2] == '\n')
				lx->p++;
			if (lx->p[1] == '\n')
				lx->line++;
			lx->p++;
		}
		lx->p++;
	}
	{
		uint32_t now = lx->line;

		lx->line = line;
		token(lx, T_STRING, start, (size_t)(lx->p - start));
		lx->line = now;
	}
	if (lx->p < lx->end && *lx->p == q)
		lx->p++;
}

/*
 * Template text from p: up to the closing backquote (returns true) or a
 * "${" (pushes a frame, returns false).
 */
static bool lex_template_text(struct lexer *lx)
{
	while ((lx->p = quoted_end(lx->p, lx->end)) < lx->end) {
		char c = *lx->p;

		if (c == '\\' && lx->p + 1 < lx->end) {
			if (lx->p[1] == '\n')
				lx->line++;
			lx->p += 2;
			continue;
		}
		if (c == '`') {
			lx->p++;
			return true;
		}
		if (c == '$' && lx->p + 1 < lx->end && lx->p[1] == '{') {
			lx->p += 2;
			push(lx, F_TEMPLATE);
			return false;
		}
		if (c == '\n')
			lx->line++;
		lx->p++;
	}
	return true;
}

static void lex_template(struct lexer *lx)
{
	const char *start = ++lx->p;

	if (lex_template_text(lx)) {
		token(lx, T_TEMPLATE, start, (size_t)(lx->p - 1 - start));
	} else {
		token(lx, T_OTHER, "`", 1);
		/* inside ${ an expression starts */
		lx->prev = T_PUNCT;
		lx->prev_punct = '{';
	}
}

/* Try a regular expression literal at '/'; false when a newline says no. */
static bool lex_regex(struct lexer *lx)
{
	const char *p = lx->p + 1;
	bool in_class = false;

	while (p < lx->end && *p != '\n') {
		if (*p == '\\' && p + 1 < lx->end && p[1] != '\n') {
			p += 2;
			continue;
		}
		if (*p == '[')
			in_class = true;
		else if (*p == ']')
			in_class = false;
		else if (*p == '/' && !in_class)
			break;
		p++;
	}
	if (p >= lx->end || *p != '/')
		return false;
	lx->p = name_end(p + 1, lx->end);
	token(lx, T_OTHER, "/", 1);
	return true;
}

/* Does a JSX element start at '<'? */
static bool jsx_starts(const struct lexer *lx)
{
	const char *p = lx->p + 1;

	if (lx->lang != LANG_JS && lx->lang != LANG_JSX)
		return false;
	if (!expression_may_start(lx) || (lx->prev == T_PUNCT && lx->prev_punct == '}'))
		return false;
	if (p >= lx->end)
		return false;
	if (*p == '>')
		return true;
	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' || *p == '$'))
		return false;
	/* <T,>(x) => x and <T extends U> are generics of an arrow function */
	while (p < lx->end && (is_ident_char((unsigned char)*p) || *p == '.' || *p == ':' || *p == '-'))
		p++;
	while (p < lx->end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < lx->end && *p == ',')
		return false;
	if (lx->end - p > 8 && !memcmp(p, "extends ", 8))
		return false;
	return true;
}

/* After a JSX element closes: back to its parent body, or to code. */
static void jsx_element_closed(struct lexer *lx)
{
	if (top(lx) != F_JSX_BODY) {
		lx->prev = T_PUNCT;
		lx->prev_punct = ')';
	}
}

/* Inside <name ...>: attributes until '>' or '/>'. */
static void lex_jsx_tag(struct lexer *lx)
{
	char c = *lx->p;

	if (c == '\n') {
		lx->line++;
		lx->p++;
	} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '/') {
		skip_line_comment(lx);   /* comments between attributes */
	} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
		skip_block_comment(lx);
	} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '>') {
		lx->p += 2;
		lx->depth--;
		jsx_element_closed(lx);
	} else if (c == '>') {
		lx->p++;
		lx->frames[lx->depth - 1] = F_JSX_BODY;
	} else if (c == '{') {
		lx->p++;
		push(lx, F_JSX_EXPR);
		lx->prev = T_PUNCT;
		lx->prev_punct = '{';
	} else if (c == '<') {
		/* type arguments of a TSX component, <Select<Option> ...>: skip them whole */
		int depth = 0;

		do {
			if (*lx->p == '<')
				depth++;
			else if (*lx->p == '>')
				depth--;
			else if (*lx->p == '\n')
				lx->line++;
			lx->p++;
		} while (lx->p < lx->end && depth > 0);
	} else if (c == '"' || c == '\'') {
		lx->p++;
		while (lx->p < lx->end && *lx->p != c) {
			if (*lx->p == '\n')
				lx->line++;
			lx->p++;
		}
		if (lx->p < lx->end)
			lx->p++;
	} else {
		lx->p++;
	}
}

/* Read the name after '<' and open a tag frame. */
static void jsx_open(struct lexer *lx)
{
	lx->p++;
	if (lx->p < lx->end && *lx->p == '>') {
		lx->p++;
		push(lx, F_JSX_BODY);   /* a fragment <> */
		return;
	}
	while (lx->p < lx->end && (is_ident_char((unsigned char)*lx->p) || *lx->p == '.' ||
				   *lx->p == ':' || *lx->p == '-'))
		lx->p++;
	push(lx, F_JSX_TAG);
}

/* Between tags: text up to '{' or '<'. */
static void lex_jsx_body(struct lexer *lx)
{
	char c = *lx->p;

	if (c == '\n') {
		lx->line++;
		lx->p++;
	} else if (c == '{') {
		lx->p++;
		push(lx, F_JSX_EXPR);
		lx->prev = T_PUNCT;
		lx->prev_punct = '{';
	} else if (c == '<' && lx->p + 1 < lx->end && lx->p[1] == '/') {
		while (lx->p < lx->end && *lx->p != '>') {
			if (*lx->p == '\n')
				lx->line++;
			lx->p++;
		}
		if (lx->p < lx->end)
			lx->p++;
		lx->depth--;
		jsx_element_closed(lx);
	} else if (c == '<') {
		jsx_open(lx);
	} else {
		lx->p++;
	}
}

static void lex_punct(struct lexer *lx)
{
	const char *s = lx->p;
	char c = *s;
	size_t n = 1;

	if (c == '.' && lx->end - s >= 3 && s[1] == '.' && s[2] == '.')
		n = 3;
	else if (c == '?' && lx->end - s >= 2 && s[1] == '.' &&
		 !(lx->end - s >= 3 && s[2] >= '0' && s[2] <= '9'))
		n = 2;
	else if ((c == '=' || c == '-') && lx->end - s >= 2 && s[1] == '>')
		n = 2;  /* => stays one token, so that '>' is not a JSX end */
	lx->p += n;
	token(lx, T_PUNCT, s, n);
}

static void lex_code(struct lexer *lx)
{
	unsigned char c = (unsigned char)*lx->p;
	const char *start;

	/* blanks and newlines first: most tokens follow some */
	while (char_class[c] & CH_SPACE) {
		if (c == '\n')
			lx->line++;
		lx->p = blanks_end(lx->p + 1, lx->end);
		if (lx->p == lx->end)
			return;
		c = (unsigned char)*lx->p;
	}
	start = lx->p;
	if (char_class[c] & CH_START) {
		lx->p = name_end(start + 1, lx->end);
		token(lx, T_IDENT, start, (size_t)(lx->p - start));
	} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '/') {
		skip_line_comment(lx);
	} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
		skip_block_comment(lx);
	} else if (c == '/') {
		if (!expression_may_start(lx) || !lex_regex(lx)) {
			lx->p++;
			token(lx, T_PUNCT, start, 1);
		}
	} else if (c == '\'' || c == '"') {
		lex_string(lx);
	} else if (c == '`') {
		lex_template(lx);
	} else if (c == '<' && jsx_starts(lx)) {
		jsx_open(lx);
	} else if (c == '{') {
		lx->p++;
		push(lx, F_BRACE);
		token(lx, T_PUNCT, start, 1);
	} else if (c == '}') {
		int f = top(lx);

		lx->p++;
		if (f < 0) {
			token(lx, T_PUNCT, start, 1);
		} else if (f == F_TEMPLATE) {
			const char *text = lx->p;

			lx->depth--;
			if (lex_template_text(lx))
				token(lx, T_OTHER, text, 1);
			else {
				lx->prev = T_PUNCT;
				lx->prev_punct = '{';
			}
		} else {
			lx->depth--;
			if (f == F_BRACE)
				token(lx, T_PUNCT, start, 1);
		}
	} else if (c >= '0' && c <= '9') {
		while (lx->p < lx->end && (is_ident_char((unsigned char)*lx->p) || *lx->p == '.'))
			lx->p++;
		token(lx, T_OTHER, start, (size_t)(lx->p - start));
	} else if (c == '.' && lx->p + 1 < lx->end && lx->p[1] >= '0' && lx->p[1] <= '9') {
		lx->p++;
		while (lx->p < lx->end && (is_ident_char((unsigned char)*lx->p) || *lx->p == '.'))
			lx->p++;
		token(lx, T_OTHER, start, (size_t)(lx->p - start));
	} else {
		lex_punct(lx);
	}
}

static void scan_js(struct lexer *lx)
{
	/* a #! line at the very start */
	if (lx->end - lx->p >= 2 && lx->p[0] == '#' && lx->p[1] == '!')
		skip_line_comment(lx);
	while (lx->p < lx->end && !lx->too_deep) {
		switch (top(lx)) {
		case F_JSX_TAG:
			lex_jsx_tag(lx);
			break;
		case F_JSX_BODY:
			lex_jsx_body(lx);
			break;
		default:
			lex_code(lx);
		}
	}
	/* a call left open at the end: import("x" without ')' is not an import */
}

/* ---- CSS and SCSS ---- */

static void css_skip_ws(struct lexer *lx, bool scss)
{
	while (lx->p < lx->end) {
		char c = *lx->p;

		if (c == '\n') {
			lx->line++;
			lx->p++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
			lx->p++;
		} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
			skip_block_comment(lx);
		} else if (scss && c == '/' && lx->p + 1 < lx->end && lx->p[1] == '/') {
			skip_line_comment(lx);
		} else {
			return;
		}
	}
}

/* A CSS string at a quote; records it as an import when want. */
static void css_string(struct lexer *lx, bool want)
{
	char q = *lx->p++;
	const char *start = lx->p;

	while (lx->p < lx->end && *lx->p != q && *lx->p != '\n') {
		if (*lx->p == '\\' && lx->p + 1 < lx->end) {
			if (lx->p[1] == '\n')
				lx->line++;
			lx->p++;
		}
		lx->p++;
	}
	if (want)
		record(lx->r, IMPORT_CSS, start, (size_t)(lx->p - start), lx->line);
	if (lx->p < lx->end && *lx->p == q)
		lx->p++;
}

/* After @import / @use / @forward: one or more strings or url()s up to ';'. */
static void css_at_import(struct lexer *lx, bool scss)
{
	for (;;) {
		css_skip_ws(lx, scss);
		if (lx->p >= lx->end)
			return;
		if (*lx->p == '"' || *lx->p == '\'') {
			css_string(lx, true);
		} else if (lx->end - lx->p > 4 && !strncmp(lx->p, "url(", 4)) {
			const char *start;

			lx->p += 4;
			css_skip_ws(lx, false);
			if (lx->p < lx->end && (*lx->p == '"' || *lx->p == '\'')) {
				css_string(lx, true);
			} else {
				const char *stop;

				start = lx->p;
				while (lx->p < lx->end && *lx->p != ')' && *lx->p != '\n')
					lx->p++;
				for (stop = lx->p; stop > start && (stop[-1] == ' ' || stop[-1] == '\t');)
					stop--;
				record(lx->r, IMPORT_CSS, start, (size_t)(stop - start), lx->line);
			}
			while (lx->p < lx->end && *lx->p != ')' && *lx->p != '\n')
				lx->p++;
			if (lx->p < lx->end && *lx->p == ')')
				lx->p++;
		} else {
			return;  /* media queries, "as x", "with (...)" follow: not imports */
		}
		css_skip_ws(lx, scss);
		if (lx->p >= lx->end || *lx->p != ',')
			return;
		lx->p++;
	}
}

static void scan_css(struct lexer *lx)
{
	bool scss = lx->lang == LANG_SCSS;

	while (lx->p < lx->end) {
		char c = *lx->p;

		if (c == '\n' || c == ' ' || c == '\t' || c == '\r' || c == '/') {
			const char *before = lx->p;

			css_skip_ws(lx, scss);
			if (lx->p == before)
				lx->p++;
		} else if (c == '"' || c == '\'') {
			css_string(lx, false);
		} else if (c == '@') {
			static const char *const rules[] = {"@import", "@use", "@forward"};
			size_t i;

			for (i = 0; i < ARRAY_LEN(rules); i++) {
				size_t n = strlen(rules[i]);

				if ((i == 0 || scss) && (size_t)(lx->end - lx->p) > n &&
				    !strncmp(lx->p, rules[i], n) &&
				    !is_ident_char((unsigned char)lx->p[n]) && lx->p[n] != '-') {
					lx->p += n;
					css_at_import(lx, scss);
					break;
				}
			}
			if (i == ARRAY_LEN(rules))
				lx->p++;
		} else {
			lx->p++;
		}
	}
}

void scan_source(const char *text, size_t len, enum scan_lang lang, struct scan_result *r)
{
	struct lexer lx;
	size_t probe = len < 8192 ? len : 8192;

	if (!r->pool.cap)
		buf_init(&r->pool);
	if (memchr(text, '\0', probe)) {
		r->status = SCAN_BINARY;
		return;
	}
	memset(&lx, 0, sizeof(lx));
	lx.p = lx.text = text;
	lx.end = text + len;
	lx.lang = lang;
	lx.line = 1;
	lx.r = r;
	if (lang == LANG_CSS || lang == LANG_SCSS)
		scan_css(&lx);
	else if (lang != LANG_NONE)
		scan_js(&lx);
	if (lx.too_deep) {
		r->status = SCAN_TOO_DEEP;
		r->stop_line = lx.line;
	}
}
