#!/usr/bin/env bash
# Network failures are exit 4 with a message naming what to check.
. "$(dirname "$0")/lib.sh"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LABEL_STUDIO_URL=http://127.0.0.1:$port LABEL_STUDIO_API_TOKEN=$PAT run_lsedge whoami
expect_rc 4
expect_err "refused"

# The server drops the connection in the middle of the refresh response, every time.
knob drop "1 /api/token/refresh"
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN=$PAT run_lsedge whoami
expect_rc 4
expect_err "closed before the whole response"

# 503 from the server: exit 5 (server error), not an authentication error.
knob fail "3 503 /api/current-user/whoami"
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN=$PAT run_lsedge whoami
expect_rc 5
echo PASS
