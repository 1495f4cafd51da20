#!/bin/sh
#
# t0101: the reports of relgate test.  JUnit XML is well-formed, with a
# testsuite per product and a testcase per step: <failure> with the output's
# tail for a failed check, <error> saying "timed out" for a step that timed
# out, <skipped> for checks after a failed build, <flakyFailure> for a step
# that passed on retry; control characters and bytes that are not UTF-8 do
# not break it.  The JSON follows its schema, GITHUB_STEP_SUMMARY gets a
# markdown table appended, each step's log holds its whole output, and -j 2
# runs two products at the same time.

. "$(dirname "$0")/test-lib.sh"

command -v jq >/dev/null || skip_all "jq is missing (apt-get install jq)"
unset RELGATE_NO_CGROUP

ADV=$SRCDIR/tests/adversarial
export ADV

# How the XML is read: xmllint (Debian's libxml2-utils), else python3.
if command -v xmllint >/dev/null; then
	xml_tool=xmllint
elif command -v python3 >/dev/null && python3 -c 'import xml.etree.ElementTree' 2>/dev/null; then
	xml_tool=python3
else
	xml_tool=
fi

# xml_wellformed FILE
xml_wellformed() {
	case $xml_tool in
	xmllint) xmllint --noout "$1" ;;
	python3) python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$1" ;;
	esac
}

# xml_count PATH: how many elements PATH (under <testsuites>, in the syntax
# that both XPath and ElementTree read) matches in j.xml.
xml_count() {
	case $xml_tool in
	xmllint) xmllint --xpath "count(/testsuites/$1)" j.xml ;;
	python3) python3 -c '
import sys, xml.etree.ElementTree as E
print(len(E.parse("j.xml").getroot().findall(sys.argv[1])))' "$1" ;;
	esac
}

# xml_text PATH [ATTRIBUTE]: the text (or the attribute) of the first match.
xml_text() {
	case $xml_tool in
	xmllint)
		if test $# = 2; then
			xmllint --xpath "string(/testsuites/$1/@$2)" j.xml
		else
			xmllint --xpath "string(/testsuites/$1)" j.xml
		fi ;;
	python3) python3 -c '
import sys, xml.etree.ElementTree as E
e = E.parse("j.xml").getroot().find(sys.argv[1])
if e is not None:
    sys.stdout.write(e.get(sys.argv[2], "") if len(sys.argv) > 2 else "".join(e.itertext()))' "$@" ;;
	esac
}

# xml_is WANT PATH: xml_count PATH is WANT.
xml_is() {
	got=$(xml_count "$2") || return 1
	if test "$got" != "$1"; then
		echo "$2: $got elements, wanted $1"
		return 1
	fi
}

if test -n "$xml_tool"; then
	xml_test() { test_expect_success "$@"; }
else
	say "neither xmllint (apt-get install libxml2-utils) nor python3: the XML is not parsed"
	xml_test() { test_skip "$1" "no XML parser"; }
fi

test_expect_success 'setup: a workspace of products that pass, fail, time out, flake, and say garbage' '
	write_file ws/relgate.json <<-\EOF
	{
	  "products": {
	    "web": {
	      "build": {"run": "echo building web", "timeout": "30s"},
	      "checks": [
	        {"name": "unit", "run": "echo 12 tests passed", "timeout": "30s"},
	        {"name": "e2e", "run": "i=1; while test $i -le 30; do echo \"e2e line $i\"; i=$((i + 1)); done; echo \"FAIL: cart total: expected 3, got 4\"; exit 3", "timeout": "30s"}
	      ]
	    },
	    "broken": {
	      "build": {"run": "echo \"src/app.ts(3,1): error TS2304: Cannot find name q\"; exit 2", "timeout": "30s"},
	      "checks": [
	        {"name": "unit", "run": "echo the check ran >>check-ran", "timeout": "30s"},
	        {"name": "e2e", "run": "echo the check ran >>check-ran", "timeout": "30s"}
	      ]
	    },
	    "slow": {
	      "build": {"run": "true", "timeout": "30s"},
	      "checks": [{"name": "e2e", "run": "echo waiting for the server; exec sleep 1000", "timeout": "1s"}]
	    },
	    "flaky": {
	      "checks": [{"name": "e2e", "run": "sh \"$ADV/flaky.sh\" flaky-state", "timeout": "30s", "retries": 2}]
	    },
	    "noisy": {
	      "checks": [{"name": "garbage", "run": "sh \"$ADV/garbage.sh\"", "timeout": "30s"}]
	    },
	    "big-log": {
	      "build": {"run": "i=1; while test $i -le 20000; do echo \"log line $i\"; i=$((i + 1)); done", "timeout": "30s"}
	    },
	    "left": {
	      "build": {"run": ": >left.started; i=0; while ! test -e right.started; do test $i -ge $WAIT && exit 1; sleep 0.1; i=$((i + 1)); done; echo saw right", "timeout": "30s"}
	    },
	    "right": {
	      "build": {"run": ": >right.started; i=0; while ! test -e left.started; do test $i -ge $WAIT && exit 1; sleep 0.1; i=$((i + 1)); done; echo saw left", "timeout": "30s"}
	    }
	  }
	}
	EOF
