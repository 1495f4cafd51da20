#!/bin/sh
#
# t0012: package.json is npm's, pnpm's, yarn's and the bundlers' file:
# relgate reads every form they accept.  A byte-order mark, a "browser"
# map, fields of other types, a package without a name, two packages of
# one name, a listed folder without a package.json: each runs (exit 0),
# with one warning where something is ambiguous.  A deleted package is read
# from git alone, whatever is checked out.

. "$(dirname "$0")/test-lib.sh"
. "$SRCDIR/tests/lib-fixtures.sh"

test_expect_success 'setup: a workspace of three packages' '
	mkdir ws && cd ws &&
	abc_workspace &&
	git tag start
'

test_expect_success 'a package.json that starts with a byte-order mark' '
	cd ws && git checkout -q -b bom start &&
	printf "\357\273\277{\"name\": \"a\", \"version\": \"1.0.0\", \"main\": \"src/index.js\"}\n" \
		>packages/a/package.json &&
	touch_commit packages/a/src/index.js &&
	affected_names --base start >"$TRASH/actual" 2>"$TRASH/err" &&
	printf "a\nb\n" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual" &&
	test_grep_not "error" "$TRASH/err"
'

test_expect_success 'a broken package.json after a byte-order mark still names line and column' '
	cd ws && git checkout -q -b bom-broken start &&
	printf "\357\273\277{\"name\": \"a\",\n  \"version\": }\n" >packages/a/package.json &&
	commit_all "broken" &&
	test_expect_code 2 "$RELGATE" affected --base start 2>"$TRASH/err" &&
	test_grep "^relgate: error: packages/a/package.json:2:14: " "$TRASH/err"
'

test_expect_success 'a "browser" map, as its specification allows, is read' '
	cd ws && git checkout -q -b browser-map start &&
	write_file packages/a/package.json <<-\EOF &&
	{"name": "a", "version": "1.0.0", "main": "src/index.js",
	 "browser": {"./src/index.js": "./src/browser.js", "fs": false}}
	EOF
	echo "export const name = 1;" >packages/a/src/browser.js &&
	echo "import { name } from \"a\";" >packages/c/src/index.js &&
	write_file packages/c/package.json <<-\EOF &&
	{"name": "c", "version": "1.0.0", "main": "src/index.js"}
	EOF
	commit_all "browser map" &&
	git tag browser-base &&
	echo "// edit" >>packages/a/src/browser.js &&
	commit_all "edit the browser entry" &&
	affected_names --base browser-base >"$TRASH/actual" 2>"$TRASH/err" &&
	printf "a\nb\nc\n" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual" &&
	"$RELGATE" affected --base browser-base --format json >"$TRASH/out.json" &&
	jq -r ".products[] | select(.name == \"c\") | .because[0]" "$TRASH/out.json" >"$TRASH/actual" &&
	echo packages/a/src/browser.js >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success 'fields of other types than npm documents do not stop it' '
	cd ws && git checkout -q -b odd-types start &&
	write_file packages/a/package.json <<-\EOF &&
	{"name": "a", "version": 1, "main": ["src/index.js"], "module": false,
	 "browser": 7, "exports": 3, "dependencies": ["left-pad"],
	 "devDependencies": "none", "peerDependencies": {"": "*"},
	 "optionalDependencies": null, "workspaces": "nothing",
	 "files": {"x": 1}, "scripts": [], "bin": 3}
	EOF
	commit_all "odd types" &&
	affected_names --base start >"$TRASH/actual" 2>"$TRASH/err" &&
	printf "a\nb\n" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual" &&
	test_grep_not "error" "$TRASH/err"
'

