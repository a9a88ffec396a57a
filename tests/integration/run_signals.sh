#!/usr/bin/env bash
# What a service meets: a SIGTERM while a request waits for its answer lets that request finish
# (the entry is confirmed and removed, not left to be resent as a possible duplicate); a SIGHUP
# (systemd's reload) is logged and ignored, the daemon keeps sending; SIGTERM then stops it, exit 0.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
project=$(new_project "Run signals")
import_path="/api/projects/$project/import"
spool=$work/spool
mkdir "$spool"

# --- SIGTERM while the import waits 2.5 s for its answer ---
make_tasks "$work/t0.json" 0 5 "term"
run_lsedge spool add --spool "$spool" "$work/t0.json"
expect_rc 0
knob delay "2500 0 $import_path"
clear_request_log
"$LSEDGE" run --spool "$spool" --project "$project" --retry-cap-ms 200 \
  >"$work/term.out" 2>"$work/term.err" &
pid=$!
# The project check answers at once; the import is then held by the server. The daemon logs
# nothing between the two, so wait for the server to have answered the project check.
for _ in $(seq 100); do
  [ "$(count_requests " GET /api/projects/$project/")" -ge 1 ] && break
  sleep 0.1
done
[ "$(count_requests " GET /api/projects/$project/")" -ge 1 ] || fail "the daemon never checked the project"
sleep 1  # the import request is now on the server, waiting
stop_daemon TERM "$pid"
echo "SIGTERM mid-request -> exit $daemon_rc after $elapsed_ms ms"
sed 's/^/  out: /' "$work/term.out"
sed 's/^/  err: /' "$work/term.err"
[ "$daemon_rc" -eq 0 ] || fail "expected exit 0 after SIGTERM, got $daemon_rc"
grep -q '^sent ' "$work/term.out" || fail "the request in flight was cut: no sent line"
grep -qi 'possible duplicate\|outcome' "$work/term.err" && fail "the entry was left outcome-unknown"
[ -z "$(find "$spool/queue" -name '*.json')" ] || fail "the sent entry is still queued"
[ "$(count_requests " POST $import_path ")" -eq 1 ] || fail "expected exactly one import request"
[ "$elapsed_ms" -ge 500 ] || fail "the daemon stopped before the answer came (${elapsed_ms} ms)"
knob delay 0

# --- SIGHUP is ignored: the daemon keeps polling and sends what is added after it ---
"$LSEDGE" run --spool "$spool" --project "$project" --poll-ms 200 \
  >"$work/hup.out" 2>"$work/hup.err" &
pid=$!
for _ in $(seq 100); do
  [ "$(count_requests " GET /api/projects/$project/")" -ge 2 ] && break
  sleep 0.1
done
kill -HUP "$pid"
wait_for_line "$work/hup.err" "SIGHUP ignored (nothing to reload)" 10 ||
  fail "no log line for the SIGHUP"
sleep 0.5
kill -0 "$pid" 2>/dev/null || fail "SIGHUP stopped the daemon"
make_tasks "$work/t1.json" 100 5 "hup"
run_lsedge spool add --spool "$spool" "$work/t1.json"
expect_rc 0
wait_for_line "$work/hup.out" '^sent ' 20 || fail "nothing sent after the SIGHUP"
stop_daemon TERM "$pid"
sed 's/^/  out: /' "$work/hup.out"
sed 's/^/  err: /' "$work/hup.err"
[ "$daemon_rc" -eq 0 ] || fail "expected exit 0 after SIGTERM, got $daemon_rc"
server_tasks "$project" "$work/server.json"
[ "$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/server.json")" -eq 10 ] ||
  fail "expected exactly 10 tasks on the server"
echo PASS
