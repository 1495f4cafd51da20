#!/bin/sh
#
# t0102: relgate boot, the browser boot check, on small artifact folders: a
# page that becomes ready passes; an exception at start-up (with the file,
# line and column), an exception in a later callback, an unhandled
# rejection, a console.error, a script that 404s, and a page that never
# becomes ready each fail with their kind; an error after ready does not
# count; a folder without index.html and a missing browser are said.  No
# browser process outlives a check, nor its profile folder, even when
# relgate boot or relgate test is interrupted.  relgate boot PRODUCT and the
# gate's boot checks read relgate.json.

. "$(dirname "$0")/test-lib.sh"

command -v jq >/dev/null || skip_all "jq is missing (apt-get install jq)"
test -x /usr/bin/chromium ||
	skip_all "no /usr/bin/chromium for the boot check (apt-get install chromium)"
unset RELGATE_NO_CGROUP RELGATE_CHROMIUM

# Pids of the browser's processes on the machine, one a line.
browser_pids() {
	pgrep -f 'chromium|chrome_crashpad' | LC_ALL=C sort
}

# The processes a finished check left behind: those whose environment holds
# BOOT_TAG=$1 (the browser and its crash handlers inherit relgate's), and
# those not running before the check ($2: a file of pids) that hold a
# relgate browser profile folder that no longer exists (the check removes
# it once it is over; the zygotes and renderers all name it).
browser_leftovers() {
	grep -lzx "BOOT_TAG=$1" /proc/[0-9]*/environ 2>/dev/null |
		sed -e 's|^/proc/||' -e 's|/environ$||'
	grep -a -o -z -- '--user-data-dir=/tmp/relgate-chromium-[A-Za-z0-9]\{6\}' \
		/proc/[0-9]*/cmdline 2>/dev/null | tr '\0' '\n' |
	while IFS= read -r hit; do
		pid=${hit#/proc/}
		pid=${pid%%/*}
		dir=${hit#*--user-data-dir=}
		test -d "$dir" && continue
		grep -qx "$pid" "$2" && continue
		echo "$pid"
	done
}

# After a check: no browser process of it may live (a few seconds are given
# for the kernel to finish killing); survivors are listed, and those with
# the tag killed.
no_browser_left() {
	i=0
	while test $i -lt 30; do
		left=$(browser_leftovers "$tag" "$TRASH/pids-before" | LC_ALL=C sort -u)
		test -z "$left" && break
		sleep 0.1
		i=$((i + 1))
	done
	echo "browser processes: $(wc -l <"$TRASH/pids-before") before, $(browser_pids | wc -l) after"
	test -z "$left" && return 0
	echo "browser processes outlived the check:"
	for p in $left; do
		printf '  %s %s\n' "$p" "$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | cut -c1-160)"
	done
	# shellcheck disable=SC2046
	kill -9 $(grep -lzx "BOOT_TAG=$tag" /proc/[0-9]*/environ 2>/dev/null |
		sed -e 's|^/proc/||' -e 's|/environ$||') 2>/dev/null
	return 1
}

# boot DIR [OPTION...]: relgate boot --dir DIR with the ready flag and a 5s
# timeout (options may override), JSON in b.json, the exit code in $rc, the
# wall time in $ms.
boot() {
	dir=$1
	shift
	tag=boot-$dir-$$
	browser_pids >pids-before
	start=$(now_ms)
	env BOOT_TAG="$tag" "$RELGATE" boot --dir "$dir" --ready 'window.appReady === true' \
		--timeout 30s --format json "$@" >b.json 2>err
	rc=$?
	ms=$(($(now_ms) - start))
	echo "relgate boot --dir $dir: exit $rc after $ms ms"
	cat b.json err
}

# field NAME VALUE: a field of b.json.
field() {
	got=$(jq -r ".$1" b.json) || return 1
	if test "$got" != "$2"; then
		echo ".$1 is \"$got\", wanted \"$2\""
		return 1
	fi
}

# page DIR: an artifact folder whose index.html loads app.js (from stdin).
page() {
	write_file "$1/index.html" <<-\EOF &&
	<!doctype html>
	<html><head><meta charset="utf-8"><title>app</title>
	<script src="app.js"></script>
	</head><body><main id="app"></main></body></html>
	EOF
	cat >"$1/app.js"
}

test_expect_success 'a page that sets its ready flag passes' '
	page ready <<-\EOF &&
	document.getElementById("app");
	window.appReady = true;
	EOF
	boot ready &&
	test $rc = 0 &&
	field passed true &&
	field name ready &&
	no_browser_left
'

test_expect_success 'an exception at start-up fails, naming the exception and file:line:col' '
	page sync-throw <<-\EOF &&
	// app start
	var config = {};
	function start() {
	  throw new Error("config missing: API_URL");
	}
	start();
	window.appReady = true;
	EOF
	boot sync-throw &&
	test $rc = 1 &&
	field passed false &&
	field kind exception &&
	jq -r .message b.json >msg &&
	test_grep "config missing: API_URL" msg &&
	jq -r .where b.json >where &&
	test_grep "^app\.js:4:[0-9]+$" where &&
	jq -r .stack b.json >stack &&
	test_grep "at start \(app\.js:4:[0-9]+\)" stack &&
	no_browser_left
'

test_expect_success 'a TypeError at start-up, as in the incident, is named' '
	page type-error <<-\EOF &&
	var handlers = new Map();
	function a(e) { return e; }
	handlers.set(a.name, a);
	var i = { get: function () { return undefined; } };
	i.get("onBooking")();
	window.appReady = true;
	EOF
	boot type-error &&
	test $rc = 1 &&
	field kind exception &&
	jq -r .message b.json >msg &&
	test_grep "TypeError: i\.get\(\.\.\.\) is not a function" msg &&
	test "$(jq -r .where b.json)" = "app.js:5:19" &&
	no_browser_left
'

test_expect_success 'an exception in a timer after load but before ready fails' '
	page async-throw <<-\EOF &&
	window.addEventListener("load", function () {
	  setTimeout(function later() { throw new Error("late failure"); }, 100);
	});
	setTimeout(function () { window.appReady = true; }, 2500);
	EOF
	boot async-throw &&
	test $rc = 1 &&
	field kind exception &&
	jq -r .message b.json >msg &&
	test_grep "late failure" msg &&
	jq -r .where b.json >where &&
	test_grep "^app\.js:2:" where &&
	no_browser_left
'

test_expect_success 'an exception in a promise callback before ready fails' '
	page then-throw <<-\EOF &&
	fetch("app.js").then(function (r) {
	  return r.text();
	}).then(function () {
	  throw new Error("failed in a then");
	});
	setTimeout(function () { window.appReady = true; }, 2500);
	EOF
	boot then-throw &&
	test $rc = 1 &&
	field passed false &&
	jq -r .message b.json >msg &&
	test_grep "failed in a then" msg &&
	no_browser_left
'

test_expect_success 'an unhandled promise rejection fails as such' '
	page rejection <<-\EOF &&
	Promise.reject(new Error("nobody catches this"));
	setTimeout(function () { window.appReady = true; }, 2500);
	EOF
	boot rejection &&
	test $rc = 1 &&
	field kind "unhandled rejection" &&
	jq -r .message b.json >msg &&
	test_grep "nobody catches this" msg &&
	no_browser_left
'

test_expect_success 'console.error before ready fails' '
	page console-error <<-\EOF &&
	console.log("starting");
	console.error("cannot reach the booking API");
	setTimeout(function () { window.appReady = true; }, 2500);
	EOF
	boot console-error &&
	test $rc = 1 &&
	field kind console.error &&
	jq -r .message b.json >msg &&
	test_grep "cannot reach the booking API" msg &&
	no_browser_left
'

# The browser sends an object's preview with the console call, most of the
# time: on a loaded machine it may send the bare description ("Object").
test_expect_success 'console.error with an object: the object as the console shows it' '
	page console-object <<-\EOF &&
	console.error("booking failed", {code: 503, reason: "down"}, [1, 2], 7);
	setTimeout(function () { window.appReady = true; }, 2500);
	EOF
	boot console-object &&
	test $rc = 1 &&
	jq -r .message b.json >msg &&
	{ echo "booking failed {code: 503, reason: \"down\"} [1, 2] 7" >expect &&
	  test_cmp expect msg ||
	  { echo "booking failed Object Array(2) 7" >expect && test_cmp expect msg; }; } &&
	no_browser_left
'

test_expect_success 'a ready expression that does not parse fails at once, saying so' '
	page bad-ready <<-\EOF &&
	window.appReady = true;
	EOF
	boot bad-ready --ready "window.appReady ===" --timeout 20s &&
	test $rc = 1 &&
	field kind ready &&
	jq -r .message b.json >msg &&
	test_grep "the ready expression does not parse: SyntaxError" msg &&
	test "$ms" -lt 15000 &&
	no_browser_left
'

test_expect_success 'a page that navigates to another origin fails' '
	page away <<-\EOF &&
	location.href = "http://127.0.0.2:9/elsewhere.html";
	EOF
	boot away &&
	test $rc = 1 &&
	field kind navigation &&
	jq -r .message b.json >msg &&
	test_grep "navigated away from the artifact, to http://127.0.0.2:9/elsewhere.html" msg &&
	no_browser_left
'

test_expect_success 'a page named with a space, a # and letters beyond ASCII is served' '
	page odd-name <<-\EOF &&
	window.appReady = true;
	EOF
	cp odd-name/index.html "odd-name/my page #1 é.html" &&
	boot odd-name --page "my page #1 é.html" &&
	test $rc = 0 &&
	field passed true &&
	no_browser_left
'

test_expect_success 'a script that 404s fails as a failed request naming it' '
	page missing-script <<-\EOF &&
	setTimeout(function () { window.appReady = true; }, 2500);
	EOF
	write_file missing-script/index.html <<-\EOF &&
	<!doctype html>
	<html><head><script src="app.js"></script><script src="chunk-4f2a.js"></script></head>
	<body></body></html>
	EOF
	boot missing-script &&
	test $rc = 1 &&
	field kind "failed request" &&
	jq -r .message b.json >msg &&
	test_grep "chunk-4f2a\.js" msg &&
	test_grep "404" msg &&
	no_browser_left
'

# The TCP port process PID listens on (from /proc: no ss, no netstat).
listen_port() { # PID
	for fd in /proc/"$1"/fd/*; do
		readlink "$fd" 2>/dev/null
	done | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' >inodes &&
	awk 'NR == FNR { want[$1] = 1; next }
		FNR > 1 && $4 == "0A" && want[$10] { split($2, a, ":"); print a[2]; exit }' \
		inodes /proc/net/tcp | { read -r hex && printf "%d\n" "0x$hex"; }
}

# The port PID listens on, once it does (within 5 s).
wait_port() { # PID
	for i in $(seq 100); do
		p=$(listen_port "$1") && test -n "$p" && echo "$p" && return 0
		sleep 0.05
	done
	return 1
}

test_expect_success 'another local client asking for missing files is not the page failing' '
	page other-client <<-\EOF &&
	setTimeout(function () { window.appReady = true; }, 3000);
	EOF
	"$RELGATE" boot --dir other-client --ready "window.appReady === true" --timeout 15s \
		--format json >b.json 2>err &
	bg=$! &&
	port=$(wait_port $bg) &&
	for f in missing.js ../etc/passwd x/y.css; do
		bash -c "exec 3<>/dev/tcp/127.0.0.1/$port &&
			printf \"GET /$f HTTP/1.0\r\n\r\n\" >&3 && cat <&3" >>answers || return 1
	done &&
	wait $bg &&
	test_grep "404" answers &&
	field passed true &&
	no_browser_left
'

test_expect_success 'the same exception is placed at the same line and column on every run' '
	write_file same-place/index.html <<-\EOF &&
	<!doctype html>
	<html><head><meta charset="utf-8">
	<script type="module" src="app.js"></script><script src="late.js" defer></script>
	</head><body></body></html>
	EOF
	write_file same-place/app.js <<-\EOF &&
	import { f } from "./lib.js";
	const o = { init() { return f(this.cfg.name); } };
	o.init();
	EOF
	echo "export function f(x) { return x.toUpperCase(); }" >same-place/lib.js &&
	echo "setTimeout(function () { null.x; }, 0);" >same-place/late.js &&
	for i in 1 2 3; do
		boot same-place && jq -r .where b.json >>wheres || return 1
	done &&
	sort -u wheres >actual &&
	echo "app.js:2:40" >expect &&
	test_cmp expect actual &&
	no_browser_left
'

test_expect_success 'a page that never becomes ready fails on the timeout, in time' '
	page never-ready <<-\EOF &&
	window.appReady = false;
	EOF
	boot never-ready --timeout 8s &&
	test $rc = 1 &&
	field kind timeout &&
	jq -r .message b.json >msg &&
	test_grep "window\.appReady === true" msg &&
	test_grep "8000 ms" msg &&
	test "$ms" -lt $((2 * 8000 + 10000)) &&
	test "$ms" -ge 8000 &&
	no_browser_left
'

test_expect_success 'an error after ready does not fail the check' '
	page error-after-ready <<-\EOF &&
	window.appReady = true;
	setTimeout(function () {
	  console.error("after ready");
	  throw new Error("after ready");
	}, 800);
	EOF
	boot error-after-ready &&
	test $rc = 0 &&
	field passed true &&
	no_browser_left
'

test_expect_success 'without --ready: the load event and a quiet second pass' '
	page no-ready <<-\EOF &&
	document.title = "loaded";
	EOF
	tag=boot-no-ready-$$ &&
	browser_pids >pids-before &&
	env BOOT_TAG="$tag" "$RELGATE" boot --dir no-ready --timeout 30s --format json >b.json &&
	field passed true &&
	no_browser_left
'

test_expect_success 'a folder without index.html fails with exit 1, naming it' '
	mkdir -p no-index &&
	echo "window.appReady = true;" >no-index/app.js &&
	tag=boot-no-index-$$ &&
	browser_pids >pids-before &&
	test_expect_code 1 "$RELGATE" boot --dir no-index --timeout 5s >out 2>err &&
	test_grep "no-index" err &&
	test_grep "index\.html" err &&
	no_browser_left
'

test_expect_success 'a missing artifact folder fails with exit 1, naming it' '
	test_expect_code 1 "$RELGATE" boot --dir no-such-dist --timeout 5s >out 2>err &&
	test_grep "no-such-dist" err
'

test_expect_success 'no browser: exit 3, saying how to install one' '
	test_expect_code 3 env RELGATE_CHROMIUM=/nonexistent/chromium \
		"$RELGATE" boot --dir ready --timeout 5s >out 2>err &&
	test_grep "apt-get install chromium" err &&
	test_grep "RELGATE_CHROMIUM" err
'

test_expect_success 'a browser that dies at start: exit 3 (environment), with what it said' '
	test_expect_code 3 env RELGATE_CHROMIUM="$SRCDIR/tests/adversarial/fake-browser.sh" \
		"$RELGATE" boot --dir ready --timeout 5s >out 2>err &&
	cat out err >all &&
	test_grep "libnss3\.so" all
'

test_expect_success 'the fallback supervisor (no cgroup) leaves no browser behind either' '
	tag=boot-fallback-$$ &&
	browser_pids >pids-before &&
	env BOOT_TAG="$tag" RELGATE_NO_CGROUP=1 "$RELGATE" boot --dir ready \
		--ready "window.appReady === true" --timeout 30s --format json >b.json &&
	field passed true &&
	no_browser_left &&
	browser_pids >pids-before &&
	test_expect_code 1 env BOOT_TAG="$tag" RELGATE_NO_CGROUP=1 "$RELGATE" boot \
		--dir never-ready --ready "window.appReady === true" --timeout 8s \
		--format json >b.json &&
	field kind timeout &&
	no_browser_left
'

test_expect_success 'setup: a workspace whose products have boot checks' '
	write_file ws/relgate.json <<-\EOF &&
	{
	  "products": {
	    "shop": {
	      "artifact": "apps/shop/dist",
	      "checks": [{"name": "boot", "boot": {"page": "start.html", "ready": "window.shopReady === true", "timeout": "30s"}}]
	    },
	    "stuck": {
	      "artifact": "apps/stuck/dist",
	      "checks": [{"name": "boot", "boot": {"page": "index.html", "ready": "window.stuckReady === 42", "timeout": "8s"}}]
	    },
	    "slowboot": {
	      "artifact": "apps/stuck/dist",
	      "checks": [{"name": "boot", "boot": {"ready": "window.stuckReady === 42", "timeout": "30s"}}]
	    },
	    "twoboots": {
	      "artifact": "apps/shop/dist",
	      "checks": [{"name": "first", "boot": {"page": "missing.html", "timeout": "30s"}},
	                 {"name": "second", "boot": {"page": "start.html", "ready": "window.shopReady === true", "timeout": "30s"}}]
	    },
	    "crashy": {
	      "build": {"run": "mkdir -p apps/crashy/dist && cp -R src/crashy/. apps/crashy/dist/", "timeout": "30s"},
	      "artifact": "apps/crashy/dist",
	      "checks": [{"name": "boot", "boot": {"ready": "window.appReady === true", "timeout": "30s"}}]
	    }
	  }
	}
	EOF
	write_file ws/apps/shop/dist/start.html <<-\EOF &&
	<!doctype html>
	<html><head><script src="shop.js"></script></head><body></body></html>
	EOF
	echo "window.shopReady = true;" >ws/apps/shop/dist/shop.js &&
	write_file ws/apps/stuck/dist/index.html <<-\EOF &&
	<!doctype html>
	<html><head><script>window.stuckReady = 41;</script></head><body></body></html>
	EOF
	page ws/src/crashy <<-\EOF
	var registry = {};
	registry.lookup("boot");
	window.appReady = true;
	EOF
'

test_expect_success 'relgate boot PRODUCT takes artifact and page from relgate.json' '
	tag=boot-shop-$$ &&
	browser_pids >pids-before &&
	env BOOT_TAG="$tag" "$RELGATE" -C ws boot --format json shop >b.json &&
	field passed true &&
	field name shop &&
	no_browser_left
'

test_expect_success 'relgate boot PRODUCT takes ready and timeout from relgate.json' '
	tag=boot-stuck-$$ &&
	browser_pids >pids-before &&
	start=$(now_ms) &&
	test_expect_code 1 env BOOT_TAG="$tag" "$RELGATE" -C ws boot --format json stuck >b.json &&
	ms=$(($(now_ms) - start)) &&
	field kind timeout &&
	jq -r .message b.json >msg &&
	test_grep "8000 ms" msg &&
	test_grep "window\.stuckReady === 42" msg &&
	test "$ms" -lt $((2 * 8000 + 10000)) &&
	no_browser_left
'

test_expect_success 'relgate boot PRODUCT --check NAME takes that check, options override it' '
	tag=boot-two-$$ &&
	browser_pids >pids-before &&
	env BOOT_TAG="$tag" "$RELGATE" -C ws boot --format json twoboots --check second >b.json &&
	field passed true &&
	test_expect_code 1 env BOOT_TAG="$tag" "$RELGATE" -C ws boot twoboots >out 2>err &&
	test_grep "missing.html" err &&
	env BOOT_TAG="$tag" "$RELGATE" -C ws boot --format json twoboots --page start.html \
		--ready "window.shopReady === true" >b.json &&
	field passed true &&
	test_expect_code 2 "$RELGATE" -C ws boot twoboots --check nope 2>err &&
	test_grep "no boot check named \"nope\"" err &&
	test_expect_code 2 "$RELGATE" -C ws boot --dir ws/apps/shop/dist --check second 2>err &&
	test_grep "check names a check of a PRODUCT" err &&
	no_browser_left
'

test_expect_success 'relgate test runs boot checks: a pass and a start-up crash' '
	tag=boot-gate-$$ &&
	browser_pids >pids-before &&
	test_expect_code 1 env BOOT_TAG="$tag" "$RELGATE" -C ws test --json "$TRASH/r.json" \
		--junit "$TRASH/j.xml" shop crashy >out 2>err &&
	jq -r ".products[] | .name as \$p | .steps[] | [\$p, .name, .kind, .outcome] | @tsv" \
		r.json >actual &&
	cat >expect <<-\EOF &&
	shop	boot	boot	passed
	crashy	build	build	passed
	crashy	boot	boot	failed
	EOF
	test_cmp expect actual &&
	jq -r ".products[1].steps[1].message" r.json >msg &&
	test_grep "TypeError" msg &&
	test_grep "registry\.lookup is not a function" msg &&
	test_grep "registry\.lookup is not a function" j.xml &&
	no_browser_left
'

# The profile folder of the tagged browser that runs now, or nothing.
running_profile() {
	for p in $(grep -lzx "BOOT_TAG=$1" /proc/[0-9]*/environ 2>/dev/null |
		   sed -e 's|^/proc/||' -e 's|/environ$||'); do
		tr '\0' '\n' 2>/dev/null <"/proc/$p/cmdline" |
			sed -n 's|^--user-data-dir=||p'
	done | head -n 1
}

