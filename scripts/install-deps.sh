#!/bin/sh
# install-deps.sh GROUP: install what relgate's build, tests, demo or
# benchmarks lack on a Debian 12 machine, and nothing it already has.
# The packages are listed once, in scripts/deps.
#
#   build  the C compiler and the libraries relgate links with
#   test   build + what the tests run: cmocka, prove, git, jq, node/npm, chromium,
#          clang (sanitizers, fuzzing), the example's and the peers' npm packages
#   demo   build + node/npm, chromium and the example workspace's npm packages
#   bench  test + the peers' npm packages
#
# Debian packages need root (or sudo); without either it says what to install.
set -eu

group=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)

case $group in
build|test|demo|bench) ;;
*) echo "install-deps.sh: unknown group $group (build, test, demo, bench)" >&2; exit 2 ;;
esac
# the packages of the group, from the one list of them
want=$(awk -v g="$group" '!/^#/ && NF >= 2 {
	for (i = 2; i < NF; i++) if ($i == g) { print $1; break }
}' "$top/scripts/deps")

missing=
for p in $want; do
	# a command on PATH counts for the tools (node and npm may come from elsewhere)
	case $p in
	nodejs) command -v node >/dev/null 2>&1 && continue ;;
	npm) command -v npm >/dev/null 2>&1 && continue ;;
	esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		sudo=
	elif command -v sudo >/dev/null 2>&1; then
		sudo=sudo
	else
		echo "relgate needs these Debian packages:$missing" >&2
		echo "install them as root: apt-get install$missing" >&2
		exit 3
	fi
	echo "installing Debian packages:$missing"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# npm packages, from committed lockfiles, only when missing or stale
npm_ci() {
	dir=$1
	if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
	   [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
		echo "installing npm packages in ${dir#"$top"/}"
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
	fi
}

case $group in
test|demo|bench)
	npm_ci "$top/examples/hotel-suite"
	;;
esac
case $group in
test|bench)
	npm_ci "$top/bench"
	;;
esac
exit 0
