#!/bin/bash
# End-to-end self-test of the loopback test server with curl: starts a server in a fresh temp dir, checks the Label
# Studio behaviours and every knob, stops it and checks that nothing is left running.
# Usage: selftest.sh [-k]     (-k: keep the state dir for inspection)
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
PY=/usr/bin/python3
keep=0
[ "${1:-}" = "-k" ] && keep=1

pass=0
failures=0
ok() { pass=$((pass + 1)); }
bad() { failures=$((failures + 1)); echo "FAIL: $*" >&2; }
check() { # description, then a command that must succeed
    local what=$1
    shift
    if "$@"; then ok; else bad "$what"; fi
}
eq() { [ "$1" = "$2" ] || { echo "    expected [$2]" >&2; echo "    got      [$1]" >&2; return 1; }; }
json() { # json EXPR  (reads a JSON document on stdin; EXPR is Python on `d`)
    "$PY" -c 'import json,sys; d=json.load(sys.stdin); v=eval(sys.argv[1]); print(json.dumps(v) if not isinstance(v, str) else v)' "$1"
}
b64claims() { # prints the payload of a JWT as JSON
    "$PY" -c 'import base64,sys; p=sys.argv[1].split(".")[1]; print(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode())' "$1"
}

running_in() { # processes (other than this script) whose command line mentions DIR/
    "$PY" - "$1" <<'EOF'
import os, sys
sd = sys.argv[1].rstrip('/') + '/'
me = {os.getpid(), os.getppid()}
for e in os.listdir('/proc'):
    if e.isdigit() and int(e) not in me:
        try:
            cl = open('/proc/%s/cmdline' % e, 'rb').read().replace(b'\0', b' ').decode('utf-8', 'replace')
        except OSError:
            continue
        if sd in cl:
            print(e, cl)
EOF
}
nothing_running() {
    local left
    left=$(running_in "$1")
    [ -z "$left" ] || { echo "    still running: $left" >&2; return 1; }
}

sd=$(mktemp -d "${TMPDIR:-/tmp}/lsedge-selftest.XXXXXX")
sd2=""
cleanup() {
    "$here/stop.sh" "$sd" >/dev/null 2>&1
    [ -n "$sd2" ] && "$here/stop.sh" "$sd2" >/dev/null 2>&1
    if [ "$keep" = 0 ]; then rm -rf "$sd" ${sd2:+"$sd2"}; else echo "state kept in $sd ${sd2}"; fi
}
trap cleanup EXIT

echo "== start"
"$here/start.sh" "$sd" >"$sd.start.out" 2>&1 || { cat "$sd.start.out"; rm -f "$sd.start.out"; exit 1; }
rm -f "$sd.start.out"
# shellcheck disable=SC1091
source "$sd/env"
for k in LSEDGE_TEST_HTTPS_URL LSEDGE_TEST_HTTP_URL LSEDGE_TEST_CA_FILE LSEDGE_TEST_PAT_FILE LSEDGE_TEST_LEGACY_KEY_FILE \
    LSEDGE_TEST_PROJECT_ID LSEDGE_TEST_REQUEST_LOG LSEDGE_TEST_ADMIN_URL LSEDGE_TEST_ADMIN_SECRET_FILE; do
    check "env has $k" test -n "${!k:-}"
