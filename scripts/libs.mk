# The libraries, for the Makefile and tests/fuzz/Makefile: by pkg-config
# module, from the one list of dependencies (scripts/deps).
PKGS := $(shell awk '!/^\#/ && NF >= 3 && $$2 == "build" && $$NF != "-" { print $$NF }' scripts/deps)
# Compiled against but not linked: src/lib/dynlib.c opens them at their
# first use, by the sonames found here, so that a run that needs no git,
# no server and no history does not pay for loading them and what they need.
DLOPEN_PKGS = libgit2 libmicrohttpd sqlite3 libcurl
LINK_PKGS = $(filter-out $(DLOPEN_PKGS),$(PKGS))
DYNLIB_FLAGS := -DLIBGIT2_SONAME='"$(shell sh scripts/soname.sh libgit2 2>/dev/null)"' \
                -DMHD_SONAME='"$(shell sh scripts/soname.sh libmicrohttpd 2>/dev/null)"' \
                -DSQLITE_SONAME='"$(shell sh scripts/soname.sh sqlite3 2>/dev/null)"' \
                -DCURL_SONAME='"$(shell sh scripts/soname.sh libcurl 2>/dev/null)"'