'

test_expect_success 'run the gate over five products: exit 1, both reports written' '
	printf "# an earlier step wrote this\n" >summary.md &&
	test_expect_code 1 env GITHUB_STEP_SUMMARY="$TRASH/summary.md" "$RELGATE" -C ws test -j 2 \
		--grace 500ms --junit "$TRASH/j.xml" --json "$TRASH/r.json" --logs "$TRASH/logs" \
		web broken slow flaky big-log >out 2>err &&
	test -s j.xml &&
	test -s r.json &&
	test ! -e ws/check-ran
'

xml_test 'the JUnit XML is well-formed' '
	xml_wellformed j.xml
'

xml_test 'JUnit: a testsuite per product, a testcase per step' '
	xml_is 5 "testsuite" &&
	xml_is 3 "testsuite[@name='"'"'web'"'"']/testcase" &&
	xml_is 3 "testsuite[@name='"'"'broken'"'"']/testcase" &&
	xml_is 2 "testsuite[@name='"'"'slow'"'"']/testcase" &&
	xml_is 1 "testsuite[@name='"'"'flaky'"'"']/testcase" &&
	xml_is 1 "testsuite[@name='"'"'big-log'"'"']/testcase" &&
	test "$(xml_text "testsuite[@name='"'"'web'"'"']/testcase[1]" name)" = build &&
	test "$(xml_text "testsuite[@name='"'"'web'"'"']/testcase[3]" name)" = e2e &&
	test "$(xml_text "testsuite[@name='"'"'web'"'"']/testcase[3]" classname)" = web
'

xml_test 'JUnit: the totals add up' '
	echo "10 2 1 2" >expect &&
	echo "$(xml_text . tests) $(xml_text . failures) $(xml_text . errors) $(xml_text . skipped)" >actual &&
	test_cmp expect actual &&
	test "$(xml_text "testsuite[@name='"'"'web'"'"']" failures)" = 1 &&
	test "$(xml_text "testsuite[@name='"'"'broken'"'"']" skipped)" = 2 &&
	test "$(xml_text "testsuite[@name='"'"'slow'"'"']" errors)" = 1
'

xml_test 'JUnit: a failed check is a <failure> with the tail of its output' '
	xml_is 1 "testsuite[@name='"'"'web'"'"']/testcase[@name='"'"'e2e'"'"']/failure" &&
	xml_text "testsuite[@name='"'"'web'"'"']/testcase[@name='"'"'e2e'"'"']/failure" >failure &&
	test_grep "exit code 3" failure &&
	test_grep "FAIL: cart total: expected 3, got 4" failure &&
	test_grep "e2e line 30" failure &&
	xml_text "testsuite[@name='"'"'web'"'"']/testcase[@name='"'"'e2e'"'"']/failure" message >message &&
	test_grep "exit code 3" message &&
	xml_is 0 "testsuite[@name='"'"'web'"'"']/testcase[@name='"'"'unit'"'"']/failure" &&
	xml_is 0 "testsuite[@name='"'"'web'"'"']/testcase[@name='"'"'unit'"'"']/error" &&
	xml_is 0 "testsuite[@name='"'"'web'"'"']/testcase[@name='"'"'unit'"'"']/skipped"
'

xml_test 'JUnit: a failed build is a <failure>, the checks after it <skipped>' '
	xml_text "testsuite[@name='"'"'broken'"'"']/testcase[@name='"'"'build'"'"']/failure" >failure &&
	test_grep "error TS2304: Cannot find name q" failure &&
	xml_is 1 "testsuite[@name='"'"'broken'"'"']/testcase[@name='"'"'unit'"'"']/skipped" &&
	xml_is 1 "testsuite[@name='"'"'broken'"'"']/testcase[@name='"'"'e2e'"'"']/skipped" &&
	xml_text "testsuite[@name='"'"'broken'"'"']/testcase[@name='"'"'unit'"'"']/skipped" message >why &&
	test_grep "build" why
