#!/bin/sh
# make demo: the incident relgate exists for, replayed on examples/hotel-suite,
# and what relgate says about it.  Everything happens in a scratch copy under
# build/demo; the example itself is never changed.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
PATH=$top:$PATH
work=$top/build/demo
suite=$work/hotel-suite

if [ -t 1 ]; then
	b=$(printf '\033[1m') d=$(printf '\033[2m') r=$(printf '\033[0m')
else
	b= d= r=
fi
stage() { printf '\n%s== %s%s\n' "$b" "$*" "$r"; }
run() { printf '%s$ %s%s\n' "$d" "$*" "$r"; "$@"; }

rm -rf "$work"
mkdir -p "$work"

stage "1. The incident: a small change to a shared module, made for the commander"
"$top/examples/hotel-suite/replay-incident.sh" --link-node-modules "$suite"
cd "$suite"
run git log --oneline --decorate before~0 incident
run git diff --stat before incident

stage "2. Which products does this change release, and why?"
run relgate affected --base before --head incident
echo
echo "${d}The distributor depends on @hotel/shared too, so it is released with the change."
echo "Nobody was looking at it; relgate names it, with the chain that makes it affected.$r"

stage "3. The same, as a pull-request comment or a message to QA (markdown)"
run relgate affected --base before --head incident --format markdown

stage "4. For machines (JSON), and the whole workspace at package level"
run relgate affected --base before --head incident --format json
run relgate affected --base before --head incident --packages

stage "5. The gate: build and check what the change releases, in a real browser"
echo "${d}Each product builds, then runs its checks under a supervisor that ends every step on"
echo "time; the boot check opens the built page in headless chromium.$r"
set +e
run relgate test --affected --base before --head incident --junit "$work/junit.xml" --json "$work/gate.json"
gate=$?
set -e
echo
echo "${d}relgate test ended with exit code $gate: the distributor's minified bundle throws"
echo "during start-up, before its error reporting exists. The gate says no, with the error,"
echo "the place in the bundle, and the code there. The portal was not built at all.$r"
echo "${d}JUnit report for the CI: ${work#"$top"/}/junit.xml$r"

printf '\n%sThe demo copy stays in %s.%s\n' "$d" "${suite#"$top"/}" "$r"
