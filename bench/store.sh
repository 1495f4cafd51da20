#!/usr/bin/env bash
#
# bench/store.sh: the store's figures, as the "## Store" section of
# bench/RESULTS.md (printed on stdout); run.sh calls it.  Side by side in
# one loop, on the same file system (the scratch folder):
#
#   rollback   relgate rollback of a product with two releases, a whole
#              process, the history written and durable; against a
#              Capistrano-style switch of the same store: ln -sfn, mv -T,
#              sync -f; and again for a product with an owner, whose
#              notification is queued and sent by a relgate in the background
#   release    relgate release --force of an artifact of 2,000 files and
#              50 MB into an empty store; against cp -a of the same folder
#              plus sync -f
#   again      the same artifact with one file changed, released on top:
#              how much the store grew
#   status     relgate status and relgate history over 100,000 releases
#
#   STORE_RUNS  rounds (default 15)

set -eu

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
RELGATE=${RELGATE:-$ROOT/relgate}
RUNS=${STORE_RUNS:-15}
WORK=$BENCH_DIR/scratch/store
rm -rf "$WORK"
mkdir -p "$WORK/ws" "$WORK/art"

us() { echo $(($(date +%s%N) / 1000)); }

median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] / 1000 }'; }

cd "$WORK/ws"
echo '{"products": {"web": {"keep": 1000}}}' >relgate.json
git init -q . && git add -A && git -c user.name=b -c user.email=b@b commit -qm init

# 2,000 files, 50 MB: 20 folders of 100 files of 25 KiB
for d in $(seq 20); do
	mkdir -p "$WORK/art/d$d"
	for f in $(seq 100); do
		head -c 25600 /dev/urandom >"$WORK/art/d$d/f$f.js"
	done
done
echo "<html>0</html>" >"$WORK/art/index.html"

: >"$WORK/rel" && : >"$WORK/cp"
for i in $(seq "$RUNS"); do
	rm -rf .relgate/store "$WORK/copy"
	t0=$(us)
	RELGATE_STORE=$WORK/ws/.relgate/store "$RELGATE" release web --force --reason bench \
		--from "$WORK/art" >/dev/null
	t1=$(us)
	cp -a "$WORK/art" "$WORK/copy" && sync -f "$WORK/copy"
	t2=$(us)
	echo $((t1 - t0)) >>"$WORK/rel"
	echo $((t2 - t1)) >>"$WORK/cp"
done
rel=$(median <"$WORK/rel")
cpa=$(median <"$WORK/cp")

# one file changed, released on top: the store's growth
echo "<html>1</html>" >"$WORK/art/index.html"
head -c 25600 /dev/urandom >"$WORK/art/d1/f1.js"
"$RELGATE" release web --force --reason again --from "$WORK/art" --format json >"$WORK/again.json"
grown=$(($(du -sk .relgate/store | cut -f1) - $(du -sk .relgate/store/web/releases/r000001 | cut -f1)))
linked=$(sed -n 's/.*"linked": \([0-9]*\).*/\1/p' "$WORK/again.json")
newbytes=$(sed -n 's/.*"newBytes": \([0-9]*\).*/\1/p' "$WORK/again.json")

# rollback against a symlink switch, alternating
: >"$WORK/rb" && : >"$WORK/ln"
mkdir -p "$WORK/cap/releases"
mkdir -p "$WORK/cap/releases/a" "$WORK/cap/releases/b"
ln -sfn releases/a "$WORK/cap/current"
for i in $(seq "$RUNS"); do
	t0=$(us)
	"$RELGATE" rollback web --force --to "$(readlink .relgate/store/web/current |
		sed 's|releases/r000001|r000002|; t; s|releases/r000002|r000001|')" >/dev/null
	t1=$(us)
	if [ "$(readlink "$WORK/cap/current")" = releases/a ]; then to=b; else to=a; fi
	ln -sfn "releases/$to" "$WORK/cap/current.new" && mv -T "$WORK/cap/current.new" "$WORK/cap/current" &&
		sync -f "$WORK/cap"
	t2=$(us)
	echo $((t1 - t0)) >>"$WORK/rb"
	echo $((t2 - t1)) >>"$WORK/ln"
