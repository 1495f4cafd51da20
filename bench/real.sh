#!/usr/bin/env bash
#
# bench/real.sh: relgate against Turborepo on every commit of the two real
# histories in tests/data/real (vuejs/core with pnpm, babel/babel with yarn
# 4), as the "## Real histories" section of bench/RESULTS.md, printed on
# standard output; bench/run.sh includes it.  The full table, one row per
# commit, goes to bench/real-commits.md.
#
# For each commit C with parent P, the commands read the pair P'..C' of
# scratch commits that add a turbo.json (bench/peers.sh, turbo_json_commit),
# with C' checked out.  Each round runs, in turn:
#   turbo       TURBO_SCM_BASE=P' TURBO_SCM_HEAD=C' turbo ls --affected --output=json
#   first       rm -rf .relgate; relgate affected --base P' --head C' --packages --format json
#   repeated    the same again, .relgate kept (the second run of a CI job, or of a developer)
#   manifest    relgate ... --packages --no-imports --no-cache (package.json edges only,
#               turbo's own kind of analysis)
# BENCH_REAL_RUNS rounds per commit (default 9), after one warm-up round;
# medians per commit.  BENCH_REAL_COMMITS limits the commits per repository.

set -eu

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
RUNS=${BENCH_REAL_RUNS:-9}
LIMIT=${BENCH_REAL_COMMITS:-0}
RELGATE=${RELGATE:-$ROOT/relgate}
DATA=${RELGATE_REAL_HISTORIES:-$ROOT/tests/data/real}
WORK=$BENCH_DIR/scratch/real
TREERSS=$BENCH_DIR/scratch/treerss
TABLE=${BENCH_REAL_TABLE:-$BENCH_DIR/real-commits.md}

. "$BENCH_DIR/peers.sh"

die() {
	echo "bench/real.sh: $*" >&2
	exit 3
}

[ -x "$RELGATE" ] || die "$RELGATE is not built: run make"
TURBO_BIN=$(find_turbo) || die "turbo is not installed: npm ci --prefix bench"
case $RUNS in '' | *[!0-9]* | 0) die "BENCH_REAL_RUNS must be a positive integer" ;; esac
peers_env
mkdir -p "$WORK"
if [ ! -x "$TREERSS" ] || [ "$BENCH_DIR/treerss.c" -nt "$TREERSS" ]; then
	cc -std=c11 -O2 -Wall -Wextra -Werror -o "$TREERSS" "$BENCH_DIR/treerss.c" ||
		die "cannot compile bench/treerss.c"
fi

# Wall milliseconds of one run of CMD in the current folder (its output dropped).
wall() { # CMD...
	"$TREERSS" -o "$WORK/stat" -- "$@" >/dev/null 2>"$WORK/err" || return 1
	grep -q 'status=0' "$WORK/stat" || {
		echo "bench/real.sh: failed: $*" >&2
		sed 's/^/  | /' "$WORK/err" | tail -n 3 >&2
		return 1
	}
	sed -n 's/.*wall_ms=\([0-9.]*\).*/\1/p' "$WORK/stat"
}

