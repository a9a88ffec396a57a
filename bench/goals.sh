#!/usr/bin/env bash
# Where lsedge stands against issue #5's goals (a benchmark: prints, never fails on a goal):
#   stripped aarch64 lsedge <= 400 KB; static RAM including pools <= 96 KiB; zero heap calls
#   after start-up; peak Mbed TLS pool <= 48 KiB against the loopback server.
# Runs scripts/footprint.sh (build, sizes, zero-heap program under qemu for cross boards).
# Usage: bench/goals.sh [PRESET[=BUILD_DIR]...]   (default: the three firmware presets)
#        bench/goals.sh --from SUMMARY_FILE       (goals only, from an earlier footprint run)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--from" ]; then
  summary=$2
else
  summary=$(mktemp)
  report=$(mktemp)
  trap 'rm -f "$summary" "$report"' EXIT
  if ! scripts/footprint.sh --summary "$summary" "$@" >"$report"; then
    cat "$report"
    echo "footprint.sh failed" >&2
    exit 1
  fi
  cat "$report"
fi

# verdict VALUE GOAL: met when VALUE <= GOAL.
verdict() { if [ "$1" -le "$2" ]; then echo met; else echo "over by $(($1 - $2))"; fi; }

echo "## Goals"
echo
echo "| goal | board | value | goal | status |"
echo "|---|---|---:|---:|---|"
while read -r line; do
  declare -A v=()
  for kv in $line; do v[${kv%%=*}]=${kv#*=}; done
  board=${v[board]}
  # The host board is a development build (1 MiB pool for the system CA bundle): sizes are
  # listed for reference, the RAM goals apply to the gateway boards.
  gateway=1
  [ "$board" != host ] || gateway=0
  if [ "$board" = aarch64-gateway ]; then
    pad=""
    [ "${v[stripped_padding]:-0}" = 0 ] || pad=" (${v[stripped_padding]} B of it page-alignment padding)"
    echo "| stripped lsedge <= 400 KB | $board | ${v[stripped]} B$pad | 400000 B | $(verdict "${v[stripped]}" 400000) |"
  fi
  if [ "$gateway" = 1 ]; then
    echo "| static RAM (data + bss, pools included) <= 96 KiB | $board | ${v[static_ram]} B | 98304 B | $(verdict "${v[static_ram]}" 98304) |"
  else
    echo "| static RAM (data + bss) | $board | ${v[static_ram]} B | - | not a gateway board |"
  fi
  if [ -n "${v[heap_calls]:-}" ]; then
    echo "| zero heap calls after start-up | $board | ${v[heap_calls]} | 0 | $(verdict "${v[heap_calls]}" 0) |"
    echo "| peak Mbed TLS pool (with block headers) <= 48 KiB | $board | ${v[pool_peak]} B | 49152 B | $(verdict "${v[pool_peak]}" 49152) |"
  fi
  unset v
done <"$summary"
