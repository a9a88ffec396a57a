#!/usr/bin/env bash
# lsedge run --once over TLS: the queue drains in order and every task lands once, consecutive
# entries in one request up to --batch-bytes (issue #13), each entry alone when asked; 503 with
# Retry-After is waited out; a 500 after the import ran is a counted possible duplicate; a 400
# moves the entry to rejected/ with the server's message (exit 5); a wrong project stops at once
# (exit 2) with the queue intact; SIGTERM stops an idle daemon cleanly.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
project=$(new_project "Run once")
import_path="/api/projects/$project/import"
spool=$work/spool
mkdir "$spool"

# Three adds, several entries each, drained in order: 12 entries of at most 1500 bytes in one
# request (the default --batch-bytes is 1 MiB), then entry by entry (--batch-bytes 4).
for i in 0 1 2; do
  make_tasks "$work/t$i.json" $((i * 100)) 100 "once"
  run_lsedge spool add --spool "$spool" --batch-bytes 1500 "$work/t$i.json"
  expect_rc 0
done
spool_check snapshot "$spool" "$work/snapshot.json"
entries=$(find "$spool/queue" -name '*.json' | wc -l)
[ "$entries" -eq 12 ] || fail "expected 12 entries"
clear_request_log
run_lsedge --json run --spool "$spool" --project "$project" --once
expect_rc 0
[ "$(printf '%s\n' "$out" | grep -c '"event":"sent"')" -eq 1 ] || fail "not one sent event"
grep -qE '"event":"sent","entry":"0{19}1/0000000000-[0-9]+\.json","tasks":[0-9]+,"last_entry":"0{19}3/0000000003-[0-9]+\.json","entries":12,"batch_tasks":300,"imported":300' <<<"$out" ||
  fail "the 12 entries were not one request of 300 tasks"
expect_out '"sent_entries":12,"sent_tasks":300,"sent_requests":1'
[ "$(count_requests " $import_path ")" -eq 1 ] || fail "expected one import request"
server_tasks "$project" "$work/server.json"
spool_check verify "$work/snapshot.json" "$work/server.json" "$work/stderr" || fail "tasks lost"
/usr/bin/python3 - "$work/server.json" <<'PY' || fail "the tasks did not arrive in queue order"
import json, sys
ids = [t["data"]["id"] for t in sorted(json.load(open(sys.argv[1])), key=lambda t: t["id"])]
sys.exit(0 if ids == sorted(ids) and len(ids) == 300 else 1)
PY
admin reset >/dev/null
project=$(new_project "Run once alone")
import_path="/api/projects/$project/import"
for i in 0 1 2; do
  run_lsedge spool add --spool "$spool" --batch-bytes 1500 "$work/t$i.json"
  expect_rc 0
done
spool_check snapshot "$spool" "$work/snapshot.json"
clear_request_log
run_lsedge --json run --spool "$spool" --project "$project" --once --batch-bytes 4
expect_rc 0
[ "$(printf '%s\n' "$out" | grep -c '"event":"sent"')" -eq "$entries" ] || fail "not one sent event per entry"
expect_out '"event":"drained","queued_entries":0,"queued_tasks":0'
# In order: the sent events list the entries in lexical (FIFO) order.
sent_order=$(printf '%s\n' "$out" | grep '"event":"sent"' | sed -E 's/.*"entry":"([^"]+)".*/\1/')
[ "$sent_order" = "$(printf '%s\n' "$sent_order" | sort)" ] || fail "entries were not sent in order"
server_tasks "$project" "$work/server.json"
spool_check verify "$work/snapshot.json" "$work/server.json" "$work/stderr" || fail "tasks lost"
[ "$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/server.json")" -eq 300 ] ||
  fail "expected exactly 300 tasks on the server"
[ "$(count_requests " $import_path ")" -eq "$entries" ] || fail "expected one import request per entry"
[ -z "$(ls "$spool/queue")" ] || fail "the queue is not empty"

# 503 twice with Retry-After: 1 → two retries, each waited at least a second; nothing rejected.
make_tasks "$work/t3.json" 1000 10 "retry"
run_lsedge spool add --spool "$spool" "$work/t3.json"
knob retry_after 1 fail "2 503 $import_path"
run_lsedge --json run --spool "$spool" --project "$project" --once --retry-cap-ms 100
expect_rc 0
[ "$(printf '%s\n' "$out" | grep -c '"event":"retry".*"http_status":503.*"delay_ms":1000')" -eq 2 ] ||
  fail "expected two retries that honour Retry-After"
grep -qE '"event":"sent","entry":"[0-9]{20}/0000000000-10.json","tasks":10' <<<"$out" ||
  fail "the retried entry was not sent"
admin reset >/dev/null

