#!/bin/sh
# A "browser" that starts and never answers on its DevTools pipe.
exec sleep 120
