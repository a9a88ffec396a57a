#!/bin/bash
# Stops the test server of STATE_DIR: only the gunicorn and nginx masters named in STATE_DIR's pid files (checked to
# be ours), waits for them and their workers to exit. STATE_DIR itself is kept (delete it yourself).
# Usage: stop.sh STATE_DIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
sd=${1:?usage: stop.sh STATE_DIR}
[ -d "$sd" ] || { echo "stop.sh: no such directory: $sd" >&2; exit 1; }
exec /usr/bin/python3 "$here/lsctl.py" stop "$(cd "$sd" && pwd -P)"
