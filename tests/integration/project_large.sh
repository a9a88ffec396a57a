#!/usr/bin/env bash
# Projects whose objects outgrow the response buffer (each label adds to the label config,
# parsed_label_config and control_weights): a 150-label config with colours (~7 KB) is streamed
# into the create, the project is created once and found again with include= honoured and with
# a server that ignores it, and `run` imports into it. A 2000-label project (~90 KB config, larger
# than the host's 64 KiB response buffer) shows the answers cut short: the create's 201, the
# one-project pages of the lookup and run's GET still give the id and title.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
run_id=${work##*.}

# make_config FILE N: an image detection config with N labels, each with its own colour.
make_config() {
  /usr/bin/python3 - "$@" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write('<View>\n  <Image name="image" value="$image"/>\n'
            '  <RectangleLabels name="label" toName="image">\n')
    for i in range(n):
        f.write('    <Label value="class_%04d_vehicle" background="#%06x"/>\n' % (i, (i * 2654435761) & 0xFFFFFF))
    f.write('  </RectangleLabels>\n</View>\n')
PY
}
# The id in `project ensure --json` output.
json_id() { printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
# The label config the server stored for project $1.
server_config() {
  local access
  access=$(curl -sS --cacert "$LSEDGE_TEST_CA_FILE" -H 'Content-Type: application/json' \
    -d "{\"refresh\":\"$PAT\"}" "$LSEDGE_TEST_HTTPS_URL/api/token/refresh/" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access"])')
  curl -sS --cacert "$LSEDGE_TEST_CA_FILE" -H "Authorization: Bearer $access" \
    "$LSEDGE_TEST_HTTPS_URL/api/projects/$1/" |
    /usr/bin/python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["label_config"])'
}
posts() { count_requests ' POST /api/projects/? '; }
# run_into PROJECT FIRST: spools 20 tasks with an image URL and drains them into PROJECT.
run_into() {
  local spool=$work/spool-$1
  mkdir -p "$spool"
  /usr/bin/python3 - "$work/tasks-$1.json" "$2" <<'PY'
import json, sys
first = int(sys.argv[2])
json.dump([{"data": {"id": i, "image": "https://example.com/img/%d.jpg" % i}} for i in range(first, first + 20)],
          open(sys.argv[1], "w"))
PY
  run_lsedge spool add --spool "$spool" "$work/tasks-$1.json"
  expect_rc 0
  run_lsedge --json run --spool "$spool" --project "$1" --once
  expect_rc 0
  expect_out '"event":"drained","queued_entries":0,"queued_tasks":0'
  [ "$(admin tasks "$1" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" -ge 20 ] ||
    fail "the tasks did not reach project $1"
}

make_config "$work/labels150.xml" 150
size=$(stat -c %s "$work/labels150.xml")
[ "$size" -gt 6500 ] || fail "the 150-label config is only $size bytes"
echo "150-label config: $size bytes"

clear_request_log
run_lsedge --json project ensure --title "Large $run_id" --label-config "$work/labels150.xml"
expect_rc 0
expect_out '"created":true'
id=$(json_id)
[ "$(posts)" -eq 1 ] || fail "expected one create"
[ "$(server_config "$id")" = "$(cat "$work/labels150.xml")" ] || fail "the server's label config differs from the file"

run_lsedge --json project ensure --title "Large $run_id" --label-config "$work/labels150.xml"
expect_rc 0
expect_out "\"id\":$id,"
expect_out '"created":false'
knob ignore_include on
run_lsedge --json project ensure --title "Large $run_id" --label-config "$work/labels150.xml"
expect_rc 0
expect_out "\"id\":$id,"
expect_out '"created":false'
[ "$(posts)" -eq 1 ] || fail "ensure created the project a second time"
run_into "$id" 1000
knob ignore_include off

# 2000 labels: every whole project answer is larger than the host's response buffer. A server
# that ignores include= (as drf-flex-fields does on POST) answers the create with all of it.
make_config "$work/labels2000.xml" 2000
echo "2000-label config: $(stat -c %s "$work/labels2000.xml") bytes"
clear_request_log
knob ignore_include on
run_lsedge --json -v -v project ensure --title "Huge $run_id" --label-config "$work/labels2000.xml"
expect_rc 0
expect_out '"created":true'
huge=$(json_id)
grep -qE "POST /api/projects/.*-> 201 .*body truncated" <<<"$err" || fail "the 201 was not cut short"
[ "$(server_config "$huge")" = "$(cat "$work/labels2000.xml")" ] || fail "the 2000-label config was not stored whole"
run_lsedge --json -v -v project ensure --title "Huge $run_id" --label-config "$work/labels2000.xml"
expect_rc 0
expect_out "\"id\":$huge,"
expect_out '"created":false'
# Pages of 100 .. 5 are cut short and asked for again; the one-project page gives id and title.
grep -qE 'GET /api/projects/\?page=1&page_size=1&[^ ]* -> 200 .*body truncated' <<<"$err" ||
  fail "the lookup did not read a one-project page cut short"
[ "$(posts)" -eq 1 ] || fail "the huge project was created twice"
run_into "$huge" 2000
echo PASS
