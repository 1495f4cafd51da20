#!/bin/sh
#
# t0100: relgate test against hostile steps, each run twice: with a cgroup
# per step where the machine allows it, and with RELGATE_NO_CGROUP=1 (the
# fallback that finds a step's processes by its environment marker and its
# session).  For every step relgate must end within timeout + grace + 1 s,
# leave no process behind, report the right outcome, and keep its memory
# bounded.  Also: relgate interrupted by SIGINT or SIGTERM still kills every
# tree, writes its reports and exits 1; bad durations, negative retries,
# -j 0 and unknown products are usage errors.

. "$(dirname "$0")/test-lib.sh"

command -v jq >/dev/null || skip_all "jq is missing (apt-get install jq)"
command -v cc >/dev/null || skip_all "no C compiler for the hostile helpers (apt-get install gcc)"
test -x /usr/bin/time ||
	say "no /usr/bin/time (apt-get install time): relgate's memory is not measured"
unset RELGATE_NO_CGROUP

ADV=$SRCDIR/tests/adversarial
BIN=$TRASH/bin
HOSTILE_PIDS=$TRASH/pids
export ADV BIN HOSTILE_PIDS

# Slack on every time bound, for a loaded machine.
SLACK_MS=1500

# The pids noted by the hostile step (it must have run at all), and none of
# them alive with the tag: noted_pids_gone TAG MIN
noted_pids_gone() {
	n=$(sort -u "$HOSTILE_PIDS" 2>/dev/null | wc -l)
	if test "$n" -lt "$2"; then
		echo "the hostile step noted $n pids, wanted at least $2"
		return 1
	fi
	for p in $(sort -u "$HOSTILE_PIDS"); do
		if grep -qzx "HOSTILE_TAG=$1" "/proc/$p/environ" 2>/dev/null; then
			echo "pid $p noted by the step is still alive"
			kill -9 "$p" 2>/dev/null
			return 1
		fi
	done
}

# gate_env MODE TAG COMMAND...: run COMMAND with the hostile tag and, in
# the fallback mode, RELGATE_NO_CGROUP=1.
gate_env() {
	m=$1 t=$2
	shift 2
	if test "$m" = fallback; then
		env HOSTILE_TAG="$t" MODE="$m" RELGATE_NO_CGROUP=1 "$@"
	else
		env HOSTILE_TAG="$t" MODE="$m" "$@"
	fi
}

# run_gate MODE PRODUCT [OPTION...]: relgate test of one product, in ws,
# with the JSON report in r.json, output in out and err, the exit code in
# $rc, the wall time in $ms and the tag of the run in $tag.  With
# measure_rss set, relgate's maximum RSS (KiB) goes to the last line of rss.
run_gate() {
	mode=$1 product=$2
	shift 2
	tag=$product-$mode-$$
	rm -f "$HOSTILE_PIDS" r.json rss
	set -- "$RELGATE" -C ws test --grace 500ms --json "$TRASH/r.json" "$@" "$product"
	if test -n "${measure_rss:-}" && test -x /usr/bin/time; then
		set -- /usr/bin/time -f %M -o "$TRASH/rss" "$@"
	fi
	start=$(now_ms)
	gate_env "$mode" "$tag" "$@" >out 2>err
	rc=$?
	ms=$(($(now_ms) - start))
	echo "relgate test $product ($mode): exit $rc after $ms ms"
}

# relgate's maximum RSS in the last run was under 50 MB (when measured).
rss_bounded() {
	test -x /usr/bin/time || return 0
	test -s rss || { echo "no RSS measured"; return 1; }
	echo "max RSS: $(tail -n 1 rss) KiB" &&
	test "$(tail -n 1 rss)" -lt $((50 * 1024))
}

# within BOUND_MS: the last run took at most BOUND_MS plus the slack.
within() {
	if test "$ms" -gt $(($1 + SLACK_MS)); then
		echo "relgate took $ms ms, the bound is $1 ms (+$SLACK_MS ms slack)"
		return 1
	fi
}

# step_is FIELD VALUE: a field of the first step of the last run's JSON.
step_is() {
	got=$(jq -r ".products[0].steps[0].$1" r.json) || return 1
	if test "$got" != "$2"; then
		echo "step .$1 is \"$got\", wanted \"$2\""
		jq . r.json
		return 1
	fi
}

