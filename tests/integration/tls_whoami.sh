#!/usr/bin/env bash
# whoami over real TLS (nginx, throwaway CA): PAT over https://127.0.0.1 (IP SAN) and
# https://localhost (DNS SAN); legacy key with the organization switch on and off.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
clear_request_log
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_API_TOKEN=$PAT run_lsedge whoami
expect_rc 0
expect_out "username: edge"
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_LOCALHOST_URL LABEL_STUDIO_API_TOKEN=$PAT run_lsedge whoami --json
expect_rc 0
expect_out '"username":"edge"'
[ "$(count_requests ' GET /api/current-user/whoami 200 bearer https ')" -eq 2 ] ||
  fail "expected two Bearer whoami over https"

knob legacy on
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_API_TOKEN=$LEGACY_KEY run_lsedge whoami
expect_rc 0
expect_out "username: edge"
knob legacy off
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_API_TOKEN=$LEGACY_KEY run_lsedge whoami
expect_rc 3
expect_err "legacy token authentication has been disabled"
echo PASS
