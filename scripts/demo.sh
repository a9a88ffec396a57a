#!/usr/bin/env bash
# The main job, end to end on one machine: builds lsedge (host-release), starts the loopback
# Label Studio-compatible server (tests/server) over TLS, creates a Personal Access Token for the
# device, then: whoami, project ensure, import of sample tasks, and the store-and-forward path
# (spool add, run --once), also for two camera frames with their model's predictions. Prints
# what the server holds, and stops the server again.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset host-release >/dev/null
cmake --build --preset host-release --target lsedge >/dev/null
lsedge=$PWD/build/host-release/platform/linux/lsedge

state=$(mktemp -d "${TMPDIR:-/tmp}/lsedge-demo.XXXXXX")
cleanup() {
  tests/server/stop.sh "$state" >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT
echo "== starting the loopback Label Studio-compatible server (nginx + TLS, Django, simplejwt)"
tests/server/start.sh "$state" >/dev/null
# shellcheck disable=SC1091
. "$state/env"

echo "== creating a Personal Access Token for this device"
LABEL_STUDIO_API_TOKEN=$(tests/server/admin.sh "$state" new-pat)
export LABEL_STUDIO_API_TOKEN
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE

echo "== lsedge whoami  (PAT -> POST /api/token/refresh/ -> Bearer access token)"
"$lsedge" whoami

title="Dock camera 3 — forklift and pallet detection, night shift"
echo "== lsedge project ensure --title \"$title\" (over 50 characters)"
project=$("$lsedge" project ensure --title "$title" --task-id 6b5805c9-9b11-4cb5-bd73-2f373d26963c)
echo "project id: $project; asking again finds the same project:"
"$lsedge" --json project ensure --title "$title" --task-id 6b5805c9-9b11-4cb5-bd73-2f373d26963c

tasks=$state/sample-tasks.ndjson
for i in $(seq 1 250); do
  printf '{"data":{"image":"/data/upload/frame-%04d.jpg","camera":"dock-3","seq":%d}}\n' "$i" "$i"
done >"$tasks"
echo "== lsedge import --project $project --batch-bytes 8192 sample-tasks.ndjson  (250 tasks)"
"$lsedge" import --project "$project" --batch-bytes 8192 "$tasks"

echo "== store and forward: lsedge spool add, then lsedge run --once"
spool=$state/spool
mkdir "$spool"
head -n 40 "$tasks" >"$state/more.ndjson"
"$lsedge" spool add --spool "$spool" --batch-bytes 2048 "$state/more.ndjson"
"$lsedge" run --spool "$spool" --project "$project" --once
echo "== lsedge status --spool (no network): what an operator or a fleet's metrics read"
"$lsedge" status --spool "$spool"

echo "== two camera frames with their model's detections, queued offline, then uploaded"
# The labeling config a person sets in Label Studio's UI: boxes labelled car or person.
cat >"$state/config.xml" <<'XML'
<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image"><Label value="car"/><Label value="person"/></RectangleLabels>
</View>
XML
tests/server/admin.sh "$state" project-config "$project" "$state/config.xml" >/dev/null
for i in 1 2; do
  # A 1x1 PNG stands in for the frame.
  printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82' \
    >"$state/dock3-frame-000$i.png"
  label=$([ "$i" = 1 ] && echo car || echo person)
  cat >"$state/dock3-frame-000$i.json" <<JSON
[{"result": [{"from_name": "label", "to_name": "image", "type": "rectanglelabels",
   "value": {"x": 12.5, "y": 30, "width": 20, "height": 15, "rectanglelabels": ["$label"]}}],
  "score": 0.9$i, "model_version": "yolo-v8n-2026-11"}]
JSON
done
"$lsedge" spool add --spool "$spool" --media "$state/dock3-frame-0001.png" \
  --predictions "$state/dock3-frame-0001.json" "$state/dock3-frame-0002.png" \
  --predictions "$state/dock3-frame-0002.json"
"$lsedge" run --spool "$spool" --project "$project" --once
echo "== the frames' tasks on the server, with their predictions:"
tests/server/admin.sh "$state" tasks "$project" | /usr/bin/python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t.get("file_upload_name"):
        for p in t["prediction_list"]:
            r = p["result"][0]
            print("task %d  %s  %s %s score %s (%s)" % (t["id"], t["file_upload_name"], r["type"],
                  r["value"]["rectanglelabels"], p["score"], p["model_version"]))'

echo "== the server now holds:"
tests/server/admin.sh "$state" tasks "$project" |
  /usr/bin/python3 -c 'import json,sys; t=json.load(sys.stdin); print("%d tasks in project %s, e.g. %s" % (len(t), sys.argv[1], json.dumps(t[0]["data"])))' "$project"
echo "== requests the server saw (the log never holds a token):"
cut -d' ' -f2-5 "$LSEDGE_TEST_REQUEST_LOG" | sort | uniq -c
echo "== done; stopping the server"
