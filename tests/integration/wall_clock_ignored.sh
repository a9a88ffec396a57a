#!/usr/bin/env bash
# The wall clock set to 1970 or 2100 changes nothing: expiry runs on the monotonic clock.
# (libfaketime moves the wall clock only; FAKETIME_DONT_FAKE_MONOTONIC keeps CLOCK_MONOTONIC.)
# Nor does a wall clock that jumps by ten hours back and forth while lsedge runs (tests/preload's
# shim, host builds): one refresh for calls spread over 2 s, every pause as long as asked.
. "$(dirname "$0")/lib.sh"
command -v faketime >/dev/null || fail "faketime is not installed (scripts/setup.sh)"
for when in '1970-01-02 00:00:00' '2100-01-01 00:00:00'; do
  [ "$(FAKETIME_DONT_FAKE_MONOTONIC=1 faketime "$when" date -u +%Y)" = "${when%%-*}" ] ||
    fail "faketime does not move the wall clock here"
  clear_request_log
  set +e
  # libfaketime is preloaded ahead of the sanitizer runtime in the host-asan build.
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" FAKETIME_DONT_FAKE_MONOTONIC=1 LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN=$PAT \
    faketime "$when" "$LSEDGE" whoami >"$work/stdout" 2>"$work/stderr"
  rc=$?
  set -e
  out=$(cat "$work/stdout")
  echo "wall clock $when -> exit $rc"
  sed 's/^/  err: /' "$work/stderr"
  expect_rc 0
  expect_out "username: edge"
  [ "$(count_requests ' POST /api/token/refresh/ 200 ')" -eq 1 ] || fail "expected one refresh"
done
if [ -n "${LSEDGE_PRELOAD:-}" ]; then
  clear_request_log
  started=$(date +%s%N)
  LD_PRELOAD=$LSEDGE_PRELOAD LSEDGE_REALTIME_JUMP_S=36000 \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
    LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN=$PAT \
    run_lsedge check --count 6 --interval-ms 400
  elapsed_ms=$((($(date +%s%N) - started) / 1000000))
  expect_rc 0
  echo "jumping wall clock: $elapsed_ms ms"
  [ "$(count_requests ' POST /api/token/refresh/ 200 ')" -eq 1 ] || fail "expected one refresh"
  [ "$(count_requests ' GET /api/current-user/whoami 200 ')" -eq 6 ] || fail "expected 6 calls"
  [ "$(count_status 401)" -eq 0 ] || fail "a call was answered 401"
  [ "$elapsed_ms" -ge 2000 ] || fail "the 5 pauses of 400 ms took $elapsed_ms ms"
fi
echo PASS
