#!/usr/bin/env bash
# The PAT is revoked (blacklisted) while `lsedge run` uploads: once the access token in hand
# expires, the refresh is refused and the daemon exits 3 with the server's reason and what to do;
# every entry not confirmed is still queued (none rejected, none lost), and nothing more is sent.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
project=$(new_project "Run revoked")
import_path="/api/projects/$project/import"
spool=$work/spool
mkdir "$spool"
make_tasks "$work/tasks.json" 0 400 "revoked"
run_lsedge spool add --spool "$spool" --batch-bytes 1000 "$work/tasks.json"
expect_rc 0
total_entries=$(find "$spool/queue" -name '*.json' | wc -l)

pat=$(admin new-pat)
knob access_lifetime 2 delay "100 0 $import_path"
# --batch-bytes as the add's: one entry per request, so the revocation falls mid-queue.
LABEL_STUDIO_API_TOKEN=$pat "$LSEDGE" run --spool "$spool" --project "$project" --retry-cap-ms 200 \
  --batch-bytes 1000 >"$work/daemon.out" 2>"$work/daemon.err" &
pid=$!
trap 'kill -9 "$pid" 2>/dev/null || true; rm -rf "$work"; admin reset >/dev/null 2>&1 || true' EXIT
for _ in $(seq 100); do
  [ "$(grep -c '^sent ' "$work/daemon.out" || true)" -ge 3 ] && break
  sleep 0.05
done
curl -fsS -o /dev/null --cacert "$LSEDGE_TEST_CA_FILE" -X POST -H 'Content-Type: application/json' \
  -d "{\"refresh\": \"$pat\"}" "$LSEDGE_TEST_HTTPS_URL/api/token/blacklist/"
echo "PAT revoked after $(grep -c '^sent ' "$work/daemon.out") entries"
for _ in $(seq 150); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
set +e
wait "$pid"
daemon_rc=$?
set -e
trap 'rm -rf "$work"; admin reset >/dev/null 2>&1 || true' EXIT
cat "$work/daemon.err"
tail -n 1 "$work/daemon.out"
[ "$daemon_rc" -eq 3 ] || fail "exit code $daemon_rc, expected 3"
grep -q "Token is blacklisted" "$work/daemon.err" || fail "the server's reason is not shown"
grep -q "what to do: the Personal Access Token was revoked" "$work/daemon.err" || fail "no advice"
grep -q "still queued" "$work/daemon.err" || fail "not told that the queue is intact"
sent=$(grep -c '^sent ' "$work/daemon.out" || true)
left=$(find "$spool/queue" -name '*.json' | wc -l)
echo "sent $sent, left $left of $total_entries"
[ "$left" -gt 0 ] || fail "the whole queue was sent before the revocation took effect"
[ $((sent + left)) -eq "$total_entries" ] || fail "entries lost: $sent sent + $left left != $total_entries"
[ -z "$(ls "$spool/rejected")" ] || fail "entries were rejected"
# What the server holds is exactly what was confirmed (no answer was lost in this run).
grep -q "lost the answer to 0 requests" "$work/daemon.out" || fail "unexpected unknown outcomes"
sent_tasks=$(($(sed -nE 's/^sent [^:]+: ([0-9]+) tasks.*/\1/p' "$work/daemon.out" | paste -sd+)))
server_count=$(admin tasks "$project" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$server_count" -eq "$sent_tasks" ] || fail "server holds $server_count tasks, $sent_tasks confirmed"
grep -q "$pat" "$work/daemon.out" "$work/daemon.err" && fail "the PAT was printed"
# Started again with the revoked PAT: exit 3 at once, nothing sent.
clear_request_log
LABEL_STUDIO_API_TOKEN=$pat run_lsedge run --spool "$spool" --project "$project" --once
expect_rc 3
[ "$(count_requests " $import_path ")" -eq 0 ] || fail "imports were sent with a revoked PAT"
[ "$(find "$spool/queue" -name '*.json' | wc -l)" -eq "$left" ] || fail "the queue changed"
echo PASS
