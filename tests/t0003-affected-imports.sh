#!/bin/sh
#
# t0003: import edges: undeclared imports of workspace packages, tsconfig
# paths/baseUrl/extends (with comments and trailing commas), relative
# imports into other packages and root-level files, every import form and
# file kind, and text that only looks like an import (comments, strings,
# template literals, regular expressions, JSX text).

. "$(dirname "$0")/test-lib.sh"
. "$SRCDIR/tests/lib-fixtures.sh"

# A package without package.json dependencies whose one source file is
# given on stdin: consumer DIR NAME FILE
consumer() {
	write_file "$1/package.json" <<-EOF &&
	{"name": "$2", "version": "1.0.0"}
	EOF
	write_file "$1/$3"
}

test_expect_success 'setup: lib, and packages that use it in every way, none declares it' '
	mkdir ws && cd ws &&
	write_file packages/lib/package.json <<-\EOF &&
	{"name": "lib", "version": "1.0.0", "main": "src/index.js"}
	EOF
	write_file packages/lib/src/index.js <<-\EOF &&
	export const x = 1;
	EOF
	write_file packages/lib/src/sub.js <<-\EOF &&
	export default 2;
	EOF
	write_file packages/lib/style.css <<-\EOF &&
	body { color: red; }
	EOF
	consumer packages/use-static use-static src/index.js <<-\EOF &&
	import { x } from "lib";
	export const y = x;
	EOF
	consumer packages/use-require use-require src/index.cjs <<-\EOF &&
	const { x } = require(
	  "lib"
	);
	module.exports = x;
	EOF
	consumer packages/use-dynamic use-dynamic src/index.mjs <<-\EOF &&
	export async function load() {
	  const m = await import("lib");
	  return m.x;
	}
	EOF
	consumer packages/use-export use-export src/index.ts <<-\EOF &&
	export * from "lib";
	EOF
	consumer packages/use-export-named use-export-named src/index.js <<-\EOF &&
	export { x as y } from '"'"'lib'"'"';
	EOF
	consumer packages/use-tsx use-tsx src/App.tsx <<-\EOF &&
	import { x } from "lib";
	type P = { n: number };
	export const App = (p: P) => <div className="a">{x + p.n}</div>;
	EOF
	consumer packages/use-jsx use-jsx src/App.jsx <<-\EOF &&
	import two from "lib/src/sub";
	export const App = () => <section><h1>{two}</h1></section>;
	EOF
	consumer packages/use-css use-css src/main.css <<-\EOF &&
	/* the shared look */
	@import "lib/style.css";
	main { margin: 0; }
	EOF
	consumer packages/fake-comment fake-comment src/index.js <<-\EOF &&
	// import { x } from "lib";
	/* const y = require("lib");
	   export * from "lib"; */
	export const z = 1; // import("lib")
	EOF
	consumer packages/fake-string fake-string src/index.js <<-\EOF &&
	const a = "import { x } from '"'"'lib'"'"'";
	const b = '"'"'require("lib")'"'"';
	const c = "export * from \"lib\"";
	export { a, b, c };
	EOF
	consumer packages/fake-template fake-template src/index.js <<-\EOF &&
	const who = "w";
	const a = `import { x } from "lib"`;
	const b = `${who}: require("lib") and import("lib")`;
	export { a, b };
	EOF
	consumer packages/fake-regex fake-regex src/index.js <<-\EOF &&
	const r1 = /import x from "lib"/;
	const r2 = /require\("lib"\)/g;
	export const test = (s) => r1.test(s) || /import\("lib"\)/.test(s);
	EOF
	consumer packages/fake-jsx fake-jsx src/Doc.jsx <<-\EOF &&
	export const Doc = () => (
	  <p>
	    Write import x from "lib"; or require("lib") in your code.
	  </p>
	);
	EOF
	make_workspace &&
	git tag start &&
	touch_commit packages/lib/src/index.js &&
	git tag lib-index &&
	cd ..
'

