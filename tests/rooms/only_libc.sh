#!/bin/sh
# The shipped lsedge (firmware presets) needs no shared library but the C library: not libstdc++,
# not libgcc_s, not libm (issue #14: they were 1.3 MiB of resident memory for four functions;
# platform/linux/cxx_runtime.cpp has them now). Reads the dynamic section: cross builds too.
# Usage: only_libc.sh READELF LSEDGE
readelf=${1:?usage: only_libc.sh READELF LSEDGE}
binary=${2:?usage: only_libc.sh READELF LSEDGE}
needed=$("$readelf" -d "$binary" | grep NEEDED) || { echo "cannot read $binary with $readelf"; exit 2; }
echo "$needed"
others=$(echo "$needed" | grep -v 'Shared library: \[libc\.so\.6\]')
if [ -n "$others" ]; then
  echo "FAIL: $binary needs more than libc.so.6"
  exit 1
fi
echo "$binary needs only libc.so.6"
