#!/bin/sh
# A step that double-forks a daemon into a session of its own (setsid); the
# daemon keeps the step's stdout open and ignores SIGTERM.  The main process
# then exits 0: the step passed, and the daemon is a leftover that must be
# killed without waiting for an end of file that never comes.
trap '' TERM
( setsid sh -c 'echo $$ >>"$HOSTILE_PIDS"; echo "daemon $$ up"; exec sleep 1000' & )
while ! test -s "$HOSTILE_PIDS"; do
	sleep 0.05
done
echo "main process done"
exit 0
