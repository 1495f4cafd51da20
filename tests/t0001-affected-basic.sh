#!/bin/sh
#
# t0001: relgate affected on small npm, yarn and pnpm workspaces: products
# with and without relgate.json, --base/--head with merge-base semantics,
# the text, json and markdown outputs, --packages, -q, every kind of
# package.json dependency, workspace patterns, globalInputs and inputs.

. "$(dirname "$0")/test-lib.sh"
. "$SRCDIR/tests/lib-fixtures.sh"

test_expect_success 'setup: a, b depends on a, c; a change to a' '
	mkdir plain && cd plain &&
	abc_workspace &&
	git tag start &&
	touch_commit packages/a/src/index.js &&
	cd ..
'

test_expect_success 'without relgate.json every package is a product (text)' '
	cat >expect <<-EOF &&
	2 of 3 products affected by 1 changed file ($(cd plain && abbrev start)...$(cd plain && abbrev HEAD))
	a <- packages/a/src/index.js (changed)
	b <- a (dependency) <- packages/a/src/index.js (changed)
	not affected: c
	EOF
	"$RELGATE" -C plain affected --base start >actual &&
	test_cmp expect actual
'

test_expect_success '--head defaults to HEAD' '
	"$RELGATE" -C plain affected --base start --head HEAD >actual2 &&
	test_cmp actual actual2
'

test_expect_success 'the base is the commit itself when nothing changed' '
	cat >expect <<-EOF &&
	0 of 3 products affected by 0 changed files ($(cd plain && abbrev HEAD)...$(cd plain && abbrev HEAD))
	not affected: a, b, c
	EOF
	"$RELGATE" -C plain affected --base HEAD >actual &&
	test_cmp expect actual
'

test_expect_success '--format json: base, head, changed, products, because, unaffected' '
	"$RELGATE" -C plain affected --base start --format json >out.json &&
	test "$(jq -r .base out.json)" = "$(git -C plain rev-parse start)" &&
	test "$(jq -r .head out.json)" = "$(git -C plain rev-parse HEAD)" &&
	jq -c ".changed" out.json >actual &&
	echo "[\"packages/a/src/index.js\"]" >expect &&
	test_cmp expect actual &&
	jq -c ".products[] | {name, because}" out.json >actual &&
	cat >expect <<-\EOF &&
	{"name":"a","because":["packages/a/src/index.js","packages/a"]}
	{"name":"b","because":["packages/a/src/index.js","packages/a","packages/b"]}
	EOF
	test_cmp expect actual &&
	jq -c ".unaffected" out.json >actual &&
	echo "[\"c\"]" >expect &&
	test_cmp expect actual
'