done
H=$LSEDGE_TEST_HTTPS_URL
P=$LSEDGE_TEST_HTTP_URL
CA=$LSEDGE_TEST_CA_FILE
PAT=$(cat "$LSEDGE_TEST_PAT_FILE")
KEY=$(cat "$LSEDGE_TEST_LEGACY_KEY_FILE")
SECRET=$(cat "$LSEDGE_TEST_ADMIN_SECRET_FILE")
knob() { "$here/knob.sh" "$sd" "$@" >/dev/null || bad "knob $*"; }
admin() { "$here/admin.sh" "$sd" "$@"; }
c() { curl -sS --cacert "$CA" "$@"; }                          # body only
cs() { curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' "$@"; } # status only
ch() { curl -sS --cacert "$CA" -D - -o /dev/null "$@" | tr -d '\r'; } # headers only
refresh() { c -X POST -H 'Content-Type: application/json' -d "{\"refresh\":\"$1\"}" "$H/api/token/refresh/"; }
access_for() { refresh "$1" | json 'd["access"]'; }

echo "== /health, /api/version/"
check "health body" eq "$(c "$H/health")" '{"status": "UP"}'
check "health content-type text/html" bash -c "curl -sS --cacert '$CA' -D - -o /dev/null '$H/health' | grep -qi '^content-type: text/html'"
check "health with slash" eq "$(cs "$H/health/")" 200
check "version (no slash, internal retry)" eq "$(c "$P/api/version" | json 'd["release"]')" 1.24.0.dev0
check "version with slash" eq "$(cs "$P/api/version/")" 200

echo "== refresh"
R=$(refresh "$PAT")
check "refresh returns only access" eq "$(echo "$R" | json 'sorted(d)')" '["access"]'
ACC=$(echo "$R" | json 'd["access"]')
CL=$(b64claims "$ACC")
check "access token_type" eq "$(echo "$CL" | json 'd["token_type"]')" access
check "access exp-iat = 300 default" eq "$(echo "$CL" | json 'd["exp"]-d["iat"]')" 300
PCL=$(b64claims "$PAT")
check "PAT is a 200-year refresh token" eq "$(echo "$PCL" | json '[d["token_type"], (d["exp"]-d["iat"])//86400]')" '["refresh", 73000]'
check "PAT header HS256" eq "$(echo "$PAT" | cut -d. -f1 | "$PY" -c 'import base64,sys; p=sys.stdin.read().strip(); print(base64.urlsafe_b64decode(p+"="*(-len(p)%4)).decode())' | json 'd["alg"]')" HS256
check "refresh without slash" eq "$(cs -X POST -H 'Content-Type: application/json' -d "{\"refresh\":\"$PAT\"}" "$H/api/token/refresh")" 200
check "refresh as form data" eq "$(cs -X POST --data-urlencode "refresh=$PAT" "$H/api/token/refresh/")" 200

echo "== refresh errors"
E=$(c -X POST -H 'Content-Type: application/json' -d '{}' "$H/api/token/refresh/")
check "missing refresh -> 400 envelope" eq "$(echo "$E" | json '[d["status_code"], d["detail"], d["validation_errors"], sorted(d)]')" \
    '[400, "Validation error", {"refresh": ["This field is required."]}, ["detail", "exc_info", "id", "status_code", "validation_errors", "version"]]'
E=$(c -X POST -H 'Content-Type: application/json' -d '{"refresh": ""}' "$H/api/token/refresh/")
check "blank refresh" eq "$(echo "$E" | json 'd["validation_errors"]')" '{"refresh": ["This field may not be blank."]}'
check "garbage refresh -> Token is invalid" eq "$(refresh garbage | json '[d["status_code"], d["detail"]]')" '[401, "Token is invalid"]'
check "refresh 401 WWW-Authenticate Bearer realm" bash -c "curl -sS -D - -o /dev/null -X POST -H 'Content-Type: application/json' -d '{\"refresh\":\"x\"}' '$P/api/token/refresh/' | tr -d '\r' | grep -qx 'WWW-Authenticate: Bearer realm=\"api\"'"
check "truncated PAT -> Token is invalid" eq "$(refresh "$(echo "$PAT" | cut -d. -f1,2)" | json 'd["detail"]')" "Token is invalid"
check "access as refresh -> wrong type" eq "$(refresh "$ACC" | json 'd["detail"]')" "Token has wrong type"
SHORT=$(admin new-pat 1)
sleep 2
check "expired PAT -> Token is expired" eq "$(refresh "$SHORT" | json 'd["detail"]')" "Token is expired"
knob user_active off
check "inactive user -> no active account" eq "$(refresh "$PAT" | json '[d["status_code"], d["detail"]]')" '[401, "No active account found for the given token."]'
knob user_active on

echo "== Bearer on the API"
check "whoami with Bearer" eq "$(c -H "Authorization: Bearer $ACC" "$H/api/current-user/whoami" | json 'd["email"]')" edge@lsedge.test
check "whoami/ (slash) is 404" eq "$(cs -H "Authorization: Bearer $ACC" "$H/api/current-user/whoami/")" 404
E=$(c "$H/api/current-user/whoami")
check "no credentials -> 401 envelope" eq "$(echo "$E" | json '[d["status_code"], d["detail"], d["exc_info"], d["version"]]')" \
    '[401, "Authentication credentials were not provided.", null, "1.24.0.dev0"]'
check "no credentials -> WWW-Authenticate: Token" bash -c "curl -sS -D - -o /dev/null '$P/api/current-user/whoami' | tr -d '\r' | grep -qx 'WWW-Authenticate: Token'"
check "PAT as Bearer -> not provided" eq "$(c -H "Authorization: Bearer $PAT" "$H/api/current-user/whoami" | json 'd["detail"]')" "Authentication credentials were not provided."
check "garbage Bearer -> not provided" eq "$(c -H "Authorization: Bearer a.b.c" "$H/api/current-user/whoami" | json 'd["detail"]')" "Authentication credentials were not provided."
knob api_tokens off
check "org PATs off -> 401" eq "$(cs -H "Authorization: Bearer $ACC" "$H/api/current-user/whoami")" 401
knob api_tokens on
knob access_lifetime 2
A2=$(access_for "$PAT")
check "access_lifetime knob -> exp-iat = 2" eq "$(b64claims "$A2" | json 'd["exp"]-d["iat"]')" 2
check "short access token works" eq "$(cs -H "Authorization: Bearer $A2" "$H/api/current-user/whoami")" 200
sleep 3
check "expired access token -> 401 not provided" eq "$(c -H "Authorization: Bearer $A2" "$H/api/current-user/whoami" | json 'd["detail"]')" "Authentication credentials were not provided."
knob access_lifetime 300
ACC=$(access_for "$PAT")

echo "== legacy Token"
check "legacy off (default) -> disabled detail" eq "$(c -H "Authorization: Token $KEY" "$H/api/current-user/whoami" | json 'd["detail"]')" \
    "Authentication token no longer valid: legacy token authentication has been disabled for this organization"
knob legacy on
check "legacy on -> 200" eq "$(cs -H "Authorization: Token $KEY" "$H/api/current-user/whoami")" 200
check "X-Api-Key legacy -> 200" eq "$(cs -H "X-Api-Key: $KEY" "$H/api/current-user/whoami")" 200
check "unknown key -> Invalid token." eq "$(c -H "Authorization: Token 0123456789abcdef0123456789abcdef01234567" "$H/api/current-user/whoami" | json 'd["detail"]')" "Invalid token."
check "Token without key" eq "$(c -H "Authorization: Token" "$H/api/current-user/whoami" | json 'd["detail"]')" "Invalid token header. No credentials provided."
check "Token with spaces" eq "$(c -H "Authorization: Token a b" "$H/api/current-user/whoami" | json 'd["detail"]')" "Invalid token header. Token string should not contain spaces."
check "PAT sent as Token -> Invalid token." eq "$(c -H "Authorization: Token $PAT" "$H/api/current-user/whoami" | json 'd["detail"]')" "Invalid token."
check "legacy key as Bearer -> not provided" eq "$(c -H "Authorization: Bearer $KEY" "$H/api/current-user/whoami" | json 'd["detail"]')" "Authentication credentials were not provided."
knob legacy off
check "legacy off again" eq "$(cs -H "Authorization: Token $KEY" "$H/api/current-user/whoami")" 401

echo "== PAT management and blacklist"
E=$(c -X POST -H "Authorization: Bearer $ACC" "$H/api/token/")
check "second PAT -> 409" eq "$(echo "$E" | json '[d["status_code"], d["detail"]]')" '[409, "You already have a valid token. Please revoke it before creating a new one."]'
check "token list is truncated" eq "$(c -H "Authorization: Bearer $ACC" "$H/api/token/" | json 'all(t["token"].count(".") == 1 for t in d) and len(d) >= 1')" true
NEW=$(admin new-pat)
check "new PAT refreshes" eq "$(cs -X POST -H 'Content-Type: application/json' -d "{\"refresh\":\"$NEW\"}" "$H/api/token/refresh/")" 200
check "blacklist -> 204, no body" eq "$(c -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d "{\"refresh\":\"$NEW\"}" "$H/api/token/blacklist/")" 204
check "blacklist again -> 404 raw body" eq "$(c -w ' %{http_code}' -X POST -H 'Content-Type: application/json' -d "{\"refresh\":\"$NEW\"}" "$H/api/token/blacklist/")" '{"detail":"Token is invalid or already blacklisted."} 404'
check "blacklisted -> refresh 401 Token is blacklisted" eq "$(refresh "$NEW" | json '[d["status_code"], d["detail"]]')" '[401, "Token is blacklisted"]'
NEW2=$(admin new-pat)
check "blacklist accepts truncated token" eq "$(cs -X POST -H 'Content-Type: application/json' -d "{\"refresh\":\"$(echo "$NEW2" | cut -d. -f1,2)\"}" "$H/api/token/blacklist")" 204
check "blacklist garbage -> 404" eq "$(cs -X POST -H 'Content-Type: application/json' -d '{"refresh":"nope"}' "$H/api/token/blacklist/")" 404
check "original PAT still refreshes" eq "$(cs -X POST -H 'Content-Type: application/json' -d "{\"refresh\":\"$PAT\"}" "$H/api/token/refresh/")" 200

echo "== projects"
AUTH=(-H "Authorization: Bearer $ACC")
T51=$(printf 'x%.0s' $(seq 51))
E=$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d "{\"title\":\"$T51\"}" "$H/api/projects/")
check "51-char title -> exact DRF 400 envelope" eq "$(echo "$E" | json '[sorted(d), d["status_code"], d["detail"], d["exc_info"], d["validation_errors"]]')" \
    '[["detail", "exc_info", "id", "status_code", "validation_errors", "version"], 400, "Validation error", null, {"title": ["Ensure this field has no more than 50 characters."]}]'
check "2-char title" eq "$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"title":"ab"}' "$H/api/projects/" | json 'd["validation_errors"]')" \
    '{"title": ["Ensure this field has at least 3 characters."]}'