done
rb=$(median <"$WORK/rb")
lnm=$(median <"$WORK/ln")

# the same, for a product with an owner: the message queued in the history (one
# more durable commit) and a relgate started in the background to send it
cp relgate.json plain.json
echo '{"products": {"web": {"keep": 1000, "owners": ["log"]}},
 "channels": {"log": {"type": "command", "run": "cat >/dev/null"}}}' >relgate.json
: >"$WORK/rbn"
for i in $(seq "$RUNS"); do
	t0=$(us)
	"$RELGATE" rollback web --force --to "$(readlink .relgate/store/web/current |
		sed 's|releases/r000001|r000002|; t; s|releases/r000002|r000001|')" >/dev/null 2>&1
	t1=$(us)
	echo $((t1 - t0)) >>"$WORK/rbn"
	# its sender's own commits wait for the disk too: the next round starts when it is gone
	for _ in $(seq 100); do
		pgrep -f "notify --flush --quiet" >/dev/null || break
		sleep 0.05
	done
done
rbn=$(median <"$WORK/rbn")
cp plain.json relgate.json
# status and history over 100,000 releases of 20 products (rows made by SQL, one in 97 bad)
sqlite3 .relgate/store/relgate.db <<'EOF'
WITH RECURSIVE n(i) AS (SELECT 1000 UNION ALL SELECT i + 1 FROM n WHERE i < 100999)
INSERT INTO releases (seq, id, product, state, digest, files, bytes, commit_id, user_name, host,
                      created, created_ms, reason, gate, bad)
SELECT i, printf('r%06d', i), 'p' || (i % 20), 'complete', 'sha256:00', 1, 1, 'abc', 'u', 'h',
       '2026-01-01T00:00:00.000Z', 1767225600000 + i, 'bulk', 'passed', (i % 97 = 0) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1000 UNION ALL SELECT i + 1 FROM n WHERE i < 100999)
INSERT INTO activations (product, from_release, to_release, kind, user_name, host, at, at_ms)
SELECT 'p' || (i % 20), NULL, printf('r%06d', i), 'release', 'u', 'h',
       '2026-01-01T00:00:00.000Z', 1767225600000 + i FROM n;
EOF
: >"$WORK/st" && : >"$WORK/hi"
for i in $(seq "$RUNS"); do
	t0=$(us)
	"$RELGATE" status >/dev/null
	t1=$(us)
	"$RELGATE" history --limit 20 >/dev/null
	t2=$(us)
	echo $((t1 - t0)) >>"$WORK/st"
	echo $((t2 - t1)) >>"$WORK/hi"
done
st=$(median <"$WORK/st")
hi=$(median <"$WORK/hi")
files=$(find "$WORK/art" -type f | wc -l)
mb=$(du -sm --apparent-size "$WORK/art" | cut -f1)

cat <<EOF
## Store

By \`bench/store.sh\`, on this machine's scratch file system, medians of $RUNS rounds, each
command beside its plain counterpart in the same loop.

| figure | relgate | plain | ratio | goal |
| --- | ---: | ---: | ---: | --- |
| rollback, whole process, history durable, vs \`ln -sfn\` + \`mv -T\` + \`sync -f\` | $rb ms | $lnm ms | $(awk -v a="$rb" -v b="$lnm" 'BEGIN { printf "%.1fx", a / b }') | under 10 ms |
| the same rollback, for a product with an owner (message queued, sent in the background) | $rbn ms | $lnm ms | $(awk -v a="$rbn" -v b="$lnm" 'BEGIN { printf "%.1fx", a / b }') | under 10 ms |
| release of $files files, $mb MB (hash, copy, hash again, syncfs, rename), vs \`cp -a\` + \`sync -f\` | $rel ms | $cpa ms | $(awk -v a="$rel" -v b="$cpa" 'BEGIN { printf "%.2fx", a / b }') | within 2x |
| \`relgate status\`, 100,000 releases of 21 products in the history | $st ms | | | under 50 ms |
| \`relgate history --limit 20\`, the same history | $hi ms | | | under 50 ms |

Released again with one file and index.html changed: $linked of $files files hard-linked to the
release before, $newbytes bytes new; the store grew by $grown KiB (du).
EOF
