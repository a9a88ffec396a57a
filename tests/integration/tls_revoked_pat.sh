#!/usr/bin/env bash
# A revoked (blacklisted) PAT over TLS: exit 3 and the server's "Token is blacklisted".
. "$(dirname "$0")/lib.sh"
pat=$(admin new-pat)
curl -fsS -o /dev/null --cacert "$LSEDGE_TEST_CA_FILE" -X POST -H 'Content-Type: application/json' \
  -d "{\"refresh\": \"$pat\"}" "$LSEDGE_TEST_HTTPS_URL/api/token/blacklist/"
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE \
  LABEL_STUDIO_API_TOKEN=$pat run_lsedge whoami
expect_rc 3
expect_err "Token is blacklisted"
echo PASS
