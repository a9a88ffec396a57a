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
