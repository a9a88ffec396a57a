#!/usr/bin/env bash
# lsedge run against Label Studio's item-echoing 400 (a project whose label config names
# `$image`; bad tasks lack the key): an all-bad batch, a half-bad batch and good batches drain
# with every good task on the server exactly once and only the bad tasks in rejected/, each alone
# with its own reason; batches of more than 100 tasks (the list is cut at 100) and answers larger
# than the response buffer (the body is truncated) drain the same way; kill -9 at random moments
# during the splits loses nothing.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
printf '<View><Image name="image" value="$image"/></View>\n' >"$work/image.xml"
new_image_project() { admin project-create "$1 ${work##*.}" "$work/image.xml"; }
import_requests() { count_requests " /api/projects/$1/import "; }

# image_tasks FILE FROM COUNT BAD PAD: tasks FROM.. with a `pad` of PAD bytes; BAD is a Python
# expression of `i` that is true for the tasks that lack the `image` key.
image_tasks() {
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
path, first, count, bad, pad = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
tasks = []
for i in range(first, first + count):
    data = {"id": i, "tag": "items", "pad": "p" * pad}
    if not eval(bad, {"i": i}):
        data["image"] = "https://example.test/%d.jpg" % i
    tasks.append({"data": data})
json.dump(tasks, open(path, "w"))
PY
}

# check_outcome SPOOL SERVER_JSON GOOD_IDS BAD_IDS [LOGS...]: every good task on the server exactly
# once (more only if logged as resent after an unknown outcome), no bad task on the server; every
# bad task alone in rejected/ with a reason naming the missing key; no good task in rejected/.
check_outcome() {
  /usr/bin/python3 - "$@" <<'PY'
import json, os, re, sys
from collections import Counter
spool, server_path, good, bad = sys.argv[1], sys.argv[2], set(json.load(open(sys.argv[3]))), set(json.load(open(sys.argv[4])))
logs = sys.argv[5:]
copies = Counter(t["data"]["id"] for t in json.load(open(server_path)))
resent = 0
for log in logs:
    for m in re.finditer(r"resending \S+ \((\d+) tasks\)", open(log, errors="replace").read()):
        resent += int(m.group(1))
problems = []
missing = sorted(i for i in good if copies[i] == 0)
extra = sum(max(0, copies[i] - 1) for i in good)
if missing:
    problems.append("good tasks missing on the server: %s" % missing[:20])
if extra > resent:
    problems.append("%d extra copies but only %d tasks logged as resent" % (extra, resent))
if not logs and extra:
    problems.append("%d duplicates" % extra)
on_server_bad = sorted(i for i in bad if copies[i])
if on_server_bad:
    problems.append("bad tasks on the server: %s" % on_server_bad[:20])
rejected_dir = os.path.join(spool, "rejected")
rejected = Counter()
for name in sorted(os.listdir(rejected_dir)):
    if not name.endswith(".json"):
        continue
    tasks = json.load(open(os.path.join(rejected_dir, name)))
    if len(tasks) != 1:
        problems.append("%s holds %d tasks, not 1" % (name, len(tasks)))
    reason_path = os.path.join(rejected_dir, name[:-len(".json")] + ".reason.txt")
    reason = open(reason_path).read() if os.path.exists(reason_path) else ""
    if '"image" key is expected in task data' not in reason or " :: " in reason:
        problems.append("%s: reason is not the item's own message: %r" % (name, reason[:200]))
    for t in tasks:
        rejected[t["data"]["id"]] += 1
wrong = sorted(i for i in rejected if i not in bad)
if wrong:
    problems.append("good tasks in rejected/: %s" % wrong[:20])
lost = sorted(i for i in bad if rejected[i] == 0)
if lost:
    problems.append("bad tasks not in rejected/: %s" % lost[:20])
twice = sorted(i for i in rejected if rejected[i] > 1)
if twice:
    problems.append("bad tasks rejected twice: %s" % twice[:20])
print("check: %d good tasks (%d on the server, %d extra copies, %d logged resends), %d bad tasks (%d in rejected/)"
      % (len(good), sum(copies[i] for i in good), extra, resent, len(bad), sum(rejected.values())))
for p in problems:
    print("PROBLEM: " + p)
sys.exit(1 if problems else 0)
PY
}
ids_of() {  # ids_of OUT_GOOD OUT_BAD FILE...: the ids with and without `image`
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
good, bad = [], []
for path in sys.argv[3:]:
    for t in json.load(open(path)):
        (good if "image" in t["data"] else bad).append(t["data"]["id"])
json.dump(good, open(sys.argv[1], "w"))
json.dump(bad, open(sys.argv[2], "w"))
PY
}

# 1. good, all-bad, half-bad, good: one entry each, sent as one request (issue #13); the server's
# verdicts (index-aligned over the 40 tasks) settle each entry as if it had been sent alone, and
# the good tasks go again as one request.
project=$(new_image_project "Refused items")
spool=$work/spool1
mkdir "$spool"
image_tasks "$work/a.json" 0 10 "False" 20
image_tasks "$work/b.json" 100 10 "True" 20
image_tasks "$work/c.json" 200 10 "i % 2 == 1" 20
image_tasks "$work/d.json" 300 10 "False" 20
for f in a b c d; do
  run_lsedge spool add --spool "$spool" "$work/$f.json"
  expect_rc 0
