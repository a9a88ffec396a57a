#!/usr/bin/env bash
# Builds and runs every test: the host-debug preset (unit + integration against the loopback
# server), the host-asan preset (the unit tests and the integration tests labelled `asan` under
# AddressSanitizer + UndefinedBehaviorSanitizer: tests/integration/CMakeLists.txt says which and
# why), then the firmware presets' unit tests and zero-heap test (tests/zero_heap, against its own
# loopback server): firmware-host, and firmware-aarch64 / firmware-armhf cross-compiled and run
# under qemu-user (docs/firmware.md, docs/footprint.md).
# Usage: scripts/test.sh [PRESET...]
#        (default: host-debug host-asan firmware-host firmware-aarch64 firmware-armhf)
# A test that needs a privilege this machine does not give (a mount or network namespace, which
# containers and chroots refuse) is skipped, counted and listed with its reason;
# LSEDGE_IT_NO_SKIP=1 makes such a test fail instead (for CI, where everything must run).
#
# The presets are built one after another in the background at the lowest CPU priority
# (SCHED_IDLE, weighted below even nice 19, so it stays under niced tests too; else nice 19) while
# the tests run in the foreground: the next preset compiles while this one's tests wait on the
# loopback server, on their sleeps and on qemu, and the tests keep all the CPU they ask for
# (nothing in them is loosened for it). A build's output is in build/<preset>.build.log, printed
# when the build fails. LSEDGE_TEST_OVERLAP=0 builds each preset only after the tests before it.
set -uo pipefail
cd "$(dirname "$0")/.."

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(host-debug host-asan firmware-host firmware-aarch64 firmware-armhf)
jobs=$(nproc 2>/dev/null || echo 2)
overlap=${LSEDGE_TEST_OVERLAP:-1}

background=(chrt --idle 0)
"${background[@]}" true 2>/dev/null || background=(nice -n 19)

mkdir -p build
state=$(mktemp -d)
started_all=$SECONDS

# Writes $state/<preset>.built: "<exit code> <build seconds> <start, seconds into the run>".
build_all() {
  local preset previous="" started rc
  for preset in "${presets[@]}"; do
    if [ "$overlap" = 0 ] && [ -n "$previous" ]; then
      while [ ! -e "$state/${previous}.tested" ]; do sleep 1; done
    fi
    started=$SECONDS
    rc=0
    {
      echo "=== ${preset}: cmake --preset ${preset}"
      "${background[@]}" cmake --preset "$preset" &&
        echo "=== ${preset}: cmake --build --preset ${preset} -j ${jobs}" &&
        "${background[@]}" cmake --build --preset "$preset" -j "$jobs"
    } >"build/${preset}.build.log" 2>&1 || rc=1
    echo "$rc $((SECONDS - started)) $((started - started_all))" >"$state/${preset}.built"
    previous=$preset
  done
}
# Job control gives the builder its own process group, so an interrupted run stops all of it.
set -m
build_all &
builder=$!
set +m
trap 'kill -- -"$builder" 2>/dev/null; rm -rf "$state"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

total_passed=0
total_failed=0
total_skipped=0
status=0
times=()
for preset in "${presets[@]}"; do
  waited=$SECONDS
  echo "=== ${preset}: configure + build (build/${preset}.build.log)"
  while [ ! -e "$state/${preset}.built" ]; do
    if ! kill -0 "$builder" 2>/dev/null && [ ! -e "$state/${preset}.built" ]; then
      echo "the background build stopped before ${preset}"; exit 1
    fi
    sleep 1
  done
  read -r build_rc build_s build_at <"$state/${preset}.built"
  waited=$((SECONDS - waited))
  if [ "$build_rc" -ne 0 ]; then
    cat "build/${preset}.build.log"
    echo "configure or build of ${preset} failed (build/${preset}.build.log)"; status=1
    total_failed=$((total_failed + 1))
    times+=("$(printf '%-18s %7s %9s %7s' "$preset" "${build_s}" "+${build_at}" "failed")")
    touch "$state/${preset}.tested"
    continue
  fi
  echo "=== ${preset}: built in ${build_s} s (from +${build_at} s; ${waited} s waited for it here)"
  echo "=== ${preset}: ctest"
  started=$SECONDS
  log=$(mktemp)
  ctest --preset "$preset" -j "$jobs" 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  touch "$state/${preset}.tested"
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
  if [ -n "$line" ]; then
    failed=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
    all=$(echo "$line" | sed -E 's/.* failed out of ([0-9]+).*/\1/')
    # ctest counts a skipped test (exit 77: the machine lacks a privilege it needs) as passed.
    skipped=$(grep -cE '^[[:space:]]*[0-9]+ - .* \(Skipped\)$' "$log" || true)
    total_passed=$((total_passed + all - failed - skipped))
    total_failed=$((total_failed + failed))
    total_skipped=$((total_skipped + skipped))
    if [ "$skipped" -gt 0 ]; then
      echo "=== ${preset}: ${skipped} skipped, because:"
      # lib.sh's "SKIP: reason", or the line after googletest's "file:line: Skipped".
      awk '/^[0-9]+\/[0-9]+ Testing: /{name=$3} /^SKIP: /{print "  " name ": " substr($0, 7)}
           prev ~ /: Skipped$/ {print "  " name ": " $0} {prev=$0}' \
        "build/${preset}/Testing/Temporary/LastTest.log" 2>/dev/null || true
    fi
  else
    echo "ctest for ${preset} printed no summary"; status=1; total_failed=$((total_failed + 1))
  fi
  # ctest's "The following tests FAILED:" lines, kept for the end where CI's tail shows them.
  sed -n '/^The following tests FAILED:/,$p' "$log" | grep -E '^[[:space:]]+[0-9]+ - ' |
    sed "s/^[[:space:]]*/${preset}: /" >>"$state/failed" || true
  rm -f "$log"
  echo "=== ${preset}: ctest $((SECONDS - started)) s"
  times+=("$(printf '%-18s %7s %9s %7s' "$preset" "$build_s" "+${build_at}" "$((SECONDS - started))")")
done

echo
echo "=== seconds per preset (build: in the background from +start; then ctest), $((SECONDS - started_all)) s in all"
printf '%-18s %7s %9s %7s\n' preset build start ctest
printf '%s\n' "${times[@]}"
if [ -s "$state/failed" ]; then
  # The end of each failed test's output (ctest's LastTest.log), so a truncated CI log still says why.
  echo
  echo "=== failed tests"
  cat "$state/failed"
  while read -r preset _ _ name _; do
    preset=${preset%:}
    echo "--- ${preset}: ${name}: the last 40 lines of its output"
    awk -v t="$name" '$0 ~ /^[0-9]+\/[0-9]+ Testing: / {on = ($3 == t)} on' \
      "build/${preset}/Testing/Temporary/LastTest.log" 2>/dev/null | tail -n 40
  done <"$state/failed"
fi
echo
echo "${total_passed} passed, ${total_failed} failed, ${total_skipped} skipped"
exit $status
