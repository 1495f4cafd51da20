#!/bin/sh
#
# t0201: kill -9 at random instants during relgate release and relgate
# rollback, 200 times (CRASH_ROUNDS).  After every kill, before anything
# repairs the store: current names a complete release, and every file of
# it is what its manifest says.  Then relgate fsck repairs the rest: it
# exits 0, and the history's active release is current.

. "$(dirname "$0")/test-lib.sh"

command -v sqlite3 >/dev/null || skip_all "sqlite3 is missing (apt-get install sqlite3)"
ROUNDS=${CRASH_ROUNDS:-200}

# current of web, as a release id
current_of() {
	readlink .relgate/store/web/current | sed 's|^releases/||'
}

# The invariant a crash must keep: current is a complete release that verifies.
current_is_whole() {
	id=$(current_of) &&
	test -n "$id" || { echo "no current"; return 1; }
	dir=.relgate/store/web/releases/$id
	test -f "$dir.manifest" || { echo "current is $id, which has no manifest"; return 1; }
	tail -n +2 "$dir.manifest" | awk '$2 != "120000" { print $1 "  " $4 }' >"$TRASH/sums" &&
	(cd "$dir" && sha256sum --quiet -c "$TRASH/sums") ||
	{ echo "current is $id, whose files do not match its manifest"; return 1; }
}

test_expect_success 'setup: a store with two releases of a 60-file artifact' '
	mkdir -p "$TRASH/ws" && cd "$TRASH/ws" &&
	echo "{\"products\": {\"web\": {\"keep\": 4}}}" >relgate.json &&
	git init -q && git add -A && git commit -qm init &&
	mkdir -p "$TRASH/art/assets" &&
	i=0 && while test $i -lt 60; do
		head -c 20000 /dev/urandom >"$TRASH/art/assets/f$i.js" || return 1
		i=$((i + 1))
	done &&
	echo "<html>0</html>" >"$TRASH/art/index.html" &&
	"$RELGATE" release web --force --reason r1 --from "$TRASH/art" >/dev/null &&
	echo "<html>1</html>" >"$TRASH/art/index.html" &&
	"$RELGATE" release web --force --reason r2 --from "$TRASH/art" >/dev/null &&
	current_is_whole
'

# One round: start a release or a rollback, kill -9 it after 0 to 15 ms,
# then check and repair.  Prints what went wrong; returns 1 if anything did.
crash_round() {
	round=$1
	case $((round % 3)) in
	0) echo "<html>$round</html>" >"$TRASH/art/index.html"
	   head -c 20000 /dev/urandom >"$TRASH/art/assets/f$((round % 60)).js"
	   set -- release web --force --reason "round $round" --from "$TRASH/art" ;;
	1) set -- rollback web --reason "round $round" ;;
	2) set -- rollback web --force --to "$(sqlite3 .relgate/store/relgate.db \
		"SELECT id FROM releases WHERE state = 'complete' ORDER BY seq DESC LIMIT 1")" ;;
	esac
	"$RELGATE" "$@" >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf "0.%03d" $(( $(od -An -N1 -tu1 /dev/urandom) % 16 )))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	ok=0
	if ! current_is_whole; then
		echo "round $round ($*): current not whole after kill -9"
		ok=1
	fi
	if ! "$RELGATE" fsck >"$TRASH/fsck.out" 2>&1; then
		echo "round $round ($*): fsck did not repair:"
		cat "$TRASH/fsck.out"
		ok=1
	fi
	# what the kill interrupted, for the summary: fsck's repairs
	sed -n 's/.*, \([0-9]*\) repaired,.*/\1/p' "$TRASH/fsck.out" >>"$TRASH/repairs"
	active=$(sqlite3 .relgate/store/relgate.db \
		"SELECT to_release FROM activations WHERE product = 'web' ORDER BY seq DESC LIMIT 1")
	if test "$active" != "$(current_of)"; then
		echo "round $round ($*): the history says $active, current is $(current_of)"
		ok=1
	fi
	return $ok
}

test_expect_success "kill -9 at random instants, $ROUNDS times: current always whole, fsck repairs the rest" '
	cd "$TRASH/ws" &&
	round=0 && fails=0 &&
	while test $round -lt $ROUNDS && test $fails -lt 5; do
		round=$((round + 1)) &&
		{ crash_round $round || fails=$((fails + 1)); }
	done &&
	say "$round rounds, $fails failures; fsck repaired something after" \
		"$(grep -cv "^0$" "$TRASH/repairs") of them" &&
	test $fails = 0 &&
	test -z "$(ls .relgate/store/web/.staging)" &&
	test "$(sqlite3 .relgate/store/relgate.db \
		"SELECT COUNT(*) FROM releases WHERE state = '\''staging'\''")" = 0
'

test_done
