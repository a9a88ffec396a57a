#!/usr/bin/env bash
# The footprint of lsedge per board (issue #5): text/data/bss by component (lsedge, Mbed TLS,
# llhttp, cJSON, other) from the linker map, the stripped size, static RAM (data + bss), and from
# the zero-heap program (tests/zero_heap) against a loopback server this script starts and stops:
# heap calls, peak Mbed TLS pool and stack high-water per main path. Cross boards run under qemu.
# Markdown on stdout (docs/footprint.md holds a copy).
#
# Usage: scripts/footprint.sh [--no-run] [--summary FILE] [PRESET[=BUILD_DIR]...]
#   default presets: firmware-host firmware-aarch64 firmware-armhf (build dirs build/PRESET);
#   each is configured and built (lsedge, zero_heap) when needed.
#   --no-run   sizes only, no server, no zero-heap run
#   --summary  also write one KEY=VALUE line per board to FILE (bench/goals.sh reads it)
set -euo pipefail
cd "$(dirname "$0")/.."

run=1
summary=
presets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-run) run=0 ;;
    --summary) summary=$2; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) presets+=("$1") ;;
  esac
  shift
done
[ ${#presets[@]} -gt 0 ] || presets=(firmware-host firmware-aarch64 firmware-armhf)
[ -z "$summary" ] || : >"$summary"
jobs=$(nproc 2>/dev/null || echo 2)

state=
cleanup() {
  if [ -n "$state" ]; then
    tests/server/stop.sh "$state" >/dev/null 2>&1 || true
    rm -rf "$state"
  fi
}
trap cleanup EXIT

for spec in "${presets[@]}"; do
  preset=${spec%%=*}
  build=build/$preset
  [ "$spec" = "$preset" ] || build=${spec#*=}
  case "$preset" in
    *aarch64*) prefix=aarch64-linux-gnu-; emulator=(qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/lib) ;;
    *armhf*) prefix=arm-linux-gnueabihf-; emulator=(qemu-arm -L /usr/arm-linux-gnueabihf -E LD_LIBRARY_PATH=/lib) ;;
    *) prefix=; emulator=() ;;
  esac

  if [ ! -f "$build/build.ninja" ]; then
    if [ "$build" = "build/$preset" ]; then
      cmake --preset "$preset" >/dev/null
    else
      echo "$build is not configured" >&2; exit 2
    fi
  fi
  cmake --build "$build" -j "$jobs" --target lsedge zero_heap >/dev/null
  board=$(sed -n 's/^LSEDGE_BOARD:[A-Z]*=//p' "$build/CMakeCache.txt")
  # With link-time optimisation the map names LTO partitions, not archives: the components come
  # from a side build of the same preset without it (BUILD-parts, lsedge only).
  parts=$build
  lto=$(sed -n 's/^LSEDGE_LTO:BOOL=//p' "$build/CMakeCache.txt")
  if [ "$lto" = ON ]; then
    parts=$build-parts
    [ -f "$parts/build.ninja" ] || cmake --preset "$preset" -B "$parts" -DLSEDGE_LTO=OFF >/dev/null
    cmake --build "$parts" -j "$jobs" --target lsedge >/dev/null
  fi
  build=$(cd "$build" && pwd -P)  # absolute: the zero-heap program works in its own directory
  lsedge=$build/platform/linux/lsedge

  echo "## $preset (board $board)"
  echo
  [ "$lto" != ON ] ||
    echo "Components from the same objects linked without LTO (\`$parts\`):"$'\n'
  fp=$(/usr/bin/python3 scripts/footprint.py --map "$parts/lsedge.map" \
    --binary "$parts/platform/linux/lsedge" --tool-prefix "$prefix")
  grep -v '^FP ' <<<"$fp"
  read -r text data bss < <(${prefix}size "$lsedge" | awk 'NR==2 {print $1, $2, $3}')
  [ "$lto" != ON ] || echo $'\n'"The shipped \`lsedge\` (LTO): text $text, data $data, bss $bss"
  stripped_file=$(mktemp)
  ${prefix}strip -o "$stripped_file" "$lsedge"
  stripped=$(stat -c %s "$stripped_file")
  # Zeros between the code and data segments in the file: the data segment's file offset must
  # be congruent to its address modulo the max page size (ld's default 64 KiB on aarch64 and
  # armhf; the gateway toolchain files set 16 KiB / 4 KiB), so this moves between 0 and that
  # size as the code grows.
  padding=$(${prefix}readelf -lW "$stripped_file" | /usr/bin/python3 -c '
import sys
loads = [(int(f[1], 16), int(f[4], 16)) for f in (l.split() for l in sys.stdin) if f[:1] == ["LOAD"]]
print(sum(max(0, b[0] - (a[0] + a[1])) for a, b in zip(loads, loads[1:])))')
  rm -f "$stripped_file"
  # The board's pool size: its own override, else the default (boards/board_sizes.h).
  pool_text=$(sed -n 's/^#define LSEDGE_MBEDTLS_POOL_BYTES *//p' "boards/$board/board.h")
  [ -n "$pool_text" ] ||
    pool_text=$(sed -n 's/^#define LSEDGE_MBEDTLS_POOL_BYTES *//p' boards/board_sizes.h)
  pool=$(($(echo "$pool_text" | tr -d 'uUlL')))
  echo
  echo "- stripped \`lsedge\`: $stripped B, of which $padding B page-alignment padding"
  echo "- static RAM (data + bss): $((data + bss)) B ($(awk -v b=$((data + bss)) \
    'BEGIN {printf "%.1f", b / 1024}') KiB), of which the Mbed TLS pool $pool B"
  line="preset=$preset board=$board stripped=$stripped stripped_padding=$padding text=$text data=$data bss=$bss"
  line+=" static_ram=$((data + bss)) pool_size=$pool"

  if [ "$run" = 1 ]; then
    if [ -z "$state" ]; then
      state=$(mktemp -d "${TMPDIR:-/tmp}/lsedge-footprint.XXXXXX")
      tests/server/start.sh "$state" >/dev/null
    fi
    log=$(mktemp)
    started=$SECONDS
    set +e
    "${emulator[@]}" "$build/tests/zero_heap/zero_heap" --state "$state" --lsedge "$lsedge" \
      >"$log" 2>&1
    zh_rc=$?
    set -e
    seconds=$((SECONDS - started))
    echo "- zero-heap program: $([ "$zh_rc" = 0 ] && echo PASS || echo "FAIL (exit $zh_rc)")," \
      "${seconds} s$([ ${#emulator[@]} -gt 0 ] && echo " under ${emulator[0]}")"
    echo
    echo "| path: lsedge arguments | heap calls | TLS pool peak: requested / blocks / with headers | stack high-water | time |"
    echo "|---|---:|---:|---:|---:|"
    heap_total=0
    pool_peak=0
    max_stack=0
    while read -r _ fields; do
      declare -A f=()
      for kv in $fields; do f[${kv%%=*}]=${kv#*=}; done
      cmd=$(grep -E "^phase ${f[phase]} " "$log" | sed -E 's/.* lsedge //')
      echo "| ${f[phase]}: \`$cmd\` | ${f[heap]} | ${f[pool_peak]} / ${f[pool_blocks]} / ${f[pool_peak_with_headers]} B | ${f[stack]} B | ${f[seconds]} s |"
      heap_total=$((heap_total + f[heap]))
      [ "${f[pool_peak_with_headers]}" -le "$pool_peak" ] || pool_peak=${f[pool_peak_with_headers]}
      [ "${f[stack]}" -le "$max_stack" ] || max_stack=${f[stack]}
      unset f
    done < <(grep '^ZH phase=' "$log")
    if grep -q '^  heap call 1:' "$log"; then
      echo
      echo "Heap call sites (first ones):"
      echo
      echo '```'
      sed -n '/^  heap call [0-9]*:/,/^ZH /p' "$log" | grep -v '^ZH ' | sed -n '1,40p'
      echo '```'
    fi
    if grep -q 'problems:' "$log"; then
      echo
      grep -E '^phase |problems:' "$log" | grep -B1 'problems:' | grep -v '^--' | sed 's/^/    /'
    fi
    line+=" zero_heap_ok=$([ "$zh_rc" = 0 ] && echo 1 || echo 0) heap_calls=$heap_total"
    line+=" pool_peak=$pool_peak max_stack=$max_stack zero_heap_seconds=$seconds"
    rm -f "$log"
  fi
  echo
  [ -z "$summary" ] || echo "$line" >>"$summary"
done
