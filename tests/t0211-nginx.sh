#!/bin/sh
#
# t0211: releases served by Debian's nginx, as the README's recipe says: the
# product's location aliased to the store's current (open_file_cache off), so
# that a release and a rollback are served at the very next request; and
# /beacon proxied to relgate serve, which takes the client from
# X-Forwarded-For because relgate.json trusts the proxy (server.trustedProxies).

. "$(dirname "$0")/test-lib.sh"

test_before_each='cd "$TRASH"'
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
test -x "$NGINX" || skip_all "nginx is missing (apt-get install nginx)"
command -v curl >/dev/null || skip_all "curl is missing (apt-get install curl)"
command -v sqlite3 >/dev/null || skip_all "sqlite3 is missing (apt-get install sqlite3)"

serve_pid= nginx_pid=
trap 'kill -9 $serve_pid $nginx_pid 2>/dev/null' EXIT INT TERM

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_http() {
	i=0
	while ! curl -s -o /dev/null "$1"; do
		test $i -lt 100 || return 1
		sleep 0.1
		i=$((i + 1))
	done
}

page() {
	curl -s "http://127.0.0.1:$nport/p/web/"
}

test_expect_success 'setup: a product released twice, relgate serve, nginx in front' '
	nport=$(free_port) && rport=$(free_port) &&
	echo "$nport $rport" >ports &&
	mkdir ws && cd ws &&
	make_package apps/web web &&
	write_file relgate.json <<-EOF &&
	{"products": {"web": {"package": "web", "artifact": "apps/web/dist",
	                      "url": "http://127.0.0.1:$nport/p/web/"}},
	 "server": {"listen": "127.0.0.1:$rport", "trustedProxies": ["127.0.0.1"]}}
	EOF
	echo "apps/web/dist/" >.gitignore &&
	make_workspace "apps/*" &&
	mkdir -p apps/web/dist &&
	echo "<!doctype html><html><head><meta charset=utf-8></head><body>v1</body></html>" \
		>apps/web/dist/index.html &&
	"$RELGATE" release web --force --reason v1 >out &&
	echo "<!doctype html><html><head><meta charset=utf-8></head><body>v2</body></html>" \
		>apps/web/dist/index.html &&
	"$RELGATE" release web --force --reason v2 >out &&
	store=$PWD/.relgate/store &&
	sh "$SRCDIR/tests/nginx-conf.sh" "$TRASH/nginx" "open_file_cache off" <<-EOF &&
		server {
			listen 127.0.0.1:$nport;
			location = /beacon {
				proxy_pass http://127.0.0.1:$rport;
				proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
			}
			location /p/web/ {
				alias $store/web/current/;
				add_header Cache-Control no-cache;
			}
		}
	EOF
	{ "$NGINX" -c "$TRASH/nginx/nginx.conf" -p "$TRASH/nginx" 2>"$TRASH/nginx/stderr" & } &&
	nginx_pid=$! &&
	{ RELGATE_TOKEN=t "$RELGATE" serve >"$TRASH/serve.out" 2>&1 & } &&
	serve_pid=$! &&
	wait_http "http://127.0.0.1:$nport/p/web/" &&
	wait_http "http://127.0.0.1:$rport/healthz"
'
read -r nport rport <"$TRASH/ports"

test_expect_success 'nginx serves the active release, with the snippet release put in it' '
	cd ws &&
	page >p && test_grep "v2" p &&
	test_grep "<meta name=\"relgate\"" p
'

test_expect_success 'a rollback is served at the next request' '
	cd ws &&
	"$RELGATE" rollback web --reason "nginx test" >out &&
	page >p && test_grep "v1" p && test_grep_not "v2" p
'

test_expect_success 'a release is served at the next request' '
	cd ws &&
	echo "<!doctype html><html><head><meta charset=utf-8></head><body>v3</body></html>" \
		>apps/web/dist/index.html &&
	"$RELGATE" release web --force --reason v3 >out &&
	page >p && test_grep "v3" p
'

test_expect_success '/beacon through nginx: 204, stored, the clients told apart by X-Forwarded-For' '
	cd ws &&
	release=$(readlink .relgate/store/web/current | sed "s|^releases/||") &&
	body="{\"v\":1,\"product\":\"web\",\"release\":\"$release\",\"kind\":\"error\",\"message\":\"TypeError: x is not a function\",\"stack\":\"\",\"page\":\"http://127.0.0.1:$nport/p/web/\"}" &&
	for who in 203.0.113.5 198.51.100.7; do
		code=$(curl -s -o /dev/null -w "%{http_code}" -H "Content-Type: text/plain" \
			-H "X-Forwarded-For: $who" -A "same browser" --data-binary "$body" \
			"http://127.0.0.1:$nport/beacon") &&
		test "$code" = 204 || return 1
	done &&
	test "$(sqlite3 -cmd ".timeout 10000" .relgate/store/relgate.db \
		"select sum(events), sum(clients) from event_groups where release_id = '\''$release'\''")" = "2|2" &&
	! grep -q "203.0.113.5" .relgate/store/relgate.db
'

test_expect_success 'nginx and relgate serve stop' '
	kill -TERM $serve_pid && wait $serve_pid && serve_pid= &&
	kill -QUIT $nginx_pid && { wait $nginx_pid || true; } && nginx_pid=
'

test_done
