#!/bin/sh
#
# t0005: bad input never crashes relgate and never hangs it: invalid JSON
# (with file:line:col), unknown keys, unknown revisions, no repository,
# missing workspace folders, symbolic link loops, unreadable, huge, binary
# and oddly named files, shallow clones, and wrong options.  Every failure
# is an exit code from 1 to 3.

. "$(dirname "$0")/test-lib.sh"
. "$SRCDIR/tests/lib-fixtures.sh"

# The command must end with code 1, 2 or 3, and in time.
fails_cleanly() {
	timeout 60 "$@"
	ret=$?
	case $ret in
	1|2|3) return 0 ;;
	esac
	echo "fails_cleanly: exit code $ret (wanted 1, 2 or 3): $*"
	return 1
}

test_expect_success 'setup: a, b depends on a' '
	mkdir ws && cd ws &&
	make_package packages/a a &&
	make_package packages/b b a &&
	make_workspace &&
	git tag start &&
	cd ..
'

test_expect_success 'invalid JSON in a package.json: exit 2, file:line:col' '
	(cd ws && git checkout -q -b bad-manifest start &&
	 printf "{\"name\": \"a\",\n  \"version\": \"1.0.0\",\n}\n" >packages/a/package.json &&
	 commit_all "bad manifest") &&
	test_expect_code 2 "$RELGATE" -C ws affected --base start 2>err &&
	test_grep "^relgate: error: packages/a/package.json:3:1: " err
'

test_expect_success 'invalid JSON in a package.json: a wrong number' '
	(cd ws && printf "{\"name\": \"a\",\n  \"version\": 1.0.0\n}\n" >packages/a/package.json &&
	 commit_all "bad number") &&
	test_expect_code 2 "$RELGATE" -C ws affected --base start 2>err &&
	test_grep "^relgate: error: packages/a/package.json:2:17: " err
'

test_expect_success 'an empty package.json: exit 2, and columns count from 1' '
	(cd ws && git checkout -q -b empty-manifest start &&
	 : >packages/a/package.json && commit_all "empty manifest") &&
	test_expect_code 2 "$RELGATE" -C ws affected --base start 2>err &&
	test_grep "^relgate: error: packages/a/package.json:1:1: " err
'

test_expect_success 'invalid JSON in the root package.json: exit 2, file:line:col' '
	(cd ws && git checkout -q -b bad-root start &&
	 printf "{\n  \"name\": \"ws\",\n  \"workspaces\": [\"packages/*\"\n}\n" >package.json &&
	 commit_all "bad root") &&
	test_expect_code 2 "$RELGATE" -C ws affected --base start 2>err &&
	test_grep "^relgate: error: package.json:4:1: " err
'

test_expect_success 'invalid JSON in relgate.json: exit 2, file:line:col' '
	(cd ws && git checkout -q -b bad-config start &&
	 printf "{\"products\": {\n  \"a\": {,}\n}}\n" >relgate.json && commit_all "bad config") &&
	test_expect_code 2 "$RELGATE" -C ws affected --base start 2>err &&
	test_grep "relgate.json:2:9: " err
'

test_expect_success 'an unknown key in relgate.json: exit 2, file:line:col of the key' '
	(cd ws && printf "{\"products\": {\n  \"a\": {\"package\": \"a\",\n        \"pakage\": \"b\"}\n}}\n" >relgate.json &&
	 commit_all "unknown key") &&
	test_expect_code 2 "$RELGATE" -C ws affected --base start 2>err &&
	test_grep "relgate.json:3:9: unknown key \"pakage\"" err
'

test_expect_success 'invalid JSON in tsconfig.json: exit 2, file:line:col' '
	(cd ws && git checkout -q -b bad-tsconfig start &&
	 echo "import { name } from \"a\";" >packages/b/src/index.js &&
	 printf "{\n  // comments are fine\n  \"compilerOptions\": {\n    \"baseUrl\": .\n  }\n}\n" >tsconfig.json &&
	 commit_all "bad tsconfig") &&
	test_expect_code 2 "$RELGATE" -C ws affected --base start 2>err &&
	test_grep "^relgate: error: tsconfig.json:4:16: " err
