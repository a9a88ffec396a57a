#!/bin/sh
# The text checks can fail: each is run on a scratch tree holding one violation and must reject
# it, naming the file; and on the same tree without it, must pass.
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/firmware/labelstudio" "$scratch/firmware/json" "$scratch/hal" \
  "$scratch/platform" "$scratch/boards" "$scratch/tests"
printf '#include <cjson/cJSON.h>\n' >"$scratch/firmware/json/value.cpp"
printf '#include "firmware/core/status.h"\n' >"$scratch/firmware/labelstudio/client.cpp"

expect() {  # expect RC SCRIPT PATTERN
  output=$(sh "$here/$2" "$scratch" 2>&1)
  rc=$?
  if [ "$rc" -ne "$1" ] || ! printf '%s\n' "$output" | grep -q -- "$3"; then
    echo "$2 on the scratch tree: exit $rc (expected $1), output:"
    echo "$output"
    exit 1
  fi
}
expect 0 third_party_fenced.sh "stay in their rooms"
expect 0 no_relative_includes.sh "no relative includes"

printf '#include <cjson/cJSON.h>\n' >"$scratch/firmware/labelstudio/projects.cpp"
printf '#include "../json/value.h"\n' >"$scratch/firmware/labelstudio/import.cpp"
expect 1 third_party_fenced.sh "firmware/labelstudio/projects.cpp includes"
expect 1 no_relative_includes.sh "firmware/labelstudio/import.cpp"
echo "both checks reject a violation and accept the tree without it"
