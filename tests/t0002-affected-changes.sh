#!/bin/sh
#
# t0002: where the changed files come from: renames and deletions between
# commits, --uncommitted (staged, unstaged, untracked), --files (relative to
# the current folder, with -C, from stdin), files outside every package, a
# workspace in a subfolder of the repository, and a --head other than the
# checked-out commit.

. "$(dirname "$0")/test-lib.sh"
. "$SRCDIR/tests/lib-fixtures.sh"

test_expect_success 'setup: a, b, c; b imports a file of c by a relative path' '
	mkdir ws && cd ws &&
	make_package packages/a a &&
	make_package packages/b b &&
	make_package packages/c c &&
	write_file packages/c/src/util.js <<-\EOF &&
	export const u = 1;
	export const v = 2;
	export const w = 3;
	EOF
	write_file packages/b/src/index.js <<-\EOF &&
	import { u } from "../../c/src/util.js";
	export default u;
	EOF
	echo "# ws" >README.md &&
	make_workspace &&
	git tag start &&
	cd ..
'

test_expect_success 'a rename within a package: that package' '
	(cd ws && git mv packages/a/src/index.js packages/a/src/main.js && commit_all rename) &&
	cat >expect <<-\EOF &&
	a <- packages/a/src/main.js (renamed)
	not affected: b, c
	EOF
	affected_body -C ws affected --base start >actual &&
	test_cmp expect actual &&
	"$RELGATE" -C ws affected --base start --format json >out.json &&
	jq -c .changed out.json >actual &&
	echo "[\"packages/a/src/main.js\",\"packages/a/src/index.js\"]" >expect &&
	test_cmp expect actual
'

test_expect_success 'a rename across packages counts as both paths: both packages' '
	(cd ws && git reset -q --hard start &&
	 git mv packages/c/src/util.js packages/a/src/util.js && commit_all move) &&
	"$RELGATE" -C ws affected --base start --format json >out.json &&
	jq -c .changed out.json >actual &&
	echo "[\"packages/a/src/util.js\",\"packages/c/src/util.js\"]" >expect &&
	test_cmp expect actual &&
	jq -r ".products[].name" out.json >actual &&
	printf "a\nb\nc\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a rename across packages: the chains name both paths' '
	cat >expect <<-\EOF &&
	a <- packages/a/src/util.js (renamed)
	b <- packages/b/src/index.js <- packages/c/src/util.js (renamed away, import)
	c <- packages/c/src/util.js (renamed away)
	EOF
	affected_body -C ws affected --base start >actual &&
	test_cmp expect actual
'

test_expect_success 'a deleted file affects its package and the files that imported it' '
	(cd ws && git reset -q --hard start && git rm -q packages/c/src/util.js && commit_all delete) &&
	cat >expect <<-\EOF &&
	b <- packages/b/src/index.js <- packages/c/src/util.js (deleted, import)
	c <- packages/c/src/util.js (deleted)
	not affected: a
	EOF
	affected_body -C ws affected --base start >actual &&
	test_cmp expect actual
'

test_expect_success 'an added file affects its package' '
	(cd ws && git reset -q --hard start && echo "export const n = 1;" >packages/a/src/new.js && commit_all add) &&
	cat >expect <<-\EOF &&
	a <- packages/a/src/new.js (added)
	not affected: b, c
	EOF
	affected_body -C ws affected --base start >actual &&
	test_cmp expect actual
'

test_expect_success 'the chain names a changed source file before its package.json or README' '
	(cd ws && git reset -q --hard start &&
		echo more >>packages/a/README.md &&
		echo "{\"name\": \"a\", \"version\": \"1.0.1\"}" >packages/a/package.json &&
		echo "export const z = 1;" >>packages/a/src/index.js &&
		commit_all three) &&
	cat >expect <<-\EOF &&
	a <- packages/a/src/index.js (changed)
	not affected: b, c
	EOF
	affected_body -C ws affected --base start >actual &&
	test_cmp expect actual
'