# The run used a cgroup, or not, as the mode says.
mode_ok() {
	if test "$1" = fallback; then
		step_is cgroup false
	elif test "$have_cgroup" = yes; then
		step_is cgroup true
	fi
}

test_expect_success 'setup: hostile helpers and a workspace of hostile products' '
	mkdir -p "$BIN" &&
	for p in leak-fd fork-loop escape; do
		cc -O1 -Wall -o "$BIN/$p" "$ADV/$p.c" || return 1
	done &&
	write_file ws/relgate.json <<-\EOF
	{
	  "products": {
	    "forever": {"build": {"run": "echo $$ >>\"$HOSTILE_PIDS\"; exec sleep 1000", "timeout": "1s"}},
	    "ignore-term": {"build": {"run": "exec sh \"$ADV/ignore-term.sh\"", "timeout": "1s"}},
	    "daemon": {"build": {"run": "sh \"$ADV/daemon.sh\"", "timeout": "30s"}},
	    "grandchild": {"build": {"run": "sh \"$ADV/grandchild-writer.sh\"", "timeout": "30s"}},
	    "stopped": {"build": {"run": "sh \"$ADV/stopped.sh\"", "timeout": "1s"}},
	    "gigabyte": {"build": {"run": "head -c 1G /dev/zero", "timeout": "20s"}},
	    "gigabyte-cut": {"build": {"run": "echo $$ >>\"$HOSTILE_PIDS\"; while :; do cat /dev/zero; done", "timeout": "1s"}},
	    "silent": {"build": {"run": "echo one line; echo $$ >>\"$HOSTILE_PIDS\"; exec sleep 1000", "timeout": "30s", "idleTimeout": "1s"}},
	    "stdin": {"build": {"run": "cat; read line; echo \"read: $? stdin is $(readlink /proc/self/fd/0)\"", "timeout": "30s"}},
	    "fds": {"build": {"run": "ls /proc/$$/fd; true", "timeout": "30s"}},
	    "leak-fd": {"build": {"run": "\"$BIN/leak-fd\"", "timeout": "30s"}},
	    "fork-loop": {"build": {"run": "exec \"$BIN/fork-loop\" 200 10", "timeout": "1s"}},
	    "segv": {"build": {"run": "ulimit -c 0; echo about to crash; kill -SEGV $$", "timeout": "30s"}},
	    "missing": {
	      "build": {"run": "no-such-command-for-relgate --version", "timeout": "30s"},
	      "checks": [{"name": "unit", "run": "echo the check ran >>check-ran", "timeout": "5s"}]
	    },
	    "flaky": {"checks": [{"name": "e2e", "run": "sh \"$ADV/flaky.sh\" \"flaky-state.$MODE\"", "timeout": "30s", "retries": 1}]},
	    "escape-clean": {"build": {"run": "\"$BIN/escape\" clean", "timeout": "30s"}},
	    "escape-big": {"build": {"run": "\"$BIN/escape\" big", "timeout": "30s"}},
	    "long": {
	      "build": {"run": "trap \"\" TERM; echo $$ >>\"$HOSTILE_PIDS\"; : >\"long.started\"; sleep 1000; echo survived", "timeout": "60s"},
	      "checks": [{"name": "after", "run": "echo the check ran >>check-ran", "timeout": "5s"}]
	    },
	    "queued": {"build": {"run": "echo the queued product ran >>check-ran", "timeout": "5s"}}
	  }
	}
	EOF
'

have_cgroup=no
test_expect_success 'setup: does this machine give a cgroup per step?' '
	"$RELGATE" -C ws test --json "$TRASH/r.json" stdin >out 2>err &&
	if test "$(jq -r ".products[0].steps[0].cgroup" r.json)" = true; then
		have_cgroup=yes
	else
		say "no writable cgroup v2 here: both runs below use the fallback"
	fi
'

for mode in cgroup fallback; do

test_expect_success "$mode: a step that sleeps forever times out" '
	run_gate $mode forever &&
	test $rc = 1 &&
	within $((1000 + 500 + 1000)) &&
	step_is outcome "timed out" &&
	mode_ok $mode &&
	test_grep "forever: build timed out" out &&
	noted_pids_gone "$tag" 1 &&
	no_survivors "HOSTILE_TAG=$tag"
