#!/bin/bash
# Test-only queries and actions on a test server's state.
# Usage: admin.sh STATE_DIR stats | tasks [PROJECT_ID] | imports [PROJECT_ID] | project-create TITLE LABEL_CONFIG_FILE
#                  | project-config PROJECT_ID LABEL_CONFIG_FILE
#                  | reset | new-pat [LIFETIME_SECONDS] | clear-log
#   stats      JSON: tasks, projects, file_uploads, requests, refreshes, refresh_requests, tokens, switches, knobs
#   tasks      JSON list of stored tasks (id, project, data, annotation/prediction counts, file_upload,
#              file_upload_name, prediction_list)
#   imports    JSON list of asynchronous imports (id, project, status, error, task_count)
#   project-create  create a project with that title and label config (file); prints its id
#   project-config  replace project PROJECT_ID's label config with the file's (as the UI does)
#   reset      clear the fault knobs and restore the behaviour knobs (copy_iat, async_import, ..., body_limit)
#   new-pat    print a new PAT (full JWT) for the test user; pat.txt is left unchanged
#   clear-log  truncate requests.log
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
sd=${1:?usage: admin.sh STATE_DIR stats|tasks [PROJECT]|imports [PROJECT]|project-create TITLE FILE|reset|new-pat [SECONDS]|clear-log}
shift
[ $# -ge 1 ] || { echo "usage: admin.sh STATE_DIR stats|tasks [PROJECT]|imports [PROJECT]|project-create TITLE FILE|reset|new-pat [SECONDS]|clear-log" >&2; exit 2; }
[ -s "$sd/db.sqlite3" ] || { echo "admin.sh: $sd is not a test-server state dir" >&2; exit 1; }
if { [ "$1" = project-create ] || [ "$1" = project-config ]; } && [ $# -ge 3 ] && [ -e "$3" ]; then
    # The command runs from the server's directory: make the label config path absolute first.
    set -- "$1" "$2" "$(cd "$(dirname "$3")" && pwd -P)/$(basename "$3")" "${@:4}"
fi
cd "$here"
LSSERVER_STATE_DIR=$(cd "$sd" && pwd -P) exec /usr/bin/python3 "$here/manage.py" lstest "$@"
