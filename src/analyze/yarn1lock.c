/*
 * yarn1lock: a line-oriented reader of yarn 1's lockfile.  Each line is
 * cut into tokens (quoted or bare strings, ':' and ','), then read by its
 * indentation: top-level "keys:" open an entry, the entry's "version",
 * "resolved" and "integrity" pairs are kept, and the pairs of its
 * "dependencies:" and "optionalDependencies:" blocks are its edges.
 * Anything else is read and skipped, as yarn keeps it without using it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/lockentry.h"
#include "analyze/yarn1lock.h"
#include "lib/diag.h"

enum tok_kind { TOK_STRING, TOK_COLON, TOK_COMMA };

struct tok {
	enum tok_kind kind;
	const char *s;   /* TOK_STRING: the decoded string, in the arena */
	size_t col;      /* 1-based */
};

enum block { BLOCK_NONE, BLOCK_DEPS, BLOCK_OTHER };

struct reader {
	const char *name, *note;
	struct arena *a;
	size_t line;
	struct tok *toks;
	size_t ntoks, captoks;
	struct buf s;
	struct yarn1_entry *entry;   /* the entry being read, or NULL */
	enum block block;            /* what its level-1 block is */
	size_t capdeps;
	int open;                    /* the deepest level the next line may have */
};

static int fail_at(struct reader *r, size_t col, const char *what)
{
	return error_as(FAULT_INPUT, "%s:%zu:%zu: %s%s%s%s", r->name, r->line, col, what,
			r->note ? " (" : "", r->note ? r->note : "", r->note ? ")" : "");
}

