#!/usr/bin/env bash
#
# bench/run.sh: times relgate's impact analysis side by side with Turborepo
# and Nx on synthetic npm workspaces (bench/gen.js) of 100, 1,000 and 5,000
# packages, and writes bench/RESULTS.md. `make bench` runs it.
#
# Environment:
#   BENCH_SIZES      package counts (default "100 1000 5000")
#   BENCH_RUNS       measured runs per command, after one warm-up (default 5)
#   BENCH_SEED       gen.js seed (default 1)
#   BENCH_RESULTS    where to write the report (default bench/RESULTS.md)
#   BENCH_PEERS_ONLY =1 to time only the peers when ./relgate is not built
#   BENCH_REAL       =0 to leave out the real histories (bench/real.sh, about 10 min)
#   RELGATE          the binary (default ./relgate at the repository root)
#
# Generated workspaces are kept in bench/scratch/ (git-ignored) and made again
# only when gen.js or the parameters change. For each size, every command
# runs once to warm up, then BENCH_RUNS times; the table gives the median
# wall-clock time and the median peak memory of the whole process tree, as
# measured by bench/treerss.c.

set -eu

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
SIZES=${BENCH_SIZES:-100 1000 5000}
RUNS=${BENCH_RUNS:-5}
SEED=${BENCH_SEED:-1}
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/RESULTS.md}
RELGATE=${RELGATE:-$ROOT/relgate}
WORK=$BENCH_DIR/scratch
TREERSS=$WORK/treerss

. "$BENCH_DIR/peers.sh"

die() {
	echo "bench: $*" >&2
	exit 3
}

case $RUNS in '' | *[!0-9]* | 0) die "BENCH_RUNS must be a positive integer" ;; esac
for tool in node git cc; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done

# ------------------------------------------------------------ preparation

mkdir -p "$WORK/out"

HAVE_RELGATE=1
if [ ! -x "$RELGATE" ]; then
	if [ "${BENCH_PEERS_ONLY:-0}" = 1 ]; then
		echo "bench: $RELGATE is not built; timing the peers only" >&2
		HAVE_RELGATE=0
	else
		die "$RELGATE is not built: run make first (or BENCH_PEERS_ONLY=1 to time only turbo and nx)"
	fi
fi

if ! find_turbo >/dev/null || ! find_nx >/dev/null; then
	echo "bench: installing the pinned peers: npm ci --prefix bench" >&2
	npm ci --prefix "$BENCH_DIR" --no-audit --no-fund >&2 ||
		die "npm ci --prefix bench failed"
fi
TURBO_BIN=$(find_turbo) || die "no runnable turbo binary in bench/node_modules (npm ci --prefix bench)"
NX_BIN=$(find_nx) || die "nx is not installed in bench/node_modules (npm ci --prefix bench)"
peers_env

if [ ! -x "$TREERSS" ] || [ "$BENCH_DIR/treerss.c" -nt "$TREERSS" ]; then
	cc -std=c11 -O2 -Wall -Wextra -Werror -o "$TREERSS" "$BENCH_DIR/treerss.c" ||
		die "cannot compile bench/treerss.c"
fi

# Makes (or reuses) the workspace of SIZE packages; sets REPO and INFO. A
# kept workspace is reused when it was made by this gen.js with the same
# parameters and is still as made: HEAD is the generated head, nothing changed.
workspace() { # SIZE
	local key=n$1-s$SEED stamp want
	REPO=$WORK/$key
	INFO=$WORK/$key.json
	stamp=$WORK/$key.stamp
	want="$(git hash-object "$BENCH_DIR/gen.js") --packages $1 --seed $SEED"
	if [ ! -d "$REPO/.git" ] || [ ! -s "$INFO" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] ||
		[ "$(git -C "$REPO" rev-parse HEAD 2>/dev/null)" != "$(info head)" ] ||
		[ -n "$(git -C "$REPO" status --porcelain 2>/dev/null | head -n 1)" ]; then
		echo "bench: generating $1 packages in ${REPO#"$ROOT"/}" >&2
		rm -rf "$REPO" "$INFO" "$stamp"
		node "$BENCH_DIR/gen.js" --packages "$1" --seed "$SEED" --quiet "$REPO" >"$INFO"
		printf '%s\n' "$want" >"$stamp"
	fi
	rm -rf "$REPO/.relgate" "$REPO/.nx" "$REPO/.turbo"
	link_nx "$REPO"
}

# names KIND OUT: the sorted package names of OUT.ok (a tool's JSON output
# from the last good run) into OUT.names; fails when there was none.
names() {
	[ -s "$2.ok" ] && json_names "$1" <"$2.ok" >"$2.names"
}