'

test_expect_success "$mode: a step whose processes all ignore SIGTERM is killed after the grace" '
	run_gate $mode ignore-term &&
	test $rc = 1 &&
	within $((1000 + 500 + 1000)) &&
	step_is outcome "timed out" &&
	noted_pids_gone "$tag" 4 &&
	no_survivors "HOSTILE_TAG=$tag"
'

test_expect_success "$mode: a setsid daemon holding stdout is killed as a leftover, no waiting for EOF" '
	run_gate $mode daemon &&
	test $rc = 0 &&
	within $((500 + 1000 + 1000)) &&
	step_is outcome passed &&
	step_is exitCode 0 &&
	test "$(jq ".products[0].steps[0].leftovers" r.json)" -ge 1 &&
	noted_pids_gone "$tag" 1 &&
	no_survivors "HOSTILE_TAG=$tag"
'

test_expect_success "$mode: a grandchild writing to the pipe after the main process exited" '
	run_gate $mode grandchild &&
	test $rc = 0 &&
	within $((500 + 1000 + 1000)) &&
	step_is outcome passed &&
	test "$(jq ".products[0].steps[0].leftovers" r.json)" -ge 1 &&
	noted_pids_gone "$tag" 1 &&
	no_survivors "HOSTILE_TAG=$tag"
'

test_expect_success "$mode: a step that stopped itself (SIGSTOP) times out and goes" '
	run_gate $mode stopped &&
	test $rc = 1 &&
	within $((1000 + 500 + 1000)) &&
	step_is outcome "timed out" &&
	noted_pids_gone "$tag" 2 &&
	no_survivors "HOSTILE_TAG=$tag"
'

test_expect_success "$mode: a step that writes 1 GB: bounded memory, capped log" '
	measure_rss=1 &&
	run_gate $mode gigabyte &&
	measure_rss= &&
	within $((20000 + 500 + 1000)) &&
	outcome=$(jq -r ".products[0].steps[0].outcome" r.json) &&
	case $outcome in
	passed) test $rc = 0 ;;
	"timed out") test $rc = 1 ;;
	*) echo "outcome $outcome"; false ;;
	esac &&
	log=$(jq -r ".products[0].steps[0].log" r.json) &&
	size=$(wc -c <"$log") &&
	echo "log: $size bytes" &&
	test "$size" -le $((64 * 1048576 + 4096)) &&
	test "$size" -ge 1048576 &&
	if test "$outcome" = passed; then
		tail -c 200 "$log" | tr -d "\0" >log-end &&
		test_grep "log cut" log-end
	fi &&
	rss_bounded &&
	no_survivors "HOSTILE_TAG=$tag"
'

test_expect_success "$mode: a step writing without end, cut by its timeout: bounded memory" '
	measure_rss=1 &&
	run_gate $mode gigabyte-cut &&
	measure_rss= &&
	test $rc = 1 &&
	within $((1000 + 500 + 1000)) &&
	step_is outcome "timed out" &&
	rss_bounded &&
	noted_pids_gone "$tag" 1 &&
	no_survivors "HOSTILE_TAG=$tag"
'

test_expect_success "$mode: a step that writes nothing for its idle timeout stalls" '
	run_gate $mode silent &&
	test $rc = 1 &&
	within $((1000 + 500 + 1000)) &&
	step_is outcome stalled &&
	test_grep "no output for 1s" out &&
	noted_pids_gone "$tag" 1 &&
	no_survivors "HOSTILE_TAG=$tag"
'

test_expect_success "$mode: a step reading stdin gets EOF at once (/dev/null)" '
	run_gate $mode stdin &&
	test $rc = 0 &&
	within 2000 &&
	step_is outcome passed &&
	log=$(jq -r ".products[0].steps[0].log" r.json) &&
	test_grep "^read: 1 stdin is /dev/null$" "$log"
'

test_expect_success "$mode: a step inherits no descriptor above 2" '
	run_gate $mode fds 7>fd7 8<fd7 9>fd9 &&
	test $rc = 0 &&
	log=$(jq -r ".products[0].steps[0].log" r.json) &&
	printf "0\n1\n2\n" >expect &&
	test_cmp expect "$log"
