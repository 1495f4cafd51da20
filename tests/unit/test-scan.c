/*
 * test-scan: the import lexer against a table of tricky inputs.  Each row
 * names a language, a source text and the imports expected in order, each
 * with its kind, specifier and line.  A second pass feeds every prefix of
 * every row, so that any text cut short (an unterminated string, template,
 * comment or regular expression) is also exercised.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "analyze/scan.h"
#include "lib/util.h"

#define S IMPORT_STATIC
#define E IMPORT_EXPORT
#define D IMPORT_DYNAMIC
#define R IMPORT_REQUIRE
#define C IMPORT_CSS

#define MAX_WANT 6

struct want {
	int kind;
	const char *spec;   /* NULL ends the list */
	unsigned line;
};

struct scan_case {
	const char *name;
	enum scan_lang lang;
	const char *src;
	struct want w[MAX_WANT];
};

static const struct scan_case cases[] = {
	/* ---- static imports ---- */
	{"default import", LANG_JS, "import a from \"a\";", {{S, "a", 1}}},
	{"named import", LANG_JS, "import { b, c as d } from 'b';", {{S, "b", 1}}},
	{"namespace import", LANG_JS, "import * as ns from \"ns\";", {{S, "ns", 1}}},
	{"side-effect import", LANG_JS, "import \"./side.css\";", {{S, "./side.css", 1}}},
	{"default and named", LANG_JSX, "import React, { useState } from \"react\";",
	 {{S, "react", 1}}},
	{"default and namespace", LANG_JS, "import x, * as y from \"z\";", {{S, "z", 1}}},
	{"import type", LANG_TS, "import type { T } from \"./types\";", {{S, "./types", 1}}},
	{"import type default", LANG_TS, "import type X from './x';", {{S, "./x", 1}}},
	{"inline type specifier", LANG_TS, "import { type A, b } from \"./ab\";", {{S, "./ab", 1}}},
	{"no spaces", LANG_JS, "import{a}from\"nospace\";import*as b from'b2'",
	 {{S, "nospace", 1}, {S, "b2", 1}}},
	{"two on one line", LANG_JS, "import x from \"a\"; import y from \"b\"",
	 {{S, "a", 1}, {S, "b", 1}}},
	{"multi-line clause", LANG_JS, "import {\n  a,\n  b,\n} from \"multi\";",
	 {{S, "multi", 4}}},
	{"import attributes", LANG_JS, "import data from \"./d.json\" with { type: \"json\" };",
	 {{S, "./d.json", 1}}},
	{"ts import equals require", LANG_TS, "import fs = require(\"fs\");", {{R, "fs", 1}}},
	{"escaped quote in specifier", LANG_JS, "import a from 'it\\'s';", {{S, "it's", 1}}},
	{"unicode escape is not plain", LANG_JS, "require(\"\\u0041\"); require('ok')",
	 {{R, "ok", 1}}},
	{"string export name", LANG_JS, "export { \"a-b\" as ab } from \"./strnames\";",
	 {{E, "./strnames", 1}}},
	{"from as a name", LANG_JS, "import { from, of } from \"./stream\";", {{S, "./stream", 1}}},
	{"from as an exported name", LANG_JS, "export { from } from \"./stream\";",
	 {{E, "./stream", 1}}},
	{"comments inside import", LANG_JS, "import /* a */ x /* b */ from /* c */ \"y\";",
	 {{S, "y", 1}}},

	/* ---- re-exports ---- */
	{"export star", LANG_JS, "export * from \"./all\";", {{E, "./all", 1}}},
	{"export named from", LANG_JS, "export { a, b as c } from './named';", {{E, "./named", 1}}},
	{"export star as", LANG_JS, "export * as ns from \"./ns\";", {{E, "./ns", 1}}},
	{"export default from", LANG_JS, "export { default } from \"./Button\";",
	 {{E, "./Button", 1}}},
	{"export type from", LANG_TS, "export type { X } from \"./x\";", {{E, "./x", 1}}},
	{"local exports only", LANG_JS,
	 "export const x = \"y\";\nexport default z;\nexport { a };\nexport {};", {{0}}},
	{"export clause then import", LANG_JS, "export { a }\nimport b from \"c\"",
	 {{S, "c", 2}}},

	/* ---- import() ---- */
	{"dynamic import", LANG_JS, "const m = import('x');", {{D, "x", 1}}},
	{"dynamic import options", LANG_JS,
	 "await import(\"x\", { with: { type: \"json\" } });", {{D, "x", 1}}},
	{"dynamic import template", LANG_JS, "import(`./tpl`).then(f);", {{D, "./tpl", 1}}},
	{"dynamic import substitution", LANG_JS, "import(`./${name}.js`);", {{0}}},
	{"dynamic import expression", LANG_JS, "import(\"./a\" + b); import(c);", {{0}}},
	{"dynamic import comment", LANG_JS,
	 "import(/* webpackChunkName: \"x\" */ \"./chunk\");", {{D, "./chunk", 1}}},
	{"chained dynamic imports", LANG_JS, "import(\"a\").then(() => import(\"b\"));",
	 {{D, "a", 1}, {D, "b", 1}}},
	{"dynamic import in function", LANG_JSX,
	 "export default function () {\n  return import(\"lazy\");\n}", {{D, "lazy", 2}}},
	{"import.meta", LANG_JS,
	 "const u = new URL('./a.png', import.meta.url);\nimport.meta.hot;", {{0}}},
	{"method named import", LANG_JS,
	 "class A { import(x) { return x } require(y) {} }\nfoo.import(\"p\");", {{0}}},
	{"object key import", LANG_JS, "const o = { import: \"x\", require: \"y\" };", {{0}}},

	/* ---- require() ---- */
	{"require", LANG_JS, "const x = require('x');", {{R, "x", 1}}},
	{"require template", LANG_JS, "require(`y`);", {{R, "y", 1}}},
	{"require comments", LANG_JS, "require(/* c */ 'x' /* d */);", {{R, "x", 1}}},
	{"require list", LANG_JS, "require(\"a\"), require(\"b\");", {{R, "a", 1}, {R, "b", 1}}},
	{"require spread", LANG_JS, "const all = [...require(\"spread\")];", {{R, "spread", 1}}},
	{"member require", LANG_JS, "obj.require('x'); a?.require(\"y\");", {{0}}},
	{"require expression", LANG_JS, "require(a + \"b\"); require(\"a\" + b);", {{0}}},
	{"require definition", LANG_JS, "function require(x) { return x }", {{0}}},

	/* ---- comments ---- */
	{"line comment", LANG_JS, "// import x from \"y\"\nimport z from \"z\";", {{S, "z", 2}}},
	{"block comment", LANG_JS, "/* require('a') */ require('b')", {{R, "b", 1}}},
	{"multi-line block comment", LANG_JS,
	 "/*\n import a from 'a'\n require('b')\n*/\nimport c from 'c';", {{S, "c", 5}}},
	{"trailing comment", LANG_JS, "import a from 'a' // import b from 'b'", {{S, "a", 1}}},

	/* ---- strings and templates ---- */
	{"string with import text", LANG_JS,
	 "const s = \"import x from 'y'\";\nconst t = 'require(\"z\")';", {{0}}},
	{"template with import text", LANG_JS, "const t = `import x from \"y\"\nrequire('z')`;",
	 {{0}}},
	{"dollar brace in a string", LANG_JS, "const s = \"${require('no')}\";", {{0}}},
	{"require in substitution", LANG_JS, "const t = `a ${require(\"dep\")} b`;",
	 {{R, "dep", 1}}},
	{"nested templates", LANG_JS, "const t = `${`inner ${require(\"deep\")}`}`;",
	 {{R, "deep", 1}}},
	{"braces in substitution", LANG_JS,
	 "const t = `${ {a: 1}.a } ${require(\"r\")} ${ \"}\" + '}' }`;\nrequire(\"after\")",
	 {{R, "r", 1}, {R, "after", 2}}},
	{"comment in substitution", LANG_JS,
	 "const t = `${ /* } */ 1 }${require(\"tc\")}`;", {{R, "tc", 1}}},
	{"regex in substitution", LANG_JS, "const t = `${ /}/.source }${require(\"tr\")}`;",
	 {{R, "tr", 1}}},
	{"multi-line template", LANG_JS, "const t = `\n\n`;\nimport a from \"a\";",
	 {{S, "a", 4}}},

	/* ---- regular expressions and division ---- */
	{"regex with a quote", LANG_JS, "const re = /'/; import a from \"a\";", {{S, "a", 1}}},
	{"regex with import text", LANG_JS,
	 "const re = /\"import x from 'y'\"/;\nrequire(\"real\");", {{R, "real", 2}}},
	{"regex class with slash", LANG_JS, "const re = /[/]/g; require(\"after\");",
	 {{R, "after", 1}}},
	{"regex class with comment opener", LANG_JS, "const r = /[/*]/; require(\"d\");",
	 {{R, "d", 1}}},
	{"regex with escaped slashes", LANG_JS, "x = /\\/\\//; require(\"q\")", {{R, "q", 1}}},
	{"regex after return", LANG_JS,
	 "function f(s) { return /import(\"no\")'/.test(s); }\nrequire(\"yes\")",
	 {{R, "yes", 2}}},
	{"regex after block", LANG_JS, "if (x) {}\n/foo'/.test(s); require(\"z\")",
	 {{R, "z", 2}}},
	{"division chain", LANG_JS, "const x = a / b / c; require(\"div\");", {{R, "div", 1}}},
	{"division then line comment", LANG_JS, "x = y / 2 // comment 'q\nrequire(\"z\")",
	 {{R, "z", 2}}},
	{"division after index", LANG_JS, "v = arr[0] / 2 / n; require(\"idx\")",
	 {{R, "idx", 1}}},
	{"division after call", LANG_JS, "v = f(a) / 2 / g; require(\"call\")",
	 {{R, "call", 1}}},
	{"unterminated regex is division", LANG_JS, "x = /abc\nrequire(\"r\")", {{R, "r", 2}}},
	{"regex after not", LANG_JS, "if (!/'/.test(s)) require(\"not\")", {{R, "not", 1}}},
	{"ts non-null assertion then division", LANG_TS, "const v = x! / 2 / y; require(\"nn\")",
	 {{R, "nn", 1}}},
	{"regex class with escaped bracket", LANG_JS, "const r = /[\\]'/]/; require(\"cls\")",
	 {{R, "cls", 1}}},
	{"escaped backquote in template", LANG_JS, "const t = `a\\`b ${require(\"esc\")}`;",
	 {{R, "esc", 1}}},
	{"escaped backslash ends a string", LANG_JS, "const s = 'a\\\\'; require(\"bs\")",
	 {{R, "bs", 1}}},

	/* ---- JSX ---- */
	{"jsx text with import", LANG_JSX,
	 "const el = <p>import x from \"y\"</p>;\nimport z from \"z\";", {{S, "z", 2}}},
	{"jsx text apostrophe", LANG_JS, "const el = <p>Don't import \"x\"</p>;\nrequire(\"after\")",
	 {{R, "after", 2}}},
	{"jsx attributes", LANG_JSX,
	 "const el = <a href=\"it's\" onClick={() => require(\"inattr\")} title='x\"y'>t</a>;\n"
	 "require(\"next\")",
	 {{R, "inattr", 1}, {R, "next", 2}}},
	{"jsx nested", LANG_JSX,
	 "const el = <div><span>{require(\"n1\")}</span><p>it's</p></div>;\nimport x from \"n2\";",
	 {{R, "n1", 1}, {S, "n2", 2}}},
	{"jsx fragment", LANG_JSX, "const f = <><b>don't</b>{import(\"frag\")}</>;",
	 {{D, "frag", 1}}},
	{"jsx self-closing", LANG_JSX,
	 "const s = <Foo bar={1} />; require(\"sc\");\nconst t = <div><br/><img src=\"a'b\" /></div>; require(\"sc2\")",
	 {{R, "sc", 1}, {R, "sc2", 2}}},
	{"jsx arrow in attribute", LANG_JSX,
	 "<C f={(a) => a > 1} g=\"x\" />;\nrequire(\"arrow\")", {{R, "arrow", 2}}},
	{"jsx object in attribute", LANG_JSX,
	 "<C style={{color: \"red\"}} {...props} />; require(\"obj\")", {{R, "obj", 1}}},
	{"jsx template in attribute", LANG_JSX, "<a b={`${require(\"t\")}`} />;", {{R, "t", 1}}},
	{"jsx comment expression", LANG_JSX,
	 "<div>{/* require(\"c\") */}</div>; require(\"d\")", {{R, "d", 1}}},
	{"jsx multi-line", LANG_JSX,
	 "return (\n  <ul>\n    <li>it's {x}</li>\n  </ul>\n);\nimport a from \"a\";",
	 {{S, "a", 6}}},
	{"jsx after return", LANG_JSX, "function f() { return <div/>; }\nrequire(\"x\")",
	 {{R, "x", 2}}},
	{"jsx in ternary", LANG_JSX, "x = y ? <a>it's</a> : <b/>; require(\"t\")",
	 {{R, "t", 1}}},
	{"jsx member tag", LANG_JSX, "<Ctx.Provider value={v}>x</Ctx.Provider>; require(\"m\")",
	 {{R, "m", 1}}},
	{"tsx generic component", LANG_JSX,
	 "const el = <Select<Option> value={x} />;\nimport a from \"a\";", {{S, "a", 2}}},
	{"jsx line comment in tag", LANG_JSX,
	 "const el = <Foo\n  // don't forget\n  bar={1}\n/>;\nrequire(\"after-tag-comment\");",
	 {{R, "after-tag-comment", 5}}},
	{"less-than is not jsx", LANG_JS,
	 "if (a < b) { require(\"lt\") }\nfor (let i = 0; i <n; i++) require(\"loop\")",
	 {{R, "lt", 1}, {R, "loop", 2}}},

	/* ---- TypeScript ---- */
	{"tsx generic arrow", LANG_JSX, "const id = <T,>(x: T) => x; require(\"gen\");",
	 {{R, "gen", 1}}},
	{"tsx generic extends", LANG_JSX,
	 "const f = <T extends object>(x: T) => x; require(\"g2\");", {{R, "g2", 1}}},
	{"tsx generic call", LANG_JSX, "const [a] = useState<string>(\"x\"); require(\"hook\")",
	 {{R, "hook", 1}}},
	{"ts type assertion", LANG_TS, "const v = <Foo>bar; import q from \"q\";", {{S, "q", 1}}},
	{"ts assertion before string", LANG_TS, "const v = <any>\"it's\"; require(\"ts2\")",
	 {{R, "ts2", 1}}},
	{"ts generic arrow", LANG_TS, "const f = <T>(x: T): T => x;\nexport * from \"./t\";",
	 {{E, "./t", 2}}},
	{"ts stray apostrophe costs one line", LANG_TS,
	 "const x = <div>it's</div>;\nrequire(\"ok\")", {{R, "ok", 2}}},

	/* ---- file-level details ---- */
	{"hashbang", LANG_JS, "#!/usr/bin/env node\nrequire(\"hb\");", {{R, "hb", 2}}},
	{"crlf", LANG_JS, "import a from \"a\";\r\nimport b from \"b\";\r\n\r\nrequire(\"c\");",
	 {{S, "a", 1}, {S, "b", 2}, {R, "c", 4}}},
	{"crlf line continuation", LANG_JS, "const s = \"a\\\r\nb\"; require(\"x\");",
	 {{R, "x", 2}}},
	{"line continuation", LANG_JS, "const s = \"a\\\nb\"; require(\"x\");", {{R, "x", 2}}},
	{"stray apostrophe costs one line", LANG_JS, "const s = 'it\nrequire(\"next\")",
	 {{R, "next", 2}}},
	{"unterminated block comment", LANG_JS, "require(\"a\"); /* require(\"b\")",
	 {{R, "a", 1}}},
	{"empty specifier", LANG_JS, "import a from \"\"; require('')", {{0}}},
	{"empty input", LANG_JS, "", {{0}}},

	/* ---- CSS ---- */
	{"css import string", LANG_CSS, "@import \"a.css\";", {{C, "a.css", 1}}},
	{"css import url", LANG_CSS, "@import url(b.css);", {{C, "b.css", 1}}},
	{"css import url quoted with media", LANG_CSS, "@import url(\"c.css\") screen;",
	 {{C, "c.css", 1}}},
	{"css import url spaced", LANG_CSS, "@import url( 'spaced.css' ) print;",
	 {{C, "spaced.css", 1}}},
	{"css import with layer and media", LANG_CSS,
	 "@import \"l.css\" layer(base) supports(display: grid) screen;", {{C, "l.css", 1}}},
	{"css import url with blanks", LANG_CSS, "@import url( b.css );", {{C, "b.css", 1}}},
	{"css import tight", LANG_CSS, "@import\"t.css\";@import/**/'u.css';",
	 {{C, "t.css", 1}, {C, "u.css", 1}}},
	{"css comment", LANG_CSS, "/* @import \"no.css\"; */\n@import \"yes.css\";",
	 {{C, "yes.css", 2}}},
	{"css string with import", LANG_CSS, ".a::before { content: \"@import 'no.css'\"; }",
	 {{0}}},
	{"css use is scss only", LANG_CSS, "@use \"x\";\n@importer \"y\";\n@import-x \"z\";",
	 {{0}}},
	{"css escaped newline in string", LANG_CSS,
	 "a { content: \"x\\\ny\"; }\n@import \"z.css\";", {{C, "z.css", 3}}},
	{"css lines", LANG_CSS, "\n\n@import 'a.css';\n\n@import url(b.css);",
	 {{C, "a.css", 3}, {C, "b.css", 5}}},
	{"scss use module", LANG_SCSS, "@use \"sass:math\";", {{C, "sass:math", 1}}},
	{"scss use as", LANG_SCSS, "@use 'theme' as t;", {{C, "theme", 1}}},
	{"scss use with", LANG_SCSS, "@use \"x\" with (\n  $a: 1\n);\n@use \"y\";",
	 {{C, "x", 1}, {C, "y", 4}}},
	{"scss forward", LANG_SCSS, "@forward \"src/list\" hide list-reset;",
	 {{C, "src/list", 1}}},
	{"scss import list", LANG_SCSS, "@import \"a\", \"b\";", {{C, "a", 1}, {C, "b", 1}}},
	{"scss line comment", LANG_SCSS, "// @import \"no\";\n@import \"yes\";",
	 {{C, "yes", 2}}},
	{"scss protocol-relative url", LANG_SCSS, "@import url(//cdn.example/x.css);",
	 {{C, "//cdn.example/x.css", 1}}},
	{"scss block comment", LANG_SCSS, "/* @use \"no\"; */ @use \"yes\";", {{C, "yes", 1}}},
};