test_expect_success 'an undeclared import still affects: every real form, no fake one' '
	cat >expect <<-\EOF &&
	lib
	use-css
	use-dynamic
	use-export
	use-export-named
	use-jsx
	use-require
	use-static
	use-tsx
	EOF
	(cd ws && git checkout -q -b all start && touch_commit packages/lib/style.css &&
	 touch_commit packages/lib/src/sub.js && touch_commit packages/lib/src/index.js &&
	 affected_names --base start) >actual &&
	test_cmp expect actual
'

test_expect_success 'the chain of an import edge says (import)' '
	git -C ws checkout -q lib-index &&
	"$RELGATE" -C ws affected --base start >out &&
	grep "^use-static " out >actual &&
	cat >expect <<-\EOF &&
	use-static <- packages/use-static/src/index.js <- packages/lib/src/index.js (changed, import)
	EOF
	test_cmp expect actual
'

test_expect_success 'the chain names the form: require, import(), export from' '
	grep -e "^use-require " -e "^use-dynamic " -e "^use-export " out >actual &&
	cat >expect <<-\EOF &&
	use-dynamic <- packages/use-dynamic/src/index.mjs <- packages/lib/src/index.js (changed, import())
	use-export <- packages/use-export/src/index.ts <- packages/lib/src/index.js (changed, export from)
	use-require <- packages/use-require/src/index.cjs <- packages/lib/src/index.js (changed, require)
	EOF
	test_cmp expect actual
'

test_expect_success 'a change to the entry file: only the importers of that file' '
	cat >expect <<-\EOF &&
	lib
	use-dynamic
	use-export
	use-export-named
	use-require
	use-static
	use-tsx
	EOF
	(cd ws && affected_names --base start) >actual &&
	test_cmp expect actual
'

