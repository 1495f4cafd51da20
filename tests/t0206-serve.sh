#!/bin/sh
#
# t0206: relgate serve, over real HTTP on loopback.  The wire contract of
# POST /beacon (204 stored, 400 invalid or unknown, 403 an origin not
# allowed, 405, 413, 429) and its CORS preflight; what is stored: grouped
# by fingerprint per release, distinct clients by a keyed hash (never an
# address), URLs without queries; the active release under /p/ with ETags
# and cache headers, a hashed asset a rollback left behind served from the
# release that has it, no source maps, no way out of the release folder;
# /api/rollback with and without the token; the status page and its JSON;
# /healthz and /metrics; hostile requests (deep JSON, invalid UTF-8, a
# slow client, a flood from one client, a flood of distinct errors) that
# neither crash it, grow its storage without bound, nor block others; SIGTERM:
# every 204 is in the history.

. "$(dirname "$0")/test-lib.sh"

mkdir -p "$TRASH/ws"
test_before_each='cd "$TRASH/ws"'
command -v curl >/dev/null || skip_all "curl is missing (apt-get install curl)"
command -v jq >/dev/null || skip_all "jq is missing (apt-get install jq)"
command -v sqlite3 >/dev/null || skip_all "sqlite3 is missing (apt-get install sqlite3)"
command -v python3 >/dev/null || skip_all "python3 is missing (apt-get install python3)"

serve_pid=
trap 'test -n "$serve_pid" && kill -9 $serve_pid 2>/dev/null' EXIT INT TERM

