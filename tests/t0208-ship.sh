#!/bin/sh
#
# t0208: relgate ship, the whole pipeline for one change, on a real git
# workspace, a real store, relgate serve for the products' urls, and a
# command channel that records every notification: the plan names the
# products and is sent; a product that fails the gate is not released and
# its owners are told why; what passed is released, bound to the report that
# passed it, and watched for its bake window; a release that does not start
# live is rolled back by the watch; a second run releases nothing new; a
# change that reaches nothing, a dry run, a channel that is down, a build
# that leaves no artifact, the reports of a gate run elsewhere
# (--from-reports), usage errors; and an interruption at each stage (plan,
# gate, release, watch): exit 130, no half-released product, the reports
# written, no process left behind.

. "$(dirname "$0")/test-lib.sh"

test_before_each='cd "$TRASH"'
command -v curl >/dev/null || skip_all "curl is missing (apt-get install curl)"
command -v jq >/dev/null || skip_all "jq is missing (apt-get install jq)"
command -v sqlite3 >/dev/null || skip_all "sqlite3 is missing (apt-get install sqlite3)"
command -v flock >/dev/null || skip_all "flock is missing (apt-get install util-linux)"

serve_pid=
trap 'test -n "$serve_pid" && kill -9 $serve_pid 2>/dev/null' EXIT INT TERM

SHIP_TAG=ship-$$

current_of() {
	readlink ".relgate/store/$1/current" | sed 's|^releases/||'
}

