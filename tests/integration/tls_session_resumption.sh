#!/usr/bin/env bash
# Keep-alive between calls, and after the server closes the idle connection the next connection
# resumes the TLS session instead of a full handshake (visible in the debug log).
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_API_TOKEN=$PAT
export LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
clear_request_log
run_lsedge check --count 3 --interval-ms 100 -vv
expect_rc 0
[ "$(grep -c 'TLS full handshake' "$work/stderr")" -eq 1 ] || fail "expected one full handshake"
# refresh + 3 calls on one kept-alive connection
conns=$(awk '$3 ~ /^\/api\// {print $7}' "$LSEDGE_TEST_REQUEST_LOG" | sort -u | wc -l)
[ "$conns" -eq 1 ] || fail "expected one connection for all requests, got $conns"

knob keepalive_timeout 1
run_lsedge check --count 2 --interval-ms 2500 -vv
expect_rc 0
expect_err "TLS full handshake"
expect_err "TLS session resumed"
echo PASS
