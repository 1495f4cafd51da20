#!/usr/bin/env bash
#
# t9000: differential test of `relgate affected --packages --no-imports`
# against Turborepo's `turbo ls --affected`, on synthetic npm workspaces made
# by bench/gen.js (several shapes and seeds), for many kinds of change.
#
# Both tools answer the same question with package.json edges only: which
# workspace packages does the change between BASE and HEAD (merge-base
# semantics) touch, and which packages depend on them, transitively. The
# sorted package names must be the same.
#
# The peer is the turbo pinned in bench/package.json, installed by
# `npm ci --prefix bench`. Without it this test is skipped, unless
# RELGATE_REQUIRE_PEERS=1 (as in CI): then it fails.
#
# What the pinned turbo (2.11.11) does, as observed on these workspaces:
#
#   file in a package          that package and its dependents.
#   added / deleted file       the same, for the package that holds (held) it.
#   renamed file               both paths count: the old and the new package.
#   package.json of a package  that package and its dependents; the graph is
#                              the one at HEAD (an added dependency edge
#                              counts at once).
#   root-level file            (README.md, .gitignore, nx.json, tools/...,
#                              tsconfig.json, .nvmrc): only turbo's root
#                              package "//", which `turbo ls` never lists:
#                              nothing. Except files named by
#                              turbo.json's "globalDependencies": all.
#   root package.json          the same: nothing (scripts, engines,
#                              packageManager, devDependencies while the
#                              lockfile stays the same); relgate, by design,
#                              every package (the root's scripts and tools
#                              build every product). But when the root
#                              package.json depends on a workspace package,
#                              a change in that package (or in anything it
#                              depends on) selects every package.
#   package-lock.json          per package: the packages whose resolved
#                              external dependencies (name@version, with
#                              their transitive closure) differ, plus their
#                              dependents. A reformat, an integrity-only
#                              change or an entry no package uses: nothing.
#                              Every package when an external dependency of
#                              the root package.json resolves differently
#                              (the root's externals count for everyone),
#                              and when the lockfile cannot be compared
#                              (seen when it is deleted; by turbo's source
#                              also when it cannot be parsed).
#   turbo.json                 every package.
#   deleted package            nothing (its files belong to no package at
#                              HEAD).
#   peerDependencies           NOT an edge: a package that names a workspace
#                              package only in peerDependencies is not
#                              affected by it (dependencies, devDependencies
#                              and optionalDependencies are edges).
#
# Compared here, because both tools agree on them by design: edits, added,
# deleted and renamed files, package.json dependency changes, a new package,
# root-level files (nothing), package-lock.json
# version bumps and reformats, two packages at once, a base that is not an
# ancestor of HEAD. Checked as a difference: the root package.json (turbo
# nothing, relgate every package). Not compared, because relgate differs by design:
# turbo.json and globalDependencies (relgate's own globalInputs decide), the
# root package's dependencies on workspace packages, peer-only edges
# (relgate counts a dependency of any kind; bench/gen.js always pairs a peer
# dependency with a devDependency, as packages usually do), integrity-only
# lockfile changes, the root package.json's external dependencies in the
# lockfile, a lockfile that cannot be compared.

. "$(dirname "$0")/test-lib.sh"

BENCH_DIR=$SRCDIR/bench
. "$BENCH_DIR/peers.sh"

command -v node >/dev/null 2>&1 || missing_peer "node is not installed"
# shellcheck disable=SC2034 # TURBO_BIN is read by peers.sh
TURBO_BIN=$(find_turbo) || missing_peer "turbo is not installed: run npm ci --prefix bench"
[ -x "$RELGATE" ] || missing_peer "relgate is not built ($RELGATE): run make"
peers_env

# ------------------------------------------------------------------ helpers

commit() { # MESSAGE
	git add -A && git commit -q --no-verify -m "$1"
}

# Edits JSON files in place: json_edit 'JS statements' FILE... [-- ARG...].
# The statements run once per file, and see the parsed file as j, its name as
# file and the arguments after "--" as args.
json_edit() {
	node -e '
		const fs = require("fs");
		const [code, ...rest] = process.argv.slice(1);
		const cut = rest.indexOf("--");
		const files = cut < 0 ? rest : rest.slice(0, cut);
		const args = cut < 0 ? [] : rest.slice(cut + 1);
		for (const file of files) {
			const j = JSON.parse(fs.readFileSync(file, "utf8"));
			new Function("j", "file", "args", code)(j, file, args);
			fs.writeFileSync(file, JSON.stringify(j, null, 2) + "\n");
		}' "$@"
}

# Sets DIR's dependency NAME (in field KIND) to VERSION, or removes it when
# VERSION is "-", in DIR/package.json and in the lockfile's entry for DIR.
set_dep() { # DIR KIND NAME VERSION
	json_edit '
		const [dir, kind, name, version] = args;
		const e = file === "package-lock.json" ? j.packages[dir] : j;
		e[kind] = e[kind] || {};
		if (version === "-") delete e[kind][name]; else e[kind][name] = version;
		if (!Object.keys(e[kind]).length) delete e[kind];' \
		"$1/package.json" package-lock.json -- "$@"
}

