#!/bin/sh
#
# t0004: package-lock.json changes are read per package: only the packages
# whose resolved external dependencies changed (directly, or through other
# external packages) are affected, with the version change in the chain.
# Lockfiles that cannot be read that way (v1, pnpm-lock.yaml) affect every
# product, and say so.

. "$(dirname "$0")/test-lib.sh"
. "$SRCDIR/tests/lib-fixtures.sh"

# A package-lock.json v3 for the workspace below:
# lock3 NAME LEFT_PAD_VERSION NESTED_LEFT_PAD_VERSION OTHER_INTEGRITY
lock3() {
	cat <<-EOF
	{
	  "name": "$1",
	  "version": "1.0.0",
	  "lockfileVersion": 3,
	  "requires": true,
	  "packages": {
	    "": {
	      "name": "$1",
	      "version": "1.0.0",
	      "workspaces": ["packages/*"]
	    },
	    "node_modules/a": {"resolved": "packages/a", "link": true},
	    "node_modules/b": {"resolved": "packages/b", "link": true},
	    "node_modules/c": {"resolved": "packages/c", "link": true},
	    "node_modules/d": {"resolved": "packages/d", "link": true},
	    "node_modules/e": {"resolved": "packages/e", "link": true},
	    "node_modules/left-pad": {
	      "version": "$2",
	      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-$2.tgz",
	      "integrity": "sha512-leftpad$2"
	    },
	    "node_modules/uses-pad": {
	      "version": "2.0.0",
	      "resolved": "https://registry.npmjs.org/uses-pad/-/uses-pad-2.0.0.tgz",
	      "integrity": "sha512-usespad200",
	      "dependencies": {"left-pad": "^1.0.0"}
	    },
	    "node_modules/other": {
	      "version": "1.0.0",
	      "resolved": "https://registry.npmjs.org/other/-/other-1.0.0.tgz",
	      "integrity": "$4"
	    },
	    "packages/a": {
	      "name": "a",
	      "version": "1.0.0",
	      "dependencies": {"left-pad": "^1.0.0"}
	    },
	    "packages/b": {
	      "name": "b",
	      "version": "1.0.0",
	      "dependencies": {"a": "*"}
	    },
	    "packages/c": {
	      "name": "c",
	      "version": "1.0.0",
	      "dependencies": {"uses-pad": "^2.0.0"}
	    },
	    "packages/d": {
	      "name": "d",
	      "version": "1.0.0",
	      "dependencies": {"other": "^1.0.0"}
	    },
	    "packages/e": {
	      "name": "e",
	      "version": "1.0.0",
	      "dependencies": {"left-pad": "^0.9.0"}
	    },
	    "packages/e/node_modules/left-pad": {
	      "version": "$3",
	      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-$3.tgz",
	      "integrity": "sha512-leftpad$3"
	    }
	  }
	}
	EOF
}

# The manifests that go with it.
lock_workspace() {
	write_file packages/a/package.json <<-\EOF &&
	{"name": "a", "version": "1.0.0", "dependencies": {"left-pad": "^1.0.0"}}
	EOF
	write_file packages/b/package.json <<-\EOF &&
	{"name": "b", "version": "1.0.0", "dependencies": {"a": "*"}}
	EOF
	write_file packages/c/package.json <<-\EOF &&
	{"name": "c", "version": "1.0.0", "dependencies": {"uses-pad": "^2.0.0"}}
	EOF
	write_file packages/d/package.json <<-\EOF &&
	{"name": "d", "version": "1.0.0", "dependencies": {"other": "^1.0.0"}}
	EOF
	write_file packages/e/package.json <<-\EOF &&
	{"name": "e", "version": "1.0.0", "dependencies": {"left-pad": "^0.9.0"}}
	EOF
	for p in a b c d e; do
		echo "export const $p = 1;" >packages/$p/index.js || return 1
	done &&
	make_workspace
}

test_expect_success 'setup: a workspace with a package-lock.json v3' '
	mkdir npm && cd npm &&
	lock3 ws 1.2.0 0.9.0 sha512-other100 >package-lock.json &&
	lock_workspace &&
	git tag start &&
	cd ..
'

