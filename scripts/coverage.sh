#!/usr/bin/env bash
# Line and branch coverage of the product code, per room, from the `coverage` preset (gcov):
#   scripts/coverage.sh [--integration] [--check] [--no-run]
# builds build/coverage, clears old counters, runs the unit tests (with --integration also the
# integration tests against the loopback server, which exercise the real binary), and prints one
# row per room (firmware/<room>, hal, platform/linux). Needs gcovr (Debian package `gcovr`).
# --no-run: report the counters as they are (after tests run by hand in build/coverage).
# --check: exit 1 unless branch coverage is at least 85 % on spool/ and platform/linux/ (issue #11).
# The HTML report is build/coverage/coverage/index.html. The preset counts with
# -fprofile-update=atomic: tests with threads otherwise leave racy counters that gcov cannot read.
set -euo pipefail
cd "$(dirname "$0")/.."
integration=0
check=0
run=1
for arg in "$@"; do
  case "$arg" in
    --integration) integration=1 ;;
    --check) check=1 ;;
    --no-run) run=0 ;;
    *) echo "usage: $0 [--integration] [--check] [--no-run]" >&2; exit 2 ;;
  esac
done
command -v gcovr >/dev/null || { echo "coverage: gcovr is not installed (apt-get install gcovr)" >&2; exit 2; }

build=build/coverage
if [ "$run" -eq 1 ]; then
  cmake --preset coverage >/dev/null
  cmake --build --preset coverage -j"${JOBS:-2}"
  find "$build" -name '*.gcda' -delete
  labels='unit'
  [ "$integration" -eq 1 ] && labels='unit|integration'
  # A failing test still leaves its counters; the figures are reported either way.
  ctest --test-dir "$build" -L "$labels" -LE slow -j"${JOBS:-2}" --output-on-failure \
    >"$build/coverage-ctest.log" 2>&1 ||
    echo "coverage: some tests failed (see $build/coverage-ctest.log); figures below are still measured"
fi

mkdir -p "$build/coverage"
# Product code only; gcc's branches for exception paths (there are none: -fno-exceptions) and the
# branches it marks unreachable are left out. A header is seen both at its path and through the
# rooms' include trees (build/<preset>/rooms/<library>/..., symlinks to it): the figures below
# merge them line by line at the real path.
gcovr --root . --object-directory "$build" \
  --filter 'firmware/' --filter 'hal/' --filter 'platform/linux/' \
  --exclude-unreachable-branches --exclude-throw-branches \
  --json "$build/coverage/coverage.json" \
  --html-details "$build/coverage/index.html" >"$build/coverage/gcovr.log" 2>&1 ||
  { cat "$build/coverage/gcovr.log" >&2; exit 1; }

/usr/bin/python3 - "$build/coverage/coverage.json" "$check" <<'PY'
import json, os, sys
data = json.load(open(sys.argv[1]))
check = sys.argv[2] == "1"
root = os.getcwd()
# real path -> line -> [covered, {branch index: covered}]
merged = {}
for f in data["files"]:
    real = os.path.relpath(os.path.realpath(os.path.join(root, f["file"])), root)
    if not real.startswith(("firmware/", "hal/", "platform/linux/")):
        continue
    lines = merged.setdefault(real, {})
    for line in f["lines"]:
        if line.get("gcovr/noncode"):
            continue
        entry = lines.setdefault(line["line_number"], [False, {}])
        entry[0] = entry[0] or line["count"] > 0
        for i, branch in enumerate(line.get("branches", [])):
            entry[1][i] = entry[1].get(i, False) or branch["count"] > 0
rooms = {}
for path, lines in merged.items():
    parts = path.split("/")
    room = "/".join(parts[:2]) if parts[0] in ("firmware", "platform") else parts[0]
    r = rooms.setdefault(room, [0, 0, 0, 0])
    for covered, branches in lines.values():
        r[0] += covered
        r[1] += 1
        r[2] += sum(branches.values())
        r[3] += len(branches)
pct = lambda a, b: 100.0 * a / b if b else 100.0
row = "%-22s %7.1f%% %6d/%-7d %7.1f%% %6d/%-7d"
print("%-22s %8s %14s %8s" % ("room", "lines", "", "branches"))
total = [0, 0, 0, 0]
for room in sorted(rooms):
    r = rooms[room]
    total = [t + x for t, x in zip(total, r)]
    print(row % (room, pct(r[0], r[1]), r[0], r[1], pct(r[2], r[3]), r[2], r[3]))
print(row % ("total", pct(total[0], total[1]), total[0], total[1], pct(total[2], total[3]), total[2], total[3]))
if check:
    short = [room for room in ("firmware/spool", "platform/linux")
             if room not in rooms or pct(rooms[room][2], rooms[room][3]) < 85.0]
    if short:
        print("coverage: branch coverage under 85 %% in %s" % ", ".join(short))
        sys.exit(1)
PY
