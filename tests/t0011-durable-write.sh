#!/bin/sh
#
# t0011: the system calls of write_file_durable and write_file_atomic, seen
# with strace.  Durable: the temporary file, made in the folder of the
# target, is fsynced, then renamed over the target, then the folder is
# fsynced, after the rename.  Atomic: a rename from the same folder, and no
# fsync at all (it is the cheap one).  The checker is first shown to flag
# made-up logs that get the order wrong.

. "$(dirname "$0")/test-lib.sh"

# The unit binary of the flavour ./relgate is (make SAN=1 copies build-san's).
if test -n "${RELGATE_TEST_FILE:-}"; then
	TEST_FILE=$RELGATE_TEST_FILE
elif test -x "$SRCDIR/build-san/relgate" && cmp -s "$RELGATE" "$SRCDIR/build-san/relgate"; then
	TEST_FILE=$SRCDIR/build-san/tests/test-file
else
	TEST_FILE=$SRCDIR/build/tests/test-file
fi
test -x "$TEST_FILE" ||
	skip_all "the unit test binary $TEST_FILE is not built (run make unit-bin)"
command -v strace >/dev/null || skip_all "strace is missing (apt-get install strace)"
strace -o /dev/null true 2>/dev/null || skip_all "strace cannot trace processes here (ptrace refused)"

# LeakSanitizer cannot run under ptrace: off for the traced runs of a SAN=1 binary.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS

# traced LOG MODE PATH TEXT: the unit binary writes TEXT to PATH, under strace.
traced() {
	strace -f -e trace=openat,fsync,fdatasync,rename,renameat,renameat2,close \
		-o "$1" "$TEST_FILE" "$2" "$3" "$4"
}

