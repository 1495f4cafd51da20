#!/bin/sh
#
# t0015: a repeated run on the same commit range reads the change kept by
# commit ids and the head's graph from the snapshot, without opening git:
# the refs are read from the repository's files (HEAD, loose refs,
# packed-refs, a worktree's commondir).  Whatever those files cannot say (a
# loose tag, HEAD~1, GIT_DIR) takes libgit2's way.  Every answer must be
# the one --no-cache gives.

. "$(dirname "$0")/test-lib.sh"
. "$SRCDIR/tests/lib-fixtures.sh"

# Runs affected twice with -v (the second must be served as WAY says: "kept"
# or "git"), and checks both against a run with --no-cache.
same_answer() { # WAY AFFECTED-OPTION...
	way=$1
	shift
	"$RELGATE" affected --no-cache --format json "$@" >"$TRASH/nocache.json" &&
	"$RELGATE" affected --format json "$@" >"$TRASH/first.json" &&
	"$RELGATE" -v affected --format json "$@" >"$TRASH/second.json" 2>"$TRASH/second.err" &&
	test_cmp "$TRASH/nocache.json" "$TRASH/first.json" &&
	test_cmp "$TRASH/nocache.json" "$TRASH/second.json" &&
	case $way in
	kept) test_grep "the change kept by commit ids, git not opened" "$TRASH/second.err" ;;
	git) test_grep_not "git not opened" "$TRASH/second.err" ;;
	esac
}

test_expect_success 'setup: a, b (uses a), c; a feature branch that changes a' '
	mkdir ws && cd ws &&
	abc_workspace &&
	git tag -a -m "a release" v1 &&
	git checkout -q -b feature &&
	touch_commit packages/a/src/index.js &&
	touch_commit packages/c/src/index.js
'

test_expect_success 'a branch name as the base: the second run opens no git, same answer' '
	cd ws && same_answer kept --base main
'

test_expect_success 'a commit id as the base, a branch as the head' '
	cd ws && same_answer kept --base "$(git rev-parse main)" --head feature
'

test_expect_success 'the second run reads no git object (strace)' '
	cd ws &&
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=openat,open -o "$TRASH/trace" \
		"$RELGATE" affected --base main >/dev/null &&
	test_grep_not "\.git/objects" "$TRASH/trace" &&
	test_grep "\.git/(refs/heads/main|packed-refs)" "$TRASH/trace"
'

test_expect_success 'the second run loads neither libgit2 nor libmicrohttpd; the first loads libgit2' '
	cd ws &&
	LD_DEBUG=files "$RELGATE" affected --base main >/dev/null 2>"$TRASH/loaded" &&
	test_grep "file=libjansson" "$TRASH/loaded" &&
	test_grep_not "file=libgit2|file=libmicrohttpd" "$TRASH/loaded" &&
	LD_DEBUG=files "$RELGATE" affected --no-cache --base main >/dev/null 2>"$TRASH/loaded" &&
	test_grep "file=libgit2" "$TRASH/loaded" &&
	test_grep_not "file=libmicrohttpd" "$TRASH/loaded"
'

test_expect_success 'libgit2 started: no CA certificate is read (relgate opens no connection)' '
	cd ws &&
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=openat,open -o "$TRASH/trace" \
		"$RELGATE" affected --no-cache --base main >/dev/null &&
	test_grep "\.git/" "$TRASH/trace" &&
	test_grep_not "ca-certificates|/etc/ssl/certs/" "$TRASH/trace"
'

test_expect_success 'the base branch moves: the new range, not the kept one' '
	cd ws && same_answer kept --base main &&
	git branch -q -f main feature~1 &&
	same_answer kept --base main &&
	jq -r ".products[].name" "$TRASH/second.json" >"$TRASH/actual" &&
	echo c >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual" &&
	git branch -q -f main feature~2
'

test_expect_success 'packed refs (git pack-refs): still read, same answer' '
	cd ws && git pack-refs --all &&
	test ! -e .git/refs/heads/main &&
	same_answer kept --base main
'

test_expect_success 'a remote-tracking branch (origin/main) and a branch with a slash' '
	cd ws && git update-ref refs/remotes/origin/main main &&
	git branch -q team/base main &&
	same_answer kept --base origin/main &&
	same_answer kept --base team/base
'

test_expect_success 'an annotated tag in packed-refs is peeled to its commit' '
	cd ws && same_answer kept --base v1
'

test_expect_success 'a loose annotated tag: left to libgit2, same answer' '
	cd ws && git tag -a -m "another" v2 main &&
	test -f .git/refs/tags/v2 &&
	same_answer git --base v2
'

test_expect_success 'revision syntax (main~0, HEAD^): left to libgit2, same answer' '
	cd ws && same_answer git --base "feature~2" &&
	same_answer git --base main --head "HEAD^0"
'

test_expect_success 'GIT_DIR set: left to libgit2' '
	cd ws && GIT_DIR=$PWD/.git same_answer git --base main
'