done
ids_of "$work/good1.json" "$work/bad1.json" "$work"/{a,b,c,d}.json
clear_request_log
run_lsedge --json run --spool "$spool" --project "$project" --once --retry-cap-ms 100
expect_rc 5
requests=$(import_requests "$project")
echo "figure: good + all-bad + half-bad + good (40 tasks, 15 bad) drained in $requests import requests"
[ "$requests" -eq 2 ] ||
  fail "expected 2 import requests (the batch, then its good tasks), got $requests"
expect_out '"event":"items_rejected"'
expect_out '"refused":10,"requeued":0'
expect_out '"refused":5,"requeued":5'
expect_out '"event":"drained","queued_entries":0,"queued_tasks":0,"rejected_entries":15'
grep -q '"event":"retry"' <<<"$out" && fail "a refused batch was retried"
[ -z "$(ls "$spool/queue")" ] || fail "the queue is not empty"
server_tasks "$project" "$work/server1.json"
check_outcome "$spool" "$work/server1.json" "$work/good1.json" "$work/bad1.json" || fail "scenario 1"

# People's text: the item rejection names the count and the key.
image_tasks "$work/e.json" 400 4 "i == 401" 20
run_lsedge spool add --spool "$spool" "$work/e.json"
run_lsedge run --spool "$spool" --project "$project" --once
expect_rc 5
expect_err "the server refused 1 of the 4 tasks of"
expect_err '"image" key is expected in task data'

# 2. Batches of more than 100 tasks, padded so the echoed items overflow the response buffer:
# the list is cut (100 entries) and the body truncated; the known prefix is settled, the rest
# sent again until everything is placed.
project2=$(new_image_project "Refused cut")
spool=$work/spool2
mkdir "$spool"
image_tasks "$work/f.json" 1000 250 "i % 3 == 0" 900
image_tasks "$work/g.json" 2000 150 "True" 900
image_tasks "$work/h.json" 3000 120 "i >= 3100" 900
for f in f g h; do
  run_lsedge spool add --spool "$spool" "$work/$f.json"
  expect_rc 0
done
ids_of "$work/good2.json" "$work/bad2.json" "$work"/{f,g,h}.json
clear_request_log
run_lsedge --json run --spool "$spool" --project "$project2" --once --retry-cap-ms 100
expect_rc 5
requests=$(import_requests "$project2")
bad=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/bad2.json")
echo "figure: 520 tasks of ~1 KB in 3 entries (>100 tasks each, $bad bad) drained in $requests import requests"
grep -q '"event":"retry"' <<<"$out" && fail "a refused batch was retried"
[ -z "$(ls "$spool/queue")" ] || fail "the queue is not empty"
server_tasks "$project2" "$work/server2.json"
check_outcome "$spool" "$work/server2.json" "$work/good2.json" "$work/bad2.json" || fail "scenario 2"

# 3. kill -9 at random moments while entries are refused and split (each import is delayed so
# kills land in flight as well as between the steps of a split); a last run drains.
project3=$(new_image_project "Refused kill")
spool=$work/spool3
mkdir "$spool" "$work/logs"
image_tasks "$work/k1.json" 5000 40 "i % 2 == 0" 50
image_tasks "$work/k2.json" 6000 130 "i % 5 == 1" 400
image_tasks "$work/k3.json" 7000 30 "True" 50
image_tasks "$work/k4.json" 8000 60 "False" 50
for f in k1 k2 k3 k4; do
  run_lsedge spool add --spool "$spool" --batch-bytes 20000 "$work/$f.json"
  expect_rc 0
done
ids_of "$work/good3.json" "$work/bad3.json" "$work"/k{1,2,3,4}.json
knob delay "40 0 /api/projects/$project3/import"
RANDOM=1010
for round in $(seq 20); do
  "$LSEDGE" run --spool "$spool" --project "$project3" --retry-cap-ms 100 \
    >"$work/logs/$round.out" 2>"$work/logs/$round.err" &
  pid=$!
  delay_ms=$((RANDOM % 600))
  sleep "$(printf '0.%03d' "$delay_ms")"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "round $round: killed after ${delay_ms} ms; $(find "$spool/queue" -name '*.json' | wc -l) entries left, $(find "$spool/rejected" -name '*.json' | wc -l) rejected"
done
admin reset >/dev/null
run_lsedge run --spool "$spool" --project "$project3" --once
cp "$work/stderr" "$work/logs/final.err"
[ "$rc" -eq 5 ] || [ "$rc" -eq 0 ] || fail "final run: exit $rc"
expect_out "drained: 0 entries (0 tasks) queued"
[ -z "$(find "$spool/queue" -type f)" ] || fail "files left in the queue"
server_tasks "$project3" "$work/server3.json"
check_outcome "$spool" "$work/server3.json" "$work/good3.json" "$work/bad3.json" "$work"/logs/*.err ||
  fail "kill -9 during splits lost or duplicated tasks"
echo PASS
