#!/bin/sh
#
# t0200: relgate release, rollback, status, history and fsck on a real
# store and a real SQLite history: only an artifact a gate run passed is
# released (its digest recorded by relgate test, or named by a --gate-report
# on another machine); a release is read-only, shares unchanged files with
# the one before, and is activated by swapping current; the same content is
# a no-op; rollback goes back to the last good release and marks the
# abandoned one bad, so that a second rollback goes further back; an
# activation that expects another release is refused; bad names, links out
# of the artifact, an empty artifact and an unwritable store are said with
# their exit codes; fsck finds a changed file and removes unfinished work;
# two releases at once are serialised; old releases are pruned.

. "$(dirname "$0")/test-lib.sh"

test_before_each='cd "$TRASH"'
command -v jq >/dev/null || skip_all "jq is missing (apt-get install jq)"
command -v sqlite3 >/dev/null || skip_all "sqlite3 is missing (apt-get install sqlite3)"

# The release current names, for product $1 of the store at $2 (default the workspace's).
current_of() {
	readlink "${2:-.relgate/store}/$1/current" | sed 's|^releases/||'
}

# The active release the history says, for product $1.
history_active() {
	sqlite3 "${2:-.relgate/store}/relgate.db" \
		"SELECT to_release FROM activations WHERE product = '$1' ORDER BY seq DESC LIMIT 1"
}

# Every file of release $2 of product $1 matches its manifest (sha256, size).
release_verifies() {
	dir=.relgate/store/$1/releases/$2
	tail -n +2 "$dir.manifest" | while read -r sha mode size path; do
		test "$mode" = 120000 && continue
		got=$(sha256sum "$dir/$path" | cut -d" " -f1)
		test "$got" = "$sha" || { echo "$dir/$path: $got, not $sha"; return 1; }
	done
}

test_expect_success 'setup: a workspace whose product builds its artifact' '
	mkdir ws && cd ws &&
	make_package apps/web web &&
	write_file build.sh <<-\EOF &&
	set -e
	mkdir -p apps/web/dist/assets
	cp apps/web/src/index.js apps/web/dist/assets/app.js
	echo "<html><script src=assets/app.js></script></html>" >apps/web/dist/index.html
	echo "static" >apps/web/dist/assets/logo.svg
	EOF
	write_file relgate.json <<-\EOF &&
	{"products": {"web": {"package": "web", "artifact": "apps/web/dist", "keep": 3,
	  "build": {"run": "sh build.sh", "timeout": "30s"}}}}
	EOF
	echo "apps/web/dist/" >.gitignore &&
	make_workspace "apps/*" &&
	sh build.sh
'

test_expect_success 'an artifact no gate run passed is refused, with the command that checks it' '
	cd ws &&
	test_expect_code 1 "$RELGATE" release web 2>err &&
	test_grep "not released: no gate run passed this artifact \(sha256:[0-9a-f]{64}\)" err &&
	test_grep "relgate test web" err &&
	test_grep "relgate release web --force --reason" err &&
	test -z "$(current_of web)"
'

test_expect_success 'relgate test records the verdict for the digest; then it is released' '
	cd ws &&
	"$RELGATE" test web --json "$TRASH/report.json" >out &&
	digest=$(jq -r ".products[0].artifact.digest" "$TRASH/report.json") &&
	echo "$digest" | grep -Eq "^sha256:[0-9a-f]{64}$" &&
	test "$(sqlite3 .relgate/store/relgate.db \
		"SELECT verdict FROM gate_runs WHERE product = '\''web'\''")" = passed &&
	"$RELGATE" release web --reason "first" >out &&
	test_grep "release r000001 stored \(3 files" out &&
	test "$(current_of web)" = r000001 &&
	test "$(history_active web)" = r000001 &&
	release_verifies web r000001 &&
	test -z "$(git status --porcelain --untracked-files=all .relgate)" &&
	test "$(sqlite3 .relgate/store/relgate.db \
		"SELECT digest || '\'' '\'' || gate FROM releases WHERE id = '\''r000001'\''")" = \
		"$digest passed"
'

