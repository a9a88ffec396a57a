#!/usr/bin/env bash
# Media through the spool (issue #13): files Label Studio would refuse are refused at `spool add`
# with nothing queued; a spool at its size cap refuses adds with exit 6 and `status` says so; media queued offline between task files go up in order through kill -9
# rounds of `run` with nothing lost (a file is on the server more than once only if its entry was
# logged as resent after an unknown outcome); a file a proxy refuses (413) goes to rejected/ with
# the reason, the queue moves on, and a requeue after the limit is raised uploads it.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
project=$(new_project "Spool media")
spool=$work/spool
cam=$work/cam
mkdir "$spool" "$cam" "$work/logs"

# Refused at add, nothing queued.
printf 'image\n/a.jpg\n' >"$cam/table.csv"
run_lsedge spool add --spool "$spool" --media "$cam/table.csv"
expect_rc 2
expect_err "reads tasks from '.csv'"
printf 'MZ' >"$cam/tool.exe"
run_lsedge spool add --spool "$spool" --media "$cam/tool.exe"
expect_rc 2
expect_err "does not import '.exe'"
: >"$cam/empty.jpg"
head -c 100 /dev/urandom >"$cam/ok.jpg"
run_lsedge spool add --spool "$spool" --media "$cam/ok.jpg" "$cam/empty.jpg"
expect_rc 2
expect_err "empty.jpg"
run_lsedge spool add --spool "$spool" --media "$cam/ok.jpg" "$cam/missing.jpg"
expect_rc 5
expect_err "missing.jpg"
[ -z "$(ls "$spool/queue")" ] || fail "a refused add queued something"
[ -z "$(ls "$spool/tmp")" ] || fail "a refused add left files in tmp/"

# 4 frames, 20 tasks, 8 frames and a clip, queued offline.
for i in $(seq 12); do head -c $((3000 + i * 211)) /dev/urandom >"$cam/frame-$i.jpg"; done
head -c 5000 /dev/urandom >"$cam/clip 1.wav"
run_lsedge spool add --spool "$spool" --media "$cam"/frame-{1..4}.jpg
expect_rc 0
expect_out "queued 4 media files (group 1; 4 hard-linked, not copied)"
make_tasks "$work/tasks.json" 0 20 "media-mix"
run_lsedge spool add --spool "$spool" --batch-bytes 1000 "$work/tasks.json"
expect_rc 0
run_lsedge --json spool add --spool "$spool" --media "$cam"/frame-{5..12}.jpg "$cam/clip 1.wav"
expect_rc 0
expect_out '"entries":9'
expect_out '"format":"media"'
spool_check snapshot "$spool" "$work/snapshot.json"
# Which entry holds which file, for the duplicate accounting.
(cd "$spool/queue" && find . -path '*.media/*' -type f | sed 's|^\./||') >"$work/media_entries.txt"
[ "$(wc -l <"$work/media_entries.txt")" -eq 13 ] || fail "expected 13 media entries"
run_lsedge status --spool "$spool"
expect_rc 0
expect_out "entries"