# Pids of processes whose command line names the folder $1 (the bracket
# keeps grep from finding itself).
holding() {
	grep -l -a -- "--user-data-di[r]=$1" /proc/[0-9]*/cmdline 2>/dev/null |
		sed -e 's|^/proc/||' -e 's|/cmdline$||'
}

# After relgate ended: no process holds the profile folder $1 or carries
# the tag $2, and the folder is gone.
browser_gone() {
	if test -z "$1"; then
		# without the folder, only the tagged processes can be told apart
		left=$(grep -lzx "BOOT_TAG=$2" /proc/[0-9]*/environ 2>/dev/null |
			sed -e "s|^/proc/||" -e "s|/environ\$||")
		# shellcheck disable=SC2086
		test -z "$left" || kill -9 $left 2>/dev/null
		echo "the browser was never seen running"
		return 1
	fi
	i=0
	while test $i -lt 30; do
		left=$( (holding "$1"; grep -lzx "BOOT_TAG=$2" /proc/[0-9]*/environ 2>/dev/null |
			sed -e "s|^/proc/||" -e "s|/environ\$||") | sort -u)
		test -z "$left" && break
		sleep 0.1
		i=$((i + 1))
	done
	if test -n "$left"; then
		echo "browser processes outlived relgate:"
		for p in $left; do
			echo "  $p $(tr "\0" " " 2>/dev/null </proc/$p/cmdline | cut -c1-120)"
		done
		# shellcheck disable=SC2086
		kill -9 $left 2>/dev/null
		return 1
	fi
	if test -d "$1"; then
		echo "the browser profile folder $1 was left behind"
		rm -rf "$1"
		return 1
	fi
}