info() { # FIELD
	node -p "require('$INFO')['$1']"
}

median() { # numbers on standard input
	sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan";
		else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# measure LABEL PREP CMD...: runs PREP (shell text, may be empty) and then
# CMD in the workspace, once to warm up and RUNS times measured. Sets
# WALL[LABEL], PEAK[LABEL] and MAXRSS[LABEL] (medians, ms and MiB) over the
# runs that succeeded; FAILED[LABEL] says how many did not. The output of the
# last good run is kept in $WORK/out/<size>-<label>.ok.
declare -A WALL PEAK MAXRSS FAILED
ANY_FAILED=0
METHOD=
measure() {
	local label=$1 prep=$2 i out status walls='' peaks='' maxes='' failed=0
	shift 2
	out=$WORK/out/$SIZE-$label
	rm -f "$out.ok"
	for i in $(seq 0 "$RUNS"); do
		(cd "$REPO" && eval "$prep")
		(cd "$REPO" && "$TREERSS" -o "$out.stat" -- "$@" >"$out.out" 2>"$out.err") || true
		# treerss writes "peak_kib=N wall_ms=N.N method=M maxrss_kib=N status=N"
		status=$(sed -n 's/.*status=\([0-9]*\).*/\1/p' "$out.stat" 2>/dev/null)
		if [ "${status:-125}" != 0 ]; then
			echo "bench: $label failed (exit ${status:-?}) at $SIZE packages: $*" >&2
			sed 's/^/  | /' "$out.err" | tail -n 5 >&2
			cp "$out.err" "$out.failed.err"
			failed=$((failed + 1))
			FAILED[$label]="exit ${status:-?} in $failed of $((RUNS + 1)) runs, warm-up included"
			ANY_FAILED=1
			continue
		fi
		cp "$out.out" "$out.ok"
		[ "$i" -eq 0 ] && continue # the warm-up
		walls="$walls $(sed -n 's/.*wall_ms=\([0-9.]*\).*/\1/p' "$out.stat")"
		peaks="$peaks $(sed -n 's/.*peak_kib=\([0-9]*\).*/\1/p' "$out.stat")"
		maxes="$maxes $(sed -n 's/.*maxrss_kib=\([0-9]*\).*/\1/p' "$out.stat")"
		METHOD=$(sed -n 's/.*method=\([a-z0-9]*\).*/\1/p' "$out.stat")
	done
	if [ -z "$walls" ]; then
		WALL[$label]=failed PEAK[$label]=- MAXRSS[$label]=-
		return
	fi
	# shellcheck disable=SC2086 # the lists are split into one number a line
	WALL[$label]=$(printf '%s\n' $walls | median)
	# shellcheck disable=SC2086
	PEAK[$label]=$(printf '%s\n' $peaks | awk '{ printf "%.1f\n", $1 / 1024 }' | median)
	# shellcheck disable=SC2086
	MAXRSS[$label]=$(printf '%s\n' $maxes | awk '{ printf "%.1f\n", $1 / 1024 }' | median)
	printf '  %-22s %10s ms %9s MiB tree %9s MiB largest process\n' "$label" "${WALL[$label]}" \
		"${PEAK[$label]}" "${MAXRSS[$label]}" >&2
}

# ------------------------------------------------------------------ runs

LABELS="relgate-manifest relgate-imports-cold relgate-imports-warm turbo nx-cold nx-warm io-floor"
declare -A TITLE=(
	[relgate-manifest]="relgate, manifest edges, no cache"
	[relgate-imports-cold]="relgate, import scanning, first run"
	[relgate-imports-warm]="relgate, import scanning, cache present"
	[turbo]="turbo ls --affected"
	[nx-cold]="nx show projects --affected, no .nx"
	[nx-warm]="nx show projects --affected, .nx kept"
	[io-floor]="I/O floor: cat every tracked file"
)
REPORT=$WORK/report.md
: >"$REPORT"

for SIZE in $SIZES; do
	workspace "$SIZE"
	BASE=$(info base)
	HEAD=$(info head)
	echo "bench: $SIZE packages, $(info sourceFiles) source files, change in $(info changed)" >&2
	WALL=() PEAK=() MAXRSS=() FAILED=()
	rm -f "$WORK/out/$SIZE-"*

	if [ "$HAVE_RELGATE" = 1 ]; then
		measure relgate-manifest '' "$RELGATE" -C . affected --base "$BASE" --packages \
			--no-imports --no-cache --format json
		measure relgate-imports-cold 'rm -rf .relgate' "$RELGATE" -C . affected --base "$BASE" \
			--packages --format json
		measure relgate-imports-warm '' "$RELGATE" -C . affected --base "$BASE" --packages \
			--format json
	fi
	measure turbo '' env TURBO_SCM_BASE="$BASE" TURBO_SCM_HEAD="$HEAD" "$TURBO_BIN" ls \
		--affected --output=json
	measure nx-cold 'rm -rf .nx' "$NX_BIN" show projects --affected --base="$BASE" \
		--head="$HEAD" --json
	measure nx-warm '' "$NX_BIN" show projects --affected --base="$BASE" --head="$HEAD" --json
	measure io-floor '' sh -c 'git ls-files -z | xargs -0 cat >/dev/null'

	# Affected counts, and whether relgate and turbo name the same packages.
	out=$WORK/out/$SIZE
	n_rg=- n_rgi=- n_turbo=- n_nx=- agree="not known (a run failed)"
	names relgate "$out-relgate-manifest" && n_rg=$(wc -l <"$out-relgate-manifest.names")
	names relgate "$out-relgate-imports-warm" && n_rgi=$(wc -l <"$out-relgate-imports-warm.names")
	names turbo "$out-turbo" && n_turbo=$(wc -l <"$out-turbo.names")
	names nx "$out-nx-warm" && n_nx=$(wc -l <"$out-nx-warm.names")
	if [ "$HAVE_RELGATE" = 0 ]; then
		agree="relgate not measured"
	elif [ "$n_rg" != - ] && [ "$n_turbo" != - ]; then
		a=$out-relgate-manifest.names b=$out-turbo.names
		if cmp -s "$a" "$b"; then
			agree="yes, the same $n_rg packages"
		else
			agree="NO: $(comm -23 "$a" "$b" | wc -l) only in relgate's list, $(comm -13 "$a" "$b" | wc -l) only in turbo's"
		fi
	fi

	ref=${WALL[relgate-manifest]:-}
	{
		echo "### $SIZE packages"
		echo
		echo "$(info sourceFiles) source files in $(info layers) layers, $(info edges) dependency edges;" \
			"the change: \`$(info changed)\` in $(info changedPackage)."
		echo
		echo "| command | median wall ms | peak MiB (tree) | max RSS MiB (largest process) | time vs relgate |"
		echo "| --- | ---: | ---: | ---: | ---: |"
		for label in $LABELS; do
			[ -n "${WALL[$label]:-}" ] || continue
			ratio=n/a
			if [ "${WALL[$label]}" = failed ]; then
				ratio=-
			elif [ -n "$ref" ] && [ "$ref" != failed ]; then
				ratio=$(awk -v a="${WALL[$label]}" -v b="$ref" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }')
			fi
			note=${FAILED[$label]:+ (failed: ${FAILED[$label]})}
			echo "| ${TITLE[$label]}$note | ${WALL[$label]} | ${PEAK[$label]} | ${MAXRSS[$label]} | $ratio |"
		done
		echo
		echo "Affected packages: relgate (manifest edges) $n_rg, relgate (import scanning) $n_rgi," \
			"turbo $n_turbo, nx $n_nx. relgate and turbo agree: $agree."
		echo
	} >>"$REPORT"
	echo >&2
done

# ---------------------------------------------------------------- report

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
if [ "$HAVE_RELGATE" = 1 ]; then
	rg_version="$("$RELGATE" --version 2>/dev/null | head -n 1 || true)"
	rg_version="${rg_version:-relgate} (commit $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown))"
else
	rg_version="not built"
fi
case $METHOD in
cgroup2) method_text="cgroup v2 memory.peak of a fresh cgroup: every page charged to the tree, page cache it brought in included" ;;
cgroup1) method_text="cgroup v1 memory.max_usage_in_bytes of a fresh memory cgroup: every page charged to the tree, page cache it brought in included" ;;
*) method_text="the sum of the resident set sizes of the tree, sampled from /proc every 5 ms" ;;
esac

