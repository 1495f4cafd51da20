# Helpers for the pinned peers (turbo, nx) that `npm ci --prefix bench`
# installs into bench/node_modules. Sourced (bash) by bench/run.sh and by
# tests/t9000-turbo-differential.sh; the caller sets BENCH_DIR to the bench
# folder first.

: "${BENCH_DIR:?BENCH_DIR must name the bench folder}"

# No telemetry, no update checks, no daemon, no cloud, no interactive UI.
peers_env() {
	export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 NO_UPDATE_NOTIFIER=1
	export DO_NOT_TRACK=1 TURBO_DAEMON=false
	export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
}

# Prints the path of turbo's native binary (not the JS wrapper): the
# platform package is @turbo/<os>-<arch> in turbo 2 (turbo-<os>-<arch> in
# older releases); the one that runs here is taken. Callers keep it:
#   TURBO_BIN=$(find_turbo) || ...
find_turbo() {
	local f
	if [ -n "${TURBO_BIN:-}" ]; then
		printf '%s\n' "$TURBO_BIN"
		return 0
	fi
	for f in "$BENCH_DIR"/node_modules/@turbo/*/bin/turbo "$BENCH_DIR"/node_modules/turbo-*/bin/turbo; do
		if [ -x "$f" ] && "$f" --version >/dev/null 2>&1; then
			printf '%s\n' "$f"
			return 0
		fi
	done
	return 1
}

# Prints the path of nx's command-line entry point.
find_nx() {
	local f="$BENCH_DIR/node_modules/nx/dist/bin/nx.js"
	[ -f "$f" ] && command -v node >/dev/null 2>&1 || return 1
	printf '%s\n' "$BENCH_DIR/node_modules/.bin/nx"
}

peer_version() { # turbo|nx
	case $1 in
	turbo) "$(find_turbo)" --version 2>/dev/null | tail -n 1 ;;
	nx) node -p "require('$BENCH_DIR/node_modules/nx/package.json').version" ;;
	esac
}

# nx insists on a local installation in the workspace: link the pinned one
# into REPO/node_modules (which the generated workspaces git-ignore).
link_nx() { # REPO
	mkdir -p "$1/node_modules"
	ln -sfn "$BENCH_DIR/node_modules/nx" "$1/node_modules/nx"
}

# Sorted package names, one per line, from the JSON output of a tool on
# standard input:
#   turbo   `turbo ls --output=json`: .packages.items[].name, without turbo's
#           root package "//" (turbo ls does not list it today; dropped in
#           case it ever does, since it is no workspace package)
#   relgate `relgate affected --format json`: .products[].name
#   nx      `nx show projects --json`: a plain array of names
# jq when it is there (it starts faster), node otherwise.
json_names() { # turbo|relgate|nx
	local filter
	case $1 in
	turbo) filter='.packages.items[].name' ;;
	relgate) filter='.products[].name' ;;
	nx) filter='.[]' ;;
	*) echo "json_names: unknown kind $1" >&2; return 2 ;;
	esac
	if command -v jq >/dev/null 2>&1; then
		jq -r "$filter"
	else
		node -e '
			let s = "";
			process.stdin.on("data", (d) => (s += d)).on("end", () => {
				const j = JSON.parse(s);
				const names = process.argv[1] === "turbo" ? j.packages.items.map((p) => p.name)
					: process.argv[1] === "relgate" ? j.products.map((p) => p.name) : j;
				process.stdout.write(names.map((n) => n + "\n").join(""));
			});' "$1"
	fi | { grep -vx '//' || true; } | LC_ALL=C sort
}

# turbo's affected packages between BASE and HEAD (merge-base semantics), as
# JSON on standard output.
turbo_affected_json() { # REPO BASE HEAD
	local turbo=${TURBO_BIN:-$(find_turbo)}
	(cd "$1" && TURBO_SCM_BASE=$2 TURBO_SCM_HEAD=$3 "$turbo" ls --affected --output=json)
}

# turbo needs a turbo.json, which a real repository may not have. These make
# scratch commits that add one, so that turbo can read a commit pair P..C:
#   blob=$(turbo_json_blob)
#   b=$(turbo_json_commit "$blob" P P); h=$(turbo_json_commit "$blob" C "$b")
# P'..C' is then C's change alone, under turbo's merge-base reading too. Both
# work in the git repository of the current folder.
turbo_json_blob() {
	printf '{\n  "tasks": {}\n}\n' | git hash-object -w --stdin
}

turbo_json_commit() { # BLOB COMMIT PARENT: prints the new commit's id
	local index tree
	index=$(git rev-parse --absolute-git-dir)/relgate-scratch-index
	GIT_INDEX_FILE=$index git read-tree "$2" &&
		GIT_INDEX_FILE=$index git update-index --add --cacheinfo "100644,$1,turbo.json" &&
		tree=$(GIT_INDEX_FILE=$index git write-tree) &&
		rm -f "$index" &&
		git commit-tree "$tree" -p "$3" -m "scratch: turbo.json"
}
