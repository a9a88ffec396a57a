#!/usr/bin/env bash
# The main job, end to end on one machine: builds lsedge (host-release), starts the loopback
# Label Studio-compatible server (tests/server), shows who the device's Personal Access Token
# belongs to, prints a project title, and stops the server again.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset host-release >/dev/null
cmake --build --preset host-release --target lsedge >/dev/null
lsedge=$PWD/build/host-release/platform/linux/lsedge

state=$(mktemp -d "${TMPDIR:-/tmp}/lsedge-demo.XXXXXX")
cleanup() {
  tests/server/stop.sh "$state" >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT
echo "== starting the loopback Label Studio-compatible server"
tests/server/start.sh "$state" >/dev/null
# shellcheck disable=SC1091
. "$state/env"

export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL
LABEL_STUDIO_API_TOKEN=$(cat "$LSEDGE_TEST_PAT_FILE")
export LABEL_STUDIO_API_TOKEN

echo "== lsedge whoami  (Personal Access Token -> /api/token/refresh/ -> Bearer)"
"$lsedge" -v whoami
echo "== lsedge whoami --json"
"$lsedge" whoami --json
echo "== lsedge title \"Integration Test Task\" 6b5805c9-9b11-4cb5-bd73-2f373d26963c"
"$lsedge" title "Integration Test Task" 6b5805c9-9b11-4cb5-bd73-2f373d26963c
echo "== server requests (never a token):"
cat "$LSEDGE_TEST_REQUEST_LOG"
echo "== done; stopping the server"
