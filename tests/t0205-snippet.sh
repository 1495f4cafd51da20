#!/bin/sh
#
# t0205: the early-error snippet.  relgate snippet prints it (under 1 KB)
# and its CSP hash; relgate release puts it into every HTML page right after
# <meta charset> (or first in <head>) with a <meta name="relgate"> naming
# the product and the release, and leaves every other file as built; the
# release's identity stays the artifact as built (diff, the no-op, plan
# --built), fsck checks what was stored; "snippet": false leaves the pages
# alone.  Then real chromium opens the stored pages, served by a stand-in
# collector: a start-up crash, a failed script load, an unhandled rejection
# and a missed boot deadline each arrive as one beacon, with the page's
# address cut before its query and fragment; a page that is ready sends
# nothing, a page that crashed is not also reported for its deadline, and a
# page that keeps failing sends at most three.

. "$(dirname "$0")/test-lib.sh"

test_before_each='cd "$TRASH"'
command -v jq >/dev/null || skip_all "jq is missing (apt-get install jq)"
command -v sqlite3 >/dev/null || skip_all "sqlite3 is missing (apt-get install sqlite3)"
command -v python3 >/dev/null || skip_all "python3 is missing (apt-get install python3)"
test -x /usr/bin/chromium || skip_all "no /usr/bin/chromium (apt-get install chromium)"

current_of() {
	readlink ".relgate/store/$1/current" | sed 's|^releases/||'
}

test_expect_success 'relgate snippet: the script, under 1 KB, and its CSP hash' '
	"$RELGATE" snippet >js &&
	bytes=$(($(wc -c <js) - 1)) &&
	test "$bytes" -gt 100 && test "$bytes" -lt 1024 &&
	test "$(head -c 2 js)" = "!f" &&
	want="'\''sha256-$(head -c "$bytes" js | openssl dgst -sha256 -binary | base64)'\''" &&
	test "$("$RELGATE" snippet --csp-hash)" = "$want" &&
	"$RELGATE" snippet --format json >s.json &&
	test "$(jq -r .bytes s.json)" = "$bytes" &&
	test "$(jq -r .cspHash s.json)" = "$want" &&
	test "$(jq -r .script s.json)" = "$(cat js)" &&
	test_expect_code 2 "$RELGATE" snippet --release r000001 2>err &&
	test_grep "release names a release of a PRODUCT" err &&
	test_expect_code 2 "$RELGATE" snippet --bogus 2>err &&
	"$RELGATE" snippet --help >help &&
	test_grep "relgate.ready\(\)" help &&
	test_grep "csp-hash" help
'

test_expect_success 'setup: a product with pages of every shape' '
	mkdir ws && cd ws &&
	make_package apps/web web &&
	d=apps/web/dist &&
	mkdir -p $d/sub $d/assets &&
	echo "window.appReady = true;" >$d/assets/app.js &&
	printf "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>w</title><script src=\"/assets/app.js\"></script></head><body>ok</body></html>\n" >$d/index.html &&
	printf "<!doctype html><title>c</title><script>var registry = {};\nregistry.lookup(\"boot\");\nwindow.appReady = true;</script>\n" >$d/crash.html &&
	printf "<!doctype html><html><head></head><body>never ready</body></html>\n" >$d/stuck.html &&
	printf "<html><head><meta charset=utf-8><script src=\"/assets/chunk-404.js?v=3#x\"></script></head></html>\n" >$d/missing.html &&
	printf "<head><script>Promise.reject(new Error(\"no config\"));</script></head>\n" >$d/reject.html &&
	printf "<head><script>relgate.ready(); setTimeout(function () { null.x; }, 10);</script></head>\n" >$d/after.html &&
	printf "<head><script>for (var i = 0; i < 6; i++) setTimeout(function () { throw new Error(\"again\"); }, i * 20);</script></head>\n" >$d/many.html &&
	printf "<HEAD><META CHARSET=utf-8></HEAD>\n" >$d/sub/upper.HTM &&
	printf "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><head/></html>\n" >$d/page.xhtml &&
	write_file relgate.json <<-\EOF &&
	{"products": {
	  "web": {"artifact": "apps/web/dist",
	          "checks": [{"name": "boot", "boot": {"ready": "window.appReady === true", "timeout": "1s"}}]},
	  "plain": {"artifact": "apps/web/dist", "snippet": false}}}
	EOF
	make_workspace "apps/*" &&
	cp -R $d "$TRASH/built"
