#!/usr/bin/env bash
# Media with model predictions through the spool (issue #13): frames queued offline with their
# detections arrive after kill -9 rounds of `run` with the predictions attached to their tasks
# (checked on the server). A prediction Label Studio refuses (strict validation: 400; lenient:
# fewer created) sets the entry aside with the reason while its media task stays on the server,
# and a requeue sends only the predictions again, never the media.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
cat >"$work/config.xml" <<'XML'
<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="car"/>
    <Label value="person"/>
  </RectangleLabels>
</View>
XML
project=$(project_with_config "Spool predictions" "$work/config.xml")
knob predictions_validation strict
spool=$work/spool
cam=$work/cam
mkdir "$spool" "$cam" "$work/logs"
# predictions FILE LABEL...: one prediction per label, Label Studio's format.
predictions() {
  local file=$1 sep="" label
  shift
  {
    printf '[\n'
    for label in "$@"; do
      printf '%s  {"result": [{"from_name": "label", "to_name": "image", "type": "rectanglelabels",\n' "$sep"
      printf '    "value": {"x": 10, "y": 20, "width": 30, "height": 40, "rectanglelabels": ["%s"]}}],\n' "$label"
      printf '   "score": 0.87, "model_version": "yolo-v8n-2026-11"}'
      sep=$',\n'
    done
    printf '\n]\n'
  } >"$file"
}
for i in $(seq 8); do
  head -c $((4000 + i * 97)) /dev/urandom >"$cam/frame-$i.jpg"
  predictions "$cam/frame-$i.json" car person
done
predictions "$cam/truck.json" truck
printf '{"result": [' >"$cam/cut.json"

run_lsedge spool add --spool "$spool" --media "$cam/frame-1.jpg" --predictions "$cam/cut.json"
expect_rc 2
expect_err "predictions file $cam/cut.json"
run_lsedge spool add --spool "$spool" --predictions "$cam/frame-1.json" --media "$cam/frame-1.jpg"
expect_rc 2
expect_err "follows the media file"
[ -z "$(ls "$spool/queue")" ] || fail "a refused add queued something"

run_lsedge spool add --spool "$spool" --media "$cam/frame-1.jpg" --predictions "$cam/frame-1.json" \
  "$cam/frame-2.jpg" "$cam/frame-3.jpg" --predictions "$cam/frame-3.json"
expect_rc 0
expect_out "queued 3 media files (group 1; 3 hard-linked, not copied)"
run_lsedge spool add --spool "$spool" --media "$cam/frame-4.jpg" --predictions "$cam/truck.json"
expect_rc 0
args=()
for i in 5 6 7 8; do args+=("$cam/frame-$i.jpg" --predictions "$cam/frame-$i.json"); done
run_lsedge spool add --spool "$spool" --media "${args[@]}"
expect_rc 0
(cd "$spool/queue" && find . -path '*.media/*' -name '*.jpg' | sed 's|^\./||') >"$work/media_entries.txt"