knob delay "250 0 /api/projects/$project/import"
kill_rounds "$spool" "$project" 10 1313
knob delay 0
run_lsedge run --spool "$spool" --project "$project" --once
cp "$work/stderr" "$work/logs/final.err"
expect_rc 0
expect_out "drained: 0 entries (0 tasks) queued, 0 in rejected/"
[ -z "$(find "$spool/queue" -mindepth 1)" ] || fail "files left in the queue"
[ -z "$(ls "$spool/tmp")" ] || fail "files left in tmp/"
server_tasks "$project" "$work/server.json"
spool_check verify "$work/snapshot.json" "$work/server.json" "$work"/logs/*.err || fail "tasks lost or duplicates unaccounted"
spool_check media "$work/media_entries.txt" "$work/server.json" "$work"/logs/*.err ||
  fail "media lost or duplicates unaccounted"
stored=$(find "$LSEDGE_TEST_STATE_DIR/media/upload/$project" -name '*frame-7.jpg' -type f | head -n 1)
cmp -s "$stored" "$cam/frame-7.jpg" || fail "the stored frame-7.jpg differs from the capture"
# FIFO: the first frame's task was created before the task file's, the clip's after them.
/usr/bin/python3 - "$work/server.json" <<'PY' || fail "media and tasks were not uploaded in queue order"
import json, sys
tasks = sorted(json.load(open(sys.argv[1])), key=lambda t: t["id"])
first = {}
for t in tasks:
    key = t.get("file_upload_name") or "tasks"
    first.setdefault(key, t["id"])
order = [first["frame-1.jpg"], first["frame-4.jpg"], first["tasks"], first["frame-5.jpg"], first["clip 1.wav"]]
print("first task ids:", order)
sys.exit(0 if order == sorted(order) else 1)
PY

# A proxy's body limit refuses one big file: rejected with the reason, the next one goes up.
spool2=$work/spool2
mkdir "$spool2"
head -c 300000 /dev/urandom >"$cam/big.jpg"
head -c 2000 /dev/urandom >"$cam/small.png"
run_lsedge spool add --spool "$spool2" --media "$cam/big.jpg" "$cam/small.png"
expect_rc 0
knob body_limit 100000
run_lsedge run --spool "$spool2" --project "$project" --once
expect_rc 5  # --once that rejected something (README, exit codes)
expect_err "refused this media file of 300000 bytes"
expect_out "drained: 0 entries (0 tasks) queued, 1 in rejected/"
run_lsedge spool rejected list --spool "$spool2"
expect_rc 0
expect_out "00000000000000000001-0000000000-1.media  1 task, 300000 B  a proxy in front of Label Studio refused this media file"
[ -f "$spool2/rejected/00000000000000000001-0000000000-1.media/big.jpg" ] || fail "the refused file is not kept"
knob body_limit 0
run_lsedge spool rejected requeue --spool "$spool2" --all
expect_rc 0
run_lsedge run --spool "$spool2" --project "$project" --once
expect_rc 0
expect_out "drained: 0 entries (0 tasks) queued, 0 in rejected/"
[ "$(admin tasks "$project" | grep -c '"file_upload_name": "big.jpg"')" -eq 1 ] || fail "big.jpg is not on the server once"

# The size cap: an add past it is refused (exit 6, nothing queued, nothing dropped), status and
# the metrics say so, and once run has uploaded there is room again.
run_lsedge spool limit --spool "$spool2" --max-bytes 10000
expect_rc 0
expect_out "at most 10000 bytes queued"
run_lsedge spool add --spool "$spool2" --media "$cam/frame-1.jpg" "$cam/frame-2.jpg"
expect_rc 0
run_lsedge spool add --spool "$spool2" --media "$cam/clip 1.wav"
expect_rc 6
expect_err "bytes queued of its cap of 10000; this add needs 5000 more"
[ "$(find "$spool2/queue" -name '*.media' | wc -l)" -eq 2 ] || fail "the refused add changed the queue"
run_lsedge status --spool "$spool2"
expect_out "size: 6633 bytes queued of a cap of 10000 (3367 left)"
run_lsedge spool limit --spool "$spool2" --max-bytes 6000
run_lsedge status --spool "$spool2" --prometheus "$work/lsedge.prom"
expect_rc 0
expect_out "of a cap of 6000; FULL: spool add refuses new entries"
grep -q '^lsedge_spool_max_bytes{spool=".*"} 6000$' "$work/lsedge.prom" || fail "no max_bytes metric"
grep -qE '^lsedge_spool_bytes\{spool=".*"\} [0-9]+$' "$work/lsedge.prom" || fail "no bytes metric"
run_lsedge --json status --spool "$spool2"
expect_out '"full":true'
run_lsedge run --spool "$spool2" --project "$project" --once
expect_rc 0
run_lsedge spool add --spool "$spool2" --media "$cam/clip 1.wav"
expect_rc 0
run_lsedge spool limit --spool "$spool2" --max-bytes 0
expect_out "no size cap"
echo PASS