median() { # numbers on standard input
	sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan";
		else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Whether relgate's time A is within the goal of turbo's time T: at most T
# plus the larger of 5% and 2 ms.
within() { # A T
	awk -v a="$1" -v t="$2" 'BEGIN { s = t * 0.05; if (s < 2) s = 2; exit !(a <= t + s) }'
}

ratio() { # A B: A / B
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}

{
	echo "# relgate and turbo on every commit of the real histories"
	echo
	echo "Written by bench/real.sh on $(date -u '+%Y-%m-%d %H:%M UTC'); medians of $RUNS rounds, ms."
	echo "The goal column says whether relgate is at most turbo's time plus the larger of 5% and 2 ms."
	echo
} >"$TABLE.tmp"

summary=
for name in vuejs-core babel; do
	repo=$WORK/$name
	if [ ! -d "$repo/.git" ]; then
		rm -rf "$repo" "$WORK/$name.git"
		tar xf "$DATA/$name.git.tar" -C "$WORK" && git clone -q "$WORK/$name.git" "$repo" ||
			die "cannot unpack $DATA/$name.git.tar"
		echo ".relgate/" >>"$repo/.git/info/exclude"
	fi
	cd "$repo"
	tip=$(git rev-parse origin/HEAD)
	blob=$(turbo_json_blob)
	{
		echo "## $name"
		echo
		echo "| commit | changed files | turbo | relgate first | goal | relgate repeated | goal | turbo / repeated | manifest edges only | goal |"
		echo "| --- | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | --- |"
	} >>"$TABLE.tmp"
	n=0 ok_first=0 ok_rep=0 ok_man=0 speedups='' worst_first='' worst_rep=''
	for c in $(git rev-list --first-parent "$tip"); do
		p=$(git rev-parse -q --verify "$c^" 2>/dev/null) || continue
		[ "$LIMIT" != 0 ] && [ "$n" -ge "$LIMIT" ] && break
		b=$(turbo_json_commit "$blob" "$p" "$p")
		h=$(turbo_json_commit "$blob" "$c" "$b")
		git checkout -q -f "$h"
		t_all='' f_all='' r_all='' m_all=''
		for round in $(seq 0 "$RUNS"); do
			t=$(wall env TURBO_SCM_BASE="$b" TURBO_SCM_HEAD="$h" "$TURBO_BIN" ls --affected --output=json)
			rm -rf .relgate
			f=$(wall "$RELGATE" affected --base "$b" --head "$h" --packages --format json)
			r=$(wall "$RELGATE" affected --base "$b" --head "$h" --packages --format json)
			m=$(wall "$RELGATE" affected --base "$b" --head "$h" --packages --no-imports --no-cache --format json)
			[ "$round" = 0 ] && continue
			t_all="$t_all $t" f_all="$f_all $f" r_all="$r_all $r" m_all="$m_all $m"
		done
		# shellcheck disable=SC2086 # one number a line
		{
			t=$(printf '%s\n' $t_all | median)
			f=$(printf '%s\n' $f_all | median)
			r=$(printf '%s\n' $r_all | median)
			m=$(printf '%s\n' $m_all | median)
		}
		g_f=no g_r=no g_m=no
		within "$f" "$t" && g_f=yes && ok_first=$((ok_first + 1))
		within "$r" "$t" && g_r=yes && ok_rep=$((ok_rep + 1))
		within "$m" "$t" && g_m=yes && ok_man=$((ok_man + 1))
		s=$(ratio "$t" "$r")
		speedups="$speedups $s"
		worst_first=$(printf '%s\n%s %s %s\n' "$worst_first" "$(ratio "$f" "$t")" "${c:0:12}" "$f/$t" | sort -rn | head -n 1)
		worst_rep=$(printf '%s\n%s %s %s\n' "$worst_rep" "$(ratio "$r" "$t")" "${c:0:12}" "$r/$t" | sort -rn | head -n 1)
		files=$(git diff --name-only "$b" "$h" | wc -l)
		echo "| ${c:0:12} | $files | $t | $f | $g_f | $r | $g_r | ${s}x | $m | $g_m |" >>"$TABLE.tmp"
		n=$((n + 1))
		printf 'bench/real.sh: %s %s: turbo %s, first %s, repeated %s, manifest %s ms\n' \
			"$name" "${c:0:12}" "$t" "$f" "$r" "$m" >&2
	done
	echo >>"$TABLE.tmp"
	# shellcheck disable=SC2086
	med_speedup=$(printf '%s\n' $speedups | median)
	wf=$(echo "$worst_first" | awk '{ printf "%sx at %s, %s ms", $1, $2, $3 }')
	wr=$(echo "$worst_rep" | awk '{ printf "%sx at %s, %s ms", $1, $2, $3 }')
	summary="$summary| $name | $n | $ok_first of $n (worst: $wf) | $ok_rep of $n (worst: $wr) | ${med_speedup}x | $ok_man of $n |
"
	cd "$ROOT"
done
mv "$TABLE.tmp" "$TABLE"

cat <<EOF
## Real histories

Every commit of tests/data/real (vuejs/core: 17 packages, pnpm; babel/babel: 162 packages,
27,000 files, yarn 4), by \`bench/real.sh\`: turbo ls --affected against relgate's first run
(no .relgate: every file's imports scanned), its repeated run (.relgate kept: the head's graph
from the snapshot) and its run with package.json edges only and no cache (turbo's kind of
analysis), $RUNS rounds per commit, medians. The goal: at most turbo's time plus the larger of
5% and 2 ms on every commit; repeated runs at least 5x faster than turbo on the median commit.
One row per commit: bench/real-commits.md. "worst" gives relgate's time over turbo's on the
worst commit, its id and the two medians in ms.

| repository | commits | first run within the goal | repeated run within the goal | turbo / repeated, median commit | package.json edges only, within the goal |
| --- | ---: | --- | --- | ---: | --- |
$summary
EOF