static size_t count_want(const struct scan_case *c)
{
	size_t n = 0;

	while (n < MAX_WANT && c->w[n].spec)
		n++;
	return n;
}

static void run_case(void **state)
{
	const struct scan_case *c = *state;
	struct scan_result r = {0};
	size_t n = count_want(c), i;
	int bad = 0;

	scan_source(c->src, strlen(c->src), c->lang, &r);
	assert_int_equal(r.status, SCAN_OK);
	if (r.n != n) {
		print_error("%s: %zu imports, expected %zu\n", c->name, r.n, n);
		bad = 1;
	}
	for (i = 0; i < r.n || i < n; i++) {
		const char *got = i < r.n ? scan_spec(&r, i) : "(none)";

		if (i < n && i < r.n && !strcmp(got, c->w[i].spec) &&
		    r.imports[i].kind == c->w[i].kind && r.imports[i].line == c->w[i].line)
			continue;
		print_error("  #%zu: got %s \"%s\" line %u, expected %s \"%s\" line %u\n", i,
			    i < r.n ? import_kind_name(r.imports[i].kind) : "-", got,
			    i < r.n ? r.imports[i].line : 0,
			    i < n ? import_kind_name(c->w[i].kind) : "-",
			    i < n ? c->w[i].spec : "(none)", i < n ? c->w[i].line : 0);
		bad = 1;
	}
	scan_result_release(&r);
	if (bad)
		fail_msg("row \"%s\" does not match", c->name);
}

