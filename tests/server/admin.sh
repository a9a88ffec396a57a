#!/bin/bash
# Test-only queries and actions on a test server's state.
# Usage: admin.sh STATE_DIR stats | tasks [PROJECT_ID] | reset | new-pat [LIFETIME_SECONDS] | clear-log
#   stats      JSON: tasks, projects, file_uploads, requests, refreshes, refresh_requests, tokens, switches, knobs
#   tasks      JSON list of stored tasks (id, project, data, annotation/prediction counts, file_upload)
#   reset      clear the fault knobs (fail, fail_after, delay, drop, retry_after)
#   new-pat    print a new PAT (full JWT) for the test user; pat.txt is left unchanged
#   clear-log  truncate requests.log
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
sd=${1:?usage: admin.sh STATE_DIR stats|tasks [PROJECT]|reset|new-pat [SECONDS]|clear-log}
shift
[ $# -ge 1 ] || { echo "usage: admin.sh STATE_DIR stats|tasks [PROJECT]|reset|new-pat [SECONDS]|clear-log" >&2; exit 2; }
[ -s "$sd/db.sqlite3" ] || { echo "admin.sh: $sd is not a test-server state dir" >&2; exit 1; }
cd "$here"
LSSERVER_STATE_DIR=$(cd "$sd" && pwd -P) exec /usr/bin/python3 "$here/manage.py" lstest "$@"