'

xml_test 'JUnit: a timed-out step is an <error> that says it timed out' '
	xml_is 1 "testsuite[@name='"'"'slow'"'"']/testcase[@name='"'"'e2e'"'"']/error" &&
	xml_is 0 "testsuite[@name='"'"'slow'"'"']/testcase[@name='"'"'e2e'"'"']/failure" &&
	xml_text "testsuite[@name='"'"'slow'"'"']/testcase[@name='"'"'e2e'"'"']/error" message >message &&
	test_grep "timed out" message &&
	xml_text "testsuite[@name='"'"'slow'"'"']/testcase[@name='"'"'e2e'"'"']/error" type >type &&
	test_grep "timed out" type
'

xml_test 'JUnit: a step that passed on retry has a <flakyFailure> and no failure' '
	xml_is 1 "testsuite[@name='"'"'flaky'"'"']/testcase[@name='"'"'e2e'"'"']/flakyFailure" &&
	xml_is 0 "testsuite[@name='"'"'flaky'"'"']/testcase[@name='"'"'e2e'"'"']/failure" &&
	xml_is 0 "testsuite[@name='"'"'flaky'"'"']/testcase[@name='"'"'e2e'"'"']/error" &&
	xml_text "testsuite[@name='"'"'flaky'"'"']/testcase[@name='"'"'e2e'"'"']/flakyFailure" >flaky &&
	test_grep "first attempt: something flaky went wrong" flaky
'

