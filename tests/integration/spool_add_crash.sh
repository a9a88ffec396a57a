#!/usr/bin/env bash
# `lsedge spool add` killed with -9 at random moments (20 rounds): each add is in the queue whole
# or not at all, never in part, and the leftovers in tmp/ are cleared by the next consumer.
# (The full disk is spool_add_disk_full.sh: it needs a mount namespace, this one nothing.)
. "$(dirname "$0")/lib.sh"
spool=$work/spool
mkdir "$spool"
make_tasks "$work/big.json" 0 8000 "crash"

# Count of tasks in each published group: must be 0 or 8000.
groups_ok() {
  local group n
  for group in "$spool"/queue/*/; do
    [ -d "$group" ] || continue
    n=$(ls "$group" | grep -E '^[0-9]{10}-[0-9]+\.json$' | sed -E 's/.*-([0-9]+)\.json/\1/' | paste -sd+)
    [ "$((n))" -eq 8000 ] || { echo "group $group holds $((n)) tasks"; return 1; }
  done
}
# How long a whole add takes here, to spread the kills over it.
start=$(date +%s%N)
run_lsedge spool add --spool "$spool" --batch-bytes 4096 "$work/big.json"
expect_rc 0
full_ms=$((($(date +%s%N) - start) / 1000000))
echo "a full add takes ${full_ms} ms"
RANDOM=777
completed=0
for round in $(seq 20); do
  "$LSEDGE" spool add --spool "$spool" --batch-bytes 4096 "$work/big.json" >/dev/null 2>&1 &
  pid=$!
  delay_ms=$((RANDOM % (full_ms * 5 / 4 + 20)))
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -9 "$pid" 2>/dev/null || true
  set +e
  wait "$pid" 2>/dev/null
  add_rc=$?
  set -e
  [ "$add_rc" -eq 0 ] && completed=$((completed + 1))
  groups=$(ls "$spool/queue" | wc -l)
  echo "round $round: kill after ${delay_ms} ms, add exit $add_rc; $groups groups, $(ls "$spool/tmp" | wc -l) in tmp/"
  groups_ok || fail "an add was published in part"
  # An add that finished before the kill must be there.
  [ "$groups" -ge $((1 + completed)) ] || fail "a completed add is missing"
done
# The consumer's open clears tmp/ (crashed adds), without touching the queue.
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
before=$(ls "$spool/queue" | wc -l)
run_lsedge run --spool "$spool" --project 999999 --once
expect_rc 2
[ -z "$(ls "$spool/tmp")" ] || fail "tmp/ not cleared by the consumer"
[ "$(ls "$spool/queue" | wc -l)" -eq "$before" ] || fail "the queue changed"

echo PASS
