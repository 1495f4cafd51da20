#!/bin/sh
#
# t0010: make check's layer rule: src/ is cut by stage in pipeline order,
# a folder includes only lib/, itself and the stages before it, every
# include names its folder, and no two modules include each other, around
# any loop.  Each rule is broken once in a copy of src/ and must be caught.

. "$(dirname "$0")/test-lib.sh"

check() {
	sh "$SRCDIR/scripts/check-layers.sh" "$TRASH/src" >"$TRASH/.out" 2>&1
}

test_expect_success 'the real tree passes' '
	cp -R "$SRCDIR/src" "$TRASH/src" &&
	check
'

test_expect_success 'lib/ may not include a stage' '
	rm -rf "$TRASH/src" && cp -R "$SRCDIR/src" "$TRASH/src" &&
	printf "#include \"analyze/graph.h\"\n" >>"$TRASH/src/lib/glob.c" &&
	test_must_fail check &&
	test_grep "src/lib/glob.c:[0-9]*: #include \"analyze/graph.h\": lib/ may include only" "$TRASH/.out"
'

test_expect_success 'a stage may not include a later one' '
	rm -rf "$TRASH/src" && cp -R "$SRCDIR/src" "$TRASH/src" &&
	printf "#include \"gate/gate.h\"\n" >>"$TRASH/src/analyze/scan.h" &&
	test_must_fail check &&
	test_grep "src/analyze/scan.h:[0-9]*: #include \"gate/gate.h\"" "$TRASH/.out"
'

test_expect_success 'cmd/ and main.c may include every stage' '
	rm -rf "$TRASH/src" && cp -R "$SRCDIR/src" "$TRASH/src" &&
	printf "#include \"gate/gate.h\"\n" >>"$TRASH/src/main.c" &&
	check
'

test_expect_success 'an include without its folder is refused' '
	rm -rf "$TRASH/src" && cp -R "$SRCDIR/src" "$TRASH/src" &&
	printf "#include \"util.h\"\n" >>"$TRASH/src/lib/term.c" &&
	test_must_fail check &&
	test_grep "src/lib/term.c:[0-9]*: #include \"util.h\": name the header" "$TRASH/.out"
'

test_expect_success 'a folder that is no stage is refused' '
	rm -rf "$TRASH/src" && cp -R "$SRCDIR/src" "$TRASH/src" &&
	mkdir "$TRASH/src/misc" && printf "int x;\n" >"$TRASH/src/misc/x.c" &&
	test_must_fail check &&
	test_grep "src/misc/: not a stage" "$TRASH/.out"
'

test_expect_success 'two modules of one stage that include each other are a cycle' '
	rm -rf "$TRASH/src" && cp -R "$SRCDIR/src" "$TRASH/src" &&
	printf "#include \"analyze/impact.h\"\n" >>"$TRASH/src/analyze/snapshot.c" &&
	test_must_fail check &&
	test_grep "include cycle" "$TRASH/.out" &&
	test_grep "analyze/snapshot" "$TRASH/.out"
'

test_expect_success 'a longer loop is a cycle too' '
	rm -rf "$TRASH/src" && cp -R "$SRCDIR/src" "$TRASH/src" &&
	printf "#include \"analyze/impact.h\"\n" >>"$TRASH/src/analyze/scan.c" &&
	test_must_fail check &&
	test_grep "include cycle" "$TRASH/.out"
'

test_done
