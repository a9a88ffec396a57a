#!/usr/bin/env bash
# lsedge project ensure over TLS: created, then found (same id, no second project); a 60-character
# name is cut to Label Studio's 50-character title, checked on the server; usage errors.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
projects() { admin stats | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["projects"])'; }
# The project's title as the server stores it (GET /api/projects/ID/ with an access token).
server_title() {
  local access
  access=$(curl -sS --cacert "$LSEDGE_TEST_CA_FILE" -H 'Content-Type: application/json' \
    -d "{\"refresh\":\"$PAT\"}" "$LSEDGE_TEST_HTTPS_URL/api/token/refresh/" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access"])')
  curl -sS --cacert "$LSEDGE_TEST_CA_FILE" -H "Authorization: Bearer $access" \
    "$LSEDGE_TEST_HTTPS_URL/api/projects/$1/" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["title"])'
}

# A suffix unique to this run, so a rerun against the same server creates new projects.
run_id=${work##*.}
before=$(projects)
run_lsedge --json project ensure --title "Ensure Test $run_id" --task-id 6b5805c9-9b11-4cb5-bd73-2f373d26963c
expect_rc 0
expect_out "\"title\":\"Ensure Test $run_id (6b5805c9)\",\"created\":true"
id=$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
[ "$(projects)" -eq $((before + 1)) ] || fail "expected one new project"
run_lsedge project ensure --title "Ensure Test $run_id" --task-id 6b5805c9-9b11-4cb5-bd73-2f373d26963c
expect_rc 0
[ "$out" = "$id" ] || fail "second ensure gave id '$out', expected $id"
run_lsedge --json project ensure --title "Ensure Test $run_id" --task-id 6b5805c9-ffff
expect_rc 0
expect_out "\"id\":$id,"
expect_out '"created":false'
[ "$(projects)" -eq $((before + 1)) ] || fail "ensure of an existing project created another"
[ "$(server_title "$id")" = "Ensure Test $run_id (6b5805c9)" ] || fail "wrong title on the server"

# 60 characters: the title is cut to 50 with '...', on the server too; found again by that title.
name=$run_id$(printf 'n%.0s' $(seq 1 $((60 - ${#run_id}))))
printf '<View><Image name="img" value="$image"/></View>\n' >"$work/label.xml"
run_lsedge --json project ensure --title "$name" --task-id abcdef0123 --label-config "$work/label.xml" \
  --description "from lsedge"
expect_rc 0
expect_out '"created":true'
long_id=$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
title=$(server_title "$long_id")
[ "${#title}" -eq 50 ] || fail "server title is ${#title} characters: $title"
[ "$title" = "${name:0:36}... (abcdef01)" ] || fail "unexpected title: $title"
run_lsedge project ensure --title "$name" --task-id abcdef0123
expect_rc 0
[ "$out" = "$long_id" ] || fail "the long-named project was not found again"

# Usage and input errors: nothing sent.
clear_request_log
run_lsedge project ensure --task-id 1
expect_rc 2
run_lsedge project ensure --title x --bogus 1
expect_rc 2
expect_err "unknown option --bogus"
run_lsedge project ensure --title xyz --label-config "$work/missing.xml"
expect_rc 5
expect_err "cannot read the label config $work/missing.xml"
run_lsedge project ensure --title x --label-config "$work/missing.xml"
expect_rc 2
expect_err 'project title "x" is shorter than the 3 characters'
printf '<View>\xff</View>' >"$work/latin1.xml"
run_lsedge project ensure --title xyz --label-config "$work/latin1.xml"
expect_rc 2
expect_err "label config: invalid UTF-8 at byte 6 of $work/latin1.xml"
[ "$(count_requests ' /api/projects/? ')" -eq 0 ] || fail "a usage error reached the server"
echo PASS
