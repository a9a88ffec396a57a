#!/usr/bin/env bash
# A blacklisted (revoked) PAT: exit 3, the server's "Token is blacklisted" and what to do.
. "$(dirname "$0")/lib.sh"
pat=$(admin new-pat)
curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' \
  -d "{\"refresh\": \"$pat\"}" "$LSEDGE_TEST_HTTP_URL/api/token/blacklist/"
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN=$pat run_lsedge whoami
expect_rc 3
expect_err "Token is blacklisted"
expect_err "revoked"
echo PASS
