#!/bin/sh
# run.sh UNIT_BINARY...: every test through prove, so that the run ends with
# prove's summary.  Unit tests (cmocka) speak TAP when asked; end-to-end
# tests are the tests/t*.sh scripts.  TESTS=t0001 narrows to matching scripts.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export CMOCKA_MESSAGE_OUTPUT=TAP
scripts=
for t in tests/t[0-9]*.sh; do
	case $t in *${TESTS:-}*) scripts="$scripts $t" ;; esac
done
[ -n "${TESTS:-}" ] && set --
exec prove --exec '' -j"${TEST_JOBS:-2}" "$@" $scripts