# events LOG: the strace log as events, one a line, tab-separated, in order:
#   create PATH        a file opened with O_CREAT
#   sync PATH          fsync or fdatasync of a descriptor opened on PATH
#   rename FROM TO
# Only calls that succeeded count; a descriptor is known from its openat
# (relative to the working folder) until it is closed.
events() {
	sed -e 's/^[0-9][0-9]* *//' "$1" | awk '
	function quoted(s, n,   i) {   # the n-th double-quoted string of s
		while (n-- > 0) {
			i = index(s, "\"")
			s = substr(s, i + 1)
			i = index(s, "\"")
			if (n)
				s = substr(s, i + 1)
		}
		return substr(s, 1, i - 1)
	}
	function result(s) {
		if (!sub(/.*\) += /, "", s))
			return -1
		return s + 0
	}
	/^openat\(AT_FDCWD, "/ {
		fd = result($0)
		if (fd < 0)
			next
		path[fd] = quoted($0, 1)
		if ($0 ~ /O_CREAT/)
			printf "create\t%s\n", path[fd]
		next
	}
	/^close\(/ {
		fd = $0
		sub(/^close\(/, "", fd)
		delete path[fd + 0]
		next
	}
	/^f(data)?sync\(/ {
		fd = $0
		sub(/^f(data)?sync\(/, "", fd)
		fd += 0
		if (result($0) == 0)
			printf "sync\t%s\n", (fd in path) ? path[fd] : "?fd" fd
		next
	}
	/^rename(at2?)?\(/ {
		if (result($0) == 0)
			printf "rename\t%s\t%s\n", quoted($0, 1), quoted($0, 2)
	}'
}

# check_write durable|atomic LOG TARGET: the events of LOG make a durable
# (or an atomic) write of TARGET.  Says what is wrong, and fails, if not.
check_write() {
	events "$2" >"$2.events" &&
	awk -F '\t' -v how="$1" -v t="$3" '
	function folder(p) { return sub(/\/[^\/]*$/, "", p) ? p : "." }
	{ ev[NR] = $1; a[NR] = $2; b[NR] = $3 }
	function bad(msg) { print "check_write " how " " t ": " msg; failed = 1; exit 1 }
	END {
		if (failed)
			exit 1
		for (i = 1; i <= NR; i++)
			if (ev[i] == "rename" && b[i] == t)
				r = i
		if (!r)
			bad("no rename onto the target")
		tmp = a[r]
		if (tmp == t)
			bad("renamed onto itself")
		if (folder(tmp) != folder(t))
			bad("the temporary file " tmp " is not in the folder " folder(t))
		for (i = 1; i < r; i++)
			if (ev[i] == "create" && a[i] == tmp)
				c = i
		if (!c)
			bad("the temporary file " tmp " was not created before the rename")
		if (how == "atomic") {
			for (i = 1; i <= NR; i++)
				if (ev[i] == "sync")
					bad("an fsync, of " a[i] ", where none is wanted")
			print "atomic: create " c ", rename " r
			exit 0
		}
		for (i = c + 1; i < r; i++)
			if (ev[i] == "sync" && a[i] == tmp)
				f = i
		if (!f)
			bad("the temporary file " tmp " was not fsynced before the rename")
		for (i = r + 1; i <= NR; i++)
			if (ev[i] == "sync" && a[i] == folder(t))
				g = i
		if (!g)
			bad("the folder " folder(t) " was not fsynced after the rename")
		print "durable: create " c ", fsync " f ", rename " r ", folder fsync " g
	}' "$2.events"
}

test_expect_success 'the checker passes a made-up log in the durable order' '
	cat >good.log <<-\EOF &&
	100   openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3
	100   close(3)                          = 0
	100   openat(AT_FDCWD, "d/sub/file.json.tmp.100.0", O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0666) = 3
	100   fsync(3)                          = 0
	100   close(3)                          = 0
	100   rename("d/sub/file.json.tmp.100.0", "d/sub/file.json") = 0
	100   openat(AT_FDCWD, "d/sub", O_RDONLY|O_CLOEXEC|O_DIRECTORY) = 3
	100   fsync(3)                          = 0
	100   close(3)                          = 0
	100   +++ exited with 0 +++
	EOF
	check_write durable good.log d/sub/file.json &&
	sed -e "4s/fsync/fdatasync/" \
		-e "6s/.*/100   renameat2(AT_FDCWD, \"d\/sub\/file.json.tmp.100.0\", AT_FDCWD, \"d\/sub\/file.json\", RENAME_NOREPLACE) = 0/" \
		good.log >renameat.log &&
	test_grep "^100   renameat2\\(AT_FDCWD, \"d/sub/file.json.tmp.100.0\", AT_FDCWD, \"d/sub/file.json\"" renameat.log &&
	test_grep "^100   fdatasync\\(3\\)" renameat.log &&
	check_write durable renameat.log d/sub/file.json
'

# made-up LOG SED: good.log edited by the sed script SED, which must change it.
made_up() {
	sed -e "$2" good.log >"$1" &&
	! cmp -s good.log "$1"
}

test_expect_success 'the checker flags the folder fsynced before the rename' '
	made_up dir-first.log "6{h;d;}; 9G" &&
	sed -n 6,9p dir-first.log >middle &&
	test_grep "^100   openat\\(AT_FDCWD, \"d/sub\"" middle &&
	test_grep "^100   rename" dir-first.log &&
	test_must_fail check_write durable dir-first.log d/sub/file.json >out &&
	test_grep "folder d/sub was not fsynced after the rename" out
'

test_expect_success 'the checker flags a temporary file not fsynced, or fsynced after the rename' '
	made_up no-fsync.log 4d &&
	test_must_fail check_write durable no-fsync.log d/sub/file.json >out &&
	test_grep "not fsynced before the rename" out &&
	cat >late-fsync.log <<-\EOF &&
	100   openat(AT_FDCWD, "d/sub/file.json.tmp.100.0", O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0666) = 3
	100   rename("d/sub/file.json.tmp.100.0", "d/sub/file.json") = 0
	100   fsync(3)                          = 0
	100   close(3)                          = 0
	100   openat(AT_FDCWD, "d/sub", O_RDONLY|O_CLOEXEC|O_DIRECTORY) = 3
	100   fsync(3)                          = 0
	100   close(3)                          = 0
	EOF
	test_must_fail check_write durable late-fsync.log d/sub/file.json >out &&
	test_grep "not fsynced before the rename" out &&
	made_up failed-fsync.log "4s/= 0/= -1 EIO (Input\\/output error)/" &&
	test_must_fail check_write durable failed-fsync.log d/sub/file.json >out &&
	test_grep "not fsynced before the rename" out
'

test_expect_success 'the checker flags a temporary file in another folder, or no rename' '
	made_up elsewhere.log "s|d/sub/file.json.tmp|tmp/file.json.tmp|" &&
	test_must_fail check_write durable elsewhere.log d/sub/file.json >out &&
	test_grep "is not in the folder d/sub" out &&
	made_up no-rename.log 6d &&
	test_must_fail check_write durable no-rename.log d/sub/file.json >out &&
	test_grep "no rename onto the target" out &&
	made_up failed-rename.log "6s/= 0\$/= -1 EXDEV (Invalid cross-device link)/" &&
	test_must_fail check_write durable failed-rename.log d/sub/file.json >out &&
	test_grep "no rename onto the target" out &&
	made_up not-created.log "3s/O_CREAT|O_EXCL|//" &&
	test_must_fail check_write durable not-created.log d/sub/file.json >out &&
	test_grep "was not created before the rename" out
'

test_expect_success 'the checker follows descriptors: an fsync of a reused number is not the old file' '
	cat >reused.log <<-\EOF &&
	100   openat(AT_FDCWD, "d/sub/file.json.tmp.100.0", O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0666) = 3
	100   close(3)                          = 0
	100   openat(AT_FDCWD, "other", O_RDONLY|O_CLOEXEC) = 3
	100   fsync(3)                          = 0
	100   close(3)                          = 0
	100   rename("d/sub/file.json.tmp.100.0", "d/sub/file.json") = 0
	100   openat(AT_FDCWD, "d/sub", O_RDONLY|O_CLOEXEC|O_DIRECTORY) = 3
	100   fsync(3)                          = 0
	100   close(3)                          = 0
	EOF
	sed -e 2,3d reused.log >not-reused.log &&
	check_write durable not-reused.log d/sub/file.json >out &&
	test_grep "^durable:" out &&
	test_must_fail check_write durable reused.log d/sub/file.json >out &&
	test_grep "not fsynced before the rename" out
'

test_expect_success 'the checker flags an fsync in an atomic write, passes one without' '
	test_must_fail check_write atomic good.log d/sub/file.json >out &&
	test_grep "an fsync, of d/sub/file.json.tmp.100.0, where none is wanted" out &&
	made_up no-sync.log "/fsync/d" &&
	check_write atomic no-sync.log d/sub/file.json
'

test_expect_success 'write_file_durable: fsync of the file, rename, then fsync of the folder' '
	traced durable.log write-durable d/sub/file.json "{\"a\":1}" &&
	test_grep "^[0-9]+ +rename" durable.log &&
	check_write durable durable.log d/sub/file.json &&
	printf "%s" "{\"a\":1}" >expect &&
	test_cmp expect d/sub/file.json &&
	ls -a d/sub >entries &&
	printf "%s\n" . .. file.json >expect &&
	test_cmp expect entries
'

test_expect_success 'write_file_durable over an existing file: the same order' '
	traced durable2.log write-durable d/sub/file.json "{\"a\":2}" &&
	check_write durable durable2.log d/sub/file.json &&
	printf "%s" "{\"a\":2}" >expect &&
	test_cmp expect d/sub/file.json &&
	ls -a d/sub >entries &&
	printf "%s\n" . .. file.json >expect &&
	test_cmp expect entries
'

test_expect_success 'write_file_atomic: a rename from the same folder, and no fsync' '
	traced atomic.log write-atomic a/sub/file.json "{\"b\":[1,2]}" &&
	check_write atomic atomic.log a/sub/file.json &&
	printf "%s" "{\"b\":[1,2]}" >expect &&
	test_cmp expect a/sub/file.json &&
	traced atomic2.log write-atomic a/sub/file.json "{}" &&
	check_write atomic atomic2.log a/sub/file.json &&
	printf "%s" "{}" >expect &&
	test_cmp expect a/sub/file.json &&
	ls -a a/sub >entries &&
	printf "%s\n" . .. file.json >expect &&
	test_cmp expect entries
'

test_expect_success 'a write that cannot be made exits 1 and leaves nothing' '
	mkdir f &&
	printf "plain" >f/plain &&
	test_expect_code 1 "$TEST_FILE" write-durable f/plain/x.json "{}" 2>err &&
	test_grep "Not a directory" err &&
	test_expect_code 1 "$TEST_FILE" write-atomic f/plain/x.json "{}" 2>err &&
	test_grep "Not a directory" err &&
	ls -a f >entries &&
	printf "%s\n" . .. plain >expect &&
	test_cmp expect entries
'

test_done
