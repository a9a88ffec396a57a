#!/usr/bin/env bash
# lsedge import behind a proxy with a 64 KiB body limit (nginx client_max_body_size answers 413):
# batches larger than the limit are split until they pass, every task lands exactly once, and a
# warning names a --batch-bytes that fits (importing again with it gets no 413); one task larger
# than the limit fails with a reason that names the proxy limit.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
run_id=${work##*.}

# ids_once PROJECT IDS...: exactly these data.id values, each once.
ids_once() {
  local project=$1
  shift
  admin tasks "$project" | /usr/bin/python3 -c '
import json, sys
from collections import Counter
want = Counter(int(i) for i in sys.argv[1:])
got = Counter(t["data"].get("id") for t in json.load(sys.stdin))
if got != want:
    sys.exit("expected %d distinct tasks once each, got %d tasks (%d distinct)" % (len(want), sum(got.values()), len(got)))' "$@" ||
    fail "project $project: tasks are not each on the server exactly once"
}

# nginx answers the 413 itself: Django's request log never sees it, nginx's access log does.
# The access log outlives server restarts: count only lines after the mark.
nginx_log=$LSEDGE_TEST_STATE_DIR/logs/nginx-access.log
mark_nginx_log() { log_mark=$(wc -l <"$nginx_log"); }
proxy_413s() { tail -n "+$((log_mark + 1))" "$nginx_log" | grep -c " POST /api/projects/$1/import 413 " || true; }

knob body_limit 65536
run_lsedge project ensure --title "Proxy limit $run_id"
expect_rc 0
project=$out

# ~350 KB of tasks, default budget (1 MiB): one request, refused, split until the parts pass.
make_tasks "$work/tasks.json" 1 6000 proxy
clear_request_log
mark_nginx_log
run_lsedge import --project "$project" "$work/tasks.json"
expect_rc 0
expect_out "imported 6000 tasks in "
expect_err "HTTP 413"
expect_err "client_max_body_size"
[ "$(proxy_413s "$project")" -ge 1 ] || fail "no 413 in nginx's access log"
[ "$(count_requests " POST /api/projects/$project/import 201 ")" -eq "$(sed -n 's/.* in \([0-9]*\) requests$/\1/p' <<<"$out")" ] ||
  fail "the server imported more batches than lsedge counted"
ids_once "$project" $(seq 1 6000)
fits=$(sed -n 's/.*use --batch-bytes \([0-9]*\).*/\1/p' <<<"$err")
[ -n "$fits" ] || fail "the warning names no --batch-bytes"
[ "$fits" -le 65536 ] || fail "--batch-bytes $fits does not fit a 65536-byte limit"
[ "$fits" -ge 16384 ] || fail "--batch-bytes $fits is needlessly small for a 65536-byte limit"

# With the suggested --batch-bytes: no 413 at all.
run_lsedge project ensure --title "Proxy limit fits $run_id"
expect_rc 0
fitting_project=$out
clear_request_log
mark_nginx_log
run_lsedge import --project "$fitting_project" --batch-bytes "$fits" "$work/tasks.json"
expect_rc 0
expect_out "imported 6000 tasks in "
[ "$(proxy_413s "$fitting_project")" -eq 0 ] || fail "--batch-bytes $fits still got a 413"
[ -z "$err" ] || fail "unexpected warnings: $err"
ids_once "$fitting_project" $(seq 1 6000)

# One task larger than the limit, between two small ones: the first lands, then a clear error.
/usr/bin/python3 -c '
import json
print(json.dumps([{"data": {"id": 1, "text": "small"}},
                  {"data": {"id": 2, "text": "x" * 70000}},
                  {"data": {"id": 3, "text": "small"}}]))' >"$work/huge.json"
run_lsedge project ensure --title "Proxy limit huge $run_id"
expect_rc 0
huge_project=$out
run_lsedge import --project "$huge_project" "$work/huge.json"
expect_rc 5
expect_err "task 2 (a "
expect_err "is larger than the server's proxy accepts (HTTP 413"
expect_err "client_max_body_size"
expect_err "use --batch-bytes 35016 "
expect_err "1 tasks were imported before the failure"
ids_once "$huge_project" 1
