#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`: clang, ASan + UBSan) and runs each for a while from
# its seed corpus (tests/fuzz/corpus/<target>/), a few at a time. Fails when any target reports a
# crash, a leak, undefined behaviour, a timeout or running out of memory: the input that did it
# is kept in build/fuzz/findings/<target>/ and the report's end is printed. docs/fuzzing.md.
# Usage: scripts/fuzz.sh [-t SECONDS] [-j PARALLEL] [TARGET...]
#   -t  seconds per target (default 20, or $LSEDGE_FUZZ_SECONDS; docs/fuzzing.md: why 20)
#   -j  targets run at once (default 2, or $LSEDGE_FUZZ_JOBS)
#   TARGET: a name of tests/fuzz/<name>.cpp (default: all of them)
# New inputs found are kept in build/fuzz/corpus/<target>/ (not the committed seeds), so a later
# run goes on from there.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${LSEDGE_FUZZ_SECONDS:-20}
jobs=${LSEDGE_FUZZ_JOBS:-2}
while getopts "t:j:h" option; do
  case $option in
    t) seconds=$OPTARG ;;
    j) jobs=$OPTARG ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for source in tests/fuzz/*.cpp; do
    targets+=("$(basename "$source" .cpp)")
  done
fi
for target in "${targets[@]}"; do
  if [ ! -f "tests/fuzz/${target}.cpp" ]; then
    echo "fuzz: no target ${target} (tests/fuzz/${target}.cpp)"; exit 2
  fi
done

build=build/fuzz
started=$SECONDS
echo "=== fuzz: configure + build (${#targets[@]} targets)"
mkdir -p build
if ! cmake --preset fuzz >"${build}.configure.log" 2>&1; then
  cat "${build}.configure.log"; echo "fuzz: configure failed (clang installed? scripts/setup.sh)"
  exit 1
fi
rm -f "${build}.configure.log"
if ! cmake --build --preset fuzz -j "$jobs" --target "${targets[@]/#/fuzz_}"; then
  echo "fuzz: build failed"; exit 1
fi
echo "=== fuzz: build $((SECONDS - started)) s; ${seconds} s per target, ${jobs} at a time"

# Leaks count as findings; a report stops the run (libFuzzer keeps the input).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_target() {
  local target=$1
  local work="${build}/corpus/${target}" findings="${build}/findings/${target}"
  mkdir -p "$work" "$findings"
  "${build}/tests/fuzz/fuzz_${target}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=8192 -print_final_stats=1 -artifact_prefix="${findings}/" \
    "$work" "tests/fuzz/corpus/${target}" >"${build}/logs/${target}.log" 2>&1
  echo $? >"${build}/logs/${target}.rc"
}

rm -rf "${build}/logs"
mkdir -p "${build}/logs"
fuzz_started=$SECONDS
running=0
for target in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
  run_target "$target" &
  running=$((running + 1))
done
wait

status=0
printf '%-18s %10s %10s %8s  %s\n' target runs exec/s corpus result
for target in "${targets[@]}"; do
  log="${build}/logs/${target}.log"
  rc=$(cat "${build}/logs/${target}.rc" 2>/dev/null || echo 1)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  corpus=$(find "${build}/corpus/${target}" -type f | wc -l)
  result=ok
  if [ "$rc" -ne 0 ] || grep -qE '^(==[0-9]+==ERROR|SUMMARY: )|runtime error:|fuzz check failed' "$log"; then
    result="FINDING (exit ${rc}; ${log})"
    status=1
  fi
  printf '%-18s %10s %10s %8s  %s\n' "$target" "${runs:-?}" "${rate:-?}" "$corpus" "$result"
done
for target in "${targets[@]}"; do
  log="${build}/logs/${target}.log"
  rc=$(cat "${build}/logs/${target}.rc" 2>/dev/null || echo 1)
  if [ "$rc" -ne 0 ]; then
    echo
    echo "=== ${target}: exit ${rc}; kept input(s):"
    ls "${build}/findings/${target}/" 2>/dev/null | sed "s|^|  ${build}/findings/${target}/|"
    grep -vE '^(#[0-9]+|INFO:|MS:|base unit:|0x|\\x)' "$log" | tail -n 40
  fi
done
echo "=== fuzz: $((SECONDS - fuzz_started)) s fuzzing, $((SECONDS - started)) s in all"
exit $status
