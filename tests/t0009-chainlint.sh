#!/bin/sh
#
# t0009: the suite checks itself.  tests/chainlint.sh names every broken
# &&-chain in crafted test bodies (exit 1), passes bodies whose chains hold
# (here-documents, case arms, loops, groups, subshells, pipes, strings over
# several lines: exit 0), and finds none in the test scripts.  No file
# redefines a function of test-lib.sh, the hook test_before_each works, and
# under RELGATE_NO_SKIP a skip (a missing relgate too) is a failure.

. "$(dirname "$0")/test-lib.sh"

command -v perl >/dev/null || skip_all "perl is missing (apt-get install perl)"

CHAINLINT=$SRCDIR/tests/chainlint.sh

# Each test of broken.sh breaks its chain where expect-broken says.
cat >broken.sh <<\EOF
#!/bin/sh
. ./test-lib.sh

test_expect_success 'a command ended by a newline' '
	echo one >one &&
	echo two >two
	test -f one
'

test_expect_success 'inside a subshell' '
	(
		cd sub &&
		echo three
		echo four
	) &&
	true
'

test_expect_failure 'inside a loop, and after it' '
	for i in 1 2 3; do
		echo $i
		echo done $i || return 1
	done
	true
'

test_expect_success "in a double-quoted body, an if, and a case arm" "
	if test -f one; then
		echo \"a\"
		echo b
	fi &&
	case \$x in
	a) echo a
	   echo b ;;
	esac
"

test_expect_success 'after a here-document, a group, and a ; in a line' '
	cat >expect <<-\EOF
	not a command &&
	EOF
	{ echo x; echo y; } >actual &&
	{
		echo z
	}
	cmp expect actual
'

my_test () {
	test_expect_success "$@"
}
my_test 'a function that hands its arguments to a test is a test too' '
	echo x >x
	echo y >y
'

test_expect_success 'quotes spliced into the body' '
	echo '"'"'quoted'"'"' >q
	test -s q
'

test_expect_success 'a $? that is not the status of the command before' '
	kill $pid
	{ wait $pid; rc=$?; } &&
	test $rc = 1
'
EOF

cat >expect-broken <<\EOF
broken.sh:6: echo two >two
broken.sh:13: echo three
broken.sh:21: echo $i
broken.sh:23: done
broken.sh:29: echo \"a\"
broken.sh:33: a) echo a
broken.sh:39: cat >expect <<-\EOF
broken.sh:42: { echo x; echo y; } >actual &&
broken.sh:45: }
broken.sh:53: echo x >x
broken.sh:58: echo '"'"'quoted'"'"' >q
broken.sh:63: kill $pid
EOF

# Chains that hold, in the constructs that a line-by-line reading gets wrong.
cat >good.sh <<\EOF
#!/bin/sh
. ./test-lib.sh

cat >/dev/null <<\END
test_expect_success 'a here-document of the script, not a test' '
	echo not
	echo linted
'
END

test_expect_success 'here-documents: their lines are not commands' '
	cat >expect <<-\END &&
	echo this line does not end with and-and
	(
	END
	cat <<-END >other &&
		$(echo expanded)
	END
	cat >a <<-\A && cat >b <<-\B &&
	first
	A
	second
	B
	cat >last <<\END
not a command
END
'

test_expect_success 'case arms, loops, groups, subshells, pipes' '
	for f in a b; do
		echo "$f" >"$f" &&
		case $f in
		a)
			test -f a &&
			echo is a
			;;
		(b) echo is b ;;
		c|d) ;;
		*) false ;;
		esac || return 1
	done &&
	while read -r line; do
		test -n "$line" || return 1
		echo "$line" || exit 1
	done <a >copy &&
	(
		cd . &&
		ls
	) |
	sort |
	grep a &&
	{ echo one && echo two; } >both &&
	if test -s both; then
		echo yes
	elif test -f both; then
		echo empty
	else
		echo none
	fi &&
	x=$(
		echo in a command substitution
		echo "with a ) in a string"
	) &&
	echo "a string over
	several lines
	" \
		>string &&
	true &
	wait
'

test_expect_success "a double-quoted body" "
	echo \"it says \\\"hi\\\"\" &&
	echo \$HOME
"

test_expect_success 'failures on purpose, and exit codes looked at' '
	test -f a || {
		echo "a is missing"
		false
	} &&
	test_must_fail false 2>err;
	ret=$? &&
	test $ret = 0 &&
	f() {
		echo in a function &&
		return 0
	} &&
	f
'

test_expect_success 'a one-line body' 'true'

test_expect_success 'quotes and comments' '
	echo '"'"'one'"'"' &&
	echo "two; three" &&
	echo four \; five &&
	echo "# not a comment" && # a comment
	# a comment line
	echo six
'
EOF

cat >bad.sh <<\EOF
test_expect_success 'an if without its fi' '
	if true; then
		echo x
'
EOF

test_expect_success 'chainlint: broken chains: exit 1, each broken line named' '
	test_expect_code 1 sh "$CHAINLINT" broken.sh >actual &&
	test_cmp expect-broken actual
'

