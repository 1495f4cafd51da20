#!/usr/bin/env bash
#
# bench/supervise.sh: the supervisor's and the boot check's figures, as the
# "## Supervisor" section of bench/RESULTS.md (printed on stdout).  run.sh
# calls it; it needs `make` to have built ./relgate, and brings the objects
# it links up to date itself.
#
#   SV_RUNS   steps for the overhead median (default 1000)

set -eu

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
WORK=$BENCH_DIR/scratch
RELGATE=${RELGATE:-$ROOT/relgate}
RUNS=${SV_RUNS:-1000}
mkdir -p "$WORK"

# the objects it links, brought up to date with the headers it is compiled against
make -C "$ROOT" -s build/gate/supervise.o build/lib/loop.o build/lib/util.o build/lib/diag.o
cc -O2 -std=c11 -Wall -Wextra -Werror -I"$ROOT/src" "$BENCH_DIR/sv-bench.c" \
	"$ROOT/build/gate/supervise.o" "$ROOT/build/lib/loop.o" "$ROOT/build/lib/util.o" \
	"$ROOT/build/lib/diag.o" -lm \
	-o "$WORK/sv-bench"

# name value lines -> shell variables prefixed with the mode
measure() {
	local mode=$1 env=$2
	shift 2
	env RELGATE_NO_CGROUP="$env" "$WORK/sv-bench" "$@" | while read -r k v; do
		echo "${mode}_$k=$v"
	done
}
eval "$(measure cg '' overhead "$RUNS")"
eval "$(measure cg '' kill 10)"
eval "$(measure cg '' flood 1024)"
eval "$(measure nocg 1 overhead "$RUNS")"
eval "$(measure nocg 1 kill 10)"

# A negative time is a step that never ran (a harness and objects that
# disagree, or a supervisor that cannot start steps here): say so rather
# than write it down.
for v in cg_kill_obeys_ms nocg_kill_obeys_ms cg_kill_ignores_term_ms nocg_kill_ignores_term_ms; do
	case ${!v} in
	-*)
		echo "bench/supervise.sh: $v is ${!v}: the steps did not run (run make first)" >&2
		exit 1
		;;
	esac
done

# the boot check of a small page, browser start included, end to end
boot_line="chromium is not installed: not measured"
if command -v chromium >/dev/null 2>&1; then
	page=$WORK/boot-page
	mkdir -p "$page"
	cat >"$page/index.html" <<'HTML'
<!doctype html><html><head><title>boot</title></head><body><main id="app">…</main>
<script src="app.js"></script></body></html>
HTML
	cat >"$page/app.js" <<'JS'
document.getElementById('app').textContent = 'ready';
window.appReady = true;
JS
	times=()
	"$RELGATE" boot --dir "$page" --ready 'window.appReady === true' >/dev/null 2>&1 || true
	for _ in 1 2 3 4 5; do
		t0=$(date +%s%N)
		"$RELGATE" boot --dir "$page" --ready 'window.appReady === true' >/dev/null 2>&1
		t1=$(date +%s%N)
		times+=($(((t1 - t0) / 1000000)))
	done
	boot_med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
	boot_line="median ${boot_med} ms of 5 (runs: ${times[*]} ms), \`relgate boot\` from exec to exit"
fi

cat <<EOF
## Supervisor

Measured with relgate's own supervise.c (bench/sv-bench.c), by \`bench/supervise.sh\`, on the
machine above. "cgroup" runs each step in a cgroup v2 of its own (cgroup.kill); "fallback" is
\`RELGATE_NO_CGROUP=1\`: processes found by their RELGATE_STEP_ID marker and session in /proc.

| figure | cgroup | fallback | goal |
| --- | ---: | ---: | --- |
| spawn to reap of /bin/true, median of $RUNS | ${cg_overhead_supervised_ms} ms | ${nocg_overhead_supervised_ms} ms | under 2 ms |
| the same, 95th percentile | ${cg_overhead_supervised_p95_ms} ms | ${nocg_overhead_supervised_p95_ms} ms | |
| bare fork, exec, waitpid of /bin/true | ${cg_overhead_bare_ms} ms | ${nocg_overhead_bare_ms} ms | (the floor) |
| timeout to last descendant reaped, tree obeys SIGTERM (median of 10, max) | ${cg_kill_obeys_ms} ms (${cg_kill_obeys_max_ms}) | ${nocg_kill_obeys_ms} ms (${nocg_kill_obeys_max_ms}) | under 100 ms |
| the same, tree ignores SIGTERM: beyond the 300 ms grace | ${cg_kill_ignores_term_ms} ms (${cg_kill_ignores_term_max_ms}) | ${nocg_kill_ignores_term_ms} ms (${nocg_kill_ignores_term_max_ms}) | under 100 ms + grace |
| the same, a setsid daemon ignoring SIGTERM: beyond the grace | ${cg_kill_setsid_daemon_ms} ms (${cg_kill_setsid_daemon_max_ms}) | ${nocg_kill_setsid_daemon_ms} ms (${nocg_kill_setsid_daemon_max_ms}) | under 100 ms + grace |
| relgate's peak RSS while a step writes ${cg_flood_mb} MiB | ${cg_flood_rss_mb} MiB | | under 20 MiB |
| that step's time, and what its log kept (the log is capped) | ${cg_flood_s} s, ${cg_flood_log_mb} MiB | | |

Boot check of a small page: ${boot_line}. Goal: under 2 s including the browser's start.
EOF
