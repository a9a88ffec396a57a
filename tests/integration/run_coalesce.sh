#!/usr/bin/env bash
# One request for many small entries (issue #13): 200 single-task adds (a capture app's task per
# frame) go up in a handful of import requests, in order; a batch the server refuses (400) is
# sent again entry by entry, so each entry gets its own answer and nothing is rejected for
# another's fault; a proxy's 413 makes the batches smaller; Enterprise's asynchronous import of a
# batch is polled and confirmed whole; kill -9 rounds lose nothing and duplicate only entries
# logged as resent.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
spool=$work/spool
mkdir "$spool"

# add_singles FROM COUNT TAG: COUNT adds of one task each (one group per add).
add_singles() {
  local i
  for ((i = $1; i < $1 + $2; i++)); do
    printf '{"data":{"id":%d,"tag":"%s","text":"frame %d"}}\n' "$i" "$3" "$i" >"$work/one.json"
    "$LSEDGE" spool add --spool "$spool" "$work/one.json" >/dev/null 2>"$work/add.err" ||
      fail "spool add of task $i: $(cat "$work/add.err")"
  done
}
# add_groups FROM COUNT TAG: adds of 25 tasks, one task per entry (--batch-bytes below two
# tasks): entries in few processes, batches that start and end inside groups.
add_groups() {
  local first
  for ((first = $1; first < $1 + $2; first += 25)); do
    make_tasks "$work/group.json" "$first" 25 "$3"
    "$LSEDGE" spool add --spool "$spool" --batch-bytes 80 "$work/group.json" >/dev/null \
      2>"$work/add.err" || fail "spool add of tasks $first..: $(cat "$work/add.err")"
  done
}
# in_order SERVER_JSON COUNT: COUNT tasks, stored in the order of their ids.
in_order() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
tasks = sorted(json.load(open(sys.argv[1])), key=lambda t: t["id"])
ids = [t["data"]["id"] for t in tasks]
sys.exit(0 if ids == sorted(ids) and len(ids) == int(sys.argv[2]) else 1)
PY
}

# 1. 200 single-task adds: a handful of requests.
project=$(new_project "Coalesce")
import_path="/api/projects/$project/import"
add_singles 0 200 frame
spool_check snapshot "$spool" "$work/snapshot.json"
clear_request_log
run_lsedge --json run --spool "$spool" --project "$project" --once
expect_rc 0
requests=$(count_requests " $import_path ")
echo "200 single-task adds went up in $requests import requests"
[ "$requests" -le 5 ] || fail "200 single-task adds took $requests requests, not a handful"
expect_out "\"sent_entries\":200,\"sent_tasks\":200,\"sent_requests\":$requests,"
server_tasks "$project" "$work/server.json"
spool_check verify "$work/snapshot.json" "$work/server.json" "$work/stderr" || fail "tasks lost"
in_order "$work/server.json" 200 || fail "the tasks did not arrive in queue order"
[ -z "$(ls "$spool/queue")" ] || fail "groups left in the queue"

# 2. The server refuses the first batch (400): its entries are sent one by one, every task
# lands, nothing is rejected, and batching resumes after them.
project=$(new_project "Coalesce refused")
import_path="/api/projects/$project/import"
add_groups 1000 100 refused
spool_check snapshot "$spool" "$work/snapshot2.json"
knob fail "1 400 $import_path"
clear_request_log
run_lsedge --json run --spool "$spool" --project "$project" --once
expect_rc 0
grep -qE '[0-9]+ entries sent as one request \(.*\): the server answered HTTP 400 \([a-z_]+\); sending them one by one' <<<"$err" ||
  fail "the refused batch was not announced"
expect_out '"rejected_entries":0'
alone=$(grep -c '"event":"sent","entry":"[0-9/.a-z-]*","tasks":1,"imported"' <<<"$out" || true)
batched=$(grep -c '"event":"sent".*"entries":' <<<"$out" || true)
echo "after the refused batch: $alone entries sent alone, then $batched batches"
[ "$alone" -ge 2 ] && [ "$batched" -ge 1 ] || fail "expected entries alone, then batches again"
server_tasks "$project" "$work/server.json"
spool_check verify "$work/snapshot2.json" "$work/server.json" "$work/stderr" || fail "tasks lost"
in_order "$work/server.json" 100 || fail "the tasks did not arrive in queue order"
admin reset >/dev/null

# 3. A proxy that takes at most 2 KiB (413 with nginx's page): smaller batches, nothing split
# or rejected, every task once.
project=$(new_project "Coalesce proxy")
import_path="/api/projects/$project/import"
add_groups 2000 100 proxy
spool_check snapshot "$spool" "$work/snapshot3.json"
knob body_limit 2048
run_lsedge --json run --spool "$spool" --project "$project" --once --retry-cap-ms 100
expect_rc 0
expect_err "(HTTP 413); sending at most"
expect_out '"rejected_entries":0'
grep -q '"event":"split"' <<<"$out" && fail "a batch's 413 split an entry"
server_tasks "$project" "$work/server.json"
spool_check verify "$work/snapshot3.json" "$work/server.json" "$work/stderr" || fail "tasks lost"
in_order "$work/server.json" 100 || fail "the tasks did not arrive in queue order"
admin reset >/dev/null

# 4. Label Studio Enterprise queues the import of a batch (25 entries): polled, then confirmed
# whole.
project=$(new_project "Coalesce async")
import_path="/api/projects/$project/import"
add_groups 3000 25 async
spool_check snapshot "$spool" "$work/snapshot4.json"
knob async_import on async_import_delay_ms 300
clear_request_log
run_lsedge --json run --spool "$spool" --project "$project" --once
expect_rc 0
expect_out '"event":"import_queued"'
expect_out '"sent_entries":25,"sent_tasks":25,"sent_requests":1,'
[ "$(count_requests "POST $import_path")" -eq 1 ] || fail "the batch was not one queued import"
server_tasks "$project" "$work/server.json"
spool_check verify "$work/snapshot4.json" "$work/server.json" "$work/stderr" || fail "tasks lost"
admin reset >/dev/null

# 5. kill -9 at random moments while imports are slowed, more adds between rounds, then a drain:
# every task on the server, a duplicate only of an entry logged as resent (alone or in a batch).
project=$(new_project "Coalesce kill")
import_path="/api/projects/$project/import"
add_groups 10000 150 kill
spool_check snapshot "$spool" "$work/snapshot5.json"
knob delay "150 0 $import_path"
kill_rounds "$spool" "$project" 12 777
mv "$work/logs" "$work/logs-first"
add_groups 20000 50 kill-late
spool_check snapshot "$spool" "$work/snapshot5.json"
kill_rounds "$spool" "$project" 8 778
admin reset >/dev/null
run_lsedge run --spool "$spool" --project "$project" --once
cp "$work/stderr" "$work/logs/final.err"
expect_rc 0
expect_out "drained: 0 entries (0 tasks) queued, 0 in rejected/"
server_tasks "$project" "$work/server.json"
spool_check verify "$work/snapshot5.json" "$work/server.json" "$work"/logs/*.err \
  "$work"/logs-first/*.err ||
  fail "tasks lost or duplicates unaccounted"
echo PASS