'

test_expect_success "$mode: a child holding the pipe on descriptor 100 after the main process exits" '
	run_gate $mode leak-fd &&
	test $rc = 0 &&
	within $((500 + 1000 + 1000)) &&
	step_is outcome passed &&
	test "$(jq ".products[0].steps[0].leftovers" r.json)" -ge 1 &&
	log=$(jq -r ".products[0].steps[0].log" r.json) &&
	test_grep "child holds descriptor 100" "$log" &&
	noted_pids_gone "$tag" 1 &&
	no_survivors "HOSTILE_TAG=$tag"
'

test_expect_success "$mode: a step that keeps forking while it is killed" '
	run_gate $mode fork-loop &&
	test $rc = 1 &&
	within $((1000 + 500 + 1000)) &&
	step_is outcome "timed out" &&
	noted_pids_gone "$tag" 20 &&
	no_survivors "HOSTILE_TAG=$tag"
'

test_expect_success "$mode: a step killed by SIGSEGV crashed" '
	run_gate $mode segv &&
	test $rc = 1 &&
	within 2000 &&
	step_is outcome crashed &&
	step_is signal 11 &&
	test_grep "segv: build crashed" out
'

test_expect_success "$mode: a build command that does not exist: exit 127, checks skipped" '
	rm -f ws/check-ran &&
	run_gate $mode missing &&
	test $rc = 1 &&
	within 2000 &&
	step_is outcome failed &&
	step_is exitCode 127 &&
	jq -r ".products[0].steps[0].message" r.json >msg &&
	test_grep "command not found" msg &&
	test "$(jq -r ".products[0].steps[1].outcome" r.json)" = skipped &&
	test "$(jq -r ".products[0].passed" r.json)" = false &&
	test ! -e ws/check-ran
'

test_expect_success "$mode: a check that fails once then passes is flaky: passed, 2 attempts" '
	rm -f ws/flaky-state.$mode &&
	run_gate $mode flaky --junit "$TRASH/j.xml" &&
	test $rc = 0 &&
	step_is outcome passed &&
	step_is attempts 2 &&
	test "$(jq -r .passed r.json)" = true &&
	test_grep "<flakyFailure " j.xml &&
	test_grep "first attempt: something flaky went wrong" j.xml &&
	test_grep_not "<failure " j.xml
'

test_expect_success "$mode: a daemon with a cleared environment (env -i) is still found" '
	run_gate $mode escape-clean &&
	test $rc = 0 &&
	within $((500 + 1000 + 1000)) &&
	step_is outcome passed &&
	noted_pids_gone "$tag" 1 &&
	no_survivors "HOSTILE_TAG=$tag"
'

test_expect_success "$mode: a daemon with a 100 KB environment before the marker is still found" '
	run_gate $mode escape-big &&
	test $rc = 0 &&
	within $((500 + 1000 + 1000)) &&
	step_is outcome passed &&
	noted_pids_gone "$tag" 1 &&
	no_survivors "HOSTILE_TAG=$tag"
'

