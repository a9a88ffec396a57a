#!/usr/bin/env bash
# lsedge import against a server that imports asynchronously (Label Studio Enterprise / SaaS:
# 201 {"import": ID}, outcome at /api/projects/{pid}/imports/{ID}/): lsedge waits for each
# outcome, every task lands exactly once and no batch is sent twice; a poll answer larger than
# the response buffer (it echoes the whole batch) is still read; upload waits too; a batch that
# fails validation in the background exits 5 with the server's error.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
run_id=${work##*.}

# exactly_once PROJECT FIRST COUNT: tasks with data.id FIRST..FIRST+COUNT-1, each exactly once,
# and nothing else.
exactly_once() {
  admin tasks "$1" | /usr/bin/python3 -c '
import json, sys
from collections import Counter
first, count = int(sys.argv[1]), int(sys.argv[2])
ids = Counter(t["data"].get("id") for t in json.load(sys.stdin))
want = set(range(first, first + count))
missing = sorted(want - set(ids))
extra = sorted(i for i in ids if i not in want)
twice = sorted(i for i, n in ids.items() if n > 1)
if missing or extra or twice:
    sys.exit("missing %s extra %s twice %s" % (missing[:10], extra[:10], twice[:10]))
print("%d tasks, each once" % count)' "$2" "$3" || fail "project $1: tasks are not each on the server exactly once"
}

run_lsedge project ensure --title "Async import $run_id"
expect_rc 0
project=$out

# 300 tasks in requests of at most 4 KiB, each import pending 1.5 s (created, then in_progress).
make_tasks "$work/tasks.json" 1 300 async
knob async_import on async_import_delay_ms 1500
clear_request_log
run_lsedge -v import --project "$project" --batch-bytes 4096 "$work/tasks.json"
expect_rc 0
expect_out "imported 300 tasks in "
expect_err "queued by the server; waiting for its outcome"
requests=$(sed -n 's/.* in \([0-9]*\) requests$/\1/p' <<<"$out")
[ "${requests:-0}" -gt 1 ] || fail "expected several requests, got '$requests'"
[ "$(count_requests " POST /api/projects/$project/import 201 ")" -eq "$requests" ] ||
  fail "not exactly one POST per batch: a batch was sent twice"
polls=$(count_requests " GET /api/projects/$project/imports/[0-9]+/ 200 ")
[ "$polls" -ge "$((2 * requests))" ] || fail "expected at least two polls per import, saw $polls"
exactly_once "$project" 1 300
[ "$(admin imports "$project" | /usr/bin/python3 -c 'import json,sys; print(sum(i["status"] == "completed" for i in json.load(sys.stdin)))')" -eq "$requests" ] ||
  fail "not every import completed on the server"

# One 1 MiB batch: the poll answer echoes all of it, far more than the response buffer holds.
make_tasks "$work/big.json" 1001 6000 big
knob async_import_delay_ms 300
clear_request_log
run_lsedge import --project "$project" "$work/big.json"
expect_rc 0
expect_out "imported 6000 tasks in "
[ "$(count_requests " POST /api/projects/$project/import 201 ")" -ge 1 ] || fail "no import request"
exactly_once_big=$(admin tasks "$project" | /usr/bin/python3 -c '
import json, sys
ids = [t["data"]["id"] for t in json.load(sys.stdin) if "id" in t["data"]]
print(len(ids) == len(set(ids)) == 6300)')
[ "$exactly_once_big" = True ] || fail "the big import did not land exactly once"

# upload waits the same way: the media file's task is counted once the import completed.
printf '\x89PNG\r\n\x1a\n' >"$work/frame.png"
clear_request_log
run_lsedge upload --project "$project" "$work/frame.png"
expect_rc 0
expect_out "frame.png: imported 1 tasks"
[ "$(count_requests " GET /api/projects/$project/imports/[0-9]+/ 200 ")" -ge 1 ] || fail "upload did not poll its import"

# A batch that fails validation in the background (the project's label config names $image):
# exit 5 with the server's reason; the batch before it landed, the failed one did not.
printf '<View><Image name="img" value="$image"/><Choices name="c" toName="img"><Choice value="a"/></Choices></View>\n' \
  >"$work/image.xml"
image_project=$(admin project-create "Async image $run_id" "$work/image.xml")
printf '[{"data":{"image":"/data/1.jpg","id":1}},{"data":{"image":"/data/2.jpg","id":2}},\n{"data":{"text":"no image","id":3}}]\n' \
  >"$work/half.json"
run_lsedge import --project "$image_project" --batch-bytes 100 "$work/half.json"
expect_rc 5
expect_err "failed:"
expect_err '"image" key is expected in task data'
expect_err "2 tasks were imported before the failure"
exactly_once "$image_project" 1 2