test_expect_success 'a package without a name is named by its folder' '
	cd ws && git checkout -q -b nameless start &&
	write_file packages/c/package.json <<-\EOF &&
	{"version": "1.0.0", "private": true}
	EOF
	commit_all "no name" &&
	"$RELGATE" affected --base start --packages --format json >"$TRASH/out.json" 2>"$TRASH/err" &&
	jq -r ".products[].name" "$TRASH/out.json" >"$TRASH/actual" &&
	echo packages/c >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success 'two packages of one name: both are packages, the name means the first' '
	cd ws && git checkout -q -b duplicates start &&
	make_package fixtures/one dup &&
	make_package fixtures/two dup &&
	write_file package.json <<-\EOF &&
	{"name": "ws", "private": true, "workspaces": ["packages/*", "fixtures/*"]}
	EOF
	make_package packages/c c dup &&
	commit_all "duplicates" &&
	git tag dup-base &&
	touch_commit fixtures/two/src/index.js &&
	"$RELGATE" affected --base dup-base --packages --format json >"$TRASH/out.json" 2>"$TRASH/err" &&
	jq -r ".products[] | .name + \" \" + (.because | join(\" < \"))" "$TRASH/out.json" >"$TRASH/actual" &&
	echo "dup fixtures/two/src/index.js < fixtures/two" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual" &&
	test_grep "fixtures/one/package.json and fixtures/two/package.json are both named \"dup\": the name means fixtures/one" "$TRASH/err" &&
	test $(grep -c "both named" "$TRASH/err") = 1 &&
	touch_commit fixtures/one/src/index.js &&
	affected_names --base HEAD~ --packages >"$TRASH/actual" 2>"$TRASH/err" &&
	printf "c\ndup\n" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success 'a deleted package, with the head checked out: read from git' '
	cd ws && git checkout -q -b delete start &&
	git rm -q -r packages/c &&
	commit_all "delete c" &&
	affected_names --base HEAD~ --head HEAD --packages >"$TRASH/actual" 2>"$TRASH/err" &&
	test_must_fail test -s "$TRASH/actual" &&
	test_grep_not "cannot read" "$TRASH/err"
'

test_expect_success 'a deleted package, with its parent checked out: still read from git' '
	cd ws && git checkout -q delete~ &&
	affected_names --base delete~ --head delete --packages >"$TRASH/actual" 2>"$TRASH/err" &&
	test_must_fail test -s "$TRASH/actual" &&
	test_grep_not "error" "$TRASH/err" &&
	git checkout -q delete
'

test_expect_success 'a package deleted with a dependent changed: the dependent is affected' '
	cd ws && git checkout -q -b delete-a start &&
	git rm -q -r packages/a &&
	make_package packages/b b &&
	commit_all "delete a, b no longer depends on it" &&
	affected_names --base HEAD~ --packages >"$TRASH/actual" 2>"$TRASH/err" &&
	echo b >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success '--packages: a root devDependency bump reaches every package, as every product' '
	cd ws && git checkout -q -b root-bump start &&
	write_file package.json <<-\EOF &&
	{"name": "ws", "private": true, "workspaces": ["packages/*"],
	 "devDependencies": {"terser": "^5.0.0"}}
	EOF
	commit_all "bump a build tool" &&
	affected_names --base HEAD~ --packages >"$TRASH/actual" &&
	printf "a\nb\nc\n" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual" &&
	affected_names --base HEAD~ >"$TRASH/actual" &&
	test_cmp "$TRASH/expect" "$TRASH/actual" &&
	"$RELGATE" affected --base HEAD~ --packages --format json >"$TRASH/out.json" &&
	jq -r ".products[0].chain[0].why" "$TRASH/out.json" >"$TRASH/actual" &&
	echo "the workspace'"'"'s root package.json: devDependencies changed" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success 'ignoreRootDependencies: a root tool no build uses reaches no product' '
	cd ws && git checkout -q -b root-ignore root-bump &&
	write_file relgate.json <<-\EOF &&
	{"ignoreRootDependencies": ["terser", "@types/*"]}
	EOF
	commit_all "terser builds nothing here" &&
	write_file package.json <<-\EOF &&
	{"name": "ws", "private": true, "workspaces": ["packages/*"],
	 "devDependencies": {"terser": "^5.1.0", "@types/node": "^20"}}
	EOF
	commit_all "bump ignored tools" &&
	affected_names --base HEAD~ --packages >"$TRASH/actual" &&
	test_must_fail test -s "$TRASH/actual" &&
	write_file package.json <<-\EOF &&
	{"name": "ws", "private": true, "workspaces": ["packages/*"],
	 "devDependencies": {"terser": "^5.1.0", "@types/node": "^20", "rollup": "^4"}}
	EOF
	commit_all "a tool that builds" &&
	affected_names --base HEAD~ >"$TRASH/actual" &&
	printf "a\nb\nc\n" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