# wait_for_browser TAG: sets $profile once the tagged browser runs and has
# a renderer (at most about 15 s).
wait_for_browser() {
	profile=
	i=0
	while test -z "$profile" && test $i -lt 150; do
		sleep 0.1
		profile=$(running_profile "$1")
		i=$((i + 1))
	done
	echo "browser profile: $profile"
	test -n "$profile" || return 1
	i=0
	while test $i -lt 100; do
		for p in $(holding "$profile"); do
			tr "\0" " " 2>/dev/null <"/proc/$p/cmdline"
			echo
		done | grep -q -- "--type=renderer" && break
		sleep 0.1
		i=$((i + 1))
	done
	echo "browser processes: $(holding "$profile" | wc -l)"
}

for sig in TERM; do
test_expect_success "relgate boot gets SIG$sig: it stops at once, the browser goes, exit 1" '
	tag=boot-sig$sig-$$ &&
	{
		env BOOT_TAG="$tag" "$RELGATE" boot --dir never-ready \
			--ready "window.appReady === true" --timeout 30s --format json >b.json 2>err &
	} &&
	pid=$! &&
	wait_for_browser "$tag"
	seen=$? &&
	start=$(now_ms) &&
	kill -$sig $pid &&
	{ wait_bounded $pid 5; rc=$?; } &&
	ms=$(($(now_ms) - start)) &&
	browser_gone "$profile" "$tag"
	gone=$? &&
	test $seen = 0 &&
	echo "exit $rc, $ms ms after SIG$sig" &&
	cat b.json err &&
	test $rc = 1 &&
	test "$ms" -lt $((2000 + 1000 + 1500)) &&
	field passed false &&
	field kind interrupted &&
	test $gone = 0
