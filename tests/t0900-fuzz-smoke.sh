#!/bin/sh
#
# t0900-fuzz-smoke: the libFuzzer targets of tests/fuzz build, and each one
# survives a bounded run from its seed corpus (a copy of it, so that nothing
# is written to the repository).  Skipped where clang or its libFuzzer
# runtime is missing.
#
#   FUZZ_RUNS   runs per target (default 20000)
#   FUZZ_SEED   libFuzzer's -seed (default 1, so that a failure repeats)

. "$(dirname "$0")/test-lib.sh"

FUZZ_RUNS=${FUZZ_RUNS:-20000}
FUZZ_SEED=${FUZZ_SEED:-1}
FUZZ_CC=${FUZZ_CC:-clang}
FUZZ_TARGETS='scan glob jsonfile lockfile yarn1lock config gitindex manifest artifact notice snippet beacon route'

command -v "$FUZZ_CC" >/dev/null 2>&1 || skip_all "$FUZZ_CC is not installed"
command -v pkg-config >/dev/null 2>&1 || skip_all "pkg-config is not installed"

# A fuzzer that does nothing must link with the sanitizers.
cat >probe.c <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	return 0;
}
EOF
"$FUZZ_CC" -fsanitize=fuzzer,address,undefined -o probe probe.c >probe.log 2>&1 ||
	skip_all "$FUZZ_CC cannot link a libFuzzer target with ASan and UBSan"
./probe -runs=1 >probe.log 2>&1 || skip_all "a libFuzzer target does not run here"

test_expect_success 'the fuzz targets build' '
	make -C "$SRCDIR" -f tests/fuzz/Makefile -j2 FUZZ_CC="$FUZZ_CC" >build.log 2>&1 ||
	{ tail -n 40 build.log; false; }
'

# Run one target over a copy of its corpus; on failure show the report.
fuzz_run() {
	t=$1
	rm -rf "corpus-$t" "crash-$t" &&
	cp -R "$SRCDIR/tests/fuzz/corpus/$t" "corpus-$t" &&
	mkdir "crash-$t" || return 1
	if TMPDIR=$TRASH "$SRCDIR/build-fuzz/fuzz-$t" -runs="$FUZZ_RUNS" -seed="$FUZZ_SEED" \
		-max_len=4096 -timeout=10 -max_total_time=60 -close_fd_mask=2 \
		-artifact_prefix="$TRASH/crash-$t/" "corpus-$t" >"fuzz-$t.log" 2>&1
	then
		return 0
	fi
	# the sanitizer's first lines, its summary, and the input
	grep -E -A 8 '^==[0-9]+==(ERROR|WARNING)|runtime error|deadly signal|ALARM' \
		"fuzz-$t.log" | head -n 24
	grep -E '^SUMMARY' "fuzz-$t.log"
	for f in "crash-$t"/*; do
		test -f "$f" || continue
		echo "input ($f):"
		od -A d -c "$f" | head -n 16
	done
	return 1
}

for t in $FUZZ_TARGETS; do
	if ! test -x "$SRCDIR/build-fuzz/fuzz-$t"; then
		test_skip "fuzz-$t survives $FUZZ_RUNS runs" "not built"
		continue
	fi
	test_expect_success "fuzz-$t survives $FUZZ_RUNS runs" "fuzz_run $t"
done

test_done