test_expect_success 'a release is read-only' '
	cd ws &&
	rel=.relgate/store/web/releases/r000001 &&
	test "$(stat -c %a $rel/index.html)" = 444 &&
	test "$(stat -c %a $rel/assets)" = 555 &&
	test "$(stat -c %a $rel.manifest)" = 444
'

test_expect_success 'the same artifact again: nothing new' '
	cd ws &&
	"$RELGATE" release web >out &&
	test_grep "already active: nothing to release" out &&
	test "$(sqlite3 .relgate/store/relgate.db "SELECT COUNT(*) FROM releases")" = 1
'

test_expect_success 'a changed artifact: unchanged files are hard links to the release before' '
	cd ws &&
	echo "export const v = 2;" >>apps/web/src/index.js &&
	"$RELGATE" test web >/dev/null &&
	"$RELGATE" release web --format json >out.json &&
	test "$(jq -r .release out.json)" = r000002 &&
	test "$(jq -r .linked out.json)" = 1 &&
	test "$(current_of web)" = r000002 &&
	s=.relgate/store/web/releases &&
	test "$(stat -c %i $s/r000001/assets/logo.svg)" = "$(stat -c %i $s/r000002/assets/logo.svg)" &&
	test "$(stat -c %i $s/r000001/assets/app.js)" != "$(stat -c %i $s/r000002/assets/app.js)" &&
	# the page carries its release id in the snippet: never shared
	test "$(stat -c %i $s/r000001/index.html)" != "$(stat -c %i $s/r000002/index.html)"
'

test_expect_success 'diff: the built artifact against the active release' '
	cd ws &&
	"$RELGATE" diff web >out &&
	test_grep "is release r000002: nothing new to release" out &&
	echo "new" >apps/web/dist/extra.txt && echo "more" >>apps/web/dist/index.html &&
	rm apps/web/dist/assets/logo.svg &&
	"$RELGATE" diff web >out &&
	test_grep "^  \+ extra.txt \(4 bytes\)" out &&
	test_grep "^  - assets/logo.svg \(7 bytes\)" out &&
	test_grep "^  ~ index.html \([0-9]+ -> [0-9]+ bytes\)" out &&
	test_grep "1 added \(4 bytes\), 1 removed \(7 bytes\), 1 changed" out &&
	"$RELGATE" diff web --format json >diff.json &&
	test "$(jq -r "[.same, .added, .removed, .changed] | map(tostring) | join(\" \")" diff.json)" = \
		"false 1 1 1" &&
	rm apps/web/dist/extra.txt && sh build.sh
'

test_expect_success 'rollback: back to the last good release, the abandoned one marked bad' '
	cd ws &&
	"$RELGATE" rollback web --reason "TypeError at start-up" >out &&
	test_grep "rolled back r000002 -> r000001" out &&
	test "$(current_of web)" = r000001 &&
	test "$(history_active web)" = r000001 &&
	test "$(sqlite3 .relgate/store/relgate.db \
		"SELECT bad || '\'' '\'' || bad_reason FROM releases WHERE id = '\''r000002'\''")" = \
		"1 TypeError at start-up" &&
	test_expect_code 1 "$RELGATE" rollback web 2>err &&
	test_grep "no good release to go back to" err
'

test_expect_success 'releasing a bad release again needs --force; the same content is a rollback to it' '
	cd ws &&
	test_expect_code 1 "$RELGATE" release web 2>err &&
	test_grep "release r000002, marked bad" err &&
	test "$(current_of web)" = r000001 &&
	"$RELGATE" release web --force --reason "fixed on the server" >out &&
	test_grep "activated it again \(r000001 -> r000002" out &&
	test "$(current_of web)" = r000002 &&
	test "$(sqlite3 .relgate/store/relgate.db "SELECT COUNT(*) FROM releases")" = 2
'

test_expect_success 'a second rollback goes further back instead of toggling' '
	cd ws &&
	echo "export const v = 3;" >>apps/web/src/index.js &&
	"$RELGATE" test web >/dev/null &&
	"$RELGATE" release web >/dev/null &&
	test "$(current_of web)" = r000003 &&
	"$RELGATE" rollback web >out &&
	test_grep "r000003 -> r000002" out &&
	"$RELGATE" rollback web >out &&
	test_grep "r000002 -> r000001" out &&
	test_expect_code 1 "$RELGATE" rollback web 2>err &&
	test "$(current_of web)" = r000001
