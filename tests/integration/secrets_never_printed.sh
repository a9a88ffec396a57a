#!/usr/bin/env bash
# With debug logging on, neither the PAT nor any access token reaches stdout, stderr or the
# server's request log, on success and on failure.
. "$(dirname "$0")/lib.sh"
knob access_lifetime 2
knob delay "2600 1 /api/current-user/whoami"
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN=$PAT run_lsedge whoami -vv
expect_rc 0
# Any JWT-looking text (header "eyJ...") or a piece of the PAT's signature is a leak.
sig=${PAT##*.}
for text in "$out" "$err" "$(cat "$LSEDGE_TEST_REQUEST_LOG")"; do
  grep -q 'eyJ' <<<"$text" && fail "a JWT was printed"
  grep -qF -- "${sig:0:16}" <<<"$text" && fail "the PAT's signature was printed"
done
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN="${PAT}x" run_lsedge whoami -vv
expect_rc 3
grep -q 'eyJ' <<<"$out$err" && fail "a JWT was printed on failure"
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN=$LEGACY_KEY run_lsedge whoami -vv
grep -qF -- "$LEGACY_KEY" <<<"$out$err" && fail "the legacy key was printed"
echo PASS