# start_serve [OPTION...]: relgate serve on a free port, into $U; waits (10 s) until it listens.
start_serve() {
	RELGATE_TOKEN=sekrit "$RELGATE" serve --listen 127.0.0.1:0 "$@" >serve.out 2>serve.err &
	serve_pid=$!
	i=0
	while ! grep -q "listening on port" serve.out 2>/dev/null; do
		test $i -lt 100 || { cat serve.out serve.err; return 1; }
		kill -0 $serve_pid 2>/dev/null || { cat serve.out serve.err; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
	port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' serve.out)
	U=http://127.0.0.1:$port
}

stop_serve() {
	kill -TERM $serve_pid && wait $serve_pid
	ret=$?
	serve_pid=
	return $ret
}

# code METHOD PATH [CURL OPTION...]: the status of one request
code() {
	m=$1 p=$2
	shift 2
	curl -s -o body -w "%{http_code}" -X "$m" "$@" "$U$p"
}

beacon() {
	curl -s -o body -w "%{http_code}" -H "Content-Type: text/plain" --data-binary "$1" \
		${2:+-A "$2"} "$U/beacon"
}

db() {
	sqlite3 -cmd ".timeout 10000" .relgate/store/relgate.db "$1"
}

test_expect_success 'setup: a product with two releases, the second active' '
	mkdir -p "$TRASH/ws" && cd "$TRASH/ws" &&
	make_package apps/web web &&
	d=apps/web/dist && mkdir -p $d/assets &&
	printf "<!doctype html><html><head><meta charset=utf-8><script src=\"assets/app.1a2b3c4d5e.js\"></script></head><body>v1</body></html>\n" >$d/index.html &&
	echo "window.v = 1;" >$d/assets/app.1a2b3c4d5e.js &&
	echo "{}" >$d/assets/app.1a2b3c4d5e.js.map &&
	write_file relgate.json <<-\EOF &&
	{"products": {"web": {"artifact": "apps/web/dist", "url": "http://web.example/"}},
	 "server": {"allowedOrigins": ["https://other.example"]},
	 "watch": {"bake": "1h"}}
	EOF
	make_workspace "apps/*" &&
	"$RELGATE" release web --force --reason v1 >/dev/null &&
	rm $d/assets/app.1a2b3c4d5e.js* &&
	echo "window.v = 2;" >$d/assets/app.9f8e7d6c5b.js &&
	sed -i "s/1a2b3c4d5e/9f8e7d6c5b/; s/v1/v2/" $d/index.html &&
	"$RELGATE" release web --force --reason v2 >/dev/null &&
	test "$(readlink .relgate/store/web/current)" = releases/r000002
'

test_expect_success 'serve: listens, answers /healthz, refuses a bad --listen' '
	test_expect_code 2 "$RELGATE" serve --listen nonsense 2>err &&
	test_grep "ADDRESS:PORT" err &&
	test_expect_code 2 "$RELGATE" serve --bogus 2>err &&
	"$RELGATE" serve --help >help && test_grep "POST /beacon" help &&
	start_serve &&
	test "$(code GET /healthz)" = 200 && test "$(cat body)" = ok
'

test_expect_success '/p/: the active release, ETag, cache headers, 304' '
	curl -s -D h -o page "$U/p/web/" &&
	test_grep "HTTP/1.1 200" h &&
	test_grep "<body>v2</body>" page &&
	test_grep "meta name=\"relgate\"" page &&
	grep -qi "^Cache-Control: no-cache" h &&
	grep -qi "^Content-Type: text/html" h &&
	grep -qi "^X-Relgate-Release: r000002" h &&
	etag=$(sed -n "s/^ETag: \(.*\)\r$/\1/ip" h) &&
	test -n "$etag" &&
	test "$(code GET /p/web/ -H "If-None-Match: $etag")" = 304 &&
	curl -s -D h -o js "$U/p/web/assets/app.9f8e7d6c5b.js" &&
	grep -qi "^Cache-Control: public, max-age=31536000, immutable" h &&
	grep -qi "^Content-Type: text/javascript" h &&
	test "$(code GET /p/web)" = 301 &&
	test "$(code GET /p/nope/)" = 404 &&
	test "$(code POST /p/web/)" = 404
'

test_expect_success '/p/: an old tab s bundle comes from the release that has it; no maps; no way out' '
	curl -s -D h -o js "$U/p/web/assets/app.1a2b3c4d5e.js" &&
	test_grep "HTTP/1.1 200" h &&
	test_grep "window.v = 1" js &&
	grep -qi "^X-Relgate-Release: r000001" h &&
	test "$(code GET /p/web/assets/app.1a2b3c4d5e.js.map)" = 404 &&
	test "$(code GET /p/web/missing.html)" = 404 &&
	test "$(code GET "/p/web/%2e%2e/%2e%2e/relgate.db" --path-as-is)" = 403 &&
	test "$(code GET "/p/web/../../../relgate.db" --path-as-is)" = 403 &&
	test "$(code GET "/p/..%2f..%2frelgate.db/x" --path-as-is)" = 404 &&
	ln -s /etc/passwd "$TRASH/passwd-link" &&
	chmod u+w .relgate/store/web/releases/r000002 &&
	ln -s "$TRASH/passwd-link" .relgate/store/web/releases/r000002/escape &&
	ln -s ../../../../relgate.db .relgate/store/web/releases/r000002/escape2 &&
	test "$(code GET /p/web/escape)" = 404 &&
	test "$(code GET /p/web/escape2)" = 404 &&
	rm .relgate/store/web/releases/r000002/escape .relgate/store/web/releases/r000002/escape2 &&
	chmod u-w .relgate/store/web/releases/r000002
'

good='{"v":1,"product":"web","release":"r000002","kind":"error","message":"TypeError: i.get(...) is not a function at 1234","stack":"TypeError: i.get(...) is not a function\n    at boot (http://web.example/assets/app.9f8e7d6c5b.js?token=SECRET:1:2345)\n    at http://web.example/assets/app.9f8e7d6c5b.js:1:99","page":"http://web.example/reset?token=SECRET#frag"}'

test_expect_success 'POST /beacon: 204 once stored, grouped, queries stripped, no address kept' '
	test "$(beacon "$good" "browser one")" = 204 &&
	test "$(beacon "$good" "browser two")" = 204 &&
	test "$(beacon "$good" "browser two")" = 204 &&
	test "$(db "select events || \" \" || clients from event_groups")" = "3 2" &&
	test "$(db "select frame from event_groups")" = "boot app.?.js" &&
	test "$(db "select message from event_groups")" = "TypeError: i.get(...) is not a function at ?" &&
	test "$(db "select count(*) from event_samples")" = 3 &&
	test "$(db "select page from event_samples limit 1")" = "http://web.example/reset" &&
	! db "select stack from event_samples" | grep SECRET &&
	! db ".dump" | grep -e SECRET -e 127.0.0.1 &&
	test "$(db "select length(client) from event_clients limit 1")" = 32
'

