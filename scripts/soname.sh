#!/bin/sh
# soname.sh MODULE: the soname of the shared library of pkg-config module
# MODULE, which src/lib/dynlib.c opens at first use (scripts/libs.mk).
set -u
lib=$(pkg-config --libs-only-l "$1" | tr ' ' '\n' | sed -n 's/^-l//p' | head -n 1)
dir=$(pkg-config --variable=libdir "$1")
[ -n "$lib" ] && [ -n "$dir" ] || exit 1
readelf -d "$dir/lib$lib.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p'
