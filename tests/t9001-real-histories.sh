#!/usr/bin/env bash
#
# t9001: relgate against Turborepo on two real monorepo histories, commit by
# commit: vuejs/core (pnpm, lockfile v9) and babel/babel (yarn 4, 162
# packages, 27,000 files), 60 commits each (tests/data/real/README.md).
#
# For each commit C with parent P, both tools answer which workspace packages
# the change P..C touches: `relgate affected --packages` (imports included,
# as a user runs it) and `turbo ls --affected`.  turbo needs a turbo.json,
# which neither repository has: the test commits one on top of P (P') and
# C's tree with it on top of P' (C'), so that the range P'..C' is C's change
# and nothing else, with turbo's merge-base reading.
#
# Every disagreement must be listed in tests/data/real/expected-differences
# with its class, and the class is checked against relgate's own chain:
#
#   peer    relgate selects it through a peerDependency, which turbo does
#           not count as an edge (relgate does: the package is built and
#           tested against its peer);
#   import  relgate selects it through an import that no package.json
#           states (a test file of one package importing another package);
#   missed  turbo selects it and relgate does not: always a failure unless
#           the file says, after a #, why relgate is right.
#
# A listed difference that no longer happens fails too, so the file stays
# true.  RELGATE_WRITE_EXPECTED=FILE writes what was observed to FILE, to
# review and then commit.

. "$(dirname "$0")/test-lib.sh"

BENCH_DIR=$SRCDIR/bench
. "$BENCH_DIR/peers.sh"

DATA=${RELGATE_REAL_HISTORIES:-$SRCDIR/tests/data/real}
EXPECTED=$DATA/expected-differences
REPOS="vuejs-core babel"

# shellcheck disable=SC2034 # TURBO_BIN is read by peers.sh
TURBO_BIN=$(find_turbo) || missing_peer "turbo is not installed: run npm ci --prefix bench"
command -v jq >/dev/null 2>&1 || missing_peer "jq is not installed"
for r in $REPOS; do
	test -f "$DATA/$r.git.tar" || missing_peer "$DATA/$r.git.tar is missing"
done
peers_env

# ------------------------------------------------------------------ helpers

# A clone of the history NAME, in $TRASH/NAME; relgate's cache stays out of
# git's sight, as a user's .gitignore would keep it.
unpack() { # NAME
	tar xf "$DATA/$1.git.tar" -C "$TRASH" &&
		git clone -q "$TRASH/$1.git" "$TRASH/$1" &&
		echo ".relgate/" >>"$TRASH/$1/.git/info/exclude"
}

# The class of a package relgate selects and turbo does not, from the chain
# in relgate's JSON on standard input.
chain_class() { # PACKAGE
	jq -r --arg p "$1" '
		[.products[] | select(.name == $p) | .chain[] | (.why // empty), (.edge // empty)]
		| if any(.[]; . == "peerDependency") then "peer"
		  elif any(.[]; . == "import") then "import"
		  else "other" end'
}

# Replays commit C of the clone NAME: prints one line per disagreement,
# "NAME C +PACKAGE CLASS" (relgate only) or "NAME C -PACKAGE missed".
replay() { # NAME C
	local dir=$TRASH/$1 out=$TRASH/$1.$2 p b h
	(
		cd "$dir" &&
			p=$(git rev-parse --verify "$2^") &&
			b=$(turbo_json_commit "$turbo_json" "$p" "$p") &&
			h=$(turbo_json_commit "$turbo_json" "$2" "$b") &&
			git checkout -q -f "$h" &&
			turbo_affected_json . "$b" "$h" >"$out.turbo.json" 2>"$out.turbo.err" &&
			"$RELGATE" affected --base "$b" --head "$h" --packages --format json \
				>"$out.relgate.json" 2>"$out.relgate.err" &&
			json_names turbo <"$out.turbo.json" >"$out.turbo" &&
			json_names relgate <"$out.relgate.json" >"$out.relgate"
	) || return 1
	comm -13 "$out.turbo" "$out.relgate" | while IFS= read -r pkg; do
		printf '%s %s +%s %s\n' "$1" "$2" "$pkg" "$(chain_class "$pkg" <"$out.relgate.json")"
	done &&
		comm -23 "$out.turbo" "$out.relgate" | while IFS= read -r pkg; do
			printf '%s %s -%s missed\n' "$1" "$2" "$pkg"
		done
}

# The listed differences of commit C of NAME, without their comments.
listed() { # NAME C
	sed -e 's/[[:space:]]*#.*//' -e '/^$/d' "$EXPECTED" | awk -v r="$1" -v c="$2" '$1 == r && $2 == c' |
		LC_ALL=C sort
}

# ------------------------------------------------------------------ tests

test_expect_success 'setup: unpack both histories, and a turbo.json for turbo' '
	test -f "$EXPECTED" &&
	for r in $REPOS; do unpack "$r" || return 1; done &&
	for r in $REPOS; do
		turbo_json=$(cd "$TRASH/$r" && turbo_json_blob) || return 1
	done &&
	: >"$TRASH/observed" && : >"$TRASH/replayed"
'

for r in $REPOS; do
	for c in $(git -C "$TRASH/$r" rev-list --first-parent --abbrev-commit --abbrev=12 HEAD); do
		# the oldest commit is the shallow boundary: it has no parent here
		git -C "$TRASH/$r" rev-parse -q --verify "$c^" >/dev/null 2>&1 || continue
		title=$(git -C "$TRASH/$r" log -1 --format=%s "$c" | cut -c1-60)
		test_expect_success "$r $c ($title): as turbo, or as listed" '
			echo "$r $c" >>"$TRASH/replayed" &&
			replay "$r" "$c" >"$TRASH/$r.$c.unsorted" &&
			LC_ALL=C sort "$TRASH/$r.$c.unsorted" >"$TRASH/$r.$c.observed" &&
			cat "$TRASH/$r.$c.observed" >>"$TRASH/observed" &&
			listed "$r" "$c" >"$TRASH/$r.$c.listed" &&
			test_cmp "$TRASH/$r.$c.listed" "$TRASH/$r.$c.observed"
		'
	done
done

test_expect_success 'every listed difference names a commit that was replayed, and a known class' '
	sed -e "s/[[:space:]]*#.*//" -e "/^$/d" "$EXPECTED" >"$TRASH/all-listed" &&
	awk "{ print \$1, \$2 }" "$TRASH/all-listed" | LC_ALL=C sort -u >"$TRASH/listed-commits" &&
	LC_ALL=C sort -u "$TRASH/replayed" >"$TRASH/replayed-commits" &&
	comm -23 "$TRASH/listed-commits" "$TRASH/replayed-commits" >"$TRASH/stale" &&
	test_must_be_empty "$TRASH/stale" &&
	awk "\$4 != \"peer\" && \$4 != \"import\" && \$4 != \"missed\" || NF != 4" \
		"$TRASH/all-listed" >"$TRASH/unknown" &&
	test_must_be_empty "$TRASH/unknown" &&
	{ grep " missed$" "$EXPECTED" || true; } >"$TRASH/unexplained" &&
	test_must_be_empty "$TRASH/unexplained"
'

if test -n "${RELGATE_WRITE_EXPECTED:-}"; then
	cp "$TRASH/observed" "$RELGATE_WRITE_EXPECTED"
fi

test_done
