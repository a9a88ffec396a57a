#!/usr/bin/env bash
# No secret is echoed from a setting (issue #11, item 9): a token pasted into LABEL_STUDIO_CA_FILE
# or LABEL_STUDIO_URL (or --ca-file, --url, a .env) is refused by its shape without being printed,
# and a token with quotes or whitespace inside is refused with its position instead of being sent
# as a legacy key.
. "$(dirname "$0")/lib.sh"
sig=${PAT##*.}
no_token_printed() {
  for text in "$out" "$err"; do
    grep -q 'eyJ' <<<"$text" && fail "a JWT was printed"
    grep -qF -- "${sig:0:16}" <<<"$text" && fail "the PAT's signature was printed"
    grep -qiF -- "${LEGACY_KEY:0:16}" <<<"$text" && fail "the legacy key was printed"
  done
  return 0
}
clear_request_log

LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$PAT LABEL_STUDIO_API_TOKEN=$PAT \
  run_lsedge whoami
expect_rc 2
expect_err "LABEL_STUDIO_CA_FILE (environment): holds what looks like an API token"
no_token_printed
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_API_TOKEN=$PAT \
  run_lsedge --ca-file "$LEGACY_KEY" whoami
expect_rc 2
expect_err "--ca-file: holds what looks like an API token"
no_token_printed
for url in "$PAT" "https://$PAT" "https://$PAT.example.com" "$LSEDGE_TEST_HTTP_URL/$PAT/" \
  "$LSEDGE_TEST_HTTP_URL/$LEGACY_KEY"; do
  LABEL_STUDIO_URL=$url LABEL_STUDIO_API_TOKEN=$PAT run_lsedge whoami
  expect_rc 2
  expect_err "LABEL_STUDIO_URL (environment): holds what looks like an API token"
  no_token_printed
done
printf 'LABEL_STUDIO_URL=https://%s\nLABEL_STUDIO_API_TOKEN=%s\n' "$PAT" "$PAT" >"$work/s.env"
run_lsedge --env-file "$work/s.env" -vv whoami
expect_rc 2
expect_err "LABEL_STUDIO_URL (.env file): holds what looks like an API token"
no_token_printed
run_lsedge --env-file "$PAT" whoami
expect_rc 2
expect_err "--env-file: holds what looks like an API token"
no_token_printed
[ "$(count_requests ' /api/')" = 0 ] || fail "a request was sent"

# Quotes kept around the token (a Docker --env-file keeps them) or whitespace inside: refused by
# shape, with the position, never the token, and never sent as a legacy key.
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN="\"$LEGACY_KEY\"" run_lsedge whoami
[ "$rc" -ne 0 ] || fail "a quoted token was accepted"
expect_err 'LABEL_STUDIO_API_TOKEN (environment): the token contains a quote (") at position 1 of 42'
expect_err "remove the quotes"
no_token_printed
printf "LABEL_STUDIO_URL=%s\nLABEL_STUDIO_API_KEY='\"%s\"'\n" "$LSEDGE_TEST_HTTP_URL" "$PAT" \
  >"$work/q.env"
run_lsedge --env-file "$work/q.env" whoami
[ "$rc" -ne 0 ] || fail "a quoted PAT was accepted"
expect_err "LABEL_STUDIO_API_KEY (.env file): the token contains a quote"
no_token_printed
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN="${LEGACY_KEY:0:20} ${LEGACY_KEY:20}" \
  run_lsedge whoami
[ "$rc" -ne 0 ] || fail "a token with a space was accepted"
expect_err "the token contains whitespace at position 21 of 41"
no_token_printed
[ "$(count_requests ' /api/')" = 0 ] || fail "a malformed token was sent"
echo PASS
