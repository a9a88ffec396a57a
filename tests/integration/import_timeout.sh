#!/usr/bin/env bash
# The import timeout: an import the server takes longer to answer than the ordinary request
# timeout (60 s) but shorter than the import timeout (default 300 s) succeeds with one request, no
# resend; a too-short LSEDGE_IMPORT_TIMEOUT_S gives a timeout error saying the outcome is unknown.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
run_id=${work##*.}
task_count() { admin tasks "$1" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

run_lsedge project ensure --title "Import timeout $run_id"
expect_rc 0
project=$out
make_tasks "$work/tasks.json" 1 20 slow

# 62 s before the server answers the one import request: past LSEDGE_REQUEST_TIMEOUT_MS.
knob delay "62000 1 /api/projects/$project/import"
clear_request_log
started=$(date +%s)
run_lsedge import --project "$project" "$work/tasks.json"
elapsed=$(($(date +%s) - started))
expect_rc 0
expect_out "imported 20 tasks in 1 request"
[ "$elapsed" -ge 60 ] || fail "the import returned after ${elapsed} s: the delay did not apply"
[ "$(count_requests " POST /api/projects/$project/import ")" -eq 1 ] || fail "the import was sent more than once"
[ "$(task_count "$project")" -eq 20 ] || fail "expected 20 tasks on the server"

# LSEDGE_IMPORT_TIMEOUT_S=2 against a 6 s delay: a timeout error that says the outcome is unknown.
knob delay "6000 1 /api/projects/$project/import"
clear_request_log
started=$(date +%s)
LSEDGE_IMPORT_TIMEOUT_S=2 run_lsedge import --project "$project" "$work/tasks.json"
elapsed=$(($(date +%s) - started))
expect_rc 4
expect_err "no answer within 2 s (LSEDGE_IMPORT_TIMEOUT_S)"
expect_err "the outcome is unknown"
[ "$elapsed" -le 5 ] || fail "the 2 s import timeout took ${elapsed} s"
[ "$(count_requests " POST /api/projects/$project/import ")" -le 1 ] || fail "a timed-out import was resent"
# --import-timeout-s wins over the environment, and a bad value is a configuration error.
LSEDGE_IMPORT_TIMEOUT_S=2 run_lsedge import --project "$project" --import-timeout-s 0 "$work/tasks.json"
expect_rc 2
expect_err "--import-timeout-s: must be a whole number of seconds from 1 to 86400"
sleep 5  # let the server finish the abandoned request before the knobs are reset
