#!/usr/bin/env bash
# lsedge import over TLS: a JSON array, an NDJSON file and a single object (counted on the
# server); 10,000 tasks in 64 KiB batches; an invalid file sends nothing.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
server_tasks() { admin tasks "$1" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
run_id=${work##*.}  # unique per run: a rerun against the same server gets new projects
new_project() {
  run_lsedge project ensure --title "$1 $run_id"
  expect_rc 0
  project=$out
}

new_project "Import formats"
printf '[{"data":{"image":"a.png"}},\n {"data":{"image":"b.png"}}, {"data":{"image":"c.png"}}]\n' \
  >"$work/array.json"
run_lsedge import --project "$project" "$work/array.json"
expect_rc 0
expect_out "imported 3 tasks in 1 request"
[ "$(server_tasks "$project")" -eq 3 ] || fail "array: expected 3 tasks on the server"
printf '{"data":{"text":"one"}}\n\n{"data":{"text":"two"}}\n{"data":{"text":"\\u00e9"}}\n{"data":{"text":"four"}}\n' \
  >"$work/tasks.ndjson"
run_lsedge --json import --project "$project" "$work/tasks.ndjson"
expect_rc 0
[ "$out" = '{"tasks":4,"requests":1}' ] || fail "ndjson: unexpected output $out"
[ "$(server_tasks "$project")" -eq 7 ] || fail "ndjson: expected 7 tasks on the server"
printf '{"data":{"image":"single.png"},"predictions":[]}' >"$work/one.json"
run_lsedge import --project "$project" "$work/one.json"
expect_rc 0
expect_out "imported 1 tasks"
[ "$(server_tasks "$project")" -eq 8 ] || fail "object: expected 8 tasks on the server"
grep -q '"single.png"' <<<"$(admin tasks "$project")" || fail "the single task's data is not on the server"
[ "$(printf '%s' "$err" | grep -cE '\[#|% [0-9]+/[0-9]+ tasks')" -eq 0 ] || fail "progress printed to a non-terminal"
# On a terminal (script(1) gives lsedge a pty) stderr shows the progress line.
if command -v script >/dev/null; then
  tty_out=$(script -qec "'$LSEDGE' import --project $project '$work/one.json'" /dev/null | tr '\r' '\n')
  grep -qF "[##############################] 100% 1/1 tasks, 1 requests" <<<"$tty_out" ||
    fail "no progress bar on a terminal"
  grep -qF "imported 1 tasks in 1 request" <<<"$tty_out" || fail "no result on a terminal"
  [ "$(server_tasks "$project")" -eq 9 ] || fail "terminal run: expected 9 tasks on the server"
fi

# 10,000 small tasks, batches of at most 64 KiB: all counted, several requests.
new_project "Import ten thousand"
/usr/bin/python3 -c '
import json
print(json.dumps([{"data": {"image": "https://example.com/img/%05d.jpg" % i, "n": i}} for i in range(10000)]))' \
  >"$work/big.json"
clear_request_log
run_lsedge --json import --project "$project" --batch-bytes 65536 "$work/big.json"
expect_rc 0
expect_out '"tasks":10000,'
requests=$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
[ "$requests" -gt 1 ] || fail "expected more than one request, got $requests"
[ "$(count_requests " POST /api/projects/$project/import 201 ")" -eq "$requests" ] ||
  fail "the server did not see $requests successful import requests"
[ "$(server_tasks "$project")" -eq 10000 ] || fail "expected 10000 tasks on the server"

# Invalid JSON (the error is in the last task): exit non-zero, byte offset, nothing sent.
new_project "Import invalid"
printf '[{"data":{"x":1}},\n{"data":{"x":2}},\n{"data":{"x":3},]\n' >"$work/bad.json"
clear_request_log
run_lsedge import --project "$project" "$work/bad.json"
[ "$rc" -ne 0 ] || fail "an invalid file was accepted"
expect_err "at byte 53 (line 3)"
expect_err "bad.json"
[ "$(count_requests ' /api/projects/[0-9]+/import ')" -eq 0 ] || fail "an invalid file sent a request"
[ "$(server_tasks "$project")" -eq 0 ] || fail "tasks of an invalid file reached the server"
# A task larger than the batch budget and a missing file: refused before sending as well.
run_lsedge import --project "$project" --batch-bytes 16 "$work/array.json"
[ "$rc" -ne 0 ] || fail "an oversized task was accepted"
run_lsedge import --project "$project" "$work/missing.json"
expect_rc 5
run_lsedge import --project x "$work/array.json"
expect_rc 2
run_lsedge import "$work/array.json"
expect_rc 2
[ "$(count_requests ' /api/projects/[0-9]+/import ')" -eq 0 ] || fail "a refused import sent a request"
[ "$(server_tasks "$project")" -eq 0 ] || fail "tasks reached the server"
echo PASS
