#!/bin/sh
# Fails if any given static library references a wall-clock function. Firmware must take time
# from hal::MonotonicClock only: a gateway's date may be unset or jump with NTP.
# Usage: no_wall_clock.sh LIBRARY.a...   (NM may name a cross nm; default: nm)
set -u
NM=${NM:-nm}
if [ "$#" -eq 0 ]; then
  echo "usage: $0 LIBRARY.a..." >&2
  exit 2
fi

# Plain names, plus glibc's 64-bit time_t variants used on 32-bit targets (_TIME_BITS=64).
forbidden=" time gettimeofday clock_gettime localtime localtime_r gmtime gmtime_r mktime timegm
 timelocal ftime __time64 __gettimeofday64 __clock_gettime64 __localtime64 __localtime64_r
 __gmtime64 __gmtime64_r __mktime64 __timegm64 "

status=0
for library in "$@"; do
  if [ ! -f "$library" ]; then
    echo "no_wall_clock: $library is missing; build it first" >&2
    status=1
    continue
  fi
  # Undefined symbols, demangled, without symbol versions ("U clock_gettime@GLIBC_2.17").
  undefined=$("$NM" -C --undefined-only "$library" 2>/dev/null | sed -n 's/^ *[Uw] //p' |
              sed 's/@.*//') || {
    echo "no_wall_clock: $NM failed on $library" >&2
    status=1
    continue
  }
  found=$(printf '%s\n' "$undefined" | while IFS= read -r symbol; do
    case "$forbidden" in
      *" $symbol "*) echo "$symbol" ;;
    esac
    case "$symbol" in
      *system_clock::now*) echo "$symbol" ;;
    esac
  done | sort -u)
  if [ -n "$found" ]; then
    echo "no_wall_clock: $library uses the wall clock:" >&2
    printf '  %s\n' $found >&2
    status=1
  else
    echo "no_wall_clock: $library ok"
  fi
done
exit $status