test_expect_success '--format json: every value has the documented type' '
	jq -e "(.base|type==\"string\") and (.head|type==\"string\") and
	       (.changed|type==\"array\") and (.unaffected|type==\"array\") and
	       all(.products[]; (.name|type==\"string\") and (.because|type==\"array\") and
	           all(.because[]; type==\"string\"))" out.json
'

test_expect_success '--format markdown: one table row per affected product' '
	"$RELGATE" -C plain affected --base start --format markdown >out.md &&
	grep "^|" out.md >actual &&
	cat >expect <<-\EOF &&
	| product | why |
	| --- | --- |
	| **`a`** | `packages/a/src/index.js` (changed) → **`a`** |
	| **`b`** | `packages/a/src/index.js` (changed) → `a` (dependency) → **`b`** |
	EOF
	test_cmp expect actual &&
	grep -e "^###" -e "^Not affected" out.md >actual &&
	cat >expect <<-\EOF &&
	### relgate: 2 of 3 products affected
	Not affected: `c`
	EOF
	test_cmp expect actual
'

test_expect_success '-q prints only the names of the affected products' '
	printf "a\nb\n" >expect &&
	"$RELGATE" -C plain -q affected --base start >actual &&
	test_cmp expect actual
'

test_expect_success 'merge-base semantics: a change on main after the branch point does not count' '
	(
		cd plain &&
		git checkout -qb feature start &&
		touch_commit packages/c/src/index.js &&
		git checkout -q main &&
		touch_commit packages/b/src/index.js
	) &&
	cat >expect <<-EOF &&
	1 of 3 products affected by 1 changed file ($(cd plain && abbrev start)...$(cd plain && abbrev feature))
	c <- packages/c/src/index.js (changed)
	not affected: a, b
	EOF
	"$RELGATE" -C plain affected --base main --head feature >actual &&
	test_cmp expect actual
'

test_expect_success 'merge-base semantics, the other way: main against feature' '
	printf "a\nb\n" >expect &&
	(cd plain && affected_names --base feature --head main) >actual &&
	test_cmp expect actual
'

test_expect_success 'merge-base semantics from the checked-out feature branch' '
	git -C plain checkout -q feature &&
	echo c >expect &&
	(cd plain && affected_names --base main) >actual &&
	git -C plain checkout -q main &&
	test_cmp expect actual
'

test_expect_success 'relgate.json: only the listed products, named as configured' '
	mkdir conf && cd conf &&
	make_package packages/a @s/a &&
	make_package packages/b @s/b @s/a &&
	make_package packages/c @s/c &&
	write_file relgate.json <<-\EOF &&
	{"products": {"bee": {"package": "@s/b"}, "sea": {"package": "@s/c"}}}
	EOF
	make_workspace &&
	touch_commit packages/a/src/index.js &&
	cd .. &&
	cat >expect <<-\EOF &&
	bee <- @s/a (dependency) <- packages/a/src/index.js (changed)
	not affected: sea
	EOF
	affected_body -C conf affected --base HEAD~ >actual &&
	test_cmp expect actual &&
	(cd conf && affected_names --base HEAD~ --format json) >actual &&
	echo bee >expect &&
	test_cmp expect actual &&
	jq -c ".unaffected" .json >actual &&
	echo "[\"sea\"]" >expect &&
	test_cmp expect actual
'

test_expect_success 'a product without "package" is the package of its own name' '
	mkdir same && cd same &&
	make_package packages/a a &&
	make_package packages/b b a &&
	write_file relgate.json <<-\EOF &&
	{"products": {"b": {}}}
	EOF
	make_workspace &&
	touch_commit packages/a/src/index.js &&
	echo b >expect &&
	affected_names --base HEAD~ >actual &&
	cd .. &&
	test_cmp same/expect same/actual
'

test_expect_success '--packages lists every affected workspace package by its package.json name' '
	cat >expect <<-\EOF &&
	@s/a <- packages/a/src/index.js (changed)
	@s/b <- @s/a (dependency) <- packages/a/src/index.js (changed)
	not affected: @s/c
	EOF
	affected_body -C conf affected --base HEAD~ --packages >actual &&
	test_cmp expect actual &&
	head -n 1 .text >header &&
	test_grep "^2 of 3 packages affected by 1 changed file " header
'

test_expect_success '--packages --format json: same schema, packages as entries' '
	"$RELGATE" -C conf affected --base HEAD~ --packages --format json >out.json &&
	jq -c "[.products[] | {name, because}], .unaffected" out.json >actual &&
	cat >expect <<-\EOF &&
	[{"name":"@s/a","because":["packages/a/src/index.js","packages/a"]},{"name":"@s/b","because":["packages/a/src/index.js","packages/a","packages/b"]}]
	["@s/c"]
	EOF
	test_cmp expect actual
'

test_expect_success 'dev, peer and optional dependencies are edges, named in the chain' '
	mkdir kinds && cd kinds &&
	make_package packages/a a &&
	write_file packages/d/package.json <<-\EOF &&
	{"name": "d", "devDependencies": {"a": "*"}}
	EOF
	write_file packages/o/package.json <<-\EOF &&
	{"name": "o", "optionalDependencies": {"a": "*"}}
	EOF
	write_file packages/p/package.json <<-\EOF &&
	{"name": "p", "peerDependencies": {"a": "^1"}, "devDependencies": {"z-external": "1"}}
	EOF
	write_file packages/z/package.json <<-\EOF &&
	{"name": "z"}
	EOF
	make_workspace &&
	touch_commit packages/a/src/index.js &&
	cd .. &&
	cat >expect <<-\EOF &&
	a <- packages/a/src/index.js (changed)
	d <- a (devDependency) <- packages/a/src/index.js (changed)
	o <- a (optionalDependency) <- packages/a/src/index.js (changed)
	p <- a (peerDependency) <- packages/a/src/index.js (changed)
	not affected: z
	EOF
	affected_body -C kinds affected --base HEAD~ >actual &&
	test_cmp expect actual
'

test_expect_success 'the JSON chain names the dependency kind too' '
	"$RELGATE" -C kinds affected --base HEAD~ --format json >out.json &&
	jq -r ".products[] | select(.name == \"d\") | .chain[] | select(.kind == \"package\" and .name == \"a\") | .why" out.json >actual &&
	echo devDependency >expect &&
	test_cmp expect actual
'

test_expect_success 'a transitive chain: c <- b <- a' '
	mkdir chain && cd chain &&
	make_package packages/a a &&
	make_package packages/b b a &&
	make_package packages/c c b &&
	make_workspace &&
	touch_commit packages/a/src/index.js &&
	cd .. &&
	cat >expect <<-\EOF &&
	a <- packages/a/src/index.js (changed)
	b <- a (dependency) <- packages/a/src/index.js (changed)
	c <- b (dependency) <- a (dependency) <- packages/a/src/index.js (changed)
	EOF
	affected_body -C chain affected --base HEAD~ >actual &&
	test_cmp expect actual
'

test_expect_success 'yarn: "workspaces": {"packages": [...]}' '
	mkdir yarn && cd yarn &&
	make_package libs/a a &&
	make_package apps/b b a &&
	make_package apps/c c &&
	write_file package.json <<-\EOF &&
	{"name": "ws", "private": true,
	 "workspaces": {"packages": ["libs/*", "apps/*"], "nohoist": ["**/react"]}}
	EOF
	git init -q && commit_all initial &&
	touch_commit libs/a/src/index.js &&
	printf "a\nb\n" >expect &&
	affected_names --base HEAD~ >actual &&
	cd .. &&
	test_cmp yarn/expect yarn/actual
'

test_expect_success 'pnpm-workspace.yaml lists the packages' '
	mkdir pnpm && cd pnpm &&
	make_package libs/a a &&
	make_package apps/b b a &&
	make_package apps/c c &&
	make_package other/d d a &&
	write_file package.json <<-\EOF &&
	{"name": "root", "private": true}
	EOF
	write_file pnpm-workspace.yaml <<-\EOF &&
	# the workspace
	packages:
	  - "libs/*"
	  - apps/*
	EOF
	git init -q && commit_all initial &&
	touch_commit libs/a/src/index.js &&
	printf "a\nb\n" >expect &&
	affected_names --base HEAD~ --packages >actual &&
	cd .. &&
	test_cmp pnpm/expect pnpm/actual
'

test_expect_success 'nested globs: packages/** finds packages at any depth' '
	mkdir nested && cd nested &&
	make_package packages/a a &&
	make_package packages/group/x x a &&
	make_package packages/group/deep/y y x &&
	make_package packages/q q &&
	make_workspace "packages/**" &&
	touch_commit packages/a/src/index.js &&
	printf "a\nx\ny\n" >expect &&
	affected_names --base HEAD~ >actual &&
	test_cmp expect actual &&
	jq -r ".unaffected[]" ../.json >actual &&
	echo q >expect &&
	cd .. &&
	test_cmp nested/expect nested/actual
'

test_expect_success 'a file of a nested package belongs to the nearest package' '
	(cd nested && touch_commit packages/group/deep/y/src/index.js) &&
	echo y >expect &&
	(cd nested && affected_names --base HEAD~) >actual &&
	test_cmp expect actual
'

test_expect_success 'negated patterns: !packages/legacy is no package' '
	mkdir neg && cd neg &&
	make_package packages/a a &&
	make_package packages/b b a &&
	make_package packages/legacy legacy a &&
	make_workspace "packages/*" "!packages/legacy" &&
	touch_commit packages/a/src/index.js &&
	printf "a\nb\n" >expect &&
	affected_names --base HEAD~ --packages >actual &&
	test_cmp expect actual &&
	jq -c ".unaffected" ../.json >actual &&
	echo "[]" >expect &&
	cd .. &&
	test_cmp neg/expect neg/actual
'

test_expect_success 'negated patterns: a change in the excluded folder reaches no package' '
	(cd neg && touch_commit packages/legacy/src/index.js) &&
	cat >expect <<-\EOF &&
	not affected: a, b
	EOF
	affected_body -C neg affected --base HEAD~ >actual &&
	test_cmp expect actual
'

test_expect_success 'setup: relgate.json with globalInputs and product inputs' '
	mkdir inputs && cd inputs &&
	make_package packages/a a &&
	make_package packages/b b a &&
	make_package packages/c c &&
	write_file relgate.json <<-\EOF &&
	{
	  "globalInputs": [".nvmrc", "tools/shared/**"],
	  "products": {
	    "app-b": {"package": "b", "inputs": ["tools/build/**/b.*.js"]},
	    "app-c": {"package": "c", "inputs": ["config/c.json"]}
	  }
	}
	EOF
	echo 20 >.nvmrc &&
	write_file tools/shared/readme.txt <<-\EOF &&
	shared build tools
	EOF
	write_file tools/build/deep/er/b.prod.js </dev/null &&
	write_file tools/build/c.prod.js </dev/null &&
	write_file config/c.json <<-\EOF &&
	{}
	EOF
	make_workspace &&
	cd ..
'

test_expect_success 'globalInputs: a change hits every product' '
	(cd inputs && echo 22 >.nvmrc && commit_all node22) &&
	cat >expect <<-\EOF &&
	app-b <- .nvmrc (changed, globalInputs)
	app-c <- .nvmrc (changed, globalInputs)
	EOF
	affected_body -C inputs affected --base HEAD~ >actual &&
	test_cmp expect actual
'

test_expect_success 'globalInputs with ** hit every product' '
	(cd inputs && mkdir -p tools/shared/x/y && echo y >tools/shared/x/y/z.sh && commit_all z) &&
	printf "app-b\napp-c\n" >expect &&
	(cd inputs && affected_names --base HEAD~) >actual &&
	test_cmp expect actual
'

test_expect_success 'product inputs with **: only that product' '
	(cd inputs && touch_commit tools/build/deep/er/b.prod.js) &&
	cat >expect <<-\EOF &&
	app-b <- tools/build/deep/er/b.prod.js (changed, input)
	not affected: app-c
	EOF
	affected_body -C inputs affected --base HEAD~ >actual &&
	test_cmp expect actual
'

test_expect_success 'a file the globs do not match reaches no product' '
	(cd inputs && touch_commit tools/build/c.prod.js) &&
	cat >expect <<-\EOF &&
	not affected: app-b, app-c
	EOF
	affected_body -C inputs affected --base HEAD~ >actual &&
	test_cmp expect actual
'

test_expect_success 'a literal product input' '
	(cd inputs && echo "{\"x\": 1}" >config/c.json && commit_all cfg) &&
	cat >expect <<-\EOF &&
	app-c <- config/c.json (changed, input)
	not affected: app-b
	EOF
	affected_body -C inputs affected --base HEAD~ >actual &&
	test_cmp expect actual
'

test_expect_success 'an input in json output: because starts at the input file' '
	"$RELGATE" -C inputs affected --base HEAD~ --format json >out.json &&
	jq -c ".products[] | {name, because}" out.json >actual &&
	echo "{\"name\":\"app-c\",\"because\":[\"config/c.json\"]}" >expect &&
	test_cmp expect actual
'

test_done
