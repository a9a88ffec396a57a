#!/usr/bin/env bash
# A legacy key is sent as "Token <key>": works when the organization allows legacy tokens, and is
# a clear authentication error (exit 3) when it does not.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN=$LEGACY_KEY
knob legacy on
clear_request_log
run_lsedge whoami
expect_rc 0
expect_out "username: edge"
[ "$(count_requests ' /api/token/refresh')" -eq 0 ] || fail "a legacy key must never be refreshed"
[ "$(count_requests ' GET /api/current-user/whoami 200 token ')" -eq 1 ] || fail "expected Token auth"

knob legacy off
run_lsedge whoami
expect_rc 3
expect_err "legacy token authentication has been disabled"
echo PASS
