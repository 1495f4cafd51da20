#!/bin/sh
#
# t0203: a release onto a full disk (a 2 MiB tmpfs as the store) fails
# cleanly: exit 3 naming what could not be written, current unchanged and
# still whole, nothing left in staging, the release recorded as abandoned,
# and fsck finds nothing to repair.  Needs root, to mount the tmpfs.

. "$(dirname "$0")/test-lib.sh"

command -v sqlite3 >/dev/null || skip_all "sqlite3 is missing (apt-get install sqlite3)"
test "$(id -u)" = 0 || skip_all "mounting a small tmpfs needs root"
mkdir -p "$TRASH/store" &&
mount -t tmpfs -o size=2m relgate-test "$TRASH/store" 2>/dev/null ||
	skip_all "cannot mount a tmpfs here"
trap 'umount "$TRASH/store" 2>/dev/null' EXIT
export RELGATE_STORE="$TRASH/store"
test_before_each='cd "$TRASH"'

test_expect_success 'setup: a small release that fits' '
	mkdir ws && cd ws && make_workspace &&
	mkdir -p "$TRASH/small" && head -c 100000 /dev/urandom >"$TRASH/small/app.js" &&
	echo "<html>1</html>" >"$TRASH/small/index.html" &&
	"$RELGATE" release web --force --reason small --from "$TRASH/small" >out &&
	test "$(readlink "$TRASH/store/web/current")" = releases/r000001
'

test_expect_success 'a release larger than the disk: exit 3, current unchanged, no staging left' '
	cd ws &&
	mkdir -p "$TRASH/big" && head -c 3000000 /dev/urandom >"$TRASH/big/app.js" &&
	echo "<html>2</html>" >"$TRASH/big/index.html" &&
	test_expect_code 3 "$RELGATE" release web --force --reason big --from "$TRASH/big" 2>err &&
	test_grep "cannot write .*No space left on device" err &&
	test "$(readlink "$TRASH/store/web/current")" = releases/r000001 &&
	cmp "$TRASH/store/web/current/app.js" "$TRASH/small/app.js" &&
	test -z "$(ls "$TRASH/store/web/.staging")" &&
	test ! -e "$TRASH/store/web/releases/r000002" &&
	test "$(sqlite3 "$TRASH/store/relgate.db" \
		"SELECT state FROM releases WHERE id = '\''r000002'\''")" = abandoned &&
	"$RELGATE" fsck >out &&
	test_grep "0 repaired, 0 damaged" out
'

test_expect_success 'with the room back, the same release goes through' '
	cd ws &&
	head -c 500000 /dev/urandom >"$TRASH/big/app.js" &&
	"$RELGATE" release web --force --reason "smaller" --from "$TRASH/big" >out &&
	test "$(readlink "$TRASH/store/web/current")" = releases/r000003
'

cd "$TRASH" && umount "$TRASH/store"
test_done
