#!/bin/sh
#
# t0103: the incident of examples/hotel-suite, caught by relgate test: the
# change to @hotel/shared reaches commander and distributor; commander
# builds and starts; distributor builds, its e2e suite (playwright-core
# against the unminified dev server, which it leaves running) passes and
# ends with the server killed, and its boot check fails with the real
# TypeError of its mangled bundle; portal is not run at all.  At the commit
# before the change, distributor passes.

. "$(dirname "$0")/test-lib.sh"

require_hotel_suite
unset RELGATE_NO_CGROUP

test_expect_success 'setup: replay the incident' '
	"$REPLAY" --link-node-modules "$TRASH/hs" >replay.out 2>&1 &&
	test "$(git -C hs rev-parse HEAD)" = "$(git -C hs rev-parse incident)"
'

test_expect_success 'relgate test --affected --base before: the gate says no' '
	test_expect_code 1 "$RELGATE" -C hs test --affected --base before \
		--junit j.xml --json j.json >out 2>err &&
	test -s hs/j.json &&
	test -s hs/j.xml
'

test_expect_success 'only the affected products ran: commander and distributor, not portal' '
	jq -r ".products[].name" hs/j.json >actual &&
	printf "commander\ndistributor\n" >expect &&
	test_cmp expect actual &&
	test_grep_not "portal" out &&
	test_grep_not "name=\"portal\"" hs/j.xml &&
	test "$(jq -r .passed hs/j.json)" = false
'

test_expect_success 'commander passed: it built and it starts' '
	jq -r ".products[] | select(.name == \"commander\") | .steps[] | [.name, .outcome] | @tsv" \
		hs/j.json >actual &&
	printf "build\tpassed\nboot\tpassed\n" >expect &&
	test_cmp expect actual &&
	test "$(jq -r ".products[] | select(.name == \"commander\") | .passed" hs/j.json)" = true
'

test_expect_success 'distributor built, and its boot check failed with the real TypeError' '
	jq -r ".products[] | select(.name == \"distributor\") | .steps[] | [.name, .outcome] | @tsv" \
		hs/j.json >actual &&
	printf "build\tpassed\nunit\tpassed\ne2e\tpassed\nboot\tfailed\n" >expect &&
	test_cmp expect actual &&
	jq -r ".products[] | select(.name == \"distributor\") | .steps[] | select(.name == \"boot\") | .message" \
		hs/j.json >msg &&
	test_grep "TypeError" msg &&
	test_grep "i\.get\(\.\.\.\) is not a function" msg &&
	test_grep "app\.js:[0-9]+:[0-9]+" msg &&
	test_grep "distributor: boot failed" out &&
	test_grep "TypeError: i\.get\(\.\.\.\) is not a function" out
'

test_expect_success 'the e2e suite that leaves its dev server running ended on time, the server killed' '
	jq -r ".products[] | select(.name == \"distributor\") | .steps[] | select(.name == \"e2e\") |
		[.outcome, .leftovers] | @tsv" hs/j.json >e2e &&
	read outcome leftovers <e2e &&
	test "$outcome" = passed &&
	test "$leftovers" -ge 1 &&
	! pgrep -f "$TRASH/hs/tools/dev/serve.js" >/dev/null
'

test_expect_success 'the JUnit report says it too' '
	if command -v xmllint >/dev/null; then
		xmllint --noout hs/j.xml &&
		xmllint --xpath "string(//testsuite[@name=\"distributor\"]/testcase[@name=\"boot\"]/failure)" \
			hs/j.xml >failure &&
		test_grep "TypeError: i\.get\(\.\.\.\) is not a function" failure &&
		test "$(xmllint --xpath "count(//testsuite[@name=\"commander\"]/testcase/failure)" hs/j.xml)" = 0
	else
		test_grep "<failure .*>.*TypeError: i\.get\(\.\.\.\) is not a function|^ *TypeError: i\.get\(\.\.\.\) is not a function" hs/j.xml
	fi
'

test_expect_success 'at before, distributor passes' '
	git -C hs checkout -q before &&
	"$RELGATE" -C hs test --json "$TRASH/before.json" distributor >out 2>err &&
	jq -r ".products[] | .steps[] | [.name, .outcome] | @tsv" before.json >actual &&
	printf "build\tpassed\nunit\tpassed\ne2e\tpassed\nboot\tpassed\n" >expect &&
	test_cmp expect actual &&
	test "$(jq -r .passed before.json)" = true
'

test_done