append() { # FILE: a harmless change to a source file
	printf '\nexport const touched%s = 1;\n' "$(wc -l <"$1")" >>"$1"
}

nth_source() { # DIR N: the Nth tracked source file of a package
	git ls-files "$1/src" | sed -n "$2p"
}

# Compares the two tools between BASE and HEAD of the workspace in the
# current directory. The lists land beside the workspace for test_cmp.
compare() { # BASE HEAD
	local out=$PWD.cmp
	turbo_affected_json . "$1" "$2" >"$out.turbo.json" 2>"$out.turbo.err" &&
		"$RELGATE" -C . affected --base "$1" --head "$2" --packages --no-imports \
			--format json >"$out.relgate.json" &&
		json_names turbo <"$out.turbo.json" >"$out.turbo" &&
		json_names relgate <"$out.relgate.json" >"$out.relgate" &&
		test_cmp "$out.turbo" "$out.relgate"
}

# Makes one change as a commit on top of HEAD with CHANGE ARGS, then compares.
check_change() { # REPO CHANGE [ARGS...]
	(
		cd "$1" && shift &&
			base=$(git rev-parse HEAD) &&
			"$@" &&
			commit "$*" &&
			compare "$base" HEAD
	)
}

# A change where relgate differs from turbo by design: turbo lists nothing,
# relgate every package (the change reaches every product's build).
check_everything() { # REPO CHANGE [ARGS...]
	(
		cd "$1" && shift &&
			base=$(git rev-parse HEAD) &&
			"$@" &&
			commit "$*" &&
			! compare "$base" HEAD >/dev/null &&
			test ! -s "$PWD.cmp.turbo" &&
			git ls-files "*/package.json" | grep -c . >"$PWD.cmp.count" &&
			test "$(wc -l <"$PWD.cmp.relgate")" -eq "$(cat "$PWD.cmp.count")"
	)
}

# Like check_change, and also checks how many packages turbo listed.
check_change_count() { # REPO COUNT CHANGE [ARGS...]
	local repo=$1 count=$2
	shift 2
	check_change "$repo" "$@" &&
		test "$(wc -l <"$repo.cmp.turbo")" -eq "$count"
}

# ------------------------------------------------------------------ changes

edit_file() { append "$(nth_source "$1" "$2")"; }

add_file() { printf 'export const added = 1;\n' >"$1/src/added.ts"; }

delete_file() { git rm -q "$(nth_source "$1" 3)"; }

rename_across() { # FROM_DIR TO_DIR
	local f
	f=$(nth_source "$1" 2)
	git mv "$f" "$2/src/moved-${f##*/}"
}

edit_two() { append "$(nth_source "$1" 1)" && append "$(nth_source "$2" 1)"; }

root_readme() { printf '\nMore words.\n' >>README.md; }

root_other_files() {
	mkdir -p tools && printf 'console.log("notes");\n' >tools/release-notes.js &&
		printf 'coverage/\n' >>.gitignore
}

root_package_json() {
	json_edit 'j.scripts = { lint: "echo lint" }; j.engines = { node: ">=18" };' package.json
}

# Bumps the version an external package resolves to (same major and minor).
lock_bump() { # NAME
	json_edit '
		const e = j.packages["node_modules/" + args[0]];
		const v = e.version.split(".");
		v[2] = String(Number(v[2]) + 1);
		e.version = v.join(".");' package-lock.json -- "$1"
}

lock_reformat() {
	node -e '
		const fs = require("fs");
		const j = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
		fs.writeFileSync("package-lock.json", JSON.stringify(j, null, 4) + "\n");'
}

# A new workspace package that depends on DEP, with its lockfile entries.
new_package() { # DIR NAME DEP_NAME
	mkdir -p "$1/src" &&
		printf '{\n  "name": "%s",\n  "version": "1.0.0",\n  "dependencies": { "%s": "*" }\n}\n' \
			"$2" "$3" >"$1/package.json" &&
		printf 'import { x } from "%s";\nexport const y = x;\n' "$3" >"$1/src/index.js" &&
		json_edit '
			const [dir, name, dep] = args;
			j.packages[dir] = { name, version: "1.0.0", dependencies: { [dep]: "*" } };
			j.packages["node_modules/" + name] = { resolved: dir, link: true };' package-lock.json -- "$@"
}

bump_version() { # DIR
	json_edit '(file === "package-lock.json" ? j.packages[args[0]] : j).version = "1.1.0";' \
		"$1/package.json" package-lock.json -- "$1"
}

# BASE on a side branch, HEAD on main: only main's side of the fork counts.
diverged() { # REPO SIDE_DIR MAIN_DIR
	(
		cd "$1" &&
			fork=$(git rev-parse HEAD) &&
			git checkout -q -b side "$fork" &&
			append "$(nth_source "$2" 1)" && commit "side" &&
			side=$(git rev-parse HEAD) &&
			git checkout -q main &&
			append "$(nth_source "$3" 1)" && commit "main" &&
			git branch -q -D side &&
			compare "$side" HEAD
	)
}

