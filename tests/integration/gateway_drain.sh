#!/usr/bin/env bash
# Issue #10's "Done when", as one test (also run on the gateway build under qemu: integration.gw.*).
# Against the server in its most Label Studio-like settings (task data checked against a 150-label
# config, 64 KiB proxy body limit, access tokens that copy the PAT's iat and live 4 s):
#  1. project ensure --label-config creates the project from a 7 KB label config, and finds it
#     again, with include= honoured and with a server that ignores include=;
#  2. a spool holding an all-bad batch (110 tasks: more than Label Studio's 100 listed errors), a
#     half-bad batch and good batches (one larger than the body limit) drains with run --once:
#     every good task on the server exactly once, exactly the bad tasks in rejected/, each with
#     Label Studio's message, the queue empty;
#  3. asynchronous imports (Enterprise) with the 64 KiB limit: every task once, nothing rejected;
#  4. three access-token lifetimes pass in one process with no 401 (nor any 401 in the whole test).
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
py() { /usr/bin/python3 "$@"; }

# 150 labels with colours: a 7 KB detection taxonomy.
make_label_config "$work/label150.xml" 150
size=$(wc -c <"$work/label150.xml")
[ "$size" -gt 7000 ] || fail "the label config is only $size bytes"

# gen FILE FROM COUNT TAG BAD: COUNT tasks of ~700 bytes, ids FROM..; BAD = all (no "image"),
# odd (every odd id lacks "image") or none.
gen() {
  py - "$@" <<'EOF'
import json, sys
path, first, count, tag, bad = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
tasks = []
for i in range(first, first + count):
    data = {"id": i, "tag": tag, "note": "n" * 600}
    if not (bad == "all" or (bad == "odd" and i % 2 == 1)):
        data["image"] = "https://example.com/img/%06d.jpg" % i
    tasks.append({"data": data})
with open(path, "w") as f:
    json.dump(tasks, f)
EOF
}
# ids_in FILE...: the data.id of every task in these JSON arrays, one per line.
ids_in() { py -c '
import json, sys
for p in sys.argv[1:]:
    for t in json.load(open(p)):
        print(t["data"]["id"])' "$@"; }

knob access_lifetime 4 copy_iat on body_limit 65536
clear_request_log

# 1. The 150-label project: created from the file, then found, with and without include=.
run_id=${work##*.}
run_lsedge --json project ensure --title "Gateway drain $run_id" --label-config "$work/label150.xml"
expect_rc 0
expect_out '"created":true'
project=$(printf '%s' "$out" | py -c 'import json,sys; print(json.load(sys.stdin)["id"])')
[ "$(admin tasks "$project" | py -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 0 ] ||
  fail "a new project has tasks"
run_lsedge project ensure --title "Gateway drain $run_id" --label-config "$work/label150.xml"
expect_rc 0
[ "$out" = "$project" ] || fail "second ensure gave '$out', expected $project"
knob ignore_include on
run_lsedge project ensure --title "Gateway drain $run_id" --label-config "$work/label150.xml"
expect_rc 0
[ "$out" = "$project" ] || fail "ensure against a server ignoring include= gave '$out', expected $project"
[ "$(admin stats | py -c 'import json,sys; print(json.load(sys.stdin)["projects"])')" -ge 1 ] || fail "no projects"
[ "$(count_requests ' POST /api/projects/? 201 ')" -eq 1 ] || fail "the project was created more than once"

# 2. Bad, half-bad and good batches, one entry each (a 100-task good entry exceeds the 64 KiB limit).
spool=$work/spool
mkdir "$spool"
gen "$work/good1.json" 1000 30 good1 none
gen "$work/allbad.json" 2000 110 allbad all
gen "$work/good2.json" 3000 100 good2 none
gen "$work/halfbad.json" 4000 40 halfbad odd
gen "$work/good3.json" 5000 30 good3 none
for f in good1 allbad good2 halfbad good3; do
  run_lsedge spool add --spool "$spool" --batch-bytes 1048576 "$work/$f.json"
  expect_rc 0
done
[ "$(find "$spool/queue" -name '*.json' | wc -l)" -eq 5 ] || fail "expected five queued entries"
# The drain with include= ignored: run reads the project from a 23 KB object.
run_lsedge --json run --spool "$spool" --project "$project" --once --retry-cap-ms 200
[ "$rc" -eq 0 ] || [ "$rc" -eq 5 ] || fail "run --once exited $rc"
knob ignore_include off
[ -z "$(find "$spool/queue" -name '*.json')" ] || fail "the queue did not drain: $(ls -R "$spool/queue")"

server_tasks "$project" "$work/server.json"
ids_in "$work/good1.json" "$work/good2.json" "$work/halfbad.json" "$work/good3.json" "$work/allbad.json" |
  sort -n >"$work/all.ids"
py - "$work/server.json" "$work/all.ids" "$spool/rejected" <<'EOF' || fail "the drain lost, duplicated or wrongly rejected tasks"
import glob, json, os, sys
from collections import Counter
server = Counter(t["data"].get("id") for t in json.load(open(sys.argv[1])))
ids = [int(line) for line in open(sys.argv[2])]
bad = {i for i in ids if 2000 <= i < 2110 or (4000 <= i < 4040 and i % 2 == 1)}
good = [i for i in ids if i not in bad]
rejected = Counter()
for path in glob.glob(os.path.join(sys.argv[3], "*.json")):
    for t in json.load(open(path)):
        rejected[t["data"]["id"]] += 1
problems = []
missing = [i for i in good if server[i] == 0]
dup = [i for i in good if server[i] > 1]
bad_stored = [i for i in bad if server[i]]
wrongly_rejected = [i for i in good if rejected[i]]
not_rejected = [i for i in bad if rejected[i] != 1]
print("server: %d of %d good tasks, %d duplicated, %d bad stored; rejected/: %d tasks (%d bad expected), "
      "%d good among them, %d bad not there exactly once"
      % (len(good) - len(missing), len(good), len(dup), len(bad_stored), sum(rejected.values()), len(bad),
         len(wrongly_rejected), len(not_rejected)))
for name, lst in (("missing", missing), ("duplicated", dup), ("bad stored", bad_stored),
                  ("good rejected", wrongly_rejected), ("bad not rejected once", not_rejected)):
    if lst:
        print("  %s: %s" % (name, lst[:15]))
sys.exit(1 if (missing or dup or bad_stored or wrongly_rejected or not_rejected) else 0)
EOF
# Every reason file carries Label Studio's message for its task.
for reason in "$spool"/rejected/*.reason.txt; do
  grep -q '"image" key is expected in task data' "$reason" || fail "reason without LS's message: $reason"
done

# 3. Asynchronous imports (created -> in_progress -> completed over 1.5 s) with the 64 KiB limit.
knob async_import on async_import_delay_ms 1500
spool2=$work/spool2
mkdir "$spool2"
for i in 0 1 2 3 4 5; do
  gen "$work/async$i.json" $((6000 + i * 20)) 20 "async$i" none
  run_lsedge spool add --spool "$spool2" --batch-bytes 1048576 "$work/async$i.json"
  expect_rc 0
done
gen "$work/asyncbig.json" 7000 100 asyncbig none
run_lsedge spool add --spool "$spool2" --batch-bytes 1048576 "$work/asyncbig.json"
expect_rc 0
run_lsedge --json run --spool "$spool2" --project "$project" --once --retry-cap-ms 200
expect_rc 0
[ -z "$(find "$spool2/queue" -name '*.json')" ] || fail "the async queue did not drain"
[ -z "$(find "$spool2/rejected" -name '*.json' 2>/dev/null)" ] || fail "an async import rejected good tasks"
server_tasks "$project" "$work/server2.json"
ids_in "$work"/async*.json >"$work/async.ids"
py - "$work/server2.json" "$work/async.ids" <<'EOF' || fail "async imports lost or duplicated tasks"
import json, sys
from collections import Counter
server = Counter(t["data"].get("id") for t in json.load(open(sys.argv[1])))
ids = [int(line) for line in open(sys.argv[2])]
wrong = [i for i in ids if server[i] != 1]
print("async: %d tasks expected, %d not on the server exactly once %s" % (len(ids), len(wrong), wrong[:15]))
sys.exit(1 if wrong else 0)
EOF
statuses=$(admin imports "$project" | py -c 'import json,sys; print(" ".join(sorted({i["status"] for i in json.load(sys.stdin)})))')
[ "$statuses" = "completed" ] || fail "async imports ended as: $statuses"

# 4. Three access-token lifetimes in one process (14 requests a second apart, tokens of 4 s whose
# iat is the PAT's): each token refreshed ahead of its expiry; no request of the whole test got 401.
refreshes_before=$(count_requests ' /api/token/refresh/? ')
run_lsedge check --count 14 --interval-ms 1000
expect_rc 0
refreshes=$(($(count_requests ' /api/token/refresh/? ') - refreshes_before))
[ "$refreshes" -ge 3 ] || fail "only $refreshes refreshes over three token lifetimes"
unauthorized=$(count_status 401)
[ "$unauthorized" -eq 0 ] ||
  fail "$unauthorized requests were answered 401: $(awk '$4 == 401' "$LSEDGE_TEST_REQUEST_LOG" | head -5)"
knob access_lifetime 300
echo PASS
