#!/usr/bin/env bash
# kill -9 of `lsedge run` at random moments, 25 rounds: before, during and after requests (the
# server delays each import so many kills land while one is in flight); every fifth round adds
# more tasks, so no round finds the queue empty. A last run drains the queue. Every task must be on the server; a task may be there more than once only if its entry
# was logged as resent after an unknown outcome, as many times at least as it is duplicated.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
project=$(new_project "Run kill")
import_path="/api/projects/$project/import"
spool=$work/spool
mkdir "$spool" "$work/logs"
rounds=25
make_tasks "$work/tasks.json" 0 1500 "kill"
run_lsedge spool add --spool "$spool" --batch-bytes 1000 "$work/tasks.json"
expect_rc 0
spool_check snapshot "$spool" "$work/snapshot.json"
knob delay "60 0 $import_path"

# First, one kill at a known moment: the server holds the import, so the request has left and
# its answer has not come. The entry must still be in the queue then (a daemon that removed it
# before sending would lose it here; the random kills below rarely land in that window).
held_project=$(new_project "Run kill held")
held_spool=$work/held
mkdir "$held_spool"
make_tasks "$work/held.json" 900000 5 "held"
run_lsedge spool add --spool "$held_spool" "$work/held.json"
expect_rc 0
knob delay "3000 0 /api/projects/$held_project/import"
clear_request_log
"$LSEDGE" run --spool "$held_spool" --project "$held_project" >"$work/held.out" 2>"$work/held.err" &
pid=$!
for _ in $(seq 100); do
  [ "$(count_requests " GET /api/projects/$held_project/")" -ge 1 ] && break
  sleep 0.1
done
sleep 1  # the import is on the server now, waiting
held_left=$(find "$held_spool/queue" -name '*.json' | wc -l)
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
echo "held import: $held_left entries queued while the server held the request"
[ "$held_left" -eq 1 ] || fail "the entry left the queue before the server answered its import"
knob delay 0

RANDOM=4242  # reproducible kill times
for round in $(seq "$rounds"); do
  "$LSEDGE" run --spool "$spool" --project "$project" --retry-cap-ms 200 \
    >"$work/logs/$round.out" 2>"$work/logs/$round.err" &
  pid=$!
  # 0-700 ms: start-up (TLS handshake, project check), marking, sending, confirming.
  delay_ms=$((RANDOM % 700))
  sleep "$(printf '0.%03d' "$delay_ms")"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  left=$(find "$spool/queue" -name '*.json' | wc -l)
  markers=$(find "$spool/queue" -name '*.sending' | wc -l)
  echo "round $round: killed after ${delay_ms} ms; $left entries left, $markers marked sending"
  if [ $((round % 5)) -eq 0 ]; then
    make_tasks "$work/more.json" $((100000 * round)) 400 "kill-$round"
    run_lsedge spool add --spool "$spool" --batch-bytes 1000 "$work/more.json"
    expect_rc 0
    spool_check snapshot "$spool" "$work/snapshot.json"
  fi
done
admin reset >/dev/null
run_lsedge run --spool "$spool" --project "$project" --once
cp "$work/stderr" "$work/logs/final.err"
expect_rc 0
expect_out "drained: 0 entries (0 tasks) queued, 0 in rejected/"
[ -z "$(find "$spool/queue" -type f)" ] || fail "files left in the queue"
[ -z "$(ls "$spool/tmp")" ] || fail "files left in tmp/"
server_tasks "$project" "$work/server.json"
spool_check verify "$work/snapshot.json" "$work/server.json" "$work"/logs/*.err || fail "tasks lost or duplicates unaccounted"
echo PASS