T50=$(printf 'y%.0s' $(seq 50))
check "50-char title -> 201" eq "$(cs "${AUTH[@]}" -H 'Content-Type: application/json' -d "{\"title\":\"$T50\"}" "$H/api/projects/")" 201
check "create without slash (retry keeps POST body)" eq "$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"title":"noslash project"}' "$H/api/projects" | json 'd["title"]')" "noslash project"
for i in $(seq 1 33); do c "${AUTH[@]}" -H 'Content-Type: application/json' -d "{\"title\":\"bulk $i\"}" "$H/api/projects/" >/dev/null; done
L=$(c "${AUTH[@]}" "$H/api/projects/")
check "page 1: count 36, 30 results, next, no previous" eq "$(echo "$L" | json '[d["count"], len(d["results"]), d["next"] is not None, d["previous"]]')" '[36, 30, true, null]'
check "next link is https with port" eq "$(echo "$L" | json 'd["next"]')" "$H/api/projects/?page=2"
check "newest first" eq "$(echo "$L" | json 'd["results"][0]["title"]')" "bulk 33"
check "page_size=5" eq "$(c "${AUTH[@]}" "$H/api/projects/?page_size=5&page=2" | json '[len(d["results"]), d["results"][0]["title"]]')" '[5, "bulk 28"]'
check "page_size capped at 100" eq "$(c "${AUTH[@]}" "$H/api/projects/?page_size=500" | json 'len(d["results"])')" 36
check "page past end -> 404 Invalid page." eq "$(c "${AUTH[@]}" "$H/api/projects/?page=99" | json '[d["status_code"], d["detail"]]')" '[404, "Invalid page."]'
check "title filter icontains" eq "$(c "${AUTH[@]}" "$H/api/projects/?title=BULK%203" | json 'd["count"]')" 5
check "ids filter" eq "$(c "${AUTH[@]}" "$H/api/projects/?ids=1,2" | json 'sorted(p["id"] for p in d["results"])')" '[1, 2]'
check "project detail" eq "$(c "${AUTH[@]}" "$H/api/projects/1/" | json 'd["id"]')" 1
check "project detail without slash" eq "$(cs "${AUTH[@]}" "$H/api/projects/1")" 200
check "missing project -> 404 envelope" eq "$(c "${AUTH[@]}" "$H/api/projects/9999/" | json '[d["status_code"], d["detail"]]')" '[404, "Not found."]'

echo "== import"
PID=$LSEDGE_TEST_PROJECT_ID
I=$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d '[{"image":"a.jpg"},{"image":"b.jpg"},{"data":{"image":"c.jpg"},"predictions":[{"result":[]}],"annotations":[{"result":[]},{"result":[]}]}]' "$H/api/projects/$PID/import")
check "import list -> counts" eq "$(echo "$I" | json '[d["task_count"], d["annotation_count"], d["prediction_count"], d["file_upload_ids"], d["could_be_tasks_list"], d["found_formats"], d["data_columns"]]')" \
    '[3, 2, 1, [], false, [], []]'
check "import response keys" eq "$(echo "$I" | json 'sorted(d)')" '["annotation_count", "could_be_tasks_list", "data_columns", "duration", "file_upload_ids", "found_formats", "prediction_count", "task_count"]'
check "import single object" eq "$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"image":"d.jpg"}' "$H/api/projects/$PID/import" | json 'd["task_count"]')" 1
check "return_task_ids" eq "$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d '[{"image":"e.jpg"}]' "$H/api/projects/$PID/import?return_task_ids=true" | json 'len(d["task_ids"])')" 1
check "import empty list -> No tasks added" eq "$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d '[]' "$H/api/projects/$PID/import" | json '[d["status_code"], d["validation_errors"]]')" \
    '[400, {"non_field_errors": ["load_tasks: No tasks added"]}]'
check "import JSON scalar -> No data found" eq "$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d '5' "$H/api/projects/$PID/import" | json 'd["validation_errors"]["non_field_errors"]')" \
    '["load_tasks: No data found in DATA or in FILES"]'
check "import text/plain -> 415 (DRF parsers)" eq "$(cs "${AUTH[@]}" -H 'Content-Type: text/plain' -d 'hello' "$H/api/projects/$PID/import")" 415
check "import/ (slash) -> 404" eq "$(cs "${AUTH[@]}" -H 'Content-Type: application/json' -d '[{"image":"x"}]' "$H/api/projects/$PID/import/")" 404
printf '[{"image":"f1.jpg"},{"image":"f2.jpg"}]' >"$sd/tmp/tasks.json"
printf '\x89PNG\r\n\x1a\nfakepng' >"$sd/tmp/shot.png"
M=$(c "${AUTH[@]}" -F "file1=@$sd/tmp/tasks.json" -F "file2=@$sd/tmp/shot.png" "$H/api/projects/$PID/import")
check "multipart json+png" eq "$(echo "$M" | json '[d["task_count"], len(d["file_upload_ids"]), d["found_formats"], d["data_columns"]]')" '[3, 2, {".json": 1, ".png": 1}, ["image"]]'
check "stored media file" bash -c "ls '$sd/media/upload/$PID/' | grep -q 'shot.png'"
printf 'MZ' >"$sd/tmp/evil.exe"
check "unsupported extension" eq "$(c "${AUTH[@]}" -F "file=@$sd/tmp/evil.exe" "$H/api/projects/$PID/import" | json 'd["validation_errors"]["non_field_errors"]')" '[".exe extension is not supported"]'
check "stats tasks = 8" eq "$(admin stats | json 'd["tasks"]')" 8
check "_test/tasks lists 8 for project" eq "$(curl -sS -H "X-Lsedge-Test-Secret: $SECRET" "$LSEDGE_TEST_ADMIN_URL/tasks?project=$PID" | json 'len(d)')" 8
check "_test without secret -> 403" eq "$(cs "$LSEDGE_TEST_ADMIN_URL/stats")" 403

echo "== Label Studio answers: task validation"
BEFORE=$(admin stats | json 'd["tasks"]')
V=$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d '[{"image":"ok.jpg"},{"text":"x","n":null,"b":true},{"data":{"text":"y"}},{"data":{"image":"z.jpg"}}]' "$H/api/projects/$PID/import")
check "bad items -> 400 validation envelope" eq "$(echo "$V" | json '[d["status_code"], d["detail"], sorted(d["validation_errors"])]')" '[400, "Validation error", ["non_field_errors"]]'
check "errors index-aligned, {} for good items" eq "$(echo "$V" | json '[e if e == {} else "E" for e in d["validation_errors"]["non_field_errors"]]')" '[{}, "E", "E", {}]'
check "flat item echoed as LS's format_error" eq "$(echo "$V" | json 'd["validation_errors"]["non_field_errors"][1]')" \
    "Error at item 1: \"image\" key is expected in task data [assume: item as is = task root with values]  :: {'text': 'x', 'n': None, 'b': True}"
check "data item echoed" eq "$(echo "$V" | json 'd["validation_errors"]["non_field_errors"][2]')" \
    "Error at item 2: \"image\" key is expected in task data [assume: item[\"data\"] = task root with values] :: {'data': {'text': 'y'}}"
