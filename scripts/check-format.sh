#!/usr/bin/env bash
# Fails when a tracked C++ file is not formatted by clang-format (.clang-format at the root).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.h' '*.cpp' 2>/dev/null || find firmware hal platform boards tests bench -name '*.h' -o -name '*.cpp')
if [ ${#files[@]} -eq 0 ]; then
  echo "check-format: no files"; exit 1
fi
clang-format --dry-run --Werror "${files[@]}"
echo "check-format: ${#files[@]} files formatted"
