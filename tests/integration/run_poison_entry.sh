#!/usr/bin/env bash
# lsedge run with a poison entry (Label Studio answers its import with the JSON 500 of an
# unexpected exception, every time, while it answers everything else): after N such answers in a
# row (--poison-after, default 5), each confirmed by a probe the server answered, the entry goes to
# rejected/ with the server's detail and the queue moves on. When every request fails (an outage:
# nginx's 503 pages, or 500s on the probe too) nothing is rejected.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
project=$(new_project "Run poison")
import_path="/api/projects/$project/import"
spool=$work/spool
mkdir "$spool"
task_count() { /usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$1"; }

make_tasks "$work/a.json" 0 5 "before"
make_tasks "$work/p.json" 100 5 "POISON-PILL"
make_tasks "$work/b.json" 200 5 "after"
for f in a p b; do
  run_lsedge spool add --spool "$spool" "$work/$f.json"
  expect_rc 0
done
knob poison "POISON-PILL"

# 1. Default: the three entries go as one request (issue #13), which gets the JSON 500, so each is
# sent alone: the poison entry's 5 JSON 500s in a row, each followed by an answered probe → rejected.
clear_request_log
run_lsedge --json run --spool "$spool" --project "$project" --once --retry-cap-ms 50
expect_rc 5
[ "$(count_requests " $import_path 500 ")" -eq 6 ] ||
  fail "expected 6 answers 500 (the batch's, then 5 of the entry alone) before it was set aside"
expect_err "3 entries sent as one request"
expect_out '"event":"poisoned"'
expect_out '"failures":5'
expect_out '"sent_entries":2,"sent_tasks":10,"sent_requests":2,"rejected":1'
reason=$(cat "$spool"/rejected/*.reason.txt)
grep -q "5 times in a row" <<<"$reason" || fail "the reason does not say how often: $reason"
grep -q "unhashable" <<<"$reason" || fail "the reason lacks the server's detail: $reason"
grep -q "POISON-PILL" "$spool"/rejected/*.json || fail "the rejected entry is not the poison one"
server_tasks "$project" "$work/server.json"
[ "$(task_count "$work/server.json")" -eq 10 ] || fail "the entries around the poison one did not land"

# 2. Outages while the poison entry waits: first nginx's 503 page for its imports (the server
# answers the probes), then Label Studio's JSON 500 for every request (the probes too): nothing is
# rejected. When the server recovers, --poison-after 3 sets the entry aside after 3 in a row.
rm -f "$spool"/rejected/*
make_tasks "$work/p2.json" 300 5 "POISON-PILL"
make_tasks "$work/c.json" 400 5 "later"
run_lsedge spool add --spool "$spool" "$work/p2.json"
run_lsedge spool add --spool "$spool" "$work/c.json"
clear_request_log
knob fail "100000 503 $import_path"
"$LSEDGE" --json run --spool "$spool" --project "$project" --once --retry-cap-ms 50 \
  --poison-after 3 >"$work/daemon.out" 2>"$work/daemon.err" &
pid=$!
sleep 2
outage_503=$(count_requests " $import_path 503 ")
knob fail "100000 500"
sleep 2
outage_500=$(count_requests " $import_path 500 ")
[ -z "$(ls "$spool/rejected")" ] || fail "an entry was rejected during an outage"
kill -0 "$pid" 2>/dev/null || fail "the daemon ended during the outage"
knob fail "0"  # the server recovers (the poison knob stays)
set +e
wait "$pid"
daemon_rc=$?
set -e
cat "$work/daemon.out"
[ "$daemon_rc" -eq 5 ] || fail "exit $daemon_rc after the recovery, expected 5"
grep -q '"event":"poisoned".*"failures":3' "$work/daemon.out" || fail "not set aside after 3 in a row"
echo "figure: during the outages $outage_503 import answers 503 and $outage_500 answers 500, none counted as poison"
[ "$outage_503" -gt 3 ] || fail "the 503 outage did not reach the import ($outage_503)"
[ "$outage_500" -gt 3 ] || fail "the 500 outage did not reach the import ($outage_500)"
[ "$(find "$spool/rejected" -name '*.json' | wc -l)" -eq 1 ] || fail "expected one rejected entry"
grep -q "POISON-PILL" "$spool"/rejected/*.json || fail "the rejected entry is not the poison one"
server_tasks "$project" "$work/server.json"
[ "$(task_count "$work/server.json")" -eq 15 ] || fail "the entry after the poison one did not land"
[ -z "$(ls "$spool/queue")" ] || fail "the queue is not empty"
echo PASS