check "a refused batch stores nothing" eq "$(admin stats | json 'd["tasks"]')" "$BEFORE"
"$PY" -c 'import json; print(json.dumps([{"data": {"text": "bad %d" % i}} for i in range(150)]))' >"$sd/tmp/bad150.json"
V=$(c "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary "@$sd/tmp/bad150.json" "$H/api/projects/$PID/import")
check "150 bad items -> 100 entries, the last '...'" eq "$(echo "$V" | json '[len(d["validation_errors"]["non_field_errors"]), d["validation_errors"]["non_field_errors"][99]]')" '[100, "..."]'
check "400 body echoes every item (> 9 KB)" test "${#V}" -gt 9000
check "wrong type -> LS's type message" bash -c "curl -sS --cacert '$CA' -H 'Authorization: Bearer $ACC' -H 'Content-Type: application/json' -d '[{\"image\":5}]' '$H/api/projects/$PID/import' | grep -qF \"data['image']=5 is of type 'int', but the object tag Image expects the following types: ['str', 'list']\""

echo "== Label Studio answers: projects"
"$PY" - >"$sd/tmp/label150.xml" <<'EOF'
colors = ['#FF0000', '#00FF00', '#0000FF', '#FFA500', '#800080', '#008080']
print('<View>\n  <Image name="image" value="$image"/>\n  <RectangleLabels name="label" toName="image">')
for i in range(150):
    print('    <Label value="class_%03d" background="%s"/>' % (i, colors[i % 6]))
print('  </RectangleLabels>\n</View>')
EOF
BIG=$(admin project-create "Detection 150" "$sd/tmp/label150.xml")
check "admin project-create prints an id" test "$BIG" -gt 0
D=$(c "${AUTH[@]}" "$H/api/projects/$BIG/")
check "project object: LS's 46 fields, id and title first" eq "$(echo "$D" | json '[len(d), list(d)[:4]]')" '[46, ["id", "title", "description", "label_config"]]'
check "parsed_label_config: every label with its attrs" eq "$(echo "$D" | json '[d["parsed_label_config"]["label"]["type"], len(d["parsed_label_config"]["label"]["labels"]), d["parsed_label_config"]["label"]["labels_attrs"]["class_007"], d["parsed_label_config"]["label"]["inputs"]]')" \
    '["RectangleLabels", 150, {"value": "class_007", "background": "#00FF00"}, [{"type": "Image", "value": "image"}]]'
check "control_weights: every label" eq "$(echo "$D" | json '[len(d["control_weights"]["label"]["labels"]), d["control_weights"]["label"]["overall"]]')" '[150, 1.0]'
check "150-label project object > 20 KB" test "${#D}" -gt 20000
check "include= on detail" eq "$(c "${AUTH[@]}" "$H/api/projects/$BIG/?include=id,title,task_number")" "{\"id\":$BIG,\"title\":\"Detection 150\",\"task_number\":0}"
check "include= on list, ordering=id" eq "$(c "${AUTH[@]}" "$H/api/projects/?include=id,title&ordering=id&page_size=2" | json '[d["count"] > 2, d["results"]]')" \
    '[true, [{"id": 1, "title": "lsedge test project"}, {"id": 2, "title": "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"}]]'
check "ordering=-id" eq "$(c "${AUTH[@]}" "$H/api/projects/?include=id&ordering=-id&page_size=1" | json 'd["results"][0]["id"]')" "$BIG"
check "include= ignored on create (GET only): the whole project" eq "$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"title":"include create"}' "$H/api/projects/?include=id,title" | json 'list(d)[:2] + [len(d)]')" '["id", "title", 46]'
knob ignore_include on
check "ignore_include on -> full object" eq "$(c "${AUTH[@]}" "$H/api/projects/$BIG/?include=id,title" | json 'len(d)')" 46
knob ignore_include off
check "label config with a dangling toName -> LS's message" eq "$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"title":"bad config","label_config":"<View><Image name=\"i\" value=\"$i\"/><Choices name=\"c\" toName=\"x\"/></View>"}' "$H/api/projects/" | json 'd["validation_errors"]["label_config"]')" \
    "[\"toName=\\\"x\\\" not found in names: ['c', 'i']\"]"
V=$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d '[{"image":"one.jpg"}]' "$H/api/projects/$BIG/import")
check "import into the 150-label project" eq "$(echo "$V" | json 'd["task_count"]')" 1

echo "== Label Studio answers: 404 page, 500 envelope, Date"
check "unknown /api/ path -> 404 text/html LS page" bash -c "curl -sS --cacert '$CA' -D - -H 'Authorization: Bearer $ACC' '$H/api/projects/$PID/nope/' | tr -d '\r' | grep -qix 'Content-Type: text/html; charset=utf-8'"
check "404 page is Label Studio's" bash -c "curl -sS --cacert '$CA' '$H/label-studio/api/projects/' | grep -qF '<title>404 | Label Studio</title>'"
check "wrong sub-path refresh -> 404 HTML" eq "$(cs -X POST -H 'Content-Type: application/json' -d '{"refresh":"x"}' "$H/ls/api/token/refresh/")" 404
check "missing project stays JSON 404" eq "$(c "${AUTH[@]}" "$H/api/projects/9999/" | json 'd["status_code"]')" 404
knob page_404_bytes 20000
check "page_404_bytes pads the page" test "$(curl -sS --cacert "$CA" -o /dev/null -w '%{size_download}' "$H/nothing")" -ge 20000
knob page_404_bytes 0
BEFORE=$(admin stats | json 'd["tasks"]')
knob poison POISONED
E=$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d '[{"image":"POISONED.jpg"}]' "$H/api/projects/$PID/import")
check "poison -> 500 envelope" eq "$(echo "$E" | json '[d["status_code"], d["detail"], d["exc_info"].startswith("Traceback (most recent call last):")]')" "[500, \"unhashable type: 'list'\", true]"
check "poison: other imports pass" eq "$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d '[{"image":"fine.jpg"}]' "$H/api/projects/$PID/import" | json 'd["task_count"]')" 1
check "poison stored nothing" eq "$(admin stats | json 'd["tasks"]')" "$((BEFORE + 1))"
knob poison ""
check "poison off" eq "$(cs "${AUTH[@]}" -H 'Content-Type: application/json' -d '[{"image":"POISONED.jpg"}]' "$H/api/projects/$PID/import")" 201
check "Date header via nginx" bash -c "curl -sS --cacert '$CA' -D - -o /dev/null '$H/health' | grep -qi '^Date: '"
check "Date header from gunicorn" bash -c "curl -sS -D - -o /dev/null '$LSEDGE_TEST_BACKEND_URL/health' | grep -qi '^Date: '"

echo "== knob copy_iat"
sleep 1
knob copy_iat on
A=$(access_for "$PAT")
check "copy_iat: access iat = the PAT's iat" eq "$(b64claims "$A" | json 'd["iat"]')" "$(echo "$PCL" | json 'd["iat"]')"
check "copy_iat: exp - iat > lifetime" test "$(b64claims "$A" | json 'd["exp"]-d["iat"]')" -gt 300
check "copy_iat: the token works" eq "$(cs -H "Authorization: Bearer $A" "$H/api/current-user/whoami")" 200
knob copy_iat off
check "copy_iat off: exp - iat = 300" eq "$(b64claims "$(access_for "$PAT")" | json 'd["exp"]-d["iat"]')" 300

