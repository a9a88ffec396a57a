#!/usr/bin/env bash
# Server text never drives the terminal (issue #11, item 11): whoami fields and error details
# carrying terminal escapes and forged lines (knob hostile_text) arrive escaped on stdout and
# stderr; with --json they stay valid JSON and come back intact when parsed.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN=$PAT
hostile=$'\e]0;pwned\a\e[2J\e[31mred\r\nlsedge: all good\xc2\x9b1m'
knob hostile_text "$hostile"
# No raw C0 control (but the newlines ending lines), DEL or C1 control (UTF-8 C2 80..C2 9F).
raw_controls() {
  LC_ALL=C grep -c $'[\x01-\x09\x0b-\x1f\x7f]\|\xc2[\x80-\x9f]' "$1" || true
}

run_lsedge whoami
expect_rc 0
[ "$(raw_controls "$work/stdout")" = 0 ] || fail "a raw control character on stdout"
[ "$(raw_controls "$work/stderr")" = 0 ] || fail "a raw control character on stderr"
expect_out 'username: \x1b]0;pwned\x07\x1b[2J\x1b[31mred\r\nlsedge: all good\u009b1m'
expect_out 'email: \x1b]0;pwned'

# An error detail from the server (a 403's envelope).
knob fail "1 403 /api/current-user/whoami"
run_lsedge whoami -v
[ "$rc" -ne 0 ] || fail "a 403 exited 0"
[ "$(raw_controls "$work/stdout")" = 0 ] || fail "a raw control character on stdout"
[ "$(raw_controls "$work/stderr")" = 0 ] || fail "a raw control character on stderr"
expect_err 'server said: \x1b]0;pwned\x07\x1b[2J'

# JSON: escaped as JSON (\u001b), parsed back to the server's exact text.
run_lsedge --json whoami
expect_rc 0
[ "$(raw_controls "$work/stdout")" = 0 ] || fail "a raw control character in the JSON on stdout"
/usr/bin/python3 - "$work/stdout" "$hostile" <<'PY' || fail "whoami --json is not the server's text"
import json, os, sys
line = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert len(line) == 1, line
user = json.loads(line[0])
expected = os.fsencode(sys.argv[2]).decode("utf-8")
assert user["username"] == expected, (user["username"], expected)
PY
knob fail "1 403 /api/current-user/whoami"
run_lsedge --json whoami
[ "$rc" -ne 0 ] || fail "a 403 exited 0"
[ "$(raw_controls "$work/stderr")" = 0 ] || fail "a raw control character in the JSON on stderr"
/usr/bin/python3 - "$work/stderr" "$hostile" <<'PY' || fail "the JSON error is not the server's text"
import json, os, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8").read().splitlines()]
errors = [l["error"] for l in lines if "error" in l]
assert errors and errors[-1]["detail"] == os.fsencode(sys.argv[2]).decode("utf-8"), errors
PY
echo PASS
