#!/usr/bin/env bash
# Issue #11: a full disk can always drain. On a small tmpfs whose bytes, inodes or both are used
# to the last one (a queue of adds until `spool add` says "disk full", then filler files),
# `run --once` sends every entry (marking one as sending needs no new inode or byte) and an entry
# the server refuses leaves the queue (the reason, which needs space, goes to the log instead).
# Needs mount(2) in a mount namespace (root, as CI runs): skipped (exit 77) elsewhere.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
mkdir "$work/probe"
if ! unshare -m sh -c 'mount -t tmpfs -o size=64k tmpfs "$1"' probe "$work/probe" 2>/dev/null; then
  skip "mounting a tmpfs in a mount namespace is not permitted here (needs root, not a chroot)"
fi
project=$(new_project "Full disk")
import_path="/api/projects/$project/import"

# inner.sh MNT OPTIONS TAG OUTDIR: fills a tmpfs mounted with OPTIONS, then drains it.
cat >"$work/inner.sh" <<'INNER'
set -u
mnt=$1 options=$2 tag=$3 out=$4
mount -t tmpfs -o "$options" tmpfs "$mnt" || exit 90
adds=0
for i in $(seq 0 199); do
  "$LSEDGE" spool add --spool "$mnt/spool" --batch-bytes 1500 "$out/tasks-$i.json" \
    >/dev/null 2>"$out/add.err" || break
  adds=$((adds + 1))
done
echo "$adds" >"$out/adds"
grep -q "disk full" "$out/add.err" || { echo "the last add did not fail for a full disk" >"$out/why"; exit 91; }
# Every byte and/or inode left: filler files beside the spool.
if [ "$tag" != inodes ]; then dd if=/dev/zero of="$mnt/filler" bs=4096 2>/dev/null; fi
if [ "$tag" != bytes ]; then
  for i in $(seq 0 1000); do : >"$mnt/f$i" 2>/dev/null || break; done
fi
df -k "$mnt" >"$out/df"; df -i "$mnt" >>"$out/df"
find "$mnt/spool/queue" -name '*.json' | wc -l >"$out/entries"
"$LSEDGE" run --spool "$mnt/spool" --project "$PROJECT" --once --retry-cap-ms 100 \
  >"$out/run.out" 2>"$out/run.err"
echo $? >"$out/run.rc"
find "$mnt/spool/queue" -name '*.json' | wc -l >"$out/left"
ls "$mnt/spool/rejected" >"$out/rejected"
INNER

for limits in "size=128k,nr_inodes=100000:bytes" "size=16m,nr_inodes=40:inodes" \
  "size=128k,nr_inodes=40:both"; do
  options=${limits%%:*} tag=${limits##*:}
  out=$work/$tag
  mkdir -p "$out" "$work/mnt-$tag"
  /usr/bin/python3 - "$out" "$tag" <<'PY'
import json, sys
for i in range(200):
    with open("%s/tasks-%d.json" % (sys.argv[1], i), "w") as f:
        json.dump([{"data": {"id": i * 10 + k, "tag": sys.argv[2]}} for k in range(10)], f)
PY
  admin reset >/dev/null
  # Two 400s: the first batch (issue #13), then its first entry sent alone, which is rejected;
  # the rest goes alone, then in batches again.
  knob fail "2 400 $import_path"
  set +e
  PROJECT=$project unshare -m bash "$work/inner.sh" "$work/mnt-$tag" "$options" "$tag" "$out"
  inner_rc=$?
  set -e
  [ "$inner_rc" -eq 0 ] || fail "$tag: the fill failed ($inner_rc): $(cat "$out/why" 2>/dev/null)"
  cat "$out/df"
  echo "$tag: $(cat "$out/adds") adds, $(cat "$out/entries") entries queued; run exit $(cat "$out/run.rc")"
  sed 's/^/  err: /' "$out/run.err" | tail -5
  [ "$(cat "$out/entries")" -gt 1 ] || fail "$tag: too little queued to test"
  # Exit 5: one entry rejected; every other one sent.
  [ "$(cat "$out/run.rc")" -eq 5 ] || fail "$tag: run exited $(cat "$out/run.rc"), expected 5 (one rejected)"
  [ "$(cat "$out/left")" -eq 0 ] || fail "$tag: $(cat "$out/left") entries left in the queue"
  [ "$(grep -c '\.json$' "$out/rejected")" -eq 1 ] || fail "$tag: the refused entry is not in rejected/"
  grep -q "the reason was: " "$out/run.err" || fail "$tag: the reason that had no room is not in the log"
  sent=$(admin tasks "$project" | grep -o "\"tag\": \"$tag\"" | wc -l)
  rejected_tasks=$(sed -nE 's/^[0-9]{20}-[0-9]{10}-([0-9]+)\.json$/\1/p' "$out/rejected")
  [ "$sent" -eq $(($(cat "$out/adds") * 10 - rejected_tasks)) ] ||
    fail "$tag: the server holds $sent tasks, expected $(($(cat "$out/adds") * 10 - rejected_tasks))"
done
echo PASS