turbo_pkg=$(basename "$(dirname "$(dirname "$(dirname "$TURBO_BIN")")")")/$(basename "$(dirname "$(dirname "$TURBO_BIN")")")
turbo_pkg=${turbo_pkg#node_modules/}

# section TITLE SCRIPT WHAT: the section bench/SCRIPT prints (its own "## TITLE"
# first), measured now, or a line saying why not when only the peers are timed.
section() {
	if [ "$HAVE_RELGATE" != 1 ]; then
		printf '## %s\n\nNot measured in this run (./relgate was not built).' "$1"
		return 0
	fi
	echo "bench: $3 (bench/$2)" >&2
	bash "$BENCH_DIR/$2"
}
supervisor=$(section Supervisor supervise.sh "the supervisor and the boot check") ||
	die "bench/supervise.sh failed"
store=$(section Store store.sh "the store") || die "bench/store.sh failed"
serve=$(section Serve serve.sh "relgate serve against nginx, the watch's times") ||
	die "bench/serve.sh failed"
ship=$(section Ship ship.sh "relgate ship's own time, the demo's timeline") ||
	die "bench/ship.sh failed"

# The snippet's size: what every page of a release carries.
snippet="## Snippet

Not measured in this run (./relgate was not built)."
if [ "$HAVE_RELGATE" = 1 ]; then
	js=$("$RELGATE" snippet)
	snippet="## Snippet

The early-error script relgate release puts into every page (\`relgate snippet\`;
the goal is under 1 KB as shipped), the same bytes in every release:

| | bytes |
| --- | ---: |
| as shipped | $(printf '%s' "$js" | wc -c) |
| gzip -9 | $(printf '%s' "$js" | gzip -9 | wc -c) |

Its CSP source, for \`script-src\`: \`$("$RELGATE" snippet --csp-hash)\`."
fi

# The real histories' section: measured now, unless BENCH_REAL=0.
real="## Real histories

Not measured in this run (BENCH_REAL=0, or ./relgate was not built)."
if [ "$HAVE_RELGATE" = 1 ] && [ "${BENCH_REAL:-1}" != 0 ]; then
	echo "bench: the real histories (bench/real.sh)" >&2
	real=$(bash "$BENCH_DIR/real.sh") || die "bench/real.sh failed"
fi

{
	cat <<EOF
# Benchmark results

Written by \`make bench\` (bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC').

## Machine

- CPU: $cpu, $(nproc) cores; memory: $mem
- Kernel: $(uname -sr)
- relgate: $rg_version
- turbo $(peer_version turbo), nx $(peer_version nx) (pinned in bench/package-lock.json)
- node $(node --version), npm $(npm --version 2>/dev/null || echo -), $(git --version)

## Method

Workspaces: \`node bench/gen.js --packages N --seed $SEED OUTDIR\` (npm workspaces, layered
packages, about 11 source files each in .js/.ts/.jsx/.tsx/.mjs, imports between them), with a
second commit that edits one module of a low-layer package that many packages depend on. BASE
is the first commit, HEAD the second. Every command runs in the workspace once to warm up (the
page cache is warm), then $RUNS times; the tables give medians. "Peak MiB" is the peak memory of
the whole process tree (the command and all its descendants): $method_text. "Max RSS" is
the resident set of the largest single process of the tree (getrusage), shared pages included.
"time vs relgate" divides by relgate's manifest-edges time, the like-for-like of turbo and of
nx's default (nx analyses package.json files only unless @nx/js is configured).

Commands, in the workspace:

| row | command |
| --- | --- |
| relgate, manifest edges, no cache | \`relgate -C . affected --base BASE --packages --no-imports --no-cache --format json\` |
| relgate, import scanning, first run | \`rm -rf .relgate\` before each run, then \`relgate -C . affected --base BASE --packages --format json\` |
| relgate, import scanning, cache present | the same without removing .relgate |
| turbo ls --affected | \`TURBO_SCM_BASE=BASE TURBO_SCM_HEAD=HEAD turbo ls --affected --output=json\` (turbo's native binary, from $turbo_pkg; no daemon is involved) |
| nx, no .nx | \`rm -rf .nx\` before each run, then \`nx show projects --affected --base=BASE --head=HEAD --json\` |
| nx, .nx kept | the same, with nx's project-graph cache (.nx/workspace-data) kept between runs, as nx does by default |
| I/O floor | \`git ls-files -z \| xargs -0 cat >/dev/null\`: reading every tracked file once |

Environment for the peers: TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 DO_NOT_TRACK=1
TURBO_DAEMON=false NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false; nx runs from the pinned
package, linked into the workspace's node_modules.

## Results

EOF
	cat "$REPORT"
	printf '%s\n\n' "$real"
	printf '%s\n\n' "$supervisor"
	printf '%s\n' "$store"
	echo
	printf '%s\n\n' "$serve"
	printf '%s\n\n' "$ship"
	printf '%s\n' "$snippet"
} >"$RESULTS.tmp"
mv "$RESULTS.tmp" "$RESULTS"

cat "$REPORT"
echo "bench: wrote ${RESULTS#"$ROOT"/}" >&2
if [ "$ANY_FAILED" = 1 ]; then
	echo "bench: some runs failed (see the tables and bench/scratch/out/*.failed.err)" >&2
	exit 1
fi