test_expect_success 'comments, strings, templates, regexes and JSX text are no imports' '
	"$RELGATE" -C ws graph --format json >graph.json &&
	jq -r "(.nodes | map({key: (.id|tostring), value: .name}) | from_entries) as \$n |
	       .edges[] | select(.kind == \"import\") | \$n[.to|tostring]" graph.json | sort -u >actual &&
	cat >expect <<-\EOF &&
	use-css
	use-dynamic
	use-export
	use-export-named
	use-jsx
	use-require
	use-static
	use-tsx
	EOF
	test_cmp expect actual
'

test_expect_success '--no-imports: no import edge is followed' '
	echo lib >expect &&
	(cd ws && affected_names --base start --no-imports) >actual &&
	test_cmp expect actual
'

test_expect_success 'a declared dependency is still followed with --no-imports' '
	(cd ws && git checkout -q -b declared start &&
	 write_file packages/use-static/package.json <<-\EOF &&
	{"name": "use-static", "version": "1.0.0", "dependencies": {"lib": "*"}}
	EOF
	 commit_all declare && git tag declared &&
	 touch_commit packages/lib/src/index.js) &&
	printf "lib\nuse-static\n" >expect &&
	(cd ws && affected_names --base declared --no-imports) >actual &&
	test_cmp expect actual
'

test_expect_success 'TypeScript: a division after a non-null assertion is no regular expression' '
	mkdir nonnull && cd nonnull &&
	make_package packages/a a &&
	consumer packages/b b src/ratio.ts <<-\EOF &&
	declare const width: number | undefined, height: number | undefined;
	export const ratio = width! / height!; import { name } from "a/src/index.js";
	EOF
	make_package packages/c c &&
	make_workspace &&
	touch_commit packages/a/src/index.js &&
	printf "a\nb\n" >expect &&
	affected_names --base HEAD~ >actual &&
	cd .. &&
	test_cmp nonnull/expect nonnull/actual
'

test_expect_success 'an import of a package without an entry file: the chain goes through the package' '
	mkdir noentry && cd noentry &&
	write_file packages/a/package.json <<-\EOF &&
	{"name": "a", "version": "1.0.0"}
	EOF
	write_file packages/a/lib/util.js <<-\EOF &&
	export const u = 1;
	EOF
	consumer packages/b b src/index.js <<-\EOF &&
	import "a";
	EOF
	make_workspace &&
	touch_commit packages/a/lib/util.js &&
	cd .. &&
	cat >expect <<-\EOF &&
	a <- packages/a/lib/util.js (changed)
	b <- packages/b/src/index.js <- a (import) <- packages/a/lib/util.js (changed)
	EOF
	affected_body -C noentry affected --base HEAD~ >actual &&
	test_cmp expect actual
'

test_expect_success 'setup: tsconfig paths and baseUrl, with comments, trailing commas, extends' '
	mkdir ts && cd ts &&
	write_file libs/lib/package.json <<-\EOF &&
	{"name": "@acme/lib", "version": "1.0.0"}
	EOF
	write_file libs/lib/src/format.ts <<-\EOF &&
	export const format = (s: string) => s.trim();
	EOF
	write_file libs/lib/src/parse.ts <<-\EOF &&
	export const parse = (s: string) => JSON.parse(s);
	EOF
	write_file libs/other/package.json <<-\EOF &&
	{"name": "@acme/other", "version": "1.0.0"}
	EOF
	write_file libs/other/src/index.ts <<-\EOF &&
	export const other = 1;
	EOF
	write_file tsconfig.base.json <<-\EOF &&
	{
	  // shared by every app
	  "compilerOptions": {
	    "baseUrl": ".",
	    /* aliases */
	    "paths": {
	      "@lib/*": ["libs/lib/src/*"],
	    },
	  },
	}
	EOF
	consumer apps/alias alias src/main.ts <<-\EOF &&
	import { format } from "@lib/format";
	export const f = format;
	EOF
	write_file apps/alias/tsconfig.json <<-\EOF &&
	{
	  "extends": "../../tsconfig.base.json", // the aliases
	  "compilerOptions": { "strict": true, },
	  "include": ["src",],
	}
	EOF
	consumer apps/baseurl baseurl src/main.ts <<-\EOF &&
	import { other } from "libs/other/src/index";
	export const o = other;
	EOF
	write_file apps/baseurl/tsconfig.json <<-\EOF &&
	{"extends": "../../tsconfig.base.json"}
	EOF
	consumer apps/plain plain src/main.ts <<-\EOF &&
	import { parse } from "@lib/parse";
	export const p = parse;
	EOF
	write_file package.json <<-\EOF &&
	{"name": "ts", "private": true, "workspaces": ["apps/*", "libs/*"]}
	EOF
	git init -q && commit_all initial &&
	cd ..
'

test_expect_success 'tsconfig paths alias (@lib/* -> libs/lib/src/*) through extends' '
	(cd ts && touch_commit libs/lib/src/format.ts) &&
	cat >expect <<-\EOF &&
	@acme/lib <- libs/lib/src/format.ts (changed)
	alias <- apps/alias/src/main.ts <- libs/lib/src/format.ts (changed, import)
	not affected: @acme/other, baseurl, plain
	EOF
	affected_body -C ts affected --base HEAD~ --packages >actual &&
	test_cmp expect actual
'

test_expect_success 'tsconfig baseUrl through extends' '
	(cd ts && touch_commit libs/other/src/index.ts) &&
	printf "@acme/other\nbaseurl\n" >expect &&
	(cd ts && affected_names --base HEAD~) >actual &&
	test_cmp expect actual
'

test_expect_success 'the root tsconfig.json applies where an app has none' '
	(cd ts && cp tsconfig.base.json tsconfig.json && commit_all "root tsconfig" &&
	 touch_commit libs/lib/src/parse.ts) &&
	printf "@acme/lib\nplain\n" >expect &&
	(cd ts && affected_names --base HEAD~) >actual &&
	test_cmp expect actual
'

test_expect_success 'a .js specifier resolves to the .ts file, a folder to its index' '
	mkdir tsjs && cd tsjs &&
	write_file packages/a/package.json <<-\EOF &&
	{"name": "a", "version": "1.0.0"}
	EOF
	write_file packages/a/src/util.ts <<-\EOF &&
	export const u = 1;
	EOF
	write_file packages/a/src/widgets/index.tsx <<-\EOF &&
	export const W = () => <b/>;
	EOF
	consumer packages/b b src/index.ts <<-\EOF &&
	import { u } from "../../a/src/util.js";
	EOF
	consumer packages/c c src/index.ts <<-\EOF &&
	import { W } from "../../a/src/widgets";
	EOF
	make_workspace &&
	touch_commit packages/a/src/util.ts &&
	printf "a\nb\n" >expect &&
	affected_names --base HEAD~ >actual &&
	test_cmp expect actual &&
	touch_commit packages/a/src/widgets/index.tsx &&
	printf "a\nc\n" >expect &&
	affected_names --base HEAD~ >actual &&
	cd .. &&
	test_cmp tsjs/expect tsjs/actual
'

test_expect_success 'a relative import that reaches into another package'"'"'s folder' '
	mkdir rel && cd rel &&
	make_package packages/a a &&
	write_file packages/a/src/deep/helper.mjs <<-\EOF &&
	export const h = 1;
	EOF
	consumer packages/b b src/index.js <<-\EOF &&
	import { h } from "../../a/src/deep/helper.mjs";
	EOF
	make_package packages/c c &&
	make_workspace &&
	touch_commit packages/a/src/deep/helper.mjs &&
	cd .. &&
	cat >expect <<-\EOF &&
	a <- packages/a/src/deep/helper.mjs (changed)
	b <- packages/b/src/index.js <- packages/a/src/deep/helper.mjs (changed, import)
	not affected: c
	EOF
	affected_body -C rel affected --base HEAD~ >actual &&
	test_cmp expect actual
'

test_expect_success 'a shared root-level file affects only the package that imports it' '
	mkdir shared && cd shared &&
	make_package packages/a a &&
	consumer packages/b b src/index.js <<-\EOF &&
	const shared = require("../../../config/shared.js");
	EOF
	make_package packages/c c &&
	write_file config/shared.js <<-\EOF &&
	module.exports = { retries: 3 };
	EOF
	write_file config/unused.js <<-\EOF &&
	module.exports = {};
	EOF
	make_workspace &&
	touch_commit config/shared.js &&
	cd .. &&
	cat >expect <<-\EOF &&
	b <- packages/b/src/index.js <- config/shared.js (changed, require)
	not affected: a, c
	EOF
	affected_body -C shared affected --base HEAD~ >actual &&
	test_cmp expect actual
'

test_expect_success 'a root-level file nobody imports affects nothing' '
	(cd shared && touch_commit config/unused.js) &&
	echo "not affected: a, b, c" >expect &&
	affected_body -C shared affected --base HEAD~ >actual &&
	test_cmp expect actual
'

test_expect_success 'transitive imports through files of several packages' '
	mkdir trans && cd trans &&
	make_package packages/a a &&
	consumer packages/b b src/index.js <<-\EOF &&
	export * from "a";
	EOF
	write_file packages/b/package.json <<-\EOF &&
	{"name": "b", "main": "src/index.js"}
	EOF
	consumer packages/c c src/index.js <<-\EOF &&
	import "b";
	EOF
	make_package packages/d d &&
	make_workspace &&
	touch_commit packages/a/src/index.js &&
	cd .. &&
	cat >expect <<-\EOF &&
	a <- packages/a/src/index.js (changed)
	b <- packages/b/src/index.js <- packages/a/src/index.js (changed, export from)
	c <- packages/c/src/index.js <- packages/b/src/index.js (import) <- packages/a/src/index.js (changed, export from)
	not affected: d
	EOF
	affected_body -C trans affected --base HEAD~ >actual &&
	test_cmp expect actual
'

test_expect_success 'package.json "exports": subpaths, patterns and conditions' '
	mkdir exports && cd exports &&
	write_file packages/lib/package.json <<-\EOF &&
	{"name": "@x/lib",
	 "exports": {".": {"import": "./src/index.js", "require": "./cjs/index.cjs"},
	             "./feature": "./src/feature.js",
	             "./utils/*": "./src/utils/*.js"}}
	EOF
	for f in src/index.js cjs/index.cjs src/feature.js src/utils/str.js src/other.js; do
		echo "export default 1;" | write_file packages/lib/$f || return 1
	done &&
	consumer packages/feat feat index.js <<-\EOF &&
	import "@x/lib/feature";
	EOF
	consumer packages/util util index.js <<-\EOF &&
	import { s } from "@x/lib/utils/str";
	EOF
	consumer packages/main main index.js <<-\EOF &&
	import lib from "@x/lib";
	EOF
	make_workspace &&
	git tag start &&
	touch_commit packages/lib/src/feature.js &&
	printf "@x/lib\nfeat\n" >expect &&
	affected_names --base HEAD~ >actual &&
	test_cmp expect actual &&
	touch_commit packages/lib/src/utils/str.js &&
	printf "@x/lib\nutil\n" >expect &&
	affected_names --base HEAD~ >actual &&
	test_cmp expect actual &&
	touch_commit packages/lib/src/index.js &&
	printf "@x/lib\nmain\n" >expect &&
	affected_names --base HEAD~ >actual &&
	cd .. &&
	test_cmp exports/expect exports/actual
'

test_expect_success 'an import cycle between two packages terminates and reports both' '
	mkdir cycle && cd cycle &&
	consumer packages/p p src/index.js <<-\EOF &&
	import { q } from "q";
	export const p = () => q();
	EOF
	consumer packages/q q src/index.js <<-\EOF &&
	import { p } from "p";
	export const q = () => p();
	EOF
	sed -i "s/}\$/, \"main\": \"src\/index.js\"}/" packages/p/package.json packages/q/package.json &&
	make_package packages/r r &&
	make_workspace &&
	touch_commit packages/p/src/index.js &&
	cd .. &&
	cat >expect <<-\EOF &&
	p <- packages/p/src/index.js (changed)
	q <- packages/q/src/index.js <- packages/p/src/index.js (changed, import)
	not affected: r
	EOF
	affected_body -C cycle affected --base HEAD~ >actual &&
	test_cmp expect actual
'

test_expect_success 'a manifest cycle terminates too' '
	mkdir mcycle && cd mcycle &&
	make_package packages/p p q &&
	make_package packages/q q p &&
	make_workspace &&
	touch_commit packages/q/src/index.js &&
	printf "p\nq\n" >expect &&
	affected_names --base HEAD~ >actual &&
	cd .. &&
	test_cmp mcycle/expect mcycle/actual
'

test_expect_success 'tsconfig extends in a cycle, and one base extended by many, read once' '
	mkdir tsx && cd tsx &&
	write_file libs/lib/package.json <<-\EOF &&
	{"name": "@acme/lib", "version": "1.0.0"}
	EOF
	write_file libs/lib/src/format.ts <<-\EOF &&
	export const format = (s: string) => s.trim();
	EOF
	write_file tsconfig.paths.json <<-\EOF &&
	{"extends": "./tsconfig.more.json",
	 "compilerOptions": {"paths": {"@lib/*": ["./libs/lib/src/*"]}}}
	EOF
	write_file tsconfig.more.json <<-\EOF &&
	{"extends": "./tsconfig.paths.json"}
	EOF
	for app in one two three; do
		consumer apps/$app $app src/main.ts <<-\EOF &&
		import { format } from "@lib/format";
		export const f = format;
		EOF
		write_file apps/$app/tsconfig.json <<-\EOF || return 1
		{"extends": ["../../tsconfig.more.json", "../../tsconfig.paths.json"]}
		EOF
	done &&
	write_file package.json <<-\EOF &&
	{"name": "tsx", "private": true, "workspaces": ["apps/*", "libs/*"]}
	EOF
	git init -q && commit_all initial &&
	touch_commit libs/lib/src/format.ts &&
	printf "@acme/lib\none\nthree\ntwo\n" >expect &&
	affected_names --base HEAD~ >actual &&
	test_cmp expect actual &&
	printf "{\n  \"compilerOptions\": {\"baseUrl\": 1}\n}\n" >tsconfig.more.json &&
	commit_all "a base all apps extend, broken" &&
	test_expect_code 2 "$RELGATE" affected --base HEAD~ --packages >out 2>err &&
	test_grep "tsconfig.more.json:2:" err &&
	test $(grep -c "tsconfig.more.json" err) = 1 &&
	cd ..
'

test_done
