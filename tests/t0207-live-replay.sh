#!/bin/sh
#
# t0207: the incident replayed live.  The distributor of examples/hotel-suite
# is released good (v1), then its broken build is forced out past the gate
# (v2).  relgate serve --watch serves it; two headless chromiums with
# distinct User-Agents open it as two visitors would; the snippet's beacons
# arrive, the watch rolls v2 back to v1 by itself and marks it bad, the
# status page and its JSON say so, and the notification reaches the local
# receiver; then the status page, in chromium, rolls back with its button and
# the token (a screenshot is kept in the scratch folder).  The chain is asserted in order; the times (activation to
# detection, first visit to detection, detection to restore) are printed,
# not asserted.  Then relgate watch --once: the boot check against the live
# url fails (the probe's own beacons not counted) and it rolls back; a product whose url does not
# answer is rolled back by the probe, and the release it went back to,
# failing too within the bake window, is told about and left alone.

. "$(dirname "$0")/test-lib.sh"

require_hotel_suite
command -v curl >/dev/null || skip_all "curl is missing (apt-get install curl)"
command -v sqlite3 >/dev/null || skip_all "sqlite3 is missing (apt-get install sqlite3)"
command -v python3 >/dev/null || skip_all "python3 is missing (apt-get install python3)"

RCV=$TRASH/rcv
mkdir -p "$RCV"
serve_pid= receiver=
cleanup() {
	test -n "$serve_pid" && kill -9 $serve_pid 2>/dev/null
	test -n "$receiver" && kill $receiver 2>/dev/null
	for b in $browsers; do kill -9 -$b 2>/dev/null; done
}
browsers=
trap cleanup EXIT INT TERM

current() {
	readlink hs/.relgate/store/distributor/current | sed 's|^releases/||'
}

ms() {
	date +%s%3N
}

test_expect_success 'setup: v1 of the distributor released, then the incident forced out as v2' '
	"$REPLAY" --link-node-modules "$TRASH/hs" >replay.out 2>&1 &&
	git -C hs checkout -q before &&
	(cd hs && npm run build -w @hotel/distributor) >build1.out 2>&1 &&
	"$RELGATE" -C hs release distributor --force --reason "v1" >rel1.out &&
	git -C hs checkout -q incident &&
	(cd hs && npm run build -w @hotel/distributor) >build2.out 2>&1 &&
	"$RELGATE" -C hs release distributor --force --reason "forced past the gate" >rel2.out &&
	test "$(current)" = r000002
'

