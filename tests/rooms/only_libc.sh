#!/bin/sh
# lsedge needs no shared library but the C library (and, on host presets, Debian's libcjson): not
# libstdc++, not libgcc_s, not libm (issue #14: they were 1.3 MiB of resident memory for four
# functions; platform/linux/cxx_runtime.cpp has them now). Reads the dynamic section: cross
# builds too.
# Usage: only_libc.sh READELF LSEDGE [ALSO_ALLOWED_SONAME...]
readelf=${1:?usage: only_libc.sh READELF LSEDGE [SONAME...]}
binary=${2:?usage: only_libc.sh READELF LSEDGE [SONAME...]}
shift 2
needed=$("$readelf" -d "$binary" | grep NEEDED) || { echo "cannot read $binary with $readelf"; exit 2; }
echo "$needed"
others=$(echo "$needed" | grep -v 'Shared library: \[libc\.so\.6\]')
for allowed in "$@"; do
  others=$(echo "$others" | grep -vF "Shared library: [$allowed]")
done
if [ -n "$others" ]; then
  echo "FAIL: $binary needs more than libc.so.6 $*"
  exit 1
fi
echo "$binary needs only libc.so.6 $*"