bun_lock() { # LEFT_PAD_VERSION LOCKFILE_VERSION
	cat <<-EOF
	{
	  "lockfileVersion": $2,
	  "workspaces": {
	    "": {
	      "name": "ws",
	    },
	    "packages/a": {
	      "name": "a",
	      "dependencies": {
	        "uses-pad": "^1.0.0",
	      },
	    },
	    "packages/c": {
	      "name": "c",
	      "dependencies": {
	        "is-odd": "^3.0.0",
	      },
	    },
	  },
	  "packages": {
	    "is-odd": ["is-odd@3.0.1", "", {}, "sha512-odd"],

	    "left-pad": ["left-pad@0.9.0", "", {}, "sha512-old"],

	    "uses-pad": ["uses-pad@1.0.0", "", { "dependencies": { "left-pad": "^1.2.0" } }, "sha512-uses"],

	    "uses-pad/left-pad": ["left-pad@$1", "", {}, "sha512-pad$1"],
	  }
	}
	EOF
}

test_expect_success 'bun.lock is read per package: a nested bump reaches its user only' '
	cd ws && git checkout -q -b bun-lock start &&
	bun_lock 1.2.0 1 >bun.lock &&
	commit_all "bun.lock" &&
	bun_lock 1.3.0 1 >bun.lock &&
	commit_all "bun.lock changes" &&
	affected_body affected --base HEAD~ --packages >"$TRASH/actual" &&
	cat >"$TRASH/expect" <<-\EOF &&
	a <- bun.lock (changed, lockfile: left-pad 1.2.0 -> 1.3.0 in uses-pad)
	b <- a (dependency) <- bun.lock (changed, lockfile: left-pad 1.2.0 -> 1.3.0 in uses-pad)
	not affected: c
	EOF
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success '--packages: a bun.lock relgate cannot read per package reaches every package' '
	cd ws && git checkout -q bun-lock &&
	bun_lock 1.3.0 9 >bun.lock &&
	commit_all "a layout relgate does not know" &&
	affected_names --base HEAD~ --packages >"$TRASH/actual" &&
	printf "a\nb\nc\n" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual" &&
	affected_body affected --base HEAD~ >"$TRASH/actual" &&
	test_grep "^a <- bun.lock \(changed, bun.lock \(as of [0-9a-f]+\) is lockfileVersion 9, which relgate does not know" "$TRASH/actual"
'

test_expect_success 'two lockfiles changed at once: each is read, the wider one wins' '
	cd ws && git checkout -q -b two-locks bun-lock~2 &&
	printf "\0\1binary" >bun.lockb &&
	commit_all "bun.lockb too" &&
	bun_lock 1.3.0 1 >bun.lock &&
	printf "\0\2binary" >bun.lockb &&
	commit_all "both change" &&
	affected_names --base HEAD~ --packages >"$TRASH/actual" &&
	printf "a\nb\nc\n" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual" &&
	affected_body affected --base HEAD~ --packages >"$TRASH/actual" &&
	test_grep "^c <- bun.lockb \(changed, bun.lockb changed" "$TRASH/actual" &&
	"$RELGATE" affected --base HEAD~ --format json >"$TRASH/out.json" &&
	jq -r .lockfile "$TRASH/out.json" >"$TRASH/actual" &&
	test_grep "^bun.lockb changed, and relgate reads only" "$TRASH/actual"
'

