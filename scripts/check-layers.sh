#!/bin/sh
# check-layers.sh [SRC]: src/ (or the folder SRC) is cut by stage, in pipeline order, and a folder
# may include only lib/, itself and the stages before it; no module may
# reach itself through includes.  Prints each violation as file:line and
# exits 1 when there is any.  Run by `make check`.
#
# A module is a .c/.h pair (src/analyze/impact.c and .h are one node);
# an include of "dir/name.h" is an edge from the including module to
# dir/name.  Cycles are found with tsort(1).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "${1:-$top/src}" || exit 2

# the stages, in the order of the pipeline (DESIGN.md, "Source layout")
order="lib analyze gate release notify serve watch cmd"

rank() {
	i=0
	for s in $order; do
		[ "$s" = "$1" ] && { echo $i; return; }
		i=$((i + 1))
	done
	echo -1
}

status=0
edges=$(mktemp) || exit 2
trap 'rm -f "$edges"' EXIT

for d in */; do
	d=${d%/}
	[ "$(rank "$d")" -ge 0 ] || { echo "src/$d/: not a stage of the pipeline ($order)"; status=1; }
done

for f in */*.[ch] main.c; do
	[ -f "$f" ] || continue
	case $f in
	*/*) dir=${f%%/*} ;;
	*) dir=main ;;
	esac
	self=${f%.[ch]}
	# every include of a project header names its folder: "lib/util.h"
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
	sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1 \2/' > "$edges.inc"
	while read -r line inc; do
		case $inc in
		*/*.h) ;;
		*) echo "src/$f:$line: #include \"$inc\": name the header's folder"; status=1; continue ;;
		esac
		to=${inc%%/*}
		[ -f "$inc" ] || { echo "src/$f:$line: #include \"$inc\": no such header"; status=1; continue; }
		echo "$self ${inc%.h}" >> "$edges"
		[ "$dir" = main ] && continue
		[ "$to" = "$dir" ] && continue
		[ "$to" = lib ] && continue
		if [ "$(rank "$to")" -ge "$(rank "$dir")" ]; then
			echo "src/$f:$line: #include \"$inc\": $dir/ may include only lib/ and the stages before it"
			status=1
		fi
	done < "$edges.inc"
	rm -f "$edges.inc"
done

# modules that include each other, directly or around a loop
awk '$1 != $2' "$edges" | sort -u > "$edges.sorted"
if ! tsort "$edges.sorted" > /dev/null 2> "$edges.err"; then
	echo "include cycle between modules:"
	sed -n 's/^tsort: //p' "$edges.err" | grep -v 'input contains a loop' | sed 's/^/  /'
	sed -n 's/^tsort: //p' "$edges.err" | grep -q . || cat "$edges.err"
	status=1
fi
rm -f "$edges.sorted" "$edges.err"
exit $status