# wait_line FILE PATTERN: until a line of FILE matches (at most 20 s).
wait_line() {
	i=0
	while ! grep -Eq "$2" "$1" 2>/dev/null; do
		test $i -lt 200 || { echo "no line /$2/ in $1:"; cat "$1"; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
}

# config [BAKE]: relgate.json, the products' urls on relgate serve's port; $qa, when set,
# is the qa channel's JSON (default: the command that records the notice)
config() {
	qa_json=${qa:-'"type": "command", "run": "sh notify.sh"'}
	cat >relgate.json <<-EOF
	{"products": {
	  "web": {"package": "web", "artifact": "apps/web/dist", "build": {"run": "sh build.sh web"},
	          "checks": [{"name": "unit", "run": "sh check.sh web"}], "owners": ["team"],
	          "url": "http://127.0.0.1:${port:-9}/p/web/"},
	  "admin": {"package": "admin", "artifact": "apps/admin/dist",
	            "build": {"run": "sh build.sh admin"},
	            "checks": [{"name": "unit", "run": "sh check.sh admin"}], "owners": ["team"],
	            "url": "http://127.0.0.1:${port:-9}/p/admin/"}},
	 "channels": {"team": {"type": "command", "run": "sh notify.sh"}, "qa": {$qa_json}},
	 "notify": {"plan": ["qa"], "timeout": "20s"},
	 "watch": {"bake": "${1:-2s}", "interval": "500ms", "autoRollback": true}}
	EOF
}

# change [FILE]: a commit that changes the shared package (or FILE)
change() {
	echo "// $(date +%s%N)" >>"${1:-packages/shared/index.js}" &&
	git add -A && git -c user.name=t -c user.email=t@t commit -qm "change ${1:-shared}"
}

notes() {
	cat notes.log 2>/dev/null
}

test_expect_success 'setup: two products on a shared package; relgate serve for their urls' '
	mkdir ws && cd ws &&
	git init -q . &&
	make_package packages/shared shared &&
	echo "export const x = 1;" >packages/shared/index.js &&
	for p in web admin; do
		mkdir -p apps/$p &&
		echo "{\"name\": \"$p\", \"version\": \"1.0.0\", \"dependencies\": {\"shared\": \"*\"}}" \
			>apps/$p/package.json &&
		echo "import {x} from \"shared\"; // $p" >apps/$p/index.js || return 1
	done &&
	write_file build.sh <<-\EOF &&
	set -e
	p=$1
	test -e slow-build && sh -c "sleep 30" slow-build
	rm -rf apps/$p/dist
	test -e no-artifact-$p && exit 0
	mkdir -p apps/$p/dist
	cat packages/shared/index.js apps/$p/index.js >apps/$p/dist/app.js
	test -e no-index-$p && exit 0
	echo "<!doctype html><html><head><meta charset=utf-8></head><body><script src=app.js></script></body></html>" >apps/$p/dist/index.html
	EOF
	write_file check.sh <<-\EOF &&
	test ! -e fail-$1 || { echo "$1: the unit test says no"; exit 1; }
	EOF
	write_file notify.sh <<-\EOF &&
	test -e slow-notify && sh -c "sleep 30" slow-notify
	cat >>notes.log; echo >>notes.log
	EOF
	printf "%s\n" "apps/*/dist/" ".relgate/" relgate.json "slow-*" "fail-*" "no-*" notes.log \
		"serve.*" out err n "fsck.out" >.gitignore &&
	echo "{\"name\": \"ws\", \"private\": true, \"workspaces\": [\"apps/*\", \"packages/*\"]}" \
		>package.json &&
	config &&
	git add -A && git -c user.name=t -c user.email=t@t commit -qm one &&
	{ RELGATE_TOKEN=t "$RELGATE" serve --listen 127.0.0.1:0 >serve.out 2>serve.err & } &&
	serve_pid=$! &&
	cd "$TRASH/ws" && wait_line serve.out "listening on port" &&
	port=$(sed -n "s/.*listening on port \([0-9]*\).*/\1/p" serve.out) &&
	echo "$port" >"$TRASH/port" &&
	config
'
port=$(cat "$TRASH/port" 2>/dev/null)
# from here on, what relgate ship starts carries the tag (relgate serve does not)
export SHIP_TAG

test_expect_success 'usage: a change is required; --from-reports runs no gate here' '
	cd ws &&
	test_expect_code 2 "$RELGATE" ship 2>err &&
	test_grep "say which change" err &&
	test_expect_code 2 "$RELGATE" ship --base HEAD --from-reports . -j 2 2>err &&
	test_grep "runs no gate here" err &&
	test_expect_code 2 "$RELGATE" ship --bogus 2>err &&
	"$RELGATE" ship --help >out &&
	test_grep "^usage: relgate ship" out &&
	test_grep "130 interrupted" out &&
	"$RELGATE" help ship >help &&
	test_cmp out help &&
	test_expect_code 2 "$RELGATE" help shipit 2>err &&
	test_grep "\"shipit\" is not a relgate command" err
'

test_expect_success 'a change that reaches no product: said, exit 0, nothing built' '
	cd ws &&
	mkdir -p docs && change docs/notes.md &&
	"$RELGATE" ship --base HEAD~1 >out 2>err &&
	test_grep "0 of 2 products" out &&
	test_grep "reaches no product: nothing to gate, release or watch" out &&
	test_grep_not "ship 2/4" out &&
	test ! -e apps/web/dist
'

test_expect_success '--dry-run: the plan and the commands, and nothing done' '
	cd ws &&
	change &&
	rm -f notes.log &&
	"$RELGATE" ship --base HEAD~1 --dry-run >out 2>err &&
	test_grep "dry run: nobody is told" out &&
	test_grep "admin <- shared \(dependency\) <- packages/shared/index.js" out &&
	test_grep "relgate test admin web --notify --json REPORT.json" out &&
	test_grep "relgate release web --gate-report REPORT.json" out &&
	test_grep "relgate watch --until-baked" out &&
	test_grep "nothing was built, released or sent" out &&
	echo packages/shared/index.js | "$RELGATE" ship --files - --dry-run >out 2>err &&
	test_grep "^Release plan: 2 of 2 products" out &&
	test_grep "relgate test admin web --notify --json REPORT.json" out &&
	test ! -e apps/web/dist && test ! -e apps/admin/dist &&
	test ! -e .relgate/store/web &&
	test ! -e notes.log
'

test_expect_success 'the gate stops one product: the other ships, the owners are told why' '
	cd ws &&
	touch fail-admin &&
	test_expect_code 1 "$RELGATE" ship --base HEAD~1 --junit "$TRASH/j.xml" \
		--json "$TRASH/r.json" >out 2>err &&
	rm fail-admin &&
	test_grep "ship 1/4: plan" out &&
	test_grep "^admin: not released: unit failed" out &&
	test_grep "^web: release r[0-9]+ stored" out &&
	test_grep "^admin +unit failed +not released +-" out &&
	test_grep "^web +passed +r[0-9]+ \(was none\) +healthy for 2s" out &&
	test_grep "1 of 2 affected products shipped" out &&
	test -n "$(current_of web)" && test -z "$(current_of admin)" &&
	test "$(jq -r "[.products[] | select(.name == \"admin\")][0].passed" "$TRASH/r.json")" = false &&
	test_grep "<testsuite[^>]*name=\"admin\"" "$TRASH/j.xml" &&
	notes >n &&
	test_grep "\"kind\": \"plan\".*release plan, 2 of 2 products" n &&
	test_grep "\"subject\": \"relgate: admin failed the gate \(unit\)\".*the unit test says no" n &&
	test_grep "web: baked: no fatal|web: r[0-9]+ baked: no fatal start-up failure .*the probe passed" out
'

test_expect_success 'the same change again: the gate runs, nothing new is released, exit 0' '
	cd ws &&
	web=$(current_of web) &&
	"$RELGATE" ship --base HEAD~1 >out 2>err &&
	test_grep "^web: the artifact is release $web, already active: nothing to release" out &&
	test_grep "^web +passed +$web already active +-" out &&
	test_grep "^admin +passed +r[0-9]+ \(was none\)" out &&
	test "$(current_of web)" = "$web" &&
	test_grep "shipped all 2 affected products" out &&
	"$RELGATE" ship --base HEAD~1 >out 2>err &&
	test_grep "watch: nothing new was activated" out &&
	test_grep "^admin +passed +r[0-9]+ already active" out
'

test_expect_success 'a release that does not start live is rolled back by the watch: exit 1' '
	cd ws &&
	config 20s &&
	good=$(current_of web) &&
	touch no-index-web &&
	change apps/web/index.js &&
	test_expect_code 1 "$RELGATE" ship --base HEAD~1 >out 2>err &&
	rm no-index-web &&
	config &&
	test_grep "^web: the artifact against release $good:" out &&
	test_grep "^web: watching r[0-9]+ until its bake window ends .*probing http" out &&
	test "$(current_of web)" = "$good" &&
	test_grep "^web +passed +r[0-9]+ \(was $good\) +rolled back to $good" out &&
	test_grep "0 of 1 affected products shipped" out &&
	bad=$(sed -n "s/^web: release \(r[0-9]*\) stored.*/\1/p" out) &&
	test "$(sqlite3 .relgate/store/relgate.db \
		"SELECT action FROM watch_log WHERE release_id = '\''$bad'\''")" = "rolled back"
'

test_expect_success 'a build that leaves no artifact: not released, said' '
	cd ws &&
	touch no-artifact-admin &&
	change apps/admin/index.js &&
	test_expect_code 1 "$RELGATE" ship --base HEAD~1 --no-watch >out 2>err &&
	rm no-artifact-admin &&
	test_grep "^admin: not released: no artifact built" out &&
	test_grep "^admin +no artifact built +not released" out
'

test_expect_success 'a channel that is down: the plan is queued, the ship goes on' '
	cd ws &&
	qa="\"type\": \"slack\", \"url\": \"http://127.0.0.1:9/hooks/qa\"" config &&
	change &&
	"$RELGATE" ship --base HEAD~1 --no-watch >out 2>err &&
	config &&
	test_grep "qa \(slack\): not delivered .* is retried from" err &&
	test_grep "shipped all 2 affected products" out &&
	test "$(sqlite3 .relgate/store/relgate.db \
		"SELECT count(*) FROM deliveries WHERE channel = '\''qa'\'' AND state != '\''sent'\''")" -ge 1
'

test_expect_success '--from-reports: what gate runs elsewhere passed is released, and only that' '
	cd ws &&
	change &&
	mkdir -p "$TRASH/reports" && rm -f "$TRASH/reports"/* &&
	"$RELGATE" test web --json "$TRASH/reports/web.json" >out &&
	touch fail-admin &&
	test_expect_code 1 "$RELGATE" test admin --json "$TRASH/reports/admin.json" >out &&
	rm fail-admin &&
	echo "not json" >"$TRASH/reports/junk.json" &&
	web=$(current_of web) admin=$(current_of admin) &&
	test_expect_code 1 "$RELGATE" ship --base HEAD~1 --from-reports "$TRASH/reports" \
		--no-watch >out 2>err &&
	test_grep "^web: passed in .*reports/web.json" out &&
	test_grep "^admin: failed: unit failed" out &&
	test "$(current_of web)" != "$web" &&
	test "$(current_of admin)" = "$admin" &&
	test_grep "junk.json is not a gate report" err
'

test_expect_success '--from-reports: a report of another artifact does not release this one' '
	cd ws &&
	change apps/web/index.js &&
	sh build.sh web &&
	web=$(current_of web) &&
	test_expect_code 1 "$RELGATE" ship --base HEAD~1 --from-reports "$TRASH/reports" \
		--no-watch >out 2>err &&
	test_grep "^web: no verdict: the reports checked another artifact" out &&
	test "$(current_of web)" = "$web"
'

# interrupt SIGNAL PATTERN: ship in the background, SIGNAL when out matches PATTERN
interrupt() {
	{ "$RELGATE" ship --base HEAD~1 --json "$TRASH/r.json" >out 2>err & } &&
	pid=$! &&
	wait_line out "$2" &&
	sleep 0.3 &&
	kill -$1 $pid &&
	{ wait_bounded $pid 15; rc=$?; } &&
	echo "exit $rc" &&
	test $rc = 130 &&
	test_grep "interrupted by" out &&
	no_survivors "SHIP_TAG=$SHIP_TAG"
}

test_expect_success 'SIGINT while the plan is being sent: 130, nothing built, nothing left' '
	cd ws &&
	change &&
	web=$(current_of web) &&
	touch slow-notify &&
	interrupt INT "ship 1/4: plan" &&
	rm slow-notify &&
	test_grep_not "ship 2/4" out &&
	test "$(current_of web)" = "$web"
'

test_expect_success 'SIGTERM during the gate: 130, the reports written, nothing released' '
	cd ws &&
	web=$(current_of web) &&
	touch slow-build &&
	interrupt TERM "(web|admin): build started" &&
	rm slow-build &&
	test "$(jq -r .interrupted "$TRASH/r.json")" != null &&
	test_grep_not "ship 3/4" out &&
	test "$(current_of web)" = "$web"
'

test_expect_success 'SIGINT during a release: it finishes, the next is not begun, 130' '
	cd ws &&
	admin=$(current_of admin) web=$(current_of web) &&
	{ flock .relgate/store/admin/.lock sleep 2 & } &&
	holder=$! &&
	interrupt INT "ship 3/4" &&
	wait $holder &&
	test "$(current_of admin)" != "$admin" &&
	test "$(current_of web)" = "$web" &&
	"$RELGATE" fsck >fsck.out 2>&1 &&
	test_grep "^admin +passed +r[0-9]+ \(was $admin\)" out &&
	test_grep "^web +passed +not released" out
'

test_expect_success 'SIGINT during the watch: 130, the release stays, the watch is gone' '
	cd ws &&
	config 30s &&
	change apps/web/index.js &&
	interrupt INT "web: watching r[0-9]+" &&
	config &&
	new=$(sed -n "s/^web: release \(r[0-9]*\) stored.*/\1/p" out) &&
	test -n "$new" && test "$(current_of web)" = "$new"
'

test_expect_success 'relgate watch left running watches a release made after it went idle' '
	cd ws &&
	config 3s &&
	good=$(current_of web) &&
	{ "$RELGATE" watch web >watch.out 2>watch.err & } &&
	watch_pid=$! &&
	sleep 3.5 &&
	touch no-index-web && sh build.sh web && rm no-index-web &&
	"$RELGATE" release web --force --reason "no page" >out &&
	bad=$(current_of web) &&
	test "$bad" != "$good" &&
	i=0 && while test "$(current_of web)" = "$bad" && test $i -lt 100; do
		sleep 0.1 && i=$((i + 1)) || return 1
	done &&
	kill -TERM $watch_pid && wait $watch_pid &&
	config &&
	test "$(current_of web)" = "$good"
'

test_expect_success 'relgate serve stops cleanly' '
	cd ws &&
	kill -TERM $serve_pid && wait $serve_pid && serve_pid=
'

test_done