'
done

for mode in cgroup fallback; do
test_expect_success "$mode: relgate test interrupted during a boot check: the browser goes too" '
	tag=boot-interrupt-$mode-$$ &&
	if test $mode = fallback; then
		nocg=RELGATE_NO_CGROUP=1
	else
		nocg=MODE=$mode
	fi &&
	{
		env BOOT_TAG="$tag" $nocg "$RELGATE" -C ws test --grace 4s \
			--json "$TRASH/r.json" slowboot >out 2>err &
	} &&
	pid=$! &&
	wait_for_browser "$tag"
	seen=$? &&
	start=$(now_ms) &&
	kill -INT $pid &&
	{ wait_bounded $pid 8; rc=$?; } &&
	ms=$(($(now_ms) - start)) &&
	browser_gone "$profile" "$tag"
	gone=$? &&
	test $seen = 0 &&
	echo "exit $rc, $ms ms after SIGINT" &&
	test $rc = 130 &&
	test "$ms" -lt $((4000 + 1000 + 1500)) &&
	test "$(jq -r ".products[0].steps[0].outcome" r.json)" = interrupted &&
	test $gone = 0
'
done

test_expect_success 'no browser process of this script is left' '
	left=$(grep -lz "^BOOT_TAG=.*-$$\$" /proc/[0-9]*/environ 2>/dev/null |
		sed -e "s|^/proc/||" -e "s|/environ\$||") &&
	if test -n "$left"; then
		for p in $left; do
			echo "left: $p $(tr "\0" " " 2>/dev/null </proc/$p/cmdline | cut -c1-120)"
		done
		kill -9 $left 2>/dev/null
		false
	fi
'

test_done
