# lib-fixtures.sh: fixtures shared by the affected/graph tests, sourced
# after test-lib.sh.

# Every test starts in the scratch folder, so that a test that failed inside
# one of its subfolders does not make the next ones fail too.
test_before_each='cd "$TRASH"'

# Commit everything in the current repository: commit_all MESSAGE
# relgate's own .relgate folder (its cache) is left out.
commit_all() {
	git add -A -- . ":(exclude,glob)**/.relgate/**" && git commit -qm "$1"
}

# The abbreviation relgate prints in its text header: abbrev REF
abbrev() {
	git rev-parse "$1" | cut -c1-10
}

# Append a line to a file and commit it: touch_commit PATH [MESSAGE]
touch_commit() {
	echo "// edit" >>"$1" && commit_all "${2:-edit $1}"
}

# The classic three packages in the current folder, committed as an npm
# workspace: a, b (depends on a), c (independent).
abc_workspace() {
	make_package packages/a a &&
	make_package packages/b b a &&
	make_package packages/c c &&
	make_workspace
}

# relgate's text output without its first line (the header with the shas):
# affected_body [GLOBAL-OPTION...] affected [OPTION...]
affected_body() {
	"$RELGATE" "$@" >"$TRASH/.text" || return $?
	sed 1d "$TRASH/.text"
}

# A new folder outside every git repository (the scratch folder lies inside
# the project's own clone): outside_git. Prints its path; remove_outside
# removes every such folder made by the script.
outside_git() {
	d=$(mktemp -d "${TMPDIR:-/tmp}/relgate-test.XXXXXX") || return 1
	echo "$d" >>"$TRASH/.outside"
	echo "$d"
}

remove_outside() {
	test -f "$TRASH/.outside" || return 0
	while read -r d; do
		rm -rf "$d"
	done <"$TRASH/.outside"
	rm -f "$TRASH/.outside"
}
