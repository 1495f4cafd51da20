#!/bin/sh
# make demo: the incident relgate exists for, replayed on examples/hotel-suite, and
# stopped. A scratch copy under build/demo becomes a git repository with v1 of every
# product live (relgate serve on a free loopback port); the change to @hotel/shared is
# merged; relgate ship plans, tells QA, gates, releases what passed and watches it; the
# distributor, stopped by its boot check, is then forced out as in the original incident,
# two headless browsers visit it, and the watch rolls it back by itself. It ends with the
# timeline beside the original's, and cleans up every process it started. The example
# itself is never changed.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
# the relgate just built (or $RELGATE, as the tests give it)
PATH=${RELGATE:+$(dirname "$RELGATE"):}$top:$PATH
work=${DEMO_WORK:-$top/build/demo}
suite=$work/hotel-suite

if [ -t 1 ]; then
	b=$(printf '\033[1m') d=$(printf '\033[2m') r=$(printf '\033[0m')
else
	b= d= r=
fi
stage() { printf '\n%s== %s%s\n' "$b" "$*" "$r"; }
note() { printf '%s%s%s\n' "$d" "$*" "$r"; }
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
now_ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# until_true SECONDS COMMAND...: run COMMAND every 0.2 s until it succeeds, at most SECONDS
until_true() {
	n=$(($1 * 5))
	shift
	while ! "$@" 2>/dev/null; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.2
	done
}

rm -rf "$work"
mkdir -p "$work/inbox"

