#!/bin/sh
# A step whose main process exits 0 at once, leaving a grandchild that
# ignores SIGTERM and writes to the output pipe as fast as it can.
trap '' TERM
( sh -c 'echo $$ >>"$HOSTILE_PIDS"; while :; do echo "grandchild still writing"; done' & )
while ! test -s "$HOSTILE_PIDS"; do
	sleep 0.01
done
exit 0