'

test_expect_success 'invalid JSON in package-lock.json: exit 2, file:line:col' '
	(cd ws && git checkout -q -b bad-lock start &&
	 printf "{\"lockfileVersion\": 3,\n \"packages\": {\n  \"\": {}\n  }}\n" >package-lock.json &&
	 commit_all "lock" &&
	 printf "{\"lockfileVersion\": 3,\n \"packages\": {\n  \"\": {},\n  }}\n" >package-lock.json &&
	 commit_all "bad lock") &&
	test_expect_code 2 "$RELGATE" -C ws affected --base HEAD~ 2>err &&
	test_grep "package-lock.json:4:3: " err
'

test_expect_success 'the column of a JSON error is where the unexpected token starts' '
	(cd ws && git checkout -q -b bad-token start &&
	 printf "{\"name\": \"a\"\n  \"version\": \"1.0.0\"}\n" >packages/a/package.json &&
	 commit_all "missing comma") &&
	test_expect_code 2 "$RELGATE" -C ws affected --base start 2>err &&
	test_grep "^relgate: error: packages/a/package.json:2:3: " err
'

test_expect_success 'invalid YAML in pnpm-workspace.yaml: exit 2, file:line:col' '
	(cd ws && git checkout -q -b bad-yaml start &&
	 printf "packages:\n  - packages/*\n  - [apps\n" >pnpm-workspace.yaml &&
	 commit_all "bad yaml") &&
	test_expect_code 2 "$RELGATE" -C ws affected --base start 2>err &&
	test_grep "^relgate: error: pnpm-workspace.yaml:[0-9]+:[0-9]+: " err
'

test_expect_success 'an unknown git revision: exit 3, named' '
	test_expect_code 3 "$RELGATE" -C ws affected --base no-such-ref 2>err &&
	test_grep "no-such-ref" err &&
	test_expect_code 3 "$RELGATE" -C ws affected --base start --head no-such-head 2>err &&
	test_grep "no-such-head" err
'

test_expect_success 'a revision that is no commit: exit 3' '
	test_expect_code 3 "$RELGATE" -C ws affected --base "start^{tree}" 2>err &&
	test_grep "start\^\{tree\}" err
'

test_expect_success 'setup: the workspace outside any git repository' '
	nogit=$(outside_git) &&
	(cd ws && git checkout -q main && git archive HEAD) | tar -x -C "$nogit"
'

test_expect_success 'no git repository and --base: exit 3, with a hint' '
	test_expect_code 3 "$RELGATE" -C "$nogit" affected --base main 2>err &&
	test_grep "not inside a git repository" err &&
	test_expect_code 3 "$RELGATE" -C "$nogit" affected --uncommitted 2>err
'

test_expect_success 'no git repository and --files: it works' '
	cat >expect <<-\EOF &&
	2 of 2 products affected by 1 changed file
	a <- packages/a/src/index.js (listed)
	b <- a (dependency) <- packages/a/src/index.js (listed)
	EOF
	"$RELGATE" -C "$nogit" affected --files packages/a/src/index.js >actual &&
	test_cmp expect actual
'

test_expect_success 'no git repository: graph works' '
	"$RELGATE" -C "$nogit" graph --format json >out.json &&
	jq -r "[.nodes[] | select(.kind == \"package\") | .name] | sort | join(\" \")" out.json >actual &&
	echo "a b ws" >expect &&
	test_cmp expect actual
'

test_expect_success 'a literal workspace folder without package.json is skipped, as npm does' '
	(cd ws && git checkout -q -b missing start &&
	 write_file package.json <<-\EOF &&
	{"name": "ws", "private": true,
	 "workspaces": ["packages/*", "tools/missing"]}
	EOF
	 commit_all missing) &&
	"$RELGATE" -C ws affected --base start >out 2>err &&
	test_grep "^relgate: warning: package.json:2:31: workspace folder \"tools/missing\" has no package.json" err