'

test_expect_success 'rollback --to a bad release needs --force; --expect another active one is refused' '
	cd ws &&
	test_expect_code 1 "$RELGATE" rollback web --to r000003 2>err &&
	test_grep "r000003 is marked bad" err &&
	test_expect_code 1 "$RELGATE" rollback web --to r000003 --force --expect r000002 2>err &&
	test_grep "the active release is r000001, not r000002: another activation came first" err &&
	test "$(current_of web)" = r000001 &&
	"$RELGATE" rollback web --to r000003 --force --expect r000001 >out &&
	test "$(current_of web)" = r000003 &&
	test_expect_code 2 "$RELGATE" rollback web --to r000099 2>err &&
	test_grep "has no complete release r000099" err
'

test_expect_success 'status and history, in text and JSON' '
	cd ws &&
	"$RELGATE" status --format json >status.json &&
	test "$(jq -r ".products[0].name + \" \" + .products[0].active" status.json)" = "web r000003" &&
	"$RELGATE" status --format markdown >status.md &&
	test_grep "^\| web \| r000003 \|" status.md &&
	"$RELGATE" history web --format json >history.json &&
	test "$(jq -r ".activations[0].kind + \" \" + .activations[0].from + \" \" + .activations[0].to" \
		history.json)" = "rollback r000001 r000003" &&
	test "$(jq ".releases | length" history.json)" = 3 &&
	"$RELGATE" history --limit 2 >history.txt &&
	test_grep "rollback r000001 -> r000003" history.txt
'

test_expect_success 'a release made with --no-activate, activated later: the one it replaces stays good' '
	cd ws &&
	echo "export const v = 9;" >>apps/web/src/index.js &&
	"$RELGATE" test web >/dev/null &&
	was=$(current_of web) &&
	"$RELGATE" release web --no-activate >out &&
	test_grep "not activated \(--no-activate\): relgate rollback web --to r" out &&
	test "$(current_of web)" = "$was" &&
	new=$(sed -n "s/.*release \(r[0-9]*\) stored.*/\1/p" out) &&
	"$RELGATE" rollback web --to "$new" >out &&
	test "$(current_of web)" = "$new" &&
	test_grep_not "marked bad" out &&
	test "$(sqlite3 .relgate/store/relgate.db "SELECT bad FROM releases WHERE id = '\''$was'\''")" = 0 &&
	"$RELGATE" rollback web --to "$was" --format json >rb.json &&
	test "$(jq -r "[.product, .from, .to] | join(\" \")" rb.json)" = "web $new $was"
'

test_expect_success 'a forced release needs a reason, and is recorded as forced' '
	cd ws &&
	echo "export const v = 4;" >>apps/web/src/index.js && sh build.sh &&
	test_expect_code 2 "$RELGATE" release web --force 2>err &&
	test_grep "a forced release needs --reason" err &&
	"$RELGATE" release web --force --reason "hotfix, gate down" >out &&
	test_grep "forced" out &&
	test "$(sqlite3 .relgate/store/relgate.db \
		"SELECT gate || '\'' '\'' || forced || '\'' '\'' || reason FROM releases ORDER BY seq DESC LIMIT 1")" = \
		"forced 1 hotfix, gate down"
'

test_expect_success 'another machine: --from and --gate-report, bound to the digest' '
	cd ws &&
	"$RELGATE" test web --json "$TRASH/ci.json" >/dev/null &&
	cp -R apps/web/dist "$TRASH/upload" &&
	RELGATE_STORE="$TRASH/host-store" "$RELGATE" release web --from "$TRASH/upload" \
		--gate-report "$TRASH/ci.json" >out &&
	test "$(current_of web "$TRASH/host-store")" = r000001 &&
	echo tampered >>"$TRASH/upload/index.html" &&
	test_expect_code 1 env RELGATE_STORE="$TRASH/host-store" "$RELGATE" release web \
		--from "$TRASH/upload" --gate-report "$TRASH/ci.json" 2>err &&
	test_grep "it checked another artifact" err &&
	test "$(current_of web "$TRASH/host-store")" = r000001