/*
 * Every prefix of every row, in a buffer of exactly that size: an input cut
 * anywhere must neither crash nor read past its end, and what it records must
 * be well formed.
 */
static void every_prefix(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < ARRAY_LEN(cases); k++) {
		const struct scan_case *c = &cases[k];
		size_t len = strlen(c->src), cut;

		for (cut = 0; cut <= len; cut++) {
			char *copy = malloc(cut ? cut : 1);
			struct scan_result r = {0};
			size_t i, lines = 1;

			assert_non_null(copy);
			memcpy(copy, c->src, cut);
			for (i = 0; i < cut; i++)
				lines += copy[i] == '\n';
			scan_source(copy, cut, c->lang, &r);
			assert_int_equal(r.status, SCAN_OK);
			for (i = 0; i < r.n; i++) {
				assert_true(r.imports[i].len > 0);
				assert_true(r.imports[i].off + r.imports[i].len < r.pool.len);
				assert_int_equal(strlen(scan_spec(&r, i)), r.imports[i].len);
				assert_in_range(r.imports[i].line, 1, lines);
			}
			scan_result_release(&r);
			free(copy);
		}
	}
}

/* Text cut at the end of an unterminated construct: no crash, nothing odd. */
static void unterminated_at_eof(void **state)
{
	static const struct { enum scan_lang lang; const char *src; } inputs[] = {
		{LANG_JS, "import a from \"unterminated"},
		{LANG_JS, "require('x"},
		{LANG_JS, "require(`x"},
		{LANG_JS, "`"},
		{LANG_JS, "x = `${"},
		{LANG_JS, "x = `${require(\"in\")"},
		{LANG_JS, "/* never closed"},
		{LANG_JS, "x = /never closed"},
		{LANG_JS, "x = /[/"},
		{LANG_JS, "x = \"\\"},
		{LANG_JSX, "<div"},
		{LANG_JSX, "<div a=\"b"},
		{LANG_JSX, "<div>text"},
		{LANG_JSX, "<div>{"},
		{LANG_JSX, "<div></"},
		{LANG_JSX, "<"},
		{LANG_JSX, "</a></b></c>}}}"},
		{LANG_TS, "<T>"},
		{LANG_CSS, "@import"},
		{LANG_CSS, "@import url("},
		{LANG_CSS, "@import \"a"},
		{LANG_CSS, "@import url('a"},
		{LANG_SCSS, "@use \"a\" with ("},
		{LANG_SCSS, "// comment"},
		{LANG_SCSS, "/*"},
	};
	size_t k;

	(void)state;
	for (k = 0; k < ARRAY_LEN(inputs); k++) {
		size_t len = strlen(inputs[k].src), i;
		char *copy = malloc(len);
		struct scan_result r = {0};

		assert_non_null(copy);
		memcpy(copy, inputs[k].src, len);
		scan_source(copy, len, inputs[k].lang, &r);
		assert_int_equal(r.status, SCAN_OK);
		assert_true(r.n <= 1);
		/* whatever is recorded is text from the input */
		for (i = 0; i < r.n; i++)
			assert_non_null(strstr(inputs[k].src, scan_spec(&r, i)));
		scan_result_release(&r);
		free(copy);
	}
}

