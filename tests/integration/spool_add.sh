#!/usr/bin/env bash
# lsedge spool add: the task file becomes entries under DIR/queue (no server involved).
. "$(dirname "$0")/lib.sh"
mkdir "$work/spool"
printf '[{"data":{"n":1}},{"data":{"n":2}},{"data":{"n":3}}]' >"$work/tasks.json"
run_lsedge spool add --spool "$work/spool" "$work/tasks.json"
expect_rc 0
expect_out "queued 3 tasks in 1 entry"
[ "$(ls "$work/spool/queue")" = "00000000000000000001" ] || fail "expected one group in the queue"
[ "$(ls "$work/spool/queue/00000000000000000001")" = "0000000000-3.json" ] || fail "expected one entry"
[ "$(cat "$work/spool/queue/00000000000000000001/0000000000-3.json")" = \
  '[{"data":{"n":1}},{"data":{"n":2}},{"data":{"n":3}}]' ] || fail "entry is not the batch body"
# Small batches: one entry per task, in a second group.
run_lsedge --json spool add --spool "$work/spool" --batch-bytes 20 "$work/tasks.json"
expect_rc 0
[ "$out" = '{"entries":3,"tasks":3,"sequence":2,"format":"JSON array"}' ] || fail "unexpected: $out"
[ "$(ls "$work/spool/queue/00000000000000000002" | tr '\n' ' ')" = \
  "0000000000-1.json 0000000001-1.json 0000000002-1.json " ] || fail "expected three entries"
# An invalid file queues nothing.
printf '[{"data":{"n":1}},{"data":' >"$work/bad.json"
run_lsedge spool add --spool "$work/spool" "$work/bad.json"
[ "$rc" -ne 0 ] || fail "an invalid file was queued"
expect_err "byte"
[ "$(ls "$work/spool/queue" | wc -l)" -eq 2 ] || fail "an invalid file left a group in the queue"
run_lsedge spool add "$work/tasks.json"
expect_rc 2
echo PASS
