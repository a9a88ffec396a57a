#!/usr/bin/env bash
# Label Studio up to 1.20 copies the PAT's iat into access tokens (knob copy_iat): exp - iat is
# then the PAT's age plus the lifetime. The lifetime comes from the refresh answer's Date, so
# over several 3 s lifetimes every call succeeds with no 401 and the token is refreshed ahead of
# its expiry.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
# The PAT's iat; wait until it is well older than a lifetime, so exp - iat would be wrong.
pat_iat=$(/usr/bin/python3 - "$PAT" <<'PY'
import base64, json, sys
part = sys.argv[1].split(".")[1]
print(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))["iat"])
PY
)
while [ $(($(date +%s) - pat_iat)) -lt 15 ]; do sleep 1; done
echo "PAT age: $(($(date +%s) - pat_iat)) s"

knob copy_iat on access_lifetime 3
clear_request_log
run_lsedge -v check --count 25 --interval-ms 500
expect_rc 0
# The access tokens really carry the PAT's iat (the server copied it).
calls=$(count_requests ' GET /api/current-user/whoami 200 bearer https ')
refreshes=$(count_requests ' POST /api/token/refresh/ 200 ')
failures=$(count_requests ' 401 ')
echo "calls=$calls refreshes=$refreshes 401s=$failures"
[ "$calls" -eq 25 ] || fail "expected 25 successful calls"
[ "$failures" -eq 0 ] || fail "a request was answered 401: the token was used past its expiry"
# ~12 s of calls with tokens refreshed 1 s before their 3 s end: one refresh per 2 s or so.
[ "$refreshes" -ge 5 ] || fail "expected at least 5 refreshes over four lifetimes, got $refreshes"
grep -qE 'access token refreshed: lifetime [23] s' <<<"$err" ||
  fail "the lifetime was not taken from the server's Date"
grep -q 'exp - iat' <<<"$err" && fail "the copied iat was used"
echo PASS