test_expect_success 'a worktree: its HEAD, the main repository refs' '
	cd ws && git worktree add -q ../wt main &&
	cd ../wt && git checkout -q -b wt-branch && touch_commit packages/b/src/index.js &&
	same_answer kept --base main &&
	jq -r ".products[].name" "$TRASH/second.json" >"$TRASH/actual" &&
	echo b >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success 'a damaged file of kept ranges is read as none and written again' '
	cd ws && printf "RGRANGE1 damaged" >.relgate/cache/ranges-v1 &&
	"$RELGATE" -v affected --base main >/dev/null 2>"$TRASH/err" &&
	test_grep_not "git not opened" "$TRASH/err" &&
	same_answer kept --base main
'

test_expect_success 'a change to the lockfile or the root package.json: git is opened for it' '
	cd ws && git checkout -q -b root-change feature &&
	echo "{\"name\": \"ws\", \"private\": true, \"workspaces\": [\"packages/*\"], \"scripts\": {\"x\": \"y\"}}" \
		>package.json &&
	commit_all "root scripts" &&
	same_answer git --base main
'

test_expect_success 'a first run lists the head from git index when it holds the head tree' '
	cd ws && git checkout -q feature &&
	"$RELGATE" -v affected --no-cache --base main --format json >"$TRASH/index.json" 2>"$TRASH/err" &&
	test_grep "from git.s index" "$TRASH/err" &&
	GIT_INDEX_FILE=/nonexistent "$RELGATE" -v affected --no-cache --base main --format json \
		>"$TRASH/walk.json" 2>"$TRASH/err" &&
	test_grep_not "from git.s index" "$TRASH/err" &&
	test_cmp "$TRASH/walk.json" "$TRASH/index.json"
'

test_expect_success 'an index that differs from the head (a staged edit): the trees are walked' '
	cd ws && git checkout -q feature &&
	echo "export const staged = 1;" >packages/c/src/staged.js &&
	git add packages/c/src/staged.js &&
	"$RELGATE" -v affected --no-cache --base main --format json >"$TRASH/out.json" 2>"$TRASH/err" &&
	"$RELGATE" graph --no-cache --file-nodes >"$TRASH/graph.json" &&
	GIT_INDEX_FILE=/nonexistent "$RELGATE" graph --no-cache --file-nodes >"$TRASH/walk.json" &&
	git rm -q --cached packages/c/src/staged.js && rm packages/c/src/staged.js &&
	test_grep_not "from git.s index" "$TRASH/err" &&
	test_cmp "$TRASH/walk.json" "$TRASH/graph.json" &&
	jq -r ".products[].name" "$TRASH/out.json" >"$TRASH/actual" &&
	printf "a\nb\nc\n" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success 'a head other than the checkout: the trees are walked' '
	cd ws && git checkout -q main &&
	"$RELGATE" -v affected --no-cache --base main~0 --head feature >/dev/null 2>"$TRASH/err" &&
	git checkout -q feature &&
	test_grep_not "from git.s index" "$TRASH/err"
'

test_expect_success 'a file edited after the checkout, its size and time put back: read from git' '
	mkdir edited && cd edited &&
	make_package packages/a a &&
	make_package packages/d d &&
	make_workspace &&
	touch_commit packages/a/src/index.js &&
	# the same length, an import of a; touch puts the time back, not the change time
	f=packages/d/src/index.js &&
	touch -r "$f" "$TRASH/when" &&
	printf "%s" "import \"a\"; /*" >"$TRASH/edit" &&
	head -c $(( $(wc -c <"$f") - $(wc -c <"$TRASH/edit") - 3 )) /dev/zero | tr "\0" x \
		>>"$TRASH/edit" &&
	printf "*/\n" >>"$TRASH/edit" &&
	test $(wc -c <"$TRASH/edit") = $(wc -c <"$f") &&
	cp "$TRASH/edit" "$f" && touch -r "$TRASH/when" "$f" &&
	"$RELGATE" -v affected --no-cache --base HEAD~ --format json >"$TRASH/out.json" 2>"$TRASH/err" &&
	git checkout -q -- "$f" &&
	test_grep "from git.s index" "$TRASH/err" &&
	jq -r ".products[].name" "$TRASH/out.json" >"$TRASH/actual" &&
	echo a >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/actual"
'

test_expect_success 'a kept range with a snapshot of another key: the snapshot is read once' '
	cd ws && git checkout -q feature &&
	"$RELGATE" affected --base main >/dev/null &&
	echo "{\"globalInputs\": [\"none/**\"]}" >relgate.json &&
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=openat,open -o "$TRASH/trace" \
		"$RELGATE" affected --base main >/dev/null &&
	rm relgate.json &&
	test $(grep -c "graph-v1\"" "$TRASH/trace") = 1
'

test_expect_success 'a new range: the kept ranges are read twice, not three times' '
	cd ws && git checkout -q -b fresh feature &&
	touch_commit packages/c/src/index.js &&
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=openat,open -o "$TRASH/trace" \
		"$RELGATE" affected --base main >/dev/null &&
	test $(grep -c "ranges-v1\"" "$TRASH/trace") = 2 &&
	same_answer kept --base main &&
	git checkout -q feature
'

test_done