'

test_expect_success 'a glob that matches no package is only a warning' '
	(cd ws && git checkout -q -b empty-glob start &&
	 write_file package.json <<-\EOF &&
	{"name": "ws", "private": true, "workspaces": ["packages/*", "nothing/*"]}
	EOF
	 commit_all "empty glob") &&
	"$RELGATE" -C ws affected --base start >out 2>err &&
	test_grep "warning: .*\"nothing/\*\" matches no package" err
'

test_expect_success 'setup: symbolic link loops in the workspace' '
	mkdir loops && cd loops &&
	make_package packages/a a &&
	make_package packages/b b a &&
	ln -s . packages/a/loop &&
	ln -s b packages/b/c &&
	ln -s c packages/b/b &&
	ln -s ../.. packages/b/up &&
	write_file packages/b/src/index.js <<-\EOF &&
	import "../loop/loop/loop/src/index.js";
	import "../b";
	import "../up/packages/a/src/index.js";
	EOF
	make_workspace &&
	touch_commit packages/a/src/index.js &&
	cd ..
'

test_expect_success 'symbolic link loops: --base neither hangs nor crashes' '
	printf "a\nb\n" >expect &&
	(cd loops && timeout 30 "$RELGATE" affected --base HEAD~ --format json) >out.json &&
	jq -r ".products[].name" out.json >actual &&
	test_cmp expect actual
'

test_expect_success 'symbolic link loops: --uncommitted and --files neither hang nor crash' '
	(cd loops && echo "// x" >>packages/a/src/index.js &&
	 timeout 30 "$RELGATE" affected --uncommitted --format json) >out.json &&
	jq -r ".products[].name" out.json >actual &&
	test_cmp expect actual &&
	(cd loops && timeout 30 "$RELGATE" affected --files packages/a/src/index.js --format json) >out.json &&
	jq -r ".products[].name" out.json >actual &&
	test_cmp expect actual
'

test_expect_success 'symbolic link loops without git: the folder walk neither hangs nor crashes' '
	loopdir=$(outside_git) &&
	mkdir -p "$loopdir/packages" &&
	cp -R loops/packages/a loops/packages/b "$loopdir/packages/" &&
	cp loops/package.json "$loopdir/" &&
	(cd "$loopdir" && timeout 30 "$RELGATE" affected --files packages/a/src/index.js --format json) >out.json &&
	jq -r ".products[].name" out.json >actual &&
	test_cmp expect actual &&
	(cd "$loopdir" && timeout 30 "$RELGATE" graph --files --format dot) >out.dot &&
	test_grep "^digraph" out.dot
'

# Root reads every file: as root, relgate runs as nobody for this test
# (setpriv is util-linux's).
as_user=
if test "$(id -u)" = 0; then
	if command -v setpriv >/dev/null && id -u nobody >/dev/null 2>&1; then
		as_user="setpriv --reuid=$(id -u nobody) --regid=$(id -g nobody) --clear-groups"
	else
		as_user=none
	fi
fi
if test "$as_user" = none; then
	test_skip 'an unreadable file: exit 3, named' 'root reads every file, and setpriv or the user nobody is missing'
else
	test_expect_success 'an unreadable file: exit 3, named' '
		(cd ws && git checkout -q main) &&
		echo "import \"a\";" >ws/packages/b/src/locked.js &&
		chmod 000 ws/packages/b/src/locked.js &&
		test_expect_code 3 $as_user "$RELGATE" -C ws affected --files packages/a/src/index.js 2>err;
		ret=$? &&
		chmod 644 ws/packages/b/src/locked.js &&
		rm ws/packages/b/src/locked.js &&
		test $ret = 0 &&
		test_grep "packages/b/src/locked.js" err
	'
fi