test_expect_success 'setup: the receiver stands in for the channels; two clients make it fatal' '
	{ python3 "$SRCDIR/tests/receiver.py" "$RCV" 2>receiver.log & } &&
	receiver=$! &&
	i=0 && while ! test -s "$RCV/smtp-port" && test $i -lt 100; do
		sleep 0.1 && i=$((i + 1)) || return 1
	done &&
	http=$(cat "$RCV/http-port") smtp=$(cat "$RCV/smtp-port") &&
	jq --arg h "http://127.0.0.1:$http/hooks/qa" --arg s "smtp://127.0.0.1:$smtp" \
		".channels.qa.url = \$h | .channels[\"team-distributor\"].smtp = \$s |
		 .channels[\"team-commander\"].smtp = \$s | .channels[\"team-portal\"].smtp = \$s |
		 .watch.fatal = {\"events\": 2, \"clients\": 2}" hs/relgate.json >rg.json &&
	mv rg.json hs/relgate.json
'

test_expect_success 'serve --watch: the broken release is live' '
	(cd hs && RELGATE_TOKEN=sekrit exec "$RELGATE" serve --listen 127.0.0.1:0 --watch) \
		>serve.out 2>serve.err &
	serve_pid=$! &&
	i=0 && while ! grep -q "listening on port" serve.out && test $i -lt 100; do
		sleep 0.1 && i=$((i + 1)) || return 1
	done &&
	port=$(sed -n "s/.*listening on port \([0-9]*\).*/\1/p" serve.out) &&
	echo $port >port &&
	curl -s "http://127.0.0.1:$port/p/distributor/" >page &&
	test_grep "\"r\":\"r000002\"|&quot;r&quot;:&quot;r000002&quot;" page
'

test_expect_success 'two visitors: the beacons arrive, the watch rolls back by itself' '
	port=$(cat port) &&
	t_visit=$(ms) &&
	for who in one two; do
		setsid /usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run \
			--disable-background-networking --user-data-dir="$TRASH/profile-$who" \
			--user-agent="Mozilla/5.0 visitor-$who" \
			"http://127.0.0.1:$port/p/distributor/" >/dev/null 2>&1 &
		browsers="$browsers $!"
	done &&
	i=0 && while test "$(current)" != r000001 && test $i -lt 300; do
		sleep 0.1 && i=$((i + 1)) || return 1
	done &&
	for b in $browsers; do kill -9 -$b 2>/dev/null || true; done &&
	browsers= &&
	test "$(current)" = r000001 &&
	# the decision is written once the rollback is done
	i=0 && while test "$(sqlite3 -cmd ".timeout 10000" hs/.relgate/store/relgate.db \
			"select count(*) from watch_log")" = 0 && test $i -lt 100; do
		sleep 0.1 && i=$((i + 1)) || return 1
	done &&
	echo $t_visit >t_visit
'

test_expect_success 'the chain, in order: beacons stored, release marked bad, rollback, watch log' '
	db=hs/.relgate/store/relgate.db &&
	test "$(sqlite3 -cmd ".timeout 10000" $db "select count(distinct client) from event_clients")" -ge 2 &&
	sqlite3 -cmd ".timeout 10000" $db "select message from event_groups where release_id = \"r000002\"" >msgs &&
	test_grep "TypeError" msgs &&
	first=$(sqlite3 -cmd ".timeout 10000" $db "select min(first_ms) from event_groups where release_id = \"r000002\"") &&
	rolled=$(sqlite3 -cmd ".timeout 10000" $db "select at_ms from activations where kind = \"rollback\" order by seq desc limit 1") &&
	decided=$(sqlite3 -cmd ".timeout 10000" $db "select at_ms from watch_log where release_id = \"r000002\"") &&
	test "$first" -le "$decided" && test "$decided" -le "$rolled" &&
	test "$(sqlite3 -cmd ".timeout 10000" $db "select action from watch_log")" = "rolled back" &&
	test "$(sqlite3 -cmd ".timeout 10000" $db "select bad from releases where id = \"r000002\"")" = 1 &&
	sqlite3 -cmd ".timeout 10000" $db "select bad_reason from releases where id = \"r000002\"" >why &&
	test_grep "watch: .*fatal events from 2 clients.*TypeError" why &&
	"$RELGATE" -C hs status >status.out &&
	test_grep "bad: r000002" status.out &&
	test_grep "^watch: distributor r000002 failed to start at .*: rolled back to r000001 \(detected" status.out &&
	activated=$(sqlite3 -cmd ".timeout 10000" $db "select at_ms from activations where to_release = \"r000002\"") &&
	detect=$(sqlite3 -cmd ".timeout 10000" $db "select detect_ms from watch_log") &&
	restore=$(sqlite3 -cmd ".timeout 10000" $db "select restore_ms from watch_log") &&
	{
		echo "# activation to detection: $detect ms (mostly the setup before the visitors came)" &&
		echo "# first visit to detection: $((decided - $(cat t_visit))) ms (the browsers start, load, crash, send)" &&
		echo "# first beacon stored to detection: $((decided - first)) ms" &&
		echo "# detection to restore: $restore ms"
	} >"$TRASH/times"
'
test -f "$TRASH/times" && cat "$TRASH/times"

test_expect_success 'the status page and its JSON show it' '
	port=$(cat port) &&
	curl -s "http://127.0.0.1:$port/api/status" >status.json &&
	test "$(jq -r ".products[] | select(.name == \"distributor\") | .active" status.json)" = r000001 &&
	test "$(jq -r ".products[] | select(.name == \"distributor\") | .watch[0].action" status.json)" = "rolled back" &&
	curl -s "http://127.0.0.1:$port/" >status.html &&
	test_grep "r000002 failed to start, rolled back to r000001" status.html
'

test_expect_success 'the notification reached the receiver: what failed, with its stack and times' '
	i=0 && while ! grep -l "failed to start" "$RCV"/*.http "$RCV"/*.eml >/dev/null 2>&1 && test $i -lt 200; do
		sleep 0.1 && i=$((i + 1)) || return 1
	done &&
	grep -l "failed to start" "$RCV"/*.http "$RCV"/*.eml >got &&
	for f in $(cat got); do cat "$f"; done >all &&
	test_grep "TypeError" all &&
	test_grep "detection to restore" all &&
	test_grep "r000001" all
'

test_expect_success 'a second failure in the same bake window is told, not rolled back (flapping guard)' '
	"$RELGATE" -C hs rollback distributor --to r000002 --force --reason "again" >/dev/null &&
	test "$(current)" = r000002 &&
	sqlite3 -cmd ".timeout 10000" hs/.relgate/store/relgate.db "delete from watch_log" &&
	sqlite3 -cmd ".timeout 10000" hs/.relgate/store/relgate.db "insert into watch_log (product, release_id, verdict, action, at, at_ms) values (\"distributor\", \"r000000\", \"failed to start\", \"rolled back\", \"now\", $(ms))" &&
	port=$(cat port) &&
	for who in three four; do
		curl -s -o /dev/null -A "visitor-$who" -H "Content-Type: text/plain" --data-binary \
			"{\"v\":1,\"product\":\"distributor\",\"release\":\"r000002\",\"kind\":\"error\",\"message\":\"TypeError: again\"}" \
			"http://127.0.0.1:$port/beacon" || return 1
	done &&
	sleep 0.5 &&
	test "$(current)" = r000002 &&
	sqlite3 -cmd ".timeout 10000" hs/.relgate/store/relgate.db "select action from watch_log where release_id = \"r000002\"" >act &&
	test_grep "told \(rolled back once in this bake window" act
'

test_expect_success 'the status page in chromium: the table, the rollback button with the token' '
	port=$(cat port) &&
	test "$(current)" = r000002 &&
	python3 "$SRCDIR/tests/status-page.py" "http://127.0.0.1:$port/" distributor sekrit \
		"$TRASH/shots" >page.out 2>page.err &&
	printf "%s\n" "commander none" "distributor r000002" "portal none" -- "commander none" \
		"distributor r000001" "portal none" "said: distributor rolled back to r000001" >expect &&
	test_cmp expect page.out &&
	test "$(current)" = r000001 &&
	test -s "$TRASH/shots/status.png" &&
	test "$(head -c 4 "$TRASH/shots/status.png" | od -An -c | tr -d " ")" = "211PNG" &&
	"$RELGATE" -C hs history --format json >h.json &&
	test_grep "from the status page" h.json
'

test_expect_success 'relgate watch --once: the boot check against the live url fails, the probe rolls back' '
	port=$(cat port) &&
	db=hs/.relgate/store/relgate.db &&
	"$RELGATE" -C hs rollback distributor --to r000002 --force --reason "live probe" >/dev/null &&
	sqlite3 -cmd ".timeout 10000" $db "delete from watch_log; delete from event_clients; delete from event_samples; delete from event_groups" &&
	jq ".products.distributor.url = \"http://127.0.0.1:$port/p/distributor/\"" hs/relgate.json >rg.json &&
	mv rg.json hs/relgate.json &&
	test_expect_code 1 "$RELGATE" -C hs watch distributor --once >watch.out 2>watch.err &&
	test_grep "r000002 failed to start: the probe failed 3 times in a row: the boot check of http://127.0.0.1:$port/p/distributor/ failed: .*TypeError" watch.out &&
	test "$(current)" = r000001 &&
	# the probe s own visits sent beacons; the collector did not count them
	test "$(sqlite3 -cmd ".timeout 10000" $db "select count(*) from event_groups")" = 0 &&
	curl -s "http://127.0.0.1:$port/metrics" >metrics &&
	test_grep "relgate_rollbacks_total" metrics
'

test_expect_success 'SIGTERM ends serve with 0' '
	kill -TERM $serve_pid && wait $serve_pid && serve_pid=
'

test_expect_success 'relgate watch --once: a url that does not answer three times is rolled back' '
	sqlite3 -cmd ".timeout 10000" hs/.relgate/store/relgate.db "delete from watch_log; delete from event_clients; delete from event_samples; delete from event_groups" &&
	"$RELGATE" -C hs rollback distributor --to r000002 --force --reason "once more" >/dev/null &&
	jq ".products.distributor.url = \"http://127.0.0.1:9/p/distributor/\"" hs/relgate.json >rg.json &&
	mv rg.json hs/relgate.json &&
	test_expect_code 1 "$RELGATE" -C hs watch distributor --once >watch.out 2>watch.err &&
	test_grep "r000002 failed to start: the probe failed 3 times" watch.out &&
	test "$(current)" = r000001 &&
	test_expect_code 1 "$RELGATE" -C hs watch distributor --once >watch2.out 2>&1 &&
	test_grep "r000001 failed to start" watch2.out &&
	test_grep "told \(rolled back once in this bake window" watch2.out &&
	test "$(current)" = r000001 &&
	"$RELGATE" -C hs watch --help >help && test_grep "bake window" help
'

test_done
