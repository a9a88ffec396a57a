#!/usr/bin/env bash
# Pasting an access token instead of the PAT is refused before any request, with advice.
. "$(dirname "$0")/lib.sh"
access=$(curl -fsS -X POST -H 'Content-Type: application/json' -d "{\"refresh\": \"$PAT\"}" \
  "$LSEDGE_TEST_HTTP_URL/api/token/refresh/" |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access"])')
clear_request_log
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN=$access run_lsedge whoami
expect_rc 3
expect_err "Personal Access Token"
[ "$(count_requests ' ')" -eq 0 ] || fail "no request may be made with an access token as credential"
echo PASS