test_expect_success 'a 100 MB JavaScript file of imports: it works, in bounded time' '
	(cd ws && git checkout -q main) &&
	yes "import { name } from \"a\"; // one line of a very large generated file" |
	head -c 104857600 >ws/packages/b/src/huge.js &&
	test $(wc -c <ws/packages/b/src/huge.js) = 104857600 &&
	cat >expect <<-\EOF &&
	a <- packages/a/src/index.js (listed)
	b <- a (dependency) <- packages/a/src/index.js (listed)
	EOF
	affected_body -C ws affected --no-cache --files packages/a/src/index.js >actual &&
	test_cmp expect actual &&
	printf "b\n" >expect &&
	(cd ws && timeout 60 "$RELGATE" -q affected --files packages/b/src/huge.js) >actual &&
	rm ws/packages/b/src/huge.js &&
	test_cmp expect actual
'

test_expect_success 'a binary file with a .js name: a warning, no crash' '
	(cd ws && git checkout -q -b binary start &&
	 printf "\177ELF\0\0\0\1import \"a\";\0\0" >packages/b/src/blob.js &&
	 head -c 4096 /dev/zero >>packages/b/src/blob.js &&
	 commit_all binary) &&
	"$RELGATE" -C ws affected --base start --no-cache --format json >out.json 2>err &&
	test_grep "warning: packages/b/src/blob.js: binary" err &&
	jq -r "[.products[].name] | join(\" \")" out.json >actual &&
	echo b >expect &&
	test_cmp expect actual
'

test_expect_success 'the repeated run loads the snapshot and says the same warning again' '
	rm -rf ws/.relgate &&
	"$RELGATE" -C ws -v affected --base start >out 2>err1 &&
	"$RELGATE" -C ws -v affected --base start >out 2>err2 &&
	test_grep_not "from the snapshot" err1 &&
	test_grep "the head.s graph from the snapshot" err2 &&
	grep "warning:" err1 >expect &&
	grep "warning:" err2 >actual &&
	test_grep "warning: packages/b/src/blob.js: binary" actual &&
	test_cmp expect actual
'

test_expect_success 'a warning about the cache itself is not kept in the snapshot' '
	rm -rf ws/.relgate &&
	"$RELGATE" -C ws affected --base start >out 2>err &&
	for f in ws/.relgate/cache/facts-*; do printf "damage" >"$f" || return 1; done &&
	rm -f ws/.relgate/cache/graph-* &&
	"$RELGATE" -C ws affected --base start >out 2>err1 &&
	test_grep "damaged cache" err1 &&
	"$RELGATE" -C ws affected --base start >out 2>err2 &&
	test_grep_not "damaged cache" err2 &&
	test_grep "warning: packages/b/src/blob.js: binary" err2
'

test_expect_success 'non-UTF-8 file names: it works, and the JSON stays valid' '
	(cd ws && git checkout -q -b latin1 start &&
	 name=$(printf "packages/a/src/\377\376.js") &&
	 echo "export const odd = 1;" >"$name" &&
	 commit_all latin1) &&
	"$RELGATE" -C ws affected --base start --format json >out.json &&
	jq -r "[.products[].name] | join(\" \")" out.json >actual &&
	echo "a b" >expect &&
	test_cmp expect actual &&
	jq -r ".changed | length" out.json >actual &&
	echo 1 >expect &&
	test_cmp expect actual &&
	"$RELGATE" -C ws affected --base start >out.txt &&
	"$RELGATE" -C ws affected --base start --format markdown >out.md &&
	"$RELGATE" -C ws graph --files --format json | jq -e ".nodes | length > 0"
'

test_expect_success 'non-UTF-8 file names: the JSON is UTF-8, as JSON must be' '
	iconv -f UTF-8 -t UTF-8 out.json >/dev/null
'

test_expect_success 'setup: a shallow clone whose history lacks the merge-base' '
	(cd ws && git checkout -q main &&
	 git checkout -q -b feature start && touch_commit packages/b/src/index.js &&
	 git checkout -q main && touch_commit packages/a/src/index.js &&
	 touch_commit packages/a/src/index.js) &&
	git clone -q --depth 1 --no-single-branch "file://$TRASH/ws" shallow &&
	test -f shallow/.git/shallow
