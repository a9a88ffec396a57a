#!/usr/bin/env bash
# whoami with a Personal Access Token over plain HTTP to loopback: one refresh, then Bearer.
. "$(dirname "$0")/lib.sh"
clear_request_log
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN=$PAT run_lsedge whoami
expect_rc 0
expect_out "id: 1"
expect_out "email: edge@lsedge.test"
expect_out "username: edge"
[ "$(count_requests ' POST /api/token/refresh/ 200 none ')" -eq 1 ] || fail "expected one refresh"
[ "$(count_requests ' GET /api/current-user/whoami 200 bearer ')" -eq 1 ] || fail "expected one Bearer whoami"

LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN=$PAT run_lsedge whoami --json
expect_rc 0
printf '%s' "$out" | /usr/bin/python3 -c '
import json, sys
user = json.load(sys.stdin)
assert user == {"id": 1, "email": "edge@lsedge.test", "username": "edge"}, user'
echo PASS
