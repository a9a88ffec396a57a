#!/usr/bin/env bash
# Configuration: .env files, the SDK's variable name, and clear errors (exit 2) naming the key.
. "$(dirname "$0")/lib.sh"
cat >"$work/lsedge.env" <<ENV
# device credentials
export LABEL_STUDIO_URL="$LSEDGE_TEST_HTTP_URL"   # loopback server
LABEL_STUDIO_API_KEY='  $PAT  '
ENV
run_lsedge --env-file "$work/lsedge.env" whoami
expect_rc 0
expect_out "username: edge"

LABEL_STUDIO_API_TOKEN=$PAT run_lsedge whoami
expect_rc 2
expect_err "LABEL_STUDIO_URL"

LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL run_lsedge whoami
expect_rc 2
expect_err "LABEL_STUDIO_API_TOKEN"

LABEL_STUDIO_URL="ftp://127.0.0.1" LABEL_STUDIO_API_TOKEN=$PAT run_lsedge whoami
expect_rc 2
expect_err "LABEL_STUDIO_URL"

run_lsedge --env-file "$work/missing.env" whoami
expect_rc 2
expect_err "missing.env"

printf 'LABEL_STUDIO_URL\n' >"$work/broken.env"
run_lsedge --env-file "$work/broken.env" whoami
expect_rc 2
expect_err "line 1"

# http:// to a host that is not loopback: refused before any connection is tried.
LABEL_STUDIO_URL=http://192.0.2.1 LABEL_STUDIO_API_TOKEN=$PAT run_lsedge whoami
expect_rc 2
expect_err "not loopback"

run_lsedge frobnicate
expect_rc 2
run_lsedge whoami --no-such-option
expect_rc 2
echo PASS