test_expect_success 'a version bump: only the packages that resolve it, and their dependents' '
	(cd npm && lock3 ws 1.3.0 0.9.0 sha512-other100 >package-lock.json && commit_all bump) &&
	cat >expect <<-\EOF &&
	a <- package-lock.json (changed, lockfile: left-pad 1.2.0 -> 1.3.0)
	b <- a (dependency) <- package-lock.json (changed, lockfile: left-pad 1.2.0 -> 1.3.0)
	c <- package-lock.json (changed, lockfile: left-pad 1.2.0 -> 1.3.0)
	not affected: d, e
	EOF
	affected_body -C npm affected --base start >actual &&
	test_cmp expect actual
'

test_expect_success 'the lockfile change in JSON: the chain says lockfile, with the versions' '
	"$RELGATE" -C npm affected --base start --format json >out.json &&
	jq -r ".products[] | select(.name == \"a\") | .chain[0] | [.name, .change, .edge, .why] | join(\"|\")" out.json >actual &&
	echo "package-lock.json|changed|lockfile|lockfile: left-pad 1.2.0 -> 1.3.0" >expect &&
	test_cmp expect actual &&
	jq -c "[.products[].name], .unaffected" out.json >actual &&
	printf "%s\n" "[\"a\",\"b\",\"c\"]" "[\"d\",\"e\"]" >expect &&
	test_cmp expect actual &&
	jq -e "has(\"lockfile\") | not" out.json
'

test_expect_success '--packages: the same packages' '
	printf "a\nb\nc\n" >expect &&
	(cd npm && affected_names --base start --packages) >actual &&
	test_cmp expect actual
'

test_expect_success '--no-imports does not turn the lockfile off' '
	printf "a\nb\nc\n" >expect &&
	(cd npm && affected_names --base start --no-imports) >actual &&
	test_cmp expect actual
'

test_expect_success 'a nested node_modules entry resolves for its own package only' '
	(cd npm && git reset -q --hard start &&
	 lock3 ws 1.2.0 0.9.1 sha512-other100 >package-lock.json && commit_all nested) &&
	cat >expect <<-\EOF &&
	e <- package-lock.json (changed, lockfile: left-pad 0.9.0 -> 0.9.1 in packages/e)
	not affected: a, b, c, d
	EOF
	affected_body -C npm affected --base start >actual &&
	test_cmp expect actual
'

test_expect_success 'an external package with its own nested copy is not reached by the top-level one' '
	(cd npm && git reset -q --hard start &&
	 jq ".packages[\"node_modules/uses-pad/node_modules/left-pad\"] = {\"version\": \"2.0.0\", \"integrity\": \"sha512-lp2\"}" \
		package-lock.json >tmp && mv tmp package-lock.json && commit_all "nested in uses-pad" &&
	 git tag nested-start &&
	 lock_bump=$(jq ".packages[\"node_modules/left-pad\"].version = \"1.9.9\"" package-lock.json) &&
	 echo "$lock_bump" >package-lock.json && commit_all "top bump") &&
	printf "a\nb\n" >expect &&
	(cd npm && affected_names --base nested-start) >actual &&
	test_cmp expect actual
'

test_expect_success '... and a change of the nested copy reaches only its user' '
	(cd npm && lock_bump=$(jq ".packages[\"node_modules/uses-pad/node_modules/left-pad\"].version = \"2.0.1\"" package-lock.json) &&
	 echo "$lock_bump" >package-lock.json && commit_all "nested bump") &&
	cat >expect <<-\EOF &&
	c <- package-lock.json (changed, lockfile: left-pad 2.0.0 -> 2.0.1 in node_modules/uses-pad)
	not affected: a, b, d, e
	EOF
	affected_body -C npm affected --base HEAD~ >actual &&
	test_cmp expect actual
'

test_expect_success 'a devDependency of a workspace package counts' '
	(cd npm && git reset -q --hard start &&
	 jq ".packages[\"packages/d\"].devDependencies = {\"left-pad\": \"^1.0.0\"}" package-lock.json >tmp &&
	 mv tmp package-lock.json && commit_all "d dev" && git tag dev-start &&
	 lock3 ws 1.3.0 0.9.0 sha512-other100 | jq ".packages[\"packages/d\"].devDependencies = {\"left-pad\": \"^1.0.0\"}" >package-lock.json &&
	 commit_all "bump with d dev") &&
	printf "a\nb\nc\nd\n" >expect &&
	(cd npm && affected_names --base dev-start) >actual &&
	test_cmp expect actual
'

test_expect_success 'an integrity-only change of a resolved package affects its users' '
	(cd npm && git reset -q --hard start &&
	 lock3 ws 1.2.0 0.9.0 sha512-other100-republished >package-lock.json && commit_all integrity) &&
	echo d >expect &&
	(cd npm && affected_names --base start) >actual &&
	test_cmp expect actual
