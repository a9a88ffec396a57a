#!/usr/bin/env bash
# README's "Exit codes" table, row by row, for every command (whoami, project ensure, import,
# upload, spool add, run): the exit code, and that the message names the path or the cause.
# A path that is a directory, device or FIFO ends at once (a FIFO is never waited on).
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN=$PAT
run_id=${work##*.}

# lsedge under a 20 s timeout: a hang (a FIFO opened for reading, /dev/zero read forever) is
# exit 124 and fails the expected code.
cat >"$work/lsedge_timed" <<EOF
#!/bin/sh
exec timeout 20 "$LSEDGE" "\$@"
EOF
chmod +x "$work/lsedge_timed"
quick() { LSEDGE="$work/lsedge_timed" run_lsedge "$@"; }
expect_err_lacks() {
  if grep -qF -- "$1" <<<"$err"; then fail "stderr says: $1"; fi
}

printf '<View><Image name="img" value="$image"/></View>\n' >"$work/image.xml"
project=$(project_with_config "Exit codes $run_id" "$work/image.xml")
printf '[{"data":{"image":"/data/1.jpg"}}]\n' >"$work/tasks.json"
printf '[{"data":{"image":"/data/1.jpg"}},\n {"data": nope}]\n' >"$work/bad.json"
printf 'not an image' >"$work/frame.png"
mkdir "$work/dir.json" "$work/dir.png" "$work/dir.xml" "$work/dir.crt"
mkfifo "$work/fifo.json" "$work/fifo.png" "$work/fifo.xml" "$work/fifo.crt"
https=(--url "$LSEDGE_TEST_HTTPS_URL")

# --- 2: usage or configuration ---------------------------------------------------------------
run_lsedge --help
expect_rc 0
expect_out "  run --spool DIR [--project ID]"

# whoami: an unknown option, a missing setting, a wrong sub-path, a CA file that is not a file.
run_lsedge whoami --bogus
expect_rc 2
LABEL_STUDIO_URL='' run_lsedge whoami
expect_rc 2
expect_err "LABEL_STUDIO_URL"
LABEL_STUDIO_URL="$LSEDGE_TEST_HTTP_URL/no-such-prefix" run_lsedge whoami
expect_rc 2
expect_err "no Label Studio API at this URL"
for ca in "$work/dir.crt" /dev/zero "$work/fifo.crt"; do
  quick "${https[@]}" --ca-file "$ca" whoami
  expect_rc 2
  expect_err "LABEL_STUDIO_CA_FILE $ca: a directory, device or FIFO, not a regular file"
done
LABEL_STUDIO_CA_FILE=$work/fifo.crt quick "${https[@]}" whoami
expect_rc 2
expect_err "$work/fifo.crt: a directory, device or FIFO"
quick "${https[@]}" --ca-file "$work/missing.crt" whoami
expect_rc 2
expect_err "$work/missing.crt: no such file or directory"

# A redirect shows its Location, on every command that talks to the server.
knob redirect_http on
for cmd in "whoami" "project ensure --title Redirected" "import --project $project $work/tasks.json" \
  "upload --project $project $work/frame.png"; do
  # shellcheck disable=SC2086
  run_lsedge $cmd
  expect_rc 2
  expect_err "HTTP 301 to https://127.0.0.1:"
  expect_err "try LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL"
done
mkdir "$work/redirect-spool"
run_lsedge spool add --spool "$work/redirect-spool" "$work/tasks.json"
expect_rc 0
run_lsedge run --spool "$work/redirect-spool" --project "$project" --once
expect_rc 2
expect_err "HTTP 301 to https://127.0.0.1:"
knob redirect_http off

# project ensure: a title under 3 characters, a label config that is not a file.
run_lsedge project ensure --title ab
expect_rc 2
for config in "$work/dir.xml" "$work/fifo.xml" /dev/zero; do
  quick project ensure --title "Config $run_id" --label-config "$config"
  expect_rc 2
  expect_err "$config"
  expect_err "not a regular file"
done

# import: no --project; a task file that is a directory, FIFO or device; a bad task file is
# the file's fault (exit 2), never "the server's answer".
run_lsedge import "$work/tasks.json"
expect_rc 2
run_lsedge import --project "$project" ''
expect_rc 2
expect_err "the task file's path is empty"
expect_err_lacks "bug in the calling code"
for file in "$work/dir.json" "$work/fifo.json" /dev/zero; do
  quick import --project "$project" "$file"
  expect_rc 2
  expect_err "task file $file: a directory, device or FIFO, not a regular file"
done
run_lsedge import --project "$project" "$work/bad.json"
expect_rc 2
expect_err "task file $work/bad.json: an invalid literal"
expect_err "(line 2)"
expect_err_lacks "server"
run_lsedge --json import --project "$project" "$work/bad.json"
expect_rc 2
expect_err '"status":"task_file_invalid"'
expect_err '"exit_code":2'

# upload: a media file that is a directory or a FIFO; a media type Label Studio refuses.
for file in "$work/dir.png" "$work/fifo.png"; do
  quick upload --project "$project" "$file"
  expect_rc 2
  expect_err "$file"
  expect_err "not a regular file"
done
printf 'x' >"$work/tool.exe"
run_lsedge upload --project "$project" "$work/tool.exe"
expect_rc 2
expect_err "does not import"

# spool add: an empty --spool is the user's mistake, not "a bug in the calling code"; task
# files as for import.
run_lsedge spool add --spool '' "$work/tasks.json"
expect_rc 2
expect_err '--spool ""'
expect_err_lacks "bug in the calling code"
run_lsedge spool add --spool "$work/spool" ''
expect_rc 2
expect_err_lacks "bug in the calling code"
for file in "$work/dir.json" "$work/fifo.json" /dev/zero; do
  quick spool add --spool "$work/spool" "$file"
  expect_rc 2
  expect_err "task file $file: a directory, device or FIFO, not a regular file"
done
run_lsedge spool add --spool "$work/spool" "$work/bad.json"
expect_rc 2
expect_err "task file $work/bad.json: an invalid literal"
expect_err_lacks "server"
# A spool path that is a file or a device: NotADirectory naming it, for add and run.
for spool in "$work/tasks.json" /dev/null; do
  run_lsedge spool add --spool "$spool" "$work/tasks.json"
  expect_rc 2
  expect_err "$spool"
  expect_err "not a directory"
  quick run --spool "$spool" --project "$project" --once
  expect_rc 2
  expect_err "not a directory"
done

# run: an empty --spool; a project that does not exist; one deleted while run sends.
run_lsedge run --spool '' --project "$project" --once
expect_rc 2
expect_err '--spool ""'
expect_err_lacks "bug in the calling code"
run_lsedge spool add --spool "$work/spool" "$work/tasks.json"
expect_rc 0
run_lsedge run --spool "$work/spool" --project 999999 --once
expect_rc 2
expect_err "project 999999 does not exist"

gone=$(project_with_config "Exit codes gone $run_id" "$work/image.xml")
run_lsedge spool add --spool "$work/gone-spool" "$work/tasks.json"
expect_rc 0
"$LSEDGE" run --spool "$work/gone-spool" --project "$gone" --poll-ms 100 \
  >"$work/gone.out" 2>"$work/gone.err" &
daemon=$!
wait_for_line "$work/gone.out" "^sent " || fail "run sent nothing: $(cat "$work/gone.err")"
access=$(curl -sS -X POST "$LSEDGE_TEST_HTTP_URL/api/token/refresh/" -H 'Content-Type: application/json' \
  -d "{\"refresh\":\"$PAT\"}" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access"])')
curl -sS -o /dev/null -X DELETE -H "Authorization: Bearer $access" "$LSEDGE_TEST_HTTP_URL/api/projects/$gone/"
run_lsedge spool add --spool "$work/gone-spool" "$work/tasks.json"
expect_rc 0
set +e
timeout 30 tail --pid="$daemon" -f /dev/null
wait "$daemon"
daemon_rc=$?
set -e
cat "$work/gone.err"
[ "$daemon_rc" -eq 2 ] || fail "run after its project was deleted: exit $daemon_rc, expected 2"
grep -qF "project $gone does not exist" "$work/gone.err" || fail "the deleted project is not named"

# --- 3: authentication (401 and 403 alike: the systemd unit must not restart on either) --------
# spool add does not talk to the server: rows 3, 4 and 5 do not apply to it.
knob fail "1 401 /api/token/refresh"
run_lsedge whoami
expect_rc 3
expect_err "rejected the Personal Access Token"
for endpoint in "/api/current-user/whoami:whoami" "/api/projects/:project ensure --title Forbidden" \
  "/api/projects/$project/import:import --project $project $work/tasks.json" \
  "/api/projects/$project/import:upload --project $project $work/frame.png"; do
  knob fail "1 403 ${endpoint%%:*}"
  # shellcheck disable=SC2086
  run_lsedge ${endpoint#*:}
  expect_rc 3
  expect_err "the server denied permission"
  expect_err "Forbidden"
done
# run stops with 3 on a 403: when it checks the project, and on an import.
knob fail "1 403 /api/projects/$project/"
run_lsedge run --spool "$work/spool" --project "$project" --once
expect_rc 3
expect_err "the server denied permission"
knob fail "1 403 /api/projects/$project/import\$"
run_lsedge run --spool "$work/spool" --project "$project" --once
expect_rc 3
expect_err "the server denied permission"
expect_out "failed: 1 entries (1 tasks) queued"

# --- 4: network or TLS ------------------------------------------------------------------------
# run retries network failures until they pass (README: Failures): it never exits 4.
for cmd in "whoami" "project ensure --title Refused" "import --project $project $work/tasks.json" \
  "upload --project $project $work/frame.png"; do
  # shellcheck disable=SC2086
  LABEL_STUDIO_URL=http://127.0.0.1:1 run_lsedge $cmd
  expect_rc 4
  expect_err "refused the connection"
done
run_lsedge "${https[@]}" --ca-file "$LSEDGE_TEST_OTHER_CA_FILE" whoami
expect_rc 4
expect_err "not signed by a trusted CA"

# --- 5: server or other -----------------------------------------------------------------------
knob fail "1 500 /api/current-user/whoami"
run_lsedge whoami
expect_rc 5
knob fail "1 500 /api/projects/"
run_lsedge project ensure --title "Server error $run_id"
expect_rc 5
knob fail "1 500 /api/projects/$project/import"
run_lsedge upload --project "$project" "$work/frame.png"
expect_rc 5

# import: a request whose answer is lost after the server ran it may have landed: said so
# (also with --json, as a result line on stdout).
knob fail_after "1 500 /api/projects/$project/import\$"
run_lsedge import --project "$project" "$work/tasks.json"
expect_rc 5
expect_err "task 1 may already be on the server"
knob fail_after "1 500 /api/projects/$project/import\$"
run_lsedge --json import --project "$project" "$work/tasks.json"
expect_rc 5
expect_out '"complete":false'
expect_out '"unknown_first_task":1,"unknown_tasks":1'

# import stopped part-way: what was sent, exactly (requests, tasks, the file's total).
printf '[{"data":{"image":"/1.jpg"}},{"data":{"image":"/2.jpg"}},\n{"data":{"text":"no image"}}]\n' \
  >"$work/partial.json"
run_lsedge import --project "$project" --batch-bytes 40 "$work/partial.json"
expect_rc 5
expect_err "2 tasks were imported before the failure, in 2 requests (of 3 tasks in the file)"
expect_err_lacks "may already be on the server"
run_lsedge --json import --project "$project" --batch-bytes 40 "$work/partial.json"
expect_rc 5
expect_out '{"tasks":2,"requests":2,"total_tasks":3,"complete":false}'

# run --once that rejected a task.
run_lsedge spool add --spool "$work/spool" "$work/partial.json"
expect_rc 0
run_lsedge run --spool "$work/spool" --project "$project" --once
expect_rc 5
expect_out "rejected"

# A listing that never ends (the same "next" link again and again) stops at once.
run_lsedge project ensure --title "Loop $run_id"
expect_rc 0
knob page_loop on
clear_request_log
run_lsedge project ensure --title "Loop $run_id"
expect_rc 5
expect_err "same \"next\" link"
[ "$(count_requests ' GET /api/projects/ ')" -le 3 ] || fail "the runaway listing was followed"
knob page_loop off
echo PASS