'

test_expect_success 'release: the snippet in every page, after <meta charset> or first in <head>' '
	cd ws &&
	"$RELGATE" release web --force --reason "snippet test" --format json >r.json &&
	test "$(jq -r .pages r.json)" = 8 &&
	test "$(jq -r .digest r.json)" != "$(jq -r .storedDigest r.json)" &&
	rel=.relgate/store/web/releases/r000001 &&
	"$RELGATE" snippet >js &&
	for p in index.html crash.html stuck.html missing.html reject.html after.html many.html sub/upper.HTM; do
		test "$(grep -c "<meta name=\"relgate\" content=" "$rel/$p")" = 1 &&
		grep -F -q "$(cat js)</script>" "$rel/$p" || { echo "$p: no snippet"; return 1; }
	done &&
	grep -F -q "<meta charset=\"utf-8\"><meta name=\"relgate\" content=\"{&quot;p&quot;:&quot;web&quot;,&quot;r&quot;:&quot;r000001&quot;,&quot;b&quot;:&quot;/beacon&quot;,&quot;t&quot;:1000," "$rel/index.html" &&
	grep -F -q "&quot;w&quot;:&quot;appReady&quot;,&quot;e&quot;:true}" "$rel/index.html" &&
	grep -F -q "<html><head><meta name=\"relgate\"" "$rel/stuck.html" &&
	grep -F -q "<META CHARSET=utf-8><meta name=\"relgate\"" "$rel/sub/upper.HTM" &&
	grep -F -q "<!doctype html><meta name=\"relgate\"" "$rel/crash.html" &&
	cmp "$rel/page.xhtml" "$TRASH/built/page.xhtml" &&
	cmp "$rel/assets/app.js" "$TRASH/built/assets/app.js" &&
	# what was stored is checked against its own manifest; the built one is kept beside it
	test -f "$rel.built" &&
	"$RELGATE" fsck >out &&
	test_grep "0 damaged" out &&
	test "$(sqlite3 .relgate/store/relgate.db "SELECT stored_digest FROM releases WHERE id = '\''r000001'\''")" = "$(jq -r .storedDigest r.json)" &&
	test "$(sqlite3 .relgate/store/relgate.db "SELECT digest FROM releases WHERE id = '\''r000001'\''")" = "$(jq -r .digest r.json)"
'

test_expect_success 'the identity is the artifact as built: diff is empty, a second release is a no-op' '
	cd ws &&
	"$RELGATE" diff web >out &&
	test_grep "the artifact is release r000001: nothing new to release" out &&
	"$RELGATE" release web --force --reason again >out &&
	test_grep "the artifact is release r000001, already active: nothing to release" out &&
	test "$(current_of web)" = r000001 &&
	echo "<p>new</p>" >>apps/web/dist/stuck.html &&
	"$RELGATE" diff web >out &&
	test_grep "stuck.html" out &&
	test_grep_not "index.html" out
'

test_expect_success 'a page released again from the store carries the snippet once, with its new id' '
	cd ws &&
	"$RELGATE" release web --from .relgate/store/web/releases/r000001 --force --reason "from the store" --format json >r.json &&
	id=$(jq -r .release r.json) &&
	test "$(grep -c "<meta name=\"relgate\"" .relgate/store/web/releases/$id/index.html)" = 1 &&
	grep -F -q "&quot;r&quot;:&quot;$id&quot;" .relgate/store/web/releases/$id/index.html &&
	test_grep_not "r000001" .relgate/store/web/releases/$id/index.html &&
	"$RELGATE" rollback web --to r000001 --reason back >/dev/null
'

test_expect_success '"snippet": false leaves every page as built' '
	cd ws &&
	cp "$TRASH/built/stuck.html" apps/web/dist/stuck.html &&
	"$RELGATE" release plain --force --reason "no snippet" --format json >r.json &&
	test "$(jq -r .pages r.json)" = 0 &&
	test "$(jq -r .digest r.json)" = "$(jq -r .storedDigest r.json)" &&
	id=$(jq -r .release r.json) &&
	diff -r .relgate/store/plain/releases/$id "$TRASH/built" &&
	test ! -e .relgate/store/plain/releases/$id.built
