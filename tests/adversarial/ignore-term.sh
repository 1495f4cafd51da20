#!/bin/sh
# A step that ignores SIGTERM, and so do its children (an ignored signal
# stays ignored across fork and exec): only SIGKILL ends it.  Every process
# appends its pid to $HOSTILE_PIDS.
trap '' TERM
echo $$ >>"$HOSTILE_PIDS"
for i in 1 2 3; do
	sh -c 'echo $$ >>"$HOSTILE_PIDS"; while :; do sleep 1; done' &
done
echo "ignoring SIGTERM"
while :; do
	sleep 1
done
