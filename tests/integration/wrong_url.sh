#!/usr/bin/env bash
# Clear errors for URLs that do not reach Label Studio's API, all exit 2 (configuration): a wrong
# sub-path (Label Studio's HTML 404, however large), http:// to the HTTPS port (nginx's 400),
# a redirect (its Location and the URL to use); and what Label Studio would refuse, caught
# before anything is sent: a title under 3 characters, a media type it does not import.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
https_port=${LSEDGE_TEST_HTTPS_URL##*:}
all_requests() { grep -c . "$LSEDGE_TEST_REQUEST_LOG" || true; }

# A wrong sub-path: the token endpoint answers Label Studio's HTML 404 page.
for pad in 0 300000; do
  knob page_404_bytes "$pad"
  LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL/wrong LABEL_STUDIO_API_TOKEN=$PAT run_lsedge whoami
  expect_rc 2
  expect_err "no Label Studio API at this URL: check the sub-path"
  expect_err "/wrong/api/token/refresh/ answered 404"
  grep -q "board" <<<"$err" && fail "a 404 page was blamed on the board's buffer"
  # With a legacy key (no refresh) the whoami's own 404 page says the same.
  LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL/wrong LABEL_STUDIO_API_TOKEN=$LEGACY_KEY run_lsedge whoami
  expect_rc 2
  expect_err "no Label Studio API at this URL"
  expect_err "HTML page for /api/current-user/whoami"
done
knob page_404_bytes 0
# A project that does not exist is still "not found", not a wrong URL.
mkdir "$work/spool"
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_API_TOKEN=$PAT \
  run_lsedge run --spool "$work/spool" --project 999999 --once
expect_rc 2
expect_err "does not exist or this token cannot see it"
grep -q "no Label Studio API" <<<"$err" && fail "a missing project read as a wrong URL"

# http:// to the HTTPS port: nginx's "plain HTTP request was sent to HTTPS port" 400.
LABEL_STUDIO_URL=http://127.0.0.1:$https_port LABEL_STUDIO_API_TOKEN=$PAT run_lsedge whoami
expect_rc 2
expect_err "plain HTTP was sent to a port that expects HTTPS; use https://"
grep -q "rejected the Personal Access Token" <<<"$err" && fail "the PAT was blamed"
LABEL_STUDIO_URL=http://127.0.0.1:$https_port LABEL_STUDIO_API_TOKEN=$LEGACY_KEY run_lsedge whoami
expect_rc 2
expect_err "use https://"

# A site that redirects plain HTTP to HTTPS: the Location and the URL to use.
knob redirect_http on
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN=$PAT run_lsedge whoami
knob redirect_http off
expect_rc 2
expect_err "HTTP 301 to https://127.0.0.1:$https_port/api/token/refresh/"
expect_err "try LABEL_STUDIO_URL=https://127.0.0.1:$https_port"

# Refused before anything is sent.
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_API_TOKEN=$PAT
clear_request_log
run_lsedge project ensure --title ab
expect_rc 2
expect_err 'project title "ab" is shorter than the 3 characters'
run_lsedge title " a "
expect_rc 2
printf 'MZ' >"$work/tool.exe"
run_lsedge upload --project 1 "$work/tool.exe"
expect_rc 2
expect_err "Label Studio does not import '.exe' files; it takes .bmp .csv"
[ "$(all_requests)" -eq 0 ] || fail "a refused title or media file reached the server"
echo PASS