test_expect_success 'chainlint: chains that hold: exit 0, nothing said' '
	sh "$CHAINLINT" good.sh >actual &&
	test_cmp /dev/null actual
'

test_expect_success 'chainlint: a body it cannot parse is an error' '
	test_expect_code 1 sh "$CHAINLINT" bad.sh >actual &&
	test_grep "^bad.sh:[0-9]+: chainlint cannot parse" actual
'

test_expect_success 'chainlint: one broken file among good ones fails the run' '
	test_expect_code 1 sh "$CHAINLINT" good.sh broken.sh good.sh >actual &&
	test_cmp expect-broken actual
'

test_expect_success 'chainlint: a chain broken in a copy of a real test is found' '
	line="	test_expect_code 1 sh \"\$ADV/garbage.sh\" >expect &&" &&
	grep -n -x -F -e "$line" "$SRCDIR/tests/t0101-test-reports.sh" >where &&
	n=$(cut -d: -f1 where) &&
	sed -e "${n}s/ &&\$//" "$SRCDIR/tests/t0101-test-reports.sh" >t0101-copy.sh &&
	test_expect_code 1 sh "$CHAINLINT" t0101-copy.sh >actual &&
	echo "t0101-copy.sh:$n: test_expect_code 1 sh \"\$ADV/garbage.sh\" >expect" >expect &&
	test_cmp expect actual
'

test_expect_success 'the test scripts have no broken chain, and chainlint is quick' '
	start=$(now_ms) &&
	(cd "$SRCDIR" && timeout 60 sh tests/chainlint.sh tests/t*.sh) &&
	ms=$(($(now_ms) - start)) &&
	echo "chainlint took $ms ms" &&
	test $ms -lt 5000
'

test_expect_success 'no file of the suite redefines a function of test-lib.sh' '
	sed -n -e "s/^\([A-Za-z_][A-Za-z0-9_]*\) *() *{.*/\1/p" "$SRCDIR/tests/test-lib.sh" >names &&
	test_grep "^test_run_\$" names &&
	test_grep "^skip_all\$" names &&
	pattern=$(paste -s -d "|" names) &&
	ls "$SRCDIR"/tests/*.sh | grep -v "/test-lib\.sh\$" >others &&
	test_grep "/lib-fixtures\.sh\$" others &&
	test_expect_code 1 grep -n -E "^[[:space:]]*($pattern)[[:space:]]*\(\)" $(cat others) >redefined
'

# A script of its own, in a folder of its own, that uses test-lib.sh.
fake_test() { # NAME: the script's body comes from standard input
	mkdir -p fake/tests &&
	{ echo ". \"\$TEST_LIB\"" && cat; } >"fake/tests/$1.sh"
}

test_expect_success 'a missing relgate skips the script, but fails it under RELGATE_NO_SKIP' '
	echo "test_done" | fake_test t-none &&
	env -u RELGATE_NO_SKIP TEST_LIB="$SRCDIR/tests/test-lib.sh" RELGATE="$TRASH/no-relgate" \
		sh fake/tests/t-none.sh >out &&
	test_grep "^1\.\.0 # SKIP .*no-relgate is not built" out &&
	test_expect_code 1 env RELGATE_NO_SKIP=1 TEST_LIB="$SRCDIR/tests/test-lib.sh" \
		RELGATE="$TRASH/no-relgate" sh fake/tests/t-none.sh >out &&
	test_grep "^Bail out! .*no-relgate is not built" out
'

test_expect_success 'test_skip skips a test, but fails it under RELGATE_NO_SKIP' '
	fake_test t-skip <<-\END &&
	test_skip "a test" "a reason"
	test_expect_success "another test" "true"
	test_done
	END
	env -u RELGATE_NO_SKIP TEST_LIB="$SRCDIR/tests/test-lib.sh" sh fake/tests/t-skip.sh >out &&
	printf "ok 1 # skip a test (a reason)\nok 2 - another test\n1..2\n" >expect &&
	test_cmp expect out &&
	test_expect_code 1 env RELGATE_NO_SKIP=1 TEST_LIB="$SRCDIR/tests/test-lib.sh" \
		sh fake/tests/t-skip.sh >out &&
	test_grep "^not ok 1 - a test\$" out &&
	test_grep "^#   cannot run .*: a reason\$" out &&
	test_grep "^ok 2 - another test\$" out
'

test_expect_success 'test_before_each runs before each test; its failure fails the test' '
	fake_test t-hook <<-\END &&
	test_before_each="cd \"\$TRASH\""
	test_expect_success "one" "mkdir sub && cd sub"
	test_expect_success "two" "test \"\$PWD\" = \"\$TRASH\""
	test_before_each=false
	test_expect_success "three" "true"
	test_done
	END
	test_expect_code 1 env TEST_LIB="$SRCDIR/tests/test-lib.sh" sh fake/tests/t-hook.sh >out &&
	test_grep "^ok 1 - one\$" out &&
	test_grep "^ok 2 - two\$" out &&
	test_grep "^not ok 3 - three\$" out &&
	test_grep "failed before the test: false" out
'

test_done