'

test_expect_success 'names that cannot be folders of the store: exit 2' '
	cd ws &&
	for name in ../x a/b .hidden "tab	x" ""; do
		test_expect_code 2 "$RELGATE" release "$name" --from apps/web/dist 2>err || return 1
		test_grep "cannot name a folder of the store" err || return 1
	done &&
	test_expect_code 2 "$RELGATE" rollback web --to ../../etc 2>err
'

test_expect_success 'a link out of the artifact, an empty or missing artifact: refused' '
	cd ws &&
	mkdir -p "$TRASH/art" && echo hi >"$TRASH/art/index.html" &&
	ln -s /etc/passwd "$TRASH/art/passwd" &&
	test_expect_code 1 "$RELGATE" release web --force --reason x --from "$TRASH/art" 2>err &&
	test_grep "art/passwd: a link to \"/etc/passwd\", outside the artifact" err &&
	rm "$TRASH/art/passwd" && ln -s ../../x "$TRASH/art/up" &&
	test_expect_code 1 "$RELGATE" release web --force --reason x --from "$TRASH/art" 2>err &&
	test_grep "outside the artifact" err &&
	rm "$TRASH/art/up" && mkdir "$TRASH/art/sub" && ln -s ../index.html "$TRASH/art/sub/in" &&
	"$RELGATE" release web --force --reason "a link inside" --from "$TRASH/art" >out &&
	test "$(readlink .relgate/store/web/current/sub/in)" = ../index.html &&
	mkdir "$TRASH/empty" &&
	test_expect_code 1 "$RELGATE" release web --force --reason x --from "$TRASH/empty" 2>err &&
	test_grep "the artifact is empty" err &&
	test_expect_code 1 "$RELGATE" release web --force --reason x --from "$TRASH/none" 2>err &&
	test_grep "no such folder" err
'

test_expect_success 'a store that cannot be written: exit 3' '
	cd ws &&
	test_expect_code 3 env RELGATE_STORE=/dev/null/store "$RELGATE" release web --force \
		--reason x 2>err &&
	test_grep "is not writable" err
'

test_expect_success 'old releases are pruned beyond keep, never the active or the last good one' '
	cd ws &&
	for i in 5 6 7 8; do
		echo "export const v = $i;" >>apps/web/src/index.js && sh build.sh &&
		"$RELGATE" release web --force --reason "v$i" >/dev/null || return 1
	done &&
	ls .relgate/store/web/releases | grep -v -e "\.manifest$" -e "\.built$" >left &&
	test "$(wc -l <left)" -le 5 &&
	test -d ".relgate/store/web/releases/$(current_of web)" &&
	test "$(sqlite3 .relgate/store/relgate.db \
		"SELECT COUNT(*) FROM releases WHERE state = '\''pruned'\''")" -ge 2 &&
	"$RELGATE" rollback web >out &&
	test -d ".relgate/store/web/releases/$(current_of web)"
'

test_expect_success 'fsck: a clean store, then a changed file found, unfinished work removed' '
	cd ws &&
	"$RELGATE" fsck >out &&
	test_grep "0 damaged" out &&
	mkdir -p .relgate/store/web/.staging/r000999/x &&
	: >.relgate/store/web/.staging/.relgate-tmp.1.1 &&
	: >.relgate/store/web/releases/r000998.manifest &&
	rel=.relgate/store/web/releases/$(current_of web) &&
	chmod u+w "$rel/index.html" && echo changed >>"$rel/index.html" &&
	test_expect_code 1 "$RELGATE" fsck 2>err >out &&
	test_grep "index.html: changed since release" err &&
	test_grep "3 repaired, [1-9][0-9]* damaged" out &&
	test ! -e .relgate/store/web/.staging/r000999 &&
	test ! -e .relgate/store/web/.staging/.relgate-tmp.1.1 &&
	test ! -e .relgate/store/web/releases/r000998.manifest
'

