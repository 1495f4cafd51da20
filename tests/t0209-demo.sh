#!/bin/sh
#
# t0209: make demo's story, end to end (examples/demo.sh in a scratch folder):
# the plain e2e run is cut off, relgate ship stops the distributor at its boot
# check and ships the commander, the forced release is reported by two real
# browsers and rolled back by the watch, the timeline is printed, the status
# page is captured, and no process the demo started is left.

. "$(dirname "$0")/test-lib.sh"

require_hotel_suite
command -v python3 >/dev/null || skip_all "python3 is missing (apt-get install python3)"
command -v setsid >/dev/null || skip_all "setsid is missing (apt-get install util-linux)"

test_expect_success 'the demo runs to its end' '
	PATH=$(dirname "$RELGATE"):$PATH DEMO_WORK="$TRASH/demo" sh "$SRCDIR/examples/demo.sh" \
		>out 2>err ||
	{ tail -40 out err; false; }
'

test_expect_success 'the plain e2e run hangs and is cut off; under relgate it ends, its server killed' '
	test_grep "still running after 10 s: its dev server holds the pipe" out &&
	test_grep "^distributor: e2e passed" out &&
	test_grep "it left [1-9][0-9]* process(es)? running \(the dev server\): killed" out
'

test_expect_success 'ship: the plan reaches QA, the distributor is stopped, the commander ships' '
	test_grep "^  why: +distributor <- @hotel/shared \(dependency\)" out &&
	test_grep "^distributor: boot failed .*TypeError: i\.get\(\.\.\.\) is not a function" out &&
	test_grep "^commander +passed +r[0-9]+ \(was r[0-9]+\) +healthy for 30s" out &&
	test_grep "^distributor +boot failed +not released" out &&
	test_grep "relgate ship ended with exit code 1" out &&
	test_grep "^  \| relgate: release plan, 2 of 3 products" out
'

test_expect_success 'forced out, reported by two browsers, rolled back by the watch' '
	test_grep "^Rolled back by the watch" out &&
	test_grep "^watch: distributor r[0-9]+ failed to start .*rolled back to r[0-9]+ .*2 fatal events from 2 clients" out &&
	test_grep "a visitor.s browser reports the TypeError" out &&
	test_grep "the last good release is live again \([0-9]+ ms to restore\)" out &&
	test_grep "broken release live for [0-9.]+ s here, against about 105 minutes then" out
'

test_expect_success 'the status page is captured; nothing the demo started is left' '
	test -s "$TRASH/demo/status.png" &&
	left= &&
	for d in /proc/[0-9]*; do
		case "$(readlink "$d/cwd" 2>/dev/null) $(tr "\0" " " <"$d/cmdline" 2>/dev/null)" in
		*"$TRASH/demo"*) left="$left ${d#/proc/}" ;;
		esac
	done &&
	if test -n "$left"; then
		ps -o pid,args -p $left
		false
	fi
'

test_done