# kill -9 rounds while both requests are slow on the server.
knob delay "200 0 /api/projects/$project/import"
kill_rounds "$spool" "$project" 10 2727
knob delay 0
run_lsedge run --spool "$spool" --project "$project" --once
cp "$work/stderr" "$work/logs/final.err"
# frame-4's prediction is refused by this run (exit 5) or was by a killed one (exit 0).
[ "$rc" -eq 0 ] || [ "$rc" -eq 5 ] || fail "run --once ended with exit code $rc"
expect_out "0 entries (0 tasks) queued, 1 in rejected/"
server_tasks "$project" "$work/server.json"
/usr/bin/python3 - "$work/server.json" "$work/media_entries.txt" "$work"/logs/*.err <<'PY' || fail "media or predictions lost, or duplicates unaccounted"
import collections, json, re, sys
tasks = json.load(open(sys.argv[1]))
entry_of = {}
for line in open(sys.argv[2]):
    entry, name = line.rstrip("\n").rsplit("/", 1)
    entry_of[name] = entry
resends = collections.Counter()
for log in sys.argv[3:]:
    for m in re.finditer(r"resending (\S+) \(1 tasks\)", open(log, errors="replace").read()):
        resends[m.group(1)] += 1
by_file = collections.defaultdict(list)
for t in tasks:
    by_file[t.get("file_upload_name")].append(t)
bad = []
for name, entry in sorted(entry_of.items()):
    copies = by_file.get(name, [])
    predictions = [p for t in copies for p in t["prediction_list"]]
    want = 0 if name in ("frame-2.jpg", "frame-4.jpg") else 2
    labels = sorted(p["result"][0]["value"]["rectanglelabels"][0] for p in predictions)
    print("%s: %d task(s), %d predictions %s, %d resends" % (name, len(copies), len(predictions), labels, resends[entry]))
    if not copies or len(copies) - 1 > resends[entry]:
        bad.append(name + ": tasks")
    if want and (len(predictions) < want or len(predictions) - want > want * resends[entry]):
        bad.append(name + ": predictions")
    if want and any(p["model_version"] != "yolo-v8n-2026-11" or p["score"] != 0.87 for p in predictions):
        bad.append(name + ": prediction fields")
    if not want and predictions:
        bad.append(name + ": unexpected predictions")
print("problems:", bad)
sys.exit(1 if bad else 0)
PY

# The refused entry: in rejected/ with the server's reason and the task id, its media on the
# server; a requeue (here: after the server stops validating) sends only the predictions.
rejected_entry=$(find "$spool/rejected" -maxdepth 1 -name '*.media')
[ -f "$rejected_entry/frame-4.jpg" ] && [ -f "$rejected_entry/.task" ] || fail "the refused entry is not kept whole"
run_lsedge spool rejected list --spool "$spool"
expect_rc 0
expect_out "Prediction 0: Region 0: Invalid value for control 'label'"
uploads_before=$(admin tasks "$project" | grep -c '"file_upload_name": "frame-4.jpg"')
knob predictions_validation none
run_lsedge spool rejected requeue --spool "$spool" --all
expect_rc 0
clear_request_log
run_lsedge run --spool "$spool" --project "$project" --once
expect_rc 0
[ "$(count_requests "POST /api/projects/$project/import[ ?]")" -eq 0 ] || fail "the media was uploaded again"
[ "$(count_requests "POST /api/projects/$project/import/predictions ")" -eq 1 ] || fail "the predictions were not sent once"
[ "$(admin tasks "$project" | grep -c '"file_upload_name": "frame-4.jpg"')" -eq "$uploads_before" ] || fail "a new task for frame-4.jpg"

# Lenient validation (Label Studio without the flag): fewer created than sent is a refusal.
knob predictions_validation lenient
predictions "$cam/mixed.json" car truck
run_lsedge spool add --spool "$spool" --media "$cam/frame-1.jpg" --predictions "$cam/mixed.json"
expect_rc 0
run_lsedge run --spool "$spool" --project "$project" --once
expect_rc 5
expect_err "Label Studio stored 1 of 2 predictions for task"
knob predictions_validation strict

# Enterprise's asynchronous import: the task id comes from the import's status.
knob async_import on
run_lsedge spool add --spool "$spool" --media "$cam/frame-2.jpg" --predictions "$cam/frame-2.json"
expect_rc 0
run_lsedge spool rejected requeue --spool "$spool" --all
run_lsedge run --spool "$spool" --project "$project" --once
expect_rc 5  # the mixed entry again (strict now)
knob async_import off
last=$(admin tasks "$project" | /usr/bin/python3 -c '
import json, sys
tasks = [t for t in json.load(sys.stdin) if t.get("file_upload_name") == "frame-2.jpg"]
print(len(max(tasks, key=lambda t: t["id"])["prediction_list"]))')
[ "$last" -eq 2 ] || fail "the asynchronously imported frame-2.jpg has $last predictions, not 2"
echo PASS