echo "== knob async_import"
knob async_import on async_import_delay_ms 4000
BEFORE=$(admin stats | json 'd["tasks"]')
t0=$(date +%s%N)
I=$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d '[{"image":"as1.jpg"},{"data":{"image":"as2.jpg"}}]' "$H/api/projects/$PID/import")
check "async: 201 {import: ID}" eq "$(echo "$I" | json 'sorted(d)')" '["import"]'
IID=$(echo "$I" | json 'd["import"]')
S=$(c "${AUTH[@]}" "$H/api/projects/$PID/imports/$IID/")
check "async: created, tasks echoed, LS's fields" eq "$(echo "$S" | json '[d["status"], d["tasks"], d["error"], len(d)]')" '["created", [{"image": "as1.jpg"}, {"data": {"image": "as2.jpg"}}], null, 21]'
check "async: nothing stored yet" eq "$(admin stats | json 'd["tasks"]')" "$BEFORE"
since_t0() { echo $((($(date +%s%N) - t0) / 1000000)); }
while [ "$(since_t0)" -lt 2300 ]; do sleep 0.1; done
check "async: in_progress after half the delay" eq "$(c "${AUTH[@]}" "$H/api/projects/$PID/imports/$IID" | json 'd["status"]')" in_progress
while [ "$(since_t0)" -lt 4300 ]; do sleep 0.1; done
check "async: completed, counts" eq "$(c "${AUTH[@]}" "$H/api/projects/$PID/imports/$IID/" | json '[d["status"], d["task_count"], d["finished_at"] is not None]')" '["completed", 2, true]'
check "async: stored once completed" eq "$(admin stats | json 'd["tasks"]')" "$((BEFORE + 2))"
I=$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d '[{"image":"as3.jpg"},{"data":{"text":"no image"}}]' "$H/api/projects/$PID/import")
IID=$(echo "$I" | json 'd["import"]')
sleep 4.3
S=$(c "${AUTH[@]}" "$H/api/projects/$PID/imports/$IID/")
check "async: validation failure -> failed with the error text" eq "$(echo "$S" | json '[d["status"], d["error"].startswith("[{}, ErrorDetail(string=\x27Error at item 1: \"image\" key is expected")]')" '["failed", true]'
check "async: a failed import stores nothing" eq "$(admin stats | json 'd["tasks"]')" "$((BEFORE + 2))"
knob async_import_delay_ms 300
I=$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"image":"as4.jpg"}' "$H/api/projects/$PID/import")
sleep 1
check "async: processed without a status request (timer)" eq "$(admin stats | json 'd["tasks"]')" "$((BEFORE + 3))"
check "async: unknown import -> 404" eq "$(cs "${AUTH[@]}" "$H/api/projects/$PID/imports/99999/")" 404
check "admin imports lists them" eq "$(admin imports "$PID" | json '[i["status"] for i in d]')" '["completed", "failed", "completed"]'
admin reset >/dev/null
check "reset turns async_import off" eq "$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d '[{"image":"sync.jpg"}]' "$H/api/projects/$PID/import" | json '"task_count" in d')" true

echo "== prediction import (/import/predictions, knob predictions_validation)"
printf '<View><Image name="image" value="$image"/></View>' >"$sd/tmp/plain.xml"
printf '<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image"><Label value="car"/><Label value="person"/></RectangleLabels></View>' >"$sd/tmp/detect.xml"
DP=$(admin project-create "Predictions" "$sd/tmp/plain.xml")
check "project-config accepts a RectangleLabels config" eq "$(admin project-config "$DP" "$sd/tmp/detect.xml")" "$DP"
check "project-config: parsed_label_config has the control" eq "$(c "${AUTH[@]}" "$H/api/projects/$DP/?include=parsed_label_config" | json '[d["parsed_label_config"]["label"]["type"], d["parsed_label_config"]["label"]["labels"]]')" \
    '["RectangleLabels", ["car", "person"]]'
printf '\x89PNG\r\n\x1a\ncam1' >"$sd/tmp/cam1.png"
U=$(c "${AUTH[@]}" -F "file=@$sd/tmp/cam1.png" "$H/api/projects/$DP/import?return_task_ids=true")
check "media upload with return_task_ids -> task_ids" eq "$(echo "$U" | json '[d["task_count"], len(d["task_ids"])]')" '[1, 1]'
T1=$(echo "$U" | json 'd["task_ids"][0]')
T2=$(c "${AUTH[@]}" -H 'Content-Type: application/json' -d '[{"image":"cam2.jpg"}]' "$H/api/projects/$DP/import?return_task_ids=true" | json 'd["task_ids"][0]')
reg() { echo "{\"from_name\":\"label\",\"to_name\":\"image\",\"type\":\"rectanglelabels\",\"value\":{\"x\":10,\"y\":20,\"width\":30,\"height\":40,\"rectanglelabels\":[\"$1\"]}}"; }
pred() { c "${AUTH[@]}" -H 'Content-Type: application/json' -d "$1" -w '\n%{http_code}' "$H/api/projects/$DP/import/predictions"; } # body, then the status line
status_of() { echo "${1##*$'\n'}"; }
body_of() { echo "${1%$'\n'*}"; }
npred() { admin tasks "$DP" | json 'sum(t["predictions"] for t in d)'; }
R=$(pred "[{\"task\":$T1,\"result\":[$(reg car)],\"score\":0.87,\"model_version\":\"yolo-1\"},{\"task\":$T2,\"result\":[$(reg person)]}]")
check "valid predictions -> 201 {created: 2}" eq "$(status_of "$R") $(body_of "$R")" '201 {"created":2}'
TT=$(curl -sS -H "X-Lsedge-Test-Secret: $SECRET" "$LSEDGE_TEST_ADMIN_URL/tasks?project=$DP")
check "_test/tasks: the media task, its file name and its prediction" eq "$(echo "$TT" | json "[(t['file_upload_name'], t['predictions'], t['prediction_list']) for t in d if t['id'] == $T1]")" \
    "[[\"cam1.png\", 1, [{\"result\": [$(reg car | json d)], \"score\": 0.87, \"model_version\": \"yolo-1\"}]]]"
check "_test/tasks: model_version defaults to undefined, score null" eq "$(echo "$TT" | json "[(t['file_upload_name'], t['prediction_list'][0]['model_version'], t['prediction_list'][0]['score']) for t in d if t['id'] == $T2]")" \
    '[[null, "undefined", null]]'
R=$(pred '[{"task":999999,"result":[],"score":0.5}]')
check "strict: unknown task -> 400 list entry" eq "$(status_of "$R") $(body_of "$R" | json '[d["detail"], d["validation_errors"]["non_field_errors"]]')" \
    '400 ["Validation error", ["Prediction 0: Invalid task ID 999999 - task not found in project"]]'
N=$(npred)
R=$(pred "[{\"task\":$T1,\"result\":[$(reg truck)]},{\"task\":$T1,\"result\":[$(reg car)]},{\"task\":$T2,\"result\":[{\"from_name\":\"nope\",\"to_name\":\"image\",\"type\":\"choices\",\"value\":{}}],\"score\":1.5}]")
E=$(body_of "$R")
check "strict: wrong label -> 400" eq "$(status_of "$R") $(echo "$E" | json 'len(d["validation_errors"]["non_field_errors"])')" "400 3"
check "strict: 'Prediction 0: ...' with the SDK's text" eq "$(echo "$E" | json 'd["validation_errors"]["non_field_errors"][0]')" \
    "Prediction 0: Region 0: Invalid value for control 'label'. Got: {'x': 10, 'y': 20, 'width': 30, 'height': 40, 'rectanglelabels': ['truck']}. Valid options: ['car', 'person']"
check "strict: every error of every item" eq "$(echo "$E" | json 'd["validation_errors"]["non_field_errors"][1:]')" \
    "[\"Prediction 2: Score must be between 0.00 and 1.00 inclusive, got 1.5\", \"Prediction 2: Region 0: 'from_name' 'nope' not found in configuration\"]"