'

test_expect_success 'a shallow clone: exit 3, and the message says to fetch more history' '
	test_expect_code 3 "$RELGATE" -C shallow affected --base origin/feature 2>err &&
	test_grep "shallow" err &&
	test_grep "fetch" err
'

test_expect_success 'a shallow clone: HEAD~2 past its depth says to fetch more history, exit 3' '
	test_expect_code 3 "$RELGATE" -C shallow affected --base HEAD~2 2>err &&
	test_grep "HEAD~2" err &&
	test_grep "shallow" err &&
	test_grep "git fetch --deepen" err
'

test_expect_success 'a shallow clone with commit dates that run backwards: the merge-base it holds is found' '
	git clone -q --depth 2 "file://$TRASH/ws" backwards &&
	(cd backwards &&
	 echo "// x" >>packages/a/src/index.js && git add -A &&
	 GIT_COMMITTER_DATE=2001-01-01T00:00:00Z git commit -qm x && git tag x &&
	 echo "// y" >>packages/b/src/index.js && git add -A &&
	 GIT_COMMITTER_DATE=2000-01-01T00:00:00Z git commit -qm y) &&
	test "$(git -C backwards merge-base x HEAD)" = "$(git -C backwards rev-parse x)" &&
	echo b >expect &&
	(cd backwards && affected_names --base x) >actual &&
	test_cmp expect actual
'

test_expect_success 'a shallow clone deep enough: it works' '
	git -C shallow fetch -q --unshallow &&
	echo b >expect &&
	(cd shallow && affected_names --base main --head origin/feature) >actual &&
	test_cmp expect actual
'

test_expect_success 'no common history: exit 3' '
	(cd ws && git checkout -q --orphan lonely && commit_all lonely && git checkout -q main) &&
	test_expect_code 3 "$RELGATE" -C ws affected --base lonely 2>err &&
	test_grep "merge-base|common history" err
'

test_expect_success 'usage errors: exit 2' '
	test_expect_code 2 "$RELGATE" -C ws affected --head main 2>err &&
	test_grep "head" err &&
	test_expect_code 2 "$RELGATE" -C ws affected 2>err &&
	test_grep "say which change" err &&
	test_expect_code 2 "$RELGATE" -C ws affected --base main --format nonsense 2>err &&
	test_grep "nonsense" err &&
	test_expect_code 2 "$RELGATE" -C ws affected --base main --uncommitted 2>err &&
	test_expect_code 2 "$RELGATE" -C ws affected --base main extra 2>err &&
	test_expect_code 2 "$RELGATE" -C ws affected --files 2>err &&
	test_expect_code 2 "$RELGATE" -C ws affected --bogus 2>err &&
	test_expect_code 2 "$RELGATE" -C ws graph --format markdown 2>err &&
	test_expect_code 2 "$RELGATE" -C ws graph extra 2>err &&
	test_expect_code 2 "$RELGATE" -C ws no-such-command 2>err &&
	test_expect_code 2 "$RELGATE" --color sometimes affected --base main 2>err &&
	test_expect_code 2 "$RELGATE" -C 2>err &&
	test_expect_code 2 "$RELGATE" 2>err
'

test_expect_success '-C to a missing folder: a clean failure' '
	fails_cleanly "$RELGATE" -C no/such/folder affected --base main 2>err &&
	test_grep "no/such/folder" err
'

test_expect_success '--config naming a missing file: a clean failure, named' '
	fails_cleanly "$RELGATE" -C ws --config nope.json affected --base main 2>err &&
	test_grep "nope.json" err
'

test_expect_success 'a closed standard output is an error, not a crash' '
	(cd ws && "$RELGATE" affected --base start --format json >&-) 2>err;
	ret=$? &&
	test $ret -ge 1 && test $ret -le 3
'

test_expect_success 'cleanup: the folders outside the repository' '
	remove_outside
'

test_done
