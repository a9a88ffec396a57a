#!/usr/bin/env bash
# Task files with numbers beyond a double (1e400, -1E+999): refused locally by `spool add` and
# `import` with the byte offset and line, before anything is queued or sent (Python reads them
# as infinity, which Label Studio cannot store: a 500 on every resend). A number too small for a
# double (1e-400) is 0 to Python's json and to Label Studio: accepted, and stored as 0.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT

# NDJSON: the third task's number starts at byte 47 of line 3.
printf '{"data":{"n":1}}\n{"data":{"n":2}}\n{"data":{"n":-1E+999}}\n' >"$work/huge.ndjson"
# A JSON array: the number starts at byte 38 of line 2.
printf '[{"data":{"n":1.5}},\n {"data":{"x":[0,1e400]}}]\n' >"$work/huge.json"

# spool add: exit 2, the offset and line, nothing queued.
run_lsedge spool add --spool "$work/spool" "$work/huge.ndjson"
expect_rc 2
expect_err "a number too large for a double"
expect_err "in task 3 at byte 47 (line 3)"
if [ -d "$work/spool/queue" ]; then
  [ -z "$(ls -A "$work/spool/queue")" ] || fail "an invalid file left entries in the queue"
fi
run_lsedge --json spool add --spool "$work/spool" "$work/huge.json"
expect_rc 2
expect_err '"status":"task_file_invalid"'
expect_err "in task 2 at byte 38 (line 2)"

# import: exit 2, the offset and line, no import request reaches the server.
project=$(new_project "Task file numbers")
[ -n "$project" ] || fail "project ensure failed"
clear_request_log
for file in huge.ndjson huge.json; do
  run_lsedge import --project "$project" "$work/$file"
  expect_rc 2
  expect_err "a number too large for a double"
  [[ "$err" != *"server's answer"* ]] || fail "a local file's error was blamed on the server"
done
expect_err "at byte 38 (line 2)"
expect_err "huge.json"
[ "$(count_requests "/api/projects/[0-9]+/import")" -eq 0 ] || fail "an import request was sent"

# The largest double is fine; 1e-400 is 0 and fine, and the server stores 0.
printf '[{"data":{"big":1.7976931348623157e308,"tiny":1e-400}}]' >"$work/edge.json"
run_lsedge import --project "$project" "$work/edge.json"
expect_rc 0
expect_out "imported 1 task"
server_tasks "$project" "$work/server.json"
/usr/bin/python3 - "$work/server.json" <<'PY' || fail "the server does not hold the task as sent"
import json, sys
tasks = json.load(open(sys.argv[1]))
assert len(tasks) == 1, tasks
data = tasks[0]["data"]
assert data["tiny"] == 0 and data["big"] == 1.7976931348623157e308, data
PY
run_lsedge spool add --spool "$work/spool2" "$work/edge.json"
expect_rc 0
expect_out "queued 1 task"
echo PASS
