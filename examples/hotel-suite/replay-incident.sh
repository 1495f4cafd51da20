#!/bin/sh
# Replays the incident in a fresh git repository:
#
#   ./replay-incident.sh [-v] [--link-node-modules] [--port N] DEST
#
# copies this workspace to DEST (without node_modules, dist, .relgate, incident/ and
# this script), commits it and tags it "before", then applies the change kept in
# incident/ (files under packages/shared only), commits it and tags it "incident".
# Author, committer and dates are fixed, so the commits have the same ids every time.
#
# --link-node-modules  gives DEST a node_modules made of symbolic links to this
#                      workspace's (run "npm ci" here first), so that DEST builds
#                      without an install. node_modules/@hotel/* are copied as the
#                      relative links npm made, so they point into DEST itself.
# --port N             the products' urls and relgate serve's address on port N of
#                      127.0.0.1 instead of 8080 (before the first commit, so that the
#                      history has it).
set -eu

usage() {
    echo "usage: $0 [-v] [--link-node-modules] [--port N] DEST" >&2
    exit 2
}

verbose=0
link=0
port=
dest=
while [ $# -gt 0 ]; do
    case $1 in
        -v) verbose=1 ;;
        --link-node-modules) link=1 ;;
        --port) [ $# -ge 2 ] || usage; port=$2; shift ;;
        -*) usage ;;
        *) [ -z "$dest" ] || usage; dest=$1 ;;
    esac
    shift
done
case $port in
    ''|*[!0-9]*) [ -z "$port" ] || usage ;;
esac
[ -n "$dest" ] || usage

say() {
    if [ "$verbose" = 1 ]; then echo "$*"; fi
}

here=$(cd "$(dirname "$0")" && pwd)

if [ -e "$dest" ] && [ -n "$(ls -A "$dest")" ]; then
    echo "$0: $dest exists and is not empty" >&2
    exit 1
fi
if [ "$link" = 1 ] && [ ! -d "$here/node_modules" ]; then
    echo "$0: $here/node_modules is missing: run 'npm ci' in $here first" >&2
    exit 1
fi
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

say "copying the workspace to $dest"
(cd "$here" && tar -cf - --exclude=node_modules --exclude=dist --exclude=.relgate \
    --exclude=notifications.log --exclude=./incident --exclude=./replay-incident.sh \
    .) | (cd "$dest" && tar -xf -)
if [ -n "$port" ]; then
    sed "s/127\.0\.0\.1:8080/127.0.0.1:$port/g" "$dest/relgate.json" >"$dest/relgate.json.new"
    mv "$dest/relgate.json.new" "$dest/relgate.json"
fi

export GIT_AUTHOR_NAME="Hotel Dev" GIT_AUTHOR_EMAIL="dev@hotel.example"
export GIT_COMMITTER_NAME="Hotel Dev" GIT_COMMITTER_EMAIL="dev@hotel.example"
git_() {
    git -C "$dest" -c user.name="Hotel Dev" -c user.email="dev@hotel.example" \
        -c commit.gpgsign=false -c tag.gpgsign=false -c core.autocrlf=false \
        -c core.hooksPath=/dev/null "$@"
}

git -c init.defaultBranch=main init -q "$dest"
git_ add -A
GIT_AUTHOR_DATE="2024-05-16T09:00:00+0000" GIT_COMMITTER_DATE="2024-05-16T09:00:00+0000" \
    git_ commit -q -m "baseline: three products share @hotel/shared"
git_ tag before
say "before:   $(git_ rev-parse --short HEAD) $(git_ log -1 --format=%s)"

(cd "$here/incident/files" && tar -cf - .) | (cd "$dest" && tar -xf -)
git_ add -A
GIT_AUTHOR_DATE="2024-05-17T14:05:00+0000" GIT_COMMITTER_DATE="2024-05-17T14:05:00+0000" \
    git_ commit -q -F "$here/incident/message.txt"
git_ tag incident
say "incident: $(git_ rev-parse --short HEAD) $(git_ log -1 --format=%s)"
if [ "$verbose" = 1 ]; then git_ diff --stat before incident; fi

if [ "$link" = 1 ]; then
    say "linking node_modules to $here/node_modules"
    mkdir "$dest/node_modules"
    for entry in "$here"/node_modules/* "$here"/node_modules/.[!.]*; do
        [ -e "$entry" ] || [ -L "$entry" ] || continue
        name=$(basename "$entry")
        if [ "$name" = "@hotel" ]; then
            cp -RP "$entry" "$dest/node_modules/@hotel"   # relative links into DEST
        else
            ln -s "$entry" "$dest/node_modules/$name"
        fi
    done
fi
