#!/bin/sh
# Fails if a project source includes a header by a relative path with "..", which would reach a
# room its target does not link (cmake/Rooms.cmake only guards paths from the rooms' roots).
root=${1:?usage: no_relative_includes.sh SOURCE_ROOT}
cd "$root" || exit 2
found=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"][^>"]*\.\./' \
  firmware hal platform boards tests --include='*.h' --include='*.cpp' --include='*.c' || true)
if [ -n "$found" ]; then
  echo "relative includes step around the room graph; include by the room's path instead:"
  echo "$found"
  exit 1
fi
echo "no relative includes"
