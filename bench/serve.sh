#!/usr/bin/env bash
#
# bench/serve.sh: relgate serve under load, as the "## Serve" section of
# bench/RESULTS.md (printed on stdout); run.sh calls it.  Side by side in
# one run, on loopback, with Debian's wrk (-t1 -c64):
#
#   beacons   POST /beacon with realistic beacons (bench/beacon.lua: one
#             client per request, as many visitors are), against nginx
#             answering 204 on a location: nginx stores nothing, so the
#             ratio is what a committed 204 costs.  The events stored are
#             counted against the 204s wrk saw.
#   static    a 27 KB file under /p/, against nginx serving the same file
#   soak      beacons for SERVE_SOAK seconds: relgate's resident memory
#             before and after
#
#   SERVE_SECS  seconds per wrk run (default 30)
#   SERVE_SOAK  seconds of the soak (default 60; the issue's long one is 300)

set -eu

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
RELGATE=${RELGATE:-$ROOT/relgate}
SECS=${SERVE_SECS:-30}
SOAK=${SERVE_SOAK:-60}
WORK=$BENCH_DIR/scratch/serve
rm -rf "$WORK"
mkdir -p "$WORK/ws/apps/web/dist/assets" "$WORK/nginx"

for tool in wrk nginx; do
	command -v $tool >/dev/null || PATH=$PATH:/usr/sbin
	command -v $tool >/dev/null || { echo "bench/serve.sh: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

rss_kib() {
	awk '/^VmRSS/ { print $2 }' "/proc/$1/status"
}

cd "$WORK/ws"
echo '{"name": "b", "private": true, "workspaces": ["apps/*"]}' >package.json
echo '{"name": "web", "version": "1.0.0"}' >apps/web/package.json
echo '{"products": {"web": {"artifact": "apps/web/dist", "url": "http://127.0.0.1/"}}}' >relgate.json
echo '<!doctype html><html><head><meta charset="utf-8"></head><body>b</body></html>' >apps/web/dist/index.html
head -c 27648 /dev/urandom | base64 -w 100 | head -c 27648 >apps/web/dist/assets/app.5f3a9c1b.js
git init -q . && git add -A && git -c user.name=b -c user.email=b@b commit -qm init
"$RELGATE" release web --force --reason bench >/dev/null
release=$(readlink .relgate/store/web/current)
release=${release#releases/}

rport=$(free_port)
RELGATE_TOKEN=bench "$RELGATE" serve --listen "127.0.0.1:$rport" >serve.out 2>serve.err &
rpid=$!
nport=$(free_port)
sh "$ROOT/tests/nginx-conf.sh" "$WORK/nginx" <<EOF
	server {
		listen 127.0.0.1:$nport;
		location = /beacon { return 204; }
		location /p/web/ { alias $WORK/ws/.relgate/store/web/releases/$release/; }
	}
EOF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
npid=$!
trap 'kill $rpid $npid 2>/dev/null' EXIT
for i in $(seq 100); do
	curl -sf -o /dev/null "http://127.0.0.1:$rport/healthz" &&
		curl -sf -o /dev/null "http://127.0.0.1:$nport/p/web/index.html" && break
	sleep 0.1
done

cat >beacon.lua <<EOF
-- realistic beacons, each from another visitor (its own User-Agent)
local n = 0
local body = '{"v":1,"product":"web","release":"$release","kind":"error",' ..
	'"message":"TypeError: i.get(...) is not a function",' ..
	'"stack":"TypeError: i.get(...) is not a function\\\\n    at boot (http://127.0.0.1/p/web/assets/app.5f3a9c1b.js:1:2345)\\\\n    at http://127.0.0.1/p/web/assets/app.5f3a9c1b.js:1:99",' ..
	'"page":"http://127.0.0.1/p/web/"}'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; other = 0 end
function request()
	n = n + 1
	return wrk.format("POST", "/beacon", {["Content-Type"] = "text/plain",
		["User-Agent"] = "Mozilla/5.0 visitor-" .. n}, body)
end
function response(status, headers, body)
	if status == 204 then ok = ok + 1 else other = other + 1 end
end
function done(summary, latency, requests)
	local o, x = 0, 0
	for _, t in ipairs(threads) do o = o + t:get("ok"); x = x + t:get("other") end
	io.write(string.format("RESULT %.0f %.3f %d %d\n", summary.requests / (summary.duration / 1e6),
		latency:percentile(99) / 1000, o, x))
end
EOF
cat >static.lua <<'EOF'
function done(summary, latency, requests)
	io.write(string.format("RESULT %.0f %.3f %d %d\n", summary.requests / (summary.duration / 1e6),
		latency:percentile(99) / 1000, summary.requests - summary.errors.status, summary.errors.status))
end
EOF

events() {
	sqlite3 -cmd ".timeout 10000" .relgate/store/relgate.db "select coalesce(sum(events), 0) from event_groups"
}

# run URL SCRIPT SECS: "rps p99_ms ok other"
run() {
	wrk -t1 -c64 -d"$3s" -s "$2" "$1" | sed -n 's/^RESULT //p'
}

rss0=$(rss_kib $rpid)
e0=$(events)
read -r rb_rps rb_p99 rb_ok rb_other < <(run "http://127.0.0.1:$rport/beacon" beacon.lua "$SECS")
e1=$(events)
read -r nb_rps nb_p99 nb_ok nb_other < <(run "http://127.0.0.1:$nport/beacon" beacon.lua "$SECS")
read -r rs_rps rs_p99 rs_ok rs_other < <(run "http://127.0.0.1:$rport/p/web/assets/app.5f3a9c1b.js" static.lua "$SECS")
read -r ns_rps ns_p99 ns_ok ns_other < <(run "http://127.0.0.1:$nport/p/web/assets/app.5f3a9c1b.js" static.lua "$SECS")
rss1=$(rss_kib $rpid)
read -r soak_rps soak_p99 soak_ok soak_other < <(run "http://127.0.0.1:$rport/beacon" beacon.lua "$SOAK")
rss2=$(rss_kib $rpid)
stored=$((e1 - e0))

# Detection and restore: a second release, made to fail by two clients' beacons.
detect_run() {  # MODE: "inside" (serve --watch) or "beside" (serve, and relgate watch beside it)
	"$RELGATE" rollback web --to "$release" --force >/dev/null 2>&1 || true
	# each run is a fresh bake window: the flapping guard would hold the second
	sqlite3 -cmd ".timeout 10000" .relgate/store/relgate.db "delete from watch_log"
	echo "<!-- $1 $(date +%s%N) -->" >>apps/web/dist/index.html
	"$RELGATE" release web --force --reason "detect $1" >/dev/null
	local fresh port pid wpid t0 t1
	fresh=$(readlink .relgate/store/web/current)
	fresh=${fresh#releases/}
	port=$(free_port)
	if [ "$1" = inside ]; then
		"$RELGATE" serve --listen "127.0.0.1:$port" --watch >/dev/null 2>&1 &
		pid=$!
		wpid=
	else
		"$RELGATE" serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
		pid=$!
		"$RELGATE" watch web --no-probe >/dev/null 2>&1 &
		wpid=$!
	fi
	for i in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.05; done
	local b='{"v":1,"product":"web","release":"'$fresh'","kind":"error","message":"TypeError: boom","stack":"    at boot (http://127.0.0.1/p/web/assets/app.js:1:2)"}'
	for who in one two; do
		[ $who = two ] && t0=$(date +%s%N)
		curl -s -o /dev/null -A "detect-$who" --data-binary "$b" "http://127.0.0.1:$port/beacon"
		[ $who = one ] && [ "$1" = inside ] && sleep 0.2
	done
	for i in $(seq 2000); do
		[ "$(readlink .relgate/store/web/current)" != "releases/$fresh" ] && break
		sleep 0.005
	done
	t1=$(date +%s%N)
	kill $pid ${wpid:-} 2>/dev/null
	wait $pid ${wpid:-} 2>/dev/null || true
	echo "$(( (t1 - t0) / 1000000 )) $(sqlite3 -cmd ".timeout 10000" .relgate/store/relgate.db "select restore_ms from watch_log order by seq desc limit 1")"
}
kill $rpid 2>/dev/null; wait $rpid 2>/dev/null || true
echo '{"products": {"web": {"artifact": "apps/web/dist", "url": "http://127.0.0.1/"}}, "watch": {"bake": "10m", "interval": "1s", "fatal": {"events": 2, "clients": 2}}}' >relgate.json
read -r in_detect in_restore < <(detect_run inside)
read -r be_detect be_restore < <(detect_run beside)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

cat <<EOF
## Serve

\`relgate serve\` against Debian's nginx $(nginx -v 2>&1 | sed 's|.*/||') on the same machine, in one run
(bench/serve.sh): \`wrk -t1 -c64 -d${SECS}s\` on loopback. Beacons are realistic (a TypeError
with a two-frame stack), each from another visitor (its own User-Agent, so that the per-client
rate limit does not apply); nginx answers 204 on a location and stores nothing, so the ratio is
what a 204 that means "committed" costs. The static file is 27 KB under \`/p/\`. nginx runs one
worker; relgate serve its libmicrohttpd thread pool (a thread per core but one: $(nproc) cores
here) and one writer.

| | relgate req/s | nginx req/s | relgate / nginx | relgate p99 ms | nginx p99 ms |
| --- | ---: | ---: | ---: | ---: | ---: |
| POST /beacon | $rb_rps | $nb_rps | $(ratio "$rb_rps" "$nb_rps") | $rb_p99 | $nb_p99 |
| GET 27 KB file | $rs_rps | $ns_rps | $(ratio "$rs_rps" "$ns_rps") | $rs_p99 | $ns_p99 |

- Beacons answered 204: $rb_ok (other answers: $rb_other); events stored in the same time:
  $stored. A 204 is sent only after its batch is committed, so stored >= 204s (a beacon
  whose connection wrk closed at the end may be stored without its 204 being counted).
- Resident memory of relgate serve: $(mib "$rss0") MiB at start, $(mib "$rss1") MiB after the
  runs above, $(mib "$rss2") MiB after a soak of ${SOAK} s of beacons ($soak_rps req/s): growth
  over the soak $(mib $((rss2 - rss1))) MiB (goal: under 5 MiB over 5 minutes; SERVE_SOAK=300
  for the long one).

Detection and restore: a fresh release gets the beacon that crosses \`watch.fatal\` (here 2
events from 2 clients); the time runs from sending that beacon to \`current\` pointing at the
release before; restore is the rollback's own time, from the watch's decision (watch_log).

| the watch | beacon to restored, ms | restore, ms | goal |
| --- | ---: | ---: | --- |
| inside \`relgate serve --watch\` (reacts as the batch is committed) | $in_detect | $in_restore | detection under 1 s, restore under 50 ms |
| \`relgate watch\` beside \`relgate serve\` (\`watch.interval\` 1 s) | $be_detect | $be_restore | detection under 5 s |
EOF