test_expect_success 'POST /beacon: what is refused, and how' '
	test "$(beacon "{\"product\":\"web\",\"release\":\"r000099\",\"kind\":\"error\"}")" = 400 &&
	test_grep "unknown release" body &&
	test "$(beacon "{\"product\":\"other\",\"release\":\"r000002\",\"kind\":\"error\"}")" = 400 &&
	test "$(beacon "{\"product\":\"web\",\"release\":\"r000002\",\"kind\":\"weird\"}")" = 400 &&
	test_grep "unknown kind" body &&
	test "$(beacon "{\"product\":\"../x\",\"release\":\"r000002\",\"kind\":\"error\"}")" = 400 &&
	test "$(beacon "{\"v\":99,\"product\":\"web\",\"release\":\"r000002\",\"kind\":\"error\"}")" = 400 &&
	test "$(beacon "{\"product\":\"web\",\"release\":\"r000002\",\"kind\":\"error\",\"message\":7}")" = 400 &&
	test "$(beacon "not json")" = 400 &&
	test "$(beacon "[1,2]")" = 400 &&
	printf "{\"product\":\"web\",\"release\":\"r000002\",\"kind\":\"error\",\"message\":\"\\377\\376\"}" >bad-utf8 &&
	test "$(curl -s -o body -w "%{http_code}" --data-binary @bad-utf8 "$U/beacon")" = 400 &&
	python3 -c "print(\"[\" * 8000 + \"]\" * 8000)" >deep &&
	test "$(curl -s -o body -w "%{http_code}" --data-binary @deep "$U/beacon")" = 400 &&
	python3 -c "print(\"{\" + \",\".join(\"\\\"k%d\\\":1\" % i for i in range(10000)) + \"}\")" >wide &&
	test "$(curl -s -o body -w "%{http_code}" --data-binary @wide "$U/beacon")" = 413 &&
	python3 -c "print(\"x\" * 20000)" >big &&
	test "$(curl -s -o body -w "%{http_code}" --data-binary @big "$U/beacon")" = 413 &&
	test "$(curl -s -o body -w "%{http_code}" -H "Transfer-Encoding: chunked" --data-binary @big "$U/beacon")" = 413 &&
	test "$(code GET /beacon)" = 405 &&
	test "$(beacon "{\"product\":\"web\",\"release\":\"r000002\",\"kind\":\"error\",\"message\":\"a\\ud83d\"}" "cut")" = 204 &&
	test "$(db "select count(*) from event_groups where message like \"a%\"")" = 1
'

test_expect_success 'POST /beacon: CORS for allowed origins, 403 for others' '
	test "$(code OPTIONS /beacon -H "Origin: https://other.example")" = 204 &&
	curl -s -D h -o /dev/null -X OPTIONS -H "Origin: http://web.example" "$U/beacon" &&
	grep -qi "^Access-Control-Allow-Origin: http://web.example" h &&
	test "$(code OPTIONS /beacon -H "Origin: https://evil.example")" = 403 &&
	test "$(curl -s -o body -w "%{http_code}" -H "Origin: https://evil.example" --data-binary "$good" "$U/beacon")" = 403 &&
	curl -s -D h -o /dev/null -H "Origin: https://other.example" --data-binary "$good" -A cors "$U/beacon" &&
	test_grep "HTTP/1.1 204" h &&
	grep -qi "^Access-Control-Allow-Origin: https://other.example" h
'

test_expect_success 'POST /beacon: a flood from one client is rate-limited, others are not' '
	codes=$(for i in $(seq 40); do beacon "$good" flood; echo; done | sort | uniq -c) &&
	echo "$codes" | grep " 429" &&
	echo "$codes" | grep " 204" &&
	test "$(beacon "$good" "someone else")" = 204
'

