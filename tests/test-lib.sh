# test-lib.sh: the helpers every end-to-end test sources, after git's t/test-lib.sh.
#
#   . "$(dirname "$0")/test-lib.sh"
#   test_expect_success 'title' 'commands'
#   test_done
#
# Each test script runs in its own scratch folder ($TRASH, removed at the end
# unless the script failed or RELGATE_KEEP_TRASH is set) and prints TAP for prove.
# $RELGATE is the binary under test, $SRCDIR the repository root.

set -u

SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
RELGATE=${RELGATE:-$SRCDIR/relgate}
TEST_NAME=$(basename "$0" .sh)
TRASH=$SRCDIR/tests/trash/$TEST_NAME
export SRCDIR RELGATE TRASH

# CI sets RELGATE_NO_SKIP: there a missing tool is a failure, not a skip,
# so that a test cannot pass by not running.
skip_all() {
	if test -n "${RELGATE_NO_SKIP:-}"; then
		echo "Bail out! cannot run: $*"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	cd / && rm -rf "$TRASH"
	exit 0
}

# The example workspace with its npm packages, and the tools its builds
# need: skips the file without them (or bails out under
# RELGATE_REQUIRE_PEERS, where they must be there).  Sets $HS and $REPLAY.
require_hotel_suite() {
	HS=$SRCDIR/examples/hotel-suite
	REPLAY=$HS/replay-incident.sh
	command -v jq >/dev/null || skip_all "jq is missing (apt-get install jq)"
	test -x "$REPLAY" || skip_all "$REPLAY is missing"
	if ! test -d "$HS/node_modules/terser" || ! test -d "$HS/node_modules/playwright-core"; then
		if test -n "${RELGATE_REQUIRE_PEERS:-}"; then
			echo "Bail out! examples/hotel-suite has no node_modules/terser or playwright-core: run npm ci there (make test does)"
			exit 1
		fi
		skip_all "examples/hotel-suite needs npm ci (make test does it)"
	fi
	command -v npm >/dev/null || skip_all "npm is missing (apt-get install nodejs npm)"
	test -x /usr/bin/chromium || skip_all "no /usr/bin/chromium (apt-get install chromium)"
}

# A peer (turbo, node) a differential test needs is missing: skipped, or a
# failure where RELGATE_REQUIRE_PEERS=1 (as in CI).
missing_peer() {
	if [ "${RELGATE_REQUIRE_PEERS:-0}" = 1 ]; then
		echo "Bail out! $1"
		exit 1
	fi
	skip_all "$1 (RELGATE_REQUIRE_PEERS=1 makes this a failure)"
}

test -x "$RELGATE" || skip_all "$RELGATE is not built (run make)"

rm -rf "$TRASH"
mkdir -p "$TRASH"
cd "$TRASH" || exit 1

# A fixed identity and no user configuration, so that tests do not depend
# on the machine.
export GIT_AUTHOR_NAME='Test Author' GIT_AUTHOR_EMAIL='author@example.com'
export GIT_COMMITTER_NAME='Test Committer' GIT_COMMITTER_EMAIL='committer@example.com'
export GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z'
export GIT_CONFIG_NOSYSTEM=1 HOME=$TRASH XDG_CONFIG_HOME=$TRASH/.config
export NO_COLOR=1 TZ=UTC LC_ALL=C
git config --global init.defaultBranch main 2>/dev/null
git config --global advice.detachedHead false 2>/dev/null

test_count=0
test_failed=0
test_skipped=0

say() { printf '# %s\n' "$*"; }

# Commands run before the body of each test, in the same shell (the hook of
# the files sourced after this one: lib-fixtures.sh sets it so that every
# test starts in the scratch folder).  A failure of theirs fails the test.
test_before_each=

# Run the commands of a test in a subshell-free eval, so that variables set
# by one test are seen by the next (as in git's test suite).
test_run_() {
	: >"$TRASH/.out"
	if test -n "$test_before_each" &&
		! eval >>"$TRASH/.out" 2>&1 "$test_before_each"; then
		echo "failed before the test: $test_before_each" >>"$TRASH/.out"
		return 1
	fi
	eval >>"$TRASH/.out" 2>&1 "$1"
	eval_ret=$?
	return $eval_ret
}

test_report_failure_() {
	printf 'not ok %d - %s\n' "$test_count" "$1"
	sed -e 's/^/#   /' <<-EOF
	$2
	EOF
	if test -s "$TRASH/.out"; then
		echo "#   output:"
		sed -e 's/^/#   | /' "$TRASH/.out" | head -n 60
	fi
	# prove shows a test's standard error even when not verbose: a failure
	# in CI then says what went wrong, not only its number
	if test -s "$TRASH/.out"; then
		printf '%s: test %d (%s) failed; its output:\n' "$TEST_NAME" "$test_count" "$1"
		sed -e 's/^/  | /' "$TRASH/.out" | tail -n 30
	fi >&2
	test_failed=$((test_failed + 1))
}

test_expect_success() {
	test_count=$((test_count + 1))
	if test_run_ "$2"; then
		printf 'ok %d - %s\n' "$test_count" "$1"
	else
		test_report_failure_ "$1" "$2"
	fi
}

# A known breakage: reported as TODO, so that it does not fail the run.
test_expect_failure() {
	test_count=$((test_count + 1))
	if test_run_ "$2"; then
		printf 'ok %d - %s # TODO known breakage vanished\n' "$test_count" "$1"
	else
		printf 'not ok %d - %s # TODO known breakage\n' "$test_count" "$1"
	fi
}

