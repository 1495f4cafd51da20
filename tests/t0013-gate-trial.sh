#!/bin/sh
#
# t0013: what a new user's first week with relgate test and boot found.
# test --affected --files takes files; a boot check that cannot find a
# browser is the machine's failure (exit 3, a JUnit error), not the
# product's; relgate.json's artifact stays inside the workspace, a check is
# not named "build", a boot check needs an artifact, in every command; the
# boot timeout holds while the browser starts; outside any workspace
# relgate says so and writes nothing.

. "$(dirname "$0")/test-lib.sh"
. "$SRCDIR/tests/lib-fixtures.sh"

unset RELGATE_CHROMIUM

test_expect_success 'setup: a workspace with two products and a boot check' '
	mkdir ws && cd ws &&
	make_package packages/shared shared &&
	make_package apps/web web shared &&
	make_package apps/api api &&
	write_file apps/web/dist/index.html <<-\EOF &&
	<!doctype html><html><body>web</body></html>
	EOF
	write_file relgate.json <<-\EOF &&
	{"products": {
	  "web": {"artifact": "apps/web/dist",
	          "checks": [{"name": "unit", "run": "true"},
	                     {"name": "boot", "boot": {"timeout": "30s"}}]},
	  "api": {"checks": [{"name": "unit", "run": "true"}]}}}
	EOF
	make_workspace "packages/*" "apps/*"
'

test_expect_success 'test --affected --files PATH takes the path as the change' '
	"$RELGATE" -C ws test --affected --files packages/shared/src/index.js \
		--json "$TRASH/r.json" >out 2>err ||
	{ cat err; false; } &&
	jq -r "[.products[].name] | join(\" \")" r.json >actual &&
	echo web >expect &&
	test_cmp expect actual
'

test_expect_success 'test --affected --files - reads the paths from stdin' '
	echo apps/api/src/index.js |
	"$RELGATE" -C ws test --affected --files - --json "$TRASH/r.json" >out 2>err &&
	jq -r "[.products[].name] | join(\" \")" r.json >actual &&
	echo api >expect &&
	test_cmp expect actual
'

test_expect_success 'no browser for a boot check in relgate test: exit 3, a JUnit error' '
	test_expect_code 3 env RELGATE_CHROMIUM=/nonexistent/chromium \
		"$RELGATE" -C ws test web --junit "$TRASH/j.xml" --json "$TRASH/r.json" >out 2>err &&
	xmllint --xpath "count(//testcase[@name=\"boot\"]/error)" j.xml >actual &&
	echo 1 >expect &&
	test_cmp expect actual &&
	xmllint --xpath "count(//testcase[@name=\"boot\"]/failure)" j.xml >actual &&
	echo 0 >expect &&
	test_cmp expect actual
'

test_expect_success 'a browser that never answers: the boot timeout holds' '
	start=$(now_ms) &&
	test_expect_code 3 env RELGATE_CHROMIUM="$SRCDIR/tests/adversarial/silent-browser.sh" \
		"$RELGATE" -C ws boot --dir apps/web/dist --timeout 2s >out 2>err &&
	ms=$(($(now_ms) - start)) &&
	test_grep "did not answer within 2000 ms" err &&
	test "$ms" -lt 15000
'

config_error() { # the relgate.json on stdin; every command refuses it: exit 2, file:line:col
	cat >ws2/relgate.json &&
	for cmd in "affected --files x" "test" "graph"; do
		test_expect_code 2 "$RELGATE" -C ws2 $cmd >out 2>err &&
		test_grep "$1" err || return 1
	done
}

test_expect_success 'setup: a second workspace' '
	mkdir ws2 && cd ws2 &&
	make_package apps/web web &&
	make_workspace "apps/*"
'

test_expect_success 'an artifact outside the workspace is a configuration error' '
	config_error "relgate.json:1:35: \"artifact\" must be a folder inside the workspace" <<-\EOF
	{"products": {"web": {"artifact": "../../../etc"}}}
	EOF
'

test_expect_success 'an absolute artifact is one too' '
	config_error "relgate.json:1:35: \"artifact\" must be a folder inside" <<-\EOF
	{"products": {"web": {"artifact": "/etc"}}}
	EOF
'

test_expect_success 'a check named "build" beside the build is a configuration error' '
	config_error "a check may not be named \"build\"" <<-\EOF
	{"products": {"web": {"build": {"run": "true"}, "checks": [{"name": "build", "run": "true"}]}}}
	EOF
'

test_expect_success 'a boot check without an artifact is one in every command' '
	config_error "the boot check \"boot\" needs the product.s \"artifact\"" <<-\EOF
	{"products": {"web": {"checks": [{"name": "boot", "boot": {}}]}}}
	EOF
'

# Any relgate that starts ends a dead relgate's leftovers, so under make
# test's parallel jobs another script's relgate may be the one that ends
# the daemon here: what is checked is that it is gone, not who said so.
for mode in cgroup fallback; do
	test_expect_success "$mode: relgate killed with SIGKILL: its step dies with it, the next run ends what it left" '
		{ test $mode = cgroup || export RELGATE_NO_CGROUP=1; } &&
		mkdir -p ws3-$mode && (cd ws3-$mode &&
		make_package apps/hang hang &&
		write_file relgate.json <<-EOF &&
		{"products": {"hang": {"checks": [{"name": "hold",
		  "run": "(setsid sleep 30713 </dev/null >/dev/null 2>&1 &); exec sleep 30714"}]}}}
		EOF
		make_workspace "apps/*") &&
		{ "$RELGATE" -C ws3-$mode test hang >out 2>&1 & } &&
		pid=$! &&
		# -x: the whole command line, not the shell that will start them
		i=0 && while ! { pgrep -fx "sleep 30714" && pgrep -fx "sleep 30713"; } >/dev/null &&
			test $i -lt 100; do
			sleep 0.1 && i=$((i + 1)) || return 1
		done &&
		pgrep -fx "sleep 30713" >/dev/null &&
		kill -9 $pid && { wait $pid || test $? = 137; } &&
		i=0 && while pgrep -fx "sleep 30714" >/dev/null && test $i -lt 50; do
			sleep 0.1 && i=$((i + 1)) || return 1
		done &&
		test_must_fail pgrep -fx "sleep 30714" &&
		pgrep -fx "sleep 30713" >/dev/null &&
		test_expect_code 1 "$RELGATE" -C ws3-$mode boot --dir apps --timeout 1s >out 2>err &&
		i=0 && while pgrep -fx "sleep 30713" >/dev/null && test $i -lt 50; do
			sleep 0.1 && i=$((i + 1)) || return 1
		done &&
		test_must_fail pgrep -fx "sleep 30713"
	'
	unset RELGATE_NO_CGROUP
done

test_expect_success 'outside any workspace: exit 2, it says so, and writes nothing' '
	none=$(outside_git) &&
	test_expect_code 2 "$RELGATE" -C "$none" affected --files x.js >out 2>err &&
	test_grep "is not in a workspace" err &&
	test_expect_code 2 "$RELGATE" -C "$none" graph >out 2>err &&
	ls -A "$none" >actual &&
	test_must_fail test -s actual &&
	remove_outside
'

test_done
