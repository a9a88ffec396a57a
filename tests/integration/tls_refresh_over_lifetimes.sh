#!/usr/bin/env bash
# Calls spread over three access-token lifetimes (3 s each) all succeed, with 4 to 6 refreshes
# (each 1 s before the end: exp and the server's Date are whole seconds, and when the answer's Date
# falls in the second after the token was minted, exp - Date reads 2 s and that token is refreshed
# 1 s early):
# the token is refreshed ahead of its expiry on the monotonic clock, not after every call, and
# never late: no call is answered 401 (a client that waited for the 401 to refresh would still
# succeed every call, with about as many refreshes).
. "$(dirname "$0")/lib.sh"
knob access_lifetime 3
clear_request_log
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE \
  LABEL_STUDIO_API_TOKEN=$PAT run_lsedge check --count 19 --interval-ms 500
expect_rc 0
calls=$(count_requests ' GET /api/current-user/whoami 200 bearer https ')
refreshes=$(count_requests ' POST /api/token/refresh/ 200 ')
failures=$(count_requests ' GET /api/current-user/whoami 401 ')
echo "calls=$calls refreshes=$refreshes 401s=$failures"
[ "$calls" -eq 19 ] || fail "expected 19 successful calls"
[ "$failures" -eq 0 ] || fail "expected no 401 (the token is refreshed before it expires), got $failures"
[ "$refreshes" -ge 4 ] && [ "$refreshes" -le 6 ] || fail "expected 4 to 6 refreshes, got $refreshes"
echo PASS