'

test_expect_success 'relgate snippet PRODUCT: the tags for its active release, or --release' '
	cd ws &&
	"$RELGATE" snippet web >tags &&
	grep -F -q "&quot;r&quot;:&quot;r000001&quot;" tags &&
	grep -F -q "</script>" tags &&
	"$RELGATE" snippet web --release r000042 >tags &&
	grep -F -q "&quot;r&quot;:&quot;r000042&quot;" tags &&
	test_expect_code 2 "$RELGATE" snippet nosuch 2>err &&
	test_grep "no active release" err &&
	test_expect_code 2 "$RELGATE" snippet "../x" 2>err
'

# visit PAGE WANT: chromium opens PAGE of the served release until WANT
# beacons of that page arrived (at most 20 s), or for 3 s when WANT is 0;
# then it goes.  Only PAGE's beacons are kept in got: one the page visited
# before sent as its browser was killed may still arrive.
visit() {
	mine="\"page\":\"[^\"]*/${1%%[?#]*}\""
	: >"$TRASH/sink/beacons" &&
	rm -rf "$TRASH/profile" &&
	setsid /usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --user-data-dir="$TRASH/profile" \
		"http://127.0.0.1:$(cat "$TRASH/sink/port")/$1" >/dev/null 2>&1 &
	browser=$!
	i=0
	if test "$2" = 0; then
		sleep 3
	else
		while test "$(grep -c "$mine" "$TRASH/sink/beacons")" -lt "$2" && test $i -lt 200; do
			sleep 0.1
			i=$((i + 1))
		done
		sleep 1.5   # past the boot deadline: time for one too many to show
	fi
	kill -9 -$browser 2>/dev/null
	wait $browser 2>/dev/null
	grep "$mine" "$TRASH/sink/beacons" >"$TRASH/got" || true
}

test_expect_success 'setup: the stored release served by a stand-in collector' '
	mkdir sink &&
	{ python3 "$SRCDIR/tests/beacon-sink.py" "$TRASH/sink" "$TRASH/ws/.relgate/store/web/releases/r000001" & } &&
	i=0 && while ! test -s sink/port && test $i -lt 100; do
		sleep 0.1 && i=$((i + 1)) || return 1
	done &&
	test -s sink/port
'

# (a stack names script addresses as the browser has them, query included:
# the collector cuts them before it stores anything)
test_expect_success 'browser: a start-up crash arrives as one beacon, the page without query or fragment' '
	visit "crash.html?token=s3cret#frag" 1 &&
	test "$(wc -l <got)" = 1 &&
	jq -e ".v == 1 and .product == \"web\" and .release == \"r000001\" and .kind == \"error\"" got &&
	jq -r .message got | grep -q "registry.lookup is not a function" &&
	jq -r .page got | grep -q "^http://127.0.0.1:[0-9]*/crash.html$" &&
	jq -r .stack got | grep -q "crash.html" &&
	test_grep "^text/plain" sink/types
'

test_expect_success 'browser: a failed load of its own script arrives as kind resource' '
	visit missing.html 1 &&
	jq -e ".kind == \"resource\"" got &&
	jq -r .message got | grep -q "^http://127.0.0.1:[0-9]*/assets/chunk-404.js$"
'

test_expect_success 'browser: an unhandled rejection arrives as kind rejection' '
	visit reject.html 1 &&
	jq -e ".kind == \"rejection\" and .message == \"no config\"" got
'

test_expect_success 'browser: a page never ready arrives as boot-timeout after its deadline' '
	visit stuck.html 1 &&
	jq -e ".kind == \"boot-timeout\"" got &&
	jq -r .message got | grep -q "not ready after 1000 ms: window.appReady === true is still false"
'

test_expect_success 'browser: a ready page sends nothing, not even for errors after ready' '
	visit index.html 0 &&
	test_must_be_empty got &&
	visit after.html 0 &&
	test_must_be_empty got
'

test_expect_success 'browser: a page that keeps failing sends at most three' '
	visit many.html 3 &&
	sleep 1 && cp sink/beacons got &&
	test "$(wc -l <got)" = 3 &&
	test "$(jq -r .kind got | sort -u)" = error
'

test_done
