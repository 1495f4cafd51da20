#!/bin/sh
# tests/nginx-conf.sh DIR [HTTP_DIRECTIVE...] < SERVER_BLOCKS: an nginx.conf for an
# nginx of one's own, unprivileged, in the foreground, with every file it
# writes (pid, error log, temporary bodies) under DIR; the directives given
# go into http {}, and standard input (the server {} blocks) after them.
# t0211 and bench/serve.sh start nginx with it:
#   nginx -c DIR/nginx.conf -p DIR
set -eu
dir=$1
shift
mkdir -p "$dir"
{
	cat <<EOF
daemon off;
worker_processes 1;
error_log $dir/error.log;
pid $dir/nginx.pid;
events { worker_connections 1024; }
http {
	access_log off;
	include /etc/nginx/mime.types;
	client_body_temp_path $dir/body;
	proxy_temp_path $dir/proxy;
	fastcgi_temp_path $dir/fastcgi;
	uwsgi_temp_path $dir/uwsgi;
	scgi_temp_path $dir/scgi;
EOF
	for d in "$@"; do
		printf '\t%s;\n' "$d"
	done
	cat
	echo "}"
} >"$dir/nginx.conf"
