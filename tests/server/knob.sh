#!/bin/bash
# Sets fault/behaviour knobs of a running test server (see README.md for names and values).
# Usage: knob.sh STATE_DIR NAME VALUE [NAME VALUE ...]
#   e.g. knob.sh "$sd" access_lifetime 3      knob.sh "$sd" fail "2 503 /api/token/refresh"
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
sd=${1:?usage: knob.sh STATE_DIR NAME VALUE [NAME VALUE ...]}
shift
[ $# -ge 2 ] || { echo "usage: knob.sh STATE_DIR NAME VALUE [NAME VALUE ...]" >&2; exit 2; }
[ -s "$sd/db.sqlite3" ] || { echo "knob.sh: $sd is not a test-server state dir" >&2; exit 1; }
cd "$here"
LSSERVER_STATE_DIR=$(cd "$sd" && pwd -P) exec /usr/bin/python3 "$here/manage.py" lstest knob "$@"
