#!/usr/bin/env bash
# Spool backlog benchmark (issue #11 item 4): `lsedge run` drain rate and `spool add` rate at 1k,
# 10k and 100k queued entries against a local server that answers at once (bench/spool_server.py).
# A benchmark: prints a table, never fails on the goal (flat within 2x across the sizes).
# Usage: bench/spool_backlog.sh [--lsedge PATH] [spool_backlog.py options: --sizes 1000,10000
#        --seconds 20 --adds 100 --work DIR]
# Without --lsedge it builds the host-release preset's lsedge (cmake --preset host-release).
set -euo pipefail
cd "$(dirname "$0")/.."

lsedge=""
if [ "${1:-}" = "--lsedge" ]; then
  lsedge=$2
  shift 2
fi
if [ -z "$lsedge" ]; then
  [ -d build/host-release ] || cmake --preset host-release >/dev/null
  cmake --build --preset host-release --target lsedge -j2 >/dev/null
  lsedge=build/host-release/platform/linux/lsedge
fi
exec python3 bench/spool_backlog.py --lsedge "$lsedge" "$@"