test_expect_success 'without a source file, package.json explains the chain before a README' '
	(cd ws && git reset -q --hard start &&
		echo more >>packages/a/README.md &&
		echo "{\"name\": \"a\", \"version\": \"1.0.1\"}" >packages/a/package.json &&
		commit_all two) &&
	cat >expect <<-\EOF &&
	a <- packages/a/package.json (changed)
	not affected: b, c
	EOF
	affected_body -C ws affected --base start >actual &&
	test_cmp expect actual
'

test_expect_success 'a file outside every package (root README.md) affects no product' '
	(cd ws && git reset -q --hard start && echo more >>README.md && commit_all readme) &&
	cat >expect <<-\EOF &&
	not affected: a, b, c
	EOF
	affected_body -C ws affected --base start >actual &&
	test_cmp expect actual &&
	"$RELGATE" -C ws affected --base start --format json >out.json &&
	jq -c ".changed, .products" out.json >actual &&
	printf "%s\n" "[\"README.md\"]" "[]" >expect &&
	test_cmp expect actual
'

test_expect_success '--uncommitted: a staged change only' '
	(cd ws && git reset -q --hard start &&
	 echo "// staged" >>packages/a/src/index.js && git add packages/a/src/index.js) &&
	cat >expect <<-\EOF &&
	a <- packages/a/src/index.js (changed)
	not affected: b, c
	EOF
	affected_body -C ws affected --uncommitted >actual &&
	test_cmp expect actual
'

test_expect_success '--uncommitted: an unstaged change only' '
	(cd ws && git reset -q --hard start && echo "// unstaged" >>packages/c/src/index.js) &&
	cat >expect <<-\EOF &&
	c <- packages/c/src/index.js (changed)
	not affected: a, b
	EOF
	affected_body -C ws affected --uncommitted >actual &&
	test_cmp expect actual
'

test_expect_success '--uncommitted: an untracked file only' '
	(cd ws && git reset -q --hard start && echo "export const x = 1;" >packages/b/src/extra.js) &&
	cat >expect <<-\EOF &&
	b <- packages/b/src/extra.js (added)
	not affected: a, c
	EOF
	affected_body -C ws affected --uncommitted >actual &&
	rm ws/packages/b/src/extra.js &&
	test_cmp expect actual
'

test_expect_success '--uncommitted: the header names HEAD' '
	cat >expect <<-EOF &&
	1 of 3 products affected by 1 changed file (uncommitted, against $(cd ws && abbrev HEAD))
	EOF
	head -n 1 .text >actual &&
	test_cmp expect actual
'

test_expect_success '--uncommitted: a clean tree has no changes, relgate'"'"'s own cache is none' '
	(cd ws && git reset -q --hard start) &&
	"$RELGATE" -C ws affected --uncommitted --format json >/dev/null &&
	"$RELGATE" -C ws affected --uncommitted --format json >out.json &&
	jq -c ".changed, .products" out.json >actual &&
	printf "%s\n" "[]" "[]" >expect &&
	test_cmp expect actual
'

test_expect_success 'relgate leaves git status clean' '
	git -C ws status --porcelain >actual &&
	test_cmp /dev/null actual
'

test_expect_success '--uncommitted: a file deleted in the working tree still reaches its importers' '
	(cd ws && git reset -q --hard start && rm packages/c/src/util.js) &&
	cat >expect <<-\EOF &&
	b <- packages/b/src/index.js <- packages/c/src/util.js (deleted, import)
	c <- packages/c/src/util.js (deleted)
	not affected: a
	EOF
	affected_body -C ws affected --uncommitted >actual &&
	test_cmp expect actual
'

test_expect_success '--files: a listed path that no longer exists still reaches its importers' '
	cat >expect <<-\EOF &&
	b <- packages/b/src/index.js <- packages/c/src/util.js (listed, import)
	c <- packages/c/src/util.js (listed)
	not affected: a
	EOF
	affected_body -C ws affected --files packages/c/src/util.js >actual &&
	(cd ws && git checkout -q -- .) &&
	test_cmp expect actual
'

