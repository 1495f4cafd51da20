#!/usr/bin/env bash
#
# bench/ship.sh: relgate ship's own time beyond the user's build and check
# commands, and the demo's timeline, as the "## Ship" section of
# bench/RESULTS.md (printed on stdout); run.sh calls it.
#
#   overhead  relgate ship --base before --head incident --no-watch on a
#             replay of examples/hotel-suite with v1 of every product
#             released, its notifications going to a local receiver: the
#             whole command's wall time, less the gate's critical path (the
#             longest product's build and checks, from its --json report,
#             which runs the products in parallel).  What remains is the
#             analysis, the plan and its sending, the stages' processes, the
#             releases and the summary.
#   timeline  make demo's own timeline (examples/demo.sh), from the change to
#             the rollback of the forced release
#
#   SHIP_RUNS  ship runs (default 5; the first releases the commander, the
#              others find it already active)
#   SHIP_DEMO  =0 to leave out the demo's timeline

set -eu

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
RELGATE=${RELGATE:-$ROOT/relgate}
RUNS=${SHIP_RUNS:-5}
WORK=$BENCH_DIR/scratch/ship
HS=$ROOT/examples/hotel-suite
rm -rf "$WORK"
mkdir -p "$WORK/inbox"

ms() { date +%s%3N; }

python3 "$ROOT/tests/receiver.py" "$WORK/inbox" 2>"$WORK/receiver.log" &
receiver=$!
trap 'kill $receiver 2>/dev/null' EXIT
for i in $(seq 100); do
	[ -s "$WORK/inbox/smtp-port" ] && break
	sleep 0.1
done
http=$(cat "$WORK/inbox/http-port") smtp=$(cat "$WORK/inbox/smtp-port")

"$HS/replay-incident.sh" --link-node-modules "$WORK/hs" >/dev/null
cd "$WORK/hs"
jq --arg h "http://127.0.0.1:$http/hooks/qa" --arg s "smtp://127.0.0.1:$smtp" \
	'.channels.qa.url = $h | .channels["team-distributor"].smtp = $s |
	 .channels["team-commander"].smtp = $s | .channels["team-portal"].smtp = $s' \
	relgate.json >"$WORK/rg.json"
mv "$WORK/rg.json" relgate.json
git checkout -q before
"$RELGATE" -q test commander distributor portal >/dev/null
for p in commander distributor portal; do
	"$RELGATE" release "$p" --reason v1 >/dev/null
done
git checkout -q incident

rows= overheads=
for i in $(seq "$RUNS"); do
	t=$(ms)
	rc=0
	"$RELGATE" ship --base before --head incident --no-watch --json "$WORK/r.json" \
		>"$WORK/ship.out" 2>"$WORK/ship.err" || rc=$?
	wall=$(($(ms) - t))
	crit=$(jq '[.products[].ms] | max | floor' "$WORK/r.json")
	over=$((wall - crit))
	overheads="$overheads $over"
	rows="$rows| $i | $rc | $wall | $crit | $over |
"
done
median=$(printf '%s\n' $overheads | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')

cat <<EOF
## Ship

\`relgate ship --base before --head incident --no-watch\` on a replay of examples/hotel-suite
(bench/ship.sh), v1 of every product released first, the plan and the gate's failure sent to a
local receiver. The gate's critical path is the longest product's build and checks (its
\`--json\` report; products run in parallel); ship's own time is the rest: the analysis, the
plan and its sending, the stages' processes, the releases, the summary. Exit 1 is the
distributor, stopped by its boot check as it should be. Run 1 releases the commander; the
others find it already active.

| run | exit | wall ms | gate's critical path ms | ship's own ms |
| ---: | ---: | ---: | ---: | ---: |
$rows
Median of ship's own time: **$median ms** (goal: under 1 s).
EOF

if [ "${SHIP_DEMO:-1}" != 0 ]; then
	cd "$ROOT"
	sh examples/demo.sh >"$WORK/demo.out" 2>&1 || { echo "bench/ship.sh: make demo failed:" >&2; tail -20 "$WORK/demo.out" >&2; exit 1; }
	cat <<EOF

The demo's timeline (\`make demo\`, examples/demo.sh, in the same run): times since the change
is merged; the broken distributor is forced out, two headless chromium visitors open it, and
\`relgate serve --watch\` rolls it back (goals: detection under 5 s, restore under 50 ms after
detection).

\`\`\`
$(sed -n '/== 7\. The timeline/,/== 8\./p' "$WORK/demo.out" | sed '1d;$d' | sed -e 's/\x1b\[[0-9;]*m//g')
\`\`\`
EOF
fi
