#!/usr/bin/env bash
# lsedge run behind a proxy with a body limit (nginx client_max_body_size 64 KiB answering 413
# with its HTML page): 200 KB entries are split in halves until they fit, nothing is rejected and
# every task lands exactly once, and one warning names a --batch-bytes that fits; a single task
# larger than the limit goes to rejected/ alone, with a reason that names the proxy's limit.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
project=$(new_project "Run proxy limit")
import_path="/api/projects/$project/import"
spool=$work/spool
mkdir "$spool"
# padded_tasks FILE FROM COUNT PAD: tasks of about PAD bytes each.
padded_tasks() {
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
path, first, count, pad = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
json.dump([{"data": {"id": i, "tag": "limit", "pad": "q" * pad}} for i in range(first, first + count)], open(path, "w"))
PY
}
task_count() { /usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$1"; }

knob body_limit 65536
# 1. Three entries of ~200 KB (200 tasks of ~1 KB each).
padded_tasks "$work/t1.json" 0 600 960
run_lsedge spool add --spool "$spool" --batch-bytes 204800 "$work/t1.json"
expect_rc 0
entries=$(find "$spool/queue" -name '*.json' | wc -l)
[ "$entries" -eq 3 ] || fail "expected 3 entries of 200 KB, got $entries"
spool_check snapshot "$spool" "$work/snapshot.json"
clear_request_log
run_lsedge --json run --spool "$spool" --project "$project" --once --retry-cap-ms 100
expect_rc 0
expect_out '"event":"split","entry":'
expect_out '"cause":"too_large","http_status":413'
expect_out '"rejected_entries":0'
grep -q '"event":"retry"' <<<"$out" && fail "a 413 was retried as is"
[ "$(grep -c '"event":"batch_bytes_hint"' <<<"$out")" -eq 1 ] || fail "not exactly one batch-bytes warning"
suggested=$(sed -nE 's/.*"event":"batch_bytes_hint".*"suggested_batch_bytes":([0-9]+).*/\1/p' <<<"$out")
[ "$suggested" -le 65536 ] && [ "$suggested" -ge 4 ] || fail "suggested --batch-bytes $suggested does not fit 65536"
# nginx answers 413 itself (the request never reaches Label Studio's log): each split is one.
refused=$(grep -c '"event":"split"' <<<"$out")
stored=$(count_requests " $import_path 201 ")
echo "figure: 3 entries of 200 KB behind a 64 KiB limit: $((refused + stored)) import requests ($refused answered 413); suggested --batch-bytes $suggested"
[ "$stored" -eq 12 ] || fail "expected 12 parts of 50 KB stored, got $stored"
[ -z "$(ls "$spool/rejected")" ] || fail "something was rejected"
[ -z "$(ls "$spool/queue")" ] || fail "the queue is not empty"
server_tasks "$project" "$work/server.json"
[ "$(task_count "$work/server.json")" -eq 600 ] || fail "expected exactly 600 tasks on the server"
spool_check verify "$work/snapshot.json" "$work/server.json" "$work/stderr" || fail "tasks lost"

# The suggestion works: the same tasks added with it go through without a 413.
run_lsedge spool add --spool "$spool" --batch-bytes "$suggested" "$work/t1.json"
expect_rc 0
run_lsedge --json run --spool "$spool" --project "$project" --once --retry-cap-ms 100
expect_rc 0
grep -q '"event":"split"' <<<"$out" && fail "the suggested --batch-bytes still gets 413"
expect_out '"rejected_entries":0'
admin reset >/dev/null
knob body_limit 65536

# 2. One task larger than the limit among small ones: only it is rejected, with the proxy's
# limit named; the warning is printed for people.
/usr/bin/python3 - "$work/t2.json" <<'PY'
import json, sys
tasks = [{"data": {"id": 10000 + i, "tag": "big", "pad": "r" * 200}} for i in range(12)]
tasks[5]["data"]["pad"] = "R" * 80000
json.dump(tasks, open(sys.argv[1], "w"))
PY
run_lsedge spool add --spool "$spool" "$work/t2.json"
expect_rc 0
run_lsedge run --spool "$spool" --project "$project" --once --retry-cap-ms 100
expect_rc 5
expect_err "client_max_body_size"
expect_err "--batch-bytes"
expect_out "rejected 1"
[ "$(find "$spool/rejected" -name '*.json' | wc -l)" -eq 1 ] || fail "expected exactly one rejected entry"
rejected_file=$(find "$spool/rejected" -name '*.json')
[ "$(task_count "$rejected_file")" -eq 1 ] || fail "the rejected entry holds more than the big task"
grep -q '"id": 10005\|"id":10005' "$rejected_file" || fail "the rejected task is not the big one"
grep -q "client_max_body_size" "${rejected_file%.json}.reason.txt" || fail "the reason does not name the proxy limit"
server_tasks "$project" "$work/server2.json"
[ "$(grep -o '"tag": "big"' "$work/server2.json" | wc -l)" -eq 11 ] || fail "expected the 11 small tasks on the server"
[ -z "$(ls "$spool/queue")" ] || fail "the queue is not empty"
echo PASS