test_expect_success '--uncommitted: staged, unstaged and untracked together' '
	(cd ws && git reset -q --hard start &&
	 echo "// staged" >>packages/a/src/index.js && git add packages/a/src/index.js &&
	 echo "// unstaged" >>packages/c/src/util.js &&
	 echo "new" >packages/c/notes.txt) &&
	"$RELGATE" -C ws affected --uncommitted --format json >out.json &&
	jq -r ".changed[]" out.json | sort >actual &&
	printf "%s\n" packages/a/src/index.js packages/c/notes.txt packages/c/src/util.js >expect &&
	test_cmp expect actual &&
	jq -r ".products[].name" out.json >actual &&
	printf "a\nb\nc\n" >expect &&
	test_cmp expect actual &&
	(cd ws && git reset -q --hard start && rm -f packages/c/notes.txt)
'

test_expect_success '--files: paths relative to the current folder' '
	(cd ws/packages && "$RELGATE" affected --files c/src/util.js) >out &&
	sed 1d out >actual &&
	cat >expect <<-\EOF &&
	b <- packages/b/src/index.js <- packages/c/src/util.js (listed, import)
	c <- packages/c/src/util.js (listed)
	not affected: a
	EOF
	test_cmp expect actual
'

test_expect_success '--files: the JSON lists the path relative to the workspace' '
	(cd ws/packages/a && "$RELGATE" affected --format json --files src/index.js) >out.json &&
	jq -c ".changed, [.products[].name]" out.json >actual &&
	printf "%s\n" "[\"packages/a/src/index.js\"]" "[\"a\"]" >expect &&
	test_cmp expect actual
'

test_expect_success '--files with -C: relative to the -C folder' '
	"$RELGATE" -C ws/packages affected --format json --files a/src/index.js ./c/src/../src/index.js >out.json &&
	jq -c ".changed, [.products[].name]" out.json >actual &&
	printf "%s\n" "[\"packages/a/src/index.js\",\"packages/c/src/index.js\"]" "[\"a\",\"c\"]" >expect &&
	test_cmp expect actual
'

test_expect_success '--files: an absolute path' '
	printf "%s\n" "[\"packages/c/src/index.js\"]" "[\"c\"]" >expect &&
	(cd ws && "$RELGATE" affected --format json --files "$TRASH/ws/packages/c/src/index.js") >out.json &&
	jq -c ".changed, [.products[].name]" out.json >actual &&
	test_cmp expect actual
'

test_expect_success '--files -: paths from stdin, one a line' '
	printf "packages/a/src/index.js\r\n\npackages/c/src/index.js\n" |
	"$RELGATE" -C ws affected --format json --files - >out.json &&
	jq -c ".changed, [.products[].name]" out.json >actual &&
	printf "%s\n" "[\"packages/a/src/index.js\",\"packages/c/src/index.js\"]" "[\"a\",\"c\"]" >expect &&
	test_cmp expect actual
'

test_expect_success '--files: a root-level file affects no product' '
	"$RELGATE" -C ws affected --format json --files README.md >out.json &&
	jq -c ".changed, .products, .unaffected" out.json >actual &&
	printf "%s\n" "[\"README.md\"]" "[]" "[\"a\",\"b\",\"c\"]" >expect &&
	test_cmp expect actual
'

test_expect_success '--files: a path outside the workspace is ignored with a warning' '
	"$RELGATE" -C ws affected --format json --files ../elsewhere.js packages/a/src/index.js >out.json 2>err &&
	jq -c ".changed" out.json >actual &&
	echo "[\"packages/a/src/index.js\"]" >expect &&
	test_cmp expect actual &&
	test_grep "warning: ignoring \"../elsewhere.js\"" err
'

test_expect_success 'setup: a workspace in a subfolder of the repository' '
	mkdir mono && cd mono &&
	git init -q &&
	mkdir web && (cd web &&
		make_package packages/a a &&
		make_package packages/b b a &&
		write_file package.json <<-\EOF
		{"name": "web", "private": true, "workspaces": ["packages/*"]}
		EOF
	) &&
	make_package packages/a outside-a &&
	echo "# mono" >README.md &&
	commit_all initial &&
	git tag start &&
	echo "// edit" >>packages/a/src/index.js &&
	echo more >>README.md &&
	echo "// edit" >>web/packages/a/src/index.js &&
	commit_all change &&
	cd ..
'