check "strict: nothing created" eq "$(npred)" "$N"
knob predictions_validation lenient
R=$(pred "[{\"task\":$T1,\"result\":[$(reg truck)]},{\"task\":$T1,\"result\":[$(reg car)]}]")
check "lenient: wrong label skipped -> 201 created 1 of 2" eq "$(status_of "$R") $(body_of "$R")" '201 {"created":1}'
check "lenient: only the valid one stored" eq "$(npred)" "$((N + 1))"
check "lenient: the skipped item is logged" grep -q "Prediction validation failed (1 errors)" "$sd/logs/django.log"
R=$(pred "[{\"task\":$T1,\"result\":[]},{\"task\":999999,\"result\":[],\"score\":0.5,\"flag\":true,\"x\":null}]")
check "lenient: unknown task -> 400 echoing the item" eq "$(status_of "$R") $(body_of "$R" | json 'd["validation_errors"]["non_field_errors"]' | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0])')" \
    "400 {'task': 999999, 'result': [], 'score': 0.5, 'flag': True, 'x': None} contains invalid \"task\" field: corresponding task ID couldn't be retrieved from project Predictions (id=$DP) tasks"
check "lenient: unknown task stores nothing" eq "$(npred)" "$((N + 1))"
knob predictions_validation none
R=$(pred "[{\"task\":$T1,\"result\":[$(reg truck)]},{\"task\":$T2,\"result\":[$(reg car)],\"score\":0.3}]")
check "none: no validation -> 201 created 2" eq "$(status_of "$R") $(body_of "$R")" '201 {"created":2}'
check "none: both stored" eq "$(npred)" "$((N + 3))"
R=$(pred '[{"task":999999,"result":[]}]')
check "none: unknown task -> 400 (memory-efficient text)" eq "$(status_of "$R") $(body_of "$R" | json 'd["validation_errors"]["non_field_errors"]' | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0])')" \
    "400 {'task': 999999, 'result': []} contains invalid \"task\" field: task ID 999999 not found in project Predictions (id=$DP)"
"$PY" -c 'import json,sys; print(json.dumps([{"task": int(sys.argv[1]), "result": []}] * 500 + [{"task": 999999, "result": []}]))' "$T2" >"$sd/tmp/pred501.json"
check "none: a bad item in the 2nd batch of 500 -> 400" eq "$(cs "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary "@$sd/tmp/pred501.json" "$H/api/projects/$DP/import/predictions")" 400
check "none: ... after the 1st batch was stored" eq "$(npred)" "$((N + 503))"
admin reset >/dev/null
check "reset restores strict" eq "$(admin stats | json 'd["knobs"]["predictions_validation"]')" strict
check "bad knob value refused" bash -c "! '$here/knob.sh' '$sd' predictions_validation bogus >/dev/null 2>&1"
check "import/predictions/ (slash) -> 404" eq "$(cs "${AUTH[@]}" -H 'Content-Type: application/json' -d '[]' "$H/api/projects/$DP/import/predictions/")" 404
check "predictions without credentials -> 401" eq "$(cs -H 'Content-Type: application/json' -d '[]' "$H/api/projects/$DP/import/predictions")" 401
check "request log has the prediction imports" eq "$(grep -cE "^[0-9]{13} POST /api/projects/$DP/import/predictions (201|400) bearer " "$LSEDGE_TEST_REQUEST_LOG")" 8
check "project counts the predictions" eq "$(c "${AUTH[@]}" "$H/api/projects/$DP/?include=total_predictions_number" | json 'd["total_predictions_number"]')" "$((N + 503))"
knob async_import on async_import_delay_ms 0
I=$(c "${AUTH[@]}" -F "file=@$sd/tmp/cam1.png" "$H/api/projects/$DP/import?return_task_ids=true")
IID=$(echo "$I" | json 'd["import"]')
S='{}'
for _ in $(seq 1 50); do
    S=$(c "${AUTH[@]}" "$H/api/projects/$DP/imports/$IID/")
    [ "$(echo "$S" | json 'd["status"]')" = completed ] && break
    sleep 0.1
done
check "async media upload with return_task_ids -> task_ids on the import" eq "$(echo "$S" | json '[d["status"], d["return_task_ids"], len(d["task_ids"]), d["task_ids"][0] > '"$T2"']')" '["completed", true, 1, true]'
admin reset >/dev/null

