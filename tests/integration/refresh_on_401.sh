#!/usr/bin/env bash
# The access token expires while a request is in flight: the server answers 401, lsedge refreshes
# once and resends once, and the call succeeds.
. "$(dirname "$0")/lib.sh"
knob access_lifetime 2
knob delay "2600 1 /api/current-user/whoami"
clear_request_log
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN=$PAT run_lsedge whoami -v
expect_rc 0
expect_out "username: edge"
expect_err "refreshing the access token and resending once"
[ "$(count_requests ' POST /api/token/refresh/ 200 ')" -eq 2 ] || fail "expected exactly 2 refreshes"
[ "$(count_requests ' GET /api/current-user/whoami 401 bearer ')" -eq 1 ] || fail "expected one 401"
[ "$(count_requests ' GET /api/current-user/whoami 200 bearer ')" -eq 1 ] || fail "expected one 200"
echo PASS
