#!/usr/bin/env bash
# The complexity gate: runs clang-tidy (checks from .clang-tidy: cognitive complexity <= 25) over
# every product source (firmware/, platform/) with the build's compile database, headers of
# firmware/, hal/ and platform/ included. Prints each function over the limit; exits 1 if any.
# Usage: scripts/check-complexity.sh BUILD_DIR   (a host preset's build: compile_commands.json)
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: check-complexity.sh BUILD_DIR}
tidy=${CLANG_TIDY:-clang-tidy}  # may carry extra arguments
if [ ! -f "$build/compile_commands.json" ]; then
  echo "check-complexity: $build/compile_commands.json not found; configure a host preset first"
  exit 2
fi
mapfile -t sources < <(git ls-files 'firmware/*.cpp' 'platform/*.cpp' 2>/dev/null ||
  find firmware platform -name '*.cpp')
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Rooms are included through build/<preset>/rooms/<room>/firmware/<room> links: match by path tail.
printf '%s\n' "${sources[@]}" |
  xargs -P "$(nproc 2>/dev/null || echo 2)" -n 8 $tidy -p "$build" --quiet \
    --header-filter='.*/(firmware|hal|platform)/.*' >"$log" 2>&1
over=$(grep -E '(warning|error): function .* has cognitive complexity' "$log" | sort -u)
errors=$(grep -E ': error: ' "$log" | grep -v 'cognitive complexity' | sort -u)
if [ -n "$errors" ]; then
  echo "check-complexity: clang-tidy could not compile some sources:"
  echo "$errors"
  exit 1
fi
if [ -n "$over" ]; then
  echo "check-complexity: functions above cognitive complexity 25 (split them):"
  echo "$over" | sed -E "s|^$PWD/||; s| \[readability-function-cognitive-complexity.*||"
  exit 1
fi
echo "check-complexity: ${#sources[@]} sources, no function above cognitive complexity 25"
