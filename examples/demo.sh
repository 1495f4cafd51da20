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
# Print the command as one would type it (arguments with spaces quoted), then run it.
run() {
	printf '%s$' "$d"
	for a in "$@"; do
		case $a in
		*' '*) printf " '%s'" "$a" ;;
		*) printf ' %s' "$a" ;;
		esac
	done
	printf '%s\n' "$r"
	"$@"
}

rm -rf "$work"
mkdir -p "$work/inbox"

# QA's Slack channel and the teams' mailboxes, stood in for by a local receiver on
# the ports the example's relgate.json names; it ends with the demo
python3 "$top/tests/receiver.py" "$work/inbox" 9901 2525 2>"$work/receiver.log" &
receiver=$!
trap 'kill $receiver 2>/dev/null' EXIT INT TERM
i=0
while ! [ -s "$work/inbox/smtp-port" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -s "$work/inbox/smtp-port" ] || echo "(ports 9901 and 2525 are taken: the notifications will be queued, not delivered)"

# What the stand-in for QA's Slack channel received last: its blocks as a person reads them.
show_slack() {
	last=$(grep -l "^POST /hooks/qa" "$work"/inbox/*.http 2>/dev/null | tail -n 1)
	[ -n "$last" ] || { echo "(nothing arrived)"; return; }
	sed '1,/^$/d' "$last" | python3 -c '
import json, sys
m = json.load(sys.stdin)
for b in m["blocks"]:
    t = b.get("text") or (b.get("elements") or [{}])[0]
    print("  | " + t.get("text", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("\n", "\n  | "))
'
}

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

stage "5. Before the change: the three products checked and released as v1"
echo "${d}Only what a gate run passed is released: relgate test records each verdict for the"
echo "digest of the artifact it checked, and relgate release looks it up.$r"
run git checkout -q before
run relgate -q test commander distributor portal
for p in commander distributor portal; do
	run relgate release "$p" --reason "v1"
done
run git checkout -q incident

stage "6. The gate: build and check what the change releases, in a real browser"
echo "${d}Each product builds, then runs its checks under a supervisor that ends every step on"
echo "time; the boot check opens the built page in headless chromium.$r"
set +e
run relgate test --affected --base before --head incident --notify --junit "$work/junit.xml" --json "$work/gate.json"
gate=$?
set -e
echo
echo "${d}relgate test ended with exit code $gate: the distributor's minified bundle throws"
echo "during start-up, before its error reporting exists. The gate says no, with the error,"
echo "the place in the bundle, and the code there. The portal was not built at all.$r"
echo "${d}JUnit report for the CI: ${work#"$top"/}/junit.xml$r"

stage "7. The release plan, for QA and the owners: what really changes"
echo "${d}In the original incident QA was never told the distributor would be released.$r"
run relgate plan --base before --head incident --built --notify
echo
echo "${d}What arrived in QA's Slack channel (a local receiver standing in for it):$r"
show_slack

stage "8. Release: what passed goes out, what failed is refused"
run relgate release commander --reason "the handler lookup"
set +e
run relgate release distributor
refused=$?
set -e
echo "${d}Exit code $refused: the distributor's incident build is not released. In the original"
echo "incident it went out unchecked.$r"

stage "9. Forced out anyway, then rolled back in milliseconds"
run relgate release distributor --force --reason "the incident, replayed: shipped without the gate"
run relgate rollback distributor --reason "TypeError at start-up"
run relgate status
run relgate history distributor --limit 4
echo "${d}The rollback swapped one symlink and recorded it; the bad release is marked bad, so a"
echo "second rollback would go further back. In the original incident a fix was built and"
echo "shipped instead, and the product was down for almost two hours.$r"

echo
echo "${d}Every change to what is live was told to the product's owners; the rollback's message"
echo "was queued and sent by a relgate in the background, so the rollback never waited on it:$r"
sleep 1
run relgate notify --list --limit 12
echo "${d}What QA's channel received last:$r"
show_slack

printf '\n%sThe demo copy stays in %s.%s\n' "$d" "${suite#"$top"/}" "$r"
