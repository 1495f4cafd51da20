# relgate: a plain GNU Makefile.
#
#   make              build ./relgate
#   make test         install what the tests lack, then run them all
#   make test SAN=1   the same with ASan, UBSan and LeakSanitizer
#   make demo         the incident on examples/hotel-suite, caught
#   make bench        the benchmarks, written to bench/RESULTS.md
#   make install PREFIX=/usr/local

CC ?= cc
PREFIX ?= /usr/local
include scripts/libs.mk
# the ones pkg-config does not know, named with their Debian packages
PKGS_MISSING := $(shell for m in $(PKGS); do pkg-config --exists $$m || \
	awk -v m=$$m '$$NF == m { printf "%s (%s) ", m, $$1 }' scripts/deps; done)
O ?= build

WARN = -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wvla \
       -Wformat=2 -Wno-format-nonliteral \
       -Wno-missing-field-initializers -Werror
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) -MMD -MP \
             $(if $(PKGS_MISSING),,$(shell pkg-config --cflags $(PKGS)))
LIBS = $(if $(PKGS_MISSING),,$(shell pkg-config --libs $(LINK_PKGS))) -ldl -lpthread -lm

ifeq ($(SAN),1)
export LSAN_OPTIONS = suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0
# the slow unwinder sees through libgit2, which has no frame pointers, so that
# tests/lsan.supp can name the libgit2 function that leaks
export ASAN_OPTIONS = detect_leaks=1:abort_on_error=0:fast_unwind_on_malloc=0
export UBSAN_OPTIONS = print_stacktrace=1:halt_on_error=1
O = build-san
CC = clang
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

# src/ by stage, in pipeline order: a folder includes only lib/ and the
# stages before it (make check).
LIB = diag dynlib util file loop record arena pool glob jsonfile jsonscan jsonw artifact yamldoc term config httpd
ANALYZE = setup changes gitindex filelist workspace scan resolve lockentry npmlock pnpmlock yarn1lock yarnlock bunlock lockdiff rangecache headgraph graph cache snapshot impact
GATE = supervise gate devtools browser report
RELEASE = history store snippet
NOTIFY = notice outbox
SERVE = beacon route page server
WATCH = watch
CORE = $(LIB:%=lib/%) $(ANALYZE:%=analyze/%) $(GATE:%=gate/%) $(RELEASE:%=release/%) \
       $(NOTIFY:%=notify/%) $(SERVE:%=serve/%) $(WATCH:%=watch/%)
CMDS = common reasons affected graph plan test boot store notify snippet serve runbook ship
CORE_OBJ = $(CORE:%=$(O)/%.o)
CMD_OBJ = $(CMDS:%=$(O)/cmd/%.o)
OBJ = $(CORE_OBJ) $(CMD_OBJ) $(O)/main.o

UNIT = $(notdir $(basename $(wildcard tests/unit/test-*.c)))
UNIT_BIN = $(UNIT:%=$(O)/tests/%)

all: relgate

# The binary is linked in the build folder of its flavour (plain or SAN=1)
# and copied to the root, so that switching flavours always switches ./relgate.
relgate: $(O)/relgate FORCE
	@cmp -s $< $@ || { cp $< $@.tmp && mv -f $@.tmp $@; }

# the stand-in for libgit2's loading of CA certificates (src/lib/dynlib.c)
$(O)/relgate: $(OBJ)
	$(CC) $(LDFLAGS) -Wl,--export-dynamic-symbol=mbedtls_x509_crt_parse_file -o $@ $(OBJ) $(LIBS)

$(O)/lib/dynlib.o: ALL_CFLAGS += $(DYNLIB_FLAGS)

# doc/runbook.md is in the binary (.incbin): relgate runbook prints it filled in
$(O)/cmd/runbook.o: doc/runbook.md
# and so is the early-error snippet, kept compact by hand since make only compiles
$(O)/release/snippet.o: src/release/snippet.js

$(O)/%.o: src/%.c | libs-present
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc -c -o $@ $<

$(O)/tests/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc -c -o $@ $<

# the tests also make repositories with functions relgate itself never calls
# (but test-dynlib, which checks that libgit2 is loaded only when needed)
TEST_GIT = $(if $(PKGS_MISSING),,$(shell pkg-config --libs libgit2))
$(O)/tests/test-dynlib: TEST_GIT =
$(O)/tests/test-dynlib.o: ALL_CFLAGS += $(DYNLIB_FLAGS)
$(O)/tests/test-%: $(O)/tests/test-%.o $(CORE_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(TEST_GIT) -lcmocka

# A missing library is named as such, not left to show as a missing header.
libs-present:
	$(if $(PKGS_MISSING),$(error relgate needs these libraries, which pkg-config does not \
	  find: $(PKGS_MISSING)- install them with 'sh scripts/install-deps.sh build' (as root) \
	  or apt-get install))

# src/ by stage, without include cycles; the tests' && chains unbroken.
check:
	@sh scripts/check-layers.sh
	@sh tests/chainlint.sh tests/t[0-9]*.sh

deps-build:
	@sh scripts/install-deps.sh build

deps-test:
	@sh scripts/install-deps.sh test

deps-demo:
	@sh scripts/install-deps.sh demo

deps-bench:
	@sh scripts/install-deps.sh bench

# The dependencies are checked before anything compiles, so that a fresh
# machine gets them first.
test: deps-test
	@$(MAKE) --no-print-directory check relgate unit-bin
	@sh tests/run.sh $(UNIT_BIN)

unit-bin: $(UNIT_BIN)

demo: deps-demo
	@$(MAKE) --no-print-directory relgate
	@sh examples/demo.sh

bench: deps-bench
	@$(MAKE) --no-print-directory relgate
	@bash bench/run.sh

fuzz:
	@$(MAKE) --no-print-directory -f tests/fuzz/Makefile

install: relgate
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 relgate $(DESTDIR)$(PREFIX)/bin/relgate
	install -m 644 doc/relgate.1 $(DESTDIR)$(PREFIX)/share/man/man1/relgate.1
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 doc/relgate.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/relgate

FORCE:

clean:
	rm -rf build build-san build-fuzz relgate tests/trash

.PHONY: FORCE all check libs-present test unit-bin demo bench fuzz install clean deps-build deps-test deps-demo deps-bench
.SECONDARY:

-include $(OBJ:.o=.d) $(UNIT_BIN:=.d)
