#!/usr/bin/env bash
# lsedge title: the issue's example, the 50-character limit, and errors.
. "$(dirname "$0")/lib.sh"
run_lsedge title "Integration Test Task" 6b5805c9-9b11-4cb5-bd73-2f373d26963c
expect_rc 0
[ "$out" = "Integration Test Task (6b5805c9)" ] || fail "wrong title: $out"
long="A very long capture session name from camera seventeen on the loading dock"
run_lsedge title "$long" 6b5805c9-9b11-4cb5-bd73-2f373d26963c
expect_rc 0
[ "$(printf '%s' "$out" | /usr/bin/python3 -c 'import sys; print(len(sys.stdin.read()))')" -eq 50 ] ||
  fail "title is not 50 characters: $out"
expect_out "... (6b5805c9)"
run_lsedge title "$(printf '\xe6\xbc\xa2%.0s' $(seq 1 60))" --json
expect_rc 0
expect_out '"characters":50'
run_lsedge title "   "
expect_rc 2
run_lsedge title "$(printf 'bad\xff')"
expect_rc 2
expect_err "UTF-8"
echo PASS
