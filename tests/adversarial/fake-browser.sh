#!/bin/sh
# A "browser" that cannot start: it says why on stderr and exits 1, as a
# Chromium without its libraries or display would.
echo "fake-browser: error while loading shared libraries: libnss3.so: cannot open shared object file" >&2
exit 1