static void put_utf8(struct buf *b, uint32_t c)
{
	if (c < 0x80) {
		buf_addc(b, (char)c);
	} else if (c < 0x800) {
		buf_addc(b, (char)(0xc0 | c >> 6));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		buf_addc(b, (char)(0xe0 | c >> 12));
		buf_addc(b, (char)(0x80 | (c >> 6 & 0x3f)));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else {
		buf_addc(b, (char)(0xf0 | c >> 18));
		buf_addc(b, (char)(0x80 | (c >> 12 & 0x3f)));
		buf_addc(b, (char)(0x80 | (c >> 6 & 0x3f)));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	}
}

static int hex4(const char *p, const char *end, uint32_t *out)
{
	uint32_t v = 0;
	int i;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* A quoted string from p (at its '"'); returns the position after it, or NULL. */
static const char *quoted(struct reader *r, const char *p, const char *end, const char *line)
{
	const char *open = p++;

	buf_reset(&r->s);
	while (p < end && *p != '"') {
		uint32_t c, lo;

		if (*p != '\\') {
			buf_addc(&r->s, *p++);
			continue;
		}
		if (++p == end)
			break;
		switch (*p) {
		case '"': case '\\': case '/': buf_addc(&r->s, *p); break;
		case 'b': buf_addc(&r->s, '\b'); break;
		case 'f': buf_addc(&r->s, '\f'); break;
		case 'n': buf_addc(&r->s, '\n'); break;
		case 'r': buf_addc(&r->s, '\r'); break;
		case 't': buf_addc(&r->s, '\t'); break;
		case 'u':
			if (hex4(p + 1, end, &c) < 0) {
				fail_at(r, (size_t)(p - line) + 1, "a \\u escape needs four hex digits");
				return NULL;
			}
			p += 4;
			if (c >= 0xd800 && c < 0xdc00 && end - p > 6 && p[1] == '\\' && p[2] == 'u' &&
			    hex4(p + 3, end, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			} else if (c >= 0xd800 && c < 0xe000) {
				c = 0xfffd;   /* a lone surrogate */
			}
			put_utf8(&r->s, c);
			break;
		default:
			fail_at(r, (size_t)(p - line) + 1, "an unknown escape in a quoted string");
			return NULL;
		}
		p++;
	}
	if (p >= end) {
		fail_at(r, (size_t)(open - line) + 1, "a quoted string that does not end on its line");
		return NULL;
	}
	return p + 1;
}

static void add_tok(struct reader *r, enum tok_kind kind, const char *s, size_t col)
{
	GROW(r->toks, r->ntoks + 1, r->captoks);
	r->toks[r->ntoks].kind = kind;
	r->toks[r->ntoks].s = s;
	r->toks[r->ntoks].col = col;
	r->ntoks++;
}

/* Cut [p, end) into tokens; a comment ends the line. */
static int tokenize(struct reader *r, const char *p, const char *end, const char *line)
{
	r->ntoks = 0;
	while (p < end) {
		const char *start = p;
		size_t col = (size_t)(p - line) + 1;

		if (*p == ' ' || *p == '\t') {
			p++;
		} else if (*p == '#') {
			break;
		} else if (*p == ':' || *p == ',') {
			add_tok(r, *p == ':' ? TOK_COLON : TOK_COMMA, NULL, col);
			p++;
		} else if (*p == '"') {
			if (!(p = quoted(r, p, end, line)))
				return -1;
			add_tok(r, TOK_STRING, arena_strndup(r->a, r->s.data ? r->s.data : "", r->s.len),
				col);
		} else {
			/* bare: up to a space, a ',' or a ':' that ends the token (not "npm:x") */
			while (p < end && *p != ' ' && *p != '\t' && *p != ',' &&
			       !(*p == ':' && (p + 1 == end || p[1] == ' ' || p[1] == ',')))
				p++;
			add_tok(r, TOK_STRING, arena_strndup(r->a, start, (size_t)(p - start)), col);
		}
	}
	return 0;
}

static void keep_entry(struct yarn1_lock *l, struct reader *r)
{
	size_t i;

	r->entry = arena_alloc(r->a, sizeof(*r->entry));
	memset(r->entry, 0, sizeof(*r->entry));
	r->capdeps = 0;
	GROW(l->entries, l->nentries + 1, l->capentries);
	l->entries[l->nentries++] = r->entry;
	/* every key before the ':' is a descriptor the entry serves; the first one wins */
	for (i = 0; i + 1 < r->ntoks; i += 2) {
		struct strmap_entry *e = strmap_put(&l->by_descriptor, r->toks[i].s,
						     strlen(r->toks[i].s));

		if (!e->value)
			e->value = r->entry;
	}
}

/* One line's tokens at level (its indentation / 2). */
static int read_line(struct yarn1_lock *l, struct reader *r, int level, size_t indent_col)
{
	struct tok *t = r->toks;
	size_t n = r->ntoks, i;
	bool opens = false;
	const char *key, *value = NULL;

	if (level > r->open)
		return fail_at(r, indent_col, level == 1 && r->open == 0 && !r->entry ?
			       "an indented line before any entry" : "deeper than the line before allows");
	/* "key, key, ...:" opens a block; "key value" (or "key: value") is a pair */
	if (t[0].kind != TOK_STRING)
		return fail_at(r, t[0].col, "a line must start with a key");
	if (n >= 2 && t[n - 1].kind == TOK_COLON) {
		for (i = 0; i + 1 < n; i++)
			if (t[i].kind != (i % 2 ? TOK_COMMA : TOK_STRING))
				return fail_at(r, t[i].col, "expected a list of keys before ':'");
		if (n % 2)
			return fail_at(r, t[n - 1].col, "expected a key before ':'");
		opens = true;
	} else if (n == 2 && t[1].kind == TOK_STRING) {
		value = t[1].s;
	} else if (n == 3 && t[1].kind == TOK_COLON && t[2].kind == TOK_STRING) {
		value = t[2].s;
	} else {
		return fail_at(r, n > 1 ? t[1].col : t[0].col + strlen(t[0].s),
			       n > 1 ? "unexpected text after the key" : "a key without a value or ':'");
	}
	key = t[0].s;
	r->open = opens ? level + 1 : level;
	if (level == 0) {
		r->entry = NULL;
		r->block = BLOCK_NONE;
		if (opens)
			keep_entry(l, r);
		return 0;
	}
	if (!r->entry)
		return 0;   /* inside a top-level block that is no entry */
	if (level == 1) {
		r->block = BLOCK_NONE;
		if (opens) {
			r->block = !strcmp(key, "dependencies") || !strcmp(key, "optionalDependencies")
				   ? BLOCK_DEPS : BLOCK_OTHER;
		} else if (!strcmp(key, "version")) {
			r->entry->version = value;
		} else if (!strcmp(key, "resolved")) {
			r->entry->resolved = value;
		} else if (!strcmp(key, "integrity")) {
			r->entry->integrity = value;
		}
		return 0;
	}
	if (level == 2 && r->block == BLOCK_DEPS && !opens) {
		struct yarn1_entry *e = r->entry;

		if (e->ndeps + 1 > r->capdeps) {
			size_t cap = r->capdeps ? r->capdeps * 2 : 8;
			struct yarn1_dep *d = arena_alloc(r->a, cap * sizeof(*d));

			if (e->ndeps)
				memcpy(d, e->deps, e->ndeps * sizeof(*d));
			e->deps = d;
			r->capdeps = cap;
		}
		e->deps[e->ndeps].name = key;
		e->deps[e->ndeps].range = value;
		e->ndeps++;
	}
	return 0;
}

int yarn1_parse(struct yarn1_lock *l, const char *name, const char *note, const char *text,
		size_t len, struct arena *a)
{
	struct reader r = { .name = name, .note = note, .a = a, .s = BUF_INIT };
	const char *p = text, *end = text + len;
	int ret = 0;

	memset(l, 0, sizeof(*l));
	strmap_init(&l->by_descriptor, len / 256 + 16);
	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	while (p < end && !ret) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *q = p;
		size_t indent;

		r.line++;
		if (le > p && le[-1] == '\r')
			le--;
		while (q < le && *q == ' ')
			q++;
		indent = (size_t)(q - p);
		if (q < le && *q == '\t') {
			ret = fail_at(&r, indent + 1, "a tab in the indentation (yarn indents with spaces)");
		} else if (q < le && *q != '#') {
			if (le - q >= 7 && (!memcmp(q, "<<<<<<<", 7) || !memcmp(q, ">>>>>>>", 7) ||
					    !memcmp(q, "=======", 7)))
				ret = fail_at(&r, indent + 1, "a merge conflict marker (run yarn install to resolve it)");
			else if (indent % 2)
				ret = fail_at(&r, indent + 1, "an odd number of spaces of indentation");
			else if (tokenize(&r, q, le, p) < 0)
				ret = -1;
			else if (r.ntoks)
				ret = read_line(l, &r, (int)(indent / 2), indent + 1);
		}
		p = nl ? nl + 1 : end;
	}
	free(r.toks);
	buf_release(&r.s);
	return ret;
}

void yarn1_release(struct yarn1_lock *l)
{
	strmap_free(&l->by_descriptor);
	free(l->entries);
	memset(l, 0, sizeof(*l));
}

/* A closure being walked: what it holds, and the entries left to follow. */
struct walk {
	const struct yarn1_lock *l;
	const struct workspace *ws;
	struct strmap *out;
	struct arena *a;
	const struct yarn1_entry **stack;
	size_t n, cap;
};

/*
 * Take the descriptor ("name@range") into the closure, once, and its entry
 * onto the stack.  A descriptor no entry serves stays in as itself; but
 * where a dependency of an entry names a workspace package, the package is
 * what yarn links (no entry), and its changes reach by manifest edges.
 */
static void take(struct walk *w, const char *name, const char *descriptor, const char *range,
		 bool of_entry)
{
	const struct yarn1_entry *e;
	const char *key;

	if (strmap_get(w->out, descriptor, strlen(descriptor)))
		return;
	e = strmap_get(&w->l->by_descriptor, descriptor, strlen(descriptor));
	if (!e && of_entry && workspace_package(w->ws, name, strlen(name)))
		return;
	key = arena_strdup(w->a, descriptor);
	strmap_put(w->out, key, strlen(key))->value =
		(void *)lock_entry(w->a, name, "", e && e->version ? e->version : range,
				   e ? e->integrity : NULL, e && e->resolved ? e->resolved : key);
	if (e) {
		GROW(w->stack, w->n + 1, w->cap);
		w->stack[w->n++] = e;
	}
}

/* The closure of one package, from its manifest's dependencies. */
static void closure(const struct yarn1_lock *l, const struct workspace *ws,
		    const struct package *pkg, const struct config *ignore, struct strmap *out,
		    struct arena *a)
{
	struct walk w = { .l = l, .ws = ws, .out = out, .a = a };
	struct buf b = BUF_INIT;
	size_t i;

	/* the package's own dependencies: yarn 1 installs all but peers */
	for (i = 0; i < pkg->ndeps; i++) {
		const struct dep *d = &pkg->deps[i];
		const struct package *on = workspace_package(ws, d->name, strlen(d->name));

		if (d->kind == DEP_PEER || !d->spec || (on && !on->is_root && workspace_dep_links(ws, d)) ||
		    (ignore && config_ignores_root_dep(ignore, d->name)))
			continue;
		take(&w, d->name, d->spec, strchr(d->spec + 1, '@') + 1, false);
	}
	while (w.n) {
		const struct yarn1_entry *e = w.stack[--w.n];

		for (i = 0; i < e->ndeps; i++) {
			buf_reset(&b);
			buf_addf(&b, "%s@%s", e->deps[i].name, e->deps[i].range);
			take(&w, e->deps[i].name, b.data, e->deps[i].range, true);
		}
	}
	free(w.stack);
	buf_release(&b);
}

int yarn1lock_closures(const char *name, const char *note, const char *text, size_t len,
		       const struct workspace *ws, const struct config *cfg, struct strmap *out,
		       struct arena *a)
{
	struct yarn1_lock l;
	size_t i;

	if (yarn1_parse(&l, name, note, text, len, a) < 0) {
		yarn1_release(&l);
		return -1;
	}
	for (i = 0; i < ws->npkgs; i++)
		closure(&l, ws, &ws->pkgs[i], ws->pkgs[i].is_root ? cfg : NULL, &out[i], a);
	yarn1_release(&l);
	return 0;
}