static void nul_byte_is_binary(void **state)
{
	static const char text[] = "import a from 'a';\0import b from 'b';";
	struct scan_result r = {0};

	(void)state;
	scan_source(text, sizeof(text) - 1, LANG_JS, &r);
	assert_int_equal(r.status, SCAN_BINARY);
	assert_int_equal(r.n, 0);
	scan_result_release(&r);

	/* CSS too */
	scan_source("@import 'a';\0", 13, LANG_CSS, &r);
	assert_int_equal(r.status, SCAN_BINARY);
	scan_result_release(&r);
}

/* A long string of one character, between two imports. */
static char *sandwich(const char *before, char c, size_t n, const char *after, size_t *len)
{
	size_t a = strlen(before), b = strlen(after);
	char *s = malloc(a + n + b + 1);

	assert_non_null(s);
	memcpy(s, before, a);
	memset(s + a, c, n);
	memcpy(s + a + n, after, b + 1);
	*len = a + n + b;
	return s;
}

static void deep_braces(void **state)
{
	struct scan_result r = {0};
	size_t len;
	char *s = sandwich("require(\"before\");\n", '{', 10000, "require(\"after\")", &len);

	(void)state;
	scan_source(s, len, LANG_JS, &r);
	assert_int_equal(r.status, SCAN_TOO_DEEP);
	assert_int_equal(r.stop_line, 2);
	assert_int_equal(r.n, 1);
	assert_string_equal(scan_spec(&r, 0), "before");
	scan_result_release(&r);
	free(s);
}