# ------------------------------------------------------------------- cases

# shape seed packages
WORKSPACES='
layered 1 40
chain 2 12
diamond 3 15
star 4 20
flat 5 10
'

# Sets base, low, leaf, mid, ext and other from gen.js's summary: the base
# commit, a low package much depended on, a leaf package, one halfway up, an
# external package some package uses (if any), and a leaf other than $leaf
# (else the low package).
read_summary() { # JSON_FILE
	eval "$(node -e '
		const j = require(process.argv[1]);
		const other = j.leaves.filter((d) => d !== j.leafPackageDir).pop() || j.lowPackageDir;
		const v = { base: j.base, low: j.lowPackageDir, leaf: j.leafPackageDir,
			mid: j.midPackageDir, ext: j.externals[0] || "", other };
		for (const [k, x] of Object.entries(v)) console.log(`${k}=\x27${x}\x27`);' "$1")"
}

# (read from descriptor 3, so that the commands in the loop cannot eat it)
while read -r shape seed n <&3; do
	[ -n "$shape" ] || continue
	ws=$shape-$seed
	repo=$TRASH/$ws
	info=$TRASH/$ws.json

	test_expect_success "$ws: generate $n packages" '
		node "$BENCH_DIR/gen.js" --packages $n --seed $seed --shape $shape \
			--files-per-package 6 --quiet "$repo" >"$info"
	'
	[ -s "$info" ] || continue
	read_summary "$info"

	test_expect_success "$ws: edit in a low package ($low, the generated change)" '
		(cd "$repo" && compare "$base" HEAD)
	'
	test_expect_success "$ws: edit in a leaf package ($leaf)" '
		check_change "$repo" edit_file "$leaf" 1
	'
	test_expect_success "$ws: edit in a middle package ($mid)" '
		check_change "$repo" edit_file "$mid" 2
	'
	test_expect_success "$ws: add a file ($mid)" '
		check_change "$repo" add_file "$mid"
	'
	test_expect_success "$ws: delete a file ($low)" '
		check_change "$repo" delete_file "$low"
	'
	test_expect_success "$ws: rename a file across packages ($leaf to $mid)" '
		check_change "$repo" rename_across "$leaf" "$mid"
	'
	test_expect_success "$ws: two packages at once ($leaf, $low)" '
		check_change "$repo" edit_two "$leaf" "$low"
	'
	test_expect_success "$ws: $leaf gains a dependency on $other" '
		check_change "$repo" set_dep "$leaf" dependencies "@bench/${other##*/}" "*"
	'
	test_expect_success "$ws: an edit in $other now reaches $leaf too" '
		check_change "$repo" edit_file "$other" 1 &&
		grep -x "@bench/${leaf##*/}" "$repo.cmp.turbo"
	'
	test_expect_success "$ws: $leaf drops that dependency again" '
		check_change "$repo" set_dep "$leaf" dependencies "@bench/${other##*/}" - &&
		check_change "$repo" edit_file "$other" 1
	'
	test_expect_success "$ws: devDependency and optionalDependency edges" '
		check_change "$repo" set_dep "$leaf" devDependencies "@bench/${mid##*/}" "*" &&
		check_change "$repo" edit_file "$mid" 1 &&
		check_change "$repo" set_dep "$leaf" devDependencies "@bench/${mid##*/}" - &&
		check_change "$repo" set_dep "$leaf" optionalDependencies "@bench/${mid##*/}" "*" &&
		check_change "$repo" edit_file "$mid" 1
	'
	test_expect_success "$ws: version bump in a package.json ($mid)" '
		check_change "$repo" bump_version "$mid"
	'
	test_expect_success "$ws: a new package that depends on ${low##*/}" '
		check_change "$repo" new_package packages/fresh @bench/fresh "@bench/${low##*/}"
	'
	test_expect_success "$ws: root README.md only (nothing)" '
		check_change_count "$repo" 0 root_readme
	'
	test_expect_success "$ws: other root-level files only (nothing)" '
		check_change_count "$repo" 0 root_other_files
	'
	test_expect_success "$ws: root package.json scripts and engines (turbo: nothing; relgate: all)" '
		check_everything "$repo" root_package_json
	'
	test_expect_success "$ws: package-lock.json reformatted (nothing)" '
		check_change_count "$repo" 0 lock_reformat
	'
	if [ -n "$ext" ]; then
		test_expect_success "$ws: package-lock.json resolves $ext to a newer patch" '
			check_change "$repo" lock_bump "$ext" &&
			test -s "$repo.cmp.turbo"
		'
	fi
	test_expect_success "$ws: base on a side branch (merge-base)" '
		diverged "$repo" "$low" "$leaf"
	'
done 3<<EOF
$WORKSPACES
EOF

test_done
