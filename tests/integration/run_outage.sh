#!/usr/bin/env bash
# A server outage in the middle of `lsedge run`: the whole server (nginx and gunicorn) is stopped
# while the daemon uploads, kept down for a while, and started again. The daemon keeps retrying
# (connection refused, backoff with jitter) and, once the server is back, every task lands.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
project=$(new_project "Run outage")
import_path="/api/projects/$project/import"
spool=$work/spool
mkdir "$spool"
make_tasks "$work/tasks.json" 0 600 "outage"
run_lsedge spool add --spool "$spool" --batch-bytes 1200 "$work/tasks.json"
expect_rc 0
spool_check snapshot "$spool" "$work/snapshot.json"
total_entries=$(find "$spool/queue" -name '*.json' | wc -l)

# Slow imports, so the outage surely falls in the middle of the queue (--batch-bytes as the
# add's: one entry per request).
knob delay "100 0 $import_path"
"$LSEDGE" --json run --spool "$spool" --project "$project" --retry-cap-ms 1000 --poll-ms 100 \
  --batch-bytes 1200 \
  >"$work/daemon.out" 2>"$work/daemon.err" &
pid=$!
cleanup_daemon() { kill -9 "$pid" 2>/dev/null || true; }
trap 'cleanup_daemon; rm -rf "$work"; "$server_dir/start.sh" "$LSEDGE_STATE" >/dev/null 2>&1 || true; admin reset >/dev/null 2>&1 || true' EXIT

sent() { grep -c '"event":"sent"' "$work/daemon.out" || true; }
for _ in $(seq 200); do
  [ "$(sent)" -ge 5 ] && break
  sleep 0.05
done
[ "$(sent)" -ge 5 ] || fail "the daemon did not start sending"
"$server_dir/stop.sh" "$LSEDGE_STATE" >/dev/null
at_stop=$(sent)
echo "server stopped after $at_stop of $total_entries entries"
sleep 4
kill -0 "$pid" || fail "the daemon died during the outage"
during=$(sent)
"$server_dir/start.sh" "$LSEDGE_STATE" >"$work/restart.log" 2>&1 || { cat "$work/restart.log"; fail "restart failed"; }
echo "server restarted"
for _ in $(seq 600); do
  [ -z "$(find "$spool/queue" -name '*.json')" ] && break
  sleep 0.1
done
[ -z "$(find "$spool/queue" -name '*.json')" ] || fail "the queue did not drain after the restart"
stop_daemon TERM "$pid"
trap 'rm -rf "$work"; admin reset >/dev/null 2>&1 || true' EXIT
grep -v '"event":"sent"' "$work/daemon.out" | head -20
[ "$daemon_rc" -eq 0 ] || fail "daemon exit code $daemon_rc after SIGTERM"
retries=$(grep -c '"event":"retry"' "$work/daemon.out" || true)
echo "entries sent before the outage: $at_stop, during: $((during - at_stop)), retries: $retries"
[ "$retries" -ge 2 ] || fail "expected the daemon to retry during the outage"
grep -q '"status":"connection_refused"' "$work/daemon.out" || fail "no connection_refused retry seen"
[ "$(sent)" -ge "$total_entries" ] || fail "fewer sent events than entries"
server_tasks "$project" "$work/server.json"
spool_check verify "$work/snapshot.json" "$work/server.json" "$work/daemon.err" || fail "tasks lost"
echo PASS