test_expect_success 'current and the history apart (an interrupted activation): the disk wins' '
	cd ws &&
	had=$(current_of web) &&
	other=$(sqlite3 .relgate/store/relgate.db \
		"SELECT id FROM releases WHERE state = '\''complete'\'' AND id < '\''$had'\'' ORDER BY seq DESC LIMIT 1") &&
	test -n "$other" &&
	ln -sfn "releases/$other" .relgate/store/web/.x && mv -T .relgate/store/web/.x .relgate/store/web/current &&
	"$RELGATE" fsck web >out 2>err || true &&
	test_grep "current is $other, the history said $had: recorded as found, and the release it left as bad" err &&
	test "$(sqlite3 .relgate/store/relgate.db "SELECT bad FROM releases WHERE id = '\''$had'\''")" = 1 &&
	test "$(history_active web)" = "$other"
'

test_expect_success 'two releases of one product at once: both done, one after the other' '
	cd ws &&
	mkdir -p "$TRASH/a" "$TRASH/b" &&
	echo a >"$TRASH/a/index.html" && echo b >"$TRASH/b/index.html" &&
	before=$(sqlite3 .relgate/store/relgate.db "SELECT COUNT(*) FROM releases") &&
	{ "$RELGATE" release web --force --reason a --from "$TRASH/a" >a.out 2>&1 & } &&
	pa=$! &&
	{ "$RELGATE" release web --force --reason b --from "$TRASH/b" >b.out 2>&1 & } &&
	pb=$! &&
	wait_bounded $pa 60 && wait_bounded $pb 60 &&
	test "$(sqlite3 .relgate/store/relgate.db "SELECT COUNT(*) FROM releases")" = $((before + 2)) &&
	release_verifies web "$(current_of web)" &&
	test "$(history_active web)" = "$(current_of web)"
'

test_expect_success 'the default store is not a change git sees' '
	mkdir fresh && cd fresh && make_workspace &&
	mkdir "$TRASH/site" && echo hi >"$TRASH/site/index.html" &&
	"$RELGATE" release site --force --reason first --from "$TRASH/site" >/dev/null &&
	test -d .relgate/store/site/releases &&
	test -z "$(git status --porcelain --untracked-files=all)"
'

test_expect_success 'an artifact of an older commit than the active release: refused without --force' '
	mkdir late && cd late && make_workspace &&
	mkdir "$TRASH/late-site" && echo v1 >"$TRASH/late-site/index.html" &&
	echo 1 >f && git add f && git commit -qm one && old=$(git rev-parse HEAD) &&
	echo 2 >f && git commit -qam two &&
	echo v2 >"$TRASH/late-site/index.html" &&
	"$RELGATE" release site --force --reason new --from "$TRASH/late-site" >/dev/null &&
	git checkout -q "$old" &&
	echo late >>"$TRASH/late-site/index.html" &&
	digest=$("$RELGATE" diff site --from "$TRASH/late-site" --format json | jq -r .digest) &&
	printf "{\"products\": [{\"name\": \"site\", \"passed\": true, \"artifact\": {\"digest\": \"%s\"}}]}" \
		"$digest" >"$TRASH/late.json" &&
	test_expect_code 1 "$RELGATE" release site --from "$TRASH/late-site" \
		--gate-report "$TRASH/late.json" 2>err &&
	test_grep "commit [0-9a-f]{12} is older than [0-9a-f]{12}, the active release r000001" err &&
	test "$(current_of site)" = r000001 &&
	test_expect_code 2 "$RELGATE" release site --from "$TRASH/late-site" \
		--gate-report "$TRASH/late.json" --force 2>err &&
	test_grep "releasing an older commit needs --reason" err &&
	"$RELGATE" release site --from "$TRASH/late-site" --gate-report "$TRASH/late.json" --force \
		--reason "on purpose" >out &&
	test_grep "forced: an older commit than the active release.s \(on purpose\)" out &&
	test "$(current_of site)" = r000002
'

