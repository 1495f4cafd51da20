#!/bin/sh
# A step that stops itself (SIGSTOP), with a child that does the same: a
# stopped process cannot act on SIGTERM until it gets SIGCONT.
echo $$ >>"$HOSTILE_PIDS"
sh -c 'echo $$ >>"$HOSTILE_PIDS"; kill -STOP $$; exec sleep 1000' &
echo "stopping myself"
kill -STOP $$
echo "resumed"
sleep 1000