static void deep_other_nesting(void **state)
{
	static const struct { enum scan_lang lang; const char *unit; } units[] = {
		{LANG_JS, "`${"},
		{LANG_JSX, "<a>"},
		{LANG_JSX, "<a b={"},
		{LANG_JS, "({["},
	};
	size_t k, i;

	(void)state;
	for (k = 0; k < ARRAY_LEN(units); k++) {
		size_t u = strlen(units[k].unit), n = 10000;
		char *s = malloc(u * n);
		struct scan_result r = {0};

		assert_non_null(s);
		for (i = 0; i < n; i++)
			memcpy(s + i * u, units[k].unit, u);
		scan_source(s, u * n, units[k].lang, &r);
		/* "({[" opens only one brace frame in three, which is still too deep */
		assert_int_equal(r.status, SCAN_TOO_DEEP);
		scan_result_release(&r);
		free(s);
	}
}

static void closers_without_openers(void **state)
{
	struct scan_result r = {0};
	size_t len;
	char *s = sandwich("", '}', 10000, "\nrequire(\"x\")", &len);

	(void)state;
	scan_source(s, len, LANG_JSX, &r);
	assert_int_equal(r.status, SCAN_OK);
	assert_int_equal(r.n, 1);
	assert_string_equal(scan_spec(&r, 0), "x");
	assert_int_equal(r.imports[0].line, 2);
	scan_result_release(&r);
	free(s);
}

