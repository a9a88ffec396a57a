#!/usr/bin/env bash
# lsedge spool rejected list|requeue (issue #13): tasks the server refused (a label config that
# names `$image`; the tasks lack it) are listed with the server's reason; after the operator fixes
# the project's label config, requeue puts them back at the end of the queue and `run` uploads
# every one exactly once; rejected/ is then empty. A bad name moves nothing.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
printf '<View><Image name="image" value="$image"/></View>\n' >"$work/image.xml"
printf '<View><Text name="text" value="$tag"/><Choices name="c" toName="text"><Choice value="a"/></Choices></View>\n' >"$work/text.xml"
project=$(admin project-create "Requeue ${work##*.}" "$work/image.xml")
spool=$work/spool
mkdir "$spool"

# 6 good tasks, 4 bad ones (one whole batch refused, one batch half refused).
make_tagged() {  # make_tagged FILE FROM COUNT BAD_EXPR
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
path, first, count, bad = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
tasks = []
for i in range(first, first + count):
    data = {"id": i, "tag": "requeue"}
    if not eval(bad, {"i": i}):
        data["image"] = "https://example.test/%d.jpg" % i
    tasks.append({"data": data})
json.dump(tasks, open(path, "w"))
PY
}
make_tagged "$work/a.json" 0 2 "True"
make_tagged "$work/b.json" 10 4 "i % 2 == 1"
make_tagged "$work/c.json" 20 4 "False"
for f in a b c; do
  run_lsedge spool add --spool "$spool" "$work/$f.json"
  expect_rc 0
done
run_lsedge run --spool "$spool" --project "$project" --once --retry-cap-ms 100
expect_rc 5
on_server() { admin tasks "$project" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
[ "$(on_server)" = 6 ] || fail "expected the 6 good tasks on the server, got $(on_server)"

# list: every rejected file with its tasks and the server's reason, as text and as JSON.
run_lsedge spool rejected list --spool "$spool"
expect_rc 0
echo "$out"
[ "$(grep -c '\.json  ' <<<"$out")" -ge 2 ] || fail "list shows fewer than 2 rejected entries"
expect_out '"image" key is expected in task data'
run_lsedge --json spool rejected list --spool "$spool"
expect_rc 0
listed_tasks=$(/usr/bin/python3 -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin.read().splitlines() if l.strip()]
assert all(set(l) >= {"name", "tasks", "bytes", "reason"} for l in lines), lines
print(sum(l["tasks"] for l in lines))' <<<"$out") || fail "list --json is not one object per entry"
[ "$listed_tasks" = 4 ] || fail "list --json counts $listed_tasks tasks, want 4"

# A name that is not a rejected entry: usage error, nothing moved.
before=$(ls "$spool/rejected" | sort)
run_lsedge spool rejected requeue --spool "$spool" "../lsedge-spool"
expect_rc 2
run_lsedge spool rejected requeue --spool "$spool" "00000000000000000099-0000000000-1.json"
expect_rc 2
expect_err "no rejected entry"
run_lsedge spool rejected requeue --spool "$spool"
expect_rc 2
[ "$(ls "$spool/rejected" | sort)" = "$before" ] || fail "a refused requeue changed rejected/"

# The operator fixes the label config; one entry by name, then the rest with --all.
admin project-config "$project" "$work/text.xml" >/dev/null
first=$(ls "$spool/rejected" | grep -v '\.reason\.txt$' | sort | head -n1)
run_lsedge spool rejected requeue --spool "$spool" "$first"
expect_rc 0
expect_out "requeued"
[ ! -e "$spool/rejected/$first" ] || fail "$first is still in rejected/"
[ ! -e "$spool/rejected/${first%.json}.reason.txt" ] || fail "the reason of $first is still there"
run_lsedge --json spool rejected requeue --spool "$spool" --all
expect_rc 0
echo "$out"
run_lsedge spool rejected requeue --spool "$spool" --all
expect_rc 0
expect_out "nothing to requeue"
[ -z "$(ls "$spool/rejected")" ] || fail "rejected/ is not empty: $(ls "$spool/rejected")"

run_lsedge run --spool "$spool" --project "$project" --once
expect_rc 0
/usr/bin/python3 - "$project" <<PY || fail "not every task exactly once on the server"
import json, subprocess, sys
from collections import Counter
tasks = json.loads(subprocess.check_output(["$server_dir/admin.sh", "$LSEDGE_STATE", "tasks", sys.argv[1]]))
ids = Counter(t["data"]["id"] for t in tasks)
want = set(range(0, 2)) | set(range(10, 14)) | set(range(20, 24))
assert set(ids) == want, sorted(ids)
assert all(n == 1 for n in ids.values()), ids
print("check: %d tasks on the server, each once" % len(ids))
PY

