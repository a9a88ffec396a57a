#!/usr/bin/env bash
# lsedge run against asynchronous imports (Label Studio Enterprise / SaaS: 201 {"import": ID},
# the outcome later at /api/projects/{pid}/imports/{ID}/): the queue drains with every task on
# the server exactly once; a daemon stopped (SIGTERM) or killed (kill -9) while it polls polls
# again when restarted instead of sending the entry again; an import that fails on the server
# moves its entry to rejected/ with the server's error.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
project=$(new_project "Run async")
import_path="/api/projects/$project/import"
spool=$work/spool
mkdir "$spool"
task_count() { /usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$1"; }

# 1. Three entries, sent as one request (issue #13), queued and polled (created → in_progress →
# completed), confirmed together.
knob async_import on async_import_delay_ms 1200
make_tasks "$work/t1.json" 0 90 "async"
run_lsedge spool add --spool "$spool" --batch-bytes 2000 "$work/t1.json"
expect_rc 0
spool_check snapshot "$spool" "$work/snapshot.json"
entries=$(find "$spool/queue" -name '*.json' | wc -l)
clear_request_log
run_lsedge --json run --spool "$spool" --project "$project" --once --retry-cap-ms 300
expect_rc 0
[ "$entries" -eq 3 ] || fail "expected 3 entries"
[ "$(grep -c '"event":"import_queued"' <<<"$out")" -eq 1 ] || fail "not one queued import"
[ "$(grep -c '"event":"import_polled".*"state":"completed"' <<<"$out")" -eq 1 ] ||
  fail "not one completed poll"
[ "$(grep -c '"event":"sent".*"entries":3,"batch_tasks":90' <<<"$out")" -eq 1 ] ||
  fail "the three entries were not confirmed together"
grep -q '"state":"in_progress"\|"state":"created"' <<<"$out" || fail "no poll saw the import pending"
[ "$(count_requests " $import_path ")" -eq 1 ] || fail "an entry was sent twice"
polls=$(count_requests " /api/projects/$project/imports/[0-9]+/ ")
echo "figure: one queued import of 3 entries (1.2 s) took $polls status polls"
expect_out '"event":"drained","queued_entries":0,"queued_tasks":0,"rejected_entries":0'
server_tasks "$project" "$work/server.json"
[ "$(task_count "$work/server.json")" -eq 90 ] || fail "expected exactly 90 tasks on the server"
spool_check verify "$work/snapshot.json" "$work/server.json" "$work/stderr" || fail "tasks lost"

# 2. SIGTERM while polling: stops promptly, the entry stays queued; the next run polls it (no
# second POST) and confirms it.
knob async_import_delay_ms 6000
make_tasks "$work/t2.json" 1000 20 "async-stop"
run_lsedge spool add --spool "$spool" "$work/t2.json"
clear_request_log
"$LSEDGE" --json run --spool "$spool" --project "$project" --retry-cap-ms 500 \
  >"$work/daemon.out" 2>"$work/daemon.err" &
pid=$!
wait_for_line "$work/daemon.out" '"event":"import_polled"' || fail "no poll before the signal"
stop_daemon TERM "$pid"
cat "$work/daemon.out"
[ "$daemon_rc" -eq 0 ] || fail "SIGTERM while polling: exit $daemon_rc"
[ "$elapsed_ms" -lt 2000 ] || fail "SIGTERM while polling took $elapsed_ms ms"
grep -q '"event":"stopped","queued_entries":1,"queued_tasks":20' "$work/daemon.out" ||
  fail "the polled entry is not queued after the stop"
run_lsedge --json run --spool "$spool" --project "$project" --once --retry-cap-ms 500
expect_rc 0
grep -q '"event":"import_queued"' <<<"$out" && fail "the entry was imported again after the restart"
expect_out '"state":"completed"'
[ "$(count_requests " $import_path ")" -eq 1 ] || fail "the entry was sent again after the restart"

# 3. kill -9 while polling: the same (the import id is durable).
make_tasks "$work/t3.json" 2000 20 "async-kill"
run_lsedge spool add --spool "$spool" "$work/t3.json"
clear_request_log
"$LSEDGE" --json run --spool "$spool" --project "$project" --retry-cap-ms 500 \
  >"$work/daemon.out" 2>"$work/daemon.err" &
pid=$!
wait_for_line "$work/daemon.out" '"event":"import_queued"' || fail "not queued before the kill"
sleep 0.3
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
run_lsedge --json run --spool "$spool" --project "$project" --once --retry-cap-ms 500
expect_rc 0
grep -q '"event":"import_queued"' <<<"$out" && fail "the entry was imported again after kill -9"
expect_out '"state":"completed"'
[ "$(count_requests " $import_path ")" -eq 1 ] || fail "the entry was sent again after kill -9"
server_tasks "$project" "$work/server.json"
[ "$(task_count "$work/server.json")" -eq 130 ] || fail "expected exactly 130 tasks on the server"

# 4. An import that fails on the server (tasks lacking the key the label config names): the
# entry goes to rejected/ with the server's error, the queue moves on; exit 5. The two entries
# go as one queued import first (issue #13); it fails, so each is sent alone.
printf '<View><Image name="image" value="$image"/></View>\n' >"$work/image.xml"
project2=$(admin project-create "Run async failed ${work##*.}" "$work/image.xml")
knob async_import_delay_ms 500
make_tasks "$work/t4.json" 3000 5 "async-bad"  # no `image` key: the background import fails
/usr/bin/python3 -c '
import json, sys
json.dump([{"data": {"id": i, "image": "https://example.test/%d.jpg" % i}} for i in range(4000, 4005)],
          open(sys.argv[1], "w"))' "$work/t5.json"
run_lsedge spool add --spool "$spool" "$work/t4.json"
run_lsedge spool add --spool "$spool" "$work/t5.json"
run_lsedge --json run --spool "$spool" --project "$project2" --once --retry-cap-ms 300
expect_rc 5
expect_out '"state":"failed"'
expect_err "2 entries sent as one request"
grep -qE "the server failed their queued import [1-9][0-9]* \(" <<<"$err" ||
  fail "the failed import of the batch was not named"
expect_out '"event":"rejected"'
reason=$(cat "$spool"/rejected/*.reason.txt)
grep -q "import [0-9]* failed" <<<"$reason" || fail "the reason does not name the failed import: $reason"
grep -q '"image" key is expected' <<<"$reason" || fail "the reason lacks the server's error: $reason"
server_tasks "$project2" "$work/server2.json"
[ "$(task_count "$work/server2.json")" -eq 5 ] || fail "the good entry after the failed one did not land"
[ -z "$(ls "$spool/queue")" ] || fail "the queue is not empty"
echo PASS