static void long_specifier_is_dropped(void **state)
{
	struct scan_result r = {0};
	size_t len;
	char *s = sandwich("require(\"", 'a', 5000, "\"); require(\"short\")", &len);

	(void)state;
	scan_source(s, len, LANG_JS, &r);
	assert_int_equal(r.status, SCAN_OK);
	assert_int_equal(r.n, 1);
	assert_string_equal(scan_spec(&r, 0), "short");
	scan_result_release(&r);
	free(s);
}

/* A large file of many imports: all found, in order, with lines. */
static void many_imports(void **state)
{
	struct buf b = BUF_INIT;
	struct scan_result r = {0};
	size_t i;

	(void)state;
	buf_init(&b);
	for (i = 0; i < 5000; i++)
		buf_addf(&b, "import m%zu from \"./m%zu\"; // import x from 'y'\n", i, i);
	scan_source(b.data, b.len, LANG_TS, &r);
	assert_int_equal(r.n, 5000);
	for (i = 0; i < r.n; i++) {
		char want[32];

		snprintf(want, sizeof(want), "./m%zu", i);
		assert_string_equal(scan_spec(&r, i), want);
		assert_int_equal(r.imports[i].line, i + 1);
	}
	buf_release(&b);
	scan_result_release(&r);
}

/* The result appends; reset empties it for the next file. */
static void result_reuse(void **state)
{
	struct scan_result r = {0};

	(void)state;
	scan_source("require('a')", 12, LANG_JS, &r);
	scan_source("require('b')", 12, LANG_JS, &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(scan_spec(&r, 1), "b");
	scan_result_reset(&r);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.status, SCAN_OK);
	scan_source("@import 'c';", 12, LANG_CSS, &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(scan_spec(&r, 0), "c");
	scan_result_release(&r);
}

static void lang_of(void **state)
{
	static const struct { const char *path; enum scan_lang lang; } rows[] = {
		{"a.js", LANG_JS}, {"a.mjs", LANG_JS}, {"a.cjs", LANG_JS},
		{"a.jsx", LANG_JSX}, {"a/b.tsx", LANG_JSX},
		{"a.ts", LANG_TS}, {"a.mts", LANG_TS}, {"a.cts", LANG_TS}, {"a.d.ts", LANG_TS},
		{"a.css", LANG_CSS}, {"a.scss", LANG_SCSS},
		{"a.json", LANG_NONE}, {"Makefile", LANG_NONE}, {"a.js/README", LANG_NONE},
		{"a.sass", LANG_NONE}, {"a.JS", LANG_NONE}, {".js", LANG_JS},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(rows); i++) {
		if (scan_lang_of(rows[i].path) != rows[i].lang)
			fail_msg("scan_lang_of(\"%s\") = %d, expected %d", rows[i].path,
				 scan_lang_of(rows[i].path), rows[i].lang);
	}
	assert_string_equal(import_kind_name(IMPORT_REQUIRE), "require");
	assert_string_equal(import_kind_name(IMPORT_CSS), "@import");
}

static const struct {
	const char *name;
	CMUnitTestFunction fn;
} others[] = {
	{"every prefix of every row", every_prefix},
	{"unterminated at the end of input", unterminated_at_eof},
	{"a NUL byte means binary", nul_byte_is_binary},
	{"10000 open braces", deep_braces},
	{"deep templates, JSX and brackets", deep_other_nesting},
	{"closers without openers", closers_without_openers},
	{"over-long specifier", long_specifier_is_dropped},
	{"5000 imports", many_imports},
	{"result reuse", result_reuse},
	{"language of a path", lang_of},
};

static struct CMUnitTest tests[ARRAY_LEN(cases) + ARRAY_LEN(others)];
static char names[ARRAY_LEN(cases)][96];

int main(void)
{
	size_t i, n = 0;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		snprintf(names[i], sizeof(names[i]), "scan: %s", cases[i].name);
		tests[n].name = names[i];
		tests[n].test_func = run_case;
		tests[n].initial_state = (void *)&cases[i];
		n++;
	}
	for (i = 0; i < ARRAY_LEN(others); i++) {
		tests[n].name = others[i].name;
		tests[n].test_func = others[i].fn;
		n++;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
