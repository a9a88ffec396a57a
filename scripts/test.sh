#!/usr/bin/env bash
# Builds and runs every test: the host-debug preset (unit + integration against the loopback
# server), the host-asan preset (the same under AddressSanitizer + UndefinedBehaviorSanitizer),
# then the firmware presets' unit tests and zero-heap test (tests/zero_heap, against its own
# loopback server): firmware-host, and firmware-aarch64 / firmware-armhf cross-compiled and run
# under qemu-user (docs/firmware.md, docs/footprint.md).
# Usage: scripts/test.sh [PRESET...]
#        (default: host-debug host-asan firmware-host firmware-aarch64 firmware-armhf)
# A test that needs a privilege this machine does not give (a mount or network namespace, which
# containers and chroots refuse) is skipped, counted and listed with its reason;
# LSEDGE_IT_NO_SKIP=1 makes such a test fail instead (for CI, where everything must run).
set -uo pipefail
cd "$(dirname "$0")/.."

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(host-debug host-asan firmware-host firmware-aarch64 firmware-armhf)
jobs=$(nproc 2>/dev/null || echo 2)

total_passed=0
total_failed=0
total_skipped=0
status=0
for preset in "${presets[@]}"; do
  started=$SECONDS
  echo "=== ${preset}: configure + build"
  if ! cmake --preset "$preset" >"build-${preset}.configure.log" 2>&1; then
    cat "build-${preset}.configure.log"; echo "configure of ${preset} failed"; status=1
    total_failed=$((total_failed + 1)); continue
  fi
  rm -f "build-${preset}.configure.log"
  if ! cmake --build --preset "$preset" -j "$jobs"; then
    echo "build of ${preset} failed"; status=1; total_failed=$((total_failed + 1)); continue
  fi
  echo "=== ${preset}: ctest"
  log=$(mktemp)
  ctest --preset "$preset" -j "$jobs" 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
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
  rm -f "$log"
  echo "=== ${preset}: $((SECONDS - started)) s"
done

echo
echo "${total_passed} passed, ${total_failed} failed, ${total_skipped} skipped"
exit $status