test_expect_success 'bun.lockb, npm-shrinkwrap.json: every product too' '
	cd ws && git checkout -q -b bun-lockb start &&
	printf "\0\1binary" >bun.lockb && echo "{}" >npm-shrinkwrap.json &&
	commit_all "lockfiles" &&
	printf "\0\2binary" >bun.lockb &&
	commit_all "bun.lockb changes" &&
	affected_names --base HEAD~ >"$TRASH/actual" &&
	printf "a\nb\nc\n" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual" &&
	echo "{\"lockfileVersion\": 3}" >npm-shrinkwrap.json &&
	commit_all "npm-shrinkwrap.json changes" &&
	affected_names --base HEAD~ >"$TRASH/actual" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success 'a workspace package the root depends on reaches every product, and says why' '
	cd ws && git checkout -q -b root-tool start &&
	make_package tools/lint lint &&
	write_file package.json <<-\EOF &&
	{"name": "ws", "private": true, "workspaces": ["packages/*", "tools/*"],
	 "devDependencies": {"lint": "*"}}
	EOF
	commit_all "a lint tool of the root" &&
	touch_commit tools/lint/src/index.js &&
	affected_names --base HEAD~ >"$TRASH/actual" &&
	printf "a\nb\nc\nlint\n" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual" &&
	affected_body affected --base HEAD~ >"$TRASH/actual" &&
	test_grep "^c <- lint \(the root.s devDependency: a build tool of every product\) <- tools/lint/src/index.js \(changed\)" "$TRASH/actual" &&
	affected_names --base HEAD~ --packages >"$TRASH/actual" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success 'a name with a newline and an escape sequence reaches the terminal escaped' '
	cd ws && git checkout -q -b evil-name start &&
	printf "{\"name\": \"evil\\\\nline\\\\u001b[31mred\", \"version\": \"1.0.0\"}\n" \
		>packages/c/package.json &&
	commit_all "a hostile name" &&
	"$RELGATE" affected --base start >"$TRASH/out" &&
	test_grep "^evil\\\\nline\\\\x1b\\[31mred <- packages/c/package.json" "$TRASH/out" &&
	test_grep_not "$(printf "\033")" "$TRASH/out" &&
	test $(wc -l <"$TRASH/out") = 3 &&
	"$RELGATE" affected --base start --format json >"$TRASH/out.json" &&
	jq -r ".products[0].name" "$TRASH/out.json" >"$TRASH/actual" &&
	printf "evil\nline\033[31mred\n" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success 'setup: yarn with enableTransparentWorkspaces: false' '
	mkdir berry && cd berry &&
	make_package packages/a a &&
	make_package packages/tool tool &&
	make_package packages/cli cli &&
	write_file packages/b/package.json <<-\EOF &&
	{"name": "b", "version": "1.0.0", "main": "src/index.js",
	 "dependencies": {"a": "^1.0.0", "tool": "workspace:^"}}
	EOF
	write_file packages/b/src/index.js <<-\EOF &&
	export const b = 1;
	EOF
	write_file package.json <<-\EOF &&
	{"name": "ws", "private": true, "workspaces": ["packages/*"],
	 "devDependencies": {"cli": "^1.0.0", "tool": "workspace:^"}}
	EOF
	printf "__metadata:\n  version: 8\n" >yarn.lock &&
	printf "enableTransparentWorkspaces: false\nnodeLinker: node-modules\n" >.yarnrc.yml &&
	git init -q . && git add -A && git commit -qm initial &&
	git tag start
'

test_expect_success 'without enableTransparentWorkspaces a plain range is the registry copy, no edge' '
	cd berry && git checkout -q -b plain start &&
	touch_commit packages/a/src/index.js &&
	affected_names --base HEAD~ --packages >"$TRASH/actual" &&
	echo a >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual" &&
	touch_commit packages/cli/src/index.js &&
	affected_names --base HEAD~ --packages >"$TRASH/actual" &&
	echo cli >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success 'without enableTransparentWorkspaces "workspace:" still links, from the root too' '
	cd berry && git checkout -q -b protocol start &&
	touch_commit packages/tool/src/index.js &&
	affected_names --base HEAD~ --packages >"$TRASH/actual" &&
	printf "a\nb\ncli\ntool\n" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success 'enableTransparentWorkspaces: true (the default) links by name' '
	cd berry && git checkout -q -b transparent start &&
	printf "enableTransparentWorkspaces: true\n" >.yarnrc.yml &&
	commit_all transparent &&
	touch_commit packages/a/src/index.js &&
	affected_names --base HEAD~ --packages >"$TRASH/actual" &&
	printf "a\nb\n" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success 'a .yarnrc.yml that is no YAML: one warning, names link' '
	cd berry && git checkout -q -b broken start &&
	printf "enableTransparentWorkspaces: [false\n" >.yarnrc.yml &&
	commit_all broken &&
	touch_commit packages/a/src/index.js &&
	"$RELGATE" affected --base HEAD~ --packages --format json >"$TRASH/out.json" 2>"$TRASH/err" &&
	jq -r ".products[].name" "$TRASH/out.json" >"$TRASH/actual" &&
	printf "a\nb\n" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual" &&
	test_grep "^relgate: warning: .yarnrc.yml:2:1: .*enableTransparentWorkspaces were true" "$TRASH/err" &&
	test $(wc -l <"$TRASH/err") = 1
'

test_done
