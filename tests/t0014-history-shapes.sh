#!/bin/sh
#
# t0014: shapes real histories have that a small fixture does not: a 50 MB
# lockfile, a lockfile that names a workspace package the tree lacks, a
# package deleted and added again under another name in one commit, and a
# package moved to another folder.  Each has a clear outcome, said here.

. "$(dirname "$0")/test-lib.sh"
. "$SRCDIR/tests/lib-fixtures.sh"

# A package-lock.json v3 of N external packages (dep0 ... dep<N-1>, each of
# about 250 bytes, chains of 50), where dep1 resolves to DEP1_VERSION; a
# uses dep0 (no dependencies of its own), b uses dep1 and what follows it.
big_lock() { # N DEP1_VERSION
	awk -v n="$1" -v v1="$2" 'BEGIN {
		print "{\n  \"name\": \"ws\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {"
		print "    \"\": {\"name\": \"ws\", \"workspaces\": [\"packages/*\"]},"
		print "    \"packages/a\": {\"name\": \"a\", \"version\": \"1.0.0\", \"dependencies\": {\"dep0\": \"^1.0.0\"}},"
		print "    \"packages/b\": {\"name\": \"b\", \"version\": \"1.0.0\", \"dependencies\": {\"dep1\": \"^1.0.0\"}},"
		print "    \"node_modules/a\": {\"resolved\": \"packages/a\", \"link\": true},"
		print "    \"node_modules/b\": {\"resolved\": \"packages/b\", \"link\": true},"
		pad = "sha512-"
		for (i = 0; i < 88; i++) pad = pad "x"
		for (i = 0; i < n; i++) {
			v = i == 1 ? v1 : "1.0.0"
			deps = (i + 1 < n && i % 50) ? sprintf(", \"dependencies\": {\"dep%d\": \"^1.0.0\"}", i + 1) : ""
			printf "    \"node_modules/dep%d\": {\"version\": \"%s\", \"resolved\": \"https://registry.npmjs.org/dep%d/-/dep%d-%s.tgz\", \"integrity\": \"%s\"%s}%s\n", i, v, i, i, v, pad, deps, i + 1 < n ? "," : ""
		}
		print "  }\n}"
	}'
}

test_expect_success 'setup: a workspace whose package-lock.json is over 50 MB' '
	mkdir big && cd big &&
	write_file packages/a/package.json <<-\EOF &&
	{"name": "a", "version": "1.0.0", "dependencies": {"dep0": "^1.0.0"}}
	EOF
	write_file packages/b/package.json <<-\EOF &&
	{"name": "b", "version": "1.0.0", "dependencies": {"dep1": "^1.0.0"}}
	EOF
	echo "export const a = 1;" >packages/a/index.js &&
	echo "export const b = 1;" >packages/b/index.js &&
	echo "{\"name\": \"ws\", \"private\": true, \"workspaces\": [\"packages/*\"]}" >package.json &&
	big_lock 200000 1.0.0 >package-lock.json &&
	test $(wc -c <package-lock.json) -gt 50000000 &&
	git init -q . && git add -A && git commit -qm initial &&
	big_lock 200000 1.0.1 >package-lock.json && commit_all bump
'

test_expect_success 'a 50 MB lockfile: read per package, the bumped entry named once' '
	cat >expect <<-\EOF &&
	b <- package-lock.json (changed, lockfile: dep1 1.0.0 -> 1.0.1)
	not affected: a
	EOF
	affected_body -C big affected --base HEAD~ >actual &&
	test_cmp expect actual
'

test_expect_success 'setup: a pnpm workspace with a lockfile' '
	mkdir pn && cd pn &&
	make_package packages/a a &&
	make_package packages/b b a &&
	echo "{\"name\": \"ws\", \"private\": true}" >package.json &&
	printf "packages:\n  - packages/*\n  - libs/*\n" >pnpm-workspace.yaml &&
	cat >pnpm-lock.yaml <<-\EOF &&
	lockfileVersion: '"'"'9.0'"'"'

	importers:

	  .: {}

	  packages/a:
	    dependencies:
	      left-pad:
	        specifier: ^1.0.0
	        version: 1.3.0

	  packages/b:
	    dependencies:
	      a:
	        specifier: workspace:*
	        version: link:../a

	packages:

	  left-pad@1.3.0:
	    resolution: {integrity: sha512-lp}

	snapshots:

	  left-pad@1.3.0: {}
	EOF
	git init -q . && git add -A && git commit -qm initial && git tag start
'

test_expect_success 'a lockfile naming a workspace package the tree lacks: that importer is ignored' '
	cd pn && git checkout -q -b ghost start &&
	cat >>pnpm-lock.yaml <<-\EOF &&

	importers-note: this key is no pnpm key, and is ignored too
	EOF
	sed -i "s|^  packages/b:|  packages/ghost:\n    dependencies:\n      left-pad:\n        specifier: ^1.0.0\n        version: 1.3.0\n\n  packages/b:|" pnpm-lock.yaml &&
	test_grep "packages/ghost:" pnpm-lock.yaml &&
	commit_all "a ghost importer" &&
	echo "not affected: a, b" >"$TRASH/expect" &&
	affected_body affected --base HEAD~ >"$TRASH/actual" 2>"$TRASH/err" &&
	test_cmp "$TRASH/expect" "$TRASH/actual" &&
	test_grep_not "ghost" "$TRASH/err"
'

test_expect_success 'a package deleted and added under another name: the new one, and who still names the old' '
	cd pn && git checkout -q -b renamed start &&
	git rm -q -r packages/a &&
	write_file libs/z/package.json <<-\EOF &&
	{"name": "z", "version": "1.0.0", "main": "src/index.js"}
	EOF
	write_file libs/z/src/index.js <<-\EOF &&
	export const name = "z";
	EOF
	commit_all "a becomes z" &&
	"$RELGATE" affected --base HEAD~ --format json >"$TRASH/out.json" &&
	jq -r ".products[].name" "$TRASH/out.json" >"$TRASH/actual" &&
	printf "b\nz\n" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual" &&
	affected_body affected --base HEAD~ >"$TRASH/actual" &&
	test_grep "^z <- libs/z/" "$TRASH/actual" &&
	test_grep "^b <- packages/a/package.json \(deleted, dependency: the workspace package a is gone\)" "$TRASH/actual" &&
	test "$(sed -n 1p "$TRASH/actual" | cut -c1-2)" = "b "
'

test_expect_success 'a package moved to another folder: it and its dependents, both paths named' '
	cd pn && git checkout -q -b moved start &&
	mkdir -p libs && git mv packages/a libs/a &&
	sed -i "s|link:../a|link:../../libs/a|" pnpm-lock.yaml &&
	sed -i "s|^  packages/a:|  libs/a:|" pnpm-lock.yaml &&
	commit_all "a moves to libs" &&
	"$RELGATE" affected --base HEAD~ --format json >"$TRASH/out.json" &&
	jq -r ".products[].name" "$TRASH/out.json" >"$TRASH/actual" &&
	printf "a\nb\n" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual" &&
	affected_body affected --base HEAD~ >"$TRASH/actual" &&
	test_grep "^a <- libs/a/src/index.js \(renamed\)" "$TRASH/actual"
'

test_done