test_expect_success 'the JSON report is valid and follows the schema' '
	jq -e "
	  (.passed | type == \"boolean\") and
	  (.products | type == \"array\" and length == 5) and
	  all(.products[];
	      (.name | type == \"string\") and (.passed | type == \"boolean\") and
	      (.ms | type == \"number\") and (.steps | type == \"array\") and
	      all(.steps[];
	          (.name | type == \"string\") and
	          (.kind | IN(\"build\", \"run\", \"boot\")) and
	          (.outcome | IN(\"passed\", \"failed\", \"crashed\", \"timed out\", \"stalled\",
	                         \"not started\", \"interrupted\", \"skipped\")) and
	          (if .outcome == \"skipped\" then (.message | type == \"string\")
	           else (.attempts | type == \"number\" and . >= 1) and
	                (.ms | type == \"number\") and (.log | type == \"string\") end) and
	          (if .outcome == \"passed\" or .outcome == \"failed\"
	           then (.exitCode | type == \"number\") else true end)))
	" r.json
'

test_expect_success 'the JSON says what happened to each step' '
	jq -r ".passed" r.json >passed && echo false >expect && test_cmp expect passed &&
	jq -r ".products[] | .name as \$p | .steps[] |
	      [\$p, .name, .outcome, (.attempts // \"-\"), (.exitCode // \"-\")] | @tsv" r.json >actual &&
	cat >expect <<-\EOF &&
	web	build	passed	1	0
	web	unit	passed	1	0
	web	e2e	failed	1	3
	broken	build	failed	1	2
	broken	unit	skipped	-	-
	broken	e2e	skipped	-	-
	slow	build	passed	1	0
	slow	e2e	timed out	1	-
	flaky	e2e	passed	2	0
	big-log	build	passed	1	0
	EOF
	test_cmp expect actual &&
	jq -r ".products[] | [.name, .passed] | @tsv" r.json >actual &&
	printf "web\tfalse\nbroken\tfalse\nslow\tfalse\nflaky\ttrue\nbig-log\ttrue\n" >expect &&
	test_cmp expect actual &&
	jq -r ".products[] | select(.name == \"web\") | .steps[2].message" r.json >msg &&
	test_grep "FAIL: cart total" msg
'

test_expect_success 'the log file of each step holds its whole output' '
	log=$(jq -r ".products[] | select(.name == \"big-log\") | .steps[0].log" r.json) &&
	test -f "$log" &&
	i=1 &&
	while test $i -le 20000; do echo "log line $i" && i=$((i + 1)) || return 1; done >expect &&
	test_cmp expect "$log" &&
	log=$(jq -r ".products[] | select(.name == \"flaky\") | .steps[0].log" r.json) &&
	test_grep "second attempt: passed" "$log" &&
	ls logs/flaky/ >logs.list &&
	test "$(wc -l <logs.list)" = 2 &&
	case $log in "$TRASH"/logs/*) ;; *) echo "log outside --logs: $log"; false ;; esac
'

test_expect_success 'GITHUB_STEP_SUMMARY gets a markdown table appended' '
	head -n 1 summary.md >first &&
	echo "# an earlier step wrote this" >expect &&
	test_cmp expect first &&
	test_grep "^\| product \| step \| result \|" summary.md &&
	test_grep "^\| *--- *\|" summary.md &&
	test "$(grep -c "^| web |" summary.md)" = 3 &&
	test_grep "^\| web \| e2e \| .*failed" summary.md &&
	test_grep "^\| broken \| unit \| .*skipped" summary.md &&
	test_grep "^\| slow \| e2e \| .*timed out" summary.md &&
	test_grep "^\| flaky \| e2e \| .*passed" summary.md &&
	test "$(grep -c "^|" summary.md)" = $((2 + 10))
'

test_expect_success 'a step whose output is garbage: the reports are written' '
	test_expect_code 1 "$RELGATE" -C ws test --junit "$TRASH/garbage.xml" \
		--json "$TRASH/garbage.json" --logs "$TRASH/logs" noisy >out 2>err &&
	test -s garbage.xml &&
	test -s garbage.json &&
	test "$(jq -r ".products[0].steps[0].outcome" garbage.json)" = failed
'

xml_test 'JUnit: garbage output (control characters, invalid UTF-8) does not break the XML' '
	xml_wellformed garbage.xml
'

test_expect_success 'JUnit: garbage output leaves strict UTF-8 and no character XML forbids' '
	iconv -f UTF-8 -t UTF-8 garbage.xml >/dev/null &&
	! LC_ALL=C grep -q "$(printf "[\001-\010\013\014\016-\037]")" garbage.xml &&
	if command -v python3 >/dev/null; then
		python3 "$SRCDIR/tests/adversarial/xml-chars.py" garbage.xml
	fi
'

xml_test 'JUnit: the garbage output is there, escaped, with its valid text intact' '
	cp garbage.xml j.xml &&
	xml_text "testsuite[@name='"'"'noisy'"'"']/testcase[@name='"'"'garbage'"'"']/failure" >garbage &&
	test_grep "garbage begins" garbage &&
	test_grep "markup \]\]> <testcase name=\"x\"> & \"quotes\"" garbage &&
	test_grep "valid text: $(printf "caf\303\251 \342\202\254 \360\237\232\200")" garbage
'

test_expect_success 'the JSON is strict UTF-8 even when the output was not' '
	jq . garbage.json >/dev/null &&
	iconv -f UTF-8 -t UTF-8 garbage.json >/dev/null &&
	if command -v python3 >/dev/null; then
		python3 -c "import json, sys; json.load(open(sys.argv[1], encoding=\"utf-8\", errors=\"strict\"))" garbage.json
	fi &&
	jq -r ".products[0].steps[0].message" garbage.json >msg &&
	test_grep "exit code 1" msg
'

test_expect_success 'the log of a step holds its output byte for byte, garbage included' '
	log=$(jq -r ".products[0].steps[0].log" garbage.json) &&
	test_expect_code 1 sh "$ADV/garbage.sh" >expect &&
	cmp expect "$log"
'

test_expect_success '-j 2 runs two products at the same time' '
	rm -f ws/left.started ws/right.started &&
	env WAIT=100 "$RELGATE" -C ws test -j 2 --json "$TRASH/r.json" left right >out 2>err &&
	test "$(jq -r .passed r.json)" = true
'

test_expect_success '-j 1 runs them one after the other' '
	rm -f ws/left.started ws/right.started &&
	test_expect_code 1 env WAIT=10 "$RELGATE" -C ws test -j 1 --json "$TRASH/r.json" \
		left right >out 2>err &&
	jq -r ".products[] | [.name, .passed] | @tsv" r.json >actual &&
	printf "left\tfalse\nright\ttrue\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'relgate test PRODUCT --json FILE: options after the products, as the usage line shows' '
	rm -f r.json &&
	"$RELGATE" -C ws test big-log --json "$TRASH/r.json" >out 2>err &&
	test "$(jq -r ".products[0].name" r.json)" = big-log
'

test_done