'

test_expect_success 'a lockfile change that touches nothing resolved (the root name): no product' '
	(cd npm && git reset -q --hard start &&
	 lock3 renamed 1.2.0 0.9.0 sha512-other100 >package-lock.json && commit_all rename) &&
	cat >expect <<-\EOF &&
	not affected: a, b, c, d, e
	EOF
	affected_body -C npm affected --base start >actual &&
	test_cmp expect actual &&
	"$RELGATE" -C npm affected --base start --format json >out.json &&
	jq -c ".changed, .products" out.json >actual &&
	printf "%s\n" "[\"package-lock.json\"]" "[]" >expect &&
	test_cmp expect actual
'

test_expect_success 'a reformatted lockfile: no product' '
	(cd npm && git reset -q --hard start &&
	 jq -c . package-lock.json >tmp && mv tmp package-lock.json && commit_all reformat) &&
	echo "not affected: a, b, c, d, e" >expect &&
	affected_body -C npm affected --base start >actual &&
	test_cmp expect actual
'

test_expect_success 'a new external dependency of one package' '
	(cd npm && git reset -q --hard start &&
	 jq ".packages[\"node_modules/is-odd\"] = {\"version\": \"3.0.1\", \"integrity\": \"sha512-odd\"} |
	     .packages[\"packages/d\"].dependencies[\"is-odd\"] = \"^3.0.0\"" package-lock.json >tmp &&
	 mv tmp package-lock.json && commit_all is-odd) &&
	cat >expect <<-\EOF &&
	d <- package-lock.json (changed, lockfile: +is-odd 3.0.1)
	not affected: a, b, c, e
	EOF
	affected_body -C npm affected --base start >actual &&
	test_cmp expect actual
'

test_expect_success 'a lockfile changed together with a source file' '
	(cd npm && git reset -q --hard start &&
	 lock3 ws 1.3.0 0.9.0 sha512-other100 >package-lock.json &&
	 echo "// e" >>packages/e/index.js && commit_all both) &&
	printf "a\nb\nc\ne\n" >expect &&
	(cd npm && affected_names --base start) >actual &&
	test_cmp expect actual
'

test_expect_success 'the lockfile in --uncommitted' '
	(cd npm && git reset -q --hard start &&
	 lock3 ws 1.3.0 0.9.0 sha512-other100 >package-lock.json) &&
	printf "a\nb\nc\n" >expect &&
	(cd npm && affected_names --uncommitted) >actual &&
	(cd npm && git checkout -q -- .) &&
	test_cmp expect actual
'

test_expect_success 'a deleted lockfile: every package that resolved something, with what it lost' '
	(cd npm && git reset -q --hard start && git rm -q package-lock.json && commit_all "no lock") &&
	cat >expect <<-\EOF &&
	a <- package-lock.json (deleted, lockfile: -left-pad 1.2.0)
	b <- a (dependency) <- package-lock.json (deleted, lockfile: -left-pad 1.2.0)
	d <- package-lock.json (deleted, lockfile: -other 1.0.0)
	e <- package-lock.json (deleted, lockfile: -left-pad 0.9.0 in packages/e)
	EOF
	affected_body -C npm affected --base start >out &&
	grep -v "^c " out >actual &&
	test_cmp expect actual &&
	grep "^c " out >actual &&
	test_grep "^c <- package-lock.json \(deleted, lockfile: .*-uses-pad 2.0.0" actual
'

test_expect_success 'setup: a lockfile v1' '
	mkdir v1 && cd v1 &&
	write_file package-lock.json <<-\EOF &&
	{
	  "name": "ws",
	  "version": "1.0.0",
	  "lockfileVersion": 1,
	  "requires": true,
	  "dependencies": {
	    "left-pad": {"version": "1.2.0", "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.2.0.tgz", "integrity": "sha512-x"}
	  }
	}
	EOF
	make_package packages/a a &&
	make_package packages/b b &&
	make_workspace &&
	sed -i "s/1\.2\.0/1.3.0/g" package-lock.json &&
	commit_all bump &&
	cd ..
'

test_expect_success 'lockfile v1: every product, and the reason is said' '
	cat >expect <<-\EOF &&
	a <- package-lock.json (changed, package-lock.json (at HEAD~) is lockfileVersion 1, which has no per-package entries)
	EOF
	"$RELGATE" -C v1 affected --base HEAD~ >out &&
	grep "^a " out >actual &&
	grep "^b " out >>actual &&
	test_grep "^a <- package-lock.json \(changed, .*lockfileVersion 1.*\)$" actual &&
	test_grep "^b <- package-lock.json \(changed, .*lockfileVersion 1.*\)$" actual &&
	"$RELGATE" -C v1 affected --base HEAD~ --format json >out.json &&
	jq -r "[.products[].name] | join(\" \")" out.json >actual &&
	echo "a b" >expect &&
	test_cmp expect actual &&
	jq -r .lockfile out.json >actual &&
	test_grep "lockfileVersion 1" actual
'

test_expect_success 'lockfile v1: the markdown says every product, and why' '
	"$RELGATE" -C v1 affected --base HEAD~ --format markdown >out.md &&
	test_grep "^> \*\*Every product\*\*: .*lockfileVersion 1" out.md
'

test_expect_success 'setup: a pnpm workspace with pnpm-lock.yaml' '
	mkdir pnpm && cd pnpm &&
	make_package packages/a a &&
	make_package packages/b b &&
	write_file package.json <<-\EOF &&
	{"name": "root", "private": true}
	EOF
	write_file pnpm-workspace.yaml <<-\EOF &&
	packages:
	  - packages/*
	EOF
	write_file pnpm-lock.yaml <<-\EOF &&
	lockfileVersion: "9.0"
	importers:
	  packages/a:
	    dependencies:
	      left-pad:
	        specifier: ^1.0.0
	        version: 1.2.0
	packages:
	  left-pad@1.2.0:
	    resolution: {integrity: sha512-x}
	EOF
	git init -q && commit_all initial &&
	sed -i "s/1\.2\.0/1.3.0/g" pnpm-lock.yaml &&
	commit_all bump &&
	cd ..
'

test_expect_success 'pnpm-lock.yaml v9: a bump reaches only the package that resolves it' '
	"$RELGATE" -C pnpm affected --base HEAD~ >out &&
	sed 1d out >actual &&
	cat >expect <<-\EOF &&
	a <- pnpm-lock.yaml (changed, lockfile: left-pad 1.2.0 -> 1.3.0)
	not affected: b
	EOF
	test_cmp expect actual &&
	"$RELGATE" -C pnpm affected --base HEAD~ --format json >out.json &&
	jq -r ".lockfile // \"none\"" out.json >actual &&
	echo none >expect &&
	test_cmp expect actual
'

pnpm_lock9() { # LEFT_PAD_DEP_VERSION PEER_OF_B B_EXTRA
	cat <<-EOF
	lockfileVersion: '9.0'

	settings:
	  autoInstallPeers: true

	importers:

	  .:
	    devDependencies:
	      typescript:
	        specifier: ^5.0.0
	        version: 5.4.5

	  packages/a:
	    dependencies:
	      uses-pad:
	        specifier: ^1.0.0
	        version: 1.0.0
	      b:
	        specifier: workspace:*
	        version: link:../b

	  packages/b:
	    dependencies:
	      react-dom:
	        specifier: ^18.0.0
	        version: 18.2.0(react@$2)
	      strip:
	        specifier: npm:strip-ansi@^6
	        version: strip-ansi@6.0.1$3

	packages:

	  left-pad@$1:
	    resolution: {integrity: sha512-pad$1}

	  uses-pad@1.0.0:
	    resolution: {integrity: sha512-uses}

	  react@18.2.0:
	    resolution: {integrity: sha512-r1820}

	  react@18.3.0:
	    resolution: {integrity: sha512-r1830}

	  react-dom@18.2.0:
	    resolution: {integrity: sha512-rd}

	  strip-ansi@6.0.1:
	    resolution: {integrity: sha512-strip}

	  typescript@5.4.5:
	    resolution: {integrity: sha512-ts}

	snapshots:

	  left-pad@$1: {}

	  uses-pad@1.0.0:
	    dependencies:
	      left-pad: $1

	  react@18.2.0: {}

	  react@18.3.0: {}

	  react-dom@18.2.0(react@$2):
	    dependencies:
	      react: $2

	  strip-ansi@6.0.1: {}

	  typescript@5.4.5: {}
	EOF
}

test_expect_success 'setup: a pnpm v9 lockfile with transitive, peer, alias and workspace entries' '
	mkdir pnpm9 && cd pnpm9 &&
	make_package packages/a a b &&
	make_package packages/b b &&
	make_package packages/c c &&
	write_file package.json <<-\EOF &&
	{"name": "root", "private": true}
	EOF
	printf "packages:\n  - packages/*\n" >pnpm-workspace.yaml &&
	pnpm_lock9 1.2.0 18.2.0 "" >pnpm-lock.yaml &&
	git init -q && commit_all initial && git tag start
'

test_expect_success 'pnpm v9: a transitive bump reaches its user and who depends on it' '
	(cd pnpm9 && pnpm_lock9 1.2.1 18.2.0 "" >pnpm-lock.yaml && commit_all transitive) &&
	affected_body -C pnpm9 affected --base HEAD~ >actual &&
	cat >expect <<-\EOF &&
	a <- pnpm-lock.yaml (changed, lockfile: left-pad 1.2.0 -> 1.2.1)
	not affected: b, c
	EOF
	test_cmp expect actual
'

test_expect_success 'pnpm v9: a peer resolved anew reaches the package and its dependents' '
	(cd pnpm9 && git reset -q --hard start &&
	 pnpm_lock9 1.2.0 18.3.0 "" >pnpm-lock.yaml && commit_all peer) &&
	(cd pnpm9 && affected_names --base HEAD~) >actual &&
	printf "a\nb\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'pnpm v9: the root devDependencies reach every product' '
	(cd pnpm9 && git reset -q --hard start &&
	 sed -i "s/5\.4\.5/5.4.6/g" pnpm-lock.yaml && commit_all "typescript") &&
	(cd pnpm9 && affected_names --base HEAD~) >actual &&
	printf "a\nb\nc\n" >expect &&
	test_cmp expect actual &&
	affected_body -C pnpm9 affected --base HEAD~ >actual &&
	test_grep "the root.s dependencies: typescript 5.4.5 -> 5.4.6" actual
'

test_expect_success 'pnpm v9: settings and a reformat reach nothing' '
	(cd pnpm9 && git reset -q --hard start &&
	 sed -i "s/autoInstallPeers: true/autoInstallPeers: false/; s/^$/\n/" pnpm-lock.yaml &&
	 commit_all "settings") &&
	(cd pnpm9 && affected_names --base HEAD~) >actual &&
	test_must_fail test -s actual
'

test_expect_success 'pnpm v6: keys with a slash, the same answers' '
	mkdir pnpm6 && cd pnpm6 &&
	make_package packages/a a &&
	make_package packages/b b &&
	write_file package.json <<-\EOF &&
	{"name": "root", "private": true}
	EOF
	printf "packages:\n  - packages/*\n" >pnpm-workspace.yaml &&
	write_file pnpm-lock.yaml <<-\EOF &&
	lockfileVersion: '"'"'6.0'"'"'
	importers:
	  packages/a:
	    dependencies:
	      uses-pad:
	        specifier: ^1.0.0
	        version: 1.0.0
	  packages/b:
	    dependencies:
	      is-odd:
	        specifier: ^3.0.0
	        version: 3.0.1
	packages:
	  /uses-pad@1.0.0:
	    resolution: {integrity: sha512-uses}
	    dependencies:
	      left-pad: 1.2.0
	    dev: false
	  /left-pad@1.2.0:
	    resolution: {integrity: sha512-pad}
	    dev: false
	  /is-odd@3.0.1:
	    resolution: {integrity: sha512-odd}
	    dev: false
	EOF
	git init -q && commit_all initial &&
	sed -i "s/left-pad@1.2.0/left-pad@1.2.1/; s/left-pad: 1.2.0/left-pad: 1.2.1/" pnpm-lock.yaml &&
	commit_all bump &&
	affected_body affected --base HEAD~ >../actual &&
	cat >../expect <<-\EOF &&
	a <- pnpm-lock.yaml (changed, lockfile: left-pad 1.2.0 -> 1.2.1)
	not affected: b
	EOF
	cd .. && test_cmp expect actual
'

test_expect_success 'pnpm v5: keys of name and version, the same answers' '
	mkdir pnpm5 && cd pnpm5 &&
	make_package packages/a a &&
	make_package packages/b b &&
	write_file package.json <<-\EOF &&
	{"name": "root", "private": true}
	EOF
	printf "packages:\n  - packages/*\n" >pnpm-workspace.yaml &&
	write_file pnpm-lock.yaml <<-\EOF &&
	lockfileVersion: 5.4
	importers:
	  packages/a:
	    specifiers:
	      is-odd: ^3.0.0
	    dependencies:
	      is-odd: 3.0.1
	  packages/b:
	    specifiers: {}
	packages:
	  /is-odd/3.0.1:
	    resolution: {integrity: sha512-odd301}
	    dependencies:
	      is-number: 6.0.0
	  /is-number/6.0.0:
	    resolution: {integrity: sha512-num600}
	EOF
	git init -q && commit_all initial &&
	sed -i "s/is-number: 6.0.0/is-number: 6.0.1/; s|/is-number/6.0.0|/is-number/6.0.1|" pnpm-lock.yaml &&
	commit_all bump &&
	affected_body affected --base HEAD~ >../actual &&
	cat >../expect <<-\EOF &&
	a <- pnpm-lock.yaml (changed, lockfile: is-number 6.0.0 -> 6.0.1)
	not affected: b
	EOF
	cd .. && test_cmp expect actual
'

test_expect_success 'a pnpm-lock.yaml that is no YAML: exit 2, file:line:col' '
	(cd pnpm9 && git reset -q --hard start &&
	 printf "lockfileVersion: 9\nimporters:\n  .: [\n" >pnpm-lock.yaml && commit_all broken) &&
	test_expect_code 2 "$RELGATE" -C pnpm9 affected --base HEAD~ 2>err &&
	test_grep "^relgate: error: pnpm-lock.yaml:[0-9]+:[0-9]+: .*as of" err
'

test_expect_success 'YAML that is no pnpm lockfile: every product, with the reason' '
	(cd pnpm9 && git reset -q --hard start &&
	 printf "just: some yaml\n" >pnpm-lock.yaml && commit_all "not a lockfile") &&
	affected_body -C pnpm9 affected --base HEAD~ >actual &&
	test_grep "^a <- pnpm-lock.yaml \(changed, pnpm-lock.yaml \(as of [0-9a-f]+\) is not a pnpm lockfile" actual &&
	test $(grep -c " <- pnpm-lock.yaml" actual) = 3
'

# A yarn 1 lockfile: yarn1_lock IS_NUMBER LEFT_PAD PRETTIER SCOPE_X [EXTRA]
yarn1_lock() {
	cat <<-EOF
	# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
	# yarn lockfile v1


	"@scope/x@^2.0.0", "@scope/x@^2.1.0":
	  version "$4"
	  resolved "https://registry.yarnpkg.com/@scope/x/-/x-$4.tgz#0123"
	  integrity sha512-x$4

	is-number@^6.0.0:
	  version "$1"
	  resolved "https://registry.yarnpkg.com/is-number/-/is-number-$1.tgz#4567"
	  integrity sha512-n$1

	is-odd@^3.0.0:
	  version "3.0.1"
	  resolved "https://registry.yarnpkg.com/is-odd/-/is-odd-3.0.1.tgz#89ab"
	  integrity sha512-odd
	  dependencies:
	    is-number "^6.0.0"

	left-pad@^1.0.0:
	  version "$2"
	  resolved "https://registry.yarnpkg.com/left-pad/-/left-pad-$2.tgz#cdef"
	  integrity sha512-l$2

	prettier@^3.0.0:
	  version "$3"
	  resolved "https://registry.yarnpkg.com/prettier/-/prettier-$3.tgz#fedc"
	  integrity sha512-p$3
	${5:-}
	EOF
}

test_expect_success 'setup: a yarn 1 workspace: a uses left-pad, b uses a and is-odd, c @scope/x' '
	mkdir yarn1 && cd yarn1 &&
	write_file packages/a/package.json <<-\EOF &&
	{"name": "a", "version": "1.0.0", "dependencies": {"left-pad": "^1.0.0"}}
	EOF
	write_file packages/b/package.json <<-\EOF &&
	{"name": "b", "version": "1.0.0", "dependencies": {"a": "1.0.0", "is-odd": "^3.0.0"}}
	EOF
	write_file packages/c/package.json <<-\EOF &&
	{"name": "c", "version": "1.0.0", "dependencies": {"@scope/x": "^2.1.0"},
	 "peerDependencies": {"left-pad": "^1.0.0"}}
	EOF
	for p in a b c; do echo "export const $p = 1;" >packages/$p/index.js || return 1; done &&
	write_file package.json <<-\EOF &&
	{"name": "ws", "private": true, "workspaces": ["packages/*"],
	 "devDependencies": {"prettier": "^3.0.0"}}
	EOF
	yarn1_lock 6.0.0 1.3.0 3.0.0 2.1.0 >yarn.lock &&
	git init -q . && git add -A && git commit -qm initial && git tag y1
'

test_expect_success 'yarn 1 lockfile: a transitive bump reaches only its user' '
	cd yarn1 && git checkout -q -b y1-transitive y1 &&
	yarn1_lock 6.0.1 1.3.0 3.0.0 2.1.0 >yarn.lock && commit_all bump &&
	cat >"$TRASH/expect" <<-\EOF &&
	b <- yarn.lock (changed, lockfile: is-number 6.0.0 -> 6.0.1)
	not affected: a, c
	EOF
	affected_body affected --base HEAD~ >"$TRASH/actual" &&
	test_cmp "$TRASH/expect" "$TRASH/actual" &&
	"$RELGATE" -v affected --base HEAD~ >"$TRASH/again" 2>"$TRASH/err" &&
	test_grep "from the snapshot" "$TRASH/err" &&
	sed 1d "$TRASH/again" >"$TRASH/actual" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success 'yarn 1 lockfile: a direct dependency of a reaches a and b, which uses a' '
	cd yarn1 && git checkout -q -b y1-direct y1 &&
	yarn1_lock 6.0.0 1.3.1 3.0.0 2.1.0 >yarn.lock && commit_all bump &&
	printf "a\nb\n" >"$TRASH/expect" &&
	affected_names --base HEAD~ >"$TRASH/actual" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success 'yarn 1 lockfile: a scoped entry under two quoted descriptors' '
	cd yarn1 && git checkout -q -b y1-scoped y1 &&
	yarn1_lock 6.0.0 1.3.0 3.0.0 2.1.1 >yarn.lock && commit_all bump &&
	echo c >"$TRASH/expect" &&
	affected_names --base HEAD~ >"$TRASH/actual" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success 'yarn 1 lockfile: a root devDependency reaches every product' '
	cd yarn1 && git checkout -q -b y1-root y1 &&
	yarn1_lock 6.0.0 1.3.0 3.0.1 2.1.0 >yarn.lock && commit_all bump &&
	printf "a\nb\nc\n" >"$TRASH/expect" &&
	affected_names --base HEAD~ >"$TRASH/actual" &&
	test_cmp "$TRASH/expect" "$TRASH/actual" &&
	affected_body affected --base HEAD~ >"$TRASH/actual" &&
	test_grep "^a <- yarn.lock \(changed, yarn.lock: the root.s dependencies: prettier 3.0.0 -> 3.0.1\)" "$TRASH/actual"
'

test_expect_success 'yarn 1 lockfile: comments, CRLF, an entry nobody uses: nothing' '
	cd yarn1 && git checkout -q -b y1-noise y1 &&
	yarn1_lock 6.0.0 1.3.0 3.0.0 2.1.0 "$(printf "unused@^1.0.0:\n  version \"1.0.1\"")" |
		sed "s/\$/\r/; 1i # another comment" >yarn.lock &&
	commit_all noise &&
	echo "not affected: a, b, c" >"$TRASH/expect" &&
	affected_body affected --base HEAD~ >"$TRASH/actual" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success 'yarn 1 lockfile with a syntax error: exit 2, file:line:col' '
	cd yarn1 && git checkout -q -b y1-broken y1 &&
	yarn1_lock 6.0.0 1.3.0 3.0.0 2.1.0 >yarn.lock &&
	printf "left-pad@^2.0.0:\n  version \"2.0.0\n" >>yarn.lock &&
	commit_all broken &&
	test_expect_code 2 "$RELGATE" affected --base HEAD~ 2>"$TRASH/err" &&
	test_grep "^relgate: error: yarn.lock:3[0-9]:11: a quoted string that does not end on its line" "$TRASH/err"
'

test_expect_success 'yarn 1 lockfile: indentation deeper than its block is an error' '
	cd yarn1 && git checkout -q -b y1-indent y1 &&
	printf "a@^1.0.0:\n      version \"1.0.0\"\n" >yarn.lock &&
	commit_all indent &&
	test_expect_code 2 "$RELGATE" affected --base HEAD~ 2>"$TRASH/err" &&
	test_grep "^relgate: error: yarn.lock:2:7: deeper than the line before allows" "$TRASH/err"
'

yarn_berry() { # LEFT_PAD_VERSION
	cat <<-EOF
	# This file is generated by running "yarn install" inside your project.

	__metadata:
	  version: 8
	  cacheKey: 10

	"a@workspace:packages/a":
	  version: 0.0.0-use.local
	  resolution: "a@workspace:packages/a"
	  dependencies:
	    b: "workspace:^"
	    uses-pad: "npm:^1.0.0"
	  languageName: unknown
	  linkType: soft

	"b@workspace:^, b@workspace:packages/b":
	  version: 0.0.0-use.local
	  resolution: "b@workspace:packages/b"
	  dependencies:
	    is-odd: "npm:^3.0.0"
	  languageName: unknown
	  linkType: soft

	"is-odd@npm:^3.0.0":
	  version: 3.0.1
	  resolution: "is-odd@npm:3.0.1"
	  checksum: 10/odd
	  languageName: node
	  linkType: hard

	"left-pad@npm:^1.2.0":
	  version: $1
	  resolution: "left-pad@npm:$1"
	  checksum: 10/pad$1
	  languageName: node
	  linkType: hard

	"root@workspace:.":
	  version: 0.0.0-use.local
	  resolution: "root@workspace:."
	  dependencies:
	    prettier: "npm:^3.0.0"
	  languageName: unknown
	  linkType: soft

	"prettier@npm:^3.0.0":
	  version: 3.0.0
	  resolution: "prettier@npm:3.0.0"
	  checksum: 10/pr
	  languageName: node
	  linkType: hard

	"uses-pad@npm:^1.0.0":
	  version: 1.0.0
	  resolution: "uses-pad@npm:1.0.0"
	  dependencies:
	    left-pad: "npm:^1.2.0"
	  checksum: 10/uses
	  languageName: node
	  linkType: hard
	EOF
}

test_expect_success 'yarn 2+ lockfile: a transitive bump reaches only its user' '
	mkdir berry && cd berry &&
	make_package packages/a a b &&
	make_package packages/b b &&
	make_package packages/c c &&
	yarn_berry 1.2.0 >yarn.lock &&
	make_workspace &&
	yarn_berry 1.2.1 >yarn.lock &&
	commit_all bump &&
	affected_body affected --base HEAD~ >../actual &&
	cd .. &&
	cat >expect <<-\EOF &&
	a <- yarn.lock (changed, lockfile: left-pad 1.2.0 -> 1.2.1)
	not affected: b, c
	EOF
	test_cmp expect actual
'

test_expect_success 'yarn 2+ lockfile: a dependency of b reaches b and a, which depends on it' '
	(cd berry && sed -i "s/version: 3.0.1/version: 3.0.2/; s/is-odd@npm:3.0.1/is-odd@npm:3.0.2/" yarn.lock &&
	 commit_all odd) &&
	(cd berry && affected_names --base HEAD~) >actual &&
	printf "a\nb\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'yarn 2+ lockfile that is no YAML: exit 2, file:line:col' '
	(cd berry && printf "__metadata:\n  version: [8\n" >yarn.lock && commit_all broken) &&
	test_expect_code 2 "$RELGATE" -C berry affected --base HEAD~ 2>err &&
	test_grep "^relgate: error: yarn.lock:[0-9]+:[0-9]+: " err
'

test_expect_success '--files package-lock.json without git: every product, with the reason said' '
	nogit=$(outside_git) &&
	(cd npm && git reset -q --hard start && git archive HEAD) | tar -x -C "$nogit" &&
	printf "a\nb\nc\nd\ne\n" >expect &&
	(cd "$nogit" && affected_names --files package-lock.json) >actual &&
	test_cmp expect actual &&
	jq -r .lockfile .json >actual &&
	echo "package-lock.json is listed, and without git there is no earlier version to compare it with" >expect &&
	test_cmp expect actual
'

test_expect_success '--files package-lock.json that matches HEAD: nothing to compare with, every product' '
	printf "a\nb\nc\nd\ne\n" >expect &&
	(cd npm && affected_names --files package-lock.json) >actual &&
	test_cmp expect actual
'

test_expect_success '--files package-lock.json edited in the working tree: compared with HEAD' '
	(cd npm && lock3 ws 1.2.0 0.9.1 sha512-other100 >package-lock.json) &&
	echo e >expect &&
	(cd npm && affected_names --files package-lock.json) >actual &&
	(cd npm && git checkout -q -- .) &&
	test_cmp expect actual
'

test_expect_success 'cleanup: the folder outside the repository' '
	remove_outside
'

test_done
