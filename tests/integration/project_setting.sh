#!/usr/bin/env bash
# Issue #13: LABEL_STUDIO_PROJECT, so one unit and one env file serve every gateway: an id, or a
# title found or created once (never twice); --project wins; neither set is a usage error; a
# bad value is refused before a connect; `run` ensures the title with its usual retries when
# the server fails at start.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
title="Fleet line 4 ${work##*.}"
tasks_in() { admin tasks "$1" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
projects_titled() {
  "$LSEDGE" --json project ensure --title "$title" >/dev/null  # finds, never creates a second
  /usr/bin/python3 - "$LSEDGE_TEST_REQUEST_LOG" <<'PY'
import sys
print(sum(1 for l in open(sys.argv[1]) if l.split()[1:4] == ["POST", "/api/projects/", "201"]))
PY
}

# Neither --project nor the setting: the usage, with the setting named.
make_tasks "$work/a.json" 0 3 fleet
run_lsedge import "$work/a.json"
expect_rc 2
expect_err "usage: lsedge import [--project ID]"
expect_err "or set LABEL_STUDIO_PROJECT to a project id or title"

# `run` checks it before the spool is touched: an empty directory is not made a spool.
mkdir "$work/empty"
run_lsedge run --spool "$work/empty" --once
expect_rc 2
expect_err "usage: lsedge run --spool DIR [--project ID]"
[ -z "$(ls -A "$work/empty")" ] || fail "run without a project changed the spool directory"

# A bad value stops before any request.
clear_request_log
LABEL_STUDIO_PROJECT=ab run_lsedge import "$work/a.json"
expect_rc 2
expect_err "LABEL_STUDIO_PROJECT (environment): must be a project id, or a project title of 3 to 50"
LABEL_STUDIO_PROJECT=0 run_lsedge import "$work/a.json"
expect_rc 2
expect_err "a project id must be from 1 to 9007199254740991"
[ ! -s "$LSEDGE_TEST_REQUEST_LOG" ] || fail "a bad LABEL_STUDIO_PROJECT sent requests"

# A title: created by the first command, found by the next ones (import, upload, run).
clear_request_log
LABEL_STUDIO_PROJECT=$title run_lsedge -v import "$work/a.json"
expect_rc 0
expect_err "LABEL_STUDIO_PROJECT: created project"
id=$(sed -n 's/.*LABEL_STUDIO_PROJECT: created project \([0-9]*\) .*/\1/p' <<<"$err")
[ -n "$id" ] || fail "no project id in the log"
printf 'image bytes' >"$work/frame.png"
LABEL_STUDIO_PROJECT=$title run_lsedge -v upload "$work/frame.png"
expect_rc 0
expect_err "LABEL_STUDIO_PROJECT: found project $id \"$title\""
spool=$work/spool
make_tasks "$work/b.json" 3 4 fleet
run_lsedge spool add --spool "$spool" "$work/b.json"
expect_rc 0
# The server fails the project lookup three times at start: run retries, then finds it.
knob fail "3 503 /api/projects/"
LABEL_STUDIO_PROJECT=$title run_lsedge -v run --spool "$spool" --once --retry-base-ms 50 \
  --retry-cap-ms 200
expect_rc 0
expect_err "LABEL_STUDIO_PROJECT: found project $id"
[ "$(count_requests " GET /api/projects/.* 503 ")" -eq 3 ] || fail "run did not retry the lookup"
[ "$(projects_titled)" -eq 1 ] || fail "the title was created more than once"
[ "$(tasks_in "$id")" -eq 8 ] || fail "project $id holds $(tasks_in "$id") tasks, expected 8"

# An id, and --project over the setting.
other=$(new_project "Fleet other")
make_tasks "$work/c.json" 10 2 fleet
LABEL_STUDIO_PROJECT=$other run_lsedge import "$work/c.json"
expect_rc 0
LABEL_STUDIO_PROJECT=$title run_lsedge import --project "$other" "$work/c.json"
expect_rc 0
[ "$(tasks_in "$other")" -eq 4 ] || fail "project $other holds $(tasks_in "$other") tasks"
[ "$(tasks_in "$id")" -eq 8 ] || fail "--project did not win over LABEL_STUDIO_PROJECT"
# From the .env file too.
printf 'LABEL_STUDIO_PROJECT=%s\n' "$other" >"$work/.env"
chmod 0600 "$work/.env"
run_lsedge import "$work/c.json"
expect_rc 0
[ "$(tasks_in "$other")" -eq 6 ] || fail "the .env file's LABEL_STUDIO_PROJECT was not used"
echo "ok"