echo "== knobs body_limit, redirect_http; plain HTTP to the HTTPS port"
knob body_limit 65536
head -c 70000 /dev/zero | tr '\0' 'a' >"$sd/tmp/70k"
R=$(curl -sS --cacert "$CA" -H "Authorization: Bearer $ACC" -H 'Content-Type: application/json' --data-binary "@$sd/tmp/70k" -w '\n%{http_code}' "$H/api/projects/$PID/import")
check "body_limit: nginx's own 413 page" eq "$(tail -n 1 <<<"$R") $(grep -c '<title>413 Request Entity Too Large</title>' <<<"$R")" "413 1"
check "body_limit applies to the plain-HTTP listener" eq "$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$sd/tmp/70k" "$P/api/projects/$PID/import")" 413
check "body_limit: a small body passes" eq "$(cs "${AUTH[@]}" -H 'Content-Type: application/json' -d '[{"image":"small.jpg"}]' "$H/api/projects/$PID/import")" 201
knob body_limit 0
check "body_limit 0 = no limit (reaches the API: 400)" eq "$(cs "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary "@$sd/tmp/70k" "$H/api/projects/$PID/import")" 400
knob redirect_http on
check "redirect_http: 301 with Location to HTTPS" bash -c "curl -sS -D - -o /dev/null '$P/api/projects/?page=2' | tr -d '\r' | grep -qx 'Location: $H/api/projects/?page=2'"
check "redirect_http: /_test/ still served" eq "$(curl -sS -H "X-Lsedge-Test-Secret: $SECRET" -o /dev/null -w '%{http_code}' "$LSEDGE_TEST_ADMIN_URL/stats")" 200
admin reset >/dev/null
check "reset restores nginx (no redirect, 300m)" bash -c "[ \"\$(curl -sS -o /dev/null -w '%{http_code}' '$P/health')\" = 200 ] && grep -q 'client_max_body_size 300m;' '$sd/nginx.conf'"
HTTPS_PORT=${H##*:}
R=$(curl -sS -w '\n%{http_code}' "http://127.0.0.1:$HTTPS_PORT/api/current-user/whoami")
check "plain HTTP to the HTTPS port -> nginx's 400 page" eq "$(tail -n 1 <<<"$R") $(grep -c 'The plain HTTP request was sent to HTTPS port' <<<"$R")" "400 2"

echo "== fault knobs"
knob fail "2 503"
check "fail 1/2 -> 503" eq "$(cs "$H/health")" 503
check "fail 2/2 -> 503 html" bash -c "curl -sS --cacert '$CA' '$H/health' | grep -q '503 Service Temporarily Unavailable'"
check "after fail -> 200" eq "$(cs "$H/health")" 200
knob fail "1 502 /api/token/refresh" retry_after 7
check "fail with prefix skips other paths" eq "$(cs "$H/health")" 200
check "fail with prefix hits refresh" eq "$(cs -X POST -H 'Content-Type: application/json' -d "{\"refresh\":\"$PAT\"}" "$H/api/token/refresh")" 502
check "Retry-After sent" bash -c "'$here/knob.sh' '$sd' fail '1 503' >/dev/null && curl -sS -D - -o /dev/null '$P/health' | tr -d '\r' | grep -qx 'Retry-After: 7'"
knob retry_after 0
knob fail '1 503 /api/token/refresh$'
check "exact prefix (\$) skips a longer path" eq "$(cs -X POST -H 'Content-Type: application/json' -d "{\"refresh\":\"$PAT\"}" "$H/api/token/refresh/")" 200
check "exact prefix (\$) hits its path" eq "$(cs -X POST -H 'Content-Type: application/json' -d "{\"refresh\":\"$PAT\"}" "$H/api/token/refresh")" 503
knob fail "1 500"
check "fail 500 -> LS envelope" eq "$(c "$H/health" | json '[d["status_code"], "id" in d]')" '[500, true]'
BEFORE=$(admin stats | json 'd["tasks"]')
knob fail_after "1 500 /api/projects/"
check "fail_after -> 500" eq "$(cs "${AUTH[@]}" -H 'Content-Type: application/json' -d '[{"image":"g.jpg"}]' "$H/api/projects/$PID/import")" 500
check "fail_after: side effect happened" eq "$(admin stats | json 'd["tasks"]')" $((BEFORE + 1))
knob delay "1200 1"
t0=$(date +%s%N)
cs "$H/health" >/dev/null
t1=$(date +%s%N)
check "delay 1200 ms" test $(((t1 - t0) / 1000000)) -ge 1200
t0=$(date +%s%N)
cs "$H/health" >/dev/null
t1=$(date +%s%N)
check "delay count consumed" test $(((t1 - t0) / 1000000)) -lt 1000
knob drop "1 /api/token/refresh"
curl -sS --cacert "$CA" -o "$sd/tmp/drop.out" -X POST -H 'Content-Type: application/json' -d "{\"refresh\":\"$PAT\"}" "$H/api/token/refresh/" 2>"$sd/tmp/drop.err"
rc=$?
check "drop -> curl error 18 (partial body)" eq "$rc" 18
check "drop -> half the body arrived" bash -c "head -c 11 '$sd/tmp/drop.out' | grep -q '{\"access\":\"'"
check "after drop -> 200" eq "$(cs -X POST -H 'Content-Type: application/json' -d "{\"refresh\":\"$PAT\"}" "$H/api/token/refresh/")" 200
knob chunked on
check "chunked on -> Transfer-Encoding chunked" bash -c "curl -sS --cacert '$CA' -D - -o /dev/null '$H/api/version/' | tr -d '\r' | grep -qix 'Transfer-Encoding: chunked'"
knob chunked off
check "chunked off -> Content-Length" bash -c "curl -sS --cacert '$CA' -D - -o /dev/null '$H/api/version/' | tr -d '\r' | grep -qi '^Content-Length: '"
admin reset >/dev/null
check "reset clears faults" eq "$(admin stats | json '[d["knobs"]["fail"]["count"], d["knobs"]["delay"]["ms"], d["knobs"]["drop"]["count"]]')" '[0, 0, 0]'
check "_test/knobs over HTTP" eq "$(curl -sS -H "X-Lsedge-Test-Secret: $SECRET" -d '{"fail": "1 503"}' "$LSEDGE_TEST_ADMIN_URL/knobs" | json 'd["stats"]["knobs"]["fail"]["count"]')" 1
check "_test/knobs fault applies" eq "$(cs "$P/health")" 503

echo "== request log"
check "log has no secrets" bash -c "! grep -qF -e '$PAT' -e '$KEY' -e '$ACC' -e \"\$(echo '$PAT' | cut -d. -f2)\" '$LSEDGE_TEST_REQUEST_LOG'"
check "log never has Authorization words" bash -c "! grep -q -i -e 'eyJ' -e 'authorization' '$LSEDGE_TEST_REQUEST_LOG'"
N=$(grep -c -E ' /api/token/refresh/? ' "$LSEDGE_TEST_REQUEST_LOG")
check "stats refresh_requests = log lines" eq "$(admin stats | json 'd["refresh_requests"]')" "$N"
check "log line format" bash -c "tail -n 1 '$LSEDGE_TEST_REQUEST_LOG' | grep -qE '^[0-9]{13} GET /health 503 none http [0-9]+ [0-9]+ [0-9]+ fail [0-9]+ - - - -$'"
check "no-slash path logged as sent" bash -c "grep -q ' POST /api/token/refresh 200 ' '$LSEDGE_TEST_REQUEST_LOG'"

echo "== keep-alive"
admin clear-log >/dev/null
V=$(curl -sv --cacert "$CA" "$H/health" "$H/api/version/" 2>&1 >/dev/null)
check "curl reuses the TLS connection" grep -q 'Re-using existing connection' <<<"$V"
check "server saw one connection, two requests" eq "$(awk '{print $8}' "$LSEDGE_TEST_REQUEST_LOG" | tr '\n' ' ')" "1 2 "
check "same connection id" eq "$(awk '{print $7}' "$LSEDGE_TEST_REQUEST_LOG" | sort -u | wc -l)" 1
V=$(curl -sv "$P/health" "$P/health" 2>&1 >/dev/null)
check "plain HTTP keep-alive" grep -q 'Re-using existing connection' <<<"$V"
knob keepalive_timeout 1
check "keepalive_timeout knob in nginx.conf" grep -q 'keepalive_timeout 1s;' "$sd/nginx.conf"
"$PY" - "$LSEDGE_TEST_HTTP_URL" <<'EOF' || bad "idle connection closed after keepalive_timeout"
import socket, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
s = socket.create_connection((u.hostname, u.port), timeout=5)
s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
time.sleep(0.3)
s.recv(65536)
time.sleep(2.0)
s.settimeout(2)
assert s.recv(1) == b"", "server kept the idle connection open"
EOF
[ $? = 0 ] && ok
knob keepalive_timeout 65

echo "== TLS certificates"
check "https OK with CA" eq "$(cs "$H/health")" 200
check "https localhost name OK" eq "$(cs "$LSEDGE_TEST_HTTPS_LOCALHOST_URL/health")" 200
knob cert wrong_host
curl -sS --cacert "$CA" -o /dev/null "$H/health" 2>"$sd/tmp/tls.err"
check "wrong host -> curl 60 name mismatch" bash -c "[ $? = 60 ] && grep -qi -e 'does not match' -e 'no alternative' '$sd/tmp/tls.err'"
knob cert expired
curl -sS --cacert "$CA" -o /dev/null "$H/health" 2>"$sd/tmp/tls.err"
check "expired -> curl 60 expired" bash -c "[ $? = 60 ] && grep -qi 'expired' '$sd/tmp/tls.err'"
knob cert other_ca
curl -sS --cacert "$CA" -o /dev/null "$H/health" 2>"$sd/tmp/tls.err"
check "other CA -> curl 60 issuer" bash -c "[ $? = 60 ] && grep -qi 'issuer' '$sd/tmp/tls.err'"
check "other CA trusted with its own CA file" eq "$(curl -sS --cacert "$LSEDGE_TEST_OTHER_CA_FILE" -o /dev/null -w '%{http_code}' "$H/health")" 200
knob cert not_yet_valid
curl -sS --cacert "$CA" -o /dev/null "$H/health" 2>"$sd/tmp/tls.err"
check "not yet valid -> curl 60" bash -c "[ $? = 60 ]"
knob cert good
check "good cert again" eq "$(cs "$H/health")" 200
check "cert knob over /_test/knobs" eq "$(curl -sS -H "X-Lsedge-Test-Secret: $SECRET" -d '{"cert": "expired"}' "$LSEDGE_TEST_ADMIN_URL/knobs" | json 'd["stats"]["cert"]')" expired
curl -sS --cacert "$CA" -o /dev/null "$H/health" 2>/dev/null
check "expired via HTTP knob -> curl 60" bash -c "[ $? = 60 ]"
knob cert good

echo "== TLS matrix (TLS 1.3 only / TLS 1.2 only, RSA / ECDSA)"
# s_client VERSION-FLAG PORT [ARGS...]: one GET /health; the session info on stdout.
s_client() {
    local flag=$1 port=$2
    shift 2
    printf 'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
        timeout 10 openssl s_client "$flag" -connect "127.0.0.1:$port" -servername localhost -CAfile "$CA" -ign_eof "$@" 2>&1
}
admin clear-log >/dev/null
knob cert expired  # the matrix listeners serve their own certificates, whatever the cert knob says
for v in 13 12; do
    for k in RSA ECDSA; do
        u=LSEDGE_TEST_HTTPS${v}_${k}_URL
        check "env has $u" test -n "${!u:-}"
        port=${!u##*:}
        other=$([ "$v" = 13 ] && echo -tls1_2 || echo -tls1_3)
        out=$(s_client "-tls1_${v#1}" "$port" -sess_out "$sd/tmp/sess")
        check "$v $k: TLSv1.${v#1} handshake verifies" bash -c "grep -q '^New, TLSv1.${v#1}, Cipher is' <<<\"\$1\" && grep -q 'Verify return code: 0 (ok)' <<<\"\$1\"" _ "$out"
        check "$v $k: key type" grep -q "Server public key is $([ "$k" = RSA ] && echo 2048 || echo 256) bit" <<<"$out"
        check "$v $k: other version refused" bash -c "! s=\$(printf '' | timeout 10 openssl s_client $other -connect 127.0.0.1:$port -servername localhost 2>&1) || ! grep -q '^New, TLSv' <<<\"\$s\""
        out=$(s_client "-tls1_${v#1}" "$port" -sess_in "$sd/tmp/sess")
        check "$v $k: session resumed on a new connection" grep -q "^Reused, TLSv1.${v#1}," <<<"$out"
        check "$v $k: request log has protocol and r" bash -c "awk -v p=$port '\$11 == p {print \$12, \$14}' '$LSEDGE_TEST_REQUEST_LOG' | tr '\n' ' ' | grep -qx 'TLSv1.${v#1} . TLSv1.${v#1} r '"
    done
done
# TLS 1.2 with the RSA key: RSA-PSS even when the client lists PKCS#1 v1.5 first (server preference, as Debian's nginx).
port=${LSEDGE_TEST_HTTPS12_RSA_URL##*:}
out=$(s_client -tls1_2 "$port" -sigalgs RSA+SHA256:RSA-PSS+SHA256)
check "12 RSA: ServerKeyExchange signed with RSA-PSS" grep -q '^Peer signature type: RSA-PSS' <<<"$out"
# The secp384r1-only TLS 1.3 listener: P-384 even when the client's first key share is X25519 (HelloRetryRequest).
port=${LSEDGE_TEST_HTTPS13_P384_URL##*:}
check "env has LSEDGE_TEST_HTTPS13_P384_URL" test -n "$port"
out=$(s_client -tls1_3 "$port" -groups X25519:secp384r1 -msg)
check "p384: TLSv1.3 over secp384r1 after a HelloRetryRequest" bash -c "grep -q '^New, TLSv1.3, Cipher is' <<<\"\$1\" && grep -q 'Server Temp Key: ECDH, secp384r1' <<<\"\$1\" && [ \$(grep -c '^>>> .*, ClientHello' <<<\"\$1\") = 2 ]" _ "$out"
check "p384: X25519 only is refused" bash -c "! printf '' | timeout 10 openssl s_client -tls1_3 -groups X25519 -connect 127.0.0.1:$port -servername localhost 2>&1 | grep -q '^New, TLSv1.3'"
check "p384: request log names the group" bash -c "awk -v p=$port '\$11 == p {print \$15}' '$LSEDGE_TEST_REQUEST_LOG' | grep -qx secp384r1"
check "matrix keep-alive 1 s in nginx.conf" eq "$(grep -c 'keepalive_timeout 1s;' "$sd/nginx.conf")" 5
check "nginx access log names port and TLS session" grep -qE " port=[0-9]+ tls=TLSv1\.[23]/[A-Z0-9_-]+/r/[A-Za-z0-9_-]+$" "$sd/logs/nginx-access.log"
knob cert good

echo "== stop / restart"
"$here/stop.sh" "$sd" || bad "stop.sh failed"
check "no process mentions the state dir" nothing_running "$sd"
check "pid files removed" bash -c "[ ! -e '$sd/nginx.pid' ] && [ ! -e '$sd/gunicorn.pid' ]"
check "port closed after stop" bash -c "! curl -s -o /dev/null '$P/health'"
"$here/start.sh" "$sd" >/dev/null 2>&1 || bad "restart failed"
check "restart keeps ports and PAT" eq "$(cs -X POST -H 'Content-Type: application/json' -d "{\"refresh\":\"$PAT\"}" "$H/api/token/refresh/")" 200
check "second start refused while running" bash -c "! '$here/start.sh' '$sd' >/dev/null 2>&1"
"$here/stop.sh" "$sd" || bad "stop.sh failed"
check "nothing left after second stop" nothing_running "$sd"
check "stop.sh twice is harmless" "$here/stop.sh" "$sd"

echo "== --http-only"
sd2=$(mktemp -d "${TMPDIR:-/tmp}/lsedge-selftest-http.XXXXXX")
if "$here/start.sh" "$sd2" --http-only --legacy on --access-lifetime 3 >/dev/null 2>&1; then
    check "http-only: no HTTPS URL" bash -c "grep -qx 'LSEDGE_TEST_HTTPS_URL=' '$sd2/env'"
    check "http-only: no TLS matrix URLs" bash -c "[ \$(grep -cE '^LSEDGE_TEST_HTTPS1[23]_(RSA|ECDSA|P384)_URL=$' '$sd2/env') = 5 ]"
    P2=$(grep '^LSEDGE_TEST_HTTP_URL=' "$sd2/env" | cut -d= -f2)
    check "http-only: legacy on from start" eq "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Token $(cat "$sd2/legacy_key.txt")" "$P2/api/current-user/whoami")" 200
    A3=$(curl -sS -X POST -H 'Content-Type: application/json' -d "{\"refresh\":\"$(cat "$sd2/pat.txt")\"}" "$P2/api/token/refresh/" | json 'd["access"]')
    check "http-only: access lifetime 3 from start" eq "$(b64claims "$A3" | json 'd["exp"]-d["iat"]')" 3
    "$here/stop.sh" "$sd2" || bad "stop.sh (http-only) failed"
    check "http-only: nothing left" nothing_running "$sd2"
else
    bad "start.sh --http-only failed"
fi

echo
echo "selftest: $pass passed, $failures failed"
[ "$failures" = 0 ]
