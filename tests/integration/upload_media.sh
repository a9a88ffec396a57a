#!/usr/bin/env bash
# lsedge upload over TLS: a small PNG is stored by the server and becomes one task.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
run_lsedge project ensure --title "Upload media ${work##*.}"
expect_rc 0
project=$out
# A valid 1x1 PNG.
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82' \
  >"$work/pixel.png"
run_lsedge upload --project "$project" "$work/pixel.png"
expect_rc 0
expect_out "pixel.png: imported 1 tasks"
stored=$(find "$LSEDGE_TEST_STATE_DIR/media/upload/$project" -name '*pixel.png' -type f)
[ "$(printf '%s\n' "$stored" | grep -c .)" -eq 1 ] || fail "the server did not store pixel.png"
cmp -s "$stored" "$work/pixel.png" || fail "the stored file differs from the upload"
[ "$(admin tasks "$project" | grep -c '"file_upload": [0-9]')" -eq 1 ] || fail "expected one task for the upload"
run_lsedge --json upload --project "$project" "$work/pixel.png" "$work/missing.png"
expect_rc 5
expect_out '"file":'
expect_err "missing.png"
run_lsedge upload --project "$project"
expect_rc 2
echo PASS