test_expect_success 'runbook: the rollback first, with the real names and releases' '
	cd ws &&
	"$RELGATE" runbook web >out &&
	active=$(current_of web) &&
	good=$(sqlite3 .relgate/store/relgate.db "SELECT a.to_release FROM activations a JOIN releases r ON r.id = a.to_release WHERE a.product = '\''web'\'' AND r.bad = 0 AND r.state = '\''complete'\'' AND r.id <> '\''$active'\'' ORDER BY a.seq DESC LIMIT 1") &&
	test_grep "^relgate rollback web --expect $active --reason" out &&
	test_grep "This activates $good, the last good release before $active" out &&
	test_grep "^## 1. Roll back now" out &&
	test_grep_not "\{(product|active|good|root|store)\}" out &&
	"$RELGATE" runbook >all &&
	test_grep "^  web +$active +$good" all
'

test_expect_success 'a history another process holds: relgate waits for it, then says so' '
	cd ws &&
	hold() {
		python3 -c "import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute(\"BEGIN IMMEDIATE\")
open(sys.argv[3], \"w\").close()
time.sleep(float(sys.argv[2]))" .relgate/store/relgate.db "$1" "$TRASH/held" &
	} &&
	before=$(current_of web) &&
	other=$(sqlite3 -readonly .relgate/store/relgate.db \
		"SELECT id FROM releases WHERE state = '\''complete'\'' AND bad = 0 AND id <> '\''$before'\'' ORDER BY seq DESC LIMIT 1") &&
	test -n "$other" &&
	rm -f "$TRASH/held" && hold 2 && pid=$! &&
	while test ! -e "$TRASH/held"; do sleep 0.05; done &&
	"$RELGATE" rollback web --to "$other" >out &&
	wait $pid &&
	test "$(current_of web)" = "$other" &&
	rm -f "$TRASH/held" && hold 13 && pid=$! &&
	while test ! -e "$TRASH/held"; do sleep 0.05; done &&
	test_expect_code 3 "$RELGATE" rollback web --to "$before" --force 2>err &&
	test_grep "relgate.db: .*database is locked" err &&
	test "$(current_of web)" = "$other" &&
	wait $pid
'

test_expect_success 'a history of schema 1 is migrated on open, its releases kept' '
	mkdir old && cd old && make_workspace &&
	mkdir -p .relgate/store && sqlite3 .relgate/store/relgate.db <"$SRCDIR/tests/data/history-v1.sql" &&
	"$RELGATE" status >out &&
	test_grep "^web +r000001 " out &&
	test "$(sqlite3 .relgate/store/relgate.db "SELECT value FROM meta WHERE key = '\''schema'\''")" -ge 2 &&
	sqlite3 .relgate/store/relgate.db ".indexes releases" | grep -q releases_bad &&
	sqlite3 .relgate/store/relgate.db ".tables" >tables &&
	test_grep "deliveries" tables
'

test_expect_success 'a history newer than this relgate: exit 3, and nothing written' '
	cd ws &&
	was=$(sqlite3 .relgate/store/relgate.db "SELECT value FROM meta WHERE key = '\''schema'\''") &&
	sqlite3 .relgate/store/relgate.db "UPDATE meta SET value = '\''99'\'' WHERE key = '\''schema'\''" &&
	test_expect_code 3 "$RELGATE" status 2>err &&
	test_grep "the history is of schema 99, newer than this relgate" err &&
	sqlite3 .relgate/store/relgate.db "UPDATE meta SET value = '\''$was'\'' WHERE key = '\''schema'\''" &&
	"$RELGATE" status >/dev/null
'

test_expect_success 'fsck: a product it cannot even lock is not called whole: exit 3' '
	cd ws &&
	mv .relgate/store/web/.lock lock.keep &&
	mkdir .relgate/store/web/.lock &&
	test_expect_code 3 "$RELGATE" fsck >out 2>err &&
	test_grep "cannot lock .*web/.lock" err &&
	test_grep "some not checked" out &&
	rmdir .relgate/store/web/.lock && mv lock.keep .relgate/store/web/.lock &&
	rel=$(current_of web) &&
	chmod u+w ".relgate/store/web/releases/$rel/index.html" &&
	echo changed >>".relgate/store/web/releases/$rel/index.html" &&
	test_expect_code 1 "$RELGATE" fsck >out 2>err &&
	test_grep "changed since release $rel was made" err &&
	test_grep_not "not checked" out
'

test_done