# test_skip TITLE WHY: a test that cannot run here.  Under RELGATE_NO_SKIP
# (see skip_all) it fails instead.
test_skip() {
	test_count=$((test_count + 1))
	if test -n "${RELGATE_NO_SKIP:-}"; then
		printf 'not ok %d - %s\n' "$test_count" "$1"
		printf '#   cannot run (RELGATE_NO_SKIP is set): %s\n' "$2"
		test_failed=$((test_failed + 1))
		return
	fi
	test_skipped=$((test_skipped + 1))
	printf 'ok %d # skip %s (%s)\n' "$test_count" "$1" "$2"
}

# The command must fail with a code from 1 to 125 (not a crash, not a signal).
test_must_fail() {
	"$@"
	ret=$?
	if test $ret -eq 0; then
		echo "test_must_fail: command succeeded: $*"
		return 1
	elif test $ret -gt 125; then
		echo "test_must_fail: command died with code $ret (a crash?): $*"
		return 1
	fi
	return 0
}

# The command must end with exactly this exit code.
test_expect_code() {
	want=$1
	shift
	"$@"
	ret=$?
	if test $ret -ne "$want"; then
		echo "test_expect_code: wanted $want, got $ret: $*"
		return 1
	fi
	return 0
}

test_cmp() {
	diff -u "$1" "$2"
}

# The file must contain a line matching the pattern (grep -E).
test_must_be_empty() {
	if test -s "$1"; then
		echo "$1 is not empty:"
		head -n 20 "$1"
		return 1
	fi
}

test_grep() {
	if ! grep -E -e "$1" "$2" >/dev/null; then
		echo "test_grep: no line matches '$1' in $2:"
		sed 's/^/  | /' "$2" | head -n 40
		return 1
	fi
}

test_grep_not() {
	if grep -E -e "$1" "$2" >/dev/null; then
		echo "test_grep_not: a line matches '$1' in $2:"
		grep -E -e "$1" "$2" | sed 's/^/  | /' | head -n 20
		return 1
	fi
}

# Write a file, making its folders: write_file PATH <<EOF ... EOF
write_file() {
	mkdir -p "$(dirname "$1")" && cat >"$1"
}

# A workspace package: make_package DIR NAME [DEP...] (dependencies on NAMEs)
make_package() {
	dir=$1 name=$2
	shift 2
	deps=
	for d in "$@"; do
		deps="$deps${deps:+, }\"$d\": \"*\""
	done
	write_file "$dir/package.json" <<-EOF
	{"name": "$name", "version": "1.0.0", "main": "src/index.js", "dependencies": {$deps}}
	EOF
	test -f "$dir/src/index.js" || write_file "$dir/src/index.js" <<-EOF
	export const name = '$name';
	EOF
}

# An npm workspace in the current folder, committed: make_workspace [PATTERN...]
make_workspace() {
	pats=
	for p in "${@:-packages/*}"; do
		pats="$pats${pats:+, }\"$p\""
	done
	write_file package.json <<-EOF
	{"name": "ws", "private": true, "workspaces": [$pats]}
	EOF
	git init -q . && git add -A && git commit -qm initial
}

# Milliseconds since the epoch.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# Is process $1 running (not gone, not a zombie)?
alive() {
	test -e "/proc/$1" || return 1
	state=$(sed -e 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d" " -f1)
	test -n "$state" && test "$state" != Z
}

# tagged NAME=VALUE: the pids of live processes, other than this shell, whose
# environment holds that line (the tag a test gives what it starts).
tagged() {
	grep -lzx "$1" /proc/[0-9]*/environ 2>/dev/null |
		sed -e 's|^/proc/||' -e 's|/environ$||' |
		while read -r p; do
			test "$p" != $$ && alive "$p" && echo "$p"
		done
}

# no_survivors NAME=VALUE: no process so tagged may live (2 s are given for
# the kernel to finish killing); survivors are listed, then killed so that
# they do not outlive the test.
no_survivors() {
	i=0
	while test $i -lt 20; do
		left=$(tagged "$1")
		test -z "$left" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "processes tagged $1 are left behind:"
	for p in $left; do
		printf '  %s %s\n' "$p" "$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline")"
	done
	# shellcheck disable=SC2086
	kill -9 $left 2>/dev/null
	return 1
}

# wait_bounded PID SECONDS: wait for a background job, at most SECONDS;
# a job still running then is killed, and 255 returned.
wait_bounded() {
	i=0
	while alive "$1" && test $i -lt $(($2 * 10)); do
		sleep 0.1
		i=$((i + 1))
	done
	if alive "$1"; then
		echo "still running $2 s later: killed"
		kill -9 "$1"
		wait "$1"
		return 255
	fi
	wait "$1"
}

# Names of products (or packages) in affected's JSON, one a line, sorted.
affected_names() {
	"$RELGATE" affected --format json "$@" >"$TRASH/.json" || return $?
	jq -r '.products[].name' "$TRASH/.json" | LC_ALL=C sort
}

test_done() {
	echo "1..$test_count"
	if test $test_failed -gt 0; then
		say "failed $test_failed of $test_count test(s); scratch folder kept: $TRASH"
		exit 1
	fi
	if test -z "${RELGATE_KEEP_TRASH:-}"; then
		cd / && rm -rf "$TRASH"
	fi
	exit 0
}