# A 500 after the import ran: the outcome is unknown, the resend is counted and logged.
make_tasks "$work/t4.json" 2000 10 "dup"
run_lsedge spool add --spool "$spool" "$work/t4.json"
spool_check snapshot "$spool" "$work/snapshot4.json"
knob fail_after "1 500 $import_path"
run_lsedge --json run --spool "$spool" --project "$project" --once --retry-cap-ms 100
expect_rc 0
expect_out '"outcome_unknown":true'
expect_out '"possible_duplicate":true'
expect_out '"unknown_outcomes":1,"possible_duplicates":1'
grep -qE 'resending [0-9]{20}/0000000000-10.json \(10 tasks\)' <<<"$err" ||
  fail "the resend was not logged"
server_tasks "$project" "$work/server.json"
spool_check verify "$work/snapshot4.json" "$work/server.json" "$work/stderr" || fail "duplicate not accounted"
[ "$(grep -o '"tag": "dup"' "$work/server.json" | wc -l)" -eq 20 ] ||
  fail "fail_after should have stored the batch twice (once per request)"

# A 400 for one entry: moved to rejected/ with the message; the rest goes on; exit 5. (Two 400s:
# the four entries' batch, then its first entry sent alone.)
make_tasks "$work/t5.json" 3000 4 "reject"
run_lsedge spool add --spool "$spool" --batch-bytes 120 "$work/t5.json"
knob fail "2 400 $import_path"
run_lsedge run --spool "$spool" --project "$project" --once
expect_rc 5
grep -qE 'the server refused [0-9]{20}/0000000000-1.json \(HTTP 400\)' <<<"$err" ||
  fail "the rejection was not reported"
[ "$(ls "$spool/rejected" | grep -cE '^[0-9]{20}-0000000000-1\.json$')" -eq 1 ] ||
  fail "rejected entry not kept"
grep -q "Injected fault" "$spool"/rejected/*-0000000000-1.reason.txt ||
  fail "the server's message is not beside the rejected entry"
expect_out "this run sent 3 entries (3 tasks) in 3 requests, rejected 1"
[ -z "$(ls "$spool/queue")" ] || fail "the queue is not empty"

# A project that does not exist: exit 2 before anything is sent; the queue stays.
make_tasks "$work/t6.json" 4000 5 "noproject"
run_lsedge spool add --spool "$spool" "$work/t6.json"
clear_request_log
run_lsedge run --spool "$spool" --project 999999 --once
expect_rc 2
expect_err "project 999999 does not exist"
expect_err "still queued"
[ "$(count_requests ' /api/projects/999999/import ')" -eq 0 ] || fail "sent to a missing project"
[ -n "$(ls "$spool/queue")" ] || fail "the queue was touched"

# SIGTERM: a waiting daemon stops promptly and cleanly (exit 0, the summary printed).
"$LSEDGE" run --spool "$spool" --project "$project" --poll-ms 60000 >"$work/daemon.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
  [ -z "$(ls "$spool/queue")" ] && break
  sleep 0.1
done
[ -z "$(ls "$spool/queue")" ] || fail "the daemon did not drain the queue"
sleep 0.3
stop_daemon TERM "$pid"
cat "$work/daemon.out"
[ "$daemon_rc" -eq 0 ] || fail "SIGTERM exit code $daemon_rc, expected 0"
[ "$elapsed_ms" -lt 2000 ] || fail "SIGTERM took $elapsed_ms ms"
grep -q "^stopped: 0 entries" "$work/daemon.out" || fail "no summary after SIGTERM"

# SIGINT while waiting out a retry: the daemon stops at once (exit 0) and the entry stays queued.
make_tasks "$work/t7.json" 5000 3 "sigint"
run_lsedge spool add --spool "$spool" "$work/t7.json"
knob fail "1000 503 $import_path"
"$LSEDGE" --json run --spool "$spool" --project "$project" --retry-base-ms 30000 \
  --retry-cap-ms 30000 >"$work/retry.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
  grep -q '"event":"retry"' "$work/retry.out" && break
  sleep 0.1
done
grep -q '"event":"retry"' "$work/retry.out" || fail "no retry before the signal"
stop_daemon INT "$pid"
admin reset >/dev/null
cat "$work/retry.out"
[ "$daemon_rc" -eq 0 ] || fail "SIGINT during a retry wait: exit $daemon_rc"
[ "$elapsed_ms" -lt 2000 ] || fail "SIGINT during a retry wait took $elapsed_ms ms"
grep -q '"event":"stopped","queued_entries":1,"queued_tasks":3' "$work/retry.out" ||
  fail "the entry is not queued after the stop"

# Usage errors.
run_lsedge run --project "$project"
expect_rc 2
run_lsedge run --spool "$spool" --project "$project" --poll-ms 0
expect_rc 2
echo PASS