test_expect_success 'a flood of distinct errors fills 500 groups of a release, then one more for the rest' '
	python3 - "$port" <<-\PYEOF &&
	import http.client, json, sys
	words = ["".join(chr(97 + (n // 26 ** k) % 26) for k in range(3)) for n in range(600)]
	for i, w in enumerate(words):
	    c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
	    body = json.dumps({"v": 1, "product": "web", "release": "r000001", "kind": "error",
	                       "message": "Error: " + w, "stack": ""})
	    c.request("POST", "/beacon", body, {"User-Agent": "flood " + w})
	    if c.getresponse().status != 204:
	        sys.exit("beacon %d was not stored" % i)
	PYEOF
	test "$(db "select count(*) from event_groups where release_id = \"r000001\"")" = 501 &&
	test "$(db "select events from event_groups where release_id = \"r000001\" and fingerprint = \"overflow\"")" = 100 &&
	test "$(db "select sum(events) from event_groups where release_id = \"r000001\"")" = 600
'

test_expect_success 'a slow client does not block the others' '
	python3 - "$port" <<-\PYEOF &
	import socket, sys, time
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	s.sendall(b"POST /beacon HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
	time.sleep(6)
	PYEOF
	slow=$! &&
	sleep 0.3 &&
	test "$(code GET /healthz --max-time 3)" = 200 &&
	test "$(beacon "$good" "while slow")" = 204 &&
	wait $slow
'

test_expect_success '/api/rollback: the token, then 404, 200, 409' '
	test "$(code POST /api/rollback -d "{\"product\":\"web\"}")" = 401 &&
	test "$(code POST /api/rollback -H "Authorization: Bearer wrong" -d "{\"product\":\"web\"}")" = 401 &&
	test "$(readlink .relgate/store/web/current)" = releases/r000002 &&
	test "$(code POST /api/rollback -H "Authorization: Bearer sekrit" -d "{\"product\":\"nope\"}")" = 404 &&
	test "$(code POST /api/rollback -H "Authorization: Bearer sekrit" -d "[]")" = 400 &&
	test "$(code POST /api/rollback -H "Authorization: Bearer sekrit" -d "{\"product\":\"web\",\"reason\":\"api test\"}")" = 200 &&
	test "$(jq -r .to body)" = r000001 && test "$(jq -r .from body)" = r000002 &&
	test "$(readlink .relgate/store/web/current)" = releases/r000001 &&
	# the next request sees the rollback, whatever was answered before
	curl -s -D h -o page "$U/p/web/" &&
	test_grep "<body>v1</body>" page &&
	grep -qi "^X-Relgate-Release: r000001" h &&
	test "$(code POST /api/rollback -H "Authorization: Bearer sekrit" -d "{\"product\":\"web\"}")" = 409 &&
	"$RELGATE" history --format json >hist.json &&
	test_grep "api test" hist.json &&
	test "$(code GET /api/rollback)" = 405
'

test_expect_success 'the status page, its JSON, /metrics' '
	test "$(code GET /)" = 200 &&
	test_grep "<title>relgate status</title>" body &&
	test_grep "data-product=\"web\"" body &&
	test_grep "r000001" body &&
	test_grep_not "<script src" body &&
	test_grep_not "<link" body &&
	curl -s -D h -o /dev/null "$U/" && grep -qi "^Content-Security-Policy: default-src" h &&
	test "$(code GET /api/status)" = 200 &&
	test "$(jq -r ".products[0].name" body)" = web &&
	test "$(jq -r ".products[0].active" body)" = r000001 &&
	test "$(code GET /metrics)" = 200 &&
	test_grep "^relgate_beacons_accepted_total [1-9]" body &&
	test_grep "relgate_requests_total{route=\"beacon\",code=\"429\"}" body &&
	test_grep "relgate_events_total{product=\"web\",release=\"r000002\",kind=\"error\"}" body &&
	test_grep "^relgate_queue_depth 0" body
'

test_expect_success 'SIGTERM: exits 0 at once, and every 204 was stored' '
	start=$(db "select sum(events) from event_groups") &&
	for i in $(seq 15); do
		test "$(beacon "$good" "term $i")" = 204 || return 1
	done &&
	stop_serve &&
	test_grep "stopped" serve.out &&
	test "$(db "select sum(events) from event_groups")" = $((start + 15))
'

test_expect_success 'kill -9 right after the 204s: every one of them is in the history' '
	start_serve &&
	before=$(db "select sum(events) from event_groups") &&
	pids= &&
	for i in $(seq 10); do
		(beacon "$good" "kill $i" >"code.$i") &
		pids="$pids $!"
	done &&
	for p in $pids; do wait $p; done &&
	kill -9 $serve_pid && { wait $serve_pid || true; } && serve_pid= &&
	n=$(cat code.* | grep -c 204) &&
	test "$(db "select sum(events) from event_groups")" -ge $((before + n))
'

test_done