test_expect_success 'changes outside the workspace folder do not count' '
	"$RELGATE" -C mono/web affected --base start --format json >out.json &&
	jq -c ".changed, [.products[].name]" out.json >actual &&
	printf "%s\n" "[\"packages/a/src/index.js\"]" "[\"a\",\"b\"]" >expect &&
	test_cmp expect actual
'

test_expect_success 'the subfolder workspace is found from deeper folders' '
	cat >expect <<-\EOF &&
	a <- packages/a/src/index.js (changed)
	b <- a (dependency) <- packages/a/src/index.js (changed)
	EOF
	affected_body -C mono/web/packages/b affected --base start >actual &&
	test_cmp expect actual
'

test_expect_success 'a change only outside the subfolder workspace affects nothing' '
	(cd mono && echo again >>README.md && echo "// x" >>packages/a/src/index.js && commit_all outside) &&
	"$RELGATE" -C mono/web affected --base HEAD~ --format json >out.json &&
	jq -c ".changed, .products" out.json >actual &&
	printf "%s\n" "[]" "[]" >expect &&
	test_cmp expect actual
'

test_expect_success '--uncommitted in a subfolder workspace' '
	(cd mono && echo "// y" >>packages/a/src/index.js && echo "// y" >>web/packages/b/src/index.js) &&
	"$RELGATE" -C mono/web affected --uncommitted --format json >out.json &&
	jq -c ".changed, [.products[].name]" out.json >actual &&
	printf "%s\n" "[\"packages/b/src/index.js\"]" "[\"b\"]" >expect &&
	(cd mono && git checkout -q -- .) &&
	test_cmp expect actual
'

test_expect_success 'setup: history where b starts to depend on a, checked out elsewhere' '
	mkdir hist && cd hist &&
	make_package packages/a a &&
	make_package packages/b b &&
	make_package packages/c c &&
	make_workspace &&
	git tag t0 &&
	make_package packages/b b a &&
	write_file packages/c/src/index.js <<-\EOF &&
	import "a";
	EOF
	commit_all "b and c use a" &&
	git tag t1 &&
	touch_commit packages/a/src/index.js &&
	git tag t2 &&
	git checkout -qb other t0 &&
	touch_commit packages/c/src/index.js &&
	cd ..
'

test_expect_success '--head other than the checkout: the graph is read from that commit' '
	cat >expect <<-\EOF &&
	a <- packages/a/src/index.js (changed)
	b <- a (dependency) <- packages/a/src/index.js (changed)
	c <- packages/c/src/index.js <- packages/a/src/index.js (changed, import)
	EOF
	affected_body -C hist affected --base t1 --head t2 >actual &&
	test_cmp expect actual
'

test_expect_success '--head other than the checkout: edges the checkout has do not count' '
	(
		cd hist &&
		git checkout -q -b dropped t2 &&
		make_package packages/b b &&
		echo "// no import" >packages/c/src/index.js &&
		commit_all "drop the edges" &&
		git tag t3 &&
		touch_commit packages/a/src/index.js &&
		git tag t4 &&
		git checkout -q t1
	) &&
	cat >expect <<-\EOF &&
	a <- packages/a/src/index.js (changed)
	not affected: b, c
	EOF
	affected_body -C hist affected --base t3 --head t4 >actual &&
	test_cmp expect actual
'

test_expect_success '--head is a commit id, the base a tag' '
	"$RELGATE" -C hist affected --base t1 --head "$(git -C hist rev-parse t2)" --format json >out.json &&
	jq -r ".head" out.json >actual &&
	git -C hist rev-parse t2 >expect &&
	test_cmp expect actual &&
	jq -r ".base" out.json >actual &&
	git -C hist rev-parse t1 >expect &&
	test_cmp expect actual
'

test_expect_success '--base with the default head reads the committed HEAD, not the working tree' '
	(cd hist && git checkout -q t2 &&
	 make_package packages/b b && echo "// no import" >packages/c/src/index.js) &&
	printf "a\nb\nc\n" >expect &&
	(cd hist && affected_names --base t1) >actual &&
	(cd hist && git checkout -q -- .) &&
	test_cmp expect actual
'

test_done
