#!/bin/sh
# flaky.sh STATE: fails the first time (and leaves STATE behind), passes
# every time after.
if test -e "$1"; then
	echo "second attempt: passed"
	exit 0
fi
: >"$1"
echo "first attempt: something flaky went wrong"
exit 1