for sig in INT TERM; do
test_expect_success "$mode: relgate gets SIG$sig during a long step: trees killed, reports written, exit 1" '
	tag=long-$sig-$mode-$$ &&
	rm -f "$HOSTILE_PIDS" ws/long.started ws/check-ran j.xml r.json &&
	if test $mode = fallback; then
		nocg=RELGATE_NO_CGROUP=1
	else
		nocg=MODE=$mode
	fi &&
	launch=$(now_ms) &&
	{
		env HOSTILE_TAG=$tag MODE=$mode $nocg "$RELGATE" -C ws test -j 1 --grace 500ms \
			--junit "$TRASH/j.xml" --json "$TRASH/r.json" long queued >out 2>err &
	} &&
	pid=$! &&
	i=0 &&
	while ! test -e ws/long.started && test $i -lt 100; do
		sleep 0.1 &&
		i=$((i + 1)) || return 1
	done &&
	sleep 0.2 &&
	test -e ws/long.started
	seen=$? &&
	start=$(now_ms) &&
	kill -$sig $pid &&
	{ wait_bounded $pid 6; rc=$?; } &&
	ms=$(($(now_ms) - start)) total=$(($(now_ms) - launch)) &&
	test $seen = 0 &&
	echo "exit $rc $ms ms after SIG$sig, $total ms in all" &&
	test $rc = 130 &&
	within $((500 + 1000)) &&
	test -s r.json && test -s j.xml &&
	test "$(jq -r .passed r.json)" = false &&
	jq -r .interrupted r.json >why &&
	test -s why && test "$(cat why)" != null &&
	test "$(jq -r ".products[0].steps[0].outcome" r.json)" = interrupted &&
	test "$(jq -r ".products[0].steps[1].outcome" r.json)" = skipped &&
	test "$(jq -r "[.products[] | select(.name == \"queued\")][0].passed" r.json)" = false &&
	test "$(jq -r "[.products[] | select(.name == \"queued\")][0].steps[0].outcome" r.json)" = skipped &&
	test_grep "interrupted" j.xml &&
	test_grep "<error [^>]*type=\"interrupted\"" j.xml &&
	test ! -e ws/check-ran &&
	noted_pids_gone "$tag" 1 &&
	no_survivors "HOSTILE_TAG=$tag" &&
	queued_ms=$(jq -r "[.products[] | select(.name == \"queued\")][0].ms" r.json) &&
	echo "the product that never started took $queued_ms ms" &&
	test "$queued_ms" -le "$total" &&
	if command -v xmllint >/dev/null; then
		t=$(xmllint --xpath "string(//testsuite[@name=\"queued\"]/@time)" j.xml) &&
		echo "its JUnit time: $t s" &&
		test "${t%%.*}" -le $((total / 1000))
	fi
'
done

done

# ---- configuration and usage errors ----

bad_config() {
	rm -rf bad && mkdir bad && cat >bad/relgate.json
}

# The run must end with exit 2 and an error naming relgate.json:LINE:COL.
usage_error_at() {
	test_expect_code 2 "$RELGATE" -C bad test a >out 2>err &&
	test_grep "relgate\.json:$1:[0-9]+: " err
}

test_expect_success 'a duration of "5 minutes" is an error with file:line:col' '
	bad_config <<-\EOF &&
	{
	  "products": {
	    "a": {"build": {"run": "true",
	                    "timeout": "5 minutes"}}
	  }
	}
	EOF
	usage_error_at 4 &&
	test_grep "timeout" err
'

test_expect_success 'a duration of "-1s" is an error with file:line:col' '
	bad_config <<-\EOF &&
	{
	  "products": {
	    "a": {"checks": [
	      {"name": "e2e", "run": "true", "idleTimeout": "-1s"}
	    ]}
	  }
	}
	EOF
	usage_error_at 4 &&
	test_grep "idleTimeout" err
'

test_expect_success 'negative retries are an error with file:line:col' '
	bad_config <<-\EOF &&
	{
	  "products": {
	    "a": {"checks": [
	      {"name": "e2e", "run": "true",
	       "retries": -1}
	    ]}
	  }
	}
	EOF
	usage_error_at 5 &&
	test_grep "retries" err
'

test_expect_success '-j 0 is a usage error' '
	bad_config <<-\EOF &&
	{"products": {"a": {"build": {"run": "true"}}}}
	EOF
	test_expect_code 2 "$RELGATE" -C bad test -j 0 a >out 2>err &&
	test_grep "\-j" err &&
	test_expect_code 2 "$RELGATE" -C bad test -j x a >out 2>err
'

test_expect_success 'an unknown product is a usage error that names it' '
	test_expect_code 2 "$RELGATE" -C bad test a no-such-product >out 2>err &&
	test_grep "no-such-product" err &&
	test_grep_not "^a: build" out
'

test_expect_success 'no process of any step of this script is left' '
	left=$(grep -lz "^HOSTILE_TAG=.*-$$\$" /proc/[0-9]*/environ 2>/dev/null |
		sed -e "s|^/proc/||" -e "s|/environ\$||") &&
	if test -n "$left"; then
		for p in $left; do
			echo "left: $p $(tr "\0" " " 2>/dev/null </proc/$p/cmdline)"
		done
		kill -9 $left 2>/dev/null
		false
	fi
'

test_done