# every process the demo starts is noted here and ended with it
pids=
cleanup() {
	for p in $pids; do
		kill -TERM "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true
	done
	for p in $pids; do
		wait "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# QA's Slack channel and the teams' mailboxes, stood in for by a local receiver on the
# ports the example's relgate.json names
python3 "$top/tests/receiver.py" "$work/inbox" 9901 2525 2>"$work/receiver.log" &
pids="$pids $!"
until_true 10 test -s "$work/inbox/smtp-port" ||
	note "(ports 9901 and 2525 are taken: the notifications will be queued, not delivered)"

# What the stand-in for QA's Slack channel received last (of the messages holding $1):
# its blocks as a person reads them.
show_slack() {
	last=$(grep -l "^POST /hooks/qa" "$work"/inbox/*.http 2>/dev/null |
		xargs -r grep -l -- "${1:-}" | tail -n 1)
	[ -n "$last" ] || { echo "  (nothing arrived)"; return; }
	sed '1,/^$/d' "$last" | python3 -c '
import json, sys
m = json.load(sys.stdin)
for b in m["blocks"]:
    t = b.get("text") or (b.get("elements") or [{}])[0]
    print("  | " + t.get("text", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("\n", "\n  | "))
'
}

port=$(free_port)
url=http://127.0.0.1:$port

stage "1. The repository: three products that share code, and v1 of each live"
"$top/examples/hotel-suite/replay-incident.sh" --link-node-modules --port "$port" "$suite"
cd "$suite"
git checkout -q before
run git log --oneline --decorate before~0 incident
note "v1: every product checked by the gate, then released into the store (.relgate/store):"
run relgate -q test commander distributor portal >/dev/null
for p in commander distributor portal; do
	relgate release "$p" --reason v1 | head -n 1
done
export RELGATE_TOKEN=demo-token
relgate serve --listen "127.0.0.1:$port" --watch >"$work/serve.log" 2>&1 &
pids="$pids $!"
until_true 10 grep -q "listening on port" "$work/serve.log"
note "relgate serve --watch on $url: the products' live releases under /p/, the collector"
note "of the snippet's beacons (/beacon), the status page (/), and the watch inside."

stage "2. The change: a small addition to @hotel/shared, made for the commander"
run git diff --stat before incident
t0=$(now_ms)
run git checkout -q incident
note "Merged. In the original incident this reached the distributor, which nobody was looking"
note "at; its build mangled a name the new code looked up, so it crashed at start-up."

stage "3. The e2e suite that hung the build server, run the way it was"
note "It starts the dev server in the background and leaves it running. A shell that waits for"
note "its output to end never returns (cut off here after 10 s):"
set +e
printf '%s$ npm run e2e -w @hotel/distributor | cat%s\n' "$d" "$r"
setsid sh -c 'npm run e2e -w @hotel/distributor 2>&1 | cat' &
plain=$!
pids="$pids $plain"
waited=0
while kill -0 "$plain" 2>/dev/null && [ $waited -lt 50 ]; do
	sleep 0.2
	waited=$((waited + 1))
done
if kill -0 "$plain" 2>/dev/null; then
	printf '%s(still running after 10 s: its dev server holds the pipe; this is the hang that%s\n' "$b" "$r"
	printf '%s got the e2e tests switched off. Ended by the demo.)%s\n' "$b" "$r"
	kill -TERM "-$plain" 2>/dev/null
fi
wait "$plain" 2>/dev/null
set -e
note "Under relgate the same suite is a step that ends when its main process ends; what it left"
note "behind is killed, and the report counts it."

stage "4. relgate ship: plan, tell QA, gate, release what passed, watch it"
set +e
run relgate ship --base before --head incident --junit "$work/junit.xml" --json "$work/gate.json"
shipped=$?
set -e
t_ship=$(now_ms)
python3 - "$work/gate.json" <<'EOF'
import json, sys
for p in json.load(open(sys.argv[1]))["products"]:
    for s in p["steps"]:
        if s["name"] == "e2e":
            print("\n%s e2e: %s in %.1f s; it left %d process%s running (the dev server): killed"
                  % (p["name"], s["outcome"], s.get("ms", 0) / 1000, s.get("leftovers", 0),
                     "" if s.get("leftovers", 0) == 1 else "es"))
EOF
note "relgate ship ended with exit code $shipped: the commander shipped; the distributor was"
note "stopped by its boot check in headless chromium, with the TypeError, and not released."
echo
note "The plan as it arrived in QA's Slack channel (a local receiver standing in for it):"
show_slack "release plan"

stage "5. Forced out anyway, as in the original incident"
run relgate release distributor --force --reason "the incident, replayed: shipped without the gate"
t_forced=$(now_ms)
forced=$(readlink .relgate/store/distributor/current | sed 's|^releases/||')

stage "6. Two real visitors: the snippet reports, the watch rolls back by itself"
note "Two headless chromium browsers with their own User-Agents open $url/p/distributor/."
note "The snippet, first in the page, sees the TypeError before any bundle's error reporting"
note "would exist, and sends it to /beacon; two clients cross watch.fatal."
for who in anna bruno; do
	setsid chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --user-data-dir="$work/visitor-$who" \
		--user-agent="Mozilla/5.0 (X11; Linux x86_64) visitor-$who" \
		"$url/p/distributor/" >/dev/null 2>&1 &
	pids="$pids $!"
done
rolled_back() {
	[ "$(readlink .relgate/store/distributor/current | sed 's|^releases/||')" != "$forced" ]
}
if until_true 30 rolled_back; then
	note "Rolled back by the watch:"
else
	note "(no rollback within 30 s: see $work/serve.log)"
fi
sleep 1
run relgate status
run relgate history distributor --limit 3

stage "7. The timeline, beside the original incident's"
python3 - "$suite/.relgate/store/relgate.db" "$t0" "$t_ship" "$t_forced" "$forced" <<'EOF'
import sqlite3, sys
db, t0, t_ship, t_forced, forced = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
c = sqlite3.connect(db, timeout=10)
def one(sql, *a):
    r = c.execute(sql, a).fetchone()
    return r[0] if r and r[0] is not None else None
rows = [(0, "the change to @hotel/shared is merged")]
plan = one("select min(sent_ms) from deliveries where kind = 'plan' and channel = 'qa' and created_ms >= ?", t0)
if plan: rows.append((plan - t0, "QA and the owners have the plan: commander and distributor, and why"))
refused = one("select max(at_ms) from gate_runs where product = 'distributor' and verdict = 'failed' and at_ms >= ?", t0)
if refused: rows.append((refused - t0, "the gate stops the distributor: TypeError at start-up, in chromium"))
live = one("select min(at_ms) from activations where product = 'commander' and at_ms >= ?", t0)
if live: rows.append((live - t0, "the commander, which passed, is live"))
rows.append((t_ship - t0, "relgate ship ends: the commander watched through its bake window"))
rows.append((t_forced - t0, "the distributor is forced out without the gate, as it was then"))
first = one("select min(first_ms) from event_groups where product = 'distributor' and release_id = ?", forced)
if first: rows.append((first - t0, "a visitor's browser reports the TypeError (the snippet's beacon)"))
w = c.execute("select at_ms, detect_ms, restore_ms, action from watch_log where release_id = ? order by seq limit 1", (forced,)).fetchone()
if w:
    rows.append((w[0] - t0, "the watch decides: %s (%.1f s after activation)" % (w[3], w[1] / 1000)))
    if w[2] is not None and w[2] >= 0:
        rows.append((w[0] + w[2] - t0, "the last good release is live again (%d ms to restore)" % w[2]))
told = one("select min(sent_ms) from deliveries where kind = 'watch' and product = 'distributor' and created_ms >= ?", t_forced)
if told: rows.append((told - t0, "the distributor's owners and QA are told, with the error and its stack"))
print("  relgate, on this machine            (time since the change)")
for ms, what in sorted(rows):
    print("  %8.1f s  %s" % (ms / 1000, what))
print()
print("  the original incident")
print("         0 s  the change is merged and released; nobody is told the distributor goes")
print("              out; its e2e tests are off, because they hung the build server")
print("        ~0 s  the distributor crashes at start-up, before its error reporting exists:")
print("              nothing reports it")
print("   ~105 min  after people notice by other means, a new build is shipped: down for")
print("              almost two hours")
if w and w[2] is not None and w[2] >= 0:
    print()
    print("  broken release live for %.1f s here, against about 105 minutes then"
          % ((w[0] + w[2] - t_forced) / 1000))
EOF

stage "8. The status page"
chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
	--user-data-dir="$work/screenshot-profile" --window-size=1200,900 \
	--screenshot="$work/status.png" "$url/" >/dev/null 2>&1 || true
note "$url/ (every product, its live release, the events per release, the rollback button);"
if [ -s "$work/status.png" ]; then
	note "a screenshot of it: ${work#"$top"/}/status.png"
fi
note "The demo copy stays in ${suite#"$top"/}; every process the demo started ends with it."
